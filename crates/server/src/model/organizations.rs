//! Organizations (§12): child accounts (`accounts` rows with `parent_id` set) as their
//! parent sees them, their loaders and store functions.

use crate::db::{now, Db};
use crate::error::ApiResult;
use crate::list::{col, Bind, Column, Kind, ListParams, Listing, Paged};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A child organization as its parent sees it (no key material).
#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationRecord {
    pub id: String,
    pub name: String,
    pub api_username: String,
    pub webhook_url: Option<String>,
    pub locked_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, name, api_username, webhook_url, locked_at, created_at, updated_at";

pub const LIST_COLUMNS: &[Column] = &[
    col("id", "id", Kind::Text),
    col("name", "name", Kind::Text),
    col("api_username", "api_username", Kind::Text),
    col("webhook_url", "webhook_url", Kind::Text),
    col("locked_at", "locked_at", Kind::Time),
    col("created_at", "created_at", Kind::Time),
    col("updated_at", "updated_at", Kind::Time),
];

fn from_row(row: &AnyRow) -> Result<OrganizationRecord, sqlx::Error> {
    Ok(OrganizationRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        api_username: row.try_get("api_username")?,
        webhook_url: row.try_get("webhook_url")?,
        locked_at: row.try_get("locked_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// One page of the children of `parent_id`.
pub async fn list(
    db: &Db,
    parent_id: &str,
    params: &ListParams,
) -> ApiResult<Paged<OrganizationRecord>> {
    Listing {
        select: COLUMNS,
        from: "accounts",
        scope: "parent_id = $1",
        scope_binds: vec![Bind::Text(parent_id.to_string())],
        columns: LIST_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(db, params, from_row)
    .await
}

/// Loads a child of `parent_id`.
pub async fn load_child(
    db: &Db,
    parent_id: &str,
    id: &str,
) -> Result<Option<OrganizationRecord>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1 AND parent_id = $2");
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(parent_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// How many children `parent_id` has.
pub async fn count_children(db: &Db, parent_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE parent_id = $1")
        .bind(parent_id)
        .fetch_one(&db.pool)
        .await
}

/// Whether `child_id` is among the first `max` children of `parent_id` by creation order
/// (concurrent creations may all pass the count check; only the first ones stay).
pub async fn within_limit(
    db: &Db,
    parent_id: &str,
    child_id: &str,
    max: i64,
) -> Result<bool, sqlx::Error> {
    let first: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM accounts WHERE parent_id = $1 ORDER BY created_at, id LIMIT $2",
    )
    .bind(parent_id)
    .bind(max)
    .fetch_all(&db.pool)
    .await?;
    Ok(first.iter().any(|id| id == child_id))
}

/// Deletes an account.
pub async fn delete(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM accounts WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Replaces a child's API key hash; false when `id` is not a child of `parent_id`.
pub async fn set_api_key(
    db: &Db,
    parent_id: &str,
    id: &str,
    key_hash: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE accounts SET api_key_hash = $1, updated_at = $2 WHERE id = $3 AND parent_id = $4",
    )
    .bind(key_hash)
    .bind(now())
    .bind(id)
    .bind(parent_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() > 0)
}
