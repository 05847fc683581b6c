//! Pass lifecycle events (§17): recorded with time, pass, campaign, device OS, wallet and
//! request IP; rolled up into daily report counters (§15) in the same transaction; and
//! queued for webhook delivery through the durable outbox (`crate::webhooks`).
//!
//! Architecture invariant: every event goes through [`record`], so the raw event log, the
//! report roll-ups and the webhook outbox never disagree.

use crate::db::{new_id, now};
use crate::model::counters::{bump, Counter};
use passworks_wire::EventKind;
use serde_json::{json, Value};
use sqlx::{AnyConnection, Row};

/// An event about to be recorded.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub account_id: String,
    pub campaign_id: String,
    pub pass_id: Option<String>,
    pub kind: EventKind,
    /// `ios`, `android` or `wp`, when known.
    pub device_os: Option<String>,
    /// Wallet id of §14 (`passbook`, `wallet_passes`, `pass2u`, …), when known.
    pub wallet: Option<String>,
    pub ip: Option<String>,
    /// Event-specific data (e.g. install: registration id, device app vendor).
    pub extra: Value,
}

impl NewEvent {
    /// An event for a pass with no device details.
    pub fn for_pass(account_id: &str, campaign_id: &str, pass_id: &str, kind: EventKind) -> Self {
        NewEvent {
            account_id: account_id.to_string(),
            campaign_id: campaign_id.to_string(),
            pass_id: Some(pass_id.to_string()),
            kind,
            device_os: None,
            wallet: None,
            ip: None,
            extra: json!({}),
        }
    }
}

/// Records an event: the event row, its report counters and, when the account has a
/// webhook URL, a pending webhook delivery. Run it inside the transaction that made the
/// change, so that either all of it happens or none.
pub async fn record(conn: &mut AnyConnection, ev: &NewEvent) -> Result<String, sqlx::Error> {
    let id = new_id();
    let at = now();
    sqlx::query(
        "INSERT INTO events (id, account_id, campaign_id, pass_id, kind, device_os, wallet, ip, \
         extra, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(&ev.account_id)
    .bind(&ev.campaign_id)
    .bind(&ev.pass_id)
    .bind(ev.kind.as_str())
    .bind(&ev.device_os)
    .bind(&ev.wallet)
    .bind(&ev.ip)
    .bind(ev.extra.to_string())
    .bind(&at)
    .execute(&mut *conn)
    .await?;

    let day = &at[..10];
    bump(conn, &ev.campaign_id, day, Counter::of_event(ev.kind), 1).await?;
    if let Some(per_os) = Counter::per_os(ev.kind, ev.device_os.as_deref()) {
        bump(conn, &ev.campaign_id, day, per_os, 1).await?;
    }
    if let Some(per_wallet) = Counter::per_wallet(ev.kind, ev.wallet.as_deref()) {
        bump(conn, &ev.campaign_id, day, per_wallet, 1).await?;
    }

    let hook: Option<(Option<String>,)> =
        sqlx::query_as("SELECT webhook_url FROM accounts WHERE id = $1")
            .bind(&ev.account_id)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some((Some(url),)) = hook {
        let payload = payload(conn, ev, &id, &at).await?;
        crate::webhooks::enqueue(conn, &ev.account_id, &id, ev.kind.as_str(), &url, &payload)
            .await?;
    }
    Ok(id)
}

/// The parts of a webhook payload that come from the event itself.
fn payload_head(ev: &NewEvent, event_id: &str, at: &str) -> Value {
    json!({
        "event": ev.kind.as_str(),
        "event_id": event_id,
        "context": "pass",
        "campaign_id": ev.campaign_id,
        "event_at": at,
        "metadata": {},
        "event_extra": ev.extra,
    })
}

/// The webhook payload of §17 for an event.
async fn payload(
    conn: &mut AnyConnection,
    ev: &NewEvent,
    event_id: &str,
    at: &str,
) -> Result<Value, sqlx::Error> {
    let mut body = payload_head(ev, event_id, at);
    let distribution: Option<String> =
        sqlx::query_scalar("SELECT distribution_id FROM campaigns WHERE id = $1")
            .bind(&ev.campaign_id)
            .fetch_optional(&mut *conn)
            .await?;
    body["distribution_id"] = json!(distribution);
    if let Some(pass_id) = &ev.pass_id {
        let row = sqlx::query(&format!(
            "SELECT {PAYLOAD_PASS_COLUMNS} FROM passes WHERE id = $1"
        ))
        .bind(pass_id)
        .fetch_optional(&mut *conn)
        .await?;
        add_pass(&mut body, pass_id, row.as_ref());
    }
    Ok(body)
}

/// The pass columns a webhook payload carries.
const PAYLOAD_PASS_COLUMNS: &str = "id, serial_number, voided, redeemed_count, redeemed_at, \
    created_at, updated_at, last_fetched_at, doc";

/// Adds the pass part of a payload (its row, when the pass still exists).
fn add_pass(body: &mut Value, pass_id: &str, row: Option<&sqlx::any::AnyRow>) {
    body["pass_id"] = json!(pass_id);
    if let Some(row) = row {
        let doc: Value = crate::db::get_json(row, "doc");
        let t = |c: &str| -> Value {
            row.try_get::<Option<String>, _>(c)
                .ok()
                .flatten()
                .map(|s| json!(s))
                .unwrap_or(Value::Null)
        };
        body["serial_number"] = json!(row.try_get::<String, _>("serial_number").ok());
        body["voided"] = json!(crate::db::get_bool(row, "voided"));
        body["redeemed_count"] = json!(row.try_get::<i64, _>("redeemed_count").unwrap_or(0));
        body["redeemed_at"] = t("redeemed_at");
        body["created_at"] = t("created_at");
        body["updated_at"] = t("updated_at");
        body["last_fetched_at"] = t("last_fetched_at");
        if let Some(m) = doc.get("metadata").filter(|m| m.is_object()) {
            body["metadata"] = m.clone();
        }
    }
}

/// Records many events at once (bulk pass creation): the same rows, report counters and
/// webhook deliveries as [`record`] for each, written set-based in the caller's transaction
/// (one multi-row insert per table, one counter update per campaign and counter). Returns
/// the event ids, in order.
// Long because it is the set-based twin of `record`: events, counters and webhook payloads
// (their pass rows read in one query) are three steps that must stay side by side.
pub async fn record_many(
    conn: &mut AnyConnection,
    evs: &[NewEvent],
) -> Result<Vec<String>, sqlx::Error> {
    const ROWS: usize = 400;
    let at = now();
    let ids: Vec<String> = evs.iter().map(|_| new_id()).collect();
    for (chunk, chunk_ids) in evs.chunks(ROWS).zip(ids.chunks(ROWS)) {
        let mut sql = String::from(
            "INSERT INTO events (id, account_id, campaign_id, pass_id, kind, device_os, wallet, \
             ip, extra, created_at) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 10;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9,
                b + 10
            ));
        }
        let mut q = crate::db::batch_query(conn, &mut sql);
        for (ev, id) in chunk.iter().zip(chunk_ids) {
            q = q
                .bind(id)
                .bind(&ev.account_id)
                .bind(&ev.campaign_id)
                .bind(&ev.pass_id)
                .bind(ev.kind.as_str())
                .bind(&ev.device_os)
                .bind(&ev.wallet)
                .bind(&ev.ip)
                .bind(ev.extra.to_string())
                .bind(&at);
        }
        q.execute(&mut *conn).await?;
    }

    let day = &at[..10];
    let mut counts: std::collections::BTreeMap<(&str, &'static str), (Counter, i64)> =
        Default::default();
    for ev in evs {
        let mut add = |c: Counter| {
            counts
                .entry((ev.campaign_id.as_str(), c.as_str()))
                .or_insert((c, 0))
                .1 += 1;
        };
        add(Counter::of_event(ev.kind));
        if let Some(per_os) = Counter::per_os(ev.kind, ev.device_os.as_deref()) {
            add(per_os);
        }
        if let Some(per_wallet) = Counter::per_wallet(ev.kind, ev.wallet.as_deref()) {
            add(per_wallet);
        }
    }
    for ((campaign_id, _), (counter, n)) in counts {
        bump(conn, campaign_id, day, counter, n).await?;
    }

    let mut urls: std::collections::HashMap<&str, Option<String>> = Default::default();
    for ev in evs {
        if !urls.contains_key(ev.account_id.as_str()) {
            let url: Option<Option<String>> =
                sqlx::query_scalar("SELECT webhook_url FROM accounts WHERE id = $1")
                    .bind(&ev.account_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            urls.insert(&ev.account_id, url.flatten());
        }
    }
    if urls.values().all(Option::is_none) {
        return Ok(ids);
    }
    let mut distributions: std::collections::HashMap<&str, Option<String>> = Default::default();
    let mut rows: std::collections::HashMap<String, sqlx::any::AnyRow> = Default::default();
    let pass_ids: Vec<&str> = evs.iter().filter_map(|e| e.pass_id.as_deref()).collect();
    for chunk in pass_ids.chunks(ROWS) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let mut sql = format!(
            "SELECT {PAYLOAD_PASS_COLUMNS} FROM passes WHERE id IN ({})",
            marks.join(", ")
        );
        let mut q = crate::db::batch_query(conn, &mut sql);
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut *conn).await? {
            rows.insert(row.try_get("id")?, row);
        }
    }
    let mut deliveries = Vec::new();
    for (ev, id) in evs.iter().zip(&ids) {
        let Some(Some(url)) = urls.get(ev.account_id.as_str()) else {
            continue;
        };
        if !distributions.contains_key(ev.campaign_id.as_str()) {
            let d: Option<Option<String>> =
                sqlx::query_scalar("SELECT distribution_id FROM campaigns WHERE id = $1")
                    .bind(&ev.campaign_id)
                    .fetch_optional(&mut *conn)
                    .await?;
            distributions.insert(&ev.campaign_id, d.flatten());
        }
        let mut body = payload_head(ev, id, &at);
        body["distribution_id"] = json!(distributions[ev.campaign_id.as_str()]);
        if let Some(pass_id) = &ev.pass_id {
            add_pass(&mut body, pass_id, rows.get(pass_id));
        }
        deliveries.push(crate::model::webhooks::NewDelivery {
            account_id: ev.account_id.clone(),
            event_id: id.clone(),
            event: ev.kind.as_str(),
            url: url.clone(),
            payload: body,
        });
    }
    crate::model::webhooks::enqueue_many(conn, &deliveries).await?;
    Ok(ids)
}
