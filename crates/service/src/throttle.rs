//! Login throttling, kept in the database so that every service node sharing it enforces one
//! limit together: attempts per client address and failed passwords per account, each within a
//! sliding window. Two nodes counting at the same instant can each admit one attempt past the
//! limit (the count and the insert are not one transaction); the limit then holds again. Node
//! clocks are assumed to agree (NTP), since each node stamps its own events.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::Utc;
use techmatch_store::{LoginEventCount, LoginEventKind, Store, StoreError};

use crate::settings::LoginLimits;

/// How often a node deletes events that have left the window. Counting already ignores them,
/// so this only keeps the table small; once a minute spares a delete on every login.
const PRUNE_EVERY_SECONDS: i64 = 60;

#[derive(Debug, Clone)]
pub struct LoginThrottle {
    limits: LoginLimits,
    store: Store,
    /// When this node last pruned, in Unix seconds (0: not yet).
    last_prune: Arc<AtomicI64>,
}

/// The events of the window say how long to wait, if `limit` of them have happened already:
/// until the oldest leaves the window (at least a second, as `Retry-After` counts seconds).
pub fn wait_needed(
    events: LoginEventCount,
    limit: u32,
    window: Duration,
    now: chrono::DateTime<Utc>,
) -> Option<Duration> {
    if events.count < u64::from(limit) {
        return None;
    }
    let elapsed = events.oldest.map_or(Duration::ZERO, |oldest| (now - oldest).to_std().unwrap_or(Duration::ZERO));
    Some(window.saturating_sub(elapsed).max(Duration::from_secs(1)))
}

/// Why an attempt is not admitted.
#[derive(Debug)]
pub enum Refusal {
    Wait(Duration),
    Store(StoreError),
}

impl From<StoreError> for Refusal {
    fn from(error: StoreError) -> Self {
        Refusal::Store(error)
    }
}

impl LoginThrottle {
    pub fn new(limits: LoginLimits, store: Store) -> LoginThrottle {
        LoginThrottle { limits, store, last_prune: Arc::new(AtomicI64::new(0)) }
    }

    fn window(&self) -> Duration {
        Duration::from_secs(self.limits.window_seconds.max(1))
    }

    /// Counts an attempt from `client` on `account`, or says how long to wait if either has used
    /// up its allowance. Refused attempts are not counted, so waiting out the window always works.
    pub async fn admit(&self, client: &str, account: &str) -> Result<(), Refusal> {
        let now = Utc::now();
        let window = self.window();
        let since = now - chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
        // Events older than the window count for nothing: forget them now and then.
        let last = self.last_prune.load(Ordering::Relaxed);
        if now.timestamp() - last >= PRUNE_EVERY_SECONDS
            && self.last_prune.compare_exchange(last, now.timestamp(), Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            self.store.prune_login_events(since).await?;
        }
        let failures = self.store.count_login_events(LoginEventKind::Failure, account, since).await?;
        let attempts = self.store.count_login_events(LoginEventKind::Attempt, client, since).await?;
        let account_wait = wait_needed(failures, self.limits.max_failures_per_account, window, now);
        let client_wait = wait_needed(attempts, self.limits.max_attempts_per_client, window, now);
        if let Some(wait) = account_wait.max(client_wait) {
            return Err(Refusal::Wait(wait));
        }
        self.store.add_login_event(LoginEventKind::Attempt, client, now).await?;
        Ok(())
    }

    pub async fn record_failure(&self, account: &str) -> Result<(), StoreError> {
        self.store.add_login_event(LoginEventKind::Failure, account, Utc::now()).await
    }

    pub async fn record_success(&self, account: &str) -> Result<(), StoreError> {
        self.store.clear_login_failures(account).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(count: u64, oldest_seconds_ago: Option<i64>, now: chrono::DateTime<Utc>) -> LoginEventCount {
        LoginEventCount { count, oldest: oldest_seconds_ago.map(|seconds| now - chrono::Duration::seconds(seconds)) }
    }

    #[test]
    fn below_the_limit_nothing_waits() {
        let now = Utc::now();
        assert_eq!(wait_needed(count(2, Some(10), now), 3, Duration::from_secs(60), now), None);
        assert_eq!(wait_needed(count(0, None, now), 3, Duration::from_secs(60), now), None);
    }

    #[test]
    fn at_the_limit_the_wait_ends_when_the_oldest_leaves_the_window() {
        let now = Utc::now();
        assert_eq!(
            wait_needed(count(3, Some(10), now), 3, Duration::from_secs(60), now),
            Some(Duration::from_secs(50))
        );
        // Never less than a second, even when the oldest is about to leave.
        assert_eq!(wait_needed(count(5, Some(60), now), 3, Duration::from_secs(60), now), Some(Duration::from_secs(1)));
        // A limit of zero refuses everything for the whole window.
        assert_eq!(wait_needed(count(0, None, now), 0, Duration::from_secs(60), now), Some(Duration::from_secs(60)));
    }
}
