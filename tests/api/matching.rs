//! Ranked, explained matches over HTTP, and who may see them.

use actix_web::http::StatusCode;
use serde_json::{Value, json};
use techmatch_domain::Role;

use crate::helpers::{TestApp, suggested_pairs};

async fn post_result(app: &TestApp, token: &str, title: &str, abstract_text: &str, industry: &str) -> i64 {
    let created = app
        .post(
            "/api/v1/results",
            Some(token),
            &json!({"title": title, "abstract": abstract_text, "maturity": "small_batch", "status": "published",
                    "industry_codes": [industry], "transfer_modes": ["assignment"], "region_code": "420115"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body["id"].as_i64().unwrap()
}

/// Two results for greenhouses: one that opens and closes the windows by itself, one that
/// inspects by drone.
async fn post_greenhouse_results(app: &TestApp, researcher: &str) -> (i64, i64) {
    let greenhouse = post_result(
        app,
        researcher,
        "温室环境自动感应控制开闭窗系统",
        "根据温湿度传感器自动控制温室天窗开闭，减少人工巡检。",
        "01",
    )
    .await;
    let drone =
        post_result(app, researcher, "温室大棚无人机巡检", "无人机巡检温室大棚的覆膜破损和作物长势。", "01").await;
    (greenhouse, drone)
}

/// A third result on the same need: sensors that drive the windows.
async fn post_sensor_result(app: &TestApp, researcher: &str) -> i64 {
    post_result(app, researcher, "大棚温湿度无线传感网络", "低功耗无线传感器监测大棚温度湿度，联动自动开窗。", "01")
        .await
}

/// A farm's need, in its own words, that the first of those results solves.
async fn post_greenhouse_need(app: &TestApp, company: &str) -> i64 {
    let need = app
        .post(
            "/api/v1/needs",
            Some(company),
            &json!({"title": "大棚开窗关窗全靠人跑", "description": "温室大棚希望根据温度自动开关窗，减少人工。", "industry_codes": ["01"]}),
        )
        .await;
    assert_eq!(need.status, StatusCode::CREATED, "{}", need.body);
    need.body["id"].as_i64().unwrap()
}

/// A researcher with the two greenhouse results, a farm with its need, and a liaison officer.
struct GreenhouseScene {
    researcher: String,
    company: String,
    liaison: String,
    greenhouse: i64,
    drone: i64,
    need: i64,
}

async fn greenhouse_scene(app: &TestApp) -> GreenhouseScene {
    let researcher = app.account_with_role(Role::Researcher, "chen@hjagri.cn").await;
    let company = app.account_with_role(Role::Company, "wu@jxfarm.cn").await;
    let liaison = app.account_with_role(Role::LiaisonOfficer, "liaison@city.gov.cn").await;
    let (greenhouse, drone) = post_greenhouse_results(app, &researcher).await;
    let need = post_greenhouse_need(app, &company).await;
    GreenhouseScene { researcher, company, liaison, greenhouse, drone, need }
}

fn assert_explained(item: &Value) {
    let score = item["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score), "{item}");
    let features = item["features"].as_array().unwrap();
    assert_eq!(features.len(), 9, "{item}");
    let sum: f64 = features.iter().map(|feature| feature["contribution"].as_f64().unwrap()).sum();
    assert!((sum - score).abs() < 1e-6, "contributions sum to the score: {item}");
    assert!(features.iter().all(|feature| feature["label_zh"].is_string() && feature["label_en"].is_string()));
}

#[actix_web::test]
async fn a_need_finds_the_result_that_solves_it_with_an_explanation() {
    for app in TestApp::each_backend().await {
        let researcher = app.account_with_role(Role::Researcher, "chen@hjagri.cn").await;
        let company = app.account_with_role(Role::Company, "wu@jxfarm.cn").await;
        let greenhouse = post_result(
            &app,
            &researcher,
            "温室环境自动感应控制开闭窗系统",
            "根据温湿度传感器自动控制温室天窗开闭，减少人工巡检，支持手机远程监控。",
            "01",
        )
        .await;
        post_result(
            &app,
            &researcher,
            "水稻稻瘟病无人机多光谱诊断",
            "利用无人机多光谱影像早期识别稻瘟病，生成变量施药处方图。",
            "01",
        )
        .await;
        post_result(&app, &researcher, "高镍三元锂电池正极材料", "表面包覆提高高镍三元正极材料的循环寿命。", "38")
            .await;
        let need = app
            .post(
                "/api/v1/needs",
                Some(&company),
                &json!({"title": "二十多个大棚开窗关窗全靠人跑", "description": "大棚中午热了要开窗，下午降温要关窗，全靠人跑，希望能根据温度自动开关窗，手机上能看。",
                        "industry_codes": ["01"], "cooperation_modes": ["assignment"], "region_code": "420115"}),
            )
            .await;
        assert_eq!(need.status, StatusCode::CREATED, "{}", need.body);
        let matches = app.get(&format!("/api/v1/needs/{}/matches", need.body["id"]), Some(&company)).await;
        assert_eq!(matches.status, StatusCode::OK, "{}: {}", app.backend, matches.body);
        let items = matches.body["items"].as_array().unwrap();
        assert_eq!(items[0]["id"], greenhouse, "{}", matches.body);
        assert_eq!(items[0]["kind"], "result");
        assert!(
            !items.iter().any(|item| item["title"] == "高镍三元锂电池正极材料"),
            "unrelated results do not match: {}",
            matches.body
        );
        for item in items {
            assert_explained(item);
        }
        let terms: Vec<&str> =
            items[0]["matched_terms"].as_array().unwrap().iter().map(|term| term["term"].as_str().unwrap()).collect();
        assert!(terms.contains(&"温室") || terms.contains(&"开窗") || terms.contains(&"自动"), "{terms:?}");
        assert!(items[0]["matched_terms"][0]["fields"].as_array().is_some_and(|fields| !fields.is_empty()));

        // The other way round: the researcher's result finds the need (the company's write, in
        // the index for others after the indexer's next commit).
        app.index_settled().await;
        let back = app.get(&format!("/api/v1/results/{greenhouse}/matches?limit=5"), Some(&researcher)).await;
        assert_eq!(back.status, StatusCode::OK, "{}", back.body);
        assert_eq!(back.body["items"][0]["id"], need.body["id"]);
        assert_eq!(back.body["items"][0]["kind"], "need");
        app.stop().await;
    }
}

#[actix_web::test]
async fn matches_never_reveal_another_companys_confidential_need() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let researcher = app.account_with_role(Role::Researcher, "li@whut.edu.cn").await;
    let owner = app.account_with_role(Role::Company, "cto@battery.cn").await;
    let rival = app.account_with_role(Role::Company, "spy@rival.cn").await;
    let liaison = app.account_with_role(Role::LiaisonOfficer, "liaison@city.gov.cn").await;
    let result = post_result(
        &app,
        &researcher,
        "硫化物固态电解质膜制备",
        "硫化物固态电解质超薄膜的湿法涂布制备工艺，适配锂金属负极。",
        "38",
    )
    .await;
    let secret = app
        .post(
            "/api/v1/needs",
            Some(&owner),
            &json!({"title": "固态电解质膜量产工艺", "description": "保密：硫化物固态电解质膜的连续化量产工艺与设备。", "confidential": true}),
        )
        .await;
    let secret_id = secret.body["id"].clone();
    app.index_settled().await;

    let for_researcher = app.get(&format!("/api/v1/results/{result}/matches"), Some(&researcher)).await;
    assert_eq!(for_researcher.status, StatusCode::OK);
    assert!(!for_researcher.body.to_string().contains("固态电解质膜量产"), "{}", for_researcher.body);
    let for_staff = app.get(&format!("/api/v1/results/{result}/matches"), Some(&liaison)).await;
    assert_eq!(for_staff.body["items"][0]["id"], secret_id, "staff see the pair: {}", for_staff.body);

    let need_matches = format!("/api/v1/needs/{secret_id}/matches");
    assert_eq!(app.get(&need_matches, Some(&owner)).await.body["items"][0]["id"], result);
    app.get(&need_matches, Some(&rival)).await.assert_error(StatusCode::NOT_FOUND, "not_found");
    app.get(&need_matches, Some(&researcher)).await.assert_error(StatusCode::NOT_FOUND, "not_found");
    app.get(&format!("/api/v1/results/{result}/matches"), Some(&rival))
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");
    app.get(&format!("{need_matches}?limit=0"), Some(&owner))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    app.stop().await;
}

#[actix_web::test]
async fn suggestion_queue_decisions_and_reviews() {
    for app in TestApp::each_backend().await {
        let GreenhouseScene { researcher, company, liaison, greenhouse, drone, need: need_id } =
            greenhouse_scene(&app).await;
        app.index_settled().await;

        let queue = app.get("/api/v1/suggestions", Some(&liaison)).await;
        assert_eq!(queue.status, StatusCode::OK, "{}: {}", app.backend, queue.body);
        assert_eq!(queue.body["since"], Value::Null);
        let pairs = suggested_pairs(&queue.body);
        assert_eq!(pairs.first(), Some(&(need_id, greenhouse)), "{}", queue.body);
        assert!(pairs.contains(&(need_id, drone)), "{}", queue.body);
        assert_explained(&queue.body["items"][0]["match"]);

        let decide = |result: i64, decision: &str| json!({"need_id": need_id, "result_id": result, "decision": decision, "note": "联络员意见"});
        let rejected = app.post("/api/v1/suggestions/decisions", Some(&liaison), &decide(drone, "reject")).await;
        assert_eq!(rejected.status, StatusCode::CREATED, "{}", rejected.body);
        let shortlisted =
            app.post("/api/v1/suggestions/decisions", Some(&liaison), &decide(greenhouse, "shortlist")).await;
        assert_eq!(shortlisted.body["decision"], "shortlist");
        assert!(shortlisted.body["score"].as_f64().unwrap() > 0.0, "the pair's score is kept as feedback");
        let queue = app.get("/api/v1/suggestions", Some(&liaison)).await;
        assert!(
            queue.body["items"].as_array().unwrap().is_empty(),
            "decided pairs are not suggested again: {}",
            queue.body
        );

        app.post("/api/v1/suggestions/decisions", Some(&liaison), &decide(greenhouse, "maybe"))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        app.post(
            "/api/v1/suggestions/decisions",
            Some(&liaison),
            &json!({"need_id": 9999, "result_id": greenhouse, "decision": "reject"}),
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
        app.get("/api/v1/suggestions", Some(&company)).await.assert_error(StatusCode::FORBIDDEN, "forbidden");

        // After a review, only pairs with listings changed since appear.
        let marked =
            app.send(actix_web::http::Method::POST, "/api/v1/suggestions/reviewed", Some(&liaison), None).await;
        assert_eq!(marked.status, StatusCode::NO_CONTENT);
        let sensor = post_sensor_result(&app, &researcher).await;
        let queue = app.get("/api/v1/suggestions", Some(&liaison)).await;
        assert!(queue.body["since"].is_string());
        let results: Vec<i64> =
            queue.body["items"].as_array().unwrap().iter().map(|item| item["result"]["id"].as_i64().unwrap()).collect();
        assert_eq!(results, vec![sensor], "{}", queue.body);
        app.stop().await;
    }
}

#[actix_web::test]
async fn batch_matching_feeds_the_suggestion_queue() {
    for app in TestApp::each_backend().await {
        let GreenhouseScene { researcher, company: _, liaison, greenhouse, drone, need: need_id } =
            greenhouse_scene(&app).await;
        let sensor = post_sensor_result(&app, &researcher).await;
        app.index_settled().await;
        let reviewed = || app.send(actix_web::http::Method::POST, "/api/v1/suggestions/reviewed", Some(&liaison), None);
        let queue = || async {
            let queue = app.get("/api/v1/suggestions", Some(&liaison)).await;
            assert_eq!(queue.status, StatusCode::OK, "{}: {}", app.backend, queue.body);
            queue.body
        };
        let pairs = suggested_pairs;

        // Reviewed after the listings were written: nothing is new, so nothing is ranked.
        assert_eq!(reviewed().await.status, StatusCode::NO_CONTENT);
        assert_eq!(pairs(&queue().await), vec![], "{}", app.backend);

        // The batch finds the pairs after the review: they are new to the officer, explained.
        let summary = app.services.matches.refresh_stored_matches(20, |_, _| {}).await.unwrap();
        assert_eq!(summary.needs, 1, "{}", app.backend);
        assert!(summary.pairs >= 3, "{}: {summary:?}", app.backend);
        let body = queue().await;
        let found = pairs(&body);
        assert_eq!(found.first(), Some(&(need_id, greenhouse)), "{}: {body}", app.backend);
        assert!(found.contains(&(need_id, drone)) && found.contains(&(need_id, sensor)), "{body}");
        let best = &body["items"][0]["match"];
        assert_explained(best);
        let terms: Vec<&str> =
            best["matched_terms"].as_array().unwrap().iter().map(|term| term["term"].as_str().unwrap()).collect();
        assert!(terms.contains(&"温室"), "matched terms of a stored pair: {best}");

        // Stored pairs are checked against the listings as they are now, and against decisions.
        let archived = app
            .send(actix_web::http::Method::DELETE, &format!("/api/v1/results/{drone}"), Some(&researcher), None)
            .await;
        assert_eq!(archived.status, StatusCode::OK, "{}", archived.body);
        let decided = app
            .post(
                "/api/v1/suggestions/decisions",
                Some(&liaison),
                &json!({"need_id": need_id, "result_id": greenhouse, "decision": "reject"}),
            )
            .await;
        assert_eq!(decided.status, StatusCode::CREATED, "{}", decided.body);
        assert_eq!(pairs(&queue().await), vec![(need_id, sensor)], "{}", app.backend);

        // A later batch finds the sensor again; first found before this review, it is not new.
        assert_eq!(reviewed().await.status, StatusCode::NO_CONTENT);
        app.services.matches.refresh_stored_matches(20, |_, _| {}).await.unwrap();
        assert_eq!(pairs(&queue().await), vec![], "{}", app.backend);
        app.stop().await;
    }
}

#[actix_web::test]
async fn matching_crosses_languages_both_ways() {
    for app in TestApp::each_backend().await {
        let researcher = app.account_with_role(Role::Researcher, "smith@lab.edu").await;
        let company = app.account_with_role(Role::Company, "zhao@bearing.cn").await;
        // English results only: a Chinese need must still find the one that solves it.
        let bearing = post_result(
            &app,
            &researcher,
            "Rolling bearing fault diagnosis from vibration signals",
            "Deep learning on vibration signals detects rolling bearing faults early in wind turbines and motors.",
            "34",
        )
        .await;
        post_result(
            &app,
            &researcher,
            "Sweet potato storage rot prevention",
            "Controlled atmosphere and humidity keep stored sweet potatoes from rotting through the winter.",
            "01",
        )
        .await;
        let need = app
            .post(
                "/api/v1/needs",
                Some(&company),
                &json!({"title": "滚动轴承故障总是发现得太晚", "description": "风机和电机的滚动轴承坏了才发现，希望通过振动信号提前诊断故障。"}),
            )
            .await;
        assert_eq!(need.status, StatusCode::CREATED, "{}", need.body);
        let matches = app.get(&format!("/api/v1/needs/{}/matches", need.body["id"]), Some(&company)).await;
        assert_eq!(matches.status, StatusCode::OK, "{}", matches.body);
        assert_eq!(
            matches.body["items"][0]["id"], bearing,
            "a Chinese need finds the English result: {}",
            matches.body
        );
        let terms = matches.body["items"][0]["matched_terms"].to_string();
        assert!(terms.contains("bear") || terms.contains("vibrat"), "matched through English words: {terms}");
        // Each English word says which of the need's Chinese words it translates.
        let sources: Vec<(String, String)> = matches.body["items"][0]["matched_terms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|term| {
                let source = term["translated_from"].as_str().unwrap_or_else(|| panic!("no source: {term}"));
                (term["term"].as_str().unwrap().to_owned(), source.to_owned())
            })
            .collect();
        assert!(
            sources.iter().all(|(_, source)| {
                "滚动轴承故障总是发现得太晚风机和电机的滚动轴承坏了才发现，希望通过振动信号提前诊断故障。"
                    .contains(source.as_str())
            }),
            "{sources:?}"
        );
        assert!(
            sources.iter().any(|(term, source)| term.starts_with("bear") && source.contains("轴承")),
            "{sources:?}"
        );

        // And an English need finds a Chinese result, its terms naming the English words.
        let chinese =
            post_result(&app, &researcher, "滚动轴承早期故障预警", "基于振动信号的滚动轴承早期故障预警方法。", "34")
                .await;
        let need = app
            .post(
                "/api/v1/needs",
                Some(&company),
                &json!({"title": "Early warning of failing rolling bearings", "description": "Our motors' rolling bearings fail without warning."}),
            )
            .await;
        assert_eq!(need.status, StatusCode::CREATED, "{}", need.body);
        let matches = app.get(&format!("/api/v1/needs/{}/matches", need.body["id"]), Some(&company)).await;
        let item = matches.body["items"].as_array().unwrap().iter().find(|item| item["id"] == chinese);
        let item = item.unwrap_or_else(|| panic!("the Chinese result is matched: {}", matches.body));
        let translated: Vec<(&str, &str)> = item["matched_terms"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|term| Some((term["term"].as_str()?, term["translated_from"].as_str()?)))
            .collect();
        assert!(translated.contains(&("滚动轴承", "rolling bearing")), "{translated:?}");
        app.stop().await;
    }
}

/// The value of one feature of the match of `id` in a match list.
fn feature_of(list: &Value, id: i64, name: &str) -> f64 {
    let item = list["items"].as_array().unwrap().iter().find(|item| item["id"] == id).unwrap_or_else(|| {
        panic!("{id} is not among the matches: {list}");
    });
    let feature = item["features"].as_array().unwrap().iter().find(|feature| feature["name"] == name).unwrap();
    feature["value"].as_f64().unwrap()
}

#[actix_web::test]
async fn officers_decisions_feed_later_rankings_for_staff_only() {
    for app in TestApp::each_backend().await {
        let GreenhouseScene { researcher, company, liaison, greenhouse, drone, need: first_need } =
            greenhouse_scene(&app).await;
        let sensor = post_sensor_result(&app, &researcher).await;
        let second_need = post_greenhouse_need(&app, &company).await;
        app.index_settled().await;
        let matches = |need: i64, token: String| {
            let app = &app;
            async move {
                let list = app.get(&format!("/api/v1/needs/{need}/matches"), Some(&token)).await;
                assert_eq!(list.status, StatusCode::OK, "{}: {}", app.backend, list.body);
                list.body
            }
        };
        let before = matches(second_need, liaison.clone()).await;
        for id in [greenhouse, drone, sensor] {
            assert_eq!(feature_of(&before, id, "feedback"), 0.5, "{}: undecided", app.backend);
        }

        for (result, decision) in [(greenhouse, "shortlist"), (drone, "reject")] {
            let decided = app
                .post(
                    "/api/v1/suggestions/decisions",
                    Some(&liaison),
                    &json!({"need_id": first_need, "result_id": result, "decision": decision}),
                )
                .await;
            assert_eq!(decided.status, StatusCode::CREATED, "{}", decided.body);
        }

        // The other need's ranking, for the officer, carries the decisions on the first.
        let after = matches(second_need, liaison.clone()).await;
        assert!((feature_of(&after, greenhouse, "feedback") - 2.0 / 3.0).abs() < 1e-9, "{after}");
        assert!((feature_of(&after, drone, "feedback") - 1.0 / 3.0).abs() < 1e-9, "{after}");
        assert_eq!(feature_of(&after, sensor, "feedback"), 0.5, "{after}");
        let score = |list: &Value, id: i64| {
            list["items"].as_array().unwrap().iter().find(|item| item["id"] == id).unwrap()["score"].as_f64().unwrap()
        };
        assert!(score(&after, greenhouse) > score(&before, greenhouse), "{before}\n{after}");
        assert!(score(&after, drone) < score(&before, drone), "{before}\n{after}");
        for item in after["items"].as_array().unwrap() {
            assert_explained(item);
        }
        // A pair's own decision is not feedback on itself.
        let own = matches(first_need, liaison.clone()).await;
        assert_eq!(feature_of(&own, greenhouse, "feedback"), 0.5, "{own}");

        // Decisions are staff information: the company's own view of its need counts none.
        let owner = matches(second_need, company.clone()).await;
        for id in [greenhouse, drone, sensor] {
            assert_eq!(feature_of(&owner, id, "feedback"), 0.5, "{}: {owner}", app.backend);
        }
        // Nor does the researcher's view of the rejected result's needs.
        let needs = app.get(&format!("/api/v1/results/{drone}/matches"), Some(&researcher)).await;
        assert_eq!(needs.status, StatusCode::OK, "{}", needs.body);
        assert_eq!(feature_of(&needs.body, second_need, "feedback"), 0.5, "{}", needs.body);
        let staff_view = app.get(&format!("/api/v1/results/{drone}/matches"), Some(&liaison)).await;
        assert!(
            (feature_of(&staff_view.body, second_need, "feedback") - 1.0 / 3.0).abs() < 1e-9,
            "{}",
            staff_view.body
        );
        assert_eq!(feature_of(&staff_view.body, first_need, "feedback"), 0.5, "{}", staff_view.body);
        app.stop().await;
    }
}

#[actix_web::test]
async fn a_need_keyword_naming_the_result_field_counts_as_overlap() {
    for app in TestApp::each_backend().await {
        let researcher = app.account_with_role(Role::Researcher, "chen@hjagri.cn").await;
        let company = app.account_with_role(Role::Company, "wu@jxfarm.cn").await;
        let mut ids = Vec::new();
        for field in ["农业工程", "计算机科学"] {
            let created = app
                .post(
                    "/api/v1/results",
                    Some(&researcher),
                    &json!({"title": "温室天窗自动开闭控制", "abstract": "根据温度自动控制温室天窗开闭。",
                            "field": field, "maturity": "small_batch", "status": "published"}),
                )
                .await;
            assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
            ids.push(created.body["id"].as_i64().unwrap());
        }
        let need = app
            .post(
                "/api/v1/needs",
                Some(&company),
                &json!({"title": "温室天窗开闭", "description": "希望温室天窗根据温度自动开闭。", "keywords": ["农业工程"]}),
            )
            .await;
        assert_eq!(need.status, StatusCode::CREATED, "{}", need.body);
        let list = app.get(&format!("/api/v1/needs/{}/matches", need.body["id"]), Some(&company)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert_eq!(feature_of(&list.body, ids[0], "keywords"), 1.0, "{}: {}", app.backend, list.body);
        assert_eq!(feature_of(&list.body, ids[1], "keywords"), 0.0, "{}: {}", app.backend, list.body);
        assert_eq!(list.body["items"][0]["id"], ids[0], "the same text, the field decides: {}", list.body);
        app.stop().await;
    }
}

#[actix_web::test]
async fn stored_pairs_of_a_need_edited_since_the_batch_are_not_suggested() {
    for app in TestApp::each_backend().await {
        let GreenhouseScene { researcher, company, liaison, greenhouse, drone, need } = greenhouse_scene(&app).await;
        let battery = post_result(
            &app,
            &researcher,
            "高镍正极材料包覆改性",
            "锂电池高镍正极材料表面包覆，提高循环寿命和热稳定性。",
            "38",
        )
        .await;
        app.index_settled().await;
        let reviewed = app.send(actix_web::http::Method::POST, "/api/v1/suggestions/reviewed", Some(&liaison), None);
        assert_eq!(reviewed.await.status, StatusCode::NO_CONTENT);
        app.services.matches.refresh_stored_matches(20, |_, _| {}).await.unwrap();
        let queue = app.get("/api/v1/suggestions", Some(&liaison)).await;
        let found = suggested_pairs(&queue.body);
        assert!(found.contains(&(need, greenhouse)) && found.contains(&(need, drone)), "{}", queue.body);

        // The farm rewrites its need into a battery problem: the batch's greenhouse pairs, ranked
        // on the old text, go; the need is ranked again as it reads now.
        let edited = app
            .patch(
                &format!("/api/v1/needs/{need}"),
                Some(&company),
                &json!({"version": 1, "title": "电池正极循环寿命太短",
                        "description": "锂电池正极材料循环几百次容量就掉得厉害，希望改进正极材料。"}),
            )
            .await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        app.index_settled().await;
        let queue = app.get("/api/v1/suggestions", Some(&liaison)).await;
        assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
        assert_eq!(suggested_pairs(&queue.body), vec![(need, battery)], "{}: {}", app.backend, queue.body);
        app.stop().await;
    }
}

#[actix_web::test]
async fn stored_pairs_of_a_result_edited_among_many_are_ranked_again_not_lost() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let GreenhouseScene { researcher, liaison, greenhouse, need, .. } = greenhouse_scene(&app).await;
    app.index_settled().await;
    let reviewed = app.send(actix_web::http::Method::POST, "/api/v1/suggestions/reviewed", Some(&liaison), None);
    assert_eq!(reviewed.await.status, StatusCode::NO_CONTENT);
    app.services.matches.refresh_stored_matches(20, |_, _| {}).await.unwrap();
    // The greenhouse result is edited after the batch (its stored pair goes stale), and then
    // more results are posted than the on-demand part of the queue looks at (30), so it is not
    // among the listings ranked on demand.
    let edited = app
        .patch(
            &format!("/api/v1/results/{greenhouse}"),
            Some(&researcher),
            &json!({"version": 1, "keywords": ["温室", "天窗", "自动控制", "物联网"]}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    for index in 0..31 {
        post_result(&app, &researcher, &format!("陶瓷轴承材料第{index}号"), "氮化硅陶瓷轴承球的烧结工艺。", "30").await;
    }
    app.index_settled().await;
    let queue = app.get("/api/v1/suggestions?limit=50", Some(&liaison)).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    let found = suggested_pairs(&queue.body);
    assert!(found.contains(&(need, greenhouse)), "the stale pair is ranked again, not dropped: {}", queue.body);
    let item = queue.body["items"].as_array().unwrap().iter().find(|item| item["result"]["id"] == greenhouse).unwrap();
    assert!(
        item["match"]["matched_terms"].as_array().is_some_and(|terms| !terms.is_empty()),
        "ranked now, so explained as the listings read now: {item}"
    );
    app.stop().await;
}

#[actix_web::test]
async fn match_lists_take_the_search_filters() {
    for app in TestApp::each_backend().await {
        let GreenhouseScene { researcher, company, greenhouse, drone, need, .. } = greenhouse_scene(&app).await;
        let other_industry = post_result(
            &app,
            &researcher,
            "温室天窗电机驱动器",
            "温室大棚天窗开窗电机的驱动与控制器，根据温度自动开关窗。",
            "38",
        )
        .await;
        app.index_settled().await;
        let ids = |list: &Value| -> Vec<i64> {
            let items = list["items"].as_array().unwrap_or_else(|| panic!("not a match list: {list}"));
            items.iter().map(|item| item["id"].as_i64().unwrap()).collect()
        };
        let path = format!("/api/v1/needs/{need}/matches");
        let all = app.get(&path, Some(&company)).await;
        assert_eq!(all.status, StatusCode::OK, "{}", all.body);
        assert!(ids(&all.body).contains(&other_industry) && ids(&all.body).contains(&greenhouse), "{}", all.body);

        let farming = app.get(&format!("{path}?industry=01"), Some(&company)).await;
        assert_eq!(farming.status, StatusCode::OK, "{}", farming.body);
        let farming = ids(&farming.body);
        assert!(farming.contains(&greenhouse) && farming.contains(&drone), "{farming:?}");
        assert!(!farming.contains(&other_industry), "{}: {farming:?}", app.backend);
        let local = app.get(&format!("{path}?region=420000&maturity=small_batch&limit=2"), Some(&company)).await;
        assert_eq!(ids(&local.body).len(), 2, "{}", local.body);
        let elsewhere = app.get(&format!("{path}?region=110000"), Some(&company)).await;
        assert_eq!(ids(&elsewhere.body), Vec::<i64>::new(), "no result in Beijing: {}", elsewhere.body);

        let wrong = app.get(&format!("{path}?industry=farming&limit=0&transfer_mode=gift"), Some(&company)).await;
        wrong.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let fields: Vec<&str> = wrong.body["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|detail| detail["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, vec!["limit", "industry", "transfer_mode"], "{}", wrong.body);

        // The other way round: the farm's need is no open challenge.
        let needs_path = format!("/api/v1/results/{greenhouse}/matches");
        assert_eq!(ids(&app.get(&needs_path, Some(&researcher)).await.body), vec![need]);
        let challenges = app.get(&format!("{needs_path}?challenge=true"), Some(&researcher)).await;
        assert_eq!(challenges.status, StatusCode::OK, "{}", challenges.body);
        assert_eq!(ids(&challenges.body), Vec::<i64>::new(), "{}", challenges.body);
        app.stop().await;
    }
}
