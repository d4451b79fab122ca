//! Research results, technology needs, challenge applications, and the search outbox that keeps
//! the full-text index in step with them.

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

#[derive(DeriveIden, Clone, Copy)]
enum ResearchResults {
    Table,
    Id,
    OwnerUserId,
    OrganizationId,
    Title,
    Abstract,
    Keywords,
    Field,
    IndustryCodes,
    Maturity,
    IpItems,
    TransferModes,
    PriceMin,
    PriceMax,
    Institution,
    RegionCode,
    Language,
    Status,
    Version,
    ExternalId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum TechNeeds {
    Table,
    Id,
    OwnerUserId,
    OrganizationId,
    Title,
    Description,
    Keywords,
    IndustryCodes,
    MinMaturity,
    BudgetMin,
    BudgetMax,
    Deadline,
    RegionCode,
    CooperationModes,
    Confidential,
    ChallengeBounty,
    ChallengeDeadline,
    Language,
    Status,
    Version,
    ExternalId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ChallengeApplications {
    Table,
    Id,
    NeedId,
    ApplicantUserId,
    OrganizationId,
    Proposal,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SearchOutbox {
    Table,
    Id,
    Kind,
    EntityId,
    CreatedAt,
}

fn owner_keys(table: impl IntoIden + Clone + 'static, name: &str) -> Vec<ForeignKeyCreateStatement> {
    vec![
        ForeignKey::create()
            .name(format!("fk_{name}_owner"))
            .from(table.clone(), Alias::new("owner_user_id"))
            .to(Users::Table, Users::Id)
            .on_delete(ForeignKeyAction::Restrict)
            .to_owned(),
        ForeignKey::create()
            .name(format!("fk_{name}_organization"))
            .from(table, Alias::new("organization_id"))
            .to(Organizations::Table, Organizations::Id)
            .on_delete(ForeignKeyAction::Restrict)
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut results = Table::create()
            .table(ResearchResults::Table)
            .col(big_pk_auto(ResearchResults::Id))
            .col(big_integer(ResearchResults::OwnerUserId))
            .col(big_integer(ResearchResults::OrganizationId))
            .col(string_len(ResearchResults::Title, 200))
            .col(text(ResearchResults::Abstract))
            .col(text(ResearchResults::Keywords))
            .col(string_len_null(ResearchResults::Field, 100))
            .col(text(ResearchResults::IndustryCodes))
            .col(string_len(ResearchResults::Maturity, 20))
            .col(text(ResearchResults::IpItems))
            .col(text(ResearchResults::TransferModes))
            .col(big_integer_null(ResearchResults::PriceMin))
            .col(big_integer_null(ResearchResults::PriceMax))
            .col(string_len_null(ResearchResults::Institution, 200))
            .col(string_len_null(ResearchResults::RegionCode, 6))
            .col(string_len(ResearchResults::Language, 8))
            .col(string_len(ResearchResults::Status, 16))
            .col(big_integer(ResearchResults::Version))
            .col(string_len_null(ResearchResults::ExternalId, 100).unique_key())
            .col(timestamp_with_time_zone(ResearchResults::CreatedAt))
            .col(timestamp_with_time_zone(ResearchResults::UpdatedAt))
            .to_owned();
        for mut key in owner_keys(ResearchResults::Table, "results") {
            results.foreign_key(&mut key);
        }
        manager.create_table(results).await?;

        let mut needs = Table::create()
            .table(TechNeeds::Table)
            .col(big_pk_auto(TechNeeds::Id))
            .col(big_integer(TechNeeds::OwnerUserId))
            .col(big_integer(TechNeeds::OrganizationId))
            .col(string_len(TechNeeds::Title, 200))
            .col(text(TechNeeds::Description))
            .col(text(TechNeeds::Keywords))
            .col(text(TechNeeds::IndustryCodes))
            .col(string_len_null(TechNeeds::MinMaturity, 20))
            .col(big_integer_null(TechNeeds::BudgetMin))
            .col(big_integer_null(TechNeeds::BudgetMax))
            .col(date_null(TechNeeds::Deadline))
            .col(string_len_null(TechNeeds::RegionCode, 6))
            .col(text(TechNeeds::CooperationModes))
            .col(boolean(TechNeeds::Confidential))
            .col(big_integer_null(TechNeeds::ChallengeBounty))
            .col(date_null(TechNeeds::ChallengeDeadline))
            .col(string_len(TechNeeds::Language, 8))
            .col(string_len(TechNeeds::Status, 16))
            .col(big_integer(TechNeeds::Version))
            .col(string_len_null(TechNeeds::ExternalId, 100).unique_key())
            .col(timestamp_with_time_zone(TechNeeds::CreatedAt))
            .col(timestamp_with_time_zone(TechNeeds::UpdatedAt))
            .to_owned();
        for mut key in owner_keys(TechNeeds::Table, "needs") {
            needs.foreign_key(&mut key);
        }
        manager.create_table(needs).await?;

        manager
            .create_table(
                Table::create()
                    .table(ChallengeApplications::Table)
                    .col(big_pk_auto(ChallengeApplications::Id))
                    .col(big_integer(ChallengeApplications::NeedId))
                    .col(big_integer(ChallengeApplications::ApplicantUserId))
                    .col(big_integer_null(ChallengeApplications::OrganizationId))
                    .col(text(ChallengeApplications::Proposal))
                    .col(string_len(ChallengeApplications::Status, 16))
                    .col(timestamp_with_time_zone(ChallengeApplications::CreatedAt))
                    .col(timestamp_with_time_zone(ChallengeApplications::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_applications_need")
                            .from(ChallengeApplications::Table, ChallengeApplications::NeedId)
                            .to(TechNeeds::Table, TechNeeds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_applications_applicant")
                            .from(ChallengeApplications::Table, ChallengeApplications::ApplicantUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_applications_need_applicant")
                    .table(ChallengeApplications::Table)
                    .col(ChallengeApplications::NeedId)
                    .col(ChallengeApplications::ApplicantUserId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SearchOutbox::Table)
                    .col(big_pk_auto(SearchOutbox::Id))
                    .col(string_len(SearchOutbox::Kind, 8))
                    .col(big_integer(SearchOutbox::EntityId))
                    .col(timestamp_with_time_zone(SearchOutbox::CreatedAt))
                    .to_owned(),
            )
            .await?;

        for (name, table, column) in [
            ("idx_results_status", ResearchResults::Table.into_iden(), ResearchResults::Status.into_iden()),
            (
                "idx_results_organization",
                ResearchResults::Table.into_iden(),
                ResearchResults::OrganizationId.into_iden(),
            ),
            ("idx_needs_status", TechNeeds::Table.into_iden(), TechNeeds::Status.into_iden()),
            ("idx_needs_organization", TechNeeds::Table.into_iden(), TechNeeds::OrganizationId.into_iden()),
        ] {
            manager.create_index(Index::create().name(name).table(table).col(column).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SearchOutbox::Table.into_iden(),
            ChallengeApplications::Table.into_iden(),
            TechNeeds::Table.into_iden(),
            ResearchResults::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
