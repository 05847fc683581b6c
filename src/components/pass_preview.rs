//! Live pass preview: paints a [`PreviewLayout`] the way Apple Wallet shows the style.

use leptos::prelude::*;

use crate::components::{barcode_url, AuthImg};
use crate::preview::{PreviewField, PreviewLayout};

fn field_views(fields: Vec<PreviewField>, class: &'static str) -> impl IntoView {
    fields
        .into_iter()
        .map(|f| {
            let cls = if f.placeholder {
                format!("pf {class} placeholder")
            } else {
                format!("pf {class}")
            };
            view! {
                <div class=cls data-key=f.key.clone()>
                    <span class="pf-label">{f.label}</span>
                    <span class="pf-value">{f.value}</span>
                </div>
            }
        })
        .collect_view()
}

/// The preview card, re-rendered whenever the layout changes.
#[component]
pub fn PassPreview(#[prop(into)] layout: Signal<PreviewLayout>) -> impl IntoView {
    let show_back = RwSignal::new(false);
    let card = move || {
        let l = layout.get();
        let style = format!(
            "--pass-bg:{};--pass-fg:{};--pass-label:{};",
            l.background, l.foreground, l.label
        );
        let bg_img = l
            .background_image
            .clone()
            .map(|u| view! { <AuthImg src=u alt="" class="pass-bg-img"/> });
        let logo = l
            .logo
            .clone()
            .map(|u| view! { <AuthImg src=u alt="Logo" class="pass-logo"/> });
        let top = view! {
            <div class="pass-top">
                {logo}
                <span class="pass-logo-text">{l.logo_text.clone()}</span>
                <div class="pass-header">{field_views(l.header.clone(), "header")}</div>
            </div>
        };
        let primary = if let Some(strip) = l.strip.clone().filter(|_| l.primary_on_strip) {
            view! {
                <div class="pass-strip">
                    <AuthImg src=strip alt="Strip" class="pass-strip-img"/>
                    <div class="pass-primary on-strip">{field_views(l.primary.clone(), "primary")}</div>
                </div>
            }
            .into_any()
        } else if let Some(glyph) = l.transit_glyph {
            let mut p = l.primary.clone().into_iter();
            let first = p.next().into_iter().collect::<Vec<_>>();
            let second = p.collect::<Vec<_>>();
            view! {
                <div class="pass-primary boarding">
                    {field_views(first, "primary")}
                    <span class="transit-glyph" aria-label="transit">{glyph}</span>
                    {field_views(second, "primary right")}
                </div>
            }
            .into_any()
        } else {
            let thumb = l
                .thumbnail
                .clone()
                .map(|u| view! { <AuthImg src=u alt="Thumbnail" class="pass-thumb"/> });
            view! {
                <div class="pass-primary">
                    <div class="primary-fields">{field_views(l.primary.clone(), "primary")}</div>
                    {thumb}
                </div>
            }
            .into_any()
        };
        let rows = if l.combined_row {
            let mut all = l.secondary.clone();
            all.extend(l.auxiliary.clone());
            view! { <div class="pass-row combined">{field_views(all, "secondary")}</div> }
                .into_any()
        } else {
            view! {
                <div class="pass-row secondary">{field_views(l.secondary.clone(), "secondary")}</div>
                <div class="pass-row auxiliary">{field_views(l.auxiliary.clone(), "auxiliary")}</div>
            }
            .into_any()
        };
        let footer = l
            .footer
            .clone()
            .map(|u| view! { <AuthImg src=u alt="Footer" class="pass-footer"/> });
        let barcode = l.barcode.clone().map(|(fmt, msg)| {
            let cls = if l.square_barcode { "pass-barcode square" } else { "pass-barcode wide" };
            let src = barcode_url(fmt, &msg);
            view! {
                <div class=cls>
                    <div class="barcode-box">
                        <AuthImg src=src alt=format!("{} barcode", fmt.as_str()) class="barcode-img"/>
                    </div>
                    <span class="barcode-alt">{msg}</span>
                </div>
            }
        });
        let hidden = (!l.hidden.is_empty()).then(|| {
            view! {
                <p class="hint">
                    {format!("Not shown on the front of this style: {}.", l.hidden.join(", "))}
                </p>
            }
        });
        let back = l.back.clone();
        view! {
            <div class=format!("pass-card {}", l.style_class) style=style data-style=l.style.as_str()>
                {bg_img}
                <div class="pass-inner">
                    {top}
                    {primary}
                    {rows}
                    {footer}
                    {barcode}
                </div>
            </div>
            {hidden}
            <Show when=move || show_back.get()>
                <div class="pass-back" style=format!("--pass-bg:{};--pass-fg:{};", l.background, l.foreground)>
                    {if back.is_empty() {
                        view! { <p>"No back fields."</p> }.into_any()
                    } else {
                        field_views(back.clone(), "back").into_any()
                    }}
                </div>
            </Show>
        }
    };
    view! {
        <figure class="pass-preview" aria-label="Pass preview">
            {card}
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
