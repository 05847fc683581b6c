//! Accounts (§2, §12): the signed-in [`Account`], credential lookup, account creation
//! (the CLI, first start and organizations) and the account's own settings.

use crate::auth::hash_key;
use crate::db::{get_bool, new_id, now, random_token, Db};
use sqlx::Row;
use subtle::ConstantTimeEq;

/// The signed-in account.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub api_username: String,
    pub can_manage_organizations: bool,
    pub webhook_url: Option<String>,
    pub locked_at: Option<String>,
    pub default_certificate_id: Option<String>,
    pub created_at: String,
}

/// Columns selected for an [`Account`].
pub const ACCOUNT_COLUMNS: &str = "id, parent_id, name, api_username, api_key_hash, \
    can_manage_organizations, webhook_url, locked_at, default_certificate_id, created_at";

/// Builds an [`Account`] from a row with [`ACCOUNT_COLUMNS`].
pub fn account_from_row(row: &sqlx::any::AnyRow) -> Result<Account, sqlx::Error> {
    Ok(Account {
        id: row.try_get("id")?,
        parent_id: row.try_get("parent_id")?,
        name: row.try_get("name")?,
        api_username: row.try_get("api_username")?,
        can_manage_organizations: get_bool(row, "can_manage_organizations"),
        webhook_url: row.try_get("webhook_url")?,
        locked_at: row.try_get("locked_at")?,
        default_certificate_id: row.try_get("default_certificate_id")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Looks up the account for Basic credentials; `None` when they do not match.
pub async fn authenticate(
    db: &Db,
    username: &str,
    key: &str,
) -> Result<Option<Account>, sqlx::Error> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE api_username = $1");
    let row = sqlx::query(&sql)
        .bind(username)
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else {
        // Spend the same hashing work as a real comparison.
        let _ = hash_key(key);
        return Ok(None);
    };
    let stored: String = row.try_get("api_key_hash")?;
    let given = hash_key(key);
    if bool::from(stored.as_bytes().ct_eq(given.as_bytes())) {
        Ok(Some(account_from_row(&row)?))
    } else {
        Ok(None)
    }
}

/// Credentials of a newly created account; the key is shown once and stored only hashed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewAccount {
    pub id: String,
    pub name: String,
    pub api_username: String,
    pub api_key: String,
}

/// Creates an account (or, with `parent_id`, a child organization).
pub async fn create_account(
    db: &Db,
    name: &str,
    parent_id: Option<&str>,
    can_manage_organizations: bool,
) -> Result<NewAccount, sqlx::Error> {
    let id = new_id();
    let api_username = format!("pw_{}", hex::encode(rand::random::<[u8; 10]>()));
    let api_key = random_token(24);
    let ts = now();
    sqlx::query(
        "INSERT INTO accounts (id, parent_id, name, api_username, api_key_hash, \
         can_manage_organizations, webhook_token, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(parent_id)
    .bind(name)
    .bind(&api_username)
    .bind(hash_key(&api_key))
    .bind(can_manage_organizations as i64)
    .bind(random_token(24))
    .bind(&ts)
    .execute(&db.pool)
    .await?;
    Ok(NewAccount {
        id,
        name: name.to_string(),
        api_username,
        api_key,
    })
}

/// Loads an account by id.
pub async fn load(db: &Db, id: &str) -> Result<Option<Account>, sqlx::Error> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&db.pool).await?;
    row.as_ref().map(account_from_row).transpose()
}

/// How many accounts exist.
pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(&db.pool)
        .await
}

/// Saves an account's name and webhook URL.
pub async fn update_settings(
    db: &Db,
    id: &str,
    name: &str,
    webhook_url: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET name = $1, webhook_url = $2, updated_at = $3 WHERE id = $4")
        .bind(name)
        .bind(webhook_url)
        .bind(now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Replaces an account's webhook signing token.
pub async fn set_webhook_token(db: &Db, id: &str, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET webhook_token = $1, updated_at = $2 WHERE id = $3")
        .bind(token)
        .bind(now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The account's name and default certificate (pass.json and signing).
pub async fn signing_facts(
    db: &Db,
    id: &str,
) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    let row = sqlx::query("SELECT name, default_certificate_id FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok((r.try_get("name")?, r.try_get("default_certificate_id")?)))
        .transpose()
}

/// Makes `certificate_id` the account's default certificate.
pub async fn set_default_certificate(
    db: &Db,
    id: &str,
    certificate_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET default_certificate_id = $1, updated_at = $2 WHERE id = $3")
        .bind(certificate_id)
        .bind(now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
