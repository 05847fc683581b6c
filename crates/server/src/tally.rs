//! The per-request counters, kept in memory and written to the database once a second.
//!
//! Every API request used to run two counter transactions before its own work: the
//! rate-limit window of its caller (`rate_limits`) and its campaign's daily API-call count
//! (`report_daily`); every download page view and PassKit device request one more. Those
//! were most of a request's statements, and on SQLite each one queued for the write lock.
//! A [`Tally`] counts them in memory instead and [`Tally::flush`] adds them up in one
//! counter transaction a second (the server's flush task, a report read, shut-down).
//!
//! What that changes:
//! - **Rate limits** stay exact within a process, and across processes near the limit: a
//!   bucket's first request in a window, and every request in the last tenth of its limit
//!   ([`near`]), counts in the database at once (with the ones counted here so far) and
//!   reads the window's shared count there; the others count here, and each flush adds
//!   them and reads the shared count back. A caller spreading requests over several
//!   processes on one database can go over the limit only through a process that still
//!   believes it far from it, since it has not yet read the others' counts: by at most
//!   what it sends there before that process's next flush (a second).
//! - **Report counters** (API calls, page views) reach `report_daily` within a second; a
//!   report read through this process flushes first, so it includes its own requests.
//!   A crash loses at most the last second's counts (never data).
//!
//! Memory is bounded: past [`MAX_BUCKETS`] rate-limit buckets or [`MAX_COUNTS`] report
//! counters (an address scan, say), new ones are counted in the database directly, as
//! before.

use crate::db::Db;
use crate::model::counters::{self, Counter};
use crate::model::rate_limits;
use std::collections::HashMap;
use std::sync::Mutex;

/// Rate-limit buckets kept in memory at most (about 100 bytes each).
pub const MAX_BUCKETS: usize = 50_000;
/// Report counters (campaign, day, counter) kept in memory at most between flushes.
pub const MAX_COUNTS: usize = 20_000;

/// See the module documentation.
#[derive(Debug, Default)]
pub struct Tally {
    inner: Mutex<Inner>,
    /// One flush at a time, so a flush returns only once the counts taken by one under
    /// way are written too.
    flushing: tokio::sync::Mutex<()>,
}

#[derive(Debug, Default)]
struct Inner {
    windows: HashMap<String, Window>,
    counts: HashMap<(String, String, Counter), i64>,
}

/// A rate-limit bucket's current window as this process knows it.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: i64,
    /// The window's count in the database when this process last wrote or read it.
    stored: i64,
    /// Requests counted here and not yet written.
    pending: i64,
}

impl Tally {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one request for `bucket` in the current hourly window, whose limit is
    /// `limit`; returns the window's count with it and the window's end (epoch seconds).
    pub async fn count_request(
        &self,
        db: &Db,
        bucket: &str,
        limit: i64,
    ) -> Result<(i64, i64), sqlx::Error> {
        let (start, end) = rate_limits::window(chrono::Utc::now().timestamp());
        let taken = {
            let mut inner = self.lock();
            match inner.windows.get_mut(bucket) {
                Some(w) if w.start == start => {
                    if w.stored + w.pending + 1 < limit - near(limit) {
                        w.pending += 1;
                        return Ok((w.stored + w.pending, end));
                    }
                    std::mem::take(&mut w.pending)
                }
                _ => 0,
            }
        };
        // The window's first request here, or one near the limit: count it in the
        // database with the ones counted here so far, and read the shared count there.
        let added = rate_limits::count(db, bucket, start, 1 + taken).await;
        let mut inner = self.lock();
        let stored = match added {
            Ok(stored) => stored,
            Err(e) => {
                if let Some(w) = inner.windows.get_mut(bucket) {
                    if w.start == start {
                        w.pending += taken;
                    }
                }
                return Err(e);
            }
        };
        if inner.windows.len() >= MAX_BUCKETS && !inner.windows.contains_key(bucket) {
            return Ok((stored, end));
        }
        let w = inner.windows.entry(bucket.to_owned()).or_insert(Window {
            start,
            stored,
            pending: 0,
        });
        if w.start != start {
            *w = Window {
                start,
                stored,
                pending: 0,
            };
        } else {
            // A flush or another request may have read a later count meanwhile.
            w.stored = w.stored.max(stored);
        }
        Ok((w.stored + w.pending, end))
    }

    /// Adds one to today's `counter` of a campaign.
    pub async fn bump(
        &self,
        db: &Db,
        campaign_id: &str,
        counter: Counter,
    ) -> Result<(), sqlx::Error> {
        let day = counters::today();
        {
            let mut inner = self.lock();
            let key = (campaign_id.to_owned(), day, counter);
            if let Some(n) = inner.counts.get_mut(&key) {
                *n += 1;
                return Ok(());
            }
            if inner.counts.len() < MAX_COUNTS {
                inner.counts.insert(key, 1);
                return Ok(());
            }
        }
        counters::bump_today(db, campaign_id, counter).await
    }

    /// Writes what was counted since the last flush, in one counter transaction. On an
    /// error the counts stay here for the next flush. When it returns, every count made
    /// before the call is in the database (a flush under way is waited for).
    pub async fn flush(&self, db: &Db) -> Result<(), sqlx::Error> {
        let _one_at_a_time = self.flushing.lock().await;
        let current = rate_limits::window(chrono::Utc::now().timestamp()).0;
        let (windows, counts) = {
            let mut inner = self.lock();
            // Windows that have ended no longer limit anything.
            inner.windows.retain(|_, w| w.start >= current);
            let windows: Vec<(String, i64, i64)> = inner
                .windows
                .iter_mut()
                .filter(|(_, w)| w.pending > 0)
                .map(|(b, w)| (b.clone(), w.start, std::mem::take(&mut w.pending)))
                .collect();
            (windows, std::mem::take(&mut inner.counts))
        };
        if windows.is_empty() && counts.is_empty() {
            return Ok(());
        }
        let written = async {
            let mut tx = db.begin_counter().await?;
            let mut stored = Vec::with_capacity(windows.len());
            for (bucket, start, n) in &windows {
                stored.push(rate_limits::add(&mut tx, bucket, *start, *n).await?);
            }
            for ((campaign_id, day, counter), n) in &counts {
                counters::bump_if_campaign_exists(&mut tx, campaign_id, day, *counter, *n).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(stored)
        }
        .await;
        let mut inner = self.lock();
        match written {
            Ok(stored) => {
                for ((bucket, start, _), stored) in windows.iter().zip(stored) {
                    if let Some(w) = inner.windows.get_mut(bucket).filter(|w| w.start == *start) {
                        w.stored = w.stored.max(stored);
                    }
                }
                Ok(())
            }
            Err(e) => {
                for (bucket, start, n) in &windows {
                    if let Some(w) = inner.windows.get_mut(bucket).filter(|w| w.start == *start) {
                        w.pending += n;
                    }
                }
                for (key, n) in counts {
                    *inner.counts.entry(key).or_insert(0) += n;
                }
                Err(e)
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The lock guards plain arithmetic: a panic cannot leave it half done.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How close to its limit a window is counted in the database request by request: the
/// last tenth of the limit, at least 50 requests (so small limits are always exact).
fn near(limit: i64) -> i64 {
    (limit / 10).max(50)
}

/// Flushes `tally` every second, for as long as the server runs.
pub fn spawn_flusher(db: Db, tally: std::sync::Arc<Tally>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = tally.flush(&db).await {
                tracing::warn!(error = %e, "writing the request counters failed; retrying");
            }
        }
    });
}
