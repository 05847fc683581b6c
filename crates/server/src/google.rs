//! Google Wallet services (issue 13): service-account keys, RS256 JWTs (save links and the
//! OAuth2 JWT-bearer grant), the `walletobjects/v1` REST client and the sync worker.
//!
//! The mapping itself is `passworks_gwallet` (pure); records are `model::google`. The
//! worker keeps each tracked pass's Google object current through the durable queue
//! (`google_objects`, worked by `model::queue`): a row is due when its pass, campaign or
//! last push is newer than what was last sent. Work: PATCH the class when the campaign
//! changed (404 → insert), PATCH the object (404 → insert), and on a push with a message
//! `addMessage` within Google's quota. 429, 5xx and network errors are retried with
//! back-off; any other 4xx is recorded on the pass (`failed`, with Google's message) and
//! not retried until the pass changes. Google's answers are read with a size limit and
//! every request has a timeout.
//!
//! Without an issuer of its own an account signs with the instance-wide development
//! service account ([`ensure_development`]): links are structurally complete, but Google
//! refuses them, and every answer that carries one says so ([`DEVELOPMENT_NOTICE`]).

use crate::db::{format_time, now};
use crate::model::campaigns::CampaignRecord;
use crate::model::google::{self as store, IssuerRecord, SyncRecord, Versions};
use crate::model::passes::PassRecord;
use crate::model::queue::{self, Backoff, Lease, Worker};
use crate::model::{accounts, campaigns, certificates, passes, settings};
use crate::state::AppState;
use anyhow::Context as _;
use base64::Engine;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Signer;
use passworks_gwallet as gw;
use passworks_wire as wire;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Default base URL of Google's Wallet REST API (`--google-wallet-api-url`).
pub const DEFAULT_API_URL: &str = "https://walletobjects.googleapis.com/walletobjects/v1";

/// The OAuth2 scope of the Wallet API.
pub const SCOPE: &str = "https://www.googleapis.com/auth/wallet_object.issuer";

/// Issuer id of the development service account (not a Google issuer).
pub const DEV_ISSUER_ID: &str = "0000000000000000000";
/// E-mail of the development service account.
pub const DEV_CLIENT_EMAIL: &str = "passworks-development@development.invalid";
/// `settings` row holding the development issuer's id.
pub const SETTING_KEY: &str = "dev_google_issuer_id";

/// The message shown wherever the development service account signs.
pub const DEVELOPMENT_NOTICE: &str = wire::GOOGLE_DEVELOPMENT_NOTICE;

/// Largest answer read from Google (objects are a few KiB).
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// Timeout of one request to Google.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------------------------------
// Keys and JWTs

/// A service account's JSON key, as Google Cloud exports it (the fields we use).
#[derive(Debug, Clone)]
pub struct ServiceAccountKey {
    pub client_email: String,
    pub private_key_pem: String,
    pub private_key_id: Option<String>,
    pub token_uri: String,
    /// The public half, PEM.
    pub public_key_pem: String,
}

/// Reads and checks a service account key: an RSA private key, an e-mail, a token URI.
/// Errors are `(attribute, message)` pairs.
pub fn parse_key(v: &Value) -> Result<ServiceAccountKey, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::trim);
    if !v.is_object() {
        return Err(vec![(
            "service_account",
            "must be the service account's JSON key (an object, or that JSON as a string)".into(),
        )]);
    }
    if let Some(t) = s("type").filter(|t| *t != "service_account") {
        errors.push((
            "service_account",
            format!("is a {t:?} key, not a service_account key"),
        ));
    }
    let email = s("client_email").unwrap_or_default();
    if !email.contains('@') || email.len() > 255 {
        errors.push((
            "service_account",
            "client_email must be the service account's e-mail address".into(),
        ));
    }
    let token_uri = s("token_uri").unwrap_or_default();
    if url::Url::parse(token_uri)
        .map(|u| !matches!(u.scheme(), "https" | "http"))
        .unwrap_or(true)
    {
        errors.push((
            "service_account",
            "token_uri must be the URL of the key's token endpoint (https://oauth2.googleapis.com/token)".into(),
        ));
    }
    let pem = s("private_key").unwrap_or_default();
    let public = PKey::private_key_from_pem(pem.as_bytes())
        .ok()
        .filter(|k| k.rsa().is_ok())
        .and_then(|k| k.public_key_to_pem().ok())
        .and_then(|p| String::from_utf8(p).ok());
    if public.is_none() {
        errors.push((
            "service_account",
            "private_key must be the key's RSA private key in PEM".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ServiceAccountKey {
        client_email: email.to_string(),
        private_key_pem: pem.to_string(),
        private_key_id: s("private_key_id")
            .filter(|k| !k.is_empty())
            .map(str::to_string),
        token_uri: token_uri.to_string(),
        public_key_pem: public.unwrap_or_default(),
    })
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs `claims` as an RS256 JWT (`kid` in the header when given).
pub fn sign_jwt(
    private_key_pem: &str,
    kid: Option<&str>,
    claims: &Value,
) -> anyhow::Result<String> {
    let key = PKey::private_key_from_pem(private_key_pem.as_bytes())
        .context("reading the service account key")?;
    let mut header = json!({"alg": "RS256", "typ": "JWT"});
    if let Some(k) = kid {
        header["kid"] = k.into();
    }
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let mut signer = Signer::new(MessageDigest::sha256(), &key)?;
    signer.update(input.as_bytes())?;
    let sig = signer.sign_to_vec()?;
    Ok(format!("{input}.{}", b64(&sig)))
}

/// An issuer with its decrypted key, ready to sign.
#[derive(Clone)]
pub struct Signing {
    pub issuer: IssuerRecord,
    key_pem: Arc<String>,
}

impl std::fmt::Debug for Signing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signing")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl Signing {
    /// Signs claims with the issuer's key.
    pub fn sign(&self, claims: &Value) -> anyhow::Result<String> {
        sign_jwt(&self.key_pem, self.issuer.private_key_id.as_deref(), claims)
    }
}

/// Decrypted keys by issuer id (content never changes for an id; only saves work).
fn key_cache() -> &'static Mutex<HashMap<String, Arc<String>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<String>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The issuer acting for an account (its default, else the development one) with its key.
pub async fn signing_for(state: &AppState, account_id: &str) -> anyhow::Result<Signing> {
    let issuer = match store::effective_issuer(&state.db, account_id).await? {
        Some(i) => i,
        None => {
            ensure_development(state).await?;
            store::effective_issuer(&state.db, account_id)
                .await?
                .context("no Google issuer")?
        }
    };
    signing_of(state, issuer).await
}

/// The issuer of a campaign (the one it names, else the account's) with its key.
pub async fn signing_for_campaign(
    state: &AppState,
    campaign: &CampaignRecord,
) -> anyhow::Result<Signing> {
    let Some(id) = campaign.google_issuer_id.as_deref() else {
        return signing_for(state, &campaign.account_id).await;
    };
    match store::campaign_issuer(&state.db, &campaign.account_id, Some(id)).await? {
        Some(issuer) => signing_of(state, issuer).await,
        None => signing_for(state, &campaign.account_id).await,
    }
}

/// The key of an issuer, decrypted once per process.
pub async fn signing_of(state: &AppState, issuer: IssuerRecord) -> anyhow::Result<Signing> {
    if let Some(k) = key_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(&issuer.id).cloned())
    {
        return Ok(Signing { issuer, key_pem: k });
    }
    let enc = store::key_encrypted(&state.db, &issuer.id)
        .await?
        .context("the Google issuer disappeared")?;
    let pem = Arc::new(certificates::decrypt_key(&state.settings, &enc)?);
    if let Ok(mut c) = key_cache().lock() {
        c.insert(issuer.id.clone(), pem.clone());
    }
    Ok(Signing {
        issuer,
        key_pem: pem,
    })
}

/// Makes sure the instance-wide development service account exists (race-safe through a
/// `settings` row, like the development certificate).
pub async fn ensure_development(state: &AppState) -> anyhow::Result<IssuerRecord> {
    let db = &state.db;
    if let Some(i) = dev_issuer(state).await? {
        return Ok(i);
    }
    let existing = store::shared_development(db).await?;
    let (mine, inserted) = match existing {
        Some(i) => (i.id, false),
        None => {
            let pem = tokio::task::spawn_blocking(|| -> anyhow::Result<(String, String)> {
                let rsa = Rsa::generate(2048)?;
                let key: PKey<Private> = PKey::from_rsa(rsa)?;
                Ok((
                    String::from_utf8(key.private_key_to_pem_pkcs8()?)?,
                    String::from_utf8(key.public_key_to_pem()?)?,
                ))
            })
            .await??;
            let enc = certificates::encrypt_key(&state.settings, &pem.0)?;
            let id = store::insert_issuer(
                db,
                &store::NewIssuer {
                    account_id: None,
                    issuer_id: DEV_ISSUER_ID,
                    client_email: DEV_CLIENT_EMAIL,
                    token_uri: "https://oauth2.googleapis.com/token",
                    private_key_id: None,
                    key_encrypted: &enc,
                    public_key_pem: &pem.1,
                    development: true,
                },
            )
            .await?;
            (id, true)
        }
    };
    let winner = settings::insert_or_get(db, SETTING_KEY, &mine).await?;
    if winner != mine && inserted {
        store::delete_shared(db, &mine).await?;
    }
    dev_issuer(state)
        .await?
        .context("the development Google issuer disappeared")
}

async fn dev_issuer(state: &AppState) -> anyhow::Result<Option<IssuerRecord>> {
    let Some(id) = settings::get(&state.db, SETTING_KEY).await? else {
        return Ok(None);
    };
    Ok(store::shared_development(&state.db)
        .await?
        .filter(|i| i.id == id))
}

// ---------------------------------------------------------------------------------------
// Mapping glue

/// Turns records into wire types (the API layer's conversion, handed in by `lib.rs` so
/// that this layer does not depend on the API layer).
pub type Render = fn(&AppState, &CampaignRecord, &PassRecord, &str) -> (wire::Campaign, wire::Pass);

/// A pass mapped for Google with one issuer.
#[derive(Debug, Clone)]
pub struct Mapped {
    pub vertical: gw::Vertical,
    pub class: Value,
    pub object: Value,
    /// What Google would refuse (empty when nothing).
    pub errors: std::collections::BTreeMap<String, Vec<String>>,
}

/// Maps a pass for `issuer`.
pub fn map(
    state: &AppState,
    issuer: &IssuerRecord,
    campaign: &wire::Campaign,
    pass: &wire::Pass,
) -> Mapped {
    let ts = now();
    let callback = state.url("/google_wallet/callbacks");
    let ctx = gw::Context {
        issuer_id: &issuer.issuer_id,
        public_url: &state.settings.public_url,
        now: &ts,
        callback_url: Some(&callback),
    };
    let mut errors = gw::validate(campaign, Some(pass));
    if !issuer.development && !state.settings.public_url.starts_with("https://") {
        errors.entry("base".into()).or_default().push(format!(
            "Google fetches images only over HTTPS, and this server's public URL is {}: \
             set --public-url to its https:// address",
            state.settings.public_url
        ));
    }
    Mapped {
        vertical: gw::Vertical::for_campaign(campaign.campaign_type, campaign.transit_type),
        class: gw::class_json(campaign, &ctx),
        object: gw::object_json(campaign, pass, &ctx),
        errors,
    }
}

/// The origins a save JWT names: this server.
pub fn origins(state: &AppState) -> Vec<String> {
    url::Url::parse(&state.settings.public_url)
        .map(|u| vec![u.origin().ascii_serialization()])
        .unwrap_or_default()
}

/// A signed save link and how it was made.
#[derive(Debug, Clone)]
pub struct SaveLink {
    pub url: String,
    pub jwt: String,
    /// Something was inserted over REST first: the class (the JWT carries the object), or
    /// the class and the object (the JWT carries only their ids).
    pub rest_first: bool,
}

/// Signs the save JWT of a mapped pass. The whole class and object when that fits in
/// [`gw::MAX_SAVE_JWT`] characters; otherwise (a real issuer) the class is inserted over
/// REST first and the JWT carries the object, and when even that is too long the object
/// is inserted too and the JWT carries only the ids. The development service account
/// cannot reach Google, so its links always carry everything.
pub async fn save_link(
    state: &AppState,
    signing: &Signing,
    mapped: &Mapped,
) -> anyhow::Result<SaveLink> {
    let iat = chrono::Utc::now().timestamp();
    let origins = origins(state);
    let sign =
        |class: Option<Value>, object: Value, rest_first: bool| -> anyhow::Result<SaveLink> {
            let claims = gw::save_claims(
                &signing.issuer.client_email,
                &origins,
                iat,
                mapped.vertical,
                class,
                object,
            );
            let jwt = signing.sign(&claims)?;
            Ok(SaveLink {
                url: format!("{}{jwt}", gw::SAVE_URL_PREFIX),
                jwt,
                rest_first,
            })
        };
    let full = sign(Some(mapped.class.clone()), mapped.object.clone(), false)?;
    if full.jwt.len() <= gw::MAX_SAVE_JWT || signing.issuer.development {
        return Ok(full);
    }
    let client = Client::new(state, signing.clone());
    client
        .upsert(&mapped.vertical.class_resource(), &mapped.class)
        .await
        .into_result()
        .context("inserting the class")?;
    let object_only = sign(None, mapped.object.clone(), true)?;
    if object_only.jwt.len() <= gw::MAX_SAVE_JWT {
        return Ok(object_only);
    }
    client
        .upsert(&mapped.vertical.object_resource(), &mapped.object)
        .await
        .into_result()
        .context("inserting the object")?;
    sign(None, gw::object_reference(&mapped.object), true)
}

// ---------------------------------------------------------------------------------------
// REST client

/// The result of one call to Google.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Ok(Value),
    NotFound,
    /// 429, 5xx, timeouts, network errors: try again later.
    Transient(String),
    /// Any other 4xx: Google refuses this content.
    Refused(String),
}

impl Outcome {
    fn into_result(self) -> anyhow::Result<Value> {
        match self {
            Outcome::Ok(v) => Ok(v),
            Outcome::NotFound => anyhow::bail!("Google answered 404"),
            Outcome::Transient(m) | Outcome::Refused(m) => anyhow::bail!("{m}"),
        }
    }
}

fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

/// Reads at most [`MAX_RESPONSE_BYTES`] of a response; more is an error.
async fn read_limited(mut resp: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        if out.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(format!(
                "Google's answer is larger than {} KiB",
                MAX_RESPONSE_BYTES / 1024
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Google's error message from an error body (`{"error": {"message": …}}`).
fn google_message(status: u16, body: &[u8]) -> String {
    let msg = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(500)]).into_owned());
    format!("Google answered {status}: {msg}")
}

/// Access tokens by issuer id, kept until a minute before they expire.
fn token_cache() -> &'static Mutex<HashMap<String, (String, Instant)>> {
    static CACHE: OnceLock<Mutex<HashMap<String, (String, Instant)>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// A client of the Wallet REST API acting as one issuer.
pub struct Client<'a> {
    state: &'a AppState,
    signing: Signing,
}

impl<'a> Client<'a> {
    pub fn new(state: &'a AppState, signing: Signing) -> Self {
        Client { state, signing }
    }

    /// An OAuth2 access token from the key's token URI (JWT-bearer grant), cached.
    async fn token(&self) -> Result<String, Outcome> {
        let id = &self.signing.issuer.id;
        if let Some((t, until)) = token_cache().lock().ok().and_then(|c| c.get(id).cloned()) {
            if until > Instant::now() {
                return Ok(t);
            }
        }
        let aud = &self.signing.issuer.token_uri;
        let url = self
            .state
            .settings
            .google_token_url
            .clone()
            .unwrap_or_else(|| aud.clone());
        let iat = chrono::Utc::now().timestamp();
        let assertion = self
            .signing
            .sign(&json!({
                "iss": self.signing.issuer.client_email,
                "scope": SCOPE,
                "aud": aud,
                "iat": iat,
                "exp": iat + 3600,
            }))
            .map_err(|e| Outcome::Refused(format!("signing the token request failed: {e}")))?;
        let resp = http()
            .post(&url)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| Outcome::Transient(format!("token request failed: {e}")))?;
        let status = resp.status().as_u16();
        let body = read_limited(resp).await.map_err(Outcome::Transient)?;
        if status != 200 {
            let m = format!("token endpoint: {}", google_message(status, &body));
            return Err(if status == 429 || status >= 500 {
                Outcome::Transient(m)
            } else {
                Outcome::Refused(m)
            });
        }
        let v: Value = serde_json::from_slice(&body)
            .map_err(|_| Outcome::Transient("the token endpoint answered no JSON".into()))?;
        let token = v["access_token"]
            .as_str()
            .ok_or_else(|| Outcome::Transient("the token endpoint sent no access_token".into()))?
            .to_string();
        let ttl = v["expires_in"].as_i64().unwrap_or(3600).clamp(60, 86_400) as u64;
        if let Ok(mut c) = token_cache().lock() {
            c.insert(
                id.clone(),
                (
                    token.clone(),
                    Instant::now() + Duration::from_secs(ttl - 60),
                ),
            );
        }
        Ok(token)
    }

    /// One request to `<api url>/<path>`.
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Outcome {
        let token = match self.token().await {
            Ok(t) => t,
            Err(o) => return o,
        };
        let url = format!(
            "{}/{path}",
            self.state.settings.google_api_url.trim_end_matches('/')
        );
        let mut req = http().request(method, &url).bearer_auth(&token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Outcome::Transient(format!("request to Google failed: {e}")),
        };
        let status = resp.status().as_u16();
        let body = match read_limited(resp).await {
            Ok(b) => b,
            Err(e) => return Outcome::Transient(e),
        };
        match status {
            200..=299 => Outcome::Ok(serde_json::from_slice(&body).unwrap_or(Value::Null)),
            401 => {
                // A revoked or expired token: forget it and try again later.
                if let Ok(mut c) = token_cache().lock() {
                    c.remove(&self.signing.issuer.id);
                }
                Outcome::Transient(google_message(status, &body))
            }
            404 => Outcome::NotFound,
            429 | 500..=599 => Outcome::Transient(google_message(status, &body)),
            _ => Outcome::Refused(google_message(status, &body)),
        }
    }

    /// PATCH a resource, inserting it when Google does not know it (404 → insert).
    pub async fn upsert(&self, collection: &str, resource: &Value) -> Outcome {
        let id = resource["id"].as_str().unwrap_or_default();
        let path = format!("{collection}/{}", urlencode(id));
        match self
            .call(reqwest::Method::PATCH, &path, Some(resource))
            .await
        {
            Outcome::NotFound => {
                match self
                    .call(reqwest::Method::POST, collection, Some(resource))
                    .await
                {
                    // Another writer (the sync worker, or a save link made REST-first at
                    // the same moment) inserted it between our PATCH and POST: Google
                    // answers 409, and the resource now takes the PATCH. A refusal of
                    // the content itself stays a refusal (the PATCH finds nothing).
                    Outcome::Refused(refusal) => match self
                        .call(reqwest::Method::PATCH, &path, Some(resource))
                        .await
                    {
                        Outcome::NotFound => Outcome::Refused(refusal),
                        other => other,
                    },
                    other => other,
                }
            }
            other => other,
        }
    }

    /// `addMessage` on an object.
    pub async fn add_message(&self, collection: &str, id: &str, message: &Value) -> Outcome {
        let path = format!("{collection}/{}/addMessage", urlencode(id));
        self.call(reqwest::Method::POST, &path, Some(message)).await
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

// ---------------------------------------------------------------------------------------
// Sync worker

/// Retries after 429/5xx: base doubling, at most an hour apart, 12 attempts.
pub fn backoff(base_secs: i64) -> Backoff {
    Backoff {
        base_secs: base_secs.max(1),
        max_secs: 3600,
        max_attempts: Some(12),
        window: None,
    }
}

struct SyncWorker {
    state: AppState,
    render: Render,
    queue: queue::Queue,
}

impl Worker for SyncWorker {
    type Item = SyncRecord;

    fn queue(&self) -> &queue::Queue {
        &self.queue
    }

    fn item(&self, row: &sqlx::any::AnyRow) -> Result<SyncRecord, sqlx::Error> {
        store::sync_from_row(row)
    }

    async fn work(self: Arc<Self>, lease: Lease, item: SyncRecord) -> anyhow::Result<()> {
        sync_one(&self.state, self.render, &lease, &item).await
    }
}

/// Starts the sync worker: it also starts tracking the passes of accounts with a real
/// issuer, a few hundred per poll.
pub fn spawn_worker(state: AppState, render: Render) {
    let idle = Duration::from_millis(state.settings.google_poll_ms.max(50));
    let worker = Arc::new(SyncWorker {
        state: state.clone(),
        render,
        queue: store::sync_queue(idle),
    });
    tokio::spawn(async move {
        loop {
            if let Err(e) = store::discover(&state.db, 500).await {
                tracing::warn!(error = %e, "google: tracking new passes failed");
            }
            match queue::run_batch(&state.db, &worker).await {
                Ok(0) => tokio::time::sleep(idle).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "google sync worker");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    });
}

/// What one sync attempt came to.
enum Step {
    Done(Option<String>),
    Retry(String),
    Failed(String),
}

/// Syncs one pass and settles its row.
async fn sync_one(
    state: &AppState,
    render: Render,
    lease: &Lease,
    item: &SyncRecord,
) -> anyhow::Result<()> {
    let Some(v) = store::versions(&state.db, &item.pass_id).await? else {
        return Ok(()); // The pass is gone; its row went with it.
    };
    let step = attempt(state, render, item, &v).await?;
    match step {
        Step::Done(note) => {
            store::settle(&state.db, lease, &item.id, &v, "synced", note.as_deref()).await?;
        }
        Step::Failed(e) => {
            store::settle(&state.db, lease, &item.id, &v, "failed", Some(&e)).await?;
        }
        Step::Retry(e) => {
            let attempts = item.attempts + 1;
            let created = chrono::DateTime::parse_from_rfc3339(&item.created_at)
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or_else(|_| chrono::Utc::now());
            match backoff(state.settings.google_retry_base_seconds).next_attempt(
                attempts,
                created,
                chrono::Utc::now(),
            ) {
                Some(next) => {
                    store::retry(&state.db, lease, &item.id, attempts, &format_time(next), &e)
                        .await?;
                }
                None => {
                    let msg = format!("gave up after {attempts} attempts: {e}");
                    store::settle(&state.db, lease, &item.id, &v, "failed", Some(&msg)).await?;
                }
            }
        }
    }
    Ok(())
}

/// One attempt: class (when its campaign changed), object, message.
// Long because it runs the three steps in order, each with its four outcomes.
async fn attempt(
    state: &AppState,
    render: Render,
    item: &SyncRecord,
    v: &Versions,
) -> anyhow::Result<Step> {
    let db = &state.db;
    let (Some(pass), Some(campaign)) = (
        passes::load_by_id(db, &item.pass_id).await?,
        campaigns::load_by_id(db, &item.campaign_id).await?,
    ) else {
        return Ok(Step::Done(None));
    };
    let account_name = accounts::load(db, &item.account_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let signing = signing_for_campaign(state, &campaign).await?;
    if signing.issuer.development {
        return Ok(Step::Failed(DEVELOPMENT_NOTICE.into()));
    }
    let (wc, wp) = render(state, &campaign, &pass, &account_name);
    let mapped = map(state, &signing.issuer, &wc, &wp);
    if !mapped.errors.is_empty() {
        let msg = mapped
            .errors
            .iter()
            .flat_map(|(k, ms)| ms.iter().map(move |m| format!("{k} {m}")))
            .collect::<Vec<_>>()
            .join("; ");
        return Ok(Step::Failed(format!(
            "Google would refuse this pass: {msg}"
        )));
    }
    let client = Client::new(state, signing);
    let pushed = !v.push.is_empty() && v.push > item.push_version;
    if store::class_version(db, &campaign.id).await?.as_deref() != Some(v.campaign.as_str()) {
        match client
            .upsert(&mapped.vertical.class_resource(), &mapped.class)
            .await
        {
            Outcome::Ok(_) => store::set_class_version(db, &campaign.id, &v.campaign).await?,
            Outcome::Transient(e) => return Ok(Step::Retry(e)),
            Outcome::Refused(e) => return Ok(Step::Failed(format!("class: {e}"))),
            Outcome::NotFound => return Ok(Step::Retry("class: Google answered 404".into())),
        }
    }
    let mut object = mapped.object.clone();
    if pushed {
        // A push notifies the holder of the changed fields.
        object["notifyPreference"] = "NOTIFY_ON_UPDATE".into();
    }
    let mut outcome = client
        .upsert(&mapped.vertical.object_resource(), &object)
        .await;
    if outcome == Outcome::NotFound {
        // The class is missing at Google (another issuer sent it before): send it again.
        if let Outcome::Ok(_) = client
            .upsert(&mapped.vertical.class_resource(), &mapped.class)
            .await
        {
            store::set_class_version(db, &campaign.id, &v.campaign).await?;
            outcome = client
                .upsert(&mapped.vertical.object_resource(), &object)
                .await;
        }
    }
    match outcome {
        Outcome::Ok(_) => {}
        Outcome::Transient(e) => return Ok(Step::Retry(e)),
        Outcome::Refused(e) => return Ok(Step::Failed(format!("object: {e}"))),
        Outcome::NotFound => return Ok(Step::Retry("object: Google answered 404".into())),
    }
    let Some(message) = v.message.as_deref().filter(|_| pushed) else {
        return Ok(Step::Done(None));
    };
    let since = format_time(chrono::Utc::now() - chrono::Duration::hours(24));
    if store::messages_since(db, &pass.id, &since).await? >= gw::MESSAGES_PER_DAY as i64 {
        return Ok(Step::Done(Some(format!(
            "message not sent: Google allows {} messages per pass per 24 hours",
            gw::MESSAGES_PER_DAY
        ))));
    }
    let object_id = mapped.object["id"].as_str().unwrap_or_default();
    let body = gw::message_json(&format!("push-{}", v.push), &wc.name, message);
    match client
        .add_message(&mapped.vertical.object_resource(), object_id, &body)
        .await
    {
        Outcome::Ok(_) => {
            store::record_message(db, &pass.id, message).await?;
            Ok(Step::Done(None))
        }
        Outcome::Transient(e) => Ok(Step::Retry(e)),
        Outcome::Refused(e) => Ok(Step::Done(Some(format!("message: {e}")))),
        Outcome::NotFound => Ok(Step::Retry("addMessage: Google answered 404".into())),
    }
}

// ---------------------------------------------------------------------------------------
// Download page

/// Which wallet a visitor's device has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Android,
    Apple,
    Other,
}

/// The visitor's device, from its `User-Agent`.
pub fn device(headers: &axum::http::HeaderMap) -> Device {
    let ua = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ua.contains("Android") {
        Device::Android
    } else if ["iPhone", "iPad", "iPod", "Macintosh", "Mac OS X"]
        .iter()
        .any(|k| ua.contains(k))
    {
        Device::Apple
    } else {
        Device::Other
    }
}

/// The "Add to Apple Wallet" and "Add to Google Wallet" buttons of a download page, the
/// one that fits the visitor's device first, with the development note when the
/// account's Google links are signed by the development service account. `apple_refusal`
/// (HTML) replaces the Apple button for a pass that Wallet would refuse.
pub async fn wallet_buttons(
    state: &AppState,
    campaign: &CampaignRecord,
    pass: &PassRecord,
    headers: &axum::http::HeaderMap,
    apple_refusal: Option<&str>,
) -> String {
    let base = format!("/p/{}/{}", campaign.page_token, pass.download_token);
    // A pass that cannot be built gets the page's explanation (HTML) instead of a button.
    let apple = apple_refusal.map(str::to_owned).unwrap_or_else(|| {
        format!("<a class=\"pw-add\" id=\"pw-add\" href=\"{base}.pkpass\">Add to Apple Wallet</a>")
    });
    let google = format!(
        "<a class=\"pw-add pw-add-google\" id=\"pw-add-google\" href=\"/g/{}/{}\">Add to Google Wallet</a>",
        campaign.page_token, pass.download_token
    );
    let development = match store::campaign_issuer(
        &state.db,
        &campaign.account_id,
        campaign.google_issuer_id.as_deref(),
    )
    .await
    {
        Ok(Some(i)) => i.development,
        _ => true,
    };
    let note = if development {
        format!(
            "<p class=\"pw-note\" id=\"pw-google-development\">{}</p>",
            crate::pages::esc(DEVELOPMENT_NOTICE)
        )
    } else {
        String::new()
    };
    match device(headers) {
        Device::Android => format!("<div class=\"pw-wallets\">{google} {apple}</div>{note}"),
        _ => format!("<div class=\"pw-wallets\">{apple} {google}</div>{note}"),
    }
}

// ---------------------------------------------------------------------------------------
// Save/delete callbacks (ECv2SigningOnly)

/// Default URL of Google's root signing keys (`--google-wallet-callback-keys-url`).
pub const DEFAULT_CALLBACK_KEYS_URL: &str =
    "https://payments.developers.google.com/paymentmethodtoken/keys.json";
/// The sender id of Google Wallet callbacks.
pub const CALLBACK_SENDER_ID: &str = "GooglePayPasses";
/// The protocol of Google Wallet callbacks.
pub const CALLBACK_PROTOCOL: &str = "ECv2SigningOnly";
/// How long fetched root keys are used before they are fetched again.
pub const ROOT_KEYS_TTL: Duration = Duration::from_secs(3600);

/// A verified callback message.
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    pub class_id: String,
    pub object_id: String,
    /// `save` or `del`.
    pub event_type: String,
    pub nonce: String,
}

/// Tink's length-value encoding of the signed strings: each part as its 4-byte
/// little-endian length and its UTF-8 bytes.
pub fn length_value(parts: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(p.as_bytes());
    }
    out
}

fn ecdsa_ok(key_b64: &str, signature_b64: &str, data: &[u8]) -> bool {
    let std = base64::engine::general_purpose::STANDARD;
    let (Ok(der), Ok(sig)) = (std.decode(key_b64), std.decode(signature_b64)) else {
        return false;
    };
    let Ok(key) = PKey::public_key_from_der(&der) else {
        return false;
    };
    if key.ec_key().is_err() {
        return false;
    }
    openssl::sign::Verifier::new(MessageDigest::sha256(), &key)
        .and_then(|mut v| {
            v.update(data)?;
            v.verify(&sig)
        })
        .unwrap_or(false)
}

fn expired(ms: Option<&str>, now_ms: i64) -> bool {
    ms.and_then(|m| m.parse::<i64>().ok())
        .is_none_or(|m| m <= now_ms)
}

/// Verifies a callback body as Google's ECv2SigningOnly scheme defines it (as Tink's
/// `PaymentMethodTokenRecipient` does): the intermediate signing key is signed by a
/// non-expired root key over `(sender id, protocol, signedKey)`, has not expired, and
/// signs `(sender id, recipient id, protocol, signedMessage)`; the recipient is the issuer
/// id the message's class belongs to, which the caller checks is one of ours.
pub fn verify_callback(
    body: &Value,
    root_keys: &Value,
    now_ms: i64,
) -> Result<(String, Callback), String> {
    if body["protocolVersion"] != CALLBACK_PROTOCOL {
        return Err(format!("protocolVersion must be {CALLBACK_PROTOCOL}"));
    }
    let signed_message = body["signedMessage"].as_str().ok_or("no signedMessage")?;
    let signature = body["signature"].as_str().ok_or("no signature")?;
    let inter = &body["intermediateSigningKey"];
    let signed_key = inter["signedKey"]
        .as_str()
        .ok_or("no intermediateSigningKey.signedKey")?;
    let key_signatures: Vec<&str> = inter["signatures"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let roots: Vec<&str> = root_keys["keys"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|k| k["protocolVersion"] == CALLBACK_PROTOCOL)
                .filter(|k| !expired(k["keyExpiration"].as_str(), now_ms))
                .filter_map(|k| k["keyValue"].as_str())
                .collect()
        })
        .unwrap_or_default();
    let key_data = length_value(&[CALLBACK_SENDER_ID, CALLBACK_PROTOCOL, signed_key]);
    let root_ok = roots
        .iter()
        .any(|r| key_signatures.iter().any(|s| ecdsa_ok(r, s, &key_data)));
    if !root_ok {
        return Err("the intermediate signing key is not signed by a current root key".into());
    }
    let key: Value = serde_json::from_str(signed_key).map_err(|_| "signedKey is not JSON")?;
    if expired(key["keyExpiration"].as_str(), now_ms) {
        return Err("the intermediate signing key has expired".into());
    }
    let message: Value =
        serde_json::from_str(signed_message).map_err(|_| "signedMessage is not JSON")?;
    let class_id = message["classId"].as_str().unwrap_or_default().to_string();
    let recipient = class_id.split('.').next().unwrap_or_default().to_string();
    let data = length_value(&[
        CALLBACK_SENDER_ID,
        &recipient,
        CALLBACK_PROTOCOL,
        signed_message,
    ]);
    if !ecdsa_ok(
        key["keyValue"].as_str().unwrap_or_default(),
        signature,
        &data,
    ) {
        return Err("the message signature does not verify".into());
    }
    if message["expTimeMillis"]
        .as_i64()
        .is_some_and(|t| t <= now_ms)
    {
        return Err("the message has expired".into());
    }
    let s = |k: &str| message[k].as_str().unwrap_or_default().to_string();
    let cb = Callback {
        class_id,
        object_id: s("objectId"),
        event_type: s("eventType"),
        nonce: s("nonce"),
    };
    if !matches!(cb.event_type.as_str(), "save" | "del") || cb.nonce.is_empty() {
        return Err("the message needs eventType save|del and a nonce".into());
    }
    Ok((recipient, cb))
}

/// Google's root signing keys, fetched from the configured URL and cached.
pub async fn root_keys(state: &AppState) -> anyhow::Result<Value> {
    static CACHE: OnceLock<Mutex<Option<(Value, Instant)>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let url = &state.settings.google_callback_keys_url;
    if let Some((v, until)) = cache.lock().ok().and_then(|c| c.clone()) {
        if until > Instant::now() && v["_url"] == url.as_str() {
            return Ok(v);
        }
    }
    let resp = http().get(url).send().await?;
    let status = resp.status();
    let body = read_limited(resp).await.map_err(anyhow::Error::msg)?;
    anyhow::ensure!(status.is_success(), "the root keys URL answered {status}");
    let mut v: Value = serde_json::from_slice(&body)?;
    v["_url"] = url.as_str().into();
    if let Ok(mut c) = cache.lock() {
        *c = Some((v.clone(), Instant::now() + ROOT_KEYS_TTL));
    }
    Ok(v)
}
