//! User accounts: identifiers, roles and the validated values a user supplies.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::organization::OrganizationId;
use crate::validation::{FieldError, clean_text};

/// Database identifier of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

impl fmt::Display for UserId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(formatter)
    }
}

/// What a user is on the platform; decides what the access policy lets them do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Researcher,
    Company,
    LiaisonOfficer,
    /// A technology broker of a transfer agency: introduces pairs and follows the deals they
    /// introduced, seeing only what the public sees otherwise (not staff).
    Broker,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Researcher, Role::Company, Role::LiaisonOfficer, Role::Broker, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Researcher => "researcher",
            Role::Company => "company",
            Role::LiaisonOfficer => "liaison_officer",
            Role::Broker => "broker",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == raw)
    }

    /// Staff roles act for the tech-transfer office across all organizations.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::LiaisonOfficer | Role::Admin)
    }

    /// Roles that put a research result and a technology need in front of each other: staff,
    /// and brokers (among the listings the public sees).
    pub fn introduces_pairs(self) -> bool {
        matches!(self, Role::LiaisonOfficer | Role::Broker | Role::Admin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The only roles a person may give themselves by registering. Staff roles are granted by an
/// admin, so there is deliberately no way to build this type from `LiaisonOfficer`, `Broker`
/// or `Admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfServiceRole {
    Researcher,
    Company,
}

impl SelfServiceRole {
    pub fn parse(field: &str, raw: &str) -> Result<SelfServiceRole, FieldError> {
        match raw {
            "researcher" => Ok(SelfServiceRole::Researcher),
            "company" => Ok(SelfServiceRole::Company),
            "liaison_officer" | "broker" | "admin" => Err(FieldError::new(
                field,
                "role_not_self_assignable",
                "this role is granted by an administrator and cannot be chosen at registration",
            )),
            _ => Err(FieldError::new(field, "invalid_role", "must be one of: researcher, company")),
        }
    }

    pub fn role(self) -> Role {
        match self {
            SelfServiceRole::Researcher => Role::Researcher,
            SelfServiceRole::Company => Role::Company,
        }
    }
}

/// A syntactically plausible e-mail address, stored lowercased so that logins and uniqueness
/// do not depend on capitalisation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const MAX_LENGTH: usize = 254;

    pub fn parse(field: &str, raw: &str) -> Result<EmailAddress, FieldError> {
        let candidate = raw.trim().to_lowercase();
        let invalid = || FieldError::new(field, "invalid_email", "must be an e-mail address like name@example.org");
        if candidate.is_empty() {
            return Err(FieldError::new(field, "required", "must not be empty"));
        }
        if candidate.len() > Self::MAX_LENGTH {
            return Err(FieldError::new(field, "too_long", "must be at most 254 bytes"));
        }
        let Some((local, domain)) = candidate.split_once('@') else {
            return Err(invalid());
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '@' | '<' | '>' | '"' | ',' | ';'));
        if !(domain_ok && local_ok) {
            return Err(invalid());
        }
        Ok(EmailAddress(candidate))
    }

    /// Rebuilds a value that was validated before it was stored.
    pub fn from_trusted(stored: String) -> EmailAddress {
        EmailAddress(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A password a user wants to set. Its `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    /// NIST SP 800-63B: at least 8 characters, allow at least 64, no composition rules, no
    /// common passwords.
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(field: &str, raw: &str, email: Option<&EmailAddress>) -> Result<NewPassword, FieldError> {
        let length = raw.chars().count();
        if length < Self::MIN_CHARS {
            return Err(FieldError::new(
                field,
                "password_too_short",
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if length > Self::MAX_CHARS {
            return Err(FieldError::new(
                field,
                "password_too_long",
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        let lowered = raw.to_lowercase();
        if email.is_some_and(|email| {
            lowered == email.as_str() || email.as_str().split('@').next() == Some(lowered.as_str())
        }) {
            return Err(FieldError::new(field, "password_matches_email", "must not be the e-mail address"));
        }
        if raw.chars().collect::<std::collections::HashSet<_>>().len() < 4 {
            return Err(FieldError::new(field, "password_too_simple", "must use at least 4 different characters"));
        }
        // NIST SP 800-63B: refuse passwords found in lists of common or breached passwords,
        // dictionary words and predictable patterns. zxcvbn scores a password by the guesses an
        // attacker working through those lists would need; below 10^6 it is refused.
        let mut context: Vec<&str> = vec!["techmatch"];
        if let Some(email) = email {
            context.push(email.as_str());
            context.extend(email.as_str().split('@'));
        }
        if zxcvbn::zxcvbn(raw, &context).score() < zxcvbn::Score::Two {
            return Err(FieldError::new(
                field,
                "password_too_common",
                "is too easy to guess: a common password, a word with digits, a keyboard pattern or a sequence",
            ));
        }
        Ok(NewPassword(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("NewPassword(<redacted>)")
    }
}

/// How a user is shown to others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(field: &str, raw: &str) -> Result<DisplayName, FieldError> {
        clean_text(field, raw, 1, 100).map(DisplayName)
    }

    pub fn from_trusted(stored: String) -> DisplayName {
        DisplayName(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A stored account as the rest of the system sees it (the password hash stays in `store`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAccount {
    pub id: UserId,
    pub email: EmailAddress,
    pub display_name: DisplayName,
    pub role: Role,
    pub organization_id: Option<OrganizationId>,
    /// The interface language they chose: their notifications and e-mails are in it.
    pub language: Language,
    pub is_active: bool,
    /// Bumped on logout, password change and deactivation; tokens carry the version they were
    /// issued under and are refused once it moves on.
    pub token_version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_lowercased_and_trimmed() {
        let email = EmailAddress::parse("email", "  Li.Wei@Example.EDU.cn ").unwrap();
        assert_eq!(email.as_str(), "li.wei@example.edu.cn");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for raw in ["", "plain", "a@b", "@example.org", "a b@example.org", "a@exa mple.org", "a@.org", "a@org."] {
            assert!(EmailAddress::parse("email", raw).is_err(), "{raw:?} should be refused");
        }
    }

    #[test]
    fn staff_roles_cannot_be_self_assigned() {
        let error = SelfServiceRole::parse("role", "admin").unwrap_err();
        assert_eq!(error.code, "role_not_self_assignable");
        for granted in ["liaison_officer", "broker"] {
            let error = SelfServiceRole::parse("role", granted).unwrap_err();
            assert_eq!(error.code, "role_not_self_assignable");
        }
        assert_eq!(SelfServiceRole::parse("role", "company").unwrap().role(), Role::Company);
    }

    #[test]
    fn password_rules() {
        let email = EmailAddress::parse("email", "wang@example.org").unwrap();
        assert_eq!(NewPassword::parse("p", "short", None).unwrap_err().code, "password_too_short");
        assert_eq!(NewPassword::parse("p", "aaaaaaaaaaaa", None).unwrap_err().code, "password_too_simple");
        assert_eq!(
            NewPassword::parse("p", "wang@example.org", Some(&email)).unwrap_err().code,
            "password_matches_email"
        );
        assert!(NewPassword::parse("p", "correct horse battery", Some(&email)).is_ok());
        for common in ["password123", "qwertyuiop", "1234567890", "iloveyou123", "wang@example.org1", "Password2024"] {
            assert_eq!(
                NewPassword::parse("p", common, Some(&email)).map_err(|error| error.code),
                Err("password_too_common"),
                "{common}"
            );
        }
        for fine in [
            "a long enough passphrase",
            "Xq7-bamboo-lantern",
            "青山绿水长流不息之地",
            "a long passphrase: copper kettles hum while seven herons argue over the tide tables of Qingdao harbour at dawn; 42 gulls",
        ] {
            assert!(NewPassword::parse("p", fine, Some(&email)).is_ok(), "{fine}");
        }
        assert_eq!(
            format!("{:?}", NewPassword::parse("p", "correct horse battery", None).unwrap()),
            "NewPassword(<redacted>)"
        );
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}

/// The two interface languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    Chinese,
    English,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Chinese => "zh-CN",
            Language::English => "en",
        }
    }

    /// A language tag as browsers and people write it (`zh`, `zh-CN`, `en-GB`, …).
    pub fn from_tag(raw: &str) -> Option<Language> {
        let raw = raw.trim().to_ascii_lowercase();
        if raw.starts_with("zh") {
            Some(Language::Chinese)
        } else if raw.starts_with("en") {
            Some(Language::English)
        } else {
            None
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<Language, FieldError> {
        Language::from_tag(raw).ok_or_else(|| FieldError::new(field, "invalid_language", "must be zh-CN or en"))
    }

    /// The text of the two that is in this language.
    pub fn pick<'a>(self, chinese: &'a str, english: &'a str) -> &'a str {
        match self {
            Language::Chinese => chinese,
            Language::English => english,
        }
    }
}

#[cfg(test)]
mod language_tests {
    use super::*;

    #[test]
    fn languages_are_read_from_tags_and_pick_their_text() {
        assert_eq!(Language::from_tag("zh-TW"), Some(Language::Chinese));
        assert_eq!(Language::from_tag(" EN-gb"), Some(Language::English));
        assert_eq!(Language::from_tag("fr"), None);
        assert_eq!(Language::parse("language", "de").map_err(|error| error.code), Err("invalid_language"));
        assert_eq!(Language::English.pick("中文", "English"), "English");
        assert_eq!(Language::default().code(), "zh-CN");
    }
}
