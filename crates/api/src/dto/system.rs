//! Health.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// `ok` or `unavailable`.
    pub database: &'static str,
    pub version: &'static str,
    /// This node's search index against the outbox (absent while the database is away).
    pub index: Option<IndexHealth>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndexHealth {
    /// The outbox position applied to this node's index.
    pub applied: i64,
    /// Outbox entries not applied here yet.
    pub pending: u64,
    /// Age of the oldest of them, in seconds.
    pub lag_seconds: f64,
}
