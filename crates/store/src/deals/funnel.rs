//! The figures the bureau's funnel is made of, kept as deals are written rather than read off
//! every deal: per month and per day deals opened in (China time), per dimension (origin, the
//! buyer's province, industry, introducer) and value, and per furthest and current stage, how
//! many deals there are and what their contracts came to. Every write of a deal takes its old
//! contribution out and puts its new one in, in the deal's own transaction. A period reads the
//! figures of the whole months it covers and the days of the months it covers in part: a year's
//! funnel reads a few thousand figures, not every deal.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Func, OnConflict, Query};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryResult, Set};
use techmatch_domain::UserId;
use techmatch_domain::deal::DealStage;

use crate::entity::{deal, deal_funnel_figure};
use crate::events::vocabulary;
use crate::{Store, StoreError};

/// What the funnel groups deals by (besides their stages and the month they opened in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FunnelDimension {
    /// How the deal came about (`DealOrigin`); every deal has one, so these figures add up to all.
    Origin,
    /// The first two digits of the buyer's GB/T 2260 code.
    Province,
    /// The GB/T 4754 code of the deal's need (else result), empty when they name none.
    Industry,
    /// The introducer's user id; deals without one are not counted here.
    Introducer,
}

impl FunnelDimension {
    pub fn as_str(self) -> &'static str {
        match self {
            FunnelDimension::Origin => "origin",
            FunnelDimension::Province => "province",
            FunnelDimension::Industry => "industry",
            FunnelDimension::Introducer => "introducer",
        }
    }

    fn parse(text: &str) -> Option<FunnelDimension> {
        [FunnelDimension::Origin, FunnelDimension::Province, FunnelDimension::Industry, FunnelDimension::Introducer]
            .into_iter()
            .find(|dimension| dimension.as_str() == text)
    }
}

/// The deals of one month that share a dimension's value and their stages, and what they came to.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelRow {
    /// The month they opened in, China time (`2026-12`).
    pub month: String,
    pub dimension: FunnelDimension,
    pub value: String,
    pub furthest_stage: DealStage,
    pub stage: DealStage,
    pub deals: u64,
    pub contract_amount_yuan: i64,
    pub registered_amount_yuan: i64,
    pub local_contracts: u64,
    pub local_amount_yuan: i64,
}

/// The office counts its days in China time, which has no daylight saving.
fn china_day(at: DateTime<Utc>) -> NaiveDate {
    FixedOffset::east_opt(8 * 3600).map_or_else(|| at.date_naive(), |china| at.with_timezone(&china).date_naive())
}

/// How long a stored figure's period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Span {
    Month,
    Day,
}

impl Span {
    fn as_str(self) -> &'static str {
        match self {
            Span::Month => "month",
            Span::Day => "day",
        }
    }

    fn label(self, day: NaiveDate) -> String {
        match self {
            Span::Month => day.format("%Y-%m").to_string(),
            Span::Day => day.format("%Y-%m-%d").to_string(),
        }
    }
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn last_of_month(day: NaiveDate) -> NaiveDate {
    let next = if day.month() == 12 {
        NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(day.year(), day.month() + 1, 1)
    };
    next.and_then(|next| next.pred_opt()).unwrap_or(day)
}

/// The stored periods that make up the days `from` to `to`: the whole months in it (first and
/// last, if any), and the runs of days (first and last) of the months it covers only in part.
#[derive(Debug, PartialEq)]
struct Periods {
    months: Option<(NaiveDate, NaiveDate)>,
    days: Vec<(NaiveDate, NaiveDate)>,
}

fn periods(from: NaiveDate, to: NaiveDate) -> Periods {
    let first_whole = if from.day() == 1 { from } else { last_of_month(from).succ_opt().unwrap_or(from) };
    let last_whole = if last_of_month(to) == to { to } else { first_of_month(to).pred_opt().unwrap_or(to) };
    if first_whole > last_whole {
        return Periods { months: None, days: vec![(from, to)] };
    }
    let mut days = Vec::new();
    if from < first_whole {
        days.push((from, first_whole.pred_opt().unwrap_or(from)));
    }
    if to > last_whole {
        days.push((last_whole.succ_opt().unwrap_or(to), to));
    }
    Periods { months: Some((first_whole, last_whole)), days }
}

/// What of a deal the funnel counts.
pub(crate) struct FunnelFacts<'a> {
    pub opened_at: DateTime<Utc>,
    pub origin: &'a str,
    pub furthest_stage: &'a str,
    pub stage: &'a str,
    pub introducer: Option<i64>,
    pub buyer_region: &'a str,
    pub industry: Option<&'a str>,
    pub contract_amount_yuan: Option<i64>,
    pub buyer_local: Option<bool>,
}

impl<'a> FunnelFacts<'a> {
    pub fn of(model: &'a deal::Model) -> FunnelFacts<'a> {
        FunnelFacts {
            opened_at: model.created_at,
            origin: &model.origin,
            furthest_stage: &model.furthest_stage,
            stage: &model.stage,
            introducer: model.introducer_user_id,
            buyer_region: &model.buyer_region,
            industry: model.industry_code.as_deref(),
            contract_amount_yuan: model.contract_amount_yuan,
            buyer_local: model.buyer_local,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct FigureKey {
    span: Span,
    opened_in: String,
    dimension: FunnelDimension,
    value: String,
    furthest_stage: String,
    stage: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Figures {
    deals: i64,
    contract_amount_yuan: i64,
    registered_amount_yuan: i64,
    local_contracts: i64,
    local_amount_yuan: i64,
}

/// Changes to the figures, gathered before they are written (keys in order, so concurrent
/// writers lock rows in the same order).
#[derive(Debug, Default)]
pub(crate) struct FunnelChanges(BTreeMap<FigureKey, Figures>);

/// Rows per upsert: well under every backend's limit on bound parameters.
const CHUNK: usize = 500;

impl FunnelChanges {
    /// Counts a deal in (`sign` 1) or out (`sign` -1).
    pub fn count(&mut self, facts: &FunnelFacts<'_>, sign: i64) {
        let amount = facts.contract_amount_yuan.unwrap_or(0);
        let local = facts.buyer_local == Some(true);
        let registered = facts.furthest_stage == DealStage::ContractRegistered.as_str();
        let figures = Figures {
            deals: sign,
            contract_amount_yuan: sign * amount,
            registered_amount_yuan: if registered { sign * amount } else { 0 },
            local_contracts: if local { sign } else { 0 },
            local_amount_yuan: if local { sign * amount } else { 0 },
        };
        let opened_on = china_day(facts.opened_at);
        let periods = [Span::Month, Span::Day].map(|span| (span, span.label(opened_on)));
        let province: String = facts.buyer_region.chars().take(2).collect();
        let mut values = vec![
            (FunnelDimension::Origin, facts.origin.to_owned()),
            (FunnelDimension::Province, province),
            (FunnelDimension::Industry, facts.industry.unwrap_or_default().to_owned()),
        ];
        if let Some(introducer) = facts.introducer {
            values.push((FunnelDimension::Introducer, introducer.to_string()));
        }
        for (span, opened_in) in &periods {
            for (dimension, value) in &values {
                let key = FigureKey {
                    span: *span,
                    opened_in: opened_in.clone(),
                    dimension: *dimension,
                    value: value.clone(),
                    furthest_stage: facts.furthest_stage.to_owned(),
                    stage: facts.stage.to_owned(),
                };
                let sum = self.0.entry(key).or_default();
                sum.deals += figures.deals;
                sum.contract_amount_yuan += figures.contract_amount_yuan;
                sum.registered_amount_yuan += figures.registered_amount_yuan;
                sum.local_contracts += figures.local_contracts;
                sum.local_amount_yuan += figures.local_amount_yuan;
            }
        }
    }

    /// The change of one deal's write: its old figures out, its new ones in.
    pub fn of_change(before: Option<&deal::Model>, after: &deal::Model) -> FunnelChanges {
        let mut changes = FunnelChanges::default();
        if let Some(before) = before {
            changes.count(&FunnelFacts::of(before), -1);
        }
        changes.count(&FunnelFacts::of(after), 1);
        changes
    }

    /// Adds the changes to the stored figures.
    pub async fn write(self, connection: &impl ConnectionTrait) -> Result<(), StoreError> {
        let rows: Vec<deal_funnel_figure::ActiveModel> = self
            .0
            .into_iter()
            .filter(|(_, figures)| *figures != Figures::default())
            .map(|(key, figures)| deal_funnel_figure::ActiveModel {
                span: Set(key.span.as_str().to_owned()),
                opened_in: Set(key.opened_in),
                dimension: Set(key.dimension.as_str().to_owned()),
                value: Set(key.value),
                furthest_stage: Set(key.furthest_stage),
                stage: Set(key.stage),
                deals: Set(figures.deals),
                contract_amount_yuan: Set(figures.contract_amount_yuan),
                registered_amount_yuan: Set(figures.registered_amount_yuan),
                local_contracts: Set(figures.local_contracts),
                local_amount_yuan: Set(figures.local_amount_yuan),
            })
            .collect();
        use deal_funnel_figure::Column;
        let mut on_conflict = OnConflict::columns([
            Column::Span,
            Column::OpenedIn,
            Column::Dimension,
            Column::Value,
            Column::FurthestStage,
            Column::Stage,
        ]);
        for column in [
            Column::Deals,
            Column::ContractAmountYuan,
            Column::RegisteredAmountYuan,
            Column::LocalContracts,
            Column::LocalAmountYuan,
        ] {
            on_conflict.value(
                column,
                Expr::col((deal_funnel_figure::Entity, column)).add(Expr::col((Alias::new("excluded"), column))),
            );
        }
        for chunk in rows.chunks(CHUNK) {
            deal_funnel_figure::Entity::insert_many(chunk.to_vec())
                .on_conflict(on_conflict.clone())
                .exec_without_returning(connection)
                .await?;
        }
        Ok(())
    }
}

/// Counts the deals there are into empty figures: for the deals opened before the figures were
/// kept. A no-op once there are figures, or no deals.
pub(crate) async fn fill_in_funnel_figures(connection: &impl ConnectionTrait) -> Result<(), StoreError> {
    if deal_funnel_figure::Entity::find().one(connection).await?.is_some() {
        return Ok(());
    }
    let mut changes = FunnelChanges::default();
    let mut deals = deal::Entity::find().paginate(connection, 1000);
    while let Some(models) = deals.fetch_and_next().await? {
        for model in &models {
            changes.count(&FunnelFacts::of(model), 1);
        }
    }
    changes.write(connection).await
}

fn column(row: &QueryResult, name: &str) -> Result<i64, StoreError> {
    Ok(row.try_get::<Option<i64>>("", name)?.unwrap_or(0))
}

impl Store {
    /// The funnel's figures of the deals opened from `from` to `to` (days in China, both
    /// included), by month; with `introducer`, only the figures of the deals that user
    /// introduced (a broker's or officer's portfolio).
    pub async fn deal_funnel_rows(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        introducer: Option<UserId>,
    ) -> Result<Vec<FunnelRow>, StoreError> {
        use deal_funnel_figure::Column;
        let table = deal_funnel_figure::Entity;
        let bigint = |expr: sea_orm::sea_query::FunctionCall| Func::cast_as(expr, Alias::new("BIGINT"));
        let sum = |column: Column| bigint(Func::sum(Expr::col((table, column))));
        // Written out rather than bound: PostgreSQL matches the grouped expression to the
        // selected one only when they are the same text, parameters included.
        let month = || Expr::cust("SUBSTR(\"opened_in\", 1, 7)");
        let mut query = Query::select();
        query
            .column((table, Column::Dimension))
            .column((table, Column::Value))
            .expr_as(month(), Alias::new("month"))
            .column((table, Column::FurthestStage))
            .column((table, Column::Stage))
            .expr_as(sum(Column::Deals), Alias::new("deals"))
            .expr_as(sum(Column::ContractAmountYuan), Alias::new("contract_amount"))
            .expr_as(sum(Column::RegisteredAmountYuan), Alias::new("registered_amount"))
            .expr_as(sum(Column::LocalContracts), Alias::new("local_contracts"))
            .expr_as(sum(Column::LocalAmountYuan), Alias::new("local_amount"))
            .from(table);
        let periods = periods(from, to);
        let mut within = Condition::any();
        let mut stored = |span: Span, (first, last): (NaiveDate, NaiveDate)| {
            within = std::mem::replace(&mut within, Condition::any()).add(
                Condition::all()
                    .add(Expr::col((table, Column::Span)).eq(span.as_str()))
                    .add(Expr::col((table, Column::OpenedIn)).gte(span.label(first)))
                    .add(Expr::col((table, Column::OpenedIn)).lte(span.label(last))),
            );
        };
        if let Some(months) = periods.months {
            stored(Span::Month, months);
        }
        for days in periods.days {
            stored(Span::Day, days);
        }
        query.cond_where(within);
        if let Some(introducer) = introducer {
            query
                .and_where(Expr::col((table, Column::Dimension)).eq(FunnelDimension::Introducer.as_str()))
                .and_where(Expr::col((table, Column::Value)).eq(introducer.0.to_string()));
        }
        query
            .group_by_col((table, Column::Dimension))
            .group_by_col((table, Column::Value))
            .add_group_by([month()])
            .group_by_col((table, Column::FurthestStage))
            .group_by_col((table, Column::Stage))
            .and_having(Func::sum(Expr::col((table, Column::Deals))).gt(0));
        let rows = self.reader.query_all(&query).await?;
        rows.iter()
            .map(|row| {
                let text = |name: &str| -> Result<String, StoreError> { Ok(row.try_get::<String>("", name)?) };
                let dimension = text("dimension")?;
                Ok(FunnelRow {
                    month: text("month")?,
                    dimension: FunnelDimension::parse(&dimension).ok_or_else(|| {
                        StoreError::Corrupt(format!("unknown funnel dimension {dimension:?} in the stored figures"))
                    })?,
                    value: text("value")?,
                    furthest_stage: vocabulary("deal stage", &text("furthest_stage")?, DealStage::parse)?,
                    stage: vocabulary("deal stage", &text("stage")?, DealStage::parse)?,
                    deals: u64::try_from(column(row, "deals")?).unwrap_or(0),
                    contract_amount_yuan: column(row, "contract_amount")?,
                    registered_amount_yuan: column(row, "registered_amount")?,
                    local_contracts: u64::try_from(column(row, "local_contracts")?).unwrap_or(0),
                    local_amount_yuan: column(row, "local_amount")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn day(month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, month, day).unwrap()
    }

    #[test]
    fn a_period_reads_its_whole_months_and_the_days_of_the_rest() {
        assert_eq!(periods(day(1, 1), day(12, 31)), Periods { months: Some((day(1, 1), day(12, 31))), days: vec![] });
        assert_eq!(
            periods(day(3, 15), day(6, 14)),
            Periods {
                months: Some((day(4, 1), day(5, 31))),
                days: vec![(day(3, 15), day(3, 31)), (day(6, 1), day(6, 14))]
            }
        );
        assert_eq!(periods(day(3, 15), day(4, 14)), Periods { months: None, days: vec![(day(3, 15), day(4, 14))] });
        assert_eq!(periods(day(2, 1), day(2, 28)), Periods { months: Some((day(2, 1), day(2, 28))), days: vec![] });
        assert_eq!(periods(day(12, 6), day(12, 6)), Periods { months: None, days: vec![(day(12, 6), day(12, 6))] });
        assert_eq!(
            periods(day(11, 30), day(12, 31)),
            Periods { months: Some((day(12, 1), day(12, 31))), days: vec![(day(11, 30), day(11, 30))] }
        );
    }

    #[test]
    fn a_deal_counts_in_its_month_and_its_day_in_china() {
        let mut changes = FunnelChanges::default();
        // 20:00 on 31 December in UTC is New Year's Day in China.
        let opened_at = "2026-12-31T20:00:00Z".parse().unwrap();
        let facts = FunnelFacts {
            opened_at,
            origin: "introduction",
            furthest_stage: "contract_signed",
            stage: "contract_signed",
            introducer: Some(9),
            buyer_region: "420111",
            industry: None,
            contract_amount_yuan: Some(300_000),
            buyer_local: Some(true),
        };
        changes.count(&facts, 1);
        let periods: std::collections::BTreeSet<_> =
            changes.0.keys().map(|key| (key.span, key.opened_in.as_str())).collect();
        assert_eq!(periods.into_iter().collect::<Vec<_>>(), [(Span::Month, "2027-01"), (Span::Day, "2027-01-01")]);
        assert_eq!(changes.0.len(), 2 * 4, "origin, province, industry and introducer, for each span");
        // Counted out again, every figure is back to nothing.
        changes.count(&facts, -1);
        assert!(changes.0.values().all(|figures| *figures == Figures::default()));
    }
}
