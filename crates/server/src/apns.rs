//! Apple Push Notification service (APNs) for Wallet passes: the durable push queue, its
//! worker and the HTTP/2 client.
//!
//! A pass update notifies every device registered for the pass: [`enqueue_push_for_passes`]
//! and [`enqueue_push_for_campaign`] write `push_queue` rows (one per device token and pass
//! type, in the caller's transaction; the SQL is in [`crate::model::pushes`]). The worker
//! ([`spawn_worker`]) is a [`crate::model::queue`] queue: it claims due rows with a lease its
//! heartbeat renews while it sends (so several server processes never send one row twice)
//! and POSTs an empty JSON payload to
//! `<apns url>/3/device/<push token>` with `apns-topic: <passTypeIdentifier>`, using the pass
//! type certificate and its key as TLS client identity. Apple's endpoint speaks HTTP/2 over
//! TLS; an `http://` endpoint (tests, local relays) is spoken to in cleartext HTTP/2 with
//! prior knowledge.
//!
//! Outcomes: 200 marks the row `sent` and bumps the campaign's `pushes_count`; 5xx, 429 and
//! connection errors are retried with exponential back-off; 410, or 400 with reason
//! `BadDeviceToken` / `Unregistered`, means the token is dead: the device's registrations
//! with that token are deleted (no `uninstalled` event: the device did not say so) and the
//! row is `dropped`; other answers mark it `failed`.
//!
//! Pushes never change pass data. What a push does record is in `pass_updates`: the time
//! (so that the PassKit web service lists the pass as updated) and the lock-screen message
//! (`changeMessage`, per field key) the next version of the pass carries, which the pass
//! builder (`crate::signing`) reads.

use crate::group_commit::GroupCommit;
use crate::model::pushes::{self as store, Claimed, Recorded, Settled};
use crate::model::queue::{self, Lease, Queue, Worker};
use crate::state::AppState;
use serde_json::Value;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

pub use crate::model::pushes::{
    certificate_of_campaign, enqueue_push_for_campaign, enqueue_push_for_changes,
    enqueue_push_for_passes, field_keys, CampaignCertificate, MAX_ATTEMPTS,
};

/// Per-request timeout towards APNs.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The time a pass last changed for its devices (stored time format): the latest of the
/// pass's `updated_at`, its campaign's `updated_at` and its last push, as the pass
/// builder's `Last-Modified`.
pub fn modified_at(pass_updated: &str, campaign_updated: &str, pushed: Option<&str>) -> String {
    [Some(pass_updated), Some(campaign_updated), pushed]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or_default()
        .to_string()
}

/// The push worker: the push queue plus the APNs clients.
pub struct Pushes {
    state: AppState,
    queue: Queue,
    clients: Clients,
    /// Records the outcomes of the pushes in flight, many a transaction.
    recorder: GroupCommit<Settled, bool>,
}

impl Worker for Pushes {
    type Item = Claimed;

    fn queue(&self) -> &Queue {
        &self.queue
    }

    fn item(&self, row: &AnyRow) -> Result<Claimed, sqlx::Error> {
        store::claimed_from_row(row)
    }

    async fn work(self: Arc<Self>, lease: Lease, item: Claimed) -> anyhow::Result<()> {
        send(&self.state, &self.clients, &self.recorder, &lease, item).await
    }
}

/// Starts the push worker of this process.
pub fn spawn_worker(state: AppState) {
    let worker = Pushes {
        queue: store::queue(),
        clients: Clients::default(),
        recorder: GroupCommit::start(
            state.db.clone(),
            "push outcomes",
            Arc::new(|tx, settled| Box::pin(store::record_many(tx, settled))),
        ),
        state: state.clone(),
    };
    queue::spawn(state.db, worker);
}

/// HTTP/2 clients per certificate (TLS client identity), reused across pushes.
#[derive(Default, Clone)]
pub struct Clients(Arc<Mutex<HashMap<String, reqwest::Client>>>);

impl Clients {
    async fn get(&self, state: &AppState, certificate_id: &str) -> anyhow::Result<reqwest::Client> {
        if let Some(c) = self.0.lock().await.get(certificate_id) {
            return Ok(c.clone());
        }
        let client = build_client(state, certificate_id).await?;
        self.0
            .lock()
            .await
            .insert(certificate_id.to_string(), client.clone());
        Ok(client)
    }
}

/// Builds the APNs client for a certificate: TLS client identity from the certificate and
/// its decrypted key, HTTP/2 (prior knowledge for an `http://` endpoint).
async fn build_client(state: &AppState, certificate_id: &str) -> anyhow::Result<reqwest::Client> {
    let cleartext = state.settings.apns_url.starts_with("http://");
    let mut builder = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .use_rustls_tls();
    let identity = identity_for(state, certificate_id).await;
    match identity {
        Ok(id) => builder = builder.identity(id),
        // Without TLS there is no client identity to present.
        Err(e) if cleartext => {
            tracing::debug!(error = %e, "APNs identity unavailable (cleartext endpoint)")
        }
        Err(e) => return Err(e),
    }
    if cleartext {
        builder = builder.http2_prior_knowledge();
    }
    Ok(builder.build()?)
}

/// The TLS client identity (certificate PEM + decrypted private key PEM).
async fn identity_for(state: &AppState, certificate_id: &str) -> anyhow::Result<reqwest::Identity> {
    let (cert_pem, key_encrypted) = store::certificate_identity(&state.db, certificate_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("certificate {certificate_id} no longer exists"))?;
    let key_pem = crate::model::certificates::decrypt_key(&state.settings, &key_encrypted)?;
    let mut pem = cert_pem.into_bytes();
    pem.push(b'\n');
    pem.extend_from_slice(key_pem.as_bytes());
    Ok(reqwest::Identity::from_pem(&pem)?)
}

/// What APNs said about one notification.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// The token is no longer valid: unregister the device.
    DeadToken(u16, String),
    /// Worth another try later.
    Transient(Option<u16>, String),
    /// Will not succeed by retrying.
    Rejected(u16, String),
}

/// Classifies an APNs answer (`status`, JSON body with `reason`).
pub fn classify(status: u16, body: &str) -> Outcome {
    let reason = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("reason").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_default();
    let text = if reason.is_empty() {
        body.chars().take(300).collect()
    } else {
        reason.clone()
    };
    match status {
        200 => Outcome::Sent,
        410 => Outcome::DeadToken(status, text),
        400 if reason == "BadDeviceToken" || reason == "Unregistered" => {
            Outcome::DeadToken(status, text)
        }
        429 | 500..=599 => Outcome::Transient(Some(status), text),
        _ => Outcome::Rejected(status, text),
    }
}

async fn post(state: &AppState, clients: &Clients, c: &Claimed) -> Outcome {
    let client = match clients.get(state, &c.certificate_id).await {
        Ok(client) => client,
        Err(e) => return Outcome::Rejected(0, format!("no APNs client: {e}")),
    };
    let url = format!(
        "{}/3/device/{}",
        state.settings.apns_url.trim_end_matches('/'),
        c.push_token
    );
    let resp = client
        .post(url)
        .header("apns-topic", &c.topic)
        .header("apns-push-type", "background")
        .header("apns-priority", "5")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await;
    match resp {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let body = resp.text().await.unwrap_or_default();
            classify(status, &body)
        }
        Err(e) => Outcome::Transient(None, format!("request failed: {e}")),
    }
}

/// Sends one push and records its outcome (fenced by the lease), committed with the
/// outcomes of the other pushes in flight ([`crate::group_commit`]).
async fn send(
    state: &AppState,
    clients: &Clients,
    recorder: &GroupCommit<Settled, bool>,
    lease: &Lease,
    c: Claimed,
) -> anyhow::Result<()> {
    let recorded = match post(state, clients, &c).await {
        Outcome::Sent => Recorded::Sent,
        Outcome::DeadToken(status, reason) => {
            tracing::info!(token = %c.push_token, reason, "APNs reports a dead token; unregistering");
            Recorded::Dropped(status, reason)
        }
        Outcome::Transient(status, reason) => Recorded::Retry(status, reason),
        Outcome::Rejected(status, reason) => {
            tracing::warn!(status, reason, topic = %c.topic, "APNs rejected a push");
            Recorded::Failed(status, reason)
        }
    };
    let id = c.id.clone();
    let settled = Settled {
        lease: lease.token.clone(),
        push: c,
        outcome: recorded,
    };
    if !recorder.write(settled).await.map_err(anyhow::Error::msg)? {
        tracing::warn!(push = %id, "push lease was taken over; outcome not recorded");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_classified() {
        assert_eq!(classify(200, ""), Outcome::Sent);
        assert!(matches!(
            classify(410, r#"{"reason":"Unregistered"}"#),
            Outcome::DeadToken(..)
        ));
        assert!(matches!(
            classify(400, r#"{"reason":"BadDeviceToken"}"#),
            Outcome::DeadToken(..)
        ));
        assert!(matches!(
            classify(400, r#"{"reason":"BadTopic"}"#),
            Outcome::Rejected(..)
        ));
        assert!(matches!(classify(503, ""), Outcome::Transient(..)));
        assert!(matches!(classify(429, ""), Outcome::Transient(..)));
        assert!(matches!(classify(403, ""), Outcome::Rejected(..)));
    }
}
