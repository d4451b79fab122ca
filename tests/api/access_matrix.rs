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
];

const EVERYONE: &[Role] = &[Role::Researcher, Role::Company, Role::LiaisonOfficer, Role::Admin];
const STAFF: &[Role] = &[Role::LiaisonOfficer, Role::Admin];
const ADMIN: &[Role] = &[Role::Admin];

const fn route(
    method: &'static str,
    path: &'static str,
    openapi_path: &'static str,
    allowed: &'static [Role],
    body: Option<&'static str>,
) -> ProtectedRoute {
    ProtectedRoute { method, path, openapi_path, allowed, body }
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
    route("GET", "/api/v1/me/organization", "/api/v1/me/organization", &[Role::Researcher, Role::Company], None),
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
        &[Role::Researcher, Role::LiaisonOfficer, Role::Admin],
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
        &[Role::Company, Role::LiaisonOfficer, Role::Admin],
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
    // Logout last: it revokes the caller's token.
    route("POST", "/api/v1/auth/logout", "/api/v1/auth/logout", EVERYONE, None),
];

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
        let roles = [Role::Researcher, Role::Company, Role::LiaisonOfficer, Role::Admin];
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

        for route in PROTECTED_ROUTES {
            let method = Method::from_bytes(route.method.as_bytes()).unwrap();
            // Denied roles first: an allowed role's change (an archive) must not turn a 403 into a 404.
            let mut order: Vec<Role> = roles.iter().copied().filter(|role| !route.allowed.contains(role)).collect();
            order.extend(roles.iter().copied().filter(|role| route.allowed.contains(role)));

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
                let path = fill(route.path, &values);
                let body = route.body.map(|body| serde_json::from_str::<Value>(&fill(body, &values)).unwrap());
                let token = tokens.get_mut(&role).unwrap();
                let response = app.send(method.clone(), &path, Some(token), body.as_ref()).await;
                if route.allowed.contains(&role) {
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
