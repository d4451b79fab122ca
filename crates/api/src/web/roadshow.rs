//! The officer's roadshow page: which registered results to put on stage (greedy coverage of
//! the registered companies' needs, with the reasons), the confirmed order, and companies
//! across the platform worth inviting to hear them.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use techmatch_domain::event::EventId;
use techmatch_service::{ServiceError, Services};

use super::events::PresentationCard;
use super::refusal::{OrPage, PageError, PageResult, back_after, back_to, form_notice};
use super::session::{Posted, Visit};

/// How many stage places the page proposes unless the officer asks for another number.
const DEFAULT_PLACES: usize = 5;

#[derive(Serialize)]
struct CoverLine {
    company: String,
    need: String,
    terms: String,
}

#[derive(Serialize)]
struct StageCandidate {
    result_id: i64,
    title: String,
    gain: String,
    position: String,
    covers: Vec<CoverLine>,
}

#[derive(Serialize)]
struct InvitationLine {
    organization: String,
    need_id: i64,
    need: String,
    result: String,
    score: String,
    terms: String,
    registered: bool,
}

#[derive(Deserialize)]
pub struct RoadshowQuery {
    places: Option<usize>,
    notice: Option<String>,
    code: Option<String>,
    #[allow(dead_code)]
    lang: Option<String>,
}

pub async fn roadshow_page(
    visit: Visit,
    services: web::Data<Services>,
    path: web::Path<i64>,
    query: web::Query<RoadshowQuery>,
) -> PageResult {
    let actor = visit.signed_in()?;
    let id = EventId(path.into_inner());
    let event = services.events.get(Some(&actor), id).await.or_page(&visit)?;
    let places = query.places.unwrap_or(DEFAULT_PLACES).clamp(1, 30);
    // Every registered result, best first: the first `places` are the proposal.
    let ranked = services.events.roadshow_recommendation(&actor, id, 200).await.or_page(&visit)?;
    let confirmed = services.events.presentations(Some(&actor), id).await.or_page(&visit)?;
    let candidates: Vec<StageCandidate> = ranked
        .iter()
        .enumerate()
        .map(|(rank, pick)| {
            let position = if confirmed.is_empty() {
                if rank < places { (rank + 1).to_string() } else { String::new() }
            } else {
                confirmed
                    .iter()
                    .position(|(result, _)| *result == pick.result_id)
                    .map(|index| (index + 1).to_string())
                    .unwrap_or_default()
            };
            StageCandidate {
                result_id: pick.result_id,
                title: pick.result_title.clone(),
                gain: format!("{:.2}", pick.gain),
                position,
                covers: pick
                    .covers
                    .iter()
                    .map(|cover| CoverLine {
                        company: cover.organization_name.clone(),
                        need: cover.need_title.clone(),
                        terms: cover.matched_terms.join("、"),
                    })
                    .collect(),
            }
        })
        .collect();
    let on_stage: Vec<i64> = confirmed.iter().map(|(result, _)| *result).collect();
    let titles: BTreeMap<i64, String> = ranked.iter().map(|pick| (pick.result_id, pick.result_title.clone())).collect();
    let invitations: Vec<InvitationLine> = if on_stage.is_empty() {
        Vec::new()
    } else {
        services
            .events
            .invitations(&actor, id, &on_stage)
            .await
            .or_page(&visit)?
            .into_iter()
            .map(|invitation| InvitationLine {
                organization: invitation.organization_name,
                need_id: invitation.need_id,
                need: invitation.need_title,
                result: titles.get(&invitation.result_id).cloned().unwrap_or_default(),
                score: format!("{:.2}", invitation.score),
                terms: invitation.matched_terms.join("、"),
                registered: invitation.registered,
            })
            .collect()
    };
    let confirmed: Vec<PresentationCard> =
        confirmed.into_iter().map(|(id, title)| PresentationCard { id, title }).collect();
    let notice = form_notice(&visit, query.notice.as_deref(), query.code.as_deref());
    let event = minijinja::context! {
        id => event.id.0,
        title => event.content.title.as_str(),
        date => event.content.timetable.date.to_string(),
    };
    Ok(visit.render(
        StatusCode::OK,
        "roadshow.html",
        minijinja::context! { event, candidates, confirmed, invitations, places, notice },
    ))
}

/// Confirms the stage order: results with a position, in the order of their positions.
pub async fn confirm_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    let event = path.into_inner();
    let visit = &form.visit;
    let actor = form.actor()?;
    let mut ordered: Vec<(u32, i64)> = Vec::new();
    for (name, value) in form.pairs() {
        let Some(result) = name.strip_prefix("position_").and_then(|id| id.parse::<i64>().ok()) else { continue };
        match value.trim() {
            "" => {}
            raw => match raw.parse::<u32>() {
                Ok(position) => ordered.push((position, result)),
                Err(_) => return Ok(back_to(&format!("/events/{event}/roadshow"), Err("not_a_number"))),
            },
        }
    }
    ordered.sort_unstable();
    let results: Vec<i64> = ordered.into_iter().map(|(_, result)| result).collect();
    match services.events.confirm_presentations(&actor, EventId(event), &results).await {
        Err(ServiceError::Forbidden | ServiceError::Unauthenticated) => {
            Err(PageError::failed(visit, ServiceError::Forbidden))
        }
        outcome => Ok(back_after(&format!("/events/{event}/roadshow"), outcome.map(|_| ()))),
    }
}
