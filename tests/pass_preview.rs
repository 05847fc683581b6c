//! The pass preview draws each Wallet style with its own layout.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use passworks_console::components::PassPreview;
use passworks_console::draft::CampaignDraft;
use passworks_console::preview::{self, PreviewInput};
use passworks_wire::{Asset, AssetType, Behaviour, CampaignType};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn asset(id: &str, t: AssetType) -> Asset {
    Asset {
        id: id.into(),
        asset_type: t,
        asset_url: format!("data:image/png;base64,iVBORw0KGgo={id}"),
        width: 1,
        height: 1,
        created_at: String::new(),
    }
}

fn input_for(t: CampaignType) -> PreviewInput {
    let mut d = CampaignDraft::new(t);
    d.logo_text = "Logo".into();
    d.add_field(0, "h", "Gate", "B12", Behaviour::Fixed);
    d.add_field(3, "aux", "Class", "Economy", Behaviour::Fixed);
    d.add_field(4, "terms", "Terms", "No refunds", Behaviour::Fixed);
    for (id, slot) in [
        ("s", AssetType::Strip),
        ("t", AssetType::Thumbnail),
        ("f", AssetType::Footer),
        ("i", AssetType::Icon),
    ] {
        d.images.insert(slot, id.into());
    }
    let assets = vec![
        asset("s", AssetType::Strip),
        asset("t", AssetType::Thumbnail),
        asset("f", AssetType::Footer),
        asset("i", AssetType::Icon),
    ];
    preview::from_draft(&d, &assets)
}

async fn render(t: CampaignType) -> Mounted {
    let layout = preview::layout(&input_for(t));
    let root = mount(move || view! { <PassPreview layout=Signal::stored(layout)/> });
    tick(20).await;
    root
}

#[wasm_bindgen_test]
async fn every_style_renders_its_card_header_and_barcode() {
    for t in CampaignType::ALL {
        let root = render(*t).await;
        let card = q(&root, ".pass-card");
        assert_eq!(
            card.get_attribute("data-style").unwrap(),
            t.pass_type().as_str()
        );
        assert!(card
            .get_attribute("style")
            .unwrap()
            .contains("--pass-bg:#1e3a5f"));
        assert_eq!(q(&root, ".pass-logo-text").text_content().unwrap(), "Logo");
        assert!(q(&root, ".pf.header")
            .text_content()
            .unwrap()
            .contains("B12"));
        assert!(
            q_opt(&root, ".pass-barcode.square").is_some(),
            "{t}: QR codes are square"
        );
        assert!(q_opt(&root, ".pass-back").is_none());
    }
}

#[wasm_bindgen_test]
async fn boarding_pass_has_origin_glyph_destination_and_footer() {
    let root = render(CampaignType::BoardingPass).await;
    assert_eq!(count(&root, ".pass-primary.boarding .pf.primary"), 2);
    assert_eq!(q(&root, ".transit-glyph").text_content().unwrap(), "✈");
    assert!(
        q_opt(
            &root,
            ".pass-footer, .pass-inner .img-placeholder.pass-footer, img.pass-footer"
        )
        .is_some()
            || count(&root, ".pass-inner > *") >= 5
    );
    assert!(q_opt(&root, ".pass-strip").is_none());
}

#[wasm_bindgen_test]
async fn coupon_and_store_card_put_the_primary_field_on_the_strip() {
    for t in [CampaignType::Coupon, CampaignType::StoreCard] {
        let root = render(t).await;
        assert!(
            q_opt(&root, ".pass-strip .pass-primary.on-strip .pf.primary").is_some(),
            "{t}"
        );
        assert!(
            q_opt(&root, ".pass-row.combined").is_some(),
            "{t}: one combined row"
        );
        assert!(q_opt(&root, ".pass-thumb").is_none());
    }
}

#[wasm_bindgen_test]
async fn generic_shows_a_thumbnail_and_event_ticket_prefers_the_strip() {
    let root = render(CampaignType::Generic).await;
    assert!(q_opt(&root, ".pass-strip").is_none());
    assert!(q(&root, ".pass-primary")
        .inner_html()
        .contains("pass-thumb"));
    let root = render(CampaignType::EventTicket).await;
    assert!(q_opt(&root, ".pass-strip").is_some());
    assert!(!q(&root, ".pass-primary")
        .inner_html()
        .contains("pass-thumb"));
    assert!(
        q_opt(&root, ".pass-row.secondary").is_some()
            && q_opt(&root, ".pass-row.auxiliary").is_some()
    );
}

#[wasm_bindgen_test]
async fn back_fields_show_on_request() {
    let root = render(CampaignType::Generic).await;
    q(&root, "figcaption button").click();
    until(|| q_opt(&root, ".pass-back").is_some()).await;
    assert!(q(&root, ".pass-back")
        .text_content()
        .unwrap()
        .contains("No refunds"));
}
