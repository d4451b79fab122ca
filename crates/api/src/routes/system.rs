use actix_web::{HttpResponse, get, web};
use techmatch_service::Services;

use crate::dto::system::{HealthResponse, IndexHealth};

/// Liveness, database reachability and this node's index lag. 503 while the database is
/// unreachable.
#[utoipa::path(
    tag = "system",
    responses(
        (status = 200, description = "service and database up", body = HealthResponse),
        (status = 503, description = "database unreachable", body = HealthResponse),
    )
)]
#[get("/health")]
pub async fn health(services: web::Data<Services>) -> HttpResponse {
    let version = env!("CARGO_PKG_VERSION");
    match services.system.check_database().await {
        Ok(()) => {
            let index = match services.system.index_status().await {
                Ok(status) => Some(IndexHealth {
                    applied: status.applied,
                    pending: status.pending,
                    lag_seconds: status.lag_seconds,
                }),
                Err(error) => {
                    tracing::warn!(error = %error, "index status unavailable");
                    None
                }
            };
            HttpResponse::Ok().json(HealthResponse { status: "ok", database: "ok", version, index })
        }
        Err(error) => {
            tracing::warn!(error = %error, "health check failed");
            HttpResponse::ServiceUnavailable().json(HealthResponse {
                status: "unavailable",
                database: "unavailable",
                version,
                index: None,
            })
        }
    }
}

/// This document: the OpenAPI 3 description of every route, generated from the code.
#[utoipa::path(
    tag = "system",
    responses((status = 200, description = "the openapi document", content_type = "application/json")),
)]
#[get("/api/openapi.json")]
pub async fn openapi(document: web::Data<utoipa::openapi::OpenApi>) -> HttpResponse {
    HttpResponse::Ok().json(document.get_ref())
}
