//! Deals: read with their timeline by the parties, the introducer and staff; listed for them;
//! moved stage by stage under an optimistic version.

use chrono::{DateTime, Utc};
use techmatch_domain::deal::{Deal, DealChange, DealEvent, DealId, DealStage, Transition, can_see_deal};
use techmatch_domain::{Action, Actor, FieldError, ValidationErrors, authorize};
use techmatch_store::{DealFilter, Page, PageRequest, StoredDealChange, UpdateError};
use tracing::info;

use super::DealService;
use crate::error::{ConflictCode, ServiceError};

/// A deal with its timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct DealView {
    pub deal: Deal,
    pub timeline: Vec<DealEvent>,
}

impl DealService {
    async fn visible_deal(&self, actor: &Actor, id: DealId) -> Result<Deal, ServiceError> {
        match self.store.deal(id).await? {
            Some(deal) if can_see_deal(actor, &deal) => Ok(deal),
            _ => Err(ServiceError::NotFound("deal")),
        }
    }

    pub async fn deal(&self, actor: &Actor, id: DealId) -> Result<DealView, ServiceError> {
        let deal = self.visible_deal(actor, id).await?;
        let timeline = self.store.deal_timeline(id).await?;
        Ok(DealView { deal, timeline })
    }

    /// The deals `actor` follows: their organization's as either side, or those they
    /// introduced; staff see all. Most recently changed first; with `quiet_since`, only the
    /// unfinished ones unchanged since then, the quietest first.
    pub async fn deals(
        &self,
        actor: &Actor,
        stage: Option<DealStage>,
        quiet_since: Option<DateTime<Utc>>,
        page: PageRequest,
    ) -> Result<Page<Deal>, ServiceError> {
        authorize(Some(actor), Action::FollowDeals)?;
        let filter = if actor.role.is_staff() {
            DealFilter { stage, quiet_since, ..DealFilter::default() }
        } else {
            DealFilter { organization: actor.organization_id, introducer: Some(actor.user_id), stage, quiet_since }
        };
        Ok(self.store.deals(filter, page).await?)
    }

    /// Moves a deal a party, its introducer or staff follows, from the stage of `version`.
    pub async fn change_deal(
        &self,
        actor: &Actor,
        id: DealId,
        version: i64,
        change: DealChange,
        now: DateTime<Utc>,
    ) -> Result<DealView, ServiceError> {
        let deal = self.visible_deal(actor, id).await?;
        if deal.version != version {
            return Err(stale(deal.version));
        }
        match deal.transition(actor, change.stage) {
            Ok(()) => {}
            Err(Transition::Finished) => {
                return Err(ServiceError::Conflict {
                    code: ConflictCode::DealFinished,
                    message: format!("the deal is {} already", deal.stage),
                });
            }
            Err(Transition::NotForward) => {
                return Err(ServiceError::Conflict {
                    code: ConflictCode::StageNotForward,
                    message: format!("a deal at {} cannot move to {}", deal.stage, change.stage),
                });
            }
            Err(Transition::StaffOnly) => return Err(ServiceError::Forbidden),
        }
        if change.stage == DealStage::ContractRegistered
            && let (Some(registered), Some(signed)) = (change.registration_date, deal.contract_date)
            && registered < signed
        {
            return Err(ValidationErrors::single(FieldError::new(
                "registration_date",
                "before_signing",
                format!("the contract was signed on {signed}; it cannot be registered before"),
            ))
            .into());
        }
        let buyer_local = match change.stage {
            DealStage::ContractSigned => Some(self.is_local(deal.company_organization).await?),
            _ => None,
        };
        // A contract records the parties' credit codes; those not given come from the
        // organizations' profiles, so the registry's records join without retyping.
        let contract = matches!(change.stage, DealStage::ContractSigned | DealStage::ContractRegistered);
        let mut seller_credit_code = change.seller_credit_code;
        if contract && seller_credit_code.is_none() && deal.seller_credit_code.is_none() {
            seller_credit_code = self.credit_code(deal.research_organization).await?;
        }
        let mut buyer_credit_code = change.buyer_credit_code;
        if contract && buyer_credit_code.is_none() && deal.buyer_credit_code.is_none() {
            buyer_credit_code = self.credit_code(deal.company_organization).await?;
        }
        let stored = StoredDealChange {
            stage: change.stage,
            close_reason: change.close_reason,
            contract_type: change.contract_type,
            contract_amount_yuan: change.contract_amount_yuan,
            contract_date: change.contract_date,
            seller_credit_code,
            buyer_credit_code,
            buyer_local,
            registration_number: change.registration_number,
            registration_date: change.registration_date,
            note: change.note,
            actor: actor.user_id,
            at: now,
        };
        let changed = self.store.change_deal(id, version, &stored, &[]).await.map_err(|error| match error {
            UpdateError::NotFound => ServiceError::NotFound("deal"),
            UpdateError::VersionConflict { current } => stale(current),
            UpdateError::Store(error) => error.into(),
        })?;
        info!(deal_id = %id, stage = %changed.stage, user_id = %actor.user_id, "deal moved");
        self.matches.learn_from_deal(&changed, now).await;
        let timeline = self.store.deal_timeline(id).await?;
        Ok(DealView { deal: changed, timeline })
    }

    /// An organization's name, to show who posted a listing.
    pub async fn organization_name(
        &self,
        organization: techmatch_domain::OrganizationId,
    ) -> Result<Option<String>, ServiceError> {
        Ok(self.store.find_organization(organization).await?.map(|found| found.name.as_str().to_owned()))
    }

    /// The names of the organizations on either side of `deals`, by id.
    pub async fn organization_names(
        &self,
        deals: &[Deal],
    ) -> Result<std::collections::HashMap<i64, String>, ServiceError> {
        let mut ids: Vec<techmatch_domain::OrganizationId> =
            deals.iter().flat_map(|deal| [deal.research_organization, deal.company_organization]).collect();
        ids.sort_unstable_by_key(|id| id.0);
        ids.dedup();
        let organizations = self.store.organizations_by_ids(&ids).await?;
        Ok(organizations
            .into_iter()
            .map(|organization| (organization.id.0, organization.name.as_str().to_owned()))
            .collect())
    }

    /// How many days without a change make a deal stalled.
    pub fn stalled_after_days(&self) -> u32 {
        self.settings.stalled_after_days
    }

    /// The instant before which an unchanged, unfinished deal counts as stalled.
    pub fn stalled_before(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - chrono::Duration::days(i64::from(self.settings.stalled_after_days))
    }

    async fn credit_code(
        &self,
        organization: techmatch_domain::OrganizationId,
    ) -> Result<Option<techmatch_domain::deal::CreditCode>, ServiceError> {
        Ok(self.store.find_organization(organization).await?.and_then(|organization| organization.credit_code))
    }

    /// Whether an organization is registered in the platform's own region.
    async fn is_local(&self, organization: techmatch_domain::OrganizationId) -> Result<bool, ServiceError> {
        let found = self.store.find_organization(organization).await?;
        Ok(found.is_some_and(|organization| organization.region_code.as_str().starts_with(&self.settings.local_region)))
    }

    /// The day contract dates are checked against: `now`'s day in China, where contracts are
    /// signed and dated.
    pub fn today(now: DateTime<Utc>) -> chrono::NaiveDate {
        now.with_timezone(&crate::events::china_time()).date_naive()
    }
}

fn stale(current: i64) -> ServiceError {
    ServiceError::Conflict {
        code: ConflictCode::VersionConflict,
        message: format!("the deal was changed meanwhile (now at version {current}); reload and retry"),
    }
}
