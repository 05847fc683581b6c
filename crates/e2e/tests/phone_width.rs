//! The console on a phone (390×844), where door staff and support people use it: no page
//! scrolls sideways (a campaign's page with long links and holder data; the passes list,
//! its search results and the header's "Find a pass" results, whose rows become cards of
//! labelled values), and the Google Wallet card draws a white logo (made for a dark Apple
//! pass) on the card's colour, as Google does, not white on white.
//!
//! Screenshots: `<target>/screenshots/phone_width/`.
//! Run: `cargo test -p passworks-e2e --test phone_width -- --nocapture`.

mod support;

use anyhow::{ensure, Result};
use passworks_e2e::thirtyfour::prelude::*;
use passworks_e2e::{wait_for, TestSystem};
use serde_json::{json, Value};

use support::*;

/// `[scrollWidth, innerWidth, clientWidth, what sticks out]` of the current page: the
/// elements (at most five, innermost first) whose right edge is past the layout
/// viewport's (`clientWidth`: the window less its vertical scroll bar, which headless
/// Chromium draws and a phone overlays).
async fn widths(d: &WebDriver) -> Result<(i64, i64, i64, String)> {
    let v: Value = d
        .execute(
            "const w = document.documentElement.clientWidth; \
             const out = [...document.querySelectorAll('body *')].filter(e => { \
               const r = e.getBoundingClientRect(); \
               return r.width > 0 && r.right > w + 0.5 && getComputedStyle(e).position !== 'fixed'; }) \
             .filter(e => !e.querySelector('*') || [...e.children].every(c => c.getBoundingClientRect().right <= w + 0.5)) \
             .slice(0, 5) \
             .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} right=${Math.round(e.getBoundingClientRect().right)}`); \
             return [document.scrollingElement.scrollWidth, window.innerWidth, w, out.join('; ')];",
            vec![],
        )
        .await?
        .json()
        .clone();
    Ok((
        v[0].as_i64().unwrap_or(i64::MAX),
        v[1].as_i64().unwrap_or(0),
        v[2].as_i64().unwrap_or(0),
        v[3].as_str().unwrap_or_default().to_owned(),
    ))
}

/// Fails when the page scrolls sideways, naming what sticks out: its scroll width must
/// be within the window (`innerWidth`) and within the layout viewport (`clientWidth`,
/// narrower by the scroll bar headless Chromium draws).
async fn fits(d: &WebDriver, what: &str) -> Result<()> {
    let (scroll, inner, client, wide) = widths(d).await?;
    ensure!(
        scroll <= inner && scroll <= client,
        "{what}: the page is {scroll} px wide in a {inner} px window ({client} px inside its \
         scroll bar): {wide}"
    );
    Ok(())
}

/// Scrolls `css` into view and saves a screenshot `step`.
async fn shot_at(sys: &TestSystem, css: &str, step: &str) -> Result<()> {
    let el = sys.driver().find(By::Css(css)).await?;
    sys.driver()
        .execute(
            "arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -120);",
            vec![el.to_json()?],
        )
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    sys.screenshot(step).await?;
    Ok(())
}

/// The holder data of a real pass: a long address, a long link and a long word.
fn holder_data() -> Value {
    json!({
        "email": "anna.maria.mueller-lüdenscheidt@very-long-company-domain.example.com",
        "crm": "https://crm.example.com/customers/0f4c3a7e-9b1d-4e55-8a53-2b6d2f9e1c47/loyalty/history?tab=all&since=2024-01-01",
        "note": "Donaudampfschifffahrtsgesellschaftskapitänsmütze",
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_page_fits_a_phone_and_google_draws_a_white_logo() -> Result<()> {
    let _serial = serial().await;
    let sys = start("phone_width").await?;
    let d = sys.driver();
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let mut body = coupon_body("Spring sale for members of Paw Planet Lisbon", &icon, &logo);
    body["coupon"]["user_info"] = holder_data();
    let c = api.post_json("/v2/coupons", &body).await?;
    let cid = id_of(&c)?;
    sys.sign_in().await?;

    sys.goto(&format!("/campaigns/coupons/{cid}")).await?;
    wait_for(d, By::Id("campaign-google-save")).await?;
    images_loaded(d, "#campaign-google-save img.google-qr", 1).await?;
    // The test logo is a white paw on a transparent background (an Apple logo for a dark
    // pass). Google masks it into a circle on the card's colour: inside the circle there
    // must be the card's colour (#1e3a5f) around white paw pixels, not white everywhere.
    images_loaded(d, "#google-live-preview img.google-logo", 1).await?;
    let shot = d
        .find(By::Css("#google-live-preview img.google-logo"))
        .await?
        .screenshot_as_png()
        .await?;
    let img = image::load_from_memory(&shot)?.to_rgb8();
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (mut white, mut card, mut inside) = (0, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        let (dx, dy) = (x as f32 + 0.5 - w / 2.0, y as f32 + 0.5 - h / 2.0);
        if dx * dx + dy * dy > (w.min(h) * 0.42).powi(2) {
            continue;
        }
        inside += 1;
        let [r, g, b] = p.0;
        if r > 235 && g > 235 && b > 235 {
            white += 1;
        }
        if (r as i32 - 0x1e).abs() < 24
            && (g as i32 - 0x3a).abs() < 24
            && (b as i32 - 0x5f).abs() < 24
        {
            card += 1;
        }
    }
    ensure!(
        white * 20 > inside && card * 5 > inside,
        "the Google logo's circle: {white} white and {card} card-coloured pixels of {inside}"
    );

    // Desktop, then a phone: nothing sticks out sideways.
    sys.screenshot("campaign-desktop-top").await?;
    shot_at(&sys, "#campaign-google-save", "campaign-desktop-google").await?;
    fits(d, "campaign page at 1280").await?;
    set_viewport(d, 390, 844).await?;
    wait_for(d, By::Id("campaign-google-save")).await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    fits(d, "campaign page at 390").await?;
    d.execute("window.scrollTo(0, 0)", vec![]).await?;
    sys.screenshot("campaign-phone-top").await?;
    shot_at(&sys, "#dist-h", "campaign-phone-distribution").await?;
    shot_at(&sys, "#campaign-google-save", "campaign-phone-google").await?;
    shot_at(&sys, "#attrs-h", "campaign-phone-attributes").await?;
    shot_at(&sys, ".preview-pane", "campaign-phone-preview").await?;
    d.find(By::Id("tab-google")).await?.click().await?;
    shot_at(&sys, ".preview-pane", "campaign-phone-preview-google").await?;
    fits(d, "campaign page at 390, Google card shown").await?;
    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_passes_list_and_search_results_fit_a_phone() -> Result<()> {
    let _serial = serial().await;
    let sys = start("phone_width_passes").await?;
    let d = sys.driver();
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let c = seed_coupon(&api, "Paw Planet", &icon, &logo).await?;
    let cid = id_of(&c)?;
    for (i, name) in [
        "Anna Maria Müller-Lüdenscheidt",
        "Bob Stone",
        "Carla Quartz de la Fuente y Villanueva",
    ]
    .iter()
    .enumerate()
    {
        api.post_json(
            &format!("/v2/coupons/{cid}/passes"),
            &json!({"pass": {
                "secondary_fields": [{"key": "customer", "value": name}],
                "serial_number": format!("PAW-PLANET-LISBON-2026-MEMBER-{i:04}-0f4c3a7e9b1d4e55"),
                "user_info": holder_data(),
            }}),
        )
        .await?;
    }
    sys.sign_in().await?;
    let list = format!("/campaigns/coupons/{cid}/passes");

    // Desktop: a table, as before.
    sys.goto(&list).await?;
    wait_for_text_in(d, "table.data tbody", "Bob Stone").await?;
    sys.screenshot("passes-desktop").await?;
    let shown: Value = d
        .execute(
            "return getComputedStyle(document.querySelector('table.data tbody td')).display",
            vec![],
        )
        .await?
        .json()
        .clone();
    ensure!(shown == "table-cell", "desktop cells display {shown}");

    // A phone: each pass a card of labelled values; nothing scrolls sideways, not even
    // inside the list.
    set_viewport(d, 390, 844).await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    fits(d, "passes list at 390").await?;
    let card: Value = d
        .execute(
            "const td = [...document.querySelectorAll('table.data tbody tr:first-child td')]; \
             const wrap = document.querySelector('.table-wrap'); \
             return {display: getComputedStyle(td[1]).display, \
                     labels: td.map(t => getComputedStyle(t, '::before').content), \
                     wrap: [wrap.scrollWidth, wrap.clientWidth]};",
            vec![],
        )
        .await?
        .json()
        .clone();
    ensure!(card["display"] != "table-cell", "phone cells: {card}");
    let labels = card["labels"].to_string();
    for label in ["Code", "Serial number", "State", "Field values", "Created"] {
        ensure!(
            labels.contains(&format!("\\\"{label}\\\"")),
            "the card shows no {label:?} label: {labels}"
        );
    }
    ensure!(
        card["wrap"][0].as_i64() <= card["wrap"][1].as_i64(),
        "the list scrolls sideways inside: {card}"
    );
    sys.screenshot("passes-phone").await?;
    shot_at(
        &sys,
        "table.data tbody tr:nth-child(2)",
        "passes-phone-cards",
    )
    .await?;

    // Its search results, and the header's "Find a pass" across campaigns.
    sys.goto(&format!("{list}?q[search]=quartz")).await?;
    wait_for_text_in(d, "table.data tbody", "Carla Quartz").await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    fits(d, "pass search results at 390").await?;
    sys.screenshot("passes-phone-search").await?;
    let find = wait_for(d, By::Id("find-pass")).await?;
    type_into(&find, "müller").await?;
    find.send_keys(Key::Enter).await?;
    wait_for_text_in(d, ".find-results", "Anna Maria").await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    fits(d, "find-a-pass results at 390").await?;
    sys.screenshot("find-pass-phone").await?;
    let text = text_of(d, ".find-results").await?;
    ensure!(text.contains("Paw Planet"), "find results: {text}");
    sys.shutdown().await;
    Ok(())
}
