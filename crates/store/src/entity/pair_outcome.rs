use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pair_outcomes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `deal` or `interest`.
    pub source: String,
    pub source_id: i64,
    pub need_id: i64,
    pub result_id: i64,
    /// The deal's stage, or the interest's decline reason.
    pub label: String,
    pub good: bool,
    pub weight: f64,
    /// JSON object: feature name → value.
    #[sea_orm(column_type = "Text")]
    pub features: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
