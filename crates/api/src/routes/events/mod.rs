//! Events (roadshows and matchmaking fairs): the events themselves here, and one module per
//! use case with its wire formats beside it: registrations, meeting requests, scheduling,
//! meetings and the grid, outcomes, roadshow presentations, statistics, notifications and the
//! schedule's files.

mod meetings;
mod notifications;
mod outcomes;
mod presentations;
mod registrations;
mod requests;
mod schedule_files;
mod scheduling;
mod statistics;

pub use meetings::{agenda, list_meetings, place_meeting};
pub use notifications::{list_notifications, mark_notifications_read};
pub use outcomes::{follow_up, rate};
pub use presentations::{confirm_presentations, invitations, list_presentations, roadshow};
pub use registrations::{decide_registration, list_participants, register};
pub use requests::{answer_request, list_requests, request_meeting};
pub use schedule_files::{schedule_html, schedule_xlsx};
pub(crate) use schedule_files::{schedule_print_page, schedule_workbook};
pub use scheduling::schedule;
pub use statistics::get_statistics;
pub(crate) use statistics::parse_date;

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use techmatch_domain::event::{Event, EventId, EventInput, EventStatus};
use techmatch_service::Services;
use utoipa::ToSchema;

use crate::dto::PageQuery;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authenticated, JsonBody, MaybeAuthenticated};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    /// Local start time (China Standard Time), e.g. `09:00`.
    pub start: String,
    pub slots: u32,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEventRequest {
    pub title: String,
    /// `roadshow`, `matchmaking_fair` or `both`.
    pub kind: String,
    #[serde(default)]
    pub theme_industries: Vec<String>,
    #[serde(default)]
    pub theme_keywords: Vec<String>,
    /// `on_site`, `online` or `hybrid`.
    pub mode: String,
    pub venue: Option<String>,
    pub video_link: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub slot_minutes: u32,
    pub sessions: Vec<SessionRequest>,
    pub tables: u32,
    pub capacity: u32,
    pub registration_deadline: DateTime<Utc>,
    /// Hours an unanswered meeting request stays open (default 48).
    pub request_expiry_hours: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionBody {
    pub start: String,
    pub slots: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventResponse {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub theme_industries: Vec<String>,
    pub theme_keywords: Vec<String>,
    pub mode: String,
    pub venue: Option<String>,
    pub video_link: Option<String>,
    pub date: NaiveDate,
    pub slot_minutes: u32,
    pub sessions: Vec<SessionBody>,
    pub slot_count: u32,
    pub tables: u32,
    pub capacity: u32,
    pub registration_deadline: DateTime<Utc>,
    pub request_expiry_hours: u32,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Event> for EventResponse {
    fn from(event: Event) -> Self {
        let content = event.content;
        EventResponse {
            id: event.id.0,
            title: content.title.as_str().to_owned(),
            kind: content.kind.as_str().to_owned(),
            theme_industries: content.theme_industries.iter().map(|code| code.as_str().to_owned()).collect(),
            theme_keywords: content.theme_keywords.as_slice().to_vec(),
            mode: content.mode.as_str().to_owned(),
            venue: content.venue,
            video_link: content.video_link,
            date: content.timetable.date,
            slot_minutes: content.timetable.slot_minutes,
            slot_count: content.timetable.slot_count(),
            sessions: content
                .timetable
                .sessions
                .iter()
                .map(|session| SessionBody { start: session.start.format("%H:%M").to_string(), slots: session.slots })
                .collect(),
            tables: content.tables,
            capacity: content.capacity,
            registration_deadline: content.registration_deadline,
            request_expiry_hours: content.request_expiry_hours,
            status: event.status.as_str().to_owned(),
            created_at: event.created_at,
            updated_at: event.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventListResponse {
    pub items: Vec<EventResponse>,
    pub total: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// `open` or `closed` (an event becomes `scheduled` by running the scheduler).
    pub status: String,
}

/// List events: the public sees open, scheduled and closed ones; staff also drafts.
#[utoipa::path(
    tag = "events",
    params(PageQuery),
    responses(
        (status = 200, description = "events, newest first", body = EventListResponse),
        (status = 400, description = "invalid query string", body = ErrorBody),
        (status = 401, description = "a token was sent but is invalid", body = ErrorBody),
        (status = 422, description = "limit out of range", body = ErrorBody),
    )
)]
#[get("/events")]
pub async fn list_events(
    services: web::Data<Services>,
    caller: MaybeAuthenticated,
    query: web::Query<PageQuery>,
) -> Result<web::Json<EventListResponse>, ApiError> {
    let page = query.into_inner().into_page_request()?;
    let events = services.events.list(caller.actor(), page).await?;
    Ok(web::Json(EventListResponse { items: events.items.into_iter().map(Into::into).collect(), total: events.total }))
}

/// Create an event (draft). Liaison officers and admins.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    request_body = CreateEventRequest,
    responses(
        (status = 201, description = "created as a draft", body = EventResponse),
        (status = 400, description = "malformed json, unknown field or wrong type", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 422, description = "invalid fields, listed in details", body = ErrorBody),
    )
)]
#[post("/events")]
pub async fn create_event(
    services: web::Data<Services>,
    caller: Authenticated,
    body: JsonBody<CreateEventRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = EventInput {
        title: body.title,
        kind: body.kind,
        theme_industries: body.theme_industries,
        theme_keywords: body.theme_keywords,
        mode: body.mode,
        venue: body.venue,
        video_link: body.video_link,
        date: body.date,
        slot_minutes: body.slot_minutes,
        sessions: body.sessions.into_iter().map(|session| (session.start, session.slots)).collect(),
        tables: body.tables,
        capacity: body.capacity,
        registration_deadline: body.registration_deadline,
        request_expiry_hours: body.request_expiry_hours,
    };
    let event = services.events.create(&caller.0, &input).await?;
    Ok(HttpResponse::Created().json(EventResponse::from(event)))
}

/// One event (drafts only for staff).
#[utoipa::path(
    tag = "events",
    params(("id" = i64, Path, description = "event id")),
    responses(
        (status = 200, description = "the event", body = EventResponse),
        (status = 400, description = "invalid id", body = ErrorBody),
        (status = 401, description = "a token was sent but is invalid", body = ErrorBody),
        (status = 404, description = "no such event visible to the caller", body = ErrorBody),
    )
)]
#[get("/events/{id}")]
pub async fn get_event(
    services: web::Data<Services>,
    caller: MaybeAuthenticated,
    path: web::Path<i64>,
) -> Result<web::Json<EventResponse>, ApiError> {
    Ok(web::Json(services.events.get(caller.actor(), EventId(path.into_inner())).await?.into()))
}

/// Open an event for registration or close it (staff). Setting the current status is a no-op.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    request_body = StatusRequest,
    responses(
        (status = 200, description = "the event with its new status", body = EventResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 409, description = "not a transition the lifecycle allows", body = ErrorBody),
        (status = 422, description = "unknown status", body = ErrorBody),
    )
)]
#[post("/events/{id}/status")]
pub async fn change_status(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<StatusRequest>,
) -> Result<web::Json<EventResponse>, ApiError> {
    let status = EventStatus::parse("status", &body.status).map_err(|error| ApiError::validation(vec![error]))?;
    Ok(web::Json(services.events.change_status(&caller.0, EventId(path.into_inner()), status).await?.into()))
}
