//! The signed-in organization: credentials in Web Storage, account, runtime config.

use leptos::prelude::*;
use passworks_wire::{Account, ConsoleConfig};

use crate::api::{self, Credentials};

const STORAGE_KEY: &str = "passworks.credentials";

/// Shared app state, provided as context.
#[derive(Clone, Copy)]
pub struct Session {
    pub creds: RwSignal<Option<Credentials>>,
    pub account: RwSignal<Option<Account>>,
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

    /// Signs out because the API no longer accepts the key.
    pub fn expire(&self) {
        if self.creds.get_untracked().is_some() {
            self.expired.set(true);
        }
        self.sign_out();
    }

    /// Forgets the credentials everywhere.
    pub fn sign_out(&self) {
        clear();
        api::set_credentials(None);
        self.account.set(None);
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
