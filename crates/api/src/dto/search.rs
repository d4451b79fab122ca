//! Search requests and answers, and the attribute filters that matching shares.

use serde::{Deserialize, Serialize};
use techmatch_domain::industry::IndustryCode;
use techmatch_domain::listing::{Maturity, NeedStatus, ResultStatus};
use techmatch_domain::{FieldError, RegionCode, ValidationErrors};
use utoipa::{IntoParams, ToSchema};

use super::listings::paging;
use crate::error::ApiError;

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
