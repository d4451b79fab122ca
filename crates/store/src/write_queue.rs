//! Group commit for listing writes (SQLite's single writer; on PostgreSQL the outbox lock).
//!
//! SQLite lets one transaction write at a time, so a write's cost is how long it holds the
//! writer: BEGIN, its statements, COMMIT (an fsync with `synchronous = full`), each a hand-off
//! to the connection's worker thread and back to the task that waits for it. On a busy server
//! that task waits behind every other ready request on its worker before it can send the next
//! statement, which made a small insert hold the writer for milliseconds and capped writes at a
//! few hundred a second.
//!
//! Here the writes run on a thread of their own, and the writes that arrive while one
//! transaction runs share the next, one COMMIT for all. They first run one after the other
//! with nothing between them; if one of them fails, the transaction is rolled back and the
//! group runs again with each write inside its own savepoint, so a failing write rolls back
//! alone (a savepoint costs two round trips a write, and writes rarely fail). Every caller is
//! answered only after the COMMIT, so an acknowledged write is as durable as before; if the
//! COMMIT fails, every write of the group is answered with the error and none of them is stored.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

use futures_util::FutureExt as _;

use sea_orm::error::ConnAcquireErr;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};
use tracing::{error, warn};

use crate::error::is_transient;

pub(crate) type WriteFuture<'t, T> = Pin<Box<dyn Future<Output = T> + Send + 't>>;

/// A caller's write, its result type erased. It may run twice (see the module notes), so it
/// must depend on nothing but the database.
trait QueuedWrite: Send {
    /// Runs the write and keeps its outcome; true when it succeeded.
    fn run<'t>(&'t mut self, transaction: &'t DatabaseTransaction) -> WriteFuture<'t, bool>;
    /// Answers with the outcome of the last run, or with `commit_failure` if that run
    /// succeeded but the group's COMMIT failed.
    fn answer(self: Box<Self>, commit_failure: Option<DbErr>);
    /// Answers without running: the group could not start or had to stop.
    fn refuse(self: Box<Self>, failure: DbErr);
}

struct TypedWrite<F, T, E> {
    write: F,
    outcome: Option<Result<T, E>>,
    answer: oneshot::Sender<Result<T, E>>,
}

impl<F, T, E> QueuedWrite for TypedWrite<F, T, E>
where
    F: for<'t> Fn(&'t DatabaseTransaction) -> WriteFuture<'t, Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: From<DbErr> + Send + 'static,
{
    fn run<'t>(&'t mut self, transaction: &'t DatabaseTransaction) -> WriteFuture<'t, bool> {
        Box::pin(async move {
            let outcome = (self.write)(transaction).await;
            let succeeded = outcome.is_ok();
            self.outcome = Some(outcome);
            succeeded
        })
    }

    fn answer(self: Box<Self>, commit_failure: Option<DbErr>) {
        let outcome = match (self.outcome, commit_failure) {
            (Some(Ok(_)), Some(failure)) => Err(E::from(failure)),
            (Some(outcome), _) => outcome,
            (None, failure) => Err(E::from(
                failure.unwrap_or_else(|| DbErr::Custom("the write was answered before it ran".to_owned())),
            )),
        };
        // The caller may have gone (its request timed out); the write stands.
        let _ = self.answer.send(outcome);
    }

    fn refuse(self: Box<Self>, failure: DbErr) {
        let _ = self.answer.send(Err(E::from(failure)));
    }
}

type Job = Box<dyn QueuedWrite>;
type Begin = fn(&DatabaseConnection) -> WriteFuture<'_, Result<DatabaseTransaction, DbErr>>;
/// Opens the writer's connection on the writer thread's own runtime: a network connection
/// belongs to the runtime that opened it, and used from another it waits on that one's turns.
pub(crate) type Connect = Pin<Box<dyn Future<Output = Result<DatabaseConnection, DbErr>> + Send>>;

/// Most writes one transaction carries.
const MOST_PER_GROUP: usize = 256;
/// Writes waiting for their turn before callers wait to hand theirs over.
const QUEUE_LENGTH: usize = 4096;
/// How long closing waits for the writer to finish its queue.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Debug)]
pub(crate) struct WriteQueue {
    jobs: mpsc::Sender<Job>,
    /// Asks the writer to finish what is queued, close its connection and stop.
    stop: tokio::sync::watch::Sender<bool>,
    /// True once the writer has stopped (its connection closed).
    stopped: tokio::sync::watch::Receiver<bool>,
}

impl WriteQueue {
    /// Starts the writer thread; it stops when the last handle to the queue is dropped, or when
    /// [`WriteQueue::close`] asks it to.
    pub(crate) fn start(writer: DatabaseConnection, begin: Begin) -> std::io::Result<WriteQueue> {
        WriteQueue::start_connecting(Box::pin(async move { Ok(writer) }), begin)
    }

    /// Like [`WriteQueue::start`], with the connection opened by `connect` on the writer thread.
    pub(crate) fn start_connecting(connect: Connect, begin: Begin) -> std::io::Result<WriteQueue> {
        let (jobs, mut receiver) = mpsc::channel::<Job>(QUEUE_LENGTH);
        let (stop, mut stop_asked) = tokio::sync::watch::channel(false);
        let (done, stopped) = tokio::sync::watch::channel(false);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new().name("listing-writer".to_owned()).spawn(move || {
            runtime.block_on(async move {
                match connect.await {
                    Ok(writer) => {
                        run(&writer, begin, receiver, stop_asked).await;
                        if let Err(failure) = writer.close().await {
                            warn!(error = %failure, "the listing writer's connection did not close cleanly");
                        }
                    }
                    Err(failure) => {
                        error!(error = %failure, "the listing writer cannot open its connection");
                        loop {
                            tokio::select! {
                                job = receiver.recv() => match job {
                                    Some(job) => job.refuse(same_failure(&failure)),
                                    None => break,
                                },
                                _ = stop_asked.wait_for(|stop| *stop) => break,
                            }
                        }
                    }
                }
            });
            let _ = done.send(true);
        })?;
        Ok(WriteQueue { jobs, stop, stopped })
    }

    /// Stops the writer: what is already queued is written, later writes are refused (as on a
    /// closed connection), and the writer's connection is closed before this returns, unless
    /// that takes longer than `CLOSE_WAIT` (a database that stopped answering must not hold up
    /// a shutdown).
    pub(crate) async fn close(&self) {
        let _ = self.stop.send(true);
        let mut stopped = self.stopped.clone();
        // An error means the writer thread is gone already.
        let finished = tokio::time::timeout(CLOSE_WAIT, stopped.wait_for(|stopped| *stopped)).await;
        if finished.is_err() {
            warn!(seconds = CLOSE_WAIT.as_secs(), "the listing writer did not finish in time; closing without it");
        }
    }

    /// Runs `write` in a transaction shared with the writes queued beside it, and answers once
    /// that transaction is committed (or failed). `write` may be run twice, the first run
    /// rolled back.
    pub(crate) async fn write<T, E>(
        &self,
        write: impl for<'t> Fn(&'t DatabaseTransaction) -> WriteFuture<'t, Result<T, E>> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbErr> + Send + 'static,
    {
        let (answer, receiver) = oneshot::channel::<Result<T, E>>();
        let stopped = E::from(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed));
        self.jobs.send(Box::new(TypedWrite { write, outcome: None, answer })).await.map_err(|_| stopped)?;
        // Only a write that panicked goes unanswered: its transaction was rolled back.
        receiver.await.map_err(|_| E::from(DbErr::Custom("the write failed before it was answered".to_owned())))?
    }
}

async fn run(
    writer: &DatabaseConnection,
    begin: Begin,
    mut receiver: mpsc::Receiver<Job>,
    mut stop_asked: tokio::sync::watch::Receiver<bool>,
) {
    let mut group = Vec::with_capacity(MOST_PER_GROUP);
    loop {
        tokio::select! {
            biased;
            received = receiver.recv_many(&mut group, MOST_PER_GROUP) => {
                if received == 0 {
                    return;
                }
                run_group(writer, begin, std::mem::take(&mut group)).await;
            }
            _ = stop_asked.wait_for(|stop| *stop) => break,
        }
    }
    // Closing: no new writes are taken; those already queued are written.
    receiver.close();
    while receiver.recv_many(&mut group, MOST_PER_GROUP).await > 0 {
        run_group(writer, begin, std::mem::take(&mut group)).await;
    }
}

async fn run_group(writer: &DatabaseConnection, begin: Begin, group: Vec<Job>) {
    let started = std::time::Instant::now();
    let Some(group) = run_optimistically(writer, begin, group).await else {
        return;
    };
    run_in_savepoints(writer, begin, group).await;
    tracing::debug!(micros = started.elapsed().as_micros() as u64, "group committed in savepoints");
}

/// Runs the group's writes back to back in one transaction and commits it if all succeed.
/// Returns the group to run again in savepoints when one failed (rolled back, nothing stored);
/// a write that panicked is left out and answered with an error.
async fn run_optimistically(writer: &DatabaseConnection, begin: Begin, group: Vec<Job>) -> Option<Vec<Job>> {
    let started = std::time::Instant::now();
    let (transaction, mut group) = begin_or_refuse(writer, begin, group).await?;
    let mut failed_at = None;
    let mut panicked = false;
    for (at, job) in group.iter_mut().enumerate() {
        // A write that panics must not take the writer thread (and every later write) with it.
        match AssertUnwindSafe(job.run(&transaction)).catch_unwind().await {
            Ok(true) => {}
            Ok(false) => {
                failed_at = Some(at);
                break;
            }
            Err(_) => {
                error!("a write panicked; it is left out of its group");
                (failed_at, panicked) = (Some(at), true);
                break;
            }
        }
    }
    let Some(at) = failed_at else {
        commit_and_answer(transaction, group).await;
        tracing::debug!(micros = started.elapsed().as_micros() as u64, "group committed");
        return None;
    };
    let _ = transaction.rollback().await;
    if panicked {
        group.remove(at).refuse(DbErr::Custom("the write failed before it was answered".to_owned()));
    } else if group.len() == 1 {
        // Alone, its own failure is its answer: nothing else needs the group run again.
        for job in group {
            job.answer(None);
        }
        return None;
    }
    (!group.is_empty()).then_some(group)
}

/// Runs each write of the group in its own savepoint of one transaction, so that a failing
/// write rolls back alone, and commits what succeeded.
async fn run_in_savepoints(writer: &DatabaseConnection, begin: Begin, group: Vec<Job>) {
    let Some((transaction, group)) = begin_or_refuse(writer, begin, group).await else {
        return;
    };
    let mut ran = Vec::with_capacity(group.len());
    let mut jobs = group.into_iter();
    while let Some(mut job) = jobs.next() {
        let savepoint = match transaction.begin().await {
            Ok(savepoint) => savepoint,
            Err(failure) => {
                error!(error = %failure, "cannot open a savepoint; the group is abandoned");
                abandon(transaction, ran, std::iter::once(job).chain(jobs), &failure).await;
                return;
            }
        };
        let succeeded = match AssertUnwindSafe(job.run(&savepoint)).catch_unwind().await {
            Ok(succeeded) => succeeded,
            Err(_) => {
                error!("a write panicked; its group is abandoned");
                let _ = savepoint.rollback().await;
                drop(job);
                abandon(transaction, ran, jobs, &DbErr::Custom("a write of the same group failed".to_owned())).await;
                return;
            }
        };
        let closed = if succeeded { savepoint.commit().await } else { savepoint.rollback().await };
        ran.push(job);
        if let Err(failure) = closed {
            error!(error = %failure, "cannot close a savepoint; the group is abandoned");
            abandon(transaction, ran, jobs, &failure).await;
            return;
        }
    }
    commit_and_answer(transaction, ran).await;
}

/// Begins the group's transaction, or answers every write of the group with the failure.
async fn begin_or_refuse(
    writer: &DatabaseConnection,
    begin: Begin,
    group: Vec<Job>,
) -> Option<(DatabaseTransaction, Vec<Job>)> {
    match begin(writer).await {
        Ok(transaction) => Some((transaction, group)),
        Err(failure) => {
            warn!(error = %failure, writes = group.len(), "cannot begin a write transaction");
            for job in group {
                job.refuse(same_failure(&failure));
            }
            None
        }
    }
}

/// Commits and answers every write that ran: its own outcome, or the COMMIT's failure.
async fn commit_and_answer(transaction: DatabaseTransaction, ran: Vec<Job>) {
    let committed = transaction.commit().await;
    if let Err(failure) = &committed {
        warn!(error = %failure, writes = ran.len(), "a group of writes failed to commit");
    }
    for job in ran {
        job.answer(committed.as_ref().err().map(same_failure));
    }
}

/// Rolls the group back and answers every write of it, run or not, with `failure`.
async fn abandon(transaction: DatabaseTransaction, ran: Vec<Job>, not_run: impl Iterator<Item = Job>, failure: &DbErr) {
    let _ = transaction.rollback().await;
    for job in ran {
        job.refuse(same_failure(failure));
    }
    for job in not_run {
        job.refuse(same_failure(failure));
    }
}

/// `DbErr` is not `Clone`: a failure shared by a group keeps what callers act on, whether the
/// database is away (a 503 that is worth retrying) or something else went wrong, and its text.
fn same_failure(failure: &DbErr) -> DbErr {
    if is_transient(failure) {
        DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)
    } else {
        DbErr::Custom(failure.to_string())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use sea_orm::{ConnectionTrait, Database, Statement};

    use super::*;

    fn begin(connection: &DatabaseConnection) -> WriteFuture<'_, Result<DatabaseTransaction, DbErr>> {
        Box::pin(connection.begin())
    }

    async fn count(connection: &DatabaseConnection) -> i64 {
        let row = connection
            .query_one_raw(Statement::from_string(connection.get_database_backend(), "SELECT COUNT(*) AS n FROM t"))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    #[tokio::test]
    async fn a_refused_or_panicking_write_takes_no_other_write_with_it() {
        // One connection: every connection to `:memory:` is a database of its own.
        let mut options = sea_orm::ConnectOptions::new("sqlite::memory:");
        options.max_connections(1).min_connections(1).sqlx_logging(false);
        let connection = Database::connect(options).await.unwrap();
        connection.execute_unprepared("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)").await.unwrap();
        let queue = std::sync::Arc::new(WriteQueue::start(connection.clone(), begin).unwrap());
        let insert = |x: i64| {
            let queue = std::sync::Arc::clone(&queue);
            tokio::spawn(async move {
                queue
                    .write(move |transaction| {
                        Box::pin(async move {
                            transaction.execute_unprepared(&format!("INSERT INTO t (x) VALUES ({x})")).await?;
                            Ok::<_, DbErr>(x)
                        })
                    })
                    .await
            })
        };

        // A slow write holds the writer while the next ones queue, so they form one group.
        let hold = |millis: u64| {
            let queue = std::sync::Arc::clone(&queue);
            tokio::spawn(async move {
                queue
                    .write(move |_| {
                        Box::pin(async move {
                            tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
                            Ok::<_, DbErr>(0)
                        })
                    })
                    .await
            })
        };

        // The duplicate fails the group's first run; the group runs again in savepoints and
        // only the duplicate is refused.
        let held = hold(300);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let mut writes: Vec<_> = (1..=20).map(insert).collect();
        writes.push(insert(7));
        let mut refused = 0;
        for write in writes {
            if write.await.unwrap().is_err() {
                refused += 1;
            }
        }
        held.await.unwrap().unwrap();
        assert_eq!(refused, 1, "only the duplicate fails");
        assert_eq!(count(&connection).await, 20);

        // A write that panics is answered with an error and left out; the others of its group
        // are stored and the writer thread lives on.
        let held = hold(300);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let before = insert(30);
        let panicking = {
            let queue = std::sync::Arc::clone(&queue);
            tokio::spawn(async move {
                queue
                    .write(|transaction| {
                        Box::pin(async move {
                            transaction.execute_unprepared("INSERT INTO t (x) VALUES (100)").await?;
                            if transaction.get_database_backend() == sea_orm::DbBackend::Sqlite {
                                panic!("a bug in a write");
                            }
                            Ok::<_, DbErr>(())
                        })
                    })
                    .await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let after = insert(31);
        held.await.unwrap().unwrap();
        assert!(panicking.await.unwrap().is_err());
        assert_eq!(before.await.unwrap().unwrap(), 30);
        assert_eq!(after.await.unwrap().unwrap(), 31);
        assert_eq!(insert(32).await.unwrap().unwrap(), 32);
        assert_eq!(count(&connection).await, 23, "the panicking write left nothing behind");
    }

    #[tokio::test]
    async fn closing_writes_what_is_queued_then_refuses_and_closes_the_connection() {
        let directory = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", directory.path().join("queue.db").display());
        let connection = Database::connect(url.as_str()).await.unwrap();
        connection.execute_unprepared("CREATE TABLE t (x INTEGER NOT NULL UNIQUE)").await.unwrap();
        let writer = Database::connect(url.as_str()).await.unwrap();
        let queue = std::sync::Arc::new(WriteQueue::start(writer.clone(), begin).unwrap());
        let write = |x: i64| {
            let queue = std::sync::Arc::clone(&queue);
            tokio::spawn(async move {
                queue
                    .write(move |transaction| {
                        Box::pin(async move {
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            transaction.execute_unprepared(&format!("INSERT INTO t (x) VALUES ({x})")).await?;
                            Ok::<_, DbErr>(x)
                        })
                    })
                    .await
            })
        };
        let queued: Vec<_> = (1..=5).map(write).collect();
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        queue.close().await;
        for (x, written) in (1..=5).zip(queued) {
            assert_eq!(written.await.unwrap().unwrap(), x, "a write queued before closing is written");
        }
        assert_eq!(count(&connection).await, 5);
        let late = write(6).await.unwrap();
        assert!(matches!(late, Err(DbErr::ConnectionAcquire(_))), "{late:?}");
        assert!(writer.ping().await.is_err(), "the writer's connection is closed");
        queue.close().await; // closing twice is harmless
    }
}
