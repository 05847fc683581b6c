//! The "Apple Wallet (iOS 18–27)" section of the campaign and pass forms: the newer
//! layout (poster event ticket, semantic boarding pass), the style's common semantic tags,
//! the first relevance interval, the style's URLs and every other `apple` option as JSON.
//! It edits an [`AppleDraft`]; what is sent is the draft's patch (`draft.rs`).
//! Translations have an editor of their own: a tab per language, a row per text of the
//! pass, and the language the live preview shows. On a pass form the campaign's languages
//! are tabs too, its translations shown as placeholders the pass may override.

use leptos::prelude::*;
use passworks_wire::apple::{self, AppleOptions, LocalizedImages, StyleScheme};
use passworks_wire::{Asset, PassType};

use crate::components::{invalid, touched, AssetPicker, FieldError, FormErrors};
use crate::draft::AppleDraft;

/// The section for passes of `style`, bound to the [`AppleDraft`] that `get`/`get_mut`
/// reach inside the form's draft. Server messages under `apple.…` show under it.
/// `texts` are the pass's texts a translation can name (logo text, labels, values);
/// `preview_lang` is the language the form's live preview shows (empty: as written);
/// `assets` are the organization's, for each language's images. `inherited` is what the
/// form's options are laid over (a pass form: its campaign's options; a campaign form:
/// nothing), whose translations and images apply where the form has none of its own.
#[allow(clippy::too_many_arguments)] // reason: one section, bound to one form's draft
pub fn apple_section<D: Send + Sync + 'static>(
    draft: RwSignal<D>,
    errors: FormErrors,
    style: PassType,
    get: fn(&D) -> &AppleDraft,
    get_mut: fn(&mut D) -> &mut AppleDraft,
    texts: Signal<Vec<String>>,
    preview_lang: RwSignal<String>,
    assets: Signal<Vec<Asset>>,
    inherited: Signal<AppleOptions>,
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
            <p class="hint">"Semantic tags, the newer layouts, relevance and links Wallet shows on recent iPhones. Tags and URLs left empty are not sent; every other option (poster images, upcoming events, NFC, featured actions…) goes in More options, as the API names it."</p>
            {layout}
            <div class="grid2">{tags}</div>
            <div class="grid2">
                {interval("f-apple-start", "Relevant from (UTC)", |a| &a.start, |a, v| a.start = v)}
                {interval("f-apple-end", "Relevant until (UTC, at most 24 h later)", |a| &a.end, |a, v| a.end = v)}
            </div>
            <div class="grid2">{urls}</div>
            {translations_editor(draft, errors, style, get, get_mut, texts, preview_lang, assets, inherited)}
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

/// The translations: a tab per language (added by its id, removed with its texts and
/// images), a row per text of the pass with its translation in the chosen language, the
/// language's images (a picker per slot the style shows), and the language the preview
/// shows. Texts translated earlier that the pass no longer has stay listed, so nothing is
/// dropped unseen. The languages `inherited` has are tabs and "Preview in" choices too
/// (the pass shows them whether or not it overrides anything): each row's placeholder is
/// the inherited translation, what applies while the row is empty, and removing such a
/// language removes only the form's own texts and images in it.
#[allow(clippy::too_many_arguments)] // reason: the section's arguments, passed through
fn translations_editor<D: Send + Sync + 'static>(
    draft: RwSignal<D>,
    errors: FormErrors,
    style: PassType,
    get: fn(&D) -> &AppleDraft,
    get_mut: fn(&mut D) -> &mut AppleDraft,
    texts: Signal<Vec<String>>,
    preview_lang: RwSignal<String>,
    assets: Signal<Vec<Asset>>,
    inherited: Signal<AppleOptions>,
) -> impl IntoView {
    let languages = move || inherited.with(|i| draft.with(|d| get(d).languages_with(i)));
    // Whether `lang` comes (also) from what the form inherits.
    let inherits = move |lang: &str| inherited.with(|i| i.languages().contains(&lang));
    let editing = RwSignal::new(String::new());
    // The tab shown: the one picked, else the first language.
    let current = move || {
        let langs = languages();
        let e = editing.get();
        if langs.contains(&e) {
            Some(e)
        } else {
            langs.first().cloned()
        }
    };
    let new_lang = RwSignal::new(String::new());
    let add_error = RwSignal::new(None::<String>);
    let add = move || {
        let lang = new_lang.get_untracked().trim().to_string();
        if !apple::is_language_id(&lang) {
            add_error.set(Some(format!(
                "\u{201c}{lang}\u{201d} is not a language id: use a code such as pt, pt-BR or zh-Hans."
            )));
            return;
        }
        add_error.set(None);
        draft.update(|d| {
            get_mut(d).translations.entry(lang.clone()).or_default();
        });
        editing.set(lang);
        new_lang.set(String::new());
        touched(errors, &["apple"]);
    };
    let tabs = move || {
        let cur = current();
        languages()
            .into_iter()
            .map(|lang| {
                let pressed = cur.as_deref() == Some(lang.as_str());
                let (l, data) = (lang.clone(), lang.clone());
                let from_campaign = inherits(&lang)
                    && !draft.with(|d| get(d).languages().contains(&lang));
                let title = from_campaign.then(|| format!("{lang}: the campaign's translations"));
                view! {
                    <button type="button" class="btn small" class:ghost=!pressed
                        aria-pressed=pressed.to_string() data-lang=data
                        data-inherited=from_campaign.then_some("true") title=title
                        on:click=move |_| editing.set(l.clone())>
                        {lang}
                        {from_campaign.then(|| view! { <span class="tr-inherited">" · campaign"</span> })}
                    </button>
                }
            })
            .collect_view()
    };
    let rows = move || {
        let Some(lang) = current() else {
            return view! { <p class="hint">"No translations yet: add a language to translate the pass's texts."</p> }.into_any();
        };
        let all = inherited.with(|i| draft.with(|d| get(d).texts_in(texts.get(), i, &lang)));
        let inherited_lang = inherits(&lang);
        let own_lang = draft.with(|d| get(d).languages().contains(&lang));
        let remove_lang = lang.clone();
        let rows = all
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                let id = format!("f-tr-{i}");
                let (l1, t1, l2, t2) = (lang.clone(), text.clone(), lang.clone(), text.clone());
                // What applies while the pass has no translation of its own.
                let placeholder = inherited.with(|i| {
                    i.translations.get(&lang).and_then(|m| m.get(&text)).cloned()
                });
                view! {
                    <div class="control translation">
                        <label for=id.clone()>{text.clone()}</label>
                        <input id=id type="text" data-text=text lang=lang.clone() placeholder=placeholder
                            prop:value=move || draft.with(|d| get(d).translations.get(&l1).and_then(|m| m.get(&t1)).cloned().unwrap_or_default())
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                draft.update(|d| { get_mut(d).translations.entry(l2.clone()).or_default().insert(t2.clone(), v); });
                                touched(errors, &["apple"]);
                            }/>
                    </div>
                }
            })
            .collect_view();
        let pickers = LocalizedImages::slots()
            .filter(|slot| passworks_wire::rules::renders_image(style, *slot))
            // Poster images only where the pass draws a poster (or one is already set).
            .filter(|slot| {
                !slot.is_poster()
                    || draft.with(|d| {
                        get(d).uses_poster(style)
                            || get(d).images.get(&lang).is_some_and(|m| m.contains_key(slot))
                    })
            })
            .map(|slot| {
                let (l1, l2) = (lang.clone(), lang.clone());
                let attr = apple::localized_image_path(&lang, slot);
                let inherited_image = inherited.with(|i| {
                    i.localized_images
                        .get(&lang)
                        .is_some_and(|m| m.entries().iter().any(|(s, _)| *s == slot))
                });
                let none_label = if inherited_image {
                    "The campaign's"
                } else {
                    "As in every language"
                };
                view! {
                    <AssetPicker
                        kind=slot
                        assets=assets
                        style=style
                        group=lang.clone()
                        none_label=none_label
                        value=Signal::derive(move || draft.with(|d| get(d).images.get(&l1).and_then(|m| m.get(&slot)).cloned().unwrap_or_default()))
                        on_change=Callback::new(move |v: String| {
                            draft.update(|d| {
                                let images = &mut get_mut(d).images;
                                let m = images.entry(l2.clone()).or_default();
                                if v.is_empty() { m.remove(&slot); } else { m.insert(slot, v); }
                                if m.is_empty() { images.remove(&l2); }
                            });
                            touched(errors, &["apple"]);
                        })
                        error=Signal::derive(move || errors.with(|e| e.get(&attr).cloned()))
                    />
                }
            })
            .collect_view();
        let inherited_hint = inherited_lang.then(|| view! {
            <p class="hint tr-inherited-hint">{format!("The campaign translates this pass into {lang}: its translations show greyed in the fields and apply as long as a field is empty. A text typed here replaces it for this pass only.")}</p>
        });
        // An inherited language stays a tab after the pass's own texts in it go: say so.
        let remove_label = if inherited_lang {
            format!("Remove this pass's {lang} texts")
        } else {
            format!("Remove {lang}")
        };
        let remove = own_lang.then(|| {
            view! {
                <button type="button" class="btn small danger tr-remove" on:click=move |_| {
                    draft.update(|d| get_mut(d).remove_language(&remove_lang));
                    if preview_lang.get_untracked() == remove_lang && !inherits(&remove_lang) {
                        preview_lang.set(String::new());
                    }
                    touched(errors, &["apple"]);
                }>{remove_label}</button>
            }
        });
        view! {
            {inherited_hint}
            <div class="grid2">{rows}</div>
            <p class="hint">{format!("Images in {lang} (Wallet shows them on a phone in {lang} instead of the pass's own):")}</p>
            <div class="grid2 localized-images" data-lang=lang.clone()>{pickers}</div>
            {remove}
        }
        .into_any()
    };
    view! {
        <fieldset class="translations">
            <legend>"Translations"</legend>
            <p class="hint">"Wallet shows the pass in the phone's language, and the download page in the visitor's: each text of the pass can have a translation per language. Texts left empty stay as written; images not picked for a language are the pass's own."</p>
            <div class="toolbar" role="group" aria-label="Languages">{tabs}</div>
            <div class="toolbar tr-add">
                <div class="control">
                    <label for="f-tr-new">"Add a language (pt, pt-BR, zh-Hans…)"</label>
                    <input id="f-tr-new" type="text" prop:value=move || new_lang.get()
                        aria-invalid=move || add_error.get().map(|_| "true")
                        on:input=move |ev| new_lang.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { ev.prevent_default(); add(); }/>
                    {move || add_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                </div>
                <button type="button" class="btn small" id="f-tr-add" on:click=move |_| add()>"Add language"</button>
            </div>
            {rows}
            <div class="control">
                <label for="f-preview-lang">"Preview in"</label>
                <select id="f-preview-lang" prop:value=move || preview_lang.get()
                    on:change=move |ev| preview_lang.set(event_target_value(&ev))>
                    <option value="">"The texts as written"</option>
                    {move || languages().into_iter().map(|l| view! { <option value=l.clone()>{l.clone()}</option> }).collect_view()}
                </select>
            </div>
        </fieldset>
    }
}
