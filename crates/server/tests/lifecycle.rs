//! The pass lifecycle over real HTTP: a scripted device follows Apple's PassKit
//! web-service protocol against the server while a local HTTP/2 APNs server records the
//! pushes; merges run as background jobs.

mod common;
mod device;

use common::{Backend, Client, TestServer};
use device::{
    apns, download, pass, pass_json, store_card, verify_signature, wait_job, Device, PassIds,
};
use serde_json::{json, Value};
use sqlx::Row;

/// Downloads a pass from its `pkpass_url` and reads what a device learns from it.
async fn install(server: &TestServer, p: &Value) -> (Vec<u8>, PassIds) {
    let pkpass = download(p["pkpass_url"].as_str().unwrap()).await;
    verify_signature(&pkpass, &server.data_dir.path().join("dev-ca/ca.pem"));
    let ids = PassIds::from_pass_json(&pass_json(&pkpass));
    (pkpass, ids)
}

async fn totals(client: &Client, campaign: &str) -> Value {
    client
        .get(&format!("/store_cards/{campaign}/reports/totals"))
        .await
        .expect(200)
        .body["report"]
        .clone()
}

fn field<'a>(pass_json: &'a Value, group: &str, key: &str) -> &'a Value {
    pass_json["storeCard"][group]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["key"] == key))
        .unwrap_or_else(|| panic!("no field {key} in {group}: {pass_json}"))
}

async fn device_follows_apples_protocol_end_to_end(backend: Backend) {
    let server = device::start(backend).await;
    let alice = server.account("Alice").await;
    let cid = store_card(&alice, "Members").await;
    let p = pass(&alice, &cid, "Ana").await;
    let (_, ids) = install(&server, &p).await;
    assert_eq!(ids.web_service_url, format!("{}/passkit", server.base));
    assert_eq!(ids.serial, p["serial_number"].as_str().unwrap());
    assert_eq!(ids.auth_token, p["authentication_token"].as_str().unwrap());

    // Register: 201, then 200 for the same device and pass.
    let phone = Device::iphone();
    assert_eq!(phone.register(&ids).await.status, 201);
    assert_eq!(phone.register(&ids).await.status, 200);
    let regs = alice
        .get(&format!("/store_cards/{cid}/registrations"))
        .await
        .expect(200);
    assert_eq!(regs.header("x-total"), "1");
    assert_eq!(regs.body[0]["wallet"], "passbook");
    assert_eq!(regs.body[0]["device_os"], "ios");
    assert_eq!(regs.body[0]["pass_id"], p["id"]);

    // Everything is new to a device without a tag; nothing once it has the current tag.
    let first = phone.updated(&ids, None).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json()["serialNumbers"], json!([ids.serial]));
    let tag = first.json()["lastUpdated"]
        .as_str()
        .expect("lastUpdated is a string")
        .to_string();
    assert_eq!(phone.updated(&ids, Some(&tag)).await.status, 204);

    // The business changes the fixed offer and merges with a lock-screen message.
    alice
        .patch(
            &format!("/store_cards/{cid}"),
            json!({"store_card": {"primary_fields": [
                {"key": "offer", "label": "Offer", "value": "20% off", "behaviour": "fixed"}
            ]}}),
        )
        .await
        .expect(200);
    let merged = alice
        .post(
            &format!("/store_cards/{cid}/merge"),
            json!({"push_message": "Your offer is now %@"}),
        )
        .await
        .expect(200);
    let job = wait_job(
        &alice,
        merged.body["job_id"]
            .as_str()
            .expect("merge answers a job_id"),
    )
    .await;
    assert_eq!(job["state"], "done");
    assert_eq!(job["processed"], 1);
    assert_eq!(job["total"], 1);

    // APNs receives an empty notification for the device's token on the pass type topic.
    let pushes = apns().wait_for(&phone.push_token, 1).await;
    assert_eq!(pushes[0].topic, ids.pass_type);
    assert_eq!(pushes[0].body, "{}");
    assert_eq!(pushes[0].version, "HTTP/2.0");

    // The device asks what changed since its tag and fetches the new version.
    let changed = phone.updated(&ids, Some(&tag)).await;
    assert_eq!(changed.status, 200);
    assert_eq!(changed.json()["serialNumbers"], json!([ids.serial]));
    let new_tag = changed.json()["lastUpdated"].as_str().unwrap().to_string();
    assert!(new_tag > tag);
    let fetched = phone.fetch(&ids, None).await;
    assert_eq!(fetched.status, 200);
    assert_eq!(
        fetched.header("content-type"),
        "application/vnd.apple.pkpass"
    );
    verify_signature(
        &fetched.bytes,
        &server.data_dir.path().join("dev-ca/ca.pem"),
    );
    let pj = pass_json(&fetched.bytes);
    let offer = field(&pj, "primaryFields", "offer");
    assert_eq!(offer["value"], "20% off");
    assert_eq!(offer["changeMessage"], "Your offer is now %@");
    assert_eq!(field(&pj, "secondaryFields", "name")["value"], "Ana");
    let last_modified = fetched.header("last-modified");
    assert!(!last_modified.is_empty());

    // A repeat with If-Modified-Since is answered 304 (and is not a fetch).
    let again = phone.fetch(&ids, Some(&last_modified)).await;
    assert_eq!(again.status, 304);
    assert!(again.bytes.is_empty());
    let shown = alice
        .get(&format!(
            "/store_cards/{cid}/passes/{}",
            p["id"].as_str().unwrap()
        ))
        .await
        .expect(200);
    assert!(shown.body["last_fetched_at"].is_string());

    // Wrong tokens are refused; the log endpoint accepts device logs.
    assert_eq!(
        phone.fetch_with(&ids, "not-the-token-000000").await.status,
        401
    );
    assert_eq!(
        phone
            .register_with(&ids, "not-the-token-000000")
            .await
            .status,
        401
    );
    let mut wrong_type = ids.clone();
    wrong_type.pass_type = "pass.example.other".into();
    assert_eq!(phone.fetch(&wrong_type, None).await.status, 401);
    assert_eq!(
        phone.log(&ids, &["Web service error: test"]).await.status,
        200
    );

    // Unregister: the registration is gone.
    assert_eq!(phone.unregister(&ids).await.status, 200);
    let regs = alice
        .get(&format!("/store_cards/{cid}/registrations"))
        .await
        .expect(200);
    assert_eq!(regs.header("x-total"), "0");
    assert_eq!(phone.updated(&ids, None).await.status, 204);

    // Events and report counters match what the device did.
    let rows = sqlx::query(
        "SELECT kind, device_os, wallet, ip, extra FROM events WHERE pass_id = $1 \
         AND kind IN ('installed', 'fetched', 'uninstalled') ORDER BY created_at",
    )
    .bind(p["id"].as_str().unwrap())
    .fetch_all(&server.running.state.db.pool)
    .await
    .unwrap();
    let kinds: Vec<String> = rows.iter().map(|r| r.get("kind")).collect();
    assert_eq!(kinds, ["installed", "fetched", "uninstalled"]);
    for r in &rows {
        assert_eq!(r.get::<String, _>("device_os"), "ios");
        assert_eq!(r.get::<String, _>("wallet"), "passbook");
        assert_eq!(r.get::<String, _>("ip"), "127.0.0.1");
    }
    let extra: Value = serde_json::from_str(&rows[0].get::<String, _>("extra")).unwrap();
    assert_eq!(extra["registration_id"], regs_id(&extra));
    assert_eq!(extra["device_os"], "ios");
    assert_eq!(extra["device_app_vendor"], "passbook");
    assert_eq!(extra["wallet_type"], "apple_wallet");
    // The push is counted when the server has recorded APNs' answer, which can come a
    // moment after the fake APNs saw the request on a loaded machine.
    let mut t = totals(&alice, &cid).await;
    for _ in 0..100 {
        if t["pushes_count"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        t = totals(&alice, &cid).await;
    }
    assert_eq!(t["installs_count"], 1);
    assert_eq!(t["uninstalls_count"], 1);
    assert_eq!(t["fetches_count"], 1);
    assert_eq!(t["pushes_count"], 1);
    assert_eq!(t["apple"]["installs_count"], 1);
    assert_eq!(t["apple"]["uninstalls_count"], 1);
    assert_eq!(t["android"]["installs_count"], 0);
    server.stop().await;
}
both_backends!(device_follows_apples_protocol_end_to_end);

/// A device whose copy is current gets its 304 from the pass's validators alone: the pass
/// is not built for it. Here it could not be: its code becomes one the barcode cannot carry
/// (written straight into the database, as a pass stored before that check existed).
async fn a_current_device_is_answered_without_building_its_pass(backend: Backend) {
    let server = device::start(backend).await;
    let alice = server.account("Alice").await;
    let cid = store_card(&alice, "Members").await;
    let p = pass(&alice, &cid, "Ana").await;
    let (_, ids) = install(&server, &p).await;
    let phone = Device::iphone();
    let current = phone.fetch(&ids, None).await;
    assert_eq!(current.status, 200);
    let last_modified = current.header("last-modified");
    sqlx::query("UPDATE passes SET redeem_code = $1 WHERE id = $2")
        .bind("Ωmega-1")
        .bind(p["id"].as_str().unwrap())
        .execute(&server.running.state.db.pool)
        .await
        .unwrap();
    // Built now, the pass is refused…
    let refused = phone.fetch(&ids, None).await;
    assert_eq!(
        refused.status,
        422,
        "{}",
        String::from_utf8_lossy(&refused.bytes)
    );
    // …but the device that has it is answered without building it.
    let again = phone.fetch(&ids, Some(&last_modified)).await;
    assert_eq!(again.status, 304);
    assert!(again.bytes.is_empty());
    server.stop().await;
}

both_backends!(a_current_device_is_answered_without_building_its_pass);

/// The registration id recorded with an install is a UUID.
fn regs_id(extra: &Value) -> Value {
    let id = extra["registration_id"].as_str().expect("registration_id");
    assert!(uuid::Uuid::parse_str(id).is_ok());
    json!(id)
}

async fn android_wallets_are_recorded(backend: Backend) {
    let server = device::start(backend).await;
    let alice = server.account("Alice").await;
    let cid = store_card(&alice, "Members").await;
    let p = pass(&alice, &cid, "Bo").await;
    let (_, ids) = install(&server, &p).await;
    let android = Device::walletpasses();
    assert_eq!(android.register(&ids).await.status, 201);
    let fetched = android.fetch(&ids, None).await;
    assert_eq!(fetched.status, 200);
    let pid = p["id"].as_str().unwrap();
    let regs = alice
        .get(&format!("/store_cards/{cid}/passes/{pid}/registrations"))
        .await
        .expect(200);
    assert_eq!(regs.body.as_array().unwrap().len(), 1);
    assert_eq!(regs.body[0]["wallet"], "wallet_passes");
    assert_eq!(regs.body[0]["device_os"], "android");
    let filtered = alice
        .get(&format!(
            "/store_cards/{cid}/registrations?q[device_os_eq]=ios"
        ))
        .await
        .expect(200);
    assert_eq!(filtered.header("x-total"), "0");
    let t = totals(&alice, &cid).await;
    assert_eq!(t["android"]["installs_count"], 1);
    assert_eq!(t["apple"]["installs_count"], 0);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let daily = alice
        .get(&format!(
            "/store_cards/{cid}/reports?start_date={today}&end_date={today}"
        ))
        .await
        .expect(200);
    assert_eq!(
        daily.body["report"][&today]["i"],
        json!({"ios": 0, "android": 1, "wp": 0, "google_wallet": 0})
    );
    assert_eq!(android.unregister(&ids).await.status, 200);
    let t = totals(&alice, &cid).await;
    assert_eq!(t["android"]["uninstalls_count"], 1);
    server.stop().await;
}
both_backends!(android_wallets_are_recorded);

async fn pushes_retry_and_dead_tokens_unregister(backend: Backend) {
    let server = device::start(backend).await;
    let alice = server.account("Alice").await;
    let cid = store_card(&alice, "Members").await;
    let p = pass(&alice, &cid, "Cy").await;
    let pid = p["id"].as_str().unwrap().to_string();
    let (_, ids) = install(&server, &p).await;
    let gone = Device::iphone();
    let flaky = Device::iphone();
    apns().script(&gone.push_token, &[410]);
    apns().script(&flaky.push_token, &[503, 500]);
    assert_eq!(gone.register(&ids).await.status, 201);
    assert_eq!(flaky.register(&ids).await.status, 201);
    let before = alice
        .get(&format!("/store_cards/{cid}/passes/{pid}"))
        .await
        .expect(200)
        .body;

    // A per-pass push: the dead token is dropped, the flaky one retried until it succeeds.
    let r = alice
        .post(
            &format!("/store_cards/{cid}/passes/{pid}/push"),
            json!({"pass": {"push_message": "Hello"}}),
        )
        .await
        .expect(200);
    assert!(r.body["message"].as_str().unwrap().contains(&pid));
    assert_eq!(apns().wait_for(&gone.push_token, 1).await.len(), 1);
    let flaky_pushes = apns().wait_for(&flaky.push_token, 3).await;
    assert!(flaky_pushes.iter().all(|p| p.topic == ids.pass_type));
    let mut regs = Value::Null;
    for _ in 0..100 {
        regs = alice
            .get(&format!("/store_cards/{cid}/passes/{pid}/registrations"))
            .await
            .expect(200)
            .body;
        if regs.as_array().unwrap().len() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        regs.as_array().unwrap().len(),
        1,
        "the dead token's registration is removed"
    );

    // Pushing does not change the pass, but devices see it as updated.
    let after = alice
        .get(&format!("/store_cards/{cid}/passes/{pid}"))
        .await
        .expect(200)
        .body;
    assert_eq!(before, after);
    let listed = flaky.updated(&ids, None).await;
    assert_eq!(listed.json()["serialNumbers"], json!([ids.serial]));
    let pj = pass_json(&flaky.fetch(&ids, None).await.bytes);
    assert_eq!(
        field(&pj, "primaryFields", "offer")["changeMessage"],
        "Hello"
    );

    // A campaign push reaches the remaining device; pushes_count counts deliveries.
    alice
        .post(
            &format!("/store_cards/{cid}/push"),
            json!({"store_card": {}}),
        )
        .await
        .expect(200);
    apns().wait_for(&flaky.push_token, 4).await;
    let mut t = Value::Null;
    for _ in 0..100 {
        t = totals(&alice, &cid).await;
        if t["pushes_count"] == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(t["pushes_count"], 2);
    // No uninstall is recorded for a token APNs rejected.
    assert_eq!(t["uninstalls_count"], 0);

    // A pass update (push defaults to true) notifies the device and carries the message.
    alice
        .patch(
            &format!("/store_cards/{cid}/passes/{pid}"),
            json!({"pass": {"secondary_fields": [{"key": "name", "value": "Cyril"}], "push_message": "Name: %@"}}),
        )
        .await
        .expect(200);
    apns().wait_for(&flaky.push_token, 5).await;
    let pj = pass_json(&flaky.fetch(&ids, None).await.bytes);
    let name = field(&pj, "secondaryFields", "name");
    assert_eq!(name["value"], "Cyril");
    assert_eq!(name["changeMessage"], "Name: %@");
    // …and `push: false` does not.
    alice
        .patch(
            &format!("/store_cards/{cid}/passes/{pid}"),
            json!({"pass": {"secondary_fields": [{"key": "name", "value": "Cy"}]}, "push": false}),
        )
        .await
        .expect(200);
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(apns().pushes_for(&flaky.push_token).len(), 5);
    server.stop().await;
}
both_backends!(pushes_retry_and_dead_tokens_unregister);

async fn large_campaign_merges_as_a_job(backend: Backend) {
    let server = device::start(backend).await;
    let alice = server.account("Alice").await;
    let bob = server.account("Bob").await;
    let cid = store_card(&alice, "Big").await;
    let first = pass(&alice, &cid, "Ana").await;
    // 1,999 more passes, inserted directly (creating them over HTTP would only be slow).
    let db = &server.running.state.db;
    let row = sqlx::query("SELECT account_id, doc FROM passes WHERE id = $1")
        .bind(first["id"].as_str().unwrap())
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let (account_id, doc): (String, String) = (row.get("account_id"), row.get("doc"));
    let mut tx = db.begin().await.unwrap();
    for i in 2..=2000 {
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO passes (id, account_id, campaign_id, serial_number, authentication_token, \
             download_token, redeem_code, doc, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(&id)
        .bind(&account_id)
        .bind(&cid)
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(format!("token-{id}"))
        .bind(format!("dl-{id}"))
        .bind(format!("{i:07}"))
        .bind(&doc)
        .bind("2024-01-01T00:00:00.000000Z")
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();

    alice
        .patch(
            &format!("/store_cards/{cid}"),
            json!({"store_card": {"primary_fields": [
                {"key": "offer", "label": "Offer", "value": "Free coffee", "behaviour": "fixed"}
            ]}}),
        )
        .await
        .expect(200);
    let merged = alice
        .post_empty(&format!("/store_cards/{cid}/merge"))
        .await
        .expect(200);
    let job_id = merged.body["job_id"].as_str().expect("job_id").to_string();
    let queued = alice.get(&format!("/jobs/{job_id}")).await.expect(200).body;
    assert_eq!(queued["kind"], "merge");
    assert_eq!(queued["campaign_id"], json!(cid));
    assert_eq!(queued["total"], 2000);
    assert!(["queued", "running", "done"].contains(&queued["state"].as_str().unwrap()));
    let done = wait_job(&alice, &job_id).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["processed"], 2000);
    assert!(done["error"].is_null());

    // Every pass has the new fixed value and kept its dynamic one.
    let stale: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM passes WHERE campaign_id = $1 AND doc NOT LIKE '%Free coffee%'",
    )
    .bind(&cid)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(stale, 0);
    let p = alice
        .get(&format!(
            "/store_cards/{cid}/passes/{}",
            first["id"].as_str().unwrap()
        ))
        .await
        .expect(200)
        .body;
    assert_eq!(p["primary_fields"][0]["value"], "Free coffee");
    assert_eq!(p["secondary_fields"][0]["value"], "Ana");

    // Jobs are listed and private to their account.
    let list = alice.get("/jobs").await.expect(200);
    assert_eq!(list.header("x-total"), "1");
    assert_eq!(list.body[0]["id"], json!(job_id));
    bob.get(&format!("/jobs/{job_id}")).await.expect(404);
    assert_eq!(bob.get("/jobs").await.expect(200).header("x-total"), "0");
    alice.get("/jobs/not-a-uuid").await.expect(404);
    server.stop().await;
}
both_backends!(large_campaign_merges_as_a_job);
