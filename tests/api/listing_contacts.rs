//! A listing's own contact person: kept with the listing, seen by its organization and staff,
//! by everyone only when shown publicly (never on a confidential need), and given to the other
//! side in place of the organization's once an interest in the listing is accepted.

use actix_web::http::{Method, StatusCode};
use serde_json::json;
use techmatch_domain::Role;

use crate::helpers::TestApp;
use crate::pages::{form_token, log_in};

#[actix_web::test]
async fn a_listings_contact_is_its_own_private_until_shown_and_answers_an_accepted_interest() {
    for app in TestApp::each_backend().await {
        let researcher = app.account_with_role(Role::Researcher, "li@whut.edu.cn").await;
        let company = app.account_with_role(Role::Company, "ma@battery.cn").await;
        let created = app
            .post(
                "/api/v1/results",
                Some(&researcher),
                &json!({"title": "高镍正极材料表面包覆", "abstract": "表面包覆提高高镍三元正极材料的循环寿命和热稳定性。",
                    "maturity": "pilot", "status": "published",
                    "contact": {"name": "刘工", "phone": "13812345678"}}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert_eq!(created.body["contact"]["name"], "刘工", "the poster sees it: {}", created.body);
        let id = created.body["id"].as_i64().unwrap();
        let path = format!("/api/v1/results/{id}");

        // Private: nobody else sees it, not in a read, a list or the page.
        for viewer in [None, Some(company.as_str())] {
            let read = app.get(&path, viewer).await.body;
            assert!(read["contact"].is_null(), "{read}");
            let listed = app.get("/api/v1/results", viewer).await.body;
            assert!(listed["items"][0]["contact"].is_null(), "{listed}");
        }
        let (_, _, html) = app.page(Method::GET, &format!("/results/{id}"), "", None, None).await;
        assert!(html.contains("高镍正极材料表面包覆") && !html.contains("13812345678"), "{html}");

        // Accepted, the interest gives the listing's own contact, not the account.
        let sent = app
            .post(
                "/api/v1/interests",
                Some(&company),
                &json!({"listing_kind": "result", "listing_id": id, "purpose": "license", "message": "希望许可使用贵团队的正极包覆技术。"}),
            )
            .await;
        let interest = sent.body["id"].as_i64().unwrap();
        app.post(&format!("/api/v1/interests/{interest}/answer"), Some(&researcher), &json!({"decision": "accept"}))
            .await;
        let after = app.get(&format!("/api/v1/interests/{interest}"), Some(&company)).await.body;
        assert_eq!(
            (after["poster_contact"]["display_name"].as_str(), after["poster_contact"]["phone"].as_str()),
            (Some("刘工"), Some("13812345678")),
            "{after}"
        );

        // Shown publicly, everyone sees it; cleared, the organization answers again.
        let shown = app
            .patch(
                &path,
                Some(&researcher),
                &json!({"version": 1, "contact": {"name": "刘工", "phone": "13812345678", "public": true}}),
            )
            .await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        assert_eq!(app.get(&path, None).await.body["contact"]["phone"], "13812345678");
        let (_, _, html) = app.page(Method::GET, &format!("/results/{id}"), "", None, None).await;
        assert!(html.contains("刘工") && html.contains("13812345678"), "{html}");
        let cleared = app.patch(&path, Some(&researcher), &json!({"version": 2, "contact": null})).await;
        assert!(cleared.body["contact"].is_null(), "{}", cleared.body);

        // A contact needs a way to reach them; the refusal names the field and keeps what is stored.
        let refused = app.patch(&path, Some(&researcher), &json!({"version": 3, "contact": {"name": "刘工"}})).await;
        refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(refused.body.to_string().contains("contact_phone"), "{}", refused.body);
        assert_eq!(app.get(&path, Some(&researcher)).await.body["version"], 3);
        app.stop().await;
    }
}

#[actix_web::test]
async fn a_confidential_needs_contact_is_never_shown_publicly() {
    for app in TestApp::each_backend().await {
        let company = app.account_with_role(Role::Company, "ma@battery.cn").await;
        let contact = json!({"name": "赵经理", "email": "zhao@battery.cn", "public": true});
        let refused = app
            .post(
                "/api/v1/needs",
                Some(&company),
                &json!({"title": "保密：电池循环寿命", "description": "动力电池循环寿命不足，希望找到正极改性方案。",
                    "confidential": true, "contact": contact}),
            )
            .await;
        refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(refused.body.to_string().contains("confidential_need"), "{}", refused.body);

        // An open need shows it; made confidential while shown, it is refused, stored unchanged.
        let open = app
            .post(
                "/api/v1/needs",
                Some(&company),
                &json!({"title": "电池循环寿命提升", "description": "动力电池循环寿命不足，希望找到正极改性方案。", "contact": contact}),
            )
            .await;
        assert_eq!(open.status, StatusCode::CREATED, "{}", open.body);
        let path = format!("/api/v1/needs/{}", open.body["id"]);
        assert_eq!(app.get(&path, None).await.body["contact"]["email"], "zhao@battery.cn");
        let hidden = app.patch(&path, Some(&company), &json!({"version": 1, "confidential": true})).await;
        hidden.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(app.get(&path, None).await.body["confidential"], false);
        let private =
            json!({"version": 1, "confidential": true, "contact": {"name": "赵经理", "email": "zhao@battery.cn"}});
        let saved = app.patch(&path, Some(&company), &private).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
        assert_eq!(saved.body["contact"]["public"], false);
        app.stop().await;
    }
}

#[actix_web::test]
async fn the_listing_forms_keep_a_listings_contact() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let researcher_token = app.account_with_role(Role::Researcher, "li@whut.edu.cn").await;
    let researcher = log_in(&app, "founder-li@whut.edu.cn").await;
    let form = format!(
        "csrf={}&title=%E9%AB%98%E9%95%8D%E6%AD%A3%E6%9E%81&abstract=%E8%A1%A8%E9%9D%A2%E5%8C%85%E8%A6%86%E6%8F%90%E9%AB%98%E5%BE%AA%E7%8E%AF%E5%AF%BF%E5%91%BD%E3%80%82\
         &maturity=pilot&status=published&contact_name=%E5%88%98%E5%B7%A5&contact_phone=13812345678&contact_public=true",
        form_token(&app, &researcher).await
    );
    let (status, headers, page) = app.page(Method::POST, "/my/results/new", &researcher, None, Some(&form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let location = headers.get("location").unwrap().to_str().unwrap().to_owned();
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    let stored = app.get(&format!("/api/v1/results/{id}"), Some(&researcher_token)).await.body;
    assert_eq!((stored["contact"]["name"].as_str(), stored["contact"]["public"].as_bool()), (Some("刘工"), Some(true)));
    let (_, _, edit) = app.page(Method::GET, &format!("/results/{id}/edit"), &researcher, None, None).await;
    assert!(edit.contains("value=\"13812345678\""), "the edit form is filled: {edit}");

    // A name without a phone or an e-mail is refused beside the field, in the page's words.
    let form = format!(
        "csrf={}&version=1&title=%E9%AB%98%E9%95%8D%E6%AD%A3%E6%9E%81&abstract=%E8%A1%A8%E9%9D%A2%E5%8C%85%E8%A6%86%E6%8F%90%E9%AB%98%E5%BE%AA%E7%8E%AF%E5%AF%BF%E5%91%BD%E3%80%82\
         &maturity=pilot&status=published&contact_name=%E5%88%98%E5%B7%A5",
        form_token(&app, &researcher).await
    );
    let (status, _, page) =
        app.page(Method::POST, &format!("/results/{id}/edit"), &researcher, None, Some(&form)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("contact_phone-error"), "{page}");
    app.stop().await;
}
