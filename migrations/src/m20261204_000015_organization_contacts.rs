//! An organization's contact person (name, phone, e-mail; shown publicly only when it says so)
//! and its unified social credit code, which signed deals record for the registration.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    ContactName,
    ContactPhone,
    ContactEmail,
    ContactPublic,
    CreditCode,
}

fn columns() -> [ColumnDef; 5] {
    [
        ColumnDef::new(Organizations::ContactName).string_len(100).null().to_owned(),
        ColumnDef::new(Organizations::ContactPhone).string_len(32).null().to_owned(),
        ColumnDef::new(Organizations::ContactEmail).string_len(254).null().to_owned(),
        ColumnDef::new(Organizations::ContactPublic).boolean().not_null().default(false).to_owned(),
        ColumnDef::new(Organizations::CreditCode).string_len(18).null().to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for mut column in columns() {
            manager.alter_table(Table::alter().table(Organizations::Table).add_column(&mut column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Organizations::ContactName,
            Organizations::ContactPhone,
            Organizations::ContactEmail,
            Organizations::ContactPublic,
            Organizations::CreditCode,
        ] {
            manager.alter_table(Table::alter().table(Organizations::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
