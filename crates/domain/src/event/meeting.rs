//! Meetings placed by the scheduler, what followed them, and officers' moves on the grid.

use std::fmt;

use chrono::NaiveDate;

use super::{Attendance, EventId, MeetingId, MeetingSource, OutcomeStage, ParticipantId, ServiceRating};
use crate::validation::{FieldError, ValidationErrors};

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
