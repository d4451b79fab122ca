//! Rendering: the templates and translation tables compiled into the binary, the page language,
//! and a visit's pages and messages in it.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use actix_web::cookie::SameSite;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::session::{LANGUAGE_COOKIE, Visit};

pub(crate) const PAGE_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const TEMPLATES: [(&str, &str); 23] = [
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
    ("deals.html", include_str!("../../web/templates/deals.html")),
    ("funnel.html", include_str!("../../web/templates/funnel.html")),
    ("organization.html", include_str!("../../web/templates/organization.html")),
    ("thread.html", include_str!("../../web/templates/thread.html")),
    ("introduce.html", include_str!("../../web/templates/introduce.html")),
];
const CHINESE: &str = include_str!("../../web/i18n/zh-CN.toml");
const ENGLISH: &str = include_str!("../../web/i18n/en.toml");

/// The page language: the interface languages of the domain.
pub use techmatch_domain::Language;

/// Where a page's language came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LanguageSource {
    /// `?lang=`: the page remembers the choice in a cookie (and on the account).
    Chosen,
    /// The cookie an earlier choice left.
    Remembered,
    /// Accept-Language, or Chinese: a signed-in account's own choice goes before it.
    Guessed,
}

/// `?lang=` first, then the cookie a switch left, then the first language of
/// Accept-Language we have, then Chinese.
pub(super) fn language_of(request: &HttpRequest) -> (Language, LanguageSource) {
    let query = web::Query::<BTreeMap<String, String>>::from_query(request.query_string())
        .ok()
        .and_then(|query| query.get("lang").and_then(|raw| Language::from_tag(raw)));
    if let Some(language) = query {
        return (language, LanguageSource::Chosen);
    }
    if let Some(language) = request.cookie(LANGUAGE_COOKIE).and_then(|cookie| Language::from_tag(cookie.value())) {
        return (language, LanguageSource::Remembered);
    }
    let accepted =
        request.headers().get(header::ACCEPT_LANGUAGE).and_then(|value| value.to_str().ok()).and_then(|value| {
            value.split(',').find_map(|part| Language::from_tag(part.split(';').next().unwrap_or("")))
        });
    (accepted.unwrap_or(Language::Chinese), LanguageSource::Guessed)
}

struct Pages {
    environment: minijinja::Environment<'static>,
    chinese: BTreeMap<String, String>,
    english: BTreeMap<String, String>,
}

impl Pages {
    fn translations(&self, language: Language) -> &BTreeMap<String, String> {
        match language {
            Language::Chinese => &self.chinese,
            Language::English => &self.english,
        }
    }
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
pub fn translation_keys() -> (Vec<String>, Vec<String>) {
    match pages() {
        Ok(pages) => (pages.chinese.keys().cloned().collect(), pages.english.keys().cloned().collect()),
        Err(_) => (Vec::new(), Vec::new()),
    }
}

/// The choices of every form's drop-down lists that lack a `code_<choice>` translation in
/// either language (the lists show translated names, never codes).
pub fn untranslated_choices() -> Vec<String> {
    let Ok(pages) = pages() else { return vec!["the translation tables do not load".to_owned()] };
    super::forms::choices()
        .into_iter()
        .filter(|choice| !choice.is_empty())
        .filter(|choice| {
            let key = format!("code_{choice}");
            !pages.chinese.contains_key(&key) || !pages.english.contains_key(&key)
        })
        .map(str::to_owned)
        .collect()
}

/// The signed-in user as the page header shows them.
#[derive(Serialize)]
struct SignedIn {
    email: String,
    staff: bool,
    admin: bool,
    /// Staff and brokers, who introduce pairs.
    introducer: bool,
}

impl Visit {
    /// Renders a template with the common context (language, translations, user, CSRF token).
    pub(super) fn render(&self, status: StatusCode, template: &str, values: minijinja::Value) -> HttpResponse {
        let rendered = pages().and_then(|pages| {
            let other = match self.language {
                Language::Chinese => "en",
                Language::English => "zh-CN",
            };
            let common = minijinja::context! {
                lang => self.language.code(),
                other_lang => other,
                t => pages.translations(self.language),
                csrf => &self.csrf,
                user => self.email.as_ref().map(|email| SignedIn {
                    email: email.clone(),
                    staff: self.actor.is_some_and(|actor| actor.role.is_staff()),
                    admin: self.actor.is_some_and(|actor| actor.role == techmatch_domain::Role::Admin),
                    introducer: self.actor.is_some_and(|actor| actor.role.introduces_pairs()),
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
                    response.cookie(self.csrf_cookie());
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

    /// A page with a heading and a sentence, both translation keys.
    pub(super) fn message(&self, status: StatusCode, heading_key: &str, text_key: &str) -> HttpResponse {
        let (heading, text) = (self.label(heading_key), self.label(text_key));
        self.render(status, "message.html", minijinja::context! { heading, text })
    }

    /// A translation in the page's language (empty when the key is unknown).
    pub(super) fn label(&self, key: &str) -> String {
        pages().ok().and_then(|pages| pages.translations(self.language).get(key).cloned()).unwrap_or_default()
    }

    /// An amount in yuan as the reader writes it: 12.0 万元, 120,000 yuan.
    pub(super) fn amount(&self, yuan: i64) -> String {
        match self.language {
            Language::Chinese => format!("{:.1} 万元", yuan as f64 / 10_000.0),
            Language::English => format!("{} yuan", techmatch_domain::grouped_thousands(yuan)),
        }
    }

    /// A month (`2026-12`) as the reader writes it: 2026年12月, December 2026.
    pub(super) fn month_name(&self, month: &str) -> String {
        use chrono::Datelike;
        match chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d") {
            Ok(first) if self.language == Language::English => first.format("%B %Y").to_string(),
            Ok(first) => format!("{}年{}月", first.year(), first.month()),
            Err(_) => month.to_owned(),
        }
    }

    /// A GB/T 4754 division by its name in the reader's language (`unclassified` and unknown
    /// codes by the label for listings without one).
    pub(super) fn industry_name(&self, code: &str) -> String {
        match techmatch_domain::industry::IndustryCode::parse("industry", code) {
            Ok(industry) => self.language.pick(industry.name_zh(), industry.name_en()).to_owned(),
            Err(_) => self.label("industry_unclassified"),
        }
    }

    /// A region's province by name in the reader's language (unknown ones by the label for that).
    pub(super) fn province_name(&self, code: &str) -> String {
        let region = techmatch_domain::RegionCode::from_trusted(code.to_owned());
        let name = match self.language {
            Language::English => region.province_name_en(),
            Language::Chinese => techmatch_domain::RegionCode::from_trusted(region.province()).name(),
        };
        name.map_or_else(|| self.label("region_unknown"), str::to_owned)
    }

    /// A field error in the page's language: `error_<code>` from the translation table, else
    /// the domain's own (English) message.
    pub(super) fn error_text(&self, code: &str, message: &str) -> String {
        let translated = self.label(&format!("error_{code}"));
        if translated.is_empty() { message.to_owned() } else { translated }
    }

    /// The translations of the page's language, for labels computed in a loop.
    pub(super) fn translations(&self) -> Option<&'static BTreeMap<String, String>> {
        pages().ok().map(|pages| pages.translations(self.language))
    }
}
