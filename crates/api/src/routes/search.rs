use actix_web::{get, web};
use techmatch_service::Services;

use crate::dto::search::{SearchQuery, SearchResponse};
use crate::error::{ApiError, ErrorBody};
use crate::extract::MaybeAuthenticated;

/// Full-text search over results and needs in Chinese, English or both, with filters, facet
/// counts and highlighted snippets. Only listings the caller may see are counted or shown.
#[utoipa::path(
    tag = "search",
    params(SearchQuery),
    responses(
        (status = 200, description = "hits, total and facets", body = SearchResponse),
        (status = 400, description = "invalid query string", body = ErrorBody),
        (status = 401, description = "a token was sent but is invalid", body = ErrorBody),
        (status = 422, description = "invalid filter values or paging", body = ErrorBody),
    )
)]
#[get("/search")]
pub async fn search(
    services: web::Data<Services>,
    caller: MaybeAuthenticated,
    query: web::Query<SearchQuery>,
) -> Result<web::Json<SearchResponse>, ApiError> {
    let (page, per_page, request) = query.into_inner().into_request()?;
    let results = services.search.search(caller.actor(), request).await?;
    Ok(web::Json(SearchResponse::new(results, page, per_page)))
}
