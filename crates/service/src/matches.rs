//! Ranked, explained result↔need pairings for a listing's owner and for staff.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use techmatch_domain::access::{acts_for, can_view_need, can_view_result};
use techmatch_domain::industry::IndustryCode;
use techmatch_domain::listing::{ListingKind, Maturity, NeedId, ResearchResult, ResultId, TechNeed};
use techmatch_domain::{Actor, Viewer};
use techmatch_matching::features::{
    Contribution, DecisionTally, Feature, NeedProfile, ResultProfile, Weights, score_pair,
};
use techmatch_search::SearchFilters;
use techmatch_search::analyzer::analyze;
use techmatch_store::Store;

use crate::error::ServiceError;
use crate::matching::{Candidates, MatchingParameters, MatchingQuery, candidates, matching_query};
use crate::search::SearchService;

/// A query term found in the matched listing, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedTerm {
    pub term: String,
    /// `title`, `keywords` and/or `body` (abstract or description).
    pub fields: Vec<&'static str>,
    /// For a term the query has from the glossary, the wording of the other language it
    /// translates (the document's own words).
    pub translated_from: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Explanation {
    pub score: f64,
    pub contributions: Vec<Contribution>,
    pub matched_terms: Vec<MatchedTerm>,
}

#[derive(Debug, Clone)]
pub struct ResultMatch {
    pub result: ResearchResult,
    pub explanation: Explanation,
}

#[derive(Debug, Clone)]
pub struct NeedMatch {
    pub need: TechNeed,
    pub explanation: Explanation,
}

#[derive(Clone, Debug)]
pub struct MatchService {
    store: Store,
    search: SearchService,
    weights: Weights,
    parameters: MatchingParameters,
    /// Whether each ranking first waits for the caller's writes to be searchable (see
    /// [`MatchService::without_waiting`]).
    wait_for_index: bool,
}

fn stage(maturity: Maturity) -> u8 {
    Maturity::ALL.iter().position(|candidate| *candidate == maturity).unwrap_or(0) as u8
}

fn age_days(updated_at: chrono::DateTime<Utc>) -> f64 {
    (Utc::now() - updated_at).num_seconds().max(0) as f64 / 86_400.0
}

fn section_of(code: &str) -> Option<char> {
    IndustryCode::parse("industry", code).ok().map(IndustryCode::section)
}

fn need_profile(need: &TechNeed) -> NeedProfile {
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
struct Feedback {
    /// Result id → (need id, shortlisted) of each decision.
    decisions: HashMap<i64, Vec<(i64, bool)>>,
}

impl Feedback {
    async fn load(store: &Store, result_ids: &[i64], for_staff: bool) -> Result<Feedback, ServiceError> {
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
    fn tally(&self, result_id: i64, need_id: i64) -> DecisionTally {
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

fn result_profile(result: &ResearchResult, decisions: DecisionTally) -> ResultProfile {
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

impl MatchService {
    pub fn new(store: Store, search: SearchService, weights: Weights) -> MatchService {
        MatchService { store, search, weights, parameters: MatchingParameters::default(), wait_for_index: true }
    }

    /// Waits (bounded) until the index holds the writes `actor` must find: their own, or for
    /// staff everyone's answered on this node. Loops of rankings call it once, then rank
    /// through [`MatchService::without_waiting`]: were the index stuck, each ranking would
    /// otherwise wait out the bound in turn.
    pub async fn catch_up(&self, actor: &Actor) {
        self.search.caught_up_for(Viewer::of(Some(actor))).await;
    }

    /// This service ranking without waiting for the index, for use after [`MatchService::catch_up`].
    pub fn without_waiting(&self) -> MatchService {
        MatchService { wait_for_index: false, ..self.clone() }
    }

    async fn candidates_for(
        &self,
        viewer: Viewer,
        kind: ListingKind,
        filters: &SearchFilters,
        title: String,
        body: String,
        keywords: Vec<String>,
    ) -> Result<Candidates, ServiceError> {
        let parameters = MatchingParameters { filters: filters.clone(), ..self.parameters.clone() };
        if self.wait_for_index {
            self.search.caught_up_for(viewer).await;
        }
        self.search
            .with_index(move |index| candidates(index, viewer, kind, &title, &body, &keywords, &parameters))
            .await?
            .map_err(|error| ServiceError::Internal(anyhow::Error::new(error).context("matching query failed")))
    }

    /// Research results for a need, best first. For the need's organization and staff.
    pub async fn matches_for_need(
        &self,
        actor: &Actor,
        need_id: NeedId,
        limit: usize,
    ) -> Result<Vec<ResultMatch>, ServiceError> {
        self.matches_for_need_within(actor, need_id, limit, &SearchFilters::default()).await
    }

    /// [`MatchService::matches_for_need`] among the results that pass `filters` (industry,
    /// field, maturity, region, transfer mode).
    pub async fn matches_for_need_within(
        &self,
        actor: &Actor,
        need_id: NeedId,
        limit: usize,
        filters: &SearchFilters,
    ) -> Result<Vec<ResultMatch>, ServiceError> {
        let viewer = Viewer::of(Some(actor));
        let need = self.store.find_need(need_id).await?.ok_or(ServiceError::NotFound("technology need"))?;
        if !can_view_need(viewer, need.organization_id, need.status, need.content.confidential) {
            return Err(ServiceError::NotFound("technology need"));
        }
        if !acts_for(actor, need.organization_id) {
            return Err(ServiceError::Forbidden);
        }
        let content = &need.content;
        let found = self
            .candidates_for(
                viewer,
                ListingKind::Result,
                filters,
                content.title.as_str().to_owned(),
                content.description.as_str().to_owned(),
                content.keywords.as_slice().to_vec(),
            )
            .await?;
        rank_results(&self.store, &self.weights, viewer, viewer.is_staff(), &need, &found, limit).await
    }

    /// Technology needs for a result, best first. For the result's organization and staff; a
    /// confidential need of another company never appears (unless the caller is staff).
    pub async fn matches_for_result(
        &self,
        actor: &Actor,
        result_id: ResultId,
        limit: usize,
    ) -> Result<Vec<NeedMatch>, ServiceError> {
        self.matches_for_result_within(actor, result_id, limit, &SearchFilters::default()).await
    }

    /// [`MatchService::matches_for_result`] among the needs that pass `filters` (industry,
    /// region, cooperation mode, open challenges only).
    pub async fn matches_for_result_within(
        &self,
        actor: &Actor,
        result_id: ResultId,
        limit: usize,
        filters: &SearchFilters,
    ) -> Result<Vec<NeedMatch>, ServiceError> {
        let viewer = Viewer::of(Some(actor));
        let result = self.store.find_result(result_id).await?.ok_or(ServiceError::NotFound("research result"))?;
        if !can_view_result(viewer, result.organization_id, result.status) {
            return Err(ServiceError::NotFound("research result"));
        }
        if !acts_for(actor, result.organization_id) {
            return Err(ServiceError::Forbidden);
        }
        let content = &result.content;
        let found = self
            .candidates_for(
                viewer,
                ListingKind::Need,
                filters,
                content.title.as_str().to_owned(),
                content.abstract_text.as_str().to_owned(),
                content.keywords.as_slice().to_vec(),
            )
            .await?;
        let best = found.ranked.first().map_or(1.0, |(_, score)| f64::from(*score).max(f64::EPSILON));
        let retrieval: HashMap<i64, f64> =
            found.ranked.iter().map(|(id, score)| (*id, f64::from(*score) / best)).collect();
        let ids: Vec<i64> = found.ranked.iter().map(|(id, _)| *id).collect();
        let profile = result_profile(&result, DecisionTally::default());
        let feedback = Feedback::load(&self.store, &[result.id.0], viewer.is_staff()).await?;
        let mut matches: Vec<NeedMatch> = self
            .store
            .needs_by_ids(&ids)
            .await?
            .into_iter()
            .filter(|need| can_view_need(viewer, need.organization_id, need.status, need.content.confidential))
            .filter(|need| need.status != techmatch_domain::listing::NeedStatus::Archived)
            .map(|need| {
                let profile = ResultProfile { decisions: feedback.tally(result.id.0, need.id.0), ..profile.clone() };
                let scored =
                    score_pair(&need_profile(&need), &profile, retrieval[&need.id.0], &self.weights, section_of);
                let explanation =
                    Explanation { score: scored.score, contributions: scored.contributions, matched_terms: Vec::new() };
                NeedMatch { explanation, need }
            })
            .collect();
        matches.sort_by(|a, b| {
            b.explanation.score.total_cmp(&a.explanation.score).then_with(|| a.need.id.cmp(&b.need.id))
        });
        matches.truncate(limit);
        for kept in &mut matches {
            let content = &kept.need.content;
            kept.explanation.matched_terms = matched_terms(
                &found.query,
                &found.translated_from,
                content.title.as_str(),
                content.keywords.as_slice(),
                content.description.as_str(),
            );
        }
        Ok(matches)
    }
}

/// Scores the candidates found for a need, keeps the best `limit`, and explains them; officers'
/// feedback counts when the ranking is `for_staff`.
async fn rank_results(
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

    /// Recomputes and stores the best `limit` results of every open need (see [`match_all`]),
    /// with this service's index.
    pub async fn refresh_stored_matches(
        &self,
        limit: usize,
        progress: impl FnMut(usize, usize),
    ) -> Result<BatchSummary, ServiceError> {
        match_all(&self.store, self.search.index(), &self.weights, limit, progress).await
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

/// Refits the feature weights from the decisions stored so far (see `techmatch_matching::refit`).
/// `None` while there are too few decisions, or all of one kind.
pub async fn refit_from_decisions(
    store: &Store,
    current: &Weights,
) -> Result<(usize, Option<techmatch_matching::refit::RefitReport>), ServiceError> {
    let decisions = store.decisions().await?;
    let samples: Vec<techmatch_matching::refit::Sample> = decisions
        .iter()
        .filter_map(|decision| {
            techmatch_matching::refit::sample_from(
                &decision.features,
                decision.decision == techmatch_domain::listing::MatchDecision::Shortlist,
            )
        })
        .collect();
    Ok((decisions.len(), techmatch_matching::refit::refit(&samples, current)))
}

/// What `match_all` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSummary {
    pub needs: usize,
    pub pairs: usize,
}

/// Recomputes and stores the best `limit` published results for every open need, two needs at
/// a time. `index` may be opened read-only beside a running server.
pub async fn match_all(
    store: &Store,
    index: std::sync::Arc<techmatch_search::SearchIndex>,
    weights: &Weights,
    limit: usize,
    mut progress: impl FnMut(usize, usize),
) -> Result<BatchSummary, ServiceError> {
    use futures_util::StreamExt;
    // Stored matches serve everyone: only what anyone may see (published results).
    let viewer = Viewer::Anonymous;
    let parameters = MatchingParameters::default();
    let need_ids = store.open_need_ids().await?;
    let total = need_ids.len();
    let mut work = futures_util::stream::iter(need_ids)
        .map(|need_id| {
            let index = std::sync::Arc::clone(&index);
            let parameters = parameters.clone();
            async move {
                let Some(need) = store.find_need(need_id).await? else { return Ok(None) };
                let (title, body, keywords) = (
                    need.content.title.as_str().to_owned(),
                    need.content.description.as_str().to_owned(),
                    need.content.keywords.as_slice().to_vec(),
                );
                let found = tokio::task::spawn_blocking(move || {
                    candidates(&index, viewer, ListingKind::Result, &title, &body, &keywords, &parameters)
                })
                .await
                .map_err(|error| ServiceError::Internal(anyhow::Error::new(error)))?
                .map_err(|error| ServiceError::Internal(anyhow::Error::new(error).context("matching query failed")))?;
                // Stored matches feed the officers' suggestion queue: their feedback counts.
                let ranked = rank_results(store, weights, viewer, true, &need, &found, limit).await?;
                let stored: Vec<techmatch_store::StoredMatch> = ranked
                    .iter()
                    .enumerate()
                    .map(|(position, found)| techmatch_store::StoredMatch {
                        result_id: found.result.id,
                        rank: i32::try_from(position + 1).unwrap_or(i32::MAX),
                        score: found.explanation.score,
                        features: found
                            .explanation
                            .contributions
                            .iter()
                            .map(|part| (part.feature.name().to_owned(), part.value))
                            .collect(),
                    })
                    .collect();
                Ok::<_, ServiceError>(Some((need_id, stored)))
            }
        })
        // A few needs in flight so that the index queries (blocking pool) overlap the writes.
        .buffer_unordered(4);
    let mut summary = BatchSummary { needs: 0, pairs: 0 };
    let mut pending: Vec<(NeedId, Vec<techmatch_store::StoredMatch>)> = Vec::new();
    while let Some(outcome) = work.next().await {
        if let Some((need_id, stored)) = outcome? {
            summary.pairs += stored.len();
            pending.push((need_id, stored));
        }
        summary.needs += 1;
        // Written 50 needs to a transaction: one commit per batch instead of one per need.
        if pending.len() >= 50 {
            store.replace_stored_matches_of(&pending).await?;
            pending.clear();
        }
        progress(summary.needs, total);
    }
    if !pending.is_empty() {
        store.replace_stored_matches_of(&pending).await?;
    }
    Ok(summary)
}
