//! Foundation behaviour over real HTTP: ping, authentication, account, rate limiting,
//! trailing slashes, JSON errors for unknown routes and methods.

mod common;

use common::{Backend, Client, TestServer};
use serde_json::json;

async fn ping_and_auth(backend: Backend) {
    let server = TestServer::start(backend).await;
    let anon = server.anonymous();
    let r = anon.get("/ping").await.expect(200);
    assert_eq!(r.body, json!({"ping": "pong"}));
    assert!(!r.header("x-ratelimit-limit").is_empty());
    assert!(!r.header("x-ratelimit-remaining").is_empty());
    assert!(r.header("x-ratelimit-reset").parse::<i64>().unwrap() > 0);

    let r = anon.get("/account").await.expect(401);
    assert_eq!(
        r.header("www-authenticate"),
        "Basic realm=\"Passworks API\""
    );
    assert!(r.body["errors"]["base"][0].is_string());

    let alice = server.account("Alice").await;
    let r = alice.get("/account/").await.expect(200);
    assert_eq!(r.body["name"], "Alice");
    assert_eq!(r.body["can_manage_organizations"], false);
    assert!(r.body["webhook_url"].is_null());

    let mut wrong = alice.clone();
    wrong.credentials.as_mut().unwrap().1.push('x');
    let r = wrong.get("/account").await.expect(401);
    assert_eq!(
        r.header("www-authenticate"),
        "Basic realm=\"Passworks API\""
    );
    // A script that says so (as the console does, also for its XHR uploads) gets a
    // challenge browsers do not answer with their own login prompt; same message.
    let r = Client::finish(
        wrong
            .request(reqwest::Method::POST, "/assets")
            .header("X-Requested-With", "XMLHttpRequest"),
    )
    .await
    .expect(401);
    assert_eq!(
        r.header("www-authenticate"),
        "xBasic realm=\"Passworks API\""
    );
    assert!(r.body["errors"]["base"][0].is_string());

    let r = alice
        .patch(
            "/account",
            json!({"account": {"name": "Alice Ltd", "webhook_url": "https://hooks.example.com/pw"}}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["name"], "Alice Ltd");
    assert_eq!(r.body["webhook_url"], "https://hooks.example.com/pw");
    let r = alice
        .put("/account", json!({"account": {"webhook_url": "not a url"}}))
        .await
        .expect(422);
    assert!(r.body["errors"]["webhook_url"][0].is_string());
    alice
        .patch("/account", json!({"name": "x"}))
        .await
        .expect(400);

    let r = alice.get("/nothing-here").await.expect(404);
    assert!(r.body["errors"].is_object());
    let r = alice.post_empty("/ping").await.expect(405);
    assert!(r.body["errors"]["base"][0].is_string());
    server.stop().await;
}
both_backends!(ping_and_auth);

async fn malformed_bodies_are_400(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let r = common::Client::finish(
        alice
            .request(reqwest::Method::PATCH, "/account")
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await
    .expect(400);
    assert!(r.body["errors"]["base"][0]
        .as_str()
        .unwrap()
        .contains("Malformed JSON"));
    common::Client::finish(
        alice
            .request(reqwest::Method::PATCH, "/account")
            .header("content-type", "text/plain")
            .body("{\"account\":{}}"),
    )
    .await
    .expect(400);
    server.stop().await;
}
both_backends!(malformed_bodies_are_400);

async fn rate_limits_hold(backend: Backend) {
    let server = TestServer::start_with(backend, |a| {
        a.rate_limit_anonymous = 3;
        a.rate_limit_authenticated = 5;
    })
    .await;
    let anon = server.anonymous();
    for left in [2, 1, 0] {
        let r = anon.get("/ping").await.expect(200);
        assert_eq!(r.header("x-ratelimit-remaining"), left.to_string());
        assert_eq!(r.header("x-ratelimit-limit"), "3");
    }
    let r = anon.get("/ping").await.expect(429);
    assert_eq!(r.body, json!({"errors": {"base": ["Rate limit exceeded"]}}));
    assert!(r.header("retry-after").parse::<i64>().unwrap() >= 1);

    // Authenticated callers have their own, larger bucket.
    let alice = server.account("Alice").await;
    for _ in 0..5 {
        alice.get("/ping").await.expect(200);
    }
    alice.get("/account").await.expect(429);
    server.stop().await;
}
both_backends!(rate_limits_hold);

async fn rate_limit_is_shared_between_processes(backend: Backend) {
    // Two servers on one database count into the same window.
    if backend == Backend::Sqlite {
        return shared_sqlite().await;
    }
    let first = TestServer::start_with(backend, |a| a.rate_limit_authenticated = 4).await;
    let alice = first.account("Alice").await;
    let url = first.database_url();
    let second = second_server(&url).await;
    let mut on_second = alice.clone();
    on_second.base = second.base_url();
    alice.get("/ping").await.expect(200);
    on_second.get("/ping").await.expect(200);
    alice.get("/ping").await.expect(200);
    let r = on_second.get("/ping").await.expect(200);
    assert_eq!(r.header("x-ratelimit-remaining"), "0");
    alice.get("/ping").await.expect(429);
    on_second.get("/ping").await.expect(429);
    second.handle.abort();
    first.stop().await;
}
both_backends!(rate_limit_is_shared_between_processes);

async fn shared_sqlite() {
    let first = TestServer::start_with(Backend::Sqlite, |a| a.rate_limit_authenticated = 2).await;
    let alice = first.account("Alice").await;
    let url = first.database_url();
    let second = second_server(&url).await;
    let mut on_second = alice.clone();
    on_second.base = second.base_url();
    alice.get("/ping").await.expect(200);
    on_second.get("/ping").await.expect(200);
    on_second.get("/ping").await.expect(429);
    second.handle.abort();
    first.stop().await;
}

async fn second_server(url: &str) -> passworks_server::Running {
    let limit = if url.starts_with("sqlite") { 2 } else { 4 };
    second_server_with_limit(url, limit).await
}

async fn second_server_with_limit(url: &str, limit: i64) -> passworks_server::Running {
    let dir = tempfile::tempdir().unwrap().keep();
    let mut args = passworks_server::config::ServeArgs::for_data_dir(dir, Some(url.to_string()));
    args.rate_limit_authenticated = limit;
    passworks_server::start(&args, std::future::pending())
        .await
        .unwrap()
}

async fn a_large_limit_is_shared_once_a_second(backend: Backend) {
    // Far from its limit a window is counted in memory and written once a second (with
    // the shared count read back); the last tenth of the limit, and a window's first
    // request in a process, are counted in the database at once.
    let first = TestServer::start_with(backend, |a| a.rate_limit_authenticated = 120).await;
    let alice = first.account("Alice").await;
    let url = first.database_url();
    let second = second_server_with_limit(&url, 120).await;
    let mut on_second = alice.clone();
    on_second.base = second.base_url();
    for left in (60..120).rev() {
        let r = alice.get("/ping").await.expect(200);
        assert_eq!(r.header("x-ratelimit-remaining"), left.to_string());
    }
    // The first server writes its counts (it does so every second; the test now).
    let (state, db) = (&first.running.state, &first.running.state.db);
    state.tally.flush(db).await.unwrap();
    // The second server sees them: the other 60 requests, no more.
    for left in (0..60).rev() {
        let r = on_second.get("/ping").await.expect(200);
        assert_eq!(r.header("x-ratelimit-remaining"), left.to_string());
    }
    on_second.get("/ping").await.expect(429);
    // The first learns the second's requests at its next flush; until then it counts
    // what it sees (the overshoot the README states: at most about a second's requests).
    alice.get("/ping").await.expect(200);
    state.tally.flush(db).await.unwrap();
    alice.get("/ping").await.expect(429);
    second.handle.abort();
    first.stop().await;
}
both_backends!(a_large_limit_is_shared_once_a_second);
