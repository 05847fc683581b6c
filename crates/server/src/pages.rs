//! Public distribution (§7.5): download pages, `.pkpass` downloads and previews, plus the
//! two authenticated `/v2` helpers built on the same machinery (barcode images for the
//! console's live preview and the API download of a pass).
//!
//! Public routes live outside `/v2`, need no credentials and are not rate limited:
//!
//! * `/p/{page_token}` — the campaign page. While the campaign is published it issues one
//!   pass per visitor and hands the same visitor the same pass again for 24 hours (an HMAC-
//!   signed cookie naming the pass's download token); paused and archived campaigns issue
//!   nothing and answer 410 with a message. A campaign with `remote_form_url` redirects there
//!   with `campaign_id` appended (§13).
//! * `/p/{page_token}.pkpass` / `.png` — the visitor's pass (issued on demand) / its preview
//!   (a sample of the campaign when the visitor has no pass yet, so link unfurlers issue
//!   nothing).
//! * `/p/{page_token}/{download_token}` (+ `.pkpass`, `.png`) — one pass.
//! * `/s/…` — short URLs answering the same.
//!
//! Pages run the campaign's own `stylesheet` and `javascript`, confined by a
//! Content-Security-Policy with `sandbox` (opaque origin: no cookies, no API calls, no
//! forms, no requests to the console's origin). A page with `javascript` is served as a
//! frame (`<iframe sandbox srcdoc>`) holding the page and its script, so the script can
//! change the page but cannot navigate the visitor anywhere: only a click on a link does.

use crate::auth::{Auth, CampaignScope, PassScope};
use crate::error::{ApiError, ApiResult};
use crate::model::campaigns::{self, CampaignRecord};
use crate::model::counters::Counter;
use crate::model::events::NewEvent;
use crate::model::passes::{self, create_pass, PassKey, PassPatch, PassRecord};
use crate::model::rate_limits::count_request;
use crate::routes::{doc, ParamKind, QueryParam, Routes};
use crate::signing::{http_date, parse_http_date, Prepared};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hmac::{Hmac, Mac};
use passworks_pkpass::{
    bundle_pkpasses, MAX_BUNDLE_PASSES, PKPASSES_CONTENT_TYPE, PKPASS_CONTENT_TYPE,
};
use passworks_wire::{BarcodeFormat, CampaignState, CampaignType, EventKind};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::SocketAddr;

/// How long a visitor keeps getting the same pass from a campaign page.
pub const VISITOR_SECONDS: i64 = 24 * 60 * 60;

/// The Content-Security-Policy of download pages.
pub const PAGE_CSP: &str = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; \
    script-src 'unsafe-inline'; connect-src 'none'; form-action 'none'; base-uri 'none'; \
    frame-ancestors 'none'; sandbox allow-scripts allow-popups allow-downloads \
    allow-top-navigation-by-user-activation";

/// Public routes (merged at the root by [`crate::app`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/p/{tail}", get(campaign_entry))
        .route("/s/{tail}", get(campaign_entry))
        .route("/p/{page_token}/{tail}", get(pass_entry))
        .route("/s/{page_token}/{tail}", get(pass_entry))
}

/// Authenticated `/v2` routes (merged by [`crate::routes`]).
pub fn api_router() -> Routes {
    const BARCODE_QUERY: &[QueryParam] = &[
        QueryParam {
            name: "format",
            kind: ParamKind::String,
            description: "qrcode, pdf417, aztec or ean128 (default qrcode).",
        },
        QueryParam {
            name: "message",
            kind: ParamKind::String,
            description: "The encoded payload.",
        },
        QueryParam {
            name: "scale",
            kind: ParamKind::Integer,
            description: "Module size in pixels, 1-40.",
        },
    ];
    const BUNDLE_QUERY: &[QueryParam] = &[QueryParam {
        name: "ids",
        kind: ParamKind::String,
        description: "1 to 10 pass ids of the campaign, comma-separated, in bundle order.",
    }];
    let mut routes = Routes::new("Passes").get(
        "/barcode.png",
        barcode_png,
        doc("Render a barcode as PNG (extension)")
            .binary("image/png")
            .query(BARCODE_QUERY)
            .errors(&[400, 422]),
    );
    for t in CampaignType::ALL {
        routes = routes.merge(
            Routes::new(t.plural_label())
                .get(
                    &format!("/{}/{{campaign_id}}/passes/{{pass_id}}/pkpass", t.as_str()),
                    api_pkpass,
                    doc("The signed .pkpass file (extension)")
                        .binary(PKPASS_CONTENT_TYPE)
                        .errors(&[304, 422]),
                )
                .get(
                    &format!("/{}/{{campaign_id}}/passes/pkpasses", t.as_str()),
                    api_pkpasses,
                    doc("Several passes of the campaign as one .pkpasses bundle (extension)")
                        .binary(PKPASSES_CONTENT_TYPE)
                        .query(BUNDLE_QUERY)
                        .errors(&[422]),
                )
                .extension(*t),
        );
    }
    routes
}

/// What a public URL asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Page,
    Pkpass,
    Png,
}

fn split_tail(tail: &str) -> (&str, Want) {
    if let Some(t) = tail.strip_suffix(".pkpass") {
        (t, Want::Pkpass)
    } else if let Some(t) = tail.strip_suffix(".png") {
        (t, Want::Png)
    } else {
        (tail, Want::Page)
    }
}

/// The client's IP address, when the server knows it.
pub(crate) struct ClientIp(pub(crate) Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string()),
        ))
    }
}

async fn campaign_by_page_token(
    state: &AppState,
    token: &str,
) -> ApiResult<Option<CampaignRecord>> {
    Ok(campaigns::load_by_page_token(&state.db, token).await?)
}

// ---------------------------------------------------------------------------------------
// Visitor cookie

fn cookie_name(campaign: &CampaignRecord) -> String {
    format!("pw_{}", campaign.page_token)
}

fn cookie_signature(state: &AppState, page_token: &str, download_token: &str, at: i64) -> String {
    let key = Sha256::new()
        .chain_update(b"passworks visitor cookie\0")
        .chain_update(state.settings.master_key)
        .finalize();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("any key length");
    mac.update(format!("{page_token}|{download_token}|{at}").as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

fn cookie_value(
    state: &AppState,
    campaign: &CampaignRecord,
    download_token: &str,
    at: i64,
) -> String {
    let sig = cookie_signature(state, &campaign.page_token, download_token, at);
    format!("{download_token}.{at}.{sig}")
}

fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// The pass the visitor was given by this campaign in the last 24 hours.
async fn visitor_pass(
    state: &AppState,
    campaign: &CampaignRecord,
    headers: &HeaderMap,
) -> ApiResult<Option<PassRecord>> {
    let Some(token) = visitor_token(state, campaign, headers) else {
        return Ok(None);
    };
    let pass = passes::load_by_download_token(&state.db, token).await?;
    Ok(pass.filter(|p| p.campaign_id == campaign.id))
}

/// The download token named by the visitor's cookie, when its signature holds and it is
/// less than 24 hours old.
fn visitor_token<'a>(
    state: &AppState,
    campaign: &CampaignRecord,
    headers: &'a HeaderMap,
) -> Option<&'a str> {
    let value = read_cookie(headers, &cookie_name(campaign))?;
    let mut parts = value.rsplitn(3, '.');
    let sig = parts.next()?;
    let at: i64 = parts.next()?.parse().ok()?;
    let token = parts.next()?;
    let expected = cookie_signature(state, &campaign.page_token, token, at);
    let now = chrono::Utc::now().timestamp();
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        sig.as_bytes(),
        expected.as_bytes(),
    )) || now - at >= VISITOR_SECONDS
        || at > now + 300
    {
        return None;
    }
    Some(token)
}

fn set_cookie(state: &AppState, campaign: &CampaignRecord, pass: &PassRecord) -> HeaderValue {
    let now = chrono::Utc::now().timestamp();
    let secure = if state.settings.public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let v = format!(
        "{}={}; Max-Age={VISITOR_SECONDS}; Path=/; HttpOnly; SameSite=Lax{secure}",
        cookie_name(campaign),
        cookie_value(state, campaign, &pass.download_token, now)
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `lang` of a preview's query (`/p/{token}.png?lang=fr`): the language the page
/// linking it was drawn in ([`og_image`]). Anything may arrive here; the preview uses it
/// only when it is one of the pass's languages.
fn lang(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.into_owned())
}

/// The page's `og:image`: the campaign's preview PNG, drawn in `lang` (the language the
/// page is in) so that a link shared from it previews in the same language.
fn og_image(state: &AppState, campaign: &CampaignRecord, lang: Option<&str>) -> String {
    let mut path = format!("/p/{}.png", campaign.page_token);
    if let Some(lang) = lang {
        path.push_str("?lang=");
        path.extend(url::form_urlencoded::byte_serialize(lang.as_bytes()));
    }
    state.url(&path)
}

/// Query parameters of the page request, kept as the new pass's `metadata`.
fn metadata_from_query(query: Option<&str>) -> Option<Value> {
    let q = query?;
    let mut m = Map::new();
    for (k, v) in url::form_urlencoded::parse(q.as_bytes()).take(20) {
        if k.is_empty() || k.len() > 64 {
            continue;
        }
        let v: String = v.chars().take(500).collect();
        m.insert(k.into_owned(), Value::String(v));
    }
    (!m.is_empty()).then_some(Value::Object(m))
}

/// The visitor's pass: the one from their cookie, or a new one (with the cookie to set).
async fn visitor_or_new_pass(
    state: &AppState,
    campaign: &CampaignRecord,
    headers: &HeaderMap,
    query: Option<&str>,
    ip: Option<&str>,
) -> ApiResult<(PassRecord, Option<HeaderValue>)> {
    if let Some(p) = visitor_pass(state, campaign, headers).await? {
        return Ok((p, None));
    }
    // Public pages issue passes to anyone: cap how many one address gets per hour.
    if let Some(ip) = ip {
        let (count, reset) = count_request(&state.db, &format!("issue:{ip}")).await?;
        if count > state.settings.page_issue_limit {
            let retry_after = (reset - chrono::Utc::now().timestamp()).max(1);
            return Err(ApiError::RateLimited { retry_after });
        }
    }
    let patch = PassPatch {
        metadata: metadata_from_query(query),
        ..PassPatch::default()
    };
    let mut tx = state.db.begin().await?;
    let pass = create_pass(&state.db, &mut tx, campaign, &patch).await?;
    tx.commit().await?;
    let cookie = set_cookie(state, campaign, &pass);
    Ok((pass, Some(cookie)))
}

// ---------------------------------------------------------------------------------------
// Handlers

async fn campaign_entry(
    State(state): State<AppState>,
    Path(tail): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
) -> Response {
    let (token, want) = split_tail(&tail);
    let campaign = match campaign_by_page_token(&state, token).await {
        Ok(Some(c)) => c,
        Ok(None) => return not_found_page(),
        Err(e) => return e.into_response(),
    };
    if want == Want::Png {
        let pass = match visitor_pass(&state, &campaign, &headers).await {
            Ok(pass) => pass,
            Err(e) => return e.into_response(),
        };
        return png_response(
            state
                .passes
                .preview_png(
                    &state,
                    &campaign,
                    pass.as_ref(),
                    lang(query.as_deref()).as_deref(),
                )
                .await,
        );
    }
    if let Some(url) = campaign
        .doc
        .remote_form_url
        .as_deref()
        .filter(|u| !u.is_empty())
    {
        let sep = if url.contains('?') { '&' } else { '?' };
        let target = format!("{url}{sep}campaign_id={}", campaign.id);
        if want == Want::Page {
            bump_views(&state, &campaign).await;
        }
        return redirect(&target);
    }
    if want == Want::Page {
        bump_views(&state, &campaign).await;
    }
    if campaign.state != CampaignState::Published {
        return gone(&state, &campaign, want);
    }
    let (pass, cookie) =
        match visitor_or_new_pass(&state, &campaign, &headers, query.as_deref(), ip.as_deref())
            .await
        {
            Ok(x) => x,
            Err(e) if want == Want::Page => return error_page(&campaign, e),
            Err(e) => return e.into_response(),
        };
    let mut resp = match want {
        Want::Page => {
            let prepared = state.passes.prepare(&state, &campaign, &pass).await;
            render_page(&state, &campaign, &pass, prepared, &headers).await
        }
        _ => serve_pkpass(&state, &campaign, &pass, &headers, Some(ip)).await,
    };
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

/// The visitor's pass of the campaign at `/g/{page_token}` (Google Wallet for a new
/// visitor): issued on demand and remembered by the same cookie as the download page's.
/// `Err` is the answer instead: 404, the 410 of a paused campaign, a remote form's
/// redirect (the form issues the pass), the issuing limit.
pub(crate) async fn visitor_pass_for_google(
    state: &AppState,
    page_token: &str,
    headers: &HeaderMap,
    query: Option<&str>,
    ip: Option<&str>,
) -> Result<(CampaignRecord, PassRecord, Option<HeaderValue>), Response> {
    let campaign = match campaign_by_page_token(state, page_token).await {
        Ok(Some(c)) => c,
        Ok(None) => return Err(not_found_page()),
        Err(e) => return Err(e.into_response()),
    };
    if let Some(url) = campaign
        .doc
        .remote_form_url
        .as_deref()
        .filter(|u| !u.is_empty())
    {
        let sep = if url.contains('?') { '&' } else { '?' };
        return Err(redirect(&format!("{url}{sep}campaign_id={}", campaign.id)));
    }
    if campaign.state != CampaignState::Published {
        return Err(gone(state, &campaign, Want::Page));
    }
    match visitor_or_new_pass(state, &campaign, headers, query, ip).await {
        Ok((pass, cookie)) => Ok((campaign, pass, cookie)),
        Err(e) => Err(error_page(&campaign, e)),
    }
}

async fn pass_entry(
    State(state): State<AppState>,
    Path((page_token, tail)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
) -> Response {
    let (token, want) = split_tail(&tail);
    let loaded = match passes::load_for_signing(&state.db, PassKey::DownloadToken(token)).await {
        Ok(Some(loaded)) => loaded,
        Ok(None) => return not_found_page(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let (campaign, pass) = (&loaded.campaign, &loaded.pass);
    if campaign.page_token != page_token {
        return not_found_page();
    }
    match want {
        Want::Page => {
            bump_views(&state, campaign).await;
            let prepared = state.passes.prepare_loaded(&state, &loaded).await;
            render_page(&state, campaign, pass, prepared, &headers).await
        }
        Want::Pkpass => {
            let prepared = state.passes.prepare_loaded(&state, &loaded).await;
            serve_prepared(&state, campaign, pass, prepared, &headers, Some(ip)).await
        }
        Want::Png => png_response(
            state
                .passes
                .preview_png(
                    &state,
                    campaign,
                    Some(pass),
                    lang(query.as_deref()).as_deref(),
                )
                .await,
        ),
    }
}

async fn bump_views(state: &AppState, campaign: &CampaignRecord) {
    if let Err(e) = state
        .tally
        .bump(&state.db, &campaign.id, Counter::Views)
        .await
    {
        tracing::warn!(error = %e, campaign = %campaign.id, "counting a page view failed");
    }
}

/// Whether the request's validators match (`If-None-Match` wins over `If-Modified-Since`).
fn not_modified(
    headers: &HeaderMap,
    etag: &str,
    last_modified: chrono::DateTime<chrono::Utc>,
) -> bool {
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return inm
            .split(',')
            .map(str::trim)
            .any(|t| t == "*" || t == etag || t.strip_prefix("W/").is_some_and(|w| w == etag));
    }
    if let Some(since) = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
    {
        return last_modified.timestamp() <= since.timestamp();
    }
    false
}

fn validators(prepared: &Prepared) -> [(header::HeaderName, String); 3] {
    [
        (header::ETAG, prepared.etag()),
        (header::LAST_MODIFIED, http_date(prepared.last_modified)),
        (header::CACHE_CONTROL, "no-cache".to_string()),
    ]
}

fn with_headers(
    mut resp: Response,
    headers: impl IntoIterator<Item = (header::HeaderName, String)>,
) -> Response {
    for (k, v) in headers {
        if let Ok(v) = HeaderValue::from_str(&v) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}

/// A file name for the download: the campaign name reduced to safe ASCII.
fn file_name(campaign: &CampaignRecord) -> String {
    let mut s = String::new();
    for c in campaign.name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
        if s.len() >= 60 {
            break;
        }
    }
    let s = s.trim_end_matches('-');
    if s.is_empty() {
        "pass.pkpass".into()
    } else {
        format!("{s}.pkpass")
    }
}

/// Answers a `.pkpass` request: 304 when the client's copy is current, else the signed
/// package (from the content cache when unchanged). `ip` is `Some` for public downloads,
/// which record the `downloaded` event.
async fn serve_pkpass(
    state: &AppState,
    campaign: &CampaignRecord,
    pass: &PassRecord,
    headers: &HeaderMap,
    ip: Option<Option<String>>,
) -> Response {
    let prepared = state.passes.prepare(state, campaign, pass).await;
    serve_prepared(state, campaign, pass, prepared, headers, ip).await
}

/// [`serve_pkpass`] of a pass already prepared.
async fn serve_prepared(
    state: &AppState,
    campaign: &CampaignRecord,
    pass: &PassRecord,
    prepared: ApiResult<Prepared>,
    headers: &HeaderMap,
    ip: Option<Option<String>>,
) -> Response {
    let prepared = match prepared {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if not_modified(headers, &prepared.etag(), prepared.last_modified) {
        return with_headers(
            StatusCode::NOT_MODIFIED.into_response(),
            validators(&prepared),
        );
    }
    let built = match state.passes.build(state, &prepared).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    if let Some(ip) = ip {
        let mut ev = NewEvent::for_pass(
            &pass.account_id,
            &campaign.id,
            &pass.id,
            EventKind::Downloaded,
        );
        ev.ip = ip;
        if let Err(e) = state.passes.record_served(state, ev, false).await {
            tracing::warn!(error = %e, pass = %pass.id, "recording a download failed");
        }
    }
    let resp = (
        [(header::CONTENT_TYPE, PKPASS_CONTENT_TYPE)],
        axum::body::Bytes::from_owner(built.bytes.clone()),
    )
        .into_response();
    let mut hs = validators(&prepared).to_vec();
    hs.push((
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{}\"", file_name(campaign)),
    ));
    with_headers(resp, hs)
}

fn png_response(png: ApiResult<std::sync::Arc<[u8]>>) -> Response {
    match png {
        Ok(png) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            axum::body::Bytes::from_owner(png),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

fn redirect(target: &str) -> Response {
    match HeaderValue::from_str(target) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => not_found_page(),
    }
}

// ---------------------------------------------------------------------------------------
// HTML

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Keeps campaign-supplied code inside its element (`</style>` / `</script>` cannot end it).
fn confine(code: &str) -> String {
    code.replace("</", "<\\/")
}

const BASE_CSS: &str = "body{margin:0;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',\
Roboto,Helvetica,Arial,sans-serif;background:#f2f2f7;color:#1c1c1e}\
.pw-page{max-width:420px;margin:0 auto;padding:24px 16px;text-align:center}\
.pw-page h1{font-size:1.4rem;margin:0 0 16px}\
.pw-preview{width:100%;max-width:320px;border-radius:12px;box-shadow:0 4px 16px rgba(0,0,0,.15)}\
.pw-pass{display:flex;justify-content:center;text-align:left}\
.pw-add{display:inline-block;margin:20px 0 8px;padding:12px 22px;border-radius:10px;\
background:#000;color:#fff;text-decoration:none;font-weight:600}\
.pw-note{margin:16px 0;padding:12px;border-radius:8px;background:#fff4e5;color:#663c00;\
font-size:.9rem;text-align:left}\
.pw-message{margin:24px 0;font-size:1.05rem}\
.pw-refused{margin:20px 0 8px;padding:12px 14px;border-radius:10px;background:#fdecea;\
color:#5f2120;font-size:.95rem;text-align:left}.pw-refused p{margin:0 0 8px}\
.pw-refused details{font-size:.85rem}.pw-refused ul{margin:6px 0 0;padding-left:18px}";

struct PageParts<'a> {
    status: StatusCode,
    campaign: &'a CampaignRecord,
    title: String,
    body: String,
    og_image: Option<String>,
    og_url: String,
    /// The page's language (`<html lang>`): the translation shown, else English.
    lang: Option<String>,
}

fn html_page(p: PageParts<'_>) -> Response {
    let c = p.campaign;
    let mut head = String::new();
    head.push_str(&format!("<title>{}</title>", esc(&p.title)));
    let description = if c.doc.og_description.trim().is_empty() {
        c.description.clone()
    } else {
        c.doc.og_description.clone()
    };
    head.push_str(&format!(
        "<meta name=\"description\" content=\"{}\">",
        esc(&description)
    ));
    if c.doc.og {
        head.push_str(&format!(
            "<meta property=\"og:type\" content=\"website\">\
             <meta property=\"og:title\" content=\"{}\">\
             <meta property=\"og:description\" content=\"{}\">\
             <meta property=\"og:url\" content=\"{}\">",
            esc(&c.name),
            esc(&description),
            esc(&p.og_url)
        ));
        if let Some(img) = &p.og_image {
            head.push_str(&format!(
                "<meta property=\"og:image\" content=\"{}\">",
                esc(img)
            ));
        }
    }
    let stylesheet = c
        .doc
        .stylesheet
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| format!("<style>{}</style>", confine(s)))
        .unwrap_or_default();
    let script = c
        .doc
        .javascript
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| format!("<script>{}</script>", confine(s)));
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    let lang = esc(p.lang.as_deref().unwrap_or("en"));
    let html = match script {
        None => format!(
            "<!doctype html><html lang=\"{lang}\"><head>{VIEWPORT}{head}<style>{BASE_CSS}{}</style>\
             {stylesheet}</head><body><main class=\"pw-page\">{}</main></body></html>",
            passworks_wire::layout::PASS_CSS,
            p.body
        ),
        Some(script) => framed_page(&p.title, &head, &stylesheet, &p.body, &script, &lang),
    };
    // The page depends on the visitor's language (the pass's translations).
    (p.status, headers, [(header::VARY, "Accept-Language")], html).into_response()
}

const VIEWPORT: &str = "<meta charset=\"utf-8\">\
    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
    <meta name=\"referrer\" content=\"no-referrer\">";

/// A page whose campaign has a script: the whole page and the script go into a sandboxed
/// frame, so the script may change the page but not navigate. Navigating the frame itself
/// is a framing the policy's `default-src 'none'` refuses, the top level needs the
/// visitor's click (links open at the top, `<base target="_top">`), and popups are not
/// allowed. `head` (title, description, Open Graph) stays in the top-level document.
fn framed_page(
    title: &str,
    head: &str,
    stylesheet: &str,
    body: &str,
    script: &str,
    lang: &str,
) -> String {
    let page = format!(
        "<!doctype html><html lang=\"{lang}\"><head>{VIEWPORT}<base target=\"_top\">\
         <title>{}</title><style>{BASE_CSS}{}</style>{stylesheet}</head><body>\
         <main class=\"pw-page\">{body}</main>{script}</body></html>",
        esc(title),
        passworks_wire::layout::PASS_CSS
    );
    format!(
        "<!doctype html><html lang=\"{lang}\"><head>{VIEWPORT}{head}<style>{FRAME_CSS}</style>\
         </head><body><iframe id=\"pw-frame\" title=\"{}\" sandbox=\"{FRAME_SANDBOX}\" \
         srcdoc=\"{}\"></iframe></body></html>",
        esc(title),
        esc(&page)
    )
}

/// The sandbox of the frame a campaign's script runs in: scripts, downloads and top-level
/// navigation on the visitor's click; no popups, forms or same-origin access.
pub const FRAME_SANDBOX: &str =
    "allow-scripts allow-downloads allow-top-navigation-by-user-activation";

/// The frame fills the window.
const FRAME_CSS: &str = "html,body{margin:0;height:100%}\
#pw-frame{display:block;border:0;width:100%;height:100%}";

fn dev_note() -> String {
    format!(
        "<p class=\"pw-note\" id=\"pw-development\">{}</p>",
        esc(crate::devcert::DEVELOPMENT_NOTICE)
    )
}

/// The download page of one pass, `prepared` for signing by the caller (a page opened
/// from the download link has the pass's signing facts from the statement that found it).
async fn render_page(
    state: &AppState,
    campaign: &CampaignRecord,
    pass: &PassRecord,
    prepared: ApiResult<Prepared>,
    headers: &HeaderMap,
) -> Response {
    // The pass is built (and signed) here, not only when the button is pressed: a pass
    // Wallet would refuse gets an explanation instead of a button that fails. The result
    // goes into the content cache, so the download that usually follows costs nothing.
    let (development, built) = match prepared {
        Ok(p) => (p.development, state.passes.build(state, &p).await.map(drop)),
        Err(e) => (false, Err(e)),
    };
    let refusal = match built {
        Err(ApiError::Validation(errors)) => Some(apple_refusal(campaign, &errors)),
        _ => None,
    };
    // The pass in the visitor's language when it has texts or images for it, as Wallet
    // shows it on a phone set to that language.
    let options = campaign.apple_options(Some(&pass.doc.apple));
    let lang = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|accept| {
            passworks_wire::layout::pick_language(accept, &options.languages()).map(str::to_string)
        });
    let body = format!(
        "<h1>{}</h1>{}<div class=\"pw-pass\" role=\"img\" aria-label=\"The pass\">{}</div>{}",
        esc(&campaign.name),
        if development {
            dev_note()
        } else {
            String::new()
        },
        pass_card(campaign, pass, &options, lang.as_deref()),
        crate::google::wallet_buttons(state, campaign, pass, headers, refusal.as_deref()).await,
    );
    html_page(PageParts {
        status: StatusCode::OK,
        campaign,
        title: campaign.name.clone(),
        body,
        og_image: Some(og_image(state, campaign, lang.as_deref())),
        og_url: state.url(&format!("/p/{}", campaign.page_token)),
        lang,
    })
}

/// What the download page says in place of "Add to Apple Wallet" when the pass cannot be
/// built: in the customer's words first (who to ask), then the reason for the issuer's
/// support staff, whom the customer will forward it to.
fn apple_refusal(
    campaign: &CampaignRecord,
    errors: &std::collections::BTreeMap<String, Vec<String>>,
) -> String {
    let issuer = campaign
        .doc
        .organization_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map_or_else(|| "the issuer".to_owned(), esc);
    let reasons: Vec<String> = errors
        .iter()
        .flat_map(|(field, messages)| messages.iter().map(move |m| format!("{field} {m}")))
        .take(3)
        .map(|r| format!("<li>{}</li>", esc(&r)))
        .collect();
    format!(
        "<div class=\"pw-refused\" id=\"pw-apple-refused\" role=\"note\">\
         <p><strong>This pass cannot be added to Apple Wallet yet.</strong> \
         Something in it has to be corrected by {issuer} first; nothing is wrong with your \
         phone. Please contact {issuer} and mention the details below.</p>\
         <details><summary>Details for {issuer}</summary><ul>{}</ul></details></div>",
        reasons.join("")
    )
}

/// The pass drawn in HTML/CSS by the renderer the console's preview uses
/// ([`passworks_wire::layout`]): the same layout, fields and images, with the barcode
/// inline (a data URL, so the page needs no other request for it); in `lang` (its
/// translations and images) when given.
fn pass_card(
    campaign: &CampaignRecord,
    pass: &PassRecord,
    options: &passworks_wire::apple::AppleOptions,
    lang: Option<&str>,
) -> String {
    use passworks_wire::layout::{input_from_parts, layout, render_html, PassParts};
    let pres = pass.presentation(campaign);
    let d = &pass.doc;
    let barcode = pass.barcodes().into_iter().next();
    let (format, message) = match &barcode {
        Some(b) => (b.format, b.message.as_str()),
        None => (pres.barcode_format, pass.redeem_code.as_str()),
    };
    let parts = PassParts {
        style: campaign.campaign_type.pass_type(),
        transit: pres.transit_type,
        background_color: pres.background_color.as_deref(),
        text_color: pres.text_color.as_deref(),
        label_color: pres.label_color.as_deref(),
        logo_text: pres.logo_text.as_deref(),
        images: std::array::from_fn(|i| {
            let slot = passworks_wire::AssetType::ALL[i];
            (slot, pres.image(slot).as_deref())
        }),
        fields: [
            &d.header_fields,
            &d.primary_fields,
            &d.secondary_fields,
            &d.auxiliary_fields,
            &d.back_fields,
        ],
        barcode_format: format,
        barcode_message: message,
    };
    // The public PNG route of an asset (same origin as this page).
    let asset_url = |id: &str| Some(format!("/assets/{id}.png"));
    let mut input = input_from_parts(&parts, &asset_url);
    input.poster = passworks_wire::layout::poster_input(
        parts.style,
        options,
        pres.logo_text.as_deref().unwrap_or_default(),
        &asset_url,
    );
    input.flight = passworks_wire::layout::flight_input(parts.style, parts.transit, options);
    if let Some(lang) = lang {
        if let Some(strings) = options.translations.get(lang) {
            passworks_wire::layout::translate(&mut input, strings);
        }
        passworks_wire::layout::localize_images(&mut input, options, lang, &asset_url);
    }
    let l = layout(&input);
    let barcode_src = l.barcode.as_ref().and_then(|(f, m)| {
        use base64::Engine;
        passworks_pkpass::render_barcode_png(*f, m, 4)
            .ok()
            .map(|png| {
                format!(
                    "data:image/png;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(png)
                )
            })
    });
    render_html(&l, barcode_src.as_deref())
}

/// A paused or archived campaign: nothing is issued.
fn gone(state: &AppState, campaign: &CampaignRecord, want: Want) -> Response {
    let message = format!(
        "This campaign is {} and is not issuing passes at the moment.",
        campaign.state
    );
    if want != Want::Page {
        let mut r = ApiError::precondition("campaign", message).into_response();
        *r.status_mut() = StatusCode::GONE;
        return r;
    }
    html_page(PageParts {
        status: StatusCode::GONE,
        campaign,
        title: campaign.name.clone(),
        body: format!(
            "<h1>{}</h1><p class=\"pw-message\" id=\"pw-message\">{}</p>",
            esc(&campaign.name),
            esc(&message)
        ),
        og_image: Some(og_image(state, campaign, None)),
        og_url: state.url(&format!("/p/{}", campaign.page_token)),
        lang: None,
    })
}

/// A campaign page whose pass could not be issued (e.g. `per_pass` codes need the API).
fn error_page(campaign: &CampaignRecord, e: ApiError) -> Response {
    let status = e.status_code();
    if status.is_server_error() {
        return e.into_response();
    }
    let messages: Vec<String> = e
        .body()
        .errors
        .iter()
        .flat_map(|(k, v)| v.iter().map(move |m| format!("{k}: {m}")))
        .collect();
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
         <style>{BASE_CSS}</style></head><body><main class=\"pw-page\"><h1>{}</h1>\
         <p class=\"pw-message\" id=\"pw-message\">This page cannot issue a pass: {}</p>\
         </main></body></html>",
        esc(&campaign.name),
        esc(&campaign.name),
        esc(&messages.join("; "))
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn not_found_page() -> Response {
    (
        StatusCode::NOT_FOUND,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
        ],
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title>\
             <style>{BASE_CSS}</style></head><body><main class=\"pw-page\"><h1>Not found</h1>\
             <p class=\"pw-message\">There is no pass or campaign at this address.</p></main></body></html>"
        ),
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------
// /v2 helpers

#[derive(Debug, Deserialize)]
struct BarcodeQuery {
    format: Option<String>,
    message: Option<String>,
    scale: Option<String>,
}

/// `GET /v2/barcode.png?format=qrcode|pdf417|aztec|ean128&message=…[&scale=1..40]`.
async fn barcode_png(Auth(_): Auth, Query(q): Query<BarcodeQuery>) -> ApiResult<Response> {
    let mut errors = crate::error::Errors::default();
    let format = match q.format.as_deref().unwrap_or("qrcode") {
        "none" => {
            errors.add("format", "none has no symbol to draw");
            None
        }
        s => match BarcodeFormat::parse(s) {
            Some(f) => Some(f),
            None => {
                errors.add("format", "must be one of qrcode, pdf417, aztec, ean128");
                None
            }
        },
    };
    let message = q.message.unwrap_or_default();
    if message.is_empty() {
        errors.add("message", "can't be blank");
    } else if message.chars().count() > 2953 {
        errors.add("message", "is too long (at most 2953 characters)");
    }
    let scale = match q.scale.as_deref() {
        None | Some("") => 4,
        Some(s) => match s.parse::<u32>() {
            Ok(n) if (1..=40).contains(&n) => n,
            _ => {
                errors.add("scale", "must be a whole number from 1 to 40");
                4
            }
        },
    };
    errors.check()?;
    let format = format.unwrap_or_default();
    let png = tokio::task::spawn_blocking(move || {
        passworks_pkpass::render_barcode_png(format, &message, scale)
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("barcode task failed: {e}")))?
    .map_err(|e| ApiError::invalid("message", e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        png,
    )
        .into_response())
}

/// `GET /v2/{type}/{campaign_id}/passes/{pass_id}/pkpass`: the signed pass for API users
/// (422 with the validation messages when it cannot be built). No `downloaded` event.
async fn api_pkpass(
    State(state): State<AppState>,
    scope: PassScope,
    headers: HeaderMap,
) -> ApiResult<Response> {
    Ok(serve_pkpass(&state, &scope.campaign, &scope.pass, &headers, None).await)
}

/// `GET /v2/{type}/{campaign_id}/passes/pkpasses?ids=a,b,c`: up to 10 passes of the
/// campaign as one `.pkpasses` bundle (Apple's `application/vnd.apple.pkpasses`: a zip of
/// the signed `.pkpass` files, at most 10 passes and 150 MB), for a family's boarding passes
/// or a block of seats. 422 under `ids` (or `ids[i]`, with a pass's own build messages
/// under `ids[i].<attribute>`) when it cannot be made. No `downloaded` events.
async fn api_pkpasses(
    State(state): State<AppState>,
    scope: CampaignScope,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let ids: Vec<String> = q
        .get("ids")
        .map(|s| {
            s.split(',')
                .map(|i| i.trim().to_ascii_lowercase())
                .filter(|i| !i.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        return Err(ApiError::invalid(
            "ids",
            "can't be blank: give 1 to 10 pass ids, comma-separated",
        ));
    }
    if ids.len() > MAX_BUNDLE_PASSES {
        return Err(ApiError::invalid(
            "ids",
            format!(
                "has {} pass ids; a bundle holds at most {MAX_BUNDLE_PASSES} (Apple's limit)",
                ids.len()
            ),
        ));
    }
    let campaign = &scope.campaign;
    let mut built = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(ApiError::invalid(&format!("ids[{i}]"), "is listed twice"));
        }
        let Some(pass) = passes::load_in_campaign(&state.db, &campaign.id, id).await? else {
            return Err(ApiError::invalid(
                &format!("ids[{i}]"),
                "is not a pass of this campaign",
            ));
        };
        let package = async {
            let prepared = state.passes.prepare(&state, campaign, &pass).await?;
            state.passes.build(&state, &prepared).await
        }
        .await
        .map_err(|e| match e {
            ApiError::Validation(m) => ApiError::Validation(
                m.into_iter()
                    .map(|(k, v)| (format!("ids[{i}].{k}"), v))
                    .collect(),
            ),
            other => other,
        })?;
        built.push((pass.id.clone(), package.bytes));
    }
    let entries: Vec<(String, &[u8])> = built.iter().map(|(n, b)| (n.clone(), &b[..])).collect();
    let bundle = bundle_pkpasses(&entries).map_err(|e| ApiError::invalid("ids", e.to_string()))?;
    let name = file_name(campaign);
    let name = name.strip_suffix(".pkpass").unwrap_or(&name);
    Ok((
        [
            (header::CONTENT_TYPE, PKPASSES_CONTENT_TYPE.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.pkpasses\""),
            ),
        ],
        bundle,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_split_into_token_and_kind() {
        assert_eq!(split_tail("abc.pkpass"), ("abc", Want::Pkpass));
        assert_eq!(split_tail("abc.png"), ("abc", Want::Png));
        assert_eq!(split_tail("abc"), ("abc", Want::Page));
    }

    #[test]
    fn html_is_escaped_and_code_confined() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(confine("a</script><b>"), "a<\\/script><b>");
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; pw_x=tok.1.sig; b=2"),
        );
        assert_eq!(read_cookie(&h, "pw_x"), Some("tok.1.sig"));
        assert_eq!(read_cookie(&h, "pw_y"), None);
    }
}
