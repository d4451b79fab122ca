//! Interests sent from the pages say where the listing was found: a company that follows a
//! match of its need to a result sends an interest "from a match", one that came by searching
//! sends one "from search", and the funnel counts their deals apart.

use actix_web::http::{Method, StatusCode};
use serde_json::json;

use crate::deals::pair;
use crate::helpers::TestApp;
use crate::pages::{form_token, log_in};

#[actix_web::test]
async fn an_interest_sent_from_a_match_page_counts_as_from_a_match() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let pair = pair(&app).await;
    let (researcher_token, company_token, result, need) =
        (&pair.researcher, &pair.company, pair.result_id, pair.need_id);
    app.index_settled().await;

    let company = log_in(&app, "founder-ma@battery.cn").await;
    let (status, _, page) = app.page(Method::GET, &format!("/needs/{need}/matches"), &company, None, None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let from_match = format!("href=\"/results/{result}?via=match\"");
    assert!(page.contains(&from_match), "the match links to the result as a match: {page}");
    let (_, _, page) = app.page(Method::GET, &format!("/results/{result}?via=match"), &company, None, None).await;
    assert!(page.contains("name=\"found_via\" value=\"match\""), "{page}");
    let (_, _, page) = app.page(Method::GET, &format!("/results/{result}"), &company, None, None).await;
    assert!(page.contains("name=\"found_via\" value=\"search\""), "reached otherwise, it was found by search: {page}");

    let form = format!(
        "csrf={}&listing_kind=result&listing_id={result}&found_via=match&purpose=license&message=%E5%B8%8C%E6%9C%9B%E8%AE%B8%E5%8F%AF%E4%BD%BF%E7%94%A8%E8%BF%99%E9%A1%B9%E5%8C%85%E8%A6%86%E6%8A%80%E6%9C%AF%E3%80%82",
        form_token(&app, &company).await
    );
    let (status, _, _) = app.page(Method::POST, "/interests", &company, None, Some(&form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let interests = app.get("/api/v1/interests", Some(company_token)).await.body;
    assert_eq!(interests["items"][0]["found_via"], "match", "{interests}");
    let id = interests["items"][0]["id"].as_i64().unwrap();
    let accepted = app
        .post(&format!("/api/v1/interests/{id}/answer"), Some(researcher_token), &json!({"decision": "accept"}))
        .await;
    let deal = app.get(&format!("/api/v1/deals/{}", accepted.body["deal_id"]), Some(company_token)).await;
    assert_eq!(deal.body["origin"], "interest_match", "{}", deal.body);

    // A made-up way of finding is refused with the field named.
    let refused = app
        .post(
            "/api/v1/interests",
            Some(company_token),
            &json!({"listing_kind": "result", "listing_id": result, "purpose": "license",
                "message": "希望许可使用这项包覆技术。", "found_via": "rumour"}),
        )
        .await;
    refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert!(refused.body.to_string().contains("found_via"), "{}", refused.body);
    app.stop().await;
}
