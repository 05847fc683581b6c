//! The route guard (issue 16): one middleware the route table puts on every `/v2` route.
//! Before the handler it checks the caller against the route's [`Access`] (401 without
//! credentials, 403 without the permission); after a change (any method but GET) that
//! succeeded, it writes the audit event: who (the [`Principal`], or the actor a handler
//! names in an [`AuditNote`], as signing in does), what (resource, action, the attributes
//! sent with their new values, secrets redacted), when and from which IP.
//!
//! The event is written after the handler's transaction committed, not inside it: a
//! crash between the two loses the entry (the change stays). Handlers need no code for
//! it, so every route — also ones added later — is audited the same way.

use crate::auth::{Access, Principal};
use crate::error::ApiError;
use crate::model::audit::{self, NewEvent};
use crate::state::AppState;
use axum::body::Body;
use axum::body::HttpBody as _;
use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri, RawPathParams, Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use passworks_wire::Permission;
use serde_json::{Map, Value};
use std::net::SocketAddr;
use std::sync::Arc;

/// Largest request body the guard reads to record its attributes (as `body.rs` accepts).
const MAX_BODY: usize = 1024 * 1024;
/// Largest response body read for the id of a created resource.
const MAX_RESPONSE: u64 = 1024 * 1024;
/// Attributes longer than this (as JSON) are recorded by name only.
const MAX_ATTRIBUTES: usize = 16 * 1024;

/// What the guard knows about its route.
#[derive(Debug, Clone)]
pub struct RouteGuard {
    pub access: Access,
    pub summary: String,
    /// The resource a change touches and the action (see [`describe_change`]).
    pub resource: String,
    pub action: String,
    /// Whether the route answers 201 with the created resource (its `id` is recorded).
    pub creates: bool,
    /// Whether a console session restricted to some campaigns may call it
    /// ([`open_to_restricted`]).
    pub open_to_restricted: bool,
}

/// Set by a handler on its response to name the actor of a change made without
/// credentials (signing in, accepting an invitation) and the resource it made.
#[derive(Debug, Clone)]
pub struct AuditNote {
    pub principal: Principal,
    pub resource_id: Option<String>,
}

/// The middleware: access check, then the audit event of a successful change.
// Long because the audit event is assembled from the request (actor, IP, path, path
// parameters, body attributes) and the response (status, created id) around one call of
// the handler, and splitting it would hand all those values around.
pub async fn guard(State(route): State<Arc<RouteGuard>>, req: Request, next: Next) -> Response {
    let principal = req.extensions().get::<Principal>().cloned();
    if let Err(e) = route.access.check(principal.as_ref()) {
        return e.into_response();
    }
    if principal.as_ref().is_some_and(|p| p.campaigns.is_some()) && !route.open_to_restricted {
        return ApiError::Forbidden(
            "This session is restricted to some campaigns; it may not use this route".into(),
        )
        .into_response();
    }
    let m = req.method();
    if m == Method::GET || m == Method::HEAD || m == Method::OPTIONS {
        return next.run(req).await;
    }
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let method = req.method().as_str().to_string();
    // The path as the client sent it (the router nests `/v2`).
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().path(), |u| u.0.path())
        .to_string();
    let (mut parts, body) = req.into_parts();
    let params: Vec<(String, String)> = RawPathParams::from_request_parts(&mut parts, &())
        .await
        .map(|p| {
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (req, attributes) =
        if content_type.starts_with("multipart/") || content_type.starts_with("text/csv") {
            // Uploads are recorded by kind, not content (files, certificate passwords).
            let kind = content_type.split(';').next().unwrap_or("").to_string();
            let attributes = serde_json::json!({ "content_type": kind });
            (Request::from_parts(parts, body), attributes)
        } else {
            let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
                Ok(b) => b,
                Err(_) => {
                    return ApiError::TooLarge("Request body is larger than 1 MiB".into())
                        .into_response()
                }
            };
            let attributes = attributes_of(&bytes);
            (Request::from_parts(parts, Body::from(bytes)), attributes)
        };
    let state = req.extensions().get::<AppState>().cloned();
    let resp = next.run(req).await;
    if !resp.status().is_success() {
        return resp;
    }
    let note = resp.extensions().get::<AuditNote>().cloned();
    let Some(actor) = note.as_ref().map(|n| n.principal.clone()).or(principal) else {
        return resp;
    };
    let (resp, created_id) = if route.creates && note.is_none() {
        created_id(resp).await
    } else {
        (resp, None)
    };
    let resource_id = note.and_then(|n| n.resource_id).or(created_id).or_else(|| {
        params
            .iter()
            .rev()
            .find(|(k, _)| k.ends_with("_id"))
            .map(|(_, v)| v.to_ascii_lowercase())
    });
    let Some(state) = state else {
        tracing::error!("route guard without state: audit event not written");
        return resp;
    };
    let event = NewEvent {
        account_id: &actor.account.id,
        actor_type: actor.kind.as_str(),
        actor_id: Some(actor.actor_id.as_str()),
        actor_label: &actor.actor_label,
        action: &route.action,
        resource: &route.resource,
        resource_id: resource_id.as_deref(),
        summary: &route.summary,
        method: &method,
        path: &path,
        attributes: &attributes,
        ip: ip.as_deref(),
        status: i64::from(resp.status().as_u16()),
    };
    if let Err(e) = audit::record(&state.db, &event).await {
        tracing::error!(error = %e, "writing an audit event failed");
    }
    resp
}

/// Reads the `id` of a created resource from a JSON response of known, bounded size,
/// and rebuilds the response.
async fn created_id(resp: Response) -> (Response, Option<String>) {
    let small = resp
        .body()
        .size_hint()
        .exact()
        .is_some_and(|n| n <= MAX_RESPONSE);
    if !small {
        return (resp, None);
    }
    let (parts, body) = resp.into_parts();
    match axum::body::to_bytes(body, MAX_RESPONSE as usize).await {
        Ok(bytes) => {
            let id = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_string));
            (Response::from_parts(parts, Body::from(bytes)), id)
        }
        Err(_) => (
            ApiError::Internal(anyhow::anyhow!("response body could not be read")).into_response(),
            None,
        ),
    }
}

/// The attributes of a JSON body: its object (unwrapped from a single root key such as
/// `{"pass": {…}}`), secrets redacted, by name only when large.
pub fn attributes_of(bytes: &[u8]) -> Value {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Value::Object(Map::new());
    }
    let Ok(mut value) = serde_json::from_slice::<Value>(bytes) else {
        return serde_json::json!({ "_unreadable": true });
    };
    if let Value::Object(m) = &value {
        if m.len() == 1 {
            if let Some(Value::Object(inner)) = m.values().next() {
                value = Value::Object(inner.clone());
            }
        }
    }
    redact(&mut value);
    if value.to_string().len() > MAX_ATTRIBUTES {
        let names: Vec<Value> = match &value {
            Value::Object(m) => m.keys().cloned().map(Value::String).collect(),
            _ => Vec::new(),
        };
        return serde_json::json!({ "_truncated": true, "_attributes": names });
    }
    value
}

/// Whether an attribute's name says it holds a secret.
fn is_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "passphrase",
        "private_key",
        "api_key",
        "p12",
    ]
    .iter()
    .any(|s| n.contains(s))
}

/// Replaces the values of secret attributes, at any depth, with `"[redacted]"`.
fn redact(value: &mut Value) {
    match value {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                if is_secret(k) && !v.is_null() {
                    *v = Value::String("[redacted]".into());
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// What a route requires when its documentation does not say ([`crate::routes::Doc::access`]),
/// from its method and path (relative to `/v2`, campaign types as their path segment):
///
/// - passes (`/{type}/{campaign_id}/passes…`, `/passes`): reading needs `read_passes`,
///   redeeming `redeem`, any other change `write_passes`;
/// - campaigns (`/{type}`, `/{type}/{campaign_id}`): reading needs `read_campaigns`;
///   redeem codes `redeem`; pushing to every pass `write_passes`; registrations and
///   redeems `read_passes`; reports `read`; any other change `design`;
/// - templates, assets, certificates, webhook deliveries: reading `read`, changing `design`;
/// - jobs, the barcode renderer: reading `read` (the barcode: any signed-in caller);
/// - the account: reading any signed-in caller, changing `design` (the webhook settings;
///   the name needs `settings`, checked by the handler); organizations `settings`;
/// - people and API keys `people`; the audit log `audit`; remote forms: reading the
///   fields `read_campaigns`, submitting (a new pass) `write_passes`;
/// - anything else: reading `read`, changing `settings` (owner only until classified).
pub fn default_access(method: &Method, path: &str, public: bool) -> Access {
    use Permission::*;
    if public {
        return Access::Public;
    }
    let read = *method == Method::GET;
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let campaign = segments
        .first()
        .is_some_and(|s| passworks_wire::CampaignType::parse(s).is_some());
    let p = match segments.as_slice() {
        ["passes", ..] => {
            if read {
                ReadPasses
            } else {
                WritePasses
            }
        }
        [_, _, "passes", .., "redeem"] if campaign => Redeem,
        [_, _, "passes", ..] if campaign => {
            if read {
                ReadPasses
            } else {
                WritePasses
            }
        }
        [_] | [_, _] if campaign => {
            if read {
                ReadCampaigns
            } else {
                Design
            }
        }
        [_, _, "redeem", ..] if campaign => Redeem,
        [_, _, "push"] if campaign => WritePasses,
        [_, _, "registrations" | "redeems"] if campaign => ReadPasses,
        [_, _, "reports", ..] if campaign => Read,
        [_, _, ..] if campaign => {
            if read {
                Read
            } else {
                Design
            }
        }
        // Google Wallet issuers are signing identities, like certificates.
        ["templates" | "assets" | "certificates" | "webhook_deliveries", ..]
        | ["google_wallet", "issuers", ..] => {
            if read {
                Read
            } else {
                Design
            }
        }
        ["barcode.png"] => return Access::SignedIn,
        ["account"] if read => return Access::SignedIn,
        ["account", ..] => Design,
        ["organizations", ..] => Settings,
        ["remote_forms", ..] => {
            if read {
                ReadCampaigns
            } else {
                WritePasses
            }
        }
        ["users" | "api_keys", ..] => People,
        ["audit_events", ..] => Audit,
        _ => {
            if read {
                Read
            } else {
                Settings
            }
        }
    };
    Access::Requires(p)
}

/// Whether a console session restricted to some campaigns (issue 18) may call a route
/// (`path` relative to `/v2`, campaign types as their path segment): routes open to any
/// signed-in caller; its campaigns and their passes (`CampaignScope` answers 404 for the
/// others, and the lists leave them out) but not creating campaigns; the account-wide
/// pass search (filtered); reading the jobs of its campaigns (filtered the same way:
/// another campaign's job is left out of the list and answers 404, so a CSV import's
/// progress can be followed); reading templates, assets and certificates and uploading
/// assets (what editing a campaign needs). Everything else spans the organization (the
/// dashboard, webhooks, people, settings…) and answers 403.
pub fn open_to_restricted(method: &Method, path: &str, access: Access) -> bool {
    if matches!(access, Access::Public | Access::SignedIn) {
        return true;
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let read = *method == Method::GET;
    match segments.as_slice() {
        [t] if passworks_wire::CampaignType::parse(t).is_some() => read,
        [t, "{campaign_id}", ..] => passworks_wire::CampaignType::parse(t).is_some(),
        ["passes"] => read,
        ["jobs", ..] => read,
        ["templates" | "certificates", ..] => read,
        ["assets"] => true,
        ["assets", ..] => read,
        _ => false,
    }
}

/// The resource and action of a change on `path` (a route template relative to `/v2`):
/// the resource is the last `{…_id}` parameter's name, or the collection a route posts
/// to (`/{type}/{campaign_id}/passes` → `pass`; a campaign type → `campaign`); the action
/// is `create`/`update`/`delete` by method, or the route's verb (`…/{pass_id}/redeem` →
/// `redeem`, `/account/rotate_webhook_token` → `rotate_webhook_token`).
pub fn describe_change(method: &Method, path: &str) -> (String, String) {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let last_param = segments.iter().rposition(|s| s.starts_with('{'));
    let literals: Vec<&str> = match last_param {
        Some(i) => segments[i + 1..].to_vec(),
        None => segments.clone(),
    };
    let param_resource = last_param.map(|i| {
        segments[i]
            .trim_matches(|c| c == '{' || c == '}')
            .trim_end_matches("_id")
            .to_string()
    });
    let by_method = if method == Method::DELETE {
        "delete"
    } else if method == Method::PATCH || method == Method::PUT {
        "update"
    } else {
        "create"
    };
    let collection = |s: &str| passworks_wire::CampaignType::parse(s).is_some() || s.ends_with('s');
    match literals.as_slice() {
        [] => (
            param_resource.unwrap_or_else(|| "resource".into()),
            by_method.into(),
        ),
        [one] if collection(one) => (singular(one), by_method.into()),
        [one] => match param_resource {
            Some(r) => (r, (*one).into()),
            None => ((*one).into(), by_method.into()),
        },
        [first, .., verb] => {
            let resource = if collection(first) {
                singular(first)
            } else {
                (*first).to_string()
            };
            (resource, (*verb).into())
        }
    }
}

/// `passes` → `pass`, `api_keys` → `api_key`, a campaign type → `campaign`.
fn singular(s: &str) -> String {
    if passworks_wire::CampaignType::parse(s).is_some() {
        return "campaign".into();
    }
    if let Some(stem) = s.strip_suffix("sses") {
        return format!("{stem}ss");
    }
    if let Some(stem) = s.strip_suffix("ies") {
        return format!("{stem}y");
    }
    s.strip_suffix('s').unwrap_or(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_named_by_their_route() {
        let cases = [
            (Method::POST, "/templates", ("template", "create")),
            (
                Method::DELETE,
                "/templates/{template_id}",
                ("template", "delete"),
            ),
            (Method::POST, "/coupons", ("campaign", "create")),
            (
                Method::PATCH,
                "/coupons/{campaign_id}",
                ("campaign", "update"),
            ),
            (
                Method::POST,
                "/coupons/{campaign_id}/pause",
                ("campaign", "pause"),
            ),
            (
                Method::POST,
                "/coupons/{campaign_id}/passes",
                ("pass", "create"),
            ),
            (
                Method::POST,
                "/coupons/{campaign_id}/passes/batch",
                ("pass", "batch"),
            ),
            (
                Method::POST,
                "/coupons/{campaign_id}/passes/{pass_id}/redeem",
                ("pass", "redeem"),
            ),
            (Method::PATCH, "/account", ("account", "update")),
            (
                Method::POST,
                "/account/rotate_webhook_token",
                ("account", "rotate_webhook_token"),
            ),
            (
                Method::POST,
                "/users/{user_id}/invitation",
                ("user", "invitation"),
            ),
            (
                Method::POST,
                "/invitations/accept",
                ("invitation", "accept"),
            ),
            (Method::DELETE, "/session", ("session", "delete")),
            (Method::POST, "/api_keys", ("api_key", "create")),
        ];
        for (method, path, (resource, action)) in cases {
            assert_eq!(
                describe_change(&method, path),
                (resource.to_string(), action.to_string()),
                "{method} {path}"
            );
        }
    }

    #[test]
    fn secrets_are_redacted_and_roots_unwrapped() {
        let v = attributes_of(
            br#"{"user": {"email": "a@b.c", "password": "hunter22", "nested": [{"api_key": "k"}]}}"#,
        );
        assert_eq!(
            v,
            serde_json::json!({"email": "a@b.c", "password": "[redacted]", "nested": [{"api_key": "[redacted]"}]})
        );
        let v = attributes_of(br#"{"comment": "at the door", "webhook_token": null}"#);
        assert_eq!(
            v,
            serde_json::json!({"comment": "at the door", "webhook_token": null})
        );
        let big = format!(r#"{{"a": "{}", "b": 1}}"#, "x".repeat(20_000));
        assert_eq!(
            attributes_of(big.as_bytes()),
            serde_json::json!({"_truncated": true, "_attributes": ["a", "b"]})
        );
    }
}
