//! Schema migrations, applied in order by `techmatch migrate` and on `serve` start.
//!
//! Each capability adds its own tables as a new migration file; applied migrations are never
//! edited, since deployed databases have already run them.

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_organizations_and_users;
mod m20261127_000002_listings;
mod m20261127_000003_match_decisions;
mod m20261127_000004_decision_features;
mod m20261127_000005_stored_matches;
mod m20261127_000006_events;
mod m20261127_000007_presentations;
mod m20261127_000008_index_nodes;
mod m20261127_000009_login_events;
mod m20261127_000010_stored_match_first_found;
mod m20261127_000011_notification_mail;
mod m20261127_000012_decisions_by_result;
mod m20261203_000013_interests_and_deals;
mod m20261203_000014_meeting_outcomes_on_deals;
mod m20261204_000015_organization_contacts;
mod m20261204_000016_interface_languages;
mod m20261204_000017_pair_outcomes;
mod m20261206_000018_funnel_figures;
mod m20261206_000019_interests_found_via;
mod m20261206_000020_listing_contacts;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_organizations_and_users::Migration),
            Box::new(m20261127_000002_listings::Migration),
            Box::new(m20261127_000003_match_decisions::Migration),
            Box::new(m20261127_000004_decision_features::Migration),
            Box::new(m20261127_000005_stored_matches::Migration),
            Box::new(m20261127_000006_events::Migration),
            Box::new(m20261127_000007_presentations::Migration),
            Box::new(m20261127_000008_index_nodes::Migration),
            Box::new(m20261127_000009_login_events::Migration),
            Box::new(m20261127_000010_stored_match_first_found::Migration),
            Box::new(m20261127_000011_notification_mail::Migration),
            Box::new(m20261127_000012_decisions_by_result::Migration),
            Box::new(m20261203_000013_interests_and_deals::Migration),
            Box::new(m20261203_000014_meeting_outcomes_on_deals::Migration),
            Box::new(m20261204_000015_organization_contacts::Migration),
            Box::new(m20261204_000016_interface_languages::Migration),
            Box::new(m20261204_000017_pair_outcomes::Migration),
            Box::new(m20261206_000018_funnel_figures::Migration),
            Box::new(m20261206_000019_interests_found_via::Migration),
            Box::new(m20261206_000020_listing_contacts::Migration),
        ]
    }
}
