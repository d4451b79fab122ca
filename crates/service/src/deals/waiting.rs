//! What waits on someone: the interests and introductions their side has still to answer,
//! and the deals they follow that have gone quiet.

use chrono::{DateTime, Utc};
use techmatch_domain::deal::{InterestStatus, Side};
use techmatch_domain::{Action, Actor, authorize};
use techmatch_store::PageRequest;

use super::DealService;
use crate::error::ServiceError;

/// Counts of what waits on one person.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Waiting {
    /// Open interests in their organization's listings.
    pub interests_to_answer: u64,
    /// Open introductions their side has not answered.
    pub introductions_to_answer: u64,
    /// Unfinished deals they follow with no change for `deals.stalled_after_days`.
    pub stalled_deals: u64,
}

impl Waiting {
    pub fn total(&self) -> u64 {
        self.interests_to_answer + self.introductions_to_answer + self.stalled_deals
    }
}

/// Enough for anyone's open items; beyond it the counts say "at least".
const LOOKED_AT: PageRequest = PageRequest { offset: 0, limit: 1000 };

impl DealService {
    pub async fn waiting_on(&self, actor: &Actor, now: DateTime<Utc>) -> Result<Waiting, ServiceError> {
        authorize(Some(actor), Action::FollowDeals)?;
        let stalled_deals =
            self.deals(actor, None, Some(self.stalled_before(now)), PageRequest { offset: 0, limit: 1 }).await?.total;
        // Staff answer nothing themselves: what waits on them is the deals gone quiet.
        let Some(organization) = actor.organization_id.filter(|_| !actor.role.is_staff()) else {
            return Ok(Waiting { stalled_deals, ..Waiting::default() });
        };
        let interests = self.store.interests_of(Some(organization), LOOKED_AT).await?.items;
        let interests_to_answer = interests
            .iter()
            .filter(|interest| {
                interest.listing_organization == organization && interest.status_at(now) == InterestStatus::Open
            })
            .count() as u64;
        let introductions =
            self.store.introductions_of(Some(organization), Some(actor.user_id), LOOKED_AT).await?.items;
        let introductions_to_answer = introductions
            .iter()
            .filter(|introduction| {
                let own = match introduction.side_of(actor) {
                    Some(Side::Research) => introduction.research_answer,
                    Some(Side::Company) => introduction.company_answer,
                    None => return false,
                };
                own == InterestStatus::Open && introduction.status() == InterestStatus::Open
            })
            .count() as u64;
        Ok(Waiting { interests_to_answer, introductions_to_answer, stalled_deals })
    }
}
