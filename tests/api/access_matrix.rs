//! Every role against every protected route, over HTTP. When a route is added, it must be added
//! here (the OpenAPI test counts documented routes against this table and the public one).

use std::collections::HashMap;

use actix_web::http::{Method, StatusCode};
use serde_json::{Value, json};
use techmatch_domain::Role;

use crate::helpers::{PASSWORD, TestApp};

pub struct ProtectedRoute {
    pub method: &'static str,
    /// Path as requested; `{name}` placeholders are filled from the fixture at run time.
    pub path: &'static str,
    pub openapi_path: &'static str,
    /// Roles that may call it; the others get 403, anonymous callers 401.
    pub allowed: &'static [Role],
    /// JSON body template with the same placeholders.
    pub body: Option<&'static str>,
    /// Roles the action is open to but the fixture's item is not theirs: 404, as for anyone
    /// it is hidden from (a broker asking for an interest between two other organizations).
    pub hidden: &'static [Role],
}

/// Routes anyone may call (a token, when sent, only widens what they see).
pub const PUBLIC_ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("get", "/health"),
    ("get", "/api/openapi.json"),
    ("get", "/api/v1/results"),
    ("get", "/api/v1/results/{id}"),
    ("get", "/api/v1/needs"),
    ("get", "/api/v1/needs/{id}"),
    ("get", "/api/v1/search"),
    ("get", "/api/v1/export/results"),
    ("get", "/api/v1/export/needs"),
    ("get", "/api/v1/events"),
    ("get", "/api/v1/events/{id}"),
    ("get", "/api/v1/events/{id}/presentations"),
];

const EVERYONE: &[Role] = &[Role::Researcher, Role::Company, Role::LiaisonOfficer, Role::Broker, Role::Admin];
const STAFF: &[Role] = &[Role::LiaisonOfficer, Role::Admin];
const ADMIN: &[Role] = &[Role::Admin];
const PARTICIPANTS: &[Role] = &[Role::Researcher, Role::Company];
/// Who introduces pairs: staff and brokers.
const INTRODUCERS: &[Role] = &[Role::LiaisonOfficer, Role::Broker, Role::Admin];
/// Everyone but brokers: brokers take no part in events, and the fixture's interests and the
/// officer's introduction are hidden from them.
const ALL_BUT_BROKERS: &[Role] = &[Role::Researcher, Role::Company, Role::LiaisonOfficer, Role::Admin];
const BROKERS: &[Role] = &[Role::Broker];

/// An event body valid far into the future.
const EVENT_BODY: &str = r#"{"title": "矩阵对接会", "kind": "matchmaking_fair", "mode": "on_site", "venue": "光谷会展中心",
    "date": "2099-03-01", "slot_minutes": 20, "sessions": [{"start": "09:00", "slots": 4}], "tables": 4,
    "capacity": 50, "registration_deadline": "2099-02-20T00:00:00Z"}"#;

const fn route(
    method: &'static str,
    path: &'static str,
    openapi_path: &'static str,
    allowed: &'static [Role],
    body: Option<&'static str>,
) -> ProtectedRoute {
    ProtectedRoute { method, path, openapi_path, allowed, body, hidden: &[] }
}

const fn hidden_from(route: ProtectedRoute, roles: &'static [Role]) -> ProtectedRoute {
    ProtectedRoute { hidden: roles, ..route }
}

pub const PROTECTED_ROUTES: &[ProtectedRoute] = &[
    route("GET", "/api/v1/me", "/api/v1/me", EVERYONE, None),
    route("PATCH", "/api/v1/me", "/api/v1/me", EVERYONE, Some(r#"{"display_name": "新名字"}"#)),
    route(
        "POST",
        "/api/v1/me/password",
        "/api/v1/me/password",
        EVERYONE,
        Some(r#"{"current_password": "correct horse battery", "new_password": "another good passphrase"}"#),
    ),
    // Staff created without an organization have none to read.
    route(
        "GET",
        "/api/v1/me/organization",
        "/api/v1/me/organization",
        &[Role::Researcher, Role::Company, Role::Broker],
        None,
    ),
    route(
        "PUT",
        "/api/v1/me/organization",
        "/api/v1/me/organization",
        &[Role::Researcher, Role::Company, Role::Broker],
        Some(r#"{"contact_name": "联系人", "contact_phone": "13812345678"}"#),
    ),
    route("GET", "/api/v1/admin/users", "/api/v1/admin/users", ADMIN, None),
    route(
        "POST",
        "/api/v1/admin/users",
        "/api/v1/admin/users",
        ADMIN,
        Some(r#"{"email": "made.by.matrix@city.gov.cn", "display_name": "x", "role": "liaison_officer"}"#),
    ),
    route(
        "PATCH",
        "/api/v1/admin/users/{researcher}",
        "/api/v1/admin/users/{id}",
        ADMIN,
        Some(r#"{"is_active": true}"#),
    ),
    route("GET", "/api/v1/admin/organizations", "/api/v1/admin/organizations", STAFF, None),
    route(
        "POST",
        "/api/v1/results",
        "/api/v1/results",
        &[Role::Researcher, Role::LiaisonOfficer, Role::Admin],
        Some(
            r#"{"title": "矩阵成果", "abstract": "访问矩阵测试用的研究成果摘要。", "maturity": "lab", "organization_id": {university}}"#,
        ),
    ),
    route(
        "PATCH",
        "/api/v1/results/{result}",
        "/api/v1/results/{id}",
        &[Role::Researcher, Role::LiaisonOfficer, Role::Admin],
        Some(r#"{"version": {result_version}, "title": "改过的成果标题"}"#),
    ),
    route(
        "GET",
        "/api/v1/results/{result}/matches",
        "/api/v1/results/{id}/matches",
        &[Role::Researcher, Role::LiaisonOfficer, Role::Broker, Role::Admin],
        None,
    ),
    route(
        "DELETE",
        "/api/v1/results/{result}",
        "/api/v1/results/{id}",
        &[Role::Researcher, Role::LiaisonOfficer, Role::Admin],
        None,
    ),
    route(
        "POST",
        "/api/v1/needs",
        "/api/v1/needs",
        &[Role::Company, Role::LiaisonOfficer, Role::Admin],
        Some(r#"{"title": "矩阵需求", "description": "访问矩阵测试用的技术需求描述。", "organization_id": {company}}"#),
    ),
    route(
        "PATCH",
        "/api/v1/needs/{need}",
        "/api/v1/needs/{id}",
        &[Role::Company, Role::LiaisonOfficer, Role::Admin],
        Some(r#"{"version": {need_version}, "title": "改过的需求标题"}"#),
    ),
    route(
        "POST",
        "/api/v1/needs/{need}/applications",
        "/api/v1/needs/{id}/applications",
        &[Role::Researcher],
        Some(r#"{"proposal": "我们团队可以在三个月内完成这个挑战。"}"#),
    ),
    route(
        "GET",
        "/api/v1/needs/{need}/applications",
        "/api/v1/needs/{id}/applications",
        &[Role::Company, Role::LiaisonOfficer, Role::Admin],
        None,
    ),
    route(
        "POST",
        "/api/v1/needs/{need}/applications/{application}/shortlist",
        "/api/v1/needs/{id}/applications/{application_id}/shortlist",
        &[Role::Company, Role::LiaisonOfficer, Role::Admin],
        None,
    ),
    route(
        "GET",
        "/api/v1/needs/{need}/matches",
        "/api/v1/needs/{id}/matches",
        &[Role::Company, Role::LiaisonOfficer, Role::Broker, Role::Admin],
        None,
    ),
    route(
        "DELETE",
        "/api/v1/needs/{need}",
        "/api/v1/needs/{id}",
        &[Role::Company, Role::LiaisonOfficer, Role::Admin],
        None,
    ),
    route("GET", "/api/v1/suggestions", "/api/v1/suggestions", STAFF, None),
    route(
        "POST",
        "/api/v1/suggestions/decisions",
        "/api/v1/suggestions/decisions",
        STAFF,
        Some(r#"{"need_id": {need}, "result_id": {result}, "decision": "shortlist", "note": "值得对接"}"#),
    ),
    route("POST", "/api/v1/suggestions/reviewed", "/api/v1/suggestions/reviewed", STAFF, None),
    route("POST", "/api/v1/events", "/api/v1/events", STAFF, Some(EVENT_BODY)),
    route(
        "POST",
        "/api/v1/events/{spare_event}/status",
        "/api/v1/events/{id}/status",
        STAFF,
        Some(r#"{"status": "closed"}"#),
    ),
    route(
        "POST",
        "/api/v1/events/{open_event}/registrations",
        "/api/v1/events/{id}/registrations",
        PARTICIPANTS,
        Some(r#"{"listing_ids": [{own_listing}], "available_slots": [0, 1, 2, 3], "max_meetings": 3}"#),
    ),
    route("GET", "/api/v1/events/{event}/participants", "/api/v1/events/{id}/participants", ALL_BUT_BROKERS, None),
    route(
        "POST",
        "/api/v1/events/{event}/participants/{researcher_participant}/decision",
        "/api/v1/events/{id}/participants/{participant_id}/decision",
        STAFF,
        Some(r#"{"approve": true}"#),
    ),
    // The fixture's pending request from the researcher: only the company answers it.
    route(
        "POST",
        "/api/v1/meeting-requests/{meeting_request}/answer",
        "/api/v1/meeting-requests/{id}/answer",
        &[Role::Company],
        Some(r#"{"accept": true}"#),
    ),
    route(
        "POST",
        "/api/v1/events/{event}/requests",
        "/api/v1/events/{id}/requests",
        PARTICIPANTS,
        Some(r#"{"to": {counterpart}, "message": "想约您聊聊"}"#),
    ),
    route("GET", "/api/v1/events/{event}/requests", "/api/v1/events/{id}/requests", ALL_BUT_BROKERS, None),
    route("POST", "/api/v1/events/{event}/schedule", "/api/v1/events/{id}/schedule", STAFF, Some(r#"{"pairs": []}"#)),
    route("GET", "/api/v1/events/{event}/meetings", "/api/v1/events/{id}/meetings", ALL_BUT_BROKERS, None),
    route("GET", "/api/v1/events/{event}/agenda.ics", "/api/v1/events/{id}/agenda.ics", ALL_BUT_BROKERS, None),
    route("PATCH", "/api/v1/meetings/{meeting}", "/api/v1/meetings/{id}", STAFF, Some(r#"{"attendance": "held"}"#)),
    route(
        "POST",
        "/api/v1/meetings/{meeting}/placement",
        "/api/v1/meetings/{id}/placement",
        STAFF,
        Some(r#"{"locked": true}"#),
    ),
    route(
        "POST",
        "/api/v1/meetings/{meeting}/rating",
        "/api/v1/meetings/{id}/rating",
        PARTICIPANTS,
        Some(r#"{"rating": "good", "comment": "安排周到"}"#),
    ),
    route("GET", "/api/v1/stats?from=2099-01-01&to=2099-12-31", "/api/v1/stats", STAFF, None),
    route("GET", "/api/v1/events/{event}/roadshow?places=3", "/api/v1/events/{id}/roadshow", STAFF, None),
    route(
        "GET",
        "/api/v1/events/{event}/invitations?results={event_result}",
        "/api/v1/events/{id}/invitations",
        STAFF,
        None,
    ),
    route(
        "POST",
        "/api/v1/events/{event}/presentations",
        "/api/v1/events/{id}/presentations",
        STAFF,
        Some(r#"{"result_ids": [{event_result}]}"#),
    ),
    route("GET", "/api/v1/events/{event}/schedule.xlsx", "/api/v1/events/{id}/schedule.xlsx", STAFF, None),
    route("GET", "/api/v1/events/{event}/schedule.html", "/api/v1/events/{id}/schedule.html", STAFF, None),
    route("GET", "/api/v1/interests", "/api/v1/interests", EVERYONE, None),
    hidden_from(route("GET", "/api/v1/interests/{interest}", "/api/v1/interests/{id}", ALL_BUT_BROKERS, None), BROKERS),
    // The poster answers: the researcher, whose result the company wrote about.
    hidden_from(
        route(
            "POST",
            "/api/v1/interests/{interest}/answer",
            "/api/v1/interests/{id}/answer",
            &[Role::Researcher],
            Some(r#"{"decision": "accept"}"#),
        ),
        BROKERS,
    ),
    // After the answer, which leaves no open interest between the two organizations.
    route(
        "POST",
        "/api/v1/interests",
        "/api/v1/interests",
        PARTICIPANTS,
        Some(
            r#"{"listing_kind": "{interest_kind}", "listing_id": {interest_listing}, "purpose": "other", "message": "矩阵合作意向，希望交流。"}"#,
        ),
    ),
    route("GET", "/api/v1/me/waiting", "/api/v1/me/waiting", EVERYONE, None),
    route("GET", "/api/v1/deals", "/api/v1/deals", EVERYONE, None),
    hidden_from(
        route(
            "POST",
            "/api/v1/interests/{interest}/messages",
            "/api/v1/interests/{id}/messages",
            ALL_BUT_BROKERS,
            Some(r#"{"body": "矩阵留言"}"#),
        ),
        BROKERS,
    ),
    hidden_from(
        route("GET", "/api/v1/interests/{interest}/messages", "/api/v1/interests/{id}/messages", ALL_BUT_BROKERS, None),
        BROKERS,
    ),
    route(
        "POST",
        "/api/v1/deals/{deal}/messages",
        "/api/v1/deals/{id}/messages",
        EVERYONE,
        Some(r#"{"body": "矩阵留言"}"#),
    ),
    route("GET", "/api/v1/deals/{deal}/messages", "/api/v1/deals/{id}/messages", EVERYONE, None),
    route("GET", "/api/v1/deals/{deal}", "/api/v1/deals/{id}", EVERYONE, None),
    route("POST", "/api/v1/deals/{deal}/stage", "/api/v1/deals/{id}/stage", EVERYONE, Some("{deal_change}")),
    route("GET", "/api/v1/export/deals?format=xlsx", "/api/v1/export/deals", EVERYONE, None),
    route(
        "POST",
        "/api/v1/introductions",
        "/api/v1/introductions",
        INTRODUCERS,
        Some(r#"{"result_id": {intro_result}, "need_id": {intro_need}, "note": "矩阵引荐"}"#),
    ),
    route("GET", "/api/v1/introductions", "/api/v1/introductions", EVERYONE, None),
    hidden_from(
        route(
            "POST",
            "/api/v1/introductions/{introduction}/answer",
            "/api/v1/introductions/{id}/answer",
            PARTICIPANTS,
            Some(r#"{"decision": "accept"}"#),
        ),
        BROKERS,
    ),
    route("GET", "/api/v1/deals/funnel?from=2026-01-01&to=2099-12-31", "/api/v1/deals/funnel", STAFF, None),
    route("GET", "/api/v1/me/portfolio", "/api/v1/me/portfolio", INTRODUCERS, None),
    route("GET", "/api/v1/notifications", "/api/v1/notifications", EVERYONE, None),
    route("POST", "/api/v1/notifications/read", "/api/v1/notifications/read", EVERYONE, None),
    // Logout last: it revokes the caller's token.
    route("POST", "/api/v1/auth/logout", "/api/v1/auth/logout", EVERYONE, None),
];

/// Three events: `event` (open, researcher and company approved, a pending request from the
/// researcher to the company), `open_event` (open, nobody registered) and `spare_event` (a
/// draft to close).
async fn event_fixture(
    app: &TestApp,
    tokens: &HashMap<Role, String>,
    values: &HashMap<&str, String>,
) -> Vec<(&'static str, String)> {
    let officer = &tokens[&Role::LiaisonOfficer];
    let _ = values;
    // Listings of their own: the matrix archives the shared fixture's listings along the way.
    let result = app
        .post(
            "/api/v1/results",
            Some(&tokens[&Role::Researcher]),
            &json!({"title": "活动用成果", "abstract": "用于活动矩阵的已发布成果。", "maturity": "pilot", "status": "published"}),
        )
        .await;
    let need = app
        .post(
            "/api/v1/needs",
            Some(&tokens[&Role::Company]),
            &json!({"title": "活动用需求", "description": "用于活动矩阵的公开需求。"}),
        )
        .await;
    let (event_result, event_need) = (result.body["id"].to_string(), need.body["id"].to_string());
    let body: Value = serde_json::from_str(EVENT_BODY).unwrap();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let created = app.post("/api/v1/events", Some(officer), &body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        ids.push(created.body["id"].to_string());
    }
    for id in &ids[..2] {
        let opened = app.post(&format!("/api/v1/events/{id}/status"), Some(officer), &json!({"status": "open"})).await;
        assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    }
    let mut participant_ids = Vec::new();
    for (role, listing) in [(Role::Researcher, &event_result), (Role::Company, &event_need)] {
        let registered = app
            .post(
                &format!("/api/v1/events/{}/registrations", ids[0]),
                Some(&tokens[&role]),
                &json!({"listing_ids": [listing.parse::<i64>().unwrap()], "available_slots": [0, 1, 2, 3], "max_meetings": 2}),
            )
            .await;
        assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.body);
        let participant = registered.body["id"].to_string();
        let approved = app
            .post(
                &format!("/api/v1/events/{}/participants/{participant}/decision", ids[0]),
                Some(officer),
                &json!({"approve": true}),
            )
            .await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
        participant_ids.push(participant);
    }
    let request = app
        .post(
            &format!("/api/v1/events/{}/requests", ids[0]),
            Some(&tokens[&Role::Researcher]),
            &json!({"to": participant_ids[1].parse::<i64>().unwrap(), "message": "矩阵请求"}),
        )
        .await;
    assert_eq!(request.status, StatusCode::CREATED, "{}", request.body);
    vec![
        ("event", ids[0].clone()),
        ("open_event", ids[1].clone()),
        ("spare_event", ids[2].clone()),
        ("researcher_participant", participant_ids[0].clone()),
        ("company_participant", participant_ids[1].clone()),
        ("meeting_request", request.body["id"].to_string()),
        ("meeting", "0".to_owned()),
        ("event_result", event_result),
        ("event_need", event_need),
    ]
}

/// A deal (the broker's introduction of the researcher's result to the company's need, both
/// accepting), an open interest of the company in the researcher's result, and the officer's
/// introduction waiting for its answers.
async fn deal_fixture(
    app: &TestApp,
    tokens: &HashMap<Role, String>,
    values: &HashMap<&str, String>,
) -> Vec<(&'static str, String)> {
    let message = "矩阵夹具的合作意向，希望进一步交流。";
    let brokered = app
        .post(
            "/api/v1/introductions",
            Some(&tokens[&Role::Broker]),
            &json!({"result_id": values["result"].parse::<i64>().unwrap(), "need_id": values["need"].parse::<i64>().unwrap(), "note": "矩阵夹具的经纪人引荐"}),
        )
        .await;
    assert_eq!(brokered.status, StatusCode::CREATED, "{}", brokered.body);
    let mut answered = Value::Null;
    for side in [Role::Researcher, Role::Company] {
        let answer = app
            .post(
                &format!("/api/v1/introductions/{}/answer", brokered.body["id"]),
                Some(&tokens[&side]),
                &json!({"decision": "accept"}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answered = answer.body;
    }
    assert!(answered["deal_id"].is_i64(), "{answered}");
    let open = app
        .post(
            "/api/v1/interests",
            Some(&tokens[&Role::Company]),
            &json!({"listing_kind": "result", "listing_id": values["result"].parse::<i64>().unwrap(), "purpose": "license", "message": message}),
        )
        .await;
    assert_eq!(open.status, StatusCode::CREATED, "{}", open.body);
    // Listings of their own for introductions: one result, and a need for each introducing
    // role's introduction plus one for the introduction both sides answer.
    let intro_result = app
        .post(
            "/api/v1/results",
            Some(&tokens[&Role::Researcher]),
            &json!({"title": "矩阵引荐成果", "abstract": "用于访问矩阵引荐的已发布成果。", "maturity": "pilot", "status": "published"}),
        )
        .await
        .body["id"]
        .to_string();
    let mut intro_needs = Vec::new();
    for index in 0..4 {
        let need = app
            .post(
                "/api/v1/needs",
                Some(&tokens[&Role::Company]),
                &json!({"title": format!("矩阵引荐需求 {index}"), "description": "用于访问矩阵引荐的公开需求。"}),
            )
            .await;
        assert_eq!(need.status, StatusCode::CREATED, "{}", need.body);
        intro_needs.push(need.body["id"].to_string());
    }
    let introduction = app
        .post(
            "/api/v1/introductions",
            Some(&tokens[&Role::LiaisonOfficer]),
            &json!({"result_id": intro_result.parse::<i64>().unwrap(), "need_id": intro_needs[3].parse::<i64>().unwrap(), "note": "矩阵夹具引荐"}),
        )
        .await;
    assert_eq!(introduction.status, StatusCode::CREATED, "{}", introduction.body);
    vec![
        ("deal", answered["deal_id"].to_string()),
        ("interest", open.body["id"].to_string()),
        ("introduction", introduction.body["id"].to_string()),
        ("intro_result", intro_result),
        ("intro_need_officer", intro_needs[0].clone()),
        ("intro_need_admin", intro_needs[1].clone()),
        ("intro_need_broker", intro_needs[2].clone()),
    ]
}

/// The next step of the fixture's deal from where it stands.
fn next_deal_change(deal: &Value) -> String {
    let version = &deal["version"];
    match deal["stage"].as_str().unwrap() {
        "introduced" => json!({"version": version, "stage": "in_talks"}),
        "in_talks" => json!({"version": version, "stage": "nda_signed"}),
        "nda_signed" => json!({"version": version, "stage": "intent_signed"}),
        // The fifth role to move it is the admin, and only staff record a registration.
        "contract_signed" => json!({"version": version, "stage": "contract_registered",
            "registration_number": "2026420100000042", "registration_date": "2026-01-06"}),
        _ => json!({"version": version, "stage": "contract_signed", "contract_type": "technology_service",
            "contract_amount_yuan": 100_000, "contract_date": "2026-01-05"}),
    }
    .to_string()
}

fn fill(template: &str, values: &HashMap<&str, String>) -> String {
    let mut filled = template.to_owned();
    for (name, value) in values {
        filled = filled.replace(&format!("{{{name}}}"), value);
    }
    filled
}

#[actix_web::test]
async fn every_role_against_every_protected_route() {
    for app in TestApp::each_backend().await {
        let roles = Role::ALL;
        let mut tokens: HashMap<Role, String> = HashMap::new();
        for role in roles {
            tokens.insert(role, app.account_with_role(role, &format!("{}@matrix.cn", role.as_str())).await);
        }
        let researcher_me = app.get("/api/v1/me", Some(&tokens[&Role::Researcher])).await.body;
        let company_me = app.get("/api/v1/me", Some(&tokens[&Role::Company])).await.body;
        let result = app
            .post(
                "/api/v1/results",
                Some(&tokens[&Role::Researcher]),
                &json!({"title": "矩阵夹具成果", "abstract": "用于访问矩阵的已发布成果。", "maturity": "pilot", "status": "published"}),
            )
            .await;
        assert_eq!(result.status, StatusCode::CREATED, "{}", result.body);
        let need = app
            .post(
                "/api/v1/needs",
                Some(&tokens[&Role::Company]),
                &json!({"title": "矩阵夹具需求", "description": "用于访问矩阵的公开挑战需求。",
                        "challenge": {"bounty_yuan": 500000, "deadline": "2099-12-31"}}),
            )
            .await;
        assert_eq!(need.status, StatusCode::CREATED, "{}", need.body);
        let mut values: HashMap<&str, String> = HashMap::from([
            ("researcher", researcher_me["id"].to_string()),
            ("university", researcher_me["organization_id"].to_string()),
            ("company", company_me["organization_id"].to_string()),
            ("result", result.body["id"].to_string()),
            ("need", need.body["id"].to_string()),
            ("application", "0".to_owned()),
        ]);
        let events = event_fixture(&app, &tokens, &values).await;
        values.extend(events);
        let deals = deal_fixture(&app, &tokens, &values).await;
        values.extend(deals);

        for route in PROTECTED_ROUTES {
            let method = Method::from_bytes(route.method.as_bytes()).unwrap();
            // What follows a meeting is recorded once it has happened: the fair takes place
            // before its follow-up routes (the routes before them need it ahead).
            if route.path == "/api/v1/meetings/{meeting}" {
                let day = (chrono::Utc::now() - chrono::Duration::days(1)).date_naive();
                let event = techmatch_domain::event::EventId(values["event"].parse().unwrap());
                app.store.move_event_to_day(event, day).await.unwrap();
            }
            // Denied roles first: an allowed role's change (an archive) must not turn a 403 into a 404.
            let mut order: Vec<Role> = roles
                .iter()
                .copied()
                .filter(|role| !route.allowed.contains(role) || route.hidden.contains(role))
                .collect();
            order.extend(
                roles.iter().copied().filter(|role| route.allowed.contains(role) && !route.hidden.contains(role)),
            );

            let refresh = |values: &mut HashMap<&str, String>, result: &Value, need: &Value| {
                values.insert("result_version", result["version"].to_string());
                values.insert("need_version", need["version"].to_string());
            };
            let anonymous_path = fill(route.path, &values);
            let anonymous_body =
                route.body.map(|body| serde_json::from_str::<Value>(&fill(body, &values)).unwrap_or(Value::Null));
            let anonymous = app.send(method.clone(), &anonymous_path, None, anonymous_body.as_ref()).await;
            anonymous.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");

            for role in order {
                // Re-read each time: the admin's own token changes with the password row.
                let admin = tokens[&Role::Admin].clone();
                let current_result = app.get(&format!("/api/v1/results/{}", values["result"]), Some(&admin)).await.body;
                let current_need = app.get(&format!("/api/v1/needs/{}", values["need"]), Some(&admin)).await.body;
                refresh(&mut values, &current_result, &current_need);
                let applications =
                    app.get(&format!("/api/v1/needs/{}/applications", values["need"]), Some(&admin)).await.body;
                if let Some(first) = applications["items"].as_array().and_then(|items| items.first()) {
                    values.insert("application", first["id"].to_string());
                }
                // Participants bring their own kind of listing and ask the other side.
                let (own_listing, counterpart) = match role {
                    Role::Company => (values["event_need"].clone(), values["researcher_participant"].clone()),
                    _ => (values["event_result"].clone(), values["company_participant"].clone()),
                };
                values.insert("own_listing", own_listing);
                values.insert("counterpart", counterpart);
                // Researchers write about needs, companies about results (the events' listings,
                // which no route archives).
                let (interest_kind, interest_listing) = match role {
                    Role::Researcher => ("need", values["event_need"].clone()),
                    _ => ("result", values["event_result"].clone()),
                };
                values.insert("interest_kind", interest_kind.to_owned());
                // Each introducing role introduces a pair of its own.
                let intro_need = match role {
                    Role::Admin => "intro_need_admin",
                    Role::Broker => "intro_need_broker",
                    _ => "intro_need_officer",
                };
                values.insert("intro_need", values[intro_need].clone());
                values.insert("interest_listing", interest_listing);
                let deal = app.get(&format!("/api/v1/deals/{}", values["deal"]), Some(&admin)).await.body;
                values.insert("deal_change", next_deal_change(&deal));
                let meetings =
                    app.get(&format!("/api/v1/events/{}/meetings", values["event"]), Some(&admin)).await.body;
                if let Some(first) = meetings["items"].as_array().and_then(|items| items.first()) {
                    values.insert("meeting", first["id"].to_string());
                }
                let path = fill(route.path, &values);
                let body = route.body.map(|body| serde_json::from_str::<Value>(&fill(body, &values)).unwrap());
                let token = tokens.get_mut(&role).unwrap();
                let response = app.send(method.clone(), &path, Some(token), body.as_ref()).await;
                if route.hidden.contains(&role) {
                    assert_eq!(
                        response.status,
                        StatusCode::NOT_FOUND,
                        "{} {} {path} as {role}: {}",
                        app.backend,
                        route.method,
                        response.body
                    );
                } else if route.allowed.contains(&role) {
                    assert!(
                        response.status.is_success(),
                        "{} {} {path} as {role}: {} {}",
                        app.backend,
                        route.method,
                        response.status,
                        response.body
                    );
                    // A password change revokes the old token and hands out a new one.
                    if let Some(fresh) = response.body.get("access_token").and_then(Value::as_str) {
                        *token = fresh.to_owned();
                    }
                    if route.path == "/api/v1/me/password" {
                        let reset = app
                            .post(
                                "/api/v1/me/password",
                                Some(token),
                                &json!({"current_password": "another good passphrase", "new_password": PASSWORD}),
                            )
                            .await;
                        *token = reset.body["access_token"].as_str().unwrap().to_owned();
                    }
                } else {
                    assert_eq!(
                        response.status,
                        StatusCode::FORBIDDEN,
                        "{} {} {path} as {role}: {}",
                        app.backend,
                        route.method,
                        response.body
                    );
                    assert_eq!(response.error_code(), "forbidden");
                }
            }
        }
        app.stop().await;
    }
}
