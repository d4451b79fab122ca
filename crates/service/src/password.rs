use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::settings::PasswordHashSettings;

/// argon2id hashing, run on tokio's blocking pool: one hash costs tens of milliseconds of CPU
/// and its memory cost (19 MiB at the floor) for as long. At most `max_concurrent` run at once
/// and `max_waiting` more wait their turn; beyond that a request is refused at once
/// ([`HashError::Busy`]), so a flood of logins or registrations cannot exhaust memory.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Arc<Argon2<'static>>,
    gate: Arc<HashingGate>,
}

/// Why a hash or a check did not happen.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("too many passwords are being checked; retry in {} s", retry_after.as_secs())]
    Busy { retry_after: Duration },
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// How long a refused caller is told to wait: a hash takes well under a second, so the queue
/// will have moved by then.
const BUSY_RETRY_AFTER: Duration = Duration::from_secs(1);

/// How busy the hashing has been, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashingFigures {
    pub running: usize,
    pub peak_running: usize,
    pub refused: u64,
    pub max_concurrent: usize,
}

struct HashingGate {
    permits: tokio::sync::Semaphore,
    max_concurrent: usize,
    /// Running plus waiting.
    admitted: AtomicUsize,
    capacity: usize,
    running: AtomicUsize,
    peak_running: AtomicUsize,
    refused: AtomicU64,
}

/// A place among the running hashes, given back when dropped.
struct HashingTurn<'g> {
    gate: &'g HashingGate,
    _permit: tokio::sync::SemaphorePermit<'g>,
}

impl HashingGate {
    fn new(max_concurrent: usize, max_waiting: usize) -> HashingGate {
        let max_concurrent = max_concurrent.max(1);
        HashingGate {
            permits: tokio::sync::Semaphore::new(max_concurrent),
            max_concurrent,
            admitted: AtomicUsize::new(0),
            capacity: max_concurrent + max_waiting,
            running: AtomicUsize::new(0),
            peak_running: AtomicUsize::new(0),
            refused: AtomicU64::new(0),
        }
    }

    async fn turn(&self) -> Result<HashingTurn<'_>, HashError> {
        if self.admitted.fetch_add(1, Ordering::SeqCst) >= self.capacity {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err(HashError::Busy { retry_after: BUSY_RETRY_AFTER });
        }
        let Ok(permit) = self.permits.acquire().await else {
            self.admitted.fetch_sub(1, Ordering::SeqCst);
            return Err(HashError::Failed(anyhow::anyhow!("the password hashing gate is closed")));
        };
        let running = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak_running.fetch_max(running, Ordering::SeqCst);
        Ok(HashingTurn { gate: self, _permit: permit })
    }
}

impl Drop for HashingTurn<'_> {
    fn drop(&mut self) {
        self.gate.running.fetch_sub(1, Ordering::SeqCst);
        self.gate.admitted.fetch_sub(1, Ordering::SeqCst);
    }
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("PasswordHasher")
    }
}

impl PasswordHasher {
    pub fn new(settings: PasswordHashSettings) -> anyhow::Result<PasswordHasher> {
        if let Some(problem) = settings.problem() {
            anyhow::bail!(problem);
        }
        let params = Params::new(settings.memory_kib, settings.iterations, settings.parallelism, None)
            .map_err(|error| anyhow::anyhow!("invalid argon2 parameters: {error}"))?;
        let max_concurrent = match settings.max_concurrent {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            configured => configured,
        };
        Ok(PasswordHasher {
            argon2: Arc::new(Argon2::new(Algorithm::Argon2id, Version::V0x13, params)),
            gate: Arc::new(HashingGate::new(max_concurrent, settings.max_waiting)),
        })
    }

    pub fn figures(&self) -> HashingFigures {
        HashingFigures {
            running: self.gate.running.load(Ordering::SeqCst),
            peak_running: self.gate.peak_running.load(Ordering::SeqCst),
            refused: self.gate.refused.load(Ordering::Relaxed),
            max_concurrent: self.gate.max_concurrent,
        }
    }

    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let _turn = self.gate.turn().await?;
        let argon2 = Arc::clone(&self.argon2);
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|error| anyhow::anyhow!("argon2 hashing failed: {error}"))
        })
        .await
        .context("password hashing task failed")?
        .map_err(HashError::Failed)
    }

    /// Checks a password against a stored hash. With no stored hash (unknown account) it checks
    /// against a fixed dummy hash, so that the answer takes as long either way and does not
    /// reveal which e-mail addresses have accounts.
    pub async fn verify(&self, password: &str, stored_hash: Option<String>) -> Result<bool, HashError> {
        let _turn = self.gate.turn().await?;
        let argon2 = Arc::clone(&self.argon2);
        let password = password.to_owned();
        let known = stored_hash.is_some();
        let stored_hash = match stored_hash {
            Some(hash) => hash,
            None => self.dummy_hash()?,
        };
        tokio::task::spawn_blocking(move || {
            let parsed = PasswordHash::new(&stored_hash)
                .map_err(|error| anyhow::anyhow!("stored hash is malformed: {error}"))?;
            // The hash carries its own parameters; verification uses those.
            Ok(argon2.verify_password(password.as_bytes(), &parsed).is_ok() && known)
        })
        .await
        .context("password verification task failed")?
        .map_err(HashError::Failed)
    }

    fn dummy_hash(&self) -> anyhow::Result<String> {
        static DUMMY: OnceLock<String> = OnceLock::new();
        if let Some(hash) = DUMMY.get() {
            return Ok(hash.clone());
        }
        let salt = SaltString::generate(&mut OsRng);
        let hash = self
            .argon2
            .hash_password(b"no account has this password", &salt)
            .map_err(|error| anyhow::anyhow!("argon2 hashing failed: {error}"))?
            .to_string();
        Ok(DUMMY.get_or_init(|| hash).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost(memory_kib: u32, iterations: u32) -> PasswordHashSettings {
        PasswordHashSettings { memory_kib, iterations, parallelism: 1, max_concurrent: 0, max_waiting: 16 }
    }

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(cost(19_456, 2)).unwrap()
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_the_required_cost_and_verify() {
        let hasher = hasher();
        let hash = hasher.hash("correct horse battery").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(hasher.verify("correct horse battery", Some(hash.clone())).await.unwrap());
        assert!(!hasher.verify("wrong horse battery", Some(hash)).await.unwrap());
        assert!(!hasher.verify("correct horse battery", None).await.unwrap());
    }

    #[test]
    fn cost_below_the_floor_is_refused() {
        assert!(PasswordHasher::new(cost(4096, 2)).is_err());
        assert!(PasswordHasher::new(cost(19_456, 1)).is_err());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn hashes_beyond_the_running_and_the_waiting_are_refused_at_once() {
        let settings = PasswordHashSettings { max_concurrent: 2, max_waiting: 3, ..cost(19_456, 2) };
        let hasher = PasswordHasher::new(settings).unwrap();
        let attempts: Vec<_> = (0..12)
            .map(|index| {
                let hasher = hasher.clone();
                tokio::spawn(async move { hasher.hash(&format!("password number {index}")).await })
            })
            .collect();
        let mut hashed = 0;
        let mut busy = 0;
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(_) => hashed += 1,
                Err(HashError::Busy { retry_after }) => {
                    assert!(retry_after >= Duration::from_secs(1));
                    busy += 1;
                }
                Err(HashError::Failed(error)) => panic!("{error:#}"),
            }
        }
        let figures = hasher.figures();
        assert!(hashed >= 5, "two running and three waiting all get their turn: {hashed}");
        assert_eq!(hashed + busy, 12);
        assert!(busy > 0, "twelve at once cannot all fit in five places");
        assert_eq!(figures.max_concurrent, 2);
        assert!(figures.peak_running <= 2, "{figures:?}");
        assert_eq!(figures.running, 0);
        assert_eq!(figures.refused, busy);
    }
}
