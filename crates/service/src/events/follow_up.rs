//! What followed a meeting: attendance (officers), the outcome recorded on the pair's deal,
//! and the sides' service ratings.

use chrono::{DateTime, Utc};
use techmatch_domain::deal::{DealChange, DealChangeInput, DealOrigin, DealStage};
use techmatch_domain::event::{Attendance, Meeting, MeetingId, ServiceRating};
use techmatch_domain::listing::{MatchDecision, NeedId, ResultId};
use techmatch_domain::{Action, Actor, FieldError, ValidationErrors, authorize};
use techmatch_store::NewDeal;

use super::{EventService, china_time, conflict, invalid};
use crate::deals::DealService;
use crate::error::{ConflictCode, ServiceError};

impl EventService {
    /// Staff record whether a meeting was held and what followed it. An outcome moves the deal
    /// of the meeting's pair (opened for the pair when it has none) under the deals' own rules:
    /// forward only, a contract with its type, a positive amount and a date that has come. An
    /// intent or contract also feeds the matching feedback (a shortlisted pair).
    pub async fn record_follow_up(
        &self,
        actor: &Actor,
        meeting_id: MeetingId,
        attendance: Option<&str>,
        outcome: Option<&DealChangeInput>,
        now: DateTime<Utc>,
    ) -> Result<Meeting, ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let mut meeting = self.store.find_meeting(meeting_id).await?.ok_or(ServiceError::NotFound("meeting"))?;
        let mut errors = ValidationErrors::new();
        if let Some(raw) = attendance
            && let Some(parsed) = errors.collect(Attendance::parse("attendance", raw))
        {
            meeting.attendance = parsed;
        }
        let change = outcome.and_then(|input| match DealChange::parse(input, DealService::today(now)) {
            Ok(change) => Some(change),
            Err(found) => {
                errors.0.extend(found.0);
                None
            }
        });
        if change.as_ref().is_some_and(|change| change.stage == DealStage::Introduced) {
            errors.push(FieldError::new("stage", "not_an_outcome", "a meeting's outcome is in_talks or later"));
        }
        if attendance.is_none() && outcome.is_none() {
            errors.push(FieldError::new("body", "empty", "give attendance, an outcome or both"));
        }
        errors.into_result()?;
        let event = self.store.find_event(meeting.event_id).await?.ok_or(ServiceError::NotFound("meeting"))?;
        if meeting.attendance != Attendance::Scheduled {
            let local_now = now.with_timezone(&china_time()).naive_local();
            if !meeting.has_started(&event.content.timetable, local_now) {
                return Err(conflict(
                    ConflictCode::MeetingNotStarted,
                    format!("{meeting} has not begun yet: whether it was held is known once it has"),
                ));
            }
        }
        if meeting.attendance == Attendance::NoShow && meeting.deal.is_some() {
            return Err(invalid("attendance", "no_show_outcome", "a meeting nobody came to has no outcome"));
        }
        if change.is_some() && meeting.attendance != Attendance::Held {
            return Err(conflict(ConflictCode::NotHeld, "only a meeting that was held has an outcome"));
        }
        self.store.update_meeting_follow_up(&meeting, now).await?;
        if let Some(change) = change {
            self.record_outcome(actor, &meeting, event.content.title.as_str(), change, now).await?;
        }
        self.store.find_meeting(meeting_id).await?.ok_or(ServiceError::NotFound("meeting"))
    }

    /// Moves the pair's deal to the outcome's stage.
    async fn record_outcome(
        &self,
        actor: &Actor,
        meeting: &Meeting,
        event_title: &str,
        change: DealChange,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let deal = match &meeting.deal {
            Some(linked) => self.store.deal(linked.id).await?.ok_or(ServiceError::NotFound("deal"))?,
            None => {
                self.store
                    .open_meeting_deal(meeting.id, &self.meeting_deal(actor, meeting, event_title, now).await?)
                    .await?
            }
        };
        // Talks are where a held meeting's deal starts: saying so again changes nothing.
        let reached = if deal.stage == change.stage && change.stage == DealStage::InTalks {
            deal.stage
        } else {
            self.deals.change_deal(actor, deal.id, deal.version, change, now).await?.deal.stage
        };
        if matches!(reached, DealStage::IntentSigned | DealStage::ContractSigned | DealStage::ContractRegistered)
            && let (Some(need_id), Some(result_id)) = (meeting.need_id, meeting.result_id)
        {
            let note = format!("event meeting {}: {reached}", meeting.id);
            // Feedback is best effort: the outcome itself is recorded either way.
            if let Err(error) = self
                .matches
                .decide(actor, NeedId(need_id), ResultId(result_id), MatchDecision::Shortlist, Some(note))
                .await
            {
                tracing::warn!(meeting_id = meeting.id.0, error = %error, "outcome not stored as matching feedback");
            }
        }
        Ok(())
    }

    /// The deal a meeting's pair opens when the meeting is its first step.
    async fn meeting_deal(
        &self,
        actor: &Actor,
        meeting: &Meeting,
        title: &str,
        now: DateTime<Utc>,
    ) -> Result<NewDeal, ServiceError> {
        let side = |id| async move { self.store.find_participant(id).await?.ok_or(ServiceError::NotFound("meeting")) };
        let researcher = side(meeting.researcher).await?;
        let company = side(meeting.company).await?;
        Ok(NewDeal {
            result_id: meeting.result_id.map(ResultId),
            need_id: meeting.need_id.map(NeedId),
            research_organization: researcher.organization_id,
            company_organization: company.organization_id,
            stage: DealStage::InTalks,
            origin: DealOrigin::EventMeeting,
            introducer: None,
            interest_id: None,
            opened_by: actor.user_id,
            at: now,
            note: Some(format!("洽谈于「{title}」· met at {title}")),
        })
    }

    /// A side of a meeting rates the service (good or poor, with a comment).
    pub async fn rate(
        &self,
        actor: &Actor,
        meeting_id: MeetingId,
        rating: &str,
        comment: Option<&str>,
    ) -> Result<Meeting, ServiceError> {
        authorize(Some(actor), Action::TakePartInEvents)?;
        let mut meeting = self.store.find_meeting(meeting_id).await?.ok_or(ServiceError::NotFound("meeting"))?;
        let own = self
            .store
            .participant_of(meeting.event_id, actor.user_id)
            .await?
            .filter(|own| own.id == meeting.researcher || own.id == meeting.company)
            .ok_or(ServiceError::NotFound("meeting"))?;
        let mut errors = ValidationErrors::new();
        let rating = errors.collect(ServiceRating::parse("rating", rating));
        let comment = comment.map(str::trim).filter(|comment| !comment.is_empty()).map(str::to_owned);
        if comment.as_ref().is_some_and(|comment| comment.chars().count() > 1000) {
            errors.push(FieldError::new("comment", "too_long", "must be at most 1000 characters"));
        }
        errors.into_result()?;
        let Some(rating) = rating else { return Err(invalid("rating", "invalid_rating", "is required")) };
        if meeting.attendance != Attendance::Held {
            return Err(conflict(ConflictCode::NotHeld, "only a meeting that was held can be rated"));
        }
        if own.id == meeting.researcher {
            meeting.researcher_rating = Some((rating, comment));
        } else {
            meeting.company_rating = Some((rating, comment));
        }
        self.store.update_meeting_follow_up(&meeting, Utc::now()).await?;
        Ok(meeting)
    }
}
