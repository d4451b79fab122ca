//! What follows a match: a party's expression of interest in a listing (`interest`), and the
//! deal it opens, with its stages and their rules (`stage`), on the way to a contract as the
//! registration records it (`contract`).

mod contract;
mod interest;
mod introduction;
mod message;
mod stage;

pub use contract::{ContractType, CreditCode};
pub use interest::{
    Interest, InterestAnswer, InterestInput, NewInterest, can_answer_interest, can_see_interest,
    may_express_interest_in,
};
pub use introduction::{Introduction, IntroductionId, Side, can_see_introduction, introduction_status};
pub use message::{Message, MessageId, MessageText, Thread};
pub use stage::{Deal, DealChange, DealChangeInput, DealEvent, Transition, can_see_deal};

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::listing::{NeedId, ResultId, id_type, vocabulary};
use crate::validation::FieldError;

id_type!(InterestId);
id_type!(DealId);

/// The listing an interest or a deal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListingRef {
    Result(ResultId),
    Need(NeedId),
}

impl ListingRef {
    /// From the wire's kind (`result` or `need`) and id.
    pub fn parse(field: &str, kind: &str, id: i64) -> Result<ListingRef, FieldError> {
        match kind.trim() {
            "result" => Ok(ListingRef::Result(ResultId(id))),
            "need" => Ok(ListingRef::Need(NeedId(id))),
            _ => Err(FieldError::new(field, "invalid_listing_kind", "must be one of: result, need")),
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            ListingRef::Result(_) => "result",
            ListingRef::Need(_) => "need",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            ListingRef::Result(ResultId(id)) | ListingRef::Need(NeedId(id)) => id,
        }
    }
}

vocabulary!(
    /// What the sender of an interest has in mind.
    InterestPurpose, "invalid_interest_purpose", {
        License => "license",
        Assignment => "assignment",
        JointDevelopment => "joint_development",
        TechnicalService => "technical_service",
        Pilot => "pilot",
        Other => "other",
    }
);

vocabulary!(
    /// Why a poster declined an interest: a fixed list, so that declines can be counted and
    /// learned from.
    DeclineReason, "invalid_decline_reason", {
        NotOurField => "not_our_field",
        TooEarly => "too_early",
        Price => "price",
        AlreadyInTalks => "already_in_talks",
        Other => "other",
    }
);

vocabulary!(
    /// Where an interest stands. Only an open one can be answered; an open one expires when its
    /// time runs out unanswered.
    InterestStatus, "invalid_interest_status", {
        Open => "open",
        Accepted => "accepted",
        Declined => "declined",
        Expired => "expired",
    }
);

vocabulary!(
    /// How far a deal has come. Stages move forward only (an NDA may be skipped); a deal can be
    /// closed from any stage before the contract is registered.
    DealStage, "invalid_deal_stage", {
        Introduced => "introduced",
        InTalks => "in_talks",
        NdaSigned => "nda_signed",
        IntentSigned => "intent_signed",
        ContractSigned => "contract_signed",
        ContractRegistered => "contract_registered",
        Closed => "closed",
    }
);

vocabulary!(
    /// Where the sender of an interest found the listing: among the matches the platform
    /// proposed for a listing of theirs, or by searching and browsing.
    FoundVia, "invalid_found_via", {
        Match => "match",
        Search => "search",
    }
);

impl FoundVia {
    /// The origin of the deal an interest found this way opens.
    pub fn deal_origin(self) -> DealOrigin {
        match self {
            FoundVia::Match => DealOrigin::InterestFromMatch,
            FoundVia::Search => DealOrigin::InterestFromSearch,
        }
    }
}

vocabulary!(
    /// How a deal came about, for the funnel's origins: an interest sent from a match the
    /// platform proposed, or from a listing found by searching and browsing; an introduction;
    /// an event meeting.
    DealOrigin, "invalid_deal_origin", {
        InterestFromMatch => "interest_match",
        InterestFromSearch => "interest_search",
        Introduction => "introduction",
        EventMeeting => "event_meeting",
    }
);

vocabulary!(
    /// Why a deal ended without a registered contract.
    CloseReason, "invalid_close_reason", {
        NoAgreement => "no_agreement",
        Price => "price",
        NotFeasible => "not_feasible",
        Withdrawn => "withdrawn",
        Other => "other",
    }
);
