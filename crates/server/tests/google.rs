//! Google Wallet (issue 13) over HTTP on a real server and database, against a local fake
//! of Google's token endpoint and `walletobjects/v1` (tests/google/fake.rs) that checks
//! every request: issuers (upload checks, key never returned nor stored in clear,
//! default, delete), save links for each class type (JWT verified with the service
//! account's public key, payload checked; the REST-first path for long passes), the
//! development mode, the sync of create/update/merge/push (insert, patch, addMessage,
//! quota), retries after 429/5xx and refusals recorded on the pass, the download
//! page's buttons and device redirect, an issuer per campaign, the campaign's own save
//! link, and the save/delete callbacks counted apart in reports.

mod common;
#[path = "google/fake.rs"]
mod fake;
mod pw_fixtures;

use common::{Backend, Client, TestServer};
use fake::{verify_jwt, Fake};
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use pw_fixtures::{assets, example, Assets};
use serde_json::{json, Value};
use std::time::Duration;

const PUBLIC_URL: &str = "https://passes.example.test";
const ISSUER: &str = "3388000000012345678";

/// A service account JSON key (as Google Cloud exports it) and its public key.
fn service_account(email: &str, token_uri: &str) -> (Value, String) {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let private = String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap();
    let public = String::from_utf8(key.public_key_to_pem().unwrap()).unwrap();
    let json = json!({
        "type": "service_account",
        "project_id": "passworks-test",
        "private_key_id": "0123456789abcdef",
        "private_key": private,
        "client_email": email,
        "client_id": "1234567890",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
    });
    (json, public)
}

/// The settings every test runs with: this server's public URL, the fake's API, quick
/// retries and polls.
fn configure(a: &mut passworks_server::config::ServeArgs, fake: &Fake) {
    a.rate_limit_anonymous = 10_000;
    a.rate_limit_authenticated = 100_000;
    a.public_url = Some(PUBLIC_URL.into());
    a.google_wallet_api_url = fake.api_url();
    a.google_wallet_retry_base_seconds = 1;
    a.google_wallet_poll_ms = 100;
}

/// What each test starts from: the fake Google, a server that talks to it, and Alice with
/// the fixture assets.
struct Setup {
    fake: Fake,
    server: TestServer,
    alice: Client,
    a: Assets,
}

impl Setup {
    async fn new(backend: Backend) -> Setup {
        Setup::with(backend, Fake::start().await, |_| {}).await
    }

    /// With settings of its own on top of [`configure`].
    async fn with(
        backend: Backend,
        fake: Fake,
        more: impl FnOnce(&mut passworks_server::config::ServeArgs),
    ) -> Setup {
        let f = fake.clone();
        let server = TestServer::start_configured(backend, move |a| {
            configure(a, &f);
            more(a);
        })
        .await;
        let alice = server.account("Alice").await;
        let a = assets(&server, &alice).await;
        Setup {
            fake,
            server,
            alice,
            a,
        }
    }

    /// Gives Alice the issuer [`ISSUER`] (acting as [`EMAIL`]); returns its public key.
    async fn with_issuer(self) -> (Setup, String) {
        let (_, public) = add_issuer(&self.alice, &self.fake, EMAIL, ISSUER).await;
        (self, public)
    }

    /// A campaign of `path` from `body` and one pass made with `pass`: their ids.
    async fn campaign_and_pass(&self, path: &str, body: Value, pass: Value) -> (String, String) {
        let c = self
            .alice
            .post(&format!("/{path}"), body)
            .await
            .expect(201)
            .id();
        let p = self
            .alice
            .post(&format!("/{path}/{c}/passes"), pass)
            .await
            .expect(201)
            .id();
        (c, p)
    }

    /// A GET of this server's `path` as a browser with user agent `ua`, not following
    /// redirects.
    async fn visit(&self, ua: &str, path: &str) -> reqwest::Response {
        no_redirects()
            .get(format!("{}{}", self.server.base, local(path)))
            .header("user-agent", ua)
            .send()
            .await
            .unwrap()
    }
}

/// The service account of [`ISSUER`].
const EMAIL: &str = "wallet@passworks-test.iam.gserviceaccount.com";

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Uploads an issuer (Google issuer id `issuer`) whose key the fake accepts for it;
/// returns its id here and its public key.
async fn add_issuer(client: &Client, fake: &Fake, email: &str, issuer: &str) -> (String, String) {
    let (key, public) = service_account(email, &fake.token_url());
    fake.allow(email, &public, issuer);
    let id = client
        .post(
            "/google_wallet/issuers",
            json!({"google_issuer": {"issuer_id": issuer, "service_account": key}}),
        )
        .await
        .expect(201)
        .id();
    (id, public)
}

/// The local path of one of this server's absolute URLs.
fn local(url: &str) -> String {
    url.strip_prefix(PUBLIC_URL).unwrap_or(url).to_string()
}

/// The JWT of a save URL.
fn jwt_of(save_url: &str) -> String {
    save_url
        .strip_prefix("https://pay.google.com/gp/v/save/")
        .unwrap_or_else(|| panic!("not a save URL: {save_url}"))
        .to_string()
}

/// A campaign body for a Google class type: the fixture examples, with what Google needs
/// (boarding passes by air name their flight, passenger and booking).
fn campaign_body(path: &str, a: &Assets, transit: Option<&str>) -> Value {
    let mut body = example(path, a);
    let root = pw_fixtures::root(path);
    match (path, transit) {
        ("boarding_passes", Some("air")) => {
            body[root]["header_fields"] = json!([
                {"key": "flight", "label": "Flight", "value": "SK 1234"},
                {"key": "gate", "label": "Gate", "value": "B12"}
            ]);
            body[root]["secondary_fields"] = json!([
                {"key": "passenger", "label": "Passenger", "value": "Ada Lovelace", "behaviour": "dynamic"},
                {"key": "confirmation", "label": "Booking", "value": "X7YQ2P"}
            ]);
        }
        ("boarding_passes", Some(t)) => {
            body[root]["transit_type"] = json!(t);
        }
        _ => {}
    }
    body
}

async fn issuers(backend: Backend) {
    let Setup {
        fake,
        server,
        alice,
        ..
    } = Setup::new(backend).await;
    // Without an issuer of its own, the development service account acts, and says so.
    let list = alice.get("/google_wallet/issuers").await.expect(200).body;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["development"], true);
    assert_eq!(list[0]["default"], true);
    assert!(list[0]["notice"]
        .as_str()
        .unwrap()
        .contains("Google will refuse"));
    let dev = list[0]["id"].as_str().unwrap().to_string();

    // Bad uploads are 422 with what is wrong, and store nothing.
    let r = alice
        .post("/google_wallet/issuers", json!({"google_issuer": {"issuer_id": "12ab", "service_account": {"type": "service_account", "client_email": "nope", "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "token_uri": "ftp://x"}}}))
        .await
        .expect(422)
        .body;
    let all = r.to_string();
    assert!(
        r["errors"]["issuer_id"][0]
            .as_str()
            .unwrap()
            .contains("digits"),
        "{all}"
    );
    let sa = r["errors"]["service_account"].as_array().unwrap();
    assert!(
        sa.iter()
            .any(|m| m.as_str().unwrap().contains("client_email")),
        "{all}"
    );
    assert!(
        sa.iter().any(|m| m.as_str().unwrap().contains("token_uri")),
        "{all}"
    );
    assert!(
        sa.iter()
            .any(|m| m.as_str().unwrap().contains("RSA private key")),
        "{all}"
    );
    let r = alice
        .post(
            "/google_wallet/issuers",
            json!({"google_issuer": {"issuer_id": ISSUER, "service_account": "{not json"}}),
        )
        .await
        .expect(422);
    assert!(r.body["errors"]["service_account"][0]
        .as_str()
        .unwrap()
        .contains("not JSON"));
    alice
        .post(
            "/google_wallet/issuers",
            json!({"google_issuer": {"issuer_id": ISSUER}}),
        )
        .await
        .expect(422);

    // A real key (sent as the file's text, as the console does).
    let (key, _) = service_account(EMAIL, &fake.token_url());
    let r = alice
        .post(
            "/google_wallet/issuers",
            json!({"google_issuer": {"issuer_id": ISSUER, "service_account": key.to_string()}}),
        )
        .await
        .expect(201);
    let text = String::from_utf8_lossy(&r.bytes).to_string();
    assert!(!text.contains("PRIVATE KEY"), "{text}");
    assert_eq!(r.body["default"], true);
    assert_eq!(r.body["development"], false);
    assert_eq!(r.body["notice"], Value::Null);
    assert_eq!(r.body["issuer_id"], ISSUER);
    assert_eq!(r.body["private_key_id"], "0123456789abcdef");
    let own = r.id();
    let list = alice.get("/google_wallet/issuers").await.expect(200).body;
    let defaults: Vec<bool> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["default"].as_bool().unwrap())
        .collect();
    assert_eq!(defaults.iter().filter(|d| **d).count(), 1, "{list}");
    // The key is encrypted at rest.
    let stored: String =
        sqlx::query_scalar("SELECT key_encrypted FROM google_issuers WHERE id = $1")
            .bind(&own)
            .fetch_one(&server.running.state.db.pool)
            .await
            .unwrap();
    assert!(!stored.contains("PRIVATE") && stored.len() > 100);

    // Another account sees neither.
    let bob = server.account("Bob").await;
    bob.get(&format!("/google_wallet/issuers/{own}"))
        .await
        .expect(404);
    bob.delete(&format!("/google_wallet/issuers/{own}"))
        .await
        .expect(404);

    // The development service account is neither deletable nor a choice.
    alice
        .delete(&format!("/google_wallet/issuers/{dev}"))
        .await
        .expect(412);
    alice
        .post_empty(&format!("/google_wallet/issuers/{dev}/default"))
        .await
        .expect(412);
    let second = alice
        .post("/google_wallet/issuers", json!({"google_issuer": {"issuer_id": "3388000000099999999", "service_account": service_account("two@x.iam.gserviceaccount.com", &fake.token_url()).0}}))
        .await
        .expect(201);
    assert_eq!(second.body["default"], false, "the first stays the default");
    let two = second.id();
    let r = alice
        .post_empty(&format!("/google_wallet/issuers/{two}/default"))
        .await
        .expect(200);
    assert_eq!(r.body["default"], true);
    assert_eq!(
        alice
            .get(&format!("/google_wallet/issuers/{own}"))
            .await
            .body["default"],
        false
    );
    alice
        .delete(&format!("/google_wallet/issuers/{two}"))
        .await
        .expect(200);
    assert_eq!(
        alice
            .get(&format!("/google_wallet/issuers/{own}"))
            .await
            .body["default"],
        true
    );
    alice
        .delete(&format!("/google_wallet/issuers/{own}"))
        .await
        .expect(200);
    let list = alice.get("/google_wallet/issuers").await.expect(200).body;
    assert_eq!(list[0]["development"], true);
    assert_eq!(list[0]["default"], true);
    server.stop().await;
}
both_backends!(issuers);

async fn save_links(backend: Backend) {
    let (t, public) = Setup::new(backend).await.with_issuer().await;
    let (fake, alice, a) = (&t.fake, &t.alice, &t.a);
    for (path, transit, class_type, prefix) in [
        ("coupons", None, "Offer", "offer"),
        ("store_cards", None, "Loyalty", "loyalty"),
        ("event_tickets", None, "EventTicket", "eventTicket"),
        ("boarding_passes", Some("air"), "Flight", "flight"),
        ("boarding_passes", Some("train"), "Transit", "transit"),
        ("generics", None, "Generic", "generic"),
    ] {
        let mut body = campaign_body(path, a, transit);
        let root = pw_fixtures::root(path);
        body[root]["name"] = json!(format!("{class_type} campaign"));
        body[root]["expiration_date"] = Value::Null;
        body[root]["code_type"] = json!("sequential");
        let c = alice.post(&format!("/{path}"), body).await.expect(201).body;
        let cid = c["id"].as_str().unwrap();
        let pass_body = match class_type {
            "Flight" => {
                json!({"pass": {"secondary_fields": [{"key": "passenger", "value": "Grace Hopper"}]}})
            }
            _ => json!({"pass": {}}),
        };
        let p = alice
            .post(&format!("/{path}/{cid}/passes"), pass_body)
            .await
            .expect(201)
            .body;
        let pid = p["id"].as_str().unwrap();
        // Every pass carries its Google link, a link of this server.
        let link = p["google_save_url"].as_str().unwrap();
        assert!(link.starts_with(&format!("{PUBLIC_URL}/g/")), "{link}");
        let g = alice
            .get(&format!("/{path}/{cid}/passes/{pid}/google_wallet"))
            .await
            .expect(200)
            .body;
        assert_eq!(g["class_type"], class_type, "{g}");
        assert_eq!(g["errors"], json!({}), "{class_type}: {g}");
        assert_eq!(g["development"], false);
        let url = g["save_url"].as_str().unwrap();
        assert!(
            jwt_of(url).len() <= 1800,
            "{class_type}: {} characters",
            jwt_of(url).len()
        );
        let claims =
            verify_jwt(&jwt_of(url), &public).unwrap_or_else(|e| panic!("{class_type}: {e}"));
        assert_eq!(claims["iss"], EMAIL);
        assert_eq!(claims["aud"], "google");
        assert_eq!(claims["typ"], "savetowallet");
        assert_eq!(claims["origins"], json!([PUBLIC_URL]));
        assert!((claims["iat"].as_i64().unwrap() - chrono::Utc::now().timestamp()).abs() < 60);
        let payload = claims["payload"].as_object().unwrap();
        let (class_id, object_id) = (format!("{ISSUER}.{cid}"), format!("{ISSUER}.{pid}"));
        assert_eq!(g["class"]["id"], class_id.as_str());
        assert_eq!(g["object"]["id"], object_id.as_str());
        assert_eq!(g["object"]["classId"], class_id.as_str());
        assert_eq!(g["object"]["state"], "ACTIVE");
        let object = &payload[&format!("{prefix}Objects")][0];
        assert_eq!(object["id"], object_id.as_str());
        assert_eq!(object["classId"], class_id.as_str());
        if g["rest_first"] == false {
            // Everything in the link.
            assert_eq!(payload.len(), 2, "{claims}");
            assert_eq!(payload[&format!("{prefix}Classes")][0], g["class"]);
            assert_eq!(object, &g["object"]);
        } else {
            // Too long: the class went to Google first; the link carries the object, or
            // (when that is too long too) only the ids of the object also inserted first.
            assert_eq!(payload.len(), 1, "{claims}");
            let at_google = fake
                .resource(&format!("{prefix}Class"), &class_id)
                .expect("class inserted");
            assert_eq!(at_google, g["class"]);
            if object.as_object().unwrap().len() == 2 {
                assert_eq!(
                    fake.resource(&format!("{prefix}Object"), &object_id)
                        .unwrap(),
                    g["object"]
                );
            } else {
                assert_eq!(object, &g["object"]);
            }
        }
        // Images are this server's public asset URLs.
        let text = g.to_string();
        assert!(
            text.contains(&format!("{PUBLIC_URL}/assets/{}.png", a.logo)),
            "{class_type}: {text}"
        );
        // The public link redirects to Google's save page with a fresh JWT.
        let resp = t.visit("test", link).await;
        assert_eq!(resp.status().as_u16(), 303);
        let location = resp.headers()["location"].to_str().unwrap().to_string();
        let claims = verify_jwt(&jwt_of(&location), &public).unwrap();
        assert_eq!(
            claims["payload"][format!("{prefix}Objects")][0]["id"],
            format!("{ISSUER}.{pid}")
        );
    }
    // Too long for a URL: class and object go to Google first, the JWT carries their ids.
    let c = alice
        .post("/generics", json!({"generic": {"name": "Long", "icon_id": a.icon, "primary_fields": [{"key": "n", "label": "N", "value": "x"}]}}))
        .await
        .expect(201)
        .id();
    let long = "lorem ipsum ".repeat(300);
    let pid = alice
        .post(
            &format!("/generics/{c}/passes"),
            json!({"pass": {"back_fields": [{"key": "terms", "label": "Terms", "value": long}]}}),
        )
        .await
        .expect(201)
        .id();
    let g = alice
        .get(&format!("/generics/{c}/passes/{pid}/google_wallet"))
        .await
        .expect(200)
        .body;
    assert_eq!(g["rest_first"], true, "{g}");
    let url = g["save_url"].as_str().unwrap();
    assert!(url.len() < 1900, "{}", url.len());
    let claims = verify_jwt(&jwt_of(url), &public).unwrap();
    assert_eq!(
        claims["payload"],
        json!({"genericObjects": [{"id": format!("{ISSUER}.{pid}"), "classId": format!("{ISSUER}.{c}")}]})
    );
    let object = fake
        .resource("genericObject", &format!("{ISSUER}.{pid}"))
        .expect("inserted over REST");
    assert!(object.to_string().contains("lorem ipsum"));
    assert!(fake
        .resource("genericClass", &format!("{ISSUER}.{c}"))
        .is_some());
    fake.assert_no_problems();
    t.server.stop().await;
}
both_backends!(save_links);

async fn development_mode(backend: Backend) {
    let t = Setup::new(backend).await;
    let (c, pid) = t
        .campaign_and_pass("coupons", example("coupons", &t.a), json!({}))
        .await;
    let (fake, alice) = (&t.fake, &t.alice);
    let g = alice
        .get(&format!("/coupons/{c}/passes/{pid}/google_wallet"))
        .await
        .expect(200)
        .body;
    assert_eq!(g["development"], true);
    assert!(
        g["notice"].as_str().unwrap().contains("Google will refuse"),
        "{g}"
    );
    // Structurally complete: a JWT with the whole class and object, signed.
    let jwt = jwt_of(g["save_url"].as_str().unwrap());
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            jwt.split('.').nth(1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["typ"], "savetowallet");
    assert!(claims["payload"]["offerClasses"][0]["title"].is_string());
    assert!(claims["payload"]["offerObjects"][0]["barcode"]["value"].is_string());
    // The download page says so too.
    let p = alice.get(&format!("/coupons/{c}/passes/{pid}")).await.body;
    let html = t
        .visit("test", p["page_url"].as_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Add to Google Wallet") && html.contains("Google will refuse"),
        "{html}"
    );
    // Nothing is sent to Google in development mode.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(fake.calls().is_empty());
    t.server.stop().await;
}
both_backends!(development_mode);

/// Waits until the fake received a call matching `f`.
async fn wait_call(fake: &Fake, what: &str, f: impl Fn(&fake::Call) -> bool) -> fake::Call {
    for _ in 0..150 {
        if let Some(c) = fake.calls().into_iter().find(|c| f(c)) {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the fake Google never received {what}: {:#?}", fake.calls());
}

async fn sync(backend: Backend) {
    let (t, _) = Setup::new(backend).await.with_issuer().await;
    let (fake, alice) = (&t.fake, &t.alice);
    // Create → class and object inserted (PATCH finds nothing, then POST).
    let (c, pid) = t
        .campaign_and_pass(
            "store_cards",
            example("store_cards", &t.a),
            json!({"pass": {"primary_fields": [{"key": "points", "value": "10"}]}}),
        )
        .await;
    let class_id = format!("{ISSUER}.{c}");
    let object_id = format!("{ISSUER}.{pid}");
    wait_call(fake, "the class insert", |c| {
        c.method == "POST" && c.path == "loyaltyClass" && c.status == 200
    })
    .await;
    wait_call(fake, "the object insert", |c| {
        c.method == "POST" && c.path == "loyaltyObject" && c.status == 200
    })
    .await;
    let object = fake.resource("loyaltyObject", &object_id).unwrap();
    assert_eq!(object["loyaltyPoints"]["balance"]["string"], "10");
    assert_eq!(object["classId"], class_id);
    let path = format!("/store_cards/{c}/passes/{pid}/google_wallet");
    pw_fixtures::wait_for(alice, &path, |g| g["sync"]["status"] == "synced").await;

    // Update → object patched.
    alice
        .patch(
            &format!("/store_cards/{c}/passes/{pid}"),
            json!({"pass": {"primary_fields": [{"key": "points", "value": "25"}]}}),
        )
        .await
        .expect(200);
    let patch_path = format!("loyaltyObject/{object_id}");
    wait_call(fake, "the object patch", |c| {
        c.method == "PATCH"
            && c.path == patch_path
            && c.body["loyaltyPoints"]["balance"]["string"] == "25"
    })
    .await;

    // Void → state INACTIVE.
    alice
        .patch(
            &format!("/store_cards/{c}/passes/{pid}"),
            json!({"pass": {"voided": true}}),
        )
        .await
        .expect(200);
    wait_call(fake, "the void", |c| {
        c.path == patch_path && c.body["state"] == "INACTIVE"
    })
    .await;
    alice
        .patch(
            &format!("/store_cards/{c}/passes/{pid}"),
            json!({"pass": {"voided": false}}),
        )
        .await
        .expect(200);
    wait_call(fake, "the unvoid", |c| {
        c.path == patch_path && c.body["state"] == "ACTIVE"
    })
    .await;

    // Campaign change + merge → class patched, object patched with the merged field.
    alice
        .patch(&format!("/store_cards/{c}"), json!({"store_card": {"logo_text": "Bean There Club", "back_fields": [{"key": "website", "value": "https://club.example.com"}]}}))
        .await
        .expect(200);
    alice
        .post(&format!("/store_cards/{c}/merge"), json!({}))
        .await;
    let class_path = format!("loyaltyClass/{class_id}");
    wait_call(fake, "the class patch", |c| {
        c.method == "PATCH" && c.path == class_path && c.body["programName"] == "Bean There Club"
    })
    .await;
    wait_call(fake, "the merged object", |c| {
        c.path == patch_path && c.body.to_string().contains("club.example.com")
    })
    .await;

    // Push with a message → addMessage, notifying; at most 3 per 24 hours.
    let msg_path = format!("loyaltyObject/{object_id}/addMessage");
    for i in 0..4 {
        alice
            .post(
                &format!("/store_cards/{c}/passes/{pid}/push"),
                json!({"push_message": format!("You have news {i}")}),
            )
            .await
            .expect(200);
        let want = format!("You have news {i}");
        if i < 3 {
            let call = wait_call(fake, "addMessage", |c| {
                c.path == msg_path && c.body["message"]["body"] == want.as_str()
            })
            .await;
            assert_eq!(call.body["message"]["messageType"], "TEXT_AND_NOTIFY");
        } else {
            let g = pw_fixtures::wait_for(alice, &path, |g| {
                g["sync"]["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("3 messages"))
            })
            .await;
            assert_eq!(g["sync"]["status"], "synced");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sent = fake
        .calls()
        .iter()
        .filter(|c| c.path == msg_path && c.status == 200)
        .count();
    assert_eq!(sent, 3);
    assert!(fake
        .calls()
        .iter()
        .any(|c| c.path == patch_path && c.body["notifyPreference"] == "NOTIFY_ON_UPDATE"));
    // One token served every call.
    assert_eq!(fake.inner.lock().unwrap().token_requests, 1);
    fake.assert_no_problems();
    t.server.stop().await;
}
both_backends!(sync);

async fn retries_and_refusals(backend: Backend) {
    let (t, _) = Setup::new(backend).await.with_issuer().await;
    let (fake, alice) = (&t.fake, &t.alice);
    // 500 and 429 are retried until Google answers.
    fake.fail_next(&[500, 429]);
    let (c, pid) = t
        .campaign_and_pass("generics", example("generics", &t.a), json!({}))
        .await;
    let path = format!("/generics/{c}/passes/{pid}/google_wallet");
    let db = t.server.running.state.db.clone();
    let wait_status = |want: &'static str| {
        let (db, pid) = (db.clone(), pid.clone());
        async move {
            for _ in 0..150 {
                let s = passworks_server::model::google::sync_of_pass(&db, &pid)
                    .await
                    .unwrap();
                if let Some(s) = s.filter(|s| s.status == want) {
                    return s;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("the sync never became {want}");
        }
    };
    let s = wait_status("synced").await;
    assert_eq!(s.error, None);
    let statuses: Vec<u16> = fake.calls().iter().map(|c| c.status).collect();
    assert_eq!(&statuses[..2], &[500, 429], "{statuses:?}");
    // Another 4xx is recorded on the pass and not retried until the pass changes.
    fake.fail_next(&[400]);
    alice
        .patch(
            &format!("/generics/{c}/passes/{pid}"),
            json!({"pass": {"primary_fields": [{"key": "name", "value": "Ada"}]}}),
        )
        .await
        .expect(200);
    wait_status("failed").await;
    let calls = fake.calls().len();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(fake.calls().len(), calls, "a refusal is not retried");
    // The API shows it on the pass.
    let g = alice.get(&path).await.expect(200).body;
    assert_eq!(g["sync"]["status"], "failed");
    assert!(
        g["sync"]["error"]
            .as_str()
            .unwrap()
            .contains("Google answered 400"),
        "{g}"
    );
    alice
        .patch(
            &format!("/generics/{c}/passes/{pid}"),
            json!({"pass": {"primary_fields": [{"key": "name", "value": "Ada L."}]}}),
        )
        .await
        .expect(200);
    wait_status("synced").await;
    fake.assert_no_problems();
    t.server.stop().await;
}
both_backends!(retries_and_refusals);

/// An Android phone's user agent.
const ANDROID: &str =
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
/// An iPhone's user agent.
const IPHONE: &str =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";

async fn download_page(backend: Backend) {
    let t = Setup::new(backend).await;
    let (c, pid) = t
        .campaign_and_pass("coupons", example("coupons", &t.a), json!({}))
        .await;
    let p = t
        .alice
        .get(&format!("/coupons/{c}/passes/{pid}"))
        .await
        .body;
    let page = local(p["page_url"].as_str().unwrap());
    let get = |ua: &'static str, path: String| {
        let t = &t;
        async move { t.visit(ua, &path).await }
    };
    let (android, iphone) = (ANDROID, IPHONE);
    let html = get(android, page.clone()).await.text().await.unwrap();
    let (g, ap) = (
        html.find("Add to Google Wallet").unwrap(),
        html.find("Add to Apple Wallet").unwrap(),
    );
    assert!(g < ap, "Android: Google first");
    let html = get(iphone, page.clone()).await.text().await.unwrap();
    let (g, ap) = (
        html.find("Add to Google Wallet").unwrap(),
        html.find("Add to Apple Wallet").unwrap(),
    );
    assert!(ap < g, "iPhone: Apple first");
    // The device link.
    let tail = page.strip_prefix("/p/").unwrap().to_string();
    let r = get(android, format!("/a/{tail}")).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], format!("{PUBLIC_URL}/g/{tail}"));
    let r = get(iphone, format!("/a/{tail}")).await;
    assert_eq!(
        r.headers()["location"],
        format!("{PUBLIC_URL}/p/{tail}.pkpass")
    );
    let r = get("curl/8", format!("/a/{tail}")).await;
    assert_eq!(r.headers()["location"], format!("{PUBLIC_URL}/p/{tail}"));
    let campaign_token = tail.split('/').next().unwrap();
    let r = get(android, format!("/a/{campaign_token}")).await;
    assert_eq!(
        r.headers()["location"],
        format!("{PUBLIC_URL}/p/{campaign_token}")
    );
    assert_eq!(
        get(android, format!("/a/{campaign_token}/nope"))
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        get(android, format!("/g/{campaign_token}/nope"))
            .await
            .status()
            .as_u16(),
        404
    );
    t.server.stop().await;
}
both_backends!(download_page);

/// Google's callback signing, with our own keys: a root key (served by the fake as
/// Google's keys) signs an intermediate key, which signs the message (ECv2SigningOnly).
struct CallbackSigner {
    root: PKey<openssl::pkey::Private>,
    intermediate: PKey<openssl::pkey::Private>,
}

fn ec_key() -> PKey<openssl::pkey::Private> {
    let group = openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap()
}

fn b64(b: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b)
}

fn ecdsa(key: &PKey<openssl::pkey::Private>, data: &[u8]) -> String {
    let mut s = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), key).unwrap();
    s.update(data).unwrap();
    b64(&s.sign_to_vec().unwrap())
}

impl CallbackSigner {
    fn new() -> Self {
        CallbackSigner {
            root: ec_key(),
            intermediate: ec_key(),
        }
    }

    fn root_keys(&self) -> Value {
        let far = (chrono::Utc::now().timestamp_millis() + 86_400_000).to_string();
        json!({"keys": [
            {"keyValue": b64(&self.root.public_key_to_der().unwrap()), "protocolVersion": "ECv2SigningOnly", "keyExpiration": far},
            {"keyValue": b64(&ec_key().public_key_to_der().unwrap()), "protocolVersion": "ECv2", "keyExpiration": far}
        ]})
    }

    fn body(
        &self,
        issuer: &str,
        class_id: &str,
        object_id: &str,
        event: &str,
        nonce: &str,
    ) -> Value {
        let lv = passworks_server::google::length_value;
        let exp = (chrono::Utc::now().timestamp_millis() + 3_600_000).to_string();
        let signed_key = json!({"keyValue": b64(&self.intermediate.public_key_to_der().unwrap()), "keyExpiration": exp}).to_string();
        let key_sig = ecdsa(
            &self.root,
            &lv(&["GooglePayPasses", "ECv2SigningOnly", &signed_key]),
        );
        let message = json!({
            "classId": class_id, "objectId": object_id,
            "expTimeMillis": chrono::Utc::now().timestamp_millis() + 60_000,
            "eventType": event, "nonce": nonce
        })
        .to_string();
        let sig = ecdsa(
            &self.intermediate,
            &lv(&["GooglePayPasses", issuer, "ECv2SigningOnly", &message]),
        );
        json!({
            "signature": sig,
            "intermediateSigningKey": {"signedKey": signed_key, "signatures": [key_sig]},
            "protocolVersion": "ECv2SigningOnly",
            "signedMessage": message
        })
    }
}

async fn callbacks(backend: Backend) {
    let fake = Fake::start().await;
    let signer = CallbackSigner::new();
    fake.inner.lock().unwrap().root_keys = signer.root_keys();
    let keys = format!("{}/keys", fake.base);
    let (t, _) = Setup::with(backend, fake, move |a| {
        a.google_wallet_callback_keys_url = keys;
        a.allow_private_webhooks = true;
        a.webhook_retry_base_seconds = 1;
    })
    .await
    .with_issuer()
    .await;
    let (fake, server, alice) = (&t.fake, &t.server, &t.alice);
    alice
        .patch(
            "/account",
            json!({"account": {"webhook_url": format!("{}/hook", fake.base)}}),
        )
        .await
        .expect(200);
    let (c, pid) = t
        .campaign_and_pass("coupons", example("coupons", &t.a), json!({}))
        .await;
    let (class_id, object_id) = (format!("{ISSUER}.{c}"), format!("{ISSUER}.{pid}"));
    let post = |body: Value| {
        let http = reqwest::Client::new();
        let url = format!("{}/google_wallet/callbacks", server.base);
        async move {
            http.post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // A forged message (signed by a key Google never vouched for) is refused.
    let forged = CallbackSigner::new().body(ISSUER, &class_id, &object_id, "save", "n0");
    assert_eq!(post(forged).await, 400);
    let mut tampered = signer.body(ISSUER, &class_id, &object_id, "save", "n0");
    tampered["signedMessage"] = json!(tampered["signedMessage"]
        .as_str()
        .unwrap()
        .replace("save", "del"));
    assert_eq!(post(tampered).await, 400);
    // Another issuer's object is none of ours.
    assert_eq!(
        post(signer.body("999", "999.x", &format!("999.{pid}"), "save", "n1")).await,
        404
    );
    // A save: installed event, registration, report count, webhook; once per nonce.
    let save = signer.body(ISSUER, &class_id, &object_id, "save", "n2");
    assert_eq!(post(save.clone()).await, 200);
    assert_eq!(post(save).await, 200);
    let regs = alice
        .get(&format!("/coupons/{c}/passes/{pid}/registrations"))
        .await
        .expect(200)
        .body;
    assert_eq!(regs.as_array().unwrap().len(), 1, "{regs}");
    assert_eq!(regs[0]["wallet"], "google_wallet");
    assert_eq!(regs[0]["device_os"], "android");
    let totals = alice
        .get(&format!("/coupons/{c}/reports/totals"))
        .await
        .expect(200)
        .body;
    // Counted apart as Google Wallet, and (as before) among Android's.
    assert_eq!(totals["report"]["installs_count"], 1, "{totals}");
    assert_eq!(totals["report"]["android"]["installs_count"], 1, "{totals}");
    assert_eq!(
        totals["report"]["google_wallet"]["installs_count"], 1,
        "{totals}"
    );
    assert_eq!(totals["report"]["apple"]["installs_count"], 0, "{totals}");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let daily = alice
        .get(&format!(
            "/coupons/{c}/reports?start_date={today}&end_date={today}"
        ))
        .await
        .expect(200)
        .body;
    let day = &daily["report"][&today];
    assert_eq!(day["i"]["google_wallet"], 1, "{daily}");
    assert_eq!(day["i"]["android"], 1, "{daily}");
    assert_eq!(day["i"]["ios"], 0, "{daily}");
    for _ in 0..100 {
        if fake
            .inner
            .lock()
            .unwrap()
            .hooks
            .iter()
            .any(|h| h["event"] == "installed")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let hooks = fake.inner.lock().unwrap().hooks.clone();
    let installed: Vec<&Value> = hooks.iter().filter(|h| h["event"] == "installed").collect();
    assert_eq!(installed.len(), 1, "{hooks:?}");
    assert_eq!(installed[0]["pass_id"], pid.as_str());
    assert_eq!(installed[0]["event_extra"]["wallet_type"], "google_wallet");
    // A delete: uninstalled.
    assert_eq!(
        post(signer.body(ISSUER, &class_id, &object_id, "del", "n3")).await,
        200
    );
    let regs = alice
        .get(&format!("/coupons/{c}/passes/{pid}/registrations"))
        .await
        .expect(200)
        .body;
    assert_eq!(regs, json!([]));
    let totals = alice
        .get(&format!("/coupons/{c}/reports/totals"))
        .await
        .expect(200)
        .body;
    assert_eq!(
        totals["report"]["android"]["uninstalls_count"], 1,
        "{totals}"
    );
    assert_eq!(
        totals["report"]["google_wallet"]["uninstalls_count"], 1,
        "{totals}"
    );
    t.server.stop().await;
}
both_backends!(callbacks);

/// The second issuer of the per-campaign test and its service account.
const ISSUER_B: &str = "3388000000099999999";
const EMAIL_B: &str = "second@passworks-test.iam.gserviceaccount.com";

async fn issuer_per_campaign(backend: Backend) {
    let (t, public_a) = Setup::new(backend).await.with_issuer().await;
    let (fake, alice) = (&t.fake, &t.alice);
    let (b, public_b) = add_issuer(alice, fake, EMAIL_B, ISSUER_B).await;
    // Only an issuer of the account's own: not a made-up id, not another account's, not
    // the development service account.
    let bob = t.server.account("Bob").await;
    let (bobs, _) = add_issuer(
        &bob,
        fake,
        "bob@x.iam.gserviceaccount.com",
        "3388000000011111111",
    )
    .await;
    // (An account without an issuer of its own makes the development one exist.)
    let carol = t.server.account("Carol").await;
    let issuers = carol.get("/google_wallet/issuers").await.expect(200).body;
    let dev = issuers
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["development"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for wrong in [
        json!(uuid::Uuid::new_v4().to_string()),
        json!(bobs),
        json!(dev),
    ] {
        let mut body = example("store_cards", &t.a);
        body["store_card"]["google_issuer_id"] = wrong.clone();
        let r = alice.post("/store_cards", body).await.expect(422).body;
        assert!(
            r["errors"]["google_issuer_id"][0]
                .as_str()
                .is_some_and(|m| m.contains("issuer of this organization")),
            "{wrong}: {r}"
        );
    }
    // A campaign on issuer B: its class and objects at Google under B's issuer id, sent
    // with B's token; its links signed by B.
    let mut body = example("store_cards", &t.a);
    body["store_card"]["google_issuer_id"] = json!(b);
    let campaign = alice.post("/store_cards", body).await.expect(201).body;
    assert_eq!(campaign["google_issuer_id"], b.as_str());
    let c = campaign["id"].as_str().unwrap().to_string();
    let pid = alice
        .post(&format!("/store_cards/{c}/passes"), json!({}))
        .await
        .expect(201)
        .id();
    let path = format!("/store_cards/{c}/passes/{pid}/google_wallet");
    let g = alice.get(&path).await.expect(200).body;
    assert_eq!(g["class_id"], format!("{ISSUER_B}.{c}"), "{g}");
    assert_eq!(g["object_id"], format!("{ISSUER_B}.{pid}"));
    let claims = verify_jwt(&jwt_of(g["save_url"].as_str().unwrap()), &public_b).unwrap();
    assert_eq!(claims["iss"], EMAIL_B);
    assert!(verify_jwt(&jwt_of(g["save_url"].as_str().unwrap()), &public_a).is_err());
    let insert = wait_call(fake, "the object insert at B", |call| {
        call.method == "POST" && call.path == "loyaltyObject" && call.status == 200
    })
    .await;
    assert_eq!(insert.account, EMAIL_B);
    assert_eq!(insert.body["id"], format!("{ISSUER_B}.{pid}"));
    assert!(fake
        .resource("loyaltyClass", &format!("{ISSUER_B}.{c}"))
        .is_some());
    pw_fixtures::wait_for(alice, &path, |g| g["sync"]["status"] == "synced").await;
    // A campaign without one uses the default issuer (A).
    let (c2, p2) = t
        .campaign_and_pass("coupons", example("coupons", &t.a), json!({}))
        .await;
    let g2 = alice
        .get(&format!("/coupons/{c2}/passes/{p2}/google_wallet"))
        .await
        .expect(200)
        .body;
    assert_eq!(g2["class_id"], format!("{ISSUER}.{c2}"));
    let a_calls = wait_call(fake, "the coupon's object insert at A", |call| {
        call.path == "offerObject" && call.status == 200
    })
    .await;
    assert_eq!(a_calls.account, EMAIL);
    // B is in use: it cannot be deleted until the campaign goes back to the default.
    let r = alice
        .delete(&format!("/google_wallet/issuers/{b}"))
        .await
        .expect(412)
        .body;
    assert!(r.to_string().contains("in use by 1 campaigns"), "{r}");
    let back = alice
        .patch(
            &format!("/store_cards/{c}"),
            json!({"store_card": {"google_issuer_id": null}}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(back["google_issuer_id"], Value::Null);
    // Its pass moves to A: class and object inserted under A's issuer id with A's token.
    let moved = wait_call(fake, "the object insert at A", |call| {
        call.method == "POST"
            && call.path == "loyaltyObject"
            && call.status == 200
            && call.body["id"] == format!("{ISSUER}.{pid}")
    })
    .await;
    assert_eq!(moved.account, EMAIL);
    alice
        .delete(&format!("/google_wallet/issuers/{b}"))
        .await
        .expect(200);
    fake.assert_no_problems();
    t.server.stop().await;
}
both_backends!(issuer_per_campaign);

async fn campaign_save_link(backend: Backend) {
    let (t, public) = Setup::new(backend).await.with_issuer().await;
    let alice = &t.alice;
    let campaign = alice
        .post("/coupons", example("coupons", &t.a))
        .await
        .expect(201)
        .body;
    let c = campaign["id"].as_str().unwrap().to_string();
    let link = campaign["google_save_url"].as_str().unwrap().to_string();
    let token = campaign["page_url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(link, format!("{PUBLIC_URL}/g/{token}"));
    // A visitor's first visit issues their pass and sends them to Google with it.
    let r = t.visit(ANDROID, &link).await;
    assert_eq!(r.status().as_u16(), 303);
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let claims = verify_jwt(&jwt_of(r.headers()["location"].to_str().unwrap()), &public).unwrap();
    let object = claims["payload"]["offerObjects"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let passes = alice
        .get(&format!("/coupons/{c}/passes"))
        .await
        .expect(200)
        .body;
    let pid = passes[0]["id"].as_str().unwrap();
    assert_eq!(passes.as_array().unwrap().len(), 1);
    assert_eq!(object, format!("{ISSUER}.{pid}"));
    // The same visitor (their cookie) gets the same pass again, not another one.
    let again = no_redirects()
        .get(format!("{}{}", t.server.base, local(&link)))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 303);
    let claims = verify_jwt(
        &jwt_of(again.headers()["location"].to_str().unwrap()),
        &public,
    )
    .unwrap();
    assert_eq!(claims["payload"]["offerObjects"][0]["id"], object.as_str());
    assert_eq!(
        alice
            .get(&format!("/coupons/{c}/passes"))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // A paused campaign issues nothing; an unknown token is 404.
    alice
        .post_empty(&format!("/coupons/{c}/pause"))
        .await
        .expect(200);
    assert_eq!(t.visit(ANDROID, &link).await.status().as_u16(), 410);
    assert_eq!(t.visit(ANDROID, "/g/nope").await.status().as_u16(), 404);
    t.fake.assert_no_problems();
    t.server.stop().await;
}
both_backends!(campaign_save_link);
