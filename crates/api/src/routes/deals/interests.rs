//! Expressions of interest: sent to a listing's poster, listed for both organizations, answered.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use techmatch_domain::deal::{InterestAnswer, InterestId, InterestInput, NewInterest};
use techmatch_service::Services;
use techmatch_service::deals::{Contact, InterestView};
use utoipa::ToSchema;

use crate::dto::PageQuery;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterestRequest {
    /// `result` (company users) or `need` (researchers).
    pub listing_kind: String,
    pub listing_id: i64,
    /// `license`, `assignment`, `joint_development`, `technical_service`, `pilot` or `other`.
    pub purpose: String,
    /// 10 to 20,000 characters.
    pub message: String,
    /// The sender's own listing it relates to, of the other kind.
    pub related_kind: Option<String>,
    pub related_id: Option<i64>,
    /// Where the sender found the listing: `match` (among the matches proposed for a listing
    /// of theirs) or `search` (the default: searching or browsing). The funnel counts the deals
    /// of the two apart.
    pub found_via: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterestAnswerRequest {
    /// `accept` or `decline`.
    pub decision: String,
    /// For a decline: `not_our_field`, `too_early`, `price`, `already_in_talks` or `other`.
    pub reason: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactResponse {
    /// The organization's contact person, or the account that sent or answered.
    pub display_name: String,
    pub email: String,
    pub phone: Option<String>,
}

impl From<Contact> for ContactResponse {
    fn from(contact: Contact) -> Self {
        ContactResponse { display_name: contact.display_name, email: contact.email, phone: contact.phone }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InterestResponse {
    pub id: i64,
    pub listing_kind: String,
    pub listing_id: i64,
    pub listing_title: String,
    pub listing_organization_id: i64,
    pub sender_organization_id: i64,
    pub purpose: String,
    pub message: String,
    /// Shown only to those who may see that listing.
    pub related_kind: Option<String>,
    pub related_id: Option<i64>,
    /// `match` or `search`.
    pub found_via: String,
    /// `open`, `accepted`, `declined` or `expired`.
    pub status: String,
    pub decline_reason: Option<String>,
    pub answer_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    /// The deal an acceptance opened.
    pub deal_id: Option<i64>,
    /// Both sides' contacts, once accepted.
    pub sender_contact: Option<ContactResponse>,
    pub poster_contact: Option<ContactResponse>,
}

impl From<InterestView> for InterestResponse {
    fn from(view: InterestView) -> Self {
        let interest = view.interest;
        InterestResponse {
            id: interest.id.0,
            listing_kind: interest.listing.kind().to_owned(),
            listing_id: interest.listing.id(),
            listing_title: view.listing_title,
            listing_organization_id: interest.listing_organization.0,
            sender_organization_id: interest.sender_organization.0,
            purpose: interest.purpose.as_str().to_owned(),
            message: interest.message,
            related_kind: interest.related.map(|related| related.kind().to_owned()),
            related_id: interest.related.map(|related| related.id()),
            found_via: interest.found_via.as_str().to_owned(),
            status: interest.status.as_str().to_owned(),
            decline_reason: interest.decline_reason.map(|reason| reason.as_str().to_owned()),
            answer_note: interest.answer_note,
            created_at: interest.created_at,
            expires_at: interest.expires_at,
            answered_at: interest.answered_at,
            deal_id: interest.deal_id.map(|id| id.0),
            sender_contact: view.sender_contact.map(Into::into),
            poster_contact: view.poster_contact.map(Into::into),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InterestListResponse {
    pub items: Vec<InterestResponse>,
    pub total: u64,
}

/// Express interest in a listing: company users in research results, researchers in needs.
/// The poster is notified; the interest expires if unanswered.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    request_body = InterestRequest,
    responses(
        (status = 201, description = "sent", body = InterestResponse),
        (status = 400, description = "malformed json or unknown field", body = ErrorBody),
        (status = 403, description = "this role cannot write to this kind of listing", body = ErrorBody),
        (status = 404, description = "no such listing visible to the caller", body = ErrorBody),
        (status = 409, description = "own listing, listing closed, or an interest already open", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
    )
)]
#[post("/interests")]
pub async fn express_interest(
    services: web::Data<Services>,
    caller: Authenticated,
    body: JsonBody<InterestRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = InterestInput {
        listing_kind: body.listing_kind,
        listing_id: body.listing_id,
        purpose: body.purpose,
        message: body.message,
        related_kind: body.related_kind,
        related_id: body.related_id,
        found_via: body.found_via,
    };
    let new = NewInterest::parse(&input).map_err(|errors| ApiError::validation(errors.0))?;
    let sent = services.deals.express_interest(&caller.0, new, Utc::now()).await?;
    Ok(HttpResponse::Created().json(InterestResponse::from(sent)))
}

/// The interests the caller's organization sent or received (staff: all), newest first.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "interests", body = InterestListResponse),
        (status = 400, description = "bad query", body = ErrorBody),
        (status = 403, description = "no organization", body = ErrorBody),
        (status = 422, description = "limit out of range", body = ErrorBody),
    )
)]
#[get("/interests")]
pub async fn list_interests(
    services: web::Data<Services>,
    caller: Authenticated,
    query: web::Query<PageQuery>,
) -> Result<web::Json<InterestListResponse>, ApiError> {
    let page = query.into_inner().into_page_request()?;
    let found = services.deals.interests(&caller.0, page, Utc::now()).await?;
    Ok(web::Json(InterestListResponse { items: found.items.into_iter().map(Into::into).collect(), total: found.total }))
}

/// One interest (its two organizations and staff).
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "interest id")),
    responses(
        (status = 200, description = "the interest", body = InterestResponse),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 404, description = "no such interest visible to the caller", body = ErrorBody),
    )
)]
#[get("/interests/{id}")]
pub async fn get_interest(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<web::Json<InterestResponse>, ApiError> {
    let interest = services.deals.interest(&caller.0, InterestId(path.into_inner()), Utc::now()).await?;
    Ok(web::Json(interest.into()))
}

/// Accept (opening a deal and showing both contacts) or decline with a reason (the poster).
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "interest id")),
    request_body = InterestAnswerRequest,
    responses(
        (status = 200, description = "answered", body = InterestResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 403, description = "not the poster's organization", body = ErrorBody),
        (status = 404, description = "no such interest visible to the caller", body = ErrorBody),
        (status = 409, description = "already answered or expired", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "invalid decision, reason or note", body = ErrorBody),
    )
)]
#[post("/interests/{id}/answer")]
pub async fn answer_interest(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<InterestAnswerRequest>,
) -> Result<web::Json<InterestResponse>, ApiError> {
    let answer = InterestAnswer::parse(&body.decision, body.reason.as_deref(), body.note.as_deref())
        .map_err(|errors| ApiError::validation(errors.0))?;
    let answered = services.deals.answer_interest(&caller.0, InterestId(path.into_inner()), answer, Utc::now()).await?;
    Ok(web::Json(answered.into()))
}
