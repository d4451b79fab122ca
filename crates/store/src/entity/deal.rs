use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "deals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub result_id: Option<i64>,
    pub need_id: Option<i64>,
    pub research_organization_id: i64,
    pub company_organization_id: i64,
    pub buyer_region: String,
    /// The GB/T 4754 code of its need (else its result), for the funnel's industries.
    pub industry_code: Option<String>,
    pub stage: String,
    pub furthest_stage: String,
    pub close_reason: Option<String>,
    pub origin: String,
    pub introducer_user_id: Option<i64>,
    pub interest_id: Option<i64>,
    pub contract_type: Option<String>,
    pub contract_amount_yuan: Option<i64>,
    pub contract_date: Option<Date>,
    pub seller_credit_code: Option<String>,
    pub buyer_credit_code: Option<String>,
    pub buyer_local: Option<bool>,
    pub registration_number: Option<String>,
    pub registration_date: Option<Date>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub pair_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
