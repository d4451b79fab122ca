//! An organization's contact person and credit code: kept by its members, checked, shown on
//! its public pages only when it says so, otherwise to the other side only once an interest is
//! accepted; a signed contract records both parties' credit codes from their profiles.

use actix_web::http::{Method, StatusCode};
use serde_json::json;

use crate::deals::pair;
use crate::helpers::TestApp;
use crate::pages::{form_token, log_in};
use crate::registry::credit_code;

#[actix_web::test]
async fn an_organizations_contact_is_private_until_accepted_unless_shown_and_its_code_goes_on_contracts() {
    for app in TestApp::each_backend().await {
        let pair = pair(&app).await;
        let profile = "/api/v1/me/organization";
        let seller_code = credit_code("12420000441356018");
        let buyer_code = credit_code("91420100MA4K23456");
        let last = if seller_code.ends_with('0') { "1" } else { "0" };
        let mistyped = format!("{}{last}", &seller_code[..17]);

        // Refusals name the field and keep what is stored.
        for (body, field, code) in [
            (json!({"contact_name": "王老师", "contact_phone": "12345"}), "contact_phone", "invalid_phone"),
            (json!({"contact_name": "王老师"}), "contact_phone", "required"),
            (json!({"contact_public": true}), "contact_public", "no_contact"),
            (json!({"credit_code": mistyped}), "credit_code", "credit_code_check"),
        ] {
            let refused = app.send(Method::PUT, profile, Some(&pair.researcher), Some(&body)).await;
            refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
            let details = refused.body["error"]["details"].to_string();
            assert!(details.contains(field) && details.contains(code), "{body}: {}", refused.body);
        }
        assert!(app.get(profile, Some(&pair.researcher)).await.body["contact"].is_null());

        let private = json!({"contact_name": "王老师", "contact_phone": "027-87654321", "credit_code": seller_code});
        let saved = app.send(Method::PUT, profile, Some(&pair.researcher), Some(&private)).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        assert_eq!(saved.body["contact"]["name"], "王老师");
        assert_eq!(saved.body["contact"]["public"], false);
        assert_eq!(saved.body["credit_code"], seller_code.as_str());
        let company_profile =
            app.send(Method::PUT, profile, Some(&pair.company), Some(&json!({"credit_code": buyer_code}))).await;
        assert_eq!(company_profile.status, StatusCode::OK, "{}", company_profile.body);

        // A private contact is on no public page.
        let result_page = format!("/results/{}", pair.result_id);
        let (_, _, html) = app.page(Method::GET, &result_page, "", None, None).await;
        assert!(html.contains("高镍正极材料表面包覆") && !html.contains("027-87654321"), "{html}");

        // Before an answer the sender sees no contact; once accepted, the organization's person.
        let sent = app
            .post(
                "/api/v1/interests",
                Some(&pair.company),
                &json!({"listing_kind": "result", "listing_id": pair.result_id, "purpose": "license",
                        "message": "希望许可使用贵团队的正极包覆技术。"}),
            )
            .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
        let interest = sent.body["id"].as_i64().unwrap();
        let before = app.get(&format!("/api/v1/interests/{interest}"), Some(&pair.company)).await.body;
        assert!(before["poster_contact"].is_null(), "{before}");
        let accepted = app
            .post(
                &format!("/api/v1/interests/{interest}/answer"),
                Some(&pair.researcher),
                &json!({"decision": "accept"}),
            )
            .await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        let after = app.get(&format!("/api/v1/interests/{interest}"), Some(&pair.company)).await.body;
        assert_eq!(after["poster_contact"]["display_name"], "王老师", "{after}");
        assert_eq!(after["poster_contact"]["phone"], "027-87654321", "{after}");
        assert_eq!(after["poster_contact"]["email"], "founder-li@whut.edu.cn", "the account's address stands in");

        // Shown publicly, the contact is on the result's and the organization's pages.
        let public = json!({"contact_name": "王老师", "contact_phone": "027-87654321", "contact_public": true,
                            "credit_code": seller_code});
        app.send(Method::PUT, profile, Some(&pair.researcher), Some(&public)).await;
        let (_, _, html) = app.page(Method::GET, &result_page, "", None, None).await;
        assert!(html.contains("王老师") && html.contains("027-87654321"), "{html}");
        let organization = saved.body["id"].as_i64().unwrap();
        let (_, _, html) = app.page(Method::GET, &format!("/organizations/{organization}"), "", None, None).await;
        assert!(html.contains("027-87654321"), "{html}");

        // A contract signed without codes records both organizations' own.
        let deal = accepted.body["deal_id"].as_i64().unwrap();
        let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).date_naive().to_string();
        let signed = app
            .post(
                &format!("/api/v1/deals/{deal}/stage"),
                Some(&pair.researcher),
                &json!({"version": 1, "stage": "contract_signed", "contract_type": "technology_license",
                        "contract_amount_yuan": 300_000, "contract_date": yesterday}),
            )
            .await;
        assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
        let recorded = app.get(&format!("/api/v1/deals/{deal}"), Some(&pair.company)).await.body;
        assert_eq!(recorded["seller_credit_code"], seller_code.as_str(), "{recorded}");
        assert_eq!(recorded["buyer_credit_code"], buyer_code.as_str(), "{recorded}");
        app.stop().await;
    }
}

#[actix_web::test]
async fn members_keep_their_organizations_contact_on_the_workspace_page() {
    for app in TestApp::each_backend().await {
        let pair = pair(&app).await;
        let cookies = log_in(&app, "founder-ma@battery.cn").await;
        let (status, _, html) = app.page(Method::GET, "/my", &cookies, None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("本单位联系人") && html.contains("name=\"contact_phone\""), "{html}");
        let post = |form: String| {
            let app = &app;
            let cookies = cookies.clone();
            async move {
                let body = format!("csrf={}&{form}", form_token(app, &cookies).await);
                let (status, headers, _) =
                    app.page(Method::POST, "/my/organization", &cookies, None, Some(&body)).await;
                assert_eq!(status, StatusCode::SEE_OTHER);
                headers.get("location").unwrap().to_str().unwrap().to_owned()
            }
        };
        let refused = post("contact_name=%E9%A9%AC%E7%BB%8F%E7%90%86&contact_phone=12345".to_owned()).await;
        assert_eq!(refused, "/my?notice=failed&code=invalid_phone");
        let (_, _, html) = app.page(Method::GET, &refused, &cookies, None, None).await;
        assert!(html.contains("请填写手机号"), "the page says what is wrong: {html}");
        assert!(app.get("/api/v1/me/organization", Some(&pair.company)).await.body["contact"].is_null());
        let saved =
            post("contact_name=%E9%A9%AC%E7%BB%8F%E7%90%86&contact_phone=13812345678&contact_public=true".to_owned())
                .await;
        assert_eq!(saved, "/my?notice=done");
        let stored = app.get("/api/v1/me/organization", Some(&pair.company)).await.body;
        assert_eq!(
            (stored["contact"]["name"].as_str(), stored["contact"]["public"].as_bool()),
            (Some("马经理"), Some(true))
        );
        let (_, _, html) = app.page(Method::GET, "/my?notice=done", &cookies, None, None).await;
        assert!(
            html.contains("value=\"13812345678\"") && html.contains("checked"),
            "the form shows what is saved: {html}"
        );
        app.stop().await;
    }
}
