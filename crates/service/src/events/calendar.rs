//! The schedule as people take it away: their meetings, their agenda as iCalendar, and the
//! whole schedule as rows for the printed and spreadsheet versions.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use techmatch_domain::event::{Event, EventId, Meeting, MeetingId, ParticipantId};
use techmatch_domain::{Action, Actor, authorize};

use super::{EventService, china_time};
use crate::error::ServiceError;

/// One line of the printed or spreadsheet schedule. Tables are numbered from 1 here, as on the
/// cards on the tables.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleRow {
    pub slot: u32,
    pub starts: String,
    pub ends: String,
    pub table: u32,
    pub researcher: String,
    pub result_title: String,
    pub company: String,
    pub need_title: String,
    pub source: &'static str,
    pub locked: bool,
    pub attendance: &'static str,
}

impl EventService {
    /// Staff see every meeting of the event; a participant their own.
    pub async fn meetings(&self, actor: &Actor, event_id: EventId) -> Result<(Event, Vec<Meeting>), ServiceError> {
        let event = self.get(Some(actor), event_id).await?;
        let meetings = self.store.meetings(event_id).await?;
        if actor.role.is_staff() {
            return Ok((event, meetings));
        }
        let own = self.store.participant_of(event_id, actor.user_id).await?.ok_or(ServiceError::Forbidden)?;
        let mine =
            meetings.into_iter().filter(|meeting| meeting.researcher == own.id || meeting.company == own.id).collect();
        Ok((event, mine))
    }

    /// The caller's agenda as an iCalendar document.
    pub async fn agenda_ics(&self, actor: &Actor, event_id: EventId) -> Result<String, ServiceError> {
        let (event, meetings) = self.meetings(actor, event_id).await?;
        let names = self.organization_names(&self.store.participants(event_id).await?).await?;
        Ok(agenda_calendar(&event, &meetings, &names, Utc::now()))
    }

    /// The whole schedule as rows for the printed and spreadsheet versions (staff).
    pub async fn schedule_sheet(
        &self,
        actor: &Actor,
        event_id: EventId,
    ) -> Result<(Event, Vec<ScheduleRow>), ServiceError> {
        authorize(Some(actor), Action::ManageEvents)?;
        let event = self.get(Some(actor), event_id).await?;
        let meetings = self.store.meetings(event_id).await?;
        let organizations = self.organization_names(&self.store.participants(event_id).await?).await?;
        let result_ids: Vec<i64> = meetings.iter().filter_map(|meeting| meeting.result_id).collect();
        let need_ids: Vec<i64> = meetings.iter().filter_map(|meeting| meeting.need_id).collect();
        let results: HashMap<i64, String> = self
            .store
            .results_by_ids(&result_ids)
            .await?
            .into_iter()
            .map(|result| (result.id.0, result.content.title.as_str().to_owned()))
            .collect();
        let needs: HashMap<i64, String> = self
            .store
            .needs_by_ids(&need_ids)
            .await?
            .into_iter()
            .map(|need| (need.id.0, need.content.title.as_str().to_owned()))
            .collect();
        let rows = meetings
            .into_iter()
            .map(|meeting| {
                let times = event.content.timetable.slot_time(meeting.slot);
                ScheduleRow {
                    slot: meeting.slot,
                    starts: times.map(|(start, _)| start.format("%H:%M").to_string()).unwrap_or_default(),
                    ends: times.map(|(_, end)| end.format("%H:%M").to_string()).unwrap_or_default(),
                    table: meeting.table + 1,
                    researcher: organizations.get(&meeting.researcher).cloned().unwrap_or_default(),
                    result_title: meeting.result_id.and_then(|id| results.get(&id).cloned()).unwrap_or_default(),
                    company: organizations.get(&meeting.company).cloned().unwrap_or_default(),
                    need_title: meeting.need_id.and_then(|id| needs.get(&id).cloned()).unwrap_or_default(),
                    source: meeting.source.as_str(),
                    locked: meeting.locked,
                    attendance: meeting.attendance.as_str(),
                }
            })
            .collect();
        Ok((event, rows))
    }

    /// The event a meeting belongs to (to send a form back to its page).
    pub async fn meeting_event(&self, meeting_id: MeetingId) -> Option<i64> {
        self.store.find_meeting(meeting_id).await.ok().flatten().map(|meeting| meeting.event_id.0)
    }
}

/// RFC 5545 text escaping.
fn ics_text(raw: &str) -> String {
    raw.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace('\n', "\\n")
}

fn agenda_calendar(
    event: &Event,
    meetings: &[Meeting],
    names: &HashMap<ParticipantId, String>,
    now: DateTime<Utc>,
) -> String {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//techmatch//event agenda//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
    ];
    let location = event.content.venue.clone().or_else(|| event.content.video_link.clone()).unwrap_or_default();
    for meeting in meetings {
        let Some((start, end)) = event.content.timetable.slot_time(meeting.slot) else { continue };
        let to_utc = |local| china_time().from_local_datetime(&local).single().map(|time| time.with_timezone(&Utc));
        let (Some(start), Some(end)) = (to_utc(start), to_utc(end)) else { continue };
        let researcher = names.get(&meeting.researcher).cloned().unwrap_or_default();
        let company = names.get(&meeting.company).cloned().unwrap_or_default();
        lines.extend([
            "BEGIN:VEVENT".to_owned(),
            format!("UID:meeting-{}-event-{}@techmatch", meeting.id.0, event.id.0),
            format!("DTSTAMP:{stamp}"),
            format!("DTSTART:{}", start.format("%Y%m%dT%H%M%SZ")),
            format!("DTEND:{}", end.format("%Y%m%dT%H%M%SZ")),
            format!("SUMMARY:{}", ics_text(&format!("{researcher} × {company} (table {})", meeting.table + 1))),
            format!("DESCRIPTION:{}", ics_text(event.content.title.as_str())),
            format!("LOCATION:{}", ics_text(&location)),
            "END:VEVENT".to_owned(),
        ]);
    }
    lines.push("END:VCALENDAR".to_owned());
    // RFC 5545 lines end with CRLF.
    let mut calendar = lines.join("\r\n");
    calendar.push_str("\r\n");
    calendar
}
