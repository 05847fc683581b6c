//! API keys for integrations (issue 16), created by callers with the people permission:
//! named, scoped (a role, `read_only` or `passes_only`), optionally expiring; the token
//! is shown once, in the create answer; revoking keeps the key listed (and named in the
//! audit log) but it no longer authenticates.

use crate::auth::{hash_key, new_key, Principal};
use crate::body::JsonBody;
use crate::db::{normalize_time, now};
use crate::error::{ApiError, ApiResult, Errors};
use crate::list::{ListParams, Paged};
use crate::model::api_keys::{self, ApiKeyRecord, NewKey};
use crate::model::parse_id;
use crate::routes::{doc, Routes};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use passworks_wire::{self as wire, KeyScope};
use serde_json::Value;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::new("Teams")
        .get(
            "/api_keys",
            list,
            doc("List API keys").list::<wire::ApiKey>(api_keys::LIST_COLUMNS),
        )
        .post(
            "/api_keys",
            create,
            doc("Create an API key: the token is in this answer only")
                .created::<wire::ApiKey>()
                .body::<wire::ApiKeyInput>("api_key")
                .requires(&["name", "scope"])
                .errors(&[422]),
        )
        .get(
            "/api_keys/{api_key_id}",
            show,
            doc("One API key").ok::<wire::ApiKey>(),
        )
        .delete(
            "/api_keys/{api_key_id}",
            revoke,
            doc("Revoke an API key").ok::<wire::ApiKey>(),
        )
}

/// The wire shape of a key; `token` only right after creating it.
pub fn to_wire(k: &ApiKeyRecord, token: Option<String>) -> wire::ApiKey {
    wire::ApiKey {
        id: k.id.clone(),
        name: k.name.clone(),
        scope: k.scope,
        prefix: k.prefix.clone(),
        token,
        created_by: k.created_by.clone(),
        expires_at: k.expires_at.clone(),
        last_used_at: k.last_used_at.clone(),
        revoked_at: k.revoked_at.clone(),
        created_at: k.created_at.clone(),
    }
}

async fn create(
    State(state): State<AppState>,
    principal: Principal,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<wire::ApiKey>)> {
    let attrs = body.root("api_key")?;
    let mut errors = Errors::default();
    let name = match attrs.get("name") {
        Some(Value::String(s)) if s.trim().is_empty() => {
            errors.add("name", "can't be blank");
            String::new()
        }
        Some(Value::String(s)) if s.chars().count() > 255 => {
            errors.add("name", "is too long (maximum is 255 characters)");
            String::new()
        }
        Some(Value::String(s)) => s.trim().to_string(),
        None | Some(Value::Null) => {
            errors.add("name", "can't be blank");
            String::new()
        }
        Some(_) => {
            errors.add("name", "must be a string");
            String::new()
        }
    };
    let scope = match attrs.get("scope") {
        Some(Value::String(s)) => {
            let scope = KeyScope::parse(s);
            if scope.is_none() {
                errors.add("scope", format!("must be one of {}", KeyScope::expected()));
            }
            scope
        }
        None | Some(Value::Null) => {
            errors.add("scope", "can't be blank");
            None
        }
        Some(_) => {
            errors.add("scope", "must be a string");
            None
        }
    };
    let expires_at = match attrs.get("expires_at") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match normalize_time(s) {
            Some(t) if t > now() => Some(t),
            Some(_) => {
                errors.add("expires_at", "must be in the future");
                None
            }
            None => {
                errors.add("expires_at", "must be an ISO-8601 time");
                None
            }
        },
        Some(_) => {
            errors.add("expires_at", "must be an ISO-8601 time");
            None
        }
    };
    errors.check()?;
    let scope = scope.unwrap_or(KeyScope::Scanner);
    let (prefix, secret, token) = new_key();
    let id = api_keys::create(
        &state.db,
        &NewKey {
            account_id: &principal.account.id,
            name: &name,
            scope,
            prefix: &prefix,
            secret_hash: &hash_key(&secret),
            created_by: &principal.actor_label,
            expires_at: expires_at.as_deref(),
        },
    )
    .await?;
    let key = load(&state, &principal, &id).await?;
    Ok((StatusCode::CREATED, Json(to_wire(&key, Some(token)))))
}

async fn load(state: &AppState, principal: &Principal, id: &str) -> ApiResult<ApiKeyRecord> {
    api_keys::load(&state.db, &principal.account.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("api_key"))
}

async fn list(
    State(state): State<AppState>,
    principal: Principal,
    params: ListParams,
) -> ApiResult<Paged<wire::ApiKey>> {
    Ok(api_keys::list(&state.db, &principal.account.id, &params)
        .await?
        .map(|k| to_wire(&k, None)))
}

async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::ApiKey>> {
    let id = parse_id(&raw, "api_key")?;
    Ok(Json(to_wire(&load(&state, &principal, &id).await?, None)))
}

async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::ApiKey>> {
    let id = parse_id(&raw, "api_key")?;
    load(&state, &principal, &id).await?;
    api_keys::revoke(&state.db, &principal.account.id, &id).await?;
    Ok(Json(to_wire(&load(&state, &principal, &id).await?, None)))
}
