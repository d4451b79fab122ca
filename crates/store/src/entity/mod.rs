//! sea-orm entities. They never leave this crate: queries convert them to domain types.

pub mod organization;
pub mod user;
