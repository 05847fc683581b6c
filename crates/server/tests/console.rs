//! The console's static files: served at `/` with a fallback to `index.html` for
//! client-side routes, compressed for browsers that accept it, with a default runtime
//! configuration when the build has none; and CORS on the API for the origins an operator
//! configures, so the console can be embedded in another site.

mod common;

use common::{Backend, TestServer};

fn test_wasm() -> Vec<u8> {
    (0..200_000u32).map(|i| (i % 7) as u8).collect()
}

async fn console_is_served_compressed_with_spa_fallback(backend: Backend) {
    let server = TestServer::start_with(backend, |a| {
        let dir = tempfile::tempdir().unwrap().keep();
        std::fs::write(
            dir.join("index.html"),
            "<!doctype html><base href=\"./\"><title>Passworks</title>",
        )
        .unwrap();
        std::fs::write(dir.join("app_bg.wasm"), test_wasm()).unwrap();
        a.console_dir = Some(dir);
    })
    .await;
    let wasm = test_wasm();
    let http = reqwest::Client::builder()
        .no_brotli()
        .no_gzip()
        .build()
        .unwrap();

    let r = http
        .get(format!("{}/app_bg.wasm", server.base))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "br");
    let compressed = r.bytes().await.unwrap();
    assert!(compressed.len() < 20_000, "{} bytes", compressed.len());

    let r = http
        .get(format!("{}/app_bg.wasm", server.base))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("content-encoding").is_none());
    assert_eq!(r.bytes().await.unwrap().len(), 200_000);

    // In the background the server writes a best-level brotli copy beside each file and
    // then serves that copy as it is.
    let br = server
        .running
        .state
        .settings
        .console_dir
        .clone()
        .unwrap()
        .join("app_bg.wasm.br");
    for _ in 0..200 {
        if br.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(br.exists(), "no precompressed copy written");
    let r = http
        .get(format!("{}/app_bg.wasm", server.base))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
    let precompressed = r.bytes().await.unwrap();
    assert_eq!(&precompressed[..], &std::fs::read(&br).unwrap()[..]);
    let mut original = Vec::new();
    std::io::Read::read_to_end(
        &mut brotli::Decompressor::new(&precompressed[..], 4096),
        &mut original,
    )
    .unwrap();
    assert_eq!(original, wasm);

    // Client-side routes load the app.
    let r = http
        .get(format!("{}/coupons/123/passes?page=2", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-cache");
    // The build is relative so it can be mounted anywhere; this server mounts it at the
    // root and says so, so deep links (even to unknown pages) load the files from `/`.
    let html = r.text().await.unwrap();
    assert!(html.contains("<title>Passworks</title>"), "{html}");
    assert!(html.contains("<base href=\"/\">"), "{html}");
    for path in ["/", "/index.html", "/no/such/page"] {
        let r = http
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.text().await.unwrap().contains("<base href=\"/\">"),
            "{path}"
        );
    }

    // Without a config.json in the build, the defaults are served.
    let r = http
        .get(format!("{}/config.json", server.base))
        .send()
        .await
        .unwrap();
    let config: serde_json::Value = r.json().await.unwrap();
    assert_eq!(config["api_base"], "/v2");
    assert_eq!(config["product_name"], "Passworks");
    server.stop().await;
}
both_backends!(console_is_served_compressed_with_spa_fallback);

async fn api_answers_cors_for_configured_origins(backend: Backend) {
    let server = TestServer::start_with(backend, |a| {
        a.cors_origins = vec!["https://portal.example.com".into()];
    })
    .await;
    let alice = server.account("Alice").await;
    let http = reqwest::Client::new();

    // A browser's preflight from the portal is allowed, credentials header included.
    let r = http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v2/coupons", server.base),
        )
        .header("origin", "https://portal.example.com")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type, x-requested-with",
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://portal.example.com"
    );
    let allowed = r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in ["authorization", "content-type", "x-requested-with"] {
        assert!(allowed.contains(header), "{header} not allowed: {allowed}");
    }

    // The real request carries the origin and exposes the pagination headers.
    let (user, key) = alice.credentials.clone().unwrap();
    let r = http
        .get(format!("{}/v2/coupons", server.base))
        .basic_auth(user, Some(key))
        .header("origin", "https://portal.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://portal.example.com"
    );
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("x-total") && exposed.contains("x-next-page"));

    // Another origin gets no permission.
    let r = http
        .get(format!("{}/v2/ping", server.base))
        .header("origin", "https://elsewhere.example.net")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    server.stop().await;
}
both_backends!(api_answers_cors_for_configured_origins);
