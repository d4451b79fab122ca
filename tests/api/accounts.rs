use actix_web::http::StatusCode;
use serde_json::json;
use techmatch_domain::Role;

use crate::helpers::{PASSWORD, TestApp};

#[actix_web::test]
async fn register_login_me_on_every_backend() {
    for app in TestApp::each_backend().await {
        let registered = app.register("Li.Wei@ZJU.edu.cn", "researcher", "浙江大学").await;
        assert_eq!(registered.status, StatusCode::CREATED, "{}: {}", app.backend, registered.body);
        assert_eq!(registered.body["user"]["email"], "li.wei@zju.edu.cn");
        assert_eq!(registered.body["user"]["role"], "researcher");
        assert_eq!(registered.body["organization"]["name"], "浙江大学");
        assert!(registered.body["user"].get("password_hash").is_none());

        let login = app.login("li.wei@zju.edu.cn", PASSWORD).await;
        assert_eq!(login.status, StatusCode::OK, "{}", app.backend);
        assert_eq!(login.body["token_type"], "Bearer");
        assert_eq!(login.body["expires_in"], 1800);
        let token = login.body["access_token"].as_str().unwrap();

        let me = app.get("/api/v1/me", Some(token)).await;
        assert_eq!(me.status, StatusCode::OK, "{}", app.backend);
        assert_eq!(me.body["email"], "li.wei@zju.edu.cn");
        assert_eq!(me.body["organization_id"], registered.body["organization"]["id"]);
        assert!(me.body["last_login_at"].is_string(), "{}", me.body);
        app.stop().await;
    }
}

#[actix_web::test]
async fn colleagues_join_with_the_code_and_only_with_it() {
    for app in TestApp::each_backend().await {
        let founder = app.register("boss@acme.cn", "company", "Acme 智能装备").await;
        assert_eq!(founder.status, StatusCode::CREATED);
        let token = app.token("boss@acme.cn", PASSWORD).await;
        let organization = app.get("/api/v1/me/organization", Some(&token)).await;
        assert_eq!(organization.status, StatusCode::OK);
        let join_code = organization.body["join_code"].as_str().unwrap().to_owned();

        let joined = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": "engineer@acme.cn", "password": PASSWORD, "display_name": "工程师",
                        "role": "company", "organization": {"join_code": join_code}}),
            )
            .await;
        assert_eq!(joined.status, StatusCode::CREATED, "{}: {}", app.backend, joined.body);
        assert_eq!(joined.body["user"]["organization_id"], organization.body["id"]);

        // Knowing the name is not enough: founding it again is a conflict.
        let again = app.register("spy@elsewhere.cn", "company", "ACME 智能装备").await;
        again.assert_error(StatusCode::CONFLICT, "organization_exists");
        // A researcher cannot join a company.
        let researcher = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": "prof@uni.cn", "password": PASSWORD, "display_name": "教授",
                        "role": "researcher", "organization": {"join_code": join_code}}),
            )
            .await;
        researcher.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(researcher.body["error"]["details"][0]["code"], "organization_kind_not_allowed");
        let unknown = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": "x@acme.cn", "password": PASSWORD, "display_name": "x",
                        "role": "company", "organization": {"join_code": "AAAAAAAAAAAAAAAA"}}),
            )
            .await;
        assert_eq!(unknown.body["error"]["details"][0]["code"], "unknown_join_code", "{}", unknown.body);
        app.stop().await;
    }
}

#[actix_web::test]
async fn wrong_password_and_unknown_account_look_the_same() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    app.register("li@zju.edu.cn", "researcher", "浙江大学").await;
    app.login("li@zju.edu.cn", "wrong password here")
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_credentials");
    app.login("nobody@zju.edu.cn", PASSWORD).await.assert_error(StatusCode::UNAUTHORIZED, "invalid_credentials");
    app.login("not an email", PASSWORD).await.assert_error(StatusCode::UNAUTHORIZED, "invalid_credentials");
    app.stop().await;
}

#[actix_web::test]
async fn registration_validates_every_field_at_once() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let response = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "not-an-email", "password": "short", "display_name": "  ", "role": "pirate",
                    "organization": {"name": "X", "kind": "castle", "region_code": "999999"}}),
        )
        .await;
    response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> =
        response.body["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    for field in [
        "email",
        "password",
        "display_name",
        "role",
        "organization.name",
        "organization.kind",
        "organization.region_code",
    ] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
    app.stop().await;
}

#[actix_web::test]
async fn staff_roles_cannot_be_self_granted_and_mass_assignment_is_refused() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    for role in ["admin", "liaison_officer"] {
        let response = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": "sneaky@x.cn", "password": PASSWORD, "display_name": "x", "role": role,
                        "organization": {"name": "某机构", "kind": "agency", "region_code": "110108"}}),
            )
            .await;
        response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(response.body["error"]["details"][0]["code"], "role_not_self_assignable");
    }
    // Extra privileged fields are unknown fields, not silently ignored.
    let response = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "sneaky@x.cn", "password": PASSWORD, "display_name": "x", "role": "researcher",
                    "is_active": true, "token_version": 0,
                    "organization": {"name": "某大学", "kind": "university", "region_code": "110108"}}),
        )
        .await;
    response.assert_error(StatusCode::BAD_REQUEST, "unknown_field");
    assert!(app.login("sneaky@x.cn", PASSWORD).await.status == StatusCode::UNAUTHORIZED, "nothing was stored");

    app.register("li@zju.edu.cn", "researcher", "浙江大学").await;
    let token = app.token("li@zju.edu.cn", PASSWORD).await;
    let response = app.patch("/api/v1/me", Some(&token), &json!({"display_name": "李", "role": "admin"})).await;
    response.assert_error(StatusCode::BAD_REQUEST, "unknown_field");
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.body["role"], "researcher");
    assert_ne!(me.body["display_name"], "李", "the refused request changed nothing");
    let renamed = app.patch("/api/v1/me", Some(&token), &json!({"display_name": "李伟"})).await;
    assert_eq!(renamed.status, StatusCode::OK);
    assert_eq!(renamed.body["display_name"], "李伟");
    app.stop().await;
}

#[actix_web::test]
async fn only_admins_create_staff_accounts() {
    for app in TestApp::each_backend().await {
        let researcher = app.account_with_role(Role::Researcher, "r@x.cn").await;
        let liaison = app.account_with_role(Role::LiaisonOfficer, "liaison@city.gov.cn").await;
        let admin = app.account_with_role(Role::Admin, "admin@city.gov.cn").await;
        let new_liaison =
            json!({"email": "new.liaison@city.gov.cn", "display_name": "联络员", "role": "liaison_officer"});

        app.post("/api/v1/admin/users", Some(&researcher), &new_liaison)
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden");
        app.post("/api/v1/admin/users", Some(&liaison), &new_liaison)
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden");
        app.post("/api/v1/admin/users", None, &new_liaison)
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");

        let created = app.post("/api/v1/admin/users", Some(&admin), &new_liaison).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}: {}", app.backend, created.body);
        assert_eq!(created.body["user"]["role"], "liaison_officer");
        let password = created.body["initial_password"].as_str().unwrap();
        let token = app.token("new.liaison@city.gov.cn", password).await;
        assert_eq!(app.get("/api/v1/me", Some(&token)).await.body["role"], "liaison_officer");

        let duplicate = app.post("/api/v1/admin/users", Some(&admin), &new_liaison).await;
        duplicate.assert_error(StatusCode::CONFLICT, "email_taken");
        let orphan = app
            .post(
                "/api/v1/admin/users",
                Some(&admin),
                &json!({"email": "c@x.cn", "display_name": "c", "role": "company"}),
            )
            .await;
        orphan.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        app.stop().await;
    }
}

#[actix_web::test]
async fn deactivation_revokes_tokens_and_blocks_login() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let admin = app.account_with_role(Role::Admin, "admin@city.gov.cn").await;
    let user_token = app.account_with_role(Role::Company, "c@acme.cn").await;
    let user_id = app.get("/api/v1/me", Some(&user_token)).await.body["id"].as_i64().unwrap();

    let updated =
        app.patch(&format!("/api/v1/admin/users/{user_id}"), Some(&admin), &json!({"is_active": false})).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["is_active"], false);
    app.get("/api/v1/me", Some(&user_token)).await.assert_error(StatusCode::UNAUTHORIZED, "invalid_token");
    app.login("founder-c@acme.cn", PASSWORD).await.assert_error(StatusCode::FORBIDDEN, "account_disabled");

    let admin_id = app.get("/api/v1/me", Some(&admin)).await.body["id"].as_i64().unwrap();
    app.patch(&format!("/api/v1/admin/users/{admin_id}"), Some(&admin), &json!({"is_active": false}))
        .await
        .assert_error(StatusCode::CONFLICT, "cannot_deactivate_self");
    app.patch("/api/v1/admin/users/987654", Some(&admin), &json!({"is_active": false}))
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    app.stop().await;
}

#[actix_web::test]
async fn password_change_revokes_earlier_tokens() {
    for app in TestApp::each_backend().await {
        app.register("li@zju.edu.cn", "researcher", "浙江大学").await;
        let first = app.token("li@zju.edu.cn", PASSWORD).await;
        let second = app.token("li@zju.edu.cn", PASSWORD).await;
        app.post(
            "/api/v1/me/password",
            Some(&first),
            &json!({"current_password": "wrong one!", "new_password": "a much better passphrase"}),
        )
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "invalid_credentials");
        let changed = app
            .post(
                "/api/v1/me/password",
                Some(&first),
                &json!({"current_password": PASSWORD, "new_password": "a much better passphrase"}),
            )
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{}: {}", app.backend, changed.body);
        let fresh = changed.body["access_token"].as_str().unwrap();
        for old in [&first, &second] {
            app.get("/api/v1/me", Some(old)).await.assert_error(StatusCode::UNAUTHORIZED, "invalid_token");
        }
        assert_eq!(app.get("/api/v1/me", Some(fresh)).await.status, StatusCode::OK);
        app.login("li@zju.edu.cn", PASSWORD).await.assert_error(StatusCode::UNAUTHORIZED, "invalid_credentials");
        assert_eq!(app.login("li@zju.edu.cn", "a much better passphrase").await.status, StatusCode::OK);
        app.stop().await;
    }
}

#[actix_web::test]
async fn concurrent_registrations_on_sqlite_never_fail_with_500() {
    // About locking, not throttling: every registration gets through the limits.
    let app = TestApp::spawn_with(techmatch_store::testing::TestDatabase::sqlite(), |settings| {
        settings.auth.login_limits.max_registrations_per_client = 1_000;
        settings.auth.password_hash.max_waiting = 1_000;
    })
    .await;
    let app_ref = &app;
    let mut requests = Vec::new();
    for index in 0..40 {
        // Every fourth request repeats an e-mail address and an organization name, so that
        // conflicts race with successful writes.
        let email = format!("user{}@example.org", index % 30);
        let organization = format!("机构 {}", index % 30);
        requests.push(async move { (index, app_ref.register(&email, "researcher", &organization).await) });
    }
    let responses = futures_util::future::join_all(requests).await;
    let mut created = 0;
    for (index, response) in &responses {
        assert!(
            response.status == StatusCode::CREATED || response.status == StatusCode::CONFLICT,
            "request {index}: {} {}",
            response.status,
            response.body
        );
        if response.status == StatusCode::CREATED {
            created += 1;
        }
    }
    assert_eq!(created, 30, "each distinct address registers exactly once");
    app.stop().await;
}

#[actix_web::test]
async fn login_is_rate_limited_per_account_and_per_client() {
    let app = TestApp::spawn_with(techmatch_store::testing::TestDatabase::sqlite(), |settings| {
        settings.auth.login_limits.max_failures_per_account = 3;
        settings.auth.login_limits.max_attempts_per_client = 8;
        settings.auth.login_limits.window_seconds = 600;
    })
    .await;
    app.register("li@zju.edu.cn", "researcher", "浙江大学").await;
    for _ in 0..3 {
        app.login("li@zju.edu.cn", "wrong password!")
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    // Locked: even the right password waits.
    let limited = app.login("li@zju.edu.cn", PASSWORD).await;
    limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let retry_after: u64 = limited.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&retry_after), "{retry_after}");

    // Refused attempts are not counted: the client has used 3 of its 8; spread over other
    // accounts it runs out too.
    for index in 0..5 {
        let response = app.login(&format!("other{index}@x.cn"), "whatever pass").await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    }
    let limited = app.login("someone@x.cn", "whatever pass").await;
    limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(limited.headers.contains_key("retry-after"));
    app.stop().await;
}
