//! A registry's file of registered technology contracts joined to the platform's deals by the
//! parties' credit codes and signing dates, on both databases: joined rows recorded, the rest
//! reported, and nothing written for a row that does not join exactly one deal.

use actix_web::http::StatusCode;
use chrono::{Duration, NaiveDate, Utc};
use serde_json::{Value, json};
use techmatch_domain::Role;
use techmatch_service::import::{ImportRow, import_contracts, read_jsonl};

use crate::helpers::TestApp;

/// A valid unified social credit code from 17 characters, with the check character computed
/// the way GB 32100 says.
pub fn credit_code(body: &str) -> String {
    const CHARACTERS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let sum: usize = body.chars().zip(WEIGHTS).map(|(c, weight)| CHARACTERS.find(c).unwrap() * weight).sum();
    let check = CHARACTERS.chars().nth((31 - sum % 31) % 31).unwrap();
    format!("{body}{check}")
}

/// A deal signed on `signed_on` with these codes recorded; its id.
async fn signed_deal(
    app: &TestApp,
    tokens: &(String, String),
    index: usize,
    codes: (&str, &str),
    signed_on: NaiveDate,
) -> i64 {
    let (researcher, company) = tokens;
    let result = app
        .post(
            "/api/v1/results",
            Some(researcher),
            &json!({"title": format!("登记联调成果 {index}"), "abstract": "用于合同登记联调测试的已发布科研成果。", "maturity": "pilot", "status": "published"}),
        )
        .await;
    let interest = app
        .post(
            "/api/v1/interests",
            Some(company),
            &json!({"listing_kind": "result", "listing_id": result.body["id"], "purpose": "license", "message": "希望就这项成果签订技术合同。"}),
        )
        .await;
    let accepted = app
        .post(
            &format!("/api/v1/interests/{}/answer", interest.body["id"]),
            Some(researcher),
            &json!({"decision": "accept"}),
        )
        .await;
    let deal = accepted.body["deal_id"].as_i64().unwrap();
    let signed = app
        .post(
            &format!("/api/v1/deals/{deal}/stage"),
            Some(company),
            &json!({"version": 1, "stage": "contract_signed", "contract_type": "technology_license", "contract_amount_yuan": 500_000,
                "contract_date": signed_on.to_string(), "seller_credit_code": codes.0, "buyer_credit_code": codes.1}),
        )
        .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    deal
}

fn row(number: &str, codes: (&str, &str), signed_on: NaiveDate, registered_on: NaiveDate) -> Value {
    json!({"合同登记号": number, "合同类别": "技术许可", "成交金额": "500,000", "签订日期": signed_on.format("%Y年%m月%d日").to_string(),
        "登记日期": registered_on.to_string(), "卖方统一社会信用代码": codes.0, "买方统一社会信用代码": codes.1,
        "卖方名称": "某大学", "买方名称": "某公司"})
}

fn rows(values: &[Value]) -> Vec<ImportRow> {
    let text: Vec<String> = values.iter().map(Value::to_string).collect();
    let (rows, errors) = read_jsonl(std::io::Cursor::new(text.join("\n"))).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    rows
}

#[actix_web::test]
async fn registered_contracts_join_their_deals_and_the_rest_is_reported() {
    for app in TestApp::each_backend().await {
        let tokens = (
            app.account_with_role(Role::Researcher, "li@whut.edu.cn").await,
            app.account_with_role(Role::Company, "ma@battery.cn").await,
        );
        let officer = app.account_with_role(Role::LiaisonOfficer, "officer@kjj.gov.cn").await;
        let registrar = app.services.accounts.authenticate(&officer).await.unwrap().user_id;
        let code = |body: &str| credit_code(body);
        let (seller, buyer) = (code("12420000441356018"), code("91420100MA4K23456"));
        let (other_seller, other_buyer) = (code("12420000441356026"), code("91420100MA4K23464"));
        let signed_on = (Utc::now() - Duration::days(40)).date_naive();
        let joined = signed_deal(&app, &tokens, 0, (&seller, &buyer), signed_on).await;
        let twin_a = signed_deal(&app, &tokens, 1, (&other_seller, &other_buyer), signed_on).await;
        let twin_b = signed_deal(&app, &tokens, 2, (&other_seller, &other_buyer), signed_on).await;
        let registered_on = signed_on + Duration::days(10);
        let mut malformed = row("2026420100000002", (&seller, &buyer), signed_on, registered_on);
        malformed["成交金额"] = json!("-5");
        let wrong_check = if buyer.ends_with('0') { '1' } else { '0' };
        malformed["买方统一社会信用代码"] = json!(format!("{}{wrong_check}", &buyer[..17]));
        let file = rows(&[
            // Two days off the recorded signing date: the registration of `joined`.
            row("2026420100000001", (&seller, &buyer), signed_on + Duration::days(2), registered_on),
            row("2026420100000001", (&seller, &buyer), signed_on + Duration::days(2), registered_on),
            malformed,
            row("2026420100000003", (&code("12420000441356034"), &buyer), signed_on, registered_on),
            row("2026420100000004", (&other_seller, &other_buyer), signed_on, registered_on),
            row("2026420100000005", (&seller, &buyer), signed_on, signed_on - Duration::days(1)),
        ]);
        let report = import_contracts(&app.store, &file, registrar, false, |_, _| {}).await.unwrap();
        assert_eq!(report.recorded, [(1, joined)], "{}: {report:?}", app.backend);
        assert_eq!(report.already_recorded, 1, "the same row again changes nothing");
        let reasons: Vec<(usize, &str)> = report.errors.iter().map(|error| (error.row, error.field.as_str())).collect();
        assert_eq!(
            reasons,
            [(3, "amount_yuan"), (3, "buyer_credit_code"), (4, "no_deal"), (5, "ambiguous"), (6, "registration_date")],
            "{report:?}"
        );

        let deal = app.get(&format!("/api/v1/deals/{joined}"), Some(&officer)).await.body;
        assert_eq!(deal["stage"], "contract_registered");
        assert_eq!(deal["registration_number"], "2026420100000001");
        assert_eq!(deal["registration_date"], registered_on.to_string());
        let last = deal["timeline"].as_array().unwrap().last().unwrap().clone();
        assert!(last["note"].as_str().unwrap().contains("2026420100000001"), "{last}");
        // Nothing was written for the rows that did not join exactly one deal.
        for twin in [twin_a, twin_b] {
            let untouched = app.get(&format!("/api/v1/deals/{twin}"), Some(&officer)).await.body;
            assert_eq!(
                (untouched["stage"].as_str(), untouched["version"].as_i64()),
                (Some("contract_signed"), Some(2))
            );
            assert!(untouched["registration_number"].is_null());
        }
        // A dry run (what --strict does first) writes nothing either.
        let dry = import_contracts(
            &app.store,
            &rows(&[row("2026420100000009", (&other_seller, &other_buyer), signed_on, registered_on)]),
            registrar,
            true,
            |_, _| {},
        )
        .await
        .unwrap();
        assert_eq!(dry.errors.len(), 1);
        app.stop().await;
    }
}
