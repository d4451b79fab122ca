//! A bilingual technical glossary (English → Chinese) for matching across languages: an English
//! need's terms are translated into the Chinese terms research abstracts use.

const GLOSSARY: &str = include_str!("../data/glossary_en_zh.tsv");

/// (English word or phrase, its Chinese terms), as written in the glossary.
pub fn entries() -> Vec<(&'static str, Vec<&'static str>)> {
    GLOSSARY
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (english, chinese) = line.split_once('\t')?;
            let terms: Vec<&str> = chinese.split(';').map(str::trim).filter(|term| !term.is_empty()).collect();
            (!english.trim().is_empty() && !terms.is_empty()).then_some((english.trim(), terms))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_glossary_parses_completely() {
        let entries = entries();
        let lines = GLOSSARY.lines().filter(|line| !line.starts_with('#') && !line.trim().is_empty()).count();
        assert_eq!(entries.len(), lines, "every line is an entry");
        assert!(entries.len() >= 400);
        assert!(
            entries.iter().any(|(english, chinese)| *english == "rolling bearing" && chinese.contains(&"滚动轴承"))
        );
        let mut keys: Vec<&str> = entries.iter().map(|(english, _)| *english).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), before, "no English term twice");
    }
}
