//! The rough edges of a first day with the console (issue 15, items 1–11), end to end:
//! where the focus goes, what the tab is called, what a refusal says and where,
//! confirmations, the phone layout, and a server that is away. Screenshots (desktop
//! 1280 and phone 390×844) go to `<target>/screenshots/<test>/`.
//!
//! Run: `cargo test -p passworks-e2e --test first_day -- --nocapture`.

mod support;

use anyhow::{ensure, Context, Result};
use passworks_e2e::thirtyfour::extensions::cdp::{ChromeDevTools, NetworkConditions};
use passworks_e2e::thirtyfour::prelude::*;
use passworks_e2e::{wait_for, wait_for_path, wait_for_text};
use serde_json::{json, Value};

use support::*;

#[tokio::test(flavor = "multi_thread")]
async fn focus_titles_form_errors_and_unsaved_changes() -> Result<()> {
    let _serial = serial().await;
    let Seeded {
        sys,
        api,
        icon,
        coupon: c,
        cid,
        ..
    } = seeded("first_day_focus", &[]).await?;
    let d = sys.driver();

    // After signing in the focus is on the page's heading, and the tab is named after it.
    sys.sign_in().await?;
    wait_for_text(d, "1 campaign").await?;
    wait_focus(d, "h1#").await?;
    wait_title(d, &format!("{} · Passworks", sys.account().name)).await?;

    // Following a link: the new page's heading, title "Assets · Passworks".
    d.find(By::XPath(
        "//nav[@id='sidenav']//a[normalize-space(.)='Assets']",
    ))
    .await?
    .click()
    .await?;
    wait_for_path(d, "/assets").await?;
    wait_title(d, "Assets · Passworks").await?;
    wait_focus(d, "\"Assets\"").await?;

    // The focus ring is at least 3:1 against the page (WCAG 1.4.11).
    let ratio: Value = d
        .execute(
            r#"
            const lum = c => { const [r,g,b] = c.match(/\d+/g).slice(0,3).map(Number).map(v => {
                v /= 255; return v <= 0.03928 ? v/12.92 : Math.pow((v+0.055)/1.055, 2.4); });
                return 0.2126*r + 0.7152*g + 0.0722*b; };
            const probe = document.createElement('button'); probe.className = 'btn';
            document.querySelector('main').appendChild(probe); probe.focus({focusVisible: true});
            const ring = getComputedStyle(probe).outlineColor;
            const bg = getComputedStyle(document.body).backgroundColor;
            probe.remove();
            const [a, b] = [lum(ring), lum(bg)].sort((x, y) => y - x);
            return (a + 0.05) / (b + 0.05);"#,
            vec![],
        )
        .await?
        .json()
        .clone();
    ensure!(
        ratio.as_f64().unwrap_or(0.0) >= 3.0,
        "focus ring contrast {ratio}"
    );

    // The campaign form, submitted invalid from its bottom: the view goes to the
    // first problem and the focus into its field.
    sys.goto("/campaigns/coupons/new").await?;
    let create = button(d, "Create campaign").await?;
    d.execute("window.scrollTo(0, document.body.scrollHeight);", vec![])
        .await?;
    create.click().await?;
    wait_focus(d, "input#f-name").await?;
    let name = d.find(By::Id("f-name")).await?;
    ensure!(in_view(d, &name).await?, "the name field is out of view");
    wait_for_text_in(d, ".field-error", "").await?;
    sys.screenshot("01-form-error-focused").await?;

    // Leaving an edited form asks first; "Cancel" stays, "OK" leaves.
    type_into(&name, "Half-typed").await?;
    let assets_link = d
        .find(By::XPath(
            "//nav[@id='sidenav']//a[normalize-space(.)='Assets']",
        ))
        .await?;
    assets_link.click().await?;
    let alert = wait_until("the unsaved-changes prompt", || async {
        Ok(d.get_alert_text().await.ok())
    })
    .await?;
    ensure!(alert.contains("not been saved"), "{alert}");
    d.dismiss_alert().await?;
    ensure!(
        path_and_query(d).await?.ends_with("/campaigns/coupons/new"),
        "left the form after Cancel"
    );
    ensure!(
        d.find(By::Id("f-name")).await?.prop("value").await? == Some("Half-typed".into()),
        "the typed name is lost"
    );
    assets_link.click().await?;
    wait_until("the prompt again", || async {
        Ok(d.get_alert_text().await.ok())
    })
    .await?;
    d.accept_alert().await?;
    wait_for_path(d, "/assets").await?;

    // Editing a campaign with issued passes: "Saved" and the merge hint.
    issue_passes(&api, &cid, 2).await?;
    sys.goto(&format!("/campaigns/coupons/{cid}/edit")).await?;
    let name = wait_for(d, By::Id("f-name")).await?;
    type_into(&name, "Spring sale 2026").await?;
    click_button(d, "Save changes").await?;
    let saved = wait_for_text_in(d, ".banner", "Saved.").await?;
    ensure!(
        saved.contains("2 passes already issued") && saved.contains("Merge into passes"),
        "{saved}"
    );
    wait_title(d, "Spring sale 2026 published · Passworks").await?;
    // Names, not ids: the template and the images.
    wait_for_text_in(d, ".kv", "image").await?;
    let attrs = text_of(d, "#attrs-h + dl").await?;
    ensure!(
        !attrs.contains(c["template_id"].as_str().unwrap_or("-")),
        "the template's id is shown: {attrs}"
    );
    ensure!(!attrs.contains(&icon), "the icon's id is shown: {attrs}");
    sys.screenshot("02-saved-with-merge-hint").await?;

    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_confirmations_and_wording() -> Result<()> {
    let _serial = serial().await;
    let Seeded {
        sys,
        api,
        icon,
        logo,
        cid,
        ..
    } = seeded("first_day_refusals", &[]).await?;
    let d = sys.driver();
    let passes = issue_passes(&api, &cid, 2).await?;
    let pid = id_of(&passes[0])?;
    // A pass stored before the API made long enough authentication tokens (written into
    // the database directly): Wallet refuses it, so it can never download.
    let broken = seed_coupon(&api, "Old campaign", &icon, &logo).await?;
    let bid = id_of(&broken)?;
    let bpid = id_of(&issue_passes(&api, &bid, 1).await?[0])?;
    {
        use sqlx::Connection;
        let db = sys
            .scratch_dir()
            .parent()
            .context("work dir")?
            .join("data/passworks.db");
        let mut conn =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await?;
        sqlx::query("UPDATE passes SET authentication_token = 'short' WHERE id = ?")
            .bind(&bpid)
            .execute(&mut conn)
            .await?;
        conn.close().await?;
    }

    sys.sign_in().await?;

    // The pass page says why the pass cannot download, and the download action too.
    sys.goto(&format!("/campaigns/coupons/{bid}/passes/{bpid}"))
        .await?;
    let why = wait_for_text_in(d, "#pkpass-refused", "cannot be downloaded").await?;
    ensure!(why.contains("authentication_token"), "{why}");
    let download = button(d, "Download .pkpass").await?;
    ensure!(
        download.attr("aria-disabled").await?.as_deref() == Some("true"),
        "the download action looks available"
    );
    sys.screenshot("01-pass-cannot-download").await?;

    // A good pass: every field value on its page; after a (single-use) redeem its
    // state reads "redeemed", not "voided".
    api.post_json(
        &format!("/v2/coupons/{cid}/passes/{pid}/redeem"),
        &json!({}),
    )
    .await?;
    sys.goto(&format!("/campaigns/coupons/{cid}/passes/{pid}"))
        .await?;
    let values = wait_for_text_in(d, ".field-values", "Customer 1").await?;
    for v in ["20% off", "31 May", "One coupon per customer."] {
        ensure!(
            values.contains(v),
            "{v} missing from the field values: {values}"
        );
    }
    wait_for(d, By::Css("a[download='pass.pkpass']")).await?;
    let state = text_of(d, ".kv .pill").await?;
    ensure!(state == "redeemed", "state pill {state:?}");
    sys.screenshot("02-pass-values").await?;

    // Pause asks first; Cancel keeps the campaign published.
    sys.goto(&format!("/campaigns/coupons/{cid}")).await?;
    click_button(d, "Pause…").await?;
    wait_for_text_in(d, "dialog[open]", "issuing passes").await?;
    sys.screenshot("03-pause-confirmation").await?;
    click_button(d, "Cancel").await?;
    ensure!(
        api.get_json(&format!("/v2/coupons/{cid}")).await?["state"] == "published",
        "paused without confirmation"
    );

    // Bulk pause of campaigns already paused: one message that says so, once.
    for id in [&cid, &bid] {
        api.post_json(&format!("/v2/coupons/{id}/pause"), &json!({}))
            .await?;
    }
    sys.goto("/campaigns/coupons").await?;
    wait_for_text_in(d, "table.data", "Old campaign").await?;
    for b in d.find_all(By::Css("tbody td.select input")).await? {
        b.click().await?;
    }
    d.find(By::XPath(
        "//div[contains(@class,'bulk-bar')]//button[normalize-space(.)='Pause…']",
    ))
    .await?
    .click()
    .await?;
    click_button(d, "Pause").await?;
    let msg = wait_for_text_in(d, ".banner", "already paused").await?;
    ensure!(msg.matches("paused").count() <= 2, "{msg}");
    ensure!(msg.contains("2 already paused"), "{msg}");
    sys.screenshot("04-bulk-already-paused").await?;

    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn phone_menu_preview_server_away_reports_and_new_tabs() -> Result<()> {
    let _serial = serial().await;
    let Seeded { sys, cid, .. } = seeded("first_day_phone", &[]).await?;
    let d = sys.driver();
    sys.sign_in().await?;
    wait_for_text(d, "1 campaign").await?;

    // A console link opened in a new tab keeps the session.
    let first = d.window().await?;
    let tab = d.new_tab().await?;
    d.switch_to_window(tab).await?;
    sys.goto(&format!("/campaigns/coupons/{cid}")).await?;
    wait_for_text_in(d, "h1", "Spring sale").await?;
    ensure!(
        !path_and_query(d).await?.starts_with("/sign-in"),
        "the new tab asks to sign in"
    );
    d.close_window().await?;
    d.switch_to_window(first).await?;

    // Phone: the menu covers the header, takes the focus, Escape closes it and the
    // focus returns to the Menu button.
    set_viewport(d, 390, 844).await?;
    sys.goto("/campaigns/coupons").await?;
    wait_for_text_in(d, "h1", "Coupons").await?;
    click_button(d, "Menu").await?;
    let nav = wait_for(d, By::Css("#sidenav.open")).await?;
    let top: Value = d
        .execute(
            "return arguments[0].getBoundingClientRect().top;",
            vec![nav.to_json()?],
        )
        .await?
        .json()
        .clone();
    ensure!(top.as_f64() == Some(0.0), "the menu starts at {top}");
    wait_focus(d, "a#").await?;
    let inside: Value = d
        .execute(
            "return document.getElementById('sidenav').contains(document.activeElement);",
            vec![],
        )
        .await?
        .json()
        .clone();
    ensure!(inside == Value::Bool(true), "focus is outside the menu");
    sys.screenshot("01-phone-menu").await?;
    d.active_element().await?.send_keys(Key::Escape).await?;
    passworks_e2e::wait_gone(d, By::Css("#sidenav.open")).await?;
    wait_focus(d, "menu-toggle").await?;

    // Phone: the live preview is one tap away above the form.
    sys.goto("/campaigns/coupons/new").await?;
    let toggle = button(d, "Show preview").await?;
    ensure!(
        in_view(d, &toggle).await?,
        "the preview toggle is off screen"
    );
    sys.screenshot("02-phone-form").await?;
    toggle.click().await?;
    let card = wait_for(d, By::Css(".preview-pane .pass-card")).await?;
    ensure!(card.is_displayed().await?, "the preview is hidden");
    sys.screenshot("03-phone-preview").await?;
    set_viewport(d, 1280, 900).await?;

    // Reports: a reversed range is a message under the field; the chart stays; the
    // values per day are there.
    sys.goto(&format!("/campaigns/coupons/{cid}/reports"))
        .await?;
    wait_for(d, By::Css("svg.chart")).await?;
    fill(d, "#r-start", "2026-03-01").await.ok();
    d.execute(
        "const s = document.getElementById('r-start'), e = document.getElementById('r-end'); \
         for (const [el, v] of [[s, '2026-03-10'], [e, '2026-03-01']]) { \
           el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        vec![],
    )
    .await?;
    click_button(d, "Show").await?;
    let msg = wait_for_text_in(d, "#err-range", "before the start").await?;
    ensure!(msg.contains("2026-03-01"), "{msg}");
    ensure!(
        d.find_all(By::Css("svg.chart")).await?.len() == 1,
        "the chart vanished"
    );
    ensure!(
        d.find_all(By::Css(".banner.error")).await?.is_empty(),
        "a banner instead of a field message"
    );
    ensure!(
        d.find_all(By::Css("svg.chart text")).await?.len() == 3,
        "one y label and two dates"
    );
    d.find(By::Css(".per-day summary")).await?.click().await?;
    wait_for(d, By::Css(".per-day tbody tr")).await?;
    sys.screenshot("04-reports-range-message").await?;

    // Server away: the list says so in words and offers Retry, which works once it
    // is back.
    sys.goto("/campaigns/coupons").await?;
    wait_for_text_in(d, "table.data", "Spring sale").await?;
    let devtools = ChromeDevTools::new(d.handle.clone());
    devtools
        .set_network_conditions(&NetworkConditions {
            offline: true,
            ..Default::default()
        })
        .await?;
    d.find(By::XPath(
        "//nav[@id='sidenav']//a[normalize-space(.)='Store cards']",
    ))
    .await?
    .click()
    .await?;
    let away = wait_for_text_in(d, ".banner.retry", "could not be reached").await?;
    ensure!(!away.contains("TypeError"), "{away}");
    sys.screenshot("05-server-away").await?;
    devtools
        .set_network_conditions(&NetworkConditions::default())
        .await?;
    click_button(d, "Retry").await?;
    wait_for_text_in(d, ".empty", "No store cards yet").await?;

    sys.shutdown().await;
    Ok(())
}
