//! Who takes part in an event, the 1:1 meetings they ask each other for, and their notices.

use chrono::{DateTime, Utc};

use super::{
    EventId, MeetingRequestId, NotificationId, ParticipantId, ParticipantRole, RegistrationStatus, RequestStatus,
};
use crate::account::UserId;
use crate::organization::OrganizationId;
use crate::validation::FieldError;

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

#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: NotificationId,
    pub user_id: UserId,
    pub kind: String,
    pub message: NoticeText,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A notice's words in both interface languages; each reader gets theirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeText {
    pub chinese: String,
    pub english: String,
}

impl NoticeText {
    pub fn new(chinese: impl Into<String>, english: impl Into<String>) -> NoticeText {
        NoticeText { chinese: chinese.into(), english: english.into() }
    }

    pub fn in_language(&self, language: crate::account::Language) -> &str {
        language.pick(&self.chinese, &self.english)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::Duration;

    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-27T00:00:00Z".parse().unwrap()
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
}
