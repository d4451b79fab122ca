//! `techmatch import`: research results or technology needs from JSONL, CSV or XLSX, with a
//! per-row report.

use std::path::PathBuf;

use anyhow::Context;
use techmatch_domain::{EmailAddress, OrganizationId};
use techmatch_service::AccountService;
use techmatch_service::import::{ImportFormat, ImportKind, import_rows, read_rows, resolve_owner};

use super::progress_bar;
use crate::app::open_store;
use crate::config::Settings;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
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
}

pub async fn run(args: &ImportArgs, settings: &Settings) -> anyhow::Result<()> {
    let kind = match args.kind.as_str() {
        "results" | "result" => ImportKind::Results,
        "needs" | "need" => ImportKind::Needs,
        other => anyhow::bail!("--kind must be results or needs, not {other:?}"),
    };
    let format = match args.format.as_deref() {
        None => None,
        Some("jsonl" | "json") => Some(ImportFormat::Jsonl),
        Some("csv") => Some(ImportFormat::Csv),
        Some("xlsx") => Some(ImportFormat::Xlsx),
        Some(other) => anyhow::bail!("--format must be jsonl, csv or xlsx, not {other:?}"),
    };
    let (rows, mut unreadable) = read_rows(&args.file, format)?;
    let store = open_store(settings).await?;
    let accounts = AccountService::new(store.clone(), &settings.auth)?;
    let email = args
        .account
        .as_deref()
        .map(|raw| EmailAddress::parse("as", raw).map_err(|error| anyhow::anyhow!("--as: {}", error.message)))
        .transpose()?;
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
    for error in report.errors.iter().take(50) {
        let field = if error.field.is_empty() { String::new() } else { format!(", field {}", error.field) };
        println!("row {}{field}: {}", error.row, error.reason);
    }
    if report.errors.len() > 50 {
        println!("… and {} more row errors", report.errors.len() - 50);
    }
    if let Some(path) = &args.report {
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
    if args.strict && !report.errors.is_empty() {
        anyhow::bail!("some rows were refused (--strict)");
    }
    Ok(())
}
