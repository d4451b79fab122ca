//! Expressions of interest (`interests`) and the deals they open, with each deal's timeline
//! (`stages`). An answer that opens a deal, with its first timeline entry and its notices, is one
//! transaction, and so is every change of a deal.

mod bulk;
mod funnel;
mod interests;
mod introductions;
mod messages;
mod stages;

pub use bulk::BulkDeal;
pub(crate) use funnel::fill_in_funnel_figures;
pub use funnel::{FunnelDimension, FunnelRow};
pub use interests::{AnswerOutcome, NewInterestRow, StoredAnswer, SweepNotices};
pub use introductions::{IntroductionAnswerOutcome, NewIntroductionRow};
pub use stages::{DealFilter, NewDeal, StoredDealChange};

use techmatch_domain::deal::ListingRef;
use techmatch_domain::listing::{NeedId, ResultId};

/// The result and need columns of a listing reference.
fn listing_columns(listing: Option<ListingRef>) -> (Option<i64>, Option<i64>) {
    match listing {
        Some(ListingRef::Result(ResultId(id))) => (Some(id), None),
        Some(ListingRef::Need(NeedId(id))) => (None, Some(id)),
        None => (None, None),
    }
}

fn listing_of(result_id: Option<i64>, need_id: Option<i64>) -> Option<ListingRef> {
    match (result_id, need_id) {
        (Some(id), _) => Some(ListingRef::Result(ResultId(id))),
        (None, Some(id)) => Some(ListingRef::Need(NeedId(id))),
        (None, None) => None,
    }
}
