//! The funnel kept as figures instead of read off every deal: each deal keeps the GB/T 4754
//! code of its need (else of its result), filled in for the deals there are, and
//! `deal_funnel_figures` holds, per month and per day deals opened in (China time), per
//! dimension (origin, buyer's province, industry, introducer) and value, and per furthest and
//! current stage, how many deals there are and what their contracts came to. The store keeps the figures in step
//! with every deal it writes and fills them in for the deals that predate them; the covering
//! index the funnel scanned before goes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Deals {
    Table,
    CreatedAt,
    Origin,
    FurthestStage,
    Stage,
    IntroducerUserId,
    BuyerRegion,
    IndustryCode,
    ContractAmountYuan,
    BuyerLocal,
}

#[derive(DeriveIden)]
enum DealFunnelFigures {
    Table,
    Span,
    OpenedIn,
    Dimension,
    Value,
    FurthestStage,
    Stage,
    Deals,
    ContractAmountYuan,
    RegisteredAmountYuan,
    LocalContracts,
    LocalAmountYuan,
}

const FUNNEL_INDEX: &str = "idx_deals_funnel";

/// The first code of a listing's stored industry list (a JSON array of strings).
fn first_code(stored: &str) -> Option<String> {
    let code = stored.split('"').nth(1)?;
    (!code.is_empty() && code.len() <= 8 && code.chars().all(|c| c.is_ascii_alphanumeric())).then(|| code.to_owned())
}

/// The industry of the deals opened before deals kept one.
async fn fill_in_industries(connection: &impl ConnectionTrait) -> Result<(), DbErr> {
    let backend = connection.get_database_backend();
    let rows = connection
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT d.id, n.industry_codes AS need_codes, r.industry_codes AS result_codes \
             FROM deals d LEFT JOIN tech_needs n ON n.id = d.need_id LEFT JOIN research_results r ON r.id = d.result_id",
        ))
        .await?;
    for row in rows {
        let id: i64 = row.try_get("", "id")?;
        let need: Option<String> = row.try_get("", "need_codes")?;
        let result: Option<String> = row.try_get("", "result_codes")?;
        let Some(industry) = need.as_deref().and_then(first_code).or_else(|| result.as_deref().and_then(first_code))
        else {
            continue;
        };
        let statement = Query::update()
            .table(Deals::Table)
            .value(Deals::IndustryCode, industry)
            .and_where(Expr::col(Alias::new("id")).eq(id))
            .to_owned();
        execute_update(connection, &statement).await?;
    }
    Ok(())
}

async fn execute_update(connection: &impl ConnectionTrait, statement: &UpdateStatement) -> Result<(), DbErr> {
    connection.execute(statement).await.map(|_| ())
}

fn old_funnel_index() -> IndexCreateStatement {
    Index::create()
        .name(FUNNEL_INDEX)
        .table(Deals::Table)
        .col(Deals::CreatedAt)
        .col(Deals::Origin)
        .col(Deals::FurthestStage)
        .col(Deals::Stage)
        .col(Deals::IntroducerUserId)
        .col(Deals::BuyerRegion)
        .col(Deals::ContractAmountYuan)
        .col(Deals::BuyerLocal)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Deals::Table).add_column(string_len_null(Deals::IndustryCode, 8)).to_owned(),
            )
            .await?;
        fill_in_industries(manager.get_connection()).await?;
        manager.drop_index(Index::drop().name(FUNNEL_INDEX).table(Deals::Table).to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(DealFunnelFigures::Table)
                    .col(string_len(DealFunnelFigures::Span, 8))
                    .col(string_len(DealFunnelFigures::OpenedIn, 10))
                    .col(string_len(DealFunnelFigures::Dimension, 16))
                    .col(string_len(DealFunnelFigures::Value, 32))
                    .col(string_len(DealFunnelFigures::FurthestStage, 32))
                    .col(string_len(DealFunnelFigures::Stage, 32))
                    .col(big_integer(DealFunnelFigures::Deals))
                    .col(big_integer(DealFunnelFigures::ContractAmountYuan))
                    .col(big_integer(DealFunnelFigures::RegisteredAmountYuan))
                    .col(big_integer(DealFunnelFigures::LocalContracts))
                    .col(big_integer(DealFunnelFigures::LocalAmountYuan))
                    .primary_key(
                        Index::create()
                            .col(DealFunnelFigures::Span)
                            .col(DealFunnelFigures::OpenedIn)
                            .col(DealFunnelFigures::Dimension)
                            .col(DealFunnelFigures::Value)
                            .col(DealFunnelFigures::FurthestStage)
                            .col(DealFunnelFigures::Stage),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DealFunnelFigures::Table).to_owned()).await?;
        manager.create_index(old_funnel_index()).await?;
        manager.alter_table(Table::alter().table(Deals::Table).drop_column(Deals::IndustryCode).to_owned()).await
    }
}
