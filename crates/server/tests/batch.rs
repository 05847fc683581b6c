//! Bulk creation (`POST /v2/{type}/{campaign_id}/passes/batch`) over HTTP: each item is
//! all-or-nothing with its own errors, codes stay unique, and every created pass has its
//! `created` event, report counter and webhook delivery as a single create has.

mod common;
mod device;

use common::{Backend, Client, TestServer};
use serde_json::{json, Value};
use std::collections::HashSet;

async fn per_pass_coupon(client: &Client) -> String {
    let icon = device::upload_icon(client).await;
    client
        .post(
            "/coupons",
            json!({"coupon": {"name": "Codes", "icon_id": icon, "code_type": "per_pass",
                "secondary_fields": [{"key": "name", "label": "Name", "value": "", "behaviour": "dynamic"}]}}),
        )
        .await
        .expect(201)
        .id()
}

fn results(r: &Value) -> &Vec<Value> {
    r["results"].as_array().expect("results")
}

async fn items_succeed_or_fail_on_their_own(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.account("Batch").await;
    client
        .patch(
            "/account",
            json!({"account": {"webhook_url": "https://hooks.example.com/passworks"}}),
        )
        .await
        .expect(200);
    let c = device::store_card(&client, "Members").await;
    let r = client
        .post(
            &format!("/store_cards/{c}/passes/batch"),
            json!({"passes": [
                {"secondary_fields": [{"key": "name", "value": "Ana"}]},
                {"max_distance": -5},
                "not an object",
                {},
                {"secondary_fields": [{"key": "name", "value": "Bo"}], "expiration_date": "2031-01-01T00:00:00Z"}
            ]}),
        )
        .await
        .expect(200);
    let items = results(&r.body);
    assert_eq!(items.len(), 5);
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item["index"], i);
    }
    assert_eq!(items[0]["pass"]["secondary_fields"][0]["value"], "Ana");
    assert!(items[0].get("errors").is_none());
    assert!(items[1].get("pass").is_none());
    assert!(items[1]["errors"]["max_distance"][0]
        .as_str()
        .unwrap()
        .contains("greater than 0"));
    assert!(items[2]["errors"]["base"].is_array());
    assert!(items[3]["pass"]["id"].is_string());
    assert_eq!(
        items[4]["pass"]["expiration_date"],
        "2031-01-01T00:00:00.000000Z"
    );
    // Sequential codes, distinct.
    let codes: HashSet<&str> = [0, 3, 4]
        .iter()
        .map(|&i| items[i]["pass"]["redeem_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 3);
    // The passes exist, were counted, and each has its event, counter and webhook.
    let list = client
        .get(&format!("/store_cards/{c}/passes"))
        .await
        .expect(200);
    assert_eq!(list.header("x-total"), "3");
    let campaign = client.get(&format!("/store_cards/{c}")).await.expect(200);
    assert_eq!(campaign.body["passes_count"], 3);
    let totals = client
        .get(&format!("/store_cards/{c}/reports/totals"))
        .await
        .expect(200);
    assert_eq!(totals.body["report"]["creates_count"], 3);
    let hooks = client.get("/webhook_deliveries").await.expect(200);
    assert_eq!(hooks.header("x-total"), "3");
    let hook = &hooks.body[0];
    assert_eq!(hook["event"], "created");
    // A single create goes on from the codes the batch used.
    let one = client
        .post_empty(&format!("/store_cards/{c}/passes"))
        .await
        .expect(201);
    assert!(!codes.contains(one.body["redeem_code"].as_str().unwrap()));
    server.stop().await;
}
both_backends!(items_succeed_or_fail_on_their_own);

async fn codes_are_unique_within_and_across_batches(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.account("Codes").await;
    let c = per_pass_coupon(&client).await;
    client
        .post(
            &format!("/coupons/{c}/passes"),
            json!({"pass": {"redeem_code": "TAKEN"}}),
        )
        .await
        .expect(201);
    let r = client
        .post(
            &format!("/coupons/{c}/passes/batch"),
            json!({"passes": [
                {"redeem_code": "A1"},
                {"redeem_code": "TAKEN"},
                {"redeem_code": "A1"},
                {},
                {"barcode": {"message": "B2"}}
            ]}),
        )
        .await
        .expect(200);
    let items = results(&r.body);
    assert_eq!(items[0]["pass"]["redeem_code"], "A1");
    assert_eq!(
        items[1]["errors"]["redeem_code"][0],
        "has already been taken"
    );
    assert_eq!(
        items[2]["errors"]["redeem_code"][0],
        "has already been taken"
    );
    assert!(items[3]["errors"]["redeem_code"][0]
        .as_str()
        .unwrap()
        .contains("can't be blank"));
    assert_eq!(items[4]["pass"]["redeem_code"], "B2");
    let list = client
        .get(&format!("/coupons/{c}/passes"))
        .await
        .expect(200);
    assert_eq!(list.header("x-total"), "3");
    server.stop().await;
}
both_backends!(codes_are_unique_within_and_across_batches);

async fn a_thousand_passes_a_request_and_no_more(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.account("Many").await;
    let c = device::store_card(&client, "Many").await;
    let passes: Vec<Value> = (0..1000)
        .map(|i| json!({"secondary_fields": [{"key": "name", "value": format!("Member {i}")}]}))
        .collect();
    let r = client
        .post(
            &format!("/store_cards/{c}/passes/batch"),
            json!({ "passes": passes }),
        )
        .await
        .expect(200);
    let items = results(&r.body);
    assert_eq!(items.len(), 1000);
    assert!(items.iter().all(|i| i["pass"]["id"].is_string()));
    let codes: HashSet<&str> = items
        .iter()
        .map(|i| i["pass"]["redeem_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 1000);
    let serials: HashSet<&str> = items
        .iter()
        .map(|i| i["pass"]["serial_number"].as_str().unwrap())
        .collect();
    assert_eq!(serials.len(), 1000);
    // One more than allowed is refused as a whole.
    let too_many: Vec<Value> = (0..1001).map(|_| json!({})).collect();
    let r = client
        .post(
            &format!("/store_cards/{c}/passes/batch"),
            json!({ "passes": too_many }),
        )
        .await
        .expect(422);
    assert!(r.body["errors"]["passes"][0]
        .as_str()
        .unwrap()
        .contains("1000"));
    // A body without `passes` is a 400, a paused campaign a 412.
    client
        .post(
            &format!("/store_cards/{c}/passes/batch"),
            json!({"pass": {}}),
        )
        .await
        .expect(400);
    client
        .post_empty(&format!("/store_cards/{c}/pause"))
        .await
        .expect(200);
    client
        .post(
            &format!("/store_cards/{c}/passes/batch"),
            json!({"passes": [{}]}),
        )
        .await
        .expect(412);
    let list = client
        .get(&format!("/store_cards/{c}/passes"))
        .await
        .expect(200);
    assert_eq!(list.header("x-total"), "1000");
    // Another account's campaign is not found.
    let other = server.account("Other").await;
    other
        .post(
            &format!("/store_cards/{c}/passes/batch"),
            json!({"passes": [{}]}),
        )
        .await
        .expect(404);
    server.stop().await;
}
both_backends!(a_thousand_passes_a_request_and_no_more);
