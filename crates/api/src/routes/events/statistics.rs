//! The bureau's figures over a date range.

use actix_web::{get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use techmatch_domain::{FieldError, ValidationErrors};
use techmatch_service::Services;
use techmatch_service::events::Statistics;
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorBody};
use crate::extract::Authenticated;

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
    /// Events dated in the period (those still to come included).
    pub events_held: u64,
    /// Of them, those dated after today.
    pub events_to_come: u64,
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
            events_to_come: statistics.events_to_come,
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

pub(crate) fn parse_date(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
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
        (status = 403, description = "not staff", body = ErrorBody),
        (status = 422, description = "invalid or reversed dates", body = ErrorBody),
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
