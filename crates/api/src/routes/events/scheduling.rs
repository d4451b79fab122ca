//! Running the scheduler and publishing the schedule.

use actix_web::{post, web};
use serde::{Deserialize, Serialize};
use techmatch_domain::event::{EventId, ParticipantId};
use techmatch_service::Services;
use techmatch_service::events::{PairInstruction, ScheduleSummary};
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    pub researcher: i64,
    pub company: i64,
    /// Lock the meeting at this slot; without it the pair is recommended wherever it fits.
    pub slot: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    /// Pairs the officer adds or locks; accepted requests and match-score proposals are added
    /// by the system.
    #[serde(default)]
    pub pairs: Vec<PairRequest>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleResponse {
    pub meetings: usize,
    pub total_weight: f64,
    /// Proven upper bound on the best total weight; equal to it when optimal.
    pub upper_bound: f64,
    pub gap_percent: f64,
    pub from_requests: usize,
    /// Meetings of the previous schedule kept at the same slot and table.
    pub kept_in_place: usize,
}

impl From<ScheduleSummary> for ScheduleResponse {
    fn from(summary: ScheduleSummary) -> Self {
        ScheduleResponse {
            meetings: summary.meetings,
            total_weight: summary.total_weight,
            upper_bound: summary.upper_bound,
            gap_percent: summary.gap_percent,
            from_requests: summary.from_requests,
            kept_in_place: summary.kept_in_place,
        }
    }
}

/// Run the scheduler and publish the meeting schedule (staff). Accepted requests weigh most,
/// then the officer's pairs, then proposals by match score; existing meetings stay in place
/// where possible; the response carries the proven bound and the gap.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    request_body = ScheduleRequest,
    responses(
        (status = 200, description = "published", body = ScheduleResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 409, description = "event not open or scheduled, a declined pair, or outcomes already recorded", body = ErrorBody),
        (status = 422, description = "unknown pair or impossible lock", body = ErrorBody),
    )
)]
#[post("/events/{id}/schedule")]
pub async fn schedule(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<ScheduleRequest>,
) -> Result<web::Json<ScheduleResponse>, ApiError> {
    let pairs: Vec<PairInstruction> = body
        .into_inner()
        .pairs
        .into_iter()
        .map(|pair| PairInstruction {
            researcher: ParticipantId(pair.researcher),
            company: ParticipantId(pair.company),
            slot: pair.slot,
        })
        .collect();
    Ok(web::Json(services.events.schedule(&caller.0, EventId(path.into_inner()), &pairs).await?.into()))
}
