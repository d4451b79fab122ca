//! What followed a match as evidence for the matching: a deal's progress says its pair was a
//! good match, a deal closed as not feasible or an interest declined as "not our field" says it
//! was not. Each becomes a labelled pair with a weight (docs/matching.md gives the table) and
//! the pair's feature values when it was recorded, for `techmatch refit-weights`.

use chrono::{DateTime, Utc};
use techmatch_domain::deal::{CloseReason, Deal, DealStage, DeclineReason, Interest, ListingRef};
use techmatch_domain::listing::{NeedId, ResultId};
use techmatch_domain::{UserId, Viewer};
use techmatch_store::PairOutcome;

use super::MatchService;
use crate::error::ServiceError;

/// How much a deal's step counts, against an officer's decision counting 1: the further a
/// pair went, the surer it was a good match. `None`: no word on the match.
pub fn deal_evidence(stage: DealStage, close_reason: Option<CloseReason>) -> Option<(bool, f64)> {
    match stage {
        DealStage::Introduced => None,
        DealStage::InTalks | DealStage::NdaSigned => Some((true, 1.0)),
        DealStage::IntentSigned => Some((true, 2.0)),
        DealStage::ContractSigned | DealStage::ContractRegistered => Some((true, 3.0)),
        // Only "not feasible" speaks of the match; price or a withdrawal do not.
        DealStage::Closed => (close_reason == Some(CloseReason::NotFeasible)).then_some((false, 1.0)),
    }
}

/// A poster who declines an interest as outside their field says the match was wrong, and
/// says it more plainly than an officer's rejection; other reasons are not about the match.
pub fn decline_evidence(reason: DeclineReason) -> Option<(bool, f64)> {
    (reason == DeclineReason::NotOurField).then_some((false, 2.0))
}

/// The need and result an interest pairs, when it names both.
pub fn interest_pair(interest: &Interest) -> Option<(NeedId, ResultId)> {
    match (interest.listing, interest.related?) {
        (ListingRef::Result(result), ListingRef::Need(need)) | (ListingRef::Need(need), ListingRef::Result(result)) => {
            Some((need, result))
        }
        _ => None,
    }
}

impl MatchService {
    /// The feature values of a pair as the matching scores it now, among the need's best
    /// candidates as staff see them; `None` when the result is not among them.
    pub async fn pair_features(
        &self,
        need_id: NeedId,
        result_id: ResultId,
    ) -> Result<Option<Vec<(String, f64)>>, ServiceError> {
        let Some(need) = self.store.find_need(need_id).await? else { return Ok(None) };
        let system = Viewer::Staff { user_id: UserId(0) };
        let content = &need.content;
        let candidates = self
            .candidates_for(
                system,
                techmatch_domain::listing::ListingKind::Result,
                &techmatch_search::SearchFilters::default(),
                content.title.as_str().to_owned(),
                content.description.as_str().to_owned(),
                content.keywords.as_slice().to_vec(),
            )
            .await?;
        let ranked = super::rank_results(&self.store, &self.weights, system, true, &need, &candidates, 200).await?;
        Ok(ranked.into_iter().find(|found| found.result.id == result_id).map(|found| {
            found.explanation.contributions.iter().map(|part| (part.feature.name().to_owned(), part.value)).collect()
        }))
    }

    /// Records what a deal's change says about its pair (deals without both listings say
    /// nothing of a need–result match). Best effort: the change stands either way.
    pub async fn learn_from_deal(&self, deal: &Deal, at: DateTime<Utc>) {
        let (Some(need_id), Some(result_id)) = (deal.need_id, deal.result_id) else { return };
        let Some((good, weight)) = deal_evidence(deal.stage, deal.close_reason) else { return };
        self.learn(
            PairOutcomeDraft {
                source: "deal",
                source_id: deal.id.0,
                need_id,
                result_id,
                label: deal.stage.as_str(),
                good,
                weight,
            },
            at,
        )
        .await;
    }

    /// Records what a declined interest says about the pair it names, if anything.
    pub async fn learn_from_decline(&self, interest: &Interest, reason: DeclineReason, at: DateTime<Utc>) {
        let Some((need_id, result_id)) = interest_pair(interest) else { return };
        let Some((good, weight)) = decline_evidence(reason) else { return };
        let draft = PairOutcomeDraft {
            source: "interest",
            source_id: interest.id.0,
            need_id,
            result_id,
            label: reason.as_str(),
            good,
            weight,
        };
        self.learn(draft, at).await;
    }

    async fn learn(&self, draft: PairOutcomeDraft, at: DateTime<Utc>) {
        let recorded = async {
            let Some(features) = self.pair_features(draft.need_id, draft.result_id).await? else {
                tracing::debug!(need_id = %draft.need_id, result_id = %draft.result_id, "pair not among the need's candidates: no label");
                return Ok::<(), ServiceError>(());
            };
            let outcome = PairOutcome {
                source: draft.source,
                source_id: draft.source_id,
                need_id: draft.need_id,
                result_id: draft.result_id,
                label: draft.label.to_owned(),
                good: draft.good,
                weight: draft.weight,
                features,
                recorded_at: at,
            };
            Ok(self.store.record_pair_outcome(&outcome).await?)
        };
        if let Err(error) = recorded.await {
            tracing::warn!(source = draft.source, source_id = draft.source_id, error = %error, "outcome not stored as a matching label");
        }
    }
}

struct PairOutcomeDraft {
    source: &'static str,
    source_id: i64,
    need_id: NeedId,
    result_id: ResultId,
    label: &'static str,
    good: bool,
    weight: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_further_a_deal_went_the_more_it_counts_and_only_some_ends_speak_of_the_match() {
        assert_eq!(deal_evidence(DealStage::Introduced, None), None);
        assert_eq!(deal_evidence(DealStage::InTalks, None), Some((true, 1.0)));
        assert_eq!(deal_evidence(DealStage::IntentSigned, None), Some((true, 2.0)));
        assert_eq!(deal_evidence(DealStage::ContractRegistered, None), Some((true, 3.0)));
        assert_eq!(deal_evidence(DealStage::Closed, Some(CloseReason::NotFeasible)), Some((false, 1.0)));
        assert_eq!(deal_evidence(DealStage::Closed, Some(CloseReason::Price)), None);
        assert_eq!(decline_evidence(DeclineReason::NotOurField), Some((false, 2.0)));
        assert_eq!(decline_evidence(DeclineReason::Price), None);
    }
}
