//! Ranking quality measures, as in `../shared/eval/FORMAT.md`: nDCG@k with the grade as gain,
//! MRR@k (first result of grade ≥ 1), Recall@k (share of the need's relevant results found).

use std::collections::HashMap;

/// Graded judgements of one query: result id → grade (0 is not relevant).
pub type Judgements = HashMap<String, u8>;

/// nDCG@k with gain = grade and log2 discount; 0 when nothing is relevant.
pub fn ndcg_at(k: usize, ranking: &[String], judgements: &Judgements) -> f64 {
    let dcg: f64 = ranking
        .iter()
        .take(k)
        .enumerate()
        .map(|(position, id)| f64::from(*judgements.get(id).unwrap_or(&0)) / (position as f64 + 2.0).log2())
        .sum();
    let mut ideal: Vec<u8> = judgements.values().copied().filter(|grade| *grade > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let ideal_dcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(position, grade)| f64::from(*grade) / (position as f64 + 2.0).log2())
        .sum();
    if ideal_dcg == 0.0 { 0.0 } else { dcg / ideal_dcg }
}

/// Reciprocal rank of the first relevant result within the top k; 0 if none.
pub fn mrr_at(k: usize, ranking: &[String], judgements: &Judgements) -> f64 {
    ranking
        .iter()
        .take(k)
        .position(|id| judgements.get(id).is_some_and(|grade| *grade > 0))
        .map_or(0.0, |position| 1.0 / (position as f64 + 1.0))
}

/// Share of the relevant results that appear within the top k; 0 when nothing is relevant.
pub fn recall_at(k: usize, ranking: &[String], judgements: &Judgements) -> f64 {
    let relevant = judgements.values().filter(|grade| **grade > 0).count();
    if relevant == 0 {
        return 0.0;
    }
    let found = ranking.iter().take(k).filter(|id| judgements.get(*id).is_some_and(|grade| *grade > 0)).count();
    found as f64 / relevant as f64
}

/// Mean measures over a set of queries.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    pub queries: usize,
    pub ndcg_at_10: f64,
    pub mrr_at_10: f64,
    pub recall_at_10: f64,
    pub recall_at_100: f64,
}

impl Summary {
    /// Means over `(ranking, judgements)` pairs.
    pub fn of<'a>(queries: impl IntoIterator<Item = (&'a [String], &'a Judgements)>) -> Summary {
        let mut summary = Summary::default();
        for (ranking, judgements) in queries {
            summary.queries += 1;
            summary.ndcg_at_10 += ndcg_at(10, ranking, judgements);
            summary.mrr_at_10 += mrr_at(10, ranking, judgements);
            summary.recall_at_10 += recall_at(10, ranking, judgements);
            summary.recall_at_100 += recall_at(100, ranking, judgements);
        }
        if summary.queries > 0 {
            let count = summary.queries as f64;
            summary.ndcg_at_10 /= count;
            summary.mrr_at_10 /= count;
            summary.recall_at_10 /= count;
            summary.recall_at_100 /= count;
        }
        summary
    }

    /// The line `techmatch eval` ends with.
    pub fn line(&self) -> String {
        format!(
            "ndcg@10={:.4} mrr@10={:.4} recall@10={:.4} recall@100={:.4}",
            self.ndcg_at_10, self.mrr_at_10, self.recall_at_10, self.recall_at_100
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|id| (*id).to_owned()).collect()
    }

    fn judged(pairs: &[(&str, u8)]) -> Judgements {
        pairs.iter().map(|(id, grade)| ((*id).to_owned(), *grade)).collect()
    }

    #[test]
    fn ndcg_by_hand() {
        let judgements = judged(&[("a", 2), ("b", 1), ("c", 0)]);
        assert!((ndcg_at(10, &ids(&["a", "b", "x"]), &judgements) - 1.0).abs() < 1e-12);
        // DCG = 1/log2(2) + 2/log2(3) = 1 + 1.2619; ideal = 2 + 1/log2(3) = 2.6309.
        let expected = (1.0 + 2.0 / 3f64.log2()) / (2.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at(10, &ids(&["b", "a"]), &judgements) - expected).abs() < 1e-12);
        assert_eq!(ndcg_at(10, &ids(&["x", "c"]), &judgements), 0.0);
        assert_eq!(ndcg_at(1, &ids(&["x", "a"]), &judgements), 0.0, "cut at k");
        assert_eq!(ndcg_at(10, &ids(&["a"]), &judged(&[("a", 0)])), 0.0, "nothing relevant");
    }

    #[test]
    fn mrr_and_recall_by_hand() {
        let judgements = judged(&[("a", 1), ("b", 2), ("c", 1), ("d", 0)]);
        assert_eq!(mrr_at(10, &ids(&["d", "x", "b"]), &judgements), 1.0 / 3.0);
        assert_eq!(mrr_at(2, &ids(&["d", "x", "b"]), &judgements), 0.0);
        assert_eq!(recall_at(10, &ids(&["d", "b", "c"]), &judgements), 2.0 / 3.0);
        assert_eq!(recall_at(1, &ids(&["b", "c"]), &judgements), 1.0 / 3.0);
    }

    #[test]
    fn summary_means_and_line() {
        let first = judged(&[("a", 1)]);
        let second = judged(&[("b", 1)]);
        let ranking_one = ids(&["a"]);
        let ranking_two = ids(&["x", "b"]);
        let summary = Summary::of([(ranking_one.as_slice(), &first), (ranking_two.as_slice(), &second)]);
        assert_eq!(summary.queries, 2);
        assert!((summary.mrr_at_10 - 0.75).abs() < 1e-12);
        assert_eq!(summary.recall_at_10, 1.0);
        assert!(
            summary.line().starts_with("ndcg@10=0.8155 mrr@10=0.7500 recall@10=1.0000 recall@100=1.0000"),
            "{}",
            summary.line()
        );
    }
}
