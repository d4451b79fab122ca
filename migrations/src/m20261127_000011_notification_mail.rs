//! The e-mail copy of each notification is queued in the notification's own row, so a notice
//! stored before a crash or while the relay is down is still mailed afterwards.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    MailAfter,
    MailAttempts,
    MailedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time. Notices stored
        // before this had their e-mail tried already: none is queued (mail_after stays null).
        for column in [
            timestamp_with_time_zone_null(Notifications::MailAfter),
            integer(Notifications::MailAttempts).default(0).to_owned(),
            timestamp_with_time_zone_null(Notifications::MailedAt),
        ] {
            manager.alter_table(Table::alter().table(Notifications::Table).add_column(column).to_owned()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_mail_after")
                    .table(Notifications::Table)
                    .col(Notifications::MailAfter)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_notifications_mail_after").table(Notifications::Table).to_owned())
            .await?;
        for column in [Notifications::MailAfter, Notifications::MailAttempts, Notifications::MailedAt] {
            manager.alter_table(Table::alter().table(Notifications::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
