//! Translation between the two languages of the platform, for matching and cross-language
//! search: the bilingual glossary (both ways) and, for English words it lacks, the general
//! dictionary read backwards.
//!
//! Terms are what the search index's analyzer makes of text; this crate knows no analyzer, so a
//! [`Translator`] is built with one (the service lends it the index's), and every glossary entry
//! is analysed with it once.

use std::collections::{HashMap, HashSet};

use crate::{dictionary, glossary};

/// The analysis the index applies to text: its terms, in order, repeats kept.
pub type Analyzer = fn(&str) -> Vec<String>;

/// The longest glossary phrase, in words, that translation looks for.
pub const LONGEST_PHRASE: usize = 3;

/// Most English meanings a Chinese word of a cross-language search brings (the dictionary's
/// first, the commonest, that the index holds).
const CHINESE_MEANINGS: usize = 4;

/// Most translations one English word or phrase brings from the dictionary (the rarest in the
/// index first); they share the word's weight.
const DICTIONARY_TRANSLATIONS: usize = 8;

/// One English glossary phrase: as written (for explanations) and its translations analysed.
#[derive(Debug, PartialEq)]
struct GlossaryEntry {
    english: &'static str,
    chinese: Vec<String>,
}

/// What the general dictionary adds to a document's query: Chinese terms with (fractional)
/// frequencies, and the English wording each translates.
#[derive(Debug, Default)]
pub struct DictionaryTranslations {
    pub frequencies: HashMap<String, f32>,
    pub sources: HashMap<String, String>,
}

/// The glossary analysed both ways, with the analyzer that did it.
#[derive(Debug)]
pub struct Translator {
    analyze: Analyzer,
    /// Analysed English words joined by spaces → the entry.
    glossary: HashMap<String, GlossaryEntry>,
    /// A Chinese term as written (e.g. 锂电池) → the analysed English words of each entry it
    /// translates.
    reverse: HashMap<String, Vec<String>>,
}

impl Translator {
    pub fn new(analyze: Analyzer) -> Translator {
        let entries = glossary::entries();
        let mut reverse: HashMap<String, Vec<String>> = HashMap::new();
        for (english, chinese) in &entries {
            let words = analyze(english);
            for term in chinese {
                let entry = reverse.entry((*term).to_owned()).or_default();
                for word in &words {
                    if !entry.contains(word) {
                        entry.push(word.clone());
                    }
                }
            }
        }
        Translator { analyze, glossary: analysed_glossary(analyze, entries), reverse }
    }

    /// Chinese terms for the English words and phrases (up to three words) among `terms`
    /// (analysed, in order). The longest phrase wins, and its translation replaces its words'
    /// own (a fuel cell is not a fuel and a cell).
    pub fn translate(&self, terms: &[String]) -> Vec<String> {
        self.glossary_phrases(terms).into_iter().flat_map(|entry| entry.chinese.iter().cloned()).collect()
    }

    /// The glossary entries of the English phrases among `terms`, in order (see
    /// [`Translator::translate`]).
    fn glossary_phrases(&self, terms: &[String]) -> Vec<&GlossaryEntry> {
        let mut found = Vec::new();
        let mut index = 0;
        while index < terms.len() {
            let english = terms[index..].iter().take(LONGEST_PHRASE).take_while(|term| term.is_ascii()).count();
            let phrase = (1..=english).rev().find_map(|length| {
                self.glossary.get(&terms[index..index + length].join(" ")).map(|entry| (length, entry))
            });
            match phrase {
                Some((length, entry)) => {
                    found.push(entry);
                    index += length;
                }
                None => index += 1,
            }
        }
        found
    }

    /// For the terms a document's query gains from the glossary and does not use itself, the
    /// wording they translate: 滚动轴承 → "rolling bearing" for an English need, bear → "轴承"
    /// for a Chinese one. Explanations show both, so an officer sees why a pair in two
    /// languages matched.
    pub fn sources(&self, words: &[String]) -> HashMap<String, String> {
        let own: HashSet<&str> = words.iter().map(String::as_str).collect();
        let mut sources: HashMap<String, String> = HashMap::new();
        for entry in self.glossary_phrases(words) {
            for term in &entry.chinese {
                if !own.contains(term.as_str()) {
                    sources.entry(term.clone()).or_insert_with(|| entry.english.to_owned());
                }
            }
        }
        for word in words.iter().filter(|word| !word.is_ascii()) {
            for english in self.reverse.get(word.as_str()).into_iter().flatten() {
                if own.contains(english.as_str()) {
                    continue;
                }
                // Of the overlapping Chinese words (滚动轴承, 轴承), the fullest names the source.
                let source = sources.entry(english.clone()).or_default();
                if word.chars().count() > source.chars().count() {
                    source.clone_from(word);
                }
            }
        }
        sources
    }

    /// English words for the Chinese glossary terms among `terms`, kept only when `in_index`
    /// says the index has them: a Chinese need then also finds English results, and an index
    /// without English text loses no query places to words nothing contains.
    pub fn to_english(&self, terms: &[String], in_index: impl Fn(&str) -> bool) -> Vec<String> {
        terms
            .iter()
            .filter(|term| !term.is_ascii())
            .filter_map(|term| self.reverse.get(term.as_str()))
            .flatten()
            .filter(|word| in_index(word))
            .cloned()
            .collect()
    }

    /// The analysed words among `terms` that glossary phrases translate.
    pub fn covered(&self, terms: &[String]) -> Vec<String> {
        self.glossary_phrases(terms).into_iter().flat_map(|entry| (self.analyze)(entry.english)).collect()
    }

    /// The other language's terms for a typed search (cross-language search), each with a
    /// weight of at most 1: the glossary's translations both ways and, for words it lacks, the
    /// dictionary's (sharing the word's weight), kept when the index holds them and not typed
    /// already.
    pub fn query_translations(&self, query: &str, frequency: &dyn Fn(&str) -> u64) -> Vec<(String, f32)> {
        let terms = (self.analyze)(query);
        let own: HashSet<&str> = terms.iter().map(String::as_str).collect();
        let mut weights: HashMap<String, f32> = HashMap::new();
        for term in self.translate(&terms).into_iter().chain(self.to_english(&terms, |word| frequency(word) > 0)) {
            weights.insert(term, 1.0);
        }
        let covered_words = self.covered(&terms);
        let covered: HashSet<&str> = covered_words.iter().map(String::as_str).collect();
        let dictionary = self.dictionary(&[query], &covered, |term: &str| frequency(term));
        for (term, share) in dictionary.frequencies {
            let weight = weights.entry(term).or_default();
            *weight = (*weight + share).min(1.0);
        }
        // Chinese words the glossary lacks, through the dictionary's meanings. Searches only: in
        // matching this direction has no evaluation set to show it helps (zh-dev's needs and
        // results are all Chinese; sbir-dev's all English), and someone who ticks "other
        // language" asks for reach.
        for term in terms.iter().filter(|term| !term.is_ascii() && !self.reverse.contains_key(term.as_str())) {
            let kept: Vec<Vec<String>> = dictionary::english_for(term)
                .iter()
                .map(|meaning| {
                    (self.analyze)(meaning).into_iter().filter(|word| frequency(word) > 0).collect::<Vec<_>>()
                })
                .filter(|words| !words.is_empty())
                .take(CHINESE_MEANINGS)
                .collect();
            let share = 1.0 / kept.len().max(1) as f32;
            for word in kept.into_iter().flatten() {
                let weight = weights.entry(word).or_default();
                *weight = (*weight + share).min(1.0);
            }
        }
        let mut translations: Vec<(String, f32)> = weights
            .into_iter()
            .filter(|(term, weight)| *weight > 0.0 && !own.contains(term.as_str()) && frequency(term) > 0)
            .collect();
        translations.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        translations
    }

    /// Chinese terms for the English words and phrases (up to three words) of a document that
    /// the glossary does not translate (`covered` holds the analysed words it did), looked up in
    /// the general dictionary by their written form. A phrase's translations are kept when the
    /// index holds them, the rarest first, and share one occurrence's weight, so a word with
    /// many senses weighs no more than a word with one (docs/matching.md has what it earned).
    pub fn dictionary(
        &self,
        parts: &[&str],
        covered: &HashSet<&str>,
        frequency: impl Fn(&str) -> u64,
    ) -> DictionaryTranslations {
        let mut translations = DictionaryTranslations::default();
        let mut stems: HashMap<String, Option<String>> = HashMap::new();
        let mut looked_up: HashMap<String, Vec<(Vec<String>, u64)>> = HashMap::new();
        for part in parts {
            for run in english_runs(part) {
                // A stop word ends a phrase, as punctuation does.
                let words: Vec<(String, Option<String>)> = run
                    .into_iter()
                    .map(|word| {
                        let stem = stems
                            .entry(word.clone())
                            .or_insert_with(|| (self.analyze)(&word).into_iter().next())
                            .clone();
                        (word, stem)
                    })
                    .collect();
                let mut index = 0;
                while index < words.len() {
                    let available = words[index..]
                        .iter()
                        .take(dictionary::LONGEST_PHRASE)
                        .take_while(|(_, stem)| stem.as_deref().is_some_and(|stem| !covered.contains(stem)))
                        .count();
                    let mut advance = 1;
                    for length in (1..=available).rev() {
                        let phrase = words[index..index + length]
                            .iter()
                            .map(|(word, _)| word.as_str())
                            .collect::<Vec<_>>()
                            .join(" ");
                        let kept = looked_up
                            .entry(phrase.clone())
                            .or_insert_with(|| self.indexed_translations(&phrase, &frequency));
                        if kept.is_empty() {
                            continue;
                        }
                        let share = 1.0 / kept.len() as f32;
                        for (terms, _) in kept.iter() {
                            for term in terms {
                                *translations.frequencies.entry(term.clone()).or_default() += share;
                                translations.sources.entry(term.clone()).or_insert_with(|| phrase.clone());
                            }
                        }
                        advance = length;
                        break;
                    }
                    index += advance;
                }
            }
        }
        translations
    }

    /// A phrase's dictionary translations analysed, each with the terms the index holds and the
    /// document frequency of its commonest one, rarest first, at most [`DICTIONARY_TRANSLATIONS`].
    fn indexed_translations(&self, phrase: &str, frequency: &impl Fn(&str) -> u64) -> Vec<(Vec<String>, u64)> {
        let mut kept: Vec<(Vec<String>, u64)> = Vec::new();
        for chinese in dictionary::chinese_for(phrase) {
            let terms: Vec<(String, u64)> = (self.analyze)(chinese)
                .into_iter()
                .map(|term| {
                    let df = frequency(&term);
                    (term, df)
                })
                .filter(|(_, df)| *df > 0)
                .collect();
            let Some(commonest) = terms.iter().map(|(_, df)| *df).max() else { continue };
            let terms: Vec<String> = terms.into_iter().map(|(term, _)| term).collect();
            if !kept.iter().any(|(other, _)| *other == terms) {
                kept.push((terms, commonest));
            }
        }
        kept.sort_by_key(|(_, commonest)| *commonest);
        kept.truncate(DICTIONARY_TRANSLATIONS);
        kept
    }
}

/// Glossary entries keyed by their analysed English words. Entries whose words analyse alike
/// (optimal, optimization) pool their translations rather than the last replacing the others
/// (the first keeps its wording).
fn analysed_glossary(
    analyze: Analyzer,
    entries: Vec<(&'static str, Vec<&'static str>)>,
) -> HashMap<String, GlossaryEntry> {
    let mut glossary: HashMap<String, GlossaryEntry> = HashMap::new();
    for (english, chinese) in entries {
        let key = analyze(english).join(" ");
        if key.is_empty() {
            continue;
        }
        let entry = glossary.entry(key).or_insert_with(|| GlossaryEntry { english, chinese: Vec::new() });
        for term in chinese.iter().flat_map(|term| analyze(term)) {
            if !entry.chinese.contains(&term) {
                entry.chinese.push(term);
            }
        }
    }
    glossary.retain(|_, entry| !entry.chinese.is_empty());
    glossary
}

/// Runs of lowercase English words (letters only) that punctuation, digits or other scripts do
/// not interrupt; spaces and hyphens join words into a run.
fn english_runs(text: &str) -> Vec<Vec<String>> {
    let mut runs: Vec<Vec<String>> = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let mut word = String::new();
    for character in text.chars() {
        if character.is_ascii_alphabetic() {
            word.push(character.to_ascii_lowercase());
            continue;
        }
        if word.len() >= 2 {
            run.push(std::mem::take(&mut word));
        } else {
            word.clear();
        }
        if !matches!(character, ' ' | '-' | '\t' | '\n') && !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    if word.len() >= 2 {
        run.push(word);
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use techmatch_search::analyzer::analyze;

    use super::*;

    fn translator() -> Translator {
        Translator::new(analyze)
    }

    #[test]
    fn english_words_and_phrases_translate_through_the_glossary() {
        let translator = translator();
        let terms = analyze("Early warning for failing rolling bearings; fuel cells");
        let translated = translator.translate(&terms);
        for expected in ["预警", "滚动轴承", "燃料电池"] {
            assert!(translated.iter().any(|term| term == expected), "{expected} missing from {translated:?}");
        }
        assert!(translator.translate(&analyze("纯中文文本")).is_empty());
        // Three-word phrases too.
        let medicine = translator.translate(&analyze("Traditional Chinese medicine for ageing skin"));
        assert!(
            medicine.iter().any(|term| term == "中医") && medicine.iter().any(|term| term == "中药"),
            "{medicine:?}"
        );
    }

    #[test]
    fn entries_that_analyse_alike_pool_their_translations() {
        let glossary =
            analysed_glossary(analyze, vec![("optimal", vec!["最优"]), ("optimization", vec!["优化", "最优"])]);
        assert_eq!(glossary.len(), 1, "{glossary:?}");
        let entry = glossary.values().next().unwrap();
        assert_eq!(entry, &GlossaryEntry { english: "optimal", chinese: vec!["最优".to_owned(), "优化".to_owned()] });
    }

    #[test]
    fn translated_terms_keep_the_wording_they_translate() {
        let translator = translator();
        let english = translator.sources(&analyze("Rolling bearings fail early. Vibration tells us; 轴承 too."));
        assert_eq!(english.get("滚动轴承").map(String::as_str), Some("rolling bearing"), "{english:?}");
        // The document's own words are no translations, though the glossary has them.
        assert!(!english.contains_key("轴承"), "{english:?}");
        let chinese = translator.sources(&analyze("滚动轴承故障，振动信号"));
        let bearing = analyze("bearing").remove(0);
        assert_eq!(chinese.get(&bearing).map(String::as_str), Some("滚动轴承"), "{chinese:?}");
    }

    #[test]
    fn english_runs_end_at_punctuation_digits_and_other_scripts() {
        let runs = english_runs("Orchard pest-control: apple 3 trees, 果园 honey bees. A b");
        let words = |run: &[&str]| run.iter().map(|word| (*word).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            runs,
            vec![
                words(&["orchard", "pest", "control"]),
                words(&["apple"]),
                words(&["trees"]),
                words(&["honey", "bees"]),
            ]
        );
    }

    /// A small Chinese index, whose document frequencies decide which translations are kept.
    fn chinese_index() -> techmatch_search::SearchIndex {
        let index = techmatch_search::SearchIndex::in_memory(30_000_000).expect("index");
        let result = |id: i64, title: &str, body: &str| techmatch_search::ListingDocument {
            kind: techmatch_domain::listing::ListingKind::Result,
            id,
            title: title.to_owned(),
            body: body.to_owned(),
            keywords: Vec::new(),
            field: None,
            industry_codes: Vec::new(),
            maturity: None,
            region_code: None,
            transfer_modes: Vec::new(),
            status: "published".to_owned(),
            organization_id: 1,
            public: true,
            open_challenge: false,
        };
        let documents = vec![
            result(1, "蘑菇栽培", "食用菌蘑菇工厂化栽培的温湿度控制与菌种选育。"),
            result(2, "蜂蜜检测", "蜂蜜中糖浆掺假的光谱快速检测方法。"),
            result(3, "果园管理", "丘陵果园的水肥一体化灌溉与果树修剪。"),
            result(4, "滚动轴承诊断", "基于振动信号的滚动轴承故障诊断。"),
        ];
        index.add_documents(&documents).expect("add");
        index.finish_rebuild(0).expect("commit");
        index
    }

    #[test]
    fn the_dictionary_leaves_what_the_glossary_translates_and_shares_a_word_weight() {
        let translator = translator();
        let index = chinese_index();
        let frequency = |term: &str| index.document_frequency(term);
        // The glossary translates "rolling bearing"; the dictionary (which also knows 轴承 for
        // "bearing") is not asked.
        let covered_words = translator.covered(&analyze("rolling bearing"));
        let covered: HashSet<&str> = covered_words.iter().map(String::as_str).collect();
        let bearing = translator.dictionary(&["rolling bearing"], &covered, frequency);
        assert!(bearing.frequencies.is_empty(), "{:?}", bearing.frequencies);
        let uncovered = translator.dictionary(&["bearing"], &HashSet::new(), frequency);
        assert!(uncovered.frequencies.contains_key("轴承"), "{:?}", uncovered.frequencies);
        // One occurrence of a word weighs one, however many of its translations the index has
        // (each translation here is one term).
        let once = translator.dictionary(&["mushroom"], &HashSet::new(), frequency);
        let total: f32 = once.frequencies.values().sum();
        assert!((total - 1.0).abs() < 1e-6, "{:?}", once.frequencies);
        let twice = translator.dictionary(&["mushroom", "mushrooms"], &HashSet::new(), frequency);
        let total: f32 = twice.frequencies.values().sum();
        assert!((total - 2.0).abs() < 1e-6, "{:?}", twice.frequencies);
        // Translations the index lacks are not kept.
        assert!(once.frequencies.keys().all(|term| frequency(term) > 0));
    }

    #[test]
    fn every_glossary_entry_can_be_found() {
        let translator = translator();
        for (english, chinese) in glossary::entries() {
            let words = analyze(english);
            assert!((1..=LONGEST_PHRASE).contains(&words.len()), "{english} analyses to {words:?}");
            let translated = translator.translate(&words);
            for term in chinese.iter().flat_map(|term| analyze(term)) {
                assert!(translated.contains(&term), "{english}: {term} missing from {translated:?}");
            }
        }
    }
}
