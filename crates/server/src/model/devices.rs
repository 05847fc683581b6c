//! Device registrations (§14, Apple's PassKit web service): which device holds which pass
//! with which push token, their lists (C14, P9) and the per-device view of updated passes.

use crate::db::{is_unique_violation, new_id, now, Db, Tx};
use crate::error::ApiResult;
use crate::list::{col, Column, Kind, ListParams, Listing, Paged};
use crate::model::passes::PassRecord;
use crate::model::redeems::Of;
use passworks_wire as wire;
use sqlx::{AnyConnection, Row};

/// Filterable attributes of registration lists (C14, P9).
pub const REGISTRATION_COLUMNS: &[Column] = &[
    col("id", "id", Kind::Text),
    col("pass_id", "pass_id", Kind::Text),
    col("wallet", "wallet", Kind::Text),
    col("device_os", "device_os", Kind::Text),
    col("created_at", "created_at", Kind::Time),
];

/// One page of the registrations of a campaign or a pass.
pub async fn list_registrations(
    db: &Db,
    of: Of<'_>,
    params: &ListParams,
) -> ApiResult<Paged<wire::Registration>> {
    let (scope, bind) = of.scope();
    Listing {
        select: "id, pass_id, wallet, device_os, created_at",
        from: "registrations",
        scope,
        scope_binds: vec![bind],
        columns: REGISTRATION_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(db, params, |r| -> Result<_, sqlx::Error> {
        Ok(wire::Registration {
            id: r.try_get("id")?,
            pass_id: r.try_get("pass_id")?,
            wallet: r.try_get("wallet")?,
            device_os: r.try_get("device_os")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .await
}

/// What a device sends when it registers for a pass's updates.
#[derive(Debug, Clone, Copy)]
pub struct Registering<'a> {
    pub device_library_id: &'a str,
    pub push_token: &'a str,
    pub wallet: &'a str,
    pub device_os: &'a str,
}

/// How a registration request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registered {
    /// A new registration with this id.
    New(String),
    /// The device was registered already (its push token and client were refreshed).
    Existing,
    /// The pass already has the most registrations allowed; nothing was stored.
    Full,
}

/// Registers a device for a pass inside `tx`, or refreshes an existing registration. A
/// new device is refused ([`Registered::Full`]) when the pass already has `max_devices`.
pub async fn register(
    tx: &mut Tx,
    pass: &PassRecord,
    r: Registering<'_>,
    max_devices: i64,
) -> Result<Registered, sqlx::Error> {
    let ts = now();
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT id FROM registrations WHERE device_library_id = $1 AND pass_id = $2",
    )
    .bind(r.device_library_id)
    .bind(&pass.id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = existing {
        sqlx::query(
            "UPDATE registrations SET push_token = $1, wallet = $2, device_os = $3, \
             updated_at = $4 WHERE id = $5",
        )
        .bind(r.push_token)
        .bind(r.wallet)
        .bind(r.device_os)
        .bind(&ts)
        .bind(&id)
        .execute(&mut **tx)
        .await?;
        return Ok(Registered::Existing);
    }
    // Taking the pass row's lock (a no-op write) makes concurrent registrations for one
    // pass count one after the other on PostgreSQL too (SQLite has a single writer).
    sqlx::query("UPDATE passes SET id = id WHERE id = $1")
        .bind(&pass.id)
        .execute(&mut **tx)
        .await?;
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE pass_id = $1")
        .bind(&pass.id)
        .fetch_one(&mut **tx)
        .await?;
    if held >= max_devices {
        return Ok(Registered::Full);
    }
    let id = new_id();
    let inserted = sqlx::query(
        "INSERT INTO registrations (id, account_id, campaign_id, pass_id, device_library_id, \
         push_token, wallet, device_os, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(&id)
    .bind(&pass.account_id)
    .bind(&pass.campaign_id)
    .bind(&pass.id)
    .bind(r.device_library_id)
    .bind(r.push_token)
    .bind(r.wallet)
    .bind(r.device_os)
    .bind(&ts)
    .execute(&mut **tx)
    .await;
    match inserted {
        Ok(_) => Ok(Registered::New(id)),
        // A concurrent identical registration won the race.
        Err(e) if is_unique_violation(&e) => Ok(Registered::Existing),
        Err(e) => Err(e),
    }
}

/// A registration that was removed: its id, wallet and device OS.
#[derive(Debug, Clone)]
pub struct Unregistered {
    pub id: String,
    pub wallet: String,
    pub device_os: String,
}

/// Removes a device's registration for a pass inside `tx` (`None` when there was none).
pub async fn unregister(
    tx: &mut Tx,
    device_library_id: &str,
    pass_id: &str,
) -> Result<Option<Unregistered>, sqlx::Error> {
    let gone = sqlx::query(
        "DELETE FROM registrations WHERE device_library_id = $1 AND pass_id = $2 \
         RETURNING id, wallet, device_os",
    )
    .bind(device_library_id)
    .bind(pass_id)
    .fetch_optional(&mut **tx)
    .await?;
    gone.map(|row| {
        Ok(Unregistered {
            id: row.try_get("id")?,
            wallet: row.try_get("wallet")?,
            device_os: row.try_get("device_os")?,
        })
    })
    .transpose()
}

/// A pass registered on a device, with the times that make up its "updated since" tag.
#[derive(Debug, Clone)]
pub struct DevicePass {
    pub serial_number: String,
    pub campaign_id: String,
    pub updated_at: String,
    pub campaign_updated_at: String,
    pub pushed_at: Option<String>,
}

/// The passes registered on a device, by serial number.
pub async fn passes_of_device(
    conn: &mut AnyConnection,
    device_library_id: &str,
) -> Result<Vec<DevicePass>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT p.serial_number, p.campaign_id, p.updated_at, c.updated_at AS campaign_updated_at, \
         u.pushed_at FROM registrations r JOIN passes p ON p.id = r.pass_id \
         JOIN campaigns c ON c.id = p.campaign_id LEFT JOIN pass_updates u ON u.pass_id = p.id \
         WHERE r.device_library_id = $1 ORDER BY p.serial_number",
    )
    .bind(device_library_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(DevicePass {
                serial_number: row.try_get("serial_number")?,
                campaign_id: row.try_get("campaign_id")?,
                updated_at: row.try_get("updated_at")?,
                campaign_updated_at: row.try_get("campaign_updated_at")?,
                pushed_at: row.try_get("pushed_at")?,
            })
        })
        .collect()
}

/// How many registrations a campaign's passes have (devices holding them now).
pub async fn count_for_campaign(db: &Db, campaign_id: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_one(&db.pool)
        .await
}
