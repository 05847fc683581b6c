//! Embedding: one console build, unchanged, mounted under another path on another
//! origin (a "customer portal"), configured only by the `config.json` beside its
//! `index.html`, talking to the API across origins.

mod support;

use std::net::SocketAddr;

use anyhow::{Context, Result};
use axum::routing::get;
use axum::{Json, Router};
use passworks_e2e::thirtyfour::By;
use passworks_e2e::{console_dir, sign_in, wait_for, wait_for_path, wait_for_text, TestSystem};
use serde_json::json;
use support::{seed_coupon, seed_images, serial, text_of};
use tower_http::services::{ServeDir, ServeFile};

const MOUNT: &str = "/portal/passes";

/// A portal on its own port serving the console's `dist/` as a plain static site under
/// [`MOUNT`] (every unknown path under it answers `index.html`, as SPA hosts do), with
/// the operator's own `config.json`.
async fn start_portal(listener: tokio::net::TcpListener, api_origin: String) -> Result<()> {
    let dist = console_dir()?;
    let config = json!({
        "api_base": format!("{api_origin}/v2"),
        "product_name": "Acme Rewards",
    });
    let site = ServeDir::new(&dist).fallback(ServeFile::new(dist.join("index.html")));
    let app = Router::new()
        .route(
            &format!("{MOUNT}/config.json"),
            get(move || {
                let config = config.clone();
                async move { Json(config) }
            }),
        )
        .nest_service(MOUNT, site)
        .route("/", get(|| async { "The Acme customer portal" }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn one_build_mounted_under_another_path_and_origin() -> Result<()> {
    let _serial = serial().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let portal_addr: SocketAddr = listener.local_addr()?;
    let portal = format!("http://{portal_addr}");
    let sys = TestSystem::start_with("embedding", &["--cors-origins", &portal]).await?;
    start_portal(listener, sys.base_url().to_owned()).await?;
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    seed_coupon(&api, "Portal Spring Sale", &icon, &logo).await?;
    let driver = sys.driver();

    // A deep link into the embedded console: its files load from the mount point,
    // and the sign-in page stays under it.
    driver
        .goto(format!("{portal}{MOUNT}/campaigns/coupons"))
        .await?;
    wait_for(driver, By::Id("username")).await?;
    wait_for_path(driver, &format!("{MOUNT}/sign-in")).await?;
    wait_for_text(driver, "Acme Rewards").await?;
    sys.screenshot("01-portal-sign-in").await?;

    // Signing in returns to the page the link asked for.
    sign_in(driver, &sys.account().api_username, &sys.account().api_key).await?;
    wait_for_path(driver, &format!("{MOUNT}/campaigns/coupons")).await?;
    wait_for_text(driver, "Portal Spring Sale").await?;
    // The frame carries the operator's product name; navigation stays under the mount.
    let brand = text_of(driver, ".topbar .brand").await?;
    assert!(brand.contains("Acme Rewards"), "brand shows {brand:?}");
    let coupons = wait_for(driver, By::Css("#sidenav a[href$='/campaigns/coupons']")).await?;
    let hrefs = driver
        .execute(
            "return [...document.querySelectorAll('a[href^=\"/\"]')].map(a => a.getAttribute('href'));",
            vec![],
        )
        .await?;
    let hrefs: Vec<String> = serde_json::from_value(hrefs.json().clone())?;
    assert!(hrefs.len() >= 10, "{hrefs:?}");
    for href in &hrefs {
        assert!(
            href.starts_with(&format!("{MOUNT}/")),
            "link {href:?} leaves the mount point"
        );
    }
    coupons.click().await?;
    wait_for_path(driver, &format!("{MOUNT}/campaigns/coupons")).await?;
    // The campaigns table comes from the API on the other origin (CORS), with its
    // pagination headers readable.
    wait_for_text(driver, "Portal Spring Sale").await?;
    wait_for_text(driver, "1–1 of 1").await?;
    sys.screenshot("02-portal-campaigns").await?;

    // Reloading a deep link keeps working: index.html finds the mount point again.
    driver.refresh().await?;
    wait_for_text(driver, "Portal Spring Sale").await?;
    let url = driver.current_url().await?;
    assert_eq!(url.path(), format!("{MOUNT}/campaigns/coupons"));
    let campaign = wait_for(driver, By::LinkText("Portal Spring Sale")).await?;
    campaign.click().await?;
    wait_for_path(driver, &format!("{MOUNT}/campaigns/coupons/")).await?;
    wait_for_text(driver, "Distribution").await?;
    sys.screenshot("03-portal-campaign").await?;

    // The skip link moves focus to the page's main region without leaving the page.
    let before = driver.current_url().await?;
    driver
        .execute("document.querySelector('a.skip').click();", vec![])
        .await?;
    let focused = driver
        .execute("return document.activeElement.id;", vec![])
        .await?;
    assert_eq!(focused.json(), &json!("main"));
    assert_eq!(driver.current_url().await?, before);

    // The same build on the API's own server still works at the root (another origin,
    // so another session: sign in there too).
    sys.goto("/campaigns/coupons").await?;
    sign_in(driver, &sys.account().api_username, &sys.account().api_key).await?;
    wait_for_path(driver, "/campaigns/coupons").await?;
    wait_for_text(driver, "Portal Spring Sale")
        .await
        .context("the console at the API server's root")?;
    sys.screenshot("04-root-campaigns").await?;

    sys.shutdown().await;
    Ok(())
}
