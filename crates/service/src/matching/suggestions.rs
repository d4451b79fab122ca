//! The liaison officers' suggestion queue: the best undecided pairs new since an officer's last
//! review, and their decisions (kept with the pair's features as feedback).

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use techmatch_domain::listing::{ListingKind, NeedId, ResearchResult, ResultId, TechNeed};
use techmatch_domain::{Actor, Viewer};
use techmatch_matching::features::{Feature, score_pair};
use techmatch_search::SearchFilters;

use super::ranking::{Feedback, need_profile, rank_results, result_profile, section_of};
use super::{Explanation, MatchService, MatchingQuery, ResultMatch, matched_terms, matching_query};
use crate::error::ServiceError;

/// A suggested pair for the liaison officers' queue.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub need: TechNeed,
    pub result: ResearchResult,
    pub explanation: Explanation,
}

/// How many new listings of each kind a suggestion run looks at, and pairs per listing.
const SUGGESTION_LISTINGS: u64 = 30;
const PAIRS_PER_LISTING: usize = 5;
/// How many pairs first found by batch matching since the last review a suggestion run reads.
const STORED_SUGGESTIONS: u64 = 200;
/// At most this many needs of stored pairs gone stale (a listing edited after the batch) are
/// ranked again per suggestion run, those with the best stored pairs first.
const STALE_NEEDS_RANKED: usize = 20;

/// A need's stored pairs that a listing edit made stale.
#[derive(Debug)]
struct StalePairs {
    need: TechNeed,
    results: BTreeSet<i64>,
    /// The best stored score among them (needs with better pairs are ranked again first).
    best: f64,
}

impl MatchService {
    /// The best undecided pairs that are new since the officer's last review: those batch
    /// matching (`match --all`) first found since, and those of listings changed since (ranked
    /// now, so a listing written after the last batch is not missed).
    pub async fn suggestions(
        &self,
        actor: &Actor,
        limit: usize,
    ) -> Result<(Vec<Suggestion>, Option<chrono::DateTime<Utc>>), ServiceError> {
        techmatch_domain::authorize(Some(actor), techmatch_domain::Action::ReviewSuggestions)?;
        let since = self.store.last_review(actor.user_id).await?;
        let from = since.unwrap_or(chrono::DateTime::<Utc>::UNIX_EPOCH);
        let decided = self.store.decided_pairs().await?;
        self.catch_up(actor).await;
        let ranking = self.without_waiting();
        let (mut pairs, stale) = self.stored_suggestions(from, &decided).await?;
        // Pairs ranked just now replace stored ones: their explanations already hold matched terms.
        let stored: BTreeSet<(i64, i64)> = pairs.keys().copied().collect();
        let mut ranked_now: BTreeSet<(i64, i64)> = BTreeSet::new();
        let mut needs_ranked_now: BTreeSet<i64> = BTreeSet::new();
        for need_id in self.store.open_needs_changed_since(from, SUGGESTION_LISTINGS).await? {
            needs_ranked_now.insert(need_id.0);
            let Some(need) = self.store.find_need(need_id).await? else { continue };
            for found in ranking.best_results_for_staff(actor, &need).await? {
                let key = (need_id.0, found.result.id.0);
                if !decided.contains(&key) {
                    ranked_now.insert(key);
                    pairs.insert(
                        key,
                        Suggestion { need: need.clone(), result: found.result, explanation: found.explanation },
                    );
                }
            }
        }
        for result_id in self.store.published_results_changed_since(from, SUGGESTION_LISTINGS).await? {
            let Some(result) = self.store.find_result(result_id).await? else { continue };
            for found in ranking.matches_for_result(actor, result_id, PAIRS_PER_LISTING).await? {
                let key = (found.need.id.0, result_id.0);
                let open = found.need.status == techmatch_domain::listing::NeedStatus::Open;
                if open && !decided.contains(&key) && !ranked_now.contains(&key) {
                    ranked_now.insert(key);
                    pairs.insert(
                        key,
                        Suggestion { need: found.need, result: result.clone(), explanation: found.explanation },
                    );
                }
            }
        }
        // Stale stored pairs the on-demand part did not reach (it looks at the most recent
        // changes only, so a bulk edit leaves some out): their needs are ranked again and the
        // pairs kept where they still rank among the need's best, scored as the listings read
        // now. A need ranked on demand above has had its best pairs taken already.
        let mut stale: Vec<StalePairs> = stale
            .into_values()
            .filter(|pairs| !needs_ranked_now.contains(&pairs.need.id.0))
            .map(|mut pairs| {
                let need_id = pairs.need.id.0;
                pairs.results.retain(|result_id| !ranked_now.contains(&(need_id, *result_id)));
                pairs
            })
            .filter(|pairs| !pairs.results.is_empty())
            .collect();
        stale.sort_by(|a, b| b.best.total_cmp(&a.best).then_with(|| a.need.id.cmp(&b.need.id)));
        for StalePairs { need, results, .. } in stale.into_iter().take(STALE_NEEDS_RANKED) {
            let need_id = need.id.0;
            for found in ranking.best_results_for_staff(actor, &need).await? {
                let key = (need_id, found.result.id.0);
                if results.contains(&key.1) && !decided.contains(&key) && !ranked_now.contains(&key) {
                    ranked_now.insert(key);
                    pairs.insert(
                        key,
                        Suggestion { need: need.clone(), result: found.result, explanation: found.explanation },
                    );
                }
            }
        }
        let mut suggestions: Vec<Suggestion> = pairs.into_values().collect();
        suggestions.sort_by(|a, b| {
            b.explanation
                .score
                .total_cmp(&a.explanation.score)
                .then_with(|| (a.need.id, a.result.id).cmp(&(b.need.id, b.result.id)))
        });
        suggestions.truncate(limit);
        // Stored pairs shown get their matched terms now, from their need's query.
        let mut queries: HashMap<i64, MatchingQuery> = HashMap::new();
        for suggestion in &mut suggestions {
            let key = (suggestion.need.id.0, suggestion.result.id.0);
            if !stored.contains(&key) || ranked_now.contains(&key) {
                continue;
            }
            let query = match queries.get(&key.0) {
                Some(query) => query,
                None => {
                    let content = &suggestion.need.content;
                    let (title, body, keywords) = (
                        content.title.as_str().to_owned(),
                        content.description.as_str().to_owned(),
                        content.keywords.as_slice().to_vec(),
                    );
                    let parameters = self.parameters.clone();
                    let query = self
                        .search
                        .with_index(move |index| matching_query(index, &title, &body, &keywords, &parameters))
                        .await?;
                    queries.entry(key.0).or_insert(query)
                }
            };
            let content = &suggestion.result.content;
            suggestion.explanation.matched_terms = matched_terms(
                &query.terms,
                &query.translated_from,
                content.title.as_str(),
                content.keywords.as_slice(),
                content.abstract_text.as_str(),
            );
        }
        Ok((suggestions, since))
    }

    /// A need's best few results ranked now, as staff see them (for the suggestion queue). Staff
    /// may see and act for every need: it is ranked directly rather than through
    /// `matches_for_need`, which would load it again to check that.
    async fn best_results_for_staff(&self, actor: &Actor, need: &TechNeed) -> Result<Vec<ResultMatch>, ServiceError> {
        let viewer = Viewer::of(Some(actor));
        let content = &need.content;
        let candidates = self
            .candidates_for(
                viewer,
                ListingKind::Result,
                &SearchFilters::default(),
                content.title.as_str().to_owned(),
                content.description.as_str().to_owned(),
                content.keywords.as_slice().to_vec(),
            )
            .await?;
        rank_results(&self.store, &self.weights, viewer, true, need, &candidates, PAIRS_PER_LISTING).await
    }

    /// Undecided pairs batch matching first found after `from`, among its best few per need,
    /// whose need is still open and result still published, and neither edited since the batch
    /// ranked them; scored again with the current weights and listings (text relevance as the
    /// batch measured it). Pairs with a listing edited since come back apart, as stale: their
    /// text relevance is the old text's.
    async fn stored_suggestions(
        &self,
        from: chrono::DateTime<Utc>,
        decided: &std::collections::HashSet<(i64, i64)>,
    ) -> Result<(HashMap<(i64, i64), Suggestion>, HashMap<i64, StalePairs>), ServiceError> {
        let max_rank = i32::try_from(PAIRS_PER_LISTING).unwrap_or(i32::MAX);
        let found: Vec<techmatch_store::NewStoredPair> = self
            .store
            .stored_pairs_found_since(from, max_rank, STORED_SUGGESTIONS)
            .await?
            .into_iter()
            .filter(|pair| !decided.contains(&(pair.need_id.0, pair.found.result_id.0)))
            .collect();
        let need_ids: Vec<i64> = found.iter().map(|pair| pair.need_id.0).collect::<BTreeSet<_>>().into_iter().collect();
        let result_ids: Vec<i64> =
            found.iter().map(|pair| pair.found.result_id.0).collect::<BTreeSet<_>>().into_iter().collect();
        let needs: HashMap<i64, TechNeed> = self
            .store
            .needs_by_ids(&need_ids)
            .await?
            .into_iter()
            .filter(|need| need.status == techmatch_domain::listing::NeedStatus::Open)
            .map(|need| (need.id.0, need))
            .collect();
        let results: HashMap<i64, ResearchResult> = self
            .store
            .results_by_ids(&result_ids)
            .await?
            .into_iter()
            .filter(|result| result.status == techmatch_domain::listing::ResultStatus::Published)
            .map(|result| (result.id.0, result))
            .collect();
        let feedback = Feedback::load(&self.store, &result_ids, true).await?;
        let mut pairs = HashMap::new();
        let mut stale: HashMap<i64, StalePairs> = HashMap::new();
        for pair in found {
            let (Some(need), Some(result)) = (needs.get(&pair.need_id.0), results.get(&pair.found.result_id.0)) else {
                continue;
            };
            // A listing edited since the batch ranked the pair: its text relevance is stale; the
            // caller ranks the need again.
            if need.updated_at > pair.computed_at || result.updated_at > pair.computed_at {
                let entry = stale.entry(need.id.0).or_insert_with(|| StalePairs {
                    need: need.clone(),
                    results: BTreeSet::new(),
                    best: 0.0,
                });
                entry.results.insert(result.id.0);
                entry.best = entry.best.max(pair.found.score);
                continue;
            }
            let text = pair
                .found
                .features
                .iter()
                .find(|(name, _)| name == Feature::Text.name())
                .map_or(0.0, |(_, value)| *value);
            let result_profile = result_profile(result, feedback.tally(result.id.0, need.id.0));
            let scored = score_pair(&need_profile(need), &result_profile, text, &self.weights, section_of);
            let explanation =
                Explanation { score: scored.score, contributions: scored.contributions, matched_terms: Vec::new() };
            pairs.insert(
                (need.id.0, result.id.0),
                Suggestion { need: need.clone(), result: result.clone(), explanation },
            );
        }
        Ok((pairs, stale))
    }

    /// The officer has seen the queue: later suggestions are only pairs found, or listings changed, after now.
    pub async fn mark_reviewed(&self, actor: &Actor) -> Result<(), ServiceError> {
        techmatch_domain::authorize(Some(actor), techmatch_domain::Action::ReviewSuggestions)?;
        Ok(self.store.mark_reviewed(actor.user_id, Utc::now()).await?)
    }

    /// Shortlists or rejects a pair, keeping its score at the time as feedback. A rejected pair
    /// is never suggested again.
    pub async fn decide(
        &self,
        actor: &Actor,
        need_id: NeedId,
        result_id: ResultId,
        decision: techmatch_domain::listing::MatchDecision,
        note: Option<String>,
    ) -> Result<techmatch_store::PairDecision, ServiceError> {
        techmatch_domain::authorize(Some(actor), techmatch_domain::Action::ReviewSuggestions)?;
        if self.store.find_need(need_id).await?.is_none() {
            return Err(ServiceError::NotFound("technology need"));
        }
        if self.store.find_result(result_id).await?.is_none() {
            return Err(ServiceError::NotFound("research result"));
        }
        let ranked =
            self.matches_for_need(actor, need_id, 50).await?.into_iter().find(|found| found.result.id == result_id);
        let score = ranked.as_ref().map_or(0.0, |found| found.explanation.score);
        let features = ranked
            .map(|found| {
                found
                    .explanation
                    .contributions
                    .iter()
                    .map(|part| (part.feature.name().to_owned(), part.value))
                    .collect()
            })
            .unwrap_or_default();
        let decision = techmatch_store::PairDecision {
            need_id,
            result_id,
            decision,
            note,
            score,
            features,
            decided_by: actor.user_id,
            decided_at: Utc::now(),
        };
        self.store.record_decision(&decision).await?;
        tracing::info!(need_id = %need_id, result_id = %result_id, decision = %decision.decision, user_id = %actor.user_id, "pair decided");
        Ok(decision)
    }
}
