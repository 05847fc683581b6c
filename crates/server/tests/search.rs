//! Pass search and list totals over real HTTP: `q[search]` on a campaign's pass list and
//! `GET /v2/passes?q[search]=…` across an account's campaigns (serial numbers, redeem codes,
//! field values, holder data; case-insensitive; every word must occur; scoped to the
//! account), the search text kept current by updates and campaign merges, exact
//! `X-Total` for the common filters, and deep pages.

mod common;
mod pw_fixtures;

use common::{Backend, Client, TestServer};
use pw_fixtures::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The redeem codes of a list answer, sorted.
fn codes(body: &Value) -> Vec<String> {
    let mut v: Vec<String> = body
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["redeem_code"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

async fn search(client: &Client, base: &str, text: &str) -> Vec<String> {
    let r = client
        .get(&format!("{base}?q[search]={}", urlencode(text)))
        .await
        .expect(200);
    let found = codes(&r.body);
    assert_eq!(
        r.header("x-total"),
        found.len().to_string(),
        "X-Total of {text:?}"
    );
    found
}

fn urlencode(s: &str) -> String {
    passworks_wire::query::encode(s)
}

async fn search_semantics(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let id = coupon(
        &alice,
        "Search",
        &icon,
        json!({"secondary_fields": [{"key": "holder", "label": "Holder", "value": ""}]}),
    )
    .await;
    let base = format!("/coupons/{id}/passes");
    let mk = |holder: &str, info: Value| json!({"pass": {"secondary_fields": [{"key": "holder", "value": holder}], "user_info": info}});
    let p1 = alice
        .post(
            &base,
            mk(
                "Anna Müller",
                json!({"email": "anna@example.com", "tier": {"name": "Gold"}}),
            ),
        )
        .await
        .expect(201)
        .body;
    let p2 = alice
        .post(&base, mk("Bob Stone", json!({"note": "50% off"})))
        .await
        .expect(201)
        .body;
    let p3 = alice
        .post(&base, mk("Anna Berg", json!({"note": "500 points"})))
        .await
        .expect(201)
        .body;
    let c1 = p1["redeem_code"].as_str().unwrap().to_string();
    let c2 = p2["redeem_code"].as_str().unwrap().to_string();
    let c3 = p3["redeem_code"].as_str().unwrap().to_string();

    // field values, any case, Unicode included
    assert_eq!(search(&alice, &base, "müller").await, vec![c1.clone()]);
    assert_eq!(search(&alice, &base, "MÜLLER").await, vec![c1.clone()]);
    assert_eq!(
        search(&alice, &base, "anna").await,
        vec![c1.clone(), c3.clone()]
    );
    // inside a word
    assert_eq!(search(&alice, &base, "ulle").await, Vec::<String>::new());
    assert_eq!(search(&alice, &base, "üll").await, vec![c1.clone()]);
    // holder data, nested too
    assert_eq!(search(&alice, &base, "example.COM").await, vec![c1.clone()]);
    assert_eq!(search(&alice, &base, "gold").await, vec![c1.clone()]);
    // every word must occur, anywhere in the pass
    assert_eq!(search(&alice, &base, "anna gold").await, vec![c1.clone()]);
    assert_eq!(
        search(&alice, &base, "anna nobody").await,
        Vec::<String>::new()
    );
    // short words (not from the index) work alone and with long ones
    assert_eq!(
        search(&alice, &base, "an").await,
        vec![c1.clone(), c3.clone()]
    );
    assert_eq!(search(&alice, &base, "rg anna").await, vec![c3.clone()]);
    // LIKE wildcards are plain characters
    assert_eq!(search(&alice, &base, "50%").await, vec![c2.clone()]);
    assert_eq!(search(&alice, &base, "5_0").await, Vec::<String>::new());
    // redeem code and serial number, whole or in part
    assert_eq!(search(&alice, &base, &c2).await, vec![c2.clone()]);
    let serial = p3["serial_number"].as_str().unwrap();
    assert_eq!(search(&alice, &base, serial).await, vec![c3.clone()]);
    assert_eq!(search(&alice, &base, &serial[..8]).await, vec![c3.clone()]);
    // combined with filters, order and pagination
    alice
        .patch(
            &format!("{base}/{}", p3["id"].as_str().unwrap()),
            json!({"pass": {"voided": true}}),
        )
        .await
        .expect(200);
    let r = alice
        .get(&format!("{base}?q[search]=anna&q[voided_eq]=true"))
        .await
        .expect(200);
    assert_eq!(codes(&r.body), vec![c3.clone()]);
    assert_eq!(r.header("x-total"), "1");
    let r = alice
        .get(&format!(
            "{base}?q[search]=anna&q[s]=created_at+desc&per_page=1"
        ))
        .await
        .expect(200);
    assert_eq!(codes(&r.body), vec![c3.clone()]);
    assert_eq!(r.header("x-total"), "2");
    assert_eq!(r.header("x-next-page"), "2");
    let r = alice
        .get(&format!(
            "{base}?q[search]=anna&q[s]=created_at+desc&per_page=1&page=2"
        ))
        .await
        .expect(200);
    assert_eq!(codes(&r.body), vec![c1.clone()]);
    assert_eq!(r.header("x-next-page"), "");
    // blank search is no search; an overlong one is refused
    assert_eq!(search(&alice, &base, "   ").await.len(), 3);
    alice
        .get(&format!("{base}?q[search]={}", "x".repeat(201)))
        .await
        .expect(400);
    server.stop().await;
}
both_backends!(search_semantics);

/// Labels are the campaign's design, the same on every pass: a word that only occurs in a
/// label (or a field's key) finds nothing, on a campaign's list and across campaigns, while
/// the values under those labels are found.
async fn labels_are_not_searched(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let id = coupon(
        &alice,
        "Labels",
        &icon,
        json!({"primary_fields": [{"key": "tier", "label": "Membership level", "value": "Bronze"}],
               "secondary_fields": [{"key": "holder", "label": "Cardholder", "value": ""}],
               "back_fields": [{"key": "terms", "label": "Conditions apply", "value": "Valid in Lisbon"}]}),
    )
    .await;
    let base = format!("/coupons/{id}/passes");
    let mut all = Vec::new();
    for (holder, tier) in [("Anna", "Gold"), ("Bob", "Silver"), ("Carla", "Platinum")] {
        let p = alice
            .post(
                &base,
                json!({"pass": {
                    "primary_fields": [{"key": "tier", "value": tier}],
                    "secondary_fields": [{"key": "holder", "label": "Holder name", "value": holder}],
                }}),
            )
            .await
            .expect(201)
            .body;
        all.push(p["redeem_code"].as_str().unwrap().to_string());
    }
    all.sort();
    // words only found in labels (the campaign's or a pass's own) or keys: nothing
    for word in [
        "membership",
        "Membership level",
        "cardholder",
        "conditions",
        "holder",
        "Holder name",
        "tier",
    ] {
        assert!(
            search(&alice, &base, word).await.is_empty(),
            "{word:?} is only in labels or keys"
        );
        let r = alice
            .get(&format!("/passes?q[search]={}", urlencode(word)))
            .await
            .expect(200);
        assert_eq!(r.header("x-total"), "0", "account-wide {word:?}");
    }
    // short label words (not from the index) neither
    assert!(search(&alice, &base, "le").await.is_empty());
    // values are found: the pass's own, and the campaign's it carries
    assert_eq!(search(&alice, &base, "platinum").await.len(), 1);
    assert_eq!(search(&alice, &base, "anna gold").await.len(), 1);
    assert_eq!(search(&alice, &base, "lisbon").await, all);
    server.stop().await;
}
both_backends!(labels_are_not_searched);

async fn account_wide_search(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let bob = server.account("Bob").await;
    let icon = asset(&server, &alice, "icon").await;
    let coupons = coupon(&alice, "Spring coupons", &icon, json!({})).await;
    let cards = alice
        .post(
            "/store_cards",
            json!({"store_card": {"name": "Loyalty", "icon_id": icon}}),
        )
        .await
        .expect(201)
        .id();
    let bob_icon = asset(&server, &bob, "icon").await;
    let bobs = coupon(&bob, "Bob's", &bob_icon, json!({})).await;
    let holder = |name: &str| json!({"pass": {"user_info": {"name": name}}});
    alice
        .post(&format!("/coupons/{coupons}/passes"), holder("Zoe Quartz"))
        .await
        .expect(201);
    alice
        .post(
            &format!("/store_cards/{cards}/passes"),
            holder("zoe quartz"),
        )
        .await
        .expect(201);
    alice
        .post(
            &format!("/store_cards/{cards}/passes"),
            holder("Someone Else"),
        )
        .await
        .expect(201);
    bob.post(&format!("/coupons/{bobs}/passes"), holder("Zoe Quartz"))
        .await
        .expect(201);

    let r = alice.get("/passes?q[search]=QUARTZ").await.expect(200);
    assert_eq!(r.header("x-total"), "2");
    let hits = r.body.as_array().unwrap();
    assert_eq!(hits.len(), 2);
    let mut seen = BTreeSet::new();
    for h in hits {
        let hit: passworks_wire::PassSearchHit =
            serde_json::from_value(h.clone()).expect("a PassSearchHit");
        check_pass(&h["pass"]);
        seen.insert((hit.campaign_type.as_str().to_string(), hit.campaign_name));
        assert_eq!(hit.pass.metadata, json!({}));
    }
    assert_eq!(
        seen,
        BTreeSet::from([
            ("coupons".to_string(), "Spring coupons".to_string()),
            ("store_cards".to_string(), "Loyalty".to_string()),
        ])
    );
    // filters and order apply as on a campaign's list
    let r = alice
        .get("/passes?q[search]=quartz&q[s]=created_at+desc")
        .await
        .expect(200);
    assert_eq!(r.body[0]["campaign_type"], "store_cards");
    // another account's passes are never found
    let r = bob.get("/passes?q[search]=quartz").await.expect(200);
    assert_eq!(r.header("x-total"), "1");
    assert_eq!(r.body[0]["campaign_name"], "Bob's");
    // the search text is required
    alice.get("/passes").await.expect(400);
    alice.get("/passes?q[search]=%20").await.expect(400);
    server
        .anonymous()
        .get("/passes?q[search]=quartz")
        .await
        .expect(401);
    server.stop().await;
}
both_backends!(account_wide_search);

async fn search_follows_updates_and_merges(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let id = coupon(
        &alice,
        "Merge",
        &icon,
        json!({"primary_fields": [{"key": "offer", "label": "Offer", "value": "Zanzibar"}],
               "secondary_fields": [{"key": "holder", "label": "Name", "value": "", "behaviour": "dynamic"}]}),
    )
    .await;
    let base = format!("/coupons/{id}/passes");
    let p = alice
        .post(
            &base,
            json!({"pass": {"secondary_fields": [{"key": "holder", "value": "Anna"}]}}),
        )
        .await
        .expect(201)
        .body;
    let code = p["redeem_code"].as_str().unwrap().to_string();
    let pid = p["id"].as_str().unwrap();
    assert_eq!(search(&alice, &base, "zanzibar").await, vec![code.clone()]);
    // an update replaces the old value in the search text
    alice
        .patch(
            &format!("{base}/{pid}"),
            json!({"pass": {"secondary_fields": [{"key": "holder", "value": "Berta"}], "user_info": {"city": "Lisbon"}}}),
        )
        .await
        .expect(200);
    assert!(search(&alice, &base, "anna").await.is_empty());
    assert_eq!(search(&alice, &base, "berta").await, vec![code.clone()]);
    assert_eq!(search(&alice, &base, "lisbon").await, vec![code.clone()]);
    // a campaign merge rewrites the pass in the background; the search follows
    alice
        .patch(
            &format!("/coupons/{id}"),
            json!({"coupon": {"primary_fields": [{"key": "offer", "label": "Offer", "value": "Kilimanjaro"}]}}),
        )
        .await
        .expect(200);
    alice
        .post_empty(&format!("/coupons/{id}/merge"))
        .await
        .expect(200);
    wait_for(&alice, &format!("{base}?q[search]=kilimanjaro"), |b| {
        b.as_array().is_some_and(|a| a.len() == 1)
    })
    .await;
    assert!(search(&alice, &base, "zanzibar").await.is_empty());
    assert_eq!(search(&alice, &base, "berta").await, vec![code.clone()]);
    // a deleted pass is gone from the search
    alice.delete(&format!("{base}/{pid}")).await.expect(200);
    assert!(search(&alice, &base, "berta").await.is_empty());
    assert!(alice
        .get("/passes?q[search]=berta")
        .await
        .expect(200)
        .body
        .as_array()
        .unwrap()
        .is_empty());
    server.stop().await;
}
both_backends!(search_follows_updates_and_merges);

async fn totals_and_deep_pages(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let id = coupon(&alice, "Totals", &icon, json!({})).await;
    let other = coupon(&alice, "Other", &icon, json!({})).await;
    let base = format!("/coupons/{id}/passes");
    let mut ids = Vec::new();
    for _ in 0..31 {
        ids.push(alice.post_empty(&base).await.expect(201).id());
    }
    alice
        .post_empty(&format!("/coupons/{other}/passes"))
        .await
        .expect(201);
    // void four (two by redeeming, two by update), un-void one, delete one voided and
    // one usable pass
    for id in &ids[0..2] {
        alice
            .post_empty(&format!("{base}/{id}/redeem"))
            .await
            .expect(200);
    }
    for id in &ids[2..5] {
        alice
            .patch(&format!("{base}/{id}"), json!({"pass": {"voided": true}}))
            .await
            .expect(200);
    }
    alice
        .post_empty(&format!("{base}/{}/reset_redeem", ids[0]))
        .await
        .expect(200);
    alice
        .delete(&format!("{base}/{}", ids[4]))
        .await
        .expect(200);
    alice
        .delete(&format!("{base}/{}", ids[30]))
        .await
        .expect(200);
    // 29 passes, 3 voided (ids 1, 2, 3)
    let all = |q: &str| {
        let alice = alice.clone();
        let path = format!("{base}?per_page=7&{q}");
        async move {
            let mut seen = Vec::new();
            let mut page = 1;
            loop {
                let r = alice.get(&format!("{path}&page={page}")).await.expect(200);
                assert_eq!(r.header("x-total-exact"), "");
                let total: usize = r.header("x-total").parse().unwrap();
                for p in r.body.as_array().unwrap() {
                    seen.push(p["id"].as_str().unwrap().to_string());
                }
                let next = r.header("x-next-page");
                if next.is_empty() {
                    assert_eq!(seen.len(), total, "{path}: X-Total");
                    assert_eq!(r.header("x-total-pages"), total.div_ceil(7).to_string());
                    return seen;
                }
                assert_eq!(next, (page + 1).to_string());
                page += 1;
            }
        }
    };
    let everything = all("").await;
    assert_eq!(everything.len(), 29);
    assert_eq!(everything[0], ids[0]);
    let expected: Vec<String> = ids
        .iter()
        .filter(|i| **i != ids[4] && **i != ids[30])
        .cloned()
        .collect();
    assert_eq!(everything, expected, "creation order across pages");
    assert_eq!(all("q[voided_eq]=true").await, ids[1..4].to_vec());
    assert_eq!(all("q[voided_eq]=false").await.len(), 26);
    assert_eq!(all("q[redeemed_count_gt]=0").await, ids[0..2].to_vec());
    let code = alice.get(&format!("{base}/{}", ids[7])).await.body["redeem_code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        all(&format!("q[redeem_code_eq]={code}")).await,
        vec![ids[7].clone()]
    );
    // descending order is the exact reverse, page by page
    let mut reversed = all("q[s]=created_at+desc").await;
    reversed.reverse();
    assert_eq!(reversed, everything);
    // a page past the end is empty with the same total
    let r = alice.get(&format!("{base}?page=99")).await.expect(200);
    assert_eq!(r.body, json!([]));
    assert_eq!(r.header("x-total"), "29");
    assert_eq!(r.header("x-prev-page"), "98");
    // offset shifts the window
    let r = alice
        .get(&format!("{base}?per_page=5&page=2&offset=3"))
        .await
        .expect(200);
    assert_eq!(r.body[0]["id"], everything[8]);
    assert_eq!(r.header("x-offset"), "8");
    // the campaign's counter agrees
    let c = alice.get(&format!("/coupons/{id}")).await.expect(200).body;
    assert_eq!(c["passes_count"], 29);
    server.stop().await;
}
both_backends!(totals_and_deep_pages);

/// The ids of a campaign's passes in list order, read from the database.
async fn ids_in_order(server: &TestServer, campaign: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT id FROM passes WHERE campaign_id = $1 ORDER BY created_at, id")
        .bind(campaign)
        .fetch_all(&server.running.state.db.pool)
        .await
        .unwrap()
}

/// Deep pages of a long campaign start from rows the server remembers (every 1,000th,
/// README "Lists at scale") instead of skipping every pass before them; they must be the
/// same pages, also after passes were added at the end and after a pass before them was
/// deleted (which moves every later pass one place up).
async fn deep_pages_of_a_long_campaign(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let id = coupon(&alice, "Long", &icon, json!({})).await;
    let base = format!("/coupons/{id}/passes");
    for n in [1_000, 1_000, 600] {
        let items: Vec<Value> = (0..n).map(|_| json!({})).collect();
        alice
            .post(&format!("{base}/batch"), json!({ "passes": items }))
            .await
            .expect(200);
    }
    // A campaign that has been running for a while: its passes were created long ago
    // (only passes older than a few minutes become anchors). A century earlier keeps
    // their order.
    sqlx::query(
        "UPDATE passes SET created_at = '19' || SUBSTR(created_at, 3) WHERE campaign_id = $1",
    )
    .bind(&id)
    .execute(&server.running.state.db.pool)
    .await
    .unwrap();
    let page = |per_page: usize, page: usize| {
        let (alice, base) = (alice.clone(), base.clone());
        async move {
            let r = alice
                .get(&format!("{base}?per_page={per_page}&page={page}"))
                .await
                .expect(200);
            let ids: Vec<String> = r
                .body
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["id"].as_str().unwrap().to_string())
                .collect();
            (ids, r.header("x-total"), r.header("x-next-page"))
        }
    };
    let check = |expected: Vec<String>| {
        let page = &page;
        async move {
            let total = expected.len().to_string();
            // The same page twice (the second from what the first learned), pages past
            // the first anchors, one straddling an anchor, the last one.
            for (per_page, n) in [
                (25, 41),
                (25, 41),
                (25, 67),
                (50, 20),
                (50, 21),
                (7, 143),
                (25, 104),
                (50, 52),
            ] {
                let (got, x_total, next) = page(per_page, n).await;
                let from = (n - 1) * per_page;
                let want: Vec<String> =
                    expected.iter().skip(from).take(per_page).cloned().collect();
                assert_eq!(got, want, "per_page={per_page}&page={n}");
                assert_eq!(x_total, total);
                let more = from + per_page < expected.len();
                assert_eq!(next.is_empty(), !more, "X-Next-Page of page {n}");
            }
        }
    };
    let expected = ids_in_order(&server, &id).await;
    assert_eq!(expected.len(), 2_600);
    check(expected).await;
    // New passes go to the end: the remembered rows still say where the old ones are.
    for _ in 0..3 {
        alice.post_empty(&base).await.expect(201);
    }
    let expected = ids_in_order(&server, &id).await;
    assert_eq!(expected.len(), 2_603);
    check(expected.clone()).await;
    // Deleting the tenth pass moves every later pass up one place.
    alice
        .delete(&format!("{base}/{}", expected[9]))
        .await
        .expect(200);
    let expected = ids_in_order(&server, &id).await;
    assert_eq!(expected.len(), 2_602);
    check(expected).await;
    server.stop().await;
}
both_backends!(deep_pages_of_a_long_campaign);
