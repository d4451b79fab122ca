//! In-app notifications; each row also queues its e-mail copy (see `mail_queue`).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use techmatch_domain::UserId;
use techmatch_domain::event::{NoticeText, Notification, NotificationId};

use crate::entity::notification;
use crate::{Store, StoreError};

/// A notice for one account.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    pub user_id: UserId,
    pub kind: &'static str,
    pub message: NoticeText,
}

pub(crate) fn notification_rows(notices: &[NewNotification], now: DateTime<Utc>) -> Vec<notification::ActiveModel> {
    notices
        .iter()
        .map(|notice| notification::ActiveModel {
            user_id: Set(notice.user_id.0),
            kind: Set(notice.kind.to_owned()),
            message: Set(notice.message.chinese.clone()),
            message_en: Set(Some(notice.message.english.clone())),
            created_at: Set(now),
            read_at: Set(None),
            // Queued for its e-mail copy in the same transaction (see `Store::notices_due_for_mail`).
            mail_after: Set(Some(now)),
            mail_attempts: Set(0),
            mailed_at: Set(None),
            ..Default::default()
        })
        .collect()
}

/// A stored notice's words; one from before the languages were kept apart holds both, joined,
/// for readers of either.
pub(crate) fn notice_text(chinese: String, english: Option<String>) -> NoticeText {
    match english {
        Some(english) => NoticeText::new(chinese, english),
        None => NoticeText::new(chinese.clone(), chinese),
    }
}

impl Store {
    /// Stores notices on their own (most are stored with the change that causes them).
    pub async fn notify(&self, notices: &[NewNotification], now: DateTime<Utc>) -> Result<(), StoreError> {
        if !notices.is_empty() {
            notification::Entity::insert_many(notification_rows(notices, now)).exec(&self.writer).await?;
        }
        Ok(())
    }

    pub async fn notifications(&self, user_id: UserId, limit: u64) -> Result<Vec<Notification>, StoreError> {
        let models = notification::Entity::find()
            .filter(notification::Column::UserId.eq(user_id.0))
            .order_by_desc(notification::Column::Id)
            .limit(limit)
            .all(&self.reader)
            .await?;
        Ok(models
            .into_iter()
            .map(|model| Notification {
                id: NotificationId(model.id),
                user_id: UserId(model.user_id),
                kind: model.kind,
                message: notice_text(model.message, model.message_en),
                created_at: model.created_at,
                read_at: model.read_at,
            })
            .collect())
    }

    /// Marks all of an account's notifications read, and deletes those it read before
    /// `forget_read_before` (so the table does not grow for ever; unread ones are always kept).
    pub async fn mark_notifications_read(
        &self,
        user_id: UserId,
        now: DateTime<Utc>,
        forget_read_before: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let transaction = self.begin_write().await?;
        notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(Some(now)))
            .filter(notification::Column::UserId.eq(user_id.0))
            .filter(notification::Column::ReadAt.is_null())
            .exec(&transaction)
            .await?;
        notification::Entity::delete_many()
            .filter(notification::Column::UserId.eq(user_id.0))
            .filter(notification::Column::ReadAt.lt(forget_read_before))
            .exec(&transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }
}
