//! Research results on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use techmatch_domain::listing::{
    Maturity, ResearchResult, ResultContent, ResultInput, ResultStatus, parse_industry_codes, parse_ip_items,
    parse_optional_region, parse_optional_text, parse_transfer_modes,
};
use techmatch_domain::{Actor, OrganizationId, ValidationErrors};
use techmatch_service::{ResultChanges, ResultDraft};
use utoipa::ToSchema;

use super::listings::{ContactBody, IpItemBody, finish, parse_contact_change, parse_text_changes, present};
use crate::error::ApiError;

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
    /// Who answers for this result, when not the organization's contact person.
    pub contact: Option<ContactBody>,
    /// `draft` (default) or `published`.
    pub status: Option<String>,
    /// Staff only: the institution this is posted for.
    pub organization_id: Option<i64>,
}

impl CreateResultRequest {
    pub fn into_draft(self) -> Result<ResultDraft, ApiError> {
        let input = ResultInput {
            ip_items: self.ip_items.iter().map(IpItemBody::input).collect(),
            title: self.title,
            abstract_text: self.abstract_text,
            keywords: self.keywords,
            field: self.field,
            industry_codes: self.industry_codes,
            maturity: self.maturity,
            transfer_modes: self.transfer_modes,
            asking_price_min: self.asking_price_min,
            asking_price_max: self.asking_price_max,
            institution: self.institution,
            region_code: self.region_code,
            contact: ContactBody::input(self.contact.as_ref()),
        };
        let mut errors = ValidationErrors::new();
        let content = ResultContent::parse(&input, &mut errors);
        let status = match self.status.as_deref() {
            None => Some(ResultStatus::Draft),
            Some(raw) => errors.collect(ResultStatus::parse("status", raw)),
        };
        let organization_id = self.organization_id.map(OrganizationId);
        let draft = content.zip(status).map(|(content, status)| ResultDraft { content, status, organization_id });
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
    /// `null` clears the listing's own contact (the organization's answers again).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ContactBody>)]
    pub contact: Option<Option<ContactBody>>,
    /// `draft`, `published` or `archived`.
    pub status: Option<String>,
}

impl UpdateResultRequest {
    pub fn into_changes(self) -> Result<(i64, ResultChanges), ApiError> {
        let mut errors = ValidationErrors::new();
        let mut changes = ResultChanges::default();
        let text = parse_text_changes(
            &mut errors,
            self.title.as_deref(),
            ("abstract", self.abstract_text.as_deref()),
            self.keywords.as_deref(),
        );
        (changes.title, changes.abstract_text, changes.keywords) = (text.title, text.body, text.keywords);
        if let Some(raw) = &self.field {
            changes.field = parse_optional_text(&mut errors, "field", raw.as_deref(), 100);
        }
        if let Some(raw) = &self.industry_codes {
            changes.industry_codes = errors.collect(parse_industry_codes("industry_codes", raw));
        }
        if let Some(raw) = &self.maturity {
            changes.maturity = errors.collect(Maturity::parse("maturity", raw));
        }
        if let Some(raw) = &self.ip_items {
            changes.ip_items = parse_ip_items(&mut errors, &raw.iter().map(IpItemBody::input).collect::<Vec<_>>());
        }
        if let Some(raw) = &self.transfer_modes {
            changes.transfer_modes = errors.collect(parse_transfer_modes("transfer_modes", raw));
        }
        changes.asking_price_min = self.asking_price_min;
        changes.asking_price_max = self.asking_price_max;
        if let Some(raw) = &self.institution {
            changes.institution = parse_optional_text(&mut errors, "institution", raw.as_deref(), 200);
        }
        if let Some(raw) = &self.region_code {
            changes.region_code = parse_optional_region(&mut errors, raw.as_deref());
        }
        changes.contact = parse_contact_change(&mut errors, self.contact.as_ref().map(Option::as_ref));
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
    /// The listing's own contact person: to everyone when public, else to its organization and
    /// staff.
    pub contact: Option<ContactBody>,
    pub organization_id: i64,
    pub owner_user_id: i64,
    /// `zh`, `en` or `mixed`, detected from the text.
    pub language: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ResultResponse {
    /// The result as `viewer` sees it.
    pub fn seen_by(result: ResearchResult, viewer: Option<&Actor>) -> Self {
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
            contact: ContactBody::seen_by(content.contact, viewer, result.organization_id),
            organization_id: result.organization_id.0,
            owner_user_id: result.owner_user_id.0,
            language: result.language.as_str().to_owned(),
            status: result.status.as_str().to_owned(),
            created_at: result.created_at,
            updated_at: result.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultListResponse {
    pub items: Vec<ResultResponse>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}
