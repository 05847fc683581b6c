//! The "Apple Wallet (iOS 18–27)" section of the campaign form, end to end: the real
//! server, the built console and headless Chromium. A poster event ticket is asked for in
//! the form; the server's refusal (a poster needs a venue) shows under the section; once
//! fixed, the options saved are exactly what the form showed (tags, list, URL, JSON).
//! Screenshots (desktop 1280, phone 390×844) go to `<target>/screenshots/<test>/`.
//!
//! Run: `cargo test -p passworks-e2e --test apple_options -- --test-threads=1 --nocapture`.

mod support;

use anyhow::{ensure, Result};
use passworks_e2e::thirtyfour::prelude::*;
use passworks_e2e::{wait_for, wait_for_text};
use serde_json::{json, Value};

use support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_poster_event_ticket_is_set_up_in_the_campaign_form() -> Result<()> {
    let _serial = serial().await;
    let sys = start("apple_options").await?;
    sys.sign_in().await?;
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
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
