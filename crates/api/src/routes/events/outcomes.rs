//! What followed a meeting: attendance and outcome, and the sides' ratings.

use actix_web::{patch, post, web};
use serde::Deserialize;
use techmatch_domain::event::MeetingId;
use techmatch_service::Services;
use utoipa::ToSchema;

use super::meetings::{MeetingResponse, meeting_response};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// `contacted`, `intent_signed` or `contract_signed` (only forward).
    pub stage: String,
    /// Required for a signed contract, in yuan.
    pub contract_amount_yuan: Option<i64>,
    /// Required for a signed contract, `YYYY-MM-DD`.
    pub contract_date: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpRequest {
    /// `scheduled`, `held` or `no_show`.
    pub attendance: Option<String>,
    pub outcome: Option<OutcomeRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// `good` or `poor`.
    pub rating: String,
    pub comment: Option<String>,
}

/// Record attendance and what followed a meeting (staff). Outcomes only move forward; a
/// signed contract needs its amount and date. Intents and contracts feed the matching feedback.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "meeting id")),
    request_body = FollowUpRequest,
    responses(
        (status = 200, description = "recorded", body = MeetingResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such meeting", body = ErrorBody),
        (status = 422, description = "invalid attendance or outcome", body = ErrorBody),
    )
)]
#[patch("/meetings/{id}")]
pub async fn follow_up(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<FollowUpRequest>,
) -> Result<web::Json<MeetingResponse>, ApiError> {
    let body = body.into_inner();
    let outcome = body
        .outcome
        .as_ref()
        .map(|outcome| (outcome.stage.as_str(), outcome.contract_amount_yuan, outcome.contract_date.as_deref()));
    let meeting = services
        .events
        .record_follow_up(&caller.0, MeetingId(path.into_inner()), body.attendance.as_deref(), outcome)
        .await?;
    Ok(web::Json(meeting_response(meeting, None)))
}

/// Rate the service after a held meeting (either side): good or poor, with a comment.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "meeting id")),
    request_body = RatingRequest,
    responses(
        (status = 200, description = "rated", body = MeetingResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 403, description = "not a researcher or company account", body = ErrorBody),
        (status = 404, description = "no such meeting of the caller", body = ErrorBody),
        (status = 409, description = "the meeting was not held", body = ErrorBody),
        (status = 422, description = "invalid rating or comment", body = ErrorBody),
    )
)]
#[post("/meetings/{id}/rating")]
pub async fn rate(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<RatingRequest>,
) -> Result<web::Json<MeetingResponse>, ApiError> {
    let meeting =
        services.events.rate(&caller.0, MeetingId(path.into_inner()), &body.rating, body.comment.as_deref()).await?;
    Ok(web::Json(meeting_response(meeting, None)))
}
