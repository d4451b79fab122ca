//! Online backup and restore checks for the embedded (SQLite) database. PostgreSQL deployments
//! use pg_dump / pg_restore instead (see the README).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sea_orm::ConnectionTrait;
use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::sqlx::{ConnectOptions, Connection, Row};

use crate::{Backend, Store, StoreError};

/// The database file behind a `sqlite:` URL; `None` for PostgreSQL.
pub fn sqlite_file(url: &str) -> Result<Option<PathBuf>, StoreError> {
    if !url.starts_with("sqlite:") {
        return Ok(None);
    }
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|error| StoreError::Configuration(format!("invalid sqlite url: {error}")))?;
    Ok(Some(options.get_filename().to_path_buf()))
}

impl Store {
    /// Writes a consistent copy of the embedded database to `target` while the service keeps
    /// running (`VACUUM INTO` reads one snapshot; writers carry on meanwhile).
    pub async fn backup_sqlite(&self, target: &Path) -> Result<(), StoreError> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::Configuration(
                "backup copies the embedded SQLite database; for PostgreSQL use pg_dump (see the README)".to_owned(),
            ));
        }
        if target.exists() {
            return Err(StoreError::Configuration(format!("{} already exists; choose a new file", target.display())));
        }
        let escaped = target.to_string_lossy().replace('\'', "''");
        self.reader.execute_unprepared(&format!("VACUUM INTO '{escaped}'")).await?;
        Ok(())
    }
}

/// Checks that `file` is an intact techmatch database: SQLite's integrity check passes and it
/// carries our migrations. Returns how many migrations it has.
pub async fn verify_sqlite_backup(file: &Path) -> Result<usize, StoreError> {
    let unreadable =
        |reason: String| StoreError::Configuration(format!("{} is not a usable backup: {reason}", file.display()));
    if !file.is_file() {
        return Err(unreadable("no such file".to_owned()));
    }
    let options = SqliteConnectOptions::new().filename(file).read_only(true);
    let mut connection = options.connect().await.map_err(|error| unreadable(error.to_string()))?;
    let integrity: String = sea_orm::sqlx::query("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(|error| unreadable(error.to_string()))?;
    if integrity != "ok" {
        return Err(unreadable(format!("integrity check says {integrity}")));
    }
    let migrations: i64 = sea_orm::sqlx::query("SELECT COUNT(*) FROM seaql_migrations")
        .fetch_one(&mut connection)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(|_| unreadable("it has no techmatch migrations".to_owned()))?;
    let _ = connection.close().await;
    Ok(usize::try_from(migrations).unwrap_or(0))
}
