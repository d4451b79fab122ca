//! Generated instances for the benchmark and the tests, shaped like a matchmaking fair: researchers
//! and companies, availability windows with gaps, a few popular companies, a tenth of the pairs
//! accepted requests (heavy) and the rest proposals weighted by match score.

use std::collections::HashSet;

use techmatch_scheduler::{CandidatePair, ParticipantAvailability, ScheduleInstance, SeededRng};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceSpec {
    pub participants: usize,
    pub candidates: usize,
    pub slots: u32,
    pub tables: u32,
    pub seed: u64,
}

pub fn generate(spec: InstanceSpec) -> ScheduleInstance {
    let mut rng = SeededRng::new(spec.seed);
    let slots = spec.slots.max(1);
    let researchers = (spec.participants * 2 / 5).max(1);
    let companies = spec.participants.saturating_sub(researchers).max(1);
    let mut participants = Vec::with_capacity(researchers + companies);
    for index in 0..researchers + companies {
        let researcher = index < researchers;
        let id = if researcher { format!("r-{index}") } else { format!("c-{}", index - researchers) };
        let length = rng.between(u64::from(slots.div_ceil(2)), u64::from(slots)) as u32;
        let start = rng.between(0, u64::from(slots - length)) as u32;
        let mut available: Vec<u32> = (start..start + length).collect();
        if rng.unit() < 0.3 && available.len() > 4 {
            let gap_start = rng.between(0, available.len() as u64 - 3) as usize;
            let gap = rng.between(1, 3) as usize;
            available.drain(gap_start..(gap_start + gap).min(available.len()));
        }
        let max_meetings = if researcher { rng.between(4, 12) } else { rng.between(2, 8) } as u32;
        participants.push(ParticipantAvailability { id, max_meetings, available });
    }

    let possible = researchers * companies;
    let wanted = spec.candidates.min(possible);
    let mut seen = HashSet::with_capacity(wanted);
    let mut candidates = Vec::with_capacity(wanted);
    while candidates.len() < wanted {
        let researcher = rng.between(0, researchers as u64 - 1) as usize;
        // Popular companies: the square of a uniform number favours low indices.
        let company = ((rng.unit() * rng.unit()) * companies as f64) as usize % companies;
        if !seen.insert((researcher, company)) {
            continue;
        }
        let weight = if rng.unit() < 0.1 {
            100.0 + (rng.unit() * 40.0).round() / 2.0
        } else {
            let score = rng.unit();
            ((10.0 + 80.0 * score * score) * 2.0).round() / 2.0
        };
        candidates.push(CandidatePair {
            a: participants[researcher].id.clone(),
            b: participants[researchers + company].id.clone(),
            weight,
        });
    }
    ScheduleInstance { slots, tables: spec.tables, participants, candidates, locked: Vec::new(), previous: Vec::new() }
}
