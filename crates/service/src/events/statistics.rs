//! The bureau's figures: events, roadshows, presentations, meetings, intents, contracts and
//! amounts over a date range, by month, industry and region, with the report sentence.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use techmatch_domain::deal::DealStage;
use techmatch_domain::event::{Attendance, Event, EventStatus, Meeting};
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
    /// Events dated in the period (published or later), those still to come included.
    pub events_held: u64,
    /// Of them, those dated after today (China time).
    pub events_to_come: u64,
    pub roadshows: u64,
    pub presentations: u64,
    pub meetings_scheduled: u64,
    pub meetings_held: u64,
    pub intents: u64,
    pub contracts: u64,
    pub contract_amount_yuan: i64,
    pub by_month: BTreeMap<String, Tally>,
    /// By the GB/T 4754 division of the meeting's need ([`UNCLASSIFIED`] without one).
    pub by_industry: BTreeMap<String, Tally>,
    /// By the province (its GB/T 2260 code) of the meeting's need ([`UNKNOWN_REGION`] without one).
    pub by_region: BTreeMap<String, Tally>,
    pub summary_zh: String,
    pub summary_en: String,
}

/// The industry of meetings whose need names none.
pub const UNCLASSIFIED: &str = "unclassified";
/// The region of meetings whose need names none.
pub const UNKNOWN_REGION: &str = "unknown";

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
        let today = chrono::Utc::now().with_timezone(&super::china_time()).date_naive();
        let mut statistics = tally(from, to, &events, &meetings, &needs, &month_of, presentations);
        statistics.events_to_come = events.iter().filter(|event| event.content.timetable.date > today).count() as u64;
        write_summaries(&mut statistics);
        Ok(statistics)
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
        events_to_come: 0,
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
    // A pair that met more than once has one deal: it counts with the first of its meetings.
    let mut counted_deals = std::collections::HashSet::new();
    for meeting in meetings {
        let held = u64::from(meeting.attendance == Attendance::Held);
        let deal = meeting.deal.as_ref().filter(|deal| counted_deals.insert(deal.id));
        let intent = u64::from(deal.is_some_and(|deal| deal.reached(DealStage::IntentSigned)));
        let contract = u64::from(deal.is_some_and(|deal| deal.reached(DealStage::ContractSigned)));
        let amount = deal.and_then(|deal| deal.contract_amount_yuan).unwrap_or(0);
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
            .map_or_else(|| UNCLASSIFIED.to_owned(), |code| code.as_str().to_owned());
        add(statistics.by_industry.entry(industry).or_default());
        let region = need
            .and_then(|need| need.content.region_code.as_ref())
            .map_or_else(|| UNKNOWN_REGION.to_owned(), |region| region.province());
        add(statistics.by_region.entry(region).or_default());
    }
    statistics
}

/// `count` and the noun, singular or plural as English wants it.
fn counted(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// The report sentence in both languages: what took place, what is still to come, and what
/// followed, in each language's own way of counting and of writing amounts.
fn write_summaries(statistics: &mut Statistics) {
    let wan = statistics.contract_amount_yuan as f64 / 10_000.0;
    let to_come_zh = if statistics.events_to_come > 0 {
        format!("，其中 {} 场尚未举行", statistics.events_to_come)
    } else {
        String::new()
    };
    statistics.summary_zh = format!(
        "{} 至 {} 共有对接活动 {} 场（路演 {} 场{}），安排洽谈 {} 场、已举行 {} 场，促成转化意向 {} 项，签约 {} 项，签约金额 {:.1} 万元。",
        statistics.from,
        statistics.to,
        statistics.events_held,
        statistics.roadshows,
        to_come_zh,
        statistics.meetings_scheduled,
        statistics.meetings_held,
        statistics.intents,
        statistics.contracts,
        wan
    );
    let to_come_en = match statistics.events_to_come {
        0 => String::new(),
        to_come if to_come == statistics.events_held => ", all still to come".to_owned(),
        to_come => format!(", {to_come} still to come"),
    };
    statistics.summary_en = format!(
        "From {} to {}: {} ({}{}); {} scheduled and {} held, leading to {} and {} worth {} yuan.",
        statistics.from,
        statistics.to,
        counted(statistics.events_held, "matchmaking event", "matchmaking events"),
        counted(statistics.roadshows, "roadshow", "roadshows"),
        to_come_en,
        counted(statistics.meetings_scheduled, "meeting", "meetings"),
        statistics.meetings_held,
        counted(statistics.intents, "signed intent", "signed intents"),
        counted(statistics.contracts, "contract", "contracts"),
        techmatch_domain::grouped_thousands(statistics.contract_amount_yuan)
    );
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use techmatch_domain::deal::DealId;
    use techmatch_domain::event::{EventId, MeetingDeal, MeetingId, MeetingSource, ParticipantId};

    use super::*;

    fn meeting(id: i64, company: i64, deal: Option<MeetingDeal>) -> Meeting {
        Meeting {
            id: MeetingId(id),
            event_id: EventId(1),
            researcher: ParticipantId(10),
            company: ParticipantId(company),
            slot: 0,
            table: 0,
            weight: 1.0,
            source: MeetingSource::Proposal,
            locked: false,
            attendance: Attendance::Held,
            result_id: None,
            need_id: None,
            deal,
            researcher_rating: None,
            company_rating: None,
        }
    }

    fn deal(id: i64, stage: DealStage, furthest: DealStage, amount: Option<i64>) -> MeetingDeal {
        MeetingDeal {
            id: DealId(id),
            stage,
            furthest_stage: furthest,
            contract_amount_yuan: amount,
            contract_date: None,
        }
    }

    #[test]
    fn a_deal_counts_once_however_often_its_pair_met_and_a_close_keeps_what_it_reached() {
        let signed = deal(7, DealStage::ContractSigned, DealStage::ContractSigned, Some(500_000));
        let meetings = [
            meeting(1, 20, Some(signed.clone())),
            // The same pair met again (another event): the same deal, not a second contract.
            meeting(2, 20, Some(signed)),
            // Another pair signed an intent, then the deal was closed.
            meeting(3, 21, Some(deal(8, DealStage::Closed, DealStage::IntentSigned, None))),
            meeting(4, 22, None),
        ];
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let figures = tally(day, day, &[], &meetings, &HashMap::new(), &HashMap::new(), 0);
        assert_eq!(figures.meetings_held, 4);
        assert_eq!((figures.intents, figures.contracts, figures.contract_amount_yuan), (2, 1, 500_000));
    }

    #[test]
    fn the_report_counts_as_each_language_does_and_says_what_is_still_to_come() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let mut figures = tally(day, day, &[], &[meeting(1, 20, None)], &HashMap::new(), &HashMap::new(), 0);
        (figures.events_held, figures.events_to_come, figures.roadshows) = (1, 1, 1);
        (figures.meetings_scheduled, figures.contracts, figures.contract_amount_yuan) = (37, 1, 120_000);
        write_summaries(&mut figures);
        let english = &figures.summary_en;
        assert!(english.contains("1 matchmaking event (1 roadshow, all still to come)"), "{english}");
        assert!(english.contains("37 meetings scheduled and 1 held"), "{english}");
        assert!(english.contains("1 contract worth 120,000 yuan"), "{english}");
        assert!(!english.contains("ten-thousand") && !english.contains("were held"), "{english}");
        assert!(figures.summary_zh.contains("其中 1 场尚未举行") && figures.summary_zh.contains("12.0 万元"));
    }
}
