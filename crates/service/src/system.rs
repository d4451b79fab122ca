//! Operational use cases: health of the dependencies.

use techmatch_store::Store;

use crate::accounts::AccountService;
use crate::error::ServiceError;
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
    pub system: SystemService,
}

impl Services {
    pub fn new(store: Store, auth: &AuthSettings) -> anyhow::Result<Services> {
        Ok(Services { accounts: AccountService::new(store.clone(), auth)?, system: SystemService::new(store) })
    }
}
