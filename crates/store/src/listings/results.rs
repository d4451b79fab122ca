//! Research results: their columns, their list filters, and the store's methods for them (the
//! writes and reads themselves are the shared ones of `super`).

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, Set};
use techmatch_domain::industry::IndustryCode;
use techmatch_domain::listing::{
    Keywords, Language, ListingKind, LongText, Maturity, MoneyRange, ResearchResult, ResultContent, ResultId,
    ResultStatus, Title,
};
use techmatch_domain::{OrganizationId, UserId, Viewer};

use super::{
    ListingTable, NewListing, UpdateError, Upserted, Written, codes_json, common_conditions, contact_json, corrupt,
    from_json, ip_items_json, modes_json, parse_codes, parse_contact, parse_ip_items, parse_modes, parse_region,
    to_json,
};
use crate::entity::research_result::{self, Column};
use crate::{Page, PageRequest, Store, StoreError};

pub type NewResearchResult = NewListing<ResultContent, ResultStatus>;

#[derive(Debug, Clone)]
pub struct ResultQuery {
    pub viewer: Viewer,
    /// `None`: everything but archived.
    pub status: Option<ResultStatus>,
    pub organization_id: Option<OrganizationId>,
    pub owner_user_id: Option<UserId>,
    pub industry: Option<IndustryCode>,
    pub maturity: Option<Maturity>,
    /// Two, four or six digits of a GB/T 2260 code.
    pub region_prefix: Option<String>,
}

/// The research results table.
pub(crate) struct Results;

impl ListingTable for Results {
    type Entity = research_result::Entity;
    type Model = research_result::Model;
    type ActiveModel = research_result::ActiveModel;
    type Column = Column;
    type Content = ResultContent;
    type Status = ResultStatus;
    type Listing = ResearchResult;

    const KIND: ListingKind = ListingKind::Result;
    const ID: Column = Column::Id;
    const VERSION: Column = Column::Version;
    const EXTERNAL_ID: Column = Column::ExternalId;
    const OWNER_USER_ID: Column = Column::OwnerUserId;
    const ORGANIZATION_ID: Column = Column::OrganizationId;
    const CREATED_AT: Column = Column::CreatedAt;
    const UPDATED_AT: Column = Column::UpdatedAt;

    fn columns(content: &ResultContent, status: ResultStatus) -> Result<research_result::ActiveModel, StoreError> {
        Ok(research_result::ActiveModel {
            title: Set(content.title.as_str().to_owned()),
            r#abstract: Set(content.abstract_text.as_str().to_owned()),
            keywords: Set(to_json(&content.keywords.as_slice())?),
            field: Set(content.field.clone()),
            industry_codes: Set(codes_json(&content.industry_codes)?),
            maturity: Set(content.maturity.as_str().to_owned()),
            ip_items: Set(ip_items_json(&content.ip_items)?),
            transfer_modes: Set(modes_json(&content.transfer_modes)?),
            price_min: Set(content.asking_price.min),
            price_max: Set(content.asking_price.max),
            institution: Set(content.institution.clone()),
            region_code: Set(content.region_code.as_ref().map(|code| code.as_str().to_owned())),
            contact: Set(contact_json(content.contact.as_ref())?),
            language: Set(content.language().as_str().to_owned()),
            status: Set(status.as_str().to_owned()),
            updated_at: Set(Utc::now()),
            ..Default::default()
        })
    }

    fn listing(model: research_result::Model) -> Result<ResearchResult, StoreError> {
        let id = model.id;
        let content = ResultContent {
            title: Title::from_trusted(model.title),
            abstract_text: LongText::from_trusted(model.r#abstract),
            keywords: Keywords::from_trusted(from_json(&model.keywords, "keywords")?),
            field: model.field,
            industry_codes: parse_codes(&model.industry_codes, id)?,
            maturity: Maturity::parse("maturity", &model.maturity).map_err(corrupt("maturity", id))?,
            ip_items: parse_ip_items(&model.ip_items, id)?,
            transfer_modes: parse_modes(&model.transfer_modes, id)?,
            asking_price: MoneyRange { min: model.price_min, max: model.price_max },
            institution: model.institution,
            region_code: parse_region(model.region_code),
            contact: parse_contact(model.contact.as_deref())?,
        };
        Ok(ResearchResult {
            id: ResultId(id),
            owner_user_id: UserId(model.owner_user_id),
            organization_id: OrganizationId(model.organization_id),
            content,
            language: Language::parse("language", &model.language).map_err(corrupt("language", id))?,
            status: ResultStatus::parse("status", &model.status).map_err(corrupt("status", id))?,
            version: model.version,
            external_id: model.external_id,
            created_at: model.created_at,
            updated_at: model.updated_at,
        })
    }

    fn identity(model: &research_result::Model) -> (i64, i64, DateTime<Utc>) {
        (model.id, model.version, model.created_at)
    }
}

impl Store {
    pub async fn create_result(&self, new: NewResearchResult) -> Result<Written<ResearchResult>, StoreError> {
        self.create_listing::<Results>(new).await
    }

    /// Replaces a result's content and status if it is still at `expected_version`.
    pub async fn update_result(
        &self,
        id: ResultId,
        expected_version: i64,
        content: &ResultContent,
        status: ResultStatus,
    ) -> Result<Written<ResearchResult>, UpdateError> {
        self.update_listing::<Results>(id.0, expected_version, content, status).await
    }

    /// Imports results (see `upsert_listings`).
    pub async fn upsert_results(&self, batch: &[NewResearchResult]) -> Result<Vec<Upserted>, StoreError> {
        self.upsert_listings::<Results>(batch).await
    }

    pub async fn find_result(&self, id: ResultId) -> Result<Option<ResearchResult>, StoreError> {
        self.find_listing::<Results>(id.0).await
    }

    pub async fn find_result_by_external_id(&self, external_id: &str) -> Result<Option<ResearchResult>, StoreError> {
        self.find_listing_by_external_id::<Results>(external_id).await
    }

    /// One page of the results `query.viewer` may see among those the query asks for.
    pub async fn list_results(
        &self,
        query: &ResultQuery,
        page: PageRequest,
    ) -> Result<Page<ResearchResult>, StoreError> {
        let published = Column::Status.eq(ResultStatus::Published.as_str());
        let mut condition = Condition::all().add(match query.status {
            Some(status) => Column::Status.eq(status.as_str()),
            None => Column::Status.ne(ResultStatus::Archived.as_str()),
        });
        condition = match query.viewer {
            Viewer::Staff { .. } => condition,
            Viewer::Anonymous | Viewer::Member { organization_id: None, .. } => condition.add(published),
            Viewer::Member { organization_id: Some(own), .. } => {
                condition.add(Condition::any().add(published).add(Column::OrganizationId.eq(own.0)))
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
        if let Some(maturity) = query.maturity {
            condition = condition.add(Column::Maturity.eq(maturity.as_str()));
        }
        self.listing_page::<Results>(condition, page).await
    }

    /// Results with ids above `after_id`, in id order, for rebuilding the index.
    pub async fn results_after(&self, after_id: i64, limit: u64) -> Result<Vec<ResearchResult>, StoreError> {
        self.listings_after::<Results>(after_id, limit).await
    }

    /// The results with these ids that exist (in no particular order).
    pub async fn results_by_ids(&self, ids: &[i64]) -> Result<Vec<ResearchResult>, StoreError> {
        self.listings_by_ids::<Results>(ids).await
    }

    pub async fn count_results(&self) -> Result<u64, StoreError> {
        self.count_listings::<Results>().await
    }
}
