//! Bulk import of research results and technology needs from JSONL, CSV and XLSX.
//!
//! Every row is parsed on its own; a bad row is reported (row number, field, reason) and
//! skipped, good rows are committed. Rows carry an `id` that is kept as the listing's external
//! id, so importing the same file again updates instead of duplicating.
//!
//! Columns (JSONL keys, or CSV/XLSX header cells), beyond `../shared/eval/FORMAT.md`'s:
//! results — `id`, `title`, `abstract`, `keywords`, `field`, `institution`, `industry_codes`,
//! `maturity` (default `lab`), `transfer_modes`, `asking_price_min`, `asking_price_max`,
//! `region_code`, `status` (default `published`); needs — `id`, `title`, `description`,
//! `keywords`, `industry` (free text, kept as a keyword), `industry_codes`, `min_maturity`,
//! `budget_min`, `budget_max`, `deadline`, `region_code`, `cooperation_modes`, `confidential`,
//! `challenge_bounty_yuan` with `challenge_deadline` (an open challenge), `status` (default `open`);
//! both — the listing's own contact person, `contact_name`, `contact_phone`, `contact_email`,
//! `contact_public`. `lang` is accepted and ignored (language is detected). In CSV and
//! XLSX, list cells separate items with `;`, `；`, `、` or `|`.

mod contracts;
mod read;
mod rows;

pub use contracts::{ContractImportReport, RegisteredContract, import_contracts, parse_contract_row};
pub use read::{Cell, ImportFormat, ImportRow, read_csv, read_jsonl, read_rows, read_xlsx};
pub use rows::{parse_need_row, parse_result_row};

use techmatch_domain::{OrganizationId, RegionCode, UserId};
use techmatch_store::Store;
use tracing::warn;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub errors: Vec<RowError>,
    /// The last outbox position written, so the caller can wait for the index.
    pub last_outbox_id: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("unknown file type of {0}; use .jsonl, .csv or .xlsx")]
    UnknownFormat(String),
    #[error(transparent)]
    Store(#[from] techmatch_store::StoreError),
}

/// Who imported rows belong to.
#[derive(Debug, Clone, Copy)]
pub struct ImportOwner {
    pub user_id: UserId,
    pub organization_id: OrganizationId,
}

/// The account imports run as when no `--as` account is named: a liaison officer posting for
/// one catch-all organization per listing kind.
pub const IMPORTER_EMAIL: &str = "importer@techmatch.local";

/// Who imported rows belong to: the named account (staff name the organization), or the
/// built-in importer.
pub async fn resolve_owner(
    store: &Store,
    accounts: &crate::AccountService,
    kind: ImportKind,
    account_email: Option<&techmatch_domain::EmailAddress>,
    organization_id: Option<OrganizationId>,
) -> Result<ImportOwner, crate::ServiceError> {
    use crate::{ConflictCode, ServiceError};
    use techmatch_domain::{JoinCode, OrganizationKind, OrganizationName, Role};
    let poster_role = match kind {
        ImportKind::Results => Role::Researcher,
        ImportKind::Needs => Role::Company,
    };
    let check_kind = |organization: &techmatch_domain::Organization| {
        if organization.kind.admits(poster_role) && organization.kind != OrganizationKind::Agency {
            Ok(())
        } else {
            Err(ServiceError::Conflict {
                code: ConflictCode::OrganizationKindNotAllowed,
                message: format!("a {} cannot hold imported {:?}", organization.kind, kind).to_lowercase(),
            })
        }
    };
    if let Some(email) = account_email {
        let account = store.find_account_by_email(email).await?.ok_or(ServiceError::NotFound("account"))?;
        let organization_id = match (account.role.is_staff(), organization_id) {
            (true, Some(named)) => named,
            (true, None) => {
                return Err(ServiceError::Conflict {
                    code: ConflictCode::OrganizationRequired,
                    message: "staff import on behalf of an organization: pass --organization-id".into(),
                });
            }
            (false, named) => {
                let own = account.organization_id.ok_or(ServiceError::Forbidden)?;
                if named.is_some_and(|named| named != own) {
                    return Err(ServiceError::Forbidden);
                }
                own
            }
        };
        let organization =
            store.find_organization(organization_id).await?.ok_or(ServiceError::NotFound("organization"))?;
        check_kind(&organization)?;
        return Ok(ImportOwner { user_id: account.id, organization_id });
    }
    let account = importer_account(store, accounts).await?;
    let (name, organization_kind) = match kind {
        ImportKind::Results => ("批量导入成果 Imported results", OrganizationKind::Institute),
        ImportKind::Needs => ("批量导入需求 Imported needs", OrganizationKind::Company),
    };
    let organization = match organization_id {
        Some(named) => {
            let organization = store.find_organization(named).await?.ok_or(ServiceError::NotFound("organization"))?;
            check_kind(&organization)?;
            organization
        }
        None => {
            store
                .ensure_organization(techmatch_store::NewOrganization {
                    name: OrganizationName::from_trusted(name.to_owned()),
                    kind: organization_kind,
                    // Wuhan, the city this platform serves by default.
                    region_code: RegionCode::from_trusted("420100".to_owned()),
                    join_code: JoinCode::from_trusted(
                        crate::accounts::random_alphanumeric(JoinCode::LENGTH).to_uppercase(),
                    ),
                })
                .await?
        }
    };
    Ok(ImportOwner { user_id: account.id, organization_id: organization.id })
}

/// The built-in importer: a liaison officer without an organization, made on first use.
async fn importer_account(
    store: &Store,
    accounts: &crate::AccountService,
) -> Result<techmatch_domain::UserAccount, crate::ServiceError> {
    use techmatch_domain::{EmailAddress, Role};
    let importer = EmailAddress::from_trusted(IMPORTER_EMAIL.to_owned());
    Ok(match store.find_account_by_email(&importer).await? {
        Some(account) => account,
        None => {
            accounts
                .create_user_as_operator(crate::NewUserByAdmin {
                    email: importer.clone(),
                    password: None,
                    display_name: techmatch_domain::DisplayName::from_trusted("批量导入 Importer".into()),
                    role: Role::LiaisonOfficer,
                    organization_id: None,
                })
                .await?
                .account
        }
    })
}

/// Who records registrations from a registry's file: the named staff account, or the
/// built-in importer.
pub async fn resolve_registrar(
    store: &Store,
    accounts: &crate::AccountService,
    account_email: Option<&techmatch_domain::EmailAddress>,
) -> Result<UserId, crate::ServiceError> {
    match account_email {
        Some(email) => {
            let account = store.find_account_by_email(email).await?.ok_or(crate::ServiceError::NotFound("account"))?;
            if !account.role.is_staff() {
                return Err(crate::ServiceError::Forbidden);
            }
            Ok(account.id)
        }
        None => Ok(importer_account(store, accounts).await?.id),
    }
}

const BATCH: usize = 200;

/// Which listing kind a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Results,
    Needs,
}

/// Parses and writes rows in batches. `progress(done, total)` is called after each batch.
pub async fn import_rows(
    store: &Store,
    kind: ImportKind,
    rows: &[ImportRow],
    owner: ImportOwner,
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    let total = rows.len();
    for (chunk_index, chunk) in rows.chunks(BATCH).enumerate() {
        match kind {
            ImportKind::Results => {
                let mut valid = Vec::new();
                for row in chunk {
                    match parse_result_row(row, owner) {
                        Ok(new) => valid.push((row.number, new)),
                        Err(errors) => report.errors.extend(errors),
                    }
                }
                write_batch(&mut report, valid, |batch| async move { store.upsert_results(&batch).await }).await?;
            }
            ImportKind::Needs => {
                let mut valid = Vec::new();
                for row in chunk {
                    match parse_need_row(row, owner) {
                        Ok(new) => valid.push((row.number, new)),
                        Err(errors) => report.errors.extend(errors),
                    }
                }
                write_batch(&mut report, valid, |batch| async move { store.upsert_needs(&batch).await }).await?;
            }
        }
        progress((chunk_index * BATCH + chunk.len()).min(total), total);
    }
    report.errors.sort_by_key(|error| error.row);
    Ok(report)
}

/// Writes a batch in one transaction; if that fails, row by row, so that only the rows at fault
/// are reported and the others still land.
async fn write_batch<T, F, Fut>(report: &mut ImportReport, rows: Vec<(usize, T)>, write: F) -> Result<(), ImportError>
where
    T: Clone,
    F: Fn(Vec<T>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<techmatch_store::Upserted>, techmatch_store::StoreError>>,
{
    if rows.is_empty() {
        return Ok(());
    }
    let batch: Vec<T> = rows.iter().map(|(_, new)| new.clone()).collect();
    match write(batch).await {
        Ok(outcomes) => record(report, &outcomes),
        Err(techmatch_store::StoreError::Unavailable(reason)) => {
            return Err(ImportError::Store(techmatch_store::StoreError::Unavailable(reason)));
        }
        Err(batch_error) => {
            warn!(error = %batch_error, "import batch failed; retrying its rows one by one");
            for (number, new) in rows {
                match write(vec![new]).await {
                    Ok(outcomes) => record(report, &outcomes),
                    Err(error) => {
                        report.errors.push(RowError { row: number, field: String::new(), reason: error.to_string() })
                    }
                }
            }
        }
    }
    Ok(())
}

fn record(report: &mut ImportReport, outcomes: &[techmatch_store::Upserted]) {
    for outcome in outcomes {
        if outcome.created {
            report.created += 1;
        } else {
            report.updated += 1;
        }
        report.last_outbox_id = report.last_outbox_id.max(outcome.outbox_id);
    }
}
