//! Small shared widgets: status messages, field errors, copy buttons, authenticated images.

use std::collections::BTreeMap;

use leptos::prelude::*;
use passworks_wire::BarcodeFormat;

use crate::api::{self, ApiError};

/// Field-level messages of a form, keyed by API attribute.
pub type FormErrors = RwSignal<BTreeMap<String, String>>;

/// `aria-invalid` of a control whose attribute has an error.
pub fn invalid(errors: FormErrors, attr: &'static str) -> impl Fn() -> Option<&'static str> + Copy {
    move || errors.with(|e| e.contains_key(attr)).then_some("true")
}

/// Clears the errors of `attrs` once the user edits them.
pub fn touched(errors: FormErrors, attrs: &[&str]) {
    if attrs
        .iter()
        .any(|a| errors.with_untracked(|e| e.contains_key(*a)))
    {
        errors.update(|e| {
            for a in attrs {
                e.remove(*a);
            }
        });
    }
}

/// A labelled input (`kind`: text, url, number, datetime-local…) bound to one attribute
/// of a form draft, with its error slot; editing it clears its error.
pub fn text_control<D: Send + Sync + 'static>(
    draft: RwSignal<D>,
    errors: FormErrors,
    attr: &'static str,
    label: &'static str,
    kind: &'static str,
    get: fn(&D) -> &String,
    set: fn(&mut D, String),
) -> impl IntoView {
    let id = format!("f-{attr}");
    view! {
        <div class="control">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type=kind
                aria-invalid=invalid(errors, attr)
                aria-describedby=format!("err-{attr}")
                prop:value=move || draft.with(|d| get(d).clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    draft.update(|d| set(d, v));
                    touched(errors, &[attr]);
                }
            />
            <FieldError errors=errors attr=attr/>
        </div>
    }
}

/// A colour: a picker beside a hex field, both bound to one draft attribute.
pub fn colour_control<D: Send + Sync + 'static>(
    draft: RwSignal<D>,
    errors: FormErrors,
    attr: &'static str,
    label: &'static str,
    get: fn(&D) -> &String,
    set: fn(&mut D, String),
) -> impl IntoView {
    let id = format!("f-{attr}");
    view! {
        <div class="control">
            <label for=id.clone()>{label}</label>
            <div class="colour-pair">
                <input
                    type="color"
                    aria-label=format!("{label} picker")
                    prop:value=move || draft.with(|d| {
                        let v = get(d).trim();
                        if passworks_wire::rules::is_hex_color(v) { v.to_lowercase() } else { "#000000".into() }
                    })
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        draft.update(|d| set(d, v));
                        touched(errors, &[attr]);
                    }
                />
                <input
                    id=id
                    size="8"
                    placeholder="#rrggbb"
                    aria-invalid=invalid(errors, attr)
                    aria-describedby=format!("err-{attr}")
                    prop:value=move || draft.with(|d| get(d).clone())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        draft.update(|d| set(d, v));
                        touched(errors, &[attr]);
                    }
                />
            </div>
            <FieldError errors=errors attr=attr/>
        </div>
    }
}

/// Copies 422 messages of a failed call into the form's error map and returns the
/// messages that belong to no field on the form (for the banner).
pub fn absorb_errors(errors: FormErrors, e: &ApiError, form_attrs: &[&str]) -> Option<String> {
    let mut rest = Vec::new();
    if e.status == 422 {
        errors.update(|m| {
            for (k, v) in &e.body.errors {
                let attr = k.split(['.', '[']).next().unwrap_or(k);
                if form_attrs.contains(&attr) {
                    m.insert(attr.to_string(), v.join(", "));
                } else {
                    rest.push(if k == "base" {
                        v.join(", ")
                    } else {
                        format!("{k} {}", v.join(", "))
                    });
                }
            }
        });
        (!rest.is_empty()).then(|| rest.join("; "))
    } else {
        Some(e.message())
    }
}

/// "Loading…" placeholder, announced to screen readers.
#[component]
pub fn Loading(#[prop(optional, into)] what: Option<String>) -> impl IntoView {
    view! {
        <p class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            {format!("Loading {}…", what.unwrap_or_default())}
        </p>
    }
}

/// An error message box.
#[component]
pub fn ErrorBanner(#[prop(into)] message: String) -> impl IntoView {
    view! { <div class="banner error" role="alert" tabindex="-1">{message}</div> }
}

/// A success/info message box.
#[component]
pub fn InfoBanner(#[prop(into)] message: String) -> impl IntoView {
    view! { <div class="banner info" role="status">{message}</div> }
}

/// Shows the optional message of a signal as a banner (error when `Err`).
#[component]
pub fn Flash(flash: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    move || {
        flash.get().map(|r| match r {
            Ok(m) => view! { <InfoBanner message=m/> }.into_any(),
            Err(m) => view! { <ErrorBanner message=m/> }.into_any(),
        })
    }
}

/// Empty-state box.
#[component]
pub fn Empty(
    #[prop(into)] message: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="empty">
            <p>{message}</p>
            {children.map(|c| c())}
        </div>
    }
}

/// The error text of one form attribute, linked to its control by id `err-<attr>`.
#[component]
pub fn FieldError(errors: FormErrors, attr: &'static str) -> impl IntoView {
    move || {
        errors.with(|m| m.get(attr).cloned()).map(|msg| {
            view! { <p class="field-error" id=format!("err-{attr}")>{msg}</p> }
        })
    }
}

/// Copy-to-clipboard button that confirms with "Copied".
#[component]
pub fn CopyButton(
    #[prop(into)] text: Signal<String>,
    #[prop(optional, into)] label: Option<String>,
    /// What is copied, for the accessible name ("Copy <what> to clipboard") when the
    /// visible label is a short "Copy" among several.
    #[prop(optional, into)]
    what: Option<String>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let label = label.unwrap_or_else(|| "Copy".into());
    let aria = match what {
        Some(w) => format!("Copy {w} to clipboard"),
        None => format!("{label} to clipboard"),
    };
    view! {
        <button
            type="button"
            class="btn small"
            aria-label=aria
            on:click=move |_| {
                if let Some(w) = web_sys::window() {
                    let _ = w.navigator().clipboard().write_text(&text.get_untracked());
                    copied.set(true);
                    set_timeout(move || copied.set(false), std::time::Duration::from_millis(1500));
                }
            }
        >
            {move || if copied.get() { "Copied".to_string() } else { label.clone() }}
        </button>
    }
}

/// An image whose URL may need the API credentials: API URLs are fetched with them and
/// shown through an object URL, other URLs load directly.
#[component]
pub fn AuthImg(
    #[prop(into)] src: Signal<String>,
    #[prop(into)] alt: String,
    #[prop(optional, into)] class: Option<String>,
) -> impl IntoView {
    let shown = LocalResource::new(move || {
        let s = src.get();
        async move {
            if s.is_empty() {
                Ok(String::new())
            } else if api::is_api_url(&s) {
                api::object_url(&s).await
            } else {
                Ok(s)
            }
        }
    });
    let previous = StoredValue::new(String::new());
    let class = class.unwrap_or_default();
    move || {
        let cls = class.clone();
        let alt = alt.clone();
        match shown.get() {
            Some(Ok(u)) if !u.is_empty() => {
                let old = previous.get_value();
                if old.starts_with("blob:") && old != u {
                    let _ = web_sys::Url::revoke_object_url(&old);
                }
                previous.set_value(u.clone());
                view! { <img src=u alt=alt class=cls/> }.into_any()
            }
            Some(Err(e)) => {
                view! { <span class="img-error" title=e.message()>"Image unavailable"</span> }
                    .into_any()
            }
            _ => view! { <span class=format!("img-placeholder {cls}") aria-hidden="true"></span> }
                .into_any(),
        }
    }
}

/// URL of the API's barcode renderer.
pub fn barcode_url(format: BarcodeFormat, message: &str) -> String {
    api::barcode::image_url(format, message)
}

/// A labelled key/value row of a description list.
#[component]
pub fn Kv(#[prop(into)] k: String, children: Children) -> impl IntoView {
    view! {
        <div class="kv">
            <dt>{k}</dt>
            <dd>{children()}</dd>
        </div>
    }
}

/// Status pill.
#[component]
pub fn Pill(#[prop(into)] text: String) -> impl IntoView {
    let cls = format!("pill pill-{}", text.replace(' ', "-"));
    view! { <span class=cls>{text}</span> }
}

/// A labelled text input bound to a signal.
#[component]
pub fn TextInput(
    #[prop(into)] label: String,
    #[prop(into)] id: String,
    value: RwSignal<String>,
    #[prop(optional, into)] input_type: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] autocomplete: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    view! {
        <div class="control">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type=input_type.unwrap_or_else(|| "text".into())
                required=required
                autocomplete=autocomplete
                aria-describedby=hint.as_ref().map(|_| hint_id.clone())
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
        </div>
    }
}

/// Waits without blocking the page.
pub async fn sleep_ms(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

/// Brings a form's first problem into view and focus once the messages are drawn: the
/// first control marked invalid (or the control a field message describes), else the
/// error banner. Without it the messages appear far above the Save button and nothing
/// seems to happen.
pub fn reveal_errors() {
    use wasm_bindgen::JsCast;
    // After the reactive updates have reached the DOM.
    set_timeout(
        || {
            let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
                return;
            };
            let q = |sel: &str| doc.query_selector(sel).ok().flatten();
            let target = match q("main [aria-invalid='true'], main .field-error") {
                Some(el) if el.class_list().contains("field-error") => {
                    // The control (or group) this message describes, else the message.
                    let id = el.id();
                    q(&format!("main [aria-describedby~='{id}']"))
                        .map(|c| {
                            if c.tag_name().eq_ignore_ascii_case("fieldset") {
                                c.query_selector("input, select, textarea, button")
                                    .ok()
                                    .flatten()
                                    .unwrap_or(c)
                            } else {
                                c
                            }
                        })
                        .unwrap_or(el)
                }
                Some(el) => el,
                None => match q("main .banner.error") {
                    Some(b) => b,
                    None => return,
                },
            };
            let opts = web_sys::ScrollIntoViewOptions::new();
            opts.set_block(web_sys::ScrollLogicalPosition::Center);
            target.scroll_into_view_with_scroll_into_view_options(&opts);
            if let Ok(h) = target.dyn_into::<web_sys::HtmlElement>() {
                if h.tab_index() < 0 && !is_focusable(&h) {
                    h.set_tab_index(-1);
                }
                let _ = h.focus();
            }
        },
        std::time::Duration::from_millis(0),
    );
}

fn is_focusable(el: &web_sys::HtmlElement) -> bool {
    matches!(
        el.tag_name().to_ascii_lowercase().as_str(),
        "input" | "select" | "textarea" | "button" | "a"
    )
}

/// Asks before an edited form is left: a link inside the console (checked before the
/// router sees the click) and closing or reloading the tab. `dirty` says whether there
/// is anything to lose.
pub fn guard_unsaved(dirty: Signal<bool>) {
    use send_wrapper::SendWrapper;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
        if !dirty.try_get_untracked().unwrap_or(false)
            || ev.default_prevented()
            || ev.button() != 0
            || ev.ctrl_key()
            || ev.meta_key()
            || ev.shift_key()
            || ev.alt_key()
        {
            return;
        }
        let link = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("a[href]").ok().flatten());
        let Some(link) = link else { return };
        if link.get_attribute("target").is_some_and(|t| t == "_blank")
            || link.has_attribute("download")
        {
            return;
        }
        let leave = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message("Leave this page? Your changes have not been saved.")
                    .ok()
            })
            .unwrap_or(true);
        if !leave {
            ev.prevent_default();
            ev.stop_immediate_propagation();
        }
    });
    let on_unload = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
        if dirty.try_get_untracked().unwrap_or(false) {
            ev.prevent_default();
            let _ = js_sys::Reflect::set(&ev, &"returnValue".into(), &"unsaved".into());
        }
    });
    let _ = window.add_event_listener_with_callback_and_bool(
        "click",
        on_click.as_ref().unchecked_ref(),
        true,
    );
    let _ =
        window.add_event_listener_with_callback("beforeunload", on_unload.as_ref().unchecked_ref());
    let held = SendWrapper::new((window, on_click, on_unload));
    on_cleanup(move || {
        let (window, on_click, on_unload) = &*held;
        let _ = window.remove_event_listener_with_callback_and_bool(
            "click",
            on_click.as_ref().unchecked_ref(),
            true,
        );
        let _ = window.remove_event_listener_with_callback(
            "beforeunload",
            on_unload.as_ref().unchecked_ref(),
        );
    });
}

thread_local! {
    static NEXT_FLASH: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// A confirmation for the page about to be shown ("Saved."), read once by that page
/// with [`take_next_flash`].
pub fn set_next_flash(message: impl Into<String>) {
    NEXT_FLASH.with(|f| *f.borrow_mut() = Some(message.into()));
}

/// The confirmation left by the previous page, once.
pub fn take_next_flash() -> Option<String> {
    NEXT_FLASH.with(|f| f.borrow_mut().take())
}

/// Saves what the object URL `url` holds as a file called `name`, then releases it.
pub fn download_object_url(url: &str, name: &str) {
    let a: web_sys::HtmlAnchorElement =
        wasm_bindgen::JsCast::unchecked_into(document().create_element("a").unwrap());
    a.set_href(url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(url);
}

/// Saves `text` as a file called `name` (through a temporary object URL).
pub fn download_text(name: &str, text: &str, mime: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let a: web_sys::HtmlAnchorElement =
        wasm_bindgen::JsCast::unchecked_into(document().create_element("a").unwrap());
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
}
