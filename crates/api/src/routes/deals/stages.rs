//! Deals: listed for the parties, introducers and staff; read with their timeline; moved.

use actix_web::{get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use techmatch_domain::FieldError;
use techmatch_domain::deal::{Deal, DealChange, DealChangeInput, DealEvent, DealId, DealStage};
use techmatch_service::Services;
use techmatch_service::deals::{DealService, DealView};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody};

#[derive(Debug, Serialize, ToSchema)]
pub struct DealResponse {
    pub id: i64,
    pub result_id: Option<i64>,
    pub need_id: Option<i64>,
    pub research_organization_id: i64,
    pub company_organization_id: i64,
    /// `introduced`, `in_talks`, `nda_signed`, `intent_signed`, `contract_signed`,
    /// `contract_registered` or `closed`.
    pub stage: String,
    pub close_reason: Option<String>,
    /// `interest`, `introduction` or `event_meeting`.
    pub origin: String,
    pub introducer_user_id: Option<i64>,
    pub interest_id: Option<i64>,
    /// `technology_development`, `technology_transfer`, `technology_license`,
    /// `technology_consulting` or `technology_service`.
    pub contract_type: Option<String>,
    pub contract_amount_yuan: Option<i64>,
    pub contract_date: Option<NaiveDate>,
    /// The research side's unified social credit code, as recorded with the contract.
    pub seller_credit_code: Option<String>,
    /// The company side's.
    pub buyer_credit_code: Option<String>,
    /// Whether the buyer is in the platform's own region (`deals.local_region`).
    pub buyer_local: Option<bool>,
    pub registration_number: Option<String>,
    pub registration_date: Option<NaiveDate>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Deal> for DealResponse {
    fn from(deal: Deal) -> Self {
        DealResponse {
            id: deal.id.0,
            result_id: deal.result_id.map(|id| id.0),
            need_id: deal.need_id.map(|id| id.0),
            research_organization_id: deal.research_organization.0,
            company_organization_id: deal.company_organization.0,
            stage: deal.stage.as_str().to_owned(),
            close_reason: deal.close_reason.map(|reason| reason.as_str().to_owned()),
            origin: deal.origin.as_str().to_owned(),
            introducer_user_id: deal.introducer.map(|id| id.0),
            interest_id: deal.interest_id.map(|id| id.0),
            contract_type: deal.contract_type.map(|kind| kind.as_str().to_owned()),
            contract_amount_yuan: deal.contract_amount_yuan,
            contract_date: deal.contract_date,
            seller_credit_code: deal.seller_credit_code.map(|code| code.as_str().to_owned()),
            buyer_credit_code: deal.buyer_credit_code.map(|code| code.as_str().to_owned()),
            buyer_local: deal.buyer_local,
            registration_number: deal.registration_number,
            registration_date: deal.registration_date,
            version: deal.version,
            created_at: deal.created_at,
            updated_at: deal.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DealEventResponse {
    pub at: DateTime<Utc>,
    pub actor_user_id: i64,
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub note: Option<String>,
}

impl From<DealEvent> for DealEventResponse {
    fn from(event: DealEvent) -> Self {
        DealEventResponse {
            at: event.at,
            actor_user_id: event.actor.0,
            from_stage: event.from.map(|stage| stage.as_str().to_owned()),
            to_stage: event.to.as_str().to_owned(),
            note: event.note,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DealDetailResponse {
    #[serde(flatten)]
    pub deal: DealResponse,
    /// Every change, oldest first.
    pub timeline: Vec<DealEventResponse>,
}

impl From<DealView> for DealDetailResponse {
    fn from(view: DealView) -> Self {
        DealDetailResponse { deal: view.deal.into(), timeline: view.timeline.into_iter().map(Into::into).collect() }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DealListResponse {
    pub items: Vec<DealResponse>,
    pub total: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DealListQuery {
    /// Only deals at this stage.
    pub stage: Option<String>,
    /// Only unfinished deals with no change for this many days (1–3650), the quietest first.
    #[param(minimum = 1, maximum = 3650)]
    pub stalled_days: Option<u32>,
    /// Rows to skip (default 0).
    #[param(minimum = 0, maximum = 9_223_372_036_854_775_807_u64)]
    pub offset: Option<u64>,
    /// Rows to return, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealChangeRequest {
    /// The version read: a deal changed meanwhile answers 409.
    pub version: i64,
    pub stage: String,
    pub note: Option<String>,
    /// For `closed`: `no_agreement`, `price`, `not_feasible`, `withdrawn` or `other`.
    pub close_reason: Option<String>,
    /// For `contract_signed`: `technology_development`, `technology_transfer`,
    /// `technology_license`, `technology_consulting` or `technology_service`.
    pub contract_type: Option<String>,
    /// For `contract_signed`: above 0.
    pub contract_amount_yuan: Option<i64>,
    /// For `contract_signed`: not in the future (YYYY-MM-DD).
    pub contract_date: Option<String>,
    /// With `contract_signed` or `contract_registered`: 18 characters (GB 32100).
    pub seller_credit_code: Option<String>,
    pub buyer_credit_code: Option<String>,
    /// For `contract_registered` (staff).
    pub registration_number: Option<String>,
    /// For `contract_registered`: not before signing nor in the future.
    pub registration_date: Option<String>,
}

/// The deals the caller follows: their organization's, those they introduced (staff: all),
/// most recently changed first.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(DealListQuery),
    responses(
        (status = 200, description = "deals", body = DealListResponse),
        (status = 400, description = "bad query", body = ErrorBody),
        (status = 422, description = "unknown stage or limit out of range", body = ErrorBody),
    )
)]
#[get("/deals")]
pub async fn list_deals(
    services: web::Data<Services>,
    caller: Authenticated,
    query: web::Query<DealListQuery>,
) -> Result<web::Json<DealListResponse>, ApiError> {
    let query = query.into_inner();
    let stage = match query.stage.as_deref() {
        Some(raw) => Some(DealStage::parse("stage", raw).map_err(|error| ApiError::validation(vec![error]))?),
        None => None,
    };
    let page = crate::dto::PageQuery { offset: query.offset, limit: query.limit }.into_page_request()?;
    let quiet_since = match query.stalled_days {
        Some(days @ 1..=3650) => Some(Utc::now() - chrono::Duration::days(i64::from(days))),
        Some(_) => {
            return Err(ApiError::validation(vec![FieldError::new(
                "stalled_days",
                "out_of_range",
                "must be between 1 and 3650",
            )]));
        }
        None => None,
    };
    let found = services.deals.deals(&caller.0, stage, quiet_since, page).await?;
    Ok(web::Json(DealListResponse { items: found.items.into_iter().map(Into::into).collect(), total: found.total }))
}

/// One deal with its timeline (its parties, its introducer and staff).
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "deal id")),
    responses(
        (status = 200, description = "the deal", body = DealDetailResponse),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 404, description = "no such deal visible to the caller", body = ErrorBody),
    )
)]
#[get("/deals/{id}")]
pub async fn get_deal(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<web::Json<DealDetailResponse>, ApiError> {
    Ok(web::Json(services.deals.deal(&caller.0, DealId(path.into_inner())).await?.into()))
}

/// Move a deal to its next stage, or close it with a reason. Stages move forward only (an NDA
/// may be skipped); a contract carries its amount and date; only staff record its registration.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "deal id")),
    request_body = DealChangeRequest,
    responses(
        (status = 200, description = "moved", body = DealDetailResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 403, description = "registration is recorded by staff", body = ErrorBody),
        (status = 404, description = "no such deal visible to the caller", body = ErrorBody),
        (status = 409, description = "stale version, finished deal, or a stage that does not follow", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "invalid stage, amount, date or reason", body = ErrorBody),
    )
)]
#[post("/deals/{id}/stage")]
pub async fn change_deal(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<DealChangeRequest>,
) -> Result<web::Json<DealDetailResponse>, ApiError> {
    let body = body.into_inner();
    let now = Utc::now();
    let input = DealChangeInput {
        stage: body.stage,
        note: body.note,
        close_reason: body.close_reason,
        contract_type: body.contract_type,
        contract_amount_yuan: body.contract_amount_yuan,
        contract_date: body.contract_date,
        seller_credit_code: body.seller_credit_code,
        buyer_credit_code: body.buyer_credit_code,
        registration_number: body.registration_number,
        registration_date: body.registration_date,
    };
    let change = DealChange::parse(&input, DealService::today(now)).map_err(|errors| ApiError::validation(errors.0))?;
    if body.version < 1 {
        return Err(ApiError::validation(vec![FieldError::new("version", "out_of_range", "must be 1 or more")]));
    }
    let moved = services.deals.change_deal(&caller.0, DealId(path.into_inner()), body.version, change, now).await?;
    Ok(web::Json(moved.into()))
}
