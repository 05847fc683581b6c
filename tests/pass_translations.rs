//! The translations editor of a pass form: the campaign's languages are tabs and
//! "Preview in" choices, its translations the rows' placeholders, an override typed is the
//! pass's own, and removing the language removes only that override.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use passworks_console::components::apple_section;
use passworks_console::draft::AppleDraft;
use passworks_wire::apple::AppleOptions;
use passworks_wire::PassType;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn input(root: &web_sys::HtmlElement, sel: &str) -> web_sys::HtmlInputElement {
    q(root, sel).unchecked_into()
}

#[wasm_bindgen_test]
async fn a_pass_form_shows_and_overrides_its_campaigns_languages() {
    let campaign: AppleOptions = serde_json::from_value(serde_json::json!({
        "translations": {"fr": {"Offer": "Offre", "20% off": "20 % de remise"}}
    }))
    .unwrap();
    let draft = RwSignal::new(AppleDraft::default());
    let errors = RwSignal::new(Default::default());
    let preview_lang = RwSignal::new(String::new());
    let root = mount(move || {
        apple_section(
            draft,
            errors,
            PassType::Coupon,
            |d: &AppleDraft| d,
            |d: &mut AppleDraft| d,
            Signal::derive(|| vec!["Offer".to_string(), "20% off".to_string()]),
            preview_lang,
            Signal::derive(Vec::new),
            Signal::derive(move || campaign.clone()),
        )
    });
    until(|| q_opt(&root, "button[data-lang='fr']").is_some()).await;

    // The campaign's French: a tab marked as the campaign's, a "Preview in" choice, and
    // rows whose placeholders are the campaign's translations; nothing of the pass's own.
    let tab = q(&root, "button[data-lang='fr']");
    assert_eq!(tab.get_attribute("data-inherited").as_deref(), Some("true"));
    assert!(tab.text_content().unwrap().contains("campaign"));
    assert!(q_opt(&root, "#f-preview-lang option[value='fr']").is_some());
    let offer = input(&root, ".translation input[data-text='Offer']");
    assert_eq!(offer.value(), "");
    assert_eq!(offer.placeholder(), "Offre");
    assert_eq!(
        input(&root, ".translation input[data-text='20% off']").placeholder(),
        "20 % de remise"
    );
    assert!(q_opt(&root, ".tr-remove").is_none());

    // An override is the pass's own; the remove button says it removes only that.
    type_into(&offer, "Promo");
    until(|| q_opt(&root, ".tr-remove").is_some()).await;
    assert_eq!(
        draft.with_untracked(|d| d.translations.clone()),
        [(
            "fr".to_string(),
            [("Offer".to_string(), "Promo".to_string())].into()
        )]
        .into()
    );
    assert_eq!(
        q(&root, ".tr-remove").text_content().unwrap(),
        "Remove this pass's fr texts"
    );

    // Removing it leaves the campaign's French as it was: still a tab, placeholders back.
    preview_lang.set("fr".into());
    q(&root, ".tr-remove").click();
    until(|| q_opt(&root, ".tr-remove").is_none()).await;
    assert!(draft.with_untracked(|d| d.translations.is_empty()));
    assert!(q_opt(&root, "button[data-lang='fr'][data-inherited='true']").is_some());
    let offer = input(&root, ".translation input[data-text='Offer']");
    assert_eq!(
        (offer.value().as_str(), offer.placeholder().as_str()),
        ("", "Offre")
    );
    assert_eq!(
        preview_lang.get_untracked(),
        "fr",
        "still previewed in French"
    );
}

#[wasm_bindgen_test]
async fn a_campaign_form_inherits_no_languages() {
    let draft = RwSignal::new(AppleDraft::default());
    let root = mount(move || {
        apple_section(
            draft,
            RwSignal::new(Default::default()),
            PassType::Coupon,
            |d: &AppleDraft| d,
            |d: &mut AppleDraft| d,
            Signal::derive(|| vec!["Offer".to_string()]),
            RwSignal::new(String::new()),
            Signal::derive(Vec::new),
            Signal::derive(Default::default),
        )
    });
    tick(20).await;
    assert_eq!(count(&root, "fieldset.translations button[data-lang]"), 0);
    draft.update(|d| {
        d.translations.entry("de".into()).or_default();
    });
    until(|| q_opt(&root, "button[data-lang='de']").is_some()).await;
    assert!(q(&root, "button[data-lang='de']")
        .get_attribute("data-inherited")
        .is_none());
    assert_eq!(q(&root, ".tr-remove").text_content().unwrap(), "Remove de");
}
