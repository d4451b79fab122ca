//! Store behaviour, run on SQLite and (when configured) PostgreSQL alike.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use techmatch_domain::{
    DisplayName, EmailAddress, JoinCode, OrganizationKind, OrganizationName, RegionCode, Role, UserId,
};
use techmatch_store::testing::TestDatabase;
use techmatch_store::{CreateAccountError, Membership, NewAccount, NewOrganization, PageRequest, Store};

fn new_account(email: &str, role: Role, membership: Membership) -> NewAccount {
    NewAccount {
        email: EmailAddress::parse("email", email).unwrap(),
        password_hash: "$argon2id$placeholder".to_owned(),
        display_name: DisplayName::parse("display_name", "张伟 Zhang Wei").unwrap(),
        role,
        membership,
    }
}

fn new_organization(name: &str, kind: OrganizationKind, join_code: &str) -> NewOrganization {
    NewOrganization {
        name: OrganizationName::parse("name", name).unwrap(),
        kind,
        region_code: RegionCode::parse("region_code", "330106").unwrap(),
        join_code: JoinCode::parse("join_code", join_code).unwrap(),
    }
}

async fn for_each_backend<F, Fut>(test: F)
where
    F: Fn(Store, &'static str) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for database in TestDatabase::all().await {
        let store = database.store().await;
        test(store.clone(), database.label).await;
        store.close().await;
    }
}

#[tokio::test]
async fn migrations_apply_and_are_idempotent() {
    for_each_backend(|store, label| async move {
        store.migrate().await.unwrap();
        let applied = store.applied_migrations().await.unwrap();
        assert_eq!(
            applied,
            vec![
                "m20261127_000001_organizations_and_users".to_owned(),
                "m20261127_000002_listings".to_owned(),
                "m20261127_000003_match_decisions".to_owned(),
                "m20261127_000004_decision_features".to_owned(),
                "m20261127_000005_stored_matches".to_owned(),
                "m20261127_000006_events".to_owned(),
                "m20261127_000007_presentations".to_owned(),
                "m20261127_000008_index_nodes".to_owned(),
                "m20261127_000009_login_events".to_owned(),
                "m20261127_000010_stored_match_first_found".to_owned(),
                "m20261127_000011_notification_mail".to_owned(),
                "m20261127_000012_decisions_by_result".to_owned(),
                "m20261203_000013_interests_and_deals".to_owned(),
                "m20261203_000014_meeting_outcomes_on_deals".to_owned(),
                "m20261204_000015_organization_contacts".to_owned(),
                "m20261204_000016_interface_languages".to_owned(),
                "m20261204_000017_pair_outcomes".to_owned(),
                "m20261206_000018_funnel_figures".to_owned(),
                "m20261206_000019_interests_found_via".to_owned(),
                "m20261206_000020_listing_contacts".to_owned()
            ],
            "{label}"
        );
        store.ping().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn account_with_new_organization_then_colleague_joins_by_code() {
    for_each_backend(|store, label| async move {
        let (founder, organization) = store
            .create_account(new_account(
                "li@zju.edu.cn",
                Role::Researcher,
                Membership::Create(new_organization("浙江大学", OrganizationKind::University, "ABCDEFGH12345678")),
            ))
            .await
            .unwrap();
        let organization = organization.expect("organization created");
        assert_eq!(organization.name.as_str(), "浙江大学", "{label}");
        assert_eq!(founder.organization_id, Some(organization.id), "{label}");
        assert_eq!(founder.role, Role::Researcher);
        assert_eq!(founder.token_version, 0);
        assert!(founder.is_active);

        let join_code = JoinCode::parse("join_code", "ABCDEFGH12345678").unwrap();
        let (colleague, joined) = store
            .create_account(new_account("wang@zju.edu.cn", Role::Researcher, Membership::Join(join_code.clone())))
            .await
            .unwrap();
        assert_eq!(joined.map(|organization| organization.id), Some(organization.id), "{label}");
        assert_eq!(colleague.organization_id, Some(organization.id));

        // A company account cannot join a university.
        let error = store
            .create_account(new_account("boss@acme.cn", Role::Company, Membership::Join(join_code)))
            .await
            .unwrap_err();
        assert!(matches!(error, CreateAccountError::KindMismatch { .. }), "{label}: {error:?}");
        assert!(
            store.find_account_by_email(&EmailAddress::parse("e", "boss@acme.cn").unwrap()).await.unwrap().is_none()
        );

        // Organizations by kind (the choices when staff post for an institution) and by id.
        let (_, company) = store
            .create_account(new_account(
                "boss@acme.cn",
                Role::Company,
                Membership::Create(new_organization("Acme 科技", OrganizationKind::Company, "CCCCDDDDEEEEFFFF")),
            ))
            .await
            .unwrap();
        let (_, institute) = store
            .create_account(new_account(
                "zhao@ias.cn",
                Role::Researcher,
                Membership::Create(new_organization(
                    "中科院 Institute",
                    OrganizationKind::Institute,
                    "GGGGHHHHJJJJKKKK",
                )),
            ))
            .await
            .unwrap();
        let (company, institute) = (company.unwrap(), institute.unwrap());
        let research = store
            .organizations_of_kinds(&[OrganizationKind::University, OrganizationKind::Institute], 10)
            .await
            .unwrap();
        let mut expected = vec![organization.id, institute.id];
        expected.sort_by_key(|id| {
            if *id == organization.id {
                organization.name.as_str().to_owned()
            } else {
                institute.name.as_str().to_owned()
            }
        });
        assert_eq!(research.iter().map(|found| found.id).collect::<Vec<_>>(), expected, "{label}: by name, no company");
        assert_eq!(store.organizations_of_kinds(&[OrganizationKind::University], 10).await.unwrap().len(), 1);
        let named = store.organizations_by_ids(&[company.id, organization.id]).await.unwrap();
        assert_eq!(
            named.iter().map(|found| found.id).collect::<Vec<_>>(),
            vec![organization.id, company.id],
            "{label}"
        );
        assert!(store.organizations_by_ids(&[]).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test]
async fn duplicates_are_refused_without_touching_what_is_stored() {
    for_each_backend(|store, label| async move {
        let (first, _) = store
            .create_account(new_account(
                "chen@acme.cn",
                Role::Company,
                Membership::Create(new_organization("Acme 科技", OrganizationKind::Company, "AAAABBBBCCCCDDDD")),
            ))
            .await
            .unwrap();
        let error =
            store.create_account(new_account("CHEN@acme.cn", Role::Company, Membership::None)).await.unwrap_err();
        assert!(matches!(error, CreateAccountError::EmailTaken), "{label}: {error:?}");
        let error = store
            .create_account(new_account(
                "other@acme.cn",
                Role::Company,
                Membership::Create(new_organization("ACME  科技", OrganizationKind::Company, "EEEEFFFFGGGGHHHH")),
            ))
            .await
            .unwrap_err();
        assert!(matches!(error, CreateAccountError::OrganizationNameTaken), "{label}: {error:?}");
        let unknown = JoinCode::parse("join_code", "ZZZZZZZZZZZZZZZZ").unwrap();
        let error =
            store.create_account(new_account("x@acme.cn", Role::Company, Membership::Join(unknown))).await.unwrap_err();
        assert!(matches!(error, CreateAccountError::UnknownJoinCode), "{label}: {error:?}");

        let page = store.list_accounts(PageRequest { offset: 0, limit: 10 }).await.unwrap();
        assert_eq!(page.total, 1, "{label}: failed attempts must leave nothing behind");
        assert_eq!(page.items[0], first);
        let organizations = store.list_organizations(PageRequest { offset: 0, limit: 10 }).await.unwrap();
        assert_eq!(organizations.total, 1, "{label}");
    })
    .await;
}

#[tokio::test]
async fn token_version_moves_on_password_change_logout_and_deactivation() {
    for_each_backend(|store, label| async move {
        let (account, _) =
            store.create_account(new_account("admin@city.gov.cn", Role::Admin, Membership::None)).await.unwrap();
        store.replace_password_hash(account.id, "$argon2id$other".to_owned()).await.unwrap();
        assert_eq!(store.password_hash(account.id).await.unwrap(), "$argon2id$other");
        store.bump_token_version(account.id).await.unwrap();
        let deactivated = store.set_account_active(account.id, false).await.unwrap();
        assert!(!deactivated.is_active);
        assert_eq!(deactivated.token_version, 3, "{label}");
        let reactivated = store.set_account_active(account.id, true).await.unwrap();
        assert_eq!(reactivated.token_version, 3, "{label}: reactivation does not revive old tokens");

        let renamed = store.update_display_name(account.id, &DisplayName::parse("n", "新名字").unwrap()).await.unwrap();
        assert_eq!(renamed.display_name.as_str(), "新名字");
        assert!(store.bump_token_version(UserId(999_999)).await.is_err(), "{label}: unknown id");
    })
    .await;
}

#[tokio::test]
async fn concurrent_account_creation_never_fails_for_locking() {
    for_each_backend(|store, label| async move {
        let mut tasks = Vec::new();
        for index in 0..24 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .create_account(new_account(
                        &format!("user{index}@example.org"),
                        Role::Researcher,
                        Membership::None,
                    ))
                    .await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap_or_else(|error| panic!("{label}: {error:?}"));
        }
        let page = store.list_accounts(PageRequest { offset: 0, limit: 100 }).await.unwrap();
        assert_eq!(page.total, 24, "{label}");
    })
    .await;
}

#[tokio::test]
async fn login_events_count_within_the_window_clear_and_prune() {
    use techmatch_store::LoginEventKind::{Attempt, Failure};
    for_each_backend(|store, label| async move {
        let now = chrono::Utc::now();
        let ago = |seconds: i64| now - chrono::Duration::seconds(seconds);
        store.add_login_event(Failure, "a@x.org", ago(100)).await.unwrap();
        store.add_login_event(Failure, "a@x.org", ago(30)).await.unwrap();
        store.add_login_event(Failure, "a@x.org", ago(10)).await.unwrap();
        store.add_login_event(Failure, "b@x.org", ago(10)).await.unwrap();
        store.add_login_event(Attempt, "a@x.org", ago(5)).await.unwrap();

        let failures = store.count_login_events(Failure, "a@x.org", ago(60)).await.unwrap();
        assert_eq!(failures.count, 2, "{label}: only the window's failures of that account");
        let oldest = failures.oldest.unwrap();
        assert!((oldest - ago(30)).num_milliseconds().abs() < 5, "{label}: {oldest} is the oldest in the window");
        assert_eq!(store.count_login_events(Attempt, "a@x.org", ago(60)).await.unwrap().count, 1, "{label}");
        assert_eq!(store.count_login_events(Failure, "c@x.org", ago(60)).await.unwrap().oldest, None, "{label}");

        assert_eq!(store.prune_login_events(ago(60), ago(60)).await.unwrap(), 1, "{label}: the old failure goes");
        store.clear_login_failures("a@x.org").await.unwrap();
        assert_eq!(store.count_login_events(Failure, "a@x.org", ago(1_000)).await.unwrap().count, 0, "{label}");
        assert_eq!(store.count_login_events(Failure, "b@x.org", ago(1_000)).await.unwrap().count, 1, "{label}");
        assert_eq!(store.count_login_events(Attempt, "a@x.org", ago(1_000)).await.unwrap().count, 1, "{label}");
    })
    .await;
}

#[tokio::test]
async fn parallel_admissions_never_pass_a_limit() {
    use techmatch_store::LoginEventKind::{Attempt, Failure};
    use techmatch_store::LoginEventLimit;
    for_each_backend(|store, label| async move {
        let now = chrono::Utc::now();
        let since = now - chrono::Duration::seconds(600);
        let tasks: Vec<_> = (0..40)
            .map(|index| {
                let store = store.clone();
                tokio::spawn(async move {
                    let client = format!("192.0.2.{}", index % 4);
                    let limits = [
                        LoginEventLimit { kind: Failure, key: "victim@x.org".to_owned(), limit: 7 },
                        LoginEventLimit { kind: Attempt, key: client.clone(), limit: 100 },
                    ];
                    let records = [(Failure, "victim@x.org".to_owned()), (Attempt, client)];
                    store.admit_login_events(&limits, &records, since, chrono::Utc::now()).await.unwrap()
                })
            })
            .collect();
        let mut admitted = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => admitted += 1,
                Err(counts) => assert!(counts[0].count >= 7, "{label}: refused while the account had room"),
            }
        }
        assert_eq!(admitted, 7, "{label}: exactly the limit, however many ask at once");
        let recorded = store.count_login_events(Failure, "victim@x.org", since).await.unwrap().count;
        assert_eq!(recorded, 7, "{label}: refusals record nothing");
    })
    .await;
}

#[tokio::test]
async fn a_success_forgets_failures_and_known_clients_outlive_the_window() {
    use techmatch_store::LoginEventKind::{Failure, KnownClient};
    for_each_backend(|store, label| async move {
        let now = chrono::Utc::now();
        let ago = |seconds: i64| now - chrono::Duration::seconds(seconds);
        store.add_login_event(Failure, "a@x.org", ago(10)).await.unwrap();
        store.add_login_event(KnownClient, "a@x.org 192.0.2.1", ago(86_400)).await.unwrap();
        store.record_login_success("a@x.org", "a@x.org 192.0.2.1", now).await.unwrap();
        assert_eq!(store.count_login_events(Failure, "a@x.org", ago(60)).await.unwrap().count, 0, "{label}");
        let known = store.count_login_events(KnownClient, "a@x.org 192.0.2.1", ago(1_000_000)).await.unwrap();
        assert_eq!(known.count, 1, "{label}: one event per known pair, renewed");
        assert!(store.has_login_event(KnownClient, "a@x.org 192.0.2.1", ago(60)).await.unwrap(), "{label}");
        assert!(!store.has_login_event(KnownClient, "a@x.org 192.0.2.2", ago(60)).await.unwrap(), "{label}");
        // Pruning the window leaves known clients to their own retention.
        store.add_login_event(KnownClient, "b@x.org 192.0.2.3", ago(7_200)).await.unwrap();
        store.add_login_event(Failure, "b@x.org", ago(7_200)).await.unwrap();
        assert_eq!(store.prune_login_events(ago(60), ago(100_000)).await.unwrap(), 1, "{label}: only the failure");
        assert_eq!(store.prune_login_events(ago(60), ago(3_600)).await.unwrap(), 1, "{label}: the old known client");
    })
    .await;
}
