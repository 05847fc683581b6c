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

use crate::db::Db;
use crate::model::{certificates, settings};
use crate::state::AppState;
use anyhow::Context;

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
    let Some(id) = settings::get(db, SETTING_KEY).await? else {
        return Ok(None);
    };
    Ok(certificates::is_shared_development(db, &id)
        .await?
        .then_some(id))
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
    let key = certificates::key_encrypted(db, &id)
        .await?
        .context("the development certificate disappeared")?;
    if let Err(e) = certificates::decrypt_key(&state.settings, &key) {
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
    let existing = certificates::shared_development(db).await?;
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
            let id =
                certificates::insert_certificate(db, &state.settings, None, &signer, true).await?;
            (id, true)
        }
    };
    let winner = settings::insert_or_get(db, SETTING_KEY, &mine).await?;
    if winner == mine {
        return Ok(mine);
    }
    if stored_id(db).await?.is_some() {
        // Another process won the race: keep its certificate, drop ours.
        if inserted {
            certificates::delete_by_id(db, &mine).await?;
        }
        return Ok(winner);
    }
    // The settings row points at a certificate that is gone (deleted by hand): replace it.
    settings::replace(db, SETTING_KEY, &winner, &mine).await?;
    Ok(stored_id(db).await?.unwrap_or(mine))
}

/// Writes `ca.pem` (the development CA, which plays the WWDR intermediate) and `pass.pem`
/// (the pass certificate) of certificate `id` into `<data dir>/dev-ca/`.
async fn write_files(state: &AppState, id: &str) -> anyhow::Result<()> {
    let (cert_pem, ca_pem) = certificates::public_pems(&state.db, id)
        .await?
        .context("the development certificate disappeared")?;
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
