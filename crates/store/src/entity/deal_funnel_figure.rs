use sea_orm::entity::prelude::*;

/// The funnel's figures of the deals opened in one month or on one day (China time) that share
/// a dimension's value and their furthest and current stage.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "deal_funnel_figures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    /// `month` or `day`.
    pub span: String,
    #[sea_orm(primary_key, auto_increment = false)]
    /// `2026-12` for a month, `2026-12-06` for a day.
    pub opened_in: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub dimension: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub value: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub furthest_stage: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub stage: String,
    pub deals: i64,
    pub contract_amount_yuan: i64,
    pub registered_amount_yuan: i64,
    pub local_contracts: i64,
    pub local_amount_yuan: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
