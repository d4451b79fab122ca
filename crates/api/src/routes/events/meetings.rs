//! Meetings: the schedule as each side sees it, the agenda as iCalendar, and officers' moves on
//! the grid.

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use techmatch_domain::event::{Event, EventId, Meeting, MeetingId};
use techmatch_service::Services;
use techmatch_service::events::MeetingAdjustment;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody};

/// What followed a meeting: the deal of its pair, as it stands (`GET /deals/{id}` has its
/// timeline).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeBody {
    pub deal_id: i64,
    /// The deal's stage now.
    pub stage: String,
    /// The furthest stage the deal reached (a closed deal keeps it).
    pub furthest_stage: String,
    pub contract_amount_yuan: Option<i64>,
    pub contract_date: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatingBody {
    pub rating: String,
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingResponse {
    pub id: i64,
    pub event_id: i64,
    pub researcher: i64,
    pub company: i64,
    pub slot: u32,
    pub table: u32,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub weight: f64,
    /// `request`, `proposal` or `officer`.
    pub source: String,
    pub locked: bool,
    /// `scheduled`, `held` or `no_show`.
    pub attendance: String,
    pub result_id: Option<i64>,
    pub need_id: Option<i64>,
    pub outcome: Option<OutcomeBody>,
    pub researcher_rating: Option<RatingBody>,
    pub company_rating: Option<RatingBody>,
}

pub(super) fn meeting_response(meeting: Meeting, event: Option<&Event>) -> MeetingResponse {
    let times = event.and_then(|event| event.content.timetable.slot_time(meeting.slot));
    let rating = |rating: Option<(techmatch_domain::event::ServiceRating, Option<String>)>| {
        rating.map(|(rating, comment)| RatingBody { rating: rating.as_str().to_owned(), comment })
    };
    MeetingResponse {
        id: meeting.id.0,
        event_id: meeting.event_id.0,
        researcher: meeting.researcher.0,
        company: meeting.company.0,
        slot: meeting.slot,
        table: meeting.table,
        starts_at: times.map(|(start, _)| format!("{}+08:00", start.format("%Y-%m-%dT%H:%M:%S"))),
        ends_at: times.map(|(_, end)| format!("{}+08:00", end.format("%Y-%m-%dT%H:%M:%S"))),
        weight: meeting.weight,
        source: meeting.source.as_str().to_owned(),
        locked: meeting.locked,
        attendance: meeting.attendance.as_str().to_owned(),
        result_id: meeting.result_id,
        need_id: meeting.need_id,
        outcome: meeting.deal.map(|deal| OutcomeBody {
            deal_id: deal.id.0,
            stage: deal.stage.as_str().to_owned(),
            furthest_stage: deal.furthest_stage.as_str().to_owned(),
            contract_amount_yuan: deal.contract_amount_yuan,
            contract_date: deal.contract_date,
        }),
        researcher_rating: rating(meeting.researcher_rating),
        company_rating: rating(meeting.company_rating),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingListResponse {
    pub items: Vec<MeetingResponse>,
}

/// A move on the schedule grid: a new cell (0-based slot and table), a lock change, or both.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementRequest {
    pub slot: Option<u32>,
    pub table: Option<u32>,
    /// A moved meeting is locked unless this says `false`.
    pub locked: Option<bool>,
}

/// Meetings: staff see the event's whole schedule, participants their own.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    responses(
        (status = 200, description = "meetings by slot and table", body = MeetingListResponse),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 403, description = "neither staff nor a participant", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
    )
)]
#[get("/events/{id}/meetings")]
pub async fn list_meetings(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<web::Json<MeetingListResponse>, ApiError> {
    let (event, meetings) = services.events.meetings(&caller.0, EventId(path.into_inner())).await?;
    Ok(web::Json(MeetingListResponse {
        items: meetings.into_iter().map(|meeting| meeting_response(meeting, Some(&event))).collect(),
    }))
}

/// The caller's agenda as iCalendar (.ics); staff get the whole schedule.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    responses(
        (status = 200, description = "text/calendar", content_type = "text/calendar", body = String),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 403, description = "neither staff nor a participant", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
    )
)]
#[get("/events/{id}/agenda.ics")]
pub async fn agenda(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let calendar = services.events.agenda_ics(&caller.0, EventId(path.into_inner())).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"agenda.ics\""))
        .body(calendar))
}

/// Move a meeting to another cell of the schedule grid, or lock or unlock it (staff). A meeting
/// already in the target cell swaps places with it; every participant must stay free and
/// available. A moved meeting is locked, so rerunning the scheduler keeps it in its slot.
/// Returns the meetings that changed.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "meeting id")),
    request_body = PlacementRequest,
    responses(
        (status = 200, description = "the meetings that changed", body = MeetingListResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such meeting", body = ErrorBody),
        (status = 409, description = "event not scheduled, a participant busy or unavailable, a meeting already held, or the schedule changed meanwhile", body = ErrorBody),
        (status = 422, description = "no such slot or table", body = ErrorBody),
    )
)]
#[post("/meetings/{id}/placement")]
pub async fn place_meeting(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<PlacementRequest>,
) -> Result<web::Json<MeetingListResponse>, ApiError> {
    let body = body.into_inner();
    let adjustment = MeetingAdjustment { slot: body.slot, table: body.table, locked: body.locked };
    let changed = services.events.adjust_meeting(&caller.0, MeetingId(path.into_inner()), adjustment).await?;
    Ok(web::Json(MeetingListResponse {
        items: changed.into_iter().map(|meeting| meeting_response(meeting, None)).collect(),
    }))
}
