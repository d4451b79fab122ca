//! Roadshows and matchmaking fairs: the event and its timetable of slots here; who takes part
//! and their meeting requests in `participation`, meetings and what follows them in `meeting`.

mod meeting;
mod participation;

pub use meeting::{Meeting, MeetingDeal, MeetingPlace, MoveRefusal, plan_meeting_move};
pub use participation::{MeetingRequest, NoticeText, Notification, Participant, parse_available_slots};

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::industry::IndustryCode;
use crate::listing::{Keywords, Title, id_type, parse_industry_codes, parse_short_text, vocabulary};
use crate::validation::{FieldError, ValidationErrors, parse_web_address};

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
            Some(link) => errors.collect(parse_web_address("video_link", link, 500)).map(Some),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

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
}
