//! Events (roadshows and matchmaking fairs), registrations, meeting requests, the schedule,
//! follow-up, statistics and notifications.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use techmatch_domain::event::{
    Event, EventId, EventInput, EventStatus, Meeting, MeetingId, MeetingRequest, MeetingRequestId, Notification,
    ParticipantId,
};
use techmatch_domain::{Actor, FieldError, ValidationErrors};
use techmatch_service::Services;
use techmatch_service::events::{
    MeetingAdjustment, PairInstruction, ParticipantView, RegistrationInput, ScheduleSummary, Statistics,
};
use utoipa::{IntoParams, ToSchema};

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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationRequest {
    /// Researchers: ids of their organization's published results; companies: of its open needs.
    pub listing_ids: Vec<i64>,
    /// Slot numbers (0-based across sessions) the participant can meet in.
    pub available_slots: Vec<u32>,
    pub max_meetings: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingTitle {
    pub id: i64,
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantResponse {
    pub id: i64,
    pub event_id: i64,
    pub user_id: i64,
    pub organization_id: i64,
    pub organization_name: Option<String>,
    /// `researcher` or `company`.
    pub role: String,
    /// The listings the participant brings that the caller may see.
    pub listings: Vec<ListingTitle>,
    pub available_slots: Vec<u32>,
    pub max_meetings: u32,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
}

fn participant_response(view: ParticipantView) -> ParticipantResponse {
    let participant = view.participant;
    ParticipantResponse {
        id: participant.id.0,
        event_id: participant.event_id.0,
        user_id: participant.user_id.0,
        organization_id: participant.organization_id.0,
        organization_name: Some(view.organization_name).filter(|name| !name.is_empty()),
        role: participant.role.as_str().to_owned(),
        listings: view.listings.into_iter().map(|(id, title)| ListingTitle { id, title }).collect(),
        available_slots: participant.available_slots,
        max_meetings: participant.max_meetings,
        status: participant.status.as_str().to_owned(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipantListResponse {
    pub items: Vec<ParticipantResponse>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationDecisionRequest {
    pub approve: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingRequestBody {
    /// The participant id of the other side.
    pub to: i64,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingRequestResponse {
    pub id: i64,
    pub event_id: i64,
    pub from: i64,
    pub to: i64,
    pub message: String,
    /// `pending`, `accepted`, `declined` or `expired`.
    pub status: String,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
}

impl From<MeetingRequest> for MeetingRequestResponse {
    fn from(request: MeetingRequest) -> Self {
        let status = request.status_at(Utc::now()).as_str().to_owned();
        MeetingRequestResponse {
            id: request.id.0,
            event_id: request.event_id.0,
            from: request.from.0,
            to: request.to.0,
            message: request.message,
            status,
            expires_at: request.expires_at,
            created_at: request.created_at,
            responded_at: request.responded_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingRequestListResponse {
    pub items: Vec<MeetingRequestResponse>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    pub accept: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    pub researcher: i64,
    pub company: i64,
    /// Lock the meeting at this slot; without it the pair is recommended wherever it fits.
    pub slot: Option<u32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    /// Pairs the officer adds or locks; accepted requests and match-score proposals are added
    /// by the system.
    #[serde(default)]
    pub pairs: Vec<PairRequest>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleResponse {
    pub meetings: usize,
    pub total_weight: f64,
    /// Proven upper bound on the best total weight; equal to it when optimal.
    pub upper_bound: f64,
    pub gap_percent: f64,
    pub from_requests: usize,
    /// Meetings of the previous schedule kept at the same slot and table.
    pub kept_in_place: usize,
}

impl From<ScheduleSummary> for ScheduleResponse {
    fn from(summary: ScheduleSummary) -> Self {
        ScheduleResponse {
            meetings: summary.meetings,
            total_weight: summary.total_weight,
            upper_bound: summary.upper_bound,
            gap_percent: summary.gap_percent,
            from_requests: summary.from_requests,
            kept_in_place: summary.kept_in_place,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeBody {
    pub stage: String,
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

fn meeting_response(meeting: Meeting, event: Option<&Event>) -> MeetingResponse {
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
        outcome: meeting.outcome.map(|outcome| OutcomeBody {
            stage: outcome.stage.as_str().to_owned(),
            contract_amount_yuan: outcome.contract_amount_yuan,
            contract_date: outcome.contract_date,
        }),
        researcher_rating: rating(meeting.researcher_rating),
        company_rating: rating(meeting.company_rating),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingListResponse {
    pub items: Vec<MeetingResponse>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// `contacted`, `intent_signed` or `contract_signed` (only forward).
    pub stage: String,
    /// Required for a signed contract, in yuan.
    pub contract_amount_yuan: Option<i64>,
    /// Required for a signed contract, `YYYY-MM-DD`.
    pub contract_date: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpRequest {
    /// `scheduled`, `held` or `no_show`.
    pub attendance: Option<String>,
    pub outcome: Option<OutcomeRequest>,
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

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingRequest {
    /// `good` or `poor`.
    pub rating: String,
    pub comment: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First event date counted, `YYYY-MM-DD`.
    #[param(format = Date)]
    pub from: String,
    /// Last event date counted, `YYYY-MM-DD`.
    #[param(format = Date)]
    pub to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TallyBody {
    pub events: u64,
    pub meetings_held: u64,
    pub intents: u64,
    pub contracts: u64,
    pub contract_amount_yuan: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatsResponse {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub events_held: u64,
    pub roadshows: u64,
    /// Results presented on stage (confirmed roadshow orders).
    pub presentations: u64,
    pub meetings_scheduled: u64,
    pub meetings_held: u64,
    pub intents: u64,
    pub contracts: u64,
    pub contract_amount_yuan: i64,
    pub by_month: std::collections::BTreeMap<String, TallyBody>,
    pub by_industry: std::collections::BTreeMap<String, TallyBody>,
    pub by_region: std::collections::BTreeMap<String, TallyBody>,
    /// The sentence a city report uses, in Chinese and in English.
    pub summary_zh: String,
    pub summary_en: String,
}

impl From<Statistics> for StatsResponse {
    fn from(statistics: Statistics) -> Self {
        let convert = |map: std::collections::BTreeMap<String, techmatch_service::events::Tally>| {
            map.into_iter()
                .map(|(key, tally)| {
                    (
                        key,
                        TallyBody {
                            events: tally.events,
                            meetings_held: tally.meetings_held,
                            intents: tally.intents,
                            contracts: tally.contracts,
                            contract_amount_yuan: tally.contract_amount_yuan,
                        },
                    )
                })
                .collect()
        };
        StatsResponse {
            from: statistics.from,
            to: statistics.to,
            events_held: statistics.events_held,
            roadshows: statistics.roadshows,
            presentations: statistics.presentations,
            meetings_scheduled: statistics.meetings_scheduled,
            meetings_held: statistics.meetings_held,
            intents: statistics.intents,
            contracts: statistics.contracts,
            contract_amount_yuan: statistics.contract_amount_yuan,
            by_month: convert(statistics.by_month),
            by_industry: convert(statistics.by_industry),
            by_region: convert(statistics.by_region),
            summary_zh: statistics.summary_zh,
            summary_en: statistics.summary_en,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationBody {
    pub id: i64,
    pub kind: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

impl From<Notification> for NotificationBody {
    fn from(notice: Notification) -> Self {
        NotificationBody {
            id: notice.id.0,
            kind: notice.kind,
            message: notice.message,
            created_at: notice.created_at,
            read: notice.read_at.is_some(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationListResponse {
    pub items: Vec<NotificationBody>,
    pub unread: usize,
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
        (status = 503, description = "database unavailable", body = ErrorBody),
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
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 422, description = "invalid fields, listed in details", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
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
        (status = 503, description = "database unavailable", body = ErrorBody),
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
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 409, description = "not a transition the lifecycle allows", body = ErrorBody),
        (status = 422, description = "unknown status", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
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

/// Register for an open event with listings of one's organization (researchers and companies).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    request_body = RegistrationRequest,
    responses(
        (status = 201, description = "registered, pending approval", body = ParticipantResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not a researcher or company account", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 409, description = "registration closed, event full or already registered", body = ErrorBody),
        (status = 422, description = "invalid listings, slots or maximum", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[post("/events/{id}/registrations")]
pub async fn register(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<RegistrationRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = RegistrationInput {
        listing_ids: body.listing_ids,
        available_slots: body.available_slots,
        max_meetings: body.max_meetings,
    };
    let participant = services.events.register(&caller.0, EventId(path.into_inner()), &input).await?;
    Ok(HttpResponse::Created().json(participant_response(ParticipantView {
        participant,
        organization_name: String::new(),
        listings: Vec::new(),
    })))
}

/// Participants: staff see all registrations; approved participants see the approved others.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    responses(
        (status = 200, description = "participants", body = ParticipantListResponse),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "neither staff nor an approved participant", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[get("/events/{id}/participants")]
pub async fn list_participants(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<web::Json<ParticipantListResponse>, ApiError> {
    let views = services.events.participants(&caller.0, EventId(path.into_inner())).await?;
    Ok(web::Json(ParticipantListResponse { items: views.into_iter().map(participant_response).collect() }))
}

/// Approve or reject a registration (staff).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "event id"),
        ("participant_id" = i64, Path, description = "participant id"),
    ),
    request_body = RegistrationDecisionRequest,
    responses(
        (status = 200, description = "decided", body = ParticipantResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event or participant", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[post("/events/{id}/participants/{participant_id}/decision")]
pub async fn decide_registration(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<(i64, i64)>,
    body: JsonBody<RegistrationDecisionRequest>,
) -> Result<web::Json<ParticipantResponse>, ApiError> {
    let (event, participant) = path.into_inner();
    let decided = services
        .events
        .decide_registration(&caller.0, EventId(event), ParticipantId(participant), body.approve)
        .await?;
    Ok(web::Json(participant_response(ParticipantView {
        participant: decided,
        organization_name: String::new(),
        listings: Vec::new(),
    })))
}

/// Request a 1:1 meeting with an approved participant of the other side. Asking again returns
/// the request already made; asking someone who asked you accepts their request.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    request_body = MeetingRequestBody,
    responses(
        (status = 201, description = "the request", body = MeetingRequestResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not an approved participant", body = ErrorBody),
        (status = 404, description = "no such event or participant", body = ErrorBody),
        (status = 409, description = "event not open or already started", body = ErrorBody),
        (status = 422, description = "same side or message too long", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[post("/events/{id}/requests")]
pub async fn request_meeting(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<MeetingRequestBody>,
) -> Result<HttpResponse, ApiError> {
    let request = services
        .events
        .request_meeting(&caller.0, EventId(path.into_inner()), ParticipantId(body.to), &body.message)
        .await?;
    Ok(HttpResponse::Created().json(MeetingRequestResponse::from(request)))
}

/// Meeting requests: staff see all of the event's, participants those they sent or received.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    responses(
        (status = 200, description = "requests", body = MeetingRequestListResponse),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "neither staff nor a participant", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[get("/events/{id}/requests")]
pub async fn list_requests(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<web::Json<MeetingRequestListResponse>, ApiError> {
    let requests = services.events.requests(&caller.0, EventId(path.into_inner())).await?;
    Ok(web::Json(MeetingRequestListResponse { items: requests.into_iter().map(Into::into).collect() }))
}

/// Accept or decline a meeting request (its recipient).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "meeting request id")),
    request_body = AnswerRequest,
    responses(
        (status = 200, description = "answered", body = MeetingRequestResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not the recipient", body = ErrorBody),
        (status = 404, description = "no such request", body = ErrorBody),
        (status = 409, description = "already answered or expired", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[post("/meeting-requests/{id}/answer")]
pub async fn answer_request(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<AnswerRequest>,
) -> Result<web::Json<MeetingRequestResponse>, ApiError> {
    let answered = services.events.answer_request(&caller.0, MeetingRequestId(path.into_inner()), body.accept).await?;
    Ok(web::Json(answered.into()))
}

/// Run the scheduler and publish the meeting schedule (staff). Accepted requests weigh most,
/// then the officer's pairs, then proposals by match score; existing meetings stay in place
/// where possible; the response carries the proven bound and the gap.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    request_body = ScheduleRequest,
    responses(
        (status = 200, description = "published", body = ScheduleResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 409, description = "event not open or scheduled, a declined pair, or outcomes already recorded", body = ErrorBody),
        (status = 422, description = "unknown pair or impossible lock", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[post("/events/{id}/schedule")]
pub async fn schedule(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<ScheduleRequest>,
) -> Result<web::Json<ScheduleResponse>, ApiError> {
    let pairs: Vec<PairInstruction> = body
        .into_inner()
        .pairs
        .into_iter()
        .map(|pair| PairInstruction {
            researcher: ParticipantId(pair.researcher),
            company: ParticipantId(pair.company),
            slot: pair.slot,
        })
        .collect();
    Ok(web::Json(services.events.schedule(&caller.0, EventId(path.into_inner()), &pairs).await?.into()))
}

/// Meetings: staff see the event's whole schedule, participants their own.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    responses(
        (status = 200, description = "meetings by slot and table", body = MeetingListResponse),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "neither staff nor a participant", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
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
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "neither staff nor a participant", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
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

/// Record attendance and what followed a meeting (staff). Outcomes only move forward; a
/// signed contract needs its amount and date. Intents and contracts feed the matching feedback.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "meeting id")),
    request_body = FollowUpRequest,
    responses(
        (status = 200, description = "recorded", body = MeetingResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such meeting", body = ErrorBody),
        (status = 422, description = "invalid attendance or outcome", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[patch("/meetings/{id}")]
pub async fn follow_up(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<FollowUpRequest>,
) -> Result<web::Json<MeetingResponse>, ApiError> {
    let body = body.into_inner();
    let outcome = body
        .outcome
        .as_ref()
        .map(|outcome| (outcome.stage.as_str(), outcome.contract_amount_yuan, outcome.contract_date.as_deref()));
    let meeting = services
        .events
        .record_follow_up(&caller.0, MeetingId(path.into_inner()), body.attendance.as_deref(), outcome)
        .await?;
    Ok(web::Json(meeting_response(meeting, None)))
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
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such meeting", body = ErrorBody),
        (status = 409, description = "event not scheduled, a participant busy or unavailable, a meeting already held, or the schedule changed meanwhile", body = ErrorBody),
        (status = 422, description = "no such slot or table", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
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

/// Rate the service after a held meeting (either side): good or poor, with a comment.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "meeting id")),
    request_body = RatingRequest,
    responses(
        (status = 200, description = "rated", body = MeetingResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not a researcher or company account", body = ErrorBody),
        (status = 404, description = "no such meeting of the caller", body = ErrorBody),
        (status = 409, description = "the meeting was not held", body = ErrorBody),
        (status = 422, description = "invalid rating or comment", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[post("/meetings/{id}/rating")]
pub async fn rate(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<RatingRequest>,
) -> Result<web::Json<MeetingResponse>, ApiError> {
    let meeting =
        services.events.rate(&caller.0, MeetingId(path.into_inner()), &body.rating, body.comment.as_deref()).await?;
    Ok(web::Json(meeting_response(meeting, None)))
}

fn parse_date(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "invalid_date", "must be a date like 2026-12-01"))
}

/// Statistics over events dated within [from, to], with the report sentence (staff).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "figures by month, industry and region", body = StatsResponse),
        (status = 400, description = "invalid query string", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 422, description = "invalid or reversed dates", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[get("/stats")]
pub async fn get_statistics(
    services: web::Data<Services>,
    caller: Authenticated,
    query: web::Query<StatsQuery>,
) -> Result<web::Json<StatsResponse>, ApiError> {
    let mut errors = ValidationErrors::new();
    let from = errors.collect(parse_date("from", &query.from));
    let to = errors.collect(parse_date("to", &query.to));
    let (Some(from), Some(to)) = (from, to) else {
        return Err(ApiError::validation(errors.0));
    };
    Ok(web::Json(services.events.statistics(&caller.0, from, to).await?.into()))
}

/// The caller's latest notifications (request received, accepted, expired; schedule published).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "newest first", body = NotificationListResponse),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[get("/notifications")]
pub async fn list_notifications(
    services: web::Data<Services>,
    caller: Authenticated,
) -> Result<web::Json<NotificationListResponse>, ApiError> {
    let items: Vec<NotificationBody> =
        services.events.notifications(&caller.0).await?.into_iter().map(Into::into).collect();
    let unread = items.iter().filter(|notice| !notice.read).count();
    Ok(web::Json(NotificationListResponse { items, unread }))
}

/// Mark all of the caller's notifications read.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "marked"),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[post("/notifications/read")]
pub async fn mark_notifications_read(
    services: web::Data<Services>,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    services.events.mark_notifications_read(&caller.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RoadshowQuery {
    /// Presentation places to fill, 1–30 (default 8).
    #[param(minimum = 1, maximum = 30)]
    pub places: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoveredCompanyBody {
    pub participant: i64,
    pub organization_name: String,
    pub need_id: i64,
    pub need_title: String,
    pub score: f64,
    /// Terms the need and the result share (after translation and expansion).
    pub matched_terms: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageRecommendationBody {
    pub result_id: i64,
    pub result_title: String,
    pub researcher: i64,
    /// What this result adds to the coverage of the registered companies' needs.
    pub gain: f64,
    /// The companies for which it is the best result on stage.
    pub covers: Vec<CoveredCompanyBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoadshowResponse {
    pub items: Vec<StageRecommendationBody>,
    /// Sum of the gains: each company counted once, through its best result on stage.
    pub coverage: f64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InvitationQuery {
    /// Comma-separated result ids (the presentations chosen).
    #[param(pattern = r"^[0-9]{1,18}(,[0-9]{1,18})*$")]
    pub results: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationBody {
    pub organization_id: i64,
    pub organization_name: String,
    pub need_id: i64,
    pub need_title: String,
    pub result_id: i64,
    pub score: f64,
    pub matched_terms: Vec<String>,
    /// Already registered for the event.
    pub registered: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationListResponse {
    pub items: Vec<InvitationBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PresentationsRequest {
    /// Result ids in presentation order.
    pub result_ids: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PresentationBody {
    pub position: usize,
    pub result_id: i64,
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PresentationListResponse {
    pub items: Vec<PresentationBody>,
}

fn presentation_list(items: Vec<(i64, String)>) -> PresentationListResponse {
    PresentationListResponse {
        items: items
            .into_iter()
            .enumerate()
            .map(|(index, (result_id, title))| PresentationBody { position: index + 1, result_id, title })
            .collect(),
    }
}

/// Which registered results to put on stage: they are picked one by one for what each adds to
/// the coverage of the registered companies' needs, with the companies each serves and why.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id"), RoadshowQuery),
    responses(
        (status = 200, description = "recommended presentations, in order of pick", body = RoadshowResponse),
        (status = 400, description = "bad id or query string", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 422, description = "places out of range", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[get("/events/{id}/roadshow")]
pub async fn roadshow(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    query: web::Query<RoadshowQuery>,
) -> Result<web::Json<RoadshowResponse>, ApiError> {
    let places = query.places.unwrap_or(8);
    if !(1..=30).contains(&places) {
        return Err(ApiError::validation(vec![FieldError::new("places", "out_of_range", "must be between 1 and 30")]));
    }
    let picks = services.events.roadshow_recommendation(&caller.0, EventId(path.into_inner()), places).await?;
    let coverage = picks.iter().map(|pick| pick.gain).sum();
    Ok(web::Json(RoadshowResponse {
        coverage,
        items: picks
            .into_iter()
            .map(|pick| StageRecommendationBody {
                result_id: pick.result_id,
                result_title: pick.result_title,
                researcher: pick.researcher.0,
                gain: pick.gain,
                covers: pick
                    .covers
                    .into_iter()
                    .map(|covered| CoveredCompanyBody {
                        participant: covered.participant.0,
                        organization_name: covered.organization_name,
                        need_id: covered.need_id,
                        need_title: covered.need_title,
                        score: covered.score,
                        matched_terms: covered.matched_terms,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// Companies across the platform to invite for the chosen results, best match first.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id"), InvitationQuery),
    responses(
        (status = 200, description = "one line per company", body = InvitationListResponse),
        (status = 400, description = "bad id or query string", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event or result", body = ErrorBody),
        (status = 422, description = "no result ids, or too many", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[get("/events/{id}/invitations")]
pub async fn invitations(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    query: web::Query<InvitationQuery>,
) -> Result<web::Json<InvitationListResponse>, ApiError> {
    let mut ids = Vec::new();
    for part in query.results.split(',').map(str::trim).filter(|part| !part.is_empty()) {
        match part.parse::<i64>() {
            Ok(id) => ids.push(id),
            Err(_) => {
                return Err(ApiError::validation(vec![FieldError::new(
                    "results",
                    "invalid_id",
                    "must be comma-separated result ids",
                )]));
            }
        }
    }
    let found = services.events.invitations(&caller.0, EventId(path.into_inner()), &ids).await?;
    Ok(web::Json(InvitationListResponse {
        items: found
            .into_iter()
            .map(|invitation| InvitationBody {
                organization_id: invitation.organization_id,
                organization_name: invitation.organization_name,
                need_id: invitation.need_id,
                need_title: invitation.need_title,
                result_id: invitation.result_id,
                score: invitation.score,
                matched_terms: invitation.matched_terms,
                registered: invitation.registered,
            })
            .collect(),
    }))
}

/// Confirm the roadshow's presentations in order (staff); replaces any earlier order.
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    request_body = PresentationsRequest,
    responses(
        (status = 200, description = "the confirmed order", body = PresentationListResponse),
        (status = 400, description = "malformed json or bad id", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 409, description = "the event is closed", body = ErrorBody),
        (status = 422, description = "a result not registered for the event, or listed twice", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[post("/events/{id}/presentations")]
pub async fn confirm_presentations(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
    body: JsonBody<PresentationsRequest>,
) -> Result<web::Json<PresentationListResponse>, ApiError> {
    let confirmed =
        services.events.confirm_presentations(&caller.0, EventId(path.into_inner()), &body.result_ids).await?;
    Ok(web::Json(presentation_list(confirmed)))
}

/// The roadshow's confirmed presentations, in order (public for published events).
#[utoipa::path(
    tag = "events",
    params(("id" = i64, Path, description = "event id")),
    responses(
        (status = 200, description = "presentations in order", body = PresentationListResponse),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 401, description = "a token was sent but is invalid", body = ErrorBody),
        (status = 404, description = "no such event visible to the caller", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[get("/events/{id}/presentations")]
pub async fn list_presentations(
    services: web::Data<Services>,
    caller: MaybeAuthenticated,
    path: web::Path<i64>,
) -> Result<web::Json<PresentationListResponse>, ApiError> {
    Ok(web::Json(presentation_list(services.events.presentations(caller.actor(), EventId(path.into_inner())).await?)))
}

const SCHEDULE_HEADER: [&str; 10] = [
    "时段 slot",
    "开始 start",
    "结束 end",
    "桌号 table",
    "科研方 researcher",
    "成果 result",
    "企业 company",
    "需求 need",
    "来源 source",
    "出席 attendance",
];

fn schedule_table(rows: &[techmatch_service::events::ScheduleRow]) -> crate::export::Table {
    crate::export::Table {
        header: SCHEDULE_HEADER.to_vec(),
        rows: rows
            .iter()
            .map(|row| {
                vec![
                    (row.slot + 1).to_string(),
                    row.starts.clone(),
                    row.ends.clone(),
                    row.table.to_string(),
                    row.researcher.clone(),
                    row.result_title.clone(),
                    row.company.clone(),
                    row.need_title.clone(),
                    if row.locked { format!("{} (locked)", row.source) } else { row.source.to_owned() },
                    row.attendance.to_owned(),
                ]
            })
            .collect(),
    }
}

/// The event's full schedule as an XLSX workbook (staff).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    responses(
        (status = 200, description = "the workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[get("/events/{id}/schedule.xlsx")]
pub async fn schedule_xlsx(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    schedule_workbook(&services, &caller.0, EventId(path.into_inner())).await
}

/// The schedule workbook for a staff member (also behind the grid page's download link).
pub(crate) async fn schedule_workbook(
    services: &Services,
    actor: &Actor,
    event_id: EventId,
) -> Result<HttpResponse, ApiError> {
    let (event, rows) = services.events.schedule_sheet(actor, event_id).await?;
    let format = crate::export::ExportFormat::Xlsx;
    let bytes = crate::export::render(&schedule_table(&rows), format)
        .map_err(|error| ApiError::from(techmatch_service::ServiceError::Internal(error)))?;
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header(("Content-Disposition", format!("attachment; filename=\"event-{}-schedule.xlsx\"", event.id.0)))
        .body(bytes))
}

fn html_escape(raw: &str) -> String {
    raw.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The event's full schedule as a printable HTML page, one table per slot (staff).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "event id")),
    responses(
        (status = 200, description = "the page", content_type = "text/html"),
        (status = 400, description = "bad id", body = ErrorBody),
        (status = 401, description = "missing, expired or revoked token", body = ErrorBody),
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 404, description = "no such event", body = ErrorBody),
        (status = 503, description = "database unavailable", body = ErrorBody),
    )
)]
#[get("/events/{id}/schedule.html")]
pub async fn schedule_html(
    services: web::Data<Services>,
    caller: Authenticated,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    schedule_print_page(&services, &caller.0, EventId(path.into_inner())).await
}

/// The printable schedule for a staff member (also behind the grid page's print link).
pub(crate) async fn schedule_print_page(
    services: &Services,
    actor: &Actor,
    event_id: EventId,
) -> Result<HttpResponse, ApiError> {
    let (event, rows) = services.events.schedule_sheet(actor, event_id).await?;
    let title = html_escape(event.content.title.as_str());
    let mut page = format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title>\n\
         <style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;width:100%;margin-bottom:1.5em}}\
         th,td{{border:1px solid #999;padding:4px 6px;text-align:left}}h2{{page-break-after:avoid}}\
         @media print{{section{{page-break-inside:avoid}}}}</style></head><body>\n\
         <h1>{title}</h1>\n<p>{} · {} · {}</p>\n",
        event.content.timetable.date,
        html_escape(event.content.venue.as_deref().unwrap_or("")),
        html_escape(event.content.video_link.as_deref().unwrap_or("")),
    );
    let mut current_slot = None;
    for row in &rows {
        if current_slot != Some(row.slot) {
            if current_slot.is_some() {
                page.push_str("</table></section>\n");
            }
            current_slot = Some(row.slot);
            page.push_str(&format!(
                "<section><h2>{}–{}</h2><table><tr><th>桌号 table</th><th>科研方 researcher</th><th>成果 result</th>\
                 <th>企业 company</th><th>需求 need</th></tr>\n",
                html_escape(&row.starts),
                html_escape(&row.ends)
            ));
        }
        page.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            row.table,
            html_escape(&row.researcher),
            html_escape(&row.result_title),
            html_escape(&row.company),
            html_escape(&row.need_title)
        ));
    }
    if current_slot.is_some() {
        page.push_str("</table></section>\n");
    } else {
        page.push_str("<p>尚无日程 / no meetings scheduled yet</p>\n");
    }
    page.push_str("</body></html>\n");
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(page))
}
