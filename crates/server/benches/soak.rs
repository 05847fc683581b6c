//! Load and soak benchmark: a mixed API workload at a fixed rate against real `passworks
//! serve` processes, reporting latency percentiles, errors and the servers' memory at the
//! start and end. Run with `cargo bench -p passworks-server --bench soak`.
//!
//! Each backend gets its own fresh database: SQLite with one server process, and (when
//! `PASSWORKS_TEST_POSTGRES_URL` is set) PostgreSQL with two processes sharing one
//! database, the requests alternating between them. The workload, per request drawn at
//! random: 30 % a filtered list (`q[redeem_code_eq]`), 15 % a list page, 10 % a pass
//! create, 15 % a pass update, 15 % a `.pkpass` download, 10 % a redeem and 5 % a redeem
//! reset. Requests start on a fixed schedule (`SOAK_RATE` per second, default 500) for
//! `SOAK_SECONDS` (default 600), whatever the answers take: a slow server shows as latency,
//! not as a lower rate. An error is a 5xx or a failed connection; 4xx answers are counted
//! apart (the workload should cause none). Latency is reported overall and per operation;
//! each server's RSS is sampled from `/proc` every second (start, maximum, end), and the
//! campaign's size at the end is printed (it grows by the creates). On a PostgreSQL with
//! autovacuum off the bench runs `VACUUM ANALYZE` every minute in its place.

mod common;

use common::{env_u64, icon_png, percentile, rss_of, wait_up, JsonReply, Server};
use passworks_server::db::Db;
use passworks_server::model::accounts::create_account;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Passes created before the run (`SOAK_PASSES`, default 500), to start at a larger
/// campaign size.
fn passes_before() -> usize {
    env_u64("SOAK_PASSES", 500) as usize
}

struct Target {
    http: reqwest::Client,
    bases: Vec<String>,
    auth: (String, String),
    campaign: String,
    passes: Vec<(String, String)>,
}

impl Target {
    fn req(&self, n: u64, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let base = &self.bases[n as usize % self.bases.len()];
        self.http
            .request(method, format!("{base}{path}"))
            .basic_auth(&self.auth.0, Some(&self.auth.1))
    }
}

/// Creates the account, a store card campaign with an icon, and [`passes_before`] passes
/// (eight at a time).
async fn set_up(db_url: &str, bases: Vec<String>) -> Target {
    let db = Db::connect(db_url).await.unwrap();
    let account = create_account(&db, "Soak", None, false).await.unwrap();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let mut t = Target {
        http,
        bases,
        auth: (account.api_username, account.api_key),
        campaign: String::new(),
        passes: Vec::new(),
    };
    let boundary = "passworks-soak";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"asset[asset_type]\"\r\n\r\nicon\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"asset[file]\"; filename=\"icon.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&icon_png());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let icon: Value = t
        .req(0, reqwest::Method::POST, "/assets")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .json_reply()
        .await;
    let campaign: Value = t
        .req(0, reqwest::Method::POST, "/store_cards")
        .json(&json!({"store_card": {
            "name": "Soak", "icon_id": icon["id"], "allow_multiple_redeems": true,
            "primary_fields": [{"key": "points", "label": "Points", "value": "0"}]
        }}))
        .json_reply()
        .await;
    t.campaign = campaign["id"]
        .as_str()
        .expect("campaign created")
        .to_string();
    let target = std::sync::Arc::new(t);
    let mut made = Vec::new();
    let mut start = 0;
    let total = passes_before();
    while start < total {
        let end = (start + 8).min(total);
        let mut group = tokio::task::JoinSet::new();
        for i in start..end {
            let t = target.clone();
            group.spawn(async move {
                let p: Value = t
                    .req(i as u64, reqwest::Method::POST, &t.passes_path())
                    .json(&json!({"pass": {"primary_fields": [{"key": "points", "value": i.to_string()}]}}))
                    .json_reply()
                    .await;
                (
                    p["id"].as_str().unwrap().to_string(),
                    p["redeem_code"].as_str().unwrap().to_string(),
                )
            });
        }
        while let Some(r) = group.join_next().await {
            made.push(r.unwrap());
        }
        start = end;
    }
    let mut t = std::sync::Arc::try_unwrap(target)
        .ok()
        .expect("set-up done");
    // The workload touches the first 500 (as it always did), whatever the campaign's size.
    made.truncate(500);
    t.passes = made;
    t
}

impl Target {
    fn passes_path(&self) -> String {
        format!("/store_cards/{}/passes", self.campaign)
    }
}

/// The operations of the mix, by `roll` range (see [`one`]).
const OPS: [&str; 7] = [
    "filtered list",
    "list page 2",
    "create",
    "update",
    "download",
    "redeem",
    "reset redeem",
];

fn op_of(roll: u64) -> usize {
    match roll {
        0..30 => 0,
        30..45 => 1,
        45..55 => 2,
        55..70 => 3,
        70..85 => 4,
        85..95 => 5,
        _ => 6,
    }
}

#[derive(Default)]
struct Tally {
    latencies_us: Mutex<Vec<(usize, u64)>>,
    errors: AtomicU64,
    client_errors: AtomicU64,
    /// Every non-2xx status with its count.
    statuses: Mutex<std::collections::BTreeMap<u16, u64>>,
}

/// One request of the mix, chosen by `roll` (0..100); returns the HTTP status or `None`.
async fn one(t: &Target, n: u64, roll: u64) -> Option<u16> {
    use reqwest::Method;
    let (id, code) = &t.passes[(n as usize * 7919) % t.passes.len()];
    let base = t.passes_path();
    let r = match roll {
        0..30 => t.req(n, Method::GET, &format!("{base}?q[redeem_code_eq]={code}")),
        30..45 => t.req(n, Method::GET, &format!("{base}?page=2&per_page=25")),
        45..55 => t
            .req(n, Method::POST, &base)
            .json(&json!({"pass": {"primary_fields": [{"key": "points", "value": "1"}]}})),
        55..70 => t.req(n, Method::PATCH, &format!("{base}/{id}")).json(
            &json!({"pass": {"primary_fields": [{"key": "points", "value": n.to_string()}]}}),
        ),
        70..85 => t.req(n, Method::GET, &format!("{base}/{id}/pkpass")),
        85..95 => t.req(n, Method::POST, &format!("{base}/{id}/redeem")),
        _ => t.req(n, Method::POST, &format!("{base}/{id}/reset_redeem")),
    };
    match r.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let _ = resp.bytes().await;
            Some(status)
        }
        Err(_) => None,
    }
}

async fn run(label: &str, url: &str, processes: usize, rate: u64, seconds: u64) {
    let dir = tempfile::tempdir().unwrap();
    let servers: Vec<Server> = (0..processes)
        .map(|i| {
            let d = dir.path().join(format!("p{i}"));
            std::fs::create_dir_all(&d).unwrap();
            Server::spawn(&d, url, &[])
        })
        .collect();
    let probe = reqwest::Client::new();
    for s in &servers {
        wait_up(&probe, &s.base).await;
    }
    let target = Arc::new(set_up(url, servers.iter().map(|s| s.base.clone()).collect()).await);
    let vacuum = common::stand_in_for_autovacuum(url).await;
    let rss_start: Vec<u64> = servers.iter().map(Server::rss_kib).collect();
    let pids: Vec<u32> = servers.iter().map(Server::pid).collect();
    let cpu_start: Vec<f64> = servers.iter().map(Server::cpu_seconds).collect();
    let rss_max = Arc::new(Mutex::new(rss_start.clone()));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (rss_max, sampling) = (rss_max.clone(), sampling.clone());
        tokio::spawn(async move {
            let mut samples = Vec::new();
            let started = Instant::now();
            while sampling.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let now: Vec<u64> = pids.iter().map(|p| rss_of(*p)).collect();
                let mut max = rss_max.lock().unwrap();
                for (m, n) in max.iter_mut().zip(&now) {
                    *m = (*m).max(*n);
                }
                samples.push((started.elapsed().as_secs(), now));
            }
            samples
        })
    };
    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let total = rate * seconds;
    let mut tick = tokio::time::interval(Duration::from_nanos(1_000_000_000 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..total {
        tick.tick().await;
        let (t, tally) = (target.clone(), tally.clone());
        let roll = (n.wrapping_mul(2654435761) >> 7) % 100;
        tasks.spawn(async move {
            let at = Instant::now();
            let status = one(&t, n, roll).await;
            let us = at.elapsed().as_micros() as u64;
            tally.latencies_us.lock().unwrap().push((op_of(roll), us));
            if let Some(s) = status.filter(|s| !(200..300).contains(s)) {
                *tally.statuses.lock().unwrap().entry(s).or_default() += 1;
            }
            let counter = match status {
                Some(s) if s >= 500 => &tally.errors,
                None => &tally.errors,
                Some(s) if s >= 400 => &tally.client_errors,
                _ => return,
            };
            counter.fetch_add(1, Ordering::Relaxed);
        });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed().as_secs_f64();
    let rss_end: Vec<u64> = servers.iter().map(Server::rss_kib).collect();
    let cpu: f64 = servers
        .iter()
        .zip(&cpu_start)
        .map(|(s, start)| s.cpu_seconds() - start)
        .sum();
    sampling.store(false, Ordering::Relaxed);
    if let Some(v) = vacuum {
        v.abort();
    }
    let samples = sampler.await.unwrap_or_default();
    let rss_max = rss_max.lock().unwrap().clone();
    let all = tally.latencies_us.lock().unwrap().clone();
    let mut lat: Vec<u64> = all.iter().map(|(_, us)| *us).collect();
    lat.sort_unstable();
    let passes = target
        .http
        .get(format!(
            "{}{}?per_page=1",
            target.bases[0],
            target.passes_path()
        ))
        .basic_auth(&target.auth.0, Some(&target.auth.1))
        .send()
        .await
        .ok()
        .and_then(|r| {
            r.headers()
                .get("x-total")
                .and_then(|v| v.to_str().ok().map(String::from))
        })
        .unwrap_or_default();
    println!(
        "{label}: {processes} process(es), {} requests in {elapsed:.0} s ({:.0}/s); \
         p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; errors (5xx or failed) {}; 4xx {}; \
         non-2xx {:?}; RSS start {:?} MiB, max {:?} MiB, end {:?} MiB; passes in the \
         campaign at the end: {passes}",
        lat.len(),
        lat.len() as f64 / elapsed,
        percentile(&lat, 0.50),
        percentile(&lat, 0.99),
        percentile(&lat, 1.0),
        tally.errors.load(Ordering::Relaxed),
        tally.client_errors.load(Ordering::Relaxed),
        tally.statuses.lock().unwrap(),
        rss_start.iter().map(|k| k / 1024).collect::<Vec<_>>(),
        rss_max.iter().map(|k| k / 1024).collect::<Vec<_>>(),
        rss_end.iter().map(|k| k / 1024).collect::<Vec<_>>(),
    );
    // CPU time per request does not depend on what else the machine runs (unlike
    // latency): it says how many requests a second one free core could answer.
    println!(
        "  server CPU: {cpu:.1} s for {} requests = {:.2} ms per request (at most {:.0} requests/s per core)",
        lat.len(),
        cpu * 1000.0 / lat.len().max(1) as f64,
        lat.len() as f64 / cpu.max(0.001),
    );
    for (i, name) in OPS.iter().enumerate() {
        let mut l: Vec<u64> = all
            .iter()
            .filter(|(op, _)| *op == i)
            .map(|(_, us)| *us)
            .collect();
        l.sort_unstable();
        println!(
            "  {name:<14} {:>7} requests  p50 {:>8.1} ms  p99 {:>8.1} ms  max {:>8.1} ms",
            l.len(),
            percentile(&l, 0.50),
            percentile(&l, 0.99),
            percentile(&l, 1.0),
        );
    }
    // RSS over time, one line per minute (the whole run, every second, when it is short).
    let step = if samples.len() > 120 { 60 } else { 10 };
    let line = samples
        .iter()
        .filter(|(t, _)| t % step == 0)
        .map(|(t, r)| format!("{t}s {:?}", r.iter().map(|k| k / 1024).collect::<Vec<_>>()))
        .collect::<Vec<_>>()
        .join(", ");
    println!("  RSS MiB over time: {line}");
}

#[tokio::main]
async fn main() {
    sqlx::any::install_default_drivers();
    let rate = env_u64("SOAK_RATE", 500);
    let seconds = env_u64("SOAK_SECONDS", 600);
    let only = std::env::var("SOAK_BACKEND").unwrap_or_default();
    if only.is_empty() || only == "sqlite" {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("soak.db").display());
        run("SQLite", &url, 1, rate, seconds).await;
    }
    if only.is_empty() || only == "postgres" {
        let Some(admin) = std::env::var("PASSWORKS_TEST_POSTGRES_URL")
            .ok()
            .filter(|s| !s.is_empty())
        else {
            println!("PostgreSQL: PASSWORKS_TEST_POSTGRES_URL is not set; skipped");
            return;
        };
        let name = format!("pw_soak_{}", uuid::Uuid::new_v4().simple());
        let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&pool)
            .await
            .unwrap();
        let url = match admin.rsplit_once('/') {
            Some((head, _)) => format!("{head}/{name}"),
            None => panic!("PASSWORKS_TEST_POSTGRES_URL has no database name"),
        };
        run("PostgreSQL", &url, 2, rate, seconds).await;
        let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .execute(&pool)
            .await;
    }
}
