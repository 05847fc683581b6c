//! Console sessions minted by an integration (issue 18): a portal's backend, which knows
//! its user, asks `POST /v2/console_sessions` (with an API key or the organization's API
//! username) for a one-time token for one organization — its own or a child — with a role
//! no stronger than its own and optionally a restriction to some campaigns; the console
//! embedded in the portal exchanges the token, once, at `POST /v2/console_sessions/exchange`
//! for an ordinary bearer session (listed and revocable with the others, expiring, named
//! "via <key name> for <external user id>" in the audit log).
//!
//! Tokens travel only in bodies (never in a URL the server sees), are stored hashed, are
//! deleted when exchanged (single use, also when the exchange is refused) and expire after
//! `--console-token-seconds`. An exchange is accepted only from the origin the token was
//! minted for: the request's `Origin` is that origin (the portal serves the console), or
//! it is this server's own origin (the portal frames the console served here) and the
//! console names the framing page's origin, which it learnt from the host's message.

use crate::auth::{hash_key, new_session_token, Access, Principal};
use crate::body::JsonBody;
use crate::db::format_time;
use crate::error::{ApiError, ApiResult, Errors};
use crate::guard::AuditNote;
use crate::model::console_sessions::{self, NewToken};
use crate::model::{organizations, parse_id, sessions};
use crate::routes::{doc, Routes};
use crate::state::AppState;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use passworks_wire::{self as wire, Permission, Role};
use serde_json::Value;
use std::net::SocketAddr;

/// One-time console session tokens start with this.
pub const TOKEN_PREFIX: &str = "pwc_";
/// Most campaigns a session may be restricted to.
pub const MAX_CAMPAIGNS: usize = 100;
/// Shortest session a mint request may ask for, in seconds.
pub const MIN_SESSION_SECONDS: i64 = 1;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::new("Embedding")
        .post(
            "/console_sessions",
            mint,
            doc(
                "Mint a one-time console session token for a portal's user (an organization, \
                 a role no stronger than the caller's, optionally some campaigns)",
            )
            .created::<wire::ConsoleSessionGrant>()
            .body::<wire::ConsoleSessionInput>("console_session")
            .requires(&["role", "external_user_id", "allowed_origin"])
            .errors(&[422])
            .access(Access::Integration),
        )
        .post(
            "/console_sessions/exchange",
            exchange,
            doc(
                "Exchange a one-time console session token for a bearer session (once, from \
                 the origin it was minted for)",
            )
            .created::<wire::SessionToken>()
            .flat_body::<wire::ConsoleSessionExchange>()
            .requires(&["token"])
            .errors(&[422])
            .public(),
        )
}

/// `https://Portal.example.com/` → `https://portal.example.com`; `None` unless it is an
/// origin (http or https scheme, a host, an optional port, nothing else).
pub fn normalize_origin(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))?;
    let ok = !rest.is_empty()
        && rest.len() <= 253
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    ok.then_some(s)
}

/// The origin of this server's public URL (where it serves the console).
fn own_origin(state: &AppState) -> Option<String> {
    let url = &state.settings.public_url;
    let scheme_end = url.find("://")? + 3;
    let end = url[scheme_end..]
        .find('/')
        .map_or(url.len(), |i| scheme_end + i);
    normalize_origin(&url[..end])
}

/// A string attribute (422 when present and not a string).
fn text(attrs: &serde_json::Map<String, Value>, name: &str, errors: &mut Errors) -> Option<String> {
    match attrs.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(_) => {
            errors.add(name, "must be a string");
            None
        }
    }
}

/// The checked mint request.
struct Mint {
    account_id: String,
    role: Role,
    campaign_ids: Option<Vec<String>>,
    external_user_id: String,
    external_user_label: Option<String>,
    allowed_origin: String,
    session_seconds: i64,
}

// Long because it checks every attribute of the request in turn, collecting all the
// messages before answering (the organization, the role cap, the campaigns and the origin
// each need the caller and the database).
async fn read_mint(state: &AppState, p: &Principal, body: &JsonBody) -> ApiResult<Mint> {
    let attrs = body.root("console_session")?;
    let mut errors = Errors::default();
    let role = match text(attrs, "role", &mut errors).as_deref() {
        None | Some("") => {
            errors.add("role", "can't be blank");
            None
        }
        Some(r) => {
            let role = Role::parse(r);
            if role.is_none() {
                errors.add(
                    "role",
                    "is not one of owner, manager, support, scanner, viewer",
                );
            }
            role
        }
    };
    let account_id = match text(attrs, "organization_id", &mut errors) {
        None => p.account.id.clone(),
        Some(raw) => {
            let id = parse_id(&raw, "organization").unwrap_or_default();
            if id == p.account.id {
                id
            } else if !id.is_empty()
                && organizations::load_child(&state.db, &p.account.id, &id)
                    .await?
                    .is_some()
            {
                // Acting in a child organization is managing organizations.
                p.require(Permission::Settings)?;
                id
            } else {
                errors.add(
                    "organization_id",
                    "is neither this organization nor one of its child organizations",
                );
                String::new()
            }
        }
    };
    let external_user_id = text(attrs, "external_user_id", &mut errors).unwrap_or_default();
    if external_user_id.is_empty() {
        errors.add("external_user_id", "can't be blank");
    } else if external_user_id.chars().count() > 255 {
        errors.add(
            "external_user_id",
            "is too long (maximum is 255 characters)",
        );
    }
    let external_user_label =
        text(attrs, "external_user_label", &mut errors).filter(|l| !l.is_empty());
    if external_user_label
        .as_ref()
        .is_some_and(|l| l.chars().count() > 255)
    {
        errors.add(
            "external_user_label",
            "is too long (maximum is 255 characters)",
        );
    }
    let allowed_origin = match text(attrs, "allowed_origin", &mut errors) {
        None => {
            errors.add("allowed_origin", "can't be blank");
            String::new()
        }
        Some(raw) => match normalize_origin(&raw) {
            None => {
                errors.add(
                    "allowed_origin",
                    "is not an origin (https://host or https://host:port, no path)",
                );
                String::new()
            }
            Some(o) => {
                let configured =
                    state.settings.cors_origins.iter().any(|c| {
                        c.trim() == "*" || normalize_origin(c).as_deref() == Some(o.as_str())
                    });
                if !configured {
                    errors.add(
                        "allowed_origin",
                        "is not one of the origins this server allows (--cors-origins)",
                    );
                }
                o
            }
        },
    };
    let max = state.settings.console_session_seconds;
    let session_seconds = match attrs.get("session_seconds") {
        None | Some(Value::Null) => max,
        Some(v) => match v.as_i64() {
            Some(n) if (MIN_SESSION_SECONDS..=max).contains(&n) => n,
            _ => {
                errors.add(
                    "session_seconds",
                    format!("must be a whole number from {MIN_SESSION_SECONDS} to {max}"),
                );
                max
            }
        },
    };
    let campaign_ids = match attrs.get("campaign_ids") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.len() > MAX_CAMPAIGNS => {
            errors.add(
                "campaign_ids",
                format!("has too many campaigns (maximum is {MAX_CAMPAIGNS})"),
            );
            None
        }
        Some(Value::Array(items)) => {
            let mut ids = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match item.as_str().and_then(|s| parse_id(s, "campaign").ok()) {
                    Some(id) => ids.push((i, id)),
                    None => errors.add(format!("campaign_ids[{i}]"), "is not a campaign id"),
                }
            }
            let wanted: Vec<String> = ids.iter().map(|(_, id)| id.clone()).collect();
            let found = if account_id.is_empty() {
                Vec::new()
            } else {
                console_sessions::campaigns_of(&state.db, &account_id, &wanted).await?
            };
            for (i, id) in &ids {
                if !found.contains(id) {
                    errors.add(
                        format!("campaign_ids[{i}]"),
                        "is not a campaign of this organization",
                    );
                }
            }
            let mut wanted = wanted;
            wanted.sort();
            wanted.dedup();
            Some(wanted)
        }
        Some(_) => {
            errors.add("campaign_ids", "must be an array of campaign ids");
            None
        }
    };
    errors.check()?;
    let role = role.unwrap_or(Role::Viewer);
    // The session may not do anything its maker may not.
    if let Some(missing) = role.permissions().iter().find(|perm| !p.can(**perm)) {
        return Err(ApiError::Forbidden(format!(
            "A session with the role {role} would have the {missing} permission, which this \
             caller does not have"
        )));
    }
    Ok(Mint {
        account_id,
        role,
        campaign_ids,
        external_user_id,
        external_user_label,
        allowed_origin,
        session_seconds,
    })
}

async fn mint(
    State(state): State<AppState>,
    principal: Principal,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<wire::ConsoleSessionGrant>)> {
    let m = read_mint(&state, &principal, &body).await?;
    let secret = crate::db::random_token(32);
    let token = format!("{TOKEN_PREFIX}{secret}");
    let expires_at = format_time(
        chrono::Utc::now() + chrono::Duration::seconds(state.settings.console_token_seconds),
    );
    let actor_label = format!("via {} for {}", principal.actor_label, m.external_user_id);
    let record = console_sessions::create(
        &state.db,
        &NewToken {
            token_hash: &hash_key(&secret),
            account_id: &m.account_id,
            role: m.role,
            campaign_ids: m.campaign_ids.as_deref(),
            external_user_id: &m.external_user_id,
            external_user_label: m.external_user_label.as_deref(),
            allowed_origin: &m.allowed_origin,
            actor_label: &actor_label,
            minted_by: &principal.actor_id,
            minted_by_name: &principal.actor_label,
            session_seconds: m.session_seconds,
            expires_at: &expires_at,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(wire::ConsoleSessionGrant {
            id: record.id,
            token,
            expires_at: record.expires_at,
            organization_id: record.account_id,
            role: record.role,
            campaign_ids: record.campaign_ids,
            external_user_id: record.external_user_id,
            external_user_label: record.external_user_label,
            allowed_origin: record.allowed_origin,
            session_seconds: record.session_seconds,
        }),
    ))
}

async fn exchange(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: JsonBody,
) -> ApiResult<Response> {
    let raw = match body.0.get("token") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::String(_)) | Some(Value::Null) | None => {
            return Err(ApiError::invalid("token", "can't be blank"))
        }
        Some(_) => return Err(ApiError::invalid("token", "must be a string")),
    };
    let embedder = match body.0.get("embedder_origin") {
        Some(Value::String(s)) => normalize_origin(s),
        _ => None,
    };
    let unusable = || ApiError::invalid("token", "is unknown, already used or expired");
    let secret = raw.strip_prefix(TOKEN_PREFIX).ok_or_else(unusable)?;
    // Taken (deleted) before anything else is checked: a token is good for one attempt.
    let token = console_sessions::take(&state.db, &hash_key(secret))
        .await?
        .ok_or_else(unusable)?;
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(normalize_origin);
    let from_portal = origin.as_deref() == Some(token.allowed_origin.as_str());
    let framed_here = origin.is_some()
        && origin == own_origin(&state)
        && embedder.as_deref() == Some(token.allowed_origin.as_str());
    if !(from_portal || framed_here) {
        return Err(ApiError::Forbidden(
            "This token was minted for another origin".into(),
        ));
    }
    let (session_token, session_hash) = new_session_token();
    let expires_at =
        format_time(chrono::Utc::now() + chrono::Duration::seconds(token.session_seconds.max(1)));
    let ip = peer.ip().to_string();
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    console_sessions::create_session(
        &state.db,
        &token,
        &session_hash,
        Some(&ip),
        user_agent,
        &expires_at,
    )
    .await?;
    let session = sessions::authenticate(&state.db, &session_hash)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    if session.account.locked_at.is_some() {
        return Err(ApiError::Forbidden("This organization is locked".into()));
    }
    let record = session.session.clone();
    let principal = Principal::from_session(session);
    let body = wire::SessionToken {
        token: session_token,
        session: crate::api::sessions::session_to_wire(&record, Some(&record.id)),
        me: crate::api::sessions::me_of(&principal),
    };
    let mut resp = (StatusCode::CREATED, Json(body)).into_response();
    resp.extensions_mut().insert(AuditNote {
        principal,
        resource_id: Some(record.id),
    });
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::normalize_origin;

    #[test]
    fn origins_are_normalized_or_refused() {
        assert_eq!(
            normalize_origin(" https://Portal.Example.com/ ").as_deref(),
            Some("https://portal.example.com")
        );
        assert_eq!(
            normalize_origin("http://127.0.0.1:8081").as_deref(),
            Some("http://127.0.0.1:8081")
        );
        for bad in [
            "portal.example.com",
            "https://portal.example.com/path",
            "https://a@b.example",
            "ftp://x",
            "https://",
            "null",
        ] {
            assert_eq!(normalize_origin(bad), None, "{bad}");
        }
    }
}
