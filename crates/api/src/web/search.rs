//! The search page: full-text search over what the visitor may see, with facets to narrow it
//! and the same search across languages offered when nothing was found.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use techmatch_domain::listing::ListingKind;
use techmatch_service::{SearchFilters, SearchRequest, ServiceError, Services};

use super::refusal::{PageError, PageResult};
use super::render::Language;
use super::session::Visit;

#[derive(Debug, Deserialize)]
pub struct SearchPageQuery {
    #[serde(default)]
    q: String,
    kind: Option<String>,
    industry: Option<String>,
    maturity: Option<String>,
    region: Option<String>,
    transfer_mode: Option<String>,
    field: Option<String>,
    status: Option<String>,
    /// The checkbox: present (any value) when ticked.
    cross_language: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

#[derive(Serialize)]
struct FacetValue {
    name: String,
    count: u64,
    href: String,
}

#[derive(Serialize)]
struct FacetGroup {
    label: String,
    values: Vec<FacetValue>,
}

#[derive(Serialize)]
struct HitCard {
    id: i64,
    path: &'static str,
    kind: String,
    title: String,
    snippet: String,
}

/// A facet value as the reader knows it: a translated code, a named industry or region.
fn facet_value_name(
    translations: Option<&BTreeMap<String, String>>,
    language: Language,
    facet: &str,
    value: &str,
) -> Option<String> {
    let code = if facet == "kind" { if value == "results" { "result" } else { "need" } } else { value };
    if let Some(text) = translations.and_then(|table| table.get(&format!("code_{code}"))) {
        return Some(text.clone());
    }
    match facet {
        "industry" => techmatch_domain::industry::IndustryCode::parse("industry", value).ok().map(|code| {
            let name = if language == Language::Chinese { code.name_zh() } else { code.name_en() };
            format!("{} {name}", code.as_str())
        }),
        "region" => {
            techmatch_domain::RegionCode::parse("region", value).ok().and_then(|code| code.name()).map(str::to_owned)
        }
        _ => None,
    }
}

pub(super) fn url_encode(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

pub async fn search(visit: Visit, services: web::Data<Services>, query: web::Query<SearchPageQuery>) -> PageResult {
    let query = query.into_inner();
    let _ = &query.lang;
    let kind = match query.kind.as_deref() {
        Some("results") => Some(ListingKind::Result),
        Some("needs") => Some(ListingKind::Need),
        _ => None,
    };
    let filters = SearchFilters {
        kind,
        industry: query.industry.clone(),
        field: query.field.clone(),
        maturity: query.maturity.clone(),
        region: query.region.clone(),
        transfer_mode: query.transfer_mode.clone(),
        status: query.status.clone(),
        open_challenges_only: false,
    };
    let cross_language = query.cross_language.is_some();
    let search_request = SearchRequest {
        query: query.q.chars().take(200).collect(),
        filters,
        offset: 0,
        limit: 20,
        with_facets: true,
        cross_language,
    };
    let found = match services.search.search(visit.actor.as_ref(), search_request).await {
        Ok(found) => found,
        Err(ServiceError::Validation(_)) => Default::default(),
        Err(error) => return Err(PageError::failed(&visit, error)),
    };
    let (result_label, need_label) = match visit.language {
        Language::Chinese => ("科研成果", "技术需求"),
        Language::English => ("Research result", "Technology need"),
    };
    let hits: Vec<HitCard> = found
        .hits
        .into_iter()
        .map(|hit| HitCard {
            id: hit.id,
            path: if hit.kind == ListingKind::Result { "results" } else { "needs" },
            kind: if hit.kind == ListingKind::Result { result_label } else { need_label }.to_owned(),
            title: hit.title,
            // The index escapes the text and adds only <mark> around matches.
            snippet: hit.snippet,
        })
        .collect();
    let translations = visit.translations();
    let label = |facet: &str| -> String {
        translations.and_then(|table| table.get(&format!("facet_{facet}")).cloned()).unwrap_or_else(|| facet.to_owned())
    };
    let base = format!("/search?q={}{}", url_encode(&query.q), if cross_language { "&cross_language=1" } else { "" });
    // Typed words that found nothing may be found in the other language: offer that search.
    let across_languages = (!cross_language && found.total == 0 && !query.q.trim().is_empty())
        .then(|| format!("/search?q={}&cross_language=1", url_encode(&query.q)));
    let facets: Vec<FacetGroup> = found
        .facets
        .into_iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(facet, values)| FacetGroup {
            label: label(&facet),
            values: values
                .into_iter()
                .take(10)
                .map(|(name, count)| {
                    let parameter = if facet == "kind" { "kind".to_owned() } else { facet.clone() };
                    let value = if facet == "kind" {
                        if name == "result" { "results".to_owned() } else { "needs".to_owned() }
                    } else {
                        name.trim_start_matches('/').rsplit('/').next().unwrap_or(&name).to_owned()
                    };
                    let name = facet_value_name(translations, visit.language, &facet, &value).unwrap_or(name);
                    FacetValue { href: format!("{base}&{parameter}={}", url_encode(&value)), name, count }
                })
                .collect(),
        })
        .collect();
    Ok(visit.render(
        StatusCode::OK,
        "search.html",
        minijinja::context! { query => query.q, total => found.total, hits, facets, cross_language, across_languages },
    ))
}
