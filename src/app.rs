//! Start-up: configuration → store (migrated) → services → HTTP server.

use std::net::{SocketAddr, TcpListener};

use anyhow::Context;
use techmatch_domain::EmailAddress;
use techmatch_service::Services;
use techmatch_store::Store;

use crate::config::Settings;

/// Connects to the database and applies pending migrations.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let store = Store::connect(&settings.database).await.context("cannot open the database")?;
    store.migrate().await.context("cannot apply database migrations")?;
    Ok(store)
}

/// A bound, not yet running, HTTP service.
pub struct Application {
    address: SocketAddr,
    server: actix_web::dev::Server,
    store: Store,
    services: Services,
}

impl Application {
    /// Opens and migrates the store, builds the services and binds the listening socket.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let store = open_store(&settings).await?;
        // The general dictionary takes most of a second to load: loaded now, in the background,
        // rather than in the first English need's request.
        tokio::task::spawn_blocking(techmatch_service::matching::warm_up_dictionary);
        let services = Services::start(
            store.clone(),
            &settings.auth,
            &settings.search.service_settings(),
            settings.matching.weights,
            settings.mail.clone(),
            settings.deals.clone(),
        )
        .await?;
        let listener = TcpListener::bind(&settings.server.listen)
            .with_context(|| format!("cannot listen on {}", settings.server.listen))?;
        let address = listener.local_addr()?;
        let server = techmatch_api::build_server(listener, services.clone(), settings.server.clone())?;
        Ok(Application { address, server, store, services })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    /// The store under the services (for what only an operator's command does).
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Creates the demo admin if missing; returns its password when it was created now.
    pub async fn ensure_demo_admin(&self, settings: &Settings) -> anyhow::Result<Option<String>> {
        let email = EmailAddress::parse("demo.admin_email", &settings.demo.admin_email)
            .map_err(|error| anyhow::anyhow!("demo.admin_email: {}", error.message))?;
        Ok(self.services.accounts.ensure_demo_admin(&email).await?)
    }

    /// Loads the demo listings into an empty database.
    pub async fn load_demo_data(&self) -> anyhow::Result<Option<crate::demo::DemoSummary>> {
        crate::demo::load(&self.store, &self.services).await
    }

    /// Serves until the process is signalled (SIGINT/SIGTERM) or the handle stops it.
    pub async fn run(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.store.close().await;
        result
    }
}
