use actix_web::{get, patch, post, put, web};
use techmatch_domain::{DisplayName, Language, NewPassword, ValidationErrors};
use techmatch_service::Services;

use crate::dto::accounts::{
    ChangePasswordRequest, OrganizationProfileRequest, OrganizationResponse, TokenResponse, UpdateProfileRequest,
    UserResponse,
};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, ClientAddress, JsonBody};

/// The caller's own account.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "the account", body = UserResponse),
    )
)]
#[get("/me")]
pub async fn get_me(services: web::Data<Services>, caller: Authenticated) -> Result<web::Json<UserResponse>, ApiError> {
    Ok(web::Json(services.accounts.me(&caller.0).await?.into()))
}

/// Change the caller's own profile. Role, organization and e-mail cannot be changed here.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    request_body = UpdateProfileRequest,
    responses(
        (status = 200, description = "updated account", body = UserResponse),
        (status = 400, description = "malformed json, unknown field (e.g. `role`) or wrong type", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
    )
)]
#[patch("/me")]
pub async fn update_me(
    services: web::Data<Services>,
    caller: Authenticated,
    body: JsonBody<UpdateProfileRequest>,
) -> Result<web::Json<UserResponse>, ApiError> {
    let mut errors = ValidationErrors::new();
    let display_name =
        body.display_name.as_deref().and_then(|raw| errors.collect(DisplayName::parse("display_name", raw)));
    let language = body.language.as_deref().and_then(|raw| errors.collect(Language::parse("language", raw)));
    errors.into_result().map_err(techmatch_service::ServiceError::from)?;
    if let Some(language) = language {
        services.accounts.set_language(&caller.0, language).await?;
    }
    let account = match display_name {
        Some(display_name) => services.accounts.update_display_name(&caller.0, display_name).await?,
        None => services.accounts.me(&caller.0).await?,
    };
    Ok(web::Json(account.into()))
}

/// Change the caller's password. Every earlier token is revoked; a new token is returned.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "password changed; use the new token", body = TokenResponse),
        (status = 400, description = "malformed json, unknown field or wrong type", body = ErrorBody),
        (status = 401, description = "missing or revoked token, or wrong current password (`invalid_credentials`)", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "new password too weak", body = ErrorBody),
        (status = 429, description = "too many wrong passwords for this account or attempts from this client; see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
        (status = 503, description = "database unavailable, or too many passwords being checked at once (`busy`); see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait"))),
    )
)]
#[post("/me/password")]
pub async fn change_password(
    services: web::Data<Services>,
    caller: Authenticated,
    client: ClientAddress,
    body: JsonBody<ChangePasswordRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let account = services.accounts.me(&caller.0).await?;
    let new_password = NewPassword::parse("new_password", &body.new_password, Some(&account.email))
        .map_err(|error| ApiError::from(techmatch_service::ServiceError::from(ValidationErrors::single(error))))?;
    let issued = services.accounts.change_password(&caller.0, &body.current_password, new_password, &client.0).await?;
    Ok(web::Json(TokenResponse {
        access_token: issued.access_token,
        token_type: "Bearer",
        expires_in: issued.expires_in_seconds,
    }))
}

/// The caller's organization, with the join code to hand to colleagues.
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "the organization", body = OrganizationResponse),
        (status = 403, description = "the account belongs to no organization", body = ErrorBody),
    )
)]
#[get("/me/organization")]
pub async fn my_organization(
    services: web::Data<Services>,
    caller: Authenticated,
) -> Result<web::Json<OrganizationResponse>, ApiError> {
    Ok(web::Json(services.accounts.own_organization(&caller.0).await?.into()))
}

/// Replace the caller's organization's contact person and credit code (any member).
#[utoipa::path(
    tag = "account",
    security(("bearer" = [])),
    request_body = OrganizationProfileRequest,
    responses(
        (status = 200, description = "the organization as updated", body = OrganizationResponse),
        (status = 400, description = "malformed json, unknown field or wrong type", body = ErrorBody),
        (status = 403, description = "the account belongs to no organization", body = ErrorBody),
        (status = 422, description = "invalid contact or credit code", body = ErrorBody),
    )
)]
#[put("/me/organization")]
pub async fn update_my_organization(
    services: web::Data<Services>,
    caller: Authenticated,
    body: JsonBody<OrganizationProfileRequest>,
) -> Result<web::Json<OrganizationResponse>, ApiError> {
    let input = body.into_inner().into_input();
    Ok(web::Json(services.accounts.update_own_organization(&caller.0, &input).await?.into()))
}
