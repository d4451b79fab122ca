//! The caller's notifications.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use techmatch_domain::Language;
use techmatch_domain::event::Notification;
use techmatch_service::Services;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::Authenticated;

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationBody {
    pub id: i64,
    pub kind: String,
    /// In the account's interface language (`PATCH /me` sets it).
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

impl NotificationBody {
    fn of(notice: Notification, language: Language) -> Self {
        NotificationBody {
            id: notice.id.0,
            kind: notice.kind,
            message: notice.message.in_language(language).to_owned(),
            created_at: notice.created_at,
            read: notice.read_at.is_some(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationListResponse {
    pub items: Vec<NotificationBody>,
    pub unread: usize,
}

/// The caller's latest notifications (request received, accepted, expired; schedule published).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "newest first", body = NotificationListResponse),
    )
)]
#[get("/notifications")]
pub async fn list_notifications(
    services: web::Data<Services>,
    caller: Authenticated,
) -> Result<web::Json<NotificationListResponse>, ApiError> {
    let language = services.accounts.me(&caller.0).await?.language;
    let items: Vec<NotificationBody> = services
        .events
        .notifications(&caller.0)
        .await?
        .into_iter()
        .map(|notice| NotificationBody::of(notice, language))
        .collect();
    let unread = items.iter().filter(|notice| !notice.read).count();
    Ok(web::Json(NotificationListResponse { items, unread }))
}

/// Mark all of the caller's notifications read.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "marked"),
    )
)]
#[post("/notifications/read")]
pub async fn mark_notifications_read(
    services: web::Data<Services>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    services.events.mark_notifications_read(&caller.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
