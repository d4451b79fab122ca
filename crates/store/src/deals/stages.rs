//! Deals: opened (one per pair of listings and organizations), read with their timeline,
//! listed for a party, an introducer or staff, and moved from stage to stage under a version.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use techmatch_domain::deal::{
    CloseReason, ContractType, CreditCode, Deal, DealEvent, DealId, DealOrigin, DealStage, InterestId,
};
use techmatch_domain::listing::{NeedId, ResultId};
use techmatch_domain::{OrganizationId, UserId};

use super::funnel::FunnelChanges;
use crate::entity::{deal, deal_event, notification, organization};
use crate::events::notifications::{NewNotification, notification_rows};
use crate::events::vocabulary;
use crate::listings::UpdateError;
use crate::{Page, PageRequest, Store, StoreError};

/// A deal to open, with who opened it (its first timeline entry).
#[derive(Debug, Clone)]
pub struct NewDeal {
    pub result_id: Option<ResultId>,
    pub need_id: Option<NeedId>,
    pub research_organization: OrganizationId,
    pub company_organization: OrganizationId,
    pub stage: DealStage,
    pub origin: DealOrigin,
    pub introducer: Option<UserId>,
    pub interest_id: Option<InterestId>,
    pub opened_by: UserId,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// Which deals to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct DealFilter {
    /// A party's: deals where it is either side.
    pub organization: Option<OrganizationId>,
    /// Or an introducer's.
    pub introducer: Option<UserId>,
    pub stage: Option<DealStage>,
    /// Only unfinished deals without a change since this instant, the longest quiet first.
    pub quiet_since: Option<DateTime<Utc>>,
}

/// The pair a deal is unique for: its listings and its two organizations.
pub(super) fn pair_key_of(
    result_id: Option<ResultId>,
    need_id: Option<NeedId>,
    research_organization: OrganizationId,
    company_organization: OrganizationId,
) -> String {
    let part = |id: Option<i64>| id.map_or_else(|| "-".to_owned(), |id| id.to_string());
    format!(
        "r{}:n{}:{}:{}",
        part(result_id.map(|id| id.0)),
        part(need_id.map(|id| id.0)),
        research_organization.0,
        company_organization.0
    )
}

fn pair_key(deal: &NewDeal) -> String {
    pair_key_of(deal.result_id, deal.need_id, deal.research_organization, deal.company_organization)
}

fn to_deal(model: deal::Model) -> Result<Deal, StoreError> {
    Ok(Deal {
        id: DealId(model.id),
        result_id: model.result_id.map(ResultId),
        need_id: model.need_id.map(NeedId),
        research_organization: OrganizationId(model.research_organization_id),
        company_organization: OrganizationId(model.company_organization_id),
        stage: vocabulary("deal stage", &model.stage, DealStage::parse)?,
        close_reason: model
            .close_reason
            .as_deref()
            .map(|reason| vocabulary("close reason", reason, CloseReason::parse))
            .transpose()?,
        origin: vocabulary("deal origin", &model.origin, DealOrigin::parse)?,
        introducer: model.introducer_user_id.map(UserId),
        interest_id: model.interest_id.map(InterestId),
        contract_type: model
            .contract_type
            .as_deref()
            .map(|kind| vocabulary("contract type", kind, ContractType::parse))
            .transpose()?,
        contract_amount_yuan: model.contract_amount_yuan,
        contract_date: model.contract_date,
        seller_credit_code: model.seller_credit_code.map(CreditCode::from_trusted),
        buyer_credit_code: model.buyer_credit_code.map(CreditCode::from_trusted),
        buyer_local: model.buyer_local,
        registration_number: model.registration_number,
        registration_date: model.registration_date,
        version: model.version,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

fn to_event(model: deal_event::Model) -> Result<DealEvent, StoreError> {
    Ok(DealEvent {
        at: model.at,
        actor: UserId(model.actor_user_id),
        from: model.from_stage.as_deref().map(|stage| vocabulary("deal stage", stage, DealStage::parse)).transpose()?,
        to: vocabulary("deal stage", &model.to_stage, DealStage::parse)?,
        note: model.note,
    })
}

async fn record_event(
    connection: &impl ConnectionTrait,
    deal_id: i64,
    actor: UserId,
    at: DateTime<Utc>,
    from: Option<DealStage>,
    to: DealStage,
    note: Option<String>,
) -> Result<(), StoreError> {
    deal_event::ActiveModel {
        deal_id: Set(deal_id),
        actor_user_id: Set(actor.0),
        at: Set(at),
        from_stage: Set(from.map(|stage| stage.as_str().to_owned())),
        to_stage: Set(to.as_str().to_owned()),
        note: Set(note),
        ..Default::default()
    }
    .insert(connection)
    .await?;
    Ok(())
}

/// The first GB/T 4754 code of the need, else of the result.
async fn industry_of(
    connection: &impl ConnectionTrait,
    need: Option<NeedId>,
    result: Option<ResultId>,
) -> Result<Option<String>, StoreError> {
    let first =
        |stored: &str| serde_json::from_str::<Vec<String>>(stored).ok().and_then(|codes| codes.into_iter().next());
    if let Some(need) = need
        && let Some(found) = crate::entity::tech_need::Entity::find_by_id(need.0).one(connection).await?
        && let Some(code) = first(&found.industry_codes)
    {
        return Ok(Some(code));
    }
    if let Some(result) = result
        && let Some(found) = crate::entity::research_result::Entity::find_by_id(result.0).one(connection).await?
    {
        return Ok(first(&found.industry_codes));
    }
    Ok(None)
}

/// Opens the pair's deal, or notes on the one it already has; its id either way.
pub(crate) async fn open_deal(connection: &impl ConnectionTrait, new: &NewDeal) -> Result<DealId, StoreError> {
    let key = pair_key(new);
    if let Some(existing) = deal::Entity::find().filter(deal::Column::PairKey.eq(key.as_str())).one(connection).await? {
        let stage = vocabulary("deal stage", &existing.stage, DealStage::parse)?;
        record_event(connection, existing.id, new.opened_by, new.at, Some(stage), stage, new.note.clone()).await?;
        return Ok(DealId(existing.id));
    }
    let buyer_region = organization::Entity::find_by_id(new.company_organization.0)
        .one(connection)
        .await?
        .map(|company| company.region_code)
        .unwrap_or_default();
    let model = deal::ActiveModel {
        result_id: Set(new.result_id.map(|id| id.0)),
        need_id: Set(new.need_id.map(|id| id.0)),
        research_organization_id: Set(new.research_organization.0),
        company_organization_id: Set(new.company_organization.0),
        buyer_region: Set(buyer_region),
        industry_code: Set(industry_of(connection, new.need_id, new.result_id).await?),
        stage: Set(new.stage.as_str().to_owned()),
        furthest_stage: Set(new.stage.as_str().to_owned()),
        close_reason: Set(None),
        origin: Set(new.origin.as_str().to_owned()),
        introducer_user_id: Set(new.introducer.map(|id| id.0)),
        interest_id: Set(new.interest_id.map(|id| id.0)),
        contract_type: Set(None),
        contract_amount_yuan: Set(None),
        contract_date: Set(None),
        seller_credit_code: Set(None),
        buyer_credit_code: Set(None),
        buyer_local: Set(None),
        registration_number: Set(None),
        registration_date: Set(None),
        version: Set(1),
        created_at: Set(new.at),
        updated_at: Set(new.at),
        pair_key: Set(key),
        ..Default::default()
    }
    .insert(connection)
    .await?;
    FunnelChanges::of_change(None, &model).write(connection).await?;
    record_event(connection, model.id, new.opened_by, new.at, None, new.stage, new.note.clone()).await?;
    Ok(DealId(model.id))
}

/// A stage change as stored. Contract fields are written with `contract_signed`,
/// registration fields with `contract_registered`; credit codes given with either replace
/// those recorded.
#[derive(Debug, Clone)]
pub struct StoredDealChange {
    pub stage: DealStage,
    pub close_reason: Option<CloseReason>,
    pub contract_type: Option<ContractType>,
    pub contract_amount_yuan: Option<i64>,
    pub contract_date: Option<NaiveDate>,
    pub seller_credit_code: Option<CreditCode>,
    pub buyer_credit_code: Option<CreditCode>,
    pub buyer_local: Option<bool>,
    pub registration_number: Option<String>,
    pub registration_date: Option<NaiveDate>,
    pub note: Option<String>,
    pub actor: UserId,
    pub at: DateTime<Utc>,
}

impl Store {
    pub async fn deal(&self, id: DealId) -> Result<Option<Deal>, StoreError> {
        deal::Entity::find_by_id(id.0).one(&self.reader).await?.map(to_deal).transpose()
    }

    /// The deals whose recorded credit codes are this seller's and this buyer's.
    pub async fn deals_between_parties(
        &self,
        seller: &CreditCode,
        buyer: &CreditCode,
    ) -> Result<Vec<Deal>, StoreError> {
        let models = deal::Entity::find()
            .filter(deal::Column::SellerCreditCode.eq(seller.as_str()))
            .filter(deal::Column::BuyerCreditCode.eq(buyer.as_str()))
            .order_by_asc(deal::Column::Id)
            .all(&self.reader)
            .await?;
        models.into_iter().map(to_deal).collect()
    }

    /// A deal's timeline, oldest first.
    pub async fn deal_timeline(&self, id: DealId) -> Result<Vec<DealEvent>, StoreError> {
        let models = deal_event::Entity::find()
            .filter(deal_event::Column::DealId.eq(id.0))
            .order_by_asc(deal_event::Column::Id)
            .all(&self.reader)
            .await?;
        models.into_iter().map(to_event).collect()
    }

    /// Deals matching `filter`, the most recently changed first (the quietest first when asked
    /// for quiet ones).
    pub async fn deals(&self, filter: DealFilter, page: PageRequest) -> Result<Page<Deal>, StoreError> {
        let mut query = deal::Entity::find();
        let mut whose = Condition::any();
        if let Some(organization) = filter.organization {
            whose = whose
                .add(deal::Column::ResearchOrganizationId.eq(organization.0))
                .add(deal::Column::CompanyOrganizationId.eq(organization.0));
        }
        if let Some(introducer) = filter.introducer {
            whose = whose.add(deal::Column::IntroducerUserId.eq(introducer.0));
        }
        if filter.organization.is_some() || filter.introducer.is_some() {
            query = query.filter(whose);
        }
        if let Some(stage) = filter.stage {
            query = query.filter(deal::Column::Stage.eq(stage.as_str()));
        }
        if let Some(quiet_since) = filter.quiet_since {
            query = query.filter(deal::Column::UpdatedAt.lt(quiet_since)).filter(
                deal::Column::Stage.is_not_in([DealStage::Closed.as_str(), DealStage::ContractRegistered.as_str()]),
            );
        }
        let total = query.clone().count(&self.reader).await?;
        let query = if filter.quiet_since.is_some() {
            query.order_by_asc(deal::Column::UpdatedAt).order_by_asc(deal::Column::Id)
        } else {
            query.order_by_desc(deal::Column::UpdatedAt).order_by_desc(deal::Column::Id)
        };
        let models = query.offset(page.offset).limit(page.limit).all(&self.reader).await?;
        let items = models.into_iter().map(to_deal).collect::<Result<_, _>>()?;
        Ok(Page { items, total })
    }

    /// Points an event meeting at its pair's deal, opening the deal (or noting the meeting on
    /// the one the pair has) in the same transaction; the deal either way.
    pub async fn open_meeting_deal(
        &self,
        meeting: techmatch_domain::event::MeetingId,
        new: &NewDeal,
    ) -> Result<Deal, StoreError> {
        use sea_orm::sea_query::Expr;
        let transaction = self.begin_write().await?;
        let id = open_deal(&transaction, new).await?;
        crate::entity::meeting::Entity::update_many()
            .col_expr(crate::entity::meeting::Column::DealId, Expr::value(id.0))
            .filter(crate::entity::meeting::Column::Id.eq(meeting.0))
            .exec(&transaction)
            .await?;
        let model = deal::Entity::find_by_id(id.0).one(&transaction).await?.ok_or(StoreError::NotFound)?;
        transaction.commit().await?;
        to_deal(model)
    }

    /// Moves a deal whose stored version is `expected_version`, with its timeline entry and
    /// notices, in one transaction.
    pub async fn change_deal(
        &self,
        id: DealId,
        expected_version: i64,
        change: &StoredDealChange,
        notices: &[NewNotification],
    ) -> Result<Deal, UpdateError> {
        let transaction = self.begin_write().await?;
        let Some(model) = deal::Entity::find_by_id(id.0).one(&transaction).await? else {
            return Err(UpdateError::NotFound);
        };
        if model.version != expected_version {
            return Err(UpdateError::VersionConflict { current: model.version });
        }
        let from = vocabulary("deal stage", &model.stage, DealStage::parse)?;
        let furthest = vocabulary("deal stage", &model.furthest_stage, DealStage::parse)?;
        let version = model.version + 1;
        let before = model.clone();
        let mut changed = model.into_active_model();
        changed.stage = Set(change.stage.as_str().to_owned());
        if change.stage != DealStage::Closed && change.stage.rank() > furthest.rank() {
            changed.furthest_stage = Set(change.stage.as_str().to_owned());
        }
        if change.stage == DealStage::Closed {
            changed.close_reason = Set(change.close_reason.map(|reason| reason.as_str().to_owned()));
        }
        if change.stage == DealStage::ContractSigned {
            changed.contract_type = Set(change.contract_type.map(|kind| kind.as_str().to_owned()));
            changed.contract_amount_yuan = Set(change.contract_amount_yuan);
            changed.contract_date = Set(change.contract_date);
            changed.buyer_local = Set(change.buyer_local);
        }
        if change.stage == DealStage::ContractRegistered {
            changed.registration_number = Set(change.registration_number.clone());
            changed.registration_date = Set(change.registration_date);
        }
        if let Some(code) = &change.seller_credit_code {
            changed.seller_credit_code = Set(Some(code.as_str().to_owned()));
        }
        if let Some(code) = &change.buyer_credit_code {
            changed.buyer_credit_code = Set(Some(code.as_str().to_owned()));
        }
        changed.version = Set(version);
        changed.updated_at = Set(change.at);
        let model = changed.update(&transaction).await?;
        FunnelChanges::of_change(Some(&before), &model).write(&transaction).await?;
        record_event(&transaction, id.0, change.actor, change.at, Some(from), change.stage, change.note.clone())
            .await?;
        if !notices.is_empty() {
            notification::Entity::insert_many(notification_rows(notices, change.at)).exec(&transaction).await?;
        }
        transaction.commit().await?;
        Ok(to_deal(model)?)
    }
}
