//! Certificates (§11.2): Pass Type ID signing identities as stored. Private keys are
//! stored encrypted with the server master key (AES-256-GCM, a random nonce per record,
//! `base64(nonce || ciphertext)`). The account's own certificates and the instance-wide
//! development certificate (`account_id IS NULL`) are visible to it.

use crate::db::{get_bool, new_id, normalize_time, now, Db, Tx};
use crate::error::ApiResult;
use crate::list::{col, Bind, Column, Kind, ListParams, Listing, Paged};
use crate::state::Settings;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use passworks_pkpass::Signer;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A certificate row without its key material.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateRecord {
    pub id: String,
    /// `None` for the instance-wide development certificate.
    pub account_id: Option<String>,
    pub team_identifier: String,
    pub pass_type_identifier: String,
    pub issued_to: String,
    pub expires_at: String,
    pub development: bool,
    pub created_at: String,
}

const COLUMNS: &str = "id, account_id, team_identifier, pass_type_identifier, issued_to, \
    expires_at, development, created_at";

pub const LIST_COLUMNS: &[Column] = &[
    col("id", "id", Kind::Text),
    col("team_identifier", "team_identifier", Kind::Text),
    col("pass_type_identifier", "pass_type_identifier", Kind::Text),
    col("issued_to", "issued_to", Kind::Text),
    col("expires_at", "expires_at", Kind::Time),
    col("development", "development", Kind::Bool),
    col("created_at", "created_at", Kind::Time),
];

fn from_row(row: &AnyRow) -> Result<CertificateRecord, sqlx::Error> {
    Ok(CertificateRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        team_identifier: row.try_get("team_identifier")?,
        pass_type_identifier: row.try_get("pass_type_identifier")?,
        issued_to: row.try_get("issued_to")?,
        expires_at: row.try_get("expires_at")?,
        development: get_bool(row, "development"),
        created_at: row.try_get("created_at")?,
    })
}

/// One page of the certificates visible to `account_id`.
pub async fn list(
    db: &Db,
    account_id: &str,
    params: &ListParams,
) -> ApiResult<Paged<CertificateRecord>> {
    Listing {
        select: COLUMNS,
        from: "certificates",
        scope: "account_id = $1 OR account_id IS NULL",
        scope_binds: vec![Bind::Text(account_id.to_string())],
        columns: LIST_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(db, params, from_row)
    .await
}

/// Loads a certificate visible to `account_id`.
pub async fn load_visible(
    db: &Db,
    account_id: &str,
    id: &str,
) -> Result<Option<CertificateRecord>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM certificates WHERE id = $1 AND (account_id = $2 OR account_id IS NULL)"
    );
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(account_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Whether a certificate is visible to `account_id` (inside a transaction).
pub async fn visible_to(tx: &mut Tx, account_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "SELECT id FROM certificates WHERE id = $1 AND (account_id = $2 OR account_id IS NULL)",
    )
    .bind(id)
    .bind(account_id)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}

/// Names of the campaigns of `account_id` that sign with a certificate.
pub async fn campaigns_using(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT name FROM campaigns WHERE certificate_id = $1 AND account_id = $2 \
         ORDER BY created_at, id",
    )
    .bind(id)
    .bind(account_id)
    .fetch_all(&mut **tx)
    .await
}

/// Deletes an account's certificate and clears it as any account's default.
pub async fn delete(tx: &mut Tx, account_id: &str, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET default_certificate_id = NULL WHERE default_certificate_id = $1",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM certificates WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Deletes a certificate by id, whoever owns it (a development identity that lost a race).
pub async fn delete_by_id(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM certificates WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Whether `id` is an instance-wide development certificate.
pub async fn is_shared_development(db: &Db, id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM certificates WHERE id = $1 AND account_id IS NULL AND development = 1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.is_some())
}

/// What the signer cache needs of a certificate: its owner, whether it is a development
/// identity, and its key material (the private key still encrypted).
#[derive(Debug, Clone)]
pub struct KeyMaterial {
    pub account_id: Option<String>,
    pub development: bool,
    pub cert_pem: String,
    pub key_encrypted: String,
    pub wwdr_pem: String,
}

/// Loads the key material of a certificate, whoever owns it.
pub async fn key_material(db: &Db, id: &str) -> Result<Option<KeyMaterial>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT account_id, development, cert_pem, key_encrypted, wwdr_pem \
         FROM certificates WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|row| {
        Ok(KeyMaterial {
            account_id: row.try_get("account_id")?,
            development: get_bool(&row, "development"),
            cert_pem: row.try_get("cert_pem")?,
            key_encrypted: row.try_get("key_encrypted")?,
            wwdr_pem: row.try_get("wwdr_pem")?,
        })
    })
    .transpose()
}

/// The encrypted private key of a certificate.
pub async fn key_encrypted(db: &Db, id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT key_encrypted FROM certificates WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// The certificate and WWDR PEMs of a certificate.
pub async fn public_pems(db: &Db, id: &str) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query("SELECT cert_pem, wwdr_pem FROM certificates WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok((r.try_get("cert_pem")?, r.try_get("wwdr_pem")?)))
        .transpose()
}

/// The id of the oldest instance-wide (development) certificate, if any.
pub async fn shared_development(db: &Db) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM certificates WHERE account_id IS NULL AND development = 1 \
         ORDER BY created_at, id LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await
}

/// Encrypts a private key PEM with the master key: `base64(nonce || ciphertext)`.
pub fn encrypt_key(settings: &Settings, key_pem: &str) -> anyhow::Result<String> {
    encrypt_with(&settings.master_key, key_pem)
}

fn encrypt_with(master_key: &[u8; 32], key_pem: &str) -> anyhow::Result<String> {
    let cipher = Aes256Gcm::new_from_slice(master_key)
        .map_err(|_| anyhow::anyhow!("invalid master key length"))?;
    let nonce_bytes: [u8; 12] = rand::random();
    let ciphertext = cipher
        .encrypt(Nonce::from_slice(&nonce_bytes), key_pem.as_bytes())
        .map_err(|_| anyhow::anyhow!("encrypting the private key failed"))?;
    let mut out = nonce_bytes.to_vec();
    out.extend_from_slice(&ciphertext);
    Ok(base64::engine::general_purpose::STANDARD.encode(out))
}

/// Decrypts a `certificates.key_encrypted` value back to the private key PEM. Fails when
/// the master key differs from the one that encrypted it.
pub fn decrypt_key(settings: &Settings, key_encrypted: &str) -> anyhow::Result<String> {
    decrypt_with(&settings.master_key, key_encrypted)
}

fn decrypt_with(master_key: &[u8; 32], key_encrypted: &str) -> anyhow::Result<String> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(key_encrypted.trim())
        .map_err(|_| anyhow::anyhow!("the stored private key is not valid base64"))?;
    if raw.len() < 12 + 16 {
        anyhow::bail!("the stored private key is too short");
    }
    let (nonce, ciphertext) = raw.split_at(12);
    let cipher = Aes256Gcm::new_from_slice(master_key)
        .map_err(|_| anyhow::anyhow!("invalid master key length"))?;
    let plain = cipher
        .decrypt(Nonce::from_slice(nonce), ciphertext)
        .map_err(|_| {
            anyhow::anyhow!("the stored private key cannot be decrypted with this master key")
        })?;
    Ok(String::from_utf8(plain)?)
}

/// Stores a checked signing identity and returns its id. `account_id` `None` makes it the
/// instance-wide (development) certificate visible to every account.
pub async fn insert_certificate(
    db: &Db,
    settings: &Settings,
    account_id: Option<&str>,
    signer: &Signer,
    development: bool,
) -> anyhow::Result<String> {
    let info = signer.info();
    let (cert_pem, key_pem, wwdr_pem) = signer.to_pem_parts();
    let key_encrypted = encrypt_key(settings, &key_pem)?;
    let expires_at = normalize_time(&info.expires_at).unwrap_or_else(|| info.expires_at.clone());
    let id = new_id();
    sqlx::query(
        "INSERT INTO certificates (id, account_id, team_identifier, pass_type_identifier, \
         issued_to, expires_at, development, cert_pem, key_encrypted, wwdr_pem, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(account_id)
    .bind(&info.team_identifier)
    .bind(&info.pass_type_identifier)
    .bind(&info.issued_to)
    .bind(&expires_at)
    .bind(development as i64)
    .bind(&cert_pem)
    .bind(&key_encrypted)
    .bind(&wwdr_pem)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(id)
}

/// Loads the signer of a certificate visible to `account_id` (its own or the shared
/// development certificate); `None` when there is no such certificate.
pub async fn load_signer(
    db: &Db,
    settings: &Settings,
    account_id: &str,
    certificate_id: &str,
) -> anyhow::Result<Option<Signer>> {
    let row = sqlx::query(
        "SELECT cert_pem, key_encrypted, wwdr_pem FROM certificates \
         WHERE id = $1 AND (account_id = $2 OR account_id IS NULL)",
    )
    .bind(certificate_id)
    .bind(account_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let cert_pem: String = row.try_get("cert_pem")?;
    let key_encrypted: String = row.try_get("key_encrypted")?;
    let wwdr_pem: String = row.try_get("wwdr_pem")?;
    let key_pem = decrypt_key(settings, &key_encrypted)?;
    let signer = Signer::from_pem(cert_pem, key_pem, wwdr_pem)
        .map_err(|e| anyhow::anyhow!("certificate {certificate_id}: {e}"))?;
    Ok(Some(signer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_need_the_same_master_key() {
        let s = [7u8; 32];
        let pem = "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n";
        let a = encrypt_with(&s, pem).unwrap();
        let b = encrypt_with(&s, pem).unwrap();
        assert_ne!(a, b, "a fresh nonce per record");
        assert!(!a.contains("PRIVATE"));
        assert_eq!(decrypt_with(&s, &a).unwrap(), pem);
        assert!(decrypt_with(&[8u8; 32], &a).is_err());
        assert!(decrypt_with(&s, "not base64!").is_err());
    }
}
