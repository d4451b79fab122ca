//! Event pages: the list, an event's page (registration, requests, meetings, the officer's
//! tools), and the participants' and officers' forms on it.

use std::collections::BTreeMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use techmatch_domain::event::{EventId, EventStatus};
use techmatch_service::{ListingFilters, PageRequest, Services};

use super::forms::Choice;
use super::refusal::{OrPage, PageResult, back_after, back_to, form_notice};
use super::session::{Posted, Visit, see_other};

#[derive(Serialize)]
pub(super) struct EventCard {
    id: i64,
    title: String,
    date: String,
    status: String,
}

pub(super) fn event_card(event: techmatch_domain::event::Event) -> EventCard {
    EventCard {
        id: event.id.0,
        title: event.content.title.as_str().to_owned(),
        date: event.content.timetable.date.to_string(),
        status: event.status.as_str().to_owned(),
    }
}

pub async fn events_page(visit: Visit, services: web::Data<Services>) -> PageResult {
    let events =
        services.events.list(visit.actor.as_ref(), PageRequest { offset: 0, limit: 50 }).await.or_page(&visit)?;
    let events: Vec<EventCard> = events.items.into_iter().map(event_card).collect();
    Ok(visit.render(StatusCode::OK, "events.html", minijinja::context! { events }))
}

#[derive(Serialize)]
pub(super) struct PresentationCard {
    pub(super) id: i64,
    pub(super) title: String,
}

#[derive(Debug, Deserialize)]
pub struct EventPageQuery {
    #[serde(default)]
    notice: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

#[derive(Serialize)]
pub(super) struct SlotChoice {
    pub(super) index: u32,
    pub(super) time: String,
}

#[derive(Serialize)]
struct RegistrationForm {
    listings: Vec<Choice>,
    slots: Vec<SlotChoice>,
}

#[derive(Serialize)]
struct OtherParticipant {
    id: i64,
    name: String,
    listings: String,
}

#[derive(Serialize)]
struct RequestCard {
    id: i64,
    from: String,
    to: String,
    status: String,
    message: String,
    answerable: bool,
}

#[derive(Serialize)]
struct MeetingRow {
    id: i64,
    time: String,
    table: u32,
    researcher: String,
    company: String,
    attendance: String,
    outcome: String,
}

#[derive(Serialize)]
struct ParticipantRow {
    id: i64,
    name: String,
    role: String,
    status: String,
    listings: String,
}

/// The event page: public details and presentations; for participants registration, requests
/// and their meetings; for staff approvals, the scheduler and outcomes.
pub async fn event_page(
    visit: Visit,
    services: web::Data<Services>,
    path: web::Path<i64>,
    query: web::Query<EventPageQuery>,
) -> PageResult {
    let _ = &query.lang;
    let id = EventId(path.into_inner());
    let actor = visit.actor;
    let event = services.events.get(actor.as_ref(), id).await.or_page(&visit)?;
    let presentations: Vec<PresentationCard> = services
        .events
        .presentations(actor.as_ref(), id)
        .await
        .or_page(&visit)?
        .into_iter()
        .map(|(id, title)| PresentationCard { id, title })
        .collect();
    let timetable = &event.content.timetable;
    let slot_label = |slot: u32| {
        timetable
            .slot_time(slot)
            .map(|(start, end)| format!("{}–{}", start.format("%H:%M"), end.format("%H:%M")))
            .unwrap_or_default()
    };
    let staff = actor.is_some_and(|actor| actor.role.is_staff());
    let mut registration_form = None;
    let mut my_status = None;
    let mut others = Vec::new();
    let mut requests = Vec::new();
    let mut meetings = Vec::new();
    let mut participants = Vec::new();
    if let Some(actor) = actor {
        let mine = if staff { None } else { services.events.participant_of(&actor, id).await.ok().flatten() };
        let participant_role = match actor.role {
            techmatch_domain::Role::Researcher => Some(techmatch_domain::event::ParticipantRole::Researcher),
            techmatch_domain::Role::Company => Some(techmatch_domain::event::ParticipantRole::Company),
            _ => None,
        };
        if let Some(mine) = &mine {
            my_status = Some(mine.status.as_str().to_owned());
        } else if participant_role.is_some() && event.status == EventStatus::Open {
            let page = PageRequest { offset: 0, limit: 50 };
            let filters = ListingFilters { organization_id: actor.organization_id, ..ListingFilters::default() };
            let listings = if actor.role == techmatch_domain::Role::Researcher {
                services
                    .listings
                    .list_results(Some(&actor), ListingFilters { status: Some("published".into()), ..filters }, page)
                    .await
                    .map(|found| {
                        found
                            .items
                            .into_iter()
                            .map(|result| Choice { id: result.id.0, title: result.content.title.as_str().to_owned() })
                            .collect::<Vec<_>>()
                    })
            } else {
                services
                    .listings
                    .list_needs(Some(&actor), ListingFilters { status: Some("open".into()), ..filters }, page)
                    .await
                    .map(|found| {
                        found
                            .items
                            .into_iter()
                            .map(|need| Choice { id: need.id.0, title: need.content.title.as_str().to_owned() })
                            .collect::<Vec<_>>()
                    })
            };
            let listings = listings.or_page(&visit)?;
            let slots =
                (0..timetable.slot_count()).map(|index| SlotChoice { index, time: slot_label(index) }).collect();
            registration_form = Some(RegistrationForm { listings, slots });
        }
        let approved =
            mine.as_ref().is_some_and(|mine| mine.status == techmatch_domain::event::RegistrationStatus::Approved);
        if staff || approved {
            let views = services.events.participants(&actor, id).await.or_page(&visit)?;
            let names: BTreeMap<i64, String> =
                views.iter().map(|view| (view.participant.id.0, view.organization_name.clone())).collect();
            let name = |participant: techmatch_domain::event::ParticipantId| {
                names.get(&participant.0).cloned().unwrap_or_default()
            };
            for view in &views {
                let listings = view.listings.iter().map(|(_, title)| title.as_str()).collect::<Vec<_>>().join("、");
                if staff {
                    participants.push(ParticipantRow {
                        id: view.participant.id.0,
                        name: view.organization_name.clone(),
                        role: view.participant.role.as_str().to_owned(),
                        status: view.participant.status.as_str().to_owned(),
                        listings,
                    });
                } else if mine.as_ref().is_some_and(|mine| mine.role != view.participant.role) {
                    others.push(OtherParticipant {
                        id: view.participant.id.0,
                        name: view.organization_name.clone(),
                        listings,
                    });
                }
            }
            let now = chrono::Utc::now();
            {
                let found = services.events.requests(&actor, id).await.or_page(&visit)?;
                {
                    for item in found {
                        let status = item.status_at(now);
                        requests.push(RequestCard {
                            id: item.id.0,
                            from: name(item.from),
                            to: name(item.to),
                            status: status.as_str().to_owned(),
                            message: item.message.clone(),
                            answerable: status == techmatch_domain::event::RequestStatus::Pending
                                && mine.as_ref().is_some_and(|mine| mine.id == item.to),
                        });
                    }
                }
            }
            {
                let (_, found) = services.events.meetings(&actor, id).await.or_page(&visit)?;
                {
                    for meeting in found {
                        meetings.push(MeetingRow {
                            id: meeting.id.0,
                            time: slot_label(meeting.slot),
                            table: meeting.table + 1,
                            researcher: name(meeting.researcher),
                            company: name(meeting.company),
                            attendance: meeting.attendance.as_str().to_owned(),
                            outcome: meeting.deal.map(|deal| deal.stage.as_str().to_owned()).unwrap_or_default(),
                        });
                    }
                }
            }
        }
    }
    let notice = form_notice(&visit, query.notice.as_deref(), query.code.as_deref());
    let content = &event.content;
    let event = minijinja::context! {
        id => event.id.0,
        title => content.title.as_str(),
        date => content.timetable.date.to_string(),
        venue => content.venue.clone(),
        video_link => content.video_link.clone(),
        status => event.status.as_str(),
    };
    Ok(visit.render(
        StatusCode::OK,
        "event.html",
        minijinja::context! {
            event, presentations, notice, staff, registration_form, my_status, others, requests, meetings, participants,
            contract_types => techmatch_domain::deal::ContractType::ALL.iter().map(|kind| kind.as_str()).collect::<Vec<_>>(),
        },
    ))
}

pub async fn register_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    let event = path.into_inner();
    let actor = form.actor()?;
    let listing_ids = form.values("listing").filter_map(|value| value.parse().ok()).collect();
    let available_slots = form.values("slot").filter_map(|value| value.parse().ok()).collect();
    let max_meetings = form.field("max_meetings").parse().unwrap_or(0);
    let input = techmatch_service::events::RegistrationInput { listing_ids, available_slots, max_meetings };
    Ok(back_after(
        &format!("/events/{event}"),
        services.events.register(&actor, EventId(event), &input).await.map(|_| ()),
    ))
}

pub async fn decision_form(services: web::Data<Services>, path: web::Path<(i64, i64)>, form: Posted) -> PageResult {
    let (event, participant) = path.into_inner();
    let actor = form.actor()?;
    let approve = form.field("approve") == "true";
    let outcome = services
        .events
        .decide_registration(&actor, EventId(event), techmatch_domain::event::ParticipantId(participant), approve)
        .await
        .map(|_| ());
    Ok(back_after(&format!("/events/{event}"), outcome))
}

pub async fn request_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    let event = path.into_inner();
    let actor = form.actor()?;
    let to = techmatch_domain::event::ParticipantId(form.field("to").parse().unwrap_or(0));
    let outcome = services.events.request_meeting(&actor, EventId(event), to, form.field("message")).await.map(|_| ());
    Ok(back_after(&format!("/events/{event}"), outcome))
}

pub async fn answer_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    let actor = form.actor()?;
    let accept = form.field("accept") == "true";
    match services
        .events
        .answer_request(&actor, techmatch_domain::event::MeetingRequestId(path.into_inner()), accept)
        .await
    {
        Ok(answered) => Ok(back_to(&format!("/events/{}", answered.event_id.0), Ok(()))),
        Err(error) => {
            tracing::info!(error = %error, "answer refused");
            Ok(see_other("/my").finish())
        }
    }
}

pub async fn schedule_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    let event = path.into_inner();
    let actor = form.actor()?;
    Ok(back_after(&format!("/events/{event}"), services.events.schedule(&actor, EventId(event), &[]).await.map(|_| ())))
}

/// Staff record that a meeting was held and, optionally, what followed it on the pair's deal.
pub async fn outcome_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    let actor = form.actor()?;
    let meeting = techmatch_domain::event::MeetingId(path.into_inner());
    let recorded = match super::deals::posted_change(&form) {
        Ok(change) => {
            let outcome = Some(&change).filter(|change| !change.stage.is_empty());
            services.events.record_follow_up(&actor, meeting, Some("held"), outcome, chrono::Utc::now()).await
        }
        Err(errors) => Err(techmatch_service::ServiceError::Validation(errors)),
    };
    match recorded {
        Ok(recorded) => Ok(back_to(&format!("/events/{}", recorded.event_id.0), Ok(()))),
        Err(error) => {
            tracing::info!(error = %error, "outcome refused");
            match services.events.meeting_event(meeting).await {
                Some(event) => Ok(back_after(&format!("/events/{event}"), Err(error))),
                None => Err(error).or_page(&form.visit),
            }
        }
    }
}

/// The signed-in participant's agenda (staff: the whole schedule) as iCalendar.
pub async fn agenda_page(visit: Visit, services: web::Data<Services>, path: web::Path<i64>) -> PageResult {
    let actor = visit.signed_in()?;
    let calendar = services.events.agenda_ics(&actor, EventId(path.into_inner())).await.or_page(&visit)?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"agenda.ics\""))
        .body(calendar))
}

/// An officer opens a draft event for registration.
pub async fn open_event_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    let event = path.into_inner();
    let actor = form.actor()?;
    Ok(back_after(
        &format!("/events/{event}"),
        services.events.change_status(&actor, EventId(event), EventStatus::Open).await.map(|_| ()),
    ))
}
