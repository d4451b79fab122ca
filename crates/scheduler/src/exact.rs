//! Exact solving of small instances: the model handed to `microlp`'s branch and bound over the LP
//! relaxation, warm-started with the local-search schedule. Its answer is re-checked move by move
//! against the rules before it is used, so a numerical slip in the solver cannot produce an
//! invalid schedule.
//!
//! Before the branch and bound, reduced-cost fixing: the LP dual is solved (its values are the
//! prices of every constraint), and for any non-negative prices `y` with dual objective `V`,
//! every schedule `x` satisfies `score(x) ≤ V + Σ x·rc`, where `rc ≤ 0` is each variable's
//! reduced score at those prices. A schedule that is to beat the incumbent by at least one weight
//! unit therefore cannot use a variable whose `rc` is below `incumbent + unit − V`: those are
//! dropped from the model. The search runs twice: first over the LP's optimal face (the
//! variables a schedule as good as the LP bound, rounded down to a unit, could use), which is
//! small and usually holds the optimum — then the optimum is proven at once, even where the LP
//! bound is a unit above it with many fractional optima; then, if needed, over what the best
//! schedule found so far leaves.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use microlp::{ComparisonOp, LinearExpr, OptimizationDirection, SolutionStatus, SolveOptions, Variable};

use super::heuristic::{Assignment, State};
use super::{NONE, Problem};

#[derive(Debug, Clone)]
pub(crate) struct ExactOutcome {
    pub slot_of: Vec<u32>,
    pub weight: f64,
    /// Proven bound on the free pairs' weight: the optimum when the search finished.
    pub bound: f64,
}

pub(crate) fn solve(problem: &Problem, start: &Assignment, deadline: Instant) -> Option<ExactOutcome> {
    let remaining = deadline.checked_duration_since(Instant::now())?;
    // The solver is third-party code working in floating point; a panic inside it must cost
    // only the exact answer, never the schedule.
    catch_unwind(AssertUnwindSafe(|| run(problem, start, remaining))).ok().flatten()
}

/// The score the solver maximises for a pair in a slot: its weight plus the stability bonus.
fn score(problem: &Problem, pair: u32, slot: u32) -> f64 {
    problem.pairs[pair as usize].weight + problem.stability_bonus(pair, slot)
}

/// Optimal LP dual prices, as what they imply for each variable.
struct Duals {
    /// The dual objective plus every positive reduced score (rounding can leave some slightly
    /// positive): no schedule scores more.
    ceiling: f64,
    /// Reduced score per pair, in the order of its slots.
    reduced: Vec<Vec<f64>>,
    /// Tolerance for floating-point sums, always in favour of keeping a variable.
    slack: f64,
}

impl Duals {
    /// Whether a schedule weighing at least `target` may use the pair's `position`-th slot.
    fn admits(&self, pair: usize, position: usize, target: f64) -> bool {
        self.ceiling + self.reduced[pair][position] >= target - self.slack
    }
}

/// Solves the LP dual: a price per participant-slot cell, participant maximum, slot's tables and
/// pair, covering every variable's score.
fn lp_duals(problem: &Problem, time_limit: Duration) -> Option<Duals> {
    let slots = problem.slots;
    let mut dual = microlp::Problem::new(OptimizationDirection::Minimize);
    let mut cell_price: Vec<Option<Variable>> = vec![None; problem.participants * slots];
    for pair in &problem.pairs {
        for &slot in &pair.slots {
            for side in [pair.a, pair.b] {
                let cell = &mut cell_price[side as usize * slots + slot as usize];
                if cell.is_none() {
                    *cell = Some(dual.add_var(1.0, (0.0, f64::INFINITY)));
                }
            }
        }
    }
    let participant_price: Vec<Variable> = (0..problem.participants)
        .map(|participant| dual.add_var(f64::from(problem.capacity[participant]), (0.0, f64::INFINITY)))
        .collect();
    let table_price: Vec<Variable> =
        (0..slots).map(|slot| dual.add_var(f64::from(problem.tables[slot]), (0.0, f64::INFINITY))).collect();
    let pair_price: Vec<Variable> = problem.pairs.iter().map(|_| dual.add_var(1.0, (0.0, f64::INFINITY))).collect();
    let prices_of = |index: usize, slot: u32| {
        let pair = &problem.pairs[index];
        let cell = |side: u32| cell_price[side as usize * slots + slot as usize];
        [
            cell(pair.a),
            cell(pair.b),
            Some(participant_price[pair.a as usize]),
            Some(participant_price[pair.b as usize]),
            Some(table_price[slot as usize]),
            Some(pair_price[index]),
        ]
    };
    for (index, pair) in problem.pairs.iter().enumerate() {
        for &slot in &pair.slots {
            let covering: LinearExpr = prices_of(index, slot).into_iter().flatten().map(|price| (price, 1.0)).collect();
            dual.add_constraint(covering, ComparisonOp::Ge, score(problem, index as u32, slot));
        }
    }
    let mut options = SolveOptions::default();
    options.time_limit = Some(time_limit);
    let outcome = dual.solve_with(options).ok()?;
    let solution = outcome.solution()?;
    // Any non-negative prices make the argument valid, so the solver's values are only clamped,
    // and the dual objective and the reduced scores are recomputed from them.
    let value = |price: Variable| solution.var_value(price).max(0.0);
    let mut objective: f64 = cell_price.iter().flatten().map(|&price| value(price)).sum();
    objective += participant_price
        .iter()
        .zip(&problem.capacity)
        .map(|(&price, &cap)| value(price) * f64::from(cap))
        .sum::<f64>();
    objective +=
        table_price.iter().zip(&problem.tables).map(|(&price, &cap)| value(price) * f64::from(cap)).sum::<f64>();
    objective += pair_price.iter().map(|&price| value(price)).sum::<f64>();
    let reduced: Vec<Vec<f64>> = (0..problem.pairs.len())
        .map(|index| {
            problem.pairs[index]
                .slots
                .iter()
                .map(|&slot| {
                    let paid: f64 = prices_of(index, slot).into_iter().flatten().map(value).sum();
                    score(problem, index as u32, slot) - paid
                })
                .collect()
        })
        .collect();
    let gain: f64 = reduced.iter().flatten().map(|&rc| rc.max(0.0)).sum();
    let ceiling = objective + gain;
    ceiling.is_finite().then(|| Duals { ceiling, reduced, slack: 1e-6 * ceiling.abs().max(1.0) })
}

/// The best schedule among those using only admitted variables, and a bound on their weight.
struct Restricted {
    best: Assignment,
    bound: f64,
}

/// Searches the schedules that use only the variables the duals admit for `target` (all of them
/// without duals): the best found and a bound on the weight of any such schedule.
fn solve_restricted(
    problem: &Problem,
    duals: Option<&Duals>,
    target: f64,
    hint: &Assignment,
    time_limit: Duration,
) -> Option<Restricted> {
    let admitted = |pair: usize, position: usize| duals.is_none_or(|duals| duals.admits(pair, position, target));
    let slots = problem.slots;
    let mut model = microlp::Problem::new(OptimizationDirection::Maximize);
    let mut variables: Vec<Vec<(u32, Variable)>> = Vec::with_capacity(problem.pairs.len());
    let mut by_cell: Vec<Vec<Variable>> = vec![Vec::new(); problem.participants * slots];
    let mut by_participant: Vec<Vec<Variable>> = vec![Vec::new(); problem.participants];
    let mut by_slot: Vec<Vec<Variable>> = vec![Vec::new(); slots];
    let mut warm_start = Vec::new();
    for (index, pair) in problem.pairs.iter().enumerate() {
        let mut own = Vec::with_capacity(pair.slots.len());
        for (position, &slot) in pair.slots.iter().enumerate() {
            if !admitted(index, position) {
                continue;
            }
            let variable = model.add_binary_var(score(problem, index as u32, slot));
            own.push((slot, variable));
            for side in [pair.a, pair.b] {
                by_cell[side as usize * slots + slot as usize].push(variable);
                by_participant[side as usize].push(variable);
            }
            by_slot[slot as usize].push(variable);
            warm_start.push((variable, if hint.slot_of[index] == slot { 1.0 } else { 0.0 }));
        }
        variables.push(own);
    }
    if warm_start.is_empty() {
        return Some(Restricted { best: State::new(problem).assignment(), bound: 0.0 });
    }
    let mut constrain = |members: &[Variable], limit: u32| {
        if members.len() as u64 > u64::from(limit) {
            let sum: LinearExpr = members.iter().map(|&variable| (variable, 1.0)).collect();
            model.add_constraint(sum, ComparisonOp::Le, f64::from(limit));
        }
    };
    for own in &variables {
        let members: Vec<Variable> = own.iter().map(|&(_, variable)| variable).collect();
        constrain(&members, 1);
    }
    for members in &by_cell {
        constrain(members, 1);
    }
    for (participant, members) in by_participant.iter().enumerate() {
        constrain(members, problem.capacity[participant]);
    }
    for (slot, members) in by_slot.iter().enumerate() {
        constrain(members, problem.tables[slot]);
    }

    let mut options = SolveOptions::default();
    options.time_limit = Some(time_limit);
    options.warm_start = Some(warm_start);
    let outcome = model.solve_with(options).ok()?;
    let stats = outcome.stats();
    let solution = outcome.solution()?;

    // Replay the solver's choice through the same bookkeeping the heuristic uses.
    let mut state = State::new(problem);
    for (index, own) in variables.iter().enumerate() {
        for &(slot, variable) in own {
            if solution.var_value(variable) > 0.5 {
                if !state.can_place(index as u32, slot) {
                    return None;
                }
                state.place(index as u32, slot);
            }
        }
    }
    let best = state.assignment();
    debug_assert!(best.slot_of.iter().all(|&slot| slot == NONE || (slot as usize) < slots));
    // The solver maximised weight plus stability bonuses. With a common weight unit all bonuses
    // together are below one unit, so its optimum is also a weight optimum; without one, the
    // bonuses are added to the bound to keep it valid. A bound on the score bounds the weight.
    let bonuses: f64 = problem.previous_slot.iter().filter(|&&slot| slot != NONE).count() as f64 * problem.bonus;
    let bound = match solution.status() {
        SolutionStatus::Optimal if problem.unit.is_some() => best.weight,
        SolutionStatus::Optimal => best.weight + bonuses,
        SolutionStatus::Feasible => stats.best_bound.filter(|bound| bound.is_finite())?,
    };
    Some(Restricted { best, bound })
}

fn run(problem: &Problem, start: &Assignment, time_limit: Duration) -> Option<ExactOutcome> {
    let deadline = Instant::now() + time_limit;
    let remaining = || deadline.checked_duration_since(Instant::now());
    let mut best = start.clone();
    let keep_better = |best: &mut Assignment, found: Assignment| {
        if found.weight > best.weight {
            *best = found;
        }
    };
    // No schedule weighs more than `bound` or than the best found.
    let finish = |best: Assignment, bound: f64| {
        let bound = bound.max(best.weight);
        Some(ExactOutcome { slot_of: best.slot_of, weight: best.weight, bound })
    };
    let Some(duals) = lp_duals(problem, time_limit) else {
        let restricted = solve_restricted(problem, None, best.weight, &best, remaining()?)?;
        keep_better(&mut best, restricted.best);
        return finish(best, restricted.bound);
    };

    if let Some(unit) = problem.unit {
        // Schedules weighing `top` or more (the LP bound rounded down to a unit) can use only the
        // LP's optimal face; the others weigh at most `top − unit`.
        let top = (duals.ceiling / unit + 1e-9).floor() * unit;
        if top <= best.weight {
            return finish(best, top);
        }
        let share = remaining()? / 2;
        if let Some(face) = solve_restricted(problem, Some(&duals), top, &best, share) {
            keep_better(&mut best, face.best);
            let bound = face.bound.max(top - unit);
            if bound <= best.weight + duals.slack {
                return finish(best, bound);
            }
        }
    }

    // Only a schedule at least one unit better than the best so far is worth finding (without a
    // unit, any better one): the schedules using a variable left out weigh less than `target`.
    let target = best.weight + problem.unit.unwrap_or(0.0);
    let restricted = solve_restricted(problem, Some(&duals), target, &best, remaining()?)?;
    let outside = match problem.unit {
        Some(unit) => target - unit,
        None => target,
    };
    keep_better(&mut best, restricted.best);
    finish(best, restricted.bound.max(outside))
}
