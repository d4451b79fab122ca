//! Decisions on suggested pairs and the time each officer last reviewed the queue.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use techmatch_domain::UserId;
use techmatch_domain::listing::{MatchDecision, NeedId, NeedStatus, ResultId, ResultStatus};

use crate::entity::{match_decision, research_result, stored_match, suggestion_review, tech_need};
use crate::{Store, StoreError};

/// A stored decision on a pair.
#[derive(Debug, Clone, PartialEq)]
pub struct PairDecision {
    pub need_id: NeedId,
    pub result_id: ResultId,
    pub decision: MatchDecision,
    pub note: Option<String>,
    pub score: f64,
    /// Feature name → value when decided (empty for a pair the matcher did not rank).
    pub features: Vec<(String, f64)>,
    pub decided_by: UserId,
    pub decided_at: DateTime<Utc>,
}

/// One of a need's best results, as `match --all` stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMatch {
    pub result_id: ResultId,
    /// 1 for the best.
    pub rank: i32,
    pub score: f64,
    pub features: Vec<(String, f64)>,
}

/// A stored pair batch matching found for the first time after some moment.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStoredPair {
    pub need_id: NeedId,
    pub found: StoredMatch,
    pub first_found_at: DateTime<Utc>,
    /// When the batch last ranked the pair (its text relevance is from then).
    pub computed_at: DateTime<Utc>,
}

fn features_of(model: &stored_match::Model) -> Vec<(String, f64)> {
    serde_json::from_str::<std::collections::BTreeMap<String, f64>>(&model.features)
        .map(|map| map.into_iter().collect())
        .unwrap_or_default()
}

impl Store {
    /// Replaces a need's stored matches in one transaction.
    pub async fn replace_stored_matches(&self, need_id: NeedId, matches: &[StoredMatch]) -> Result<(), StoreError> {
        self.replace_stored_matches_of(&[(need_id, matches.to_vec())]).await
    }

    /// Replaces the stored matches of several needs in one transaction (one commit, one sync,
    /// for a whole batch). A pair stored before keeps the time it was first found.
    pub async fn replace_stored_matches_of(&self, needs: &[(NeedId, Vec<StoredMatch>)]) -> Result<(), StoreError> {
        let now = Utc::now();
        let transaction = self.begin_write().await?;
        let need_ids: Vec<i64> = needs.iter().map(|(need_id, _)| need_id.0).collect();
        let first_found: std::collections::HashMap<(i64, i64), DateTime<Utc>> = stored_match::Entity::find()
            .filter(stored_match::Column::NeedId.is_in(need_ids))
            .all(&transaction)
            .await?
            .into_iter()
            .map(|model| ((model.need_id, model.result_id), model.first_found_at.unwrap_or(model.computed_at)))
            .collect();
        for (need_id, matches) in needs {
            stored_match::Entity::delete_many()
                .filter(stored_match::Column::NeedId.eq(need_id.0))
                .exec(&transaction)
                .await?;
            if matches.is_empty() {
                continue;
            }
            let rows = matches
                .iter()
                .map(|found| {
                    let features: std::collections::BTreeMap<&str, f64> =
                        found.features.iter().map(|(name, value)| (name.as_str(), *value)).collect();
                    Ok(stored_match::ActiveModel {
                        need_id: Set(need_id.0),
                        result_id: Set(found.result_id.0),
                        rank: Set(found.rank),
                        score: Set(found.score),
                        features: Set(serde_json::to_string(&features)
                            .map_err(|error| StoreError::Corrupt(format!("cannot encode features: {error}")))?),
                        computed_at: Set(now),
                        first_found_at: Set(Some(
                            first_found.get(&(need_id.0, found.result_id.0)).copied().unwrap_or(now),
                        )),
                        ..Default::default()
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            stored_match::Entity::insert_many(rows).exec(&transaction).await?;
        }
        transaction.commit().await?;
        Ok(())
    }

    /// A need's stored matches, best first.
    pub async fn stored_matches(&self, need_id: NeedId) -> Result<Vec<StoredMatch>, StoreError> {
        let models = stored_match::Entity::find()
            .filter(stored_match::Column::NeedId.eq(need_id.0))
            .order_by_asc(stored_match::Column::Rank)
            .all(&self.reader)
            .await?;
        Ok(models
            .into_iter()
            .map(|model| StoredMatch {
                result_id: ResultId(model.result_id),
                rank: model.rank,
                score: model.score,
                features: features_of(&model),
            })
            .collect())
    }

    /// Stored pairs ranked `max_rank` or better for their need and first found after `since`,
    /// whose need is open, result published and pair undecided, highest score first, at most
    /// `limit`. (Filtered here rather than by the caller, so that decided or closed pairs never
    /// take the places of later ones.)
    pub async fn stored_pairs_found_since(
        &self,
        since: DateTime<Utc>,
        max_rank: i32,
        limit: u64,
    ) -> Result<Vec<NewStoredPair>, StoreError> {
        let open_needs = Query::select()
            .column(tech_need::Column::Id)
            .from(tech_need::Entity)
            .and_where(tech_need::Column::Status.eq(NeedStatus::Open.as_str()))
            .to_owned();
        let published_results = Query::select()
            .column(research_result::Column::Id)
            .from(research_result::Entity)
            .and_where(research_result::Column::Status.eq(ResultStatus::Published.as_str()))
            .to_owned();
        let decision_on_pair = Query::select()
            .expr(Expr::val(1))
            .from(match_decision::Entity)
            .and_where(
                Expr::col((match_decision::Entity, match_decision::Column::NeedId))
                    .equals((stored_match::Entity, stored_match::Column::NeedId)),
            )
            .and_where(
                Expr::col((match_decision::Entity, match_decision::Column::ResultId))
                    .equals((stored_match::Entity, stored_match::Column::ResultId)),
            )
            .to_owned();
        let models = stored_match::Entity::find()
            .filter(stored_match::Column::FirstFoundAt.gt(since))
            .filter(stored_match::Column::Rank.lte(max_rank))
            .filter(stored_match::Column::NeedId.in_subquery(open_needs))
            .filter(stored_match::Column::ResultId.in_subquery(published_results))
            .filter(Expr::exists(decision_on_pair).not())
            .order_by_desc(stored_match::Column::Score)
            .order_by_asc(stored_match::Column::Id)
            .limit(limit)
            .all(&self.reader)
            .await?;
        Ok(models
            .into_iter()
            .map(|model| NewStoredPair {
                need_id: NeedId(model.need_id),
                found: StoredMatch {
                    result_id: ResultId(model.result_id),
                    rank: model.rank,
                    score: model.score,
                    features: features_of(&model),
                },
                first_found_at: model.first_found_at.unwrap_or(model.computed_at),
                computed_at: model.computed_at,
            })
            .collect())
    }

    /// Ids of every open need, oldest first.
    pub async fn open_need_ids(&self) -> Result<Vec<NeedId>, StoreError> {
        let ids: Vec<i64> = tech_need::Entity::find()
            .select_only()
            .column(tech_need::Column::Id)
            .filter(tech_need::Column::Status.eq(NeedStatus::Open.as_str()))
            .order_by_asc(tech_need::Column::Id)
            .into_tuple()
            .all(&self.reader)
            .await?;
        Ok(ids.into_iter().map(NeedId).collect())
    }

    /// Records (or replaces) the decision on a pair.
    pub async fn record_decision(&self, decision: &PairDecision) -> Result<(), StoreError> {
        let model = match_decision::ActiveModel {
            need_id: Set(decision.need_id.0),
            result_id: Set(decision.result_id.0),
            decision: Set(decision.decision.as_str().to_owned()),
            note: Set(decision.note.clone()),
            score: Set(decision.score),
            features: Set(Some(
                serde_json::to_string(&decision.features.iter().cloned().collect::<std::collections::BTreeMap<_, _>>())
                    .map_err(|error| StoreError::Corrupt(format!("cannot encode features: {error}")))?,
            )),
            decided_by: Set(decision.decided_by.0),
            created_at: Set(decision.decided_at),
            updated_at: Set(decision.decided_at),
            ..Default::default()
        };
        match_decision::Entity::insert(model)
            .on_conflict(
                OnConflict::columns([match_decision::Column::NeedId, match_decision::Column::ResultId])
                    .update_columns([
                        match_decision::Column::Decision,
                        match_decision::Column::Note,
                        match_decision::Column::Score,
                        match_decision::Column::Features,
                        match_decision::Column::DecidedBy,
                        match_decision::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(&self.writer)
            .await?;
        Ok(())
    }

    /// Every pair decided so far (either way): they are not suggested again.
    pub async fn decided_pairs(&self) -> Result<HashSet<(i64, i64)>, StoreError> {
        let rows: Vec<(i64, i64)> = match_decision::Entity::find()
            .select_only()
            .column(match_decision::Column::NeedId)
            .column(match_decision::Column::ResultId)
            .into_tuple()
            .all(&self.reader)
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// Every decision on a pair of one of these results, as (result id, need id, shortlisted).
    pub async fn decisions_on_results(&self, result_ids: &[i64]) -> Result<Vec<(i64, i64, bool)>, StoreError> {
        if result_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64, i64, String)> = match_decision::Entity::find()
            .select_only()
            .column(match_decision::Column::ResultId)
            .column(match_decision::Column::NeedId)
            .column(match_decision::Column::Decision)
            .filter(match_decision::Column::ResultId.is_in(result_ids.iter().copied()))
            .into_tuple()
            .all(&self.reader)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(result_id, need_id, decision)| (result_id, need_id, decision == MatchDecision::Shortlist.as_str()))
            .collect())
    }

    pub async fn decisions(&self) -> Result<Vec<PairDecision>, StoreError> {
        let models = match_decision::Entity::find().order_by_asc(match_decision::Column::Id).all(&self.reader).await?;
        models
            .into_iter()
            .map(|model| {
                Ok(PairDecision {
                    need_id: NeedId(model.need_id),
                    result_id: ResultId(model.result_id),
                    decision: MatchDecision::parse("decision", &model.decision)
                        .map_err(|_| StoreError::Corrupt(format!("decision {} is {:?}", model.id, model.decision)))?,
                    note: model.note,
                    score: model.score,
                    features: model
                        .features
                        .as_deref()
                        .and_then(|text| serde_json::from_str::<std::collections::BTreeMap<String, f64>>(text).ok())
                        .map(|map| map.into_iter().collect())
                        .unwrap_or_default(),
                    decided_by: UserId(model.decided_by),
                    decided_at: model.updated_at,
                })
            })
            .collect()
    }

    pub async fn last_review(&self, user_id: UserId) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(suggestion_review::Entity::find_by_id(user_id.0).one(&self.reader).await?.map(|model| model.reviewed_at))
    }

    pub async fn mark_reviewed(&self, user_id: UserId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let model = suggestion_review::ActiveModel { user_id: Set(user_id.0), reviewed_at: Set(at) };
        suggestion_review::Entity::insert(model)
            .on_conflict(
                OnConflict::column(suggestion_review::Column::UserId)
                    .update_column(suggestion_review::Column::ReviewedAt)
                    .to_owned(),
            )
            .exec(&self.writer)
            .await?;
        Ok(())
    }

    /// Ids of open needs changed after `since`, newest first.
    pub async fn open_needs_changed_since(&self, since: DateTime<Utc>, limit: u64) -> Result<Vec<NeedId>, StoreError> {
        let ids: Vec<i64> = tech_need::Entity::find()
            .select_only()
            .column(tech_need::Column::Id)
            .filter(tech_need::Column::Status.eq(NeedStatus::Open.as_str()))
            .filter(tech_need::Column::UpdatedAt.gt(since))
            .order_by_desc(tech_need::Column::UpdatedAt)
            .limit(limit)
            .into_tuple()
            .all(&self.reader)
            .await?;
        Ok(ids.into_iter().map(NeedId).collect())
    }

    /// Ids of published results changed after `since`, newest first.
    pub async fn published_results_changed_since(
        &self,
        since: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<ResultId>, StoreError> {
        let ids: Vec<i64> = research_result::Entity::find()
            .select_only()
            .column(research_result::Column::Id)
            .filter(research_result::Column::Status.eq(ResultStatus::Published.as_str()))
            .filter(research_result::Column::UpdatedAt.gt(since))
            .order_by_desc(research_result::Column::UpdatedAt)
            .limit(limit)
            .into_tuple()
            .all(&self.reader)
            .await?;
        Ok(ids.into_iter().map(ResultId).collect())
    }
}
