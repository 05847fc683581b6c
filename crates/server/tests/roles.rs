//! Every route × every role (issue 16): for each operation of the route table, each
//! person's role, each finer API key scope, the organization's API username and an
//! anonymous caller, the status says whether the server let the call through (anything
//! but 401/403) or refused it (403; 401 without credentials).
//!
//! What each route requires is written here independently of the server's rules
//! (`guard::default_access`), as the issue states it; a route missing from this table
//! fails the test, so a new route cannot ship without deciding who may call it.

mod common;

use common::people::{join, key, Bearer};
use common::{Backend, Client, Resp, TestServer};
use reqwest::Method;
use serde_json::json;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Public,
    SignedIn,
    /// List and read campaigns.
    ReadCampaigns,
    /// Read passes.
    ReadPasses,
    /// Read templates, assets, certificates, reports, jobs, deliveries.
    Read,
    Redeem,
    WritePasses,
    Design,
    Settings,
    People,
    Audit,
    /// An API key or the API username, not a session (minting console sessions).
    Integration,
}

/// The callers tried on every route.
const CALLERS: &[&str] = &[
    "owner",
    "manager",
    "support",
    "scanner",
    "viewer",
    "key:read_only",
    "key:passes_only",
];

/// Whether `caller` may call a route that needs `need` (the table).
fn allowed(caller: &str, need: Need) -> bool {
    use Need::*;
    match need {
        Public | SignedIn => true,
        ReadCampaigns => true,
        ReadPasses => caller != "scanner",
        Read => matches!(
            caller,
            "owner" | "manager" | "support" | "viewer" | "key:read_only"
        ),
        Redeem => matches!(
            caller,
            "owner" | "manager" | "support" | "scanner" | "key:passes_only"
        ),
        WritePasses => matches!(caller, "owner" | "manager" | "support" | "key:passes_only"),
        Design => matches!(caller, "owner" | "manager"),
        Settings | People | Audit => caller == "owner",
        Integration => caller.starts_with("key:"),
    }
}

/// What each route needs, by method and path (`{type}` stands for each campaign type).
fn need_of(method: &Method, path: &str) -> Option<Need> {
    use Need::*;
    let types = [
        "coupons",
        "store_cards",
        "event_tickets",
        "boarding_passes",
        "generics",
    ];
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.first().is_some_and(|s| types.contains(s)) {
        segments[0] = "{type}";
    }
    let path = format!("/{}", segments.join("/"));
    let get = *method == Method::GET;
    let m = method.as_str();
    Some(match (m, path.as_str()) {
        ("GET", "/ping" | "/openapi.json") => Public,
        ("POST", "/sessions" | "/invitations/accept" | "/sso/start") => Public,
        // Embedding (issue 18): integrations mint, the embedded console exchanges.
        ("POST", "/console_sessions") => Integration,
        ("POST", "/console_sessions/exchange") => Public,
        ("GET", "/sso" | "/sso/callback") => Public,
        ("GET", "/me" | "/sessions" | "/account" | "/barcode.png") => SignedIn,
        ("DELETE", "/session" | "/sessions/{session_id}") => SignedIn,
        ("POST", "/me/password") => SignedIn,
        (_, "/account" | "/account/rotate_webhook_token") => Design,
        (_, p) if p.starts_with("/users") || p.starts_with("/api_keys") => People,
        ("GET", "/audit_events") => Audit,
        (_, p) if p.starts_with("/organizations") => Settings,
        (_, p)
            if p.starts_with("/templates")
                || p.starts_with("/assets")
                || p.starts_with("/certificates") =>
        {
            if get {
                Read
            } else {
                Design
            }
        }
        ("GET", "/jobs" | "/jobs/{job_id}" | "/jobs/{job_id}/errors" | "/webhook_deliveries") => {
            Read
        }
        // The webhook log's test and retry change what the account sends: webhook settings.
        ("POST", "/webhook_deliveries/test" | "/webhook_deliveries/{delivery_id}/retry") => Design,
        // Google Wallet issuers hold signing keys, as certificates do.
        (_, p) if p.starts_with("/google_wallet/issuers") => {
            if get {
                Read
            } else {
                Design
            }
        }
        ("GET", "/dashboard") => Read,
        ("GET", "/{type}/{campaign_id}/changes") => Read,
        ("GET", "/{type}/{campaign_id}/passes/{pass_id}/google_wallet") => ReadPasses,
        // The account-wide pass search (agreed in the helpers' contracts).
        ("GET", "/passes") => ReadPasses,
        ("GET", "/remote_forms/{campaign_id}/fields") => ReadCampaigns,
        ("POST", "/remote_forms/{campaign_id}/submit") => WritePasses,
        ("GET", "/{type}" | "/{type}/{campaign_id}") => ReadCampaigns,
        ("POST", "/{type}") => Design,
        ("PATCH" | "PUT" | "DELETE", "/{type}/{campaign_id}") => Design,
        (
            "POST",
            "/{type}/{campaign_id}/merge"
            | "/{type}/{campaign_id}/pause"
            | "/{type}/{campaign_id}/resume"
            | "/{type}/{campaign_id}/archive",
        ) => Design,
        ("POST", "/{type}/{campaign_id}/push") => WritePasses,
        ("POST", "/{type}/{campaign_id}/redeem") => Redeem,
        ("GET", "/{type}/{campaign_id}/redeem/{redeem_code}") => Redeem,
        (
            "GET",
            "/{type}/{campaign_id}/redeems"
            | "/{type}/{campaign_id}/registrations"
            | "/{type}/{campaign_id}/passes"
            | "/{type}/{campaign_id}/passes/{pass_id}"
            | "/{type}/{campaign_id}/passes/{pass_id}/pkpass"
            | "/{type}/{campaign_id}/passes/pkpasses"
            | "/{type}/{campaign_id}/passes/{pass_id}/registrations"
            | "/{type}/{campaign_id}/passes/{pass_id}/redeems",
        ) => ReadPasses,
        ("GET", "/{type}/{campaign_id}/reports" | "/{type}/{campaign_id}/reports/totals") => Read,
        ("POST", "/{type}/{campaign_id}/passes/{pass_id}/redeem") => Redeem,
        (
            "POST" | "PATCH" | "PUT" | "DELETE",
            "/{type}/{campaign_id}/passes"
            | "/{type}/{campaign_id}/passes/batch"
            | "/{type}/{campaign_id}/passes/import"
            | "/{type}/{campaign_id}/passes/{pass_id}"
            | "/{type}/{campaign_id}/passes/{pass_id}/push"
            | "/{type}/{campaign_id}/passes/{pass_id}/reset_redeem",
        ) => WritePasses,
        _ => return None,
    })
}

/// A caller: Basic, Bearer or nobody.
enum Caller {
    Basic(Client),
    Bearer(Bearer),
}

impl Caller {
    async fn send(&self, method: Method, path: &str) -> Resp {
        let body = (method != Method::GET).then(|| json!({}));
        match self {
            Caller::Basic(c) => c.send(method, path, body).await,
            Caller::Bearer(b) => b.send(method, path, body).await,
        }
    }
}

/// The path with every `{…}` parameter replaced by a random UUID (the permission is
/// checked before anything is loaded, so no route changes anything that exists).
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s.starts_with('{') {
                uuid::Uuid::new_v4().to_string()
            } else {
                s.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn every_route_by_every_role(backend: Backend) {
    let server = TestServer::start(backend).await;
    let owner = server.account_with("Acme", true).await;
    let mut callers: Vec<(String, Caller)> = Vec::new();
    for name in CALLERS {
        let caller = match name.strip_prefix("key:") {
            Some(scope) => Caller::Bearer(key(&server, &owner, name, scope).await.1),
            None => {
                Caller::Bearer(join(&server, &owner, &format!("{name}@example.com"), name).await)
            }
        };
        callers.push((name.to_string(), caller));
    }
    let mut operations: Vec<(Method, String)> = passworks_server::api::routes()
        .operations()
        .iter()
        .map(|o| (o.method.clone(), o.path.clone()))
        .collect();
    // Signing out ends the caller's session: last.
    operations.sort_by_key(|(m, p)| *m == Method::DELETE && p == "/session");
    let unclassified: Vec<String> = operations
        .iter()
        .filter(|(m, p)| need_of(m, p).is_none())
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        unclassified.is_empty(),
        "routes without an expected permission in tests/roles.rs: {unclassified:#?}"
    );
    let anonymous = Caller::Basic(server.anonymous());
    let api_username = Caller::Basic(owner.clone());
    let mut failures = Vec::new();
    let mut checked = 0;
    for (method, path) in &operations {
        let need = need_of(method, path).unwrap();
        let url = concrete(path);
        for (name, caller) in &callers {
            let status = caller.send(method.clone(), &url).await.status.as_u16();
            let ok = if allowed(name, need) {
                status != 401 && status != 403
            } else {
                status == 403
            };
            if !ok {
                failures.push(format!(
                    "{name:16} {method} {path}: {status} (needs {need:?})"
                ));
            }
            checked += 1;
        }
        let status = api_username
            .send(method.clone(), &url)
            .await
            .status
            .as_u16();
        if status == 401 || status == 403 {
            failures.push(format!("api username     {method} {path}: {status}"));
        }
        let status = anonymous.send(method.clone(), &url).await.status.as_u16();
        let ok = match need {
            Need::Public => status != 401 && status != 403,
            _ => status == 401,
        };
        if !ok {
            failures.push(format!("anonymous        {method} {path}: {status}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} calls answered otherwise than the role table says:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(operations.len() > 100, "{} routes", operations.len());
    server.stop().await;
}
both_backends!(every_route_by_every_role);
