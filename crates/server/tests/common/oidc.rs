//! A local OpenID Connect provider for the single sign-on tests (issue 16): discovery,
//! JWKS, `/authorize` and `/token`, checking every request it gets (PKCE S256, client
//! authentication, redirect URI, single-use codes) and signing its ID tokens with RS256
//! (or, when told to, with another key). Used by `tests/sso.rs` and by the console's
//! browser test `crates/e2e/tests/teams.rs` (which includes this file by path).
#![allow(dead_code)]

use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const CLIENT_ID: &str = "passworks";
pub const CLIENT_SECRET: &str = "provider-secret";

/// What the provider does with the next sign-in.
#[derive(Clone, Default)]
pub struct Next {
    pub email: String,
    pub groups: Vec<String>,
    pub forge: bool,
    pub wrong_nonce: bool,
}

#[derive(Default)]
pub struct Inner {
    pub base: String,
    pub redirect_uri: String,
    /// code → (challenge, nonce, who)
    pub codes: HashMap<String, (String, String, Next)>,
    pub next: Next,
    /// Every rule a request broke.
    pub violations: Vec<String>,
    pub tokens_issued: usize,
}

#[derive(Clone)]
pub struct Provider {
    pub inner: Arc<Mutex<Inner>>,
    key: PKey<Private>,
    other_key: PKey<Private>,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Provider {
    fn violation(&self, what: String) {
        self.inner.lock().unwrap().violations.push(what);
    }

    fn sign(&self, claims: &Value, forge: bool) -> String {
        let header = b64(json!({"alg": "RS256", "typ": "JWT", "kid": "k1"})
            .to_string()
            .as_bytes());
        let payload = b64(claims.to_string().as_bytes());
        let key = if forge { &self.other_key } else { &self.key };
        let mut signer =
            openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), key).unwrap();
        signer
            .update(format!("{header}.{payload}").as_bytes())
            .unwrap();
        format!("{header}.{payload}.{}", b64(&signer.sign_to_vec().unwrap()))
    }
}

async fn discovery(State(p): State<Provider>) -> Json<Value> {
    let base = p.inner.lock().unwrap().base.clone();
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks(State(p): State<Provider>) -> Json<Value> {
    let rsa = p.key.rsa().unwrap();
    Json(json!({"keys": [{
        "kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
        "n": b64(&rsa.n().to_vec()), "e": b64(&rsa.e().to_vec()),
    }]}))
}

async fn authorize(
    State(p): State<Provider>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (redirect_uri, next) = {
        let inner = p.inner.lock().unwrap();
        (inner.redirect_uri.clone(), inner.next.clone())
    };
    let want = |k: &str, v: &str| {
        if q.get(k).map(String::as_str) != Some(v) {
            p.violation(format!("authorize: {k} = {:?}, expected {v}", q.get(k)));
        }
    };
    want("response_type", "code");
    want("client_id", CLIENT_ID);
    want("redirect_uri", &redirect_uri);
    want("code_challenge_method", "S256");
    if !q
        .get("scope")
        .is_some_and(|s| s.split(' ').any(|s| s == "openid"))
    {
        p.violation("authorize: scope without openid".into());
    }
    let (Some(state), Some(nonce), Some(challenge)) =
        (q.get("state"), q.get("nonce"), q.get("code_challenge"))
    else {
        p.violation("authorize: state, nonce or code_challenge missing".into());
        return StatusCode::BAD_REQUEST.into_response();
    };
    let code = uuid::Uuid::new_v4().simple().to_string();
    p.inner
        .lock()
        .unwrap()
        .codes
        .insert(code.clone(), (challenge.clone(), nonce.clone(), next));
    let location = format!("{redirect_uri}?code={code}&state={state}");
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

async fn token(
    State(p): State<Provider>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let expected_auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        != Some(&expected_auth)
    {
        p.violation("token: client authentication missing or wrong".into());
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let (base, redirect_uri, entry) = {
        let mut inner = p.inner.lock().unwrap();
        let code = form.get("code").cloned().unwrap_or_default();
        (
            inner.base.clone(),
            inner.redirect_uri.clone(),
            inner.codes.remove(&code),
        )
    };
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        p.violation("token: grant_type".into());
    }
    if form.get("redirect_uri") != Some(&redirect_uri) {
        p.violation("token: redirect_uri differs".into());
    }
    let Some((challenge, nonce, who)) = entry else {
        p.violation("token: unknown or reused code".into());
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    if b64(&Sha256::digest(verifier.as_bytes())) != challenge {
        p.violation("token: code_verifier does not match the challenge".into());
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    }
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": base, "aud": CLIENT_ID, "sub": format!("sub-{}", who.email),
        "iat": now, "exp": now + 300,
        "nonce": if who.wrong_nonce { "other".to_string() } else { nonce },
        "email": who.email, "email_verified": true, "groups": who.groups,
    });
    p.inner.lock().unwrap().tokens_issued += 1;
    Json(json!({
        "access_token": "at", "token_type": "Bearer", "expires_in": 300,
        "id_token": p.sign(&claims, who.forge),
    }))
    .into_response()
}

/// Starts the provider; answers it and its base URL.
pub async fn start_provider() -> (Provider, String) {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let other_key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let provider = Provider {
        inner: Arc::new(Mutex::new(Inner::default())),
        key,
        other_key,
    };
    let app = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .with_state(provider.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    provider.inner.lock().unwrap().base = base.clone();
    (provider, base)
}
