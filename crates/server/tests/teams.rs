//! Teams over real HTTP (issue 16): inviting people, accepting invitations, signing in
//! with e-mail and password, sessions (listed, revoked, expired, signed out), the
//! brute-force brakes, scoped API keys (Bearer and Basic, expiry, revocation, last use)
//! and the audit log (who, what, attributes with secrets redacted, filters, retention).

mod common;

use common::people::{invitation_token, invite, join, key, Bearer, PASSWORD};
use common::{Backend, Client, TestServer};
use serde_json::{json, Value};

async fn invite_accept_and_sign_in(backend: Backend) {
    let server = TestServer::start(backend).await;
    let owner = server.account("Acme").await;
    let anon = server.anonymous();

    // Inviting checks its input.
    let r = owner
        .post(
            "/users",
            json!({"user": {"email": "not an address", "role": "boss"}}),
        )
        .await
        .expect(422);
    assert_eq!(r.body["errors"]["email"][0], "is not an e-mail address");
    assert!(r.body["errors"]["role"][0]
        .as_str()
        .unwrap()
        .starts_with("must be one of owner, manager"));
    owner
        .post("/users", json!({"user": {"email": "x@example.com"}}))
        .await
        .expect(422);

    let user = invite(&owner, "Ann@Example.com", "support").await;
    assert_eq!(user["email"], "ann@example.com");
    assert_eq!(user["status"], "invited");
    assert_eq!(user["role"], "support");
    let link = user["invitation_url"].as_str().unwrap();
    assert!(
        link.starts_with(&format!("{}/invitation#", server.base)),
        "{link}"
    );
    let token = invitation_token(&user);
    // The link is shown once.
    let listed = owner.get("/users").await.expect(200);
    assert_eq!(listed.body[0]["invitation_url"], serde_json::Value::Null);
    assert_eq!(listed.header("x-total"), "1");
    // The same address cannot be invited twice (in any organization).
    let other = server.account("Other").await;
    let r = other
        .post(
            "/users",
            json!({"user": {"email": "ann@example.com", "role": "viewer"}}),
        )
        .await
        .expect(422);
    assert_eq!(r.body["errors"]["email"][0], "has already been taken");

    // An invited person cannot sign in yet.
    anon.post(
        "/sessions",
        json!({"email": "ann@example.com", "password": PASSWORD}),
    )
    .await
    .expect(401);
    // Accepting: a short password is refused, a wrong token is unknown.
    let r = anon
        .post(
            "/invitations/accept",
            json!({"token": token, "password": "short"}),
        )
        .await
        .expect(422);
    assert!(r.body["errors"]["password"][0]
        .as_str()
        .unwrap()
        .contains("too short"));
    anon.post(
        "/invitations/accept",
        json!({"token": "nope", "password": PASSWORD}),
    )
    .await
    .expect(404);
    let r = anon
        .post(
            "/invitations/accept",
            json!({"token": token, "password": PASSWORD, "name": "Ann Smith"}),
        )
        .await
        .expect(201);
    let first = Bearer::new(&server.base, r.body["token"].as_str().unwrap());
    assert_eq!(r.body["me"]["role"], "support");
    assert_eq!(r.body["session"]["via"], "invitation");
    // The link works once.
    anon.post(
        "/invitations/accept",
        json!({"token": token, "password": PASSWORD}),
    )
    .await
    .expect(404);

    // Signing in: wrong password and unknown address are the same 401.
    let wrong = anon
        .post(
            "/sessions",
            json!({"email": "ann@example.com", "password": "wrong password"}),
        )
        .await
        .expect(401);
    let unknown = anon
        .post(
            "/sessions",
            json!({"email": "nobody@example.com", "password": PASSWORD}),
        )
        .await
        .expect(401);
    assert_eq!(wrong.body, unknown.body);
    anon.post("/sessions", json!({"email": ""}))
        .await
        .expect(422);
    let r = anon
        .post(
            "/sessions",
            json!({"email": " ANN@example.com ", "password": PASSWORD}),
        )
        .await
        .expect(201);
    let token = r.body["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("pws_"));
    let ann = Bearer::new(&server.base, &token);

    let me = ann.get("/me").await.expect(200);
    assert_eq!(me.body["actor"]["kind"], "user");
    assert_eq!(me.body["actor"]["label"], "ann@example.com");
    assert_eq!(me.body["account"]["name"], "Acme");
    assert_eq!(me.body["role"], "support");
    assert_eq!(
        me.body["permissions"],
        json!([
            "read_campaigns",
            "read_passes",
            "read",
            "redeem",
            "write_passes"
        ])
    );
    let session_id = me.body["session_id"].as_str().unwrap().to_string();
    // The API username acts as owner.
    let me = owner.get("/me").await.expect(200);
    assert_eq!(me.body["actor"]["kind"], "api_username");
    assert_eq!(me.body["role"], "owner");

    // Sessions: a person sees their own two, the owner everyone's.
    let mine = ann.get("/sessions").await.expect(200);
    assert_eq!(mine.body.as_array().unwrap().len(), 2);
    let current: Vec<_> = mine
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["current"] == true)
        .collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["id"], session_id.as_str());
    assert_eq!(current[0]["user_email"], "ann@example.com");
    let all = owner
        .get(&format!("/users/{}/sessions", user["id"].as_str().unwrap()))
        .await;
    assert_eq!(all.expect(200).body.as_array().unwrap().len(), 2);

    // Revoking the first session from the second.
    let first_id = first.get("/me").await.expect(200).body["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    ann.delete(&format!("/sessions/{first_id}"))
        .await
        .expect(200);
    first.get("/me").await.expect(401);
    // Another organization's caller cannot see or end it.
    other
        .delete(&format!("/sessions/{session_id}"))
        .await
        .expect(404);

    // A role change applies to the open session at once.
    owner
        .patch(
            &format!("/users/{}", user["id"].as_str().unwrap()),
            json!({"user": {"role": "viewer"}}),
        )
        .await
        .expect(200);
    assert_eq!(ann.get("/me").await.expect(200).body["role"], "viewer");

    // Signing out ends the session; the Basic caller has none to end.
    owner.delete("/session").await.expect(412);
    ann.delete("/session").await.expect(200);
    ann.get("/me").await.expect(401);
    server.stop().await;
}
both_backends!(invite_accept_and_sign_in);

async fn people_are_managed_by_owners(backend: Backend) {
    let server = TestServer::start(backend).await;
    let owner = server.account("Acme").await;
    let boss = join(&server, &owner, "boss@example.com", "owner").await;
    let boss_id = boss.get("/me").await.expect(200).body["actor"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let manager = join(&server, &owner, "mia@example.com", "manager").await;
    // Managers do not manage people.
    manager.get("/users").await.expect(403);
    let r = manager
        .post(
            "/users",
            json!({"user": {"email": "z@example.com", "role": "owner"}}),
        )
        .await
        .expect(403);
    assert!(r.body["errors"]["base"][0]
        .as_str()
        .unwrap()
        .contains("needs the people permission"));
    // An owner cannot lock themselves out.
    boss.patch(
        &format!("/users/{boss_id}"),
        json!({"user": {"role": "viewer"}}),
    )
    .await
    .expect(412);
    boss.delete(&format!("/users/{boss_id}")).await.expect(412);
    // Removing a person ends their sessions.
    let mia = boss
        .get("/users?q[email_eq]=mia@example.com")
        .await
        .expect(200);
    let mia_id = mia.body[0]["id"].as_str().unwrap().to_string();
    boss.delete(&format!("/users/{mia_id}")).await.expect(200);
    manager.get("/me").await.expect(401);
    boss.get(&format!("/users/{mia_id}")).await.expect(404);
    // Changing one's password needs the current one and ends the other sessions.
    let second = Bearer::new(
        &server.base,
        server
            .anonymous()
            .post(
                "/sessions",
                json!({"email": "boss@example.com", "password": PASSWORD}),
            )
            .await
            .expect(201)
            .body["token"]
            .as_str()
            .unwrap(),
    );
    let r = boss
        .post(
            "/me/password",
            json!({"current_password": "wrong one!", "password": "brand new password"}),
        )
        .await
        .expect(422);
    assert_eq!(
        r.body["errors"]["current_password"][0],
        "is not your password"
    );
    boss.post(
        "/me/password",
        json!({"current_password": PASSWORD, "password": "short"}),
    )
    .await
    .expect(422);
    boss.post(
        "/me/password",
        json!({"current_password": PASSWORD, "password": "brand new password"}),
    )
    .await
    .expect(200);
    second.get("/me").await.expect(401);
    boss.get("/me").await.expect(200);
    owner
        .post(
            "/me/password",
            json!({"current_password": "x", "password": "y"}),
        )
        .await
        .expect(412);
    // A new link resets a forgotten password and signs the old sessions out.
    let again = boss
        .post(&format!("/users/{boss_id}/invitation"), json!({}))
        .await;
    let again = again.expect(200).body;
    let r = server
        .anonymous()
        .post(
            "/invitations/accept",
            json!({"token": invitation_token(&again), "password": "a new password"}),
        )
        .await
        .expect(201);
    boss.get("/me").await.expect(401);
    Bearer::new(&server.base, r.body["token"].as_str().unwrap())
        .get("/me")
        .await
        .expect(200);
    server
        .anonymous()
        .post(
            "/sessions",
            json!({"email": "boss@example.com", "password": PASSWORD}),
        )
        .await
        .expect(401);
    server.stop().await;
}
both_backends!(people_are_managed_by_owners);

async fn brute_force_is_slowed(backend: Backend) {
    let server = TestServer::start_with(backend, |a| {
        a.rate_limit_anonymous = 10_000;
        a.sign_in_limit_per_account = 3;
        a.sign_in_limit_per_ip = 6;
    })
    .await;
    let owner = server.account("Acme").await;
    join(&server, &owner, "ann@example.com", "viewer").await;
    let anon = server.anonymous();
    for _ in 0..3 {
        anon.post(
            "/sessions",
            json!({"email": "ann@example.com", "password": "guess guess"}),
        )
        .await
        .expect(401);
    }
    // The fourth attempt on the address is refused before the password is checked, the
    // right password included.
    let r = anon
        .post(
            "/sessions",
            json!({"email": "ann@example.com", "password": PASSWORD}),
        )
        .await
        .expect(429);
    assert!(r.header("retry-after").parse::<i64>().unwrap() >= 1);
    // Other addresses from the same IP go on until the IP's limit (6 attempts).
    anon.post(
        "/sessions",
        json!({"email": "bob@example.com", "password": "guess guess"}),
    )
    .await
    .expect(401);
    anon.post(
        "/sessions",
        json!({"email": "cy@example.com", "password": "guess guess"}),
    )
    .await
    .expect(429);
    server.stop().await;
}
both_backends!(brute_force_is_slowed);

async fn scoped_api_keys(backend: Backend) {
    let server = TestServer::start(backend).await;
    let owner = server.account("Acme").await;
    let r = owner
        .post(
            "/api_keys",
            json!({"api_key": {"name": " ", "scope": "god"}}),
        )
        .await
        .expect(422);
    assert_eq!(r.body["errors"]["name"][0], "can't be blank");
    assert!(r.body["errors"]["scope"][0]
        .as_str()
        .unwrap()
        .contains("passes_only"));
    owner
        .post(
            "/api_keys",
            json!({"api_key": {"name": "old", "scope": "viewer", "expires_at": "2001-01-01T00:00:00Z"}}),
        )
        .await
        .expect(422);

    let (k, reader) = key(&server, &owner, "Reporting", "read_only").await;
    let token = k["token"].as_str().unwrap();
    assert!(token.starts_with(k["prefix"].as_str().unwrap()));
    assert_eq!(k["last_used_at"], serde_json::Value::Null);
    assert_eq!(
        k["created_by"],
        owner.credentials.as_ref().unwrap().0.as_str()
    );
    // Shown once.
    let listed = owner.get("/api_keys").await.expect(200);
    assert_eq!(listed.body[0]["token"], serde_json::Value::Null);

    let me = reader.get("/me").await.expect(200);
    assert_eq!(me.body["actor"]["kind"], "api_key");
    assert_eq!(me.body["actor"]["label"], "Reporting");
    assert_eq!(me.body["scope"], "read_only");
    assert_eq!(me.body["role"], serde_json::Value::Null);
    reader.get("/templates").await.expect(200);
    reader.get("/coupons").await.expect(200);
    reader
        .post("/coupons", json!({"campaign": {"name": "No"}}))
        .await
        .expect(403);
    reader.get("/users").await.expect(403);
    // Basic with the prefix as username and the secret as password works the same.
    let prefix = k["prefix"].as_str().unwrap().to_string();
    let secret = token[prefix.len() + 1..].to_string();
    let basic = Client::new(&server.base, Some((prefix.clone(), secret.clone())));
    basic.get("/templates").await.expect(200);
    Client::new(&server.base, Some((prefix.clone(), "wrong".into())))
        .get("/templates")
        .await
        .expect(401);
    let shown = owner
        .get(&format!("/api_keys/{}", k["id"].as_str().unwrap()))
        .await;
    assert!(shown.expect(200).body["last_used_at"].is_string());

    // passes_only: passes yes, templates no.
    let (_, passes) = key(&server, &owner, "Shop", "passes_only").await;
    passes.get("/templates").await.expect(403);
    passes.get("/coupons").await.expect(200);

    // Revoked keys stop working and stay listed.
    let r = owner
        .delete(&format!("/api_keys/{}", k["id"].as_str().unwrap()))
        .await
        .expect(200);
    assert!(r.body["revoked_at"].is_string());
    reader.get("/templates").await.expect(401);
    basic.get("/templates").await.expect(401);
    // Keys of other organizations are unknown.
    let other = server.account("Other").await;
    other
        .get(&format!("/api_keys/{}", k["id"].as_str().unwrap()))
        .await
        .expect(404);
    // A key about to expire works until it does.
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let r = owner
        .post(
            "/api_keys",
            json!({"api_key": {"name": "brief", "scope": "owner", "expires_at": soon}}),
        )
        .await
        .expect(201);
    let brief = Bearer::new(&server.base, r.body["token"].as_str().unwrap());
    brief.get("/users").await.expect(200);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    brief.get("/users").await.expect(401);
    server.stop().await;
}
both_backends!(scoped_api_keys);

async fn the_audit_log(backend: Backend) {
    let server = TestServer::start(backend).await;
    let owner = server.account("Acme").await;
    let ann = join(&server, &owner, "ann@example.com", "manager").await;
    let (_, integration) = key(&server, &owner, "Shop sync", "owner").await;

    ann.post("/account/rotate_webhook_token", json!({}))
        .await
        .expect(200);
    let bo = integration
        .post(
            "/users",
            json!({"user": {"email": "bo@example.com", "role": "viewer"}}),
        )
        .await
        .expect(201)
        .id();
    integration
        .patch("/account", json!({"account": {"webhook_url": null}}))
        .await
        .expect(200);
    // Failures and reads change nothing and are not recorded.
    ann.post("/templates", json!({"template": {}}))
        .await
        .expect(422);
    ann.get("/templates").await.expect(200);
    // A manager may not rename the organization.
    ann.patch("/account", json!({"account": {"name": "Mine"}}))
        .await
        .expect(403);

    let log = owner
        .get("/audit_events?q[s]=created_at asc")
        .await
        .expect(200);
    let events = log.body.as_array().unwrap().clone();
    let summary: Vec<(String, String, String, String)> = events
        .iter()
        .map(|e| {
            (
                e["actor_type"].as_str().unwrap().to_string(),
                e["actor_label"].as_str().unwrap().to_string(),
                e["resource"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let username = owner.credentials.as_ref().unwrap().0.clone();
    let expected = vec![
        ("api_username", username.as_str(), "user", "create"),
        ("user", "ann@example.com", "invitation", "accept"),
        ("api_username", username.as_str(), "api_key", "create"),
        ("user", "ann@example.com", "account", "rotate_webhook_token"),
        ("api_key", "Shop sync", "user", "create"),
        ("api_key", "Shop sync", "account", "update"),
    ];
    let expected: Vec<(String, String, String, String)> = expected
        .into_iter()
        .map(|(a, b, c, d)| (a.into(), b.into(), c.into(), d.into()))
        .collect();
    assert_eq!(summary, expected);
    let accept = &events[1];
    assert_eq!(accept["attributes"]["password"], "[redacted]");
    assert_eq!(accept["attributes"]["token"], "[redacted]");
    assert_eq!(accept["ip"], "127.0.0.1");
    assert_eq!(accept["status"], 201);
    let created = &events[4];
    assert_eq!(created["resource_id"], bo.as_str());
    assert_eq!(
        created["attributes"],
        json!({"email": "bo@example.com", "role": "viewer"})
    );
    assert_eq!(created["method"], "POST");
    assert_eq!(created["path"], "/v2/users");
    assert_eq!(events[2]["attributes"]["name"], "Shop sync");
    assert_eq!(events[5]["attributes"], json!({"webhook_url": null}));

    // Filters over the allow-list.
    let r = owner
        .get("/audit_events?q[actor_type_eq]=api_key&q[action_eq]=create")
        .await
        .expect(200);
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert_eq!(r.body[0]["resource"], "user");
    let r = owner.get("/audit_events?q[status_eq]=abc").await;
    r.expect(400);
    // Only owners read it, and nobody edits it.
    ann.get("/audit_events").await.expect(403);
    let id = events[0]["id"].as_str().unwrap();
    owner
        .delete(&format!("/audit_events/{id}"))
        .await
        .expect(404);
    owner
        .patch(&format!("/audit_events/{id}"), json!({"audit_event": {}}))
        .await
        .expect(404);

    // Retention: events older than the retention are pruned.
    let db = &server.running.state.db;
    assert_eq!(
        passworks_server::model::audit::prune(db, 1).await.unwrap(),
        0
    );
    assert_eq!(
        passworks_server::model::audit::prune(db, 0).await.unwrap() as usize,
        // The list above was a read; the 403/404s are not changes.
        events.len()
    );
    assert_eq!(
        owner
            .get("/audit_events")
            .await
            .expect(200)
            .header("x-total"),
        "0"
    );
    server.stop().await;
}
both_backends!(the_audit_log);

/// A client that sends a change and hangs up at once still leaves the change with its
/// audit entry (every person the abandoned requests created is in the log), and the
/// server keeps answering (on SQLite a request dropped inside a transaction used to give
/// its connection back mid-transaction, and every later request on it failed with 500).
async fn abandoned_changes_are_audited(backend: Backend) {
    use base64::Engine as _;
    use tokio::io::AsyncWriteExt;
    let server = TestServer::start(backend).await;
    let owner = server.account("Acme").await;
    let (user, secret) = owner.credentials.clone().unwrap();
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{secret}"));
    let addr = server.base.trim_start_matches("http://").to_string();
    for i in 0..20 {
        let body =
            json!({"user": {"email": format!("p{i}@example.com"), "role": "viewer"}}).to_string();
        let request = format!(
            "POST /v2/users HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {auth}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
        socket.write_all(request.as_bytes()).await.unwrap();
        // Gone before the answer.
        drop(socket);
    }
    // Wait until the server has finished what it accepted (no new person for a second).
    let mut last = usize::MAX;
    let people = loop {
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
        let people = owner.get("/users?per_page=100").await.expect(200).body;
        let people = people.as_array().unwrap().clone();
        if people.len() == last {
            break people;
        }
        last = people.len();
    };
    let events = owner
        .get("/audit_events?q[resource_eq]=user&q[action_eq]=create&per_page=100")
        .await
        .expect(200)
        .body;
    let audited: std::collections::HashSet<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["resource_id"].as_str())
        .collect();
    let invited: Vec<&Value> = people
        .iter()
        .filter(|p| p["email"].as_str().unwrap_or("").ends_with("@example.com"))
        .collect();
    for person in &invited {
        let id = person["id"].as_str().unwrap();
        assert!(
            audited.contains(id),
            "{} was created without an audit entry ({} people, {} entries)",
            person["email"],
            invited.len(),
            audited.len()
        );
    }
    server.stop().await;
}
both_backends!(abandoned_changes_are_audited);
