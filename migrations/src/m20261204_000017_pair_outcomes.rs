//! What followed a match, as labels for refitting the matching: one row per deal (its furthest
//! stage, or a close as not feasible) or declined interest (declined as not the poster's field)
//! whose need and result form a pair, with that pair's feature values when it was recorded.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PairOutcomes {
    Table,
    Id,
    Source,
    SourceId,
    NeedId,
    ResultId,
    Label,
    Good,
    Weight,
    Features,
    RecordedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PairOutcomes::Table)
                    .if_not_exists()
                    .col(big_pk_auto(PairOutcomes::Id))
                    .col(string_len(PairOutcomes::Source, 16))
                    .col(big_integer(PairOutcomes::SourceId))
                    .col(big_integer(PairOutcomes::NeedId))
                    .col(big_integer(PairOutcomes::ResultId))
                    .col(string_len(PairOutcomes::Label, 32))
                    .col(boolean(PairOutcomes::Good))
                    .col(double(PairOutcomes::Weight))
                    .col(text(PairOutcomes::Features))
                    .col(timestamp_with_time_zone(PairOutcomes::RecordedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("pair_outcomes_by_source")
                    .table(PairOutcomes::Table)
                    .col(PairOutcomes::Source)
                    .col(PairOutcomes::SourceId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PairOutcomes::Table).to_owned()).await
    }
}
