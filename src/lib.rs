//! The `techmatch` binary's library half: configuration, start-up and the command line.
//! Kept as a library so that end-to-end tests start the same application the binary does.

pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod telemetry;
