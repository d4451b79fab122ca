//! What the store's tests share: accounts with their organizations, and an event to store.
#![allow(clippy::unwrap_used, dead_code)]

use chrono::Utc;
use techmatch_domain::event::{EventDraft, EventInput};
use techmatch_domain::{
    DisplayName, EmailAddress, JoinCode, OrganizationId, OrganizationKind, OrganizationName, RegionCode, Role, UserId,
};
use techmatch_store::{Membership, NewAccount, NewOrganization, Store};

pub async fn member(store: &Store, email: &str, role: Role, code: &str) -> (UserId, OrganizationId) {
    let (account, organization) = store
        .create_account(NewAccount {
            email: EmailAddress::parse("e", email).unwrap(),
            password_hash: "$argon2id$x".into(),
            display_name: DisplayName::parse("d", "测试").unwrap(),
            role,
            membership: Membership::Create(NewOrganization {
                name: OrganizationName::parse("n", &format!("机构 {email}")).unwrap(),
                kind: if role == Role::Company { OrganizationKind::Company } else { OrganizationKind::University },
                region_code: RegionCode::parse("r", "420111").unwrap(),
                join_code: JoinCode::parse("j", code).unwrap(),
            }),
        })
        .await
        .unwrap();
    (account.id, organization.unwrap().id)
}

pub fn event_draft(capacity: u32) -> EventDraft {
    EventDraft::parse(
        &EventInput {
            title: "存储测试对接会".into(),
            kind: "matchmaking_fair".into(),
            mode: "on_site".into(),
            venue: Some("会展中心".into()),
            date: "2099-03-01".into(),
            slot_minutes: 20,
            sessions: vec![("09:00".into(), 4)],
            tables: 2,
            capacity,
            registration_deadline: "2099-02-01T00:00:00Z".parse().unwrap(),
            ..EventInput::default()
        },
        Utc::now(),
    )
    .unwrap()
}
