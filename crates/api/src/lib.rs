//! The HTTP edge of techmatch: actix-web routes, bearer-token authentication, one JSON error
//! format, security headers and the OpenAPI document. Only this crate knows HTTP.

pub mod dto;
pub mod error;
pub mod extract;
mod metrics;
pub mod routes;
mod server;
mod spreadsheet;
pub mod web;

pub use error::{ApiError, ErrorBody, ErrorCode};
pub use server::{ApiSettings, BODY_LIMIT_BYTES, build_server, openapi_document};
