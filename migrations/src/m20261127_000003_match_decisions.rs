//! Liaison officers' decisions on suggested result↔need pairs, and when each last reviewed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

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
enum MatchDecisions {
    Table,
    Id,
    NeedId,
    ResultId,
    Decision,
    Note,
    Score,
    DecidedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SuggestionReviews {
    Table,
    UserId,
    ReviewedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MatchDecisions::Table)
                    .col(big_pk_auto(MatchDecisions::Id))
                    .col(big_integer(MatchDecisions::NeedId))
                    .col(big_integer(MatchDecisions::ResultId))
                    .col(string_len(MatchDecisions::Decision, 16))
                    .col(text_null(MatchDecisions::Note))
                    // The pair's score and features when decided: the data weights are refit from.
                    .col(double(MatchDecisions::Score))
                    .col(big_integer(MatchDecisions::DecidedBy))
                    .col(timestamp_with_time_zone(MatchDecisions::CreatedAt))
                    .col(timestamp_with_time_zone(MatchDecisions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_decisions_need")
                            .from(MatchDecisions::Table, MatchDecisions::NeedId)
                            .to(TechNeeds::Table, TechNeeds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_decisions_result")
                            .from(MatchDecisions::Table, MatchDecisions::ResultId)
                            .to(ResearchResults::Table, ResearchResults::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_decisions_user")
                            .from(MatchDecisions::Table, MatchDecisions::DecidedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_decisions_pair")
                    .table(MatchDecisions::Table)
                    .col(MatchDecisions::NeedId)
                    .col(MatchDecisions::ResultId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SuggestionReviews::Table)
                    .col(big_integer(SuggestionReviews::UserId).primary_key())
                    .col(timestamp_with_time_zone(SuggestionReviews::ReviewedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reviews_user")
                            .from(SuggestionReviews::Table, SuggestionReviews::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SuggestionReviews::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(MatchDecisions::Table).to_owned()).await
    }
}
