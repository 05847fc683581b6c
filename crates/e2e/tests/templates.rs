//! Templates and per-pass image overrides, end to end: the real server, the built
//! console and headless Chromium. Images are seeded through the API; the rest is done in
//! the browser, with a screenshot at each step under `<target>/screenshots/<test>/`.
//!
//! Run: `cargo test -p passworks-e2e --test templates -- --test-threads=1 --nocapture`.

mod support;

use anyhow::{ensure, Context, Result};
use passworks_e2e::thirtyfour::prelude::*;
use passworks_e2e::{wait_for, wait_for_path, wait_for_text, wait_gone};
use serde_json::{json, Value};

use support::*;

/// A strip image: an orange band with a dark paw, 640×246.
fn strip_png() -> Vec<u8> {
    png(640, 246, [0xf5, 0x7c, 0x00], [0x3e, 0x27, 0x23])
}

/// A second logo: a yellow paw on a transparent background, 100×100.
fn yellow_logo_png() -> Vec<u8> {
    paw_png(100, 100, None, [0xff, 0xd5, 0x4f])
}

/// Waits until the image matching `css` has loaded.
async fn image_loaded(d: &WebDriver, css: &str) -> Result<()> {
    wait_until(&format!("the image {css}"), || async {
        let ok: Value = d
            .execute(
                "const i=document.querySelector(arguments[0]);\
                 return !!i && i.tagName=='IMG' && i.complete && i.naturalWidth>0;",
                vec![Value::String(css.to_owned())],
            )
            .await?
            .json()
            .clone();
        Ok(ok.as_bool().unwrap_or(false).then_some(()))
    })
    .await
}

/// The RGBA colour of the pixel at (`fx`, `fy`) (fractions of its size) of the loaded
/// image matching `css`, read through a canvas; `None` while it is not loaded.
async fn pixel(d: &WebDriver, css: &str, fx: f64, fy: f64) -> Result<Option<[u8; 4]>> {
    let v: Value = d
        .execute(
            "const i=document.querySelector(arguments[0]);\
             if(!i||i.tagName!='IMG'||!i.complete||!i.naturalWidth) return null;\
             const c=document.createElement('canvas'); c.width=i.naturalWidth; c.height=i.naturalHeight;\
             const x=c.getContext('2d'); x.drawImage(i,0,0);\
             const p=x.getImageData(Math.floor(c.width*arguments[1]),Math.floor(c.height*arguments[2]),1,1).data;\
             return [p[0],p[1],p[2],p[3]];",
            vec![Value::String(css.to_owned()), json!(fx), json!(fy)],
        )
        .await?
        .json()
        .clone();
    Ok(v.as_array().map(|a| {
        let n = |i: usize| a.get(i).and_then(Value::as_u64).unwrap_or(0) as u8;
        [n(0), n(1), n(2), n(3)]
    }))
}

/// The computed background colour of the preview card.
async fn card_background(d: &WebDriver) -> Result<String> {
    let v: Value = d
        .execute(
            "const c=document.querySelector('.pass-card');\
             return c ? getComputedStyle(c).backgroundColor : '';",
            vec![],
        )
        .await?
        .json()
        .clone();
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// Clicks the radio of asset `id` in the picker of `slot`.
async fn pick(d: &WebDriver, slot: &str, id: &str) -> Result<()> {
    let radio = wait_until(&format!("the {slot} choice {id}"), || async {
        Ok(
            d.find_all(By::Css(format!("input[name='slot-{slot}'][value='{id}']")))
                .await?
                .into_iter()
                .next(),
        )
    })
    .await?;
    js_click(d, &radio).await
}

/// Whether the radio of `value` in the picker of `slot` is checked.
async fn picked(d: &WebDriver, slot: &str, value: &str) -> Result<bool> {
    let v: Value = d
        .execute(
            "const r=document.querySelector(`input[name='slot-${arguments[0]}'][value='${arguments[1]}']`);\
             return !!r && r.checked;",
            vec![json!(slot), json!(value)],
        )
        .await?
        .json()
        .clone();
    Ok(v.as_bool().unwrap_or(false))
}

/// The value of the input or select found by `css`.
async fn value_of(d: &WebDriver, css: &str) -> Result<String> {
    Ok(wait_for(d, By::Css(css))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}

/// Waits for the detail page of a newly created template and returns its id.
async fn wait_for_template_page(d: &WebDriver) -> Result<String> {
    wait_until("the detail page of the new template", || async {
        let url = d.current_url().await?;
        let p = url.path().to_owned();
        Ok((p.starts_with("/templates/") && !p.ends_with("/new")).then(|| last_segment(&p)))
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn create_view_duplicate_and_delete_a_template_watching_the_preview() -> Result<()> {
    let _serial = serial().await;
    let sys = start("tpl_templates").await?;
    let d = sys.driver();
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let strip = upload_asset(&api, "strip", strip_png()).await?;

    sys.sign_in().await?;
    sys.goto("/templates").await?;
    wait_for(d, By::Css(".empty")).await?;
    click_button(d, "New template").await?;
    wait_for_path(d, "/templates/new").await?;
    wait_for(d, By::Id("f-name")).await?;
    wait_for(d, By::Css(".pass-card[data-style='generic']")).await?;
    sys.screenshot("01-new-template").await?;

    // Creating an empty form: the browser says what is missing, next to the fields.
    click_button(d, "Create template").await?;
    wait_for_text_in(d, "#err-name", "Name is required").await?;
    wait_for_text_in(d, "#err-icon_id", "Choose an icon").await?;
    ensure!(
        d.current_url().await?.path() == "/templates/new",
        "an invalid form is not sent"
    );
    sys.screenshot("02-missing-name-and-icon").await?;

    // The focus goes to the first field to fix; fixing it removes its message.
    let focused = d.active_element().await?.attr("id").await?;
    ensure!(
        focused.as_deref() == Some("f-name"),
        "focus after a refused submit: {focused:?}"
    );
    fill(d, "#f-name", "Paw Gold").await?;
    wait_gone(d, By::Id("err-name")).await?;
    fill(d, "#f-description", "Gold members").await?;

    // The style: a boarding pass asks for a transit type and shows its glyph...
    select(d, "#f-pass_type", "boardingPass").await?;
    wait_for(d, By::Css(".pass-card[data-style='boardingPass']")).await?;
    select(d, "#f-transit_type", "train").await?;
    wait_for_text_in(d, ".pass-card .transit-glyph", "🚆").await?;
    // ...a store card does not, and shows its sample balance.
    select(d, "#f-pass_type", "storeCard").await?;
    wait_for(d, By::Css(".pass-card[data-style='storeCard']")).await?;
    wait_gone(d, By::Id("f-transit_type")).await?;
    wait_for_text_in(d, ".pass-card .pf.primary", "€25.00").await?;

    // Logo text follows every keystroke.
    let logo_text = wait_for(d, By::Id("f-logo_text")).await?;
    type_into(&logo_text, "Paw").await?;
    wait_for_text_in(d, ".pass-card .pass-logo-text", "Paw").await?;
    logo_text.send_keys(" Planet").await?;
    wait_for_text_in(d, ".pass-card .pass-logo-text", "Paw Planet").await?;

    // Colours: the card and its labels change colour.
    let before = card_background(d).await?;
    fill(d, "#f-background_color", "#6a1b9a").await?;
    fill(d, "#f-text_color", "#ffffff").await?;
    fill(d, "#f-label_color", "#ffd54f").await?;
    wait_until("the preview colours", || async {
        let bg = card_background(d).await?;
        let label: Value = d
            .execute(
                "const l=document.querySelector('.pass-card .pf-label');\
                 return l ? getComputedStyle(l).color : '';",
                vec![],
            )
            .await?
            .json()
            .clone();
        Ok((bg == "rgb(106, 27, 154)" && label == "rgb(255, 213, 79)").then_some(()))
    })
    .await
    .with_context(|| format!("background before: {before}"))?;
    // The colour picker beside the hex field follows it.
    ensure!(
        value_of(d, "input[aria-label='Background colour picker']").await? == "#6a1b9a",
        "the background colour picker shows the typed colour"
    );

    // Barcode: PDF417 is drawn wide on the card.
    wait_for(d, By::Css(".pass-card .pass-barcode.square")).await?;
    select(d, "#f-barcode", "pdf417").await?;
    wait_for(d, By::Css(".pass-card .pass-barcode.wide")).await?;
    image_loaded(d, ".pass-card .barcode-img").await?;

    // Images: icon, logo and strip; the logo and the strip appear on the card.
    for (slot, id) in [("icon", &icon), ("logo", &logo), ("strip", &strip)] {
        pick(d, slot, id).await?;
    }
    // The icon's message and then the form's banner go once it is chosen.
    wait_gone(d, By::Id("err-icon_id")).await?;
    wait_gone(d, By::Css(".template-form .banner.error")).await?;
    image_loaded(d, ".pass-card img.pass-logo").await?;
    image_loaded(d, ".pass-card img.pass-strip-img").await?;
    // The strip is the orange one, and the balance sits on it.
    let px = pixel(d, ".pass-card img.pass-strip-img", 0.9, 0.5).await?;
    ensure!(
        px.is_some_and(|p| p[0] > 200 && p[1] > 90 && p[1] < 160 && p[2] < 60),
        "strip pixel: {px:?}"
    );
    wait_for(d, By::Css(".pass-card .pass-strip .pf.primary")).await?;
    d.execute(
        "document.activeElement.blur(); window.scrollTo(0,0)",
        vec![],
    )
    .await?;
    sys.screenshot("03-form-filled").await?;
    d.execute(
        "document.querySelector('input[name=\"slot-strip\"]').closest('fieldset').scrollIntoView({block:'center'})",
        vec![],
    )
    .await?;
    sys.screenshot("04-form-images").await?;

    // Create: the detail page shows every attribute.
    click_button(d, "Create template").await?;
    let gold = wait_for_template_page(d).await?;
    wait_for_text_in(d, "h1", "Paw Gold").await?;
    wait_for_text_in(d, ".lead", "Store card template").await?;
    let attrs = wait_for_text_in(d, "#tpl-attrs-h + dl", "Paw Planet").await?;
    for expected in [
        "#6a1b9a",
        "#ffffff",
        "#ffd54f",
        "PDF417",
        "Gold members",
        "api",
    ] {
        ensure!(
            attrs.contains(expected),
            "the attributes show {expected:?}: {attrs}"
        );
    }
    let swatch: Value = d
        .execute(
            "return [...document.querySelectorAll('.swatch')].map(s => getComputedStyle(s).backgroundColor);",
            vec![],
        )
        .await?
        .json()
        .clone();
    ensure!(
        swatch[0] == "rgb(106, 27, 154)",
        "the background colour swatch is purple: {swatch}"
    );
    // Thumbnails of the three images that are set, and the others listed as not set.
    images_loaded(d, ".slot-grid .slot-img", 3).await?;
    let slots = texts_of(d, ".slot-grid .slot-name").await?;
    ensure!(slots == ["Icon", "Logo", "Strip"], "image slots: {slots:?}");
    wait_for_text(d, "Not set: thumbnail, background, footer.").await?;
    // The preview: purple store card with the strip.
    image_loaded(d, ".pass-card img.pass-strip-img").await?;
    ensure!(
        card_background(d).await? == "rgb(106, 27, 154)",
        "the preview is purple"
    );
    wait_for_text_in(
        d,
        "[aria-labelledby='tpl-campaigns-h']",
        "No campaign uses this template",
    )
    .await?;
    sys.screenshot("05-template-detail").await?;

    let t = api.get_json(&format!("/v2/templates/{gold}")).await?;
    ensure!(
        t["name"] == "Paw Gold"
            && t["pass_type"] == "storeCard"
            && t["logo_text"] == "Paw Planet"
            && t["barcode"]["format"] == "pdf417",
        "{t}"
    );
    ensure!(
        t["icon_id"] == json!(icon) && t["logo_id"] == json!(logo) && t["strip_id"] == json!(strip),
        "images: {t}"
    );
    ensure!(t["transit_type"].is_null(), "no transit type: {t}");

    // Duplicate and edit: the form starts from every attribute of Paw Gold.
    click_button(d, "Duplicate and edit").await?;
    wait_for_path(d, "/templates/new").await?;
    ensure!(
        decoded_query(d).await? == format!("from={gold}"),
        "the source is in the URL"
    );
    wait_until("the copy's name", || async {
        Ok((value_of(d, "#f-name").await? == "Paw Gold (copy)").then_some(()))
    })
    .await?;
    ensure!(value_of(d, "#f-pass_type").await? == "storeCard", "style");
    ensure!(
        value_of(d, "#f-logo_text").await? == "Paw Planet",
        "logo text"
    );
    ensure!(
        value_of(d, "#f-background_color").await? == "#6a1b9a",
        "colour"
    );
    ensure!(value_of(d, "#f-barcode").await? == "pdf417", "barcode");
    wait_until("the copied image choices", || async {
        Ok((picked(d, "icon", &icon).await?
            && picked(d, "logo", &logo).await?
            && picked(d, "strip", &strip).await?)
            .then_some(()))
    })
    .await?;
    image_loaded(d, ".pass-card img.pass-strip-img").await?;
    wait_for_text_in(d, ".lead", "A copy of Paw Gold").await?;
    sys.screenshot("06-duplicate-form").await?;

    // The name of an existing template: the server's refusal shows next to the name.
    fill(d, "#f-name", "Paw Gold").await?;
    click_button(d, "Create template").await?;
    wait_for_text_in(d, "#err-name", "already been taken").await?;
    wait_for_text_in(d, ".template-form .banner.error", "need attention").await?;
    ensure!(
        d.current_url().await?.path() == "/templates/new",
        "a refused form stays on screen"
    );
    sys.screenshot("07-name-taken").await?;

    // A new name and a slate background: the copy is a new template.
    fill(d, "#f-name", "Paw Silver").await?;
    fill(d, "#f-background_color", "#37474f").await?;
    wait_until("the slate preview", || async {
        Ok((card_background(d).await? == "rgb(55, 71, 79)").then_some(()))
    })
    .await?;
    click_button(d, "Create template").await?;
    let silver = wait_for_template_page(d).await?;
    ensure!(silver != gold, "the copy is a new template");
    wait_for_text_in(d, "h1", "Paw Silver").await?;
    wait_for_text_in(d, "#tpl-attrs-h + dl", "#37474f").await?;
    images_loaded(d, ".slot-grid .slot-img", 3).await?;
    sys.screenshot("08-copy-detail").await?;

    // The list: both, names linking to their pages.
    sys.goto("/templates").await?;
    wait_for_text_in(d, "table.data tbody", "Paw Silver").await?;
    wait_for_text_in(d, "table.data tbody", "Paw Gold").await?;
    for id in [&gold, &silver] {
        wait_for(
            d,
            By::Css(format!("table.data tbody a[href$='/templates/{id}']")),
        )
        .await?;
    }
    sys.screenshot("09-list").await?;

    // Delete Paw Silver from the list, with its images when unused elsewhere (they are
    // shared with Paw Gold, so they stay).
    wait_for(
        d,
        By::Css("button[aria-label='Delete template Paw Silver']"),
    )
    .await?
    .click()
    .await?;
    wait_for_text_in(d, "dialog.modal", "Delete template “Paw Silver”?").await?;
    let also = wait_for(d, By::Css("dialog.modal input[type='checkbox']")).await?;
    also.click().await?;
    sys.screenshot("10-delete-confirm").await?;
    click_button(d, "Delete template").await?;
    wait_for_text_in(d, ".banner.info", "Template “Paw Silver” deleted.").await?;
    wait_until("Paw Silver gone from the list", || async {
        let body = text_of(d, "table.data tbody").await?;
        Ok((!body.contains("Paw Silver") && body.contains("Paw Gold")).then_some(()))
    })
    .await?;
    sys.screenshot("11-deleted").await?;
    let assets = api.get_json("/v2/assets").await?;
    ensure!(
        assets.as_array().map(Vec::len) == Some(3),
        "shared images are kept: {assets}"
    );

    // A campaign uses Paw Gold: its page lists it, and deleting is refused with the reason.
    let campaign = api
        .post_json(
            "/v2/store_cards",
            &json!({"store_card": {"name": "Gold members card", "template_id": gold}}),
        )
        .await?;
    let cid = campaign["id"].as_str().context("campaign id")?.to_owned();
    sys.goto(&format!("/templates/{gold}")).await?;
    wait_for_text_in(d, ".campaign-links", "Gold members card").await?;
    wait_for(
        d,
        By::Css(format!(
            ".campaign-links a[href$='/campaigns/store_cards/{cid}']"
        )),
    )
    .await?;
    click_button(d, "Delete…").await?;
    wait_for_text_in(d, "dialog.modal", "Delete template “Paw Gold”?").await?;
    click_button(d, "Delete template").await?;
    let refusal = wait_for_text_in(d, ".banner.error", "Not deleted").await?;
    ensure!(
        refusal.contains("in use") && refusal.contains("Gold members card"),
        "the refusal says why: {refusal}"
    );
    ensure!(
        d.current_url().await?.path() == format!("/templates/{gold}"),
        "the page stays"
    );
    sys.screenshot("12-delete-refused").await?;

    // Without the campaign, the detail page deletes it and goes back to the list.
    let r = api
        .request(reqwest::Method::DELETE, &format!("/v2/store_cards/{cid}"))
        .send()
        .await?;
    ensure!(
        r.status().is_success(),
        "deleting the campaign: {}",
        r.status()
    );
    sys.goto(&format!("/templates/{gold}")).await?;
    wait_for_text_in(
        d,
        "[aria-labelledby='tpl-campaigns-h']",
        "No campaign uses this template",
    )
    .await?;
    click_button(d, "Delete…").await?;
    click_button(d, "Delete template").await?;
    wait_until("the templates list", || async {
        Ok((d.current_url().await?.path() == "/templates").then_some(()))
    })
    .await?;
    wait_for(d, By::Css(".empty")).await?;
    wait_for_text(d, "No templates yet.").await?;

    // A deleted template's page says so.
    sys.goto(&format!("/templates/{gold}")).await?;
    wait_for_text_in(d, ".banner.error", "does not exist").await?;
    sys.screenshot("13-not-found").await?;

    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pass_with_strip_and_logo_overrides_shows_them() -> Result<()> {
    let _serial = serial().await;
    let sys = start("tpl_pass_images").await?;
    let d = sys.driver();
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let strip = upload_asset(&api, "strip", strip_png()).await?;
    let yellow = upload_asset(&api, "logo", yellow_logo_png()).await?;
    let c = seed_coupon(&api, "Spring sale", &icon, &logo).await?;
    let cid = c["id"].as_str().context("campaign id")?.to_owned();
    let base = format!("/campaigns/coupons/{cid}");

    sys.sign_in().await?;
    sys.goto(&format!("{base}/passes/new")).await?;
    let customer = wait_for(d, By::Id("pf-customer")).await?;
    type_into(&customer, "Ana Silva").await?;
    // The campaign's white logo, no strip.
    image_loaded(d, ".pass-card img.pass-logo").await?;
    let white = pixel(d, ".pass-card img.pass-logo", 0.5, 0.66).await?;
    ensure!(
        white.is_some_and(|p| p[0] > 240 && p[1] > 240 && p[2] > 240),
        "campaign logo pixel: {white:?}"
    );
    ensure!(
        d.find_all(By::Css(".pass-card .pass-strip"))
            .await?
            .is_empty(),
        "no strip yet"
    );

    // The Images section is collapsed until opened.
    let toggle = wait_for(d, By::Css("button.disclosure")).await?;
    ensure!(
        toggle.attr("aria-expanded").await?.as_deref() == Some("false"),
        "collapsed at first"
    );
    ensure!(
        toggle.text().await?.contains("the campaign's"),
        "the section says the campaign's images are used"
    );
    toggle.click().await?;
    wait_for(d, By::Css("#pass-images")).await?;
    let legends = texts_of(d, "#pass-images .asset-picker legend").await?;
    ensure!(
        legends == ["Icon", "Logo", "Strip", "Thumbnail", "Background", "Footer"],
        "every slot can be overridden, the coupon's first: {legends:?}"
    );
    ensure!(
        picked(d, "strip", "").await? && picked(d, "logo", "").await?,
        "slots start on the campaign's image"
    );

    // Override the strip and the logo: the preview follows.
    pick(d, "strip", &strip).await?;
    image_loaded(d, ".pass-card img.pass-strip-img").await?;
    pick(d, "logo", &yellow).await?;
    wait_until("the yellow logo on the card", || async {
        Ok(pixel(d, ".pass-card img.pass-logo", 0.5, 0.66)
            .await?
            .filter(|p| p[0] > 240 && p[1] > 190 && p[2] < 120)
            .map(|_| ()))
    })
    .await?;
    wait_for_text_in(d, "button.disclosure", "2 overridden").await?;
    d.execute(
        "document.querySelector('#pass-images').scrollIntoView({block:'center'})",
        vec![],
    )
    .await?;
    sys.screenshot("01-pass-form-overrides").await?;

    click_button(d, "Create pass").await?;
    wait_until("the new pass page", || async {
        let p = d.current_url().await?.path().to_owned();
        Ok((p.contains("/passes/") && !p.ends_with("/new")).then(|| last_segment(&p)))
    })
    .await?;
    let pid = last_segment(d.current_url().await?.path());
    wait_for_text(d, "Ana Silva").await?;

    // The detail page: the two overrides marked as this pass's, the icon the campaign's.
    wait_for_text_in(
        d,
        "#pass-images-h ~ .hint",
        "2 images are this pass's own overrides",
    )
    .await?;
    wait_for(d, By::Css(".slot.override[data-slot='strip']")).await?;
    wait_for(d, By::Css(".slot.override[data-slot='logo']")).await?;
    let icon_slot = text_of(d, ".slot[data-slot='icon']").await?;
    ensure!(
        icon_slot.contains("campaign's"),
        "the icon is the campaign's: {icon_slot}"
    );
    ensure!(
        text_of(d, ".slot[data-slot='strip']")
            .await?
            .contains("this pass"),
        "the strip is marked as this pass's"
    );
    images_loaded(d, ".slot-grid .slot-img", 3).await?;
    image_loaded(d, ".pass-card img.pass-strip-img").await?;
    let yellow_px = pixel(d, ".slot[data-slot='logo'] img", 0.5, 0.66).await?;
    ensure!(
        yellow_px.is_some_and(|p| p[0] > 240 && p[1] > 190 && p[2] < 120),
        "the overriding logo is the yellow one: {yellow_px:?}"
    );
    d.execute(
        "document.querySelector('#pass-images-h').scrollIntoView({block:'center'})",
        vec![],
    )
    .await?;
    sys.screenshot("02-pass-detail-overrides").await?;

    let p = api
        .get_json(&format!("/v2/coupons/{cid}/passes/{pid}"))
        .await?;
    ensure!(
        p["strip_id"] == json!(strip)
            && p["logo_id"] == json!(yellow)
            && p["icon_id"] == json!(icon),
        "pass images: {p}"
    );

    // Edit: back to the campaign's logo; the strip stays.
    d.execute("window.scrollTo(0,0)", vec![]).await?;
    wait_for(d, By::Css("[aria-label='Pass actions'] a[href$='/edit']"))
        .await?
        .click()
        .await?;
    wait_for_path(d, &format!("{base}/passes/{pid}/edit")).await?;
    wait_for(d, By::Id("pf-customer")).await?;
    let toggle = wait_for(d, By::Css("button.disclosure")).await?;
    ensure!(
        toggle.attr("aria-expanded").await?.as_deref() == Some("true"),
        "a pass with overrides opens its Images section"
    );
    wait_until("the saved overrides", || async {
        Ok((picked(d, "strip", &strip).await? && picked(d, "logo", &yellow).await?).then_some(()))
    })
    .await?;
    pick(d, "logo", "").await?;
    wait_for_text_in(d, "button.disclosure", "1 overridden").await?;
    wait_until("the white logo again", || async {
        Ok(pixel(d, ".pass-card img.pass-logo", 0.5, 0.66)
            .await?
            .filter(|p| p[0] > 240 && p[1] > 240 && p[2] > 240)
            .map(|_| ()))
    })
    .await?;
    sys.screenshot("03-edit-back-to-campaign-logo").await?;
    click_button(d, "Save pass").await?;
    wait_for(d, By::Css("#pass-images-h")).await?;
    wait_for_text_in(
        d,
        "#pass-images-h ~ .hint",
        "1 image is this pass's own override",
    )
    .await?;
    wait_for(d, By::Css(".slot.override[data-slot='strip']")).await?;
    wait_gone(d, By::Css(".slot.override[data-slot='logo']")).await?;
    sys.screenshot("04-pass-detail-strip-only").await?;
    let p = api
        .get_json(&format!("/v2/coupons/{cid}/passes/{pid}"))
        .await?;
    ensure!(
        p["strip_id"] == json!(strip) && p["logo_id"] == json!(logo),
        "after the edit: {p}"
    );

    sys.shutdown().await;
    Ok(())
}
