//! When batch matching first stored a pair: the suggestion queue offers a stored pair as new
//! only if it was first found after the officer's last review (every batch rewrites the rows).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StoredMatches {
    Table,
    FirstFoundAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(StoredMatches::Table)
                    .add_column(timestamp_with_time_zone_null(StoredMatches::FirstFoundAt))
                    .to_owned(),
            )
            .await?;
        // Rows stored before this column: first found when last computed, the best known.
        manager
            .get_connection()
            .execute_unprepared("UPDATE stored_matches SET first_found_at = computed_at WHERE first_found_at IS NULL")
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stored_matches_first_found")
                    .table(StoredMatches::Table)
                    .col(StoredMatches::FirstFoundAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_stored_matches_first_found").table(StoredMatches::Table).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(StoredMatches::Table).drop_column(StoredMatches::FirstFoundAt).to_owned())
            .await
    }
}
