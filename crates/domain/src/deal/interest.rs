//! An expression of interest: a company user in a research result, or a researcher in a
//! technology need, writes to its poster, who accepts (which opens a deal and shows both sides'
//! contacts) or declines with a reason. Unanswered, it is reminded once and then expires.

use chrono::{DateTime, Utc};

use super::{DealId, DeclineReason, FoundVia, InterestId, InterestPurpose, InterestStatus, ListingRef};
use crate::access::Actor;
use crate::account::{Role, UserId};
use crate::listing::{LongText, parse_short_text};
use crate::organization::OrganizationId;
use crate::validation::{FieldError, ValidationErrors};

/// What a sender writes, as received.
#[derive(Debug, Clone, Default)]
pub struct InterestInput {
    pub listing_kind: String,
    pub listing_id: i64,
    pub purpose: String,
    pub message: String,
    /// The sender's own listing it relates to (of the other kind).
    pub related_kind: Option<String>,
    pub related_id: Option<i64>,
    /// `match` or `search` (the default): where the sender found the listing.
    pub found_via: Option<String>,
}

/// An interest as parsed, before it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInterest {
    pub listing: ListingRef,
    pub purpose: InterestPurpose,
    pub message: LongText,
    pub related: Option<ListingRef>,
    pub found_via: FoundVia,
}

impl NewInterest {
    pub fn parse(input: &InterestInput) -> Result<NewInterest, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let listing = errors.collect(ListingRef::parse("listing_kind", &input.listing_kind, input.listing_id));
        let purpose = errors.collect(InterestPurpose::parse("purpose", &input.purpose));
        let message = errors.collect(LongText::parse("message", &input.message));
        let found_via = match input.found_via.as_deref() {
            None => Some(FoundVia::Search),
            Some(raw) => errors.collect(FoundVia::parse("found_via", raw)),
        };
        let related = match (input.related_kind.as_deref(), input.related_id) {
            (None, None) => Some(None),
            (Some(kind), Some(id)) => errors.collect(ListingRef::parse("related_kind", kind, id)).map(Some),
            _ => {
                errors.push(FieldError::new("related_id", "incomplete", "give both related_kind and related_id"));
                None
            }
        };
        if let (Some(listing), Some(Some(related))) = (listing, related)
            && listing.kind() == related.kind()
        {
            errors.push(FieldError::new(
                "related_kind",
                "same_kind",
                "the related listing is the sender's own, of the other kind (a need for a result, a result for a need)",
            ));
        }
        errors.into_result()?;
        match (listing, purpose, message, related, found_via) {
            (Some(listing), Some(purpose), Some(message), Some(related), Some(found_via)) => {
                Ok(NewInterest { listing, purpose, message, related, found_via })
            }
            _ => Err(ValidationErrors::single(FieldError::new("listing_kind", "required", "is required"))),
        }
    }
}

/// Whether `role` may express interest in this kind of listing: companies in results,
/// researchers in needs (open challenges included).
pub fn may_express_interest_in(role: Role, listing: ListingRef) -> bool {
    matches!((role, listing), (Role::Company, ListingRef::Result(_)) | (Role::Researcher, ListingRef::Need(_)))
}

/// A poster's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum InterestAnswer {
    Accept { note: Option<String> },
    Decline { reason: DeclineReason, note: Option<String> },
}

impl InterestAnswer {
    /// `decision` is `accept` or `decline`; a decline needs its reason.
    pub fn parse(decision: &str, reason: Option<&str>, note: Option<&str>) -> Result<InterestAnswer, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let note = match note.map(str::trim).filter(|note| !note.is_empty()) {
            Some(note) => errors.collect(parse_short_text("note", note, 1000)).map(Some),
            None => Some(None),
        };
        let answer = match decision.trim() {
            "accept" => {
                if reason.is_some_and(|reason| !reason.trim().is_empty()) {
                    errors.push(FieldError::new("reason", "not_a_decline", "a reason belongs to a decline"));
                }
                note.clone().map(|note| InterestAnswer::Accept { note })
            }
            "decline" => match reason.map(str::trim).filter(|reason| !reason.is_empty()) {
                Some(reason) => {
                    let reason = errors.collect(DeclineReason::parse("reason", reason));
                    reason.zip(note.clone()).map(|(reason, note)| InterestAnswer::Decline { reason, note })
                }
                None => {
                    errors.push(FieldError::new("reason", "required", "a decline gives its reason"));
                    None
                }
            },
            _ => {
                errors.push(FieldError::new("decision", "invalid_decision", "must be one of: accept, decline"));
                None
            }
        };
        errors.into_result()?;
        answer.ok_or_else(|| ValidationErrors::single(FieldError::new("decision", "required", "is required")))
    }
}

/// A stored interest.
#[derive(Debug, Clone, PartialEq)]
pub struct Interest {
    pub id: InterestId,
    pub listing: ListingRef,
    /// The poster of the listing, who answers.
    pub listing_organization: OrganizationId,
    /// Who was told of it: the listing's owner when it was sent.
    pub recipient: UserId,
    pub sender: UserId,
    pub sender_organization: OrganizationId,
    pub purpose: InterestPurpose,
    pub message: String,
    pub related: Option<ListingRef>,
    pub found_via: FoundVia,
    pub status: InterestStatus,
    pub decline_reason: Option<DeclineReason>,
    pub answer_note: Option<String>,
    pub answered_by: Option<UserId>,
    pub answered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// When the poster is reminded, if not yet.
    pub remind_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub deal_id: Option<DealId>,
}

impl Interest {
    /// The status as of `now`: an open interest whose time has run out is expired, whether or
    /// not the sweep has recorded it yet.
    pub fn status_at(&self, now: DateTime<Utc>) -> InterestStatus {
        if self.status == InterestStatus::Open && now >= self.expires_at {
            InterestStatus::Expired
        } else {
            self.status
        }
    }
}

/// The sender's and the poster's organizations see an interest; staff see every one.
pub fn can_see_interest(actor: &Actor, interest: &Interest) -> bool {
    actor.role.is_staff()
        || actor.organization_id == Some(interest.sender_organization)
        || actor.organization_id == Some(interest.listing_organization)
}

/// The poster's members answer (staff introduce pairs instead of answering for a party).
pub fn can_answer_interest(actor: &Actor, interest: &Interest) -> bool {
    matches!(actor.role, Role::Researcher | Role::Company)
        && actor.organization_id == Some(interest.listing_organization)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::listing::{NeedId, ResultId};

    fn input() -> InterestInput {
        InterestInput {
            listing_kind: "result".into(),
            listing_id: 7,
            purpose: "license".into(),
            message: "我们想许可使用这项电池正极包覆技术。".into(),
            related_kind: Some("need".into()),
            related_id: Some(3),
            found_via: None,
        }
    }

    #[test]
    fn an_interest_names_its_listing_purpose_message_and_related_listing() {
        let parsed = NewInterest::parse(&input()).unwrap();
        assert_eq!(parsed.listing, ListingRef::Result(ResultId(7)));
        assert_eq!(parsed.related, Some(ListingRef::Need(NeedId(3))));
        assert_eq!(parsed.found_via, FoundVia::Search, "unsaid, a listing was found by searching");
        let from_match = InterestInput { found_via: Some("match".into()), ..input() };
        assert_eq!(
            NewInterest::parse(&from_match).unwrap().found_via.deal_origin(),
            super::super::DealOrigin::InterestFromMatch
        );
        let nowhere = InterestInput { found_via: Some("rumour".into()), ..input() };
        assert_eq!(NewInterest::parse(&nowhere).unwrap_err().0[0].code, "invalid_found_via");
        let bad = InterestInput {
            listing_kind: "patent".into(),
            purpose: "buy".into(),
            message: "短".into(),
            related_id: None,
            ..input()
        };
        let fields: Vec<_> = NewInterest::parse(&bad).unwrap_err().0.into_iter().map(|error| error.field).collect();
        assert_eq!(fields, ["listing_kind", "purpose", "message", "related_id"]);
        let same = InterestInput { related_kind: Some("result".into()), ..input() };
        assert_eq!(NewInterest::parse(&same).unwrap_err().0[0].code, "same_kind");
    }

    #[test]
    fn companies_write_to_results_and_researchers_to_needs() {
        assert!(may_express_interest_in(Role::Company, ListingRef::Result(ResultId(1))));
        assert!(may_express_interest_in(Role::Researcher, ListingRef::Need(NeedId(1))));
        assert!(!may_express_interest_in(Role::Researcher, ListingRef::Result(ResultId(1))));
        assert!(!may_express_interest_in(Role::LiaisonOfficer, ListingRef::Need(NeedId(1))));
    }

    #[test]
    fn answers_accept_or_decline_with_a_reason() {
        assert_eq!(InterestAnswer::parse("accept", None, Some(" ")).unwrap(), InterestAnswer::Accept { note: None });
        assert_eq!(
            InterestAnswer::parse("decline", Some("too_early"), Some("等中试后再谈")).unwrap(),
            InterestAnswer::Decline { reason: DeclineReason::TooEarly, note: Some("等中试后再谈".into()) }
        );
        assert_eq!(InterestAnswer::parse("decline", None, None).unwrap_err().0[0].code, "required");
        assert_eq!(
            InterestAnswer::parse("decline", Some("rude"), None).unwrap_err().0[0].code,
            "invalid_decline_reason"
        );
        assert_eq!(InterestAnswer::parse("accept", Some("price"), None).unwrap_err().0[0].code, "not_a_decline");
        assert_eq!(InterestAnswer::parse("maybe", None, None).unwrap_err().0[0].code, "invalid_decision");
    }
}
