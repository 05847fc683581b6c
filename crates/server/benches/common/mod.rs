//! What the benchmarks share: a real `passworks serve` process (killed on drop) with its
//! memory and CPU time read from `/proc`, waiting for it to answer, test images and asset
//! uploads over the API, percentiles and environment knobs.

#![allow(dead_code)] // each benchmark uses a different part of it

use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Sends a request and reads its answer as JSON (the benches' requests must succeed, so
/// any failure panics).
pub trait JsonReply {
    async fn json_reply(self) -> Value;
}

impl JsonReply for reqwest::RequestBuilder {
    async fn json_reply(self) -> Value {
        self.send().await.unwrap().json().await.unwrap()
    }
}

/// A running `passworks serve` process, killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>/v2`
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `passworks serve` on a free port over `url` with `data_dir`, no first
    /// account and no authenticated rate limit, plus `extra` arguments. Every process of
    /// a benchmark gets the same master key: processes sharing a database must share the
    /// key that encrypts the stored private keys.
    pub fn spawn(data_dir: &std::path::Path, url: &str, extra: &[&str]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_passworks"))
            .args(["serve", "--no-first-account"])
            .args(["--rate-limit-authenticated", "100000000"])
            .args(["--master-key", &"5a".repeat(32)])
            .args(extra)
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--database-url")
            .arg(url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn passworks");
        Server {
            child,
            base: format!("http://127.0.0.1:{port}/v2"),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> u64 {
        rss_of(self.child.id())
    }

    /// Resident private memory in KiB ([`anon_rss_of`]).
    pub fn anon_rss_kib(&self) -> u64 {
        anon_rss_of(self.child.id())
    }

    /// CPU time the process has used so far (user + system), in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds_of(self.child.id())
    }
}

/// Resident memory of process `pid` in KiB (`VmRSS`; 0 when it cannot be read).
pub fn rss_of(pid: u32) -> u64 {
    status_kib(pid, "VmRSS:")
}

/// Resident private memory of process `pid` in KiB (`RssAnon`: what the process itself
/// allocated, without file pages it maps, such as the SQLite database file of
/// `PRAGMA mmap_size`, which are the kernel's page cache).
pub fn anon_rss_of(pid: u32) -> u64 {
    status_kib(pid, "RssAnon:")
}

fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// User + system CPU time of process `pid` in seconds (`/proc/<pid>/stat` fields 14 and
/// 15, in clock ticks of 1/100 s on Linux).
pub fn cpu_seconds_of(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name (field 2) may hold spaces: count fields after its closing ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // After ')' the fields start at field 3 (state): utime is field 14, stime field 15.
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// Waits up to a minute until `GET {base}/ping` answers.
pub async fn wait_up(http: &reqwest::Client, base: &str) {
    for _ in 0..600 {
        if http.get(format!("{base}/ping")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server at {base} did not start");
}

/// A plain blue 87×87 PNG for a campaign's icon.
pub fn icon_png() -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(87, 87, image::Rgba([40, 90, 200, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Uploads `png` as an asset of `kind` (`icon`, `strip`, …) through `POST /assets`;
/// returns its id.
pub async fn upload(
    http: &reqwest::Client,
    base: &str,
    auth: &(String, String),
    kind: &str,
    png: &[u8],
) -> String {
    let boundary = "passworks-bench";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"asset[asset_type]\"\r\n\r\n{kind}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"asset[file]\"; filename=\"{kind}.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(png);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let v: Value = http
        .post(format!("{base}/assets"))
        .basic_auth(&auth.0, Some(&auth.1))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .json_reply()
        .await;
    v["id"].as_str().expect("asset id").to_string()
}

/// The `p` quantile (0.0–1.0) of `sorted` latencies in µs, in milliseconds.
pub fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// The environment variable `name` as a number, or `default`.
pub fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// PostgreSQL with autovacuum off (as this development machine's is): a task that does
/// its work in its place, `VACUUM ANALYZE` once after set-up and every 60 s, because a
/// default installation analyses and vacuums the growing tables on its own. Without it the
/// planner keeps the statistics of the empty database (plans that scan a whole campaign
/// for one code) and updated rows are never reclaimed. `None` when autovacuum is on.
pub async fn stand_in_for_autovacuum(url: &str) -> Option<tokio::task::JoinHandle<()>> {
    if !url.starts_with("postgres") {
        return None;
    }
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let setting: String = sqlx::query_scalar("SHOW autovacuum")
        .fetch_one(&pool)
        .await
        .unwrap();
    if setting == "on" {
        return None;
    }
    println!("  PostgreSQL runs with autovacuum off: the bench runs VACUUM ANALYZE every 60 s");
    Some(tokio::spawn(async move {
        loop {
            if let Err(e) = sqlx::query("VACUUM ANALYZE").execute(&pool).await {
                println!("  VACUUM ANALYZE failed: {e}");
            }
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    }))
}
