//! The admin's pages: accounts (create, activate, deactivate) and organizations. Same checks
//! as the API's admin routes: anyone else gets the not-found page.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use techmatch_domain::{OrganizationId, Role, UserId};
use techmatch_service::{PageRequest, ServiceError, Services, UserUpdate};

use super::forms::{FieldMessages, field_messages, value_of};
use super::refusal::{OrPage, PageError, PageResult, back_after, form_notice};
use super::session::{Posted, Visit};
use crate::dto::accounts::CreateUserRequest;

const PER_PAGE: u64 = 50;
/// Page numbers beyond this are read as this one.
const LAST_PAGE: u64 = 1_000_000;

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

/// Which page of accounts and which of organizations the admin page shows (1-based).
#[derive(Clone, Copy)]
struct AdminPages {
    users: u64,
    organizations: u64,
}

impl AdminPages {
    const FIRST: AdminPages = AdminPages { users: 1, organizations: 1 };
}

/// The account just created and its generated password, shown once (the account itself may be
/// on another page of the list).
struct CreatedNotice {
    email: String,
    password: String,
}

/// How many organizations the new account form lists; any other is reached through the
/// organizations table's "new account here" link, which adds it to the choices.
const ORGANIZATION_CHOICES: u64 = 500;

#[derive(Deserialize)]
pub struct AdminQuery {
    page: Option<u64>,
    org_page: Option<u64>,
    notice: Option<String>,
    code: Option<String>,
    /// An organization to preselect in the new account form (the organizations table links
    /// here), also one beyond the choices the form lists.
    account_for: Option<i64>,
    #[allow(dead_code)]
    lang: Option<String>,
}

/// The admin page for one page of accounts and of organizations. `created` carries a
/// generated password to show once, right after creating an account.
async fn admin_page(
    visit: &Visit,
    services: &Services,
    pages: AdminPages,
    notice: Option<String>,
    values: &[(String, String)],
    errors: &[(String, String, String)],
    created: Option<CreatedNotice>,
) -> PageResult {
    let actor = &visit.signed_in()?;
    let page_of = |page: u64| PageRequest { offset: page.saturating_sub(1) * PER_PAGE, limit: PER_PAGE };
    let users = services.accounts.list_users(actor, page_of(pages.users)).await.or_page(visit)?;
    let organizations =
        services.accounts.list_organizations(actor, page_of(pages.organizations)).await.or_page(visit)?;
    let choices = services
        .accounts
        .list_organizations(actor, PageRequest { offset: 0, limit: ORGANIZATION_CHOICES })
        .await
        .or_page(visit)?;
    // The organization chosen (by the link or in a form sent back) may lie beyond the listed
    // choices; it is looked up with the names below and offered too.
    let chosen = values
        .iter()
        .find(|(key, _)| key == "organization_id")
        .and_then(|(_, value)| value.trim().parse::<i64>().ok())
        .filter(|id| !choices.items.iter().any(|organization| organization.id.0 == *id));
    let mut member_of: Vec<OrganizationId> = users.items.iter().filter_map(|user| user.organization_id).collect();
    member_of.extend(chosen.map(OrganizationId));
    member_of.sort_unstable_by_key(|id| id.0);
    member_of.dedup();
    let names: BTreeMap<i64, String> = services
        .accounts
        .organizations_by_ids(actor, &member_of)
        .await
        .or_page(visit)?
        .iter()
        .map(|organization| (organization.id.0, organization.name.as_str().to_owned()))
        .collect();
    let mut choice_rows: Vec<(i64, String)> =
        choices.items.iter().map(|organization| (organization.id.0, organization.name.as_str().to_owned())).collect();
    if let Some((id, name)) = chosen.and_then(|id| names.get(&id).map(|name| (id, name.clone()))) {
        choice_rows.insert(0, (id, name));
    }
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
    let user_pages = users.total.div_ceil(PER_PAGE).max(1);
    let organization_pages = organizations.total.div_ceil(PER_PAGE).max(1);
    let value = |name: &str| value_of(values, name);
    let error = |name: &str| {
        errors.iter().find(|(field, _, _)| field == name).map(|(_, code, message)| visit.error_text(code, message))
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
    Ok(visit.render(
        status,
        "admin.html",
        minijinja::context! {
            users => user_rows,
            organizations => organization_rows,
            total_users => users.total,
            page => pages.users,
            pages => user_pages,
            org_page => pages.organizations,
            org_pages => organization_pages,
            choices => choice_rows.iter().map(|(id, name)| minijinja::context! { id => id, name => name }).collect::<Vec<_>>(),
            notice,
            form,
            generated_password => created.as_ref().map(|created| created.password.clone()),
            created_email => created.map(|created| created.email),
            roles => Role::ALL.map(Role::as_str),
        },
    ))
}

pub async fn admin_users(visit: Visit, services: web::Data<Services>, query: web::Query<AdminQuery>) -> PageResult {
    let notice = form_notice(&visit, query.notice.as_deref(), query.code.as_deref());
    // Any page number is answered (past the end, with an empty list), without overflow.
    let pages = AdminPages {
        users: query.page.unwrap_or(1).clamp(1, LAST_PAGE),
        organizations: query.org_page.unwrap_or(1).clamp(1, LAST_PAGE),
    };
    let preselected: Vec<(String, String)> =
        query.account_for.map(|id| ("organization_id".to_owned(), id.to_string())).into_iter().collect();
    admin_page(&visit, &services, pages, notice, &preselected, &[], None).await
}

/// Creates an account; a generated password is shown on the answer page, once.
pub async fn create_user_form(services: web::Data<Services>, form: Posted) -> PageResult {
    let visit = &form.visit;
    let actor = form.actor()?;
    let organization_id = match form.field("organization_id").trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                let errors: FieldMessages =
                    vec![("organization_id".to_owned(), "not_a_number".to_owned(), String::new())];
                return admin_page(visit, &services, AdminPages::FIRST, None, form.pairs(), &errors, None).await;
            }
        },
    };
    let request = CreateUserRequest {
        email: form.field("email").to_owned(),
        display_name: form.field("display_name").to_owned(),
        role: form.field("role").to_owned(),
        password: None,
        organization_id,
    };
    let new_user = match request.into_new_user() {
        Ok(new_user) => new_user,
        Err(error) => {
            return admin_page(visit, &services, AdminPages::FIRST, None, form.pairs(), &error.field_messages(), None)
                .await;
        }
    };
    match services.accounts.create_user(&actor, new_user).await {
        Ok(created) => {
            let notice = Some(visit.label("notice_done"));
            let shown = created
                .generated_password
                .map(|password| CreatedNotice { email: created.account.email.as_str().to_owned(), password });
            admin_page(visit, &services, AdminPages::FIRST, notice, &[], &[], shown).await
        }
        Err(ServiceError::Validation(found)) => {
            admin_page(visit, &services, AdminPages::FIRST, None, form.pairs(), &field_messages(found), None).await
        }
        Err(ServiceError::Conflict { code, message }) => {
            let errors: FieldMessages = vec![("email".to_owned(), code.as_str().to_owned(), message)];
            admin_page(visit, &services, AdminPages::FIRST, None, form.pairs(), &errors, None).await
        }
        Err(error) => Err(error).or_page(visit),
    }
}

/// Activates or deactivates an account (deactivation also ends its sessions).
pub async fn activation_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    let visit = &form.visit;
    let actor = form.actor()?;
    let update = UserUpdate { is_active: Some(form.field("active") == "true") };
    match services.accounts.update_user(&actor, UserId(path.into_inner()), update).await {
        Err(ServiceError::Forbidden | ServiceError::Unauthenticated) => {
            Err(PageError::failed(visit, ServiceError::Forbidden))
        }
        outcome => Ok(back_after("/admin", outcome.map(|_| ()))),
    }
}
