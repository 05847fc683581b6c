//! Image slot picker: a radio group of thumbnails of the assets of one type.

use leptos::prelude::*;
use passworks_wire::rules::image_size_warning;
use passworks_wire::{Asset, AssetType, PassType};

use crate::components::AuthImg;

/// Human name of a slot.
pub fn slot_label(t: AssetType) -> &'static str {
    match t {
        AssetType::Icon => "Icon",
        AssetType::Logo => "Logo",
        AssetType::Strip => "Strip",
        AssetType::Thumbnail => "Thumbnail",
        AssetType::Background => "Background",
        AssetType::Footer => "Footer",
        AssetType::Artwork => "Poster artwork",
        AssetType::PrimaryLogo => "Primary logo (poster)",
        AssetType::SecondaryLogo => "Secondary logo (poster)",
        AssetType::PersonalizationLogo => "Sign-up form logo (rewards enrollment)",
    }
}

/// Picks the asset of a slot (or none) from the organization's assets.
#[component]
pub fn AssetPicker(
    kind: AssetType,
    #[prop(into)] assets: Signal<Vec<Asset>>,
    #[prop(into)] value: Signal<String>,
    on_change: Callback<String>,
    #[prop(optional, into)] error: Signal<Option<String>>,
    /// Text of the empty choice ("None" unless given; "Campaign's" for pass overrides).
    #[prop(optional, into)]
    none_label: Option<String>,
    /// The style the image is for (the strip's size depends on it); `None`: any.
    #[prop(optional, into)]
    style: Option<PassType>,
    /// A prefix that keeps this picker's radio group and error apart from the root
    /// picker of the same slot on one form (a language: `fr`); `None` for the root.
    #[prop(optional, into)]
    group: Option<String>,
) -> impl IntoView {
    let none_label = none_label.unwrap_or_else(|| "None".into());
    let slot = kind;
    let prefix = group.map(|g| format!("{g}-")).unwrap_or_default();
    let name = format!("slot-{prefix}{}", slot.as_str());
    let name2 = name.clone();
    let err_id = format!("err-{prefix}{}", slot.slot_attribute());
    let err_id2 = err_id.clone();
    view! {
        <fieldset class="asset-picker" aria-describedby=err_id2>
            <legend>{slot_label(slot)}</legend>
            <div class="thumbs" role="radiogroup">
                <label class="thumb none">
                    <input
                        type="radio"
                        name=name.clone()
                        value=""
                        prop:checked=move || value.get().is_empty()
                        on:change=move |_| on_change.run(String::new())
                    />
                    <span>{none_label}</span>
                </label>
                {move || {
                    let name = name2.clone();
                    assets
                        .get()
                        .into_iter()
                        .filter(|a| a.asset_type == slot)
                        .map(|a| {
                            let id = a.id.clone();
                            let id2 = a.id.clone();
                            let small = image_size_warning(style, slot, a.width, a.height);
                            let title = match &small {
                                Some(w) => format!("{}×{}: {w}", a.width, a.height),
                                None => format!("{}×{}", a.width, a.height),
                            };
                            view! {
                                <label class="thumb" title=title>
                                    <input
                                        type="radio"
                                        name=name.clone()
                                        value=id.clone()
                                        prop:checked=move || value.get() == id
                                        on:change=move |_| on_change.run(id2.clone())
                                    />
                                    <AuthImg src=a.asset_url.clone() alt=format!("{} {}×{}", slot_label(slot), a.width, a.height)/>
                                    {small.is_some().then(|| view! { <span class="thumb-warning" aria-hidden="true">"!"</span> })}
                                </label>
                            }
                        })
                        .collect_view()
                }}
            </div>
            {move || {
                let chosen = value.get();
                assets
                    .get()
                    .into_iter()
                    .find(|a| a.id == chosen && a.asset_type == slot)
                    .and_then(|a| image_size_warning(style, slot, a.width, a.height))
                    .map(|w| view! { <p class="hint image-warning">{w}</p> })
            }}
            {move || error.get().map(|e| view! { <p class="field-error" id=err_id.clone()>{e}</p> })}
        </fieldset>
    }
}
