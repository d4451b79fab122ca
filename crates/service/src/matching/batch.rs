//! Batch work over every open need: storing each one's best results (`techmatch match --all`,
//! the suggestion queue's source) and refitting the weights from officers' decisions.

use techmatch_domain::Viewer;
use techmatch_domain::listing::{ListingKind, NeedId};
use techmatch_matching::features::Weights;
use techmatch_store::Store;

use super::ranking::rank_results;
use super::{MatchService, MatchingParameters, candidates};
use crate::error::ServiceError;

impl MatchService {
    /// Recomputes and stores the best `limit` results of every open need (see [`match_all`]),
    /// with this service's index.
    pub async fn refresh_stored_matches(
        &self,
        limit: usize,
        progress: impl FnMut(usize, usize),
    ) -> Result<BatchSummary, ServiceError> {
        match_all(&self.store, self.search.index(), &self.weights, limit, progress).await
    }
}

/// The labelled pairs a refit learns from, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RefitLabels {
    /// Liaison officers' shortlists and rejections (each counts 1).
    pub decisions: usize,
    /// Deals whose progress or end spoke of their pair.
    pub deals: usize,
    /// Interests declined as outside the poster's field.
    pub interests: usize,
}

/// Refits the feature weights from the decisions and outcomes stored so far (see
/// `techmatch_matching::refit`; the outcomes' weights in `outcomes.rs`). `None` while there
/// are too few labelled pairs, or all of one kind.
pub async fn refit_from_decisions(
    store: &Store,
    current: &Weights,
) -> Result<(RefitLabels, Option<techmatch_matching::refit::RefitReport>), ServiceError> {
    let decisions = store.decisions().await?;
    let mut samples: Vec<techmatch_matching::refit::Sample> = decisions
        .iter()
        .filter_map(|decision| {
            techmatch_matching::refit::sample_from(
                &decision.features,
                decision.decision == techmatch_domain::listing::MatchDecision::Shortlist,
            )
        })
        .collect();
    let mut labels = RefitLabels { decisions: decisions.len(), ..RefitLabels::default() };
    for outcome in store.pair_outcomes().await? {
        if let Some(sample) = techmatch_matching::refit::sample_from(&outcome.features, outcome.good) {
            samples.push(sample.weighing(outcome.weight));
            match outcome.source {
                "deal" => labels.deals += 1,
                _ => labels.interests += 1,
            }
        }
    }
    Ok((labels, techmatch_matching::refit::refit(&samples, current)))
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
