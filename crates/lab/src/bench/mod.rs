//! `techmatch bench …`: speed, always printed beside a reference measured in the same run
//! (bare tantivy, a plain route's ceiling, an external solver's optimum). Run them on a
//! release build.

mod child;
mod flood;
mod funnel;
mod load;
mod matching;
mod schedule;
mod search;

pub use flood::FloodBenchmark;
pub use funnel::FunnelBenchmark;
pub use load::LoadBenchmark;
pub use matching::MatchBenchmark;
pub use schedule::ScheduleBenchmark;
pub use search::SearchBenchmark;

/// Measure speed (run with --release). `techmatch bench search --docs 1000000`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum BenchCommand {
    /// Schedule generated fair-like instances of several sizes; prints weight, bound, gap and
    /// time per instance, and with --highs the exact optimum from that external solver script.
    Schedule(ScheduleBenchmark),
    /// The service under load on loopback: a plain /hello route's ceiling, then a mix of
    /// 70% searches, 20% reads and 10% writes; prints requests/s, p50/p99/max and errors.
    Load(LoadBenchmark),
    /// Floods of parallel registrations (invalid ones, then valid ones that must hash their
    /// password): the server's resident memory and /health's latency during each, beside the
    /// idle server and a reference run without the hashing bound.
    Flood(FloodBenchmark),
    /// The bureau's deal funnel over N synthetic deals and their timelines, beside counting
    /// every deal.
    Funnel(FunnelBenchmark),
    /// Match synthetic needs against N synthetic results: top 20 with explanations, per need.
    Match(MatchBenchmark),
    /// Index N synthetic bilingual listings with techmatch's index and with bare tantivy, then
    /// time a fixed query mix on both.
    Search(SearchBenchmark),
}

impl BenchCommand {
    /// Runs the benchmark and prints its figures; `progress(stage, done, total)` shows the long
    /// phases of those that have them.
    pub fn run(&self, progress: &mut dyn FnMut(&str, u64, u64)) -> anyhow::Result<()> {
        match self {
            BenchCommand::Schedule(benchmark) => benchmark.run(),
            BenchCommand::Load(benchmark) => benchmark.run(),
            BenchCommand::Flood(benchmark) => benchmark.run(),
            BenchCommand::Funnel(benchmark) => benchmark.run(),
            BenchCommand::Match(benchmark) => benchmark.run(progress),
            BenchCommand::Search(benchmark) => benchmark.run(progress),
        }
    }
}
