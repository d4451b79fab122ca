//! The whole event flow over HTTP: an officer creates and opens a fair, researchers and
//! companies register, request and answer meetings, the officer schedules (with a locked pair),
//! participants download their agenda, the officer records outcomes, both sides rate, and the
//! statistics add up. Visibility of a confidential need is checked along the way.

use actix_web::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use techmatch_domain::Role;
use techmatch_domain::event::EventId;

use crate::helpers::TestApp;

fn event_body() -> Value {
    json!({
        "title": "光谷新能源与智慧农业对接会 Optics Valley fair",
        "kind": "both",
        "theme_industries": ["38"],
        "theme_keywords": ["锂电池", "温室"],
        "mode": "hybrid",
        "venue": "武汉光谷科技会展中心",
        "video_link": "https://meeting.example.org/fair",
        "date": "2099-05-20",
        "slot_minutes": 20,
        "sessions": [{"start": "09:00", "slots": 3}, {"start": "14:00", "slots": 3}],
        "tables": 3,
        "capacity": 20,
        "registration_deadline": "2099-05-10T00:00:00Z"
    })
}

async fn listing(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    let created = app.post(path, Some(token), &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body["id"].as_i64().unwrap()
}

async fn register(app: &TestApp, token: &str, event: i64, listings: &[i64], slots: &[u32]) -> i64 {
    let registered = app
        .post(
            &format!("/api/v1/events/{event}/registrations"),
            Some(token),
            &json!({"listing_ids": listings, "available_slots": slots, "max_meetings": 3}),
        )
        .await;
    assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.body);
    assert_eq!(registered.body["status"], "pending");
    registered.body["id"].as_i64().unwrap()
}

fn pair_present(meetings: &Value, researcher: i64, company: i64) -> Option<Value> {
    meetings["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|meeting| meeting["researcher"] == researcher && meeting["company"] == company)
        .cloned()
}

#[actix_web::test]
async fn an_event_from_creation_to_statistics() {
    for app in TestApp::each_backend().await {
        let officer = app.account_with_role(Role::LiaisonOfficer, "officer@events.cn").await;
        let researcher_a = app.account_with_role(Role::Researcher, "a@battery-lab.cn").await;
        let researcher_b = app.account_with_role(Role::Researcher, "b@agri-lab.cn").await;
        let company_c = app.account_with_role(Role::Company, "c@battery-maker.cn").await;
        let company_d = app.account_with_role(Role::Company, "d@greenhouse.cn").await;

        let result_a = listing(
            &app,
            &researcher_a,
            "/api/v1/results",
            json!({"title": "高镍三元锂电池正极材料表面包覆技术", "abstract": "表面包覆提高锂电池正极材料的循环寿命和安全性。",
                   "keywords": ["锂电池", "正极材料"], "maturity": "pilot", "status": "published", "industry_codes": ["38"]}),
        )
        .await;
        let result_b = listing(
            &app,
            &researcher_b,
            "/api/v1/results",
            json!({"title": "温室环境自动感应控制开闭窗系统", "abstract": "根据温湿度传感器自动控制温室天窗开闭。",
                   "keywords": ["温室", "自动控制"], "maturity": "prototype", "status": "published"}),
        )
        .await;
        let need_c = listing(
            &app,
            &company_c,
            "/api/v1/needs",
            json!({"title": "锂电池正极材料循环寿命不足", "description": "我们的锂电池正极材料循环几百次后容量衰减明显。",
                   "keywords": ["锂电池"], "industry_codes": ["38"], "region_code": "420106"}),
        )
        .await;
        let need_d = listing(
            &app,
            &company_d,
            "/api/v1/needs",
            json!({"title": "大棚开窗关窗全靠人跑", "description": "二十多个温室大棚的天窗希望自动开闭。", "confidential": true}),
        )
        .await;

        // Creation: every bad field at once, then a draft nobody outside staff sees.
        let mut bad = event_body();
        bad["title"] = json!("");
        bad["tables"] = json!(0);
        bad["sessions"] = json!([{"start": "25:00", "slots": 3}]);
        let refused = app.post("/api/v1/events", Some(&officer), &bad).await;
        refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let fields: Vec<&str> =
            refused.body["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
        for expected in ["title", "tables", "sessions[0].start"] {
            assert!(fields.contains(&expected), "{expected} not in {fields:?}");
        }
        let created = app.post("/api/v1/events", Some(&officer), &event_body()).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert_eq!(created.body["status"], "draft");
        assert_eq!(created.body["slot_count"], 6);
        let event = created.body["id"].as_i64().unwrap();
        app.get(&format!("/api/v1/events/{event}"), None).await.assert_error(StatusCode::NOT_FOUND, "not_found");
        let early = app
            .post(
                &format!("/api/v1/events/{event}/registrations"),
                Some(&researcher_a),
                &json!({"listing_ids": [result_a], "available_slots": [0], "max_meetings": 1}),
            )
            .await;
        // A draft does not exist for anyone but staff.
        early.assert_error(StatusCode::NOT_FOUND, "not_found");
        let opened =
            app.post(&format!("/api/v1/events/{event}/status"), Some(&officer), &json!({"status": "open"})).await;
        assert_eq!(opened.body["status"], "open", "{}", opened.body);
        let public = app.get("/api/v1/events", None).await;
        assert!(public.body["items"].as_array().unwrap().iter().any(|item| item["id"] == event));
        let wrong_transition =
            app.post(&format!("/api/v1/events/{event}/status"), Some(&officer), &json!({"status": "scheduled"})).await;
        wrong_transition.assert_error(StatusCode::CONFLICT, "use_schedule");

        // Registration: only one's own listings, once.
        let foreign = app
            .post(
                &format!("/api/v1/events/{event}/registrations"),
                Some(&researcher_a),
                &json!({"listing_ids": [result_b], "available_slots": [0, 1], "max_meetings": 2}),
            )
            .await;
        foreign.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let p_a = register(&app, &researcher_a, event, &[result_a], &[0, 1, 2, 3, 4, 5]).await;
        let again = app
            .post(
                &format!("/api/v1/events/{event}/registrations"),
                Some(&researcher_a),
                &json!({"listing_ids": [result_a], "available_slots": [0], "max_meetings": 1}),
            )
            .await;
        again.assert_error(StatusCode::CONFLICT, "already_registered");
        let p_b = register(&app, &researcher_b, event, &[result_b], &[0, 1, 2, 3, 4, 5]).await;
        let p_c = register(&app, &company_c, event, &[need_c], &[0, 1, 2, 3, 4, 5]).await;
        let p_d = register(&app, &company_d, event, &[need_d], &[3, 4, 5]).await;

        // Unapproved participants see nobody; approval notifies.
        app.get(&format!("/api/v1/events/{event}/participants"), Some(&researcher_b))
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden");
        for participant in [p_a, p_b, p_c, p_d] {
            let decided = app
                .post(
                    &format!("/api/v1/events/{event}/participants/{participant}/decision"),
                    Some(&officer),
                    &json!({"approve": true}),
                )
                .await;
            assert_eq!(decided.body["status"], "approved", "{}", decided.body);
        }
        let seen_by_b = app.get(&format!("/api/v1/events/{event}/participants"), Some(&researcher_b)).await;
        assert_eq!(seen_by_b.status, StatusCode::OK, "{}", seen_by_b.body);
        let listed = seen_by_b.body.to_string();
        assert!(listed.contains("锂电池正极材料循环寿命不足"), "a public need is shown: {listed}");
        assert!(!listed.contains("大棚开窗关窗全靠人跑"), "a confidential need's title is never shown: {listed}");
        let seen_by_d = app.get(&format!("/api/v1/events/{event}/participants"), Some(&company_d)).await.body;
        assert!(seen_by_d.to_string().contains("大棚开窗关窗全靠人跑"), "its owner sees it");

        // Requests: C asks A (A accepts), D asks B (B declines); same side is refused.
        let same_side =
            app.post(&format!("/api/v1/events/{event}/requests"), Some(&company_c), &json!({"to": p_d})).await;
        same_side.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let asked = app
            .post(
                &format!("/api/v1/events/{event}/requests"),
                Some(&company_c),
                &json!({"to": p_a, "message": "希望面谈包覆工艺的中试条件"}),
            )
            .await;
        assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.body);
        assert_eq!(asked.body["status"], "pending");
        let request_ca = asked.body["id"].as_i64().unwrap();
        let inbox = app.get(&format!("/api/v1/events/{event}/requests"), Some(&researcher_a)).await;
        assert_eq!(inbox.body["items"].as_array().unwrap().len(), 1, "{}", inbox.body);
        let by_sender = app
            .post(&format!("/api/v1/meeting-requests/{request_ca}/answer"), Some(&company_c), &json!({"accept": true}))
            .await;
        by_sender.assert_error(StatusCode::FORBIDDEN, "forbidden");
        let accepted = app
            .post(
                &format!("/api/v1/meeting-requests/{request_ca}/answer"),
                Some(&researcher_a),
                &json!({"accept": true}),
            )
            .await;
        assert_eq!(accepted.body["status"], "accepted", "{}", accepted.body);
        app.post(
            &format!("/api/v1/meeting-requests/{request_ca}/answer"),
            Some(&researcher_a),
            &json!({"accept": false}),
        )
        .await
        .assert_error(StatusCode::CONFLICT, "request_answered");
        let asked_b =
            app.post(&format!("/api/v1/events/{event}/requests"), Some(&company_d), &json!({"to": p_b})).await;
        let request_db = asked_b.body["id"].as_i64().unwrap();
        let declined = app
            .post(
                &format!("/api/v1/meeting-requests/{request_db}/answer"),
                Some(&researcher_b),
                &json!({"accept": false}),
            )
            .await;
        assert_eq!(declined.body["status"], "declined", "{}", declined.body);
        let notices = app.get("/api/v1/notifications", Some(&company_c)).await.body;
        let kinds: Vec<&str> =
            notices["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
        assert!(kinds.contains(&"registration_approved") && kinds.contains(&"request_accepted"), "{kinds:?}");

        // Scheduling: the accepted request is placed, the declined pair never is, the locked one
        // sits where the officer put it. Its proposals come from matching over the index, which
        // has everyone's listings after the indexer's next commit.
        app.index_settled().await;
        let declined_lock = app
            .post(
                &format!("/api/v1/events/{event}/schedule"),
                Some(&officer),
                &json!({"pairs": [{"researcher": p_b, "company": p_d, "slot": 3}]}),
            )
            .await;
        declined_lock.assert_error(StatusCode::CONFLICT, "declined_pair");
        let scheduled = app
            .post(
                &format!("/api/v1/events/{event}/schedule"),
                Some(&officer),
                &json!({"pairs": [{"researcher": p_b, "company": p_c, "slot": 2}]}),
            )
            .await;
        assert_eq!(scheduled.status, StatusCode::OK, "{}", scheduled.body);
        assert!(scheduled.body["meetings"].as_u64().unwrap() >= 2);
        assert_eq!(scheduled.body["from_requests"], 1);
        assert!(scheduled.body["upper_bound"].as_f64().unwrap() >= scheduled.body["total_weight"].as_f64().unwrap());
        let all = app.get(&format!("/api/v1/events/{event}/meetings"), Some(&officer)).await.body;
        let ca = pair_present(&all, p_a, p_c).expect("the accepted request is scheduled");
        assert_eq!(ca["source"], "request");
        let bc = pair_present(&all, p_b, p_c).expect("the locked pair is scheduled");
        assert_eq!(bc["slot"], 2);
        assert_eq!(bc["locked"], true);
        assert_eq!(bc["starts_at"], "2099-05-20T09:40:00+08:00");
        assert!(pair_present(&all, p_b, p_d).is_none(), "a declined pair is never scheduled");
        let event_now = app.get(&format!("/api/v1/events/{event}"), None).await.body;
        assert_eq!(event_now["status"], "scheduled");

        // Participants see their own meetings, and get them as iCalendar.
        let mine = app.get(&format!("/api/v1/events/{event}/meetings"), Some(&researcher_a)).await.body;
        let own = mine["items"].as_array().unwrap();
        assert!(!own.is_empty() && own.iter().all(|meeting| meeting["researcher"] == p_a));
        let (status, headers, bytes) =
            app.download(&format!("/api/v1/events/{event}/agenda.ics"), Some(&researcher_a)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/calendar"));
        let calendar = String::from_utf8(bytes).unwrap();
        assert!(calendar.starts_with("BEGIN:VCALENDAR\r\n") && calendar.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(calendar.matches("BEGIN:VEVENT").count(), own.len());
        assert!(calendar.contains("DTSTART:20990520T"), "{calendar}");

        // Rescheduling with nothing changed keeps everything in place.
        let again = app
            .post(
                &format!("/api/v1/events/{event}/schedule"),
                Some(&officer),
                &json!({"pairs": [{"researcher": p_b, "company": p_c, "slot": 2}]}),
            )
            .await;
        assert_eq!(again.body["kept_in_place"], again.body["meetings"], "{}", again.body);
        let all = app.get(&format!("/api/v1/events/{event}/meetings"), Some(&officer)).await.body;
        let ca = pair_present(&all, p_a, p_c).unwrap();
        let meeting = ca["id"].as_i64().unwrap();
        let changed = app.get("/api/v1/notifications", Some(&researcher_a)).await.body;
        assert!(changed.to_string().contains("schedule_changed"));

        // Before its slot nobody can say whether a meeting was held, and only a held meeting
        // has an outcome.
        let path = format!("/api/v1/meetings/{meeting}");
        app.patch(&path, Some(&officer), &json!({"attendance": "held"}))
            .await
            .assert_error(StatusCode::CONFLICT, "meeting_not_started");
        app.patch(&path, Some(&officer), &json!({"outcome": {"stage": "intent_signed"}}))
            .await
            .assert_error(StatusCode::CONFLICT, "not_held");
        app.post(&format!("{path}/rating"), Some(&researcher_a), &json!({"rating": "good"}))
            .await
            .assert_error(StatusCode::CONFLICT, "not_held");
        let untouched = app.get(&format!("/api/v1/events/{event}/meetings"), Some(&officer)).await.body;
        let untouched = meeting_by_id(&untouched, &json!(meeting));
        assert_eq!((untouched["attendance"].as_str(), untouched["outcome"].is_null()), (Some("scheduled"), true));

        // The roadshow: coverage picks the battery result for C and the greenhouse result for D,
        // the officer confirms an order, the public sees it.
        app.index_settled().await;
        let plan = app.get(&format!("/api/v1/events/{event}/roadshow?places=2"), Some(&officer)).await;
        assert_eq!(plan.status, StatusCode::OK, "{}", plan.body);
        let picked: Vec<i64> =
            plan.body["items"].as_array().unwrap().iter().map(|item| item["result_id"].as_i64().unwrap()).collect();
        assert!(picked.contains(&result_a), "{}", plan.body);
        let first = &plan.body["items"][0];
        assert!(first["gain"].as_f64().unwrap() > 0.0);
        assert!(!first["covers"].as_array().unwrap().is_empty(), "{}", plan.body);
        assert!(!first["covers"][0]["matched_terms"].as_array().unwrap().is_empty(), "{}", plan.body);
        app.get(&format!("/api/v1/events/{event}/roadshow?places=0"), Some(&officer))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let invite = app.get(&format!("/api/v1/events/{event}/invitations?results={result_a}"), Some(&officer)).await;
        assert_eq!(invite.status, StatusCode::OK, "{}", invite.body);
        let invited = invite.body["items"].as_array().unwrap();
        assert!(invited.iter().any(|line| line["need_id"] == need_c && line["registered"] == true), "{}", invite.body);
        let stranger = app
            .post(
                &format!("/api/v1/events/{event}/presentations"),
                Some(&officer),
                &json!({"result_ids": [result_b, 999_999]}),
            )
            .await;
        stranger.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let confirmed = app
            .post(
                &format!("/api/v1/events/{event}/presentations"),
                Some(&officer),
                &json!({"result_ids": [result_b, result_a]}),
            )
            .await;
        assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
        let public_order = app.get(&format!("/api/v1/events/{event}/presentations"), None).await.body;
        assert_eq!(public_order["items"][0]["result_id"], result_b);
        assert_eq!(public_order["items"][1]["position"], 2);

        // The printed and spreadsheet schedules.
        let (status, headers, bytes) =
            app.download(&format!("/api/v1/events/{event}/schedule.html"), Some(&officer)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
        let page = String::from_utf8(bytes).unwrap();
        assert!(
            page.contains("<h1>光谷新能源与智慧农业对接会 Optics Valley fair</h1>") && page.contains("09:40–10:00"),
            "{page}"
        );
        let (status, _, bytes) = app.download(&format!("/api/v1/events/{event}/schedule.xlsx"), Some(&officer)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(&bytes[..2], b"PK", "an xlsx file is a zip archive");
        app.get(&format!("/api/v1/events/{event}/schedule.html"), Some(&researcher_a))
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden");

        // The fair takes place (its day moves into the past): now the officer records what
        // followed, on the deal of the pair, under the deals' rules.
        let fair_day = (Utc::now() - Duration::days(3)).date_naive();
        app.store.move_event_to_day(EventId(event), fair_day).await.unwrap();
        let path = format!("/api/v1/meetings/{meeting}");
        app.patch(&path, Some(&officer), &json!({"outcome": {"stage": "contract_signed"}}))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        app.patch(&path, Some(&officer), &json!({"attendance": "held", "outcome": {"stage": "introduced"}}))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let held = app
            .patch(&path, Some(&officer), &json!({"attendance": "held", "outcome": {"stage": "intent_signed"}}))
            .await;
        assert_eq!(held.body["attendance"], "held", "{}", held.body);
        assert_eq!(held.body["outcome"]["stage"], "intent_signed", "{}", held.body);
        let deal = held.body["outcome"]["deal_id"].as_i64().expect("the meeting points at its pair's deal");
        let opened = app.get(&format!("/api/v1/deals/{deal}"), Some(&researcher_a)).await;
        assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
        assert_eq!(opened.body["origin"], "event_meeting", "{}", opened.body);
        assert_eq!(opened.body["result_id"], result_a, "{}", opened.body);
        let stages: Vec<&str> = opened.body["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["to_stage"].as_str().unwrap())
            .collect();
        assert_eq!(stages, ["in_talks", "intent_signed"], "{}", opened.body);
        let future = (Utc::now() + Duration::days(30)).date_naive().to_string();
        let signed_day = fair_day.to_string();
        let contract = |date: &str, kind: Option<&str>| {
            json!({"outcome": {"stage": "contract_signed", "contract_type": kind,
                   "contract_amount_yuan": 1_800_000, "contract_date": date}})
        };
        let refused = app.patch(&path, Some(&officer), &contract(&future, Some("technology_license"))).await;
        refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(refused.body.to_string().contains("date_in_future"), "{}", refused.body);
        app.patch(&path, Some(&officer), &contract(&signed_day, None))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let signed = app.patch(&path, Some(&officer), &contract(&signed_day, Some("technology_license"))).await;
        assert_eq!(signed.body["outcome"]["contract_amount_yuan"], 1_800_000, "{}", signed.body);
        assert_eq!(signed.body["outcome"]["deal_id"], deal, "one deal per pair, not one per outcome");
        app.patch(&path, Some(&officer), &json!({"outcome": {"stage": "in_talks"}}))
            .await
            .assert_error(StatusCode::CONFLICT, "stage_not_forward");
        let on_deal = app.get(&format!("/api/v1/deals/{deal}"), Some(&company_c)).await.body;
        assert_eq!(on_deal["stage"], "contract_signed", "{on_deal}");
        assert_eq!(on_deal["contract_type"], "technology_license", "{on_deal}");

        // Ratings: the two sides of a held meeting only.
        let rated = app
            .post(&format!("{path}/rating"), Some(&researcher_a), &json!({"rating": "good", "comment": "对接高效"}))
            .await;
        assert_eq!(rated.body["researcher_rating"]["rating"], "good", "{}", rated.body);
        app.post(&format!("{path}/rating"), Some(&researcher_b), &json!({"rating": "poor"}))
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        app.post(&format!("{path}/rating"), Some(&company_c), &json!({"rating": "meh"}))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

        // With outcomes on record, a new schedule would throw them away: refused, nothing lost.
        let rerun = app.post(&format!("/api/v1/events/{event}/schedule"), Some(&officer), &json!({"pairs": []})).await;
        rerun.assert_error(StatusCode::CONFLICT, "follow_up_recorded");
        let kept = app.get(&format!("/api/v1/events/{event}/meetings"), Some(&officer)).await.body;
        assert!(
            kept["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|meeting| meeting["outcome"]["contract_amount_yuan"] == 1_800_000),
            "{kept}"
        );

        // Statistics and the report sentence.
        let period = format!("from={}&to={}", fair_day - Duration::days(40), fair_day + Duration::days(1));
        let stats = app.get(&format!("/api/v1/stats?{period}"), Some(&officer)).await;
        assert_eq!(stats.status, StatusCode::OK, "{}", stats.body);
        assert_eq!(stats.body["events_held"], 1);
        assert_eq!(stats.body["roadshows"], 1);
        assert_eq!(stats.body["presentations"], 2);
        assert_eq!(stats.body["meetings_held"], 1);
        assert_eq!(stats.body["intents"], 1);
        assert_eq!(stats.body["contracts"], 1);
        assert_eq!(stats.body["contract_amount_yuan"], 1_800_000);
        assert_eq!(stats.body["by_month"][fair_day.format("%Y-%m").to_string()]["contracts"], 1, "{}", stats.body);
        assert_eq!(stats.body["by_region"]["420000"]["contract_amount_yuan"], 1_800_000, "{}", stats.body);
        let zh = stats.body["summary_zh"].as_str().unwrap();
        assert!(zh.contains("共有对接活动 1 场") && zh.contains("签约 1 项") && zh.contains("180.0 万元"), "{zh}");
        let en = stats.body["summary_en"].as_str().unwrap();
        assert!(
            en.contains("1 matchmaking event (1 roadshow)") && en.contains("1 contract worth 1,800,000 yuan"),
            "{en}"
        );
        assert_eq!(stats.body["events_to_come"], 0, "the fair took place: {}", stats.body);
        let empty = app.get("/api/v1/stats?from=2000-01-01&to=2000-12-31", Some(&officer)).await;
        assert_eq!(empty.body["events_held"], 0);
        app.get("/api/v1/stats?from=2099-12-31&to=2099-01-01", Some(&officer))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        app.get("/api/v1/stats?from=yesterday&to=2099-01-01", Some(&officer))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

        // Closing ends it; a closed event takes no more requests.
        let closed =
            app.post(&format!("/api/v1/events/{event}/status"), Some(&officer), &json!({"status": "closed"})).await;
        assert_eq!(closed.body["status"], "closed");
        app.post(&format!("/api/v1/events/{event}/requests"), Some(&company_d), &json!({"to": p_a}))
            .await
            .assert_error(StatusCode::CONFLICT, "event_not_open");
        app.stop().await;
    }
}

/// Approves a registration as the officer.
async fn approve(app: &TestApp, officer: &str, event: i64, participant: i64) {
    let approved = app
        .post(
            &format!("/api/v1/events/{event}/participants/{participant}/decision"),
            Some(officer),
            &json!({"approve": true}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
}

fn meeting_by_id(meetings: &Value, id: &Value) -> Value {
    meetings["items"].as_array().unwrap().iter().find(|meeting| &meeting["id"] == id).cloned().unwrap()
}

#[actix_web::test]
async fn the_schedule_grid_moves_swaps_and_locks_meetings() {
    for app in TestApp::each_backend().await {
        let officer = app.account_with_role(Role::LiaisonOfficer, "officer@grid.cn").await;
        let researcher_a = app.account_with_role(Role::Researcher, "a@grid-lab.cn").await;
        let researcher_b = app.account_with_role(Role::Researcher, "b@grid-lab.cn").await;
        let company_c = app.account_with_role(Role::Company, "c@grid-maker.cn").await;
        let company_d = app.account_with_role(Role::Company, "d@grid-maker.cn").await;
        let result_a = listing(
            &app,
            &researcher_a,
            "/api/v1/results",
            json!({"title": "工业机器人视觉定位", "abstract": "基于深度学习的机器人抓取定位。", "maturity": "pilot", "status": "published"}),
        )
        .await;
        let result_b = listing(
            &app,
            &researcher_b,
            "/api/v1/results",
            json!({"title": "水产养殖溶解氧监测", "abstract": "低功耗溶解氧传感器与预警。", "maturity": "prototype", "status": "published"}),
        )
        .await;
        let need_c = listing(
            &app,
            &company_c,
            "/api/v1/needs",
            json!({"title": "产线上料定位不准", "description": "零件位置偏差导致抓取失败。"}),
        )
        .await;
        let need_d = listing(
            &app,
            &company_d,
            "/api/v1/needs",
            json!({"title": "鱼塘缺氧预警", "description": "夜间缺氧死鱼，希望提前预警。"}),
        )
        .await;
        let event = app.post("/api/v1/events", Some(&officer), &event_body()).await.body["id"].as_i64().unwrap();
        app.post(&format!("/api/v1/events/{event}/status"), Some(&officer), &json!({"status": "open"})).await;
        let all_slots = [0, 1, 2, 3, 4, 5];
        let a = register(&app, &researcher_a, event, &[result_a], &all_slots).await;
        // Researcher b can only come in the morning.
        let b = register(&app, &researcher_b, event, &[result_b], &[0, 1, 2]).await;
        let c = register(&app, &company_c, event, &[need_c], &all_slots).await;
        let d = register(&app, &company_d, event, &[need_d], &all_slots).await;
        for participant in [a, b, c, d] {
            approve(&app, &officer, event, participant).await;
        }
        app.index_settled().await;
        let scheduled = app
            .post(
                &format!("/api/v1/events/{event}/schedule"),
                Some(&officer),
                &json!({"pairs": [{"researcher": a, "company": c}, {"researcher": b, "company": d}, {"researcher": a, "company": d}]}),
            )
            .await;
        assert_eq!(scheduled.status, StatusCode::OK, "{}", scheduled.body);
        let meetings = app.get(&format!("/api/v1/events/{event}/meetings"), Some(&officer)).await.body;
        let ac = pair_present(&meetings, a, c).expect("a-c scheduled");
        let bd = pair_present(&meetings, b, d).expect("b-d scheduled");
        let ad = pair_present(&meetings, a, d).expect("a-d scheduled");
        let placement = |meeting: &Value| format!("/api/v1/meetings/{}/placement", meeting["id"]);

        // A move into a free cell: the afternoon's last slot, last table; the meeting is locked.
        let moved = app.post(&placement(&ac), Some(&officer), &json!({"slot": 5, "table": 2})).await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
        assert_eq!(moved.body["items"].as_array().unwrap().len(), 1);
        assert_eq!(
            (moved.body["items"][0]["slot"].as_u64(), moved.body["items"][0]["table"].as_u64()),
            (Some(5), Some(2))
        );
        assert_eq!(moved.body["items"][0]["locked"], true);

        // Dropping a-d on a-c's cell swaps them (researcher a is in both, so never twice in a slot).
        let ad_cell = (ad["slot"].as_u64().unwrap(), ad["table"].as_u64().unwrap());
        let swapped = app.post(&placement(&ad), Some(&officer), &json!({"slot": 5, "table": 2})).await;
        assert_eq!(swapped.status, StatusCode::OK, "{}", swapped.body);
        let after = app.get(&format!("/api/v1/events/{event}/meetings"), Some(&officer)).await.body;
        let ac_now = meeting_by_id(&after, &ac["id"]);
        assert_eq!((ac_now["slot"].as_u64().unwrap(), ac_now["table"].as_u64().unwrap()), ad_cell);
        let ad_now = meeting_by_id(&after, &ad["id"]);
        assert_eq!((ad_now["slot"].as_u64(), ad_now["table"].as_u64()), (Some(5), Some(2)));

        // Researcher a already meets company d in slot 5: a-c cannot go there, even at another table.
        let busy = app.post(&placement(&ac), Some(&officer), &json!({"slot": 5, "table": 0})).await;
        busy.assert_error(StatusCode::CONFLICT, "participant_busy");
        // Researcher b is not there in the afternoon.
        let away = app.post(&placement(&bd), Some(&officer), &json!({"slot": 4, "table": 0})).await;
        away.assert_error(StatusCode::CONFLICT, "participant_unavailable");
        app.post(&placement(&bd), Some(&officer), &json!({"slot": 6}))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        app.post(&placement(&bd), Some(&officer), &json!({"table": 3}))
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        app.post(&placement(&bd), Some(&researcher_b), &json!({"locked": true}))
            .await
            .assert_error(StatusCode::FORBIDDEN, "forbidden");
        app.post("/api/v1/meetings/999999/placement", Some(&officer), &json!({"locked": true}))
            .await
            .assert_error(StatusCode::NOT_FOUND, "not_found");
        let unchanged = app.get(&format!("/api/v1/events/{event}/meetings"), Some(&officer)).await.body;
        assert_eq!(unchanged, after, "refused moves change nothing");

        // Unlock and lock without moving.
        let unlocked = app.post(&placement(&ac), Some(&officer), &json!({"locked": false})).await;
        assert_eq!(unlocked.body["items"][0]["locked"], false, "{}", unlocked.body);

        // A rerun keeps the locked meeting in its cell: slot and table.
        let rerun = app.post(&format!("/api/v1/events/{event}/schedule"), Some(&officer), &json!({"pairs": []})).await;
        assert_eq!(rerun.status, StatusCode::OK, "{}", rerun.body);
        let rescheduled = app.get(&format!("/api/v1/events/{event}/meetings"), Some(&officer)).await.body;
        let ad_kept = pair_present(&rescheduled, a, d).expect("the locked meeting stays");
        assert_eq!((ad_kept["slot"].as_u64(), ad_kept["table"].as_u64()), (Some(5), Some(2)), "{rescheduled}");
        assert_eq!(ad_kept["locked"], true);

        // Once a meeting's attendance is recorded (the fair has taken place), it stays where
        // it was held.
        app.store.move_event_to_day(EventId(event), (Utc::now() - Duration::days(1)).date_naive()).await.unwrap();
        let held = app
            .patch(&format!("/api/v1/meetings/{}", ad_kept["id"]), Some(&officer), &json!({"attendance": "held"}))
            .await;
        assert_eq!(held.status, StatusCode::OK, "{}", held.body);
        app.post(&placement(&ad_kept), Some(&officer), &json!({"slot": 0, "table": 2}))
            .await
            .assert_error(StatusCode::CONFLICT, "follow_up_recorded");

        // Participants hear about the move.
        let notices = app.get("/api/v1/notifications", Some(&company_d)).await.body;
        assert!(
            notices["items"].as_array().unwrap().iter().any(|notice| notice["kind"] == "meeting_moved"),
            "{notices}"
        );
        app.stop().await;
    }
}
