use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "event_participants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub event_id: i64,
    pub user_id: i64,
    pub organization_id: i64,
    pub role: String,
    /// JSON array of result ids (researchers) or need ids (companies).
    #[sea_orm(column_type = "Text")]
    pub listing_ids: String,
    /// JSON array of slot numbers.
    #[sea_orm(column_type = "Text")]
    pub available_slots: String,
    pub max_meetings: i32,
    pub status: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
