//! Console sessions minted by an integration (issue 18), over real HTTP on SQLite and
//! PostgreSQL: minting with an API key or the API username, the one-time exchange from
//! the bound origin (reuse, expiry, other origins and a missing `Origin` refused), the
//! role cap, a child organization's session, the campaign restriction (404 on other
//! campaigns, filtered lists, its own campaigns' jobs only, 403 on organization-wide
//! routes), revocation, the audit
//! log's "via <key> for <user>", and framing allowed only for the configured origins.

mod common;
mod pw_fixtures;

use common::people::{join, key, Bearer};
use common::{Backend, Client, Resp, TestServer};
use pw_fixtures::*;
use reqwest::Method;
use serde_json::{json, Value};

const PORTAL: &str = "https://portal.example.com";
const EVIL: &str = "https://evil.example.net";

async fn start(backend: Backend) -> TestServer {
    TestServer::start_with(backend, |a| {
        a.rate_limit_anonymous = 10_000;
        a.rate_limit_authenticated = 100_000;
        a.cors_origins = vec![PORTAL.into(), "https://intranet.example.org".into()];
    })
    .await
}

/// `POST /v2/console_sessions` as `caller` (Basic or Bearer) with `attrs`.
async fn mint_as(caller: &Caller<'_>, attrs: Value) -> Resp {
    let body = json!({ "console_session": attrs });
    match caller {
        Caller::Basic(c) => c.post("/console_sessions", body).await,
        Caller::Bearer(b) => b.post("/console_sessions", body).await,
    }
}

enum Caller<'a> {
    Basic(&'a Client),
    Bearer(&'a Bearer),
}

/// A typical mint: `role` for user `cust-42`, from the portal.
fn attrs(role: &str) -> Value {
    json!({"role": role, "external_user_id": "cust-42", "external_user_label": "Customer 42",
           "allowed_origin": PORTAL})
}

/// `POST /v2/console_sessions/exchange` with `origin` (none when `None`).
async fn exchange(server: &TestServer, token: &str, origin: Option<&str>, extra: Value) -> Resp {
    let mut body = json!({ "token": token });
    if let Value::Object(m) = extra {
        for (k, v) in m {
            body[k] = v;
        }
    }
    let mut req = server
        .anonymous()
        .request(Method::POST, "/console_sessions/exchange")
        .json(&body);
    if let Some(o) = origin {
        req = req.header("Origin", o);
    }
    Client::finish(req).await
}

/// Mints as `owner` and exchanges from the portal: the session's client and answer.
async fn session(server: &TestServer, owner: &Client, attrs: Value) -> (Bearer, Value) {
    let grant = mint_as(&Caller::Basic(owner), attrs).await.expect(201).body;
    let token = grant["token"].as_str().unwrap();
    let r = exchange(server, token, Some(PORTAL), json!({}))
        .await
        .expect(201);
    (
        Bearer::new(&server.base, r.body["token"].as_str().unwrap()),
        r.body,
    )
}

async fn mint_and_exchange(backend: Backend) {
    let server = start(backend).await;
    let owner = server.account("Acme").await;
    let username = owner.credentials.clone().unwrap().0;
    let icon = asset(&server, &owner, "icon").await;
    let spring = coupon(&owner, "Spring", &icon, json!({})).await;

    let grant = mint_as(&Caller::Basic(&owner), attrs("manager"))
        .await
        .expect(201)
        .body;
    let token = grant["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("pwc_"), "{token}");
    assert_eq!(grant["role"], "manager");
    assert_eq!(grant["allowed_origin"], PORTAL);
    assert_eq!(grant["session_seconds"], 3600);
    assert!(grant["campaign_ids"].is_null());

    let r = exchange(&server, &token, Some(PORTAL), json!({}))
        .await
        .expect(201);
    let bearer = Bearer::new(&server.base, r.body["token"].as_str().unwrap());
    assert!(r.body["token"].as_str().unwrap().starts_with("pws_"));
    let me = &r.body["me"];
    assert_eq!(me["role"], "manager");
    assert_eq!(me["actor"]["kind"], "console_session");
    let label = format!("via {username} for cust-42");
    assert_eq!(me["actor"]["label"], label.as_str());
    assert_eq!(r.body["session"]["via"], "console_session");
    assert_eq!(r.body["session"]["external_user_id"], "cust-42");

    // Single use: the same token again is refused.
    let again = exchange(&server, &token, Some(PORTAL), json!({}))
        .await
        .expect(422);
    assert!(again.body["errors"]["token"][0]
        .as_str()
        .unwrap()
        .contains("already used"));

    // The session works like any other: the campaigns, a change in the audit log.
    bearer.get("/me").await.expect(200);
    let list = bearer.get("/coupons").await.expect(200).body;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let pass = bearer
        .post(&format!("/coupons/{spring}/passes"), json!({"pass": {}}))
        .await
        .expect(201)
        .id();
    bearer.get("/users").await.expect(403);
    // A session may not mint sessions.
    mint_as(&Caller::Bearer(&bearer), attrs("viewer"))
        .await
        .expect(403);

    let events = owner
        .get("/audit_events?q[s]=created_at asc")
        .await
        .expect(200)
        .body;
    let events = events.as_array().unwrap();
    let minted = events
        .iter()
        .find(|e| e["resource"] == "console_session" && e["action"] == "create")
        .expect("the mint is audited");
    assert_eq!(minted["actor_type"], "api_username");
    assert_eq!(minted["resource_id"], grant["id"]);
    let exchanged = events
        .iter()
        .find(|e| e["action"] == "exchange")
        .expect("the exchange is audited");
    assert_eq!(exchanged["actor_type"], "console_session");
    assert_eq!(exchanged["actor_label"], label.as_str());
    assert_eq!(exchanged["attributes"]["token"], "[redacted]");
    let created = events
        .iter()
        .find(|e| e["resource"] == "pass" && e["action"] == "create")
        .expect("the pass creation is audited");
    assert_eq!(created["actor_type"], "console_session");
    assert_eq!(created["actor_label"], label.as_str());
    assert_eq!(created["resource_id"], pass.as_str());
    // The token never appears in the log.
    let log = serde_json::to_string(&events).unwrap();
    assert!(!log.contains(&token[4..]), "the token is in the audit log");

    // Listed with the owner's sessions, and revocable.
    let sessions = owner.get("/sessions").await.expect(200).body;
    let listed = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["via"] == "console_session")
        .expect("the minted session is listed");
    assert_eq!(listed["external_user_id"], "cust-42");
    assert_eq!(listed["external_user_label"], "Customer 42");
    assert_eq!(listed["label"], label.as_str());
    assert_eq!(listed["minted_by"], username.as_str());
    assert_eq!(listed["minted_by_name"], username.as_str());
    let id = listed["id"].as_str().unwrap();
    owner.delete(&format!("/sessions/{id}")).await.expect(200);
    bearer.get("/me").await.expect(401);
    server.stop().await;
}
both_backends!(mint_and_exchange);

async fn origins_are_enforced(backend: Backend) {
    let server = start(backend).await;
    let owner = server.account("Acme").await;
    let mint = || async {
        mint_as(&Caller::Basic(&owner), attrs("viewer"))
            .await
            .expect(201)
    };

    // Another origin, and no origin at all, are refused; the attempt uses the token up.
    let t = mint().await.body["token"].as_str().unwrap().to_string();
    exchange(&server, &t, Some(EVIL), json!({}))
        .await
        .expect(403);
    exchange(&server, &t, Some(PORTAL), json!({}))
        .await
        .expect(422);
    let t = mint().await.body["token"].as_str().unwrap().to_string();
    exchange(&server, &t, None, json!({})).await.expect(403);

    // The console served by this server and framed by the portal: its own origin, naming
    // the framing page's.
    let own = server.base.clone();
    let t = mint().await.body["token"].as_str().unwrap().to_string();
    exchange(&server, &t, Some(&own), json!({"embedder_origin": EVIL}))
        .await
        .expect(403);
    let t = mint().await.body["token"].as_str().unwrap().to_string();
    exchange(&server, &t, Some(&own), json!({}))
        .await
        .expect(403);
    let t = mint().await.body["token"].as_str().unwrap().to_string();
    exchange(
        &server,
        &t,
        Some(&own),
        json!({"embedder_origin": format!("{PORTAL}/")}),
    )
    .await
    .expect(201);

    // Garbage is the same 422 as a used token.
    exchange(&server, "pwc_nothing", Some(PORTAL), json!({}))
        .await
        .expect(422);
    exchange(&server, "", Some(PORTAL), json!({}))
        .await
        .expect(422);

    // Minting checks what it is given.
    let bad = mint_as(
        &Caller::Basic(&owner),
        json!({"role": "emperor", "external_user_id": "", "allowed_origin": EVIL,
               "session_seconds": 0, "campaign_ids": ["not-an-id"]}),
    )
    .await
    .expect(422)
    .body;
    for attr in [
        "role",
        "external_user_id",
        "allowed_origin",
        "session_seconds",
        "campaign_ids[0]",
    ] {
        assert!(bad["errors"][attr].is_array(), "{attr}: {bad}");
    }
    let bad = mint_as(
        &Caller::Basic(&owner),
        json!({"role": "viewer", "external_user_id": "x", "allowed_origin": "https://portal.example.com/path"}),
    )
    .await
    .expect(422)
    .body;
    assert!(bad["errors"]["allowed_origin"][0]
        .as_str()
        .unwrap()
        .contains("not an origin"));
    server.stop().await;
}
both_backends!(origins_are_enforced);

async fn expiry(backend: Backend) {
    let server = TestServer::start_with(backend, |a| {
        a.rate_limit_anonymous = 10_000;
        a.cors_origins = vec![PORTAL.into()];
        a.console_token_seconds = 2;
        a.console_session_seconds = 2;
    })
    .await;
    let owner = server.account("Acme").await;
    // A token not exchanged in time is refused.
    let late = mint_as(&Caller::Basic(&owner), attrs("viewer"))
        .await
        .expect(201)
        .body;
    // A session asks for at most the server's lifetime.
    let mut long = attrs("viewer");
    long["session_seconds"] = json!(3);
    mint_as(&Caller::Basic(&owner), long).await.expect(422);
    let (bearer, answer) = session(&server, &owner, attrs("viewer")).await;
    bearer.get("/me").await.expect(200);
    assert!(answer["session"]["expires_at"].as_str().is_some());
    tokio::time::sleep(std::time::Duration::from_millis(3000)).await;
    exchange(
        &server,
        late["token"].as_str().unwrap(),
        Some(PORTAL),
        json!({}),
    )
    .await
    .expect(422);
    // The session has ended: 401, as for any expired session.
    bearer.get("/me").await.expect(401);
    server.stop().await;
}
both_backends!(expiry);

async fn role_cap(backend: Backend) {
    let server = start(backend).await;
    let owner = server.account("Acme").await;
    let (_, passes_only) = key(&server, &owner, "Door app", "passes_only").await;
    let (_, read_only) = key(&server, &owner, "Reports", "read_only").await;
    let (portal_key, manager_key) = key(&server, &owner, "Portal", "manager").await;
    let person = join(&server, &owner, "ann@example.com", "owner").await;

    // A passes-only key may mint a scanner (its permissions are a subset), not support.
    let r = mint_as(&Caller::Bearer(&passes_only), attrs("scanner"))
        .await
        .expect(201);
    assert_eq!(r.body["role"], "scanner");
    let r = mint_as(&Caller::Bearer(&passes_only), attrs("support"))
        .await
        .expect(403);
    assert!(r.body.to_string().contains("read"), "{}", r.body);
    mint_as(&Caller::Bearer(&read_only), attrs("viewer"))
        .await
        .expect(201);
    mint_as(&Caller::Bearer(&read_only), attrs("scanner"))
        .await
        .expect(403);
    mint_as(&Caller::Bearer(&manager_key), attrs("manager"))
        .await
        .expect(201);
    mint_as(&Caller::Bearer(&manager_key), attrs("owner"))
        .await
        .expect(403);
    mint_as(&Caller::Basic(&owner), attrs("owner"))
        .await
        .expect(201);
    // A person's session is not an integration.
    mint_as(&Caller::Bearer(&person), attrs("viewer"))
        .await
        .expect(403);

    // The key's name is in the session's audit label.
    let grant = mint_as(&Caller::Bearer(&manager_key), attrs("viewer"))
        .await
        .expect(201)
        .body;
    let r = exchange(
        &server,
        grant["token"].as_str().unwrap(),
        Some(PORTAL),
        json!({}),
    )
    .await
    .expect(201);
    assert_eq!(r.body["me"]["actor"]["label"], "via Portal for cust-42");
    // The session says which key minted it, for whom: the Sessions page shows it, and
    // an owner can list a key's sessions.
    let key_id = portal_key["id"].as_str().unwrap();
    assert_eq!(r.body["session"]["minted_by"], key_id);
    assert_eq!(r.body["session"]["minted_by_name"], "Portal");
    assert_eq!(r.body["session"]["external_user_id"], "cust-42");
    assert_eq!(r.body["session"]["external_user_label"], "Customer 42");
    let listed = owner
        .get(&format!("/sessions?q[minted_by_eq]={key_id}"))
        .await
        .expect(200);
    assert_eq!(listed.header("x-total"), "1");
    assert_eq!(listed.body[0]["minted_by_name"], "Portal");
    assert_eq!(listed.body[0]["label"], "via Portal for cust-42");
    // A person's session names no integration.
    let all = owner.get("/sessions").await.expect(200).body;
    let people: Vec<&Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["via"] != "console_session")
        .collect();
    assert!(!people.is_empty(), "{all}");
    for p in people {
        assert!(
            p["minted_by"].is_null() && p["minted_by_name"].is_null(),
            "{p}"
        );
    }
    server.stop().await;
}
both_backends!(role_cap);

async fn child_organization(backend: Backend) {
    let server = start(backend).await;
    let agency = server.account_with("Agency", true).await;
    let other = server.account_with("Other agency", true).await;
    let child = agency
        .post("/organizations", json!({"name": "Bakery"}))
        .await
        .expect(201)
        .body;
    let child_id = child["id"].as_str().unwrap().to_string();
    let bakery = Client::new(
        &server.base,
        Some((
            child["api_username"].as_str().unwrap().into(),
            child["api_password"].as_str().unwrap().into(),
        )),
    );
    let icon = asset(&server, &bakery, "icon").await;
    let bread = coupon(&bakery, "Bread", &icon, json!({})).await;
    let agency_icon = asset(&server, &agency, "icon").await;
    let own = coupon(&agency, "Agency's own", &agency_icon, json!({})).await;
    let foreign = other
        .post("/organizations", json!({"name": "Not yours"}))
        .await
        .expect(201)
        .id();

    let mut a = attrs("manager");
    a["organization_id"] = json!(child_id);
    let (session, answer) = session(&server, &agency, a.clone()).await;
    assert_eq!(answer["me"]["account"]["id"], child_id.as_str());
    let list = session.get("/coupons").await.expect(200).body;
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![bread.as_str()]);
    session.get(&format!("/coupons/{own}")).await.expect(404);
    session
        .post(&format!("/coupons/{bread}/passes"), json!({"pass": {}}))
        .await
        .expect(201);
    // The child's audit log names the agency's integration.
    let events = bakery.get("/audit_events").await.expect(200).body;
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["resource"] == "pass" && e["actor_type"] == "console_session"));

    // Acting in a child organization needs the settings permission.
    let (_, manager_key) = key(&server, &agency, "Portal", "manager").await;
    mint_as(&Caller::Bearer(&manager_key), a).await.expect(403);
    // Another agency's child, and unknown ids, are not this organization's.
    let mut b = attrs("viewer");
    b["organization_id"] = json!(foreign);
    let r = mint_as(&Caller::Basic(&agency), b).await.expect(422);
    assert!(r.body["errors"]["organization_id"].is_array());
    let mut c = attrs("viewer");
    c["organization_id"] = json!("nope");
    mint_as(&Caller::Basic(&agency), c).await.expect(422);
    // A child cannot mint for its parent.
    let mut d = attrs("viewer");
    d["organization_id"] = json!(agency.get("/account").await.expect(200).id());
    mint_as(&Caller::Basic(&bakery), d).await.expect(422);
    server.stop().await;
}
both_backends!(child_organization);

/// Sends `req` (a `POST …/passes/import`) with a CSV body.
async fn import_csv(req: reqwest::RequestBuilder, csv: &str) -> Resp {
    Client::finish(req.header("content-type", "text/csv").body(csv.to_string())).await
}

/// Polls a job as `s` until it is done or failed.
async fn wait_job(s: &Bearer, id: &str) -> Value {
    for _ in 0..600 {
        let j = s.get(&format!("/jobs/{id}")).await.expect(200).body;
        if j["state"] == "done" || j["state"] == "failed" {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("job {id} did not finish");
}

async fn campaign_restriction(backend: Backend) {
    let server = start(backend).await;
    let owner = server.account("Acme").await;
    let icon = asset(&server, &owner, "icon").await;
    let allowed = coupon(&owner, "Allowed", &icon, json!({})).await;
    let hidden = coupon(&owner, "Hidden", &icon, json!({})).await;
    let card = owner
        .post(
            "/store_cards",
            json!({"store_card": {"name": "Hidden card", "icon_id": icon}}),
        )
        .await
        .expect(201)
        .id();
    let holder = json!({"pass": {"user_info": {"name": "Zoe Quartz"}}});
    let visible_pass = owner
        .post(&format!("/coupons/{allowed}/passes"), holder.clone())
        .await
        .expect(201)
        .id();
    let hidden_pass = owner
        .post(&format!("/coupons/{hidden}/passes"), holder.clone())
        .await
        .expect(201)
        .id();

    let mut a = attrs("manager");
    a["campaign_ids"] = json!([allowed.to_uppercase()]);
    let (s, answer) = session(&server, &owner, a).await;
    assert_eq!(answer["me"]["campaign_ids"], json!([allowed]));

    // Lists leave the other campaigns out.
    let list = s.get("/coupons").await.expect(200);
    assert_eq!(list.header("x-total"), "1");
    assert_eq!(list.body[0]["id"], allowed.as_str());
    let cards = s.get("/store_cards").await.expect(200);
    assert_eq!(cards.body.as_array().unwrap().len(), 0);
    let hits = s.get("/passes?q[search]=quartz").await.expect(200).body;
    let found: Vec<&str> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["pass"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(found, vec![visible_pass.as_str()]);

    // Every route under another campaign is a 404, as for another organization's.
    s.get(&format!("/coupons/{hidden}")).await.expect(404);
    s.get(&format!("/store_cards/{card}")).await.expect(404);
    s.get(&format!("/coupons/{hidden}/passes"))
        .await
        .expect(404);
    s.get(&format!("/coupons/{hidden}/passes/{hidden_pass}"))
        .await
        .expect(404);
    s.patch(
        &format!("/coupons/{hidden}"),
        json!({"coupon": {"name": "Mine now"}}),
    )
    .await
    .expect(404);
    s.post(&format!("/coupons/{hidden}/passes"), holder.clone())
        .await
        .expect(404);
    s.get(&format!("/coupons/{hidden}/reports/totals"))
        .await
        .expect(404);
    // Its own campaign works as usual.
    s.get(&format!("/coupons/{allowed}")).await.expect(200);
    s.get(&format!("/coupons/{allowed}/passes/{visible_pass}"))
        .await
        .expect(200);
    s.patch(
        &format!("/coupons/{allowed}"),
        json!({"coupon": {"description": "Edited in the portal"}}),
    )
    .await
    .expect(200);
    s.get("/templates").await.expect(200);
    s.get("/me").await.expect(200);

    // Jobs: its own campaign's CSV import runs and can be followed; another campaign's
    // job is absent from the list and answers 404, its row errors too.
    let csv = "serial_number,expiration_date\nS1,\nS2,soon\nS3,2031-01-01T00:00:00Z\n";
    let mine = import_csv(
        s.http
            .post(format!("{}/v2/coupons/{allowed}/passes/import", s.base))
            .bearer_auth(&s.token),
        csv,
    )
    .await
    .expect(202)
    .id();
    let theirs = import_csv(
        owner.request(Method::POST, &format!("/coupons/{hidden}/passes/import")),
        "serial_number\nH1\n",
    )
    .await
    .expect(202)
    .id();
    let done = wait_job(&s, &mine).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["processed"], 3);
    assert_eq!(done["campaign_id"], allowed.as_str());
    let errors = s.get(&format!("/jobs/{mine}/errors")).await.expect(200);
    let errors = String::from_utf8(errors.bytes).unwrap();
    let errors = errors.lines().collect::<Vec<_>>();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[1].starts_with("3,expiration_date,"), "{errors:?}");
    let passes = s
        .get(&format!("/coupons/{allowed}/passes"))
        .await
        .expect(200);
    assert_eq!(passes.header("x-total"), "3");
    let jobs = s.get("/jobs").await.expect(200);
    assert_eq!(jobs.header("x-total"), "1");
    let ids: Vec<&str> = jobs
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![mine.as_str()]);
    let filtered = s
        .get(&format!("/jobs?q[campaign_id_eq]={hidden}"))
        .await
        .expect(200);
    assert_eq!(filtered.header("x-total"), "0");
    s.get(&format!("/jobs/{theirs}")).await.expect(404);
    s.get(&format!("/jobs/{theirs}/errors")).await.expect(404);
    // The owner still sees both.
    let all = owner.get("/jobs").await.expect(200);
    assert_eq!(all.header("x-total"), "2");
    owner.get(&format!("/jobs/{theirs}")).await.expect(200);

    // What spans the organization is refused, creating campaigns too.
    for path in ["/dashboard", "/webhook_deliveries", "/organizations"] {
        s.get(path).await.expect(403);
    }
    s.post("/coupons", minimal("coupons", "New", &icon))
        .await
        .expect(403);

    // Unknown campaigns cannot be named.
    let mut bad = attrs("viewer");
    bad["campaign_ids"] = json!([uuid::Uuid::new_v4().to_string()]);
    let r = mint_as(&Caller::Basic(&owner), bad).await.expect(422);
    assert!(r.body["errors"]["campaign_ids[0]"].is_array());
    let other = server.account("Other").await;
    let mut foreign = attrs("viewer");
    foreign["campaign_ids"] = json!([allowed]);
    mint_as(&Caller::Basic(&other), foreign).await.expect(422);
    server.stop().await;
}
both_backends!(campaign_restriction);

/// The console's HTML may be framed by the configured origins only.
async fn framing(backend: Backend) {
    let console = tempfile::tempdir().unwrap();
    std::fs::write(
        console.path().join("index.html"),
        "<!doctype html><base href=\"./\"><title>c</title>",
    )
    .unwrap();
    let dir = console.path().to_path_buf();
    let server = TestServer::start_configured(backend, move |a| {
        a.console_dir = Some(dir);
        a.cors_origins = vec![PORTAL.into()];
    })
    .await;
    for path in ["/", "/campaigns/coupons"] {
        let r = reqwest::get(format!("{}{path}", server.base))
            .await
            .unwrap();
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(csp, format!("frame-ancestors 'self' {PORTAL}"));
        assert!(!csp.contains("evil") && !csp.contains('*'));
    }
    server.stop().await;
}
both_backends!(framing);
