//! What the two listing kinds' wire formats share: IP items, challenges, list queries and their
//! paging. Both kinds' content is checked by the domain's one parser per kind.

use serde::{Deserialize, Deserializer, Serialize};
use techmatch_domain::access::can_see_listing_contact;
use techmatch_domain::industry::IndustryCode;
use techmatch_domain::listing::{ChallengeInput, IpItemInput, Keywords, LongText, Maturity, Title};
use techmatch_domain::{Actor, ContactInput, ContactPerson, FieldError, OrganizationId, RegionCode, ValidationErrors};
use techmatch_service::{ListingFilters, PageRequest};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`) in PATCH bodies.
pub(super) fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
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

impl IpItemBody {
    pub(super) fn input(&self) -> IpItemInput {
        IpItemInput { kind: self.kind.clone(), number: self.number.clone() }
    }
}

impl ChallengeBody {
    pub(super) fn input(&self) -> ChallengeInput {
        ChallengeInput { bounty_yuan: self.bounty_yuan, deadline: self.deadline.clone() }
    }
}

/// A listing's own contact person, when someone other than the organization's contact answers
/// for it. Seen by everyone who sees the listing when `public`; otherwise by the poster's
/// organization and staff, and by the other side once it accepts or is accepted.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    pub name: String,
    /// A mobile number, a landline with its area code, or a 400/800 number.
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Shown to everyone who sees the listing (never on a confidential need).
    #[serde(default)]
    pub public: bool,
}

impl ContactBody {
    pub(super) fn input(body: Option<&ContactBody>) -> ContactInput {
        body.map_or_else(ContactInput::default, |body| ContactInput {
            name: Some(body.name.clone()),
            phone: body.phone.clone(),
            email: body.email.clone(),
            public: body.public,
        })
    }

    /// The listing's contact as `viewer` may see it.
    pub(super) fn seen_by(
        contact: Option<ContactPerson>,
        viewer: Option<&Actor>,
        organization: OrganizationId,
    ) -> Option<ContactBody> {
        contact.filter(|contact| can_see_listing_contact(viewer, organization, contact.public)).map(|contact| {
            ContactBody {
                name: contact.name.as_str().to_owned(),
                phone: contact.phone.map(|phone| phone.as_str().to_owned()),
                email: contact.email.map(|email| email.as_str().to_owned()),
                public: contact.public,
            }
        })
    }
}

/// An update's contact: absent keeps it, `null` clears it, an object replaces it.
pub(super) fn parse_contact_change(
    errors: &mut ValidationErrors,
    change: Option<Option<&ContactBody>>,
) -> Option<Option<ContactPerson>> {
    change.and_then(|body| ContactPerson::parse_optional(&ContactBody::input(body), errors))
}

/// The text every listing has, as an update sends it: each part parsed only when sent.
pub(super) struct TextChanges {
    pub title: Option<Title>,
    pub body: Option<LongText>,
    pub keywords: Option<Keywords>,
}

/// Parses an update's title, body (named `body_field` on the wire) and keywords, in that order.
pub(super) fn parse_text_changes(
    errors: &mut ValidationErrors,
    title: Option<&str>,
    (body_field, body): (&str, Option<&str>),
    keywords: Option<&[String]>,
) -> TextChanges {
    TextChanges {
        title: title.and_then(|raw| errors.collect(Title::parse("title", raw))),
        body: body.and_then(|raw| errors.collect(LongText::parse(body_field, raw))),
        keywords: keywords.and_then(|raw| errors.collect(Keywords::parse("keywords", raw))),
    }
}
pub(super) fn finish<T>(errors: ValidationErrors, value: Option<T>) -> Result<T, ApiError> {
    match value {
        Some(value) if errors.is_empty() => Ok(value),
        _ => Err(ApiError::validation(errors.0)),
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

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArchiveQuery {
    /// The version the client last saw; without it the current version is archived.
    pub version: Option<i64>,
}
