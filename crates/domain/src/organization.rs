//! Organizations: universities, institutes, companies, agencies and incubators.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::account::Role;
use crate::validation::{FieldError, clean_text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrganizationId(pub i64);

impl fmt::Display for OrganizationId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(formatter)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    University,
    Institute,
    Company,
    /// A government or city tech-transfer agency (where liaison officers work).
    Agency,
    Incubator,
}

impl OrganizationKind {
    pub const ALL: [OrganizationKind; 5] = [
        OrganizationKind::University,
        OrganizationKind::Institute,
        OrganizationKind::Company,
        OrganizationKind::Agency,
        OrganizationKind::Incubator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationKind::University => "university",
            OrganizationKind::Institute => "institute",
            OrganizationKind::Company => "company",
            OrganizationKind::Agency => "agency",
            OrganizationKind::Incubator => "incubator",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<OrganizationKind, FieldError> {
        OrganizationKind::ALL.into_iter().find(|kind| kind.as_str() == raw).ok_or_else(|| {
            FieldError::new(
                field,
                "invalid_organization_kind",
                "must be one of: university, institute, company, agency, incubator",
            )
        })
    }

    /// Which kinds of organization a member with this role can belong to: researchers work at
    /// research institutions, company staff at companies or incubated start-ups, brokers at
    /// transfer agencies; staff anywhere.
    pub fn admits(self, role: Role) -> bool {
        match role {
            Role::Researcher => matches!(self, OrganizationKind::University | OrganizationKind::Institute),
            Role::Company => matches!(self, OrganizationKind::Company | OrganizationKind::Incubator),
            Role::Broker => self == OrganizationKind::Agency,
            Role::LiaisonOfficer | Role::Admin => true,
        }
    }
}

impl fmt::Display for OrganizationKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// The name of an organization as written by its members, plus a normalised key under which
/// names are unique (so "清华大学" and " 清华大学 " are one organization).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationName(String);

impl OrganizationName {
    pub fn parse(field: &str, raw: &str) -> Result<OrganizationName, FieldError> {
        let cleaned = clean_text(field, raw, 2, 200)?;
        Ok(OrganizationName(cleaned.split_whitespace().collect::<Vec<_>>().join(" ")))
    }

    pub fn from_trusted(stored: String) -> OrganizationName {
        OrganizationName(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Case- and width-insensitive key: full-width ASCII forms (common in Chinese input)
    /// are folded to their half-width forms, then lowercased; spaces are removed.
    pub fn unique_key(&self) -> String {
        self.0
            .chars()
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{3000}' => ' ',
                other => other,
            })
            .flat_map(char::to_lowercase)
            .filter(|c| !c.is_whitespace())
            .collect()
    }
}

/// A GB/T 2260 administrative division code (province, prefecture or county level), checked
/// against the table in `data/gbt2260_regions.txt`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegionCode(String);

const REGION_TABLE: &str = include_str!("../data/gbt2260_regions.txt");

/// Sorted (code, name) pairs of the table, parsed once.
fn regions() -> &'static [(&'static str, &'static str)] {
    static REGIONS: std::sync::OnceLock<Vec<(&'static str, &'static str)>> = std::sync::OnceLock::new();
    REGIONS.get_or_init(|| {
        REGION_TABLE
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .filter_map(|line| line.split_once(' '))
            .collect()
    })
}

impl RegionCode {
    pub fn parse(field: &str, raw: &str) -> Result<RegionCode, FieldError> {
        let code = raw.trim();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(field, "invalid_region_code", "must be a six-digit GB/T 2260 division code"));
        }
        if regions().binary_search_by(|(known, _)| (*known).cmp(code)).is_err() {
            return Err(FieldError::new(field, "unknown_region_code", format!("{code} is not a GB/T 2260 division")));
        }
        Ok(RegionCode(code.to_owned()))
    }

    pub fn from_trusted(stored: String) -> RegionCode {
        RegionCode(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The division's name, e.g. 武汉市 for 420100.
    pub fn name(&self) -> Option<&'static str> {
        let regions = regions();
        regions.binary_search_by(|(known, _)| (*known).cmp(self.0.as_str())).ok().map(|index| regions[index].1)
    }

    /// The English name of the province-level division containing this one (Hubei for 420111);
    /// smaller divisions have none here.
    pub fn province_name_en(&self) -> Option<&'static str> {
        let prefix = self.0.get(..2)?;
        PROVINCES_EN.iter().find(|(code, _)| *code == prefix).map(|(_, name)| *name)
    }

    /// The province-level division containing this one (e.g. 420000 for 420111).
    pub fn province(&self) -> String {
        format!("{}0000", &self.0[..2.min(self.0.len())])
    }

    /// The prefecture-level division containing this one (e.g. 420100 for 420111).
    pub fn prefecture(&self) -> String {
        format!("{}00", &self.0[..4.min(self.0.len())])
    }
}

/// Province-level divisions by their first two GB/T 2260 digits, with their English names.
const PROVINCES_EN: [(&str, &str); 34] = [
    ("11", "Beijing"),
    ("12", "Tianjin"),
    ("13", "Hebei"),
    ("14", "Shanxi"),
    ("15", "Inner Mongolia"),
    ("21", "Liaoning"),
    ("22", "Jilin"),
    ("23", "Heilongjiang"),
    ("31", "Shanghai"),
    ("32", "Jiangsu"),
    ("33", "Zhejiang"),
    ("34", "Anhui"),
    ("35", "Fujian"),
    ("36", "Jiangxi"),
    ("37", "Shandong"),
    ("41", "Henan"),
    ("42", "Hubei"),
    ("43", "Hunan"),
    ("44", "Guangdong"),
    ("45", "Guangxi"),
    ("46", "Hainan"),
    ("50", "Chongqing"),
    ("51", "Sichuan"),
    ("52", "Guizhou"),
    ("53", "Yunnan"),
    ("54", "Tibet"),
    ("61", "Shaanxi"),
    ("62", "Gansu"),
    ("63", "Qinghai"),
    ("64", "Ningxia"),
    ("65", "Xinjiang"),
    ("71", "Taiwan"),
    ("81", "Hong Kong"),
    ("82", "Macao"),
];

/// The secret a member hands to a colleague so that they can join the organization at
/// registration. Knowing an organization's name is not enough to join it: membership lets a
/// company see its confidential needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JoinCode(String);

impl JoinCode {
    pub const LENGTH: usize = 16;

    pub fn parse(field: &str, raw: &str) -> Result<JoinCode, FieldError> {
        let code = raw.trim();
        if code.len() != Self::LENGTH || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(FieldError::new(field, "invalid_join_code", "must be the 16-character code given by a member"));
        }
        Ok(JoinCode(code.to_owned()))
    }

    pub fn from_trusted(stored: String) -> JoinCode {
        JoinCode(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: OrganizationName,
    pub kind: OrganizationKind,
    pub region_code: RegionCode,
    pub join_code: JoinCode,
    pub contact: Option<crate::contact::ContactPerson>,
    /// Its unified social credit code, recorded with its contracts when a deal is signed.
    pub credit_code: Option<crate::deal::CreditCode>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes_need_six_digits_and_a_known_province() {
        assert!(RegionCode::parse("r", "110108").is_ok());
        assert!(RegionCode::parse("r", "440300").is_ok());
        let hongshan = RegionCode::parse("r", "420111").unwrap();
        assert_eq!(hongshan.name(), Some("洪山区"));
        assert_eq!(hongshan.province(), "420000");
        assert_eq!(hongshan.prefecture(), "420100");
        assert_eq!(hongshan.province_name_en(), Some("Hubei"));
        // Every province the national table has is named in English.
        for (code, _) in regions().iter().filter(|(code, _)| code.ends_with("0000")) {
            assert!(RegionCode::from_trusted((*code).to_owned()).province_name_en().is_some(), "{code}");
        }
        assert_eq!(RegionCode::parse("r", "420000").unwrap().name(), Some("湖北省"));
        assert_eq!(RegionCode::parse("r", "11010").unwrap_err().code, "invalid_region_code");
        assert_eq!(RegionCode::parse("r", "11010x").unwrap_err().code, "invalid_region_code");
        assert_eq!(RegionCode::parse("r", "990000").unwrap_err().code, "unknown_region_code");
        assert_eq!(RegionCode::parse("r", "420199").unwrap_err().code, "unknown_region_code");
    }

    #[test]
    fn organization_names_fold_case_width_and_spaces() {
        let a = OrganizationName::parse("n", " Zhejiang  University ").unwrap();
        let b = OrganizationName::parse("n", "ＺＨＥＪＩＡＮＧ university").unwrap();
        assert_eq!(a.as_str(), "Zhejiang University");
        assert_eq!(a.unique_key(), b.unique_key());
        let c = OrganizationName::parse("n", "浙江大学").unwrap();
        assert_ne!(a.unique_key(), c.unique_key());
    }

    #[test]
    fn roles_belong_to_fitting_organization_kinds() {
        assert!(OrganizationKind::University.admits(Role::Researcher));
        assert!(!OrganizationKind::Company.admits(Role::Researcher));
        assert!(OrganizationKind::Company.admits(Role::Company));
        assert!(!OrganizationKind::Institute.admits(Role::Company));
        assert!(OrganizationKind::Agency.admits(Role::LiaisonOfficer));
        assert!(OrganizationKind::Agency.admits(Role::Broker));
        assert!(!OrganizationKind::Company.admits(Role::Broker));
    }
}
