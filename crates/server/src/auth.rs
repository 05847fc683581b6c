//! Authentication (HTTP Basic with API username and key) and rate limiting (§2, §3).
//!
//! A middleware on the `/v2` router resolves the credentials once, counts the request in
//! the shared `rate_limits` table (so the limit holds across server processes on one
//! database), adds the three `X-RateLimit-*` headers to every response and stores the
//! signed-in account in the request extensions. Handlers take [`Auth`] as an extractor.

use crate::db::{get_bool, Db};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::net::SocketAddr;
use subtle::ConstantTimeEq;

/// The signed-in account.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub api_username: String,
    pub can_manage_organizations: bool,
    pub webhook_url: Option<String>,
    pub locked_at: Option<String>,
    pub default_certificate_id: Option<String>,
    pub created_at: String,
}

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

/// Columns selected for an [`Account`].
pub const ACCOUNT_COLUMNS: &str = "id, parent_id, name, api_username, api_key_hash, \
    can_manage_organizations, webhook_url, locked_at, default_certificate_id, created_at";

/// Builds an [`Account`] from a row with [`ACCOUNT_COLUMNS`].
pub fn account_from_row(row: &sqlx::any::AnyRow) -> Result<Account, sqlx::Error> {
    Ok(Account {
        id: row.try_get("id")?,
        parent_id: row.try_get("parent_id")?,
        name: row.try_get("name")?,
        api_username: row.try_get("api_username")?,
        can_manage_organizations: get_bool(row, "can_manage_organizations"),
        webhook_url: row.try_get("webhook_url")?,
        locked_at: row.try_get("locked_at")?,
        default_certificate_id: row.try_get("default_certificate_id")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Looks up the account for Basic credentials; `None` when they do not match.
pub async fn authenticate(
    db: &Db,
    username: &str,
    key: &str,
) -> Result<Option<Account>, sqlx::Error> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE api_username = $1");
    let row = sqlx::query(&sql)
        .bind(username)
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else {
        // Spend the same hashing work as a real comparison.
        let _ = hash_key(key);
        return Ok(None);
    };
    let stored: String = row.try_get("api_key_hash")?;
    let given = hash_key(key);
    if bool::from(stored.as_bytes().ct_eq(given.as_bytes())) {
        Ok(Some(account_from_row(&row)?))
    } else {
        Ok(None)
    }
}

/// Counts one request for `bucket` in the current hourly window; returns (count, reset).
pub async fn count_request(db: &Db, bucket: &str) -> Result<(i64, i64), sqlx::Error> {
    let now = chrono::Utc::now().timestamp();
    let window = now - now.rem_euclid(3600);
    let count: i64 = sqlx::query_scalar(
        "INSERT INTO rate_limits (bucket, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limits.count + 1 \
         RETURNING count",
    )
    .bind(bucket)
    .bind(window)
    .fetch_one(&db.pool)
    .await?;
    Ok((count, window + 3600))
}

/// Deletes counters of windows that have ended.
pub async fn prune_rate_limits(db: &Db) -> Result<(), sqlx::Error> {
    let now = chrono::Utc::now().timestamp();
    sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(now - 3600)
        .execute(&db.pool)
        .await?;
    Ok(())
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
