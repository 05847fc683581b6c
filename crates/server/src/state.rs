//! Shared application state handed to every handler.

use crate::db::Db;
use std::path::PathBuf;
use std::sync::Arc;

/// Runtime settings derived from the command line.
#[derive(Clone)]
pub struct Settings {
    /// Externally visible base URL without trailing slash (`https://passes.example.com`).
    pub public_url: String,
    pub data_dir: PathBuf,
    pub console_dir: Option<PathBuf>,
    pub cors_origins: Vec<String>,
    pub rate_limit_authenticated: i64,
    pub rate_limit_anonymous: i64,
    /// PassKit registration calls per hour per client IP.
    pub rate_limit_registrations: i64,
    /// New passes per hour per client IP from the public pages.
    pub page_issue_limit: i64,
    /// Key that encrypts private keys at rest.
    pub master_key: [u8; 32],
    pub apns_url: String,
    pub allow_private_webhooks: bool,
    /// First webhook retry delay in seconds (doubles per attempt).
    pub webhook_retry_base_seconds: i64,
    /// Lease of a claimed webhook delivery in seconds (renewed while delivering).
    pub webhook_lease_seconds: i64,
    /// Base URL of Google's Wallet REST API (`…/walletobjects/v1`).
    pub google_api_url: String,
    /// Token endpoint used instead of the service account key's `token_uri`.
    pub google_token_url: Option<String>,
    /// First retry delay of a Google sync after 429/5xx, in seconds (doubles per attempt).
    pub google_retry_base_seconds: i64,
    /// Pause of the Google sync worker after a poll that found nothing, in milliseconds.
    pub google_poll_ms: u64,
    /// Where Google's root signing keys for callbacks are fetched.
    pub google_callback_keys_url: String,
    /// Teams (issue 16): session lifetime, sign-in brakes, audit retention.
    pub session_hours: i64,
    pub sign_in_limit_per_account: i64,
    pub sign_in_limit_per_ip: i64,
    pub audit_retention_days: i64,
    /// Embedding (issue 18): how long a console session token may be exchanged, and the
    /// longest (and default) lifetime of a minted session, in seconds.
    pub console_token_seconds: i64,
    pub console_session_seconds: i64,
    /// Single sign-on, when an OpenID Connect provider is configured.
    pub oidc: Option<crate::sso::OidcSettings>,
    /// Invitation e-mails, when an SMTP server is configured.
    pub mailer: Option<crate::mail::Mailer>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("public_url", &self.public_url)
            .field("data_dir", &self.data_dir)
            .field("console_dir", &self.console_dir)
            .field("cors_origins", &self.cors_origins)
            .field("rate_limit_authenticated", &self.rate_limit_authenticated)
            .field("rate_limit_anonymous", &self.rate_limit_anonymous)
            .field("rate_limit_registrations", &self.rate_limit_registrations)
            .field("page_issue_limit", &self.page_issue_limit)
            .field("master_key", &"<redacted>")
            .field("apns_url", &self.apns_url)
            .field("allow_private_webhooks", &self.allow_private_webhooks)
            .field(
                "webhook_retry_base_seconds",
                &self.webhook_retry_base_seconds,
            )
            .field("webhook_lease_seconds", &self.webhook_lease_seconds)
            .field("google_api_url", &self.google_api_url)
            .field("google_token_url", &self.google_token_url)
            .field("google_retry_base_seconds", &self.google_retry_base_seconds)
            .field("google_poll_ms", &self.google_poll_ms)
            .field("google_callback_keys_url", &self.google_callback_keys_url)
            .field("session_hours", &self.session_hours)
            .field("sign_in_limit_per_account", &self.sign_in_limit_per_account)
            .field("sign_in_limit_per_ip", &self.sign_in_limit_per_ip)
            .field("audit_retention_days", &self.audit_retention_days)
            .field("console_token_seconds", &self.console_token_seconds)
            .field("console_session_seconds", &self.console_session_seconds)
            .field("oidc_issuer", &self.oidc.as_ref().map(|o| o.issuer.clone()))
            .field("mailer", &self.mailer)
            .finish()
    }
}

/// Everything a handler can reach. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    /// Builds and caches signed passes and previews (see [`crate::signing`]).
    pub passes: Arc<crate::signing::PassFactory>,
    /// Per-request counters written once a second (see [`crate::tally`]).
    pub tally: Arc<crate::tally::Tally>,
    /// Where deep pages of long lists start (see [`crate::positions`]).
    pub positions: Arc<crate::positions::Positions>,
}

impl AppState {
    /// Absolute URL for a path on this server (`/v2/assets/…` → `https://host/v2/assets/…`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.settings.public_url, path)
    }
}
