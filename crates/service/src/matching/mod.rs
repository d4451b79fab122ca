//! Ranked, explained result↔need pairings: for a listing's owner and for staff (this module),
//! their candidates from the search index (`candidates`), how candidates become explained
//! matches (`ranking`), the liaison officers' suggestion queue with its decisions
//! (`suggestions`) and the batch that stores every open need's best results (`batch`).

mod batch;
mod candidates;
mod outcomes;
mod ranking;
mod suggestions;

pub use batch::{BatchSummary, RefitLabels, match_all, refit_from_decisions};
pub use candidates::{
    Candidates, MatchingParameters, MatchingQuery, candidates, matching_query, query_translations, translator,
    warm_up_dictionary,
};
pub use outcomes::{deal_evidence, decline_evidence};
pub use ranking::matched_terms;
pub use suggestions::Suggestion;

use std::collections::HashMap;

use techmatch_domain::access::{can_read_matches, can_view_need, can_view_result};
use techmatch_domain::listing::{ListingKind, NeedId, ResearchResult, ResultId, TechNeed};
use techmatch_domain::{Actor, Viewer};
use techmatch_matching::features::{Contribution, DecisionTally, ResultProfile, Weights, score_pair};
use techmatch_search::SearchFilters;
use techmatch_store::Store;

use crate::error::ServiceError;
use crate::search::SearchService;
use ranking::{Feedback, need_profile, rank_results, result_profile, section_of};

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
        if !can_read_matches(actor, need.organization_id) {
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
        if !can_read_matches(actor, result.organization_id) {
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
