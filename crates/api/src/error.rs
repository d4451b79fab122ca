//! The one error type at the HTTP edge. Every failure leaves as
//! `{"error": {"code": "stable_snake_case", "message": "…"}}` with a fitting status.

use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use techmatch_domain::FieldError;
use techmatch_service::{ConflictCode, ServiceError};
use utoipa::ToSchema;

/// Body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `validation_failed`, `invalid_token`.
    pub code: String,
    /// Lowercase explanation for people.
    pub message: String,
    /// Field-level problems, for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldErrorBody>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl From<FieldError> for FieldErrorBody {
    fn from(error: FieldError) -> Self {
        FieldErrorBody { field: error.field, code: error.code.to_owned(), message: error.message }
    }
}

/// Every code the API answers an error with, and its HTTP status: the one table of them.
/// Clients (and the pages' translations) key on the names, which never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    // The request itself
    ValidationFailed,
    MalformedJson,
    InvalidBody,
    UnknownField,
    PayloadTooLarge,
    UnsupportedMediaType,
    InvalidQuery,
    InvalidPath,
    RequestTimeout,
    BadRequest,
    // Who asks
    Unauthenticated,
    InvalidToken,
    InvalidCredentials,
    Forbidden,
    AccountDisabled,
    RateLimited,
    // What is asked for
    NotFound,
    MethodNotAllowed,
    Conflict(ConflictCode),
    // The service
    Timeout,
    Busy,
    ServiceUnavailable,
    InternalError,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::MalformedJson
            | ErrorCode::InvalidBody
            | ErrorCode::UnknownField
            | ErrorCode::InvalidQuery
            | ErrorCode::InvalidPath
            | ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ErrorCode::Unauthenticated | ErrorCode::InvalidToken | ErrorCode::InvalidCredentials => {
                StatusCode::UNAUTHORIZED
            }
            ErrorCode::Forbidden | ErrorCode::AccountDisabled => StatusCode::FORBIDDEN,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Conflict(_) => StatusCode::CONFLICT,
            ErrorCode::Timeout | ErrorCode::Busy | ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::InvalidBody => "invalid_body",
            ErrorCode::UnknownField => "unknown_field",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidPath => "invalid_path",
            ErrorCode::RequestTimeout => "request_timeout",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::AccountDisabled => "account_disabled",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Conflict(conflict) => conflict.as_str(),
            ErrorCode::Timeout => "timeout",
            ErrorCode::Busy => "busy",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::InternalError => "internal_error",
        }
    }
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    details: Vec<FieldErrorBody>,
    retry_after: Option<Duration>,
}

impl ApiError {
    /// (field, code, message) of a validation failure (empty otherwise): the pages show them
    /// beside the fields, translated by code.
    pub fn field_messages(&self) -> Vec<(String, String, String)> {
        self.details.iter().map(|detail| (detail.field.clone(), detail.code.clone(), detail.message.clone())).collect()
    }

    /// An error of `code`, answered with the code's status.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { status: code.status(), code, message: message.into(), details: Vec::new(), retry_after: None }
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        ApiError {
            details: errors.into_iter().map(FieldErrorBody::from).collect(),
            ..ApiError::new(ErrorCode::ValidationFailed, "the request has invalid fields")
        }
    }

    pub fn not_found() -> ApiError {
        ApiError::new(ErrorCode::NotFound, "no such resource")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.code.as_str(), self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let mut response = HttpResponse::build(self.status);
        if let Some(retry_after) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, retry_after.as_secs().max(1).to_string()));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str().to_owned(),
                message: self.message.clone(),
                details: self.details.clone(),
            },
        })
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Validation(errors) => ApiError::validation(errors.0),
            ServiceError::InvalidCredentials => {
                ApiError::new(ErrorCode::InvalidCredentials, "e-mail address or password is wrong")
            }
            ServiceError::InvalidToken => {
                ApiError::new(ErrorCode::InvalidToken, "the access token is expired, revoked or invalid; log in again")
            }
            ServiceError::Unauthenticated => {
                ApiError::new(ErrorCode::Unauthenticated, "this route needs a bearer token")
            }
            ServiceError::Forbidden => ApiError::new(ErrorCode::Forbidden, "this account is not allowed to do that"),
            ServiceError::AccountDisabled => ApiError::new(ErrorCode::AccountDisabled, "this account is deactivated"),
            ServiceError::NotFound(what) => ApiError::new(ErrorCode::NotFound, format!("{what} not found")),
            ServiceError::Conflict { code, message } => ApiError::new(ErrorCode::Conflict(code), message),
            ServiceError::RateLimited { retry_after } => ApiError {
                retry_after: Some(retry_after),
                ..ApiError::new(
                    ErrorCode::RateLimited,
                    format!("too many attempts; retry in {} s", retry_after.as_secs().max(1)),
                )
            },
            ServiceError::Busy { retry_after } => ApiError {
                retry_after: Some(retry_after),
                ..ApiError::new(
                    ErrorCode::Busy,
                    format!("too many requests are being handled; retry in {} s", retry_after.as_secs().max(1)),
                )
            },
            ServiceError::Unavailable(reason) => {
                tracing::warn!(%reason, "database unavailable");
                ApiError {
                    retry_after: Some(Duration::from_secs(5)),
                    ..ApiError::new(
                        ErrorCode::ServiceUnavailable,
                        "the service is temporarily unavailable; retry shortly",
                    )
                }
            }
            ServiceError::Internal(error) => {
                // The chain goes to the log, never to the client.
                tracing::error!(error = format!("{error:#}"), "internal error");
                ApiError::new(ErrorCode::InternalError, "internal error")
            }
        }
    }
}

/// Bodies that fail to parse as the route's JSON.
pub fn json_error(error: JsonPayloadError, _request: &HttpRequest) -> actix_web::Error {
    let api_error = match &error {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the request body is larger than {} bytes", crate::BODY_LIMIT_BYTES),
        ),
        JsonPayloadError::ContentType => {
            ApiError::new(ErrorCode::UnsupportedMediaType, "the request body must be application/json")
        }
        JsonPayloadError::Deserialize(serde_error) => {
            use serde_json::error::Category;
            match serde_error.classify() {
                Category::Syntax | Category::Eof | Category::Io => {
                    ApiError::new(ErrorCode::MalformedJson, format!("malformed json: {serde_error}"))
                }
                Category::Data if serde_error.to_string().starts_with("unknown field") => {
                    ApiError::new(ErrorCode::UnknownField, serde_error.to_string())
                }
                Category::Data => ApiError::new(ErrorCode::InvalidBody, serde_error.to_string()),
            }
        }
        JsonPayloadError::Payload(payload_error) => {
            ApiError::new(ErrorCode::InvalidBody, format!("unreadable request body: {payload_error}"))
        }
        _ => ApiError::new(ErrorCode::InvalidBody, error.to_string()),
    };
    api_error.into()
}

pub fn query_error(error: QueryPayloadError, _request: &HttpRequest) -> actix_web::Error {
    ApiError::new(ErrorCode::InvalidQuery, format!("invalid query string: {error}")).into()
}

pub fn path_error(error: PathError, _request: &HttpRequest) -> actix_web::Error {
    ApiError::new(ErrorCode::InvalidPath, format!("invalid path parameter: {error}")).into()
}

/// Safety net for error responses produced outside our handlers (unknown routes, wrong methods,
/// framework errors): anything that is not already JSON gets the standard error body.
pub fn ensure_json_error<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json") || value.starts_with("text/html"));
    // Pages render their own error pages; everything else answers in the API's JSON.
    if is_json {
        return Ok(ErrorHandlerResponse::Response(response.map_into_left_body()));
    }
    let status = response.status();
    let (code, message) = match status {
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "no such route"),
        StatusCode::METHOD_NOT_ALLOWED => (ErrorCode::MethodNotAllowed, "this route does not accept that method"),
        StatusCode::PAYLOAD_TOO_LARGE => (ErrorCode::PayloadTooLarge, "the request body is too large"),
        StatusCode::REQUEST_TIMEOUT => (ErrorCode::RequestTimeout, "the request took too long to arrive"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (ErrorCode::UnsupportedMediaType, "unsupported content type"),
        status if status.is_server_error() => (ErrorCode::InternalError, "internal error"),
        _ => (ErrorCode::BadRequest, "the request could not be processed"),
    };
    let (request, _) = response.into_parts();
    // The framework's status stays (a 414 is still a 414), under the nearest code.
    let mut replacement = ApiError { status, ..ApiError::new(code, message) }.error_response();
    replacement.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(request, replacement).map_into_right_body()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn every_code() -> Vec<ErrorCode> {
        let mut codes = vec![
            ErrorCode::ValidationFailed,
            ErrorCode::MalformedJson,
            ErrorCode::InvalidBody,
            ErrorCode::UnknownField,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType,
            ErrorCode::InvalidQuery,
            ErrorCode::InvalidPath,
            ErrorCode::RequestTimeout,
            ErrorCode::BadRequest,
            ErrorCode::Unauthenticated,
            ErrorCode::InvalidToken,
            ErrorCode::InvalidCredentials,
            ErrorCode::Forbidden,
            ErrorCode::AccountDisabled,
            ErrorCode::RateLimited,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::Timeout,
            ErrorCode::Busy,
            ErrorCode::ServiceUnavailable,
            ErrorCode::InternalError,
        ];
        codes.extend(ConflictCode::ALL.map(ErrorCode::Conflict));
        codes
    }

    #[test]
    fn every_code_has_its_own_snake_case_name_and_an_error_status() {
        let codes = every_code();
        let names: HashSet<&str> = codes.iter().map(|code| code.as_str()).collect();
        assert_eq!(names.len(), codes.len(), "two codes share a name");
        for code in &codes {
            let name = code.as_str();
            assert!(!name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{name}");
            assert!(code.status().is_client_error() || code.status().is_server_error(), "{name}");
        }
        assert!(
            ConflictCode::ALL.iter().all(|conflict| ErrorCode::Conflict(*conflict).status() == StatusCode::CONFLICT)
        );
    }

    #[test]
    fn an_error_answers_with_its_codes_status_and_name() {
        let response = ApiError::new(ErrorCode::Conflict(ConflictCode::VersionConflict), "stale").error_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let unauthenticated = ApiError::new(ErrorCode::Unauthenticated, "no token").error_response();
        assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            unauthenticated.headers().get(header::WWW_AUTHENTICATE).map(|value| value.as_bytes()),
            Some(&b"Bearer"[..])
        );
        assert_eq!(
            ApiError::new(ErrorCode::Conflict(ConflictCode::EmailTaken), "taken").to_string(),
            "email_taken: taken"
        );
    }
}
