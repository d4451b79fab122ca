//! In-memory login throttling. Per process: with several service nodes each enforces its own
//! limits, so the effective limit is the configured one times the number of nodes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::settings::LoginLimits;

/// Sliding-window counters of login attempts per client address and failures per account.
#[derive(Debug)]
pub struct LoginThrottle {
    limits: LoginLimits,
    state: Mutex<ThrottleState>,
}

#[derive(Debug, Default)]
struct ThrottleState {
    attempts_by_client: HashMap<String, Vec<Instant>>,
    failures_by_account: HashMap<String, Vec<Instant>>,
}

/// Bounds memory under a flood of distinct keys: past this many keys, expired ones are swept.
const SWEEP_THRESHOLD: usize = 10_000;

impl LoginThrottle {
    pub fn new(limits: LoginLimits) -> LoginThrottle {
        LoginThrottle { limits, state: Mutex::new(ThrottleState::default()) }
    }

    fn window(&self) -> Duration {
        Duration::from_secs(self.limits.window_seconds.max(1))
    }

    /// Counts an attempt from `client` on `account` and says how long to wait if either has used
    /// up its allowance. Refused attempts are not counted, so waiting out the window always works.
    pub fn admit(&self, client: &str, account: &str) -> Result<(), Duration> {
        self.admit_at(client, account, Instant::now())
    }

    fn admit_at(&self, client: &str, account: &str, now: Instant) -> Result<(), Duration> {
        let window = self.window();
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.attempts_by_client.len() + state.failures_by_account.len() > SWEEP_THRESHOLD {
            state.attempts_by_client.retain(|_, times| times.last().is_some_and(|last| now - *last < window));
            state.failures_by_account.retain(|_, times| times.last().is_some_and(|last| now - *last < window));
        }
        let account_wait = wait_needed(
            state.failures_by_account.entry(account.to_owned()).or_default(),
            self.limits.max_failures_per_account,
            window,
            now,
        );
        let client_times = state.attempts_by_client.entry(client.to_owned()).or_default();
        let client_wait = wait_needed(client_times, self.limits.max_attempts_per_client, window, now);
        match account_wait.max(client_wait) {
            Some(wait) => Err(wait),
            None => {
                client_times.push(now);
                Ok(())
            }
        }
    }

    pub fn record_failure(&self, account: &str) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.failures_by_account.entry(account.to_owned()).or_default().push(Instant::now());
    }

    pub fn record_success(&self, account: &str) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.failures_by_account.remove(account);
    }
}

/// Drops events older than the window; if `limit` remain, the time until the oldest expires.
fn wait_needed(times: &mut Vec<Instant>, limit: u32, window: Duration, now: Instant) -> Option<Duration> {
    times.retain(|time| now.saturating_duration_since(*time) < window);
    if times.len() < limit as usize {
        return None;
    }
    let oldest = times.first().copied()?;
    Some(window.saturating_sub(now.saturating_duration_since(oldest)).max(Duration::from_secs(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(LoginLimits { window_seconds: 60, max_failures_per_account: 3, max_attempts_per_client: 5 })
    }

    #[test]
    fn account_locks_after_failures_and_unlocks_after_the_window() {
        let throttle = throttle();
        let start = Instant::now();
        for _ in 0..3 {
            throttle.admit_at("10.0.0.1", "a@x.org", start).unwrap();
            throttle.state.lock().unwrap().failures_by_account.entry("a@x.org".into()).or_default().push(start);
        }
        let wait = throttle.admit_at("10.0.0.2", "a@x.org", start + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert!(throttle.admit_at("10.0.0.2", "b@x.org", start + Duration::from_secs(10)).is_ok());
        assert!(throttle.admit_at("10.0.0.2", "a@x.org", start + Duration::from_secs(61)).is_ok());
    }

    #[test]
    fn success_clears_account_failures() {
        let throttle = throttle();
        for _ in 0..3 {
            throttle.record_failure("a@x.org");
        }
        assert!(throttle.admit("c", "a@x.org").is_err());
        throttle.record_success("a@x.org");
        assert!(throttle.admit("c", "a@x.org").is_ok());
    }

    #[test]
    fn client_is_limited_across_accounts() {
        let throttle = throttle();
        let start = Instant::now();
        for index in 0..5 {
            throttle.admit_at("10.0.0.1", &format!("user{index}@x.org"), start).unwrap();
        }
        assert!(throttle.admit_at("10.0.0.1", "other@x.org", start).is_err());
        assert!(throttle.admit_at("10.0.0.9", "other@x.org", start).is_ok());
    }
}
