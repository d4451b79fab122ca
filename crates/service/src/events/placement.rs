//! Officers' moves on the schedule grid: a meeting to another cell (swapping with the one
//! there), or locked in place, checked against the schedule as read.

use std::collections::HashMap;
use techmatch_domain::event::NoticeText;

use chrono::Utc;
use techmatch_domain::UserId;
use techmatch_domain::event::{
    Attendance, EventStatus, Meeting, MeetingId, MeetingPlace, MoveRefusal, ParticipantId, plan_meeting_move,
};
use techmatch_domain::{Action, Actor, authorize};
use techmatch_store::NewNotification;

use super::{EventService, conflict, invalid};
use crate::error::{ConflictCode, ServiceError};

/// An officer's change to one meeting on the grid; absent fields stay as they are.
#[derive(Debug, Clone, Copy, Default)]
pub struct MeetingAdjustment {
    pub slot: Option<u32>,
    pub table: Option<u32>,
    pub locked: Option<bool>,
}

impl EventService {
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
            return Err(conflict(ConflictCode::EventNotScheduled, "meetings move only while the event is scheduled"));
        }
        // A meeting that took place (or did not) stays where it was recorded.
        let moving = adjustment.slot.is_some_and(|slot| slot != meeting.slot)
            || adjustment.table.is_some_and(|table| table != meeting.table);
        if moving && meeting.attendance != Attendance::Scheduled {
            return Err(conflict(ConflictCode::FollowUpRecorded, "a meeting with attendance on record cannot move"));
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
                conflict(ConflictCode::ParticipantBusy, "a participant already has another meeting in that slot")
            }
            MoveRefusal::ParticipantUnavailable(_) => {
                conflict(ConflictCode::ParticipantUnavailable, "a participant is not available in that slot")
            }
        })?;
        let by_id: HashMap<MeetingId, &Meeting> = meetings.iter().map(|meeting| (meeting.id, meeting)).collect();
        // A meeting that took place (or did not) stays where it was recorded.
        if moves
            .iter()
            .any(|place| by_id.get(&place.id).is_some_and(|meeting| meeting.attendance != Attendance::Scheduled))
        {
            return Err(conflict(ConflictCode::FollowUpRecorded, "a meeting with attendance on record cannot move"));
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
                        message: NoticeText::new(
                            format!("“{title}”的一场洽谈改到 {when}，{table} 号桌", table = place.table + 1),
                            format!("A meeting of \"{title}\" moved to {when}, table {table}", table = place.table + 1),
                        ),
                    });
                }
            }
        }
        let expected: Vec<(MeetingId, u32, u32)> =
            places.iter().map(|place| (place.id, place.slot, place.table)).collect();
        if !self.store.relocate_meetings(event.id, &expected, &changes, &notices, Utc::now()).await? {
            return Err(conflict(
                ConflictCode::ScheduleChanged,
                "the schedule changed meanwhile; reload it and try again",
            ));
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
}
