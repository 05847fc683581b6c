//! Embedding in a portal (issue 18): console sessions minted by an integration for one
//! of its users, and the console's theme.
//!
//! An integration's backend asks `POST /v2/console_sessions` for a one-time token
//! ([`ConsoleSessionGrant`]); the embedded console exchanges it, once, at
//! `POST /v2/console_sessions/exchange` ([`ConsoleSessionExchange`]) for an ordinary
//! bearer session ([`crate::SessionToken`]).

use crate::Role;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `POST /v2/console_sessions` body, under root key `console_session`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConsoleSessionInput {
    /// The organization the session is for: the caller's own (the default) or one of its
    /// child organizations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// The session's role; it may not allow more than the caller may do.
    pub role: Option<Role>,
    /// Restricts the session to these campaigns (of the organization); absent or `null`
    /// for every campaign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_ids: Option<Vec<String>>,
    /// The portal's id of its user, named in the audit log.
    pub external_user_id: Option<String>,
    /// A name for that user (shown in the session list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_user_label: Option<String>,
    /// The origin of the portal page that embeds the console (`https://portal.example.com`);
    /// one of the server's `--cors-origins`. The token is exchanged only from there.
    pub allowed_origin: Option<String>,
    /// How long the session lasts once exchanged, in seconds (at most the server's
    /// `--console-session-seconds`, which is also the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_seconds: Option<i64>,
}

/// A one-time console session token (`POST /v2/console_sessions`), shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConsoleSessionGrant {
    pub id: String,
    /// `pwc_…`: hand it to the embedded console (host message or `#console_token=`).
    pub token: String,
    /// The token is refused after this time (minutes after minting).
    pub expires_at: String,
    pub organization_id: String,
    pub role: Role,
    pub campaign_ids: Option<Vec<String>>,
    pub external_user_id: String,
    pub external_user_label: Option<String>,
    pub allowed_origin: String,
    /// How long the session lasts once exchanged, in seconds.
    pub session_seconds: i64,
}

/// `POST /v2/console_sessions/exchange` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConsoleSessionExchange {
    /// The one-time token (`pwc_…`).
    pub token: Option<String>,
    /// When the console is served by this server and framed by the portal: the origin of
    /// the framing page (the console learns it from the host's message). Not needed when
    /// the request's `Origin` is the portal itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedder_origin: Option<String>,
}

/// The console's look (`config.json` `theme`, or a host message): colours, font, corner
/// radius. Every value is optional; absent ones keep the console's own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsoleTheme {
    /// Accent colour (buttons, links, the current navigation entry), CSS colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<String>,
    /// Page background.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    /// Panels and tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surface: Option<String>,
    /// Text colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Secondary text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted: Option<String>,
    /// Lines around panels and fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub border: Option<String>,
    /// Font family (CSS `font-family` value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font_family: Option<String>,
    /// Corner radius (CSS length, e.g. `4px`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius: Option<String>,
    /// The colour scheme: `light` or `dark` fixes it, `system` follows the visitor's
    /// system setting (see [`ConsoleTheme::scheme`]). Embedded, or with a fixed scheme,
    /// the console shows no light/dark toggle of its own: the host decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_scheme: Option<String>,
}

/// The console's colour scheme as a theme sets it ([`ConsoleTheme::color_scheme`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorScheme {
    /// Follow the system setting (`prefers-color-scheme`).
    System,
    Light,
    Dark,
}

impl ColorScheme {
    /// `light`, `dark` or `system` (any case, surrounding spaces ignored); `None` for
    /// anything else, which leaves the scheme as it was.
    pub fn parse(s: &str) -> Option<ColorScheme> {
        match s.trim().to_ascii_lowercase().as_str() {
            "system" => Some(ColorScheme::System),
            "light" => Some(ColorScheme::Light),
            "dark" => Some(ColorScheme::Dark),
            _ => None,
        }
    }
}

impl ConsoleTheme {
    /// The CSS custom properties this theme sets, as (name, value) pairs. Values that
    /// could end the declaration or open another (`;`, `{`, `}`, `<`, quotes for
    /// colours) are left out.
    pub fn css_properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let colours = [
            ("--accent", &self.accent),
            ("--bg", &self.background),
            ("--surface", &self.surface),
            ("--text", &self.text),
            ("--muted", &self.muted),
            ("--border", &self.border),
        ];
        for (name, value) in colours {
            if let Some(v) = value.as_deref().filter(|v| safe_css(v, false)) {
                out.push((name, v.trim().to_string()));
            }
        }
        if let Some(v) = self.font_family.as_deref().filter(|v| safe_css(v, true)) {
            out.push(("--font", v.trim().to_string()));
        }
        if let Some(v) = self.radius.as_deref().filter(|v| safe_css(v, false)) {
            out.push(("--radius", v.trim().to_string()));
        }
        out
    }

    /// The colour scheme this theme sets, if it names one the console knows.
    pub fn scheme(&self) -> Option<ColorScheme> {
        self.color_scheme.as_deref().and_then(ColorScheme::parse)
    }

    /// This theme with `other`'s values on top.
    pub fn overlaid(&self, other: &ConsoleTheme) -> ConsoleTheme {
        let pick = |a: &Option<String>, b: &Option<String>| b.clone().or_else(|| a.clone());
        ConsoleTheme {
            accent: pick(&self.accent, &other.accent),
            background: pick(&self.background, &other.background),
            surface: pick(&self.surface, &other.surface),
            text: pick(&self.text, &other.text),
            muted: pick(&self.muted, &other.muted),
            border: pick(&self.border, &other.border),
            font_family: pick(&self.font_family, &other.font_family),
            radius: pick(&self.radius, &other.radius),
            color_scheme: pick(&self.color_scheme, &other.color_scheme),
        }
    }
}

/// Whether `v` is a harmless CSS value: not empty, at most 200 characters, no characters
/// that end a declaration or a block, no `url(`; quotes only in font names.
fn safe_css(v: &str, quotes: bool) -> bool {
    let v = v.trim();
    !v.is_empty()
        && v.chars().count() <= 200
        && !v.to_ascii_lowercase().contains("url(")
        && v.chars().all(|c| {
            !c.is_control()
                && !matches!(c, ';' | '{' | '}' | '<' | '>' | '\\')
                && (quotes || !matches!(c, '"' | '\''))
        })
}

/// The navigation entries the console can show (`config.json` `navigation`).
pub const NAVIGATION_ENTRIES: &[&str] = &[
    "campaigns",
    "assets",
    "templates",
    "certificates",
    "google_wallet",
    "webhooks",
    "organizations",
    "people",
    "security",
    "audit",
    "account",
];

/// What the embedded console posts to its parent window when its session is no longer
/// valid (it then waits for a new token message).
pub const MESSAGE_SESSION_EXPIRED: &str = "passworks:session-expired";
/// What the host posts to give the console a token: `{type, token, theme?}`.
pub const MESSAGE_SESSION: &str = "passworks:session";
/// What the console posts once it is ready to receive a token.
pub const MESSAGE_READY: &str = "passworks:ready";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_values_are_checked_before_they_become_css() {
        let t = ConsoleTheme {
            accent: Some("#0a7".into()),
            background: Some("red; } body { display:none".into()),
            text: Some("url(https://evil.example/x)".into()),
            font_family: Some("\"Inter\", sans-serif".into()),
            radius: Some("6px".into()),
            ..ConsoleTheme::default()
        };
        assert_eq!(
            t.css_properties(),
            vec![
                ("--accent", "#0a7".to_string()),
                ("--font", "\"Inter\", sans-serif".to_string()),
                ("--radius", "6px".to_string()),
            ]
        );
        let over = t.overlaid(&ConsoleTheme {
            accent: Some("blue".into()),
            ..ConsoleTheme::default()
        });
        assert_eq!(over.accent.as_deref(), Some("blue"));
        assert_eq!(over.radius.as_deref(), Some("6px"));
    }

    #[test]
    fn the_colour_scheme_is_read_leniently_and_never_becomes_css() {
        let scheme = |v: &str| {
            ConsoleTheme {
                color_scheme: Some(v.into()),
                ..ConsoleTheme::default()
            }
            .scheme()
        };
        assert_eq!(scheme("dark"), Some(ColorScheme::Dark));
        assert_eq!(scheme(" Light "), Some(ColorScheme::Light));
        assert_eq!(scheme("system"), Some(ColorScheme::System));
        assert_eq!(scheme("purple"), None);
        assert_eq!(ConsoleTheme::default().scheme(), None);
        // An unknown value does not make the host's whole message unreadable.
        let t: ConsoleTheme =
            serde_json::from_str(r##"{"accent":"#123456","color_scheme":"sepia"}"##).unwrap();
        assert_eq!(t.scheme(), None);
        assert_eq!(
            t.css_properties(),
            vec![("--accent", "#123456".to_string())]
        );
        let over = ConsoleTheme {
            color_scheme: Some("dark".into()),
            ..ConsoleTheme::default()
        }
        .overlaid(&ConsoleTheme::default());
        assert_eq!(over.scheme(), Some(ColorScheme::Dark));
    }
}
