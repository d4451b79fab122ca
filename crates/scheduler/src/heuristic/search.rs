//! Building a schedule and improving it: the greedy start (plain, or guided by the bound's
//! prices), the local search of insertion moves, and ruin-and-recreate perturbations.

use std::time::Instant;

use super::{Assignment, State};
use crate::bound::Prices;
use crate::rng::SeededRng;
use crate::{NONE, Problem};

/// Heaviest first; among equals, the pair with fewer possible slots first.
fn by_priority(problem: &Problem) -> Vec<u32> {
    let mut order: Vec<u32> = (0..problem.pairs.len() as u32).collect();
    order.sort_by(|&left, &right| {
        let (l, r) = (&problem.pairs[left as usize], &problem.pairs[right as usize]);
        r.weight.total_cmp(&l.weight).then(l.slots.len().cmp(&r.slots.len())).then(left.cmp(&right))
    });
    order
}

/// Greedy start: first the previous schedule's meetings where they still fit, then every pair
/// in priority order into the slot where its sides have the fewest other unscheduled options.
pub(crate) fn greedy(problem: &Problem) -> State<'_> {
    let mut state = State::new(problem);
    let order = by_priority(problem);
    for &pair in &order {
        let slot = problem.previous_slot[pair as usize];
        if slot != NONE && state.can_place(pair, slot) {
            state.place(pair, slot);
        }
    }
    let slots = problem.slots;
    let mut demand = vec![0u32; problem.participants * slots];
    for (pair, data) in problem.pairs.iter().enumerate() {
        if state.slot_of[pair] == NONE {
            for &slot in &data.slots {
                demand[data.a as usize * slots + slot as usize] += 1;
                demand[data.b as usize * slots + slot as usize] += 1;
            }
        }
    }
    for &pair in &order {
        if state.slot_of[pair as usize] != NONE {
            continue;
        }
        let data = &problem.pairs[pair as usize];
        let choice = data.slots.iter().copied().filter(|&slot| state.can_place(pair, slot)).min_by_key(|&slot| {
            demand[data.a as usize * slots + slot as usize] + demand[data.b as usize * slots + slot as usize]
        });
        for &slot in &data.slots {
            demand[data.a as usize * slots + slot as usize] -= 1;
            demand[data.b as usize * slots + slot as usize] -= 1;
        }
        if let Some(slot) = choice {
            state.place(pair, slot);
        }
    }
    state.journal.clear();
    state
}

/// Greedy start, then improving insertions until none is left or the deadline passes.
pub(crate) fn solve(problem: &Problem, deadline: Instant) -> Assignment {
    local_search(greedy(problem), deadline, None)
}

/// A start read off the Lagrangian prices: pairs by their best reduced weight, each into the
/// free slot where its reduced weight is highest. Near the LP optimum the prices know which pair belongs where.
pub(crate) fn guided(problem: &Problem, prices: &Prices<'_>, deadline: Instant, seed: u64) -> Assignment {
    local_search(guided_start(problem, prices), deadline, Some(seed))
}

/// The guided start alone (no local search), cheap enough to try at many prices.
pub(crate) fn guided_start<'p>(problem: &'p Problem, prices: &Prices<'_>) -> State<'p> {
    let mut state = State::new(problem);
    let best_reduced: Vec<f64> = (0..problem.pairs.len() as u32)
        .map(|pair| {
            problem.pairs[pair as usize]
                .slots
                .iter()
                .map(|&slot| prices.reduced(pair, slot))
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect();
    let mut order: Vec<u32> = (0..problem.pairs.len() as u32).collect();
    order.sort_by(|&left, &right| {
        best_reduced[right as usize].total_cmp(&best_reduced[left as usize]).then(left.cmp(&right))
    });
    for &pair in &order {
        let slot = problem.previous_slot[pair as usize];
        if slot != NONE && state.can_place(pair, slot) {
            state.place(pair, slot);
        }
    }
    for &pair in &order {
        let choice = problem.pairs[pair as usize]
            .slots
            .iter()
            .copied()
            .filter(|&slot| state.can_place(pair, slot))
            .max_by(|&left, &right| prices.reduced(pair, left).total_cmp(&prices.reduced(pair, right)));
        if let Some(slot) = choice {
            state.place(pair, slot);
        }
    }
    state.journal.clear();
    state
}

/// Improving insertions to a local optimum; then, given a seed, ruin and recreate until the
/// deadline.
pub(crate) fn local_search(mut state: State<'_>, deadline: Instant, perturb: Option<u64>) -> Assignment {
    let problem = state.problem;
    let order = by_priority(problem);
    let mut rank = vec![0u32; order.len()];
    for (position, &pair) in order.iter().enumerate() {
        rank[pair as usize] = position as u32;
    }
    loop {
        state.journal.clear();
        let mut improved = false;
        for (position, &pair) in order.iter().enumerate() {
            if position % 64 == 0 && Instant::now() >= deadline {
                return state.assignment();
            }
            if state.slot_of[pair as usize] == NONE && state.improve_with(pair) {
                improved = true;
            }
        }
        if !improved {
            break;
        }
    }
    if let Some(seed) = perturb {
        ruin_and_recreate(&mut state, &rank, deadline, seed);
    }
    state.assignment()
}

/// Past the local optimum: take out a few meetings (all of one participant's, or some of one
/// slot's), re-insert what fits best around them, and keep the result unless it weighs less.
/// Sideways moves are kept too, which lets the search drift along plateaus.
fn ruin_and_recreate(state: &mut State<'_>, rank: &[u32], deadline: Instant, seed: u64) {
    let problem = state.problem;
    let scheduled_somewhere = state.slot_of.iter().any(|&slot| slot != NONE);
    if !scheduled_somewhere {
        return;
    }
    let mut rng = SeededRng::new(seed ^ problem.pairs.len() as u64);
    let mut touched: Vec<u32> = Vec::new();
    let mut candidates: Vec<u32> = Vec::new();
    let mut iteration = 0u64;
    loop {
        iteration += 1;
        if iteration.is_multiple_of(8) && Instant::now() >= deadline {
            return;
        }
        state.journal.clear();
        let before = state.score;
        let victim = loop {
            let pair = rng.between(0, problem.pairs.len() as u64 - 1) as u32;
            if state.slot_of[pair as usize] != NONE {
                break pair;
            }
        };
        touched.clear();
        if rng.unit() < 0.5 {
            let data = &problem.pairs[victim as usize];
            let participant = if rng.unit() < 0.5 { data.a } else { data.b };
            touched.push(participant);
            for &pair in &problem.pairs_of[participant as usize] {
                if state.slot_of[pair as usize] != NONE {
                    let other = &problem.pairs[pair as usize];
                    touched.push(if other.a == participant { other.b } else { other.a });
                    state.remove(pair);
                }
            }
        } else {
            let slot = state.slot_of[victim as usize];
            let count = rng.between(2, 6) as usize;
            for _ in 0..count {
                let meetings = &state.at_slot[slot as usize];
                if meetings.is_empty() {
                    break;
                }
                let pair = meetings[rng.between(0, meetings.len() as u64 - 1) as usize];
                let data = &problem.pairs[pair as usize];
                touched.extend([data.a, data.b]);
                state.remove(pair);
            }
        }
        candidates.clear();
        for &participant in &touched {
            candidates.extend(problem.pairs_of[participant as usize].iter().copied());
        }
        candidates.sort_unstable_by_key(|&pair| rank[pair as usize]);
        candidates.dedup();
        for &pair in &candidates {
            if state.slot_of[pair as usize] == NONE {
                state.improve_with(pair);
            }
        }
        if state.score + 1e-9 < before {
            state.rollback(0);
        } else {
            state.epoch += 1;
        }
    }
}
