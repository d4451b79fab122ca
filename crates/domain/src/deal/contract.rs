//! A deal's contract as China's technology contract registration records it: its type, amount
//! and signing date, both parties' unified social credit codes, and the registration.

use std::fmt;

use crate::listing::vocabulary;
use crate::validation::FieldError;

vocabulary!(
    /// The five categories of technology contract the registration counts.
    ContractType, "invalid_contract_type", {
        Development => "technology_development",
        Transfer => "technology_transfer",
        License => "technology_license",
        Consulting => "technology_consulting",
        Service => "technology_service",
    }
);

/// A unified social credit code (GB 32100-2015): 18 characters from the 31 the standard uses
/// (digits and capitals without I, O, S, V and Z), the last one a check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

const CODE_CHARACTERS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CODE_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

impl CreditCode {
    pub const LENGTH: usize = 18;

    /// Upper-cases and checks a code; a wrong last character is a mistyped code.
    pub fn parse(field: &str, raw: &str) -> Result<CreditCode, FieldError> {
        let code = raw.trim().to_ascii_uppercase();
        let values: Option<Vec<u32>> =
            code.chars().map(|c| CODE_CHARACTERS.find(c).and_then(|index| u32::try_from(index).ok())).collect();
        let Some(values) = values.filter(|values| values.len() == Self::LENGTH) else {
            return Err(FieldError::new(
                field,
                "invalid_credit_code",
                "must be 18 characters: digits and capital letters other than I, O, S, V and Z",
            ));
        };
        let sum: u32 = values.iter().zip(CODE_WEIGHTS).map(|(value, weight)| value * weight).sum();
        let check = (31 - sum % 31) % 31;
        if values[17] != check {
            return Err(FieldError::new(
                field,
                "credit_code_check",
                "the last character does not check: a typing error?",
            ));
        }
        Ok(CreditCode(code))
    }

    pub fn from_trusted(stored: String) -> CreditCode {
        CreditCode(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn credit_codes_carry_their_check_character() {
        for code in ["91350100M000100Y43", "91110000802100433B", "91440300708461136T", "91440300708461136t"] {
            assert_eq!(CreditCode::parse("c", code).unwrap().as_str(), code.to_ascii_uppercase());
        }
        assert_eq!(CreditCode::parse("c", "91440300708461136A").unwrap_err().code, "credit_code_check");
        for malformed in ["9144030070846113", "91440300708461136TT", "9144030070846113IT", ""] {
            assert_eq!(CreditCode::parse("c", malformed).unwrap_err().code, "invalid_credit_code", "{malformed}");
        }
    }
}
