//! What a listing's owner writes, and the one parser of it per kind.
//!
//! Every edge that takes a listing's content — the API's bodies, the pages' forms, the
//! importer's rows — fills an input of plain values (with its own defaults: the importer derives
//! a missing title, say) and hands it to [`ResultContent::parse`] or [`NeedContent::parse`], so
//! the same text is accepted or refused, for the same reasons under the same field names,
//! wherever it comes from. Each error is added to the caller's list, beside any of its own.

use chrono::NaiveDate;

use super::values::{
    Challenge, ChallengeInput, IpItem, IpItemInput, Keywords, LongText, MoneyRange, Title, parse_industry_codes,
    parse_ip_items, parse_optional_challenge, parse_optional_date, parse_optional_region, parse_optional_text,
    parse_transfer_modes,
};
use super::{Language, Maturity, TransferMode};
use crate::contact::{ContactInput, ContactPerson};
use crate::industry::IndustryCode;
use crate::organization::RegionCode;
use crate::validation::ValidationErrors;

/// The longest discipline a result names.
const FIELD_CHARS: usize = 100;
/// The longest institution name.
const INSTITUTION_CHARS: usize = 200;

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
    /// Who answers for this result, when not the organization's contact person.
    pub contact: Option<ContactPerson>,
}

/// A research result's content as it arrives, before any check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultInput {
    pub title: String,
    pub abstract_text: String,
    pub keywords: Vec<String>,
    pub field: Option<String>,
    pub industry_codes: Vec<String>,
    pub maturity: String,
    pub ip_items: Vec<IpItemInput>,
    pub transfer_modes: Vec<String>,
    pub asking_price_min: Option<i64>,
    pub asking_price_max: Option<i64>,
    pub institution: Option<String>,
    pub region_code: Option<String>,
    pub contact: ContactInput,
}

impl ResultContent {
    /// Checks every field of `input`, adding each error to `errors` under its wire name
    /// (`abstract`, `industry_codes[0]`, `asking_price_min`, …); the content when all are valid.
    pub fn parse(input: &ResultInput, errors: &mut ValidationErrors) -> Option<ResultContent> {
        // The text first: a listing without it is refused for that before anything else.
        let abstract_text = errors.collect(LongText::parse("abstract", &input.abstract_text));
        let title = errors.collect(Title::parse("title", &input.title));
        let keywords = errors.collect(Keywords::parse("keywords", &input.keywords));
        let field = parse_optional_text(errors, "field", input.field.as_deref(), FIELD_CHARS);
        let industry_codes = errors.collect(parse_industry_codes("industry_codes", &input.industry_codes));
        let maturity = errors.collect(Maturity::parse("maturity", &input.maturity));
        let ip_items = parse_ip_items(errors, &input.ip_items);
        let transfer_modes = errors.collect(parse_transfer_modes("transfer_modes", &input.transfer_modes));
        let asking_price =
            errors.collect(MoneyRange::parse("asking_price", input.asking_price_min, input.asking_price_max));
        let institution = parse_optional_text(errors, "institution", input.institution.as_deref(), INSTITUTION_CHARS);
        let region_code = parse_optional_region(errors, input.region_code.as_deref());
        let contact = ContactPerson::parse_optional(&input.contact, errors);
        Some(ResultContent {
            title: title?,
            abstract_text: abstract_text?,
            keywords: keywords?,
            field: field?,
            industry_codes: industry_codes?,
            maturity: maturity?,
            ip_items: ip_items?,
            transfer_modes: transfer_modes?,
            asking_price: asking_price?,
            institution: institution?,
            region_code: region_code?,
            contact: contact?,
        })
    }

    pub fn language(&self) -> Language {
        Language::detect(&format!("{} {}", self.title.as_str(), self.abstract_text.as_str()))
    }
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
    /// Who answers for this need, when not the organization's contact person. Never public
    /// on a confidential need, whose company stays unnamed.
    pub contact: Option<ContactPerson>,
}

/// A technology need's content as it arrives, before any check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NeedInput {
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub industry_codes: Vec<String>,
    pub min_maturity: Option<String>,
    pub budget_min: Option<i64>,
    pub budget_max: Option<i64>,
    pub deadline: Option<String>,
    pub region_code: Option<String>,
    pub cooperation_modes: Vec<String>,
    pub confidential: bool,
    pub challenge: Option<ChallengeInput>,
    pub contact: ContactInput,
}

/// The refusal of a confidential need whose contact would be public: its company stays unnamed
/// until it accepts someone.
pub fn confidential_contact_shown(confidential: bool, contact_public: bool) -> Option<crate::validation::FieldError> {
    (confidential && contact_public).then(|| {
        crate::validation::FieldError::new(
            "contact_public",
            "confidential_need",
            "a confidential need's contact is shown only to those its company accepts",
        )
    })
}

impl NeedContent {
    /// Like [`ResultContent::parse`]; dates (the deadline, a challenge's) must not lie before
    /// `today`.
    pub fn parse(input: &NeedInput, today: NaiveDate, errors: &mut ValidationErrors) -> Option<NeedContent> {
        let description = errors.collect(LongText::parse("description", &input.description));
        let title = errors.collect(Title::parse("title", &input.title));
        let keywords = errors.collect(Keywords::parse("keywords", &input.keywords));
        let industry_codes = errors.collect(parse_industry_codes("industry_codes", &input.industry_codes));
        let min_maturity = match input.min_maturity.as_deref() {
            None => Some(None),
            Some(raw) => errors.collect(Maturity::parse("min_maturity", raw)).map(Some),
        };
        let budget = errors.collect(MoneyRange::parse("budget", input.budget_min, input.budget_max));
        let deadline = parse_optional_date(errors, "deadline", input.deadline.as_deref(), today);
        let region_code = parse_optional_region(errors, input.region_code.as_deref());
        let cooperation_modes = errors.collect(parse_transfer_modes("cooperation_modes", &input.cooperation_modes));
        let challenge = parse_optional_challenge(errors, input.challenge.as_ref(), today);
        let contact = ContactPerson::parse_optional(&input.contact, errors);
        if let Some(error) = confidential_contact_shown(input.confidential, input.contact.public) {
            errors.push(error);
        }
        Some(NeedContent {
            title: title?,
            description: description?,
            keywords: keywords?,
            industry_codes: industry_codes?,
            min_maturity: min_maturity?,
            budget: budget?,
            deadline: deadline?,
            region_code: region_code?,
            cooperation_modes: cooperation_modes?,
            confidential: input.confidential,
            challenge: challenge?,
            contact: contact?,
        })
    }

    pub fn language(&self) -> Language {
        Language::detect(&format!("{} {}", self.title.as_str(), self.description.as_str()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn valid_result() -> ResultInput {
        ResultInput {
            title: "高镍三元正极材料".into(),
            abstract_text: "表面包覆提高高镍正极的循环寿命与热稳定性。".into(),
            keywords: vec!["锂电池".into()],
            industry_codes: vec!["38".into()],
            maturity: "pilot".into(),
            ip_items: vec![IpItemInput { kind: "invention_patent".into(), number: Some("ZL202110123456.7".into()) }],
            asking_price_min: Some(100_000),
            region_code: Some(" 420111 ".into()),
            field: Some("  ".into()),
            ..ResultInput::default()
        }
    }

    fn fields(errors: &ValidationErrors) -> Vec<&str> {
        errors.0.iter().map(|error| error.field.as_str()).collect()
    }

    #[test]
    fn a_valid_result_parses_with_blank_optionals_as_none() {
        let mut errors = ValidationErrors::new();
        let content = ResultContent::parse(&valid_result(), &mut errors).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(content.field, None, "a blank discipline is none");
        assert_eq!(content.region_code.unwrap().as_str(), "420111");
        assert_eq!(content.ip_items[0].number.as_deref(), Some("ZL202110123456.7"));
        assert_eq!(content.maturity, Maturity::Pilot);
    }

    #[test]
    fn every_bad_field_of_a_result_is_named_the_text_first() {
        let input = ResultInput {
            title: " ".into(),
            abstract_text: "短".into(),
            maturity: "ready".into(),
            industry_codes: vec!["99".into()],
            asking_price_min: Some(-5),
            transfer_modes: vec!["gift".into()],
            ip_items: vec![IpItemInput { kind: "invention_patent".into(), number: None }],
            region_code: Some("999999".into()),
            ..valid_result()
        };
        let mut errors = ValidationErrors::new();
        assert!(ResultContent::parse(&input, &mut errors).is_none());
        assert_eq!(
            fields(&errors),
            [
                "abstract",
                "title",
                "industry_codes[0]",
                "maturity",
                "ip_items[0].number",
                "transfer_modes[0]",
                "asking_price_min",
                "region_code"
            ]
        );
    }

    #[test]
    fn a_need_checks_its_dates_against_today_and_keeps_earlier_errors() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let input = NeedInput {
            title: "大棚开窗自动控制".into(),
            description: "二十多个大棚开窗关窗全靠人工，想找自动控制的办法。".into(),
            budget_min: Some(10),
            budget_max: Some(5),
            deadline: Some("2026-12-02".into()),
            min_maturity: Some("prototype".into()),
            challenge: Some(ChallengeInput { bounty_yuan: 0, deadline: "2027-01-01".into() }),
            ..NeedInput::default()
        };
        let mut errors = ValidationErrors::single(crate::FieldError::new("id", "too_long", "an edge's own check"));
        assert!(NeedContent::parse(&input, today, &mut errors).is_none());
        assert_eq!(fields(&errors), ["id", "budget_min", "deadline", "challenge.bounty_yuan"]);
        let fixed = NeedInput {
            budget_max: None,
            deadline: Some("2026-12-03".into()),
            challenge: Some(ChallengeInput { bounty_yuan: 300_000, deadline: "2027-01-01".into() }),
            ..input
        };
        let mut errors = ValidationErrors::new();
        let content = NeedContent::parse(&fixed, today, &mut errors).unwrap();
        assert_eq!(content.min_maturity, Some(Maturity::Prototype));
        assert_eq!(content.challenge.unwrap().bounty_yuan, 300_000);
    }

    #[test]
    fn a_listing_may_name_its_own_contact_but_a_confidential_need_never_shows_it() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let contact =
            ContactInput { name: Some("刘工".into()), phone: Some("13812345678".into()), email: None, public: true };
        let mut errors = ValidationErrors::new();
        let result = ResultContent::parse(&ResultInput { contact: contact.clone(), ..valid_result() }, &mut errors);
        let named = result.unwrap().contact.unwrap();
        assert_eq!((named.name.as_str(), named.public), ("刘工", true));
        let need = NeedInput {
            title: "保密：电池循环寿命".into(),
            description: "动力电池循环寿命不足，希望找到正极改性方案。".into(),
            confidential: true,
            contact,
            ..NeedInput::default()
        };
        let mut errors = ValidationErrors::new();
        NeedContent::parse(&need, today, &mut errors);
        assert_eq!((errors.0[0].field.as_str(), errors.0[0].code), ("contact_public", "confidential_need"));
        let private = NeedInput { contact: ContactInput { public: false, ..need.contact.clone() }, ..need };
        let mut errors = ValidationErrors::new();
        assert!(NeedContent::parse(&private, today, &mut errors).unwrap().contact.is_some());
        let unreachable = ResultInput {
            contact: ContactInput { name: Some("刘工".into()), ..ContactInput::default() },
            ..valid_result()
        };
        let mut errors = ValidationErrors::new();
        assert!(ResultContent::parse(&unreachable, &mut errors).is_none());
        assert_eq!(fields(&errors), ["contact_phone"]);
    }
}
