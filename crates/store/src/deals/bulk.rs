//! Many deals at once with their timelines, in one transaction: for importing deals recorded
//! elsewhere and for the funnel benchmark.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{EntityTrait, Set};
use techmatch_domain::deal::{ContractType, DealOrigin, DealStage};
use techmatch_domain::listing::{NeedId, ResultId};
use techmatch_domain::{OrganizationId, RegionCode, UserId};

use super::funnel::{FunnelChanges, FunnelFacts};
use super::stages::pair_key_of;
use crate::entity::{deal, deal_event};
use crate::{Store, StoreError};

/// A deal as it stands, with its timeline (oldest first).
#[derive(Debug, Clone)]
pub struct BulkDeal {
    pub result_id: Option<ResultId>,
    pub need_id: Option<NeedId>,
    pub research_organization: OrganizationId,
    pub company_organization: OrganizationId,
    /// The company side's GB/T 2260 code.
    pub buyer_region: RegionCode,
    /// The GB/T 4754 code the funnel counts it under.
    pub industry_code: Option<String>,
    pub stage: DealStage,
    pub furthest_stage: DealStage,
    pub origin: DealOrigin,
    pub introducer: Option<UserId>,
    pub contract_type: Option<ContractType>,
    pub contract_amount_yuan: Option<i64>,
    pub contract_date: Option<NaiveDate>,
    pub buyer_local: Option<bool>,
    pub registration_number: Option<String>,
    pub registration_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// (when, who, from, to).
    pub timeline: Vec<(DateTime<Utc>, UserId, Option<DealStage>, DealStage)>,
}

/// Rows per INSERT: well under every backend's limit on bound parameters.
const CHUNK: usize = 500;

impl Store {
    /// Inserts `deals` (whose pairs must be new) with their timelines; how many were inserted.
    pub async fn insert_deals_in_bulk(&self, deals: &[BulkDeal]) -> Result<u64, StoreError> {
        let transaction = self.begin_write().await?;
        let mut inserted = 0;
        let mut funnel = FunnelChanges::default();
        for chunk in deals.chunks(CHUNK) {
            let mut ids = Vec::with_capacity(chunk.len());
            // One by one for their ids (insert_many returns only the last), then events in bulk.
            for bulk in chunk {
                let model = deal::ActiveModel {
                    result_id: Set(bulk.result_id.map(|id| id.0)),
                    need_id: Set(bulk.need_id.map(|id| id.0)),
                    research_organization_id: Set(bulk.research_organization.0),
                    company_organization_id: Set(bulk.company_organization.0),
                    buyer_region: Set(bulk.buyer_region.as_str().to_owned()),
                    industry_code: Set(bulk.industry_code.clone()),
                    stage: Set(bulk.stage.as_str().to_owned()),
                    furthest_stage: Set(bulk.furthest_stage.as_str().to_owned()),
                    close_reason: Set(None),
                    origin: Set(bulk.origin.as_str().to_owned()),
                    introducer_user_id: Set(bulk.introducer.map(|id| id.0)),
                    interest_id: Set(None),
                    contract_type: Set(bulk.contract_type.map(|kind| kind.as_str().to_owned())),
                    contract_amount_yuan: Set(bulk.contract_amount_yuan),
                    contract_date: Set(bulk.contract_date),
                    seller_credit_code: Set(None),
                    buyer_credit_code: Set(None),
                    buyer_local: Set(bulk.buyer_local),
                    registration_number: Set(bulk.registration_number.clone()),
                    registration_date: Set(bulk.registration_date),
                    version: Set(1 + i64::try_from(bulk.timeline.len()).unwrap_or(0)),
                    created_at: Set(bulk.created_at),
                    updated_at: Set(bulk.updated_at),
                    pair_key: Set(pair_key_of(
                        bulk.result_id,
                        bulk.need_id,
                        bulk.research_organization,
                        bulk.company_organization,
                    )),
                    ..Default::default()
                };
                let result = deal::Entity::insert(model).exec(&transaction).await?;
                ids.push(result.last_insert_id);
                let facts = FunnelFacts {
                    opened_at: bulk.created_at,
                    origin: bulk.origin.as_str(),
                    furthest_stage: bulk.furthest_stage.as_str(),
                    stage: bulk.stage.as_str(),
                    introducer: bulk.introducer.map(|id| id.0),
                    buyer_region: bulk.buyer_region.as_str(),
                    industry: bulk.industry_code.as_deref(),
                    contract_amount_yuan: bulk.contract_amount_yuan,
                    buyer_local: bulk.buyer_local,
                };
                funnel.count(&facts, 1);
            }
            let events: Vec<deal_event::ActiveModel> = chunk
                .iter()
                .zip(&ids)
                .flat_map(|(bulk, id)| {
                    bulk.timeline.iter().map(move |(at, actor, from, to)| deal_event::ActiveModel {
                        deal_id: Set(*id),
                        actor_user_id: Set(actor.0),
                        at: Set(*at),
                        from_stage: Set(from.map(|stage| stage.as_str().to_owned())),
                        to_stage: Set(to.as_str().to_owned()),
                        note: Set(None),
                        ..Default::default()
                    })
                })
                .collect();
            for events in events.chunks(CHUNK) {
                deal_event::Entity::insert_many(events.to_vec()).exec(&transaction).await?;
            }
            inserted += chunk.len() as u64;
        }
        funnel.write(&transaction).await?;
        transaction.commit().await?;
        Ok(inserted)
    }
}
