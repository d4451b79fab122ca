//! Registrations: participants of an event and the officers' decisions on them.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use techmatch_domain::UserId;
use techmatch_domain::event::{EventId, Participant, ParticipantId, ParticipantRole, RegistrationStatus};
use techmatch_domain::organization::OrganizationId;

use super::notifications::{NewNotification, notification_rows};
use super::{decode, encode, vocabulary};
use crate::entity::{event_participant, notification};
use crate::{Store, StoreError};

/// A registration as it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewParticipant {
    pub event_id: EventId,
    pub user_id: UserId,
    pub organization_id: OrganizationId,
    pub role: ParticipantRole,
    pub listing_ids: Vec<i64>,
    pub available_slots: Vec<u32>,
    pub max_meetings: u32,
}

fn to_participant(model: event_participant::Model) -> Result<Participant, StoreError> {
    Ok(Participant {
        id: ParticipantId(model.id),
        event_id: EventId(model.event_id),
        user_id: UserId(model.user_id),
        organization_id: OrganizationId(model.organization_id),
        role: vocabulary("participant role", &model.role, ParticipantRole::parse)?,
        listing_ids: decode("participant listings", &model.listing_ids)?,
        available_slots: decode("participant slots", &model.available_slots)?,
        max_meetings: model.max_meetings.max(0) as u32,
        status: vocabulary("registration status", &model.status, RegistrationStatus::parse)?,
        created_at: model.created_at,
    })
}

impl Store {
    /// Registers a participant; a second registration of the same account is a unique
    /// violation. Capacity is checked inside the write transaction so two last-minute
    /// registrations cannot both take the last place.
    pub async fn register_participant(
        &self,
        new: &NewParticipant,
        capacity: u32,
        now: DateTime<Utc>,
    ) -> Result<Option<Participant>, StoreError> {
        let transaction = self.begin_write().await?;
        let taken = event_participant::Entity::find()
            .filter(event_participant::Column::EventId.eq(new.event_id.0))
            .filter(event_participant::Column::Status.ne(RegistrationStatus::Rejected.as_str()))
            .count(&transaction)
            .await?;
        if taken >= u64::from(capacity) {
            transaction.rollback().await?;
            return Ok(None);
        }
        let model = event_participant::ActiveModel {
            event_id: Set(new.event_id.0),
            user_id: Set(new.user_id.0),
            organization_id: Set(new.organization_id.0),
            role: Set(new.role.as_str().to_owned()),
            listing_ids: Set(encode(&new.listing_ids)?),
            available_slots: Set(encode(&new.available_slots)?),
            max_meetings: Set(new.max_meetings as i32),
            status: Set(RegistrationStatus::Pending.as_str().to_owned()),
            created_at: Set(now),
            ..Default::default()
        };
        let inserted = event_participant::Entity::insert(model).exec_with_returning(&transaction).await?;
        transaction.commit().await?;
        to_participant(inserted).map(Some)
    }

    pub async fn participants(&self, event_id: EventId) -> Result<Vec<Participant>, StoreError> {
        event_participant::Entity::find()
            .filter(event_participant::Column::EventId.eq(event_id.0))
            .order_by_asc(event_participant::Column::Id)
            .all(&self.reader)
            .await?
            .into_iter()
            .map(to_participant)
            .collect()
    }

    pub async fn find_participant(&self, id: ParticipantId) -> Result<Option<Participant>, StoreError> {
        event_participant::Entity::find_by_id(id.0).one(&self.reader).await?.map(to_participant).transpose()
    }

    pub async fn participant_of(&self, event_id: EventId, user_id: UserId) -> Result<Option<Participant>, StoreError> {
        event_participant::Entity::find()
            .filter(event_participant::Column::EventId.eq(event_id.0))
            .filter(event_participant::Column::UserId.eq(user_id.0))
            .one(&self.reader)
            .await?
            .map(to_participant)
            .transpose()
    }

    /// Every registration of one user, newest first (their "my events").
    pub async fn registrations_of_user(&self, user_id: UserId) -> Result<Vec<Participant>, StoreError> {
        event_participant::Entity::find()
            .filter(event_participant::Column::UserId.eq(user_id.0))
            .order_by_desc(event_participant::Column::Id)
            .limit(200)
            .all(&self.reader)
            .await?
            .into_iter()
            .map(to_participant)
            .collect()
    }

    /// Approves or rejects a registration, with a notice to the participant.
    pub async fn set_registration_status(
        &self,
        id: ParticipantId,
        status: RegistrationStatus,
        notice: &NewNotification,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let transaction = self.begin_write().await?;
        let result = event_participant::Entity::update_many()
            .col_expr(event_participant::Column::Status, Expr::value(status.as_str()))
            .filter(event_participant::Column::Id.eq(id.0))
            .exec(&transaction)
            .await?;
        if result.rows_affected != 1 {
            transaction.rollback().await?;
            return Err(StoreError::NotFound);
        }
        notification::Entity::insert_many(notification_rows(std::slice::from_ref(notice), now))
            .exec(&transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }
}
