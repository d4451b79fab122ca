//! Operational use cases: health of the dependencies.

use techmatch_store::Store;

use crate::accounts::AccountService;
use crate::error::ServiceError;
use crate::listings::ListingService;
use crate::search::{SearchService, SearchSettings};
use crate::settings::AuthSettings;

#[derive(Clone, Debug)]
pub struct SystemService {
    store: Store,
    search: SearchService,
}

/// How far this node's search index is behind the database.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IndexStatus {
    /// The outbox position the index has applied.
    pub applied: i64,
    /// Outbox entries written but not applied here yet.
    pub pending: u64,
    /// The oldest outbox entry still kept (pruning removes what every live node applied).
    pub oldest_kept: i64,
    /// Age of the oldest of them in seconds (0 when none is pending).
    pub lag_seconds: f64,
    pub documents: u64,
}

impl SystemService {
    pub fn new(store: Store, search: SearchService) -> SystemService {
        SystemService { store, search }
    }

    /// Whether the database answers.
    pub async fn check_database(&self) -> Result<(), ServiceError> {
        Ok(self.store.ping().await?)
    }

    /// The index's backlog against the outbox (needs the database).
    pub async fn index_status(&self) -> Result<IndexStatus, ServiceError> {
        let applied = self.search.position();
        let (pending, oldest) = self.store.outbox_backlog(applied).await?;
        let lag_seconds = oldest
            .map(|written| (chrono::Utc::now() - written).num_milliseconds().max(0) as f64 / 1000.0)
            .unwrap_or(0.0);
        let documents = self.search.with_index(|index| index.num_docs()).await.map_err(ServiceError::Internal)?;
        let oldest_kept = self.store.oldest_outbox_id().await?;
        Ok(IndexStatus { applied, pending, oldest_kept, lag_seconds, documents })
    }
}

/// Every use-case service, built once at start and shared by the HTTP workers.
#[derive(Clone, Debug)]
pub struct Services {
    pub accounts: AccountService,
    pub listings: ListingService,
    pub matches: crate::matching::MatchService,
    pub events: crate::events::EventService,
    pub deals: crate::deals::DealService,
    pub search: SearchService,
    pub system: SystemService,
}

impl Services {
    /// Builds every service; opens the search index and starts its indexer on this runtime.
    pub async fn start(
        store: Store,
        auth: &AuthSettings,
        search: &SearchSettings,
        weights: techmatch_matching::features::Weights,
        mail: crate::mail::MailSettings,
        deals: crate::deals::DealSettings,
    ) -> anyhow::Result<Services> {
        let search = SearchService::start(store.clone(), search).await?;
        let matches = crate::matching::MatchService::new(store.clone(), search.clone(), weights);
        // The e-mail sender starts with the service: it also sends what was left due before.
        let mailer = crate::mail::Mailer::new(mail, store.clone());
        mailer.start();
        let listings = ListingService::new(store.clone(), search.clone());
        let deal_service = crate::deals::DealService::new(store.clone(), listings.clone(), matches.clone(), deals);
        deal_service.start_sweeping();
        Ok(Services {
            accounts: AccountService::new(store.clone(), auth)?,
            listings,
            events: crate::events::EventService::new(store.clone(), matches.clone(), deal_service.clone(), mailer),
            deals: deal_service,
            matches,
            system: SystemService::new(store, search.clone()),
            search,
        })
    }
}
