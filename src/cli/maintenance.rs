//! Maintenance: rebuilding the search index, and on the embedded database an online backup and
//! a restore that also rebuilds the index. PostgreSQL is backed up with pg_dump (see the README).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::progress_bar;
use crate::app::open_store;
use crate::config::Settings;

#[derive(Debug, clap::Args)]
pub struct FileArgs {
    pub file: PathBuf,
}

/// `techmatch reindex`: the index rebuilt from the database, with a progress bar.
pub async fn reindex(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    let search = settings.search.service_settings();
    let bar = progress_bar("indexing");
    let count = techmatch_service::search::rebuild_offline(
        &store,
        &search.index_dir,
        search.writer_memory_bytes,
        |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )
    .await
    .context("reindex failed (is a server still running on this index?)")?;
    bar.finish_and_clear();
    println!("indexed {count} listings into {}", search.index_dir.display());
    store.close().await;
    Ok(())
}

/// `techmatch backup FILE`: a consistent copy taken while the service keeps running.
pub async fn backup(settings: &Settings, target: &Path) -> anyhow::Result<()> {
    if techmatch_store::sqlite_file(&settings.database.url)?.is_none() {
        bail!("backup copies the embedded SQLite database; for PostgreSQL use pg_dump (see the README)");
    }
    let store = open_store(settings).await?;
    store.backup_sqlite(target).await.context("backup failed")?;
    store.close().await;
    let migrations = techmatch_store::verify_sqlite_backup(target).await.context("the copy does not check out")?;
    let bytes = std::fs::metadata(target)?.len();
    println!("backed up to {} ({bytes} bytes, {migrations} migrations, integrity ok)", target.display());
    Ok(())
}

/// `techmatch restore FILE`: checks the backup, refuses while a server holds the data, puts the
/// copy in place of the database, applies newer migrations and rebuilds the index from it.
pub async fn restore(settings: &Settings, source: &Path) -> anyhow::Result<()> {
    let Some(database) = techmatch_store::sqlite_file(&settings.database.url)? else {
        bail!("restore replaces the embedded SQLite database; for PostgreSQL use pg_restore (see the README)");
    };
    let migrations = techmatch_store::verify_sqlite_backup(source).await?;
    let search = settings.search.service_settings();
    // A running server holds the index writer's lock for its lifetime.
    if search.index_dir.exists() {
        let directory = search.index_dir.clone();
        let memory = search.writer_memory_bytes;
        let opened =
            tokio::task::spawn_blocking(move || techmatch_search::SearchIndex::open(&directory, memory)).await?;
        if let Err(error) = opened
            && error.is_locked()
        {
            bail!("a server is running on this data ({error}); stop it before restoring");
        }
    }
    let directory = database.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(directory)?;
    let staging = directory.join(".techmatch-restore.tmp");
    std::fs::copy(source, &staging).with_context(|| format!("cannot copy {}", source.display()))?;
    std::fs::File::open(&staging)?.sync_all()?;
    for suffix in ["-wal", "-shm"] {
        let side = database.with_file_name(format!(
            "{}{suffix}",
            database.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
        ));
        if side.exists() {
            std::fs::remove_file(&side).with_context(|| format!("cannot remove {}", side.display()))?;
        }
    }
    if database.exists() {
        // The replaced database is kept beside it, not deleted: a restore can be undone.
        let kept = database.with_extension(format!("before-restore-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S")));
        std::fs::rename(&database, &kept).with_context(|| format!("cannot set {} aside", database.display()))?;
        println!("the replaced database is kept as {}", kept.display());
    }
    std::fs::rename(&staging, &database).with_context(|| format!("cannot replace {}", database.display()))?;
    println!("restored {} ({migrations} migrations) into {}", source.display(), database.display());
    let store = open_store(settings).await?;
    let bar = crate::cli::progress_bar("reindexing");
    let count = techmatch_service::search::rebuild_offline(
        &store,
        &search.index_dir,
        search.writer_memory_bytes,
        |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )
    .await
    .context("rebuilding the index failed")?;
    bar.finish_and_clear();
    store.close().await;
    println!("index rebuilt: {count} listings");
    std::io::stdout().flush()?;
    Ok(())
}
