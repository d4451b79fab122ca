//! Candidates for a listing of one kind among the other: a query of the document's own
//! significant terms and their translations, run through the search index, its best candidates
//! scored again with the second pass's constants (optionally widened by pseudo-relevance
//! feedback). The ranking by features and the explanations are `super::ranking`'s.

use std::collections::HashSet;
use std::sync::LazyLock;

use techmatch_domain::Viewer;
use techmatch_domain::listing::ListingKind;
use techmatch_matching::expansion::{
    QueryWeighting, WeightedTerm, feedback_terms, idf, interpolate, significant_of_frequencies,
};
use techmatch_matching::rescoring::{Bm25, TermPair, significant_pairs};
use techmatch_matching::translation::{DictionaryTranslations, Translator};
use techmatch_search::analyzer::{analyze, analyze_positioned};
use techmatch_search::{SearchError, SearchIndex};

/// The glossary and the general dictionary, analysed as the index analyses text.
pub fn translator() -> &'static Translator {
    static TRANSLATOR: LazyLock<Translator> = LazyLock::new(|| Translator::new(analyze));
    &TRANSLATOR
}

/// The other language's terms for a typed search, with their weights: what the search index is
/// lent for `cross_language` requests, as it knows neither glossary nor dictionary.
pub fn query_translations(query: &str, frequency: &dyn Fn(&str) -> u64) -> Vec<(String, f32)> {
    translator().query_translations(query, frequency)
}

/// Loads the general dictionary English words are translated through (see
/// [`techmatch_matching::dictionary::warm_up`]).
pub fn warm_up_dictionary() {
    techmatch_matching::dictionary::warm_up();
}

/// Knobs of the matching query, with the values the evaluation sets were measured with.
#[derive(Debug, Clone)]
pub struct MatchingParameters {
    /// Significant terms taken from the document itself (the first pass's query).
    pub query_terms: usize,
    /// Significant terms the second pass scores with (its statistics cost little per term,
    /// unlike the first pass's search over the whole index).
    pub rescore_terms: usize,
    /// First-pass matches whose text feeds the expansion (0 turns feedback off).
    pub feedback_documents: usize,
    pub expansion_terms: usize,
    /// Share of the final query kept from the original terms.
    pub original_weight: f32,
    /// How many ranked listings to return.
    pub candidates: usize,
    /// How many times the document's title counts among its terms.
    pub title_repeat: usize,
    pub boosts: techmatch_search::FieldBoosts,
    /// How the selected terms are weighted in the query.
    pub query_weighting: QueryWeighting,
    /// How many first-pass candidates the second pass re-scores (0 keeps the first pass).
    pub rescore_depth: usize,
    /// BM25 constants of the second pass.
    pub bm25: Bm25,
    /// Pairs of adjacent terms taken from the document for the proximity score.
    pub pair_terms: usize,
    /// Weight of the proximity score against the terms' (whose weights sum to 1).
    pub pair_weight: f32,
    /// How many characters may separate a pair's two terms in a candidate.
    pub pair_slack: u32,
    /// The caller's restrictions on the listings ranked (industry, region, …); none by default.
    pub filters: techmatch_search::SearchFilters,
    /// Whether English words the glossary lacks are translated through the general dictionary.
    pub dictionary: bool,
}

impl Default for MatchingParameters {
    /// Measured on zh-dev and sbir-dev (README, matching section): pseudo-relevance feedback
    /// lowered nDCG@10 on both, so it is off until re-ranking can use it.
    fn default() -> Self {
        MatchingParameters {
            query_terms: 60,
            rescore_terms: 150,
            feedback_documents: 0,
            expansion_terms: 20,
            original_weight: 0.7,
            candidates: 100,
            title_repeat: 1,
            // Matching reads whole documents: short titles and keyword lists, boosted, let a
            // single shared word outweigh the abstracts (zh-dev nDCG@10 0.81 at 3/2.5/1, 0.89 at
            // 0.3/0.3/1, flat from 0.2 to 0.3). Typed searches keep the title boost.
            boosts: techmatch_search::FieldBoosts { title: 0.3, keywords: 0.3, body: 1.0 },
            // Frequency weights, a second pass over 200 candidates with k1 = 2 and b = 1, and the
            // title counted once, 150 terms in the second pass: sbir-dev 0.718 → 0.761, zh-dev
            // 0.890 → 0.878 (README). Proximity (pair_weight 0.2) adds 0.006 on sbir-dev but 5 ms
            // to the p99 at a million results, past the 50 ms target: off.
            query_weighting: QueryWeighting::Frequency,
            rescore_depth: 200,
            bm25: Bm25 { k1: 2.0, b: 1.0 },
            pair_terms: 100,
            pair_weight: 0.0,
            pair_slack: 8,
            filters: techmatch_search::SearchFilters::default(),
            dictionary: true,
        }
    }
}

fn document_terms(title: &str, body: &str, keywords: &[String], title_repeat: usize) -> Vec<String> {
    // The title states the problem; it counts more than once.
    let title_terms = analyze(title);
    let mut terms = Vec::new();
    for _ in 0..title_repeat.max(1) {
        terms.extend(title_terms.iter().cloned());
    }
    terms.extend(analyze(body));
    terms.extend(analyze(&keywords.join("，")));
    terms
}

fn pairs(terms: &[WeightedTerm]) -> Vec<(String, f32)> {
    terms.iter().map(|term| (term.term.clone(), term.weight)).collect()
}

/// Candidates for a document, and the weighted terms of the query that found them.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    /// (listing id, retrieval score), best first.
    pub ranked: Vec<(i64, f32)>,
    pub query: Vec<WeightedTerm>,
    /// See [`MatchingQuery::translated_from`].
    pub translated_from: std::collections::HashMap<String, String>,
}

/// The weighted terms a document queries the index with.
#[derive(Debug, Clone, Default)]
pub struct MatchingQuery {
    pub terms: Vec<WeightedTerm>,
    /// For the terms it has from the glossary rather than the document's own words, the
    /// wording they translate (for explanations).
    pub translated_from: std::collections::HashMap<String, String>,
}

/// The weighted terms a document (title, body, keywords) queries the index with: its most
/// significant own terms and their glossary translations, before any feedback.
pub fn matching_query(
    index: &SearchIndex,
    title: &str,
    body: &str,
    keywords: &[String],
    parameters: &MatchingParameters,
) -> MatchingQuery {
    let documents = index.num_docs();
    let frequency = |term: &str| index.document_frequency(term);
    let translator = translator();
    let mut terms = document_terms(title, body, keywords, parameters.title_repeat);
    let mut translated_from = translator.sources(&terms);
    // English words the glossary lacks are looked up in the general dictionary, by their
    // written form (stems are not words).
    let glossary_covered = translator.covered(&terms);
    let covered: HashSet<&str> = glossary_covered.iter().map(String::as_str).collect();
    let keyword_text = keywords.join("，");
    let mut parts = vec![title; parameters.title_repeat.max(1)];
    parts.extend([body, keyword_text.as_str()]);
    let dictionary = if parameters.dictionary {
        translator.dictionary(&parts, &covered, frequency)
    } else {
        DictionaryTranslations::default()
    };
    // English text also looks for the Chinese words research abstracts use, and Chinese text
    // for the English words of English listings (from the document's own words, not from
    // translations, so nothing makes a round trip).
    let chinese = translator.translate(&terms);
    let english = translator.to_english(&terms, |word| frequency(word) > 0);
    terms.extend(chinese);
    terms.extend(english);
    let mut frequencies: std::collections::HashMap<&str, f32> = std::collections::HashMap::new();
    for term in &terms {
        *frequencies.entry(term.as_str()).or_default() += 1.0;
    }
    for (term, share) in &dictionary.frequencies {
        *frequencies.entry(term.as_str()).or_default() += share;
    }
    let own: HashSet<&str> = terms.iter().map(String::as_str).collect();
    for (term, source) in dictionary.sources {
        if !own.contains(term.as_str()) {
            translated_from.entry(term).or_insert(source);
        }
    }
    let count = if rescores(parameters) {
        parameters.query_terms.max(parameters.rescore_terms)
    } else {
        parameters.query_terms
    };
    let terms = significant_of_frequencies(&frequencies, frequency, documents, count, parameters.query_weighting);
    MatchingQuery { terms, translated_from }
}

fn rescores(parameters: &MatchingParameters) -> bool {
    parameters.rescore_depth > 0 && parameters.feedback_documents == 0
}

/// Listings of `kind` ranked for a document (title, body, keywords), best first, with the query
/// that found them (for explanations).
pub fn candidates(
    index: &SearchIndex,
    viewer: Viewer,
    kind: ListingKind,
    title: &str,
    body: &str,
    keywords: &[String],
    parameters: &MatchingParameters,
) -> Result<Candidates, SearchError> {
    let documents = index.num_docs();
    let frequency = |term: &str| index.document_frequency(term);
    let MatchingQuery { terms: query, translated_from } = matching_query(index, title, body, keywords, parameters);
    let rescoring = rescores(parameters);
    let boosts = parameters.boosts;
    if parameters.feedback_documents == 0 {
        let ranked = if rescoring {
            // The document is analysed again (with positions), and positions read, only when
            // proximity counts.
            let term_pairs = if parameters.pair_weight > 0.0 {
                let kept: std::collections::HashSet<&str> = query.iter().map(|term| term.term.as_str()).collect();
                let title = analyze_positioned(title);
                let body = analyze_positioned(body);
                let keywords = analyze_positioned(&keywords.join("，"));
                let mut parts: Vec<&[(String, u32)]> = vec![&title; parameters.title_repeat.max(1)];
                parts.extend([body.as_slice(), keywords.as_slice()]);
                significant_pairs(&parts, |term| kept.contains(term), frequency, documents, parameters.pair_terms)
            } else {
                Vec::new()
            };
            rescored(index, viewer, kind, &query, &term_pairs, parameters)?
        } else {
            index.rank_terms_within(viewer, kind, &parameters.filters, &pairs(&query), parameters.candidates, boosts)?
        };
        return Ok(Candidates { ranked, query, translated_from });
    }
    let first = index.rank_terms_within(
        viewer,
        kind,
        &parameters.filters,
        &pairs(&query),
        parameters.feedback_documents,
        boosts,
    )?;
    let mut feedback = Vec::with_capacity(first.len());
    for (id, score) in &first {
        if let Some(text) = index.stored_text(kind, *id)? {
            feedback.push((analyze(&text), *score));
        }
    }
    let expansion = feedback_terms(&feedback, frequency, documents, parameters.expansion_terms);
    let expanded = interpolate(&query, &expansion, parameters.original_weight);
    let ranked =
        index.rank_terms_within(viewer, kind, &parameters.filters, &pairs(&expanded), parameters.candidates, boosts)?;
    Ok(Candidates { ranked, query: expanded, translated_from })
}

/// The first pass's best `rescore_depth` candidates scored again: BM25 with the second pass's
/// constants over each field (boosted as in the first pass), plus the proximity score of the
/// document's term pairs; the best `candidates` are kept.
fn rescored(
    index: &SearchIndex,
    viewer: Viewer,
    kind: ListingKind,
    query: &[WeightedTerm],
    term_pairs: &[TermPair],
    parameters: &MatchingParameters,
) -> Result<Vec<(i64, f32)>, SearchError> {
    let pair_list: Vec<(String, String)> =
        term_pairs.iter().map(|pair| (pair.first.clone(), pair.second.clone())).collect();
    let terms = pairs(query);
    let (found, corpus) = index.candidate_statistics(
        viewer,
        kind,
        &techmatch_search::CandidateQuery {
            terms: &terms,
            pairs: &pair_list,
            first_pass_terms: parameters.query_terms,
            limit: parameters.rescore_depth.max(parameters.candidates),
            boosts: parameters.boosts,
            pair_slack: parameters.pair_slack,
            filters: &parameters.filters,
        },
    )?;
    let boosts = [parameters.boosts.title, parameters.boosts.keywords, parameters.boosts.body];
    let idfs: Vec<[f32; 3]> = corpus
        .document_frequencies
        .iter()
        .map(|frequencies| frequencies.map(|frequency| idf(frequency, corpus.documents)))
        .collect();
    let body_idf = |term: &str| {
        query.iter().position(|candidate| candidate.term == term).and_then(|at| idfs.get(at)).map_or(0.0, |idf| idf[2])
    };
    let pair_idfs: Vec<f32> = term_pairs.iter().map(|pair| body_idf(&pair.first).min(body_idf(&pair.second))).collect();
    let bm25 = parameters.bm25;
    let mut ranked: Vec<(i64, f32)> = found
        .iter()
        .map(|candidate| {
            let mut score = 0.0;
            for ((term, frequencies), idf) in query.iter().zip(&candidate.term_frequencies).zip(&idfs) {
                for slot in 0..3 {
                    let saturation = bm25.saturation(
                        frequencies[slot] as f32,
                        candidate.lengths[slot] as f32,
                        corpus.average_lengths[slot],
                    );
                    score += term.weight * boosts[slot] * idf[slot] * saturation;
                }
            }
            let mut proximity = 0.0;
            for ((pair, frequency), idf) in term_pairs.iter().zip(&candidate.pair_frequencies).zip(&pair_idfs) {
                let saturation =
                    bm25.saturation(*frequency as f32, candidate.lengths[2] as f32, corpus.average_lengths[2]);
                proximity += pair.weight * idf * saturation;
            }
            (candidate.id, score + parameters.pair_weight * proximity)
        })
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(parameters.candidates);
    Ok(ranked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: i64, title: &str, body: &str) -> techmatch_search::ListingDocument {
        techmatch_search::ListingDocument {
            kind: ListingKind::Result,
            id,
            title: title.to_owned(),
            body: body.to_owned(),
            keywords: vec!["battery".to_owned()],
            field: None,
            industry_codes: Vec::new(),
            maturity: None,
            region_code: None,
            transfer_modes: Vec::new(),
            status: "published".to_owned(),
            organization_id: 1,
            public: true,
            open_challenge: false,
        }
    }

    fn small_index() -> SearchIndex {
        let index = SearchIndex::in_memory(30_000_000).expect("index");
        let documents = vec![
            result(1, "Fuel cell stack", "Planar solid oxide fuel cells for distributed power generation."),
            result(2, "Battery cathode", "A coating for battery cathodes; the cell lasts longer in the cold."),
            result(
                3,
                "Cell culture",
                "A bioreactor for long cell cultures with a fuel-free pump and a stack of filters.",
            ),
            result(
                4,
                "Fuel injection",
                "Diesel fuel injection timing for engines, with a stack of sensors in the cell.",
            ),
            result(5, "Power electronics", "Inverters for fuel cell and battery power systems in vehicles."),
        ];
        index.add_documents(&documents).expect("add");
        index.finish_rebuild(0).expect("commit");
        index
    }

    fn weighted(text: &str) -> Vec<WeightedTerm> {
        let terms = analyze(text);
        let mut query: Vec<WeightedTerm> = Vec::new();
        for term in terms {
            match query.iter_mut().find(|existing| existing.term == term) {
                Some(existing) => existing.weight += 1.0,
                None => query.push(WeightedTerm { term, weight: 1.0 }),
            }
        }
        query
    }

    #[test]
    fn the_second_pass_with_the_first_pass_constants_reproduces_the_index_ranking() {
        let index = small_index();
        let query = weighted("fuel cell stack for power, fuel cells, battery");
        let parameters = MatchingParameters {
            bm25: Bm25 { k1: 1.2, b: 0.75 },
            boosts: techmatch_search::FieldBoosts { title: 3.0, keywords: 2.5, body: 1.0 },
            rescore_depth: 10,
            pair_weight: 0.0,
            ..MatchingParameters::default()
        };
        let first = index
            .rank_terms_boosted(Viewer::Anonymous, ListingKind::Result, &pairs(&query), 10, parameters.boosts)
            .expect("first");
        let second =
            rescored(&index, Viewer::Anonymous, ListingKind::Result, &query, &[], &parameters).expect("second");
        assert_eq!(first.len(), 5);
        assert_eq!(
            first.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            second.iter().map(|(id, _)| *id).collect::<Vec<_>>()
        );
        for ((_, expected), (_, actual)) in first.iter().zip(&second) {
            assert!((expected - actual).abs() < 1e-3 * expected.max(1.0), "{expected} vs {actual}");
        }
    }

    #[test]
    fn proximity_lifts_the_candidate_where_the_pair_occurs_together() {
        let index = small_index();
        let query = weighted("fuel cell");
        let pair = TermPair { first: analyze("fuel").remove(0), second: analyze("cell").remove(0), weight: 1.0 };
        let flat = techmatch_search::FieldBoosts { title: 0.0, keywords: 0.0, body: 1.0 };
        let without = MatchingParameters {
            boosts: flat,
            rescore_depth: 10,
            pair_weight: 0.0,
            bm25: Bm25 { k1: 2.0, b: 0.0 },
            ..MatchingParameters::default()
        };
        let with = MatchingParameters { pair_weight: 5.0, ..without.clone() };
        let score = |ranked: &[(i64, f32)], id: i64| ranked.iter().find(|(found, _)| *found == id).map(|(_, s)| *s);
        let plain =
            rescored(&index, Viewer::Anonymous, ListingKind::Result, &query, std::slice::from_ref(&pair), &without)
                .expect("plain");
        let near = rescored(&index, Viewer::Anonymous, ListingKind::Result, &query, &[pair], &with).expect("near");
        // Result 4 has both words apart, result 5 "fuel cell" together: only 5 gains.
        assert_eq!(score(&plain, 4), score(&near, 4));
        assert!(score(&near, 5) > score(&plain, 5));
        assert!(score(&near, 1) > score(&plain, 1), "\"fuel cells\" in result 1's body");
    }

    fn chinese_result(id: i64, title: &str, body: &str) -> techmatch_search::ListingDocument {
        techmatch_search::ListingDocument { keywords: Vec::new(), ..result(id, title, body) }
    }

    fn chinese_index() -> SearchIndex {
        let index = SearchIndex::in_memory(30_000_000).expect("index");
        let documents = vec![
            chinese_result(1, "蘑菇栽培", "食用菌蘑菇工厂化栽培的温湿度控制与菌种选育。"),
            chinese_result(2, "蜂蜜检测", "蜂蜜中糖浆掺假的光谱快速检测方法。"),
            chinese_result(3, "果园管理", "丘陵果园的水肥一体化灌溉与果树修剪。"),
            chinese_result(4, "滚动轴承诊断", "基于振动信号的滚动轴承故障诊断。"),
        ];
        index.add_documents(&documents).expect("add");
        index.finish_rebuild(0).expect("commit");
        index
    }

    #[test]
    fn words_the_glossary_lacks_find_chinese_results_through_the_dictionary() {
        let index = chinese_index();
        for word in ["mushroom", "honey", "orchard"] {
            assert!(
                translator().translate(&analyze(word)).is_empty(),
                "{word} is in the glossary; the test needs words it lacks"
            );
        }
        let with = MatchingParameters::default();
        let without = MatchingParameters { dictionary: false, ..MatchingParameters::default() };
        let rank = |title: &str, body: &str, parameters: &MatchingParameters| {
            candidates(&index, Viewer::Anonymous, ListingKind::Result, title, body, &[], parameters).expect("rank")
        };
        let need = ("Mushroom farming", "We grow mushrooms indoors and lose crops to damp.");
        let found = rank(need.0, need.1, &with);
        assert_eq!(found.ranked.first().map(|(id, _)| *id), Some(1), "{:?}", found.ranked);
        assert_eq!(
            found.translated_from.get("蘑菇").map(String::as_str),
            Some("mushroom"),
            "{:?}",
            found.translated_from
        );
        assert!(rank(need.0, need.1, &without).ranked.is_empty(), "without the dictionary nothing is shared");
        let honey = rank("Adulterated honey", "Buyers suspect syrup in our honey.", &with);
        assert_eq!(honey.ranked.first().map(|(id, _)| *id), Some(2), "{:?}", honey.ranked);
    }
}
