//! 1:1 meeting requests between approved participants.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use techmatch_domain::event::{EventId, MeetingRequest, MeetingRequestId, ParticipantId};
use techmatch_service::Services;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingRequestBody {
    /// The participant id of the other side.
    pub to: i64,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingRequestResponse {
    pub id: i64,
    pub event_id: i64,
    pub from: i64,
    pub to: i64,
    pub message: String,
    /// `pending`, `accepted`, `declined` or `expired`.
    pub status: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
}

impl From<MeetingRequest> for MeetingRequestResponse {
    fn from(request: MeetingRequest) -> Self {
        let status = request.status_at(Utc::now()).as_str().to_owned();
        MeetingRequestResponse {
            id: request.id.0,
            event_id: request.event_id.0,
            from: request.from.0,
            to: request.to.0,
            message: request.message,
            status,
            expires_at: request.expires_at,
            created_at: request.created_at,
            responded_at: request.responded_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingRequestListResponse {
    pub items: Vec<MeetingRequestResponse>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    pub accept: bool,
}

/// Request a 1:1 meeting with an approved participant of the other side. Asking again returns
/// the request already made; asking someone who asked you accepts their request.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    request_body = MeetingRequestBody,
    responses(
        (status = 201, description = "the request", body = MeetingRequestResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 403, description = "not an approved participant", body = ErrorBody),
        (status = 404, description = "no such event or participant", body = ErrorBody),
        (status = 409, description = "event not open or already started", body = ErrorBody),
        (status = 422, description = "same side or message too long", body = ErrorBody),
    )
)]
#[post("/events/{id}/requests")]
pub async fn request_meeting(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<MeetingRequestBody>,
) -> Result<HttpResponse, ApiError> {
    let request = services
        .events
        .request_meeting(&caller.0, EventId(path.into_inner()), ParticipantId(body.to), &body.message)
        .await?;
    Ok(HttpResponse::Created().json(MeetingRequestResponse::from(request)))
}

/// Meeting requests: staff see all of the event's, participants those they sent or received.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    responses(
        (status = 200, description = "requests", body = MeetingRequestListResponse),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 403, description = "neither staff nor a participant", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
    )
)]
#[get("/events/{id}/requests")]
pub async fn list_requests(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<web::Json<MeetingRequestListResponse>, ApiError> {
    let requests = services.events.requests(&caller.0, EventId(path.into_inner())).await?;
    Ok(web::Json(MeetingRequestListResponse { items: requests.into_iter().map(Into::into).collect() }))
}

/// Accept or decline a meeting request (its recipient).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "meeting request id")),
    request_body = AnswerRequest,
    responses(
        (status = 200, description = "answered", body = MeetingRequestResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 403, description = "not the recipient", body = ErrorBody),
        (status = 404, description = "no such request", body = ErrorBody),
        (status = 409, description = "already answered or expired", body = ErrorBody),
    )
)]
#[post("/meeting-requests/{id}/answer")]
pub async fn answer_request(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<AnswerRequest>,
) -> Result<web::Json<MeetingRequestResponse>, ApiError> {
    let answered = services.events.answer_request(&caller.0, MeetingRequestId(path.into_inner()), body.accept).await?;
    Ok(web::Json(answered.into()))
}
