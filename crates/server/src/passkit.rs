//! Apple's PassKit web service (the `webServiceURL` of every pass is
//! `<public url>/passkit`; Wallet appends `/v1/…`):
//!
//! | Method | Path (under `/passkit/v1`) | Answer |
//! |---|---|---|
//! | POST | `/devices/{device}/registrations/{passTypeIdentifier}/{serial}` `{"pushToken"}` | 201 new, 200 already registered |
//! | DELETE | same | 200 |
//! | GET | `/devices/{device}/registrations/{passTypeIdentifier}?passesUpdatedSince=tag` | 200 `{"serialNumbers","lastUpdated"}`, 204 nothing changed |
//! | GET | `/passes/{passTypeIdentifier}/{serial}` | 200 latest `.pkpass` (`Last-Modified`, `ETag`), 304 unchanged |
//! | POST | `/passes/{passTypeIdentifier}/{serial}/personalize` `{"personalizationToken","requiredPersonalizationInfo"}` | 200 the signed token (`application/octet-stream`) |
//! | POST | `/log` `{"logs":[…]}` | 200 (413 over 16 KiB, 429 over the hourly limit) |
//!
//! Calls about one pass carry `Authorization: ApplePass <authenticationToken>` (Apple
//! Wallet, Pass2U, PassWallet) or `AndroidPass <token>` (WalletPasses); a wrong token, an
//! unknown serial number or a pass type the pass does not have answers 401. The wallet
//! (§14 ids) and device OS of a registration come from the scheme and the `User-Agent`.
//!
//! Registering records `installed`, unregistering `uninstalled`, a successful download
//! `fetched` (and `passes.last_fetched_at`), a sign-up `personalized`, each through
//! [`crate::events::record`] in the transaction that made the change.
//!
//! Rewards enrollment (Apple's "Return a Personalized Pass"): a pass whose options carry
//! `apple.personalization` makes Wallet show a sign-up form and post the holder's data
//! with a personalization token. The data is stored on the pass (once: the same token
//! again is answered the same, another token 409), the token is signed with the pass's
//! certificate (detached PKCS#7, DER) and returned; the next download is the personalized
//! pass, without the form. Apple's endpoint documents no `Authorization` header: one that
//! is sent must be the pass's; a pass that asks for no personalization answers 404. The update tag (`lastUpdated`) is the stored time of
//! the latest change of the device's passes: pass update, campaign update or push.
//!
//! Limits (the README's "Limits"): a pass holds at most [`MAX_DEVICES_PER_PASS`]
//! registrations (a further device is refused with 403 until one unregisters);
//! registration calls are counted per client IP and hour (`--rate-limit-registrations`,
//! 429 with `Retry-After` beyond); device logs are at most 16 KiB a request,
//! [`MAX_LOG_MESSAGES`] messages of [`MAX_LOG_CHARS`] characters each, with control
//! characters escaped so one message is one log line, and [`LOG_REQUESTS_PER_HOUR`]
//! requests per client IP and hour; a personalization body is at most
//! [`PERSONALIZE_BODY_LIMIT`] bytes (413 beyond; each value at most 255 characters,
//! the token [`MAX_PERSONALIZATION_TOKEN`]), with the registrations' hourly limit per IP
//! (counted apart).

use crate::apns::{certificate_of_campaign, modified_at};
use crate::error::ApiError;
use crate::model::campaigns;
use crate::model::devices::{self, Registered, Registering};
use crate::model::events::{record, NewEvent};
use crate::model::passes::{self, PassKey, PassRecord, Personalized};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use passworks_wire::apple::{PersonalizationField, PersonalizationInfo};
use passworks_wire::EventKind;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use subtle::ConstantTimeEq;

/// Longest accepted device library identifier, push token or pass type identifier.
const MAX_ID: usize = 256;

/// Most devices registered for one pass (a phone, a watch, a second phone, …).
pub const MAX_DEVICES_PER_PASS: i64 = 10;

/// Largest accepted body of `POST /log`.
pub const LOG_BODY_LIMIT: usize = 16 * 1024;

/// Most messages of one `POST /log` request that are logged.
pub const MAX_LOG_MESSAGES: usize = 20;

/// Most characters of one device message that are logged (longer ones end in `…`).
pub const MAX_LOG_CHARS: usize = 500;

/// `POST /log` requests accepted from one client IP per hour.
pub const LOG_REQUESTS_PER_HOUR: i64 = 60;

/// Largest accepted body of `POST …/personalize` (a token and a few short values).
pub const PERSONALIZE_BODY_LIMIT: usize = 8 * 1024;

/// Longest accepted personalization token.
pub const MAX_PERSONALIZATION_TOKEN: usize = 1024;

/// Routes of the web service (absolute paths, outside `/v2`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/passkit/v1/devices/{device}/registrations/{pass_type}/{serial}",
            post(register).delete(unregister),
        )
        .route(
            "/passkit/v1/devices/{device}/registrations/{pass_type}",
            get(updated_serials),
        )
        .route("/passkit/v1/passes/{pass_type}/{serial}", get(latest_pass))
        .route(
            "/passkit/v1/passes/{pass_type}/{serial}/personalize",
            post(personalize).layer(DefaultBodyLimit::max(PERSONALIZE_BODY_LIMIT)),
        )
        .route(
            "/passkit/v1/log",
            post(log).layer(DefaultBodyLimit::max(LOG_BODY_LIMIT)),
        )
}

/// Who is calling: the wallet app and device OS, from the authorization scheme and the
/// user agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletClient {
    /// Wallet id of §14 (`passbook`, `wallet_passes`, `pass2u`, `passwallet`, …).
    pub wallet: &'static str,
    /// `ios` or `android`.
    pub device_os: &'static str,
}

impl WalletClient {
    /// The `wallet_type` of webhook payloads (`apple_wallet` for Apple Wallet, else the
    /// wallet id).
    pub fn wallet_type(&self) -> &'static str {
        match self.wallet {
            "passbook" => "apple_wallet",
            other => other,
        }
    }
}

/// Reads `Authorization: ApplePass|AndroidPass <token>`; `None` without one.
pub fn parse_authorization(headers: &HeaderMap) -> Option<(String, String)> {
    let raw = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = raw.split_once(' ')?;
    let token = token.trim();
    if token.is_empty() {
        return None;
    }
    Some((scheme.to_ascii_lowercase(), token.to_string()))
}

/// Recognises the wallet app from the scheme (`applepass`/`androidpass`, lowercase) and
/// the `User-Agent`.
pub fn identify(scheme: Option<&str>, user_agent: &str) -> WalletClient {
    let ua = user_agent.to_ascii_lowercase();
    let wallet = if ua.contains("pass2u") {
        "pass2u"
    } else if ua.contains("passwallet") {
        "passwallet"
    } else if ua.contains("walletpasses") || ua.contains("wallet passes") {
        "wallet_passes"
    } else if ua.contains("passworks") {
        "passworks_wallet"
    } else if scheme == Some("androidpass") {
        "wallet_passes"
    } else {
        "passbook"
    };
    let android = wallet != "passbook" || ua.contains("android") || scheme == Some("androidpass");
    WalletClient {
        wallet,
        device_os: if android { "android" } else { "ios" },
    }
}

fn client_of(headers: &HeaderMap) -> WalletClient {
    let scheme = parse_authorization(headers).map(|(s, _)| s);
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    identify(scheme.as_deref(), ua)
}

fn status(code: StatusCode) -> Response {
    code.into_response()
}

/// A failure answered with a bare status (Wallet reads only the status).
struct Failure(StatusCode);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        status(self.0)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "PassKit web service: database error");
        Failure(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

type Answer = Result<Response, Failure>;

/// Counts a request of `ip` in `bucket`'s hourly window: `Some(429 with Retry-After)` once
/// more than `limit` were made.
async fn over_limit(
    state: &AppState,
    bucket: &str,
    ip: std::net::IpAddr,
    limit: i64,
) -> Result<Option<Response>, Failure> {
    let (count, reset) = state
        .tally
        .count_request(&state.db, &format!("{bucket}:{ip}"), limit)
        .await?;
    if count <= limit {
        return Ok(None);
    }
    let retry_after = (reset - chrono::Utc::now().timestamp()).max(1);
    Ok(Some(
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, retry_after.to_string())],
        )
            .into_response(),
    ))
}

/// The pass named by the path when the request carries its authentication token and the
/// pass has that pass type; 401 otherwise.
async fn authorized_pass(
    state: &AppState,
    headers: &HeaderMap,
    pass_type: &str,
    serial: &str,
) -> Result<PassRecord, Failure> {
    let token = authorization_token(headers, pass_type, serial)?;
    let pass = passes::load_by_serial(&state.db, serial)
        .await?
        .ok_or(Failure(StatusCode::UNAUTHORIZED))?;
    check_token(&pass, &token)?;
    check_pass_type(state, &pass, pass_type).await?;
    Ok(pass)
}

/// The token of a request's `ApplePass`/`AndroidPass` authorization (401 without one, or
/// when the path's identifiers are too long to be a pass's).
fn authorization_token(
    headers: &HeaderMap,
    pass_type: &str,
    serial: &str,
) -> Result<String, Failure> {
    let unauthorized = Failure(StatusCode::UNAUTHORIZED);
    let (scheme, token) = parse_authorization(headers).ok_or(Failure(StatusCode::UNAUTHORIZED))?;
    if scheme != "applepass" && scheme != "androidpass" {
        return Err(unauthorized);
    }
    if serial.len() > MAX_ID || pass_type.len() > MAX_ID {
        return Err(unauthorized);
    }
    Ok(token)
}

/// 401 unless `token` is `pass`'s authentication token (compared in constant time).
fn check_token(pass: &PassRecord, token: &str) -> Result<(), Failure> {
    let good: bool = pass
        .authentication_token
        .as_bytes()
        .ct_eq(token.as_bytes())
        .into();
    good.then_some(()).ok_or(Failure(StatusCode::UNAUTHORIZED))
}

/// 401 unless `pass` is signed with a certificate of `pass_type`.
async fn check_pass_type(
    state: &AppState,
    pass: &PassRecord,
    pass_type: &str,
) -> Result<(), Failure> {
    let mut conn = state.db.pool.acquire().await?;
    let cert = certificate_of_campaign(&mut conn, &pass.campaign_id).await?;
    if cert.map(|c| c.pass_type_identifier).as_deref() != Some(pass_type) {
        return Err(Failure(StatusCode::UNAUTHORIZED));
    }
    Ok(())
}

fn valid_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_ID && s.chars().all(|c| c.is_ascii_graphic())
}

async fn register(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((device, pass_type, serial)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let limit = state.settings.rate_limit_registrations;
    if let Some(refused) = over_limit(&state, "register", peer.ip(), limit).await? {
        return Ok(refused);
    }
    let pass = authorized_pass(&state, &headers, &pass_type, &serial).await?;
    let push_token = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| {
            v.get("pushToken")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .filter(|t| valid_id(t));
    let (Some(push_token), true) = (push_token, valid_id(&device)) else {
        return Ok(status(StatusCode::BAD_REQUEST));
    };
    let client = client_of(&headers);
    let mut tx = state.db.begin().await?;
    let registering = Registering {
        device_library_id: &device,
        push_token: &push_token,
        wallet: client.wallet,
        device_os: client.device_os,
    };
    let id = match devices::register(&mut tx, &pass, registering, MAX_DEVICES_PER_PASS).await? {
        Registered::New(id) => id,
        Registered::Full => {
            tracing::warn!(
                serial,
                "PassKit web service: pass already has {MAX_DEVICES_PER_PASS} devices"
            );
            return Ok(status(StatusCode::FORBIDDEN));
        }
        Registered::Existing => {
            tx.commit().await?;
            return Ok(status(StatusCode::OK));
        }
    };
    let ip = peer.ip().to_string();
    let event = NewEvent {
        device_os: Some(client.device_os.to_string()),
        wallet: Some(client.wallet.to_string()),
        ip: Some(ip.clone()),
        extra: json!({
            "pass_id": pass.id,
            "registration_id": id,
            "device_os": client.device_os,
            "device_app_vendor": client.wallet,
            "wallet_type": client.wallet_type(),
            "ip": ip,
        }),
        ..NewEvent::for_pass(
            &pass.account_id,
            &pass.campaign_id,
            &pass.id,
            EventKind::Installed,
        )
    };
    record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(status(StatusCode::CREATED))
}

async fn unregister(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((device, pass_type, serial)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Answer {
    let pass = authorized_pass(&state, &headers, &pass_type, &serial).await?;
    let mut tx = state.db.begin().await?;
    if let Some(gone) = devices::unregister(&mut tx, &device, &pass.id).await? {
        let devices::Unregistered {
            id,
            wallet,
            device_os,
        } = gone;
        let ip = peer.ip().to_string();
        let wallet_type = if wallet == "passbook" {
            "apple_wallet".to_string()
        } else {
            wallet.clone()
        };
        let event = NewEvent {
            device_os: Some(device_os.clone()),
            wallet: Some(wallet.clone()),
            ip: Some(ip.clone()),
            extra: json!({
                "pass_id": pass.id,
                "registration_id": id,
                "device_os": device_os,
                "device_app_vendor": wallet,
                "wallet_type": wallet_type,
                "ip": ip,
            }),
            ..NewEvent::for_pass(
                &pass.account_id,
                &pass.campaign_id,
                &pass.id,
                EventKind::Uninstalled,
            )
        };
        record(&mut tx, &event).await?;
    }
    tx.commit().await?;
    Ok(status(StatusCode::OK))
}

async fn updated_serials(
    State(state): State<AppState>,
    Path((device, pass_type)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    if !valid_id(&device) {
        return Ok(status(StatusCode::NO_CONTENT));
    }
    let since = query
        .get("passesUpdatedSince")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let mut conn = state.db.pool.acquire().await?;
    let rows = devices::passes_of_device(&mut conn, &device).await?;
    let mut types: HashMap<String, Option<String>> = HashMap::new();
    let mut last_updated: Option<String> = None;
    let mut serials = Vec::new();
    let mut seen = HashSet::new();
    for row in rows {
        let campaign = row.campaign_id;
        if !types.contains_key(&campaign) {
            let t = certificate_of_campaign(&mut conn, &campaign)
                .await?
                .map(|c| c.pass_type_identifier);
            types.insert(campaign.clone(), t);
        }
        if types.get(&campaign).and_then(|t| t.as_deref()) != Some(pass_type.as_str()) {
            continue;
        }
        let serial = row.serial_number;
        let modified = modified_at(
            &row.updated_at,
            &row.campaign_updated_at,
            row.pushed_at.as_deref(),
        );
        if last_updated.as_ref().is_none_or(|l| modified > *l) {
            last_updated = Some(modified.clone());
        }
        let changed = since.as_ref().is_none_or(|s| modified > *s);
        if changed && seen.insert(serial.clone()) {
            serials.push(serial);
        }
    }
    match last_updated {
        Some(tag) if !serials.is_empty() => Ok(Json(json!({
            "serialNumbers": serials,
            "lastUpdated": tag,
        }))
        .into_response()),
        _ => Ok(status(StatusCode::NO_CONTENT)),
    }
}

async fn latest_pass(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((pass_type, serial)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let token = authorization_token(&headers, &pass_type, &serial)?;
    // One statement reads the pass with everything its package needs; the token and the
    // pass type are checked on what it read (the type is the signing certificate's).
    let loaded = passes::load_for_signing(&state.db, PassKey::Serial(&serial))
        .await?
        .ok_or(Failure(StatusCode::UNAUTHORIZED))?;
    let pass = &loaded.pass;
    check_token(pass, &token)?;
    let cannot_build = |e: ApiError| {
        tracing::error!(error = %e, serial, "PassKit web service: cannot build the pass");
        Ok(e.into_response())
    };
    // The content key and validators come before the package: a device whose copy is
    // current gets its 304 without the pass being built or its images loaded.
    let prepared = match state.passes.prepare_loaded(&state, &loaded).await {
        Ok(p) if p.signer.info().pass_type_identifier == pass_type => p,
        Ok(_) => return Err(Failure(StatusCode::UNAUTHORIZED)),
        Err(e) => {
            // Not signable (its certificate's key cannot be used, …): a request for
            // another pass type is still refused as unauthorized.
            check_pass_type(&state, pass, &pass_type).await?;
            return cannot_build(e);
        }
    };
    let etag = prepared.etag();
    let not_modified = match headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(inm) => inm.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(crate::signing::parse_http_date)
            .is_some_and(|since| prepared.last_modified.timestamp() <= since.timestamp()),
    };
    let mut out_headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&crate::signing::http_date(prepared.last_modified)) {
        out_headers.insert(header::LAST_MODIFIED, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        out_headers.insert(header::ETAG, v);
    }
    if not_modified {
        return Ok((StatusCode::NOT_MODIFIED, out_headers).into_response());
    }
    let built = match state.passes.build(&state, &prepared).await {
        Ok(b) => b,
        Err(e) => return cannot_build(e),
    };
    let event = fetched_event(pass, &headers, peer.ip().to_string());
    // Stamped and recorded with the other passes served at the moment (group commit),
    // before the answer.
    if let Err(e) = state.passes.record_served(&state, event, true).await {
        tracing::warn!(error = %e, pass = %pass.id, "recording a device's fetch failed");
    }
    out_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.apple.pkpass"),
    );
    Ok((
        StatusCode::OK,
        out_headers,
        Bytes::from_owner(built.bytes.clone()),
    )
        .into_response())
}

/// The `fetched` event of a device (told by its request's headers) at `ip` fetching `pass`.
fn fetched_event(pass: &PassRecord, headers: &HeaderMap, ip: String) -> NewEvent {
    let client = client_of(headers);
    NewEvent {
        device_os: Some(client.device_os.to_string()),
        wallet: Some(client.wallet.to_string()),
        ip: Some(ip.clone()),
        extra: json!({
            "pass_id": pass.id,
            "device_os": client.device_os,
            "device_app_vendor": client.wallet,
            "wallet_type": client.wallet_type(),
            "ip": ip,
        }),
        ..NewEvent::for_pass(
            &pass.account_id,
            &pass.campaign_id,
            &pass.id,
            EventKind::Fetched,
        )
    }
}

/// The pass a personalize request names: with an `Authorization` header, the pass it
/// authorizes (401 otherwise, as every call about a pass); without one (Apple documents
/// none), the pass with that serial number and pass type, 404 when there is none.
async fn personalizable_pass(
    state: &AppState,
    headers: &HeaderMap,
    pass_type: &str,
    serial: &str,
) -> Result<PassRecord, Failure> {
    if headers.contains_key(header::AUTHORIZATION) {
        return authorized_pass(state, headers, pass_type, serial).await;
    }
    let not_found = Failure(StatusCode::NOT_FOUND);
    if serial.len() > MAX_ID || pass_type.len() > MAX_ID {
        return Err(not_found);
    }
    let pass = passes::load_by_serial(&state.db, serial)
        .await?
        .ok_or(Failure(StatusCode::NOT_FOUND))?;
    let mut conn = state.db.pool.acquire().await?;
    let cert = certificate_of_campaign(&mut conn, &pass.campaign_id).await?;
    if cert.map(|c| c.pass_type_identifier).as_deref() != Some(pass_type) {
        return Err(not_found);
    }
    Ok(pass)
}

/// Reads Apple's `PersonalizationDictionary`: `personalizationToken` (a non-empty string
/// of at most [`MAX_PERSONALIZATION_TOKEN`] characters) and `requiredPersonalizationInfo`.
fn read_personalization(body: &[u8]) -> Option<(String, PersonalizationInfo)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let token = v
        .get("personalizationToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty() && t.len() <= MAX_PERSONALIZATION_TOKEN)?;
    let info = PersonalizationInfo::from_apple(v.get("requiredPersonalizationInfo")?).ok()?;
    Some((token.to_string(), info))
}

/// Whether `info` holds what the sign-up form asked for (a name: any of full, given or
/// family name; a postal code; an e-mail address; a phone number).
fn has_required(info: &PersonalizationInfo, fields: &[PersonalizationField]) -> bool {
    fields.iter().all(|f| match f {
        PersonalizationField::Name => {
            info.full_name.is_some() || info.given_name.is_some() || info.family_name.is_some()
        }
        PersonalizationField::PostalCode => info.postal_code.is_some(),
        PersonalizationField::EmailAddress => info.email_address.is_some(),
        PersonalizationField::PhoneNumber => info.phone_number.is_some(),
    })
}

/// The signed token as Wallet expects it: the DER bytes, `application/octet-stream`.
fn signed_token(signature: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/octet-stream")],
        signature,
    )
        .into_response()
}

// Long because Apple's endpoint is one exchange: find the pass, read and check the
// holder's data, sign the token, store and record in one transaction, answer.
async fn personalize(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((pass_type, serial)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let limit = state.settings.rate_limit_registrations;
    if let Some(refused) = over_limit(&state, "personalize", peer.ip(), limit).await? {
        return Ok(refused);
    }
    let pass = personalizable_pass(&state, &headers, &pass_type, &serial).await?;
    let Some(campaign) = campaigns::load_by_id(&state.db, &pass.campaign_id).await? else {
        return Ok(status(StatusCode::NOT_FOUND));
    };
    let Some(form) = campaign
        .apple_options(Some(&pass.doc.apple))
        .personalization
    else {
        return Ok(status(StatusCode::NOT_FOUND));
    };
    let Some((token, info)) = read_personalization(&body) else {
        return Ok(status(StatusCode::BAD_REQUEST));
    };
    if !has_required(&info, &form.required_fields) {
        return Ok(status(StatusCode::BAD_REQUEST));
    }
    let signer = match state.passes.signer_for(&state, &campaign).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, serial, "PassKit web service: no signer for personalization");
            return Ok(status(StatusCode::INTERNAL_SERVER_ERROR));
        }
    };
    let signature = match signer.sign_detached(token.as_bytes()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, serial, "PassKit web service: signing the personalization token failed");
            return Ok(status(StatusCode::INTERNAL_SERVER_ERROR));
        }
    };
    let mut tx = state.db.begin().await?;
    let stored = match passes::personalize(&mut tx, &pass.id, info, &token).await? {
        None => return Ok(status(StatusCode::NOT_FOUND)),
        Some(Personalized::Repeated) => return Ok(signed_token(signature)),
        Some(Personalized::Taken) => return Ok(status(StatusCode::CONFLICT)),
        Some(Personalized::Stored(p)) => p,
    };
    let client = client_of(&headers);
    let ip = peer.ip().to_string();
    let event = NewEvent {
        device_os: Some(client.device_os.to_string()),
        wallet: Some(client.wallet.to_string()),
        ip: Some(ip.clone()),
        extra: json!({
            "pass_id": stored.id,
            "personalization": stored.doc.personalization,
            "device_os": client.device_os,
            "wallet_type": client.wallet_type(),
            "ip": ip,
        }),
        ..NewEvent::for_pass(
            &stored.account_id,
            &stored.campaign_id,
            &stored.id,
            EventKind::Personalized,
        )
    };
    record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(signed_token(signature))
}

async fn log(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Answer {
    if let Some(refused) =
        over_limit(&state, "passkit-log", peer.ip(), LOG_REQUESTS_PER_HOUR).await?
    {
        return Ok(refused);
    }
    let logs = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("logs").and_then(Value::as_array).cloned())
        .unwrap_or_default();
    let ip = peer.ip().to_string();
    for line in logs.iter().take(MAX_LOG_MESSAGES) {
        let text = log_line(line.as_str().unwrap_or_default());
        tracing::info!(target: "passkit", ip = %ip, "device log: {text}");
    }
    if logs.len() > MAX_LOG_MESSAGES {
        let dropped = logs.len() - MAX_LOG_MESSAGES;
        tracing::info!(target: "passkit", ip = %ip, "device log: {dropped} more messages dropped");
    }
    Ok(status(StatusCode::OK))
}

/// A device message as one log line: control characters escaped (`\n`, `\r`, `\t`,
/// `\u{…}`), backslashes doubled so an escape cannot be forged, and at most
/// [`MAX_LOG_CHARS`] characters of the message kept (then `…`).
pub fn log_line(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(MAX_LOG_CHARS * 2));
    for (i, c) in message.chars().enumerate() {
        if i == MAX_LOG_CHARS {
            out.push('…');
            break;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => {
                out.push_str(&c.escape_unicode().to_string())
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_logs_stay_on_one_line() {
        let forged = "x\n2026-11-27T06:00:00Z ERROR passworks_server::auth: FORGED";
        let line = log_line(forged);
        assert!(!line.contains('\n'), "{line}");
        assert_eq!(
            line,
            "x\\n2026-11-27T06:00:00Z ERROR passworks_server::auth: FORGED"
        );
        assert_eq!(log_line("a\r\tb\u{1b}[31m"), "a\\r\\tb\\u{1b}[31m");
        // A literal backslash-n typed by the device stays distinguishable from a newline.
        assert_eq!(log_line("a\\nb"), "a\\\\nb");
        let long = "é".repeat(MAX_LOG_CHARS + 50);
        let cut = log_line(&long);
        assert_eq!(cut.chars().count(), MAX_LOG_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(
            log_line(&"é".repeat(MAX_LOG_CHARS)),
            "é".repeat(MAX_LOG_CHARS)
        );
    }

    #[test]
    fn wallets_are_recognised() {
        let apple = identify(
            Some("applepass"),
            "PassbookUIService/1.0 CFNetwork/1410 Darwin/22.6.0",
        );
        assert_eq!((apple.wallet, apple.device_os), ("passbook", "ios"));
        assert_eq!(apple.wallet_type(), "apple_wallet");
        let wp = identify(Some("androidpass"), "okhttp/4.9");
        assert_eq!((wp.wallet, wp.device_os), ("wallet_passes", "android"));
        let p2u = identify(Some("applepass"), "Pass2U/2.9 (Android 13)");
        assert_eq!((p2u.wallet, p2u.device_os), ("pass2u", "android"));
        let pw = identify(Some("applepass"), "PassWallet/3.0 Android");
        assert_eq!((pw.wallet, pw.device_os), ("passwallet", "android"));
    }

    #[test]
    fn authorization_needs_a_scheme_and_a_token() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("ApplePass abc"),
        );
        assert_eq!(
            parse_authorization(&h),
            Some(("applepass".into(), "abc".into()))
        );
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("ApplePass "),
        );
        assert_eq!(parse_authorization(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("token"));
        assert_eq!(parse_authorization(&h), None);
    }
}
