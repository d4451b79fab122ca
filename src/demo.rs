//! Demo data for `serve --demo`: fictional institutions and companies of a Wuhan-like city,
//! each with an account, and the research results and technology needs they post. Loaded only
//! into a database without listings.

mod deals;

use anyhow::Context;
use techmatch_domain::{
    Actor, ContactPerson, DisplayName, EmailAddress, JoinCode, NewPassword, OrganizationKind, OrganizationName,
    OrganizationProfile, RegionCode, Role,
};
use techmatch_service::import::{ImportOwner, ImportRow, parse_need_row, parse_result_row, read_jsonl};
use techmatch_service::{NewUserByAdmin, Services};
use techmatch_store::{NewOrganization, Store};

const RESULTS: &str = include_str!("demo/results.jsonl");
const NEEDS: &str = include_str!("demo/needs.jsonl");

struct DemoOrganization {
    key: &'static str,
    name: &'static str,
    kind: OrganizationKind,
    region: &'static str,
    email: &'static str,
    person: &'static str,
}

const fn organization(
    key: &'static str,
    name: &'static str,
    kind: OrganizationKind,
    region: &'static str,
    email: &'static str,
    person: &'static str,
) -> DemoOrganization {
    DemoOrganization { key, name, kind, region, email, person }
}

const ORGANIZATIONS: [DemoOrganization; 15] = [
    organization("jc", "江城理工大学", OrganizationKind::University, "420111", "li.ming@jcut.demo", "李明"),
    organization("ct", "楚天大学", OrganizationKind::University, "420106", "zhang.hua@chutian.demo", "张华"),
    organization("dh", "东湖光电研究院", OrganizationKind::Institute, "420111", "wang.lei@dhopto.demo", "王磊"),
    organization("hj", "汉江农业科学院", OrganizationKind::Institute, "420115", "chen.jing@hjagri.demo", "陈静"),
    organization("cj", "长江生物医药研究所", OrganizationKind::Institute, "420112", "liu.yang@cjbio.demo", "刘洋"),
    organization(
        "am",
        "Central China Institute of Advanced Materials",
        OrganizationKind::Institute,
        "420107",
        "sun.wei@ccam.demo",
        "Sun Wei",
    ),
    organization(
        "yz",
        "鹦鹉洲汽车零部件有限公司",
        OrganizationKind::Company,
        "420105",
        "zhao.qiang@yzauto.demo",
        "赵强",
    ),
    organization(
        "gg",
        "光谷激光装备股份有限公司",
        OrganizationKind::Company,
        "420111",
        "zhou.fang@gglaser.demo",
        "周芳",
    ),
    organization("jx", "江夏绿野生态农业合作社", OrganizationKind::Company, "420115", "wu.gang@jxfarm.demo", "吴刚"),
    organization("qs", "青山钢铁制品有限公司", OrganizationKind::Company, "420107", "zheng.tao@qssteel.demo", "郑涛"),
    organization(
        "hz",
        "汉正街智慧物流有限公司",
        OrganizationKind::Company,
        "420104",
        "he.min@hzlogistics.demo",
        "何敏",
    ),
    organization(
        "yb",
        "Yangtze Biopharma Co., Ltd.",
        OrganizationKind::Company,
        "420112",
        "grace.lin@yzbio.demo",
        "Grace Lin",
    ),
    organization(
        "ct2",
        "楚天桥梁建设集团有限公司",
        OrganizationKind::Company,
        "420103",
        "huang.bo@ctbridge.demo",
        "黄波",
    ),
    organization("dx", "东西湖食品工业有限公司", OrganizationKind::Company, "420112", "xu.li@dxfood.demo", "徐丽"),
    // A transfer agency, whose technology broker introduces pairs.
    organization("ov", "光谷技术转移服务中心", OrganizationKind::Agency, "420111", "sun.yue@ovtt.demo", "孙悦"),
];

const LIAISON_EMAIL: &str = "liaison@demo.techmatch.local";

/// What was loaded, to print once.
pub struct DemoSummary {
    pub results: usize,
    pub needs: usize,
    pub password: String,
    pub accounts: Vec<(String, &'static str)>,
    /// The demo event, described in a line.
    pub event: Option<String>,
    /// Deals opened between demo organizations, at every stage.
    pub deals: usize,
}

fn organization_key(row: &ImportRow) -> Option<&str> {
    match row.cells.get("org") {
        Some(techmatch_service::import::Cell::Text(key)) => Some(key.as_str()),
        _ => None,
    }
}

/// Loads the demo listings if the database has none.
pub async fn load(store: &Store, services: &Services) -> anyhow::Result<Option<DemoSummary>> {
    if store.count_results().await? + store.count_needs().await? > 0 {
        return Ok(None);
    }
    let password = techmatch_service::generate_password();
    let mut owners = Vec::new();
    let mut accounts = Vec::new();
    for demo in &ORGANIZATIONS {
        let organization = store
            .ensure_organization(NewOrganization {
                name: OrganizationName::parse("name", demo.name).map_err(|error| anyhow::anyhow!(error.message))?,
                kind: demo.kind,
                region_code: RegionCode::parse("region", demo.region)
                    .map_err(|error| anyhow::anyhow!(error.message))?,
                join_code: JoinCode::from_trusted(format!("DEMO{:0>12}", demo.key.to_uppercase())),
            })
            .await?;
        let role = match demo.kind {
            OrganizationKind::Company => Role::Company,
            OrganizationKind::Agency => Role::Broker,
            _ => Role::Researcher,
        };
        let email = EmailAddress::parse("email", demo.email).map_err(|error| anyhow::anyhow!(error.message))?;
        let account = match store.find_account_by_email(&email).await? {
            Some(account) => account,
            None => {
                services
                    .accounts
                    .create_user_as_operator(NewUserByAdmin {
                        email: email.clone(),
                        password: Some(
                            NewPassword::parse("password", &password, None).map_err(|e| anyhow::anyhow!(e.message))?,
                        ),
                        display_name: DisplayName::parse("name", demo.person)
                            .map_err(|e| anyhow::anyhow!(e.message))?,
                        role,
                        organization_id: Some(organization.id),
                    })
                    .await
                    .map_err(|error| anyhow::anyhow!("demo account {}: {error}", demo.email))?
                    .account
            }
        };
        // Research organizations show their person publicly (a demo address, no phone), so a
        // first visitor sees what a listing's contact looks like; companies keep theirs private.
        if role == Role::Researcher && organization.contact.is_none() {
            let profile = OrganizationProfile {
                contact: Some(ContactPerson {
                    name: DisplayName::parse("name", demo.person).map_err(|e| anyhow::anyhow!(e.message))?,
                    phone: None,
                    email: Some(email.clone()),
                    public: true,
                }),
                credit_code: None,
            };
            store.update_organization_profile(organization.id, &profile, chrono::Utc::now()).await?;
        }
        accounts.push((demo.email.to_owned(), role.as_str()));
        owners.push((demo.key, ImportOwner { user_id: account.id, organization_id: organization.id }));
    }
    let liaison = EmailAddress::from_trusted(LIAISON_EMAIL.to_owned());
    if store.find_account_by_email(&liaison).await?.is_none() {
        services
            .accounts
            .create_user_as_operator(NewUserByAdmin {
                email: liaison,
                password: Some(
                    NewPassword::parse("password", &password, None).map_err(|e| anyhow::anyhow!(e.message))?,
                ),
                display_name: DisplayName::from_trusted("技术转移联络员 Liaison".to_owned()),
                role: Role::LiaisonOfficer,
                organization_id: None,
            })
            .await
            .map_err(|error| anyhow::anyhow!("demo liaison account: {error}"))?;
    }
    accounts.push((LIAISON_EMAIL.to_owned(), Role::LiaisonOfficer.as_str()));

    let owner_of = |row: &ImportRow| -> anyhow::Result<ImportOwner> {
        let key = organization_key(row).with_context(|| format!("demo row {} names no organization", row.number))?;
        owners
            .iter()
            .find(|(candidate, _)| *candidate == key)
            .map(|(_, owner)| *owner)
            .with_context(|| format!("demo row {} names unknown organization {key}", row.number))
    };
    let (result_rows, unreadable) = read_jsonl(RESULTS.as_bytes())?;
    anyhow::ensure!(unreadable.is_empty(), "demo results unreadable: {unreadable:?}");
    let mut results = Vec::new();
    for row in &result_rows {
        results
            .push(parse_result_row(row, owner_of(row)?).map_err(|errors| anyhow::anyhow!("demo result: {errors:?}"))?);
    }
    let (need_rows, unreadable) = read_jsonl(NEEDS.as_bytes())?;
    anyhow::ensure!(unreadable.is_empty(), "demo needs unreadable: {unreadable:?}");
    let mut needs = Vec::new();
    for row in &need_rows {
        needs.push(parse_need_row(row, owner_of(row)?).map_err(|errors| anyhow::anyhow!("demo need: {errors:?}"))?);
    }
    let written_results = store.upsert_results(&results).await?;
    let written_needs = store.upsert_needs(&needs).await?;
    let last = written_results.iter().chain(&written_needs).map(|written| written.outbox_id).max().unwrap_or(0);
    services.search.wait_until_searchable(last).await;
    let event = demo_event(store, services, &owners).await?;
    let officer = store
        .find_account_by_email(&EmailAddress::from_trusted(LIAISON_EMAIL.to_owned()))
        .await?
        .map(|account| Actor { user_id: account.id, role: Role::LiaisonOfficer, organization_id: None })
        .context("the demo liaison account is missing")?;
    let deals = deals::load(store, services, &owners, officer).await?;
    Ok(Some(DemoSummary {
        results: written_results.len(),
        needs: written_needs.len(),
        password,
        accounts,
        event,
        deals,
    }))
}

/// A matchmaking fair a month ahead: every demo organization registered with some of its
/// listings and approved, and the meetings scheduled, so the event pages have something to show.
async fn demo_event(
    store: &Store,
    services: &Services,
    owners: &[(&'static str, ImportOwner)],
) -> anyhow::Result<Option<String>> {
    use techmatch_domain::event::{EventId, EventInput};
    use techmatch_service::events::RegistrationInput;

    let liaison = EmailAddress::from_trusted(LIAISON_EMAIL.to_owned());
    let Some(officer) = store.find_account_by_email(&liaison).await? else { return Ok(None) };
    let officer = Actor { user_id: officer.id, role: Role::LiaisonOfficer, organization_id: None };
    let today = chrono::Utc::now().date_naive();
    let input = EventInput {
        title: "光谷科技成果转化对接会（演示） Optics Valley matchmaking fair (demo)".into(),
        kind: "both".into(),
        theme_industries: Vec::new(),
        theme_keywords: vec!["新能源".into(), "智能制造".into(), "生物医药".into()],
        mode: "hybrid".into(),
        venue: Some("武汉光谷科技会展中心 A 馆".into()),
        video_link: Some("https://meeting.example.org/demo-fair".into()),
        date: (today + chrono::Duration::days(30)).format("%Y-%m-%d").to_string(),
        slot_minutes: 20,
        sessions: vec![("09:00".into(), 6), ("14:00".into(), 6)],
        tables: 6,
        capacity: 60,
        registration_deadline: chrono::Utc::now() + chrono::Duration::days(20),
        request_expiry_hours: None,
    };
    let event =
        services.events.create(&officer, &input).await.map_err(|error| anyhow::anyhow!("demo event: {error}"))?;
    let id: EventId = event.id;
    services
        .events
        .change_status(&officer, id, techmatch_domain::event::EventStatus::Open)
        .await
        .map_err(|error| anyhow::anyhow!("demo event: {error}"))?;
    let viewer = techmatch_domain::Viewer::Staff { user_id: officer.user_id };
    for (_, owner) in owners {
        let Some(account) = store.find_account(owner.user_id).await? else { continue };
        let actor = Actor { user_id: account.id, role: account.role, organization_id: Some(owner.organization_id) };
        let page = techmatch_store::PageRequest { offset: 0, limit: 3 };
        let listing_ids: Vec<i64> = if account.role == Role::Company {
            let query = techmatch_store::NeedQuery {
                viewer,
                status: Some(techmatch_domain::listing::NeedStatus::Open),
                organization_id: Some(owner.organization_id),
                owner_user_id: None,
                industry: None,
                region_prefix: None,
                challenges_only: false,
            };
            store.list_needs(&query, page).await?.items.into_iter().map(|need| need.id.0).collect()
        } else {
            let query = techmatch_store::ResultQuery {
                viewer,
                status: Some(techmatch_domain::listing::ResultStatus::Published),
                organization_id: Some(owner.organization_id),
                owner_user_id: None,
                industry: None,
                maturity: None,
                region_prefix: None,
            };
            store.list_results(&query, page).await?.items.into_iter().map(|result| result.id.0).collect()
        };
        if listing_ids.is_empty() {
            continue;
        }
        let registration = RegistrationInput { listing_ids, available_slots: (0..12).collect(), max_meetings: 6 };
        let participant = services
            .events
            .register(&actor, id, &registration)
            .await
            .map_err(|error| anyhow::anyhow!("demo registration: {error}"))?;
        services
            .events
            .decide_registration(&officer, id, participant.id, true)
            .await
            .map_err(|error| anyhow::anyhow!("demo approval: {error}"))?;
    }
    let summary =
        services.events.schedule(&officer, id, &[]).await.map_err(|error| anyhow::anyhow!("demo schedule: {error}"))?;
    Ok(Some(format!("event {} with {} scheduled meetings", id.0, summary.meetings)))
}
