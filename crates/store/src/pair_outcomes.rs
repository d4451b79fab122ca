//! Labels for the matching from what followed a match: each deal's latest word on its pair,
//! and interests declined as off-field, with the pair's feature values when recorded.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, QueryOrder, Set};
use techmatch_domain::listing::{NeedId, ResultId};

use crate::entity::pair_outcome;
use crate::{Store, StoreError};

/// One labelled pair.
#[derive(Debug, Clone, PartialEq)]
pub struct PairOutcome {
    /// `deal` or `interest`: with `source_id`, what the label is about (one label each).
    pub source: &'static str,
    pub source_id: i64,
    pub need_id: NeedId,
    pub result_id: ResultId,
    pub label: String,
    pub good: bool,
    pub weight: f64,
    pub features: Vec<(String, f64)>,
    pub recorded_at: DateTime<Utc>,
}

impl Store {
    /// Records a pair's label, replacing the one its source had (a deal's later stage).
    pub async fn record_pair_outcome(&self, outcome: &PairOutcome) -> Result<(), StoreError> {
        let features: BTreeMap<&str, f64> =
            outcome.features.iter().map(|(name, value)| (name.as_str(), *value)).collect();
        let features = serde_json::to_string(&features)
            .map_err(|error| StoreError::Corrupt(format!("cannot encode features: {error}")))?;
        let row = pair_outcome::ActiveModel {
            source: Set(outcome.source.to_owned()),
            source_id: Set(outcome.source_id),
            need_id: Set(outcome.need_id.0),
            result_id: Set(outcome.result_id.0),
            label: Set(outcome.label.clone()),
            good: Set(outcome.good),
            weight: Set(outcome.weight),
            features: Set(features),
            recorded_at: Set(outcome.recorded_at),
            ..Default::default()
        };
        pair_outcome::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([pair_outcome::Column::Source, pair_outcome::Column::SourceId])
                    .update_columns([
                        pair_outcome::Column::Label,
                        pair_outcome::Column::Good,
                        pair_outcome::Column::Weight,
                        pair_outcome::Column::Features,
                        pair_outcome::Column::RecordedAt,
                    ])
                    .to_owned(),
            )
            .exec(&self.writer)
            .await?;
        Ok(())
    }

    /// Every labelled pair, oldest first.
    pub async fn pair_outcomes(&self) -> Result<Vec<PairOutcome>, StoreError> {
        let models = pair_outcome::Entity::find().order_by_asc(pair_outcome::Column::Id).all(&self.reader).await?;
        models
            .into_iter()
            .map(|model| {
                let source = match model.source.as_str() {
                    "deal" => "deal",
                    "interest" => "interest",
                    other => return Err(StoreError::Corrupt(format!("pair outcome of unknown source {other:?}"))),
                };
                let features = serde_json::from_str::<BTreeMap<String, f64>>(&model.features)
                    .map_err(|error| StoreError::Corrupt(format!("pair outcome {}: {error}", model.id)))?;
                Ok(PairOutcome {
                    source,
                    source_id: model.source_id,
                    need_id: NeedId(model.need_id),
                    result_id: ResultId(model.result_id),
                    label: model.label,
                    good: model.good,
                    weight: model.weight,
                    features: features.into_iter().collect(),
                    recorded_at: model.recorded_at,
                })
            })
            .collect()
    }
}
