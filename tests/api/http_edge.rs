//! Bad input at the HTTP edge: always a 4xx JSON error with a code, never a 500.

use actix_web::http::{Method, StatusCode};
use serde_json::json;
use techmatch_domain::Role;

use crate::access_matrix::{PROTECTED_ROUTES, PUBLIC_ROUTES};
use crate::helpers::{PASSWORD, TestApp};

const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
];

/// (label, content type, body, expected status, expected code)
type BodyCase = (&'static str, Option<&'static str>, Vec<u8>, StatusCode, &'static str);

#[actix_web::test]
async fn malformed_oversize_and_mistyped_bodies_get_coded_4xx() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let register = "/api/v1/auth/register";
    let cases: Vec<BodyCase> = vec![
        ("truncated json", Some("application/json"), b"{\"email\": ".to_vec(), StatusCode::BAD_REQUEST, "malformed_json"),
        ("not json", Some("application/json"), b"email=a".to_vec(), StatusCode::BAD_REQUEST, "malformed_json"),
        ("wrong type", Some("application/json"), br#"{"email": 5, "password": "x", "display_name": "x", "role": "researcher", "organization": {}}"#.to_vec(), StatusCode::BAD_REQUEST, "invalid_body"),
        ("missing field", Some("application/json"), br#"{"email": "a@b.cn"}"#.to_vec(), StatusCode::BAD_REQUEST, "invalid_body"),
        ("array body", Some("application/json"), b"[]".to_vec(), StatusCode::BAD_REQUEST, "invalid_body"),
        ("unknown field", Some("application/json"), br#"{"email": "a@b.cn", "password": "x", "display_name": "x", "role": "researcher", "organization": {}, "admin": true}"#.to_vec(), StatusCode::BAD_REQUEST, "unknown_field"),
        ("wrong content type", Some("text/plain"), b"{}".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        ("no content type", None, b"{}".to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        ("invalid utf-8", Some("application/json"), b"{\"email\": \"\xff\xfe\"}".to_vec(), StatusCode::BAD_REQUEST, "malformed_json"),
    ];
    for (label, content_type, body, status, code) in cases {
        let response = app.raw(Method::POST, register, None, content_type, body).await;
        assert_eq!(response.status, status, "{label}: {}", response.body);
        assert_eq!(response.error_code(), code, "{label}");
        assert!(response.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{label}");
    }

    let mut oversize = br#"{"email": ""#.to_vec();
    oversize.extend(std::iter::repeat_n(b'a', techmatch_api::BODY_LIMIT_BYTES + 10));
    oversize.extend(br#"", "password": "x"}"#);
    let response = app.raw(Method::POST, "/api/v1/auth/login", None, Some("application/json"), oversize).await;
    response.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    // Just under the limit is parsed (and then judged on its fields).
    let mut large = br#"{"email": "a@b.cn", "password": ""#.to_vec();
    large.extend(std::iter::repeat_n(b'a', techmatch_api::BODY_LIMIT_BYTES - 100));
    large.extend(br#""}"#);
    let response = app.raw(Method::POST, "/api/v1/auth/login", None, Some("application/json"), large).await;
    response.assert_error(StatusCode::UNAUTHORIZED, "invalid_credentials");

    // Nothing above was stored.
    let admin = app.account_with_role(Role::Admin, "admin@city.gov.cn").await;
    assert_eq!(app.get("/api/v1/admin/users", Some(&admin)).await.body["total"], 1);

    // A struct's fields as an array, which serde alone would read in order, is no body either.
    let token = app.account_with_role(Role::Researcher, "array@body.cn").await;
    let response =
        app.raw(Method::PATCH, "/api/v1/me", Some(&token), Some("application/json"), b"[null, null]".to_vec()).await;
    response.assert_error(StatusCode::BAD_REQUEST, "invalid_body");
    app.stop().await;
}

#[actix_web::test]
async fn unknown_routes_methods_queries_and_paths_get_coded_errors() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let admin = app.account_with_role(Role::Admin, "admin@city.gov.cn").await;
    app.get("/api/v1/nothing-here", None).await.assert_error(StatusCode::NOT_FOUND, "not_found");
    let response = app.send(Method::DELETE, "/api/v1/me", Some(&admin), None).await;
    response.assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert_eq!(response.headers.get("allow").unwrap(), "GET, PATCH");
    let response = app.send(Method::TRACE, "/api/v1/results/12", None, None).await;
    response.assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert_eq!(response.headers.get("allow").unwrap(), "GET, DELETE, PATCH");
    app.send(Method::DELETE, "/api/v1/results/12/nothing", None, None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
    app.get("/api/v1/admin/users?limit=abc", Some(&admin)).await.assert_error(StatusCode::BAD_REQUEST, "invalid_query");
    app.get("/api/v1/admin/users?limit=1000", Some(&admin))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.get("/api/v1/admin/users?colour=red", Some(&admin))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
    app.patch("/api/v1/admin/users/not-a-number", Some(&admin), &json!({"is_active": true}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_path");
    app.patch("/api/v1/admin/users/99999999999999999999", Some(&admin), &json!({"is_active": true}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_path");
    let page = app.get("/api/v1/admin/users?limit=1&offset=0", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
    app.stop().await;
}

#[actix_web::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    app.register("li@zju.edu.cn", "researcher", "浙江大学").await;
    let token = app.token("li@zju.edu.cn", PASSWORD).await;
    let responses = vec![
        ("health", app.get("/health", None).await),
        ("me", app.get("/api/v1/me", Some(&token)).await),
        ("401", app.get("/api/v1/me", None).await),
        ("403", app.get("/api/v1/admin/users", Some(&token)).await),
        ("404", app.get("/nowhere", None).await),
        ("400", app.raw(Method::POST, "/api/v1/auth/login", None, Some("application/json"), b"{".to_vec()).await),
    ];
    for (label, response) in responses {
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(response.headers.get(name).map(|v| v.to_str().unwrap()), Some(value), "{label} {name}");
        }
        assert!(response.headers.get("content-security-policy").is_some(), "{label}");
        assert!(
            response.headers.get("content-type").unwrap().to_str().unwrap().starts_with("application/json"),
            "{label}"
        );
    }
    app.stop().await;
}

#[actix_web::test]
async fn health_reports_the_database() {
    for app in TestApp::each_backend().await {
        let response = app.get("/health", None).await;
        assert_eq!(response.status, StatusCode::OK, "{}", app.backend);
        assert_eq!(response.body["status"], "ok");
        assert_eq!(response.body["database"], "ok");
        assert_eq!(response.body["index"]["pending"], 0, "{}", response.body);
        assert!(response.body["index"]["applied"].is_i64());
        app.stop().await;
    }
}

#[actix_web::test]
async fn metrics_count_requests_by_route_pattern_and_report_the_index_backlog() {
    for app in TestApp::each_backend().await {
        let researcher = app.account_with_role(Role::Researcher, "metrics@lab.cn").await;
        let created = app
            .post(
                "/api/v1/results",
                Some(&researcher),
                &json!({"title": "计量用成果", "abstract": "用于检查指标的成果。", "maturity": "lab", "status": "published"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED);
        app.index_settled().await;
        for _ in 0..3 {
            app.get("/api/v1/search?q=%E6%88%90%E6%9E%9C", None).await;
        }
        app.get("/api/v1/results/987654", None).await;
        let (status, headers, body) = app.page(Method::GET, "/metrics", "", None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/plain; version=0.0.4"));
        let count = |line_start: &str| -> f64 {
            body.lines()
                .find_map(|line| line.strip_prefix(line_start).map(|rest| rest.trim().parse::<f64>().unwrap()))
                .unwrap_or_else(|| panic!("no {line_start} in {body}"))
        };
        assert_eq!(count("techmatch_http_requests_total{method=\"GET\",route=\"/api/v1/search\",status=\"200\"}"), 3.0);
        assert_eq!(
            count("techmatch_http_requests_total{method=\"GET\",route=\"/api/v1/results/{id}\",status=\"404\"}"),
            1.0,
            "counted by pattern, not by raw path"
        );
        assert!(!body.contains("987654"));
        assert_eq!(count("techmatch_http_request_duration_seconds_count{route=\"/api/v1/search\"}"), 3.0);
        assert_eq!(count("techmatch_http_request_duration_seconds_bucket{route=\"/api/v1/search\",le=\"+Inf\"}"), 3.0);
        assert_eq!(count("techmatch_up"), 1.0);
        assert_eq!(count("techmatch_outbox_depth"), 0.0, "the indexer applied the write");
        assert!(count("techmatch_index_position") >= 1.0);
        assert_eq!(count("techmatch_index_lag_seconds"), 0.0);
        assert!(count("techmatch_index_documents") >= 1.0);
        app.stop().await;
    }
}

#[actix_web::test]
async fn a_handler_past_its_time_limit_is_cut_off_with_a_coded_503() {
    let app = TestApp::spawn_with(techmatch_store::testing::TestDatabase::sqlite(), |settings| {
        settings.server.handler_timeout_ms = 1;
    })
    .await;
    // A login hashes the password with argon2id (19 MiB, two passes), which takes far longer
    // than a millisecond even for an unknown account.
    for _ in 0..2 {
        // The second time shows the server stays up and nothing was left locked.
        let response = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": "nobody@example.org", "password": "long enough passphrase"}),
            )
            .await;
        response.assert_error(StatusCode::SERVICE_UNAVAILABLE, "timeout");
    }
    app.stop().await;
}

#[actix_web::test]
async fn openapi_covers_every_route_with_its_errors() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let document = app.get("/api/openapi.json", None).await;
    assert_eq!(document.status, StatusCode::OK);
    assert!(document.body["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document.body["paths"].as_object().unwrap();
    let mut routes: Vec<(String, String)> =
        PROTECTED_ROUTES.iter().map(|route| (route.method.to_lowercase(), route.openapi_path.to_owned())).collect();
    routes.extend(PUBLIC_ROUTES.iter().map(|(method, path)| ((*method).to_owned(), (*path).to_owned())));
    let mut documented = 0;
    for (_, operations) in paths {
        documented += operations.as_object().unwrap().len();
    }
    assert_eq!(
        documented,
        routes.len(),
        "every route is documented, and only those: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
    for (method, path) in routes {
        let operation = &paths.get(&path).unwrap_or_else(|| panic!("{path} undocumented"))[&method];
        assert!(operation.is_object(), "{method} {path} undocumented");
        let responses = operation["responses"].as_object().unwrap();
        if path != "/health" && path != "/api/openapi.json" {
            assert!(responses.keys().any(|status| status.starts_with('4')), "{method} {path} lists no 4xx response");
            let error_schema = responses.iter().find(|(status, _)| status.starts_with('4')).unwrap().1;
            assert!(error_schema.to_string().contains("ErrorBody"), "{method} {path} error body not described");
        }
        if PROTECTED_ROUTES.iter().any(|route| route.openapi_path == path && route.method.eq_ignore_ascii_case(&method))
        {
            assert!(responses.contains_key("401"), "{method} {path} lacks 401");
            assert!(operation["security"].is_array(), "{method} {path} lacks security");
        }
    }
    assert!(document.body["components"]["securitySchemes"]["bearer"].is_object());
    app.stop().await;
}

#[actix_web::test]
async fn a_client_that_never_finishes_its_request_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(techmatch_store::testing::TestDatabase::sqlite(), |settings| {
        settings.server.client_request_timeout_ms = 300;
    })
    .await;
    let host = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    // Half a request head, then silence.
    stream.write_all(b"GET /health HTTP/1.1\r\nHost: techmatch\r\n").await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server still holds the connection after 20 s");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    app.stop().await;
}

#[actix_web::test]
async fn whole_numbers_written_with_a_fraction_are_integers() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let researcher = app.account_with_role(Role::Researcher, "floats@lab.cn").await;
    let body = json!({"title": "浮点价格的成果", "abstract": "价格以 100.0 的形式给出。", "maturity": "lab",
                      "asking_price_min": 100.0, "asking_price_max": 2.5e3});
    let created = app.post("/api/v1/results", Some(&researcher), &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["asking_price_min"], 100);
    assert_eq!(created.body["asking_price_max"], 2500);
    let fractional =
        json!({"title": "小数价格的成果", "abstract": "价格带小数。", "maturity": "lab", "asking_price_min": 100.5});
    app.post("/api/v1/results", Some(&researcher), &fractional)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_body");
    let unknown = json!({"title": "多余字段", "abstract": "带未知字段。", "maturity": "lab", "colour": "red"});
    app.post("/api/v1/results", Some(&researcher), &unknown)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "unknown_field");
    app.stop().await;
}

#[actix_web::test]
async fn metrics_with_a_scrape_token_answer_only_that_token() {
    let app = TestApp::spawn_with(techmatch_store::testing::TestDatabase::sqlite(), |settings| {
        settings.server.metrics_token = "scrape-token-for-the-test-0123456789".to_owned();
    })
    .await;
    app.get("/metrics", None).await.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    app.get("/metrics", Some("scrape-token-for-the-test-012345678"))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    app.get("/metrics", Some("scrape-token-for-the-test-01234567890"))
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let (status, _, body) = app.download("/metrics", Some("scrape-token-for-the-test-0123456789")).await;
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("techmatch_up 1"), "{body}");
    // The rest of the service is unaffected.
    let (status, _, body) = app.download("/hello", None).await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, b"hello".as_slice()));
    app.stop().await;
}
