//! Webhook delivery (§17) through a durable outbox in the database.
//!
//! [`enqueue`] writes a `pending` row in the same transaction as the event. The worker
//! ([`spawn_worker`]) claims due rows with a lease (`locked_until`; on PostgreSQL also
//! `FOR UPDATE SKIP LOCKED`, so several server processes never deliver one attempt
//! twice), POSTs them, and records every attempt: time, HTTP status, a response excerpt and
//! the next retry. Failures are retried with exponential back-off for at least 24 hours.
//! Delivery is at-least-once: a process killed mid-delivery leaves a lease that expires,
//! and another process (or the restarted one) delivers the event again.

use crate::auth::Auth;
use crate::db::{format_time, new_id, now, Db};
use crate::error::ApiResult;
use crate::list::{col, Bind, Kind, ListParams, Listing, Paged};
use crate::model::counters::Counter;
use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use hmac::{Hmac, Mac};
use passworks_wire as wire;
use serde_json::Value;
use sha2::Sha256;
use sqlx::{AnyConnection, Row};
use std::net::IpAddr;
use std::time::Duration;

/// How long a claimed delivery stays leased to one worker (longer than one attempt's
/// timeout, so a live worker never loses its lease mid-attempt).
const LEASE: Duration = Duration::from_secs(15);
/// Deliveries claimed at once by one worker.
const BATCH: i64 = 5;
/// Retries continue until a delivery is this old; then it is marked `failed`.
const RETRY_WINDOW_HOURS: i64 = 25;
/// Longest pause between two attempts.
const MAX_BACKOFF_SECS: i64 = 4 * 3600;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/webhook_deliveries", get(list))
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

/// Seconds to wait after the `attempts`-th failed attempt: base, 2×base, 4×base, … ≤ 4 h
/// (with the default base of 30 s: 30 s, 1 min, 2 min, …).
pub fn backoff_secs(base: i64, attempts: i64) -> i64 {
    let exp = attempts.clamp(1, 20) - 1;
    (base << exp).min(MAX_BACKOFF_SECS)
}

/// `sha256=<hex>` HMAC-SHA256 of `body` keyed with the webhook token.
pub fn signature(token: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether an address is loopback, private, link-local or otherwise not public.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

/// Starts the delivery worker of this process.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        loop {
            match run_once(&state, &http).await {
                Ok(0) => tokio::time::sleep(Duration::from_millis(500)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "webhook worker");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    });
}

struct Claimed {
    id: String,
    account_id: String,
    event_id: String,
    url: String,
    payload: String,
    attempts: i64,
    created_at: String,
}

/// Claims and delivers one batch of due deliveries; returns how many were attempted.
pub async fn run_once(state: &AppState, http: &reqwest::Client) -> anyhow::Result<usize> {
    let claimed = claim(&state.db, BATCH).await?;
    let n = claimed.len();
    for c in claimed {
        deliver(state, http, c).await?;
    }
    Ok(n)
}

async fn claim(db: &Db, limit: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    let ts = now();
    let lease =
        format_time(chrono::Utc::now() + chrono::Duration::from_std(LEASE).unwrap_or_default());
    let sql = format!(
        "UPDATE webhook_deliveries SET locked_until = $1 WHERE id IN (\
           SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $2 \
           AND (locked_until IS NULL OR locked_until < $2) \
           ORDER BY next_attempt_at, created_at LIMIT $3{}) \
         RETURNING id, account_id, event_id, url, payload, attempts, created_at, next_attempt_at",
        db.skip_locked()
    );
    let rows = sqlx::query(&sql)
        .bind(&lease)
        .bind(&ts)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    let mut out: Vec<(String, Claimed)> = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>("next_attempt_at")?,
                Claimed {
                    id: r.try_get("id")?,
                    account_id: r.try_get("account_id")?,
                    event_id: r.try_get("event_id")?,
                    url: r.try_get("url")?,
                    payload: r.try_get("payload")?,
                    attempts: r.try_get("attempts")?,
                    created_at: r.try_get("created_at")?,
                },
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
    out.sort_by(|a, b| (&a.0, &a.1.created_at).cmp(&(&b.0, &b.1.created_at)));
    Ok(out.into_iter().map(|(_, c)| c).collect())
}

/// Resolves the URL's host and refuses non-public addresses unless allowed.
async fn resolve(
    url: &reqwest::Url,
    allow_private: bool,
) -> Result<Vec<std::net::SocketAddr>, String> {
    let host = url.host_str().ok_or("the URL has no host")?;
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<_> = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("cannot resolve {host}"));
    }
    if !allow_private && addrs.iter().any(|a| is_private(a.ip())) {
        return Err(format!(
            "refused: {host} resolves to a loopback, private or link-local address"
        ));
    }
    Ok(addrs)
}

async fn deliver(state: &AppState, http: &reqwest::Client, c: Claimed) -> anyhow::Result<()> {
    let token: Option<String> =
        sqlx::query_scalar("SELECT webhook_token FROM accounts WHERE id = $1")
            .bind(&c.account_id)
            .fetch_optional(&state.db.pool)
            .await?;
    let attempt_at = now();
    let outcome: Result<(u16, String), (Option<u16>, String)> = async {
        let token = token.ok_or((None, "account no longer exists".to_string()))?;
        let url = reqwest::Url::parse(&c.url).map_err(|e| (None, format!("invalid URL: {e}")))?;
        let addrs = resolve(&url, state.settings.allow_private_webhooks)
            .await
            .map_err(|e| (None, e))?;
        let client = match url.host_str() {
            Some(host) if host.parse::<IpAddr>().is_err() => reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .redirect(reqwest::redirect::Policy::none())
                .resolve(host, addrs[0])
                .build()
                .map_err(|e| (None, e.to_string()))?,
            _ => http.clone(),
        };
        let body = c.payload.clone().into_bytes();
        let resp = client
            .post(url)
            .header("content-type", "application/json; charset=utf-8")
            .header("authorization", &token)
            .header("x-passworks-event-id", &c.event_id)
            .header("x-passworks-signature", signature(&token, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| (None, format!("request failed: {e}")))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let excerpt: String = text.chars().take(500).collect();
        if (200..300).contains(&status) {
            Ok((status, excerpt))
        } else {
            Err((Some(status), excerpt))
        }
    }
    .await;

    let attempts = c.attempts + 1;
    match outcome {
        Ok((status, excerpt)) => {
            let mut tx = state.db.begin().await?;
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'delivered', attempts = $1, \
                 last_status_code = $2, last_response = $3, last_attempt_at = $4, \
                 next_attempt_at = NULL, locked_until = NULL WHERE id = $5",
            )
            .bind(attempts)
            .bind(status as i64)
            .bind(excerpt)
            .bind(&attempt_at)
            .bind(&c.id)
            .execute(&mut *tx)
            .await?;
            let campaign = serde_json::from_str::<Value>(&c.payload)
                .ok()
                .and_then(|p| p["campaign_id"].as_str().map(str::to_string));
            if let Some(campaign) = campaign {
                crate::model::counters::bump(
                    &mut tx,
                    &campaign,
                    &attempt_at[..10],
                    Counter::Webhooks,
                    1,
                )
                .await?;
            }
            tx.commit().await?;
        }
        Err((status, message)) => {
            let created = chrono::DateTime::parse_from_rfc3339(&c.created_at)
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or_else(|_| chrono::Utc::now());
            let next = chrono::Utc::now()
                + chrono::Duration::seconds(backoff_secs(
                    state.settings.webhook_retry_base_seconds,
                    attempts,
                ));
            let give_up = next > created + chrono::Duration::hours(RETRY_WINDOW_HOURS);
            sqlx::query(
                "UPDATE webhook_deliveries SET status = $1, attempts = $2, last_status_code = $3, \
                 last_response = $4, last_attempt_at = $5, next_attempt_at = $6, \
                 locked_until = NULL WHERE id = $7",
            )
            .bind(if give_up { "failed" } else { "pending" })
            .bind(attempts)
            .bind(status.map(|s| s as i64))
            .bind(message)
            .bind(&attempt_at)
            .bind(if give_up {
                None
            } else {
                Some(format_time(next))
            })
            .bind(&c.id)
            .execute(&state.db.pool)
            .await?;
        }
    }
    Ok(())
}

const COLUMNS: &[crate::list::Column] = &[
    col("event", "event", Kind::Text),
    col("status", "status", Kind::Text),
    col("event_id", "event_id", Kind::Text),
    col("attempts", "attempts", Kind::Int),
    col("last_status_code", "last_status_code", Kind::Int),
    col("created_at", "created_at", Kind::Time),
    col("last_attempt_at", "last_attempt_at", Kind::Time),
    col("next_attempt_at", "next_attempt_at", Kind::Time),
];

async fn list(
    State(state): State<AppState>,
    Auth(account): Auth,
    params: ListParams,
) -> ApiResult<Paged<wire::WebhookDelivery>> {
    Listing {
        select: "id, event_id, event, url, status, attempts, last_status_code, last_response, \
                 last_attempt_at, next_attempt_at, created_at",
        from: "webhook_deliveries",
        scope: "account_id = $1",
        scope_binds: vec![Bind::Text(account.id.clone())],
        columns: COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(&state.db, &params, |r| -> Result<_, sqlx::Error> {
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
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_secs(30, 1), 30);
        assert_eq!(backoff_secs(30, 2), 60);
        assert_eq!(backoff_secs(30, 3), 120);
        assert_eq!(backoff_secs(30, 30), MAX_BACKOFF_SECS);
        // Enough attempts fit into the 24-hour window.
        let total: i64 = (1..=15).map(|n| backoff_secs(30, n)).sum();
        assert!(total > 24 * 3600);
    }

    #[test]
    fn signature_is_hex_hmac() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn private_addresses_are_recognised() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.1.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "100.64.0.1",
        ] {
            assert!(is_private(a.parse().unwrap()), "{a}");
        }
        for a in ["93.184.216.34", "2606:2800:220:1::1"] {
            assert!(!is_private(a.parse().unwrap()), "{a}");
        }
    }
}
