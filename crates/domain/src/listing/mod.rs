//! Research results (supply) and technology needs (demand): their identifiers, vocabularies and
//! stored forms here, the values they are made of in `values`, and their content with its one
//! parser, which the API, the pages and the importer all call, in `content`.

mod content;
mod values;

pub use content::{NeedContent, NeedInput, ResultContent, ResultInput, confidential_contact_shown};
pub use values::{
    Challenge, ChallengeInput, IpItem, IpItemInput, Keywords, LongText, MoneyRange, Title, parse_future_date,
    parse_industry_codes, parse_ip_items, parse_optional_challenge, parse_optional_date, parse_optional_region,
    parse_optional_text, parse_short_text, parse_transfer_modes,
};

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::UserId;
use crate::organization::OrganizationId;
use crate::validation::FieldError;

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
}
