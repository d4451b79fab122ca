//! `techmatch eval`: the command line of the offline evaluation, and what it prints.

use std::path::PathBuf;

use anyhow::Context;
use techmatch_matching::expansion::QueryWeighting;
use techmatch_matching::rescoring::Bm25;
use techmatch_search::FieldBoosts;
use techmatch_service::matching::MatchingParameters;

use super::{Breakdown, EvaluationSet, evaluate};

/// Score matching on an evaluation set (results.jsonl, needs.jsonl, qrels.tsv) in a temporary
/// in-memory index; the database is not touched. The last line is the matching's figures.
#[derive(Debug, Clone, clap::Args)]
pub struct EvaluationCommand {
    #[arg(long)]
    pub set: PathBuf,
    /// Also print plain BM25 (same analyzer, no expansion) for comparison.
    #[arg(long)]
    pub baseline: bool,
    /// Also write the matching's rankings to this file in TREC's run format
    /// (`need Q0 result rank score techmatch`).
    #[arg(long)]
    pub run: Option<PathBuf>,
    /// Also write each need's first results with their relative score and the share of the
    /// need's query weight they contain (tab-separated), for studying calibration.
    #[arg(long)]
    pub pairs: Option<PathBuf>,
    #[command(flatten)]
    pub knobs: MatchingKnobs,
}

/// Matching knobs to try instead of the measured defaults (docs/matching.md); each one left out
/// keeps its default.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct MatchingKnobs {
    /// Significant terms taken from the need itself (the first pass's query).
    #[arg(long)]
    pub query_terms: Option<usize>,
    /// First-pass matches whose text feeds the expansion (0 turns feedback off).
    #[arg(long)]
    pub feedback_documents: Option<usize>,
    #[arg(long)]
    pub expansion_terms: Option<usize>,
    /// Share of the expanded query kept from the original terms.
    #[arg(long)]
    pub original_weight: Option<f32>,
    #[arg(long)]
    pub title_repeat: Option<usize>,
    /// Field boosts as title,keywords,body (default 0.3,0.3,1; anything but three values keeps it).
    #[arg(long, value_delimiter = ',')]
    pub boosts: Option<Vec<f32>>,
    /// Significant terms the second pass scores with.
    #[arg(long)]
    pub rescore_terms: Option<usize>,
    /// First-pass candidates the second pass re-scores (0 turns it off).
    #[arg(long)]
    pub rescore_depth: Option<usize>,
    /// BM25 saturation of the second pass.
    #[arg(long)]
    pub k1: Option<f32>,
    /// BM25 length normalisation of the second pass.
    #[arg(long)]
    pub b: Option<f32>,
    /// Term pairs of the proximity score.
    #[arg(long)]
    pub pair_terms: Option<usize>,
    /// Weight of the proximity score.
    #[arg(long)]
    pub pair_weight: Option<f32>,
    /// Characters allowed between a pair's terms.
    #[arg(long)]
    pub pair_slack: Option<u32>,
    /// Weight query terms by their frequency in the document alone (else damped tf·idf).
    #[arg(long)]
    pub frequency_weights: Option<bool>,
    /// Translate English words the glossary lacks through the general dictionary.
    #[arg(long)]
    pub dictionary: Option<bool>,
}

impl MatchingKnobs {
    /// The defaults with every knob given replacing its value.
    pub fn parameters(&self) -> MatchingParameters {
        let mut parameters = MatchingParameters::default();
        let bm25 = parameters.bm25;
        let replace = |target: &mut usize, value: Option<usize>| *target = value.unwrap_or(*target);
        replace(&mut parameters.query_terms, self.query_terms);
        replace(&mut parameters.feedback_documents, self.feedback_documents);
        replace(&mut parameters.expansion_terms, self.expansion_terms);
        replace(&mut parameters.title_repeat, self.title_repeat);
        replace(&mut parameters.rescore_terms, self.rescore_terms);
        replace(&mut parameters.rescore_depth, self.rescore_depth);
        replace(&mut parameters.pair_terms, self.pair_terms);
        parameters.original_weight = self.original_weight.unwrap_or(parameters.original_weight);
        parameters.pair_weight = self.pair_weight.unwrap_or(parameters.pair_weight);
        parameters.pair_slack = self.pair_slack.unwrap_or(parameters.pair_slack);
        parameters.bm25 = Bm25 { k1: self.k1.unwrap_or(bm25.k1), b: self.b.unwrap_or(bm25.b) };
        parameters.dictionary = self.dictionary.unwrap_or(parameters.dictionary);
        if let Some([title, keywords, body]) = self.boosts.as_deref() {
            parameters.boosts = FieldBoosts { title: *title, keywords: *keywords, body: *body };
        }
        parameters.query_weighting = match self.frequency_weights {
            Some(true) => QueryWeighting::Frequency,
            Some(false) => QueryWeighting::DampedTfIdf,
            None => parameters.query_weighting,
        };
        parameters
    }
}

impl EvaluationCommand {
    /// Runs the evaluation and prints its figures; `progress(stage, done, total)` reports the
    /// indexing and the ranking.
    pub fn run(&self, progress: &mut dyn FnMut(&str, u64, u64)) -> anyhow::Result<()> {
        let set = EvaluationSet::load(&self.set)?;
        println!(
            "set {}: {} results, {} needs, {} judged",
            set.name,
            set.results.len(),
            set.needs.len(),
            set.judgements.len()
        );
        let report = evaluate(&set, self.baseline, &self.knobs.parameters(), |stage, done, total| {
            progress(stage, done as u64, total as u64)
        })?;
        let show = |label: &str, breakdown: &Breakdown| {
            println!("{label:<9} all ({:>3} needs): {}", breakdown.all.queries, breakdown.all.line());
            for (language, summary) in &breakdown.by_language {
                println!("{label:<9} {language:<3} ({:>3} needs): {}", summary.queries, summary.line());
            }
        };
        if let Some(baseline) = &report.baseline {
            show("baseline", baseline);
        }
        show("matching", &report.matching);
        if let Some(run) = &self.run {
            std::fs::write(run, report.trec_run("techmatch")?)
                .with_context(|| format!("cannot write the run file {}", run.display()))?;
            println!("run written to {} ({} needs)", run.display(), report.rankings.len());
        }
        for line in super::calibration::calibrate(&set, &report.rankings).lines() {
            println!("{line}");
        }
        if let Some(pairs) = &self.pairs {
            std::fs::write(pairs, report.pair_features())
                .with_context(|| format!("cannot write the pairs file {}", pairs.display()))?;
            println!("pairs written to {}", pairs.display());
        }
        println!("{}", report.matching.all.line());
        Ok(())
    }
}
