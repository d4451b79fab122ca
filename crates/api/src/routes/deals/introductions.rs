//! Introductions by liaison officers, and each side's answer.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use techmatch_domain::FieldError;
use techmatch_domain::deal::{IntroductionId, MessageText};
use techmatch_domain::listing::{NeedId, ResultId};
use techmatch_service::Services;
use techmatch_service::deals::IntroductionView;
use utoipa::ToSchema;

use crate::dto::PageQuery;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntroductionRequest {
    pub result_id: i64,
    pub need_id: i64,
    /// Why the two should meet, in plain words (1 to 5,000 characters).
    pub note: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntroductionAnswerRequest {
    /// `accept` or `decline`.
    pub decision: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntroductionResponse {
    pub id: i64,
    pub result_id: i64,
    pub result_title: String,
    pub research_organization: String,
    /// The need and its company: to the research side only once the company accepted, if the
    /// need is confidential.
    pub need_id: Option<i64>,
    pub need_title: Option<String>,
    pub company_organization: Option<String>,
    pub introducer_user_id: i64,
    pub note: String,
    /// Each side's answer: `open`, `accepted` or `declined`.
    pub research_answer: String,
    pub company_answer: String,
    /// `open` until both answered; `accepted` when both accepted; `declined` when one declined.
    pub status: String,
    pub deal_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl From<IntroductionView> for IntroductionResponse {
    fn from(view: IntroductionView) -> Self {
        let introduction = view.introduction;
        let shown = view.need_title.is_some();
        IntroductionResponse {
            id: introduction.id.0,
            result_id: introduction.result_id.0,
            result_title: view.result_title,
            research_organization: view.research_name,
            need_id: shown.then_some(introduction.need_id.0),
            need_title: view.need_title,
            company_organization: view.company_name,
            introducer_user_id: introduction.introducer.0,
            note: introduction.note.clone(),
            research_answer: introduction.research_answer.as_str().to_owned(),
            company_answer: introduction.company_answer.as_str().to_owned(),
            status: introduction.status().as_str().to_owned(),
            deal_id: introduction.deal_id.map(|id| id.0),
            created_at: introduction.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntroductionListResponse {
    pub items: Vec<IntroductionResponse>,
    pub total: u64,
}

/// Introduce a published result to an open need (liaison officers and admins); both sides are
/// notified and asked.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    request_body = IntroductionRequest,
    responses(
        (status = 201, description = "made", body = IntroductionResponse),
        (status = 400, description = "malformed json or unknown field", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such result or need", body = ErrorBody),
        (status = 409, description = "a listing is closed, both are one organization's, or one is waiting already", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "empty or too long note", body = ErrorBody),
    )
)]
#[post("/introductions")]
pub async fn introduce(
    services: web::Data<Services>,
    caller: Authenticated,
    body: JsonBody<IntroductionRequest>,
) -> Result<HttpResponse, ApiError> {
    let note = MessageText::parse("note", &body.note).map_err(|error| ApiError::validation(vec![error]))?;
    let made =
        services.deals.introduce(&caller.0, ResultId(body.result_id), NeedId(body.need_id), note, Utc::now()).await?;
    Ok(HttpResponse::Created().json(IntroductionResponse::from(made)))
}

/// The introductions of the caller's organization, or made by the caller (staff: all).
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "introductions", body = IntroductionListResponse),
        (status = 400, description = "bad query", body = ErrorBody),
        (status = 422, description = "limit out of range", body = ErrorBody),
    )
)]
#[get("/introductions")]
pub async fn list_introductions(
    services: web::Data<Services>,
    caller: Authenticated,
    query: web::Query<PageQuery>,
) -> Result<web::Json<IntroductionListResponse>, ApiError> {
    let page = query.into_inner().into_page_request()?;
    let found = services.deals.introductions(&caller.0, page).await?;
    Ok(web::Json(IntroductionListResponse {
        items: found.items.into_iter().map(Into::into).collect(),
        total: found.total,
    }))
}

/// Accept or decline an introduction for one's side; the second acceptance opens the deal.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "introduction id")),
    request_body = IntroductionAnswerRequest,
    responses(
        (status = 200, description = "answered", body = IntroductionResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 403, description = "not a member of either side", body = ErrorBody),
        (status = 404, description = "no such introduction visible to the caller", body = ErrorBody),
        (status = 409, description = "this side answered already, or the introduction ended", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "invalid decision", body = ErrorBody),
    )
)]
#[post("/introductions/{id}/answer")]
pub async fn answer_introduction(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<IntroductionAnswerRequest>,
) -> Result<web::Json<IntroductionResponse>, ApiError> {
    let accept = match body.decision.trim() {
        "accept" => true,
        "decline" => false,
        _ => {
            return Err(ApiError::validation(vec![FieldError::new(
                "decision",
                "invalid_decision",
                "must be one of: accept, decline",
            )]));
        }
    };
    let answered =
        services.deals.answer_introduction(&caller.0, IntroductionId(path.into_inner()), accept, Utc::now()).await?;
    Ok(web::Json(answered.into()))
}
