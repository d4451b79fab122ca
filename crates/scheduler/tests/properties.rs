#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Scheduler properties on random instances: every rule holds, locked meetings stay, the bound
//! is never below the true optimum (found here by brute force on tiny instances, independent of
//! the scheduler's code) and proven optima are optima. Generated fair-shaped instances are
//! scheduled in `techmatch-lab`'s tests, beside their generator.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use techmatch_scheduler::{
    CandidatePair, MeetingSchedule, ParticipantAvailability, ScheduleError, ScheduleInstance, SchedulerOptions,
    SeededRng, SlotPlacement, schedule, verify,
};

fn options() -> SchedulerOptions {
    SchedulerOptions {
        time_limit: Duration::from_millis(250),
        proof_time_limit: Duration::from_secs(2),
        ..SchedulerOptions::default()
    }
}

fn key(a: &str, b: &str) -> (String, String) {
    if a <= b { (a.to_owned(), b.to_owned()) } else { (b.to_owned(), a.to_owned()) }
}

/// A random instance of modest size, arbitrary (not bipartite) pairs, random availability.
fn random_instance(
    rng: &mut SeededRng,
    participants: usize,
    pairs: usize,
    slots: u32,
    tables: u32,
) -> ScheduleInstance {
    let people: Vec<ParticipantAvailability> = (0..participants)
        .map(|index| ParticipantAvailability {
            id: format!("p{index}"),
            max_meetings: rng.between(0, 4) as u32,
            available: (0..slots).filter(|_| rng.unit() < 0.7).collect(),
        })
        .collect();
    let mut seen = HashSet::new();
    let mut candidates = Vec::new();
    for _ in 0..pairs * 4 {
        if candidates.len() == pairs {
            break;
        }
        let a = rng.between(0, participants as u64 - 1) as usize;
        let b = rng.between(0, participants as u64 - 1) as usize;
        if a == b || !seen.insert(key(&people[a].id, &people[b].id)) {
            continue;
        }
        candidates.push(CandidatePair {
            a: people[a].id.clone(),
            b: people[b].id.clone(),
            weight: rng.between(1, 40) as f64 / 2.0,
        });
    }
    ScheduleInstance { slots, tables, participants: people, candidates, locked: Vec::new(), previous: Vec::new() }
}

/// The true optimum by exhaustive search: each pair gets a slot or none, pruned by the rules.
fn brute_force_optimum(instance: &ScheduleInstance) -> f64 {
    let index: HashMap<&str, usize> =
        instance.participants.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
    let locked: HashMap<(String, String), u32> =
        instance.locked.iter().map(|meeting| (key(&meeting.a, &meeting.b), meeting.slot)).collect();
    struct Search<'a> {
        instance: &'a ScheduleInstance,
        pairs: Vec<(usize, usize, f64, Option<u32>)>,
        busy: HashSet<(usize, u32)>,
        count: Vec<u32>,
        used: Vec<u32>,
        best: f64,
    }
    impl Search<'_> {
        fn go(&mut self, position: usize, weight: f64) {
            if position == self.pairs.len() {
                self.best = self.best.max(weight);
                return;
            }
            let (a, b, w, locked) = self.pairs[position];
            for slot in 0..self.instance.slots {
                if locked.is_some_and(|locked| locked != slot) {
                    continue;
                }
                let participants = &self.instance.participants;
                if !participants[a].available.contains(&slot)
                    || !participants[b].available.contains(&slot)
                    || self.busy.contains(&(a, slot))
                    || self.busy.contains(&(b, slot))
                    || self.count[a] >= participants[a].max_meetings
                    || self.count[b] >= participants[b].max_meetings
                    || self.used[slot as usize] >= self.instance.tables
                {
                    continue;
                }
                self.busy.insert((a, slot));
                self.busy.insert((b, slot));
                self.count[a] += 1;
                self.count[b] += 1;
                self.used[slot as usize] += 1;
                self.go(position + 1, weight + w);
                self.busy.remove(&(a, slot));
                self.busy.remove(&(b, slot));
                self.count[a] -= 1;
                self.count[b] -= 1;
                self.used[slot as usize] -= 1;
            }
            if locked.is_none() {
                self.go(position + 1, weight);
            }
        }
    }
    let pairs = instance
        .candidates
        .iter()
        .map(|pair| {
            (index[pair.a.as_str()], index[pair.b.as_str()], pair.weight, locked.get(&key(&pair.a, &pair.b)).copied())
        })
        .collect();
    let mut search = Search {
        instance,
        pairs,
        busy: HashSet::new(),
        count: vec![0; instance.participants.len()],
        used: vec![0; instance.slots as usize],
        best: f64::NEG_INFINITY,
    };
    search.go(0, 0.0);
    search.best
}

fn lock_some(rng: &mut SeededRng, instance: &mut ScheduleInstance, from: &MeetingSchedule) {
    instance.locked = from
        .meetings
        .iter()
        .filter(|_| rng.unit() < 0.3)
        .map(|meeting| SlotPlacement { a: meeting.a.clone(), b: meeting.b.clone(), slot: meeting.slot })
        .collect();
}

#[test]
fn every_rule_holds_on_random_instances_and_locked_meetings_stay() {
    let mut rng = SeededRng::new(7);
    for round in 0..40 {
        let participants = rng.between(2, 60) as usize;
        let pairs = rng.between(1, 200) as usize;
        let slots = rng.between(1, 12) as u32;
        let tables = rng.between(1, 12) as u32;
        let mut instance = random_instance(&mut rng, participants, pairs, slots, tables);
        let first = schedule(&instance, &options()).unwrap();
        let weight = verify(&instance, &first).unwrap();
        assert!(first.upper_bound + 1e-9 >= weight, "round {round}: bound {} below weight {weight}", first.upper_bound);

        lock_some(&mut rng, &mut instance, &first);
        let again = schedule(&instance, &options()).unwrap();
        verify(&instance, &again).unwrap_or_else(|error| panic!("round {round}: {error}"));
        for locked in &instance.locked {
            assert!(
                again
                    .meetings
                    .iter()
                    .any(|meeting| key(&meeting.a, &meeting.b) == key(&locked.a, &locked.b)
                        && meeting.slot == locked.slot),
                "round {round}: locked meeting moved"
            );
        }
        assert!(again.upper_bound + 1e-9 >= again.total_weight);
    }
}

#[test]
fn bound_is_never_below_the_brute_force_optimum_and_proven_optima_are_optima() {
    let mut rng = SeededRng::new(11);
    let mut proven = 0;
    for round in 0..60 {
        let participants = rng.between(3, 7) as usize;
        let pairs = rng.between(1, 7) as usize;
        let slots = rng.between(1, 3) as u32;
        let tables = rng.between(1, 3) as u32;
        let mut instance = random_instance(&mut rng, participants, pairs, slots, tables);
        if round % 3 == 0 {
            let first = schedule(&instance, &options()).unwrap();
            lock_some(&mut rng, &mut instance, &first);
        }
        let optimum = brute_force_optimum(&instance);
        // Small instances go to the exact solver; a large enough problem size forces the
        // heuristic and the Lagrangian bound, which must be valid too.
        for exact_variable_limit in [usize::MAX, 0] {
            let options = SchedulerOptions { exact_variable_limit, ..options() };
            let result = schedule(&instance, &options).unwrap();
            verify(&instance, &result).unwrap();
            assert!(
                result.upper_bound + 1e-6 >= optimum,
                "round {round}: bound {} below the optimum {optimum}",
                result.upper_bound
            );
            assert!(result.total_weight <= optimum + 1e-6);
            if result.gap_percent() == 0.0 {
                assert!((result.total_weight - optimum).abs() < 1e-6, "round {round}: claimed optimum is not one");
            }
            if exact_variable_limit == usize::MAX {
                assert!((result.total_weight - optimum).abs() < 1e-6, "round {round}: exact path missed the optimum");
                proven += usize::from(result.gap_percent() == 0.0);
            }
        }
    }
    assert!(proven >= 55, "only {proven} of 60 tiny instances proven optimal");
}

#[test]
fn bad_instances_are_refused_with_a_reason() {
    let base = ScheduleInstance {
        slots: 2,
        tables: 1,
        participants: vec![
            ParticipantAvailability { id: "r".into(), max_meetings: 2, available: vec![0, 1] },
            ParticipantAvailability { id: "c".into(), max_meetings: 2, available: vec![0] },
        ],
        candidates: vec![CandidatePair { a: "r".into(), b: "c".into(), weight: 5.0 }],
        locked: Vec::new(),
        previous: Vec::new(),
    };
    let check = |change: &dyn Fn(&mut ScheduleInstance), expected: fn(&ScheduleError) -> bool| {
        let mut instance = base.clone();
        change(&mut instance);
        let error = schedule(&instance, &options()).unwrap_err();
        assert!(expected(&error), "unexpected error {error:?}");
        assert!(!error.to_string().is_empty());
    };
    check(&|i| i.slots = 0, |e| matches!(e, ScheduleError::SlotCount(0)));
    check(&|i| i.participants[1].id = "r".into(), |e| matches!(e, ScheduleError::DuplicateParticipant(_)));
    check(&|i| i.participants[0].available.push(9), |e| matches!(e, ScheduleError::SlotOutOfRange { .. }));
    check(&|i| i.candidates[0].b = "x".into(), |e| matches!(e, ScheduleError::UnknownParticipant(_)));
    check(&|i| i.candidates[0].b = "r".into(), |e| matches!(e, ScheduleError::SelfPair(_)));
    check(&|i| i.candidates[0].weight = 0.0, |e| matches!(e, ScheduleError::InvalidWeight { .. }));
    check(&|i| i.candidates[0].weight = f64::NAN, |e| matches!(e, ScheduleError::InvalidWeight { .. }));
    check(&|i| i.candidates.push(CandidatePair { a: "c".into(), b: "r".into(), weight: 1.0 }), |e| {
        matches!(e, ScheduleError::DuplicatePair { .. })
    });
    check(&|i| i.locked.push(SlotPlacement { a: "r".into(), b: "c".into(), slot: 1 }), |e| {
        matches!(e, ScheduleError::LockedInfeasible { .. })
    });
    check(
        &|i| {
            i.participants.push(ParticipantAvailability { id: "z".into(), max_meetings: 1, available: vec![0] });
            i.locked.push(SlotPlacement { a: "r".into(), b: "z".into(), slot: 0 });
        },
        |e| matches!(e, ScheduleError::LockedNotCandidate { .. }),
    );
}
