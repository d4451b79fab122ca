//! A general Chinese-English dictionary (CC-CEDICT, bundled by the `chinese_dictionary` crate)
//! read backwards: English words → the Chinese words whose senses they are. The technical
//! glossary covers the vocabulary we chose; this covers the English words it lacks, so an English
//! need whose words nobody put in the glossary still finds Chinese results.
//!
//! Only exact senses count: 轴承 is a "bearing" because one of its senses is exactly "bearing"
//! (after dropping "(mechanics)"), not because "bearing" appears somewhere in a longer gloss.

use std::collections::HashSet;

/// Longest English phrase, in words, looked up.
pub const LONGEST_PHRASE: usize = 3;

/// Loads the parts of the dictionary the look-ups below read (on first use otherwise), so that a
/// server can pay for it at start-up instead of in the first English need's request. Not the
/// crate's `init`, which also loads its pinyin and traditional tables: twice the time and
/// memory for nothing used here.
pub fn warm_up() {
    let _ = chinese_dictionary::query_by_english("bearing");
    let _ = chinese_dictionary::query_by_simplified("轴承");
}

/// Simplified Chinese words (two characters or more: single characters are too ambiguous to
/// search with) having `phrase` as one of their senses, in the dictionary's order. `phrase` is
/// lowercase English words separated by single spaces; a plural is also tried as its singular
/// ("bearings" finds 轴承).
pub fn chinese_for(phrase: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    for form in forms(phrase) {
        let mut seen: HashSet<&str> = HashSet::new();
        for entry in chinese_dictionary::query_by_english(&form) {
            let simplified = entry.simplified.as_str();
            if simplified.chars().count() < 2 || !seen.insert(simplified) {
                continue;
            }
            if entry.english.iter().any(|sense| senses(sense).any(|meaning| meaning == form)) {
                found.push(simplified);
            }
        }
        if !found.is_empty() {
            break;
        }
    }
    found
}

/// The English meanings (up to [`LONGEST_PHRASE`] words each, lowercase, in the dictionary's
/// order, which puts the commonest first) of a simplified Chinese word of two characters or
/// more: 轴承 → "bearing".
pub fn english_for(chinese: &str) -> Vec<String> {
    let mut meanings: Vec<String> = Vec::new();
    if chinese.chars().count() < 2 {
        return meanings;
    }
    for entry in chinese_dictionary::query_by_simplified(chinese) {
        for sense in &entry.english {
            for meaning in senses(sense) {
                let words = meaning.split_whitespace().count();
                if (1..=LONGEST_PHRASE).contains(&words) && !meanings.contains(&meaning) {
                    meanings.push(meaning);
                }
            }
        }
    }
    meanings
}

/// The phrase as given, then singular forms of its last word.
fn forms(phrase: &str) -> Vec<String> {
    let mut forms = vec![phrase.to_owned()];
    let (head, last) = match phrase.rsplit_once(' ') {
        Some((head, last)) => (format!("{head} "), last),
        None => (String::new(), phrase),
    };
    let singulars = [
        last.strip_suffix("ses").map(|stem| format!("{stem}sis")),
        last.strip_suffix("ies").map(|stem| format!("{stem}y")),
        last.strip_suffix("es").map(str::to_owned),
        last.strip_suffix('s').filter(|stem| !stem.ends_with('s')).map(str::to_owned),
    ];
    for singular in singulars.into_iter().flatten() {
        if singular.len() > 2 {
            forms.push(format!("{head}{singular}"));
        }
    }
    forms
}

/// The meanings one dictionary sense gives, lowercase, without remarks in parentheses or a
/// leading "to"/"a"/"the": "(mechanics) bearing" → "bearing"; "to remain; to be left over" →
/// "remain", "be left over". Cross-references (variants, surnames, abbreviations) give none.
fn senses(sense: &str) -> impl Iterator<Item = String> + '_ {
    const REFERENCES: [&str; 10] = [
        "surname",
        "variant of",
        "old variant",
        "see ",
        "cl:",
        "abbr",
        "used in",
        "taiwan pr",
        "also written",
        "also pr",
    ];
    let lowercase = sense.to_lowercase();
    let reference = REFERENCES.iter().any(|prefix| lowercase.starts_with(prefix));
    let plain = without_parentheses(&lowercase);
    let meanings: Vec<String> = if reference {
        Vec::new()
    } else {
        plain
            .split(';')
            .map(|meaning| {
                let words: Vec<&str> = meaning.split_whitespace().collect();
                let start = usize::from(words.first().is_some_and(|word| matches!(*word, "to" | "a" | "an" | "the")));
                words[start..].join(" ")
            })
            .filter(|meaning| !meaning.is_empty())
            .collect()
    };
    meanings.into_iter()
}

fn without_parentheses(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut depth = 0usize;
    for character in text.chars() {
        match character {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(character),
            _ => {}
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_senses_translate_and_mentions_do_not() {
        let bearing = chinese_for("bearing");
        assert!(bearing.contains(&"轴承"), "{bearing:?}");
        // 方位 lists "bearing" among its senses too: every exact sense counts.
        assert!(bearing.contains(&"方位"), "{bearing:?}");
        let pesticide = chinese_for("pesticide");
        assert!(pesticide.contains(&"农药"), "{pesticide:?}");
        // "distortion" is a sense of 失真 ("(signal) distortion"), never of 镜片 ("lens").
        let distortion = chinese_for("distortion");
        assert!(distortion.contains(&"失真") && !distortion.contains(&"镜片"), "{distortion:?}");
        assert!(chinese_for("qwertyuiop").is_empty());
    }

    #[test]
    fn chinese_words_give_their_english_meanings() {
        let bearing = english_for("轴承");
        assert_eq!(bearing.first().map(String::as_str), Some("bearing"), "{bearing:?}");
        let mushroom = english_for("蘑菇");
        assert!(mushroom.contains(&"mushroom".to_owned()) && mushroom.contains(&"pester".to_owned()), "{mushroom:?}");
        assert!(english_for("菇").is_empty(), "single characters are left out");
        assert!(english_for("不是一个词语吧").is_empty());
    }

    #[test]
    fn plurals_find_their_singular() {
        assert!(chinese_for("bearings").contains(&"轴承"));
        assert!(chinese_for("prostheses").contains(&"义肢"));
        assert!(chinese_for("pesticides").contains(&"农药"));
    }

    #[test]
    fn single_characters_are_left_out() {
        for phrase in ["garment", "mirror", "lens"] {
            assert!(chinese_for(phrase).iter().all(|word| word.chars().count() >= 2), "{phrase}");
        }
    }

    proptest::proptest! {
        // Whatever English a need holds, a look-up answers (the crate indexes its own data and
        // would panic on a key it lacks) with words of at least two characters.
        #[test]
        fn any_phrase_is_looked_up_safely(phrase in "[a-z]{1,12}( [a-z]{1,12}){0,2}") {
            for word in chinese_for(&phrase) {
                proptest::prop_assert!(word.chars().count() >= 2);
            }
        }
    }

    #[test]
    fn senses_drop_remarks_and_references() {
        assert_eq!(senses("(mechanics) bearing").collect::<Vec<_>>(), vec!["bearing"]);
        assert_eq!(senses("to remain; to be left over").collect::<Vec<_>>(), vec!["remain", "be left over"]);
        assert!(senses("variant of 載|载[zai4]").next().is_none());
        assert!(senses("CL:個|个[ge4]").next().is_none());
        assert_eq!(forms("rolling bearings"), vec!["rolling bearings", "rolling bearing"]);
    }
}
