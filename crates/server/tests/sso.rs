//! Single sign-on over real HTTP (issue 16) against a local OpenID Connect provider of
//! ours that checks every request it gets (PKCE S256, client authentication, redirect
//! URI, single-use codes) and signs its ID tokens with RS256: an invited person signs on
//! and gets the role their group claim maps to; replayed attempts, uninvited addresses,
//! forged signatures and wrong nonces are refused.

mod common;

use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use common::people::{invite, Bearer};
use common::{Backend, TestServer};
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const CLIENT_ID: &str = "passworks";
const CLIENT_SECRET: &str = "provider-secret";

/// What the provider does with the next sign-in.
#[derive(Clone, Default)]
struct Next {
    email: String,
    groups: Vec<String>,
    forge: bool,
    wrong_nonce: bool,
}

#[derive(Default)]
struct Inner {
    base: String,
    redirect_uri: String,
    /// code → (challenge, nonce, who)
    codes: HashMap<String, (String, String, Next)>,
    next: Next,
    /// Every rule a request broke.
    violations: Vec<String>,
    tokens_issued: usize,
}

#[derive(Clone)]
struct Provider {
    inner: Arc<Mutex<Inner>>,
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
async fn start_provider() -> (Provider, String) {
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

thread_local! {
    /// The provider of the test running on this thread (the server's configuration
    /// function cannot capture it).
    static ISSUER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// One sign-on through the browser's steps: start, the provider's authorize redirect,
/// our callback; answers the console address the callback sends the browser to.
async fn sign_on(server: &TestServer, browser: &reqwest::Client) -> String {
    let start = server
        .anonymous()
        .post("/sso/start", json!({}))
        .await
        .expect(200);
    let url = start.body["authorization_url"]
        .as_str()
        .unwrap()
        .to_string();
    let r = browser.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let callback = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert!(callback.starts_with(&format!("{}/v2/sso/callback?", server.base)));
    let location = onward(browser.get(&callback).send().await.unwrap()).await;
    // A replay of the same redirect is refused.
    let again = onward(browser.get(&callback).send().await.unwrap()).await;
    assert!(again.contains("sso_error="), "{again}");
    location
}

/// Where the callback's page sends the browser (its `meta` refresh).
async fn onward(r: reqwest::Response) -> String {
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
    let html = r.text().await.unwrap();
    let target = html
        .split("url=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no refresh in {html}"));
    target.replace("&amp;", "&")
}

async fn single_sign_on(backend: Backend) {
    let (provider, issuer) = start_provider().await;
    ISSUER.with(|i| *i.borrow_mut() = issuer.clone());
    let server = TestServer::start_with(backend, |a| {
        a.rate_limit_anonymous = 10_000;
        a.oidc_issuer = Some(ISSUER.with(|i| i.borrow().clone()));
        a.oidc_client_id = CLIENT_ID.into();
        a.oidc_client_secret = CLIENT_SECRET.into();
        a.oidc_role_claim = "groups".into();
        a.oidc_role_map = vec!["door-staff=scanner".into(), "marketing=manager".into()];
        a.oidc_name = "Example ID".into();
    })
    .await;
    provider.inner.lock().unwrap().redirect_uri = format!("{}/v2/sso/callback", server.base);
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let config = server.anonymous().get("/sso").await.expect(200);
    assert_eq!(config.body, json!({"enabled": true, "name": "Example ID"}));

    let owner = server.account("Acme").await;
    invite(&owner, "dora@example.com", "viewer").await;
    let set = |next: Next| provider.inner.lock().unwrap().next = next;
    set(Next {
        email: "Dora@Example.com".into(),
        groups: vec!["door-staff".into(), "unrelated".into()],
        ..Default::default()
    });
    let location = sign_on(&server, &browser).await;
    let prefix = format!("{}/sign-in#sso=", server.base);
    let token = location
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{location}"));
    let dora = Bearer::new(&server.base, token);
    let me = dora.get("/me").await.expect(200);
    assert_eq!(me.body["actor"]["label"], "dora@example.com");
    assert_eq!(me.body["role"], "scanner");
    let sessions = dora.get("/sessions").await.expect(200);
    assert_eq!(sessions.body[0]["via"], "sso");
    let log = owner
        .get("/audit_events?q[action_eq]=sign_in")
        .await
        .expect(200);
    assert_eq!(log.body[0]["actor_label"], "dora@example.com");
    assert_eq!(
        log.body[0]["attributes"],
        json!({"via": "sso", "role": "scanner"})
    );

    // The claim changes the role at the next sign-on.
    set(Next {
        email: "dora@example.com".into(),
        groups: vec!["marketing".into()],
        ..Default::default()
    });
    let location = sign_on(&server, &browser).await;
    let token = location.strip_prefix(&prefix).unwrap();
    let me = Bearer::new(&server.base, token)
        .get("/me")
        .await
        .expect(200);
    assert_eq!(me.body["role"], "manager");

    // Refusals reach the sign-in page as a message.
    let refused = |location: &str, what: &str| {
        let fragment = location
            .split_once("#sso_error=")
            .map(|(_, m)| m)
            .unwrap_or("");
        let message: String = url::form_urlencoded::parse(format!("m={fragment}").as_bytes())
            .map(|(_, v)| v.into_owned())
            .collect();
        assert!(message.contains(what), "{location}: {message}");
    };
    set(Next {
        email: "stranger@example.com".into(),
        ..Default::default()
    });
    refused(&sign_on(&server, &browser).await, "has not been invited");
    set(Next {
        email: "dora@example.com".into(),
        forge: true,
        ..Default::default()
    });
    refused(
        &sign_on(&server, &browser).await,
        "signature does not verify",
    );
    set(Next {
        email: "dora@example.com".into(),
        wrong_nonce: true,
        ..Default::default()
    });
    refused(&sign_on(&server, &browser).await, "nonce does not match");
    // A callback the server never started is refused without asking the provider.
    let issued = provider.inner.lock().unwrap().tokens_issued;
    let r = browser
        .get(format!(
            "{}/v2/sso/callback?code=x&state=forged",
            server.base
        ))
        .send()
        .await
        .unwrap();
    refused(&onward(r).await, "unknown, used or expired");
    assert_eq!(provider.inner.lock().unwrap().tokens_issued, issued);

    let violations = provider.inner.lock().unwrap().violations.clone();
    assert!(violations.is_empty(), "{violations:#?}");
    server.stop().await;
}
both_backends!(single_sign_on);

async fn off_without_a_provider(backend: Backend) {
    let server = TestServer::start(backend).await;
    let config = server.anonymous().get("/sso").await.expect(200);
    assert_eq!(config.body, json!({"enabled": false, "name": null}));
    server
        .anonymous()
        .post("/sso/start", json!({}))
        .await
        .expect(412);
    server.stop().await;
}
both_backends!(off_without_a_provider);
