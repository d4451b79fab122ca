//! Fresh databases for tests: a SQLite file in a temporary directory, or a new PostgreSQL
//! database on the server named by `TECHMATCH_TEST_POSTGRES_URL`, dropped when the test ends.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{ConnectionTrait, Database};

use crate::{DatabaseSettings, SqliteSynchronous, Store};

pub const POSTGRES_URL_VARIABLE: &str = "TECHMATCH_TEST_POSTGRES_URL";

/// A database that lives as long as this value.
pub struct TestDatabase {
    pub settings: DatabaseSettings,
    pub label: &'static str,
    _directory: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub fn sqlite() -> TestDatabase {
        let directory = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}?mode=rwc", directory.path().join("techmatch.db").display());
        TestDatabase { settings: settings_for(url), label: "sqlite", _directory: Some(directory), postgres: None }
    }

    /// `None` (after printing why, past the test harness's capture) when no server is configured.
    pub async fn postgres() -> Option<TestDatabase> {
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VARIABLE) else {
            let _ = writeln!(
                std::io::stderr(),
                "skipped postgresql half of the test: {POSTGRES_URL_VARIABLE} is unset (ci always sets it)"
            );
            return None;
        };
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "techmatch_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            chrono::Utc::now().timestamp_micros()
        );
        let admin = Database::connect(admin_url.as_str()).await.expect("connect to the test postgresql server");
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
        admin.close().await.expect("close admin connection");
        let mut url = url::Url::parse(&admin_url).expect("TECHMATCH_TEST_POSTGRES_URL is a url");
        url.set_path(&name);
        Some(TestDatabase {
            settings: settings_for(url.to_string()),
            label: "postgres",
            _directory: None,
            postgres: Some((admin_url, name)),
        })
    }

    /// SQLite always; PostgreSQL too when configured.
    pub async fn all() -> Vec<TestDatabase> {
        let mut databases = vec![TestDatabase::sqlite()];
        databases.extend(TestDatabase::postgres().await);
        databases
    }

    /// Connected and migrated.
    pub async fn store(&self) -> Store {
        let store = Store::connect(&self.settings).await.expect("connect test store");
        store.migrate().await.expect("migrate test store");
        store
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else { return };
        // Drop runs outside any async context we could borrow, so use a small runtime of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async move {
                let admin = Database::connect(admin_url.as_str()).await.ok()?;
                admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok()?;
                admin.close().await.ok()
            })
        })
        .join();
    }
}

fn settings_for(url: String) -> DatabaseSettings {
    DatabaseSettings {
        url,
        max_connections: 8,
        acquire_timeout_ms: 10_000,
        sqlite_busy_timeout_ms: 5_000,
        sqlite_synchronous: SqliteSynchronous::Normal,
    }
}

impl Store {
    /// Moves an event to another day, its registration deadline by as many days: how a test
    /// lets a fair take place (what follows a meeting is recorded only once it has begun).
    pub async fn move_event_to_day(
        &self,
        event: techmatch_domain::event::EventId,
        day: chrono::NaiveDate,
    ) -> Result<(), crate::StoreError> {
        use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
        let transaction = self.begin_write().await?;
        let found = crate::entity::event::Entity::find_by_id(event.0).one(&transaction).await?;
        let model = found.ok_or(crate::StoreError::NotFound)?;
        let mut timetable: serde_json::Value = serde_json::from_str(&model.timetable)
            .map_err(|error| crate::StoreError::Corrupt(format!("event {event} timetable: {error}")))?;
        let old_day = timetable["date"]
            .as_str()
            .and_then(|raw| chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok())
            .ok_or_else(|| crate::StoreError::Corrupt(format!("event {event} timetable has no date")))?;
        timetable["date"] = serde_json::Value::String(day.to_string());
        let deadline = model.registration_deadline + (day - old_day);
        let mut changed = model.into_active_model();
        changed.timetable = Set(timetable.to_string());
        changed.registration_deadline = Set(deadline);
        changed.update(&transaction).await?;
        transaction.commit().await?;
        Ok(())
    }
}
