//! Live pass preview: paints a [`PreviewLayout`] with the one renderer the public download
//! page uses too ([`passworks_wire::layout::render_html`]), so the two cannot disagree.
//! Only the barcode image differs in where it comes from: the API's renderer, fetched
//! with the credentials and shown through an object URL.

use leptos::prelude::*;
use passworks_wire::layout::{render_back_html, render_html};

use crate::api;
use crate::components::barcode_url;
use crate::preview::PreviewLayout;

/// The preview card, re-rendered whenever the layout changes.
#[component]
pub fn PassPreview(#[prop(into)] layout: Signal<PreviewLayout>) -> impl IntoView {
    let show_back = RwSignal::new(false);
    let barcode = Memo::new(move |_| layout.with(|l| l.barcode.clone()));
    let barcode_src = LocalResource::new(move || {
        let b = barcode.get();
        async move {
            match b {
                Some((format, message)) => {
                    api::object_url(&barcode_url(format, &message)).await.ok()
                }
                None => None,
            }
        }
    });
    // Object URLs of earlier barcodes are released once a new one shows.
    let previous = StoredValue::new(String::new());
    let card = move || {
        let src = barcode_src.get().flatten();
        if let Some(u) = &src {
            let old = previous.get_value();
            if old.starts_with("blob:") && &old != u {
                let _ = web_sys::Url::revoke_object_url(&old);
            }
            previous.set_value(u.clone());
        }
        layout.with(|l| render_html(l, src.as_deref()))
    };
    let hidden = move || {
        layout.with(|l| {
            (!l.hidden.is_empty()).then(|| {
                view! {
                    <p class="hint">
                        {format!("Not shown on the front of this style: {}.", l.hidden.join(", "))}
                    </p>
                }
            })
        })
    };
    let back = move || {
        layout.with(|l| {
            let style = format!("--pass-bg:{};--pass-fg:{};", l.background, l.foreground);
            if l.back.is_empty() {
                view! { <div class="pass-back" style=style><p>"No back fields."</p></div> }
                    .into_any()
            } else {
                view! { <div class="pass-back" style=style inner_html=render_back_html(l)></div> }
                    .into_any()
            }
        })
    };
    view! {
        <figure class="pass-preview" aria-label="Pass preview">
            <div class="pass-card-host" inner_html=card></div>
            {hidden}
            <Show when=move || show_back.get()>{back}</Show>
            <figcaption>
                <button
                    type="button"
                    class="btn small ghost"
                    aria-pressed=move || show_back.get().to_string()
                    on:click=move |_| show_back.update(|b| *b = !*b)
                >
                    {move || if show_back.get() { "Hide back" } else { "Show back" }}
                </button>
            </figcaption>
        </figure>
    }
}
