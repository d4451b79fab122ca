use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use techmatch_domain::listing::{MatchDecision, NeedId, ResultId};
use techmatch_domain::{FieldError, ValidationErrors};
use techmatch_service::Services;
use utoipa::{IntoParams, ToSchema};

use crate::dto::matches::{MatchBody, MatchQuery, match_body};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody};

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingRef {
    pub id: i64,
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionBody {
    pub need: ListingRef,
    pub result: ListingRef,
    /// The result as matched for the need: score, features and matched terms.
    #[serde(rename = "match")]
    pub pairing: MatchBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionListResponse {
    pub items: Vec<SuggestionBody>,
    /// The caller's last review; pairs were first found by batch matching after it, or involve
    /// listings changed after it (all, if never).
    pub since: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    pub need_id: i64,
    pub result_id: i64,
    /// `shortlist` or `reject`.
    pub decision: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionResponse {
    pub need_id: i64,
    pub result_id: i64,
    pub decision: String,
    pub note: Option<String>,
    /// The pair's score when decided.
    pub score: f64,
    pub decided_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SuggestionQuery {
    /// 1–50 (default 20).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<usize>,
}

/// The best new result↔need pairs across the platform since the caller's last review, excluding
/// decided pairs (liaison officers and admins).
#[utoipa::path(
    tag = "suggestions",
    security(("bearer" = [])),
    params(SuggestionQuery),
    responses(
        (status = 200, description = "suggested pairs, best first", body = SuggestionListResponse),
        (status = 400, description = "invalid query string", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 422, description = "limit out of range", body = ErrorBody),
    )
)]
#[get("/suggestions")]
pub async fn list_suggestions(
    services: web::Data<Services>,
    caller: Authenticated,
    query: web::Query<SuggestionQuery>,
) -> Result<web::Json<SuggestionListResponse>, ApiError> {
    let limit = MatchQuery { limit: query.limit, ..MatchQuery::default() }.limit()?;
    let (suggestions, since) = services.matches.suggestions(&caller.0, limit).await?;
    Ok(web::Json(SuggestionListResponse {
        items: suggestions
            .into_iter()
            .map(|suggestion| SuggestionBody {
                need: ListingRef { id: suggestion.need.id.0, title: suggestion.need.content.title.as_str().to_owned() },
                result: ListingRef {
                    id: suggestion.result.id.0,
                    title: suggestion.result.content.title.as_str().to_owned(),
                },
                pairing: match_body(
                    suggestion.result.id.0,
                    "result",
                    suggestion.result.content.title.as_str(),
                    suggestion.explanation,
                ),
            })
            .collect(),
        since,
    }))
}

/// Shortlist or reject a pair, with a note. Rejected pairs are not suggested again; decisions
/// are kept as feedback for the matching weights.
#[utoipa::path(
    tag = "suggestions",
    security(("bearer" = [])),
    request_body = DecisionRequest,
    responses(
        (status = 201, description = "decision recorded", body = DecisionResponse),
        (status = 400, description = "malformed json, unknown field or wrong type", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such need or result", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "invalid decision or note", body = ErrorBody),
    )
)]
#[post("/suggestions/decisions")]
pub async fn decide(
    services: web::Data<Services>,
    caller: Authenticated,
    body: JsonBody<DecisionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = ValidationErrors::new();
    let decision = errors.collect(MatchDecision::parse("decision", &body.decision));
    let note = match body.note.as_deref().map(str::trim).filter(|note| !note.is_empty()) {
        None => Some(None),
        Some(note) if note.chars().count() > 2_000 => {
            errors.push(FieldError::new("note", "too_long", "must be at most 2000 characters"));
            None
        }
        Some(note) => Some(Some(note.to_owned())),
    };
    let (Some(decision), Some(note)) = (decision, note) else {
        return Err(ApiError::validation(errors.0));
    };
    let recorded =
        services.matches.decide(&caller.0, NeedId(body.need_id), ResultId(body.result_id), decision, note).await?;
    Ok(HttpResponse::Created().json(DecisionResponse {
        need_id: recorded.need_id.0,
        result_id: recorded.result_id.0,
        decision: recorded.decision.as_str().to_owned(),
        note: recorded.note,
        score: recorded.score,
        decided_at: recorded.decided_at,
    }))
}

/// Mark the queue reviewed: later suggestions are only pairs found, or listings changed, after now.
#[utoipa::path(
    tag = "suggestions",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "marked"),
        (status = 403, description = "not staff", body = ErrorBody),
    )
)]
#[post("/suggestions/reviewed")]
pub async fn mark_reviewed(services: web::Data<Services>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    services.matches.mark_reviewed(&caller.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
