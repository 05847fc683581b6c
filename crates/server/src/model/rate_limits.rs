//! Rate-limit counters (§3): fixed hourly windows in the shared `rate_limits` table, so
//! the limit holds across server processes on one database.

use crate::db::Db;

/// Counts one request for `bucket` in the current hourly window; returns (count, reset).
/// A counter transaction ([`Db::begin_counter`]): every request of an account bumps one row.
pub async fn count_request(db: &Db, bucket: &str) -> Result<(i64, i64), sqlx::Error> {
    let now = chrono::Utc::now().timestamp();
    let window = now - now.rem_euclid(3600);
    let mut tx = db.begin_counter().await?;
    let count: i64 = sqlx::query_scalar(
        "INSERT INTO rate_limits (bucket, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limits.count + 1 \
         RETURNING count",
    )
    .bind(bucket)
    .bind(window)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((count, window + 3600))
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
