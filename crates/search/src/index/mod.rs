//! The tantivy index: one schema for both listing kinds, one writer, one reader, a searcher per
//! query. Every commit stores the outbox position it has applied up to, so a restart knows
//! exactly where to resume.

mod query;
mod ranking;
mod schema;
mod stored;
mod writing;

use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy};

pub use query::{SearchFilters, SearchHit, SearchRequest, SearchResults};
pub use ranking::{CandidateQuery, CandidateStatistics, CorpusStatistics, FieldBoosts};
pub use schema::{FACETS, SCHEMA_VERSION};
pub use writing::IndexChange;

use crate::analyzer::{ANALYZER, analyzer};
use crate::cache::ResultCache;
use schema::{Fields, build_schema};

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

/// What a commit records about itself.
#[derive(Debug, Serialize, Deserialize)]
struct CommitPayload {
    schema_version: u32,
    /// Every outbox entry up to and including this id is applied.
    outbox_position: i64,
}

/// Terms in the other language for a query, each with a weight in (0, 1], given the query text
/// and the index's document frequency of a term. The index knows no glossary or dictionary:
/// the service lends it its own this way.
pub type QueryTranslator = dyn Fn(&str, &dyn Fn(&str) -> u64) -> Vec<(String, f32)> + Send + Sync;

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
            check_schema(&existing, &schema)?;
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
        check_schema(&index, &schema)?;
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
}

/// An index built by another schema or analysis is refused: its terms would not be the ones a
/// query looks for.
fn check_schema(index: &Index, schema: &tantivy::schema::Schema) -> Result<(), SearchError> {
    let found = index
        .load_metas()?
        .payload
        .as_deref()
        .and_then(|payload| serde_json::from_str::<CommitPayload>(payload).ok())
        .map_or(0, |payload| payload.schema_version);
    if index.schema() != *schema || found != SCHEMA_VERSION {
        return Err(SearchError::SchemaVersion { found });
    }
    Ok(())
}
