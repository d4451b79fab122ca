//! Domain types of techmatch: identifiers, validated values, roles and the access policy.
//!
//! Nothing here performs IO. Values are parsed once at the edge (`EmailAddress::parse`,
//! `RegionCode::parse`, ...) so that the layers below can trust them.

pub mod access;
pub mod account;
pub mod contact;
pub mod deal;
pub mod event;
pub mod industry;
pub mod listing;
pub mod money;
pub mod organization;
pub mod spreadsheet;
pub mod validation;

pub use access::{AccessDenied, Action, Actor, Viewer, authorize};
pub use account::{DisplayName, EmailAddress, Language, NewPassword, Role, SelfServiceRole, UserAccount, UserId};
pub use contact::{ContactInput, ContactPerson, OrganizationProfile, OrganizationProfileInput, PhoneNumber};
pub use money::grouped_thousands;
pub use organization::{JoinCode, Organization, OrganizationId, OrganizationKind, OrganizationName, RegionCode};
pub use validation::{FieldError, ValidationErrors};
