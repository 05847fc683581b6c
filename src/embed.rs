//! Embedding in a portal (issue 18): the console takes a one-time console session token
//! from its host instead of showing the sign-in form, and takes the host's look.
//!
//! A token comes either in the address (`#console_token=pwc_…`, taken out of the address
//! bar and the history before anything else runs: [`take_fragment_token`]) or from the
//! parent window by `postMessage` (`{type: "passworks:session", token, theme?,
//! product_name?, logo_url?, navigation?}`), accepted only from an origin listed in
//! `config.json`'s `embed_origins`. The console exchanges it for a session
//! (`POST /v2/console_sessions/exchange`, naming the framing page's origin) and signs in.
//!
//! Messages the console posts to its parent (to each `embed_origins` origin, so only the
//! real host receives them): `{type: "passworks:ready"}` once it listens, and
//! `{type: "passworks:session-expired"}` when the API refuses its session (expired or
//! revoked): it then waits for a new token message instead of showing the sign-in form.
//! A refused token is reported as `{type: "passworks:session-refused", status}`.
//!
//! Embedded, the host decides light or dark (`theme.color_scheme`, else the system's
//! setting) and the console shows no light/dark toggle (`crate::theme`).

use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use passworks_wire::{
    ColorScheme, ConsoleConfig, ConsoleSessionExchange, ConsoleTheme, MESSAGE_READY,
    MESSAGE_SESSION, MESSAGE_SESSION_EXPIRED,
};
use serde::Deserialize;
use wasm_bindgen::JsValue;

use crate::api::{self, Credentials};
use crate::session::{use_session, Session};

/// The address fragment key that carries a token.
pub const FRAGMENT_KEY: &str = "console_token";
/// What the console posts when the host's token was refused.
pub const MESSAGE_SESSION_REFUSED: &str = "passworks:session-refused";

thread_local! {
    static FRAGMENT_TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
    static EMBEDDED: Cell<bool> = const { Cell::new(false) };
    static ORIGINS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The token of a fragment such as `#console_token=pwc_…` (other keys ignored).
pub fn token_in_fragment(hash: &str) -> Option<String> {
    hash.trim_start_matches('#')
        .split('&')
        .find_map(|pair| pair.strip_prefix(FRAGMENT_KEY)?.strip_prefix('='))
        .map(str::to_string)
        .filter(|t| !t.is_empty())
}

/// Takes a token out of the address (`#console_token=…`) before anything else runs: the
/// address bar and this history entry lose the fragment at once, the token stays in
/// memory only.
pub fn take_fragment_token() {
    let Some(w) = web_sys::window() else { return };
    // `index.html`'s first script already took it out of the address, before the
    // console's files loaded.
    let key = JsValue::from_str("passworksConsoleToken");
    let early = js_sys::Reflect::get(&w, &key)
        .ok()
        .and_then(|v| v.as_string())
        .filter(|t| !t.is_empty());
    if let Some(token) = early {
        let _ = js_sys::Reflect::set(&w, &key, &JsValue::UNDEFINED);
        FRAGMENT_TOKEN.with(|t| *t.borrow_mut() = Some(token));
        EMBEDDED.with(|e| e.set(true));
        return;
    }
    let loc = w.location();
    let Some(token) = token_in_fragment(&loc.hash().unwrap_or_default()) else {
        return;
    };
    if let Ok(h) = w.history() {
        let url = format!(
            "{}{}",
            loc.pathname().unwrap_or_default(),
            loc.search().unwrap_or_default()
        );
        let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
    FRAGMENT_TOKEN.with(|t| *t.borrow_mut() = Some(token));
    EMBEDDED.with(|e| e.set(true));
}

/// Whether the console runs inside another page's frame.
fn framed() -> bool {
    let Some(w) = web_sys::window() else {
        return false;
    };
    match w.top() {
        Ok(Some(top)) => {
            let top: &JsValue = top.as_ref();
            let me: &JsValue = w.as_ref();
            top != me
        }
        _ => false,
    }
}

/// Whether the console runs embedded in a portal: given a token in its address, or
/// framed with `embed_origins` configured. Embedded, it never shows the sign-in form.
pub fn embedded() -> bool {
    EMBEDDED.with(Cell::get)
}

/// Decides whether the console is embedded, from the configuration (call once, before
/// the app mounts), and applies the configured theme.
pub fn configure(config: &ConsoleConfig) {
    let origins: Vec<String> = config
        .embed_origins
        .iter()
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .filter(|o| !o.is_empty())
        .collect();
    if framed() && !origins.is_empty() {
        EMBEDDED.with(|e| e.set(true));
    }
    ORIGINS.with(|o| *o.borrow_mut() = origins);
    apply_theme(&config.theme);
    // The host decides light or dark when the console is embedded (the system's scheme
    // unless it names one) or when the configuration fixes it: no toggle then.
    let scheme = config.theme.scheme();
    if embedded() || matches!(scheme, Some(ColorScheme::Light | ColorScheme::Dark)) {
        crate::theme::host_decides_at_start(scheme);
    }
}

/// Sets the theme's CSS custom properties on the document's root element (the console's
/// stylesheet reads them; the pass preview and the download page have their own colours).
pub fn apply_theme(theme: &ConsoleTheme) {
    use wasm_bindgen::JsCast;
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let style = root.style();
    for (name, value) in theme.css_properties() {
        let _ = style.set_property(name, &value);
    }
}

/// Posts `{type: kind, …extra}` to the parent window, addressed to each embedding origin
/// (the browser delivers it only to the one the parent really has).
fn post_to_host(kind: &str, extra: serde_json::Value) {
    let Some(parent) = web_sys::window().and_then(|w| w.parent().ok().flatten()) else {
        return;
    };
    let mut message = serde_json::json!({ "type": kind });
    if let (Some(m), serde_json::Value::Object(e)) = (message.as_object_mut(), extra) {
        m.extend(e);
    }
    let Ok(value) = js_sys::JSON::parse(&message.to_string()) else {
        return;
    };
    let origins = ORIGINS.with(|o| o.borrow().clone());
    let origins = if origins.is_empty() {
        // A token came in the address: the framing page is the one to tell.
        ancestor_origin().into_iter().collect()
    } else {
        origins
    };
    for origin in origins {
        let _ = parent.post_message(&value, &origin);
    }
}

/// Tells the host that the session ended (the API answered 401): it should send a new
/// token, which the console waits for.
pub fn session_expired() {
    post_to_host(MESSAGE_SESSION_EXPIRED, serde_json::json!({}));
}

/// The origin of the page framing the console, as the browser says
/// (`location.ancestorOrigins`, else the referrer's origin).
fn ancestor_origin() -> Option<String> {
    let w = web_sys::window()?;
    let list = js_sys::Reflect::get(&w.location(), &JsValue::from_str("ancestorOrigins")).ok();
    let first = list
        .and_then(|l| js_sys::Reflect::get(&l, &JsValue::from_f64(0.0)).ok())
        .and_then(|v| v.as_string());
    if first.is_some() {
        return first;
    }
    let referrer = w.document()?.referrer();
    let after = referrer.split_once("://")?;
    let host = after.1.split('/').next()?;
    (!host.is_empty()).then(|| format!("{}://{host}", after.0))
}

/// A host message (`postMessage` data).
#[derive(Debug, Default, Deserialize)]
struct HostMessage {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    theme: Option<ConsoleTheme>,
    #[serde(default)]
    product_name: Option<String>,
    #[serde(default)]
    logo_url: Option<String>,
    #[serde(default)]
    navigation: Option<Vec<String>>,
}

/// What the waiting page shows when a token was refused.
#[derive(Clone, Copy)]
struct Refused(RwSignal<Option<String>>);

/// Starts the embedding: exchanges a token from the address, listens for the host's
/// messages and tells the host the console is ready. Called by `App` once.
pub fn start(session: Session) {
    let refused = Refused(RwSignal::new(None));
    provide_context(refused);
    if let Some(token) = FRAGMENT_TOKEN.with(|t| t.borrow_mut().take()) {
        exchange(session, refused, token, ancestor_origin());
    }
    let origins = ORIGINS.with(|o| o.borrow().clone());
    if origins.is_empty() || !framed() {
        return;
    }
    let theming = use_context::<crate::theme::Theming>();
    let handle = window_event_listener(leptos::ev::message, move |ev| {
        let origin = ev.origin();
        if !origins.contains(&origin) {
            return;
        }
        let text = js_sys::JSON::stringify(&ev.data())
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default();
        let Ok(m) = serde_json::from_str::<HostMessage>(&text) else {
            return;
        };
        if m.kind != MESSAGE_SESSION {
            return;
        }
        if let Some(theme) = &m.theme {
            apply_theme(theme);
            if let (Some(t), Some(scheme)) = (theming, theme.scheme()) {
                t.host.set(Some(scheme.into()));
            }
        }
        session.config.update_value(|c| {
            if let Some(p) = m.product_name.clone().filter(|p| !p.trim().is_empty()) {
                c.product_name = p;
            }
            if m.logo_url.is_some() {
                c.logo_url = m.logo_url.clone();
            }
            if m.navigation.is_some() {
                c.navigation = m.navigation.clone();
            }
        });
        if let Some(token) = m.token {
            exchange(session, refused, token, Some(origin));
        }
    });
    // Lives as long as the console.
    std::mem::forget(handle);
    post_to_host(MESSAGE_READY, serde_json::json!({}));
}

/// Exchanges `token` for a session and signs in with it.
fn exchange(session: Session, refused: Refused, token: String, embedder: Option<String>) {
    leptos::task::spawn_local(async move {
        let input = ConsoleSessionExchange {
            token: Some(token),
            embedder_origin: embedder,
        };
        match api::teams::exchange_console_token(&input).await {
            Ok(t) => {
                refused.0.set(None);
                let creds = Credentials {
                    username: t.me.actor.label.clone(),
                    key: String::new(),
                    token: Some(t.token.clone()),
                };
                session.sign_in(creds, t.me.account.clone(), false);
                session.me.set(Some(t.me));
            }
            Err(e) => {
                refused.0.set(Some(e.message()));
                post_to_host(
                    MESSAGE_SESSION_REFUSED,
                    serde_json::json!({ "status": e.status }),
                );
            }
        }
    });
}

/// The `/sign-in` route: the sign-in form, or — embedded — a note that the console
/// waits for its host, which turns into the requested page once a session arrives.
#[component]
pub fn SignInOrWait() -> impl IntoView {
    if !embedded() {
        return view! { <crate::pages::SignIn/> }.into_any();
    }
    let session = use_session();
    let refused = use_context::<Refused>().map(|r| r.0);
    let navigate = use_navigate();
    Effect::new(move |_| {
        if session.creds.get().is_some() {
            navigate(&crate::take_return_to(), Default::default());
        }
    });
    let product = session.product_name();
    view! {
        <main class="signin embed-wait" id="main">
            <div class="card signin-card" role="status">
                <h1>{product}</h1>
                {move || match refused.and_then(|r| r.get()) {
                    Some(m) => view! {
                        <p class="banner error">{format!("The portal's sign-in was refused: {m}. Reload the page to try again.")}</p>
                    }.into_any(),
                    None => view! { <p class="hint">"Signing you in through the portal…"</p> }.into_any(),
                }}
            </div>
        </main>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::token_in_fragment;

    #[test]
    fn the_token_is_read_from_the_fragment() {
        assert_eq!(
            token_in_fragment("#console_token=pwc_abc").as_deref(),
            Some("pwc_abc")
        );
        assert_eq!(
            token_in_fragment("#x=1&console_token=pwc_abc").as_deref(),
            Some("pwc_abc")
        );
        assert_eq!(token_in_fragment("#console_token="), None);
        assert_eq!(token_in_fragment("#sso=abc"), None);
        assert_eq!(token_in_fragment(""), None);
    }
}
