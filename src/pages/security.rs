//! Sessions and API keys (issue 16): everyone sees and ends their own sessions (owners
//! everyone's); owners create scoped API keys (the token shown once) and revoke them.

use leptos::prelude::*;
use passworks_wire::query::ListQuery;
use passworks_wire::{ApiKey, ApiKeyInput, KeyScope, Permission, Session};

use crate::api;
use crate::components::*;
use crate::session::use_session;
use crate::table_state::Column;
use crate::util::{fmt_datetime, fmt_opt_datetime};

/// What a key scope allows, in the words of the page.
pub fn scope_description(scope: KeyScope) -> &'static str {
    match scope {
        KeyScope::Owner => "Everything (like an owner)",
        KeyScope::Manager => "Like a manager: design and passes",
        KeyScope::Support => "Like support: passes and reading",
        KeyScope::Scanner => "Redeeming only",
        KeyScope::Viewer => "Like a viewer: reading",
        KeyScope::ReadOnly => "Reading only",
        KeyScope::PassesOnly => "Reading campaigns and passes, issuing and redeeming passes",
    }
}

/// The Sessions and API keys page.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let session = use_session();
    let flash = RwSignal::new(None::<Result<String, String>>);
    let refresh_sessions = RwSignal::new(0u32);
    let is_person = move || {
        session
            .me
            .with(|m| m.as_ref().is_some_and(|m| m.actor.kind == "user"))
    };
    let end = move |id: String| {
        api::spawn(async move {
            match api::teams::end_session(&id).await {
                Ok(()) => flash.set(Some(Ok("The session was ended.".into()))),
                Err(e) => flash.set(Some(Err(e.message()))),
            }
            refresh_sessions.update(|n| *n += 1);
        });
    };
    let columns = vec![
        Column::new("user_email", "Person"),
        Column::new("ip", "From"),
        Column::new("created_at", "Signed in"),
        Column::new("last_used_at", "Last used"),
        Column::new("expires_at", "Expires"),
        Column::new("id", "").unsorted(),
    ];
    view! {
        <h1>"Sessions and API keys"</h1>
        <Flash flash=flash/>
        <h2>"Sessions"</h2>
        <p class="hint">{move || if is_person() {
            "Where you (and, for owners, everyone in the organization) are signed in. Ending a session signs that browser out."
        } else {
            "This console is signed in with an API username and key, which has no session; people's sessions are listed here."
        }}</p>
        <DataTable
            caption="Sessions"
            columns=columns
            fetch=|q: ListQuery| async move { api::teams::sessions(&q).await }
            row=move |s: &Session| {
                let id = s.id.clone();
                let current = s.current;
                view! {
                    <td>{s.user_email.clone().unwrap_or_else(|| "—".into())}{current.then(|| view! { " " <Pill text="this session"/> })}</td>
                    <td title=s.user_agent.clone().unwrap_or_default()>{s.ip.clone().unwrap_or_else(|| "—".into())}</td>
                    <td>{fmt_datetime(&s.created_at)}</td>
                    <td>{fmt_datetime(&s.last_used_at)}</td>
                    <td>{fmt_datetime(&s.expires_at)}</td>
                    <td>{(!current).then(|| view! {
                        <button type="button" class="btn small" on:click=move |_| end(id.clone())>"End"</button>
                    })}</td>
                }
                .into_any()
            }
            row_id=|s: &Session| s.id.clone()
            empty="No open sessions."
            refresh=refresh_sessions
        />
        <Show when=move || session.can(Permission::People)>
            <ApiKeys flash=flash/>
        </Show>
    }
}

/// The API keys section (owners).
#[component]
fn ApiKeys(flash: RwSignal<Option<Result<String, String>>>) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let errors: FormErrors = RwSignal::new(Default::default());
    let name = RwSignal::new(String::new());
    let scope = RwSignal::new(KeyScope::ReadOnly);
    let expires = RwSignal::new(String::new());
    let created = RwSignal::new(None::<ApiKey>);
    let create = Action::new_local(move |(n, s, e): &(String, KeyScope, String)| {
        let input = ApiKeyInput {
            name: Some(n.trim().to_string()),
            scope: Some(*s),
            expires_at: (!e.is_empty()).then(|| format!("{e}T23:59:59Z")),
        };
        async move { api::teams::create_api_key(&input).await }
    });
    Effect::new(move |_| match create.value().get() {
        Some(Ok(k)) => {
            name.set(String::new());
            expires.set(String::new());
            errors.set(Default::default());
            created.set(Some(k));
            refresh.update(|n| *n += 1);
        }
        Some(Err(e)) => {
            errors.set(Default::default());
            if let Some(m) = absorb_errors(errors, &e, &["name", "scope", "expires_at"]) {
                flash.set(Some(Err(m)));
            }
        }
        None => {}
    });
    let revoke = move |id: String, name: String| {
        api::spawn(async move {
            match api::teams::revoke_api_key(&id).await {
                Ok(_) => flash.set(Some(Ok(format!("The key “{name}” was revoked.")))),
                Err(e) => flash.set(Some(Err(e.message()))),
            }
            refresh.update(|n| *n += 1);
        });
    };
    let columns = vec![
        Column::new("name", "Name"),
        Column::new("scope", "Scope"),
        Column::new("prefix", "Username").unsorted(),
        Column::new("last_used_at", "Last used"),
        Column::new("expires_at", "Expires"),
        Column::new("id", "").unsorted(),
    ];
    view! {
        <h2>"API keys"</h2>
        <p class="hint">"Keys for integrations, each limited to a scope. Send a key as "<code>"Authorization: Bearer <token>"</code>", or as Basic credentials with the username shown and the part of the token after it."</p>
        {move || created.get().map(|k| {
            let token = k.token.clone().unwrap_or_default();
            view! {
                <div class="card secret api-key-token" role="status" style="flex-direction:column;align-items:flex-start">
                    <strong>{format!("Token of “{}”", k.name)}</strong>
                    <code class="break">{token.clone()}</code>
                    <CopyButton text=token label="Copy token"/>
                    <span class="hint">"Store the token now: it is not shown again."</span>
                    <button type="button" class="btn small" on:click=move |_| created.set(None)>"Done"</button>
                </div>
            }
        })}
        <form class="card toolbar" novalidate on:submit=move |ev| {
            ev.prevent_default();
            create.dispatch((name.get_untracked(), scope.get_untracked(), expires.get_untracked()));
        }>
            <div class="control" style="margin:0;flex:2">
                <label for="key-name">"Key name"</label>
                <input id="key-name" aria-describedby="err-name" prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))/>
                <FieldError errors=errors attr="name"/>
            </div>
            <div class="control" style="margin:0;flex:2">
                <label for="key-scope">"Scope"</label>
                <select id="key-scope" on:change=move |ev| {
                    if let Some(s) = KeyScope::parse(&event_target_value(&ev)) {
                        scope.set(s);
                    }
                }>
                    {KeyScope::ALL.iter().map(|s| view! {
                        <option value=s.as_str() selected=*s == KeyScope::ReadOnly>{s.as_str()}</option>
                    }).collect_view()}
                </select>
                <p class="hint">{move || scope_description(scope.get())}</p>
            </div>
            <div class="control" style="margin:0;flex:1">
                <label for="key-expires">"Expires (optional)"</label>
                <input id="key-expires" type="date" prop:value=move || expires.get()
                    on:input=move |ev| expires.set(event_target_value(&ev))/>
                <FieldError errors=errors attr="expires_at"/>
            </div>
            <button type="submit" class="btn primary" disabled=move || create.pending().get()>"Create key"</button>
        </form>
        <DataTable
            caption="API keys"
            columns=columns
            fetch=|q: ListQuery| async move { api::teams::api_keys(&q).await }
            row=move |k: &ApiKey| {
                let id = k.id.clone();
                let name = k.name.clone();
                let revoked = k.revoked_at.is_some();
                view! {
                    <td>{k.name.clone()}{revoked.then(|| view! { " " <Pill text="revoked"/> })}</td>
                    <td>{k.scope.as_str()}</td>
                    <td class="mono">{k.prefix.clone()}</td>
                    <td>{fmt_opt_datetime(&k.last_used_at)}</td>
                    <td>{k.expires_at.as_deref().map(fmt_datetime).unwrap_or_else(|| "never".into())}</td>
                    <td>{(!revoked).then(|| view! {
                        <button type="button" class="btn small" aria-label=format!("Revoke {name}")
                            on:click=move |_| revoke(id.clone(), name.clone())>"Revoke"</button>
                    })}</td>
                }
                .into_any()
            }
            row_id=|k: &ApiKey| k.id.clone()
            empty="No API keys yet."
            refresh=refresh
        />
    }
}
