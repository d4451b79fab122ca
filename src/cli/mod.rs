//! The `techmatch` command line: one argument struct per command, one dispatch. The
//! laboratory's `eval` and `bench …` are defined in `techmatch-lab` and run from here.

mod import;
mod maintenance;
mod matching;
mod schedule;
mod serve;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use techmatch_lab::bench::BenchCommand;
use techmatch_lab::evaluation::EvaluationCommand;

use crate::config::{self, Settings};
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(name = "techmatch", version, about = "tech-transfer matchmaking service")]
struct Cli {
    /// Directory holding default.toml and {TECHMATCH_ENV}.toml (default: ./config, or TECHMATCH_CONFIG_DIR).
    #[arg(long, global = true)]
    config_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (applies pending migrations first).
    Serve(serve::ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts from the operator's shell.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Rebuild the search index from the database (stop the server first: it holds the index).
    Reindex,
    /// Import research results or technology needs from JSONL, CSV or XLSX. Bad rows are
    /// reported and skipped; good rows are committed. A running server indexes them itself.
    Import(import::ImportArgs),
    /// Copy the embedded database to FILE while the service runs (a consistent snapshot,
    /// integrity-checked). PostgreSQL: use pg_dump (README).
    Backup(maintenance::FileArgs),
    /// Replace the embedded database with a backup (stop the server first), then rebuild the
    /// search index from it. The replaced database is kept beside it.
    Restore(maintenance::FileArgs),
    /// Print the OpenAPI document.
    Openapi,
    Eval(EvaluationCommand),
    /// Recompute and store the best results of every open need (can run beside the server).
    Match(matching::MatchArgs),
    /// Refit the matching weights from liaison officers' decisions (logistic regression); prints
    /// the before/after AUC and the weights to put in the configuration.
    RefitWeights,
    /// Schedule 1:1 meetings into (slot, table) for an instance in the JSON format of
    /// ../shared/eval/SCHEDULE.md; the last line is `meetings=N weight=W bound=B gap=G%`.
    Schedule(schedule::ScheduleArgs),
    #[command(subcommand)]
    Bench(BenchCommand),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let (settings, environment) = match config::load_from_process(cli.config_dir.as_deref()) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("techmatch: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    tracing::info!(environment = environment.name(), "configuration loaded");
    for caution in config::cautions(&settings, &environment) {
        tracing::warn!(environment = environment.name(), "{caution}");
    }
    match dispatch(cli.command, settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("techmatch: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn dispatch(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => block_on(serve::serve(args, settings)),
        Command::Migrate => block_on(serve::migrate(&settings)),
        Command::User(command) => block_on(users::run(command, &settings)),
        Command::Reindex => block_on(maintenance::reindex(&settings)),
        Command::Import(args) => block_on(import::run(&args, &settings)),
        Command::Backup(args) => block_on(maintenance::backup(&settings, &args.file)),
        Command::Restore(args) => block_on(maintenance::restore(&settings, &args.file)),
        Command::Openapi => print_openapi(),
        Command::Eval(command) => with_progress("evaluating", |progress| command.run(progress)),
        Command::Match(args) => block_on(matching::match_all(&args, &settings)),
        Command::RefitWeights => block_on(matching::refit_weights(&settings)),
        Command::Schedule(args) => schedule::run(&args),
        Command::Bench(command) => with_progress("benchmark", |progress| command.run(progress)),
    }
}

/// Runs a command that talks to the database or serves: on actix's runtime, as the server needs.
fn block_on<T>(future: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    actix_web::rt::System::new().block_on(future)
}

/// Runs long work with a progress bar fed by its `(stage, done, total)` reports.
fn with_progress(
    label: &'static str,
    work: impl FnOnce(&mut dyn FnMut(&str, u64, u64)) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let bar = progress_bar(label);
    let outcome = work(&mut |stage, done, total| {
        bar.set_message(stage.to_owned());
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    outcome
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub fn progress_bar(label: &'static str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    let style = indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")
        .map(|style| style.progress_chars("=> "))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(label);
    bar
}

fn print_openapi() -> anyhow::Result<()> {
    let document = techmatch_api::openapi_document();
    println!("{}", serde_json::to_string_pretty(&document)?);
    Ok(())
}
