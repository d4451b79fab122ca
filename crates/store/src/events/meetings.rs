//! Meetings: a published schedule, its follow-up, and officers' moves on the grid.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use techmatch_domain::deal::{DealId, DealStage};
use techmatch_domain::event::{
    Attendance, EventId, EventStatus, Meeting, MeetingDeal, MeetingId, MeetingSource, ParticipantId, ServiceRating,
};

use super::notifications::{NewNotification, notification_rows};
use super::vocabulary;
use crate::entity::{deal, event, meeting, notification};
use crate::{Store, StoreError};

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

fn rating(raw: Option<String>, comment: Option<String>) -> Result<Option<(ServiceRating, Option<String>)>, StoreError> {
    raw.map(|raw| Ok((vocabulary("rating", &raw, ServiceRating::parse)?, comment))).transpose()
}

fn to_meeting(model: meeting::Model, deals: &HashMap<i64, MeetingDeal>) -> Result<Meeting, StoreError> {
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
        deal: model.deal_id.and_then(|id| deals.get(&id).cloned()),
        researcher_rating: rating(model.researcher_rating, model.researcher_comment)?,
        company_rating: rating(model.company_rating, model.company_comment)?,
    })
}

/// The meetings with the deals they point at, read in one query.
pub(crate) async fn with_deals(
    connection: &impl ConnectionTrait,
    models: Vec<meeting::Model>,
) -> Result<Vec<Meeting>, StoreError> {
    let mut ids: Vec<i64> = models.iter().filter_map(|model| model.deal_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut deals = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        for model in deal::Entity::find().filter(deal::Column::Id.is_in(chunk.iter().copied())).all(connection).await? {
            let outcome = MeetingDeal {
                id: DealId(model.id),
                stage: vocabulary("deal stage", &model.stage, DealStage::parse)?,
                furthest_stage: vocabulary("deal stage", &model.furthest_stage, DealStage::parse)?,
                contract_amount_yuan: model.contract_amount_yuan,
                contract_date: model.contract_date,
            };
            deals.insert(model.id, outcome);
        }
    }
    models.into_iter().map(|model| to_meeting(model, &deals)).collect()
}

impl Store {
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
                deal_id: Set(None),
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
        let models = meeting::Entity::find()
            .filter(meeting::Column::EventId.eq(event_id.0))
            .order_by_asc(meeting::Column::Slot)
            .order_by_asc(meeting::Column::TableNo)
            .all(&self.reader)
            .await?;
        with_deals(&self.reader, models).await
    }

    /// Meetings of several events (statistics).
    pub async fn meetings_of_events(&self, event_ids: &[i64]) -> Result<Vec<Meeting>, StoreError> {
        if event_ids.is_empty() {
            return Ok(Vec::new());
        }
        let models = meeting::Entity::find()
            .filter(meeting::Column::EventId.is_in(event_ids.iter().copied()))
            .order_by_asc(meeting::Column::Id)
            .all(&self.reader)
            .await?;
        with_deals(&self.reader, models).await
    }

    pub async fn find_meeting(&self, id: MeetingId) -> Result<Option<Meeting>, StoreError> {
        let models = meeting::Entity::find_by_id(id.0).all(&self.reader).await?;
        Ok(with_deals(&self.reader, models).await?.pop())
    }

    /// Writes a meeting's attendance and ratings (what followed it is on its deal).
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
}
