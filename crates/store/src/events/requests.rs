//! Meeting requests: asked, answered, and expired with their notices.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use techmatch_domain::event::{EventId, MeetingRequest, MeetingRequestId, ParticipantId, RequestStatus};

use super::notifications::{NewNotification, notification_rows};
use super::vocabulary;
use crate::entity::{meeting_request, notification};
use crate::{Store, StoreError};

/// A meeting request as it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMeetingRequest {
    pub event_id: EventId,
    pub from: ParticipantId,
    pub to: ParticipantId,
    pub message: String,
    pub expires_at: DateTime<Utc>,
}

fn to_request(model: meeting_request::Model) -> Result<MeetingRequest, StoreError> {
    Ok(MeetingRequest {
        id: MeetingRequestId(model.id),
        event_id: EventId(model.event_id),
        from: ParticipantId(model.from_participant),
        to: ParticipantId(model.to_participant),
        message: model.message,
        status: vocabulary("request status", &model.status, RequestStatus::parse)?,
        expires_at: model.expires_at,
        created_at: model.created_at,
        responded_at: model.responded_at,
    })
}

impl Store {
    pub async fn create_meeting_request(
        &self,
        new: &NewMeetingRequest,
        notice: &NewNotification,
        now: DateTime<Utc>,
    ) -> Result<MeetingRequest, StoreError> {
        let transaction = self.begin_write().await?;
        let model = meeting_request::ActiveModel {
            event_id: Set(new.event_id.0),
            from_participant: Set(new.from.0),
            to_participant: Set(new.to.0),
            message: Set(new.message.clone()),
            status: Set(RequestStatus::Pending.as_str().to_owned()),
            expires_at: Set(new.expires_at),
            created_at: Set(now),
            responded_at: Set(None),
            ..Default::default()
        };
        let inserted = meeting_request::Entity::insert(model).exec_with_returning(&transaction).await?;
        notification::Entity::insert_many(notification_rows(std::slice::from_ref(notice), now))
            .exec(&transaction)
            .await?;
        transaction.commit().await?;
        to_request(inserted)
    }

    pub async fn meeting_requests(&self, event_id: EventId) -> Result<Vec<MeetingRequest>, StoreError> {
        meeting_request::Entity::find()
            .filter(meeting_request::Column::EventId.eq(event_id.0))
            .order_by_asc(meeting_request::Column::Id)
            .all(&self.reader)
            .await?
            .into_iter()
            .map(to_request)
            .collect()
    }

    pub async fn find_meeting_request(&self, id: MeetingRequestId) -> Result<Option<MeetingRequest>, StoreError> {
        meeting_request::Entity::find_by_id(id.0).one(&self.reader).await?.map(to_request).transpose()
    }

    /// Answers a pending, unexpired request; false when it was answered or expired meanwhile.
    pub async fn answer_meeting_request(
        &self,
        id: MeetingRequestId,
        answer: RequestStatus,
        notice: &NewNotification,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let transaction = self.begin_write().await?;
        let result = meeting_request::Entity::update_many()
            .col_expr(meeting_request::Column::Status, Expr::value(answer.as_str()))
            .col_expr(meeting_request::Column::RespondedAt, Expr::value(Some(now)))
            .filter(meeting_request::Column::Id.eq(id.0))
            .filter(meeting_request::Column::Status.eq(RequestStatus::Pending.as_str()))
            .filter(meeting_request::Column::ExpiresAt.gt(now))
            .exec(&transaction)
            .await?;
        if result.rows_affected != 1 {
            transaction.rollback().await?;
            return Ok(false);
        }
        notification::Entity::insert_many(notification_rows(std::slice::from_ref(notice), now))
            .exec(&transaction)
            .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Marks an event's pending requests past their expiry as expired and returns them, so the
    /// caller can tell both sides; the notices are written in the same transaction.
    pub async fn expire_meeting_requests(
        &self,
        event_id: EventId,
        now: DateTime<Utc>,
        notices: impl Fn(&MeetingRequest) -> Vec<NewNotification>,
    ) -> Result<Vec<MeetingRequest>, StoreError> {
        let transaction = self.begin_write().await?;
        let due = meeting_request::Entity::find()
            .filter(meeting_request::Column::EventId.eq(event_id.0))
            .filter(meeting_request::Column::Status.eq(RequestStatus::Pending.as_str()))
            .filter(meeting_request::Column::ExpiresAt.lte(now))
            .all(&transaction)
            .await?;
        if due.is_empty() {
            transaction.rollback().await?;
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = due.iter().map(|model| model.id).collect();
        meeting_request::Entity::update_many()
            .col_expr(meeting_request::Column::Status, Expr::value(RequestStatus::Expired.as_str()))
            .filter(meeting_request::Column::Id.is_in(ids))
            .exec(&transaction)
            .await?;
        let mut expired = Vec::with_capacity(due.len());
        let mut all_notices = Vec::new();
        for model in due {
            let mut request = to_request(model)?;
            request.status = RequestStatus::Expired;
            all_notices.extend(notices(&request));
            expired.push(request);
        }
        if !all_notices.is_empty() {
            notification::Entity::insert_many(notification_rows(&all_notices, now)).exec(&transaction).await?;
        }
        transaction.commit().await?;
        Ok(expired)
    }
}
