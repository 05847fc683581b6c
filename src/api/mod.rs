//! The one HTTP client of the console: one typed method per API endpoint.
//!
//! Pages call `api::campaigns::list(kind, &query)`, `api::passes::redeem(…)` and the
//! like (in [`resources`]): typed arguments in, a wire type or [`ApiError`] out. Which
//! method and path an endpoint has is written once, in [`Endpoint`]; the request
//! helpers below are private to this module, so pages never build a path.
//!
//! Requests carry HTTP Basic credentials of the signed-in organization and
//! `X-Requested-With` (so a 401 never opens the browser's login prompt); a 401 on an
//! authenticated call runs the sign-out callback. Failures come back as [`ApiError`]
//! with the HTTP status (0 for network failures) and the error body normalised to the
//! canonical `{"errors": {"attr": ["message"]}}` shape, whatever legacy shape the
//! server used (§16.2), so field errors reach form fields. List calls also return the
//! pagination headers. Every request carries the abort signal of the page that sent
//! it ([`scope`]): leaving the page cancels it.

use std::cell::RefCell;

use gloo_net::http::{Request, RequestBuilder, Response};
use passworks_wire::query::ListQuery;
use passworks_wire::ErrorBody;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::JsCast;

use crate::util::base64_encode;

mod endpoint;
mod resources;
pub mod scope;

pub use endpoint::{Endpoint, Method, StateChange};
pub use resources::*;
pub use scope::{page, spawn, RequestScope};

/// API credentials of one organization.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Credentials {
    pub username: String,
    pub key: String,
    /// A person's session token (signed in with e-mail and password): sent as
    /// `Authorization: Bearer`, instead of the Basic username and key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// A failed call: HTTP status (0 when the request never got an answer) and error body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub body: ErrorBody,
    /// Cancelled because its page was left (see [`scope`]); nothing shows it.
    aborted: bool,
}

impl ApiError {
    /// An error with one `base` message.
    pub fn base(status: u16, msg: impl Into<String>) -> Self {
        let mut body = ErrorBody::default();
        body.errors.insert("base".into(), vec![msg.into()]);
        ApiError {
            status,
            body,
            aborted: false,
        }
    }

    /// The result of a request cancelled because its page was left.
    fn aborted() -> Self {
        ApiError {
            aborted: true,
            ..ApiError::base(0, "The request was cancelled: its page was left.")
        }
    }

    /// True when the request was cancelled because its page was left.
    pub fn is_aborted(&self) -> bool {
        self.aborted
    }

    /// Every message without attribute names (`Pass already redeemed`).
    pub fn plain(&self) -> String {
        self.body
            .errors
            .values()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The message a person should read: attribute-prefixed for validation errors,
    /// plain for refusals.
    pub fn message(&self) -> String {
        let summary = if self.status == 422 {
            self.body.summary()
        } else {
            self.plain()
        };
        match self.status {
            // The browser's own words ("TypeError: Failed to fetch") help nobody.
            0 if !self.aborted => {
                "The server could not be reached: check the connection, then retry.".into()
            }
            0 => summary,
            401 => "The API username or key was not accepted.".into(),
            404 if summary.is_empty() => "Not found.".into(),
            413 if summary.is_empty() => "The file is too large (1 MiB at most).".into(),
            429 | 420 => "Too many requests: the rate limit was reached. Try again later.".into(),
            s if summary.is_empty() => format!("The request failed (HTTP {s})."),
            _ => summary,
        }
    }

    /// Messages for one attribute, joined, when the server named it.
    pub fn field(&self, attr: &str) -> Option<String> {
        self.body
            .errors
            .get(attr)
            .filter(|v| !v.is_empty())
            .map(|v| v.join(", "))
    }

    /// True when every message belongs to one of `attrs` (so no general banner is needed).
    pub fn only_fields(&self, attrs: &[&str]) -> bool {
        self.status == 422 && self.body.errors.keys().all(|k| attrs.contains(&k.as_str()))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ApiError {}

pub type ApiResult<T> = Result<T, ApiError>;

/// Normalises any error body shape of §16.2/§19 #4 into the canonical map.
pub fn normalise_errors(status: u16, v: &Value) -> ErrorBody {
    let mut out = ErrorBody::default();
    let push = |out: &mut ErrorBody, k: &str, m: String| {
        out.errors.entry(k.to_string()).or_default().push(m)
    };
    match v.get("errors") {
        Some(Value::Object(map)) => {
            for (k, val) in map {
                match val {
                    Value::Array(items) => {
                        for i in items {
                            push(&mut out, k, value_text(i));
                        }
                    }
                    other => push(&mut out, k, value_text(other)),
                }
            }
        }
        Some(Value::Array(items)) => {
            for i in items {
                push(&mut out, "base", value_text(i));
            }
        }
        Some(Value::String(s)) => push(&mut out, "base", s.clone()),
        _ => {}
    }
    if out.errors.is_empty() {
        if let Some(m) = v.get("message").and_then(Value::as_str) {
            push(&mut out, "base", m.to_string());
        } else if status >= 400 {
            push(&mut out, "base", format!("HTTP {status}"));
        }
    }
    out
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Pagination state from the `X-` headers (§4.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageInfo {
    pub total: u64,
    pub total_pages: u32,
    pub page: u32,
    pub per_page: u32,
    pub next_page: Option<u32>,
    pub prev_page: Option<u32>,
    pub offset: u64,
}

impl PageInfo {
    /// Reads the headers through a lookup function (testable without a browser).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let num = |k: &str| get(k).and_then(|v| v.trim().parse::<u64>().ok());
        PageInfo {
            total: num("X-Total").unwrap_or(0),
            total_pages: num("X-Total-Pages").unwrap_or(0) as u32,
            page: num("X-Page").unwrap_or(1) as u32,
            per_page: num("X-Per-Page").unwrap_or(25) as u32,
            next_page: num("X-Next-Page").map(|n| n as u32),
            prev_page: num("X-Prev-Page").map(|n| n as u32),
            offset: num("X-Offset").unwrap_or(0),
        }
    }
}

struct ClientState {
    base: String,
    creds: Option<Credentials>,
    on_unauthorized: Option<std::rc::Rc<dyn Fn()>>,
}

thread_local! {
    static STATE: RefCell<ClientState> = const { RefCell::new(ClientState {
        base: String::new(),
        creds: None,
        on_unauthorized: None,
    }) };
}

/// Sets the API base URL (from `config.json`).
pub fn set_base(base: &str) {
    STATE.with(|s| s.borrow_mut().base = base.trim_end_matches('/').to_string());
}

/// Sets or clears the credentials used on every request.
pub fn set_credentials(creds: Option<Credentials>) {
    STATE.with(|s| s.borrow_mut().creds = creds);
}

/// Called when an authenticated request gets 401 (the key was revoked or rotated).
pub fn set_on_unauthorized(f: impl Fn() + 'static) {
    STATE.with(|s| s.borrow_mut().on_unauthorized = Some(std::rc::Rc::new(f)));
}

/// Runs the 401 callback. It signs out, which clears the credentials kept in `STATE`:
/// so it must run after the borrow that fetched it has ended (a nested `borrow_mut`
/// would panic and stop the whole app).
fn unauthorized() {
    let callback = STATE.with(|s| s.borrow().on_unauthorized.clone());
    if let Some(f) = callback {
        f();
    }
}

/// Absolute URL of an endpoint.
fn url(endpoint: &Endpoint) -> String {
    let base = STATE.with(|s| s.borrow().base.clone());
    format!("{base}{}", endpoint.path())
}

/// True when `u` points into the API (so fetching it needs the credentials).
pub fn is_api_url(u: &str) -> bool {
    let base = STATE.with(|s| s.borrow().base.clone());
    if u.starts_with(&base) && !base.is_empty() {
        return true;
    }
    if let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) {
        if let Some(rest) = u.strip_prefix(&origin) {
            return rest.starts_with(&base) && !base.is_empty();
        }
    }
    false
}

/// The `Authorization` header value for credentials: Bearer for a session, else Basic.
fn basic_auth(c: &Credentials) -> String {
    if let Some(token) = &c.token {
        return format!("Bearer {token}");
    }
    format!(
        "Basic {}",
        base64_encode(format!("{}:{}", c.username, c.key).as_bytes())
    )
}

fn auth_header() -> Option<String> {
    STATE.with(|s| s.borrow().creds.as_ref().map(basic_auth))
}

fn network_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::base(0, e.to_string())
}

/// A request about to be sent: its endpoint's method and URL, the headers every
/// request carries, and the abort signal of the page it belongs to.
struct Call {
    builder: RequestBuilder,
    scope: Option<RequestScope>,
}

impl Call {
    /// `creds` replaces the signed-in credentials (the sign-in check).
    fn new(endpoint: &Endpoint, creds: Option<&Credentials>) -> Self {
        Call::to_url(endpoint.method(), &url(endpoint), creds)
    }

    fn to_url(method: Method, full_url: &str, creds: Option<&Credentials>) -> Self {
        let rb = match method {
            Method::Get => Request::get(full_url),
            Method::Post => Request::post(full_url),
            Method::Patch => Request::patch(full_url),
            Method::Delete => Request::delete(full_url),
        };
        // `omit`: the Authorization header is explicit; `X-Requested-With` makes the
        // server answer a 401 with a challenge the browser does not turn into its own
        // login prompt.
        let rb = rb
            .header("Accept", "application/json")
            .header("X-Requested-With", "XMLHttpRequest")
            .credentials(web_sys::RequestCredentials::Omit);
        let rb = match creds.map(basic_auth).or_else(auth_header) {
            Some(h) => rb.header("Authorization", &h),
            None => rb,
        };
        let scope = RequestScope::current();
        let signal = scope.as_ref().and_then(RequestScope::signal);
        Call {
            builder: rb.abort_signal(signal.as_ref()),
            scope,
        }
    }

    /// Asks for another representation than JSON (`text/csv` for a list export).
    fn accept(mut self, mime: &str) -> Self {
        self.builder = self.builder.header("Accept", mime);
        self
    }

    fn aborted(&self) -> bool {
        self.scope.as_ref().is_some_and(RequestScope::is_aborted)
    }

    /// Sends without a body or with a JSON one. A 401 signs out when `authenticated`.
    async fn send<B: Serialize + ?Sized>(
        self,
        body: Option<&B>,
        authenticated: bool,
    ) -> ApiResult<(Response, Option<RequestScope>)> {
        if self.aborted() {
            return Err(ApiError::aborted());
        }
        let req = match body {
            Some(b) => self.builder.json(b),
            None => self.builder.build(),
        };
        let sent = match req {
            Ok(req) => req.send().await,
            Err(e) => Err(e),
        };
        // Once the page is gone, whatever came back (usually an `AbortError`) is moot.
        if self.scope.as_ref().is_some_and(RequestScope::is_aborted) {
            return Err(ApiError::aborted());
        }
        let resp = sent.map_err(network_error)?;
        if resp.ok() {
            Ok((resp, self.scope))
        } else {
            Err(error_from(resp, authenticated).await)
        }
    }
}

async fn error_from(resp: Response, authenticated: bool) -> ApiError {
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if status == 401 && authenticated {
        unauthorized();
    }
    ApiError {
        status,
        body: normalise_errors(status, &v),
        aborted: false,
    }
}

async fn decode<T: DeserializeOwned>(
    (resp, scope): (Response, Option<RequestScope>),
) -> ApiResult<T> {
    let text = resp.text().await;
    if scope.as_ref().is_some_and(RequestScope::is_aborted) {
        return Err(ApiError::aborted());
    }
    let text = text.map_err(network_error)?;
    let text = if text.trim().is_empty() {
        "null"
    } else {
        &text
    };
    serde_json::from_str(text)
        .map_err(|e| ApiError::base(resp.status(), format!("Unexpected response: {e}")))
}

/// Calls an endpoint without a body and decodes its answer.
async fn call<T: DeserializeOwned>(endpoint: Endpoint<'_>) -> ApiResult<T> {
    decode(Call::new(&endpoint, None).send::<()>(None, true).await?).await
}

/// Calls an endpoint with a JSON body and decodes its answer.
async fn call_with<B: Serialize + ?Sized, T: DeserializeOwned>(
    endpoint: Endpoint<'_>,
    body: &B,
) -> ApiResult<T> {
    decode(Call::new(&endpoint, None).send(Some(body), true).await?).await
}

/// Calls an endpoint whose success body carries nothing (deletes answer `{"errors":[]}`).
async fn call_for_status<B: Serialize + ?Sized>(
    endpoint: Endpoint<'_>,
    body: Option<&B>,
) -> ApiResult<()> {
    Call::new(&endpoint, None).send(body, true).await?;
    Ok(())
}

/// Calls an endpoint that needs no credentials (signing in, accepting an invitation):
/// a 401 here signs nobody out.
async fn call_public<B: Serialize + ?Sized, T: DeserializeOwned>(
    endpoint: Endpoint<'_>,
    body: Option<&B>,
) -> ApiResult<T> {
    decode(Call::new(&endpoint, None).send(body, false).await?).await
}

/// Calls an endpoint with explicit credentials and no body, ignoring the answer
/// (signing out, while the console forgets those credentials).
async fn call_for_status_as(endpoint: Endpoint<'_>, creds: &Credentials) -> ApiResult<()> {
    Call::new(&endpoint, Some(creds))
        .send::<()>(None, false)
        .await?;
    Ok(())
}

/// GET with explicit credentials (the sign-in check). A 401 here does not sign anyone out.
async fn call_as<T: DeserializeOwned>(endpoint: Endpoint<'_>, creds: &Credentials) -> ApiResult<T> {
    decode(
        Call::new(&endpoint, Some(creds))
            .send::<()>(None, false)
            .await?,
    )
    .await
}

/// GET a list page: items plus pagination headers.
async fn fetch_page<T: DeserializeOwned>(
    endpoint: Endpoint<'_>,
    q: &ListQuery,
) -> ApiResult<(Vec<T>, PageInfo)> {
    fetch_page_searching(endpoint, q, "").await
}

/// [`fetch_page`] with a search text (`q[search]`, when not blank).
async fn fetch_page_searching<T: DeserializeOwned>(
    endpoint: Endpoint<'_>,
    q: &ListQuery,
    search: &str,
) -> ApiResult<(Vec<T>, PageInfo)> {
    let qs = crate::table_state::to_search_with(q, search);
    let mut full = url(&endpoint);
    if let Some(qs) = qs.strip_prefix('?') {
        full.push(if full.contains('?') { '&' } else { '?' });
        full.push_str(qs);
    }
    let sent = Call::to_url(endpoint.method(), &full, None)
        .send::<()>(None, true)
        .await?;
    let h = sent.0.headers();
    let info = PageInfo::from_lookup(|k| h.get(k).filter(|v| !v.is_empty()));
    let items = decode(sent).await?;
    Ok((items, info))
}

/// Posts a CSV file as the body (`Content-Type: text/csv`) and decodes the JSON answer.
async fn post_csv<T: DeserializeOwned>(endpoint: Endpoint<'_>, csv: &str) -> ApiResult<T> {
    let call = Call::new(&endpoint, None);
    if call.aborted() {
        return Err(ApiError::aborted());
    }
    let scope = call.scope;
    let req = call
        .builder
        .header("Content-Type", "text/csv")
        .body(wasm_bindgen::JsValue::from_str(csv));
    let sent = match req {
        Ok(req) => req.send().await,
        Err(e) => Err(e),
    };
    if scope.as_ref().is_some_and(RequestScope::is_aborted) {
        return Err(ApiError::aborted());
    }
    let resp = sent.map_err(network_error)?;
    if !resp.ok() {
        return Err(error_from(resp, true).await);
    }
    decode((resp, scope)).await
}

/// GETs a CSV report (`Accept: text/csv`) as text.
async fn get_csv(endpoint: Endpoint<'_>) -> ApiResult<String> {
    let (resp, scope) = Call::new(&endpoint, None)
        .accept("text/csv")
        .send::<()>(None, true)
        .await?;
    let text = resp.text().await;
    if scope.as_ref().is_some_and(RequestScope::is_aborted) {
        return Err(ApiError::aborted());
    }
    text.map_err(network_error)
}

/// A whole list as CSV (`Accept: text/csv`): the server streams every row matching the
/// filters, sort and search text of the page, without pagination.
async fn fetch_csv(endpoint: Endpoint<'_>, q: &ListQuery, search: &str) -> ApiResult<String> {
    let q = ListQuery {
        page: 1,
        ..q.clone()
    };
    let qs = crate::table_state::to_search_with(&q, search);
    let mut full = url(&endpoint);
    if let Some(qs) = qs.strip_prefix('?') {
        full.push(if full.contains('?') { '&' } else { '?' });
        full.push_str(qs);
    }
    let (resp, scope) = Call::to_url(endpoint.method(), &full, None)
        .accept("text/csv")
        .send::<()>(None, true)
        .await?;
    let is_csv = resp
        .headers()
        .get("Content-Type")
        .is_some_and(|t| t.starts_with("text/csv"));
    let text = resp.text().await;
    if scope.as_ref().is_some_and(RequestScope::is_aborted) {
        return Err(ApiError::aborted());
    }
    let text = text.map_err(network_error)?;
    if !is_csv {
        return Err(ApiError::base(
            406,
            "This server cannot export this list as CSV yet.",
        ));
    }
    Ok(text)
}

/// Fetches every page of a list (for pickers and selects), up to `max_pages`.
async fn fetch_all<T: DeserializeOwned>(
    endpoint: Endpoint<'_>,
    max_pages: u32,
) -> ApiResult<Vec<T>> {
    let mut out = Vec::new();
    let mut q = ListQuery {
        per_page: passworks_wire::query::MAX_PER_PAGE,
        ..Default::default()
    };
    loop {
        let (items, info): (Vec<T>, PageInfo) = fetch_page(endpoint.clone(), &q).await?;
        let empty = items.is_empty();
        out.extend(items);
        match info.next_page {
            Some(n) if !empty && q.page < max_pages => q.page = n,
            _ => break,
        }
    }
    Ok(out)
}

/// GET binary content (a PNG) of an API URL with the credentials and return an object
/// URL for it (for `<img>`, which cannot send the `Authorization` header).
pub async fn object_url(full_url: &str) -> ApiResult<String> {
    let (resp, scope) = Call::to_url(Method::Get, full_url, None)
        .send::<()>(None, true)
        .await?;
    let ct = resp
        .headers()
        .get("Content-Type")
        .unwrap_or_else(|| "image/png".into());
    let bytes = resp.binary().await;
    if scope.as_ref().is_some_and(RequestScope::is_aborted) {
        return Err(ApiError::aborted());
    }
    let bytes = bytes.map_err(network_error)?;
    let arr = js_sys::Uint8Array::from(bytes.as_slice());
    let parts = js_sys::Array::of1(&arr);
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(&ct);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts)
        .map_err(|_| ApiError::base(0, "Could not read the image"))?;
    web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| ApiError::base(0, "Could not show the image"))
}

/// Aborts an upload's `XMLHttpRequest` when its future is dropped unfinished (its task
/// ended with its page) and detaches the handlers that point into Rust.
struct XhrGuard(web_sys::XmlHttpRequest);

impl Drop for XhrGuard {
    fn drop(&mut self) {
        if self.0.ready_state() != web_sys::XmlHttpRequest::DONE {
            let _ = self.0.abort();
        }
        if let Ok(up) = self.0.upload() {
            up.set_onprogress(None);
        }
    }
}

/// Multipart POST through `XMLHttpRequest` so upload progress (0.0–1.0) can be shown.
async fn upload<T: DeserializeOwned>(
    endpoint: Endpoint<'_>,
    form: web_sys::FormData,
    on_progress: impl Fn(f64) + 'static,
) -> ApiResult<T> {
    use wasm_bindgen::closure::Closure;
    let scope = RequestScope::current();
    if scope.as_ref().is_some_and(RequestScope::is_aborted) {
        return Err(ApiError::aborted());
    }
    let xhr = web_sys::XmlHttpRequest::new().map_err(|_| ApiError::base(0, "XHR unavailable"))?;
    xhr.open(endpoint.method().as_str(), &url(&endpoint))
        .map_err(|_| ApiError::base(0, "Could not open the request"))?;
    let guard = XhrGuard(xhr.clone());
    let _ = xhr.set_request_header("Accept", "application/json");
    // Same-origin XHR always carries browser credentials; this header keeps a 401 from
    // opening the browser's login prompt (the server then sends an `xBasic` challenge).
    let _ = xhr.set_request_header("X-Requested-With", "XMLHttpRequest");
    if let Some(h) = auth_header() {
        let _ = xhr.set_request_header("Authorization", &h);
    }
    let progress =
        Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                on_progress(e.loaded() / e.total());
            }
        });
    if let Ok(up) = xhr.upload() {
        up.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    // Leaving the page aborts the upload like any other request.
    let signal = scope.as_ref().and_then(RequestScope::signal);
    let on_abort = Closure::<dyn Fn()>::new({
        let xhr = xhr.clone();
        move || {
            let _ = xhr.abort();
        }
    });
    if let Some(s) = &signal {
        let _ = s.add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
    }
    let done = js_sys::Promise::new(&mut |resolve, _reject| {
        let r2 = resolve.clone();
        let ok = Closure::once_into_js(move || {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        });
        let fail = Closure::once_into_js(move || {
            let _ = r2.call0(&wasm_bindgen::JsValue::NULL);
        });
        xhr.set_onloadend(Some(ok.unchecked_ref()));
        xhr.set_onerror(Some(fail.unchecked_ref()));
    });
    xhr.send_with_opt_form_data(Some(&form))
        .map_err(|_| ApiError::base(0, "Could not send the file"))?;
    let _ = wasm_bindgen_futures::JsFuture::from(done).await;
    if let Some(s) = &signal {
        let _ = s.remove_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
    }
    drop(guard);
    drop(progress);
    if scope.as_ref().is_some_and(RequestScope::is_aborted) {
        return Err(ApiError::aborted());
    }
    let status = xhr.status().unwrap_or(0);
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    let v: Value = serde_json::from_str(if text.trim().is_empty() {
        "null"
    } else {
        &text
    })
    .unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        serde_json::from_value(v)
            .map_err(|e| ApiError::base(status, format!("Unexpected response: {e}")))
    } else if status == 0 {
        Err(ApiError::base(0, "The upload was interrupted."))
    } else {
        if status == 401 {
            unauthorized();
        }
        Err(ApiError {
            status,
            body: normalise_errors(status, &v),
            aborted: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn legacy_error_shapes_normalise() {
        let e = normalise_errors(
            412,
            &json!({"errors": ["Can't resume from archived to published"]}),
        );
        assert_eq!(
            e.errors["base"],
            vec!["Can't resume from archived to published"]
        );
        let e = normalise_errors(412, &json!({"errors": {"campaign": "Campaign not found."}}));
        assert_eq!(e.errors["campaign"], vec!["Campaign not found."]);
        let e = normalise_errors(
            422,
            &json!({"errors": {"name": ["has already been taken"]}}),
        );
        assert_eq!(e.errors["name"], vec!["has already been taken"]);
        let e = normalise_errors(500, &Value::Null);
        assert_eq!(e.errors["base"], vec!["HTTP 500"]);
    }

    #[test]
    fn page_info_reads_headers_and_treats_missing_next_as_last() {
        let info = PageInfo::from_lookup(|k| match k {
            "X-Total" => Some("51".into()),
            "X-Total-Pages" => Some("3".into()),
            "X-Page" => Some("3".into()),
            "X-Per-Page" => Some("25".into()),
            "X-Prev-Page" => Some("2".into()),
            _ => None,
        });
        assert_eq!(info.total, 51);
        assert_eq!(info.next_page, None);
        assert_eq!(info.prev_page, Some(2));
    }
}
