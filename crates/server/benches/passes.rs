//! Passes at scale (issue 17): bulk creation, `.pkpass` downloads (cold, cached,
//! conditional), a campaign merge over every pass with its peak memory, and the APNs push
//! drain rate, against a real `passworks serve` process on SQLite and (when
//! `PASSWORKS_TEST_POSTGRES_URL` is set) PostgreSQL. Prints two tables.
//! Run with `cargo bench -p passworks-server --bench passes`.
//!
//! `BENCH_PASSES` (default 1,000,000) sets the campaign size (`BENCH_BACKEND=sqlite|postgres`
//! runs one database only), built through
//! `POST …/passes/batch` with 1,000 passes a request and 4 requests in flight. Its icon,
//! logo and strip are drawn (flat colours and gradients, as most pass artwork is).
//! Downloads use the passes' public `.pkpass` URLs with 8 connections: `COLD` distinct
//! passes once each (each signed once), then `HOT` passes again and again (served from the
//! package cache), then the same with `If-None-Match` (304); once for that campaign and
//! once for a campaign of `COLD` passes whose images are noise of the same sizes (the
//! worst case for PNG: the largest package). The in-process
//! `passworks_pkpass::build_pkpass` rate with the same images on 2 threads is measured too
//! (the median of three runs),
//! for the "half the library's speed" target. The push drain registers `DEVICES` devices
//! (one per pass), pushes the campaign and times until a local HTTP/2 APNs peer received
//! every notification. The merge changes the campaign's fixed field and merges it into
//! every pass with a push message; the server's private resident memory (`RssAnon`) is
//! sampled every 100 ms.
//! On PostgreSQL with autovacuum off (as on the development machine) `VACUUM ANALYZE`
//! runs every minute in its place, as in the soak bench.

mod common;

use common::{upload, JsonReply, Server};
use passworks_server::db::Db;
use passworks_server::model::accounts::create_account;
use passworks_server::model::devices::{register, Registering};
use passworks_server::model::passes::load_by_id;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BATCH: usize = 1000;
const COLD: usize = 3000;
const HOT: usize = 200;
const HOT_REQUESTS: usize = 30_000;
/// Devices registered for the push drain (`BENCH_DEVICES` overrides).
const DEVICES: usize = 20_000;
const CONNECTIONS: usize = 8;

/// A local APNs peer: cleartext HTTP/2, answers 200 and counts.
fn apns_peer() -> (String, Arc<AtomicU64>) {
    use hyper::body::Incoming;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let count = Arc::new(AtomicU64::new(0));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let c = count.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let c = c.clone();
                tokio::spawn(async move {
                    let service =
                        hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                            let c = c.clone();
                            async move {
                                use http_body_util::BodyExt;
                                let ok = req.uri().path().starts_with("/3/device/")
                                    && req.headers().contains_key("apns-topic");
                                let _ = req.into_body().collect().await;
                                if ok {
                                    c.fetch_add(1, Ordering::Relaxed);
                                }
                                let status = if ok { 200 } else { 400 };
                                Ok::<_, hyper::Error>(
                                    hyper::Response::builder()
                                        .status(status)
                                        .body(http_body_util::Full::new(hyper::body::Bytes::new()))
                                        .unwrap(),
                                )
                            }
                        });
                    let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                        .max_concurrent_streams(1000)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
    });
    (url, count)
}

/// A PNG with photo-like noise: the worst case for PNG (nothing compresses).
fn noise(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        let n = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ seed.wrapping_mul(31))
            .wrapping_mul(2_654_435_761);
        image::Rgba([
            (x * 3) as u8 ^ (n >> 29) as u8,
            (y * 2) as u8,
            (n >> 26) as u8,
            255,
        ])
    });
    png(&img)
}

/// A drawn PNG, as logos, icons and most strips are: a gradient with flat shapes.
fn drawn(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let (cx, cy, r) = (w as i64 * 2 / 3, h as i64 / 2, h as i64 / 3);
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as i64 - cx, y as i64 - cy);
        if dx * dx + dy * dy < r * r {
            image::Rgba([250, 250, 245, 255])
        } else if (x / 40 + seed).is_multiple_of(5) && y > h / 4 && y < h * 3 / 4 {
            image::Rgba([230, 120, 30, 255])
        } else {
            image::Rgba([20, (60 + x * 120 / w) as u8, (110 + y * 100 / h) as u8, 255])
        }
    });
    png(&img)
}

fn png(img: &image::RgbaImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The artworks downloads are measured with.
#[derive(Clone, Copy, PartialEq)]
enum Artwork {
    /// Icon, logo and strip drawn in flat colours and gradients.
    Drawn,
    /// The same sizes filled with noise.
    Noise,
}

impl Artwork {
    fn name(self) -> &'static str {
        match self {
            Artwork::Drawn => "drawn",
            Artwork::Noise => "noise",
        }
    }

    /// The bench images: icon, logo and strip at @2x (two files each in a pass).
    fn images(self) -> Vec<(&'static str, Vec<u8>)> {
        let f = match self {
            Artwork::Drawn => drawn,
            Artwork::Noise => noise,
        };
        vec![
            ("icon", f(58, 58, 1)),
            ("logo", f(320, 100, 2)),
            ("strip", f(750, 246, 3)),
        ]
    }
}

/// Runs `n` requests with `CONNECTIONS` workers; `f(i)` makes request `i`. Returns the
/// rate per second.
async fn drive<F, Fut>(n: usize, f: F) -> f64
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let f = Arc::new(f);
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (f, next) = (f.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                if i >= n {
                    return;
                }
                f(i).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// The in-process rate of `build_pkpass` with `artwork`, on 2 threads.
fn library_rate(artwork: Artwork) -> f64 {
    use passworks_pkpass::{build_pkpass, dev_ca, PassSpec, PreparedImage};
    use passworks_wire::{AssetType, Barcode, BarcodeFormat, Behaviour, Field, PassType};
    let id = dev_ca::generate("BENCHTEAM1", "pass.bench.example", "Bench").unwrap();
    let signer = Arc::new(id.signer().unwrap());
    let prepared: Arc<Vec<PreparedImage>> = Arc::new(
        artwork
            .images()
            .iter()
            .map(|(k, png)| {
                let slot = AssetType::parse(k).unwrap();
                PreparedImage::from_png_for_style(slot, PassType::StoreCard, png).unwrap()
            })
            .collect(),
    );
    let per_thread = 1500;
    let start = Instant::now();
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let (signer, prepared) = (signer.clone(), prepared.clone());
            std::thread::spawn(move || {
                for i in 0..per_thread {
                    let code = format!("{:07}", t * per_thread + i);
                    let spec = PassSpec {
                        style: PassType::StoreCard,
                        serial_number: format!("bench-{t}-{i}"),
                        authentication_token: "0123456789abcdef0123".into(),
                        web_service_url: Some("https://passes.example.com/passkit".into()),
                        description: "Bench".into(),
                        organization_name: "Bench".into(),
                        primary_fields: vec![Field {
                            key: "offer".into(),
                            label: Some("Offer".into()),
                            value: Some("10% off".into()),
                            behaviour: Behaviour::Fixed,
                        }],
                        barcodes: vec![Barcode {
                            format: BarcodeFormat::Qrcode,
                            message: code.clone(),
                            alt_text: code,
                            alt_text_type: "mirror".into(),
                        }],
                        ..PassSpec::default()
                    };
                    let refs: Vec<&PreparedImage> = prepared.iter().collect();
                    build_pkpass(&spec, &refs, &signer).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    (2 * per_thread) as f64 / start.elapsed().as_secs_f64()
}

/// The median of three runs of [`library_rate`], so that one disturbed second does not
/// become the figure the downloads are compared with.
fn median_library_rate(artwork: Artwork) -> f64 {
    let mut runs = [
        library_rate(artwork),
        library_rate(artwork),
        library_rate(artwork),
    ];
    runs.sort_by(f64::total_cmp);
    runs[1]
}

struct Figures {
    label: String,
    passes: usize,
    create_rate: f64,
    downloads: Vec<Downloads>,
    pushes: f64,
    merge_secs: f64,
    merge_rate: f64,
    merge_peak_mib: f64,
    rss_before_merge_mib: f64,
}

/// Download rates of one artwork's passes.
struct Downloads {
    artwork: Artwork,
    pass_bytes: usize,
    cold: f64,
    cached: f64,
    conditional: f64,
}

// Long because it is the benchmark's script: set-up, then each measured step in order.
async fn run(label: &str, db_url: &str, passes: usize) -> Figures {
    let dir = tempfile::tempdir().unwrap();
    let (apns_url, apns_count) = apns_peer();
    let server = Server::spawn(
        dir.path(),
        db_url,
        &[
            "--rate-limit-anonymous",
            "100000000",
            "--page-issue-limit",
            "100000000",
            "--apns-url",
            &apns_url,
        ],
    );
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    for _ in 0..300 {
        if http
            .get(format!("{}/ping", server.base))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let db = Db::connect(db_url).await.unwrap();
    // Statistics and dead rows as autovacuum would keep them during the bulk load and
    // the merge, where this machine's PostgreSQL has it off.
    let vacuum = common::stand_in_for_autovacuum(db_url).await;
    let account = create_account(&db, "Bench", None, false).await.unwrap();
    let auth = (account.api_username.clone(), account.api_key.clone());
    let base = server.base.clone();
    let cid = campaign(&http, &base, &auth, Artwork::Drawn).await;

    // Bulk creation: 1,000 passes a request, 4 requests in flight.
    let start = Instant::now();
    let kept = create_passes(&http, &base, &auth, &cid, passes, COLD.max(DEVICES)).await;
    let create_rate = passes as f64 / start.elapsed().as_secs_f64();
    eprintln!("{label}: {passes} passes created at {create_rate:.0}/s");

    // Downloads of the drawn campaign's passes, then of a campaign of noise.
    let mut downloads = vec![download(&http, label, Artwork::Drawn, &kept).await];
    let noisy = campaign(&http, &base, &auth, Artwork::Noise).await;
    let noisy_passes = create_passes(&http, &base, &auth, &noisy, COLD, COLD).await;
    downloads.push(download(&http, label, Artwork::Noise, &noisy_passes).await);

    // Push drain: one device per pass for DEVICES passes, then a campaign push.
    let devices = std::env::var("BENCH_DEVICES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEVICES)
        .min(kept.len());
    for (i, (id, _)) in kept.iter().take(devices).enumerate() {
        let pass = load_by_id(&db, id).await.unwrap().unwrap();
        let mut tx = db.begin().await.unwrap();
        let device = format!("device{i:08}");
        let token = format!("{:064x}", i);
        register(
            &mut tx,
            &pass,
            Registering {
                device_library_id: &device,
                push_token: &token,
                wallet: "passbook",
                device_os: "ios",
            },
            10,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let before = apns_count.load(Ordering::Relaxed);
    let start = Instant::now();
    let r = http
        .post(format!("{base}/store_cards/{cid}/push"))
        .basic_auth(&auth.0, Some(&auth.1))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "campaign push");
    while apns_count.load(Ordering::Relaxed) < before + devices as u64 {
        assert!(
            start.elapsed() < Duration::from_secs(600),
            "pushes did not drain"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pushes = devices as f64 / start.elapsed().as_secs_f64();
    eprintln!("{label}: {devices} pushes drained at {pushes:.0}/s");

    // Merge: a new offer into every pass, with a push message.
    let rss_before = server.anon_rss_kib();
    let r = http
        .patch(format!("{base}/store_cards/{cid}"))
        .basic_auth(&auth.0, Some(&auth.1))
        .json(&json!({"store_card": {"primary_fields": [{"key": "offer", "label": "Offer", "value": "20% off", "behaviour": "fixed"}]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "campaign update");
    let start = Instant::now();
    let job: Value = http
        .post(format!("{base}/store_cards/{cid}/merge"))
        .basic_auth(&auth.0, Some(&auth.1))
        .json(&json!({"push_message": "Now %@"}))
        .json_reply()
        .await;
    let job_id = job["job_id"].as_str().expect("merge job").to_string();
    let mut peak = rss_before;
    let mut last_report = Instant::now();
    loop {
        peak = peak.max(server.anon_rss_kib());
        let j: Value = http
            .get(format!("{base}/jobs/{job_id}"))
            .basic_auth(&auth.0, Some(&auth.1))
            .json_reply()
            .await;
        if last_report.elapsed() > Duration::from_secs(10) {
            eprintln!("{label}: merge {} / {}", j["processed"], j["total"]);
            last_report = Instant::now();
        }
        if j["state"] == "done" {
            break;
        }
        assert_ne!(j["state"], "failed", "merge failed: {j}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let merge_secs = start.elapsed().as_secs_f64();
    eprintln!("{label}: merge of {passes} passes in {merge_secs:.1} s");
    if let Some(v) = vacuum {
        v.abort();
    }
    Figures {
        label: label.to_string(),
        passes,
        create_rate,
        downloads,
        pushes,
        merge_secs,
        merge_rate: passes as f64 / merge_secs,
        merge_peak_mib: peak as f64 / 1024.0,
        rss_before_merge_mib: rss_before as f64 / 1024.0,
    }
}

/// Uploads `artwork` and creates a store card campaign showing it; returns its id.
async fn campaign(
    http: &reqwest::Client,
    base: &str,
    auth: &(String, String),
    artwork: Artwork,
) -> String {
    let mut body = json!({
        "name": format!("Members ({})", artwork.name()),
        "primary_fields": [{"key": "offer", "label": "Offer", "value": "10% off", "behaviour": "fixed"}],
        "secondary_fields": [{"key": "name", "label": "Member", "value": "", "behaviour": "dynamic"}]
    });
    for (kind, png) in artwork.images() {
        body[format!("{kind}_id")] = json!(upload(http, base, auth, kind, &png).await);
    }
    let campaign: Value = http
        .post(format!("{base}/store_cards"))
        .basic_auth(&auth.0, Some(&auth.1))
        .json(&json!({ "store_card": body }))
        .json_reply()
        .await;
    campaign["id"].as_str().unwrap().to_string()
}

/// Creates `passes` passes in campaign `cid` through the batch endpoint, 1,000 a request
/// and 4 requests in flight; returns (id, `.pkpass` URL) of the first `keep` created.
async fn create_passes(
    http: &reqwest::Client,
    base: &str,
    auth: &(String, String),
    cid: &str,
    passes: usize,
    keep: usize,
) -> Vec<(String, String)> {
    let kept = Arc::new(std::sync::Mutex::new(Vec::<(String, String)>::new()));
    let requests = passes.div_ceil(BATCH);
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (http, base, auth, cid, next, kept) = (
            http.clone(),
            base.to_string(),
            auth.clone(),
            cid.to_string(),
            next.clone(),
            kept.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let r = next.fetch_add(1, Ordering::Relaxed) as usize;
                if r >= requests {
                    return;
                }
                let n = BATCH.min(passes - r * BATCH);
                let items: Vec<Value> = (0..n)
                    .map(|i| json!({"secondary_fields": [{"key": "name", "value": format!("Member {}", r * BATCH + i)}]}))
                    .collect();
                let resp = http
                    .post(format!("{base}/store_cards/{cid}/passes/batch"))
                    .basic_auth(&auth.0, Some(&auth.1))
                    .json(&json!({ "passes": items }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status().as_u16(), 200);
                let v: Value = resp.json().await.unwrap();
                let results = v["results"].as_array().unwrap();
                assert!(results.iter().all(|r| r["pass"].is_object()), "every pass created");
                let mut kept = kept.lock().unwrap();
                if kept.len() < keep {
                    for r in results {
                        kept.push((
                            r["pass"]["id"].as_str().unwrap().to_string(),
                            r["pass"]["pkpass_url"].as_str().unwrap().to_string(),
                        ));
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let kept = kept.lock().unwrap().clone();
    kept
}

/// Downloads the `.pkpass` of `COLD` distinct passes of `passes` once each (cold: each
/// signed once), then `HOT` of them again and again (cached), then with `If-None-Match`.
async fn download(
    http: &reqwest::Client,
    label: &str,
    artwork: Artwork,
    passes: &[(String, String)],
) -> Downloads {
    let urls: Arc<Vec<String>> =
        Arc::new(passes.iter().take(COLD).map(|(_, u)| u.clone()).collect());
    let pass_bytes = http
        .get(&urls[0])
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .len();
    let (h, u) = (http.clone(), urls.clone());
    let cold = drive(urls.len() - 1, move |i| {
        let (h, url) = (h.clone(), u[i + 1].clone());
        async move {
            let r = h.get(url).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200);
            r.bytes().await.unwrap();
        }
    })
    .await;
    let (h, u) = (http.clone(), urls.clone());
    let cached = drive(HOT_REQUESTS, move |i| {
        let (h, url) = (h.clone(), u[i % HOT].clone());
        async move {
            let r = h.get(url).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 200);
            r.bytes().await.unwrap();
        }
    })
    .await;
    let mut etags = Vec::new();
    for url in urls.iter().take(HOT) {
        let r = http.get(url).send().await.unwrap();
        etags.push(r.headers()["etag"].to_str().unwrap().to_string());
    }
    let etags = Arc::new(etags);
    let (h, u) = (http.clone(), urls.clone());
    let conditional = drive(HOT_REQUESTS, move |i| {
        let (h, url, tag) = (h.clone(), u[i % HOT].clone(), etags[i % HOT].clone());
        async move {
            let r = h
                .get(url)
                .header("if-none-match", tag)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 304);
        }
    })
    .await;
    eprintln!(
        "{label}: {} artwork ({pass_bytes} bytes): downloads cold {cold:.0}/s, cached {cached:.0}/s, 304 {conditional:.0}/s",
        artwork.name()
    );
    Downloads {
        artwork,
        pass_bytes,
        cold,
        cached,
        conditional,
    }
}

fn main() {
    let passes: usize = std::env::var("BENCH_PASSES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let library: Vec<(Artwork, f64)> = [Artwork::Drawn, Artwork::Noise]
        .into_iter()
        .map(|a| (a, median_library_rate(a)))
        .collect();
    for (a, rate) in &library {
        eprintln!(
            "library: build_pkpass {rate:.0}/s on 2 threads ({} artwork)",
            a.name()
        );
    }
    let mut figures = Vec::new();
    rt.block_on(async {
        let only = std::env::var("BENCH_BACKEND").unwrap_or_default();
        let dir = tempfile::tempdir().unwrap();
        let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
        if only != "postgres" {
            figures.push(run("SQLite", &sqlite, passes).await);
        }
        if let Ok(admin) = std::env::var("PASSWORKS_TEST_POSTGRES_URL") {
            if !admin.trim().is_empty() && only != "sqlite" {
                let name = format!("pw_bench_{}", uuid::Uuid::new_v4().simple());
                admin_sql(&admin, &format!("CREATE DATABASE {name}")).await;
                let url = replace_db(&admin, &name);
                figures.push(run("PostgreSQL", &url, passes).await);
                admin_sql(
                    &admin,
                    &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                )
                .await;
            }
        }
    });
    println!();
    println!(
        "| database | passes | bulk create /s | pushes /s | merge s (passes/s) | private memory (RssAnon) before merge → peak during merge |"
    );
    println!("|---|---|---|---|---|---|");
    for f in &figures {
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.1} ({:.0}) | {:.0} → {:.0} MiB |",
            f.label,
            f.passes,
            f.create_rate,
            f.pushes,
            f.merge_secs,
            f.merge_rate,
            f.rss_before_merge_mib,
            f.merge_peak_mib,
        );
    }
    println!();
    println!(
        "| database | artwork | .pkpass bytes | in-process build_pkpass /s (2 threads) | cold downloads /s (of in-process) | cached /s | 304 /s |"
    );
    println!("|---|---|---|---|---|---|---|");
    for f in &figures {
        for d in &f.downloads {
            let library = library
                .iter()
                .find(|(a, _)| *a == d.artwork)
                .map_or(f64::NAN, |(_, r)| *r);
            println!(
                "| {} | {} | {} | {:.0} | {:.0} ({:.0} %) | {:.0} | {:.0} |",
                f.label,
                d.artwork.name(),
                d.pass_bytes,
                library,
                d.cold,
                100.0 * d.cold / library,
                d.cached,
                d.conditional,
            );
        }
    }
}

async fn admin_sql(url: &str, sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::Executor::execute(&mut conn, sql).await.unwrap();
    let _ = conn.close().await;
}

fn replace_db(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    format!("{}/{}{}", &base[..path_start], name, query)
}
