//! Webhook delivery (§17): the delivery worker and the delivery log endpoint.
//!
//! Events queue a `pending` row in the outbox ([`crate::model::webhooks::enqueue`], in the
//! event's transaction). The worker is a [`crate::model::queue`] queue: it claims due rows
//! with a lease that its heartbeat renews while it delivers (so a slow receiver never gets
//! one event from two processes), POSTs them side by side, and records every attempt: time,
//! HTTP status, a response excerpt and the next retry. Failures are retried with
//! exponential back-off for at least 24 hours. Delivery is at-least-once: a process killed
//! mid-delivery leaves a lease that lapses, and another process (or the restarted one)
//! delivers the event again.

use crate::auth::Auth;
use crate::db::now;
use crate::error::ApiResult;
use crate::list::{ListParams, Paged};
use crate::model::queue::{self, Backoff, Lease, Queue, Worker};
use crate::model::webhooks::{self as store, Claimed};
use crate::routes::{doc, Routes};
use crate::state::AppState;
use axum::extract::State;
use hmac::{Hmac, Mac};
use passworks_wire as wire;
use sha2::Sha256;
use sqlx::any::AnyRow;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

pub use crate::model::webhooks::enqueue;

/// Timeout of one delivery attempt.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How much of a receiver's answer is read (the delivery log keeps 500 characters of it).
pub const RESPONSE_BYTES: usize = 4096;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::new("Webhooks")
        .get(
            "/webhook_deliveries",
            list,
            doc("Webhook delivery attempts (extension)")
                .list::<wire::WebhookDelivery>(store::LIST_COLUMNS),
        )
        .post(
            "/webhook_deliveries/test",
            send_test,
            doc("Send a test event to the account's webhook URL (extension)")
                .ok::<wire::MessageBody>()
                .errors(&[422]),
        )
        .post(
            "/webhook_deliveries/{delivery_id}/retry",
            retry,
            doc("Send a failed or waiting delivery again now (extension)")
                .ok::<wire::MessageBody>(),
        )
}

/// `sha256=<hex>` HMAC-SHA256 of `body` keyed with the webhook token.
pub fn signature(token: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether an address is loopback, private, link-local or otherwise not a public unicast
/// address: the special-purpose ranges of RFC 6890 (IPv4 and IPv6), and IPv6 addresses
/// that carry an IPv4 address (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64
/// `64:ff9b::/96`, 6to4 `2002::/16`) when the carried address is not public. NAT64's
/// local-use prefix `64:ff9b:1::/48` and Teredo `2001::/32` are refused whole.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || (s[0], s[1]) == (0x2001, 0x0db8)
                || (s[0], s[1]) == (0x2001, 0x0000)
                || (s[0], s[1], s[2]) == (0x0064, 0xff9b, 0x0001)
                || embedded_v4(v6).is_some_and(is_private_v4)
        }
    }
}

/// The IPv4 address an IPv6 address carries, for the forms that route to it.
fn embedded_v4(v6: std::net::Ipv6Addr) -> Option<std::net::Ipv4Addr> {
    let s = v6.segments();
    let o = v6.octets();
    let at = |i: usize| std::net::Ipv4Addr::new(o[i], o[i + 1], o[i + 2], o[i + 3]);
    let mapped_or_compatible = s[..5] == [0; 5] && (s[5] == 0xffff || s[5] == 0);
    let nat64 = s[..6] == [0x0064, 0xff9b, 0, 0, 0, 0];
    if mapped_or_compatible || nat64 {
        Some(at(12))
    } else if s[0] == 0x2002 {
        Some(at(2))
    } else {
        None
    }
}

/// IPv4's not-public ranges (RFC 6890 and RFC 1122's "this network").
fn is_private_v4(v4: std::net::Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (b & 0xc0) == 64)
        || (a, b, c) == (192, 0, 0)
        || (a, b, c) == (192, 0, 2)
        || (a, b & 0xfe) == (198, 18)
        || (a, b, c) == (198, 51, 100)
        || (a, b, c) == (203, 0, 113)
}

/// The delivery worker: the outbox queue plus what an attempt needs.
pub struct Deliveries {
    state: AppState,
    queue: Queue,
    backoff: Backoff,
    http: reqwest::Client,
}

impl Deliveries {
    /// The worker for `state`'s settings (lease, retry base).
    pub fn new(state: AppState) -> Self {
        let lease = Duration::from_secs(state.settings.webhook_lease_seconds.max(1) as u64);
        Deliveries {
            queue: store::queue(lease),
            backoff: store::backoff(state.settings.webhook_retry_base_seconds),
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
            state,
        }
    }
}

impl Worker for Deliveries {
    type Item = Claimed;

    fn queue(&self) -> &Queue {
        &self.queue
    }

    fn item(&self, row: &AnyRow) -> Result<Claimed, sqlx::Error> {
        store::claimed_from_row(row)
    }

    async fn work(self: Arc<Self>, lease: Lease, item: Claimed) -> anyhow::Result<()> {
        deliver(&self, &lease, item).await
    }
}

/// Starts the delivery worker of this process.
pub fn spawn_worker(state: AppState) {
    queue::spawn(state.db.clone(), Deliveries::new(state));
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

/// Makes one attempt and records it (fenced by the lease).
async fn deliver(w: &Deliveries, lease: &Lease, c: Claimed) -> anyhow::Result<()> {
    let token = store::webhook_token(&w.state.db, &c.account_id).await?;
    let attempt_at = now();
    let outcome = attempt(w, token, &c).await;
    let still_ours = match outcome {
        Ok((status, excerpt)) => {
            store::record_delivered(&w.state.db, lease, &c, status, &excerpt, &attempt_at).await?
        }
        Err((status, message)) => {
            store::record_failed(
                &w.state.db,
                lease,
                &c,
                &w.backoff,
                status,
                &message,
                &attempt_at,
            )
            .await?
        }
    };
    if !still_ours {
        tracing::warn!(delivery = %c.id, "webhook lease was taken over; attempt not recorded");
    }
    Ok(())
}

/// POSTs a delivery: `Ok((status, excerpt))` on 2xx, else the status (if any) and why.
async fn attempt(
    w: &Deliveries,
    token: Option<String>,
    c: &Claimed,
) -> Result<(u16, String), (Option<u16>, String)> {
    let token = token.ok_or((None, "account no longer exists".to_string()))?;
    let url = reqwest::Url::parse(&c.url).map_err(|e| (None, format!("invalid URL: {e}")))?;
    let addrs = resolve(&url, w.state.settings.allow_private_webhooks)
        .await
        .map_err(|e| (None, e))?;
    let client = match url.host_str() {
        Some(host) if host.parse::<IpAddr>().is_err() => reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .resolve(host, addrs[0])
            .build()
            .map_err(|e| (None, e.to_string()))?,
        _ => w.http.clone(),
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
    let excerpt = read_excerpt(resp).await;
    if (200..300).contains(&status) {
        Ok((status, excerpt))
    } else {
        Err((Some(status), excerpt))
    }
}

/// Reads at most [`RESPONSE_BYTES`] of a receiver's answer and keeps its first 500
/// characters. The rest is never read: dropping the response closes the connection, so a
/// receiver answering gigabytes costs the server a few kilobytes.
async fn read_excerpt(mut resp: reqwest::Response) -> String {
    let mut buf = Vec::new();
    while buf.len() < RESPONSE_BYTES {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                let room = RESPONSE_BYTES - buf.len();
                buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    String::from_utf8_lossy(&buf).chars().take(500).collect()
}

async fn list(
    State(state): State<AppState>,
    Auth(account): Auth,
    params: ListParams,
) -> ApiResult<Paged<wire::WebhookDelivery>> {
    store::page(&state.db, &account.id, &params).await
}

/// `POST /webhook_deliveries/test`: queues a `test` event for the account's webhook URL.
async fn send_test(
    State(state): State<AppState>,
    Auth(account): Auth,
) -> ApiResult<axum::Json<wire::MessageBody>> {
    let Some(url) = account.webhook_url.clone().filter(|u| !u.is_empty()) else {
        return Err(crate::error::ApiError::invalid(
            "webhook_url",
            "is not set: set the account's webhook URL first",
        ));
    };
    store::enqueue_test(&state.db, &account.id, &url).await?;
    Ok(axum::Json(wire::MessageBody {
        message: format!("A test event is on its way to {url}; see the delivery log."),
        job_id: None,
    }))
}

/// `POST /webhook_deliveries/{delivery_id}/retry`: the delivery becomes due now.
async fn retry(
    State(state): State<AppState>,
    Auth(account): Auth,
    axum::extract::Path(raw): axum::extract::Path<String>,
) -> ApiResult<axum::Json<wire::MessageBody>> {
    let id = crate::model::parse_id(&raw, "webhook delivery")?;
    if !store::retry_now(&state.db, &account.id, &id).await? {
        return Err(crate::error::ApiError::not_found("webhook delivery"));
    }
    Ok(axum::Json(wire::MessageBody {
        message: "The delivery is sent again now.".into(),
        job_id: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

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
            "0.1.2.3",
            "198.18.0.1",
            "224.0.0.1",
            "240.0.0.1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "2002:7f00:1::",
            "2001::1",
            "ff02::1",
        ] {
            assert!(is_private(a.parse().unwrap()), "{a}");
        }
        for a in [
            "93.184.216.34",
            "2606:2800:220:1::1",
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
        ] {
            assert!(!is_private(a.parse().unwrap()), "{a}");
        }
    }
}
