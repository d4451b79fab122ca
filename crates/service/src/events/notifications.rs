//! In-app notifications (each also queued for its e-mail copy by the store).

use chrono::{Duration, Utc};
use techmatch_domain::Actor;
use techmatch_domain::event::Notification;

use super::EventService;
use crate::error::ServiceError;

/// Notifications read longer ago than this are deleted the next time their owner marks
/// notifications read; unread ones are kept however old.
const NOTIFICATION_RETENTION_DAYS: i64 = 90;

impl EventService {
    pub async fn notifications(&self, actor: &Actor) -> Result<Vec<Notification>, ServiceError> {
        Ok(self.store.notifications(actor.user_id, 100).await?)
    }

    pub async fn mark_notifications_read(&self, actor: &Actor) -> Result<(), ServiceError> {
        let now = Utc::now();
        Ok(self
            .store
            .mark_notifications_read(actor.user_id, now, now - Duration::days(NOTIFICATION_RETENTION_DAYS))
            .await?)
    }
}
