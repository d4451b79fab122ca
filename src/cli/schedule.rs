//! `techmatch schedule`: the meeting scheduler on an instance file.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use techmatch_scheduler::{ScheduleInstance, SchedulerOptions, schedule, verify};

#[derive(Debug, clap::Args)]
pub struct ScheduleArgs {
    #[arg(long)]
    input: PathBuf,
    #[arg(long)]
    output: PathBuf,
    /// Wall-clock budget for the solve.
    #[arg(long, default_value_t = 1800)]
    time_limit_ms: u64,
    /// How long the exact solver may run in all on a small instance (at most 6,000 pair-slot
    /// variables) when proving its optimum takes longer than the budget above.
    #[arg(long, default_value_t = 20000)]
    proof_time_limit_ms: u64,
}

pub fn run(args: &ScheduleArgs) -> anyhow::Result<()> {
    let (input, output) = (&args.input, &args.output);
    let options = SchedulerOptions {
        time_limit: Duration::from_millis(args.time_limit_ms),
        proof_time_limit: Duration::from_millis(args.proof_time_limit_ms),
        ..SchedulerOptions::default()
    };
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
