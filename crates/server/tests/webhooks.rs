//! Webhooks (§17) delivered to a real local HTTP receiver: headers and signature, retries
//! until a failing receiver recovers, the delivery log, private-address refusal, and
//! at-least-once delivery across a killed and restarted server process.

mod common;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use common::{spawn_process, Backend, TestServer};
use hmac::{Hmac, Mac};
use passworks_server::db::Db;
use passworks_server::model::events::{record, NewEvent};
use passworks_wire::EventKind;
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Vec<u8>,
    at: Instant,
    /// Whether the receiver answered 2xx.
    ok: bool,
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    /// Answer 500 to this many requests before recovering.
    fail_first: Arc<Mutex<usize>>,
    delay: Duration,
}

async fn receive(
    State(r): State<Receiver>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    tokio::time::sleep(r.delay).await;
    // One lock for the answer and the log, so concurrent deliveries are logged with the
    // answer each got.
    let mut fail = r.fail_first.lock().unwrap();
    let ok = *fail == 0;
    *fail = fail.saturating_sub(1);
    r.got.lock().unwrap().push(Received {
        headers,
        body: body.to_vec(),
        at: Instant::now(),
        ok,
    });
    if ok {
        StatusCode::OK
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

/// Starts a receiver on loopback; returns its URL.
async fn start_receiver(r: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/hook", post(receive)).with_state(r);
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{addr}/hook")
}

fn allow_private(a: &mut passworks_server::config::ServeArgs) {
    a.allow_private_webhooks = true;
    a.webhook_retry_base_seconds = 1;
    a.rate_limit_authenticated = 100_000;
}

/// Waits until `cond` holds, at most `secs` seconds.
async fn wait_for(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    cond()
}

/// Records `n` events for an account (as the API does inside its transactions).
async fn emit(db: &Db, account_id: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..n {
        let mut tx = db.begin().await.unwrap();
        let ev = NewEvent {
            ip: Some("203.0.113.7".into()),
            ..NewEvent::for_pass(
                account_id,
                "00000000-0000-4000-8000-000000000001",
                "00000000-0000-4000-8000-000000000002",
                EventKind::Redeemed,
            )
        };
        ids.push(record(&mut tx, &ev).await.unwrap());
        tx.commit().await.unwrap();
    }
    ids
}

fn verify_signature(token: &str, body: &[u8], header: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(body);
    header == format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn account_id(client: &common::Client) -> String {
    client.get("/account").await.expect(200).id()
}

async fn delivered_signed_and_logged(backend: Backend) {
    let server = TestServer::start_with(backend, allow_private).await;
    let alice = server.account("Alice").await;
    let receiver = Receiver::default();
    let url = start_receiver(receiver.clone()).await;
    alice
        .patch("/account", json!({"account": {"webhook_url": url}}))
        .await
        .expect(200);
    let token = alice
        .post_empty("/account/rotate_webhook_token")
        .await
        .expect(200)
        .body["webhook_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(token.len() >= 24);

    let ids = emit(&server.running.state.db, &account_id(&alice).await, 1).await;
    assert!(wait_for(15, || receiver.got.lock().unwrap().len() == 1).await);
    let got = receiver.got.lock().unwrap()[0].clone();
    assert_eq!(got.headers["authorization"], token.as_str());
    assert_eq!(got.headers["x-passworks-event-id"], ids[0].as_str());
    assert!(got.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let signature = got.headers["x-passworks-signature"].to_str().unwrap();
    assert!(verify_signature(&token, &got.body, signature));
    assert!(!verify_signature("another token", &got.body, signature));
    let payload: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(payload["event"], "redeemed");
    assert_eq!(payload["context"], "pass");
    assert_eq!(payload["pass_id"], "00000000-0000-4000-8000-000000000002");
    assert!(payload["event_at"].is_string());
    assert!(payload["metadata"].is_object());
    assert!(payload["event_extra"].is_object());

    // The delivery log shows the attempt.
    let mut log = Value::Null;
    for _ in 0..50 {
        log = alice.get("/webhook_deliveries").await.expect(200).body;
        if log[0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["event"], "redeemed");
    assert_eq!(log[0]["event_id"], ids[0].as_str());
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["last_status_code"], 200);
    assert!(log[0]["next_attempt_at"].is_null());
    let filtered = alice
        .get("/webhook_deliveries?q[status_eq]=failed")
        .await
        .expect(200);
    assert_eq!(filtered.body, json!([]));
    assert_eq!(filtered.header("x-total"), "0");

    // Another account sees none of it.
    let bob = server.account("Bob").await;
    assert_eq!(
        bob.get("/webhook_deliveries").await.expect(200).body,
        json!([])
    );
    server.stop().await;
}
both_backends!(delivered_signed_and_logged);

async fn failing_receiver_gets_everything_after_recovery(backend: Backend) {
    let server = TestServer::start_with(backend, allow_private).await;
    let alice = server.account("Alice").await;
    let receiver = Receiver {
        fail_first: Arc::new(Mutex::new(4)),
        ..Default::default()
    };
    let url = start_receiver(receiver.clone()).await;
    alice
        .patch("/account", json!({"account": {"webhook_url": url}}))
        .await
        .expect(200);
    let ids = emit(&server.running.state.db, &account_id(&alice).await, 3).await;

    let delivered = |r: &Receiver| -> Vec<String> {
        let got = r.got.lock().unwrap();
        got.iter()
            .filter(|g| g.ok)
            .map(|g| {
                g.headers["x-passworks-event-id"]
                    .to_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert!(
        wait_for(40, || receiver.got.lock().unwrap().len() >= 7).await,
        "receiver got {} requests",
        receiver.got.lock().unwrap().len()
    );
    let mut seen = delivered(&receiver);
    seen.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(
        seen, expected,
        "every event arrives once the receiver recovers"
    );

    // Retries were spaced out (back-off), not hammered.
    let got = receiver.got.lock().unwrap().clone();
    let span = got.last().unwrap().at - got.first().unwrap().at;
    assert!(
        span >= Duration::from_secs(1),
        "retries spread over {span:?}"
    );

    let log = alice.get("/webhook_deliveries").await.expect(200).body;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|d| d["status"] == "delivered"));
    assert!(
        log.iter()
            .map(|d| d["attempts"].as_i64().unwrap())
            .sum::<i64>()
            >= 7
    );
    server.stop().await;
}
both_backends!(failing_receiver_gets_everything_after_recovery);

async fn private_addresses_refused_unless_allowed(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest",
        "http://[::1]/hook",
        "http://localhost./hook",
        "http://LOCALHOST../hook",
        "http://[::127.0.0.1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://[64:ff9b::7f00:1]/hook",
        "http://[2002:7f00:1::]/hook",
    ] {
        let r = alice
            .patch("/account", json!({"account": {"webhook_url": url}}))
            .await
            .expect(422);
        assert!(
            r.body["errors"]["webhook_url"][0]
                .as_str()
                .unwrap()
                .contains("private"),
            "{url}: {}",
            r.body
        );
    }
    alice
        .patch(
            "/account",
            json!({"account": {"webhook_url": "https://hooks.example.com/x"}}),
        )
        .await
        .expect(200);
    server.stop().await;
}
both_backends!(private_addresses_refused_unless_allowed);

/// A receiver that answers 200 with a body that never ends (64 KiB chunks for as long as
/// the peer reads).
async fn start_endless_receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let endless = || async {
        let chunk = axum::body::Bytes::from(vec![b'x'; 64 * 1024]);
        let stream = futures_util::stream::repeat_with(move || {
            Ok::<_, std::convert::Infallible>(chunk.clone())
        });
        axum::body::Body::from_stream(stream)
    };
    let app = Router::new().route("/hook", post(endless));
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{addr}/hook")
}

async fn endless_response_is_cut_short(backend: Backend) {
    let server = TestServer::start_with(backend, allow_private).await;
    let alice = server.account("Alice").await;
    let url = start_endless_receiver().await;
    alice
        .patch("/account", json!({"account": {"webhook_url": url}}))
        .await
        .expect(200);
    emit(&server.running.state.db, &account_id(&alice).await, 1).await;
    // The worker reads a few kilobytes and hangs up: the attempt is logged as delivered
    // with an excerpt long before the 10 s request timeout (reading the whole answer
    // would only end at the timeout, with nothing kept).
    let started = Instant::now();
    let mut log = Value::Null;
    while started.elapsed() < Duration::from_secs(8) {
        log = alice.get("/webhook_deliveries").await.expect(200).body;
        if log[0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(log[0]["status"], "delivered", "{log}");
    assert_eq!(log[0]["last_status_code"], 200);
    assert_eq!(log[0]["last_response"], "x".repeat(500));
    server.stop().await;
}
both_backends!(endless_response_is_cut_short);

async fn delivered_at_least_once_across_a_kill(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (url, pg) = match backend {
        Backend::Sqlite => (
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("passworks.db").display()
            ),
            None,
        ),
        Backend::Postgres => {
            let admin = common::postgres_url().unwrap();
            let name = format!("pw_test_{}", uuid::Uuid::new_v4().simple());
            common::exec_pg(&admin, &format!("CREATE DATABASE {name}")).await;
            (common::replace_db(&admin, &name), Some((admin, name)))
        }
    };
    let db = Db::connect(&url).await.unwrap();
    let account = passworks_server::model::accounts::create_account(&db, "Alice", None, false)
        .await
        .unwrap();
    let receiver = Receiver {
        delay: Duration::from_millis(150),
        ..Default::default()
    };
    let hook = start_receiver(receiver.clone()).await;
    sqlx::query("UPDATE accounts SET webhook_url = $1 WHERE id = $2")
        .bind(&hook)
        .bind(&account.id)
        .execute(&db.pool)
        .await
        .unwrap();
    let ids = emit(&db, &account.id, 20).await;

    let process = spawn_process(dir.path(), &url, &["--webhook-retry-base-seconds", "1"]);
    assert!(wait_for(30, || receiver.got.lock().unwrap().len() >= 3).await);
    drop(process); // SIGKILL in the middle of the backlog
    let before = receiver.got.lock().unwrap().len();
    assert!(
        before < ids.len(),
        "the kill happened mid-backlog ({before} delivered)"
    );

    let _restarted = spawn_process(dir.path(), &url, &["--webhook-retry-base-seconds", "1"]);
    let all_seen = || {
        let got = receiver.got.lock().unwrap();
        ids.iter().all(|id| {
            got.iter()
                .any(|g| g.headers["x-passworks-event-id"].to_str().unwrap() == id)
        })
    };
    assert!(
        wait_for(60, all_seen).await,
        "every event is delivered at least once after the restart"
    );
    drop(_restarted);
    db.pool.close().await;
    if let Some((admin, name)) = pg {
        common::exec_pg(
            &admin,
            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        )
        .await;
    }
}
both_backends!(delivered_at_least_once_across_a_kill);
