//! The laboratory: what measures techmatch rather than serves it. Benchmarks print their
//! figures beside a reference measured in the same run; the offline evaluation scores matching
//! on judged sets; generators make the synthetic data they run on. The `techmatch` binary's
//! `eval` and `bench …` commands are defined and run here; no product crate depends on this one.

pub mod bench;
pub mod evaluation;
mod figures;
pub mod generate;
