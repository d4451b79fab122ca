//! The bureau's funnel of deals over the API, as JSON or as a workbook.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use techmatch_domain::FieldError;
use techmatch_service::Services;
use techmatch_service::deals::{FUNNEL_STAGES, Funnel, FunnelFigures};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorBody};
use crate::extract::Authenticated;
use crate::routes::export::file_response;
use crate::spreadsheet::{ExportFormat, Table};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FunnelQuery {
    /// First day (YYYY-MM-DD) of the period the deals were opened in.
    pub from: String,
    /// Last day, included.
    pub to: String,
    /// `json` (default) or `xlsx`.
    pub format: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageFigure {
    pub stage: String,
    /// Deals that reached this stage.
    pub reached: u64,
    /// Of the deals that reached the stage before, the share that reached this one.
    pub conversion: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelFiguresResponse {
    pub deals: u64,
    pub stages: Vec<StageFigure>,
    /// Deals at each stage now, closed and `nda_signed` included.
    pub now_at: BTreeMap<String, u64>,
    pub contracts: u64,
    pub contract_amount_yuan: i64,
    pub registered: u64,
    pub registered_amount_yuan: i64,
    pub local_contracts: u64,
    pub local_amount_yuan: i64,
    /// The share of the contract amount whose buyer is in the platform's region.
    pub local_share: Option<f64>,
}

impl From<&FunnelFigures> for FunnelFiguresResponse {
    fn from(figures: &FunnelFigures) -> Self {
        let conversions = figures.conversions();
        let stages = FUNNEL_STAGES
            .iter()
            .enumerate()
            .map(|(index, stage)| StageFigure {
                stage: stage.as_str().to_owned(),
                reached: figures.reached[index],
                conversion: index.checked_sub(1).and_then(|previous| conversions[previous]),
            })
            .collect();
        FunnelFiguresResponse {
            deals: figures.deals,
            stages,
            now_at: figures.now_at.iter().map(|(stage, count)| ((*stage).to_owned(), *count)).collect(),
            contracts: figures.contracts(),
            contract_amount_yuan: figures.contract_amount_yuan,
            registered: figures.registered(),
            registered_amount_yuan: figures.registered_amount_yuan,
            local_contracts: figures.local_contracts,
            local_amount_yuan: figures.local_amount_yuan,
            local_share: figures.local_share(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelResponse {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub all: FunnelFiguresResponse,
    /// By how the deal came about: `interest`, `introduction`, `event_meeting`.
    pub by_origin: BTreeMap<String, FunnelFiguresResponse>,
    /// By the buyer's province (first two digits of its GB/T 2260 code).
    pub by_province: BTreeMap<String, FunnelFiguresResponse>,
    /// By the month the deals opened in (China time, `2026-12`).
    pub by_month: BTreeMap<String, FunnelFiguresResponse>,
    /// By the GB/T 4754 division of the deal's need (else result), or `unclassified`.
    pub by_industry: BTreeMap<String, FunnelFiguresResponse>,
    /// By introducer's user id.
    pub by_introducer: BTreeMap<String, FunnelFiguresResponse>,
    /// The introducers' names and roles, by user id.
    pub introducers: BTreeMap<String, IntroducerResponse>,
    /// By the introducer's role: `liaison_officer`, `broker` (and `admin`).
    pub by_introducer_role: BTreeMap<String, FunnelFiguresResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntroducerResponse {
    pub display_name: String,
    pub role: String,
}

impl From<&Funnel> for FunnelResponse {
    fn from(funnel: &Funnel) -> Self {
        FunnelResponse {
            from: funnel.from,
            to: funnel.to,
            all: (&funnel.all).into(),
            by_origin: funnel
                .by_origin
                .iter()
                .map(|(origin, figures)| ((*origin).to_owned(), figures.into()))
                .collect(),
            by_province: funnel
                .by_province
                .iter()
                .map(|(province, figures)| (province.clone(), figures.into()))
                .collect(),
            by_month: funnel.by_month.iter().map(|(month, figures)| (month.clone(), figures.into())).collect(),
            by_industry: funnel
                .by_industry
                .iter()
                .map(|(industry, figures)| (industry.clone(), figures.into()))
                .collect(),
            by_introducer: funnel
                .by_introducer
                .iter()
                .map(|(user, figures)| (user.to_string(), figures.into()))
                .collect(),
            introducers: funnel
                .introducers
                .iter()
                .map(|(user, introducer)| {
                    let response = IntroducerResponse {
                        display_name: introducer.display_name.clone(),
                        role: introducer.role.as_str().to_owned(),
                    };
                    (user.to_string(), response)
                })
                .collect(),
            by_introducer_role: funnel
                .by_introducer_role
                .iter()
                .map(|(role, figures)| ((*role).to_owned(), figures.into()))
                .collect(),
        }
    }
}

pub(super) fn date(field: &str, raw: &str) -> Result<NaiveDate, ApiError> {
    crate::routes::events::parse_date(field, raw).map_err(|error| ApiError::validation(vec![error]))
}

/// The funnel's workbook (also behind the funnel page's link).
pub(crate) fn funnel_workbook(funnel: &Funnel, from: NaiveDate, to: NaiveDate) -> Result<HttpResponse, ApiError> {
    file_response(&funnel_table(funnel), ExportFormat::Xlsx, &format!("deal-funnel-{from}-{to}"))
}

/// One row per group and stage: the workbook of the funnel.
fn funnel_table(funnel: &Funnel) -> Table {
    let mut rows = Vec::new();
    let mut group = |dimension: &str, key: &str, figures: &FunnelFigures| {
        let conversions = figures.conversions();
        for (index, stage) in FUNNEL_STAGES.iter().enumerate() {
            rows.push(vec![
                dimension.to_owned(),
                key.to_owned(),
                stage.as_str().to_owned(),
                figures.reached[index].to_string(),
                index
                    .checked_sub(1)
                    .and_then(|previous| conversions[previous])
                    .map(|share| format!("{share:.4}"))
                    .unwrap_or_default(),
                figures.contract_amount_yuan.to_string(),
                figures.registered_amount_yuan.to_string(),
                figures.local_share().map(|share| format!("{share:.4}")).unwrap_or_default(),
            ]);
        }
    };
    group("all", "", &funnel.all);
    for (origin, figures) in &funnel.by_origin {
        group("origin", origin, figures);
    }
    for (province, figures) in &funnel.by_province {
        group("province", province, figures);
    }
    for (month, figures) in &funnel.by_month {
        group("month", month, figures);
    }
    for (industry, figures) in &funnel.by_industry {
        group("industry", industry, figures);
    }
    for (introducer, figures) in &funnel.by_introducer {
        let name = funnel.introducers.get(introducer).map(|introducer| introducer.display_name.as_str());
        group("introducer", &name.map_or_else(|| introducer.to_string(), str::to_owned), figures);
    }
    for (role, figures) in &funnel.by_introducer_role {
        group("introducer_role", role, figures);
    }
    Table {
        header: vec![
            "group",
            "key",
            "stage",
            "reached",
            "conversion",
            "contract_amount_yuan",
            "registered_amount_yuan",
            "local_share",
        ],
        rows,
    }
}

/// The funnel of the deals opened in a period (staff): how many reached each stage, the
/// conversion from stage to stage, contract and registered amounts and the local share, overall
/// and by origin, buyer's province and introducer; `format=xlsx` for a workbook.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(FunnelQuery),
    responses(
        (status = 200, description = "the funnel", body = FunnelResponse),
        (status = 400, description = "missing or malformed query", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 422, description = "bad dates, reversed range or unknown format", body = ErrorBody),
    )
)]
#[get("/deals/funnel")]
pub async fn deal_funnel(
    services: web::Data<Services>,
    caller: Authenticated,
    query: web::Query<FunnelQuery>,
) -> Result<HttpResponse, ApiError> {
    let (from, to) = (date("from", &query.from)?, date("to", &query.to)?);
    let xlsx = match query.format.as_deref() {
        None | Some("json") => false,
        Some("xlsx") => true,
        Some(_) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "format",
                "invalid_format",
                "must be json or xlsx",
            )]));
        }
    };
    let funnel = services.deals.funnel(&caller.0, from, to).await?;
    if xlsx {
        return funnel_workbook(&funnel, from, to);
    }
    Ok(HttpResponse::Ok().json(FunnelResponse::from(&funnel)))
}
