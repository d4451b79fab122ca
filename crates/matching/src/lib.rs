//! Matching: ranking research results against technology needs (and back), with explanations,
//! and the measures its quality is judged by. No IO: callers bring the candidates and texts.

pub mod dictionary;
pub mod expansion;
pub mod features;
pub mod glossary;
pub mod refit;
pub mod rescoring;
pub mod roadshow;
