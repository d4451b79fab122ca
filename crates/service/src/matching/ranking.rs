//! How a listing's candidates become explained matches: each pair scored by the matching
//! features (officers' feedback only in staff rankings), the best kept, and the query terms each
//! shares with the document found for the pairs shown.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use techmatch_domain::Viewer;
use techmatch_domain::access::can_view_result;
use techmatch_domain::industry::IndustryCode;
use techmatch_domain::listing::{Maturity, ResearchResult, TechNeed};
use techmatch_matching::features::{DecisionTally, NeedProfile, ResultProfile, Weights, score_pair};
use techmatch_search::analyzer::analyze;
use techmatch_store::Store;

use super::{Candidates, Explanation, MatchedTerm, ResultMatch};
use crate::error::ServiceError;

fn stage(maturity: Maturity) -> u8 {
    Maturity::ALL.iter().position(|candidate| *candidate == maturity).unwrap_or(0) as u8
}

fn age_days(updated_at: chrono::DateTime<Utc>) -> f64 {
    (Utc::now() - updated_at).num_seconds().max(0) as f64 / 86_400.0
}

pub(super) fn section_of(code: &str) -> Option<char> {
    IndustryCode::parse("industry", code).ok().map(IndustryCode::section)
}

pub(super) fn need_profile(need: &TechNeed) -> NeedProfile {
    let content = &need.content;
    NeedProfile {
        keywords: content.keywords.as_slice().to_vec(),
        text: format!(
            "{} {} {}",
            content.title.as_str(),
            content.keywords.as_slice().join(" "),
            content.description.as_str()
        ),
        industry_codes: content.industry_codes.iter().map(|code| code.as_str().to_owned()).collect(),
        min_maturity_stage: content.min_maturity.map(stage),
        budget_max: content.budget.max,
        cooperation_modes: content.cooperation_modes.iter().map(|mode| mode.as_str().to_owned()).collect(),
        region_code: content.region_code.as_ref().map(|code| code.as_str().to_owned()),
        age_days: age_days(need.updated_at),
    }
}

/// Officers' decisions on pairs of some results, for the feedback feature. Decisions are staff
/// information: rankings shown to owners leave them out (every result counts as undecided).
#[derive(Debug, Default)]
pub(super) struct Feedback {
    /// Result id → (need id, shortlisted) of each decision.
    decisions: HashMap<i64, Vec<(i64, bool)>>,
}

impl Feedback {
    pub(super) async fn load(store: &Store, result_ids: &[i64], for_staff: bool) -> Result<Feedback, ServiceError> {
        if !for_staff {
            return Ok(Feedback::default());
        }
        let mut decisions: HashMap<i64, Vec<(i64, bool)>> = HashMap::new();
        for (result_id, need_id, shortlisted) in store.decisions_on_results(result_ids).await? {
            decisions.entry(result_id).or_default().push((need_id, shortlisted));
        }
        Ok(Feedback { decisions })
    }

    /// Decisions on the result's pairs with other needs: the pair's own decision is what the
    /// feedback should predict, not part of it.
    pub(super) fn tally(&self, result_id: i64, need_id: i64) -> DecisionTally {
        let mut tally = DecisionTally::default();
        for (decided_need, shortlisted) in self.decisions.get(&result_id).into_iter().flatten() {
            if *decided_need == need_id {
                continue;
            }
            if *shortlisted {
                tally.shortlisted = tally.shortlisted.saturating_add(1);
            } else {
                tally.rejected = tally.rejected.saturating_add(1);
            }
        }
        tally
    }
}

pub(super) fn result_profile(result: &ResearchResult, decisions: DecisionTally) -> ResultProfile {
    let content = &result.content;
    ResultProfile {
        keywords: content.keywords.as_slice().to_vec(),
        // The field (学科) counts with the keywords: a need asking for 材料 finds 材料科学 results.
        text: format!(
            "{} {} {} {}",
            content.title.as_str(),
            content.keywords.as_slice().join(" "),
            content.field.as_deref().unwrap_or_default(),
            content.abstract_text.as_str()
        ),
        industry_codes: content.industry_codes.iter().map(|code| code.as_str().to_owned()).collect(),
        maturity_stage: Some(stage(content.maturity)),
        asking_price_min: content.asking_price.min,
        transfer_modes: content.transfer_modes.iter().map(|mode| mode.as_str().to_owned()).collect(),
        region_code: content.region_code.as_ref().map(|code| code.as_str().to_owned()),
        age_days: age_days(result.updated_at),
        decisions,
    }
}

/// Which query terms occur in which fields of the matched listing, heaviest terms first.
pub fn matched_terms(
    query: &[techmatch_matching::expansion::WeightedTerm],
    translations: &HashMap<String, String>,
    title: &str,
    keywords: &[String],
    body: &str,
) -> Vec<MatchedTerm> {
    let title_terms: BTreeSet<String> = analyze(title).into_iter().collect();
    let keyword_terms: BTreeSet<String> = analyze(&keywords.join("，")).into_iter().collect();
    let body_terms: BTreeSet<String> = analyze(body).into_iter().collect();
    query
        .iter()
        .filter_map(|weighted| {
            let mut fields = Vec::new();
            for (name, terms) in [("title", &title_terms), ("keywords", &keyword_terms), ("body", &body_terms)] {
                if terms.contains(&weighted.term) {
                    fields.push(name);
                }
            }
            (!fields.is_empty()).then(|| MatchedTerm {
                term: weighted.term.clone(),
                fields,
                translated_from: translations.get(&weighted.term).cloned(),
            })
        })
        .take(15)
        .collect()
}

/// Scores the candidates found for a need, keeps the best `limit`, and explains them; officers'
/// feedback counts when the ranking is `for_staff`.
pub(super) async fn rank_results(
    store: &Store,
    weights: &Weights,
    viewer: Viewer,
    for_staff: bool,
    need: &TechNeed,
    found: &Candidates,
    limit: usize,
) -> Result<Vec<ResultMatch>, ServiceError> {
    let best = found.ranked.first().map_or(1.0, |(_, score)| f64::from(*score).max(f64::EPSILON));
    let retrieval: HashMap<i64, f64> = found.ranked.iter().map(|(id, score)| (*id, f64::from(*score) / best)).collect();
    let ids: Vec<i64> = found.ranked.iter().map(|(id, _)| *id).collect();
    let profile = need_profile(need);
    let feedback = Feedback::load(store, &ids, for_staff).await?;
    let mut matches: Vec<ResultMatch> = store
        .results_by_ids(&ids)
        .await?
        .into_iter()
        // The index is filtered already; the database has the last word.
        .filter(|result| can_view_result(viewer, result.organization_id, result.status))
        .filter(|result| result.status == techmatch_domain::listing::ResultStatus::Published || viewer.is_staff())
        .map(|result| {
            let result_profile = result_profile(&result, feedback.tally(result.id.0, need.id.0));
            let scored = score_pair(&profile, &result_profile, retrieval[&result.id.0], weights, section_of);
            let explanation =
                Explanation { score: scored.score, contributions: scored.contributions, matched_terms: Vec::new() };
            ResultMatch { explanation, result }
        })
        .collect();
    matches.sort_by(|a, b| {
        b.explanation.score.total_cmp(&a.explanation.score).then_with(|| a.result.id.cmp(&b.result.id))
    });
    matches.truncate(limit);
    // Matched terms only for the pairs returned: finding them re-analyses each text.
    for kept in &mut matches {
        let content = &kept.result.content;
        kept.explanation.matched_terms = matched_terms(
            &found.query,
            &found.translated_from,
            content.title.as_str(),
            content.keywords.as_slice(),
            content.abstract_text.as_str(),
        );
    }
    Ok(matches)
}
