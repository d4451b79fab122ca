//! A liaison officer's introduction of a research result to a technology need: both sides are
//! asked, and when both accept, a deal opens with the introducer attached.

use chrono::{DateTime, Utc};

use super::{DealId, InterestStatus};
use crate::access::Actor;
use crate::account::{Role, UserId};
use crate::listing::{NeedId, ResultId, id_type};
use crate::organization::OrganizationId;

use serde::{Deserialize, Serialize};
use std::fmt;

id_type!(IntroductionId);

/// One of the two sides of an introduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Research,
    Company,
}

/// A stored introduction. Each side's answer is `Open` until given; the introduction is
/// accepted when both accepted, declined as soon as one declined.
#[derive(Debug, Clone, PartialEq)]
pub struct Introduction {
    pub id: IntroductionId,
    pub result_id: ResultId,
    pub need_id: NeedId,
    pub research_organization: OrganizationId,
    pub company_organization: OrganizationId,
    pub introducer: UserId,
    /// Why the two should meet, in the introducer's words.
    pub note: String,
    pub research_answer: InterestStatus,
    pub company_answer: InterestStatus,
    pub created_at: DateTime<Utc>,
    pub deal_id: Option<DealId>,
}

impl Introduction {
    pub fn status(&self) -> InterestStatus {
        introduction_status(self.research_answer, self.company_answer)
    }

    /// The side `actor` answers for, if they are a member of one.
    pub fn side_of(&self, actor: &Actor) -> Option<Side> {
        if !matches!(actor.role, Role::Researcher | Role::Company) {
            return None;
        }
        if actor.organization_id == Some(self.research_organization) {
            Some(Side::Research)
        } else if actor.organization_id == Some(self.company_organization) {
            Some(Side::Company)
        } else {
            None
        }
    }

    /// The research side learns which company (and need) it is only once the company
    /// accepted: a confidential need's company stays unnamed until then.
    pub fn company_revealed_to_research(&self) -> bool {
        self.company_answer == InterestStatus::Accepted
    }
}

/// Where an introduction stands given both sides' answers: accepted when both accepted,
/// declined as soon as one declined, open otherwise.
pub fn introduction_status(research: InterestStatus, company: InterestStatus) -> InterestStatus {
    match (research, company) {
        (InterestStatus::Declined, _) | (_, InterestStatus::Declined) => InterestStatus::Declined,
        (InterestStatus::Accepted, InterestStatus::Accepted) => InterestStatus::Accepted,
        _ => InterestStatus::Open,
    }
}

/// Both sides' members, the introducer and staff see an introduction.
pub fn can_see_introduction(actor: &Actor, introduction: &Introduction) -> bool {
    actor.role.is_staff() || introduction.introducer == actor.user_id || introduction.side_of(actor).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn introduction(research: InterestStatus, company: InterestStatus) -> Introduction {
        Introduction {
            id: IntroductionId(1),
            result_id: ResultId(1),
            need_id: NeedId(2),
            research_organization: OrganizationId(10),
            company_organization: OrganizationId(20),
            introducer: UserId(5),
            note: "都在做电池正极".into(),
            research_answer: research,
            company_answer: company,
            created_at: Utc::now(),
            deal_id: None,
        }
    }

    #[test]
    fn both_must_accept_and_one_decline_ends_it() {
        use InterestStatus::{Accepted, Declined, Open};
        assert_eq!(introduction(Open, Open).status(), Open);
        assert_eq!(introduction(Accepted, Open).status(), Open);
        assert_eq!(introduction(Accepted, Accepted).status(), Accepted);
        assert_eq!(introduction(Declined, Accepted).status(), Declined);
        assert!(!introduction(Accepted, Open).company_revealed_to_research());
        assert!(introduction(Open, Accepted).company_revealed_to_research());
    }

    #[test]
    fn members_answer_for_their_side_and_others_only_look() {
        let intro = introduction(InterestStatus::Open, InterestStatus::Open);
        let member = |role, organization| Actor {
            user_id: UserId(9),
            role,
            organization_id: Some(OrganizationId(organization)),
        };
        assert_eq!(intro.side_of(&member(Role::Researcher, 10)), Some(Side::Research));
        assert_eq!(intro.side_of(&member(Role::Company, 20)), Some(Side::Company));
        assert_eq!(intro.side_of(&member(Role::Company, 30)), None);
        assert!(!can_see_introduction(&member(Role::Company, 30), &intro));
        let officer = Actor { user_id: UserId(5), role: Role::LiaisonOfficer, organization_id: None };
        assert!(can_see_introduction(&officer, &intro) && intro.side_of(&officer).is_none());
    }
}
