//! A roadshow's confirmed presentations, in order.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ResearchResults {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum EventPresentations {
    Table,
    Id,
    EventId,
    Position,
    ResultId,
    ConfirmedBy,
    ConfirmedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventPresentations::Table)
                    .col(big_pk_auto(EventPresentations::Id))
                    .col(big_integer(EventPresentations::EventId))
                    .col(integer(EventPresentations::Position))
                    .col(big_integer(EventPresentations::ResultId))
                    .col(big_integer(EventPresentations::ConfirmedBy))
                    .col(timestamp_with_time_zone(EventPresentations::ConfirmedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_presentations_event")
                            .from(EventPresentations::Table, EventPresentations::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_presentations_result")
                            .from(EventPresentations::Table, EventPresentations::ResultId)
                            .to(ResearchResults::Table, ResearchResults::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_event_presentations_position")
                    .table(EventPresentations::Table)
                    .col(EventPresentations::EventId)
                    .col(EventPresentations::Position)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(EventPresentations::Table).to_owned()).await
    }
}
