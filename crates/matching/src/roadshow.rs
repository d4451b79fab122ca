//! Which results to put on a roadshow's stage: those that together cover the registered
//! companies' needs best, not simply the highest scores (two near-identical battery results
//! should not take two of eight places while the agriculture companies hear nothing for them).
//!
//! Coverage of a set S of results is `Σ_companies max_{r∈S} score(company, r)`: each company
//! counts once, through the result that suits it best. That function is monotone submodular,
//! so picking, k times, the result with the largest marginal gain is within a factor
//! (1 − 1/e) of the best possible set (Nemhauser, Wolsey & Fisher 1978); ties go to the lower
//! index, so the choice is deterministic.

/// One pick: the result (an index into the score matrix's columns), what it added to the
/// coverage, and the companies for which it is now the best result on stage, with their score.
#[derive(Debug, Clone, PartialEq)]
pub struct StagePick {
    pub result: usize,
    pub gain: f64,
    pub covers: Vec<(usize, f64)>,
}

/// Chooses up to `places` results. `scores[company][result]` in [0, 1]; rows may be empty.
/// Results that would add nothing are not picked.
pub fn choose_presentations(scores: &[Vec<f64>], places: usize) -> Vec<StagePick> {
    let results = scores.iter().map(Vec::len).max().unwrap_or(0);
    let score = |company: usize, result: usize| scores[company].get(result).copied().unwrap_or(0.0).max(0.0);
    let mut best_on_stage = vec![0.0f64; scores.len()];
    let mut chosen = vec![false; results];
    let mut picks = Vec::new();
    while picks.len() < places {
        let mut best: Option<(usize, f64)> = None;
        for result in (0..results).filter(|&result| !chosen[result]) {
            let gain: f64 =
                (0..scores.len()).map(|company| (score(company, result) - best_on_stage[company]).max(0.0)).sum();
            if gain > 1e-12 && best.is_none_or(|(_, best_gain)| gain > best_gain + 1e-12) {
                best = Some((result, gain));
            }
        }
        let Some((result, gain)) = best else { break };
        chosen[result] = true;
        let mut covers = Vec::new();
        for (company, current) in best_on_stage.iter_mut().enumerate() {
            let value = score(company, result);
            if value > *current {
                *current = value;
                covers.push((company, value));
            }
        }
        picks.push(StagePick { result, gain, covers });
    }
    picks
}

/// Coverage of a set of results (for tests and reports).
pub fn coverage(scores: &[Vec<f64>], results: &[usize]) -> f64 {
    scores
        .iter()
        .map(|row| results.iter().map(|&result| row.get(result).copied().unwrap_or(0.0)).fold(0.0, f64::max))
        .sum()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn coverage_beats_top_scores_when_results_overlap() {
        // Results 0 and 1 serve the same three battery companies; result 2 serves two farms.
        let scores = vec![
            vec![0.9, 0.85, 0.0],
            vec![0.8, 0.8, 0.0],
            vec![0.9, 0.9, 0.1],
            vec![0.0, 0.0, 0.7],
            vec![0.1, 0.0, 0.6],
        ];
        let picks = choose_presentations(&scores, 2);
        let chosen: Vec<usize> = picks.iter().map(|pick| pick.result).collect();
        assert_eq!(chosen, vec![0, 2], "the second place goes to the farms, not the second battery result");
        let by_sum = [0, 1];
        assert!(coverage(&scores, &chosen) > coverage(&scores, &by_sum));
        assert_eq!(picks[1].covers.iter().map(|(company, _)| *company).collect::<Vec<_>>(), vec![3, 4]);
        let total: f64 = picks.iter().map(|pick| pick.gain).sum();
        assert!((total - coverage(&scores, &chosen)).abs() < 1e-9, "gains add up to the coverage");
    }

    #[test]
    fn greedy_is_within_the_guarantee_of_the_best_set_on_random_matrices() {
        let mut state = 0x1234_5678_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 1000) as f64 / 1000.0
        };
        for _ in 0..50 {
            let scores: Vec<Vec<f64>> =
                (0..6).map(|_| (0..7).map(|_| if next() < 0.5 { 0.0 } else { next() }).collect()).collect();
            let places = 3;
            let greedy =
                coverage(&scores, &choose_presentations(&scores, places).iter().map(|p| p.result).collect::<Vec<_>>());
            let mut best: f64 = 0.0;
            for a in 0..7 {
                for b in a + 1..7 {
                    for c in b + 1..7 {
                        best = best.max(coverage(&scores, &[a, b, c]));
                    }
                }
            }
            assert!(greedy + 1e-9 >= (1.0 - 1.0 / std::f64::consts::E) * best, "greedy {greedy} best {best}");
            assert!(greedy <= best + 1e-9);
        }
    }

    #[test]
    fn nothing_useless_is_put_on_stage() {
        let scores = vec![vec![0.5, 0.0], vec![0.4, 0.0]];
        let picks = choose_presentations(&scores, 5);
        assert_eq!(picks.len(), 1);
        assert!(choose_presentations(&[], 3).is_empty());
    }
}
