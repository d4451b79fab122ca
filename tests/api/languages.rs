//! Each account's interface language: chosen over the API or by the pages' switch, and the
//! one its notifications are in (never both joined).

use actix_web::http::{Method, StatusCode};
use serde_json::json;

use crate::deals::pair;
use crate::helpers::TestApp;
use crate::pages::log_in;

#[actix_web::test]
async fn notifications_come_in_the_language_each_reader_chose() {
    for app in TestApp::each_backend().await {
        let pair = pair(&app).await;
        let me = app.get("/api/v1/me", Some(&pair.researcher)).await.body;
        assert_eq!(me["language"], "zh-CN", "Chinese until chosen otherwise");
        app.patch("/api/v1/me", Some(&pair.researcher), &json!({"language": "fr"}))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

        let sent = app
            .post(
                "/api/v1/interests",
                Some(&pair.company),
                &json!({"listing_kind": "result", "listing_id": pair.result_id, "purpose": "license",
                        "message": "希望许可使用贵团队的正极包覆技术。"}),
            )
            .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
        let message = |body: &serde_json::Value| body["items"][0]["message"].as_str().unwrap().to_owned();
        let chinese = message(&app.get("/api/v1/notifications", Some(&pair.researcher)).await.body);
        assert!(chinese.contains("表达了合作意向") && !chinese.contains("interested"), "{chinese}");

        let switched = app.patch("/api/v1/me", Some(&pair.researcher), &json!({"language": "en"})).await;
        assert_eq!(switched.body["language"], "en", "{}", switched.body);
        let english = message(&app.get("/api/v1/notifications", Some(&pair.researcher)).await.body);
        assert!(english.starts_with("Someone is interested in") && !english.contains("合作意向"), "{english}");

        // The pages' language switch is the account's choice too, and the workspace shows the
        // notice in the page's language.
        let cookies = log_in(&app, "founder-li@whut.edu.cn").await;
        let (status, _, html) = app.page(Method::GET, "/my?lang=zh-CN", &cookies, None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("表达了合作意向") && !html.contains("Someone is interested"), "{html}");
        assert_eq!(app.get("/api/v1/me", Some(&pair.researcher)).await.body["language"], "zh-CN");

        // A browser that never chose gets the account's language, whatever it accepts.
        app.patch("/api/v1/me", Some(&pair.researcher), &json!({"language": "en"})).await;
        let (_, _, html) = app.page(Method::GET, "/my", &cookies, Some("zh-CN,zh;q=0.9"), None).await;
        assert!(html.contains("lang=\"en\"") && html.contains("Someone is interested in"), "{html}");
        app.stop().await;
    }
}
