//! People (issue 16): invite by e-mail with a copyable invitation link (also e-mailed when
//! the server has SMTP, with a failure shown), change roles, issue a new link (a forgotten
//! password), remove. Shown to callers with the people permission (owners).

use leptos::prelude::*;
use passworks_wire::query::ListQuery;
use passworks_wire::{Role, User, UserInput};

use crate::api;
use crate::components::*;
use crate::table_state::{Column, FilterKind};
use crate::util::fmt_opt_datetime;

/// What each role may do, in the words the People page uses.
pub fn role_description(role: Role) -> &'static str {
    match role {
        Role::Owner => "Everything, including people, API keys and organization settings",
        Role::Manager => {
            "Designs campaigns, templates, assets, certificates and webhooks; issues passes"
        }
        Role::Support => "Issues, edits, voids, redeems and pushes passes; reads campaigns",
        Role::Scanner => "The redeem screen only",
        Role::Viewer => "Reads everything, reports included; changes nothing",
    }
}

/// The role choices of a `<select>`.
fn role_options(selected: Role) -> impl IntoView {
    Role::ALL
        .iter()
        .map(|r| {
            view! { <option value=r.as_str() selected=*r == selected>{r.as_str()}</option> }
        })
        .collect_view()
}

/// The People page.
#[component]
pub fn PeoplePage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let flash = RwSignal::new(None::<Result<String, String>>);
    let errors: FormErrors = RwSignal::new(Default::default());
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Support);
    let link = RwSignal::new(None::<User>);
    let invite = Action::new_local(move |(e, r): &(String, Role)| {
        let input = UserInput {
            email: Some(e.trim().to_string()),
            role: Some(*r),
            ..Default::default()
        };
        async move { api::teams::invite(&input).await }
    });
    Effect::new(move |_| match invite.value().get() {
        Some(Ok(u)) => {
            email.set(String::new());
            errors.set(Default::default());
            flash.set(None);
            link.set(Some(u));
            refresh.update(|n| *n += 1);
        }
        Some(Err(e)) => {
            errors.set(Default::default());
            if let Some(m) = absorb_errors(errors, &e, &["email", "role"]) {
                flash.set(Some(Err(m)));
            }
        }
        None => {}
    });
    let change_role = move |id: String, email: String, value: String| {
        let Some(r) = Role::parse(&value) else {
            return;
        };
        api::spawn(async move {
            let input = UserInput {
                role: Some(r),
                ..Default::default()
            };
            match api::teams::update_user(&id, &input).await {
                Ok(_) => flash.set(Some(Ok(format!("{email} is now {r}.")))),
                Err(e) => flash.set(Some(Err(e.message()))),
            }
            refresh.update(|n| *n += 1);
        });
    };
    let new_link = move |id: String| {
        api::spawn(async move {
            match api::teams::reinvite(&id).await {
                Ok(u) => link.set(Some(u)),
                Err(e) => flash.set(Some(Err(e.message()))),
            }
        });
    };
    let confirming = RwSignal::new(None::<String>);
    let remove = move |id: String, email: String| {
        api::spawn(async move {
            match api::teams::remove_user(&id).await {
                Ok(()) => flash.set(Some(Ok(format!(
                    "{email} was removed; their sessions ended."
                )))),
                Err(e) => flash.set(Some(Err(e.message()))),
            }
            confirming.set(None);
            refresh.update(|n| *n += 1);
        });
    };
    let columns = vec![
        Column::new("email", "E-mail").filter(FilterKind::Contains),
        Column::new("role", "Role").filter(FilterKind::Choice(&[
            "owner", "manager", "support", "scanner", "viewer",
        ])),
        Column::new("status", "Status").unsorted(),
        Column::new("last_sign_in_at", "Last sign-in"),
        Column::new("id", "").unsorted(),
    ];
    view! {
        <h1>"People"</h1>
        <p class="lead">"Everyone who signs in to this organization, and what their role lets them do. Invitations are links: copy one and send it to the person, who sets a password with it."</p>
        <Flash flash=flash/>
        {move || link.get().map(|u| {
            let url = u.invitation_url.clone().unwrap_or_default();
            view! {
                <div class="card secret invitation-link" role="status" style="flex-direction:column;align-items:flex-start">
                    <strong>{format!("Invitation link for {}", u.email)}</strong>
                    {u.invitation_sent_at.is_some().then(|| view! {
                        <span class="invitation-mailed">{format!("E-mailed to {}. You can also send the link yourself:", u.email)}</span>
                    })}
                    {u.invitation_mail_error.clone().map(|e| view! {
                        <span class="invitation-mail-error" role="alert">{format!("Could not e-mail it ({e}). Send the link yourself:")}</span>
                    })}
                    <code class="break">{url.clone()}</code>
                    <CopyButton text=url label="Copy link"/>
                    <span class="hint">"Send this link to the person: it works once, for 7 days, and is not shown again."</span>
                    <button type="button" class="btn small" on:click=move |_| link.set(None)>"Done"</button>
                </div>
            }
        })}
        <form class="card toolbar" novalidate on:submit=move |ev| {
            ev.prevent_default();
            invite.dispatch((email.get_untracked(), role.get_untracked()));
        }>
            <div class="control" style="margin:0;flex:2">
                <label for="invite-email">"E-mail address"</label>
                <input id="invite-email" type="email" autocomplete="off" aria-describedby="err-email"
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                <FieldError errors=errors attr="email"/>
            </div>
            <div class="control" style="margin:0;flex:1">
                <label for="invite-role">"Role"</label>
                <select id="invite-role" on:change=move |ev| {
                    if let Some(r) = Role::parse(&event_target_value(&ev)) {
                        role.set(r);
                    }
                }>
                    {role_options(Role::Support)}
                </select>
                <p class="hint">{move || role_description(role.get())}</p>
            </div>
            <button type="submit" class="btn primary" disabled=move || invite.pending().get()>"Invite"</button>
        </form>
        <DataTable
            caption="People"
            columns=columns
            fetch=|q: ListQuery| async move { api::teams::users(&q).await }
            row=move |u: &User| {
                let id = u.id.clone();
                let email = u.email.clone();
                let (id2, email2) = (id.clone(), email.clone());
                let (id3, id4, email4) = (id.clone(), id.clone(), email.clone());
                let id5 = id.clone();
                view! {
                    <td>{u.email.clone()}{(!u.name.is_empty()).then(|| view! { <span class="hint">{format!(" {}", u.name)}</span> })}</td>
                    <td>
                        <select aria-label=format!("Role of {email}") on:change=move |ev| change_role(id.clone(), email.clone(), event_target_value(&ev))>
                            {role_options(u.role)}
                        </select>
                    </td>
                    <td><Pill text=u.status.clone()/>{u.invitation_mail_error.clone().map(|e| view! {
                        " " <span class="pill pill-failed" title=e>"e-mail failed"</span>
                    })}</td>
                    <td>{fmt_opt_datetime(&u.last_sign_in_at)}</td>
                    <td><div class="actions" style="margin:0">
                        <button type="button" class="btn small" aria-label=format!("New invitation link for {email2}")
                            on:click=move |_| new_link(id2.clone())>"New link"</button>
                        {move || if confirming.get().as_deref() == Some(id5.as_str()) {
                            let (id, email) = (id4.clone(), email4.clone());
                            view! {
                                <button type="button" class="btn small danger" on:click=move |_| remove(id.clone(), email.clone())>"Confirm removal"</button>
                                <button type="button" class="btn small" on:click=move |_| confirming.set(None)>"Cancel"</button>
                            }.into_any()
                        } else {
                            let id = id3.clone();
                            view! {
                                <button type="button" class="btn small" on:click=move |_| confirming.set(Some(id.clone()))>"Remove"</button>
                            }.into_any()
                        }}
                    </div></td>
                }
                .into_any()
            }
            row_id=|u: &User| u.id.clone()
            empty="Nobody has been invited yet."
            refresh=refresh
        />
    }
}
