//! `techmatch schedule`: the meeting scheduler on an instance file.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use techmatch_scheduler::{ScheduleInstance, SchedulerOptions, schedule, verify};

pub fn run(input: &Path, output: &Path, options: SchedulerOptions) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(input).with_context(|| format!("cannot read {}", input.display()))?;
    let instance: ScheduleInstance =
        serde_json::from_str(&text).with_context(|| format!("{} is not a scheduling instance", input.display()))?;
    let started = Instant::now();
    let schedule = schedule(&instance, &options).with_context(|| format!("cannot schedule {}", input.display()))?;
    let elapsed = started.elapsed();
    // The solver's own rules check, so a bug shows up here rather than at the fair.
    verify(&instance, &schedule).context("internal error: the schedule breaks a rule")?;
    std::fs::write(output, serde_json::to_string_pretty(&schedule)?)
        .with_context(|| format!("cannot write {}", output.display()))?;
    tracing::info!(elapsed_ms = elapsed.as_millis() as u64, output = %output.display(), "schedule written");
    println!("{}", schedule.summary_line());
    Ok(())
}
