//! Console performance figures for the README (measured, never asserted):
//!
//! - the first-load transfer size of the release console: the wasm, JS and
//!   CSS the browser fetches to show the campaigns table, each compressed with
//!   brotli (quality 11, window 22) and, for comparison, gzip -9; and the size
//!   of the chunks of the pages loaded on demand;
//! - the time from navigation to the first rendered campaigns table, in
//!   headless Chromium against a local server (median of 5, cold and warm
//!   HTTP cache).
//!
//! Both are `#[ignore]`d: run them explicitly, on a release build of the console
//! (`trunk build --release`, or point `PASSWORKS_E2E_CONSOLE_DIR` at one):
//!
//! ```text
//! cargo test -p passworks-e2e --test console_perf -- --ignored --nocapture --test-threads=1
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use passworks_e2e::thirtyfour::extensions::cdp::ChromeDevTools;
use passworks_e2e::thirtyfour::prelude::*;
use passworks_e2e::{wait_for, TestSystem};
use serde_json::{json, Value};

mod support;

/// The console directory the harness serves.
fn console_dir() -> PathBuf {
    std::env::var_os("PASSWORKS_E2E_CONSOLE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| passworks_e2e::workspace_root().join("dist"))
}

fn brotli_size(bytes: &[u8]) -> Result<usize> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        w.write_all(bytes)?;
        w.flush()?;
    }
    Ok(out.len())
}

fn gzip_size(bytes: &[u8]) -> Result<usize> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(bytes)?;
    Ok(w.finish()?.len())
}

fn kb(n: usize) -> String {
    format!("{:.1} KB", n as f64 / 1000.0)
}

/// The console's files (wasm, JS, CSS) the page fetched, as file names in the console
/// directory, from the browser's resource timing entries.
const FETCHED_FILES: &str = r#"
return performance.getEntriesByType('resource')
  .map(e => new URL(e.name).pathname.split('/').pop())
  .filter(n => /\.(wasm|js|css)$/.test(n));
"#;

/// Prints one table row per file and answers the brotli total.
fn size_table(dir: &std::path::Path, names: &[String]) -> Result<usize> {
    let (mut raw, mut gz, mut br) = (0, 0, 0);
    for name in names {
        let bytes = std::fs::read(dir.join(name))
            .with_context(|| format!("{name} is not in {}", dir.display()))?;
        let (g, b) = (gzip_size(&bytes)?, brotli_size(&bytes)?);
        println!(
            "{:<48} {:>12} {:>12} {:>12}",
            name,
            kb(bytes.len()),
            kb(g),
            kb(b)
        );
        raw += bytes.len();
        gz += g;
        br += b;
    }
    println!(
        "{:<48} {:>12} {:>12} {:>12}",
        "total",
        kb(raw),
        kb(gz),
        kb(br)
    );
    Ok(br)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement for the README; run explicitly"]
async fn console_first_load_size() -> Result<()> {
    let dir = console_dir();
    let sys = TestSystem::start("perf_size").await?;
    let api = sys.api();
    let (icon, logo) = support::seed_images(&api).await?;
    support::seed_coupon(&api, "Campaign 01", &icon, &logo).await?;
    sys.sign_in().await?;
    wait_for(sys.driver(), By::Css(".type-card a")).await?;
    // A fresh load of the campaigns table, as a visitor following a link to it.
    let devtools = ChromeDevTools::new(sys.driver().handle.clone());
    devtools.execute_cdp("Network.clearBrowserCache").await?;
    sys.driver().goto("about:blank").await?;
    sys.goto("/campaigns/coupons").await?;
    wait_for(sys.driver(), By::Css("table.data tbody tr td a")).await?;
    let fetched: Vec<String> = serde_json::from_value(
        sys.driver()
            .execute(FETCHED_FILES, vec![])
            .await?
            .json()
            .clone(),
    )?;
    let mut first: Vec<String> = fetched.clone();
    first.sort();
    first.dedup();
    if !first.iter().any(|n| n.ends_with(".wasm")) {
        bail!("the page fetched no wasm: {fetched:?}");
    }
    println!("console in {}", dir.display());
    println!(
        "{:<48} {:>12} {:>12} {:>12}",
        "fetched to show the campaigns table", "raw", "gzip -9", "brotli 11"
    );
    let br = size_table(&dir, &first)?;

    // Everything else: the pages loaded on demand, fetched when first opened.
    let mut later: Vec<String> = std::fs::read_dir(&dir)?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".wasm") && !first.contains(n))
        .collect();
    later.sort();
    println!();
    println!(
        "{:<48} {:>12} {:>12} {:>12}",
        "on demand (other pages)", "raw", "gzip -9", "brotli 11"
    );
    let on_demand = size_table(&dir, &later)?;
    println!(
        "first-load transfer, brotli: {} (target at most 350 KB); {} more in {} on-demand chunks",
        kb(br),
        kb(on_demand),
        later.len()
    );
    sys.shutdown().await;
    Ok(())
}

/// Waits in the page (polling every 2 ms) for the first campaigns table row
/// and answers `performance.now()` at that moment: milliseconds since the
/// navigation started.
const TABLE_RENDERED_AT: &str = r#"
const done = arguments[arguments.length - 1];
const check = () => {
  if (document.querySelector('table.data tbody tr td a')) { done(performance.now()); }
  else { setTimeout(check, 2); }
};
check();
"#;

async fn one_load(sys: &TestSystem, path: &str) -> Result<(f64, Value)> {
    let d = sys.driver();
    d.goto("about:blank").await?;
    d.goto(sys.url(path)).await?;
    let at = d.execute_async(TABLE_RENDERED_AT, vec![]).await?;
    let ms = at.json().as_f64().context("performance.now()")?;
    let timing = d
        .execute(
            r#"const n = performance.getEntriesByType('navigation')[0];
               const r = performance.getEntriesByType('resource');
               return {
                 dom_content_loaded: n.domContentLoadedEventEnd,
                 load: n.loadEventEnd,
                 transferred: n.transferSize + r.reduce((s, e) => s + e.transferSize, 0),
                 requests: r.length + 1
               };"#,
            vec![],
        )
        .await?
        .json()
        .clone();
    Ok((ms, timing))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement for the README; run explicitly"]
async fn time_to_first_campaigns_table() -> Result<()> {
    let sys = TestSystem::start("perf_console").await?;
    // The server writes best-level brotli copies of the console's files in the
    // background on its first start over a build (some seconds of one core); measure
    // what visitors get afterwards, not that one-off.
    let wasm: Vec<PathBuf> = std::fs::read_dir(console_dir())?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    let all_compressed = || wasm.iter().all(|p| p.with_extension("wasm.br").exists());
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while !all_compressed() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!("precompressed copies present: {}", all_compressed());
    let api = sys.api();
    let (icon, logo) = support::seed_images(&api).await?;
    for i in 1..=25 {
        support::seed_coupon(&api, &format!("Campaign {i:02}"), &icon, &logo).await?;
    }
    sys.sign_in().await?;
    wait_for(sys.driver(), By::Css(".type-card a")).await?;
    sys.driver()
        .set_script_timeout(Duration::from_secs(30))
        .await?;
    let devtools = ChromeDevTools::new(sys.driver().handle.clone());
    let path = "/campaigns/coupons";
    // One load to warm the server (and the wasm compile cache is cleared below).
    one_load(&sys, path).await?;

    let mut cold = Vec::new();
    for run in 1..=5 {
        devtools.execute_cdp("Network.clearBrowserCache").await?;
        let (ms, timing) = one_load(&sys, path).await?;
        println!("cold run {run}: table at {ms:.0} ms; {timing}");
        cold.push(ms);
    }
    let mut warm = Vec::new();
    for run in 1..=5 {
        let (ms, timing) = one_load(&sys, path).await?;
        println!("warm run {run}: table at {ms:.0} ms; {timing}");
        warm.push(ms);
    }
    sys.screenshot("campaigns-table").await?;
    let version = devtools.execute_cdp("Browser.getVersion").await?;
    println!(
        "{}",
        json!({
            "browser": version["product"],
            "cold_median_ms": median(&mut cold),
            "warm_median_ms": median(&mut warm),
        })
    );
    println!(
        "navigation to first campaigns table: median of 5 {:.0} ms cold cache, {:.0} ms warm cache (target under 1000 ms)",
        median(&mut cold),
        median(&mut warm)
    );
    sys.shutdown().await;
    Ok(())
}
