//! Passes over real HTTP (§8, §9, §13): code types, the field partial-update rule,
//! updates with and without merge, redeem rules, nesting, collections and remote forms.

mod common;
mod pw_fixtures;

use common::{Backend, TestServer};
use pw_fixtures::*;
use serde_json::json;

async fn boilerplate_pass_and_shapes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    for path in TYPES {
        let c = alice
            .post(&format!("/{path}"), example(path, &a))
            .await
            .expect(201)
            .body;
        let cid = c["id"].as_str().unwrap();
        let body = if path == "boarding_passes" {
            Some(
                json!({"pass": {"barcode": {"message": "SK1234-17A"}, "secondary_fields": [{"key": "passenger", "value": "Ana Silva"}]}}),
            )
        } else {
            None
        };
        let r = match body {
            Some(b) => alice.post(&format!("/{path}/{cid}/passes"), b).await,
            None => alice.post_empty(&format!("/{path}/{cid}/passes")).await,
        }
        .expect(201);
        let p = check_pass(&r.body);
        assert_eq!(p.campaign_id, cid);
        assert!(p.authentication_token.len() >= 16);
        assert!(uuid::Uuid::parse_str(&p.serial_number).is_ok());
        assert!(!p.voided);
        assert_eq!(p.redeemed_count, 0);
        assert!(p.redeemed_at.is_none());
        assert_eq!(p.metadata, json!({}));
        assert!(p.page_url.starts_with(c["page_url"].as_str().unwrap()));
        assert!(p.page_url.len() > c["page_url"].as_str().unwrap().len() + 10);
        assert_eq!(p.pkpass_url, format!("{}.pkpass", p.page_url));
        assert!(p.page_short_url.contains("/s/"));
        assert_eq!(p.barcode.message, p.redeem_code);
        assert_eq!(p.barcode.alt_text, p.redeem_code);
        assert_eq!(p.barcode.alt_text_type, "mirror");
        assert_eq!(p.barcodes.len(), 1);
        assert_eq!(
            p.primary_fields,
            serde_json::from_value::<Vec<passworks_wire::Field>>(c["primary_fields"].clone())
                .unwrap()
        );
        let g = alice
            .get(&format!("/{path}/{cid}/passes/{}", p.id))
            .await
            .expect(200);
        assert_eq!(g.body, r.body);
        match path {
            "coupons" => {
                assert_eq!(p.redeem_code, "0000001");
                assert_eq!(p.locations.len(), 1);
                assert_eq!(p.max_distance, Some(50));
            }
            "boarding_passes" => {
                assert_eq!(p.redeem_code, "SK1234-17A");
                assert_eq!(p.barcode.format.as_str(), "pdf417");
                assert_eq!(p.secondary_fields[0].value.as_deref(), Some("Ana Silva"));
                assert_eq!(p.secondary_fields[0].label.as_deref(), Some("Passenger"));
                assert_eq!(
                    p.relevant_date.as_deref(),
                    Some("2014-09-22T20:51:53.000000Z")
                );
                assert_eq!(p.beacons.len(), 1);
            }
            "generics" => {
                assert_eq!(p.redeem_code, "ACME-2014");
                assert_eq!(p.user_info["crm_id"], 42);
            }
            _ => {}
        }
        let c2 = alice.get(&format!("/{path}/{cid}")).await.body;
        assert_eq!(c2["passes_count"], 1);
    }
    server.stop().await;
}
both_backends!(boilerplate_pass_and_shapes);

async fn code_types(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    // sequential
    let seq = coupon(&alice, "Seq", &icon, json!({"code_type": "sequential"})).await;
    let mut codes = Vec::new();
    for _ in 0..3 {
        codes.push(
            alice
                .post_empty(&format!("/coupons/{seq}/passes"))
                .await
                .expect(201)
                .body["redeem_code"]
                .clone(),
        );
    }
    assert_eq!(
        codes,
        vec![json!("0000001"), json!("0000002"), json!("0000003")]
    );
    // custom barcode message / redeem_code with non-per_pass → 422
    let r = alice
        .post(
            &format!("/coupons/{seq}/passes"),
            json!({"pass": {"barcode": {"message": "X"}}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "barcode").contains("per_pass"));
    let r = alice
        .post(
            &format!("/coupons/{seq}/passes"),
            json!({"pass": {"barcodes": [{"message": "X"}]}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "barcodes").contains("per_pass"));
    let r = alice
        .post(
            &format!("/coupons/{seq}/passes"),
            json!({"pass": {"redeem_code": "X"}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "redeem_code").contains("per_pass"));
    // a format-only barcode is fine
    let r = alice
        .post(
            &format!("/coupons/{seq}/passes"),
            json!({"pass": {"barcode": {"format": "aztec"}}}),
        )
        .await
        .expect(201);
    assert_eq!(r.body["barcode"]["format"], "aztec");
    assert_eq!(r.body["redeem_code"], "0000004");
    // fixed
    let fixed = coupon(
        &alice,
        "Fixed",
        &icon,
        json!({"code_type": "fixed", "code_fixed_value": "SUMMER14"}),
    )
    .await;
    for _ in 0..2 {
        let r = alice
            .post_empty(&format!("/coupons/{fixed}/passes"))
            .await
            .expect(201);
        assert_eq!(r.body["redeem_code"], "SUMMER14");
        assert_eq!(r.body["barcode"]["message"], "SUMMER14");
    }
    // per_pass: message required, from redeem_code, barcode or barcodes; unique
    let pp = coupon(&alice, "PerPass", &icon, json!({"code_type": "per_pass"})).await;
    let r = alice
        .post_empty(&format!("/coupons/{pp}/passes"))
        .await
        .expect(422);
    assert!(msg(&r, "redeem_code").contains("can't be blank"));
    let r = alice
        .post(
            &format!("/coupons/{pp}/passes"),
            json!({"pass": {"redeem_code": "A-1"}}),
        )
        .await
        .expect(201);
    assert_eq!(r.body["barcode"]["message"], "A-1");
    let r = alice
        .post(
            &format!("/coupons/{pp}/passes"),
            json!({"pass": {"barcode": {"message": "B-2", "alt_text": "Ticket B-2"}}}),
        )
        .await
        .expect(201);
    assert_eq!(r.body["redeem_code"], "B-2");
    assert_eq!(r.body["barcode"]["alt_text"], "Ticket B-2");
    let r = alice
        .post(&format!("/coupons/{pp}/passes"), json!({"pass": {"barcodes": [{"format": "qrcode", "message": "C-3"}, {"format": "ean128", "message": "C-3"}]}}))
        .await
        .expect(201);
    assert_eq!(r.body["redeem_code"], "C-3");
    assert_eq!(r.body["barcodes"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["barcodes"][1]["format"], "ean128");
    let r = alice
        .post(
            &format!("/coupons/{pp}/passes"),
            json!({"pass": {"redeem_code": "A-1"}}),
        )
        .await
        .expect(422);
    assert_eq!(msg(&r, "redeem_code"), "has already been taken");
    let r = alice
        .post(
            &format!("/coupons/{pp}/passes"),
            json!({"pass": {"barcode": {"message": "B-2"}}}),
        )
        .await
        .expect(422);
    assert_eq!(msg(&r, "redeem_code"), "has already been taken");
    // same code in another campaign is fine
    let pp2 = coupon(&alice, "PerPass2", &icon, json!({"code_type": "per_pass"})).await;
    alice
        .post(
            &format!("/coupons/{pp2}/passes"),
            json!({"pass": {"redeem_code": "A-1"}}),
        )
        .await
        .expect(201);
    // barcode format enum
    let r = alice
        .post(
            &format!("/coupons/{pp}/passes"),
            json!({"pass": {"redeem_code": "Z", "barcode": {"format": "code93"}}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "barcode").contains("qrcode"));
    server.stop().await;
}
both_backends!(code_types);

async fn field_partial_updates(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    let c = alice
        .post("/store_cards", store_card(&a))
        .await
        .expect(201)
        .body;
    let cid = c["id"].as_str().unwrap();
    let base = format!("/store_cards/{cid}/passes");
    // create: only supplied attributes replace; unknown keys appended to their array
    let p = alice
        .post(&base, json!({"pass": {
            "primary_fields": [{"key": "points", "value": 120}],
            "secondary_fields": [{"key": "member", "value": "Ana"}, {"key": "tier", "label": "Tier", "value": "Gold"}],
            "locations": [{"latitude": "41.1", "longitude": "-8.6", "name": "Porto"}],
            "user_info": {"crm": "A1"},
            "expiration_date": "2015-01-01T00:00:00Z",
            "max_distance": 20
        }}))
        .await
        .expect(201)
        .body;
    let pid = p["id"].as_str().unwrap();
    assert_eq!(
        p["primary_fields"],
        json!([{"key": "points", "label": "Points", "value": "120", "behaviour": "dynamic"}])
    );
    assert_eq!(
        p["secondary_fields"][0],
        json!({"key": "member", "label": "Member", "value": "Ana", "behaviour": "dynamic"})
    );
    assert_eq!(
        p["secondary_fields"][1],
        json!({"key": "tier", "label": "Tier", "value": "Gold", "behaviour": "fixed"})
    );
    assert_eq!(p["back_fields"], c["back_fields"]);
    assert_eq!(p["locations"][0]["name"], "Porto");
    assert_eq!(p["locations"][0]["latitude"], 41.1);
    assert_eq!(p["user_info"], json!({"crm": "A1"}));
    assert_eq!(p["expiration_date"], "2015-01-01T00:00:00.000000Z");
    assert_eq!(p["max_distance"], 20);
    // update (merge default true): label only changes the label
    let path = format!("{base}/{pid}");
    let u = alice
        .patch(&path, json!({"pass": {"primary_fields": [{"key": "points", "label": "Stars"}], "voided": true}}))
        .await
        .expect(200)
        .body;
    assert_eq!(u["primary_fields"][0]["value"], "120");
    assert_eq!(u["primary_fields"][0]["label"], "Stars");
    assert_eq!(u["secondary_fields"].as_array().unwrap().len(), 2);
    assert_eq!(u["voided"], true);
    assert_eq!(u["serial_number"], p["serial_number"]);
    assert_eq!(u["authentication_token"], p["authentication_token"]);
    assert_eq!(u["redeem_code"], p["redeem_code"]);
    // merge=false at the root: supplied arrays replace
    let u = alice
        .put(&path, json!({"merge": false, "push": false, "pass": {"secondary_fields": [{"key": "member", "value": "Bea"}]}}))
        .await
        .expect(200)
        .body;
    assert_eq!(
        u["secondary_fields"],
        json!([{"key": "member", "label": null, "value": "Bea", "behaviour": "fixed"}])
    );
    assert_eq!(u["primary_fields"][0]["label"], "Stars");
    // merge=false inside pass
    let u = alice
        .patch(
            &path,
            json!({"pass": {"merge": false, "primary_fields": [], "push_message": "Bye"}}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(u["primary_fields"], json!([]));
    // duplicate keys across arrays → 422, nothing written
    let r = alice
        .patch(&path, json!({"pass": {"merge": false, "header_fields": [{"key": "member"}], "voided": false}}))
        .await
        .expect(422);
    assert!(msg(&r, "header_fields").contains("member"));
    assert_eq!(alice.get(&path).await.body["voided"], true);
    // other validation
    for (body, attr) in [
        (
            json!({"pass": {"locations": [{"latitude": 100, "longitude": 0}]}}),
            "locations",
        ),
        (
            json!({"pass": {"beacons": [{"proximity_uuid": "x"}]}}),
            "beacons",
        ),
        (json!({"pass": {"max_distance": 101}}), "max_distance"),
        (
            json!({"pass": {"expiration_date": "soon"}}),
            "expiration_date",
        ),
        (json!({"pass": {"voided": "perhaps"}}), "voided"),
        (json!({"pass": {"thumbnail_id": a.icon}}), "thumbnail_id"),
        (json!({"pass": {"user_info": [1]}}), "user_info"),
        (json!({"merge": "sometimes", "pass": {}}), "merge"),
    ] {
        let r = alice.patch(&path, body.clone()).await.expect(422);
        assert!(r.body["errors"][attr].is_array(), "{body}: {}", r.body);
    }
    alice
        .patch(&path, json!({"voided": true}))
        .await
        .expect(400);
    // per-pass image override
    let u = alice
        .patch(&path, json!({"pass": {"thumbnail_id": a.thumbnail}}))
        .await
        .expect(200)
        .body;
    assert_eq!(u["thumbnail_id"], a.thumbnail.as_str());
    assert_eq!(u["icon_id"], a.icon.as_str());
    // POST to a pass is 405
    let r = alice.post(&path, json!({"pass": {}})).await.expect(405);
    assert!(r.body["errors"]["base"].is_array());
    server.stop().await;
}
both_backends!(field_partial_updates);

async fn redeem_rules(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let cid = coupon(&alice, "Redeem", &icon, json!({})).await;
    let base = format!("/coupons/{cid}");
    let p1 = alice
        .post_empty(&format!("{base}/passes"))
        .await
        .expect(201)
        .id();
    let p2 = alice
        .post_empty(&format!("{base}/passes"))
        .await
        .expect(201)
        .id();
    // by pass, with a comment: voided since allow_multiple_redeems is false
    let r = alice
        .post(
            &format!("{base}/passes/{p1}/redeem"),
            json!({"pass": {"comment": "at the till"}}),
        )
        .await
        .expect(200)
        .body;
    check_pass(&r);
    assert_eq!(r["voided"], true);
    assert_eq!(r["redeemed_count"], 1);
    assert!(r["redeemed_at"].is_string());
    let r = alice
        .post_empty(&format!("{base}/passes/{p1}/redeem"))
        .await
        .expect(412);
    assert_eq!(
        r.body,
        json!({"errors": {"pass": ["Pass already redeemed"]}})
    );
    // reset clears the void flag only
    let r = alice
        .post_empty(&format!("{base}/passes/{p1}/reset_redeem"))
        .await
        .expect(200)
        .body;
    assert_eq!(r["voided"], false);
    assert_eq!(r["redeemed_count"], 1);
    // by code
    let r = alice
        .post(
            &format!("{base}/redeem"),
            json!({"pass": {"redeem_code": "0000002", "comment": "web"}}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(r["id"], p2.as_str());
    assert_eq!(r["voided"], true);
    alice
        .post(
            &format!("{base}/redeem"),
            json!({"pass": {"redeem_code": "0000002"}}),
        )
        .await
        .expect(412);
    alice
        .post(
            &format!("{base}/redeem"),
            json!({"pass": {"redeem_code": "9999999"}}),
        )
        .await
        .expect(404);
    let r = alice
        .post(&format!("{base}/redeem"), json!({"pass": {}}))
        .await
        .expect(422);
    assert!(r.body["errors"]["redeem_code"].is_array());
    alice
        .post(&format!("{base}/redeem"), json!({"redeem_code": "0000002"}))
        .await
        .expect(400);
    // lookup does not redeem
    let r = alice
        .get(&format!("{base}/redeem/0000001"))
        .await
        .expect(200)
        .body;
    assert_eq!(r["id"], p1.as_str());
    assert_eq!(r["redeemed_count"], 1);
    alice.get(&format!("{base}/redeem/nope")).await.expect(404);
    // redeems collections
    let r = alice.get(&format!("{base}/redeems")).await.expect(200);
    assert_eq!(r.header("x-total"), "2");
    for k in ["id", "pass_id", "campaign_id", "created_at"] {
        assert!(r.body[0][k].is_string(), "{k}");
    }
    assert!(r.body[0].get("comment").is_some());
    assert_eq!(
        alice
            .get(&format!("{base}/redeems?q[comment_eq]=web"))
            .await
            .header("x-total"),
        "1"
    );
    assert_eq!(
        alice
            .get(&format!("{base}/redeems?q[pass_id_eq]={p1}"))
            .await
            .header("x-total"),
        "1"
    );
    let r = alice
        .get(&format!("{base}/redeems?q[s]=created_at+desc"))
        .await;
    assert_eq!(r.body[0]["pass_id"], p2.as_str());
    let r = alice
        .get(&format!("{base}/passes/{p1}/redeems"))
        .await
        .expect(200);
    assert_eq!(r.body[0]["comment"], "at the till");
    let c = alice.get(&base).await.body;
    assert_eq!(c["redeemed_count"], 2);
    assert_eq!(c["passes_count"], 2);
    // multiple redeems allowed: never voided
    let multi = coupon(
        &alice,
        "Multi",
        &icon,
        json!({"allow_multiple_redeems": true}),
    )
    .await;
    let pm = alice
        .post_empty(&format!("/coupons/{multi}/passes"))
        .await
        .expect(201)
        .id();
    for n in 1..=3 {
        let r = alice
            .post_empty(&format!("/coupons/{multi}/passes/{pm}/redeem"))
            .await
            .expect(200)
            .body;
        assert_eq!(r["voided"], false);
        assert_eq!(r["redeemed_count"], n);
    }
    // a manually voided pass can't be redeemed
    alice
        .patch(
            &format!("/coupons/{multi}/passes/{pm}"),
            json!({"pass": {"voided": true}}),
        )
        .await
        .expect(200);
    alice
        .post_empty(&format!("/coupons/{multi}/passes/{pm}/redeem"))
        .await
        .expect(412);
    // delete keeps the counters in step
    let r = alice
        .delete(&format!("{base}/passes/{p2}"))
        .await
        .expect(200);
    assert_eq!(r.body, json!({"errors": []}));
    alice.get(&format!("{base}/passes/{p2}")).await.expect(404);
    let c = alice.get(&base).await.body;
    assert_eq!(c["passes_count"], 1);
    assert_eq!(c["redeemed_count"], 1);
    // push
    let r = alice
        .post(
            &format!("{base}/passes/{p1}/push"),
            json!({"pass": {"push_message": "Hi"}}),
        )
        .await
        .expect(200);
    assert_eq!(
        r.body["message"],
        format!("push notifications sent for pass with id: {p1} on campaign 'Redeem'")
    );
    alice
        .post_empty(&format!("{base}/passes/{p1}/push"))
        .await
        .expect(200);
    server.stop().await;
}
both_backends!(redeem_rules);

async fn nesting_is_strict(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let c1 = coupon(&alice, "One", &icon, json!({})).await;
    let c2 = coupon(&alice, "Two", &icon, json!({})).await;
    let p = alice
        .post_empty(&format!("/coupons/{c1}/passes"))
        .await
        .expect(201)
        .id();
    alice
        .get(&format!("/coupons/{c2}/passes/{p}"))
        .await
        .expect(404);
    alice
        .get(&format!("/generics/{c1}/passes/{p}"))
        .await
        .expect(404);
    alice
        .post_empty(&format!("/coupons/{c2}/passes/{p}/redeem"))
        .await
        .expect(404);
    alice
        .get(&format!("/coupons/{c1}/passes/not-a-uuid"))
        .await
        .expect(404);
    alice
        .get(&format!("/coupons/{c1}/passes/{}", uuid::Uuid::new_v4()))
        .await
        .expect(404);
    alice
        .get(&format!("/coupons/{}/passes", uuid::Uuid::new_v4()))
        .await
        .expect(404);
    alice
        .post(&format!("/coupons/{c1}/passes"), json!({"other": {}}))
        .await
        .expect(400);
    server.stop().await;
}
both_backends!(nesting_is_strict);

async fn pass_collections(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let cid = coupon(
        &alice,
        "Many",
        &icon,
        json!({"allow_multiple_redeems": true}),
    )
    .await;
    let base = format!("/coupons/{cid}/passes");
    let mut ids = Vec::new();
    for _ in 0..27 {
        ids.push(alice.post_empty(&base).await.expect(201).id());
    }
    for (i, id) in ids.iter().take(3).enumerate() {
        for _ in 0..=i {
            alice
                .post_empty(&format!("{base}/{id}/redeem"))
                .await
                .expect(200);
        }
    }
    alice
        .patch(
            &format!("{base}/{}", ids[5]),
            json!({"pass": {"voided": true}}),
        )
        .await
        .expect(200);
    let r = alice.get(&base).await.expect(200);
    assert_eq!(r.body.as_array().unwrap().len(), 25);
    assert_eq!(r.header("x-total"), "27");
    assert_eq!(r.header("x-total-pages"), "2");
    assert_eq!(r.body[0]["redeem_code"], "0000001");
    let r = alice.get(&format!("{base}?page=2")).await;
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    assert_eq!(r.header("x-next-page"), "");
    let r = alice.get(&format!("{base}?page=3")).await.expect(200);
    assert_eq!(r.body, json!([]));
    assert_eq!(r.header("x-total"), "27");
    let total = |q: String| {
        let alice = alice.clone();
        let path = format!("{base}?{q}");
        async move { alice.get(&path).await.expect(200).header("x-total") }
    };
    assert_eq!(total("q[redeem_code_eq]=0000003".into()).await, "1");
    assert_eq!(total("q[redeem_code_not_eq]=0000003".into()).await, "26");
    assert_eq!(total("q[redeem_code_matches]=000002%25".into()).await, "8");
    assert_eq!(total("q[redeem_code_cont]=02".into()).await, "9");
    assert_eq!(total("q[redeemed_count_gt]=0".into()).await, "3");
    assert_eq!(total("q[redeemed_count_gteq]=2".into()).await, "2");
    assert_eq!(total("q[redeemed_count_lt]=1".into()).await, "24");
    assert_eq!(total("q[redeemed_count_lteq]=1".into()).await, "25");
    assert_eq!(total("q[voided_eq]=true".into()).await, "1");
    assert_eq!(total("q[redeemed_at_gt]=2000-01-01".into()).await, "3");
    assert_eq!(total("q[created_at_lt]=2000-01-01".into()).await, "0");
    assert_eq!(
        total("q[updated_at_gteq]=2000-01-01T00:00:00Z".into()).await,
        "27"
    );
    assert_eq!(total("q[last_fetched_at_eq]=2000-01-01".into()).await, "0");
    let serial = alice.get(&format!("{base}/{}", ids[4])).await.body["serial_number"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(total(format!("q[serial_number_eq]={serial}")).await, "1");
    let r = alice
        .get(&format!("{base}?q[s]=redeemed_count+desc&per_page=3"))
        .await;
    assert_eq!(r.body[0]["redeemed_count"], 3);
    assert_eq!(r.body[2]["redeemed_count"], 1);
    let r = alice
        .get(&format!("{base}?q[s]=redeem_code+desc&per_page=1"))
        .await;
    assert_eq!(r.body[0]["redeem_code"], "0000027");
    let r = alice
        .get(&format!("{base}?q[s]=redeem_code+asc&per_page=1&page=2"))
        .await;
    assert_eq!(r.body[0]["redeem_code"], "0000002");
    server.stop().await;
}
both_backends!(pass_collections);

async fn remote_forms(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    let c = alice.post("/generics", generic(&a)).await.expect(201).body;
    let cid = c["id"].as_str().unwrap();
    let r = alice
        .get(&format!("/remote_forms/{cid}/fields"))
        .await
        .expect(200)
        .body;
    assert_eq!(r["dynamic_fields_keys"], json!(["name", "title"]));
    assert_eq!(r["static_fields_keys"], json!(["phone"]));
    assert_eq!(r["fields"]["phone"]["value"], "+351 210 000 000");
    assert_eq!(r["fields"]["name"]["behaviour"], "dynamic");
    let r = alice
        .post(
            &format!("/remote_forms/{cid}/submit"),
            json!({
                "name": "Ana Silva", "title": "CTO", "phone": "ignored", "unknown": 1,
                "locations": [{"latitude": "38.7", "longitude": "-9.1"}]
            }),
        )
        .await
        .expect(201)
        .body;
    check_pass(&r);
    assert_eq!(r["primary_fields"][0]["value"], "Ana Silva");
    assert_eq!(r["secondary_fields"][0]["value"], "CTO");
    assert_eq!(r["back_fields"][0]["value"], "+351 210 000 000");
    assert_eq!(r["locations"][0]["latitude"], 38.7);
    assert!(r["page_short_url"].as_str().unwrap().contains("/s/"));
    // barcodes only with per_pass
    let r = alice
        .post(
            &format!("/remote_forms/{cid}/submit"),
            json!({"barcodes": [{"message": "X"}]}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "barcodes").contains("per_pass"));
    let bp = alice
        .post("/boarding_passes", skyport_boarding_pass(&a))
        .await
        .expect(201)
        .id();
    let r = alice
        .post(
            &format!("/remote_forms/{bp}/submit"),
            json!({"passenger": "Bea", "seat": "17A", "barcodes": [{"message": "SK-17A"}]}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(r["redeem_code"], "SK-17A");
    assert_eq!(r["auxiliary_fields"][0]["value"], "17A");
    let r = alice
        .post(
            &format!("/remote_forms/{cid}/submit"),
            json!({"locations": [{"latitude": 95, "longitude": 0}]}),
        )
        .await
        .expect(422);
    assert!(r.body["errors"]["locations"].is_array());
    // paused → 412; unknown → 404
    alice
        .post_empty(&format!("/generics/{cid}/pause"))
        .await
        .expect(200);
    alice
        .post(&format!("/remote_forms/{cid}/submit"), json!({"name": "x"}))
        .await
        .expect(412);
    alice
        .get(&format!("/remote_forms/{}/fields", uuid::Uuid::new_v4()))
        .await
        .expect(404);
    alice.get("/remote_forms/nope/fields").await.expect(404);
    server.stop().await;
}
both_backends!(remote_forms);

/// What the pass builder would refuse at every download is refused when it is written:
/// a fixed code, a per-pass code or a barcode message the barcode cannot hold.
async fn unencodable_codes_are_refused_when_written(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let mut body = minimal("coupons", "Omega", &icon);
    body["coupon"]["code_type"] = json!("fixed");
    body["coupon"]["code_fixed_value"] = json!("\u{3a9}-PAW-2026");
    let r = alice.post("/coupons", body).await.expect(422);
    assert!(
        msg(&r, "code_fixed_value").contains("ISO-8859-1"),
        "{}",
        r.body
    );
    let pp = coupon(&alice, "PerPass", &icon, json!({"code_type": "per_pass"})).await;
    let path = format!("/coupons/{pp}/passes");
    let r = alice
        .post(&path, json!({"pass": {"redeem_code": "\u{3a9}-1"}}))
        .await
        .expect(422);
    assert!(msg(&r, "redeem_code").contains("ISO-8859-1"), "{}", r.body);
    let r = alice
        .post(
            &path,
            json!({"pass": {"barcode": {"format": "ean128", "message": "caf\u{e9}"}}}),
        )
        .await
        .expect(422);
    assert!(
        msg(&r, "barcode").contains("Code 128") || msg(&r, "barcode").contains("ean128"),
        "{}",
        r.body
    );
    // Latin-1 is fine in a QR code.
    alice
        .post(&path, json!({"pass": {"redeem_code": "caf\u{e9}-1"}}))
        .await
        .expect(201);
    server.stop().await;
}
both_backends!(unencodable_codes_are_refused_when_written);

/// The event-ticket strip rule holds for templates and for the images a pass shows (its
/// overrides over its campaign's), not only for campaigns: the pass builder would refuse
/// such a pass at every download.
async fn strip_rule_covers_templates_and_pass_overrides(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    let r = alice
        .post(
            "/templates",
            json!({"template": {"name": "Gig", "pass_type": "event_ticket", "icon_id": a.icon,
                "strip_id": a.strip, "background_id": a.background}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "strip_id").contains("background_id"), "{}", r.body);
    // A campaign with a background: a pass may not add a strip over it, and may once the
    // campaign's background is not shown (a strip on a campaign without one is fine).
    let mut body = minimal("event_tickets", "Gig", &a.icon);
    body["event_ticket"]["background_id"] = json!(a.background);
    let with_bg = alice.post("/event_tickets", body).await.expect(201).id();
    let r = alice
        .post(
            &format!("/event_tickets/{with_bg}/passes"),
            json!({"pass": {"strip_id": a.strip}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "strip_id").contains("background_id"), "{}", r.body);
    let plain = alice
        .post("/event_tickets", minimal("event_tickets", "Plain", &a.icon))
        .await
        .expect(201)
        .id();
    let p = alice
        .post(
            &format!("/event_tickets/{plain}/passes"),
            json!({"pass": {"strip_id": a.strip}}),
        )
        .await
        .expect(201);
    // Adding a thumbnail to that pass later is refused the same way.
    let r = alice
        .patch(
            &format!("/event_tickets/{plain}/passes/{}", p.id()),
            json!({"pass": {"thumbnail_id": a.thumbnail}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "strip_id").contains("background_id"), "{}", r.body);
    server.stop().await;
}
both_backends!(strip_rule_covers_templates_and_pass_overrides);

/// Many creates, redeems and a delete at once in one campaign (its counters are striped
/// over rows and, on PostgreSQL, its codes drawn apart from the creating transaction):
/// every code is handed out once and in order, and the campaign's counts, the list's
/// `X-Total` and the report's totals all add up.
async fn concurrent_writes_keep_codes_and_counts(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    // Defaults: sequential codes, a redeem voids the pass.
    let cid = alice
        .post(
            "/store_cards",
            json!({"store_card": {"name": "Busy", "icon_id": a.icon, "logo_id": a.logo}}),
        )
        .await
        .expect(201)
        .id();
    let path = format!("/store_cards/{cid}/passes");
    const N: usize = 40;
    let created = futures_util::future::join_all((0..N).map(|_| alice.post_empty(&path))).await;
    let mut codes: Vec<String> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for r in created {
        let r = r.expect(201);
        codes.push(r.body["redeem_code"].as_str().unwrap().to_string());
        ids.push(r.id());
    }
    codes.sort();
    let expected: Vec<String> = (1..=N).map(|n| format!("{n:07}")).collect();
    assert_eq!(codes, expected, "each code once, none skipped");

    // Redeem 12 of them at once (the campaign voids a pass on its redeem), then delete one
    // redeemed and one untouched pass.
    let urls: Vec<String> = ids[..12]
        .iter()
        .map(|id| format!("{path}/{id}/redeem"))
        .collect();
    let redeemed = futures_util::future::join_all(urls.iter().map(|u| alice.post_empty(u))).await;
    for r in redeemed {
        r.expect(200);
    }
    alice
        .delete(&format!("{path}/{}", ids[0]))
        .await
        .expect(200);
    alice
        .delete(&format!("{path}/{}", ids[N - 1]))
        .await
        .expect(200);

    let c = alice
        .get(&format!("/store_cards/{cid}"))
        .await
        .expect(200)
        .body;
    assert_eq!(c["passes_count"], json!(N - 2));
    assert_eq!(
        c["redeemed_count"],
        json!(11),
        "the deleted pass's redeem goes with it"
    );
    let all = alice.get(&path).await.expect(200);
    assert_eq!(all.header("x-total"), (N - 2).to_string());
    let voided = alice
        .get(&format!("{path}?q[voided_eq]=true"))
        .await
        .expect(200);
    assert_eq!(voided.header("x-total"), "11");
    let live = alice
        .get(&format!("{path}?q[voided_eq]=false"))
        .await
        .expect(200);
    assert_eq!(live.header("x-total"), (N - 13).to_string());
    let t = alice
        .get(&format!("/store_cards/{cid}/reports/totals"))
        .await
        .expect(200)
        .body;
    assert_eq!(t["report"]["creates_count"], json!(N));
    assert_eq!(t["report"]["redeems_count"], json!(12));

    // The campaign list sorts by the summed counts.
    let other = alice
        .post(
            "/store_cards",
            json!({"store_card": {"name": "Quiet", "icon_id": a.icon, "logo_id": a.logo}}),
        )
        .await
        .expect(201);
    let list = alice
        .get("/store_cards?q[s]=passes_count%20desc")
        .await
        .expect(200)
        .body;
    let order: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(order, [cid.as_str(), other.id().as_str()]);
    let some = alice
        .get("/store_cards?q[passes_count_gt]=0")
        .await
        .expect(200)
        .body;
    assert_eq!(some.as_array().unwrap().len(), 1);
    server.stop().await;
}
both_backends!(concurrent_writes_keep_codes_and_counts);
