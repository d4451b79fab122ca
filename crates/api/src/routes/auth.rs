use actix_web::{HttpResponse, post, web};
use techmatch_service::Services;

use crate::dto::accounts::{LoginRequest, RegisterRequest, RegisteredResponse, TokenResponse, UserResponse};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, ClientAddress, JsonBody};

/// Register as a researcher or a company user, founding or joining an organization.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "account created", body = RegisteredResponse),
        (status = 400, description = "malformed json, unknown field or wrong type", body = ErrorBody),
        (status = 409, description = "e-mail address or organization name taken (`email_taken`, `organization_exists`)", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "invalid fields (`validation_failed`)", body = ErrorBody),
        (status = 429, description = "too many registrations from this client; see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 503, description = "database unavailable, or too many passwords being checked at once (`busy`); see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
    )
)]
#[post("/auth/register")]
pub async fn register(
    services: web::Data<Services>,
    client: ClientAddress,
    body: JsonBody<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let registration = body.into_inner().into_registration()?;
    let created = services.accounts.register(registration, &client.0).await?;
    Ok(HttpResponse::Created().json(RegisteredResponse {
        user: UserResponse::from(created.account),
        organization: created.organization.map(Into::into),
    }))
}

/// Exchange e-mail address and password for a short-lived bearer token.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "logged in", body = TokenResponse),
        (status = 400, description = "malformed json, unknown field or wrong type", body = ErrorBody),
        (status = 401, description = "wrong e-mail address or password (`invalid_credentials`)", body = ErrorBody),
        (status = 403, description = "account deactivated (`account_disabled`)", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 429, description = "too many attempts for this account or from this client; see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 503, description = "database unavailable, or too many passwords being checked at once (`busy`); see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
    )
)]
#[post("/auth/login")]
pub async fn login(
    services: web::Data<Services>,
    client: ClientAddress,
    body: JsonBody<LoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let issued = services.accounts.login(&body.email, &body.password, &client.0).await?;
    Ok(web::Json(TokenResponse {
        access_token: issued.access_token,
        token_type: "Bearer",
        expires_in: issued.expires_in_seconds,
    }))
}

/// Log out everywhere: every token issued to this account so far stops working.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "logged out"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(services: web::Data<Services>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    services.accounts.logout(&caller.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
