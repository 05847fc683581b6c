//! Sign-in page, the signed-in frame (navigation, account, theme), home and 404.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_navigate;
use passworks_wire::{CampaignType, Permission};

use crate::api::{self, Credentials};
use crate::components::{ErrorBanner, Loading};
use crate::session::use_session;
use crate::theme::ThemeToggle;

/// Sign-in form: a person's e-mail and password (a session), or the organization's API
/// username and key (checked with `GET /v2/me`). An `@` in the first field says which.
#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    let username = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let remember = RwSignal::new(false);
    let navigate = use_navigate();
    let verify = Action::new_local(move |c: &Credentials| {
        let c = c.clone();
        async move { sign_in_with(c).await }
    });
    Effect::new(move |_| {
        if let Some(Ok((c, me))) = verify.value().get() {
            session.sign_in(c, me.account.clone(), remember.get_untracked());
            session.me.set(Some(me));
            navigate(&crate::take_return_to(), Default::default());
        }
    });
    // Single sign-on: offered when the server has a provider; the provider's way back
    // ends here with `#sso=<token>` or `#sso_error=<message>` (taken out of the address).
    let sso_error = RwSignal::new(None::<String>);
    match take_sso_fragment() {
        Some(Ok(token)) => {
            verify.dispatch(Credentials {
                username: String::new(),
                key: String::new(),
                token: Some(token),
            });
        }
        Some(Err(message)) => sso_error.set(Some(message)),
        None => {}
    }
    let sso = LocalResource::new(|| async { api::teams::sso_config().await });
    let sso_start = Action::new_local(|_: &()| async { api::teams::sso_start().await });
    Effect::new(move |_| match sso_start.value().get() {
        Some(Ok(s)) => {
            let _ = window().location().set_href(&s.authorization_url);
        }
        Some(Err(e)) => sso_error.set(Some(e.message())),
        None => {}
    });
    let sso_button =
        move || {
            sso.get().and_then(|r| r.ok()).filter(|c| c.enabled).map(|c| {
            let name = c.name.unwrap_or_else(|| "single sign-on".into());
            view! {
                <button type="button" class="btn sso" disabled=move || sso_start.pending().get()
                    on:click=move |_| { sso_start.dispatch(()); }>
                    {format!("Sign in with {name}")}
                </button>
            }
        })
        };
    let error = move || {
        verify.value().get().and_then(|r| r.err()).map(|e| {
            let msg = if e.status == 401 && username.get_untracked().contains('@') {
                "Sign-in failed: this e-mail address and password do not match. Check both and try again.".to_string()
            } else if e.status == 401 {
                "Sign-in failed: this API username and key do not match an organization. Check both and try again.".to_string()
            } else if e.status == 429 {
                "Too many sign-in attempts. Wait a while before trying again.".to_string()
            } else {
                e.message()
            };
            view! { <ErrorBanner message=msg/> }
        })
    };
    let product = session.product_name();
    let logo = session.config.with_value(|c| c.logo_url.clone());
    view! {
        <main class="signin" id="main">
            <form
                class="card signin-card"
                on:submit=move |ev| {
                    ev.prevent_default();
                    verify.dispatch(Credentials {
                        username: username.get_untracked().trim().to_string(),
                        key: key.get_untracked(),
                        token: None,
                    });
                }
            >
                {logo.map(|l| view! { <img src=l alt="" class="brand-logo"/> })}
                <h1>{format!("Sign in to {product}")}</h1>
                <p class="hint">"Sign in with your e-mail address and password, or with your organization's API username and API key."</p>
                <Show when=move || session.expired.get()>
                    <div class="banner warn" role="status">
                        "You were signed out: the API no longer accepts the key this console was using (it was refreshed or revoked). Sign in with the current key."
                    </div>
                </Show>
                {error}
                {move || sso_error.get().map(|m| view! { <ErrorBanner message=m/> })}
                <div class="control">
                    <label for="username">"E-mail or API username"</label>
                    <input
                        id="username"
                        required
                        autocomplete="username"
                        prop:value=move || username.get()
                        on:input=move |ev| username.set(event_target_value(&ev))
                    />
                </div>
                <div class="control">
                    <label for="apikey">"Password or API key"</label>
                    <input
                        id="apikey"
                        type="password"
                        required
                        autocomplete="current-password"
                        prop:value=move || key.get()
                        on:input=move |ev| key.set(event_target_value(&ev))
                    />
                </div>
                <label class="check">
                    <input
                        type="checkbox"
                        prop:checked=move || remember.get()
                        on:change=move |ev| remember.set(event_target_checked(&ev))
                    />
                    "Remember me on this device"
                </label>
                <button type="submit" class="btn primary" disabled=move || verify.pending().get()>
                    {move || if verify.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
                {sso_button}
                <div class="signin-theme"><ThemeToggle/></div>
            </form>
        </main>
    }
}

/// The single sign-on answer in the address's fragment (`#sso=<token>`: `Ok`,
/// `#sso_error=<message>`: `Err`), removed from the address bar and history at once.
fn take_sso_fragment() -> Option<Result<String, String>> {
    let w = web_sys::window()?;
    let hash = w.location().hash().ok()?;
    let hash = hash.trim_start_matches('#');
    let answer = if let Some(token) = hash.strip_prefix("sso=") {
        Ok(token.to_string())
    } else if let Some(message) = hash.strip_prefix("sso_error=") {
        let message = js_sys::decode_uri_component(&message.replace('+', " "))
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_else(|| message.to_string());
        Err(message)
    } else {
        return None;
    };
    if let Ok(h) = w.history() {
        let path = w.location().pathname().unwrap_or_default();
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
    Some(answer)
}

/// Signs in with e-mail and password (a session) when `c.username` holds an `@`, else
/// checks the API username and key; answers the credentials to keep and the caller.
async fn sign_in_with(c: Credentials) -> Result<(Credentials, passworks_wire::Me), api::ApiError> {
    if c.username.contains('@') {
        let input = passworks_wire::SignInInput {
            email: Some(c.username.clone()),
            password: Some(c.key.clone()),
        };
        let t = api::teams::sign_in(&input).await?;
        let creds = Credentials {
            username: c.username,
            key: String::new(),
            token: Some(t.token),
        };
        return Ok((creds, t.me));
    }
    let c = Credentials {
        key: c.key.trim().to_string(),
        ..c
    };
    let me = api::teams::me_as(&c).await?;
    Ok((c, me))
}

/// The signed-in layout: skip link, header, navigation and the page outlet.
#[component]
pub fn Frame() -> impl IntoView {
    let session = use_session();
    let menu_open = RwSignal::new(false);
    // Load the account when credentials came from storage.
    let account = LocalResource::new(move || async move { api::account::get().await });
    Effect::new(move |_| {
        if let Some(Ok(a)) = account.get() {
            session.account.set(Some(a));
        }
    });
    // Who is signed in, with the role's permissions: navigation offers what they allow.
    let me = LocalResource::new(move || async move { api::teams::me().await });
    Effect::new(move |_| {
        if let Some(Ok(m)) = me.get() {
            session.me.set(Some(m));
        }
    });
    let navigate = use_navigate();
    let sign_out = move |_| {
        session.sign_out_on_request();
        navigate("/sign-in", Default::default());
    };
    let can = move |p: Permission| session.can(p);
    let product = session.product_name();
    let logo = session.config.with_value(|c| c.logo_url.clone());
    let can_orgs = move || {
        session
            .account
            .with(|a| a.as_ref().is_some_and(|a| a.can_manage_organizations))
            && can(Permission::Settings)
    };
    view! {
        // With a <base> element, a bare "#main" would resolve against the mount point
        // and leave the page: move focus by hand.
        <a class="skip" href="#main" on:click=skip_to_main>"Skip to content"</a>
        <header class="topbar">
            <button
                type="button"
                class="btn ghost menu-toggle"
                aria-controls="sidenav"
                aria-expanded=move || menu_open.get().to_string()
                on:click=move |_| menu_open.update(|o| *o = !*o)
            >
                "Menu"
            </button>
            <A href=crate::link("/") attr:class="brand">
                {logo.map(|l| view! { <img src=l alt="" class="brand-logo"/> })}
                <span>{product}</span>
            </A>
            <div class="topbar-right">
                <span class="account-name" title="Signed-in organization">
                    {move || session.account.with(|a| a.as_ref().map(|a| a.name.clone()).unwrap_or_default())}
                </span>
                <span class="account-name who" title="Signed in as">
                    {move || session.me.with(|m| m.as_ref().map(|m| match m.role {
                        Some(r) if m.actor.kind == "user" => format!("{} ({r})", m.actor.label),
                        _ => m.actor.label.clone(),
                    }).unwrap_or_default())}
                </span>
                <ThemeToggle/>
                <button type="button" class="btn" on:click=sign_out>"Sign out"</button>
            </div>
        </header>
        <div class="layout">
            <nav
                id="sidenav"
                class="sidenav"
                class:open=move || menu_open.get()
                aria-label="Main"
                on:click=move |_| menu_open.set(false)
            >
                <p class="nav-heading">"Campaigns"</p>
                <ul>
                    {CampaignType::ALL
                        .iter()
                        .map(|t| {
                            view! {
                                <li>
                                    <A href=crate::link(format!("/campaigns/{}", t.as_str()))>{t.plural_label()}</A>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <Show when=move || can(Permission::Read)>
                    <p class="nav-heading">"Resources"</p>
                    <ul>
                        <li><A href=crate::link("/assets")>"Assets"</A></li>
                        <li><A href=crate::link("/templates")>"Templates"</A></li>
                        <li><A href=crate::link("/certificates")>"Certificates"</A></li>
                        <li><A href=crate::link("/webhooks")>"Webhooks"</A></li>
                    </ul>
                </Show>
                <p class="nav-heading">"Organization"</p>
                <ul>
                    <Show when=can_orgs>
                        <li><A href=crate::link("/organizations")>"Organizations"</A></li>
                    </Show>
                    <Show when=move || can(Permission::People)>
                        <li><A href=crate::link("/people")>"People"</A></li>
                    </Show>
                    <li><A href=crate::link("/security")>"Sessions and API keys"</A></li>
                    <Show when=move || can(Permission::Audit)>
                        <li><A href=crate::link("/audit")>"Audit log"</A></li>
                    </Show>
                    <li><A href=crate::link("/account")>"Account"</A></li>
                </ul>
            </nav>
            <main id="main" class="content" tabindex="-1">
                <Outlet/>
            </main>
        </div>
    }
}

/// Start page: the five campaign types with their counts.
#[component]
pub fn Home() -> impl IntoView {
    let session = use_session();
    let counts = LocalResource::new(|| async {
        let mut out = Vec::new();
        for t in CampaignType::ALL {
            let q = passworks_wire::query::ListQuery {
                per_page: 1,
                ..Default::default()
            };
            let n = api::campaigns::list(*t, &q).await.map(|(_, i)| i.total);
            out.push((*t, n));
        }
        out
    });
    view! {
        <h1>{move || session.account.with(|a| a.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| "Overview".into()))}</h1>
        <p class="lead">"Campaigns group the passes you issue. Pick a type to see its campaigns or create one."</p>
        <Suspense fallback=|| view! { <Loading what="campaigns"/> }>
            <ul class="type-grid">
                {move || Suspend::new(async move {
                    counts
                        .await
                        .into_iter()
                        .map(|(t, n)| {
                            let n = match n {
                                Ok(1) => "1 campaign".to_string(),
                                Ok(n) => format!("{n} campaigns"),
                                Err(e) => e.message(),
                            };
                            view! {
                                <li class="card type-card">
                                    <A href=crate::link(format!("/campaigns/{}", t.as_str()))>
                                        <span class="type-name">{t.plural_label()}</span>
                                        <span class="type-count">{n}</span>
                                    </A>
                                </li>
                            }
                        })
                        .collect_view()
                })}
            </ul>
        </Suspense>
    }
}

/// Unknown route.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main id="main" class="content narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <A href=crate::link("/")>"Go to the start page"</A>
        </main>
    }
}

/// The skip link's action: focus (and so scroll to) the main region.
fn skip_to_main(ev: leptos::ev::MouseEvent) {
    use wasm_bindgen::JsCast;
    ev.prevent_default();
    if let Some(main) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("main"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = main.focus();
    }
}
