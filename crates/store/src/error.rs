use sea_orm::{DbErr, RuntimeErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; the message names the constraint or column.
    #[error("unique constraint violated: {0}")]
    UniqueViolation(String),
    #[error("record not found")]
    NotFound,
    /// The database cannot be reached or has no free connection; worth retrying later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A stored value no longer parses as its domain type.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[source] DbErr),
    #[error("configuration error: {0}")]
    Configuration(String),
}

impl From<DbErr> for StoreError {
    fn from(error: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(message)) = error.sql_err() {
            return StoreError::UniqueViolation(message);
        }
        if is_transient(&error) {
            return StoreError::Unavailable(error.to_string());
        }
        match error {
            DbErr::RecordNotFound(_) => StoreError::NotFound,
            _ => StoreError::Database(error),
        }
    }
}

/// The database is away or busy rather than the request or the code being wrong.
pub(crate) fn is_transient(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(RuntimeErr::SqlxError(_)) => true,
        DbErr::Exec(RuntimeErr::SqlxError(inner)) | DbErr::Query(RuntimeErr::SqlxError(inner)) => {
            is_connection_failure(inner)
        }
        _ => false,
    }
}

fn is_connection_failure(error: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match error {
        Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::WorkerCrashed | Error::Tls(_) => true,
        // SQLITE_BUSY (5) and SQLITE_LOCKED (6) after the busy timeout, or PostgreSQL shutting down
        // (57P01 admin_shutdown, 57P03 cannot_connect_now): transient, not a bug.
        Error::Database(database_error) => matches!(
            database_error.code().as_deref(),
            Some("5") | Some("6") | Some("517") | Some("57P01") | Some("57P02") | Some("57P03")
        ),
        _ => false,
    }
}
