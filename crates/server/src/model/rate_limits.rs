//! Rate-limit counters (§3): fixed hourly windows in the shared `rate_limits` table, so
//! the limit holds across server processes on one database. The API's per-request limits
//! count through [`crate::tally::Tally`], which writes here once a second.

use crate::db::Db;
use sqlx::AnyConnection;

/// The hourly window `now` (epoch seconds) falls in: (start, end).
pub fn window(now: i64) -> (i64, i64) {
    let start = now - now.rem_euclid(3600);
    (start, start + 3600)
}

/// Adds `n` requests to `bucket`'s window starting at `window_start` and returns the
/// window's count with them.
pub async fn add(
    conn: &mut AnyConnection,
    bucket: &str,
    window_start: i64,
    n: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO rate_limits (bucket, window_start, count) VALUES ($1, $2, $3) \
         ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limits.count + $3 \
         RETURNING count",
    )
    .bind(bucket)
    .bind(window_start)
    .bind(n)
    .fetch_one(conn)
    .await
}

/// Counts one request for `bucket` in the current hourly window; returns (count, reset).
/// For the rare, guarded calls (sign-in attempts, passes issued by public pages) where
/// every process must see every count at once.
pub async fn count_request(db: &Db, bucket: &str) -> Result<(i64, i64), sqlx::Error> {
    let (start, end) = window(chrono::Utc::now().timestamp());
    Ok((count(db, bucket, start, 1).await?, end))
}

/// [`add`] in a counter transaction of its own ([`Db::begin_counter`]: every request of
/// a caller bumps the same row).
pub async fn count(db: &Db, bucket: &str, window_start: i64, n: i64) -> Result<i64, sqlx::Error> {
    let mut tx = db.begin_counter().await?;
    let count = add(&mut tx, bucket, window_start, n).await?;
    tx.commit().await?;
    Ok(count)
}

/// Deletes counters of windows that have ended.
pub async fn prune_rate_limits(db: &Db) -> Result<(), sqlx::Error> {
    let now = chrono::Utc::now().timestamp();
    sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(now - 3600)
        .execute(&db.pool)
        .await?;
    Ok(())
}
