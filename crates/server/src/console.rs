//! Serves the built console (trunk's `dist/`) at `/` with a fallback to `index.html` for
//! client-side routes, and its runtime configuration at `/config.json`.

use crate::state::AppState;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};

/// Routes for the console, or a plain page saying how to build it.
pub fn router(state: &AppState) -> Router<AppState> {
    match &state.settings.console_dir {
        Some(dir) if dir.join("index.html").exists() => {
            let index = dir.join("index.html");
            let config = dir.join("config.json");
            let mut r = Router::new();
            if !config.exists() {
                r = r.route("/config.json", get(default_config));
            }
            // The wasm and JS compress to a third of their size: brotli or gzip, as the
            // browser accepts.
            r.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(index)))
                .layer(CompressionLayer::new())
        }
        Some(dir) => {
            tracing::warn!(dir = %dir.display(), "console directory has no index.html");
            Router::new().route("/", get(no_console))
        }
        None => Router::new().route("/", get(no_console)),
    }
}

async fn default_config() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(&passworks_wire::ConsoleConfig::default()).unwrap_or_default(),
    )
        .into_response()
}

async fn no_console() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Passworks API server. The console is not being served: build it with \
         `cargo xtask run` or pass --console-dir.\nAPI: /v2/ping\n",
    )
        .into_response()
}
