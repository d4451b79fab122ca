//! `techmatch bench schedule`: the scheduler on generated fair-like instances of four sizes,
//! and optionally the exact optimum from an external solver beside each.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use techmatch_scheduler::{SchedulerOptions, schedule, verify};

use crate::figures::{ScratchDirectory, warn_if_unoptimised};
use crate::generate::fairs::{InstanceSpec, generate};

/// Sizes: a small fair, the largest size promised proven optima, a mid-size one and the target.
const SIZES: [(usize, usize, u32, u32); 4] =
    [(40, 150, 8, 6), (60, 300, 12, 10), (200, 2000, 16, 30), (1000, 12000, 16, 150)];

/// `techmatch bench schedule`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScheduleBenchmark {
    /// Instances per size.
    #[arg(long, default_value_t = 3)]
    pub seeds: u64,
    /// Path of tests/scheduler/exact_optimum.py (needs python3 with highspy).
    #[arg(long)]
    pub highs: Option<PathBuf>,
    /// Time limit for the external solver per instance, in seconds.
    #[arg(long, default_value_t = 300)]
    pub highs_time_limit: u64,
    /// Only sizes with at most this many participants.
    #[arg(long, default_value_t = 1000)]
    pub max_participants: usize,
}

impl ScheduleBenchmark {
    /// Runs the benchmark and prints a line per instance.
    pub fn run(&self) -> anyhow::Result<()> {
        bench(self.seeds, self.highs.as_deref(), self.highs_time_limit, self.max_participants)
    }
}

fn bench(seeds: u64, highs: Option<&Path>, highs_time_limit: u64, max_participants: usize) -> anyhow::Result<()> {
    warn_if_unoptimised("bench schedule");
    let scratch = ScratchDirectory::new("schedule")?;
    let directory = scratch.path();
    println!(
        "{:>5} {:>6} {:>5} {:>6} {:>4} | {:>8} {:>12} {:>12} {:>7} {:>8} | {:>12} {:>9}",
        "parts", "pairs", "slots", "tables", "seed", "meetings", "weight", "bound", "gap", "time", "optimum", "vs opt"
    );
    for (participants, candidates, slots, tables) in SIZES {
        if participants > max_participants {
            continue;
        }
        for seed in 1..=seeds {
            let instance = generate(InstanceSpec { participants, candidates, slots, tables, seed });
            let started = Instant::now();
            let schedule = schedule(&instance, &SchedulerOptions::default())?;
            let elapsed = started.elapsed();
            verify(&instance, &schedule).context("internal error: the schedule breaks a rule")?;
            let (optimum, versus) = match highs {
                Some(script) => {
                    eprintln!("running the external solver on {participants} participants, seed {seed}...");
                    let path = directory.join(format!("instance-{participants}-{seed}.json"));
                    std::fs::write(&path, serde_json::to_string(&instance)?)?;
                    match external_optimum(script, &path, highs_time_limit) {
                        Ok((value, proven)) => (
                            format!("{value:.2}{}", if proven { "" } else { "?" }),
                            format!("{:.3}%", (value - schedule.total_weight) / value.max(1e-9) * 100.0),
                        ),
                        Err(error) => (format!("({error})"), String::new()),
                    }
                }
                None => ("-".to_owned(), String::new()),
            };
            println!(
                "{:>5} {:>6} {:>5} {:>6} {:>4} | {:>8} {:>12.2} {:>12.2} {:>6.3}% {:>6.0}ms | {:>12} {:>9}",
                participants,
                instance.candidates.len(),
                slots,
                tables,
                seed,
                schedule.meetings.len(),
                schedule.total_weight,
                schedule.upper_bound,
                schedule.gap_percent(),
                elapsed.as_secs_f64() * 1000.0,
                optimum,
                versus
            );
        }
    }
    Ok(())
}

/// The external solver's best weight and whether it proved it optimal.
fn external_optimum(script: &Path, instance: &Path, time_limit: u64) -> anyhow::Result<(f64, bool)> {
    let output = Command::new("python3")
        .arg(script)
        .arg(instance)
        .arg("--time-limit")
        .arg(time_limit.to_string())
        .output()
        .context("cannot run python3")?;
    anyhow::ensure!(output.status.success(), "solver failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    let report: serde_json::Value = serde_json::from_str(last).context("unreadable solver output")?;
    let optimum = report["optimum"].as_f64().context("solver output lacks an optimum")?;
    Ok((optimum, report["status"] == "optimal"))
}
