use actix_web::{HttpResponse, get, patch, post, web};
use techmatch_domain::UserId;
use techmatch_service::{Services, UserUpdate};

use crate::dto::PageQuery;
use crate::dto::accounts::{
    CreateUserRequest, CreatedUserResponse, OrganizationListResponse, UpdateUserRequest, UserListResponse,
    UserResponse, organization_list, user_list,
};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody};

/// All accounts (admins only).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "a page of accounts", body = UserListResponse),
        (status = 400, description = "invalid query string", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 422, description = "limit out of range", body = ErrorBody),
    )
)]
#[get("/admin/users")]
pub async fn list_users(
    services: web::Data<Services>,
    caller: Authenticated,
    query: web::Query<PageQuery>,
) -> Result<web::Json<UserListResponse>, ApiError> {
    let page = query.into_inner().into_page_request()?;
    Ok(web::Json(user_list(services.accounts.list_users(&caller.0, page).await?, page)))
}

/// Create an account of any role, liaison officers and admins included (admins only).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "account created", body = CreatedUserResponse),
        (status = 400, description = "malformed json, unknown field or wrong type", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 409, description = "e-mail address taken", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
    )
)]
#[post("/admin/users")]
pub async fn create_user(
    services: web::Data<Services>,
    caller: Authenticated,
    body: JsonBody<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let new_user = body.into_inner().into_new_user()?;
    let created = services.accounts.create_user(&caller.0, new_user).await?;
    Ok(HttpResponse::Created()
        .json(CreatedUserResponse { user: created.account.into(), initial_password: created.generated_password }))
}

/// Activate or deactivate an account (admins only). Deactivation revokes its tokens.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "user id")),
    request_body = UpdateUserRequest,
    responses(
        (status = 200, description = "updated account", body = UserResponse),
        (status = 400, description = "malformed json, unknown field, wrong type or bad id", body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, description = "no such user", body = ErrorBody),
        (status = 409, description = "an admin cannot deactivate themselves", body = ErrorBody),
        (status = 413, description = "body larger than 256 KiB", body = ErrorBody),
        (status = 415, description = "body is not application/json", body = ErrorBody),
    )
)]
#[patch("/admin/users/{id}")]
pub async fn update_user(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<UpdateUserRequest>,
) -> Result<web::Json<UserResponse>, ApiError> {
    let update = UserUpdate { is_active: body.is_active };
    Ok(web::Json(services.accounts.update_user(&caller.0, UserId(path.into_inner()), update).await?.into()))
}

/// All organizations with their join codes (liaison officers and admins).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "a page of organizations", body = OrganizationListResponse),
        (status = 400, description = "invalid query string", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 422, description = "limit out of range", body = ErrorBody),
    )
)]
#[get("/admin/organizations")]
pub async fn list_organizations(
    services: web::Data<Services>,
    caller: Authenticated,
    query: web::Query<PageQuery>,
) -> Result<web::Json<OrganizationListResponse>, ApiError> {
    let page = query.into_inner().into_page_request()?;
    Ok(web::Json(organization_list(services.accounts.list_organizations(&caller.0, page).await?, page)))
}
