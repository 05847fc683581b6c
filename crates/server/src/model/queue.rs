//! The durable queue engine behind background jobs (`jobs`), APNs pushes (`push_queue`) and
//! webhook deliveries (`webhook_deliveries`): one claim/lease/heartbeat/retry implementation.
//!
//! A worker loop ([`spawn`]) claims up to [`Queue::batch`] due rows at once in one
//! statement (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)` on PostgreSQL, inside
//! `BEGIN IMMEDIATE` on SQLite), stamping them with a lease (`locked_until`) and a fresh
//! claim token (`lease_owner`). While the batch is worked, a heartbeat task renews the lease
//! of every row still carrying the token every third of [`Queue::lease`], so a slow item is
//! never taken over by another process while its holder is alive; the rows of a crashed
//! holder become claimable again once their lease lapses.
//!
//! Fencing: every write that settles an item (done, retry, give up, progress) is conditional
//! on `lease_owner = <token>` (the column [`Lease::FENCE`]); a holder whose lease was lost and taken
//! over cannot overwrite the new holder's result, and learns so from the row count.
//! Settling clears `locked_until` and `lease_owner`.
//!
//! Retries: [`Backoff`] turns the attempt count into the next attempt time (exponential,
//! capped) or "give up" (attempt limit, retry window). Each queue writes its own result
//! columns (delivery log, push status, job progress) in its model module.
//!
//! Adding a queue: a table with `id`, `locked_until` and `lease_owner` columns, a [`Queue`]
//! describing it and a [`Worker`] whose `work` settles each item with fenced writes.

use crate::db::{format_time, new_id, now, Db};
use sqlx::any::AnyRow;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How a table is worked as a queue.
#[derive(Debug, Clone)]
pub struct Queue {
    /// Name used in logs.
    pub name: &'static str,
    /// The table; it has `id`, `locked_until` and `lease_owner` columns.
    pub table: &'static str,
    /// SQL condition selecting rows waiting for work; `$1` is the current time. The engine
    /// adds "and not leased by a live holder".
    pub ready: &'static str,
    /// Extra assignments made when a row is claimed (starting with `, `), `$1` being the
    /// current time; e.g. `, state = 'running', updated_at = $1`.
    pub on_claim: &'static str,
    /// `ORDER BY` of the claim (oldest due first).
    pub order: &'static str,
    /// Columns returned to the worker for each claimed row.
    pub columns: &'static str,
    /// Rows claimed at once.
    pub batch: i64,
    /// Rows of a batch worked at the same time (1: one after the other).
    pub parallel: usize,
    /// How long a claim holds without renewal; the heartbeat renews it every third of it.
    pub lease: Duration,
    /// Pause after a poll that found nothing.
    pub idle: Duration,
}

/// The claim of one batch: its token fences every write about the claimed rows.
#[derive(Debug, Clone)]
pub struct Lease {
    pub token: String,
}

impl Lease {
    /// The column every settling write compares with the token
    /// (`… WHERE id = $n AND lease_owner = $m`).
    pub const FENCE: &'static str = "lease_owner";

    fn new() -> Self {
        Lease { token: new_id() }
    }
}

/// A queue's worker: how a claimed row becomes an item and how an item is worked.
pub trait Worker: Send + Sync + 'static {
    /// One claimed row.
    type Item: Send + 'static;
    /// The table and its parameters.
    fn queue(&self) -> &Queue;
    /// Reads a claimed row (columns of [`Queue::columns`]).
    fn item(&self, row: &AnyRow) -> Result<Self::Item, sqlx::Error>;
    /// Works one item and settles it with writes fenced by `lease` (an error leaves the row
    /// leased until the lease lapses, then it is claimed again).
    fn work(
        self: Arc<Self>,
        lease: Lease,
        item: Self::Item,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// Exponential back-off with an attempt limit and/or a retry window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failed attempt, in seconds; it doubles per attempt.
    pub base_secs: i64,
    /// Longest delay between two attempts, in seconds.
    pub max_secs: i64,
    /// Attempts after which the item is given up.
    pub max_attempts: Option<i64>,
    /// Retries stop once the next attempt would fall later than this after creation.
    pub window: Option<chrono::Duration>,
}

impl Backoff {
    /// Seconds to wait after the `attempts`-th failed attempt: base, 2×base, 4×base, … ≤ max.
    pub fn delay_secs(&self, attempts: i64) -> i64 {
        let exp = attempts.clamp(1, 20) - 1;
        (self.base_secs << exp).min(self.max_secs)
    }

    /// When to try again after the `attempts`-th failed attempt of an item created at
    /// `created`, or `None` to give up.
    pub fn next_attempt(
        &self,
        attempts: i64,
        created: chrono::DateTime<chrono::Utc>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        if self.max_attempts.is_some_and(|max| attempts >= max) {
            return None;
        }
        let next = now + chrono::Duration::seconds(self.delay_secs(attempts));
        if self.window.is_some_and(|w| next > created + w) {
            return None;
        }
        Some(next)
    }
}

fn lease_until(lease: Duration) -> String {
    format_time(chrono::Utc::now() + chrono::Duration::from_std(lease).unwrap_or_default())
}

/// Claims up to `queue.batch` due rows for a new lease; returns the lease and the rows.
pub async fn claim(db: &Db, queue: &Queue) -> Result<(Lease, Vec<AnyRow>), sqlx::Error> {
    let lease = Lease::new();
    let sql = format!(
        "UPDATE {table} SET locked_until = $2, lease_owner = $3{on_claim} WHERE id IN (\
           SELECT id FROM {table} WHERE ({ready}) \
           AND (locked_until IS NULL OR locked_until < $1) \
           ORDER BY {order} LIMIT $4{skip}) \
         RETURNING {columns}",
        table = queue.table,
        on_claim = queue.on_claim,
        ready = queue.ready,
        order = queue.order,
        skip = db.skip_locked(),
        columns = queue.columns,
    );
    let mut tx = db.begin().await?;
    let rows = sqlx::query(&sql)
        .bind(now())
        .bind(lease_until(queue.lease))
        .bind(&lease.token)
        .bind(queue.batch)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((lease, rows))
}

/// Extends the lease of every row still held under `lease` (not yet settled, not taken
/// over); returns how many rows it still holds.
pub async fn renew(db: &Db, queue: &Queue, lease: &Lease) -> Result<u64, sqlx::Error> {
    let sql = format!(
        "UPDATE {} SET locked_until = $1 WHERE lease_owner = $2 AND locked_until IS NOT NULL",
        queue.table
    );
    let done = sqlx::query(&sql)
        .bind(lease_until(queue.lease))
        .bind(&lease.token)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

/// Renews `lease` every third of the queue's lease until dropped (or until it holds
/// nothing any more).
struct Heartbeat(tokio::task::JoinHandle<()>);

impl Heartbeat {
    fn start(db: Db, queue: Queue, lease: Lease) -> Heartbeat {
        Heartbeat(tokio::spawn(async move {
            let period = (queue.lease / 3).max(Duration::from_millis(50));
            loop {
                tokio::time::sleep(period).await;
                match renew(&db, &queue, &lease).await {
                    Ok(0) => return,
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(queue = queue.name, error = %e, "lease renewal failed")
                    }
                }
            }
        }))
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Claims one batch and works it (renewing its lease meanwhile); returns the rows claimed.
pub async fn run_batch<W: Worker>(db: &Db, worker: &Arc<W>) -> anyhow::Result<usize> {
    let queue = worker.queue().clone();
    let (lease, rows) = claim(db, &queue).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let _heartbeat = Heartbeat::start(db.clone(), queue.clone(), lease.clone());
    let items = rows
        .iter()
        .map(|r| worker.item(r))
        .collect::<Result<Vec<_>, _>>()?;
    work_all(worker, queue.parallel, &lease, items).await?;
    Ok(rows.len())
}

/// Works `items`, `parallel` at a time; every item is worked even when one fails, and the
/// first error is returned.
async fn work_all<W: Worker>(
    worker: &Arc<W>,
    parallel: usize,
    lease: &Lease,
    mut items: Vec<W::Item>,
) -> anyhow::Result<()> {
    let mut first_error = None;
    if parallel <= 1 {
        for item in items.drain(..) {
            if let Err(e) = worker.clone().work(lease.clone(), item).await {
                first_error.get_or_insert(e);
            }
        }
    }
    while !items.is_empty() {
        let mut set = tokio::task::JoinSet::new();
        for item in items.drain(..parallel.min(items.len())) {
            set.spawn(worker.clone().work(lease.clone(), item));
        }
        while let Some(done) = set.join_next().await {
            if let Err(e) = done.map_err(anyhow::Error::from).and_then(|r| r) {
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Starts the worker loop of a queue in this process: claim a batch, work it, and poll again
/// after [`Queue::idle`] when nothing was due (2 s after an error).
pub fn spawn<W: Worker>(db: Db, worker: W) -> tokio::task::JoinHandle<()> {
    let worker = Arc::new(worker);
    tokio::spawn(async move {
        loop {
            match run_batch(&db, &worker).await {
                Ok(0) => tokio::time::sleep(worker.queue().idle).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(queue = worker.queue().name, error = %e, "queue worker");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().into()
    }

    #[test]
    fn delay_doubles_and_is_capped() {
        let b = Backoff {
            base_secs: 30,
            max_secs: 4 * 3600,
            max_attempts: None,
            window: None,
        };
        assert_eq!(b.delay_secs(1), 30);
        assert_eq!(b.delay_secs(2), 60);
        assert_eq!(b.delay_secs(3), 120);
        assert_eq!(b.delay_secs(30), 4 * 3600);
    }

    #[test]
    fn attempt_limit_gives_up() {
        let b = Backoff {
            base_secs: 1,
            max_secs: 600,
            max_attempts: Some(8),
            window: None,
        };
        let t = at("2026-01-01T00:00:00Z");
        assert_eq!(b.next_attempt(7, t, t), Some(at("2026-01-01T00:01:04Z")));
        assert_eq!(b.next_attempt(8, t, t), None);
    }

    #[test]
    fn retry_window_gives_up() {
        let b = Backoff {
            base_secs: 30,
            max_secs: 4 * 3600,
            max_attempts: None,
            window: Some(chrono::Duration::hours(25)),
        };
        let created = at("2026-01-01T00:00:00Z");
        assert!(b
            .next_attempt(10, created, at("2026-01-01T20:00:00Z"))
            .is_some());
        assert_eq!(
            b.next_attempt(10, created, at("2026-01-01T22:00:00Z")),
            None
        );
    }
}
