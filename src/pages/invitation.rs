//! Accepting an invitation (issue 16): the link's token (in the address's fragment, so
//! no server ever sees it in a request line) and a new password; the answer is a session,
//! and the console is signed in. The token is removed from the address bar at once.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use passworks_wire::InvitationAccept;

use crate::api::{self, Credentials};
use crate::components::{ErrorBanner, FieldError, FormErrors};
use crate::session::use_session;

/// The token of the invitation link this page was opened with, removed from the address
/// bar and the history entry.
fn take_token() -> String {
    let Some(w) = web_sys::window() else {
        return String::new();
    };
    let hash = w.location().hash().unwrap_or_default();
    let token = hash.trim_start_matches('#').to_string();
    if !token.is_empty() {
        if let Ok(h) = w.history() {
            let path = w.location().pathname().unwrap_or_default();
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
        }
    }
    token
}

/// The invitation page: choose a password.
#[component]
pub fn InvitationPage() -> impl IntoView {
    let session = use_session();
    let token = StoredValue::new(take_token());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let errors: FormErrors = RwSignal::new(Default::default());
    let navigate = use_navigate();
    let accept = Action::new_local(move |input: &InvitationAccept| {
        let input = input.clone();
        async move { api::teams::accept_invitation(&input).await }
    });
    let banner = RwSignal::new(None::<String>);
    Effect::new(move |_| match accept.value().get() {
        Some(Ok(t)) => {
            let creds = Credentials {
                username: t.me.actor.label.clone(),
                key: String::new(),
                token: Some(t.token.clone()),
            };
            session.sign_in(creds, t.me.account.clone(), false);
            session.me.set(Some(t.me));
            navigate("/", Default::default());
        }
        Some(Err(e)) => {
            errors.set(Default::default());
            if e.status == 404 {
                banner.set(Some("This invitation link is not valid any more: it was used, replaced by a newer one, or it expired. Ask an owner of the organization for a new link.".into()));
            } else if let Some(m) =
                crate::components::absorb_errors(errors, &e, &["password", "name"])
            {
                banner.set(Some(m));
            }
        }
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        errors.set(Default::default());
        banner.set(None);
        if password.get_untracked() != confirm.get_untracked() {
            errors.update(|m| {
                m.insert("confirm".into(), "does not match the password".into());
            });
            return;
        }
        accept.dispatch(InvitationAccept {
            token: Some(token.get_value()),
            password: Some(password.get_untracked()),
            name: Some(name.get_untracked().trim().to_string()).filter(|n| !n.is_empty()),
        });
    };
    let product = session.product_name();
    view! {
        <main class="signin" id="main">
            <form class="card signin-card" novalidate on:submit=submit>
                <h1>{format!("Join {product}")}</h1>
                <p class="hint">"Choose a password to accept your invitation. You will sign in with your e-mail address and this password."</p>
                {move || token.with_value(|t| t.is_empty()).then(|| view! {
                    <ErrorBanner message="This page needs the invitation link you were sent (it ends with a code after #).".to_string()/>
                })}
                {move || banner.get().map(|m| view! { <ErrorBanner message=m/> })}
                <div class="control">
                    <label for="invite-name">"Your name (optional)"</label>
                    <input id="invite-name" autocomplete="name" prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))/>
                    <FieldError errors=errors attr="name"/>
                </div>
                <div class="control">
                    <label for="new-password">"Password (at least 10 characters)"</label>
                    <input id="new-password" type="password" autocomplete="new-password" aria-describedby="err-password"
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                    <FieldError errors=errors attr="password"/>
                </div>
                <div class="control">
                    <label for="confirm-password">"Password again"</label>
                    <input id="confirm-password" type="password" autocomplete="new-password" aria-describedby="err-confirm"
                        prop:value=move || confirm.get() on:input=move |ev| confirm.set(event_target_value(&ev))/>
                    <FieldError errors=errors attr="confirm"/>
                </div>
                <button type="submit" class="btn primary" disabled=move || accept.pending().get()>
                    {move || if accept.pending().get() { "Saving…" } else { "Set password and sign in" }}
                </button>
            </form>
        </main>
    }
}
