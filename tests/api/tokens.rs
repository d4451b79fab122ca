//! Every kind of bad token is refused with 401 `invalid_token`.

use actix_web::http::StatusCode;
use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp};

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for index in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * index)) & 63) as usize] as char);
        }
    }
    out
}

fn sign(app: &TestApp, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(app.settings.auth.jwt_secret.expose()),
    )
    .unwrap()
}

#[actix_web::test]
async fn forged_expired_and_misdirected_tokens_are_refused() {
    for app in TestApp::each_backend().await {
        app.register("li@zju.edu.cn", "researcher", "浙江大学").await;
        let good = app.token("li@zju.edu.cn", PASSWORD).await;
        assert_eq!(app.get("/api/v1/me", Some(&good)).await.status, StatusCode::OK);
        let me = app.get("/api/v1/me", Some(&good)).await.body;
        let subject = me["id"].as_i64().unwrap().to_string();
        let now = Utc::now().timestamp();
        let valid_claims = json!({"sub": subject, "iss": "techmatch", "aud": "techmatch-api", "exp": now + 600, "nbf": now, "iat": now, "ver": 0});
        // Our own signing with the same claims works: the failures below are the claim changes.
        assert_eq!(
            app.get("/api/v1/me", Some(&sign(&app, &valid_claims))).await.status,
            StatusCode::OK,
            "{}",
            app.backend
        );

        let with = |key: &str, value: Value| {
            let mut claims = valid_claims.clone();
            claims[key] = value;
            sign(&app, &claims)
        };
        let without = |key: &str| {
            let mut claims = valid_claims.clone();
            claims.as_object_mut().unwrap().remove(key);
            sign(&app, &claims)
        };
        let (header, rest) = good.split_once('.').unwrap();
        let (payload, signature) = rest.split_once('.').unwrap();
        let mut flipped = signature.to_owned().into_bytes();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        let unsigned_payload = base64url(serde_json::to_string(&valid_claims).unwrap().as_bytes());
        let other_key = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &valid_claims,
            &EncodingKey::from_secret(b"another-secret-another-secret-another-secret"),
        )
        .unwrap();

        let cases: Vec<(&str, String)> = vec![
            ("expired", with("exp", json!(now - 3600))),
            ("not yet valid", with("nbf", json!(now + 3600))),
            ("wrong audience", with("aud", json!("someone-else"))),
            ("wrong issuer", with("iss", json!("evil"))),
            ("missing audience", without("aud")),
            ("missing expiry", without("exp")),
            ("missing issued-at", without("iat")),
            ("missing version", without("ver")),
            ("string expiry", with("exp", json!((now + 600).to_string()))),
            ("old version", with("ver", json!(-1))),
            ("unknown subject", with("sub", json!("999999"))),
            ("tampered signature", format!("{header}.{payload}.{}", String::from_utf8(flipped).unwrap())),
            ("tampered payload", format!("{header}.{unsigned_payload}.{signature}")),
            ("alg none", format!("{}.{unsigned_payload}.", base64url(br#"{"alg":"none","typ":"JWT"}"#))),
            ("alg HS512", {
                jsonwebtoken::encode(
                    &Header::new(Algorithm::HS512),
                    &valid_claims,
                    &EncodingKey::from_secret(app.settings.auth.jwt_secret.expose()),
                )
                .unwrap()
            }),
            ("other key", other_key),
            ("garbage", "not.a.token".to_owned()),
        ];
        for (label, token) in cases {
            let response = app.get("/api/v1/me", Some(&token)).await;
            assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{} {label}: {}", app.backend, response.body);
            assert_eq!(response.error_code(), "invalid_token", "{label}");
            assert_eq!(response.headers.get("www-authenticate").unwrap(), "Bearer");
        }
        app.stop().await;
    }
}

#[actix_web::test]
async fn missing_or_malformed_authorization_is_unauthenticated() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    app.get("/api/v1/me", None).await.assert_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .insert_header(("Authorization", "Basic dXNlcjpwYXNz"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[actix_web::test]
async fn logout_revokes_every_earlier_token() {
    for app in TestApp::each_backend().await {
        app.register("li@zju.edu.cn", "researcher", "浙江大学").await;
        let first = app.token("li@zju.edu.cn", PASSWORD).await;
        let second = app.token("li@zju.edu.cn", PASSWORD).await;
        let response = app.send(actix_web::http::Method::POST, "/api/v1/auth/logout", Some(&first), None).await;
        assert_eq!(response.status, StatusCode::NO_CONTENT, "{}: {}", app.backend, response.body);
        for token in [&first, &second] {
            app.get("/api/v1/me", Some(token)).await.assert_error(StatusCode::UNAUTHORIZED, "invalid_token");
        }
        let fresh = app.token("li@zju.edu.cn", PASSWORD).await;
        assert_eq!(app.get("/api/v1/me", Some(&fresh)).await.status, StatusCode::OK);
        app.stop().await;
    }
}
