//! The funnel by month and by industry: each deal keeps the month it opened in (China time)
//! and the GB/T 4754 division of its need (else of its result), filled in for the deals there
//! are, and the funnel's covering index holds both.

use sea_orm_migration::prelude::*;
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
    OpenedMonth,
    IndustryCode,
    ContractAmountYuan,
    BuyerLocal,
}

const FUNNEL_INDEX: &str = "idx_deals_funnel";

fn funnel_index(with_month_and_industry: bool) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(FUNNEL_INDEX)
        .table(Deals::Table)
        .col(Deals::CreatedAt)
        .col(Deals::Origin)
        .col(Deals::FurthestStage)
        .col(Deals::Stage)
        .col(Deals::IntroducerUserId)
        .col(Deals::BuyerRegion);
    if with_month_and_industry {
        index.col(Deals::OpenedMonth).col(Deals::IndustryCode);
    }
    index.col(Deals::ContractAmountYuan).col(Deals::BuyerLocal).to_owned()
}

/// The first code of a listing's stored industry list (a JSON array of strings).
fn first_code(stored: &str) -> Option<String> {
    let code = stored.split('"').nth(1)?;
    (!code.is_empty() && code.len() <= 8 && code.chars().all(|c| c.is_ascii_alphanumeric())).then(|| code.to_owned())
}

/// A deal's month and industry, for the deals opened before deals kept them. Values spliced
/// into the statements are numbers and checked codes only.
async fn fill_in(connection: &impl ConnectionTrait) -> Result<(), DbErr> {
    let backend = connection.get_database_backend();
    let rows = connection
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT d.id, d.created_at, n.industry_codes AS need_codes, r.industry_codes AS result_codes \
             FROM deals d LEFT JOIN tech_needs n ON n.id = d.need_id LEFT JOIN research_results r ON r.id = d.result_id",
        ))
        .await?;
    for row in rows {
        let id: i64 = row.try_get("", "id")?;
        let created: chrono::DateTime<chrono::Utc> = row.try_get("", "created_at")?;
        let month = (created + chrono::Duration::hours(8)).format("%Y-%m").to_string();
        let need: Option<String> = row.try_get("", "need_codes")?;
        let result: Option<String> = row.try_get("", "result_codes")?;
        let industry = need.as_deref().and_then(first_code).or_else(|| result.as_deref().and_then(first_code));
        let industry = industry.map_or_else(|| "NULL".to_owned(), |code| format!("'{code}'"));
        connection
            .execute_raw(Statement::from_string(
                backend,
                format!("UPDATE deals SET opened_month = '{month}', industry_code = {industry} WHERE id = {id}"),
            ))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ColumnDef::new(Deals::OpenedMonth).string_len(7).null().to_owned(),
            ColumnDef::new(Deals::IndustryCode).string_len(8).null().to_owned(),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table(Deals::Table).add_column(&mut column).to_owned()).await?;
        }
        fill_in(manager.get_connection()).await?;
        manager.drop_index(Index::drop().name(FUNNEL_INDEX).table(Deals::Table).to_owned()).await?;
        manager.create_index(funnel_index(true)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(FUNNEL_INDEX).table(Deals::Table).to_owned()).await?;
        manager.create_index(funnel_index(false)).await?;
        for column in [Deals::OpenedMonth, Deals::IndustryCode] {
            manager.alter_table(Table::alter().table(Deals::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
