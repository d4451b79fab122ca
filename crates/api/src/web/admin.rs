//! The admin's pages: accounts (create, activate, deactivate) and organizations. Same checks
//! as the API's admin routes: anyone else gets the not-found page.

use super::*;

const PER_PAGE: u64 = 50;

#[derive(Serialize)]
struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    organization: String,
    active: bool,
    last_login: String,
}

#[derive(Serialize)]
struct OrganizationRow {
    id: i64,
    name: String,
    kind: String,
    region: String,
    join_code: String,
    created: String,
}

#[derive(Deserialize)]
pub struct AdminQuery {
    page: Option<u64>,
    notice: Option<String>,
    code: Option<String>,
    #[allow(dead_code)]
    lang: Option<String>,
}

/// The admin page for one page of accounts and of organizations. `created` carries a
/// generated password to show once, right after creating an account.
async fn admin_page(
    visit: &Visit,
    services: &Services,
    page: u64,
    notice: Option<String>,
    values: &[(String, String)],
    errors: &[(String, String, String)],
    generated_password: Option<String>,
) -> HttpResponse {
    let Some(actor) = &visit.actor else { return to_login() };
    let request = PageRequest { offset: page.saturating_sub(1) * PER_PAGE, limit: PER_PAGE };
    let users = match services.accounts.list_users(actor, request).await {
        Ok(users) => users,
        Err(error) => return visit.failure(&error),
    };
    let organizations = match services.accounts.list_organizations(actor, PageRequest { offset: 0, limit: 500 }).await {
        Ok(organizations) => organizations,
        Err(error) => return visit.failure(&error),
    };
    let names: BTreeMap<i64, String> = organizations
        .items
        .iter()
        .map(|organization| (organization.id.0, organization.name.as_str().to_owned()))
        .collect();
    let user_rows: Vec<UserRow> = users
        .items
        .iter()
        .map(|user| UserRow {
            id: user.id.0,
            email: user.email.as_str().to_owned(),
            display_name: user.display_name.as_str().to_owned(),
            role: user.role.as_str().to_owned(),
            organization: user
                .organization_id
                .map(|id| names.get(&id.0).cloned().unwrap_or_else(|| format!("#{}", id.0)))
                .unwrap_or_default(),
            active: user.is_active,
            last_login: user.last_login_at.map(|at| at.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default(),
        })
        .collect();
    let organization_rows: Vec<OrganizationRow> = organizations
        .items
        .iter()
        .map(|organization| OrganizationRow {
            id: organization.id.0,
            name: organization.name.as_str().to_owned(),
            kind: organization.kind.as_str().to_owned(),
            region: organization.region_code.name().unwrap_or(organization.region_code.as_str()).to_owned(),
            join_code: organization.join_code.as_str().to_owned(),
            created: organization.created_at.format("%Y-%m-%d").to_string(),
        })
        .collect();
    let pages = users.total.div_ceil(PER_PAGE).max(1);
    let value =
        |name: &str| values.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone()).unwrap_or_default();
    let error = |name: &str| {
        errors.iter().find(|(field, _, _)| field == name).map(|(_, code, message)| error_text(visit, code, message))
    };
    let form = minijinja::context! {
        email => value("email"),
        display_name => value("display_name"),
        role => value("role"),
        organization_id => value("organization_id"),
        email_error => error("email"),
        display_name_error => error("display_name"),
        role_error => error("role"),
        organization_error => error("organization_id"),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    visit.render(
        status,
        "admin.html",
        minijinja::context! {
            users => user_rows,
            organizations => organization_rows,
            total_users => users.total,
            page,
            pages,
            notice,
            form,
            generated_password,
            roles => ["researcher", "company", "liaison_officer", "admin"],
        },
    )
}

pub async fn admin_users(
    request: HttpRequest,
    services: web::Data<Services>,
    query: web::Query<AdminQuery>,
) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let notice = form_notice(&visit, query.notice.as_deref(), query.code.as_deref());
    admin_page(&visit, &services, query.page.unwrap_or(1).max(1), notice, &[], &[], None).await
}

/// Creates an account; a generated password is shown on the answer page, once.
pub async fn create_user_form(request: HttpRequest, services: web::Data<Services>, body: web::Bytes) -> HttpResponse {
    let (visit, actor, pairs) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let organization_id = match field(&pairs, "organization_id").trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                let errors = [("organization_id".to_owned(), "not_a_number".to_owned(), String::new())];
                return admin_page(&visit, &services, 1, None, &pairs, &errors, None).await;
            }
        },
    };
    let request = crate::dto::CreateUserRequest {
        email: field(&pairs, "email").to_owned(),
        display_name: field(&pairs, "display_name").to_owned(),
        role: field(&pairs, "role").to_owned(),
        password: None,
        organization_id,
    };
    let new_user = match request.into_new_user() {
        Ok(new_user) => new_user,
        Err(error) => {
            return admin_page(&visit, &services, 1, None, &pairs, &error.field_messages(), None).await;
        }
    };
    match services.accounts.create_user(&actor, new_user).await {
        Ok(created) => {
            let notice = Some(label(&visit, "notice_done"));
            admin_page(&visit, &services, 1, notice, &[], &[], created.generated_password).await
        }
        Err(ServiceError::Validation(found)) => {
            let errors: Vec<(String, String, String)> =
                found.0.into_iter().map(|error| (error.field, error.code.to_owned(), error.message)).collect();
            admin_page(&visit, &services, 1, None, &pairs, &errors, None).await
        }
        Err(ServiceError::Conflict { code, message }) => {
            let errors = [("email".to_owned(), code.to_owned(), message)];
            admin_page(&visit, &services, 1, None, &pairs, &errors, None).await
        }
        Err(error) => visit.failure(&error),
    }
}

/// Activates or deactivates an account (deactivation also ends its sessions).
pub async fn activation_form(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> HttpResponse {
    let (visit, actor, pairs) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let update = techmatch_service::UserUpdate { is_active: Some(field(&pairs, "active") == "true") };
    match services.accounts.update_user(&actor, techmatch_domain::UserId(path.into_inner()), update).await {
        Err(ServiceError::Forbidden | ServiceError::Unauthenticated) => visit.failure(&ServiceError::Forbidden),
        outcome => back_after("/admin", outcome.map(|_| ())),
    }
}
