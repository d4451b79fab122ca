use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "interests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub result_id: Option<i64>,
    pub need_id: Option<i64>,
    pub listing_organization_id: i64,
    pub recipient_user_id: i64,
    pub sender_user_id: i64,
    pub sender_organization_id: i64,
    pub purpose: String,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    pub related_result_id: Option<i64>,
    pub related_need_id: Option<i64>,
    pub found_via: String,
    pub status: String,
    pub decline_reason: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub answer_note: Option<String>,
    pub answered_by: Option<i64>,
    pub answered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub remind_at: Option<DateTimeUtc>,
    pub expires_at: DateTimeUtc,
    pub deal_id: Option<i64>,
    pub open_pair_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
