//! Registrations for an event and the officers' decisions on them.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use techmatch_domain::event::{EventId, ParticipantId};
use techmatch_service::Services;
use techmatch_service::events::{ParticipantView, RegistrationInput};
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRequest {
    /// Researchers: ids of their organization's published results; companies: of its open needs.
    pub listing_ids: Vec<i64>,
    /// Slot numbers (0-based across sessions) the participant can meet in.
    pub available_slots: Vec<u32>,
    pub max_meetings: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingTitle {
    pub id: i64,
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantResponse {
    pub id: i64,
    pub event_id: i64,
    pub user_id: i64,
    pub organization_id: i64,
    pub organization_name: Option<String>,
    /// `researcher` or `company`.
    pub role: String,
    /// The listings the participant brings that the caller may see.
    pub listings: Vec<ListingTitle>,
    pub available_slots: Vec<u32>,
    pub max_meetings: u32,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
}

fn participant_response(view: ParticipantView) -> ParticipantResponse {
    let participant = view.participant;
    ParticipantResponse {
        id: participant.id.0,
        event_id: participant.event_id.0,
        user_id: participant.user_id.0,
        organization_id: participant.organization_id.0,
        organization_name: Some(view.organization_name).filter(|name| !name.is_empty()),
        role: participant.role.as_str().to_owned(),
        listings: view.listings.into_iter().map(|(id, title)| ListingTitle { id, title }).collect(),
        available_slots: participant.available_slots,
        max_meetings: participant.max_meetings,
        status: participant.status.as_str().to_owned(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantListResponse {
    pub items: Vec<ParticipantResponse>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationDecisionRequest {
    pub approve: bool,
}

/// Register for an open event with listings of one's organization (researchers and companies).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    request_body = RegistrationRequest,
    responses(
        (status = 201, description = "registered, pending approval", body = ParticipantResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 403, description = "not a researcher or company account", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 409, description = "registration closed, event full or already registered", body = ErrorBody),
        (status = 422, description = "invalid listings, slots or maximum", body = ErrorBody),
    )
)]
#[post("/events/{id}/registrations")]
pub async fn register(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<RegistrationRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = RegistrationInput {
        listing_ids: body.listing_ids,
        available_slots: body.available_slots,
        max_meetings: body.max_meetings,
    };
    let participant = services.events.register(&caller.0, EventId(path.into_inner()), &input).await?;
    Ok(HttpResponse::Created().json(participant_response(ParticipantView {
        participant,
        organization_name: String::new(),
        listings: Vec::new(),
    })))
}

/// Participants: staff see all registrations; approved participants see the approved others.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    responses(
        (status = 200, description = "participants", body = ParticipantListResponse),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 403, description = "neither staff nor an approved participant", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
    )
)]
#[get("/events/{id}/participants")]
pub async fn list_participants(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<web::Json<ParticipantListResponse>, ApiError> {
    let views = services.events.participants(&caller.0, EventId(path.into_inner())).await?;
    Ok(web::Json(ParticipantListResponse { items: views.into_iter().map(participant_response).collect() }))
}

/// Approve or reject a registration (staff).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "event id"),
        ("participant_id" = i64, Path, description = "participant id"),
    ),
    request_body = RegistrationDecisionRequest,
    responses(
        (status = 200, description = "decided", body = ParticipantResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event or participant", body = ErrorBody),
    )
)]
#[post("/events/{id}/participants/{participant_id}/decision")]
pub async fn decide_registration(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<(i64, i64)>,
    body: JsonBody<RegistrationDecisionRequest>,
) -> Result<web::Json<ParticipantResponse>, ApiError> {
    let (event, participant) = path.into_inner();
    let decided = services
        .events
        .decide_registration(&caller.0, EventId(event), ParticipantId(participant), body.approve)
        .await?;
    Ok(web::Json(participant_response(ParticipantView {
        participant: decided,
        organization_name: String::new(),
        listings: Vec::new(),
    })))
}
