//! Introductions by liaison officers and technology brokers: both sides answer, the second
//! acceptance opens the deal with its introducer; a confidential need stays unnamed to the
//! research side until the company accepts, and brokers see only what the public sees; the
//! introducer's portfolio and the funnel's credit. On both databases.

use actix_web::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::json;
use techmatch_domain::Role;

use crate::deals::pair;
use crate::helpers::TestApp;

#[actix_web::test]
async fn an_introduction_opens_a_deal_once_both_sides_accept_and_hides_a_confidential_need_until_then() {
    for app in TestApp::each_backend().await {
        let pair = pair(&app).await;
        let officer = app.account_with_role(Role::LiaisonOfficer, "officer@kjj.gov.cn").await;
        let outsider = app.account_with_role(Role::Company, "rival@other.cn").await;
        let officer_id = app.get("/api/v1/me", Some(&officer)).await.body["id"].as_i64().unwrap();
        let body =
            json!({"result_id": pair.result_id, "need_id": pair.need_id, "note": "两家都在做高镍正极，值得当面谈谈。"});
        app.post("/api/v1/introductions", Some(&pair.company), &body)
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden");
        let made = app.post("/api/v1/introductions", Some(&officer), &body).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}: {}", app.backend, made.body);
        let id = made.body["id"].as_i64().unwrap();
        app.post("/api/v1/introductions", Some(&officer), &body)
            .await
            .assert_error(StatusCode::CONFLICT, "introduction_open");

        // The research side does not learn the confidential need, nor its company, yet.
        let seen = app.get("/api/v1/introductions", Some(&pair.researcher)).await;
        let item = &seen.body["items"][0];
        assert_eq!(item["note"], "两家都在做高镍正极，值得当面谈谈。", "{}", seen.body);
        assert!(
            item["need_title"].is_null() && item["company_organization"].is_null() && item["need_id"].is_null(),
            "{item}"
        );
        assert!(!seen.body.to_string().contains("保密"), "{}", seen.body);
        assert_eq!(
            app.get("/api/v1/introductions", Some(&pair.company)).await.body["items"][0]["need_title"],
            "保密：电池循环寿命提升"
        );
        assert_eq!(app.get("/api/v1/introductions", Some(&outsider)).await.body["total"], 0);
        let notices = app.get("/api/v1/notifications", Some(&pair.researcher)).await.body.to_string();
        assert!(notices.contains("introduction_received") && !notices.contains("保密"), "{notices}");

        let answer = format!("/api/v1/introductions/{id}/answer");
        app.post(&answer, Some(&outsider), &json!({"decision": "accept"}))
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        app.post(&answer, Some(&officer), &json!({"decision": "accept"}))
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden");
        let introductions_waiting = |token: &str| {
            let token = token.to_owned();
            let app = &app;
            async move { app.get("/api/v1/me/waiting", Some(&token)).await.body["introductions_to_answer"].clone() }
        };
        assert_eq!(introductions_waiting(&pair.researcher).await, json!(1));
        assert_eq!(introductions_waiting(&pair.company).await, json!(1));
        let first = app.post(&answer, Some(&pair.researcher), &json!({"decision": "accept"})).await;
        assert_eq!(introductions_waiting(&pair.researcher).await, json!(0), "answered on the research side");
        assert_eq!(introductions_waiting(&pair.company).await, json!(1), "still waits on the company");
        assert_eq!(
            (first.body["status"].as_str(), first.body["research_answer"].as_str()),
            (Some("open"), Some("accepted")),
            "{}",
            first.body
        );
        assert!(first.body["deal_id"].is_null());
        app.post(&answer, Some(&pair.researcher), &json!({"decision": "decline"}))
            .await
            .assert_error(StatusCode::CONFLICT, "introduction_answered");
        let both = app.post(&answer, Some(&pair.company), &json!({"decision": "accept"})).await;
        assert_eq!(both.body["status"], "accepted", "{}", both.body);
        let deal = app.get(&format!("/api/v1/deals/{}", both.body["deal_id"]), Some(&pair.researcher)).await.body;
        assert_eq!(
            (deal["origin"].as_str(), deal["introducer_user_id"].as_i64()),
            (Some("introduction"), Some(officer_id)),
            "{deal}"
        );
        let now_seen = app.get("/api/v1/introductions", Some(&pair.researcher)).await;
        assert_eq!(
            now_seen.body["items"][0]["need_title"], "保密：电池循环寿命提升",
            "named once the company accepted"
        );
        // The office counts days in China: a day either side covers today wherever the test runs.
        let today = Utc::now().date_naive();
        let (from, to) = (today - Duration::days(1), today + Duration::days(1));
        let funnel = app.get(&format!("/api/v1/deals/funnel?from={from}&to={to}"), Some(&officer)).await.body;
        assert_eq!(funnel["by_introducer"][officer_id.to_string()]["deals"], 1, "{funnel}");

        // One decline ends an introduction.
        let other = app
            .post(
                "/api/v1/results",
                Some(&pair.researcher),
                &json!({"title": "磷酸铁锂回收工艺", "abstract": "废旧磷酸铁锂电池正极材料的回收与再生工艺。", "maturity": "pilot", "status": "published"}),
            )
            .await;
        let declined_id = app
            .post(
                "/api/v1/introductions",
                Some(&officer),
                &json!({"result_id": other.body["id"], "need_id": pair.need_id, "note": "也许相关"}),
            )
            .await
            .body["id"]
            .as_i64()
            .unwrap();
        let declined = app
            .post(
                &format!("/api/v1/introductions/{declined_id}/answer"),
                Some(&pair.company),
                &json!({"decision": "decline"}),
            )
            .await;
        assert_eq!(declined.body["status"], "declined", "{}", declined.body);
        app.post(
            &format!("/api/v1/introductions/{declined_id}/answer"),
            Some(&pair.researcher),
            &json!({"decision": "accept"}),
        )
        .await
        .assert_error(StatusCode::CONFLICT, "introduction_answered");
        app.stop().await;
    }
}

#[actix_web::test]
async fn a_broker_of_a_transfer_agency_introduces_public_listings_and_follows_their_portfolio() {
    for app in TestApp::each_backend().await {
        let pair = pair(&app).await;
        let admin = app.account_with_role(Role::Admin, "admin@kjj.gov.cn").await;
        let officer = app.account_with_role(Role::LiaisonOfficer, "officer@kjj.gov.cn").await;
        let company_organization =
            app.get("/api/v1/me/organization", Some(&pair.company)).await.body["id"].as_i64().unwrap();
        let agency = app.agency("光谷技术转移中心").await;

        // Admins create brokers, at a transfer agency only.
        let broker_body = |organization: Option<i64>| {
            json!({"email": "zhou@ovtt.cn", "display_name": "周敏", "role": "broker",
                "password": "a broker's own long passphrase", "organization_id": organization})
        };
        app.post("/api/v1/admin/users", Some(&admin), &broker_body(None))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let at_company = app.post("/api/v1/admin/users", Some(&admin), &broker_body(Some(company_organization))).await;
        assert_eq!(at_company.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", at_company.body);
        assert!(at_company.body.to_string().contains("organization_kind_not_allowed"), "{}", at_company.body);
        let created = app.post("/api/v1/admin/users", Some(&admin), &broker_body(Some(agency.0))).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}: {}", app.backend, created.body);
        let broker_id = created.body["user"]["id"].as_i64().unwrap();
        let broker = app.token("zhou@ovtt.cn", "a broker's own long passphrase").await;
        app.post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "self@ovtt.cn", "password": "a broker's own long passphrase", "display_name": "自封",
                "role": "broker", "organization": {"name": "自封中心", "kind": "agency", "region_code": "420111"}}),
        )
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

        // A broker sees what the public sees: the confidential need is not there for them.
        let public_need = app
            .post(
                "/api/v1/needs",
                Some(&pair.company),
                &json!({"title": "正极材料循环寿命", "description": "寻找高镍正极材料表面包覆方案，提高循环寿命。"}),
            )
            .await
            .body["id"]
            .as_i64()
            .unwrap();
        app.get(&format!("/api/v1/needs/{}/matches", pair.need_id), Some(&broker))
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        let matches = app.get(&format!("/api/v1/needs/{public_need}/matches"), Some(&broker)).await;
        assert_eq!(matches.status, StatusCode::OK, "{}", matches.body);
        app.post(
            "/api/v1/introductions",
            Some(&broker),
            &json!({"result_id": pair.result_id, "need_id": pair.need_id, "note": "保密需求也想引荐"}),
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "not_found");
        for staff_only in ["/api/v1/suggestions", "/api/v1/stats?from=2026-01-01&to=2026-12-31"] {
            app.get(staff_only, Some(&broker)).await.assert_error(StatusCode::FORBIDDEN, "forbidden");
        }

        let made = app
            .post(
                "/api/v1/introductions",
                Some(&broker),
                &json!({"result_id": pair.result_id, "need_id": public_need, "note": "包覆工艺正好解决循环寿命问题。"}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}: {}", app.backend, made.body);
        let notices = app.get("/api/v1/notifications", Some(&pair.company)).await.body.to_string();
        assert!(notices.contains("技术经纪人") && !notices.contains("broker"), "in the reader's language: {notices}");
        app.patch("/api/v1/me", Some(&pair.company), &json!({"language": "en"})).await;
        let notices = app.get("/api/v1/notifications", Some(&pair.company)).await.body.to_string();
        assert!(notices.contains("A technology broker introduced") && !notices.contains("技术经纪人"), "{notices}");
        let answer = format!("/api/v1/introductions/{}/answer", made.body["id"]);
        for side in [&pair.researcher, &pair.company] {
            let answered = app.post(&answer, Some(side), &json!({"decision": "accept"})).await;
            assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
        }
        // A second introduction, declined by the company.
        let declined = app
            .post(
                "/api/v1/introductions",
                Some(&broker),
                &json!({"result_id": pair.result_id, "need_id": app.post("/api/v1/needs", Some(&pair.company),
                    &json!({"title": "电池包热管理", "description": "寻找电池包热管理与散热方案。"})).await.body["id"],
                    "note": "也可以试试"}),
            )
            .await;
        assert_eq!(declined.status, StatusCode::CREATED, "{}", declined.body);
        app.post(
            &format!("/api/v1/introductions/{}/answer", declined.body["id"]),
            Some(&pair.company),
            &json!({"decision": "decline"}),
        )
        .await;

        // The broker follows the deal they introduced, and only that one.
        let researcher_interest = app
            .post(
                "/api/v1/interests",
                Some(&pair.researcher),
                &json!({"listing_kind": "need", "listing_id": public_need, "purpose": "technical_service",
                    "message": "我们也可以提供检测服务，欢迎联系。"}),
            )
            .await;
        assert_eq!(researcher_interest.status, StatusCode::CREATED, "{}", researcher_interest.body);
        let deals = app.get("/api/v1/deals", Some(&broker)).await.body;
        assert_eq!(deals["total"], 1, "{deals}");
        let deal = &deals["items"][0];
        assert_eq!(deal["introducer_user_id"].as_i64(), Some(broker_id), "{deal}");
        app.get(&format!("/api/v1/interests/{}", researcher_interest.body["id"]), Some(&broker))
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        let deal_id = deal["id"].as_i64().unwrap();
        let moved = app
            .post(
                &format!("/api/v1/deals/{deal_id}/stage"),
                Some(&broker),
                &json!({"version": deal["version"], "stage": "contract_signed", "contract_type": "technology_license",
                    "contract_amount_yuan": 300_000, "contract_date": (Utc::now() - Duration::days(2)).date_naive().to_string()}),
            )
            .await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
        app.post(
            &format!("/api/v1/deals/{deal_id}/stage"),
            Some(&broker),
            &json!({"version": moved.body["version"], "stage": "contract_registered",
                "registration_number": "2026420100000777", "registration_date": Utc::now().date_naive().to_string()}),
        )
        .await
        .assert_error(StatusCode::FORBIDDEN, "forbidden");

        // The portfolio counts the broker's introductions and what their deal came to.
        let portfolio = app.get("/api/v1/me/portfolio", Some(&broker)).await;
        assert_eq!(portfolio.status, StatusCode::OK, "{}", portfolio.body);
        let tally = &portfolio.body["introductions"];
        assert_eq!(
            (tally["made"].as_u64(), tally["accepted"].as_u64(), tally["declined"].as_u64(), tally["open"].as_u64()),
            (Some(2), Some(1), Some(1), Some(0)),
            "{}",
            portfolio.body
        );
        assert_eq!(tally["acceptance"].as_f64(), Some(0.5));
        assert_eq!(portfolio.body["deals"]["deals"], 1);
        assert_eq!(portfolio.body["deals"]["contract_amount_yuan"], 300_000, "{}", portfolio.body);
        let officers = app.get("/api/v1/me/portfolio", Some(&officer)).await.body;
        assert_eq!(
            (officers["introductions"]["made"].as_u64(), officers["deals"]["deals"].as_u64()),
            (Some(0), Some(0))
        );
        app.get("/api/v1/me/portfolio", Some(&pair.company)).await.assert_error(StatusCode::FORBIDDEN, "forbidden");
        app.get("/api/v1/me/portfolio?from=2026-12-31&to=2026-01-01", Some(&broker))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

        // The bureau's funnel credits the broker by name and role.
        let today = Utc::now().date_naive();
        let (from, to) = (today - Duration::days(1), today + Duration::days(1));
        let funnel = app.get(&format!("/api/v1/deals/funnel?from={from}&to={to}"), Some(&officer)).await.body;
        assert_eq!(funnel["introducers"][broker_id.to_string()]["role"], "broker", "{funnel}");
        assert_eq!(funnel["introducers"][broker_id.to_string()]["display_name"], "周敏");
        assert_eq!(funnel["by_introducer_role"]["broker"]["contract_amount_yuan"], 300_000, "{funnel}");
        app.stop().await;
    }
}
