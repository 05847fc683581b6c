//! Single sign-on with OpenID Connect (issue 16), when the operator configured a
//! provider: `GET /v2/sso` (offered or not), `POST /v2/sso/start` (the provider's
//! authorization URL; the attempt's PKCE verifier and nonce are kept under the hash of
//! its state) and `GET /v2/sso/callback` (the provider's redirect: the code is
//! exchanged, the ID token checked, the person — invited beforehand, found by e-mail —
//! gets the role the claim maps to and a session, and a small page sends the browser on
//! to the console's sign-in page with the token in the fragment).

use crate::auth::{hash_key, new_session_token, ActorKind, Principal};
use crate::db::{format_time, random_token};
use crate::error::{ApiError, ApiResult};
use crate::model::rate_limits::count_request;
use crate::model::sessions::{self, NewSession};
use crate::model::{accounts, audit, sso, users};
use crate::routes::{doc, ParamKind, QueryParam, Routes};
use crate::sso::{authorization_url, client, discover, exchange};
use crate::state::AppState;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use passworks_wire as wire;
use serde_json::json;
use std::collections::HashMap;
use std::net::SocketAddr;

/// Routes of this module.
pub fn router() -> Routes {
    const CALLBACK_QUERY: &[QueryParam] = &[
        QueryParam {
            name: "code",
            kind: ParamKind::String,
            description: "The provider's authorization code.",
        },
        QueryParam {
            name: "state",
            kind: ParamKind::String,
            description: "The state of the attempt.",
        },
        QueryParam {
            name: "error",
            kind: ParamKind::String,
            description: "The provider's error, when it refused.",
        },
    ];
    Routes::new("Teams")
        .get(
            "/sso",
            config,
            doc("Whether single sign-on is offered").ok::<wire::SsoConfig>().public(),
        )
        .post(
            "/sso/start",
            start,
            doc("Start signing in with the provider: its authorization URL")
                .ok::<wire::SsoStart>()
                .errors(&[412])
                .public(),
        )
        .get(
            "/sso/callback",
            callback,
            doc("The provider's redirect: a page sending the browser on to the console's sign-in page, with a session token (or the error) in the fragment")
                .binary("text/html")
                .query(CALLBACK_QUERY)
                .public(),
        )
}

/// The redirect URI registered with the provider.
fn redirect_uri(state: &AppState) -> String {
    state.url("/v2/sso/callback")
}

async fn config(State(state): State<AppState>) -> Json<wire::SsoConfig> {
    let oidc = state.settings.oidc.as_ref();
    Json(wire::SsoConfig {
        enabled: oidc.is_some(),
        name: oidc.map(|o| o.name.clone()),
    })
}

async fn start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> ApiResult<Json<wire::SsoStart>> {
    let Some(oidc) = state.settings.oidc.as_ref() else {
        return Err(ApiError::precondition(
            "base",
            "Single sign-on is not configured on this server",
        ));
    };
    let (count, reset) = count_request(&state.db, &format!("sign_in:ip:{}", peer.ip())).await?;
    if count > state.settings.sign_in_limit_per_ip {
        let retry_after = (reset - chrono::Utc::now().timestamp()).max(1);
        return Err(ApiError::RateLimited { retry_after });
    }
    let provider = discover(&client(), oidc).await.map_err(bad_gateway)?;
    let sso_state = random_token(24);
    let nonce = random_token(24);
    let verifier = random_token(32);
    sso::create(&state.db, &hash_key(&sso_state), &verifier, &nonce).await?;
    let url = authorization_url(
        &provider,
        oidc,
        &redirect_uri(&state),
        &sso_state,
        &nonce,
        &verifier,
    )
    .map_err(bad_gateway)?;
    Ok(Json(wire::SsoStart {
        authorization_url: url,
    }))
}

/// The provider misbehaved: a 412 saying how.
fn bad_gateway(e: anyhow::Error) -> ApiError {
    tracing::warn!(error = %e, "single sign-on: the provider failed");
    ApiError::precondition("base", format!("The sign-on provider failed: {e}"))
}

/// A page that sends the browser on to the console's sign-in page with `fragment`
/// (a `meta` refresh, and a link). A page rather than a 303: the token then appears in
/// no `Location` header, and the answer is the same for every client.
fn to_console(state: &AppState, fragment: &str) -> Response {
    let target = state.url(&format!("/sign-in#{fragment}"));
    let escaped = target
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"0; url={escaped}\">\
         <title>Signing in</title></head><body>\
         <p><a id=\"continue\" href=\"{escaped}\">Continue to the console</a></p>\
         </body></html>"
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        html,
    )
        .into_response()
}

/// On to the console's sign-in page, saying why signing on failed.
fn refuse(state: &AppState, message: &str) -> Response {
    let encoded: String = url::form_urlencoded::byte_serialize(message.as_bytes()).collect();
    to_console(state, &format!("sso_error={encoded}"))
}

async fn callback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match finish(&state, peer, &headers, &query).await {
        Ok(token) => to_console(&state, &format!("sso={token}")),
        Err(message) => refuse(&state, &message),
    }
}

/// Checks the provider's answer and opens a session; `Err` is what the person reads.
// Long because it is one sign-on, step by step (attempt, exchange, claims, person, role,
// session, audit event), each failure turned into the message the person reads.
async fn finish(
    state: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Result<String, String> {
    let Some(oidc) = state.settings.oidc.as_ref() else {
        return Err("Single sign-on is not configured on this server.".into());
    };
    if let Some(error) = query.get("error") {
        return Err(format!("The sign-on provider refused: {error}"));
    }
    let (Some(code), Some(sso_state)) = (query.get("code"), query.get("state")) else {
        return Err("The sign-on provider's answer lacks its code or state.".into());
    };
    let internal = |e: sqlx::Error| {
        tracing::error!(error = %e, "single sign-on");
        "Signing on failed on this server; try again.".to_string()
    };
    let (verifier, nonce) = sso::take(&state.db, &hash_key(sso_state))
        .await
        .map_err(internal)?
        .ok_or("This sign-on attempt is unknown, used or expired; start again.")?;
    let http = client();
    let claims = async {
        let provider = discover(&http, oidc).await?;
        exchange(
            &http,
            &provider,
            oidc,
            &redirect_uri(state),
            code,
            &verifier,
            &nonce,
        )
        .await
    }
    .await
    .map_err(|e| {
        tracing::warn!(error = %e, "single sign-on refused");
        format!("Signing on failed: {e}")
    })?;
    if claims.get("email_verified").and_then(|v| v.as_bool()) == Some(false) {
        return Err("The provider has not verified this e-mail address.".into());
    }
    let email = claims
        .get("email")
        .and_then(|v| v.as_str())
        .map(|e| e.trim().to_lowercase())
        .ok_or("The provider did not tell the e-mail address.")?;
    let (user, _) = users::find_for_sign_in(&state.db, &email)
        .await
        .map_err(internal)?
        .ok_or_else(|| {
            format!("{email} has not been invited to an organization here; ask an owner to invite this address.")
        })?;
    let account = accounts::load(&state.db, &user.account_id)
        .await
        .map_err(internal)?
        .ok_or("The organization no longer exists.")?;
    if account.locked_at.is_some() {
        return Err("This organization is locked.".into());
    }
    // The claim, when it maps to a role, is the person's role from now on.
    let role = oidc.role_of(&claims).unwrap_or(user.role);
    if role != user.role {
        users::update(&state.db, &user.account_id, &user.id, &user.name, role)
            .await
            .map_err(internal)?;
    }
    users::touch_sign_in(&state.db, &user.id)
        .await
        .map_err(internal)?;
    let (token, token_hash) = new_session_token();
    let expires_at =
        format_time(chrono::Utc::now() + chrono::Duration::hours(state.settings.session_hours));
    let ip = peer.ip().to_string();
    let session_id = sessions::create(
        &state.db,
        &NewSession {
            account_id: &user.account_id,
            user_id: Some(&user.id),
            role: None,
            via: "sso",
            token_hash: &token_hash,
            ip: Some(&ip),
            user_agent: headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok()),
            expires_at: &expires_at,
        },
    )
    .await
    .map_err(internal)?;
    // A GET is not audited by the route guard: this one changes something.
    let actor = Principal {
        account,
        kind: ActorKind::User,
        actor_id: user.id.clone(),
        actor_label: user.email.clone(),
        role: Some(role),
        scope: None,
        permissions: role.permissions(),
        session_id: Some(session_id.clone()),
        user_id: Some(user.id.clone()),
        campaigns: None,
    };
    let attributes = json!({"via": "sso", "role": role.as_str()});
    let event = audit::NewEvent {
        account_id: &actor.account.id,
        actor_type: actor.kind.as_str(),
        actor_id: Some(&actor.actor_id),
        actor_label: &actor.actor_label,
        action: "sign_in",
        resource: "session",
        resource_id: Some(&session_id),
        summary: "Sign in with single sign-on",
        method: "GET",
        path: "/v2/sso/callback",
        attributes: &attributes,
        ip: Some(&ip),
        status: 303,
    };
    audit::record(&state.db, &event).await.map_err(internal)?;
    Ok(token)
}
