//! A listing may name its own contact person (name, phone, e-mail, shown publicly or not), for
//! when the person who answers for a result or a need is not the organization's contact.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ResearchResults {
    Table,
    Contact,
}

#[derive(DeriveIden)]
enum TechNeeds {
    Table,
    Contact,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(ResearchResults::Table).add_column(text_null(ResearchResults::Contact)).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(TechNeeds::Table).add_column(text_null(TechNeeds::Contact)).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(ResearchResults::Table).drop_column(ResearchResults::Contact).to_owned())
            .await?;
        manager.alter_table(Table::alter().table(TechNeeds::Table).drop_column(TechNeeds::Contact).to_owned()).await
    }
}
