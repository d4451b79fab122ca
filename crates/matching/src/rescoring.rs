//! Second-pass scoring of matching candidates. The index's first pass ranks by BM25 with fixed
//! constants (k1 = 1.2, b = 0.75) tuned for short typed queries; a whole document used as the
//! query is better served by a stronger length normalisation and a slower saturation, and by
//! rewarding candidates where the query's word pairs occur together (a "fuel cell" rather than
//! a fuel and, elsewhere, a cell).

use crate::expansion::idf;

/// BM25 constants of the second pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bm25 {
    /// How slowly repeated occurrences saturate.
    pub k1: f32,
    /// How fully the field's length normalises its counts (0 = not at all, 1 = fully).
    pub b: f32,
}

impl Bm25 {
    /// The contribution of a term occurring `frequency` times in a field of `length` tokens,
    /// before its idf: `tf·(k1+1) / (tf + k1·(1 − b + b·length/average))`.
    pub fn saturation(&self, frequency: f32, length: f32, average_length: f32) -> f32 {
        if frequency <= 0.0 {
            return 0.0;
        }
        let relative = if average_length > 0.0 { length / average_length } else { 1.0 };
        frequency * (self.k1 + 1.0) / (frequency + self.k1 * (1.0 - self.b + self.b * relative))
    }
}

/// A pair of adjacent query terms and how often the query document has them side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct TermPair {
    pub first: String,
    pub second: String,
    pub weight: f32,
}

/// The `count` most telling pairs of adjacent terms of a document (the parts of its text as
/// analysed terms with their character positions, in order; a part may be given more than once
/// to count more), among those whose both terms pass `keep`. A pair is worth
/// its occurrences times the rarer term's idf; overlapping segmentations (锂电池 and 电池 at
/// the same place) do not pair with each other. Weights sum to 1.
pub fn significant_pairs(
    parts: &[&[(String, u32)]],
    keep: impl Fn(&str) -> bool,
    document_frequency: impl Fn(&str) -> u64,
    documents: u64,
    count: usize,
) -> Vec<TermPair> {
    let mut occurrences: std::collections::HashMap<(&str, &str), u32> = std::collections::HashMap::new();
    for terms in parts {
        for (index, (first, position)) in terms.iter().enumerate() {
            let Some((second, _)) = terms[index + 1..].iter().find(|(_, next)| next > position) else {
                continue;
            };
            if first != second && keep(first) && keep(second) {
                *occurrences.entry((first.as_str(), second.as_str())).or_default() += 1;
            }
        }
    }
    let mut pairs: Vec<TermPair> = occurrences
        .into_iter()
        .map(|((first, second), times)| {
            let rarer = idf(document_frequency(first), documents).min(idf(document_frequency(second), documents));
            TermPair { first: first.to_owned(), second: second.to_owned(), weight: times as f32 * rarer }
        })
        .collect();
    pairs.sort_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| (&a.first, &a.second).cmp(&(&b.first, &b.second))));
    pairs.truncate(count);
    let total: f32 = pairs.iter().map(|pair| pair.weight).sum();
    if total > 0.0 {
        for pair in &mut pairs {
            pair.weight /= total;
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturation_grows_with_frequency_and_falls_with_length() {
        let bm25 = Bm25 { k1: 2.0, b: 1.0 };
        assert_eq!(bm25.saturation(0.0, 100.0, 100.0), 0.0);
        assert!(bm25.saturation(2.0, 100.0, 100.0) > bm25.saturation(1.0, 100.0, 100.0));
        assert!(bm25.saturation(1.0, 200.0, 100.0) < bm25.saturation(1.0, 100.0, 100.0));
        // Bounded by k1 + 1 however often the term occurs.
        assert!(bm25.saturation(1_000.0, 100.0, 100.0) < 3.0);
        // Without length normalisation the length does not matter.
        let flat = Bm25 { k1: 2.0, b: 0.0 };
        assert_eq!(flat.saturation(1.0, 200.0, 100.0), flat.saturation(1.0, 50.0, 100.0));
    }

    fn positioned(words: &[(&str, u32)]) -> Vec<(String, u32)> {
        words.iter().map(|(word, position)| ((*word).to_owned(), *position)).collect()
    }

    #[test]
    fn pairs_are_adjacent_terms_weighted_by_repetition_and_rarity() {
        let terms = positioned(&[("fuel", 0), ("cell", 5), ("stack", 10), ("fuel", 20), ("cell", 25), ("membran", 30)]);
        let frequency = |term: &str| if term == "membran" { 5 } else { 50 };
        let pairs = significant_pairs(&[&terms], |_| true, frequency, 1_000, 10);
        assert_eq!((pairs[0].first.as_str(), pairs[0].second.as_str()), ("fuel", "cell"));
        let total: f32 = pairs.iter().map(|pair| pair.weight).sum();
        assert!((total - 1.0).abs() < 1e-5);
        assert!(!pairs.iter().any(|pair| pair.first == "membran"), "the last term starts no pair");
        let title = positioned(&[("membran", 0), ("fuel", 8)]);
        let parts = significant_pairs(&[&title, &terms], |_| true, frequency, 1_000, 10);
        assert!(!parts.iter().any(|pair| pair.first == "fuel" && pair.second == "fuel"), "parts do not pair across");
        let only_fuel = significant_pairs(&[&terms], |term| term != "stack", frequency, 1_000, 10);
        assert!(only_fuel.iter().all(|pair| pair.first != "stack" && pair.second != "stack"));
    }

    #[test]
    fn overlapping_segmentations_do_not_pair() {
        // jieba's search mode yields 锂电, 电池 and 锂电池 for one word: only what follows pairs.
        let terms = positioned(&[("锂电", 0), ("电池", 1), ("锂电池", 0), ("正极", 3)]);
        let pairs = significant_pairs(&[&terms], |_| true, |_| 10, 1_000, 10);
        let found: Vec<(&str, &str)> = pairs.iter().map(|pair| (pair.first.as_str(), pair.second.as_str())).collect();
        assert!(found.contains(&("锂电池", "正极")), "{found:?}");
        assert!(!found.contains(&("电池", "锂电池")), "{found:?}");
    }
}
