//! Console sessions (issue 16): bearer tokens, stored as SHA-256 hashes, with an absolute
//! expiry. A session belongs to a person, whose current role applies on every request
//! (a role change takes effect at once); a session without a person carries its own
//! `role` (sessions minted for an external user by an integration).

use crate::db::{now, Db};
use crate::error::ApiResult;
use crate::list::{col, Bind, Column, Kind, ListParams, Listing, Paged};
use crate::model::accounts::{account_from_row, Account};
use passworks_wire::Role;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A session as stored (without its token).
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub id: String,
    pub account_id: String,
    pub user_id: Option<String>,
    pub user_email: Option<String>,
    pub via: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: String,
    pub last_used_at: String,
    pub expires_at: String,
    /// A minted console session (issue 18): the campaigns it is restricted to (`None`:
    /// all), the integration's user and how the audit log names it.
    pub campaign_ids: Option<Vec<String>>,
    pub external_user_id: Option<String>,
    pub actor_label: Option<String>,
    /// A minted session's integration (issue 18): the id of the API key or the API
    /// username that minted it, that key's name at the time (both `None` for sessions
    /// minted before migration 0150), and the integration's label for its user.
    pub minted_by: Option<String>,
    pub minted_by_name: Option<String>,
    pub external_user_label: Option<String>,
}

const COLUMNS: &str = "s.id, s.account_id, s.user_id, u.email AS user_email, s.via, s.ip, \
    s.user_agent, s.created_at, s.last_used_at, s.expires_at, s.campaign_ids, \
    s.external_user_id, s.actor_label, s.minted_by, s.minted_by_name, s.external_user_label";

pub const LIST_COLUMNS: &[Column] = &[
    col("id", "s.id", Kind::Text),
    col("user_id", "s.user_id", Kind::Text),
    col("user_email", "u.email", Kind::Text),
    col("via", "s.via", Kind::Text),
    col("external_user_id", "s.external_user_id", Kind::Text),
    col("minted_by", "s.minted_by", Kind::Text),
    col("ip", "s.ip", Kind::Text),
    col("created_at", "s.created_at", Kind::Time),
    col("last_used_at", "s.last_used_at", Kind::Time),
    col("expires_at", "s.expires_at", Kind::Time),
];

fn from_row(row: &AnyRow) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        user_id: row.try_get("user_id")?,
        user_email: row.try_get("user_email")?,
        via: row.try_get("via")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        expires_at: row.try_get("expires_at")?,
        campaign_ids: row
            .try_get::<Option<String>, _>("campaign_ids")?
            .and_then(|j| serde_json::from_str(&j).ok()),
        external_user_id: row.try_get("external_user_id")?,
        actor_label: row.try_get("actor_label")?,
        minted_by: row.try_get("minted_by")?,
        minted_by_name: row.try_get("minted_by_name")?,
        external_user_label: row.try_get("external_user_label")?,
    })
}

/// What a new session is made of.
pub struct NewSession<'a> {
    pub account_id: &'a str,
    pub user_id: Option<&'a str>,
    pub role: Option<Role>,
    pub via: &'a str,
    pub token_hash: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub expires_at: &'a str,
}

/// Stores a session; returns its id.
pub async fn create(db: &Db, s: &NewSession<'_>) -> Result<String, sqlx::Error> {
    let id = crate::db::new_id();
    let ts = now();
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, account_id, user_id, role, via, ip, user_agent, \
         created_at, last_used_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
    )
    .bind(&id)
    .bind(s.token_hash)
    .bind(s.account_id)
    .bind(s.user_id)
    .bind(s.role.map(|r| r.as_str()))
    .bind(s.via)
    .bind(s.ip)
    .bind(s.user_agent.map(|u| u.chars().take(255).collect::<String>()))
    .bind(&ts)
    .bind(s.expires_at)
    .execute(&db.pool)
    .await?;
    Ok(id)
}

/// An authenticated session: the record, the role in force and the account.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub session: SessionRecord,
    pub role: Role,
    pub account: Account,
}

/// The unexpired session whose token hashes to `token_hash`, with its person's current
/// role and the account.
pub async fn authenticate(db: &Db, token_hash: &str) -> Result<Option<Authenticated>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS}, COALESCE(u.role, s.role) AS effective_role, \
         a.id AS a_id, a.parent_id, a.name, a.api_username, a.api_key_hash, \
         a.can_manage_organizations, a.webhook_url, a.locked_at, a.default_certificate_id, \
         a.created_at AS a_created_at \
         FROM sessions s LEFT JOIN users u ON u.id = s.user_id \
         JOIN accounts a ON a.id = s.account_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2"
    );
    let Some(row) = sqlx::query(&sql)
        .bind(token_hash)
        .bind(now())
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    let role: Option<String> = row.try_get("effective_role")?;
    let Some(role) = role.as_deref().and_then(Role::parse) else {
        return Ok(None);
    };
    let mut account = account_from_row_prefixed(&row)?;
    account.id = row.try_get("a_id")?;
    Ok(Some(Authenticated {
        session: from_row(&row)?,
        role,
        account,
    }))
}

/// The account columns of [`authenticate`]'s join (`id` and `created_at` renamed).
fn account_from_row_prefixed(row: &AnyRow) -> Result<Account, sqlx::Error> {
    let mut a = account_from_row(row)?;
    a.created_at = row.try_get("a_created_at")?;
    Ok(a)
}

/// Records that a session was used, at most once a minute (one conditional write).
pub async fn touch(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    let now = chrono::Utc::now();
    let cutoff = crate::db::format_time(now - chrono::Duration::seconds(60));
    sqlx::query("UPDATE sessions SET last_used_at = $1 WHERE id = $2 AND last_used_at < $3")
        .bind(crate::db::format_time(now))
        .bind(id)
        .bind(cutoff)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Loads a session of `account_id`.
pub async fn load(
    db: &Db,
    account_id: &str,
    id: &str,
) -> Result<Option<SessionRecord>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sessions s LEFT JOIN users u ON u.id = s.user_id \
         WHERE s.id = $1 AND s.account_id = $2"
    );
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(account_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// One page of the account's unexpired sessions, or only `user_id`'s.
pub async fn list(
    db: &Db,
    account_id: &str,
    user_id: Option<&str>,
    params: &ListParams,
) -> ApiResult<Paged<SessionRecord>> {
    let mut binds = vec![Bind::Text(account_id.to_string()), Bind::Text(now())];
    let scope = match user_id {
        Some(u) => {
            binds.push(Bind::Text(u.to_string()));
            "s.account_id = $1 AND s.expires_at > $2 AND s.user_id = $3"
        }
        None => "s.account_id = $1 AND s.expires_at > $2",
    };
    Listing {
        select: COLUMNS,
        from: "sessions s LEFT JOIN users u ON u.id = s.user_id",
        scope,
        scope_binds: binds,
        columns: LIST_COLUMNS,
        default_order: "s.created_at",
        unique: "s.id",
    }
    .page(db, params, from_row)
    .await
}

/// Ends a session of `account_id`.
pub async fn delete(db: &Db, account_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Deletes sessions that have expired.
pub async fn prune_expired(db: &Db) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}
