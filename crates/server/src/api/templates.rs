//! Templates (§11.1): list, get, create and delete (with the `delete_assets` rule), plus
//! the helpers campaigns use to generate templates and to check image references.
//!
//! Every template keeps its `template_assets` rows in step with the images it references;
//! the assets module refuses to delete an asset that appears there.

use crate::api::campaigns::model::{
    template_from_row, template_to_wire, Presentation, TemplateRecord, IMAGE_SLOTS,
    TEMPLATE_COLUMNS,
};
use crate::api::campaigns::values::{not_in_list, parse_bool, Reader, MAX_STRING, MAX_TEXT};
use crate::api::campaigns::PresentationPatch;
use crate::api::routes::{doc, ParamKind, QueryParam, Routes};
use crate::api::util::parse_id;
use crate::auth::Auth;
use crate::body::JsonBody;
use crate::db::{new_id, now, Tx};
use crate::error::{ApiError, ApiResult, Errors};
use crate::list::{col, Bind, Kind, ListParams, Listing, Paged};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use passworks_wire as wire;
use passworks_wire::PassType;
use sqlx::Row;
use std::collections::HashMap;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::new("Templates")
        .get(
            "/templates",
            list,
            doc("List templates").list::<wire::Template>(COLUMNS),
        )
        .post(
            "/templates",
            create,
            doc("Create a template")
                .created::<wire::Template>()
                .body::<wire::TemplateInput>("template")
                .requires(&["name", "pass_type"])
                .errors(&[422]),
        )
        .get(
            "/templates/{template_id}",
            show,
            doc("One template").ok::<wire::Template>(),
        )
        .delete(
            "/templates/{template_id}",
            destroy,
            doc("Delete a template (optionally its assets)")
                .ok::<wire::DeleteOk>()
                .optional_body::<TemplateDelete>("template")
                .query(&[QueryParam {
                    name: "delete_assets",
                    kind: ParamKind::String,
                    description: "true or false, as in the body (default false).",
                }])
                .errors(&[412, 422]),
        )
}

/// The optional body of a template delete, for the OpenAPI document (`destroy` reads
/// `delete_assets` under `template`, at the body root or in the query string).
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "only its schema is used, by the OpenAPI document")]
struct TemplateDelete {
    /// Also delete the template's assets when no other template uses them (default
    /// false; "true"/"false" accepted).
    #[schema(value_type = Option<bool>)]
    delete_assets: Option<serde_json::Value>,
}

const COLUMNS: &[crate::list::Column] = &[
    col("id", "id", Kind::Text),
    col("name", "name", Kind::Text),
    col("description", "description", Kind::Text),
    col("pass_type", "pass_type", Kind::Text),
    col("source", "source", Kind::Text),
    col("created_at", "created_at", Kind::Time),
    col("updated_at", "updated_at", Kind::Time),
];

async fn list(
    State(state): State<AppState>,
    Auth(account): Auth,
    params: ListParams,
) -> ApiResult<Paged<wire::Template>> {
    Listing {
        select: TEMPLATE_COLUMNS,
        from: "templates",
        scope: "account_id = $1",
        scope_binds: vec![Bind::Text(account.id.clone())],
        columns: COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(&state.db, &params, |r| {
        template_from_row(r).map(|t| template_to_wire(&t))
    })
    .await
}

/// Loads a template of `account_id` inside a transaction.
pub async fn load_template(
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

async fn show(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<wire::Template>> {
    let id = parse_id(&id, "template")?;
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = $1 AND account_id = $2");
    let row = sqlx::query(&sql)
        .bind(&id)
        .bind(&account.id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("template"))?;
    Ok(Json(template_to_wire(&template_from_row(&row)?)))
}

/// Checks every image of `p`: it must be an asset of `account_id` whose type matches the
/// slot (§6.6). Messages go under the slot attribute (`icon_id`, …).
pub async fn check_images(
    tx: &mut Tx,
    account_id: &str,
    p: &Presentation,
    errors: &mut Errors,
) -> Result<(), sqlx::Error> {
    for slot in IMAGE_SLOTS {
        let Some(id) = p.image(slot) else { continue };
        let row = sqlx::query("SELECT asset_type FROM assets WHERE id = $1 AND account_id = $2")
            .bind(id)
            .bind(account_id)
            .fetch_optional(&mut **tx)
            .await?;
        match row {
            None => errors.add(
                slot.slot_attribute(),
                "must reference an existing asset of this organization",
            ),
            Some(r) => {
                let t: String = r.try_get("asset_type")?;
                if t != slot.as_str() {
                    errors.add(
                        slot.slot_attribute(),
                        format!(
                            "must reference an asset of type {} (this one is {t})",
                            slot.as_str()
                        ),
                    );
                }
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
        let taken = sqlx::query("SELECT id FROM templates WHERE account_id = $1 AND name = $2")
            .bind(account_id)
            .bind(&candidate)
            .fetch_optional(&mut **tx)
            .await?
            .is_some();
        if !taken {
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

async fn create(
    State(state): State<AppState>,
    Auth(account): Auth,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<wire::Template>)> {
    let map = body.root("template")?;
    let mut errors = Errors::default();
    let mut r = Reader::new(map, &mut errors);
    let name = if r.has("name") {
        r.non_blank("name", MAX_STRING)
    } else {
        r.errors.add("name", "can't be blank");
        None
    };
    let description = r.string("description", MAX_TEXT).flatten();
    let pass_type = match r.enumeration("pass_type", PassType::parse, &PassType::expected()) {
        Some(Some(p)) => Some(p),
        Some(None) => {
            r.errors.add("pass_type", "can't be blank");
            None
        }
        None => {
            if !r.has("pass_type") {
                r.errors.add("pass_type", "can't be blank");
            }
            None
        }
    };
    let patch = PresentationPatch::read(&mut r);
    let mut p = Presentation::default();
    patch.apply(&mut p);
    if pass_type == Some(PassType::BoardingPass) {
        if p.transit_type.is_none() && !errors.0.contains_key("transit_type") {
            errors.add("transit_type", "can't be blank for boardingPass templates");
        }
    } else if p.transit_type.is_some() && pass_type.is_some() {
        errors.add("transit_type", "is only allowed for boardingPass templates");
    }
    if p.icon_id.is_none() && !errors.0.contains_key("icon_id") {
        errors.add("icon_id", "can't be blank");
    }
    let mut tx = state.db.begin().await?;
    check_images(&mut tx, &account.id, &p, &mut errors).await?;
    if let Some(n) = &name {
        let taken = sqlx::query("SELECT id FROM templates WHERE account_id = $1 AND name = $2")
            .bind(&account.id)
            .bind(n)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if taken {
            errors.add("name", "has already been taken");
        }
    }
    errors.check()?;
    let (Some(name), Some(pass_type)) = (name, pass_type) else {
        return Err(ApiError::invalid("base", "invalid template"));
    };
    let t = insert_template(
        &mut tx,
        &account.id,
        &name,
        description.as_deref(),
        pass_type,
        "api",
        &p,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(template_to_wire(&t))))
}

async fn destroy(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: JsonBody,
) -> ApiResult<Json<wire::DeleteOk>> {
    let id = parse_id(&id, "template")?;
    // `delete_assets` under `template`, at the body root, or in the query string.
    let raw = body
        .0
        .get("template")
        .and_then(|t| t.get("delete_assets"))
        .or_else(|| body.0.get("delete_assets"))
        .cloned()
        .or_else(|| {
            query
                .get("delete_assets")
                .or_else(|| query.get("template[delete_assets]"))
                .map(|s| serde_json::Value::String(s.clone()))
        });
    let delete_assets = match raw {
        None | Some(serde_json::Value::Null) => false,
        Some(v) => parse_bool(&v)
            .ok_or_else(|| ApiError::invalid("delete_assets", not_in_list("true, false")))?,
    };
    let mut tx = state.db.begin().await?;
    let t = load_template(&mut tx, &account.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("template"))?;
    let users: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM campaigns WHERE template_id = $1 AND account_id = $2 ORDER BY created_at",
    )
    .bind(&t.id)
    .bind(&account.id)
    .fetch_all(&mut *tx)
    .await?;
    if let Some(first) = users.first() {
        return Err(ApiError::precondition(
            "template",
            format!(
                "Template in use by {} campaigns, e.g.: {first}",
                users.len()
            ),
        ));
    }
    let asset_ids = t.presentation.asset_ids();
    sqlx::query("DELETE FROM template_assets WHERE template_id = $1")
        .bind(&t.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM templates WHERE id = $1")
        .bind(&t.id)
        .execute(&mut *tx)
        .await?;
    if delete_assets && !asset_ids.is_empty() {
        // All-or-nothing: only when no other template references any of the assets.
        let mut shared = false;
        for asset_id in &asset_ids {
            let other: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM template_assets WHERE asset_id = $1")
                    .bind(asset_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if other > 0 {
                shared = true;
            }
        }
        if !shared {
            for asset_id in &asset_ids {
                sqlx::query("DELETE FROM assets WHERE id = $1 AND account_id = $2")
                    .bind(asset_id)
                    .bind(&account.id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(Json(wire::DeleteOk { errors: vec![] }))
}
