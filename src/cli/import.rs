//! `techmatch import`: research results or technology needs from JSONL, CSV or XLSX, or a
//! registry's registered contracts joined to the deals, with a per-row report.

use std::path::PathBuf;

use anyhow::Context;
use techmatch_domain::{EmailAddress, OrganizationId};
use techmatch_service::AccountService;
use techmatch_service::import::{
    ImportFormat, ImportKind, RowError, import_contracts, import_rows, read_rows, resolve_owner, resolve_registrar,
};

use super::progress_bar;
use crate::app::open_store;
use crate::config::Settings;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// `results`, `needs`, or `contracts` (a registry's registered technology contracts).
    #[arg(long)]
    kind: String,
    file: PathBuf,
    /// `jsonl`, `csv` or `xlsx` (default: from the file name).
    #[arg(long)]
    format: Option<String>,
    /// The account the listings belong to, or (contracts) the staff account recording the
    /// registrations (default: a built-in importer account).
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
}

pub async fn run(args: &ImportArgs, settings: &Settings) -> anyhow::Result<()> {
    let kind = match args.kind.as_str() {
        "results" | "result" => ImportKind::Results,
        "needs" | "need" => ImportKind::Needs,
        "contracts" | "contract" => return contracts(args, settings).await,
        other => anyhow::bail!("--kind must be results, needs or contracts, not {other:?}"),
    };
    let (rows, mut unreadable) = read_rows(&args.file, format_of(args)?)?;
    let store = open_store(settings).await?;
    let accounts = AccountService::new(store.clone(), &settings.auth)?;
    let email = account_of(args)?;
    let owner = resolve_owner(&store, &accounts, kind, email.as_ref(), args.organization_id.map(OrganizationId))
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
    print_errors(&report.errors, args.report.as_deref())?;
    println!(
        "imported {} new, {} updated, {} refused rows (of {} rows read)",
        report.created,
        report.updated,
        report.errors.iter().map(|error| error.row).collect::<std::collections::BTreeSet<_>>().len(),
        rows.len()
    );
    if args.strict && !report.errors.is_empty() {
        anyhow::bail!("some rows were refused (--strict)");
    }
    Ok(())
}

fn format_of(args: &ImportArgs) -> anyhow::Result<Option<ImportFormat>> {
    Ok(match args.format.as_deref() {
        None => None,
        Some("jsonl" | "json") => Some(ImportFormat::Jsonl),
        Some("csv") => Some(ImportFormat::Csv),
        Some("xlsx") => Some(ImportFormat::Xlsx),
        Some(other) => anyhow::bail!("--format must be jsonl, csv or xlsx, not {other:?}"),
    })
}

fn account_of(args: &ImportArgs) -> anyhow::Result<Option<EmailAddress>> {
    args.account
        .as_deref()
        .map(|raw| EmailAddress::parse("as", raw).map_err(|error| anyhow::anyhow!("--as: {}", error.message)))
        .transpose()
}

/// The first rows' errors on the terminal, all of them in `report` when asked.
fn print_errors(errors: &[RowError], report: Option<&std::path::Path>) -> anyhow::Result<()> {
    for error in errors.iter().take(50) {
        let field = if error.field.is_empty() { String::new() } else { format!(", field {}", error.field) };
        println!("row {}{field}: {}", error.row, error.reason);
    }
    if errors.len() > 50 {
        println!("… and {} more row errors", errors.len() - 50);
    }
    if let Some(path) = report {
        let mut writer = csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
        writer.write_record(["row", "field", "reason"])?;
        for error in errors {
            writer.write_record([error.row.to_string(), error.field.clone(), error.reason.clone()])?;
        }
        writer.flush()?;
    }
    Ok(())
}

/// `--kind contracts`: every row joined first; with `--strict`, nothing is recorded unless
/// every row joins.
async fn contracts(args: &ImportArgs, settings: &Settings) -> anyhow::Result<()> {
    let (rows, mut unreadable) = read_rows(&args.file, format_of(args)?)?;
    let store = open_store(settings).await?;
    let accounts = AccountService::new(store.clone(), &settings.auth)?;
    let registrar = resolve_registrar(&store, &accounts, account_of(args)?.as_ref())
        .await
        .map_err(|error| anyhow::anyhow!("--as: {error}"))?;
    let bar = progress_bar("joining registered contracts");
    let mut progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let dry_run = args.strict;
    let mut report = import_contracts(&store, &rows, registrar, dry_run, &mut progress).await?;
    if args.strict && report.errors.is_empty() && unreadable.is_empty() {
        report = import_contracts(&store, &rows, registrar, false, &mut progress).await?;
    }
    bar.finish_and_clear();
    store.close().await;
    report.errors.append(&mut unreadable);
    report.errors.sort_by_key(|error| error.row);
    print_errors(&report.errors, args.report.as_deref())?;
    let refused = report.errors.iter().map(|error| error.row).collect::<std::collections::BTreeSet<_>>().len();
    if args.strict && !report.errors.is_empty() {
        println!("recorded 0 registrations: {refused} of {} rows cannot be joined (--strict)", rows.len());
        anyhow::bail!("some rows were refused (--strict)");
    }
    println!(
        "recorded {} registrations, {} already recorded, {refused} rows not joined (of {} rows read)",
        report.recorded.len(),
        report.already_recorded,
        rows.len()
    );
    Ok(())
}
