//! Sessions and API keys (issue 16): everyone sees and ends their own sessions (owners
//! everyone's, including the sessions integrations minted for their users, issue 18:
//! "via <key name> for <external user id>"); owners create scoped API keys (the token
//! shown once) and revoke them.

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
    let actor_kind = move || {
        session
            .me
            .with(|m| m.as_ref().map(|m| m.actor.kind.clone()).unwrap_or_default())
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
        <p class="hint">{move || match actor_kind().as_str() {
            "user" => "Where you (and, for owners, everyone in the organization) are signed in. Ending a session signs that browser out. A session an integration opened for one of its users says which key opened it.",
            "console_session" => "This console was opened for you by an integration (a portal). Owners see every session here, with the key that opened it.",
            _ => "This console is signed in with an API username and key, which has no session; people's sessions, and those integrations opened for their users, are listed here.",
        }}</p>
        <DataTable
            caption="Sessions"
            columns=columns
            fetch=|q: ListQuery| async move { api::teams::sessions(&q).await }
            row=move |s: &Session| {
                let id = s.id.clone();
                let current = s.current;
                view! {
                    <td>{who(s)}{current.then(|| view! { " " <Pill text="this session"/> })}</td>
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

/// How the Sessions table names a session minted by an integration (issue 18), as the
/// audit log does: "via <key name> for <external user id>" (the stored audit label for
/// sessions minted before the key's name was kept); `None` for people's sessions.
pub fn minted_via(s: &Session) -> Option<String> {
    if s.via != "console_session" {
        return None;
    }
    match (&s.minted_by_name, &s.external_user_id) {
        (Some(key), Some(user)) => Some(format!("via {key} for {user}")),
        _ => s.label.clone(),
    }
}

/// The "Person" cell: the person's e-mail, or for a minted session its user's label (when
/// the integration gave one), how it was minted and which campaigns it covers.
fn who(s: &Session) -> AnyView {
    let Some(via) = minted_via(s) else {
        return s
            .user_email
            .clone()
            .unwrap_or_else(|| "—".into())
            .into_any();
    };
    let restricted = s.campaign_ids.as_ref().map(|ids| match ids.len() {
        1 => "1 campaign".to_string(),
        n => format!("{n} campaigns"),
    });
    view! {
        <span class="session-who">
            {s.external_user_label.clone().map(|l| view! { <strong>{l}</strong> " " })}
            <span class="hint" title=s.minted_by.clone().map(|k| format!("Minted by {k}"))>{via}</span>
            {restricted.map(|r| view! { " " <Pill text=r/> })}
        </span>
    }
    .into_any()
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

#[cfg(test)]
mod tests {
    use super::minted_via;
    use passworks_wire::Session;

    fn session(via: &str) -> Session {
        Session {
            id: "s1".into(),
            user_id: None,
            user_email: None,
            via: via.into(),
            ip: None,
            user_agent: None,
            current: false,
            created_at: String::new(),
            last_used_at: String::new(),
            expires_at: String::new(),
            external_user_id: None,
            label: None,
            campaign_ids: None,
            minted_by: None,
            minted_by_name: None,
            external_user_label: None,
        }
    }

    #[test]
    fn a_minted_session_names_its_key_and_user() {
        let mut s = session("console_session");
        s.minted_by = Some("k1".into());
        s.minted_by_name = Some("Portal".into());
        s.external_user_id = Some("cust-42".into());
        s.label = Some("via Old name for cust-42".into());
        assert_eq!(minted_via(&s).as_deref(), Some("via Portal for cust-42"));
        // Minted before the key's name was kept: the audit label.
        s.minted_by_name = None;
        assert_eq!(minted_via(&s).as_deref(), Some("via Old name for cust-42"));
        // People's sessions name no integration.
        let mut p = session("password");
        p.user_email = Some("ann@example.com".into());
        assert_eq!(minted_via(&p), None);
    }
}
