//! The officers' event form: a new event, created as a draft.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use techmatch_service::{ServiceError, Services};

use super::forms::{FieldMessages, FormInput, field_messages, optional};
use super::refusal::{OrPage, PageError, PageResult};
use super::session::{Posted, Visit, see_other};

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
            label: visit.label(label_key),
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
                .map(|(_, code, message)| visit.error_text(code, message))
                .next(),
        })
        .collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    visit.render(status, "event_form.html", minijinja::context! { inputs, errors => !errors.is_empty() })
}

pub async fn new_event_form(visit: Visit) -> PageResult {
    if !visit.signed_in()?.role.is_staff() {
        return Err(PageError::not_found(&visit));
    }
    Ok(event_form_page(&visit, &[], &[]))
}

/// Creates an event (as a draft) from the form; the deadline date means the end of that day
/// in China Standard Time.
pub async fn create_event_form(services: web::Data<Services>, form: Posted) -> PageResult {
    let visit = &form.visit;
    let actor = form.actor()?;
    let count = |name: &str| form.field(name).trim().parse::<u32>().unwrap_or(0);
    let mut sessions = Vec::new();
    for (start, slots) in [("morning_start", "morning_slots"), ("afternoon_start", "afternoon_slots")] {
        if count(slots) > 0 {
            sessions.push((form.field(start).to_owned(), count(slots)));
        }
    }
    let deadline = chrono::NaiveDate::parse_from_str(form.field("registration_deadline").trim(), "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(23, 59, 59))
        .map(|local| local - chrono::Duration::hours(8))
        .map(|utc| utc.and_utc());
    let Some(registration_deadline) = deadline else {
        let errors: FieldMessages =
            vec![("registration_deadline".to_owned(), "invalid_date".to_owned(), "must be a date".to_owned())];
        return Ok(event_form_page(visit, form.pairs(), &errors));
    };
    let input = techmatch_domain::event::EventInput {
        title: form.field("title").to_owned(),
        kind: form.field("kind").to_owned(),
        theme_industries: Vec::new(),
        theme_keywords: Vec::new(),
        mode: form.field("mode").to_owned(),
        venue: optional(form.field("venue")),
        video_link: optional(form.field("video_link")),
        date: form.field("date").to_owned(),
        slot_minutes: count("slot_minutes"),
        sessions,
        tables: count("tables"),
        capacity: count("capacity"),
        registration_deadline,
        request_expiry_hours: None,
    };
    match services.events.create(&actor, &input).await {
        Ok(event) => Ok(see_other(&format!("/events/{}", event.id.0)).finish()),
        Err(ServiceError::Validation(found)) => Ok(event_form_page(visit, form.pairs(), &field_messages(found))),
        Err(error) => Err(error).or_page(visit),
    }
}
