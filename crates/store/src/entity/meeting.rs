use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "meetings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub event_id: i64,
    pub researcher_participant: i64,
    pub company_participant: i64,
    pub slot: i32,
    pub table_no: i32,
    pub weight: f64,
    pub source: String,
    pub locked: bool,
    pub attendance: String,
    pub result_id: Option<i64>,
    pub need_id: Option<i64>,
    /// The deal of the meeting's pair, once an outcome was recorded: what followed lives there.
    pub deal_id: Option<i64>,
    pub researcher_rating: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub researcher_comment: Option<String>,
    pub company_rating: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub company_comment: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
