//! Events, participants, meeting requests, meetings and notifications.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use serde::de::DeserializeOwned;
use techmatch_domain::UserId;
use techmatch_domain::event::{
    Attendance, Event, EventDraft, EventId, EventKind, EventMode, EventStatus, Meeting, MeetingId, MeetingRequest,
    MeetingRequestId, MeetingSource, Notification, NotificationId, Outcome, OutcomeStage, Participant, ParticipantId,
    ParticipantRole, RegistrationStatus, RequestStatus, ServiceRating, Timetable,
};
use techmatch_domain::industry::IndustryCode;
use techmatch_domain::listing::{Keywords, Title};
use techmatch_domain::organization::OrganizationId;

use crate::entity::{event, event_participant, event_presentation, meeting, meeting_request, notification};
use crate::{Page, PageRequest, Store, StoreError};

fn encode<T: Serialize + ?Sized>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError::Corrupt(format!("cannot encode: {error}")))
}

fn decode<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt(format!("{what}: {error}")))
}

fn vocabulary<T>(
    what: &str,
    raw: &str,
    parse: fn(&str, &str) -> Result<T, techmatch_domain::FieldError>,
) -> Result<T, StoreError> {
    parse(what, raw).map_err(|_| StoreError::Corrupt(format!("{what} is {raw:?}")))
}

fn to_event(model: event::Model) -> Result<Event, StoreError> {
    let industries: Vec<String> = decode("event industries", &model.theme_industries)?;
    let keywords: Vec<String> = decode("event keywords", &model.theme_keywords)?;
    let timetable: Timetable = decode("event timetable", &model.timetable)?;
    Ok(Event {
        id: EventId(model.id),
        content: EventDraft {
            title: Title::from_trusted(model.title),
            kind: vocabulary("event kind", &model.kind, EventKind::parse)?,
            theme_industries: industries
                .iter()
                .map(|code| IndustryCode::parse("industry", code))
                .collect::<Result<_, _>>()
                .map_err(|_| StoreError::Corrupt(format!("event {} has an unknown industry", model.id)))?,
            theme_keywords: Keywords::from_trusted(keywords),
            mode: vocabulary("event mode", &model.mode, EventMode::parse)?,
            venue: model.venue,
            video_link: model.video_link,
            timetable,
            tables: model.tables.max(0) as u32,
            capacity: model.capacity.max(0) as u32,
            registration_deadline: model.registration_deadline,
            request_expiry_hours: model.request_expiry_hours.max(1) as u32,
        },
        status: vocabulary("event status", &model.status, EventStatus::parse)?,
        created_by: UserId(model.created_by),
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
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

fn rating(raw: Option<String>, comment: Option<String>) -> Result<Option<(ServiceRating, Option<String>)>, StoreError> {
    raw.map(|raw| Ok((vocabulary("rating", &raw, ServiceRating::parse)?, comment))).transpose()
}

fn to_meeting(model: meeting::Model) -> Result<Meeting, StoreError> {
    let outcome = match model.outcome_stage {
        Some(stage) => Some(Outcome {
            stage: vocabulary("outcome stage", &stage, OutcomeStage::parse)?,
            contract_amount_yuan: model.contract_amount_yuan,
            contract_date: model.contract_date,
        }),
        None => None,
    };
    Ok(Meeting {
        id: MeetingId(model.id),
        event_id: EventId(model.event_id),
        researcher: ParticipantId(model.researcher_participant),
        company: ParticipantId(model.company_participant),
        slot: model.slot.max(0) as u32,
        table: model.table_no.max(0) as u32,
        weight: model.weight,
        source: vocabulary("meeting source", &model.source, MeetingSource::parse)?,
        locked: model.locked,
        attendance: vocabulary("attendance", &model.attendance, Attendance::parse)?,
        result_id: model.result_id,
        need_id: model.need_id,
        outcome,
        researcher_rating: rating(model.researcher_rating, model.researcher_comment)?,
        company_rating: rating(model.company_rating, model.company_comment)?,
    })
}

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

/// A meeting request as it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMeetingRequest {
    pub event_id: EventId,
    pub from: ParticipantId,
    pub to: ParticipantId,
    pub message: String,
    pub expires_at: DateTime<Utc>,
}

/// A meeting as the scheduler placed it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlacedMeeting {
    pub researcher: ParticipantId,
    pub company: ParticipantId,
    pub slot: u32,
    pub table: u32,
    pub weight: f64,
    pub source: MeetingSource,
    pub locked: bool,
    pub result_id: Option<i64>,
    pub need_id: Option<i64>,
}

/// A notice for one account.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    pub user_id: UserId,
    pub kind: &'static str,
    pub message: String,
}

fn notification_rows(notices: &[NewNotification], now: DateTime<Utc>) -> Vec<notification::ActiveModel> {
    notices
        .iter()
        .map(|notice| notification::ActiveModel {
            user_id: Set(notice.user_id.0),
            kind: Set(notice.kind.to_owned()),
            message: Set(notice.message.clone()),
            created_at: Set(now),
            read_at: Set(None),
            // Queued for its e-mail copy in the same transaction (see `Store::notices_due_for_mail`).
            mail_after: Set(Some(now)),
            mail_attempts: Set(0),
            mailed_at: Set(None),
            ..Default::default()
        })
        .collect()
}

impl Store {
    pub async fn create_event(
        &self,
        draft: &EventDraft,
        created_by: UserId,
        now: DateTime<Utc>,
    ) -> Result<Event, StoreError> {
        let industries: Vec<&str> = draft.theme_industries.iter().map(|code| code.as_str()).collect();
        let model = event::ActiveModel {
            title: Set(draft.title.as_str().to_owned()),
            kind: Set(draft.kind.as_str().to_owned()),
            theme_industries: Set(encode(&industries)?),
            theme_keywords: Set(encode(draft.theme_keywords.as_slice())?),
            mode: Set(draft.mode.as_str().to_owned()),
            venue: Set(draft.venue.clone()),
            video_link: Set(draft.video_link.clone()),
            timetable: Set(encode(&draft.timetable)?),
            tables: Set(draft.tables as i32),
            capacity: Set(draft.capacity as i32),
            registration_deadline: Set(draft.registration_deadline),
            request_expiry_hours: Set(draft.request_expiry_hours as i32),
            status: Set(EventStatus::Draft.as_str().to_owned()),
            created_by: Set(created_by.0),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let inserted = event::Entity::insert(model).exec_with_returning(&self.writer).await?;
        to_event(inserted)
    }

    pub async fn find_event(&self, id: EventId) -> Result<Option<Event>, StoreError> {
        event::Entity::find_by_id(id.0).one(&self.reader).await?.map(to_event).transpose()
    }

    /// Events newest date first; `public_only` leaves drafts out.
    pub async fn list_events(&self, public_only: bool, page: PageRequest) -> Result<Page<Event>, StoreError> {
        let mut query = event::Entity::find();
        if public_only {
            query = query.filter(event::Column::Status.ne(EventStatus::Draft.as_str()));
        }
        let total = query.clone().count(&self.reader).await?;
        let models =
            query.order_by_desc(event::Column::Id).offset(page.offset).limit(page.limit).all(&self.reader).await?;
        Ok(Page { items: models.into_iter().map(to_event).collect::<Result<_, _>>()?, total })
    }

    /// Every event, for statistics.
    pub async fn all_events(&self) -> Result<Vec<Event>, StoreError> {
        event::Entity::find()
            .order_by_asc(event::Column::Id)
            .all(&self.reader)
            .await?
            .into_iter()
            .map(to_event)
            .collect()
    }

    /// Moves an event from `from` to `to`; false when it was no longer in `from`.
    pub async fn set_event_status(
        &self,
        id: EventId,
        from: EventStatus,
        to: EventStatus,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = event::Entity::update_many()
            .col_expr(event::Column::Status, Expr::value(to.as_str()))
            .col_expr(event::Column::UpdatedAt, Expr::value(now))
            .filter(event::Column::Id.eq(id.0))
            .filter(event::Column::Status.eq(from.as_str()))
            .exec(&self.writer)
            .await?;
        Ok(result.rows_affected == 1)
    }

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

    /// Replaces an event's schedule and marks it scheduled, with notices, in one transaction:
    /// participants never see half a schedule.
    pub async fn publish_schedule(
        &self,
        event_id: EventId,
        meetings: &[PlacedMeeting],
        notices: &[NewNotification],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let transaction = self.begin_write().await?;
        meeting::Entity::delete_many().filter(meeting::Column::EventId.eq(event_id.0)).exec(&transaction).await?;
        if !meetings.is_empty() {
            let rows = meetings.iter().map(|placed| meeting::ActiveModel {
                event_id: Set(event_id.0),
                researcher_participant: Set(placed.researcher.0),
                company_participant: Set(placed.company.0),
                slot: Set(placed.slot as i32),
                table_no: Set(placed.table as i32),
                weight: Set(placed.weight),
                source: Set(placed.source.as_str().to_owned()),
                locked: Set(placed.locked),
                attendance: Set(Attendance::Scheduled.as_str().to_owned()),
                result_id: Set(placed.result_id),
                need_id: Set(placed.need_id),
                outcome_stage: Set(None),
                contract_amount_yuan: Set(None),
                contract_date: Set(None),
                researcher_rating: Set(None),
                researcher_comment: Set(None),
                company_rating: Set(None),
                company_comment: Set(None),
                updated_at: Set(now),
                ..Default::default()
            });
            meeting::Entity::insert_many(rows).exec(&transaction).await?;
        }
        event::Entity::update_many()
            .col_expr(event::Column::Status, Expr::value(EventStatus::Scheduled.as_str()))
            .col_expr(event::Column::UpdatedAt, Expr::value(now))
            .filter(event::Column::Id.eq(event_id.0))
            .exec(&transaction)
            .await?;
        if !notices.is_empty() {
            notification::Entity::insert_many(notification_rows(notices, now)).exec(&transaction).await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    pub async fn meetings(&self, event_id: EventId) -> Result<Vec<Meeting>, StoreError> {
        meeting::Entity::find()
            .filter(meeting::Column::EventId.eq(event_id.0))
            .order_by_asc(meeting::Column::Slot)
            .order_by_asc(meeting::Column::TableNo)
            .all(&self.reader)
            .await?
            .into_iter()
            .map(to_meeting)
            .collect()
    }

    /// Meetings of several events (statistics).
    pub async fn meetings_of_events(&self, event_ids: &[i64]) -> Result<Vec<Meeting>, StoreError> {
        if event_ids.is_empty() {
            return Ok(Vec::new());
        }
        meeting::Entity::find()
            .filter(meeting::Column::EventId.is_in(event_ids.iter().copied()))
            .order_by_asc(meeting::Column::Id)
            .all(&self.reader)
            .await?
            .into_iter()
            .map(to_meeting)
            .collect()
    }

    pub async fn find_meeting(&self, id: MeetingId) -> Result<Option<Meeting>, StoreError> {
        meeting::Entity::find_by_id(id.0).one(&self.reader).await?.map(to_meeting).transpose()
    }

    /// Writes a meeting's follow-up: attendance, outcome and ratings.
    pub async fn update_meeting_follow_up(&self, meeting: &Meeting, now: DateTime<Utc>) -> Result<(), StoreError> {
        let (researcher_rating, researcher_comment) = match &meeting.researcher_rating {
            Some((rating, comment)) => (Some(rating.as_str().to_owned()), comment.clone()),
            None => (None, None),
        };
        let (company_rating, company_comment) = match &meeting.company_rating {
            Some((rating, comment)) => (Some(rating.as_str().to_owned()), comment.clone()),
            None => (None, None),
        };
        let result = meeting::Entity::update_many()
            .col_expr(meeting::Column::Attendance, Expr::value(meeting.attendance.as_str()))
            .col_expr(
                meeting::Column::OutcomeStage,
                Expr::value(meeting.outcome.as_ref().map(|outcome| outcome.stage.as_str().to_owned())),
            )
            .col_expr(
                meeting::Column::ContractAmountYuan,
                Expr::value(meeting.outcome.as_ref().and_then(|outcome| outcome.contract_amount_yuan)),
            )
            .col_expr(
                meeting::Column::ContractDate,
                Expr::value(meeting.outcome.as_ref().and_then(|outcome| outcome.contract_date)),
            )
            .col_expr(meeting::Column::ResearcherRating, Expr::value(researcher_rating))
            .col_expr(meeting::Column::ResearcherComment, Expr::value(researcher_comment))
            .col_expr(meeting::Column::CompanyRating, Expr::value(company_rating))
            .col_expr(meeting::Column::CompanyComment, Expr::value(company_comment))
            .col_expr(meeting::Column::UpdatedAt, Expr::value(now))
            .filter(meeting::Column::Id.eq(meeting.id.0))
            .exec(&self.writer)
            .await?;
        if result.rows_affected == 1 { Ok(()) } else { Err(StoreError::NotFound) }
    }

    /// Moves meetings to new cells (a move or a swap planned against `expected`, the places
    /// the planner saw) and sets their lock, with notices, in one transaction. Returns false,
    /// writing nothing, when the schedule changed since it was read: the officer's grid is stale.
    pub async fn relocate_meetings(
        &self,
        event_id: EventId,
        expected: &[(MeetingId, u32, u32)],
        changes: &[(MeetingId, u32, u32, bool)],
        notices: &[NewNotification],
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let transaction = self.begin_write().await?;
        // Serializes grid edits of one event on PostgreSQL (SQLite's write lock already does).
        event::Entity::find_by_id(event_id.0).lock_exclusive().one(&transaction).await?.ok_or(StoreError::NotFound)?;
        let mut current: Vec<(MeetingId, u32, u32)> = meeting::Entity::find()
            .filter(meeting::Column::EventId.eq(event_id.0))
            .all(&transaction)
            .await?
            .into_iter()
            .map(|model| (MeetingId(model.id), model.slot as u32, model.table_no as u32))
            .collect();
        current.sort_unstable();
        let mut expected = expected.to_vec();
        expected.sort_unstable();
        if current != expected {
            transaction.rollback().await?;
            return Ok(false);
        }
        for (id, slot, table, locked) in changes {
            meeting::Entity::update_many()
                .col_expr(meeting::Column::Slot, Expr::value(*slot as i32))
                .col_expr(meeting::Column::TableNo, Expr::value(*table as i32))
                .col_expr(meeting::Column::Locked, Expr::value(*locked))
                .col_expr(meeting::Column::UpdatedAt, Expr::value(now))
                .filter(meeting::Column::Id.eq(id.0))
                .filter(meeting::Column::EventId.eq(event_id.0))
                .exec(&transaction)
                .await?;
        }
        if !notices.is_empty() {
            notification::Entity::insert_many(notification_rows(notices, now)).exec(&transaction).await?;
        }
        transaction.commit().await?;
        Ok(true)
    }

    /// Stores notices on their own (most are stored with the change that causes them).
    pub async fn notify(&self, notices: &[NewNotification], now: DateTime<Utc>) -> Result<(), StoreError> {
        if !notices.is_empty() {
            notification::Entity::insert_many(notification_rows(notices, now)).exec(&self.writer).await?;
        }
        Ok(())
    }

    pub async fn notifications(&self, user_id: UserId, limit: u64) -> Result<Vec<Notification>, StoreError> {
        let models = notification::Entity::find()
            .filter(notification::Column::UserId.eq(user_id.0))
            .order_by_desc(notification::Column::Id)
            .limit(limit)
            .all(&self.reader)
            .await?;
        Ok(models
            .into_iter()
            .map(|model| Notification {
                id: NotificationId(model.id),
                user_id: UserId(model.user_id),
                kind: model.kind,
                message: model.message,
                created_at: model.created_at,
                read_at: model.read_at,
            })
            .collect())
    }

    /// Marks all of an account's notifications read, and deletes those it read before
    /// `forget_read_before` (so the table does not grow for ever; unread ones are always kept).
    pub async fn mark_notifications_read(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
        forget_read_before: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let transaction = self.begin_write().await?;
        notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(Some(now)))
            .filter(notification::Column::UserId.eq(user_id.0))
            .filter(notification::Column::ReadAt.is_null())
            .exec(&transaction)
            .await?;
        notification::Entity::delete_many()
            .filter(notification::Column::UserId.eq(user_id.0))
            .filter(notification::Column::ReadAt.lt(forget_read_before))
            .exec(&transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Replaces a roadshow's presentations with `results`, in this order.
    pub async fn replace_presentations(
        &self,
        event_id: EventId,
        results: &[i64],
        confirmed_by: UserId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let transaction = self.begin_write().await?;
        event_presentation::Entity::delete_many()
            .filter(event_presentation::Column::EventId.eq(event_id.0))
            .exec(&transaction)
            .await?;
        if !results.is_empty() {
            let rows = results.iter().enumerate().map(|(position, result)| event_presentation::ActiveModel {
                event_id: Set(event_id.0),
                position: Set(position as i32 + 1),
                result_id: Set(*result),
                confirmed_by: Set(confirmed_by.0),
                confirmed_at: Set(now),
                ..Default::default()
            });
            event_presentation::Entity::insert_many(rows).exec(&transaction).await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// A roadshow's presentations as result ids, in order.
    pub async fn presentations(&self, event_id: EventId) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<i64> = event_presentation::Entity::find()
            .select_only()
            .column(event_presentation::Column::ResultId)
            .filter(event_presentation::Column::EventId.eq(event_id.0))
            .order_by_asc(event_presentation::Column::Position)
            .into_tuple()
            .all(&self.reader)
            .await?;
        Ok(rows)
    }

    /// How many presentations the given events had.
    pub async fn count_presentations(&self, event_ids: &[i64]) -> Result<u64, StoreError> {
        if event_ids.is_empty() {
            return Ok(0);
        }
        Ok(event_presentation::Entity::find()
            .filter(event_presentation::Column::EventId.is_in(event_ids.iter().copied()))
            .count(&self.reader)
            .await?)
    }
}
