//! A liaison officer's or broker's portfolio over the API: the introductions they made and
//! what the deals they opened came to.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use techmatch_service::Services;
use techmatch_service::deals::{DealService, PORTFOLIO_START, Portfolio};
use utoipa::{IntoParams, ToSchema};

use super::funnel::{FunnelFiguresResponse, date};
use crate::error::{ApiError, ErrorBody};
use crate::extract::Authenticated;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PortfolioQuery {
    /// First day (YYYY-MM-DD) of the period the introductions were made in; all of them when omitted.
    pub from: Option<String>,
    /// Last day, included; today in China when omitted.
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntroductionTallyResponse {
    pub made: u64,
    /// Waiting for one side's answer or both.
    pub open: u64,
    /// Both sides accepted and a deal opened.
    pub accepted: u64,
    pub declined: u64,
    /// Of the answered introductions, the share both sides accepted.
    pub acceptance: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioResponse {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub introductions: IntroductionTallyResponse,
    /// The deals the caller introduced, opened in the period.
    pub deals: FunnelFiguresResponse,
}

impl From<&Portfolio> for PortfolioResponse {
    fn from(portfolio: &Portfolio) -> Self {
        let tally = portfolio.introductions;
        PortfolioResponse {
            from: portfolio.from,
            to: portfolio.to,
            introductions: IntroductionTallyResponse {
                made: tally.made(),
                open: tally.open,
                accepted: tally.accepted,
                declined: tally.declined,
                acceptance: tally.acceptance(),
            },
            deals: (&portfolio.deals).into(),
        }
    }
}

/// The caller's portfolio (liaison officers and brokers): the introductions they made in the
/// period and how they stand, and the figures of the deals they introduced. The pairs and the
/// deals themselves are under `/introductions` and `/deals`.
#[utoipa::path(
    tag = "deals",
    security(("bearer" = [])),
    params(PortfolioQuery),
    responses(
        (status = 200, description = "the portfolio", body = PortfolioResponse),
        (status = 400, description = "malformed query", body = ErrorBody),
        (status = 403, description = "not an officer or broker", body = ErrorBody),
        (status = 422, description = "bad dates or reversed range", body = ErrorBody),
    )
)]
#[get("/me/portfolio")]
pub async fn my_portfolio(
    services: web::Data<Services>,
    caller: Authenticated,
    query: web::Query<PortfolioQuery>,
) -> Result<HttpResponse, ApiError> {
    let from = query.from.as_deref().map(|raw| date("from", raw)).transpose()?.unwrap_or(PORTFOLIO_START);
    let to = match query.to.as_deref() {
        Some(raw) => date("to", raw)?,
        None => DealService::today(chrono::Utc::now()),
    };
    let portfolio = services.deals.portfolio(&caller.0, from, to).await?;
    Ok(HttpResponse::Ok().json(PortfolioResponse::from(&portfolio)))
}
