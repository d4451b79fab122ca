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
}

impl SystemService {
    pub fn new(store: Store) -> SystemService {
        SystemService { store }
    }

    /// Whether the database answers.
    pub async fn check_database(&self) -> Result<(), ServiceError> {
        Ok(self.store.ping().await?)
    }
}

/// Every use-case service, built once at start and shared by the HTTP workers.
#[derive(Clone, Debug)]
pub struct Services {
    pub accounts: AccountService,
    pub listings: ListingService,
    pub matches: crate::matches::MatchService,
    pub events: crate::events::EventService,
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
    ) -> anyhow::Result<Services> {
        let search = SearchService::start(store.clone(), search).await?;
        let matches = crate::matches::MatchService::new(store.clone(), search.clone(), weights);
        Ok(Services {
            accounts: AccountService::new(store.clone(), auth)?,
            listings: ListingService::new(store.clone(), search.clone()),
            events: crate::events::EventService::new(
                store.clone(),
                matches.clone(),
                crate::mail::Mailer::new(mail, store.clone()),
            ),
            matches,
            search,
            system: SystemService::new(store),
        })
    }
}
