//! Synthetic data the benchmarks and tests run on.

pub mod fairs;
pub mod listings;
