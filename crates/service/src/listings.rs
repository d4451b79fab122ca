//! Research results, technology needs and open-challenge applications.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{NaiveDate, Utc};
use techmatch_domain::access::{can_edit_listing, can_review_applications, can_view_need, can_view_result};
use techmatch_domain::industry::IndustryCode;
use techmatch_domain::listing::{
    ApplicationId, Challenge, ChallengeApplication, IpItem, Keywords, ListingKind, LongText, Maturity, MoneyRange,
    NeedContent, NeedId, NeedStatus, ResearchResult, ResultContent, ResultId, ResultStatus, TechNeed, Title,
    TransferMode, confidential_contact_shown,
};
use techmatch_domain::{
    Action, Actor, ContactPerson, FieldError, OrganizationId, OrganizationKind, RegionCode, Role, ValidationErrors,
    Viewer, authorize,
};
use techmatch_store::{
    NeedQuery, NewResearchResult, NewTechNeed, Page, PageRequest, ResultQuery, Store, UpdateError, Written,
};
use tracing::info;

use crate::error::{ConflictCode, ServiceError};
use crate::search::SearchService;

/// Today in China Standard Time (UTC+8, no daylight saving), where deadlines are set.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&crate::events::china_time()).date_naive()
}

#[derive(Debug, Clone)]
pub struct ResultDraft {
    pub content: ResultContent,
    pub status: ResultStatus,
    /// Staff posting on an institution's behalf name it; researchers post for their own.
    pub organization_id: Option<OrganizationId>,
}

/// A partial update; `None` leaves a field as it is, `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default)]
pub struct ResultChanges {
    pub title: Option<Title>,
    pub abstract_text: Option<LongText>,
    pub keywords: Option<Keywords>,
    pub field: Option<Option<String>>,
    pub industry_codes: Option<Vec<IndustryCode>>,
    pub maturity: Option<Maturity>,
    pub ip_items: Option<Vec<IpItem>>,
    pub transfer_modes: Option<Vec<TransferMode>>,
    pub asking_price_min: Option<Option<i64>>,
    pub asking_price_max: Option<Option<i64>>,
    pub institution: Option<Option<String>>,
    pub region_code: Option<Option<RegionCode>>,
    pub contact: Option<Option<ContactPerson>>,
    pub status: Option<ResultStatus>,
}

#[derive(Debug, Clone)]
pub struct NeedDraft {
    pub content: NeedContent,
    pub status: NeedStatus,
    pub organization_id: Option<OrganizationId>,
}

#[derive(Debug, Clone, Default)]
pub struct NeedChanges {
    pub title: Option<Title>,
    pub description: Option<LongText>,
    pub keywords: Option<Keywords>,
    pub industry_codes: Option<Vec<IndustryCode>>,
    pub min_maturity: Option<Option<Maturity>>,
    pub budget_min: Option<Option<i64>>,
    pub budget_max: Option<Option<i64>>,
    pub deadline: Option<Option<NaiveDate>>,
    pub region_code: Option<Option<RegionCode>>,
    pub cooperation_modes: Option<Vec<TransferMode>>,
    pub confidential: Option<bool>,
    pub challenge: Option<Option<Challenge>>,
    pub contact: Option<Option<ContactPerson>>,
    pub status: Option<NeedStatus>,
}

/// List filters as the caller gives them; visibility is added here.
#[derive(Debug, Clone, Default)]
pub struct ListingFilters {
    pub status: Option<String>,
    pub organization_id: Option<OrganizationId>,
    pub mine: bool,
    pub industry: Option<IndustryCode>,
    pub maturity: Option<Maturity>,
    pub region_prefix: Option<String>,
    pub challenges_only: bool,
}

#[derive(Debug, Clone)]
pub struct ListingService {
    store: Store,
    search: SearchService,
    organizations: Arc<PostingOrganizations>,
}

/// What posting needs of an organization (its name, the default institution, and its kind),
/// read once per process: an organization is never changed once created. Should organizations
/// become editable, this must be dropped on edit like the listing cache.
#[derive(Debug, Default)]
struct PostingOrganizations {
    by_id: Mutex<HashMap<OrganizationId, (String, OrganizationKind)>>,
}

/// Organizations kept before the table starts over.
const MOST_POSTING_ORGANIZATIONS: usize = 20_000;

fn version_conflict(current: i64) -> ServiceError {
    ServiceError::Conflict {
        code: ConflictCode::VersionConflict,
        message: format!("the listing was changed meanwhile (now at version {current}); reload and retry"),
    }
}

fn update_error(error: UpdateError, what: &'static str) -> ServiceError {
    match error {
        UpdateError::NotFound => ServiceError::NotFound(what),
        UpdateError::VersionConflict { current } => version_conflict(current),
        UpdateError::Store(error) => error.into(),
    }
}

/// Invisible and missing look the same from outside.
fn visible_result(actor: Option<&Actor>, result: ResearchResult) -> Result<ResearchResult, ServiceError> {
    if !can_view_result(Viewer::of(actor), result.organization_id, result.status) {
        return Err(ServiceError::NotFound("research result"));
    }
    Ok(result)
}

fn visible_need(actor: Option<&Actor>, need: TechNeed) -> Result<TechNeed, ServiceError> {
    if !can_view_need(Viewer::of(actor), need.organization_id, need.status, need.content.confidential) {
        return Err(ServiceError::NotFound("technology need"));
    }
    Ok(need)
}

fn field_error(field: &str, code: &'static str, message: &str) -> ServiceError {
    ServiceError::Validation(ValidationErrors::single(FieldError::new(field, code, message)))
}

impl ListingService {
    pub fn new(store: Store, search: SearchService) -> ListingService {
        ListingService { store, search, organizations: Arc::default() }
    }

    /// The name and kind of an organization, `None` when there is none with this id.
    async fn organization_facts(
        &self,
        organization_id: OrganizationId,
    ) -> Result<Option<(String, OrganizationKind)>, ServiceError> {
        let known =
            self.organizations.by_id.lock().unwrap_or_else(PoisonError::into_inner).get(&organization_id).cloned();
        if known.is_some() {
            return Ok(known);
        }
        let Some(organization) = self.store.find_organization(organization_id).await? else {
            return Ok(None);
        };
        let facts = (organization.name.as_str().to_owned(), organization.kind);
        let mut by_id = self.organizations.by_id.lock().unwrap_or_else(PoisonError::into_inner);
        if by_id.len() >= MOST_POSTING_ORGANIZATIONS {
            by_id.clear();
        }
        by_id.insert(organization_id, facts.clone());
        Ok(Some(facts))
    }

    /// The organization a new listing belongs to: the poster's own, or for staff the one they
    /// name, which must be of a kind that posts this kind of listing.
    async fn posting_organization(
        &self,
        actor: &Actor,
        named: Option<OrganizationId>,
        poster_role: Role,
    ) -> Result<OrganizationId, ServiceError> {
        if !actor.role.is_staff() {
            if named.is_some_and(|named| Some(named) != actor.organization_id) {
                return Err(field_error(
                    "organization_id",
                    "not_allowed",
                    "you can only post for your own organization",
                ));
            }
            return actor.organization_id.ok_or(ServiceError::Forbidden);
        }
        let organization_id = named.ok_or_else(|| {
            field_error("organization_id", "required", "staff post on behalf of an organization: name it")
        })?;
        let (_, kind) = self
            .organization_facts(organization_id)
            .await?
            .ok_or_else(|| field_error("organization_id", "unknown_organization", "no organization has this id"))?;
        if !kind.admits(poster_role) || kind == OrganizationKind::Agency {
            return Err(field_error(
                "organization_id",
                "organization_kind_not_allowed",
                &format!("a {kind} cannot post this kind of listing"),
            ));
        }
        Ok(organization_id)
    }

    pub async fn create_result(&self, actor: &Actor, draft: ResultDraft) -> Result<ResearchResult, ServiceError> {
        authorize(Some(actor), Action::CreateResearchResult)?;
        if draft.status == ResultStatus::Archived {
            return Err(field_error("status", "invalid_status", "a new result is a draft or published"));
        }
        let organization_id = self.posting_organization(actor, draft.organization_id, Role::Researcher).await?;
        let mut content = draft.content;
        if content.institution.is_none() {
            content.institution = self.organization_facts(organization_id).await?.map(|(name, _)| name);
        }
        let written = self
            .store
            .create_result(NewResearchResult {
                owner_user_id: actor.user_id,
                organization_id,
                content,
                status: draft.status,
                external_id: None,
            })
            .await?;
        info!(result_id = %written.value.id, user_id = %actor.user_id, "research result created");
        Ok(self.searchable(actor, written, false).await)
    }

    /// A result as the actor may see it, from the listing cache when it holds it.
    pub async fn get_result(&self, actor: Option<&Actor>, id: ResultId) -> Result<ResearchResult, ServiceError> {
        let cache = self.search.listing_cache();
        let result = match cache.result(id) {
            Some(kept) => kept,
            None => {
                let started = cache.start_read();
                let found = self.store.find_result(id).await?.ok_or(ServiceError::NotFound("research result"))?;
                cache.keep_result(started, &found);
                found
            }
        };
        visible_result(actor, result)
    }

    /// The stored result itself, never a kept copy: an edit builds on what is there now.
    async fn current_result(&self, actor: &Actor, id: ResultId) -> Result<ResearchResult, ServiceError> {
        let result = self.store.find_result(id).await?.ok_or(ServiceError::NotFound("research result"))?;
        visible_result(Some(actor), result)
    }

    pub async fn update_result(
        &self,
        actor: &Actor,
        id: ResultId,
        version: i64,
        changes: ResultChanges,
    ) -> Result<ResearchResult, ServiceError> {
        let current = self.current_result(actor, id).await?;
        if !can_edit_listing(actor, current.owner_user_id) {
            return Err(ServiceError::Forbidden);
        }
        let mut content = current.content;
        let asking_price = MoneyRange::parse(
            "asking_price",
            changes.asking_price_min.unwrap_or(content.asking_price.min),
            changes.asking_price_max.unwrap_or(content.asking_price.max),
        )
        .map_err(|error| ServiceError::Validation(ValidationErrors::single(error)))?;
        content.asking_price = asking_price;
        if let Some(title) = changes.title {
            content.title = title;
        }
        if let Some(abstract_text) = changes.abstract_text {
            content.abstract_text = abstract_text;
        }
        if let Some(keywords) = changes.keywords {
            content.keywords = keywords;
        }
        if let Some(field) = changes.field {
            content.field = field;
        }
        if let Some(codes) = changes.industry_codes {
            content.industry_codes = codes;
        }
        if let Some(maturity) = changes.maturity {
            content.maturity = maturity;
        }
        if let Some(ip_items) = changes.ip_items {
            content.ip_items = ip_items;
        }
        if let Some(modes) = changes.transfer_modes {
            content.transfer_modes = modes;
        }
        if let Some(institution) = changes.institution {
            content.institution = institution;
        }
        if let Some(region) = changes.region_code {
            content.region_code = region;
        }
        if let Some(contact) = changes.contact {
            content.contact = contact;
        }
        let status = changes.status.unwrap_or(current.status);
        let hides = can_view_result(Viewer::Anonymous, current.organization_id, current.status)
            && !can_view_result(Viewer::Anonymous, current.organization_id, status);
        let written = self
            .store
            .update_result(id, version, &content, status)
            .await
            .map_err(|e| update_error(e, "research result"))?;
        self.search.listing_cache().forget(ListingKind::Result, id.0);
        info!(result_id = %id, user_id = %actor.user_id, version = written.value.version, "research result updated");
        Ok(self.searchable(actor, written, hides).await)
    }

    /// DELETE archives: the result leaves lists and searches but stays on record.
    pub async fn archive_result(
        &self,
        actor: &Actor,
        id: ResultId,
        version: Option<i64>,
    ) -> Result<ResearchResult, ServiceError> {
        let current = self.current_result(actor, id).await?;
        let changes = ResultChanges { status: Some(ResultStatus::Archived), ..ResultChanges::default() };
        self.update_result(actor, id, version.unwrap_or(current.version), changes).await
    }

    pub async fn list_results(
        &self,
        actor: Option<&Actor>,
        filters: ListingFilters,
        page: PageRequest,
    ) -> Result<Page<ResearchResult>, ServiceError> {
        let status = filters
            .status
            .as_deref()
            .map(|raw| ResultStatus::parse("status", raw))
            .transpose()
            .map_err(|error| ServiceError::Validation(ValidationErrors::single(error)))?;
        let owner = if filters.mine { Some(actor.ok_or(ServiceError::Unauthenticated)?.user_id) } else { None };
        let query = ResultQuery {
            viewer: Viewer::of(actor),
            status,
            organization_id: filters.organization_id,
            owner_user_id: owner,
            industry: filters.industry,
            maturity: filters.maturity,
            region_prefix: filters.region_prefix,
        };
        Ok(self.store.list_results(&query, page).await?)
    }

    pub async fn create_need(&self, actor: &Actor, draft: NeedDraft) -> Result<TechNeed, ServiceError> {
        authorize(Some(actor), Action::CreateTechNeed)?;
        if draft.status == NeedStatus::Archived {
            return Err(field_error("status", "invalid_status", "a new need cannot be archived"));
        }
        let organization_id = self.posting_organization(actor, draft.organization_id, Role::Company).await?;
        let written = self
            .store
            .create_need(NewTechNeed {
                owner_user_id: actor.user_id,
                organization_id,
                content: draft.content,
                status: draft.status,
                external_id: None,
            })
            .await?;
        info!(need_id = %written.value.id, user_id = %actor.user_id, "technology need created");
        Ok(self.searchable(actor, written, false).await)
    }

    /// A need as the actor may see it, from the listing cache when it holds it.
    pub async fn get_need(&self, actor: Option<&Actor>, id: NeedId) -> Result<TechNeed, ServiceError> {
        let cache = self.search.listing_cache();
        let need = match cache.need(id) {
            Some(kept) => kept,
            None => {
                let started = cache.start_read();
                let found = self.store.find_need(id).await?.ok_or(ServiceError::NotFound("technology need"))?;
                cache.keep_need(started, &found);
                found
            }
        };
        visible_need(actor, need)
    }

    /// The stored need itself, never a kept copy: an edit builds on what is there now.
    async fn current_need(&self, actor: &Actor, id: NeedId) -> Result<TechNeed, ServiceError> {
        let need = self.store.find_need(id).await?.ok_or(ServiceError::NotFound("technology need"))?;
        visible_need(Some(actor), need)
    }

    pub async fn update_need(
        &self,
        actor: &Actor,
        id: NeedId,
        version: i64,
        changes: NeedChanges,
    ) -> Result<TechNeed, ServiceError> {
        let current = self.current_need(actor, id).await?;
        if !can_edit_listing(actor, current.owner_user_id) {
            return Err(ServiceError::Forbidden);
        }
        let was_public =
            can_view_need(Viewer::Anonymous, current.organization_id, current.status, current.content.confidential);
        let mut content = current.content;
        content.budget = MoneyRange::parse(
            "budget",
            changes.budget_min.unwrap_or(content.budget.min),
            changes.budget_max.unwrap_or(content.budget.max),
        )
        .map_err(|error| ServiceError::Validation(ValidationErrors::single(error)))?;
        if let Some(title) = changes.title {
            content.title = title;
        }
        if let Some(description) = changes.description {
            content.description = description;
        }
        if let Some(keywords) = changes.keywords {
            content.keywords = keywords;
        }
        if let Some(codes) = changes.industry_codes {
            content.industry_codes = codes;
        }
        if let Some(maturity) = changes.min_maturity {
            content.min_maturity = maturity;
        }
        if let Some(deadline) = changes.deadline {
            content.deadline = deadline;
        }
        if let Some(region) = changes.region_code {
            content.region_code = region;
        }
        if let Some(modes) = changes.cooperation_modes {
            content.cooperation_modes = modes;
        }
        if let Some(confidential) = changes.confidential {
            content.confidential = confidential;
        }
        if let Some(challenge) = changes.challenge {
            content.challenge = challenge;
        }
        if let Some(contact) = changes.contact {
            content.contact = contact;
        }
        let contact_public = content.contact.as_ref().is_some_and(|contact| contact.public);
        if let Some(error) = confidential_contact_shown(content.confidential, contact_public) {
            return Err(ServiceError::Validation(ValidationErrors::single(error)));
        }
        let status = changes.status.unwrap_or(current.status);
        let hides =
            was_public && !can_view_need(Viewer::Anonymous, current.organization_id, status, content.confidential);
        let written = self
            .store
            .update_need(id, version, &content, status)
            .await
            .map_err(|e| update_error(e, "technology need"))?;
        self.search.listing_cache().forget(ListingKind::Need, id.0);
        info!(need_id = %id, user_id = %actor.user_id, version = written.value.version, "technology need updated");
        Ok(self.searchable(actor, written, hides).await)
    }

    pub async fn archive_need(
        &self,
        actor: &Actor,
        id: NeedId,
        version: Option<i64>,
    ) -> Result<TechNeed, ServiceError> {
        let current = self.current_need(actor, id).await?;
        let changes = NeedChanges { status: Some(NeedStatus::Archived), ..NeedChanges::default() };
        self.update_need(actor, id, version.unwrap_or(current.version), changes).await
    }

    pub async fn list_needs(
        &self,
        actor: Option<&Actor>,
        filters: ListingFilters,
        page: PageRequest,
    ) -> Result<Page<TechNeed>, ServiceError> {
        let status = filters
            .status
            .as_deref()
            .map(|raw| NeedStatus::parse("status", raw))
            .transpose()
            .map_err(|error| ServiceError::Validation(ValidationErrors::single(error)))?;
        let owner = if filters.mine { Some(actor.ok_or(ServiceError::Unauthenticated)?.user_id) } else { None };
        let query = NeedQuery {
            viewer: Viewer::of(actor),
            status,
            organization_id: filters.organization_id,
            owner_user_id: owner,
            industry: filters.industry,
            region_prefix: filters.region_prefix,
            challenges_only: filters.challenges_only,
        };
        Ok(self.store.list_needs(&query, page).await?)
    }

    /// An organization, for its public profile (its join code is never shown from here).
    pub async fn organization(
        &self,
        id: OrganizationId,
    ) -> Result<Option<techmatch_domain::Organization>, ServiceError> {
        Ok(self.store.find_organization(id).await?)
    }

    /// A research team answers an open challenge.
    pub async fn apply_to_challenge(
        &self,
        actor: &Actor,
        need_id: NeedId,
        proposal: LongText,
    ) -> Result<ChallengeApplication, ServiceError> {
        authorize(Some(actor), Action::ApplyToChallenge)?;
        let need = self.current_need(actor, need_id).await?;
        let Some(challenge) = need.content.challenge else {
            return Err(ServiceError::Conflict {
                code: ConflictCode::NotAChallenge,
                message: "this need is not an open challenge".into(),
            });
        };
        if need.status != NeedStatus::Open || challenge.deadline < today() {
            return Err(ServiceError::Conflict {
                code: ConflictCode::ChallengeClosed,
                message: "this challenge no longer takes applications".into(),
            });
        }
        let application =
            self.store.create_application(need_id, actor.user_id, actor.organization_id, &proposal).await?.ok_or_else(
                || ServiceError::Conflict {
                    code: ConflictCode::AlreadyApplied,
                    message: "you have already applied to this challenge".into(),
                },
            )?;
        info!(need_id = %need_id, user_id = %actor.user_id, "challenge application submitted");
        Ok(application)
    }

    pub async fn list_applications(
        &self,
        actor: &Actor,
        need_id: NeedId,
    ) -> Result<Vec<ChallengeApplication>, ServiceError> {
        let need = self.get_need(Some(actor), need_id).await?;
        if !can_review_applications(actor, need.organization_id) {
            return Err(ServiceError::Forbidden);
        }
        Ok(self.store.list_applications(need_id).await?)
    }

    pub async fn shortlist_application(
        &self,
        actor: &Actor,
        need_id: NeedId,
        application_id: ApplicationId,
    ) -> Result<ChallengeApplication, ServiceError> {
        let need = self.current_need(actor, need_id).await?;
        if !can_review_applications(actor, need.organization_id) {
            return Err(ServiceError::Forbidden);
        }
        let application = self
            .store
            .shortlist_application(need_id, application_id)
            .await?
            .ok_or(ServiceError::NotFound("application"))?;
        info!(need_id = %need_id, application_id = %application_id, user_id = %actor.user_id, "application shortlisted");
        Ok(application)
    }

    /// Answers a stored write once it is searchable as configured, except that a change which
    /// hides a listing from the public (archived, unpublished, made confidential) is answered
    /// only once nobody on this node finds it any more.
    async fn searchable<T>(&self, actor: &Actor, written: Written<T>, hides: bool) -> T {
        if hides {
            self.search.wait_until_searchable(written.outbox_id).await;
        } else {
            self.search.written(actor, written.outbox_id).await;
        }
        written.value
    }
}
