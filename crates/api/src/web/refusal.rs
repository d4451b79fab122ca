//! When a page cannot be shown, and what a form tells its page afterwards.
//!
//! Page handlers return [`PageResult`]; a failed use case becomes the page that says why with
//! `.or_page(&visit)?` ([`OrPage`]), in the visitor's language, with the same refusals as the
//! API (a listing one may not see is "not found", as there). Forms answer with a redirect back
//! to their page, which names the outcome in its own language ([`back_after`],
//! [`form_notice`]).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use techmatch_service::ServiceError;

use super::session::{Visit, see_other};

pub(super) type PageResult = Result<HttpResponse, PageError>;

/// A page answered instead of the one asked for (boxed: a visit is large, and a page's result
/// is passed around on every step that can fail).
#[derive(Debug)]
pub(super) struct PageError(Box<Answer>);

#[derive(Debug)]
struct Answer {
    visit: Visit,
    refusal: Refusal,
}

#[derive(Debug)]
enum Refusal {
    /// A use case refused or failed.
    Failed(ServiceError),
    /// A form without the visit's CSRF token.
    ForgedForm,
    /// A page for signed-in users, asked by a visitor: the login form.
    SignIn,
    /// A page of a heading and a sentence (translation keys).
    Message { status: StatusCode, heading: &'static str, text: &'static str },
}

impl PageError {
    pub(super) fn failed(visit: &Visit, error: ServiceError) -> PageError {
        PageError(Box::new(Answer { visit: visit.clone(), refusal: Refusal::Failed(error) }))
    }

    pub(super) fn forged_form(visit: &Visit) -> PageError {
        PageError(Box::new(Answer { visit: visit.clone(), refusal: Refusal::ForgedForm }))
    }

    pub(super) fn sign_in_first(visit: &Visit) -> PageError {
        PageError(Box::new(Answer { visit: visit.clone(), refusal: Refusal::SignIn }))
    }

    pub(super) fn message(visit: &Visit, status: StatusCode, heading: &'static str, text: &'static str) -> PageError {
        PageError(Box::new(Answer { visit: visit.clone(), refusal: Refusal::Message { status, heading, text } }))
    }

    /// The not-found page, as for a listing one may not see.
    pub(super) fn not_found(visit: &Visit) -> PageError {
        PageError::failed(visit, ServiceError::NotFound("page"))
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0.refusal {
            Refusal::Failed(error) => write!(formatter, "page failed: {error}"),
            Refusal::ForgedForm => formatter.write_str("form without its csrf token"),
            Refusal::SignIn => formatter.write_str("sign in first"),
            Refusal::Message { heading, .. } => write!(formatter, "page answered with {heading}"),
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match &self.0.refusal {
            Refusal::Failed(error) => failure_status(error),
            Refusal::ForgedForm => StatusCode::FORBIDDEN,
            Refusal::SignIn => StatusCode::SEE_OTHER,
            Refusal::Message { status, .. } => *status,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let visit = &self.0.visit;
        match &self.0.refusal {
            Refusal::Failed(error) => {
                if failure_status(error).is_server_error() {
                    tracing::error!(error = %error, "page failed");
                    visit.message(StatusCode::INTERNAL_SERVER_ERROR, "error_title", "error_text")
                } else {
                    visit.message(StatusCode::NOT_FOUND, "not_found_title", "not_found_text")
                }
            }
            Refusal::ForgedForm => visit.message(StatusCode::FORBIDDEN, "forbidden_title", "forbidden_text"),
            Refusal::SignIn => see_other("/login").finish(),
            Refusal::Message { status, heading, text } => visit.message(*status, heading, text),
        }
    }
}

/// A refusal the API answers with 401, 403 or 404 is "not found" on a page; anything else is
/// the error page.
fn failure_status(error: &ServiceError) -> StatusCode {
    match error {
        ServiceError::NotFound(_) | ServiceError::Forbidden | ServiceError::Unauthenticated => StatusCode::NOT_FOUND,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A use case's outcome, or the page that says why it failed.
pub(super) trait OrPage<T> {
    fn or_page(self, visit: &Visit) -> Result<T, PageError>;
}

impl<T> OrPage<T> for Result<T, ServiceError> {
    fn or_page(self, visit: &Visit) -> Result<T, PageError> {
        self.map_err(|error| PageError::failed(visit, error))
    }
}

/// The page's message after a form: done, or the refusal's reason in the page language.
pub(super) fn form_notice(visit: &Visit, notice: Option<&str>, code: Option<&str>) -> Option<String> {
    match (notice, code) {
        (Some("done"), _) => Some(visit.label("notice_done")),
        (Some("failed"), Some(code)) if code.chars().all(|c| c.is_ascii_lowercase() || c == '_') => {
            // A refusal the pages have no sentence for still says that it was refused.
            Some(visit.label(&format!("error_{code}")))
                .filter(|text| !text.is_empty())
                .or_else(|| Some(visit.label("notice_failed")))
        }
        (Some("failed"), _) => Some(visit.label("notice_failed")),
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
pub(super) fn back_to(page: &str, outcome: Result<(), &str>) -> HttpResponse {
    match outcome {
        Ok(()) => see_other(&format!("{page}?notice=done")).finish(),
        Err(code) => see_other(&format!("{page}?notice=failed&code={code}")).finish(),
    }
}

/// `back_to` for a use case's outcome; the refusal is logged.
pub(super) fn back_after(page: &str, outcome: Result<(), ServiceError>) -> HttpResponse {
    back_to(
        page,
        outcome.map_err(|error| {
            tracing::info!(page, error = %error, "form refused");
            refusal_code(&error)
        }),
    )
}
