//! Accounts recently confirmed able to use a token version, so that a busy user's requests do
//! not each read their account row.
//!
//! A token is checked against its account (active, token version not bumped by a logout,
//! password change or deactivation). Here a positive answer is kept for a short while: this
//! node's own revocations drop it at once, other nodes' (and the command line's) take effect
//! within the recheck interval. A token whose version differs from the kept one is always
//! checked against the database, so a newer token is never refused for a stale entry.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use techmatch_domain::{Actor, UserId};

/// Entries kept before the table starts over (a few dozen bytes each).
const MOST_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Verified {
    token_version: i64,
    actor: Actor,
    at: Instant,
}

#[derive(Debug)]
pub(crate) struct VerifiedAccounts {
    recheck_after: Duration,
    entries: Mutex<HashMap<UserId, Verified>>,
    /// Bumped by every revocation: a check that read the database before a revocation on this
    /// node must not keep what it read.
    generation: AtomicU64,
}

/// Where a check started, for [`VerifiedAccounts::keep`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct CheckStarted(u64);

impl VerifiedAccounts {
    /// `recheck_after` of zero keeps nothing: every request reads its account.
    pub(crate) fn new(recheck_after: Duration) -> VerifiedAccounts {
        VerifiedAccounts { recheck_after, entries: Mutex::new(HashMap::new()), generation: AtomicU64::new(0) }
    }

    /// The caller, if `user` was confirmed with this token version within the recheck interval.
    pub(crate) fn confirmed(&self, user: UserId, token_version: i64) -> Option<Actor> {
        if self.recheck_after.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(&user)
            .filter(|entry| entry.token_version == token_version && entry.at.elapsed() < self.recheck_after)
            .map(|entry| entry.actor)
    }

    /// Call before reading the account from the database.
    pub(crate) fn start_check(&self) -> CheckStarted {
        CheckStarted(self.generation.load(Ordering::Acquire))
    }

    /// Keeps a confirmation read since `started`, unless a revocation happened meanwhile.
    pub(crate) fn keep(&self, started: CheckStarted, token_version: i64, actor: Actor) {
        if self.recheck_after.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        // Checked under the lock that `revoke` takes after bumping: either the bump is seen
        // here, or the revocation's removal comes after this insert.
        if self.generation.load(Ordering::Acquire) != started.0 {
            return;
        }
        if entries.len() >= MOST_ENTRIES {
            entries.clear();
        }
        entries.insert(actor.user_id, Verified { token_version, actor, at: Instant::now() });
    }

    /// Forgets `user`: call after its account changed in a way that may refuse its tokens.
    pub(crate) fn revoke(&self, user: UserId) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).remove(&user);
    }
}

#[cfg(test)]
mod tests {
    use techmatch_domain::Role;

    use super::*;

    fn actor(id: i64) -> Actor {
        Actor { user_id: UserId(id), role: Role::Researcher, organization_id: None }
    }

    #[test]
    fn a_confirmation_answers_only_its_own_token_version_and_only_for_a_while() {
        let verified = VerifiedAccounts::new(Duration::from_millis(50));
        let started = verified.start_check();
        verified.keep(started, 3, actor(1));
        assert_eq!(verified.confirmed(UserId(1), 3).map(|actor| actor.user_id), Some(UserId(1)));
        assert!(verified.confirmed(UserId(1), 4).is_none(), "another token version is checked afresh");
        assert!(verified.confirmed(UserId(2), 3).is_none());
        std::thread::sleep(Duration::from_millis(60));
        assert!(verified.confirmed(UserId(1), 3).is_none(), "past the interval the account is read again");
    }

    #[test]
    fn a_revocation_drops_the_entry_and_a_check_that_began_before_it_is_not_kept() {
        let verified = VerifiedAccounts::new(Duration::from_secs(60));
        verified.keep(verified.start_check(), 1, actor(1));
        let before_logout = verified.start_check();
        verified.revoke(UserId(1));
        assert!(verified.confirmed(UserId(1), 1).is_none());
        // A check that read the account before the logout must not bring the old version back.
        verified.keep(before_logout, 1, actor(1));
        assert!(verified.confirmed(UserId(1), 1).is_none());
        verified.keep(verified.start_check(), 2, actor(1));
        assert!(verified.confirmed(UserId(1), 2).is_some());
    }

    #[test]
    fn zero_keeps_nothing() {
        let verified = VerifiedAccounts::new(Duration::ZERO);
        verified.keep(verified.start_check(), 1, actor(1));
        assert!(verified.confirmed(UserId(1), 1).is_none());
    }
}
