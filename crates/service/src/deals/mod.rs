//! What follows a match: expressions of interest (`interests`) and the deals they open
//! (`stages`), with the sweep that reminds posters of unanswered interests and expires them.

mod funnel;
mod interests;
mod introductions;
mod messages;
mod portfolio;
mod stages;
mod waiting;

pub use funnel::{FUNNEL_STAGES, Funnel, FunnelFigures, Introducer, UNCLASSIFIED, figures_of, funnel_of};
pub use interests::{Contact, InterestView};
pub use introductions::IntroductionView;
pub use messages::MessageView;
pub use portfolio::{IntroductionTally, PORTFOLIO_START, Portfolio};
pub use stages::DealView;
pub use waiting::Waiting;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use techmatch_store::Store;

use crate::listings::ListingService;

/// How long an interest waits for its answer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DealSettings {
    /// The poster is reminded once this many days after an interest arrives unanswered.
    pub interest_reminder_days: u32,
    /// An unanswered interest expires this many days after it was sent.
    pub interest_expiry_days: u32,
    /// How often a node sweeps for reminders and expiries.
    pub sweep_interval_seconds: u64,
    /// The platform's own region, as the start of GB/T 2260 codes ("42": Hubei, "4201":
    /// Wuhan): a contract whose buyer is registered there counts as transferred locally.
    pub local_region: String,
    /// A deal unchanged for this many days is shown to its followers as stalled.
    pub stalled_after_days: u32,
}

impl Default for DealSettings {
    fn default() -> Self {
        DealSettings {
            interest_reminder_days: 7,
            interest_expiry_days: 14,
            sweep_interval_seconds: 600,
            local_region: "4201".to_owned(),
            stalled_after_days: 14,
        }
    }
}

impl DealSettings {
    /// A setting that makes no sense, said in words.
    pub fn problem(&self) -> Option<String> {
        if self.interest_expiry_days == 0 || self.interest_reminder_days >= self.interest_expiry_days {
            return Some("deals.interest_reminder_days must be below deals.interest_expiry_days (above 0)".into());
        }
        if self.local_region.is_empty()
            || self.local_region.len() > 6
            || self.local_region.len() % 2 == 1
            || !self.local_region.bytes().all(|byte| byte.is_ascii_digit())
        {
            return Some("deals.local_region must be 2, 4 or 6 digits of a GB/T 2260 code".into());
        }
        if self.stalled_after_days == 0 {
            return Some("deals.stalled_after_days must be above 0".into());
        }
        (self.sweep_interval_seconds == 0).then(|| "deals.sweep_interval_seconds must be above 0".into())
    }
}

#[derive(Debug, Clone)]
pub struct DealService {
    store: Store,
    listings: ListingService,
    /// What follows a match teaches the matching (labelled pairs for `refit-weights`).
    matches: crate::matching::MatchService,
    settings: DealSettings,
}

impl DealService {
    pub fn new(
        store: Store,
        listings: ListingService,
        matches: crate::matching::MatchService,
        settings: DealSettings,
    ) -> DealService {
        DealService { store, listings, matches, settings }
    }

    /// Sweeps every `sweep_interval_seconds` on this runtime; several nodes sweeping is harmless
    /// (each sweep is one transaction, and a swept interest is not swept again).
    pub fn start_sweeping(&self) {
        let service = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs(service.settings.sweep_interval_seconds));
            loop {
                ticks.tick().await;
                if let Err(error) = service.sweep_interests(Utc::now()).await {
                    tracing::warn!(error = %error, "the interest sweep failed; it runs again at the next tick");
                }
            }
        });
    }

    fn days(days: u32) -> chrono::Duration {
        chrono::Duration::days(i64::from(days))
    }

    fn reminder_and_expiry(&self, sent: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        (sent + Self::days(self.settings.interest_reminder_days), sent + Self::days(self.settings.interest_expiry_days))
    }
}
