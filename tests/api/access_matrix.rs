//! Every role against every protected route, over HTTP. When a route is added, it must be added
//! here (the OpenAPI test counts routes against this table).

use actix_web::http::{Method, StatusCode};
use serde_json::{Value, json};
use techmatch_domain::Role;

use crate::helpers::TestApp;

pub struct ProtectedRoute {
    pub method: &'static str,
    /// Path as requested (ids filled in at run time where `{user}` appears).
    pub path: &'static str,
    pub openapi_path: &'static str,
    /// Roles that may call it; the others get 403, anonymous callers 401.
    pub allowed: &'static [Role],
    pub body: fn() -> Option<Value>,
}

const EVERYONE: &[Role] = &[Role::Researcher, Role::Company, Role::LiaisonOfficer, Role::Admin];
const STAFF: &[Role] = &[Role::LiaisonOfficer, Role::Admin];
const ADMIN: &[Role] = &[Role::Admin];

pub const PROTECTED_ROUTES: &[ProtectedRoute] = &[
    ProtectedRoute { method: "GET", path: "/api/v1/me", openapi_path: "/api/v1/me", allowed: EVERYONE, body: || None },
    ProtectedRoute {
        method: "PATCH",
        path: "/api/v1/me",
        openapi_path: "/api/v1/me",
        allowed: EVERYONE,
        body: || Some(json!({"display_name": "新名字"})),
    },
    ProtectedRoute {
        method: "POST",
        path: "/api/v1/me/password",
        openapi_path: "/api/v1/me/password",
        allowed: EVERYONE,
        body: || Some(json!({"current_password": crate::helpers::PASSWORD, "new_password": "another good passphrase"})),
    },
    ProtectedRoute {
        method: "GET",
        path: "/api/v1/me/organization",
        openapi_path: "/api/v1/me/organization",
        // Staff created without an organization have none to read.
        allowed: &[Role::Researcher, Role::Company],
        body: || None,
    },
    ProtectedRoute {
        method: "GET",
        path: "/api/v1/admin/users",
        openapi_path: "/api/v1/admin/users",
        allowed: ADMIN,
        body: || None,
    },
    ProtectedRoute {
        method: "POST",
        path: "/api/v1/admin/users",
        openapi_path: "/api/v1/admin/users",
        allowed: ADMIN,
        body: || Some(json!({"email": "made.by.matrix@city.gov.cn", "display_name": "x", "role": "liaison_officer"})),
    },
    ProtectedRoute {
        method: "PATCH",
        path: "/api/v1/admin/users/{user}",
        openapi_path: "/api/v1/admin/users/{id}",
        allowed: ADMIN,
        body: || Some(json!({"is_active": true})),
    },
    ProtectedRoute {
        method: "GET",
        path: "/api/v1/admin/organizations",
        openapi_path: "/api/v1/admin/organizations",
        allowed: STAFF,
        body: || None,
    },
    // Logout last: it revokes the caller's token.
    ProtectedRoute {
        method: "POST",
        path: "/api/v1/auth/logout",
        openapi_path: "/api/v1/auth/logout",
        allowed: EVERYONE,
        body: || None,
    },
];

#[actix_web::test]
async fn every_role_against_every_protected_route() {
    for app in TestApp::each_backend().await {
        let roles = [Role::Researcher, Role::Company, Role::LiaisonOfficer, Role::Admin];
        let mut tokens = Vec::new();
        for role in roles {
            tokens.push((role, app.account_with_role(role, &format!("{}@matrix.cn", role.as_str())).await));
        }
        let target_user = app.get("/api/v1/me", Some(&tokens[0].1)).await.body["id"].as_i64().unwrap();
        for route in PROTECTED_ROUTES {
            let path = route.path.replace("{user}", &target_user.to_string());
            let method = Method::from_bytes(route.method.as_bytes()).unwrap();
            let body = (route.body)();
            let anonymous = app.send(method.clone(), &path, None, body.as_ref()).await;
            anonymous.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
            for (role, token) in &mut tokens {
                let response = app.send(method.clone(), &path, Some(token), body.as_ref()).await;
                if route.allowed.contains(role) {
                    assert!(
                        response.status.is_success(),
                        "{} {} {} as {role}: {} {}",
                        app.backend,
                        route.method,
                        route.path,
                        response.status,
                        response.body
                    );
                    // A password change revokes the old token and hands out a new one.
                    if let Some(fresh) = response.body.get("access_token").and_then(Value::as_str) {
                        *token = fresh.to_owned();
                    }
                    if route.path == "/api/v1/me/password" {
                        // Put the password back so that later rows can still log in.
                        let reset = app
                            .post("/api/v1/me/password", Some(token), &json!({"current_password": "another good passphrase", "new_password": crate::helpers::PASSWORD}))
                            .await;
                        *token = reset.body["access_token"].as_str().unwrap().to_owned();
                    }
                } else {
                    assert_eq!(
                        response.status,
                        StatusCode::FORBIDDEN,
                        "{} {} {} as {role}: {}",
                        app.backend,
                        route.method,
                        route.path,
                        response.body
                    );
                    assert_eq!(response.error_code(), "forbidden");
                }
            }
        }
        app.stop().await;
    }
}
