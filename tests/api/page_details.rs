//! Small things every page gets right: the site's icon where browsers look for it, listing
//! facts only when there is something to say, industries by name in the reader's language.

use actix_web::http::{Method, StatusCode};
use serde_json::json;
use techmatch_domain::Role;

use crate::helpers::TestApp;

#[actix_web::test]
async fn browsers_find_the_icon_and_listings_show_only_what_they_have_by_name() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let (status, headers, icon) = app.page(Method::GET, "/favicon.ico", "", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers.get("content-type").unwrap(), "image/svg+xml");
    assert!(icon.starts_with("<svg"), "{icon}");
    let (_, _, home) = app.page(Method::GET, "/", "", None, None).await;
    assert!(home.contains("rel=\"icon\""), "{home}");

    let company = app.account_with_role(Role::Company, "ma@battery.cn").await;
    let bare = app
        .post(
            "/api/v1/needs",
            Some(&company),
            &json!({"title": "大棚开窗自动控制", "description": "二十多个大棚开窗关窗全靠人工，想找自动控制的办法。"}),
        )
        .await;
    let (_, _, page) = app.page(Method::GET, &format!("/needs/{}", bare.body["id"]), "", None, None).await;
    assert!(page.contains("大棚开窗自动控制"), "{page}");
    assert!(!page.contains("<dt>关键词</dt>") && !page.contains("<dt>行业</dt>"), "no empty facts: {page}");

    let classified = app
        .post(
            "/api/v1/needs",
            Some(&company),
            &json!({"title": "电池包低温性能", "description": "电池包冬季低温续航下降明显，希望提高低温性能。",
                "keywords": ["低温"], "industry_codes": ["38"]}),
        )
        .await;
    let path = format!("/needs/{}", classified.body["id"]);
    let (_, _, page) = app.page(Method::GET, &path, "", None, None).await;
    assert!(page.contains("<dt>行业</dt><dd>电气机械和器材制造业</dd>"), "{page}");
    let (_, _, page) = app.page(Method::GET, &format!("{path}?lang=en"), "", None, None).await;
    assert!(page.contains("<dt>Industry</dt><dd>Electrical machinery and equipment</dd>"), "{page}");
    assert!(!page.contains("电气机械"), "the English page names it in English: {page}");
    app.stop().await;
}
