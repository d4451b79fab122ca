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
    };
    Ok(visit.render(
        StatusCode::OK,
        "organization.html",
        minijinja::context! { organization => profile, results, needs },
    ))
}
