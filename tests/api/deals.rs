//! From a listing to a deal: expressions of interest (sent, answered, reminded, expired) and
//! the deals they open, stage by stage, on both databases; who may see and do what.

use actix_web::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use techmatch_domain::Role;
use techmatch_domain::deal::DealStage;

use crate::helpers::{TestApp, TestResponse};

/// A researcher's published result and a company with a confidential need; their tokens and ids.
pub struct Pair {
    pub researcher: String,
    pub company: String,
    pub result_id: i64,
    pub need_id: i64,
}

pub async fn pair(app: &TestApp) -> Pair {
    let researcher = app.account_with_role(Role::Researcher, "li@whut.edu.cn").await;
    let company = app.account_with_role(Role::Company, "ma@battery.cn").await;
    let result = app
        .post(
            "/api/v1/results",
            Some(&researcher),
            &json!({"title": "高镍正极材料表面包覆", "abstract": "表面包覆提高高镍三元正极材料的循环寿命和热稳定性。",
                "maturity": "pilot", "status": "published"}),
        )
        .await;
    assert_eq!(result.status, StatusCode::CREATED, "{}", result.body);
    let need = app
        .post(
            "/api/v1/needs",
            Some(&company),
            &json!({"title": "保密：电池循环寿命提升", "description": "我们的动力电池循环寿命不足，希望找到正极改性方案。", "confidential": true}),
        )
        .await;
    assert_eq!(need.status, StatusCode::CREATED, "{}", need.body);
    Pair {
        researcher,
        company,
        result_id: result.body["id"].as_i64().unwrap(),
        need_id: need.body["id"].as_i64().unwrap(),
    }
}

fn interest_in(pair: &Pair) -> Value {
    json!({"listing_kind": "result", "listing_id": pair.result_id, "purpose": "license",
        "message": "我们希望许可使用贵团队的正极包覆技术，用于动力电池产线。", "related_kind": "need", "related_id": pair.need_id})
}

async fn stage(app: &TestApp, token: &str, deal: i64, body: Value) -> TestResponse {
    app.post(&format!("/api/v1/deals/{deal}/stage"), Some(token), &body).await
}

#[actix_web::test]
async fn an_accepted_interest_opens_a_deal_that_moves_to_a_registered_contract() {
    for app in TestApp::each_backend().await {
        let pair = pair(&app).await;
        let outsider = app.account_with_role(Role::Company, "rival@other.cn").await;
        let officer = app.account_with_role(Role::LiaisonOfficer, "officer@kjj.gov.cn").await;

        let sent = app.post("/api/v1/interests", Some(&pair.company), &interest_in(&pair)).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{}: {}", app.backend, sent.body);
        let interest = sent.body["id"].as_i64().unwrap();
        assert_eq!(sent.body["status"], "open");
        assert_eq!(sent.body["related_id"], pair.need_id, "the sender sees its own need");
        app.post("/api/v1/interests", Some(&pair.company), &interest_in(&pair))
            .await
            .assert_error(StatusCode::CONFLICT, "interest_open");

        // The researcher sees the interest but neither the confidential need nor any contact.
        let path = format!("/api/v1/interests/{interest}");
        let seen = app.get(&path, Some(&pair.researcher)).await;
        assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
        assert!(seen.body["related_id"].is_null() && seen.body["related_kind"].is_null(), "{}", seen.body);
        assert!(seen.body["sender_contact"].is_null() && seen.body["poster_contact"].is_null());
        assert!(!seen.body.to_string().contains("保密"), "the need's title never shows: {}", seen.body);
        assert_eq!(app.get("/api/v1/interests", Some(&pair.researcher)).await.body["total"], 1);
        app.get(&path, Some(&outsider)).await.assert_error(StatusCode::NOT_FOUND, "not_found");
        assert_eq!(app.get("/api/v1/interests", Some(&outsider)).await.body["total"], 0);
        let notices = app.get("/api/v1/notifications", Some(&pair.researcher)).await.body.to_string();
        assert!(notices.contains("interest_received"), "{notices}");

        // It waits on the researcher, not on the company that sent it.
        let waiting = |token: &str| {
            let token = token.to_owned();
            let app = &app;
            async move { app.get("/api/v1/me/waiting", Some(&token)).await.body["interests_to_answer"].clone() }
        };
        assert_eq!((waiting(&pair.researcher).await, waiting(&pair.company).await), (json!(1), json!(0)));

        // Only the poster answers; accepting shows both contacts and opens the deal.
        app.post(&format!("{path}/answer"), Some(&pair.company), &json!({"decision": "accept"}))
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden");
        let accepted =
            app.post(&format!("{path}/answer"), Some(&pair.researcher), &json!({"decision": "accept"})).await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        assert_eq!(accepted.body["status"], "accepted");
        assert_eq!(accepted.body["sender_contact"]["email"], "founder-ma@battery.cn");
        assert_eq!(accepted.body["poster_contact"]["email"], "founder-li@whut.edu.cn");
        let for_company = app.get(&path, Some(&pair.company)).await;
        assert_eq!(for_company.body["poster_contact"]["email"], "founder-li@whut.edu.cn");
        app.post(&format!("{path}/answer"), Some(&pair.researcher), &json!({"decision": "decline", "reason": "price"}))
            .await
            .assert_error(StatusCode::CONFLICT, "interest_answered");

        assert_eq!(waiting(&pair.researcher).await, json!(0), "answered, nothing waits");
        let deal = accepted.body["deal_id"].as_i64().unwrap();
        let opened = app.get(&format!("/api/v1/deals/{deal}"), Some(&pair.company)).await;
        assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
        assert_eq!(
            (opened.body["stage"].as_str(), opened.body["origin"].as_str()),
            (Some("introduced"), Some("interest_search"))
        );
        assert_eq!(
            (opened.body["result_id"].as_i64(), opened.body["need_id"].as_i64()),
            (Some(pair.result_id), Some(pair.need_id))
        );
        app.get(&format!("/api/v1/deals/{deal}"), Some(&outsider))
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        assert_eq!(app.get("/api/v1/deals", Some(&outsider)).await.body["total"], 0);
        assert_eq!(app.get("/api/v1/deals", Some(&pair.researcher)).await.body["total"], 1);
        assert_eq!(app.get("/api/v1/deals?stage=introduced", Some(&officer)).await.body["total"], 1);
        assert_eq!(app.get("/api/v1/deals?stage=closed", Some(&officer)).await.body["total"], 0);

        // Forward only, under a version; a contract with its amount and a date that has come.
        let moved =
            stage(&app, &pair.researcher, deal, json!({"version": 1, "stage": "in_talks", "note": "首次电话沟通"}))
                .await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
        assert_eq!(moved.body["version"], 2);
        stage(&app, &pair.company, deal, json!({"version": 1, "stage": "intent_signed"}))
            .await
            .assert_error(StatusCode::CONFLICT, "version_conflict");
        stage(&app, &pair.company, deal, json!({"version": 2, "stage": "introduced"}))
            .await
            .assert_error(StatusCode::CONFLICT, "stage_not_forward");
        let tomorrow = (Utc::now() + Duration::days(2)).date_naive().to_string();
        let refused = stage(
            &app,
            &pair.company,
            deal,
            json!({"version": 2, "stage": "contract_signed", "contract_amount_yuan": 0, "contract_date": tomorrow}),
        )
        .await;
        refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let signed_on = (Utc::now() - Duration::days(3)).date_naive();
        let signed = stage(
            &app,
            &pair.company,
            deal,
            json!({"version": 2, "stage": "contract_signed", "contract_type": "technology_license", "contract_amount_yuan": 800_000,
                "contract_date": signed_on.to_string(), "buyer_credit_code": "91440300708461136t"}),
        )
        .await;
        assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
        assert_eq!(signed.body["contract_amount_yuan"], 800_000);
        assert_eq!(signed.body["contract_type"], "technology_license");
        assert_eq!(signed.body["buyer_credit_code"], "91440300708461136T");
        // The company registered in Hangzhou (330106); the platform's region is Wuhan's.
        assert_eq!(signed.body["buyer_local"], false);
        let registration = |date: chrono::NaiveDate| {
            json!({"version": 3, "stage": "contract_registered", "note": "已登记", "registration_number": "2026420100000123",
                "registration_date": date.to_string(), "seller_credit_code": "91350100M000100Y43"})
        };
        stage(&app, &pair.company, deal, registration(signed_on))
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden");
        stage(&app, &outsider, deal, json!({"version": 3, "stage": "closed", "close_reason": "price"}))
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        let early = stage(&app, &officer, deal, registration(signed_on - Duration::days(1))).await;
        early.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(early.body["error"]["details"][0]["code"], "before_signing");
        let registered = stage(&app, &officer, deal, registration(signed_on + Duration::days(1))).await;
        assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
        assert_eq!(registered.body["registration_number"], "2026420100000123");
        assert_eq!(registered.body["seller_credit_code"], "91350100M000100Y43");
        assert_eq!(registered.body["buyer_credit_code"], "91440300708461136T", "kept from the signing");
        stage(&app, &officer, deal, json!({"version": 4, "stage": "closed", "close_reason": "other"}))
            .await
            .assert_error(StatusCode::CONFLICT, "deal_finished");
        let timeline: Vec<&str> = registered.body["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["to_stage"].as_str().unwrap())
            .collect();
        assert_eq!(timeline, ["introduced", "in_talks", "contract_signed", "contract_registered"]);

        // The registration's columns in the export; an outsider's file has none of it.
        let (status, _, file) = app.download("/api/v1/export/deals", Some(&officer)).await;
        assert_eq!(status, StatusCode::OK);
        let text = String::from_utf8(file).unwrap();
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1, "{text}");
        let cell = |name: &str| rows[0][header.iter().position(|column| column == name).unwrap()].to_owned();
        assert_eq!(cell("stage"), "contract_registered");
        assert_eq!(cell("contract_type"), "technology_license");
        assert_eq!(cell("contract_amount_yuan"), "800000");
        assert_eq!(cell("buyer_credit_code"), "91440300708461136T");
        assert_eq!(cell("registration_number"), "2026420100000123");
        assert_eq!(cell("buyer_local"), "false");
        assert_eq!(cell("buyer"), "机构 ma@battery.cn");
        let (_, _, outsiders) = app.download("/api/v1/export/deals", Some(&outsider)).await;
        assert_eq!(String::from_utf8(outsiders).unwrap().lines().count(), 1, "the header only");
        app.stop().await;
    }
}

#[actix_web::test]
async fn interests_go_from_the_right_side_to_the_right_listing_and_a_decline_frees_the_pair() {
    for app in TestApp::each_backend().await {
        let pair = pair(&app).await;
        let officer = app.account_with_role(Role::LiaisonOfficer, "officer@kjj.gov.cn").await;
        let message = "我们团队有相关技术积累，希望进一步交流合作可能。";
        // Researchers write to needs, companies to results; staff introduce instead.
        let on_result =
            json!({"listing_kind": "result", "listing_id": pair.result_id, "purpose": "pilot", "message": message});
        app.post("/api/v1/interests", Some(&pair.researcher), &on_result)
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden");
        app.post("/api/v1/interests", Some(&officer), &on_result)
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden");
        // A confidential need is not there for a researcher to write to.
        let on_need = json!({"listing_kind": "need", "listing_id": pair.need_id, "purpose": "joint_development", "message": message});
        app.post("/api/v1/interests", Some(&pair.researcher), &on_need)
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        let invalid = app
            .post(
                "/api/v1/interests",
                Some(&pair.company),
                &json!({"listing_kind": "patent", "listing_id": 1, "purpose": "buy", "message": "短"}),
            )
            .await;
        invalid.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        // The related listing must be the sender's own.
        let foreign = json!({"listing_kind": "result", "listing_id": pair.result_id, "purpose": "license", "message": message,
            "related_kind": "need", "related_id": pair.need_id + 1000});
        app.post("/api/v1/interests", Some(&pair.company), &foreign)
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

        let sent = app.post("/api/v1/interests", Some(&pair.company), &on_result).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
        let answer = format!("/api/v1/interests/{}/answer", sent.body["id"]);
        app.post(&answer, Some(&pair.researcher), &json!({"decision": "decline"}))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let declined = app
            .post(
                &answer,
                Some(&pair.researcher),
                &json!({"decision": "decline", "reason": "too_early", "note": "中试完成后再联系"}),
            )
            .await;
        assert_eq!(declined.status, StatusCode::OK, "{}", declined.body);
        assert_eq!(
            (declined.body["status"].as_str(), declined.body["decline_reason"].as_str()),
            (Some("declined"), Some("too_early"))
        );
        assert!(declined.body["sender_contact"].is_null() && declined.body["deal_id"].is_null(), "no contact, no deal");
        assert_eq!(app.get("/api/v1/deals", Some(&pair.company)).await.body["total"], 0);
        // Declined, the pair may try again.
        let again = app.post("/api/v1/interests", Some(&pair.company), &on_result).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
        app.stop().await;
    }
}

#[actix_web::test]
async fn unanswered_interests_are_reminded_once_and_then_expire() {
    for app in TestApp::each_backend().await {
        let pair = pair(&app).await;
        let sent = app.post("/api/v1/interests", Some(&pair.company), &interest_in(&pair)).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
        let id = techmatch_domain::deal::InterestId(sent.body["id"].as_i64().unwrap());
        let settings = &app.settings.deals;
        let sent_at = Utc::now();
        let deals = &app.services.deals;
        // The clock moves on: before the reminder nothing happens, then one reminder, once.
        let just_before = sent_at + Duration::days(i64::from(settings.interest_reminder_days)) - Duration::hours(1);
        assert_eq!(deals.sweep_interests(just_before).await.unwrap(), (0, 0));
        let reminded = sent_at + Duration::days(i64::from(settings.interest_reminder_days)) + Duration::hours(1);
        assert_eq!(deals.sweep_interests(reminded).await.unwrap(), (1, 0), "{}", app.backend);
        assert_eq!(deals.sweep_interests(reminded).await.unwrap(), (0, 0), "reminded once");
        let notices = app.get("/api/v1/notifications", Some(&pair.researcher)).await.body.to_string();
        assert!(notices.contains("interest_reminder"), "{notices}");

        // Past its time an interest cannot be answered, even before the sweep records it.
        let ended = sent_at + Duration::days(i64::from(settings.interest_expiry_days)) + Duration::hours(1);
        let researcher = app.services.accounts.authenticate(&pair.researcher).await.unwrap();
        let late = deals
            .answer_interest(&researcher, id, techmatch_domain::deal::InterestAnswer::Accept { note: None }, ended)
            .await;
        assert!(
            matches!(
                late,
                Err(techmatch_service::ServiceError::Conflict {
                    code: techmatch_service::ConflictCode::InterestExpired,
                    ..
                })
            ),
            "{late:?}"
        );
        assert_eq!(deals.interest(&researcher, id, ended).await.unwrap().interest.status.as_str(), "expired");
        assert_eq!(deals.sweep_interests(ended).await.unwrap(), (0, 1));
        assert_eq!(deals.sweep_interests(ended).await.unwrap(), (0, 0));
        // Now expired for everyone, on the API's own clock too, and the sender was told.
        let seen = app.get(&format!("/api/v1/interests/{}", id.0), Some(&pair.company)).await;
        assert_eq!(seen.body["status"], "expired", "{}", seen.body);
        app.post(&format!("/api/v1/interests/{}/answer", id.0), Some(&pair.researcher), &json!({"decision": "accept"}))
            .await
            .assert_error(StatusCode::CONFLICT, "interest_expired");
        let notices = app.get("/api/v1/notifications", Some(&pair.company)).await.body.to_string();
        assert!(notices.contains("interest_expired"), "{notices}");
        // An expired interest frees the pair.
        let again = app.post("/api/v1/interests", Some(&pair.company), &interest_in(&pair)).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
        app.stop().await;
    }
}

#[actix_web::test]
async fn the_funnel_counts_the_deals_of_its_period_as_the_test_counts_them() {
    for app in TestApp::each_backend().await {
        let researcher = app.account_with_role(Role::Researcher, "li@whut.edu.cn").await;
        let company = app.account_with_role(Role::Company, "ma@battery.cn").await;
        let officer = app.account_with_role(Role::LiaisonOfficer, "officer@kjj.gov.cn").await;
        let signed_on = (Utc::now() - Duration::days(2)).date_naive().to_string();
        // Each deal's path after it opens, and its contract amount.
        let plans: [(&[&str], i64); 4] = [
            (&[], 0),
            (&["in_talks", "closed"], 0),
            (&["in_talks", "nda_signed", "intent_signed"], 0),
            (&["in_talks", "intent_signed", "contract_signed", "contract_registered"], 600_000),
        ];
        for (index, (path, amount)) in plans.iter().enumerate() {
            let result = app
                .post(
                    "/api/v1/results",
                    Some(&researcher),
                    &json!({"title": format!("漏斗测试成果 {index}"), "abstract": "用于漏斗统计测试的已发布科研成果。", "maturity": "pilot", "status": "published",
                            "industry_codes": if index % 2 == 0 { json!(["38"]) } else { json!([]) }}),
                )
                .await;
            let interest = app
                .post(
                    "/api/v1/interests",
                    Some(&company),
                    &json!({"listing_kind": "result", "listing_id": result.body["id"], "purpose": "license", "message": "希望就这项成果进一步洽谈合作。",
                            "found_via": if index % 2 == 1 { "match" } else { "search" }}),
                )
                .await;
            assert_eq!(interest.body["found_via"], if index % 2 == 1 { "match" } else { "search" });
            let accepted = app
                .post(
                    &format!("/api/v1/interests/{}/answer", interest.body["id"]),
                    Some(&researcher),
                    &json!({"decision": "accept"}),
                )
                .await;
            let deal = accepted.body["deal_id"].as_i64().unwrap();
            for (step, next) in path.iter().enumerate() {
                let mut body = json!({"version": step + 1, "stage": next});
                match *next {
                    "closed" => body["close_reason"] = json!("price"),
                    "contract_signed" => {
                        body["contract_type"] = json!("technology_transfer");
                        body["contract_amount_yuan"] = json!(amount);
                        body["contract_date"] = json!(signed_on);
                    }
                    "contract_registered" => {
                        body["registration_number"] = json!(format!("2026420100{index:06}"));
                        body["registration_date"] = json!(signed_on);
                    }
                    _ => {}
                }
                let mover = if *next == "contract_registered" { &officer } else { &company };
                let moved = stage(&app, mover, deal, body).await;
                assert_eq!(moved.status, StatusCode::OK, "{}: {}", app.backend, moved.body);
            }
        }

        // What the test expects, counted from its own plans: the chain without the optional NDA.
        let chain = ["introduced", "in_talks", "intent_signed", "contract_signed", "contract_registered"];
        let furthest = |path: &[&str]| {
            path.iter().filter_map(|stage| chain.iter().position(|step| step == stage)).max().unwrap_or(0)
        };
        let reached: Vec<u64> = (0..chain.len())
            .map(|step| plans.iter().filter(|(path, _)| furthest(path) >= step).count() as u64)
            .collect();
        let contract_amount: i64 = plans.iter().map(|(_, amount)| amount).sum();

        let today = Utc::now().date_naive();
        let period = format!("from={}&to={}", today - Duration::days(1), today + Duration::days(1));
        let funnel = app.get(&format!("/api/v1/deals/funnel?{period}"), Some(&officer)).await;
        assert_eq!(funnel.status, StatusCode::OK, "{}", funnel.body);
        let all = &funnel.body["all"];
        assert_eq!(all["deals"], plans.len());
        let stages: Vec<u64> =
            all["stages"].as_array().unwrap().iter().map(|stage| stage["reached"].as_u64().unwrap()).collect();
        assert_eq!(stages, reached, "{}", funnel.body);
        for (index, stage) in all["stages"].as_array().unwrap().iter().enumerate().skip(1) {
            let expected = reached[index] as f64 / reached[index - 1] as f64;
            assert!((stage["conversion"].as_f64().unwrap() - expected).abs() < 1e-9, "{stage}");
        }
        assert_eq!(all["contract_amount_yuan"], contract_amount);
        assert_eq!(all["registered_amount_yuan"], contract_amount);
        assert_eq!(all["now_at"]["closed"], 1);
        assert_eq!(all["local_share"].as_f64(), Some(0.0), "the buyer is in Hangzhou, not Wuhan");
        // The odd deals' interests were sent from the company's matches, the others after a search.
        let from_match = (0..plans.len()).filter(|index| index % 2 == 1).count();
        assert_eq!(funnel.body["by_origin"]["interest_match"]["deals"], from_match, "{}", funnel.body["by_origin"]);
        assert_eq!(funnel.body["by_origin"]["interest_search"]["deals"], plans.len() - from_match);
        assert_eq!(funnel.body["by_province"]["33"]["deals"], plans.len());
        // Every deal opened this month (China time); the even ones' results are in division 38.
        let month = (Utc::now() + Duration::hours(8)).format("%Y-%m").to_string();
        assert_eq!(funnel.body["by_month"][&month]["deals"], plans.len(), "{}", funnel.body["by_month"]);
        let in_38 = (0..plans.len()).filter(|index| index % 2 == 0).count();
        assert_eq!(funnel.body["by_industry"]["38"]["deals"], in_38, "{}", funnel.body["by_industry"]);
        assert_eq!(funnel.body["by_industry"]["unclassified"]["deals"], plans.len() - in_38);

        // Another period has none of them; the bureau's figures are staff's; a workbook too.
        let before = today - Duration::days(30);
        let empty = app.get(&format!("/api/v1/deals/funnel?from={before}&to={before}"), Some(&officer)).await;
        assert_eq!(empty.body["all"]["deals"], 0, "{}", empty.body);
        app.get(&format!("/api/v1/deals/funnel?{period}"), Some(&company))
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden");
        app.get(&format!("/api/v1/deals/funnel?from={today}&to={before}"), Some(&officer))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let (status, headers, workbook) =
            app.download(&format!("/api/v1/deals/funnel?{period}&format=xlsx"), Some(&officer)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("content-type").unwrap().to_str().unwrap().contains("spreadsheetml"));
        assert!(workbook.starts_with(b"PK"), "a zip container");
        app.stop().await;
    }
}

#[actix_web::test]
async fn the_parties_write_in_their_interest_and_deal_threads_and_nobody_else_reads_them() {
    for app in TestApp::each_backend().await {
        let pair = pair(&app).await;
        let outsider = app.account_with_role(Role::Company, "rival@other.cn").await;
        let officer = app.account_with_role(Role::LiaisonOfficer, "officer@kjj.gov.cn").await;
        let sent = app.post("/api/v1/interests", Some(&pair.company), &interest_in(&pair)).await;
        let interest = sent.body["id"].as_i64().unwrap();
        let thread = format!("/api/v1/interests/{interest}/messages");
        let asked = app.post(&thread, Some(&pair.researcher), &json!({"body": "请问贵公司的产线规模多大？"})).await;
        assert_eq!(asked.status, StatusCode::CREATED, "{}: {}", app.backend, asked.body);
        let read = app.get(&thread, Some(&pair.company)).await;
        assert_eq!(read.body["items"][0]["body"], "请问贵公司的产线规模多大？", "{}", read.body);
        assert_eq!(read.body["items"][0]["author_name"], "测试用户 Test User");
        let notices = app.get("/api/v1/notifications", Some(&pair.company)).await.body.to_string();
        assert!(notices.contains("message_received"), "{notices}");
        app.get(&thread, Some(&outsider)).await.assert_error(StatusCode::NOT_FOUND, "not_found");
        app.post(&thread, Some(&outsider), &json!({"body": "我也想看看"}))
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        app.post(&thread, Some(&pair.company), &json!({"body": "  "}))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

        let accepted = app
            .post(
                &format!("/api/v1/interests/{interest}/answer"),
                Some(&pair.researcher),
                &json!({"decision": "accept"}),
            )
            .await;
        let deal_thread = format!("/api/v1/deals/{}/messages", accepted.body["deal_id"]);
        for (token, body) in [
            (&pair.company, "下周三来实验室看样品可以吗？"),
            (&pair.researcher, "可以，上午十点。"),
            (&officer, "我可以协助安排场地。"),
        ] {
            let posted = app.post(&deal_thread, Some(token), &json!({"body": body})).await;
            assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.body);
        }
        let bodies: Vec<String> = app.get(&deal_thread, Some(&pair.researcher)).await.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|message| message["body"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            bodies,
            ["下周三来实验室看样品可以吗？", "可以，上午十点。", "我可以协助安排场地。"],
            "oldest first"
        );
        app.get(&deal_thread, Some(&outsider)).await.assert_error(StatusCode::NOT_FOUND, "not_found");
        app.stop().await;
    }
}

#[actix_web::test]
async fn stalled_deals_are_those_unchanged_for_a_while_and_unfinished_the_quietest_first() {
    for app in TestApp::each_backend().await {
        let pair = pair(&app).await;
        let officer = app.account_with_role(Role::LiaisonOfficer, "officer@kjj.gov.cn").await;
        let sent = app.post("/api/v1/interests", Some(&pair.company), &interest_in(&pair)).await;
        let fresh = app
            .post(
                &format!("/api/v1/interests/{}/answer", sent.body["id"]),
                Some(&pair.researcher),
                &json!({"decision": "accept"}),
            )
            .await
            .body["deal_id"]
            .as_i64()
            .unwrap();
        let organization = |token: &str| {
            let token = token.to_owned();
            let app = &app;
            async move {
                techmatch_domain::OrganizationId(
                    app.get("/api/v1/me", Some(&token)).await.body["organization_id"].as_i64().unwrap(),
                )
            }
        };
        let (research, company) = (organization(&pair.researcher).await, organization(&pair.company).await);
        // Deals recorded earlier: a quiet one in talks for 30 days, a quieter one for 60, and a
        // registered one, finished, as old.
        let old = |days: i64, stage: DealStage| techmatch_store::BulkDeal {
            result_id: None,
            need_id: None,
            research_organization: research,
            company_organization: company,
            buyer_region: techmatch_domain::RegionCode::from_trusted("330106".into()),
            industry_code: None,
            stage,
            furthest_stage: stage,
            origin: techmatch_domain::deal::DealOrigin::EventMeeting,
            introducer: None,
            contract_type: None,
            contract_amount_yuan: None,
            contract_date: None,
            buyer_local: None,
            registration_number: None,
            registration_date: None,
            created_at: Utc::now() - Duration::days(days),
            updated_at: Utc::now() - Duration::days(days),
            timeline: Vec::new(),
        };
        app.store.insert_deals_in_bulk(&[old(30, DealStage::InTalks)]).await.unwrap();
        // Another pair key: a different result each.
        let mut quieter = old(60, DealStage::IntentSigned);
        quieter.result_id = Some(techmatch_domain::listing::ResultId(pair.result_id));
        let mut finished = old(60, DealStage::ContractRegistered);
        finished.need_id = Some(techmatch_domain::listing::NeedId(pair.need_id));
        app.store.insert_deals_in_bulk(&[quieter, finished]).await.unwrap();

        let stalled = app.get("/api/v1/deals?stalled_days=14", Some(&officer)).await;
        let stages: Vec<&str> =
            stalled.body["items"].as_array().unwrap().iter().map(|deal| deal["stage"].as_str().unwrap()).collect();
        assert_eq!(stages, ["intent_signed", "in_talks"], "{}: {}", app.backend, stalled.body);
        assert!(!stalled.body.to_string().contains(&format!("\"id\":{fresh},")), "the fresh deal is not stalled");
        assert_eq!(app.get("/api/v1/deals?stalled_days=45", Some(&pair.company)).await.body["total"], 1);
        // What waits on each: the two quiet deals (deals.stalled_after_days is 14 by default).
        for token in [&pair.company, &officer] {
            let waiting = app.get("/api/v1/me/waiting", Some(token)).await.body;
            assert_eq!(waiting["stalled_deals"], 2, "{waiting}");
            assert_eq!(waiting["interests_to_answer"], 0, "{waiting}");
        }
        app.get("/api/v1/deals?stalled_days=0", Some(&officer))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        app.stop().await;
    }
}
