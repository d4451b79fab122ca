//! Login events for throttling, shared by every node on the database. An admission counts and
//! records in one transaction, serialised on each database (SQLite's single writer, a
//! PostgreSQL advisory lock), so parallel requests and other nodes cannot slip past a limit.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::Store;
use crate::entity::login_event;
use crate::error::StoreError;

/// What a login event counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginEventKind {
    /// An attempt from a client address.
    Attempt,
    /// A failed password for an account (recorded when the attempt is admitted, and cleared by
    /// a success, so attempts still being checked count too).
    Failure,
    /// A client address that has signed in to an account (keyed by both).
    KnownClient,
    /// A registration from a client address.
    Registration,
}

impl LoginEventKind {
    fn as_str(self) -> &'static str {
        match self {
            LoginEventKind::Attempt => "attempt",
            LoginEventKind::Failure => "failure",
            LoginEventKind::KnownClient => "known",
            LoginEventKind::Registration => "register",
        }
    }
}

/// At most `limit` events of `kind` for `key` in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginEventLimit {
    pub kind: LoginEventKind,
    pub key: String,
    pub limit: u64,
}

/// The transaction-scoped advisory lock that serialises admissions on PostgreSQL.
const ADMISSION_LOCK: i64 = 7_240_118_233;

/// How many events of a kind a key has had since a time, and when the oldest of them was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginEventCount {
    pub count: u64,
    pub oldest: Option<DateTime<Utc>>,
}

/// How many events of `kind` `key` has had since `since`, and the oldest, through `connection`.
async fn count_events<C: ConnectionTrait>(
    connection: &C,
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
    let count = recent().count(connection).await?;
    let oldest = if count == 0 {
        None
    } else {
        recent()
            .order_by_asc(login_event::Column::At)
            .select_only()
            .column(login_event::Column::At)
            .into_tuple::<DateTime<Utc>>()
            .one(connection)
            .await?
    };
    Ok(LoginEventCount { count, oldest })
}

fn event(kind: LoginEventKind, key: &str, at: DateTime<Utc>) -> login_event::ActiveModel {
    login_event::ActiveModel { id: NotSet, kind: Set(kind.as_str().to_owned()), key: Set(key.to_owned()), at: Set(at) }
}

impl Store {
    pub async fn count_login_events(
        &self,
        kind: LoginEventKind,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<LoginEventCount, StoreError> {
        count_events(&self.reader, kind, key, since).await
    }

    /// Checks every limit over the events since `since` and, if all have room, records
    /// `records` at `now`, as one step: of any number of parallel admissions (on any node),
    /// no more are admitted than a limit allows. On refusal nothing is recorded, and the
    /// answer is every limit's count, in the order of `limits`.
    pub async fn admit_login_events(
        &self,
        limits: &[LoginEventLimit],
        records: &[(LoginEventKind, String)],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Result<(), Vec<LoginEventCount>>, StoreError> {
        let transaction = self.begin_write().await?;
        if self.backend() == crate::Backend::Postgres {
            transaction.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({ADMISSION_LOCK})")).await?;
        }
        let mut counts = Vec::with_capacity(limits.len());
        for limit in limits {
            counts.push(count_events(&transaction, limit.kind, &limit.key, since).await?);
        }
        if limits.iter().zip(&counts).any(|(limit, events)| events.count >= limit.limit) {
            transaction.rollback().await?;
            return Ok(Err(counts));
        }
        if !records.is_empty() {
            let rows = records.iter().map(|(kind, key)| event(*kind, key, now));
            login_event::Entity::insert_many(rows).exec(&transaction).await?;
        }
        transaction.commit().await?;
        Ok(Ok(()))
    }

    /// Whether `key` has had an event of `kind` since `since`.
    pub async fn has_login_event(
        &self,
        kind: LoginEventKind,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let found = login_event::Entity::find()
            .filter(login_event::Column::Kind.eq(kind.as_str()))
            .filter(login_event::Column::Key.eq(key))
            .filter(login_event::Column::At.gt(since))
            .one(&self.reader)
            .await?;
        Ok(found.is_some())
    }

    /// A successful login: the account's failures are forgotten and the client is remembered
    /// as one that has signed in to it (one event per pair, stamped `now`).
    pub async fn record_login_success(
        &self,
        account: &str,
        known_client: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let transaction = self.begin_write().await?;
        login_event::Entity::delete_many()
            .filter(
                sea_orm::Condition::any()
                    .add(
                        sea_orm::Condition::all()
                            .add(login_event::Column::Kind.eq(LoginEventKind::Failure.as_str()))
                            .add(login_event::Column::Key.eq(account)),
                    )
                    .add(
                        sea_orm::Condition::all()
                            .add(login_event::Column::Kind.eq(LoginEventKind::KnownClient.as_str()))
                            .add(login_event::Column::Key.eq(known_client)),
                    ),
            )
            .exec(&transaction)
            .await?;
        login_event::Entity::insert(event(LoginEventKind::KnownClient, known_client, now)).exec(&transaction).await?;
        transaction.commit().await?;
        Ok(())
    }

    pub async fn add_login_event(&self, kind: LoginEventKind, key: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        login_event::Entity::insert(event(kind, key, at)).exec(&self.writer).await?;
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

    /// Deletes events from before `before`, and known clients from before `known_before`;
    /// returns how many went.
    pub async fn prune_login_events(
        &self,
        before: DateTime<Utc>,
        known_before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let known = LoginEventKind::KnownClient.as_str();
        let deleted = login_event::Entity::delete_many()
            .filter(
                sea_orm::Condition::any()
                    .add(
                        sea_orm::Condition::all()
                            .add(login_event::Column::Kind.ne(known))
                            .add(login_event::Column::At.lte(before)),
                    )
                    .add(
                        sea_orm::Condition::all()
                            .add(login_event::Column::Kind.eq(known))
                            .add(login_event::Column::At.lte(known_before)),
                    ),
            )
            .exec(&self.writer)
            .await?;
        Ok(deleted.rows_affected)
    }
}
