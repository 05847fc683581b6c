//! Signing in and sessions (issue 16): `POST /v2/sessions` (e-mail and password, slowed
//! per e-mail address and per IP), `POST /v2/invitations/accept` (set a password from an
//! invitation link), `GET /v2/me` (the caller, role and permissions), changing one's
//! password, the caller's sessions and signing out.

use crate::api::account;
use crate::auth::{
    hash_key, hash_password, new_session_token, verify_password, Access, ActorKind, Principal,
};
use crate::body::JsonBody;
use crate::db::format_time;
use crate::error::{ApiError, ApiResult};
use crate::guard::AuditNote;
use crate::list::{ListParams, Paged};
use crate::model::rate_limits::count_request;
use crate::model::sessions::{self, NewSession, SessionRecord};
use crate::model::{accounts, parse_id, users};
use crate::routes::{doc, Routes};
use crate::state::AppState;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use passworks_wire::{self as wire, Permission};
use serde_json::Value;
use std::net::SocketAddr;

/// Longest password accepted (Argon2 reads all of it).
pub const MAX_PASSWORD: usize = 256;
/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 10;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::new("Teams")
        .get(
            "/me",
            me,
            doc("The caller: organization, person or key, role and permissions")
                .ok::<wire::Me>()
                .access(Access::SignedIn),
        )
        .post(
            "/sessions",
            sign_in,
            doc("Sign in with e-mail and password: a bearer token (401 when they do not match)")
                .created::<wire::SessionToken>()
                .flat_body::<wire::SignInInput>()
                .requires(&["email", "password"])
                .errors(&[422])
                .public(),
        )
        .post(
            "/invitations/accept",
            accept_invitation,
            doc("Accept an invitation: set the password, get a bearer token")
                .created::<wire::SessionToken>()
                .flat_body::<wire::InvitationAccept>()
                .requires(&["token", "password"])
                .errors(&[404, 422])
                .public(),
        )
        .get(
            "/sessions",
            list,
            doc("Sessions: the caller's own; every person's with the people permission")
                .list::<wire::Session>(sessions::LIST_COLUMNS)
                .access(Access::SignedIn),
        )
        .delete(
            "/sessions/{session_id}",
            revoke,
            doc("End a session (one's own; anyone's with the people permission)")
                .ok::<wire::DeleteOk>()
                .access(Access::SignedIn),
        )
        .post(
            "/me/password",
            change_password,
            doc("Change one's own password (the other sessions end)")
                .ok::<wire::DeleteOk>()
                .flat_body::<wire::PasswordChange>()
                .requires(&["current_password", "password"])
                .errors(&[412, 422])
                .access(Access::SignedIn),
        )
        .delete(
            "/session",
            sign_out,
            doc("Sign out: end the session the request was made with")
                .ok::<wire::DeleteOk>()
                .errors(&[412])
                .access(Access::SignedIn),
        )
}

/// The wire shape of the caller.
pub fn me_of(p: &Principal) -> wire::Me {
    wire::Me {
        account: account::to_wire(&p.account),
        actor: wire::Actor {
            kind: p.kind.as_str().into(),
            id: p.actor_id.clone(),
            label: p.actor_label.clone(),
        },
        role: p.role,
        scope: p.scope,
        permissions: p.permissions.to_vec(),
        session_id: p.session_id.clone(),
        campaign_ids: p.campaigns.clone(),
    }
}

/// The wire shape of a session.
pub fn session_to_wire(s: &SessionRecord, current: Option<&str>) -> wire::Session {
    wire::Session {
        id: s.id.clone(),
        user_id: s.user_id.clone(),
        user_email: s.user_email.clone(),
        via: s.via.clone(),
        ip: s.ip.clone(),
        user_agent: s.user_agent.clone(),
        current: current == Some(s.id.as_str()),
        created_at: s.created_at.clone(),
        last_used_at: s.last_used_at.clone(),
        expires_at: s.expires_at.clone(),
        external_user_id: s.external_user_id.clone(),
        label: s.actor_label.clone(),
        campaign_ids: s.campaign_ids.clone(),
        minted_by: s.minted_by.clone(),
        minted_by_name: s.minted_by_name.clone(),
        external_user_label: s.external_user_label.clone(),
    }
}

async fn me(principal: Principal) -> Json<wire::Me> {
    Json(me_of(&principal))
}

/// A string attribute of a flat body (422 when it is not a string).
fn string_attr(body: &Value, name: &str) -> ApiResult<Option<String>> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid(name, "must be a string")),
    }
}

/// Checks a new password: 10 to 256 characters.
pub fn check_password(password: &str) -> ApiResult<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        return Err(ApiError::invalid(
            "password",
            format!("is too short (minimum is {MIN_PASSWORD} characters)"),
        ));
    }
    if n > MAX_PASSWORD {
        return Err(ApiError::invalid(
            "password",
            format!("is too long (maximum is {MAX_PASSWORD} characters)"),
        ));
    }
    Ok(())
}

/// Makes a session for a person and answers 201 with its token, naming the person as
/// the actor of the audit event.
async fn open_session(
    state: &AppState,
    user: &users::UserRecord,
    via: &str,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let account = accounts::load(&state.db, &user.account_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if account.locked_at.is_some() {
        return Err(ApiError::Forbidden("This organization is locked".into()));
    }
    let (token, token_hash) = new_session_token();
    let expires_at =
        format_time(chrono::Utc::now() + chrono::Duration::hours(state.settings.session_hours));
    let ip = peer.ip().to_string();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let id = sessions::create(
        &state.db,
        &NewSession {
            account_id: &user.account_id,
            user_id: Some(&user.id),
            role: None,
            via,
            token_hash: &token_hash,
            ip: Some(&ip),
            user_agent,
            expires_at: &expires_at,
        },
    )
    .await?;
    let record = sessions::load(&state.db, &user.account_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("session"))?;
    let principal = Principal {
        account,
        kind: ActorKind::User,
        actor_id: user.id.clone(),
        actor_label: user.email.clone(),
        role: Some(user.role),
        scope: None,
        permissions: user.role.permissions(),
        session_id: Some(id.clone()),
        user_id: Some(user.id.clone()),
        campaigns: None,
    };
    let body = wire::SessionToken {
        token,
        session: session_to_wire(&record, Some(&id)),
        me: me_of(&principal),
    };
    let mut resp = (StatusCode::CREATED, Json(body)).into_response();
    resp.extensions_mut().insert(AuditNote {
        principal,
        resource_id: Some(id),
    });
    Ok(resp)
}

async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: JsonBody,
) -> ApiResult<Response> {
    let email = string_attr(&body.0, "email")?.unwrap_or_default();
    let password = string_attr(&body.0, "password")?.unwrap_or_default();
    let email = email.trim().to_lowercase();
    if email.is_empty() {
        return Err(ApiError::invalid("email", "can't be blank"));
    }
    if password.is_empty() {
        return Err(ApiError::invalid("password", "can't be blank"));
    }
    if password.chars().count() > MAX_PASSWORD || email.len() > 320 {
        return Err(ApiError::Unauthorized);
    }
    // Brute-force brakes: attempts per e-mail address and per IP, counted in the shared
    // rate-limit table (so they hold across server processes), before any hashing.
    let (per_account, reset) =
        count_request(&state.db, &format!("sign_in:email:{}", hash_key(&email))).await?;
    let (per_ip, reset_ip) = count_request(&state.db, &format!("sign_in:ip:{}", peer.ip())).await?;
    if per_account > state.settings.sign_in_limit_per_account
        || per_ip > state.settings.sign_in_limit_per_ip
    {
        let retry_after = (reset.max(reset_ip) - chrono::Utc::now().timestamp()).max(1);
        return Err(ApiError::RateLimited { retry_after });
    }
    let found = users::find_for_sign_in(&state.db, &email).await?;
    let (user, stored) = match found {
        Some((u, h)) => (Some(u), h),
        None => (None, None),
    };
    if !verify_password(password, stored).await {
        return Err(ApiError::Unauthorized);
    }
    let Some(user) = user else {
        return Err(ApiError::Unauthorized);
    };
    users::touch_sign_in(&state.db, &user.id).await?;
    open_session(&state, &user, "password", peer, &headers).await
}

async fn accept_invitation(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: JsonBody,
) -> ApiResult<Response> {
    let token = string_attr(&body.0, "token")?.unwrap_or_default();
    let password = string_attr(&body.0, "password")?.unwrap_or_default();
    let name = string_attr(&body.0, "name")?.map(|n| n.trim().to_string());
    if token.trim().is_empty() {
        return Err(ApiError::invalid("token", "can't be blank"));
    }
    check_password(&password)?;
    if name.as_ref().is_some_and(|n| n.chars().count() > 255) {
        return Err(ApiError::invalid(
            "name",
            "is too long (maximum is 255 characters)",
        ));
    }
    // Invitation tokens are guessed no faster than passwords.
    let (per_ip, reset) = count_request(&state.db, &format!("sign_in:ip:{}", peer.ip())).await?;
    if per_ip > state.settings.sign_in_limit_per_ip {
        let retry_after = (reset - chrono::Utc::now().timestamp()).max(1);
        return Err(ApiError::RateLimited { retry_after });
    }
    let token_hash = hash_key(token.trim());
    let user = users::find_by_invitation(&state.db, &token_hash)
        .await?
        .ok_or_else(|| ApiError::not_found("invitation"))?;
    let password_hash = hash_password(password).await?;
    let mut tx = state.db.begin().await?;
    let accepted = users::accept_invitation(
        &mut tx,
        &user.id,
        &token_hash,
        &password_hash,
        name.as_deref().filter(|n| !n.is_empty()),
    )
    .await?;
    if !accepted {
        return Err(ApiError::not_found("invitation"));
    }
    tx.commit().await?;
    let user = users::load(&state.db, &user.account_id, &user.id)
        .await?
        .ok_or_else(|| ApiError::not_found("invitation"))?;
    open_session(&state, &user, "invitation", peer, &headers).await
}

async fn list(
    State(state): State<AppState>,
    principal: Principal,
    params: ListParams,
) -> ApiResult<Paged<wire::Session>> {
    let only = if principal.can(Permission::People) {
        None
    } else {
        // Keys and the API username have no sessions of their own.
        Some(principal.user_id.clone().unwrap_or_default())
    };
    let current = principal.session_id.clone();
    Ok(
        sessions::list(&state.db, &principal.account.id, only.as_deref(), &params)
            .await?
            .map(move |s| session_to_wire(&s, current.as_deref())),
    )
}

async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::DeleteOk>> {
    let id = parse_id(&raw, "session")?;
    let session = sessions::load(&state.db, &principal.account.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("session"))?;
    let own = session.user_id.is_some() && session.user_id == principal.user_id;
    if !own && !principal.can(Permission::People) {
        return Err(ApiError::not_found("session"));
    }
    sessions::delete(&state.db, &principal.account.id, &id).await?;
    Ok(Json(wire::DeleteOk::default()))
}

async fn sign_out(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<wire::DeleteOk>> {
    let Some(id) = principal.session_id.as_deref() else {
        return Err(ApiError::precondition(
            "base",
            "Signing out ends a session; this request was not made with one",
        ));
    };
    sessions::delete(&state.db, &principal.account.id, id).await?;
    Ok(Json(wire::DeleteOk::default()))
}

async fn change_password(
    State(state): State<AppState>,
    principal: Principal,
    body: JsonBody,
) -> ApiResult<Json<wire::DeleteOk>> {
    let (Some(user_id), Some(session_id)) = (&principal.user_id, &principal.session_id) else {
        return Err(ApiError::precondition(
            "base",
            "Only a person signed in with a session has a password",
        ));
    };
    let current = string_attr(&body.0, "current_password")?.unwrap_or_default();
    let password = string_attr(&body.0, "password")?.unwrap_or_default();
    check_password(&password)?;
    let stored = users::password_hash(&state.db, user_id).await?;
    if current.chars().count() > MAX_PASSWORD || !verify_password(current, stored).await {
        return Err(ApiError::invalid(
            "current_password",
            "is not your password",
        ));
    }
    let hash = hash_password(password).await?;
    users::change_password(&state.db, user_id, &hash, session_id).await?;
    Ok(Json(wire::DeleteOk::default()))
}
