//! Refitting the feature weights from labelled pairs: liaison officers' decisions and what
//! followed matches (deal stages, interests declined as off-field). Logistic regression on the
//! feature vectors of the labelled pairs (good = 1, bad = 0), each pair weighing as much as its
//! evidence does. The positive parts of the coefficients, normalised, become the suggested
//! weights. Quality before and after is the AUC of the weighted score at telling good from bad
//! pairs, each pair counted once; the refit's AUC is measured by 5-fold cross-validation, so it
//! is not judged on the pairs it was fitted to.

use crate::features::{Feature, Weights};

/// One decided pair: its feature values in [`Feature::ALL`] order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub features: [f64; FEATURES],
    /// A good pair (shortlisted, or one whose deal went ahead).
    pub shortlisted: bool,
    /// How much the pair counts in the fit (a decision counts 1).
    pub weight: f64,
}

impl Sample {
    pub fn weighing(self, weight: f64) -> Sample {
        Sample { weight: weight.max(0.0), ..self }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RefitReport {
    pub samples: usize,
    pub auc_before: f64,
    pub auc_after: f64,
    pub weights: Weights,
}

const FEATURES: usize = Feature::ALL.len();

/// Fewer decisions than this, or decisions all one way, give no refit.
pub const MINIMUM_SAMPLES: usize = 20;

fn as_array(weights: &Weights) -> [f64; FEATURES] {
    [
        weights.text,
        weights.keywords,
        weights.industry,
        weights.maturity,
        weights.budget,
        weights.modes,
        weights.region,
        weights.freshness,
        weights.feedback,
    ]
}

fn from_array(values: [f64; FEATURES]) -> Weights {
    Weights {
        text: values[0],
        keywords: values[1],
        industry: values[2],
        maturity: values[3],
        budget: values[4],
        modes: values[5],
        region: values[6],
        freshness: values[7],
        feedback: values[8],
    }
}

fn weighted_score(weights: &[f64; FEATURES], features: &[f64; FEATURES]) -> f64 {
    let total: f64 = weights.iter().map(|weight| weight.max(0.0)).sum();
    if total <= 0.0 {
        return 0.0;
    }
    weights.iter().zip(features).map(|(weight, value)| weight.max(0.0) * value).sum::<f64>() / total
}

/// Area under the ROC curve of `scores` for the positives: the chance that a random positive
/// scores above a random negative (ties count half). 0.5 when either class is missing.
pub fn auc(scored: &[(f64, bool)]) -> f64 {
    let positives: Vec<f64> = scored.iter().filter(|(_, positive)| *positive).map(|(score, _)| *score).collect();
    let negatives: Vec<f64> = scored.iter().filter(|(_, positive)| !*positive).map(|(score, _)| *score).collect();
    if positives.is_empty() || negatives.is_empty() {
        return 0.5;
    }
    let mut wins = 0.0;
    for positive in &positives {
        for negative in &negatives {
            wins += if positive > negative {
                1.0
            } else if positive == negative {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (positives.len() * negatives.len()) as f64
}

/// Logistic regression by gradient descent with a little L2 regularisation; returns the
/// feature coefficients (the intercept is fitted and dropped).
pub fn fit_logistic(samples: &[Sample]) -> [f64; FEATURES] {
    let rows: Vec<([f64; FEATURES], bool, f64)> =
        samples.iter().map(|sample| (sample.features, sample.shortlisted, sample.weight)).collect();
    fit_logistic_rows(&rows).1
}

/// Logistic regression over rows of (features, label, weight), by gradient descent with a
/// little L2 regularisation on the coefficients: the intercept and the coefficients.
pub fn fit_logistic_rows<const N: usize>(rows: &[([f64; N], bool, f64)]) -> (f64, [f64; N]) {
    let mut coefficients = [0.0f64; N];
    let mut intercept = 0.0f64;
    let learning_rate = 0.5;
    let l2 = 0.001;
    let count = rows.iter().map(|(_, _, weight)| weight).sum::<f64>().max(f64::EPSILON);
    for _ in 0..3_000 {
        let mut gradient = [0.0f64; N];
        let mut intercept_gradient = 0.0;
        for (features, label, weight) in rows {
            let predicted = logistic(intercept, &coefficients, features);
            let error = weight * (predicted - if *label { 1.0 } else { 0.0 });
            for (slot, value) in gradient.iter_mut().zip(features) {
                *slot += error * value;
            }
            intercept_gradient += error;
        }
        for (coefficient, slot) in coefficients.iter_mut().zip(&gradient) {
            *coefficient -= learning_rate * (slot / count + l2 * *coefficient);
        }
        intercept -= learning_rate * intercept_gradient / count;
    }
    (intercept, coefficients)
}

/// The fitted chance of `features`.
pub fn logistic<const N: usize>(intercept: f64, coefficients: &[f64; N], features: &[f64; N]) -> f64 {
    let linear: f64 = intercept + coefficients.iter().zip(features).map(|(c, x)| c * x).sum::<f64>();
    1.0 / (1.0 + (-linear).exp())
}

/// Normalised positive parts of the coefficients; `None` if none is positive.
fn weights_from(coefficients: [f64; FEATURES]) -> Option<[f64; FEATURES]> {
    let positive = coefficients.map(|coefficient| coefficient.max(0.0));
    let total: f64 = positive.iter().sum();
    (total > 0.0).then(|| positive.map(|value| value / total))
}

/// Refits the weights, or `None` when the decisions are too few or all alike.
pub fn refit(samples: &[Sample], current: &Weights) -> Option<RefitReport> {
    let shortlisted = samples.iter().filter(|sample| sample.shortlisted).count();
    if samples.len() < MINIMUM_SAMPLES || shortlisted == 0 || shortlisted == samples.len() {
        return None;
    }
    let current = as_array(current);
    let before: Vec<(f64, bool)> =
        samples.iter().map(|sample| (weighted_score(&current, &sample.features), sample.shortlisted)).collect();
    // 5-fold cross-validation: each fold scored by weights fitted on the other four.
    let mut held_out = Vec::with_capacity(samples.len());
    for fold in 0..5 {
        let training: Vec<Sample> = samples
            .iter()
            .enumerate()
            .filter(|(index, _)| index % 5 != fold)
            .map(|(_, sample)| sample.clone())
            .collect();
        let weights = weights_from(fit_logistic(&training)).unwrap_or(current);
        for (_, sample) in samples.iter().enumerate().filter(|(index, _)| index % 5 == fold) {
            held_out.push((weighted_score(&weights, &sample.features), sample.shortlisted));
        }
    }
    let weights = weights_from(fit_logistic(samples))?;
    Some(RefitReport {
        samples: samples.len(),
        auc_before: auc(&before),
        auc_after: auc(&held_out),
        weights: from_array(weights),
    })
}

/// Feature values in [`Feature::ALL`] order from (name, value) pairs; missing ones count 0.5.
pub fn sample_from(named: &[(String, f64)], shortlisted: bool) -> Option<Sample> {
    if named.is_empty() {
        return None;
    }
    let mut features = [0.5f64; FEATURES];
    for (slot, feature) in features.iter_mut().zip(Feature::ALL) {
        if let Some((_, value)) = named.iter().find(|(name, _)| name == feature.name()) {
            *slot = value.clamp(0.0, 1.0);
        }
    }
    Some(Sample { features, shortlisted, weight: 1.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_by_hand() {
        assert_eq!(auc(&[(0.9, true), (0.1, false)]), 1.0);
        assert_eq!(auc(&[(0.1, true), (0.9, false)]), 0.0);
        assert_eq!(auc(&[(0.5, true), (0.5, false)]), 0.5);
        assert_eq!(auc(&[(0.5, true)]), 0.5);
    }

    /// Officers shortlist pairs in the same industry and reject the rest, whatever the text
    /// says: the refit must move weight to the industry feature and rank decisions better.
    #[test]
    fn refit_learns_what_decisions_reward() {
        let mut seed = 7u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 1000) as f64 / 1000.0
        };
        let samples: Vec<Sample> = (0..200)
            .map(|index| {
                let industry = if index % 2 == 0 { 1.0 } else { 0.0 };
                let features = [next(), next(), industry, next(), 0.5, 0.5, next(), next(), next()];
                Sample { features, shortlisted: industry == 1.0, weight: 1.0 }
            })
            .collect();
        let current = Weights::default();
        let report = refit(&samples, &current).expect("enough decisions");
        assert!(report.weights.industry > current.industry * 3.0, "{report:?}");
        assert!(report.auc_after > report.auc_before, "{report:?}");
        assert!(report.auc_after > 0.95, "{report:?}");
        let total = report.weights.text
            + report.weights.keywords
            + report.weights.industry
            + report.weights.maturity
            + report.weights.budget
            + report.weights.modes
            + report.weights.region
            + report.weights.freshness
            + report.weights.feedback;
        assert!((total - 1.0).abs() < 1e-9);
    }

    /// Decisions reward the region, outcomes the industry: whichever kind weighs more moves
    /// more weight to its feature.
    #[test]
    fn heavier_evidence_moves_the_weights_more() {
        let mut seed = 11u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % 1000) as f64 / 1000.0
        };
        let mut decisions = Vec::new();
        let mut outcomes = Vec::new();
        for index in 0..100 {
            let good = index % 2 == 0;
            let signal = if good { 1.0 } else { 0.0 };
            let decided = [next(), next(), next(), 0.5, 0.5, 0.5, signal, 0.5, 0.5];
            decisions.push(Sample { features: decided, shortlisted: good, weight: 1.0 });
            let followed = [next(), next(), signal, 0.5, 0.5, 0.5, next(), 0.5, 0.5];
            outcomes.push(Sample { features: followed, shortlisted: good, weight: 1.0 });
        }
        let fitted = |outcome_weight: f64| {
            let samples: Vec<Sample> = decisions
                .iter()
                .cloned()
                .chain(outcomes.iter().cloned().map(|sample| sample.weighing(outcome_weight)))
                .collect();
            refit(&samples, &Weights::default()).expect("enough pairs").weights
        };
        let outcomes_first = fitted(5.0);
        assert!(outcomes_first.industry > outcomes_first.region, "{outcomes_first:?}");
        let decisions_first = fitted(0.2);
        assert!(decisions_first.region > decisions_first.industry, "{decisions_first:?}");
    }

    #[test]
    fn too_few_or_one_sided_decisions_give_no_refit() {
        let sample = |shortlisted| Sample { features: [0.5; FEATURES], shortlisted, weight: 1.0 };
        assert!(refit(&vec![sample(true); 10], &Weights::default()).is_none());
        assert!(refit(&vec![sample(true); 50], &Weights::default()).is_none());
        assert_eq!(sample_from(&[("industry".into(), 0.9)], true).unwrap().features[2], 0.9);
        assert!(sample_from(&[], true).is_none());
    }
}
