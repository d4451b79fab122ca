use std::time::Duration;

use techmatch_domain::{AccessDenied, ValidationErrors};
use techmatch_store::StoreError;

/// Every way a use case can fail, as the edge needs to tell them apart.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    #[error("e-mail address or password is wrong")]
    InvalidCredentials,
    #[error("the access token is missing, expired, revoked or invalid")]
    InvalidToken,
    #[error("authentication required")]
    Unauthenticated,
    #[error("not allowed for this account")]
    Forbidden,
    #[error("this account is deactivated")]
    AccountDisabled,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("too many attempts; retry in {} s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    #[error("the database is unavailable")]
    Unavailable(String),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl From<AccessDenied> for ServiceError {
    fn from(denied: AccessDenied) -> Self {
        match denied {
            AccessDenied::Unauthenticated => ServiceError::Unauthenticated,
            AccessDenied::Forbidden => ServiceError::Forbidden,
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(message) => ServiceError::Unavailable(message),
            StoreError::NotFound => ServiceError::NotFound("record"),
            other => ServiceError::Internal(anyhow::Error::new(other).context("store operation failed")),
        }
    }
}
