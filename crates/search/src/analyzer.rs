//! One analyzer for Chinese, English and text mixing both: jieba segmentation in search mode
//! (so 锂电池 also yields 锂电 and 电池), punctuation and whitespace dropped, lowercasing,
//! stop words of both languages removed, English stemming (batteries → batteri).
//!
//! The tokens are exactly those of the chain tantivy-jieba → drop non-words → lowercase →
//! stop words → English stemmer (tests compare the two on hand-written and random mixed text,
//! and on the evaluation corpora when `../shared` is there), made in one pass because
//! the chain cost twice what jieba itself does and indexing speed is mostly tokenizing:
//! - only runs that contain Chinese (or `#`, `+`, `&`, which the dictionary's few Latin
//!   entries such as `c++` use) go through jieba. A run of plain ASCII letters, digits and
//!   connectors is split here the way jieba splits it (its dictionary has no entry made of
//!   those characters alone, so its segmentation falls through to the same rule);
//! - whitespace and punctuation never become tokens to be dropped afterwards;
//! - Chinese words skip the stemmer (it changes only ASCII letters), and a tokenizer that has
//!   stemmed many words keeps their stems, since a corpus repeats its words.

use std::borrow::Cow;
use std::hash::BuildHasher;
use std::sync::LazyLock;

use rustc_hash::{FxBuildHasher, FxHashSet};
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy_jieba::jieba_rs::Jieba;

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

/// Slots of a tokenizer's memo of stems (a power of two): a word's hash picks its slot, and a
/// word hashed to a taken slot replaces the one there, so a lookup is one comparison.
const STEM_SLOTS: usize = 1 << 16;
/// Words a tokenizer stems before it keeps a memo (3 MB): the index's writers, which read whole
/// corpora, get one; a query's or a need's analysis, and the many threads that run them, do not.
const STEMS_BEFORE_MEMO: usize = 20_000;

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

struct StopWords {
    words: FxHashSet<&'static str>,
    longest: usize,
}

static STOP: LazyLock<StopWords> = LazyLock::new(|| StopWords {
    words: STOP_WORDS.iter().copied().collect(),
    longest: STOP_WORDS.iter().map(|word| word.len()).max().unwrap_or(0),
});

pub fn analyzer() -> TextAnalyzer {
    TextAnalyzer::from(ZhEnTokenizer::default())
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

/// The tokenizer behind [`analyzer`]: a token's position is the offset, in characters, of its
/// first character (as tantivy-jieba's), so sub-words share their word's positions.
#[derive(Clone, Default)]
pub struct ZhEnTokenizer {
    /// Tokens of the text being read; kept between texts so their strings are reused.
    tokens: Vec<Token>,
    none: Token,
    stems: StemMemo,
}

/// English stems this tokenizer has made: a corpus repeats its words, and stemming one costs
/// several times a lookup.
#[derive(Clone, Default)]
struct StemMemo {
    stemmed: usize,
    /// (word, stem) pairs; empty until `STEMS_BEFORE_MEMO` words were stemmed.
    slots: Vec<(String, String)>,
}

impl StemMemo {
    /// Replaces `word` by its English stem.
    fn stem(&mut self, word: &mut String) {
        let stemmer = frostem::Stemmer::new(frostem::Algorithm::English);
        if self.slots.is_empty() {
            self.stemmed += 1;
            if self.stemmed < STEMS_BEFORE_MEMO {
                if let Cow::Owned(stemmed) = stemmer.stem(word) {
                    *word = stemmed;
                }
                return;
            }
            self.slots.resize(STEM_SLOTS, (String::new(), String::new()));
        }
        let slot = (FxBuildHasher.hash_one(word.as_str()) as usize) & (STEM_SLOTS - 1);
        let (known, stemmed) = &mut self.slots[slot];
        if known != word {
            let fresh = stemmer.stem(word);
            stemmed.clear();
            stemmed.push_str(&fresh);
            known.clear();
            known.push_str(word);
        }
        if stemmed != word {
            word.clear();
            word.push_str(stemmed);
        }
    }
}

impl Tokenizer for ZhEnTokenizer {
    type TokenStream<'a> = ZhEnTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ZhEnTokenStream<'a> {
        let mut sink = TokenSink { tokens: &mut self.tokens, len: 0, stems: &mut self.stems };
        segment(text, &mut sink);
        let len = sink.len;
        ZhEnTokenStream { tokens: &mut self.tokens[..len], next: 0, none: &mut self.none }
    }
}

pub struct ZhEnTokenStream<'a> {
    tokens: &'a mut [Token],
    /// One past the current token.
    next: usize,
    /// What `token` answers before the first `advance` (tantivy never asks).
    none: &'a mut Token,
}

impl TokenStream for ZhEnTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        self.next.checked_sub(1).and_then(|current| self.tokens.get(current)).unwrap_or(self.none)
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.next.checked_sub(1) {
            Some(current) if current < self.tokens.len() => &mut self.tokens[current],
            _ => self.none,
        }
    }
}

/// Characters jieba keeps together in one block (its `RE_HAN_DEFAULT`): Chinese characters,
/// ASCII letters and digits, and `+#&._%-`.
fn is_block_character(character: char) -> bool {
    if character.is_ascii() {
        character.is_ascii_alphanumeric() || matches!(character, '+' | '#' | '&' | '.' | '_' | '%' | '-')
    } else {
        is_chinese(character)
    }
}

/// CJK unified ideographs, the main block and its extensions.
fn is_chinese(character: char) -> bool {
    matches!(character,
        '\u{4E00}'..='\u{9FFF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2A6DF}'
        | '\u{2A700}'..='\u{2B73F}'
        | '\u{2B740}'..='\u{2B81F}'
        | '\u{2B820}'..='\u{2CEAF}'
        | '\u{2CEB0}'..='\u{2EBEF}'
        | '\u{2F800}'..='\u{2FA1F}')
}

/// Splits `text` into jieba's blocks and the characters between them. Consecutive stretches
/// that need jieba go to it in one call (it splits them into the same blocks again); plain
/// ASCII blocks and the characters between are tokenized here.
fn segment(text: &str, sink: &mut TokenSink<'_>) {
    let mut at = 0;
    let mut characters_before = 0;
    // Where the stretch waiting for jieba starts: (byte, character).
    let mut stretch: Option<(usize, usize)> = None;
    while let Some(first) = text[at..].chars().next() {
        if !is_block_character(first) {
            if stretch.is_none() && first.is_alphanumeric() {
                sink.push(&text[at..at + first.len_utf8()], at, characters_before);
            }
            at += first.len_utf8();
            characters_before += 1;
            continue;
        }
        let start = at;
        let start_characters = characters_before;
        let mut needs_jieba = false;
        for character in text[start..].chars() {
            if !is_block_character(character) {
                break;
            }
            needs_jieba |= !character.is_ascii() || matches!(character, '#' | '+' | '&');
            at += character.len_utf8();
            characters_before += 1;
        }
        if needs_jieba {
            stretch.get_or_insert((start, start_characters));
        } else {
            if let Some((from, from_characters)) = stretch.take() {
                jieba_stretch(&text[from..start], from, from_characters, sink);
            }
            ascii_block(&text[start..at], start, start_characters, sink);
        }
    }
    if let Some((from, from_characters)) = stretch {
        jieba_stretch(&text[from..], from, from_characters, sink);
    }
}

fn jieba_stretch(stretch: &str, byte_offset: usize, character_offset: usize, sink: &mut TokenSink<'_>) {
    for token in JIEBA.cut_for_search(stretch, true) {
        sink.push(token.word, byte_offset + token.byte_start, character_offset + token.start);
    }
}

/// Connectors that join letters and digits into one token (`WES-5.4`, `snake_case`, `3.5`).
fn is_connector(byte: u8) -> bool {
    matches!(byte, b'.' | b'_' | b'-')
}

/// What jieba makes of a block of ASCII letters, digits and `._%-` (no `#+&`): each run of
/// letters and digits joined by single connectors, with an optional `%`, is a token; in search
/// mode a token with connectors is also given its parts of two or more characters that hold a
/// letter, before the whole. Offsets are bytes and characters alike here.
fn ascii_block(block: &str, byte_offset: usize, character_offset: usize, sink: &mut TokenSink<'_>) {
    let bytes = block.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if !bytes[at].is_ascii_alphanumeric() {
            at += 1;
            continue;
        }
        let mut end = at;
        loop {
            while end < bytes.len() && bytes[end].is_ascii_alphanumeric() {
                end += 1;
            }
            if end + 1 < bytes.len() && is_connector(bytes[end]) && bytes[end + 1].is_ascii_alphanumeric() {
                end += 1;
            } else {
                break;
            }
        }
        if end < bytes.len() && bytes[end] == b'%' {
            end += 1;
        }
        let word = &block[at..end];
        if word.bytes().any(is_connector) {
            let mut offset = 0;
            for part in word.split(['.', '_', '-']) {
                if part.len() >= 2 && part.bytes().any(|byte| byte.is_ascii_alphabetic()) {
                    sink.push(part, byte_offset + at + offset, character_offset + at + offset);
                }
                offset += part.len() + 1;
            }
        }
        sink.push(word, byte_offset + at, character_offset + at);
        at = end;
    }
}

/// Receives candidate words and keeps the tokens they become.
struct TokenSink<'a> {
    tokens: &'a mut Vec<Token>,
    len: usize,
    stems: &'a mut StemMemo,
}

impl TokenSink<'_> {
    /// Keeps `word` (at byte `offset_from`, character `position` of the text) as a token,
    /// lowercased and stemmed, unless it has no letter or digit or is a stop word.
    fn push(&mut self, word: &str, offset_from: usize, position: usize) {
        let is_word_character = |character: char| {
            if character.is_ascii() {
                character.is_ascii_alphanumeric()
            } else {
                is_chinese(character) || character.is_alphanumeric()
            }
        };
        if !word.chars().any(is_word_character) {
            return;
        }
        if self.len == self.tokens.len() {
            self.tokens.push(Token::default());
        }
        let token = &mut self.tokens[self.len];
        token.text.clear();
        if word.is_ascii() {
            token.text.push_str(word);
            token.text.make_ascii_lowercase();
        } else {
            for character in word.chars() {
                // Chinese characters have no case: skip the Unicode tables for them.
                if is_chinese(character) {
                    token.text.push(character);
                } else {
                    token.text.extend(character.to_lowercase());
                }
            }
        }
        let stop = &*STOP;
        if token.text.len() <= stop.longest && stop.words.contains(token.text.as_str()) {
            return;
        }
        // The English stemmer changes nothing without an ASCII letter to work on.
        if token.text.bytes().any(|byte| byte.is_ascii_alphabetic()) {
            self.stems.stem(&mut token.text);
        }
        token.offset_from = offset_from;
        token.offset_to = offset_from + word.len();
        token.position = position;
        token.position_length = if word.is_ascii() { word.len() } else { word.chars().count() };
        self.len += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{Language, LowerCaser, Stemmer, StopWordFilter, TokenFilter};
    use tantivy_jieba::JiebaTokenizer;

    /// The analyzer as a chain of tantivy filters, as it was built before it became one pass:
    /// the reference the one-pass tokenizer must agree with token for token.
    fn jieba_chain() -> TextAnalyzer {
        TextAnalyzer::builder(JiebaTokenizer::new())
            .filter(DropNonWords)
            .filter(LowerCaser)
            .filter(StopWordFilter::remove(STOP_WORDS.iter().map(|word| (*word).to_owned())))
            .filter(Stemmer::new(Language::English))
            .build()
    }

    /// Drops tokens without a letter or digit (jieba emits spaces and punctuation as tokens).
    #[derive(Clone)]
    struct DropNonWords;

    impl TokenFilter for DropNonWords {
        type Tokenizer<T: Tokenizer> = DropNonWordsTokenizer<T>;

        fn transform<T: Tokenizer>(self, tokenizer: T) -> DropNonWordsTokenizer<T> {
            DropNonWordsTokenizer { inner: tokenizer }
        }
    }

    #[derive(Clone)]
    struct DropNonWordsTokenizer<T> {
        inner: T,
    }

    impl<T: Tokenizer> Tokenizer for DropNonWordsTokenizer<T> {
        type TokenStream<'a> = DropNonWordsStream<T::TokenStream<'a>>;

        fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
            DropNonWordsStream { tail: self.inner.token_stream(text) }
        }
    }

    struct DropNonWordsStream<T> {
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

    type Tokens = Vec<(String, usize, usize, usize, usize)>;

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Tokens {
        let mut stream = analyzer.token_stream(text);
        let mut tokens = Vec::new();
        while stream.advance() {
            let token = stream.token();
            tokens.push((
                token.text.clone(),
                token.offset_from,
                token.offset_to,
                token.position,
                token.position_length,
            ));
        }
        tokens
    }

    /// Texts meant to find where a one-pass tokenizer could part from jieba: the dictionary's
    /// Latin entries, connectors, percentages, accents, full-width forms, line breaks.
    const AWKWARD_TEXTS: &[&str] = &[
        "",
        "   ，。！",
        "C++ 与 C# 开发，c++/c#，AT&T 和 at&t",
        "C++11 标准 c#.net A&B R&D 研发",
        "WES-5.4.5 版本 v2.0-beta_3 1.2.3 a.b a--b -abc abc- _x_ __init__ e.g. i.e.",
        "效率提升3.5%，成本下降 12%，50%% 与 %50 and 3.5.6%",
        "naïve Bayes 分类器 Schrödinger équation Ångström",
        "Ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ１２３ 全角字符",
        "α-Fe2O3 纳米颗粒 β-环糊精 Ⅲ型 ①②③ ½",
        "锂电池\r\n正极材料\n\t负极",
        "基于YOLOv8的钢板表面缺陷检测 defect detection",
        "iPhone手机 B超检查 卡拉OK U盘 Wi-Fi模块 T恤 X光",
        "100mm×200mm 的 PCB 板，CO2 排放 H2O",
        "The batteries' cathodes were running; it's a state-of-the-art system.",
        "温室环境自动感应控制开闭窗系统（二十多个大棚开窗关窗全靠人跑）",
        "𠀀𠀁 CJK 扩展 B 区 㐀 兀",
        "emoji 🔋 电池 ⚡ fast-charging",
        "x",
        "的",
        "Lithium batteries: the Cathode materials!",
    ];

    #[test]
    fn one_pass_tokens_equal_the_jieba_chain_on_awkward_text() {
        let (mut ours, mut reference) = (analyzer(), jieba_chain());
        for text in AWKWARD_TEXTS {
            assert_eq!(tokens(&mut ours, text), tokens(&mut reference, text), "{text:?}");
        }
        // Tokens are reused from one text to the next: a long text, then a short one.
        let joined = AWKWARD_TEXTS.concat();
        assert_eq!(tokens(&mut ours, &joined), tokens(&mut reference, &joined));
        assert_eq!(tokens(&mut ours, "短"), tokens(&mut reference, "短"));

        // Long enough for the tokenizer to keep a memo of stems: its answers stay the same.
        let expected: Vec<Tokens> = AWKWARD_TEXTS.iter().map(|text| tokens(&mut reference, text)).collect();
        let english = "Lithium batteries: the Cathode materials were running in the running systems";
        let expected_english = tokens(&mut reference, english);
        for _ in 0..STEMS_BEFORE_MEMO / 8 {
            assert_eq!(tokens(&mut ours, english), expected_english);
        }
        for (text, expected) in AWKWARD_TEXTS.iter().zip(&expected) {
            assert_eq!(&tokens(&mut ours, text), expected, "{text:?} with the memo");
        }
    }

    /// Text stitched from pieces chosen to sit on the boundaries the one-pass tokenizer draws:
    /// Chinese words and single characters, ASCII words, digits, connectors, the dictionary's
    /// Latin entries, whitespace, Chinese and full-width punctuation, accented and Greek letters.
    fn awkward_mix() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let pieces = prop_oneof![
            Just("锂电池"),
            Just("正极材料"),
            Just("的"),
            Just("温室大棚"),
            Just("钙"),
            Just("钛矿"),
            Just("battery"),
            Just("Cathodes"),
            Just("running"),
            Just("the"),
            Just("YOLOv8"),
            Just("v2"),
            Just("3.5"),
            Just("%"),
            Just("-"),
            Just("."),
            Just("_"),
            Just("--"),
            Just("#"),
            Just("+"),
            Just("&"),
            Just("C++"),
            Just("c#"),
            Just("AT&T"),
            Just("B超"),
            Just("卡拉OK"),
            Just(" "),
            Just("\n"),
            Just("\r\n"),
            Just("，"),
            Just("。"),
            Just("（"),
            Just("）"),
            Just("Ａ"),
            Just("１"),
            Just("é"),
            Just("naïve"),
            Just("α"),
            Just("β-"),
            Just("①"),
            Just("𠀀"),
            Just("🔋"),
            Just("x"),
            Just("42"),
        ];
        proptest::collection::vec(pieces, 0..30).prop_map(|parts| parts.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]
        #[test]
        fn one_pass_tokens_equal_the_jieba_chain_on_random_mixtures(text in awkward_mix()) {
            let (mut ours, mut reference) = (analyzer(), jieba_chain());
            proptest::prop_assert_eq!(tokens(&mut ours, &text), tokens(&mut reference, &text), "{:?}", text);
        }
    }

    /// Every string in the evaluation sets' listings (all of zh-dev, sbir-dev's needs and one in
    /// eight of its results, to keep an unoptimised test run short).
    #[test]
    fn one_pass_tokens_equal_the_jieba_chain_on_the_evaluation_corpora() {
        let sets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval");
        if !sets.is_dir() {
            eprintln!("skipped: {} not found (the shared evaluation sets sit beside the project)", sets.display());
            return;
        }
        fn strings(value: &serde_json::Value, into: &mut Vec<String>) {
            match value {
                serde_json::Value::String(text) => into.push(text.clone()),
                serde_json::Value::Array(items) => items.iter().for_each(|item| strings(item, into)),
                serde_json::Value::Object(fields) => fields.values().for_each(|field| strings(field, into)),
                _ => {}
            }
        }
        let (mut ours, mut reference) = (analyzer(), jieba_chain());
        let mut compared = 0;
        for (file, keep_every) in [
            ("zh-dev/results.jsonl", 1),
            ("zh-dev/needs.jsonl", 1),
            ("sbir-dev/needs.jsonl", 1),
            ("sbir-dev/results.jsonl", 8),
        ] {
            let text = std::fs::read_to_string(sets.join(file)).unwrap();
            for line in text.lines().step_by(keep_every) {
                let mut texts = Vec::new();
                strings(&serde_json::from_str(line).unwrap(), &mut texts);
                for text in texts {
                    assert_eq!(tokens(&mut ours, &text), tokens(&mut reference, &text), "{file}: {text:?}");
                    compared += 1;
                }
            }
        }
        assert!(compared > 10_000, "only {compared} texts compared");
    }

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
