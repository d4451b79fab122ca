use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "research_results")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub owner_user_id: i64,
    pub organization_id: i64,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub r#abstract: String,
    /// JSON array of strings.
    #[sea_orm(column_type = "Text")]
    pub keywords: String,
    pub field: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub industry_codes: String,
    pub maturity: String,
    /// JSON array of `{"type", "number"}`.
    #[sea_orm(column_type = "Text")]
    pub ip_items: String,
    #[sea_orm(column_type = "Text")]
    pub transfer_modes: String,
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    pub institution: Option<String>,
    pub region_code: Option<String>,
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
