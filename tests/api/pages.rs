//! The web pages over real HTTP: languages, what a visitor may see, the cookie session and its
//! CSRF protection. (Browser journeys come with the Playwright tests.)

use actix_web::http::header::HeaderMap;
use actix_web::http::{Method, StatusCode};
use serde_json::json;
use techmatch_domain::Role;

use crate::helpers::{PASSWORD, TestApp};

/// `name=value` of each Set-Cookie, and the attributes of the one named `name`.
fn set_cookie(headers: &HeaderMap, name: &str) -> Option<(String, String)> {
    headers.get_all("set-cookie").filter_map(|value| value.to_str().ok()).find_map(|value| {
        let (pair, attributes) = value.split_once(';').unwrap_or((value, ""));
        let (cookie, content) = pair.split_once('=')?;
        (cookie.trim() == name).then(|| (content.to_owned(), attributes.to_owned()))
    })
}

fn hidden_csrf(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    let length = html[start..].find('"').expect("the field's end");
    html[start..start + length].to_owned()
}

/// The CSRF token of the forms shown to this browser and session.
pub async fn form_token(app: &TestApp, cookies: &str) -> String {
    let (status, _, html) = app.page(Method::GET, "/login", cookies, None, None).await;
    assert_eq!(status, StatusCode::OK);
    hidden_csrf(&html)
}

/// Logs in through the form; returns the cookie header a browser would then send.
pub async fn log_in(app: &TestApp, email: &str) -> String {
    let (status, headers, html) = app.page(Method::GET, "/login", "", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let (nonce, _) = set_cookie(&headers, "tm_csrf").expect("a csrf nonce cookie");
    let csrf = hidden_csrf(&html);
    assert_ne!(csrf, nonce, "the form's token is not the cookie's value");
    let cookies = format!("tm_csrf={nonce}");
    let form = format!("csrf={csrf}&email={}&password={}", email.replace('@', "%40"), PASSWORD.replace(' ', "+"));
    let (status, headers, _) = app.page(Method::POST, "/login", &cookies, None, Some(&form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (session, attributes) = set_cookie(&headers, "tm_session").expect("a session cookie");
    assert!(attributes.contains("HttpOnly") && attributes.contains("SameSite=Lax"), "{attributes}");
    format!("{cookies}; tm_session={session}")
}

#[actix_web::test]
async fn pages_speak_chinese_first_and_english_on_request() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let (status, headers, html) = app.page(Method::GET, "/", "", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/html"));
    assert!(headers.get("content-security-policy").unwrap().to_str().unwrap().contains("style-src 'self'"));
    assert!(html.contains("<html lang=\"zh-CN\">") && html.contains("科技成果对接平台"), "{html}");
    let (_, _, english) = app.page(Method::GET, "/", "", Some("en-GB,en;q=0.9"), None).await;
    assert!(english.contains("<html lang=\"en\">") && english.contains("Tech Transfer Matchmaking"));
    let (_, headers, switched) = app.page(Method::GET, "/search?lang=en", "", Some("zh-CN"), None).await;
    assert!(switched.contains("Search results"));
    let (language, _) = set_cookie(&headers, "tm_lang").expect("the switch is remembered");
    assert_eq!(language, "en");
    let (status, headers, css) = app.page(Method::GET, "/static/app.css", "", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/css") && css.contains("mark"));
    let (status, headers, script) = app.page(Method::GET, "/static/grid.js", "", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/javascript"));
    assert!(script.contains("schedule-grid"));
    let (status, _, missing) = app.page(Method::GET, "/results/999999", "", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("页面不存在"), "an error page, in the page language");
    app.stop().await;
}

#[actix_web::test]
async fn a_confidential_need_never_shows_on_another_companys_pages() {
    for app in TestApp::each_backend().await {
        let owner = app.account_with_role(Role::Company, "owner@secret.cn").await;
        app.account_with_role(Role::Company, "rival@other.cn").await;
        let researcher = app.account_with_role(Role::Researcher, "li@lab.cn").await;
        let secret = app
            .post(
                "/api/v1/needs",
                Some(&owner),
                &json!({"title": "保密的固态电池隔膜需求", "description": "固态电池隔膜的保密技术需求。", "confidential": true}),
            )
            .await;
        assert_eq!(secret.status, StatusCode::CREATED, "{}", secret.body);
        let public = app
            .post(
                "/api/v1/results",
                Some(&researcher),
                &json!({"title": "固态电池隔膜涂层", "abstract": "陶瓷涂层提高固态电池隔膜的耐热性。", "maturity": "pilot", "status": "published"}),
            )
            .await;
        assert_eq!(public.status, StatusCode::CREATED, "{}", public.body);
        let need_path = format!("/needs/{}", secret.body["id"]);
        let search_path = "/search?q=%E5%9B%BA%E6%80%81%E7%94%B5%E6%B1%A0";
        // What others do not find must be in the index already, or not finding it proves nothing.
        app.index_settled().await;

        let result_matches = format!("/results/{}/matches", public.body["id"]);
        let researcher_cookies = log_in(&app, "founder-li@lab.cn").await;
        let (status, _, html) = app.page(Method::GET, &result_matches, &researcher_cookies, None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains("保密的固态电池隔膜需求"), "not among the result's matches: {html}");
        for cookies in [String::new(), log_in(&app, "founder-rival@other.cn").await, researcher_cookies] {
            for export in ["/export/needs.csv", "/export/needs.csv?mine=true"] {
                let (status, _, file) = app.page(Method::GET, export, &cookies, None, None).await;
                assert_eq!(status, StatusCode::OK, "{export}");
                assert!(!file.contains("保密的固态电池隔膜需求"), "{export}: {file}");
            }
            let (_, _, my) = app.page(Method::GET, "/my", &cookies, None, None).await;
            assert!(!my.contains("保密的固态电池隔膜需求"));
            let (status, _, html) = app.page(Method::GET, &need_path, &cookies, None, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{}", app.backend);
            assert!(!html.contains("保密的固态电池隔膜需求"));
            let (_, _, html) = app.page(Method::GET, search_path, &cookies, None, None).await;
            assert!(html.contains("固态电池隔膜涂层"), "the public result is found: {html}");
            assert!(html.contains(">中试</a>") && !html.contains(">pilot</a>"), "facets show names, not codes: {html}");
            assert!(!html.contains("保密的固态电池隔膜需求"), "{}: {html}", app.backend);
            let (_, _, home) = app.page(Method::GET, "/", &cookies, None, None).await;
            assert!(!home.contains("保密的固态电池隔膜需求"));
        }
        let owner_cookies = log_in(&app, "founder-owner@secret.cn").await;
        let (status, _, html) = app.page(Method::GET, &need_path, &owner_cookies, None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("保密的固态电池隔膜需求") && html.contains("保密需求"));
        let (_, _, file) = app.page(Method::GET, "/export/needs.csv?mine=true", &owner_cookies, None, None).await;
        assert!(file.contains("保密的固态电池隔膜需求"), "the owner's own export has it: {file}");
        app.stop().await;
    }
}

#[actix_web::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    app.account_with_role(Role::Researcher, "wang@lab.cn").await;
    let email = "founder-wang%40lab.cn";
    let password = PASSWORD.replace(' ', "+");
    // No cookie at all, a token that does not match the cookie, no token, and a planted pair
    // (the same value as cookie and field, which the double-submit check once accepted).
    let planted = "abcdefghijabcdefghijabcdefghij12";
    for (cookies, form) in [
        (String::new(), format!("csrf={planted}&email={email}&password={password}")),
        (
            format!("tm_csrf={planted}"),
            format!("csrf=zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz&email={email}&password={password}"),
        ),
        (format!("tm_csrf={planted}"), format!("email={email}&password={password}")),
        (format!("tm_csrf={planted}"), format!("csrf={planted}&email={email}&password={password}")),
    ] {
        let (status, headers, html) = app.page(Method::POST, "/login", &cookies, None, Some(&form)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{cookies} {form}: {html}");
        assert!(set_cookie(&headers, "tm_session").is_none(), "no session without a valid token");
    }
    let cookies = log_in(&app, "founder-wang@lab.cn").await;
    let (_, _, home) = app.page(Method::GET, "/", &cookies, None, None).await;
    assert!(home.contains("founder-wang@lab.cn"), "signed in: {home}");
    let (status, _, _) = app.page(Method::POST, "/logout", &cookies, None, Some("csrf=nope")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A token is bound to its session: one an attacker got for their own account, with their
    // nonce planted in the victim's browser, does not pass beside the victim's session.
    app.account_with_role(Role::Researcher, "attacker@lab.cn").await;
    let attacker = log_in(&app, "founder-attacker@lab.cn").await;
    let attacker_token = form_token(&app, &attacker).await;
    let attacker_nonce = attacker.split("tm_csrf=").nth(1).unwrap().split(';').next().unwrap();
    let victim_session = cookies.split("tm_session=").nth(1).unwrap();
    let planted = format!("tm_csrf={attacker_nonce}; tm_session={victim_session}");
    let (status, _, _) =
        app.page(Method::POST, "/logout", &planted, None, Some(&format!("csrf={attacker_token}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another session's token");
    let visitor_token = form_token(&app, cookies.split(';').next().unwrap()).await;
    let (status, _, _) =
        app.page(Method::POST, "/logout", &cookies, None, Some(&format!("csrf={visitor_token}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a token shown before signing in");

    let csrf = form_token(&app, &cookies).await;
    let (status, headers, _) = app.page(Method::POST, "/logout", &cookies, None, Some(&format!("csrf={csrf}"))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        set_cookie(&headers, "tm_session").is_some_and(|(value, _)| value.is_empty()),
        "the session cookie is cleared"
    );
    let (_, _, home) = app.page(Method::GET, "/", &cookies, None, None).await;
    assert!(!home.contains("founder-wang@lab.cn"), "the old session token is revoked");
    let nonce_only = cookies.split(';').next().unwrap();
    let csrf = form_token(&app, nonce_only).await;
    let (status, _, html) = app
        .page(Method::POST, "/login", nonce_only, None, Some(&format!("csrf={csrf}&email={email}&password=wrong")))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("邮箱或密码错误"));
    app.stop().await;
}

#[actix_web::test]
async fn secure_cookies_carry_the_host_prefix() {
    let app = TestApp::spawn_with(techmatch_store::testing::TestDatabase::sqlite(), |settings| {
        settings.server.secure_cookies = true;
    })
    .await;
    app.account_with_role(Role::Researcher, "wang@lab.cn").await;
    let (_, headers, html) = app.page(Method::GET, "/login", "", None, None).await;
    let (nonce, attributes) = set_cookie(&headers, "__Host-tm_csrf").expect("a prefixed nonce cookie");
    assert!(set_cookie(&headers, "tm_csrf").is_none(), "no unprefixed cookie");
    assert!(attributes.contains("Secure") && attributes.contains("Path=/") && !attributes.contains("Domain"));
    let form =
        format!("csrf={}&email=founder-wang%40lab.cn&password={}", hidden_csrf(&html), PASSWORD.replace(' ', "+"));
    // A cookie without the prefix (which any subdomain or plain-http page could set) is not read.
    let (status, _, _) = app.page(Method::POST, "/login", &format!("tm_csrf={nonce}"), None, Some(&form)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, headers, _) =
        app.page(Method::POST, "/login", &format!("__Host-tm_csrf={nonce}"), None, Some(&form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (session, attributes) = set_cookie(&headers, "__Host-tm_session").expect("a prefixed session cookie");
    assert!(attributes.contains("Secure") && attributes.contains("HttpOnly"), "{attributes}");
    let cookies = format!("__Host-tm_csrf={nonce}; __Host-tm_session={session}");
    let (_, _, home) = app.page(Method::GET, "/", &cookies, None, None).await;
    assert!(home.contains("founder-wang@lab.cn"), "signed in through the prefixed cookie");
    app.stop().await;
}

#[test]
fn both_languages_have_every_translation() {
    let (chinese, english) = techmatch_api::web::translation_keys();
    assert!(chinese.len() >= 50, "{chinese:?}");
    assert_eq!(chinese, english);
    assert_eq!(techmatch_api::web::untranslated_choices(), Vec::<String>::new());
}

#[actix_web::test]
async fn workspaces_matches_and_the_suggestion_queue_as_pages() {
    for app in TestApp::each_backend().await {
        let researcher = app.account_with_role(Role::Researcher, "chen@agri.cn").await;
        let company = app.account_with_role(Role::Company, "wu@farm.cn").await;
        app.account_with_role(Role::Company, "other@else.cn").await;
        app.account_with_role(Role::LiaisonOfficer, "officer@city.cn").await;
        let result = app
            .post(
                "/api/v1/results",
                Some(&researcher),
                &json!({"title": "温室环境自动感应控制开闭窗系统", "abstract": "根据温湿度传感器自动控制温室天窗开闭。",
                        "maturity": "pilot", "status": "published"}),
            )
            .await;
        let need = app
            .post(
                "/api/v1/needs",
                Some(&company),
                &json!({"title": "大棚开窗关窗全靠人跑", "description": "温室大棚的天窗希望根据温度自动开闭。"}),
            )
            .await;
        let (result_id, need_id) = (result.body["id"].as_i64().unwrap(), need.body["id"].as_i64().unwrap());

        // Signed out, a workspace sends you to the login form.
        let (status, headers, _) = app.page(Method::GET, "/my", "", None, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers.get("location").unwrap(), "/login");

        let company_cookies = log_in(&app, "founder-wu@farm.cn").await;
        let (_, _, my) = app.page(Method::GET, "/my", &company_cookies, None, None).await;
        assert!(my.contains("大棚开窗关窗全靠人跑") && my.contains(&format!("/needs/{need_id}/matches")), "{my}");
        let (status, _, matches) =
            app.page(Method::GET, &format!("/needs/{need_id}/matches"), &company_cookies, None, None).await;
        assert_eq!(status, StatusCode::OK, "{matches}");
        assert!(matches.contains("温室环境自动感应控制开闭窗系统") && matches.contains("匹配理由"), "{matches}");
        assert!(matches.contains("文本相关度") && matches.contains("行业匹配"), "feature rows are shown: {matches}");
        // The form narrows the list: the result is a pilot, so asking for mass production hides it.
        assert!(matches.contains("name=\"maturity\"") && matches.contains("筛选"), "{matches}");
        let narrowed = format!("/needs/{need_id}/matches?industry=&maturity=mass_production&region=");
        let (status, _, narrowed) = app.page(Method::GET, &narrowed, &company_cookies, None, None).await;
        assert_eq!(status, StatusCode::OK, "{narrowed}");
        assert!(!narrowed.contains("温室环境自动感应控制开闭窗系统"), "{narrowed}");
        assert!(narrowed.contains("value=\"mass_production\" selected"), "the choice is kept: {narrowed}");
        let piloted = format!("/needs/{need_id}/matches?maturity=pilot");
        let (_, _, piloted) = app.page(Method::GET, &piloted, &company_cookies, None, None).await;
        assert!(piloted.contains("温室环境自动感应控制开闭窗系统"), "{piloted}");
        assert!(!piloted.contains("筛选条件无效"), "{piloted}");
        // A value the API would refuse is named on the page and not applied (it used to find
        // nothing, silently).
        let mistyped = format!("/needs/{need_id}/matches?industry=9x&maturity=pilot&region=999999");
        let (status, _, mistyped) = app.page(Method::GET, &mistyped, &company_cookies, None, None).await;
        assert_eq!(status, StatusCode::OK, "{mistyped}");
        assert!(mistyped.contains("以下筛选条件无效，未采用: 行业, 地区"), "{mistyped}");
        assert!(mistyped.contains("温室环境自动感应控制开闭窗系统"), "the valid filter still applies: {mistyped}");

        // Another company may not see this need's matches.
        let other_cookies = log_in(&app, "founder-other@else.cn").await;
        let (status, _, _) =
            app.page(Method::GET, &format!("/needs/{need_id}/matches"), &other_cookies, None, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = app.page(Method::GET, "/suggestions", &other_cookies, None, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "the queue is staff's");

        // The officer shortlists the pair from the queue, with a note, through a CSRF-checked form.
        app.index_settled().await;
        let officer_cookies = log_in(&app, "officer@city.cn").await;
        let (status, _, queue) = app.page(Method::GET, "/suggestions", &officer_cookies, None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(queue.contains("大棚开窗关窗全靠人跑") && queue.contains("温室环境自动感应控制开闭窗系统"), "{queue}");
        let csrf = hidden_csrf(&queue);
        let form = format!(
            "need_id={need_id}&result_id={result_id}&decision=shortlist&note=%E5%80%BC%E5%BE%97%E5%AF%B9%E6%8E%A5"
        );
        let (status, _, _) = app.page(Method::POST, "/suggestions/decide", &officer_cookies, None, Some(&form)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "no token, no decision");
        let (status, headers, _) = app
            .page(Method::POST, "/suggestions/decide", &officer_cookies, None, Some(&format!("csrf={csrf}&{form}")))
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers.get("location").unwrap(), "/suggestions?decided=1");
        let (_, _, queue) = app.page(Method::GET, "/suggestions?decided=1", &officer_cookies, None, None).await;
        assert!(queue.contains("已记录您的决定"));
        assert!(!queue.contains("大棚开窗关窗全靠人跑"), "a decided pair leaves the queue: {queue}");
        let officer = app.token("officer@city.cn", PASSWORD).await;
        let recorded = app.get("/api/v1/suggestions", Some(&officer)).await;
        assert!(!recorded.body.to_string().contains("大棚开窗关窗全靠人跑"));
        let _ = researcher;
        app.stop().await;
    }
}

/// Posts a page form and expects the redirect back to the event with `notice`.
async fn post_form(app: &TestApp, cookies: &str, path: &str, form: &str, event: i64, notice: &str) {
    let body = format!("csrf={}&{form}", form_token(app, cookies).await);
    let (status, headers, html) = app.page(Method::POST, path, cookies, None, Some(&body)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{path}: {html}");
    assert_eq!(headers.get("location").unwrap(), &format!("/events/{event}?notice={notice}"), "{path}");
}

#[actix_web::test]
async fn an_event_journey_through_the_pages() {
    for app in TestApp::each_backend().await {
        let researcher = app.account_with_role(Role::Researcher, "chen@agri.cn").await;
        let company = app.account_with_role(Role::Company, "wu@farm.cn").await;
        let officer = app.account_with_role(Role::LiaisonOfficer, "officer@city.cn").await;
        let result = app
            .post(
                "/api/v1/results",
                Some(&researcher),
                &json!({"title": "温室环境自动感应控制开闭窗系统", "abstract": "根据温湿度传感器自动控制温室天窗开闭。",
                        "maturity": "pilot", "status": "published"}),
            )
            .await;
        let need = app
            .post(
                "/api/v1/needs",
                Some(&company),
                &json!({"title": "大棚开窗关窗全靠人跑", "description": "温室大棚的天窗希望根据温度自动开闭。"}),
            )
            .await;
        let event = app
            .post(
                "/api/v1/events",
                Some(&officer),
                &json!({"title": "智慧农业对接会", "kind": "matchmaking_fair", "mode": "on_site", "venue": "农科院报告厅",
                        "date": "2099-04-01", "slot_minutes": 20, "sessions": [{"start": "09:00", "slots": 3}],
                        "tables": 2, "capacity": 10, "registration_deadline": "2099-03-20T00:00:00Z"}),
            )
            .await;
        let event = event.body["id"].as_i64().unwrap();
        app.post(&format!("/api/v1/events/{event}/status"), Some(&officer), &json!({"status": "open"})).await;

        let researcher_cookies = log_in(&app, "founder-chen@agri.cn").await;
        let company_cookies = log_in(&app, "founder-wu@farm.cn").await;
        let officer_cookies = log_in(&app, "officer@city.cn").await;
        let page = format!("/events/{event}");

        // Registration through the form, with the listing and slots ticked.
        let (_, _, html) = app.page(Method::GET, &page, &researcher_cookies, None, None).await;
        assert!(html.contains("报名参加") && html.contains("温室环境自动感应控制开闭窗系统"), "{html}");
        let form = format!("listing={}&slot=0&slot=1&slot=2&max_meetings=2", result.body["id"]);
        let (status, _, _) =
            app.page(Method::POST, &format!("{page}/register"), &researcher_cookies, None, Some(&form)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "no token, no registration");
        post_form(&app, &researcher_cookies, &format!("{page}/register"), &form, event, "done").await;
        post_form(
            &app,
            &company_cookies,
            &format!("{page}/register"),
            &format!("listing={}&slot=1&slot=2&max_meetings=2", need.body["id"]),
            event,
            "done",
        )
        .await;
        post_form(
            &app,
            &researcher_cookies,
            &format!("{page}/register"),
            &form,
            event,
            "failed&code=already_registered",
        )
        .await;

        // The officer approves both from the page.
        let (_, _, html) = app.page(Method::GET, &page, &officer_cookies, None, None).await;
        let participants = app.get(&format!("/api/v1/events/{event}/participants"), Some(&officer)).await.body;
        assert!(html.contains("报名者") && html.contains("待处理"), "{html}");
        let ids: Vec<(i64, String)> = participants["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| (item["id"].as_i64().unwrap(), item["role"].as_str().unwrap().to_owned()))
            .collect();
        for (id, _) in &ids {
            post_form(
                &app,
                &officer_cookies,
                &format!("{page}/participants/{id}/decision"),
                "approve=true",
                event,
                "done",
            )
            .await;
        }
        let researcher_participant = ids.iter().find(|(_, role)| role == "researcher").unwrap().0;

        // The officer puts the result on stage from the roadshow page; the public event page
        // then shows the confirmed order.
        let roadshow = format!("{page}/roadshow");
        app.index_settled().await;
        let (status, _, html) = app.page(Method::GET, &roadshow, &officer_cookies, None, None).await;
        assert_eq!(status, StatusCode::OK);
        let result_id = result.body["id"].as_i64().unwrap();
        assert!(
            html.contains("路演安排") && html.contains(&format!("name=\"position_{result_id}\" value=\"1\"")),
            "{html}"
        );
        let (status, _, _) = app.page(Method::GET, &roadshow, &researcher_cookies, None, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "the roadshow tools are for staff");
        let body = format!("csrf={}&position_{result_id}=1", form_token(&app, &officer_cookies).await);
        let (status, headers, _) = app.page(Method::POST, &roadshow, &officer_cookies, None, Some(&body)).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers.get("location").unwrap().to_str().unwrap(), format!("{roadshow}?notice=done"));
        let (_, _, public) = app.page(Method::GET, &page, "", None, None).await;
        assert!(
            public.contains(&format!("<li><a href=\"/results/{result_id}\">温室环境自动感应控制开闭窗系统</a></li>")),
            "{public}"
        );

        // The company asks for a meeting, the researcher accepts on the page.
        post_form(
            &app,
            &company_cookies,
            &format!("{page}/request"),
            &format!("to={researcher_participant}&message=%E6%83%B3%E8%81%8A%E8%81%8A"),
            event,
            "done",
        )
        .await;
        let (_, _, html) = app.page(Method::GET, &page, &researcher_cookies, None, None).await;
        assert!(html.contains("洽谈请求") && html.contains("想聊聊"), "{html}");
        let requests = app.get(&format!("/api/v1/events/{event}/requests"), Some(&officer)).await.body;
        let request_id = requests["items"][0]["id"].as_i64().unwrap();
        post_form(
            &app,
            &researcher_cookies,
            &format!("/meeting-requests/{request_id}/answer"),
            "accept=true",
            event,
            "done",
        )
        .await;

        // The officer schedules; the researcher sees the meeting and downloads the agenda.
        post_form(&app, &officer_cookies, &format!("{page}/schedule"), "", event, "done").await;
        let (_, _, html) = app.page(Method::GET, &page, &researcher_cookies, None, None).await;
        assert!(html.contains("洽谈日程") && html.contains("agenda.ics"), "{html}");
        let (status, headers, calendar) =
            app.page(Method::GET, &format!("{page}/agenda.ics"), &researcher_cookies, None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("content-type").unwrap().to_str().unwrap().starts_with("text/calendar"));
        assert_eq!(calendar.matches("BEGIN:VEVENT").count(), 1, "{calendar}");
        let (_, _, my) = app.page(Method::GET, "/my", &researcher_cookies, None, None).await;
        assert!(
            my.contains("我的活动") && my.contains("智慧农业对接会") && my.contains("为我安排的洽谈： 1"),
            "the researcher's own events: {my}"
        );
        assert!(my.contains("洽谈日程已发布"), "the schedule notice: {my}");

        // The officer moves the meeting on the grid (slot 3, table 2) and it is locked; a slot the
        // company is not free in is refused with the reason on the page.
        let grid = format!("{page}/grid");
        let (status, _, html) = app.page(Method::GET, &grid, &officer_cookies, None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("日程网格") && html.contains("data-meeting=") && html.contains("/static/grid.js"),
            "{html}"
        );
        let (status, _, _) = app.page(Method::GET, &grid, &researcher_cookies, None, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "the grid is for staff only");
        let meetings = app.get(&format!("/api/v1/events/{event}/meetings"), Some(&officer)).await.body;
        let meeting = meetings["items"][0]["id"].as_i64().unwrap();
        let officer_token = form_token(&app, &officer_cookies).await;
        let move_form = |form: &str| format!("csrf={officer_token}&meeting={meeting}&{form}");
        let (status, headers, _) = app
            .page(
                Method::POST,
                &format!("{grid}/move"),
                &officer_cookies,
                None,
                Some(&move_form("mode=move&slot=2&table=2&locked=true")),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(headers.get("location").unwrap(), &format!("{grid}?notice=done"));
        let moved = app.get(&format!("/api/v1/events/{event}/meetings"), Some(&officer)).await.body;
        assert_eq!((moved["items"][0]["slot"].as_u64(), moved["items"][0]["table"].as_u64()), (Some(2), Some(1)));
        assert_eq!(moved["items"][0]["locked"], true);
        let (_, headers, _) = app
            .page(
                Method::POST,
                &format!("{grid}/move"),
                &officer_cookies,
                None,
                Some(&move_form("mode=move&slot=0&table=1")),
            )
            .await;
        let location = headers.get("location").unwrap().to_str().unwrap().to_owned();
        assert_eq!(location, format!("{grid}?notice=failed&code=participant_unavailable"));
        let (_, _, html) = app.page(Method::GET, &location, &officer_cookies, None, None).await;
        assert!(html.contains("有参与方在该时段不能到场"), "{html}");
        let (status, _, _) = app
            .page(
                Method::POST,
                &format!("{grid}/move"),
                &officer_cookies,
                None,
                Some(&format!("meeting={meeting}&locked=false")),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a grid form without its token is refused");
        let (status, headers, _) =
            app.page(Method::GET, &format!("{page}/schedule.xlsx"), &officer_cookies, None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("content-type").unwrap().to_str().unwrap().contains("spreadsheetml"));
        let (status, _, printable) =
            app.page(Method::GET, &format!("{page}/schedule.html"), &officer_cookies, None, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(printable.contains("智慧农业对接会"), "{printable}");

        // The officer records a signed contract from the page, once the fair has taken place;
        // the statistics count it.
        let meetings = app.get(&format!("/api/v1/events/{event}/meetings"), Some(&officer)).await.body;
        let meeting = meetings["items"][0]["id"].as_i64().unwrap();
        let outcome = format!("/meetings/{meeting}/outcome");
        post_form(&app, &officer_cookies, &outcome, "stage=", event, "failed&code=meeting_not_started").await;
        let refused = format!("{page}?notice=failed&code=meeting_not_started");
        let (_, _, html) = app.page(Method::GET, &refused, &officer_cookies, None, None).await;
        assert!(html.contains("洽谈尚未开始"), "the page says why: {html}");
        let fair_day = (chrono::Utc::now() - chrono::Duration::days(2)).date_naive();
        app.store.move_event_to_day(techmatch_domain::event::EventId(event), fair_day).await.unwrap();
        post_form(&app, &officer_cookies, &outcome, "stage=contract_signed", event, "failed&code=required").await;
        let signed = format!(
            "stage=contract_signed&contract_type=technology_service&contract_amount_yuan=500000&contract_date={fair_day}"
        );
        post_form(&app, &officer_cookies, &outcome, &signed, event, "done").await;
        let period =
            format!("from={}&to={}", fair_day - chrono::Duration::days(5), fair_day + chrono::Duration::days(1));
        let stats = app.get(&format!("/api/v1/stats?{period}"), Some(&officer)).await.body;
        assert_eq!(stats["contracts"], 1, "{stats}");
        assert_eq!(stats["contract_amount_yuan"], 500_000);
        let (_, _, chart) = app.page(Method::GET, &format!("/stats?{period}"), &officer_cookies, None, None).await;
        // One held meeting that ended in a contract: full-length bars for all three counts.
        assert!(chart.contains("<svg class=\"bars\"") && chart.contains("width=\"300\" fill=\"#2e7d32\""), "{chart}");
        let (_, _, html) = app.page(Method::GET, &page, &officer_cookies, None, None).await;
        assert!(html.contains("已举行 · 已签约"), "{html}");
        app.stop().await;
    }
}

#[actix_web::test]
async fn listings_are_posted_through_forms_with_messages_beside_the_fields() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    app.account_with_role(Role::Researcher, "he@lab.cn").await;
    app.account_with_role(Role::Company, "ma@firm.cn").await;
    let researcher = log_in(&app, "founder-he@lab.cn").await;
    let (status, _, form) = app.page(Method::GET, "/my/results/new", &researcher, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("发布科研成果") && form.contains("name=\"abstract\""), "{form}");

    let csrf = form_token(&app, &researcher).await;
    let bad = format!(
        "csrf={csrf}&title=&abstract=%E6%91%98%E8%A6%81%E5%86%85%E5%AE%B9%E8%B6%B3%E5%A4%9F&maturity=pilot&asking_price_min=500&asking_price_max=100&industry_codes=99x&status=published"
    );
    let (status, _, html) = app.page(Method::POST, "/my/results/new", &researcher, None, Some(&bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("请修改标出的内容后再提交"), "{html}");
    assert!(html.contains("id=\"title-error\"") && html.contains("id=\"industry_codes-error\""), "{html}");
    assert!(html.contains("value=\"500\""), "what was typed is kept: {html}");
    assert!(html.contains("不是 GB&#x2f;T 4754 的行业大类代码"), "messages in the page language: {html}");

    let good = format!(
        "csrf={csrf}&title=%E9%AB%98%E9%95%8D%E4%B8%89%E5%85%83%E6%AD%A3%E6%9E%81&abstract=%E8%A1%A8%E9%9D%A2%E5%8C%85%E8%A6%86%E6%8F%90%E9%AB%98%E5%BE%AA%E7%8E%AF%E5%AF%BF%E5%91%BD&keywords=%E9%94%82%E7%94%B5%E6%B1%A0%EF%BC%8C%E6%AD%A3%E6%9E%81&industry_codes=38&maturity=pilot&status=published"
    );
    let (status, headers, html) = app.page(Method::POST, "/my/results/new", &researcher, None, Some(&good)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let location = headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert!(location.starts_with("/results/"));
    let (_, _, page) = app.page(Method::GET, &location, "", None, None).await;
    assert!(page.contains("高镍三元正极") && page.contains("锂电池、正极"), "published and public: {page}");

    let company = log_in(&app, "founder-ma@firm.cn").await;
    let form = format!(
        "csrf={}&title=%E4%BF%9D%E5%AF%86%E7%9A%84%E9%9C%80%E6%B1%82%E6%A0%87%E9%A2%98&description=%E4%BF%9D%E5%AF%86%E9%9C%80%E6%B1%82%E7%9A%84%E6%8F%8F%E8%BF%B0%E6%96%87%E5%AD%97%EF%BC%8C%E4%B8%8D%E5%AF%B9%E5%A4%96%E5%85%AC%E5%BC%80&confidential=true",
        form_token(&app, &company).await
    );
    let (status, headers, html) = app.page(Method::POST, "/my/needs/new", &company, None, Some(&form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let location = headers.get("location").unwrap().to_str().unwrap().to_owned();
    let (status, _, _) = app.page(Method::GET, &location, "", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "confidential: not for visitors");
    let (status, _, page) = app.page(Method::GET, &location, &company, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("保密的需求标题"));
    let (_, _, my) = app.page(Method::GET, "/my", &company, None, None).await;
    assert!(my.contains("保密的需求标题") && my.contains("保密需求"), "{my}");
    app.stop().await;
}

#[actix_web::test]
async fn officers_create_events_and_read_statistics_on_pages() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    app.account_with_role(Role::LiaisonOfficer, "officer@city.cn").await;
    app.account_with_role(Role::Researcher, "gao@lab.cn").await;
    let officer = log_in(&app, "officer@city.cn").await;
    let researcher = log_in(&app, "founder-gao@lab.cn").await;
    let (status, _, form) = app.page(Method::GET, "/events/new", &officer, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("创建对接活动") && form.contains("name=\"morning_start\""), "{form}");
    let (status, _, _) = app.page(Method::GET, "/events/new", &researcher, None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only staff create events");

    let csrf = form_token(&app, &officer).await;
    let base = "kind=matchmaking_fair&mode=on_site&venue=%E5%B1%95%E5%8E%85&slot_minutes=20&morning_start=09%3A00&morning_slots=4&afternoon_start=14%3A00&afternoon_slots=0&tables=3&capacity=30";
    let bad = format!("csrf={csrf}&title=&date=2099-06-01&registration_deadline=2099-07-01&{base}");
    let (status, _, html) = app.page(Method::POST, "/events/new", &officer, None, Some(&bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"title-error\"") && html.contains("id=\"registration_deadline-error\""), "{html}");
    let good = format!(
        "csrf={csrf}&title=%E9%A1%B5%E9%9D%A2%E5%88%9B%E5%BB%BA%E7%9A%84%E6%B4%BB%E5%8A%A8&date=2099-06-01&registration_deadline=2099-05-25&{base}"
    );
    let (status, headers, html) = app.page(Method::POST, "/events/new", &officer, None, Some(&good)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let location = headers.get("location").unwrap().to_str().unwrap().to_owned();
    let event: i64 = location.trim_start_matches("/events/").parse().unwrap();
    let (_, _, page) = app.page(Method::GET, &location, &officer, None, None).await;
    assert!(page.contains("页面创建的活动") && page.contains("草稿") && page.contains("开放报名"), "{page}");
    post_form(&app, &officer, &format!("/events/{event}/open"), "", event, "done").await;
    let (_, _, page) = app.page(Method::GET, &location, "", None, None).await;
    assert!(page.contains("<dd>开放</dd>"), "the public sees the opened event: {page}");

    let (status, _, stats) = app.page(Method::GET, "/stats?from=2099-01-01&to=2099-12-31", &officer, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(stats.contains("共有对接活动 1 场") && stats.contains("其中 1 场尚未举行"), "{stats}");
    assert!(stats.contains("2099年6月") && !stats.contains("2099-06"), "months by name: {stats}");
    let (_, _, english) =
        app.page(Method::GET, "/stats?from=2099-01-01&to=2099-12-31&lang=en", &officer, None, None).await;
    assert!(english.contains("1 matchmaking event (0 roadshows, all still to come)"), "{english}");
    assert!(english.contains("June 2099") && !english.contains("were held"), "{english}");
    assert!(
        english.contains("</strong>event</div>") && !english.contains("</strong>events</div>"),
        "one event: {english}"
    );
    let (status, _, _) = app.page(Method::GET, "/stats", &researcher, None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "statistics are staff's");
    app.stop().await;
}

#[actix_web::test]
async fn visitors_register_on_a_page_and_are_signed_in() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let (status, headers, form) = app.page(Method::GET, "/register", "", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("注册账号") && form.contains("name=\"organization.join_code\""), "{form}");
    let (nonce, _) = set_cookie(&headers, "tm_csrf").unwrap();
    let cookies = format!("tm_csrf={nonce}");
    let csrf = hidden_csrf(&form);
    let organization = "organization.name=%E6%B1%9F%E5%9F%8E%E5%B7%A5%E5%AD%A6%E9%99%A2&organization.kind=university&organization.region_code=420111";

    let (status, _, _) = app
        .page(
            Method::POST,
            "/register",
            &cookies,
            None,
            Some(&format!("email=a%40b.cn&password=x&role=researcher&{organization}")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no token, no account");
    let short = format!(
        "csrf={csrf}&email=zhou%40jcut.cn&password=short&display_name=%E5%91%A8&role=researcher&{organization}"
    );
    let (status, _, html) = app.page(Method::POST, "/register", &cookies, None, Some(&short)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"password-error\"") && html.contains("value=\"zhou@jcut.cn\""), "{html}");
    assert!(!html.contains("value=\"short\""), "a password is never sent back");

    let good = format!(
        "csrf={csrf}&email=zhou%40jcut.cn&password=a+long+enough+passphrase&display_name=%E5%91%A8&role=researcher&{organization}"
    );
    let (status, headers, _) = app.page(Method::POST, "/register", &cookies, None, Some(&good)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers.get("location").unwrap(), "/my");
    let (session, _) = set_cookie(&headers, "tm_session").expect("signed in");
    let (_, _, my) = app.page(Method::GET, "/my", &format!("{cookies}; tm_session={session}"), None, None).await;
    assert!(my.contains("zhou@jcut.cn") && my.contains("发布科研成果"), "{my}");

    let (status, _, html) = app.page(Method::POST, "/register", &cookies, None, Some(&good)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"email-error\""), "{html}");
    let chinese = app.token("zhou@jcut.cn", "a long enough passphrase").await;
    assert_eq!(app.get("/api/v1/me", Some(&chinese)).await.body["language"], "zh-CN");

    // Registered on the English page, the account reads English.
    let english = good
        .replace("zhou%40jcut.cn", "smith%40jcut.cn")
        .replace("%E6%B1%9F%E5%9F%8E%E5%B7%A5%E5%AD%A6%E9%99%A2", "%E6%B1%9F%E5%9F%8E%E5%AE%9E%E9%AA%8C%E5%AE%A4");
    let (status, _, _) = app.page(Method::POST, "/register", &cookies, Some("en-GB,en;q=0.8"), Some(&english)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let token = app.token("smith@jcut.cn", "a long enough passphrase").await;
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.body["language"], "en");
    app.stop().await;
}

fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in {html}")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

fn encoded(raw: &str) -> String {
    raw.bytes()
        .map(|byte| if byte.is_ascii_alphanumeric() { (byte as char).to_string() } else { format!("%{byte:02X}") })
        .collect()
}

#[actix_web::test]
async fn listings_are_edited_archived_and_challenges_answered_on_pages() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let researcher_token = app.account_with_role(Role::Researcher, "zhou@lab.cn").await;
    app.account_with_role(Role::Researcher, "rival@lab2.cn").await;
    app.account_with_role(Role::Company, "boss@factory.cn").await;
    let created = app
        .post(
            "/api/v1/results",
            Some(&researcher_token),
            &json!({"title": "柔性钙钛矿太阳能电池", "abstract": "低温溶液法制备柔性钙钛矿电池。", "maturity": "lab", "status": "draft"}),
        )
        .await;
    let id = created.body["id"].as_i64().unwrap();
    let researcher = log_in(&app, "founder-zhou@lab.cn").await;
    let rival = log_in(&app, "founder-rival@lab2.cn").await;

    // The owner sees the edit link and a form filled from the listing; others do not.
    let (_, _, page) = app.page(Method::GET, &format!("/results/{id}"), &researcher, None, None).await;
    // minijinja escapes the slashes of computed links.
    assert!(page.contains(&format!("&#x2f;results&#x2f;{id}&#x2f;edit")), "{page}");
    let (status, _, _) = app.page(Method::GET, &format!("/results/{id}/edit"), &rival, None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a draft of someone else does not exist for them");
    let (status, _, form) = app.page(Method::GET, &format!("/results/{id}/edit"), &researcher, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("编辑科技成果") && form.contains("柔性钙钛矿太阳能电池"), "{form}");
    let version = hidden_value(&form, "version");

    // Publishing with a new title; the page shows it to everyone.
    let csrf = form_token(&app, &researcher).await;
    let edit = |version: &str, title: &str, min: &str, max: &str| {
        format!(
            "csrf={csrf}&version={version}&title={}&abstract={}&keywords={}&industry_codes=38&maturity=pilot&asking_price_min={min}&asking_price_max={max}&region_code=&status=published",
            encoded(title),
            encoded("低温溶液法制备柔性钙钛矿电池，效率超过百分之二十。"),
            encoded("钙钛矿，柔性")
        )
    };
    let path = format!("/results/{id}/edit");
    let (status, headers, html) =
        app.page(Method::POST, &path, &researcher, None, Some(&edit(&version, "柔性钙钛矿电池组件", "", ""))).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(headers.get("location").unwrap(), &format!("/results/{id}"));
    let (status, _, public) = app.page(Method::GET, &format!("/results/{id}"), "", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(public.contains("柔性钙钛矿电池组件") && !public.contains("edit\""), "{public}");

    // The form's old version is stale now: refused, what was typed kept.
    let (status, _, html) =
        app.page(Method::POST, &path, &researcher, None, Some(&edit(&version, "又一个标题", "", ""))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("有人保存了这条信息") && html.contains("又一个标题"), "{html}");
    let current = app.get(&format!("/api/v1/results/{id}"), Some(&researcher_token)).await.body;
    assert_eq!(current["title"], "柔性钙钛矿电池组件", "nothing overwritten");
    let fresh = current["version"].to_string();
    let (status, _, html) =
        app.page(Method::POST, &path, &researcher, None, Some(&edit(&fresh, "柔性钙钛矿电池组件", "900", "100"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"asking_price_min-error\"") && html.contains("下限不能高于上限"), "{html}");
    let (status, _, _) = app.page(Method::POST, &path, &rival, None, Some(&edit(&fresh, "抢改标题", "", ""))).await;
    assert!(status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND, "{status}");

    // Archiving takes it off the public pages.
    let (status, headers, _) = app
        .page(Method::POST, &format!("/results/{id}/archive"), &researcher, None, Some(&format!("csrf={csrf}")))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers.get("location").unwrap(), "/my?archived=1");
    let (status, _, _) = app.page(Method::GET, &format!("/results/{id}"), "", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An open challenge posted from the form; a researcher applies once; the company shortlists.
    let company = log_in(&app, "founder-boss@factory.cn").await;
    let form = format!(
        "csrf={}&title={}&description={}&bounty_yuan=300000&challenge_deadline=2099-01-31&status=open",
        form_token(&app, &company).await,
        encoded("揭榜：废旧电池回收分选"),
        encoded("需要自动分选废旧锂电池的技术方案。")
    );
    let (status, headers, html) = app.page(Method::POST, "/my/needs/new", &company, None, Some(&form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let need = headers.get("location").unwrap().to_str().unwrap().to_owned();
    let (_, _, page) = app.page(Method::GET, &need, &researcher, None, None).await;
    assert!(page.contains("揭榜申请") && page.contains("name=\"proposal\""), "{page}");
    let proposal = format!("csrf={csrf}&proposal={}", encoded("我们有基于机器视觉的电池分选方案，可现场演示。"));
    let (status, headers, _) =
        app.page(Method::POST, &format!("{need}/apply"), &researcher, None, Some(&proposal)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers.get("location").unwrap().to_str().unwrap(), format!("{need}?notice=done"));
    let (_, headers, _) = app.page(Method::POST, &format!("{need}/apply"), &researcher, None, Some(&proposal)).await;
    let again = headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert_eq!(again, format!("{need}?notice=failed&code=already_applied"));
    let (_, _, page) = app.page(Method::GET, &again, &researcher, None, None).await;
    assert!(page.contains("您已经申请过该揭榜项目"), "{page}");
    assert!(!page.contains("机器视觉的电池分选方案"), "applicants do not see the applications: {page}");
    let (_, _, page) = app.page(Method::GET, &need, &company, None, None).await;
    assert!(page.contains("机器视觉的电池分选方案") && page.contains("已提交"), "{page}");
    let application = page.split("/applications/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    let (status, _, _) = app
        .page(
            Method::POST,
            &format!("{need}/applications/{application}/shortlist"),
            &company,
            None,
            Some(&format!("csrf={}", form_token(&app, &company).await)),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = app.page(Method::GET, &need, &company, None, None).await;
    assert!(page.contains("已入选"), "{page}");
    app.stop().await;
}

#[actix_web::test]
async fn admins_manage_accounts_and_see_organizations_on_pages() {
    // Fifty registrations from one client below: more than a client may make by default.
    let app = TestApp::spawn_with(techmatch_store::testing::TestDatabase::sqlite(), |settings| {
        settings.auth.login_limits.max_registrations_per_client = 1_000;
    })
    .await;
    app.account_with_role(Role::Admin, "root@city.cn").await;
    app.account_with_role(Role::LiaisonOfficer, "officer@city.cn").await;
    app.account_with_role(Role::Company, "boss@firm.cn").await;
    let admin = log_in(&app, "root@city.cn").await;
    let officer = log_in(&app, "officer@city.cn").await;

    let (status, _, html) = app.page(Method::GET, "/admin", &admin, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("账户与机构") && html.contains("founder-boss@firm.cn") && html.contains("机构 boss@firm.cn"),
        "{html}"
    );
    assert!(html.contains("href=\"/admin\""), "admins get the link in the navigation");
    let (status, _, _) = app.page(Method::GET, "/admin", &officer, None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "officers are not admins");
    let (status, _, _) = app.page(Method::GET, "/admin", "", None, None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "visitors are sent to sign in");

    // Fifty organizations to a page, accounts named by their organization on every page.
    for number in 0..50 {
        let registered =
            app.register(&format!("co{number:02}@many.cn"), "company", &format!("公司{number:02}号")).await;
        assert_eq!(registered.status, StatusCode::CREATED, "{}", registered.body);
    }
    let (_, _, first) = app.page(Method::GET, "/admin", &admin, None, None).await;
    assert!(first.contains("1 / 2") && first.contains("org_page=2"), "{first}");
    assert!(!first.contains("公司49号</td>"), "the 51st organization is on the second page");
    let (status, _, second) = app.page(Method::GET, "/admin?page=2&org_page=2", &admin, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(second.contains("公司49号</td>") && second.contains("2 / 2"), "{second}");
    assert!(second.contains("co49@many.cn") && !second.contains(">#"), "accounts on page 2 are named: {second}");
    let (status, _, _) = app.page(Method::GET, "/admin?page=18446744073709551615&org_page=0", &admin, None, None).await;
    assert_eq!(status, StatusCode::OK, "any page number is answered");
    let (status, _, _) = app.page(Method::GET, "/admin?org_page=two", &admin, None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Each organization's row links to the new account form with it chosen, even one the
    // form's list would not reach.
    let table = second.split("<h2>机构</h2>").nth(1).unwrap();
    let row = table.split("公司49号</td>").nth(1).unwrap().split("</tr>").next().unwrap();
    let link = row.split("href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&amp;", "&");
    let id = link.split("account_for=").nth(1).unwrap().split('#').next().unwrap().to_owned();
    let (status, _, chosen) = app.page(Method::GET, &link, &admin, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(chosen.contains(&format!("<option value=\"{id}\" selected>公司49号</option>")), "{chosen}");
    assert_eq!(chosen.matches(&format!("<option value=\"{id}\"")).count(), 1, "offered once");
    let (status, _, _) = app.page(Method::GET, "/admin?account_for=abc", &admin, None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, unknown) = app.page(Method::GET, "/admin?account_for=999999", &admin, None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!unknown.contains("value=\"999999\"") && !unknown.contains(" selected>公司"), "{unknown}");

    // A bad address is refused beside its field; a good one shows the generated password once.
    let csrf = form_token(&app, &admin).await;
    let (status, _, html) = app
        .page(
            Method::POST,
            "/admin/users",
            &admin,
            None,
            Some(&format!("csrf={csrf}&email=nope&display_name=Li&role=liaison_officer")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"email-error\""), "{html}");
    let form = format!(
        "csrf={csrf}&email=new-officer%40city.cn&display_name=%E6%96%B0%E7%BB%8F%E7%BA%AA%E4%BA%BA&role=liaison_officer"
    );
    let (status, _, html) = app.page(Method::POST, "/admin/users", &admin, None, Some(&form)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("只显示这一次") && html.contains("new-officer@city.cn"), "{html}");
    let password = html.split("<code>").nth(1).unwrap().split("</code>").next().unwrap().to_owned();
    let signed_in = app.login("new-officer@city.cn", &password).await;
    assert_eq!(signed_in.status, StatusCode::OK, "the shown password works: {}", signed_in.body);
    let (_, _, html) = app.page(Method::POST, "/admin/users", &admin, None, Some(&form)).await;
    assert!(html.contains("id=\"email-error\"") && html.contains("该电子邮箱已注册"), "{html}");

    // Deactivation ends sign-ins; an admin cannot deactivate themself.
    let users = app.get("/api/v1/admin/users?limit=100", Some(&app.token("root@city.cn", PASSWORD).await)).await.body;
    let id_of = |email: &str| {
        users["items"].as_array().unwrap().iter().find(|user| user["email"] == email).unwrap()["id"].as_i64().unwrap()
    };
    let (status, headers, _) = app
        .page(
            Method::POST,
            &format!("/admin/users/{}/activation", id_of("new-officer@city.cn")),
            &admin,
            None,
            Some(&format!("csrf={csrf}&active=false")),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers.get("location").unwrap(), "/admin?notice=done");
    assert_ne!(app.login("new-officer@city.cn", &password).await.status, StatusCode::OK);
    let (_, headers, _) = app
        .page(
            Method::POST,
            &format!("/admin/users/{}/activation", id_of("root@city.cn")),
            &admin,
            None,
            Some(&format!("csrf={csrf}&active=false")),
        )
        .await;
    let location = headers.get("location").unwrap().to_str().unwrap().to_owned();
    assert_eq!(location, "/admin?notice=failed&code=cannot_deactivate_self");
    let (_, _, html) = app.page(Method::GET, &location, &admin, None, None).await;
    assert!(html.contains("不能停用自己的账户"), "{html}");
    let (status, _, _) = app
        .page(
            Method::POST,
            &format!("/admin/users/{}/activation", id_of("officer@city.cn")),
            &admin,
            None,
            Some("active=false"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no token, no change");
    app.stop().await;
}

#[actix_web::test]
async fn officers_post_results_for_an_institution_on_the_page() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    app.account_with_role(Role::Researcher, "qian@uni.cn").await;
    app.account_with_role(Role::Company, "sun@firm.cn").await;
    app.account_with_role(Role::LiaisonOfficer, "broker@city.cn").await;
    let officer = log_in(&app, "broker@city.cn").await;
    let (_, _, form) = app.page(Method::GET, "/my/results/new", &officer, None, None).await;
    assert!(form.contains("代表以下机构发布") && form.contains("机构 qian@uni.cn"), "{form}");
    assert!(!form.contains("机构 sun@firm.cn"), "companies do not hold research results: {form}");
    assert!(form.contains(">中试</option>"), "choices are shown by name: {form}");
    let organization = form.split("<option value=\"").nth(2).unwrap().split('"').next().unwrap().to_owned();
    let officer_token = form_token(&app, &officer).await;
    let body = |organization: &str| {
        format!(
            "csrf={}&organization_id={organization}&title={}&abstract={}&maturity=pilot&status=published",
            officer_token,
            encoded("代发布的农机导航成果"),
            encoded("北斗导航的农机自动驾驶系统。")
        )
    };
    let (status, _, html) = app.page(Method::POST, "/my/results/new", &officer, None, Some(&body(""))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"organization_id-error\""), "the officer must name the institution: {html}");
    let (status, headers, html) =
        app.page(Method::POST, "/my/results/new", &officer, None, Some(&body(&organization))).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let location = headers.get("location").unwrap().to_str().unwrap().to_owned();
    let id = location.trim_start_matches("/results/");
    let stored = app.get(&format!("/api/v1/results/{id}"), None).await.body;
    assert_eq!(stored["organization_id"].to_string(), organization, "{stored}");
    app.stop().await;
}

#[actix_web::test]
async fn an_organizations_profile_lists_what_it_published_and_never_a_confidential_need() {
    let app = TestApp::spawn(techmatch_store::testing::TestDatabase::sqlite()).await;
    let company = app.account_with_role(Role::Company, "ma@battery.cn").await;
    let public = app
        .post(
            "/api/v1/needs",
            Some(&company),
            &json!({"title": "公开：电池回收分选", "description": "废旧动力电池自动拆解分选的技术需求。"}),
        )
        .await;
    app.post(
        "/api/v1/needs",
        Some(&company),
        &json!({"title": "保密：电池循环寿命提升", "description": "动力电池循环寿命不足，希望找到正极改性方案。", "confidential": true}),
    )
    .await;
    let organization = app.get("/api/v1/me", Some(&company)).await.body["organization_id"].as_i64().unwrap();
    let (_, _, listing) = app.page(Method::GET, &format!("/needs/{}", public.body["id"]), "", None, None).await;
    assert!(
        listing.contains(&format!("href=\"/organizations/{organization}\"")),
        "the poster links to its profile: {listing}"
    );
    let (status, _, profile) = app.page(Method::GET, &format!("/organizations/{organization}"), "", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(profile.contains("机构 ma@battery.cn") && profile.contains("公开：电池回收分选"), "{profile}");
    assert!(!profile.contains("保密"), "a confidential need is not on the public profile: {profile}");
    let join_code =
        app.get("/api/v1/me/organization", Some(&company)).await.body["join_code"].as_str().unwrap().to_owned();
    assert!(!profile.contains(&join_code), "the join code stays with the members");
    let (status, _, _) = app.page(Method::GET, "/organizations/999999", "", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}
