//! Login and registration throttling, kept in the database so that every service node sharing
//! it enforces one limit together: attempts per client address, failed passwords per account,
//! registrations per client address, each within a sliding window. Every admission checks and
//! records in one serialised transaction, so parallel requests and other nodes cannot slip past
//! a limit. Node clocks are assumed to agree (NTP), since each node stamps its own events.
//!
//! The per-account limit slows an attacker without locking out the owner: it counts only
//! attempts from clients that have never signed in to the account (within
//! `known_client_days`); a client that has keeps signing in, within its own per-client limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::Utc;
use techmatch_store::{LoginEventCount, LoginEventKind, LoginEventLimit, Store, StoreError};

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

/// An admitted login attempt, to settle once the password is checked.
#[derive(Debug)]
pub struct Admitted {
    account: String,
    client: String,
}

impl LoginThrottle {
    pub fn new(limits: LoginLimits, store: Store) -> LoginThrottle {
        LoginThrottle { limits, store, last_prune: Arc::new(AtomicI64::new(0)) }
    }

    fn window(&self) -> Duration {
        Duration::from_secs(self.limits.window_seconds.max(1))
    }

    /// The key under which a client that has signed in to an account is remembered.
    fn known_key(account: &str, client: &str) -> String {
        format!("{account} {client}")
    }

    /// Counts an attempt from `client` on `account` (a normalised address), or says how long to
    /// wait if either has used up its allowance. From a client unknown to the account, the
    /// attempt counts as a failure from the start, until [`LoginThrottle::succeeded`] clears
    /// it: attempts still being checked count too. Refused attempts are not counted, so
    /// waiting out the window always works.
    pub async fn admit(&self, client: &str, account: &str) -> Result<Admitted, Refusal> {
        let now = Utc::now();
        let known_since = now - chrono::Duration::days(i64::try_from(self.limits.known_client_days).unwrap_or(0));
        let known = self
            .store
            .has_login_event(LoginEventKind::KnownClient, &Self::known_key(account, client), known_since)
            .await?;
        let mut limits = vec![(LoginEventKind::Attempt, client, self.limits.max_attempts_per_client)];
        if !known {
            limits.push((LoginEventKind::Failure, account, self.limits.max_failures_per_account));
        }
        self.admit_events(&limits).await?;
        Ok(Admitted { account: account.to_owned(), client: client.to_owned() })
    }

    /// The password was right: the account's failures are forgotten and the client is known to
    /// it from now on.
    pub async fn succeeded(&self, admitted: &Admitted) -> Result<(), StoreError> {
        let known = Self::known_key(&admitted.account, &admitted.client);
        self.store.record_login_success(&admitted.account, &known, Utc::now()).await
    }

    /// Counts a registration from `client`, or says how long to wait.
    pub async fn admit_registration(&self, client: &str) -> Result<(), Refusal> {
        self.admit_events(&[(LoginEventKind::Registration, client, self.limits.max_registrations_per_client)]).await
    }

    /// Checks each (kind, key, limit) and records one event of each, in one step.
    async fn admit_events(&self, limits: &[(LoginEventKind, &str, u32)]) -> Result<(), Refusal> {
        let now = Utc::now();
        let window = self.window();
        let since = now - chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
        self.prune_now_and_then(now, since).await?;
        let checked: Vec<LoginEventLimit> = limits
            .iter()
            .map(|(kind, key, limit)| LoginEventLimit { kind: *kind, key: (*key).to_owned(), limit: u64::from(*limit) })
            .collect();
        let records: Vec<(LoginEventKind, String)> =
            limits.iter().map(|(kind, key, _)| (*kind, (*key).to_owned())).collect();
        match self.store.admit_login_events(&checked, &records, since, now).await? {
            Ok(()) => Ok(()),
            Err(counts) => {
                let wait = limits
                    .iter()
                    .zip(counts)
                    .filter_map(|((_, _, limit), events)| wait_needed(events, *limit, window, now))
                    .max()
                    .unwrap_or(Duration::from_secs(1));
                Err(Refusal::Wait(wait))
            }
        }
    }

    /// Events older than the window count for nothing: forget them now and then.
    async fn prune_now_and_then(
        &self,
        now: chrono::DateTime<Utc>,
        since: chrono::DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let last = self.last_prune.load(Ordering::Relaxed);
        if now.timestamp() - last >= PRUNE_EVERY_SECONDS
            && self.last_prune.compare_exchange(last, now.timestamp(), Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            let known_before = now - chrono::Duration::days(i64::try_from(self.limits.known_client_days).unwrap_or(0));
            self.store.prune_login_events(since, known_before.min(since)).await?;
        }
        Ok(())
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
