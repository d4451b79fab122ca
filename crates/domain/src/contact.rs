//! Who to talk to at an organization: a contact person with a phone and an e-mail address,
//! private until an interest or introduction is accepted unless the organization shows them,
//! and the organization's unified social credit code for its contracts.

use crate::account::{DisplayName, EmailAddress};
use crate::deal::CreditCode;
use crate::validation::{FieldError, ValidationErrors};

/// A Chinese telephone number as people write it: a mobile number (11 digits from 1), a
/// landline with its area code (0 and 2–3 digits, then 7–8), or a 400/800 service number;
/// with or without +86, spaces and hyphens. Kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(field: &str, raw: &str) -> Result<PhoneNumber, FieldError> {
        let written = raw.trim();
        let invalid = || {
            FieldError::new(
                field,
                "invalid_phone",
                "must be a mobile number (13812345678), a landline with its area code (027-87654321) or a 400/800 number",
            )
        };
        if written.len() > 32 || !written.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+')) {
            return Err(invalid());
        }
        let digits: String = written.chars().filter(char::is_ascii_digit).collect();
        let national = match written.strip_prefix('+') {
            Some(_) => digits.strip_prefix("86").ok_or_else(invalid)?.to_owned(),
            None if written.contains('+') => return Err(invalid()),
            None => digits.strip_prefix("0086").map_or(digits.clone(), str::to_owned),
        };
        let mobile = national.len() == 11
            && national.starts_with('1')
            && national.as_bytes().get(1).is_some_and(|second| (b'3'..=b'9').contains(second));
        let landline = national.starts_with('0') && (10..=12).contains(&national.len());
        let service = (national.starts_with("400") || national.starts_with("800")) && national.len() == 10;
        if mobile || landline || service { Ok(PhoneNumber(written.to_owned())) } else { Err(invalid()) }
    }

    pub fn from_trusted(stored: String) -> PhoneNumber {
        PhoneNumber(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The person the other side of a match reaches, for an organization or for one listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPerson {
    pub name: DisplayName,
    pub phone: Option<PhoneNumber>,
    pub email: Option<EmailAddress>,
    /// Shown on public pages; otherwise only to the other side of an accepted interest or
    /// introduction (and to staff).
    pub public: bool,
}

/// A contact person as sent, every part optional (none at all: no contact person).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactInput {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub public: bool,
}

impl ContactPerson {
    /// A contact needs a name and a way to be reached; errors go under `contact_name`,
    /// `contact_phone`, `contact_email` and `contact_public`. `None` inside when none was given.
    pub fn parse_optional(input: &ContactInput, errors: &mut ValidationErrors) -> Option<Option<ContactPerson>> {
        let before = errors.0.len();
        let name = given(&input.name).and_then(|raw| errors.collect(DisplayName::parse("contact_name", raw)));
        let phone = given(&input.phone).and_then(|raw| errors.collect(PhoneNumber::parse("contact_phone", raw)));
        let email = given(&input.email).and_then(|raw| errors.collect(EmailAddress::parse("contact_email", raw)));
        let reachable = given(&input.phone).is_some() || given(&input.email).is_some();
        let named = given(&input.name).is_some();
        if named && !reachable {
            errors.push(FieldError::new("contact_phone", "required", "give a phone number or an e-mail address"));
        }
        if reachable && !named {
            errors.push(FieldError::new("contact_name", "required", "name the person to contact"));
        }
        if input.public && !named {
            errors.push(FieldError::new("contact_public", "no_contact", "there is no contact to show"));
        }
        if errors.0.len() > before {
            return None;
        }
        Some(name.map(|name| ContactPerson { name, phone, email, public: input.public }))
    }
}

/// An organization's profile as its members send it.
#[derive(Debug, Clone, Default)]
pub struct OrganizationProfileInput {
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub contact_public: bool,
    pub credit_code: Option<String>,
}

/// An organization's profile as parsed: a contact needs a name and a way to be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationProfile {
    pub contact: Option<ContactPerson>,
    pub credit_code: Option<CreditCode>,
}

fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|value| !value.is_empty())
}

impl OrganizationProfile {
    pub fn parse(input: &OrganizationProfileInput) -> Result<OrganizationProfile, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let contact = ContactPerson::parse_optional(
            &ContactInput {
                name: input.contact_name.clone(),
                phone: input.contact_phone.clone(),
                email: input.contact_email.clone(),
                public: input.contact_public,
            },
            &mut errors,
        );
        let credit_code =
            given(&input.credit_code).and_then(|raw| errors.collect(CreditCode::parse("credit_code", raw)));
        errors.into_result()?;
        Ok(OrganizationProfile { contact: contact.flatten(), credit_code })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn phone_numbers_are_mobile_landline_or_service_numbers_as_written() {
        for good in
            ["13812345678", "+86 138 1234 5678", "0086-13812345678", "027-87654321", "0710 1234567", "400-800-1234"]
        {
            assert_eq!(PhoneNumber::parse("p", good).unwrap().as_str(), good, "{good}");
        }
        for bad in
            ["12345", "23812345678", "12012345678", "87654321", "+1 415 555 0100", "138-1234-5678 转 8", "1381234567+8"]
        {
            assert_eq!(PhoneNumber::parse("p", bad).unwrap_err().code, "invalid_phone", "{bad}");
        }
    }

    fn input(name: Option<&str>, phone: Option<&str>, public: bool) -> OrganizationProfileInput {
        OrganizationProfileInput {
            contact_name: name.map(str::to_owned),
            contact_phone: phone.map(str::to_owned),
            contact_email: None,
            contact_public: public,
            credit_code: None,
        }
    }

    fn codes(input: &OrganizationProfileInput) -> Vec<&'static str> {
        OrganizationProfile::parse(input).unwrap_err().0.into_iter().map(|error| error.code).collect()
    }

    #[test]
    fn a_contact_has_a_name_and_a_way_to_reach_them() {
        let profile = OrganizationProfile::parse(&input(Some("王老师"), Some("027-87654321"), true)).unwrap();
        let contact = profile.contact.unwrap();
        assert_eq!((contact.name.as_str(), contact.public), ("王老师", true));
        assert_eq!(codes(&input(Some("王老师"), None, false)), ["required"]);
        assert_eq!(codes(&input(None, Some("13812345678"), false)), ["required"]);
        assert_eq!(codes(&input(None, None, true)), ["no_contact"]);
        assert_eq!(OrganizationProfile::parse(&input(None, None, false)).unwrap().contact, None);
        let mistyped =
            OrganizationProfileInput { credit_code: Some("91420100MA4KXXXXX1".into()), ..input(None, None, false) };
        assert!(OrganizationProfile::parse(&mistyped).is_err());
    }
}
