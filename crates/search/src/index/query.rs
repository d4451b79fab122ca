//! Searches typed by people: BM25 over title, keywords and body, the viewer's visibility and the
//! request's filters, facet counts and highlighted snippets.

use std::collections::{BTreeMap, BTreeSet};

use tantivy::collector::{Count, FacetCollector, MultiCollector, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::{DocAddress, TantivyDocument, Term};
use techmatch_domain::Viewer;
use techmatch_domain::listing::ListingKind;

use super::schema::{facet_leaf, region_facet};
use super::{FieldBoosts, SearchError, SearchIndex};
use crate::analyzer::analyze;
use crate::cache::VisibilityScope;
use crate::snippet::highlight;

/// Filters of a search, all optional. Values are the wire names (`39`, `pilot`, `420100`, ...).
#[derive(Debug, Clone, Default)]
pub struct SearchFilters {
    pub kind: Option<ListingKind>,
    pub industry: Option<String>,
    pub field: Option<String>,
    pub maturity: Option<String>,
    /// A GB/T 2260 code at any level; matches everything inside it.
    pub region: Option<String>,
    pub transfer_mode: Option<String>,
    /// Without it, archived listings are left out.
    pub status: Option<String>,
    pub open_challenges_only: bool,
}

#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    pub filters: SearchFilters,
    pub offset: usize,
    pub limit: usize,
    pub with_facets: bool,
    /// Also look for the query's words in the other language, through the index's translator
    /// (see [`SearchIndex::with_translator`]); without one this changes nothing.
    pub cross_language: bool,
}

/// A translated term counts this much of a typed word's boosts: a guess at what the searcher
/// meant weighs less than what they typed.
const TRANSLATION_WEIGHT: f32 = 0.5;

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub kind: ListingKind,
    pub id: i64,
    pub title: String,
    /// HTML-escaped text with matches in `<mark>…</mark>`.
    pub snippet: String,
    pub score: f32,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<SearchHit>,
    /// Facet name → (value, count), counted over every match the viewer may see.
    pub facets: BTreeMap<String, Vec<(String, u64)>>,
}

const SNIPPET_CHARS: usize = 180;

impl SearchIndex {
    /// Searches as `viewer`: hits, totals, facet counts and snippets only ever come from
    /// listings the viewer may see.
    pub fn search(&self, viewer: Viewer, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let searcher = self.reader.searcher();
        let generation = searcher.generation().generation_id();
        let scope = VisibilityScope::of(viewer);
        if let Some(answer) = self.cache.get(generation, scope, request) {
            return Ok(answer);
        }
        let answer = self.search_with(&searcher, scope, request)?;
        self.cache.put(generation, scope, request, &answer);
        Ok(answer)
    }

    /// The answer [`SearchIndex::search`] would give, if it is kept for the index's current
    /// content: cheap enough to try on an async executor before going to the blocking pool.
    pub fn cached_search(&self, viewer: Viewer, request: &SearchRequest) -> Option<SearchResults> {
        let generation = self.reader.searcher().generation().generation_id();
        self.cache.get(generation, VisibilityScope::of(viewer), request)
    }

    fn search_with(
        &self,
        searcher: &tantivy::Searcher,
        scope: VisibilityScope,
        request: &SearchRequest,
    ) -> Result<SearchResults, SearchError> {
        let translations = if request.cross_language { self.translations(&request.query) } else { Vec::new() };
        let text_query = self.text_query(&request.query, &translations);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            match &text_query {
                Some(query) => query.box_clone(),
                None => Box::new(AllQuery),
            },
        )];
        for filter in self.filter_clauses(scope, &request.filters) {
            clauses.push(filter);
        }
        let query = BooleanQuery::new(clauses);

        let limit = request.limit.clamp(1, 100);
        let mut collectors = MultiCollector::new();
        let top_handle =
            collectors.add_collector(TopDocs::with_limit(limit).and_offset(request.offset).order_by_score());
        let count_handle = collectors.add_collector(Count);
        let facet_fields = [
            ("kind", self.fields.facet_kind),
            ("industry", self.fields.facet_industry),
            ("field", self.fields.facet_field),
            ("maturity", self.fields.facet_maturity),
            ("region", self.fields.facet_region),
            ("transfer_mode", self.fields.facet_transfer_mode),
            ("status", self.fields.facet_status),
        ];
        let mut facet_handles = Vec::new();
        if request.with_facets {
            for (name, field) in facet_fields {
                let mut collector = FacetCollector::for_field(self.index.schema().get_field_name(field));
                collector.add_facet(Facet::root());
                facet_handles.push((name, collectors.add_collector(collector)));
            }
        }
        let mut fruits = searcher.search(&query, &collectors)?;
        let top_docs = top_handle.extract(&mut fruits);
        let total = count_handle.extract(&mut fruits);
        let mut facets = BTreeMap::new();
        for (name, handle) in facet_handles {
            let counts = handle.extract(&mut fruits);
            let mut values: Vec<(String, u64)> =
                counts.get(Facet::root()).map(|(facet, count)| (facet_leaf(facet), count)).collect();
            values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            facets.insert(name.to_owned(), values);
        }

        let mut terms: BTreeSet<String> = analyze(&request.query).into_iter().collect();
        terms.extend(translations.into_iter().map(|(term, _)| term));
        let mut hits = Vec::with_capacity(top_docs.len());
        for (score, address) in top_docs {
            hits.push(self.hit(searcher, address, score, &terms)?);
        }
        Ok(SearchResults { total, hits, facets })
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        address: DocAddress,
        score: f32,
        terms: &BTreeSet<String>,
    ) -> Result<SearchHit, SearchError> {
        let document: TantivyDocument = searcher.doc(address)?;
        let text =
            |field: Field| document.get_first(field).and_then(|value| value.as_str()).unwrap_or_default().to_owned();
        let kind = ListingKind::parse("kind", &text(self.fields.kind)).unwrap_or(ListingKind::Result);
        let id = document.get_first(self.fields.id).and_then(|value| value.as_i64()).unwrap_or_default();
        let snippet = highlight(&text(self.fields.body), terms, SNIPPET_CHARS);
        Ok(SearchHit { kind, id, title: text(self.fields.title), snippet, score })
    }

    /// The text part of a query: every analysed term, sought in title, keywords and body with
    /// field boosts, scored by BM25, and the translations (the query's words in the other
    /// language) with their weights times [`TRANSLATION_WEIGHT`]. `None` for a query without
    /// terms (browse everything).
    fn text_query(&self, query: &str, translations: &[(String, f32)]) -> Option<Box<dyn Query>> {
        let mut terms = analyze(query);
        terms.sort();
        terms.dedup();
        if terms.is_empty() {
            return None;
        }
        let boosts = FieldBoosts::default();
        let fields = [
            (self.fields.title, boosts.title),
            (self.fields.keywords, boosts.keywords),
            (self.fields.body, boosts.body),
        ];
        let mut weighted: Vec<(&str, f32)> = terms.iter().take(64).map(|term| (term.as_str(), 1.0)).collect();
        for (term, weight) in translations.iter().take(64) {
            if !terms.contains(term) && *weight > 0.0 {
                weighted.push((term.as_str(), TRANSLATION_WEIGHT * weight.min(1.0)));
            }
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (term, weight) in weighted {
            for (field, boost) in fields {
                let term_query = TermQuery::new(Term::from_field_text(field, term), IndexRecordOption::WithFreqs);
                clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(term_query), boost * weight))));
            }
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// Clauses that leave out what `viewer` may not see (the same rule as `domain::access`).
    pub(super) fn visibility_clauses(&self, scope: VisibilityScope) -> Vec<(Occur, Box<dyn Query>)> {
        let fields = &self.fields;
        let term = |term: Term| -> Box<dyn Query> { Box::new(TermQuery::new(term, IndexRecordOption::Basic)) };
        let mut clauses = Vec::new();
        // Expressed as the exclusion of private listings: most listings are public, and
        // skipping a short posting list is far cheaper than intersecting with a long one.
        let private = || term(Term::from_field_bool(fields.public, false));
        match scope {
            VisibilityScope::Everything => {}
            VisibilityScope::Public => clauses.push((Occur::MustNot, private())),
            VisibilityScope::PublicAndOrganization(own) => {
                let own = term(Term::from_field_i64(fields.organization, own));
                let others_private = BooleanQuery::new(vec![(Occur::Must, private()), (Occur::MustNot, own)]);
                clauses.push((Occur::MustNot, Box::new(others_private)));
            }
        }
        clauses
    }

    /// Visibility and the request's filters, as clauses that do not change scores.
    pub(super) fn filter_clauses(
        &self,
        scope: VisibilityScope,
        filters: &SearchFilters,
    ) -> Vec<(Occur, Box<dyn Query>)> {
        let fields = &self.fields;
        let term = |term: Term| -> Box<dyn Query> { Box::new(TermQuery::new(term, IndexRecordOption::Basic)) };
        let filter = |query: Box<dyn Query>| -> (Occur, Box<dyn Query>) {
            (Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0)))
        };
        let mut clauses = self.visibility_clauses(scope);
        match &filters.status {
            Some(status) => clauses.push(filter(term(Term::from_field_text(fields.status, status)))),
            None => {
                clauses.push((Occur::MustNot, term(Term::from_field_text(fields.status, "archived"))));
            }
        }
        if let Some(kind) = filters.kind {
            clauses.push(filter(term(Term::from_field_text(fields.kind, kind.as_str()))));
        }
        let facet_filters = [
            (fields.facet_industry, filters.industry.as_ref().map(|value| Facet::from_path([value.as_str()]))),
            (fields.facet_field, filters.field.as_ref().map(|value| Facet::from_path([value.as_str()]))),
            (fields.facet_maturity, filters.maturity.as_ref().map(|value| Facet::from_path([value.as_str()]))),
            (fields.facet_region, filters.region.as_deref().map(region_facet)),
            (
                fields.facet_transfer_mode,
                filters.transfer_mode.as_ref().map(|value| Facet::from_path([value.as_str()])),
            ),
        ];
        for (field, facet) in facet_filters {
            if let Some(facet) = facet {
                clauses.push(filter(term(Term::from_facet(field, &facet))));
            }
        }
        if filters.open_challenges_only {
            clauses.push(filter(term(Term::from_field_bool(fields.challenge, true))));
        }
        clauses
    }
}
