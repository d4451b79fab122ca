//! The schedule itself: a greedy start (heaviest pairs first, each into the slot its two sides
//! need least for their other pairs), then local search. A move inserts one unscheduled pair
//! into a slot, relocating the meetings in its way to other slots when they fit there and
//! dropping them otherwise (likewise the lightest meeting of a side at its maximum, or of a full
//! slot); the move is kept only if the total weight rises, so the search always ends.
//!
//! This module holds the state every move works on and the moves themselves; `search` builds
//! and improves schedules with them, `polish` re-solves single slots exactly at the end.

mod polish;
mod search;

pub(crate) use polish::polish;
pub(crate) use search::{guided, guided_start, solve};

use super::{NONE, Problem};

/// Meetings a table-freeing chain search may look at before it gives up.
const CHAIN_SEARCH_LIMIT: usize = 600;

/// Which slot each free pair got (`NONE`: not scheduled), and the total weight of those pairs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Assignment {
    pub slot_of: Vec<u32>,
    pub weight: f64,
}

pub(crate) struct State<'p> {
    problem: &'p Problem,
    /// participant * slots + slot → the pair meeting then, or `NONE`.
    busy: Vec<u32>,
    count: Vec<u32>,
    used: Vec<u32>,
    at_slot: Vec<Vec<u32>>,
    slot_of: Vec<u32>,
    weight: f64,
    /// The weight plus the stability bonus of pairs kept at their previous slot: what the
    /// search maximises, so that among equal schedules the one that moves less wins.
    score: f64,
    /// Undo log: (pair, slot it had before the change, `NONE` if it was unscheduled).
    journal: Vec<(u32, u32)>,
    /// Counts kept changes; a failed table-freeing chain search is not repeated in the same
    /// epoch (trial moves in between may differ a little, which only costs a missed chance).
    epoch: u64,
    chain_failed_in: Vec<u64>,
}

impl<'p> State<'p> {
    pub(crate) fn new(problem: &'p Problem) -> Self {
        Self {
            problem,
            busy: vec![NONE; problem.participants * problem.slots],
            count: vec![0; problem.participants],
            used: vec![0; problem.slots],
            at_slot: vec![Vec::new(); problem.slots],
            slot_of: vec![NONE; problem.pairs.len()],
            weight: 0.0,
            score: 0.0,
            journal: Vec::new(),
            epoch: 1,
            chain_failed_in: vec![0; problem.slots],
        }
    }

    /// The state of a known (valid) assignment.
    pub(crate) fn from_assignment(problem: &'p Problem, assignment: &Assignment) -> Self {
        let mut state = State::new(problem);
        for (pair, &slot) in assignment.slot_of.iter().enumerate() {
            if slot != NONE {
                state.raw_place(pair as u32, slot);
            }
        }
        state
    }

    pub(crate) fn weight(&self) -> f64 {
        self.weight
    }

    pub(crate) fn assignment(&self) -> Assignment {
        Assignment { slot_of: self.slot_of.clone(), weight: self.weight }
    }

    fn cell(&self, participant: u32, slot: u32) -> usize {
        participant as usize * self.problem.slots + slot as usize
    }

    pub(crate) fn can_place(&self, pair: u32, slot: u32) -> bool {
        let data = &self.problem.pairs[pair as usize];
        self.slot_of[pair as usize] == NONE
            && self.busy[self.cell(data.a, slot)] == NONE
            && self.busy[self.cell(data.b, slot)] == NONE
            && self.used[slot as usize] < self.problem.tables[slot as usize]
            && self.count[data.a as usize] < self.problem.capacity[data.a as usize]
            && self.count[data.b as usize] < self.problem.capacity[data.b as usize]
    }

    fn raw_place(&mut self, pair: u32, slot: u32) {
        let data = &self.problem.pairs[pair as usize];
        let (a, b, weight) = (data.a, data.b, data.weight);
        let cell_a = self.cell(a, slot);
        let cell_b = self.cell(b, slot);
        self.busy[cell_a] = pair;
        self.busy[cell_b] = pair;
        self.count[a as usize] += 1;
        self.count[b as usize] += 1;
        self.used[slot as usize] += 1;
        self.at_slot[slot as usize].push(pair);
        self.slot_of[pair as usize] = slot;
        self.weight += weight;
        self.score += weight + self.problem.stability_bonus(pair, slot);
    }

    fn raw_remove(&mut self, pair: u32) -> u32 {
        let slot = self.slot_of[pair as usize];
        let data = &self.problem.pairs[pair as usize];
        let (a, b, weight) = (data.a, data.b, data.weight);
        let cell_a = self.cell(a, slot);
        let cell_b = self.cell(b, slot);
        self.busy[cell_a] = NONE;
        self.busy[cell_b] = NONE;
        self.count[a as usize] -= 1;
        self.count[b as usize] -= 1;
        self.used[slot as usize] -= 1;
        let list = &mut self.at_slot[slot as usize];
        if let Some(position) = list.iter().position(|&other| other == pair) {
            list.swap_remove(position);
        }
        self.slot_of[pair as usize] = NONE;
        self.weight -= weight;
        self.score -= weight + self.problem.stability_bonus(pair, slot);
        slot
    }

    pub(crate) fn place(&mut self, pair: u32, slot: u32) {
        self.raw_place(pair, slot);
        self.journal.push((pair, NONE));
    }

    fn remove(&mut self, pair: u32) {
        let slot = self.raw_remove(pair);
        self.journal.push((pair, slot));
    }

    fn rollback(&mut self, mark: usize) {
        while self.journal.len() > mark {
            let Some((pair, before)) = self.journal.pop() else { break };
            if before == NONE {
                self.raw_remove(pair);
            } else {
                self.raw_place(pair, before);
            }
        }
    }

    /// Puts an unscheduled pair into another of its slots: where it fits as things stand, or
    /// else where one side's meeting in the way can itself move on (a chain of two moves).
    fn relocate(&mut self, pair: u32, avoid: u32) -> bool {
        let problem = self.problem;
        let data = &problem.pairs[pair as usize];
        for &slot in &data.slots {
            if slot != avoid && self.can_place(pair, slot) {
                self.place(pair, slot);
                return true;
            }
        }
        for &slot in &data.slots {
            if slot == avoid || self.used[slot as usize] >= problem.tables[slot as usize] {
                continue;
            }
            let in_way_a = self.busy[self.cell(data.a, slot)];
            let in_way_b = self.busy[self.cell(data.b, slot)];
            let in_way = match (in_way_a, in_way_b) {
                (NONE, NONE) => continue,
                (other, NONE) | (NONE, other) => other,
                _ => continue,
            };
            let mark = self.journal.len();
            self.remove(in_way);
            let moved = problem.pairs[in_way as usize]
                .slots
                .iter()
                .copied()
                .find(|&other| other != slot && other != avoid && self.can_place(in_way, other));
            if let Some(other) = moved {
                self.place(in_way, other);
                if self.can_place(pair, slot) {
                    self.place(pair, slot);
                    return true;
                }
            }
            self.rollback(mark);
        }
        false
    }

    /// The lightest scheduled pair among `pairs`, if lighter than `below`.
    fn lightest(&self, pairs: &[u32], below: f64) -> Option<u32> {
        pairs
            .iter()
            .copied()
            .filter(|&pair| self.slot_of[pair as usize] != NONE)
            .map(|pair| (pair, self.problem.pairs[pair as usize].weight))
            .filter(|&(_, weight)| weight < below)
            .min_by(|left, right| left.1.total_cmp(&right.1))
            .map(|(pair, _)| pair)
    }

    /// Makes room for `pair` at `slot` and places it; false (with partial changes the caller
    /// rolls back) when that is impossible without dropping something at least as heavy.
    fn insert_at(&mut self, pair: u32, slot: u32) -> bool {
        let problem = self.problem;
        let data = &problem.pairs[pair as usize];
        for side in [data.a, data.b] {
            let blocking = self.busy[self.cell(side, slot)];
            if blocking != NONE {
                self.remove(blocking);
                self.relocate(blocking, slot);
            }
        }
        for side in [data.a, data.b] {
            if self.count[side as usize] >= problem.capacity[side as usize] {
                match self.lightest(&problem.pairs_of[side as usize], data.weight) {
                    Some(lightest) => self.remove(lightest),
                    None => return false,
                }
            }
        }
        if self.used[slot as usize] >= problem.tables[slot as usize] && !self.free_a_table(slot) {
            let at_slot = self.at_slot[slot as usize].clone();
            match self.lightest(&at_slot, data.weight) {
                Some(lightest) => self.remove(lightest),
                None => return false,
            }
        }
        if self.can_place(pair, slot) {
            self.place(pair, slot);
            true
        } else {
            false
        }
    }

    /// Frees a table in a full slot by moving one of its meetings along a chain: the meeting
    /// moves to a slot where one of its sides is busy, that meeting moves on, and so on until
    /// one lands in a slot with a free table. Breadth-first over meetings, so the shortest
    /// chain is used; each meeting is visited once.
    fn free_a_table(&mut self, slot: u32) -> bool {
        let problem = self.problem;
        let spare = (0..problem.slots).any(|other| other != slot as usize && self.used[other] < problem.tables[other]);
        if !spare || self.chain_failed_in[slot as usize] == self.epoch {
            return false;
        }
        // Visited meetings with the (meeting, slot) move that displaces them.
        let mut parent: Vec<(u32, u32, u32)> = Vec::new();
        let mut visited: std::collections::HashSet<u32> = std::collections::HashSet::new();
        let mut queue: std::collections::VecDeque<(u32, u32)> = std::collections::VecDeque::new();
        for &meeting in &self.at_slot[slot as usize] {
            visited.insert(meeting);
            queue.push_back((meeting, NONE));
        }
        let mut found: Option<(u32, u32, u32)> = None;
        'search: while let Some((meeting, link)) = queue.pop_front() {
            if visited.len() > CHAIN_SEARCH_LIMIT {
                break;
            }
            let data = &problem.pairs[meeting as usize];
            let current = self.slot_of[meeting as usize];
            for &target in &data.slots {
                if target == current || target == slot {
                    continue;
                }
                let in_way_a = self.busy[self.cell(data.a, target)];
                let in_way_b = self.busy[self.cell(data.b, target)];
                match (in_way_a, in_way_b) {
                    (NONE, NONE) if self.used[target as usize] < problem.tables[target as usize] => {
                        found = Some((meeting, target, link));
                        break 'search;
                    }
                    (next, NONE) | (NONE, next) if next != NONE && visited.insert(next) => {
                        parent.push((meeting, target, link));
                        queue.push_back((next, parent.len() as u32 - 1));
                    }
                    _ => {}
                }
            }
        }
        let Some(last) = found else {
            self.chain_failed_in[slot as usize] = self.epoch;
            return false;
        };
        // The chain from the landing move back to the meeting that leaves `slot`.
        let mut moves = vec![(last.0, last.1)];
        let mut link = last.2;
        while link != NONE {
            let (meeting, target, previous) = parent[link as usize];
            moves.push((meeting, target));
            link = previous;
        }
        let mark = self.journal.len();
        for (meeting, target) in moves {
            self.remove(meeting);
            if !self.can_place(meeting, target) {
                self.rollback(mark);
                return false;
            }
            self.place(meeting, target);
        }
        true
    }

    /// Tries every slot of an unscheduled pair and keeps the best strictly improving insertion.
    fn improve_with(&mut self, pair: u32) -> bool {
        let before = self.score;
        let mark = self.journal.len();
        let mut best: Option<(u32, f64)> = None;
        let problem = self.problem;
        for &slot in &problem.pairs[pair as usize].slots {
            if self.insert_at(pair, slot) {
                let gain = self.score - before;
                if gain > 1e-9 && best.is_none_or(|(_, best_gain)| gain > best_gain) {
                    best = Some((slot, gain));
                }
            }
            self.rollback(mark);
        }
        match best {
            Some((slot, _)) => {
                // The same moves from the same state give the same result.
                self.insert_at(pair, slot);
                self.epoch += 1;
                true
            }
            None => false,
        }
    }
}
