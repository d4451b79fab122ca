//! Researchers' applications to open challenges, and the company's shortlist (at most one).

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use techmatch_domain::listing::{ApplicationId, ApplicationStatus, ChallengeApplication, LongText, NeedId};
use techmatch_domain::{OrganizationId, UserId};

use super::corrupt;
use crate::entity::challenge_application;
use crate::{Store, StoreError};

impl Store {
    /// Records an application; `None` when this applicant already applied to this need.
    pub async fn create_application(
        &self,
        need_id: NeedId,
        applicant: UserId,
        organization_id: Option<OrganizationId>,
        proposal: &LongText,
    ) -> Result<Option<ChallengeApplication>, StoreError> {
        let now = Utc::now();
        let transaction = self.begin_write().await?;
        let existing = challenge_application::Entity::find()
            .filter(challenge_application::Column::NeedId.eq(need_id.0))
            .filter(challenge_application::Column::ApplicantUserId.eq(applicant.0))
            .count(&transaction)
            .await?;
        if existing > 0 {
            return Ok(None);
        }
        let model = challenge_application::ActiveModel {
            need_id: Set(need_id.0),
            applicant_user_id: Set(applicant.0),
            organization_id: Set(organization_id.map(|id| id.0)),
            proposal: Set(proposal.as_str().to_owned()),
            status: Set(ApplicationStatus::Submitted.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&transaction)
        .await;
        let model = match model {
            Ok(model) => model,
            Err(error) => {
                return match StoreError::from(error) {
                    StoreError::UniqueViolation(_) => Ok(None),
                    other => Err(other),
                };
            }
        };
        transaction.commit().await?;
        Ok(Some(application_from_model(model)?))
    }

    pub async fn list_applications(&self, need_id: NeedId) -> Result<Vec<ChallengeApplication>, StoreError> {
        let models = challenge_application::Entity::find()
            .filter(challenge_application::Column::NeedId.eq(need_id.0))
            .order_by_asc(challenge_application::Column::Id)
            .all(&self.reader)
            .await?;
        models.into_iter().map(application_from_model).collect()
    }

    /// Marks one application shortlisted and returns any other shortlisted one to submitted:
    /// a challenge has at most one shortlisted team.
    pub async fn shortlist_application(
        &self,
        need_id: NeedId,
        application_id: ApplicationId,
    ) -> Result<Option<ChallengeApplication>, StoreError> {
        use challenge_application::Column;
        let transaction = self.begin_write().await?;
        let now = Utc::now();
        let found = challenge_application::Entity::find_by_id(application_id.0)
            .filter(Column::NeedId.eq(need_id.0))
            .one(&transaction)
            .await?;
        if found.is_none() {
            return Ok(None);
        }
        challenge_application::Entity::update_many()
            .col_expr(Column::Status, Expr::value(ApplicationStatus::Submitted.as_str()))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::NeedId.eq(need_id.0))
            .filter(Column::Status.eq(ApplicationStatus::Shortlisted.as_str()))
            .exec(&transaction)
            .await?;
        challenge_application::Entity::update_many()
            .col_expr(Column::Status, Expr::value(ApplicationStatus::Shortlisted.as_str()))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::Id.eq(application_id.0))
            .exec(&transaction)
            .await?;
        let model = challenge_application::Entity::find_by_id(application_id.0).one(&transaction).await?;
        transaction.commit().await?;
        model.map(application_from_model).transpose()
    }
}

fn application_from_model(model: challenge_application::Model) -> Result<ChallengeApplication, StoreError> {
    let id = model.id;
    Ok(ChallengeApplication {
        id: ApplicationId(id),
        need_id: NeedId(model.need_id),
        applicant_user_id: UserId(model.applicant_user_id),
        organization_id: model.organization_id.map(OrganizationId),
        proposal: LongText::from_trusted(model.proposal),
        status: ApplicationStatus::parse("status", &model.status).map_err(corrupt("application status", id))?,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}
