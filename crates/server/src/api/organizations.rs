//! Organizations (§12): child accounts created and managed through the API by accounts
//! holding the "create and manage organizations" permission.
//!
//! A child organization is an `accounts` row with `parent_id` set. Its API key is shown
//! only in the create and `refresh_api_password` responses (keys are stored hashed).

use crate::api::account::create_account;
use crate::api::routes::{doc, Routes};
use crate::auth::{hash_key, Account, Auth};
use crate::body::JsonBody;
use crate::db::{now, random_token};
use crate::error::{ApiError, ApiResult};
use crate::list::{col, Bind, Kind, ListParams, Listing, Paged};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use passworks_wire as wire;
use serde_json::Value;
use sqlx::Row;

/// Most child organizations one account may own (§12).
pub const MAX_CHILDREN: i64 = 10;

/// Routes of this module (relative to `/v2`).
pub fn router() -> Routes {
    Routes::new("Organizations")
        .get(
            "/organizations",
            list,
            doc("List child organizations").list::<wire::Organization>(LIST_COLUMNS),
        )
        .post(
            "/organizations",
            create,
            doc("Create a child organization")
                .created::<wire::Organization>()
                .flat_or_wrapped_body::<wire::OrganizationInput>("organization")
                .requires(&["name"])
                .errors(&[412, 422]),
        )
        .post(
            "/organizations/{organization_id}/refresh_api_password",
            refresh_api_password,
            doc("Replace a child organization's API password").ok::<wire::Organization>(),
        )
}

const COLUMNS: &str = "id, name, api_username, webhook_url, locked_at, created_at, updated_at";

const LIST_COLUMNS: &[crate::list::Column] = &[
    col("id", "id", Kind::Text),
    col("name", "name", Kind::Text),
    col("api_username", "api_username", Kind::Text),
    col("webhook_url", "webhook_url", Kind::Text),
    col("locked_at", "locked_at", Kind::Time),
    col("created_at", "created_at", Kind::Time),
    col("updated_at", "updated_at", Kind::Time),
];

fn require_permission(account: &Account) -> ApiResult<()> {
    if account.can_manage_organizations {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "This account is not allowed to create and manage organizations".into(),
        ))
    }
}

fn to_wire(row: &sqlx::any::AnyRow, api_password: Option<String>) -> ApiResult<wire::Organization> {
    Ok(wire::Organization {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        api_username: row.try_get("api_username")?,
        api_password,
        webhook_url: row.try_get("webhook_url")?,
        users_count: 0,
        locked_at: row.try_get("locked_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn load_child(
    state: &AppState,
    parent_id: &str,
    id: &str,
) -> ApiResult<Option<sqlx::any::AnyRow>> {
    let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = $1 AND parent_id = $2");
    Ok(sqlx::query(&sql)
        .bind(id)
        .bind(parent_id)
        .fetch_optional(&state.db.pool)
        .await?)
}

async fn count_children(state: &AppState, parent_id: &str) -> ApiResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE parent_id = $1")
            .bind(parent_id)
            .fetch_one(&state.db.pool)
            .await?,
    )
}

fn limit_reached() -> ApiError {
    ApiError::precondition(
        "base",
        format!("Organization limit reached ({MAX_CHILDREN})"),
    )
}

async fn create(
    State(state): State<AppState>,
    Auth(account): Auth,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<wire::Organization>)> {
    require_permission(&account)?;
    // Flat `{"name"}` or wrapped `{"organization": {"name"}}` (§12, §19 #30).
    let name_value = match body.0.get("organization") {
        Some(Value::Object(m)) => m.get("name"),
        Some(_) => {
            return Err(ApiError::BadRequest(
                "Root key 'organization' must hold a JSON object".into(),
            ))
        }
        None => body.0.get("name"),
    };
    let name = match name_value {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::String(_)) | Some(Value::Null) | None => {
            return Err(ApiError::invalid("name", "can't be blank"))
        }
        Some(_) => return Err(ApiError::invalid("name", "must be a string")),
    };
    if name.chars().count() > 255 {
        return Err(ApiError::invalid(
            "name",
            "is too long (maximum is 255 characters)",
        ));
    }
    if count_children(&state, &account.id).await? >= MAX_CHILDREN {
        return Err(limit_reached());
    }
    let created = create_account(&state.db, &name, Some(&account.id), false).await?;
    // Concurrent creations may both pass the check above: keep only the first ten
    // children (by creation order) and undo this one if it came later.
    let first: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM accounts WHERE parent_id = $1 ORDER BY created_at, id LIMIT $2",
    )
    .bind(&account.id)
    .bind(MAX_CHILDREN)
    .fetch_all(&state.db.pool)
    .await?;
    if !first.contains(&created.id) {
        sqlx::query("DELETE FROM accounts WHERE id = $1")
            .bind(&created.id)
            .execute(&state.db.pool)
            .await?;
        return Err(limit_reached());
    }
    let row = load_child(&state, &account.id, &created.id)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    Ok((
        StatusCode::CREATED,
        Json(to_wire(&row, Some(created.api_key))?),
    ))
}

async fn list(
    State(state): State<AppState>,
    Auth(account): Auth,
    params: ListParams,
) -> ApiResult<Paged<wire::Organization>> {
    require_permission(&account)?;
    Listing {
        select: COLUMNS,
        from: "accounts",
        scope: "parent_id = $1",
        scope_binds: vec![Bind::Text(account.id.clone())],
        columns: LIST_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(&state.db, &params, |r| to_wire(r, None))
    .await
}

async fn refresh_api_password(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::Organization>> {
    require_permission(&account)?;
    let id = crate::api::util::parse_id(&raw, "organization")?;
    let key = random_token(24);
    let done = sqlx::query(
        "UPDATE accounts SET api_key_hash = $1, updated_at = $2 WHERE id = $3 AND parent_id = $4",
    )
    .bind(hash_key(&key))
    .bind(now())
    .bind(&id)
    .bind(&account.id)
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found("organization"));
    }
    let row = load_child(&state, &account.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    Ok(Json(to_wire(&row, Some(key))?))
}
