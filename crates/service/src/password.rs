use std::sync::{Arc, OnceLock};

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::settings::PasswordHashSettings;

/// argon2id hashing, run on tokio's blocking pool: one hash costs tens of milliseconds of CPU.
#[derive(Clone)]
pub struct PasswordHasher {
    argon2: Arc<Argon2<'static>>,
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
        Ok(PasswordHasher { argon2: Arc::new(Argon2::new(Algorithm::Argon2id, Version::V0x13, params)) })
    }

    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
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
    }

    /// Checks a password against a stored hash. With no stored hash (unknown account) it checks
    /// against a fixed dummy hash, so that the answer takes as long either way and does not
    /// reveal which e-mail addresses have accounts.
    pub async fn verify(&self, password: &str, stored_hash: Option<String>) -> anyhow::Result<bool> {
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

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(PasswordHashSettings { memory_kib: 19_456, iterations: 2, parallelism: 1 }).unwrap()
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
        assert!(PasswordHasher::new(PasswordHashSettings { memory_kib: 4096, iterations: 2, parallelism: 1 }).is_err());
        assert!(
            PasswordHasher::new(PasswordHashSettings { memory_kib: 19_456, iterations: 1, parallelism: 1 }).is_err()
        );
    }
}
