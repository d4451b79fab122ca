//! The e-mail copies of notifications, queued in the notifications' own rows: due, claimed by
//! one sender for a while (so two nodes never send the same notice), then sent, retried later
//! or given up.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use techmatch_domain::UserId;

use crate::entity::notification;
use crate::{Store, StoreError};

/// A notice whose e-mail copy is due.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedNotice {
    pub id: i64,
    pub user_id: UserId,
    pub kind: String,
    pub message: techmatch_domain::event::NoticeText,
    /// Tries made so far.
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    /// When it became due: the claim checks it is still the same.
    pub due_at: DateTime<Utc>,
}

/// What became of one try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailOutcome {
    Sent,
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// No more tries (a permanent refusal, the tries used up, or the notice too old).
    GivenUp,
}

impl Store {
    /// Notices whose e-mail copy is due at `now`, the longest waiting first.
    pub async fn notices_due_for_mail(&self, now: DateTime<Utc>, limit: u64) -> Result<Vec<QueuedNotice>, StoreError> {
        let models = notification::Entity::find()
            .filter(notification::Column::MailAfter.lte(now))
            .order_by_asc(notification::Column::MailAfter)
            .order_by_asc(notification::Column::Id)
            .limit(limit)
            .all(&self.reader)
            .await?;
        Ok(models
            .into_iter()
            .filter_map(|model| {
                Some(QueuedNotice {
                    id: model.id,
                    user_id: UserId(model.user_id),
                    kind: model.kind,
                    message: crate::events::notifications::notice_text(model.message, model.message_en),
                    attempts: model.mail_attempts,
                    created_at: model.created_at,
                    due_at: model.mail_after?,
                })
            })
            .collect())
    }

    /// Takes `notice` for one try until `lease_until` (after which, should this sender die,
    /// it is due again). `false` when another sender took it first.
    pub async fn claim_notice_for_mail(
        &self,
        notice: &QueuedNotice,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let claimed = notification::Entity::update_many()
            .col_expr(notification::Column::MailAfter, Expr::value(Some(lease_until)))
            .filter(notification::Column::Id.eq(notice.id))
            .filter(notification::Column::MailAfter.eq(notice.due_at))
            .exec(&self.writer)
            .await?;
        Ok(claimed.rows_affected == 1)
    }

    /// Records a claimed notice's try.
    pub async fn record_mail_outcome(
        &self,
        notice: &QueuedNotice,
        outcome: MailOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (mail_after, mailed_at) = match outcome {
            MailOutcome::Sent => (None, Some(now)),
            MailOutcome::RetryAt(at) => (Some(at), None),
            MailOutcome::GivenUp => (None, None),
        };
        notification::Entity::update_many()
            .col_expr(notification::Column::MailAfter, Expr::value(mail_after))
            .col_expr(notification::Column::MailedAt, Expr::value(mailed_at))
            .col_expr(notification::Column::MailAttempts, Expr::value(notice.attempts + 1))
            .filter(notification::Column::Id.eq(notice.id))
            .exec(&self.writer)
            .await?;
        Ok(())
    }

    /// When a notice's e-mail went out, and how many tries it took (tests and support).
    pub async fn notice_mail_state(&self, id: i64) -> Result<Option<(Option<DateTime<Utc>>, i32)>, StoreError> {
        Ok(notification::Entity::find_by_id(id)
            .one(&self.reader)
            .await?
            .map(|model| (model.mailed_at, model.mail_attempts)))
    }
}
