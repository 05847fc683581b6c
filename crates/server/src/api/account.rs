//! The signed-in account (`GET`/`PATCH /v2/account`, an extension of the contract) and
//! account creation, shared by the CLI, first start and organizations.

use crate::api::routes::{doc, Routes};
use crate::auth::{hash_key, Account, Auth, ACCOUNT_COLUMNS};
use crate::body::JsonBody;
use crate::db::{new_id, now, random_token, Db};
use crate::error::{ApiError, ApiResult, Errors};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use passworks_wire as wire;
use serde_json::Value;

/// Routes of this module.
pub fn router() -> Routes {
    let update_doc = |summary: &str| {
        doc(summary)
            .ok::<wire::Account>()
            .body::<wire::AccountInput>("account")
            .errors(&[422])
    };
    Routes::new("Account")
        .get(
            "/account",
            show,
            doc("The signed-in organization (extension)").ok::<wire::Account>(),
        )
        .patch(
            "/account",
            update,
            update_doc("Change the name or webhook URL (extension)"),
        )
        .put("/account", update, update_doc("Alias of PATCH /account"))
        .post(
            "/account/rotate_webhook_token",
            rotate_webhook_token,
            doc("New webhook token (extension)").ok::<wire::WebhookToken>(),
        )
}

/// Credentials of a newly created account; the key is shown once and stored only hashed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewAccount {
    pub id: String,
    pub name: String,
    pub api_username: String,
    pub api_key: String,
}

/// Creates an account (or, with `parent_id`, a child organization).
pub async fn create_account(
    db: &Db,
    name: &str,
    parent_id: Option<&str>,
    can_manage_organizations: bool,
) -> Result<NewAccount, sqlx::Error> {
    let id = new_id();
    let api_username = format!("pw_{}", hex::encode(rand::random::<[u8; 10]>()));
    let api_key = random_token(24);
    let ts = now();
    sqlx::query(
        "INSERT INTO accounts (id, parent_id, name, api_username, api_key_hash, \
         can_manage_organizations, webhook_token, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(parent_id)
    .bind(name)
    .bind(&api_username)
    .bind(hash_key(&api_key))
    .bind(can_manage_organizations as i64)
    .bind(random_token(24))
    .bind(&ts)
    .execute(&db.pool)
    .await?;
    Ok(NewAccount {
        id,
        name: name.to_string(),
        api_username,
        api_key,
    })
}

/// Loads an account by id.
pub async fn load_account(db: &Db, id: &str) -> Result<Option<Account>, sqlx::Error> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&db.pool).await?;
    row.as_ref().map(crate::auth::account_from_row).transpose()
}

/// The wire shape of an account.
pub fn to_wire(a: &Account) -> wire::Account {
    wire::Account {
        id: a.id.clone(),
        name: a.name.clone(),
        api_username: a.api_username.clone(),
        can_manage_organizations: a.can_manage_organizations,
        webhook_url: a.webhook_url.clone(),
        created_at: a.created_at.clone(),
    }
}

async fn show(Auth(account): Auth) -> Json<wire::Account> {
    Json(to_wire(&account))
}

/// Checks a webhook URL: absolute http(s) with a host that is not a loopback, private or
/// link-local address (unless the operator allows those). Names are resolved again, and
/// checked again, at every delivery.
pub fn validate_webhook_url(url: &str, allow_private: bool, errors: &mut Errors) {
    let parsed = reqwest::Url::parse(url);
    let Ok(parsed) = parsed.as_ref() else {
        errors.add("webhook_url", "must be an absolute http or https URL");
        return;
    };
    if !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none()
        || url.len() > 2048
    {
        errors.add("webhook_url", "must be an absolute http or https URL");
        return;
    }
    if allow_private {
        return;
    }
    let private = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => crate::webhooks::is_private(ip.into()),
        Some(url::Host::Ipv6(ip)) => crate::webhooks::is_private(ip.into()),
        Some(url::Host::Domain(d)) => {
            let d = d.to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost") || d.ends_with(".local")
        }
        None => true,
    };
    if private {
        errors.add(
            "webhook_url",
            "must not point at a loopback, private or link-local address",
        );
    }
}

async fn update(
    State(state): State<AppState>,
    Auth(account): Auth,
    body: JsonBody,
) -> ApiResult<Json<wire::Account>> {
    let input = body.root("account")?;
    let mut errors = Errors::default();
    let mut name = account.name.clone();
    let mut webhook_url = account.webhook_url.clone();
    if let Some(v) = input.get("name") {
        match v.as_str().map(str::trim) {
            Some(n) if !n.is_empty() && n.chars().count() <= 255 => name = n.to_string(),
            Some(n) if !n.is_empty() => {
                errors.add("name", "is too long (maximum is 255 characters)")
            }
            _ => errors.add("name", "can't be blank"),
        }
    }
    if let Some(v) = input.get("webhook_url") {
        match v {
            Value::Null => webhook_url = None,
            Value::String(s) if s.trim().is_empty() => webhook_url = None,
            Value::String(s) => {
                validate_webhook_url(s.trim(), state.settings.allow_private_webhooks, &mut errors);
                webhook_url = Some(s.trim().to_string());
            }
            _ => errors.add("webhook_url", "must be a string or null"),
        }
    }
    errors.check()?;
    sqlx::query("UPDATE accounts SET name = $1, webhook_url = $2, updated_at = $3 WHERE id = $4")
        .bind(&name)
        .bind(&webhook_url)
        .bind(now())
        .bind(&account.id)
        .execute(&state.db.pool)
        .await?;
    let updated = load_account(&state.db, &account.id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    Ok(Json(to_wire(&updated)))
}

async fn rotate_webhook_token(
    State(state): State<AppState>,
    Auth(account): Auth,
) -> ApiResult<Json<wire::WebhookToken>> {
    let token = random_token(24);
    sqlx::query("UPDATE accounts SET webhook_token = $1, updated_at = $2 WHERE id = $3")
        .bind(&token)
        .bind(now())
        .bind(&account.id)
        .execute(&state.db.pool)
        .await?;
    Ok(Json(wire::WebhookToken {
        webhook_token: token,
    }))
}
