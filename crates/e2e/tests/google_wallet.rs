//! The download page in Chromium on an Android phone (user agent and viewport of a
//! Pixel): "Add to Google Wallet" comes first, next to "Add to Apple Wallet", and says that
//! the development service account's links are refused by Google; on a desktop user agent
//! Apple's button comes first. Screenshots: target/screenshots/google_wallet/.

mod support;

use anyhow::{ensure, Context, Result};
use passworks_e2e::thirtyfour::extensions::cdp::ChromeDevTools;
use passworks_e2e::thirtyfour::By;
use passworks_e2e::TestSystem;
use serde_json::json;
use support::{seed_coupon, seed_images, serial};

const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
    (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36";

/// The ids of the wallet buttons in page order.
async fn button_order(sys: &TestSystem) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    for b in sys.driver().find_all(By::Css(".pw-wallets a")).await? {
        ids.push(b.attr("id").await?.unwrap_or_default());
    }
    Ok(ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn android_visitors_see_google_wallet_first() -> Result<()> {
    let _serial = serial().await;
    let sys = TestSystem::start("google_wallet").await?;
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let coupon = seed_coupon(&api, "Paw Planet", &icon, &logo).await?;
    let page_url = coupon["page_url"].as_str().unwrap_or_default().to_string();

    // Desktop first: Apple's button leads.
    sys.driver().goto(&page_url).await?;
    let order = button_order(&sys).await?;
    ensure!(
        order == ["pw-add", "pw-add-google"],
        "desktop order {order:?}"
    );
    sys.screenshot("desktop").await?;

    // An Android phone.
    let devtools = ChromeDevTools::new(sys.driver().handle.clone());
    devtools
        .execute_cdp_with_params(
            "Emulation.setUserAgentOverride",
            json!({"userAgent": ANDROID, "platform": "Android"}),
        )
        .await?;
    devtools
        .execute_cdp_with_params(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": true}),
        )
        .await?;
    sys.driver().goto(&page_url).await?;
    let order = button_order(&sys).await?;
    ensure!(
        order == ["pw-add-google", "pw-add"],
        "Android order {order:?}"
    );
    let google = sys.driver().find(By::Id("pw-add-google")).await?;
    ensure!(google.text().await? == "Add to Google Wallet");
    ensure!(google.is_displayed().await?, "the Google button is hidden");
    let note = sys
        .driver()
        .find(By::Id("pw-google-development"))
        .await
        .context("the development note")?
        .text()
        .await?;
    ensure!(note.contains("Google will refuse"), "note {note:?}");
    sys.screenshot("android").await?;

    // The button leads to Google's save page (not followed: it is Google's).
    let href = google.attr("href").await?.unwrap_or_default();
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?
        .get(sys.url(&href))
        .send()
        .await?;
    ensure!(r.status().as_u16() == 303, "{href} answered {}", r.status());
    let location = r.headers()["location"].to_str()?.to_string();
    ensure!(
        location.starts_with("https://pay.google.com/gp/v/save/"),
        "{location}"
    );
    sys.shutdown().await;
    Ok(())
}
