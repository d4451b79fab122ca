use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use techmatch_domain::listing::{ListingKind, ResearchResult, TechNeed};
use techmatch_domain::{Actor, FieldError};
use techmatch_service::{ListingFilters, PageRequest, Services};
use utoipa::IntoParams;

use crate::dto::listings::ListingListQuery;
use crate::error::{ApiError, ErrorBody};
use crate::extract::MaybeAuthenticated;
use crate::spreadsheet::{ExportFormat, Table, render};

/// At most this many rows per export.
const EXPORT_LIMIT: u64 = 10_000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
    pub status: Option<String>,
    pub industry: Option<String>,
    pub maturity: Option<String>,
    pub region: Option<String>,
    pub organization_id: Option<i64>,
    pub mine: Option<bool>,
    pub challenge: Option<bool>,
}

impl ExportQuery {
    fn split(self) -> Result<(ExportFormat, ListingFilters), ApiError> {
        let format = ExportFormat::parse(self.format.as_deref()).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new("format", "invalid_format", "must be csv or xlsx")])
        })?;
        let list = ListingListQuery {
            page: None,
            per_page: None,
            status: self.status,
            industry: self.industry,
            maturity: self.maturity,
            region: self.region,
            organization_id: self.organization_id,
            mine: self.mine,
            challenge: self.challenge,
        };
        let (_, _, _, filters) = list.into_filters()?;
        Ok((format, filters))
    }
}

fn joined(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    items.into_iter().map(|item| item.as_ref().to_owned()).collect::<Vec<_>>().join(";")
}

pub(crate) fn optional(value: Option<impl ToString>) -> String {
    value.map(|value| value.to_string()).unwrap_or_default()
}

/// Every item of a list the caller may see, 500 at a time, up to the export limit.
pub(crate) async fn collect_pages<T, F, Fut>(mut fetch: F) -> Result<Vec<T>, ApiError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<techmatch_service::Page<T>, techmatch_service::ServiceError>>,
{
    const PAGE: u64 = 500;
    let mut items = Vec::new();
    let mut offset = 0;
    while offset < EXPORT_LIMIT {
        let page = fetch(PageRequest { offset, limit: PAGE.min(EXPORT_LIMIT - offset) }).await?;
        let fetched = page.items.len() as u64;
        items.extend(page.items);
        if fetched < PAGE {
            break;
        }
        offset += fetched;
    }
    Ok(items)
}

pub(crate) fn file_response(table: &Table, format: ExportFormat, name: &str) -> Result<HttpResponse, ApiError> {
    let bytes =
        render(table, format).map_err(|error| ApiError::from(techmatch_service::ServiceError::Internal(error)))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.{}\"", format.extension())))
        .body(bytes))
}

/// Export the research results the caller may see, filtered like the list, as CSV or XLSX
/// (at most 10,000 rows; the columns are those `techmatch import` reads).
#[utoipa::path(
    tag = "results",
    params(ExportQuery),
    responses(
        (status = 200, description = "the file", content_type = "text/csv"),
        (status = 400, description = "invalid query string", body = ErrorBody),
        (status = 401, description = "a token was sent but is invalid", body = ErrorBody),
        (status = 422, description = "invalid format or filters", body = ErrorBody),
    )
)]
#[get("/export/results")]
pub async fn export_results(
    services: web::Data<Services>,
    caller: MaybeAuthenticated,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (format, filters) = query.into_inner().split()?;
    listings_file(&services, caller.actor(), ListingKind::Result, format, filters).await
}

/// Export the technology needs the caller may see (confidential ones only to their company and
/// staff), filtered like the list, as CSV or XLSX.
#[utoipa::path(
    tag = "needs",
    params(ExportQuery),
    responses(
        (status = 200, description = "the file", content_type = "text/csv"),
        (status = 400, description = "invalid query string", body = ErrorBody),
        (status = 401, description = "a token was sent but is invalid", body = ErrorBody),
        (status = 422, description = "invalid format or filters", body = ErrorBody),
    )
)]
#[get("/export/needs")]
pub async fn export_needs(
    services: web::Data<Services>,
    caller: MaybeAuthenticated,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let (format, filters) = query.into_inner().split()?;
    listings_file(&services, caller.actor(), ListingKind::Need, format, filters).await
}

/// The columns of an exported file of each kind: those `techmatch import` reads.
const RESULT_COLUMNS: [&str; 13] = [
    "id",
    "title",
    "abstract",
    "keywords",
    "field",
    "institution",
    "industry_codes",
    "maturity",
    "transfer_modes",
    "asking_price_min",
    "asking_price_max",
    "region_code",
    "status",
];
const NEED_COLUMNS: [&str; 13] = [
    "id",
    "title",
    "description",
    "keywords",
    "industry_codes",
    "min_maturity",
    "budget_min",
    "budget_max",
    "deadline",
    "region_code",
    "cooperation_modes",
    "confidential",
    "status",
];

fn result_row(result: ResearchResult) -> Vec<String> {
    let content = result.content;
    vec![
        result.external_id.unwrap_or_else(|| format!("result-{}", result.id)),
        content.title.as_str().to_owned(),
        content.abstract_text.as_str().to_owned(),
        joined(content.keywords.as_slice()),
        optional(content.field),
        optional(content.institution),
        joined(content.industry_codes.iter().map(|code| code.as_str())),
        content.maturity.as_str().to_owned(),
        joined(content.transfer_modes.iter().map(|mode| mode.as_str())),
        optional(content.asking_price.min),
        optional(content.asking_price.max),
        optional(content.region_code.as_ref().map(|code| code.as_str())),
        result.status.as_str().to_owned(),
    ]
}

fn need_row(need: TechNeed) -> Vec<String> {
    let content = need.content;
    vec![
        need.external_id.unwrap_or_else(|| format!("need-{}", need.id)),
        content.title.as_str().to_owned(),
        content.description.as_str().to_owned(),
        joined(content.keywords.as_slice()),
        joined(content.industry_codes.iter().map(|code| code.as_str())),
        optional(content.min_maturity.map(|maturity| maturity.as_str())),
        optional(content.budget.min),
        optional(content.budget.max),
        optional(content.deadline),
        optional(content.region_code.as_ref().map(|code| code.as_str())),
        joined(content.cooperation_modes.iter().map(|mode| mode.as_str())),
        content.confidential.to_string(),
        need.status.as_str().to_owned(),
    ]
}

/// The file of the listings of `kind` a caller may see (also behind the pages' download links).
pub(crate) async fn listings_file(
    services: &Services,
    actor: Option<&Actor>,
    kind: ListingKind,
    format: ExportFormat,
    filters: ListingFilters,
) -> Result<HttpResponse, ApiError> {
    let (table, name) = match kind {
        ListingKind::Result => {
            let results = collect_pages(|page| services.listings.list_results(actor, filters.clone(), page)).await?;
            let rows = results.into_iter().map(result_row).collect();
            (Table { header: RESULT_COLUMNS.to_vec(), rows }, "research-results")
        }
        ListingKind::Need => {
            let needs = collect_pages(|page| services.listings.list_needs(actor, filters.clone(), page)).await?;
            (
                Table { header: NEED_COLUMNS.to_vec(), rows: needs.into_iter().map(need_row).collect() },
                "technology-needs",
            )
        }
    };
    file_response(&table, format, name)
}
