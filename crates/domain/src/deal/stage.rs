//! A deal between a research side and a company side about a result and/or a need: its stage,
//! the rules for moving it, and its timeline.

use chrono::{DateTime, NaiveDate, Utc};

use super::{CloseReason, ContractType, CreditCode, DealId, DealOrigin, DealStage, InterestId};
use crate::access::Actor;
use crate::account::{Role, UserId};
use crate::listing::{NeedId, ResultId, parse_short_text};
use crate::organization::OrganizationId;
use crate::validation::{FieldError, ValidationErrors};

/// A stored deal.
#[derive(Debug, Clone, PartialEq)]
pub struct Deal {
    pub id: DealId,
    pub result_id: Option<ResultId>,
    pub need_id: Option<NeedId>,
    pub research_organization: OrganizationId,
    pub company_organization: OrganizationId,
    pub stage: DealStage,
    pub close_reason: Option<CloseReason>,
    pub origin: DealOrigin,
    pub introducer: Option<UserId>,
    pub interest_id: Option<InterestId>,
    pub contract_type: Option<ContractType>,
    pub contract_amount_yuan: Option<i64>,
    pub contract_date: Option<NaiveDate>,
    /// The research side's and the company side's codes, as recorded with the contract.
    pub seller_credit_code: Option<CreditCode>,
    pub buyer_credit_code: Option<CreditCode>,
    /// Whether the buyer (the company side) is in the platform's own region, when signed.
    pub buyer_local: Option<bool>,
    pub registration_number: Option<String>,
    pub registration_date: Option<NaiveDate>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One change in a deal's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct DealEvent {
    pub at: DateTime<Utc>,
    pub actor: UserId,
    pub from: Option<DealStage>,
    pub to: DealStage,
    pub note: Option<String>,
}

/// Why a stage cannot follow the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The deal is closed or its contract registered: nothing follows.
    Finished,
    /// Stages move forward only, and a contract is registered only once it is signed.
    NotForward,
    /// Registering a contract is the tech-transfer office's record (staff).
    StaffOnly,
}

impl DealStage {
    /// The order of the stages (closed last).
    pub fn rank(self) -> u8 {
        match self {
            DealStage::Introduced => 0,
            DealStage::InTalks => 1,
            DealStage::NdaSigned => 2,
            DealStage::IntentSigned => 3,
            DealStage::ContractSigned => 4,
            DealStage::ContractRegistered => 5,
            DealStage::Closed => 6,
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, DealStage::Closed | DealStage::ContractRegistered)
    }
}

impl Deal {
    /// Whether `actor` may move this deal from its stage to `to`.
    pub fn transition(&self, actor: &Actor, to: DealStage) -> Result<(), Transition> {
        if self.stage.is_finished() {
            return Err(Transition::Finished);
        }
        match to {
            DealStage::Closed => Ok(()),
            DealStage::ContractRegistered if self.stage != DealStage::ContractSigned => Err(Transition::NotForward),
            DealStage::ContractRegistered if !actor.role.is_staff() => Err(Transition::StaffOnly),
            _ if to.rank() <= self.stage.rank() => Err(Transition::NotForward),
            _ => Ok(()),
        }
    }
}

/// A requested change, as received.
#[derive(Debug, Clone, Default)]
pub struct DealChangeInput {
    pub stage: String,
    pub note: Option<String>,
    pub close_reason: Option<String>,
    pub contract_type: Option<String>,
    pub contract_amount_yuan: Option<i64>,
    pub contract_date: Option<String>,
    pub seller_credit_code: Option<String>,
    pub buyer_credit_code: Option<String>,
    pub registration_number: Option<String>,
    pub registration_date: Option<String>,
}

/// A change as parsed. A signed contract carries its type, a positive amount and a signing
/// date that has come (and the parties' credit codes when known); a registration its number
/// and date (and codes still missing); a close its reason; other stages none of these.
#[derive(Debug, Clone, PartialEq)]
pub struct DealChange {
    pub stage: DealStage,
    pub note: Option<String>,
    pub close_reason: Option<CloseReason>,
    pub contract_type: Option<ContractType>,
    pub contract_amount_yuan: Option<i64>,
    pub contract_date: Option<NaiveDate>,
    pub seller_credit_code: Option<CreditCode>,
    pub buyer_credit_code: Option<CreditCode>,
    pub registration_number: Option<String>,
    pub registration_date: Option<NaiveDate>,
}

fn given(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|value| !value.is_empty())
}

fn past_date(errors: &mut ValidationErrors, field: &str, raw: Option<&str>, today: NaiveDate) -> Option<NaiveDate> {
    let raw = raw?;
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(date) if date > today => {
            errors.push(FieldError::new(field, "date_in_future", "must not be in the future"));
            None
        }
        Ok(date) => Some(date),
        Err(_) => {
            errors.push(FieldError::new(field, "invalid_date", "must be a date like 2026-12-01"));
            None
        }
    }
}

impl DealChange {
    pub fn parse(input: &DealChangeInput, today: NaiveDate) -> Result<DealChange, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let stage = errors.collect(DealStage::parse("stage", &input.stage));
        let note = given(&input.note).and_then(|note| errors.collect(parse_short_text("note", note, 2000)));
        let close_reason =
            given(&input.close_reason).and_then(|reason| errors.collect(CloseReason::parse("close_reason", reason)));
        let contract_type =
            given(&input.contract_type).and_then(|kind| errors.collect(ContractType::parse("contract_type", kind)));
        let contract_date = past_date(&mut errors, "contract_date", given(&input.contract_date), today);
        let registration_date = past_date(&mut errors, "registration_date", given(&input.registration_date), today);
        let seller_credit_code = given(&input.seller_credit_code)
            .and_then(|code| errors.collect(CreditCode::parse("seller_credit_code", code)));
        let buyer_credit_code = given(&input.buyer_credit_code)
            .and_then(|code| errors.collect(CreditCode::parse("buyer_credit_code", code)));
        let registration_number = given(&input.registration_number)
            .and_then(|number| errors.collect(parse_short_text("registration_number", number, 64)));
        let amount = input.contract_amount_yuan;
        if let Some(stage) = stage {
            let contract = stage == DealStage::ContractSigned;
            let registration = stage == DealStage::ContractRegistered;
            let mut require = |present: bool, field: &str, what: &str| {
                if !present {
                    errors.push(FieldError::new(field, "required", format!("is required {what}")));
                }
            };
            if contract {
                require(given(&input.contract_type).is_some(), "contract_type", "for a contract");
                require(amount.is_some(), "contract_amount_yuan", "for a contract");
                require(given(&input.contract_date).is_some(), "contract_date", "for a contract");
            }
            if registration {
                require(given(&input.registration_number).is_some(), "registration_number", "for a registration");
                require(given(&input.registration_date).is_some(), "registration_date", "for a registration");
            }
            if stage == DealStage::Closed {
                require(given(&input.close_reason).is_some(), "close_reason", "to close a deal");
            }
            if amount.is_some_and(|amount| amount <= 0) && contract {
                errors.push(FieldError::new("contract_amount_yuan", "not_positive", "must be above 0"));
            }
            let mut refuse = |present: bool, field: &str, code: &'static str, message: &str| {
                if present {
                    errors.push(FieldError::new(field, code, message));
                }
            };
            let contract_fields = input.contract_type.is_some() || amount.is_some() || input.contract_date.is_some();
            refuse(
                !contract && contract_fields,
                "contract_amount_yuan",
                "not_a_contract",
                "type, amount and date belong to a signed contract",
            );
            let registration_fields = input.registration_number.is_some() || input.registration_date.is_some();
            refuse(
                !registration && registration_fields,
                "registration_number",
                "not_a_registration",
                "number and date belong to a registration",
            );
            let codes = input.seller_credit_code.is_some() || input.buyer_credit_code.is_some();
            refuse(
                !contract && !registration && codes,
                "seller_credit_code",
                "not_a_contract",
                "credit codes belong to a contract",
            );
            refuse(
                stage != DealStage::Closed && input.close_reason.is_some(),
                "close_reason",
                "not_closing",
                "a reason belongs to closing the deal",
            );
        }
        errors.into_result()?;
        let Some(stage) = stage else {
            return Err(ValidationErrors::single(FieldError::new("stage", "required", "is required")));
        };
        Ok(DealChange {
            stage,
            note,
            close_reason,
            contract_type,
            contract_amount_yuan: amount,
            contract_date,
            seller_credit_code,
            buyer_credit_code,
            registration_number,
            registration_date,
        })
    }
}

/// The two parties' organizations, the introducer and staff see a deal.
pub fn can_see_deal(actor: &Actor, deal: &Deal) -> bool {
    actor.role.is_staff()
        || deal.introducer == Some(actor.user_id)
        || (matches!(actor.role, Role::Researcher | Role::Company)
            && (actor.organization_id == Some(deal.research_organization)
                || actor.organization_id == Some(deal.company_organization)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn deal(stage: DealStage) -> Deal {
        let now = Utc::now();
        Deal {
            id: DealId(1),
            result_id: Some(ResultId(1)),
            need_id: None,
            research_organization: OrganizationId(1),
            company_organization: OrganizationId(2),
            stage,
            close_reason: None,
            origin: DealOrigin::InterestFromSearch,
            introducer: None,
            interest_id: Some(InterestId(1)),
            contract_type: None,
            contract_amount_yuan: None,
            contract_date: None,
            seller_credit_code: None,
            buyer_credit_code: None,
            buyer_local: None,
            registration_number: None,
            registration_date: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    fn actor(role: Role, organization: i64) -> Actor {
        Actor { user_id: UserId(9), role, organization_id: Some(OrganizationId(organization)) }
    }

    #[test]
    fn stages_move_forward_skipping_the_nda_and_close_from_anywhere_unfinished() {
        let party = actor(Role::Company, 2);
        let staff = actor(Role::LiaisonOfficer, 5);
        assert_eq!(deal(DealStage::InTalks).transition(&party, DealStage::IntentSigned), Ok(()));
        assert_eq!(deal(DealStage::IntentSigned).transition(&party, DealStage::NdaSigned), Err(Transition::NotForward));
        assert_eq!(deal(DealStage::InTalks).transition(&party, DealStage::InTalks), Err(Transition::NotForward));
        assert_eq!(deal(DealStage::NdaSigned).transition(&party, DealStage::Closed), Ok(()));
        assert_eq!(deal(DealStage::Closed).transition(&staff, DealStage::InTalks), Err(Transition::Finished));
        assert_eq!(
            deal(DealStage::IntentSigned).transition(&staff, DealStage::ContractRegistered),
            Err(Transition::NotForward),
            "registered only once signed"
        );
        assert_eq!(
            deal(DealStage::ContractSigned).transition(&party, DealStage::ContractRegistered),
            Err(Transition::StaffOnly)
        );
        assert_eq!(deal(DealStage::ContractSigned).transition(&staff, DealStage::ContractRegistered), Ok(()));
        assert_eq!(
            deal(DealStage::ContractRegistered).transition(&staff, DealStage::Closed),
            Err(Transition::Finished)
        );
    }

    #[test]
    fn a_contract_has_its_type_a_positive_amount_and_a_date_that_has_come() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let change = |stage: &str, amount: Option<i64>, date: Option<&str>| DealChangeInput {
            stage: stage.into(),
            contract_type: (stage == "contract_signed").then(|| "technology_transfer".to_owned()),
            contract_amount_yuan: amount,
            contract_date: date.map(str::to_owned),
            ..DealChangeInput::default()
        };
        let signed = DealChange::parse(
            &DealChangeInput {
                seller_credit_code: Some("91440300708461136t".into()),
                ..change("contract_signed", Some(800_000), Some("2026-12-01"))
            },
            today,
        )
        .unwrap();
        assert_eq!(signed.contract_amount_yuan, Some(800_000));
        assert_eq!(signed.contract_type, Some(ContractType::Transfer));
        assert_eq!(signed.seller_credit_code.unwrap().as_str(), "91440300708461136T");
        let codes = |input: DealChangeInput| -> Vec<&'static str> {
            DealChange::parse(&input, today).unwrap_err().0.into_iter().map(|error| error.code).collect()
        };
        assert_eq!(codes(change("contract_signed", Some(0), Some("2026-12-04"))), ["date_in_future", "not_positive"]);
        assert_eq!(codes(change("contract_signed", None, None)), ["required", "required"]);
        assert_eq!(
            codes(DealChangeInput { contract_type: None, ..change("contract_signed", Some(5), Some("2026-12-01")) }),
            ["required"]
        );
        assert_eq!(
            codes(DealChangeInput {
                buyer_credit_code: Some("91440300708461136A".into()),
                ..change("contract_signed", Some(5), Some("2026-12-01"))
            }),
            ["credit_code_check"]
        );
        assert_eq!(codes(change("in_talks", Some(5), None)), ["not_a_contract"]);
        assert_eq!(codes(change("closed", None, None)), ["required"]);
        let closed = DealChangeInput { close_reason: Some("price".into()), ..change("closed", None, None) };
        assert_eq!(DealChange::parse(&closed, today).unwrap().close_reason, Some(CloseReason::Price));
        let reason_elsewhere = DealChangeInput { close_reason: Some("price".into()), ..change("in_talks", None, None) };
        assert_eq!(codes(reason_elsewhere), ["not_closing"]);
        let registration = |number: Option<&str>, date: Option<&str>| DealChangeInput {
            stage: "contract_registered".into(),
            registration_number: number.map(str::to_owned),
            registration_date: date.map(str::to_owned),
            ..DealChangeInput::default()
        };
        let registered = DealChange::parse(&registration(Some("2026420100001234"), Some("2026-12-02")), today).unwrap();
        assert_eq!(registered.registration_number.as_deref(), Some("2026420100001234"));
        assert_eq!(codes(registration(None, Some("2026-12-09"))), ["date_in_future", "required"]);
        assert_eq!(
            codes(DealChangeInput { stage: "in_talks".into(), ..registration(Some("1"), None) }),
            ["not_a_registration"]
        );
    }

    #[test]
    fn parties_the_introducer_and_staff_see_a_deal() {
        let mut introduced = deal(DealStage::Introduced);
        assert!(can_see_deal(&actor(Role::Researcher, 1), &introduced));
        assert!(can_see_deal(&actor(Role::Company, 2), &introduced));
        assert!(!can_see_deal(&actor(Role::Company, 3), &introduced));
        assert!(can_see_deal(&actor(Role::Admin, 3), &introduced));
        let broker = Actor { user_id: UserId(42), role: Role::Company, organization_id: Some(OrganizationId(8)) };
        assert!(!can_see_deal(&broker, &introduced));
        introduced.introducer = Some(UserId(42));
        assert!(can_see_deal(&broker, &introduced));
    }
}
