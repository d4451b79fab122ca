//! Full-text search over research results and technology needs, Chinese and English alike.
//!
//! Only this crate knows tantivy. It indexes [`ListingDocument`]s and answers searches for a
//! [`techmatch_domain::Viewer`], applying the same visibility rules as the rest of the system.

pub mod analyzer;
mod cache;
mod document;
mod index;
mod snippet;

pub use document::{ListingDocument, listing_key};
pub use index::{
    CandidateQuery, CandidateStatistics, CorpusStatistics, FACETS, FieldBoosts, IndexChange, QueryTranslator,
    SCHEMA_VERSION, SearchError, SearchFilters, SearchHit, SearchIndex, SearchRequest, SearchResults,
};
