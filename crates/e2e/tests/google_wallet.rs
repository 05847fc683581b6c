//! The download page in Chromium on an Android phone (user agent and viewport of a
//! Pixel): "Add to Google Wallet" comes first, next to "Add to Apple Wallet", and says that
//! the development service account's links are refused by Google; on a desktop user agent
//! Apple's button comes first. The console's Google Wallet page adds an issuer from a key
//! file, and a pass's page shows its Google Wallet card, link and sync state. The campaign
//! form of each of the five types and the pass form show the Google Wallet card beside the
//! Apple one, following what is typed (a tab each at phone width); the campaign page shows
//! the campaign's own Google Wallet link with its QR code.
//! Screenshots: target/screenshots/google_wallet/, google_wallet_console/ and
//! google_wallet_forms/.

mod support;

use anyhow::{ensure, Context, Result};
use passworks_e2e::thirtyfour::extensions::cdp::ChromeDevTools;
use passworks_e2e::thirtyfour::By;
use passworks_e2e::TestSystem;
use serde_json::json;
use support::{
    images_loaded, issue_passes, seed_coupon, seed_images, serial, set_viewport, type_into,
    wait_for_text_in,
};

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

/// A service account JSON key with a fresh RSA key (made with the system's openssl).
fn service_account_key(dir: &std::path::Path) -> Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir)?;
    let pem = dir.join("key.pem");
    let status = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&pem)
        .status()?;
    ensure!(status.success(), "openssl genpkey failed");
    let key = json!({
        "type": "service_account",
        "private_key_id": "e2e0000000000000",
        "private_key": std::fs::read_to_string(&pem)?,
        "client_email": "wallet@passworks-e2e.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    });
    let path = dir.join("service-account.json");
    std::fs::write(&path, key.to_string())?;
    Ok(path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_google_wallet_page_and_pass_section() -> Result<()> {
    let _serial = serial().await;
    let sys = TestSystem::start("google_wallet_console").await?;
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let coupon = seed_coupon(&api, "Paw Planet", &icon, &logo).await?;
    let cid = coupon["id"].as_str().unwrap_or_default().to_string();
    let pass = issue_passes(&api, &cid, 1).await?.remove(0);
    let pid = pass["id"].as_str().unwrap_or_default().to_string();
    sys.sign_in().await?;
    let driver = sys.driver();

    // The pass page in development mode: the card, the link, the note.
    set_viewport(driver, 1280, 900).await?;
    sys.goto(&format!("/campaigns/coupons/{cid}/passes/{pid}"))
        .await?;
    wait_for_text_in(driver, "#google-wallet", "Google will refuse").await?;
    let card = driver.find(By::Css(".google-card")).await?;
    card.scroll_into_view().await?;
    ensure!(
        card.text().await?.contains("20% off"),
        "the card shows the offer"
    );
    ensure!(driver.find(By::Id("google-save-link")).await.is_ok());
    sys.screenshot("pass-desktop").await?;
    set_viewport(driver, 390, 844).await?;
    driver
        .find(By::Css(".google-card"))
        .await?
        .scroll_into_view()
        .await?;
    sys.screenshot("pass-phone").await?;

    // The issuers page: add one from a key file.
    set_viewport(driver, 1280, 900).await?;
    sys.goto("/google-wallet").await?;
    wait_for_text_in(driver, "table", "development").await?;
    sys.screenshot("issuers-development").await?;
    let key = service_account_key(&sys.scratch_dir())?;
    driver
        .find(By::Id("g-issuer"))
        .await?
        .send_keys("3388000000012345678")
        .await?;
    driver
        .find(By::Id("g-key"))
        .await?
        .send_keys(key.display().to_string())
        .await?;
    support::click_button(driver, "Add issuer").await?;
    wait_for_text_in(
        driver,
        "table",
        "wallet@passworks-e2e.iam.gserviceaccount.com",
    )
    .await?;
    let table = driver.find(By::Css("table")).await?.text().await?;
    ensure!(table.contains("3388000000012345678"), "{table}");
    sys.screenshot("issuers-added").await?;
    set_viewport(driver, 390, 844).await?;
    sys.screenshot("issuers-phone").await?;
    sys.shutdown().await;
    Ok(())
}

/// Whether the element found by `css` is displayed.
async fn shown(sys: &TestSystem, css: &str) -> Result<bool> {
    Ok(sys
        .driver()
        .find(By::Css(css))
        .await?
        .is_displayed()
        .await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_preview_google_wallet_and_campaign_page_links_it() -> Result<()> {
    let _serial = serial().await;
    let sys = TestSystem::start("google_wallet_forms").await?;
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let coupon = seed_coupon(&api, "Paw Planet", &icon, &logo).await?;
    let cid = coupon["id"].as_str().unwrap_or_default().to_string();
    sys.sign_in().await?;
    let driver = sys.driver();
    set_viewport(driver, 1280, 900).await?;

    // The campaign form of each type: the Google card follows the first primary field
    // (Offer title, Loyalty balance, event name, Flight origin, Generic header).
    for (path, value, expect) in [
        ("coupons", "Half price", "Half price"),
        ("store_cards", "1,250", "1,250"),
        ("event_tickets", "Summer Jam", "Summer Jam"),
        ("boarding_passes", "OSL", "OSL → SFO"),
        ("generics", "Ada Lovelace", "Ada Lovelace"),
    ] {
        sys.goto(&format!("/campaigns/{path}/new")).await?;
        passworks_e2e::wait_for(driver, By::Css("#google-live-preview .google-card")).await?;
        ensure!(
            shown(&sys, ".pass-preview").await? && shown(&sys, "#google-live-preview").await?,
            "{path}: both previews side by side on a desktop"
        );
        let input = driver
            .find(By::Css("fieldset[data-array='primary_fields'] .f-value"))
            .await?;
        type_into(&input, value).await?;
        let card = wait_for_text_in(driver, "#google-live-preview .google-card", expect)
            .await
            .with_context(|| format!("{path}: the Google card follows the form"))?;
        ensure!(!card.is_empty(), "{path}: empty card");
        if path == "coupons" || path == "boarding_passes" {
            sys.screenshot(&format!("campaign-form-{path}-desktop"))
                .await?;
        }
    }
    // Phone width: one preview at a time, a tab each.
    sys.goto("/campaigns/coupons/new").await?;
    passworks_e2e::wait_for(driver, By::Css("#google-live-preview .google-card")).await?;
    set_viewport(driver, 390, 844).await?;
    support::click_button(driver, "Show preview").await?;
    driver.find(By::Id("tab-google")).await?.click().await?;
    ensure!(
        shown(&sys, "#google-live-preview").await? && !shown(&sys, ".pass-preview").await?,
        "phone: the Google tab shows Google's card only"
    );
    sys.screenshot("campaign-form-phone-google").await?;
    driver.find(By::Id("tab-apple")).await?.click().await?;
    ensure!(
        shown(&sys, ".pass-preview").await? && !shown(&sys, "#google-live-preview").await?,
        "phone: the Apple tab shows Apple's card only"
    );
    sys.screenshot("campaign-form-phone-apple").await?;

    // The pass form: a dynamic field's value reaches the Google card's rows.
    set_viewport(driver, 1280, 900).await?;
    sys.goto(&format!("/campaigns/coupons/{cid}/passes/new"))
        .await?;
    let input = passworks_e2e::wait_for(driver, By::Id("pf-customer")).await?;
    passworks_e2e::wait_for(driver, By::Css("#google-live-preview .google-card")).await?;
    type_into(&input, "Grace Hopper").await?;
    wait_for_text_in(driver, "#google-live-preview .google-card", "Grace Hopper").await?;
    wait_for_text_in(driver, "#google-live-preview .google-card", "20% off").await?;
    sys.screenshot("pass-form-desktop").await?;
    set_viewport(driver, 390, 844).await?;
    support::click_button(driver, "Show preview").await?;
    driver.find(By::Id("tab-google")).await?.click().await?;
    wait_for_text_in(driver, "#google-live-preview .google-card", "Grace Hopper").await?;
    sys.screenshot("pass-form-phone-google").await?;

    // The campaign page: the campaign's own Google Wallet link and its QR code.
    set_viewport(driver, 1280, 900).await?;
    sys.goto(&format!("/campaigns/coupons/{cid}")).await?;
    let link = passworks_e2e::wait_for(driver, By::Id("campaign-google-link")).await?;
    let href = link.attr("href").await?.unwrap_or_default();
    ensure!(
        Some(href.as_str()) == coupon["google_save_url"].as_str() && href.contains("/g/"),
        "campaign link {href}"
    );
    images_loaded(driver, "#campaign-google-save img.google-qr", 1).await?;
    driver
        .find(By::Id("campaign-google-save"))
        .await?
        .scroll_into_view()
        .await?;
    sys.screenshot("campaign-page-desktop").await?;
    set_viewport(driver, 390, 844).await?;
    driver
        .find(By::Id("campaign-google-save"))
        .await?
        .scroll_into_view()
        .await?;
    sys.screenshot("campaign-page-phone").await?;
    // The link issues a visitor's pass and sends them to Google's save page.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?
        .get(&href)
        .header("user-agent", ANDROID)
        .send()
        .await?;
    ensure!(r.status().as_u16() == 303, "{href} answered {}", r.status());
    let location = r.headers()["location"].to_str()?.to_string();
    ensure!(
        location.starts_with("https://pay.google.com/gp/v/save/"),
        "{location}"
    );
    let passes = api.get_json(&format!("/v2/coupons/{cid}/passes")).await?;
    ensure!(
        passes.as_array().map(Vec::len) == Some(1),
        "the link issued one pass: {passes}"
    );
    sys.shutdown().await;
    Ok(())
}
