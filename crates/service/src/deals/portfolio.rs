//! A liaison officer's or broker's portfolio: the introductions they made in a period and how
//! they stand, and what the deals those introductions opened came to.

use chrono::NaiveDate;
use techmatch_domain::deal::{InterestStatus, introduction_status};
use techmatch_domain::{Action, Actor, authorize};

use super::DealService;
use super::funnel::{FunnelFigures, figures_of, period_instants};
use crate::error::ServiceError;

/// The first day a whole portfolio counts from: before the platform's time, and a date every
/// database holds.
pub const PORTFOLIO_START: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// How an introducer's introductions stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntroductionTally {
    /// Waiting for one side's answer or both.
    pub open: u64,
    /// Both sides accepted: a deal opened.
    pub accepted: u64,
    pub declined: u64,
}

impl IntroductionTally {
    pub fn made(&self) -> u64 {
        self.open + self.accepted + self.declined
    }

    /// The share of answered introductions both sides accepted.
    pub fn acceptance(&self) -> Option<f64> {
        let answered = self.accepted + self.declined;
        (answered > 0).then(|| self.accepted as f64 / answered as f64)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Portfolio {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub introductions: IntroductionTally,
    /// The deals the caller introduced that opened in the period.
    pub deals: FunnelFigures,
}

impl DealService {
    /// The caller's own portfolio over the days `from` to `to` (officers and brokers).
    pub async fn portfolio(&self, actor: &Actor, from: NaiveDate, to: NaiveDate) -> Result<Portfolio, ServiceError> {
        authorize(Some(actor), Action::IntroducePairs)?;
        let (start, end) = period_instants(from, to)?;
        let rows = self.store.deal_funnel_rows(from, to, Some(actor.user_id)).await?;
        let mut introductions = IntroductionTally::default();
        for (research, company, count) in self.store.introduction_answers_of(actor.user_id, start, end).await? {
            match introduction_status(research, company) {
                InterestStatus::Accepted => introductions.accepted += count,
                InterestStatus::Declined => introductions.declined += count,
                _ => introductions.open += count,
            }
        }
        Ok(Portfolio { from, to, introductions, deals: figures_of(&rows) })
    }
}
