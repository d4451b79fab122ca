//! Query construction for matching: a document's own significant terms, and pseudo-relevance
//! feedback (RM3): terms that characterise the best first-pass matches are added to the query,
//! which bridges part of the gap between a company's words and a paper's.

use std::collections::HashMap;

/// A query term and its weight (weights of one query sum to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedTerm {
    pub term: String,
    pub weight: f32,
}

/// Inverse document frequency, smoothed so that it stays positive.
pub fn idf(document_frequency: u64, documents: u64) -> f32 {
    let documents = documents.max(1) as f32;
    let frequency = document_frequency as f32;
    ((documents - frequency + 0.5) / (frequency + 0.5) + 1.0).ln()
}

fn normalised(mut terms: Vec<WeightedTerm>) -> Vec<WeightedTerm> {
    let total: f32 = terms.iter().map(|term| term.weight).sum();
    if total > 0.0 {
        for term in &mut terms {
            term.weight /= total;
        }
    }
    terms
}

/// How a selected query term is weighted (BM25 multiplies by the term's idf again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryWeighting {
    /// (1 + ln tf)·idf: repeats count little, rare terms much.
    DampedTfIdf,
    /// tf: the document's own emphasis, as BM25 weights a query's repeated words.
    Frequency,
}

/// The `count` terms of a text (given as its analysed terms, repeats kept) with the highest
/// tf·idf, weighted by it. Terms no document contains are dropped (they cannot match).
pub fn significant_terms(
    terms: &[String],
    document_frequency: impl Fn(&str) -> u64,
    documents: u64,
    count: usize,
) -> Vec<WeightedTerm> {
    significant_terms_weighted(terms, document_frequency, documents, count, QueryWeighting::DampedTfIdf)
}

/// [`significant_terms`], choosing how the selected terms are weighted.
pub fn significant_terms_weighted(
    terms: &[String],
    document_frequency: impl Fn(&str) -> u64,
    documents: u64,
    count: usize,
    weighting: QueryWeighting,
) -> Vec<WeightedTerm> {
    let mut frequencies: HashMap<&str, f32> = HashMap::new();
    for term in terms {
        *frequencies.entry(term.as_str()).or_default() += 1.0;
    }
    significant_of_frequencies(&frequencies, document_frequency, documents, count, weighting)
}

/// [`significant_terms_weighted`] over terms already counted, where a count may be a fraction:
/// a word with four dictionary translations counts each a quarter, so it weighs as one word.
pub fn significant_of_frequencies(
    frequencies: &HashMap<&str, f32>,
    document_frequency: impl Fn(&str) -> u64,
    documents: u64,
    count: usize,
    weighting: QueryWeighting,
) -> Vec<WeightedTerm> {
    // 1 + ln tf for whole occurrences, continued linearly below one (where the logarithm would
    // turn negative).
    let damped = |frequency: f32| if frequency >= 1.0 { 1.0 + frequency.ln() } else { frequency };
    let mut weighted: Vec<WeightedTerm> = frequencies
        .iter()
        .filter(|(_, frequency)| **frequency > 0.0)
        .filter_map(|(term, frequency)| {
            let df = document_frequency(term);
            (df > 0).then(|| WeightedTerm { term: (*term).to_owned(), weight: damped(*frequency) * idf(df, documents) })
        })
        .collect();
    weighted.sort_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| a.term.cmp(&b.term)));
    weighted.truncate(count);
    if weighting == QueryWeighting::Frequency {
        for term in &mut weighted {
            term.weight = frequencies.get(term.term.as_str()).copied().unwrap_or(0.0);
        }
    }
    normalised(weighted)
}

/// RM3 feedback terms: each feedback document (its analysed terms and retrieval score)
/// contributes P(w|d)·score(d); the sum, times idf to keep common words out, ranks the terms.
pub fn feedback_terms(
    feedback: &[(Vec<String>, f32)],
    document_frequency: impl Fn(&str) -> u64,
    documents: u64,
    count: usize,
) -> Vec<WeightedTerm> {
    let total_score: f32 = feedback.iter().map(|(_, score)| score.max(0.0)).sum();
    if total_score <= 0.0 {
        return Vec::new();
    }
    let mut relevance: HashMap<&str, f32> = HashMap::new();
    for (terms, score) in feedback {
        if terms.is_empty() {
            continue;
        }
        let document_weight = score.max(0.0) / total_score / terms.len() as f32;
        for term in terms {
            *relevance.entry(term.as_str()).or_default() += document_weight;
        }
    }
    let mut weighted: Vec<WeightedTerm> = relevance
        .into_iter()
        .filter_map(|(term, probability)| {
            let df = document_frequency(term);
            (df > 0).then(|| WeightedTerm { term: term.to_owned(), weight: probability * idf(df, documents) })
        })
        .collect();
    weighted.sort_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| a.term.cmp(&b.term)));
    weighted.truncate(count);
    normalised(weighted)
}

/// `original_weight` of the original query plus the rest of the expansion, merged by term.
pub fn interpolate(original: &[WeightedTerm], expansion: &[WeightedTerm], original_weight: f32) -> Vec<WeightedTerm> {
    let mut merged: Vec<WeightedTerm> = Vec::new();
    let mut add = |term: &WeightedTerm, factor: f32| match merged.iter_mut().find(|existing| existing.term == term.term)
    {
        Some(existing) => existing.weight += term.weight * factor,
        None => merged.push(WeightedTerm { term: term.term.clone(), weight: term.weight * factor }),
    };
    for term in original {
        add(term, original_weight);
    }
    for term in expansion {
        add(term, 1.0 - original_weight);
    }
    merged.sort_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| a.term.cmp(&b.term)));
    normalised(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn rare_and_repeated_terms_are_significant() {
        let df = |term: &str| match term {
            "大棚" => 5,
            "开窗" => 2,
            "我们" => 900,
            _ => 0,
        };
        let significant = significant_terms(&terms(&["我们", "大棚", "大棚", "开窗", "未知词"]), df, 1000, 2);
        let names: Vec<&str> = significant.iter().map(|term| term.term.as_str()).collect();
        assert_eq!(names.len(), 2);
        assert!(names.contains(&"大棚") && names.contains(&"开窗"), "{names:?}");
        let total: f32 = significant.iter().map(|term| term.weight).sum();
        assert!((total - 1.0).abs() < 1e-5);
    }

    #[test]
    fn frequency_weighting_selects_alike_and_weights_by_repetition() {
        let df = |term: &str| match term {
            "大棚" => 200,
            "开窗" => 2,
            "我们" => 900,
            _ => 0,
        };
        let words = terms(&["我们", "大棚", "大棚", "大棚", "开窗", "未知词"]);
        let damped = significant_terms(&words, df, 1000, 2);
        let by_frequency = significant_terms_weighted(&words, df, 1000, 2, QueryWeighting::Frequency);
        let weight = |terms: &[WeightedTerm], name: &str| {
            terms.iter().find(|term| term.term == name).map_or(0.0, |term| term.weight)
        };
        // The same two terms; damped tf·idf favours the rare one, frequency the repeated one 3:1.
        assert!(weight(&damped, "开窗") > weight(&damped, "大棚"));
        assert!((weight(&by_frequency, "大棚") - 0.75).abs() < 1e-5);
        assert!((weight(&by_frequency, "开窗") - 0.25).abs() < 1e-5);
    }

    #[test]
    fn feedback_prefers_terms_of_high_scoring_documents() {
        let feedback = vec![(terms(&["温室", "开闭窗", "传感器"]), 9.0), (terms(&["水稻", "病害"]), 1.0)];
        let expansion = feedback_terms(&feedback, |_| 10, 1000, 3);
        let names: Vec<&str> = expansion.iter().map(|term| term.term.as_str()).collect();
        assert_eq!(names, vec!["传感器", "开闭窗", "温室"], "{expansion:?}");
        assert!(feedback_terms(&[], |_| 10, 1000, 3).is_empty());
    }

    #[test]
    fn interpolation_merges_and_normalises() {
        let original = vec![WeightedTerm { term: "a".into(), weight: 1.0 }];
        let expansion =
            vec![WeightedTerm { term: "a".into(), weight: 0.5 }, WeightedTerm { term: "b".into(), weight: 0.5 }];
        let merged = interpolate(&original, &expansion, 0.6);
        assert_eq!(merged[0].term, "a");
        assert!((merged[0].weight - 0.8).abs() < 1e-6);
        assert!((merged[1].weight - 0.2).abs() < 1e-6);
    }
}
