//! Organizations (§12): child accounts created and managed through the API by accounts
//! holding the "create and manage organizations" permission.
//!
//! A child organization is an `accounts` row with `parent_id` set. Its API key is shown
//! only in the create and `refresh_api_password` responses (keys are stored hashed).

use crate::auth::{hash_key, Account, Auth};
use crate::body::JsonBody;
use crate::db::random_token;
use crate::error::{ApiError, ApiResult};
use crate::list::{ListParams, Paged};
use crate::model::organizations::{self, OrganizationRecord};
use crate::model::{accounts, parse_id};
use crate::routes::{doc, Routes};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use passworks_wire as wire;
use serde_json::Value;

/// Most child organizations one account may own (§12).
pub const MAX_CHILDREN: i64 = 10;

/// Routes of this module (relative to `/v2`).
pub fn router() -> Routes {
    Routes::new("Organizations")
        .get(
            "/organizations",
            list,
            doc("List child organizations")
                .list::<wire::Organization>(crate::model::organizations::LIST_COLUMNS),
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

fn require_permission(account: &Account) -> ApiResult<()> {
    if account.can_manage_organizations {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "This account is not allowed to create and manage organizations".into(),
        ))
    }
}

fn to_wire(o: &OrganizationRecord, api_password: Option<String>) -> wire::Organization {
    wire::Organization {
        id: o.id.clone(),
        name: o.name.clone(),
        api_username: o.api_username.clone(),
        api_password,
        webhook_url: o.webhook_url.clone(),
        users_count: 0,
        locked_at: o.locked_at.clone(),
        created_at: o.created_at.clone(),
        updated_at: o.updated_at.clone(),
    }
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
    if organizations::count_children(&state.db, &account.id).await? >= MAX_CHILDREN {
        return Err(limit_reached());
    }
    let created = accounts::create_account(&state.db, &name, Some(&account.id), false).await?;
    // Concurrent creations may both pass the check above: keep only the first ten
    // children (by creation order) and undo this one if it came later.
    if !organizations::within_limit(&state.db, &account.id, &created.id, MAX_CHILDREN).await? {
        organizations::delete(&state.db, &created.id).await?;
        return Err(limit_reached());
    }
    let o = organizations::load_child(&state.db, &account.id, &created.id)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    Ok((
        StatusCode::CREATED,
        Json(to_wire(&o, Some(created.api_key))),
    ))
}

async fn list(
    State(state): State<AppState>,
    Auth(account): Auth,
    params: ListParams,
) -> ApiResult<Paged<wire::Organization>> {
    require_permission(&account)?;
    Ok(organizations::list(&state.db, &account.id, &params)
        .await?
        .map(|o| to_wire(&o, None)))
}

async fn refresh_api_password(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::Organization>> {
    require_permission(&account)?;
    let id = parse_id(&raw, "organization")?;
    let key = random_token(24);
    if !organizations::set_api_key(&state.db, &account.id, &id, &hash_key(&key)).await? {
        return Err(ApiError::not_found("organization"));
    }
    let o = organizations::load_child(&state.db, &account.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("organization"))?;
    Ok(Json(to_wire(&o, Some(key))))
}
