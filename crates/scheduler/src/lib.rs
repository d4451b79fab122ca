//! The 1:1 meeting scheduler: place candidate pairs into (slot, table) so that nobody is in two
//! meetings at once, everyone meets only when available and at most as often as they allow, no
//! slot uses more tables than exist, each pair meets at most once and locked meetings stay put,
//! maximising the total weight.
//!
//! Every schedule comes with a valid upper bound on the best achievable weight:
//! - small instances are solved exactly by branch and bound over the LP relaxation
//!   ([`exact`]); then the bound is the optimum itself;
//! - larger ones get a local-search schedule ([`heuristic`]) and a Lagrangian bound
//!   ([`bound`]): any non-negative prices on the per-slot, per-participant and per-slot-table
//!   constraints give a bound, and subgradient descent drives it down.
//!
//! The model (the same one the tests hand to an external solver): binary `x[pair, slot]` over the
//! slots both sides are available in; `Σ_pairs∋i x[·, s] ≤ 1` per participant and slot;
//! `Σ x[pair∋i, ·] ≤ max_i`; `Σ_pairs x[·, s] ≤ tables`; `Σ_s x[pair, s] ≤ 1`; locked `x = 1`.

pub mod bound;
pub mod exact;
pub mod heuristic;
mod rng;

pub use rng::SeededRng;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// A scheduling instance, in the JSON form `techmatch schedule` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleInstance {
    pub slots: u32,
    pub tables: u32,
    pub participants: Vec<ParticipantAvailability>,
    pub candidates: Vec<CandidatePair>,
    /// Meetings that must stay exactly where they are.
    #[serde(default)]
    pub locked: Vec<SlotPlacement>,
    /// The schedule before a change: meetings are kept at these slots (and tables) where the
    /// new optimum allows it, so a reschedule moves as little as possible.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous: Vec<ScheduledMeeting>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParticipantAvailability {
    pub id: String,
    pub max_meetings: u32,
    pub available: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidatePair {
    pub a: String,
    pub b: String,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotPlacement {
    pub a: String,
    pub b: String,
    pub slot: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledMeeting {
    pub a: String,
    pub b: String,
    pub slot: u32,
    pub table: u32,
}

/// A schedule with its certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingSchedule {
    pub meetings: Vec<ScheduledMeeting>,
    pub total_weight: f64,
    pub upper_bound: f64,
}

impl MeetingSchedule {
    /// Relative distance to the bound, in percent (0 when the schedule is proven optimal).
    pub fn gap_percent(&self) -> f64 {
        if self.upper_bound <= 0.0 {
            return 0.0;
        }
        ((self.upper_bound - self.total_weight) / self.upper_bound * 100.0).max(0.0)
    }

    /// The `techmatch schedule` summary line.
    pub fn summary_line(&self) -> String {
        format!(
            "meetings={} weight={:.2} bound={:.2} gap={:.2}%",
            self.meetings.len(),
            self.total_weight,
            self.upper_bound,
            self.gap_percent()
        )
    }
}

/// Why an instance (or a schedule checked against it) is not acceptable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    #[error("an event needs between 1 and {MAXIMUM_SLOTS} slots, got {0}")]
    SlotCount(u32),
    #[error("participant id {0:?} appears more than once")]
    DuplicateParticipant(String),
    #[error("participant {participant:?} lists slot {slot}, but slots are numbered 0..{slots}")]
    SlotOutOfRange { participant: String, slot: u32, slots: u32 },
    #[error("candidate pair names unknown participant {0:?}")]
    UnknownParticipant(String),
    #[error("candidate pair {0:?} meets itself")]
    SelfPair(String),
    #[error("pair {a:?}-{b:?} appears more than once among the candidates")]
    DuplicatePair { a: String, b: String },
    #[error("pair {a:?}-{b:?} has weight {weight}; weights must be finite and above zero")]
    InvalidWeight { a: String, b: String, weight: f64 },
    #[error("locked meeting {a:?}-{b:?} is not a candidate pair")]
    LockedNotCandidate { a: String, b: String },
    #[error("locked meeting {a:?}-{b:?} cannot be at slot {slot}: {reason}")]
    LockedInfeasible { a: String, b: String, slot: u32, reason: &'static str },
    #[error("the schedule breaks a rule: {0}")]
    InvalidSchedule(String),
}

/// More slots than any real event has; it keeps per-participant tables small.
pub const MAXIMUM_SLOTS: u32 = 512;

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SchedulerOptions {
    /// Wall-clock budget for the whole solve (the exact path and the bound stop at it).
    pub time_limit: Duration,
    /// Instances with at most this many (pair, slot) variables go to the exact solver first.
    pub exact_variable_limit: usize,
    /// How long the exact solver may run in all on such an instance when proving its optimum
    /// takes longer than `time_limit` (rare: about one generated 60-participant fair in twenty
    /// needs several seconds); a schedule is never worse for the extra time.
    pub proof_time_limit: Duration,
}

impl Default for SchedulerOptions {
    fn default() -> Self {
        Self {
            time_limit: Duration::from_millis(1800),
            exact_variable_limit: 6000,
            proof_time_limit: Duration::from_secs(20),
        }
    }
}

const NONE: u32 = u32::MAX;

/// An instance turned into dense indices, with locked meetings taken out: their slots are no
/// longer available to their participants, and they use up capacity and tables.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub slots: usize,
    pub participants: usize,
    /// Remaining meetings each participant may have.
    pub capacity: Vec<u32>,
    /// Tables still free per slot.
    pub tables: Vec<u32>,
    /// Free pairs (not locked).
    pub pairs: Vec<Pair>,
    /// Locked meetings as (index into the instance's candidates, slot).
    pub locked: Vec<(usize, usize)>,
    pub locked_weight: f64,
    /// For each free pair, the slot it had in the previous schedule, if still possible.
    pub previous_slot: Vec<u32>,
    /// The pairs each participant is in.
    pub pairs_of: Vec<Vec<u32>>,
    /// The common unit of all weights, when they have one (see [`weight_unit`]).
    pub unit: Option<f64>,
    /// Extra score for a pair kept at its previous slot: small enough that all of it together
    /// is less than one unit of weight, so it only ever decides between equal weights.
    pub bonus: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct Pair {
    pub a: u32,
    pub b: u32,
    pub weight: f64,
    /// Index into the instance's candidates.
    pub candidate: usize,
    /// Slots both sides are free in.
    pub slots: Vec<u32>,
}

fn ordered(a: &str, b: &str) -> (String, String) {
    if a <= b { (a.to_owned(), b.to_owned()) } else { (b.to_owned(), a.to_owned()) }
}

impl Problem {
    pub(crate) fn build(instance: &ScheduleInstance) -> std::result::Result<Self, ScheduleError> {
        if instance.slots == 0 || instance.slots > MAXIMUM_SLOTS {
            return Err(ScheduleError::SlotCount(instance.slots));
        }
        let slots = instance.slots as usize;
        let mut index: HashMap<&str, u32> = HashMap::with_capacity(instance.participants.len());
        let mut available = vec![false; instance.participants.len() * slots];
        for (position, participant) in instance.participants.iter().enumerate() {
            if index.insert(participant.id.as_str(), position as u32).is_some() {
                return Err(ScheduleError::DuplicateParticipant(participant.id.clone()));
            }
            for &slot in &participant.available {
                if slot >= instance.slots {
                    return Err(ScheduleError::SlotOutOfRange {
                        participant: participant.id.clone(),
                        slot,
                        slots: instance.slots,
                    });
                }
                available[position * slots + slot as usize] = true;
            }
        }
        let lookup = |id: &str| index.get(id).copied().ok_or_else(|| ScheduleError::UnknownParticipant(id.to_owned()));

        let mut pair_index: HashMap<(String, String), usize> = HashMap::with_capacity(instance.candidates.len());
        for (position, candidate) in instance.candidates.iter().enumerate() {
            lookup(&candidate.a)?;
            lookup(&candidate.b)?;
            if candidate.a == candidate.b {
                return Err(ScheduleError::SelfPair(candidate.a.clone()));
            }
            if !candidate.weight.is_finite() || candidate.weight <= 0.0 {
                return Err(ScheduleError::InvalidWeight {
                    a: candidate.a.clone(),
                    b: candidate.b.clone(),
                    weight: candidate.weight,
                });
            }
            if pair_index.insert(ordered(&candidate.a, &candidate.b), position).is_some() {
                return Err(ScheduleError::DuplicatePair { a: candidate.a.clone(), b: candidate.b.clone() });
            }
        }

        let mut capacity: Vec<u32> = instance.participants.iter().map(|participant| participant.max_meetings).collect();
        let mut tables = vec![instance.tables; slots];
        let mut locked = Vec::with_capacity(instance.locked.len());
        let mut locked_pairs = HashSet::new();
        let mut locked_weight = 0.0;
        for meeting in &instance.locked {
            let infeasible = |reason: &'static str| ScheduleError::LockedInfeasible {
                a: meeting.a.clone(),
                b: meeting.b.clone(),
                slot: meeting.slot,
                reason,
            };
            let Some(&candidate) = pair_index.get(&ordered(&meeting.a, &meeting.b)) else {
                return Err(ScheduleError::LockedNotCandidate { a: meeting.a.clone(), b: meeting.b.clone() });
            };
            if !locked_pairs.insert(candidate) {
                return Err(infeasible("the pair is locked twice"));
            }
            if meeting.slot >= instance.slots {
                return Err(infeasible("no such slot"));
            }
            let slot = meeting.slot as usize;
            for side in [lookup(&meeting.a)? as usize, lookup(&meeting.b)? as usize] {
                if !available[side * slots + slot] {
                    return Err(infeasible("a participant is unavailable or already meeting someone then"));
                }
                available[side * slots + slot] = false;
                if capacity[side] == 0 {
                    return Err(infeasible("a participant would exceed its maximum number of meetings"));
                }
                capacity[side] -= 1;
            }
            if tables[slot] == 0 {
                return Err(infeasible("the slot has no table left"));
            }
            tables[slot] -= 1;
            locked.push((candidate, slot));
            locked_weight += instance.candidates[candidate].weight;
        }

        let previous: HashMap<(String, String), u32> =
            instance.previous.iter().map(|meeting| (ordered(&meeting.a, &meeting.b), meeting.slot)).collect();
        let mut pairs = Vec::with_capacity(instance.candidates.len());
        let mut previous_slot = Vec::with_capacity(instance.candidates.len());
        let mut pairs_of = vec![Vec::new(); instance.participants.len()];
        for (position, candidate) in instance.candidates.iter().enumerate() {
            if locked_pairs.contains(&position) {
                continue;
            }
            let a = lookup(&candidate.a)?;
            let b = lookup(&candidate.b)?;
            let common: Vec<u32> = (0..slots)
                .filter(|&slot| available[a as usize * slots + slot] && available[b as usize * slots + slot])
                .map(|slot| slot as u32)
                .collect();
            let id = pairs.len() as u32;
            let hint = previous
                .get(&ordered(&candidate.a, &candidate.b))
                .copied()
                .filter(|slot| common.contains(slot))
                .unwrap_or(NONE);
            pairs_of[a as usize].push(id);
            pairs_of[b as usize].push(id);
            pairs.push(Pair { a, b, weight: candidate.weight, candidate: position, slots: common });
            previous_slot.push(hint);
        }
        let unit = weight_unit(instance.candidates.iter().map(|pair| pair.weight));
        let smallest = instance.candidates.iter().map(|pair| pair.weight).fold(f64::INFINITY, f64::min);
        let bonus = match unit {
            Some(unit) => unit / (2.0 * (pairs.len() as f64 + 1.0)),
            None if smallest.is_finite() => smallest * 1e-6,
            None => 0.0,
        };
        Ok(Self {
            unit,
            bonus,
            slots,
            participants: instance.participants.len(),
            capacity,
            tables,
            pairs,
            locked,
            locked_weight,
            previous_slot,
            pairs_of,
        })
    }

    pub(crate) fn stability_bonus(&self, pair: u32, slot: u32) -> f64 {
        if self.previous_slot[pair as usize] == slot { self.bonus } else { 0.0 }
    }

    /// Number of (pair, slot) variables of the model.
    pub(crate) fn variable_count(&self) -> usize {
        self.pairs.iter().map(|pair| pair.slots.len()).sum()
    }
}

/// Schedules an instance: the best schedule found within the options' budget and its bound.
/// Share of the time limit kept for re-solving slots exactly at the end (`heuristic::polish`).
const POLISH_SHARE: f64 = 0.2;
/// Share of the time limit the Lagrangian bound runs, beside the first schedule, on instances too
/// large for the exact solver; the guided searches and the polishing get the rest.
const BOUND_SHARE: f64 = 0.45;

pub fn schedule(
    instance: &ScheduleInstance,
    options: &SchedulerOptions,
) -> std::result::Result<MeetingSchedule, ScheduleError> {
    let started = Instant::now();
    let problem = Problem::build(instance)?;
    let deadline = started + options.time_limit;
    let polishing = options.time_limit.mul_f64(POLISH_SHARE);

    let exact_first = problem.variable_count() <= options.exact_variable_limit;
    let (mut best, mut early_bound) = if exact_first {
        (heuristic::solve(&problem, started + options.time_limit / 4), None)
    } else {
        // The Lagrangian bound needs no schedule: it runs on the second core while the first
        // builds one.
        let until = started + options.time_limit.mul_f64(BOUND_SHARE);
        std::thread::scope(|scope| {
            let bound = scope.spawn(|| bound::lagrangian_bound(&problem, 0.0, until));
            let best = heuristic::solve(&problem, until);
            (best, bound.join().ok())
        })
    };
    let mut upper_bound = f64::INFINITY;
    if exact_first
        && let Some(exact) = exact::solve(&problem, &best, started + options.proof_time_limit.max(options.time_limit))
    {
        if exact.weight > best.weight + 1e-9 {
            best = heuristic::Assignment { slot_of: exact.slot_of, weight: exact.weight };
        }
        upper_bound = exact.bound;
    }
    if upper_bound > best.weight + 1e-9 {
        let (lagrangian, best_prices, last_prices) = match early_bound.take() {
            Some(early) => early,
            None => {
                let remaining = deadline.saturating_duration_since(Instant::now());
                bound::lagrangian_bound(&problem, best.weight, Instant::now() + remaining * 3 / 5)
            }
        };
        upper_bound = upper_bound.min(lagrangian);
        if upper_bound > best.weight + 1e-9 {
            // Two differently guided searches, one per core of a small server.
            // Each search keeps the last part of its time to re-solve slots exactly around its
            // own schedule.
            let searching = deadline - polishing;
            let search = |prices: &bound::Prices<'_>, seed: u64| {
                let found = heuristic::guided(&problem, prices, searching, seed);
                heuristic::polish(&problem, &found, deadline)
            };
            let (first, second) = std::thread::scope(|scope| {
                let second = scope.spawn(|| search(&last_prices, 0x05EC_017D));
                let first = search(&best_prices, 0xF1_257);
                (first, second.join().ok())
            });
            for candidate in std::iter::once(first).chain(second) {
                if candidate.weight > best.weight + 1e-9 {
                    best = candidate;
                }
            }
        }
    }
    let mut upper_bound = problem.locked_weight + upper_bound;
    // Every total is a multiple of the weights' common unit (0.5 for weights like 37.5), so the
    // bound may be rounded down to one: that closes gaps smaller than the unit.
    if let Some(unit) = problem.unit {
        upper_bound = (upper_bound / unit + 1e-6).floor() * unit;
    }
    Ok(render(instance, &problem, &best, upper_bound))
}

/// The largest `u` such that every weight is a whole multiple of it, when the weights have at
/// most four decimals; `None` otherwise.
fn weight_unit(weights: impl Iterator<Item = f64> + Clone) -> Option<f64> {
    for decimals in 0..=4 {
        let scale = 10f64.powi(decimals);
        let mut divisor: u64 = 0;
        let mut whole = true;
        for weight in weights.clone() {
            let scaled = weight * scale;
            if (scaled - scaled.round()).abs() > 1e-6 * scaled.abs().max(1.0) || scaled > 1e15 {
                whole = false;
                break;
            }
            divisor = gcd(divisor, scaled.round() as u64);
        }
        if whole && divisor > 0 {
            return Some(divisor as f64 / scale);
        }
    }
    None
}

fn gcd(mut left: u64, mut right: u64) -> u64 {
    while right != 0 {
        (left, right) = (right, left % right);
    }
    left
}

/// Turns an assignment into meetings with tables: previous tables are kept where free, locked
/// meetings and the rest take the lowest free tables.
fn render(
    instance: &ScheduleInstance,
    problem: &Problem,
    assignment: &heuristic::Assignment,
    upper_bound: f64,
) -> MeetingSchedule {
    let mut placed: Vec<(usize, usize)> = problem.locked.clone();
    for (pair, &slot) in assignment.slot_of.iter().enumerate() {
        if slot != NONE {
            placed.push((problem.pairs[pair].candidate, slot as usize));
        }
    }
    let previous_table: HashMap<(String, String), (u32, u32)> = instance
        .previous
        .iter()
        .map(|meeting| (ordered(&meeting.a, &meeting.b), (meeting.slot, meeting.table)))
        .collect();
    let mut taken = vec![vec![false; instance.tables as usize]; problem.slots];
    let mut table_of = vec![NONE; placed.len()];
    for (position, &(candidate, slot)) in placed.iter().enumerate() {
        let pair = &instance.candidates[candidate];
        if let Some(&(previous_slot, table)) = previous_table.get(&ordered(&pair.a, &pair.b))
            && previous_slot as usize == slot
            && (table as usize) < taken[slot].len()
            && !taken[slot][table as usize]
        {
            taken[slot][table as usize] = true;
            table_of[position] = table;
        }
    }
    let mut meetings = Vec::with_capacity(placed.len());
    let mut total_weight = 0.0;
    for (position, &(candidate, slot)) in placed.iter().enumerate() {
        let mut table = table_of[position];
        if table == NONE {
            let free = taken[slot].iter().position(|used| !used).unwrap_or(0);
            taken[slot][free] = true;
            table = free as u32;
        }
        let pair = &instance.candidates[candidate];
        total_weight += pair.weight;
        meetings.push(ScheduledMeeting { a: pair.a.clone(), b: pair.b.clone(), slot: slot as u32, table });
    }
    meetings.sort_by_key(|meeting| (meeting.slot, meeting.table));
    MeetingSchedule { meetings, total_weight, upper_bound: upper_bound.max(total_weight) }
}

/// Checks a schedule against every rule of the instance and returns its total weight. The tests
/// run it on every schedule; callers may use it on schedules that come from elsewhere.
pub fn verify(instance: &ScheduleInstance, schedule: &MeetingSchedule) -> std::result::Result<f64, ScheduleError> {
    let broken = |message: String| Err(ScheduleError::InvalidSchedule(message));
    let slots = instance.slots as usize;
    let participants: HashMap<&str, &ParticipantAvailability> =
        instance.participants.iter().map(|participant| (participant.id.as_str(), participant)).collect();
    let weights: HashMap<(String, String), f64> =
        instance.candidates.iter().map(|pair| (ordered(&pair.a, &pair.b), pair.weight)).collect();
    let mut busy: HashSet<(&str, u32)> = HashSet::new();
    let mut count: HashMap<&str, u32> = HashMap::new();
    let mut met: HashSet<(String, String)> = HashSet::new();
    let mut tables: HashSet<(u32, u32)> = HashSet::new();
    let mut total = 0.0;
    for meeting in &schedule.meetings {
        let key = ordered(&meeting.a, &meeting.b);
        let Some(&weight) = weights.get(&key) else {
            return broken(format!("{}-{} is not a candidate pair", meeting.a, meeting.b));
        };
        if meeting.slot as usize >= slots || meeting.table >= instance.tables {
            return broken(format!("{}-{} is at a slot or table that does not exist", meeting.a, meeting.b));
        }
        if !tables.insert((meeting.slot, meeting.table)) {
            return broken(format!("table {} is used twice in slot {}", meeting.table, meeting.slot));
        }
        if !met.insert(key) {
            return broken(format!("{}-{} meet twice", meeting.a, meeting.b));
        }
        for side in [meeting.a.as_str(), meeting.b.as_str()] {
            let Some(participant) = participants.get(side) else {
                return broken(format!("unknown participant {side}"));
            };
            if !participant.available.contains(&meeting.slot) {
                return broken(format!("{side} is not available in slot {}", meeting.slot));
            }
            if !busy.insert((side, meeting.slot)) {
                return broken(format!("{side} has two meetings in slot {}", meeting.slot));
            }
            let meetings = count.entry(side).or_insert(0);
            *meetings += 1;
            if *meetings > participant.max_meetings {
                return broken(format!("{side} has more than {} meetings", participant.max_meetings));
            }
        }
        total += weight;
    }
    for locked in &instance.locked {
        let present = schedule.meetings.iter().any(|meeting| {
            ordered(&meeting.a, &meeting.b) == ordered(&locked.a, &locked.b) && meeting.slot == locked.slot
        });
        if !present {
            return broken(format!("locked meeting {}-{} moved or vanished", locked.a, locked.b));
        }
    }
    if (total - schedule.total_weight).abs() > 1e-6 * total.max(1.0) {
        return broken(format!("total_weight {} differs from the meetings' sum {total}", schedule.total_weight));
    }
    Ok(total)
}
