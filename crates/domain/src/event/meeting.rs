//! Meetings placed by the scheduler, what followed them, and officers' moves on the grid.

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime};

use super::{Attendance, EventId, MeetingId, MeetingSource, ParticipantId, ServiceRating, Timetable};
use crate::deal::{DealId, DealStage};

/// What followed a meeting: the deal of its pair, as it stands. Outcomes are recorded on that
/// deal (one model for what follows a match, wherever the parties met), so a meeting only
/// points at it.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingDeal {
    pub id: DealId,
    pub stage: DealStage,
    /// The furthest stage reached before any close: what the event statistics count.
    pub furthest_stage: DealStage,
    pub contract_amount_yuan: Option<i64>,
    pub contract_date: Option<NaiveDate>,
}

impl MeetingDeal {
    pub fn reached(&self, stage: DealStage) -> bool {
        self.furthest_stage.rank() >= stage.rank() && self.furthest_stage != DealStage::Closed
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
    pub deal: Option<MeetingDeal>,
    pub researcher_rating: Option<(ServiceRating, Option<String>)>,
    pub company_rating: Option<(ServiceRating, Option<String>)>,
}

impl Meeting {
    /// Whether the meeting's slot has begun at `now_local` (the event's local time): only then
    /// can anyone say it was held or missed, and only a held meeting has an outcome.
    pub fn has_started(&self, timetable: &Timetable, now_local: NaiveDateTime) -> bool {
        timetable.slot_time(self.slot).is_some_and(|(start, _)| start <= now_local)
    }
}

impl fmt::Display for Meeting {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "meeting {} (slot {}, table {})", self.id, self.slot, self.table)
    }
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
    #![allow(clippy::unwrap_used)]

    use std::collections::HashMap;

    use super::*;

    fn place(id: i64, researcher: i64, company: i64, slot: u32, table: u32) -> MeetingPlace {
        MeetingPlace {
            id: MeetingId(id),
            researcher: ParticipantId(researcher),
            company: ParticipantId(company),
            slot,
            table,
        }
    }

    fn meeting(slot: u32, deal: Option<MeetingDeal>) -> Meeting {
        Meeting {
            id: MeetingId(1),
            event_id: EventId(1),
            researcher: ParticipantId(10),
            company: ParticipantId(20),
            slot,
            table: 0,
            weight: 1.0,
            source: MeetingSource::Proposal,
            locked: false,
            attendance: Attendance::Scheduled,
            result_id: None,
            need_id: None,
            deal,
            researcher_rating: None,
            company_rating: None,
        }
    }

    #[test]
    fn a_meeting_has_started_once_its_slot_begins_in_local_time() {
        let timetable = Timetable {
            date: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
            slot_minutes: 20,
            sessions: vec![super::super::Session {
                start: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                slots: 3,
            }],
        };
        let at = |time: &str| NaiveDateTime::parse_from_str(&format!("2027-01-15 {time}"), "%Y-%m-%d %H:%M").unwrap();
        assert!(!meeting(1, None).has_started(&timetable, at("09:19")));
        assert!(meeting(1, None).has_started(&timetable, at("09:20")));
        assert!(meeting(0, None).has_started(&timetable, at("09:00")));
        // A slot the timetable no longer has never starts.
        assert!(!meeting(7, None).has_started(&timetable, at("23:00")));
    }

    #[test]
    fn a_closed_deal_still_counts_the_stage_it_reached() {
        let deal = |stage, furthest| MeetingDeal {
            id: DealId(1),
            stage,
            furthest_stage: furthest,
            contract_amount_yuan: None,
            contract_date: None,
        };
        let closed_after_intent = deal(DealStage::Closed, DealStage::IntentSigned);
        assert!(closed_after_intent.reached(DealStage::InTalks));
        assert!(closed_after_intent.reached(DealStage::IntentSigned));
        assert!(!closed_after_intent.reached(DealStage::ContractSigned));
        assert!(deal(DealStage::ContractRegistered, DealStage::ContractRegistered).reached(DealStage::ContractSigned));
        assert!(
            meeting(0, Some(deal(DealStage::InTalks, DealStage::InTalks)))
                .deal
                .is_some_and(|deal| !deal.reached(DealStage::IntentSigned))
        );
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
