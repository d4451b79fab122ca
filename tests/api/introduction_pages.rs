//! Introductions on the pages: officers from the suggestion queue, brokers from a match page;
//! both sides answer on their deals page; an introducer's portfolio and the funnel's credit.

use actix_web::http::{Method, StatusCode};
use serde_json::json;
use techmatch_domain::Role;

use crate::helpers::TestApp;
use crate::pages::{form_token, log_in};

#[actix_web::test]
async fn officers_introduce_a_pair_on_pages_and_both_sides_accept_there() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let researcher_token = app.account_with_role(Role::Researcher, "li@whut.edu.cn").await;
    let company_token = app.account_with_role(Role::Company, "ma@battery.cn").await;
    app.account_with_role(Role::LiaisonOfficer, "officer@kjj.gov.cn").await;
    let result = app
        .post(
            "/api/v1/results",
            Some(&researcher_token),
            &json!({"title": "高镍正极材料表面包覆", "abstract": "表面包覆提高高镍三元正极材料的循环寿命。", "maturity": "pilot", "status": "published"}),
        )
        .await;
    let need = app
        .post(
            "/api/v1/needs",
            Some(&company_token),
            &json!({"title": "保密：电池循环寿命提升", "description": "动力电池循环寿命不足，希望找到正极改性方案。", "confidential": true}),
        )
        .await;
    let officer = log_in(&app, "officer@kjj.gov.cn").await;
    let form = format!(
        "csrf={}&result_id={}&need_id={}&introduction_note=%E9%83%BD%E5%9C%A8%E5%81%9A%E6%AD%A3%E6%9E%81",
        form_token(&app, &officer).await,
        result.body["id"],
        need.body["id"]
    );
    let (status, headers, _) = app.page(Method::POST, "/introductions", &officer, None, Some(&form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers.get("location").unwrap(), "/my/deals?notice=done");

    let researcher = log_in(&app, "founder-li@whut.edu.cn").await;
    let (status, _, page) = app.page(Method::GET, "/my/deals", &researcher, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("一家企业的保密需求") && !page.contains("保密：电池循环寿命提升"), "{page}");
    assert!(page.contains("都在做正极"), "the officer's note: {page}");
    assert!(page.contains("1 次引荐等待您答复"), "what waits on the researcher: {page}");
    let introduction_action =
        page.split("action=\"/introductions/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let answer = |cookies: String| {
        let app = &app;
        let path = format!("/introductions/{introduction_action}");
        async move {
            let body = format!("csrf={}&decision=accept", form_token(app, &cookies).await);
            app.page(Method::POST, &path, &cookies, None, Some(&body)).await
        }
    };
    let (status, headers, _) = answer(researcher.clone()).await;
    assert_eq!(
        (status, headers.get("location").unwrap().to_str().unwrap()),
        (StatusCode::SEE_OTHER, "/my/deals?notice=done")
    );
    let company = log_in(&app, "founder-ma@battery.cn").await;
    let (status, _, _) = answer(company.clone()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = app.page(Method::GET, "/my/deals", &researcher, None, None).await;
    assert!(page.contains("保密：电池循环寿命提升"), "named once the company accepted: {page}");
    assert!(page.contains("居间引荐"), "the deal from the introduction: {page}");
    assert!(page.contains("目前没有等待您处理的事项"), "answered, nothing waits: {page}");
    app.stop().await;
}

#[actix_web::test]
async fn brokers_introduce_from_a_match_page_and_read_their_portfolio_and_credit() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let researcher_token = app.account_with_role(Role::Researcher, "li@whut.edu.cn").await;
    let company_token = app.account_with_role(Role::Company, "ma@battery.cn").await;
    app.account_with_role(Role::Broker, "zhou@ovtt.cn").await;
    app.account_with_role(Role::LiaisonOfficer, "officer@kjj.gov.cn").await;
    let result = app
        .post(
            "/api/v1/results",
            Some(&researcher_token),
            &json!({"title": "高镍正极材料表面包覆", "abstract": "表面包覆提高高镍三元正极材料的循环寿命和热稳定性。",
                "maturity": "pilot", "status": "published"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let need = app
        .post(
            "/api/v1/needs",
            Some(&company_token),
            &json!({"title": "正极材料循环寿命提升", "description": "动力电池高镍正极材料循环寿命不足，希望找到表面包覆改性方案。"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    app.index_settled().await;

    let broker = log_in(&app, "zhou@ovtt.cn").await;
    let (status, _, page) = app.page(Method::GET, &format!("/needs/{need}"), &broker, None, None).await;
    assert_eq!(status, StatusCode::OK);
    // The pages escape slashes in attributes.
    let link = |tail: &str| format!("&#x2f;needs&#x2f;{need}&#x2f;{tail}");
    assert!(page.contains(&link("matches")) && !page.contains(&link("edit")), "matches, but no editing: {page}");
    let (status, _, page) = app.page(Method::GET, &format!("/needs/{need}/matches"), &broker, None, None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("action=\"/introductions\"") && page.contains(&format!("name=\"result_id\" value=\"{result}\"")),
        "an introduction form on the broker's match card: {page}"
    );
    let company = log_in(&app, "founder-ma@battery.cn").await;
    let (_, _, page) = app.page(Method::GET, &format!("/needs/{need}/matches"), &company, None, None).await;
    assert!(!page.contains("introduction_note"), "the company does not introduce: {page}");

    let form = format!(
        "csrf={}&result_id={result}&need_id={need}&introduction_note=%E5%8C%85%E8%A6%86%E5%B7%A5%E8%89%BA",
        form_token(&app, &broker).await
    );
    let (status, headers, _) = app.page(Method::POST, "/introductions", &broker, None, Some(&form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers.get("location").unwrap(), "/my/deals?notice=done");
    let introductions = app.get("/api/v1/introductions", Some(&company_token)).await.body;
    let id = introductions["items"][0]["id"].as_i64().unwrap();
    for side in [&researcher_token, &company_token] {
        let answered =
            app.post(&format!("/api/v1/introductions/{id}/answer"), Some(side), &json!({"decision": "accept"})).await;
        assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
    }

    let (_, _, page) = app.page(Method::GET, "/my/deals", &broker, None, None).await;
    assert!(page.contains("我的引荐") && page.contains("您共引荐 1 次：双方都接受 1 次"), "{page}");
    assert!(page.contains("高镍正极材料表面包覆"), "the deal they introduced: {page}");
    let (_, _, page) = app.page(Method::GET, "/my/deals?lang=en", &broker, None, None).await;
    assert!(page.contains("You have made 1 introductions: 1 accepted by both sides"), "{page}");
    let (_, _, page) = app.page(Method::GET, "/my/deals", &company, None, None).await;
    assert!(!page.contains("我的引荐"), "companies have no portfolio: {page}");

    let officer = log_in(&app, "officer@kjj.gov.cn").await;
    let (status, _, page) = app.page(Method::GET, "/deals/funnel", &officer, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("职员 Staff (技术经纪人)"), "the broker credited by name and role: {page}");
    // Months are named as readers write them, in their language.
    let in_china = chrono::Utc::now() + chrono::Duration::hours(8);
    let month = format!("{}年{}月", chrono::Datelike::year(&in_china), chrono::Datelike::month(&in_china));
    assert!(page.contains(&month), "{month}: {page}");
    let (_, _, page) = app.page(Method::GET, "/deals/funnel?lang=en", &officer, None, None).await;
    assert!(page.contains(&in_china.format("%B %Y").to_string()), "{page}");
    app.stop().await;
}
