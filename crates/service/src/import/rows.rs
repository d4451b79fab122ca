//! One row's cells as a listing: the importer's defaults (a derived title, `lab`, published or
//! open) and cell conversions, then the domain's own parser of the content.

use techmatch_domain::listing::{
    ChallengeInput, Maturity, NeedContent, NeedInput, NeedStatus, ResultContent, ResultInput, ResultStatus,
};
use techmatch_domain::{ContactInput, FieldError, ValidationErrors};
use techmatch_store::{NewListing, NewResearchResult, NewTechNeed};

use super::read::{Cell, ImportRow};
use super::{ImportOwner, RowError};
use crate::listings::today;

/// Typed access to a row's cells, collecting field errors.
struct RowFields<'a> {
    row: &'a ImportRow,
    errors: Vec<FieldError>,
}

/// Files exported from other systems carry stray control characters (form feeds, vertical
/// tabs, NULs from PDF copy-paste); an import turns them into spaces instead of refusing rows.
fn without_control_characters(text: &str) -> String {
    text.chars().map(|c| if c.is_control() && !matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }).collect()
}

impl<'a> RowFields<'a> {
    fn text(&self, name: &str) -> Option<String> {
        match self.row.cells.get(name)? {
            Cell::Text(text) => Some(without_control_characters(text)).filter(|text| !text.trim().is_empty()),
            Cell::Number(number) if number.fract() == 0.0 && number.abs() < 1e15 => Some(format!("{}", *number as i64)),
            Cell::Number(number) => Some(number.to_string()),
            Cell::Bool(flag) => Some(flag.to_string()),
            Cell::List(items) => Some(items.join(";")),
        }
    }

    fn list(&self, name: &str) -> Vec<String> {
        match self.row.cells.get(name) {
            Some(Cell::List(items)) => {
                items.iter().map(|item| item.trim().to_owned()).filter(|item| !item.is_empty()).collect()
            }
            Some(_) => self
                .text(name)
                .map(|text| {
                    text.split([';', '；', '、', '|'])
                        .map(|item| item.trim().to_owned())
                        .filter(|item| !item.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            None => Vec::new(),
        }
    }

    fn integer(&mut self, name: &str) -> Option<i64> {
        let value = match self.row.cells.get(name)? {
            Cell::Number(number) if number.fract() == 0.0 && number.abs() < 9e15 => Some(*number as i64),
            Cell::Text(text) => text.trim().replace([',', '，'], "").parse::<i64>().ok(),
            _ => None,
        };
        if value.is_none() {
            self.errors.push(FieldError::new(name, "not_an_integer", "must be a whole number of yuan"));
        }
        value
    }

    /// An integer cell that may be absent (an absent cell is none, a present one must be a
    /// whole number).
    fn optional_integer(&mut self, name: &str) -> Option<i64> {
        if self.row.cells.contains_key(name) { self.integer(name) } else { None }
    }

    fn boolean(&mut self, name: &str) -> bool {
        match self.row.cells.get(name) {
            None => false,
            Some(Cell::Bool(flag)) => *flag,
            Some(Cell::Number(number)) => *number != 0.0,
            Some(_) => match self.text(name).unwrap_or_default().trim().to_lowercase().as_str() {
                "true" | "yes" | "1" | "是" | "y" => true,
                "false" | "no" | "0" | "否" | "n" | "" => false,
                _ => {
                    self.errors.push(FieldError::new(name, "not_a_boolean", "must be true or false (是/否)"));
                    false
                }
            },
        }
    }
}

/// A title from a text's opening words when a row has none (the evaluation sets leave some
/// titles empty on purpose).
fn derived_title(text: &str) -> String {
    let opening: String =
        text.split(['。', '.', '\n', '；', ';']).next().unwrap_or(text).trim().chars().take(60).collect();
    if opening.chars().count() >= 2 { opening } else { text.chars().take(60).collect() }
}

fn row_errors(row: &ImportRow, errors: Vec<FieldError>) -> Vec<RowError> {
    errors.into_iter().map(|error| RowError { row: row.number, field: error.field, reason: error.message }).collect()
}

/// The listing a row stores, or every error found in it.
fn new_listing<Content, Status>(
    row: &ImportRow,
    owner: ImportOwner,
    external_id: Option<String>,
    parsed: Option<(Content, Status)>,
    errors: ValidationErrors,
) -> Result<NewListing<Content, Status>, Vec<RowError>> {
    match parsed {
        Some((content, status)) if errors.is_empty() => Ok(NewListing {
            owner_user_id: owner.user_id,
            organization_id: owner.organization_id,
            content,
            status,
            external_id,
        }),
        _ => Err(row_errors(row, errors.0)),
    }
}

/// The listing's own contact person, from `contact_name`, `contact_phone`, `contact_email` and
/// `contact_public`.
fn contact_of(fields: &mut RowFields<'_>) -> ContactInput {
    ContactInput {
        name: fields.text("contact_name"),
        phone: fields.text("contact_phone"),
        email: fields.text("contact_email"),
        public: fields.boolean("contact_public"),
    }
}

fn external_id(fields: &mut RowFields<'_>) -> Option<String> {
    let id = fields.text("id")?;
    if id.chars().count() > 100 {
        fields.errors.push(FieldError::new("id", "too_long", "must be at most 100 characters"));
        return None;
    }
    Some(id)
}

pub fn parse_result_row(row: &ImportRow, owner: ImportOwner) -> Result<NewResearchResult, Vec<RowError>> {
    let mut fields = RowFields { row, errors: Vec::new() };
    let external_id = external_id(&mut fields);
    // A row with only one of title and abstract gets the other from it.
    let given_title = fields.text("title");
    let abstract_text = fields.text("abstract").or_else(|| given_title.clone()).unwrap_or_default();
    let input = ResultInput {
        title: given_title.unwrap_or_else(|| derived_title(&abstract_text)),
        keywords: fields.list("keywords"),
        field: fields.text("field"),
        industry_codes: fields.list("industry_codes"),
        maturity: fields.text("maturity").unwrap_or_else(|| Maturity::Lab.as_str().to_owned()),
        ip_items: Vec::new(),
        transfer_modes: fields.list("transfer_modes"),
        asking_price_min: fields.optional_integer("asking_price_min"),
        asking_price_max: fields.optional_integer("asking_price_max"),
        institution: fields.text("institution"),
        region_code: fields.text("region_code"),
        contact: contact_of(&mut fields),
        abstract_text,
    };
    let mut errors = ValidationErrors(std::mem::take(&mut fields.errors));
    let content = ResultContent::parse(&input, &mut errors);
    let status = match fields.text("status") {
        None => Some(ResultStatus::Published),
        Some(raw) => errors.collect(ResultStatus::parse("status", &raw)),
    };
    new_listing(row, owner, external_id, content.zip(status), errors)
}

pub fn parse_need_row(row: &ImportRow, owner: ImportOwner) -> Result<NewTechNeed, Vec<RowError>> {
    let mut fields = RowFields { row, errors: Vec::new() };
    let external_id = external_id(&mut fields);
    let given_title = fields.text("title");
    let description = fields.text("description").or_else(|| given_title.clone()).unwrap_or_default();
    let mut keywords = fields.list("keywords");
    // FORMAT.md's `industry` is a free-text sector name, not a code: keep it as a keyword.
    if let Some(industry) = fields.text("industry") {
        keywords.push(industry);
    }
    let challenge = match (row.cells.contains_key("challenge_bounty_yuan"), fields.text("challenge_deadline")) {
        (false, None) => None,
        (true, Some(deadline)) => {
            fields.integer("challenge_bounty_yuan").map(|bounty_yuan| ChallengeInput { bounty_yuan, deadline })
        }
        _ => {
            fields.errors.push(FieldError::new(
                "challenge_deadline",
                "incomplete_challenge",
                "an open challenge needs both challenge_bounty_yuan and challenge_deadline",
            ));
            None
        }
    };
    let input = NeedInput {
        title: given_title.unwrap_or_else(|| derived_title(&description)),
        keywords,
        industry_codes: fields.list("industry_codes"),
        min_maturity: fields.text("min_maturity"),
        budget_min: fields.optional_integer("budget_min"),
        budget_max: fields.optional_integer("budget_max"),
        deadline: fields.text("deadline"),
        region_code: fields.text("region_code"),
        cooperation_modes: fields.list("cooperation_modes"),
        confidential: fields.boolean("confidential"),
        challenge,
        contact: contact_of(&mut fields),
        description,
    };
    let mut errors = ValidationErrors(std::mem::take(&mut fields.errors));
    let content = NeedContent::parse(&input, today(), &mut errors);
    let status = match fields.text("status") {
        None => Some(NeedStatus::Open),
        Some(raw) => errors.collect(NeedStatus::parse("status", &raw)),
    };
    new_listing(row, owner, external_id, content.zip(status), errors)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use techmatch_domain::listing::MoneyRange;
    use techmatch_domain::{OrganizationId, UserId};

    use super::super::read::{read_csv, read_jsonl};
    use super::*;

    fn owner() -> ImportOwner {
        ImportOwner { user_id: UserId(1), organization_id: OrganizationId(1) }
    }

    #[test]
    fn jsonl_rows_and_bad_lines() {
        let input = "{\"id\": \"a\", \"title\": \"标题\", \"abstract\": \"一段足够长的摘要内容。\", \"keywords\": [\"甲\", \"乙\"], \"lang\": \"zh\"}\nnot json\n\n[1]\n";
        let (rows, errors) = read_jsonl(input.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].cells["keywords"], Cell::List(vec!["甲".into(), "乙".into()]));
        assert_eq!(errors.iter().map(|error| error.row).collect::<Vec<_>>(), vec![2, 4]);
        let parsed = parse_result_row(&rows[0], owner()).unwrap();
        assert_eq!(parsed.external_id.as_deref(), Some("a"));
        assert_eq!(parsed.content.maturity, Maturity::Lab);
        assert_eq!(parsed.status, ResultStatus::Published);
    }

    #[test]
    fn csv_lists_numbers_and_row_numbers() {
        let input = "id,title,abstract,keywords,industry_codes,asking_price_min,asking_price_max,maturity\n\
                     r1,激光焊接工艺,用于汽车白车身的激光焊接工艺。,激光；焊接、汽车,36;33,\"100,000\",500000,pilot\n\
                     r2,坏行,摘要太短,,99,-1,,someday\n";
        let (rows, errors) = read_csv(input.as_bytes()).unwrap();
        assert!(errors.is_empty());
        assert_eq!(rows[1].number, 3, "the header is row 1");
        let first = parse_result_row(&rows[0], owner()).unwrap();
        assert_eq!(first.content.keywords.as_slice(), ["激光", "焊接", "汽车"]);
        assert_eq!(first.content.industry_codes.len(), 2);
        assert_eq!(first.content.asking_price, MoneyRange { min: Some(100_000), max: Some(500_000) });
        let errors = parse_result_row(&rows[1], owner()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, vec!["abstract", "industry_codes[0]", "maturity", "asking_price_min"], "{errors:?}");
        assert!(errors.iter().all(|error| error.row == 3));
    }

    #[test]
    fn empty_titles_are_derived_and_industry_text_becomes_a_keyword() {
        let row = ImportRow {
            number: 1,
            cells: BTreeMap::from([
                ("id".into(), Cell::Text("n1".into())),
                ("title".into(), Cell::Text(String::new())),
                (
                    "description".into(),
                    Cell::Text("Develop a compact sensor for corrosion. More text follows here.".into()),
                ),
                ("industry".into(), Cell::Text("岩土工程".into())),
                ("confidential".into(), Cell::Text("是".into())),
            ]),
        };
        let need = parse_need_row(&row, owner()).unwrap();
        assert_eq!(need.content.title.as_str(), "Develop a compact sensor for corrosion");
        assert_eq!(need.content.keywords.as_slice(), ["岩土工程"]);
        assert!(need.content.confidential);
    }

    #[test]
    fn control_characters_are_cleaned_and_missing_descriptions_fall_back_to_the_title() {
        let row = ImportRow {
            number: 7,
            cells: BTreeMap::from([
                ("title".into(), Cell::Text("Compact corrosion sensor".into())),
                ("description".into(), Cell::Text(String::new())),
            ]),
        };
        let need = parse_need_row(&row, owner()).unwrap();
        assert_eq!(need.content.description.as_str(), "Compact corrosion sensor");
        let row = ImportRow {
            number: 8,
            cells: BTreeMap::from([(
                "abstract".into(),
                Cell::Text("Laser\u{b}welding of\u{0} aluminium sheets.".into()),
            )]),
        };
        let result = parse_result_row(&row, owner()).unwrap();
        assert_eq!(result.content.abstract_text.as_str(), "Laser welding of  aluminium sheets.");
        let empty = ImportRow { number: 9, cells: BTreeMap::new() };
        let errors = parse_result_row(&empty, owner()).unwrap_err();
        assert_eq!(errors[0].field, "abstract");
        assert_eq!(errors[0].row, 9);
    }
}
