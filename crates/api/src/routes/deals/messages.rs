//! The message threads of interests and deals.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use techmatch_domain::deal::{DealId, InterestId, MessageText, Thread};
use techmatch_service::Services;
use techmatch_service::deals::MessageView;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    /// 1 to 5,000 characters.
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageResponse {
    pub id: i64,
    pub author_user_id: i64,
    pub author_name: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl From<MessageView> for MessageResponse {
    fn from(view: MessageView) -> Self {
        MessageResponse {
            id: view.message.id.0,
            author_user_id: view.message.author.0,
            author_name: view.author_name,
            body: view.message.body,
            created_at: view.message.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageListResponse {
    /// The most recent messages (at most 200), oldest first.
    pub items: Vec<MessageResponse>,
}

async fn post(
    services: &Services,
    caller: &Authenticated,
    thread: Thread,
    body: &MessageRequest,
) -> Result<HttpResponse, ApiError> {
    let text = MessageText::parse("body", &body.body).map_err(|error| ApiError::validation(vec![error]))?;
    let posted = services.deals.post_message(&caller.0, thread, text, Utc::now()).await?;
    Ok(HttpResponse::Created().json(MessageResponse::from(posted)))
}

async fn list(
    services: &Services,
    caller: &Authenticated,
    thread: Thread,
) -> Result<web::Json<MessageListResponse>, ApiError> {
    let messages = services.deals.messages(&caller.0, thread).await?;
    Ok(web::Json(MessageListResponse { items: messages.into_iter().map(Into::into).collect() }))
}

/// Write in an interest's thread (its two organizations and staff); the others are notified.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "interest id")),
    request_body = MessageRequest,
    responses(
        (status = 201, description = "posted", body = MessageResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 404, description = "no such interest visible to the caller", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "empty or too long", body = ErrorBody),
    )
)]
#[post("/interests/{id}/messages")]
pub async fn post_interest_message(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<MessageRequest>,
) -> Result<HttpResponse, ApiError> {
    post(&services, &caller, Thread::Interest(InterestId(path.into_inner())), &body).await
}

/// An interest's thread.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "interest id")),
    responses(
        (status = 200, description = "the thread", body = MessageListResponse),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 404, description = "no such interest visible to the caller", body = ErrorBody),
    )
)]
#[get("/interests/{id}/messages")]
pub async fn interest_messages(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<web::Json<MessageListResponse>, ApiError> {
    list(&services, &caller, Thread::Interest(InterestId(path.into_inner()))).await
}

/// Write in a deal's thread (its parties, its introducer and staff); the others are notified.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "deal id")),
    request_body = MessageRequest,
    responses(
        (status = 201, description = "posted", body = MessageResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 404, description = "no such deal visible to the caller", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "empty or too long", body = ErrorBody),
    )
)]
#[post("/deals/{id}/messages")]
pub async fn post_deal_message(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<MessageRequest>,
) -> Result<HttpResponse, ApiError> {
    post(&services, &caller, Thread::Deal(DealId(path.into_inner())), &body).await
}

/// A deal's thread.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "deal id")),
    responses(
        (status = 200, description = "the thread", body = MessageListResponse),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 404, description = "no such deal visible to the caller", body = ErrorBody),
    )
)]
#[get("/deals/{id}/messages")]
pub async fn deal_messages(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<web::Json<MessageListResponse>, ApiError> {
    list(&services, &caller, Thread::Deal(DealId(path.into_inner()))).await
}
