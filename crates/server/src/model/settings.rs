//! Instance-wide settings: the `settings` key/value table (the development certificate's
//! id lives there, written once by whichever process wins the race).

use crate::db::Db;

/// The value stored under `key`.
pub async fn get(db: &Db, key: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_optional(&db.pool)
        .await
}

/// Stores `value` under `key` unless a value is there already; returns the value that is
/// stored now (ours or the one that won).
pub async fn insert_or_get(db: &Db, key: &str, value: &str) -> Result<String, sqlx::Error> {
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .bind(value)
        .execute(&db.pool)
        .await?;
    sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(key)
        .fetch_one(&db.pool)
        .await
}

/// Replaces the value under `key` when it is still `old`.
pub async fn replace(db: &Db, key: &str, old: &str, new: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE settings SET value = $1 WHERE key = $2 AND value = $3")
        .bind(new)
        .bind(key)
        .bind(old)
        .execute(&db.pool)
        .await?;
    Ok(())
}
