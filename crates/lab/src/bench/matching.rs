//! `techmatch bench match`: matching one need against a large index of synthetic results, top
//! 20 with explanations, as the match endpoints do it (the database read of the candidates
//! aside); the needs are synthetic too, or real texts from an evaluation set.

use std::path::{Path, PathBuf};

use anyhow::Context;
use techmatch_domain::Viewer;
use techmatch_domain::listing::ListingKind;
use techmatch_matching::features::{NeedProfile, ResultProfile, Weights, score_pair};
use techmatch_search::SearchIndex;
use techmatch_service::matching::{MatchingParameters, candidates, warm_up_dictionary};

use crate::figures::{LatencyFigures, ScratchDirectory, milliseconds, warn_if_unoptimised};
use crate::generate::listings::synthetic_listings;

/// `techmatch bench match`.
#[derive(Debug, Clone, clap::Args)]
pub struct MatchBenchmark {
    /// Synthetic results in the index.
    #[arg(long, default_value_t = 100_000)]
    pub results: u64,
    /// Needs matched (and timed).
    #[arg(long, default_value_t = 200)]
    pub needs: usize,
    /// Take the needs' titles and descriptions from a needs.jsonl of an evaluation set
    /// (../shared/eval/FORMAT.md), e.g. sbir-dev's long English needs, instead of synthetic
    /// text (at most --needs of them).
    #[arg(long)]
    pub needs_from: Option<PathBuf>,
}

impl MatchBenchmark {
    /// Runs the benchmark and prints its figures.
    pub fn run(&self, progress: &mut dyn FnMut(&str, u64, u64)) -> anyhow::Result<()> {
        warn_if_unoptimised("bench match");
        let need_texts = self.needs_from.as_deref().map(need_texts).transpose()?;
        let described = need_texts
            .as_ref()
            .map(|texts| texts.iter().map(|(_, body)| body.chars().count()).sum::<usize>() / texts.len().max(1));
        let scratch = ScratchDirectory::new("match")?;
        let figures = run(&scratch.path().join("match"), self.results, self.needs, need_texts, progress)?;
        println!("results: {} synthetic bilingual results indexed in {:.1} s", figures.results, figures.index_seconds);
        if let (Some(path), Some(characters)) = (&self.needs_from, described) {
            println!(
                "needs: titles and descriptions of {} (descriptions {characters} characters on average)",
                path.display()
            );
        }
        println!(
            "matching one need (top 20 with explanations): p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  ({} needs)",
            milliseconds(figures.latency.p50),
            milliseconds(figures.latency.p99),
            milliseconds(figures.latency.max),
            figures.latency.samples
        );
        Ok(())
    }
}

/// Figures of `techmatch bench match`.
#[derive(Debug, Clone)]
struct MatchFigures {
    results: u64,
    index_seconds: f64,
    latency: LatencyFigures,
}

/// Times matching one need against `results` synthetic results, top 20 with explanations:
/// the candidate query (significant terms and glossary), feature scoring of every candidate,
/// and matched terms for the 20 kept. The database read of the candidates is not included.
fn run(
    directory: &Path,
    results: u64,
    needs: usize,
    need_texts: Option<Vec<(String, String)>>,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> anyhow::Result<MatchFigures> {
    let index = SearchIndex::recreate(directory, 512 * 1024 * 1024)?;
    let started = std::time::Instant::now();
    let batch = 10_000;
    let mut stored: Vec<ListingDocumentLite> = Vec::with_capacity(usize::try_from(results).unwrap_or(0));
    let mut done = 0;
    while done < results {
        let mut documents = synthetic_listings(done, batch.min(results - done), 0x5eed_0000_0000_0001 + done);
        for document in &mut documents {
            document.kind = ListingKind::Result;
            document.public = true;
            document.status = "published".to_owned();
        }
        index.add_documents(&documents)?;
        stored.extend(documents.into_iter().map(ListingDocumentLite::from));
        done += batch.min(results - done);
        progress("indexing results", done, results);
    }
    index.finish_rebuild(0)?;
    let index_seconds = started.elapsed().as_secs_f64();

    let parameters = MatchingParameters::default();
    let weights = Weights::default();
    let stage = |maturity: &Option<String>| {
        maturity.as_deref().and_then(|raw| techmatch_domain::listing::Maturity::parse("m", raw).ok()).map(|m| {
            techmatch_domain::listing::Maturity::ALL.iter().position(|candidate| *candidate == m).unwrap_or(0) as u8
        })
    };
    let section = |code: &str| techmatch_domain::industry::IndustryCode::parse("i", code).ok().map(|c| c.section());
    // Real needs' texts (title, description), when given, replace the synthetic ones' and keep
    // their synthetic attributes.
    let needs = need_texts.as_ref().map_or(needs, |texts| texts.len().min(needs));
    let mut need_documents = synthetic_listings(10_000_000, needs as u64, 0x0bad_cafe);
    for (need, (title, body)) in need_documents.iter_mut().zip(need_texts.into_iter().flatten()) {
        need.title = title;
        need.body = body;
    }
    // A server loads the dictionary at start-up; the first need should not pay for it here.
    warm_up_dictionary();
    let mut samples = Vec::with_capacity(needs);
    for (done, need) in need_documents.iter().enumerate() {
        let started = std::time::Instant::now();
        let found = candidates(
            &index,
            Viewer::Anonymous,
            ListingKind::Result,
            &need.title,
            &need.body,
            &need.keywords,
            &parameters,
        )?;
        let best = found.ranked.first().map_or(1.0, |(_, score)| f64::from(*score).max(f64::EPSILON));
        let need_profile = NeedProfile {
            keywords: need.keywords.clone(),
            text: need.body.clone(),
            industry_codes: need.industry_codes.clone(),
            min_maturity_stage: stage(&need.maturity),
            budget_max: None,
            cooperation_modes: need.transfer_modes.clone(),
            region_code: need.region_code.clone(),
            age_days: 0.0,
        };
        let mut scored: Vec<(usize, f64)> = found
            .ranked
            .iter()
            .filter_map(|(id, score)| {
                let position = usize::try_from(*id).ok()?;
                let result = stored.get(position)?;
                let profile = ResultProfile {
                    keywords: result.keywords.clone(),
                    text: result.text.clone(),
                    industry_codes: result.industry_codes.clone(),
                    maturity_stage: stage(&result.maturity),
                    asking_price_min: None,
                    transfer_modes: result.transfer_modes.clone(),
                    region_code: result.region_code.clone(),
                    age_days: 30.0,
                    decisions: techmatch_matching::features::DecisionTally::default(),
                };
                let pair = score_pair(&need_profile, &profile, f64::from(*score) / best, &weights, section);
                Some((position, pair.score))
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored.truncate(20);
        for (position, _) in &scored {
            let result = &stored[*position];
            let _terms = techmatch_service::matching::matched_terms(
                &found.query,
                &found.translated_from,
                &result.title,
                &result.keywords,
                &result.text,
            );
        }
        samples.push(started.elapsed());
        progress("matching needs", (done + 1) as u64, needs as u64);
    }
    Ok(MatchFigures { results, index_seconds, latency: LatencyFigures::of(samples) })
}

/// What the benchmark keeps of each result to score it (as the database would return it).
struct ListingDocumentLite {
    title: String,
    text: String,
    keywords: Vec<String>,
    industry_codes: Vec<String>,
    maturity: Option<String>,
    transfer_modes: Vec<String>,
    region_code: Option<String>,
}

impl From<techmatch_search::ListingDocument> for ListingDocumentLite {
    fn from(document: techmatch_search::ListingDocument) -> Self {
        ListingDocumentLite {
            title: document.title,
            text: document.body,
            keywords: document.keywords,
            industry_codes: document.industry_codes,
            maturity: document.maturity,
            transfer_modes: document.transfer_modes,
            region_code: document.region_code,
        }
    }
}

/// (title, description) of every need in a needs.jsonl of an evaluation set.
fn need_texts(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    #[derive(serde::Deserialize)]
    struct NeedText {
        title: String,
        description: String,
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut texts = Vec::new();
    for (number, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let need: NeedText = serde_json::from_str(line)
            .with_context(|| format!("{}: line {} is not a need", path.display(), number + 1))?;
        texts.push((need.title, need.description));
    }
    anyhow::ensure!(!texts.is_empty(), "{} holds no needs", path.display());
    Ok(texts)
}
