//! Matches as pages: a listing's ranked, explained matches with filters, the liaison officers'
//! suggestion queue and their decisions on it.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use techmatch_domain::ValidationErrors;
use techmatch_domain::listing::{ListingKind, MatchDecision, NeedId, ResultId};
use techmatch_service::matching::{Explanation, NeedMatch, ResultMatch};
use techmatch_service::{SearchFilters, Services};

use super::refusal::{OrPage, PageError, PageResult};
use super::render::Language;
use super::session::{Posted, Visit, see_other};
use crate::dto::search::AttributeFilters;

#[derive(Serialize)]
struct FeatureRow {
    label: String,
    value: String,
    contribution: String,
}

#[derive(Serialize)]
struct MatchCard {
    id: i64,
    path: &'static str,
    /// The pair's two listings, for an introduction from the card.
    result_id: i64,
    need_id: i64,
    title: String,
    score: String,
    features: Vec<FeatureRow>,
    terms: String,
}

fn explanation_rows(visit: &Visit, explanation: &Explanation) -> (Vec<FeatureRow>, String) {
    let rows = explanation
        .contributions
        .iter()
        .map(|part| FeatureRow {
            label: if visit.language == Language::Chinese { part.feature.label_zh() } else { part.feature.label_en() }
                .to_owned(),
            value: format!("{:.2}", part.value),
            contribution: format!("{:.3}", part.contribution),
        })
        .collect();
    // A translated term shows the words it came from: 滚动轴承 (rolling bearing).
    let terms = explanation
        .matched_terms
        .iter()
        .map(|term| match &term.translated_from {
            Some(source) => format!("{} ({source})", term.term),
            None => term.term.clone(),
        })
        .collect::<Vec<_>>()
        .join("、");
    (rows, terms)
}

/// The card of the match `id` (a listing at `path`) for the listing `subject` of the other kind.
fn match_card(
    visit: &Visit,
    (id, path): (i64, &'static str),
    subject: i64,
    title: &str,
    explanation: &Explanation,
) -> MatchCard {
    let (features, terms) = explanation_rows(visit, explanation);
    let (result_id, need_id) = if path == "results" { (id, subject) } else { (subject, id) };
    MatchCard {
        id,
        path,
        result_id,
        need_id,
        title: title.to_owned(),
        score: format!("{:.2}", explanation.score),
        features,
        terms,
    }
}

/// The filters of a match page, as its form sends them (blank fields filter nothing).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct MatchPageQuery {
    #[serde(default)]
    industry: String,
    #[serde(default)]
    maturity: String,
    #[serde(default)]
    region: String,
}

impl MatchPageQuery {
    /// The maturity stages the form offers (blank: any).
    const MATURITIES: [&'static str; 6] = ["", "lab", "prototype", "pilot", "small_batch", "mass_production"];

    /// The form's filters checked as the API checks them, and the names of the fields whose
    /// values were not valid (left out of the filters and named on the page, rather than
    /// silently finding nothing).
    fn filters(&self) -> (SearchFilters, Vec<String>) {
        fn given(value: &str) -> Option<&str> {
            Some(value.trim()).filter(|value| !value.is_empty())
        }
        let mut errors = ValidationErrors::new();
        let filters = AttributeFilters {
            industry: given(&self.industry),
            field: None,
            maturity: given(&self.maturity),
            region: given(&self.region),
            transfer_mode: None,
            challenge: None,
        }
        .parse(&mut errors);
        (filters, errors.0.into_iter().map(|error| error.field).collect())
    }
}

/// A match page: the listing matched, its best matches explained, and the filters' form with
/// any value it could not use named.
fn matches_page(
    visit: &Visit,
    subject: String,
    matches: Vec<MatchCard>,
    chosen: MatchPageQuery,
    invalid: &[String],
) -> HttpResponse {
    let maturities = MatchPageQuery::MATURITIES;
    let invalid: Vec<String> = invalid.iter().map(|field| visit.label(&format!("facet_{field}"))).collect();
    visit.render(StatusCode::OK, "matches.html", minijinja::context! { subject, matches, chosen, maturities, invalid })
}

/// How many matches a match page shows.
const MATCHES_SHOWN: usize = 20;

/// A need's matching results, explained (its company and staff; others see "not found", as
/// the API refuses them).
pub async fn need_matches_page(
    visit: Visit,
    services: web::Data<Services>,
    path: web::Path<i64>,
    query: web::Query<MatchPageQuery>,
) -> PageResult {
    listing_matches_page(visit, &services, ListingKind::Need, path.into_inner(), query.into_inner()).await
}

/// A result's matching needs, explained (its institution and staff).
pub async fn result_matches_page(
    visit: Visit,
    services: web::Data<Services>,
    path: web::Path<i64>,
    query: web::Query<MatchPageQuery>,
) -> PageResult {
    listing_matches_page(visit, &services, ListingKind::Result, path.into_inner(), query.into_inner()).await
}

/// The match page of either kind: the listing's title and its matches of the other kind as
/// cards; only the two service calls differ.
async fn listing_matches_page(
    visit: Visit,
    services: &Services,
    kind: ListingKind,
    id: i64,
    query: MatchPageQuery,
) -> PageResult {
    let actor = visit.signed_in()?;
    let (filters, invalid) = query.filters();
    let (subject, cards) = match kind {
        ListingKind::Need => {
            let need = services.listings.get_need(Some(&actor), NeedId(id)).await.or_page(&visit)?;
            let found = services.matches.matches_for_need_within(&actor, need.id, MATCHES_SHOWN, &filters);
            let cards = found.await.or_page(&visit)?.iter().map(|found| found.card(&visit, id)).collect();
            (need.content.title.as_str().to_owned(), cards)
        }
        ListingKind::Result => {
            let result = services.listings.get_result(Some(&actor), ResultId(id)).await.or_page(&visit)?;
            let found = services.matches.matches_for_result_within(&actor, result.id, MATCHES_SHOWN, &filters);
            let cards = found.await.or_page(&visit)?.iter().map(|found| found.card(&visit, id)).collect();
            (result.content.title.as_str().to_owned(), cards)
        }
    };
    Ok(matches_page(&visit, subject, cards, query, &invalid))
}

/// A match as its page's card: the matched listing of the other kind, and why.
trait MatchAsCard {
    fn card(&self, visit: &Visit, subject: i64) -> MatchCard;
}

impl MatchAsCard for ResultMatch {
    fn card(&self, visit: &Visit, subject: i64) -> MatchCard {
        let title = self.result.content.title.as_str();
        match_card(visit, (self.result.id.0, "results"), subject, title, &self.explanation)
    }
}

impl MatchAsCard for NeedMatch {
    fn card(&self, visit: &Visit, subject: i64) -> MatchCard {
        let title = self.need.content.title.as_str();
        match_card(visit, (self.need.id.0, "needs"), subject, title, &self.explanation)
    }
}

#[derive(Serialize)]
struct SuggestionCard {
    need_id: i64,
    need_title: String,
    result_id: i64,
    result_title: String,
    score: String,
    terms: String,
}

#[derive(Debug, Deserialize)]
pub struct SuggestionPageQuery {
    #[serde(default)]
    decided: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    lang: Option<String>,
}

/// The liaison officers' queue, with a shortlist/reject form per pair.
pub async fn suggestions_page(
    visit: Visit,
    services: web::Data<Services>,
    query: web::Query<SuggestionPageQuery>,
) -> PageResult {
    let actor = visit.signed_in()?;
    let (suggestions, _) = services.matches.suggestions(&actor, 30).await.or_page(&visit)?;
    let suggestions: Vec<SuggestionCard> = suggestions
        .iter()
        .map(|suggestion| SuggestionCard {
            need_id: suggestion.need.id.0,
            need_title: suggestion.need.content.title.as_str().to_owned(),
            result_id: suggestion.result.id.0,
            result_title: suggestion.result.content.title.as_str().to_owned(),
            score: format!("{:.2}", suggestion.explanation.score),
            terms: explanation_rows(&visit, &suggestion.explanation).1,
        })
        .collect();
    Ok(visit.render(
        StatusCode::OK,
        "suggestions.html",
        minijinja::context! { suggestions, decided => query.decided.is_some() },
    ))
}

/// An officer shortlists or rejects a suggested pair, with a note.
pub async fn decide(services: web::Data<Services>, form: Posted) -> PageResult {
    let visit = &form.visit;
    let actor = form.actor()?;
    let (Ok(need_id), Ok(result_id)) = (form.field("need_id").parse(), form.field("result_id").parse()) else {
        return Err(PageError::message(visit, StatusCode::UNPROCESSABLE_ENTITY, "error_title", "error_text"));
    };
    let Ok(decision) = MatchDecision::parse("decision", form.field("decision")) else {
        return Err(PageError::message(visit, StatusCode::UNPROCESSABLE_ENTITY, "error_title", "error_text"));
    };
    let note: String = form.field("note").trim().chars().take(2000).collect();
    let note = (!note.is_empty()).then_some(note);
    services.matches.decide(&actor, NeedId(need_id), ResultId(result_id), decision, note).await.or_page(visit)?;
    Ok(see_other("/suggestions?decided=1").finish())
}
