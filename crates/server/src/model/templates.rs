//! Templates (§11.1): the `templates` row with its presentation ([`TemplateRecord`]),
//! its loaders and its store functions.
//!
//! Every template keeps its `template_assets` rows in step with the images it references;
//! an asset that appears there cannot be deleted ([`crate::model::assets`]).

use crate::db::{get_json, new_id, now, Db, Tx};
use crate::error::{ApiError, Errors};
use crate::list::{col, Bind, Column, Kind, ListParams, Listing, Paged};
use crate::model::presentation::{Presentation, IMAGE_SLOTS};
use crate::model::values::MAX_STRING;
use passworks_wire::{AssetType, PassType};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A template row with its decoded presentation.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateRecord {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub description: Option<String>,
    pub pass_type: PassType,
    pub source: String,
    pub presentation: Presentation,
    pub created_at: String,
    pub updated_at: String,
}

/// Columns of `templates` read by [`template_from_row`].
pub const TEMPLATE_COLUMNS: &str =
    "id, account_id, name, description, pass_type, source, doc, created_at, updated_at";

/// Decodes a template row selected with [`TEMPLATE_COLUMNS`].
pub fn template_from_row(row: &AnyRow) -> Result<TemplateRecord, sqlx::Error> {
    let pt: String = row.try_get("pass_type")?;
    Ok(TemplateRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        pass_type: PassType::parse(&pt).unwrap_or(PassType::Generic),
        source: row.try_get("source")?,
        presentation: get_json(row, "doc"),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Filterable and sortable attributes of template lists.
pub const LIST_COLUMNS: &[Column] = &[
    col("id", "id", Kind::Text),
    col("name", "name", Kind::Text),
    col("description", "description", Kind::Text),
    col("pass_type", "pass_type", Kind::Text),
    col("source", "source", Kind::Text),
    col("created_at", "created_at", Kind::Time),
    col("updated_at", "updated_at", Kind::Time),
];

/// One page of the templates of `account_id`.
pub async fn list(
    db: &Db,
    account_id: &str,
    params: &ListParams,
) -> crate::error::ApiResult<Paged<TemplateRecord>> {
    Listing {
        select: TEMPLATE_COLUMNS,
        from: "templates",
        scope: "account_id = $1",
        scope_binds: vec![Bind::Text(account_id.to_string())],
        columns: LIST_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(db, params, template_from_row)
    .await
}

/// Loads a template of `account_id`.
pub async fn load(
    db: &Db,
    account_id: &str,
    id: &str,
) -> Result<Option<TemplateRecord>, sqlx::Error> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = $1 AND account_id = $2");
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(account_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(template_from_row).transpose()
}

/// Loads a template of `account_id` inside a transaction.
pub async fn load_tx(
    tx: &mut Tx,
    account_id: &str,
    id: &str,
) -> Result<Option<TemplateRecord>, sqlx::Error> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = $1 AND account_id = $2");
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(account_id)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(template_from_row).transpose()
}

/// Whether `account_id` already has a template called `name`.
pub async fn name_taken(tx: &mut Tx, account_id: &str, name: &str) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("SELECT id FROM templates WHERE account_id = $1 AND name = $2")
            .bind(account_id)
            .bind(name)
            .fetch_optional(&mut **tx)
            .await?
            .is_some(),
    )
}

/// Checks every image of `p`: it must be an asset of `account_id` whose type matches the
/// slot (§6.6). Messages go under the slot attribute (`icon_id`, …).
pub async fn check_images(
    tx: &mut Tx,
    account_id: &str,
    p: &Presentation,
    errors: &mut Errors,
) -> Result<(), sqlx::Error> {
    let refs: Vec<(AssetType, &str)> = IMAGE_SLOTS
        .iter()
        .filter_map(|&slot| p.image(slot).as_deref().map(|id| (slot, id)))
        .collect();
    check_image_refs(tx, account_id, &refs, errors).await
}

/// Checks image references by slot: each must be an asset of `account_id` whose type is
/// the slot's. Messages go under the slot attribute (`icon_id`,
/// `apple.images.artwork_id`, …). Serves the six classic slots and the poster images.
pub async fn check_image_refs(
    tx: &mut Tx,
    account_id: &str,
    refs: &[(AssetType, &str)],
    errors: &mut Errors,
) -> Result<(), sqlx::Error> {
    for &(slot, id) in refs {
        check_image_ref(tx, account_id, slot.slot_attribute(), slot, id, errors).await?;
    }
    Ok(())
}

/// Checks every image the Apple options `apple` name, as [`check_image_refs`] does: the
/// poster images and sign-up form logo under their attributes, each language's images
/// under `apple.localized_images.<lang>.<slot>_id`.
pub async fn check_apple_image_refs(
    tx: &mut Tx,
    account_id: &str,
    apple: &passworks_wire::apple::AppleOptions,
    errors: &mut Errors,
) -> Result<(), sqlx::Error> {
    check_image_refs(tx, account_id, &apple.image_refs(), errors).await?;
    for (lang, slot, id) in apple.localized_image_refs() {
        let attr = passworks_wire::apple::localized_image_path(lang, slot);
        check_image_ref(tx, account_id, &attr, slot, id, errors).await?;
    }
    Ok(())
}

/// One image reference: an asset of `account_id` of `slot`'s type, else a message under
/// `attr`.
async fn check_image_ref(
    tx: &mut Tx,
    account_id: &str,
    attr: &str,
    slot: AssetType,
    id: &str,
    errors: &mut Errors,
) -> Result<(), sqlx::Error> {
    let row = sqlx::query("SELECT asset_type FROM assets WHERE id = $1 AND account_id = $2")
        .bind(id)
        .bind(account_id)
        .fetch_optional(&mut **tx)
        .await?;
    match row {
        None => errors.add(
            attr,
            "must reference an existing asset of this organization",
        ),
        Some(r) => {
            let t: String = r.try_get("asset_type")?;
            if t != slot.as_str() {
                errors.add(
                    attr,
                    format!(
                        "must reference an asset of type {} (this one is {t})",
                        slot.as_str()
                    ),
                );
            }
        }
    }
    Ok(())
}

/// A template name not yet used by `account_id`, derived from `base` (`base`, `base (2)`…).
pub async fn unique_template_name(
    tx: &mut Tx,
    account_id: &str,
    base: &str,
) -> Result<String, sqlx::Error> {
    let base: String = base.chars().take(MAX_STRING - 8).collect();
    for n in 1.. {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base} ({n})")
        };
        if !name_taken(tx, account_id, &candidate).await? {
            return Ok(candidate);
        }
    }
    unreachable!("the loop returns")
}

/// Inserts a template and its `template_assets` rows.
pub async fn insert_template(
    tx: &mut Tx,
    account_id: &str,
    name: &str,
    description: Option<&str>,
    pass_type: PassType,
    source: &str,
    presentation: &Presentation,
) -> Result<TemplateRecord, ApiError> {
    let id = new_id();
    let ts = now();
    let doc = serde_json::to_string(presentation)?;
    sqlx::query(
        "INSERT INTO templates (id, account_id, name, description, pass_type, source, doc, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(account_id)
    .bind(name)
    .bind(description)
    .bind(pass_type.as_str())
    .bind(source)
    .bind(&doc)
    .bind(&ts)
    .execute(&mut **tx)
    .await?;
    for asset_id in presentation.asset_ids() {
        sqlx::query("INSERT INTO template_assets (template_id, asset_id) VALUES ($1, $2)")
            .bind(&id)
            .bind(&asset_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(TemplateRecord {
        id,
        account_id: account_id.to_string(),
        name: name.to_string(),
        description: description.map(str::to_string),
        pass_type,
        source: source.to_string(),
        presentation: presentation.clone(),
        created_at: ts.clone(),
        updated_at: ts,
    })
}

/// Names of the campaigns of `account_id` that use a template, oldest first.
pub async fn campaigns_using(
    tx: &mut Tx,
    account_id: &str,
    template_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT name FROM campaigns WHERE template_id = $1 AND account_id = $2 ORDER BY created_at",
    )
    .bind(template_id)
    .bind(account_id)
    .fetch_all(&mut **tx)
    .await
}

/// Deletes a template and, when `delete_assets` is set and no other template references
/// any of them, the assets it used (all or nothing).
pub async fn delete(
    tx: &mut Tx,
    t: &TemplateRecord,
    delete_assets: bool,
) -> Result<(), sqlx::Error> {
    let asset_ids = t.presentation.asset_ids();
    sqlx::query("DELETE FROM template_assets WHERE template_id = $1")
        .bind(&t.id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM templates WHERE id = $1")
        .bind(&t.id)
        .execute(&mut **tx)
        .await?;
    if !delete_assets || asset_ids.is_empty() {
        return Ok(());
    }
    for asset_id in &asset_ids {
        let other: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM template_assets WHERE asset_id = $1")
                .bind(asset_id)
                .fetch_one(&mut **tx)
                .await?;
        if other > 0 {
            return Ok(());
        }
    }
    for asset_id in &asset_ids {
        sqlx::query("DELETE FROM assets WHERE id = $1 AND account_id = $2")
            .bind(asset_id)
            .bind(&t.account_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
