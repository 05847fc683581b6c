//! Single sign-on attempts (issue 16): the state of an OpenID Connect authorization
//! request (its PKCE verifier and nonce) between `POST /v2/sso/start` and the provider's
//! redirect to `/v2/sso/callback`. The state itself is stored hashed; an attempt is used
//! at most once and lives 10 minutes.

use crate::db::{format_time, now, Db};
use sqlx::Row;

/// How long an attempt waits for the provider's answer, in seconds.
pub const ATTEMPT_SECONDS: i64 = 600;

/// Stores an attempt.
pub async fn create(
    db: &Db,
    state_hash: &str,
    code_verifier: &str,
    nonce: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sso_attempts (state_hash, code_verifier, nonce, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(state_hash)
    .bind(code_verifier)
    .bind(nonce)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Takes (deletes and answers) the unexpired attempt of `state_hash`: (code verifier,
/// nonce).
pub async fn take(db: &Db, state_hash: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    let cutoff = format_time(chrono::Utc::now() - chrono::Duration::seconds(ATTEMPT_SECONDS));
    let row = sqlx::query(
        "DELETE FROM sso_attempts WHERE state_hash = $1 AND created_at > $2 \
         RETURNING code_verifier, nonce",
    )
    .bind(state_hash)
    .bind(cutoff)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| Ok((r.try_get("code_verifier")?, r.try_get("nonce")?)))
        .transpose()
}

/// Deletes attempts the provider never answered.
pub async fn prune(db: &Db) -> Result<(), sqlx::Error> {
    let cutoff = format_time(chrono::Utc::now() - chrono::Duration::seconds(ATTEMPT_SECONDS));
    sqlx::query("DELETE FROM sso_attempts WHERE created_at <= $1")
        .bind(cutoff)
        .execute(&db.pool)
        .await?;
    Ok(())
}
