//! The signed-in account (`GET`/`PATCH /v2/account`, an extension of the contract).
//! Account creation (CLI, first start, organizations) is [`accounts::create_account`].

use crate::auth::{Account, Auth};
use crate::body::JsonBody;
use crate::db::random_token;
use crate::error::{ApiError, ApiResult, Errors};
use crate::model::accounts;
use crate::routes::{doc, Routes};
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
            // A trailing dot names the same host (`localhost.` is `localhost`).
            let d = d.to_ascii_lowercase();
            let d = d.trim_end_matches('.');
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
    principal: crate::auth::Principal,
    body: JsonBody,
) -> ApiResult<Json<wire::Account>> {
    let input = body.root("account")?;
    // The route needs `design` (webhooks); renaming the organization needs `settings`.
    let renames = input
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| n.trim() != account.name);
    if renames {
        principal.require(passworks_wire::Permission::Settings)?;
    }
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
    accounts::update_settings(&state.db, &account.id, &name, webhook_url.as_deref()).await?;
    let updated = accounts::load(&state.db, &account.id)
        .await?
        .ok_or_else(|| ApiError::not_found("account"))?;
    Ok(Json(to_wire(&updated)))
}

async fn rotate_webhook_token(
    State(state): State<AppState>,
    Auth(account): Auth,
) -> ApiResult<Json<wire::WebhookToken>> {
    let token = random_token(24);
    accounts::set_webhook_token(&state.db, &account.id, &token).await?;
    Ok(Json(wire::WebhookToken {
        webhook_token: token,
    }))
}
