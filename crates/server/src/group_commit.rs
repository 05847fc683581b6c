//! Group commit: many concurrent writers of small records share one transaction.
//!
//! A [`GroupCommit`] owns one writer task. The writer takes every item that is waiting (up
//! to [`MAX_BATCH`]), writes them all in one transaction with its `write` function and
//! answers each waiting caller with that item's result; a transaction that fails is
//! reported to every waiting caller of its batch. A caller either waits for the commit
//! ([`GroupCommit::write`]: nothing acknowledged is lost in a crash) or only hands the item
//! over ([`GroupCommit::submit`]: written within milliseconds, in larger batches; a crash
//! loses what was handed over and not yet committed), and [`GroupCommit::flush`] waits for
//! everything handed over so far.
//!
//! Why: every commit costs a flush on PostgreSQL and the single write lock on SQLite
//! (where writers on several connections also wait for each other in the busy handler's
//! sleeps), so a transaction per record bounds a stream of records at a few hundred a
//! second. Used for APNs push outcomes (written, [`crate::apns`]) and the events of
//! passes served, downloads and devices' fetches (submitted,
//! [`crate::signing::PassFactory::record_served`]).

use crate::db::{Db, Tx};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most items written in one transaction.
pub const MAX_BATCH: usize = 512;
/// Items waiting for the writer at most (further callers wait to hand theirs over).
const QUEUE: usize = 4096;

/// The future a batch write returns: one result per item, in order.
pub type Written<'a, R> = Pin<Box<dyn Future<Output = Result<Vec<R>, sqlx::Error>> + Send + 'a>>;

/// Writes a batch of items in the transaction it is given (the writer commits); returns
/// one result per item, in order.
pub type WriteFn<T, R> = Arc<dyn for<'a> Fn(&'a mut Tx, &'a [T]) -> Written<'a, R> + Send + Sync>;

/// What the writer is handed: an item (with the caller waiting for its result, or not),
/// or a flush that is answered once everything handed over before it is committed.
enum Msg<T, R> {
    Item(T, Option<oneshot::Sender<Result<R, String>>>),
    Flush(oneshot::Sender<()>),
}

/// The writer of one kind of record (see the module documentation).
pub struct GroupCommit<T, R> {
    tx: mpsc::Sender<Msg<T, R>>,
    /// What the records are, for the log line of a failed batch nobody waits for.
    what: &'static str,
}

impl<T, R> Clone for GroupCommit<T, R> {
    fn clone(&self) -> Self {
        GroupCommit {
            tx: self.tx.clone(),
            what: self.what,
        }
    }
}

impl<T, R> std::fmt::Debug for GroupCommit<T, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GroupCommit({})", self.what)
    }
}

impl<T: Send + Sync + 'static, R: Send + 'static> GroupCommit<T, R> {
    /// Starts the writer task of `what` records on `db`; `write` writes one batch inside
    /// a transaction and returns one result per item.
    pub fn start(db: Db, what: &'static str, write: WriteFn<T, R>) -> Self {
        let (tx, mut rx) = mpsc::channel::<Msg<T, R>>(QUEUE);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
                let mut items = Vec::with_capacity(batch.len());
                let mut waiters = Vec::with_capacity(batch.len());
                let mut flushes = Vec::new();
                for m in batch.drain(..) {
                    match m {
                        Msg::Item(item, waiter) => {
                            items.push(item);
                            waiters.push(waiter);
                        }
                        Msg::Flush(done) => flushes.push(done),
                    }
                }
                if !items.is_empty() {
                    let result = async {
                        let mut t = db.begin().await?;
                        let out = write(&mut t, &items).await?;
                        t.commit().await?;
                        Ok::<_, sqlx::Error>(out)
                    }
                    .await;
                    match result {
                        Ok(out) => {
                            for (w, r) in waiters.into_iter().zip(out) {
                                if let Some(w) = w {
                                    let _ = w.send(Ok(r));
                                }
                            }
                        }
                        Err(e) => {
                            let e = e.to_string();
                            let unheard = waiters.iter().filter(|w| w.is_none()).count();
                            if unheard > 0 {
                                tracing::warn!(error = %e, records = unheard, "writing {what} failed");
                            }
                            for w in waiters.into_iter().flatten() {
                                let _ = w.send(Err(e.clone()));
                            }
                        }
                    }
                }
                for f in flushes {
                    let _ = f.send(());
                }
            }
        });
        GroupCommit { tx, what }
    }

    /// Writes `item`, returning its result once its transaction is committed.
    pub async fn write(&self, item: T) -> Result<R, String> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Msg::Item(item, Some(done)))
            .await
            .map_err(|_| "the writer stopped".to_string())?;
        wait.await.map_err(|_| "the writer stopped".to_string())?
    }

    /// Hands `item` over to be written with the next batch without waiting for the commit
    /// (only for room in the queue, which bounds the memory held). A failed batch is
    /// logged.
    pub async fn submit(&self, item: T) -> Result<(), String> {
        self.tx
            .send(Msg::Item(item, None))
            .await
            .map_err(|_| "the writer stopped".to_string())
    }

    /// Returns once every item handed over before the call is committed (or failed).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}
