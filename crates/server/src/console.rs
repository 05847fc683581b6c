//! Serves the built console (trunk's `dist/`) at `/` with a fallback to `index.html` for
//! client-side routes, and its runtime configuration at `/config.json`.
//!
//! The build is relative (`<base href="./">`, resolved by a script in `index.html` so one
//! build can be mounted anywhere); this server knows it mounts the console at `/`, so it
//! writes `<base href="/">` into the `index.html` it serves. That way even an address that
//! matches no console route loads the console's files (and shows its "not found" page).
//!
//! Every HTML answer says who may frame the console ([`frame_headers`]): the console's own
//! origin and the origins of `--cors-origins` (which may embed it), nobody else.

use crate::state::AppState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::path::Path;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::services::ServeDir;

/// Routes for the console, or a plain page saying how to build it.
pub fn router(state: &AppState) -> Router<AppState> {
    match &state.settings.console_dir {
        Some(dir) if dir.join("index.html").exists() => {
            let index = dir.join("index.html");
            let config = dir.join("config.json");
            let serve_index = get(move || index_html(index.clone()));
            let mut r = Router::new()
                .route("/", serve_index.clone())
                .route("/index.html", serve_index.clone());
            if !config.exists() {
                r = r.route("/config.json", get(default_config));
            }
            // The wasm and JS compress to a third of their size. Brotli at its best level
            // is too slow to run per request, so it runs once, in the background, into
            // `<file>.br` beside each file; until then (or when the directory is read-only)
            // responses are compressed on the fly, brotli or gzip as the browser accepts.
            let dir2 = dir.clone();
            tokio::task::spawn_blocking(move || precompress_dir(&dir2));
            let files = ServeDir::new(dir)
                .precompressed_br()
                .append_index_html_on_directories(false)
                .fallback(serve_index.with_state(state.clone()));
            let framing = frame_headers(&state.settings.cors_origins);
            // Level 5: a tenth of a second for the whole wasm (brotli 11 takes seconds).
            r.fallback_service(files)
                .layer(CompressionLayer::new().quality(CompressionLevel::Precise(5)))
                .layer(axum::middleware::map_response_with_state(
                    (),
                    cache_hashed_files,
                ))
                .layer(axum::middleware::map_response(move |resp: Response| {
                    let framing = framing.clone();
                    async move { add_frame_headers(resp, &framing) }
                }))
        }
        Some(dir) => {
            tracing::warn!(dir = %dir.display(), "console directory has no index.html");
            Router::new().route("/", get(no_console))
        }
        None => Router::new().route("/", get(no_console)),
    }
}

/// The headers that say who may frame the console: `Content-Security-Policy:
/// frame-ancestors 'self' <origins>` and, because `X-Frame-Options` cannot name other
/// origins, `X-Frame-Options: SAMEORIGIN` only when no origin is configured. `*` among
/// the origins lets any site frame it.
pub fn frame_headers(cors_origins: &[String]) -> HeaderMap {
    let origins: Vec<&str> = cors_origins
        .iter()
        .map(|o| o.trim().trim_end_matches('/'))
        .filter(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_graphic() && b != b';'))
        .collect();
    let mut h = HeaderMap::new();
    let mut policy = String::from("frame-ancestors 'self'");
    for o in &origins {
        policy.push(' ');
        policy.push_str(o);
    }
    if let Ok(v) = HeaderValue::from_str(&policy) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    if origins.is_empty() {
        h.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
    }
    h
}

/// Adds [`frame_headers`] to HTML answers (the console's pages).
fn add_frame_headers(mut resp: Response, framing: &HeaderMap) -> Response {
    let html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        for (name, value) in framing {
            resp.headers_mut().insert(name, value.clone());
        }
    }
    resp
}

/// `index.html` with its relative `<base>` pinned to `/`, never cached (it names the
/// hashed files of the current build).
async fn index_html(path: std::path::PathBuf) -> Response {
    match tokio::fs::read_to_string(&path).await {
        Ok(html) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            pin_base(&html),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(path = %path.display(), error = %e, "cannot read the console's index.html");
            no_console().await
        }
    }
}

/// Writes `<file>.br` (brotli, best level) beside every wasm, JS and CSS file of the
/// build that lacks a current one. Several servers may share a directory: each writes
/// to a private temporary name and renames, so readers never see half a file.
/// Largest first: the first-load wasm, then the biggest on-demand chunks.
pub fn precompress_dir(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.metadata().map(|m| m.len()).unwrap_or(0)));
    for entry in entries {
        let path = entry.path();
        // A server stopped while compressing leaves its temporary file behind.
        if path.to_string_lossy().ends_with(".tmp") && path.to_string_lossy().contains(".br.") {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > std::time::Duration::from_secs(600));
            if old {
                let _ = std::fs::remove_file(&path);
            }
            continue;
        }
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "wasm" | "js" | "css"));
        if !compressible {
            continue;
        }
        let br = path.with_extension(format!(
            "{}.br",
            path.extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default()
        ));
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        if modified(&br).is_some_and(|b| modified(&path).is_some_and(|f| b >= f)) {
            continue;
        }
        if let Err(e) = precompress(&path, &br) {
            tracing::info!(file = %path.display(), error = %e, "not precompressed; compressing per request");
            return;
        }
    }
}

fn precompress(path: &Path, br: &Path) -> std::io::Result<()> {
    use std::io::Write;
    let bytes = std::fs::read(path)?;
    let tmp = br.with_extension(format!("br.{}.tmp", std::process::id()));
    {
        let file = std::fs::File::create(&tmp)?;
        let mut w = brotli::CompressorWriter::new(file, 64 * 1024, 11, 22);
        w.write_all(&bytes)?;
        w.flush()?;
    }
    std::fs::rename(&tmp, br)
}

/// Trunk names the build's files with a content hash (`name-0123456789abcdef.wasm`),
/// and so does the split step for the on-demand chunks: browsers may keep those for
/// good.
async fn cache_hashed_files(uri: axum::http::Uri, mut resp: Response) -> Response {
    if resp.status().is_success() && is_hashed_name(uri.path()) {
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    resp
}

fn is_hashed_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        // Trunk prints its 64-bit hash without leading zeros: 12 to 16 digits.
        .is_some_and(|(_, hash)| {
            (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
        })
}

/// Replaces the relative `<base href="./">` trunk writes with the root.
fn pin_base(html: &str) -> String {
    html.replacen("<base href=\"./\">", "<base href=\"/\">", 1)
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

#[cfg(test)]
mod tests {
    #[test]
    fn hashed_names() {
        assert!(super::is_hashed_name(
            "/passworks-console-0123456789abcdef_bg.wasm"
        ));
        assert!(super::is_hashed_name("/main-0123456789abcdef.css"));
        // Trunk drops leading zeros of its hash.
        assert!(super::is_hashed_name(
            "/passworks-console-1d9af5f77557258.js"
        ));
        assert!(super::is_hashed_name("/split_admin-ed6355acc7ed3dda.wasm"));
        assert!(super::is_hashed_name("/__wasm_split-eb4f3f0bfa5998bb.js"));
        assert!(!super::is_hashed_name("/chunk_1.wasm"));
        assert!(!super::is_hashed_name("/logo-dark.svg"));
        assert!(!super::is_hashed_name("/config.json"));
        assert!(!super::is_hashed_name("/favicon.svg"));
        assert!(!super::is_hashed_name("/app_bg.wasm"));
    }

    #[test]
    fn pins_the_relative_base() {
        let html = "<head><base href=\"./\"><script>x</script></head>";
        assert_eq!(
            super::pin_base(html),
            "<head><base href=\"/\"><script>x</script></head>"
        );
    }
}
