//! A deal between a research side and a company side about a result and/or a need: its stage,
//! the rules for moving it, and its timeline.

use chrono::{DateTime, NaiveDate, Utc};

use super::{CloseReason, DealId, DealOrigin, DealStage, InterestId};
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
    pub contract_amount_yuan: Option<i64>,
    pub contract_date: Option<NaiveDate>,
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
    fn rank(self) -> u8 {
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
    pub contract_amount_yuan: Option<i64>,
    pub contract_date: Option<String>,
}

/// A change as parsed: a signed contract carries its amount and a date that has come; a close
/// carries its reason; other stages carry neither.
#[derive(Debug, Clone, PartialEq)]
pub struct DealChange {
    pub stage: DealStage,
    pub note: Option<String>,
    pub close_reason: Option<CloseReason>,
    pub contract_amount_yuan: Option<i64>,
    pub contract_date: Option<NaiveDate>,
}

impl DealChange {
    pub fn parse(input: &DealChangeInput, today: NaiveDate) -> Result<DealChange, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let stage = errors.collect(DealStage::parse("stage", &input.stage));
        let note = match input.note.as_deref().map(str::trim).filter(|note| !note.is_empty()) {
            Some(note) => errors.collect(parse_short_text("note", note, 2000)),
            None => None,
        };
        let close_reason = match input.close_reason.as_deref().map(str::trim).filter(|reason| !reason.is_empty()) {
            Some(reason) => errors.collect(CloseReason::parse("close_reason", reason)),
            None => None,
        };
        let contract_date = match input.contract_date.as_deref().map(str::trim).filter(|date| !date.is_empty()) {
            Some(raw) => match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(date) if date > today => {
                    errors.push(FieldError::new("contract_date", "date_in_future", "must not be in the future"));
                    None
                }
                Ok(date) => Some(date),
                Err(_) => {
                    errors.push(FieldError::new("contract_date", "invalid_date", "must be a date like 2026-12-01"));
                    None
                }
            },
            None => None,
        };
        let amount = input.contract_amount_yuan;
        if let Some(stage) = stage {
            if stage == DealStage::ContractSigned {
                match amount {
                    Some(amount) if amount > 0 => {}
                    Some(_) => errors.push(FieldError::new("contract_amount_yuan", "not_positive", "must be above 0")),
                    None => {
                        errors.push(FieldError::new("contract_amount_yuan", "required", "is required for a contract"))
                    }
                }
                if contract_date.is_none() && input.contract_date.as_deref().is_none_or(|date| date.trim().is_empty()) {
                    errors.push(FieldError::new("contract_date", "required", "is required for a contract"));
                }
            } else if amount.is_some() || input.contract_date.is_some() {
                errors.push(FieldError::new(
                    "contract_amount_yuan",
                    "not_a_contract",
                    "amount and date belong to a signed contract",
                ));
            }
            if stage == DealStage::Closed {
                if close_reason.is_none() && input.close_reason.as_deref().is_none_or(|reason| reason.trim().is_empty())
                {
                    errors.push(FieldError::new("close_reason", "required", "a closed deal gives its reason"));
                }
            } else if input.close_reason.is_some() {
                errors.push(FieldError::new("close_reason", "not_closing", "a reason belongs to closing the deal"));
            }
        }
        errors.into_result()?;
        match stage {
            Some(stage) => Ok(DealChange { stage, note, close_reason, contract_amount_yuan: amount, contract_date }),
            None => Err(ValidationErrors::single(FieldError::new("stage", "required", "is required"))),
        }
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
            origin: DealOrigin::Interest,
            introducer: None,
            interest_id: Some(InterestId(1)),
            contract_amount_yuan: None,
            contract_date: None,
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
    fn a_contract_has_a_positive_amount_and_a_date_that_has_come() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let change = |stage: &str, amount: Option<i64>, date: Option<&str>| DealChangeInput {
            stage: stage.into(),
            contract_amount_yuan: amount,
            contract_date: date.map(str::to_owned),
            ..DealChangeInput::default()
        };
        let signed = DealChange::parse(&change("contract_signed", Some(800_000), Some("2026-12-01")), today).unwrap();
        assert_eq!(signed.contract_amount_yuan, Some(800_000));
        let codes = |input: DealChangeInput| -> Vec<&'static str> {
            DealChange::parse(&input, today).unwrap_err().0.into_iter().map(|error| error.code).collect()
        };
        assert_eq!(codes(change("contract_signed", Some(0), Some("2026-12-04"))), ["date_in_future", "not_positive"]);
        assert_eq!(codes(change("contract_signed", None, None)), ["required", "required"]);
        assert_eq!(codes(change("in_talks", Some(5), None)), ["not_a_contract"]);
        assert_eq!(codes(change("closed", None, None)), ["required"]);
        let closed = DealChangeInput { close_reason: Some("price".into()), ..change("closed", None, None) };
        assert_eq!(DealChange::parse(&closed, today).unwrap().close_reason, Some(CloseReason::Price));
        let reason_elsewhere = DealChangeInput { close_reason: Some("price".into()), ..change("in_talks", None, None) };
        assert_eq!(codes(reason_elsewhere), ["not_closing"]);
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
