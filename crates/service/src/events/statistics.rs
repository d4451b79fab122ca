//! The bureau's figures: events, roadshows, presentations, meetings, intents, contracts and
//! amounts over a date range, by month, industry and region, with the report sentence.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use techmatch_domain::event::{Attendance, Event, EventStatus, Meeting, OutcomeStage};
use techmatch_domain::{Action, Actor, authorize};

use super::{EventService, invalid};
use crate::error::ServiceError;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub events: u64,
    pub meetings_held: u64,
    pub intents: u64,
    pub contracts: u64,
    pub contract_amount_yuan: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statistics {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub events_held: u64,
    pub roadshows: u64,
    pub presentations: u64,
    pub meetings_scheduled: u64,
    pub meetings_held: u64,
    pub intents: u64,
    pub contracts: u64,
    pub contract_amount_yuan: i64,
    pub by_month: BTreeMap<String, Tally>,
    pub by_industry: BTreeMap<String, Tally>,
    pub by_region: BTreeMap<String, Tally>,
    pub summary_zh: String,
    pub summary_en: String,
}

impl EventService {
    pub async fn statistics(&self, actor: &Actor, from: NaiveDate, to: NaiveDate) -> Result<Statistics, ServiceError> {
        authorize(Some(actor), Action::ReadStatistics)?;
        if from > to {
            return Err(invalid("from", "range_reversed", "must not be after to"));
        }
        let events: Vec<Event> = self
            .store
            .all_events()
            .await?
            .into_iter()
            .filter(|event| event.status != EventStatus::Draft)
            .filter(|event| (from..=to).contains(&event.content.timetable.date))
            .collect();
        let event_ids: Vec<i64> = events.iter().map(|event| event.id.0).collect();
        let meetings = self.store.meetings_of_events(&event_ids).await?;
        let need_ids: Vec<i64> = meetings.iter().filter_map(|meeting| meeting.need_id).collect();
        let needs: HashMap<i64, techmatch_domain::listing::TechNeed> =
            self.store.needs_by_ids(&need_ids).await?.into_iter().map(|need| (need.id.0, need)).collect();
        let month_of: HashMap<i64, String> = events
            .iter()
            .map(|event| {
                let date = event.content.timetable.date;
                (event.id.0, format!("{:04}-{:02}", date.year(), date.month()))
            })
            .collect();
        let presentations = self.store.count_presentations(&event_ids).await?;
        Ok(tally(from, to, &events, &meetings, &needs, &month_of, presentations))
    }
}

fn tally(
    from: NaiveDate,
    to: NaiveDate,
    events: &[Event],
    meetings: &[Meeting],
    needs: &HashMap<i64, techmatch_domain::listing::TechNeed>,
    month_of: &HashMap<i64, String>,
    presentations: u64,
) -> Statistics {
    let mut statistics = Statistics {
        from,
        to,
        events_held: events.len() as u64,
        roadshows: events
            .iter()
            .filter(|event| {
                matches!(
                    event.content.kind,
                    techmatch_domain::event::EventKind::Roadshow | techmatch_domain::event::EventKind::Both
                )
            })
            .count() as u64,
        presentations,
        meetings_scheduled: meetings.len() as u64,
        meetings_held: 0,
        intents: 0,
        contracts: 0,
        contract_amount_yuan: 0,
        by_month: BTreeMap::new(),
        by_industry: BTreeMap::new(),
        by_region: BTreeMap::new(),
        summary_zh: String::new(),
        summary_en: String::new(),
    };
    for event in events {
        if let Some(month) = month_of.get(&event.id.0) {
            statistics.by_month.entry(month.clone()).or_default().events += 1;
        }
    }
    for meeting in meetings {
        let held = u64::from(meeting.attendance == Attendance::Held);
        let stage = meeting.outcome.as_ref().map(|outcome| outcome.stage);
        let intent = u64::from(stage.is_some_and(|stage| stage >= OutcomeStage::IntentSigned));
        let contract = u64::from(stage == Some(OutcomeStage::ContractSigned));
        let amount = meeting.outcome.as_ref().and_then(|outcome| outcome.contract_amount_yuan).unwrap_or(0);
        let add = |tally: &mut Tally| {
            tally.meetings_held += held;
            tally.intents += intent;
            tally.contracts += contract;
            tally.contract_amount_yuan += amount;
        };
        statistics.meetings_held += held;
        statistics.intents += intent;
        statistics.contracts += contract;
        statistics.contract_amount_yuan += amount;
        if let Some(month) = month_of.get(&meeting.event_id.0) {
            add(statistics.by_month.entry(month.clone()).or_default());
        }
        let need = meeting.need_id.and_then(|id| needs.get(&id));
        let industry = need
            .and_then(|need| need.content.industry_codes.first())
            .map_or_else(|| "unclassified".to_owned(), |code| format!("{} {}", code.as_str(), code.name_zh()));
        add(statistics.by_industry.entry(industry).or_default());
        let region = need
            .and_then(|need| need.content.region_code.as_ref())
            .map_or_else(|| "unknown".to_owned(), |region| region.province());
        add(statistics.by_region.entry(region).or_default());
    }
    let wan = statistics.contract_amount_yuan as f64 / 10_000.0;
    statistics.summary_zh = format!(
        "{} 至 {} 共举办对接活动 {} 场（其中路演 {} 场），安排洽谈 {} 场、实际举行 {} 场，促成转化意向 {} 项，签约 {} 项，签约金额 {:.1} 万元。",
        from,
        to,
        statistics.events_held,
        statistics.roadshows,
        statistics.meetings_scheduled,
        statistics.meetings_held,
        statistics.intents,
        statistics.contracts,
        wan
    );
    statistics.summary_en = format!(
        "From {} to {}, {} matchmaking events were held ({} roadshows); {} meetings were scheduled and {} held, leading to {} signed intents and {} contracts worth {:.1} ten-thousand yuan ({} yuan).",
        from,
        to,
        statistics.events_held,
        statistics.roadshows,
        statistics.meetings_scheduled,
        statistics.meetings_held,
        statistics.intents,
        statistics.contracts,
        wan,
        statistics.contract_amount_yuan
    );
    statistics
}
