//! Apple Push Notification service (APNs) for Wallet passes: the durable push queue, its
//! worker and the HTTP/2 client.
//!
//! A pass update notifies every device registered for the pass: [`enqueue_push_for_passes`]
//! and [`enqueue_push_for_campaign`] write `push_queue` rows (one per device token and pass
//! type, in the caller's transaction). The worker ([`spawn_worker`]) claims due rows with a
//! lease (`locked_until`; on PostgreSQL also `FOR UPDATE SKIP LOCKED`, so several server
//! processes never send one row twice) and POSTs an empty JSON payload to
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

use crate::db::{format_time, new_id, now, Db};
use crate::model::counters::Counter;
use crate::state::AppState;
use serde_json::{Map, Value};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// How long a claimed push stays leased to one worker.
const LEASE: Duration = Duration::from_secs(30);
/// Pushes claimed at once.
const BATCH: i64 = 50;
/// Attempts before a push is given up (`failed`).
pub const MAX_ATTEMPTS: i64 = 8;
/// First retry delay in seconds; doubles per attempt.
const BACKOFF_BASE_SECS: i64 = 1;
/// Longest pause between two attempts.
const MAX_BACKOFF_SECS: i64 = 600;
/// Per-request timeout towards APNs.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Seconds to wait after the `attempts`-th failed attempt (1, 2, 4, … ≤ 10 min).
pub fn backoff_secs(attempts: i64) -> i64 {
    let exp = attempts.clamp(1, 20) - 1;
    (BACKOFF_BASE_SECS << exp).min(MAX_BACKOFF_SECS)
}

/// The signing certificate a campaign uses: its own, else its account's default, else the
/// shared development certificate (`settings.dev_certificate_id`), as `crate::signing`.
#[derive(Debug, Clone)]
pub struct CampaignCertificate {
    pub certificate_id: String,
    pub pass_type_identifier: String,
}

/// Resolves the certificate of a campaign (see [`CampaignCertificate`]).
pub async fn certificate_of_campaign(
    conn: &mut AnyConnection,
    campaign_id: &str,
) -> Result<Option<CampaignCertificate>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT ce.id, ce.pass_type_identifier FROM campaigns c \
         JOIN accounts a ON a.id = c.account_id \
         JOIN certificates ce ON ce.id = COALESCE(c.certificate_id, a.default_certificate_id, \
           (SELECT value FROM settings WHERE key = 'dev_certificate_id')) \
         WHERE c.id = $1",
    )
    .bind(campaign_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(CampaignCertificate {
            certificate_id: r.try_get("id")?,
            pass_type_identifier: r.try_get("pass_type_identifier")?,
        })
    })
    .transpose()
}

/// Records that a pass changed for its devices (`pass_updates.pushed_at`) and the
/// lock-screen message its next version carries on the fields `keys` (`None` clears a
/// pending message).
async fn note_update(
    conn: &mut AnyConnection,
    pass_id: &str,
    message: Option<&str>,
    keys: &[String],
    ts: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO pass_updates (pass_id, pushed_at, change_messages) VALUES ($1, $2, $3) \
         ON CONFLICT (pass_id) DO UPDATE SET pushed_at = $2, change_messages = $3",
    )
    .bind(pass_id)
    .bind(ts)
    .bind(messages_json(message, keys))
    .execute(conn)
    .await?;
    Ok(())
}

/// The stored form of lock-screen messages: `{"<field key>": "<message>", …}`.
fn messages_json(message: Option<&str>, keys: &[String]) -> String {
    let mut map = Map::new();
    if let Some(m) = message.filter(|m| !m.trim().is_empty()) {
        for k in keys {
            map.insert(k.clone(), Value::String(m.to_string()));
        }
    }
    Value::Object(map).to_string()
}

/// The keys of every field of a pass document (the five field arrays).
pub fn field_keys(doc: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    for array in FIELD_ARRAYS {
        if let Some(fields) = doc.get(array).and_then(Value::as_array) {
            for f in fields {
                if let Some(k) = f.get("key").and_then(Value::as_str) {
                    keys.push(k.to_string());
                }
            }
        }
    }
    keys
}

const FIELD_ARRAYS: [&str; 5] = [
    "header_fields",
    "primary_fields",
    "secondary_fields",
    "auxiliary_fields",
    "back_fields",
];

/// Queues one push per device token registered for `pass_id` (skipping tokens that already
/// have an unclaimed pending push for the same pass type). Returns the rows queued.
async fn queue_for_pass(
    conn: &mut AnyConnection,
    pass_id: &str,
    cert: &CampaignCertificate,
    ts: &str,
) -> Result<u64, sqlx::Error> {
    let prefix = new_id();
    let done = sqlx::query(
        "INSERT INTO push_queue (id, account_id, campaign_id, pass_id, device_library_id, \
         push_token, pass_type_identifier, certificate_id, status, attempts, next_attempt_at, \
         created_at) \
         SELECT $1 || '-' || MIN(r.id), MIN(r.account_id), MIN(r.campaign_id), MIN(r.pass_id), \
         MIN(r.device_library_id), r.push_token, $2, $3, 'pending', 0, $4, $4 \
         FROM registrations r WHERE r.pass_id = $5 AND NOT EXISTS (\
           SELECT 1 FROM push_queue q WHERE q.push_token = r.push_token \
           AND q.pass_type_identifier = $2 AND q.status = 'pending' AND q.locked_until IS NULL) \
         GROUP BY r.push_token",
    )
    .bind(&prefix)
    .bind(&cert.pass_type_identifier)
    .bind(&cert.certificate_id)
    .bind(ts)
    .bind(pass_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Queues pushes to every device registered for the given passes (pass update P4, per-pass
/// push P6, merge), inside the caller's transaction. `push_message` becomes the
/// `changeMessage` of the pass's fields in its next version (Wallet shows it for the fields
/// whose value changed); without one, a pending message is cleared. Pass data is not
/// modified. Returns the number of device notifications queued.
pub async fn enqueue_push_for_passes(
    conn: &mut AnyConnection,
    pass_ids: &[String],
    push_message: Option<&str>,
) -> Result<u64, sqlx::Error> {
    let ts = now();
    let mut queued = 0;
    let mut certs: HashMap<String, Option<CampaignCertificate>> = HashMap::new();
    for pass_id in pass_ids {
        let row = sqlx::query("SELECT campaign_id, doc FROM passes WHERE id = $1")
            .bind(pass_id)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = row else { continue };
        let campaign: String = row.try_get("campaign_id")?;
        let doc: Value = crate::db::get_json(&row, "doc");
        note_update(conn, pass_id, push_message, &field_keys(&doc), &ts).await?;
        if !certs.contains_key(&campaign) {
            let c = certificate_of_campaign(conn, &campaign).await?;
            certs.insert(campaign.clone(), c);
        }
        if let Some(Some(cert)) = certs.get(&campaign) {
            queued += queue_for_pass(conn, pass_id, cert, &ts).await?;
        }
    }
    Ok(queued)
}

/// Like [`enqueue_push_for_passes`] for passes whose changed fields are known (merge):
/// the message goes on `changed_keys` only.
pub async fn enqueue_push_for_changes(
    conn: &mut AnyConnection,
    cert: Option<&CampaignCertificate>,
    changes: &[(String, Vec<String>)],
    push_message: Option<&str>,
) -> Result<u64, sqlx::Error> {
    let ts = now();
    let mut queued = 0;
    for (pass_id, keys) in changes {
        note_update(conn, pass_id, push_message, keys, &ts).await?;
        if let Some(cert) = cert {
            queued += queue_for_pass(conn, pass_id, cert, &ts).await?;
        }
    }
    Ok(queued)
}

/// Queues a push to every device of every installed pass of a campaign (C7) in set-based
/// SQL (memory does not grow with the campaign). Pass data is not modified; see
/// [`enqueue_push_for_passes`] for `push_message`. Returns the notifications queued.
pub async fn enqueue_push_for_campaign(
    conn: &mut AnyConnection,
    campaign_id: &str,
    push_message: Option<&str>,
) -> Result<u64, sqlx::Error> {
    let ts = now();
    // The message goes on the campaign's fields (passes carry them after a merge).
    let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_optional(&mut *conn)
        .await?;
    let doc: Value = doc
        .and_then(|d| serde_json::from_str(&d).ok())
        .unwrap_or_default();
    let keys = field_keys(&doc);
    sqlx::query(
        "INSERT INTO pass_updates (pass_id, pushed_at, change_messages) \
         SELECT DISTINCT pass_id, $1, $2 FROM registrations WHERE campaign_id = $3 \
         ON CONFLICT (pass_id) DO UPDATE SET pushed_at = $1, change_messages = $2",
    )
    .bind(&ts)
    .bind(messages_json(push_message, &keys))
    .bind(campaign_id)
    .execute(&mut *conn)
    .await?;
    let Some(cert) = certificate_of_campaign(conn, campaign_id).await? else {
        return Ok(0);
    };
    let prefix = new_id();
    let done = sqlx::query(
        "INSERT INTO push_queue (id, account_id, campaign_id, pass_id, device_library_id, \
         push_token, pass_type_identifier, certificate_id, status, attempts, next_attempt_at, \
         created_at) \
         SELECT $1 || '-' || MIN(r.id), MIN(r.account_id), MIN(r.campaign_id), MIN(r.pass_id), \
         MIN(r.device_library_id), r.push_token, $2, $3, 'pending', 0, $4, $4 \
         FROM registrations r WHERE r.campaign_id = $5 AND NOT EXISTS (\
           SELECT 1 FROM push_queue q WHERE q.push_token = r.push_token \
           AND q.pass_type_identifier = $2 AND q.status = 'pending' AND q.locked_until IS NULL) \
         GROUP BY r.push_token",
    )
    .bind(&prefix)
    .bind(&cert.pass_type_identifier)
    .bind(&cert.certificate_id)
    .bind(&ts)
    .bind(campaign_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

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

/// Starts the push worker of this process.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        let clients = Clients::default();
        loop {
            match run_once(&state, &clients).await {
                Ok(0) => tokio::time::sleep(Duration::from_millis(250)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "push worker");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    });
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
    let row = sqlx::query("SELECT cert_pem, key_encrypted FROM certificates WHERE id = $1")
        .bind(certificate_id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| anyhow::anyhow!("certificate {certificate_id} no longer exists"))?;
    let cert_pem: String = row.try_get("cert_pem")?;
    let key_encrypted: String = row.try_get("key_encrypted")?;
    let key_pem = crate::model::certificates::decrypt_key(&state.settings, &key_encrypted)?;
    let mut pem = cert_pem.into_bytes();
    pem.push(b'\n');
    pem.extend_from_slice(key_pem.as_bytes());
    Ok(reqwest::Identity::from_pem(&pem)?)
}

struct Claimed {
    id: String,
    campaign_id: String,
    device_library_id: String,
    push_token: String,
    topic: String,
    certificate_id: String,
    attempts: i64,
}

/// Claims and sends one batch of due pushes; returns how many were attempted.
pub async fn run_once(state: &AppState, clients: &Clients) -> anyhow::Result<usize> {
    let claimed = claim(&state.db, BATCH).await?;
    let n = claimed.len();
    for c in claimed {
        send(state, clients, c).await?;
    }
    Ok(n)
}

async fn claim(db: &Db, limit: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    let ts = now();
    let lease =
        format_time(chrono::Utc::now() + chrono::Duration::from_std(LEASE).unwrap_or_default());
    let sql = format!(
        "UPDATE push_queue SET locked_until = $1 WHERE id IN (\
           SELECT id FROM push_queue WHERE status = 'pending' AND next_attempt_at <= $2 \
           AND (locked_until IS NULL OR locked_until < $2) \
           ORDER BY next_attempt_at, id LIMIT $3{}) \
         RETURNING id, campaign_id, device_library_id, push_token, pass_type_identifier, \
         certificate_id, attempts",
        db.skip_locked()
    );
    let rows = sqlx::query(&sql)
        .bind(&lease)
        .bind(&ts)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Claimed {
                id: r.try_get("id")?,
                campaign_id: r.try_get("campaign_id")?,
                device_library_id: r.try_get("device_library_id")?,
                push_token: r.try_get("push_token")?,
                topic: r.try_get("pass_type_identifier")?,
                certificate_id: r.try_get("certificate_id")?,
                attempts: r.try_get("attempts")?,
            })
        })
        .collect()
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

async fn send(state: &AppState, clients: &Clients, c: Claimed) -> anyhow::Result<()> {
    let outcome = post(state, clients, &c).await;
    let attempts = c.attempts + 1;
    let ts = now();
    let mut tx = state.db.begin().await?;
    match &outcome {
        Outcome::Sent => {
            sqlx::query(
                "UPDATE push_queue SET status = 'sent', attempts = $1, last_status_code = 200, \
                 last_error = NULL, sent_at = $2, next_attempt_at = NULL, locked_until = NULL \
                 WHERE id = $3",
            )
            .bind(attempts)
            .bind(&ts)
            .bind(&c.id)
            .execute(&mut *tx)
            .await?;
            crate::model::counters::bump(&mut tx, &c.campaign_id, &ts[..10], Counter::Pushes, 1)
                .await?;
        }
        Outcome::DeadToken(status, reason) => {
            tracing::info!(token = %c.push_token, reason, "APNs reports a dead token; unregistering");
            sqlx::query(
                "UPDATE push_queue SET status = 'dropped', attempts = $1, last_status_code = $2, \
                 last_error = $3, next_attempt_at = NULL, locked_until = NULL \
                 WHERE id = $4 OR (push_token = $5 AND status = 'pending' AND locked_until IS NULL)",
            )
            .bind(attempts)
            .bind(*status as i64)
            .bind(reason)
            .bind(&c.id)
            .bind(&c.push_token)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM registrations WHERE device_library_id = $1 AND push_token = $2",
            )
            .bind(&c.device_library_id)
            .bind(&c.push_token)
            .execute(&mut *tx)
            .await?;
        }
        Outcome::Transient(status, reason) => {
            let give_up = attempts >= MAX_ATTEMPTS;
            let next = chrono::Utc::now() + chrono::Duration::seconds(backoff_secs(attempts));
            sqlx::query(
                "UPDATE push_queue SET status = $1, attempts = $2, last_status_code = $3, \
                 last_error = $4, next_attempt_at = $5, locked_until = NULL WHERE id = $6",
            )
            .bind(if give_up { "failed" } else { "pending" })
            .bind(attempts)
            .bind(status.map(|s| s as i64))
            .bind(reason)
            .bind((!give_up).then(|| format_time(next)))
            .bind(&c.id)
            .execute(&mut *tx)
            .await?;
        }
        Outcome::Rejected(status, reason) => {
            tracing::warn!(status, reason, topic = %c.topic, "APNs rejected a push");
            sqlx::query(
                "UPDATE push_queue SET status = 'failed', attempts = $1, last_status_code = $2, \
                 last_error = $3, next_attempt_at = NULL, locked_until = NULL WHERE id = $4",
            )
            .bind(attempts)
            .bind(*status as i64)
            .bind(reason)
            .bind(&c.id)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
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

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff_secs(1), 1);
        assert_eq!(backoff_secs(3), 4);
        assert_eq!(backoff_secs(40), MAX_BACKOFF_SECS);
    }

    #[test]
    fn messages_go_on_the_given_fields() {
        let json = messages_json(Some("Now %@"), &["offer".into(), "balance".into()]);
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["offer"], "Now %@");
        assert_eq!(v["balance"], "Now %@");
        assert_eq!(messages_json(None, &["offer".into()]), "{}");
        assert_eq!(messages_json(Some("  "), &["offer".into()]), "{}");
    }

    #[test]
    fn field_keys_cover_all_arrays() {
        let doc = serde_json::json!({
            "header_fields": [{"key": "h"}],
            "back_fields": [{"key": "b"}, {"key": "c"}],
        });
        assert_eq!(field_keys(&doc), vec!["h", "b", "c"]);
    }
}
