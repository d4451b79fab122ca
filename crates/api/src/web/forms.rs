//! What the pages' forms share: their inputs as templates draw them, the values typed into
//! them, and the field messages shown beside them.

use serde::Serialize;
use techmatch_domain::ValidationErrors;

/// (field, code, message) of each field a form got wrong; the page shows the code's
/// translation beside the field (or the message when there is none).
pub(super) type FieldMessages = Vec<(String, String, String)>;

/// The field messages of a validation failure.
pub(super) fn field_messages(errors: ValidationErrors) -> FieldMessages {
    errors.0.into_iter().map(|error| (error.field, error.code.to_owned(), error.message)).collect()
}

/// One input of a form, as its template draws it.
#[derive(Serialize)]
pub(super) struct FormInput {
    pub(super) name: &'static str,
    pub(super) label: String,
    pub(super) kind: &'static str,
    pub(super) value: String,
    pub(super) options: Vec<&'static str>,
    pub(super) error: Option<String>,
}

/// A listing or organization to choose in a form.
#[derive(Serialize)]
pub(super) struct Choice {
    pub(super) id: i64,
    pub(super) title: String,
}

/// A typed list: items separated by commas, enumeration commas or semicolons, in either script.
pub(super) fn list_value(raw: &str) -> Vec<String> {
    raw.split([',', '，', '、', ';', '；']).map(str::trim).filter(|part| !part.is_empty()).map(str::to_owned).collect()
}

/// A typed whole number; blank is none, anything else not a number is an error.
pub(super) fn number(raw: &str) -> Result<Option<i64>, ()> {
    let raw = raw.trim();
    if raw.is_empty() { Ok(None) } else { raw.parse().map(Some).map_err(|_| ()) }
}

/// A typed text, none when blank.
pub(super) fn optional(raw: &str) -> Option<String> {
    Some(raw.trim().to_owned()).filter(|value| !value.is_empty())
}

/// The value of `name` among a form's values, or "".
pub(super) fn value_of(values: &[(String, String)], name: &str) -> String {
    values.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone()).unwrap_or_default()
}

/// The choices of every form's drop-down lists, for the check that each has its translations.
pub(super) fn choices() -> Vec<&'static str> {
    let mut choices: Vec<&'static str> = Vec::new();
    for fields in [
        &super::listing_forms::RESULT_FIELDS[..],
        &super::listing_forms::NEED_FIELDS[..],
        &super::account::REGISTER_FIELDS[..],
    ] {
        choices.extend(fields.iter().flat_map(|(_, _, _, options)| options.iter().copied()));
    }
    choices.extend(super::event_form::EVENT_FIELDS.iter().flat_map(|(_, _, _, options, _)| options.iter().copied()));
    choices.extend(super::deals::choices());
    choices.extend(techmatch_domain::listing::IpType::ALL.iter().map(|kind| kind.as_str()));
    choices
}
