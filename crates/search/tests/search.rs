//! Search behaviour on a small fixture written for these tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use techmatch_domain::listing::ListingKind;
use techmatch_domain::{OrganizationId, UserId, Viewer};
use techmatch_search::{IndexChange, ListingDocument, SearchFilters, SearchIndex, SearchRequest};

const UNIVERSITY: i64 = 1;
const COMPANY: i64 = 2;
const RIVAL: i64 = 3;

fn result(id: i64, title: &str, body: &str, keywords: &[&str], industry: &str, region: &str) -> ListingDocument {
    ListingDocument {
        kind: ListingKind::Result,
        id,
        title: title.into(),
        body: body.into(),
        keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
        field: Some("材料科学".into()),
        industry_codes: vec![industry.into()],
        maturity: Some("pilot".into()),
        region_code: Some(region.into()),
        transfer_modes: vec!["license".into()],
        status: "published".into(),
        organization_id: UNIVERSITY,
        public: true,
        open_challenge: false,
    }
}

fn need(id: i64, title: &str, body: &str, confidential: bool) -> ListingDocument {
    ListingDocument {
        kind: ListingKind::Need,
        id,
        title: title.into(),
        body: body.into(),
        keywords: vec![],
        field: None,
        industry_codes: vec!["36".into()],
        maturity: Some("prototype".into()),
        region_code: Some("420111".into()),
        transfer_modes: vec!["joint_development".into()],
        status: "open".into(),
        organization_id: COMPANY,
        public: !confidential,
        open_challenge: false,
    }
}

fn fixture() -> SearchIndex {
    let index = SearchIndex::in_memory(30_000_000).unwrap();
    let documents = vec![
        result(
            1,
            "高镍三元锂电池正极材料及其制备方法",
            "本发明公开了一种高镍三元锂电池正极材料，通过表面包覆提高循环稳定性和倍率性能。",
            &["锂电池", "正极材料"],
            "38",
            "420111",
        ),
        result(
            2,
            "锂电池隔膜涂覆工艺",
            "一种用于锂电池隔膜的陶瓷涂覆工艺，提高隔膜热稳定性。",
            &["隔膜"],
            "38",
            "420106",
        ),
        result(
            3,
            "Lithium battery cathode coating",
            "A surface coating for nickel-rich lithium-ion battery cathodes that improves cycle life.",
            &["cathode", "lithium"],
            "38",
            "310115",
        ),
        result(
            4,
            "温室环境自动感应控制开闭窗系统",
            "根据温湿度传感器自动控制温室天窗开闭，减少人工巡检。",
            &["温室", "自动控制"],
            "01",
            "420115",
        ),
        result(
            5,
            "基于深度学习的钢板表面缺陷检测 defect detection",
            "使用YOLOv8 deep learning 模型检测热轧钢板表面缺陷，准确率达到98%。",
            &["缺陷检测"],
            "31",
            "420107",
        ),
        result(
            6,
            "Solid oxide fuel cell stack",
            "Planar solid oxide fuel cells for distributed power generation.",
            &["fuel cell"],
            "38",
            "110108",
        ),
        need(101, "动力电池低温性能提升", "我们的动力电池在零下二十度容量衰减严重，需要改进正极材料或电解液。", false),
        need(102, "保密：新一代电池正极材料供应", "寻找高镍正极材料的合作研发伙伴，技术指标保密。", true),
    ];
    let changes: Vec<IndexChange> =
        documents.into_iter().map(|document| IndexChange::Upsert(Box::new(document))).collect();
    index.apply(&changes, 8).unwrap();
    index
}

fn request(query: &str) -> SearchRequest {
    SearchRequest {
        query: query.into(),
        filters: SearchFilters::default(),
        offset: 0,
        limit: 10,
        with_facets: true,
        cross_language: false,
    }
}

fn ids(index: &SearchIndex, viewer: Viewer, request: &SearchRequest) -> Vec<(ListingKind, i64)> {
    index.search(viewer, request).unwrap().hits.iter().map(|hit| (hit.kind, hit.id)).collect()
}

fn results_only(query: &str) -> SearchRequest {
    let mut request = request(query);
    request.filters.kind = Some(ListingKind::Result);
    request
}

#[test]
fn chinese_phrase_finds_the_obvious_document_first() {
    let index = fixture();
    let found = ids(&index, Viewer::Anonymous, &results_only("锂电池 正极材料"));
    assert_eq!(found[0], (ListingKind::Result, 1), "{found:?}");
    assert!(found.contains(&(ListingKind::Result, 2)), "partial match still found: {found:?}");
    assert!(!found.contains(&(ListingKind::Result, 6)), "unrelated result: {found:?}");
}

#[test]
fn english_query_is_stemmed_and_ranked() {
    let index = fixture();
    let found = ids(&index, Viewer::Anonymous, &results_only("lithium battery cathode"));
    assert_eq!(found.first(), Some(&(ListingKind::Result, 3)), "{found:?}");
    let found = ids(&index, Viewer::Anonymous, &results_only("fuel cells"));
    assert_eq!(found, vec![(ListingKind::Result, 6)]);
}

#[test]
fn mixed_text_matches_either_language() {
    let index = fixture();
    assert_eq!(
        ids(&index, Viewer::Anonymous, &results_only("defect detection 钢板")).first(),
        Some(&(ListingKind::Result, 5))
    );
    assert_eq!(ids(&index, Viewer::Anonymous, &results_only("YOLOv8")), vec![(ListingKind::Result, 5)]);
    assert_eq!(ids(&index, Viewer::Anonymous, &results_only("温室 开窗")).first(), Some(&(ListingKind::Result, 4)));
}

#[test]
fn filters_narrow_and_facets_count_what_matches() {
    let index = fixture();
    let mut request = request("");
    request.filters.kind = Some(ListingKind::Result);
    request.filters.region = Some("420100".into());
    let answer = index.search(Viewer::Anonymous, &request).unwrap();
    assert_eq!(answer.total, 4, "the four results in Wuhan's districts");
    let industries: Vec<_> = answer.facets["industry"].iter().map(|(code, count)| (code.as_str(), *count)).collect();
    assert_eq!(industries, vec![("38", 2), ("01", 1), ("31", 1)]);
    assert_eq!(answer.facets["region"], vec![("420000".to_owned(), 4)]);

    request.filters.industry = Some("38".into());
    assert_eq!(index.search(Viewer::Anonymous, &request).unwrap().total, 2);
    request.filters.region = Some("420111".into());
    assert_eq!(ids(&index, Viewer::Anonymous, &request), vec![(ListingKind::Result, 1)]);
    request.filters.maturity = Some("lab".into());
    assert_eq!(index.search(Viewer::Anonymous, &request).unwrap().total, 0);
}

#[test]
fn confidential_needs_stay_invisible_to_others_everywhere() {
    let index = fixture();
    let mut request = request("正极材料");
    request.filters.kind = Some(ListingKind::Need);
    let rival = Viewer::Member { user_id: UserId(9), organization_id: Some(OrganizationId(RIVAL)) };
    let owner = Viewer::Member { user_id: UserId(5), organization_id: Some(OrganizationId(COMPANY)) };
    let staff = Viewer::Staff { user_id: UserId(1) };
    for viewer in [Viewer::Anonymous, rival] {
        let answer = index.search(viewer, &request).unwrap();
        assert_eq!(answer.total, 1, "{viewer:?}");
        assert_eq!(answer.hits[0].id, 101);
        let serialized = format!("{answer:?}");
        assert!(
            !serialized.contains("保密") && !serialized.contains("高镍正极"),
            "{viewer:?} saw a secret: {serialized}"
        );
        assert_eq!(answer.facets["kind"], vec![("need".to_owned(), 1)], "{viewer:?}: facet counts leak nothing");
    }
    for viewer in [owner, staff] {
        let answer = index.search(viewer, &request).unwrap();
        assert_eq!(answer.total, 2, "{viewer:?}");
    }
    assert_eq!(index.visible_keys(rival).unwrap().len(), 7);
    assert_eq!(index.visible_keys(owner).unwrap().len(), 8);
}

#[test]
fn snippets_highlight_matches_and_escape_html() {
    let index = SearchIndex::in_memory(30_000_000).unwrap();
    let mut document =
        result(1, "传感器", "一种<script>恶意</script>无关文字，然后是温度传感器的校准方法。", &[], "40", "420111");
    document.title = "Sensor calibration".into();
    index.apply(&[IndexChange::Upsert(Box::new(document))], 1).unwrap();
    let answer = index.search(Viewer::Anonymous, &request("传感器")).unwrap();
    let snippet = &answer.hits[0].snippet;
    assert!(snippet.contains("<mark>传感器</mark>"), "{snippet}");
    assert!(!snippet.contains("<script>"), "{snippet}");
    assert!(answer.hits[0].score > 0.0);
}

#[test]
fn updates_replace_removals_delete_and_the_position_persists() {
    let directory = tempfile::tempdir().unwrap();
    {
        // The service's writer: the swap must release the directory lock it held.
        let index = SearchIndex::open(directory.path(), 30_000_000).unwrap().for_incremental_updates().unwrap();
        assert_eq!(index.position().unwrap(), None);
        index
            .apply(
                &[IndexChange::Upsert(Box::new(result(
                    1,
                    "旧标题 old title",
                    "内容内容内容内容",
                    &[],
                    "38",
                    "420111",
                )))],
                3,
            )
            .unwrap();
        index
            .apply(
                &[IndexChange::Upsert(Box::new(result(
                    1,
                    "新标题 new title",
                    "内容内容内容内容",
                    &[],
                    "38",
                    "420111",
                )))],
                4,
            )
            .unwrap();
        assert_eq!(index.num_docs(), 1, "an upsert replaces, never duplicates");
        assert!(index.search(Viewer::Anonymous, &request("old")).unwrap().hits.is_empty());
    }
    let index = SearchIndex::open(directory.path(), 30_000_000).unwrap();
    assert_eq!(index.position().unwrap(), Some(4), "the commit carried its outbox position");
    let read_only = SearchIndex::open_read_only(directory.path()).unwrap();
    assert!(matches!(read_only.for_incremental_updates(), Err(techmatch_search::SearchError::ReadOnly)));
    assert_eq!(index.search(Viewer::Anonymous, &request("new")).unwrap().total, 1);
    index.apply(&[IndexChange::Remove { kind: ListingKind::Result, id: 1 }], 5).unwrap();
    assert_eq!(index.num_docs(), 0);
    assert_eq!(index.position().unwrap(), Some(5));
}

#[test]
fn archived_listings_only_when_asked_for() {
    let index = SearchIndex::in_memory(30_000_000).unwrap();
    let mut archived = result(1, "归档的成果", "已经归档的研究成果内容。", &[], "38", "420111");
    archived.status = "archived".into();
    archived.public = false;
    index.apply(&[IndexChange::Upsert(Box::new(archived))], 1).unwrap();
    let staff = Viewer::Staff { user_id: UserId(1) };
    assert_eq!(index.search(staff, &request("归档")).unwrap().total, 0);
    let mut asked = request("归档");
    asked.filters.status = Some("archived".into());
    assert_eq!(index.search(staff, &asked).unwrap().total, 1);
    assert_eq!(index.search(Viewer::Anonymous, &asked).unwrap().total, 0);
}

#[test]
fn pagination_pages_through_hits() {
    let index = fixture();
    let mut first = results_only("锂电池 battery");
    first.limit = 2;
    let mut second = first.clone();
    second.offset = 2;
    let page_one = index.search(Viewer::Anonymous, &first).unwrap();
    let page_two = index.search(Viewer::Anonymous, &second).unwrap();
    assert_eq!(page_one.total, page_two.total);
    assert_eq!(page_one.hits.len(), 2);
    for hit in &page_two.hits {
        assert!(!page_one.hits.iter().any(|other| other.id == hit.id));
    }
}

#[test]
fn an_index_of_another_schema_asks_for_a_rebuild() {
    let directory = tempfile::tempdir().unwrap();
    {
        // An index left by an older techmatch: another schema altogether.
        let mut builder = tantivy::schema::Schema::builder();
        builder.add_text_field("title", tantivy::schema::TEXT);
        let old = tantivy::Index::create_in_dir(directory.path(), builder.build()).unwrap();
        let mut writer: tantivy::IndexWriter = old.writer(15_000_000).unwrap();
        writer.commit().unwrap();
    }
    let error = SearchIndex::open(directory.path(), 30_000_000).unwrap_err();
    assert!(matches!(error, techmatch_search::SearchError::SchemaVersion { .. }), "{error}");
    let rebuilt = SearchIndex::recreate(directory.path(), 30_000_000).unwrap();
    assert_eq!(rebuilt.position().unwrap(), None, "empty, to be rebuilt from the database");
    rebuilt
        .apply(
            &[IndexChange::Upsert(Box::new(result(1, "重建后的索引", "重建后的索引内容。", &[], "38", "420111")))],
            9,
        )
        .unwrap();
    drop(rebuilt);
    let reopened = SearchIndex::open(directory.path(), 30_000_000).unwrap();
    assert_eq!(reopened.position().unwrap(), Some(9));
}

#[test]
fn a_read_only_index_reads_beside_the_writer_and_refuses_writes() {
    let directory = tempfile::tempdir().unwrap();
    let writer = SearchIndex::open(directory.path(), 30_000_000).unwrap();
    writer
        .apply(
            &[IndexChange::Upsert(Box::new(result(
                1,
                "只读索引测试",
                "只读打开的索引可以检索。",
                &[],
                "38",
                "420111",
            )))],
            1,
        )
        .unwrap();
    let reader = SearchIndex::open_read_only(directory.path()).unwrap();
    assert_eq!(reader.search(Viewer::Anonymous, &request("只读")).unwrap().total, 1);
    let refused = reader.apply(&[IndexChange::Remove { kind: ListingKind::Result, id: 1 }], 2);
    assert!(matches!(refused, Err(techmatch_search::SearchError::ReadOnly)), "{refused:?}");
    assert_eq!(writer.position().unwrap(), Some(1));
}

#[test]
fn candidate_statistics_count_terms_fields_and_close_pairs() {
    let index = fixture();
    let analysed = |text: &str| techmatch_search::analyzer::analyze(text);
    let fuel = analysed("fuel").remove(0);
    let cell = analysed("cells").remove(0);
    let stack = analysed("stack").remove(0);
    let terms = vec![(fuel.clone(), 0.5), (cell.clone(), 0.3), (stack.clone(), 0.2)];
    let pairs = vec![(fuel.clone(), cell.clone()), (cell.clone(), fuel.clone())];
    let boosts = techmatch_search::FieldBoosts::default();
    let query = techmatch_search::CandidateQuery {
        terms: &terms,
        first_pass_terms: 3,
        pairs: &pairs,
        limit: 10,
        boosts,
        pair_slack: 4,
        filters: &techmatch_search::SearchFilters::default(),
    };
    let (candidates, corpus) = index.candidate_statistics(Viewer::Anonymous, ListingKind::Result, &query).unwrap();

    // Only result 6 mentions any of the terms; the first pass's order and scores are kept.
    let ranked = index.rank_terms_boosted(Viewer::Anonymous, ListingKind::Result, &terms, 10, boosts).unwrap();
    assert_eq!(candidates.iter().map(|c| (c.id, c.retrieval_score)).collect::<Vec<_>>(), ranked);
    assert_eq!(candidates.len(), 1);
    let stack_result = &candidates[0];
    assert_eq!(stack_result.id, 6);
    // Title "Solid oxide fuel cell stack": each once; body: "fuel cells" once; keywords "fuel cell".
    assert_eq!(stack_result.term_frequencies[0], [1, 1, 1], "fuel in title, keywords, body");
    assert_eq!(stack_result.term_frequencies[1], [1, 1, 1], "cell in title, keywords, body");
    assert_eq!(stack_result.term_frequencies[2], [1, 0, 0], "stack only in the title");
    // The body "Planar solid oxide fuel cells for distributed power generation." has 8 terms
    // once "for" is dropped as a stop word.
    assert_eq!(stack_result.lengths, [5, 2, 8]);
    assert_eq!(stack_result.pair_frequencies, vec![1, 0], "fuel before cell, never cell before fuel");

    // Statistics cover every term; only the first `first_pass_terms` choose the candidates.
    let stack_only = vec![(stack.clone(), 1.0), (fuel.clone(), 1.0)];
    let narrow = techmatch_search::CandidateQuery {
        terms: &stack_only,
        first_pass_terms: 1,
        pairs: &[],
        limit: 10,
        boosts,
        pair_slack: 4,
        filters: &techmatch_search::SearchFilters::default(),
    };
    let (found, _) = index.candidate_statistics(Viewer::Anonymous, ListingKind::Result, &narrow).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].term_frequencies, vec![[1, 0, 0], [1, 1, 1]]);

    assert_eq!(corpus.documents, 8);
    assert_eq!(corpus.document_frequencies.len(), 3);
    assert_eq!(corpus.document_frequencies[2], [1, 0, 0]);
    assert!(corpus.average_lengths.iter().all(|length| *length > 0.0));
}

#[test]
fn candidate_statistics_never_include_what_the_viewer_may_not_see() {
    let index = fixture();
    let terms: Vec<(String, f32)> =
        techmatch_search::analyzer::analyze("正极材料 合作研发").into_iter().map(|t| (t, 1.0)).collect();
    let boosts = techmatch_search::FieldBoosts::default();
    let query = techmatch_search::CandidateQuery {
        terms: &terms,
        first_pass_terms: terms.len(),
        pairs: &[],
        limit: 10,
        boosts,
        pair_slack: 4,
        filters: &techmatch_search::SearchFilters::default(),
    };
    let (anonymous, _) = index.candidate_statistics(Viewer::Anonymous, ListingKind::Need, &query).unwrap();
    assert!(anonymous.iter().all(|candidate| candidate.id != 102), "the confidential need is not a candidate");
    assert!(anonymous.iter().any(|candidate| candidate.id == 101));
}

#[test]
fn kept_answers_follow_the_viewer_and_the_index_content() {
    let index = fixture().with_result_cache(1 << 20);
    let mut request = request("正极材料");
    request.filters.kind = Some(ListingKind::Need);
    let owner = Viewer::Member { user_id: UserId(5), organization_id: Some(OrganizationId(COMPANY)) };
    let colleague = Viewer::Member { user_id: UserId(6), organization_id: Some(OrganizationId(COMPANY)) };
    let rival = Viewer::Member { user_id: UserId(9), organization_id: Some(OrganizationId(RIVAL)) };
    let staff = Viewer::Staff { user_id: UserId(1) };

    assert_eq!(index.cached_search(owner, &request), None, "nothing kept before the first search");
    let owners = index.search(owner, &request).unwrap();
    assert_eq!(owners.total, 2, "the owner's organization sees its confidential need");
    assert_eq!(index.cached_search(owner, &request), Some(owners.clone()));
    assert_eq!(index.cached_search(colleague, &request), Some(owners.clone()), "shared within the organization");
    // The owner's answer (with the confidential need) must never answer anyone else.
    for outsider in [Viewer::Anonymous, rival] {
        assert_eq!(index.cached_search(outsider, &request), None, "{outsider:?}");
        let answer = index.search(outsider, &request).unwrap();
        assert_eq!(answer.total, 1, "{outsider:?}");
        assert!(!format!("{answer:?}").contains("保密"), "{outsider:?}");
        assert_eq!(index.cached_search(outsider, &request), Some(answer));
    }
    assert_eq!(index.cached_search(staff, &request), None);
    assert_eq!(index.search(staff, &request).unwrap().total, 2);
    assert_eq!(index.cached_answers(), 4, "owner's organization, anonymous, rival, staff");

    // Any change to the index drops every kept answer: the next search sees the change.
    let mut new = need(103, "储能电池正极材料回收", "回收退役电池中的正极材料。", false);
    new.organization_id = RIVAL;
    index.apply(&[IndexChange::Upsert(Box::new(new))], 9).unwrap();
    assert_eq!(index.cached_search(owner, &request), None);
    assert_eq!(index.search(owner, &request).unwrap().total, 3);
    assert_eq!(index.search(Viewer::Anonymous, &request).unwrap().total, 2);
    assert_eq!(index.cached_answers(), 2);

    // Other pages and filters are other answers.
    let mut second_page = request.clone();
    second_page.offset = 1;
    assert_eq!(index.cached_search(Viewer::Anonymous, &second_page), None);
    assert_eq!(index.search(Viewer::Anonymous, &second_page).unwrap().hits.len(), 1);
}

#[test]
fn without_a_cache_nothing_is_kept_and_a_budget_bounds_it() {
    let index = fixture();
    let request = request("锂电池");
    let answer = index.search(Viewer::Anonymous, &request).unwrap();
    assert!(answer.total > 0);
    assert_eq!(index.cached_search(Viewer::Anonymous, &request), None);
    assert_eq!(index.cached_answers(), 0);

    // A budget keeps answers within it: none that alone would take more than an eighth.
    let index = fixture().with_result_cache(4_096);
    index.search(Viewer::Anonymous, &request).unwrap();
    assert_eq!(index.cached_answers(), 0, "an answer with facets is larger than 512 bytes");
    let mut small = request.clone();
    small.with_facets = false;
    small.limit = 1;
    index.search(Viewer::Anonymous, &small).unwrap();
    assert_eq!(index.cached_answers(), 1);
    // Filling the budget starts over rather than growing past it.
    for offset in 1..40 {
        small.offset = offset;
        index.search(Viewer::Anonymous, &small).unwrap();
        assert!(index.cached_answers() <= 4_096 / 256, "{}", index.cached_answers());
    }
}

/// A translator written for the fixture: "cathode" is 正极材料, "greenhouse" 温室.
fn fixture_translator() -> std::sync::Arc<techmatch_search::QueryTranslator> {
    std::sync::Arc::new(|query: &str, frequency: &dyn Fn(&str) -> u64| {
        // Translations are analysed terms, like queries: 正极材料 is 正极 and 材料.
        let analysed = |text: &str, weight: f32| -> Vec<(String, f32)> {
            techmatch_search::analyzer::analyze(text).into_iter().map(|term| (term, weight)).collect()
        };
        let mut terms = Vec::new();
        if query.contains("cathode") {
            terms.extend(analysed("正极材料", 1.0));
        }
        if query.contains("greenhouse") {
            terms.extend(analysed("温室", 0.5));
        }
        terms.retain(|(term, _)| frequency(term) > 0);
        terms
    })
}

#[test]
fn cross_language_requests_also_find_the_translations_below_the_typed_words() {
    let index = fixture().with_translator(fixture_translator());
    let typed = results_only("cathode");
    assert_eq!(ids(&index, Viewer::Anonymous, &typed), vec![(ListingKind::Result, 3)], "typed words only");
    let across = SearchRequest { cross_language: true, ..typed.clone() };
    let found = index.search(Viewer::Anonymous, &across).unwrap();
    let found_ids: Vec<i64> = found.hits.iter().map(|hit| hit.id).collect();
    // The English result with the typed word first, then the Chinese ones with its translation.
    assert_eq!(found_ids.first(), Some(&3), "{found_ids:?}");
    assert!(found_ids.contains(&1), "{found_ids:?}");
    assert_eq!(found.total, found_ids.len());
    let chinese = found.hits.iter().find(|hit| hit.id == 1).unwrap();
    assert!(chinese.snippet.contains("<mark>正极"), "translations are highlighted: {}", chinese.snippet);
    // Answers are kept per request: the plain one is not served for the cross-language one.
    let index = index.with_result_cache(1 << 20);
    assert_eq!(index.search(Viewer::Anonymous, &typed).unwrap().hits.len(), 1);
    assert!(index.search(Viewer::Anonymous, &across).unwrap().hits.len() > 1);
    // Nothing changes without a translator, and visibility holds with one.
    assert_eq!(ids(&fixture(), Viewer::Anonymous, &SearchRequest { cross_language: true, ..typed }).len(), 1);
    let hidden = SearchRequest { cross_language: true, ..request("cathode") };
    assert!(!ids(&index, Viewer::Anonymous, &hidden).contains(&(ListingKind::Need, 102)));
}
