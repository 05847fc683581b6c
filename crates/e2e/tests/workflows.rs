//! The console's workflows (issue 6), end to end: the real server, the built
//! console and headless Chromium. Each test seeds what is not the point of
//! the test through the API and drives the rest through the browser, saving a
//! screenshot at each step under `<target>/screenshots/<test>/`.
//!
//! Run: `cargo test -p passworks-e2e --test workflows -- --nocapture`.

mod support;

use anyhow::{ensure, Context, Result};
use passworks_e2e::thirtyfour::prelude::*;
use passworks_e2e::{wait_for, wait_for_path, wait_for_text, wait_gone};
use serde_json::Value;

use support::*;

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_with_wrong_and_right_credentials_then_sign_out() -> Result<()> {
    let _serial = serial().await;
    let sys = start("wf_sign_in").await?;
    let d = sys.driver();

    // A protected page sends a signed-out visitor to the sign-in form.
    sys.goto("/campaigns/coupons").await?;
    wait_for_path(d, "/sign-in").await?;
    wait_for(d, By::Id("username")).await?;
    sys.screenshot("01-sign-in").await?;

    // The right key: the overview with the account's name.
    sys.sign_in().await?;
    wait_for_text(d, "0 campaigns").await?;
    wait_for_text_in(d, ".account-name", &sys.account().name).await?;
    let stored: Value = d
        .execute(
            "return window.sessionStorage.length + window.localStorage.length;",
            vec![],
        )
        .await?
        .json()
        .clone();
    ensure!(
        stored.as_i64().unwrap_or(0) >= 1,
        "credentials are kept in web storage"
    );
    sys.screenshot("02-overview").await?;

    // Sign out: back on the sign-in form, and protected pages stay closed.
    click_button(d, "Sign out").await?;
    wait_for_path(d, "/sign-in").await?;
    wait_for(d, By::Id("username")).await?;
    sys.goto("/assets").await?;
    wait_for_path(d, "/sign-in").await?;
    let kept: Value = d
        .execute(
            "return Object.keys(window.sessionStorage).concat(Object.keys(window.localStorage))\
             .filter(k => (window.sessionStorage.getItem(k) || window.localStorage.getItem(k) || '').includes(arguments[0]));",
            vec![Value::String(sys.account().api_key.clone())],
        )
        .await?
        .json()
        .clone();
    ensure!(
        kept.as_array().is_some_and(|a| a.is_empty()),
        "the API key is still stored after signing out: {kept}"
    );
    sys.screenshot("03-signed-out").await?;

    // Wrong key: a clear message, and the form stays.
    sys.goto("/sign-in").await?;
    fill(d, "#username", &sys.account().api_username).await?;
    fill(d, "#apikey", "not-the-key").await?;
    wait_for(d, By::Css("form button[type='submit']"))
        .await?
        .click()
        .await?;
    let banner = wait_for_text_in(d, ".banner.error", "Sign-in failed").await?;
    ensure!(
        banner.contains("do not match"),
        "wrong-credentials message: {banner}"
    );
    wait_for(d, By::Id("apikey")).await?;
    sys.screenshot("04-wrong-key").await?;

    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_an_icon_and_a_logo_on_the_assets_page() -> Result<()> {
    let _serial = serial().await;
    let sys = start("wf_assets").await?;
    let d = sys.driver();
    let dir = sys.scratch_dir();
    let icon = write_file(&dir, "icon.png", &icon_png())?;
    let logo = write_file(&dir, "logo.png", &logo_png())?;
    let not_an_image = write_file(&dir, "notes.txt", b"not an image")?;

    sys.sign_in().await?;
    sys.goto("/assets").await?;
    wait_for(d, By::Id("upload-type")).await?;
    wait_for(d, By::Css(".empty")).await?;
    sys.screenshot("01-assets-empty").await?;

    // Icon: choose the type, then the file.
    select(d, "#upload-type", "icon").await?;
    let input = d.find(By::Id("upload-file")).await?;
    input.send_keys(icon.to_string_lossy()).await?;
    wait_for_text_in(
        d,
        "[role='status'], .banner",
        "Uploaded icon.png as icon (87×87)",
    )
    .await?;
    wait_for(d, By::Css(".gallery li")).await?;
    sys.screenshot("02-icon-uploaded").await?;

    // Logo.
    select(d, "#upload-type", "logo").await?;
    let input = d.find(By::Id("upload-file")).await?;
    input.send_keys(logo.to_string_lossy()).await?;
    wait_for_text_in(
        d,
        "[role='status'], .banner",
        "Uploaded logo.png as logo (100×100)",
    )
    .await?;
    wait_until("two cards in the gallery", || async {
        Ok((d.find_all(By::Css(".gallery li")).await?.len() == 2).then_some(()))
    })
    .await?;
    // The thumbnails load.
    images_loaded(d, ".gallery img", 2).await?;
    sys.screenshot("03-icon-and-logo").await?;

    // The browser refuses a file that is not an image before uploading it.
    let input = d.find(By::Id("upload-file")).await?;
    input.send_keys(not_an_image.to_string_lossy()).await?;
    wait_for_text_in(d, "[role='alert'], .banner", "not a PNG, JPEG or GIF").await?;
    sys.screenshot("04-refused-file").await?;

    // Filter by type: only the logo.
    select(d, "#type-filter", "logo").await?;
    wait_until("the logo filter", || async {
        Ok((d.find_all(By::Css(".gallery li")).await?.len() == 1).then_some(()))
    })
    .await?;
    ensure!(
        decoded_query(d).await?.contains("q[asset_type_eq]=logo"),
        "the type filter is in the URL: {}",
        path_and_query(d).await?
    );

    let api = sys.api();
    let assets = api.get_json("/v2/assets").await?;
    let types: Vec<&str> = assets
        .as_array()
        .context("asset list")?
        .iter()
        .filter_map(|a| a["asset_type"].as_str())
        .collect();
    ensure!(
        types.len() == 2 && types.contains(&"icon") && types.contains(&"logo"),
        "assets: {assets}"
    );

    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn create_a_coupon_with_fields_location_and_colours_watching_the_preview() -> Result<()> {
    let _serial = serial().await;
    let sys = start("wf_campaign_form").await?;
    let d = sys.driver();
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;

    sys.sign_in().await?;
    sys.goto("/campaigns/coupons").await?;
    wait_for(d, By::Css(".empty")).await?;
    click_button(d, "New coupon").await?;
    wait_for_path(d, "/campaigns/coupons/new").await?;
    wait_for(d, By::Id("f-name")).await?;
    wait_for(d, By::Css(".pass-card")).await?;
    sys.screenshot("01-new-coupon").await?;

    fill(d, "#f-name", "Spring sale").await?;
    fill(d, "#f-organization_name", "Paw Planet").await?;

    // Logo text: the preview follows every keystroke.
    let logo_text = wait_for(d, By::Id("f-logo_text")).await?;
    type_into(&logo_text, "Paw").await?;
    wait_for_text_in(d, ".pass-card .pass-logo-text", "Paw").await?;
    logo_text.send_keys(" Planet").await?;
    wait_for_text_in(d, ".pass-card .pass-logo-text", "Paw Planet").await?;

    // Colours typed as hex: the card's colours change.
    let card_colours = || async {
        let v: Value = d
            .execute(
                "const c=document.querySelector('.pass-card'); const s=getComputedStyle(c);\
                 const l=c.querySelector('.pf-label'); \
                 return [s.backgroundColor, l ? getComputedStyle(l).color : ''];",
                vec![],
            )
            .await?
            .json()
            .clone();
        Ok::<_, anyhow::Error>((
            v[0].as_str().unwrap_or_default().to_owned(),
            v[1].as_str().unwrap_or_default().to_owned(),
        ))
    };
    let (bg_before, _) = card_colours().await?;
    fill(d, "#f-background_color", "#6a1b9a").await?;
    fill(d, "#f-text_color", "#ffffff").await?;
    fill(d, "#f-label_color", "#ffd54f").await?;
    wait_until("the preview colours", || async {
        let (bg, label) = card_colours().await?;
        Ok((bg == "rgb(106, 27, 154)" && label == "rgb(255, 213, 79)").then_some(()))
    })
    .await
    .with_context(|| format!("background before: {bg_before}"))?;
    let style = d
        .find(By::Css(".pass-card"))
        .await?
        .attr("style")
        .await?
        .unwrap_or_default();
    ensure!(
        style.contains("#6a1b9a") && style.contains("#ffd54f"),
        "preview style: {style}"
    );

    // Images: pick the icon and the logo; the logo appears on the card.
    for (slot, id) in [("icon", &icon), ("logo", &logo)] {
        let radio = wait_until(&format!("the {slot} thumbnail"), || async {
            Ok(
                d.find_all(By::Css(format!("input[name='slot-{slot}'][value='{id}']")))
                    .await?
                    .into_iter()
                    .next(),
            )
        })
        .await?;
        js_click(d, &radio).await?;
    }
    wait_until("the logo on the preview", || async {
        let ok: Value = d
            .execute(
                "const i=document.querySelector('.pass-card img.pass-logo');\
                 return !!i && i.complete && i.naturalWidth>0;",
                vec![],
            )
            .await?
            .json()
            .clone();
        Ok(ok.as_bool().unwrap_or(false).then_some(()))
    })
    .await?;

    // The coupon starts with a primary field; change its label and value.
    let primary = "fieldset[data-array='primary_fields'] .field-row";
    let key = wait_for(d, By::Css(format!("{primary} .f-key"))).await?;
    let key = key.prop("value").await?.unwrap_or_default();
    let in_preview = format!(".pass-card .pf.primary[data-key='{key}']");
    fill(d, &format!("{primary} .f-label"), "Offer").await?;
    fill(d, &format!("{primary} .f-value"), "25% off").await?;
    wait_for_text_in(d, &in_preview, "25% off").await?;
    let label = text_of(d, &format!("{in_preview} .pf-label")).await?;
    ensure!(
        label.eq_ignore_ascii_case("offer"),
        "primary label in the preview: {label:?}"
    );

    // Add a dynamic secondary field: a placeholder until a pass gives it a value.
    let secondary = "fieldset[data-array='secondary_fields']";
    wait_for(d, By::Css(format!("{secondary} button.add")))
        .await?
        .click()
        .await?;
    let row = format!("{secondary} .field-row:last-child");
    fill(d, &format!("{row} .f-key"), "customer").await?;
    fill(d, &format!("{row} .f-label"), "Customer").await?;
    select(d, &format!("{row} .f-behaviour"), "dynamic").await?;
    wait_for(
        d,
        By::Css(".pass-card .pf.placeholder[data-key='customer']"),
    )
    .await?;

    // Add a fixed auxiliary field.
    let auxiliary = "fieldset[data-array='auxiliary_fields']";
    wait_for(d, By::Css(format!("{auxiliary} button.add")))
        .await?
        .click()
        .await?;
    let row = format!("{auxiliary} .field-row:last-child");
    fill(d, &format!("{row} .f-key"), "valid").await?;
    fill(d, &format!("{row} .f-label"), "Valid until").await?;
    fill(d, &format!("{row} .f-value"), "31 May").await?;
    wait_for_text_in(d, ".pass-card .pf[data-key='valid']", "31 May").await?;

    // A location.
    click_button(d, "Add location").await?;
    fill(d, "input[aria-label='Latitude']", "38.7223").await?;
    fill(d, "input[aria-label='Longitude']", "-9.1393").await?;
    fill(
        d,
        "input[aria-label='Relevant text']",
        "Paw Planet Lisbon is around the corner",
    )
    .await?;

    // The barcode of the preview is drawn (an image from the server).
    wait_until("the preview barcode image", || async {
        let ok: Value = d
            .execute(
                "const i=document.querySelector('.pass-card .barcode-img');\
                 return !!i && i.tagName=='IMG' && i.complete && i.naturalWidth>0;",
                vec![],
            )
            .await?
            .json()
            .clone();
        Ok(ok.as_bool().unwrap_or(false).then_some(()))
    })
    .await?;
    d.execute("window.scrollTo(0,0)", vec![]).await?;
    sys.screenshot("02-form-with-preview").await?;

    // Create: the detail page of the new campaign.
    click_button(d, "Create campaign").await?;
    wait_until("the detail page of the new coupon", || async {
        let p = d.current_url().await?.path().to_owned();
        Ok((p.starts_with("/campaigns/coupons/") && !p.ends_with("/new")).then_some(p))
    })
    .await?;
    wait_for_text_in(d, "h1", "Spring sale").await?;
    wait_for_text(d, "Distribution").await?;
    let id = last_segment(d.current_url().await?.path());
    sys.screenshot("03-campaign-detail").await?;

    let c = api.get_json(&format!("/v2/coupons/{id}")).await?;
    ensure!(c["name"] == "Spring sale", "{c}");
    ensure!(c["logo_text"] == "Paw Planet", "{c}");
    ensure!(
        c["background_color"]
            .as_str()
            .map(str::to_lowercase)
            .as_deref()
            == Some("#6a1b9a")
            || c["background_color"] == "rgb(106, 27, 154)",
        "background: {}",
        c["background_color"]
    );
    ensure!(
        c["icon_id"] == Value::String(icon.clone()) && c["logo_id"] == Value::String(logo.clone()),
        "images: {c}"
    );
    ensure!(
        c["primary_fields"][0]["value"] == "25% off",
        "{}",
        c["primary_fields"]
    );
    ensure!(
        c["secondary_fields"][0]["key"] == "customer"
            && c["secondary_fields"][0]["behaviour"] == "dynamic",
        "{}",
        c["secondary_fields"]
    );
    ensure!(
        c["auxiliary_fields"][0]["key"] == "valid" && c["auxiliary_fields"][0]["value"] == "31 May",
        "{}",
        c["auxiliary_fields"]
    );
    ensure!(
        c["locations"].as_array().map(Vec::len) == Some(1),
        "locations: {}",
        c["locations"]
    );
    ensure!(
        (c["locations"][0]["latitude"].as_f64().unwrap_or(0.0) - 38.7223).abs() < 1e-6,
        "{}",
        c["locations"]
    );

    // The campaigns list shows it, with a real link.
    sys.goto("/campaigns/coupons").await?;
    wait_for_text_in(d, "table.data tbody", "Spring sale").await?;
    sys.screenshot("04-campaigns-list").await?;

    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_passes_then_paginate_sort_filter_and_reload_the_list() -> Result<()> {
    let _serial = serial().await;
    let sys = start("wf_passes").await?;
    let d = sys.driver();
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let c = seed_coupon(&api, "Spring sale", &icon, &logo).await?;
    let cid = c["id"].as_str().context("campaign id")?.to_owned();
    let base = format!("/campaigns/coupons/{cid}");

    sys.sign_in().await?;

    // Issue one pass in the browser, with a value for the dynamic field.
    sys.goto(&format!("{base}/passes/new")).await?;
    let customer = wait_for(d, By::Id("pf-customer")).await?;
    type_into(&customer, "Ana Silva").await?;
    wait_for_text_in(d, ".pass-card .pf[data-key='customer']", "Ana Silva").await?;
    sys.screenshot("01-new-pass").await?;
    click_button(d, "Create pass").await?;
    wait_until("the new pass page", || async {
        let p = d.current_url().await?.path().to_owned();
        Ok((p.contains("/passes/") && !p.ends_with("/new")).then_some(()))
    })
    .await?;
    wait_for_text(d, "0000001").await?;
    wait_for_text(d, "Ana Silva").await?;
    sys.screenshot("02-pass-detail").await?;

    // 29 more through the API: 30 passes, codes 0000001…0000030.
    issue_passes(&api, &cid, 29).await?;

    sys.goto(&format!("{base}/passes")).await?;
    wait_for_text_in(d, ".pager .range", "30").await?;
    let rows = d.find_all(By::Css("table.data tbody tr")).await?;
    ensure!(rows.len() == 25, "page 1 has 25 rows, not {}", rows.len());
    sys.screenshot("03-passes-page-1").await?;

    // Page 2: five rows; the page is in the URL.
    wait_for(d, By::Css(".pager button[aria-label='Page 2']"))
        .await?
        .click()
        .await?;
    wait_until("page 2", || async {
        Ok((d.find_all(By::Css("table.data tbody tr")).await?.len() == 5).then_some(()))
    })
    .await?;
    ensure!(
        decoded_query(d).await?.contains("page=2"),
        "URL: {}",
        path_and_query(d).await?
    );

    // 50 per page: all 30 on one page.
    select(d, ".pager .per-page select", "50").await?;
    wait_until("30 rows", || async {
        Ok((d.find_all(By::Css("table.data tbody tr")).await?.len() == 30).then_some(()))
    })
    .await?;
    ensure!(
        decoded_query(d).await?.contains("per_page=50"),
        "URL: {}",
        path_and_query(d).await?
    );

    // Sort by code, descending (two clicks on the header).
    let code_header = "table.data thead th:nth-child(2) button.sort";
    wait_for(d, By::Css(code_header)).await?.click().await?;
    wait_for_text_in(
        d,
        "table.data tbody tr:first-child td:nth-child(2)",
        "0000001",
    )
    .await?;
    wait_for(d, By::Css(code_header)).await?.click().await?;
    wait_for_text_in(
        d,
        "table.data tbody tr:first-child td:nth-child(2)",
        "0000030",
    )
    .await?;
    let aria = d
        .find(By::Css("table.data thead th:nth-child(2)"))
        .await?
        .attr("aria-sort")
        .await?;
    ensure!(aria.as_deref() == Some("descending"), "aria-sort: {aria:?}");
    let q = decoded_query(d).await?;
    ensure!(
        q.contains("redeem_code") && q.contains("desc"),
        "sort in the URL: {q}"
    );
    sys.screenshot("04-sorted-descending").await?;

    // Filter by code.
    let filter = wait_for(d, By::Css("input[aria-label='Filter by code']")).await?;
    type_into(&filter, "0000007").await?;
    filter.send_keys(Key::Enter).await?;
    wait_until("one filtered row", || async {
        Ok((d.find_all(By::Css("table.data tbody tr")).await?.len() == 1).then_some(()))
    })
    .await?;
    wait_for_text_in(d, "table.data tbody", "0000007").await?;
    let before = path_and_query(d).await?;
    ensure!(
        decoded_query(d)
            .await?
            .contains("q[redeem_code_eq]=0000007"),
        "filter in the URL: {before}"
    );
    sys.screenshot("05-filtered").await?;

    // Reload: the same URL, the same view.
    d.refresh().await?;
    wait_for_text_in(d, "table.data tbody", "0000007").await?;
    let after = path_and_query(d).await?;
    ensure!(
        after == before,
        "the URL changed on reload: {before} → {after}"
    );
    ensure!(
        d.find_all(By::Css("table.data tbody tr")).await?.len() == 1,
        "rows after reload"
    );
    let value = d
        .find(By::Css("input[aria-label='Filter by code']"))
        .await?
        .prop("value")
        .await?;
    ensure!(
        value.as_deref() == Some("0000007"),
        "the filter input after reload: {value:?}"
    );
    sys.screenshot("06-reloaded").await?;

    // Back: the unfiltered, sorted view again.
    d.back().await?;
    wait_for_text_in(
        d,
        "table.data tbody tr:first-child td:nth-child(2)",
        "0000030",
    )
    .await?;

    // Clear the filter; a filter on serial number (contains) works as well.
    let serial = api
        .get_json(&format!(
            "/v2/coupons/{cid}/passes?q[redeem_code_eq]=0000012"
        ))
        .await?;
    let serial = serial[0]["serial_number"]
        .as_str()
        .context("serial")?
        .to_owned();
    let filter = wait_for(d, By::Css("input[aria-label='Filter by serial number']")).await?;
    type_into(&filter, &serial[..8]).await?;
    filter.send_keys(Key::Enter).await?;
    wait_for_text_in(d, "table.data tbody", "0000012").await?;

    // Bulk selection: redeem the first two passes of the default view.
    sys.goto(&format!("{base}/passes")).await?;
    wait_for_text_in(d, ".pager .range", "30").await?;
    let boxes = d
        .find_all(By::Css("table.data tbody td.select input"))
        .await?;
    let codes = texts_of(d, "table.data tbody tr td:nth-child(2)").await?;
    for b in boxes.iter().take(2) {
        b.click().await?;
    }
    wait_for_text_in(d, ".bulk-bar", "2 selected").await?;
    sys.screenshot("07-bulk-selection").await?;
    d.find(By::XPath(
        "//div[contains(@class,'bulk-bar')]//button[normalize-space(.)='Redeem']",
    ))
    .await?
    .click()
    .await?;
    wait_for_text_in(d, "[role='status'], .banner", "2 of 2 passes done").await?;
    for code in codes.iter().take(2) {
        let p = api
            .get_json(&format!(
                "/v2/coupons/{cid}/passes?q[redeem_code_eq]={code}"
            ))
            .await?;
        ensure!(p[0]["redeemed_count"] == 1, "bulk redeem of {code}: {p}");
    }

    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn redeem_by_code_on_the_redeem_screen() -> Result<()> {
    let _serial = serial().await;
    let sys = start("wf_redeem").await?;
    let d = sys.driver();
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let c = seed_coupon(&api, "Spring sale", &icon, &logo).await?;
    let cid = c["id"].as_str().context("campaign id")?.to_owned();
    issue_passes(&api, &cid, 3).await?;

    sys.sign_in().await?;
    sys.goto(&format!("/campaigns/coupons/{cid}/redeem"))
        .await?;
    let code = wait_for(d, By::Id("redeem-code")).await?;
    sys.screenshot("01-redeem-screen").await?;

    // Redeem 0000002 with Enter: the result and the pass at once.
    type_into(&code, "0000002").await?;
    fill(d, "#redeem-comment", "Front desk").await?;
    code.send_keys(Key::Enter).await?;
    wait_for_text_in(d, ".result", "0000002 redeemed").await?;
    wait_for(d, By::Css(".pass-card")).await?;
    wait_for_text(d, "1 time").await?;
    sys.screenshot("02-redeemed").await?;

    // The field emptied itself for the next scan. Again: refused (one redeem per
    // pass), with the reason.
    ensure!(
        code.prop("value").await?.unwrap_or_default().is_empty(),
        "the code field is not empty after a redeem"
    );
    code.send_keys("0000002").await?;
    code.send_keys(Key::Enter).await?;
    let refused = wait_for_text_in(d, ".result", "cannot be redeemed").await?;
    ensure!(refused.contains("0000002"), "{refused}");
    sys.screenshot("03-already-redeemed").await?;

    // An unknown code.
    type_into(&code, "9999999").await?;
    code.send_keys(Key::Enter).await?;
    wait_for_text_in(d, ".result", "not a pass of this campaign").await?;
    sys.screenshot("04-unknown-code").await?;

    // Look up only does not redeem.
    type_into(&code, "0000003").await?;
    click_button(d, "Look up only").await?;
    wait_for_text_in(d, ".result", "found (not redeemed)").await?;

    let p = api
        .get_json(&format!(
            "/v2/coupons/{cid}/passes?q[redeem_code_eq]=0000002"
        ))
        .await?;
    ensure!(p[0]["redeemed_count"] == 1, "{p}");
    let p3 = api
        .get_json(&format!(
            "/v2/coupons/{cid}/passes?q[redeem_code_eq]=0000003"
        ))
        .await?;
    ensure!(p3[0]["redeemed_count"] == 0, "{p3}");

    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn pause_resume_edit_a_fixed_field_and_merge_with_a_push_message() -> Result<()> {
    let _serial = serial().await;
    let sys = start("wf_campaign_actions").await?;
    let d = sys.driver();
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let c = seed_coupon(&api, "Spring sale", &icon, &logo).await?;
    let cid = c["id"].as_str().context("campaign id")?.to_owned();
    let passes = issue_passes(&api, &cid, 2).await?;
    let pid = passes[0]["id"].as_str().context("pass id")?.to_owned();
    let base = format!("/campaigns/coupons/{cid}");

    sys.sign_in().await?;
    sys.goto(&base).await?;
    wait_for_text_in(d, "h1", "Spring sale").await?;
    wait_for_text_in(d, "h1 .pill, h1", "published").await?;
    sys.screenshot("01-detail-published").await?;

    // Pause, after confirming.
    click_button(d, "Pause…").await?;
    click_button(d, "Pause campaign").await?;
    wait_for_text_in(d, "[role='status'], .banner", "Campaign paused.").await?;
    wait_for_text_in(d, "h1", "paused").await?;
    ensure!(
        api.get_json(&format!("/v2/coupons/{cid}")).await?["state"] == "paused",
        "state after pause"
    );
    sys.screenshot("02-paused").await?;

    // Resume.
    click_button(d, "Resume").await?;
    wait_for_text_in(d, "[role='status'], .banner", "Campaign resumed.").await?;
    wait_for_text_in(d, "h1", "published").await?;
    ensure!(
        api.get_json(&format!("/v2/coupons/{cid}")).await?["state"] == "published",
        "state after resume"
    );

    // Edit the fixed primary field.
    sys.goto(&format!("{base}/edit")).await?;
    let value = wait_for(
        d,
        By::Css("fieldset[data-array='primary_fields'] .field-row .f-value"),
    )
    .await?;
    type_into(&value, "30% off").await?;
    wait_for_text_in(d, ".pass-card .pf.primary[data-key='offer']", "30% off").await?;
    sys.screenshot("03-edit-fixed-field").await?;
    click_button(d, "Save changes").await?;
    wait_until("the detail page after saving", || async {
        let p = d.current_url().await?.path().to_owned();
        Ok((p == base).then_some(()))
    })
    .await?;
    wait_for_text(d, "30% off").await?;
    let saved = api.get_json(&format!("/v2/coupons/{cid}")).await?;
    ensure!(
        saved["primary_fields"][0]["value"] == "30% off",
        "{}",
        saved["primary_fields"]
    );
    // Passes keep the old value until the campaign is merged into them.
    let p = api
        .get_json(&format!("/v2/coupons/{cid}/passes/{pid}"))
        .await?;
    ensure!(
        p["primary_fields"][0]["value"] == "20% off",
        "before merge: {}",
        p["primary_fields"]
    );

    // Merge with a push message.
    click_button(d, "Merge into passes…").await?;
    let message = wait_for(d, By::Id("push-message")).await?;
    type_into(&message, "Now 30% off!").await?;
    sys.screenshot("04-merge-dialog").await?;
    click_button(d, "Merge and push").await?;
    wait_gone(d, By::Id("push-message")).await?;
    let flash = wait_until("the merge answer", || async {
        let t = text_of(
            d,
            ".toolbar ~ *[role='status'], [role='status'].banner, .banner",
        )
        .await?;
        Ok((!t.is_empty()).then_some(t))
    })
    .await?;
    sys.screenshot("05-merged").await?;
    ensure!(!flash.contains("Refused"), "merge refused: {flash}");

    wait_until("the merge to reach the pass", || async {
        let p = api
            .get_json(&format!("/v2/coupons/{cid}/passes/{pid}"))
            .await?;
        Ok((p["primary_fields"][0]["value"] == "30% off").then_some(()))
    })
    .await?;
    let p = api
        .get_json(&format!("/v2/coupons/{cid}/passes/{pid}"))
        .await?;
    ensure!(
        p["secondary_fields"][0]["value"] == "Customer 1",
        "merge keeps dynamic values: {}",
        p["secondary_fields"]
    );

    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn open_the_download_page_and_download_the_pkpass() -> Result<()> {
    let _serial = serial().await;
    let sys = start("wf_download").await?;
    let d = sys.driver();
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let c = seed_coupon(&api, "Spring sale", &icon, &logo).await?;
    let cid = c["id"].as_str().context("campaign id")?.to_owned();
    let pass = issue_passes(&api, &cid, 1).await?.remove(0);
    let pid = pass["id"].as_str().context("pass id")?.to_owned();

    sys.sign_in().await?;
    sys.goto(&format!("/campaigns/coupons/{cid}/passes/{pid}"))
        .await?;
    wait_for_text(d, "0000001").await?;
    // The console fetched the signed file first: the download is that file.
    let download = wait_for(d, By::Css("a[download='pass.pkpass']")).await?;
    let blob = download.attr("href").await?.unwrap_or_default();
    ensure!(blob.starts_with("blob:"), "download link {blob}");
    let href = pass["pkpass_url"].as_str().unwrap_or("-").to_owned();
    let page = button(d, "Open page").await?;
    let page_href = page.attr("href").await?.unwrap_or_default();
    ensure!(
        page_href == pass["page_url"].as_str().unwrap_or("-"),
        "page link {page_href}"
    );
    sys.screenshot("01-pass-detail").await?;

    // The download page of the pass (a public page, no sign-in).
    d.goto(&page_href).await?;
    wait_for_text(d, "Spring sale").await?;
    sys.screenshot("02-download-page").await?;
    let links: Value = d
        .execute(
            "return [...document.querySelectorAll('a[href]')].map(a=>a.href);",
            vec![],
        )
        .await?
        .json()
        .clone();
    ensure!(
        links.as_array().is_some_and(|a| a
            .iter()
            .any(|l| l.as_str().is_some_and(|l| l.ends_with(".pkpass")))),
        "the download page links to the .pkpass: {links}"
    );

    // The .pkpass itself, over HTTP: a zip with pass.json, manifest and signature.
    let response = reqwest::get(&href).await?;
    ensure!(
        response.status().is_success(),
        "GET {href}: {}",
        response.status()
    );
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    ensure!(
        content_type.contains("application/vnd.apple.pkpass"),
        "content type {content_type}"
    );
    let bytes = response.bytes().await?;
    ensure!(bytes.starts_with(b"PK"), "not a zip");
    let names = zip_entries(&bytes)?;
    for needed in [
        "pass.json",
        "manifest.json",
        "signature",
        "icon.png",
        "logo.png",
    ] {
        ensure!(
            names.iter().any(|n| n == needed),
            "{needed} missing from {names:?}"
        );
    }
    let pass_json: Value = serde_json::from_str(&zip_text(&bytes, "pass.json")?)?;
    ensure!(
        pass_json["serialNumber"] == pass["serial_number"],
        "{pass_json}"
    );
    ensure!(pass_json["logoText"] == "Paw Planet", "{pass_json}");
    ensure!(
        pass_json.get("coupon").is_some(),
        "coupon style: {pass_json}"
    );

    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn see_the_report_set_a_webhook_create_an_organization_and_sign_out() -> Result<()> {
    let _serial = serial().await;
    let sys = start("wf_account").await?;
    let d = sys.driver();
    // An account allowed to manage child organizations.
    let admin = sys.add_account("Paw Planet HQ", true)?;
    let api = sys.api_as(&admin);
    let (icon, logo) = seed_images(&api).await?;
    let mut campaigns = Vec::new();
    for name in [
        "Spring sale",
        "Summer sale",
        "Loyalty welcome",
        "Black Friday",
        "Puppy week",
    ] {
        campaigns.push(seed_coupon(&api, name, &icon, &logo).await?);
    }
    let cid = campaigns[0]["id"]
        .as_str()
        .context("campaign id")?
        .to_owned();
    let passes = issue_passes(&api, &cid, 6).await?;
    for p in &passes[..2] {
        let pid = p["id"].as_str().unwrap_or_default();
        api.post_json(
            &format!("/v2/coupons/{cid}/passes/{pid}/redeem"),
            &serde_json::json!({"pass": {}}),
        )
        .await?;
    }
    api.post_json(
        &format!(
            "/v2/coupons/{}/pause",
            campaigns[3]["id"].as_str().unwrap_or_default()
        ),
        &serde_json::json!({}),
    )
    .await?;

    sys.sign_in_as(&admin.api_username, &admin.api_key).await?;
    wait_for_text_in(d, ".account-name", "Paw Planet HQ").await?;

    // Campaigns list (for the docs).
    sys.goto("/campaigns/coupons").await?;
    wait_for_text_in(d, "table.data tbody", "Puppy week").await?;
    sys.screenshot("01-campaigns-list").await?;
    let detail = format!("/campaigns/coupons/{cid}");
    sys.goto(&detail).await?;
    wait_for_text(d, "Distribution").await?;
    sys.screenshot("02-campaign-detail").await?;

    // Report: the totals count the six passes and two redeems.
    sys.goto(&format!("{detail}/reports")).await?;
    wait_for_text(d, "Passes created").await?;
    let totals = texts_of(d, ".totals .card").await?;
    ensure!(
        totals
            .iter()
            .any(|t| t.contains("Passes created") && t.contains('6')),
        "totals: {totals:?}"
    );
    ensure!(
        totals
            .iter()
            .any(|t| t.contains("Redeems") && t.contains('2')),
        "totals: {totals:?}"
    );
    wait_for(d, By::Css("svg")).await?;
    button(d, "Export CSV").await?;
    sys.screenshot("03-report").await?;

    // Webhook URL.
    sys.goto("/webhooks").await?;
    let url = wait_for(d, By::Id("wh-url")).await?;
    type_into(&url, "https://hooks.example.com/passworks").await?;
    click_button(d, "Save URL").await?;
    wait_for_text_in(d, "[role='status'], .banner", "Webhook URL saved.").await?;
    let account = api.get_json("/v2/account").await?;
    ensure!(
        account["webhook_url"] == "https://hooks.example.com/passworks",
        "{account}"
    );
    // A new pass is queued for delivery and shows in the log.
    issue_passes(&api, &cid, 1).await?;
    d.refresh().await?;
    wait_for_text_in(d, "table.data tbody", "created").await?;
    let kept = d.find(By::Id("wh-url")).await?.prop("value").await?;
    ensure!(
        kept.as_deref() == Some("https://hooks.example.com/passworks"),
        "URL after reload: {kept:?}"
    );
    sys.screenshot("04-webhooks").await?;

    // Organizations: create one; its credentials are shown once.
    sys.goto("/organizations").await?;
    let name = wait_for(d, By::Id("org-name")).await?;
    wait_for(d, By::Css(".empty")).await?;
    type_into(&name, "Paw Planet Porto").await?;
    click_button(d, "Create").await?;
    let shown = wait_for_text_in(d, ".secret", "Paw Planet Porto").await?;
    ensure!(shown.contains("API key"), "{shown}");
    wait_for_text_in(d, "table.data tbody", "Paw Planet Porto").await?;
    let orgs = api.get_json("/v2/organizations").await?;
    let org = orgs
        .as_array()
        .and_then(|a| a.iter().find(|o| o["name"] == "Paw Planet Porto"))
        .context("the new organization over the API")?;
    let key = text_of(d, ".secret div:nth-of-type(2) code").await?;
    ensure!(!key.is_empty(), "the new key is shown");
    // The shown credentials work.
    let check = reqwest::Client::new()
        .get(sys.url("/v2/account"))
        .basic_auth(org["api_username"].as_str().unwrap_or_default(), Some(&key))
        .send()
        .await?;
    ensure!(
        check.status().is_success(),
        "the new organization's credentials: {}",
        check.status()
    );
    sys.screenshot("05-organizations").await?;

    // Certificates (for the docs): the page loads.
    sys.goto("/certificates").await?;
    wait_for(d, By::Id("c-p12")).await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    sys.screenshot("06-certificates").await?;

    // Assets (for the docs).
    sys.goto("/assets").await?;
    wait_until("two gallery cards", || async {
        Ok((d.find_all(By::Css(".gallery li")).await?.len() == 2).then_some(()))
    })
    .await?;
    images_loaded(d, ".gallery img", 2).await?;
    sys.screenshot("07-assets").await?;

    // Sign out.
    click_button(d, "Sign out").await?;
    wait_for_path(d, "/sign-in").await?;
    wait_for(d, By::Id("username")).await?;
    sys.goto(&detail).await?;
    wait_for_path(d, "/sign-in").await?;
    sys.screenshot("08-signed-out").await?;

    sys.shutdown().await;
    Ok(())
}
