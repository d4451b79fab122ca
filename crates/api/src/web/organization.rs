//! An organization's public profile: its name, kind and region, and the listings it has
//! published (a confidential need only for those who may see it).

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Serialize;
use techmatch_domain::OrganizationId;
use techmatch_domain::listing::{NeedStatus, ResultStatus};
use techmatch_service::{ListingFilters, PageRequest, Services};

use super::refusal::{OrPage, PageError, PageResult};
use super::session::Visit;

#[derive(Serialize)]
struct Profile {
    name: String,
    kind: &'static str,
    region: Option<&'static str>,
    contact: Option<PublicContact>,
}

/// An organization's contact person, on its public pages only when it chose to show them.
#[derive(Serialize)]
pub(super) struct PublicContact {
    name: String,
    phone: Option<String>,
    email: Option<String>,
}

pub(super) fn public_contact(organization: &techmatch_domain::Organization) -> Option<PublicContact> {
    organization.contact.as_ref().filter(|contact| contact.public).map(PublicContact::of)
}

impl PublicContact {
    pub(super) fn of(contact: &techmatch_domain::ContactPerson) -> PublicContact {
        PublicContact {
            name: contact.name.as_str().to_owned(),
            phone: contact.phone.as_ref().map(|phone| phone.as_str().to_owned()),
            email: contact.email.as_ref().map(|email| email.as_str().to_owned()),
        }
    }
}

/// Who a listing's page names as its contact: the listing's own contact person where the
/// viewer may see it (everyone when shown publicly; its organization and staff always), else
/// the organization's when shown publicly.
pub(super) fn listing_contact(
    viewer: Option<&techmatch_domain::Actor>,
    own: Option<&techmatch_domain::ContactPerson>,
    listing_organization: techmatch_domain::OrganizationId,
    poster: Option<&techmatch_domain::Organization>,
) -> Option<PublicContact> {
    own.filter(|contact| {
        techmatch_domain::access::can_see_listing_contact(viewer, listing_organization, contact.public)
    })
    .map(PublicContact::of)
    .or_else(|| poster.and_then(public_contact))
}

#[derive(Serialize)]
struct ListingLine {
    id: i64,
    title: String,
    maturity: &'static str,
}

pub async fn organization_page(visit: Visit, services: web::Data<Services>, path: web::Path<i64>) -> PageResult {
    let id = OrganizationId(path.into_inner());
    let Some(organization) = services.listings.organization(id).await.or_page(&visit)? else {
        return Err(PageError::not_found(&visit));
    };
    let page = PageRequest { offset: 0, limit: 50 };
    let viewer = visit.actor.as_ref();
    let results = services
        .listings
        .list_results(
            viewer,
            ListingFilters {
                organization_id: Some(id),
                status: Some(ResultStatus::Published.as_str().to_owned()),
                ..ListingFilters::default()
            },
            page,
        )
        .await
        .or_page(&visit)?
        .items
        .into_iter()
        .map(|result| ListingLine {
            id: result.id.0,
            title: result.content.title.as_str().to_owned(),
            maturity: result.content.maturity.as_str(),
        })
        .collect::<Vec<_>>();
    let needs = services
        .listings
        .list_needs(
            viewer,
            ListingFilters {
                organization_id: Some(id),
                status: Some(NeedStatus::Open.as_str().to_owned()),
                ..ListingFilters::default()
            },
            page,
        )
        .await
        .or_page(&visit)?
        .items
        .into_iter()
        .map(|need| ListingLine { id: need.id.0, title: need.content.title.as_str().to_owned(), maturity: "" })
        .collect::<Vec<_>>();
    let profile = Profile {
        name: organization.name.as_str().to_owned(),
        kind: organization.kind.as_str(),
        region: organization.region_code.name(),
        contact: public_contact(&organization),
    };
    Ok(visit.render(
        StatusCode::OK,
        "organization.html",
        minijinja::context! { organization => profile, results, needs },
    ))
}

/// The organization's contact and credit code as the workspace's form shows them.
#[derive(Serialize)]
pub(super) struct ProfileForm {
    name: String,
    contact_name: String,
    contact_phone: String,
    contact_email: String,
    contact_public: bool,
    credit_code: String,
}

pub(super) fn profile_form(organization: &techmatch_domain::Organization) -> ProfileForm {
    let contact = organization.contact.as_ref();
    ProfileForm {
        name: organization.name.as_str().to_owned(),
        contact_name: contact.map(|contact| contact.name.as_str().to_owned()).unwrap_or_default(),
        contact_phone: contact
            .and_then(|contact| contact.phone.as_ref())
            .map(|phone| phone.as_str().to_owned())
            .unwrap_or_default(),
        contact_email: contact
            .and_then(|contact| contact.email.as_ref())
            .map(|email| email.as_str().to_owned())
            .unwrap_or_default(),
        contact_public: contact.is_some_and(|contact| contact.public),
        credit_code: organization.credit_code.as_ref().map(|code| code.as_str().to_owned()).unwrap_or_default(),
    }
}

/// A member saves their organization's contact person and credit code from the workspace.
pub async fn save_profile_form(services: web::Data<Services>, form: super::session::Posted) -> PageResult {
    let actor = form.actor()?;
    let input = techmatch_domain::OrganizationProfileInput {
        contact_name: super::forms::optional(form.field("contact_name")),
        contact_phone: super::forms::optional(form.field("contact_phone")),
        contact_email: super::forms::optional(form.field("contact_email")),
        contact_public: form.field("contact_public") == "true",
        credit_code: super::forms::optional(form.field("credit_code")),
    };
    let saved = services.accounts.update_own_organization(&actor, &input).await.map(|_| ());
    Ok(super::refusal::back_after("/my", saved))
}
