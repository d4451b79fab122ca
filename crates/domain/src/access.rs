//! The role-and-ownership access policy, as plain functions over plain data.
//!
//! Every protected use case names its [`Action`] and asks [`authorize`] before touching data.
//! Later capabilities add actions here; the matrix test below must then grow with them.

use crate::account::{Role, UserId};
use crate::listing::{NeedStatus, ResultStatus};
use crate::organization::OrganizationId;

/// The authenticated caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
    pub organization_id: Option<OrganizationId>,
}

/// Something a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadOwnAccount,
    UpdateOwnAccount,
    ChangeOwnPassword,
    /// Log out: revokes every token issued so far.
    EndOwnSessions,
    ReadOwnOrganization,
    /// Its contact person and credit code: any of its members keeps them up to date.
    UpdateOwnOrganization,
    ListUsers,
    CreateUser {
        role: Role,
    },
    UpdateUser,
    ListOrganizations,
    /// Researchers post for their institution; staff post on an institution's behalf.
    CreateResearchResult,
    /// Company users post for their company; staff on a company's behalf.
    CreateTechNeed,
    /// Research teams answer open challenges.
    ApplyToChallenge,
    /// The platform-wide queue of suggested pairs, and decisions on them.
    ReviewSuggestions,
    /// Create and run events: approve registrations, schedule meetings, record outcomes.
    ManageEvents,
    /// Register for events with one's listings, request and answer meetings, rate them.
    TakePartInEvents,
    /// Platform statistics and the report sentence.
    ReadStatistics,
    /// Write to a listing's poster: companies about results, researchers about needs.
    ExpressInterest,
    /// Follow deals: one's own organization's, or (staff) every one.
    FollowDeals,
    /// Introduce a research result to a technology need (staff and brokers).
    IntroducePairs,
}

impl Action {
    /// Every action, with each role parameter expanded; used by the policy matrix tests.
    pub fn all() -> Vec<Action> {
        let mut actions = vec![
            Action::ReadOwnAccount,
            Action::UpdateOwnAccount,
            Action::ChangeOwnPassword,
            Action::EndOwnSessions,
            Action::ReadOwnOrganization,
            Action::UpdateOwnOrganization,
            Action::ListUsers,
            Action::UpdateUser,
            Action::ListOrganizations,
            Action::CreateResearchResult,
            Action::CreateTechNeed,
            Action::ApplyToChallenge,
            Action::ReviewSuggestions,
            Action::ManageEvents,
            Action::TakePartInEvents,
            Action::ReadStatistics,
            Action::ExpressInterest,
            Action::FollowDeals,
            Action::IntroducePairs,
        ];
        actions.extend(Role::ALL.into_iter().map(|role| Action::CreateUser { role }));
        actions
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessDenied {
    #[error("authentication required")]
    Unauthenticated,
    #[error("not allowed for this account")]
    Forbidden,
}

/// Decides whether `actor` (or an anonymous visitor, `None`) may perform `action`.
pub fn authorize(actor: Option<&Actor>, action: Action) -> Result<(), AccessDenied> {
    let Some(actor) = actor else {
        return Err(AccessDenied::Unauthenticated);
    };
    let allowed = match action {
        Action::ReadOwnAccount | Action::UpdateOwnAccount | Action::ChangeOwnPassword | Action::EndOwnSessions => true,
        Action::ReadOwnOrganization | Action::UpdateOwnOrganization => actor.organization_id.is_some(),
        // Accounts of every role, staff included, are created and managed by admins only.
        Action::ListUsers | Action::CreateUser { .. } | Action::UpdateUser => actor.role == Role::Admin,
        Action::ListOrganizations => actor.role.is_staff(),
        Action::CreateResearchResult => matches!(actor.role, Role::Researcher) || actor.role.is_staff(),
        Action::CreateTechNeed => matches!(actor.role, Role::Company) || actor.role.is_staff(),
        Action::ApplyToChallenge => actor.role == Role::Researcher,
        Action::ReviewSuggestions | Action::ManageEvents | Action::ReadStatistics => actor.role.is_staff(),
        Action::TakePartInEvents | Action::ExpressInterest => matches!(actor.role, Role::Researcher | Role::Company),
        Action::FollowDeals => true,
        Action::IntroducePairs => actor.role.introduces_pairs(),
    };
    if allowed { Ok(()) } else { Err(AccessDenied::Forbidden) }
}

/// True when the actor acts for the organization that owns a resource, or is staff.
pub fn acts_for(actor: &Actor, owner_organization: OrganizationId) -> bool {
    actor.role.is_staff() || actor.organization_id == Some(owner_organization)
}

/// Whose eyes a listing query is for. Lists, single reads, search hits, facet counts and
/// snippets all filter through this one value, so that they can never disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Anonymous,
    /// A researcher or company user: sees public listings plus everything of their organization.
    Member {
        user_id: UserId,
        organization_id: Option<OrganizationId>,
    },
    /// Liaison officers and admins see everything.
    Staff {
        user_id: UserId,
    },
}

impl Viewer {
    pub fn of(actor: Option<&Actor>) -> Viewer {
        match actor {
            None => Viewer::Anonymous,
            Some(actor) if actor.role.is_staff() => Viewer::Staff { user_id: actor.user_id },
            Some(actor) => Viewer::Member { user_id: actor.user_id, organization_id: actor.organization_id },
        }
    }

    /// The organization whose private listings this viewer sees, if any.
    pub fn own_organization(self) -> Option<OrganizationId> {
        match self {
            Viewer::Member { organization_id, .. } => organization_id,
            _ => None,
        }
    }

    pub fn is_staff(self) -> bool {
        matches!(self, Viewer::Staff { .. })
    }
}

/// Published results are public; drafts and archived ones only to their organization and staff.
pub fn can_view_result(viewer: Viewer, owner: OrganizationId, status: ResultStatus) -> bool {
    status == ResultStatus::Published || viewer.is_staff() || viewer.own_organization() == Some(owner)
}

/// Needs are public unless confidential or archived; those only to their organization and staff.
pub fn can_view_need(viewer: Viewer, owner: OrganizationId, status: NeedStatus, confidential: bool) -> bool {
    viewer.is_staff() || viewer.own_organization() == Some(owner) || (!confidential && status != NeedStatus::Archived)
}

/// A listing's matches are read by its organization, staff, and brokers looking for pairs to
/// introduce (a broker's matches hold only what the public sees).
pub fn can_read_matches(actor: &Actor, owner_organization: OrganizationId) -> bool {
    acts_for(actor, owner_organization) || actor.role == Role::Broker
}

/// Listings are edited by the user who posted them, and by staff.
pub fn can_edit_listing(actor: &Actor, owner: UserId) -> bool {
    actor.role.is_staff() || actor.user_id == owner
}

/// A listing's own contact person is seen by everyone who sees the listing when the poster
/// shows it, else only by the poster's organization and staff (and, through an accepted
/// interest, by the other side; see the interest's contacts).
pub fn can_see_listing_contact(viewer: Option<&Actor>, listing_organization: OrganizationId, public: bool) -> bool {
    public || viewer.is_some_and(|actor| acts_for(actor, listing_organization))
}

/// Applications to a challenge are seen and shortlisted by the need's organization and staff.
pub fn can_review_applications(actor: &Actor, need_organization: OrganizationId) -> bool {
    acts_for(actor, need_organization)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor { user_id: UserId(1), role, organization_id: Some(OrganizationId(7)) }
    }

    /// The whole matrix, written out by hand so that a change to the policy must change this
    /// table too.
    #[test]
    fn policy_matrix() {
        use Role::*;
        let expectations: Vec<(Action, &[Role])> = vec![
            (Action::ReadOwnAccount, &[Researcher, Company, LiaisonOfficer, Broker, Admin]),
            (Action::UpdateOwnAccount, &[Researcher, Company, LiaisonOfficer, Broker, Admin]),
            (Action::ChangeOwnPassword, &[Researcher, Company, LiaisonOfficer, Broker, Admin]),
            (Action::EndOwnSessions, &[Researcher, Company, LiaisonOfficer, Broker, Admin]),
            (Action::ReadOwnOrganization, &[Researcher, Company, LiaisonOfficer, Broker, Admin]),
            (Action::UpdateOwnOrganization, &[Researcher, Company, LiaisonOfficer, Broker, Admin]),
            (Action::ListUsers, &[Admin]),
            (Action::UpdateUser, &[Admin]),
            (Action::ListOrganizations, &[LiaisonOfficer, Admin]),
            (Action::CreateUser { role: Researcher }, &[Admin]),
            (Action::CreateUser { role: Company }, &[Admin]),
            (Action::CreateUser { role: LiaisonOfficer }, &[Admin]),
            (Action::CreateUser { role: Broker }, &[Admin]),
            (Action::CreateUser { role: Admin }, &[Admin]),
            (Action::CreateResearchResult, &[Researcher, LiaisonOfficer, Admin]),
            (Action::CreateTechNeed, &[Company, LiaisonOfficer, Admin]),
            (Action::ApplyToChallenge, &[Researcher]),
            (Action::ReviewSuggestions, &[LiaisonOfficer, Admin]),
            (Action::ManageEvents, &[LiaisonOfficer, Admin]),
            (Action::TakePartInEvents, &[Researcher, Company]),
            (Action::ReadStatistics, &[LiaisonOfficer, Admin]),
            (Action::ExpressInterest, &[Researcher, Company]),
            (Action::FollowDeals, &[Researcher, Company, LiaisonOfficer, Broker, Admin]),
            (Action::IntroducePairs, &[LiaisonOfficer, Broker, Admin]),
        ];
        assert_eq!(expectations.len(), Action::all().len(), "every action needs a row");
        for (action, allowed_roles) in expectations {
            assert_eq!(authorize(None, action), Err(AccessDenied::Unauthenticated), "{action:?} anonymous");
            for role in Role::ALL {
                let expected = if allowed_roles.contains(&role) { Ok(()) } else { Err(AccessDenied::Forbidden) };
                assert_eq!(authorize(Some(&actor(role)), action), expected, "{action:?} as {role}");
            }
        }
    }

    #[test]
    fn users_without_an_organization_have_none_to_read() {
        let admin = Actor { user_id: UserId(1), role: Role::Admin, organization_id: None };
        assert_eq!(authorize(Some(&admin), Action::ReadOwnOrganization), Err(AccessDenied::Forbidden));
    }

    #[test]
    fn listing_visibility_matrix() {
        let own = OrganizationId(7);
        let other = OrganizationId(8);
        let member = Viewer::of(Some(&actor(Role::Company)));
        let staff = Viewer::of(Some(&actor(Role::LiaisonOfficer)));
        for viewer in [Viewer::Anonymous, member, staff] {
            assert!(can_view_result(viewer, other, ResultStatus::Published));
            assert!(can_view_need(viewer, other, NeedStatus::Open, false));
        }
        assert!(!can_view_result(Viewer::Anonymous, own, ResultStatus::Draft));
        assert!(!can_view_result(member, other, ResultStatus::Draft));
        assert!(can_view_result(member, own, ResultStatus::Archived));
        assert!(can_view_result(staff, other, ResultStatus::Draft));
        // Confidential needs: own organization and staff only.
        assert!(!can_view_need(Viewer::Anonymous, other, NeedStatus::Open, true));
        assert!(!can_view_need(member, other, NeedStatus::Open, true));
        assert!(can_view_need(member, own, NeedStatus::Open, true));
        assert!(can_view_need(staff, other, NeedStatus::Open, true));
        assert!(!can_view_need(member, other, NeedStatus::Archived, false));
    }

    #[test]
    fn editing_and_reviewing() {
        let company = actor(Role::Company);
        assert!(can_edit_listing(&company, UserId(1)));
        assert!(!can_edit_listing(&company, UserId(2)));
        assert!(can_edit_listing(&actor(Role::Admin), UserId(2)));
        assert!(can_review_applications(&company, OrganizationId(7)));
        assert!(!can_review_applications(&company, OrganizationId(8)));
    }

    #[test]
    fn acting_for_an_organization() {
        assert!(acts_for(&actor(Role::Company), OrganizationId(7)));
        assert!(!acts_for(&actor(Role::Company), OrganizationId(8)));
        assert!(acts_for(&actor(Role::LiaisonOfficer), OrganizationId(8)));
        // A broker acts for nobody but reads matches to find pairs, and sees as the public does.
        assert!(!acts_for(&actor(Role::Broker), OrganizationId(8)));
        assert!(can_read_matches(&actor(Role::Broker), OrganizationId(8)));
        assert!(!can_read_matches(&actor(Role::Company), OrganizationId(8)));
        assert!(!Viewer::of(Some(&actor(Role::Broker))).is_staff());
    }
}
