//! The server side of the console's day of work (issue 15): a campaign's unpublished
//! changes (`GET …/changes`), the home dashboard (`GET /dashboard`), and the webhook
//! log's test event and retry (`POST /webhook_deliveries/test`, `…/{id}/retry`), over
//! HTTP against a real server on both databases.

mod common;
mod device;

use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use common::{Backend, TestServer};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn coupon(name: &str, icon: &str) -> Value {
    json!({"coupon": {
        "name": name,
        "icon_id": icon,
        "primary_fields": [{"key": "offer", "label": "Offer", "value": "20% off"}],
        "secondary_fields": [{"key": "customer", "label": "Customer", "value": "", "behaviour": "dynamic"}]
    }})
}

async fn issue(client: &common::Client, cid: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let body = json!({"pass": {"secondary_fields": [{"key": "customer", "value": format!("Customer {i}")}]}});
        ids.push(
            client
                .post(&format!("/coupons/{cid}/passes"), body)
                .await
                .expect(201)
                .id(),
        );
    }
    ids
}

async fn outdated(client: &common::Client, cid: &str) -> i64 {
    client
        .get(&format!("/coupons/{cid}/changes"))
        .await
        .expect(200)
        .body["outdated_passes_count"]
        .as_i64()
        .expect("a count")
}

async fn unpublished_changes_until_merged(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = device::upload_icon(&alice).await;
    let cid = alice
        .post("/coupons", coupon("Spring", &icon))
        .await
        .expect(201)
        .id();
    issue(&alice, &cid, 2).await;
    // Never edited: nothing is outdated.
    let fresh = alice
        .get(&format!("/coupons/{cid}/changes"))
        .await
        .expect(200);
    assert_eq!(fresh.body["outdated_passes_count"], 0, "{}", fresh.body);
    assert!(fresh.body["edited_at"].is_null(), "{}", fresh.body);

    // A state change is not an edit of the content.
    alice
        .post_empty(&format!("/coupons/{cid}/pause"))
        .await
        .expect(200);
    alice
        .post_empty(&format!("/coupons/{cid}/resume"))
        .await
        .expect(200);
    assert_eq!(outdated(&alice, &cid).await, 0);

    // An edit leaves both issued passes behind; a pass made after it is up to date.
    alice
        .patch(
            &format!("/coupons/{cid}"),
            json!({"coupon": {"logo_text": "New"}}),
        )
        .await
        .expect(200);
    assert_eq!(outdated(&alice, &cid).await, 2);
    issue(&alice, &cid, 1).await;
    assert_eq!(outdated(&alice, &cid).await, 2);

    // The merge brings them up to date; the next edit counts all three.
    let merge = alice
        .post(
            &format!("/coupons/{cid}/merge"),
            json!({"push_message": "New look"}),
        )
        .await
        .expect(200);
    assert!(merge.body["job_id"].is_string(), "{}", merge.body);
    let changes = alice
        .get(&format!("/coupons/{cid}/changes"))
        .await
        .expect(200);
    assert_eq!(changes.body["outdated_passes_count"], 0, "{}", changes.body);
    assert!(changes.body["merged_at"].is_string(), "{}", changes.body);
    alice
        .patch(
            &format!("/coupons/{cid}"),
            json!({"coupon": {"logo_text": "Newer"}}),
        )
        .await
        .expect(200);
    assert_eq!(outdated(&alice, &cid).await, 3);

    // Another account's campaign is a 404.
    let bob = server.account("Bob").await;
    bob.get(&format!("/coupons/{cid}/changes"))
        .await
        .expect(404);
    server.stop().await;
}
both_backends!(unpublished_changes_until_merged);

async fn dashboard_across_campaigns(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let empty = alice.get("/dashboard").await.expect(200);
    assert_eq!(empty.body["campaigns_count"], 0, "{}", empty.body);
    assert_eq!(empty.body["busiest"], json!([]), "{}", empty.body);

    let icon = device::upload_icon(&alice).await;
    let busy = alice
        .post("/coupons", coupon("Busy", &icon))
        .await
        .expect(201)
        .id();
    let quiet = alice
        .post("/coupons", coupon("Quiet", &icon))
        .await
        .expect(201)
        .id();
    let passes = issue(&alice, &busy, 3).await;
    issue(&alice, &quiet, 1).await;
    alice
        .post(
            &format!("/coupons/{busy}/passes/{}/redeem", passes[0]),
            json!({}),
        )
        .await
        .expect(200);

    let d = alice.get("/dashboard").await.expect(200).body;
    assert_eq!(d["campaigns_count"], 2, "{d}");
    assert_eq!(d["passes_count"], 4, "{d}");
    assert_eq!(d["redeemed_count"], 1, "{d}");
    assert_eq!(d["installed_count"], 0, "{d}");
    assert_eq!(d["busiest"][0]["name"], "Busy", "{d}");
    assert_eq!(
        d["busiest"][0]["events_count"], 4,
        "3 created + 1 redeemed: {d}"
    );
    assert_eq!(d["busiest"][0]["campaign_type"], "coupons", "{d}");
    assert_eq!(d["recent"][0]["kind"], "redeemed", "newest first: {d}");
    assert_eq!(d["recent"][0]["campaign_name"], "Busy", "{d}");
    assert_eq!(d["webhook_failures"], 0, "{d}");
    assert_eq!(d["recent_failures"], json!([]), "{d}");

    // Another account sees none of it.
    let bob = server.account("Bob").await;
    let b = bob.get("/dashboard").await.expect(200).body;
    assert_eq!(b["campaigns_count"], 0, "{b}");
    assert_eq!(b["recent"], json!([]), "{b}");
    server.stop().await;
}
both_backends!(dashboard_across_campaigns);

/// The test event's delivery once `ready` holds for it (at most 20 s).
async fn test_delivery(client: &common::Client, ready: impl Fn(&Value) -> bool) -> Value {
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let page = client
            .get("/webhook_deliveries?q[event_eq]=test")
            .await
            .expect(200);
        if ready(&page.body[0]) {
            return page.body[0].clone();
        }
        assert!(Instant::now() < end, "the delivery log shows {}", page.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn allow_private(a: &mut passworks_server::config::ServeArgs) {
    a.allow_private_webhooks = true;
    a.webhook_retry_base_seconds = 3600;
}

async fn webhook_test_event_and_retry(backend: Backend) {
    let server = TestServer::start_with(backend, allow_private).await;
    let alice = server.account("Alice").await;
    // No URL yet: a clear 422.
    let refused = alice
        .post_empty("/webhook_deliveries/test")
        .await
        .expect(422);
    assert!(
        refused.body["errors"]["webhook_url"].is_array(),
        "{}",
        refused.body
    );

    // A receiver that fails the first request and accepts the next.
    let got: Arc<Mutex<Vec<(bool, Value)>>> = Arc::default();
    let log = got.clone();
    let app = Router::new().route(
        "/hook",
        post(move |body: axum::body::Bytes| {
            let log = log.clone();
            async move {
                let mut l = log.lock().unwrap();
                let ok = !l.is_empty();
                l.push((ok, serde_json::from_slice(&body).unwrap_or(Value::Null)));
                if ok {
                    StatusCode::OK
                } else {
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    alice
        .patch("/account", json!({"account": {"webhook_url": url}}))
        .await
        .expect(200);

    alice
        .post_empty("/webhook_deliveries/test")
        .await
        .expect(200);
    let until = |n: usize| {
        let got = got.clone();
        async move {
            let end = Instant::now() + Duration::from_secs(20);
            while Instant::now() < end && got.lock().unwrap().len() < n {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            got.lock().unwrap().len() >= n
        }
    };
    assert!(until(1).await, "the test event never arrived");
    assert_eq!(got.lock().unwrap()[0].1["event"], "test");

    // The failed attempt waits an hour for its retry; "retry" sends it now.
    let waiting = test_delivery(&alice, |d| d["attempts"].as_i64() == Some(1)).await;
    assert_eq!(waiting["status"], "pending", "{waiting}");
    let id = waiting["id"].as_str().unwrap().to_string();
    alice
        .post_empty(&format!("/webhook_deliveries/{id}/retry"))
        .await
        .expect(200);
    assert!(until(2).await, "the retry never arrived");
    let delivered = test_delivery(&alice, |d| d["status"] == "delivered").await;
    assert_eq!(delivered["attempts"], 2, "{delivered}");
    // A delivered one, an unknown one and another account's are 404.
    alice
        .post_empty(&format!("/webhook_deliveries/{id}/retry"))
        .await
        .expect(404);
    alice
        .post_empty("/webhook_deliveries/00000000-0000-4000-8000-000000000009/retry")
        .await
        .expect(404);
    let bob = server.account("Bob").await;
    bob.post_empty(&format!("/webhook_deliveries/{id}/retry"))
        .await
        .expect(404);
    server.stop().await;
}
both_backends!(webhook_test_event_and_retry);
