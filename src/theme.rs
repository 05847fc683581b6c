//! Light/dark theme: follows the system unless the user picked one (kept in
//! localStorage), or unless the host decides (issue 18): embedded in a portal, or with a
//! theme that fixes the colour scheme (`config.json` or the host message
//! `theme.color_scheme`), the console takes the host's scheme (the system's when it names
//! none), shows no toggle and leaves the stored choice alone.

use std::cell::Cell;

use leptos::prelude::*;
use passworks_wire::ColorScheme;

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

impl From<ColorScheme> for Theme {
    fn from(s: ColorScheme) -> Theme {
        match s {
            ColorScheme::System => Theme::System,
            ColorScheme::Light => Theme::Light,
            ColorScheme::Dark => Theme::Dark,
        }
    }
}

/// The theme state: the user's choice, and the host's decision that overrides it.
#[derive(Clone, Copy)]
pub struct Theming {
    pub choice: RwSignal<Theme>,
    /// `Some` when the host decides the scheme (the toggle is hidden).
    pub host: RwSignal<Option<Theme>>,
}

thread_local! {
    /// The host's decision known before the app mounts (`embed::configure`).
    static HOST_AT_START: Cell<Option<Theme>> = const { Cell::new(None) };
}

/// Records, before the app mounts, that the host decides the scheme (`scheme`, or the
/// system's when it names none).
pub fn host_decides_at_start(scheme: Option<ColorScheme>) {
    HOST_AT_START.with(|h| h.set(Some(scheme.map_or(Theme::System, Theme::from))));
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// Reads the stored choice and applies it (or the host's decision); provides
/// [`Theming`] as context.
pub fn init() {
    let stored = storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .map(|v| match v.as_str() {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        })
        .unwrap_or(Theme::System);
    let theming = Theming {
        choice: RwSignal::new(stored),
        host: RwSignal::new(HOST_AT_START.with(Cell::get)),
    };
    provide_context(theming);
    Effect::new(move |_| match theming.host.get() {
        Some(host) => set_attribute(host),
        None => {
            let t = theming.choice.get();
            set_attribute(t);
            if let Some(s) = storage() {
                let _ = s.set_item(KEY, t.attr().unwrap_or("system"));
            }
        }
    });
}

fn set_attribute(t: Theme) {
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
}

/// The theme toggle button; nothing when the host decides the scheme.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let theming = expect_context::<Theming>();
    move || {
        theming.host.get().is_none().then(|| {
            view! {
                <button
                    type="button"
                    class="btn ghost theme-toggle"
                    on:click=move |_| theming.choice.update(|t| *t = t.next())
                    title="Switch between system, light and dark theme"
                >
                    {move || theming.choice.get().label()}
                </button>
            }
        })
    }
}
