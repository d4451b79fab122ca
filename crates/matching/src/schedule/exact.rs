//! Exact solving of small instances: the model handed to `microlp`'s branch and bound over the LP
//! relaxation, warm-started with the local-search schedule. Its answer is re-checked move by move
//! against the rules before it is used, so a numerical slip in the solver cannot produce an
//! invalid schedule.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

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

fn run(problem: &Problem, start: &Assignment, time_limit: std::time::Duration) -> Option<ExactOutcome> {
    let slots = problem.slots;
    let mut model = microlp::Problem::new(OptimizationDirection::Maximize);
    let mut variables: Vec<Vec<(u32, Variable)>> = Vec::with_capacity(problem.pairs.len());
    let mut by_cell: Vec<Vec<Variable>> = vec![Vec::new(); problem.participants * slots];
    let mut by_participant: Vec<Vec<Variable>> = vec![Vec::new(); problem.participants];
    let mut by_slot: Vec<Vec<Variable>> = vec![Vec::new(); slots];
    let mut warm_start = Vec::new();
    for (index, pair) in problem.pairs.iter().enumerate() {
        let mut own = Vec::with_capacity(pair.slots.len());
        for &slot in &pair.slots {
            let variable = model.add_binary_var(pair.weight + problem.stability_bonus(index as u32, slot));
            own.push((slot, variable));
            for side in [pair.a, pair.b] {
                by_cell[side as usize * slots + slot as usize].push(variable);
                by_participant[side as usize].push(variable);
            }
            by_slot[slot as usize].push(variable);
            warm_start.push((variable, if start.slot_of[index] == slot { 1.0 } else { 0.0 }));
        }
        if own.len() > 1 {
            let once: LinearExpr = own.iter().map(|&(_, variable)| (variable, 1.0)).collect();
            model.add_constraint(once, ComparisonOp::Le, 1.0);
        }
        variables.push(own);
    }
    let mut constrain = |members: &[Variable], limit: u32| {
        if members.len() as u64 > u64::from(limit) {
            let sum: LinearExpr = members.iter().map(|&variable| (variable, 1.0)).collect();
            model.add_constraint(sum, ComparisonOp::Le, f64::from(limit));
        }
    };
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
    let assignment = state.assignment();
    // The solver maximised weight plus stability bonuses. With a common weight unit all bonuses
    // together are below one unit, so its optimum is also a weight optimum; without one, the
    // bonuses are added to the bound to keep it valid. A bound on the score bounds the weight.
    let bonuses: f64 = problem.previous_slot.iter().filter(|&&slot| slot != NONE).count() as f64 * problem.bonus;
    let bound = match solution.status() {
        SolutionStatus::Optimal if problem.unit.is_some() => assignment.weight,
        SolutionStatus::Optimal => assignment.weight + bonuses,
        SolutionStatus::Feasible => stats.best_bound.filter(|bound| bound.is_finite())?,
    };
    debug_assert!(assignment.slot_of.iter().all(|&slot| slot == NONE || (slot as usize) < slots));
    Some(ExactOutcome { slot_of: assignment.slot_of, weight: assignment.weight, bound })
}
