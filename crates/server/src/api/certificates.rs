//! Certificates (§11.2 and the upload/delete extension of issue 4): Pass Type ID signing
//! identities.
//!
//! Lists show the account's own certificates and the instance-wide development
//! certificate (`account_id IS NULL`). Uploads are multipart (`certificate[file]` .p12,
//! `certificate[password]`, `certificate[wwdr]` PEM or DER) and are checked by
//! [`passworks_pkpass::Signer::from_p12`] before anything is stored. Private keys are
//! stored encrypted with the server master key (AES-256-GCM, a random nonce per record,
//! `base64(nonce || ciphertext)`); the API never returns key material.

use crate::api::assets::{multipart_error, multipart_rejection, read_field_limited};
use crate::api::routes::{doc, Part, Routes};
use crate::api::util::parse_id;
use crate::auth::{Account, Auth};
use crate::db::{get_bool, new_id, normalize_time, now, Db};
use crate::error::{ApiError, ApiResult, Errors};
use crate::list::{col, Bind, Kind, ListParams, Listing, Paged};
use crate::state::{AppState, Settings};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::Json;
use base64::Engine;
use passworks_pkpass::{CertificateError, Signer};
use passworks_wire as wire;
use sqlx::Row;

/// Largest accepted part of a certificate upload (a .p12 is a few kilobytes).
pub const MAX_PART_BYTES: usize = 256 * 1024;

/// Routes of this module (relative to `/v2`).
pub fn router() -> Routes {
    const PARTS: &[Part] = &[
        Part {
            name: "certificate[file]",
            file: true,
            required: true,
            description: "The Pass Type ID certificate and its private key (.p12).",
        },
        Part {
            name: "certificate[password]",
            file: false,
            required: false,
            description: "The .p12 password.",
        },
        Part {
            name: "certificate[wwdr]",
            file: true,
            required: false,
            description: "Apple's WWDR intermediate certificate (PEM or DER).",
        },
    ];
    Routes::new("Certificates")
        .get(
            "/certificates",
            list,
            doc("List certificates (own and shared)").list::<wire::Certificate>(LIST_COLUMNS),
        )
        .post(
            "/certificates",
            create,
            doc("Upload a Pass Type ID certificate (.p12, extension)")
                .created::<wire::Certificate>()
                .multipart(PARTS, 1024 * 1024)
                .errors(&[422]),
        )
        .get(
            "/certificates/{certificate_id}",
            show,
            doc("One certificate").ok::<wire::Certificate>(),
        )
        .delete(
            "/certificates/{certificate_id}",
            destroy,
            doc("Delete a certificate no campaign uses (extension)")
                .ok::<wire::DeleteOk>()
                .errors(&[412]),
        )
        .post(
            "/certificates/{certificate_id}/default",
            make_default,
            doc("Make it the default signing certificate (extension)").ok::<wire::Certificate>(),
        )
}

const COLUMNS: &str = "id, account_id, team_identifier, pass_type_identifier, issued_to, \
    expires_at, development, created_at";

const LIST_COLUMNS: &[crate::list::Column] = &[
    col("id", "id", Kind::Text),
    col("team_identifier", "team_identifier", Kind::Text),
    col("pass_type_identifier", "pass_type_identifier", Kind::Text),
    col("issued_to", "issued_to", Kind::Text),
    col("expires_at", "expires_at", Kind::Time),
    col("development", "development", Kind::Bool),
    col("created_at", "created_at", Kind::Time),
];

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

fn to_wire(account: &Account, row: &sqlx::any::AnyRow) -> ApiResult<wire::Certificate> {
    let id: String = row.try_get("id")?;
    let owner: Option<String> = row.try_get("account_id")?;
    let development = get_bool(row, "development");
    let default = match &account.default_certificate_id {
        Some(d) => *d == id,
        // Without a choice of its own, an account signs with the shared development
        // certificate.
        None => owner.is_none() && development,
    };
    Ok(wire::Certificate {
        id,
        team_identifier: row.try_get("team_identifier")?,
        pass_type_identifier: row.try_get("pass_type_identifier")?,
        issued_to: row.try_get("issued_to")?,
        expires_at: row.try_get("expires_at")?,
        development,
        default,
        notice: development.then(|| wire::DEVELOPMENT_CERTIFICATE_NOTICE.to_string()),
        created_at: row.try_get("created_at")?,
    })
}

async fn load_visible(
    state: &AppState,
    account: &Account,
    id: &str,
) -> ApiResult<sqlx::any::AnyRow> {
    let sql = format!(
        "SELECT {COLUMNS} FROM certificates WHERE id = $1 AND (account_id = $2 OR account_id IS NULL)"
    );
    sqlx::query(&sql)
        .bind(id)
        .bind(&account.id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("certificate"))
}

async fn list(
    State(state): State<AppState>,
    Auth(account): Auth,
    params: ListParams,
) -> ApiResult<Paged<wire::Certificate>> {
    Listing {
        select: COLUMNS,
        from: "certificates",
        scope: "account_id = $1 OR account_id IS NULL",
        scope_binds: vec![Bind::Text(account.id.clone())],
        columns: LIST_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(&state.db, &params, |r| to_wire(&account, r))
    .await
}

async fn show(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::Certificate>> {
    let id = parse_id(&raw, "certificate")?;
    let row = load_visible(&state, &account, &id).await?;
    Ok(Json(to_wire(&account, &row)?))
}

/// The attribute a certificate loading failure is reported under.
fn error_attribute(e: &CertificateError) -> &'static str {
    match e {
        CertificateError::WrongPassword => "password",
        CertificateError::IntermediateUnreadable(_)
        | CertificateError::NotIssuedByIntermediate(_) => "wwdr",
        _ => "file",
    }
}

/// The message shown for a certificate loading failure.
fn error_message(e: &CertificateError) -> String {
    match e {
        // OpenSSL's PKCS#12 reader keeps only a certificate that matches the private key,
        // so a key exported with the wrong certificate shows up as "no certificate".
        CertificateError::MissingCertificate => "the .p12 file contains no certificate that \
            matches its private key: export the Pass Type ID certificate together with its \
            own private key"
            .into(),
        other => other.to_string(),
    }
}

async fn create(
    State(state): State<AppState>,
    Auth(account): Auth,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<wire::Certificate>)> {
    let mut multipart = multipart.map_err(multipart_rejection)?;
    let mut file: Option<Vec<u8>> = None;
    let mut password: Option<Vec<u8>> = None;
    let mut wwdr: Option<Vec<u8>> = None;
    let mut too_large = false;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        let slot = match name.as_str() {
            "certificate[file]" | "file" => &mut file,
            "certificate[password]" | "password" => &mut password,
            "certificate[wwdr]" | "wwdr" => &mut wwdr,
            _ => {
                read_field_limited(field, 0).await?;
                continue;
            }
        };
        match read_field_limited(field, MAX_PART_BYTES).await? {
            Some(data) => *slot = Some(data),
            None => too_large = true,
        }
    }
    if too_large {
        return Err(ApiError::TooLarge(
            "A part of the upload is larger than 256 KiB; a .p12 file is a few kilobytes".into(),
        ));
    }
    let mut errors = Errors::default();
    let file = file.filter(|f| !f.is_empty());
    if file.is_none() {
        errors.add("file", "can't be blank (a .p12 certificate export)");
    }
    let password = match String::from_utf8(password.unwrap_or_default()) {
        Ok(p) => p,
        Err(_) => {
            errors.add("password", "must be UTF-8 text");
            String::new()
        }
    };
    errors.check()?;
    let file = file.unwrap_or_default();
    let wwdr = wwdr.unwrap_or_default();
    let signer = tokio::task::spawn_blocking(move || Signer::from_p12(&file, &password, &wwdr))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("certificate check task failed: {e}")))?
        .map_err(|e| ApiError::invalid(error_attribute(&e), error_message(&e)))?;
    let id = insert_certificate(
        &state.db,
        &state.settings,
        Some(&account.id),
        &signer,
        false,
    )
    .await?;
    let row = load_visible(&state, &account, &id).await?;
    Ok((StatusCode::CREATED, Json(to_wire(&account, &row)?)))
}

async fn destroy(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::DeleteOk>> {
    let id = parse_id(&raw, "certificate")?;
    let row = load_visible(&state, &account, &id).await?;
    let owner: Option<String> = row.try_get("account_id")?;
    if owner.is_none() {
        return Err(ApiError::precondition(
            "certificate",
            "The shared development certificate cannot be deleted",
        ));
    }
    let mut tx = state.db.begin().await?;
    let users: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM campaigns WHERE certificate_id = $1 AND account_id = $2 \
         ORDER BY created_at, id",
    )
    .bind(&id)
    .bind(&account.id)
    .fetch_all(&mut *tx)
    .await?;
    if let Some(first) = users.first() {
        return Err(ApiError::precondition(
            "certificate",
            format!(
                "Certificate in use by {} campaigns, e.g.: {first}",
                users.len()
            ),
        ));
    }
    sqlx::query(
        "UPDATE accounts SET default_certificate_id = NULL WHERE default_certificate_id = $1",
    )
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM certificates WHERE id = $1 AND account_id = $2")
        .bind(&id)
        .bind(&account.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Json(wire::DeleteOk::default()))
}

async fn make_default(
    State(state): State<AppState>,
    Auth(mut account): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::Certificate>> {
    let id = parse_id(&raw, "certificate")?;
    let row = load_visible(&state, &account, &id).await?;
    sqlx::query("UPDATE accounts SET default_certificate_id = $1, updated_at = $2 WHERE id = $3")
        .bind(&id)
        .bind(now())
        .bind(&account.id)
        .execute(&state.db.pool)
        .await?;
    account.default_certificate_id = Some(id);
    Ok(Json(to_wire(&account, &row)?))
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
