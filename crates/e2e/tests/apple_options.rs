//! The "Apple Wallet (iOS 18–27)" section of the campaign form, end to end: the real
//! server, the built console and headless Chromium. A poster event ticket is asked for in
//! the form; the server's refusal (a poster needs a venue) shows under the section; once
//! fixed, the options saved are exactly what the form showed (tags, list, URL, JSON), and
//! the live preview draws the poster. Translations are edited per language and previewed,
//! and so is a language's own logo (picked in its tab, saved, shown on the download page).
//! A pass form shows its campaign's languages, their translations as placeholders, and
//! saves only the pass's own overrides.
//! Screenshots (desktop 1280, phone 390×844) go to `<target>/screenshots/<test>/`.
//!
//! Run: `cargo test -p passworks-e2e --test apple_options -- --test-threads=1 --nocapture`.

mod support;

use anyhow::{ensure, Context, Result};
use passworks_e2e::thirtyfour::prelude::*;
use passworks_e2e::{wait_for, wait_for_text};
use serde_json::{json, Value};

use support::*;

/// A French logo's paw, where the pass's own is white.
const ORANGE: [u8; 3] = [0xff, 0x8c, 0x00];

/// What each test here starts from: its turn (the tests of this file run one at a time),
/// a system signed in to the console, its API and the icon and logo uploaded.
struct Signed {
    _serial: tokio::sync::MutexGuard<'static, ()>,
    sys: passworks_e2e::TestSystem,
    api: passworks_e2e::Api,
    icon: String,
    logo: String,
}

async fn signed_in(name: &str) -> Result<Signed> {
    let _serial = serial().await;
    let sys = start(name).await?;
    sys.sign_in().await?;
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    Ok(Signed {
        _serial,
        sys,
        api,
        icon,
        logo,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_poster_event_ticket_is_set_up_in_the_campaign_form() -> Result<()> {
    let Signed {
        _serial,
        sys,
        api,
        icon,
        logo,
    } = signed_in("apple_options").await?;
    let c = api
        .post_json(
            "/v2/event_tickets",
            &json!({"event_ticket": {
                "name": "Jazz Night", "icon_id": icon, "logo_id": logo,
                "background_color": "#1a2b3c", "text_color": "#ffffff", "label_color": "#ffd54f",
                "primary_fields": [{"key": "event", "label": "Event", "value": "Jazz Night"}],
                "secondary_fields": [{"key": "seat", "label": "Seat", "value": "", "behaviour": "dynamic"}]
            }}),
        )
        .await?;
    let id = c["id"].as_str().unwrap_or_default().to_owned();
    let d = sys.driver();

    sys.goto(&format!("/campaigns/event_tickets/{id}/edit"))
        .await?;
    let layout = wait_for(d, By::Css("#f-apple-layout")).await?;
    js_click(d, &layout).await?;
    fill(d, "#f-apple-tag-eventName", "Lisbon Jazz Night").await?;
    fill(d, "#f-apple-tag-eventType", "PKEventTypeLivePerformance").await?;
    fill(
        d,
        "#f-apple-tag-performerNames",
        "The Dog Band, The Cat Trio",
    )
    .await?;
    fill(d, "#f-apple-url-bag_policy_url", "https://example.com/bags").await?;
    fill(d, "#f-apple-more", "{\"sharing_prohibited\": true}").await?;
    d.execute(
        "document.querySelector('.apple-options').scrollIntoView();",
        vec![],
    )
    .await?;
    sys.screenshot("01-apple-section-filled").await?;

    // No venue: the server refuses, and says why under the section.
    click_button(d, "Save changes").await?;
    wait_for_text(d, "venueName, venueRegionName or venueRoom").await?;
    sys.screenshot("02-poster-needs-a-venue").await?;

    fill(d, "#f-apple-tag-venueName", "Coliseu dos Recreios").await?;
    // The live preview draws the poster as Wallet does: the event's name and venue.
    let poster = wait_for(d, By::Css(".pass-card[data-layout='poster']")).await?;
    wait_until("the poster shows the event and venue", || async {
        let text = poster.text().await?;
        Ok(
            (text.contains("Lisbon Jazz Night") && text.contains("Coliseu dos Recreios"))
                .then_some(()),
        )
    })
    .await?;
    d.execute(
        "document.querySelector('.pass-card').scrollIntoView();",
        vec![],
    )
    .await?;
    sys.screenshot("02b-poster-preview").await?;
    click_button(d, "Save changes").await?;
    wait_for_text(d, "Saved").await?;

    let saved = api.get_json(&format!("/v2/event_tickets/{id}")).await?;
    let apple = &saved["apple"];
    ensure!(
        apple["preferred_style_schemes"] == json!(["posterEventTicket", "eventTicket"]),
        "{apple}"
    );
    ensure!(
        apple["semantics"]
            == json!({
                "eventName": "Lisbon Jazz Night",
                "eventType": "PKEventTypeLivePerformance",
                "performerNames": ["The Dog Band", "The Cat Trio"],
                "venueName": "Coliseu dos Recreios"
            }),
        "{apple}"
    );
    ensure!(
        apple["urls"]["bag_policy_url"] == "https://example.com/bags",
        "{apple}"
    );
    ensure!(apple["sharing_prohibited"] == Value::Bool(true), "{apple}");

    // Opened again (here on a phone), the form shows what was saved.
    set_viewport(d, 390, 844).await?;
    sys.goto(&format!("/campaigns/event_tickets/{id}/edit"))
        .await?;
    let venue = wait_for(d, By::Css("#f-apple-tag-venueName")).await?;
    wait_until("the saved venue in the form", || async {
        let v = venue.prop("value").await?.unwrap_or_default();
        Ok((v == "Coliseu dos Recreios").then_some(()))
    })
    .await?;
    let performers = wait_for(d, By::Css("#f-apple-tag-performerNames")).await?;
    ensure!(
        performers.prop("value").await?.as_deref() == Some("The Dog Band, The Cat Trio"),
        "performers"
    );
    ensure!(
        wait_for(d, By::Css("#f-apple-layout"))
            .await?
            .is_selected()
            .await?,
        "the poster layout is ticked"
    );
    d.execute(
        "document.querySelector('.apple-options').scrollIntoView();",
        vec![],
    )
    .await?;
    sys.screenshot("03-apple-section-phone").await?;
    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn translations_are_edited_and_previewed_per_language() -> Result<()> {
    let Signed {
        _serial,
        sys,
        api,
        icon,
        logo,
    } = signed_in("apple_translations").await?;
    let c = api
        .post_json(
            "/v2/coupons",
            &json!({"coupon": {
                "name": "Spring", "icon_id": icon, "logo_id": logo, "logo_text": "Paw Planet",
                "primary_fields": [{"key": "offer", "label": "Offer", "value": "20% off"}]
            }}),
        )
        .await?;
    let id = c["id"].as_str().unwrap_or_default().to_owned();
    let d = sys.driver();
    sys.goto(&format!("/campaigns/coupons/{id}/edit")).await?;

    // Not a language id: said at the field, nothing added.
    fill(d, "#f-tr-new", "Portuguese").await?;
    js_click(d, &wait_for(d, By::Css("#f-tr-add")).await?).await?;
    wait_for_text(d, "is not a language id").await?;
    fill(d, "#f-tr-new", "pt-BR").await?;
    js_click(d, &wait_for(d, By::Css("#f-tr-add")).await?).await?;
    // A row per text of the pass: logo text, label, value.
    for text in ["Paw Planet", "Offer", "20% off"] {
        wait_for(
            d,
            By::Css(format!(".translation input[data-text='{text}']")),
        )
        .await?;
    }
    fill(d, ".translation input[data-text='Offer']", "Oferta").await?;
    fill(
        d,
        ".translation input[data-text='20% off']",
        "20% de desconto",
    )
    .await?;
    select(d, "#f-preview-lang", "pt-BR").await?;
    let card = wait_for(d, By::Css(".pass-preview .pass-card")).await?;
    wait_until("the preview in Portuguese", || async {
        let text = card.text().await?;
        Ok(
            (text.to_lowercase().contains("oferta") && text.contains("20% de desconto"))
                .then_some(()),
        )
    })
    .await?;
    d.execute(
        "document.querySelector('fieldset.translations').scrollIntoView();",
        vec![],
    )
    .await?;
    sys.screenshot("01-translations-pt-BR").await?;
    // Back to the texts as written.
    select(d, "#f-preview-lang", "").await?;
    let card = wait_for(d, By::Css(".pass-preview .pass-card")).await?;
    wait_until("the preview as written", || async {
        Ok(card.text().await?.contains("20% off").then_some(()))
    })
    .await?;

    click_button(d, "Save changes").await?;
    wait_for_text(d, "Saved").await?;
    let saved = api.get_json(&format!("/v2/coupons/{id}")).await?;
    ensure!(
        saved["apple"]["translations"]
            == json!({"pt-BR": {"Offer": "Oferta", "20% off": "20% de desconto"}}),
        "{}",
        saved["apple"]
    );
    // Opened again on a phone, the language and its texts are there.
    set_viewport(d, 390, 844).await?;
    sys.goto(&format!("/campaigns/coupons/{id}/edit")).await?;
    let offer = wait_for(d, By::Css(".translation input[data-text='Offer']")).await?;
    ensure!(
        offer.prop("value").await?.as_deref() == Some("Oferta"),
        "saved translation"
    );
    d.execute(
        "document.querySelector('fieldset.translations').scrollIntoView();",
        vec![],
    )
    .await?;
    sys.screenshot("02-translations-phone").await?;
    sys.shutdown().await;
    Ok(())
}

/// The `src` of the preview's logo and the colour of a pixel on its paw (centre of the
/// paw's pad), or `None` while the preview shows no loaded logo.
async fn preview_logo(d: &WebDriver) -> Result<Option<(String, [u8; 4])>> {
    let v: Value = d
        .execute(
            "const i=document.querySelector('.pass-preview .pass-card img.pass-logo');\
             if(!i||!i.complete||!i.naturalWidth) return null;\
             const c=document.createElement('canvas'); c.width=i.naturalWidth; c.height=i.naturalHeight;\
             const x=c.getContext('2d'); x.drawImage(i,0,0);\
             const p=x.getImageData(Math.floor(c.width*0.5),Math.floor(c.height*0.66),1,1).data;\
             return [i.getAttribute('src'), [p[0],p[1],p[2],p[3]]];",
            vec![],
        )
        .await?
        .json()
        .clone();
    Ok(v.as_array().map(|a| {
        let px = |i: usize| a[1].get(i).and_then(Value::as_u64).unwrap_or(0) as u8;
        (
            a[0].as_str().unwrap_or_default().to_owned(),
            [px(0), px(1), px(2), px(3)],
        )
    }))
}

/// Scrolls the page so that the fr tab's button is just under the sticky header.
const SCROLL_TO_FR_TAB: &str = "const t=document.querySelector(\"fieldset.translations button[data-lang='fr']\");\
     const h=document.querySelector('header');\
     window.scrollBy(0, t.getBoundingClientRect().top - (h ? h.getBoundingClientRect().bottom : 0) - 16);";

/// Waits until the preview's logo is the asset `id` with a paw of colour `paw`.
async fn wait_preview_logo(d: &WebDriver, what: &str, id: &str, paw: [u8; 3]) -> Result<()> {
    let seen = std::sync::Mutex::new(None);
    let r = wait_until(what, || async {
        let logo = preview_logo(d).await?;
        let ok = logo.as_ref().is_some_and(|(src, px)| {
            src.ends_with(&format!("/assets/{id}.png")) && px[..3] == paw && px[3] == 255
        });
        *seen.lock().unwrap() = logo;
        Ok(ok.then_some(()))
    })
    .await;
    let seen = seen.lock().unwrap().clone();
    r.with_context(|| format!("the preview's logo was {seen:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_language_gets_its_own_logo_in_the_translations_tab() -> Result<()> {
    let Signed {
        _serial,
        sys,
        api,
        icon,
        logo,
    } = signed_in("apple_localized_images").await?;
    // The French logo: an orange paw, where the pass's own is white.
    let fr_logo = upload_asset(&api, "logo", paw_png(100, 100, None, ORANGE)).await?;
    let c = api
        .post_json(
            "/v2/coupons",
            &json!({"coupon": {
                "name": "Spring", "icon_id": icon, "logo_id": logo, "logo_text": "Paw Planet",
                "background_color": "#1e3a5f", "text_color": "#ffffff",
                "primary_fields": [{"key": "offer", "label": "Offer", "value": "20% off"}]
            }}),
        )
        .await?;
    let id = c["id"].as_str().unwrap_or_default().to_owned();
    let d = sys.driver();
    sys.goto(&format!("/campaigns/coupons/{id}/edit")).await?;
    wait_preview_logo(d, "the pass's own logo", &logo, [0xff; 3]).await?;

    fill(d, "#f-tr-new", "fr").await?;
    js_click(d, &wait_for(d, By::Css("#f-tr-add")).await?).await?;
    // The fr tab has a logo picker of its own; nothing is picked there yet.
    let fr_radio =
        format!(".localized-images[data-lang='fr'] input[name='slot-fr-logo'][value='{fr_logo}']");
    wait_for(d, By::Css(&fr_radio)).await?;
    let inherit = wait_for(
        d,
        By::Css(".localized-images[data-lang='fr'] input[name='slot-fr-logo'][value='']"),
    )
    .await?;
    ensure!(
        inherit.is_selected().await?,
        "fr starts with the pass's own logo"
    );
    js_click(d, &wait_for(d, By::Css(&fr_radio)).await?).await?;
    wait_until("the fr logo picked", || async {
        Ok(wait_for(d, By::Css(&fr_radio))
            .await?
            .is_selected()
            .await?
            .then_some(()))
    })
    .await?;
    // The root logo picker keeps the pass's own logo.
    let root = wait_for(
        d,
        By::Css(format!("input[name='slot-logo'][value='{logo}']")),
    )
    .await?;
    ensure!(root.is_selected().await?, "the root logo stays picked");
    let root_fr = d
        .find_all(By::Css(format!(
            "input[name='slot-logo'][value='{fr_logo}']"
        )))
        .await?;
    ensure!(
        root_fr.len() == 1 && !root_fr[0].is_selected().await?,
        "the fr logo is offered at the root, not picked there"
    );

    // Still previewed as written until French is chosen.
    wait_preview_logo(d, "the pass's own logo before Preview in", &logo, [0xff; 3]).await?;
    select(d, "#f-preview-lang", "fr").await?;
    wait_preview_logo(d, "the French logo in the preview", &fr_logo, ORANGE).await?;
    // The fr tab from its top (under the sticky header), then its pickers with the
    // "Preview in" choice.
    d.execute(SCROLL_TO_FR_TAB, vec![]).await?;
    sys.screenshot("01-fr-tab").await?;
    d.execute(
        "document.querySelector(\".localized-images[data-lang='fr']\").scrollIntoView({block: 'center'});",
        vec![],
    )
    .await?;
    sys.screenshot("02-fr-logo-previewed").await?;
    select(d, "#f-preview-lang", "").await?;
    wait_preview_logo(d, "the pass's own logo again", &logo, [0xff; 3]).await?;

    click_button(d, "Save changes").await?;
    wait_for_text(d, "Saved").await?;
    let saved = api.get_json(&format!("/v2/coupons/{id}")).await?;
    ensure!(
        saved["apple"]["localized_images"] == json!({"fr": {"logo_id": fr_logo}}),
        "{}",
        saved["apple"]
    );
    ensure!(
        saved["logo_id"] == json!(logo),
        "root logo: {}",
        saved["logo_id"]
    );

    // A visitor whose browser asks for French sees the French logo on the download page.
    let pass = api
        .post_json(&format!("/v2/coupons/{id}/passes"), &json!({"pass": {}}))
        .await?;
    let page_url = pass["page_url"].as_str().unwrap_or_default();
    let http = reqwest::Client::new();
    for (accept, shown, not_shown) in [("fr-FR,fr;q=0.9", &fr_logo, &logo), ("en", &logo, &fr_logo)]
    {
        let html = http
            .get(page_url)
            .header("accept-language", accept)
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
        ensure!(
            html.contains(&format!("/assets/{shown}.png"))
                && !html.contains(&format!("/assets/{not_shown}.png")),
            "download page in {accept}: {html}"
        );
    }

    // Opened again on a phone, the fr tab has its logo picked.
    set_viewport(d, 390, 844).await?;
    sys.goto(&format!("/campaigns/coupons/{id}/edit")).await?;
    wait_until("the saved fr logo in the form", || async {
        Ok(wait_for(d, By::Css(&fr_radio))
            .await?
            .is_selected()
            .await?
            .then_some(()))
    })
    .await?;
    d.execute(SCROLL_TO_FR_TAB, vec![]).await?;
    sys.screenshot("03-fr-tab-phone").await?;
    d.execute(
        "document.querySelector(\".localized-images[data-lang='fr']\").scrollIntoView({block: 'center'});",
        vec![],
    )
    .await?;
    sys.screenshot("04-fr-logo-phone").await?;
    sys.shutdown().await;
    Ok(())
}

/// The value and placeholder of the translation row of `text` in the tab shown.
async fn translation_row(d: &WebDriver, text: &str) -> Result<(String, String)> {
    let input = wait_for(
        d,
        By::Css(format!(".translation input[data-text='{text}']")),
    )
    .await?;
    Ok((
        input.prop("value").await?.unwrap_or_default(),
        input.attr("placeholder").await?.unwrap_or_default(),
    ))
}

/// Waits until the preview card's text, lower-cased, has each of `parts`.
async fn wait_preview_text(d: &WebDriver, what: &str, parts: &[&str]) -> Result<()> {
    let seen = std::sync::Mutex::new(String::new());
    let r = wait_until(what, || async {
        let card = wait_for(d, By::Css(".pass-preview .pass-card")).await?;
        let text = card.text().await?.to_lowercase();
        let ok = parts.iter().all(|p| text.contains(&p.to_lowercase()));
        *seen.lock().unwrap() = text;
        Ok(ok.then_some(()))
    })
    .await;
    let seen = seen.lock().unwrap().clone();
    r.with_context(|| format!("the preview said {seen:?}"))
}

/// Scrolls the translations section to just under the sticky header.
const SCROLL_TO_TRANSLATIONS: &str = "const t=document.querySelector('fieldset.translations');\
     const h=document.querySelector('header');\
     window.scrollBy(0, t.getBoundingClientRect().top - (h ? h.getBoundingClientRect().bottom : 0) - 16);";

#[tokio::test(flavor = "multi_thread")]
async fn a_pass_form_shows_and_overrides_its_campaigns_translations() -> Result<()> {
    let Signed {
        _serial,
        sys,
        api,
        icon,
        logo,
    } = signed_in("apple_pass_translations").await?;
    let fr_logo = upload_asset(&api, "logo", paw_png(100, 100, None, ORANGE)).await?;
    let c = api
        .post_json(
            "/v2/coupons",
            &json!({"coupon": {
                "name": "Spring", "icon_id": icon, "logo_id": logo, "logo_text": "Paw Planet",
                "background_color": "#1e3a5f", "text_color": "#ffffff",
                "primary_fields": [{"key": "offer", "label": "Offer", "value": "20% off"}],
                "apple": {
                    "translations": {"fr": {"Offer": "Offre", "20% off": "20 % de remise"}},
                    "localized_images": {"fr": {"logo_id": fr_logo}}
                }
            }}),
        )
        .await?;
    let id = c["id"].as_str().unwrap_or_default().to_owned();
    let pass = api
        .post_json(&format!("/v2/coupons/{id}/passes"), &json!({"pass": {}}))
        .await?;
    let pid = pass["id"].as_str().unwrap_or_default().to_owned();
    let edit = format!("/campaigns/coupons/{id}/passes/{pid}/edit");
    let d = sys.driver();
    sys.goto(&edit).await?;

    // The campaign's French is a tab of the pass form, marked as the campaign's, each
    // row showing the campaign's translation as its placeholder; nothing to remove yet.
    let tab = wait_for(
        d,
        By::Css("fieldset.translations button[data-lang='fr'][data-inherited='true']"),
    )
    .await?;
    ensure!(tab.text().await?.contains("campaign"), "the tab says whose");
    ensure!(
        translation_row(d, "Offer").await? == (String::new(), "Offre".into()),
        "Offer row: {:?}",
        translation_row(d, "Offer").await?
    );
    ensure!(
        translation_row(d, "20% off").await?.1 == "20 % de remise",
        "20% off placeholder"
    );
    ensure!(
        d.find_all(By::Css(".tr-remove")).await?.is_empty(),
        "nothing of the pass's own to remove"
    );
    // "Preview in" offers French; the preview shows the campaign's texts and logo.
    select(d, "#f-preview-lang", "fr").await?;
    wait_preview_text(d, "the campaign's French", &["offre", "20 % de remise"]).await?;
    wait_preview_logo(d, "the campaign's French logo", &fr_logo, ORANGE).await?;

    // An override of one text, for this pass only, over the campaign's other.
    fill(d, ".translation input[data-text='Offer']", "Promo").await?;
    wait_preview_text(
        d,
        "the pass's own French label",
        &["promo", "20 % de remise"],
    )
    .await?;
    let remove = wait_for(d, By::Css(".tr-remove")).await?;
    ensure!(
        remove.text().await? == "Remove this pass's fr texts",
        "remove label: {}",
        remove.text().await?
    );
    d.execute(SCROLL_TO_TRANSLATIONS, vec![]).await?;
    sys.screenshot("01-pass-fr-override").await?;
    d.execute(
        "document.querySelector(\".localized-images[data-lang='fr']\").scrollIntoView({block: 'center'});",
        vec![],
    )
    .await?;
    sys.screenshot("02-pass-fr-images").await?;

    click_button(d, "Save pass").await?;
    wait_for_text(d, "Saved").await?;
    let saved = api
        .get_json(&format!("/v2/coupons/{id}/passes/{pid}"))
        .await?;
    ensure!(
        saved["apple"]["translations"] == json!({"fr": {"Offer": "Promo"}})
            && saved["apple"].get("localized_images").is_none(),
        "the pass saves only its override: {}",
        saved["apple"]
    );
    let campaign = api.get_json(&format!("/v2/coupons/{id}")).await?;
    ensure!(
        campaign["apple"]["translations"]["fr"]["Offer"] == "Offre",
        "the campaign is untouched: {}",
        campaign["apple"]
    );

    // Opened again on a phone: the override, over the campaign's placeholder.
    set_viewport(d, 390, 844).await?;
    sys.goto(&edit).await?;
    wait_until("the saved override", || async {
        Ok((translation_row(d, "Offer").await? == ("Promo".into(), "Offre".into())).then_some(()))
    })
    .await?;
    d.execute(SCROLL_TO_TRANSLATIONS, vec![]).await?;
    sys.screenshot("03-pass-fr-phone").await?;
    // Removing the pass's French leaves the campaign's: still a tab and a choice.
    js_click(d, &wait_for(d, By::Css(".tr-remove")).await?).await?;
    wait_for(
        d,
        By::Css("fieldset.translations button[data-lang='fr'][data-inherited='true']"),
    )
    .await?;
    ensure!(
        translation_row(d, "Offer").await? == (String::new(), "Offre".into()),
        "back to the campaign's"
    );
    select(d, "#f-preview-lang", "fr").await?;
    // On a phone the preview is behind its toggle.
    js_click(d, &wait_for(d, By::Css(".preview-toggle")).await?).await?;
    wait_preview_text(
        d,
        "the campaign's French again",
        &["offre", "20 % de remise"],
    )
    .await?;
    d.execute(SCROLL_TO_TRANSLATIONS, vec![]).await?;
    sys.screenshot("04-pass-fr-removed-phone").await?;
    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn selected_passes_download_as_one_bundle() -> Result<()> {
    let Signed {
        _serial,
        sys,
        api,
        icon,
        logo,
    } = signed_in("apple_bundle").await?;
    let c = api
        .post_json(
            "/v2/event_tickets",
            &json!({"event_ticket": {
                "name": "Family Seats", "icon_id": icon, "logo_id": logo,
                "primary_fields": [{"key": "event", "label": "Event", "value": "Jazz Night"}],
                "secondary_fields": [{"key": "seat", "label": "Seat", "value": "", "behaviour": "dynamic"}]
            }}),
        )
        .await?;
    let id = c["id"].as_str().unwrap_or_default().to_owned();
    for seat in ["F11", "F12", "F13"] {
        api.post_json(
            &format!("/v2/event_tickets/{id}/passes"),
            &json!({"pass": {"secondary_fields": [{"key": "seat", "value": seat}]}}),
        )
        .await?;
    }
    let d = sys.driver();
    let downloads = sys.scratch_dir().join("downloads");
    allow_downloads(d, &downloads).await?;
    sys.goto(&format!("/campaigns/event_tickets/{id}/passes"))
        .await?;
    wait_until("three passes", || async {
        Ok((d
            .find_all(By::Css("tbody input[type='checkbox']"))
            .await?
            .len()
            == 3)
            .then_some(()))
    })
    .await?;
    let boxes = d.find_all(By::Css("tbody input[type='checkbox']")).await?;
    js_click(d, &boxes[0]).await?;
    js_click(d, &boxes[1]).await?;
    click_button(d, "Download bundle (.pkpasses)").await?;
    wait_for_text(d, "Downloaded 2 passes as one bundle").await?;
    sys.screenshot("01-bundle-downloaded").await?;

    // The file is a zip of two signed passes (Apple's .pkpasses).
    let path = downloads.join("Family-Seats.pkpasses");
    let partial = downloads.join("Family-Seats.pkpasses.crdownload");
    let bytes = wait_until("the bundle file", || async {
        Ok((path.exists() && !partial.exists())
            .then(|| std::fs::read(&path))
            .transpose()?)
    })
    .await?;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    ensure!(
        zip.len() == 2,
        "two passes in the bundle, found {}",
        zip.len()
    );
    for i in 0..zip.len() {
        let entry = zip.by_index(i)?;
        ensure!(entry.name().ends_with(".pkpass"), "{}", entry.name());
    }
    sys.shutdown().await;
    Ok(())
}
