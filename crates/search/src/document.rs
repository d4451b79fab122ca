//! What the index stores of a listing, built from the domain types.

use techmatch_domain::listing::{ListingKind, NeedStatus, ResearchResult, ResultStatus, TechNeed};
use techmatch_domain::{Viewer, access};

/// One listing as indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingDocument {
    pub kind: ListingKind,
    pub id: i64,
    pub title: String,
    /// Abstract or problem description.
    pub body: String,
    pub keywords: Vec<String>,
    /// Discipline of a result.
    pub field: Option<String>,
    pub industry_codes: Vec<String>,
    /// Maturity of a result, minimum maturity of a need.
    pub maturity: Option<String>,
    pub region_code: Option<String>,
    /// Transfer modes of a result, wanted cooperation modes of a need.
    pub transfer_modes: Vec<String>,
    pub status: String,
    pub organization_id: i64,
    /// Visible to anonymous visitors (and so to everyone).
    pub public: bool,
    pub open_challenge: bool,
}

impl ListingDocument {
    pub fn from_result(result: &ResearchResult) -> ListingDocument {
        let content = &result.content;
        ListingDocument {
            kind: ListingKind::Result,
            id: result.id.0,
            title: content.title.as_str().to_owned(),
            body: content.abstract_text.as_str().to_owned(),
            keywords: content.keywords.as_slice().to_vec(),
            field: content.field.clone(),
            industry_codes: content.industry_codes.iter().map(|code| code.as_str().to_owned()).collect(),
            maturity: Some(content.maturity.as_str().to_owned()),
            region_code: content.region_code.as_ref().map(|code| code.as_str().to_owned()),
            transfer_modes: content.transfer_modes.iter().map(|mode| mode.as_str().to_owned()).collect(),
            status: result.status.as_str().to_owned(),
            organization_id: result.organization_id.0,
            // The same rule the API applies, asked for the least privileged viewer.
            public: access::can_view_result(Viewer::Anonymous, result.organization_id, result.status),
            open_challenge: false,
        }
    }

    pub fn from_need(need: &TechNeed) -> ListingDocument {
        let content = &need.content;
        ListingDocument {
            kind: ListingKind::Need,
            id: need.id.0,
            title: content.title.as_str().to_owned(),
            body: content.description.as_str().to_owned(),
            keywords: content.keywords.as_slice().to_vec(),
            field: None,
            industry_codes: content.industry_codes.iter().map(|code| code.as_str().to_owned()).collect(),
            maturity: content.min_maturity.map(|maturity| maturity.as_str().to_owned()),
            region_code: content.region_code.as_ref().map(|code| code.as_str().to_owned()),
            transfer_modes: content.cooperation_modes.iter().map(|mode| mode.as_str().to_owned()).collect(),
            status: need.status.as_str().to_owned(),
            organization_id: need.organization_id.0,
            public: access::can_view_need(Viewer::Anonymous, need.organization_id, need.status, content.confidential),
            open_challenge: content.challenge.is_some() && need.status == NeedStatus::Open,
        }
    }

    /// Whether the listing is withdrawn (left out of searches unless asked for).
    pub fn is_archived(&self) -> bool {
        self.status == ResultStatus::Archived.as_str() || self.status == NeedStatus::Archived.as_str()
    }
}

/// The unique key of a listing in the index, e.g. `result:42`.
pub fn listing_key(kind: ListingKind, id: i64) -> String {
    format!("{}:{id}", kind.as_str())
}
