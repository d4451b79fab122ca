//! Technology needs: their columns, their list filters (confidential ones only for their own
//! company and staff), and the store's methods for them.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, Set};
use techmatch_domain::industry::IndustryCode;
use techmatch_domain::listing::{
    Challenge, Keywords, Language, ListingKind, LongText, Maturity, MoneyRange, NeedContent, NeedId, NeedStatus,
    TechNeed, Title,
};
use techmatch_domain::{OrganizationId, UserId, Viewer};

use super::{
    ListingTable, NewListing, UpdateError, Upserted, Written, codes_json, common_conditions, contact_json, corrupt,
    from_json, modes_json, parse_codes, parse_contact, parse_modes, parse_region, to_json,
};
use crate::entity::tech_need::{self, Column};
use crate::{Page, PageRequest, Store, StoreError};

pub type NewTechNeed = NewListing<NeedContent, NeedStatus>;

#[derive(Debug, Clone)]
pub struct NeedQuery {
    pub viewer: Viewer,
    /// `None`: everything but archived.
    pub status: Option<NeedStatus>,
    pub organization_id: Option<OrganizationId>,
    pub owner_user_id: Option<UserId>,
    pub industry: Option<IndustryCode>,
    pub region_prefix: Option<String>,
    pub challenges_only: bool,
}

/// The technology needs table.
pub(crate) struct Needs;

impl ListingTable for Needs {
    type Entity = tech_need::Entity;
    type Model = tech_need::Model;
    type ActiveModel = tech_need::ActiveModel;
    type Column = Column;
    type Content = NeedContent;
    type Status = NeedStatus;
    type Listing = TechNeed;

    const KIND: ListingKind = ListingKind::Need;
    const ID: Column = Column::Id;
    const VERSION: Column = Column::Version;
    const EXTERNAL_ID: Column = Column::ExternalId;
    const OWNER_USER_ID: Column = Column::OwnerUserId;
    const ORGANIZATION_ID: Column = Column::OrganizationId;
    const CREATED_AT: Column = Column::CreatedAt;
    const UPDATED_AT: Column = Column::UpdatedAt;

    fn columns(content: &NeedContent, status: NeedStatus) -> Result<tech_need::ActiveModel, StoreError> {
        Ok(tech_need::ActiveModel {
            title: Set(content.title.as_str().to_owned()),
            description: Set(content.description.as_str().to_owned()),
            keywords: Set(to_json(&content.keywords.as_slice())?),
            industry_codes: Set(codes_json(&content.industry_codes)?),
            min_maturity: Set(content.min_maturity.map(|maturity| maturity.as_str().to_owned())),
            budget_min: Set(content.budget.min),
            budget_max: Set(content.budget.max),
            deadline: Set(content.deadline),
            region_code: Set(content.region_code.as_ref().map(|code| code.as_str().to_owned())),
            cooperation_modes: Set(modes_json(&content.cooperation_modes)?),
            confidential: Set(content.confidential),
            challenge_bounty: Set(content.challenge.map(|challenge| challenge.bounty_yuan)),
            challenge_deadline: Set(content.challenge.map(|challenge| challenge.deadline)),
            contact: Set(contact_json(content.contact.as_ref())?),
            language: Set(content.language().as_str().to_owned()),
            status: Set(status.as_str().to_owned()),
            updated_at: Set(Utc::now()),
            ..Default::default()
        })
    }

    fn listing(model: tech_need::Model) -> Result<TechNeed, StoreError> {
        let id = model.id;
        let challenge = match (model.challenge_bounty, model.challenge_deadline) {
            (Some(bounty_yuan), Some(deadline)) => Some(Challenge { bounty_yuan, deadline }),
            _ => None,
        };
        let min_maturity = model
            .min_maturity
            .as_deref()
            .map(|raw| Maturity::parse("min_maturity", raw).map_err(corrupt("min_maturity", id)))
            .transpose()?;
        let content = NeedContent {
            title: Title::from_trusted(model.title),
            description: LongText::from_trusted(model.description),
            keywords: Keywords::from_trusted(from_json(&model.keywords, "keywords")?),
            industry_codes: parse_codes(&model.industry_codes, id)?,
            min_maturity,
            budget: MoneyRange { min: model.budget_min, max: model.budget_max },
            deadline: model.deadline,
            region_code: parse_region(model.region_code),
            cooperation_modes: parse_modes(&model.cooperation_modes, id)?,
            confidential: model.confidential,
            challenge,
            contact: parse_contact(model.contact.as_deref())?,
        };
        Ok(TechNeed {
            id: NeedId(id),
            owner_user_id: UserId(model.owner_user_id),
            organization_id: OrganizationId(model.organization_id),
            content,
            language: Language::parse("language", &model.language).map_err(corrupt("language", id))?,
            status: NeedStatus::parse("status", &model.status).map_err(corrupt("status", id))?,
            version: model.version,
            external_id: model.external_id,
            created_at: model.created_at,
            updated_at: model.updated_at,
        })
    }

    fn identity(model: &tech_need::Model) -> (i64, i64, DateTime<Utc>) {
        (model.id, model.version, model.created_at)
    }
}

impl Store {
    pub async fn create_need(&self, new: NewTechNeed) -> Result<Written<TechNeed>, StoreError> {
        self.create_listing::<Needs>(new).await
    }

    /// Replaces a need's content and status if it is still at `expected_version`.
    pub async fn update_need(
        &self,
        id: NeedId,
        expected_version: i64,
        content: &NeedContent,
        status: NeedStatus,
    ) -> Result<Written<TechNeed>, UpdateError> {
        self.update_listing::<Needs>(id.0, expected_version, content, status).await
    }

    /// Imports needs (see `upsert_listings`).
    pub async fn upsert_needs(&self, batch: &[NewTechNeed]) -> Result<Vec<Upserted>, StoreError> {
        self.upsert_listings::<Needs>(batch).await
    }

    pub async fn find_need(&self, id: NeedId) -> Result<Option<TechNeed>, StoreError> {
        self.find_listing::<Needs>(id.0).await
    }

    pub async fn find_need_by_external_id(&self, external_id: &str) -> Result<Option<TechNeed>, StoreError> {
        self.find_listing_by_external_id::<Needs>(external_id).await
    }

    /// One page of the needs `query.viewer` may see among those the query asks for: a
    /// confidential need only to its own company and staff.
    pub async fn list_needs(&self, query: &NeedQuery, page: PageRequest) -> Result<Page<TechNeed>, StoreError> {
        let public =
            Condition::all().add(Column::Confidential.eq(false)).add(Column::Status.ne(NeedStatus::Archived.as_str()));
        let mut condition = Condition::all().add(match query.status {
            Some(status) => Column::Status.eq(status.as_str()),
            None => Column::Status.ne(NeedStatus::Archived.as_str()),
        });
        condition = match query.viewer {
            Viewer::Staff { .. } => condition,
            Viewer::Anonymous | Viewer::Member { organization_id: None, .. } => condition.add(public),
            Viewer::Member { organization_id: Some(own), .. } => {
                condition.add(Condition::any().add(public).add(Column::OrganizationId.eq(own.0)))
            }
        };
        condition = common_conditions(
            condition,
            [Column::OrganizationId, Column::OwnerUserId, Column::IndustryCodes, Column::RegionCode],
            query.organization_id,
            query.owner_user_id,
            query.industry,
            query.region_prefix.as_deref(),
        );
        if query.challenges_only {
            condition = condition.add(Column::ChallengeBounty.is_not_null());
        }
        self.listing_page::<Needs>(condition, page).await
    }

    pub async fn needs_after(&self, after_id: i64, limit: u64) -> Result<Vec<TechNeed>, StoreError> {
        self.listings_after::<Needs>(after_id, limit).await
    }

    /// The needs with these ids that exist (in no particular order).
    pub async fn needs_by_ids(&self, ids: &[i64]) -> Result<Vec<TechNeed>, StoreError> {
        self.listings_by_ids::<Needs>(ids).await
    }

    pub async fn count_needs(&self) -> Result<u64, StoreError> {
        self.count_listings::<Needs>().await
    }
}
