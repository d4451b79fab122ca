//! The meeting schedule: the scheduling instance built from stored rows, solved off the async
//! executor, and published with its notices.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use techmatch_domain::event::{
    Attendance, EventId, EventStatus, MeetingSource, Participant, ParticipantId, ParticipantRole, RegistrationStatus,
    RequestStatus,
};
use techmatch_domain::listing::NeedId;
use techmatch_domain::{Action, Actor, authorize};
use techmatch_scheduler::{
    CandidatePair, ParticipantAvailability, ScheduleInstance, ScheduledMeeting, SchedulerOptions, SlotPlacement,
};
use techmatch_store::{NewNotification, PlacedMeeting};

use super::{EventService, conflict, invalid};
use crate::error::ServiceError;

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
}
