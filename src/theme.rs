//! Light/dark theme: follows the system unless the user picked one (kept in localStorage).

use leptos::prelude::*;

const KEY: &str = "passworks.theme";

/// The user's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    pub fn next(self) -> Theme {
        match self {
            Theme::System => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::System,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "Theme: system",
            Theme::Light => "Theme: light",
            Theme::Dark => "Theme: dark",
        }
    }
    fn attr(self) -> Option<&'static str> {
        match self {
            Theme::System => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        }
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// Reads the stored choice and applies it; provides the signal as context.
pub fn init() {
    let stored = storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .map(|v| match v.as_str() {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        })
        .unwrap_or(Theme::System);
    let theme = RwSignal::new(stored);
    provide_context(theme);
    Effect::new(move |_| apply(theme.get()));
}

fn apply(t: Theme) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    match t.attr() {
        Some(a) => {
            let _ = root.set_attribute("data-theme", a);
        }
        None => {
            let _ = root.remove_attribute("data-theme");
        }
    }
    if let Some(s) = storage() {
        let _ = s.set_item(KEY, t.attr().unwrap_or("system"));
    }
}

/// The theme toggle button.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theme = expect_context::<RwSignal<Theme>>();
    view! {
        <button
            type="button"
            class="btn ghost theme-toggle"
            on:click=move |_| theme.update(|t| *t = t.next())
            title="Switch between system, light and dark theme"
        >
            {move || theme.get().label()}
        </button>
    }
}
