//! Technology needs and open challenges' applications on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use techmatch_domain::listing::{
    ChallengeApplication, LongText, Maturity, NeedContent, NeedInput, NeedStatus, TechNeed, parse_industry_codes,
    parse_optional_challenge, parse_optional_date, parse_optional_region, parse_transfer_modes,
};
use techmatch_domain::{Actor, OrganizationId, ValidationErrors};
use techmatch_service::{NeedChanges, NeedDraft, today};
use utoipa::ToSchema;

use super::listings::{ChallengeBody, ContactBody, finish, parse_contact_change, parse_text_changes, present};
use crate::error::ApiError;

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
    /// Who answers for this need, when not the organization's contact person (never public on
    /// a confidential need).
    pub contact: Option<ContactBody>,
    /// `open` (default), `in_talks`, `solved` or `closed`.
    pub status: Option<String>,
    /// Staff only: the company this is posted for.
    pub organization_id: Option<i64>,
}

impl CreateNeedRequest {
    pub fn into_draft(self) -> Result<NeedDraft, ApiError> {
        let input = NeedInput {
            challenge: self.challenge.as_ref().map(ChallengeBody::input),
            title: self.title,
            description: self.description,
            keywords: self.keywords,
            industry_codes: self.industry_codes,
            min_maturity: self.min_maturity,
            budget_min: self.budget_min,
            budget_max: self.budget_max,
            deadline: self.deadline,
            region_code: self.region_code,
            cooperation_modes: self.cooperation_modes,
            confidential: self.confidential,
            contact: ContactBody::input(self.contact.as_ref()),
        };
        let mut errors = ValidationErrors::new();
        let content = NeedContent::parse(&input, today(), &mut errors);
        let status = match self.status.as_deref() {
            None => Some(NeedStatus::Open),
            Some(raw) => errors.collect(NeedStatus::parse("status", raw)),
        };
        let organization_id = self.organization_id.map(OrganizationId);
        let draft = content.zip(status).map(|(content, status)| NeedDraft { content, status, organization_id });
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
    /// `null` clears the listing's own contact (the organization's answers again).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ContactBody>)]
    pub contact: Option<Option<ContactBody>>,
    /// `open`, `in_talks`, `solved`, `closed` or `archived`.
    pub status: Option<String>,
}

impl UpdateNeedRequest {
    pub fn into_changes(self) -> Result<(i64, NeedChanges), ApiError> {
        let mut errors = ValidationErrors::new();
        let mut changes = NeedChanges::default();
        let text = parse_text_changes(
            &mut errors,
            self.title.as_deref(),
            ("description", self.description.as_deref()),
            self.keywords.as_deref(),
        );
        (changes.title, changes.description, changes.keywords) = (text.title, text.body, text.keywords);
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
            changes.deadline = parse_optional_date(&mut errors, "deadline", raw.as_deref(), today());
        }
        if let Some(raw) = &self.region_code {
            changes.region_code = parse_optional_region(&mut errors, raw.as_deref());
        }
        if let Some(raw) = &self.cooperation_modes {
            changes.cooperation_modes = errors.collect(parse_transfer_modes("cooperation_modes", raw));
        }
        changes.confidential = self.confidential;
        if let Some(raw) = &self.challenge {
            changes.challenge =
                parse_optional_challenge(&mut errors, raw.as_ref().map(ChallengeBody::input).as_ref(), today());
        }
        changes.contact = parse_contact_change(&mut errors, self.contact.as_ref().map(Option::as_ref));
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
    /// The listing's own contact person: to everyone who sees the need when public, else to its
    /// organization and staff.
    pub contact: Option<ContactBody>,
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

impl NeedResponse {
    /// The need as `viewer` sees it.
    pub fn seen_by(need: TechNeed, viewer: Option<&Actor>) -> Self {
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
            contact: ContactBody::seen_by(content.contact, viewer, need.organization_id),
            organization_id: need.organization_id.0,
            owner_user_id: need.owner_user_id.0,
            language: need.language.as_str().to_owned(),
            status: need.status.as_str().to_owned(),
            created_at: need.created_at,
            updated_at: need.updated_at,
        }
    }
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
