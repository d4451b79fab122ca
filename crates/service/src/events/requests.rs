//! Meeting requests between approved participants: asked, answered, and expired by the clock.

use std::collections::HashMap;
use techmatch_domain::event::NoticeText;

use chrono::{DateTime, Duration, TimeZone, Utc};
use techmatch_domain::event::{
    Event, EventId, EventStatus, MeetingRequest, MeetingRequestId, Participant, ParticipantId, RegistrationStatus,
    RequestStatus,
};
use techmatch_domain::{Action, Actor, authorize};
use techmatch_store::NewNotification;

use super::{EventService, china_time, conflict, invalid};
use crate::error::{ConflictCode, ServiceError};

impl EventService {
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
            return Err(conflict(
                ConflictCode::EventNotOpen,
                "meeting requests are taken while the event is open or scheduled",
            ));
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
            return Err(conflict(ConflictCode::EventStarted, "the event has started; requests are closed"));
        }
        let notice = NewNotification {
            user_id: target.user_id,
            kind: "request_received",
            message: NoticeText::new(
                format!("您在“{}”收到一个洽谈请求", event.content.title.as_str()),
                format!("You received a meeting request for \"{}\".", event.content.title.as_str()),
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
                Err(conflict(ConflictCode::AlreadyRequested, "a request between you two exists already"))
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
            RequestStatus::Expired => return Err(conflict(ConflictCode::RequestExpired, "the request has expired")),
            _ => return Err(conflict(ConflictCode::RequestAnswered, "the request was answered already")),
        }
        let sender = self.store.find_participant(request.from).await?.ok_or(ServiceError::NotFound("participant"))?;
        let answer = if accept { RequestStatus::Accepted } else { RequestStatus::Declined };
        let notice = NewNotification {
            user_id: sender.user_id,
            kind: if accept { "request_accepted" } else { "request_declined" },
            message: NoticeText::new(
                format!("您的洽谈请求已被{}", if accept { "接受" } else { "婉拒" }),
                format!("Your meeting request was {}.", if accept { "accepted" } else { "declined" }),
            ),
        };
        if !self.store.answer_meeting_request(request_id, answer, &notice, now).await? {
            return Err(conflict(ConflictCode::RequestAnswered, "the request was answered or expired meanwhile"));
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

    pub(super) async fn sweep_expired(&self, event: &Event) -> Result<(), ServiceError> {
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
                    message: NoticeText::new(
                        format!("“{title}”中的一个洽谈请求已过期"),
                        format!("A meeting request for \"{title}\" expired unanswered."),
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
}
