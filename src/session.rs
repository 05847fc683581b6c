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
