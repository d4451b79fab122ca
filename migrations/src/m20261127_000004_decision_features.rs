//! The feature values of a decided pair, so that weights can be refit from decisions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MatchDecisions {
    Table,
    Features,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(MatchDecisions::Table).add_column(text_null(MatchDecisions::Features)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(MatchDecisions::Table).drop_column(MatchDecisions::Features).to_owned())
            .await
    }
}
