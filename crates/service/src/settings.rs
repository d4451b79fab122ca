use std::fmt;

use serde::Deserialize;

/// The JWT secret shipped in `config/default.toml` for development. Production refuses it.
pub const SHIPPED_DEVELOPMENT_SECRET: &str = "insecure-development-secret-change-me-0000000000";

/// Placeholders people paste into configuration files; refused in production like the default.
const KNOWN_WEAK_SECRETS: [&str; 6] = ["secret", "changeme", "change-me", "password", "jwt-secret", "techmatch"];

/// An HMAC key. Never printed.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct JwtSecret(String);

impl JwtSecret {
    pub fn new(value: impl Into<String>) -> JwtSecret {
        JwtSecret(value.into())
    }

    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Why this secret must not protect a production deployment, if it must not.
    /// RFC 8725 asks for HMAC keys of at least 256 bits; 32 bytes is that much only when random,
    /// so this is a floor, not a guarantee.
    pub fn production_weakness(&self) -> Option<String> {
        let secret = self.0.trim();
        if secret.is_empty() {
            return Some("auth.jwt_secret is missing (set TECHMATCH__AUTH__JWT_SECRET)".to_owned());
        }
        if secret == SHIPPED_DEVELOPMENT_SECRET || KNOWN_WEAK_SECRETS.contains(&secret.to_lowercase().as_str()) {
            return Some("auth.jwt_secret is the shipped default or a known placeholder".to_owned());
        }
        if secret.len() < 32 {
            return Some(format!(
                "auth.jwt_secret is {} bytes long; at least 32 random bytes are required",
                secret.len()
            ));
        }
        if secret.bytes().collect::<std::collections::HashSet<_>>().len() < 8 {
            return Some("auth.jwt_secret is too repetitive to be random".to_owned());
        }
        None
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("JwtSecret(<redacted>)")
    }
}

/// `[auth]` in the configuration files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    #[serde(default)]
    pub jwt_secret: JwtSecret,
    pub issuer: String,
    pub audience: String,
    /// Access tokens are short-lived; clients log in again.
    pub access_token_ttl_seconds: u64,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub clock_leeway_seconds: u64,
    /// A token's account is read again at most this often per user (0: on every request);
    /// revocations made on another node or from the command line take effect within it.
    pub account_recheck_ms: u64,
    pub password_hash: PasswordHashSettings,
    pub login_limits: LoginLimits,
}

/// argon2id cost. OWASP's floor (m = 19 MiB, t = 2, p = 1) is enforced whatever the file says.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordHashSettings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    /// Hashes and checks running at once (0: one per core); each holds `memory_kib`.
    #[serde(default)]
    pub max_concurrent: usize,
    /// Callers that may wait for a turn; beyond them a request is refused at once (503).
    #[serde(default = "PasswordHashSettings::default_max_waiting")]
    pub max_waiting: usize,
}

impl PasswordHashSettings {
    pub const MIN_MEMORY_KIB: u32 = 19_456;
    pub const MIN_ITERATIONS: u32 = 2;

    fn default_max_waiting() -> usize {
        32
    }

    pub fn problem(&self) -> Option<String> {
        if self.memory_kib < Self::MIN_MEMORY_KIB {
            return Some(format!("auth.password_hash.memory_kib must be at least {}", Self::MIN_MEMORY_KIB));
        }
        if self.iterations < Self::MIN_ITERATIONS {
            return Some(format!("auth.password_hash.iterations must be at least {}", Self::MIN_ITERATIONS));
        }
        if self.parallelism == 0 {
            return Some("auth.password_hash.parallelism must be at least 1".to_owned());
        }
        None
    }
}

/// Login throttling: attempts from clients new to an account, all attempts per client address,
/// and registrations per client address, within a sliding window.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginLimits {
    pub window_seconds: u64,
    pub max_failures_per_account: u32,
    pub max_attempts_per_client: u32,
    #[serde(default = "LoginLimits::default_registrations_per_client")]
    pub max_registrations_per_client: u32,
    /// A client that signed in to an account within this many days is not held to the
    /// account's limit.
    #[serde(default = "LoginLimits::default_known_client_days")]
    pub known_client_days: u64,
}

impl LoginLimits {
    fn default_registrations_per_client() -> u32 {
        20
    }

    fn default_known_client_days() -> u64 {
        90
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_secrets_are_named() {
        assert!(JwtSecret::new("").production_weakness().is_some());
        assert!(JwtSecret::new(SHIPPED_DEVELOPMENT_SECRET).production_weakness().is_some());
        assert!(JwtSecret::new("ChangeMe").production_weakness().is_some());
        assert!(JwtSecret::new("too-short-secret").production_weakness().is_some());
        assert!(JwtSecret::new("a".repeat(64)).production_weakness().is_some());
        assert!(JwtSecret::new("Jx8#kq2Lm9vR4tW7zB1nC6yH3pF0sD5gE8aQ").production_weakness().is_none());
        assert_eq!(format!("{:?}", JwtSecret::new("hunter2")), "JwtSecret(<redacted>)");
    }
}
