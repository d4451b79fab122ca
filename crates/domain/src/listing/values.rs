//! The values a listing is made of, each with the constructor that checks it once.

use std::collections::HashSet;

use chrono::NaiveDate;

use super::{IpType, TransferMode};
use crate::industry::IndustryCode;
use crate::organization::RegionCode;
use crate::validation::{FieldError, ValidationErrors, clean_long_text, clean_text};

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
        clean_long_text(field, raw, 10, Self::MAX_CHARS).map(LongText)
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

/// An open challenge as it arrives: the bounty and the deadline as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChallengeInput {
    pub bounty_yuan: i64,
    pub deadline: String,
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

/// An optional short text: blank is none, anything else is checked.
pub fn parse_optional_text(
    errors: &mut ValidationErrors,
    field: &str,
    raw: Option<&str>,
    max_chars: usize,
) -> Option<Option<String>> {
    match raw.map(str::trim).filter(|value| !value.is_empty()) {
        None => Some(None),
        Some(value) => errors.collect(parse_short_text(field, value, max_chars)).map(Some),
    }
}

/// An optional GB/T 2260 region: blank is none.
pub fn parse_optional_region(errors: &mut ValidationErrors, raw: Option<&str>) -> Option<Option<RegionCode>> {
    match raw.map(str::trim).filter(|value| !value.is_empty()) {
        None => Some(None),
        Some(value) => errors.collect(RegionCode::parse("region_code", value)).map(Some),
    }
}

/// An optional date not in the past: blank is none.
pub fn parse_optional_date(
    errors: &mut ValidationErrors,
    field: &str,
    raw: Option<&str>,
    today: NaiveDate,
) -> Option<Option<NaiveDate>> {
    match raw.map(str::trim).filter(|value| !value.is_empty()) {
        None => Some(None),
        Some(value) => errors.collect(parse_future_date(field, value, today)).map(Some),
    }
}

/// An IP item as it arrives: its type's wire name and its number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpItemInput {
    pub kind: String,
    pub number: Option<String>,
}

/// An optional open challenge, its deadline not before `today`.
pub fn parse_optional_challenge(
    errors: &mut ValidationErrors,
    raw: Option<&ChallengeInput>,
    today: NaiveDate,
) -> Option<Option<Challenge>> {
    match raw {
        None => Some(None),
        Some(challenge) => {
            errors.collect(Challenge::parse("challenge", challenge.bounty_yuan, &challenge.deadline, today)).map(Some)
        }
    }
}

/// IP items, at most 50, each checked; every bad one is reported.
pub fn parse_ip_items(errors: &mut ValidationErrors, raw: &[IpItemInput]) -> Option<Vec<IpItem>> {
    if raw.len() > 50 {
        errors.push(FieldError::new("ip_items", "too_many", "at most 50 items"));
        return None;
    }
    let mut items = Vec::new();
    let mut all_valid = true;
    for (index, item) in raw.iter().enumerate() {
        match errors.collect(IpItem::parse(&format!("ip_items[{index}]"), &item.kind, item.number.as_deref())) {
            Some(item) => items.push(item),
            None => all_valid = false,
        }
    }
    all_valid.then_some(items)
}

#[cfg(test)]
mod tests {
    use super::*;

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
