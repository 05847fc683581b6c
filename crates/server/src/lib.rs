//! The Passworks server: the API v2 (`/v2`), the console's static files (`/`), and — as
//! the other modules land — Apple's PassKit web service and the public download pages.
//!
//! `main.rs` only calls [`cli::main`]; tests start a real server with [`start`].

pub mod api;
pub mod apns;
pub mod auth;
pub mod body;
pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod devcert;
pub mod error;
pub mod google;
pub mod group_commit;
pub mod guard;
pub mod jobs;
pub mod list;
pub mod lru;
pub mod mail;
pub mod model;
pub mod p12;
pub mod pages;
pub mod passkit;
pub mod positions;
pub mod routes;
pub mod signing;
pub mod sso;
pub mod state;
pub mod tally;
pub mod webhooks;

use crate::config::ServeArgs;
use crate::db::Db;
use crate::state::{AppState, Settings};
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{middleware, Router};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::Arc;
use tower::Layer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::normalize_path::NormalizePathLayer;

/// Builds the router for `state`.
pub fn app(state: AppState) -> Router {
    let api = api::router().layer(middleware::from_fn_with_state(
        state.clone(),
        auth::api_middleware,
    ));
    let api = match cors_layer(&state.settings.cors_origins) {
        Some(cors) => api.layer(cors),
        None => api,
    };
    // Behind an https public URL, browsers are told to use https only (HSTS).
    let hsts = state.settings.public_url.starts_with("https://");
    let router = Router::new()
        .nest("/v2", api)
        .merge(passkit::router())
        .merge(pages::router())
        .merge(api::assets::public_router())
        .merge(api::google::public_router())
        .merge(console::router(&state))
        .layer(middleware::from_fn(refuse_nul))
        .with_state(state);
    let router = match hsts {
        true => router.layer(middleware::map_response(
            |mut resp: axum::response::Response| async move {
                resp.headers_mut().insert(
                    header::STRICT_TRANSPORT_SECURITY,
                    HeaderValue::from_static("max-age=31536000"),
                );
                resp
            },
        )),
        false => router,
    };
    router.layer(middleware::from_fn(run_to_completion))
}

/// Runs each request to its end in a task of its own, whatever its connection does. When
/// a client hangs up, hyper drops the request's future; dropped in the middle, a handler
/// could leave a change without its audit entry (written after the change), or give a
/// pooled SQLite connection back in the middle of a transaction, which then refuses
/// every later `BEGIN` on it ("begin_with at non-zero transaction depth"): one
/// impatient client would break that connection for every later request and worker.
async fn run_to_completion(req: Request, next: Next) -> Response {
    match tokio::spawn(next.run(req)).await {
        Ok(resp) => resp,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => error::ApiError::Internal(anyhow::anyhow!("the request's task was cancelled"))
            .into_response(),
    }
}

/// Refuses U+0000 in the path or the query before any handler sees it (PostgreSQL cannot
/// store or compare it): a path holding `%00` is an unknown resource (404, as for any
/// unknown id of a download page, PassKit serial or API record), a query holding it is a
/// 400. JSON bodies are checked in [`body::JsonBody`].
async fn refuse_nul(req: Request, next: Next) -> Response {
    let uri = req.uri();
    if uri.path().contains("%00") {
        return error::ApiError::not_found("resource").into_response();
    }
    if uri.query().is_some_and(|q| q.contains("%00")) {
        return error::ApiError::BadRequest(
            "Query parameters must not contain the character U+0000".into(),
        )
        .into_response();
    }
    next.run(req).await
}

fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        let list: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o.trim().trim_end_matches('/')).ok())
            .collect();
        AllowOrigin::list(list)
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PATCH,
                Method::PUT,
                Method::DELETE,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::HeaderName::from_static("x-requested-with"),
            ])
            .expose_headers(
                [
                    "x-total",
                    "x-total-pages",
                    "x-page",
                    "x-per-page",
                    "x-next-page",
                    "x-prev-page",
                    "x-offset",
                    "x-total-exact",
                    "x-ratelimit-limit",
                    "x-ratelimit-remaining",
                    "x-ratelimit-reset",
                ]
                .map(header::HeaderName::from_static),
            ),
    )
}

/// Loads the master key from the arguments or `<data dir>/master.key`, creating it on
/// first start.
pub fn load_master_key(args: &ServeArgs) -> anyhow::Result<[u8; 32]> {
    let hex_key = match &args.master_key {
        Some(k) => k.trim().to_string(),
        None => {
            let path = args.db.data_dir.join("master.key");
            if path.exists() {
                std::fs::read_to_string(&path)?.trim().to_string()
            } else {
                std::fs::create_dir_all(&args.db.data_dir)?;
                let k = hex::encode(rand::random::<[u8; 32]>());
                write_private(&path, &k)?;
                k
            }
        }
    };
    let bytes = hex::decode(&hex_key)
        .map_err(|_| anyhow::anyhow!("the master key must be 64 hex characters"))?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("the master key must be 64 hex characters"))
}

/// Writes a file readable only by its owner.
pub fn write_private(path: &std::path::Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Connects the database and prepares the state for `args` (no listener yet).
pub async fn prepare(args: &ServeArgs, local_addr: SocketAddr) -> anyhow::Result<AppState> {
    std::fs::create_dir_all(&args.db.data_dir)?;
    let db = Db::connect(&args.db.url()).await?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local_addr}"))
        .trim_end_matches('/')
        .to_string();
    let mailer = mail::Mailer::from_args(&args.smtp, &public_url)?;
    let settings = Settings {
        mailer,
        public_url,
        data_dir: args.db.data_dir.clone(),
        console_dir: args.console_dir.clone(),
        cors_origins: args.cors_origins.clone(),
        rate_limit_authenticated: args.rate_limit_authenticated,
        rate_limit_anonymous: args.rate_limit_anonymous,
        rate_limit_registrations: args.rate_limit_registrations,
        page_issue_limit: args.page_issue_limit,
        master_key: load_master_key(args)?,
        apns_url: args.apns_url.clone(),
        allow_private_webhooks: args.allow_private_webhooks,
        webhook_retry_base_seconds: args.webhook_retry_base_seconds.max(1),
        webhook_lease_seconds: args.webhook_lease_seconds.max(1),
        google_api_url: args.google_wallet_api_url.clone(),
        google_token_url: args.google_wallet_token_url.clone(),
        google_retry_base_seconds: args.google_wallet_retry_base_seconds.max(1),
        google_poll_ms: args.google_wallet_poll_ms.max(50),
        google_callback_keys_url: args.google_wallet_callback_keys_url.clone(),
        session_hours: args.session_hours.max(1),
        sign_in_limit_per_account: args.sign_in_limit_per_account,
        sign_in_limit_per_ip: args.sign_in_limit_per_ip,
        audit_retention_days: args.audit_retention_days.max(1),
        console_token_seconds: args.console_token_seconds.max(1),
        console_session_seconds: args.console_session_seconds.max(1),
        oidc: match &args.oidc_issuer {
            Some(issuer) if !issuer.trim().is_empty() => Some(sso::OidcSettings {
                issuer: issuer.trim().to_string(),
                client_id: args.oidc_client_id.clone(),
                client_secret: args.oidc_client_secret.clone(),
                role_claim: args.oidc_role_claim.clone(),
                role_map: sso::OidcSettings::parse_role_map(&args.oidc_role_map)?,
                name: args.oidc_name.clone(),
            }),
            _ => None,
        },
    };
    let state = AppState {
        db,
        settings: Arc::new(settings),
        passes: Arc::new(signing::PassFactory::new()),
        tally: Arc::new(tally::Tally::new()),
        positions: Arc::default(),
    };
    devcert::ensure(&state).await?;
    Ok(state)
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    pub handle: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `http://addr`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Binds, prepares and serves in a background task until `shutdown` resolves.
pub async fn start(
    args: &ServeArgs,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<Running> {
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.bind))?;
    let addr = listener.local_addr()?;
    let state = prepare(args, addr).await?;
    spawn_maintenance(state.clone());
    spawn_teams_maintenance(state.clone());
    webhooks::spawn_worker(state.clone());
    apns::spawn_worker(state.clone());
    jobs::spawn_worker(state.clone());
    google::spawn_worker(state.clone(), api::google::render);
    tally::spawn_flusher(state.db.clone(), state.tally.clone());
    let service = NormalizePathLayer::trim_trailing_slash().layer(app(state.clone()));
    let handle = tokio::spawn({
        let state = state.clone();
        async move {
            serve(listener, service, shutdown).await;
            // The events of the last downloads, and the last second's request counters.
            state.passes.flush_served(&state).await;
            if let Err(e) = state.tally.flush(&state.db).await {
                tracing::warn!(error = %e, "writing the request counters at shut-down failed");
            }
        }
    });
    Ok(Running {
        addr,
        state,
        handle,
    })
}

/// Accepts connections until `shutdown` resolves, then waits for open connections to
/// finish their requests. HTTP/1.1 responses carry title-case header names
/// (`X-Next-Page`, `X-Total`): HTTP names are case-insensitive, but the PHP SDKs look the
/// pagination headers up by their documented spelling. HTTP/2 (lower case by definition)
/// is served on the same port; each request carries the peer's address as
/// [`ConnectInfo`], which the rate limiter reads.
async fn serve<S>(
    listener: tokio::net::TcpListener,
    service: S,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) where
    S: tower::Service<Request, Response = Response, Error = std::convert::Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().title_case_headers(true);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let hyper_service = TowerToHyperService::new(tower::service_fn(
            move |mut req: Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(remote));
                tower::ServiceExt::oneshot(service.clone(), req.map(axum::body::Body::new))
            },
        ));
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), hyper_service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Periodic housekeeping: expired rate-limit windows, passes that expired.
fn spawn_maintenance(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = model::rate_limits::prune_rate_limits(&state.db).await {
                tracing::warn!(error = %e, "pruning rate limits failed");
            }
            if let Err(e) = model::expiry::count_expired(&state.db, None).await {
                tracing::warn!(error = %e, "counting expired passes failed");
            }
        }
    });
}

/// Teams housekeeping (issue 16): expired sessions, audit events past the retention.
fn spawn_teams_maintenance(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            if let Err(e) = model::sso::prune(&state.db).await {
                tracing::warn!(error = %e, "pruning sign-on attempts failed");
            }
            if let Err(e) = model::sessions::prune_expired(&state.db).await {
                tracing::warn!(error = %e, "pruning expired sessions failed");
            }
            if let Err(e) = model::console_sessions::prune_expired(&state.db).await {
                tracing::warn!(error = %e, "pruning console session tokens failed");
            }
            let days = state.settings.audit_retention_days;
            if let Err(e) = model::audit::prune(&state.db, days).await {
                tracing::warn!(error = %e, "pruning the audit log failed");
            }
        }
    });
}
