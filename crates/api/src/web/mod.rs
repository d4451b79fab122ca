//! Server-rendered pages, in Chinese first and English second. Templates (minijinja), the
//! translation tables and the stylesheet are compiled into the binary: nothing comes from a
//! CDN, so the pages work on an intranet without internet.
//!
//! Sessions are an HttpOnly `tm_session` cookie holding the same access token the API issues
//! (SameSite=Lax; Secure when `server.secure_cookies` is on), so a page sees exactly what the
//! API would show its user. Every form carries a CSRF token that must equal the `tm_csrf`
//! cookie (double submit; the cookie is SameSite=Strict and HttpOnly), or the form is refused.

mod admin;
mod events;
mod listings;
mod roadshow;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};
use techmatch_domain::Actor;
use techmatch_domain::event::{EventId, EventStatus};
use techmatch_domain::listing::{ListingKind, NeedId, ResultId};
use techmatch_service::{ListingFilters, PageRequest, SearchFilters, SearchRequest, ServiceError, Services};

use crate::server::ApiSettings;

const SESSION_COOKIE: &str = "tm_session";
const CSRF_COOKIE: &str = "tm_csrf";
const LANGUAGE_COOKIE: &str = "tm_lang";
const PAGE_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const TEMPLATES: [(&str, &str); 18] = [
    ("roadshow.html", include_str!("../../web/templates/roadshow.html")),
    ("admin.html", include_str!("../../web/templates/admin.html")),
    ("grid.html", include_str!("../../web/templates/grid.html")),
    ("base.html", include_str!("../../web/templates/base.html")),
    ("home.html", include_str!("../../web/templates/home.html")),
    ("search.html", include_str!("../../web/templates/search.html")),
    ("listing.html", include_str!("../../web/templates/listing.html")),
    ("events.html", include_str!("../../web/templates/events.html")),
    ("event.html", include_str!("../../web/templates/event.html")),
    ("login.html", include_str!("../../web/templates/login.html")),
    ("message.html", include_str!("../../web/templates/message.html")),
    ("my.html", include_str!("../../web/templates/my.html")),
    ("matches.html", include_str!("../../web/templates/matches.html")),
    ("suggestions.html", include_str!("../../web/templates/suggestions.html")),
    ("listing_form.html", include_str!("../../web/templates/listing_form.html")),
    ("event_form.html", include_str!("../../web/templates/event_form.html")),
    ("stats.html", include_str!("../../web/templates/stats.html")),
    ("register.html", include_str!("../../web/templates/register.html")),
];
const CHINESE: &str = include_str!("../../web/i18n/zh-CN.toml");
const ENGLISH: &str = include_str!("../../web/i18n/en.toml");
const STYLESHEET: &str = include_str!("../../web/static/app.css");
const GRID_SCRIPT: &str = include_str!("../../web/static/grid.js");

/// The page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Chinese,
    English,
}

impl Language {
    fn code(self) -> &'static str {
        match self {
            Language::Chinese => "zh-CN",
            Language::English => "en",
        }
    }

    fn parse(raw: &str) -> Option<Language> {
        let raw = raw.trim().to_ascii_lowercase();
        if raw.starts_with("zh") {
            Some(Language::Chinese)
        } else if raw.starts_with("en") {
            Some(Language::English)
        } else {
            None
        }
    }

    /// `?lang=` first, then the cookie a switch left, then the first language of
    /// Accept-Language we have, then Chinese.
    fn of(request: &HttpRequest) -> (Language, bool) {
        let query = web::Query::<BTreeMap<String, String>>::from_query(request.query_string())
            .ok()
            .and_then(|query| query.get("lang").and_then(|raw| Language::parse(raw)));
        if let Some(language) = query {
            return (language, true);
        }
        if let Some(language) = request.cookie(LANGUAGE_COOKIE).and_then(|cookie| Language::parse(cookie.value())) {
            return (language, false);
        }
        let accepted =
            request.headers().get(header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok()).and_then(|value| {
                value.split(',').find_map(|part| Language::parse(part.split(';').next().unwrap_or("")))
            });
        (accepted.unwrap_or(Language::Chinese), false)
    }
}

struct Pages {
    environment: minijinja::Environment<'static>,
    chinese: BTreeMap<String, String>,
    english: BTreeMap<String, String>,
}

fn pages() -> Result<&'static Pages, String> {
    static PAGES: OnceLock<Result<Pages, String>> = OnceLock::new();
    PAGES
        .get_or_init(|| {
            let mut environment = minijinja::Environment::new();
            // A missing translation or value is a bug to see in tests, not an empty gap.
            environment.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
            for (name, source) in TEMPLATES {
                environment.add_template(name, source).map_err(|error| format!("template {name}: {error}"))?;
            }
            let chinese = toml::from_str(CHINESE).map_err(|error| format!("zh-CN.toml: {error}"))?;
            let english = toml::from_str(ENGLISH).map_err(|error| format!("en.toml: {error}"))?;
            Ok(Pages { environment, chinese, english })
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The translation keys of both languages; they must be the same (tested).
/// The choices of every form's drop-down lists that lack a `code_<choice>` translation in
/// either language (the lists show translated names, never codes).
pub fn untranslated_choices() -> Vec<String> {
    let mut choices: Vec<&str> = Vec::new();
    for fields in [&listings::RESULT_FIELDS[..], &listings::NEED_FIELDS[..], &REGISTER_FIELDS[..]] {
        choices.extend(fields.iter().flat_map(|(_, _, _, options)| options.iter().copied()));
    }
    choices.extend(events::EVENT_FIELDS.iter().flat_map(|(_, _, _, options, _)| options.iter().copied()));
    let Ok(pages) = pages() else { return vec!["the translation tables do not load".to_owned()] };
    choices
        .into_iter()
        .filter(|choice| !choice.is_empty())
        .filter(|choice| {
            let key = format!("code_{choice}");
            !pages.chinese.contains_key(&key) || !pages.english.contains_key(&key)
        })
        .map(str::to_owned)
        .collect()
}

pub fn translation_keys() -> (Vec<String>, Vec<String>) {
    match pages() {
        Ok(pages) => (pages.chinese.keys().cloned().collect(), pages.english.keys().cloned().collect()),
        Err(_) => (Vec::new(), Vec::new()),
    }
}

#[derive(Serialize)]
struct SignedIn {
    email: String,
    staff: bool,
    admin: bool,
}

/// Who is looking at a page, in which language, with which CSRF token.
struct Visit {
    actor: Option<Actor>,
    email: Option<String>,
    language: Language,
    language_chosen: bool,
    csrf: String,
    csrf_is_new: bool,
    secure_cookies: bool,
}

async fn visit(request: &HttpRequest, services: &Services) -> Visit {
    let (language, language_chosen) = Language::of(request);
    let secure_cookies = request.app_data::<web::Data<ApiSettings>>().is_some_and(|settings| settings.secure_cookies);
    let (csrf, csrf_is_new) = match request.cookie(CSRF_COOKIE) {
        Some(cookie) if cookie.value().len() == 32 => (cookie.value().to_owned(), false),
        _ => (rand::rng().sample_iter(&Alphanumeric).take(32).map(char::from).collect(), true),
    };
    let mut actor = None;
    let mut email = None;
    if let Some(cookie) = request.cookie(SESSION_COOKIE)
        && let Ok(found) = services.accounts.authenticate(cookie.value()).await
    {
        email = services.accounts.me(&found).await.ok().map(|account| account.email.as_str().to_owned());
        actor = Some(found);
    }
    Visit { actor, email, language, language_chosen, csrf, csrf_is_new, secure_cookies }
}

impl Visit {
    fn cookie<'c>(&self, name: &'c str, value: String, same_site: SameSite) -> Cookie<'c> {
        Cookie::build(name, value).path("/").http_only(true).same_site(same_site).secure(self.secure_cookies).finish()
    }

    /// Renders a template with the common context (language, translations, user, CSRF token).
    fn render(&self, status: StatusCode, template: &str, values: minijinja::Value) -> HttpResponse {
        let rendered = pages().and_then(|pages| {
            let translations = match self.language {
                Language::Chinese => &pages.chinese,
                Language::English => &pages.english,
            };
            let other = match self.language {
                Language::Chinese => "en",
                Language::English => "zh-CN",
            };
            let common = minijinja::context! {
                lang => self.language.code(),
                other_lang => other,
                t => translations,
                csrf => &self.csrf,
                user => self.email.as_ref().map(|email| SignedIn {
                    email: email.clone(),
                    staff: self.actor.is_some_and(|actor| actor.role.is_staff()),
                    admin: self.actor.is_some_and(|actor| actor.role == techmatch_domain::Role::Admin),
                }),
            };
            pages
                .environment
                .get_template(template)
                .and_then(|template| template.render(minijinja::context! { ..common, ..values }))
                .map_err(|error| format!("rendering {template}: {error:#}"))
        });
        match rendered {
            Ok(html) => {
                let mut response = HttpResponse::build(status);
                response
                    .content_type("text/html; charset=utf-8")
                    .insert_header(("Content-Security-Policy", PAGE_SECURITY_POLICY))
                    .insert_header((header::CACHE_CONTROL, "no-store"));
                if self.csrf_is_new {
                    response.cookie(self.cookie(CSRF_COOKIE, self.csrf.clone(), SameSite::Strict));
                }
                if self.language_chosen {
                    let mut cookie = self.cookie(LANGUAGE_COOKIE, self.language.code().to_owned(), SameSite::Lax);
                    cookie.set_max_age(actix_web::cookie::time::Duration::days(365));
                    response.cookie(cookie);
                }
                response.body(html)
            }
            Err(error) => {
                tracing::error!(template, error = %error, "page rendering failed");
                HttpResponse::InternalServerError().content_type("text/plain; charset=utf-8").body("internal error")
            }
        }
    }

    fn message(&self, status: StatusCode, heading_key: &str, text_key: &str) -> HttpResponse {
        let (heading, text) = match pages() {
            Ok(pages) => {
                let table = if self.language == Language::Chinese { &pages.chinese } else { &pages.english };
                (table.get(heading_key).cloned().unwrap_or_default(), table.get(text_key).cloned().unwrap_or_default())
            }
            Err(_) => (String::new(), String::new()),
        };
        self.render(status, "message.html", minijinja::context! { heading, text })
    }

    /// A page for a service error: the same refusals as the API, as pages.
    fn failure(&self, error: &ServiceError) -> HttpResponse {
        match error {
            ServiceError::NotFound(_) | ServiceError::Forbidden | ServiceError::Unauthenticated => {
                self.message(StatusCode::NOT_FOUND, "not_found_title", "not_found_text")
            }
            other => {
                tracing::error!(error = %other, "page failed");
                self.message(StatusCode::INTERNAL_SERVER_ERROR, "error_title", "error_text")
            }
        }
    }

    /// The session cookie for a freshly issued token; it lasts as long as the token.
    fn session_cookie(&self, issued: techmatch_service::IssuedToken) -> Cookie<'static> {
        let mut cookie = self.cookie(SESSION_COOKIE, issued.access_token, SameSite::Lax);
        cookie.set_max_age(actix_web::cookie::time::Duration::seconds(
            i64::try_from(issued.expires_in_seconds).unwrap_or(1800),
        ));
        cookie
    }

    fn csrf_matches(&self, submitted: &str) -> bool {
        // A fresh token means the browser sent none: nothing to match.
        !self.csrf_is_new && constant_time_equal(submitted.as_bytes(), self.csrf.as_bytes())
    }
}

fn constant_time_equal(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len() && left.iter().zip(right).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[derive(Serialize)]
struct ListingCard {
    id: i64,
    title: String,
    meta: String,
}

#[derive(Serialize)]
struct EventCard {
    id: i64,
    title: String,
    date: String,
    status: String,
}

fn event_card(event: techmatch_domain::event::Event) -> EventCard {
    EventCard {
        id: event.id.0,
        title: event.content.title.as_str().to_owned(),
        date: event.content.timetable.date.to_string(),
        status: event.status.as_str().to_owned(),
    }
}

pub async fn home(request: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let actor = visit.actor.as_ref();
    let page = PageRequest { offset: 0, limit: 6 };
    let published = ListingFilters { status: Some("published".into()), ..ListingFilters::default() };
    let results = services.listings.list_results(actor, published, page).await;
    let needs = services.listings.list_needs(actor, ListingFilters::default(), page).await;
    let events = services.events.list(actor, page).await;
    let (results, needs, events) = match (results, needs, events) {
        (Ok(results), Ok(needs), Ok(events)) => (results, needs, events),
        (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => return visit.failure(&error),
    };
    let counts = minijinja::context! { results => results.total, needs => needs.total, events => events.total };
    let results: Vec<ListingCard> = results
        .items
        .into_iter()
        .map(|result| ListingCard {
            id: result.id.0,
            title: result.content.title.as_str().to_owned(),
            meta: result.content.institution.clone().unwrap_or_default(),
        })
        .collect();
    let needs: Vec<ListingCard> = needs
        .items
        .into_iter()
        .map(|need| ListingCard {
            id: need.id.0,
            title: need.content.title.as_str().to_owned(),
            meta: need.content.industry_codes.iter().map(|code| code.name_zh()).collect::<Vec<_>>().join("、"),
        })
        .collect();
    let events: Vec<EventCard> = events
        .items
        .into_iter()
        .filter(|event| matches!(event.status, EventStatus::Open | EventStatus::Scheduled))
        .map(event_card)
        .collect();
    visit.render(StatusCode::OK, "home.html", minijinja::context! { counts, results, needs, events })
}

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

fn url_encode(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

pub async fn search(
    request: HttpRequest,
    services: web::Data<Services>,
    query: web::Query<SearchPageQuery>,
) -> HttpResponse {
    let visit = visit(&request, &services).await;
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
        Err(error) => return visit.failure(&error),
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
    let translations =
        pages().ok().map(|pages| if visit.language == Language::Chinese { &pages.chinese } else { &pages.english });
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
    visit.render(
        StatusCode::OK,
        "search.html",
        minijinja::context! { query => query.q, total => found.total, hits, facets, cross_language, across_languages },
    )
}

#[derive(Serialize)]
struct Fact {
    label: String,
    value: String,
}

#[derive(Serialize)]
struct ListingPage {
    kind: String,
    title: String,
    body_label: String,
    body: String,
    confidential: bool,
    facts: Vec<Fact>,
    /// Links for the owner and staff: edit and the ranked matches.
    edit_path: Option<String>,
    matches_path: Option<String>,
}

#[derive(Serialize)]
struct ApplicationCard {
    id: i64,
    proposal: String,
    status: String,
    created: String,
}

/// An open challenge on its need's page: who may apply, and the applications for reviewers.
#[derive(Serialize)]
struct ChallengePanel {
    id: i64,
    can_apply: bool,
    applications: Option<Vec<ApplicationCard>>,
}

#[derive(Deserialize)]
pub struct ListingQuery {
    notice: Option<String>,
    code: Option<String>,
    #[allow(dead_code)]
    lang: Option<String>,
}

/// The page's message after a form: done, or the refusal's reason in the page language.
fn form_notice(visit: &Visit, notice: Option<&str>, code: Option<&str>) -> Option<String> {
    match (notice, code) {
        (Some("done"), _) => Some(label(visit, "notice_done")),
        (Some("failed"), Some(code)) if code.chars().all(|c| c.is_ascii_lowercase() || c == '_') => {
            Some(label(visit, &format!("error_{code}"))).filter(|text| !text.is_empty())
        }
        (Some("failed"), _) => Some(label(visit, "notice_failed")),
        _ => None,
    }
}

/// The stable code of a refusal, for the page's message.
fn refusal_code(error: &ServiceError) -> &'static str {
    match error {
        ServiceError::Conflict { code, .. } => code.as_str(),
        ServiceError::Validation(errors) => errors.0.first().map_or("validation_failed", |first| first.code),
        ServiceError::NotFound(_) => "not_found",
        _ => "failed",
    }
}

/// Back to `page` after a form: `?notice=done`, or `?notice=failed&code=…` naming the refusal
/// so that the page can say why in its own language.
fn back_to(page: &str, outcome: Result<(), &str>) -> HttpResponse {
    match outcome {
        Ok(()) => see_other(&format!("{page}?notice=done")).finish(),
        Err(code) => see_other(&format!("{page}?notice=failed&code={code}")).finish(),
    }
}

/// `back_to` for a use case's outcome; the refusal is logged.
fn back_after(page: &str, outcome: Result<(), ServiceError>) -> HttpResponse {
    back_to(
        page,
        outcome.map_err(|error| {
            tracing::info!(page, error = %error, "form refused");
            refusal_code(&error)
        }),
    )
}

fn owner_links(visit: &Visit, owner: techmatch_domain::UserId, path: &str) -> (Option<String>, Option<String>) {
    match &visit.actor {
        Some(actor) if techmatch_domain::access::can_edit_listing(actor, owner) => {
            (Some(format!("{path}/edit")), Some(format!("{path}/matches")))
        }
        _ => (None, None),
    }
}

fn label(visit: &Visit, key: &str) -> String {
    pages()
        .ok()
        .and_then(|pages| {
            if visit.language == Language::Chinese { &pages.chinese } else { &pages.english }.get(key).cloned()
        })
        .unwrap_or_default()
}

fn money(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(min), Some(max)) => format!("{min} – {max}"),
        (Some(min), None) => format!("≥ {min}"),
        (None, Some(max)) => format!("≤ {max}"),
        (None, None) => String::new(),
    }
}

pub async fn result_page(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    query: web::Query<ListingQuery>,
) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let result = match services.listings.get_result(visit.actor.as_ref(), ResultId(path.into_inner())).await {
        Ok(result) => result,
        Err(error) => return visit.failure(&error),
    };
    let content = &result.content;
    let mut facts = vec![
        Fact { label: label(&visit, "keywords"), value: content.keywords.as_slice().join("、") },
        Fact { label: label(&visit, "maturity"), value: label(&visit, &format!("code_{}", content.maturity.as_str())) },
        Fact {
            label: label(&visit, "industry"),
            value: content
                .industry_codes
                .iter()
                .map(|code| format!("{} {}", code.as_str(), code.name_zh()))
                .collect::<Vec<_>>()
                .join("、"),
        },
    ];
    let price = money(content.asking_price.min, content.asking_price.max);
    if !price.is_empty() {
        facts.push(Fact { label: label(&visit, "asking_price"), value: price });
    }
    if let Some(region) = &content.region_code {
        facts.push(Fact { label: label(&visit, "region"), value: region.name().unwrap_or(region.as_str()).to_owned() });
    }
    let (edit_path, matches_path) = owner_links(&visit, result.owner_user_id, &format!("/results/{}", result.id.0));
    facts.push(Fact {
        label: label(&visit, "status_label"),
        value: label(&visit, &format!("code_{}", result.status.as_str())),
    });
    let listing = ListingPage {
        kind: label(&visit, "kind_result"),
        title: content.title.as_str().to_owned(),
        body_label: label(&visit, "abstract"),
        body: content.abstract_text.as_str().to_owned(),
        confidential: false,
        facts,
        edit_path,
        matches_path,
    };
    let notice = form_notice(&visit, query.notice.as_deref(), query.code.as_deref());
    visit.render(
        StatusCode::OK,
        "listing.html",
        minijinja::context! { listing, notice, challenge => None::<ChallengePanel> },
    )
}

pub async fn need_page(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    query: web::Query<ListingQuery>,
) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let need = match services.listings.get_need(visit.actor.as_ref(), NeedId(path.into_inner())).await {
        Ok(need) => need,
        Err(error) => return visit.failure(&error),
    };
    let content = &need.content;
    let mut facts = vec![
        Fact { label: label(&visit, "keywords"), value: content.keywords.as_slice().join("、") },
        Fact {
            label: label(&visit, "industry"),
            value: content
                .industry_codes
                .iter()
                .map(|code| format!("{} {}", code.as_str(), code.name_zh()))
                .collect::<Vec<_>>()
                .join("、"),
        },
    ];
    let budget = money(content.budget.min, content.budget.max);
    if !budget.is_empty() {
        facts.push(Fact { label: label(&visit, "budget"), value: budget });
    }
    if let Some(deadline) = content.deadline {
        facts.push(Fact { label: label(&visit, "deadline"), value: deadline.to_string() });
    }
    if let Some(challenge) = &content.challenge {
        facts.push(Fact { label: label(&visit, "bounty"), value: challenge.bounty_yuan.to_string() });
    }
    let (edit_path, matches_path) = owner_links(&visit, need.owner_user_id, &format!("/needs/{}", need.id.0));
    facts.push(Fact {
        label: label(&visit, "status_label"),
        value: label(&visit, &format!("code_{}", need.status.as_str())),
    });
    let challenge = match (&content.challenge, &visit.actor) {
        (Some(_), Some(actor)) => {
            let reviewer = techmatch_domain::access::can_review_applications(actor, need.organization_id);
            let applications = if reviewer {
                match services.listings.list_applications(actor, need.id).await {
                    Ok(found) => Some(
                        found
                            .into_iter()
                            .map(|application| ApplicationCard {
                                id: application.id.0,
                                proposal: application.proposal.as_str().to_owned(),
                                status: application.status.as_str().to_owned(),
                                created: application.created_at.format("%Y-%m-%d").to_string(),
                            })
                            .collect(),
                    ),
                    Err(error) => return visit.failure(&error),
                }
            } else {
                None
            };
            let can_apply =
                techmatch_domain::authorize(Some(actor), techmatch_domain::Action::ApplyToChallenge).is_ok();
            Some(ChallengePanel { id: need.id.0, can_apply, applications })
        }
        _ => None,
    };
    let listing = ListingPage {
        kind: label(&visit, if content.challenge.is_some() { "challenge" } else { "kind_need" }),
        title: content.title.as_str().to_owned(),
        body_label: label(&visit, "description"),
        body: content.description.as_str().to_owned(),
        confidential: content.confidential,
        facts,
        edit_path,
        matches_path,
    };
    let notice = form_notice(&visit, query.notice.as_deref(), query.code.as_deref());
    visit.render(StatusCode::OK, "listing.html", minijinja::context! { listing, challenge, notice })
}

pub async fn login_form(request: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    let visit = visit(&request, &services).await;
    visit.render(StatusCode::OK, "login.html", minijinja::context! { failed => false, email => "" })
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

fn see_other(location: &str) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::SeeOther();
    response.insert_header((header::LOCATION, location.to_owned()));
    response
}

pub async fn login(request: HttpRequest, services: web::Data<Services>, form: web::Form<LoginForm>) -> HttpResponse {
    let visit = visit(&request, &services).await;
    if !visit.csrf_matches(&form.csrf) {
        return visit.message(StatusCode::FORBIDDEN, "forbidden_title", "forbidden_text");
    }
    let client = request.peer_addr().map(|address| address.ip().to_string()).unwrap_or_default();
    match services.accounts.login(&form.email, &form.password, &client).await {
        Ok(issued) => {
            let cookie = visit.session_cookie(issued);
            see_other("/").cookie(cookie).finish()
        }
        Err(ServiceError::InvalidCredentials | ServiceError::AccountDisabled | ServiceError::Validation(_)) => visit
            .render(
                StatusCode::UNAUTHORIZED,
                "login.html",
                minijinja::context! { failed => true, email => form.email.clone() },
            ),
        Err(ServiceError::RateLimited { .. }) => visit.render(
            StatusCode::TOO_MANY_REQUESTS,
            "login.html",
            minijinja::context! { failed => true, email => "" },
        ),
        Err(error) => visit.failure(&error),
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(request: HttpRequest, services: web::Data<Services>, form: web::Form<CsrfForm>) -> HttpResponse {
    let visit = visit(&request, &services).await;
    if !visit.csrf_matches(&form.csrf) {
        return visit.message(StatusCode::FORBIDDEN, "forbidden_title", "forbidden_text");
    }
    if let Some(actor) = &visit.actor
        && let Err(error) = services.accounts.logout(actor).await
    {
        return visit.failure(&error);
    }
    let mut cookie = visit.cookie(SESSION_COOKIE, String::new(), SameSite::Lax);
    cookie.make_removal();
    see_other("/").cookie(cookie).finish()
}

/// Pages that need a signed-in user send visitors to the login form.
fn to_login() -> HttpResponse {
    see_other("/login").finish()
}

#[derive(Serialize)]
struct OwnListing {
    id: i64,
    path: &'static str,
    title: String,
    status: String,
    confidential: bool,
    challenge: bool,
}

/// The signed-in user's workspace: their organization's listings with links to their matches;
/// staff get the suggestion queue and events.
#[derive(Serialize)]
struct MyEventCard {
    id: i64,
    title: String,
    date: String,
    event_status: String,
    registration: String,
    meetings: usize,
}

#[derive(Serialize)]
struct NoticeLine {
    message: String,
    at: String,
    unread: bool,
}

pub async fn my_page(request: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let Some(actor) = visit.actor else { return to_login() };
    let staff = actor.role.is_staff();
    let page = PageRequest { offset: 0, limit: 100 };
    let (listings, heading) = match actor.role {
        techmatch_domain::Role::Researcher => {
            let filters = ListingFilters { organization_id: actor.organization_id, ..ListingFilters::default() };
            match services.listings.list_results(Some(&actor), filters, page).await {
                Ok(found) => (
                    Some(
                        found
                            .items
                            .into_iter()
                            .map(|result| OwnListing {
                                id: result.id.0,
                                path: "results",
                                title: result.content.title.as_str().to_owned(),
                                status: result.status.as_str().to_owned(),
                                confidential: false,
                                challenge: false,
                            })
                            .collect::<Vec<_>>(),
                    ),
                    label(&visit, "my_results"),
                ),
                Err(error) => return visit.failure(&error),
            }
        }
        techmatch_domain::Role::Company => {
            let filters = ListingFilters { organization_id: actor.organization_id, ..ListingFilters::default() };
            match services.listings.list_needs(Some(&actor), filters, page).await {
                Ok(found) => (
                    Some(
                        found
                            .items
                            .into_iter()
                            .map(|need| OwnListing {
                                id: need.id.0,
                                path: "needs",
                                title: need.content.title.as_str().to_owned(),
                                status: need.status.as_str().to_owned(),
                                confidential: need.content.confidential,
                                challenge: need.content.challenge.is_some(),
                            })
                            .collect::<Vec<_>>(),
                    ),
                    label(&visit, "my_needs"),
                ),
                Err(error) => return visit.failure(&error),
            }
        }
        _ => (None, String::new()),
    };
    let my_events: Vec<MyEventCard> = match services.events.my_events(&actor).await {
        Ok(found) => found
            .into_iter()
            .map(|mine| MyEventCard {
                id: mine.event.id.0,
                title: mine.event.content.title.as_str().to_owned(),
                date: mine.event.content.timetable.date.to_string(),
                event_status: mine.event.status.as_str().to_owned(),
                registration: mine.participant.status.as_str().to_owned(),
                meetings: mine.meetings,
            })
            .collect(),
        Err(error) => return visit.failure(&error),
    };
    let notifications: Vec<NoticeLine> = match services.events.notifications(&actor).await {
        Ok(found) => found
            .into_iter()
            .take(20)
            .map(|notice| NoticeLine {
                message: notice.message,
                at: notice
                    .created_at
                    .with_timezone(&techmatch_service::events::china_time())
                    .format("%m-%d %H:%M")
                    .to_string(),
                unread: notice.read_at.is_none(),
            })
            .collect(),
        Err(error) => return visit.failure(&error),
    };
    let (new_listing_path, new_listing_label, export_kind) = match actor.role {
        techmatch_domain::Role::Company => ("/my/needs/new", label(&visit, "new_need"), "needs"),
        _ => ("/my/results/new", label(&visit, "new_result"), "results"),
    };
    visit.render(
        StatusCode::OK,
        "my.html",
        minijinja::context! {
            staff, listings, listings_heading => heading, new_listing_path, new_listing_label, export_kind,
            my_events, notifications
        },
    )
}

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
    title: String,
    score: String,
    features: Vec<FeatureRow>,
    terms: String,
}

fn explanation_rows(
    visit: &Visit,
    explanation: &techmatch_service::matching::Explanation,
) -> (Vec<FeatureRow>, String) {
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

fn match_card(
    visit: &Visit,
    id: i64,
    path: &'static str,
    title: &str,
    explanation: &techmatch_service::matching::Explanation,
) -> MatchCard {
    let (features, terms) = explanation_rows(visit, explanation);
    MatchCard { id, path, title: title.to_owned(), score: format!("{:.2}", explanation.score), features, terms }
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
        let mut errors = techmatch_domain::ValidationErrors::new();
        let filters = crate::dto::search::AttributeFilters {
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

/// A need's matching results, explained (its company and staff; others see "not found", as
/// the API refuses them).
pub async fn need_matches_page(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    query: web::Query<MatchPageQuery>,
) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let Some(actor) = visit.actor else { return to_login() };
    let need_id = NeedId(path.into_inner());
    let subject = match services.listings.get_need(Some(&actor), need_id).await {
        Ok(need) => need.content.title.as_str().to_owned(),
        Err(error) => return visit.failure(&error),
    };
    let (filters, invalid) = query.filters();
    let matches = match services.matches.matches_for_need_within(&actor, need_id, 20, &filters).await {
        Ok(matches) => matches,
        Err(error) => return visit.failure(&error),
    };
    let matches: Vec<MatchCard> = matches
        .iter()
        .map(|found| {
            match_card(&visit, found.result.id.0, "results", found.result.content.title.as_str(), &found.explanation)
        })
        .collect();
    let maturities = MatchPageQuery::MATURITIES;
    let chosen = query.into_inner();
    let invalid: Vec<String> = invalid.iter().map(|field| label(&visit, &format!("facet_{field}"))).collect();
    visit.render(StatusCode::OK, "matches.html", minijinja::context! { subject, matches, chosen, maturities, invalid })
}

/// A result's matching needs, explained (its institution and staff).
pub async fn result_matches_page(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    query: web::Query<MatchPageQuery>,
) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let Some(actor) = visit.actor else { return to_login() };
    let result_id = ResultId(path.into_inner());
    let subject = match services.listings.get_result(Some(&actor), result_id).await {
        Ok(result) => result.content.title.as_str().to_owned(),
        Err(error) => return visit.failure(&error),
    };
    let (filters, invalid) = query.filters();
    let matches = match services.matches.matches_for_result_within(&actor, result_id, 20, &filters).await {
        Ok(matches) => matches,
        Err(error) => return visit.failure(&error),
    };
    let matches: Vec<MatchCard> = matches
        .iter()
        .map(|found| {
            match_card(&visit, found.need.id.0, "needs", found.need.content.title.as_str(), &found.explanation)
        })
        .collect();
    let maturities = MatchPageQuery::MATURITIES;
    let chosen = query.into_inner();
    let invalid: Vec<String> = invalid.iter().map(|field| label(&visit, &format!("facet_{field}"))).collect();
    visit.render(StatusCode::OK, "matches.html", minijinja::context! { subject, matches, chosen, maturities, invalid })
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
    lang: Option<String>,
}

/// The liaison officers' queue, with a shortlist/reject form per pair.
pub async fn suggestions_page(
    request: HttpRequest,
    services: web::Data<Services>,
    query: web::Query<SuggestionPageQuery>,
) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let Some(actor) = visit.actor else { return to_login() };
    let _ = &query.lang;
    let suggestions = match services.matches.suggestions(&actor, 30).await {
        Ok((suggestions, _)) => suggestions,
        Err(error) => return visit.failure(&error),
    };
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
    visit.render(
        StatusCode::OK,
        "suggestions.html",
        minijinja::context! { suggestions, decided => query.decided.is_some() },
    )
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    need_id: i64,
    result_id: i64,
    decision: String,
    #[serde(default)]
    note: String,
}

pub async fn decide(
    request: HttpRequest,
    services: web::Data<Services>,
    form: web::Form<DecisionForm>,
) -> HttpResponse {
    let visit = visit(&request, &services).await;
    if !visit.csrf_matches(&form.csrf) {
        return visit.message(StatusCode::FORBIDDEN, "forbidden_title", "forbidden_text");
    }
    let Some(actor) = visit.actor else { return to_login() };
    let Ok(decision) = techmatch_domain::listing::MatchDecision::parse("decision", &form.decision) else {
        return visit.message(StatusCode::UNPROCESSABLE_ENTITY, "error_title", "error_text");
    };
    let note: String = form.note.trim().chars().take(2000).collect();
    let note = (!note.is_empty()).then_some(note);
    match services.matches.decide(&actor, NeedId(form.need_id), ResultId(form.result_id), decision, note).await {
        Ok(_) => see_other("/suggestions?decided=1").finish(),
        Err(error) => visit.failure(&error),
    }
}

#[derive(Serialize)]
struct Choice {
    id: i64,
    title: String,
}

#[derive(Serialize)]
struct FormInput {
    name: &'static str,
    label: String,
    kind: &'static str,
    value: String,
    options: Vec<&'static str>,
    error: Option<String>,
}

/// The registration form's fields: (name, label key, input kind, choices).
const REGISTER_FIELDS: [(&str, &str, &str, &[&str]); 8] = [
    ("email", "email", "email", &[]),
    ("password", "password", "password", &[]),
    ("display_name", "display_name", "text", &[]),
    ("role", "role_label", "select", &["researcher", "company"]),
    ("organization.name", "organization_name", "text", &[]),
    (
        "organization.kind",
        "organization_kind",
        "select",
        &["university", "institute", "company", "agency", "incubator"],
    ),
    ("organization.region_code", "region_code_label", "text", &[]),
    ("organization.join_code", "join_code", "text", &[]),
];

fn register_page(visit: &Visit, values: &[(String, String)], errors: &[(String, String, String)]) -> HttpResponse {
    let inputs: Vec<FormInput> = REGISTER_FIELDS
        .iter()
        .map(|(name, label_key, kind, options)| FormInput {
            name,
            label: label(visit, label_key),
            kind,
            // A password is never sent back.
            value: if *name == "password" {
                String::new()
            } else {
                values.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone()).unwrap_or_default()
            },
            options: options.to_vec(),
            error: errors
                .iter()
                .filter(|(field, _, _)| field == name || (*name == "organization.name" && field == "organization"))
                .map(|(_, code, message)| error_text(visit, code, message))
                .next(),
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    visit.render(status, "register.html", minijinja::context! { inputs, errors => !errors.is_empty() })
}

pub async fn register_form_page(request: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    let visit = visit(&request, &services).await;
    register_page(&visit, &[], &[])
}

/// Registers a researcher or company user (founding or joining an organization) with the
/// API's own checks, then signs them in.
pub async fn register_account(request: HttpRequest, services: web::Data<Services>, body: web::Bytes) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let pairs = form_pairs(&body);
    if !visit.csrf_matches(field(&pairs, "csrf")) {
        return visit.message(StatusCode::FORBIDDEN, "forbidden_title", "forbidden_text");
    }
    let joining = !field(&pairs, "organization.join_code").trim().is_empty();
    let organization = if joining {
        crate::dto::accounts::OrganizationInput {
            name: None,
            kind: None,
            region_code: None,
            join_code: optional(field(&pairs, "organization.join_code")),
        }
    } else {
        crate::dto::accounts::OrganizationInput {
            name: optional(field(&pairs, "organization.name")),
            kind: optional(field(&pairs, "organization.kind")),
            region_code: optional(field(&pairs, "organization.region_code")),
            join_code: None,
        }
    };
    let registration = crate::dto::accounts::RegisterRequest {
        email: field(&pairs, "email").to_owned(),
        password: field(&pairs, "password").to_owned(),
        display_name: field(&pairs, "display_name").to_owned(),
        role: field(&pairs, "role").to_owned(),
        organization,
    }
    .into_registration();
    let registration = match registration {
        Ok(registration) => registration,
        Err(error) => return register_page(&visit, &pairs, &error.field_messages()),
    };
    let created = match services.accounts.register(registration).await {
        Ok(created) => created,
        Err(ServiceError::Validation(found)) => {
            let errors: Vec<(String, String, String)> =
                found.0.into_iter().map(|error| (error.field, error.code.to_owned(), error.message)).collect();
            return register_page(&visit, &pairs, &errors);
        }
        Err(ServiceError::Conflict { code, message }) => {
            let field_name =
                if code == techmatch_service::ConflictCode::EmailTaken { "email" } else { "organization.name" };
            return register_page(&visit, &pairs, &[(field_name.to_owned(), code.as_str().to_owned(), message)]);
        }
        Err(error) => return visit.failure(&error),
    };
    let client = request.peer_addr().map(|address| address.ip().to_string()).unwrap_or_default();
    match services.accounts.login(created.account.email.as_str(), field(&pairs, "password"), &client).await {
        Ok(issued) => {
            let cookie = visit.session_cookie(issued);
            see_other("/my").cookie(cookie).finish()
        }
        Err(_) => see_other("/login").finish(),
    }
}

/// A field error in the page's language: `error_<code>` from the translation table, else the
/// domain's own (English) message.
fn error_text(visit: &Visit, code: &str, message: &str) -> String {
    let translated = label(visit, &format!("error_{code}"));
    if translated.is_empty() { message.to_owned() } else { translated }
}

fn list_value(raw: &str) -> Vec<String> {
    raw.split([',', '，', '、', ';', '；']).map(str::trim).filter(|part| !part.is_empty()).map(str::to_owned).collect()
}

fn number(raw: &str) -> Result<Option<i64>, ()> {
    let raw = raw.trim();
    if raw.is_empty() { Ok(None) } else { raw.parse().map(Some).map_err(|_| ()) }
}

fn optional(raw: &str) -> Option<String> {
    Some(raw.trim().to_owned()).filter(|value| !value.is_empty())
}

/// The common start of a signed-in form: the CSRF token must match and a session must be
/// there. The error is the page to answer (403, or the login page).
async fn signed_in_form(
    request: &HttpRequest,
    services: &Services,
    body: &[u8],
) -> Result<(Visit, Actor, Vec<(String, String)>), HttpResponse> {
    let visit = visit(request, services).await;
    let pairs = form_pairs(body);
    if !visit.csrf_matches(field(&pairs, "csrf")) {
        return Err(visit.message(StatusCode::FORBIDDEN, "forbidden_title", "forbidden_text"));
    }
    match visit.actor {
        Some(actor) => Ok((visit, actor, pairs)),
        None => Err(to_login()),
    }
}

/// A form body with repeated keys (checkbox lists), after its CSRF token was checked.
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).map(|(key, value)| (key.into_owned(), value.into_owned())).collect()
}

fn field<'f>(pairs: &'f [(String, String)], name: &str) -> &'f str {
    pairs.iter().find(|(key, _)| key == name).map_or("", |(_, value)| value.as_str())
}

pub async fn grid_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(GRID_SCRIPT)
}

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLESHEET)
}

/// The page routes, outside the API's OpenAPI document.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(home))
        .route("/search", web::get().to(search))
        .route("/results/{id}", web::get().to(result_page))
        .route("/needs/{id}", web::get().to(need_page))
        .route("/events", web::get().to(events::events_page))
        // Before `/events/{id}`, which would take "new" for an id.
        .route("/events/new", web::get().to(events::new_event_form))
        .route("/events/new", web::post().to(events::create_event_form))
        .route("/events/{id}", web::get().to(events::event_page))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/register", web::get().to(register_form_page))
        .route("/register", web::post().to(register_account))
        .route("/my", web::get().to(my_page))
        .route("/my/results/new", web::get().to(listings::new_result_form))
        .route("/my/results/new", web::post().to(listings::create_result_form))
        .route("/my/needs/new", web::get().to(listings::new_need_form))
        .route("/my/needs/new", web::post().to(listings::create_need_form))
        .route("/results/{id}/edit", web::get().to(listings::edit_result_form))
        .route("/needs/{id}/edit", web::get().to(listings::edit_need_form))
        .route("/{kind}/{id}/edit", web::post().to(listings::save_listing))
        .route("/{kind}/{id}/archive", web::post().to(listings::archive_listing))
        .route("/needs/{id}/apply", web::post().to(listings::apply_form))
        .route("/needs/{id}/applications/{application}/shortlist", web::post().to(listings::shortlist_form))
        .route("/needs/{id}/matches", web::get().to(need_matches_page))
        .route("/results/{id}/matches", web::get().to(result_matches_page))
        .route("/suggestions", web::get().to(suggestions_page))
        .route("/suggestions/decide", web::post().to(decide))
        .route("/events/{id}/open", web::post().to(events::open_event_form))
        .route("/events/{id}/grid", web::get().to(events::grid_page))
        .route("/events/{id}/roadshow", web::get().to(roadshow::roadshow_page))
        .route("/events/{id}/roadshow", web::post().to(roadshow::confirm_form))
        .route("/events/{id}/grid/move", web::post().to(events::grid_move_form))
        .route("/events/{id}/schedule.{format}", web::get().to(events::schedule_download))
        .route("/static/grid.js", web::get().to(grid_script))
        .route("/stats", web::get().to(events::stats_page))
        .route("/export/{kind}.{format}", web::get().to(listings::export_download))
        .route("/admin", web::get().to(admin::admin_users))
        .route("/admin/users", web::post().to(admin::create_user_form))
        .route("/admin/users/{id}/activation", web::post().to(admin::activation_form))
        .route("/events/{id}/register", web::post().to(events::register_form))
        .route("/events/{id}/participants/{participant}/decision", web::post().to(events::decision_form))
        .route("/events/{id}/request", web::post().to(events::request_form))
        .route("/events/{id}/schedule", web::post().to(events::schedule_form))
        .route("/events/{id}/agenda.ics", web::get().to(events::agenda_page))
        .route("/meeting-requests/{id}/answer", web::post().to(events::answer_form))
        .route("/meetings/{id}/outcome", web::post().to(events::outcome_form))
        .route("/static/app.css", web::get().to(stylesheet));
}
