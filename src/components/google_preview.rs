//! The Google Wallet side of a pass: a preview of the card Google draws (logo, issuer and
//! title, hero image, the class's card rows filled from the object's text modules,
//! barcode) from the class and object the server sends Google, the save link with its QR
//! code, what Google would refuse, and the sync state; and the forms' live previews, the
//! Apple and the Google card side by side (tabs on narrow screens).

use leptos::prelude::*;
use passworks_wire::{BarcodeFormat, CampaignType, GoogleWalletPass};
use serde_json::Value;

use crate::api;
use crate::components::common::{AuthImg, CopyButton};

/// The link that sends each visitor to their wallet (`/a/…`: Android → Google Wallet,
/// Apple → the pass file, others → the page), from a download page URL (`/p/…`).
pub fn device_link(page_url: &str) -> String {
    match page_url.rfind("/p/") {
        Some(i) => format!("{}/a/{}", &page_url[..i], &page_url[i + 3..]),
        None => String::new(),
    }
}

/// What the card shows, read from the class and object JSON.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GoogleCard {
    pub background: String,
    pub logo: Option<String>,
    /// The small line beside the logo (issuer, programme, provider).
    pub issuer: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub hero: Option<String>,
    /// Card rows: (label, value) per item.
    pub rows: Vec<Vec<(String, String)>>,
    pub barcode: Option<(BarcodeFormat, String, Option<String>)>,
    /// The barcode image already fetched (an object URL), when the caller keeps one;
    /// otherwise the card fetches it.
    pub barcode_src: Option<String>,
}

fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::to_string)
        .or_else(|| v["defaultValue"]["value"].as_str().map(str::to_string))
        .filter(|s| !s.is_empty())
}

fn uri(v: &Value) -> Option<String> {
    v["sourceUri"]["uri"].as_str().map(str::to_string)
}

/// The card of a pass as Google draws it.
pub fn card(g: &GoogleWalletPass) -> GoogleCard {
    let (c, o) = (&g.class, &g.object);
    let logo = [
        &o["logo"],
        &c["logo"],
        &c["programLogo"],
        &c["titleImage"],
        &c["flightHeader"]["carrier"]["airlineLogo"],
    ]
    .into_iter()
    .find_map(uri);
    let issuer = text(&c["issuerName"]).unwrap_or_default();
    let (issuer, title, subtitle) = match g.class_type.as_str() {
        "Generic" => (
            text(&o["cardTitle"]).unwrap_or_default(),
            text(&o["header"]).unwrap_or_default(),
            text(&o["subheader"]),
        ),
        "Offer" => (
            text(&c["provider"]).unwrap_or(issuer),
            text(&c["title"]).unwrap_or_default(),
            None,
        ),
        "Loyalty" => (
            text(&c["programName"]).unwrap_or(issuer),
            text(&o["loyaltyPoints"]["balance"]["string"]).unwrap_or_default(),
            text(&o["loyaltyPoints"]["label"]),
        ),
        "EventTicket" => (issuer, text(&c["eventName"]).unwrap_or_default(), None),
        "Flight" => (
            issuer,
            format!(
                "{} → {}",
                text(&c["origin"]["airportIataCode"]).unwrap_or_default(),
                text(&c["destination"]["airportIataCode"]).unwrap_or_default()
            ),
            Some(format!(
                "{}{}",
                text(&c["flightHeader"]["carrier"]["carrierIataCode"]).unwrap_or_default(),
                text(&c["flightHeader"]["flightNumber"]).unwrap_or_default()
            )),
        ),
        _ => (
            issuer,
            format!(
                "{} → {}",
                text(&o["ticketLeg"]["originName"]).unwrap_or_default(),
                text(&o["ticketLeg"]["destinationName"]).unwrap_or_default()
            ),
            None,
        ),
    };
    let modules: Vec<&Value> = o["textModulesData"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let module = |item: &Value| -> Option<(String, String)> {
        let path = item["firstValue"]["fields"][0]["fieldPath"].as_str()?;
        let id = path.split('\'').nth(1)?;
        let m = modules.iter().find(|m| m["id"] == id)?;
        Some((
            text(&m["header"]).unwrap_or_default(),
            text(&m["body"]).unwrap_or_default(),
        ))
    };
    let rows = c["classTemplateInfo"]["cardTemplateOverride"]["cardRowTemplateInfos"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    let items: Vec<&Value> = if let Some(one) = r.get("oneItem") {
                        vec![&one["item"]]
                    } else if let Some(two) = r.get("twoItems") {
                        vec![&two["startItem"], &two["endItem"]]
                    } else {
                        let t = &r["threeItems"];
                        vec![&t["startItem"], &t["middleItem"], &t["endItem"]]
                    };
                    items.into_iter().filter_map(module).collect::<Vec<_>>()
                })
                .filter(|r| !r.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let barcode = o["barcode"]["type"].as_str().and_then(|t| {
        let f = match t {
            "QR_CODE" => BarcodeFormat::Qrcode,
            "PDF_417" => BarcodeFormat::Pdf417,
            "AZTEC" => BarcodeFormat::Aztec,
            "CODE_128" => BarcodeFormat::Ean128,
            "CODE_39" => BarcodeFormat::Code39,
            "CODABAR" => BarcodeFormat::Codabar,
            "EAN_13" => BarcodeFormat::Ean13,
            "ITF_14" => BarcodeFormat::I2of5,
            _ => return None,
        };
        Some((
            f,
            o["barcode"]["value"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            text(&o["barcode"]["alternateText"]),
        ))
    });
    GoogleCard {
        background: text(&o["hexBackgroundColor"])
            .or_else(|| text(&c["hexBackgroundColor"]))
            .unwrap_or_else(|| "#4285f4".into()),
        logo,
        issuer,
        title,
        subtitle,
        hero: uri(&o["heroImage"]).or_else(|| uri(&c["heroImage"])),
        rows,
        barcode,
        barcode_src: None,
    }
}

/// The text colour Google Wallet puts on a card of `background` (`#rrggbb`): Google
/// chooses it itself (a class has no text colour), white on dark cards and near-black on
/// light ones; light means a perceived brightness (W3C's `(299 R + 587 G + 114 B) / 1000`)
/// of at least half, so Google's own blue keeps white text.
pub fn text_on(background: &str) -> &'static str {
    let hex = background.trim().trim_start_matches('#');
    let channel = |i: usize| {
        hex.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .map(u32::from)
    };
    match (hex.len(), channel(0), channel(2), channel(4)) {
        (6, Some(r), Some(g), Some(b)) if (299 * r + 587 * g + 114 * b) / 1000 >= 128 => "#1f1f1f",
        _ => "#ffffff",
    }
}

/// The card Google Wallet draws for a pass.
#[component]
pub fn GoogleCardView(card: GoogleCard) -> impl IntoView {
    let rows = card
        .rows
        .iter()
        .map(|r| {
            let items = r
                .iter()
                .map(|(l, v)| {
                    view! {
                        <div style="flex:1;min-width:0">
                            <div style="font-size:11px;opacity:.8">{l.clone()}</div>
                            <div style="font-size:15px;overflow:hidden;text-overflow:ellipsis">{v.clone()}</div>
                        </div>
                    }
                })
                .collect_view();
            view! { <div style="display:flex;gap:12px;margin-top:10px">{items}</div> }
        })
        .collect_view();
    let barcode_src = card.barcode_src.clone();
    let barcode = card.barcode.clone().map(|(f, m, alt)| {
        let src = barcode_src.unwrap_or_else(|| api::barcode::image_url(f, &m));
        view! {
            <div style="background:#fff;border-radius:12px;padding:10px;margin:14px auto 0;width:fit-content;text-align:center;color:#202124">
                <AuthImg src=src alt="Barcode" class="google-barcode"/>
                {alt.map(|a| view! { <div style="font-size:12px">{a}</div> })}
            </div>
        }
    });
    view! {
        <div class="google-card" aria-label="Google Wallet preview"
            style=format!("background:{};color:{};border-radius:20px;overflow:hidden;max-width:340px;font-family:Roboto,Arial,sans-serif", card.background, text_on(&card.background))>
            <div style="padding:16px">
                <div style="display:flex;align-items:center;gap:10px">
                    // Google masks the logo into a circle drawn on the card's own colour
                    // (its transparent pixels show `hexBackgroundColor`, never white), so
                    // a white logo made for a dark Apple pass stays visible.
                    {card.logo.clone().map(|l| view! { <img class="google-logo" src=l alt="" style="width:36px;height:36px;border-radius:50%;object-fit:cover;flex:none"/> })}
                    <span style="font-size:14px">{card.issuer.clone()}</span>
                </div>
                <div style="font-size:22px;margin-top:12px">{card.title.clone()}</div>
                {card.subtitle.clone().map(|s| view! { <div style="font-size:13px;opacity:.85">{s}</div> })}
                {rows}
                {barcode}
            </div>
            {card.hero.clone().map(|h| view! { <img src=h alt="" style="display:block;width:100%;max-height:120px;object-fit:cover"/> })}
        </div>
    }
}

/// The live Google Wallet card of a form, with what Google would refuse.
#[component]
pub fn GoogleLivePreview(
    #[prop(into)] preview: Signal<crate::google_live::GooglePreview>,
) -> impl IntoView {
    // The barcode is fetched when it changes, not on every keystroke; earlier object URLs
    // are released once a new one shows.
    let barcode =
        Memo::new(move |_| preview.with(|g| g.card.barcode.clone().map(|(f, m, _)| (f, m))));
    let barcode_src = LocalResource::new(move || {
        let b = barcode.get();
        async move {
            match b {
                Some((f, m)) => api::object_url(&api::barcode::image_url(f, &m)).await.ok(),
                None => None,
            }
        }
    });
    let previous = StoredValue::new(String::new());
    view! {
        <figure class="google-preview" aria-label="Google Wallet preview" id="google-live-preview">
            {move || {
                let crate::google_live::GooglePreview { class_type, mut card, refusals } = preview.get();
                if let Some(src) = barcode_src.get().flatten().filter(|_| card.barcode.is_some()) {
                    let old = previous.get_value();
                    if old.starts_with("blob:") && old != src {
                        let _ = web_sys::Url::revoke_object_url(&old);
                    }
                    previous.set_value(src.clone());
                    card.barcode_src = Some(src);
                }
                view! {
                    <GoogleCardView card=card/>
                    <figcaption class="hint">{format!("Google Wallet: {class_type} pass")}</figcaption>
                    {(!refusals.is_empty()).then(|| view! {
                        <div class="banner warn" role="note" id="google-live-refusals">
                            <strong>"Google would refuse this pass: "</strong>
                            <ul>{refusals.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
                        </div>
                    })}
                }
            }}
        </figure>
    }
}

/// The previews of the campaign and pass forms: Apple's and Google's, one above the other
/// on wide screens, a tab each on narrow ones.
#[component]
pub fn FormPreviews(
    #[prop(into)] layout: Signal<crate::preview::PreviewLayout>,
    #[prop(into)] google: Signal<crate::google_live::GooglePreview>,
) -> impl IntoView {
    let google_tab = RwSignal::new(false);
    view! {
        <div class="preview-tabs" role="tablist" aria-label="Wallet">
            <button type="button" role="tab" id="tab-apple" class="btn small" aria-selected=move || (!google_tab.get()).to_string()
                on:click=move |_| google_tab.set(false)>"Apple Wallet"</button>
            <button type="button" role="tab" id="tab-google" class="btn small" aria-selected=move || google_tab.get().to_string()
                on:click=move |_| google_tab.set(true)>"Google Wallet"</button>
        </div>
        <div class="preview-side" class:active=move || !google_tab.get() role="tabpanel" aria-labelledby="tab-apple">
            <h3 class="preview-title">"Apple Wallet"</h3>
            <crate::components::PassPreview layout=layout/>
        </div>
        <div class="preview-side" class:active=move || google_tab.get() role="tabpanel" aria-labelledby="tab-google">
            <h3 class="preview-title">"Google Wallet"</h3>
            <GoogleLivePreview preview=google/>
        </div>
    }
}

/// A pass in Google Wallet: development note, what Google would refuse, sync state, the
/// card preview, and the save link with its QR code.
#[component]
pub fn GoogleWalletSection(
    kind: CampaignType,
    campaign_id: String,
    pass_id: String,
    /// The pass's `google_save_url` (this server's stable link).
    save_link: Option<String>,
) -> impl IntoView {
    let data = LocalResource::new(move || {
        let (c, p) = (campaign_id.clone(), pass_id.clone());
        async move { api::google_wallet::pass(kind, &c, &p).await }
    });
    view! {
        <section class="card" aria-labelledby="google-wallet-h" id="google-wallet">
            <h2 id="google-wallet-h" style="margin-top:0">"Google Wallet"</h2>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <p class="hint">{format!("Not available: {}", e.message())}</p> }.into_any(),
                Ok(g) => {
                    let errors = g.errors.iter().flat_map(|(k, ms)| ms.iter().map(move |m| format!("{k} {m}"))).collect::<Vec<_>>();
                    let sync = g.sync.clone();
                    view! {
                        {g.notice.clone().map(|n| view! { <div class="banner warn" role="note">{n}</div> })}
                        {(!errors.is_empty()).then(|| view! {
                            <div class="banner error" role="alert">
                                <strong>"Google would refuse this pass: "</strong>
                                <ul>{errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
                            </div>
                        })}
                        {g.save_error.clone().map(|e| view! { <div class="banner error" role="alert">{e}</div> })}
                        <dl class="kvs">
                            <div><dt>"Class type"</dt><dd>{g.class_type.clone()}</dd></div>
                            <div><dt>"Object id"</dt><dd class="mono">{g.object_id.clone()}</dd></div>
                            <div><dt>"Sync"</dt><dd id="google-sync">{match sync {
                                None => "not kept at Google yet".to_string(),
                                Some(s) => match s.error {
                                    Some(e) => format!("{}: {e}", s.status),
                                    None => s.status,
                                },
                            }}</dd></div>
                        </dl>
                        <div style="display:flex;gap:20px;flex-wrap:wrap;align-items:flex-start">
                            <GoogleCardView card=card(&g)/>
                            {save_link.clone().map(|l| view! {
                                <div>
                                    <p><a class="btn" href=l.clone() target="_blank" rel="noopener" id="google-save-link">"Add to Google Wallet"</a>" "<CopyButton text=l.clone()/></p>
                                    <AuthImg src=api::barcode::image_url(BarcodeFormat::Qrcode, &l) alt="QR code of the Google Wallet link" class="qr google-qr"/>
                                </div>
                            })}
                        </div>
                    }.into_any()
                }
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn google_picks_the_text_colour_that_contrasts() {
        assert_eq!(text_on("#1e3a5f"), "#ffffff");
        assert_eq!(text_on("#000000"), "#ffffff");
        assert_eq!(text_on("#4285f4"), "#ffffff");
        assert_eq!(text_on("#ffffff"), "#1f1f1f");
        assert_eq!(text_on("#ffd54f"), "#1f1f1f");
        assert_eq!(text_on("#F6F7F9"), "#1f1f1f");
        assert_eq!(text_on("not a colour"), "#ffffff");
    }

    #[test]
    fn device_links_replace_the_page_prefix() {
        assert_eq!(device_link("https://x.test/p/abc"), "https://x.test/a/abc");
        assert_eq!(
            device_link("https://x.test/pw/p/abc"),
            "https://x.test/pw/a/abc"
        );
        assert_eq!(device_link(""), "");
    }

    #[test]
    fn the_card_reads_class_rows_from_object_modules() {
        let g = GoogleWalletPass {
            class_type: "Loyalty".into(),
            class_id: "1.c".into(),
            object_id: "1.p".into(),
            save_url: None,
            rest_first: false,
            save_error: None,
            development: false,
            notice: None,
            errors: Default::default(),
            sync: None,
            class: json!({
                "programName": "Bean There",
                "programLogo": {"sourceUri": {"uri": "https://x/assets/l.png"}},
                "hexBackgroundColor": "#3e2723",
                "classTemplateInfo": {"cardTemplateOverride": {"cardRowTemplateInfos": [
                    {"twoItems": {
                        "startItem": {"firstValue": {"fields": [{"fieldPath": "object.textModulesData['member']"}]}},
                        "endItem": {"firstValue": {"fields": [{"fieldPath": "object.textModulesData['gone']"}]}}
                    }}
                ]}}
            }),
            object: json!({
                "loyaltyPoints": {"label": "Points", "balance": {"string": "1,250"}},
                "textModulesData": [{"id": "member", "header": "Member", "body": "Ada"}],
                "barcode": {"type": "QR_CODE", "value": "123", "alternateText": "123"}
            }),
        };
        let c = card(&g);
        assert_eq!(c.issuer, "Bean There");
        assert_eq!(c.title, "1,250");
        assert_eq!(c.subtitle.as_deref(), Some("Points"));
        assert_eq!(c.logo.as_deref(), Some("https://x/assets/l.png"));
        assert_eq!(c.background, "#3e2723");
        assert_eq!(
            c.rows,
            vec![vec![("Member".to_string(), "Ada".to_string())]]
        );
        assert_eq!(
            c.barcode,
            Some((BarcodeFormat::Qrcode, "123".into(), Some("123".into())))
        );
    }
}
