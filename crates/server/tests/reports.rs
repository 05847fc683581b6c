//! Reports (§15) checked against the events a test generates over real HTTP: creates,
//! downloads, installs and uninstalls per OS, fetches and redeems; date validation.

mod common;
mod device;

use common::Backend;
use device::{download, pass, pass_json, store_card, Device, PassIds};
use serde_json::{json, Value};

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

fn zeros() -> Value {
    json!({"ios": 0, "android": 0, "wp": 0, "google_wallet": 0})
}

async fn reports_count_what_happened(backend: Backend) {
    let server = device::start(backend).await;
    let alice = server.account("Alice").await;
    let bob = server.account("Bob").await;
    let cid = store_card(&alice, "Members").await;
    let p1 = pass(&alice, &cid, "Ana").await;
    let p2 = pass(&alice, &cid, "Bo").await;
    let _p3 = pass(&alice, &cid, "Cy").await;

    // Two downloads, an iPhone and an Android install, one fetch, one redeem, one removal.
    let ids1 = PassIds::from_pass_json(&pass_json(
        &download(p1["pkpass_url"].as_str().unwrap()).await,
    ));
    let ids2 = PassIds::from_pass_json(&pass_json(
        &download(p2["pkpass_url"].as_str().unwrap()).await,
    ));
    let iphone = Device::iphone();
    let android = Device::walletpasses();
    assert_eq!(iphone.register(&ids1).await.status, 201);
    assert_eq!(android.register(&ids2).await.status, 201);
    assert_eq!(iphone.fetch(&ids1, None).await.status, 200);
    let pid1 = p1["id"].as_str().unwrap();
    alice
        .post(
            &format!("/store_cards/{cid}/passes/{pid1}/redeem"),
            json!({"pass": {"comment": "till 3"}}),
        )
        .await
        .expect(200);
    assert_eq!(android.unregister(&ids2).await.status, 200);

    let day = today();
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let r = alice
        .get(&format!(
            "/store_cards/{cid}/reports?start_date={yesterday}&end_date={day}"
        ))
        .await
        .expect(200)
        .body;
    assert_eq!(r["campaign_id"], json!(cid));
    assert_eq!(r["start_date"], json!(yesterday));
    assert_eq!(r["end_date"], json!(day));
    let report = r["report"].as_object().unwrap();
    assert_eq!(report.len(), 2, "one entry per day of the range");
    let y = &report[&yesterday];
    assert_eq!(y["creates_count"], 0);
    assert_eq!(y["i"], zeros());
    let d = &report[&day];
    assert_eq!(d["creates_count"], 3);
    assert_eq!(d["downloads_count"], 2);
    assert_eq!(d["installs_count"], 2);
    assert_eq!(d["uninstalls_count"], 1);
    assert_eq!(d["fetches_count"], 1);
    assert_eq!(d["redeems_count"], 1);
    // WalletPasses is an Android wallet, not Google Wallet: not in `google_wallet`.
    assert_eq!(
        d["i"],
        json!({"ios": 1, "android": 1, "wp": 0, "google_wallet": 0})
    );
    // Two installs, one removed: one pass is active at the end of the day.
    assert_eq!(d["active_count"], 1);
    assert_eq!(d["removed_count"], 1);
    assert_eq!(y["active_count"], 0);
    // Campaign-scoped API calls count once each: three pass creates, the redeem and this
    // report read (public downloads and the PassKit service are not API calls).
    assert_eq!(d["api_calls_count"], 5);
    assert_eq!(
        d["u"],
        json!({"ios": 0, "android": 1, "wp": 0, "google_wallet": 0})
    );
    for (name, value) in d.as_object().unwrap() {
        if name != "i" && name != "u" {
            assert!(
                value.as_i64().unwrap() >= 0,
                "{name} is a non-negative integer"
            );
        }
    }

    let t = alice
        .get(&format!("/store_cards/{cid}/reports/totals"))
        .await
        .expect(200)
        .body;
    assert_eq!(t["campaign_id"], json!(cid));
    let t = &t["report"];
    assert_eq!(t["creates_count"], 3);
    assert_eq!(t["downloads_count"], 2);
    assert_eq!(t["installs_count"], 2);
    assert_eq!(t["uninstalls_count"], 1);
    assert_eq!(t["fetches_count"], 1);
    assert_eq!(t["redeems_count"], 1);
    assert_eq!(t["active_count"], 1);
    assert_eq!(t["removed_count"], 1);
    assert_eq!(t["api_calls_count"], 6, "the five above and this read");
    assert_eq!(
        t["apple"],
        json!({"installs_count": 1, "uninstalls_count": 0})
    );
    assert_eq!(
        t["android"],
        json!({"installs_count": 1, "uninstalls_count": 1})
    );
    assert_eq!(
        t["google_wallet"],
        json!({"installs_count": 0, "uninstalls_count": 0})
    );
    assert!(t.get("i").is_none() && t.get("u").is_none());

    // Default range: the last month up to today, zero-filled.
    let r = alice
        .get(&format!("/store_cards/{cid}/reports"))
        .await
        .expect(200)
        .body;
    assert_eq!(r["end_date"], json!(day));
    let n = r["report"].as_object().unwrap().len();
    assert!((29..=32).contains(&n), "{n} days");
    assert_eq!(r["report"][&day]["installs_count"], 2);

    // Another account's campaign does not exist for Bob.
    bob.get(&format!("/store_cards/{cid}/reports"))
        .await
        .expect(404);
    bob.get(&format!("/store_cards/{cid}/reports/totals"))
        .await
        .expect(404);
    server.stop().await;
}
both_backends!(reports_count_what_happened);

async fn report_dates_are_validated(backend: Backend) {
    let server = device::start(backend).await;
    let alice = server.account("Alice").await;
    let cid = store_card(&alice, "Members").await;
    let base = format!("/store_cards/{cid}/reports");
    for (query, attr) in [
        ("start_date=2020-02-30", "start_date"),
        ("start_date=2020-2-3", "start_date"),
        ("start_date=yesterday", "start_date"),
        ("end_date=2021-13-01", "end_date"),
        ("start_date=2021-05-02&end_date=2021-05-01", "end_date"),
    ] {
        let r = alice.get(&format!("{base}?{query}")).await.expect(400);
        assert!(
            r.body["errors"][attr].is_array(),
            "{query}: errors name {attr}: {}",
            r.body
        );
    }
    let r = alice
        .get(&format!("{base}?start_date=2020-02-28&end_date=2020-03-01"))
        .await
        .expect(200)
        .body;
    let days: Vec<&String> = r["report"].as_object().unwrap().keys().collect();
    assert_eq!(days, ["2020-02-28", "2020-02-29", "2020-03-01"]);
    server.stop().await;
}
both_backends!(report_dates_are_validated);

async fn expired_passes_are_counted_once_on_their_day(backend: Backend) {
    let server = device::start(backend).await;
    let alice = server.account("Alice").await;
    let cid = store_card(&alice, "Seasonal").await;
    let now = chrono::Utc::now();
    let day = |d: i64| {
        (now - chrono::Duration::days(d))
            .format("%Y-%m-%d")
            .to_string()
    };
    let at = |d: i64| {
        (now - chrono::Duration::days(d))
            .format("%Y-%m-%dT12:00:00Z")
            .to_string()
    };

    // Two passes follow the campaign's expiry (three days ago); one has its own (yesterday);
    // one expires next week.
    alice
        .patch(
            &format!("/store_cards/{cid}"),
            json!({"store_card": {"expiration_date": at(3)}}),
        )
        .await
        .expect(200);
    pass(&alice, &cid, "Ana").await;
    pass(&alice, &cid, "Bo").await;
    for (member, when) in [("Cy", at(1)), ("Di", at(-7))] {
        let p = pass(&alice, &cid, member).await;
        alice
            .patch(
                &format!("/store_cards/{cid}/passes/{}", p["id"].as_str().unwrap()),
                json!({"pass": {"expiration_date": when, "push": false}}),
            )
            .await
            .expect(200);
    }

    let url = format!(
        "/store_cards/{cid}/reports?start_date={}&end_date={}",
        day(4),
        day(0)
    );
    for _ in 0..2 {
        let r = alice.get(&url).await.expect(200).body;
        let expires: Vec<i64> = (0..=4)
            .rev()
            .map(|d| r["report"][day(d)]["expires_count"].as_i64().unwrap())
            .collect();
        assert_eq!(
            expires,
            vec![0, 2, 0, 1, 0],
            "days {} .. {}",
            day(4),
            day(0)
        );
        let t = alice
            .get(&format!("/store_cards/{cid}/reports/totals"))
            .await
            .expect(200)
            .body;
        assert_eq!(
            t["report"]["expires_count"], 3,
            "each expired pass counts once"
        );
    }
    server.stop().await;
}
both_backends!(expired_passes_are_counted_once_on_their_day);

/// Today's `api_calls_count` of a store card, read through the totals report (a call that
/// counts itself).
async fn api_calls(client: &common::Client, cid: &str) -> i64 {
    let t = client
        .get(&format!("/store_cards/{cid}/reports/totals"))
        .await
        .expect(200)
        .body;
    t["report"]["api_calls_count"].as_i64().unwrap()
}

async fn each_api_call_counts_once(backend: Backend) {
    let server = device::start(backend).await;
    let alice = server.account("Alice").await;
    let cid = store_card(&alice, "Members").await;
    // Creating the campaign is not scoped to it; the first read counts itself.
    assert_eq!(api_calls(&alice, &cid).await, 1);
    pass(&alice, &cid, "Ana").await;
    assert_eq!(
        api_calls(&alice, &cid).await,
        3,
        "a pass create counts once"
    );
    alice
        .post_empty(&format!("/store_cards/{cid}/pause"))
        .await
        .expect(200);
    alice
        .post_empty(&format!("/store_cards/{cid}/resume"))
        .await
        .expect(200);
    assert_eq!(
        api_calls(&alice, &cid).await,
        6,
        "pause and resume count once each"
    );
    alice.get(&format!("/store_cards/{cid}")).await.expect(200);
    assert_eq!(api_calls(&alice, &cid).await, 8, "a plain read counts once");
    // A refused call still reached the campaign and counts; another account's does not.
    alice
        .post_empty(&format!("/store_cards/{cid}/resume"))
        .await
        .expect(412);
    let bob = server.account("Bob").await;
    bob.get(&format!("/store_cards/{cid}")).await.expect(404);
    assert_eq!(api_calls(&alice, &cid).await, 10);
    server.stop().await;
}
both_backends!(each_api_call_counts_once);

async fn another_process_sees_the_api_calls_within_seconds(backend: Backend) {
    // API calls are counted in memory and written once a second: a report read through
    // another process on the same database shows them shortly after.
    let server = device::start(backend).await;
    let alice = server.account("Alice").await;
    let cid = store_card(&alice, "Members").await;
    let url = server.database_url();
    let dir = tempfile::tempdir().unwrap();
    let args = passworks_server::config::ServeArgs::for_data_dir(dir.path().into(), Some(url));
    let second = passworks_server::start(&args, std::future::pending())
        .await
        .unwrap();
    let mut on_second = alice.clone();
    on_second.base = second.base_url();
    for _ in 0..5 {
        on_second
            .get(&format!("/store_cards/{cid}"))
            .await
            .expect(200);
    }
    // Each read through the first process counts itself, and is written before it reads.
    let started = std::time::Instant::now();
    let mut reads = 0;
    loop {
        reads += 1;
        let calls = api_calls(&alice, &cid).await;
        if calls == 5 + reads {
            break;
        }
        assert!(calls < 5 + reads, "counted twice: {calls}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "the other process's calls never showed: {calls}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    second.handle.abort();
    server.stop().await;
}
both_backends!(another_process_sees_the_api_calls_within_seconds);
