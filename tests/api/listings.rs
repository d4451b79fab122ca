//! Research results and technology needs over HTTP: lifecycle, versions, visibility (above all
//! of confidential needs), validation, challenges, and search kept in step with writes.

use actix_web::http::{Method, StatusCode};
use serde_json::{Value, json};
use techmatch_domain::Role;

use crate::helpers::{TestApp, TestResponse};

fn result_body(title: &str, abstract_text: &str) -> Value {
    json!({
        "title": title,
        "abstract": abstract_text,
        "keywords": ["锂电池", "正极材料"],
        "field": "材料科学与工程",
        "industry_codes": ["38"],
        "maturity": "pilot",
        "ip_items": [{"type": "invention_patent", "number": "ZL202110123456.7"}, {"type": "know_how"}],
        "transfer_modes": ["license", "assignment"],
        "asking_price_min": 500000,
        "asking_price_max": 2000000,
        "region_code": "420111",
        "status": "published"
    })
}

async fn search(app: &TestApp, token: Option<&str>, query: &str) -> TestResponse {
    let encoded: String = query
        .bytes()
        .map(|byte| if byte.is_ascii_alphanumeric() { (byte as char).to_string() } else { format!("%{byte:02X}") })
        .collect();
    app.get(&format!("/api/v1/search?q={encoded}"), token).await
}

#[actix_web::test]
async fn result_lifecycle_with_versions_on_every_backend() {
    for app in TestApp::each_backend().await {
        let researcher = app.account_with_role(Role::Researcher, "li@whut.edu.cn").await;
        let created = app
            .post(
                "/api/v1/results",
                Some(&researcher),
                &result_body("高镍三元锂电池正极材料", "一种高镍三元正极材料的表面包覆方法，显著提高循环寿命。"),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}: {}", app.backend, created.body);
        let id = created.body["id"].as_i64().unwrap();
        assert_eq!(created.body["version"], 1);
        assert_eq!(created.body["language"], "zh");
        assert_eq!(created.body["status"], "published");
        assert_eq!(created.body["industry_codes"], json!(["38"]));
        assert_eq!(created.body["transfer_modes"], json!(["assignment", "license"]));
        assert_eq!(created.body["ip_items"][0]["number"], "ZL202110123456.7");
        assert!(
            created.body["institution"].as_str().unwrap().starts_with("机构"),
            "defaults to the organization's name"
        );

        // Anyone reads a published result at once. The writer finds it in search as soon as the
        // write is answered (the search waits for the index); everyone after the next commit.
        assert_eq!(app.get(&format!("/api/v1/results/{id}"), None).await.status, StatusCode::OK);
        let found = search(&app, Some(&researcher), "锂电池 正极材料").await;
        assert_eq!(found.body["hits"][0]["id"], id, "{}", found.body);
        app.index_settled().await;
        let found = search(&app, None, "锂电池 正极材料").await;
        assert_eq!(found.body["hits"][0]["id"], id, "{}", found.body);

        let path = format!("/api/v1/results/{id}");
        let updated = app
            .patch(
                &path,
                Some(&researcher),
                &json!({"version": 1, "title": "Nickel-rich cathode coating 高镍正极包覆", "field": null}),
            )
            .await;
        assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
        assert_eq!(updated.body["version"], 2);
        assert_eq!(updated.body["field"], Value::Null);
        assert_eq!(updated.body["keywords"], json!(["锂电池", "正极材料"]), "untouched fields stay");

        let stale = app.patch(&path, Some(&researcher), &json!({"version": 1, "title": "覆盖别人的修改"})).await;
        stale.assert_error(StatusCode::CONFLICT, "version_conflict");
        assert_eq!(app.get(&path, None).await.body["title"], "Nickel-rich cathode coating 高镍正极包覆");

        let bad_range = app.patch(&path, Some(&researcher), &json!({"version": 2, "asking_price_min": 9000000})).await;
        bad_range.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(bad_range.body["error"]["details"][0]["field"], "asking_price_min");

        let archived = app.send(Method::DELETE, &format!("{path}?version=2"), Some(&researcher), None).await;
        assert_eq!(archived.status, StatusCode::OK, "{}", archived.body);
        assert_eq!(archived.body["status"], "archived");
        app.get(&path, None).await.assert_error(StatusCode::NOT_FOUND, "not_found");
        assert_eq!(app.get(&path, Some(&researcher)).await.status, StatusCode::OK, "the owner still sees it");
        assert_eq!(search(&app, None, "高镍").await.body["total"], 0, "archived results leave search");
        assert_eq!(app.get("/api/v1/results", None).await.body["total"], 0);
        app.stop().await;
    }
}

#[actix_web::test]
async fn drafts_are_private_until_published() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let researcher = app.account_with_role(Role::Researcher, "li@whut.edu.cn").await;
    let other = app.account_with_role(Role::Researcher, "wang@hust.edu.cn").await;
    let mut body = result_body("光纤传感器阵列", "分布式光纤传感器阵列用于桥梁健康监测。");
    body["status"] = json!("draft");
    let draft = app.post("/api/v1/results", Some(&researcher), &body).await;
    let path = format!("/api/v1/results/{}", draft.body["id"]);
    app.index_settled().await;
    app.get(&path, None).await.assert_error(StatusCode::NOT_FOUND, "not_found");
    app.get(&path, Some(&other)).await.assert_error(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(search(&app, Some(&other), "光纤传感器").await.body["total"], 0);
    assert_eq!(
        search(&app, Some(&researcher), "光纤传感器").await.body["total"],
        1,
        "own organization finds its draft"
    );
    let mine = app.get("/api/v1/results?mine=true", Some(&researcher)).await;
    assert_eq!(mine.body["total"], 1);
    app.patch(&path, Some(&researcher), &json!({"version": 1, "status": "published"})).await;
    assert_eq!(app.get(&path, None).await.status, StatusCode::OK);
    app.index_settled().await;
    assert_eq!(search(&app, None, "光纤传感器").await.body["total"], 1);
    app.stop().await;
}

#[actix_web::test]
async fn confidential_needs_are_invisible_to_other_companies_everywhere() {
    for app in TestApp::each_backend().await {
        let owner = app.account_with_role(Role::Company, "cto@battery.cn").await;
        let rival = app.account_with_role(Role::Company, "spy@rival.cn").await;
        let researcher = app.account_with_role(Role::Researcher, "li@whut.edu.cn").await;
        let liaison = app.account_with_role(Role::LiaisonOfficer, "liaison@city.gov.cn").await;
        let secret = app
            .post(
                "/api/v1/needs",
                Some(&owner),
                &json!({"title": "固态电池电解质膜量产工艺", "description": "保密项目：硫化物固态电解质膜的连续化量产工艺与设备。",
                        "industry_codes": ["38"], "confidential": true, "region_code": "420111"}),
            )
            .await;
        assert_eq!(secret.status, StatusCode::CREATED, "{}: {}", app.backend, secret.body);
        let public = app
            .post(
                "/api/v1/needs",
                Some(&owner),
                &json!({"title": "电池包热管理方案", "description": "寻找电池包液冷热管理的优化方案。", "industry_codes": ["36"]}),
            )
            .await;
        assert_eq!(public.status, StatusCode::CREATED);
        let secret_path = format!("/api/v1/needs/{}", secret.body["id"]);
        app.index_settled().await;

        for (label, token) in
            [("anonymous", None), ("rival", Some(rival.as_str())), ("researcher", Some(researcher.as_str()))]
        {
            app.get(&secret_path, token).await.assert_error(StatusCode::NOT_FOUND, "not_found");
            let listed = app.get("/api/v1/needs", token).await;
            assert_eq!(listed.body["total"], 1, "{label}: {}", listed.body);
            let everything = app.get("/api/v1/search?kind=needs", token).await;
            assert_eq!(everything.body["total"], 1, "{label}");
            assert_eq!(
                everything.body["facets"]["industry"],
                json!([{"value": "36", "count": 1}]),
                "{label}: facets leak nothing"
            );
            assert_eq!(everything.body["facets"]["region"], json!([]), "{label}");
            let targeted = search(&app, token, "固态电解质 量产").await;
            assert_eq!(targeted.body["total"], 0, "{label}: {}", targeted.body);
            assert!(!targeted.body.to_string().contains("硫化物"), "{label}: no snippet leaks");
            // Editing what one cannot see is indistinguishable from editing nothing.
            if let Some(token) = token {
                app.patch(&secret_path, Some(token), &json!({"version": 1, "confidential": false}))
                    .await
                    .assert_error(StatusCode::NOT_FOUND, "not_found");
            }
        }
        for token in [&owner, &liaison] {
            assert_eq!(app.get(&secret_path, Some(token)).await.status, StatusCode::OK);
            assert_eq!(app.get("/api/v1/needs", Some(token)).await.body["total"], 2);
            assert_eq!(search(&app, Some(token), "固态电解质 量产").await.body["hits"][0]["id"], secret.body["id"]);
        }
        // Declassifying makes it public, in search too (after the indexer's next commit).
        let opened = app.patch(&secret_path, Some(&owner), &json!({"version": 1, "confidential": false})).await;
        assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
        app.index_settled().await;
        assert_eq!(search(&app, Some(&rival), "固态电解质 量产").await.body["total"], 1);
        // Classifying it again hides it from everyone by the time the edit is answered.
        let closed = app.patch(&secret_path, Some(&owner), &json!({"version": 2, "confidential": true})).await;
        assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
        assert_eq!(search(&app, Some(&rival), "固态电解质 量产").await.body["total"], 0);
        app.stop().await;
    }
}

#[actix_web::test]
async fn challenge_applications_flow() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let company = app.account_with_role(Role::Company, "boss@farm.cn").await;
    let rival = app.account_with_role(Role::Company, "other@farm.cn").await;
    let team_a = app.account_with_role(Role::Researcher, "a@hzau.edu.cn").await;
    let team_b = app.account_with_role(Role::Researcher, "b@hzau.edu.cn").await;
    let need = app
        .post(
            "/api/v1/needs",
            Some(&company),
            &json!({"title": "二十多个大棚开窗关窗全靠人跑", "description": "希望大棚能根据温度湿度自动开关窗，减少人工。",
                    "industry_codes": ["01"], "challenge": {"bounty_yuan": 300000, "deadline": "2099-06-30"}}),
        )
        .await;
    assert_eq!(need.status, StatusCode::CREATED, "{}", need.body);
    assert_eq!(need.body["challenge"]["bounty_yuan"], 300000);
    let applications = format!("/api/v1/needs/{}/applications", need.body["id"]);
    let proposal = json!({"proposal": "我们有温室环境自动感应控制开闭窗系统的成熟方案。"});
    let first = app.post(&applications, Some(&team_a), &proposal).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.body["status"], "submitted");
    app.post(&applications, Some(&team_a), &proposal).await.assert_error(StatusCode::CONFLICT, "already_applied");
    let second = app.post(&applications, Some(&team_b), &proposal).await;
    assert_eq!(second.status, StatusCode::CREATED);
    app.post(&applications, Some(&team_b), &json!({"proposal": "短"}))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    app.get(&applications, Some(&team_a)).await.assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.get(&applications, Some(&rival)).await.assert_error(StatusCode::FORBIDDEN, "forbidden");
    let listed = app.get(&applications, Some(&company)).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 2);

    let shortlist = |id: &Value| format!("{applications}/{id}/shortlist");
    let chosen = app.send(Method::POST, &shortlist(&first.body["id"]), Some(&company), None).await;
    assert_eq!(chosen.body["status"], "shortlisted", "{}", chosen.body);
    let rechosen = app.send(Method::POST, &shortlist(&second.body["id"]), Some(&company), None).await;
    assert_eq!(rechosen.body["status"], "shortlisted");
    let listed = app.get(&applications, Some(&company)).await;
    let statuses: Vec<&str> =
        listed.body["items"].as_array().unwrap().iter().map(|item| item["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["submitted", "shortlisted"], "at most one shortlisted");
    app.send(Method::POST, &shortlist(&json!(99999)), Some(&company), None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");

    let plain = app
        .post(
            "/api/v1/needs",
            Some(&company),
            &json!({"title": "普通需求", "description": "这不是一个揭榜挂帅的需求。"}),
        )
        .await;
    app.post(&format!("/api/v1/needs/{}/applications", plain.body["id"]), Some(&team_a), &proposal)
        .await
        .assert_error(StatusCode::CONFLICT, "not_a_challenge");
    let challenges = app.get("/api/v1/needs?challenge=true", None).await;
    assert_eq!(challenges.body["total"], 1);
    app.stop().await;
}

#[actix_web::test]
async fn listing_validation_names_every_bad_field() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let researcher = app.account_with_role(Role::Researcher, "li@whut.edu.cn").await;
    let company = app.account_with_role(Role::Company, "c@car.cn").await;
    let response = app
        .post(
            "/api/v1/results",
            Some(&researcher),
            &json!({"title": " ", "abstract": "短", "maturity": "ready", "industry_codes": ["99"],
                    "asking_price_min": -5, "region_code": "999999", "transfer_modes": ["gift"],
                    "ip_items": [{"type": "invention_patent"}]}),
        )
        .await;
    response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> =
        response.body["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    for field in [
        "title",
        "abstract",
        "maturity",
        "industry_codes[0]",
        "asking_price_min",
        "region_code",
        "transfer_modes[0]",
        "ip_items[0].number",
    ] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
    let response = app
        .post(
            "/api/v1/needs",
            Some(&company),
            &json!({"title": "需求标题", "description": "需求的详细描述内容。", "budget_min": 10, "budget_max": 5,
                    "deadline": "2001-01-01", "challenge": {"bounty_yuan": 0, "deadline": "2099-01-01"}}),
        )
        .await;
    response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> =
        response.body["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["budget_min", "deadline", "challenge.bounty_yuan"]);
    app.post("/api/v1/results", Some(&researcher), &json!({"title": "x", "abstract": 5, "maturity": "lab"}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_body");
    app.post("/api/v1/needs", Some(&company), &json!({"title": "x", "description": "y", "owner_user_id": 1}))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "unknown_field");
    app.get("/api/v1/results?industry=99", None)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.get("/api/v1/search?kind=people", None)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.get("/api/v1/search?per_page=1000", None)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.get("/api/v1/results/abc", None).await.assert_error(StatusCode::BAD_REQUEST, "invalid_path");
    // A researcher cannot post for another institution.
    let response = app
        .post("/api/v1/results", Some(&researcher), &json!({"title": "别人的成果", "abstract": "为别的机构发布的成果摘要。", "maturity": "lab", "organization_id": 999}))
        .await;
    response.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.stop().await;
}

#[actix_web::test]
async fn staff_post_on_behalf_of_institutions() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let researcher = app.account_with_role(Role::Researcher, "li@whut.edu.cn").await;
    let liaison = app.account_with_role(Role::LiaisonOfficer, "liaison@city.gov.cn").await;
    let university = app.get("/api/v1/me", Some(&researcher)).await.body["organization_id"].clone();
    let without = app
        .post(
            "/api/v1/results",
            Some(&liaison),
            &json!({"title": "代发成果", "abstract": "联络员代为发布的研究成果。", "maturity": "lab"}),
        )
        .await;
    without.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let posted = app
        .post("/api/v1/results", Some(&liaison), &json!({"title": "代发成果", "abstract": "联络员代为发布的研究成果。", "maturity": "lab", "organization_id": university}))
        .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.body);
    assert_eq!(posted.body["organization_id"], university);
    // The institution's researchers see it among their organization's listings.
    let theirs =
        app.get(&format!("/api/v1/results?organization_id={university}&status=draft"), Some(&researcher)).await;
    assert_eq!(theirs.body["total"], 1, "{}", theirs.body);
    app.stop().await;
}

/// Posts results whose titles and abstracts alone carry their words, and waits for the index.
async fn post_results_without_keywords(app: &TestApp, researcher: &str, results: &[(&str, &str)]) {
    for (title, abstract_text) in results {
        let mut body = result_body(title, abstract_text);
        body["keywords"] = json!([]);
        let created = app.post("/api/v1/results", Some(researcher), &body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }
    app.index_settled().await;
}

#[actix_web::test]
async fn english_and_mixed_search_over_http() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let researcher = app.account_with_role(Role::Researcher, "li@whut.edu.cn").await;
    let results = [
        (
            "Lithium battery cathode coating",
            "A surface coating for nickel-rich lithium-ion battery cathodes that improves cycle life.",
        ),
        (
            "Greenhouse window automation",
            "Sensors open and close greenhouse windows automatically from temperature and humidity.",
        ),
        ("基于深度学习的钢板缺陷检测", "使用 deep learning 检测热轧钢板表面缺陷 (defect detection)。"),
    ];
    post_results_without_keywords(&app, &researcher, &results).await;
    let found = search(&app, None, "lithium battery cathode").await;
    assert_eq!(found.body["hits"][0]["title"], "Lithium battery cathode coating", "{}", found.body);
    assert!(found.body["hits"][0]["snippet"].as_str().unwrap().contains("<mark>"), "{}", found.body);
    let found = search(&app, None, "defect detection").await;
    assert_eq!(found.body["hits"][0]["title"], "基于深度学习的钢板缺陷检测");
    let found = search(&app, None, "缺陷检测").await;
    assert_eq!(found.body["hits"][0]["title"], "基于深度学习的钢板缺陷检测");
    assert_eq!(found.body["hits"][0]["kind"], "result");
    app.stop().await;
}

#[actix_web::test]
async fn cross_language_search_finds_the_other_languages_listings_on_request() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let researcher = app.account_with_role(Role::Researcher, "li@whut.edu.cn").await;
    let results = [
        ("食用菌工厂化栽培", "蘑菇工厂化栽培中的温湿度控制与菌种选育。"),
        ("Mushroom growing kits", "Indoor mushroom growing kits for restaurants."),
        ("Lithium battery cathode coating", "A surface coating for nickel-rich lithium battery cathodes."),
    ];
    post_results_without_keywords(&app, &researcher, &results).await;
    let titles = |body: &serde_json::Value| -> Vec<String> {
        body["hits"].as_array().unwrap().iter().map(|hit| hit["title"].as_str().unwrap().to_owned()).collect()
    };
    // "mushroom" is not in the glossary: the dictionary gives 蘑菇.
    let typed = app.get("/api/v1/search?q=mushroom&kind=results", None).await;
    assert_eq!(titles(&typed.body), vec!["Mushroom growing kits"], "{}", typed.body);
    let across = app.get("/api/v1/search?q=mushroom&kind=results&cross_language=true", None).await;
    assert_eq!(titles(&across.body), vec!["Mushroom growing kits", "食用菌工厂化栽培"], "{}", across.body);
    assert!(across.body["hits"][1]["snippet"].as_str().unwrap().contains("<mark>蘑菇"), "{}", across.body);
    // Chinese words find English listings through the glossary read backwards (锂电池).
    let chinese = "/api/v1/search?q=%E9%94%82%E7%94%B5%E6%B1%A0&kind=results";
    assert_eq!(app.get(chinese, None).await.body["total"], 0);
    let chinese = app.get(&format!("{chinese}&cross_language=true"), None).await;
    assert_eq!(titles(&chinese.body), vec!["Lithium battery cathode coating"], "{}", chinese.body);
    // And Chinese words the glossary lacks through the dictionary's meanings (蘑菇 → mushroom).
    let mushroom = app.get("/api/v1/search?q=%E8%98%91%E8%8F%87&kind=results&cross_language=true", None).await;
    let mut found = titles(&mushroom.body);
    found.sort();
    assert_eq!(found, vec!["Mushroom growing kits", "食用菌工厂化栽培"], "{}", mushroom.body);
    // The search page has it as a checkbox, kept in its facet links.
    let (_, _, html) = app.page(Method::GET, "/search?q=mushroom", "", Some("en"), None).await;
    assert!(html.contains("name=\"cross_language\"") && !html.contains("食用菌工厂化栽培"), "{html}");
    assert!(!html.contains("Search in the other language too"), "the typed word found something: {html}");
    // A search that finds nothing offers the other language.
    let (_, _, nothing) = app.page(Method::GET, "/search?q=orchard", "", Some("en"), None).await;
    assert!(
        nothing.contains("search?q=orchard&amp;cross_language=1\">Search in the other language too</a>"),
        "{nothing}"
    );
    let (_, _, html) = app.page(Method::GET, "/search?q=mushroom&cross_language=1", "", Some("en"), None).await;
    assert!(html.contains("食用菌工厂化栽培") && html.contains(" checked>"), "{html}");
    assert!(html.contains("&amp;cross_language=1&amp;") || html.contains("&cross_language=1&"), "{html}");
    app.get("/api/v1/search?q=mushroom&cross_language=perhaps", None)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_query");
    app.stop().await;
}

#[actix_web::test]
async fn exports_respect_visibility_in_csv_and_xlsx() {
    use calamine::Reader;
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let owner = app.account_with_role(Role::Company, "cto@battery.cn").await;
    for (title, confidential) in [("公开需求：电池回收", false), ("保密需求：固态电解质", true)] {
        let created = app
            .post("/api/v1/needs", Some(&owner), &json!({"title": title, "description": "需求描述，包含逗号,和\"引号\"。", "confidential": confidential, "keywords": ["电池", "回收"]}))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    }
    let (status, headers, csv) = app.download("/api/v1/export/needs?format=csv", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("content-disposition").unwrap().to_str().unwrap().contains("technology-needs.csv"));
    let text = String::from_utf8(csv).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 1, "anonymous export holds only the public need: {text}");
    assert_eq!(&records[0][1], "公开需求：电池回收");
    assert_eq!(&records[0][2], "需求描述，包含逗号,和\"引号\"。");
    assert_eq!(&records[0][3], "电池;回收");
    assert!(!text.contains("固态电解质"));

    let (status, headers, xlsx) = app.download("/api/v1/export/needs?format=xlsx", Some(&owner)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("content-type").unwrap().to_str().unwrap().contains("spreadsheetml"));
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let range = workbook.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(range.height(), 3, "header plus both needs for their owner");
    assert_eq!(range.get((0, 1)).unwrap().to_string(), "title");

    app.get("/api/v1/export/results?format=pdf", None)
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.stop().await;
}

#[actix_web::test]
async fn the_writer_finds_its_write_at_once_others_after_the_next_commit_and_hiding_is_immediate() {
    // Commits spaced ten minutes apart unless someone waits for one: "not yet searchable for
    // others" lasts as long as nobody waits, and a wait ends with a commit, not with the wait's
    // own 10 s bound.
    let app = TestApp::spawn_with(techmatch_store::testing::TestDatabase::sqlite(), |settings| {
        settings.search.min_commit_interval_ms = 600_000;
        settings.search.visibility_wait_ms = 10_000;
    })
    .await;
    let researcher = app.account_with_role(Role::Researcher, "spaced@lab.cn").await;
    let ids = |found: &TestResponse| -> Vec<i64> {
        found.body["hits"].as_array().unwrap().iter().map(|hit| hit["id"].as_i64().unwrap()).collect()
    };
    let post = |index: usize| {
        let body = json!({"title": format!("间隔提交的钙钛矿成果 {index}"), "abstract": "低温溶液法制备的钙钛矿电池成果。", "maturity": "lab", "status": "published"});
        let (app, researcher) = (&app, &researcher);
        async move {
            let response = app.post("/api/v1/results", Some(researcher), &body).await;
            assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
            response.body["id"].as_i64().unwrap()
        }
    };
    // The first write is committed at once (the indexer was idle); the next commit then waits
    // for the interval.
    let first = post(0).await;
    assert_eq!(ids(&search(&app, Some(&researcher), "钙钛矿").await), vec![first]);
    let second = post(1).await;
    assert!(
        !ids(&search(&app, None, "钙钛矿").await).contains(&second),
        "answered before the index has it: others do not find it yet"
    );
    let own = ids(&search(&app, Some(&researcher), "钙钛矿").await);
    assert!(own.contains(&first) && own.contains(&second), "the writer's search waits for its write: {own:?}");
    assert!(ids(&search(&app, None, "钙钛矿").await).contains(&second), "after that commit everyone finds it");

    // Hiding is answered only once nobody finds the listing any more, whatever the interval.
    let third = post(2).await;
    let archived = app.send(Method::DELETE, &format!("/api/v1/results/{second}"), Some(&researcher), None).await;
    assert_eq!(archived.status, StatusCode::OK, "{}", archived.body);
    let public = ids(&search(&app, None, "钙钛矿").await);
    assert!(!public.contains(&second), "archived is gone for everyone at once: {public:?}");
    assert!(public.contains(&third), "that commit carried the earlier write too: {public:?}");

    // Staff act on the whole platform: their reads through the index wait for everyone's writes.
    let liaison = app.account_with_role(Role::LiaisonOfficer, "staff@city.gov.cn").await;
    let fourth = post(3).await;
    assert!(!ids(&search(&app, None, "钙钛矿").await).contains(&fourth), "others do not find it yet");
    let staff = ids(&search(&app, Some(&liaison), "钙钛矿").await);
    assert!(staff.contains(&fourth), "staff find a write answered before their request: {staff:?}");
    // So does the suggestion queue: a need and a result written a moment ago are paired.
    let company = app.account_with_role(Role::Company, "buyer@panel.cn").await;
    let fifth = post(4).await;
    let need = app
        .post(
            "/api/v1/needs",
            Some(&company),
            &json!({"title": "钙钛矿电池成果转化", "description": "寻找低温溶液法钙钛矿电池技术。"}),
        )
        .await;
    assert_eq!(need.status, StatusCode::CREATED, "{}", need.body);
    let queue = app.get("/api/v1/suggestions", Some(&liaison)).await;
    let pairs = crate::helpers::suggested_pairs(&queue.body);
    assert!(pairs.contains(&(need.body["id"].as_i64().unwrap(), fifth)), "{}", queue.body);
    app.stop().await;
}
