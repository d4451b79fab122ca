//! Offline evaluation of matching, like a search engine's ranking-evaluation API: a set in the
//! format of `../shared/eval/FORMAT.md` is indexed in memory with the service's own analysis,
//! every judged need is ranked against all results, and the rankings are scored. The service's
//! database is not touched.

pub mod calibration;
mod command;
pub mod measures;
mod set;

pub use command::{EvaluationCommand, MatchingKnobs};
pub use set::{EvaluationSet, SetNeed, SetResult};

use std::collections::{BTreeMap, HashMap};

use techmatch_domain::Viewer;
use techmatch_domain::listing::ListingKind;
use techmatch_search::analyzer::analyze;
use techmatch_search::{FieldBoosts, ListingDocument, SearchError, SearchIndex};
use techmatch_service::matching::{MatchingParameters, candidates};

use measures::Summary;

/// Means over all judged needs and per need language.
#[derive(Debug, Clone, Default)]
pub struct Breakdown {
    pub all: Summary,
    pub by_language: BTreeMap<String, Summary>,
}

/// One judged need's ranking: result ids of the set, best first, with the matching's scores.
#[derive(Debug, Clone)]
pub struct NeedRanking {
    pub need: String,
    pub results: Vec<(String, f32)>,
    /// For the first [`COVERED_RANKS`] results: the share of the need's query weight (each term's
    /// weight times its idf) that the result's text contains, an absolute measure of evidence
    /// that does not depend on the need's length or the other candidates.
    pub coverage: Vec<f64>,
}

/// How many of each need's results get their coverage measured.
pub const COVERED_RANKS: usize = 20;

#[derive(Debug, Clone)]
pub struct EvaluationReport {
    pub matching: Breakdown,
    pub baseline: Option<Breakdown>,
    /// The matching's rankings, in the set's order of needs: what a run file holds, for comparing
    /// or fusing with another system's.
    pub rankings: Vec<NeedRanking>,
}

impl EvaluationReport {
    /// The rankings in TREC's run format (`need Q0 result rank score tag`), which trec_eval and
    /// most evaluation tools read. Its columns are separated by white space, so an id holding
    /// some is refused rather than written as a line that reads back wrong.
    /// Each need's first results with what a calibration can read of them, one line each:
    /// `need result rank score relative_score coverage` (tab-separated, with a header).
    pub fn pair_features(&self) -> String {
        let mut lines = String::from("need\tresult\trank\tscore\trelative\tcoverage\n");
        for ranking in &self.rankings {
            let best = ranking.results.first().map_or(1.0, |(_, score)| f64::from(*score).max(f64::EPSILON));
            for (rank, ((result, score), coverage)) in ranking.results.iter().zip(&ranking.coverage).enumerate() {
                let relative = f64::from(*score) / best;
                lines.push_str(&format!(
                    "{}\t{result}\t{}\t{score}\t{relative:.4}\t{coverage:.4}\n",
                    ranking.need,
                    rank + 1
                ));
            }
        }
        lines
    }

    pub fn trec_run(&self, tag: &str) -> anyhow::Result<String> {
        let unfit = |id: &str| id.is_empty() || id.chars().any(char::is_whitespace);
        let mut run = String::new();
        for ranking in &self.rankings {
            anyhow::ensure!(!unfit(&ranking.need), "need id {:?} cannot be written in a run file", ranking.need);
            for (rank, (result, score)) in ranking.results.iter().enumerate() {
                anyhow::ensure!(!unfit(result), "result id {result:?} cannot be written in a run file");
                run.push_str(&format!("{} Q0 {result} {} {score} {tag}\n", ranking.need, rank + 1));
            }
        }
        Ok(run)
    }
}

fn breakdown(rankings: &[(String, Vec<String>)], set: &EvaluationSet) -> Breakdown {
    let language_of: HashMap<&str, &str> =
        set.needs.iter().map(|need| (need.id.as_str(), need.language.as_str())).collect();
    let judged =
        |filter: &dyn Fn(&str) -> bool| {
            Summary::of(rankings.iter().filter(|(need, _)| filter(need)).filter_map(|(need, ranking)| {
                set.judgements.get(need).map(|judgements| (ranking.as_slice(), judgements))
            }))
        };
    let mut languages: Vec<&str> = language_of.values().copied().collect();
    languages.sort_unstable();
    languages.dedup();
    let by_language = languages
        .into_iter()
        .map(|language| (language.to_owned(), judged(&|need: &str| language_of.get(need) == Some(&language))))
        .collect();
    Breakdown { all: judged(&|_| true), by_language }
}

/// Indexes the set's results, ranks every judged need, and scores the rankings.
pub fn evaluate(
    set: &EvaluationSet,
    with_baseline: bool,
    parameters: &MatchingParameters,
    mut progress: impl FnMut(&str, usize, usize),
) -> anyhow::Result<EvaluationReport> {
    let index = SearchIndex::in_memory(256 * 1024 * 1024)?;
    let documents: Vec<ListingDocument> = set
        .results
        .iter()
        .enumerate()
        .map(|(position, result)| ListingDocument {
            kind: ListingKind::Result,
            id: position as i64,
            title: result.title.clone(),
            body: result.abstract_text.clone(),
            keywords: result.keywords.clone(),
            field: result.field.clone(),
            industry_codes: Vec::new(),
            maturity: None,
            region_code: None,
            transfer_modes: Vec::new(),
            status: "published".to_owned(),
            organization_id: 0,
            public: true,
            open_challenge: false,
        })
        .collect();
    for (batch_index, batch) in documents.chunks(1_000).enumerate() {
        index.add_documents(batch)?;
        progress("indexing", (batch_index * 1_000 + batch.len()).min(documents.len()), documents.len());
    }
    index.finish_rebuild(0)?;

    let judged: Vec<&SetNeed> = set.needs.iter().filter(|need| set.judgements.contains_key(&need.id)).collect();
    let result_id = |position: i64| set.results.get(position as usize).map(|result| result.id.clone());
    let mut matching = Vec::with_capacity(judged.len());
    let mut rankings = Vec::with_capacity(judged.len());
    let mut baseline = Vec::with_capacity(judged.len());
    for (done, need) in judged.iter().enumerate() {
        let found = candidates(
            &index,
            Viewer::Anonymous,
            ListingKind::Result,
            &need.title,
            &need.description,
            &need.keywords,
            parameters,
        )?;
        let scored: Vec<(String, f32)> =
            found.ranked.iter().filter_map(|(id, score)| result_id(*id).map(|result| (result, *score))).collect();
        let documents = index.num_docs();
        let weighted: Vec<(&str, f64)> = found
            .query
            .iter()
            .map(|term| {
                let idf = techmatch_matching::expansion::idf(index.document_frequency(&term.term), documents);
                (term.term.as_str(), f64::from(term.weight) * f64::from(idf))
            })
            .collect();
        let total: f64 = weighted.iter().map(|(_, weight)| weight).sum();
        let coverage = found
            .ranked
            .iter()
            .take(COVERED_RANKS)
            .map(|(id, _)| {
                let Some(result) = set.results.get(*id as usize) else { return 0.0 };
                let text = format!("{} {} {}", result.title, result.abstract_text, result.keywords.join("，"));
                let terms: std::collections::HashSet<String> = analyze(&text).into_iter().collect();
                let matched: f64 =
                    weighted.iter().filter(|(term, _)| terms.contains(*term)).map(|(_, weight)| weight).sum();
                if total > 0.0 { matched / total } else { 0.0 }
            })
            .collect();
        matching.push((need.id.clone(), scored.iter().map(|(result, _)| result.clone()).collect()));
        rankings.push(NeedRanking { need: need.id.clone(), results: scored, coverage });
        if with_baseline {
            let plain = rank_plain(
                &index,
                Viewer::Anonymous,
                ListingKind::Result,
                &need.title,
                &need.description,
                &need.keywords,
                100,
            )?;
            baseline.push((need.id.clone(), plain.iter().filter_map(|(id, _)| result_id(*id)).collect()));
        }
        progress("ranking", done + 1, judged.len());
    }
    Ok(EvaluationReport {
        matching: breakdown(&matching, set),
        baseline: with_baseline.then(|| breakdown(&baseline, set)),
        rankings,
    })
}

/// Plain BM25 over title, keywords and body, weighted alike, for the document's text as it is
/// (every analysed term, weighted by how often it occurs), with no expansion and no translation:
/// the baseline matching is measured against.
pub fn rank_plain(
    index: &SearchIndex,
    viewer: Viewer,
    kind: ListingKind,
    title: &str,
    body: &str,
    keywords: &[String],
    limit: usize,
) -> Result<Vec<(i64, f32)>, SearchError> {
    let mut counts: std::collections::BTreeMap<String, f32> = std::collections::BTreeMap::new();
    for term in analyze(title).into_iter().chain(analyze(body)).chain(analyze(&keywords.join("，"))) {
        *counts.entry(term).or_default() += 1.0;
    }
    let plain = FieldBoosts { title: 1.0, keywords: 1.0, body: 1.0 };
    index.rank_terms_boosted(viewer, kind, &counts.into_iter().collect::<Vec<_>>(), limit, plain)
}
