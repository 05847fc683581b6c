//! Group commit: many concurrent writers of small records share one transaction.
//!
//! A [`GroupCommit`] owns one writer task. A caller hands it an item with
//! [`GroupCommit::write`] and waits for the commit; the writer takes every item that is
//! waiting (up to [`MAX_BATCH`]), writes them all in one transaction with its `write`
//! function and answers each waiter with that item's result. Nothing is held in memory
//! once answered, so a crash loses no acknowledged item; a transaction that fails is
//! reported to every waiter of its batch.
//!
//! Why: every commit costs a flush on PostgreSQL and the single write lock on SQLite
//! (where writers on several connections also wait for each other in the busy handler's
//! sleeps), so a transaction per record bounds a stream of records at a few hundred a
//! second. Used for `downloaded` events ([`crate::signing::PassFactory::record_download`])
//! and APNs push outcomes ([`crate::model::pushes::Recorder`]).

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

/// Writes a batch of items in the transaction it is given (the writer commits).
pub type WriteFn<T, R> = Arc<dyn for<'a> Fn(&'a mut Tx, &'a [T]) -> Written<'a, R> + Send + Sync>;

type Waiter<T, R> = (T, oneshot::Sender<Result<R, String>>);

/// The writer of one kind of record (see the module documentation).
pub struct GroupCommit<T, R> {
    tx: mpsc::Sender<Waiter<T, R>>,
}

impl<T, R> Clone for GroupCommit<T, R> {
    fn clone(&self) -> Self {
        GroupCommit {
            tx: self.tx.clone(),
        }
    }
}

impl<T, R> std::fmt::Debug for GroupCommit<T, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupCommit")
    }
}

impl<T: Send + Sync + 'static, R: Send + 'static> GroupCommit<T, R> {
    /// Starts the writer task on `db`; `write` writes one batch inside a transaction and
    /// returns one result per item.
    pub fn start(db: Db, write: WriteFn<T, R>) -> Self {
        let (tx, mut rx) = mpsc::channel::<Waiter<T, R>>(QUEUE);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
                let (items, waiters): (Vec<T>, Vec<_>) = batch.drain(..).unzip();
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
                            let _ = w.send(Ok(r));
                        }
                    }
                    Err(e) => {
                        let e = e.to_string();
                        for w in waiters {
                            let _ = w.send(Err(e.clone()));
                        }
                    }
                }
            }
        });
        GroupCommit { tx }
    }

    /// Writes `item`, returning its result once its transaction is committed.
    pub async fn write(&self, item: T) -> Result<R, String> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send((item, done))
            .await
            .map_err(|_| "the writer stopped".to_string())?;
        wait.await.map_err(|_| "the writer stopped".to_string())?
    }
}
