//! The role-and-ownership access policy, as plain functions over plain data.
//!
//! Every protected use case names its [`Action`] and asks [`authorize`] before touching data.
//! Later capabilities add actions here; the matrix test below must then grow with them.

use crate::account::{Role, UserId};
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
    ListUsers,
    CreateUser {
        role: Role,
    },
    UpdateUser,
    ListOrganizations,
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
            Action::ListUsers,
            Action::UpdateUser,
            Action::ListOrganizations,
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
        Action::ReadOwnOrganization => actor.organization_id.is_some(),
        // Accounts of every role, staff included, are created and managed by admins only.
        Action::ListUsers | Action::CreateUser { .. } | Action::UpdateUser => actor.role == Role::Admin,
        Action::ListOrganizations => actor.role.is_staff(),
    };
    if allowed { Ok(()) } else { Err(AccessDenied::Forbidden) }
}

/// True when the actor acts for the organization that owns a resource, or is staff.
pub fn acts_for(actor: &Actor, owner_organization: OrganizationId) -> bool {
    actor.role.is_staff() || actor.organization_id == Some(owner_organization)
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
            (Action::ReadOwnAccount, &[Researcher, Company, LiaisonOfficer, Admin]),
            (Action::UpdateOwnAccount, &[Researcher, Company, LiaisonOfficer, Admin]),
            (Action::ChangeOwnPassword, &[Researcher, Company, LiaisonOfficer, Admin]),
            (Action::EndOwnSessions, &[Researcher, Company, LiaisonOfficer, Admin]),
            (Action::ReadOwnOrganization, &[Researcher, Company, LiaisonOfficer, Admin]),
            (Action::ListUsers, &[Admin]),
            (Action::UpdateUser, &[Admin]),
            (Action::ListOrganizations, &[LiaisonOfficer, Admin]),
            (Action::CreateUser { role: Researcher }, &[Admin]),
            (Action::CreateUser { role: Company }, &[Admin]),
            (Action::CreateUser { role: LiaisonOfficer }, &[Admin]),
            (Action::CreateUser { role: Admin }, &[Admin]),
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
    fn acting_for_an_organization() {
        assert!(acts_for(&actor(Role::Company), OrganizationId(7)));
        assert!(!acts_for(&actor(Role::Company), OrganizationId(8)));
        assert!(acts_for(&actor(Role::LiaisonOfficer), OrganizationId(8)));
    }
}
