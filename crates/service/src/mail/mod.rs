//! E-mail copies of in-app notifications, through an SMTP relay when one is configured; logged
//! otherwise. A notice is queued for its e-mail in the same transaction as the change that
//! caused it (in its own row); a sender task sends what is due in the background, so a slow or
//! absent relay never delays or fails the request, and a notice stored before a crash or while
//! the relay was down is mailed once the sender runs again. Each try claims the notice for a
//! while, so two nodes never send the same one at once (a sender that dies mid-try leaves it
//! due again after the claim: at least once, not exactly once).
//!
//! Messages go out through lettre's SMTP transport: plain, for a relay on the same host or
//! network (postfix, an office gateway), or over TLS — STARTTLS (port 587) or implicit TLS
//! (port 465) — with the server's certificate checked against the public roots or a configured
//! authority, and AUTH when a user name is configured. Credentials are never sent over an
//! unencrypted connection. The message is UTF-8 text, base64-encoded.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde::Deserialize;
use techmatch_store::{MailOutcome, QueuedNotice, Store};
use tokio::sync::Notify;

mod smtp;
#[cfg(test)]
mod tests;

use smtp::transient;
pub use smtp::{MailError, send_mail};

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailSecurity {
    /// Plain SMTP (a relay on this host or a trusted network).
    #[default]
    None,
    /// Plain connection upgraded with STARTTLS before anything else is sent (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// `[mail]` in the configuration.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// Empty: no e-mail, notices are logged.
    pub smtp_host: String,
    pub smtp_port: u16,
    pub from: String,
    pub timeout_ms: u64,
    #[serde(default)]
    pub security: MailSecurity,
    /// With a user name, the client authenticates (AUTH PLAIN); only over TLS.
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    /// PEM file of the authority that signed the relay's certificate; empty: the public roots.
    #[serde(default)]
    pub ca_file: String,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("MailSettings")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("from", &self.from)
            .field("timeout_ms", &self.timeout_ms)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &if self.password.is_empty() { "" } else { "(set)" })
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp_host: String::new(),
            smtp_port: 25,
            from: "techmatch@localhost".into(),
            timeout_ms: 5000,
            security: MailSecurity::None,
            username: String::new(),
            password: String::new(),
            ca_file: String::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Mailer {
    settings: MailSettings,
    store: Store,
    wake: Arc<Notify>,
    retry_delays: Arc<[Duration]>,
}

/// How many due notices a sender reads at a time.
const SEND_BATCH: u64 = 50;
/// A sender looks for due notices at least this often (retries come due without a wake-up).
const POLL: Duration = Duration::from_secs(5);
/// A notice not mailed within a day (no relay configured until later, a long outage) is not
/// mailed at all: news of a meeting request or a schedule that late would mislead.
const MAX_MAIL_AGE_HOURS: i64 = 24;

impl Mailer {
    pub fn new(settings: MailSettings, store: Store) -> Mailer {
        Mailer { settings, store, wake: Arc::new(Notify::new()), retry_delays: Arc::from(RETRY_DELAYS.as_slice()) }
    }

    /// The waits before each try after the first (the tries are one more than the waits).
    pub fn with_retry_delays(mut self, delays: &[Duration]) -> Mailer {
        self.retry_delays = Arc::from(delays);
        self
    }

    /// Starts the sender on the current runtime: it sends what is due at once (notices left
    /// from before a restart included), then whenever woken and every few seconds. Without a
    /// relay there is no sender: notices stay in-app (and queued, so a process with a relay
    /// mails them while they are fresh).
    pub fn start(&self) {
        if self.settings.smtp_host.is_empty() {
            tracing::info!("e-mail not configured; notices stay in-app");
            return;
        }
        let mailer = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(error) = mailer.send_due().await {
                    tracing::warn!(error = %error, "e-mail sender could not read or update the queue");
                }
                tokio::select! {
                    () = mailer.wake.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                }
            }
        });
    }

    /// Notices were stored (and queued for e-mail with them): the sender looks now.
    pub fn notices_stored(&self) {
        self.wake.notify_one();
    }

    /// Tries every notice due now once; returns how many were tried.
    pub async fn send_due(&self) -> Result<usize, techmatch_store::StoreError> {
        let mut tried = 0;
        loop {
            let due = self.store.notices_due_for_mail(Utc::now(), SEND_BATCH).await?;
            let read = due.len();
            for notice in due {
                if !self.store.claim_notice_for_mail(&notice, Utc::now() + self.claim_for()).await? {
                    continue;
                }
                let outcome = self.try_once(&notice).await;
                self.store.record_mail_outcome(&notice, outcome, Utc::now()).await?;
                tried += 1;
            }
            // Every notice read is now claimed (by this sender or another), so the next read
            // only finds others.
            if read < SEND_BATCH as usize {
                return Ok(tried);
            }
        }
    }

    /// Longer than any one try can take: connecting, TLS and each SMTP step are each bounded
    /// by the timeout.
    fn claim_for(&self) -> chrono::Duration {
        let timeout = i64::try_from(self.settings.timeout_ms).unwrap_or(i64::MAX / 16);
        chrono::Duration::milliseconds(timeout.saturating_mul(12)) + chrono::Duration::seconds(60)
    }

    async fn try_once(&self, notice: &QueuedNotice) -> MailOutcome {
        let user_id = notice.user_id.0;
        if Utc::now() - notice.created_at > chrono::Duration::hours(MAX_MAIL_AGE_HOURS) {
            tracing::info!(user_id, kind = notice.kind, "notice too old to e-mail; kept in-app");
            return MailOutcome::GivenUp;
        }
        if self.settings.smtp_host.is_empty() {
            tracing::info!(user_id, kind = notice.kind, "e-mail not configured; notice kept in-app");
            return MailOutcome::GivenUp;
        }
        let retry = || {
            usize::try_from(notice.attempts).ok().and_then(|done| self.retry_delays.get(done)).map(|delay| {
                MailOutcome::RetryAt(Utc::now() + chrono::Duration::from_std(*delay).unwrap_or(chrono::Duration::MAX))
            })
        };
        let (address, language) = match self.store.find_account(notice.user_id).await {
            Ok(Some(account)) => (account.email.as_str().to_owned(), account.language),
            Ok(None) => return MailOutcome::GivenUp,
            Err(error) => {
                tracing::warn!(user_id, error = %error, "no e-mail sent yet: account lookup failed");
                return retry().unwrap_or(MailOutcome::GivenUp);
            }
        };
        let subject = format!("[techmatch] {}", crate::notice_subjects::subject(&notice.kind, language));
        match send_mail(&self.settings, &address, &subject, notice.message.in_language(language)).await {
            Ok(()) => {
                tracing::info!(user_id, kind = notice.kind, "notice e-mailed");
                MailOutcome::Sent
            }
            Err(error) => match retry().filter(|_| transient(&error)) {
                Some(later) => {
                    tracing::warn!(user_id, kind = notice.kind, error = %error, "notice e-mail failed; will try again");
                    later
                }
                None => {
                    tracing::warn!(user_id, kind = notice.kind, error = %error, "notice e-mail failed");
                    MailOutcome::GivenUp
                }
            },
        }
    }
}

/// Waits before the second, third and fourth tries of a notice whose relay was unreachable or
/// answered "try later" (4xx); the in-app notice is there all along.
const RETRY_DELAYS: [Duration; 3] = [Duration::from_secs(5), Duration::from_secs(30), Duration::from_secs(120)];
