//! The officer's schedule grid: slots × tables, each meeting movable to another cell (a swap
//! when taken) and lockable, and the schedule's downloads behind it.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use techmatch_domain::event::EventId;
use techmatch_service::{ServiceError, Services};

use super::events::SlotChoice;
use super::refusal::{OrPage, PageError, PageResult, back_after, back_to, form_notice};
use super::session::{Posted, Visit};

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
    visit: Visit,
    services: web::Data<Services>,
    path: web::Path<i64>,
    query: web::Query<GridQuery>,
) -> PageResult {
    let actor = visit.signed_in()?;
    if !actor.role.is_staff() {
        return Err(PageError::failed(&visit, ServiceError::Forbidden));
    }
    let id = EventId(path.into_inner());
    let (event, meetings) = services.events.meetings(&actor, id).await.or_page(&visit)?;
    let views = services.events.participants(&actor, id).await.or_page(&visit)?;
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
    Ok(visit.render(StatusCode::OK, "grid.html", minijinja::context! { event, rows, slots, table_numbers, notice }))
}

/// A move, swap, lock or unlock from the grid page. `table` is 1-based as printed; a move
/// form sends `mode=move` and a lock checkbox, a lock button only `locked`.
pub async fn grid_move_form(services: web::Data<Services>, path: web::Path<i64>, form: Posted) -> PageResult {
    let event = path.into_inner();
    let actor = form.actor()?;
    let grid = format!("/events/{event}/grid");
    let back = |outcome: Result<(), &str>| Ok(back_to(&grid, outcome));
    let Ok(meeting) = form.field("meeting").parse::<i64>() else { return back(Err("validation_failed")) };
    let slot = match form.field("slot") {
        "" => None,
        raw => match raw.parse::<u32>() {
            Ok(slot) => Some(slot),
            Err(_) => return back(Err("out_of_range")),
        },
    };
    let table = match form.field("table") {
        "" => None,
        raw => match raw.parse::<u32>() {
            Ok(table) if table >= 1 => Some(table - 1),
            _ => return back(Err("out_of_range")),
        },
    };
    let locked = match (form.field("locked"), form.field("mode")) {
        ("true", _) => Some(true),
        ("false", _) | ("", "move") => Some(false),
        _ => None,
    };
    let adjustment = techmatch_service::events::MeetingAdjustment { slot, table, locked };
    let moved = services.events.adjust_meeting(&actor, techmatch_domain::event::MeetingId(meeting), adjustment).await;
    Ok(back_after(&grid, moved.map(|_| ())))
}

/// The schedule workbook and printable page behind the grid page's links (staff).
pub async fn schedule_download(
    visit: Visit,
    services: web::Data<Services>,
    path: web::Path<(i64, String)>,
) -> PageResult {
    let actor = visit.signed_in()?;
    let (event, format) = path.into_inner();
    let response = match format.as_str() {
        "xlsx" => crate::routes::events::schedule_workbook(&services, &actor, EventId(event)).await,
        "html" => crate::routes::events::schedule_print_page(&services, &actor, EventId(event)).await,
        _ => return Err(PageError::not_found(&visit)),
    };
    Ok(response.unwrap_or_else(|error| actix_web::ResponseError::error_response(&error)))
}
