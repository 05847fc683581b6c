//! The audit log (issue 16): one row per change made through the API or the console,
//! written by the route guard (`auth::guard`) after the change succeeded. Rows are
//! never updated; there is no route that edits or deletes them, only the retention
//! prune (`--audit-retention-days`).

use crate::db::{format_time, now, Db};
use crate::error::ApiResult;
use crate::list::{col, Bind, Column, Kind, ListParams, Listing, Paged};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

/// An audit event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub id: String,
    pub account_id: String,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub action: String,
    pub resource: String,
    pub resource_id: Option<String>,
    pub summary: String,
    pub method: String,
    pub path: String,
    pub attributes: Value,
    pub ip: Option<String>,
    pub status: i64,
    pub created_at: String,
}

const COLUMNS: &str = "id, account_id, actor_type, actor_id, actor_label, action, resource, \
    resource_id, summary, method, path, attributes, ip, status, created_at";

pub const LIST_COLUMNS: &[Column] = &[
    col("id", "id", Kind::Text),
    col("actor_type", "actor_type", Kind::Text),
    col("actor_id", "actor_id", Kind::Text),
    col("actor_label", "actor_label", Kind::Text),
    col("action", "action", Kind::Text),
    col("resource", "resource", Kind::Text),
    col("resource_id", "resource_id", Kind::Text),
    col("method", "method", Kind::Text),
    col("path", "path", Kind::Text),
    col("ip", "ip", Kind::Text),
    col("status", "status", Kind::Int),
    col("created_at", "created_at", Kind::Time),
];

fn from_row(row: &AnyRow) -> Result<AuditRecord, sqlx::Error> {
    let attributes: String = row.try_get("attributes")?;
    Ok(AuditRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        actor_type: row.try_get("actor_type")?,
        actor_id: row.try_get("actor_id")?,
        actor_label: row.try_get("actor_label")?,
        action: row.try_get("action")?,
        resource: row.try_get("resource")?,
        resource_id: row.try_get("resource_id")?,
        summary: row.try_get("summary")?,
        method: row.try_get("method")?,
        path: row.try_get("path")?,
        attributes: serde_json::from_str(&attributes).unwrap_or(Value::Null),
        ip: row.try_get("ip")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
    })
}

/// A change to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub account_id: &'a str,
    pub actor_type: &'a str,
    pub actor_id: Option<&'a str>,
    pub actor_label: &'a str,
    pub action: &'a str,
    pub resource: &'a str,
    pub resource_id: Option<&'a str>,
    pub summary: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub attributes: &'a Value,
    pub ip: Option<&'a str>,
    pub status: i64,
}

/// Writes one event.
pub async fn record(db: &Db, e: &NewEvent<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events (id, account_id, actor_type, actor_id, actor_label, action, \
         resource, resource_id, summary, method, path, attributes, ip, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(crate::db::new_id())
    .bind(e.account_id)
    .bind(e.actor_type)
    .bind(e.actor_id)
    .bind(e.actor_label)
    .bind(e.action)
    .bind(e.resource)
    .bind(e.resource_id)
    .bind(e.summary)
    .bind(e.method)
    .bind(e.path)
    .bind(e.attributes.to_string())
    .bind(e.ip)
    .bind(e.status)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// One page of the account's events.
pub async fn list(db: &Db, account_id: &str, params: &ListParams) -> ApiResult<Paged<AuditRecord>> {
    Listing {
        select: COLUMNS,
        from: "audit_events",
        scope: "account_id = $1",
        scope_binds: vec![Bind::Text(account_id.to_string())],
        columns: LIST_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(db, params, from_row)
    .await
}

/// Deletes events older than `days` days; returns how many.
pub async fn prune(db: &Db, days: i64) -> Result<u64, sqlx::Error> {
    let cutoff = format_time(chrono::Utc::now() - chrono::Duration::days(days));
    let done = sqlx::query("DELETE FROM audit_events WHERE created_at < $1")
        .bind(cutoff)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}
