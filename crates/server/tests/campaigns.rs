//! Campaigns of the five types over real HTTP (§5, §7): the examples, updates and template
//! generation, state transitions, validation, delete, merge, collections, reports,
//! registrations and the isolation matrix.

mod common;
mod pw_fixtures;

use common::{Backend, TestServer};
use pw_fixtures::*;
use serde_json::{json, Value};

async fn examples_of_every_type(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Paw Planet Ltd").await;
    let a = assets(&server, &alice).await;
    for path in TYPES {
        let r = alice
            .post(&format!("/{path}"), example(path, &a))
            .await
            .expect(201);
        let c = check_campaign(&r.body);
        assert_eq!(c.campaign_type.as_str(), path);
        assert_eq!(c.state.as_str(), "published");
        assert_eq!(c.organization_name, "Paw Planet Ltd");
        assert_eq!(c.distributions.len(), 1);
        let d = &c.distributions[0];
        assert_eq!(d.distribution_type, "downloadPage");
        assert_eq!(d.pkpass_url, format!("{}.pkpass", d.page_url));
        assert_eq!(d.preview_url, format!("{}.png", d.page_url));
        assert!(d.page_url.starts_with(&server.base) && d.page_url.contains("/p/"));
        assert!(d.page_short_url.contains("/s/"));
        assert_eq!(c.page_url, d.page_url);
        assert_eq!(c.barcode.message, "");
        assert_eq!(c.barcode.alt_text_type, "mirror");
        for f in c.header_fields.iter().chain(&c.primary_fields) {
            assert!(!f.key.is_empty());
        }
        // the generated template exists, with source api
        let t = alice
            .get(&format!("/templates/{}", c.template_id))
            .await
            .expect(200);
        assert_eq!(t.body["source"], "api");
        assert_eq!(t.body["name"], c.name);
        let g = alice.get(&format!("/{path}/{}", c.id)).await.expect(200);
        assert_eq!(g.body, r.body);
        let l = alice.get(&format!("/{path}")).await.expect(200);
        assert_eq!(l.body.as_array().unwrap().len(), 1);
        assert_eq!(l.header("x-total"), "1");
    }
    // type-specific echoes
    let coupons = alice.get("/coupons").await.body;
    let c = &coupons[0];
    assert_eq!(c["text_color"], "#ffffff");
    assert_eq!(c["code_type"], "sequential");
    assert_eq!(c["gwallet_usage"], true);
    assert_eq!(c["gwallet_status"], "local");
    assert_eq!(c["locations"][0]["latitude"], 38.7223);
    assert_eq!(c["locations"][0]["name"], Value::Null);
    assert_eq!(c["primary_fields"][0]["behaviour"], "fixed");
    assert_eq!(c["secondary_fields"][0]["behaviour"], "fixed");
    assert_eq!(c["description"], "Paw Planet");
    assert_eq!(c["user_info"], json!({}));
    assert_eq!(c["og"], true);
    assert_eq!(c["sync_locations_on_merge"], true);
    let b = &alice.get("/boarding_passes").await.body[0];
    assert_eq!(b["transit_type"], "air");
    assert_eq!(b["barcode"]["format"], "pdf417");
    assert_eq!(b["beacons"][0]["major"], 1);
    assert_eq!(b["relevant_date"], "2014-09-22T20:51:53.000000Z");
    let s = &alice.get("/store_cards").await.body[0];
    assert_eq!(s["primary_fields"][0]["value"], "0");
    assert_eq!(s["associated_store_identifiers"], json!([284882215]));
    assert_eq!(s["transit_type"], Value::Null);
    let g = &alice.get("/generics").await.body[0];
    assert_eq!(g["code_fixed_value"], "ACME-2014");
    assert_eq!(g["user_info"]["crm_id"], 42);
    let e = &alice.get("/event_tickets").await.body[0];
    assert_eq!(e["max_distance"], 1000);
    assert_eq!(e["relevant_date"], "2014-10-01T20:00:00.000000Z");
    server.stop().await;
}
both_backends!(examples_of_every_type);

async fn updates_are_partial_and_regenerate_templates(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    let c = alice
        .post("/coupons", paw_planet_coupon(&a))
        .await
        .expect(201)
        .body;
    let id = c["id"].as_str().unwrap();
    let path = format!("/coupons/{id}");

    // non-template attributes: same template, everything else kept
    let r = alice
        .patch(
            &path,
            json!({"coupon": {"description": "Dog toys", "ignored_attribute": 1}}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(r["description"], "Dog toys");
    assert_eq!(r["template_id"], c["template_id"]);
    for k in [
        "name",
        "barcode",
        "primary_fields",
        "locations",
        "code_type",
        "max_distance",
    ] {
        assert_eq!(r[k], c[k], "{k} changed");
    }
    // a supplied field array merges by key into that array only (§7.4): the new key is
    // appended, the existing field stays
    let r = alice
        .put(
            &path,
            json!({"coupon": {"primary_fields": [{"key": "deal", "value": 30}]}}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(r["primary_fields"][0], c["primary_fields"][0]);
    assert_eq!(
        r["primary_fields"][1],
        json!({"key": "deal", "label": null, "value": "30", "behaviour": "fixed"})
    );
    assert_eq!(r["back_fields"], c["back_fields"]);
    // a colour change generates a new template; the old one stays
    let r = alice
        .patch(&path, json!({"coupon": {"background_color": "#112233"}}))
        .await
        .expect(200)
        .body;
    assert_ne!(r["template_id"], c["template_id"]);
    assert_eq!(r["background_color"], "#112233");
    assert_eq!(r["barcode"]["format"], "qrcode");
    let old = alice
        .get(&format!(
            "/templates/{}",
            c["template_id"].as_str().unwrap()
        ))
        .await
        .expect(200);
    assert_eq!(old.body["background_color"], "#ce8c46");
    let new = alice
        .get(&format!(
            "/templates/{}",
            r["template_id"].as_str().unwrap()
        ))
        .await
        .expect(200);
    assert_eq!(new.body["background_color"], "#112233");
    assert_ne!(new.body["name"], old.body["name"]);
    // barcode change also regenerates; format only
    let r2 = alice
        .patch(&path, json!({"coupon": {"barcode": {"format": "aztec"}}}))
        .await
        .expect(200)
        .body;
    assert_ne!(r2["template_id"], r["template_id"]);
    assert_eq!(r2["barcode"]["format"], "aztec");
    // create with an existing template takes its presentation
    let t = r2["template_id"].as_str().unwrap();
    let r3 = alice
        .post(
            "/coupons",
            json!({"coupon": {"name": "From template", "template_id": t}}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(r3["template_id"], t);
    assert_eq!(r3["icon_id"], a.icon.as_str());
    assert_eq!(r3["barcode"]["format"], "aztec");
    server.stop().await;
}
both_backends!(updates_are_partial_and_regenerate_templates);

async fn state_transitions(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let id = coupon(&alice, "States", &icon, json!({})).await;
    let p = |a: &str| format!("/coupons/{id}/{a}");
    // published: resume 412
    let r = alice.post_empty(&p("resume")).await.expect(412);
    assert!(r.body["errors"].is_object());
    let r = alice.post_empty(&p("pause")).await.expect(200);
    assert_eq!(r.body["state"], "paused");
    check_campaign(&r.body);
    // paused: pause 412, pass creation 412
    alice.post_empty(&p("pause")).await.expect(412);
    let r = alice
        .post_empty(&format!("/coupons/{id}/passes"))
        .await
        .expect(412);
    assert!(r.body["errors"]["campaign"][0].is_string());
    let r = alice.post_empty(&p("resume")).await.expect(200);
    assert_eq!(r.body["state"], "published");
    alice
        .post_empty(&format!("/coupons/{id}/passes"))
        .await
        .expect(201);
    // published → archived
    let r = alice.post_empty(&p("archive")).await.expect(200);
    assert_eq!(r.body["state"], "archived");
    let r = alice.post_empty(&p("resume")).await.expect(412);
    assert_eq!(msg(&r, "base"), "Can't resume from archived to published");
    alice.post_empty(&p("pause")).await.expect(412);
    alice.post_empty(&p("archive")).await.expect(412);
    alice
        .post_empty(&format!("/coupons/{id}/passes"))
        .await
        .expect(412);
    // paused → archived
    let id2 = coupon(&alice, "States 2", &icon, json!({})).await;
    alice
        .post_empty(&format!("/coupons/{id2}/pause"))
        .await
        .expect(200);
    let r = alice
        .post_empty(&format!("/coupons/{id2}/archive"))
        .await
        .expect(200);
    assert_eq!(r.body["state"], "archived");
    // existing passes of an archived campaign can still be read and redeemed
    let passes = alice
        .get(&format!("/coupons/{id}/passes"))
        .await
        .expect(200)
        .body;
    let pid = passes[0]["id"].as_str().unwrap();
    alice
        .post_empty(&format!("/coupons/{id}/passes/{pid}/redeem"))
        .await
        .expect(200);
    server.stop().await;
}
both_backends!(state_transitions);

async fn validation_errors(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    let bob = server.account("Bob").await;
    let bobs_icon = asset(&server, &bob, "icon").await;
    let bad = |path: &'static str, inner: Value| {
        let alice = alice.clone();
        let icon = a.icon.clone();
        async move {
            let mut body = minimal(path, "Valid name", &icon);
            if let Value::Object(m) = inner {
                for (k, v) in m {
                    if v.is_null() && k.starts_with('-') {
                        body[root(path)].as_object_mut().unwrap().remove(&k[1..]);
                    } else {
                        body[root(path)][k] = v;
                    }
                }
            }
            alice.post(&format!("/{path}"), body).await.expect(422)
        }
    };
    let long = "x".repeat(256);
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        ("coupons", json!({"-name": null}), "name", "can't be blank"),
        ("coupons", json!({"name": "  "}), "name", "can't be blank"),
        ("coupons", json!({"name": long}), "name", "too long"),
        (
            "coupons",
            json!({"background_color": "red"}),
            "background_color",
            "#rrggbb",
        ),
        (
            "coupons",
            json!({"foreground_color": "#12345"}),
            "text_color",
            "#rrggbb",
        ),
        (
            "coupons",
            json!({"label_color": "rgb(1,2,3)"}),
            "label_color",
            "#rrggbb",
        ),
        (
            "coupons",
            json!({"-icon_id": null}),
            "icon_id",
            "can't be blank",
        ),
        (
            "coupons",
            json!({"icon_id": a.logo}),
            "icon_id",
            "type icon",
        ),
        ("coupons", json!({"icon_id": bobs_icon}), "icon_id", "asset"),
        (
            "coupons",
            json!({"strip_id": "not-a-uuid"}),
            "strip_id",
            "valid id",
        ),
        (
            "coupons",
            json!({"logo_id": a.strip}),
            "logo_id",
            "type logo",
        ),
        (
            "event_tickets",
            json!({"strip_id": a.strip, "background_id": a.background}),
            "strip_id",
            "background_id",
        ),
        (
            "event_tickets",
            json!({"strip_id": a.strip, "thumbnail_id": a.thumbnail}),
            "strip_id",
            "thumbnail_id",
        ),
        (
            "boarding_passes",
            json!({"-transit_type": null}),
            "transit_type",
            "can't be blank",
        ),
        (
            "boarding_passes",
            json!({"transit_type": "rocket"}),
            "transit_type",
            "air, boat, bus, train, generic",
        ),
        (
            "coupons",
            json!({"barcode": {"format": "qr"}}),
            "barcode",
            "qrcode, pdf417, aztec, ean128, none",
        ),
        (
            "coupons",
            json!({"code_type": "random"}),
            "code_type",
            "sequential",
        ),
        (
            "coupons",
            json!({"code_type": "list"}),
            "code_type",
            "reserved",
        ),
        (
            "coupons",
            json!({"code_type": "fixed"}),
            "code_fixed_value",
            "can't be blank",
        ),
        (
            "coupons",
            json!({"max_distance": 0}),
            "max_distance",
            "greater than 0",
        ),
        (
            "coupons",
            json!({"max_distance": 101}),
            "max_distance",
            "100",
        ),
        (
            "event_tickets",
            json!({"max_distance": 1001}),
            "max_distance",
            "1000",
        ),
        (
            "coupons",
            json!({"max_distance": "far"}),
            "max_distance",
            "integer",
        ),
        (
            "coupons",
            json!({"locations": (0..11).map(|_| json!({"latitude": 1, "longitude": 1})).collect::<Vec<_>>()}),
            "locations",
            "maximum is 10",
        ),
        (
            "coupons",
            json!({"locations": [{"latitude": 91, "longitude": 0}]}),
            "locations",
            "latitude",
        ),
        (
            "coupons",
            json!({"locations": [{"latitude": 0, "longitude": "-181"}]}),
            "locations",
            "longitude",
        ),
        (
            "coupons",
            json!({"locations": [{"latitude": "north", "longitude": 0}]}),
            "locations",
            "latitude",
        ),
        (
            "coupons",
            json!({"beacons": (0..11).map(|_| json!({"proximity_uuid": "E2C56DB5-DFFB-48D2-B060-D0F5A71096E0"})).collect::<Vec<_>>()}),
            "beacons",
            "maximum is 10",
        ),
        (
            "coupons",
            json!({"beacons": [{"proximity_uuid": "nope"}]}),
            "beacons",
            "proximity_uuid",
        ),
        (
            "coupons",
            json!({"beacons": [{"proximity_uuid": "E2C56DB5-DFFB-48D2-B060-D0F5A71096E0", "major": 65536}]}),
            "beacons",
            "major",
        ),
        (
            "coupons",
            json!({"beacons": [{"proximity_uuid": "E2C56DB5-DFFB-48D2-B060-D0F5A71096E0", "minor": 1.5}]}),
            "beacons",
            "minor",
        ),
        (
            "event_tickets",
            json!({"gwallet_usage": true}),
            "gwallet_usage",
            "coupons and store cards",
        ),
        (
            "generics",
            json!({"gwallet_usage": true}),
            "gwallet_usage",
            "coupons and store cards",
        ),
        (
            "coupons",
            json!({"gwallet_usage": "sometimes"}),
            "gwallet_usage",
            "true or false",
        ),
        (
            "coupons",
            json!({"remote_form_url": "ftp://forms.example.com"}),
            "remote_form_url",
            "http",
        ),
        (
            "coupons",
            json!({"remote_form_url": "/relative"}),
            "remote_form_url",
            "http",
        ),
        (
            "coupons",
            json!({"expiration_date": "tomorrow"}),
            "expiration_date",
            "ISO-8601",
        ),
        (
            "coupons",
            json!({"relevant_date": "2014-13-01T00:00:00Z"}),
            "relevant_date",
            "ISO-8601",
        ),
        (
            "coupons",
            json!({"certificate_id": "6f9619ff-8b86-4011-b42d-00c04fc964ff"}),
            "certificate_id",
            "certificate",
        ),
        (
            "coupons",
            json!({"associated_store_identifiers": ["abc"]}),
            "associated_store_identifiers",
            "integers",
        ),
        (
            "coupons",
            json!({"user_info": "text"}),
            "user_info",
            "object",
        ),
        (
            "coupons",
            json!({"primary_fields": [{"key": "a"}], "back_fields": [{"key": "a"}]}),
            "back_fields",
            "more than once",
        ),
        (
            "coupons",
            json!({"primary_fields": [{"label": "no key"}]}),
            "primary_fields",
            "key can't be blank",
        ),
        (
            "coupons",
            json!({"header_fields": [{"key": "k", "behaviour": "sometimes"}]}),
            "header_fields",
            "fixed, dynamic",
        ),
        (
            "coupons",
            json!({"header_fields": {"key": "k"}}),
            "header_fields",
            "array",
        ),
        (
            "coupons",
            json!({"logo_text": long}),
            "logo_text",
            "too long",
        ),
        (
            "coupons",
            json!({"organization_name": long}),
            "organization_name",
            "too long",
        ),
        (
            "coupons",
            json!({"template_id": "6f9619ff-8b86-4011-b42d-00c04fc964ff"}),
            "template_id",
            "template",
        ),
        (
            "coupons",
            json!({"allow_multiple_redeems": "maybe"}),
            "allow_multiple_redeems",
            "true or false",
        ),
        (
            "coupons",
            json!({"sync_locations_on_merge": 7}),
            "sync_locations_on_merge",
            "true or false",
        ),
    ];
    for (path, inner, attr, expected) in cases {
        let r = bad(path, inner.clone()).await;
        let m = msg(&r, attr);
        assert!(
            m.contains(expected),
            "{path} {inner}: {attr} says {m:?}, expected {expected:?}"
        );
    }
    // name taken within account and type; free across types and accounts
    coupon(&alice, "Taken", &a.icon, json!({})).await;
    let r = alice
        .post("/coupons", minimal("coupons", "Taken", &a.icon))
        .await
        .expect(422);
    assert_eq!(msg(&r, "name"), "has already been taken");
    alice
        .post("/generics", minimal("generics", "Taken", &a.icon))
        .await
        .expect(201);
    bob.post("/coupons", minimal("coupons", "Taken", &bobs_icon))
        .await
        .expect(201);
    // template of another pass type
    let sc = alice
        .post("/store_cards", minimal("store_cards", "Card", &a.icon))
        .await
        .expect(201)
        .body;
    let r = alice
        .post(
            "/coupons",
            json!({"coupon": {"name": "X", "template_id": sc["template_id"]}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "template_id").contains("coupon"));
    // update validation and nothing half-written
    let id = coupon(&alice, "Update me", &a.icon, json!({})).await;
    let r = alice
        .patch(&format!("/coupons/{id}"), json!({"coupon": {"name": "Taken", "background_color": "#000000", "max_distance": 500}}))
        .await
        .expect(422);
    assert_eq!(msg(&r, "name"), "has already been taken");
    assert!(r.body["errors"]["max_distance"].is_array());
    let c = alice.get(&format!("/coupons/{id}")).await.expect(200).body;
    assert_eq!(c["name"], "Update me");
    assert_eq!(c["background_color"], Value::Null);
    // malformed bodies
    alice
        .post("/coupons", json!({"generic": {"name": "wrong root"}}))
        .await
        .expect(400);
    let r = common::Client::finish(
        alice
            .request(reqwest::Method::POST, "/coupons")
            .header("content-type", "application/json")
            .body("{\"coupon\": "),
    )
    .await;
    assert_eq!(r.status.as_u16(), 400);
    // the shared development certificate (account NULL) is visible
    let shared: Option<String> =
        sqlx::query_scalar("SELECT id FROM certificates WHERE account_id IS NULL LIMIT 1")
            .fetch_optional(&server.running.state.db.pool)
            .await
            .unwrap();
    if let Some(cert) = shared {
        let r = alice
            .post(
                "/coupons",
                json!({"coupon": {"name": "Signed", "icon_id": a.icon, "certificate_id": cert}}),
            )
            .await
            .expect(201);
        assert_eq!(r.body["certificate_id"], cert.as_str());
    }
    server.stop().await;
}
both_backends!(validation_errors);

async fn delete_removes_passes(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let id = coupon(&alice, "Doomed", &icon, json!({})).await;
    let pid = alice
        .post_empty(&format!("/coupons/{id}/passes"))
        .await
        .expect(201)
        .id();
    let r = alice.delete(&format!("/coupons/{id}")).await.expect(200);
    assert_eq!(r.body, json!({"errors": []}));
    alice.get(&format!("/coupons/{id}")).await.expect(404);
    alice
        .get(&format!("/coupons/{id}/passes/{pid}"))
        .await
        .expect(404);
    alice.delete(&format!("/coupons/{id}")).await.expect(404);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM passes WHERE id = $1")
        .bind(&pid)
        .fetch_one(&server.running.state.db.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    alice.delete("/coupons/not-a-uuid").await.expect(404);
    server.stop().await;
}
both_backends!(delete_removes_passes);

async fn merge_applies_the_campaign(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let id = coupon(
        &alice,
        "Merge",
        &icon,
        json!({
            "primary_fields": [{"key": "date", "label": "Date", "value": "May 1"}],
            "secondary_fields": [{"key": "holder", "label": "Name", "value": "", "behaviour": "dynamic"}],
            "locations": [{"latitude": 1, "longitude": 1}]
        }),
    )
    .await;
    let r = alice
        .post_empty(&format!("/coupons/{id}/merge"))
        .await
        .expect(200);
    assert_eq!(
        r.body["message"],
        "There are no passes to update for campaign 'Merge'."
    );
    let pass = alice
        .post(
            &format!("/coupons/{id}/passes"),
            json!({"pass": {"secondary_fields": [{"key": "holder", "value": "Ana"}], "primary_fields": [{"key": "date", "value": "custom"}]}}),
        )
        .await
        .expect(201)
        .body;
    let pid = pass["id"].as_str().unwrap();
    assert_eq!(pass["primary_fields"][0]["value"], "custom");
    // campaign changes: fixed value, dynamic label, new field, locations
    alice
        .patch(
            &format!("/coupons/{id}"),
            json!({"coupon": {
                "primary_fields": [{"key": "date", "label": "Date", "value": "May 2"}],
                "secondary_fields": [{"key": "holder", "label": "Holder", "value": "?", "behaviour": "dynamic"}],
                "back_fields": [{"key": "terms", "label": "Terms", "value": "New terms"}],
                "locations": [{"latitude": 2, "longitude": 2}],
                "beacons": [{"proximity_uuid": "E2C56DB5-DFFB-48D2-B060-D0F5A71096E0"}]
            }}),
        )
        .await
        .expect(200);
    // no merge yet: the pass is unchanged
    let before = alice
        .get(&format!("/coupons/{id}/passes/{pid}"))
        .await
        .expect(200)
        .body;
    assert_eq!(before["primary_fields"][0]["value"], "custom");
    let r = alice
        .post(
            &format!("/coupons/{id}/merge"),
            json!({"push_message": "Updated!"}),
        )
        .await
        .expect(200);
    assert!(r.body["message"].as_str().unwrap().contains("Merge"));
    let after = wait_for(&alice, &format!("/coupons/{id}/passes/{pid}"), |b| {
        b["primary_fields"][0]["value"] == "May 2"
    })
    .await;
    assert_eq!(after["secondary_fields"][0]["value"], "Ana");
    assert_eq!(after["secondary_fields"][0]["label"], "Holder");
    assert_eq!(after["back_fields"][0]["value"], "New terms");
    assert_eq!(after["locations"][0]["latitude"], 2.0);
    assert_eq!(after["beacons"].as_array().unwrap().len(), 1);
    // with the sync flags off, locations and beacons stay
    alice
        .patch(
            &format!("/coupons/{id}"),
            json!({"coupon": {"sync_locations_on_merge": false, "sync_beacons_on_merge": false,
                "locations": [{"latitude": 3, "longitude": 3}], "beacons": [],
                "primary_fields": [{"key": "date", "label": "Date", "value": "May 3"}]}}),
        )
        .await
        .expect(200);
    alice
        .post(
            &format!("/coupons/{id}/merge"),
            json!({"coupon": {"push_message": "x"}}),
        )
        .await
        .expect(200);
    let after = wait_for(&alice, &format!("/coupons/{id}/passes/{pid}"), |b| {
        b["primary_fields"][0]["value"] == "May 3"
    })
    .await;
    assert_eq!(after["locations"][0]["latitude"], 2.0);
    assert_eq!(after["beacons"].as_array().unwrap().len(), 1);
    // push: accepted, never changes pass data
    let r = alice
        .post(
            &format!("/coupons/{id}/push"),
            json!({"coupon": {"push_message": "Hi"}}),
        )
        .await
        .expect(200);
    assert!(r.body["message"].is_string());
    alice
        .post_empty(&format!("/coupons/{id}/push"))
        .await
        .expect(200);
    let same = alice
        .get(&format!("/coupons/{id}/passes/{pid}"))
        .await
        .expect(200)
        .body;
    assert_eq!(same, after);
    server.stop().await;
}
both_backends!(merge_applies_the_campaign);

async fn campaign_collections(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let mut ids = Vec::new();
    for i in 0..52 {
        let name = format!("Campaign {i:02}");
        ids.push(coupon(&alice, &name, &icon, json!({})).await);
    }
    // generics don't show up in coupons
    alice
        .post("/generics", minimal("generics", "Other type", &icon))
        .await
        .expect(201);
    let r = alice.get("/coupons").await.expect(200);
    assert_eq!(r.body.as_array().unwrap().len(), 25);
    assert_eq!(r.header("x-total"), "52");
    assert_eq!(r.header("x-total-pages"), "3");
    assert_eq!(r.header("x-page"), "1");
    assert_eq!(r.header("x-per-page"), "25");
    assert_eq!(r.header("x-next-page"), "2");
    assert_eq!(r.header("x-prev-page"), "");
    assert_eq!(r.header("x-offset"), "0");
    assert_eq!(r.body[0]["name"], "Campaign 00");
    let r = alice.get("/coupons?page=3").await.expect(200);
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    assert_eq!(r.header("x-next-page"), "");
    assert_eq!(r.header("x-prev-page"), "2");
    assert_eq!(r.header("x-offset"), "50");
    let r = alice.get("/coupons?page=4").await.expect(200);
    assert_eq!(r.body, json!([]));
    assert_eq!(r.header("x-total"), "52");
    assert_eq!(r.header("x-page"), "4");
    let r = alice.get("/coupons?per_page=1").await.expect(200);
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert_eq!(r.header("x-total-pages"), "52");
    assert_eq!(
        alice
            .get("/coupons?per_page=50")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        50
    );
    let r = alice.get("/coupons?per_page=51").await;
    assert_eq!(r.body.as_array().unwrap().len(), 50);
    assert_eq!(r.header("x-per-page"), "50");
    let r = alice.get("/coupons?page=0").await;
    assert_eq!(r.header("x-page"), "1");
    assert_eq!(r.body[0]["name"], "Campaign 00");
    // predicates
    let count = |q: &str| {
        let alice = alice.clone();
        let q = q.to_string();
        async move {
            alice
                .get(&format!("/coupons?per_page=50&{q}"))
                .await
                .expect(200)
                .header("x-total")
                .parse::<i64>()
                .unwrap()
        }
    };
    assert_eq!(count("q[name_eq]=Campaign%2007").await, 1);
    assert_eq!(count("q[name_not_eq]=Campaign%2007").await, 51);
    assert_eq!(count("q[name_matches]=Campaign%201%25").await, 10);
    assert_eq!(count("q[name_match]=Campaign%201%25").await, 10);
    assert_eq!(count("q[name_lt]=Campaign%2010").await, 10);
    assert_eq!(count("q[name_lteq]=Campaign%2010").await, 11);
    assert_eq!(count("q[name_gt]=Campaign%2049").await, 2);
    assert_eq!(count("q[name_gteq]=Campaign%2049").await, 3);
    assert_eq!(count("q[name_cont]=aign%205").await, 2);
    assert_eq!(count("q[name_cont]=AIGN%205").await, 2);
    assert_eq!(count("q[state_eq]=published").await, 52);
    assert_eq!(count("q[passes_count_eq]=0").await, 52);
    assert_eq!(count("q[unknown_eq]=x").await, 52);
    assert_eq!(count("q[created_at_gt]=2000-01-01").await, 52);
    assert_eq!(
        count("q[name_eq]=Campaign%2007&q[redeemed_count_eq]=0").await,
        1
    );
    // ordering both ways
    let r = alice
        .get("/coupons?q[s]=name+desc&per_page=2")
        .await
        .expect(200);
    assert_eq!(r.body[0]["name"], "Campaign 51");
    assert_eq!(r.body[1]["name"], "Campaign 50");
    let r = alice
        .get("/coupons?q[s]=name+asc&per_page=2&page=2")
        .await
        .expect(200);
    assert_eq!(r.body[0]["name"], "Campaign 02");
    let r = alice
        .get("/coupons?q[s]=created_at+desc&q[name_cont]=0&per_page=1")
        .await
        .expect(200);
    assert_eq!(r.body[0]["name"], "Campaign 50");
    server.stop().await;
}
both_backends!(campaign_collections);

async fn reports_and_registrations(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let icon = asset(&server, &alice, "icon").await;
    let id = coupon(&alice, "Reported", &icon, json!({})).await;
    let pool = &server.running.state.db.pool;
    for (day, counter, value) in [
        ("2014-09-01", "creates_count", 3),
        ("2014-09-01", "installs_count", 2),
        ("2014-09-01", "installs_ios", 1),
        ("2014-09-01", "installs_android", 1),
        ("2014-09-03", "redeems_count", 5),
        ("2014-09-03", "uninstalls_ios", 1),
        ("2014-09-03", "uninstalls_count", 1),
        ("2014-10-10", "views_count", 7),
    ] {
        sqlx::query(
            "INSERT INTO report_daily (campaign_id, day, counter, value) VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(day)
        .bind(counter)
        .bind(value as i64)
        .execute(pool)
        .await
        .unwrap();
    }
    let base = format!("/coupons/{id}/reports");
    let r = alice
        .get(&format!("{base}?start_date=2014-09-01&end_date=2014-09-03"))
        .await
        .expect(200)
        .body;
    assert_eq!(r["campaign_id"], id.as_str());
    assert_eq!(r["start_date"], "2014-09-01");
    assert_eq!(r["end_date"], "2014-09-03");
    let days = r["report"].as_object().unwrap();
    assert_eq!(days.len(), 3);
    assert_eq!(r["report"]["2014-09-01"]["creates_count"], 3);
    assert_eq!(
        r["report"]["2014-09-01"]["i"],
        json!({"ios": 1, "android": 1, "wp": 0, "google_wallet": 0})
    );
    assert_eq!(r["report"]["2014-09-02"]["creates_count"], 0);
    assert_eq!(
        r["report"]["2014-09-02"]["u"],
        json!({"ios": 0, "android": 0, "wp": 0, "google_wallet": 0})
    );
    assert_eq!(r["report"]["2014-09-03"]["redeems_count"], 5);
    for k in [
        "creates_count",
        "downloads_count",
        "views_count",
        "installs_count",
        "uninstalls_count",
        "fetches_count",
        "redeems_count",
        "expires_count",
        "pushes_count",
        "updates_count",
        "webhooks_count",
        "api_calls_count",
        "distribution_updates_count",
        "active_count",
        "removed_count",
        "i",
        "u",
    ] {
        assert!(r["report"]["2014-09-02"].get(k).is_some(), "missing {k}");
    }
    // defaults: one month back to today
    let r = alice.get(&base).await.expect(200).body;
    let n = r["report"].as_object().unwrap().len();
    assert!((29..=32).contains(&n), "{n} days");
    // strict dates
    for q in [
        "start_date=2014-02-30",
        "start_date=2014-2-3",
        "start_date=yesterday",
        "start_date=2014-09-01T00:00:00Z",
    ] {
        let r = alice.get(&format!("{base}?{q}")).await.expect(400);
        assert_eq!(msg(&r, "start_date"), "is not a valid date (YYYY-MM-DD)");
    }
    let r = alice
        .get(&format!("{base}?start_date=2014-09-01&end_date=2014-13-01"))
        .await
        .expect(400);
    assert_eq!(msg(&r, "end_date"), "is not a valid date (YYYY-MM-DD)");
    let r = alice
        .get(&format!("{base}?start_date=2014-09-05&end_date=2014-09-01"))
        .await
        .expect(400);
    assert!(r.body["errors"]["end_date"][0].is_string());
    // totals
    let t = alice.get(&format!("{base}/totals")).await.expect(200).body;
    assert_eq!(t["campaign_id"], id.as_str());
    assert_eq!(t["report"]["creates_count"], 3);
    assert_eq!(t["report"]["views_count"], 7);
    assert_eq!(
        t["report"]["apple"],
        json!({"installs_count": 1, "uninstalls_count": 1})
    );
    assert_eq!(
        t["report"]["android"],
        json!({"installs_count": 1, "uninstalls_count": 0})
    );
    assert!(t["report"].get("i").is_none());

    // registrations (rows written by the PassKit web service; inserted directly here)
    let p1 = alice
        .post_empty(&format!("/coupons/{id}/passes"))
        .await
        .expect(201)
        .id();
    let p2 = alice
        .post_empty(&format!("/coupons/{id}/passes"))
        .await
        .expect(201)
        .id();
    let account = alice.get("/account").await.id();
    for (i, (pass, wallet, os, at)) in [
        (&p1, "passbook", "ios", "2014-09-01T10:00:00.000000Z"),
        (
            &p1,
            "wallet_passes",
            "android",
            "2014-09-02T10:00:00.000000Z",
        ),
        (&p2, "passbook", "ios", "2014-09-03T10:00:00.000000Z"),
    ]
    .into_iter()
    .enumerate()
    {
        sqlx::query(
            "INSERT INTO registrations (id, account_id, campaign_id, pass_id, device_library_id, push_token, wallet, device_os, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'tok', $6, $7, $8, $8)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&account)
        .bind(&id)
        .bind(pass)
        .bind(format!("device{i}"))
        .bind(wallet)
        .bind(os)
        .bind(at)
        .execute(pool)
        .await
        .unwrap();
    }
    let r = alice
        .get(&format!("/coupons/{id}/registrations"))
        .await
        .expect(200);
    assert_eq!(r.header("x-total"), "3");
    let first = &r.body[0];
    for k in ["id", "pass_id", "wallet", "device_os", "created_at"] {
        assert!(first[k].is_string(), "{k}");
    }
    let total = |q: &str| {
        let alice = alice.clone();
        let path = format!("/coupons/{id}/registrations?{q}");
        async move { alice.get(&path).await.expect(200).header("x-total") }
    };
    assert_eq!(total("q[wallet_eq]=passbook").await, "2");
    assert_eq!(total("q[device_os_not_eq]=ios").await, "1");
    assert_eq!(total(&format!("q[pass_id_eq]={p1}")).await, "2");
    assert_eq!(total("q[created_at_gteq]=2014-09-02").await, "2");
    let r = alice
        .get(&format!("/coupons/{id}/registrations?q[s]=created_at+desc"))
        .await;
    assert_eq!(r.body[0]["pass_id"], p2.as_str());
    let r = alice
        .get(&format!("/coupons/{id}/passes/{p1}/registrations"))
        .await
        .expect(200);
    assert_eq!(r.header("x-total"), "2");
    server.stop().await;
}
both_backends!(reports_and_registrations);

async fn other_accounts_get_404_everywhere(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let mallory = server.account("Mallory").await;
    let a = assets(&server, &alice).await;
    let c = alice
        .post("/coupons", paw_planet_coupon(&a))
        .await
        .expect(201)
        .body;
    let cid = c["id"].as_str().unwrap();
    let tid = c["template_id"].as_str().unwrap();
    let pid = alice
        .post_empty(&format!("/coupons/{cid}/passes"))
        .await
        .expect(201)
        .id();
    let code = alice
        .get(&format!("/coupons/{cid}/passes/{pid}"))
        .await
        .body["redeem_code"]
        .as_str()
        .unwrap()
        .to_string();
    let cp = format!("/coupons/{cid}");
    let pp = format!("{cp}/passes/{pid}");
    let gets = [
        cp.clone(),
        format!("{cp}/passes"),
        format!("{cp}/redeem/{code}"),
        format!("{cp}/redeems"),
        format!("{cp}/registrations"),
        format!("{cp}/reports"),
        format!("{cp}/reports/totals"),
        pp.clone(),
        format!("{pp}/registrations"),
        format!("{pp}/redeems"),
        format!("/templates/{tid}"),
        format!("/remote_forms/{cid}/fields"),
        // the right id under the wrong type is also 404
        format!("/generics/{cid}"),
        format!("/store_cards/{cid}/passes/{pid}"),
    ];
    for path in &gets {
        mallory.get(path).await.expect(404);
    }
    for path in [
        format!("{cp}/merge"),
        format!("{cp}/push"),
        format!("{cp}/pause"),
        format!("{cp}/resume"),
        format!("{cp}/archive"),
        format!("{cp}/passes"),
        format!("{pp}/push"),
        format!("{pp}/redeem"),
        format!("{pp}/reset_redeem"),
    ] {
        mallory.post_empty(&path).await.expect(404);
    }
    mallory
        .post(
            &format!("{cp}/redeem"),
            json!({"pass": {"redeem_code": code}}),
        )
        .await
        .expect(404);
    mallory
        .post(&format!("/remote_forms/{cid}/submit"), json!({}))
        .await
        .expect(404);
    mallory
        .patch(&cp, json!({"coupon": {"name": "Mine"}}))
        .await
        .expect(404);
    mallory
        .put(&cp, json!({"coupon": {"name": "Mine"}}))
        .await
        .expect(404);
    mallory
        .patch(&pp, json!({"pass": {"voided": true}}))
        .await
        .expect(404);
    mallory.delete(&pp).await.expect(404);
    mallory.delete(&cp).await.expect(404);
    mallory
        .delete(&format!("/templates/{tid}"))
        .await
        .expect(404);
    // Mallory can't use Alice's template or assets either
    let r = mallory
        .post(
            "/coupons",
            json!({"coupon": {"name": "Copy", "template_id": tid}}),
        )
        .await
        .expect(422);
    assert!(r.body["errors"]["template_id"].is_array());
    assert_eq!(mallory.get("/coupons").await.body, json!([]));
    assert_eq!(mallory.get("/templates").await.body, json!([]));
    // still all there for Alice
    alice.get(&pp).await.expect(200);
    assert_eq!(alice.get(&cp).await.body["name"], "Paw Planet");
    server.stop().await;
}
both_backends!(other_accounts_get_404_everywhere);
