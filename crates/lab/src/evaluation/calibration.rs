//! Calibrating the match score into a chance of relevance, measured by cross-validation over
//! needs: a logistic fit on what can be read of each of a need's first results (its score
//! relative to the need's best, how far it stands out from the ranks below, and the share of
//! the need's query weight its text contains), a table of held-out chances against the share
//! judged relevant, and the relevance floor: the lowest chance at which the training folds'
//! judged precision is still [`TARGET_PRECISION`], applied to the held-out fold.
//!
//! A floor must also say "no strong match yet" when the catalogue has no answer: each held-out
//! need is ranked again without its judged answers, and the needs whose best remaining result
//! still clears the floor are counted.

use techmatch_matching::refit::{fit_logistic_rows, logistic};

use super::measures::Judgements;
use super::{COVERED_RANKS, EvaluationSet, NeedRanking};

/// The judged precision the floor is chosen for.
pub const TARGET_PRECISION: f64 = 0.8;
const FOLDS: usize = 5;
/// Fewest training pairs above a floor for its precision to count.
const FEWEST_ABOVE: usize = 5;
const FEATURES: usize = 4;

/// What a calibration reads of one ranked result.
#[derive(Debug, Clone, Copy)]
struct Pair {
    features: [f64; FEATURES],
    relevant: bool,
    first: bool,
}

/// The features of a need's first results, from their scores and coverage (best first).
fn pairs_of(scored: &[(f32, f64, bool)]) -> Vec<Pair> {
    let best = scored.first().map_or(1.0, |(score, _, _)| f64::from(*score).max(f64::EPSILON));
    let below: Vec<f64> = scored.iter().skip(1).take(9).map(|(score, _, _)| f64::from(*score)).collect();
    let below_mean = if below.is_empty() { best } else { below.iter().sum::<f64>() / below.len() as f64 };
    scored
        .iter()
        .enumerate()
        .map(|(rank, (score, coverage, relevant))| Pair {
            features: [
                f64::from(*score) / best,
                f64::from(*score) / below_mean.max(f64::EPSILON),
                *coverage,
                (coverage + 1e-3).ln(),
            ],
            relevant: *relevant,
            first: rank == 0,
        })
        .collect()
}

/// A need's first results as ranked, and as ranked without its judged answers.
struct NeedPairs {
    ranked: Vec<Pair>,
    without_answers: Vec<Pair>,
}

fn need_pairs(ranking: &NeedRanking, judgements: &Judgements) -> NeedPairs {
    let scored: Vec<(f32, f64, bool)> = ranking
        .results
        .iter()
        .zip(&ranking.coverage)
        .map(|((result, score), coverage)| (*score, *coverage, judgements.get(result).is_some_and(|grade| *grade > 0)))
        .collect();
    let rest: Vec<(f32, f64, bool)> = scored.iter().copied().filter(|(_, _, relevant)| !relevant).collect();
    NeedPairs { ranked: pairs_of(&scored), without_answers: pairs_of(&rest) }
}

/// Held-out chances in one band.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Band {
    pub pairs: usize,
    pub relevant: usize,
}

/// One held-out fold under the floor its training folds chose.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldFloor {
    pub floor: f64,
    /// Judged precision of the held-out pairs above the floor (none when no pair is above).
    pub precision: Option<f64>,
    pub recall: f64,
    /// Held-out needs whose best result clears the floor.
    pub proposing: usize,
    /// The same needs ranked without their judged answers, whose best remaining result still does.
    pub proposing_without_answers: usize,
    pub needs: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Held-out chances in tenths (0–0.1, …, 0.9–1).
    pub bands: [Band; 10],
    pub folds: Vec<FoldFloor>,
}

/// The lowest chance at which the pairs above it are judged relevant at least at the target
/// precision (1 when no such chance exists).
fn floor_for(scored: &mut [(f64, bool)]) -> f64 {
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut relevant = 0usize;
    let mut floor = 1.0;
    for (above, (chance, is_relevant)) in scored.iter().enumerate() {
        relevant += usize::from(*is_relevant);
        let count = above + 1;
        if count >= FEWEST_ABOVE && relevant as f64 >= TARGET_PRECISION * count as f64 {
            floor = *chance;
        }
    }
    floor
}

/// Cross-validates the calibration over the set's judged needs (in a fixed shuffled order).
pub fn calibrate(set: &EvaluationSet, rankings: &[NeedRanking]) -> Calibration {
    let mut needs: Vec<NeedPairs> = rankings
        .iter()
        .filter_map(|ranking| set.judgements.get(&ranking.need).map(|judgements| need_pairs(ranking, judgements)))
        .collect();
    // A fixed shuffle (the set lists needs by kind), the same every run.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for index in (1..needs.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        needs.swap(index, (state % (index as u64 + 1)) as usize);
    }
    let mut bands: [Band; 10] = Default::default();
    let mut folds = Vec::with_capacity(FOLDS);
    for fold in 0..FOLDS {
        let in_fold = |index: &usize| index % FOLDS == fold;
        let held_out: Vec<&NeedPairs> =
            needs.iter().enumerate().filter(|(index, _)| in_fold(index)).map(|(_, need)| need).collect();
        let training: Vec<&NeedPairs> =
            needs.iter().enumerate().filter(|(index, _)| !in_fold(index)).map(|(_, need)| need).collect();
        let rows: Vec<([f64; FEATURES], bool, f64)> = training
            .iter()
            .flat_map(|need| need.ranked.iter().map(|pair| (pair.features, pair.relevant, 1.0)))
            .collect();
        if rows.is_empty() || held_out.is_empty() {
            continue;
        }
        let (intercept, coefficients) = fit_logistic_rows(&rows);
        let chance = |pair: &Pair| logistic(intercept, &coefficients, &pair.features);
        let mut trained: Vec<(f64, bool)> =
            training.iter().flat_map(|need| need.ranked.iter().map(|pair| (chance(pair), pair.relevant))).collect();
        let floor = floor_for(&mut trained);
        let (mut above, mut above_relevant, mut relevant) = (0usize, 0usize, 0usize);
        let (mut proposing, mut proposing_without_answers) = (0, 0);
        for need in &held_out {
            for pair in &need.ranked {
                let held_chance = chance(pair);
                let band = &mut bands[((held_chance * 10.0) as usize).min(9)];
                band.pairs += 1;
                band.relevant += usize::from(pair.relevant);
                relevant += usize::from(pair.relevant);
                if held_chance >= floor {
                    above += 1;
                    above_relevant += usize::from(pair.relevant);
                }
            }
            let clears =
                |pairs: &[Pair]| pairs.iter().find(|pair| pair.first).is_some_and(|pair| chance(pair) >= floor);
            proposing += usize::from(clears(&need.ranked));
            proposing_without_answers += usize::from(clears(&need.without_answers));
        }
        folds.push(FoldFloor {
            floor,
            precision: (above > 0).then(|| above_relevant as f64 / above as f64),
            recall: if relevant == 0 { 0.0 } else { above_relevant as f64 / relevant as f64 },
            proposing,
            proposing_without_answers,
            needs: held_out.len(),
        });
    }
    Calibration { bands, folds }
}

/// Mean, standard deviation, least and most of some figures.
pub fn spread(values: &[f64]) -> Option<(f64, f64, f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let variance = values.iter().map(|value| (value - mean).powi(2)).sum::<f64>() / values.len() as f64;
    let least = values.iter().copied().fold(f64::INFINITY, f64::min);
    let most = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((mean, variance.sqrt(), least, most))
}

impl Calibration {
    /// The lines `eval` prints.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "calibration ({FOLDS} folds over needs; held-out chances of each need's first {COVERED_RANKS} results):"
        )];
        for (tenth, band) in self.bands.iter().enumerate() {
            if band.pairs == 0 {
                continue;
            }
            lines.push(format!(
                "  chance {:.1}–{:.1}: {:>5} pairs, {:>5.1}% judged relevant",
                tenth as f64 / 10.0,
                (tenth + 1) as f64 / 10.0,
                band.pairs,
                100.0 * band.relevant as f64 / band.pairs as f64
            ));
        }
        let precisions: Vec<f64> = self.folds.iter().filter_map(|fold| fold.precision).collect();
        let recalls: Vec<f64> = self.folds.iter().map(|fold| fold.recall).collect();
        let figure = |values: &[f64]| {
            spread(values).map_or_else(
                || "none".to_owned(),
                |(mean, deviation, least, most)| format!("{mean:.2} ± {deviation:.2} ({least:.2}–{most:.2})"),
            )
        };
        let needs: usize = self.folds.iter().map(|fold| fold.needs).sum();
        let proposing: usize = self.folds.iter().map(|fold| fold.proposing).sum();
        let without: usize = self.folds.iter().map(|fold| fold.proposing_without_answers).sum();
        lines.push(format!(
            "floor (judged precision ≥ {TARGET_PRECISION} on the training folds): held-out precision {} over {} of {} folds, recall {}",
            figure(&precisions),
            precisions.len(),
            self.folds.len(),
            figure(&recalls)
        ));
        lines.push(format!(
            "  needs whose best result clears it: {proposing} of {needs}; ranked without their judged answers: {without} of {needs}"
        ));
        lines
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_floor_is_the_lowest_chance_that_keeps_the_precision() {
        let mut scored =
            vec![(0.9, true), (0.8, true), (0.7, true), (0.6, true), (0.5, false), (0.4, true), (0.3, false)];
        // Above 0.4: 5 of 6 relevant (0.83); above 0.3: 5 of 7 (0.71).
        assert_eq!(floor_for(&mut scored), 0.4);
        let mut none = vec![(0.9, false), (0.8, false), (0.7, true), (0.6, false), (0.5, false)];
        assert_eq!(floor_for(&mut none), 1.0, "no chance keeps the precision: nothing is proposed");
    }

    #[test]
    fn features_are_relative_to_the_needs_own_list() {
        let pairs = pairs_of(&[(2.0, 0.5, true), (1.0, 0.1, false), (1.0, 0.2, false)]);
        assert_eq!(pairs[0].features[0], 1.0);
        assert_eq!(pairs[1].features[0], 0.5);
        assert_eq!(pairs[0].features[1], 2.0, "twice the mean of the ranks below");
        assert!(pairs[0].first && !pairs[1].first);
        assert_eq!(pairs[2].features[2], 0.2);
    }

    #[test]
    fn spread_gives_mean_deviation_and_range() {
        assert_eq!(spread(&[0.5, 1.0]), Some((0.75, 0.25, 0.5, 1.0)));
        assert_eq!(spread(&[]), None);
    }
}
