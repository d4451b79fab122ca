//! The meeting schedule: the scheduling instance built from stored rows (a pure function, so
//! its weighing of requests, officers' pairs and proposals is tested without a database),
//! solved off the async executor, and published with its notices.

use std::collections::{HashMap, HashSet};
use techmatch_domain::event::NoticeText;

use chrono::Utc;
use techmatch_domain::event::{
    Attendance, Event, EventId, EventStatus, Meeting, MeetingRequest, MeetingSource, Participant, ParticipantId,
    ParticipantRole, RegistrationStatus, RequestStatus,
};
use techmatch_domain::listing::NeedId;
use techmatch_domain::{Action, Actor, authorize};
use techmatch_scheduler::{
    CandidatePair, MeetingSchedule, ParticipantAvailability, ScheduleInstance, ScheduledMeeting, SchedulerOptions,
    SlotPlacement,
};
use techmatch_store::{NewNotification, PlacedMeeting};

use super::{EventService, conflict, invalid};
use crate::error::{ConflictCode, ServiceError};

/// Weights the scheduler maximises: an accepted request outweighs any proposal, an officer's
/// recommendation sits between, and proposals follow the match score.
const ACCEPTED_REQUEST_WEIGHT: f64 = 100.0;
const RECOMMENDED_WEIGHT: f64 = 90.0;
const PROPOSAL_BASE: f64 = 10.0;
const PROPOSAL_SPAN: f64 = 70.0;
/// Pairs scoring below this are not proposed at all.
const PROPOSAL_MINIMUM_SCORE: f64 = 0.2;

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

/// A researcher and a company of the event, in that order.
type Pair = (ParticipantId, ParticipantId);

/// A pair's best match: its score and the (result, need) behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct BestMatch {
    score: f64,
    result_id: i64,
    need_id: i64,
}

/// What the scheduler is given for an event, read from its stored rows, and what is needed to
/// read the scheduler's answer back into meetings.
#[derive(Debug, Clone)]
struct SchedulingPlan {
    instance: ScheduleInstance,
    /// Every candidate pair's weight and why it is a candidate.
    weights: HashMap<Pair, (f64, MeetingSource)>,
    locked: HashSet<Pair>,
    roles: HashMap<ParticipantId, ParticipantRole>,
}

/// The rows a schedule is built from.
struct StoredRows<'a> {
    slots: u32,
    tables: u32,
    /// The approved participants.
    participants: &'a [Participant],
    best: &'a HashMap<Pair, BestMatch>,
    /// As swept: expired requests are marked so.
    requests: &'a [MeetingRequest],
    instructions: &'a [PairInstruction],
    /// The schedule being replaced, if any.
    previous: &'a [Meeting],
}

fn key(id: ParticipantId) -> String {
    format!("p{}", id.0)
}

fn participant_of(key: &str) -> Option<ParticipantId> {
    key.strip_prefix('p')?.parse().ok().map(ParticipantId)
}

impl SchedulingPlan {
    /// Candidates and their weights: accepted requests first, then the officer's pairs, the
    /// meetings an officer locked on the grid (at their slots), and proposals by match score;
    /// a declined pair never. The previous schedule is the hint that keeps meetings in place.
    fn build(rows: &StoredRows<'_>) -> Result<SchedulingPlan, ServiceError> {
        let roles: HashMap<ParticipantId, ParticipantRole> =
            rows.participants.iter().map(|participant| (participant.id, participant.role)).collect();
        let plan = SchedulingPlan {
            instance: ScheduleInstance {
                slots: rows.slots,
                tables: rows.tables,
                participants: Vec::new(),
                candidates: Vec::new(),
                locked: Vec::new(),
                previous: Vec::new(),
            },
            weights: HashMap::new(),
            locked: HashSet::new(),
            roles,
        };
        let mut weights: HashMap<Pair, (f64, MeetingSource)> = HashMap::new();
        let mut declined: HashSet<Pair> = HashSet::new();
        for request in rows.requests {
            let Some(pair) = plan.orient(request.from, request.to) else { continue };
            match request.status {
                RequestStatus::Accepted => {
                    let score = rows.best.get(&pair).map_or(0.0, |found| found.score);
                    weights.insert(pair, (ACCEPTED_REQUEST_WEIGHT + 20.0 * score, MeetingSource::Request));
                }
                RequestStatus::Declined => {
                    declined.insert(pair);
                }
                _ => {}
            }
        }
        let mut locked: Vec<(Pair, u32)> = Vec::new();
        for instruction in rows.instructions {
            let Some(pair) = plan.orient(instruction.researcher, instruction.company) else {
                return Err(invalid(
                    "pairs",
                    "unknown_pair",
                    "each pair must name an approved researcher and an approved company of this event",
                ));
            };
            if declined.contains(&pair) {
                return Err(conflict(ConflictCode::DeclinedPair, "one side declined this meeting"));
            }
            let entry = weights.entry(pair).or_insert((RECOMMENDED_WEIGHT, MeetingSource::Officer));
            entry.0 = entry.0.max(RECOMMENDED_WEIGHT);
            if let Some(slot) = instruction.slot {
                locked.push((pair, slot));
            }
        }
        // Meetings an officer placed or locked on the grid keep their slot in a rerun.
        for meeting in rows.previous.iter().filter(|meeting| meeting.locked) {
            let Some(pair) = plan.orient(meeting.researcher, meeting.company) else { continue };
            if declined.contains(&pair) || locked.iter().any(|(locked_pair, _)| *locked_pair == pair) {
                continue;
            }
            weights.entry(pair).or_insert((meeting.weight, meeting.source));
            locked.push((pair, meeting.slot));
        }
        for (pair, found) in rows.best {
            if found.score >= PROPOSAL_MINIMUM_SCORE && !declined.contains(pair) {
                weights.entry(*pair).or_insert((PROPOSAL_BASE + PROPOSAL_SPAN * found.score, MeetingSource::Proposal));
            }
        }
        let instance = ScheduleInstance {
            slots: rows.slots,
            tables: rows.tables,
            participants: rows
                .participants
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
            previous: rows
                .previous
                .iter()
                .map(|meeting| ScheduledMeeting {
                    a: key(meeting.researcher),
                    b: key(meeting.company),
                    slot: meeting.slot,
                    table: meeting.table,
                })
                .collect(),
        };
        Ok(SchedulingPlan { instance, weights, locked: locked.into_iter().map(|(pair, _)| pair).collect(), ..plan })
    }

    /// The pair as (researcher, company), when the two are of the event and of both sides.
    fn orient(&self, a: ParticipantId, b: ParticipantId) -> Option<Pair> {
        match (self.roles.get(&a)?, self.roles.get(&b)?) {
            (ParticipantRole::Researcher, ParticipantRole::Company) => Some((a, b)),
            (ParticipantRole::Company, ParticipantRole::Researcher) => Some((b, a)),
            _ => None,
        }
    }

    /// The scheduler's meetings as rows to store, with the listings behind each pair's best
    /// match, and how many sit where the previous schedule had them.
    fn placed(
        &self,
        schedule: &MeetingSchedule,
        best: &HashMap<Pair, BestMatch>,
        previous: &[Meeting],
    ) -> (Vec<PlacedMeeting>, usize) {
        let previous_places: HashSet<(ParticipantId, ParticipantId, u32, u32)> =
            previous.iter().map(|meeting| (meeting.researcher, meeting.company, meeting.slot, meeting.table)).collect();
        let mut placed = Vec::with_capacity(schedule.meetings.len());
        for meeting in &schedule.meetings {
            let (Some(a), Some(b)) = (participant_of(&meeting.a), participant_of(&meeting.b)) else { continue };
            let Some(pair) = self.orient(a, b) else { continue };
            let (weight, source) = self.weights.get(&pair).copied().unwrap_or((0.0, MeetingSource::Officer));
            let listings = best.get(&pair);
            placed.push(PlacedMeeting {
                researcher: pair.0,
                company: pair.1,
                slot: meeting.slot,
                table: meeting.table,
                weight,
                source,
                locked: self.locked.contains(&pair),
                result_id: listings.map(|found| found.result_id),
                need_id: listings.map(|found| found.need_id),
            });
        }
        let kept_in_place = placed
            .iter()
            .filter(|meeting| {
                previous_places.contains(&(meeting.researcher, meeting.company, meeting.slot, meeting.table))
            })
            .count();
        (placed, kept_in_place)
    }
}

impl EventService {
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
            return Err(conflict(ConflictCode::EventNotOpen, "only an open or scheduled event can be scheduled"));
        }
        // A new schedule replaces every meeting; once attendance, an outcome or a rating is on
        // record, replacing would throw it away.
        let recorded = self.store.meetings(event_id).await?.iter().any(|meeting| {
            meeting.attendance != Attendance::Scheduled
                || meeting.deal.is_some()
                || meeting.researcher_rating.is_some()
                || meeting.company_rating.is_some()
        });
        if recorded {
            return Err(conflict(
                ConflictCode::FollowUpRecorded,
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
        // Pairs naming no approved researcher and company are refused before the matching,
        // which is the slow part (the plan checks the rest).
        let role_of = |id: ParticipantId| participants.iter().find(|found| found.id == id).map(|found| found.role);
        let names_a_pair = |instruction: &PairInstruction| {
            matches!(
                (role_of(instruction.researcher), role_of(instruction.company)),
                (Some(ParticipantRole::Researcher), Some(ParticipantRole::Company))
                    | (Some(ParticipantRole::Company), Some(ParticipantRole::Researcher))
            )
        };
        if !instructions.iter().all(names_a_pair) {
            return Err(invalid(
                "pairs",
                "unknown_pair",
                "each pair must name an approved researcher and an approved company of this event",
            ));
        }
        let best = self.best_matches(actor, &participants).await?;
        let requests = self.store.meeting_requests(event_id).await?;
        let previous = self.store.meetings(event_id).await?;
        let plan = SchedulingPlan::build(&StoredRows {
            slots: event.content.timetable.slot_count(),
            tables: event.content.tables,
            participants: &participants,
            best: &best,
            requests: &requests,
            instructions,
            previous: &previous,
        })?;
        let options = SchedulerOptions { time_limit: self.scheduler_time_limit, ..SchedulerOptions::default() };
        let instance = plan.instance.clone();
        let schedule = tokio::task::spawn_blocking(move || techmatch_scheduler::schedule(&instance, &options))
            .await
            .map_err(|error| ServiceError::Internal(anyhow::Error::new(error).context("scheduler task failed")))?
            .map_err(|error| invalid("pairs", "unschedulable", &error.to_string()))?;
        let (placed, kept_in_place) = plan.placed(&schedule, &best, &previous);
        let notices = schedule_notices(&event, &participants, !previous.is_empty());
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

    /// Best match score (and the pair of listings behind it) per researcher-company pair of the
    /// participants, ranked as the officer sees matches.
    async fn best_matches(
        &self,
        actor: &Actor,
        participants: &[Participant],
    ) -> Result<HashMap<Pair, BestMatch>, ServiceError> {
        let mut result_owner: HashMap<i64, ParticipantId> = HashMap::new();
        for participant in participants.iter().filter(|p| p.role == ParticipantRole::Researcher) {
            for &result in &participant.listing_ids {
                result_owner.insert(result, participant.id);
            }
        }
        let mut best: HashMap<Pair, BestMatch> = HashMap::new();
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
                        let entry = best.entry((researcher, company.id)).or_insert(BestMatch {
                            score: 0.0,
                            result_id: found.result.id.0,
                            need_id: need,
                        });
                        if found.explanation.score > entry.score {
                            *entry = BestMatch {
                                score: found.explanation.score,
                                result_id: found.result.id.0,
                                need_id: need,
                            };
                        }
                    }
                }
            }
        }
        Ok(best)
    }
}

/// Every approved participant is told the schedule was published, or changed.
fn schedule_notices(event: &Event, participants: &[Participant], changed: bool) -> Vec<NewNotification> {
    let title = event.content.title.as_str();
    participants
        .iter()
        .map(|participant| NewNotification {
            user_id: participant.user_id,
            kind: if changed { "schedule_changed" } else { "schedule_published" },
            message: NoticeText::new(
                format!("“{title}”的洽谈日程已{}", if changed { "更新" } else { "发布" }),
                format!("The meeting schedule of \"{title}\" was {}.", if changed { "changed" } else { "published" }),
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use chrono::Utc;
    use techmatch_domain::event::{EventId, MeetingId, MeetingRequestId};
    use techmatch_domain::{OrganizationId, UserId};

    use super::*;

    const R1: ParticipantId = ParticipantId(1);
    const R2: ParticipantId = ParticipantId(2);
    const C1: ParticipantId = ParticipantId(3);
    const C2: ParticipantId = ParticipantId(4);

    fn participant(id: ParticipantId, role: ParticipantRole) -> Participant {
        Participant {
            id,
            event_id: EventId(1),
            user_id: UserId(id.0 + 100),
            organization_id: OrganizationId(id.0 + 200),
            role,
            listing_ids: vec![id.0 + 300],
            available_slots: vec![0, 1, 2, 3],
            max_meetings: 3,
            status: RegistrationStatus::Approved,
            created_at: Utc::now(),
        }
    }

    fn fair() -> Vec<Participant> {
        vec![
            participant(R1, ParticipantRole::Researcher),
            participant(R2, ParticipantRole::Researcher),
            participant(C1, ParticipantRole::Company),
            participant(C2, ParticipantRole::Company),
        ]
    }

    fn request(id: i64, from: ParticipantId, to: ParticipantId, status: RequestStatus) -> MeetingRequest {
        MeetingRequest {
            id: MeetingRequestId(id),
            event_id: EventId(1),
            from,
            to,
            message: String::new(),
            status,
            expires_at: Utc::now(),
            created_at: Utc::now(),
            responded_at: None,
        }
    }

    fn meeting(id: i64, researcher: ParticipantId, company: ParticipantId, slot: u32, locked: bool) -> Meeting {
        Meeting {
            id: MeetingId(id),
            event_id: EventId(1),
            researcher,
            company,
            slot,
            table: 0,
            weight: 42.0,
            source: MeetingSource::Officer,
            locked,
            attendance: Attendance::Scheduled,
            result_id: None,
            need_id: None,
            deal: None,
            researcher_rating: None,
            company_rating: None,
        }
    }

    fn best(pairs: &[(Pair, f64)]) -> HashMap<Pair, BestMatch> {
        pairs
            .iter()
            .map(|(pair, score)| {
                (*pair, BestMatch { score: *score, result_id: pair.0.0 + 300, need_id: pair.1.0 + 300 })
            })
            .collect()
    }

    fn plan(
        best: &HashMap<Pair, BestMatch>,
        requests: &[MeetingRequest],
        instructions: &[PairInstruction],
        previous: &[Meeting],
    ) -> Result<SchedulingPlan, ServiceError> {
        let participants = fair();
        SchedulingPlan::build(&StoredRows {
            slots: 4,
            tables: 2,
            participants: &participants,
            best,
            requests,
            instructions,
            previous,
        })
    }

    fn candidate_weight(plan: &SchedulingPlan, pair: Pair) -> Option<f64> {
        plan.instance
            .candidates
            .iter()
            .find(|candidate| candidate.a == key(pair.0) && candidate.b == key(pair.1))
            .map(|candidate| candidate.weight)
    }

    #[test]
    fn accepted_requests_outweigh_officers_pairs_which_outweigh_proposals_by_score() {
        let best = best(&[((R1, C1), 0.5), ((R1, C2), 0.9), ((R2, C2), 0.1)]);
        // Asked by the company: the pair is still (researcher, company).
        let requests = [request(1, C1, R1, RequestStatus::Accepted), request(2, R2, C2, RequestStatus::Pending)];
        let instructions = [PairInstruction { researcher: R2, company: C1, slot: None }];
        let plan = plan(&best, &requests, &instructions, &[]).unwrap();
        assert_eq!(candidate_weight(&plan, (R1, C1)), Some(110.0), "accepted request, plus 20 × its score");
        assert_eq!(candidate_weight(&plan, (R2, C1)), Some(90.0), "the officer's pair");
        assert_eq!(candidate_weight(&plan, (R1, C2)), Some(73.0), "a proposal: 10 + 70 × 0.9");
        assert_eq!(candidate_weight(&plan, (R2, C2)), None, "a pending request and a score under the floor");
        assert_eq!(plan.instance.candidates.len(), 3);
        assert_eq!(plan.weights[&(R1, C1)].1, MeetingSource::Request);
        assert_eq!(plan.weights[&(R2, C1)].1, MeetingSource::Officer);
        assert_eq!(plan.weights[&(R1, C2)].1, MeetingSource::Proposal);
        assert_eq!(plan.instance.participants.len(), 4);
        assert!(plan.instance.locked.is_empty());
    }

    #[test]
    fn a_declined_pair_is_never_proposed_and_an_officer_cannot_insist() {
        let best = best(&[((R1, C2), 0.9)]);
        let declined = [request(1, R1, C2, RequestStatus::Declined)];
        let plan = plan(&best, &declined, &[], &[]).unwrap();
        assert_eq!(candidate_weight(&plan, (R1, C2)), None);
        let insisting = [PairInstruction { researcher: R1, company: C2, slot: Some(0) }];
        let refused = super::tests::plan(&best, &declined, &insisting, &[]).unwrap_err();
        assert!(matches!(refused, ServiceError::Conflict { code: ConflictCode::DeclinedPair, .. }), "{refused:?}");
    }

    #[test]
    fn officers_pairs_name_a_researcher_and_a_company_of_the_event() {
        for (researcher, company) in [(R1, R2), (C1, C2), (R1, ParticipantId(99))] {
            let instructions = [PairInstruction { researcher, company, slot: None }];
            let refused = plan(&HashMap::new(), &[], &instructions, &[]).unwrap_err();
            let ServiceError::Validation(errors) = refused else { panic!("{refused:?}") };
            assert_eq!(errors.0[0].code, "unknown_pair");
        }
    }

    #[test]
    fn meetings_locked_on_the_grid_keep_their_slot_unless_the_officer_places_the_pair() {
        let previous = [meeting(1, R1, C1, 3, true), meeting(2, R2, C2, 1, true), meeting(3, R2, C1, 2, false)];
        let instructions = [PairInstruction { researcher: R2, company: C2, slot: Some(0) }];
        let plan = plan(&HashMap::new(), &[], &instructions, &previous).unwrap();
        let slot_of = |pair: Pair| {
            plan.instance
                .locked
                .iter()
                .find(|locked| locked.a == key(pair.0) && locked.b == key(pair.1))
                .map(|locked| locked.slot)
        };
        assert_eq!(slot_of((R1, C1)), Some(3), "kept where the officer locked it");
        assert_eq!(slot_of((R2, C2)), Some(0), "the officer's new slot wins over the grid's");
        assert_eq!(slot_of((R2, C1)), None, "an unlocked meeting is no constraint");
        assert_eq!(plan.instance.locked.len(), 2);
        assert_eq!(candidate_weight(&plan, (R1, C1)), Some(42.0), "a locked meeting keeps its weight");
        assert_eq!(plan.instance.previous.len(), 3, "every previous meeting is the hint");
    }

    #[test]
    fn the_schedule_reads_back_as_meetings_with_their_listings_and_what_stayed_in_place() {
        let best = best(&[((R1, C1), 0.5), ((R2, C2), 0.8)]);
        let previous = [meeting(1, R1, C1, 2, true)];
        let plan = plan(&best, &[], &[], &previous).unwrap();
        let scheduled =
            |a: ParticipantId, b: ParticipantId, slot: u32| ScheduledMeeting { a: key(a), b: key(b), slot, table: 0 };
        let schedule = MeetingSchedule {
            // The scheduler may name a pair either way round.
            meetings: vec![scheduled(R1, C1, 2), scheduled(C2, R2, 0)],
            total_weight: 0.0,
            upper_bound: 0.0,
        };
        let (placed, kept) = plan.placed(&schedule, &best, &previous);
        assert_eq!(kept, 1);
        assert_eq!(placed.len(), 2);
        let first = &placed[0];
        assert_eq!((first.researcher, first.company, first.slot), (R1, C1, 2));
        assert!(first.locked);
        assert_eq!((first.weight, first.source), (42.0, MeetingSource::Officer));
        assert_eq!((first.result_id, first.need_id), (Some(301), Some(303)));
        let second = &placed[1];
        assert_eq!((second.researcher, second.company), (R2, C2));
        assert!(!second.locked);
        assert_eq!(second.source, MeetingSource::Proposal);
        assert!((second.weight - 66.0).abs() < 1e-9, "{}", second.weight);
    }
}
