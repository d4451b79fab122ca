//! Registered technology contracts, as a contract registry exports them, joined to the
//! platform's deals: each row names the registration, the contract's type, amount and signing
//! date, and both parties' unified social credit codes; a row is joined to the one deal whose
//! recorded codes are the row's and whose signing date is nearest (within a month), and the
//! registration is recorded on it. Rows that cannot be read, or joined to exactly one deal,
//! are reported and write nothing.
//!
//! Columns (JSONL keys or header cells; the registry's Chinese headers are understood too):
//! `registration_number` (合同登记号), `contract_type` (合同类别: the five categories, in
//! English or Chinese), `amount_yuan` (成交金额), `signing_date` (签订日期), `registration_date`
//! (登记日期), `seller_credit_code` and `seller_name` (卖方), `buyer_credit_code` and
//! `buyer_name` (买方).

use chrono::NaiveDate;
use techmatch_domain::deal::{ContractType, CreditCode, Deal, DealStage};
use techmatch_domain::{FieldError, UserId};
use techmatch_store::{Store, StoredDealChange, UpdateError};

use super::read::{Cell, ImportRow};
use super::{ImportError, RowError};

/// How far a registry's signing date may be from the one recorded on the deal.
const SIGNING_DAYS_APART: i64 = 31;

/// One registered contract as read.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisteredContract {
    pub row: usize,
    pub registration_number: String,
    pub contract_type: ContractType,
    pub amount_yuan: i64,
    pub signing_date: NaiveDate,
    pub registration_date: NaiveDate,
    pub seller: CreditCode,
    pub buyer: CreditCode,
}

/// What an import of registered contracts did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContractImportReport {
    /// Rows recorded on a deal, with the deal's id.
    pub recorded: Vec<(usize, i64)>,
    /// Rows whose registration the deal already had.
    pub already_recorded: usize,
    pub errors: Vec<RowError>,
}

fn cell<'r>(row: &'r ImportRow, names: &[&str]) -> Option<&'r Cell> {
    names.iter().find_map(|name| row.cells.get(*name))
}

fn text(row: &ImportRow, names: &[&str]) -> Option<String> {
    match cell(row, names)? {
        Cell::Text(text) => Some(text.trim().to_owned()).filter(|text| !text.is_empty()),
        Cell::Number(number) if number.fract() == 0.0 => Some(format!("{}", *number as i64)),
        Cell::Number(number) => Some(number.to_string()),
        Cell::Bool(flag) => Some(flag.to_string()),
        Cell::List(items) => Some(items.join(";")),
    }
}

/// The registry's Chinese category names, or ours.
fn contract_type(raw: &str) -> Result<ContractType, FieldError> {
    match raw.trim() {
        "技术开发" => Ok(ContractType::Development),
        "技术转让" => Ok(ContractType::Transfer),
        "技术许可" => Ok(ContractType::License),
        "技术咨询" => Ok(ContractType::Consulting),
        "技术服务" => Ok(ContractType::Service),
        other => ContractType::parse("contract_type", other),
    }
}

fn date(row: &ImportRow, field: &'static str, names: &[&str]) -> Result<NaiveDate, FieldError> {
    let raw = text(row, names).ok_or_else(|| FieldError::new(field, "required", "is required"))?;
    // Registries write 2026-03-05, 2026/3/5 or 2026年3月5日.
    let normalised = raw.replace(['/', '年', '月'], "-").replace('日', "");
    NaiveDate::parse_from_str(normalised.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "invalid_date", format!("{raw:?} is not a date like 2026-03-05")))
}

fn keep<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|error| errors.push(error)).ok()
}

/// Reads one row; every problem of the row is reported.
pub fn parse_contract_row(row: &ImportRow) -> Result<RegisteredContract, Vec<FieldError>> {
    let mut errors = Vec::new();
    let registration_number = keep(
        &mut errors,
        text(row, &["registration_number", "合同登记号", "登记号"])
            .ok_or_else(|| FieldError::new("registration_number", "required", "is required")),
    );
    let kind = keep(
        &mut errors,
        text(row, &["contract_type", "合同类别", "合同类型"])
            .ok_or_else(|| FieldError::new("contract_type", "required", "is required"))
            .and_then(|raw| contract_type(&raw)),
    );
    let amount = keep(
        &mut errors,
        text(row, &["amount_yuan", "成交金额", "合同金额"])
            .ok_or_else(|| FieldError::new("amount_yuan", "required", "is required"))
            .and_then(|raw| {
                raw.replace([',', '，'], "")
                    .parse::<f64>()
                    .ok()
                    .filter(|amount| *amount > 0.0 && amount.fract() == 0.0 && *amount < 9e15)
                    .map(|amount| amount as i64)
                    .ok_or_else(|| {
                        FieldError::new("amount_yuan", "not_positive", "must be a whole number of yuan above 0")
                    })
            }),
    );
    let signing_date = keep(&mut errors, date(row, "signing_date", &["signing_date", "签订日期"]));
    let registration_date = keep(&mut errors, date(row, "registration_date", &["registration_date", "登记日期"]));
    let code = |field: &'static str, names: &[&str]| {
        text(row, names)
            .ok_or_else(|| FieldError::new(field, "required", "is required"))
            .and_then(|raw| CreditCode::parse(field, &raw))
    };
    let seller =
        keep(&mut errors, code("seller_credit_code", &["seller_credit_code", "卖方统一社会信用代码", "卖方信用代码"]));
    let buyer =
        keep(&mut errors, code("buyer_credit_code", &["buyer_credit_code", "买方统一社会信用代码", "买方信用代码"]));
    if let (Some(signed), Some(registered)) = (signing_date, registration_date)
        && registered < signed
    {
        errors.push(FieldError::new("registration_date", "before_signing", "is before the signing date"));
    }
    match (registration_number, kind, amount, signing_date, registration_date, seller, buyer) {
        (
            Some(registration_number),
            Some(contract_type),
            Some(amount_yuan),
            Some(signing_date),
            Some(registration_date),
            Some(seller),
            Some(buyer),
        ) if errors.is_empty() => Ok(RegisteredContract {
            row: row.number,
            registration_number,
            contract_type,
            amount_yuan,
            signing_date,
            registration_date,
            seller,
            buyer,
        }),
        _ => Err(errors),
    }
}

/// Where a registered contract goes.
enum Join {
    Record(Deal),
    Already,
    Refused(&'static str, String),
}

fn join(contract: &RegisteredContract, candidates: &[Deal]) -> Join {
    if candidates.iter().any(|deal| deal.registration_number.as_deref() == Some(contract.registration_number.as_str()))
    {
        return Join::Already;
    }
    let mut near: Vec<(i64, &Deal)> = candidates
        .iter()
        .filter(|deal| deal.stage == DealStage::ContractSigned)
        .filter_map(|deal| {
            let apart = (deal.contract_date? - contract.signing_date).num_days().abs();
            (apart <= SIGNING_DAYS_APART).then_some((apart, deal))
        })
        .collect();
    near.sort_by_key(|(apart, deal)| (*apart, deal.id.0));
    match near.as_slice() {
        [] => Join::Refused(
            "no_deal",
            format!(
                "no signed deal between {} and {} within {SIGNING_DAYS_APART} days of {}",
                contract.seller, contract.buyer, contract.signing_date
            ),
        ),
        [(first, _), (second, _), ..] if first == second => Join::Refused(
            "ambiguous",
            "several signed deals of these parties are as near to this signing date; record it on the deal by hand"
                .to_owned(),
        ),
        [(_, deal), ..] => Join::Record((*deal).clone()),
    }
}

/// Joins the rows to deals and, unless `dry_run`, records each registration (each in its own
/// transaction, with a timeline entry by `actor`). `progress(done, total)` after each row.
pub async fn import_contracts(
    store: &Store,
    rows: &[ImportRow],
    actor: UserId,
    dry_run: bool,
    mut progress: impl FnMut(usize, usize),
) -> Result<ContractImportReport, ImportError> {
    let mut report = ContractImportReport::default();
    for (index, row) in rows.iter().enumerate() {
        progress(index, rows.len());
        let contract = match parse_contract_row(row) {
            Ok(contract) => contract,
            Err(errors) => {
                report.errors.extend(errors.into_iter().map(|error| RowError {
                    row: row.number,
                    field: error.field,
                    reason: error.message,
                }));
                continue;
            }
        };
        let candidates = store.deals_between_parties(&contract.seller, &contract.buyer).await?;
        let deal = match join(&contract, &candidates) {
            Join::Record(deal) => deal,
            Join::Already => {
                report.already_recorded += 1;
                continue;
            }
            Join::Refused(field, reason) => {
                report.errors.push(RowError { row: row.number, field: field.to_owned(), reason });
                continue;
            }
        };
        if dry_run {
            report.recorded.push((row.number, deal.id.0));
            continue;
        }
        let mut note = format!("合同登记 / registered: {}", contract.registration_number);
        if deal.contract_amount_yuan != Some(contract.amount_yuan) {
            note.push_str(&format!(
                "; 登记金额 {} 元 / the registry's amount, {} yuan, differs from the {} recorded",
                contract.amount_yuan,
                contract.amount_yuan,
                deal.contract_amount_yuan.unwrap_or(0)
            ));
        }
        let change = StoredDealChange {
            stage: DealStage::ContractRegistered,
            close_reason: None,
            contract_type: None,
            contract_amount_yuan: None,
            contract_date: None,
            seller_credit_code: None,
            buyer_credit_code: None,
            buyer_local: None,
            registration_number: Some(contract.registration_number.clone()),
            registration_date: Some(contract.registration_date),
            note: Some(note),
            actor,
            at: chrono::Utc::now(),
        };
        match store.change_deal(deal.id, deal.version, &change, &[]).await {
            Ok(_) => report.recorded.push((row.number, deal.id.0)),
            Err(UpdateError::VersionConflict { .. } | UpdateError::NotFound) => report.errors.push(RowError {
                row: row.number,
                field: "deal".into(),
                reason: format!("deal {} changed while importing; import the row again", deal.id),
            }),
            Err(UpdateError::Store(error)) => return Err(error.into()),
        }
    }
    progress(rows.len(), rows.len());
    Ok(report)
}
