//! The signed-in organization: credentials in Web Storage, account, runtime config.

use leptos::prelude::*;
use passworks_wire::{Account, ConsoleConfig, Me, Permission};

use crate::api::{self, Credentials};

const STORAGE_KEY: &str = "passworks.credentials";

/// Shared app state, provided as context.
#[derive(Clone, Copy)]
pub struct Session {
    pub creds: RwSignal<Option<Credentials>>,
    pub account: RwSignal<Option<Account>>,
    /// Who is signed in, with their role and permissions (`GET /v2/me`): the console
    /// offers only what they may do.
    pub me: RwSignal<Option<Me>>,
    pub config: StoredValue<ConsoleConfig>,
    /// Set when the API refused the stored key (revoked or refreshed), so the sign-in
    /// page can say why it is shown; cleared by the next sign-in.
    pub expired: RwSignal<bool>,
}

impl Session {
    pub fn new(config: ConsoleConfig) -> Self {
        let stored = load();
        api::set_credentials(stored.clone());
        answer_other_tabs();
        Session {
            creds: RwSignal::new(stored),
            account: RwSignal::new(None),
            me: RwSignal::new(None),
            config: StoredValue::new(config),
            expired: RwSignal::new(false),
        }
    }

    /// Signs in with verified credentials; `remember` keeps them across browser restarts.
    pub fn sign_in(&self, creds: Credentials, account: Account, remember: bool) {
        save(&creds, remember);
        api::set_credentials(Some(creds.clone()));
        self.account.set(Some(account));
        self.expired.set(false);
        self.creds.set(Some(creds));
    }

    /// Whether the signed-in caller has `permission` (tracked). Until `GET /v2/me`
    /// answered, nothing is offered that needs a permission.
    pub fn can(&self, permission: Permission) -> bool {
        self.me
            .with(|m| m.as_ref().is_some_and(|m| m.can(permission)))
    }

    /// Whether this session covers only some campaigns (a console session a portal minted
    /// with `campaign_ids`): organization-wide pages such as the dashboard are not for it.
    pub fn restricted(&self) -> bool {
        self.me
            .with(|m| m.as_ref().is_some_and(|m| m.campaign_ids.is_some()))
    }

    /// Signs out because the API no longer accepts the key.
    pub fn expire(&self) {
        if self.creds.get_untracked().is_some() {
            self.expired.set(true);
        }
        self.sign_out();
    }

    /// Signs out because the person asked to: a person's session ends on the server too
    /// (in the background, with the credentials being forgotten; its answer is moot).
    pub fn sign_out_on_request(&self) {
        if let Some(c) = self.creds.get_untracked().filter(|c| c.token.is_some()) {
            leptos::task::spawn_local(async move {
                let _ = api::teams::sign_out(&c).await;
            });
        }
        self.sign_out();
    }

    /// Forgets the credentials everywhere.
    pub fn sign_out(&self) {
        clear();
        api::set_credentials(None);
        self.account.set(None);
        self.me.set(None);
        self.creds.set(None);
    }

    pub fn product_name(&self) -> String {
        self.config.with_value(|c| c.product_name.clone())
    }

    /// Whether the navigation entry `entry` (one of `passworks_wire::NAVIGATION_ENTRIES`)
    /// appears: all do unless `config.json` (or the host, embedded) lists which.
    pub fn shows(&self, entry: &str) -> bool {
        // A session restricted to some campaigns (issue 18) may use its campaigns and
        // what editing them needs (assets, templates, certificates); the server refuses
        // the organization-wide pages, so they are not offered.
        if self.restricted() && !RESTRICTED_ENTRIES.contains(&entry) {
            return false;
        }
        self.config.with_value(|c| {
            c.navigation
                .as_ref()
                .is_none_or(|n| n.iter().any(|e| e == entry))
        })
    }

    /// Whether the console runs embedded in a portal, which owns signing in and out.
    pub fn embedded(&self) -> bool {
        crate::embed::embedded()
    }
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

fn storages() -> [Option<web_sys::Storage>; 2] {
    let w = web_sys::window();
    [
        w.as_ref().and_then(|w| w.session_storage().ok().flatten()),
        w.as_ref().and_then(|w| w.local_storage().ok().flatten()),
    ]
}

/// Stored credentials: the tab's session first, then "remember me".
pub fn load() -> Option<Credentials> {
    storages()
        .into_iter()
        .flatten()
        .find_map(|s| s.get_item(STORAGE_KEY).ok().flatten())
        .and_then(|j| serde_json::from_str(&j).ok())
}

fn save(c: &Credentials, remember: bool) {
    clear();
    let [session, local] = storages();
    let json = serde_json::to_string(c).unwrap_or_default();
    if let Some(s) = if remember { local } else { session } {
        let _ = s.set_item(STORAGE_KEY, &json);
    }
}

fn clear() {
    for s in storages().into_iter().flatten() {
        let _ = s.remove_item(STORAGE_KEY);
    }
}

const ASK_KEY: &str = "passworks.credentials.ask";
const SHARE_KEY: &str = "passworks.credentials.share";

/// Credentials kept for the tab only (not "remembered") live in `sessionStorage`, which a
/// new tab does not inherit. So that a console link opened in a new tab stays signed
/// in, every console tab answers another tab's request (a `storage` event on
/// [`ASK_KEY`]) by passing its tab credentials through `localStorage` for an instant.
fn answer_other_tabs() {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let answer = Closure::<dyn Fn(web_sys::StorageEvent)>::new(|ev: web_sys::StorageEvent| {
        if ev.key().as_deref() != Some(ASK_KEY) || ev.new_value().is_none() {
            return;
        }
        let [session, local] = storages();
        let json = session.and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        if let (Some(json), Some(local)) = (json, local) {
            let _ = local.set_item(SHARE_KEY, &json);
            let _ = local.remove_item(SHARE_KEY);
        }
    });
    let _ = window.add_event_listener_with_callback("storage", answer.as_ref().unchecked_ref());
    // Lives as long as the tab.
    answer.forget();
}

/// For a tab that starts without credentials (say, a console link opened in a new tab):
/// asks the browser's other console tabs for their tab credentials and keeps them for
/// this tab too. Waits at most `ms` milliseconds; true when credentials are stored.
pub async fn borrow_from_other_tabs(ms: i32) -> bool {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    if load().is_some() {
        return true;
    }
    let (Some(window), [Some(session), Some(local)]) = (web_sys::window(), storages()) else {
        return false;
    };
    let (tx, rx) = futures::channel::oneshot::channel::<()>();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let receive =
        Closure::<dyn Fn(web_sys::StorageEvent)>::new(move |ev: web_sys::StorageEvent| {
            if ev.key().as_deref() != Some(SHARE_KEY) {
                return;
            }
            let Some(json) = ev.new_value() else { return };
            if serde_json::from_str::<Credentials>(&json).is_ok() {
                let _ = session.set_item(STORAGE_KEY, &json);
                if let Some(tx) = tx.borrow_mut().take() {
                    let _ = tx.send(());
                }
            }
        });
    let _ = window.add_event_listener_with_callback("storage", receive.as_ref().unchecked_ref());
    let _ = local.set_item(ASK_KEY, &js_sys::Date::now().to_string());
    let _ = local.remove_item(ASK_KEY);
    let timeout = async {
        let p = js_sys::Promise::new(&mut |resolve, _| {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(p).await;
    };
    futures::pin_mut!(timeout);
    let _ = futures::future::select(rx, timeout).await;
    let _ = window.remove_event_listener_with_callback("storage", receive.as_ref().unchecked_ref());
    load().is_some()
}

/// The navigation entries a campaign-restricted session is offered (the routes
/// `guard::open_to_restricted` lets it call).
const RESTRICTED_ENTRIES: &[&str] = &["campaigns", "assets", "templates", "certificates"];
