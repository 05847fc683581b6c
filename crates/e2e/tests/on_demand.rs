//! Pages loaded on demand: the first load carries only what the campaigns table needs,
//! a page group's code is downloaded the first time one of its pages opens (and only
//! then), and a download that fails leaves a working console with a way to retry.

mod support;

use anyhow::{bail, Result};
use passworks_e2e::thirtyfour::extensions::cdp::ChromeDevTools;
use passworks_e2e::thirtyfour::prelude::*;
use passworks_e2e::{wait_for, wait_for_path, wait_for_text, TestSystem};
use serde_json::json;
use support::{click_button, path_and_query, seed_coupon, seed_images, serial, text_of};

/// The on-demand wasm files the page has fetched so far, in order, with repeats.
async fn fetched_chunks(driver: &WebDriver) -> Result<Vec<String>> {
    let names = driver
        .execute(
            r#"return performance.getEntriesByType('resource')
                 .map(e => new URL(e.name).pathname.split('/').pop())
                 .filter(n => /^(split|chunk)_.*\.wasm$/.test(n));"#,
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(names.json().clone())?)
}

fn count_group(fetched: &[String], group: &str) -> usize {
    let prefix = format!("split_{group}-");
    fetched.iter().filter(|n| n.starts_with(&prefix)).count()
}

async fn nav_link(driver: &WebDriver, label: &str) -> Result<()> {
    driver.find(By::LinkText(label)).await?.click().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn page_code_is_fetched_on_first_use_and_only_once() -> Result<()> {
    let _serial = serial().await;
    let sys = TestSystem::start("on_demand_fetch").await?;
    let d = sys.driver();
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let coupon = seed_coupon(&api, "Spring Sale", &icon, &logo).await?;
    sys.sign_in().await?;

    // A fresh load of the campaigns table fetches no page chunks.
    d.goto("about:blank").await?;
    sys.goto("/campaigns/coupons").await?;
    wait_for(d, By::Css("table.data tbody tr td a")).await?;
    let first = fetched_chunks(d).await?;
    if !first.is_empty() {
        bail!("the campaigns table fetched on-demand code: {first:?}");
    }

    // Opening a campaign fetches the campaigns group (its page and shared chunks).
    d.find(By::LinkText("Spring Sale")).await?.click().await?;
    wait_for_path(
        d,
        &format!(
            "/campaigns/coupons/{}",
            coupon["id"].as_str().unwrap_or_default()
        ),
    )
    .await?;
    wait_for_text(d, "Distribution").await?;
    let after_detail = fetched_chunks(d).await?;
    assert_eq!(
        count_group(&after_detail, "campaigns"),
        1,
        "{after_detail:?}"
    );
    assert_eq!(count_group(&after_detail, "admin"), 0, "{after_detail:?}");
    sys.screenshot("campaign-detail-on-demand").await?;

    // Pointing at a link starts fetching its page's code before any click.
    let reports = d.find(By::LinkText("Reports")).await?;
    d.action_chain()
        .move_to_element_center(&reports)
        .perform()
        .await?;
    support::wait_until("the reports code to be prefetched", || async {
        Ok((count_group(&fetched_chunks(d).await?, "insights") == 1).then_some(()))
    })
    .await?;
    assert!(path_and_query(d)
        .await?
        .ends_with(coupon["id"].as_str().unwrap_or_default()));
    reports.click().await?;
    support::wait_for_text_in(d, "h1", "Reports").await?;
    assert_eq!(count_group(&fetched_chunks(d).await?, "insights"), 1);
    d.back().await?;
    wait_for_text(d, "Distribution").await?;

    // Another group's page fetches that group.
    nav_link(d, "Account").await?;
    wait_for_path(d, "/account").await?;
    support::wait_for_text_in(d, "h1", "Account").await?;
    let after_account = fetched_chunks(d).await?;
    assert_eq!(count_group(&after_account, "admin"), 1, "{after_account:?}");

    // Going back to a page of a group already loaded fetches nothing more.
    d.back().await?;
    wait_for_text(d, "Distribution").await?;
    nav_link(d, "Certificates").await?;
    wait_for_path(d, "/certificates").await?;
    support::wait_for_text_in(d, "h1", "Certificates").await?;
    let last = fetched_chunks(d).await?;
    assert_eq!(last.len(), after_account.len(), "refetched: {last:?}");

    // On a slow network the wait for a group's code shows a progress bar.
    let devtools = ChromeDevTools::new(d.handle.clone());
    devtools.execute_cdp("Network.enable").await?;
    devtools
        .execute_cdp_with_params(
            "Network.emulateNetworkConditions",
            json!({"offline": false, "latency": 1500, "downloadThroughput": -1, "uploadThroughput": -1}),
        )
        .await?;
    nav_link(d, "Assets").await?;
    let bar = wait_for(d, By::Css(".route-progress[role=progressbar]")).await?;
    assert_eq!(
        bar.attr("aria-label").await?.as_deref(),
        Some("Loading the page")
    );
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    sys.screenshot("slow-network-progress-bar").await?;
    support::wait_for_text_in(d, "h1", "Assets").await?;
    passworks_e2e::wait_gone(d, By::Css(".route-progress")).await?;
    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_whose_code_cannot_be_downloaded_says_so_and_the_console_keeps_working() -> Result<()>
{
    let _serial = serial().await;
    let sys = TestSystem::start("on_demand_offline").await?;
    let d = sys.driver();
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    seed_coupon(&api, "Spring Sale", &icon, &logo).await?;
    sys.sign_in().await?;
    sys.goto("/campaigns/coupons").await?;
    wait_for(d, By::Css("table.data tbody tr td a")).await?;

    // The network drops the admin pages' chunk.
    let devtools = ChromeDevTools::new(d.handle.clone());
    devtools.execute_cdp("Network.enable").await?;
    devtools
        .execute_cdp_with_params(
            "Network.setBlockedURLs",
            json!({"urls": ["*split_admin-*"]}),
        )
        .await?;
    nav_link(d, "Webhooks").await?;
    wait_for_text(d, "This page could not be loaded").await?;
    let alert = text_of(d, "[role=alert]").await?;
    assert!(alert.contains("Check your connection"), "{alert}");
    sys.screenshot("page-load-failed").await?;

    // The rest of the console still works.
    nav_link(d, "Coupons").await?;
    wait_for(d, By::Css("table.data tbody tr td a")).await?;

    // Back online, the page loads: by its reload button, and by plain navigation.
    nav_link(d, "Webhooks").await?;
    wait_for_text(d, "This page could not be loaded").await?;
    devtools
        .execute_cdp_with_params("Network.setBlockedURLs", json!({"urls": []}))
        .await?;
    click_button(d, "Reload the page").await?;
    wait_for_path(d, "/webhooks").await?;
    support::wait_for_text_in(d, "h1", "Webhooks").await?;
    nav_link(d, "Coupons").await?;
    wait_for(d, By::Css("table.data tbody tr td a")).await?;
    nav_link(d, "Certificates").await?;
    support::wait_for_text_in(d, "h1", "Certificates").await?;
    sys.screenshot("page-loaded-after-reconnect").await?;
    sys.shutdown().await;
    Ok(())
}
