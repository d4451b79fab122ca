//! Event pages: the list, an event's page (registration, requests, meetings, the officer's
//! tools), the event form and the statistics page.

use super::*;

pub async fn events_page(request: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    let visit = visit(&request, &services).await;
    match services.events.list(visit.actor.as_ref(), PageRequest { offset: 0, limit: 50 }).await {
        Ok(events) => {
            let events: Vec<EventCard> = events.items.into_iter().map(event_card).collect();
            visit.render(StatusCode::OK, "events.html", minijinja::context! { events })
        }
        Err(error) => visit.failure(&error),
    }
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
struct SlotChoice {
    index: u32,
    time: String,
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
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    query: web::Query<EventPageQuery>,
) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let _ = &query.lang;
    let id = EventId(path.into_inner());
    let actor = visit.actor;
    let event = match services.events.get(actor.as_ref(), id).await {
        Ok(event) => event,
        Err(error) => return visit.failure(&error),
    };
    let presentations = match services.events.presentations(actor.as_ref(), id).await {
        Ok(items) => items.into_iter().map(|(id, title)| PresentationCard { id, title }).collect::<Vec<_>>(),
        Err(error) => return visit.failure(&error),
    };
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
            match listings {
                Ok(listings) => {
                    let slots = (0..timetable.slot_count())
                        .map(|index| SlotChoice { index, time: slot_label(index) })
                        .collect();
                    registration_form = Some(RegistrationForm { listings, slots });
                }
                Err(error) => return visit.failure(&error),
            }
        }
        let approved =
            mine.as_ref().is_some_and(|mine| mine.status == techmatch_domain::event::RegistrationStatus::Approved);
        if staff || approved {
            let views = match services.events.participants(&actor, id).await {
                Ok(views) => views,
                Err(error) => return visit.failure(&error),
            };
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
            match services.events.requests(&actor, id).await {
                Ok(found) => {
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
                Err(error) => return visit.failure(&error),
            }
            match services.events.meetings(&actor, id).await {
                Ok((_, found)) => {
                    for meeting in found {
                        meetings.push(MeetingRow {
                            id: meeting.id.0,
                            time: slot_label(meeting.slot),
                            table: meeting.table + 1,
                            researcher: name(meeting.researcher),
                            company: name(meeting.company),
                            attendance: meeting.attendance.as_str().to_owned(),
                            outcome: meeting
                                .outcome
                                .map(|outcome| outcome.stage.as_str().to_owned())
                                .unwrap_or_default(),
                        });
                    }
                }
                Err(error) => return visit.failure(&error),
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
    visit.render(
        StatusCode::OK,
        "event.html",
        minijinja::context! {
            event, presentations, notice, staff, registration_form, my_status, others, requests, meetings, participants
        },
    )
}

pub async fn register_form(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> HttpResponse {
    let event = path.into_inner();
    let (_, actor, pairs) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let listing_ids =
        pairs.iter().filter(|(key, _)| key == "listing").filter_map(|(_, value)| value.parse().ok()).collect();
    let available_slots =
        pairs.iter().filter(|(key, _)| key == "slot").filter_map(|(_, value)| value.parse().ok()).collect();
    let max_meetings = field(&pairs, "max_meetings").parse().unwrap_or(0);
    let input = techmatch_service::events::RegistrationInput { listing_ids, available_slots, max_meetings };
    back_after(&format!("/events/{event}"), services.events.register(&actor, EventId(event), &input).await.map(|_| ()))
}

pub async fn decision_form(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(i64, i64)>,
    body: web::Bytes,
) -> HttpResponse {
    let (event, participant) = path.into_inner();
    let (_, actor, pairs) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let approve = field(&pairs, "approve") == "true";
    let outcome = services
        .events
        .decide_registration(&actor, EventId(event), techmatch_domain::event::ParticipantId(participant), approve)
        .await
        .map(|_| ());
    back_after(&format!("/events/{event}"), outcome)
}

pub async fn request_form(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> HttpResponse {
    let event = path.into_inner();
    let (_, actor, pairs) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let to = techmatch_domain::event::ParticipantId(field(&pairs, "to").parse().unwrap_or(0));
    let outcome =
        services.events.request_meeting(&actor, EventId(event), to, field(&pairs, "message")).await.map(|_| ());
    back_after(&format!("/events/{event}"), outcome)
}

pub async fn answer_form(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> HttpResponse {
    let (_, actor, pairs) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let accept = field(&pairs, "accept") == "true";
    match services
        .events
        .answer_request(&actor, techmatch_domain::event::MeetingRequestId(path.into_inner()), accept)
        .await
    {
        Ok(answered) => back_to(&format!("/events/{}", answered.event_id.0), Ok(())),
        Err(error) => {
            tracing::info!(error = %error, "answer refused");
            see_other("/my").finish()
        }
    }
}

pub async fn schedule_form(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> HttpResponse {
    let event = path.into_inner();
    let (_, actor, _) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    back_after(&format!("/events/{event}"), services.events.schedule(&actor, EventId(event), &[]).await.map(|_| ()))
}

pub async fn outcome_form(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> HttpResponse {
    let (_, actor, pairs) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let stage = field(&pairs, "stage");
    let amount = field(&pairs, "amount").parse::<i64>().ok();
    let date = Some(field(&pairs, "date")).filter(|date| !date.is_empty());
    let outcome = (!stage.is_empty()).then_some((stage, amount, date));
    let meeting = techmatch_domain::event::MeetingId(path.into_inner());
    match services.events.record_follow_up(&actor, meeting, Some("held"), outcome).await {
        Ok(recorded) => back_to(&format!("/events/{}", recorded.event_id.0), Ok(())),
        Err(error) => {
            tracing::info!(error = %error, "outcome refused");
            match services.events.meeting_event(meeting).await {
                Some(event) => back_after(&format!("/events/{event}"), Err(error)),
                None => visit(&request, &services).await.failure(&error),
            }
        }
    }
}

/// The signed-in participant's agenda (staff: the whole schedule) as iCalendar.
pub async fn agenda_page(request: HttpRequest, services: web::Data<Services>, path: web::Path<i64>) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let Some(actor) = visit.actor else { return to_login() };
    match services.events.agenda_ics(&actor, EventId(path.into_inner())).await {
        Ok(calendar) => HttpResponse::Ok()
            .content_type("text/calendar; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"agenda.ics\""))
            .body(calendar),
        Err(error) => visit.failure(&error),
    }
}

/// The event form's fields: (name, label key, input kind, choices, default).
pub(super) const EVENT_FIELDS: [(&str, &str, &str, &[&str], &str); 14] = [
    ("title", "event_title", "text", &[], ""),
    ("kind", "event_kind", "select", &["matchmaking_fair", "roadshow", "both"], "matchmaking_fair"),
    ("mode", "event_mode", "select", &["on_site", "online", "hybrid"], "on_site"),
    ("venue", "event_venue", "text", &[], ""),
    ("video_link", "event_online", "url", &[], ""),
    ("date", "event_date", "date", &[], ""),
    ("slot_minutes", "slot_minutes", "number", &[], "20"),
    ("morning_start", "morning_start", "time", &[], "09:00"),
    ("morning_slots", "morning_slots", "number", &[], "6"),
    ("afternoon_start", "afternoon_start", "time", &[], "14:00"),
    ("afternoon_slots", "afternoon_slots", "number", &[], "0"),
    ("tables", "tables_label", "number", &[], "10"),
    ("capacity", "capacity_label", "number", &[], "100"),
    ("registration_deadline", "registration_deadline", "date", &[], ""),
];

fn event_form_page(visit: &Visit, values: &[(String, String)], errors: &[(String, String, String)]) -> HttpResponse {
    let inputs: Vec<FormInput> = EVENT_FIELDS
        .iter()
        .map(|(name, label_key, kind, options, default)| FormInput {
            name,
            label: label(visit, label_key),
            kind,
            value: values
                .iter()
                .find(|(key, _)| key == name)
                .map_or_else(|| (*default).to_owned(), |(_, value)| value.clone()),
            options: options.to_vec(),
            error: errors
                .iter()
                .filter(|(field, _, _)| {
                    field == name
                        || (name.ends_with("_start") || name.ends_with("_slots")) && field.starts_with("sessions")
                })
                .map(|(_, code, message)| error_text(visit, code, message))
                .next(),
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    visit.render(status, "event_form.html", minijinja::context! { inputs, errors => !errors.is_empty() })
}

pub async fn new_event_form(request: HttpRequest, services: web::Data<Services>) -> HttpResponse {
    let visit = visit(&request, &services).await;
    match visit.actor {
        None => to_login(),
        Some(actor) if !actor.role.is_staff() => {
            visit.message(StatusCode::NOT_FOUND, "not_found_title", "not_found_text")
        }
        Some(_) => event_form_page(&visit, &[], &[]),
    }
}

/// Creates an event (as a draft) from the form; the deadline date means the end of that day
/// in China Standard Time.
pub async fn create_event_form(request: HttpRequest, services: web::Data<Services>, body: web::Bytes) -> HttpResponse {
    let (visit, actor, pairs) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let count = |name: &str| field(&pairs, name).trim().parse::<u32>().unwrap_or(0);
    let mut sessions = Vec::new();
    for (start, slots) in [("morning_start", "morning_slots"), ("afternoon_start", "afternoon_slots")] {
        if count(slots) > 0 {
            sessions.push((field(&pairs, start).to_owned(), count(slots)));
        }
    }
    let deadline = chrono::NaiveDate::parse_from_str(field(&pairs, "registration_deadline").trim(), "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(23, 59, 59))
        .map(|local| local - chrono::Duration::hours(8))
        .map(|utc| utc.and_utc());
    let Some(registration_deadline) = deadline else {
        let error = ("registration_deadline".to_owned(), "invalid_date".to_owned(), "must be a date".to_owned());
        return event_form_page(&visit, &pairs, &[error]);
    };
    let input = techmatch_domain::event::EventInput {
        title: field(&pairs, "title").to_owned(),
        kind: field(&pairs, "kind").to_owned(),
        theme_industries: Vec::new(),
        theme_keywords: Vec::new(),
        mode: field(&pairs, "mode").to_owned(),
        venue: optional(field(&pairs, "venue")),
        video_link: optional(field(&pairs, "video_link")),
        date: field(&pairs, "date").to_owned(),
        slot_minutes: count("slot_minutes"),
        sessions,
        tables: count("tables"),
        capacity: count("capacity"),
        registration_deadline,
        request_expiry_hours: None,
    };
    match services.events.create(&actor, &input).await {
        Ok(event) => see_other(&format!("/events/{}", event.id.0)).finish(),
        Err(ServiceError::Validation(found)) => {
            let errors: Vec<(String, String, String)> =
                found.0.into_iter().map(|error| (error.field, error.code.to_owned(), error.message)).collect();
            event_form_page(&visit, &pairs, &errors)
        }
        Err(error) => visit.failure(&error),
    }
}

pub async fn open_event_form(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> HttpResponse {
    let event = path.into_inner();
    let (_, actor, _) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    back_after(
        &format!("/events/{event}"),
        services.events.change_status(&actor, EventId(event), EventStatus::Open).await.map(|_| ()),
    )
}

#[derive(Debug, Deserialize)]
pub struct StatsPageQuery {
    from: Option<String>,
    to: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

#[derive(Serialize)]
struct TallyRow {
    key: String,
    events: u64,
    meetings: u64,
    intents: u64,
    contracts: u64,
    amount: i64,
    share: i64,
    /// Bar lengths in the chart (0–300), on one scale per table.
    bars: [u64; 3],
}

#[derive(Serialize)]
struct TallyTable {
    heading: String,
    rows: Vec<TallyRow>,
}

/// The statistics for staff: headline figures, the report sentence in the page's language,
/// and tables by month, industry and region with a bar for each amount (no scripts needed).
pub async fn stats_page(
    request: HttpRequest,
    services: web::Data<Services>,
    query: web::Query<StatsPageQuery>,
) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let Some(actor) = visit.actor else { return to_login() };
    let _ = &query.lang;
    let today = chrono::Utc::now().date_naive();
    let year_start = chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today);
    let parse = |raw: &Option<String>, default: chrono::NaiveDate| {
        raw.as_deref().and_then(|raw| chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()).unwrap_or(default)
    };
    let (from, to) = (parse(&query.from, year_start), parse(&query.to, today + chrono::Duration::days(365)));
    let statistics = match services.events.statistics(&actor, from, to).await {
        Ok(statistics) => statistics,
        Err(error) => return visit.failure(&error),
    };
    let table = |heading: &str, map: &BTreeMap<String, techmatch_service::events::Tally>| {
        let largest = map.values().map(|tally| tally.contract_amount_yuan).max().unwrap_or(0).max(1);
        let most = map
            .values()
            .map(|tally| tally.meetings_held.max(tally.intents).max(tally.contracts))
            .max()
            .unwrap_or(0)
            .max(1);
        TallyTable {
            heading: label(&visit, heading),
            rows: map
                .iter()
                .map(|(key, tally)| TallyRow {
                    key: key.clone(),
                    events: tally.events,
                    meetings: tally.meetings_held,
                    intents: tally.intents,
                    contracts: tally.contracts,
                    amount: tally.contract_amount_yuan,
                    share: tally.contract_amount_yuan * 100 / largest,
                    bars: [tally.meetings_held, tally.intents, tally.contracts].map(|count| count * 300 / most),
                })
                .collect(),
        }
    };
    let tables = vec![
        table("by_month", &statistics.by_month),
        table("by_industry", &statistics.by_industry),
        table("by_region", &statistics.by_region),
    ];
    let summary =
        if visit.language == Language::Chinese { statistics.summary_zh.clone() } else { statistics.summary_en.clone() };
    let figures = minijinja::context! {
        events_held => statistics.events_held,
        meetings_held => statistics.meetings_held,
        intents => statistics.intents,
        contracts => statistics.contracts,
        amount => statistics.contract_amount_yuan,
    };
    visit.render(
        StatusCode::OK,
        "stats.html",
        minijinja::context! { from => from.to_string(), to => to.to_string(), summary, figures, tables },
    )
}

#[derive(Serialize)]
struct GridMeeting {
    id: i64,
    researcher: String,
    company: String,
    locked: bool,
    attendance: String,
}

#[derive(Serialize)]
struct GridRow {
    slot: u32,
    time: String,
    cells: Vec<Option<GridMeeting>>,
}

#[derive(Deserialize)]
pub struct GridQuery {
    notice: Option<String>,
    code: Option<String>,
    #[allow(dead_code)]
    lang: Option<String>,
}

/// The officer's schedule as a grid of slots × tables. Each meeting has a form to move it to
/// another cell (a swap when that cell is taken) and to lock or unlock it; with scripts on, a
/// meeting can also be dragged onto a cell. Staff only, like the API's schedule routes.
pub async fn grid_page(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    query: web::Query<GridQuery>,
) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let Some(actor) = visit.actor else { return to_login() };
    if !actor.role.is_staff() {
        return visit.failure(&ServiceError::Forbidden);
    }
    let id = EventId(path.into_inner());
    let (event, meetings) = match services.events.meetings(&actor, id).await {
        Ok(found) => found,
        Err(error) => return visit.failure(&error),
    };
    let views = match services.events.participants(&actor, id).await {
        Ok(views) => views,
        Err(error) => return visit.failure(&error),
    };
    let names: BTreeMap<i64, String> =
        views.iter().map(|view| (view.participant.id.0, view.organization_name.clone())).collect();
    let name =
        |participant: techmatch_domain::event::ParticipantId| names.get(&participant.0).cloned().unwrap_or_default();
    let timetable = &event.content.timetable;
    let tables = event.content.tables;
    let mut rows: Vec<GridRow> = (0..timetable.slot_count())
        .map(|slot| GridRow {
            slot,
            time: timetable
                .slot_time(slot)
                .map(|(start, end)| format!("{}–{}", start.format("%H:%M"), end.format("%H:%M")))
                .unwrap_or_default(),
            cells: (0..tables).map(|_| None).collect(),
        })
        .collect();
    for meeting in meetings {
        if let Some(cell) =
            rows.get_mut(meeting.slot as usize).and_then(|row| row.cells.get_mut(meeting.table as usize))
        {
            *cell = Some(GridMeeting {
                id: meeting.id.0,
                researcher: name(meeting.researcher),
                company: name(meeting.company),
                locked: meeting.locked,
                attendance: meeting.attendance.as_str().to_owned(),
            });
        }
    }
    let notice = form_notice(&visit, query.notice.as_deref(), query.code.as_deref());
    let slots: Vec<SlotChoice> =
        rows.iter().map(|row| SlotChoice { index: row.slot, time: row.time.clone() }).collect();
    let event = minijinja::context! {
        id => event.id.0,
        title => event.content.title.as_str(),
        date => event.content.timetable.date.to_string(),
        status => event.status.as_str(),
    };
    let table_numbers: Vec<u32> = (1..=tables).collect();
    visit.render(StatusCode::OK, "grid.html", minijinja::context! { event, rows, slots, table_numbers, notice })
}

/// A move, swap, lock or unlock from the grid page. `table` is 1-based as printed; a move
/// form sends `mode=move` and a lock checkbox, a lock button only `locked`.
pub async fn grid_move_form(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<i64>,
    body: web::Bytes,
) -> HttpResponse {
    let event = path.into_inner();
    let (_, actor, pairs) = match signed_in_form(&request, &services, &body).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let grid = format!("/events/{event}/grid");
    let back = |outcome: Result<(), &str>| back_to(&grid, outcome);
    let Ok(meeting) = field(&pairs, "meeting").parse::<i64>() else { return back(Err("validation_failed")) };
    let slot = match field(&pairs, "slot") {
        "" => None,
        raw => match raw.parse::<u32>() {
            Ok(slot) => Some(slot),
            Err(_) => return back(Err("out_of_range")),
        },
    };
    let table = match field(&pairs, "table") {
        "" => None,
        raw => match raw.parse::<u32>() {
            Ok(table) if table >= 1 => Some(table - 1),
            _ => return back(Err("out_of_range")),
        },
    };
    let locked = match (field(&pairs, "locked"), field(&pairs, "mode")) {
        ("true", _) => Some(true),
        ("false", _) | ("", "move") => Some(false),
        _ => None,
    };
    let adjustment = techmatch_service::events::MeetingAdjustment { slot, table, locked };
    let moved = services.events.adjust_meeting(&actor, techmatch_domain::event::MeetingId(meeting), adjustment).await;
    back_after(&grid, moved.map(|_| ()))
}

/// The schedule workbook and printable page behind the grid page's links (staff).
pub async fn schedule_download(
    request: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(i64, String)>,
) -> HttpResponse {
    let visit = visit(&request, &services).await;
    let Some(actor) = visit.actor else { return to_login() };
    let (event, format) = path.into_inner();
    let response = match format.as_str() {
        "xlsx" => crate::routes::events::schedule_workbook(&services, &actor, EventId(event)).await,
        "html" => crate::routes::events::schedule_print_page(&services, &actor, EventId(event)).await,
        _ => return visit.failure(&ServiceError::NotFound("format")),
    };
    response.unwrap_or_else(|error| actix_web::ResponseError::error_response(&error))
}
