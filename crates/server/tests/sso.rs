//! Single sign-on over real HTTP (issue 16) against a local OpenID Connect provider of
//! ours that checks every request it gets (PKCE S256, client authentication, redirect
//! URI, single-use codes) and signs its ID tokens with RS256: an invited person signs on
//! and gets the role their group claim maps to; replayed attempts, uninvited addresses,
//! forged signatures and wrong nonces are refused.

mod common;
#[path = "common/oidc.rs"]
mod oidc;

use axum::http::header;
use common::people::{invite, Bearer};
use common::{Backend, TestServer};
use oidc::{start_provider, Next, CLIENT_ID, CLIENT_SECRET};
use serde_json::json;

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
