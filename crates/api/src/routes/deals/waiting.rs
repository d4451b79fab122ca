//! What waits on the caller: interests and introductions to answer, deals gone quiet.

use actix_web::{get, web};
use serde::Serialize;
use techmatch_service::Services;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::extract::Authenticated;

#[derive(Debug, Serialize, ToSchema)]
pub struct WaitingResponse {
    /// Open interests in the caller's organization's listings.
    pub interests_to_answer: u64,
    /// Open introductions the caller's side has not answered.
    pub introductions_to_answer: u64,
    /// Unfinished deals the caller follows, unchanged for `deals.stalled_after_days`.
    pub stalled_deals: u64,
}

/// What waits on the caller (staff: the deals gone quiet platform-wide).
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "the counts", body = WaitingResponse),
        (status = 403, description = "an account that follows no deals", body = ErrorBody),
    )
)]
#[get("/me/waiting")]
pub async fn waiting_on_me(
    services: web::Data<Services>,
    caller: Authenticated,
) -> Result<web::Json<WaitingResponse>, ApiError> {
    let waiting = services.deals.waiting_on(&caller.0, chrono::Utc::now()).await?;
    Ok(web::Json(WaitingResponse {
        interests_to_answer: waiting.interests_to_answer,
        introductions_to_answer: waiting.introductions_to_answer,
        stalled_deals: waiting.stalled_deals,
    }))
}
