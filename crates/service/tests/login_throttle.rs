//! Login throttling holds across service nodes: two `AccountService`s on one database (as two
//! nodes on one PostgreSQL would be) count attempts and failures together. Run on SQLite and,
//! when configured, PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use techmatch_domain::{
    DisplayName, EmailAddress, NewPassword, OrganizationKind, OrganizationName, RegionCode, SelfServiceRole,
};
use techmatch_service::AccountService;
use techmatch_service::AuthSettings;
use techmatch_service::ServiceError;
use techmatch_service::{OrganizationChoice, Registration};
use techmatch_store::LoginEventKind;
use techmatch_store::testing::TestDatabase;

fn settings(max_failures_per_account: u32, max_attempts_per_client: u32) -> AuthSettings {
    serde_json::from_value(json!({
        "jwt_secret": "a test secret that is long enough for hs256 signing",
        "issuer": "techmatch-test",
        "audience": "techmatch-test",
        "access_token_ttl_seconds": 600,
        "clock_leeway_seconds": 5,
        "account_recheck_ms": 2000,
        "password_hash": {"memory_kib": 19456, "iterations": 2, "parallelism": 1},
        "login_limits": {
            "window_seconds": 600,
            "max_failures_per_account": max_failures_per_account,
            "max_attempts_per_client": max_attempts_per_client
        }
    }))
    .expect("auth settings")
}

fn throttled(outcome: Result<techmatch_service::IssuedToken, ServiceError>) -> bool {
    match outcome {
        Err(ServiceError::RateLimited { retry_after }) => {
            assert!(retry_after.as_secs() >= 1 && retry_after.as_secs() <= 600, "{retry_after:?}");
            true
        }
        Err(ServiceError::InvalidCredentials) => false,
        other => panic!("unexpected outcome {other:?}"),
    }
}

#[tokio::test]
async fn failures_on_one_node_count_on_the_other() {
    for database in TestDatabase::all().await {
        let store = database.store().await;
        let first = AccountService::new(store.clone(), &settings(3, 100)).unwrap();
        let second = AccountService::new(store.clone(), &settings(3, 100)).unwrap();
        let label = database.label;
        // Wrong passwords for one account, through both nodes, from different addresses.
        assert!(!throttled(first.login("victim@example.org", "wrong guess one", "10.0.0.1").await), "{label}");
        assert!(!throttled(first.login("victim@example.org", "wrong guess two", "10.0.0.2").await), "{label}");
        assert!(!throttled(second.login("victim@example.org", "wrong guess three", "10.0.0.3").await), "{label}");
        // Three failures in all: both nodes now refuse the account, whoever asks.
        assert!(throttled(first.login("victim@example.org", "guess four", "10.0.0.4").await), "{label}");
        assert!(throttled(second.login("Victim@Example.org", "guess five", "10.0.0.5").await), "{label}");
        // Another account is unaffected.
        assert!(!throttled(second.login("other@example.org", "wrong", "10.0.0.6").await), "{label}");
        store.close().await;
    }
}

#[tokio::test]
async fn one_client_is_limited_across_nodes_and_accounts() {
    for database in TestDatabase::all().await {
        let store = database.store().await;
        let first = AccountService::new(store.clone(), &settings(100, 4)).unwrap();
        let second = AccountService::new(store.clone(), &settings(100, 4)).unwrap();
        let label = database.label;
        for (node, account) in [(&first, "a@x.org"), (&second, "b@x.org"), (&first, "c@x.org"), (&second, "d@x.org")] {
            assert!(!throttled(node.login(account, "wrong", "192.0.2.7").await), "{label}");
        }
        assert!(throttled(first.login("e@x.org", "wrong", "192.0.2.7").await), "{label}");
        assert!(throttled(second.login("f@x.org", "wrong", "192.0.2.7").await), "{label}");
        assert!(!throttled(second.login("f@x.org", "wrong", "192.0.2.8").await), "{label}: another address");
        store.close().await;
    }
}

#[tokio::test]
async fn events_that_left_the_window_are_pruned_now_and_then() {
    for database in TestDatabase::all().await {
        let store = database.store().await;
        let label = database.label;
        let long_ago = chrono::Utc::now() - chrono::Duration::hours(2);
        let epoch = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let old_events = |key: &'static str| {
            let store = store.clone();
            async move { store.count_login_events(LoginEventKind::Failure, key, epoch).await.unwrap().count }
        };
        store.add_login_event(LoginEventKind::Failure, "first@x.org", long_ago).await.unwrap();
        let node = AccountService::new(store.clone(), &settings(3, 100)).unwrap();
        assert!(!throttled(node.login("someone@x.org", "wrong", "198.51.100.1").await), "{label}");
        assert_eq!(old_events("first@x.org").await, 0, "{label}: the first login prunes");
        // Within the minute the node does not delete again; the old event still counts for
        // nothing (the window is ten minutes).
        store.add_login_event(LoginEventKind::Failure, "second@x.org", long_ago).await.unwrap();
        store.add_login_event(LoginEventKind::Failure, "second@x.org", long_ago).await.unwrap();
        store.add_login_event(LoginEventKind::Failure, "second@x.org", long_ago).await.unwrap();
        assert!(!throttled(node.login("second@x.org", "wrong", "198.51.100.2").await), "{label}");
        assert!(old_events("second@x.org").await >= 3, "{label}: no second prune within a minute");
        store.close().await;
    }
}

const OWNER_PASSWORD: &str = "the owner's long password";

async fn register_owner(node: &AccountService, email: &str, client: &str) {
    let address = EmailAddress::parse("email", email).unwrap();
    let registration = Registration {
        password: NewPassword::parse("password", OWNER_PASSWORD, Some(&address)).unwrap(),
        email: address,
        display_name: DisplayName::parse("display_name", "Owner").unwrap(),
        role: SelfServiceRole::Company,
        organization: OrganizationChoice::Found {
            name: OrganizationName::parse("name", &format!("Company of {email}")).unwrap(),
            kind: OrganizationKind::parse("kind", "company").unwrap(),
            region_code: RegionCode::parse("region_code", "420100").unwrap(),
        },
    };
    node.register(registration, client).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_through_two_nodes_get_no_more_than_the_limit() {
    for database in TestDatabase::all().await {
        let store = database.store().await;
        let label = database.label;
        let nodes = [
            AccountService::new(store.clone(), &settings(5, 1_000)).unwrap(),
            AccountService::new(store.clone(), &settings(5, 1_000)).unwrap(),
        ];
        let attempts: Vec<_> = (0..30)
            .map(|index| {
                let node = nodes[index % 2].clone();
                tokio::spawn(async move {
                    node.login("victim@example.org", &format!("guess number {index}"), &format!("10.1.0.{index}")).await
                })
            })
            .collect();
        let mut refused = 0;
        for attempt in attempts {
            if throttled(attempt.await.unwrap()) {
                refused += 1;
            }
        }
        assert_eq!(30 - refused, 5, "{label}: exactly the limit was checked, on both nodes together");
        store.close().await;
    }
}

#[tokio::test]
async fn an_attacker_cannot_lock_the_owner_out_of_a_client_the_owner_used() {
    for database in TestDatabase::all().await {
        let store = database.store().await;
        let label = database.label;
        let node = AccountService::new(store.clone(), &settings(3, 100)).unwrap();
        register_owner(&node, "owner@example.org", "192.0.2.1").await;
        node.login("owner@example.org", OWNER_PASSWORD, "192.0.2.1").await.unwrap();
        for attempt in 0..3 {
            let guess = node.login("owner@example.org", "an attacker's guess", &format!("203.0.113.{attempt}")).await;
            assert!(!throttled(guess), "{label}");
        }
        // New clients now wait, even with the right password.
        assert!(throttled(node.login("owner@example.org", OWNER_PASSWORD, "203.0.113.200").await), "{label}");
        // The owner's own client does not.
        node.login("owner@example.org", OWNER_PASSWORD, "192.0.2.1")
            .await
            .unwrap_or_else(|error| panic!("{label}: the owner was locked out: {error:?}"));
        store.close().await;
    }
}
