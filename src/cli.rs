//! The `techmatch` command line.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use techmatch_domain::{DisplayName, EmailAddress, NewPassword, OrganizationId, Role};
use techmatch_scheduler::SchedulerOptions;
use techmatch_service::{AccountService, NewUserByAdmin};

use crate::app::{Application, open_store};
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
    Serve {
        /// Load demo data: a demo admin account whose password is printed once.
        #[arg(long)]
        demo: bool,
        /// Override server.listen, e.g. 127.0.0.1:0 for any free port.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts from the operator's shell.
    #[command(subcommand)]
    User(UserCommand),
    /// Rebuild the search index from the database (stop the server first: it holds the index).
    Reindex,
    /// Import research results or technology needs from JSONL, CSV or XLSX. Bad rows are
    /// reported and skipped; good rows are committed. A running server indexes them itself.
    Import {
        /// `results` or `needs`.
        #[arg(long)]
        kind: String,
        file: PathBuf,
        /// `jsonl`, `csv` or `xlsx` (default: from the file name).
        #[arg(long)]
        format: Option<String>,
        /// The account the listings belong to (default: a built-in importer account).
        #[arg(long = "as")]
        account: Option<String>,
        /// The organization they are posted for (staff accounts and the importer).
        #[arg(long)]
        organization_id: Option<i64>,
        /// Also write every row error to this CSV file.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Exit non-zero if any row was refused.
        #[arg(long)]
        strict: bool,
    },
    /// Copy the embedded database to FILE while the service runs (a consistent snapshot,
    /// integrity-checked). PostgreSQL: use pg_dump (README).
    Backup {
        file: PathBuf,
    },
    /// Replace the embedded database with a backup (stop the server first), then rebuild the
    /// search index from it. The replaced database is kept beside it.
    Restore {
        file: PathBuf,
    },
    /// Print the OpenAPI document.
    Openapi,
    Eval(techmatch_lab::evaluation::EvaluationCommand),
    /// Recompute and store the best results of every open need (can run beside the server).
    Match {
        /// Every open need (the only mode so far).
        #[arg(long)]
        all: bool,
        /// Results kept per need.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Refit the matching weights from liaison officers' decisions (logistic regression); prints
    /// the before/after AUC and the weights to put in the configuration.
    RefitWeights,
    /// Schedule 1:1 meetings into (slot, table) for an instance in the JSON format of
    /// ../shared/eval/SCHEDULE.md; the last line is `meetings=N weight=W bound=B gap=G%`.
    Schedule {
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
    },
    #[command(subcommand)]
    Bench(techmatch_lab::bench::BenchCommand),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account of any role (liaison officers and admins are created this way or by an admin).
    Create {
        #[arg(long)]
        role: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long)]
        organization_id: Option<i64>,
        /// Read the password from the first line of standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (generated unless --password-stdin) and revoke the account's tokens.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
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
    for caution in crate::config::cautions(&settings, &environment) {
        tracing::warn!(environment = environment.name(), "{caution}");
    }
    let outcome = match cli.command {
        Command::Openapi => print_openapi(),
        Command::Bench(command) => {
            let bar = progress_bar("benchmark");
            let outcome = command.run(&mut |stage, done, total| {
                bar.set_message(stage.to_owned());
                bar.set_length(total);
                bar.set_position(done);
            });
            bar.finish_and_clear();
            outcome
        }
        Command::Schedule { input, output, time_limit_ms, proof_time_limit_ms } => crate::schedule::run(
            &input,
            &output,
            SchedulerOptions {
                time_limit: std::time::Duration::from_millis(time_limit_ms),
                proof_time_limit: std::time::Duration::from_millis(proof_time_limit_ms),
                ..SchedulerOptions::default()
            },
        ),
        Command::Eval(command) => {
            let bar = progress_bar("evaluating");
            let outcome = command.run(&mut |stage, done, total| {
                bar.set_message(stage.to_owned());
                bar.set_length(total);
                bar.set_position(done);
            });
            bar.finish_and_clear();
            outcome
        }
        command => actix_web::rt::System::new().block_on(run(command, settings)),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("techmatch: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, mut settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo, listen } => {
            if let Some(listen) = listen {
                settings.server.listen = listen;
            }
            let application = Application::build(settings.clone()).await?;
            if demo {
                match application.ensure_demo_admin(&settings).await? {
                    Some(password) => println!(
                        "demo admin created: {} / {password} (shown once; reset with `techmatch user reset-password --email {}`)",
                        settings.demo.admin_email, settings.demo.admin_email
                    ),
                    None => println!("demo admin exists: {}", settings.demo.admin_email),
                }
                if let Some(summary) = application.load_demo_data().await? {
                    println!(
                        "demo data loaded: {} research results, {} technology needs; these accounts share the password {} (shown once):",
                        summary.results, summary.needs, summary.password
                    );
                    for (email, role) in &summary.accounts {
                        println!("  {role:<16} {email}");
                    }
                    if let Some(event) = &summary.event {
                        println!("demo fair: {event} (GET /api/v1/events)");
                    }
                }
            }
            println!("listening on http://{}", application.address());
            std::io::stdout().flush()?;
            application.run().await?;
            Ok(())
        }
        Command::Migrate => {
            let store = open_store(&settings).await?;
            let applied = store.applied_migrations().await?;
            println!(
                "database is at migration {} ({} applied)",
                applied.last().map_or("none", String::as_str),
                applied.len()
            );
            store.close().await;
            Ok(())
        }
        Command::User(user_command) => run_user_command(user_command, &settings).await,
        Command::Import { kind, file, format, account, organization_id, report, strict } => {
            run_import(
                &settings,
                &kind,
                &file,
                format.as_deref(),
                account.as_deref(),
                organization_id,
                report.as_deref(),
                strict,
            )
            .await
        }
        Command::Match { all, limit } => {
            anyhow::ensure!(all, "say --all: batch matching covers every open need");
            anyhow::ensure!((1..=100).contains(&limit), "--limit must be between 1 and 100");
            let store = open_store(&settings).await?;
            let index_dir = settings.search.index_dir.clone();
            let index = tokio::task::spawn_blocking(move || techmatch_search::SearchIndex::open_read_only(&index_dir))
                .await?
                .context("cannot open the search index (run `techmatch reindex` or start the server once)")?;
            let bar = progress_bar("matching");
            let started = std::time::Instant::now();
            let summary = techmatch_service::matches::match_all(
                &store,
                std::sync::Arc::new(index),
                &settings.matching.weights,
                limit,
                |done, total| {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                },
            )
            .await
            .map_err(|error| anyhow::anyhow!("{error}"))?;
            bar.finish_and_clear();
            store.close().await;
            println!(
                "matched {} open needs, stored {} pairs in {:.1} s",
                summary.needs,
                summary.pairs,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::RefitWeights => {
            let store = open_store(&settings).await?;
            let (decisions, report) =
                techmatch_service::matches::refit_from_decisions(&store, &settings.matching.weights)
                    .await
                    .map_err(|error| anyhow::anyhow!("{error}"))?;
            store.close().await;
            match report {
                None => println!(
                    "{decisions} decisions so far: a refit needs at least {} with features, both shortlisted and rejected",
                    techmatch_matching::refit::MINIMUM_SAMPLES
                ),
                Some(report) => {
                    println!("refit from {} decisions with feature values", report.samples);
                    println!(
                        "auc before {:.4} (current weights)  after {:.4} (5-fold cross-validated)",
                        report.auc_before, report.auc_after
                    );
                    let weights = report.weights;
                    println!("[matching.weights]");
                    for (name, value) in [
                        ("text", weights.text),
                        ("keywords", weights.keywords),
                        ("industry", weights.industry),
                        ("maturity", weights.maturity),
                        ("budget", weights.budget),
                        ("modes", weights.modes),
                        ("region", weights.region),
                        ("freshness", weights.freshness),
                        ("feedback", weights.feedback),
                    ] {
                        println!("{name} = {value:.3}");
                    }
                }
            }
            Ok(())
        }
        Command::Reindex => {
            let store = open_store(&settings).await?;
            let search = settings.search.service_settings();
            let bar = progress_bar("indexing");
            let count = techmatch_service::search::rebuild_offline(
                &store,
                &search.index_dir,
                search.writer_memory_bytes,
                |done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                },
            )
            .await
            .context("reindex failed (is a server still running on this index?)")?;
            bar.finish_and_clear();
            println!("indexed {count} listings into {}", search.index_dir.display());
            store.close().await;
            Ok(())
        }
        Command::Backup { file } => crate::ops::backup(&settings, &file).await,
        Command::Restore { file } => crate::ops::restore(&settings, &file).await,
        Command::Openapi => print_openapi(),
        Command::Bench(_) | Command::Eval { .. } | Command::Schedule { .. } => Ok(()),
    }
}

async fn run_user_command(command: UserCommand, settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    // Accounts only: the search index belongs to the running server, if there is one.
    let accounts = AccountService::new(store.clone(), &settings.auth)?;
    let result = match command {
        UserCommand::Create { role, email, name, organization_id, password_stdin } => {
            let role = Role::parse(&role).with_context(|| {
                format!("unknown role {role:?}; expected researcher, company, liaison_officer or admin")
            })?;
            let email =
                EmailAddress::parse("email", &email).map_err(|error| anyhow::anyhow!("--email: {}", error.message))?;
            let display_name = if name.trim().is_empty() { email.as_str().to_owned() } else { name };
            let display_name = DisplayName::parse("name", &display_name)
                .map_err(|error| anyhow::anyhow!("--name: {}", error.message))?;
            let password = if password_stdin { Some(read_password(&email)?) } else { None };
            let created = accounts
                .create_user_as_operator(NewUserByAdmin {
                    email,
                    password,
                    display_name,
                    role,
                    organization_id: organization_id.map(OrganizationId),
                })
                .await
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            println!("created {} account {} (id {})", created.account.role, created.account.email, created.account.id);
            if let Some(password) = created.generated_password {
                println!("password: {password}");
            }
            Ok(())
        }
        UserCommand::ResetPassword { email, password_stdin } => {
            let email =
                EmailAddress::parse("email", &email).map_err(|error| anyhow::anyhow!("--email: {}", error.message))?;
            let password = if password_stdin { Some(read_password(&email)?) } else { None };
            let was_given = password.is_some();
            let password = accounts
                .reset_password_as_operator(&email, password)
                .await
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            println!("password of {email} reset; earlier tokens revoked");
            if !was_given {
                println!("password: {password}");
            }
            Ok(())
        }
    };
    store.close().await;
    result
}

fn read_password(email: &EmailAddress) -> anyhow::Result<NewPassword> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
    let line = line.trim_end_matches(['\r', '\n']);
    NewPassword::parse("password", line, Some(email)).map_err(|error| anyhow::anyhow!("password: {}", error.message))
}

#[allow(clippy::too_many_arguments)]
async fn run_import(
    settings: &Settings,
    kind: &str,
    file: &std::path::Path,
    format: Option<&str>,
    account: Option<&str>,
    organization_id: Option<i64>,
    report_path: Option<&std::path::Path>,
    strict: bool,
) -> anyhow::Result<()> {
    use techmatch_service::import::{ImportFormat, ImportKind, import_rows, read_rows, resolve_owner};
    let kind = match kind {
        "results" | "result" => ImportKind::Results,
        "needs" | "need" => ImportKind::Needs,
        other => anyhow::bail!("--kind must be results or needs, not {other:?}"),
    };
    let format = match format {
        None => None,
        Some("jsonl" | "json") => Some(ImportFormat::Jsonl),
        Some("csv") => Some(ImportFormat::Csv),
        Some("xlsx") => Some(ImportFormat::Xlsx),
        Some(other) => anyhow::bail!("--format must be jsonl, csv or xlsx, not {other:?}"),
    };
    let (rows, mut unreadable) = read_rows(file, format)?;
    let store = open_store(settings).await?;
    let accounts = AccountService::new(store.clone(), &settings.auth)?;
    let email = account
        .map(|raw| EmailAddress::parse("as", raw).map_err(|error| anyhow::anyhow!("--as: {}", error.message)))
        .transpose()?;
    let owner = resolve_owner(&store, &accounts, kind, email.as_ref(), organization_id.map(OrganizationId))
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let bar = progress_bar("importing");
    let mut report = import_rows(&store, kind, &rows, owner, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .await?;
    bar.finish_and_clear();
    store.close().await;
    report.errors.append(&mut unreadable);
    report.errors.sort_by_key(|error| error.row);
    for error in report.errors.iter().take(50) {
        let field = if error.field.is_empty() { String::new() } else { format!(", field {}", error.field) };
        println!("row {}{field}: {}", error.row, error.reason);
    }
    if report.errors.len() > 50 {
        println!("… and {} more row errors", report.errors.len() - 50);
    }
    if let Some(path) = report_path {
        let mut writer = csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
        writer.write_record(["row", "field", "reason"])?;
        for error in &report.errors {
            writer.write_record([error.row.to_string(), error.field.clone(), error.reason.clone()])?;
        }
        writer.flush()?;
    }
    println!(
        "imported {} new, {} updated, {} refused rows (of {} rows read)",
        report.created,
        report.updated,
        report.errors.iter().map(|error| error.row).collect::<std::collections::BTreeSet<_>>().len(),
        rows.len()
    );
    if strict && !report.errors.is_empty() {
        anyhow::bail!("some rows were refused (--strict)");
    }
    Ok(())
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
