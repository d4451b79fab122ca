//! The schedule itself: a greedy start (heaviest pairs first, each into the slot its two sides
//! need least for their other pairs), then local search. A move inserts one unscheduled pair
//! into a slot, relocating the meetings in its way to other slots when they fit there and
//! dropping them otherwise (likewise the lightest meeting of a side at its maximum, or of a full
//! slot); the move is kept only if the total weight rises, so the search always ends.

use std::time::Instant;

use super::bound::Prices;
use super::rng::SeededRng;
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

    use super::*;
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
