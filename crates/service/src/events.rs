//! Roadshows and matchmaking fairs: the liaison officers' events, registrations, meeting
//! requests, the meeting schedule, outcomes, statistics and notifications.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use techmatch_domain::event::{
    Attendance, Event, EventDraft, EventId, EventInput, EventStatus, Meeting, MeetingId, MeetingPlace, MeetingRequest,
    MeetingRequestId, MeetingSource, MoveRefusal, Notification, Outcome, OutcomeStage, Participant, ParticipantId,
    ParticipantRole, RegistrationStatus, RequestStatus, ServiceRating, parse_available_slots, plan_meeting_move,
};
use techmatch_domain::listing::{NeedId, NeedStatus, ResultStatus};
use techmatch_domain::{Action, Actor, FieldError, Role, UserId, ValidationErrors, authorize};
use techmatch_scheduler::{
    CandidatePair, ParticipantAvailability, ScheduleInstance, ScheduledMeeting, SchedulerOptions, SlotPlacement,
};
use techmatch_store::{NewNotification, NewParticipant, Page, PageRequest, PlacedMeeting, Store};

use crate::error::ServiceError;
use crate::matching::MatchService;

/// Timetables are in China Standard Time (UTC+8, no daylight saving).
pub fn china_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or(chrono::Offset::fix(&Utc))
}

/// Weights the scheduler maximises: an accepted request outweighs any proposal, an officer's
/// recommendation sits between, and proposals follow the match score.
const ACCEPTED_REQUEST_WEIGHT: f64 = 100.0;
const RECOMMENDED_WEIGHT: f64 = 90.0;
const PROPOSAL_BASE: f64 = 10.0;
const PROPOSAL_SPAN: f64 = 70.0;
/// Pairs scoring below this are not proposed at all.
const PROPOSAL_MINIMUM_SCORE: f64 = 0.2;
/// Notifications read longer ago than this are deleted the next time their owner marks
/// notifications read; unread ones are kept however old.
const NOTIFICATION_RETENTION_DAYS: i64 = 90;

#[derive(Debug, Clone)]
pub struct RegistrationInput {
    pub listing_ids: Vec<i64>,
    pub available_slots: Vec<u32>,
    pub max_meetings: u32,
}

/// A participant as others see them: listing titles only where the viewer may see the listing.
#[derive(Debug, Clone)]
pub struct ParticipantView {
    pub participant: Participant,
    pub organization_name: String,
    pub listings: Vec<(i64, String)>,
}

/// An officer's instruction for the scheduler.
#[derive(Debug, Clone, PartialEq)]
pub struct PairInstruction {
    pub researcher: ParticipantId,
    pub company: ParticipantId,
    /// Locked at this slot; `None` recommends the pair without fixing where.
    pub slot: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleSummary {
    pub meetings: usize,
    pub total_weight: f64,
    pub upper_bound: f64,
    pub gap_percent: f64,
    pub from_requests: usize,
    pub kept_in_place: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    pub attendance: Option<Attendance>,
    pub outcome: Option<Outcome>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub events: u64,
    pub meetings_held: u64,
    pub intents: u64,
    pub contracts: u64,
    pub contract_amount_yuan: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statistics {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub events_held: u64,
    pub roadshows: u64,
    pub presentations: u64,
    pub meetings_scheduled: u64,
    pub meetings_held: u64,
    pub intents: u64,
    pub contracts: u64,
    pub contract_amount_yuan: i64,
    pub by_month: BTreeMap<String, Tally>,
    pub by_industry: BTreeMap<String, Tally>,
    pub by_region: BTreeMap<String, Tally>,
    pub summary_zh: String,
    pub summary_en: String,
}

/// A company a result on stage serves best, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct CoveredCompany {
    pub participant: ParticipantId,
    pub organization_name: String,
    pub need_id: i64,
    pub need_title: String,
    pub score: f64,
    pub matched_terms: Vec<String>,
}

/// A recommended presentation: the result, what it adds to the coverage of the registered
/// companies' needs, and the companies it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct StageRecommendation {
    pub result_id: i64,
    pub result_title: String,
    pub researcher: ParticipantId,
    pub gain: f64,
    pub covers: Vec<CoveredCompany>,
}

/// A company worth inviting to hear a result, from anywhere on the platform.
#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    pub organization_id: i64,
    pub organization_name: String,
    pub need_id: i64,
    pub need_title: String,
    pub result_id: i64,
    pub score: f64,
    pub matched_terms: Vec<String>,
    pub registered: bool,
}

/// One line of the printed or spreadsheet schedule. Tables are numbered from 1 here, as on the
/// cards on the tables.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleRow {
    pub slot: u32,
    pub starts: String,
    pub ends: String,
    pub table: u32,
    pub researcher: String,
    pub result_title: String,
    pub company: String,
    pub need_title: String,
    pub source: &'static str,
    pub locked: bool,
    pub attendance: &'static str,
}

#[derive(Clone, Debug)]
pub struct EventService {
    store: Store,
    matches: MatchService,
    mailer: crate::mail::Mailer,
    scheduler_time_limit: StdDuration,
}

fn conflict(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::Conflict { code, message: message.into() }
}

fn invalid(field: &str, code: &'static str, message: &str) -> ServiceError {
    ServiceError::Validation(ValidationErrors::single(FieldError::new(field, code, message)))
}

/// One of the caller's registrations, for their own page.
#[derive(Debug, Clone)]
pub struct MyEvent {
    pub event: Event,
    pub participant: Participant,
    pub meetings: usize,
}

/// An officer's change to one meeting on the grid; absent fields stay as they are.
#[derive(Debug, Clone, Copy, Default)]
pub struct MeetingAdjustment {
    pub slot: Option<u32>,
    pub table: Option<u32>,
    pub locked: Option<bool>,
}

impl EventService {
    pub fn new(store: Store, matches: MatchService, mailer: crate::mail::Mailer) -> EventService {
        EventService { store, matches, mailer, scheduler_time_limit: StdDuration::from_millis(1800) }
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
            return Err(conflict("use_schedule", "an event becomes scheduled by running the scheduler"));
        }
        if !event.status.can_move_to(to) {
            return Err(conflict("invalid_transition", format!("an event cannot go from {} to {}", event.status, to)));
        }
        if !self.store.set_event_status(id, event.status, to, Utc::now()).await? {
            return Err(conflict("stale_status", "the event changed meanwhile; reload it"));
        }
        self.get(Some(actor), id).await
    }

    /// Registers the caller with some of their organization's listings.
    pub async fn register(
        &self,
        actor: &Actor,
        id: EventId,
        input: &RegistrationInput,
    ) -> Result<Participant, ServiceError> {
        authorize(Some(actor), Action::TakePartInEvents)?;
        let event = self.get(Some(actor), id).await?;
        let now = Utc::now();
        if event.status != EventStatus::Open {
            return Err(conflict("registration_closed", "the event is not open for registration"));
        }
        if now > event.content.registration_deadline {
            return Err(conflict("registration_closed", "the registration deadline has passed"));
        }
        let Some(organization_id) = actor.organization_id else {
            return Err(ServiceError::Forbidden);
        };
        let role = match actor.role {
            Role::Researcher => ParticipantRole::Researcher,
            Role::Company => ParticipantRole::Company,
            _ => return Err(ServiceError::Forbidden),
        };
        let mut errors = ValidationErrors::new();
        let slot_count = event.content.timetable.slot_count();
        let slots = errors.collect(parse_available_slots("available_slots", &input.available_slots, slot_count));
        if input.max_meetings == 0 || input.max_meetings > slot_count {
            errors.push(FieldError::new(
                "max_meetings",
                "out_of_range",
                format!("must be between 1 and the event's {slot_count} slots"),
            ));
        }
        let mut listing_ids = input.listing_ids.clone();
        listing_ids.sort_unstable();
        listing_ids.dedup();
        if listing_ids.is_empty() || listing_ids.len() > 10 {
            errors.push(FieldError::new("listing_ids", "out_of_range", "must list between 1 and 10 listings"));
        } else if !self.own_listings(role, organization_id, &listing_ids).await? {
            errors.push(FieldError::new(
                "listing_ids",
                "unknown_listing",
                match role {
                    ParticipantRole::Researcher => "must be published results of your organization",
                    ParticipantRole::Company => "must be open needs of your organization",
                },
            ));
        }
        errors.into_result()?;
        let new = NewParticipant {
            event_id: id,
            user_id: actor.user_id,
            organization_id,
            role,
            listing_ids,
            available_slots: slots.unwrap_or_default(),
            max_meetings: input.max_meetings,
        };
        match self.store.register_participant(&new, event.content.capacity, now).await {
            Ok(Some(participant)) => Ok(participant),
            Ok(None) => Err(conflict("event_full", "the event has reached its capacity")),
            Err(techmatch_store::StoreError::UniqueViolation(_)) => {
                Err(conflict("already_registered", "this account is already registered for the event"))
            }
            Err(error) => Err(error.into()),
        }
    }

    /// Each participant's organization name, reading each organization once.
    async fn organization_names<'p>(
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

    async fn own_listings(
        &self,
        role: ParticipantRole,
        organization: techmatch_domain::OrganizationId,
        ids: &[i64],
    ) -> Result<bool, ServiceError> {
        Ok(match role {
            ParticipantRole::Researcher => {
                let found = self.store.results_by_ids(ids).await?;
                found.len() == ids.len()
                    && found.iter().all(|result| {
                        result.organization_id == organization && result.status == ResultStatus::Published
                    })
            }
            ParticipantRole::Company => {
                let found = self.store.needs_by_ids(ids).await?;
                found.len() == ids.len()
                    && found.iter().all(|need| {
                        need.organization_id == organization
                            && matches!(need.status, NeedStatus::Open | NeedStatus::InTalks)
                    })
            }
        })
    }

    /// Staff see every registration; an approved participant sees the other approved ones,
    /// with the titles of the listings they may see (a confidential need stays untitled).
    pub async fn participants(&self, actor: &Actor, id: EventId) -> Result<Vec<ParticipantView>, ServiceError> {
        let event = self.get(Some(actor), id).await?;
        let all = self.store.participants(event.id).await?;
        let staff = actor.role.is_staff();
        if !staff {
            let own = all.iter().find(|participant| participant.user_id == actor.user_id);
            if own.is_none_or(|own| own.status != RegistrationStatus::Approved) {
                return Err(ServiceError::Forbidden);
            }
        }
        let viewer = techmatch_domain::Viewer::of(Some(actor));
        let names = self.organization_names(&all).await?;
        let mut views = Vec::new();
        for participant in all {
            if !staff && participant.status != RegistrationStatus::Approved {
                continue;
            }
            let organization_name = names.get(&participant.id).cloned().unwrap_or_default();
            let listings = self.listing_titles(viewer, &participant).await?;
            views.push(ParticipantView { participant, organization_name, listings });
        }
        Ok(views)
    }

    async fn listing_titles(
        &self,
        viewer: techmatch_domain::Viewer,
        participant: &Participant,
    ) -> Result<Vec<(i64, String)>, ServiceError> {
        Ok(match participant.role {
            ParticipantRole::Researcher => self
                .store
                .results_by_ids(&participant.listing_ids)
                .await?
                .into_iter()
                .filter(|result| {
                    techmatch_domain::access::can_view_result(viewer, result.organization_id, result.status)
                })
                .map(|result| (result.id.0, result.content.title.as_str().to_owned()))
                .collect(),
            ParticipantRole::Company => self
                .store
                .needs_by_ids(&participant.listing_ids)
                .await?
                .into_iter()
                .filter(|need| {
                    techmatch_domain::access::can_view_need(
                        viewer,
                        need.organization_id,
                        need.status,
                        need.content.confidential,
                    )
                })
                .map(|need| (need.id.0, need.content.title.as_str().to_owned()))
                .collect(),
        })
    }

    pub async fn decide_registration(
        &self,
        actor: &Actor,
        event_id: EventId,
        participant_id: ParticipantId,
        approve: bool,
    ) -> Result<Participant, ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let event = self.get(Some(actor), event_id).await?;
        let participant = self
            .store
            .find_participant(participant_id)
            .await?
            .filter(|participant| participant.event_id == event_id)
            .ok_or(ServiceError::NotFound("participant"))?;
        let status = if approve { RegistrationStatus::Approved } else { RegistrationStatus::Rejected };
        let notice = NewNotification {
            user_id: participant.user_id,
            kind: if approve { "registration_approved" } else { "registration_rejected" },
            message: format!(
                "您报名的活动“{}”{} / your registration for \"{}\" was {}",
                event.content.title.as_str(),
                if approve { "已通过审核" } else { "未通过审核" },
                event.content.title.as_str(),
                if approve { "approved" } else { "declined" }
            ),
        };
        self.store.set_registration_status(participant_id, status, &notice, Utc::now()).await?;
        self.mailer.notices_stored();
        Ok(Participant { status, ..participant })
    }

    async fn approved_participant(&self, actor: &Actor, event: &Event) -> Result<Participant, ServiceError> {
        self.store
            .participant_of(event.id, actor.user_id)
            .await?
            .filter(|participant| participant.status == RegistrationStatus::Approved)
            .ok_or(ServiceError::Forbidden)
    }

    /// When a request sent now expires: after the event's expiry period, and never after the
    /// event's first slot starts.
    fn expiry(event: &Event, now: DateTime<Utc>) -> DateTime<Utc> {
        let by_period = now + Duration::hours(i64::from(event.content.request_expiry_hours));
        let first_slot = event
            .content
            .timetable
            .slot_time(0)
            .and_then(|(start, _)| china_time().from_local_datetime(&start).single())
            .map(|start| start.with_timezone(&Utc));
        first_slot.map_or(by_period, |first| by_period.min(first))
    }

    pub async fn request_meeting(
        &self,
        actor: &Actor,
        event_id: EventId,
        to: ParticipantId,
        message: &str,
    ) -> Result<MeetingRequest, ServiceError> {
        authorize(Some(actor), Action::TakePartInEvents)?;
        let event = self.get(Some(actor), event_id).await?;
        if !matches!(event.status, EventStatus::Open | EventStatus::Scheduled) {
            return Err(conflict("event_not_open", "meeting requests are taken while the event is open or scheduled"));
        }
        let from = self.approved_participant(actor, &event).await?;
        let message = message.trim();
        if message.chars().count() > 1000 {
            return Err(invalid("message", "too_long", "must be at most 1000 characters"));
        }
        let target = self
            .store
            .find_participant(to)
            .await?
            .filter(|target| target.event_id == event_id && target.status == RegistrationStatus::Approved)
            .ok_or(ServiceError::NotFound("participant"))?;
        if target.role == from.role {
            return Err(invalid("to", "same_side", "meetings are between a researcher and a company"));
        }
        let now = Utc::now();
        let expires_at = Self::expiry(&event, now);
        if expires_at <= now {
            return Err(conflict("event_started", "the event has started; requests are closed"));
        }
        let notice = NewNotification {
            user_id: target.user_id,
            kind: "request_received",
            message: format!(
                "您在“{}”收到一个洽谈请求 / you received a meeting request for \"{}\"",
                event.content.title.as_str(),
                event.content.title.as_str()
            ),
        };
        let existing = self.store.meeting_requests(event_id).await?;
        // Asking again returns the request already made; asking someone who already asked you
        // accepts their request: both sides want the meeting.
        if let Some(request) = existing.iter().find(|request| request.from == from.id && request.to == target.id) {
            return Ok(request.clone());
        }
        if let Some(theirs) = existing.iter().find(|request| request.from == target.id && request.to == from.id) {
            if theirs.status_at(now) == RequestStatus::Pending {
                return self.answer_request(actor, theirs.id, true).await;
            }
            return Ok(theirs.clone());
        }
        let new = techmatch_store::NewMeetingRequest {
            event_id,
            from: from.id,
            to: target.id,
            message: message.to_owned(),
            expires_at,
        };
        match self.store.create_meeting_request(&new, &notice, now).await {
            Err(techmatch_store::StoreError::UniqueViolation(_)) => {
                Err(conflict("already_requested", "a request between you two exists already"))
            }
            other => {
                let created = other?;
                self.mailer.notices_stored();
                Ok(created)
            }
        }
    }

    pub async fn answer_request(
        &self,
        actor: &Actor,
        request_id: MeetingRequestId,
        accept: bool,
    ) -> Result<MeetingRequest, ServiceError> {
        authorize(Some(actor), Action::TakePartInEvents)?;
        let request =
            self.store.find_meeting_request(request_id).await?.ok_or(ServiceError::NotFound("meeting request"))?;
        let recipient = self.store.find_participant(request.to).await?.ok_or(ServiceError::NotFound("participant"))?;
        if recipient.user_id != actor.user_id {
            let sender = self.store.find_participant(request.from).await?;
            // The sender may see the request but only its recipient answers it.
            if sender.is_some_and(|sender| sender.user_id == actor.user_id) {
                return Err(ServiceError::Forbidden);
            }
            return Err(ServiceError::NotFound("meeting request"));
        }
        let now = Utc::now();
        match request.status_at(now) {
            RequestStatus::Pending => {}
            RequestStatus::Expired => return Err(conflict("request_expired", "the request has expired")),
            _ => return Err(conflict("request_answered", "the request was answered already")),
        }
        let sender = self.store.find_participant(request.from).await?.ok_or(ServiceError::NotFound("participant"))?;
        let answer = if accept { RequestStatus::Accepted } else { RequestStatus::Declined };
        let notice = NewNotification {
            user_id: sender.user_id,
            kind: if accept { "request_accepted" } else { "request_declined" },
            message: format!(
                "您的洽谈请求已被{} / your meeting request was {}",
                if accept { "接受" } else { "婉拒" },
                if accept { "accepted" } else { "declined" }
            ),
        };
        if !self.store.answer_meeting_request(request_id, answer, &notice, now).await? {
            return Err(conflict("request_answered", "the request was answered or expired meanwhile"));
        }
        self.mailer.notices_stored();
        Ok(MeetingRequest { status: answer, responded_at: Some(now), ..request })
    }

    /// Expires overdue requests (telling both sides) and returns the event's requests the
    /// caller may see: staff all, a participant those they sent or received.
    pub async fn requests(&self, actor: &Actor, event_id: EventId) -> Result<Vec<MeetingRequest>, ServiceError> {
        let event = self.get(Some(actor), event_id).await?;
        self.sweep_expired(&event).await?;
        let all = self.store.meeting_requests(event_id).await?;
        if actor.role.is_staff() {
            return Ok(all);
        }
        let own = self.store.participant_of(event_id, actor.user_id).await?.ok_or(ServiceError::Forbidden)?;
        Ok(all.into_iter().filter(|request| request.from == own.id || request.to == own.id).collect())
    }

    async fn sweep_expired(&self, event: &Event) -> Result<(), ServiceError> {
        let participants: HashMap<ParticipantId, Participant> = self
            .store
            .participants(event.id)
            .await?
            .into_iter()
            .map(|participant| (participant.id, participant))
            .collect();
        let title = event.content.title.as_str().to_owned();
        let notices_for = |request: &MeetingRequest| -> Vec<NewNotification> {
            [request.from, request.to]
                .iter()
                .filter_map(|id| participants.get(id))
                .map(|participant| NewNotification {
                    user_id: participant.user_id,
                    kind: "request_expired",
                    message: format!(
                        "“{title}”中的一个洽谈请求已过期 / a meeting request for \"{title}\" expired unanswered"
                    ),
                })
                .collect()
        };
        let expired = self.store.expire_meeting_requests(event.id, Utc::now(), notices_for).await?;
        if !expired.is_empty() {
            self.mailer.notices_stored();
        }
        Ok(())
    }

    /// Builds the scheduling instance from registrations, requests, match scores and the
    /// officer's instructions, runs the scheduler off the async executor and publishes the
    /// result (replacing any previous schedule, keeping meetings in place where it can).
    pub async fn schedule(
        &self,
        actor: &Actor,
        event_id: EventId,
        instructions: &[PairInstruction],
    ) -> Result<ScheduleSummary, ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let event = self.get(Some(actor), event_id).await?;
        if !matches!(event.status, EventStatus::Open | EventStatus::Scheduled) {
            return Err(conflict("event_not_open", "only an open or scheduled event can be scheduled"));
        }
        // A new schedule replaces every meeting; once attendance, an outcome or a rating is on
        // record, replacing would throw it away.
        let recorded = self.store.meetings(event_id).await?.iter().any(|meeting| {
            meeting.attendance != Attendance::Scheduled
                || meeting.outcome.is_some()
                || meeting.researcher_rating.is_some()
                || meeting.company_rating.is_some()
        });
        if recorded {
            return Err(conflict(
                "follow_up_recorded",
                "meetings of this event already have attendance or outcomes recorded; move single meetings on the grid instead",
            ));
        }
        self.sweep_expired(&event).await?;
        let participants: Vec<Participant> = self
            .store
            .participants(event_id)
            .await?
            .into_iter()
            .filter(|participant| participant.status == RegistrationStatus::Approved)
            .collect();
        let by_id: HashMap<ParticipantId, &Participant> =
            participants.iter().map(|participant| (participant.id, participant)).collect();

        // Best match score (and the pair of listings behind it) per researcher-company pair.
        let mut result_owner: HashMap<i64, ParticipantId> = HashMap::new();
        for participant in participants.iter().filter(|p| p.role == ParticipantRole::Researcher) {
            for &result in &participant.listing_ids {
                result_owner.insert(result, participant.id);
            }
        }
        let mut best: HashMap<(ParticipantId, ParticipantId), (f64, i64, i64)> = HashMap::new();
        self.matches.catch_up(actor).await;
        let matching = self.matches.without_waiting();
        for company in participants.iter().filter(|p| p.role == ParticipantRole::Company) {
            for &need in &company.listing_ids {
                let matches = match matching.matches_for_need(actor, NeedId(need), 200).await {
                    Ok(matches) => matches,
                    // A need archived since registration simply brings no proposals.
                    Err(ServiceError::NotFound(_)) => continue,
                    Err(error) => return Err(error),
                };
                for found in matches {
                    if let Some(&researcher) = result_owner.get(&found.result.id.0) {
                        let entry = best.entry((researcher, company.id)).or_insert((0.0, found.result.id.0, need));
                        if found.explanation.score > entry.0 {
                            *entry = (found.explanation.score, found.result.id.0, need);
                        }
                    }
                }
            }
        }

        let requests = self.store.meeting_requests(event_id).await?;
        let mut weights: HashMap<(ParticipantId, ParticipantId), (f64, MeetingSource)> = HashMap::new();
        let mut declined: HashSet<(ParticipantId, ParticipantId)> = HashSet::new();
        let orient = |a: ParticipantId, b: ParticipantId| -> Option<(ParticipantId, ParticipantId)> {
            let (first, second) = (by_id.get(&a)?, by_id.get(&b)?);
            match (first.role, second.role) {
                (ParticipantRole::Researcher, ParticipantRole::Company) => Some((a, b)),
                (ParticipantRole::Company, ParticipantRole::Researcher) => Some((b, a)),
                _ => None,
            }
        };
        for request in &requests {
            let Some(pair) = orient(request.from, request.to) else { continue };
            match request.status {
                RequestStatus::Accepted => {
                    let score = best.get(&pair).map_or(0.0, |found| found.0);
                    weights.insert(pair, (ACCEPTED_REQUEST_WEIGHT + 20.0 * score, MeetingSource::Request));
                }
                RequestStatus::Declined => {
                    declined.insert(pair);
                }
                _ => {}
            }
        }
        let mut locked = Vec::new();
        for instruction in instructions {
            let Some(pair) = orient(instruction.researcher, instruction.company) else {
                return Err(invalid(
                    "pairs",
                    "unknown_pair",
                    "each pair must name an approved researcher and an approved company of this event",
                ));
            };
            if declined.contains(&pair) {
                return Err(conflict("declined_pair", "one side declined this meeting"));
            }
            let entry = weights.entry(pair).or_insert((RECOMMENDED_WEIGHT, MeetingSource::Officer));
            entry.0 = entry.0.max(RECOMMENDED_WEIGHT);
            if let Some(slot) = instruction.slot {
                locked.push((pair, slot));
            }
        }
        // Meetings an officer placed or locked on the grid keep their slot in a rerun.
        let previous = self.store.meetings(event_id).await?;
        for meeting in previous.iter().filter(|meeting| meeting.locked) {
            let Some(pair) = orient(meeting.researcher, meeting.company) else { continue };
            if declined.contains(&pair) || locked.iter().any(|(locked_pair, _)| *locked_pair == pair) {
                continue;
            }
            weights.entry(pair).or_insert((meeting.weight, meeting.source));
            locked.push((pair, meeting.slot));
        }
        for (pair, (score, _, _)) in &best {
            if *score >= PROPOSAL_MINIMUM_SCORE && !declined.contains(pair) {
                weights.entry(*pair).or_insert((PROPOSAL_BASE + PROPOSAL_SPAN * score, MeetingSource::Proposal));
            }
        }

        let key = |id: ParticipantId| format!("p{}", id.0);
        let instance = ScheduleInstance {
            slots: event.content.timetable.slot_count(),
            tables: event.content.tables,
            participants: participants
                .iter()
                .map(|participant| ParticipantAvailability {
                    id: key(participant.id),
                    max_meetings: participant.max_meetings,
                    available: participant.available_slots.clone(),
                })
                .collect(),
            candidates: weights
                .iter()
                .map(|((researcher, company), (weight, _))| CandidatePair {
                    a: key(*researcher),
                    b: key(*company),
                    weight: (weight * 100.0).round() / 100.0,
                })
                .collect(),
            locked: locked
                .iter()
                .map(|((researcher, company), slot)| SlotPlacement {
                    a: key(*researcher),
                    b: key(*company),
                    slot: *slot,
                })
                .collect(),
            previous: previous
                .iter()
                .map(|meeting| ScheduledMeeting {
                    a: key(meeting.researcher),
                    b: key(meeting.company),
                    slot: meeting.slot,
                    table: meeting.table,
                })
                .collect(),
        };
        let options = SchedulerOptions { time_limit: self.scheduler_time_limit, ..SchedulerOptions::default() };
        let schedule = tokio::task::spawn_blocking(move || techmatch_scheduler::schedule(&instance, &options))
            .await
            .map_err(|error| ServiceError::Internal(anyhow::Error::new(error).context("scheduler task failed")))?
            .map_err(|error| invalid("pairs", "unschedulable", &error.to_string()))?;

        let participant_of =
            |id: &str| -> Option<ParticipantId> { id.strip_prefix('p')?.parse().ok().map(ParticipantId) };
        let locked_pairs: HashSet<(ParticipantId, ParticipantId)> = locked.iter().map(|(pair, _)| *pair).collect();
        let previous_places: HashSet<(ParticipantId, ParticipantId, u32, u32)> =
            previous.iter().map(|meeting| (meeting.researcher, meeting.company, meeting.slot, meeting.table)).collect();
        let mut placed = Vec::with_capacity(schedule.meetings.len());
        for meeting in &schedule.meetings {
            let (Some(a), Some(b)) = (participant_of(&meeting.a), participant_of(&meeting.b)) else { continue };
            let Some(pair) = orient(a, b) else { continue };
            let (weight, source) = weights.get(&pair).copied().unwrap_or((0.0, MeetingSource::Officer));
            let listings = best.get(&pair);
            placed.push(PlacedMeeting {
                researcher: pair.0,
                company: pair.1,
                slot: meeting.slot,
                table: meeting.table,
                weight,
                source,
                locked: locked_pairs.contains(&pair),
                result_id: listings.map(|found| found.1),
                need_id: listings.map(|found| found.2),
            });
        }
        let kept_in_place = placed
            .iter()
            .filter(|meeting| {
                previous_places.contains(&(meeting.researcher, meeting.company, meeting.slot, meeting.table))
            })
            .count();
        let title = event.content.title.as_str();
        let changed = !previous.is_empty();
        let notices: Vec<NewNotification> = participants
            .iter()
            .map(|participant| NewNotification {
                user_id: participant.user_id,
                kind: if changed { "schedule_changed" } else { "schedule_published" },
                message: format!(
                    "“{title}”的洽谈日程已{} / the meeting schedule of \"{title}\" was {}",
                    if changed { "更新" } else { "发布" },
                    if changed { "changed" } else { "published" }
                ),
            })
            .collect();
        self.store.publish_schedule(event_id, &placed, &notices, Utc::now()).await?;
        self.mailer.notices_stored();
        tracing::info!(
            event_id = event_id.0,
            meetings = placed.len(),
            weight = schedule.total_weight,
            bound = schedule.upper_bound,
            "schedule published"
        );
        Ok(ScheduleSummary {
            meetings: placed.len(),
            total_weight: schedule.total_weight,
            upper_bound: schedule.upper_bound,
            gap_percent: schedule.gap_percent(),
            from_requests: placed.iter().filter(|meeting| meeting.source == MeetingSource::Request).count(),
            kept_in_place,
        })
    }

    /// Staff see every meeting of the event; a participant their own.
    pub async fn meetings(&self, actor: &Actor, event_id: EventId) -> Result<(Event, Vec<Meeting>), ServiceError> {
        let event = self.get(Some(actor), event_id).await?;
        let meetings = self.store.meetings(event_id).await?;
        if actor.role.is_staff() {
            return Ok((event, meetings));
        }
        let own = self.store.participant_of(event_id, actor.user_id).await?.ok_or(ServiceError::Forbidden)?;
        let mine =
            meetings.into_iter().filter(|meeting| meeting.researcher == own.id || meeting.company == own.id).collect();
        Ok((event, mine))
    }

    /// The caller's agenda as an iCalendar document.
    pub async fn agenda_ics(&self, actor: &Actor, event_id: EventId) -> Result<String, ServiceError> {
        let (event, meetings) = self.meetings(actor, event_id).await?;
        let names = self.organization_names(&self.store.participants(event_id).await?).await?;
        Ok(agenda_calendar(&event, &meetings, &names, Utc::now()))
    }

    /// The caller's own registrations with their events and how many meetings they have there.
    pub async fn my_events(&self, actor: &Actor) -> Result<Vec<MyEvent>, ServiceError> {
        let registrations = self.store.registrations_of_user(actor.user_id).await?;
        let event_ids: Vec<i64> = registrations.iter().map(|participant| participant.event_id.0).collect();
        let meetings = self.store.meetings_of_events(&event_ids).await?;
        let mut found = Vec::with_capacity(registrations.len());
        for participant in registrations {
            let Some(event) = self.store.find_event(participant.event_id).await? else { continue };
            let meetings = meetings
                .iter()
                .filter(|meeting| meeting.researcher == participant.id || meeting.company == participant.id)
                .count();
            found.push(MyEvent { event, participant, meetings });
        }
        Ok(found)
    }

    /// An officer moves a meeting on the schedule grid, or locks or unlocks it. Dropping it on
    /// an occupied cell swaps the two meetings. A moved meeting is locked unless `locked` says
    /// otherwise, so a later rerun of the scheduler keeps the officer's placement. Returns the
    /// meetings that changed.
    pub async fn adjust_meeting(
        &self,
        actor: &Actor,
        meeting_id: MeetingId,
        adjustment: MeetingAdjustment,
    ) -> Result<Vec<Meeting>, ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let meeting = self.store.find_meeting(meeting_id).await?.ok_or(ServiceError::NotFound("meeting"))?;
        let event = self.get(Some(actor), meeting.event_id).await?;
        if event.status != EventStatus::Scheduled {
            return Err(conflict("event_not_scheduled", "meetings move only while the event is scheduled"));
        }
        // A meeting that took place (or did not) stays where it was recorded.
        let moving = adjustment.slot.is_some_and(|slot| slot != meeting.slot)
            || adjustment.table.is_some_and(|table| table != meeting.table);
        if moving && meeting.attendance != Attendance::Scheduled {
            return Err(conflict("follow_up_recorded", "a meeting with attendance on record cannot move"));
        }
        let meetings = self.store.meetings(event.id).await?;
        let participants = self.store.participants(event.id).await?;
        let available: HashMap<ParticipantId, Vec<u32>> =
            participants.iter().map(|participant| (participant.id, participant.available_slots.clone())).collect();
        let places: Vec<MeetingPlace> = meetings
            .iter()
            .map(|meeting| MeetingPlace {
                id: meeting.id,
                researcher: meeting.researcher,
                company: meeting.company,
                slot: meeting.slot,
                table: meeting.table,
            })
            .collect();
        let target_slot = adjustment.slot.unwrap_or(meeting.slot);
        let target_table = adjustment.table.unwrap_or(meeting.table);
        let moves = plan_meeting_move(
            &places,
            &available,
            event.content.timetable.slot_count(),
            event.content.tables,
            meeting.id,
            target_slot,
            target_table,
        )
        .map_err(|refusal| match refusal {
            MoveRefusal::UnknownMeeting => ServiceError::NotFound("meeting"),
            MoveRefusal::SlotOutOfRange => invalid("slot", "out_of_range", "no such slot in this event"),
            MoveRefusal::TableOutOfRange => invalid("table", "out_of_range", "no such table in this event"),
            MoveRefusal::ParticipantBusy(_) => {
                conflict("participant_busy", "a participant already has another meeting in that slot")
            }
            MoveRefusal::ParticipantUnavailable(_) => {
                conflict("participant_unavailable", "a participant is not available in that slot")
            }
        })?;
        let by_id: HashMap<MeetingId, &Meeting> = meetings.iter().map(|meeting| (meeting.id, meeting)).collect();
        // A meeting that took place (or did not) stays where it was recorded.
        if moves
            .iter()
            .any(|place| by_id.get(&place.id).is_some_and(|meeting| meeting.attendance != Attendance::Scheduled))
        {
            return Err(conflict("follow_up_recorded", "a meeting with attendance on record cannot move"));
        }
        let mut changes: Vec<(MeetingId, u32, u32, bool)> = moves
            .iter()
            .map(|place| {
                let was_locked = by_id.get(&place.id).is_some_and(|meeting| meeting.locked);
                let locked = if place.id == meeting.id { adjustment.locked.unwrap_or(true) } else { was_locked };
                (place.id, place.slot, place.table, locked)
            })
            .collect();
        if changes.is_empty() {
            match adjustment.locked {
                Some(locked) if locked != meeting.locked => {
                    changes.push((meeting.id, meeting.slot, meeting.table, locked));
                }
                _ => return Ok(vec![meeting]),
            }
        }
        let users: HashMap<ParticipantId, UserId> =
            participants.iter().map(|participant| (participant.id, participant.user_id)).collect();
        let title = event.content.title.as_str();
        let mut notices = Vec::new();
        for place in &moves {
            let when = event
                .content
                .timetable
                .slot_time(place.slot)
                .map(|(start, _)| start.format("%m-%d %H:%M").to_string())
                .unwrap_or_default();
            for participant in [place.researcher, place.company] {
                if let Some(&user_id) = users.get(&participant) {
                    notices.push(NewNotification {
                        user_id,
                        kind: "meeting_moved",
                        message: format!(
                            "“{title}”的一场洽谈改到 {when}，{table} 号桌 / a meeting of \"{title}\" moved to {when}, table {table}",
                            table = place.table + 1
                        ),
                    });
                }
            }
        }
        let expected: Vec<(MeetingId, u32, u32)> =
            places.iter().map(|place| (place.id, place.slot, place.table)).collect();
        if !self.store.relocate_meetings(event.id, &expected, &changes, &notices, Utc::now()).await? {
            return Err(conflict("schedule_changed", "the schedule changed meanwhile; reload it and try again"));
        }
        self.mailer.notices_stored();
        tracing::info!(event_id = event.id.0, meeting_id = meeting.id.0, moved = moves.len(), "meeting adjusted");
        let changed: HashMap<MeetingId, (u32, u32, bool)> =
            changes.iter().map(|&(id, slot, table, locked)| (id, (slot, table, locked))).collect();
        Ok(meetings
            .into_iter()
            .filter_map(|mut changed_meeting| {
                let &(slot, table, locked) = changed.get(&changed_meeting.id)?;
                changed_meeting.slot = slot;
                changed_meeting.table = table;
                changed_meeting.locked = locked;
                Some(changed_meeting)
            })
            .collect())
    }

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
            return Err(conflict("not_held", "only a meeting that was held can be rated"));
        }
        if own.id == meeting.researcher {
            meeting.researcher_rating = Some((rating, comment));
        } else {
            meeting.company_rating = Some((rating, comment));
        }
        self.store.update_meeting_follow_up(&meeting, Utc::now()).await?;
        Ok(meeting)
    }

    pub async fn statistics(&self, actor: &Actor, from: NaiveDate, to: NaiveDate) -> Result<Statistics, ServiceError> {
        authorize(Some(actor), Action::ReadStatistics)?;
        if from > to {
            return Err(invalid("from", "range_reversed", "must not be after to"));
        }
        let events: Vec<Event> = self
            .store
            .all_events()
            .await?
            .into_iter()
            .filter(|event| event.status != EventStatus::Draft)
            .filter(|event| (from..=to).contains(&event.content.timetable.date))
            .collect();
        let event_ids: Vec<i64> = events.iter().map(|event| event.id.0).collect();
        let meetings = self.store.meetings_of_events(&event_ids).await?;
        let need_ids: Vec<i64> = meetings.iter().filter_map(|meeting| meeting.need_id).collect();
        let needs: HashMap<i64, techmatch_domain::listing::TechNeed> =
            self.store.needs_by_ids(&need_ids).await?.into_iter().map(|need| (need.id.0, need)).collect();
        let month_of: HashMap<i64, String> = events
            .iter()
            .map(|event| {
                let date = event.content.timetable.date;
                (event.id.0, format!("{:04}-{:02}", date.year(), date.month()))
            })
            .collect();
        let presentations = self.store.count_presentations(&event_ids).await?;
        Ok(tally(from, to, &events, &meetings, &needs, &month_of, presentations))
    }

    /// The results to put on stage: greedy maximum coverage of the registered companies' needs
    /// (see `techmatch_matching::roadshow`), each with the companies it serves and why.
    pub async fn roadshow_recommendation(
        &self,
        actor: &Actor,
        event_id: EventId,
        places: usize,
    ) -> Result<Vec<StageRecommendation>, ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let event = self.get(Some(actor), event_id).await?;
        let participants: Vec<Participant> = self
            .store
            .participants(event.id)
            .await?
            .into_iter()
            .filter(|participant| participant.status == RegistrationStatus::Approved)
            .collect();
        let mut result_columns: Vec<(i64, ParticipantId)> = Vec::new();
        for researcher in participants.iter().filter(|p| p.role == ParticipantRole::Researcher) {
            for &result in &researcher.listing_ids {
                result_columns.push((result, researcher.id));
            }
        }
        let column_of: HashMap<i64, usize> =
            result_columns.iter().enumerate().map(|(column, (result, _))| (*result, column)).collect();
        let companies: Vec<&Participant> = participants.iter().filter(|p| p.role == ParticipantRole::Company).collect();
        let mut scores = vec![vec![0.0; result_columns.len()]; companies.len()];
        // Why: (company row, result column) → (need id, need title, matched terms).
        let mut reasons: HashMap<(usize, usize), (i64, String, Vec<String>)> = HashMap::new();
        self.matches.catch_up(actor).await;
        let matching = self.matches.without_waiting();
        for (row, company) in companies.iter().enumerate() {
            for &need in &company.listing_ids {
                let matches = match matching.matches_for_need(actor, NeedId(need), 200).await {
                    Ok(matches) => matches,
                    Err(ServiceError::NotFound(_)) => continue,
                    Err(error) => return Err(error),
                };
                let need_title = self
                    .store
                    .find_need(NeedId(need))
                    .await?
                    .map(|found| found.content.title.as_str().to_owned())
                    .unwrap_or_default();
                for found in matches {
                    let Some(&column) = column_of.get(&found.result.id.0) else { continue };
                    if found.explanation.score > scores[row][column] {
                        scores[row][column] = found.explanation.score;
                        let terms = found.explanation.matched_terms.iter().map(|term| term.term.clone()).collect();
                        reasons.insert((row, column), (need, need_title.clone(), terms));
                    }
                }
            }
        }
        let picks = tokio::task::spawn_blocking(move || {
            let picks = techmatch_matching::roadshow::choose_presentations(&scores, places);
            (picks, scores)
        })
        .await
        .map_err(|error| ServiceError::Internal(anyhow::Error::new(error).context("roadshow task failed")))?
        .0;
        let titles: HashMap<i64, String> = self
            .store
            .results_by_ids(&result_columns.iter().map(|(result, _)| *result).collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|result| (result.id.0, result.content.title.as_str().to_owned()))
            .collect();
        let names = self.organization_names(companies.iter().copied()).await?;
        Ok(picks
            .into_iter()
            .map(|pick| {
                let (result_id, researcher) = result_columns[pick.result];
                StageRecommendation {
                    result_id,
                    result_title: titles.get(&result_id).cloned().unwrap_or_default(),
                    researcher,
                    gain: pick.gain,
                    covers: pick
                        .covers
                        .iter()
                        .map(|&(row, score)| {
                            let (need_id, need_title, matched_terms) =
                                reasons.get(&(row, pick.result)).cloned().unwrap_or_default();
                            CoveredCompany {
                                participant: companies[row].id,
                                organization_name: names.get(&companies[row].id).cloned().unwrap_or_default(),
                                need_id,
                                need_title,
                                score,
                                matched_terms,
                            }
                        })
                        .collect(),
                }
            })
            .collect())
    }

    /// Companies across the platform whose needs the chosen results answer best, one line per
    /// company (its best need), registered companies marked.
    pub async fn invitations(
        &self,
        actor: &Actor,
        event_id: EventId,
        result_ids: &[i64],
    ) -> Result<Vec<Invitation>, ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let event = self.get(Some(actor), event_id).await?;
        if result_ids.is_empty() || result_ids.len() > 20 {
            return Err(invalid("results", "out_of_range", "name between 1 and 20 result ids"));
        }
        let registered: HashSet<i64> = self
            .store
            .participants(event.id)
            .await?
            .into_iter()
            .filter(|participant| participant.status != RegistrationStatus::Rejected)
            .map(|participant| participant.organization_id.0)
            .collect();
        let mut best: HashMap<i64, Invitation> = HashMap::new();
        self.matches.catch_up(actor).await;
        let matching = self.matches.without_waiting();
        for &result in result_ids {
            let found = matching.matches_for_result(actor, techmatch_domain::listing::ResultId(result), 50).await?;
            for matched in found {
                let organization = matched.need.organization_id.0;
                let score = matched.explanation.score;
                if best.get(&organization).is_some_and(|current| current.score >= score) {
                    continue;
                }
                best.insert(
                    organization,
                    Invitation {
                        organization_id: organization,
                        organization_name: String::new(),
                        need_id: matched.need.id.0,
                        need_title: matched.need.content.title.as_str().to_owned(),
                        result_id: result,
                        score,
                        matched_terms: matched.explanation.matched_terms.iter().map(|term| term.term.clone()).collect(),
                        registered: registered.contains(&organization),
                    },
                );
            }
        }
        let mut invitations: Vec<Invitation> = best.into_values().collect();
        for invitation in &mut invitations {
            invitation.organization_name = self
                .store
                .find_organization(techmatch_domain::OrganizationId(invitation.organization_id))
                .await?
                .map(|organization| organization.name.as_str().to_owned())
                .unwrap_or_default();
        }
        invitations.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.organization_id.cmp(&b.organization_id)));
        Ok(invitations)
    }

    /// The officer confirms the order of presentations: results registered by approved
    /// researchers of the event, each once.
    pub async fn confirm_presentations(
        &self,
        actor: &Actor,
        event_id: EventId,
        result_ids: &[i64],
    ) -> Result<Vec<(i64, String)>, ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let event = self.get(Some(actor), event_id).await?;
        if event.status == EventStatus::Closed {
            return Err(conflict("event_closed", "the event is closed"));
        }
        let on_offer: HashSet<i64> = self
            .store
            .participants(event.id)
            .await?
            .into_iter()
            .filter(|participant| {
                participant.status == RegistrationStatus::Approved && participant.role == ParticipantRole::Researcher
            })
            .flat_map(|participant| participant.listing_ids)
            .collect();
        let unique: HashSet<i64> = result_ids.iter().copied().collect();
        if result_ids.len() > 50 || unique.len() != result_ids.len() {
            return Err(invalid("result_ids", "invalid_order", "list at most 50 results, each once"));
        }
        if let Some(stranger) = result_ids.iter().find(|result| !on_offer.contains(result)) {
            return Err(invalid(
                "result_ids",
                "not_registered",
                &format!("result {stranger} is not registered by an approved researcher of this event"),
            ));
        }
        self.store.replace_presentations(event_id, result_ids, actor.user_id, Utc::now()).await?;
        self.presentations(Some(actor), event_id).await
    }

    /// The confirmed presentations in order, with titles (public for public events).
    pub async fn presentations(
        &self,
        actor: Option<&Actor>,
        event_id: EventId,
    ) -> Result<Vec<(i64, String)>, ServiceError> {
        let event = self.get(actor, event_id).await?;
        let order = self.store.presentations(event.id).await?;
        let titles: HashMap<i64, String> = self
            .store
            .results_by_ids(&order)
            .await?
            .into_iter()
            .map(|result| (result.id.0, result.content.title.as_str().to_owned()))
            .collect();
        Ok(order.into_iter().map(|id| (id, titles.get(&id).cloned().unwrap_or_default())).collect())
    }

    /// The whole schedule as rows for the printed and spreadsheet versions (staff).
    pub async fn schedule_sheet(
        &self,
        actor: &Actor,
        event_id: EventId,
    ) -> Result<(Event, Vec<ScheduleRow>), ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let event = self.get(Some(actor), event_id).await?;
        let meetings = self.store.meetings(event_id).await?;
        let organizations = self.organization_names(&self.store.participants(event_id).await?).await?;
        let result_ids: Vec<i64> = meetings.iter().filter_map(|meeting| meeting.result_id).collect();
        let need_ids: Vec<i64> = meetings.iter().filter_map(|meeting| meeting.need_id).collect();
        let results: HashMap<i64, String> = self
            .store
            .results_by_ids(&result_ids)
            .await?
            .into_iter()
            .map(|result| (result.id.0, result.content.title.as_str().to_owned()))
            .collect();
        let needs: HashMap<i64, String> = self
            .store
            .needs_by_ids(&need_ids)
            .await?
            .into_iter()
            .map(|need| (need.id.0, need.content.title.as_str().to_owned()))
            .collect();
        let rows = meetings
            .into_iter()
            .map(|meeting| {
                let times = event.content.timetable.slot_time(meeting.slot);
                ScheduleRow {
                    slot: meeting.slot,
                    starts: times.map(|(start, _)| start.format("%H:%M").to_string()).unwrap_or_default(),
                    ends: times.map(|(_, end)| end.format("%H:%M").to_string()).unwrap_or_default(),
                    table: meeting.table + 1,
                    researcher: organizations.get(&meeting.researcher).cloned().unwrap_or_default(),
                    result_title: meeting.result_id.and_then(|id| results.get(&id).cloned()).unwrap_or_default(),
                    company: organizations.get(&meeting.company).cloned().unwrap_or_default(),
                    need_title: meeting.need_id.and_then(|id| needs.get(&id).cloned()).unwrap_or_default(),
                    source: meeting.source.as_str(),
                    locked: meeting.locked,
                    attendance: meeting.attendance.as_str(),
                }
            })
            .collect();
        Ok((event, rows))
    }

    /// The caller's own registration for an event, if any.
    pub async fn participant_of(&self, actor: &Actor, event_id: EventId) -> Result<Option<Participant>, ServiceError> {
        Ok(self.store.participant_of(event_id, actor.user_id).await?)
    }

    /// The event a meeting belongs to (to send a form back to its page).
    pub async fn meeting_event(&self, meeting_id: MeetingId) -> Option<i64> {
        self.store.find_meeting(meeting_id).await.ok().flatten().map(|meeting| meeting.event_id.0)
    }

    pub async fn notifications(&self, actor: &Actor) -> Result<Vec<Notification>, ServiceError> {
        Ok(self.store.notifications(actor.user_id, 100).await?)
    }

    pub async fn mark_notifications_read(&self, actor: &Actor) -> Result<(), ServiceError> {
        let now = Utc::now();
        Ok(self
            .store
            .mark_notifications_read(actor.user_id, now, now - Duration::days(NOTIFICATION_RETENTION_DAYS))
            .await?)
    }
}

fn tally(
    from: NaiveDate,
    to: NaiveDate,
    events: &[Event],
    meetings: &[Meeting],
    needs: &HashMap<i64, techmatch_domain::listing::TechNeed>,
    month_of: &HashMap<i64, String>,
    presentations: u64,
) -> Statistics {
    let mut statistics = Statistics {
        from,
        to,
        events_held: events.len() as u64,
        roadshows: events
            .iter()
            .filter(|event| {
                matches!(
                    event.content.kind,
                    techmatch_domain::event::EventKind::Roadshow | techmatch_domain::event::EventKind::Both
                )
            })
            .count() as u64,
        presentations,
        meetings_scheduled: meetings.len() as u64,
        meetings_held: 0,
        intents: 0,
        contracts: 0,
        contract_amount_yuan: 0,
        by_month: BTreeMap::new(),
        by_industry: BTreeMap::new(),
        by_region: BTreeMap::new(),
        summary_zh: String::new(),
        summary_en: String::new(),
    };
    for event in events {
        if let Some(month) = month_of.get(&event.id.0) {
            statistics.by_month.entry(month.clone()).or_default().events += 1;
        }
    }
    for meeting in meetings {
        let held = u64::from(meeting.attendance == Attendance::Held);
        let stage = meeting.outcome.as_ref().map(|outcome| outcome.stage);
        let intent = u64::from(stage.is_some_and(|stage| stage >= OutcomeStage::IntentSigned));
        let contract = u64::from(stage == Some(OutcomeStage::ContractSigned));
        let amount = meeting.outcome.as_ref().and_then(|outcome| outcome.contract_amount_yuan).unwrap_or(0);
        let add = |tally: &mut Tally| {
            tally.meetings_held += held;
            tally.intents += intent;
            tally.contracts += contract;
            tally.contract_amount_yuan += amount;
        };
        statistics.meetings_held += held;
        statistics.intents += intent;
        statistics.contracts += contract;
        statistics.contract_amount_yuan += amount;
        if let Some(month) = month_of.get(&meeting.event_id.0) {
            add(statistics.by_month.entry(month.clone()).or_default());
        }
        let need = meeting.need_id.and_then(|id| needs.get(&id));
        let industry = need
            .and_then(|need| need.content.industry_codes.first())
            .map_or_else(|| "unclassified".to_owned(), |code| format!("{} {}", code.as_str(), code.name_zh()));
        add(statistics.by_industry.entry(industry).or_default());
        let region = need
            .and_then(|need| need.content.region_code.as_ref())
            .map_or_else(|| "unknown".to_owned(), |region| region.province());
        add(statistics.by_region.entry(region).or_default());
    }
    let wan = statistics.contract_amount_yuan as f64 / 10_000.0;
    statistics.summary_zh = format!(
        "{} 至 {} 共举办对接活动 {} 场（其中路演 {} 场），安排洽谈 {} 场、实际举行 {} 场，促成转化意向 {} 项，签约 {} 项，签约金额 {:.1} 万元。",
        from,
        to,
        statistics.events_held,
        statistics.roadshows,
        statistics.meetings_scheduled,
        statistics.meetings_held,
        statistics.intents,
        statistics.contracts,
        wan
    );
    statistics.summary_en = format!(
        "From {} to {}, {} matchmaking events were held ({} roadshows); {} meetings were scheduled and {} held, leading to {} signed intents and {} contracts worth {:.1} ten-thousand yuan ({} yuan).",
        from,
        to,
        statistics.events_held,
        statistics.roadshows,
        statistics.meetings_scheduled,
        statistics.meetings_held,
        statistics.intents,
        statistics.contracts,
        wan,
        statistics.contract_amount_yuan
    );
    statistics
}

/// RFC 5545 text escaping.
fn ics_text(raw: &str) -> String {
    raw.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace('\n', "\\n")
}

fn agenda_calendar(
    event: &Event,
    meetings: &[Meeting],
    names: &HashMap<ParticipantId, String>,
    now: DateTime<Utc>,
) -> String {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//techmatch//event agenda//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
    ];
    let location = event.content.venue.clone().or_else(|| event.content.video_link.clone()).unwrap_or_default();
    for meeting in meetings {
        let Some((start, end)) = event.content.timetable.slot_time(meeting.slot) else { continue };
        let to_utc = |local| china_time().from_local_datetime(&local).single().map(|time| time.with_timezone(&Utc));
        let (Some(start), Some(end)) = (to_utc(start), to_utc(end)) else { continue };
        let researcher = names.get(&meeting.researcher).cloned().unwrap_or_default();
        let company = names.get(&meeting.company).cloned().unwrap_or_default();
        lines.extend([
            "BEGIN:VEVENT".to_owned(),
            format!("UID:meeting-{}-event-{}@techmatch", meeting.id.0, event.id.0),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART:{}", start.format("%Y%m%dT%H%M%SZ")),
            format!("DTEND:{}", end.format("%Y%m%dT%H%M%SZ")),
            format!("SUMMARY:{}", ics_text(&format!("{researcher} × {company} (table {})", meeting.table + 1))),
            format!("DESCRIPTION:{}", ics_text(event.content.title.as_str())),
            format!("LOCATION:{}", ics_text(&location)),
            "END:VEVENT".to_owned(),
        ]);
    }
    lines.push("END:VCALENDAR".to_owned());
    // RFC 5545 lines end with CRLF.
    let mut calendar = lines.join("\r\n");
    calendar.push_str("\r\n");
    calendar
}
