//! Who is visiting a page: the session cookie (an HttpOnly `tm_session` holding the same access
//! token the API issues, so a page sees exactly what the API would show its user), the page
//! language and the CSRF token.
//!
//! Two extractors hand a page handler its visit, and only they: [`Visit`] for pages that read
//! (GET and HEAD, refusing any other method), and [`Posted`] for forms, which reads the body
//! and refuses it unless its `csrf` field is the token of this browser's `tm_csrf` nonce and
//! this session ([`FormTokens`]: an HMAC under a server key, so a planted cookie and field do
//! not pass). A form handler therefore cannot skip the check. Where cookies are Secure, the
//! session and nonce cookies carry the `__Host-` prefix, which browsers only accept from this
//! very host, over https, for the whole site.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use rand::Rng;
use rand::distr::Alphanumeric;
use techmatch_domain::Actor;
use techmatch_service::{FormTokens, Services};

use super::refusal::PageError;
use super::render::Language;
use crate::server::ApiSettings;

pub(super) const SESSION_COOKIE: &str = "tm_session";
pub(super) const CSRF_COOKIE: &str = "tm_csrf";
pub(super) const LANGUAGE_COOKIE: &str = "tm_lang";
const CSRF_NONCE_LENGTH: usize = 32;

/// Who is looking at a page, in which language, with which CSRF token.
#[derive(Debug, Clone)]
pub(super) struct Visit {
    pub(super) actor: Option<Actor>,
    pub(super) email: Option<String>,
    pub(super) language: Language,
    pub(super) language_chosen: bool,
    /// The token this visit's forms carry.
    pub(super) csrf: String,
    /// The browser's nonce, sent back as a cookie when it is new.
    pub(super) csrf_nonce: String,
    pub(super) csrf_is_new: bool,
    secure_cookies: bool,
}

/// A cookie's name: with the `__Host-` prefix where cookies are Secure (browsers refuse such a
/// cookie unless it is Secure, for path `/` and without a domain, so no other host can set it).
pub(super) fn cookie_name(name: &str, secure_cookies: bool) -> String {
    if secure_cookies { format!("__Host-{name}") } else { name.to_owned() }
}

impl Visit {
    async fn of(request: &HttpRequest) -> Visit {
        let (mut language, source) = super::render::language_of(request);
        let language_chosen = source == super::render::LanguageSource::Chosen;
        let secure_cookies =
            request.app_data::<web::Data<ApiSettings>>().is_some_and(|settings| settings.secure_cookies);
        let (csrf_nonce, csrf_is_new) = match request.cookie(&cookie_name(CSRF_COOKIE, secure_cookies)) {
            Some(cookie) if cookie.value().len() == CSRF_NONCE_LENGTH => (cookie.value().to_owned(), false),
            _ => (rand::rng().sample_iter(&Alphanumeric).take(CSRF_NONCE_LENGTH).map(char::from).collect(), true),
        };
        let mut actor = None;
        let mut email = None;
        // The session a form is bound to: the session cookie when it signs someone in.
        let mut session = String::new();
        if let Some(services) = request.app_data::<web::Data<Services>>()
            && let Some(cookie) = request.cookie(&cookie_name(SESSION_COOKIE, secure_cookies))
            && let Ok(found) = services.accounts.authenticate(cookie.value()).await
        {
            let account = services.accounts.me(&found).await.ok();
            // A language chosen on the pages is the account's: its notices and e-mails follow.
            if language_chosen
                && account.as_ref().is_some_and(|account| account.language != language)
                && let Err(error) = services.accounts.set_language(&found, language).await
            {
                tracing::warn!(user_id = %found.user_id, error = %error, "language choice not recorded");
            }
            // Without a choice on this browser, the account's own language.
            if source == super::render::LanguageSource::Guessed
                && let Some(account) = &account
            {
                language = account.language;
            }
            email = account.map(|account| account.email.as_str().to_owned());
            actor = Some(found);
            session = cookie.value().to_owned();
        }
        // Without the server's key no token can be made, and no form passes.
        let csrf = request
            .app_data::<web::Data<FormTokens>>()
            .map_or_else(String::new, |tokens| tokens.token(&csrf_nonce, &session));
        Visit { actor, email, language, language_chosen, csrf, csrf_nonce, csrf_is_new, secure_cookies }
    }

    /// The signed-in user, or the login page for a visitor.
    pub(super) fn signed_in(&self) -> Result<Actor, PageError> {
        self.actor.ok_or_else(|| PageError::sign_in_first(self))
    }

    /// A cookie of the pages: whole site, HttpOnly, Secure when configured.
    pub(super) fn cookie(&self, name: &str, value: String, same_site: SameSite) -> Cookie<'static> {
        Cookie::build(name.to_owned(), value)
            .path("/")
            .http_only(true)
            .same_site(same_site)
            .secure(self.secure_cookies)
            .finish()
    }

    /// The browser's CSRF nonce cookie (`__Host-` prefixed where cookies are Secure).
    pub(super) fn csrf_cookie(&self) -> Cookie<'static> {
        self.cookie(&cookie_name(CSRF_COOKIE, self.secure_cookies), self.csrf_nonce.clone(), SameSite::Strict)
    }

    /// The session cookie for a freshly issued token; it lasts as long as the token.
    pub(super) fn session_cookie(&self, issued: techmatch_service::IssuedToken) -> Cookie<'static> {
        let mut cookie =
            self.cookie(&cookie_name(SESSION_COOKIE, self.secure_cookies), issued.access_token, SameSite::Lax);
        cookie.set_max_age(actix_web::cookie::time::Duration::seconds(
            i64::try_from(issued.expires_in_seconds).unwrap_or(1800),
        ));
        cookie
    }

    /// The cookie that ends the session.
    pub(super) fn session_removal(&self) -> Cookie<'static> {
        let mut cookie = self.cookie(&cookie_name(SESSION_COOKIE, self.secure_cookies), String::new(), SameSite::Lax);
        cookie.make_removal();
        cookie
    }

    fn csrf_matches(&self, submitted: &str) -> bool {
        // A fresh nonce means the browser sent none: nothing to match.
        !self.csrf_is_new && !self.csrf.is_empty() && constant_time_equal(submitted.as_bytes(), self.csrf.as_bytes())
    }
}

fn constant_time_equal(left: &[u8], right: &[u8]) -> bool {
    left.len() == right.len() && left.iter().zip(right).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

impl FromRequest for Visit {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let visit = Visit::of(&request).await;
            if matches!(*request.method(), Method::GET | Method::HEAD) {
                Ok(visit)
            } else {
                // A page that changes something takes `Posted`, which checks the CSRF token.
                tracing::error!(path = request.path(), method = %request.method(), "a form handler read no Posted form");
                Err(PageError::forged_form(&visit).into())
            }
        })
    }
}

/// A submitted form whose CSRF token matched, with the visit that sent it. Repeated keys
/// (checkbox lists) are kept.
#[derive(Debug)]
pub(super) struct Posted {
    pub(super) visit: Visit,
    pairs: Vec<(String, String)>,
}

impl Posted {
    /// The first value of `name`, or "" when the form lacks it.
    pub(super) fn field(&self, name: &str) -> &str {
        self.pairs.iter().find(|(key, _)| key == name).map_or("", |(_, value)| value.as_str())
    }

    /// Every value of `name`, in the form's order.
    pub(super) fn values<'f>(&'f self, name: &'f str) -> impl Iterator<Item = &'f str> + 'f {
        self.pairs.iter().filter(move |(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// The form as sent, to fill it again beside its errors.
    pub(super) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The signed-in user who sent it, or the login page for a visitor.
    pub(super) fn actor(&self) -> Result<Actor, PageError> {
        self.visit.signed_in()
    }
}

impl FromRequest for Posted {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(request, payload);
        let request = request.clone();
        Box::pin(async move {
            let body = body.await?;
            let visit = Visit::of(&request).await;
            let pairs: Vec<(String, String)> =
                url::form_urlencoded::parse(&body).map(|(key, value)| (key.into_owned(), value.into_owned())).collect();
            let submitted = pairs.iter().find(|(key, _)| key == "csrf").map_or("", |(_, value)| value.as_str());
            if !visit.csrf_matches(submitted) {
                return Err(PageError::forged_form(&visit).into());
            }
            Ok(Posted { visit, pairs })
        })
    }
}

/// A redirect after a form (303, so the browser fetches the next page with GET).
pub(super) fn see_other(location: &str) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::SeeOther();
    response.insert_header((header::LOCATION, location.to_owned()));
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use actix_web::test::TestRequest;

    use super::*;

    #[actix_web::test]
    async fn a_visit_is_for_reading_pages_and_a_form_needs_its_token() {
        let read = TestRequest::get().uri("/").to_http_request();
        assert!(Visit::extract(&read).await.is_ok());
        let post = TestRequest::post().uri("/logout").to_http_request();
        let refused = Visit::extract(&post).await.expect_err("a visit refuses a POST");
        assert_eq!(refused.as_response_error().status_code(), actix_web::http::StatusCode::FORBIDDEN);

        let tokens = FormTokens::new(&techmatch_service::JwtSecret::new("a test secret that is long enough")).unwrap();
        let nonce = "a".repeat(CSRF_NONCE_LENGTH);
        let token = tokens.token(&nonce, "");
        let form = |body: String| {
            TestRequest::post()
                .uri("/logout")
                .app_data(web::Data::new(tokens.clone()))
                .cookie(Cookie::new(CSRF_COOKIE, nonce.clone()))
                .set_payload(body)
                .to_http_parts()
        };
        let (request, mut payload) = form(format!("csrf={token}&x=1&x=2"));
        let posted = Posted::from_request(&request, &mut payload).await.expect("the token matches");
        assert_eq!(posted.values("x").collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!(posted.field("missing"), "");
        let another_browser = tokens.token(&"b".repeat(CSRF_NONCE_LENGTH), "");
        // The nonce itself is what a planted cookie+field pair would send.
        for forged in [format!("csrf={nonce}"), format!("csrf={another_browser}"), "x=1".to_owned()] {
            let (request, mut payload) = form(forged);
            let refused = Posted::from_request(&request, &mut payload).await.expect_err("a forged form");
            assert_eq!(refused.as_response_error().status_code(), actix_web::http::StatusCode::FORBIDDEN);
        }
    }
}
