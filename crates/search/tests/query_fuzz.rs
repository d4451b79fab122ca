//! Property tests of the query path: any text a visitor can type (query syntax characters,
//! mixed scripts, control characters, very long input) and any filter value searches without a
//! panic, answers within the page size, and only ever highlights with well-formed, escaped
//! snippets; confidential documents never leak into hits or facet counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use proptest::prelude::*;
use techmatch_domain::Viewer;
use techmatch_domain::listing::ListingKind;
use techmatch_search::{IndexChange, ListingDocument, SearchFilters, SearchIndex, SearchRequest};

fn document(kind: ListingKind, id: i64, title: &str, body: &str, public: bool) -> ListingDocument {
    ListingDocument {
        kind,
        id,
        title: title.into(),
        body: body.into(),
        keywords: vec!["锂电池".into(), "battery".into()],
        field: Some("材料科学".into()),
        industry_codes: vec!["38".into()],
        maturity: Some("pilot".into()),
        region_code: Some("420111".into()),
        transfer_modes: vec!["license".into()],
        status: if kind == ListingKind::Result { "published".into() } else { "open".into() },
        organization_id: 7,
        public,
        open_challenge: false,
    }
}

const SECRET: &str = "保密隔膜需求 secretseparator";

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        // A translator as careless as one can be: the query itself, empty and out-of-range
        // weights, and the hidden need's own word (visibility must still hold).
        let translator: std::sync::Arc<techmatch_search::QueryTranslator> =
            std::sync::Arc::new(|query: &str, frequency: &dyn Fn(&str) -> u64| {
                let echo: String = query.chars().take(20).collect();
                let weight = if frequency("锂电池") > 0 { 1.5 } else { -1.0 };
                vec![
                    (echo, weight),
                    (String::new(), 0.0),
                    ("锂电池".to_owned(), f32::NAN),
                    ("secretseparator".to_owned(), 1.0),
                ]
            });
        let index = SearchIndex::in_memory(30_000_000).unwrap().with_translator(translator);
        let documents = [
            document(
                ListingKind::Result,
                1,
                "高镍三元锂电池正极材料",
                "表面包覆提高锂电池正极材料 <b>循环</b> 寿命 & 安全性。",
                true,
            ),
            document(
                ListingKind::Result,
                2,
                "Lithium battery cathode coating",
                "A \"coating\" for cathodes: AND OR NOT (title:x)^2 ~3 *",
                true,
            ),
            document(ListingKind::Need, 3, "大棚开窗关窗全靠人跑", "温室天窗希望自动开闭。", true),
            document(ListingKind::Need, 4, SECRET, "固态电池隔膜的保密技术需求 secretseparator。", false),
        ];
        let changes: Vec<IndexChange> = documents.into_iter().map(|d| IndexChange::Upsert(Box::new(d))).collect();
        index.apply(&changes, 1).unwrap();
        index
    })
}

/// Text with the characters query languages give meaning to, CJK, emoji and controls.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("锂电池".to_owned()),
        Just("正极材料".to_owned()),
        Just("lithium".to_owned()),
        Just("secretseparator".to_owned()),
        Just("保密".to_owned()),
        "[\"':()\\[\\]{}^~*?!+\\-&|/\\\\<>=]{1,4}",
        "[a-zA-Z0-9]{1,12}",
        "[\\u{4e00}-\\u{9fff}]{1,6}",
        "\\PC{1,8}",
        "[\\x00-\\x1f\\u{7f}\\u{200b}\\u{feff}]{1,3}",
        Just("🔋⚡️".to_owned()),
        Just(" ".to_owned()),
    ];
    proptest::collection::vec(pieces, 0..24).prop_map(|parts| parts.concat())
}

fn well_formed_snippet(snippet: &str) -> bool {
    // Only <mark> and </mark> may appear as tags; they never nest and always close, and no
    // other `<` or `>` survives escaping.
    let (mut depth, mut tags) = (0i32, 0usize);
    let mut rest = snippet;
    while let Some(at) = rest.find('<') {
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("<mark>") {
            depth += 1;
            rest = after;
        } else if let Some(after) = tail.strip_prefix("</mark>") {
            depth -= 1;
            rest = after;
        } else {
            return false;
        }
        tags += 1;
        if !(0..=1).contains(&depth) {
            return false;
        }
    }
    depth == 0 && snippet.matches('>').count() == tags
}

#[test]
fn markup_in_documents_is_escaped_in_snippets() {
    let request = SearchRequest {
        query: "循环 寿命".into(),
        filters: SearchFilters::default(),
        offset: 0,
        limit: 10,
        with_facets: false,
        cross_language: false,
    };
    let found = index().search(Viewer::Anonymous, &request).unwrap();
    let hit = found.hits.iter().find(|hit| hit.id == 1).expect("the result with markup in its body");
    assert!(hit.snippet.contains("&lt;b&gt;") && hit.snippet.contains("<mark>"), "{}", hit.snippet);
    assert!(well_formed_snippet(&hit.snippet));
    assert!(!well_formed_snippet("<b>x</b>") && !well_formed_snippet("<mark>x") && !well_formed_snippet("a > b"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_query_text_searches_safely(
        query in hostile_text(),
        offset in 0usize..50,
        limit in 0usize..500,
        cross_language in proptest::bool::ANY,
    ) {
        let request = SearchRequest {
            query: query.clone(),
            filters: SearchFilters::default(),
            offset,
            limit,
            with_facets: true,
            cross_language,
        };
        let found = index().search(Viewer::Anonymous, &request).unwrap();
        prop_assert!(found.hits.len() <= limit.clamp(1, 100));
        for hit in &found.hits {
            prop_assert!(hit.id != 4, "a confidential need leaked for {:?}", query);
            prop_assert!(!hit.title.contains("保密隔膜需求"));
            prop_assert!(well_formed_snippet(&hit.snippet), "snippet {:?} for {:?}", hit.snippet, query);
        }
        let counted: u64 = found.facets.get("kind").map_or(0, |values| values.iter().map(|(_, count)| count).sum());
        prop_assert!(counted <= 3, "facets count only visible listings: {counted}");
    }

    #[test]
    fn any_filter_value_searches_safely(
        query in hostile_text(),
        industry in proptest::option::of(hostile_text()),
        region in proptest::option::of(hostile_text()),
        maturity in proptest::option::of(hostile_text()),
        status in proptest::option::of(hostile_text()),
        kind in proptest::option::of(prop_oneof![Just(ListingKind::Result), Just(ListingKind::Need)]),
    ) {
        let request = SearchRequest {
            query,
            filters: SearchFilters { kind, industry, field: None, maturity, region, transfer_mode: None, status, open_challenges_only: false },
            offset: 0,
            limit: 10,
            with_facets: true,
            cross_language: true,
        };
        let found = index().search(Viewer::Anonymous, &request).unwrap();
        prop_assert!(found.hits.iter().all(|hit| hit.id != 4));
    }
}
