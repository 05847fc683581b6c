//! Sign-in page, the signed-in frame (navigation, account, theme), home and 404.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_navigate;
use passworks_wire::{CampaignType, Permission};

use crate::api::{self, Credentials};
use crate::components::{ErrorBanner, Loading, Pill};
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
    document().set_title(&page_title("Sign in", &product));
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
    let menu_button = NodeRef::<leptos::html::Button>::new();
    // Each new page gets its title and the focus (see `settle_page`).
    let location = leptos_router::hooks::use_location();
    let routing = use_context::<crate::Routing>();
    let settled = StoredValue::new(None::<String>);
    let product_name = session.product_name();
    Effect::new(move |_| {
        let path = location.pathname.get();
        let busy = routing.is_some_and(|r| r.0.get());
        if !busy && settled.get_value().as_deref() != Some(path.as_str()) {
            settled.set_value(Some(path));
            settle_page(product_name.clone(), 0);
        }
    });
    // The phone menu: focus moves into it when it opens; Escape closes it and returns
    // the focus to the Menu button.
    Effect::new(move |prev: Option<bool>| {
        let open = menu_open.get();
        if open {
            focus_first_in("#sidenav a");
        } else if prev == Some(true) {
            if let Some(b) = menu_button.get() {
                let _ = b.focus();
            }
        }
        open
    });
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && menu_open.get_untracked() {
            menu_open.set(false);
        }
    });
    on_cleanup(move || escape.remove());
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
                node_ref=menu_button
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
            // Finding a pass needs read_passes (a scanner redeems by code instead).
            <Show when=move || can(Permission::ReadPasses)>
                <FindPass/>
            </Show>
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
                // Embedded, the portal signs its users in and out.
                <Show when=move || !session.embedded()>
                    <button type="button" class="btn" on:click=sign_out.clone()>"Sign out"</button>
                </Show>
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
                <button type="button" class="btn ghost menu-close" aria-label="Close the menu">"✕ Close"</button>
                <Show when=move || session.shows("campaigns")>
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
                </Show>
                <Show when=move || can(Permission::Read) && RESOURCES.iter().any(|e| session.shows(e))>
                    <p class="nav-heading">"Resources"</p>
                    <ul>
                        <Show when=move || session.shows("assets")>
                            <li><A href=crate::link("/assets")>"Assets"</A></li>
                        </Show>
                        <Show when=move || session.shows("templates")>
                            <li><A href=crate::link("/templates")>"Templates"</A></li>
                        </Show>
                        <Show when=move || session.shows("certificates")>
                            <li><A href=crate::link("/certificates")>"Certificates"</A></li>
                        </Show>
                        <Show when=move || session.shows("google_wallet")>
                            <li><A href=crate::link("/google-wallet")>"Google Wallet"</A></li>
                        </Show>
                        <Show when=move || session.shows("webhooks")>
                            <li><A href=crate::link("/webhooks")>"Webhooks"</A></li>
                        </Show>
                    </ul>
                </Show>
                <Show when=move || ORGANIZATION.iter().any(|e| session.shows(e))>
                <p class="nav-heading">"Organization"</p>
                <ul>
                    <Show when=move || can_orgs() && session.shows("organizations")>
                        <li><A href=crate::link("/organizations")>"Organizations"</A></li>
                    </Show>
                    <Show when=move || can(Permission::People) && session.shows("people")>
                        <li><A href=crate::link("/people")>"People"</A></li>
                    </Show>
                    <Show when=move || session.shows("security")>
                        <li><A href=crate::link("/security")>"Sessions and API keys"</A></li>
                    </Show>
                    <Show when=move || can(Permission::Audit) && session.shows("audit")>
                        <li><A href=crate::link("/audit")>"Audit log"</A></li>
                    </Show>
                    <Show when=move || session.shows("account")>
                        <li><A href=crate::link("/account")>"Account"</A></li>
                    </Show>
                </ul>
                </Show>
            </nav>
            <Show when=move || menu_open.get()>
                <div class="menu-backdrop" aria-hidden="true" on:click=move |_| menu_open.set(false)></div>
            </Show>
            <main id="main" class="content" tabindex="-1">
                <Outlet/>
            </main>
        </div>
    }
}

/// The navigation entries under "Resources" and "Organization" (issue 18: `config.json`'s
/// `navigation` may leave any out; a heading shows while one of its entries does).
const RESOURCES: &[&str] = &[
    "assets",
    "templates",
    "certificates",
    "google_wallet",
    "webhooks",
];
const ORGANIZATION: &[&str] = &["organizations", "people", "security", "audit", "account"];

/// Start page: the dashboard across every campaign (totals, busiest campaigns, recent
/// activity, failures) — or, for a session restricted to some campaigns, those campaigns —
/// and the five campaign types with their counts.
#[component]
pub fn Home() -> impl IntoView {
    let session = use_session();
    // Whether this session covers only some campaigns: `None` until `GET /v2/me` answered.
    // A memo, so that the resources below run again only when this changes, not on
    // every change of `me`. Read with `try_get`: signing out changes `me` as the page
    // goes away, and a resource may run once more after the memo was disposed.
    let restricted = Memo::new(move |_| {
        session
            .me
            .with(Option::is_some)
            .then(|| session.restricted())
    });
    // Per type, its count; for a session covering only some campaigns also the campaigns
    // themselves (the lists hold only those), which the page names instead of the
    // dashboard.
    //
    // Signals are read in the synchronous part of each fetcher: only there are they
    // tracked, so the resources run again when `GET /v2/me` answers (read inside the
    // `async` block, a change would go unseen and the page would keep its first answer).
    let counts = LocalResource::new(move || {
        let restricted = restricted.try_get().flatten() == Some(true);
        async move {
            let mut out = Vec::new();
            for t in CampaignType::ALL {
                let q = passworks_wire::query::ListQuery {
                    per_page: if restricted { 100 } else { 1 },
                    ..Default::default()
                };
                let page = api::campaigns::list(*t, &q).await;
                let n = page.as_ref().map(|(_, i)| i.total).map_err(Clone::clone);
                let covered = match (restricted, page) {
                    (true, Ok((items, _))) => items,
                    _ => Vec::new(),
                };
                out.push((*t, n, covered));
            }
            out
        }
    });
    // The dashboard spans the whole organization: not fetched for a session that covers
    // only some campaigns (the server would refuse it), nor before `GET /v2/me` said
    // which kind of session this is (the section shows only then).
    // `None` while that is unknown, `Some(None)` for a restricted session.
    let dashboard = LocalResource::new(move || {
        let restricted = restricted.try_get().flatten();
        async move {
            match restricted {
                None => None,
                Some(true) => Some(None),
                Some(false) => Some(Some(api::account::dashboard().await)),
            }
        }
    });
    view! {
        <h1>{move || session.account.with(|a| a.as_ref().map(|a| a.name.clone()).unwrap_or_else(|| "Overview".into()))}</h1>
        // The dashboard needs the read permission; a scanner is pointed to the redeem
        // screen of a campaign instead.
        <Show when=move || session.can(Permission::Read) fallback=|| view! {
            <p class="lead scanner-hint">"Pick a campaign below, then open its Redeem screen to look up and redeem passes."</p>
        }>
        <Suspense fallback=|| view! { <Loading what="dashboard"/> }>
            {move || Suspend::new(async move {
                match dashboard.await {
                    None => view! { <Loading what="dashboard"/> }.into_any(),
                    Some(Some(Ok(d))) => view! { <DashboardView d=d/> }.into_any(),
                    Some(Some(Err(e))) => view! { <ErrorBanner message=e.message()/> }.into_any(),
                    Some(None) => {
                        let covered: Vec<passworks_wire::Campaign> = counts
                            .await
                            .into_iter()
                            .flat_map(|(_, _, c)| c)
                            .collect();
                        view! { <Covered campaigns=covered/> }.into_any()
                    }
                }
            })}
        </Suspense>
        </Show>
        <h2>"Campaigns by type"</h2>
        <p class="lead">{move || if restricted.try_get().flatten() == Some(true) {
            "Campaigns group the passes you issue. Pick a type to see its campaigns."
        } else {
            "Campaigns group the passes you issue. Pick a type to see its campaigns or create one."
        }}</p>
        <Suspense fallback=|| view! { <Loading what="campaigns"/> }>
            <ul class="type-grid">
                {move || Suspend::new(async move {
                    counts
                        .await
                        .into_iter()
                        .map(|(t, n, _)| {
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

/// What a session restricted to some campaigns (issue 18) sees instead of the
/// organization-wide dashboard: the campaigns it covers, each a link.
#[component]
fn Covered(campaigns: Vec<passworks_wire::Campaign>) -> impl IntoView {
    let lead = match campaigns.len() {
        0 => {
            "This session covers none of the organization's campaigns that still exist.".to_string()
        }
        1 => "This session covers one campaign:".to_string(),
        n => format!("This session covers {n} campaigns:"),
    };
    let items = campaigns
        .into_iter()
        .map(|c| {
            let href = format!("/campaigns/{}/{}", c.campaign_type.as_str(), c.id);
            view! {
                <li class="card">
                    <A href=crate::link(href)>{c.name}</A>
                    <span class="hint covered-type">{c.campaign_type.label()}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="covered" aria-labelledby="covered-heading">
            <h2 id="covered-heading">"Your campaigns"</h2>
            <p class="lead">{lead}</p>
            <ul class="covered-list">{items}</ul>
        </section>
    }
}

/// What an event kind is called on the dashboard.
pub fn event_words(kind: &str) -> String {
    match kind {
        "created" => "Pass created".into(),
        "downloaded" => "Pass downloaded".into(),
        "installed" => "Added to a wallet".into(),
        "uninstalled" => "Removed from a wallet".into(),
        "redeemed" => "Redeemed".into(),
        "fetched" => "Fetched by a device".into(),
        other => crate::util::humanize(other),
    }
}

#[component]
fn DashboardView(d: passworks_wire::Dashboard) -> impl IntoView {
    let failures = d.webhook_failures + d.push_failures + d.job_failures;
    let failure_class = if failures > 0 { "card failing" } else { "card" };
    let totals = [
        ("Campaigns", d.campaigns_count),
        ("Passes issued", d.passes_count),
        ("Redeemed", d.redeemed_count),
        ("In a wallet now", d.installed_count),
    ];
    let busiest = d
        .busiest
        .clone()
        .into_iter()
        .map(|c| {
            let href = format!("/campaigns/{}/{}", c.campaign_type.as_str(), c.id);
            view! {
                <tr>
                    <td><A href=crate::link(href)>{c.name}</A></td>
                    <td>{c.campaign_type.label()}</td>
                    <td class="num">{c.events_count}</td>
                    <td class="num">{c.passes_count}</td>
                    <td class="num">{c.redeemed_count}</td>
                </tr>
            }
        })
        .collect_view();
    let recent = d
        .recent
        .clone()
        .into_iter()
        .map(|e| {
            let campaign = format!("/campaigns/{}/{}", e.campaign_type.as_str(), e.campaign_id);
            let target = match &e.pass_id {
                Some(p) => format!("{campaign}/passes/{p}"),
                None => campaign,
            };
            view! {
                <li>
                    <span class="when">{crate::util::fmt_datetime(&e.created_at)}</span>
                    " "
                    <A href=crate::link(target)>{event_words(&e.kind)}</A>
                    <span class="hint">{format!(" · {}", e.campaign_name)}</span>
                </li>
            }
        })
        .collect_view();
    let failure_rows = d
        .recent_failures
        .clone()
        .into_iter()
        .map(|f| {
            view! {
                <li>
                    <span class="when">{crate::util::fmt_datetime(&f.created_at)}</span>
                    " "
                    <Pill text=f.source/>
                    " "
                    {f.detail}
                </li>
            }
        })
        .collect_view();
    let no_busiest = d.busiest.is_empty();
    let no_recent = d.recent.is_empty();
    view! {
        <div class="totals dashboard-totals">
            {totals.into_iter().map(|(l, n)| view! { <div class="card"><div class="hint">{l}</div><div class="n">{n}</div></div> }).collect_view()}
            <div class=failure_class>
                <div class="hint">"Failures"</div>
                <div class="n">{failures}</div>
            </div>
        </div>
        <div class="dashboard-grid">
            <section class="card" aria-labelledby="busiest-h">
                <h2 id="busiest-h">"Busiest campaigns (7 days)"</h2>
                {if no_busiest {
                    view! { <p class="hint">"No campaigns yet."</p> }.into_any()
                } else {
                    view! {
                        <div class="table-wrap"><table class="data">
                            <thead><tr>
                                <th scope="col">"Campaign"</th><th scope="col">"Type"</th>
                                <th scope="col" class="num">"Events"</th><th scope="col" class="num">"Passes"</th><th scope="col" class="num">"Redeemed"</th>
                            </tr></thead>
                            <tbody>{busiest}</tbody>
                        </table></div>
                    }.into_any()
                }}
            </section>
            <section class="card" aria-labelledby="recent-h">
                <h2 id="recent-h">"Recent activity"</h2>
                {if no_recent {
                    view! { <p class="hint">"Nothing has happened yet."</p> }.into_any()
                } else {
                    view! { <ul class="activity">{recent}</ul> }.into_any()
                }}
            </section>
            <section class="card" aria-labelledby="failures-h">
                <h2 id="failures-h">"Failures"</h2>
                <p>{format!(
                    "Webhooks: {} given up, {} waiting for a retry · Wallet pushes: {} failed · Background jobs: {} failed",
                    d.webhook_failures, d.webhook_retrying, d.push_failures, d.job_failures
                )}</p>
                {if d.recent_failures.is_empty() {
                    view! { <p class="hint">"No failures."</p> }.into_any()
                } else {
                    view! {
                        <ul class="activity">{failure_rows}</ul>
                        <A href=crate::link("/webhooks")>"Webhook delivery log"</A>
                    }.into_any()
                }}
            </section>
        </div>
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

/// Once a new page has drawn its heading: names the tab after it ("Passes · Passworks")
/// and moves the focus to the page (its `autofocus` control, else the heading), so a
/// keyboard or screen-reader user starts on the page rather than at the top of the
/// document. Pages draw their heading when their data arrives: poll for up to 6 s.
fn settle_page(product: String, attempt: u32) {
    use wasm_bindgen::JsCast;
    set_timeout(
        move || {
            let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
                return;
            };
            let Some(h1) = doc.query_selector("main h1").ok().flatten() else {
                if attempt < 120 {
                    settle_page(product, attempt + 1);
                }
                return;
            };
            let title = h1.text_content().unwrap_or_default();
            let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
            doc.set_title(&page_title(&title, &product));
            // Focus already placed inside the page by the person (or a dialog) stays.
            let active = doc.active_element();
            let main = doc.get_element_by_id("main");
            let inside = match (&active, &main) {
                (Some(a), Some(m)) => m.contains(Some(a)) && a != m,
                _ => false,
            };
            if !inside {
                let target = doc
                    .query_selector("main [autofocus]")
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| {
                        let _ = h1.set_attribute("tabindex", "-1");
                        h1.clone()
                    });
                if let Ok(el) = target.dyn_into::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }
            // Headings that fill in later (the account's name on the start page).
            if attempt < 1000 {
                let product = product.clone();
                set_timeout(
                    move || {
                        if let Some(h) = document().query_selector("main h1").ok().flatten() {
                            let t = h.text_content().unwrap_or_default();
                            let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                            document().set_title(&page_title(&t, &product));
                        }
                    },
                    std::time::Duration::from_millis(1000),
                );
            }
        },
        std::time::Duration::from_millis(50),
    );
}

/// The document title of a page: its heading, then the product ("Passes · Passworks").
pub fn page_title(heading: &str, product: &str) -> String {
    let heading = heading.trim();
    if heading.is_empty() || heading == product {
        product.to_string()
    } else {
        format!("{heading} · {product}")
    }
}

fn focus_first_in(selector: &'static str) {
    use wasm_bindgen::JsCast;
    set_timeout(
        move || {
            if let Some(el) = document()
                .query_selector(selector)
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        },
        std::time::Duration::from_millis(0),
    );
}

/// The header's "Find a pass" box: searches every campaign (`GET /passes?q[search]=`)
/// and lists the passes found, each linking to its page.
#[component]
fn FindPass() -> impl IntoView {
    let text = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let search = Action::new_local(move |t: &String| {
        let t = t.clone();
        async move {
            let q = passworks_wire::query::ListQuery {
                per_page: 10,
                ..Default::default()
            };
            api::passes::search_everywhere(&t, &q).await
        }
    });
    let results = move || {
        if !open.get() {
            return None;
        }
        let body = match search.value().get() {
            None if search.pending().get() => view! { <p class="hint">"Searching…"</p> }.into_any(),
            None => return None,
            Some(Err(e)) => view! { <p class="field-error">{e.message()}</p> }.into_any(),
            Some(Ok((hits, _))) if hits.is_empty() => view! {
                <p class="hint">{format!("No pass matches “{}”.", text.get_untracked().trim())}</p>
            }
            .into_any(),
            Some(Ok((hits, info))) => {
                let more = (info.total > hits.len() as u64).then(|| {
                    view! { <p class="hint">{format!("{} of {} passes shown: refine the search to narrow them.", hits.len(), info.total)}</p> }
                });
                let items = hits
                    .into_iter()
                    .map(|h| {
                        let href = format!(
                            "/campaigns/{}/{}/passes/{}",
                            h.campaign_type.as_str(),
                            h.pass.campaign_id,
                            h.pass.id
                        );
                        let values = pass_values_line(&h.pass);
                        let code = h.pass.redeem_code.clone();
                        let campaign =
                            format!(" · {} ({})", h.campaign_name, h.campaign_type.label());
                        view! {
                            <li>
                                <A href=crate::link(href) on:click=move |_| open.set(false)>
                                    <span class="mono">{code}</span>
                                    <span class="find-campaign">{campaign}</span>
                                    <span class="find-values">{values}</span>
                                </A>
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ul>{items}</ul>{more} }.into_any()
            }
        };
        Some(view! {
            <div class="find-results card" role="region" aria-label="Passes found" aria-live="polite">
                {body}
                <button type="button" class="btn small ghost" on:click=move |_| open.set(false)>"Close"</button>
            </div>
        })
    };
    view! {
        <form
            class="find-pass"
            role="search"
            on:submit=move |ev| {
                ev.prevent_default();
                let t = text.get_untracked().trim().to_string();
                if !t.is_empty() {
                    open.set(true);
                    search.dispatch(t);
                }
            }
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    open.set(false);
                }
            }
        >
            <input
                id="find-pass"
                type="search"
                aria-label="Find a pass in every campaign"
                placeholder="Find a pass: name, code, serial…"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            />
            <button type="submit" class="btn small">"Find"</button>
            {results}
        </form>
    }
}

/// A pass's field values on one line ("Customer: Ana · Offer: 20% off").
pub fn pass_values_line(p: &passworks_wire::Pass) -> String {
    [
        &p.header_fields,
        &p.primary_fields,
        &p.secondary_fields,
        &p.auxiliary_fields,
    ]
    .into_iter()
    .flatten()
    .filter_map(|f| {
        let v = f.value.clone().unwrap_or_default();
        (!v.trim().is_empty()).then(|| match &f.label {
            Some(l) if !l.is_empty() => format!("{l}: {v}"),
            _ => v,
        })
    })
    .collect::<Vec<_>>()
    .join(" · ")
}
