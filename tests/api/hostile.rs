//! Hostile traffic: floods of parallel logins and registrations, forged forwarded-for chains
//! and password guessing through the password change (each limit is one atomic step on each
//! database, so however many requests arrive at once, no more pass than the limit allows);
//! invisible and reordering text, common passwords, and HEAD requests.

use actix_web::http::StatusCode;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, TestResponse};

/// Counts answers by status, failing on any other than those allowed.
fn tally(responses: &[TestResponse], allowed: &[StatusCode]) -> std::collections::BTreeMap<u16, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for response in responses {
        assert!(allowed.contains(&response.status), "{} {}", response.status, response.body);
        if response.status == StatusCode::TOO_MANY_REQUESTS || response.status == StatusCode::SERVICE_UNAVAILABLE {
            let retry_after: u64 = response.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
            assert!(retry_after >= 1, "{retry_after}");
        }
        *counts.entry(response.status.as_u16()).or_insert(0) += 1;
    }
    counts
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no {name} in the metrics"))
        .parse()
        .unwrap()
}

async fn metrics(app: &TestApp) -> String {
    let (status, _, body) = app.download("/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    String::from_utf8(body).unwrap()
}

#[actix_web::test]
async fn parallel_wrong_passwords_for_one_account_get_no_more_answers_than_the_limit() {
    for app in TestApp::each_backend_with(|settings| settings.auth.password_hash.max_waiting = 200).await {
        app.register("victim@zju.edu.cn", "researcher", "浙江大学").await;
        let limit = app.settings.auth.login_limits.max_failures_per_account as usize;
        let guesses: Vec<String> = (0..50).map(|index| format!("guess number {index}")).collect();
        let responses =
            futures_util::future::join_all(guesses.iter().map(|guess| app.login("victim@zju.edu.cn", guess))).await;
        let counts = tally(&responses, &[StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS]);
        assert_eq!(counts.get(&401).copied(), Some(limit), "{}: {counts:?}", app.backend);
        assert_eq!(counts.get(&429).copied(), Some(50 - limit), "{}: {counts:?}", app.backend);
        app.stop().await;
    }
}

#[actix_web::test]
async fn parallel_attempts_from_one_client_get_no_more_answers_than_its_limit() {
    for app in TestApp::each_backend_with(|settings| settings.auth.password_hash.max_waiting = 200).await {
        let limit = app.settings.auth.login_limits.max_attempts_per_client as usize;
        let accounts: Vec<String> = (0..150).map(|index| format!("nobody{index}@x.cn")).collect();
        let responses =
            futures_util::future::join_all(accounts.iter().map(|account| app.login(account, "whatever pass"))).await;
        let counts = tally(&responses, &[StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS]);
        assert_eq!(counts.get(&401).copied(), Some(limit), "{}: {counts:?}", app.backend);
        assert_eq!(counts.get(&429).copied(), Some(150 - limit), "{}: {counts:?}", app.backend);
        app.stop().await;
    }
}

#[actix_web::test]
async fn a_registration_flood_hashes_within_the_bound_and_is_refused_quickly_beyond() {
    for app in TestApp::each_backend_with(|settings| {
        settings.auth.password_hash.max_concurrent = 2;
        settings.auth.password_hash.max_waiting = 2;
        settings.auth.login_limits.max_registrations_per_client = 1_000;
    })
    .await
    {
        // Registrations that cannot succeed cost no hash at all.
        let bodies: Vec<serde_json::Value> = (0..30)
            .map(|index| {
                json!({
                    "email": format!("joiner{index}@x.cn"), "password": PASSWORD, "display_name": "Joiner",
                    "role": "researcher", "organization": {"join_code": "NOSUCHCODE"},
                })
            })
            .collect();
        let doomed = bodies.iter().map(|body| app.post("/api/v1/auth/register", None, body));
        let responses = futures_util::future::join_all(doomed).await;
        tally(&responses, &[StatusCode::UNPROCESSABLE_ENTITY]);
        assert_eq!(metric(&metrics(&app).await, "techmatch_password_hashing_peak"), 0, "{}", app.backend);

        let people: Vec<(String, String)> =
            (0..40).map(|index| (format!("new{index}@x.cn"), format!("大学 {index}"))).collect();
        let flood = people.iter().map(|(email, organization)| app.register(email, "researcher", organization));
        let responses = futures_util::future::join_all(flood).await;
        let counts = tally(&responses, &[StatusCode::CREATED, StatusCode::SERVICE_UNAVAILABLE]);
        assert!(
            counts.get(&503).copied().unwrap_or(0) > 0,
            "{}: forty at once cannot all fit: {counts:?}",
            app.backend
        );
        assert!(
            counts.get(&201).copied().unwrap_or(0) >= 4,
            "{}: the running and waiting ones pass: {counts:?}",
            app.backend
        );
        for refused in responses.iter().filter(|response| response.status == StatusCode::SERVICE_UNAVAILABLE) {
            refused.assert_error(StatusCode::SERVICE_UNAVAILABLE, "busy");
        }
        let figures = metrics(&app).await;
        assert_eq!(metric(&figures, "techmatch_password_hashing_limit"), 2);
        assert!(metric(&figures, "techmatch_password_hashing_peak") <= 2, "{}: {figures}", app.backend);
        assert_eq!(
            metric(&figures, "techmatch_password_hashing_refused_total"),
            counts.get(&503).copied().unwrap_or(0) as u64
        );
        app.stop().await;
    }
}

#[actix_web::test]
async fn registrations_are_limited_per_client() {
    let app = TestApp::spawn_with(techmatch_store::testing::TestDatabase::sqlite(), |settings| {
        settings.auth.login_limits.max_registrations_per_client = 3;
    })
    .await;
    for index in 0..3 {
        let created = app.register(&format!("r{index}@x.cn"), "researcher", &format!("研究院 {index}")).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }
    let refused = app.register("r3@x.cn", "researcher", "研究院 3").await;
    refused.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(refused.headers.contains_key("retry-after"));
    app.stop().await;
}

#[actix_web::test]
async fn a_forged_forwarded_for_entry_does_not_change_the_client() {
    let app = TestApp::spawn_with(techmatch_store::testing::TestDatabase::sqlite(), |settings| {
        settings.server.trust_forwarded_for = true;
        settings.auth.login_limits.max_attempts_per_client = 5;
    })
    .await;
    // The proxy (the peer, 127.0.0.1) appends the address it saw; the client writes the rest.
    let mut statuses = Vec::new();
    for index in 0..8 {
        let chain = format!("203.0.113.{index}, 198.51.100.7");
        let body = json!({"email": format!("someone{index}@x.cn"), "password": "whatever pass"});
        statuses.push(
            app.post_with_headers("/api/v1/auth/login", None, &body, &[("X-Forwarded-For", &chain)]).await.status,
        );
    }
    assert_eq!(statuses[..5], [StatusCode::UNAUTHORIZED; 5]);
    assert_eq!(statuses[5..], [StatusCode::TOO_MANY_REQUESTS; 3], "the forged first entries changed nothing");
    let body = json!({"email": "someone@x.cn", "password": "whatever pass"});
    let other = app.post_with_headers("/api/v1/auth/login", None, &body, &[("X-Forwarded-For", "198.51.100.8")]).await;
    assert_eq!(other.status, StatusCode::UNAUTHORIZED, "another client has its own allowance");
    app.stop().await;
}

#[actix_web::test]
async fn wrong_current_passwords_count_toward_the_login_limits() {
    let app = TestApp::spawn_with(techmatch_store::testing::TestDatabase::sqlite(), |settings| {
        settings.auth.login_limits.max_attempts_per_client = 4;
    })
    .await;
    app.register("li@zju.edu.cn", "researcher", "浙江大学").await;
    let token = app.token("li@zju.edu.cn", PASSWORD).await;
    let change = json!({"current_password": "not my password", "new_password": "a brand new passphrase"});
    for _ in 0..3 {
        app.post("/api/v1/me/password", Some(&token), &change)
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let limited = app.post("/api/v1/me/password", Some(&token), &change).await;
    limited.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    app.login("li@zju.edu.cn", PASSWORD).await.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    app.stop().await;
}

/// The codes a refused write names per field.
fn field_codes(response: &TestResponse) -> Vec<(String, String)> {
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.body);
    response.body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|detail| (detail["field"].as_str().unwrap().to_owned(), detail["code"].as_str().unwrap().to_owned()))
        .collect()
}

#[actix_web::test]
async fn invisible_titles_and_direction_overrides_are_refused() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let researcher = app.account_with_role(techmatch_domain::Role::Researcher, "li@whut.edu.cn").await;
    let result = |title: &str, abstract_text: &str| json!({"title": title, "abstract": abstract_text, "maturity": "pilot", "status": "published"});
    let abstract_text = "分布式光纤传感器阵列用于桥梁健康监测。";
    for title in ["\u{200B}\u{200B}\u{200B}", "\u{202E}\u{202E}", "\u{FEFF}\u{FEFF}", "\u{3164}\u{3164}"] {
        let refused = app.post("/api/v1/results", Some(&researcher), &result(title, abstract_text)).await;
        let codes = field_codes(&refused);
        assert!(
            codes.iter().any(|(field, code)| field == "title" && code == "no_visible_text"),
            "{title:?}: {codes:?}"
        );
    }
    let refused = app.post("/api/v1/results", Some(&researcher), &result("光纤\u{202E}传感器", abstract_text)).await;
    assert_eq!(field_codes(&refused), [("title".to_owned(), "invalid_characters".to_owned())]);
    let refused = app.post("/api/v1/results", Some(&researcher), &result("光纤传感器", &"\u{200B}".repeat(40))).await;
    assert_eq!(field_codes(&refused), [("abstract".to_owned(), "no_visible_text".to_owned())]);
    assert_eq!(app.get("/api/v1/results?mine=true", Some(&researcher)).await.body["total"], 0, "nothing stored");

    // Invisible characters at the ends are dropped; the visible title is kept as written.
    let stored =
        app.post("/api/v1/results", Some(&researcher), &result("\u{FEFF}光纤传感器\u{200B}", abstract_text)).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.body);
    assert_eq!(stored.body["title"], "光纤传感器");

    // A display name cannot reorder itself, nor start with an override that would.
    let renamed = app.patch("/api/v1/me", Some(&researcher), &json!({"display_name": "\u{202E}gnaW iL"})).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(renamed.body["display_name"], "gnaW iL");
    let refused = app.patch("/api/v1/me", Some(&researcher), &json!({"display_name": "Li\u{202E}gnaW"})).await;
    assert_eq!(field_codes(&refused), [("display_name".to_owned(), "invalid_characters".to_owned())]);
    let registered = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "ghost@whut.edu.cn", "password": PASSWORD, "display_name": "\u{200B}\u{2060}", "role": "researcher",
                "organization": {"name": "\u{202E}\u{202E}", "kind": "university", "region_code": "420111"}}),
        )
        .await;
    let codes = field_codes(&registered);
    assert!(codes.iter().any(|(field, _)| field == "display_name"), "{codes:?}");
    assert!(codes.iter().any(|(field, _)| field == "organization.name"), "{codes:?}");
    app.stop().await;
}

#[actix_web::test]
async fn head_is_answered_as_get_without_a_body() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    for path in ["/health", "/api/v1/results", "/", "/search?q=%E7%94%B5%E6%B1%A0", "/static/app.css"] {
        let (get_status, get_headers, get_body) = app.page(actix_web::http::Method::GET, path, "", None, None).await;
        let (status, headers, body) = app.page(actix_web::http::Method::HEAD, path, "", None, None).await;
        assert_eq!((status, get_status), (StatusCode::OK, StatusCode::OK), "{path}");
        assert_eq!(headers.get("content-type"), get_headers.get("content-type"), "{path}");
        assert!(body.is_empty() && !get_body.is_empty(), "{path}: {body}");
    }
    // A route that only changes things still refuses HEAD.
    let (status, _, _) = app.page(actix_web::http::Method::HEAD, "/api/v1/auth/login", "", None, None).await;
    assert!(status.is_client_error(), "{status}");
    app.stop().await;
}

#[actix_web::test]
async fn common_passwords_are_refused_for_new_accounts() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    for password in ["password123", "qwertyuiop1", "iloveyou2024"] {
        let refused = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": "new@zju.edu.cn", "password": password, "display_name": "新用户", "role": "researcher",
                    "organization": {"name": "浙江大学", "kind": "university", "region_code": "330106"}}),
            )
            .await;
        assert_eq!(field_codes(&refused), [("password".to_owned(), "password_too_common".to_owned())], "{password}");
    }
    assert_eq!(app.register("new@zju.edu.cn", "researcher", "浙江大学").await.status, StatusCode::CREATED);
    app.stop().await;
}
