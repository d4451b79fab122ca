//! Decisions looked up by result: the officers' feedback feature reads every decision on the
//! candidates of a ranking (the pair index starts with the need, so it cannot serve that).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MatchDecisions {
    Table,
    ResultId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_decisions_result")
                    .table(MatchDecisions::Table)
                    .col(MatchDecisions::ResultId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_decisions_result").table(MatchDecisions::Table).to_owned()).await
    }
}
