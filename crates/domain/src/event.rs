//! Roadshows and matchmaking fairs: the event, its timetable of slots, who takes part, meeting
//! requests, meetings and what follows them.

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::industry::IndustryCode;
use crate::listing::{Keywords, Title, id_type, parse_industry_codes, parse_short_text, vocabulary};
use crate::organization::OrganizationId;
use crate::validation::{FieldError, ValidationErrors};

id_type!(EventId);
id_type!(ParticipantId);
id_type!(MeetingRequestId);
id_type!(MeetingId);
id_type!(NotificationId);

vocabulary!(EventKind, "invalid_event_kind", {
    Roadshow => "roadshow",
    MatchmakingFair => "matchmaking_fair",
    Both => "both",
});

vocabulary!(EventMode, "invalid_event_mode", {
    OnSite => "on_site",
    Online => "online",
    Hybrid => "hybrid",
});

vocabulary!(
    /// draft → open (registration) → scheduled (meetings published) → closed; a scheduled event
    /// may reopen for changes, and a draft or open one may be closed (cancelled).
    EventStatus, "invalid_event_status", {
        Draft => "draft",
        Open => "open",
        Scheduled => "scheduled",
        Closed => "closed",
    }
);

impl EventStatus {
    pub fn can_move_to(self, next: EventStatus) -> bool {
        use EventStatus::{Closed, Draft, Open, Scheduled};
        matches!(
            (self, next),
            (Draft, Open) | (Open, Scheduled) | (Scheduled, Open) | (Draft | Open | Scheduled, Closed)
        )
    }

    /// Visible to the public and to every account.
    pub fn is_public(self) -> bool {
        self != EventStatus::Draft
    }
}

vocabulary!(ParticipantRole, "invalid_participant_role", {
    Researcher => "researcher",
    Company => "company",
});

vocabulary!(RegistrationStatus, "invalid_registration_status", {
    Pending => "pending",
    Approved => "approved",
    Rejected => "rejected",
});

vocabulary!(RequestStatus, "invalid_request_status", {
    Pending => "pending",
    Accepted => "accepted",
    Declined => "declined",
    Expired => "expired",
});

vocabulary!(
    /// Where a meeting came from; it decides its weight in the scheduler.
    MeetingSource, "invalid_meeting_source", {
        Request => "request",
        Proposal => "proposal",
        Officer => "officer",
    }
);

vocabulary!(Attendance, "invalid_attendance", {
    Scheduled => "scheduled",
    Held => "held",
    NoShow => "no_show",
});

vocabulary!(
    /// What followed a meeting, in order; a pairing only moves forward.
    OutcomeStage, "invalid_outcome_stage", {
        Contacted => "contacted",
        IntentSigned => "intent_signed",
        ContractSigned => "contract_signed",
    }
);

vocabulary!(
    /// The two-grade satisfaction rating public services in China use.
    ServiceRating, "invalid_rating", {
        Good => "good",
        Poor => "poor",
    }
);

/// One block of consecutive slots; blocks are separated by breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub start: NaiveTime,
    pub slots: u32,
}

/// When an event's slots are: a date, a slot length and sessions. Slots are numbered from 0
/// across sessions in time order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timetable {
    pub date: NaiveDate,
    pub slot_minutes: u32,
    pub sessions: Vec<Session>,
}

pub const MAXIMUM_EVENT_SLOTS: u32 = 200;

impl Timetable {
    pub fn parse(
        date: &str,
        slot_minutes: u32,
        sessions: &[(String, u32)],
        today: NaiveDate,
    ) -> Result<Timetable, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let date = match NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d") {
            Ok(date) if date < today => {
                errors.push(FieldError::new("date", "date_in_past", "must not be in the past"));
                None
            }
            Ok(date) => Some(date),
            Err(_) => {
                errors.push(FieldError::new("date", "invalid_date", "must be a date like 2026-12-01"));
                None
            }
        };
        if !(10..=180).contains(&slot_minutes) {
            errors.push(FieldError::new("slot_minutes", "out_of_range", "must be between 10 and 180"));
        }
        if sessions.is_empty() || sessions.len() > 10 {
            errors.push(FieldError::new("sessions", "out_of_range", "must list between 1 and 10 sessions"));
        }
        let mut parsed = Vec::with_capacity(sessions.len());
        let mut previous_end: Option<NaiveTime> = None;
        let mut total = 0u32;
        for (index, (start, slots)) in sessions.iter().enumerate() {
            let field = format!("sessions[{index}]");
            let Ok(start) = NaiveTime::parse_from_str(start.trim(), "%H:%M") else {
                errors.push(FieldError::new(format!("{field}.start"), "invalid_time", "must be a time like 09:30"));
                continue;
            };
            if *slots == 0 || *slots > 48 {
                errors.push(FieldError::new(format!("{field}.slots"), "out_of_range", "must be between 1 and 48"));
                continue;
            }
            let minutes = i64::from(slots * slot_minutes.clamp(10, 180));
            let (end, wrapped) = start.overflowing_add_signed(Duration::minutes(minutes));
            if wrapped != 0 {
                errors.push(FieldError::new(field, "past_midnight", "must end on the same day"));
                continue;
            }
            if previous_end.is_some_and(|previous| start < previous) {
                errors.push(FieldError::new(
                    field,
                    "overlapping_sessions",
                    "must start after the previous session ends",
                ));
                continue;
            }
            previous_end = Some(end);
            total += slots;
            parsed.push(Session { start, slots: *slots });
        }
        if total > MAXIMUM_EVENT_SLOTS {
            errors.push(FieldError::new(
                "sessions",
                "too_many_slots",
                format!("must have at most {MAXIMUM_EVENT_SLOTS} slots in all"),
            ));
        }
        errors.into_result()?;
        match date {
            Some(date) => Ok(Timetable { date, slot_minutes, sessions: parsed }),
            None => Err(ValidationErrors::single(FieldError::new("date", "invalid_date", "must be a date"))),
        }
    }

    pub fn slot_count(&self) -> u32 {
        self.sessions.iter().map(|session| session.slots).sum()
    }

    /// Local start and end of a slot, or `None` past the last one.
    pub fn slot_time(&self, slot: u32) -> Option<(NaiveDateTime, NaiveDateTime)> {
        let mut remaining = slot;
        for session in &self.sessions {
            if remaining < session.slots {
                let start =
                    self.date.and_time(session.start) + Duration::minutes(i64::from(remaining * self.slot_minutes));
                return Some((start, start + Duration::minutes(i64::from(self.slot_minutes))));
            }
            remaining -= session.slots;
        }
        None
    }
}

/// A validated event as a liaison officer describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    pub title: Title,
    pub kind: EventKind,
    pub theme_industries: Vec<IndustryCode>,
    pub theme_keywords: Keywords,
    pub mode: EventMode,
    pub venue: Option<String>,
    pub video_link: Option<String>,
    pub timetable: Timetable,
    pub tables: u32,
    pub capacity: u32,
    pub registration_deadline: DateTime<Utc>,
    /// Unanswered meeting requests expire this many hours after they are sent (never later
    /// than the event's first slot).
    pub request_expiry_hours: u32,
}

/// What a client sends to create an event, before validation.
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub title: String,
    pub kind: String,
    pub theme_industries: Vec<String>,
    pub theme_keywords: Vec<String>,
    pub mode: String,
    pub venue: Option<String>,
    pub video_link: Option<String>,
    pub date: String,
    pub slot_minutes: u32,
    pub sessions: Vec<(String, u32)>,
    pub tables: u32,
    pub capacity: u32,
    pub registration_deadline: DateTime<Utc>,
    pub request_expiry_hours: Option<u32>,
}

impl EventDraft {
    pub fn parse(input: &EventInput, now: DateTime<Utc>) -> Result<EventDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let title = errors.collect(Title::parse("title", &input.title));
        let kind = errors.collect(EventKind::parse("kind", &input.kind));
        let mode = errors.collect(EventMode::parse("mode", &input.mode));
        let theme_industries = errors.collect(parse_industry_codes("theme_industries", &input.theme_industries));
        let theme_keywords = errors.collect(Keywords::parse("theme_keywords", &input.theme_keywords));
        let venue = match input.venue.as_deref().map(str::trim).filter(|venue| !venue.is_empty()) {
            Some(venue) => errors.collect(parse_short_text("venue", venue, 200)).map(Some),
            None => Some(None),
        };
        let video_link = match input.video_link.as_deref().map(str::trim).filter(|link| !link.is_empty()) {
            Some(link) if (link.starts_with("https://") || link.starts_with("http://")) && link.len() <= 500 => {
                Some(Some(link.to_owned()))
            }
            Some(_) => {
                errors.push(FieldError::new("video_link", "invalid_url", "must be an http(s) address"));
                None
            }
            None => Some(None),
        };
        if let (Some(mode), Some(venue), Some(video_link)) = (mode, &venue, &video_link) {
            if matches!(mode, EventMode::OnSite | EventMode::Hybrid) && venue.is_none() {
                errors.push(FieldError::new("venue", "required", "is required for on-site and hybrid events"));
            }
            if matches!(mode, EventMode::Online | EventMode::Hybrid) && video_link.is_none() {
                errors.push(FieldError::new("video_link", "required", "is required for online and hybrid events"));
            }
        }
        let timetable = match Timetable::parse(&input.date, input.slot_minutes, &input.sessions, now.date_naive()) {
            Ok(timetable) => Some(timetable),
            Err(found) => {
                errors.0.extend(found.0);
                None
            }
        };
        if input.tables == 0 || input.tables > 1000 {
            errors.push(FieldError::new("tables", "out_of_range", "must be between 1 and 1000"));
        }
        if input.capacity < 2 || input.capacity > 10_000 {
            errors.push(FieldError::new("capacity", "out_of_range", "must be between 2 and 10000"));
        }
        if input.registration_deadline <= now {
            errors.push(FieldError::new("registration_deadline", "deadline_in_past", "must be in the future"));
        }
        if let Ok(date) = NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d")
            && input.registration_deadline.date_naive() > date
        {
            errors.push(FieldError::new(
                "registration_deadline",
                "deadline_after_event",
                "must not be after the event's date",
            ));
        }
        let request_expiry_hours = input.request_expiry_hours.unwrap_or(48);
        if request_expiry_hours == 0 || request_expiry_hours > 24 * 30 {
            errors.push(FieldError::new("request_expiry_hours", "out_of_range", "must be between 1 and 720"));
        }
        errors.into_result()?;
        match (title, kind, mode, theme_industries, theme_keywords, venue, video_link, timetable) {
            (
                Some(title),
                Some(kind),
                Some(mode),
                Some(theme_industries),
                Some(theme_keywords),
                Some(venue),
                Some(video_link),
                Some(timetable),
            ) => Ok(EventDraft {
                title,
                kind,
                theme_industries,
                theme_keywords,
                mode,
                venue,
                video_link,
                timetable,
                tables: input.tables,
                capacity: input.capacity,
                registration_deadline: input.registration_deadline,
                request_expiry_hours,
            }),
            _ => Err(ValidationErrors::single(FieldError::new("body", "invalid", "is not a valid event"))),
        }
    }
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: EventId,
    pub content: EventDraft,
    pub status: EventStatus,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Someone taking part, with what they bring and when they can meet.
#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub id: ParticipantId,
    pub event_id: EventId,
    pub user_id: UserId,
    pub organization_id: OrganizationId,
    pub role: ParticipantRole,
    /// Result ids for researchers, need ids for companies.
    pub listing_ids: Vec<i64>,
    pub available_slots: Vec<u32>,
    pub max_meetings: u32,
    pub status: RegistrationStatus,
    pub created_at: DateTime<Utc>,
}

/// Checks a registration's slot list against the event: known slots, no repeats, sorted.
pub fn parse_available_slots(field: &str, raw: &[u32], slot_count: u32) -> Result<Vec<u32>, FieldError> {
    if raw.is_empty() {
        return Err(FieldError::new(field, "required", "must list at least one slot"));
    }
    let mut slots = raw.to_vec();
    slots.sort_unstable();
    slots.dedup();
    if slots.iter().any(|&slot| slot >= slot_count) {
        return Err(FieldError::new(field, "unknown_slot", format!("slots are numbered 0..{slot_count}")));
    }
    Ok(slots)
}

#[derive(Debug, Clone, PartialEq)]
pub struct MeetingRequest {
    pub id: MeetingRequestId,
    pub event_id: EventId,
    pub from: ParticipantId,
    pub to: ParticipantId,
    pub message: String,
    pub status: RequestStatus,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
}

impl MeetingRequest {
    /// The status as of `now`: a pending request past its expiry is expired, whether or not a
    /// sweep has written that down yet.
    pub fn status_at(&self, now: DateTime<Utc>) -> RequestStatus {
        if self.status == RequestStatus::Pending && now >= self.expires_at {
            RequestStatus::Expired
        } else {
            self.status
        }
    }
}

/// What followed a meeting.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub stage: OutcomeStage,
    pub contract_amount_yuan: Option<i64>,
    pub contract_date: Option<NaiveDate>,
}

impl Outcome {
    /// A contract needs its amount and date; earlier stages carry neither. Stages only move
    /// forward from `current`.
    pub fn parse(
        stage: &str,
        amount: Option<i64>,
        date: Option<&str>,
        current: Option<OutcomeStage>,
    ) -> Result<Outcome, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let stage = errors.collect(OutcomeStage::parse("stage", stage));
        let date = match date.map(str::trim).filter(|date| !date.is_empty()) {
            Some(raw) => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(date) => Some(date),
                Err(_) => {
                    errors.push(FieldError::new("contract_date", "invalid_date", "must be a date like 2026-12-01"));
                    None
                }
            },
            None => None,
        };
        if let Some(stage) = stage {
            if current.is_some_and(|current| stage < current) {
                errors.push(FieldError::new("stage", "stage_backwards", "an outcome only moves forward"));
            }
            if stage == OutcomeStage::ContractSigned {
                match amount {
                    Some(amount) if amount > 0 => {}
                    Some(_) => errors.push(FieldError::new("contract_amount_yuan", "not_positive", "must be above 0")),
                    None => {
                        errors.push(FieldError::new("contract_amount_yuan", "required", "is required for a contract"))
                    }
                }
                if date.is_none() {
                    errors.push(FieldError::new("contract_date", "required", "is required for a contract"));
                }
            } else if amount.is_some() || date.is_some() {
                errors.push(FieldError::new(
                    "contract_amount_yuan",
                    "not_a_contract",
                    "amount and date belong to a signed contract",
                ));
            }
        }
        errors.into_result()?;
        match stage {
            Some(stage) => Ok(Outcome { stage, contract_amount_yuan: amount, contract_date: date }),
            None => Err(ValidationErrors::single(FieldError::new("stage", "invalid_outcome_stage", "is required"))),
        }
    }
}

/// A placed meeting with its follow-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Meeting {
    pub id: MeetingId,
    pub event_id: EventId,
    pub researcher: ParticipantId,
    pub company: ParticipantId,
    pub slot: u32,
    pub table: u32,
    pub weight: f64,
    pub source: MeetingSource,
    pub locked: bool,
    pub attendance: Attendance,
    pub result_id: Option<i64>,
    pub need_id: Option<i64>,
    pub outcome: Option<Outcome>,
    pub researcher_rating: Option<(ServiceRating, Option<String>)>,
    pub company_rating: Option<(ServiceRating, Option<String>)>,
}

impl fmt::Display for Meeting {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "meeting {} (slot {}, table {})", self.id, self.slot, self.table)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: NotificationId,
    pub user_id: UserId,
    pub kind: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Where one scheduled meeting sits, for planning a manual move on the schedule grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingPlace {
    pub id: MeetingId,
    pub researcher: ParticipantId,
    pub company: ParticipantId,
    pub slot: u32,
    pub table: u32,
}

/// Why a meeting cannot go where an officer dropped it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveRefusal {
    UnknownMeeting,
    SlotOutOfRange,
    TableOutOfRange,
    /// The participant already meets someone else in that slot.
    ParticipantBusy(ParticipantId),
    /// The participant registered as unavailable in that slot.
    ParticipantUnavailable(ParticipantId),
}

/// Plans moving a meeting to the cell (`slot`, `table`). A meeting already in that cell trades
/// places with the moved one (a swap); either way every participant must be free and
/// available at their new time. Returns the meetings whose place changes (none when the
/// meeting is already there). `available` holds each participant's registered slots; a
/// participant missing from it is unconstrained.
pub fn plan_meeting_move(
    places: &[MeetingPlace],
    available: &std::collections::HashMap<ParticipantId, Vec<u32>>,
    slot_count: u32,
    table_count: u32,
    moving: MeetingId,
    slot: u32,
    table: u32,
) -> Result<Vec<MeetingPlace>, MoveRefusal> {
    let moved = *places.iter().find(|place| place.id == moving).ok_or(MoveRefusal::UnknownMeeting)?;
    if slot >= slot_count {
        return Err(MoveRefusal::SlotOutOfRange);
    }
    if table >= table_count {
        return Err(MoveRefusal::TableOutOfRange);
    }
    if (moved.slot, moved.table) == (slot, table) {
        return Ok(Vec::new());
    }
    let occupant = places.iter().find(|place| place.id != moving && place.slot == slot && place.table == table);
    let mut changed = vec![MeetingPlace { slot, table, ..moved }];
    if let Some(occupant) = occupant {
        changed.push(MeetingPlace { slot: moved.slot, table: moved.table, ..*occupant });
    }
    let staying: Vec<&MeetingPlace> =
        places.iter().filter(|place| changed.iter().all(|change| change.id != place.id)).collect();
    for change in &changed {
        for participant in [change.researcher, change.company] {
            if available.get(&participant).is_some_and(|slots| !slots.contains(&change.slot)) {
                return Err(MoveRefusal::ParticipantUnavailable(participant));
            }
            let busy = staying.iter().any(|place| {
                place.slot == change.slot && (place.researcher == participant || place.company == participant)
            });
            if busy {
                return Err(MoveRefusal::ParticipantBusy(participant));
            }
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::HashMap;

    use super::*;

    fn input() -> EventInput {
        EventInput {
            title: "光谷新材料对接会".into(),
            kind: "matchmaking_fair".into(),
            mode: "hybrid".into(),
            venue: Some("武汉光谷会展中心".into()),
            video_link: Some("https://meeting.example.org/room/1".into()),
            date: "2027-01-15".into(),
            slot_minutes: 20,
            sessions: vec![("09:00".into(), 6), ("14:00".into(), 6)],
            tables: 10,
            capacity: 60,
            registration_deadline: "2027-01-10T00:00:00Z".parse().unwrap(),
            ..EventInput::default()
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-11-27T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_valid_event_parses_and_numbers_its_slots_across_sessions() {
        let draft = EventDraft::parse(&input(), now()).unwrap();
        assert_eq!(draft.timetable.slot_count(), 12);
        let (start, end) = draft.timetable.slot_time(7).unwrap();
        assert_eq!(start.to_string(), "2027-01-15 14:20:00");
        assert_eq!(end.to_string(), "2027-01-15 14:40:00");
        assert!(draft.timetable.slot_time(12).is_none());
        assert_eq!(draft.request_expiry_hours, 48);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut bad = input();
        bad.title = " ".into();
        bad.mode = "online".into();
        bad.video_link = Some("ftp://x".into());
        bad.sessions = vec![("14:00".into(), 6), ("09:00".into(), 2)];
        bad.tables = 0;
        bad.registration_deadline = "2027-02-01T00:00:00Z".parse().unwrap();
        let errors = EventDraft::parse(&bad, now()).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|error| error.field.as_str()).collect();
        for expected in ["title", "video_link", "sessions[1]", "tables", "registration_deadline"] {
            assert!(fields.contains(&expected), "{expected} missing from {fields:?}");
        }
    }

    #[test]
    fn status_moves_only_along_the_lifecycle() {
        use EventStatus::*;
        assert!(Draft.can_move_to(Open));
        assert!(Open.can_move_to(Scheduled));
        assert!(Scheduled.can_move_to(Closed));
        assert!(!Closed.can_move_to(Open));
        assert!(!Draft.can_move_to(Scheduled));
    }

    #[test]
    fn outcomes_move_forward_and_contracts_need_amount_and_date() {
        assert!(Outcome::parse("intent_signed", None, None, Some(OutcomeStage::Contacted)).is_ok());
        assert!(Outcome::parse("contacted", None, None, Some(OutcomeStage::IntentSigned)).is_err());
        assert!(Outcome::parse("contract_signed", None, Some("2027-02-01"), None).is_err());
        assert!(Outcome::parse("contract_signed", Some(-5), Some("2027-02-01"), None).is_err());
        let contract = Outcome::parse("contract_signed", Some(1_200_000), Some("2027-02-01"), None).unwrap();
        assert_eq!(contract.contract_amount_yuan, Some(1_200_000));
        assert!(Outcome::parse("contacted", Some(5), None, None).is_err());
    }

    #[test]
    fn pending_requests_expire_by_the_clock() {
        let request = MeetingRequest {
            id: MeetingRequestId(1),
            event_id: EventId(1),
            from: ParticipantId(1),
            to: ParticipantId(2),
            message: String::new(),
            status: RequestStatus::Pending,
            expires_at: now(),
            created_at: now(),
            responded_at: None,
        };
        assert_eq!(request.status_at(now() - Duration::seconds(1)), RequestStatus::Pending);
        assert_eq!(request.status_at(now()), RequestStatus::Expired);
    }

    #[test]
    fn available_slots_are_checked_against_the_event() {
        assert_eq!(parse_available_slots("slots", &[3, 1, 3], 12).unwrap(), vec![1, 3]);
        assert!(parse_available_slots("slots", &[12], 12).is_err());
        assert!(parse_available_slots("slots", &[], 12).is_err());
    }

    fn place(id: i64, researcher: i64, company: i64, slot: u32, table: u32) -> MeetingPlace {
        MeetingPlace {
            id: MeetingId(id),
            researcher: ParticipantId(researcher),
            company: ParticipantId(company),
            slot,
            table,
        }
    }

    #[test]
    fn a_meeting_moves_into_a_free_cell() {
        let places = [place(1, 10, 20, 0, 0), place(2, 11, 21, 0, 1)];
        let plan = plan_meeting_move(&places, &HashMap::new(), 4, 3, MeetingId(1), 2, 2).unwrap();
        assert_eq!(plan, vec![place(1, 10, 20, 2, 2)]);
    }

    #[test]
    fn dropping_on_an_occupied_cell_swaps_the_two_meetings() {
        let places = [place(1, 10, 20, 0, 0), place(2, 11, 21, 1, 1)];
        let plan = plan_meeting_move(&places, &HashMap::new(), 4, 3, MeetingId(1), 1, 1).unwrap();
        assert_eq!(plan, vec![place(1, 10, 20, 1, 1), place(2, 11, 21, 0, 0)]);
    }

    #[test]
    fn a_move_never_double_books_or_ignores_availability() {
        // Researcher 10 already meets company 22 in slot 1.
        let places = [place(1, 10, 20, 0, 0), place(2, 10, 22, 1, 1), place(3, 11, 21, 2, 0)];
        let none = HashMap::new();
        assert_eq!(
            plan_meeting_move(&places, &none, 4, 3, MeetingId(1), 1, 0),
            Err(MoveRefusal::ParticipantBusy(ParticipantId(10)))
        );
        // Researcher 10's other meeting is in slot 0, so trading places with meeting 3 is fine.
        assert!(plan_meeting_move(&places, &none, 4, 3, MeetingId(2), 2, 0).is_ok());
        let available = HashMap::from([(ParticipantId(21), vec![2, 3])]);
        assert_eq!(
            plan_meeting_move(&places, &available, 4, 3, MeetingId(1), 2, 0),
            Err(MoveRefusal::ParticipantUnavailable(ParticipantId(21)))
        );
        assert_eq!(plan_meeting_move(&places, &none, 4, 3, MeetingId(1), 4, 0), Err(MoveRefusal::SlotOutOfRange));
        assert_eq!(plan_meeting_move(&places, &none, 4, 3, MeetingId(1), 3, 3), Err(MoveRefusal::TableOutOfRange));
        assert_eq!(plan_meeting_move(&places, &none, 4, 3, MeetingId(9), 0, 0), Err(MoveRefusal::UnknownMeeting));
        assert_eq!(plan_meeting_move(&places, &none, 4, 3, MeetingId(1), 0, 0), Ok(Vec::new()));
    }
}
