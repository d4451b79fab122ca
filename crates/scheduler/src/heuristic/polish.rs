//! The finishing pass: each slot re-solved exactly as a maximum-weight bipartite matching
//! between the fair's two sides, with local search in between.

use std::time::Instant;

use super::Assignment;
use super::State;
use super::search::local_search;
use crate::{NONE, Problem};

/// The participants split into two sides such that every pair joins the two (researchers and
/// companies, as fairs pair them), when the pairs allow that.
pub(crate) fn sides(problem: &Problem) -> Option<Vec<bool>> {
    let mut side: Vec<Option<bool>> = vec![None; problem.participants];
    for start in 0..problem.participants {
        if side[start].is_some() {
            continue;
        }
        side[start] = Some(false);
        let mut stack = vec![start as u32];
        while let Some(participant) = stack.pop() {
            let own = side[participant as usize]?;
            for &pair in &problem.pairs_of[participant as usize] {
                let data = &problem.pairs[pair as usize];
                let other = if data.a == participant { data.b } else { data.a };
                match side[other as usize] {
                    None => {
                        side[other as usize] = Some(!own);
                        stack.push(other);
                    }
                    Some(existing) if existing == own => return None,
                    Some(_) => {}
                }
            }
        }
    }
    side.into_iter().collect()
}

/// An edge of the residual graph of the slot's flow problem.
struct FlowArc {
    to: usize,
    capacity: i32,
    cost: f64,
    /// The pair it stands for (`NONE` for source and sink arcs).
    pair: u32,
}

impl State<'_> {
    /// Re-solves one slot exactly: takes its meetings out, then puts in the heaviest set of
    /// meetings the slot can hold — a maximum-weight bipartite matching of at most `tables`
    /// pairs among pairs scheduled nowhere else whose sides still have room — by successive
    /// shortest augmenting paths. Never lowers the score (the old meetings are one candidate).
    fn reoptimize_slot(&mut self, slot: u32, side: &[bool]) -> bool {
        let problem = self.problem;
        let before = self.score;
        let mark = self.journal.len();
        for pair in self.at_slot[slot as usize].clone() {
            self.remove(pair);
        }
        let participants = problem.participants;
        let source = participants;
        let sink = participants + 1;
        let mut arcs: Vec<FlowArc> = Vec::new();
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); participants + 2];
        let add = |arcs: &mut Vec<FlowArc>, out: &mut Vec<Vec<usize>>, from: usize, to: usize, cost: f64, pair: u32| {
            out[from].push(arcs.len());
            arcs.push(FlowArc { to, capacity: 1, cost, pair });
            out[to].push(arcs.len());
            arcs.push(FlowArc { to: from, capacity: 0, cost: -cost, pair });
        };
        let has_room = |state: &State<'_>, participant: u32| {
            state.count[participant as usize] < problem.capacity[participant as usize]
                && state.busy[state.cell(participant, slot)] == NONE
        };
        let mut connected = vec![false; participants];
        for (index, data) in problem.pairs.iter().enumerate() {
            let pair = index as u32;
            if self.slot_of[index] != NONE || !data.slots.contains(&slot) {
                continue;
            }
            if !has_room(self, data.a) || !has_room(self, data.b) {
                continue;
            }
            let (left, right) = if side[data.a as usize] { (data.b, data.a) } else { (data.a, data.b) };
            let gain = data.weight + problem.stability_bonus(pair, slot);
            add(&mut arcs, &mut out, left as usize, right as usize, -gain, pair);
            connected[left as usize] = true;
            connected[right as usize] = true;
        }
        for participant in 0..participants {
            if connected[participant] {
                if side[participant] {
                    add(&mut arcs, &mut out, participant, sink, 0.0, NONE);
                } else {
                    add(&mut arcs, &mut out, source, participant, 0.0, NONE);
                }
            }
        }
        let nodes = participants + 2;
        let mut distance = vec![f64::INFINITY; nodes];
        let mut via = vec![usize::MAX; nodes];
        let mut queued = vec![false; nodes];
        let mut flow = 0;
        while flow < problem.tables[slot as usize] {
            // Bellman-Ford with a queue: costs are negative on pair arcs.
            distance.fill(f64::INFINITY);
            via.fill(usize::MAX);
            distance[source] = 0.0;
            let mut queue = std::collections::VecDeque::from([source]);
            queued.fill(false);
            queued[source] = true;
            while let Some(node) = queue.pop_front() {
                queued[node] = false;
                for &arc in &out[node] {
                    let edge = &arcs[arc];
                    if edge.capacity > 0 && distance[node] + edge.cost < distance[edge.to] - 1e-12 {
                        distance[edge.to] = distance[node] + edge.cost;
                        via[edge.to] = arc;
                        if !queued[edge.to] {
                            queued[edge.to] = true;
                            queue.push_back(edge.to);
                        }
                    }
                }
            }
            if distance[sink] >= -1e-12 || distance[sink].is_nan() {
                break;
            }
            let mut node = sink;
            while node != source {
                let arc = via[node];
                arcs[arc].capacity -= 1;
                arcs[arc ^ 1].capacity += 1;
                node = arcs[arc ^ 1].to;
            }
            flow += 1;
        }
        // Pair arcs carrying flow (forward arcs are even-numbered) are the slot's meetings.
        for index in (0..arcs.len()).step_by(2) {
            let edge = &arcs[index];
            if edge.pair != NONE && edge.capacity == 0 {
                self.place(edge.pair, slot);
            }
        }
        if self.score + 1e-9 < before {
            self.rollback(mark);
            return false;
        }
        self.score > before + 1e-9
    }
}

/// Sweeps of exact slot re-solving over a schedule until a sweep changes nothing or the
/// deadline passes. Only for pairs that join two sides (the usual fair); otherwise unchanged.
pub(crate) fn polish(problem: &Problem, start: &Assignment, deadline: Instant) -> Assignment {
    let Some(side) = sides(problem) else { return start.clone() };
    let mut state = State::from_assignment(problem, start);
    loop {
        let mut improved = false;
        for slot in 0..problem.slots as u32 {
            if Instant::now() >= deadline {
                return state.assignment();
            }
            state.journal.clear();
            improved |= state.reoptimize_slot(slot, &side);
        }
        // Re-solving slots frees room elsewhere: let the insertions use it.
        let after = local_search(state, deadline, None);
        if !improved {
            return after;
        }
        state = State::from_assignment(problem, &after);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::search::greedy;
    use super::*;
    use crate::rng::SeededRng;
    use crate::{CandidatePair, ParticipantAvailability, ScheduleInstance};

    /// A fair of researchers and companies (every pair across the two sides), each available
    /// in one window of the slots; the generated fairs of the benchmark live in `techmatch-lab`,
    /// which this crate must not depend on.
    fn fair(
        researchers: usize,
        companies: usize,
        candidates: usize,
        slots: u32,
        tables: u32,
        seed: u64,
    ) -> ScheduleInstance {
        let mut rng = SeededRng::new(seed);
        let participants: Vec<ParticipantAvailability> = (0..researchers + companies)
            .map(|index| {
                let length = rng.between(u64::from(slots.div_ceil(2)), u64::from(slots)) as u32;
                let start = rng.between(0, u64::from(slots - length)) as u32;
                ParticipantAvailability {
                    id: if index < researchers { format!("r-{index}") } else { format!("c-{}", index - researchers) },
                    max_meetings: rng.between(2, 10) as u32,
                    available: (start..start + length).collect(),
                }
            })
            .collect();
        let mut seen = std::collections::HashSet::new();
        let mut pairs = Vec::new();
        while pairs.len() < candidates.min(researchers * companies) {
            let researcher = rng.between(0, researchers as u64 - 1) as usize;
            let company = researchers + rng.between(0, companies as u64 - 1) as usize;
            if seen.insert((researcher, company)) {
                let weight = (rng.between(20, 200) as f64) / 2.0;
                pairs.push(CandidatePair {
                    a: participants[researcher].id.clone(),
                    b: participants[company].id.clone(),
                    weight,
                });
            }
        }
        ScheduleInstance { slots, tables, participants, candidates: pairs, locked: Vec::new(), previous: Vec::new() }
    }

    /// Replays an assignment into a fresh state, checking every rule on the way in.
    fn replay_checked(problem: &Problem, assignment: &Assignment) -> f64 {
        let mut state = State::new(problem);
        for (pair, &slot) in assignment.slot_of.iter().enumerate() {
            if slot != NONE {
                assert!(problem.pairs[pair].slots.contains(&slot), "pair {pair} is not free in slot {slot}");
                assert!(state.can_place(pair as u32, slot), "pair {pair} breaks a rule in slot {slot}");
                state.place(pair as u32, slot);
            }
        }
        state.weight()
    }

    #[test]
    fn the_researchers_and_companies_of_a_fair_are_two_sides() {
        let instance = fair(24, 36, 300, 8, 6, 3);
        let problem = Problem::build(&instance).unwrap();
        let side = sides(&problem).unwrap();
        for pair in &problem.pairs {
            assert_ne!(side[pair.a as usize], side[pair.b as usize]);
        }
    }

    #[test]
    fn polishing_keeps_every_rule_and_never_loses_weight() {
        for seed in 1..=6 {
            let problem = Problem::build(&fair(80, 120, 2_000, 12, 25, seed)).unwrap();
            let start = greedy(&problem).assignment();
            let polished = polish(&problem, &start, Instant::now() + std::time::Duration::from_secs(5));
            let weight = replay_checked(&problem, &polished);
            assert!((weight - polished.weight).abs() < 1e-6, "seed {seed}: reported weight");
            assert!(polished.weight + 1e-9 >= start.weight, "seed {seed}: {} < {}", polished.weight, start.weight);
        }
    }

    #[test]
    fn one_slot_re_solved_is_at_least_its_best_single_meeting_set() {
        // Two researchers, two companies, one slot with one table: the heaviest pair wins, even
        // if a lighter one was there first.
        let instance: crate::ScheduleInstance = serde_json::from_value(serde_json::json!({
            "slots": 1,
            "tables": 1,
            "participants": [
                {"id": "r1", "max_meetings": 1, "available": [0]},
                {"id": "r2", "max_meetings": 1, "available": [0]},
                {"id": "c1", "max_meetings": 1, "available": [0]},
                {"id": "c2", "max_meetings": 1, "available": [0]}
            ],
            "candidates": [
                {"a": "r1", "b": "c1", "weight": 10},
                {"a": "r2", "b": "c2", "weight": 30},
                {"a": "r1", "b": "c2", "weight": 20}
            ]
        }))
        .unwrap();
        let problem = Problem::build(&instance).unwrap();
        let side = sides(&problem).unwrap();
        let mut state = State::new(&problem);
        state.place(0, 0);
        assert!(state.reoptimize_slot(0, &side));
        assert_eq!(state.weight(), 30.0);
        assert!(!state.reoptimize_slot(0, &side), "nothing more to gain");
    }
}
