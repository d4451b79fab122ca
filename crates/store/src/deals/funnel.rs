//! The figures the bureau's funnel is made of, aggregated in the database: one row per
//! combination of origin, furthest stage, current stage, introducer and buyer's region, with
//! counts and amounts, for the deals opened in a period.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{ConnectionTrait, QueryResult};
use techmatch_domain::UserId;
use techmatch_domain::deal::{DealOrigin, DealStage};

use crate::entity::deal;
use crate::events::vocabulary;
use crate::{Store, StoreError};

/// Deals of one kind and what they came to.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelRow {
    pub origin: DealOrigin,
    pub furthest_stage: DealStage,
    pub stage: DealStage,
    pub introducer: Option<UserId>,
    /// The buyer's (company side's) GB/T 2260 code.
    pub buyer_region: String,
    pub deals: u64,
    pub contract_amount_yuan: i64,
    pub registered_amount_yuan: i64,
    pub local_contracts: u64,
    pub local_amount_yuan: i64,
}

fn column(row: &QueryResult, name: &str) -> Result<i64, StoreError> {
    Ok(row.try_get::<Option<i64>>("", name)?.unwrap_or(0))
}

impl Store {
    /// The funnel rows of the deals opened from `from` (inclusive) to `to` (exclusive); with
    /// `introducer`, only the deals that user introduced (a broker's or officer's portfolio).
    pub async fn deal_funnel_rows(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        introducer: Option<UserId>,
    ) -> Result<Vec<FunnelRow>, StoreError> {
        let amount = || Expr::col((deal::Entity, deal::Column::ContractAmountYuan));
        let bigint = |expr: sea_orm::sea_query::FunctionCall| Func::cast_as(expr, Alias::new("BIGINT"));
        let local = || Expr::col((deal::Entity, deal::Column::BuyerLocal)).eq(true);
        let query = Query::select()
            .column((deal::Entity, deal::Column::Origin))
            .column((deal::Entity, deal::Column::FurthestStage))
            .column((deal::Entity, deal::Column::Stage))
            .column((deal::Entity, deal::Column::IntroducerUserId))
            .column((deal::Entity, deal::Column::BuyerRegion))
            .expr_as(bigint(Func::count(Expr::col((deal::Entity, deal::Column::Id)))), Alias::new("deals"))
            .expr_as(bigint(Func::sum(amount())), Alias::new("contract_amount"))
            .expr_as(
                bigint(Func::sum(
                    Expr::case(
                        Expr::col((deal::Entity, deal::Column::FurthestStage))
                            .eq(DealStage::ContractRegistered.as_str()),
                        amount(),
                    )
                    .finally(0),
                )),
                Alias::new("registered_amount"),
            )
            .expr_as(bigint(Func::sum(Expr::case(local(), 1).finally(0))), Alias::new("local_contracts"))
            .expr_as(bigint(Func::sum(Expr::case(local(), amount()).finally(0))), Alias::new("local_amount"))
            .from(deal::Entity)
            .and_where(Expr::col((deal::Entity, deal::Column::CreatedAt)).gte(from))
            .and_where(Expr::col((deal::Entity, deal::Column::CreatedAt)).lt(to))
            .and_where_option(
                introducer.map(|introducer| Expr::col((deal::Entity, deal::Column::IntroducerUserId)).eq(introducer.0)),
            )
            .group_by_col((deal::Entity, deal::Column::Origin))
            .group_by_col((deal::Entity, deal::Column::FurthestStage))
            .group_by_col((deal::Entity, deal::Column::Stage))
            .group_by_col((deal::Entity, deal::Column::IntroducerUserId))
            .group_by_col((deal::Entity, deal::Column::BuyerRegion))
            .to_owned();
        let rows = self.reader.query_all(&query).await?;
        rows.iter()
            .map(|row| {
                let text = |name: &str| -> Result<String, StoreError> { Ok(row.try_get::<String>("", name)?) };
                Ok(FunnelRow {
                    origin: vocabulary("deal origin", &text("origin")?, DealOrigin::parse)?,
                    furthest_stage: vocabulary("deal stage", &text("furthest_stage")?, DealStage::parse)?,
                    stage: vocabulary("deal stage", &text("stage")?, DealStage::parse)?,
                    introducer: row.try_get::<Option<i64>>("", "introducer_user_id")?.map(UserId),
                    buyer_region: text("buyer_region")?,
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
