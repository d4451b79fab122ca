//! Research results (supply) and technology needs (demand), and the values they are made of.

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::industry::IndustryCode;
use crate::organization::{OrganizationId, RegionCode};
use crate::validation::{FieldError, clean_text};

macro_rules! id_type {
    ($name:ident) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(formatter)
            }
        }
    };
}

id_type!(ResultId);
id_type!(NeedId);
id_type!(ApplicationId);

/// Declares a closed vocabulary: a `Copy` enum with snake_case wire names, `ALL`, `as_str` and
/// a `parse` that reports the allowed values.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $error_code:literal, { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            pub fn parse(field: &str, raw: &str) -> Result<$name, FieldError> {
                match raw.trim() {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(FieldError::new(
                        field,
                        $error_code,
                        format!("must be one of: {}", [$($wire),+].join(", ")),
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use {id_type, vocabulary};

vocabulary!(
    /// How far a result is from the market. Five stages, ordered; the TRL (technology readiness
    /// level, 1–9) each covers is given by [`Maturity::trl_range`].
    Maturity, "invalid_maturity", {
        Lab => "lab",
        Prototype => "prototype",
        Pilot => "pilot",
        SmallBatch => "small_batch",
        MassProduction => "mass_production",
    }
);

impl Maturity {
    /// Lab: TRL 1–4 (principle to lab validation); prototype: 5–6; pilot: 7; small batch: 8;
    /// mass production: 9.
    pub fn trl_range(self) -> (u8, u8) {
        match self {
            Maturity::Lab => (1, 4),
            Maturity::Prototype => (5, 6),
            Maturity::Pilot => (7, 7),
            Maturity::SmallBatch => (8, 8),
            Maturity::MassProduction => (9, 9),
        }
    }
}

vocabulary!(
    /// How a result changes hands, and how a company wants to cooperate.
    TransferMode, "invalid_transfer_mode", {
        Assignment => "assignment",
        License => "license",
        Equity => "equity",
        JointDevelopment => "joint_development",
        TechnicalService => "technical_service",
    }
);

vocabulary!(IpType, "invalid_ip_type", {
    InventionPatent => "invention_patent",
    UtilityModel => "utility_model",
    DesignPatent => "design_patent",
    SoftwareCopyright => "software_copyright",
    KnowHow => "know_how",
});

vocabulary!(
    /// The two kinds of listing, as named in the search index, the outbox and the API.
    ListingKind, "invalid_kind", {
        Result => "result",
        Need => "need",
    }
);

vocabulary!(ResultStatus, "invalid_status", {
    Draft => "draft",
    Published => "published",
    Archived => "archived",
});

vocabulary!(NeedStatus, "invalid_status", {
    Open => "open",
    InTalks => "in_talks",
    Solved => "solved",
    Closed => "closed",
    Archived => "archived",
});

vocabulary!(Language, "invalid_language", {
    Zh => "zh",
    En => "en",
    Mixed => "mixed",
});

vocabulary!(
    /// A liaison officer's verdict on a suggested pair.
    MatchDecision, "invalid_decision", {
        Shortlist => "shortlist",
        Reject => "reject",
    }
);

vocabulary!(ApplicationStatus, "invalid_application_status", {
    Submitted => "submitted",
    Shortlisted => "shortlisted",
});

impl Language {
    /// Chinese, English or mixed, from the share of Han characters against Latin words.
    pub fn detect(text: &str) -> Language {
        let han = text.chars().filter(|c| is_han(*c)).count();
        let latin_words = text.split(|c: char| !c.is_ascii_alphabetic()).filter(|word| word.len() >= 2).count();
        // A Chinese word is about 1.7 characters; weigh Latin words accordingly.
        let han_words = han as f64 / 1.7;
        let total = han_words + latin_words as f64;
        if total == 0.0 {
            return Language::En;
        }
        let han_share = han_words / total;
        if han_share >= 0.85 {
            Language::Zh
        } else if han_share <= 0.15 {
            Language::En
        } else {
            Language::Mixed
        }
    }
}

/// CJK unified ideographs (with extension A and compatibility ideographs).
pub fn is_han(character: char) -> bool {
    matches!(character, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}

/// A listing's title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub fn parse(field: &str, raw: &str) -> Result<Title, FieldError> {
        clean_text(field, raw, 2, 200).map(Title)
    }
    pub fn from_trusted(stored: String) -> Title {
        Title(stored)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An abstract or a problem description: long free text, line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongText(String);

impl LongText {
    pub const MAX_CHARS: usize = 20_000;

    pub fn parse(field: &str, raw: &str) -> Result<LongText, FieldError> {
        let trimmed = raw.trim();
        let length = trimmed.chars().count();
        if length == 0 {
            return Err(FieldError::new(field, "required", "must not be empty"));
        }
        if length < 10 {
            return Err(FieldError::new(field, "too_short", "must be at least 10 characters"));
        }
        if length > Self::MAX_CHARS {
            return Err(FieldError::new(field, "too_long", format!("must be at most {} characters", Self::MAX_CHARS)));
        }
        if trimmed.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            return Err(FieldError::new(field, "invalid_characters", "must not contain control characters"));
        }
        Ok(LongText(trimmed.to_owned()))
    }
    pub fn from_trusted(stored: String) -> LongText {
        LongText(stored)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Keywords: at most 20, each 1–50 characters, duplicates (ignoring case) dropped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Keywords(Vec<String>);

impl Keywords {
    pub const MAX: usize = 20;

    pub fn parse(field: &str, raw: &[String]) -> Result<Keywords, FieldError> {
        if raw.len() > Self::MAX {
            return Err(FieldError::new(field, "too_many", format!("at most {} keywords", Self::MAX)));
        }
        let mut seen = HashSet::new();
        let mut keywords = Vec::new();
        for (index, keyword) in raw.iter().enumerate() {
            let keyword = clean_text(&format!("{field}[{index}]"), keyword, 1, 50)?;
            if seen.insert(keyword.to_lowercase()) {
                keywords.push(keyword);
            }
        }
        Ok(Keywords(keywords))
    }
    pub fn from_trusted(stored: Vec<String>) -> Keywords {
        Keywords(stored)
    }
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// An optional short free-text value (discipline, institution name).
pub fn parse_short_text(field: &str, raw: &str, max_chars: usize) -> Result<String, FieldError> {
    clean_text(field, raw, 1, max_chars)
}

/// Industry divisions, at most 5, without repeats.
pub fn parse_industry_codes(field: &str, raw: &[String]) -> Result<Vec<IndustryCode>, FieldError> {
    if raw.len() > 5 {
        return Err(FieldError::new(field, "too_many", "at most 5 industry codes"));
    }
    let mut codes = Vec::new();
    for (index, code) in raw.iter().enumerate() {
        let code = IndustryCode::parse(&format!("{field}[{index}]"), code)?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// A set of transfer or cooperation modes, without repeats, in canonical order.
pub fn parse_transfer_modes(field: &str, raw: &[String]) -> Result<Vec<TransferMode>, FieldError> {
    let mut modes = Vec::new();
    for (index, mode) in raw.iter().enumerate() {
        let mode = TransferMode::parse(&format!("{field}[{index}]"), mode)?;
        if !modes.contains(&mode) {
            modes.push(mode);
        }
    }
    modes.sort();
    Ok(modes)
}

/// One piece of intellectual property behind a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpItem {
    pub kind: IpType,
    /// Patent or registration number; know-how has none.
    pub number: Option<String>,
}

impl IpItem {
    pub fn parse(field: &str, kind: &str, number: Option<&str>) -> Result<IpItem, FieldError> {
        let kind = IpType::parse(&format!("{field}.type"), kind)?;
        let number = number.map(str::trim).filter(|number| !number.is_empty());
        match (kind, number) {
            (IpType::KnowHow, _) => Ok(IpItem { kind, number: number.map(str::to_owned) }),
            (_, None) => Err(FieldError::new(format!("{field}.number"), "required", "a registered right has a number")),
            (_, Some(number)) => {
                let valid = (4..=40).contains(&number.len())
                    && number.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '/' | ' '))
                    && number.chars().any(|c| c.is_ascii_digit());
                if valid {
                    Ok(IpItem { kind, number: Some(number.to_uppercase()) })
                } else {
                    Err(FieldError::new(
                        format!("{field}.number"),
                        "invalid_ip_number",
                        "must look like a registration number, e.g. ZL202110123456.7",
                    ))
                }
            }
        }
    }
}

/// An amount range in yuan; either end may be open, neither is negative, min ≤ max.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MoneyRange {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl MoneyRange {
    /// 10^13 yuan: far above any contract, far below overflow.
    pub const LIMIT: i64 = 10_000_000_000_000;

    pub fn parse(field: &str, min: Option<i64>, max: Option<i64>) -> Result<MoneyRange, FieldError> {
        for (end, value) in [("min", min), ("max", max)] {
            match value {
                Some(value) if value < 0 => {
                    return Err(FieldError::new(format!("{field}_{end}"), "negative", "must not be negative"));
                }
                Some(value) if value > Self::LIMIT => {
                    return Err(FieldError::new(format!("{field}_{end}"), "too_large", "is implausibly large"));
                }
                _ => {}
            }
        }
        if let (Some(min), Some(max)) = (min, max)
            && min > max
        {
            return Err(FieldError::new(format!("{field}_min"), "min_above_max", "must not exceed the maximum"));
        }
        Ok(MoneyRange { min, max })
    }
}

/// A date that must not lie in the past (relative to `today`).
pub fn parse_future_date(field: &str, raw: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    let date = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| FieldError::new(field, "invalid_date", "must be a date like 2027-03-31"))?;
    if date < today {
        return Err(FieldError::new(field, "date_in_past", "must not be in the past"));
    }
    Ok(date)
}

/// An open challenge (揭榜挂帅): a bounty for whoever solves the need by the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Challenge {
    pub bounty_yuan: i64,
    pub deadline: NaiveDate,
}

impl Challenge {
    pub fn parse(field: &str, bounty_yuan: i64, deadline: &str, today: NaiveDate) -> Result<Challenge, FieldError> {
        if bounty_yuan <= 0 {
            return Err(FieldError::new(format!("{field}.bounty_yuan"), "not_positive", "must be a positive amount"));
        }
        if bounty_yuan > MoneyRange::LIMIT {
            return Err(FieldError::new(format!("{field}.bounty_yuan"), "too_large", "is implausibly large"));
        }
        let deadline = parse_future_date(&format!("{field}.deadline"), deadline, today)?;
        Ok(Challenge { bounty_yuan, deadline })
    }
}

/// The content of a research result that its owner writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultContent {
    pub title: Title,
    pub abstract_text: LongText,
    pub keywords: Keywords,
    pub field: Option<String>,
    pub industry_codes: Vec<IndustryCode>,
    pub maturity: Maturity,
    pub ip_items: Vec<IpItem>,
    pub transfer_modes: Vec<TransferMode>,
    pub asking_price: MoneyRange,
    pub institution: Option<String>,
    pub region_code: Option<RegionCode>,
}

impl ResultContent {
    pub fn language(&self) -> Language {
        Language::detect(&format!("{} {}", self.title.as_str(), self.abstract_text.as_str()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResearchResult {
    pub id: ResultId,
    pub owner_user_id: UserId,
    pub organization_id: OrganizationId,
    pub content: ResultContent,
    pub language: Language,
    pub status: ResultStatus,
    /// Starts at 1; every update adds one. Updates name the version they saw.
    pub version: i64,
    /// The identifier in the file this result was imported from, if any.
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The content of a technology need that its owner writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedContent {
    pub title: Title,
    pub description: LongText,
    pub keywords: Keywords,
    pub industry_codes: Vec<IndustryCode>,
    pub min_maturity: Option<Maturity>,
    pub budget: MoneyRange,
    pub deadline: Option<NaiveDate>,
    pub region_code: Option<RegionCode>,
    pub cooperation_modes: Vec<TransferMode>,
    pub confidential: bool,
    pub challenge: Option<Challenge>,
}

impl NeedContent {
    pub fn language(&self) -> Language {
        Language::detect(&format!("{} {}", self.title.as_str(), self.description.as_str()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TechNeed {
    pub id: NeedId,
    pub owner_user_id: UserId,
    pub organization_id: OrganizationId,
    pub content: NeedContent,
    pub language: Language,
    pub status: NeedStatus,
    pub version: i64,
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A research team's answer to an open challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeApplication {
    pub id: ApplicationId,
    pub need_id: NeedId,
    pub applicant_user_id: UserId,
    pub organization_id: Option<OrganizationId>,
    pub proposal: LongText,
    pub status: ApplicationStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_detection() {
        assert_eq!(Language::detect("温室环境自动感应控制开闭窗系统"), Language::Zh);
        assert_eq!(Language::detect("Automatic greenhouse window control using environmental sensing"), Language::En);
        assert_eq!(
            Language::detect("基于 deep learning 的 defect detection 方法 for steel strips 表面"),
            Language::Mixed
        );
        assert_eq!(Language::detect("一种锂电池正极材料及其制备方法，采用 LiFePO4"), Language::Zh);
    }

    #[test]
    fn vocabularies_parse_their_wire_names() {
        assert_eq!(Maturity::parse("m", "small_batch").unwrap(), Maturity::SmallBatch);
        assert!(Maturity::Pilot > Maturity::Prototype);
        let error = Maturity::parse("maturity", "ready").unwrap_err();
        assert_eq!(error.code, "invalid_maturity");
        assert!(error.message.contains("mass_production"));
        assert_eq!(NeedStatus::parse("s", "in_talks").unwrap(), NeedStatus::InTalks);
    }

    #[test]
    fn money_ranges() {
        assert!(MoneyRange::parse("asking_price", Some(10), Some(20)).is_ok());
        assert_eq!(MoneyRange::parse("asking_price", Some(-1), None).unwrap_err().field, "asking_price_min");
        assert_eq!(MoneyRange::parse("asking_price", Some(30), Some(20)).unwrap_err().code, "min_above_max");
    }

    #[test]
    fn ip_items_need_numbers_except_know_how() {
        assert!(IpItem::parse("ip_items[0]", "invention_patent", Some("ZL202110123456.7")).is_ok());
        assert_eq!(IpItem::parse("ip_items[0]", "invention_patent", None).unwrap_err().code, "required");
        assert_eq!(
            IpItem::parse("ip_items[0]", "utility_model", Some("<script>")).unwrap_err().code,
            "invalid_ip_number"
        );
        assert!(IpItem::parse("ip_items[0]", "know_how", None).is_ok());
    }

    #[test]
    fn dates_and_challenges() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(parse_future_date("deadline", "2026-11-26", today).unwrap_err().code, "date_in_past");
        assert!(parse_future_date("deadline", "2026-11-27", today).is_ok());
        assert_eq!(parse_future_date("deadline", "27/11/2026", today).unwrap_err().code, "invalid_date");
        assert_eq!(Challenge::parse("challenge", 0, "2027-01-01", today).unwrap_err().code, "not_positive");
    }

    #[test]
    fn keywords_are_deduplicated_and_bounded() {
        let keywords = Keywords::parse("keywords", &["锂电池".into(), "Cathode".into(), "cathode".into()]).unwrap();
        assert_eq!(keywords.as_slice(), ["锂电池", "Cathode"]);
        let too_many: Vec<String> = (0..21).map(|index| format!("k{index}")).collect();
        assert_eq!(Keywords::parse("keywords", &too_many).unwrap_err().code, "too_many");
        assert_eq!(Keywords::parse("keywords", &["".into()]).unwrap_err().field, "keywords[0]");
    }

    #[test]
    fn industry_codes_and_modes_deduplicate() {
        let codes = parse_industry_codes("industry_codes", &["39".into(), "39".into(), "36".into()]).unwrap();
        assert_eq!(codes.len(), 2);
        assert_eq!(parse_industry_codes("industry_codes", &["99".into()]).unwrap_err().field, "industry_codes[0]");
        let modes = parse_transfer_modes("m", &["license".into(), "assignment".into(), "license".into()]).unwrap();
        assert_eq!(modes, vec![TransferMode::Assignment, TransferMode::License]);
    }
}
