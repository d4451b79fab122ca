//! Expressions of interest in listings, the deals they open, each deal's timeline, and the
//! messages of both.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
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
enum Interests {
    Table,
    Id,
    ResultId,
    NeedId,
    ListingOrganizationId,
    /// Who is told of the interest and reminded: the listing's owner when it was sent.
    RecipientUserId,
    SenderUserId,
    SenderOrganizationId,
    Purpose,
    Message,
    RelatedResultId,
    RelatedNeedId,
    Status,
    DeclineReason,
    AnswerNote,
    AnsweredBy,
    AnsweredAt,
    CreatedAt,
    RemindAt,
    ExpiresAt,
    DealId,
    /// `kind:listing:sender organization` while the interest is open, null after: unique, so
    /// that a pair has at most one open interest on every database.
    OpenPairKey,
}

#[derive(DeriveIden)]
enum Deals {
    Table,
    Id,
    ResultId,
    NeedId,
    ResearchOrganizationId,
    CompanyOrganizationId,
    /// The company side's GB/T 2260 code when the deal opened, for the funnel's regions.
    BuyerRegion,
    Stage,
    /// The furthest stage before any close: what the funnel counts.
    FurthestStage,
    CloseReason,
    Origin,
    IntroducerUserId,
    InterestId,
    ContractType,
    ContractAmountYuan,
    ContractDate,
    SellerCreditCode,
    BuyerCreditCode,
    BuyerLocal,
    RegistrationNumber,
    RegistrationDate,
    Version,
    CreatedAt,
    UpdatedAt,
    /// The listings and organizations of the pair: one deal per pair.
    PairKey,
}

#[derive(DeriveIden)]
enum Introductions {
    Table,
    Id,
    ResultId,
    NeedId,
    ResearchOrganizationId,
    CompanyOrganizationId,
    IntroducerUserId,
    Note,
    ResearchAnswer,
    CompanyAnswer,
    CreatedAt,
    DealId,
    /// `result:need` while open, null after: one open introduction per pair.
    OpenPairKey,
}

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    /// The thread: an interest's or a deal's (exactly one is set).
    InterestId,
    DealId,
    AuthorUserId,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DealEvents {
    Table,
    Id,
    DealId,
    ActorUserId,
    At,
    FromStage,
    ToStage,
    Note,
}

fn reference(
    name: &str,
    from: (Interests, Interests),
    to_table: impl IntoIden,
    to_column: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to_table, to_column)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Deals::Table)
                    .col(big_pk_auto(Deals::Id))
                    .col(big_integer_null(Deals::ResultId))
                    .col(big_integer_null(Deals::NeedId))
                    .col(big_integer(Deals::ResearchOrganizationId))
                    .col(big_integer(Deals::CompanyOrganizationId))
                    .col(string_len(Deals::BuyerRegion, 6))
                    .col(string_len(Deals::Stage, 24))
                    .col(string_len(Deals::FurthestStage, 24))
                    .col(string_len_null(Deals::CloseReason, 24))
                    .col(string_len(Deals::Origin, 16))
                    .col(big_integer_null(Deals::IntroducerUserId))
                    .col(big_integer_null(Deals::InterestId))
                    .col(string_len_null(Deals::ContractType, 32))
                    .col(big_integer_null(Deals::ContractAmountYuan))
                    .col(date_null(Deals::ContractDate))
                    .col(string_len_null(Deals::SellerCreditCode, 18))
                    .col(string_len_null(Deals::BuyerCreditCode, 18))
                    .col(boolean_null(Deals::BuyerLocal))
                    .col(string_len_null(Deals::RegistrationNumber, 64))
                    .col(date_null(Deals::RegistrationDate))
                    .col(big_integer(Deals::Version))
                    .col(timestamp_with_time_zone(Deals::CreatedAt))
                    .col(timestamp_with_time_zone(Deals::UpdatedAt))
                    .col(string_len(Deals::PairKey, 96).unique_key())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deals_result")
                            .from(Deals::Table, Deals::ResultId)
                            .to(ResearchResults::Table, ResearchResults::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deals_need")
                            .from(Deals::Table, Deals::NeedId)
                            .to(TechNeeds::Table, TechNeeds::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deals_research_organization")
                            .from(Deals::Table, Deals::ResearchOrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deals_company_organization")
                            .from(Deals::Table, Deals::CompanyOrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deals_introducer")
                            .from(Deals::Table, Deals::IntroducerUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_deals_research_organization", Deals::ResearchOrganizationId),
            ("idx_deals_company_organization", Deals::CompanyOrganizationId),
            ("idx_deals_stage", Deals::Stage),
            ("idx_deals_updated", Deals::UpdatedAt),
        ] {
            manager.create_index(Index::create().name(name).table(Deals::Table).col(column).to_owned()).await?;
        }

        // Everything the funnel reads, in the order it filters and groups: its query never
        // touches the table.
        manager
            .create_index(
                Index::create()
                    .name("idx_deals_funnel")
                    .table(Deals::Table)
                    .col(Deals::CreatedAt)
                    .col(Deals::Origin)
                    .col(Deals::FurthestStage)
                    .col(Deals::Stage)
                    .col(Deals::IntroducerUserId)
                    .col(Deals::BuyerRegion)
                    .col(Deals::ContractAmountYuan)
                    .col(Deals::BuyerLocal)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Interests::Table)
                    .col(big_pk_auto(Interests::Id))
                    .col(big_integer_null(Interests::ResultId))
                    .col(big_integer_null(Interests::NeedId))
                    .col(big_integer(Interests::ListingOrganizationId))
                    .col(big_integer(Interests::RecipientUserId))
                    .col(big_integer(Interests::SenderUserId))
                    .col(big_integer(Interests::SenderOrganizationId))
                    .col(string_len(Interests::Purpose, 32))
                    .col(text(Interests::Message))
                    .col(big_integer_null(Interests::RelatedResultId))
                    .col(big_integer_null(Interests::RelatedNeedId))
                    .col(string_len(Interests::Status, 16))
                    .col(string_len_null(Interests::DeclineReason, 32))
                    .col(text_null(Interests::AnswerNote))
                    .col(big_integer_null(Interests::AnsweredBy))
                    .col(timestamp_with_time_zone_null(Interests::AnsweredAt))
                    .col(timestamp_with_time_zone(Interests::CreatedAt))
                    .col(timestamp_with_time_zone_null(Interests::RemindAt))
                    .col(timestamp_with_time_zone(Interests::ExpiresAt))
                    .col(big_integer_null(Interests::DealId))
                    .col(string_len_null(Interests::OpenPairKey, 64).unique_key())
                    .foreign_key(&mut reference(
                        "fk_interests_result",
                        (Interests::Table, Interests::ResultId),
                        ResearchResults::Table,
                        ResearchResults::Id,
                    ))
                    .foreign_key(&mut reference(
                        "fk_interests_need",
                        (Interests::Table, Interests::NeedId),
                        TechNeeds::Table,
                        TechNeeds::Id,
                    ))
                    .foreign_key(&mut reference(
                        "fk_interests_sender",
                        (Interests::Table, Interests::SenderUserId),
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut reference(
                        "fk_interests_deal",
                        (Interests::Table, Interests::DealId),
                        Deals::Table,
                        Deals::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_interests_listing_organization", Interests::ListingOrganizationId),
            ("idx_interests_sender_organization", Interests::SenderOrganizationId),
            ("idx_interests_expiry", Interests::ExpiresAt),
        ] {
            manager.create_index(Index::create().name(name).table(Interests::Table).col(column).to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(DealEvents::Table)
                    .col(big_pk_auto(DealEvents::Id))
                    .col(big_integer(DealEvents::DealId))
                    .col(big_integer(DealEvents::ActorUserId))
                    .col(timestamp_with_time_zone(DealEvents::At))
                    .col(string_len_null(DealEvents::FromStage, 24))
                    .col(string_len(DealEvents::ToStage, 24))
                    .col(text_null(DealEvents::Note))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_deal_events_deal")
                            .from(DealEvents::Table, DealEvents::DealId)
                            .to(Deals::Table, Deals::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_deal_events_deal")
                    .table(DealEvents::Table)
                    .col(DealEvents::DealId)
                    .col(DealEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(big_pk_auto(Messages::Id))
                    .col(big_integer_null(Messages::InterestId))
                    .col(big_integer_null(Messages::DealId))
                    .col(big_integer(Messages::AuthorUserId))
                    .col(text(Messages::Body))
                    .col(timestamp_with_time_zone(Messages::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_messages_interest")
                            .from(Messages::Table, Messages::InterestId)
                            .to(Interests::Table, Interests::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_messages_deal")
                            .from(Messages::Table, Messages::DealId)
                            .to(Deals::Table, Deals::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_messages_author")
                            .from(Messages::Table, Messages::AuthorUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Introductions::Table)
                    .col(big_pk_auto(Introductions::Id))
                    .col(big_integer(Introductions::ResultId))
                    .col(big_integer(Introductions::NeedId))
                    .col(big_integer(Introductions::ResearchOrganizationId))
                    .col(big_integer(Introductions::CompanyOrganizationId))
                    .col(big_integer(Introductions::IntroducerUserId))
                    .col(text(Introductions::Note))
                    .col(string_len(Introductions::ResearchAnswer, 16))
                    .col(string_len(Introductions::CompanyAnswer, 16))
                    .col(timestamp_with_time_zone(Introductions::CreatedAt))
                    .col(big_integer_null(Introductions::DealId))
                    .col(string_len_null(Introductions::OpenPairKey, 48).unique_key())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_introductions_result")
                            .from(Introductions::Table, Introductions::ResultId)
                            .to(ResearchResults::Table, ResearchResults::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_introductions_need")
                            .from(Introductions::Table, Introductions::NeedId)
                            .to(TechNeeds::Table, TechNeeds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_introductions_introducer")
                            .from(Introductions::Table, Introductions::IntroducerUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_introductions_research", Introductions::ResearchOrganizationId),
            ("idx_introductions_company", Introductions::CompanyOrganizationId),
            ("idx_introductions_introducer", Introductions::IntroducerUserId),
        ] {
            manager.create_index(Index::create().name(name).table(Introductions::Table).col(column).to_owned()).await?;
        }
        for (name, column) in [("idx_messages_interest", Messages::InterestId), ("idx_messages_deal", Messages::DealId)]
        {
            manager
                .create_index(
                    Index::create().name(name).table(Messages::Table).col(column).col(Messages::Id).to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Messages::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Introductions::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(DealEvents::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Interests::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Deals::Table).to_owned()).await
    }
}
