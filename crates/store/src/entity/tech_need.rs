use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tech_needs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub owner_user_id: i64,
    pub organization_id: i64,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[sea_orm(column_type = "Text")]
    pub keywords: String,
    #[sea_orm(column_type = "Text")]
    pub industry_codes: String,
    pub min_maturity: Option<String>,
    pub budget_min: Option<i64>,
    pub budget_max: Option<i64>,
    pub deadline: Option<Date>,
    pub region_code: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub cooperation_modes: String,
    pub confidential: bool,
    pub challenge_bounty: Option<i64>,
    pub challenge_deadline: Option<Date>,
    pub language: String,
    pub status: String,
    pub version: i64,
    pub external_id: Option<String>,
    /// The listing's own contact person (JSON), when it names one.
    #[sea_orm(column_type = "Text", nullable)]
    pub contact: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
