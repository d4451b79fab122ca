//! Interests keep where their sender found the listing (`match`: among the matches proposed
//! for a listing of theirs; `search`: by searching or browsing), and the deals they open carry
//! it as their origin, so the funnel tells the two apart. Interests sent before had no way to
//! say: they count as found by search, the only way there was outside the match pages.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Interests {
    Table,
    FoundVia,
}

#[derive(DeriveIden)]
enum Deals {
    Table,
    Origin,
}

#[derive(DeriveIden)]
enum DealFunnelFigures {
    Table,
    Dimension,
    Value,
}

fn rename_origin(from: &str, to: &str) -> [UpdateStatement; 2] {
    [
        Query::update()
            .table(Deals::Table)
            .value(Deals::Origin, to)
            .and_where(Expr::col(Deals::Origin).eq(from))
            .to_owned(),
        Query::update()
            .table(DealFunnelFigures::Table)
            .value(DealFunnelFigures::Value, to)
            .and_where(Expr::col(DealFunnelFigures::Dimension).eq("origin"))
            .and_where(Expr::col(DealFunnelFigures::Value).eq(from))
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Interests::Table)
                    .add_column(string_len(Interests::FoundVia, 16).default("search"))
                    .to_owned(),
            )
            .await?;
        for statement in rename_origin("interest", "interest_search") {
            manager.exec_stmt(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Both kinds of interest become one origin again; the store counts the deals into the
        // funnel's figures afresh when they are empty.
        manager.exec_stmt(Query::delete().from_table(DealFunnelFigures::Table).to_owned()).await?;
        for from in ["interest_search", "interest_match"] {
            let [deals, _] = rename_origin(from, "interest");
            manager.exec_stmt(deals).await?;
        }
        manager.alter_table(Table::alter().table(Interests::Table).drop_column(Interests::FoundVia).to_owned()).await
    }
}
