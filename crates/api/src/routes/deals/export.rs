//! The deals a caller follows as a CSV or XLSX file, with the contract columns of China's
//! technology contract registration.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use techmatch_domain::deal::Deal;
use techmatch_domain::{Actor, FieldError};
use techmatch_service::Services;
use utoipa::IntoParams;

use crate::error::{ApiError, ErrorBody};
use crate::extract::Authenticated;
use crate::routes::export::{collect_pages, file_response, optional};
use crate::spreadsheet::{ExportFormat, Table};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DealExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

const DEAL_COLUMNS: [&str; 18] = [
    "deal_id",
    "stage",
    "origin",
    "result_id",
    "need_id",
    "seller",
    "buyer",
    "contract_type",
    "contract_amount_yuan",
    "contract_date",
    "seller_credit_code",
    "buyer_credit_code",
    "buyer_local",
    "registration_number",
    "registration_date",
    "close_reason",
    "created_at",
    "updated_at",
];

fn deal_row(deal: Deal, names: &HashMap<i64, String>) -> Vec<String> {
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    vec![
        deal.id.0.to_string(),
        deal.stage.as_str().to_owned(),
        deal.origin.as_str().to_owned(),
        optional(deal.result_id.map(|id| id.0)),
        optional(deal.need_id.map(|id| id.0)),
        name(deal.research_organization.0),
        name(deal.company_organization.0),
        optional(deal.contract_type.map(|kind| kind.as_str())),
        optional(deal.contract_amount_yuan),
        optional(deal.contract_date),
        optional(deal.seller_credit_code),
        optional(deal.buyer_credit_code),
        optional(deal.buyer_local),
        optional(deal.registration_number),
        optional(deal.registration_date),
        optional(deal.close_reason.map(|reason| reason.as_str())),
        deal.created_at.to_rfc3339(),
        deal.updated_at.to_rfc3339(),
    ]
}

/// Export the deals the caller follows (staff: all) with their contracts, as CSV or XLSX (at
/// most 10,000 rows).
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(DealExportQuery),
    responses(
        (status = 200, description = "the file", content_type = "text/csv"),
        (status = 400, description = "invalid query string", body = ErrorBody),
        (status = 422, description = "invalid format", body = ErrorBody),
    )
)]
#[get("/export/deals")]
pub async fn export_deals(
    services: web::Data<Services>,
    caller: Authenticated,
    query: web::Query<DealExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = ExportFormat::parse(query.format.as_deref()).ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("format", "invalid_format", "must be csv or xlsx")])
    })?;
    deals_file(&services, &caller.0, format).await
}

/// The file of the deals `actor` follows (also behind the deals page's links).
pub(crate) async fn deals_file(
    services: &Services,
    actor: &Actor,
    format: ExportFormat,
) -> Result<HttpResponse, ApiError> {
    let deals = collect_pages(|page| services.deals.deals(actor, None, None, page)).await?;
    let names = services.deals.organization_names(&deals).await?;
    let rows = deals.into_iter().map(|deal| deal_row(deal, &names)).collect();
    file_response(&Table { header: DEAL_COLUMNS.to_vec(), rows }, format, "deals")
}
