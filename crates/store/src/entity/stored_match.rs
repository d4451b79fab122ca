use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stored_matches")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub need_id: i64,
    pub result_id: i64,
    pub rank: i32,
    pub score: f64,
    /// JSON object: feature name → value.
    #[sea_orm(column_type = "Text")]
    pub features: String,
    pub computed_at: DateTimeUtc,
    /// When batch matching first stored this pair (kept across refreshes).
    pub first_found_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
