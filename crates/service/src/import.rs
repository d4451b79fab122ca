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
//! `challenge_bounty_yuan` with `challenge_deadline` (an open challenge), `status` (default `open`). `lang` is accepted and ignored (language is detected). In CSV and
//! XLSX, list cells separate items with `;`, `；`, `、` or `|`.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use calamine::{Data, Reader};
use serde_json::Value;
use techmatch_domain::listing::{
    ChallengeInput, Maturity, NeedContent, NeedInput, NeedStatus, ResultContent, ResultInput, ResultStatus,
};
use techmatch_domain::{FieldError, OrganizationId, RegionCode, UserId, ValidationErrors};
use techmatch_store::{NewListing, NewResearchResult, NewTechNeed, Store};
use tracing::warn;

use crate::listings::today;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    Jsonl,
    Csv,
    Xlsx,
}

impl ImportFormat {
    /// From the file name: `.jsonl`/`.json`/`.ndjson`, `.csv`, `.xlsx`.
    pub fn from_path(path: &Path) -> Option<ImportFormat> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "jsonl" | "ndjson" | "json" => Some(ImportFormat::Jsonl),
            "csv" => Some(ImportFormat::Csv),
            "xlsx" | "xlsm" => Some(ImportFormat::Xlsx),
            _ => None,
        }
    }
}

/// One cell of an imported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    List(Vec<String>),
    Number(f64),
    Bool(bool),
}

/// A row as read, numbered as people count them (first data line or row = 1 in JSONL, and
/// the spreadsheet's own row number in CSV/XLSX, the header being row 1).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    pub number: usize,
    pub cells: BTreeMap<String, Cell>,
}

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

/// Reads every row of a file. Rows that cannot even be read (bad JSON) come back as errors.
pub fn read_rows(path: &Path, format: Option<ImportFormat>) -> Result<(Vec<ImportRow>, Vec<RowError>), ImportError> {
    let format = format
        .or_else(|| ImportFormat::from_path(path))
        .ok_or_else(|| ImportError::UnknownFormat(path.display().to_string()))?;
    let unreadable = |reason: String| ImportError::Unreadable { path: path.display().to_string(), reason };
    match format {
        ImportFormat::Jsonl => {
            let file = std::fs::File::open(path).map_err(|error| unreadable(error.to_string()))?;
            read_jsonl(std::io::BufReader::new(file)).map_err(|error| unreadable(error.to_string()))
        }
        ImportFormat::Csv => {
            let file = std::fs::File::open(path).map_err(|error| unreadable(error.to_string()))?;
            read_csv(file).map_err(|error| unreadable(error.to_string()))
        }
        ImportFormat::Xlsx => read_xlsx(path).map_err(unreadable),
    }
}

/// JSON Lines; a file holding one JSON array of objects is accepted too.
pub fn read_jsonl(reader: impl BufRead) -> std::io::Result<(Vec<ImportRow>, Vec<RowError>)> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut lines = Vec::new();
    for line in reader.lines() {
        lines.push(line?);
    }
    let whole = lines.join("\n");
    if whole.trim_start().starts_with('[') {
        match serde_json::from_str::<Vec<Value>>(&whole) {
            Ok(values) => {
                for (index, value) in values.into_iter().enumerate() {
                    push_json_row(index + 1, value, &mut rows, &mut errors);
                }
            }
            Err(error) => {
                errors.push(RowError { row: 0, field: String::new(), reason: format!("invalid json array: {error}") })
            }
        }
        return Ok((rows, errors));
    }
    for (index, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(value) => push_json_row(index + 1, value, &mut rows, &mut errors),
            Err(error) => {
                errors.push(RowError { row: index + 1, field: String::new(), reason: format!("invalid json: {error}") })
            }
        }
    }
    Ok((rows, errors))
}

fn push_json_row(number: usize, value: Value, rows: &mut Vec<ImportRow>, errors: &mut Vec<RowError>) {
    let Value::Object(object) = value else {
        errors.push(RowError { row: number, field: String::new(), reason: "a row must be a json object".into() });
        return;
    };
    let mut cells = BTreeMap::new();
    for (key, value) in object {
        let cell = match value {
            Value::Null => continue,
            Value::String(text) => Cell::Text(text),
            Value::Number(number) => Cell::Number(number.as_f64().unwrap_or(f64::NAN)),
            Value::Bool(flag) => Cell::Bool(flag),
            Value::Array(items) => Cell::List(
                items
                    .into_iter()
                    .map(|item| match item {
                        Value::String(text) => text,
                        other => other.to_string(),
                    })
                    .collect(),
            ),
            Value::Object(_) => {
                errors.push(RowError { row: number, field: key, reason: "nested objects are not supported".into() });
                return;
            }
        };
        cells.insert(key.to_lowercase(), cell);
    }
    rows.push(ImportRow { number, cells });
}

pub fn read_csv(reader: impl std::io::Read) -> Result<(Vec<ImportRow>, Vec<RowError>), csv::Error> {
    let mut csv_reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(reader);
    let headers: Vec<String> = csv_reader.headers()?.iter().map(normalise_header).collect();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (index, record) in csv_reader.records().enumerate() {
        let number = index + 2;
        match record {
            Ok(record) => {
                let cells = headers
                    .iter()
                    .zip(record.iter())
                    .filter(|(header, value)| !header.is_empty() && !value.is_empty())
                    .map(|(header, value)| (header.clone(), Cell::Text(value.to_owned())))
                    .collect();
                rows.push(ImportRow { number, cells });
            }
            Err(error) => errors.push(RowError {
                row: number,
                field: String::new(),
                reason: format!("unreadable csv row: {error}"),
            }),
        }
    }
    Ok((rows, errors))
}

pub fn read_xlsx(path: &Path) -> Result<(Vec<ImportRow>, Vec<RowError>), String> {
    let mut workbook = calamine::open_workbook_auto(path).map_err(|error| error.to_string())?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| "the workbook has no sheet".to_owned())?
        .map_err(|error| error.to_string())?;
    let mut sheet_rows = range.rows();
    let Some(header) = sheet_rows.next() else { return Ok((Vec::new(), Vec::new())) };
    let headers: Vec<String> = header.iter().map(|cell| normalise_header(&cell.to_string())).collect();
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let mut rows = Vec::new();
    for (index, row) in sheet_rows.enumerate() {
        let number = first_row + index + 2;
        let mut cells = BTreeMap::new();
        for (header, value) in headers.iter().zip(row.iter()) {
            if header.is_empty() {
                continue;
            }
            let cell = match value {
                Data::Empty => continue,
                Data::String(text) if text.trim().is_empty() => continue,
                Data::String(text) => Cell::Text(text.trim().to_owned()),
                Data::Float(number) => Cell::Number(*number),
                Data::Int(number) => Cell::Number(*number as f64),
                Data::Bool(flag) => Cell::Bool(*flag),
                other => Cell::Text(other.to_string()),
            };
            cells.insert(header.clone(), cell);
        }
        if !cells.is_empty() {
            rows.push(ImportRow { number, cells });
        }
    }
    Ok((rows, Vec::new()))
}

fn normalise_header(raw: &str) -> String {
    raw.trim().trim_start_matches('\u{feff}').to_lowercase().replace([' ', '-'], "_")
}

/// Typed access to a row's cells, collecting field errors.
struct RowFields<'a> {
    row: &'a ImportRow,
    errors: Vec<FieldError>,
}

/// Files exported from other systems carry stray control characters (form feeds, vertical
/// tabs, NULs from PDF copy-paste); an import turns them into spaces instead of refusing rows.
fn without_control_characters(text: &str) -> String {
    text.chars().map(|c| if c.is_control() && !matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }).collect()
}

impl<'a> RowFields<'a> {
    fn text(&self, name: &str) -> Option<String> {
        match self.row.cells.get(name)? {
            Cell::Text(text) => Some(without_control_characters(text)).filter(|text| !text.trim().is_empty()),
            Cell::Number(number) if number.fract() == 0.0 && number.abs() < 1e15 => Some(format!("{}", *number as i64)),
            Cell::Number(number) => Some(number.to_string()),
            Cell::Bool(flag) => Some(flag.to_string()),
            Cell::List(items) => Some(items.join(";")),
        }
    }

    fn list(&self, name: &str) -> Vec<String> {
        match self.row.cells.get(name) {
            Some(Cell::List(items)) => {
                items.iter().map(|item| item.trim().to_owned()).filter(|item| !item.is_empty()).collect()
            }
            Some(_) => self
                .text(name)
                .map(|text| {
                    text.split([';', '；', '、', '|'])
                        .map(|item| item.trim().to_owned())
                        .filter(|item| !item.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        }
    }

    fn integer(&mut self, name: &str) -> Option<i64> {
        let value = match self.row.cells.get(name)? {
            Cell::Number(number) if number.fract() == 0.0 && number.abs() < 9e15 => Some(*number as i64),
            Cell::Text(text) => text.trim().replace([',', '，'], "").parse::<i64>().ok(),
            _ => None,
        };
        if value.is_none() {
            self.errors.push(FieldError::new(name, "not_an_integer", "must be a whole number of yuan"));
        }
        value
    }

    /// An integer cell that may be absent (an absent cell is none, a present one must be a
    /// whole number).
    fn optional_integer(&mut self, name: &str) -> Option<i64> {
        if self.row.cells.contains_key(name) { self.integer(name) } else { None }
    }

    fn boolean(&mut self, name: &str) -> bool {
        match self.row.cells.get(name) {
            None => false,
            Some(Cell::Bool(flag)) => *flag,
            Some(Cell::Number(number)) => *number != 0.0,
            Some(_) => match self.text(name).unwrap_or_default().trim().to_lowercase().as_str() {
                "true" | "yes" | "1" | "是" | "y" => true,
                "false" | "no" | "0" | "否" | "n" | "" => false,
                _ => {
                    self.errors.push(FieldError::new(name, "not_a_boolean", "must be true or false (是/否)"));
                    false
                }
            },
        }
    }
}

/// A title from a text's opening words when a row has none (the evaluation sets leave some
/// titles empty on purpose).
fn derived_title(text: &str) -> String {
    let opening: String =
        text.split(['。', '.', '\n', '；', ';']).next().unwrap_or(text).trim().chars().take(60).collect();
    if opening.chars().count() >= 2 { opening } else { text.chars().take(60).collect() }
}

fn row_errors(row: &ImportRow, errors: Vec<FieldError>) -> Vec<RowError> {
    errors.into_iter().map(|error| RowError { row: row.number, field: error.field, reason: error.message }).collect()
}

/// The listing a row stores, or every error found in it.
fn new_listing<Content, Status>(
    row: &ImportRow,
    owner: ImportOwner,
    external_id: Option<String>,
    parsed: Option<(Content, Status)>,
    errors: ValidationErrors,
) -> Result<NewListing<Content, Status>, Vec<RowError>> {
    match parsed {
        Some((content, status)) if errors.is_empty() => Ok(NewListing {
            owner_user_id: owner.user_id,
            organization_id: owner.organization_id,
            content,
            status,
            external_id,
        }),
        _ => Err(row_errors(row, errors.0)),
    }
}

fn external_id(fields: &mut RowFields<'_>) -> Option<String> {
    let id = fields.text("id")?;
    if id.chars().count() > 100 {
        fields.errors.push(FieldError::new("id", "too_long", "must be at most 100 characters"));
        return None;
    }
    Some(id)
}

pub fn parse_result_row(row: &ImportRow, owner: ImportOwner) -> Result<NewResearchResult, Vec<RowError>> {
    let mut fields = RowFields { row, errors: Vec::new() };
    let external_id = external_id(&mut fields);
    // A row with only one of title and abstract gets the other from it.
    let given_title = fields.text("title");
    let abstract_text = fields.text("abstract").or_else(|| given_title.clone()).unwrap_or_default();
    let input = ResultInput {
        title: given_title.unwrap_or_else(|| derived_title(&abstract_text)),
        keywords: fields.list("keywords"),
        field: fields.text("field"),
        industry_codes: fields.list("industry_codes"),
        maturity: fields.text("maturity").unwrap_or_else(|| Maturity::Lab.as_str().to_owned()),
        ip_items: Vec::new(),
        transfer_modes: fields.list("transfer_modes"),
        asking_price_min: fields.optional_integer("asking_price_min"),
        asking_price_max: fields.optional_integer("asking_price_max"),
        institution: fields.text("institution"),
        region_code: fields.text("region_code"),
        abstract_text,
    };
    let mut errors = ValidationErrors(std::mem::take(&mut fields.errors));
    let content = ResultContent::parse(&input, &mut errors);
    let status = match fields.text("status") {
        None => Some(ResultStatus::Published),
        Some(raw) => errors.collect(ResultStatus::parse("status", &raw)),
    };
    new_listing(row, owner, external_id, content.zip(status), errors)
}

pub fn parse_need_row(row: &ImportRow, owner: ImportOwner) -> Result<NewTechNeed, Vec<RowError>> {
    let mut fields = RowFields { row, errors: Vec::new() };
    let external_id = external_id(&mut fields);
    let given_title = fields.text("title");
    let description = fields.text("description").or_else(|| given_title.clone()).unwrap_or_default();
    let mut keywords = fields.list("keywords");
    // FORMAT.md's `industry` is a free-text sector name, not a code: keep it as a keyword.
    if let Some(industry) = fields.text("industry") {
        keywords.push(industry);
    }
    let challenge = match (row.cells.contains_key("challenge_bounty_yuan"), fields.text("challenge_deadline")) {
        (false, None) => None,
        (true, Some(deadline)) => {
            fields.integer("challenge_bounty_yuan").map(|bounty_yuan| ChallengeInput { bounty_yuan, deadline })
        }
        _ => {
            fields.errors.push(FieldError::new(
                "challenge_deadline",
                "incomplete_challenge",
                "an open challenge needs both challenge_bounty_yuan and challenge_deadline",
            ));
            None
        }
    };
    let input = NeedInput {
        title: given_title.unwrap_or_else(|| derived_title(&description)),
        keywords,
        industry_codes: fields.list("industry_codes"),
        min_maturity: fields.text("min_maturity"),
        budget_min: fields.optional_integer("budget_min"),
        budget_max: fields.optional_integer("budget_max"),
        deadline: fields.text("deadline"),
        region_code: fields.text("region_code"),
        cooperation_modes: fields.list("cooperation_modes"),
        confidential: fields.boolean("confidential"),
        challenge,
        description,
    };
    let mut errors = ValidationErrors(std::mem::take(&mut fields.errors));
    let content = NeedContent::parse(&input, today(), &mut errors);
    let status = match fields.text("status") {
        None => Some(NeedStatus::Open),
        Some(raw) => errors.collect(NeedStatus::parse("status", &raw)),
    };
    new_listing(row, owner, external_id, content.zip(status), errors)
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
    use techmatch_domain::{EmailAddress, JoinCode, OrganizationKind, OrganizationName, Role};
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
    let importer = EmailAddress::from_trusted(IMPORTER_EMAIL.to_owned());
    let account = match store.find_account_by_email(&importer).await? {
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
    };
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

#[cfg(test)]
mod tests {
    use techmatch_domain::listing::MoneyRange;

    use super::*;

    fn owner() -> ImportOwner {
        ImportOwner { user_id: UserId(1), organization_id: OrganizationId(1) }
    }

    #[test]
    fn jsonl_rows_and_bad_lines() {
        let input = "{\"id\": \"a\", \"title\": \"标题\", \"abstract\": \"一段足够长的摘要内容。\", \"keywords\": [\"甲\", \"乙\"], \"lang\": \"zh\"}\nnot json\n\n[1]\n";
        let (rows, errors) = read_jsonl(input.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].cells["keywords"], Cell::List(vec!["甲".into(), "乙".into()]));
        assert_eq!(errors.iter().map(|error| error.row).collect::<Vec<_>>(), vec![2, 4]);
        let parsed = parse_result_row(&rows[0], owner()).unwrap();
        assert_eq!(parsed.external_id.as_deref(), Some("a"));
        assert_eq!(parsed.content.maturity, Maturity::Lab);
        assert_eq!(parsed.status, ResultStatus::Published);
    }

    #[test]
    fn csv_lists_numbers_and_row_numbers() {
        let input = "id,title,abstract,keywords,industry_codes,asking_price_min,asking_price_max,maturity\n\
                     r1,激光焊接工艺,用于汽车白车身的激光焊接工艺。,激光；焊接、汽车,36;33,\"100,000\",500000,pilot\n\
                     r2,坏行,摘要太短,,99,-1,,someday\n";
        let (rows, errors) = read_csv(input.as_bytes()).unwrap();
        assert!(errors.is_empty());
        assert_eq!(rows[1].number, 3, "the header is row 1");
        let first = parse_result_row(&rows[0], owner()).unwrap();
        assert_eq!(first.content.keywords.as_slice(), ["激光", "焊接", "汽车"]);
        assert_eq!(first.content.industry_codes.len(), 2);
        assert_eq!(first.content.asking_price, MoneyRange { min: Some(100_000), max: Some(500_000) });
        let errors = parse_result_row(&rows[1], owner()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, vec!["abstract", "industry_codes[0]", "maturity", "asking_price_min"], "{errors:?}");
        assert!(errors.iter().all(|error| error.row == 3));
    }

    #[test]
    fn empty_titles_are_derived_and_industry_text_becomes_a_keyword() {
        let row = ImportRow {
            number: 1,
            cells: BTreeMap::from([
                ("id".into(), Cell::Text("n1".into())),
                ("title".into(), Cell::Text(String::new())),
                (
                    "description".into(),
                    Cell::Text("Develop a compact sensor for corrosion. More text follows here.".into()),
                ),
                ("industry".into(), Cell::Text("岩土工程".into())),
                ("confidential".into(), Cell::Text("是".into())),
            ]),
        };
        let need = parse_need_row(&row, owner()).unwrap();
        assert_eq!(need.content.title.as_str(), "Develop a compact sensor for corrosion");
        assert_eq!(need.content.keywords.as_slice(), ["岩土工程"]);
        assert!(need.content.confidential);
    }

    #[test]
    fn control_characters_are_cleaned_and_missing_descriptions_fall_back_to_the_title() {
        let row = ImportRow {
            number: 7,
            cells: BTreeMap::from([
                ("title".into(), Cell::Text("Compact corrosion sensor".into())),
                ("description".into(), Cell::Text(String::new())),
            ]),
        };
        let need = parse_need_row(&row, owner()).unwrap();
        assert_eq!(need.content.description.as_str(), "Compact corrosion sensor");
        let row = ImportRow {
            number: 8,
            cells: BTreeMap::from([(
                "abstract".into(),
                Cell::Text("Laser\u{b}welding of\u{0} aluminium sheets.".into()),
            )]),
        };
        let result = parse_result_row(&row, owner()).unwrap();
        assert_eq!(result.content.abstract_text.as_str(), "Laser welding of  aluminium sheets.");
        let empty = ImportRow { number: 9, cells: BTreeMap::new() };
        let errors = parse_result_row(&empty, owner()).unwrap_err();
        assert_eq!(errors[0].field, "abstract");
        assert_eq!(errors[0].row, 9);
    }
}
