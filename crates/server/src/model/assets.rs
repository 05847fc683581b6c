//! Assets (§11.3): uploaded images stored as re-encoded PNGs with their SHA-1, their
//! loaders and store functions. Templates reference assets through `template_assets`, and
//! an asset in use there, or as a pass's image override, cannot be deleted.

use crate::db::{Db, Tx};
use crate::error::ApiResult;
use crate::list::{col, Bind, Column, Kind, ListParams, Listing, Paged};
use passworks_wire::AssetType;
use sqlx::any::AnyRow;
use sqlx::Row;

/// An asset row without its image bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetRecord {
    pub id: String,
    pub asset_type: AssetType,
    pub width: u32,
    pub height: u32,
    pub created_at: String,
}

/// A new asset to store.
#[derive(Debug, Clone)]
pub struct NewAsset<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub asset_type: AssetType,
    pub width: u32,
    pub height: u32,
    pub sha1: &'a str,
    pub png: Vec<u8>,
    pub created_at: &'a str,
}

const COLUMNS: &str = "id, asset_type, width, height, created_at";

pub const LIST_COLUMNS: &[Column] = &[
    col("id", "id", Kind::Text),
    col("asset_type", "asset_type", Kind::Text),
    col("width", "width", Kind::Int),
    col("height", "height", Kind::Int),
    col("created_at", "created_at", Kind::Time),
];

fn from_row(row: &AnyRow) -> Result<AssetRecord, sqlx::Error> {
    let id: String = row.try_get("id")?;
    let kind: String = row.try_get("asset_type")?;
    let asset_type = AssetType::parse(&kind).ok_or_else(|| {
        sqlx::Error::Decode(format!("stored asset {id} has unknown type {kind:?}").into())
    })?;
    let width: i64 = row.try_get("width")?;
    let height: i64 = row.try_get("height")?;
    Ok(AssetRecord {
        id,
        asset_type,
        width: width.try_into().unwrap_or(0),
        height: height.try_into().unwrap_or(0),
        created_at: row.try_get("created_at")?,
    })
}

/// One page of the assets of `account_id`.
pub async fn list(db: &Db, account_id: &str, params: &ListParams) -> ApiResult<Paged<AssetRecord>> {
    Listing {
        select: COLUMNS,
        from: "assets",
        scope: "account_id = $1",
        scope_binds: vec![Bind::Text(account_id.to_string())],
        columns: LIST_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(db, params, from_row)
    .await
}

/// Loads an asset of `account_id`.
pub async fn load(db: &Db, account_id: &str, id: &str) -> Result<Option<AssetRecord>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM assets WHERE id = $1 AND account_id = $2");
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(account_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Stores a new asset.
pub async fn insert(db: &Db, a: NewAsset<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO assets (id, account_id, asset_type, width, height, sha1, png, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(a.id)
    .bind(a.account_id)
    .bind(a.asset_type.as_str())
    .bind(a.width as i64)
    .bind(a.height as i64)
    .bind(a.sha1)
    .bind(a.png)
    .bind(a.created_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Whether `account_id` owns the asset (inside a transaction).
pub async fn exists_tx(tx: &mut Tx, account_id: &str, id: &str) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("SELECT id FROM assets WHERE id = $1 AND account_id = $2")
            .bind(id)
            .bind(account_id)
            .fetch_optional(&mut **tx)
            .await?
            .is_some(),
    )
}

/// Names of the templates that use an asset, oldest first.
pub async fn templates_using(tx: &mut Tx, id: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT t.name FROM template_assets ta JOIN templates t ON t.id = ta.template_id \
         WHERE ta.asset_id = $1 ORDER BY t.created_at, t.id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await
}

/// Checks the images the upcoming entries of `apple` host (`header_image_id`,
/// `venue_map_id`): each must be an asset of `account_id` (of any type). Messages go under
/// `apple.upcoming_pass_information[i].images.<name>`.
pub async fn check_hosted_refs(
    tx: &mut Tx,
    account_id: &str,
    apple: &passworks_wire::apple::AppleOptions,
    errors: &mut crate::error::Errors,
) -> Result<(), sqlx::Error> {
    for (i, e) in apple.upcoming_pass_information.iter().enumerate() {
        for (api, _, id) in e.images.entries() {
            if !exists_tx(tx, account_id, id).await? {
                errors.add(
                    format!("apple.upcoming_pass_information[{i}].images.{api}"),
                    "must reference an existing asset of this organization",
                );
            }
        }
    }
    Ok(())
}

/// Serial numbers of the passes of `account_id` that use an asset as an image override,
/// oldest first. Asset ids are UUIDs, so a text search of the pass documents finds the
/// candidates; each candidate's image slots are then read to confirm.
pub async fn passes_using(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT serial_number, doc FROM passes WHERE account_id = $1 AND doc LIKE $2 \
         ORDER BY created_at, id",
    )
    .bind(account_id)
    .bind(format!("%{id}%"))
    .fetch_all(&mut **tx)
    .await?;
    let mut serials = Vec::new();
    for row in rows {
        let doc: String = row.try_get("doc")?;
        let doc: serde_json::Value = serde_json::from_str(&doc).unwrap_or_default();
        // The six `<slot>_id` attributes, or any image of the pass's own Apple options
        // (poster images, upcoming entries' hosted images).
        let uses = AssetType::CLASSIC
            .iter()
            .any(|t| doc.get(t.slot_attribute()).and_then(|v| v.as_str()) == Some(id))
            || apple_uses(&doc, id);
        if uses {
            serials.push(row.try_get("serial_number")?);
        }
    }
    Ok(serials)
}

/// Whether the `apple` options of a campaign or pass document name asset `id` as an image
/// (`apple.images.*_id`, `apple.localized_images.<lang>.*_id`,
/// `apple.upcoming_pass_information[].images.*_id`).
fn apple_uses(doc: &serde_json::Value, id: &str) -> bool {
    let Some(apple) = doc.get("apple") else {
        return false;
    };
    let named = |images: Option<&serde_json::Value>| {
        images
            .and_then(|v| v.as_object())
            .is_some_and(|m| m.values().any(|v| v.as_str() == Some(id)))
    };
    named(apple.get("images"))
        || apple
            .get("localized_images")
            .and_then(|v| v.as_object())
            .is_some_and(|langs| langs.values().any(|l| named(Some(l))))
        || apple
            .pointer("/personalization/logo_id")
            .and_then(|v| v.as_str())
            == Some(id)
        || apple
            .get("upcoming_pass_information")
            .and_then(|v| v.as_array())
            .is_some_and(|a| a.iter().any(|e| named(e.get("images"))))
}

/// Names of the campaigns of `account_id` whose Apple options use an asset as an image
/// (poster images and upcoming entries' images live there, not in templates), oldest
/// first. As for passes, a text search finds the candidates and each is read to confirm.
pub async fn campaigns_using(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT name, doc FROM campaigns WHERE account_id = $1 AND doc LIKE $2 \
         ORDER BY created_at, id",
    )
    .bind(account_id)
    .bind(format!("%{id}%"))
    .fetch_all(&mut **tx)
    .await?;
    let mut names = Vec::new();
    for row in rows {
        let doc: String = row.try_get("doc")?;
        let doc: serde_json::Value = serde_json::from_str(&doc).unwrap_or_default();
        if apple_uses(&doc, id) {
            names.push(row.try_get("name")?);
        }
    }
    Ok(names)
}

/// Deletes an asset of `account_id`.
pub async fn delete(tx: &mut Tx, account_id: &str, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM assets WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Loads an asset's type, PNG bytes and SHA-1, if the asset belongs to `account_id` (for
/// the pass builder and previews).
pub async fn load_png(
    db: &Db,
    account_id: &str,
    asset_id: &str,
) -> Result<Option<(AssetType, Vec<u8>, String)>, sqlx::Error> {
    let row =
        sqlx::query("SELECT asset_type, png, sha1 FROM assets WHERE id = $1 AND account_id = $2")
            .bind(asset_id)
            .bind(account_id)
            .fetch_optional(&db.pool)
            .await?;
    let Some(row) = row else { return Ok(None) };
    let kind: String = row.try_get("asset_type")?;
    let Some(kind) = AssetType::parse(&kind) else {
        return Ok(None);
    };
    Ok(Some((kind, row.try_get("png")?, row.try_get("sha1")?)))
}

/// The SHA-1 and PNG bytes of any asset (the public `/assets/{id}.png` route).
pub async fn load_public_png(db: &Db, id: &str) -> Result<Option<(String, Vec<u8>)>, sqlx::Error> {
    let row = sqlx::query("SELECT png, sha1 FROM assets WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok((r.try_get("sha1").unwrap_or_default(), r.try_get("png")?)))
        .transpose()
}
