//! A campaign's JavaScript on its download page: it may change the page, but it cannot
//! take the visitor to another address without a click (it runs in a sandboxed frame,
//! see the README's "Passes and certificates").

mod support;

use anyhow::{ensure, Result};
use passworks_e2e::thirtyfour::By;
use passworks_e2e::TestSystem;
use serde_json::json;
use std::time::Duration;
use support::{seed_coupon, seed_images, serial};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_script_cannot_navigate_the_visitor() -> Result<()> {
    let _serial = serial().await;
    let sys = TestSystem::start("download_page_script").await?;
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let coupon = seed_coupon(&api, "Scripted page", &icon, &logo).await?;
    let id = coupon["id"].as_str().unwrap_or_default();
    let script = "document.querySelector('h1').textContent = 'Changed by the campaign';\
        setTimeout(function () { try { top.location.href = 'https://example.com/top'; } catch (e) {} }, 300);\
        setTimeout(function () { window.open('https://example.com/popup'); }, 400);\
        setTimeout(function () { location.href = 'https://example.com/frame'; }, 1500);";
    let r = api
        .request(reqwest::Method::PATCH, &format!("/v2/coupons/{id}"))
        .json(&json!({"coupon": {"javascript": script}}))
        .send()
        .await?;
    ensure!(r.status().is_success(), "PATCH answered {}", r.status());
    let page_url = coupon["page_url"].as_str().unwrap_or_default().to_string();

    let driver = sys.driver();
    driver.goto(&page_url).await?;
    // The script runs inside the page: it changes the heading.
    let framed = match driver.find_all(By::Id("pw-frame")).await?.pop() {
        Some(frame) => {
            frame.enter_frame().await?;
            true
        }
        None => false,
    };
    let mut heading = String::new();
    for _ in 0..20 {
        heading = driver.find(By::Tag("h1")).await?.text().await?;
        if heading == "Changed by the campaign" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    ensure!(heading == "Changed by the campaign", "heading {heading:?}");
    driver.enter_default_frame().await?;
    sys.screenshot("script-ran").await?;

    // Its attempts to leave (top level, popup, then the frame itself) all fail.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let url = driver.current_url().await?.to_string();
    ensure!(url == page_url, "the visitor was taken to {url}");
    ensure!(framed, "the page and its script are not in a frame");
    let windows = driver.windows().await?;
    ensure!(windows.len() == 1, "{} windows are open", windows.len());
    sys.shutdown().await;
    Ok(())
}
