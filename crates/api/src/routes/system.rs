use actix_web::{HttpResponse, get, web};
use techmatch_service::Services;

use crate::dto::HealthResponse;

/// Liveness and database reachability. 503 while the database is unreachable.
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
        Ok(()) => HttpResponse::Ok().json(HealthResponse { status: "ok", database: "ok", version }),
        Err(error) => {
            tracing::warn!(error = %error, "health check failed");
            HttpResponse::ServiceUnavailable().json(HealthResponse {
                status: "unavailable",
                database: "unavailable",
                version,
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
