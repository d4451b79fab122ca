//! Each service node's index position, so the outbox can be pruned below what every live
//! node has applied.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchIndexNodes {
    Table,
    Node,
    Position,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchIndexNodes::Table)
                    .col(string_len(SearchIndexNodes::Node, 64).primary_key())
                    .col(big_integer(SearchIndexNodes::Position))
                    .col(timestamp_with_time_zone(SearchIndexNodes::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SearchIndexNodes::Table).to_owned()).await
    }
}
