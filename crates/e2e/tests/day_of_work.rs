//! A day of real work with the console (issue 15): the home dashboard, unpublished
//! campaign changes offered as a merge, the redeem screen ready for the next scan, and
//! the public download page drawn by the same renderer as the console's preview.
//! Screenshots (desktop 1280, phone 390×844) go to `<target>/screenshots/<test>/`.
//!
//! Run: `cargo test -p passworks-e2e --test day_of_work -- --nocapture`.

mod support;

use anyhow::{ensure, Context, Result};
use passworks_e2e::thirtyfour::prelude::*;
use passworks_e2e::{wait_for, wait_for_text};
use serde_json::{json, Value};

use support::*;

/// The front fields of the pass card on the page: `key=label|value` in document order.
async fn card_fields(d: &WebDriver) -> Result<Vec<String>> {
    let v: Value = d
        .execute(
            "return [...document.querySelectorAll('.pass-card .pf')].map(f => \
             f.dataset.key + '=' + f.querySelector('.pf-label').textContent + '|' + \
             f.querySelector('.pf-value').textContent);",
            vec![],
        )
        .await?
        .json()
        .clone();
    Ok(v.as_array()
        .context("fields")?
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_owned())
        .collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_unpublished_changes_and_the_download_page() -> Result<()> {
    let _serial = serial().await;
    // Webhooks to a local address that does not answer: failures for the dashboard.
    let Seeded {
        sys,
        api,
        icon,
        logo,
        cid: sid,
        ..
    } = seeded("day_dashboard", &["--allow-private-webhooks"]).await?;
    let d = sys.driver();
    let quiet = seed_coupon(&api, "Quiet coupon", &icon, &logo).await?;
    let qid = quiet["id"].as_str().context("campaign id")?.to_owned();
    let passes = issue_passes(&api, &sid, 3).await?;
    issue_passes(&api, &qid, 1).await?;
    let pid = passes[0]["id"].as_str().context("pass id")?.to_owned();
    api.post_json(
        &format!("/v2/coupons/{sid}/passes/{pid}/redeem"),
        &json!({}),
    )
    .await?;
    // A webhook receiver that is not there: its deliveries fail and wait for a retry.
    let hook = api
        .request(reqwest::Method::PATCH, "/v2/account")
        .json(&json!({"account": {"webhook_url": "http://127.0.0.1:9/hook"}}))
        .send()
        .await?;
    ensure!(hook.status().is_success(), "webhook url: {}", hook.status());
    issue_passes(&api, &qid, 1).await?;

    // Home: totals, the busiest campaign first, recent activity, failures.
    sys.sign_in().await?;
    let totals = wait_for_text_in(d, ".dashboard-totals", "Passes issued").await?;
    ensure!(totals.contains("5"), "5 passes issued: {totals}");
    let busiest = texts_of(
        d,
        "section[aria-labelledby='busiest-h'] tbody tr td:first-child",
    )
    .await?;
    ensure!(
        busiest.first().map(String::as_str) == Some("Spring sale"),
        "busiest first: {busiest:?}"
    );
    wait_for_text_in(d, "section[aria-labelledby='recent-h']", "Redeemed").await?;
    // The failed delivery shows once the webhook worker has tried it.
    let failures = wait_until("the failed webhook on the dashboard", || async {
        d.refresh().await?;
        let t = wait_for_text_in(d, "section[aria-labelledby='failures-h']", "Webhooks").await?;
        Ok((!t.contains("0 given up, 0 waiting")).then_some(t))
    })
    .await?;
    ensure!(failures.contains("127.0.0.1:9"), "{failures}");
    sys.screenshot("01-dashboard").await?;
    set_viewport(d, 390, 844).await?;
    sys.screenshot("02-dashboard-phone").await?;
    set_viewport(d, 1280, 900).await?;

    // Unpublished changes: an edit leaves the 3 issued passes behind until a merge.
    let edit = api
        .request(reqwest::Method::PATCH, &format!("/v2/coupons/{sid}"))
        .json(&json!({"coupon": {"logo_text": "Paw Planet Spring"}}))
        .send()
        .await?;
    ensure!(edit.status().is_success(), "edit: {}", edit.status());
    sys.goto(&format!("/campaigns/coupons/{sid}")).await?;
    let banner =
        wait_for_text_in(d, ".banner.unpublished", "do not show your last changes").await?;
    ensure!(banner.starts_with("3 issued passes"), "{banner}");
    sys.screenshot("03-unpublished-changes").await?;
    d.find(By::Css(".banner.unpublished button"))
        .await?
        .click()
        .await?;
    fill(d, "#push-message", "New look for spring").await?;
    click_button(d, "Merge and push").await?;
    wait_for_text_in(d, ".banner", "Merge").await?;
    passworks_e2e::wait_gone(d, By::Css(".banner.unpublished")).await?;
    let changes = api.get_json(&format!("/v2/coupons/{sid}/changes")).await?;
    ensure!(changes["outdated_passes_count"] == 0, "{changes}");

    // The console's preview of a pass and its public download page: one renderer, the
    // same fields in the same places.
    sys.goto(&format!("/campaigns/coupons/{sid}/passes/{pid}"))
        .await?;
    wait_for(d, By::Css(".pass-card .barcode-img")).await?;
    let console_fields = card_fields(d).await?;
    ensure!(
        console_fields
            .iter()
            .any(|f| f == "customer=Customer|Customer 1"),
        "{console_fields:?}"
    );
    let console_style = d
        .find(By::Css(".pass-card"))
        .await?
        .attr("class")
        .await?
        .unwrap_or_default();
    let page_url = passes[0]["page_url"]
        .as_str()
        .context("page url")?
        .to_owned();
    d.goto(&page_url).await?;
    wait_for_text(d, "Add to Apple Wallet").await?;
    images_loaded(d, ".pass-card img", 2).await?;
    let page_fields = card_fields(d).await?;
    ensure!(
        page_fields == console_fields,
        "page {page_fields:?} vs console {console_fields:?}"
    );
    let page_style = d
        .find(By::Css(".pass-card"))
        .await?
        .attr("class")
        .await?
        .unwrap_or_default();
    ensure!(
        page_style == console_style,
        "{page_style} vs {console_style}"
    );
    let logo_text = text_of(d, ".pass-logo-text").await?;
    ensure!(
        logo_text == "Paw Planet Spring",
        "the logo text: {logo_text:?}"
    );
    sys.screenshot("04-download-page").await?;
    set_viewport(d, 390, 844).await?;
    sys.screenshot("05-download-page-phone").await?;

    sys.shutdown().await;
    Ok(())
}
