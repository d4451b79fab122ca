//! The home page: counts, the newest published results and open needs, and events to join.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Serialize;
use techmatch_domain::event::EventStatus;
use techmatch_service::{ListingFilters, PageRequest, Services};

use super::events::{EventCard, event_card};
use super::refusal::{OrPage, PageResult};
use super::session::Visit;

#[derive(Serialize)]
struct ListingCard {
    id: i64,
    title: String,
    meta: String,
}

pub async fn home(visit: Visit, services: web::Data<Services>) -> PageResult {
    let actor = visit.actor.as_ref();
    let page = PageRequest { offset: 0, limit: 6 };
    let published = ListingFilters { status: Some("published".into()), ..ListingFilters::default() };
    let results = services.listings.list_results(actor, published, page).await.or_page(&visit)?;
    let needs = services.listings.list_needs(actor, ListingFilters::default(), page).await.or_page(&visit)?;
    let events = services.events.list(actor, page).await.or_page(&visit)?;
    let counts = minijinja::context! { results => results.total, needs => needs.total, events => events.total };
    let results: Vec<ListingCard> = results
        .items
        .into_iter()
        .map(|result| ListingCard {
            id: result.id.0,
            title: result.content.title.as_str().to_owned(),
            meta: result.content.institution.clone().unwrap_or_default(),
        })
        .collect();
    let needs: Vec<ListingCard> = needs
        .items
        .into_iter()
        .map(|need| ListingCard {
            id: need.id.0,
            title: need.content.title.as_str().to_owned(),
            meta: need.content.industry_codes.iter().map(|code| code.name_zh()).collect::<Vec<_>>().join("、"),
        })
        .collect();
    let events: Vec<EventCard> = events
        .items
        .into_iter()
        .filter(|event| matches!(event.status, EventStatus::Open | EventStatus::Scheduled))
        .map(event_card)
        .collect();
    Ok(visit.render(StatusCode::OK, "home.html", minijinja::context! { counts, results, needs, events }))
}
