//! Answers to repeated searches, kept until the index changes, within a memory budget.
//!
//! A search's answer depends only on the query, the filters, the page, what the viewer may see
//! and the index's content. The content is fixed between two reloads of the reader, so an
//! answer is kept under the searcher generation it was computed on and everything is dropped
//! when a newer generation shows up (like a search engine's request cache, emptied on refresh).
//! Visibility is part of the key as the set of listings the viewer may see, never as the
//! viewer: two anonymous visitors share answers, a company never gets another's.

use std::collections::HashMap;
use std::sync::Mutex;

use techmatch_domain::Viewer;
use techmatch_domain::listing::ListingKind;

use crate::index::{SearchFilters, SearchRequest, SearchResults};

/// Which listings a viewer may see, as far as search is concerned (`domain::access`'s rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum VisibilityScope {
    /// Public listings only.
    Public,
    /// Public listings plus every listing of one organization.
    PublicAndOrganization(i64),
    /// Everything.
    Everything,
}

impl VisibilityScope {
    pub(crate) fn of(viewer: Viewer) -> VisibilityScope {
        match viewer {
            Viewer::Staff { .. } => VisibilityScope::Everything,
            Viewer::Anonymous | Viewer::Member { organization_id: None, .. } => VisibilityScope::Public,
            Viewer::Member { organization_id: Some(own), .. } => VisibilityScope::PublicAndOrganization(own.0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    scope: VisibilityScope,
    query: String,
    kind: Option<ListingKind>,
    industry: Option<String>,
    field: Option<String>,
    maturity: Option<String>,
    region: Option<String>,
    transfer_mode: Option<String>,
    status: Option<String>,
    open_challenges_only: bool,
    offset: usize,
    limit: usize,
    with_facets: bool,
    cross_language: bool,
}

impl CacheKey {
    fn new(scope: VisibilityScope, request: &SearchRequest) -> CacheKey {
        let SearchFilters { kind, industry, field, maturity, region, transfer_mode, status, open_challenges_only } =
            request.filters.clone();
        CacheKey {
            scope,
            query: request.query.clone(),
            kind,
            industry,
            field,
            maturity,
            region,
            transfer_mode,
            status,
            open_challenges_only,
            offset: request.offset,
            limit: request.limit,
            with_facets: request.with_facets,
            cross_language: request.cross_language,
        }
    }
}

#[derive(Default)]
struct Entries {
    /// The searcher generation every kept answer was computed on.
    generation: u64,
    answers: HashMap<CacheKey, SearchResults>,
    /// Roughly what the kept answers take in memory.
    bytes: usize,
}

impl Entries {
    fn clear(&mut self) {
        self.answers.clear();
        self.bytes = 0;
    }
}

/// Answers of the current generation within about `budget_bytes` of memory; 0 keeps nothing.
pub(crate) struct ResultCache {
    budget_bytes: usize,
    entries: Mutex<Entries>,
}

/// Roughly the memory an answer takes: its text plus a fixed share per item.
fn approximate_bytes(key: &CacheKey, answer: &SearchResults) -> usize {
    let hits: usize = answer.hits.iter().map(|hit| hit.title.len() + hit.snippet.len() + 64).sum();
    let facets: usize = answer
        .facets
        .iter()
        .map(|(name, values)| name.len() + values.iter().map(|(value, _)| value.len() + 40).sum::<usize>())
        .sum();
    256 + key.query.len() + hits + facets
}

impl ResultCache {
    pub(crate) fn new(budget_bytes: usize) -> ResultCache {
        ResultCache { budget_bytes, entries: Mutex::new(Entries::default()) }
    }

    pub(crate) fn set_budget(&mut self, budget_bytes: usize) {
        self.budget_bytes = budget_bytes;
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The kept answer for this request, if it was computed on `generation`.
    pub(crate) fn get(
        &self,
        generation: u64,
        scope: VisibilityScope,
        request: &SearchRequest,
    ) -> Option<SearchResults> {
        if self.budget_bytes == 0 {
            return None;
        }
        let entries = self.lock();
        if entries.generation != generation {
            return None;
        }
        entries.answers.get(&CacheKey::new(scope, request)).cloned()
    }

    /// Keeps an answer computed on `generation`. An answer from an older generation than the
    /// kept ones is dropped (a search that started before a reload and ended after it).
    pub(crate) fn put(&self, generation: u64, scope: VisibilityScope, request: &SearchRequest, answer: &SearchResults) {
        if self.budget_bytes == 0 {
            return;
        }
        let key = CacheKey::new(scope, request);
        let bytes = approximate_bytes(&key, answer);
        // One answer never takes more than a small share of the budget.
        if bytes > self.budget_bytes / 8 {
            return;
        }
        let mut entries = self.lock();
        if generation < entries.generation {
            return;
        }
        if generation > entries.generation {
            entries.generation = generation;
            entries.clear();
        }
        // Full: start over rather than track recency; the generation turns over often anyway.
        if entries.bytes + bytes > self.budget_bytes {
            entries.clear();
        }
        if entries.answers.insert(key, answer.clone()).is_none() {
            entries.bytes += bytes;
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().answers.len()
    }
}
