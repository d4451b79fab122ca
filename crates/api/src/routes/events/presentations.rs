//! Roadshows: results to put on stage, companies to invite, the confirmed order.

use actix_web::{get, post, web};
use serde::{Deserialize, Serialize};
use techmatch_domain::FieldError;
use techmatch_domain::event::EventId;
use techmatch_service::Services;
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody, MaybeAuthenticated};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RoadshowQuery {
    /// Presentation places to fill, 1–30 (default 8).
    #[param(minimum = 1, maximum = 30)]
    pub places: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoveredCompanyBody {
    pub participant: i64,
    pub organization_name: String,
    pub need_id: i64,
    pub need_title: String,
    pub score: f64,
    /// Terms the need and the result share (after translation and expansion).
    pub matched_terms: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageRecommendationBody {
    pub result_id: i64,
    pub result_title: String,
    pub researcher: i64,
    /// What this result adds to the coverage of the registered companies' needs.
    pub gain: f64,
    /// The companies for which it is the best result on stage.
    pub covers: Vec<CoveredCompanyBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoadshowResponse {
    pub items: Vec<StageRecommendationBody>,
    /// Sum of the gains: each company counted once, through its best result on stage.
    pub coverage: f64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InvitationQuery {
    /// Comma-separated result ids (the presentations chosen).
    #[param(pattern = r"^[0-9]{1,18}(,[0-9]{1,18})*$")]
    pub results: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationBody {
    pub organization_id: i64,
    pub organization_name: String,
    pub need_id: i64,
    pub need_title: String,
    pub result_id: i64,
    pub score: f64,
    pub matched_terms: Vec<String>,
    /// Already registered for the event.
    pub registered: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationListResponse {
    pub items: Vec<InvitationBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresentationsRequest {
    /// Result ids in presentation order.
    pub result_ids: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PresentationBody {
    pub position: usize,
    pub result_id: i64,
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PresentationListResponse {
    pub items: Vec<PresentationBody>,
}

fn presentation_list(items: Vec<(i64, String)>) -> PresentationListResponse {
    PresentationListResponse {
        items: items
            .into_iter()
            .enumerate()
            .map(|(index, (result_id, title))| PresentationBody { position: index + 1, result_id, title })
            .collect(),
    }
}

/// Which registered results to put on stage: they are picked one by one for what each adds to
/// the coverage of the registered companies' needs, with the companies each serves and why.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id"), RoadshowQuery),
    responses(
        (status = 200, description = "recommended presentations, in order of pick", body = RoadshowResponse),
        (status = 400, description = "bad id or query string", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 422, description = "places out of range", body = ErrorBody),
    )
)]
#[get("/events/{id}/roadshow")]
pub async fn roadshow(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    query: web::Query<RoadshowQuery>,
) -> Result<web::Json<RoadshowResponse>, ApiError> {
    let places = query.places.unwrap_or(8);
    if !(1..=30).contains(&places) {
        return Err(ApiError::validation(vec![FieldError::new("places", "out_of_range", "must be between 1 and 30")]));
    }
    let picks = services.events.roadshow_recommendation(&caller.0, EventId(path.into_inner()), places).await?;
    let coverage = picks.iter().map(|pick| pick.gain).sum();
    Ok(web::Json(RoadshowResponse {
        coverage,
        items: picks
            .into_iter()
            .map(|pick| StageRecommendationBody {
                result_id: pick.result_id,
                result_title: pick.result_title,
                researcher: pick.researcher.0,
                gain: pick.gain,
                covers: pick
                    .covers
                    .into_iter()
                    .map(|covered| CoveredCompanyBody {
                        participant: covered.participant.0,
                        organization_name: covered.organization_name,
                        need_id: covered.need_id,
                        need_title: covered.need_title,
                        score: covered.score,
                        matched_terms: covered.matched_terms,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// Companies across the platform to invite for the chosen results, best match first.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id"), InvitationQuery),
    responses(
        (status = 200, description = "one line per company", body = InvitationListResponse),
        (status = 400, description = "bad id or query string", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event or result", body = ErrorBody),
        (status = 422, description = "no result ids, or too many", body = ErrorBody),
    )
)]
#[get("/events/{id}/invitations")]
pub async fn invitations(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    query: web::Query<InvitationQuery>,
) -> Result<web::Json<InvitationListResponse>, ApiError> {
    let mut ids = Vec::new();
    for part in query.results.split(',').map(str::trim).filter(|part| !part.is_empty()) {
        match part.parse::<i64>() {
            Ok(id) => ids.push(id),
            Err(_) => {
                return Err(ApiError::validation(vec![FieldError::new(
                    "results",
                    "invalid_id",
                    "must be comma-separated result ids",
                )]));
            }
        }
    }
    let found = services.events.invitations(&caller.0, EventId(path.into_inner()), &ids).await?;
    Ok(web::Json(InvitationListResponse {
        items: found
            .into_iter()
            .map(|invitation| InvitationBody {
                organization_id: invitation.organization_id,
                organization_name: invitation.organization_name,
                need_id: invitation.need_id,
                need_title: invitation.need_title,
                result_id: invitation.result_id,
                score: invitation.score,
                matched_terms: invitation.matched_terms,
                registered: invitation.registered,
            })
            .collect(),
    }))
}

/// Confirm the roadshow's presentations in order (staff); replaces any earlier order.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    request_body = PresentationsRequest,
    responses(
        (status = 200, description = "the confirmed order", body = PresentationListResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 409, description = "the event is closed", body = ErrorBody),
        (status = 422, description = "a result not registered for the event, or listed twice", body = ErrorBody),
    )
)]
#[post("/events/{id}/presentations")]
pub async fn confirm_presentations(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<PresentationsRequest>,
) -> Result<web::Json<PresentationListResponse>, ApiError> {
    let confirmed =
        services.events.confirm_presentations(&caller.0, EventId(path.into_inner()), &body.result_ids).await?;
    Ok(web::Json(presentation_list(confirmed)))
}

/// The roadshow's confirmed presentations, in order (public for published events).
#[utoipa::path(
    tag = "events",
    params(("id" = i64, Path, description = "event id")),
    responses(
        (status = 200, description = "presentations in order", body = PresentationListResponse),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 401, description = "a token was sent but is invalid", body = ErrorBody),
        (status = 404, description = "no such event visible to the caller", body = ErrorBody),
    )
)]
#[get("/events/{id}/presentations")]
pub async fn list_presentations(
    services: web::Data<Services>,
    caller: MaybeAuthenticated,
    path: web::Path<i64>,
) -> Result<web::Json<PresentationListResponse>, ApiError> {
    Ok(web::Json(presentation_list(services.events.presentations(caller.actor(), EventId(path.into_inner())).await?)))
}
