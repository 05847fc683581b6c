//! Google Wallet records: issuers (a Google issuer id and the service account that acts for
//! it, private key encrypted with the master key like certificate keys), the per-pass sync
//! rows that are also the sync queue (`google_objects`), the class versions sent, and the
//! messages sent (for Google's quota of 3 per pass per 24 hours).

use crate::db::{get_bool, new_id, now, Db, Tx};
use crate::error::ApiResult;
use crate::list::{col, Bind, Column, Kind, ListParams, Listing, Paged};
use crate::model::queue::{Lease, Queue};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::time::Duration;

/// An issuer as stored, without its private key.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuerRecord {
    pub id: String,
    /// `None` for the instance-wide development service account.
    pub account_id: Option<String>,
    pub issuer_id: String,
    pub client_email: String,
    pub token_uri: String,
    pub private_key_id: Option<String>,
    pub public_key_pem: String,
    pub development: bool,
    pub is_default: bool,
    pub created_at: String,
}

const ISSUER_COLUMNS: &str = "id, account_id, issuer_id, client_email, token_uri, \
    private_key_id, public_key_pem, development, is_default, created_at";

fn issuer_from_row(row: &AnyRow) -> Result<IssuerRecord, sqlx::Error> {
    Ok(IssuerRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        issuer_id: row.try_get("issuer_id")?,
        client_email: row.try_get("client_email")?,
        token_uri: row.try_get("token_uri")?,
        private_key_id: row.try_get("private_key_id")?,
        public_key_pem: row.try_get("public_key_pem")?,
        development: get_bool(row, "development"),
        is_default: get_bool(row, "is_default"),
        created_at: row.try_get("created_at")?,
    })
}

/// A new issuer's attributes (the private key already encrypted).
#[derive(Debug, Clone)]
pub struct NewIssuer<'a> {
    pub account_id: Option<&'a str>,
    pub issuer_id: &'a str,
    pub client_email: &'a str,
    pub token_uri: &'a str,
    pub private_key_id: Option<&'a str>,
    pub key_encrypted: &'a str,
    pub public_key_pem: &'a str,
    pub development: bool,
}

/// Stores an issuer; the account's first one becomes its default.
pub async fn insert_issuer(db: &Db, n: &NewIssuer<'_>) -> Result<String, sqlx::Error> {
    let id = new_id();
    let mut tx = db.begin().await?;
    let has_default: Option<String> = match n.account_id {
        Some(a) => {
            sqlx::query_scalar(
                "SELECT id FROM google_issuers WHERE account_id = $1 AND is_default = 1",
            )
            .bind(a)
            .fetch_optional(&mut *tx)
            .await?
        }
        None => None,
    };
    sqlx::query(
        "INSERT INTO google_issuers (id, account_id, issuer_id, client_email, token_uri, \
         private_key_id, key_encrypted, public_key_pem, development, is_default, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(n.account_id)
    .bind(n.issuer_id)
    .bind(n.client_email)
    .bind(n.token_uri)
    .bind(n.private_key_id)
    .bind(n.key_encrypted)
    .bind(n.public_key_pem)
    .bind(n.development as i64)
    .bind((n.account_id.is_some() && has_default.is_none()) as i64)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Filterable and sortable attributes of issuers.
pub const LIST_COLUMNS: &[Column] = &[
    col("id", "id", Kind::Text),
    col("issuer_id", "issuer_id", Kind::Text),
    col("client_email", "client_email", Kind::Text),
    col("development", "development", Kind::Bool),
    col("created_at", "created_at", Kind::Time),
];

/// One page of the issuers visible to an account: its own and the shared development one.
pub async fn list_issuers(
    db: &Db,
    account_id: &str,
    params: &ListParams,
) -> ApiResult<Paged<IssuerRecord>> {
    Listing {
        select: ISSUER_COLUMNS,
        from: "google_issuers",
        scope: "account_id = $1 OR account_id IS NULL",
        scope_binds: vec![Bind::Text(account_id.to_string())],
        columns: LIST_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(db, params, issuer_from_row)
    .await
}

/// One issuer visible to an account.
pub async fn load_issuer(
    db: &Db,
    account_id: &str,
    id: &str,
) -> Result<Option<IssuerRecord>, sqlx::Error> {
    let sql = format!(
        "SELECT {ISSUER_COLUMNS} FROM google_issuers \
         WHERE id = $1 AND (account_id = $2 OR account_id IS NULL)"
    );
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(account_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(issuer_from_row).transpose()
}

/// The issuer that acts for an account: its default, else its newest, else the shared
/// development one.
pub async fn effective_issuer(
    db: &Db,
    account_id: &str,
) -> Result<Option<IssuerRecord>, sqlx::Error> {
    let sql = format!(
        "SELECT {ISSUER_COLUMNS} FROM google_issuers \
         WHERE account_id = $1 OR account_id IS NULL \
         ORDER BY development, is_default DESC, created_at DESC, id LIMIT 1"
    );
    let row = sqlx::query(&sql)
        .bind(account_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(issuer_from_row).transpose()
}

/// Whether `id` is an issuer of the account's own (not the development one), inside a
/// transaction (a campaign naming its issuer).
pub async fn own_issuer_tx(tx: &mut Tx, account_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM google_issuers WHERE id = $1 AND account_id = $2")
            .bind(id)
            .bind(account_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(found.is_some())
}

/// The issuer a campaign uses: the one it names (when still the account's), else the
/// account's effective one ([`effective_issuer`]).
pub async fn campaign_issuer(
    db: &Db,
    account_id: &str,
    google_issuer_id: Option<&str>,
) -> Result<Option<IssuerRecord>, sqlx::Error> {
    if let Some(id) = google_issuer_id {
        let sql = format!(
            "SELECT {ISSUER_COLUMNS} FROM google_issuers WHERE id = $1 AND account_id = $2"
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .bind(account_id)
            .fetch_optional(&db.pool)
            .await?;
        if let Some(row) = row {
            return issuer_from_row(&row).map(Some);
        }
    }
    effective_issuer(db, account_id).await
}

/// Names of the campaigns of an account that name an issuer.
pub async fn campaigns_using(
    db: &Db,
    account_id: &str,
    id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT name FROM campaigns WHERE google_issuer_id = $1 AND account_id = $2 \
         ORDER BY created_at, id",
    )
    .bind(id)
    .bind(account_id)
    .fetch_all(&db.pool)
    .await
}

/// The oldest shared development issuer.
pub async fn shared_development(db: &Db) -> Result<Option<IssuerRecord>, sqlx::Error> {
    let sql = format!(
        "SELECT {ISSUER_COLUMNS} FROM google_issuers WHERE account_id IS NULL \
         ORDER BY created_at, id LIMIT 1"
    );
    let row = sqlx::query(&sql).fetch_optional(&db.pool).await?;
    row.as_ref().map(issuer_from_row).transpose()
}

/// Deletes a shared issuer by id (a development issuer that lost a creation race).
pub async fn delete_shared(db: &Db, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM google_issuers WHERE id = $1 AND account_id IS NULL")
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The encrypted private key of an issuer.
pub async fn key_encrypted(db: &Db, id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT key_encrypted FROM google_issuers WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// Deletes an account's issuer; when it was the default, the newest remaining one becomes
/// the default.
pub async fn delete_issuer(db: &Db, account_id: &str, id: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM google_issuers WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    let has_default: Option<String> = sqlx::query_scalar(
        "SELECT id FROM google_issuers WHERE account_id = $1 AND is_default = 1",
    )
    .bind(account_id)
    .fetch_optional(&mut *tx)
    .await?;
    if has_default.is_none() {
        sqlx::query(
            "UPDATE google_issuers SET is_default = 1 WHERE id = (SELECT id FROM google_issuers \
             WHERE account_id = $1 ORDER BY created_at DESC, id LIMIT 1)",
        )
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Makes an account's issuer its default.
pub async fn set_default(db: &Db, account_id: &str, id: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE google_issuers SET is_default = 0 WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE google_issuers SET is_default = 1 WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

// ---------------------------------------------------------------------------------------
// Sync state and queue

/// A pass's sync with Google.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncRecord {
    pub id: String,
    pub pass_id: String,
    pub account_id: String,
    pub campaign_id: String,
    /// `pending`, `synced`, `retrying` or `failed`.
    pub status: String,
    pub error: Option<String>,
    pub pass_version: String,
    pub campaign_version: String,
    pub push_version: String,
    pub inserted: bool,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub synced_at: Option<String>,
    pub created_at: String,
}

/// Columns of a sync row.
pub const SYNC_COLUMNS: &str = "id, pass_id, account_id, campaign_id, status, error, \
    pass_version, campaign_version, push_version, inserted, attempts, next_attempt_at, \
    synced_at, created_at";

/// Reads a sync row.
pub fn sync_from_row(row: &AnyRow) -> Result<SyncRecord, sqlx::Error> {
    Ok(SyncRecord {
        id: row.try_get("id")?,
        pass_id: row.try_get("pass_id")?,
        account_id: row.try_get("account_id")?,
        campaign_id: row.try_get("campaign_id")?,
        status: row.try_get("status")?,
        error: row.try_get("error")?,
        pass_version: row.try_get("pass_version")?,
        campaign_version: row.try_get("campaign_version")?,
        push_version: row.try_get("push_version")?,
        inserted: get_bool(row, "inserted"),
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        synced_at: row.try_get("synced_at")?,
        created_at: row.try_get("created_at")?,
    })
}

/// The sync queue: a row is due when its retry time has come and the pass, its campaign
/// or its last push is newer than what was last sent (or it was never sent).
pub fn sync_queue(idle: Duration) -> Queue {
    Queue {
        name: "google_objects",
        table: "google_objects",
        ready: "next_attempt_at <= $1 AND (status = 'pending' OR status = 'retrying' \
            OR EXISTS (SELECT 1 FROM passes p WHERE p.id = google_objects.pass_id \
                AND p.updated_at > google_objects.pass_version) \
            OR EXISTS (SELECT 1 FROM campaigns c WHERE c.id = google_objects.campaign_id \
                AND c.updated_at > google_objects.campaign_version) \
            OR EXISTS (SELECT 1 FROM pass_updates u WHERE u.pass_id = google_objects.pass_id \
                AND u.pushed_at > google_objects.push_version))",
        on_claim: "",
        order: "next_attempt_at, id",
        columns: SYNC_COLUMNS,
        batch: 20,
        parallel: 4,
        lease: Duration::from_secs(60),
        idle,
    }
}

/// Starts keeping a pass at Google (idempotent). `versions` are what the caller already
/// sent (a save link carries the current pass), or empty strings for "nothing yet".
pub async fn track(
    db: &Db,
    pass_id: &str,
    account_id: &str,
    campaign_id: &str,
    versions: (&str, &str, &str),
) -> Result<(), sqlx::Error> {
    let ts = now();
    sqlx::query(
        "INSERT INTO google_objects (id, pass_id, account_id, campaign_id, status, \
         pass_version, campaign_version, push_version, next_attempt_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $9) ON CONFLICT (pass_id) DO NOTHING",
    )
    .bind(new_id())
    .bind(pass_id)
    .bind(account_id)
    .bind(campaign_id)
    .bind(if versions.0.is_empty() {
        "pending"
    } else {
        "synced"
    })
    .bind(versions.0)
    .bind(versions.1)
    .bind(versions.2)
    .bind(&ts)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Starts tracking up to `limit` passes of accounts with a real issuer that are not yet
/// tracked (every campaign of such an account issues Google Wallet passes). Returns how
/// many it added.
pub async fn discover(db: &Db, limit: i64) -> Result<u64, sqlx::Error> {
    let ts = now();
    let done = sqlx::query(
        "INSERT INTO google_objects (id, pass_id, account_id, campaign_id, status, \
         next_attempt_at, created_at, updated_at) \
         SELECT p.id || '-g', p.id, p.account_id, p.campaign_id, 'pending', $1, $1, $1 \
         FROM passes p WHERE p.account_id IN \
           (SELECT account_id FROM google_issuers WHERE account_id IS NOT NULL AND development = 0) \
         AND NOT EXISTS (SELECT 1 FROM google_objects g WHERE g.pass_id = p.id) \
         ORDER BY p.created_at LIMIT $2 ON CONFLICT DO NOTHING",
    )
    .bind(&ts)
    .bind(limit)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected())
}

/// The sync row of a pass.
pub async fn sync_of_pass(db: &Db, pass_id: &str) -> Result<Option<SyncRecord>, sqlx::Error> {
    let sql = format!("SELECT {SYNC_COLUMNS} FROM google_objects WHERE pass_id = $1");
    let row = sqlx::query(&sql)
        .bind(pass_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(sync_from_row).transpose()
}

/// What a sync sends: the versions of the pass, campaign and last push, and the pending
/// push message, read before sending so that a change during the send is sent again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Versions {
    pub pass: String,
    pub campaign: String,
    pub push: String,
    /// The message of the last push, if it had one.
    pub message: Option<String>,
}

/// The current versions of a pass.
pub async fn versions(db: &Db, pass_id: &str) -> Result<Option<Versions>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT p.updated_at AS pv, c.updated_at AS cv, u.pushed_at AS uv, \
         u.change_messages AS messages FROM passes p JOIN campaigns c ON c.id = p.campaign_id \
         LEFT JOIN pass_updates u ON u.pass_id = p.id WHERE p.id = $1",
    )
    .bind(pass_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let messages: Option<String> = row.try_get("messages")?;
    let message = messages
        .and_then(|m| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&m).ok())
        .and_then(|m| m.values().find_map(|v| v.as_str().map(str::to_string)));
    Ok(Some(Versions {
        pass: row.try_get("pv")?,
        campaign: row.try_get("cv")?,
        push: row.try_get::<Option<String>, _>("uv")?.unwrap_or_default(),
        message,
    }))
}

/// Settles a sync: `synced` (with an optional note), or `failed` with the reason (Google
/// refused it with a 4xx other than 404/429, or retries ran out): a failed pass is not sent
/// again until it changes. Fenced by the lease.
pub async fn settle(
    db: &Db,
    lease: &Lease,
    id: &str,
    v: &Versions,
    status: &str,
    error: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let ts = now();
    let done = sqlx::query(
        "UPDATE google_objects SET status = $1, error = $2, pass_version = $3, \
         campaign_version = $4, push_version = $5, inserted = CASE WHEN $1 = 'synced' THEN 1 \
         ELSE inserted END, attempts = 0, next_attempt_at = $6, synced_at = CASE WHEN $1 = \
         'synced' THEN $6 ELSE synced_at END, updated_at = $6, locked_until = NULL, \
         lease_owner = NULL WHERE id = $7 AND lease_owner = $8",
    )
    .bind(status)
    .bind(error)
    .bind(&v.pass)
    .bind(&v.campaign)
    .bind(&v.push)
    .bind(&ts)
    .bind(id)
    .bind(&lease.token)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Schedules another attempt after a transient failure (429, 5xx, network). Fenced.
pub async fn retry(
    db: &Db,
    lease: &Lease,
    id: &str,
    attempts: i64,
    next_attempt_at: &str,
    error: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE google_objects SET status = 'retrying', error = $1, attempts = $2, \
         next_attempt_at = $3, updated_at = $4, locked_until = NULL, lease_owner = NULL \
         WHERE id = $5 AND lease_owner = $6",
    )
    .bind(error)
    .bind(attempts)
    .bind(next_attempt_at)
    .bind(now())
    .bind(id)
    .bind(&lease.token)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The campaign version its class was last sent at.
pub async fn class_version(db: &Db, campaign_id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT campaign_version FROM google_classes WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_optional(&db.pool)
        .await
}

/// Records the campaign version its class was sent at.
pub async fn set_class_version(
    db: &Db,
    campaign_id: &str,
    version: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO google_classes (campaign_id, campaign_version) VALUES ($1, $2) \
         ON CONFLICT (campaign_id) DO UPDATE SET campaign_version = $2",
    )
    .bind(campaign_id)
    .bind(version)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Messages sent to a pass since `since`.
pub async fn messages_since(db: &Db, pass_id: &str, since: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM google_messages WHERE pass_id = $1 AND sent_at > $2")
        .bind(pass_id)
        .bind(since)
        .fetch_one(&db.pool)
        .await
}

/// Records a message sent to a pass.
pub async fn record_message(db: &Db, pass_id: &str, body: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO google_messages (id, pass_id, body, sent_at) VALUES ($1, $2, $3, $4)")
        .bind(new_id())
        .bind(pass_id)
        .bind(body)
        .bind(now())
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Records a verified save (`installed`) or delete (`uninstalled`) callback for a pass:
/// the registration of its Google Wallet holder and the event (reports, webhook), once
/// per nonce. Returns false for a nonce seen before.
pub async fn record_callback(
    db: &Db,
    nonce: &str,
    pass: &crate::model::passes::PassRecord,
    saved: bool,
) -> Result<bool, sqlx::Error> {
    use crate::model::devices::{self, Registered, Registering};
    use crate::model::events::{record, NewEvent};
    use passworks_wire::EventKind;
    let mut tx = db.begin().await?;
    let fresh = sqlx::query(
        "INSERT INTO google_callbacks (nonce, pass_id, event_type, received_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (nonce) DO NOTHING",
    )
    .bind(nonce)
    .bind(&pass.id)
    .bind(if saved { "save" } else { "del" })
    .bind(now())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !fresh {
        return Ok(false);
    }
    let registration = if saved {
        let r = Registering {
            device_library_id: GOOGLE_DEVICE,
            push_token: "google-wallet",
            wallet: "google_wallet",
            device_os: "android",
        };
        match devices::register(&mut tx, pass, r, i64::MAX).await? {
            Registered::New(id) => Some(id),
            Registered::Existing | Registered::Full => None,
        }
    } else {
        devices::unregister(&mut tx, GOOGLE_DEVICE, &pass.id)
            .await?
            .map(|u| u.id)
    };
    if let Some(id) = registration {
        let kind = if saved {
            EventKind::Installed
        } else {
            EventKind::Uninstalled
        };
        let event = NewEvent {
            device_os: Some("android".into()),
            wallet: Some("google_wallet".into()),
            extra: serde_json::json!({
                "pass_id": pass.id,
                "registration_id": id,
                "device_os": "android",
                "device_app_vendor": "google_wallet",
                "wallet_type": "google_wallet",
            }),
            ..NewEvent::for_pass(&pass.account_id, &pass.campaign_id, &pass.id, kind)
        };
        record(&mut tx, &event).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The device id of a pass's Google Wallet registration (Google does not name devices).
pub const GOOGLE_DEVICE: &str = "google-wallet";

/// Whether an account has a (real) issuer with this Google issuer id.
pub async fn account_has_issuer(
    db: &Db,
    account_id: &str,
    issuer_id: &str,
) -> Result<bool, sqlx::Error> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM google_issuers WHERE account_id = $1 AND issuer_id = $2 LIMIT 1",
    )
    .bind(account_id)
    .bind(issuer_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.is_some())
}
