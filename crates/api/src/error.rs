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
use techmatch_service::ServiceError;
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

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
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

    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), details: Vec::new(), retry_after: None }
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        ApiError {
            details: errors.into_iter().map(FieldErrorBody::from).collect(),
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "the request has invalid fields")
        }
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{}: {}", self.code, self.message)
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
                code: self.code.to_owned(),
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
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "e-mail address or password is wrong")
            }
            ServiceError::InvalidToken => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the access token is expired, revoked or invalid; log in again",
            ),
            ServiceError::Unauthenticated => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "this route needs a bearer token")
            }
            ServiceError::Forbidden => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", "this account is not allowed to do that")
            }
            ServiceError::AccountDisabled => {
                ApiError::new(StatusCode::FORBIDDEN, "account_disabled", "this account is deactivated")
            }
            ServiceError::NotFound(what) => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
            }
            ServiceError::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
            ServiceError::RateLimited { retry_after } => ApiError {
                retry_after: Some(retry_after),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("too many attempts; retry in {} s", retry_after.as_secs().max(1)),
                )
            },
            ServiceError::Unavailable(reason) => {
                tracing::warn!(%reason, "database unavailable");
                ApiError {
                    retry_after: Some(Duration::from_secs(5)),
                    ..ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "service_unavailable",
                        "the service is temporarily unavailable; retry shortly",
                    )
                }
            }
            ServiceError::Internal(error) => {
                // The chain goes to the log, never to the client.
                tracing::error!(error = format!("{error:#}"), "internal error");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "internal error")
            }
        }
    }
}

/// Bodies that fail to parse as the route's JSON.
pub fn json_error(error: JsonPayloadError, _request: &HttpRequest) -> actix_web::Error {
    let api_error = match &error {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than {} bytes", crate::BODY_LIMIT_BYTES),
        ),
        JsonPayloadError::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the request body must be application/json",
        ),
        JsonPayloadError::Deserialize(serde_error) => {
            use serde_json::error::Category;
            match serde_error.classify() {
                Category::Syntax | Category::Eof | Category::Io => {
                    ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", format!("malformed json: {serde_error}"))
                }
                Category::Data if serde_error.to_string().starts_with("unknown field") => {
                    ApiError::new(StatusCode::BAD_REQUEST, "unknown_field", serde_error.to_string())
                }
                Category::Data => ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", serde_error.to_string()),
            }
        }
        JsonPayloadError::Payload(payload_error) => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", format!("unreadable request body: {payload_error}"))
        }
        _ => ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", error.to_string()),
    };
    api_error.into()
}

pub fn query_error(error: QueryPayloadError, _request: &HttpRequest) -> actix_web::Error {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", format!("invalid query string: {error}")).into()
}

pub fn path_error(error: PathError, _request: &HttpRequest) -> actix_web::Error {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", format!("invalid path parameter: {error}")).into()
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
        StatusCode::NOT_FOUND => ("not_found", "no such route"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "this route does not accept that method"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the request body is too large"),
        StatusCode::REQUEST_TIMEOUT => ("request_timeout", "the request took too long to arrive"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "unsupported content type"),
        status if status.is_server_error() => ("internal_error", "internal error"),
        _ => ("bad_request", "the request could not be processed"),
    };
    let (request, _) = response.into_parts();
    let mut replacement = ApiError::new(status, code, message).error_response();
    replacement.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(request, replacement).map_into_right_body()))
}
