//! Introductions: made by a liaison officer, answered by each side; the second acceptance
//! opens the pair's deal in the same transaction.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use techmatch_domain::deal::{DealId, InterestStatus, Introduction, IntroductionId, Side};
use techmatch_domain::listing::{NeedId, ResultId};
use techmatch_domain::{OrganizationId, UserId};

use super::stages::{NewDeal, open_deal};
use crate::entity::{introduction, notification};
use crate::events::notifications::{NewNotification, notification_rows};
use crate::events::vocabulary;
use crate::{Page, PageRequest, Store, StoreError};

/// An introduction to store.
#[derive(Debug, Clone)]
pub struct NewIntroductionRow {
    pub result_id: ResultId,
    pub need_id: NeedId,
    pub research_organization: OrganizationId,
    pub company_organization: OrganizationId,
    pub introducer: UserId,
    pub note: String,
    pub at: DateTime<Utc>,
}

/// What became of a side's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum IntroductionAnswerOutcome {
    Answered(Box<Introduction>),
    /// That side answered already, or the other declined.
    NotOpen,
    NotFound,
}

fn to_introduction(model: introduction::Model) -> Result<Introduction, StoreError> {
    Ok(Introduction {
        id: IntroductionId(model.id),
        result_id: ResultId(model.result_id),
        need_id: NeedId(model.need_id),
        research_organization: OrganizationId(model.research_organization_id),
        company_organization: OrganizationId(model.company_organization_id),
        introducer: UserId(model.introducer_user_id),
        note: model.note,
        research_answer: vocabulary("introduction answer", &model.research_answer, InterestStatus::parse)?,
        company_answer: vocabulary("introduction answer", &model.company_answer, InterestStatus::parse)?,
        created_at: model.created_at,
        deal_id: model.deal_id.map(DealId),
    })
}

impl Store {
    /// Stores an introduction with its notices; `None` when the pair has one open already.
    pub async fn create_introduction(
        &self,
        row: &NewIntroductionRow,
        notices: &[NewNotification],
    ) -> Result<Option<Introduction>, StoreError> {
        let transaction = self.begin_write().await?;
        let inserted = introduction::ActiveModel {
            result_id: Set(row.result_id.0),
            need_id: Set(row.need_id.0),
            research_organization_id: Set(row.research_organization.0),
            company_organization_id: Set(row.company_organization.0),
            introducer_user_id: Set(row.introducer.0),
            note: Set(row.note.clone()),
            research_answer: Set(InterestStatus::Open.as_str().to_owned()),
            company_answer: Set(InterestStatus::Open.as_str().to_owned()),
            created_at: Set(row.at),
            deal_id: Set(None),
            open_pair_key: Set(Some(format!("{}:{}", row.result_id.0, row.need_id.0))),
            ..Default::default()
        }
        .insert(&transaction)
        .await;
        let model = match inserted.map_err(StoreError::from) {
            Ok(model) => model,
            Err(StoreError::UniqueViolation(_)) => return Ok(None),
            Err(other) => return Err(other),
        };
        if !notices.is_empty() {
            notification::Entity::insert_many(notification_rows(notices, row.at)).exec(&transaction).await?;
        }
        transaction.commit().await?;
        Ok(Some(to_introduction(model)?))
    }

    pub async fn introduction(&self, id: IntroductionId) -> Result<Option<Introduction>, StoreError> {
        introduction::Entity::find_by_id(id.0).one(&self.reader).await?.map(to_introduction).transpose()
    }

    /// Introductions of `organization` (either side) or made by `introducer`; every one when
    /// both are `None` (staff). Newest first.
    pub async fn introductions_of(
        &self,
        organization: Option<OrganizationId>,
        introducer: Option<UserId>,
        page: PageRequest,
    ) -> Result<Page<Introduction>, StoreError> {
        let mut query = introduction::Entity::find();
        if organization.is_some() || introducer.is_some() {
            let mut whose = Condition::any();
            if let Some(organization) = organization {
                whose = whose
                    .add(introduction::Column::ResearchOrganizationId.eq(organization.0))
                    .add(introduction::Column::CompanyOrganizationId.eq(organization.0));
            }
            if let Some(introducer) = introducer {
                whose = whose.add(introduction::Column::IntroducerUserId.eq(introducer.0));
            }
            query = query.filter(whose);
        }
        let total = query.clone().count(&self.reader).await?;
        let models = query
            .order_by_desc(introduction::Column::Id)
            .offset(page.offset)
            .limit(page.limit)
            .all(&self.reader)
            .await?;
        Ok(Page { items: models.into_iter().map(to_introduction).collect::<Result<_, _>>()?, total })
    }

    /// How the introductions `introducer` made from `from` to `to` (exclusive) stand: per pair
    /// of answers (research side's, company side's), how many.
    pub async fn introduction_answers_of(
        &self,
        introducer: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(InterestStatus, InterestStatus, u64)>, StoreError> {
        let rows: Vec<(String, String, i64)> = introduction::Entity::find()
            .select_only()
            .column(introduction::Column::ResearchAnswer)
            .column(introduction::Column::CompanyAnswer)
            .column_as(introduction::Column::Id.count(), "introductions")
            .filter(introduction::Column::IntroducerUserId.eq(introducer.0))
            .filter(introduction::Column::CreatedAt.gte(from))
            .filter(introduction::Column::CreatedAt.lt(to))
            .group_by(introduction::Column::ResearchAnswer)
            .group_by(introduction::Column::CompanyAnswer)
            .into_tuple()
            .all(&self.reader)
            .await?;
        rows.into_iter()
            .map(|(research, company, count)| {
                Ok((
                    vocabulary("introduction answer", &research, InterestStatus::parse)?,
                    vocabulary("introduction answer", &company, InterestStatus::parse)?,
                    u64::try_from(count).unwrap_or(0),
                ))
            })
            .collect()
    }

    /// Records one side's answer; when it makes both accepted, `deal` opens in the same
    /// transaction.
    pub async fn answer_introduction(
        &self,
        id: IntroductionId,
        side: Side,
        accept: bool,
        deal: &NewDeal,
        notices: &[NewNotification],
    ) -> Result<IntroductionAnswerOutcome, StoreError> {
        let transaction = self.begin_write().await?;
        let Some(model) = introduction::Entity::find_by_id(id.0).one(&transaction).await? else {
            return Ok(IntroductionAnswerOutcome::NotFound);
        };
        let current = to_introduction(model.clone())?;
        let own = match side {
            Side::Research => current.research_answer,
            Side::Company => current.company_answer,
        };
        if current.status() != InterestStatus::Open || own != InterestStatus::Open {
            return Ok(IntroductionAnswerOutcome::NotOpen);
        }
        let answer = if accept { InterestStatus::Accepted } else { InterestStatus::Declined };
        let mut answered = current.clone();
        match side {
            Side::Research => answered.research_answer = answer,
            Side::Company => answered.company_answer = answer,
        }
        let mut changed = model.into_active_model();
        changed.research_answer = Set(answered.research_answer.as_str().to_owned());
        changed.company_answer = Set(answered.company_answer.as_str().to_owned());
        if answered.status() != InterestStatus::Open {
            changed.open_pair_key = Set(None);
        }
        if answered.status() == InterestStatus::Accepted {
            changed.deal_id = Set(Some(open_deal(&transaction, deal).await?.0));
        }
        let model = changed.update(&transaction).await?;
        if !notices.is_empty() {
            notification::Entity::insert_many(notification_rows(notices, deal.at)).exec(&transaction).await?;
        }
        transaction.commit().await?;
        Ok(IntroductionAnswerOutcome::Answered(Box::new(to_introduction(model)?)))
    }
}
