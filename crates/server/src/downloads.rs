//! Group commit of `downloaded` events: a `.pkpass` download records its event before it
//! is answered, as before, but concurrent downloads share one transaction.
//!
//! Each download hands its [`NewEvent`] to one writer task and waits for the commit. The
//! writer takes every event that is waiting (up to [`MAX_BATCH`]), writes them with
//! [`crate::model::events::record_many`] (event rows, report counters, webhook deliveries)
//! in one transaction and answers each waiter. Nothing is held in memory once answered, so
//! a crash loses no acknowledged event; a write that fails is reported to every waiter of
//! its batch, which logs it as a single write failure was logged before.

use crate::db::Db;
use crate::model::events::{record_many, NewEvent};
use tokio::sync::{mpsc, oneshot};

/// Most events written in one transaction.
pub const MAX_BATCH: usize = 512;
/// Downloads waiting for the writer at most (further ones wait to hand their event over).
const QUEUE: usize = 4096;

type Waiter = (NewEvent, oneshot::Sender<Result<(), String>>);

/// The writer of download events (one per process).
#[derive(Debug, Clone)]
pub struct EventBatcher {
    tx: mpsc::Sender<Waiter>,
}

impl EventBatcher {
    /// Starts the writer task on `db`.
    pub fn start(db: Db) -> EventBatcher {
        let (tx, mut rx) = mpsc::channel::<Waiter>(QUEUE);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
                let (events, waiters): (Vec<NewEvent>, Vec<_>) = batch.drain(..).unzip();
                let result = async {
                    let mut t = db.begin().await?;
                    record_many(&mut t, &events).await?;
                    t.commit().await
                }
                .await
                .map_err(|e| e.to_string());
                for w in waiters {
                    let _ = w.send(result.clone());
                }
            }
        });
        EventBatcher { tx }
    }

    /// Records `ev`, returning once it is committed.
    pub async fn record(&self, ev: NewEvent) -> Result<(), String> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send((ev, done))
            .await
            .map_err(|_| "the event writer stopped".to_string())?;
        wait.await
            .map_err(|_| "the event writer stopped".to_string())?
    }
}
