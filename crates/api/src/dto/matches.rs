//! Ranked, explained matches on the wire.

use serde::{Deserialize, Serialize};
use techmatch_domain::{FieldError, ValidationErrors};
use utoipa::{IntoParams, ToSchema};

use super::search::AttributeFilters;
use crate::error::ApiError;

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
