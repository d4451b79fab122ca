//! Listing storage, run on SQLite and (when configured) PostgreSQL alike.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use techmatch_domain::industry::IndustryCode;
use techmatch_domain::listing::{
    Keywords, ListingKind, LongText, Maturity, MoneyRange, NeedContent, NeedStatus, ResultContent, ResultStatus, Title,
};
use techmatch_domain::{
    DisplayName, EmailAddress, JoinCode, OrganizationId, OrganizationKind, OrganizationName, RegionCode, Role, UserId,
    Viewer,
};
use techmatch_store::testing::TestDatabase;
use techmatch_store::{
    Membership, NeedQuery, NewAccount, NewOrganization, NewResearchResult, NewTechNeed, PageRequest, ResultQuery,
    Store, UpdateError,
};

async fn member(
    store: &Store,
    email: &str,
    role: Role,
    organization: &str,
    kind: OrganizationKind,
    code: &str,
) -> (UserId, OrganizationId) {
    let (account, organization) = store
        .create_account(NewAccount {
            email: EmailAddress::parse("e", email).unwrap(),
            password_hash: "$argon2id$x".into(),
            display_name: DisplayName::parse("d", "测试").unwrap(),
            role,
            membership: Membership::Create(NewOrganization {
                name: OrganizationName::parse("n", organization).unwrap(),
                kind,
                region_code: RegionCode::parse("r", "420111").unwrap(),
                join_code: JoinCode::parse("j", code).unwrap(),
            }),
        })
        .await
        .unwrap();
    (account.id, organization.unwrap().id)
}

fn result_content(title: &str) -> ResultContent {
    ResultContent {
        title: Title::parse("title", title).unwrap(),
        abstract_text: LongText::parse("abstract", "一种锂电池正极材料的制备方法，提高循环寿命。").unwrap(),
        keywords: Keywords::parse("keywords", &["锂电池".into(), "正极材料".into()]).unwrap(),
        field: Some("材料科学".into()),
        industry_codes: vec![IndustryCode::parse("i", "38").unwrap()],
        maturity: Maturity::Pilot,
        ip_items: vec![],
        transfer_modes: vec![],
        asking_price: MoneyRange::parse("asking_price", Some(100_000), Some(500_000)).unwrap(),
        institution: Some("武汉理工大学".into()),
        region_code: Some(RegionCode::parse("r", "420111").unwrap()),
        contact: Some(techmatch_domain::ContactPerson {
            name: techmatch_domain::DisplayName::parse("contact_name", "刘工").unwrap(),
            phone: Some(techmatch_domain::PhoneNumber::parse("contact_phone", "027-87654321").unwrap()),
            email: None,
            public: false,
        }),
    }
}

fn need_content(title: &str, confidential: bool) -> NeedContent {
    NeedContent {
        title: Title::parse("title", title).unwrap(),
        description: LongText::parse("description", "我们需要提高电池包的低温性能和安全性。").unwrap(),
        keywords: Keywords::default(),
        industry_codes: vec![IndustryCode::parse("i", "36").unwrap()],
        min_maturity: Some(Maturity::Prototype),
        budget: MoneyRange::default(),
        deadline: None,
        region_code: None,
        cooperation_modes: vec![],
        confidential,
        challenge: None,
        contact: None,
    }
}

#[tokio::test]
async fn listings_version_visibility_and_outbox() {
    for database in TestDatabase::all().await {
        let store = database.store().await;
        let label = database.label;
        let (researcher, university) = member(
            &store,
            "r@whut.edu.cn",
            Role::Researcher,
            "武汉理工大学",
            OrganizationKind::University,
            "AAAAAAAAAAAAAAAA",
        )
        .await;
        let (company_user, company) =
            member(&store, "c@car.cn", Role::Company, "东风零部件", OrganizationKind::Company, "BBBBBBBBBBBBBBBB")
                .await;
        let (_, other_company) =
            member(&store, "o@other.cn", Role::Company, "另一家公司", OrganizationKind::Company, "CCCCCCCCCCCCCCCC")
                .await;

        let draft = store
            .create_result(NewResearchResult {
                owner_user_id: researcher,
                organization_id: university,
                content: result_content("锂电池正极材料"),
                status: ResultStatus::Draft,
                external_id: Some("csl-0001".into()),
            })
            .await
            .unwrap();
        assert_eq!(draft.value.version, 1, "{label}");
        assert!(draft.outbox_id > 0);

        // Optimistic concurrency: a stale version is refused and changes nothing.
        let published =
            store.update_result(draft.value.id, 1, &draft.value.content, ResultStatus::Published).await.unwrap();
        assert_eq!(published.value.version, 2);
        assert!(published.outbox_id > draft.outbox_id);
        let stale = store.update_result(draft.value.id, 1, &result_content("改过的标题"), ResultStatus::Draft).await;
        assert!(matches!(stale, Err(UpdateError::VersionConflict { current: 2 })), "{label}: {stale:?}");
        assert_eq!(store.find_result(draft.value.id).await.unwrap().unwrap().content.title.as_str(), "锂电池正极材料");
        let stored_contact = store.find_result(draft.value.id).await.unwrap().unwrap().content.contact;
        assert_eq!(
            stored_contact,
            result_content("锂电池正极材料").contact,
            "the listing's own contact round-trips: {label}"
        );
        let missing = store
            .update_result(techmatch_domain::listing::ResultId(9999), 1, &result_content("xx"), ResultStatus::Draft)
            .await;
        assert!(matches!(missing, Err(UpdateError::NotFound)));
        assert_eq!(store.find_result_by_external_id("csl-0001").await.unwrap().unwrap().id, draft.value.id);

        let public_need = store
            .create_need(NewTechNeed {
                owner_user_id: company_user,
                organization_id: company,
                content: need_content("电池低温性能", false),
                status: NeedStatus::Open,
                external_id: None,
            })
            .await
            .unwrap();
        let secret_need = store
            .create_need(NewTechNeed {
                owner_user_id: company_user,
                organization_id: company,
                content: need_content("保密需求", true),
                status: NeedStatus::Open,
                external_id: None,
            })
            .await
            .unwrap();
        let page = PageRequest { offset: 0, limit: 50 };
        let needs_for = |viewer| NeedQuery {
            viewer,
            status: None,
            organization_id: None,
            owner_user_id: None,
            industry: None,
            region_prefix: None,
            challenges_only: false,
        };
        let anonymous = store.list_needs(&needs_for(Viewer::Anonymous), page).await.unwrap();
        assert_eq!(anonymous.total, 1, "{label}");
        assert_eq!(anonymous.items[0].id, public_need.value.id);
        let rival = Viewer::Member { user_id: UserId(999), organization_id: Some(other_company) };
        assert_eq!(store.list_needs(&needs_for(rival), page).await.unwrap().total, 1, "{label}: rival sees no secret");
        let own = Viewer::Member { user_id: company_user, organization_id: Some(company) };
        assert_eq!(store.list_needs(&needs_for(own), page).await.unwrap().total, 2, "{label}");
        assert_eq!(store.list_needs(&needs_for(Viewer::Staff { user_id: UserId(1) }), page).await.unwrap().total, 2);

        let results_for = |viewer, industry: &str| ResultQuery {
            viewer,
            status: None,
            organization_id: None,
            owner_user_id: None,
            industry: Some(IndustryCode::parse("i", industry).unwrap()),
            maturity: None,
            region_prefix: Some("4201".into()),
        };
        assert_eq!(store.list_results(&results_for(Viewer::Anonymous, "38"), page).await.unwrap().total, 1, "{label}");
        assert_eq!(store.list_results(&results_for(Viewer::Anonymous, "39"), page).await.unwrap().total, 0, "{label}");

        let outbox = store.outbox_after(0, 100).await.unwrap();
        let kinds: Vec<_> = outbox.iter().map(|entry| (entry.kind, entry.entity_id)).collect();
        assert_eq!(
            kinds,
            vec![
                (ListingKind::Result, draft.value.id.0),
                (ListingKind::Result, draft.value.id.0),
                (ListingKind::Need, public_need.value.id.0),
                (ListingKind::Need, secret_need.value.id.0),
            ],
            "{label}: every write, and only writes that succeeded, left an outbox row"
        );
        assert_eq!(store.latest_outbox_id().await.unwrap(), outbox.last().unwrap().id);
        assert_eq!(store.outbox_after(outbox[1].id, 100).await.unwrap().len(), 2);

        let proposal = LongText::parse("proposal", "我们团队有十年电池材料研究经验。").unwrap();
        let first =
            store.create_application(public_need.value.id, researcher, Some(university), &proposal).await.unwrap();
        assert!(first.is_some(), "{label}");
        assert!(
            store
                .create_application(public_need.value.id, researcher, Some(university), &proposal)
                .await
                .unwrap()
                .is_none()
        );
        let shortlisted = store.shortlist_application(public_need.value.id, first.unwrap().id).await.unwrap().unwrap();
        assert_eq!(shortlisted.status, techmatch_domain::listing::ApplicationStatus::Shortlisted);
        assert!(
            store.shortlist_application(secret_need.value.id, shortlisted.id).await.unwrap().is_none(),
            "an application is shortlisted only under its own need"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn the_outbox_is_pruned_below_what_every_live_node_applied() {
    for database in TestDatabase::all().await {
        let store = database.store().await;
        let label = database.label;
        let (researcher, university) = member(
            &store,
            "prune@whut.edu.cn",
            Role::Researcher,
            "修剪大学",
            OrganizationKind::University,
            "PPPPPPPPPPPPPPPP",
        )
        .await;
        let mut positions = Vec::new();
        for index in 0..6 {
            let written = store
                .create_result(NewResearchResult {
                    owner_user_id: researcher,
                    organization_id: university,
                    content: result_content(&format!("修剪测试成果 {index}")),
                    status: ResultStatus::Published,
                    external_id: None,
                })
                .await
                .unwrap();
            positions.push(written.outbox_id);
        }
        let now = chrono::Utc::now();
        // No node has reported: nothing goes.
        assert_eq!(store.prune_outbox(now - chrono::Duration::hours(1)).await.unwrap(), 0, "{label}");
        // Node a applied up to the fourth entry, node b the second, but b was last heard of long ago.
        store.record_index_position("node-a", positions[3], now).await.unwrap();
        store.record_index_position("node-b", positions[1], now - chrono::Duration::hours(48)).await.unwrap();
        let deleted = store.prune_outbox(now - chrono::Duration::hours(24)).await.unwrap();
        assert_eq!(deleted, 3, "{label}: the first three entries, below node a's position");
        assert_eq!(store.oldest_outbox_id().await.unwrap(), positions[3], "{label}");
        // Node b reports again (it is live) at its old position: that now holds pruning back.
        store.record_index_position("node-b", positions[1], now).await.unwrap();
        assert_eq!(store.prune_outbox(now - chrono::Duration::hours(24)).await.unwrap(), 0, "{label}");
        // Both caught up with everything: all but the newest entry go, so positions carry on.
        store.record_index_position("node-a", positions[5], now).await.unwrap();
        store.record_index_position("node-b", positions[5], now).await.unwrap();
        assert_eq!(store.prune_outbox(now - chrono::Duration::hours(24)).await.unwrap(), 2, "{label}");
        assert_eq!(store.oldest_outbox_id().await.unwrap(), positions[5]);
        assert_eq!(store.latest_outbox_id().await.unwrap(), positions[5]);
        assert_eq!(store.outbox_after(0, 10).await.unwrap().len(), 1);
    }
}

/// Concurrent writes (grouped into shared transactions on SQLite): each is answered with its
/// own outcome, a refused one changes nothing and takes no other write down with it.
#[tokio::test]
async fn concurrent_writes_each_get_their_own_outcome() {
    for database in TestDatabase::all().await {
        let store = database.store().await;
        let label = database.label;
        let (researcher, university) = member(
            &store,
            "g@whut.edu.cn",
            Role::Researcher,
            "武汉理工大学",
            OrganizationKind::University,
            "GGGGGGGGGGGGGGGG",
        )
        .await;
        let new = |title: &str| NewResearchResult {
            owner_user_id: researcher,
            organization_id: university,
            content: result_content(title),
            status: ResultStatus::Published,
            external_id: None,
        };
        let first = store.create_result(new("并发写入的起点")).await.unwrap().value;
        let outbox_before = store.latest_outbox_id().await.unwrap();

        let mut tasks = Vec::new();
        for writer in 0..48 {
            let store = store.clone();
            let content = result_content(&format!("并发写入 {writer}"));
            let creation = new(&format!("并发新建 {writer}"));
            tasks.push(tokio::spawn(async move {
                if writer % 2 == 0 {
                    // Every update expects version 1: exactly one can win.
                    Err(store.update_result(first.id, 1, &content, ResultStatus::Published).await)
                } else {
                    Ok(store.create_result(creation).await)
                }
            }));
        }
        let (mut created, mut updated, mut conflicts) = (Vec::new(), Vec::new(), 0);
        for task in tasks {
            match task.await.unwrap() {
                Ok(creation) => created.push(creation.unwrap()),
                Err(Ok(update)) => updated.push(update),
                Err(Err(UpdateError::VersionConflict { current: 2 })) => conflicts += 1,
                Err(Err(other)) => panic!("{label}: {other:?}"),
            }
        }
        assert_eq!((created.len(), updated.len(), conflicts), (24, 1, 23), "{label}");

        let mut ids: Vec<i64> = created.iter().map(|written| written.value.id.0).collect();
        let mut positions: Vec<i64> = created.iter().map(|written| written.outbox_id).collect();
        positions.push(updated[0].outbox_id);
        ids.sort_unstable();
        ids.dedup();
        positions.sort_unstable();
        positions.dedup();
        assert_eq!((ids.len(), positions.len()), (24, 25), "{label}: distinct rows and outbox entries");
        assert!(positions[0] > outbox_before, "{label}");
        let entries = store.outbox_after(outbox_before, 1000).await.unwrap();
        assert_eq!(entries.len(), 25, "{label}: one outbox entry per acknowledged write, none for refused ones");

        assert_eq!(store.count_results().await.unwrap(), 25, "{label}");
        for written in &created {
            let stored = store.find_result(written.value.id).await.unwrap().unwrap();
            assert_eq!(stored.content.title, written.value.content.title, "{label}");
        }
        let winner = store.find_result(first.id).await.unwrap().unwrap();
        assert_eq!(winner.version, 2, "{label}");
        assert_eq!(
            winner.content.title, updated[0].value.content.title,
            "{label}: the stored update is the answered one"
        );
    }
}

#[tokio::test]
async fn new_stored_pairs_skip_decided_and_closed_ones_before_the_limit() {
    use techmatch_domain::listing::{MatchDecision, NeedId, ResultId};
    use techmatch_store::{PairDecision, StoredMatch};
    for database in TestDatabase::all().await {
        let store = database.store().await;
        let label = database.label;
        let (researcher, university) = member(
            &store,
            "r@hust.edu.cn",
            Role::Researcher,
            "华中科技大学",
            OrganizationKind::University,
            "DDDDDDDDDDDDDDDD",
        )
        .await;
        let (company_user, company) =
            member(&store, "c@steel.cn", Role::Company, "武钢配件", OrganizationKind::Company, "EEEEEEEEEEEEEEEE")
                .await;
        let mut results = Vec::new();
        for (title, status) in [
            ("正极材料一", ResultStatus::Published),
            ("正极材料二", ResultStatus::Published),
            ("正极材料三", ResultStatus::Published),
            ("正极材料四", ResultStatus::Archived),
        ] {
            let written = store
                .create_result(NewResearchResult {
                    owner_user_id: researcher,
                    organization_id: university,
                    content: result_content(title),
                    status,
                    external_id: None,
                })
                .await
                .unwrap();
            results.push(written.value.id);
        }
        let mut needs = Vec::new();
        for (title, status) in
            [("电池一", NeedStatus::Open), ("电池二", NeedStatus::Open), ("电池三", NeedStatus::Closed)]
        {
            let written = store
                .create_need(NewTechNeed {
                    owner_user_id: company_user,
                    organization_id: company,
                    content: need_content(title, false),
                    status,
                    external_id: None,
                })
                .await
                .unwrap();
            needs.push(written.value.id);
        }
        let found = |result: ResultId, rank: i32, score: f64| StoredMatch {
            result_id: result,
            rank,
            score,
            features: vec![("text".into(), score)],
        };
        let (open, other_open, closed) = (needs[0], needs[1], needs[2]);
        store
            .replace_stored_matches_of(&[
                (open, vec![found(results[0], 1, 0.9), found(results[1], 2, 0.8), found(results[2], 3, 0.3)]),
                (other_open, vec![found(results[3], 1, 0.99), found(results[2], 2, 0.2)]),
                (closed, vec![found(results[0], 1, 0.95)]),
            ])
            .await
            .unwrap();
        for (result, decision) in [(results[0], MatchDecision::Reject), (results[1], MatchDecision::Shortlist)] {
            store
                .record_decision(&PairDecision {
                    need_id: open,
                    result_id: result,
                    decision,
                    note: None,
                    score: 0.5,
                    features: vec![],
                    decided_by: company_user,
                    decided_at: chrono::Utc::now(),
                })
                .await
                .unwrap();
        }

        // The four best-scored pairs are decided, or have an archived result or a closed need;
        // a limit of two still reaches the two that may be suggested.
        let epoch = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let pairs: Vec<(NeedId, ResultId)> = store
            .stored_pairs_found_since(epoch, 5, 2)
            .await
            .unwrap()
            .into_iter()
            .map(|pair| (pair.need_id, pair.found.result_id))
            .collect();
        assert_eq!(pairs, vec![(open, results[2]), (other_open, results[2])], "{label}");
        // Ranks beyond the maximum and pairs first found before `since` are left out.
        let best_only = store.stored_pairs_found_since(epoch, 1, 10).await.unwrap();
        assert!(best_only.is_empty(), "{label}: {best_only:?}");
        let later = store.stored_pairs_found_since(chrono::Utc::now(), 5, 10).await.unwrap();
        assert!(later.is_empty(), "{label}: {later:?}");
    }
}
