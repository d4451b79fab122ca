//! The bureau's statistics page: headline figures, the report sentence in the page's
//! language, and tables by month, industry and region with bars (no scripts needed).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use techmatch_service::Services;

use super::refusal::{OrPage, PageResult};
use super::render::Language;
use super::session::Visit;

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
    /// The key as the chart has room for it.
    short_key: String,
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
pub async fn stats_page(visit: Visit, services: web::Data<Services>, query: web::Query<StatsPageQuery>) -> PageResult {
    let actor = visit.signed_in()?;
    let _ = &query.lang;
    let today = chrono::Utc::now().date_naive();
    let year_start = chrono::NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1).unwrap_or(today);
    let parse = |raw: &Option<String>, default: chrono::NaiveDate| {
        raw.as_deref().and_then(|raw| chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()).unwrap_or(default)
    };
    let (from, to) = (parse(&query.from, year_start), parse(&query.to, today + chrono::Duration::days(365)));
    let statistics = services.events.statistics(&actor, from, to).await.or_page(&visit)?;
    let table =
        |heading: &str, map: &BTreeMap<String, techmatch_service::events::Tally>, name: &dyn Fn(&str) -> String| {
            let largest = map.values().map(|tally| tally.contract_amount_yuan).max().unwrap_or(0).max(1);
            let most = map
                .values()
                .map(|tally| tally.meetings_held.max(tally.intents).max(tally.contracts))
                .max()
                .unwrap_or(0)
                .max(1);
            TallyTable {
                heading: visit.label(heading),
                rows: map
                    .iter()
                    // Groups with nothing to count say nothing.
                    .filter(|(_, tally)| **tally != techmatch_service::events::Tally::default())
                    .map(|(key, tally)| TallyRow {
                        key: name(key),
                        short_key: shortened(&name(key), 12),
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
        table("by_month", &statistics.by_month, &|month| visit.month_name(month)),
        table("by_industry", &statistics.by_industry, &|code| visit.industry_name(code)),
        table("by_region", &statistics.by_region, &|code| visit.province_name(code)),
    ];
    let summary =
        if visit.language == Language::Chinese { statistics.summary_zh.clone() } else { statistics.summary_en.clone() };
    let figures = minijinja::context! {
        events_held => statistics.events_held,
        meetings_scheduled => statistics.meetings_scheduled,
        meetings_held => statistics.meetings_held,
        intents => statistics.intents,
        contracts => statistics.contracts,
        amount => visit.amount(statistics.contract_amount_yuan),
    };
    Ok(visit.render(
        StatusCode::OK,
        "stats.html",
        minijinja::context! { from => from.to_string(), to => to.to_string(), summary, figures, tables },
    ))
}

/// `text` cut to `room` characters (a CJK character counting as two), with an ellipsis when cut.
fn shortened(text: &str, room: usize) -> String {
    let mut width = 0;
    let mut kept = String::new();
    for character in text.chars() {
        width += if character.is_ascii() { 1 } else { 2 };
        if width > room * 2 {
            kept.push('…');
            return kept;
        }
        kept.push(character);
    }
    kept
}
