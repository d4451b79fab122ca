//! Events and what hangs off them: the events and their roadshow presentations here;
//! participants, meeting requests, meetings and notifications one file each. Everything that
//! changes several of them (a schedule with its notices, an answer with its notice) is one
//! transaction.

mod meetings;
pub(crate) mod notifications;
mod participants;
mod requests;

pub use meetings::PlacedMeeting;
pub use notifications::NewNotification;
pub use participants::NewParticipant;
pub use requests::NewMeetingRequest;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;
use serde::de::DeserializeOwned;
use techmatch_domain::UserId;
use techmatch_domain::event::{Event, EventDraft, EventId, EventKind, EventMode, EventStatus, Timetable};
use techmatch_domain::industry::IndustryCode;
use techmatch_domain::listing::{Keywords, Title};

use crate::entity::{event, event_presentation};
use crate::{Page, PageRequest, Store, StoreError};

pub(super) fn encode<T: Serialize + ?Sized>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError::Corrupt(format!("cannot encode: {error}")))
}

pub(super) fn decode<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt(format!("{what}: {error}")))
}

pub(crate) fn vocabulary<T>(
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
