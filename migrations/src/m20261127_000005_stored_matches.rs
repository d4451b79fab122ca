//! Matches computed by `techmatch match --all`: each open need's best results, refreshed in batch.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ResearchResults {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum TechNeeds {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum StoredMatches {
    Table,
    Id,
    NeedId,
    ResultId,
    Rank,
    Score,
    Features,
    ComputedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StoredMatches::Table)
                    .col(big_pk_auto(StoredMatches::Id))
                    .col(big_integer(StoredMatches::NeedId))
                    .col(big_integer(StoredMatches::ResultId))
                    .col(integer(StoredMatches::Rank))
                    .col(double(StoredMatches::Score))
                    .col(text(StoredMatches::Features))
                    .col(timestamp_with_time_zone(StoredMatches::ComputedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stored_matches_need")
                            .from(StoredMatches::Table, StoredMatches::NeedId)
                            .to(TechNeeds::Table, TechNeeds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stored_matches_result")
                            .from(StoredMatches::Table, StoredMatches::ResultId)
                            .to(ResearchResults::Table, ResearchResults::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stored_matches_need")
                    .table(StoredMatches::Table)
                    .col(StoredMatches::NeedId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StoredMatches::Table).to_owned()).await
    }
}
