//! Google Wallet issuer settings: the issuers (the development service account included),
//! which one acts for the account, adding one (issuer id and the service account's JSON
//! key file) and deleting one, with a plain note on what development mode cannot do.

use leptos::prelude::*;
use passworks_wire::query::ListQuery;
use passworks_wire::{GoogleIssuer, Permission};
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::*;
use crate::session::use_session;
use crate::table_state::Column;
use crate::util::fmt_datetime;

fn file_of(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|i| i.files())
        .and_then(|l| l.get(0))
}

/// The text of a chosen file.
async fn file_text(f: web_sys::File) -> Result<String, String> {
    wasm_bindgen_futures::JsFuture::from(f.text())
        .await
        .ok()
        .and_then(|v| v.as_string())
        .ok_or_else(|| "The key file could not be read.".to_string())
}

/// Issuer id and key file as typed, checked before anything is sent.
pub fn check_upload(issuer_id: &str, has_file: bool) -> Result<(), String> {
    let id = issuer_id.trim();
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        return Err("Enter the issuer id from the Google Pay & Wallet Console (digits).".into());
    }
    if !has_file {
        return Err("Choose the service account's JSON key file.".into());
    }
    Ok(())
}

/// Google Wallet issuers.
#[component]
pub fn GoogleWalletPage() -> impl IntoView {
    let session = use_session();
    let design = move || session.can(Permission::Design);
    let refresh = RwSignal::new(0u32);
    let flash = RwSignal::new(None::<Result<String, String>>);
    let issuer_id = RwSignal::new(String::new());
    let key = StoredValue::new_local(None::<web_sys::File>);
    let has_key = RwSignal::new(false);
    let to_delete = RwSignal::new(None::<String>);
    let confirm = RwSignal::new(false);
    let columns = vec![
        Column::new("issuer_id", "Issuer id"),
        Column::new("client_email", "Service account"),
        Column::new("created_at", "Added"),
        Column::new("id", "").unsorted(),
    ];
    let upload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = issuer_id.get_untracked();
        if let Err(m) = check_upload(&id, has_key.get_untracked()) {
            flash.set(Some(Err(m)));
            return;
        }
        let Some(file) = key.get_value() else { return };
        api::spawn(async move {
            let text = match file_text(file).await {
                Ok(t) => t,
                Err(m) => {
                    flash.set(Some(Err(m)));
                    return;
                }
            };
            match api::google_wallet::create(id.trim(), &text).await {
                Ok(i) => {
                    flash.set(Some(Ok(format!(
                        "Issuer {} added ({}).",
                        i.issuer_id, i.client_email
                    ))));
                    issuer_id.set(String::new());
                    refresh.update(|n| *n += 1);
                }
                Err(e) => flash.set(Some(Err(format!("Not added: {}", e.message())))),
            }
        });
    };
    let make_default = move |id: String| {
        api::spawn(async move {
            match api::google_wallet::make_default(&id).await {
                Ok(i) => {
                    flash.set(Some(Ok(format!(
                        "Issuer {} now acts for the account.",
                        i.issuer_id
                    ))));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => flash.set(Some(Err(format!("Not changed: {}", e.message())))),
            }
        });
    };
    view! {
        <h1>"Google Wallet"</h1>
        <div class="banner warn" role="note" id="google-development-note">
            <strong>"Without an issuer of your own, Google refuses every pass. "</strong>
            "Until you add one, \"Add to Google Wallet\" links are signed by this server's development service account: they are complete, but Google will not accept them. To add yours: in the Google Pay & Wallet Console note your issuer id; in Google Cloud create a service account with a JSON key and enable the Google Wallet API; add the service account's e-mail as a user in the Wallet Console; then upload the key below."
        </div>
        <Flash flash=flash/>
        <DataTable
            caption="Google Wallet issuers"
            columns=columns
            fetch=|q: ListQuery| async move { api::google_wallet::issuers(&q).await }
            row=move |i: &GoogleIssuer| {
                let (id, id2) = (i.id.clone(), i.id.clone());
                // Only a role that may change issuers is offered the buttons.
                let own = !i.development && design();
                let default = i.default;
                view! {
                    <td class="mono">{i.issuer_id.clone()}
                        {i.development.then(|| view! { " " <span class="pill pill-expiring">"development"</span> })}
                        {i.default.then(|| view! { " " <span class="pill">"acts for the account"</span> })}
                    </td>
                    <td class="mono">{i.client_email.clone()}</td>
                    <td>{fmt_datetime(&i.created_at)}</td>
                    <td>
                        {(own && !default).then(|| view! {
                            <button type="button" class="btn small" on:click=move |_| make_default(id.clone())>"Use this one"</button>
                        })}
                        {own.then(|| view! {
                            " " <button type="button" class="btn small danger" on:click=move |_| { to_delete.set(Some(id2.clone())); confirm.set(true); }>"Delete"</button>
                        })}
                    </td>
                }
                .into_any()
            }
            row_id=|i: &GoogleIssuer| i.id.clone()
            empty="No issuers."
            refresh=refresh
        />
        <Show when=design>
        <section class="card" aria-labelledby="google-up">
            <h2 id="google-up" style="margin-top:0">"Add an issuer"</h2>
            <form on:submit=upload>
                <div class="grid2">
                    <div class="control">
                        <label for="g-issuer">"Issuer id"</label>
                        <input id="g-issuer" inputmode="numeric" autocomplete="off" placeholder="3388000000012345678"
                            prop:value=move || issuer_id.get() on:input=move |ev| issuer_id.set(event_target_value(&ev))/>
                    </div>
                    <div class="control">
                        <label for="g-key">"Service account key (.json)"</label>
                        <input id="g-key" type="file" accept=".json,application/json"
                            on:change=move |ev| { let f = file_of(&ev); has_key.set(f.is_some()); key.set_value(f); }/>
                    </div>
                </div>
                <p class="hint">"The private key is stored encrypted and never shown again."</p>
                <button type="submit" class="btn primary">"Add issuer"</button>
            </form>
        </section>
        </Show>
        <Confirm open=confirm title="Delete issuer" message="Delete this issuer? Its passes stop being updated at Google; links are signed by the next issuer (or the development one)."
            confirm_label="Delete" on_confirm=Callback::new(move |_| {
                if let Some(id) = to_delete.get_untracked() {
                    api::spawn(async move {
                        match api::google_wallet::delete(&id).await {
                            Ok(()) => { flash.set(Some(Ok("Issuer deleted.".into()))); refresh.update(|n| *n += 1); }
                            Err(e) => flash.set(Some(Err(format!("Not deleted: {}", e.message())))),
                        }
                    });
                }
            })/>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_need_digits_and_a_file() {
        assert!(check_upload("", true).is_err());
        assert!(check_upload("12ab", true).is_err());
        assert!(check_upload("3388000000012345678", false).is_err());
        assert!(check_upload(" 3388000000012345678 ", true).is_ok());
    }
}
