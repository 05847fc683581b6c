//! Authentication (HTTP Basic with API username and key) and rate limiting (§2, §3).
//!
//! A middleware on the `/v2` router resolves the credentials once, counts the request in
//! the shared `rate_limits` table (so the limit holds across server processes on one
//! database), adds the three `X-RateLimit-*` headers to every response and stores the
//! signed-in account in the request extensions. Handlers take [`Auth`] as an extractor.
//!
//! Routes under a campaign take [`CampaignScope`] (or [`PassScope`] under a pass): it
//! loads and authorises the campaign once per request and is the one place where an API
//! call scoped to a campaign is counted (`api_calls_count`, §15).

pub use crate::model::accounts::Account;

use crate::error::ApiError;
use crate::model::accounts::authenticate;
use crate::model::campaigns::CampaignRecord;
use crate::model::counters::{self, Counter};
use crate::model::passes::PassRecord;
use crate::model::rate_limits::count_request;
use crate::model::{campaigns, parse_id, passes};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use passworks_wire::CampaignType;
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
        counters::bump_today(&state.db, &campaign.id, Counter::ApiCalls).await?;
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
    let account = match basic_credentials(req.headers()) {
        Some((user, key)) => match authenticate(&state.db, &user, &key).await {
            Ok(a) => a,
            Err(e) => return ApiError::from(e).into_response(),
        },
        None => None,
    };
    let (bucket, limit) = match &account {
        Some(a) => (
            format!("account:{}", a.api_username),
            state.settings.rate_limit_authenticated,
        ),
        None => (
            format!("ip:{}", peer.ip()),
            state.settings.rate_limit_anonymous,
        ),
    };
    let (count, reset) = match count_request(&state.db, &bucket).await {
        Ok(v) => v,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut resp = if count > limit {
        let retry_after = (reset - chrono::Utc::now().timestamp()).max(1);
        ApiError::RateLimited { retry_after }.into_response()
    } else {
        if let Some(a) = account {
            req.extensions_mut().insert(a);
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
