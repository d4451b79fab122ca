use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub kind: String,
    /// JSON array of GB/T 4754 division codes.
    #[sea_orm(column_type = "Text")]
    pub theme_industries: String,
    /// JSON array of keywords.
    #[sea_orm(column_type = "Text")]
    pub theme_keywords: String,
    pub mode: String,
    pub venue: Option<String>,
    pub video_link: Option<String>,
    /// JSON: date, slot length and sessions.
    #[sea_orm(column_type = "Text")]
    pub timetable: String,
    pub tables: i32,
    pub capacity: i32,
    pub registration_deadline: DateTimeUtc,
    pub request_expiry_hours: i32,
    pub status: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
