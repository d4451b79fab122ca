//! What followed a meeting: attendance and outcome (officers), and the sides' service ratings.

use chrono::Utc;
use techmatch_domain::event::{Attendance, Meeting, MeetingId, Outcome, OutcomeStage, ServiceRating};
use techmatch_domain::listing::NeedId;
use techmatch_domain::{Action, Actor, FieldError, ValidationErrors, authorize};

use super::{EventService, conflict, invalid};
use crate::error::{ConflictCode, ServiceError};

#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    pub attendance: Option<Attendance>,
    pub outcome: Option<Outcome>,
}

impl EventService {
    /// Staff record attendance and what followed; an outcome also feeds the matching feedback
    /// (a shortlisted pair with the match features it had).
    pub async fn record_follow_up(
        &self,
        actor: &Actor,
        meeting_id: MeetingId,
        attendance: Option<&str>,
        outcome: Option<(&str, Option<i64>, Option<&str>)>,
    ) -> Result<Meeting, ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let mut meeting = self.store.find_meeting(meeting_id).await?.ok_or(ServiceError::NotFound("meeting"))?;
        let mut errors = ValidationErrors::new();
        if let Some(raw) = attendance
            && let Some(parsed) = errors.collect(Attendance::parse("attendance", raw))
        {
            meeting.attendance = parsed;
        }
        if let Some((stage, amount, date)) = outcome {
            let current = meeting.outcome.as_ref().map(|outcome| outcome.stage);
            match Outcome::parse(stage, amount, date, current) {
                Ok(parsed) => meeting.outcome = Some(parsed),
                Err(found) => errors.0.extend(found.0),
            }
        }
        if attendance.is_none() && outcome.is_none() {
            errors.push(FieldError::new("body", "empty", "give attendance, an outcome or both"));
        }
        errors.into_result()?;
        if meeting.outcome.is_some() && meeting.attendance == Attendance::NoShow {
            return Err(invalid("attendance", "no_show_outcome", "a meeting nobody came to has no outcome"));
        }
        self.store.update_meeting_follow_up(&meeting, Utc::now()).await?;
        if let (Some(outcome), Some(need_id), Some(result_id)) = (&meeting.outcome, meeting.need_id, meeting.result_id)
            && outcome.stage >= OutcomeStage::IntentSigned
        {
            let note = format!("event meeting {}: {}", meeting.id, outcome.stage);
            // Feedback is best effort: the outcome itself is recorded either way.
            if let Err(error) = self
                .matches
                .decide(
                    actor,
                    NeedId(need_id),
                    techmatch_domain::listing::ResultId(result_id),
                    techmatch_domain::listing::MatchDecision::Shortlist,
                    Some(note),
                )
                .await
            {
                tracing::warn!(meeting_id = meeting.id.0, error = %error, "outcome not stored as matching feedback");
            }
        }
        Ok(meeting)
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
