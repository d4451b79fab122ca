//! The laboratory: what measures techmatch rather than serves it. Benchmarks print their
//! figures beside a reference measured in the same run; generators make the synthetic data
//! they run on. The `techmatch` binary's `eval` and `bench …` commands call into here; no
//! product crate depends on this one.

pub mod schedule;
