#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The scheduler on generated fair-shaped instances: every rule holds at several sizes, a
//! reschedule moves little, and `verify` catches broken schedules.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use techmatch_lab::generate::fairs::{InstanceSpec, generate};
use techmatch_scheduler::{ScheduledMeeting, SchedulerOptions, schedule, verify};

fn options() -> SchedulerOptions {
    SchedulerOptions {
        time_limit: Duration::from_millis(250),
        proof_time_limit: Duration::from_secs(2),
        ..SchedulerOptions::default()
    }
}

#[test]
fn fair_shaped_instances_of_several_sizes_are_valid() {
    for (participants, candidates, slots, tables) in [(30, 80, 6, 4), (120, 900, 12, 20), (400, 3000, 16, 60)] {
        let instance = generate(InstanceSpec { participants, candidates, slots, tables, seed: 3 });
        let result = schedule(&instance, &options()).unwrap();
        verify(&instance, &result).unwrap();
        assert!(!result.meetings.is_empty());
        assert!(result.upper_bound >= result.total_weight);
    }
}

#[test]
fn a_reschedule_after_a_change_keeps_most_meetings_in_place() {
    let mut instance = generate(InstanceSpec { participants: 120, candidates: 900, slots: 12, tables: 20, seed: 5 });
    let before = schedule(&instance, &options()).unwrap();
    // One busy participant can no longer come to the first slot it had a meeting in.
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for meeting in &before.meetings {
        *counts.entry(meeting.a.as_str()).or_default() += 1;
    }
    let (&busiest, _) = counts.iter().max_by_key(|(id, count)| (**count, std::cmp::Reverse(**id))).unwrap();
    let busiest = busiest.to_owned();
    let lost_slot = before.meetings.iter().find(|meeting| meeting.a == busiest).unwrap().slot;
    let participant = instance.participants.iter_mut().find(|participant| participant.id == busiest).unwrap();
    participant.available.retain(|&slot| slot != lost_slot);
    instance.previous = before.meetings.clone();

    let after = schedule(&instance, &options()).unwrap();
    verify(&instance, &after).unwrap();
    let old: HashSet<(String, String, u32, u32)> =
        before.meetings.iter().map(|m| (m.a.clone(), m.b.clone(), m.slot, m.table)).collect();
    let kept = after.meetings.iter().filter(|m| old.contains(&(m.a.clone(), m.b.clone(), m.slot, m.table))).count();
    assert!(
        kept * 10 >= before.meetings.len() * 9,
        "only {kept} of {} meetings kept their slot and table",
        before.meetings.len()
    );
    // Without the previous schedule as a hint the solver is free to reshuffle; the hint is
    // what keeps the agenda people already received.
    assert!(after.total_weight >= before.total_weight * 0.97);
}

#[test]
fn verify_rejects_broken_schedules() {
    let instance = generate(InstanceSpec { participants: 20, candidates: 60, slots: 4, tables: 3, seed: 1 });
    let good = schedule(&instance, &options()).unwrap();
    verify(&instance, &good).unwrap();
    let first = good.meetings[0].clone();
    let mut twice = good.clone();
    twice.meetings.push(ScheduledMeeting { table: instance.tables - 1, ..first.clone() });
    assert!(verify(&instance, &twice).is_err());
    let mut wrong_total = good.clone();
    wrong_total.total_weight += 1.0;
    assert!(verify(&instance, &wrong_total).is_err());
    let mut bad_table = good.clone();
    bad_table.meetings[0].table = instance.tables;
    assert!(verify(&instance, &bad_table).is_err());
}
