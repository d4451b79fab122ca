use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::settings::PasswordHashSettings;

/// argon2id hashing, run on tokio's blocking pool: one hash costs tens of milliseconds of CPU
/// and its memory cost (19 MiB at the floor) for as long. At most `max_concurrent` run at once
/// and `max_waiting` more wait their turn; beyond that a request is refused at once
/// ([`HashError::Busy`]), so a flood of logins or registrations cannot exhaust memory. The
/// running hashes work in memory kept for them ([`HashMemory`]) rather than memory allocated and
/// freed per hash, which the system allocator would keep growing under a flood.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Arc<Argon2<'static>>,
    params: Params,
    gate: Arc<HashingGate>,
    memory: Arc<HashMemory>,
}

/// The argon2 working memory of the hashes that may run at once, reused from hash to hash.
/// (Freed and allocated again each time, such blocks are too big for glibc to hand back right
/// away once its allocation threshold has adapted to them, and each thread's arena keeps its
/// own: resident memory then grew far past the bound on concurrent hashes.)
struct HashMemory {
    block_count: usize,
    keep: usize,
    free: std::sync::Mutex<Vec<Vec<Block>>>,
}

impl HashMemory {
    fn new(block_count: usize, keep: usize) -> HashMemory {
        HashMemory { block_count, keep, free: std::sync::Mutex::new(Vec::with_capacity(keep)) }
    }

    /// Working memory of `block_count` blocks: a kept one when the size is the configured one
    /// (a hash stored under older parameters gets its own).
    fn take(&self, block_count: usize) -> Vec<Block> {
        if block_count == self.block_count
            && let Some(blocks) = self.free.lock().ok().and_then(|mut free| free.pop())
        {
            return blocks;
        }
        vec![Block::default(); block_count]
    }

    fn give_back(&self, blocks: Vec<Block>) {
        if blocks.len() == self.block_count
            && let Ok(mut free) = self.free.lock()
            && free.len() < self.keep
        {
            free.push(blocks);
        }
    }
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
            argon2: Arc::new(Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())),
            memory: Arc::new(HashMemory::new(params.block_count(), max_concurrent.max(1))),
            params,
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
        let hasher = self.clone();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || hasher.hash_now(password.as_bytes()))
            .await
            .context("password hashing task failed")?
            .map_err(HashError::Failed)
    }

    /// Checks a password against a stored hash. With no stored hash (unknown account) it checks
    /// against a fixed dummy hash, so that the answer takes as long either way and does not
    /// reveal which e-mail addresses have accounts.
    pub async fn verify(&self, password: &str, stored_hash: Option<String>) -> Result<bool, HashError> {
        let _turn = self.gate.turn().await?;
        let hasher = self.clone();
        let password = password.to_owned();
        let known = stored_hash.is_some();
        let stored_hash = match stored_hash {
            Some(hash) => hash,
            None => self.dummy_hash()?,
        };
        tokio::task::spawn_blocking(move || hasher.verify_now(password.as_bytes(), &stored_hash))
            .await
            .context("password verification task failed")?
            .map(|matches| matches && known)
            .map_err(HashError::Failed)
    }

    /// The argon2 output of `password` under `argon2` with a raw `salt`, in kept memory.
    fn output(&self, argon2: &Argon2<'_>, password: &[u8], salt: &[u8], length: usize) -> anyhow::Result<Output> {
        let mut blocks = self.memory.take(argon2.params().block_count());
        let output = Output::init_with(length, |out| {
            argon2.hash_password_into_with_memory(password, salt, out, &mut blocks).map_err(Into::into)
        });
        self.memory.give_back(blocks);
        output.map_err(|error| anyhow::anyhow!("argon2 hashing failed: {error}"))
    }

    /// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) for `password`, blocking.
    fn hash_now(&self, password: &[u8]) -> anyhow::Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        let mut raw_salt = [0u8; 64];
        let raw_salt = salt.decode_b64(&mut raw_salt).map_err(|error| anyhow::anyhow!("salt: {error}"))?;
        let length = self.params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let output = self.output(&self.argon2, password, raw_salt, length)?;
        let hash = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.params).map_err(|error| anyhow::anyhow!("params: {error}"))?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(hash.to_string())
    }

    /// Whether `password` matches a stored PHC string, under the parameters it carries,
    /// compared in constant time; blocking.
    fn verify_now(&self, password: &[u8], stored_hash: &str) -> anyhow::Result<bool> {
        let malformed = |error: &dyn std::fmt::Display| anyhow::anyhow!("stored hash is malformed: {error}");
        let parsed = PasswordHash::new(stored_hash).map_err(|error| malformed(&error))?;
        let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|error| malformed(&error))?;
        let version = match parsed.version {
            Some(version) => Version::try_from(version).map_err(|error| malformed(&error))?,
            None => Version::default(),
        };
        let params = Params::try_from(&parsed).map_err(|error| malformed(&error))?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Err(malformed(&"no salt or no hash"));
        };
        let mut raw_salt = [0u8; 64];
        let raw_salt = salt.decode_b64(&mut raw_salt).map_err(|error| malformed(&error))?;
        let argon2 = Argon2::new(algorithm, version, params);
        Ok(self.output(&argon2, password, raw_salt, expected.len())? == expected)
    }

    fn dummy_hash(&self) -> anyhow::Result<String> {
        static DUMMY: OnceLock<String> = OnceLock::new();
        if let Some(hash) = DUMMY.get() {
            return Ok(hash.clone());
        }
        let hash = self.hash_now(b"no account has this password")?;
        Ok(DUMMY.get_or_init(|| hash).clone())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

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

    #[tokio::test]
    async fn hashes_agree_with_the_argon2_crates_own_in_both_directions() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let hasher = hasher();
        let ours = hasher.hash("a stored passphrase").await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"a stored passphrase", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"another passphrase", &parsed).is_err());
        // Hashes stored under other parameters (a cost raised since, or an older version) still
        // verify, in memory of their own size.
        for (memory_kib, iterations) in [(19_456, 2), (32_768, 3), (8192, 1)] {
            let params = Params::new(memory_kib, iterations, 1, None).unwrap();
            let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(b"a stored passphrase", &SaltString::generate(&mut OsRng))
                .unwrap()
                .to_string();
            assert!(hasher.verify("a stored passphrase", Some(theirs.clone())).await.unwrap(), "{theirs}");
            assert!(!hasher.verify("a stored passphrase!", Some(theirs)).await.unwrap());
        }
        let truncated = ours[..ours.len() - 8].to_owned();
        assert!(!hasher.verify("a stored passphrase", Some(truncated)).await.unwrap_or(false));
    }

    #[test]
    fn working_memory_is_kept_for_the_hashes_that_may_run_at_once() {
        let memory = HashMemory::new(16, 2);
        let blocks: Vec<Vec<Block>> = (0..3).map(|_| memory.take(16)).collect();
        for taken in blocks {
            memory.give_back(taken);
        }
        assert_eq!(memory.free.lock().unwrap().len(), 2, "no more than may run at once");
        memory.give_back(memory.take(32));
        assert_eq!(memory.free.lock().unwrap().len(), 2, "another size is not kept");
        let _reused = memory.take(16);
        assert_eq!(memory.free.lock().unwrap().len(), 1);
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
