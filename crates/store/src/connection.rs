use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous as SqlxSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use serde::Deserialize;
use techmatch_migrations::Migrator;

use crate::StoreError;
use crate::write_queue::{WriteFuture, WriteQueue};

/// `[database]` in the configuration files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://path?mode=rwc` or `postgres://user:password@host/db`.
    pub url: String,
    /// Size of the read pool on SQLite, of the only pool on PostgreSQL.
    pub max_connections: u32,
    /// How long a request waits for a free connection before it is told the database is busy.
    pub acquire_timeout_ms: u64,
    /// How long SQLite waits for another process's write lock.
    pub sqlite_busy_timeout_ms: u64,
    pub sqlite_synchronous: SqliteSynchronous,
}

/// `full` keeps acknowledged commits through power loss; `normal` (in WAL mode) only through a
/// process crash, for faster writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SqliteSynchronous {
    Full,
    Normal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) reader: DatabaseConnection,
    pub(crate) writer: DatabaseConnection,
    backend: Backend,
    /// The group commit of listing writes (see `write_queue`), on both databases.
    write_queue: Arc<WriteQueue>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Store").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the pools (creating a SQLite file and its directory when missing). Does not migrate.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Store, StoreError> {
        let url = settings.url.trim();
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url, settings).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let mut options = ConnectOptions::new(url.to_owned());
            options
                .max_connections(settings.max_connections.max(1))
                .min_connections(0)
                .acquire_timeout(Duration::from_millis(settings.acquire_timeout_ms))
                .connect_timeout(Duration::from_millis(settings.acquire_timeout_ms))
                .sqlx_logging(false);
            let mut writer_options = options.clone();
            // Opened lazily, on the writer thread's runtime. Writes run one group at a time.
            writer_options.max_connections(1).connect_lazy(true);
            let pool = Database::connect(options).await?;
            let write_queue =
                WriteQueue::start_connecting(Box::pin(Database::connect(writer_options)), begin_immediate).map_err(
                    |error| StoreError::Configuration(format!("cannot start the listing writer thread: {error}")),
                )?;
            Ok(Store {
                reader: pool.clone(),
                writer: pool,
                backend: Backend::Postgres,
                write_queue: Arc::new(write_queue),
            })
        } else {
            Err(StoreError::Configuration("database.url must start with sqlite: or postgres://".to_owned()))
        }
    }

    async fn connect_sqlite(url: &str, settings: &DatabaseSettings) -> Result<Store, StoreError> {
        let parsed = SqliteConnectOptions::from_str(url)
            .map_err(|error| StoreError::Configuration(format!("invalid sqlite url: {error}")))?;
        let file = parsed.get_filename().to_path_buf();
        if let Some(directory) = file.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(directory).map_err(|error| {
                StoreError::Configuration(format!("cannot create database directory {}: {error}", directory.display()))
            })?;
        }
        let busy_timeout = Duration::from_millis(settings.sqlite_busy_timeout_ms);
        let synchronous = match settings.sqlite_synchronous {
            SqliteSynchronous::Full => SqlxSynchronous::Full,
            SqliteSynchronous::Normal => SqlxSynchronous::Normal,
        };
        let acquire_timeout = Duration::from_millis(settings.acquire_timeout_ms);
        let configure = move |options: SqliteConnectOptions| {
            options
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(busy_timeout)
                .synchronous(synchronous)
        };

        let mut writer_options = ConnectOptions::new(url.to_owned());
        writer_options
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(acquire_timeout.max(Duration::from_secs(30)))
            .test_before_acquire(false)
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(move |options| configure(options).create_if_missing(true));
        let writer = Database::connect(writer_options).await?;

        let mut reader_options = ConnectOptions::new(url.to_owned());
        reader_options
            .max_connections(settings.max_connections.max(1))
            .min_connections(0)
            .acquire_timeout(acquire_timeout)
            .test_before_acquire(false)
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(move |options| configure(options).read_only(true));
        let reader = Database::connect(reader_options).await?;
        let write_queue = WriteQueue::start(writer.clone(), begin_immediate)
            .map_err(|error| StoreError::Configuration(format!("cannot start the listing writer thread: {error}")))?;
        Ok(Store { reader, writer, backend: Backend::Sqlite, write_queue: Arc::new(write_queue) })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies every pending migration, then counts the deals that predate the funnel's figures
    /// into them. On PostgreSQL an advisory lock keeps several nodes
    /// starting at once from migrating concurrently.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => {
                Migrator::up(&self.writer, None).await?;
                let transaction = self.writer.begin().await?;
                crate::deals::fill_in_funnel_figures(&transaction).await?;
                transaction.commit().await?;
            }
            Backend::Postgres => {
                let transaction = self.writer.begin().await?;
                transaction.execute_unprepared("SELECT pg_advisory_xact_lock(7240118231)").await?;
                Migrator::up(&transaction, None).await?;
                crate::deals::fill_in_funnel_figures(&transaction).await?;
                transaction.commit().await?;
            }
        }
        Ok(())
    }

    /// Names of the migrations that have been applied, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<String>, StoreError> {
        let migrations = Migrator::get_applied_migrations_read_only(&self.reader).await?;
        Ok(migrations.into_iter().map(|migration| migration.name().to_owned()).collect())
    }

    /// A round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.reader.execute_unprepared("SELECT 1").await?;
        if self.backend == Backend::Sqlite {
            self.writer.ping().await?;
        }
        Ok(())
    }

    /// Starts a write transaction; on SQLite it takes the write lock up front.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, StoreError> {
        Ok(begin_immediate(&self.writer).await?)
    }

    /// Runs `write` in a write transaction and commits it. The write joins the group commit
    /// (see `write_queue`): it shares a transaction with other writes, is answered after that
    /// transaction commits, and may be run twice (the first run rolled back), so it must
    /// depend on nothing but the database.
    pub(crate) async fn write<T, E>(
        &self,
        write: impl for<'t> Fn(&'t DatabaseTransaction) -> WriteFuture<'t, Result<T, E>> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<sea_orm::DbErr> + Send + 'static,
    {
        self.write_queue.write(write).await
    }

    pub async fn close(self) {
        // The listing writer first: it finishes what is queued and closes its own connection
        // (its own on PostgreSQL; on SQLite the writer pool's, closed below anyway).
        self.write_queue.close().await;
        let _ = self.reader.close_by_ref().await;
        let _ = self.writer.close_by_ref().await;
    }
}

/// A write transaction; on SQLite it takes the write lock up front (`BEGIN IMMEDIATE`), so it
/// never fails half-way for want of the lock. PostgreSQL ignores the mode.
fn begin_immediate(connection: &DatabaseConnection) -> WriteFuture<'_, Result<DatabaseTransaction, sea_orm::DbErr>> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    Box::pin(connection.begin_with_options(options))
}
