//! Matching: ranking research results against technology needs (and back), with explanations,
//! translation between the two languages, and roadshow picks. No IO: callers bring the
//! candidates, the texts and the analyzer.

pub mod dictionary;
pub mod expansion;
pub mod features;
pub mod glossary;
pub mod refit;
pub mod rescoring;
pub mod roadshow;
pub mod translation;
