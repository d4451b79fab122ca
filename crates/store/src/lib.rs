//! Persistence for techmatch over sea-orm, on SQLite (the embedded default) or PostgreSQL.
//!
//! Only this crate knows SQL. It hands out domain types, never entities.
//!
//! SQLite allows one writer at a time. A deferred transaction that reads and then writes can
//! fail with `SQLITE_BUSY` at once whatever the busy timeout says, so on SQLite every write
//! goes through a pool of exactly one connection and write transactions start with
//! `BEGIN IMMEDIATE`; reads use a separate read-only pool and are never blocked (WAL).

mod accounts;
mod backup;
mod connection;
mod deals;
mod decisions;
mod entity;
mod error;
mod events;
mod listings;
mod logins;
mod mail_queue;
mod pair_outcomes;
mod write_queue;

pub use accounts::{CreateAccountError, Membership, NewAccount, NewOrganization};
pub use backup::{sqlite_file, verify_sqlite_backup};
pub use connection::{Backend, DatabaseSettings, SqliteSynchronous, Store};
pub use deals::{
    AnswerOutcome, BulkDeal, DealFilter, FunnelDimension, FunnelRow, IntroductionAnswerOutcome, NewDeal,
    NewInterestRow, NewIntroductionRow, StoredAnswer, StoredDealChange, SweepNotices,
};
pub use decisions::{NewStoredPair, PairDecision, StoredMatch};
pub use error::StoreError;
pub use events::{NewMeetingRequest, NewNotification, NewParticipant, PlacedMeeting};
pub use listings::{
    NeedQuery, NewListing, NewResearchResult, NewTechNeed, OutboxEntry, ResultQuery, UpdateError, Upserted, Written,
};
pub use logins::{LoginEventCount, LoginEventKind, LoginEventLimit};
pub use mail_queue::{MailOutcome, QueuedNotice};
pub use pair_outcomes::PairOutcome;

/// A window onto a long list: `limit` rows starting after `offset` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub offset: u64,
    pub limit: u64,
}

/// One page of rows and how many rows there are in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

#[cfg(feature = "testing")]
#[allow(clippy::expect_used)]
pub mod testing;
