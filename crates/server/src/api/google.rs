//! Google Wallet routes (issue 13): issuers (`/v2/google_wallet/issuers`: upload a Google
//! issuer id with its service account's JSON key, list, show, delete, make default), a
//! pass as Google sees it (`…/passes/{id}/google_wallet`: class and object JSON, what
//! Google would refuse, the signed save link, the sync state), and the public links:
//! `/g/{page_token}/{download_token}` signs the pass's current content and redirects to
//! Google's save page (`/g/{page_token}` first issues the visitor's pass, as the download
//! page does); `/a/{page_token}[/{download_token}]` redirects by device (Android →
//! Google Wallet, Apple → the `.pkpass`, others → the download page).

use crate::auth::{Account, Auth, PassScope};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult, Errors};
use crate::google::{self, Device};
use crate::list::{ListParams, Paged};
use crate::model::campaigns::{self, CampaignRecord};
use crate::model::google::{self as store, IssuerRecord};
use crate::model::passes::{self, PassRecord};
use crate::model::{certificates, parse_id};
use crate::pages::ClientIp;
use crate::routes::{doc, Routes};
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use passworks_gwallet as gw;
use passworks_wire as wire;
use passworks_wire::CampaignType;
use serde_json::Value;

/// `/v2` routes of this module.
pub fn router() -> Routes {
    let mut routes = Routes::new("Google Wallet")
        .get(
            "/google_wallet/issuers",
            list,
            doc("List Google Wallet issuers (own and the development one, extension)")
                .list::<wire::GoogleIssuer>(store::LIST_COLUMNS),
        )
        .post(
            "/google_wallet/issuers",
            create,
            doc("Add a Google Wallet issuer: issuer id and service account JSON key (extension)")
                .created::<wire::GoogleIssuer>()
                .body::<wire::GoogleIssuerInput>("google_issuer")
                .errors(&[422]),
        )
        .get(
            "/google_wallet/issuers/{google_issuer_id}",
            show,
            doc("One Google Wallet issuer (extension)").ok::<wire::GoogleIssuer>(),
        )
        .delete(
            "/google_wallet/issuers/{google_issuer_id}",
            destroy,
            doc("Delete a Google Wallet issuer (extension)")
                .ok::<wire::DeleteOk>()
                .errors(&[412]),
        )
        .post(
            "/google_wallet/issuers/{google_issuer_id}/default",
            make_default,
            doc("Make it the issuer that acts for the account (extension)")
                .ok::<wire::GoogleIssuer>()
                .errors(&[412]),
        );
    for t in CampaignType::ALL {
        routes = routes.merge(
            Routes::new(t.plural_label())
                .get(
                    &format!("/{}/{{campaign_id}}/passes/{{pass_id}}/google_wallet", t.as_str()),
                    pass_google,
                    doc("The pass in Google Wallet: class, object, save link, sync state (extension)")
                        .ok::<wire::GoogleWalletPass>()
                        .errors(&[422]),
                )
                .extension(*t),
        );
    }
    routes
}

/// Public routes (merged at the root by [`crate::app`]).
pub fn public_router() -> Router<AppState> {
    Router::new()
        .route("/g/{page_token}", get(campaign_save_redirect))
        .route("/g/{page_token}/{download_token}", get(save_redirect))
        .route("/a/{page_token}", get(device_campaign))
        .route("/a/{page_token}/{download_token}", get(device_pass))
        .route("/google_wallet/callbacks", axum::routing::post(callback))
}

/// Records to wire types, for the sync worker (which may not use the API layer itself).
pub fn render(
    state: &AppState,
    campaign: &CampaignRecord,
    pass: &PassRecord,
    account_name: &str,
) -> (wire::Campaign, wire::Pass) {
    (
        super::convert::campaign_to_wire(state, campaign, account_name),
        super::convert::pass_to_wire(state, campaign, pass),
    )
}

/// The pass's "Add to Google Wallet" link on this server.
pub fn save_link(state: &AppState, campaign: &CampaignRecord, pass: &PassRecord) -> String {
    state.url(&format!(
        "/g/{}/{}",
        campaign.page_token, pass.download_token
    ))
}

/// The campaign's "Add to Google Wallet" link for a new visitor on this server.
pub fn campaign_save_link(state: &AppState, campaign: &CampaignRecord) -> String {
    state.url(&format!("/g/{}", campaign.page_token))
}

fn to_wire(i: &IssuerRecord, effective: Option<&str>) -> wire::GoogleIssuer {
    wire::GoogleIssuer {
        id: i.id.clone(),
        issuer_id: i.issuer_id.clone(),
        client_email: i.client_email.clone(),
        private_key_id: i.private_key_id.clone(),
        development: i.development,
        default: effective == Some(i.id.as_str()),
        notice: i
            .development
            .then(|| wire::GOOGLE_DEVELOPMENT_NOTICE.to_string()),
        created_at: i.created_at.clone(),
    }
}

/// The id of the issuer acting for the account (creating the development one if needed).
async fn effective_id(state: &AppState, account: &Account) -> ApiResult<String> {
    Ok(google::signing_for(state, &account.id).await?.issuer.id)
}

async fn load(state: &AppState, account: &Account, raw: &str) -> ApiResult<IssuerRecord> {
    let id = parse_id(raw, "issuer")?;
    store::load_issuer(&state.db, &account.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("issuer"))
}

async fn list(
    State(state): State<AppState>,
    Auth(account): Auth,
    params: ListParams,
) -> ApiResult<Paged<wire::GoogleIssuer>> {
    let effective = effective_id(&state, &account).await?;
    Ok(store::list_issuers(&state.db, &account.id, &params)
        .await?
        .map(move |i| to_wire(&i, Some(&effective))))
}

async fn show(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::GoogleIssuer>> {
    let i = load(&state, &account, &raw).await?;
    let effective = effective_id(&state, &account).await?;
    Ok(Json(to_wire(&i, Some(&effective))))
}

/// Largest accepted service account key (they are about 2.3 KB).
const MAX_KEY_CHARS: usize = 16 * 1024;

// Long because it checks both attributes of the upload and reports every problem at once.
async fn create(
    State(state): State<AppState>,
    Auth(account): Auth,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<wire::GoogleIssuer>)> {
    let root = body.root("google_issuer")?;
    let mut errors = Errors::default();
    let issuer_id = match root.get("issuer_id") {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    if issuer_id.is_empty() {
        errors.add(
            "issuer_id",
            "can't be blank (the issuer id from the Google Pay & Wallet Console)",
        );
    } else if issuer_id.len() > 30 || !issuer_id.chars().all(|c| c.is_ascii_digit()) {
        errors.add(
            "issuer_id",
            "must be the issuer id from the Google Pay & Wallet Console (digits)",
        );
    }
    let key = match root.get("service_account") {
        Some(Value::String(s)) if s.len() > MAX_KEY_CHARS => {
            errors.add(
                "service_account",
                "is longer than 16 KiB; a service account key is about 2 KB",
            );
            None
        }
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(v) => Some(v),
            Err(_) => {
                errors.add(
                    "service_account",
                    "must be the service account's JSON key (the file's text is not JSON)",
                );
                None
            }
        },
        Some(v @ Value::Object(_)) => Some(v.clone()),
        _ => {
            errors.add(
                "service_account",
                "can't be blank (the service account's JSON key from Google Cloud)",
            );
            None
        }
    };
    let parsed = match key.as_ref().map(google::parse_key) {
        Some(Ok(k)) => Some(k),
        Some(Err(es)) => {
            for (a, m) in es {
                errors.add(a, m);
            }
            None
        }
        None => None,
    };
    errors.check()?;
    let k = parsed.ok_or_else(|| ApiError::invalid("service_account", "is invalid"))?;
    let enc = certificates::encrypt_key(&state.settings, &k.private_key_pem)?;
    let id = store::insert_issuer(
        &state.db,
        &store::NewIssuer {
            account_id: Some(&account.id),
            issuer_id: &issuer_id,
            client_email: &k.client_email,
            token_uri: &k.token_uri,
            private_key_id: k.private_key_id.as_deref(),
            key_encrypted: &enc,
            public_key_pem: &k.public_key_pem,
            development: false,
        },
    )
    .await?;
    let i = load(&state, &account, &id).await?;
    let effective = effective_id(&state, &account).await?;
    Ok((StatusCode::CREATED, Json(to_wire(&i, Some(&effective)))))
}

async fn destroy(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::DeleteOk>> {
    let i = load(&state, &account, &raw).await?;
    if i.account_id.is_none() {
        return Err(ApiError::precondition(
            "issuer",
            "The development service account cannot be deleted",
        ));
    }
    let users = store::campaigns_using(&state.db, &account.id, &i.id).await?;
    if let Some(first) = users.first() {
        return Err(ApiError::precondition(
            "issuer",
            format!(
                "Issuer in use by {} campaigns, e.g.: {first} (choose another issuer for them first)",
                users.len()
            ),
        ));
    }
    store::delete_issuer(&state.db, &account.id, &i.id).await?;
    Ok(Json(wire::DeleteOk::default()))
}

async fn make_default(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::GoogleIssuer>> {
    let i = load(&state, &account, &raw).await?;
    if i.account_id.is_none() {
        return Err(ApiError::precondition(
            "issuer",
            "The development service account acts only while the account has no issuer of its own",
        ));
    }
    store::set_default(&state.db, &account.id, &i.id).await?;
    Ok(Json(to_wire(&i, Some(&i.id))))
}

/// Maps and signs a pass: the mapping, and the save link unless Google would refuse it
/// (`Err` in the link: Google's API failed on the REST-first path).
async fn sign_pass(
    state: &AppState,
    account_id: &str,
    campaign: &CampaignRecord,
    pass: &PassRecord,
) -> ApiResult<(
    google::Signing,
    google::Mapped,
    Option<Result<google::SaveLink, String>>,
)> {
    let signing = google::signing_for_campaign(state, campaign).await?;
    let account_name = crate::model::accounts::load(&state.db, account_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let (wc, wp) = render(state, campaign, pass, &account_name);
    let mapped = google::map(state, &signing.issuer, &wc, &wp);
    let link = if mapped.errors.is_empty() {
        Some(
            google::save_link(state, &signing, &mapped)
                .await
                .map_err(|e| format!("Google Wallet: {e:#}")),
        )
    } else {
        None
    };
    Ok((signing, mapped, link))
}

async fn pass_google(
    State(state): State<AppState>,
    scope: PassScope,
) -> ApiResult<Json<wire::GoogleWalletPass>> {
    let (signing, mapped, link) =
        sign_pass(&state, &scope.account.id, &scope.campaign, &scope.pass).await?;
    let sync = store::sync_of_pass(&state.db, &scope.pass.id)
        .await?
        .map(|s| wire::GoogleSync {
            status: s.status,
            error: s.error,
            attempts: s.attempts,
            synced_at: s.synced_at,
            next_attempt_at: s.next_attempt_at,
        });
    let development = signing.issuer.development;
    let (save_url, rest_first, save_error) = match link {
        Some(Ok(l)) => (Some(l.url), l.rest_first, None),
        Some(Err(e)) => (None, false, Some(e)),
        None => (None, false, None),
    };
    Ok(Json(wire::GoogleWalletPass {
        class_type: mapped.vertical.name().into(),
        class_id: mapped.class["id"].as_str().unwrap_or_default().into(),
        object_id: mapped.object["id"].as_str().unwrap_or_default().into(),
        save_url,
        rest_first,
        save_error,
        development,
        notice: development.then(|| wire::GOOGLE_DEVELOPMENT_NOTICE.to_string()),
        errors: mapped.errors,
        sync,
        class: mapped.class,
        object: mapped.object,
    }))
}

/// The pass of a public link, or `None` (404).
async fn public_pass(
    state: &AppState,
    page_token: &str,
    download_token: &str,
) -> ApiResult<Option<(CampaignRecord, PassRecord)>> {
    let Some(pass) = passes::load_by_download_token(&state.db, download_token).await? else {
        return Ok(None);
    };
    let Some(campaign) = campaigns::load_by_id(&state.db, &pass.campaign_id).await? else {
        return Ok(None);
    };
    Ok((campaign.page_token == page_token).then_some((campaign, pass)))
}

/// `/g/{page_token}/{download_token}`: signs the pass's current content and redirects to
/// Google's save page; the pass is kept current at Google from then on.
async fn save_redirect(
    State(state): State<AppState>,
    Path((page_token, download_token)): Path<(String, String)>,
) -> Response {
    let (campaign, pass) = match public_pass(&state, &page_token, &download_token).await {
        Ok(Some(x)) => x,
        Ok(None) => return ApiError::not_found("pass").into_response(),
        Err(e) => return e.into_response(),
    };
    to_google(&state, &campaign, &pass).await
}

/// Signs the pass's current content and redirects (303) to Google's save page; with a
/// real issuer the pass is kept current at Google from then on.
async fn to_google(state: &AppState, campaign: &CampaignRecord, pass: &PassRecord) -> Response {
    let (signing, mapped, link) = match sign_pass(state, &campaign.account_id, campaign, pass).await
    {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let link = match link {
        Some(Ok(link)) => link,
        Some(Err(e)) => return ApiError::BadGateway(e).into_response(),
        None => return ApiError::Validation(mapped.errors).into_response(),
    };
    if !signing.issuer.development {
        // Kept current at Google from now on (the worker inserts it if the holder has not
        // saved it yet).
        if let Err(e) = store::track(
            &state.db,
            &pass.id,
            &pass.account_id,
            &campaign.id,
            ("", "", ""),
        )
        .await
        {
            tracing::warn!(error = %e, pass = %pass.id, "google: tracking a saved pass failed");
        }
    }
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, link.url),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response()
}

/// `/g/{page_token}`: the visitor's pass (issued on demand, as the download page does;
/// the same cookie hands it back) in Google Wallet.
async fn campaign_save_redirect(
    State(state): State<AppState>,
    Path(page_token): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
) -> Response {
    let (campaign, pass, cookie) = match crate::pages::visitor_pass_for_google(
        &state,
        &page_token,
        &headers,
        query.as_deref(),
        ip.as_deref(),
    )
    .await
    {
        Ok(x) => x,
        Err(answer) => return answer,
    };
    let mut resp = to_google(&state, &campaign, &pass).await;
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

fn see_other(target: String) -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, target),
            (header::VARY, "User-Agent".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response()
}

/// `/a/{page_token}`: the campaign's download page, which issues the visitor's pass and
/// shows the visitor's wallet first.
async fn device_campaign(
    State(state): State<AppState>,
    Path(page_token): Path<String>,
) -> Response {
    see_other(state.url(&format!("/p/{page_token}")))
}

/// `/a/{page_token}/{download_token}`: Android → Google Wallet, Apple → the `.pkpass`,
/// anything else → the download page.
async fn device_pass(
    State(state): State<AppState>,
    Path((page_token, download_token)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match public_pass(&state, &page_token, &download_token).await {
        Ok(Some(_)) => {}
        Ok(None) => return ApiError::not_found("pass").into_response(),
        Err(e) => return e.into_response(),
    }
    let tail = format!("{page_token}/{download_token}");
    let target = match google::device(&headers) {
        Device::Android => format!("/g/{tail}"),
        Device::Apple => format!("/p/{tail}.pkpass"),
        Device::Other => format!("/p/{tail}"),
    };
    see_other(state.url(&target))
}

/// Largest callback body read (Google's are about 1 KiB).
pub const MAX_CALLBACK_BYTES: usize = 64 * 1024;

fn plain(status: StatusCode, message: &str) -> Response {
    (status, message.to_string()).into_response()
}

/// `POST /google_wallet/callbacks`: Google's save/delete notification, signed with
/// ECv2SigningOnly. A verified `save` records the pass's Google Wallet registration and an
/// `installed` event, `del` an `uninstalled` one (once per nonce).
async fn callback(State(state): State<AppState>, body: axum::body::Body) -> Response {
    let bytes = match axum::body::to_bytes(body, MAX_CALLBACK_BYTES).await {
        Ok(b) => b,
        Err(_) => return plain(StatusCode::PAYLOAD_TOO_LARGE, "callback body too large"),
    };
    let Ok(body) = serde_json::from_slice::<Value>(&bytes) else {
        return plain(StatusCode::BAD_REQUEST, "callback body is not JSON");
    };
    let keys = match google::root_keys(&state).await {
        Ok(k) => k,
        Err(e) => {
            tracing::warn!(error = %e, "google callback: fetching the root keys failed");
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "root keys unavailable; try again",
            );
        }
    };
    let now_ms = chrono::Utc::now().timestamp_millis();
    let (issuer_id, cb) = match google::verify_callback(&body, &keys, now_ms) {
        Ok(x) => x,
        Err(e) => {
            tracing::warn!(error = %e, "google callback refused");
            return plain(StatusCode::BAD_REQUEST, &e);
        }
    };
    let pass_id = cb
        .object_id
        .strip_prefix(&format!("{issuer_id}."))
        .unwrap_or_default()
        .to_string();
    let pass = match passes::load_by_id(&state.db, &pass_id).await {
        Ok(Some(p)) => p,
        Ok(None) => return plain(StatusCode::NOT_FOUND, "no such pass"),
        Err(e) => return ApiError::from(e).into_response(),
    };
    match store::account_has_issuer(&state.db, &pass.account_id, &issuer_id).await {
        Ok(true) => {}
        Ok(false) => return plain(StatusCode::NOT_FOUND, "no such pass"),
        Err(e) => return ApiError::from(e).into_response(),
    }
    match store::record_callback(&state.db, &cb.nonce, &pass, cb.event_type == "save").await {
        Ok(_) => plain(StatusCode::OK, "ok"),
        Err(e) => ApiError::from(e).into_response(),
    }
}

// A pass's save link is also checked against the mapping crate's limit in tests.
const _: usize = gw::MAX_SAVE_JWT;
