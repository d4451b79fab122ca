//! What follows a match teaches the matching: a deal's progress and an interest declined as
//! off-field are stored as labelled pairs with their feature values, and the refit learns
//! from them beside the officers' decisions.

use actix_web::http::StatusCode;
use serde_json::json;
use techmatch_domain::Role;

use crate::deals::pair;
use crate::helpers::TestApp;

#[actix_web::test]
async fn deal_progress_and_off_field_declines_become_labelled_pairs() {
    for app in TestApp::each_backend().await {
        let pair = pair(&app).await;
        app.index_settled().await;
        // The company writes about the result for its own (confidential) need: the pair.
        let interest = |message: &str| {
            json!({"listing_kind": "result", "listing_id": pair.result_id, "purpose": "license",
                   "message": message, "related_kind": "need", "related_id": pair.need_id})
        };
        let sent = app.post("/api/v1/interests", Some(&pair.company), &interest("希望许可使用正极包覆技术。")).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
        let declined = app
            .post(
                &format!("/api/v1/interests/{}/answer", sent.body["id"]),
                Some(&pair.researcher),
                &json!({"decision": "decline", "reason": "not_our_field"}),
            )
            .await;
        assert_eq!(declined.status, StatusCode::OK, "{}", declined.body);
        let labels = app.store.pair_outcomes().await.unwrap();
        assert_eq!(labels.len(), 1, "{}: {labels:?}", app.backend);
        let off_field = &labels[0];
        assert_eq!((off_field.source, off_field.label.as_str(), off_field.good), ("interest", "not_our_field", false));
        assert_eq!((off_field.need_id.0, off_field.result_id.0), (pair.need_id, pair.result_id));
        assert_eq!(off_field.weight, 2.0);
        assert!(off_field.features.iter().any(|(name, _)| name == "text"), "{off_field:?}");

        // Asked again, accepted, and the deal goes ahead: one label for the deal, replaced as
        // it moves (an accepted interest alone says nothing yet).
        let again = app.post("/api/v1/interests", Some(&pair.company), &interest("能否再谈谈？我们的需求变了。")).await;
        let accepted = app
            .post(
                &format!("/api/v1/interests/{}/answer", again.body["id"]),
                Some(&pair.researcher),
                &json!({"decision": "accept"}),
            )
            .await;
        let deal = accepted.body["deal_id"].as_i64().unwrap();
        assert_eq!(app.store.pair_outcomes().await.unwrap().len(), 1, "introduced: no word on the match yet");
        let stage = |version: i64, stage: &str| {
            let app = &app;
            let token = pair.company.clone();
            let body = json!({"version": version, "stage": stage});
            async move { app.post(&format!("/api/v1/deals/{deal}/stage"), Some(&token), &body).await }
        };
        assert_eq!(stage(1, "in_talks").await.status, StatusCode::OK);
        assert_eq!(stage(2, "intent_signed").await.status, StatusCode::OK);
        let labels = app.store.pair_outcomes().await.unwrap();
        let from_deal: Vec<_> = labels.iter().filter(|label| label.source == "deal").collect();
        assert_eq!(from_deal.len(), 1, "{labels:?}");
        assert_eq!((from_deal[0].label.as_str(), from_deal[0].good, from_deal[0].weight), ("intent_signed", true, 2.0));

        // The refit counts them beside the decisions (too few yet to refit).
        let officer = app.account_with_role(Role::LiaisonOfficer, "officer@kjj.gov.cn").await;
        let decided = app
            .post(
                "/api/v1/suggestions/decisions",
                Some(&officer),
                &json!({"need_id": pair.need_id, "result_id": pair.result_id, "decision": "shortlist"}),
            )
            .await;
        assert!(decided.status.is_success(), "{}", decided.body);
        let (labels, report) =
            techmatch_service::matching::refit_from_decisions(&app.store, &app.settings.matching.weights)
                .await
                .unwrap();
        assert_eq!((labels.decisions, labels.deals, labels.interests), (1, 1, 1));
        assert!(report.is_none());
        app.stop().await;
    }
}
