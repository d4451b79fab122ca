//! Signing in and out, registering (founding or joining an organization), and the signed-in
//! user's workspace: their organization's listings, their events and notifications.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use techmatch_domain::Role;
use techmatch_service::{ConflictCode, ListingFilters, PageRequest, ServiceError, Services};

use super::forms::{FieldMessages, FormInput, field_messages, optional, value_of};
use super::refusal::{OrPage, PageResult};
use super::session::{Posted, Visit, see_other};
use crate::dto::accounts::{OrganizationInput, RegisterRequest};
use crate::extract::client_address;

pub async fn login_form(visit: Visit) -> HttpResponse {
    visit.render(StatusCode::OK, "login.html", minijinja::context! { failed => false, email => "" })
}

/// Signs in with the page's form; attempts count under the same client address as the API's.
pub async fn login(request: HttpRequest, services: web::Data<Services>, form: Posted) -> PageResult {
    let visit = &form.visit;
    let email = form.field("email");
    match services.accounts.login(email, form.field("password"), &client_address(&request)).await {
        Ok(issued) => Ok(see_other("/").cookie(visit.session_cookie(issued)).finish()),
        Err(ServiceError::InvalidCredentials | ServiceError::AccountDisabled | ServiceError::Validation(_)) => {
            Ok(visit.render(StatusCode::UNAUTHORIZED, "login.html", minijinja::context! { failed => true, email }))
        }
        Err(ServiceError::RateLimited { .. }) => Ok(visit.render(
            StatusCode::TOO_MANY_REQUESTS,
            "login.html",
            minijinja::context! { failed => true, email => "" },
        )),
        Err(error) => Err(error).or_page(visit),
    }
}

pub async fn logout(services: web::Data<Services>, form: Posted) -> PageResult {
    let visit = &form.visit;
    if let Some(actor) = &visit.actor {
        services.accounts.logout(actor).await.or_page(visit)?;
    }
    Ok(see_other("/").cookie(visit.session_removal()).finish())
}

/// The registration form's fields: (name, label key, input kind, choices).
pub(super) const REGISTER_FIELDS: [(&str, &str, &str, &[&str]); 8] = [
    ("email", "email", "email", &[]),
    ("password", "password", "password", &[]),
    ("display_name", "display_name", "text", &[]),
    ("role", "role_label", "select", &["researcher", "company"]),
    ("organization.name", "organization_name", "text", &[]),
    (
        "organization.kind",
        "organization_kind",
        "select",
        &["university", "institute", "company", "agency", "incubator"],
    ),
    ("organization.region_code", "region_code_label", "text", &[]),
    ("organization.join_code", "join_code", "text", &[]),
];

fn register_page(visit: &Visit, values: &[(String, String)], errors: &[(String, String, String)]) -> HttpResponse {
    let inputs: Vec<FormInput> = REGISTER_FIELDS
        .iter()
        .map(|(name, label_key, kind, options)| FormInput {
            name,
            label: visit.label(label_key),
            kind,
            // A password is never sent back.
            value: if *name == "password" { String::new() } else { value_of(values, name) },
            options: options.to_vec(),
            error: errors
                .iter()
                .filter(|(field, _, _)| field == name || (*name == "organization.name" && field == "organization"))
                .map(|(_, code, message)| visit.error_text(code, message))
                .next(),
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    visit.render(status, "register.html", minijinja::context! { inputs, errors => !errors.is_empty() })
}

pub async fn register_form_page(visit: Visit) -> HttpResponse {
    register_page(&visit, &[], &[])
}

/// Registers a researcher or company user (founding or joining an organization) with the
/// API's own checks, then signs them in.
pub async fn register_account(request: HttpRequest, services: web::Data<Services>, form: Posted) -> PageResult {
    let visit = &form.visit;
    let joining = !form.field("organization.join_code").trim().is_empty();
    let organization = if joining {
        OrganizationInput {
            name: None,
            kind: None,
            region_code: None,
            join_code: optional(form.field("organization.join_code")),
        }
    } else {
        OrganizationInput {
            name: optional(form.field("organization.name")),
            kind: optional(form.field("organization.kind")),
            region_code: optional(form.field("organization.region_code")),
            join_code: None,
        }
    };
    let registration = RegisterRequest {
        email: form.field("email").to_owned(),
        password: form.field("password").to_owned(),
        display_name: form.field("display_name").to_owned(),
        role: form.field("role").to_owned(),
        organization,
    }
    .into_registration();
    let registration = match registration {
        Ok(registration) => registration,
        Err(error) => return Ok(register_page(visit, form.pairs(), &error.field_messages())),
    };
    let created = match services.accounts.register(registration, &client_address(&request)).await {
        Ok(created) => created,
        Err(ServiceError::Validation(found)) => return Ok(register_page(visit, form.pairs(), &field_messages(found))),
        Err(ServiceError::Conflict { code, message }) => {
            let field_name = if code == ConflictCode::EmailTaken { "email" } else { "organization.name" };
            let errors: FieldMessages = vec![(field_name.to_owned(), code.as_str().to_owned(), message)];
            return Ok(register_page(visit, form.pairs(), &errors));
        }
        Err(error) => return Err(error).or_page(visit),
    };
    // Registered in English, they read their notices and e-mails in English.
    if visit.language != techmatch_domain::Language::default() {
        let account = &created.account;
        let actor = techmatch_domain::Actor {
            user_id: account.id,
            role: account.role,
            organization_id: account.organization_id,
        };
        if let Err(error) = services.accounts.set_language(&actor, visit.language).await {
            tracing::warn!(user_id = %account.id, error = %error, "language of a new account not recorded");
        }
    }
    match services
        .accounts
        .login(created.account.email.as_str(), form.field("password"), &client_address(&request))
        .await
    {
        Ok(issued) => Ok(see_other("/my").cookie(visit.session_cookie(issued)).finish()),
        Err(_) => Ok(see_other("/login").finish()),
    }
}

#[derive(Serialize)]
struct OwnListing {
    id: i64,
    path: &'static str,
    title: String,
    status: String,
    confidential: bool,
    challenge: bool,
}

#[derive(Serialize)]
struct MyEventCard {
    id: i64,
    title: String,
    date: String,
    event_status: String,
    registration: String,
    meetings: usize,
}

#[derive(Serialize)]
struct NoticeLine {
    message: String,
    at: String,
    unread: bool,
}

/// The signed-in user's workspace: their organization's listings with links to their matches;
/// staff get the suggestion queue and events.
pub async fn my_page(
    visit: Visit,
    services: web::Data<Services>,
    query: web::Query<super::deals::NoticeQuery>,
) -> PageResult {
    let actor = visit.signed_in()?;
    let staff = actor.role.is_staff();
    let notice = super::refusal::form_notice(&visit, query.notice.as_deref(), query.code.as_deref());
    let organization = match (staff, actor.organization_id) {
        (false, Some(_)) => {
            Some(super::organization::profile_form(&services.accounts.own_organization(&actor).await.or_page(&visit)?))
        }
        _ => None,
    };
    let page = PageRequest { offset: 0, limit: 100 };
    let own = ListingFilters { organization_id: actor.organization_id, ..ListingFilters::default() };
    let (listings, heading) = match actor.role {
        Role::Researcher => {
            let found = services.listings.list_results(Some(&actor), own, page).await.or_page(&visit)?;
            let listings = found
                .items
                .into_iter()
                .map(|result| OwnListing {
                    id: result.id.0,
                    path: "results",
                    title: result.content.title.as_str().to_owned(),
                    status: result.status.as_str().to_owned(),
                    confidential: false,
                    challenge: false,
                })
                .collect::<Vec<_>>();
            (Some(listings), visit.label("my_results"))
        }
        Role::Company => {
            let found = services.listings.list_needs(Some(&actor), own, page).await.or_page(&visit)?;
            let listings = found
                .items
                .into_iter()
                .map(|need| OwnListing {
                    id: need.id.0,
                    path: "needs",
                    title: need.content.title.as_str().to_owned(),
                    status: need.status.as_str().to_owned(),
                    confidential: need.content.confidential,
                    challenge: need.content.challenge.is_some(),
                })
                .collect::<Vec<_>>();
            (Some(listings), visit.label("my_needs"))
        }
        _ => (None, String::new()),
    };
    let my_events: Vec<MyEventCard> = services
        .events
        .my_events(&actor)
        .await
        .or_page(&visit)?
        .into_iter()
        .map(|mine| MyEventCard {
            id: mine.event.id.0,
            title: mine.event.content.title.as_str().to_owned(),
            date: mine.event.content.timetable.date.to_string(),
            event_status: mine.event.status.as_str().to_owned(),
            registration: mine.participant.status.as_str().to_owned(),
            meetings: mine.meetings,
        })
        .collect();
    let notifications: Vec<NoticeLine> = services
        .events
        .notifications(&actor)
        .await
        .or_page(&visit)?
        .into_iter()
        .take(20)
        .map(|notice| NoticeLine {
            message: notice.message.in_language(visit.language).to_owned(),
            at: notice
                .created_at
                .with_timezone(&techmatch_service::events::china_time())
                .format("%m-%d %H:%M")
                .to_string(),
            unread: notice.read_at.is_none(),
        })
        .collect();
    let (new_listing_path, new_listing_label, export_kind) = match actor.role {
        Role::Company => ("/my/needs/new", visit.label("new_need"), "needs"),
        _ => ("/my/results/new", visit.label("new_result"), "results"),
    };
    Ok(visit.render(
        StatusCode::OK,
        "my.html",
        minijinja::context! {
            staff, listings, listings_heading => heading, new_listing_path, new_listing_label, export_kind,
            my_events, notifications, notice, organization
        },
    ))
}
