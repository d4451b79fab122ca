//! Keeps the search index in step with the database and answers searches.
//!
//! Every listing write adds an outbox row in its own transaction. One indexer task reads the
//! outbox after the position stored in the index's last commit, re-reads the current state of
//! each listing named there, and commits the changes together with the new position. Applying
//! an entry twice gives the same index, so after a crash at any point a restart replays from
//! the stored position with nothing missing and nothing duplicated.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use techmatch_domain::listing::ListingKind;
use techmatch_domain::{Actor, UserId, Viewer};
use techmatch_search::{IndexChange, ListingDocument, SearchError, SearchIndex, SearchRequest, SearchResults};
use techmatch_store::{OutboxEntry, Store};
use tokio::sync::{Notify, watch};
use tracing::{info, warn};

use crate::error::ServiceError;
use crate::listing_cache::ListingCache;

/// `[search]` settings the service needs.
#[derive(Debug, Clone)]
pub struct SearchSettings {
    pub index_dir: PathBuf,
    pub writer_memory_bytes: usize,
    /// How often the indexer looks for changes written by other processes or nodes.
    pub poll_interval: Duration,
    /// Who is guaranteed to find a write as soon as it is answered.
    pub read_your_writes: ReadYourWrites,
    /// How long a read (or, with [`ReadYourWrites::Everyone`], a write) waits for the index to
    /// catch up before going on anyway.
    pub visibility_wait: Duration,
    /// Least time between two index commits while changes keep coming.
    pub min_commit_interval: Duration,
    /// How often a node prunes the outbox below what every live node has applied.
    pub outbox_prune_interval: Duration,
    /// A node not heard from for this long no longer holds back pruning (it rebuilds its
    /// index when it returns to find entries gone).
    pub node_retention: Duration,
    /// Memory for search answers kept until the index next changes (0: keep none).
    pub result_cache_bytes: usize,
    /// Memory for listings kept for reads by id, dropped when the outbox names them (0: none).
    pub listing_cache_bytes: usize,
}

/// Who finds a listing write in searches and matches as soon as the write is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadYourWrites {
    /// The writer: a write is answered once stored, and the writer's next searches and matches
    /// on this node wait until it is searchable. Everyone else finds it after the indexer's next
    /// commit (like a search engine's refresh interval). Writes do not wait for tantivy.
    Writer,
    /// Every caller on this node: a write is answered only once it is searchable.
    Everyone,
}

/// The newest write of each user that this node's index may not have applied yet.
#[derive(Debug, Default)]
struct UnsearchedWrites {
    by_user: Mutex<HashMap<UserId, i64>>,
}

impl UnsearchedWrites {
    fn record(&self, user: UserId, outbox_id: i64) {
        let mut by_user = self.by_user.lock().unwrap_or_else(PoisonError::into_inner);
        let newest = by_user.entry(user).or_insert(outbox_id);
        *newest = (*newest).max(outbox_id);
    }

    fn newest_of(&self, user: UserId) -> Option<i64> {
        self.by_user.lock().unwrap_or_else(PoisonError::into_inner).get(&user).copied()
    }

    /// The newest unindexed write of anyone's (the map holds only writes not yet applied).
    fn newest(&self) -> Option<i64> {
        self.by_user.lock().unwrap_or_else(PoisonError::into_inner).values().copied().max()
    }

    /// Forgets the writes the index has applied up to `position`.
    fn applied_up_to(&self, position: i64) {
        let mut by_user = self.by_user.lock().unwrap_or_else(PoisonError::into_inner);
        if !by_user.is_empty() {
            by_user.retain(|_, outbox_id| *outbox_id > position);
        }
    }
}

#[derive(Clone)]
pub struct SearchService {
    index: Arc<SearchIndex>,
    store: Store,
    position: watch::Receiver<i64>,
    wake: Arc<Notify>,
    /// Someone waits for the index: commit without waiting for the least commit interval.
    hurry: Arc<Notify>,
    read_your_writes: ReadYourWrites,
    visibility_wait: Duration,
    unsearched: Arc<UnsearchedWrites>,
    listings: Arc<ListingCache>,
}

impl std::fmt::Debug for SearchService {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("SearchService").field("position", &*self.position.borrow()).finish_non_exhaustive()
    }
}

const OUTBOX_BATCH: u64 = 1_000;
/// A node reports a changed position at most this often, and an unchanged one this often.
const REPORT_CHANGED_EVERY: Duration = Duration::from_secs(1);
const REPORT_ANYWAY_EVERY: Duration = Duration::from_secs(60);
const REBUILD_BATCH: u64 = 500;

impl SearchService {
    /// Opens (or rebuilds) the index and starts the indexer task on the current runtime.
    pub async fn start(store: Store, settings: &SearchSettings) -> anyhow::Result<SearchService> {
        let index = open_or_rebuild(&store, &settings.index_dir, settings.writer_memory_bytes).await?;
        let index = tokio::task::spawn_blocking(move || index.for_incremental_updates()).await??;
        let index = Arc::new(
            index
                .with_result_cache(settings.result_cache_bytes)
                .with_translator(Arc::new(crate::matching::query_translations)),
        );
        let start_position = index.position()?.unwrap_or(0);
        let (sender, receiver) = watch::channel(start_position);
        let wake = Arc::new(Notify::new());
        let hurry = Arc::new(Notify::new());
        let node = node_id(&settings.index_dir).context("cannot name this index replica")?;
        info!(node, "index replica");
        let listings = Arc::new(ListingCache::new(settings.listing_cache_bytes));
        let unsearched = Arc::new(UnsearchedWrites::default());
        let indexer = Indexer {
            store: store.clone(),
            index: Arc::clone(&index),
            listings: Arc::clone(&listings),
            unsearched: Arc::clone(&unsearched),
            position: sender,
            wake: Arc::clone(&wake),
            hurry: Arc::clone(&hurry),
            settings: settings.clone(),
            node,
        };
        tokio::spawn(indexer.run());
        Ok(SearchService {
            index,
            store,
            position: receiver,
            wake,
            hurry,
            read_your_writes: settings.read_your_writes,
            visibility_wait: settings.visibility_wait,
            unsearched,
            listings,
        })
    }

    /// The outbox position the index has applied up to.
    pub fn position(&self) -> i64 {
        *self.position.borrow()
    }

    /// Wakes the indexer and waits (bounded) until `outbox_id` is searchable, so that a client
    /// that writes and then searches sees its own write. The indexer commits without waiting
    /// out the least commit interval: that interval batches commits nobody waits for. A
    /// timeout is not an error: the write is stored and the indexer will get to it.
    pub async fn wait_until_searchable(&self, outbox_id: i64) {
        if self.position() >= outbox_id {
            return;
        }
        self.wake.notify_one();
        self.hurry.notify_one();
        let mut position = self.position.clone();
        let reached =
            tokio::time::timeout(self.visibility_wait, position.wait_for(|applied| *applied >= outbox_id)).await;
        if reached.is_err() {
            warn!(outbox_id, applied = self.position(), "index has not caught up yet");
        }
    }

    /// Called once `writer`'s change at `outbox_id` is stored: wakes the indexer and, as
    /// configured, waits until everyone can find it or lets the writer's next reads wait.
    pub async fn written(&self, writer: &Actor, outbox_id: i64) {
        match self.read_your_writes {
            ReadYourWrites::Everyone => self.wait_until_searchable(outbox_id).await,
            ReadYourWrites::Writer => {
                if self.position() < outbox_id {
                    self.unsearched.record(writer.user_id, outbox_id);
                    self.wake.notify_one();
                }
            }
        }
    }

    /// Waits (bounded) until the index holds every write of the viewer's that this node
    /// answered, so that what a user just wrote is in their own searches and matches. Staff
    /// wait for everyone's: they act on the whole platform (the suggestion queue, matching for
    /// events' schedules and roadshows), where a listing written a moment ago must count.
    pub async fn caught_up_for(&self, viewer: Viewer) {
        let newest = match viewer {
            Viewer::Anonymous => return,
            Viewer::Member { user_id, .. } => self.unsearched.newest_of(user_id),
            Viewer::Staff { .. } => self.unsearched.newest(),
        };
        if let Some(outbox_id) = newest
            && self.position() < outbox_id
        {
            self.wait_until_searchable(outbox_id).await;
        }
    }

    /// Searches as `actor` (anonymous when `None`), off the async executor.
    pub async fn search(&self, actor: Option<&Actor>, request: SearchRequest) -> Result<SearchResults, ServiceError> {
        let viewer = Viewer::of(actor);
        self.caught_up_for(viewer).await;
        // A kept answer costs a lookup: no trip to the blocking pool for it.
        if let Some(answer) = self.index.cached_search(viewer, &request) {
            return Ok(answer);
        }
        let index = Arc::clone(&self.index);
        let results = tokio::task::spawn_blocking(move || index.search(viewer, &request))
            .await
            .context("search task failed")?
            .map_err(|error| ServiceError::Internal(anyhow::Error::new(error).context("search failed")))?;
        Ok(results)
    }

    /// Every (kind, id) the viewer can find, for consistency checks.
    pub async fn visible_keys(&self, viewer: Viewer) -> anyhow::Result<Vec<(ListingKind, i64)>> {
        let index = Arc::clone(&self.index);
        Ok(tokio::task::spawn_blocking(move || index.visible_keys(viewer)).await??)
    }

    /// Runs `work` with the index on the blocking pool.
    pub async fn with_index<T: Send + 'static>(
        &self,
        work: impl FnOnce(&SearchIndex) -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let index = Arc::clone(&self.index);
        Ok(tokio::task::spawn_blocking(move || work(&index)).await?)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The index itself, for batch work that runs its own blocking tasks.
    pub(crate) fn index(&self) -> Arc<SearchIndex> {
        Arc::clone(&self.index)
    }

    /// Listings kept for reads by id, fed from the same outbox as the index.
    pub(crate) fn listing_cache(&self) -> &ListingCache {
        &self.listings
    }
}

async fn open_or_rebuild(store: &Store, directory: &Path, memory: usize) -> anyhow::Result<SearchIndex> {
    let opened = {
        let directory = directory.to_owned();
        tokio::task::spawn_blocking(move || SearchIndex::open(&directory, memory)).await?
    };
    let index = match opened {
        Ok(index) => index,
        Err(SearchError::SchemaVersion { found }) => {
            info!(found, "index schema changed; rebuilding");
            let directory = directory.to_owned();
            tokio::task::spawn_blocking(move || SearchIndex::recreate(&directory, memory)).await??
        }
        Err(error) => {
            return Err(anyhow::Error::new(error).context(format!("cannot open index at {}", directory.display())));
        }
    };
    match index.position()? {
        None => {
            info!(directory = %directory.display(), "index is new; building it from the database");
            rebuild(store, &index, |_, _| {}).await?;
        }
        // An index ahead of the outbox belongs to another history (a database restored from an
        // older backup): replaying from its position would skip changes, so start over.
        Some(position) if position > store.latest_outbox_id().await? => {
            warn!(position, directory = %directory.display(), "index is ahead of the database; rebuilding it");
            rebuild(store, &index, |_, _| {}).await?;
        }
        // Entries after this index's position were pruned while it was away: replaying cannot
        // fill that gap.
        Some(position) if store.oldest_outbox_id().await? > position + 1 => {
            warn!(position, directory = %directory.display(), "outbox entries this index never applied are gone; rebuilding it");
            rebuild(store, &index, |_, _| {}).await?;
        }
        Some(_) => {}
    }
    Ok(index)
}

/// Rebuilds the index from every listing in the database. The position recorded is the outbox
/// position read *before* the scan, so changes made during the scan are replayed afterwards.
pub async fn rebuild(store: &Store, index: &SearchIndex, mut progress: impl FnMut(u64, u64)) -> anyhow::Result<u64> {
    let position = store.latest_outbox_id().await?;
    let total = store.count_results().await? + store.count_needs().await?;
    index.clear()?;
    let mut done = 0;
    let mut after = 0;
    loop {
        let batch = store.results_after(after, REBUILD_BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.id.0;
        let documents: Vec<ListingDocument> = batch.iter().map(ListingDocument::from_result).collect();
        index.add_documents(&documents)?;
        done += documents.len() as u64;
        progress(done, total);
    }
    after = 0;
    loop {
        let batch = store.needs_after(after, REBUILD_BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.id.0;
        let documents: Vec<ListingDocument> = batch.iter().map(ListingDocument::from_need).collect();
        index.add_documents(&documents)?;
        done += documents.len() as u64;
        progress(done, total);
    }
    index.finish_rebuild(position)?;
    info!(documents = done, position, "index rebuilt");
    Ok(done)
}

/// Opens the index directory for an offline rebuild (`techmatch reindex`).
pub async fn rebuild_offline(
    store: &Store,
    directory: &Path,
    memory: usize,
    progress: impl FnMut(u64, u64),
) -> anyhow::Result<u64> {
    let index = {
        let directory = directory.to_owned();
        tokio::task::spawn_blocking(move || SearchIndex::recreate(&directory, memory)).await??
    };
    rebuild(store, &index, progress).await
}

/// The one task per process that applies the outbox to the index and the listing cache.
struct Indexer {
    store: Store,
    index: Arc<SearchIndex>,
    listings: Arc<ListingCache>,
    unsearched: Arc<UnsearchedWrites>,
    position: watch::Sender<i64>,
    wake: Arc<Notify>,
    hurry: Arc<Notify>,
    settings: SearchSettings,
    node: String,
}

impl Indexer {
    async fn run(self) {
        let Indexer { store, index, listings, unsearched, position, wake, hurry, settings, node } = self;
        let (poll_interval, min_commit_interval) = (settings.poll_interval, settings.min_commit_interval);
        let mut reported: Option<(i64, tokio::time::Instant)> = None;
        let mut pruned_at = tokio::time::Instant::now();
        loop {
            let current = *position.borrow();
            report_and_prune(&store, &node, current, &settings, &mut reported, &mut pruned_at).await;
            let applied = *position.borrow();
            let started = tokio::time::Instant::now();
            match catch_up_once(&store, &index, &listings, applied).await {
                Ok(Some(new_position)) => {
                    position.send_replace(new_position);
                    unsearched.applied_up_to(new_position);
                    // More may be waiting: go on after the least commit interval, so that the
                    // next commit gathers what arrives meanwhile, or at once for a waiter.
                    tokio::select! {
                        () = tokio::time::sleep_until(started + min_commit_interval) => {}
                        () = hurry.notified() => {}
                    }
                }
                Ok(None) => {
                    tokio::select! {
                        () = wake.notified() => {}
                        () = tokio::time::sleep(poll_interval) => {}
                    }
                }
                Err(error) => {
                    warn!(error = format!("{error:#}"), applied, "indexer could not apply the outbox; retrying");
                    tokio::time::sleep(poll_interval.max(Duration::from_millis(500))).await;
                }
            }
            if position.is_closed() {
                return;
            }
        }
    }
}

/// Tells the other nodes how far this one got, and now and then prunes the outbox below what
/// every live node has applied. Failures are logged: both are retried on the next round.
async fn report_and_prune(
    store: &Store,
    node: &str,
    applied: i64,
    settings: &SearchSettings,
    reported: &mut Option<(i64, tokio::time::Instant)>,
    pruned_at: &mut tokio::time::Instant,
) {
    let due = match *reported {
        None => true,
        Some((position, at)) => {
            (position != applied && at.elapsed() >= REPORT_CHANGED_EVERY) || at.elapsed() >= REPORT_ANYWAY_EVERY
        }
    };
    if due {
        match store.record_index_position(node, applied, chrono::Utc::now()).await {
            Ok(()) => *reported = Some((applied, tokio::time::Instant::now())),
            Err(error) => warn!(error = %error, node, applied, "could not report the index position"),
        }
    }
    if reported.is_some() && pruned_at.elapsed() >= settings.outbox_prune_interval {
        *pruned_at = tokio::time::Instant::now();
        let retention = chrono::Duration::from_std(settings.node_retention).unwrap_or(chrono::Duration::days(1));
        match store.prune_outbox(chrono::Utc::now() - retention).await {
            Ok(0) => {}
            Ok(deleted) => info!(deleted, "outbox pruned"),
            Err(error) => warn!(error = %error, "could not prune the outbox"),
        }
    }
}

/// This replica's name among the nodes: random, kept beside the index directory so that it
/// survives restarts and differs between replicas.
fn node_id(directory: &Path) -> anyhow::Result<String> {
    use rand::Rng;
    let file = directory.with_extension("node-id");
    if let Ok(id) = std::fs::read_to_string(&file)
        && !id.trim().is_empty()
    {
        return Ok(id.trim().to_owned());
    }
    if let Some(parent) = file.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let id: String = rand::rng().sample_iter(rand::distr::Alphanumeric).take(20).map(char::from).collect();
    std::fs::write(&file, &id).with_context(|| format!("cannot write {}", file.display()))?;
    Ok(id)
}

/// Applies one batch of outbox entries after `applied`; `None` when there was nothing to do.
async fn catch_up_once(
    store: &Store,
    index: &Arc<SearchIndex>,
    listings: &ListingCache,
    applied: i64,
) -> anyhow::Result<Option<i64>> {
    let entries = store.outbox_after(applied, OUTBOX_BATCH).await?;
    let Some(last) = entries.last().map(|entry| entry.id) else {
        return Ok(None);
    };
    // Before the rows are read: whatever is kept for them now is at best as old as that.
    for entry in &entries {
        listings.forget(entry.kind, entry.entity_id);
    }
    let changes = load_changes(store, &entries).await?;
    let index = Arc::clone(index);
    tokio::task::spawn_blocking(move || index.apply(&changes, last)).await??;
    Ok(Some(last))
}

/// The current state of every listing the entries name: an upsert if it exists, else a removal.
async fn load_changes(store: &Store, entries: &[OutboxEntry]) -> anyhow::Result<Vec<IndexChange>> {
    let result_ids: BTreeSet<i64> =
        entries.iter().filter(|entry| entry.kind == ListingKind::Result).map(|entry| entry.entity_id).collect();
    let need_ids: BTreeSet<i64> =
        entries.iter().filter(|entry| entry.kind == ListingKind::Need).map(|entry| entry.entity_id).collect();
    let results = store.results_by_ids(&result_ids.iter().copied().collect::<Vec<_>>()).await?;
    let needs = store.needs_by_ids(&need_ids.iter().copied().collect::<Vec<_>>()).await?;
    let mut changes = Vec::with_capacity(result_ids.len() + need_ids.len());
    let found_results: BTreeSet<i64> = results.iter().map(|result| result.id.0).collect();
    let found_needs: BTreeSet<i64> = needs.iter().map(|need| need.id.0).collect();
    changes.extend(results.iter().map(|result| IndexChange::Upsert(Box::new(ListingDocument::from_result(result)))));
    changes.extend(needs.iter().map(|need| IndexChange::Upsert(Box::new(ListingDocument::from_need(need)))));
    changes.extend(
        result_ids.difference(&found_results).map(|id| IndexChange::Remove { kind: ListingKind::Result, id: *id }),
    );
    changes
        .extend(need_ids.difference(&found_needs).map(|id| IndexChange::Remove { kind: ListingKind::Need, id: *id }));
    Ok(changes)
}
