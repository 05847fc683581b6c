//! The webhook outbox (`webhook_deliveries`): queuing a delivery with its event, the queue
//! description the delivery worker claims from, recording attempts (fenced by the claim
//! token) and the account's delivery log.

use crate::db::{format_time, new_id, now, Db};
use crate::error::ApiResult;
use crate::list::{col, Bind, Kind, ListParams, Listing, Paged};
use crate::model::queue::{Backoff, Lease, Queue};
use passworks_wire as wire;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::time::Duration;

/// Deliveries claimed (and delivered side by side) at once by one worker.
pub const BATCH: i64 = 10;
/// Retries continue until a delivery is this old; then it is marked `failed`.
pub const RETRY_WINDOW_HOURS: i64 = 25;
/// Longest pause between two attempts.
pub const MAX_BACKOFF_SECS: i64 = 4 * 3600;

/// The outbox as a queue: pending rows whose next attempt is due, oldest first.
pub fn queue(lease: Duration) -> Queue {
    Queue {
        name: "webhooks",
        table: "webhook_deliveries",
        ready: "status = 'pending' AND next_attempt_at <= $1",
        on_claim: "",
        order: "next_attempt_at, created_at",
        columns: "id, account_id, event_id, url, payload, attempts, created_at",
        batch: BATCH,
        parallel: BATCH as usize,
        lease,
        idle: Duration::from_millis(500),
    }
}

/// Retry policy: `base_secs`, doubling, at most 4 h apart, for 25 hours after the event.
pub fn backoff(base_secs: i64) -> Backoff {
    Backoff {
        base_secs,
        max_secs: MAX_BACKOFF_SECS,
        max_attempts: None,
        window: Some(chrono::Duration::hours(RETRY_WINDOW_HOURS)),
    }
}

/// One claimed delivery.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub account_id: String,
    pub event_id: String,
    pub url: String,
    pub payload: String,
    pub attempts: i64,
    pub created_at: String,
}

/// Reads a claimed row.
pub fn claimed_from_row(r: &AnyRow) -> Result<Claimed, sqlx::Error> {
    Ok(Claimed {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        event_id: r.try_get("event_id")?,
        url: r.try_get("url")?,
        payload: r.try_get("payload")?,
        attempts: r.try_get("attempts")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Queues a delivery of `payload` for `event_id` (call inside the event's transaction).
pub async fn enqueue(
    conn: &mut AnyConnection,
    account_id: &str,
    event_id: &str,
    event: &str,
    url: &str,
    payload: &Value,
) -> Result<(), sqlx::Error> {
    let ts = now();
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, account_id, event_id, event, url, payload, status, \
         attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)",
    )
    .bind(new_id())
    .bind(account_id)
    .bind(event_id)
    .bind(event)
    .bind(url)
    .bind(payload.to_string())
    .bind(&ts)
    .execute(conn)
    .await?;
    Ok(())
}

/// A webhook delivery to queue (see [`enqueue_many`]).
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub account_id: String,
    pub event_id: String,
    pub event: &'static str,
    pub url: String,
    pub payload: Value,
}

/// Queues many deliveries at once (bulk pass creation), as [`enqueue`] does one, in the
/// caller's transaction.
pub async fn enqueue_many(
    conn: &mut AnyConnection,
    deliveries: &[NewDelivery],
) -> Result<(), sqlx::Error> {
    let ts = now();
    for chunk in deliveries.chunks(500) {
        let mut sql = String::from(
            "INSERT INTO webhook_deliveries (id, account_id, event_id, event, url, payload, \
             status, attempts, next_attempt_at, created_at) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 7;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, 'pending', 0, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 7
            ));
        }
        let mut q = crate::db::batch_query(conn, &mut sql);
        for d in chunk {
            q = q
                .bind(new_id())
                .bind(&d.account_id)
                .bind(&d.event_id)
                .bind(d.event)
                .bind(&d.url)
                .bind(d.payload.to_string())
                .bind(&ts);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Queues a test delivery (event `test`) to the account's webhook URL, due now. `None`
/// when the account has no webhook URL.
pub async fn enqueue_test(db: &Db, account_id: &str, url: &str) -> Result<String, sqlx::Error> {
    let event_id = new_id();
    let payload = serde_json::json!({
        "event": "test",
        "event_id": event_id,
        "context": "test",
        "event_at": now(),
        "metadata": {},
        "event_extra": {"message": "A test delivery sent from the console."},
    });
    let mut conn = db.pool.acquire().await?;
    enqueue(&mut conn, account_id, &event_id, "test", url, &payload).await?;
    Ok(event_id)
}

/// Sends a delivery again at once: a failed one (or one waiting for its next retry)
/// becomes due now, keeping its attempt count. `false` when the account has no such
/// delivery, or it was delivered already.
pub async fn retry_now(db: &Db, account_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1 \
         WHERE id = $2 AND account_id = $3 AND status IN ('failed', 'pending')",
    )
    .bind(now())
    .bind(id)
    .bind(account_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The signing token of an account, `None` when the account is gone.
pub async fn webhook_token(db: &Db, account_id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT webhook_token FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(&db.pool)
        .await
}

/// Records a successful attempt (and the campaign's `webhooks_count`) if `lease` still holds
/// the delivery; `false` when it was taken over.
pub async fn record_delivered(
    db: &Db,
    lease: &Lease,
    c: &Claimed,
    status: u16,
    excerpt: &str,
    attempt_at: &str,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(&format!(
        "UPDATE webhook_deliveries SET status = 'delivered', attempts = $1, \
         last_status_code = $2, last_response = $3, last_attempt_at = $4, \
         next_attempt_at = NULL, locked_until = NULL, lease_owner = NULL \
         WHERE id = $5 AND {} = $6",
        Lease::FENCE
    ))
    .bind(c.attempts + 1)
    .bind(status as i64)
    .bind(excerpt)
    .bind(attempt_at)
    .bind(&c.id)
    .bind(&lease.token)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let campaign = serde_json::from_str::<Value>(&c.payload)
        .ok()
        .and_then(|p| p["campaign_id"].as_str().map(str::to_string));
    if let Some(campaign) = campaign {
        crate::model::counters::bump(
            &mut tx,
            &campaign,
            &attempt_at[..10],
            crate::model::counters::Counter::Webhooks,
            1,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Records a failed attempt: `pending` again with the next attempt time from `backoff`, or
/// `failed` once the retry window is over. `false` when the lease was taken over.
pub async fn record_failed(
    db: &Db,
    lease: &Lease,
    c: &Claimed,
    backoff: &Backoff,
    status: Option<u16>,
    message: &str,
    attempt_at: &str,
) -> Result<bool, sqlx::Error> {
    let attempts = c.attempts + 1;
    let created = chrono::DateTime::parse_from_rfc3339(&c.created_at)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|_| chrono::Utc::now());
    let next = backoff.next_attempt(attempts, created, chrono::Utc::now());
    let done = sqlx::query(&format!(
        "UPDATE webhook_deliveries SET status = $1, attempts = $2, last_status_code = $3, \
         last_response = $4, last_attempt_at = $5, next_attempt_at = $6, \
         locked_until = NULL, lease_owner = NULL WHERE id = $7 AND {} = $8",
        Lease::FENCE
    ))
    .bind(if next.is_some() { "pending" } else { "failed" })
    .bind(attempts)
    .bind(status.map(|s| s as i64))
    .bind(message)
    .bind(attempt_at)
    .bind(next.map(format_time))
    .bind(&c.id)
    .bind(&lease.token)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub const LIST_COLUMNS: &[crate::list::Column] = &[
    col("event", "event", Kind::Text),
    col("status", "status", Kind::Text),
    col("event_id", "event_id", Kind::Text),
    col("attempts", "attempts", Kind::Int),
    col("last_status_code", "last_status_code", Kind::Int),
    col("created_at", "created_at", Kind::Time),
    col("last_attempt_at", "last_attempt_at", Kind::Time),
    col("next_attempt_at", "next_attempt_at", Kind::Time),
];

/// One page of an account's delivery log.
pub async fn page(
    db: &Db,
    account_id: &str,
    params: &ListParams,
) -> ApiResult<Paged<wire::WebhookDelivery>> {
    Listing {
        select: "id, event_id, event, url, status, attempts, last_status_code, last_response, \
                 last_attempt_at, next_attempt_at, created_at",
        from: "webhook_deliveries",
        scope: "account_id = $1",
        scope_binds: vec![Bind::Text(account_id.to_string())],
        columns: LIST_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(db, params, |r| -> Result<_, sqlx::Error> {
        Ok(wire::WebhookDelivery {
            id: r.try_get("id")?,
            event_id: r.try_get("event_id")?,
            event: r.try_get("event")?,
            url: r.try_get("url")?,
            status: r.try_get("status")?,
            attempts: r.try_get("attempts")?,
            last_status_code: r.try_get("last_status_code")?,
            last_response: r.try_get("last_response")?,
            last_attempt_at: r.try_get("last_attempt_at")?,
            next_attempt_at: r.try_get("next_attempt_at")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_cover_a_day_and_stop_after_the_window() {
        let b = backoff(30);
        assert_eq!(b.delay_secs(1), 30);
        assert_eq!(b.delay_secs(2), 60);
        assert_eq!(b.delay_secs(30), MAX_BACKOFF_SECS);
        // Enough attempts fit into the 24-hour window.
        let total: i64 = (1..=15).map(|n| b.delay_secs(n)).sum();
        assert!(total > 24 * 3600);
    }
}
