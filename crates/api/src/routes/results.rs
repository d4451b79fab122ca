use actix_web::{HttpResponse, delete, get, patch, post, web};
use techmatch_domain::listing::ResultId;
use techmatch_service::Services;

use crate::dto::listings::{ArchiveQuery, ListingListQuery};
use crate::dto::matches::{MatchListResponse, MatchQuery, match_body};
use crate::dto::results::{CreateResultRequest, ResultListResponse, ResultResponse, UpdateResultRequest};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody, MaybeAuthenticated};

/// Research results the caller may see: published ones, plus drafts of their own organization
/// (staff see all).
#[utoipa::path(
    tag = "results",
    params(ListingListQuery),
    responses(
        (status = 200, description = "a page of results", body = ResultListResponse),
        (status = 400, description = "invalid query string", body = ErrorBody),
        (status = 401, description = "a token was sent but is invalid; `mine` without a token", body = ErrorBody),
        (status = 422, description = "invalid filter values", body = ErrorBody),
    )
)]
#[get("/results")]
pub async fn list_results(
    services: web::Data<Services>,
    caller: MaybeAuthenticated,
    query: web::Query<ListingListQuery>,
) -> Result<web::Json<ResultListResponse>, ApiError> {
    let (page, per_page, window, filters) = query.into_inner().into_filters()?;
    let listed = services.listings.list_results(caller.actor(), filters, window).await?;
    Ok(web::Json(ResultListResponse {
        items: listed.items.into_iter().map(|listing| ResultResponse::seen_by(listing, caller.actor())).collect(),
        total: listed.total,
        page,
        per_page,
    }))
}

/// Post a research result (researchers; liaison officers and admins for an institution).
#[utoipa::path(
    tag = "results",
    security(("bearer" = [])),
    request_body = CreateResultRequest,
    responses(
        (status = 201, description = "created", body = ResultResponse),
        (status = 400, description = "malformed json, unknown field or wrong type", body = ErrorBody),
        (status = 403, description = "this role cannot post results", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "invalid fields, with their names", body = ErrorBody),
    )
)]
#[post("/results")]
pub async fn create_result(
    services: web::Data<Services>,
    caller: Authenticated,
    body: JsonBody<CreateResultRequest>,
) -> Result<HttpResponse, ApiError> {
    let draft = body.into_inner().into_draft()?;
    let created = services.listings.create_result(&caller.0, draft).await?;
    Ok(HttpResponse::Created().json(ResultResponse::seen_by(created, Some(&caller.0))))
}

/// One research result (404 when it does not exist or the caller may not see it).
#[utoipa::path(
    tag = "results",
    params(("id" = i64, Path, description = "result id")),
    responses(
        (status = 200, description = "the result", body = ResultResponse),
        (status = 400, description = "invalid id", body = ErrorBody),
        (status = 401, description = "a token was sent but is invalid", body = ErrorBody),
        (status = 404, description = "no such result visible to the caller", body = ErrorBody),
    )
)]
#[get("/results/{id}")]
pub async fn get_result(
    services: web::Data<Services>,
    caller: MaybeAuthenticated,
    path: web::Path<i64>,
) -> Result<web::Json<ResultResponse>, ApiError> {
    let result = services.listings.get_result(caller.actor(), ResultId(path.into_inner())).await?;
    Ok(web::Json(ResultResponse::seen_by(result, caller.actor())))
}

/// Change a research result (its poster, liaison officers, admins). Send the version you saw.
#[utoipa::path(
    tag = "results",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "result id")),
    request_body = UpdateResultRequest,
    responses(
        (status = 200, description = "updated", body = ResultResponse),
        (status = 400, description = "malformed json, unknown field, wrong type or bad id", body = ErrorBody),
        (status = 403, description = "not the poster or staff", body = ErrorBody),
        (status = 404, description = "no such result visible to the caller", body = ErrorBody),
        (status = 409, description = "stale version (`version_conflict`)", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
    )
)]
#[patch("/results/{id}")]
pub async fn update_result(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<UpdateResultRequest>,
) -> Result<web::Json<ResultResponse>, ApiError> {
    let (version, changes) = body.into_inner().into_changes()?;
    let updated = services.listings.update_result(&caller.0, ResultId(path.into_inner()), version, changes).await?;
    Ok(web::Json(ResultResponse::seen_by(updated, Some(&caller.0))))
}

/// Archive a research result: it leaves lists and searches but stays on record.
#[utoipa::path(
    tag = "results",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "result id"), ArchiveQuery),
    responses(
        (status = 200, description = "archived", body = ResultResponse),
        (status = 400, description = "bad id or query", body = ErrorBody),
        (status = 403, description = "not the poster or staff", body = ErrorBody),
        (status = 404, description = "no such result visible to the caller", body = ErrorBody),
        (status = 409, description = "stale version", body = ErrorBody),
    )
)]
#[delete("/results/{id}")]
pub async fn archive_result(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    query: web::Query<ArchiveQuery>,
) -> Result<web::Json<ResultResponse>, ApiError> {
    let archived = services.listings.archive_result(&caller.0, ResultId(path.into_inner()), query.version).await?;
    Ok(web::Json(ResultResponse::seen_by(archived, Some(&caller.0))))
}

/// Technology needs that match a result, best first, with explanations (the result's
/// organization and staff). Confidential needs of other companies never appear.
#[utoipa::path(
    tag = "results",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "result id"), MatchQuery),
    responses(
        (status = 200, description = "ranked, explained needs", body = MatchListResponse),
        (status = 400, description = "bad id or query", body = ErrorBody),
        (status = 403, description = "not the result's organization or staff", body = ErrorBody),
        (status = 404, description = "no such result visible to the caller", body = ErrorBody),
        (status = 422, description = "limit out of range or invalid filter values", body = ErrorBody),
    )
)]
#[get("/results/{id}/matches")]
pub async fn result_matches(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    query: web::Query<MatchQuery>,
) -> Result<web::Json<MatchListResponse>, ApiError> {
    let (limit, filters) = query.checked()?;
    let matches =
        services.matches.matches_for_result_within(&caller.0, ResultId(path.into_inner()), limit, &filters).await?;
    Ok(web::Json(MatchListResponse {
        items: matches
            .into_iter()
            .map(|found| match_body(found.need.id.0, "need", found.need.content.title.as_str(), found.explanation))
            .collect(),
    }))
}
