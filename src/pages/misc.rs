//! Certificates, webhooks, organizations and the account page.

use leptos::prelude::*;
use passworks_wire::query::ListQuery;
use passworks_wire::{AccountInput, Permission};
use passworks_wire::{Certificate, Organization, OrganizationInput, WebhookDelivery};
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::*;
use crate::session::use_session;
use crate::table_state::{Column, FilterKind};
use crate::util::{days_until, fmt_datetime, fmt_opt_datetime, today};

fn file_of(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|i| i.files())
        .and_then(|l| l.get(0))
}

/// Expiry state of a certificate: (pill text, warning) from days left.
pub fn expiry_state(expires_at: &str, today: &str) -> (&'static str, Option<String>) {
    match days_until(expires_at, today) {
        Some(d) if d < 0 => ("expired", Some(format!("expired {} days ago", -d))),
        Some(d) if d <= 30 => ("expiring", Some(format!("expires in {d} days"))),
        Some(_) => ("active", None),
        None => ("active", None),
    }
}

/// Certificates: list with expiry warnings, upload, delete.
#[component]
pub fn CertificatesPage() -> impl IntoView {
    let session = use_session();
    let design = move || session.can(Permission::Design);
    let refresh = RwSignal::new(0u32);
    let flash = RwSignal::new(None::<Result<String, String>>);
    let password = RwSignal::new(String::new());
    let progress = RwSignal::new(None::<f64>);
    let p12 = StoredValue::new_local(None::<web_sys::File>);
    let wwdr = StoredValue::new_local(None::<web_sys::File>);
    let to_delete = RwSignal::new(None::<String>);
    let confirm = RwSignal::new(false);
    let today = today();
    let columns = vec![
        Column::new("pass_type_identifier", "Pass type id"),
        Column::new("team_identifier", "Team"),
        Column::new("issued_to", "Issued to"),
        Column::new("expires_at", "Expires"),
        Column::new("id", "").unsorted(),
    ];
    let upload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(f), Some(w)) = (p12.get_value(), wwdr.get_value()) else {
            flash.set(Some(Err(
                "Choose the .p12 file and the WWDR certificate.".into()
            )));
            return;
        };
        let pw = password.get_untracked();
        progress.set(Some(0.0));
        api::spawn(async move {
            let r = api::certificates::upload(&f, &pw, &w, move |p| progress.set(Some(p))).await;
            progress.set(None);
            match r {
                Ok(c) => {
                    flash.set(Some(Ok(format!(
                        "Certificate for {} added.",
                        c.pass_type_identifier
                    ))));
                    password.set(String::new());
                    refresh.update(|n| *n += 1);
                }
                Err(e) => flash.set(Some(Err(format!("Not added: {}", e.message())))),
            }
        });
    };
    view! {
        <h1>"Certificates"</h1>
        <div class="banner warn" role="note">
            <strong>"Development certificates are not accepted by Apple devices. "</strong>
            "Passes signed with the local development certificate install nowhere. To add a real one: in the Apple Developer portal create a Pass Type ID, create its certificate, export it with its private key from Keychain Access as a .p12 file with a password, download Apple's WWDR intermediate certificate (G4), and upload both below."
        </div>
        <Flash flash=flash/>
        <DataTable
            caption="Certificates"
            columns=columns
            fetch=|q: ListQuery| async move { api::certificates::list(&q).await }
            row=move |c: &Certificate| {
                let (state, warn) = expiry_state(&c.expires_at, &today);
                let id = c.id.clone();
                view! {
                    <td class="mono">{c.pass_type_identifier.clone()}
                        {c.development.then(|| view! { " " <span class="pill pill-expiring">"development"</span> })}
                        {c.default.then(|| view! { " " <span class="pill">"default"</span> })}
                    </td>
                    <td class="mono">{c.team_identifier.clone()}</td>
                    <td>{c.issued_to.clone()}</td>
                    <td>{fmt_datetime(&c.expires_at)}" "<Pill text=state/>{warn.map(|w| view! { <div class="hint">{w}</div> })}</td>
                    <td>{move || design().then(|| {
                        let id = id.clone();
                        view! {
                            <button type="button" class="btn small danger" on:click=move |_| { to_delete.set(Some(id.clone())); confirm.set(true); }>"Delete"</button>
                        }
                    })}</td>
                }
                .into_any()
            }
            row_id=|c: &Certificate| c.id.clone()
            empty="No certificates."
            refresh=refresh
        />
        <Show when=design>
        <section class="card" aria-labelledby="cert-up">
            <h2 id="cert-up" style="margin-top:0">"Add a certificate"</h2>
            <form on:submit=upload>
                <div class="grid2">
                    <div class="control">
                        <label for="c-p12">"Certificate and key (.p12)"</label>
                        <input id="c-p12" type="file" accept=".p12,.pfx,application/x-pkcs12" on:change=move |ev| p12.set_value(file_of(&ev))/>
                    </div>
                    <div class="control">
                        <label for="c-pass">"Password of the .p12"</label>
                        <input id="c-pass" type="password" autocomplete="off" prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                    </div>
                    <div class="control">
                        <label for="c-wwdr">"Apple WWDR certificate (.cer / .pem)"</label>
                        <input id="c-wwdr" type="file" accept=".cer,.pem,.crt,.der" on:change=move |ev| wwdr.set_value(file_of(&ev))/>
                    </div>
                </div>
                {move || progress.get().map(|p| view! { <progress max="1" value=p.to_string()></progress> })}
                <button type="submit" class="btn primary">"Upload certificate"</button>
            </form>
        </section>
        </Show>
        <Confirm open=confirm title="Delete certificate" message="Delete this certificate? Campaigns using it fall back to the default."
            confirm_label="Delete" on_confirm=Callback::new(move |_| {
                if let Some(id) = to_delete.get_untracked() {
                    api::spawn(async move {
                        match api::certificates::delete(&id).await {
                            Ok(()) => { flash.set(Some(Ok("Certificate deleted.".into()))); refresh.update(|n| *n += 1); }
                            Err(e) => flash.set(Some(Err(format!("Not deleted: {}", e.message())))),
                        }
                    });
                }
            })/>
    }
}

/// Webhook URL, token rotation (shown once) and the delivery log.
#[component]
pub fn WebhooksPage() -> impl IntoView {
    let session = use_session();
    let design = move || session.can(Permission::Design);
    let url = RwSignal::new(session.account.with_untracked(|a| {
        a.as_ref()
            .and_then(|a| a.webhook_url.clone())
            .unwrap_or_default()
    }));
    Effect::new(move |_| {
        if let Some(u) = session.account.with(|a| {
            a.as_ref()
                .map(|a| a.webhook_url.clone().unwrap_or_default())
        }) {
            url.set(u);
        }
    });
    let flash = RwSignal::new(None::<Result<String, String>>);
    let errors: FormErrors = RwSignal::new(Default::default());
    let token = RwSignal::new(None::<String>);
    let confirm = RwSignal::new(false);
    let save = Action::new_local(move |u: &String| {
        let input = AccountInput {
            webhook_url: Some(Some(u.trim().to_string()).filter(|s| !s.is_empty())),
            ..Default::default()
        };
        async move { api::account::update(&input).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(a)) => {
            flash.set(Some(Ok("Webhook URL saved.".into())));
            errors.set(Default::default());
            session.account.set(Some(a));
        }
        Some(Err(e)) => {
            errors.set(Default::default());
            if let Some(m) = absorb_errors(errors, &e, &["webhook_url"]) {
                flash.set(Some(Err(m)));
            }
        }
        None => {}
    });
    let rotate = move || {
        api::spawn(async move {
            match api::account::rotate_webhook_token().await {
                Ok(t) => token.set(Some(t.webhook_token)),
                Err(e) => flash.set(Some(Err(e.message()))),
            }
        });
    };
    let log_refresh = RwSignal::new(0u32);
    let send_test = move |_| {
        api::spawn(async move {
            match api::webhooks::send_test().await {
                Ok(m) => flash.set(Some(Ok(m.message))),
                Err(e) => flash.set(Some(Err(e.message()))),
            }
            look_again(log_refresh).await;
        });
    };
    let retry = move |id: String| {
        api::spawn(async move {
            match api::webhooks::retry(&id).await {
                Ok(m) => flash.set(Some(Ok(m.message))),
                Err(e) => flash.set(Some(Err(e.message()))),
            }
            look_again(log_refresh).await;
        });
    };
    let columns = vec![
        Column::new("event", "Event").filter(FilterKind::Choice(&[
            "test",
            "created",
            "downloaded",
            "installed",
            "fetched",
            "redeemed",
            "uninstalled",
        ])),
        Column::new("status", "Status").filter(FilterKind::Choice(&[
            "pending",
            "delivered",
            "failed",
        ])),
        Column::new("attempts", "Attempts"),
        Column::new("last_status_code", "Last answer").unsorted(),
        Column::new("next_attempt_at", "Next retry"),
        Column::new("created_at", "Created"),
        Column::new("id", "").unsorted(),
    ];
    view! {
        <h1>"Webhooks"</h1>
        <p class="lead">"Passworks POSTs pass events (created, downloaded, installed, fetched, redeemed, uninstalled) to this URL. Any 2xx answer counts as delivered; others are retried with back-off for at least 24 hours."</p>
        <Flash flash=flash/>
        <form class="card" novalidate on:submit=move |ev| { ev.prevent_default(); save.dispatch(url.get_untracked()); }>
            <div class="control">
                <label for="wh-url">"Webhook URL"</label>
                <input id="wh-url" type="url" placeholder="https://example.com/passworks" aria-describedby="err-webhook_url"
                    readonly=move || !design() prop:value=move || url.get() on:input=move |ev| url.set(event_target_value(&ev))/>
                <FieldError errors=errors attr="webhook_url"/>
            </div>
            <Show when=design>
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || save.pending().get()>"Save URL"</button>
                    <button type="button" class="btn" on:click=send_test>"Send a test event"</button>
                </div>
            </Show>
        </form>
        <section class="card" style="margin-top:1rem">
            <h2 style="margin-top:0">"Signing token"</h2>
            <p>"Deliveries carry the token in the "<code>"Authorization"</code>" header and an HMAC-SHA256 signature of the body in "<code>"X-Passworks-Signature"</code>". The token is shown only once, right after it is made."</p>
            {move || token.get().map(|t| view! {
                <div class="secret" role="status">
                    <span>"New token: "</span><code>{t.clone()}</code><CopyButton text=t/>
                    <span class="hint">"Store it now: it will not be shown again."</span>
                </div>
            })}
            <Show when=design>
                <button type="button" class="btn" on:click=move |_| confirm.set(true)>"Make a new token…"</button>
            </Show>
        </section>
        <h2>"Delivery log"</h2>
        <DataTable
            caption="Webhook deliveries"
            columns=columns
            fetch=|q: ListQuery| async move { api::webhooks::deliveries(&q).await }
            row=move |d: &WebhookDelivery| {
                let id = d.id.clone();
                let can_retry = d.status != "delivered" && d.attempts > 0;
                let answer = match (d.last_status_code, d.last_response.clone().filter(|r| !r.is_empty())) {
                    (Some(c), _) => c.to_string(),
                    (None, Some(r)) => r.chars().take(60).collect(),
                    (None, None) => "—".into(),
                };
                view! {
                    <td>{d.event.clone()}<div class="hint mono">{d.url.clone()}</div></td>
                    <td><Pill text=d.status.clone()/></td>
                    <td>{d.attempts}</td>
                    <td title=d.last_response.clone().unwrap_or_default()>{answer}</td>
                    <td>{fmt_opt_datetime(&d.next_attempt_at)}</td>
                    <td>{fmt_datetime(&d.created_at)}</td>
                    <td>{(can_retry && design()).then(|| view! {
                        <button type="button" class="btn small" aria-label=format!("Retry the {} delivery now", d.event)
                            on:click=move |_| retry(id.clone())>"Retry now"</button>
                    })}</td>
                }.into_any()
            }
            row_id=|d: &WebhookDelivery| d.id.clone()
            empty="No deliveries yet."
            refresh=log_refresh
        />
        <Confirm open=confirm title="New webhook token" message="The current token stops working at once. Continue?"
            confirm_label="Make new token" on_confirm=Callback::new(move |_| rotate())/>
    }
}

/// Reloads the delivery log while the worker delivers what was just queued: it usually
/// has within a second or two, on a busy server later.
async fn look_again(log_refresh: RwSignal<u32>) {
    for wait in [1500, 2500, 5000] {
        sleep_ms(wait).await;
        log_refresh.update(|n| *n += 1);
    }
}

/// Child organizations: create, list, refresh API password (credentials shown once).
#[component]
pub fn OrganizationsPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let flash = RwSignal::new(None::<Result<String, String>>);
    let errors: FormErrors = RwSignal::new(Default::default());
    let name = RwSignal::new(String::new());
    let shown = RwSignal::new(None::<Organization>);
    let create = Action::new_local(move |n: &String| {
        let body = OrganizationInput {
            name: Some(n.trim().to_string()),
        };
        async move { api::organizations::create(&body).await }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(o)) => {
            name.set(String::new());
            errors.set(Default::default());
            shown.set(Some(o));
            refresh.update(|n| *n += 1);
        }
        Some(Err(e)) => {
            errors.set(Default::default());
            if let Some(m) = absorb_errors(errors, &e, &["name"]) {
                flash.set(Some(Err(m)));
            }
        }
        None => {}
    });
    // Refreshing a key ends the old one at once: ask first.
    let refresh_target = RwSignal::new(None::<(String, String)>);
    let refresh_open = RwSignal::new(false);
    let refresh_pw = move |id: String| {
        api::spawn(async move {
            match api::organizations::refresh_key(&id).await {
                Ok(o) => shown.set(Some(o)),
                Err(e) => flash.set(Some(Err(e.message()))),
            }
        });
    };
    let columns = vec![
        Column::new("name", "Name"),
        Column::new("api_username", "API username").unsorted(),
        Column::new("created_at", "Created"),
        Column::new("id", "").unsorted(),
    ];
    view! {
        <h1>"Organizations"</h1>
        <p class="lead">"Child organizations are API-only accounts (at most 10). Their API key is shown once, when created or refreshed."</p>
        <Flash flash=flash/>
        {move || shown.get().map(|o| {
            let user = o.api_username.clone();
            let pw = o.api_password.clone().unwrap_or_default();
            view! {
                <div class="card secret" role="status" style="flex-direction:column;align-items:flex-start">
                    <strong>{format!("Credentials of “{}”", o.name)}</strong>
                    <div>"API username: "<code>{user.clone()}</code>" "<CopyButton text=user label="Copy username"/></div>
                    <div>"API key: "<code>{pw.clone()}</code>" "<CopyButton text=pw label="Copy key"/></div>
                    <span class="hint">"Store the key now: it is not shown again. A lost key can only be replaced."</span>
                    <button type="button" class="btn small" on:click=move |_| shown.set(None)>"Done"</button>
                </div>
            }
        })}
        <form class="card toolbar" novalidate on:submit=move |ev| { ev.prevent_default(); create.dispatch(name.get_untracked()); }>
            <div class="control" style="margin:0;flex:1">
                <label for="org-name">"New organization name"</label>
                <input id="org-name" aria-describedby="err-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <FieldError errors=errors attr="name"/>
            </div>
            <button type="submit" class="btn primary" disabled=move || create.pending().get()>"Create"</button>
        </form>
        <DataTable
            caption="Organizations"
            columns=columns
            fetch=|q: ListQuery| async move { api::organizations::list(&q).await }
            row=move |o: &Organization| {
                let id = o.id.clone();
                let name = o.name.clone();
                view! {
                    <td>{o.name.clone()}{o.locked_at.as_ref().map(|_| view! { " " <Pill text="locked"/> })}</td>
                    <td class="mono">{o.api_username.clone()}</td>
                    <td>{fmt_datetime(&o.created_at)}</td>
                    <td><button type="button" class="btn small" aria-label=format!("Refresh API key of {name}")
                        on:click=move |_| { refresh_target.set(Some((id.clone(), name.clone()))); refresh_open.set(true); }>"Refresh API key…"</button></td>
                }
                .into_any()
            }
            row_id=|o: &Organization| o.id.clone()
            empty="No child organizations yet."
            refresh=refresh
        />
        <Confirm
            open=refresh_open
            title="Refresh API key"
            message=Signal::derive(move || format!(
                "Give “{}” a new API key? The current key stops working at once: every program using it is refused until it gets the new key.",
                refresh_target.with(|t| t.as_ref().map(|t| t.1.clone()).unwrap_or_default())
            ))
            confirm_label="Refresh the key"
            on_confirm=Callback::new(move |_| {
                if let Some((id, _)) = refresh_target.get_untracked() {
                    refresh_pw(id);
                }
            })
        />
    }
}

/// The signed-in account.
#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_session();
    let name = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(n) = session.account.with(|a| a.as_ref().map(|a| a.name.clone())) {
            name.set(n);
        }
    });
    let flash = RwSignal::new(None::<Result<String, String>>);
    let save = Action::new_local(move |n: &String| {
        let input = AccountInput {
            name: Some(n.trim().to_string()),
            ..Default::default()
        };
        async move { api::account::update(&input).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(a)) => {
            session.account.set(Some(a));
            flash.set(Some(Ok("Saved.".into())));
        }
        Some(Err(e)) => flash.set(Some(Err(e.message()))),
        None => {}
    });
    view! {
        <h1>"Account"</h1>
        <Flash flash=flash/>
        {move || session.account.get().map(|a| view! {
            <dl class="kvs card">
                <Kv k="API username"><code>{a.api_username.clone()}</code>" "<CopyButton text=a.api_username.clone()/></Kv>
                <Kv k="Manages organizations">{if a.can_manage_organizations { "Yes" } else { "No" }}</Kv>
                <Kv k="Webhook URL">{a.webhook_url.clone().unwrap_or_else(|| "—".into())}</Kv>
                <Kv k="Created">{fmt_datetime(&a.created_at)}</Kv>
            </dl>
        })}
        // Renaming the organization needs the settings permission (owners).
        <Show when=move || session.can(Permission::Settings)>
        <form class="card" style="margin-top:1rem" on:submit=move |ev| { ev.prevent_default(); save.dispatch(name.get_untracked()); }>
            <div class="control">
                <label for="acc-name">"Organization name"</label>
                <input id="acc-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
            </div>
            <button type="submit" class="btn primary" disabled=move || save.pending().get()>"Save"</button>
        </form>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_warn_a_month_ahead() {
        assert_eq!(
            expiry_state("2026-01-10T00:00:00Z", "2026-01-01").0,
            "expiring"
        );
        assert_eq!(
            expiry_state("2025-12-01T00:00:00Z", "2026-01-01").0,
            "expired"
        );
        assert_eq!(
            expiry_state("2027-01-01T00:00:00Z", "2026-01-01"),
            ("active", None)
        );
    }
}
