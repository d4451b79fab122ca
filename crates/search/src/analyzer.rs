//! One analyzer for Chinese, English and text mixing both: jieba segmentation in search mode
//! (so 锂电池 also yields 锂电 and 电池), punctuation and whitespace dropped, lowercasing,
//! stop words of both languages removed, English stemming (batteries → batteri).

use tantivy::tokenizer::{
    Language, LowerCaser, Stemmer, StopWordFilter, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};
use tantivy_jieba::JiebaTokenizer;

/// Name under which the analyzer is registered with the index.
pub const ANALYZER: &str = "zh_en";

/// Function words that carry no topic in either language.
const STOP_WORDS: &[&str] = &[
    // English
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "of", "on", "or", "that",
    "the", "this", "to", "with", "we", "our", "its", "was", "were", "which", "can", "using", "based",
    // Chinese
    "的", "了", "和", "与", "及", "或", "是", "在", "对", "等", "中", "为", "以", "将", "并", "其", "之", "这", "该",
    "一种", "一个", "通过", "进行", "基于", "我们", "可以", "以及", "具有", "能够",
];

pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(JiebaTokenizer::new())
        .filter(DropNonWords)
        .filter(LowerCaser)
        .filter(StopWordFilter::remove(STOP_WORDS.iter().map(|word| (*word).to_owned())))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The terms the analyzer makes of `text`, in order, repeats kept.
pub fn analyze(text: &str) -> Vec<String> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while stream.advance() {
        terms.push(stream.token().text.clone());
    }
    terms
}

/// Like [`analyze`], with each term's position (its first character's offset in `text`).
pub fn analyze_positioned(text: &str) -> Vec<(String, u32)> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while stream.advance() {
        let token = stream.token();
        terms.push((token.text.clone(), u32::try_from(token.position).unwrap_or(u32::MAX)));
    }
    terms
}

/// Drops tokens without a letter or digit (jieba emits spaces and punctuation as tokens).
#[derive(Clone)]
pub struct DropNonWords;

impl TokenFilter for DropNonWords {
    type Tokenizer<T: Tokenizer> = DropNonWordsTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> DropNonWordsTokenizer<T> {
        DropNonWordsTokenizer { inner: tokenizer }
    }
}

#[derive(Clone)]
pub struct DropNonWordsTokenizer<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for DropNonWordsTokenizer<T> {
    type TokenStream<'a> = DropNonWordsStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        DropNonWordsStream { tail: self.inner.token_stream(text) }
    }
}

pub struct DropNonWordsStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for DropNonWordsStream<T> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            if self.tail.token().text.chars().any(char::is_alphanumeric) {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_segmented_with_sub_words() {
        let terms = analyze("一种锂电池正极材料的制备方法");
        for expected in ["锂电池", "电池", "正极", "材料", "制备"] {
            assert!(terms.contains(&expected.to_owned()), "{expected} missing from {terms:?}");
        }
        assert!(!terms.contains(&"的".to_owned()), "stop word kept: {terms:?}");
    }

    #[test]
    fn english_is_lowercased_stemmed_and_stripped_of_stop_words() {
        let terms = analyze("Lithium batteries: the Cathode materials!");
        assert_eq!(terms, vec!["lithium", "batteri", "cathod", "materi"]);
        assert_eq!(analyze("battery"), vec!["batteri"]);
    }

    #[test]
    fn mixed_text_keeps_both_languages() {
        let terms = analyze("基于YOLOv8的钢板表面缺陷检测 defect detection");
        for expected in ["yolov8", "钢板", "缺陷", "检测", "defect", "detect"] {
            assert!(terms.contains(&expected.to_owned()), "{expected} missing from {terms:?}");
        }
        assert!(terms.iter().all(|term| term.chars().any(char::is_alphanumeric)));
    }
}
