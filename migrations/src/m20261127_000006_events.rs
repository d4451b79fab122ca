//! Roadshows and matchmaking fairs: events, participants, meeting requests, meetings with their
//! outcomes and ratings, and in-app notifications.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Title,
    Kind,
    ThemeIndustries,
    ThemeKeywords,
    Mode,
    Venue,
    VideoLink,
    Timetable,
    Tables,
    Capacity,
    RegistrationDeadline,
    RequestExpiryHours,
    Status,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EventParticipants {
    Table,
    Id,
    EventId,
    UserId,
    OrganizationId,
    Role,
    ListingIds,
    AvailableSlots,
    MaxMeetings,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MeetingRequests {
    Table,
    Id,
    EventId,
    FromParticipant,
    ToParticipant,
    Message,
    Status,
    ExpiresAt,
    CreatedAt,
    RespondedAt,
}

#[derive(DeriveIden)]
enum Meetings {
    Table,
    Id,
    EventId,
    ResearcherParticipant,
    CompanyParticipant,
    Slot,
    TableNo,
    Weight,
    Source,
    Locked,
    Attendance,
    ResultId,
    NeedId,
    OutcomeStage,
    ContractAmountYuan,
    ContractDate,
    ResearcherRating,
    ResearcherComment,
    CompanyRating,
    CompanyComment,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    Message,
    CreatedAt,
    ReadAt,
}

fn cascade(name: &str, from: (Meetings, Meetings), to: (Events, Events)) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(big_pk_auto(Events::Id))
                    .col(string_len(Events::Title, 400))
                    .col(string_len(Events::Kind, 32))
                    .col(text(Events::ThemeIndustries))
                    .col(text(Events::ThemeKeywords))
                    .col(string_len(Events::Mode, 16))
                    .col(string_len_null(Events::Venue, 400))
                    .col(string_len_null(Events::VideoLink, 600))
                    // JSON: date, slot length and sessions.
                    .col(text(Events::Timetable))
                    .col(integer(Events::Tables))
                    .col(integer(Events::Capacity))
                    .col(timestamp_with_time_zone(Events::RegistrationDeadline))
                    .col(integer(Events::RequestExpiryHours))
                    .col(string_len(Events::Status, 16))
                    .col(big_integer(Events::CreatedBy))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .col(timestamp_with_time_zone(Events::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_events_created_by")
                            .from(Events::Table, Events::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EventParticipants::Table)
                    .col(big_pk_auto(EventParticipants::Id))
                    .col(big_integer(EventParticipants::EventId))
                    .col(big_integer(EventParticipants::UserId))
                    .col(big_integer(EventParticipants::OrganizationId))
                    .col(string_len(EventParticipants::Role, 16))
                    .col(text(EventParticipants::ListingIds))
                    .col(text(EventParticipants::AvailableSlots))
                    .col(integer(EventParticipants::MaxMeetings))
                    .col(string_len(EventParticipants::Status, 16))
                    .col(timestamp_with_time_zone(EventParticipants::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_participants_event")
                            .from(EventParticipants::Table, EventParticipants::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_participants_user")
                            .from(EventParticipants::Table, EventParticipants::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_event_participants_event_user")
                    .table(EventParticipants::Table)
                    .col(EventParticipants::EventId)
                    .col(EventParticipants::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MeetingRequests::Table)
                    .col(big_pk_auto(MeetingRequests::Id))
                    .col(big_integer(MeetingRequests::EventId))
                    .col(big_integer(MeetingRequests::FromParticipant))
                    .col(big_integer(MeetingRequests::ToParticipant))
                    .col(text(MeetingRequests::Message))
                    .col(string_len(MeetingRequests::Status, 16))
                    .col(timestamp_with_time_zone(MeetingRequests::ExpiresAt))
                    .col(timestamp_with_time_zone(MeetingRequests::CreatedAt))
                    .col(timestamp_with_time_zone_null(MeetingRequests::RespondedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_meeting_requests_event")
                            .from(MeetingRequests::Table, MeetingRequests::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_meeting_requests_pair")
                    .table(MeetingRequests::Table)
                    .col(MeetingRequests::EventId)
                    .col(MeetingRequests::FromParticipant)
                    .col(MeetingRequests::ToParticipant)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Meetings::Table)
                    .col(big_pk_auto(Meetings::Id))
                    .col(big_integer(Meetings::EventId))
                    .col(big_integer(Meetings::ResearcherParticipant))
                    .col(big_integer(Meetings::CompanyParticipant))
                    .col(integer(Meetings::Slot))
                    .col(integer(Meetings::TableNo))
                    .col(double(Meetings::Weight))
                    .col(string_len(Meetings::Source, 16))
                    .col(boolean(Meetings::Locked))
                    .col(string_len(Meetings::Attendance, 16))
                    .col(big_integer_null(Meetings::ResultId))
                    .col(big_integer_null(Meetings::NeedId))
                    .col(string_len_null(Meetings::OutcomeStage, 24))
                    .col(big_integer_null(Meetings::ContractAmountYuan))
                    .col(date_null(Meetings::ContractDate))
                    .col(string_len_null(Meetings::ResearcherRating, 8))
                    .col(text_null(Meetings::ResearcherComment))
                    .col(string_len_null(Meetings::CompanyRating, 8))
                    .col(text_null(Meetings::CompanyComment))
                    .col(timestamp_with_time_zone(Meetings::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_meetings_event",
                        (Meetings::Table, Meetings::EventId),
                        (Events::Table, Events::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_meetings_event_pair")
                    .table(Meetings::Table)
                    .col(Meetings::EventId)
                    .col(Meetings::ResearcherParticipant)
                    .col(Meetings::CompanyParticipant)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(big_pk_auto(Notifications::Id))
                    .col(big_integer(Notifications::UserId))
                    .col(string_len(Notifications::Kind, 40))
                    .col(text(Notifications::Message))
                    .col(timestamp_with_time_zone(Notifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notifications_user")
                            .from(Notifications::Table, Notifications::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_notifications_user")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Notifications::Table.into_iden(),
            Meetings::Table.into_iden(),
            MeetingRequests::Table.into_iden(),
            EventParticipants::Table.into_iden(),
            Events::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
