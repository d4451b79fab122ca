//! Wire formats of research results, technology needs, challenge applications and search.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use techmatch_domain::industry::IndustryCode;
use techmatch_domain::listing::{
    Challenge, ChallengeApplication, IpItem, Keywords, LongText, Maturity, MoneyRange, NeedContent, NeedStatus,
    ResearchResult, ResultContent, ResultStatus, TechNeed, Title, parse_future_date, parse_industry_codes,
    parse_short_text, parse_transfer_modes,
};
use techmatch_domain::{FieldError, OrganizationId, RegionCode, ValidationErrors};
use techmatch_service::{ListingFilters, NeedChanges, NeedDraft, PageRequest, ResultChanges, ResultDraft, today};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`) in PATCH bodies.
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IpItemBody {
    /// `invention_patent`, `utility_model`, `design_patent`, `software_copyright` or `know_how`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Registration number, e.g. `ZL202110123456.7`; none for know-how.
    pub number: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeBody {
    /// Bounty in yuan.
    pub bounty_yuan: i64,
    /// `YYYY-MM-DD`, not in the past.
    pub deadline: String,
}

fn optional_text(errors: &mut ValidationErrors, field: &str, raw: Option<&str>, max: usize) -> Option<Option<String>> {
    match raw.map(str::trim).filter(|value| !value.is_empty()) {
        None => Some(None),
        Some(value) => errors.collect(parse_short_text(field, value, max)).map(Some),
    }
}

fn optional_region(errors: &mut ValidationErrors, raw: Option<&str>) -> Option<Option<RegionCode>> {
    match raw.map(str::trim).filter(|value| !value.is_empty()) {
        None => Some(None),
        Some(value) => errors.collect(RegionCode::parse("region_code", value)).map(Some),
    }
}

fn ip_items(errors: &mut ValidationErrors, raw: &[IpItemBody]) -> Option<Vec<IpItem>> {
    if raw.len() > 50 {
        errors.push(FieldError::new("ip_items", "too_many", "at most 50 items"));
        return None;
    }
    let mut items = Vec::new();
    let mut ok = true;
    for (index, item) in raw.iter().enumerate() {
        match errors.collect(IpItem::parse(&format!("ip_items[{index}]"), &item.kind, item.number.as_deref())) {
            Some(item) => items.push(item),
            None => ok = false,
        }
    }
    ok.then_some(items)
}

fn challenge(errors: &mut ValidationErrors, raw: Option<&ChallengeBody>) -> Option<Option<Challenge>> {
    match raw {
        None => Some(None),
        Some(body) => {
            errors.collect(Challenge::parse("challenge", body.bounty_yuan, &body.deadline, today())).map(Some)
        }
    }
}

fn finish<T>(errors: ValidationErrors, value: Option<T>) -> Result<T, ApiError> {
    match value {
        Some(value) if errors.is_empty() => Ok(value),
        _ => Err(ApiError::validation(errors.0)),
    }
}

/// A new research result.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateResultRequest {
    #[schema(example = "高镍三元锂电池正极材料及其制备方法")]
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Discipline, e.g. 材料科学与工程.
    pub field: Option<String>,
    /// GB/T 4754-2017 division codes, e.g. `["38"]`.
    #[serde(default)]
    pub industry_codes: Vec<String>,
    /// `lab` (TRL 1–4), `prototype` (5–6), `pilot` (7), `small_batch` (8), `mass_production` (9).
    pub maturity: String,
    #[serde(default)]
    pub ip_items: Vec<IpItemBody>,
    /// `assignment`, `license`, `equity`, `joint_development`, `technical_service`.
    #[serde(default)]
    pub transfer_modes: Vec<String>,
    /// Yuan.
    pub asking_price_min: Option<i64>,
    pub asking_price_max: Option<i64>,
    /// Defaults to the organization's name.
    pub institution: Option<String>,
    /// GB/T 2260 division code.
    pub region_code: Option<String>,
    /// `draft` (default) or `published`.
    pub status: Option<String>,
    /// Staff only: the institution this is posted for.
    pub organization_id: Option<i64>,
}

impl CreateResultRequest {
    pub fn into_draft(self) -> Result<ResultDraft, ApiError> {
        let mut errors = ValidationErrors::new();
        let title = errors.collect(Title::parse("title", &self.title));
        let abstract_text = errors.collect(LongText::parse("abstract", &self.abstract_text));
        let keywords = errors.collect(Keywords::parse("keywords", &self.keywords));
        let field = optional_text(&mut errors, "field", self.field.as_deref(), 100);
        let industry_codes = errors.collect(parse_industry_codes("industry_codes", &self.industry_codes));
        let maturity = errors.collect(Maturity::parse("maturity", &self.maturity));
        let ip_items = ip_items(&mut errors, &self.ip_items);
        let transfer_modes = errors.collect(parse_transfer_modes("transfer_modes", &self.transfer_modes));
        let asking_price =
            errors.collect(MoneyRange::parse("asking_price", self.asking_price_min, self.asking_price_max));
        let institution = optional_text(&mut errors, "institution", self.institution.as_deref(), 200);
        let region_code = optional_region(&mut errors, self.region_code.as_deref());
        let status = match self.status.as_deref() {
            None => Some(ResultStatus::Draft),
            Some(raw) => errors.collect(ResultStatus::parse("status", raw)),
        };
        let draft = (|| {
            Some(ResultDraft {
                content: ResultContent {
                    title: title?,
                    abstract_text: abstract_text?,
                    keywords: keywords?,
                    field: field?,
                    industry_codes: industry_codes?,
                    maturity: maturity?,
                    ip_items: ip_items?,
                    transfer_modes: transfer_modes?,
                    asking_price: asking_price?,
                    institution: institution?,
                    region_code: region_code?,
                },
                status: status?,
                organization_id: self.organization_id.map(OrganizationId),
            })
        })();
        finish(errors, draft)
    }
}

/// Changes to a research result. `version` is the version the client last saw; a stale
/// version is refused with 409. Absent fields stay; `null` clears an optional field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateResultRequest {
    pub version: i64,
    pub title: Option<String>,
    #[serde(rename = "abstract")]
    pub abstract_text: Option<String>,
    pub keywords: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub field: Option<Option<String>>,
    pub industry_codes: Option<Vec<String>>,
    pub maturity: Option<String>,
    pub ip_items: Option<Vec<IpItemBody>>,
    pub transfer_modes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub asking_price_min: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub asking_price_max: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub institution: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub region_code: Option<Option<String>>,
    /// `draft`, `published` or `archived`.
    pub status: Option<String>,
}

impl UpdateResultRequest {
    pub fn into_changes(self) -> Result<(i64, ResultChanges), ApiError> {
        let mut errors = ValidationErrors::new();
        let mut changes = ResultChanges::default();
        if let Some(raw) = &self.title {
            changes.title = errors.collect(Title::parse("title", raw));
        }
        if let Some(raw) = &self.abstract_text {
            changes.abstract_text = errors.collect(LongText::parse("abstract", raw));
        }
        if let Some(raw) = &self.keywords {
            changes.keywords = errors.collect(Keywords::parse("keywords", raw));
        }
        if let Some(raw) = &self.field {
            changes.field = optional_text(&mut errors, "field", raw.as_deref(), 100);
        }
        if let Some(raw) = &self.industry_codes {
            changes.industry_codes = errors.collect(parse_industry_codes("industry_codes", raw));
        }
        if let Some(raw) = &self.maturity {
            changes.maturity = errors.collect(Maturity::parse("maturity", raw));
        }
        if let Some(raw) = &self.ip_items {
            changes.ip_items = ip_items(&mut errors, raw);
        }
        if let Some(raw) = &self.transfer_modes {
            changes.transfer_modes = errors.collect(parse_transfer_modes("transfer_modes", raw));
        }
        changes.asking_price_min = self.asking_price_min;
        changes.asking_price_max = self.asking_price_max;
        if let Some(raw) = &self.institution {
            changes.institution = optional_text(&mut errors, "institution", raw.as_deref(), 200);
        }
        if let Some(raw) = &self.region_code {
            changes.region_code = optional_region(&mut errors, raw.as_deref());
        }
        if let Some(raw) = &self.status {
            changes.status = errors.collect(ResultStatus::parse("status", raw));
        }
        finish(errors, Some((self.version, changes)))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultResponse {
    pub id: i64,
    pub version: i64,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub keywords: Vec<String>,
    pub field: Option<String>,
    pub industry_codes: Vec<String>,
    pub maturity: String,
    pub ip_items: Vec<IpItemBody>,
    pub transfer_modes: Vec<String>,
    pub asking_price_min: Option<i64>,
    pub asking_price_max: Option<i64>,
    pub institution: Option<String>,
    pub region_code: Option<String>,
    pub organization_id: i64,
    pub owner_user_id: i64,
    /// `zh`, `en` or `mixed`, detected from the text.
    pub language: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ResearchResult> for ResultResponse {
    fn from(result: ResearchResult) -> Self {
        let content = result.content;
        ResultResponse {
            id: result.id.0,
            version: result.version,
            title: content.title.as_str().to_owned(),
            abstract_text: content.abstract_text.as_str().to_owned(),
            keywords: content.keywords.as_slice().to_vec(),
            field: content.field,
            industry_codes: content.industry_codes.iter().map(|code| code.as_str().to_owned()).collect(),
            maturity: content.maturity.as_str().to_owned(),
            ip_items: content
                .ip_items
                .into_iter()
                .map(|item| IpItemBody { kind: item.kind.as_str().to_owned(), number: item.number })
                .collect(),
            transfer_modes: content.transfer_modes.iter().map(|mode| mode.as_str().to_owned()).collect(),
            asking_price_min: content.asking_price.min,
            asking_price_max: content.asking_price.max,
            institution: content.institution,
            region_code: content.region_code.map(|code| code.as_str().to_owned()),
            organization_id: result.organization_id.0,
            owner_user_id: result.owner_user_id.0,
            language: result.language.as_str().to_owned(),
            status: result.status.as_str().to_owned(),
            created_at: result.created_at,
            updated_at: result.updated_at,
        }
    }
}

/// A new technology need.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNeedRequest {
    #[schema(example = "二十多个大棚开窗关窗全靠人跑")]
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub industry_codes: Vec<String>,
    /// The least maturity a solution must have.
    pub min_maturity: Option<String>,
    /// Yuan.
    pub budget_min: Option<i64>,
    pub budget_max: Option<i64>,
    /// `YYYY-MM-DD`, not in the past.
    pub deadline: Option<String>,
    pub region_code: Option<String>,
    #[serde(default)]
    pub cooperation_modes: Vec<String>,
    /// Seen only by the company and staff when true.
    #[serde(default)]
    pub confidential: bool,
    /// An open challenge (揭榜挂帅).
    pub challenge: Option<ChallengeBody>,
    /// `open` (default), `in_talks`, `solved` or `closed`.
    pub status: Option<String>,
    /// Staff only: the company this is posted for.
    pub organization_id: Option<i64>,
}

fn optional_date(errors: &mut ValidationErrors, field: &str, raw: Option<&str>) -> Option<Option<NaiveDate>> {
    match raw.map(str::trim).filter(|value| !value.is_empty()) {
        None => Some(None),
        Some(value) => errors.collect(parse_future_date(field, value, today())).map(Some),
    }
}

impl CreateNeedRequest {
    pub fn into_draft(self) -> Result<NeedDraft, ApiError> {
        let mut errors = ValidationErrors::new();
        let title = errors.collect(Title::parse("title", &self.title));
        let description = errors.collect(LongText::parse("description", &self.description));
        let keywords = errors.collect(Keywords::parse("keywords", &self.keywords));
        let industry_codes = errors.collect(parse_industry_codes("industry_codes", &self.industry_codes));
        let min_maturity = match self.min_maturity.as_deref() {
            None => Some(None),
            Some(raw) => errors.collect(Maturity::parse("min_maturity", raw)).map(Some),
        };
        let budget = errors.collect(MoneyRange::parse("budget", self.budget_min, self.budget_max));
        let deadline = optional_date(&mut errors, "deadline", self.deadline.as_deref());
        let region_code = optional_region(&mut errors, self.region_code.as_deref());
        let cooperation_modes = errors.collect(parse_transfer_modes("cooperation_modes", &self.cooperation_modes));
        let challenge = challenge(&mut errors, self.challenge.as_ref());
        let status = match self.status.as_deref() {
            None => Some(NeedStatus::Open),
            Some(raw) => errors.collect(NeedStatus::parse("status", raw)),
        };
        let draft = (|| {
            Some(NeedDraft {
                content: NeedContent {
                    title: title?,
                    description: description?,
                    keywords: keywords?,
                    industry_codes: industry_codes?,
                    min_maturity: min_maturity?,
                    budget: budget?,
                    deadline: deadline?,
                    region_code: region_code?,
                    cooperation_modes: cooperation_modes?,
                    confidential: self.confidential,
                    challenge: challenge?,
                },
                status: status?,
                organization_id: self.organization_id.map(OrganizationId),
            })
        })();
        finish(errors, draft)
    }
}

/// Changes to a technology need, with the version the client last saw.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateNeedRequest {
    pub version: i64,
    pub title: Option<String>,
    pub description: Option<String>,
    pub keywords: Option<Vec<String>>,
    pub industry_codes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub min_maturity: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub budget_min: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub budget_max: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub deadline: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub region_code: Option<Option<String>>,
    pub cooperation_modes: Option<Vec<String>>,
    pub confidential: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ChallengeBody>)]
    pub challenge: Option<Option<ChallengeBody>>,
    /// `open`, `in_talks`, `solved`, `closed` or `archived`.
    pub status: Option<String>,
}

impl UpdateNeedRequest {
    pub fn into_changes(self) -> Result<(i64, NeedChanges), ApiError> {
        let mut errors = ValidationErrors::new();
        let mut changes = NeedChanges::default();
        if let Some(raw) = &self.title {
            changes.title = errors.collect(Title::parse("title", raw));
        }
        if let Some(raw) = &self.description {
            changes.description = errors.collect(LongText::parse("description", raw));
        }
        if let Some(raw) = &self.keywords {
            changes.keywords = errors.collect(Keywords::parse("keywords", raw));
        }
        if let Some(raw) = &self.industry_codes {
            changes.industry_codes = errors.collect(parse_industry_codes("industry_codes", raw));
        }
        if let Some(raw) = &self.min_maturity {
            changes.min_maturity = match raw {
                None => Some(None),
                Some(raw) => errors.collect(Maturity::parse("min_maturity", raw)).map(Some),
            };
        }
        changes.budget_min = self.budget_min;
        changes.budget_max = self.budget_max;
        if let Some(raw) = &self.deadline {
            changes.deadline = optional_date(&mut errors, "deadline", raw.as_deref());
        }
        if let Some(raw) = &self.region_code {
            changes.region_code = optional_region(&mut errors, raw.as_deref());
        }
        if let Some(raw) = &self.cooperation_modes {
            changes.cooperation_modes = errors.collect(parse_transfer_modes("cooperation_modes", raw));
        }
        changes.confidential = self.confidential;
        if let Some(raw) = &self.challenge {
            changes.challenge = challenge(&mut errors, raw.as_ref());
        }
        if let Some(raw) = &self.status {
            changes.status = errors.collect(NeedStatus::parse("status", raw));
        }
        finish(errors, Some((self.version, changes)))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeedResponse {
    pub id: i64,
    pub version: i64,
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub industry_codes: Vec<String>,
    pub min_maturity: Option<String>,
    pub budget_min: Option<i64>,
    pub budget_max: Option<i64>,
    pub deadline: Option<NaiveDate>,
    pub region_code: Option<String>,
    pub cooperation_modes: Vec<String>,
    pub confidential: bool,
    pub challenge: Option<ChallengeResponse>,
    pub organization_id: i64,
    pub owner_user_id: i64,
    pub language: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChallengeResponse {
    pub bounty_yuan: i64,
    pub deadline: NaiveDate,
}

impl From<TechNeed> for NeedResponse {
    fn from(need: TechNeed) -> Self {
        let content = need.content;
        NeedResponse {
            id: need.id.0,
            version: need.version,
            title: content.title.as_str().to_owned(),
            description: content.description.as_str().to_owned(),
            keywords: content.keywords.as_slice().to_vec(),
            industry_codes: content.industry_codes.iter().map(|code| code.as_str().to_owned()).collect(),
            min_maturity: content.min_maturity.map(|maturity| maturity.as_str().to_owned()),
            budget_min: content.budget.min,
            budget_max: content.budget.max,
            deadline: content.deadline,
            region_code: content.region_code.map(|code| code.as_str().to_owned()),
            cooperation_modes: content.cooperation_modes.iter().map(|mode| mode.as_str().to_owned()).collect(),
            confidential: content.confidential,
            challenge: content.challenge.map(|challenge| ChallengeResponse {
                bounty_yuan: challenge.bounty_yuan,
                deadline: challenge.deadline,
            }),
            organization_id: need.organization_id.0,
            owner_user_id: need.owner_user_id.0,
            language: need.language.as_str().to_owned(),
            status: need.status.as_str().to_owned(),
            created_at: need.created_at,
            updated_at: need.updated_at,
        }
    }
}

/// Filters and paging of listing lists.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListingListQuery {
    /// 1-based page (default 1).
    #[param(minimum = 1, maximum = 10000)]
    pub page: Option<u64>,
    /// 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// A status; without it everything but archived.
    pub status: Option<String>,
    /// A GB/T 4754 division.
    pub industry: Option<String>,
    /// Results only: a maturity stage.
    pub maturity: Option<String>,
    /// A GB/T 2260 code; its province or city prefix matches everything inside.
    pub region: Option<String>,
    pub organization_id: Option<i64>,
    /// Only the caller's own listings.
    pub mine: Option<bool>,
    /// Needs only: only open challenges.
    pub challenge: Option<bool>,
}

/// Page and per_page, bounded; shared by lists and search.
pub fn paging(page: Option<u64>, per_page: Option<u64>) -> Result<(u64, u64, PageRequest), ApiError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(20);
    let mut errors = Vec::new();
    if !(1..=10_000).contains(&page) {
        errors.push(FieldError::new("page", "out_of_range", "must be between 1 and 10000"));
    }
    if !(1..=100).contains(&per_page) {
        errors.push(FieldError::new("per_page", "out_of_range", "must be between 1 and 100"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok((page, per_page, PageRequest { offset: (page - 1) * per_page, limit: per_page }))
}

/// GB/T 2260 region prefix for filters: a known code, reduced to the digits that matter.
pub fn region_prefix(raw: &str) -> Result<String, ApiError> {
    let code = RegionCode::parse("region", raw).map_err(|error| ApiError::validation(vec![error]))?;
    let code = code.as_str();
    Ok(if code.ends_with("0000") {
        code[..2].to_owned()
    } else if code.ends_with("00") {
        code[..4].to_owned()
    } else {
        code.to_owned()
    })
}

impl ListingListQuery {
    pub fn into_filters(self) -> Result<(u64, u64, PageRequest, ListingFilters), ApiError> {
        let (page, per_page, request) = paging(self.page, self.per_page)?;
        let mut errors = ValidationErrors::new();
        let industry = match self.industry.as_deref() {
            None => Some(None),
            Some(raw) => errors.collect(IndustryCode::parse("industry", raw)).map(Some),
        };
        let maturity = match self.maturity.as_deref() {
            None => Some(None),
            Some(raw) => errors.collect(Maturity::parse("maturity", raw)).map(Some),
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors.0));
        }
        let region_prefix = self.region.as_deref().map(region_prefix).transpose()?;
        let filters = ListingFilters {
            status: self.status,
            organization_id: self.organization_id.map(OrganizationId),
            mine: self.mine.unwrap_or(false),
            industry: industry.flatten(),
            maturity: maturity.flatten(),
            region_prefix,
            challenges_only: self.challenge.unwrap_or(false),
        };
        Ok((page, per_page, request, filters))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultListResponse {
    pub items: Vec<ResultResponse>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeedListResponse {
    pub items: Vec<NeedResponse>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    /// How the team would solve the challenge.
    pub proposal: String,
}

impl ApplyRequest {
    pub fn proposal(&self) -> Result<LongText, ApiError> {
        LongText::parse("proposal", &self.proposal).map_err(|error| ApiError::validation(vec![error]))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationResponse {
    pub id: i64,
    pub need_id: i64,
    pub applicant_user_id: i64,
    pub organization_id: Option<i64>,
    pub proposal: String,
    /// `submitted` or `shortlisted`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ChallengeApplication> for ApplicationResponse {
    fn from(application: ChallengeApplication) -> Self {
        ApplicationResponse {
            id: application.id.0,
            need_id: application.need_id.0,
            applicant_user_id: application.applicant_user_id.0,
            organization_id: application.organization_id.map(|id| id.0),
            proposal: application.proposal.as_str().to_owned(),
            status: application.status.as_str().to_owned(),
            created_at: application.created_at,
            updated_at: application.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationListResponse {
    pub items: Vec<ApplicationResponse>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArchiveQuery {
    /// The version the client last saw; without it the current version is archived.
    pub version: Option<i64>,
}

/// `GET /api/v1/search` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words in Chinese, English or both; empty browses everything visible.
    pub q: Option<String>,
    /// `results` or `needs` (singular accepted); both when absent.
    pub kind: Option<String>,
    #[param(minimum = 1, maximum = 10000)]
    pub page: Option<u64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    pub industry: Option<String>,
    /// Discipline of results.
    pub field: Option<String>,
    pub maturity: Option<String>,
    /// A GB/T 2260 code at any level.
    pub region: Option<String>,
    pub transfer_mode: Option<String>,
    pub status: Option<String>,
    /// Only open challenges.
    pub challenge: Option<bool>,
    /// Facet counts (default true).
    pub facets: Option<bool>,
    /// Also find listings in the other language (default false): words translated through the
    /// bilingual glossary and, where it has none, a general Chinese-English dictionary; a
    /// translated word counts half a typed one.
    pub cross_language: Option<bool>,
}

/// The listing attributes search and matching filter on, as given in a query string (or a
/// page's filter form).
pub(crate) struct AttributeFilters<'a> {
    pub(crate) industry: Option<&'a str>,
    pub(crate) field: Option<&'a str>,
    pub(crate) maturity: Option<&'a str>,
    pub(crate) region: Option<&'a str>,
    pub(crate) transfer_mode: Option<&'a str>,
    pub(crate) challenge: Option<bool>,
}

impl AttributeFilters<'_> {
    /// Checked values (kind and status left open); invalid ones are added to `errors`.
    pub(crate) fn parse(self, errors: &mut ValidationErrors) -> techmatch_service::SearchFilters {
        use techmatch_domain::listing::TransferMode;
        let industry = self.industry.and_then(|raw| errors.collect(IndustryCode::parse("industry", raw)));
        let maturity = self.maturity.and_then(|raw| errors.collect(Maturity::parse("maturity", raw)));
        let transfer_mode =
            self.transfer_mode.and_then(|raw| errors.collect(TransferMode::parse("transfer_mode", raw)));
        let region = self.region.and_then(|raw| errors.collect(RegionCode::parse("region", raw)));
        techmatch_service::SearchFilters {
            kind: None,
            industry: industry.map(|code| code.as_str().to_owned()),
            field: self.field.map(|field| field.trim().to_owned()).filter(|field| !field.is_empty()),
            maturity: maturity.map(|maturity| maturity.as_str().to_owned()),
            region: region.map(|region| region.as_str().to_owned()),
            transfer_mode: transfer_mode.map(|mode| mode.as_str().to_owned()),
            status: None,
            open_challenges_only: self.challenge.unwrap_or(false),
        }
    }
}

impl SearchQuery {
    pub const MAX_QUERY_CHARS: usize = 500;

    pub fn into_request(self) -> Result<(u64, u64, techmatch_service::SearchRequest), ApiError> {
        use techmatch_domain::listing::ListingKind;
        let (page, per_page, window) = paging(self.page, self.per_page)?;
        let query = self.q.unwrap_or_default();
        let mut errors = ValidationErrors::new();
        if query.chars().count() > Self::MAX_QUERY_CHARS {
            errors.push(FieldError::new("q", "too_long", "at most 500 characters"));
        }
        let kind = match self.kind.as_deref().map(str::trim) {
            None | Some("") => None,
            Some("results" | "result") => Some(ListingKind::Result),
            Some("needs" | "need") => Some(ListingKind::Need),
            Some(_) => {
                errors.push(FieldError::new("kind", "invalid_kind", "must be results or needs"));
                None
            }
        };
        let attributes = AttributeFilters {
            industry: self.industry.as_deref(),
            field: self.field.as_deref(),
            maturity: self.maturity.as_deref(),
            region: self.region.as_deref(),
            transfer_mode: self.transfer_mode.as_deref(),
            challenge: self.challenge,
        }
        .parse(&mut errors);
        let status = match self.status.as_deref() {
            None => None,
            Some(raw) => {
                let valid = ResultStatus::parse("status", raw).is_ok() || NeedStatus::parse("status", raw).is_ok();
                if !valid {
                    errors.push(FieldError::new("status", "invalid_status", "not a listing status"));
                }
                Some(raw.trim().to_owned())
            }
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors.0));
        }
        let request = techmatch_service::SearchRequest {
            query,
            filters: techmatch_service::SearchFilters { kind, status, ..attributes },
            offset: usize::try_from(window.offset).unwrap_or(usize::MAX),
            limit: usize::try_from(window.limit).unwrap_or(20),
            with_facets: self.facets.unwrap_or(true),
            cross_language: self.cross_language.unwrap_or(false),
        };
        Ok((page, per_page, request))
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHitResponse {
    pub id: i64,
    /// `result` or `need`.
    pub kind: String,
    pub title: String,
    /// HTML-escaped excerpt with matches in `<mark>…</mark>`.
    pub snippet: String,
    pub score: f32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    pub total: usize,
    pub hits: Vec<SearchHitResponse>,
    /// `kind`, `industry`, `field`, `maturity`, `region` (province level), `transfer_mode`,
    /// `status`: value → count over every match the caller may see.
    pub facets: std::collections::BTreeMap<String, Vec<FacetValue>>,
    pub page: u64,
    pub per_page: u64,
}

impl SearchResponse {
    pub fn new(results: techmatch_service::SearchResults, page: u64, per_page: u64) -> SearchResponse {
        SearchResponse {
            total: results.total,
            hits: results
                .hits
                .into_iter()
                .map(|hit| SearchHitResponse {
                    id: hit.id,
                    kind: hit.kind.as_str().to_owned(),
                    title: hit.title,
                    snippet: hit.snippet,
                    score: hit.score,
                })
                .collect(),
            facets: results
                .facets
                .into_iter()
                .map(|(name, values)| {
                    (name, values.into_iter().map(|(value, count)| FacetValue { value, count }).collect())
                })
                .collect(),
            page,
            per_page,
        }
    }
}

/// How many matches, and which listings may be matched (each filter narrows the listings
/// ranked, as search's filters do).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MatchQuery {
    /// 1–50 (default 20).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<usize>,
    /// A GB/T 4754 industry code the matched listings carry.
    pub industry: Option<String>,
    /// Discipline of matched results.
    pub field: Option<String>,
    /// Maturity of matched results (of needs: the minimum they ask for).
    pub maturity: Option<String>,
    /// A GB/T 2260 code at any level: matched listings inside it.
    pub region: Option<String>,
    /// A transfer mode of matched results (of needs: a cooperation mode they accept).
    pub transfer_mode: Option<String>,
    /// Only needs that are open challenges.
    pub challenge: Option<bool>,
}

impl MatchQuery {
    pub fn limit(&self) -> Result<usize, ApiError> {
        self.checked().map(|(limit, _)| limit)
    }

    /// The limit and the filters, every invalid value reported at once.
    pub fn checked(&self) -> Result<(usize, techmatch_service::SearchFilters), ApiError> {
        let mut errors = ValidationErrors::new();
        let limit = self.limit.unwrap_or(20);
        if !(1..=50).contains(&limit) {
            errors.push(FieldError::new("limit", "out_of_range", "must be between 1 and 50"));
        }
        let filters = AttributeFilters {
            industry: self.industry.as_deref(),
            field: self.field.as_deref(),
            maturity: self.maturity.as_deref(),
            region: self.region.as_deref(),
            transfer_mode: self.transfer_mode.as_deref(),
            challenge: self.challenge,
        }
        .parse(&mut errors);
        if errors.is_empty() { Ok((limit, filters)) } else { Err(ApiError::validation(errors.0)) }
    }
}

/// One feature's part in a pairing's score.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureContributionBody {
    /// `text`, `keywords`, `industry`, `maturity`, `budget`, `modes`, `region`, `freshness`,
    /// `feedback`.
    pub name: &'static str,
    pub label_en: &'static str,
    pub label_zh: &'static str,
    /// The feature's value in [0, 1].
    pub value: f64,
    /// Its normalised weight.
    pub weight: f64,
    /// weight × value; the contributions sum to the score.
    pub contribution: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchedTermBody {
    pub term: String,
    /// Where the term occurs in the matched listing: `title`, `keywords`, `body`.
    pub fields: Vec<&'static str>,
    /// For a term that came from the bilingual glossary, the words of the ranked listing it
    /// translates (e.g. `rolling bearing` for 滚动轴承); null for the listing's own words.
    pub translated_from: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchBody {
    pub id: i64,
    /// `result` or `need`.
    pub kind: &'static str,
    pub title: String,
    /// In [0, 1].
    pub score: f64,
    pub features: Vec<FeatureContributionBody>,
    pub matched_terms: Vec<MatchedTermBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchListResponse {
    pub items: Vec<MatchBody>,
}

pub fn match_body(
    id: i64,
    kind: &'static str,
    title: &str,
    explanation: techmatch_service::matching::Explanation,
) -> MatchBody {
    MatchBody {
        id,
        kind,
        title: title.to_owned(),
        score: explanation.score,
        features: explanation
            .contributions
            .into_iter()
            .map(|part| FeatureContributionBody {
                name: part.feature.name(),
                label_en: part.feature.label_en(),
                label_zh: part.feature.label_zh(),
                value: part.value,
                weight: part.weight,
                contribution: part.contribution,
            })
            .collect(),
        matched_terms: explanation
            .matched_terms
            .into_iter()
            .map(|term| MatchedTermBody { term: term.term, fields: term.fields, translated_from: term.translated_from })
            .collect(),
    }
}
