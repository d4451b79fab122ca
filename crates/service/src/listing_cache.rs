//! Listings read by id, kept in memory and dropped whenever the outbox names them.
//!
//! Every change to a listing row writes an outbox entry in the same transaction, and this
//! node's indexer reads every entry (its own writes and other nodes'), so dropping a listing
//! when the indexer sees its entry keeps the cache as fresh as this node's search index; this
//! node's own edits drop theirs at once. Only reads for display use it: edits read the row
//! itself, since they build the new version from the current one.
//!
//! A read that started before a listing was dropped must not put the old row back: every drop
//! moves an epoch on, and a row is only kept if no drop happened while it was being read.

use std::collections::HashMap;
use std::sync::Mutex;

use techmatch_domain::listing::{ListingKind, NeedId, ResearchResult, ResultId, TechNeed};

#[derive(Debug, Clone)]
enum Listing {
    Result(Box<ResearchResult>),
    Need(Box<TechNeed>),
}

#[derive(Debug, Default)]
struct Kept {
    epoch: u64,
    listings: HashMap<(ListingKind, i64), (Listing, usize)>,
    /// Roughly what the kept listings take in memory.
    bytes: usize,
}

/// Listings within about `budget_bytes` of memory (0 keeps none).
#[derive(Debug)]
pub(crate) struct ListingCache {
    budget_bytes: usize,
    kept: Mutex<Kept>,
}

/// Roughly the memory a listing takes: its texts plus a fixed share for the rest.
fn approximate_bytes(title: &str, text: &str, keywords: &[String]) -> usize {
    512 + title.len() + text.len() + keywords.iter().map(|keyword| keyword.len() + 24).sum::<usize>()
}

/// Where a read started, to keep its row only if nothing was dropped meanwhile.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadStarted(u64);

impl ListingCache {
    pub(crate) fn new(budget_bytes: usize) -> ListingCache {
        ListingCache { budget_bytes, kept: Mutex::new(Kept::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn start_read(&self) -> ReadStarted {
        ReadStarted(self.lock().epoch)
    }

    pub(crate) fn result(&self, id: ResultId) -> Option<ResearchResult> {
        match self.lock().listings.get(&(ListingKind::Result, id.0)) {
            Some((Listing::Result(result), _)) => Some((**result).clone()),
            _ => None,
        }
    }

    pub(crate) fn need(&self, id: NeedId) -> Option<TechNeed> {
        match self.lock().listings.get(&(ListingKind::Need, id.0)) {
            Some((Listing::Need(need), _)) => Some((**need).clone()),
            _ => None,
        }
    }

    pub(crate) fn keep_result(&self, started: ReadStarted, result: &ResearchResult) {
        let content = &result.content;
        let bytes =
            approximate_bytes(content.title.as_str(), content.abstract_text.as_str(), content.keywords.as_slice());
        self.keep(started, (ListingKind::Result, result.id.0), bytes, || Listing::Result(Box::new(result.clone())));
    }

    pub(crate) fn keep_need(&self, started: ReadStarted, need: &TechNeed) {
        let content = &need.content;
        let bytes =
            approximate_bytes(content.title.as_str(), content.description.as_str(), content.keywords.as_slice());
        self.keep(started, (ListingKind::Need, need.id.0), bytes, || Listing::Need(Box::new(need.clone())));
    }

    fn keep(&self, started: ReadStarted, key: (ListingKind, i64), bytes: usize, listing: impl FnOnce() -> Listing) {
        if self.budget_bytes == 0 || bytes > self.budget_bytes / 8 {
            return;
        }
        let mut kept = self.lock();
        if kept.epoch != started.0 {
            return;
        }
        // Full: start over rather than track recency (a read costs one query either way).
        if kept.bytes + bytes > self.budget_bytes {
            kept.listings.clear();
            kept.bytes = 0;
        }
        if let Some((_, replaced)) = kept.listings.insert(key, (listing(), bytes)) {
            kept.bytes -= replaced;
        }
        kept.bytes += bytes;
    }

    /// The listing changed (or may have): drop it, and refuse rows read before now.
    pub(crate) fn forget(&self, kind: ListingKind, id: i64) {
        let mut kept = self.lock();
        kept.epoch += 1;
        if let Some((_, bytes)) = kept.listings.remove(&(kind, id)) {
            kept.bytes -= bytes;
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().listings.len()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn result(id: i64, title: &str) -> ResearchResult {
        use techmatch_domain::listing::{Keywords, LongText, Maturity, MoneyRange, ResultContent, ResultStatus, Title};
        ResearchResult {
            id: ResultId(id),
            owner_user_id: techmatch_domain::UserId(1),
            organization_id: techmatch_domain::OrganizationId(1),
            content: ResultContent {
                title: Title::parse("title", title).unwrap(),
                abstract_text: LongText::parse("abstract", "一种锂电池正极材料的制备方法。").unwrap(),
                keywords: Keywords::default(),
                field: None,
                industry_codes: vec![],
                maturity: Maturity::Pilot,
                ip_items: vec![],
                transfer_modes: vec![],
                asking_price: MoneyRange::default(),
                institution: None,
                region_code: None,
                contact: None,
            },
            status: ResultStatus::Published,
            language: techmatch_domain::listing::Language::Zh,
            version: 1,
            external_id: None,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_row_read_before_a_change_is_not_kept() {
        let cache = ListingCache::new(1 << 20);
        let started = cache.start_read();
        cache.keep_result(started, &result(1, "旧标题"));
        assert_eq!(cache.result(ResultId(1)).unwrap().content.title.as_str(), "旧标题");
        assert!(cache.need(NeedId(1)).is_none(), "kinds are kept apart");

        // A read starts, the listing changes meanwhile, the read ends with the old row.
        let started = cache.start_read();
        cache.forget(ListingKind::Result, 1);
        cache.keep_result(started, &result(1, "旧标题"));
        assert!(cache.result(ResultId(1)).is_none(), "the old row must not come back");

        let started = cache.start_read();
        cache.keep_result(started, &result(1, "新标题"));
        assert_eq!(cache.result(ResultId(1)).unwrap().content.title.as_str(), "新标题");
    }

    #[test]
    fn the_budget_bounds_what_is_kept() {
        let one = approximate_bytes("标题", "一种锂电池正极材料的制备方法。", &[]);
        let cache = ListingCache::new(8 * one + one / 2);
        for id in 1..=9 {
            let started = cache.start_read();
            cache.keep_result(started, &result(id, "标题"));
            assert!(cache.len() <= 8, "{}", cache.len());
        }
        assert_eq!(cache.len(), 1, "the ninth did not fit: started over with it");
        assert!(cache.result(ResultId(9)).is_some());
        // Reading the same listing again replaces it without counting it twice, so seven
        // more still fit beside it.
        for id in [9, 9, 9, 9, 10, 11, 12, 13, 14, 15, 16] {
            let started = cache.start_read();
            cache.keep_result(started, &result(id, "标题"));
        }
        assert_eq!(cache.len(), 8);
        // A listing larger than an eighth of the budget is never kept.
        let small = ListingCache::new(4 * one);
        let started = small.start_read();
        small.keep_result(started, &result(1, "标题"));
        assert_eq!(small.len(), 0);
        let none = ListingCache::new(0);
        let started = none.start_read();
        none.keep_result(started, &result(1, "标题"));
        assert_eq!(none.len(), 0);
    }
}
