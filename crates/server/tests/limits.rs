//! Resource limits and hardening over real HTTP (the README's "Limits"): image uploads
//! refused from their header when they have too many pixels; the PassKit device log
//! bounded in size and rate; devices per pass capped and registrations rate-limited per
//! client IP; an asset used as a pass's image override cannot be deleted; the console's
//! framing headers, HSTS behind https, `Retry-After` on 429; private database files.

mod common;
mod device;
mod upload;

use common::{Backend, Client, Resp, TestServer};
use device::{download, pass, pass_json, store_card, upload_icon, Device, PassIds};
use serde_json::json;
use std::time::{Duration, Instant};

fn real_png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(w, h, image::Rgba([20, 120, 200, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn upload_asset(client: &Client, asset_type: &str, data: Vec<u8>) -> Resp {
    upload::post(
        client,
        "/assets",
        &[
            upload::text("asset[asset_type]", asset_type),
            upload::file("asset[file]", "image.png", "image/png", data),
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_with_too_many_pixels_are_refused_from_their_header() {
    let server = TestServer::start(Backend::Sqlite).await;
    let alice = server.account("Alice").await;

    // 4096×4096 at 16 bits a channel: within the side limit, but 128 MiB once decoded.
    for (w, h) in [(4096, 4096), (3000, 2000), (20_000, 20_000)] {
        let started = Instant::now();
        let r = upload_asset(&alice, "background", upload::declared_png(w, h, 16))
            .await
            .expect(422);
        let msg = r.body["errors"]["file"][0].as_str().unwrap();
        assert!(msg.contains(&format!("{w}x{h}")), "{msg}");
        if w <= 4096 {
            assert!(msg.contains("4194304 pixels"), "{msg}");
        }
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    // A strip at @3x (1125×432) and a square at the limit (2048×2048) are accepted.
    let r = upload_asset(&alice, "strip", real_png(1125, 432))
        .await
        .expect(201);
    assert_eq!(
        (r.body["width"].as_u64(), r.body["height"].as_u64()),
        (Some(1125), Some(432))
    );
    upload_asset(&alice, "background", real_png(2048, 2048))
        .await
        .expect(201);
    let r = alice.get("/assets").await.expect(200);
    assert_eq!(r.header("x-total"), "2");
    server.stop().await;
}

async fn asset_used_as_a_pass_override_cannot_be_deleted(backend: Backend) {
    let server = device::start(backend).await;
    let alice = server.account("Alice").await;
    let cid = store_card(&alice, "Members").await;
    let other_icon = upload_icon(&alice).await;
    let p = alice
        .post(
            &format!("/store_cards/{cid}/passes"),
            json!({"pass": {"icon_id": other_icon}}),
        )
        .await
        .expect(201);
    let serial = p.body["serial_number"].as_str().unwrap().to_string();
    let pid = p.id();

    let r = alice
        .delete(&format!("/assets/{other_icon}"))
        .await
        .expect(412);
    assert_eq!(
        r.body["errors"]["asset"][0],
        format!("Asset in use by 1 passes as an image override, e.g.: {serial}")
    );
    // The pass still downloads with its icon.
    download(p.body["pkpass_url"].as_str().unwrap()).await;

    // Once no pass uses it any more, it can be deleted.
    alice
        .patch(
            &format!("/store_cards/{cid}/passes/{pid}"),
            json!({"pass": {"icon_id": null}}),
        )
        .await
        .expect(200);
    alice
        .delete(&format!("/assets/{other_icon}"))
        .await
        .expect(200);
    server.stop().await;
}
both_backends!(asset_used_as_a_pass_override_cannot_be_deleted);

/// Creates a pass and reads what a device learns from its `.pkpass`.
async fn installed(client: &Client, cid: &str) -> PassIds {
    let p = pass(client, cid, "Ana").await;
    let pkpass = download(p["pkpass_url"].as_str().unwrap()).await;
    PassIds::from_pass_json(&pass_json(&pkpass))
}

async fn one_pass_holds_at_most_ten_devices(backend: Backend) {
    let server = device::start(backend).await;
    let alice = server.account("Alice").await;
    let cid = store_card(&alice, "Members").await;
    let ids = installed(&alice, &cid).await;

    let devices: Vec<Device> = (0..10).map(|_| Device::iphone()).collect();
    for d in &devices {
        assert_eq!(d.register(&ids).await.status, 201);
    }
    // The eleventh device is refused; nothing is stored for it.
    let extra = Device::iphone();
    assert_eq!(extra.register(&ids).await.status, 403);
    let regs = alice
        .get(&format!("/store_cards/{cid}/registrations"))
        .await
        .expect(200);
    assert_eq!(regs.header("x-total"), "10");
    // A registered device may still refresh its registration.
    assert_eq!(devices[3].register(&ids).await.status, 200);
    // When a device unregisters, another one may take its place.
    assert_eq!(devices[0].unregister(&ids).await.status, 200);
    assert_eq!(extra.register(&ids).await.status, 201);
    assert_eq!(Device::iphone().register(&ids).await.status, 403);
    server.stop().await;
}
both_backends!(one_pass_holds_at_most_ten_devices);

async fn registrations_are_rate_limited_per_ip(backend: Backend) {
    let server = TestServer::start_with(backend, |a| {
        a.rate_limit_anonymous = 10_000;
        a.rate_limit_authenticated = 100_000;
        a.rate_limit_registrations = 5;
    })
    .await;
    let alice = server.account("Alice").await;
    let cid = store_card(&alice, "Members").await;
    let first = installed(&alice, &cid).await;
    let second = installed(&alice, &cid).await;
    for _ in 0..5 {
        assert_eq!(Device::iphone().register(&first).await.status, 201);
    }
    // Any further call from this IP, for any pass, waits for the next window.
    let refused = Device::iphone().register(&second).await;
    assert_eq!(refused.status, 429);
    let retry: i64 = refused.header("retry-after").parse().unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    let regs = alice
        .get(&format!("/store_cards/{cid}/registrations"))
        .await
        .expect(200);
    assert_eq!(regs.header("x-total"), "5");
    server.stop().await;
}
both_backends!(registrations_are_rate_limited_per_ip);

async fn device_logs_are_bounded(backend: Backend) {
    let server = TestServer::start(backend).await;
    let http = reqwest::Client::new();
    let url = format!("{}/passkit/v1/log", server.base);
    let post = |body: Vec<u8>| {
        http.post(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    // Over 16 KiB: 413, and not counted.
    let big = serde_json::to_vec(&json!({"logs": ["x".repeat(17 * 1024)]})).unwrap();
    assert_eq!(post(big).await.unwrap().status(), 413);
    let line = serde_json::to_vec(&json!({"logs": ["a\nforged line"]})).unwrap();
    for _ in 0..60 {
        assert_eq!(post(line.clone()).await.unwrap().status(), 200);
    }
    let r = post(line).await.unwrap();
    assert_eq!(r.status(), 429);
    let retry: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    server.stop().await;
}
both_backends!(device_logs_are_bounded);

async fn api_rate_limit_answers_retry_after(backend: Backend) {
    let server = TestServer::start_with(backend, |a| {
        a.rate_limit_anonymous = 2;
    })
    .await;
    let anon = server.anonymous();
    anon.get("/ping").await;
    anon.get("/ping").await;
    let r = anon.get("/ping").await.expect(429);
    let retry: i64 = r.header("retry-after").parse().unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    server.stop().await;
}
both_backends!(api_rate_limit_answers_retry_after);

fn console_fixture() -> std::path::PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><base href=\"./\"><title>Passworks</title>",
    )
    .unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_may_be_framed_only_by_itself_by_default() {
    let server = TestServer::start_with(Backend::Sqlite, |a| {
        a.console_dir = Some(console_fixture());
    })
    .await;
    for path in ["/", "/campaigns/coupon"] {
        let r = reqwest::get(format!("{}{path}", server.base))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["content-security-policy"],
            "frame-ancestors 'self'"
        );
        assert_eq!(r.headers()["x-frame-options"], "SAMEORIGIN");
        // Plain http: no HSTS.
        assert!(r.headers().get("strict-transport-security").is_none());
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_may_be_framed_by_the_configured_origins() {
    let server = TestServer::start_with(Backend::Sqlite, |a| {
        a.console_dir = Some(console_fixture());
        a.cors_origins = vec![
            "https://portal.example.com/".into(),
            "https://intranet.example.org".into(),
        ];
    })
    .await;
    let r = reqwest::get(format!("{}/", server.base)).await.unwrap();
    assert_eq!(
        r.headers()["content-security-policy"],
        "frame-ancestors 'self' https://portal.example.com https://intranet.example.org"
    );
    assert!(r.headers().get("x-frame-options").is_none());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_public_url_sends_hsts_everywhere() {
    let server = TestServer::start_with(Backend::Sqlite, |a| {
        a.public_url = Some("https://passes.example.com".into());
    })
    .await;
    for path in ["/v2/ping", "/passkit/v1/passes/x/y", "/p/nothing", "/"] {
        let r = reqwest::get(format!("{}{path}", server.base))
            .await
            .unwrap();
        assert_eq!(
            r.headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap()),
            Some("max-age=31536000"),
            "{path}: {}",
            r.status()
        );
    }
    server.stop().await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start(Backend::Sqlite).await;
    // A write makes sure the WAL exists.
    server.account("Alice").await;
    let dir = server.data_dir.path().to_path_buf();
    let mut seen = 0;
    for name in ["passworks.db", "passworks.db-wal", "passworks.db-shm"] {
        let path = dir.join(name);
        if !path.exists() {
            continue;
        }
        seen += 1;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name} has mode {mode:o}");
    }
    assert!(seen >= 2, "the database and its WAL exist");
    server.stop().await;

    // A database left readable by an older version is tightened on the next start.
    let leftover = tempfile::tempdir().unwrap();
    let db = leftover.path().join("old.db");
    std::fs::write(&db, b"").unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let url = format!("sqlite://{}?mode=rwc", db.display());
    let opened = passworks_server::db::Db::connect(&url).await.unwrap();
    opened.pool.close().await;
    let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

/// The page outside the frame's `srcdoc` attribute (what the top-level document runs).
fn outside_frame(html: &str) -> String {
    match html.find("srcdoc=\"") {
        Some(start) => {
            let rest = &html[start + 8..];
            format!("{}{}", &html[..start], &rest[rest.find('"').unwrap()..])
        }
        None => html.to_string(),
    }
}

async fn campaign_script_runs_in_a_frame_that_cannot_navigate(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let cid = store_card(&alice, "Members").await;
    let c = alice.get(&format!("/store_cards/{cid}")).await.expect(200);
    let page_url = c.body["page_url"].as_str().unwrap().to_string();

    // Without a script the page is served as it is.
    let html = reqwest::get(&page_url).await.unwrap().text().await.unwrap();
    assert!(html.contains("id=\"pw-add\""), "{html}");
    assert!(!html.contains("<iframe"));

    let script = "setTimeout(function(){location.href='https://example.com/'},500);";
    alice
        .patch(
            &format!("/store_cards/{cid}"),
            json!({"store_card": {"javascript": script}}),
        )
        .await
        .expect(200);
    let r = reqwest::get(&page_url).await.unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = r.text().await.unwrap();
    // The top-level document runs nothing: the script and the page are in the frame.
    let outside = outside_frame(&html);
    assert!(!outside.contains("<script"), "{outside}");
    assert!(!outside.contains("location.href"));
    assert!(html.contains("location.href=&#39;https://example.com/&#39;"));
    let sandbox = outside
        .split("sandbox=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the frame is sandboxed");
    let flags: Vec<&str> = sandbox.split_whitespace().collect();
    assert_eq!(
        flags,
        [
            "allow-scripts",
            "allow-downloads",
            "allow-top-navigation-by-user-activation"
        ]
    );
    // Navigating the frame is framing another page: refused by `default-src 'none'`
    // (no `frame-src` or `child-src` relaxes it).
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    assert!(
        !csp.contains("frame-src") && !csp.contains("child-src"),
        "{csp}"
    );
    // Links in the frame open at the top level, on the visitor's click.
    assert!(html.contains("&lt;base target=&quot;_top&quot;&gt;"));
    assert!(html.contains("id=&quot;pw-add&quot;"));
    server.stop().await;
}
both_backends!(campaign_script_runs_in_a_frame_that_cannot_navigate);

/// A self-signed certificate and key exported as a .p12 with `iterations` key-derivation
/// iterations (for the MAC and both encryptions).
fn p12_with_iterations(iterations: u32) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir.path())
            .output()
            .expect("openssl runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "k.pem",
        "-out",
        "c.pem",
        "-subj",
        "/CN=Iterations",
        "-days",
        "1",
    ]);
    let iter = iterations.to_string();
    run(&[
        "pkcs12", "-export", "-inkey", "k.pem", "-in", "c.pem", "-out", "a.p12", "-passout",
        "pass:pw", "-iter", &iter,
    ]);
    std::fs::read(dir.path().join("a.p12")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_asking_for_endless_key_derivation_are_refused() {
    use passworks_server::p12::{max_iterations, MAX_P12_ITERATIONS};
    assert_eq!(max_iterations(&p12_with_iterations(2048)), Some(2048));
    let costly = p12_with_iterations(MAX_P12_ITERATIONS as u32 + 100_000);
    assert_eq!(max_iterations(&costly), Some(MAX_P12_ITERATIONS + 100_000));

    let server = TestServer::start(Backend::Sqlite).await;
    let alice = server.account("Alice").await;
    let started = Instant::now();
    let r = upload::post(
        &alice,
        "/certificates",
        &[
            upload::file(
                "certificate[file]",
                "signer.p12",
                "application/x-pkcs12",
                costly,
            ),
            upload::text("certificate[password]", "pw"),
        ],
    )
    .await
    .expect(422);
    let msg = r.body["errors"]["file"][0].as_str().unwrap();
    assert!(msg.contains("key-derivation iterations"), "{msg}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "answered from the file's structure"
    );
    server.stop().await;
}

/// JSON bodies over the limit are a 413 that names it, whether the server noticed while
/// reading (past the router's read limit) or after (between 1 and 2 MiB).
async fn oversize_json_bodies_are_413(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    for size in [1536 * 1024, 3 * 1024 * 1024] {
        let body = format!(
            "{{\"coupon\":{{\"name\":\"big\",\"description\":\"{}\"}}}}",
            "x".repeat(size)
        );
        let r = alice
            .request(reqwest::Method::POST, "/coupons")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 413, "{size} bytes");
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(
            v["errors"]["base"][0].as_str().unwrap().contains("1 MiB"),
            "{v}"
        );
    }
    server.stop().await;
}
both_backends!(oversize_json_bodies_are_413);
