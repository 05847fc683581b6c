//! Console sessions minted by an integration (issue 18): one-time tokens
//! (`console_tokens`, stored as SHA-256 hashes, deleted when exchanged) and the sessions
//! they turn into (`sessions` rows without a person, carrying their own role, campaign
//! restriction, external user, audit label and the key that minted them).

use crate::db::{now, Db};
use passworks_wire::Role;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A one-time token as stored (without the token itself).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    pub id: String,
    pub account_id: String,
    pub role: Role,
    pub campaign_ids: Option<Vec<String>>,
    pub external_user_id: String,
    pub external_user_label: Option<String>,
    pub allowed_origin: String,
    /// How the audit log names the session: "via <key name> for <external user id>".
    pub actor_label: String,
    /// The id of the key (or the API username) that minted it.
    pub minted_by: String,
    /// The key's name (or the API username) when it minted the token; `None` for tokens
    /// minted before it was kept (migration 0150).
    pub minted_by_name: Option<String>,
    pub session_seconds: i64,
    pub expires_at: String,
    pub created_at: String,
}

/// What a new token is made of.
pub struct NewToken<'a> {
    pub token_hash: &'a str,
    pub account_id: &'a str,
    pub role: Role,
    pub campaign_ids: Option<&'a [String]>,
    pub external_user_id: &'a str,
    pub external_user_label: Option<&'a str>,
    pub allowed_origin: &'a str,
    pub actor_label: &'a str,
    pub minted_by: &'a str,
    pub minted_by_name: &'a str,
    pub session_seconds: i64,
    pub expires_at: &'a str,
}

const COLUMNS: &str = "id, account_id, role, campaign_ids, external_user_id, \
    external_user_label, allowed_origin, actor_label, minted_by, minted_by_name, session_seconds, \
    expires_at, created_at";

fn from_row(row: &AnyRow) -> Result<TokenRecord, sqlx::Error> {
    let role: String = row.try_get("role")?;
    Ok(TokenRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        campaign_ids: row
            .try_get::<Option<String>, _>("campaign_ids")?
            .and_then(|j| serde_json::from_str(&j).ok()),
        external_user_id: row.try_get("external_user_id")?,
        external_user_label: row.try_get("external_user_label")?,
        allowed_origin: row.try_get("allowed_origin")?,
        actor_label: row.try_get("actor_label")?,
        minted_by: row.try_get("minted_by")?,
        minted_by_name: row.try_get("minted_by_name")?,
        session_seconds: row.try_get("session_seconds")?,
        expires_at: row.try_get("expires_at")?,
        created_at: row.try_get("created_at")?,
    })
}

fn ids_json(ids: Option<&[String]>) -> Option<String> {
    ids.map(|ids| serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()))
}

/// Stores a token; returns its record.
pub async fn create(db: &Db, t: &NewToken<'_>) -> Result<TokenRecord, sqlx::Error> {
    let id = crate::db::new_id();
    sqlx::query(
        "INSERT INTO console_tokens (id, token_hash, account_id, role, campaign_ids, \
         external_user_id, external_user_label, allowed_origin, actor_label, minted_by, \
         minted_by_name, session_seconds, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&id)
    .bind(t.token_hash)
    .bind(t.account_id)
    .bind(t.role.as_str())
    .bind(ids_json(t.campaign_ids))
    .bind(t.external_user_id)
    .bind(t.external_user_label)
    .bind(t.allowed_origin)
    .bind(t.actor_label)
    .bind(t.minted_by)
    .bind(t.minted_by_name)
    .bind(t.session_seconds)
    .bind(t.expires_at)
    .bind(now())
    .execute(&db.pool)
    .await?;
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM console_tokens WHERE id = $1"
    ))
    .bind(&id)
    .fetch_one(&db.pool)
    .await?;
    from_row(&row)
}

/// Takes the unexpired token whose hash is `token_hash`: it is deleted, so of two
/// concurrent exchanges of one token only one gets it (the delete is conditional and
/// only one of them sees a row deleted). `None` for an unknown, used or expired token.
pub async fn take(db: &Db, token_hash: &str) -> Result<Option<TokenRecord>, sqlx::Error> {
    let Some(row) = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM console_tokens WHERE token_hash = $1 AND expires_at > $2"
    ))
    .bind(token_hash)
    .bind(now())
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(None);
    };
    let record = from_row(&row)?;
    let done = sqlx::query("DELETE FROM console_tokens WHERE id = $1")
        .bind(&record.id)
        .execute(&db.pool)
        .await?;
    Ok((done.rows_affected() == 1).then_some(record))
}

/// Deletes tokens that have expired unused.
pub async fn prune_expired(db: &Db) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM console_tokens WHERE expires_at <= $1")
        .bind(now())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

/// Stores the session an exchanged token becomes; returns its id.
pub async fn create_session(
    db: &Db,
    t: &TokenRecord,
    token_hash: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
    expires_at: &str,
) -> Result<String, sqlx::Error> {
    let id = crate::db::new_id();
    let ts = now();
    sqlx::query(
        "INSERT INTO sessions (id, token_hash, account_id, user_id, role, via, ip, user_agent, \
         created_at, last_used_at, expires_at, campaign_ids, external_user_id, actor_label, \
         minted_by, minted_by_name, external_user_label) \
         VALUES ($1, $2, $3, NULL, $4, 'console_session', $5, $6, $7, $7, $8, $9, $10, $11, \
         $12, $13, $14)",
    )
    .bind(&id)
    .bind(token_hash)
    .bind(&t.account_id)
    .bind(t.role.as_str())
    .bind(ip)
    .bind(user_agent.map(|u| u.chars().take(255).collect::<String>()))
    .bind(&ts)
    .bind(expires_at)
    .bind(ids_json(t.campaign_ids.as_deref()))
    .bind(&t.external_user_id)
    .bind(&t.actor_label)
    .bind(&t.minted_by)
    .bind(&t.minted_by_name)
    .bind(&t.external_user_label)
    .execute(&db.pool)
    .await?;
    Ok(id)
}

/// Which of `ids` are campaigns of `account_id` (any type).
pub async fn campaigns_of(
    db: &Db,
    account_id: &str,
    ids: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT id FROM campaigns WHERE account_id = $1 AND id IN ({})",
        placeholders.join(", ")
    );
    let mut q = sqlx::query_scalar::<_, String>(&sql).bind(account_id);
    for id in ids {
        q = q.bind(id);
    }
    q.fetch_all(&db.pool).await
}

/// A SQL condition restricting `column` to the campaigns `ids`, with placeholders
/// numbered from `first` (`column IN ($first, …)`; `1 = 0` for none), and the values
/// to bind. For the collection queries of a restricted session.
pub fn restriction(column: &str, ids: &[String], first: usize) -> String {
    if ids.is_empty() {
        return "1 = 0".into();
    }
    let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", first + i)).collect();
    format!("{column} IN ({})", placeholders.join(", "))
}
