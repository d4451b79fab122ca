//! Highlighted excerpts. Our own, because jieba's search mode emits overlapping sub-word tokens
//! out of offset order (新能源汽车 after 汽车), which tantivy's snippet code does not expect
//! (it underflows and panics on such text).

use std::collections::BTreeSet;
use std::ops::Range;

use tantivy::tokenizer::{Language, LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer, TokenStream};

/// Up to `max_chars` characters of `text` around the densest cluster of `terms` (analysed
/// forms), HTML-escaped, each match wrapped in `<mark>…</mark>`. Without a match, the opening.
pub fn highlight(text: &str, terms: &BTreeSet<String>, max_chars: usize) -> String {
    let matches = matching_ranges(text, terms);
    let window = best_window(text, &matches, max_chars);
    let mut html = String::new();
    let mut cursor = window.start;
    for range in matches.iter().filter(|range| range.start >= window.start && range.end <= window.end) {
        html.push_str(&escape_html(&text[cursor..range.start]));
        html.push_str("<mark>");
        html.push_str(&escape_html(&text[range.clone()]));
        html.push_str("</mark>");
        cursor = range.end;
    }
    html.push_str(&escape_html(&text[cursor..window.end]));
    html
}

/// Byte ranges where one of `terms` occurs, sorted, overlaps merged. A scan instead of a
/// jieba re-tokenisation (several times faster): Chinese terms match as substrings; an English
/// word matches when its stem is one of the terms (stems need not prefix words: battery →
/// batteri), and only words sharing a term's first letters are stemmed.
fn matching_ranges(text: &str, terms: &BTreeSet<String>) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    if terms.is_empty() {
        return ranges;
    }
    for term in terms.iter().filter(|term| !term.is_empty() && !term.is_ascii()) {
        ranges.extend(text.match_indices(term.as_str()).map(|(start, _)| start..start + term.len()));
    }
    let english: Vec<&String> = terms.iter().filter(|term| !term.is_empty() && term.is_ascii()).collect();
    if !english.is_empty() {
        let mut stemmer = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .build();
        let bytes = text.as_bytes();
        let mut position = 0;
        while position < bytes.len() {
            if !bytes[position].is_ascii_alphanumeric() {
                position += 1;
                continue;
            }
            let start = position;
            while position < bytes.len() && bytes[position].is_ascii_alphanumeric() {
                position += 1;
            }
            let word = &text[start..position];
            let candidate = english.iter().any(|term| {
                let prefix = term.len().min(3);
                word.len() >= prefix && word.as_bytes()[..prefix].eq_ignore_ascii_case(&term.as_bytes()[..prefix])
            });
            if !candidate {
                continue;
            }
            let mut stream = stemmer.token_stream(word);
            if stream.advance() && english.iter().any(|term| **term == stream.token().text) {
                ranges.push(start..position);
            }
        }
    }
    ranges.sort_by_key(|range| (range.start, range.end));
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// The byte range of at most `max_chars` characters holding the most matches, starting a few
/// characters before the first of them.
fn best_window(text: &str, matches: &[Range<usize>], max_chars: usize) -> Range<usize> {
    let end_after = |start: usize| -> usize {
        text[start..].char_indices().nth(max_chars).map_or(text.len(), |(offset, _)| start + offset)
    };
    let Some(first) = matches.first() else {
        return 0..end_after(0);
    };
    let mut best = (0usize, first.start);
    for (index, candidate) in matches.iter().enumerate() {
        let limit = end_after(candidate.start);
        let covered = matches[index..].iter().take_while(|range| range.end <= limit).count();
        if covered > best.0 {
            best = (covered, candidate.start);
        }
    }
    // A little context before the first match, on a character boundary.
    let lead: usize = text[..best.1].chars().rev().take(20).map(char::len_utf8).sum();
    let start = best.1 - lead;
    start..end_after(start)
}

pub(crate) fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '&' => escaped.push_str("&amp;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::analyze;

    fn terms(query: &str) -> BTreeSet<String> {
        analyze(query).into_iter().collect()
    }

    #[test]
    fn overlapping_chinese_sub_words_are_highlighted_once() {
        // This text made tantivy's snippet code panic.
        let text = "材料 motor precision 储能 细胞治疗 新能源汽车";
        let html = highlight(text, &terms("新能源汽车 驱动电机 储能"), 180);
        assert_eq!(html, "材料 motor precision <mark>储能</mark> 细胞治疗 <mark>新能源汽车</mark>");
    }

    #[test]
    fn window_moves_to_the_matches_and_escapes() {
        let text = format!("{}<b>激光焊接</b> 质量检测 & welding", "无关的开头文字。".repeat(40));
        let html = highlight(&text, &terms("激光 焊接 welding"), 60);
        assert!(html.contains("&lt;b&gt;<mark>激光焊接</mark>&lt;/b&gt;"), "{html}");
        assert!(html.contains("<mark>welding</mark>"), "{html}");
        assert!(html.chars().count() < 60 + 60, "bounded: {html}");
    }

    #[test]
    fn english_stems_highlight_whole_words_at_word_starts() {
        let html = highlight("Batteries and a battery; not rebattery.", &terms("battery"), 100);
        assert_eq!(html, "<mark>Batteries</mark> and a <mark>battery</mark>; not rebattery.");
    }

    #[test]
    fn without_matches_the_opening_is_shown() {
        assert_eq!(highlight("abc <x> def", &terms("zzz"), 5), "abc &lt;");
        assert_eq!(highlight("", &terms("zzz"), 5), "");
    }
}
