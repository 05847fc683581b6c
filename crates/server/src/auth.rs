//! Authentication and rate limiting (§2, §3), and who may do what (issue 16).
//!
//! A middleware on the `/v2` router resolves the credentials once — the organization's
//! API username and key (HTTP Basic, acting as owner), a scoped API key (Bearer, or Basic
//! with the key's prefix), or a person's console session (Bearer) — into a
//! [`Principal`], counts the request in the shared `rate_limits` table (so the limit
//! holds across server processes on one database), adds the three `X-RateLimit-*`
//! headers to every response and stores the principal and its account in the request
//! extensions. Handlers take [`Auth`] (the account) or [`Principal`] as extractors.
//!
//! Every route's [`Access`] (what it requires) is checked before its handler runs by the
//! route guard (`guard.rs`), which the route table puts on every route.
//!
//! Routes under a campaign take [`CampaignScope`] (or [`PassScope`] under a pass): it
//! loads and authorises the campaign once per request and is the one place where an API
//! call scoped to a campaign is counted (`api_calls_count`, §15).

pub use crate::model::accounts::Account;

use crate::error::{ApiError, ApiResult};
use crate::model::accounts::authenticate;
use crate::model::campaigns::CampaignRecord;
use crate::model::counters::Counter;
use crate::model::passes::PassRecord;
use crate::model::{api_keys, sessions};
use crate::model::{campaigns, parse_id, passes};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use passworks_wire::{CampaignType, KeyScope, Permission, Role};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;

/// Extractor: the authenticated account, or 401 (403 for a locked organization).
#[derive(Debug, Clone)]
pub struct Auth(pub Account);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Account>() {
            Some(a) if a.locked_at.is_some() => {
                Err(ApiError::Forbidden("This organization is locked".into()))
            }
            Some(a) => Ok(Auth(a.clone())),
            None => Err(ApiError::Unauthorized),
        }
    }
}

/// What kind of credentials a request was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// A person, through a console session.
    User,
    /// A scoped API key.
    ApiKey,
    /// The organization's own API username and key (acts as owner).
    ApiUsername,
    /// A console session an integration minted for one of its users (issue 18).
    ConsoleSession,
}

impl ActorKind {
    /// The wire spelling (`user`, `api_key`, `api_username`).
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::User => "user",
            ActorKind::ApiKey => "api_key",
            ActorKind::ApiUsername => "api_username",
            ActorKind::ConsoleSession => "console_session",
        }
    }
}

/// The caller of a request: the organization, who acts, and what they may do. The auth
/// middleware puts it in the request extensions; the route guard checks it against the
/// route's [`Access`] and the audit log names it.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account: Account,
    pub kind: ActorKind,
    /// The user's or key's id, or the API username.
    pub actor_id: String,
    /// The person's e-mail, the key's name, or the API username.
    pub actor_label: String,
    pub role: Option<Role>,
    pub scope: Option<KeyScope>,
    pub permissions: &'static [Permission],
    /// The session the request was made with.
    pub session_id: Option<String>,
    pub user_id: Option<String>,
    /// The campaigns a minted console session is restricted to (issue 18); `None`: all.
    pub campaigns: Option<Vec<String>>,
}

impl Principal {
    /// Whether the caller may see campaign `id` (always, unless restricted).
    pub fn may_see_campaign(&self, id: &str) -> bool {
        self.campaigns
            .as_ref()
            .is_none_or(|ids| ids.iter().any(|c| c.eq_ignore_ascii_case(id)))
    }

    /// Whether the caller has `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// 403 unless the caller has `permission`.
    pub fn require(&self, permission: Permission) -> ApiResult<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(forbidden(self, permission))
        }
    }

    /// The organization's API username and key: everything an owner may do.
    pub fn api_username(account: Account) -> Principal {
        Principal {
            actor_id: account.api_username.clone(),
            actor_label: account.api_username.clone(),
            account,
            kind: ActorKind::ApiUsername,
            role: Some(Role::Owner),
            scope: None,
            permissions: Role::Owner.permissions(),
            session_id: None,
            user_id: None,
            campaigns: None,
        }
    }

    /// A console session's caller: a person, or an integration's user (a minted session,
    /// named "via <key name> for <external user id>").
    pub fn from_session(s: sessions::Authenticated) -> Principal {
        if s.session.external_user_id.is_some() {
            return Principal {
                kind: ActorKind::ConsoleSession,
                actor_id: s.session.id.clone(),
                actor_label: s
                    .session
                    .actor_label
                    .clone()
                    .unwrap_or_else(|| format!("session {}", s.session.id)),
                role: Some(s.role),
                scope: None,
                permissions: s.role.permissions(),
                campaigns: s.session.campaign_ids.clone(),
                session_id: Some(s.session.id),
                user_id: None,
                account: s.account,
            };
        }
        let label = s
            .session
            .user_email
            .clone()
            .unwrap_or_else(|| format!("session {}", s.session.id));
        Principal {
            account: s.account,
            kind: ActorKind::User,
            actor_id: s
                .session
                .user_id
                .clone()
                .unwrap_or_else(|| s.session.id.clone()),
            actor_label: label,
            role: Some(s.role),
            scope: None,
            permissions: s.role.permissions(),
            session_id: Some(s.session.id),
            user_id: s.session.user_id,
            campaigns: None,
        }
    }
}

/// The 403 for a caller without `permission`, naming what they are and what is needed.
pub fn forbidden(p: &Principal, permission: Permission) -> ApiError {
    let what = match (p.role, p.scope) {
        (_, Some(scope)) => format!("An API key with scope {scope}"),
        (Some(role), None) => format!("The role {role}"),
        (None, None) => "This caller".to_string(),
    };
    ApiError::Forbidden(format!(
        "{what} may not do this (it needs the {permission} permission)"
    ))
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Principal>() {
            Some(p) if p.account.locked_at.is_some() => {
                Err(ApiError::Forbidden("This organization is locked".into()))
            }
            Some(p) => Ok(p.clone()),
            None => Err(ApiError::Unauthorized),
        }
    }
}

/// What a route requires of its caller (each route's entry in the route table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, with or without credentials.
    Public,
    /// Any signed-in caller (their own sessions, `GET /v2/me`).
    SignedIn,
    /// A caller holding this permission.
    Requires(Permission),
    /// An integration: an API key or the organization's API username, not a console
    /// session (minting console sessions, issue 18).
    Integration,
}

impl Access {
    /// How the OpenAPI document and the README name it.
    pub fn describe(self) -> String {
        match self {
            Access::Public => "public".into(),
            Access::SignedIn => "signed_in".into(),
            Access::Integration => "integration".into(),
            Access::Requires(p) => p.as_str().into(),
        }
    }

    /// Whether `principal` (or no caller) passes: `Err` is the 401 or 403 to answer.
    pub fn check(self, principal: Option<&Principal>) -> ApiResult<()> {
        if self == Access::Public {
            return Ok(());
        }
        let Some(p) = principal else {
            return Err(ApiError::Unauthorized);
        };
        if p.account.locked_at.is_some() {
            return Err(ApiError::Forbidden("This organization is locked".into()));
        }
        match self {
            Access::Requires(permission) => p.require(permission),
            Access::Integration => match p.kind {
                ActorKind::ApiKey | ActorKind::ApiUsername => Ok(()),
                _ => Err(ApiError::Forbidden(
                    "Only an API key or the organization's API username may do this, not a \
                     console session"
                        .into(),
                )),
            },
            _ => Ok(()),
        }
    }
}

/// Extractor for routes under `/{type}/{campaign_id}`: the signed-in account and its
/// campaign of the route's type, or 404 (malformed ids included). It counts the request
/// once towards the campaign's `api_calls_count` (§15).
#[derive(Debug, Clone)]
pub struct CampaignScope {
    pub account: Account,
    pub campaign: CampaignRecord,
}

/// The path parameters of a request (an unmatched request has none).
async fn path_params(parts: &mut Parts, state: &AppState) -> HashMap<String, String> {
    Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map(|Path(p)| p)
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for CampaignScope {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Auth(account) = Auth::from_request_parts(parts, state).await?;
        let t = parts
            .extensions
            .get::<CampaignType>()
            .copied()
            .ok_or_else(|| ApiError::not_found("campaign"))?;
        let params = path_params(parts, state).await;
        let raw = params.get("campaign_id").map(String::as_str).unwrap_or("");
        let id = parse_id(raw, "campaign")?;
        let campaign = campaigns::load(&state.db, &account.id, t, &id)
            .await?
            .ok_or_else(|| ApiError::not_found("campaign"))?;
        // A console session restricted to some campaigns does not see the others.
        if parts
            .extensions
            .get::<Principal>()
            .is_some_and(|p| !p.may_see_campaign(&campaign.id))
        {
            return Err(ApiError::not_found("campaign"));
        }
        state
            .tally
            .bump(&state.db, &campaign.id, Counter::ApiCalls)
            .await?;
        Ok(CampaignScope { account, campaign })
    }
}

/// Extractor for routes under `/{type}/{campaign_id}/passes/{pass_id}`: the campaign's
/// scope (counted once, see [`CampaignScope`]) and the pass, 404 unless the pass belongs
/// to that campaign.
#[derive(Debug, Clone)]
pub struct PassScope {
    pub account: Account,
    pub campaign: CampaignRecord,
    pub pass: PassRecord,
}

impl FromRequestParts<AppState> for PassScope {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let CampaignScope { account, campaign } =
            CampaignScope::from_request_parts(parts, state).await?;
        let params = path_params(parts, state).await;
        let raw = params.get("pass_id").map(String::as_str).unwrap_or("");
        let id = parse_id(raw, "pass")?;
        let pass = passes::load_in_campaign(&state.db, &campaign.id, &id)
            .await?
            .ok_or_else(|| ApiError::not_found("pass"))?;
        Ok(PassScope {
            account,
            campaign,
            pass,
        })
    }
}

/// SHA-256 of an API key, hex. Keys carry ≥128 bits of entropy, so a fast hash is enough.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Parses `Authorization: Basic …` into (username, password).
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

/// Middleware: authenticate, rate-limit, add the rate-limit headers.
pub async fn api_middleware(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let scripted = is_scripted(req.headers());
    let principal = match resolve(&state, req.headers()).await {
        Ok(p) => p,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let (bucket, limit) = match &principal {
        Some(p) => (
            format!("account:{}", p.account.api_username),
            state.settings.rate_limit_authenticated,
        ),
        None => (
            format!("ip:{}", peer.ip()),
            state.settings.rate_limit_anonymous,
        ),
    };
    let (count, reset) = match state.tally.count_request(&state.db, &bucket, limit).await {
        Ok(v) => v,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut resp = if count > limit {
        let retry_after = (reset - chrono::Utc::now().timestamp()).max(1);
        ApiError::RateLimited { retry_after }.into_response()
    } else {
        // The route guard writes the audit log with it.
        req.extensions_mut().insert(state.clone());
        if let Some(p) = principal {
            req.extensions_mut().insert(p.account.clone());
            req.extensions_mut().insert(p);
        }
        next.run(req).await
    };
    let unauthorized = resp.status() == StatusCode::UNAUTHORIZED;
    let h = resp.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", limit),
        ("x-ratelimit-remaining", (limit - count).max(0)),
        ("x-ratelimit-reset", reset),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            h.insert(name, v);
        }
    }
    if scripted && unauthorized {
        // Browsers answer a `Basic` challenge with their own login prompt, even for
        // scripted requests; scripts that say so get a challenge browsers ignore.
        h.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(SCRIPTED_CHALLENGE),
        );
    }
    resp
}

/// Who is calling: the organization's API username and key (Basic; acts as owner), a
/// scoped API key (Bearer `pwk_…`, or Basic with the key's prefix as username), or a
/// console session (Bearer `pws_…`). `None` when the credentials match nothing.
async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Option<Principal>, sqlx::Error> {
    if let Some(token) = bearer_token(headers) {
        if let Some(rest) = token.strip_prefix(SESSION_TOKEN_PREFIX) {
            let Some(s) = sessions::authenticate(&state.db, &hash_key(rest)).await? else {
                return Ok(None);
            };
            if stale(&s.session.last_used_at) {
                sessions::touch(&state.db, &s.session.id).await?;
            }
            return Ok(Some(Principal::from_session(s)));
        }
        return match split_key_token(&token) {
            Some((prefix, secret)) => key_principal(state, prefix, secret).await,
            None => Ok(None),
        };
    }
    let Some((user, key)) = basic_credentials(headers) else {
        return Ok(None);
    };
    if user.starts_with(KEY_PREFIX) {
        return key_principal(state, &user, &key).await;
    }
    Ok(authenticate(&state.db, &user, &key)
        .await?
        .map(Principal::api_username))
}

/// The principal of an API key's prefix and secret, stamping its last use.
async fn key_principal(
    state: &AppState,
    prefix: &str,
    secret: &str,
) -> Result<Option<Principal>, sqlx::Error> {
    let Some((key, account)) = api_keys::authenticate(&state.db, prefix, &hash_key(secret)).await?
    else {
        return Ok(None);
    };
    if key.last_used_at.as_deref().is_none_or(stale) {
        api_keys::touch(&state.db, &key.id).await?;
    }
    Ok(Some(Principal {
        account,
        kind: ActorKind::ApiKey,
        actor_id: key.id,
        actor_label: key.name,
        role: None,
        scope: Some(key.scope),
        permissions: key.scope.permissions(),
        session_id: None,
        user_id: None,
        campaigns: None,
    }))
}

/// Whether a last-used time is over a minute old (worth writing again).
fn stale(last_used_at: &str) -> bool {
    let cutoff = crate::db::format_time(chrono::Utc::now() - chrono::Duration::seconds(60));
    last_used_at < cutoff.as_str()
}

/// Session tokens start with this; the rest is 32 random bytes, URL-safe base64.
pub const SESSION_TOKEN_PREFIX: &str = "pws_";
/// API key prefixes start with this, followed by 12 hex digits.
pub const KEY_PREFIX: &str = "pwk_";
const KEY_PREFIX_LEN: usize = 16;

/// A new API key: (prefix, secret, token). The token is `<prefix>_<secret>`.
pub fn new_key() -> (String, String, String) {
    let prefix = format!("{KEY_PREFIX}{}", hex::encode(rand::random::<[u8; 6]>()));
    let secret = crate::db::random_token(24);
    let token = format!("{prefix}_{secret}");
    (prefix, secret, token)
}

/// Splits an API key token into prefix and secret.
fn split_key_token(token: &str) -> Option<(&str, &str)> {
    if !token.starts_with(KEY_PREFIX) || token.len() <= KEY_PREFIX_LEN + 1 {
        return None;
    }
    let (prefix, rest) = token.split_at_checked(KEY_PREFIX_LEN)?;
    Some((prefix, rest.strip_prefix('_')?))
}

/// A new session token: (token, hash to store).
pub fn new_session_token() -> (String, String) {
    let secret = crate::db::random_token(32);
    let hash = hash_key(&secret);
    (format!("{SESSION_TOKEN_PREFIX}{secret}"), hash)
}

/// Parses `Authorization: Bearer …`.
pub fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim().to_string())
}

/// Hashes a password with Argon2id (OWASP's parameters: 19 MiB, 2 passes), on a blocking
/// thread. Passwords are bounded by the caller (at most 256 characters).
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
            .map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("hashing task: {e}")))?
    .map_err(ApiError::Internal)
}

/// Checks a password against a stored Argon2id hash, on a blocking thread. Without a
/// hash (unknown e-mail, or an invitation not accepted yet) the same work is spent on a
/// fixed hash, so the answer time does not tell which addresses exist.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let real = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_string());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        let ok = argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && real
    })
    .await
    .unwrap_or(false)
}

/// An Argon2id hash of a random password nobody knows, for [`verify_password`].
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0JmfmKTi6WWBN3Mbu7j3aWpX0Tl+Vx6F0vZ3rMl4mTI";

/// The challenge sent with a 401 to scripted requests (`X-Requested-With: XMLHttpRequest`,
/// as the console sends): same realm, a scheme name browsers do not prompt for.
pub const SCRIPTED_CHALLENGE: &str = "xBasic realm=\"Passworks API\"";

/// True when the request says it comes from a script (`X-Requested-With: XMLHttpRequest`).
fn is_scripted(headers: &HeaderMap) -> bool {
    headers
        .get("x-requested-with")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("xmlhttprequest"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_parse() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic dXNlcjpwYXNzOndvcmQ="),
        );
        assert_eq!(
            basic_credentials(&h),
            Some(("user".into(), "pass:word".into()))
        );
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        assert_eq!(basic_credentials(&h), None);
    }
}
