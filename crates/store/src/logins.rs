//! Login events for throttling, shared by every node on the database.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::Store;
use crate::entity::login_event;
use crate::error::StoreError;

/// What a login event counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginEventKind {
    /// An attempt from a client address.
    Attempt,
    /// A failed password for an account.
    Failure,
}

impl LoginEventKind {
    fn as_str(self) -> &'static str {
        match self {
            LoginEventKind::Attempt => "attempt",
            LoginEventKind::Failure => "failure",
        }
    }
}

/// How many events of a kind a key has had since a time, and when the oldest of them was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginEventCount {
    pub count: u64,
    pub oldest: Option<DateTime<Utc>>,
}

impl Store {
    pub async fn count_login_events(
        &self,
        kind: LoginEventKind,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<LoginEventCount, StoreError> {
        let recent = || {
            login_event::Entity::find()
                .filter(login_event::Column::Kind.eq(kind.as_str()))
                .filter(login_event::Column::Key.eq(key))
                .filter(login_event::Column::At.gt(since))
        };
        let count = recent().count(&self.reader).await?;
        let oldest = if count == 0 {
            None
        } else {
            recent()
                .order_by_asc(login_event::Column::At)
                .select_only()
                .column(login_event::Column::At)
                .into_tuple::<DateTime<Utc>>()
                .one(&self.reader)
                .await?
        };
        Ok(LoginEventCount { count, oldest })
    }

    pub async fn add_login_event(&self, kind: LoginEventKind, key: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let row = login_event::ActiveModel {
            id: NotSet,
            kind: Set(kind.as_str().to_owned()),
            key: Set(key.to_owned()),
            at: Set(at),
        };
        login_event::Entity::insert(row).exec(&self.writer).await?;
        Ok(())
    }

    /// Forgets an account's failures (after a successful login).
    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        login_event::Entity::delete_many()
            .filter(login_event::Column::Kind.eq(LoginEventKind::Failure.as_str()))
            .filter(login_event::Column::Key.eq(key))
            .exec(&self.writer)
            .await?;
        Ok(())
    }

    /// Deletes events from before `before`; returns how many went.
    pub async fn prune_login_events(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let deleted =
            login_event::Entity::delete_many().filter(login_event::Column::At.lte(before)).exec(&self.writer).await?;
        Ok(deleted.rows_affected)
    }
}
