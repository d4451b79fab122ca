use actix_web::{HttpResponse, delete, get, patch, post, web};
use techmatch_domain::listing::NeedId;
use techmatch_service::Services;

use crate::dto::listings::{ArchiveQuery, ListingListQuery};
use crate::dto::matches::{MatchListResponse, MatchQuery, match_body};
use crate::dto::needs::{
    ApplicationListResponse, ApplicationResponse, ApplyRequest, CreateNeedRequest, NeedListResponse, NeedResponse,
    UpdateNeedRequest,
};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody, MaybeAuthenticated};

/// Technology needs the caller may see: public ones, plus confidential and archived ones of their own organization
/// (staff see all). Confidential needs of others never appear.
#[utoipa::path(
    tag = "needs",
    params(ListingListQuery),
    responses(
        (status = 200, description = "a page of needs", body = NeedListResponse),
        (status = 400, description = "invalid query string", body = ErrorBody),
        (status = 401, description = "a token was sent but is invalid; `mine` without a token", body = ErrorBody),
        (status = 422, description = "invalid filter values", body = ErrorBody),
    )
)]
#[get("/needs")]
pub async fn list_needs(
    services: web::Data<Services>,
    caller: MaybeAuthenticated,
    query: web::Query<ListingListQuery>,
) -> Result<web::Json<NeedListResponse>, ApiError> {
    let (page, per_page, window, filters) = query.into_inner().into_filters()?;
    let listed = services.listings.list_needs(caller.actor(), filters, window).await?;
    Ok(web::Json(NeedListResponse {
        items: listed.items.into_iter().map(|listing| NeedResponse::seen_by(listing, caller.actor())).collect(),
        total: listed.total,
        page,
        per_page,
    }))
}

/// Post a technology need (researchers; liaison officers and admins for an institution).
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    request_body = CreateNeedRequest,
    responses(
        (status = 201, description = "created", body = NeedResponse),
        (status = 400, description = "malformed json, unknown field or wrong type", body = ErrorBody),
        (status = 403, description = "this role cannot post needs", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "invalid fields, with their names", body = ErrorBody),
    )
)]
#[post("/needs")]
pub async fn create_need(
    services: web::Data<Services>,
    caller: Authenticated,
    body: JsonBody<CreateNeedRequest>,
) -> Result<HttpResponse, ApiError> {
    let draft = body.into_inner().into_draft()?;
    let created = services.listings.create_need(&caller.0, draft).await?;
    Ok(HttpResponse::Created().json(NeedResponse::seen_by(created, Some(&caller.0))))
}

/// One technology need (404 when it does not exist or the caller may not see it).
#[utoipa::path(
    tag = "needs",
    params(("id" = i64, Path, description = "need id")),
    responses(
        (status = 200, description = "the result", body = NeedResponse),
        (status = 400, description = "invalid id", body = ErrorBody),
        (status = 401, description = "a token was sent but is invalid", body = ErrorBody),
        (status = 404, description = "no such need visible to the caller", body = ErrorBody),
    )
)]
#[get("/needs/{id}")]
pub async fn get_need(
    services: web::Data<Services>,
    caller: MaybeAuthenticated,
    path: web::Path<i64>,
) -> Result<web::Json<NeedResponse>, ApiError> {
    let need = services.listings.get_need(caller.actor(), NeedId(path.into_inner())).await?;
    Ok(web::Json(NeedResponse::seen_by(need, caller.actor())))
}

/// Change a technology need (its poster, liaison officers, admins). Send the version you saw.
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "need id")),
    request_body = UpdateNeedRequest,
    responses(
        (status = 200, description = "updated", body = NeedResponse),
        (status = 400, description = "malformed json, unknown field, wrong type or bad id", body = ErrorBody),
        (status = 403, description = "not the poster or staff", body = ErrorBody),
        (status = 404, description = "no such need visible to the caller", body = ErrorBody),
        (status = 409, description = "stale version (`version_conflict`)", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
    )
)]
#[patch("/needs/{id}")]
pub async fn update_need(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<UpdateNeedRequest>,
) -> Result<web::Json<NeedResponse>, ApiError> {
    let (version, changes) = body.into_inner().into_changes()?;
    let updated = services.listings.update_need(&caller.0, NeedId(path.into_inner()), version, changes).await?;
    Ok(web::Json(NeedResponse::seen_by(updated, Some(&caller.0))))
}

/// Archive a technology need: it leaves lists and searches but stays on record.
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "need id"), ArchiveQuery),
    responses(
        (status = 200, description = "archived", body = NeedResponse),
        (status = 400, description = "bad id or query", body = ErrorBody),
        (status = 403, description = "not the poster or staff", body = ErrorBody),
        (status = 404, description = "no such need visible to the caller", body = ErrorBody),
        (status = 409, description = "stale version", body = ErrorBody),
    )
)]
#[delete("/needs/{id}")]
pub async fn archive_need(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    query: web::Query<ArchiveQuery>,
) -> Result<web::Json<NeedResponse>, ApiError> {
    let archived = services.listings.archive_need(&caller.0, NeedId(path.into_inner()), query.version).await?;
    Ok(web::Json(NeedResponse::seen_by(archived, Some(&caller.0))))
}

/// Apply to an open challenge with a short proposal (researchers).
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "need id")),
    request_body = ApplyRequest,
    responses(
        (status = 201, description = "application submitted", body = ApplicationResponse),
        (status = 400, description = "malformed json, unknown field, wrong type or bad id", body = ErrorBody),
        (status = 403, description = "only researchers apply", body = ErrorBody),
        (status = 404, description = "no such need visible to the caller", body = ErrorBody),
        (status = 409, description = "not a challenge, closed, or already applied", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "invalid proposal", body = ErrorBody),
    )
)]
#[post("/needs/{id}/applications")]
pub async fn apply(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<ApplyRequest>,
) -> Result<HttpResponse, ApiError> {
    let proposal = body.proposal()?;
    let application = services.listings.apply_to_challenge(&caller.0, NeedId(path.into_inner()), proposal).await?;
    Ok(HttpResponse::Created().json(ApplicationResponse::from(application)))
}

/// Applications to a challenge (the need's company and staff).
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "need id")),
    responses(
        (status = 200, description = "the applications", body = ApplicationListResponse),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 403, description = "not the need's organization or staff", body = ErrorBody),
        (status = 404, description = "no such need visible to the caller", body = ErrorBody),
    )
)]
#[get("/needs/{id}/applications")]
pub async fn list_applications(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<web::Json<ApplicationListResponse>, ApiError> {
    let applications = services.listings.list_applications(&caller.0, NeedId(path.into_inner())).await?;
    Ok(web::Json(ApplicationListResponse { items: applications.into_iter().map(Into::into).collect() }))
}

/// Shortlist one application (any other shortlisted one goes back to submitted).
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "need id"), ("application_id" = i64, Path, description = "application id")),
    responses(
        (status = 200, description = "shortlisted", body = ApplicationResponse),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 403, description = "not the need's organization or staff", body = ErrorBody),
        (status = 404, description = "no such need or application", body = ErrorBody),
    )
)]
#[post("/needs/{id}/applications/{application_id}/shortlist")]
pub async fn shortlist(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<(i64, i64)>,
) -> Result<web::Json<ApplicationResponse>, ApiError> {
    let (need_id, application_id) = path.into_inner();
    let application = services
        .listings
        .shortlist_application(&caller.0, NeedId(need_id), techmatch_domain::listing::ApplicationId(application_id))
        .await?;
    Ok(web::Json(application.into()))
}

/// Research results that match a need, best first, each with its score, every feature's
/// contribution and the matched terms (the need's organization and staff).
#[utoipa::path(
    tag = "needs",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "need id"), MatchQuery),
    responses(
        (status = 200, description = "ranked, explained results", body = MatchListResponse),
        (status = 400, description = "bad id or query", body = ErrorBody),
        (status = 403, description = "not the need's organization or staff", body = ErrorBody),
        (status = 404, description = "no such need visible to the caller", body = ErrorBody),
        (status = 422, description = "limit out of range or invalid filter values", body = ErrorBody),
    )
)]
#[get("/needs/{id}/matches")]
pub async fn need_matches(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    query: web::Query<MatchQuery>,
) -> Result<web::Json<MatchListResponse>, ApiError> {
    let (limit, filters) = query.checked()?;
    let matches =
        services.matches.matches_for_need_within(&caller.0, NeedId(path.into_inner()), limit, &filters).await?;
    Ok(web::Json(MatchListResponse {
        items: matches
            .into_iter()
            .map(|found| {
                match_body(found.result.id.0, "result", found.result.content.title.as_str(), found.explanation)
            })
            .collect(),
    }))
}
