use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "introductions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub result_id: i64,
    pub need_id: i64,
    pub research_organization_id: i64,
    pub company_organization_id: i64,
    pub introducer_user_id: i64,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub research_answer: String,
    pub company_answer: String,
    pub created_at: DateTimeUtc,
    pub deal_id: Option<i64>,
    pub open_pair_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
