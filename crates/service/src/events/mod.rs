//! Roadshows and matchmaking fairs: the liaison officers' events (this module) and, one file
//! each, registrations, meeting requests, the schedule and its grid placements, follow-up,
//! roadshow picks, statistics, the calendar and printed schedule, and notifications.

mod calendar;
mod follow_up;
mod notifications;
mod placement;
mod registrations;
mod requests;
mod roadshow;
mod scheduling;
mod statistics;

pub use calendar::ScheduleRow;
pub use placement::MeetingAdjustment;
pub use registrations::{MyEvent, ParticipantView, RegistrationInput};
pub use roadshow::{CoveredCompany, Invitation, StageRecommendation};
pub use scheduling::{PairInstruction, ScheduleSummary};
pub use statistics::{Statistics, Tally, UNCLASSIFIED, UNKNOWN_REGION};

use std::collections::HashMap;
use std::time::Duration as StdDuration;

use chrono::{FixedOffset, Utc};
use techmatch_domain::event::{Event, EventDraft, EventId, EventInput, EventStatus, Participant, ParticipantId};
use techmatch_domain::{Action, Actor, FieldError, ValidationErrors, authorize};
use techmatch_store::{Page, PageRequest, Store};

use crate::error::{ConflictCode, ServiceError};
use crate::matching::MatchService;

/// Timetables are in China Standard Time (UTC+8, no daylight saving).
pub fn china_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or(chrono::Offset::fix(&Utc))
}

#[derive(Clone, Debug)]
pub struct EventService {
    store: Store,
    matches: MatchService,
    /// Meeting outcomes are recorded on the pair's deal, under the deals' own rules.
    deals: crate::deals::DealService,
    mailer: crate::mail::Mailer,
    scheduler_time_limit: StdDuration,
}

pub(super) fn conflict(code: ConflictCode, message: impl Into<String>) -> ServiceError {
    ServiceError::Conflict { code, message: message.into() }
}

pub(super) fn invalid(field: &str, code: &'static str, message: &str) -> ServiceError {
    ServiceError::Validation(ValidationErrors::single(FieldError::new(field, code, message)))
}

impl EventService {
    pub fn new(
        store: Store,
        matches: MatchService,
        deals: crate::deals::DealService,
        mailer: crate::mail::Mailer,
    ) -> EventService {
        EventService { store, matches, deals, mailer, scheduler_time_limit: StdDuration::from_millis(1800) }
    }

    pub async fn create(&self, actor: &Actor, input: &EventInput) -> Result<Event, ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let now = Utc::now();
        let draft = EventDraft::parse(input, now)?;
        Ok(self.store.create_event(&draft, actor.user_id, now).await?)
    }

    pub async fn list(&self, actor: Option<&Actor>, page: PageRequest) -> Result<Page<Event>, ServiceError> {
        let staff = actor.is_some_and(|actor| actor.role.is_staff());
        Ok(self.store.list_events(!staff, page).await?)
    }

    /// An event; drafts exist only for staff.
    pub async fn get(&self, actor: Option<&Actor>, id: EventId) -> Result<Event, ServiceError> {
        let event = self.store.find_event(id).await?.ok_or(ServiceError::NotFound("event"))?;
        if !event.status.is_public() && !actor.is_some_and(|actor| actor.role.is_staff()) {
            return Err(ServiceError::NotFound("event"));
        }
        Ok(event)
    }

    pub async fn change_status(&self, actor: &Actor, id: EventId, to: EventStatus) -> Result<Event, ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let event = self.get(Some(actor), id).await?;
        if to == event.status {
            return Ok(event);
        }
        if to == EventStatus::Scheduled {
            return Err(conflict(ConflictCode::UseSchedule, "an event becomes scheduled by running the scheduler"));
        }
        if !event.status.can_move_to(to) {
            return Err(conflict(
                ConflictCode::InvalidTransition,
                format!("an event cannot go from {} to {}", event.status, to),
            ));
        }
        if !self.store.set_event_status(id, event.status, to, Utc::now()).await? {
            return Err(conflict(ConflictCode::StaleStatus, "the event changed meanwhile; reload it"));
        }
        self.get(Some(actor), id).await
    }

    /// Each participant's organization name, reading each organization once.
    pub(super) async fn organization_names<'p>(
        &self,
        participants: impl IntoIterator<Item = &'p Participant>,
    ) -> Result<HashMap<ParticipantId, String>, ServiceError> {
        let mut by_organization: HashMap<techmatch_domain::OrganizationId, String> = HashMap::new();
        let mut names = HashMap::new();
        for participant in participants {
            let name = match by_organization.get(&participant.organization_id) {
                Some(name) => name.clone(),
                None => {
                    let name = self
                        .store
                        .find_organization(participant.organization_id)
                        .await?
                        .map(|organization| organization.name.as_str().to_owned())
                        .unwrap_or_default();
                    by_organization.insert(participant.organization_id, name.clone());
                    name
                }
            };
            names.insert(participant.id, name);
        }
        Ok(names)
    }
}
