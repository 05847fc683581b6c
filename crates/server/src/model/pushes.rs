//! The APNs push queue (`push_queue`) and per-pass update state (`pass_updates`): queuing
//! pushes for changed passes and campaigns (in the caller's transaction), the queue
//! description the push worker claims from, and recording each push's outcome (fenced by
//! the claim token).

use crate::db::{format_time, new_id, now, Db};
use crate::model::queue::{Backoff, Lease, Queue};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use std::time::Duration;

/// How long a claimed push stays leased to one worker (renewed while the batch is sent).
pub const LEASE: Duration = Duration::from_secs(30);
/// Pushes claimed at once.
pub const BATCH: i64 = 500;
/// Pushes of a batch in flight at once (HTTP/2 streams on the certificate's connection;
/// APNs allows many concurrent streams per connection).
pub const PARALLEL: usize = 100;
/// Attempts before a push is given up (`failed`).
pub const MAX_ATTEMPTS: i64 = 8;

/// The push queue: pending rows whose next attempt is due, [`PARALLEL`] in flight at once.
pub fn queue() -> Queue {
    Queue {
        name: "pushes",
        table: "push_queue",
        ready: "status = 'pending' AND next_attempt_at <= $1",
        on_claim: "",
        order: "next_attempt_at, id",
        columns: "id, campaign_id, device_library_id, push_token, pass_type_identifier, \
                  certificate_id, attempts, created_at",
        batch: BATCH,
        parallel: PARALLEL,
        lease: LEASE,
        idle: Duration::from_millis(250),
    }
}

/// Retry policy of transient failures: 1, 2, 4, … ≤ 10 min apart, 8 attempts in all.
pub const BACKOFF: Backoff = Backoff {
    base_secs: 1,
    max_secs: 600,
    max_attempts: Some(MAX_ATTEMPTS),
    window: None,
};

/// One claimed push.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub campaign_id: String,
    pub device_library_id: String,
    pub push_token: String,
    pub topic: String,
    pub certificate_id: String,
    pub attempts: i64,
    pub created_at: String,
}

/// Reads a claimed row.
pub fn claimed_from_row(r: &AnyRow) -> Result<Claimed, sqlx::Error> {
    Ok(Claimed {
        id: r.try_get("id")?,
        campaign_id: r.try_get("campaign_id")?,
        device_library_id: r.try_get("device_library_id")?,
        push_token: r.try_get("push_token")?,
        topic: r.try_get("pass_type_identifier")?,
        certificate_id: r.try_get("certificate_id")?,
        attempts: r.try_get("attempts")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The result of one push, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// 200: `sent`, the campaign's `pushes_count` grows.
    Sent,
    /// The token is dead: this row and the token's unclaimed pending rows are `dropped`,
    /// the device's registrations with the token deleted.
    Dropped(u16, String),
    /// Worth another try: `pending` with back-off, or `failed` after the attempt limit.
    Retry(Option<u16>, String),
    /// Will not succeed: `failed`.
    Failed(u16, String),
}

/// A push's outcome to record, with the lease its worker claimed it under.
#[derive(Debug, Clone)]
pub struct Settled {
    /// The claim's lease token (the fence).
    pub lease: String,
    pub push: Claimed,
    pub outcome: Recorded,
}

/// Records a push's outcome if `lease` still holds the row, in a transaction of its own;
/// `false` when it was taken over (nothing is written then). The push worker records
/// through [`record_many`], many outcomes a transaction.
pub async fn record(
    db: &Db,
    lease: &Lease,
    c: &Claimed,
    outcome: &Recorded,
) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let done = record_many(
        &mut tx,
        &[Settled {
            lease: lease.token.clone(),
            push: c.clone(),
            outcome: outcome.clone(),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(done[0])
}

/// Records the outcomes of `settled` on `conn` (the caller's transaction): for each,
/// whether its lease still held the row (nothing is written for one taken over). The
/// campaigns' `pushes` counters grow by their sent pushes, one update per campaign, in
/// campaign order (so two processes' batches never lock counter rows in opposite orders).
// Long because it is one match over the four outcomes, each a fenced UPDATE (the dead-token
// arm also drops the token's other pushes and registrations); kept together so every write
// that settles a push shows its fence in one place.
pub async fn record_many(
    conn: &mut AnyConnection,
    settled: &[Settled],
) -> Result<Vec<bool>, sqlx::Error> {
    let ts = now();
    let fence = Lease::FENCE;
    let mut sent: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    let mut out = vec![false; settled.len()];
    // In id order, so two processes' batches never lock two rows in opposite orders.
    let mut order: Vec<usize> = (0..settled.len()).collect();
    order.sort_by(|&a, &b| settled[a].push.id.cmp(&settled[b].push.id));
    for i in order {
        let Settled {
            lease,
            push: c,
            outcome,
        } = &settled[i];
        let attempts = c.attempts + 1;
        let done = match outcome {
            Recorded::Sent => {
                let done = sqlx::query(&format!(
                    "UPDATE push_queue SET status = 'sent', attempts = $1, last_status_code = 200, \
                     last_error = NULL, sent_at = $2, next_attempt_at = NULL, locked_until = NULL, \
                     lease_owner = NULL WHERE id = $3 AND {fence} = $4"
                ))
                .bind(attempts)
                .bind(&ts)
                .bind(&c.id)
                .bind(lease)
                .execute(&mut *conn)
                .await?;
                if done.rows_affected() == 1 {
                    *sent.entry(c.campaign_id.as_str()).or_default() += 1;
                }
                done
            }
            Recorded::Dropped(status, reason) => {
                let done = sqlx::query(&format!(
                    "UPDATE push_queue SET status = 'dropped', attempts = $1, last_status_code = $2, \
                     last_error = $3, next_attempt_at = NULL, locked_until = NULL, lease_owner = NULL \
                     WHERE id = $4 AND {fence} = $5"
                ))
                .bind(attempts)
                .bind(*status as i64)
                .bind(reason)
                .bind(&c.id)
                .bind(lease)
                .execute(&mut *conn)
                .await?;
                if done.rows_affected() == 1 {
                    sqlx::query(
                        "UPDATE push_queue SET status = 'dropped', attempts = $1, \
                         last_status_code = $2, last_error = $3, next_attempt_at = NULL \
                         WHERE push_token = $4 AND status = 'pending' AND locked_until IS NULL",
                    )
                    .bind(attempts)
                    .bind(*status as i64)
                    .bind(reason)
                    .bind(&c.push_token)
                    .execute(&mut *conn)
                    .await?;
                    sqlx::query(
                        "DELETE FROM registrations WHERE device_library_id = $1 AND push_token = $2",
                    )
                    .bind(&c.device_library_id)
                    .bind(&c.push_token)
                    .execute(&mut *conn)
                    .await?;
                }
                done
            }
            Recorded::Retry(status, reason) => {
                let created = chrono::DateTime::parse_from_rfc3339(&c.created_at)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .unwrap_or_else(|_| chrono::Utc::now());
                let next = BACKOFF.next_attempt(attempts, created, chrono::Utc::now());
                sqlx::query(&format!(
                    "UPDATE push_queue SET status = $1, attempts = $2, last_status_code = $3, \
                     last_error = $4, next_attempt_at = $5, locked_until = NULL, lease_owner = NULL \
                     WHERE id = $6 AND {fence} = $7"
                ))
                .bind(if next.is_some() { "pending" } else { "failed" })
                .bind(attempts)
                .bind(status.map(|s| s as i64))
                .bind(reason)
                .bind(next.map(format_time))
                .bind(&c.id)
                .bind(lease)
                .execute(&mut *conn)
                .await?
            }
            Recorded::Failed(status, reason) => {
                sqlx::query(&format!(
                    "UPDATE push_queue SET status = 'failed', attempts = $1, last_status_code = $2, \
                     last_error = $3, next_attempt_at = NULL, locked_until = NULL, lease_owner = NULL \
                     WHERE id = $4 AND {fence} = $5"
                ))
                .bind(attempts)
                .bind(*status as i64)
                .bind(reason)
                .bind(&c.id)
                .bind(lease)
                .execute(&mut *conn)
                .await?
            }
        };
        out[i] = done.rows_affected() == 1;
    }
    for (campaign_id, n) in sent {
        crate::model::counters::bump(
            conn,
            campaign_id,
            &ts[..10],
            crate::model::counters::Counter::Pushes,
            n,
        )
        .await?;
    }
    Ok(out)
}

/// The certificate PEM and encrypted key of a certificate (the TLS client identity of its
/// pushes), `None` when it no longer exists.
pub async fn certificate_identity(
    db: &Db,
    certificate_id: &str,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT cert_pem, key_encrypted FROM certificates WHERE id = $1")
        .bind(certificate_id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok((r.try_get("cert_pem")?, r.try_get("key_encrypted")?)))
        .transpose()
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
    for array in passworks_wire::rules::FieldArray::ALL {
        if let Some(fields) = doc.get(array.as_str()).and_then(Value::as_array) {
            for f in fields {
                if let Some(k) = f.get("key").and_then(Value::as_str) {
                    keys.push(k.to_string());
                }
            }
        }
    }
    keys
}

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
         FROM registrations r WHERE r.pass_id = $5 AND r.wallet <> 'google_wallet' \
         AND NOT EXISTS (\
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
/// the message goes on `changed_keys` only. Set-based: one statement per few hundred
/// passes for the update notes and one for the pushes, whatever the batch size.
pub async fn enqueue_push_for_changes(
    conn: &mut AnyConnection,
    cert: Option<&CampaignCertificate>,
    changes: &[(String, Vec<String>)],
    push_message: Option<&str>,
) -> Result<u64, sqlx::Error> {
    const ROWS: usize = 300;
    let ts = now();
    let mut queued = 0;
    for chunk in changes.chunks(ROWS) {
        let mut sql =
            String::from("INSERT INTO pass_updates (pass_id, pushed_at, change_messages) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("(${}, $1, ${})", i * 2 + 2, i * 2 + 3));
        }
        sql.push_str(
            " ON CONFLICT (pass_id) DO UPDATE SET pushed_at = excluded.pushed_at, \
             change_messages = excluded.change_messages",
        );
        let mut q = crate::db::batch_query(conn, &mut sql).bind(&ts);
        for (pass_id, keys) in chunk {
            q = q.bind(pass_id).bind(messages_json(push_message, keys));
        }
        q.execute(&mut *conn).await?;
        let Some(cert) = cert else { continue };
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 5)).collect();
        let mut sql = format!(
            "INSERT INTO push_queue (id, account_id, campaign_id, pass_id, device_library_id, \
             push_token, pass_type_identifier, certificate_id, status, attempts, \
             next_attempt_at, created_at) \
             SELECT $1 || '-' || MIN(r.id), MIN(r.account_id), MIN(r.campaign_id), \
             MIN(r.pass_id), MIN(r.device_library_id), r.push_token, $2, $3, 'pending', 0, \
             $4, $4 FROM registrations r WHERE r.pass_id IN ({}) AND NOT EXISTS (\
               SELECT 1 FROM push_queue q WHERE q.push_token = r.push_token \
               AND q.pass_type_identifier = $2 AND q.status = 'pending' \
               AND q.locked_until IS NULL) \
             GROUP BY r.push_token",
            marks.join(", ")
        );
        let mut q = crate::db::batch_query(conn, &mut sql)
            .bind(new_id())
            .bind(&cert.pass_type_identifier)
            .bind(&cert.certificate_id)
            .bind(&ts);
        for (pass_id, _) in chunk {
            q = q.bind(pass_id);
        }
        queued += q.execute(&mut *conn).await?.rows_affected();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_failures_back_off_and_give_up_after_eight_attempts() {
        assert_eq!(BACKOFF.delay_secs(1), 1);
        assert_eq!(BACKOFF.delay_secs(3), 4);
        assert_eq!(BACKOFF.delay_secs(40), 600);
        let t = chrono::Utc::now();
        assert!(BACKOFF.next_attempt(MAX_ATTEMPTS - 1, t, t).is_some());
        assert_eq!(BACKOFF.next_attempt(MAX_ATTEMPTS, t, t), None);
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
