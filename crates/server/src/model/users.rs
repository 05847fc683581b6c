//! People of an organization (issue 16): invited by e-mail, active once they set a
//! password. Passwords are Argon2id hashes (made in `auth.rs`), invitation tokens SHA-256
//! hashes; e-mail addresses are stored lower case and unique across the instance.

use crate::db::{now, Db, Tx};
use crate::error::ApiResult;
use crate::list::{col, Bind, Column, Kind, ListParams, Listing, Paged};
use passworks_wire::Role;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A person as stored (no secrets).
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub id: String,
    pub account_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub invitation_expires_at: Option<String>,
    /// When the last invitation link was e-mailed (SMTP configured).
    pub invitation_sent_at: Option<String>,
    /// Why e-mailing the last invitation link failed.
    pub invitation_mail_error: Option<String>,
    pub last_sign_in_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, account_id, email, name, role, \
    (CASE WHEN password_hash IS NULL THEN 'invited' ELSE 'active' END) AS status, \
    invitation_expires_at, invitation_sent_at, invitation_mail_error, last_sign_in_at, \
    created_at, updated_at";

pub const LIST_COLUMNS: &[Column] = &[
    col("id", "id", Kind::Text),
    col("email", "email", Kind::Text),
    col("name", "name", Kind::Text),
    col("role", "role", Kind::Text),
    col("last_sign_in_at", "last_sign_in_at", Kind::Time),
    col("created_at", "created_at", Kind::Time),
    col("updated_at", "updated_at", Kind::Time),
];

fn from_row(row: &AnyRow) -> Result<UserRecord, sqlx::Error> {
    let role: String = row.try_get("role")?;
    Ok(UserRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        active: row.try_get::<String, _>("status")? == "active",
        invitation_expires_at: row.try_get("invitation_expires_at")?,
        invitation_sent_at: row.try_get("invitation_sent_at")?,
        invitation_mail_error: row.try_get("invitation_mail_error")?,
        last_sign_in_at: row.try_get("last_sign_in_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// One page of the account's people.
pub async fn list(db: &Db, account_id: &str, params: &ListParams) -> ApiResult<Paged<UserRecord>> {
    Listing {
        select: COLUMNS,
        from: "users",
        scope: "account_id = $1",
        scope_binds: vec![Bind::Text(account_id.to_string())],
        columns: LIST_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(db, params, from_row)
    .await
}

/// Loads a person of `account_id`.
pub async fn load(db: &Db, account_id: &str, id: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1 AND account_id = $2");
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(account_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// A person with the password hash, for signing in (`email` lower case).
pub async fn find_for_sign_in(
    db: &Db,
    email: &str,
) -> Result<Option<(UserRecord, Option<String>)>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE email = $1");
    let row = sqlx::query(&sql)
        .bind(email)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok((from_row(&r)?, r.try_get("password_hash")?)))
        .transpose()
}

/// Invites a person: a row without password, holding the invitation's hash. A taken
/// e-mail address is a unique violation (422 through `ApiError`).
pub async fn invite(
    db: &Db,
    account_id: &str,
    email: &str,
    name: &str,
    role: Role,
    invitation_hash: &str,
    invitation_expires_at: &str,
) -> Result<String, sqlx::Error> {
    let id = crate::db::new_id();
    let ts = now();
    sqlx::query(
        "INSERT INTO users (id, account_id, email, name, role, invitation_hash, \
         invitation_expires_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(account_id)
    .bind(email)
    .bind(name)
    .bind(role.as_str())
    .bind(invitation_hash)
    .bind(invitation_expires_at)
    .bind(&ts)
    .execute(&db.pool)
    .await?;
    Ok(id)
}

/// Replaces a person's invitation (a new link; the old one stops working).
pub async fn reinvite(
    db: &Db,
    account_id: &str,
    id: &str,
    invitation_hash: &str,
    invitation_expires_at: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET invitation_hash = $1, invitation_expires_at = $2, updated_at = $3, \
         invitation_sent_at = NULL, invitation_mail_error = NULL \
         WHERE id = $4 AND account_id = $5",
    )
    .bind(invitation_hash)
    .bind(invitation_expires_at)
    .bind(now())
    .bind(id)
    .bind(account_id)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Records how e-mailing a person's invitation link went: sent now, or `error`.
pub async fn record_invitation_mail(
    db: &Db,
    id: &str,
    error: Option<&str>,
) -> Result<(), sqlx::Error> {
    let ts = now();
    sqlx::query(
        "UPDATE users SET invitation_sent_at = $1, invitation_mail_error = $2 WHERE id = $3",
    )
    .bind(error.is_none().then_some(ts.as_str()))
    .bind(error)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The person an unexpired invitation belongs to.
pub async fn find_by_invitation(
    db: &Db,
    invitation_hash: &str,
) -> Result<Option<UserRecord>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE invitation_hash = $1 AND invitation_expires_at > $2"
    );
    let row = sqlx::query(&sql)
        .bind(invitation_hash)
        .bind(now())
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Accepting an invitation: sets the password (and name) and uses the invitation up,
/// only if it is still the same unexpired invitation; ends the person's other sessions
/// (an invitation re-issued to reset a password signs the old holder out). False when
/// the invitation was used or replaced in the meantime.
pub async fn accept_invitation(
    tx: &mut Tx,
    id: &str,
    invitation_hash: &str,
    password_hash: &str,
    name: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let ts = now();
    let done = sqlx::query(
        "UPDATE users SET password_hash = $1, name = COALESCE($2, name), invitation_hash = NULL, \
         invitation_expires_at = NULL, last_sign_in_at = $3, updated_at = $3 \
         WHERE id = $4 AND invitation_hash = $5 AND invitation_expires_at > $3",
    )
    .bind(password_hash)
    .bind(name)
    .bind(&ts)
    .bind(id)
    .bind(invitation_hash)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// Saves a person's name and role.
pub async fn update(
    db: &Db,
    account_id: &str,
    id: &str,
    name: &str,
    role: Role,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET name = $1, role = $2, updated_at = $3 WHERE id = $4 AND account_id = $5",
    )
    .bind(name)
    .bind(role.as_str())
    .bind(now())
    .bind(id)
    .bind(account_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Removes a person (their sessions go with them).
pub async fn delete(db: &Db, account_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query("DELETE FROM users WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

/// Stamps a successful sign-in.
pub async fn touch_sign_in(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// A person's password hash (`None` before they set one).
pub async fn password_hash(db: &Db, id: &str) -> Result<Option<String>, sqlx::Error> {
    let hash: Option<Option<String>> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(hash.flatten())
}

/// Replaces a person's password and ends their sessions except `keep`.
pub async fn change_password(
    db: &Db,
    id: &str,
    password_hash: &str,
    keep: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(password_hash)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(id)
        .bind(keep)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
