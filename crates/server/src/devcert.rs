//! The development certificate made on first start (issue 4, point 6).
//!
//! A fresh install has no Apple Pass Type ID certificate, yet passes must be signed to be
//! opened at all. On start-up [`ensure`] makes sure one instance-wide development identity
//! exists: a local CA and a pass certificate issued by it (`passworks_pkpass::dev_ca`),
//! stored in `certificates` with `account_id` NULL and `development` = 1, its private key
//! encrypted with the master key. Both certificates are also written to
//! `<data dir>/dev-ca/{ca.pem,pass.pem}` so people (and tests) can verify signatures with
//! OpenSSL. Apple devices refuse such passes; every place that shows it says so.
//!
//! Several processes may start on one PostgreSQL database at once: the `settings` row
//! `dev_certificate_id` is claimed with `ON CONFLICT DO NOTHING` and re-read, and a process
//! that lost the race deletes the certificate it inserted.

use crate::api::certificates::insert_certificate;
use crate::db::Db;
use crate::state::AppState;
use anyhow::Context;
use sqlx::Row;

/// Team identifier of the development certificate.
pub const DEV_TEAM_IDENTIFIER: &str = "DEVTEAM000";
/// Pass type identifier of the development certificate.
pub const DEV_PASS_TYPE_IDENTIFIER: &str = "pass.local.passworks.dev";
/// Key of the `settings` row holding the development certificate's id.
pub const SETTING_KEY: &str = "dev_certificate_id";

/// The message shown wherever the development certificate is in use.
pub const DEVELOPMENT_NOTICE: &str = "This pass is signed with the server's development \
    certificate. Apple devices will not accept it until a real Pass Type ID certificate is \
    added in the console (Certificates → Add) or via POST /v2/certificates.";

/// The stored id of the development certificate, if any.
pub async fn stored_id(db: &Db) -> Result<Option<String>, sqlx::Error> {
    let id: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(SETTING_KEY)
        .fetch_optional(&db.pool)
        .await?;
    let Some(id) = id else { return Ok(None) };
    let exists: Option<String> = sqlx::query_scalar(
        "SELECT id FROM certificates WHERE id = $1 AND account_id IS NULL AND development = 1",
    )
    .bind(&id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(exists)
}

/// Makes sure the development certificate exists, writes its PEM files into
/// `<data dir>/dev-ca/` and tells the pass factory its id. Returns the id.
pub async fn ensure(state: &AppState) -> anyhow::Result<String> {
    let db = &state.db;
    let id = match stored_id(db).await? {
        Some(id) => id,
        None => create(state).await?,
    };
    write_files(state, &id).await?;
    state.passes.set_development_certificate(&id);
    let key: String = sqlx::query_scalar("SELECT key_encrypted FROM certificates WHERE id = $1")
        .bind(&id)
        .fetch_one(&db.pool)
        .await?;
    if let Err(e) = crate::api::certificates::decrypt_key(&state.settings, &key) {
        tracing::error!(
            error = %e,
            certificate = %id,
            "the development certificate's key cannot be decrypted: this server runs with a \
             different master key than the one that stored it (check --master-key or \
             <data dir>/master.key); passes signed with it will fail with 422"
        );
    }
    Ok(id)
}

async fn create(state: &AppState) -> anyhow::Result<String> {
    let db = &state.db;
    // A development certificate left without its settings row (an interrupted start) is
    // adopted rather than duplicated.
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT id FROM certificates WHERE account_id IS NULL AND development = 1 \
         ORDER BY created_at, id LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await?;
    let (mine, inserted) = match existing {
        Some(id) => (id, false),
        None => {
            let signer = tokio::task::spawn_blocking(|| {
                passworks_pkpass::dev_ca::generate(
                    DEV_TEAM_IDENTIFIER,
                    DEV_PASS_TYPE_IDENTIFIER,
                    "Passworks",
                )
                .and_then(|identity| identity.signer())
            })
            .await?
            .context("generating the development certificate")?;
            let id = insert_certificate(db, &state.settings, None, &signer, true).await?;
            (id, true)
        }
    };
    sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        .bind(SETTING_KEY)
        .bind(&mine)
        .execute(&db.pool)
        .await?;
    let winner: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(SETTING_KEY)
        .fetch_one(&db.pool)
        .await?;
    if winner == mine {
        return Ok(mine);
    }
    if stored_id(db).await?.is_some() {
        // Another process won the race: keep its certificate, drop ours.
        if inserted {
            sqlx::query("DELETE FROM certificates WHERE id = $1")
                .bind(&mine)
                .execute(&db.pool)
                .await?;
        }
        return Ok(winner);
    }
    // The settings row points at a certificate that is gone (deleted by hand): replace it.
    sqlx::query("UPDATE settings SET value = $1 WHERE key = $2 AND value = $3")
        .bind(&mine)
        .bind(SETTING_KEY)
        .bind(&winner)
        .execute(&db.pool)
        .await?;
    Ok(stored_id(db).await?.unwrap_or(mine))
}

/// Writes `ca.pem` (the development CA, which plays the WWDR intermediate) and `pass.pem`
/// (the pass certificate) of certificate `id` into `<data dir>/dev-ca/`.
async fn write_files(state: &AppState, id: &str) -> anyhow::Result<()> {
    let row = sqlx::query("SELECT cert_pem, wwdr_pem FROM certificates WHERE id = $1")
        .bind(id)
        .fetch_one(&state.db.pool)
        .await?;
    let cert_pem: String = row.try_get("cert_pem")?;
    let ca_pem: String = row.try_get("wwdr_pem")?;
    let dir = state.settings.data_dir.join("dev-ca");
    std::fs::create_dir_all(&dir)?;
    for (name, contents) in [("ca.pem", &ca_pem), ("pass.pem", &cert_pem)] {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() != Some(contents.as_str()) {
            std::fs::write(&path, contents)
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
}
