//! Login attempts and failures, kept for the throttling window only, so that every service
//! node sharing the database enforces one limit together.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LoginEvents {
    Table,
    Id,
    Kind,
    Key,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginEvents::Table)
                    .col(big_pk_auto(LoginEvents::Id))
                    .col(string_len(LoginEvents::Kind, 16))
                    .col(string_len(LoginEvents::Key, 320))
                    .col(timestamp_with_time_zone(LoginEvents::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("login_events_by_key")
                    .table(LoginEvents::Table)
                    .col(LoginEvents::Kind)
                    .col(LoginEvents::Key)
                    .col(LoginEvents::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("login_events_by_time").table(LoginEvents::Table).col(LoginEvents::At).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LoginEvents::Table).to_owned()).await
    }
}
