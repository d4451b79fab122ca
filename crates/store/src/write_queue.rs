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
//! transaction runs share the next: each inside its own savepoint (a failing write rolls back
//! alone), one COMMIT for all. Every caller is answered only after that COMMIT, so an
//! acknowledged write is as durable as before; if the COMMIT fails, every write of the group is
//! answered with the error and none of them is stored.

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

/// What running a write left: whether it succeeded (its savepoint is released) or not (rolled
/// back), and how to answer its caller once the group's COMMIT is known.
struct Ran {
    succeeded: bool,
    answer: Box<dyn FnOnce(Option<DbErr>) + Send>,
}

/// A caller's write, its result type erased.
trait QueuedWrite: Send {
    fn run<'t>(self: Box<Self>, transaction: &'t DatabaseTransaction) -> WriteFuture<'t, Ran>;
    /// Answers without running: the group could not start or had to stop.
    fn refuse(self: Box<Self>, failure: DbErr);
}

struct TypedWrite<F, T, E> {
    write: F,
    answer: oneshot::Sender<Result<T, E>>,
}

impl<F, T, E> QueuedWrite for TypedWrite<F, T, E>
where
    F: for<'t> FnOnce(&'t DatabaseTransaction) -> WriteFuture<'t, Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: From<DbErr> + Send + 'static,
{
    fn run<'t>(self: Box<Self>, transaction: &'t DatabaseTransaction) -> WriteFuture<'t, Ran> {
        let TypedWrite { write, answer } = *self;
        Box::pin(async move {
            let outcome = write(transaction).await;
            let succeeded = outcome.is_ok();
            let answer = Box::new(move |commit_failure: Option<DbErr>| {
                let outcome = match commit_failure {
                    Some(failure) if succeeded => Err(E::from(failure)),
                    _ => outcome,
                };
                // The caller may have gone (its request timed out); the write stands.
                let _ = answer.send(outcome);
            });
            Ran { succeeded, answer }
        })
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

#[derive(Debug)]
pub(crate) struct WriteQueue {
    jobs: mpsc::Sender<Job>,
}

impl WriteQueue {
    /// Starts the writer thread; it stops when the last handle to the queue is dropped.
    pub(crate) fn start(writer: DatabaseConnection, begin: Begin) -> std::io::Result<WriteQueue> {
        WriteQueue::start_connecting(Box::pin(async move { Ok(writer) }), begin)
    }

    /// Like [`WriteQueue::start`], with the connection opened by `connect` on the writer thread.
    pub(crate) fn start_connecting(connect: Connect, begin: Begin) -> std::io::Result<WriteQueue> {
        let (jobs, mut receiver) = mpsc::channel::<Job>(QUEUE_LENGTH);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        std::thread::Builder::new().name("listing-writer".to_owned()).spawn(move || {
            runtime.block_on(async move {
                match connect.await {
                    Ok(writer) => run(writer, begin, receiver).await,
                    Err(failure) => {
                        error!(error = %failure, "the listing writer cannot open its connection");
                        while let Some(job) = receiver.recv().await {
                            job.refuse(same_failure(&failure));
                        }
                    }
                }
            });
        })?;
        Ok(WriteQueue { jobs })
    }

    /// Runs `write` in a transaction shared with the writes queued beside it, and answers once
    /// that transaction is committed (or failed).
    pub(crate) async fn write<T, E>(
        &self,
        write: impl for<'t> FnOnce(&'t DatabaseTransaction) -> WriteFuture<'t, Result<T, E>> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbErr> + Send + 'static,
    {
        let (answer, receiver) = oneshot::channel::<Result<T, E>>();
        let stopped = E::from(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed));
        self.jobs.send(Box::new(TypedWrite { write, answer })).await.map_err(|_| stopped)?;
        // Only a write that panicked goes unanswered: its transaction was rolled back.
        receiver.await.map_err(|_| E::from(DbErr::Custom("the write failed before it was answered".to_owned())))?
    }
}

async fn run(writer: DatabaseConnection, begin: Begin, mut receiver: mpsc::Receiver<Job>) {
    let mut group = Vec::with_capacity(MOST_PER_GROUP);
    while receiver.recv_many(&mut group, MOST_PER_GROUP).await > 0 {
        run_group(&writer, begin, std::mem::take(&mut group)).await;
    }
}

async fn run_group(writer: &DatabaseConnection, begin: Begin, group: Vec<Job>) {
    let started = std::time::Instant::now();
    let transaction = match begin(writer).await {
        Ok(transaction) => transaction,
        Err(failure) => {
            warn!(error = %failure, writes = group.len(), "cannot begin a write transaction");
            for job in group {
                job.refuse(same_failure(&failure));
            }
            return;
        }
    };
    let begun = started.elapsed();
    let mut answers = Vec::with_capacity(group.len());
    let mut jobs = group.into_iter();
    while let Some(job) = jobs.next() {
        let savepoint = match transaction.begin().await {
            Ok(savepoint) => savepoint,
            Err(failure) => {
                error!(error = %failure, "cannot open a savepoint; the group is abandoned");
                abandon(transaction, answers, std::iter::once(job).chain(jobs), &failure).await;
                return;
            }
        };
        // A write that panics must not take the writer thread (and every later write) with it.
        let ran = match AssertUnwindSafe(job.run(&savepoint)).catch_unwind().await {
            Ok(ran) => ran,
            Err(_) => {
                error!("a write panicked; its group is abandoned");
                let _ = savepoint.rollback().await;
                abandon(transaction, answers, jobs, &DbErr::Custom("a write of the same group failed".to_owned()))
                    .await;
                return;
            }
        };
        let closed = if ran.succeeded { savepoint.commit().await } else { savepoint.rollback().await };
        answers.push(ran.answer);
        if let Err(failure) = closed {
            error!(error = %failure, "cannot close a savepoint; the group is abandoned");
            abandon(transaction, answers, jobs, &failure).await;
            return;
        }
    }
    let statements = started.elapsed();
    let committed = transaction.commit().await;
    tracing::debug!(
        writes = answers.len(),
        begin_micros = begun.as_micros() as u64,
        statements_micros = statements.as_micros() as u64,
        total_micros = started.elapsed().as_micros() as u64,
        "group committed"
    );
    if let Err(failure) = &committed {
        warn!(error = %failure, writes = answers.len(), "a group of writes failed to commit");
    }
    for answer in answers {
        answer(committed.as_ref().err().map(same_failure));
    }
}

/// Rolls the group back and answers every write of it, run or not, with `failure`.
async fn abandon(
    transaction: DatabaseTransaction,
    answers: Vec<Box<dyn FnOnce(Option<DbErr>) + Send>>,
    not_run: impl Iterator<Item = Job>,
    failure: &DbErr,
) {
    let _ = transaction.rollback().await;
    for answer in answers {
        answer(Some(same_failure(failure)));
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

        // Many at once share transactions; the duplicate is refused alone.
        let mut writes: Vec<_> = (1..=20).map(insert).collect();
        writes.push(insert(7));
        let mut refused = 0;
        for write in writes {
            if write.await.unwrap().is_err() {
                refused += 1;
            }
        }
        assert_eq!(refused, 1, "only the duplicate fails");
        assert_eq!(count(&connection).await, 20);

        // A write that panics is answered with an error and rolls back its group; the writer
        // thread lives on.
        let panicking = queue
            .write(|transaction| {
                Box::pin(async move {
                    transaction.execute_unprepared("INSERT INTO t (x) VALUES (100)").await?;
                    if transaction.get_database_backend() == sea_orm::DbBackend::Sqlite {
                        panic!("a bug in a write");
                    }
                    Ok::<_, DbErr>(())
                })
            })
            .await;
        assert!(panicking.is_err());
        assert_eq!(insert(21).await.unwrap().unwrap(), 21);
        assert_eq!(count(&connection).await, 21, "the panicking write left nothing behind");
    }
}
