//! Interests: sent, listed for the two organizations, answered (opening a deal on acceptance),
//! reminded once and expired.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use techmatch_domain::deal::{
    DealId, DeclineReason, FoundVia, Interest, InterestId, InterestPurpose, InterestStatus, ListingRef,
};
use techmatch_domain::{OrganizationId, UserId};

use super::stages::{NewDeal, open_deal};
use super::{listing_columns, listing_of};
use crate::entity::{interest, notification};
use crate::events::notifications::{NewNotification, notification_rows};
use crate::events::vocabulary;
use crate::{Page, PageRequest, Store, StoreError};

/// An interest to store.
#[derive(Debug, Clone)]
pub struct NewInterestRow {
    pub listing: ListingRef,
    pub listing_organization: OrganizationId,
    pub recipient: UserId,
    pub sender: UserId,
    pub sender_organization: OrganizationId,
    pub purpose: InterestPurpose,
    pub message: String,
    pub related: Option<ListingRef>,
    pub found_via: FoundVia,
    pub created_at: DateTime<Utc>,
    pub remind_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A poster's answer as stored.
#[derive(Debug, Clone)]
pub struct StoredAnswer {
    pub status: InterestStatus,
    pub decline_reason: Option<DeclineReason>,
    pub note: Option<String>,
    pub answered_by: UserId,
    pub at: DateTime<Utc>,
}

/// What became of an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerOutcome {
    Answered(Box<Interest>),
    /// Already answered, or expired: its status now.
    NotOpen(InterestStatus),
    NotFound,
}

/// The notices a sweep sends: to the poster when reminded, to the sender when it expired.
pub type SweepNotices<'n> = &'n (dyn Fn(&Interest, InterestStatus) -> Vec<NewNotification> + Sync);

fn open_pair_key(listing: ListingRef, sender_organization: OrganizationId) -> String {
    format!("{}:{}:{}", listing.kind(), listing.id(), sender_organization.0)
}

pub(super) fn to_interest(model: interest::Model) -> Result<Interest, StoreError> {
    let listing = listing_of(model.result_id, model.need_id)
        .ok_or_else(|| StoreError::Corrupt(format!("interest {} has no listing", model.id)))?;
    Ok(Interest {
        id: InterestId(model.id),
        listing,
        listing_organization: OrganizationId(model.listing_organization_id),
        recipient: UserId(model.recipient_user_id),
        sender: UserId(model.sender_user_id),
        sender_organization: OrganizationId(model.sender_organization_id),
        purpose: vocabulary("interest purpose", &model.purpose, InterestPurpose::parse)?,
        message: model.message,
        related: listing_of(model.related_result_id, model.related_need_id),
        found_via: vocabulary("found via", &model.found_via, FoundVia::parse)?,
        status: vocabulary("interest status", &model.status, InterestStatus::parse)?,
        decline_reason: model
            .decline_reason
            .as_deref()
            .map(|reason| vocabulary("decline reason", reason, DeclineReason::parse))
            .transpose()?,
        answer_note: model.answer_note,
        answered_by: model.answered_by.map(UserId),
        answered_at: model.answered_at,
        created_at: model.created_at,
        remind_at: model.remind_at,
        expires_at: model.expires_at,
        deal_id: model.deal_id.map(DealId),
    })
}

impl Store {
    /// Stores an interest with its notice to the poster; `None` when the sender's organization
    /// already has an open interest in this listing.
    pub async fn create_interest(
        &self,
        row: &NewInterestRow,
        notices: &[NewNotification],
    ) -> Result<Option<Interest>, StoreError> {
        let (result_id, need_id) = listing_columns(Some(row.listing));
        let (related_result_id, related_need_id) = listing_columns(row.related);
        let transaction = self.begin_write().await?;
        let inserted = interest::ActiveModel {
            result_id: Set(result_id),
            need_id: Set(need_id),
            listing_organization_id: Set(row.listing_organization.0),
            recipient_user_id: Set(row.recipient.0),
            sender_user_id: Set(row.sender.0),
            sender_organization_id: Set(row.sender_organization.0),
            purpose: Set(row.purpose.as_str().to_owned()),
            message: Set(row.message.clone()),
            related_result_id: Set(related_result_id),
            related_need_id: Set(related_need_id),
            found_via: Set(row.found_via.as_str().to_owned()),
            status: Set(InterestStatus::Open.as_str().to_owned()),
            decline_reason: Set(None),
            answer_note: Set(None),
            answered_by: Set(None),
            answered_at: Set(None),
            created_at: Set(row.created_at),
            remind_at: Set(Some(row.remind_at)),
            expires_at: Set(row.expires_at),
            deal_id: Set(None),
            open_pair_key: Set(Some(open_pair_key(row.listing, row.sender_organization))),
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
            notification::Entity::insert_many(notification_rows(notices, row.created_at)).exec(&transaction).await?;
        }
        transaction.commit().await?;
        Ok(Some(to_interest(model)?))
    }

    pub async fn interest(&self, id: InterestId) -> Result<Option<Interest>, StoreError> {
        interest::Entity::find_by_id(id.0).one(&self.reader).await?.map(to_interest).transpose()
    }

    /// Interests sent or received by `organization` (every one for `None`, which is staff's
    /// view), newest first.
    pub async fn interests_of(
        &self,
        organization: Option<OrganizationId>,
        page: PageRequest,
    ) -> Result<Page<Interest>, StoreError> {
        let mut query = interest::Entity::find();
        if let Some(organization) = organization {
            query = query.filter(
                Condition::any()
                    .add(interest::Column::SenderOrganizationId.eq(organization.0))
                    .add(interest::Column::ListingOrganizationId.eq(organization.0)),
            );
        }
        let total = query.clone().count(&self.reader).await?;
        let models =
            query.order_by_desc(interest::Column::Id).offset(page.offset).limit(page.limit).all(&self.reader).await?;
        let items = models.into_iter().map(to_interest).collect::<Result<_, _>>()?;
        Ok(Page { items, total })
    }

    /// Records an answer if the interest is still open and has not run out; an acceptance
    /// opens `deal` (or joins the pair's deal if it has one) in the same transaction.
    pub async fn answer_interest(
        &self,
        id: InterestId,
        answer: &StoredAnswer,
        deal: Option<&NewDeal>,
        notices: &[NewNotification],
    ) -> Result<AnswerOutcome, StoreError> {
        let transaction = self.begin_write().await?;
        let Some(model) = interest::Entity::find_by_id(id.0).one(&transaction).await? else {
            return Ok(AnswerOutcome::NotFound);
        };
        let status = vocabulary("interest status", &model.status, InterestStatus::parse)?;
        if status != InterestStatus::Open {
            return Ok(AnswerOutcome::NotOpen(status));
        }
        if answer.at >= model.expires_at {
            // Run out: the sweep records it and tells the sender.
            return Ok(AnswerOutcome::NotOpen(InterestStatus::Expired));
        }
        let deal_id = match deal {
            Some(deal) => Some(open_deal(&transaction, deal).await?),
            None => None,
        };
        let mut answered = model.into_active_model();
        answered.status = Set(answer.status.as_str().to_owned());
        answered.decline_reason = Set(answer.decline_reason.map(|reason| reason.as_str().to_owned()));
        answered.answer_note = Set(answer.note.clone());
        answered.answered_by = Set(Some(answer.answered_by.0));
        answered.answered_at = Set(Some(answer.at));
        answered.remind_at = Set(None);
        answered.open_pair_key = Set(None);
        answered.deal_id = Set(deal_id.map(|id| id.0));
        let model = answered.update(&transaction).await?;
        if !notices.is_empty() {
            notification::Entity::insert_many(notification_rows(notices, answer.at)).exec(&transaction).await?;
        }
        transaction.commit().await?;
        Ok(AnswerOutcome::Answered(Box::new(to_interest(model)?)))
    }

    /// Reminds posters of open interests whose reminder is due and expires those whose time
    /// has run out, as of `now`, with the notices `notices_for` writes; returns how many of
    /// each.
    pub async fn sweep_interests(
        &self,
        now: DateTime<Utc>,
        notices_for: SweepNotices<'_>,
    ) -> Result<(usize, usize), StoreError> {
        let transaction = self.begin_write().await?;
        let open = interest::Column::Status.eq(InterestStatus::Open.as_str());
        let due = interest::Entity::find()
            .filter(open.clone())
            .filter(interest::Column::RemindAt.lte(now))
            .filter(interest::Column::ExpiresAt.gt(now))
            .all(&transaction)
            .await?;
        let ended = interest::Entity::find()
            .filter(open.clone())
            .filter(interest::Column::ExpiresAt.lte(now))
            .all(&transaction)
            .await?;
        let mut notices = Vec::new();
        for (models, status) in [(&due, InterestStatus::Open), (&ended, InterestStatus::Expired)] {
            for model in models {
                notices.extend(notices_for(&to_interest(model.clone())?, status));
            }
        }
        if !due.is_empty() {
            interest::Entity::update_many()
                .col_expr(interest::Column::RemindAt, Expr::value(Option::<DateTime<Utc>>::None))
                .filter(interest::Column::Id.is_in(due.iter().map(|model| model.id)))
                .exec(&transaction)
                .await?;
        }
        if !ended.is_empty() {
            interest::Entity::update_many()
                .col_expr(interest::Column::Status, Expr::value(InterestStatus::Expired.as_str()))
                .col_expr(interest::Column::RemindAt, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(interest::Column::OpenPairKey, Expr::value(Option::<String>::None))
                .filter(interest::Column::Id.is_in(ended.iter().map(|model| model.id)))
                .exec(&transaction)
                .await?;
        }
        if !notices.is_empty() {
            notification::Entity::insert_many(notification_rows(&notices, now)).exec(&transaction).await?;
        }
        transaction.commit().await?;
        Ok((due.len(), ended.len()))
    }
}
