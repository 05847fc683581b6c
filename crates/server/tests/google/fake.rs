//! A local fake of Google's OAuth2 token endpoint and Wallet REST API (`walletobjects/v1`)
//! for the Google Wallet tests. It checks every request the way Google would: the
//! JWT-bearer grant's signature against the service account's public key and its claims,
//! the bearer token of every API call and that its service account acts for the issuer
//! the resource's id names, the path and method, the resource's id and the
//! attributes each class and object type requires; it keeps the resources in memory and
//! can be told to answer the next calls with an error status (404, 429, 500, 400).
//! Anything it finds wrong is recorded in `problems`, which the tests assert empty.

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Verifier;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// One API call the fake received.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    /// Path below `/walletobjects/v1/`.
    pub path: String,
    pub body: Value,
    /// The status the fake answered.
    pub status: u16,
    /// The service account (e-mail) whose token authorised the call.
    pub account: String,
}

#[derive(Default)]
pub struct Inner {
    /// PEM public keys of the service accounts allowed to get tokens, by e-mail.
    pub accounts: HashMap<String, String>,
    /// The issuer id each service account may act for, by e-mail.
    pub issuers: HashMap<String, String>,
    /// Tokens handed out, with the service account they were given to.
    pub tokens: HashMap<String, String>,
    pub token_requests: usize,
    pub resources: HashMap<(String, String), Value>,
    pub calls: Vec<Call>,
    /// Statuses to answer the next API calls with, before working normally again.
    pub fail_next: VecDeque<u16>,
    pub problems: Vec<String>,
    /// What `/keys` serves (Google's root signing keys).
    pub root_keys: Value,
    /// Bodies POSTed to `/hook` (a webhook receiver).
    pub hooks: Vec<Value>,
}

#[derive(Clone, Default)]
pub struct Fake {
    pub base: String,
    pub inner: Arc<Mutex<Inner>>,
}

impl Fake {
    /// Starts the fake on a free local port.
    pub async fn start() -> Fake {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let fake = Fake {
            base,
            inner: Default::default(),
        };
        let app = Router::new()
            .route("/token", post(token))
            .route(
                "/keys",
                get(|State(f): State<Fake>| async move {
                    Json(f.inner.lock().unwrap().root_keys.clone())
                }),
            )
            .route(
                "/hook",
                post(|State(f): State<Fake>, Json(v): Json<Value>| async move {
                    f.inner.lock().unwrap().hooks.push(v);
                    StatusCode::OK
                }),
            )
            .route("/walletobjects/v1/{collection}", post(insert))
            .route(
                "/walletobjects/v1/{collection}/{id}",
                get(read).patch(patch).put(patch),
            )
            .route(
                "/walletobjects/v1/{collection}/{id}/addMessage",
                post(add_message),
            )
            .fallback(|m: Method, u: axum::http::Uri| async move {
                (StatusCode::NOT_FOUND, format!("no such route: {m} {u}"))
            })
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        fake
    }

    pub fn token_url(&self) -> String {
        format!("{}/token", self.base)
    }

    pub fn api_url(&self) -> String {
        format!("{}/walletobjects/v1", self.base)
    }

    /// Lets the service account `email` with public key `pem` get tokens and act for
    /// `issuer` (a user of that issuer in the Wallet Console): an API call about another
    /// issuer's class or object is refused, as Google does.
    pub fn allow(&self, email: &str, pem: &str, issuer: &str) {
        let mut g = self.inner.lock().unwrap();
        g.accounts.insert(email.into(), pem.into());
        g.issuers.insert(email.into(), issuer.into());
    }

    pub fn fail_next(&self, statuses: &[u16]) {
        self.inner.lock().unwrap().fail_next.extend(statuses);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.lock().unwrap().calls.clone()
    }

    pub fn resource(&self, collection: &str, id: &str) -> Option<Value> {
        self.inner
            .lock()
            .unwrap()
            .resources
            .get(&(collection.to_string(), id.to_string()))
            .cloned()
    }

    #[track_caller]
    pub fn assert_no_problems(&self) {
        let p = self.inner.lock().unwrap().problems.clone();
        assert!(p.is_empty(), "the fake Google found problems: {p:#?}");
    }
}

fn b64d(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()
}

/// Verifies an RS256 JWT with a PEM public key; returns its claims.
pub fn verify_jwt(jwt: &str, public_pem: &str) -> Result<Value, String> {
    let parts: Vec<&str> = jwt.split('.').collect();
    let [h, c, s] = parts.as_slice() else {
        return Err("not three parts".into());
    };
    let header: Value = serde_json::from_slice(&b64d(h).ok_or("header not base64url")?)
        .map_err(|_| "header not JSON")?;
    if header["alg"] != "RS256" {
        return Err(format!("alg is {}", header["alg"]));
    }
    let key = PKey::public_key_from_pem(public_pem.as_bytes()).map_err(|e| e.to_string())?;
    let mut v = Verifier::new(MessageDigest::sha256(), &key).map_err(|e| e.to_string())?;
    v.update(format!("{h}.{c}").as_bytes()).unwrap();
    let sig = b64d(s).ok_or("signature not base64url")?;
    if !v.verify(&sig).unwrap_or(false) {
        return Err("bad signature".into());
    }
    serde_json::from_slice(&b64d(c).ok_or("claims not base64url")?)
        .map_err(|_| "claims not JSON".into())
}

fn google_error(status: u16, message: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        Json(json!({"error": {"code": status, "message": message, "status": "FAILED"}})),
    )
        .into_response()
}

async fn token(State(f): State<Fake>, Form(form): Form<HashMap<String, String>>) -> Response {
    let mut g = f.inner.lock().unwrap();
    g.token_requests += 1;
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        g.problems
            .push(format!("token: grant_type {:?}", form.get("grant_type")));
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unsupported_grant_type"})),
        )
            .into_response();
    }
    let assertion = form.get("assertion").cloned().unwrap_or_default();
    // Find the issuer without trusting the claims, then verify with its key.
    let claims_unverified: Value = assertion
        .split('.')
        .nth(1)
        .and_then(b64d)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let iss = claims_unverified["iss"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let Some(pem) = g.accounts.get(&iss).cloned() else {
        g.problems
            .push(format!("token: unknown service account {iss:?}"));
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    let claims = match verify_jwt(&assertion, &pem) {
        Ok(c) => c,
        Err(e) => {
            g.problems.push(format!("token: assertion {e}"));
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_grant"})),
            )
                .into_response();
        }
    };
    let now = chrono::Utc::now().timestamp();
    let mut bad = Vec::new();
    if claims["aud"].as_str() != Some(&format!("{}/token", f.base)) {
        bad.push(format!("aud {}", claims["aud"]));
    }
    if claims["scope"].as_str() != Some("https://www.googleapis.com/auth/wallet_object.issuer") {
        bad.push(format!("scope {}", claims["scope"]));
    }
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap_or(0),
        claims["exp"].as_i64().unwrap_or(0),
    );
    if (iat - now).abs() > 60 || exp <= now || exp - iat > 3600 {
        bad.push(format!("iat {iat} exp {exp} now {now}"));
    }
    if !bad.is_empty() {
        g.problems.push(format!("token: claims {bad:?}"));
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    }
    let t = format!("ya29.fake-{}", uuid::Uuid::new_v4().simple());
    g.tokens.insert(t.clone(), iss);
    Json(json!({"access_token": t, "expires_in": 3600, "token_type": "Bearer"})).into_response()
}

const PREFIXES: [&str; 6] = [
    "generic",
    "offer",
    "loyalty",
    "eventTicket",
    "flight",
    "transit",
];

/// What Google requires of each resource type (the attributes marked "Required" in its
/// REST reference), as JSON pointers.
fn required(collection: &str) -> &'static [&'static str] {
    match collection {
        "genericClass" => &["/id"],
        "genericObject" => &[
            "/id",
            "/classId",
            "/cardTitle/defaultValue/value",
            "/header/defaultValue/value",
        ],
        "offerClass" => &[
            "/id",
            "/issuerName",
            "/reviewStatus",
            "/title",
            "/provider",
            "/redemptionChannel",
        ],
        "loyaltyClass" => &[
            "/id",
            "/issuerName",
            "/reviewStatus",
            "/programName",
            "/programLogo/sourceUri/uri",
        ],
        "eventTicketClass" => &[
            "/id",
            "/issuerName",
            "/reviewStatus",
            "/eventName/defaultValue/value",
        ],
        "flightClass" => &[
            "/id",
            "/issuerName",
            "/reviewStatus",
            "/localScheduledDepartureDateTime",
            "/flightHeader/carrier/carrierIataCode",
            "/flightHeader/flightNumber",
            "/origin/airportIataCode",
            "/destination/airportIataCode",
        ],
        "flightObject" => &[
            "/id",
            "/classId",
            "/state",
            "/passengerName",
            "/reservationInfo/confirmationCode",
        ],
        "transitClass" => &[
            "/id",
            "/issuerName",
            "/reviewStatus",
            "/transitType",
            "/logo/sourceUri/uri",
        ],
        "transitObject" => &["/id", "/classId", "/state", "/tripType"],
        _ => &["/id", "/classId", "/state"],
    }
}

/// Checks a resource's shape; returns what is wrong.
fn shape(collection: &str, v: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    let known = PREFIXES
        .iter()
        .any(|p| collection == format!("{p}Class") || collection == format!("{p}Object"));
    if !known {
        return vec![format!("unknown collection {collection}")];
    }
    for ptr in required(collection) {
        match v.pointer(ptr) {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(Value::Object(_)) => {}
            _ => bad.push(format!("{collection}: {ptr} is required")),
        }
    }
    let id = v["id"].as_str().unwrap_or_default();
    let ok_id = id.split_once('.').is_some_and(|(issuer, rest)| {
        !issuer.is_empty()
            && issuer.chars().all(|c| c.is_ascii_digit())
            && !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    });
    if !ok_id {
        bad.push(format!(
            "{collection}: id {id:?} is not <issuer id>.<suffix>"
        ));
    }
    if let Some(state) = v.get("state") {
        if !matches!(
            state.as_str(),
            Some("ACTIVE" | "COMPLETED" | "EXPIRED" | "INACTIVE")
        ) {
            bad.push(format!("{collection}: state {state}"));
        }
    }
    if let Some(b) = v.get("barcode") {
        if !matches!(
            b["type"].as_str(),
            Some("QR_CODE" | "PDF_417" | "AZTEC" | "CODE_128")
        ) || b["value"].as_str().unwrap_or("").is_empty()
        {
            bad.push(format!("{collection}: barcode {b}"));
        }
    }
    if let Some(modules) = v.get("textModulesData").and_then(Value::as_array) {
        for m in modules {
            if m["body"].as_str().unwrap_or("").is_empty()
                || m["id"].as_str().unwrap_or("").is_empty()
            {
                bad.push(format!("{collection}: text module {m}"));
            }
        }
    }
    bad
}

/// Checks the bearer token and the failure queue; `Err` is the answer to give.
#[allow(clippy::result_large_err)]
fn gate(
    f: &Fake,
    headers: &HeaderMap,
    method: &str,
    path: &str,
    body: &Value,
) -> Result<(), Response> {
    let mut g = f.inner.lock().unwrap();
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_string();
    let account = g.tokens.get(&token).cloned().unwrap_or_default();
    let mut call = Call {
        method: method.into(),
        path: path.into(),
        body: body.clone(),
        status: 0,
        account: account.clone(),
    };
    if !g.tokens.contains_key(&token) {
        g.problems
            .push(format!("{method} {path}: bad bearer token {token:?}"));
        call.status = 401;
        g.calls.push(call);
        return Err(google_error(
            401,
            "Request had invalid authentication credentials.",
        ));
    }
    // The resource's id names its issuer: the token's service account must act for it.
    let id = path
        .split('/')
        .nth(1)
        .or_else(|| body["id"].as_str())
        .unwrap_or_default();
    let issuer = g.issuers.get(&account).cloned().unwrap_or_default();
    if id.split('.').next() != Some(issuer.as_str()) {
        g.problems.push(format!(
            "{method} {path}: {account} acts for issuer {issuer}, not for {id}"
        ));
        call.status = 403;
        g.calls.push(call);
        return Err(google_error(
            403,
            "The caller does not have permission on this issuer.",
        ));
    }
    if let Some(status) = g.fail_next.pop_front() {
        call.status = status;
        g.calls.push(call);
        return Err(google_error(status, "injected failure"));
    }
    g.calls.push(call);
    Ok(())
}

fn answered(f: &Fake, status: u16) {
    if let Some(c) = f.inner.lock().unwrap().calls.last_mut() {
        c.status = status;
    }
}

async fn insert(
    State(f): State<Fake>,
    Path(collection): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = gate(&f, &headers, "POST", &collection, &body) {
        return r;
    }
    let bad = shape(&collection, &body);
    let mut g = f.inner.lock().unwrap();
    if !bad.is_empty() {
        g.problems.extend(bad.clone());
        drop(g);
        answered(&f, 400);
        return google_error(400, &bad.join("; "));
    }
    let id = body["id"].as_str().unwrap_or_default().to_string();
    if collection.ends_with("Object") {
        let class = collection.replace("Object", "Class");
        let class_id = body["classId"].as_str().unwrap_or_default().to_string();
        if !g.resources.contains_key(&(class, class_id.clone())) {
            drop(g);
            answered(&f, 404);
            return google_error(404, &format!("class {class_id} not found"));
        }
    }
    let key = (collection, id);
    if g.resources.contains_key(&key) {
        drop(g);
        answered(&f, 409);
        return google_error(409, "Resource already exists");
    }
    g.resources.insert(key, body.clone());
    drop(g);
    answered(&f, 200);
    Json(body).into_response()
}

async fn read(
    State(f): State<Fake>,
    Path((collection, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = gate(
        &f,
        &headers,
        "GET",
        &format!("{collection}/{id}"),
        &Value::Null,
    ) {
        return r;
    }
    match f.resource(&collection, &id) {
        Some(v) => Json(v).into_response(),
        None => google_error(404, "not found"),
    }
}

async fn patch(
    State(f): State<Fake>,
    Path((collection, id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let path = format!("{collection}/{id}");
    if let Err(r) = gate(&f, &headers, "PATCH", &path, &body) {
        return r;
    }
    let mut g = f.inner.lock().unwrap();
    let key = (collection.clone(), id.clone());
    let Some(mut current) = g.resources.get(&key).cloned() else {
        drop(g);
        answered(&f, 404);
        return google_error(404, "Resource not found");
    };
    if body
        .get("id")
        .is_some_and(|b| b != &Value::String(id.clone()))
    {
        g.problems
            .push(format!("PATCH {path}: body id {}", body["id"]));
    }
    if let (Some(c), Some(b)) = (current.as_object_mut(), body.as_object()) {
        for (k, v) in b {
            c.insert(k.clone(), v.clone());
        }
    }
    let bad = shape(&collection, &current);
    if !bad.is_empty() {
        g.problems.extend(bad.clone());
        drop(g);
        answered(&f, 400);
        return google_error(400, &bad.join("; "));
    }
    g.resources.insert(key, current.clone());
    drop(g);
    answered(&f, 200);
    Json(current).into_response()
}

async fn add_message(
    State(f): State<Fake>,
    Path((collection, id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let path = format!("{collection}/{id}/addMessage");
    if let Err(r) = gate(&f, &headers, "POST", &path, &body) {
        return r;
    }
    let mut g = f.inner.lock().unwrap();
    let m = &body["message"];
    if m["header"].as_str().unwrap_or("").is_empty() || m["body"].as_str().unwrap_or("").is_empty()
    {
        g.problems
            .push(format!("{path}: message needs header and body: {body}"));
    }
    let key = (collection, id);
    let Some(current) = g.resources.get_mut(&key) else {
        drop(g);
        answered(&f, 404);
        return google_error(404, "Resource not found");
    };
    if let Some(a) = current["messages"].as_array_mut() {
        a.push(m.clone());
    } else {
        current["messages"] = json!([m]);
    }
    let resource = current.clone();
    drop(g);
    answered(&f, 200);
    Json(json!({"resource": resource})).into_response()
}
