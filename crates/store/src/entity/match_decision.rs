use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "match_decisions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub need_id: i64,
    pub result_id: i64,
    pub decision: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub note: Option<String>,
    pub score: f64,
    /// JSON object: feature name → value in [0, 1] when decided.
    #[sea_orm(column_type = "Text", nullable)]
    pub features: Option<String>,
    pub decided_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
