//! Command line and environment configuration (clap, every option also from `PASSWORKS_*`).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// The Passworks server: API v2, Apple PassKit web service and pass download pages.
#[derive(Debug, Parser)]
#[command(name = "passworks", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, then serve the API, the console and the download pages.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DbArgs),
    /// Manage accounts.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account and print its credentials as one JSON object on stdout.
    Create(AccountCreateArgs),
}

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Directory for the SQLite database, the development certificate and the master key.
    #[arg(long, env = "PASSWORKS_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Database URL: `sqlite://FILE` or `postgres://USER@HOST/DB`. Default: a SQLite file
    /// `passworks.db` in the data directory.
    #[arg(long, env = "PASSWORKS_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl DbArgs {
    /// The effective database URL.
    pub fn url(&self) -> String {
        match &self.database_url {
            Some(u) => u.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("passworks.db").display()
            ),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct AccountCreateArgs {
    /// The account's display name.
    #[arg(long)]
    pub name: String,

    /// Grant the permission to create and manage child organizations.
    #[arg(long)]
    pub organizations: bool,

    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "PASSWORKS_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    #[command(flatten)]
    pub db: DbArgs,

    /// Directory of the built console (trunk's `dist/`), served at `/`. Without it only the
    /// API and the download pages are served.
    #[arg(long, env = "PASSWORKS_CONSOLE_DIR")]
    pub console_dir: Option<PathBuf>,

    /// Externally visible base URL, used in pass, download and web-service URLs.
    /// Default: `http://<bind>`.
    #[arg(long, env = "PASSWORKS_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Origins allowed to call the API from a browser (CORS), comma-separated, e.g.
    /// `https://portal.example.com`. `*` allows any origin.
    #[arg(long, env = "PASSWORKS_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Requests per hour allowed to one authenticated account.
    #[arg(
        long,
        env = "PASSWORKS_RATE_LIMIT_AUTHENTICATED",
        default_value_t = 5000
    )]
    pub rate_limit_authenticated: i64,

    /// Requests per hour allowed to one client IP without credentials.
    #[arg(long, env = "PASSWORKS_RATE_LIMIT_ANONYMOUS", default_value_t = 60)]
    pub rate_limit_anonymous: i64,

    /// PassKit device registration calls accepted from one client IP per hour.
    #[arg(
        long,
        env = "PASSWORKS_RATE_LIMIT_REGISTRATIONS",
        default_value_t = 1000
    )]
    pub rate_limit_registrations: i64,

    /// New passes the public download pages hand out to one client IP per hour.
    #[arg(long, env = "PASSWORKS_PAGE_ISSUE_LIMIT", default_value_t = 100)]
    pub page_issue_limit: i64,

    /// Master key (64 hex characters) that encrypts private keys at rest. Default: a key
    /// generated into `<data dir>/master.key` on first start.
    #[arg(long, env = "PASSWORKS_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,

    /// APNs endpoint for pass update pushes.
    #[arg(
        long,
        env = "PASSWORKS_APNS_URL",
        default_value = "https://api.push.apple.com"
    )]
    pub apns_url: String,

    /// Allow webhook URLs that point at loopback, private or link-local addresses
    /// (for tests and closed networks).
    #[arg(long, env = "PASSWORKS_ALLOW_PRIVATE_WEBHOOKS")]
    pub allow_private_webhooks: bool,

    /// Delay before the first webhook retry, in seconds; each further retry waits twice as
    /// long (capped at 4 hours), for at least 24 hours in all.
    #[arg(
        long,
        env = "PASSWORKS_WEBHOOK_RETRY_BASE_SECONDS",
        default_value_t = 30
    )]
    pub webhook_retry_base_seconds: i64,

    /// How long a claimed webhook delivery stays leased to one server process, in seconds.
    /// The process renews the lease every third of it while it delivers; when a process
    /// dies, its deliveries are retried by another one after at most this long.
    #[arg(long, env = "PASSWORKS_WEBHOOK_LEASE_SECONDS", default_value_t = 15)]
    pub webhook_lease_seconds: i64,

    /// Base URL of Google's Wallet REST API (tests point it at a local fake).
    #[arg(
        long,
        env = "PASSWORKS_GOOGLE_WALLET_API_URL",
        default_value = "https://walletobjects.googleapis.com/walletobjects/v1"
    )]
    pub google_wallet_api_url: String,

    /// OAuth2 token endpoint for Google Wallet calls; default: the `token_uri` of each
    /// issuer's service account key.
    #[arg(long, env = "PASSWORKS_GOOGLE_WALLET_TOKEN_URL")]
    pub google_wallet_token_url: Option<String>,

    /// Delay before the first retry of a Google Wallet sync that met 429/5xx, in seconds;
    /// it doubles per attempt (at most an hour apart, 12 attempts).
    #[arg(
        long,
        env = "PASSWORKS_GOOGLE_WALLET_RETRY_BASE_SECONDS",
        default_value_t = 30
    )]
    pub google_wallet_retry_base_seconds: i64,

    /// How often the Google Wallet sync worker looks for changed passes when idle, in
    /// milliseconds.
    #[arg(long, env = "PASSWORKS_GOOGLE_WALLET_POLL_MS", default_value_t = 2000)]
    pub google_wallet_poll_ms: u64,

    /// URL of Google's root signing keys, which verify Google Wallet save/delete callbacks
    /// (fetched when needed, kept for an hour).
    #[arg(
        long,
        env = "PASSWORKS_GOOGLE_WALLET_CALLBACK_KEYS_URL",
        default_value = "https://payments.developers.google.com/paymentmethodtoken/keys.json"
    )]
    pub google_wallet_callback_keys_url: String,
    /// How long a console session lasts, in hours, from signing in.
    #[arg(long, env = "PASSWORKS_SESSION_HOURS", default_value_t = 168)]
    pub session_hours: i64,

    /// Sign-in attempts accepted per e-mail address per hour (brute-force brake).
    #[arg(
        long,
        env = "PASSWORKS_SIGN_IN_LIMIT_PER_ACCOUNT",
        default_value_t = 10
    )]
    pub sign_in_limit_per_account: i64,

    /// Sign-in attempts accepted per client IP per hour (brute-force brake).
    #[arg(long, env = "PASSWORKS_SIGN_IN_LIMIT_PER_IP", default_value_t = 100)]
    pub sign_in_limit_per_ip: i64,

    /// Days the audit log keeps an event; older ones are deleted in the background.
    #[arg(long, env = "PASSWORKS_AUDIT_RETENTION_DAYS", default_value_t = 365)]
    pub audit_retention_days: i64,

    /// Single sign-on: the OpenID Connect issuer URL (its discovery document is read).
    /// Without it, single sign-on is off.
    #[arg(long, env = "PASSWORKS_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// Single sign-on: the client id registered with the provider.
    #[arg(long, env = "PASSWORKS_OIDC_CLIENT_ID", default_value = "")]
    pub oidc_client_id: String,

    /// Single sign-on: the client secret (sent with HTTP Basic to the token endpoint).
    #[arg(
        long,
        env = "PASSWORKS_OIDC_CLIENT_SECRET",
        default_value = "",
        hide_env_values = true
    )]
    pub oidc_client_secret: String,

    /// Single sign-on: the ID token claim that holds the role (a string or an array).
    #[arg(
        long,
        env = "PASSWORKS_OIDC_ROLE_CLAIM",
        default_value = "passworks_role"
    )]
    pub oidc_role_claim: String,

    /// Single sign-on: claim values to roles, comma-separated `value=role` pairs
    /// (e.g. `door-staff=scanner,marketing=manager`). Empty: the claim holds role names.
    #[arg(long, env = "PASSWORKS_OIDC_ROLE_MAP", value_delimiter = ',')]
    pub oidc_role_map: Vec<String>,

    /// Single sign-on: the provider's name on the sign-in page.
    #[arg(long, env = "PASSWORKS_OIDC_NAME", default_value = "single sign-on")]
    pub oidc_name: String,

    /// How long a one-time console session token (`POST /v2/console_sessions`) may be
    /// exchanged, in seconds.
    #[arg(long, env = "PASSWORKS_CONSOLE_TOKEN_SECONDS", default_value_t = 300)]
    pub console_token_seconds: i64,

    /// How long a minted console session lasts, in seconds (the default and the most a
    /// mint request may ask for).
    #[arg(
        long,
        env = "PASSWORKS_CONSOLE_SESSION_SECONDS",
        default_value_t = 3600
    )]
    pub console_session_seconds: i64,
    /// Optional SMTP server for invitation e-mails (`mail.rs`).
    #[command(flatten)]
    pub smtp: crate::mail::SmtpArgs,

    /// Do not create a first account when the database is empty.
    #[arg(long, env = "PASSWORKS_NO_FIRST_ACCOUNT")]
    pub no_first_account: bool,
}

impl ServeArgs {
    /// Defaults for tests and embedding: everything from the given data dir.
    pub fn for_data_dir(data_dir: PathBuf, database_url: Option<String>) -> Self {
        ServeArgs {
            bind: "127.0.0.1:0".into(),
            db: DbArgs {
                data_dir,
                database_url,
            },
            console_dir: None,
            public_url: None,
            cors_origins: Vec::new(),
            rate_limit_authenticated: 5000,
            rate_limit_anonymous: 60,
            rate_limit_registrations: 1000,
            page_issue_limit: 100,
            master_key: None,
            apns_url: "https://api.push.apple.com".into(),
            allow_private_webhooks: false,
            webhook_retry_base_seconds: 30,
            webhook_lease_seconds: 15,
            google_wallet_api_url: crate::google::DEFAULT_API_URL.into(),
            google_wallet_token_url: None,
            google_wallet_retry_base_seconds: 30,
            google_wallet_poll_ms: 2000,
            google_wallet_callback_keys_url: crate::google::DEFAULT_CALLBACK_KEYS_URL.into(),
            session_hours: 168,
            sign_in_limit_per_account: 10,
            sign_in_limit_per_ip: 100,
            audit_retention_days: 365,
            oidc_issuer: None,
            oidc_client_id: String::new(),
            oidc_client_secret: String::new(),
            oidc_role_claim: "passworks_role".into(),
            oidc_role_map: Vec::new(),
            oidc_name: "single sign-on".into(),
            console_token_seconds: 300,
            console_session_seconds: 3600,
            smtp: Default::default(),
            no_first_account: true,
        }
    }
}
