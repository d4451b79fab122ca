//! End-to-end tests over real HTTP: each test starts the application the binary starts, on a
//! free port, with its own fresh database (SQLite, and PostgreSQL when configured).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access_matrix;
mod accounts;
mod contacts;
mod deals;
mod events;
mod helpers;
mod hostile;
mod http_edge;
mod interest_pages;
mod introduction_pages;
mod introductions;
mod languages;
mod listing_contacts;
mod listings;
mod matching;
mod outcome_labels;
mod page_details;
mod pages;
mod registry;
mod tokens;
