//! What followed a meeting: attendance and outcome, and the sides' ratings.

use actix_web::{patch, post, web};
use serde::Deserialize;
use techmatch_domain::deal::DealChangeInput;
use techmatch_domain::event::MeetingId;
use techmatch_service::Services;
use utoipa::ToSchema;

use super::meetings::{MeetingResponse, meeting_response};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// The stage the pair's deal moves to (only forward): `in_talks`, `nda_signed`,
    /// `intent_signed`, `contract_signed`, `contract_registered` (staff) or `closed`.
    pub stage: String,
    /// A line for the deal's timeline.
    pub note: Option<String>,
    /// For `closed`: `no_agreement`, `price`, `not_feasible`, `withdrawn` or `other`.
    pub close_reason: Option<String>,
    /// For `contract_signed`: `technology_development`, `technology_transfer`,
    /// `technology_license`, `technology_consulting` or `technology_service`.
    pub contract_type: Option<String>,
    /// For `contract_signed`: above 0, in yuan.
    pub contract_amount_yuan: Option<i64>,
    /// For `contract_signed`: not in the future (`YYYY-MM-DD`).
    pub contract_date: Option<String>,
    /// With `contract_signed` or `contract_registered`: 18 characters (GB 32100).
    pub seller_credit_code: Option<String>,
    pub buyer_credit_code: Option<String>,
    /// For `contract_registered`.
    pub registration_number: Option<String>,
    pub registration_date: Option<String>,
}

impl OutcomeRequest {
    fn into_change(self) -> DealChangeInput {
        DealChangeInput {
            stage: self.stage,
            note: self.note,
            close_reason: self.close_reason,
            contract_type: self.contract_type,
            contract_amount_yuan: self.contract_amount_yuan,
            contract_date: self.contract_date,
            seller_credit_code: self.seller_credit_code,
            buyer_credit_code: self.buyer_credit_code,
            registration_number: self.registration_number,
            registration_date: self.registration_date,
        }
    }
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

/// Record attendance and what followed a meeting (staff), once its slot has begun. The outcome
/// moves the deal of the meeting's pair (opened for the pair if it has none) under the deals'
/// rules: only forward, only for a held meeting, a signed contract with its type, a positive
/// amount and a date that has come. Intents and contracts feed the matching feedback.
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
        (status = 409, description = "the meeting has not begun, was not held, or the deal cannot move there", body = ErrorBody),
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
    let outcome = body.outcome.map(OutcomeRequest::into_change);
    let meeting = services
        .events
        .record_follow_up(
            &caller.0,
            MeetingId(path.into_inner()),
            body.attendance.as_deref(),
            outcome.as_ref(),
            chrono::Utc::now(),
        )
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
