//! Answers to repeated searches, kept until the index changes.
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
        }
    }
}

struct Entries {
    /// The searcher generation every kept answer was computed on.
    generation: u64,
    answers: HashMap<CacheKey, SearchResults>,
}

/// At most `capacity` answers of the current generation; `capacity` 0 keeps nothing.
pub(crate) struct ResultCache {
    capacity: usize,
    entries: Mutex<Entries>,
}

impl ResultCache {
    pub(crate) fn new(capacity: usize) -> ResultCache {
        ResultCache { capacity, entries: Mutex::new(Entries { generation: 0, answers: HashMap::new() }) }
    }

    pub(crate) fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity;
        self.lock().answers.clear();
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
        if self.capacity == 0 {
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
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.lock();
        if generation < entries.generation {
            return;
        }
        if generation > entries.generation {
            entries.generation = generation;
            entries.answers.clear();
        }
        // Full: start over rather than track recency; the generation turns over often anyway.
        if entries.answers.len() >= self.capacity {
            entries.answers.clear();
        }
        entries.answers.insert(CacheKey::new(scope, request), answer.clone());
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().answers.len()
    }
}
