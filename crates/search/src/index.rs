//! The tantivy index: one schema for both listing kinds, one writer, one reader, a searcher per
//! query. Every commit stores the outbox position it has applied up to, so a restart knows
//! exactly where to resume.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, FacetCollector, MultiCollector, TopDocs};
use tantivy::postings::Postings;
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::{DocAddress, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use techmatch_domain::Viewer;
use techmatch_domain::listing::ListingKind;

use crate::analyzer::{ANALYZER, analyze, analyzer};
use crate::cache::{ResultCache, VisibilityScope};
use crate::document::{ListingDocument, listing_key};
use crate::snippet::highlight;

/// Bumped whenever the schema or the analysis changes; an index of another version is rebuilt.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("cannot open the index directory: {0}")]
    Directory(String),
    #[error("the index was built by another schema version ({found}); it must be rebuilt")]
    SchemaVersion { found: u32 },
    #[error("the index was opened for reading only")]
    ReadOnly,
}

impl SearchError {
    /// Another process (a running server) holds the index's writer lock.
    pub fn is_locked(&self) -> bool {
        matches!(self, SearchError::Index(tantivy::TantivyError::LockFailure(..)))
    }
}

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    kind: Field,
    id: Field,
    title: Field,
    body: Field,
    keywords: Field,
    organization: Field,
    public: Field,
    status: Field,
    facet_kind: Field,
    facet_industry: Field,
    facet_field: Field,
    facet_maturity: Field,
    facet_region: Field,
    facet_transfer_mode: Field,
    facet_status: Field,
    challenge: Field,
}

/// Facet names as they appear in answers.
pub const FACETS: [&str; 7] = ["kind", "industry", "field", "maturity", "region", "transfer_mode", "status"];

fn build_schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let facet = FacetOptions::default();
    let fields = Fields {
        key: builder.add_text_field("key", STRING),
        kind: builder.add_text_field("kind", STRING | STORED),
        id: builder.add_i64_field("id", STORED | FAST),
        title: builder.add_text_field("title", text.clone()),
        body: builder.add_text_field("body", text.clone()),
        keywords: builder.add_text_field("keywords", text),
        organization: builder.add_i64_field("organization", INDEXED),
        public: builder.add_bool_field("public", INDEXED),
        status: builder.add_text_field("status", STRING),
        facet_kind: builder.add_facet_field("facet_kind", facet.clone()),
        facet_industry: builder.add_facet_field("facet_industry", facet.clone()),
        facet_field: builder.add_facet_field("facet_field", facet.clone()),
        facet_maturity: builder.add_facet_field("facet_maturity", facet.clone()),
        facet_region: builder.add_facet_field("facet_region", facet.clone()),
        facet_transfer_mode: builder.add_facet_field("facet_transfer_mode", facet.clone()),
        facet_status: builder.add_facet_field("facet_status", facet),
        challenge: builder.add_bool_field("challenge", INDEXED),
    };
    (builder.build(), fields)
}

/// What a commit records about itself.
#[derive(Debug, Serialize, Deserialize)]
struct CommitPayload {
    schema_version: u32,
    /// Every outbox entry up to and including this id is applied.
    outbox_position: i64,
}

/// How much a match in each field counts, relative to the body.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldBoosts {
    pub title: f32,
    pub keywords: f32,
    pub body: f32,
}

impl Default for FieldBoosts {
    fn default() -> Self {
        FieldBoosts { title: 3.0, keywords: 2.5, body: 1.0 }
    }
}

/// A change to apply: re-index a listing, or take it out.
#[derive(Debug, Clone)]
pub enum IndexChange {
    Upsert(Box<ListingDocument>),
    Remove { kind: ListingKind, id: i64 },
}

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

/// Terms in the other language for a query, each with a weight in (0, 1], given the query text
/// and the index's document frequency of a term. The index knows no glossary or dictionary:
/// the service lends it its own this way.
pub type QueryTranslator = dyn Fn(&str, &dyn Fn(&str) -> u64) -> Vec<(String, f32)> + Send + Sync;

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

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    /// `None` for an index opened to read beside the process that writes it.
    writer: Option<Mutex<IndexWriter>>,
    fields: Fields,
    cache: ResultCache,
    translator: Option<std::sync::Arc<QueryTranslator>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

const SNIPPET_CHARS: usize = 180;
/// tantivy's least memory arena per indexing thread.
const WRITER_MEMORY_PER_THREAD: usize = 15_000_000;
/// Segments below this many documents count as one size when the live writer picks merges.
const LIVE_MERGE_FLOOR_DOCS: u32 = 100;

impl SearchIndex {
    /// Opens the index in `directory`, creating it when missing. An index of another schema
    /// version is an error: the caller rebuilds it with [`SearchIndex::recreate`].
    pub fn open(directory: &Path, writer_memory_bytes: usize) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(directory)
            .map_err(|error| SearchError::Directory(format!("{}: {error}", directory.display())))?;
        let (schema, fields) = build_schema();
        let mmap = tantivy::directory::MmapDirectory::open(directory)
            .map_err(|error| SearchError::Directory(format!("{}: {error}", directory.display())))?;
        let exists = Index::exists(&mmap)
            .map_err(|error| SearchError::Directory(format!("{}: {error}", directory.display())))?;
        let index = if exists {
            // Open with the stored schema: `open_or_create` would fail on a changed schema, and a
            // changed schema is exactly when the caller must rebuild instead.
            let existing = Index::open(mmap)?;
            let payload = existing
                .load_metas()?
                .payload
                .as_deref()
                .and_then(|payload| serde_json::from_str::<CommitPayload>(payload).ok());
            let found = payload.map_or(0, |payload| payload.schema_version);
            if existing.schema() != schema || found != SCHEMA_VERSION {
                return Err(SearchError::SchemaVersion { found });
            }
            existing
        } else {
            Index::create(mmap, schema, tantivy::IndexSettings::default())?
        };
        SearchIndex::from_index(index, fields, writer_memory_bytes)
    }

    /// Deletes whatever is in `directory` and creates an empty index there.
    pub fn recreate(directory: &Path, writer_memory_bytes: usize) -> Result<SearchIndex, SearchError> {
        if directory.exists() {
            std::fs::remove_dir_all(directory)
                .map_err(|error| SearchError::Directory(format!("{}: {error}", directory.display())))?;
        }
        SearchIndex::open(directory, writer_memory_bytes)
    }

    /// An index in memory, for evaluations and tests.
    pub fn in_memory(writer_memory_bytes: usize) -> Result<SearchIndex, SearchError> {
        let (schema, fields) = build_schema();
        SearchIndex::from_index(Index::create_in_ram(schema), fields, writer_memory_bytes)
    }

    fn from_index(index: Index, fields: Fields, writer_memory_bytes: usize) -> Result<SearchIndex, SearchError> {
        index.tokenizers().register(ANALYZER, analyzer());
        let writer = index.writer(writer_memory_bytes.max(WRITER_MEMORY_PER_THREAD))?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Some(Mutex::new(writer)),
            fields,
            cache: ResultCache::new(0),
            translator: None,
        })
    }

    /// Opens an existing index to read only, without the writer lock, so that a batch job can
    /// read while the server keeps writing. It sees the commits made before it opened.
    pub fn open_read_only(directory: &Path) -> Result<SearchIndex, SearchError> {
        let mmap = tantivy::directory::MmapDirectory::open(directory)
            .map_err(|error| SearchError::Directory(format!("{}: {error}", directory.display())))?;
        let index = Index::open(mmap)?;
        let (schema, fields) = build_schema();
        let found = index
            .load_metas()?
            .payload
            .as_deref()
            .and_then(|payload| serde_json::from_str::<CommitPayload>(payload).ok())
            .map_or(0, |payload| payload.schema_version);
        if index.schema() != schema || found != SCHEMA_VERSION {
            return Err(SearchError::SchemaVersion { found });
        }
        index.tokenizers().register(ANALYZER, analyzer());
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex { index, reader, writer: None, fields, cache: ResultCache::new(0), translator: None })
    }

    /// Swaps the writer for one suited to a live service: one indexing thread with the least
    /// memory. A service commits a few changes at a time, many times a second; every commit
    /// closes each thread's segment and sets up a new one (its memory cleared), so several
    /// threads and a large arena only multiply that fixed cost and the segments to merge; and
    /// its merges keep tiny segments among themselves. Bulk
    /// builds (rebuilds, imports into a fresh index, benchmarks) keep the writer of `open`.
    pub fn for_incremental_updates(self) -> Result<SearchIndex, SearchError> {
        let SearchIndex { index, reader, writer, fields, cache, translator } = self;
        if writer.is_none() {
            return Err(SearchError::ReadOnly);
        }
        // The old writer holds the directory lock until it is dropped.
        drop(writer);
        let writer: IndexWriter = index.writer_with_num_threads(1, WRITER_MEMORY_PER_THREAD)?;
        // tantivy counts every segment under 10,000 documents as one size, so each merge of a
        // few tiny commit segments would rewrite a small index whole (under load that was a
        // fifth of the machine); a low floor merges tiny segments with tiny ones.
        let mut merge_policy = tantivy::indexer::LogMergePolicy::default();
        merge_policy.set_min_layer_size(LIVE_MERGE_FLOOR_DOCS);
        writer.set_merge_policy(Box::new(merge_policy));
        Ok(SearchIndex { index, reader, writer: Some(Mutex::new(writer)), fields, cache, translator })
    }

    /// Lends the index a way to translate queries, used by requests with `cross_language`.
    pub fn with_translator(mut self, translator: std::sync::Arc<QueryTranslator>) -> SearchIndex {
        self.translator = Some(translator);
        self
    }

    /// The other language's terms for `query`, none without a translator.
    fn translations(&self, query: &str) -> Vec<(String, f32)> {
        match &self.translator {
            Some(translator) => translator(query, &|term: &str| self.document_frequency(term)),
            None => Vec::new(),
        }
    }

    /// Keeps the answers of searches, within about `budget_bytes` of memory, until the index
    /// next changes (0, the default, keeps none). See [`SearchIndex::cached_search`].
    pub fn with_result_cache(mut self, budget_bytes: usize) -> SearchIndex {
        self.cache.set_budget(budget_bytes);
        self
    }

    /// Answers kept for the current index content.
    pub fn cached_answers(&self) -> usize {
        self.cache.len()
    }

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>, SearchError> {
        let writer = self.writer.as_ref().ok_or(SearchError::ReadOnly)?;
        Ok(writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn payload(&self) -> Result<Option<CommitPayload>, SearchError> {
        let metas = self.index.load_metas()?;
        Ok(metas.payload.as_deref().and_then(|payload| serde_json::from_str(payload).ok()))
    }

    /// The outbox position of the last commit; `None` for an index never committed.
    pub fn position(&self) -> Result<Option<i64>, SearchError> {
        Ok(self.payload()?.map(|payload| payload.outbox_position))
    }

    /// Number of listings in the index (as of the last commit).
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Applies changes and commits them together with `position`, atomically: after a crash
    /// either all of them and the new position are there, or none and the old position.
    pub fn apply(&self, changes: &[IndexChange], position: i64) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        for change in changes {
            match change {
                IndexChange::Upsert(document) => {
                    writer
                        .delete_term(Term::from_field_text(self.fields.key, &listing_key(document.kind, document.id)));
                    writer.add_document(self.to_tantivy(document))?;
                }
                IndexChange::Remove { kind, id } => {
                    writer.delete_term(Term::from_field_text(self.fields.key, &listing_key(*kind, *id)));
                }
            }
        }
        self.commit(&mut writer, position)
    }

    /// Replaces the whole content: used by rebuilds. `documents` is consumed in batches by the
    /// caller; call [`SearchIndex::clear`] first and [`SearchIndex::finish_rebuild`] last.
    pub fn add_documents(&self, documents: &[ListingDocument]) -> Result<(), SearchError> {
        let writer = self.writer()?;
        for document in documents {
            writer.add_document(self.to_tantivy(document))?;
        }
        Ok(())
    }

    pub fn clear(&self) -> Result<(), SearchError> {
        let writer = self.writer()?;
        writer.delete_all_documents()?;
        Ok(())
    }

    pub fn finish_rebuild(&self, position: i64) -> Result<(), SearchError> {
        let mut writer = self.writer()?;
        self.commit(&mut writer, position)
    }

    fn commit(&self, writer: &mut IndexWriter, position: i64) -> Result<(), SearchError> {
        let payload = CommitPayload { schema_version: SCHEMA_VERSION, outbox_position: position };
        let payload = serde_json::to_string(&payload).unwrap_or_default();
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    fn to_tantivy(&self, document: &ListingDocument) -> TantivyDocument {
        let fields = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.key, listing_key(document.kind, document.id));
        doc.add_text(fields.kind, document.kind.as_str());
        doc.add_i64(fields.id, document.id);
        doc.add_text(fields.title, &document.title);
        doc.add_text(fields.body, &document.body);
        for keyword in &document.keywords {
            doc.add_text(fields.keywords, keyword);
        }
        doc.add_i64(fields.organization, document.organization_id);
        doc.add_bool(fields.public, document.public);
        doc.add_bool(fields.challenge, document.open_challenge);
        doc.add_text(fields.status, &document.status);
        doc.add_facet(fields.facet_kind, Facet::from_path([document.kind.as_str()]));
        doc.add_facet(fields.facet_status, Facet::from_path([document.status.as_str()]));
        for code in &document.industry_codes {
            doc.add_facet(fields.facet_industry, Facet::from_path([code.as_str()]));
        }
        if let Some(field) = &document.field {
            doc.add_facet(fields.facet_field, Facet::from_path([field.as_str()]));
        }
        if let Some(maturity) = &document.maturity {
            doc.add_facet(fields.facet_maturity, Facet::from_path([maturity.as_str()]));
        }
        if let Some(region) = &document.region_code {
            doc.add_facet(fields.facet_region, region_facet(region));
        }
        for mode in &document.transfer_modes {
            doc.add_facet(fields.facet_transfer_mode, Facet::from_path([mode.as_str()]));
        }
        doc
    }

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
        let fields = [(self.fields.title, 3.0), (self.fields.keywords, 2.5), (self.fields.body, 1.0)];
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
    fn visibility_clauses(&self, scope: VisibilityScope) -> Vec<(Occur, Box<dyn Query>)> {
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
    fn filter_clauses(&self, scope: VisibilityScope, filters: &SearchFilters) -> Vec<(Occur, Box<dyn Query>)> {
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

    /// Ranks listings of `kind` visible to `viewer` for weighted terms (already analysed), by
    /// BM25 over title, keywords and body with each term's weight as a boost. For matching,
    /// where the query is built from a whole document rather than typed.
    pub fn rank_terms(
        &self,
        viewer: Viewer,
        kind: ListingKind,
        terms: &[(String, f32)],
        limit: usize,
    ) -> Result<Vec<(i64, f32)>, SearchError> {
        self.rank_terms_boosted(viewer, kind, terms, limit, FieldBoosts::default())
    }

    /// [`SearchIndex::rank_terms`] with other field boosts.
    pub fn rank_terms_boosted(
        &self,
        viewer: Viewer,
        kind: ListingKind,
        terms: &[(String, f32)],
        limit: usize,
        boosts: FieldBoosts,
    ) -> Result<Vec<(i64, f32)>, SearchError> {
        self.rank_terms_within(viewer, kind, &SearchFilters::default(), terms, limit, boosts)
    }

    /// [`SearchIndex::rank_terms_boosted`] among the listings that pass `filters` (their kind
    /// is `kind`'s).
    pub fn rank_terms_within(
        &self,
        viewer: Viewer,
        kind: ListingKind,
        filters: &SearchFilters,
        terms: &[(String, f32)],
        limit: usize,
        boosts: FieldBoosts,
    ) -> Result<Vec<(i64, f32)>, SearchError> {
        let searcher = self.reader.searcher();
        let filters = SearchFilters { kind: Some(kind), ..filters.clone() };
        let top = self.first_pass(&searcher, viewer, &filters, terms, limit, boosts)?;
        Ok(top.into_iter().filter_map(|(score, address)| Some((listing_id(&searcher, address)?, score))).collect())
    }

    /// The best `limit` listings for weighted terms among those that pass `filters` (which name
    /// the kind).
    fn first_pass(
        &self,
        searcher: &tantivy::Searcher,
        viewer: Viewer,
        filters: &SearchFilters,
        terms: &[(String, f32)],
        limit: usize,
        boosts: FieldBoosts,
    ) -> Result<Vec<(f32, DocAddress)>, SearchError> {
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let fields = [
            (self.fields.title, boosts.title),
            (self.fields.keywords, boosts.keywords),
            (self.fields.body, boosts.body),
        ];
        let mut text: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (term, weight) in terms {
            for (field, boost) in fields {
                let query = TermQuery::new(Term::from_field_text(field, term), IndexRecordOption::WithFreqs);
                text.push((Occur::Should, Box::new(BoostQuery::new(Box::new(query), boost * weight))));
            }
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(BooleanQuery::new(text)))];
        clauses.extend(self.filter_clauses(VisibilityScope::of(viewer), filters));
        Ok(searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(limit).order_by_score())?)
    }

    /// The first `query.limit` listings of `kind` visible to `viewer` for the first weighted terms (as
    /// [`SearchIndex::rank_terms_boosted`] ranks them), with what a re-scoring needs to know of
    /// each: field lengths, each term's occurrences per field, and how often each pair of terms
    /// occurs close together in the body; and the corpus figures BM25 needs.
    pub fn candidate_statistics(
        &self,
        viewer: Viewer,
        kind: ListingKind,
        query: &CandidateQuery<'_>,
    ) -> Result<(Vec<CandidateStatistics>, CorpusStatistics), SearchError> {
        let CandidateQuery { terms, first_pass_terms, pairs, limit, boosts, pair_slack, filters } = *query;
        let searcher = self.reader.searcher();
        let first_terms = &terms[..first_pass_terms.min(terms.len())];
        let filters = SearchFilters { kind: Some(kind), ..filters.clone() };
        let top = self.first_pass(&searcher, viewer, &filters, first_terms, limit, boosts)?;
        let fields = [self.fields.title, self.fields.keywords, self.fields.body];
        let mut corpus = CorpusStatistics {
            documents: searcher.num_docs(),
            average_lengths: [0.0; 3],
            document_frequencies: Vec::with_capacity(terms.len()),
        };
        let mut totals = [0u64; 3];
        for segment in searcher.segment_readers() {
            for (slot, field) in fields.iter().enumerate() {
                totals[slot] += segment.inverted_index(*field)?.total_num_tokens();
            }
        }
        for (slot, total) in totals.iter().enumerate() {
            corpus.average_lengths[slot] = *total as f32 / corpus.documents.max(1) as f32;
        }
        for (term, _) in terms {
            let mut frequencies = [0u64; 3];
            for (slot, field) in fields.iter().enumerate() {
                frequencies[slot] = searcher.doc_freq(&Term::from_field_text(*field, term))?;
            }
            corpus.document_frequencies.push(frequencies);
        }

        let mut candidates: Vec<CandidateStatistics> = Vec::with_capacity(top.len());
        let mut addresses: Vec<(DocAddress, usize)> = Vec::with_capacity(top.len());
        for (score, address) in &top {
            if let Some(id) = listing_id(&searcher, *address) {
                addresses.push((*address, candidates.len()));
                candidates.push(CandidateStatistics {
                    id,
                    retrieval_score: *score,
                    lengths: [0; 3],
                    term_frequencies: vec![[0; 3]; terms.len()],
                    pair_frequencies: vec![0; pairs.len()],
                });
            }
        }
        // Postings are read forwards only: visit each segment's candidates in document order.
        addresses.sort_by_key(|(address, _)| (address.segment_ord, address.doc_id));
        let paired: BTreeSet<&str> = pairs.iter().flat_map(|(a, b)| [a.as_str(), b.as_str()]).collect();
        let mut start = 0;
        while start < addresses.len() {
            let segment_ord = addresses[start].0.segment_ord;
            let end = addresses[start..]
                .iter()
                .position(|(address, _)| address.segment_ord != segment_ord)
                .map_or(addresses.len(), |offset| start + offset);
            let in_segment = &addresses[start..end];
            let segment = searcher.segment_reader(segment_ord);
            for (slot, field) in fields.iter().enumerate() {
                let norms = segment.get_fieldnorms_reader(*field)?;
                for (address, candidate) in in_segment {
                    candidates[*candidate].lengths[slot] = norms.fieldnorm(address.doc_id);
                }
            }
            // Body positions of the paired terms, per candidate (in `in_segment` order).
            let mut positions: BTreeMap<&str, Vec<Vec<u32>>> = BTreeMap::new();
            let inverted_indexes = [
                segment.inverted_index(fields[0])?,
                segment.inverted_index(fields[1])?,
                segment.inverted_index(fields[2])?,
            ];
            for (term_index, (term, _)) in terms.iter().enumerate() {
                for (slot, (field, inverted)) in fields.iter().zip(&inverted_indexes).enumerate() {
                    let wants_positions = slot == 2 && paired.contains(term.as_str());
                    let option = if wants_positions {
                        IndexRecordOption::WithFreqsAndPositions
                    } else {
                        IndexRecordOption::WithFreqs
                    };
                    let Some(mut postings) = inverted
                        .read_postings(&Term::from_field_text(*field, term), option)
                        .map_err(|error| SearchError::Index(error.into()))?
                    else {
                        continue;
                    };
                    let mut found = wants_positions.then(|| vec![Vec::new(); in_segment.len()]);
                    for (position_in_segment, (address, candidate)) in in_segment.iter().enumerate() {
                        if postings.doc() > address.doc_id || postings.seek(address.doc_id) != address.doc_id {
                            continue;
                        }
                        candidates[*candidate].term_frequencies[term_index][slot] = postings.term_freq();
                        if let Some(found) = found.as_mut() {
                            postings.positions(&mut found[position_in_segment]);
                        }
                    }
                    if let Some(found) = found {
                        positions.insert(term.as_str(), found);
                    }
                }
            }
            for (pair_index, (first, second)) in pairs.iter().enumerate() {
                let (Some(firsts), Some(seconds)) = (positions.get(first.as_str()), positions.get(second.as_str()))
                else {
                    continue;
                };
                let reach = first.chars().count() as u32 + pair_slack;
                for (position_in_segment, (_, candidate)) in in_segment.iter().enumerate() {
                    candidates[*candidate].pair_frequencies[pair_index] =
                        close_pairs(&firsts[position_in_segment], &seconds[position_in_segment], reach);
                }
            }
            start = end;
        }
        Ok((candidates, corpus))
    }

    /// In how many listings' bodies `term` (an analysed term) occurs.
    pub fn document_frequency(&self, term: &str) -> u64 {
        let searcher = self.reader.searcher();
        searcher.doc_freq(&Term::from_field_text(self.fields.body, term)).unwrap_or(0)
    }

    /// The stored title, body and keywords of one listing, if indexed.
    pub fn stored_text(&self, kind: ListingKind, id: i64) -> Result<Option<String>, SearchError> {
        let searcher = self.reader.searcher();
        let key =
            TermQuery::new(Term::from_field_text(self.fields.key, &listing_key(kind, id)), IndexRecordOption::Basic);
        let Some((_, address)) = searcher.search(&key, &TopDocs::with_limit(1).order_by_score())?.into_iter().next()
        else {
            return Ok(None);
        };
        let document: TantivyDocument = searcher.doc(address)?;
        let mut text = String::new();
        for field in [self.fields.title, self.fields.keywords, self.fields.body] {
            for value in document.get_all(field) {
                if let Some(value) = value.as_str() {
                    text.push_str(value);
                    text.push('\n');
                }
            }
        }
        Ok(Some(text))
    }

    /// Keys (`kind`, id) of every listing `viewer` can find, archived included; for checks that
    /// the index agrees with the database.
    pub fn visible_keys(&self, viewer: Viewer) -> Result<Vec<(ListingKind, i64)>, SearchError> {
        let searcher = self.reader.searcher();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(AllQuery))];
        // Visibility only: the status filter's exclusion of archived listings is left out.
        clauses.extend(self.visibility_clauses(VisibilityScope::of(viewer)));
        let query = BooleanQuery::new(clauses);
        let limit = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX).max(1);
        let addresses = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut keys = Vec::with_capacity(addresses.len());
        for (_, address) in addresses {
            let document: TantivyDocument = searcher.doc(address)?;
            let kind = document.get_first(self.fields.kind).and_then(|value| value.as_str()).unwrap_or_default();
            let id = document.get_first(self.fields.id).and_then(|value| value.as_i64()).unwrap_or_default();
            if let Ok(kind) = ListingKind::parse("kind", kind) {
                keys.push((kind, id));
            }
        }
        keys.sort();
        Ok(keys)
    }
}

/// `/420000/420100/420111` for county 420111, so that a filter on the province or the city
/// matches every county inside.
/// The listing id stored with a document.
fn listing_id(searcher: &tantivy::Searcher, address: DocAddress) -> Option<i64> {
    searcher
        .segment_reader(address.segment_ord)
        .fast_fields()
        .i64("id")
        .ok()
        .and_then(|column| column.first(address.doc_id))
}

/// How many occurrences of the second term start after, and at most `reach` characters after,
/// an occurrence of the first (positions are character offsets; both lists ascending).
fn close_pairs(firsts: &[u32], seconds: &[u32], reach: u32) -> u32 {
    let mut count = 0;
    let mut lower = 0;
    for first in firsts {
        while lower < seconds.len() && seconds[lower] <= *first {
            lower += 1;
        }
        if seconds.get(lower).is_some_and(|second| *second - *first <= reach) {
            count += 1;
        }
    }
    count
}

/// What [`SearchIndex::candidate_statistics`] looks for.
#[derive(Debug, Clone, Copy)]
pub struct CandidateQuery<'a> {
    /// Analysed terms and their weights, whose statistics are read.
    pub terms: &'a [(String, f32)],
    /// How many of `terms`, from the first, make the first pass's query.
    pub first_pass_terms: usize,
    /// Pairs of terms (both among `terms`) whose closeness in the body is counted.
    pub pairs: &'a [(String, String)],
    pub limit: usize,
    pub boosts: FieldBoosts,
    /// The second term of a pair may start at most this many characters after the end of the
    /// first (positions are character offsets).
    pub pair_slack: u32,
    /// Only listings that pass these are candidates (their kind is the one asked for).
    pub filters: &'a SearchFilters,
}

/// One candidate of [`SearchIndex::candidate_statistics`]. Field slots are title, keywords, body.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateStatistics {
    pub id: i64,
    pub retrieval_score: f32,
    /// Each field's length in tokens (tantivy's field norm, exact up to 40, then approximate).
    pub lengths: [u32; 3],
    /// Per query term, its occurrences in each field.
    pub term_frequencies: Vec<[u32; 3]>,
    /// Per query pair, how often the pair occurs close together in the body.
    pub pair_frequencies: Vec<u32>,
}

/// Corpus figures for BM25: documents, each field's average length, each term's document
/// frequency per field.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusStatistics {
    pub documents: u64,
    pub average_lengths: [f32; 3],
    pub document_frequencies: Vec<[u64; 3]>,
}

fn region_facet(code: &str) -> Facet {
    let code = code.trim();
    if code.len() != 6 || !code.is_ascii() {
        return Facet::from_path([code]);
    }
    let province = format!("{}0000", &code[..2]);
    let prefecture = format!("{}00", &code[..4]);
    let mut path = vec![province.clone()];
    if prefecture != province {
        path.push(prefecture.clone());
    }
    if code != prefecture && code != province {
        path.push(code.to_owned());
    }
    Facet::from_path(path)
}

fn facet_leaf(facet: &Facet) -> String {
    facet.to_path().last().map(|leaf| (*leaf).to_owned()).unwrap_or_default()
}
