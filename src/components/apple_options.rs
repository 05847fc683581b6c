//! The "Apple Wallet (iOS 18–27)" section of the campaign and pass forms: the newer
//! layout (poster event ticket, semantic boarding pass), the style's common semantic tags,
//! the first relevance interval, the style's URLs and every other `apple` option as JSON.
//! It edits an [`AppleDraft`]; what is sent is the draft's patch (`draft.rs`).

use leptos::prelude::*;
use passworks_wire::apple::{self, StyleScheme};
use passworks_wire::PassType;

use crate::components::{invalid, touched, FieldError, FormErrors};
use crate::draft::AppleDraft;

/// The section for passes of `style`, bound to the [`AppleDraft`] that `get`/`get_mut`
/// reach inside the form's draft. Server messages under `apple.…` show under it.
pub fn apple_section<D: Send + Sync + 'static>(
    draft: RwSignal<D>,
    errors: FormErrors,
    style: PassType,
    get: fn(&D) -> &AppleDraft,
    get_mut: fn(&mut D) -> &mut AppleDraft,
) -> impl IntoView {
    let layout = apple::form_scheme(style).map(|(newer, _)| {
        let label = match newer {
            StyleScheme::PosterEventTicket => {
                "Poster layout (iOS 18+; older iPhones show the classic ticket)"
            }
            _ => {
                "Semantic boarding pass (iOS 26+, air travel; older iPhones show the classic pass)"
            }
        };
        view! {
            <label class="check">
                <input type="checkbox" id="f-apple-layout"
                    prop:checked=move || draft.with(|d| get(d).newer_layout)
                    on:change=move |ev| {
                        let v = event_target_checked(&ev);
                        draft.update(|d| get_mut(d).newer_layout = v);
                        touched(errors, &["apple"]);
                    }/>
                {label}
            </label>
        }
    });
    let tags = apple::form_tags(style)
        .iter()
        .map(|(tag, label, _)| {
            let tag: &'static str = tag;
            let id = format!("f-apple-tag-{tag}");
            view! {
                <div class="control">
                    <label for=id.clone()>{*label}</label>
                    <input id=id type="text" data-tag=tag
                        prop:value=move || draft.with(|d| get(d).tags.get(tag).cloned().unwrap_or_default())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            draft.update(|d| { get_mut(d).tags.insert(tag.to_string(), v); });
                            touched(errors, &["apple"]);
                        }/>
                </div>
            }
        })
        .collect_view();
    let urls = apple::URL_KEYS
        .iter()
        .filter(|k| k.style == style)
        .map(|k| {
            let key: &'static str = k.api;
            let id = format!("f-apple-url-{key}");
            let label = format!("{} (iOS {})", k.apple, k.min_ios);
            view! {
                <div class="control">
                    <label for=id.clone()>{label}</label>
                    <input id=id type="text"
                        prop:value=move || draft.with(|d| get(d).urls.get(key).cloned().unwrap_or_default())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            draft.update(|d| { get_mut(d).urls.insert(key.to_string(), v); });
                            touched(errors, &["apple"]);
                        }/>
                </div>
            }
        })
        .collect_view();
    let interval = |id: &'static str,
                    label: &'static str,
                    pick: fn(&AppleDraft) -> &String,
                    put: fn(&mut AppleDraft, String)| {
        view! {
            <div class="control">
                <label for=id>{label}</label>
                <input id=id type="datetime-local"
                    prop:value=move || draft.with(|d| pick(get(d)).clone())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        draft.update(|d| put(get_mut(d), v));
                        touched(errors, &["apple"]);
                    }/>
            </div>
        }
    };
    view! {
        <fieldset class="apple-options">
            <legend>"Apple Wallet (iOS 18–27)"</legend>
            <p class="hint">"Semantic tags, the newer layouts, relevance and links Wallet shows on recent iPhones. Tags and URLs left empty are not sent; every other option (poster images, upcoming events, NFC, featured actions, translations…) goes in More options, as the API names it."</p>
            {layout}
            <div class="grid2">{tags}</div>
            <div class="grid2">
                {interval("f-apple-start", "Relevant from (UTC)", |a| &a.start, |a, v| a.start = v)}
                {interval("f-apple-end", "Relevant until (UTC, at most 24 h later)", |a| &a.end, |a, v| a.end = v)}
            </div>
            <div class="grid2">{urls}</div>
            <div class="control">
                <label for="f-apple-more">"More options (JSON object)"</label>
                <textarea id="f-apple-more" aria-invalid=invalid(errors, "apple") aria-describedby="err-apple"
                    prop:value=move || draft.with(|d| get(d).more.clone())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        draft.update(|d| get_mut(d).more = v);
                        touched(errors, &["apple"]);
                    }></textarea>
            </div>
            <FieldError errors=errors attr="apple"/>
        </fieldset>
    }
}
