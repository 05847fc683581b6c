//! Scoped API keys (issue 16): named, with a scope (a role or a finer set), an optional
//! expiry, a last-used time and revocation. A key is `<prefix>_<secret>`; the prefix is
//! public (the Basic username), the secret is stored as a SHA-256 hash (it carries 192
//! random bits, so a fast hash is enough) and compared in constant time.

use crate::db::{now, Db};
use crate::error::ApiResult;
use crate::list::{col, Bind, Column, Kind, ListParams, Listing, Paged};
use crate::model::accounts::{account_from_row, Account};
use passworks_wire::KeyScope;
use sqlx::any::AnyRow;
use sqlx::Row;
use subtle::ConstantTimeEq;

/// A key as stored (without its secret).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKeyRecord {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub scope: KeyScope,
    pub prefix: String,
    pub created_by: Option<String>,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    pub created_at: String,
}

const COLUMNS: &str = "k.id, k.account_id, k.name, k.scope, k.prefix, k.created_by, \
    k.expires_at, k.last_used_at, k.revoked_at, k.created_at";

pub const LIST_COLUMNS: &[Column] = &[
    col("id", "k.id", Kind::Text),
    col("name", "k.name", Kind::Text),
    col("scope", "k.scope", Kind::Text),
    col("prefix", "k.prefix", Kind::Text),
    col("expires_at", "k.expires_at", Kind::Time),
    col("last_used_at", "k.last_used_at", Kind::Time),
    col("revoked_at", "k.revoked_at", Kind::Time),
    col("created_at", "k.created_at", Kind::Time),
];

fn from_row(row: &AnyRow) -> Result<ApiKeyRecord, sqlx::Error> {
    let scope: String = row.try_get("scope")?;
    Ok(ApiKeyRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        name: row.try_get("name")?,
        // An unknown scope (never written) reads as the narrowest one.
        scope: KeyScope::parse(&scope).unwrap_or(KeyScope::Scanner),
        prefix: row.try_get("prefix")?,
        created_by: row.try_get("created_by")?,
        expires_at: row.try_get("expires_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
        created_at: row.try_get("created_at")?,
    })
}

/// What a new key is made of.
pub struct NewKey<'a> {
    pub account_id: &'a str,
    pub name: &'a str,
    pub scope: KeyScope,
    pub prefix: &'a str,
    pub secret_hash: &'a str,
    pub created_by: &'a str,
    pub expires_at: Option<&'a str>,
}

/// Stores a key; returns its id.
pub async fn create(db: &Db, k: &NewKey<'_>) -> Result<String, sqlx::Error> {
    let id = crate::db::new_id();
    sqlx::query(
        "INSERT INTO api_keys (id, account_id, name, scope, prefix, secret_hash, created_by, \
         expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(k.account_id)
    .bind(k.name)
    .bind(k.scope.as_str())
    .bind(k.prefix)
    .bind(k.secret_hash)
    .bind(k.created_by)
    .bind(k.expires_at)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(id)
}

/// The live key (not revoked, not expired) with `prefix` whose secret hashes to
/// `secret_hash`, with its account.
pub async fn authenticate(
    db: &Db,
    prefix: &str,
    secret_hash: &str,
) -> Result<Option<(ApiKeyRecord, Account)>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS}, k.secret_hash, a.id AS a_id, a.parent_id, a.name AS a_name, \
         a.api_username, a.api_key_hash, a.can_manage_organizations, a.webhook_url, \
         a.locked_at, a.default_certificate_id, a.created_at AS a_created_at \
         FROM api_keys k JOIN accounts a ON a.id = k.account_id \
         WHERE k.prefix = $1 AND k.revoked_at IS NULL \
         AND (k.expires_at IS NULL OR k.expires_at > $2)"
    );
    let Some(row) = sqlx::query(&sql)
        .bind(prefix)
        .bind(now())
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    let stored: String = row.try_get("secret_hash")?;
    if !bool::from(stored.as_bytes().ct_eq(secret_hash.as_bytes())) {
        return Ok(None);
    }
    let key = from_row(&row)?;
    let mut account = account_from_row(&row)?;
    account.id = row.try_get("a_id")?;
    account.name = row.try_get("a_name")?;
    account.created_at = row.try_get("a_created_at")?;
    Ok(Some((key, account)))
}

/// Records that a key was used, at most once a minute (one conditional write).
pub async fn touch(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    let now = chrono::Utc::now();
    let cutoff = crate::db::format_time(now - chrono::Duration::seconds(60));
    sqlx::query(
        "UPDATE api_keys SET last_used_at = $1 WHERE id = $2 \
         AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(crate::db::format_time(now))
    .bind(id)
    .bind(cutoff)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// One page of the account's keys.
pub async fn list(
    db: &Db,
    account_id: &str,
    params: &ListParams,
) -> ApiResult<Paged<ApiKeyRecord>> {
    Listing {
        select: COLUMNS,
        from: "api_keys k",
        scope: "k.account_id = $1",
        scope_binds: vec![Bind::Text(account_id.to_string())],
        columns: LIST_COLUMNS,
        default_order: "k.created_at",
        unique: "k.id",
    }
    .page(db, params, from_row)
    .await
}

/// Loads a key of `account_id`.
pub async fn load(
    db: &Db,
    account_id: &str,
    id: &str,
) -> Result<Option<ApiKeyRecord>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys k WHERE k.id = $1 AND k.account_id = $2");
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(account_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Revokes a key (kept, so the audit log and the list still name it).
pub async fn revoke(db: &Db, account_id: &str, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND account_id = $3 \
         AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(id)
    .bind(account_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}
