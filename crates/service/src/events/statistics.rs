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
}
