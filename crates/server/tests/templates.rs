//! Templates over real HTTP (§11.1): create with validation, get, list, delete with the
//! in-use refusal and the all-or-nothing `delete_assets` rule.

mod common;
mod pw_fixtures;

use common::{Backend, TestServer};
use pw_fixtures::*;
use serde_json::{json, Value};

const TEMPLATE_KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "pass_type",
    "transit_type",
    "logo_text",
    "background_color",
    "text_color",
    "label_color",
    "barcode",
    "source",
    "icon_id",
    "logo_id",
    "strip_id",
    "thumbnail_id",
    "background_id",
    "footer_id",
];

async fn create_get_list(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    let body = json!({"template": {
        "name": "Cocacola",
        "description": "Red and white",
        "pass_type": "storeCard",
        "icon_id": a.icon,
        "logo_id": a.logo,
        "strip_id": a.strip,
        "logo_text": "Coca-Cola",
        "background_color": "#F40009",
        "text_color": "#ffffff",
        "label_color": "#ffffff",
        "barcode": {"format": "ean128"}
    }});
    let r = alice.post("/templates", body).await.expect(201).body;
    has_keys(&r, TEMPLATE_KEYS);
    let t: passworks_wire::Template = serde_json::from_value(r.clone()).unwrap();
    assert_eq!(t.pass_type.as_str(), "storeCard");
    assert_eq!(t.source, "api");
    assert_eq!(t.background_color.as_deref(), Some("#f40009"));
    assert_eq!(t.barcode.format.as_str(), "ean128");
    assert_eq!(t.barcode.alt_text_type, "mirror");
    assert!(t.transit_type.is_none());
    assert_eq!(
        alice
            .get(&format!("/templates/{}", t.id))
            .await
            .expect(200)
            .body,
        r
    );
    // snake_case pass types, boarding pass needs a transit type
    let r = alice
        .post("/templates", json!({"template": {"name": "Train", "pass_type": "boarding_pass", "transit_type": "train", "icon_id": a.icon, "footer_id": a.footer}}))
        .await
        .expect(201);
    assert_eq!(r.body["pass_type"], "boardingPass");
    assert_eq!(r.body["transit_type"], "train");
    // a campaign can use it
    let c = alice
        .post(
            "/boarding_passes",
            json!({"boarding_pass": {"name": "Night train", "template_id": r.id()}}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(c["template_id"], r.id().as_str());
    assert_eq!(c["transit_type"], "train");
    assert_eq!(c["footer_id"], a.footer.as_str());
    // list, paginated
    for i in 0..3 {
        alice
            .post("/templates", json!({"template": {"name": format!("T{i}"), "pass_type": "generic", "icon_id": a.icon}}))
            .await
            .expect(201);
    }
    let r = alice.get("/templates?per_page=2").await.expect(200);
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    assert_eq!(r.header("x-total"), "5"); // the campaign used the given template: none generated
    server.stop().await;
}
both_backends!(create_get_list);

async fn template_validation(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let bob = server.account("Bob").await;
    let a = assets(&server, &alice).await;
    let bobs = asset(&server, &bob, "icon").await;
    let base = |extra: Value| {
        let mut t = json!({"name": "T", "pass_type": "coupon", "icon_id": a.icon});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                t.as_object_mut().unwrap().remove(k);
            } else {
                t[k] = v.clone();
            }
        }
        json!({ "template": t })
    };
    for (extra, attr, expected) in [
        (json!({"name": null}), "name", "can't be blank"),
        (json!({"name": ""}), "name", "can't be blank"),
        (json!({"name": "x".repeat(256)}), "name", "too long"),
        (json!({"pass_type": null}), "pass_type", "can't be blank"),
        (json!({"pass_type": "ticket"}), "pass_type", "boardingPass"),
        (
            json!({"pass_type": "boardingPass"}),
            "transit_type",
            "can't be blank",
        ),
        (
            json!({"pass_type": "boardingPass", "transit_type": "zeppelin"}),
            "transit_type",
            "air",
        ),
        (
            json!({"transit_type": "air"}),
            "transit_type",
            "only allowed",
        ),
        (json!({"icon_id": null}), "icon_id", "can't be blank"),
        (json!({"icon_id": a.logo}), "icon_id", "type icon"),
        (json!({"icon_id": bobs}), "icon_id", "asset"),
        (json!({"strip_id": a.thumbnail}), "strip_id", "type strip"),
        (
            json!({"background_color": "#GGGGGG"}),
            "background_color",
            "#rrggbb",
        ),
        (json!({"barcode": {"format": "upc"}}), "barcode", "qrcode"),
    ] {
        let r = alice
            .post("/templates", base(extra.clone()))
            .await
            .expect(422);
        let m = msg(&r, attr);
        assert!(m.contains(expected), "{extra}: {m}");
    }
    alice.post("/templates", base(json!({}))).await.expect(201);
    let r = alice.post("/templates", base(json!({}))).await.expect(422);
    assert_eq!(msg(&r, "name"), "has already been taken");
    alice
        .post("/templates", json!({"name": "flat"}))
        .await
        .expect(400);
    server.stop().await;
}
both_backends!(template_validation);

async fn delete_rules(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    let mk = |name: &str, icon: &str, logo: &str| json!({"template": {"name": name, "pass_type": "generic", "icon_id": icon, "logo_id": logo}});
    // in use by a campaign → 412
    let used = alice
        .post("/templates", mk("Used", &a.icon, &a.logo))
        .await
        .expect(201)
        .id();
    let cid = alice
        .post(
            "/generics",
            json!({"generic": {"name": "User", "template_id": used}}),
        )
        .await
        .expect(201)
        .id();
    let r = alice
        .delete(&format!("/templates/{used}"))
        .await
        .expect(412);
    assert!(msg(&r, "template").contains("User"));
    alice.delete(&format!("/generics/{cid}")).await.expect(200);
    // shared assets: delete_assets=true deletes none of them (all-or-nothing)
    let other = alice
        .post("/templates", mk("Other", &a.icon, &a.strip.clone()))
        .await;
    assert_eq!(other.status.as_u16(), 422); // strip is not a logo
    let own_logo = asset(&server, &alice, "logo").await;
    alice
        .post("/templates", mk("Other", &a.icon, &own_logo))
        .await
        .expect(201);
    let r = alice
        .send(
            reqwest::Method::DELETE,
            &format!("/templates/{used}"),
            Some(json!({"template": {"delete_assets": true}})),
        )
        .await
        .expect(200);
    assert_eq!(r.body, json!({"errors": []}));
    alice.get(&format!("/templates/{used}")).await.expect(404);
    let remaining: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assets WHERE id = $1 OR id = $2")
        .bind(&a.icon)
        .bind(&a.logo)
        .fetch_one(&server.running.state.db.pool)
        .await
        .unwrap();
    assert_eq!(
        remaining, 2,
        "icon is shared with 'Other', so neither asset is deleted"
    );
    // exclusive assets, delete_assets as a string in the query: deleted
    let icon2 = asset(&server, &alice, "icon").await;
    let logo2 = asset(&server, &alice, "logo").await;
    let solo = alice
        .post("/templates", mk("Solo", &icon2, &logo2))
        .await
        .expect(201)
        .id();
    alice
        .delete(&format!("/templates/{solo}?delete_assets=true"))
        .await
        .expect(200);
    let remaining: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assets WHERE id = $1 OR id = $2")
        .bind(&icon2)
        .bind(&logo2)
        .fetch_one(&server.running.state.db.pool)
        .await
        .unwrap();
    assert_eq!(remaining, 0);
    // default false keeps assets
    let icon3 = asset(&server, &alice, "icon").await;
    let keep = alice
        .post("/templates", mk("Keep", &icon3, &logo2.clone()))
        .await;
    assert_eq!(keep.status.as_u16(), 422); // logo2 is gone
    let keep = alice
        .post(
            "/templates",
            json!({"template": {"name": "Keep", "pass_type": "generic", "icon_id": icon3}}),
        )
        .await
        .expect(201)
        .id();
    alice
        .send(
            reqwest::Method::DELETE,
            &format!("/templates/{keep}"),
            Some(json!({"template": {"delete_assets": "false"}})),
        )
        .await
        .expect(200);
    let remaining: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assets WHERE id = $1")
        .bind(&icon3)
        .fetch_one(&server.running.state.db.pool)
        .await
        .unwrap();
    assert_eq!(remaining, 1);
    let r = alice
        .send(
            reqwest::Method::DELETE,
            &format!("/templates/{}", uuid::Uuid::new_v4()),
            None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 404);
    alice.delete("/templates/zzz").await.expect(404);
    // a generated template's assets are recorded in template_assets
    let c = alice
        .post("/coupons", paw_planet_coupon(&a))
        .await
        .expect(201)
        .body;
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM template_assets WHERE template_id = $1")
            .bind(c["template_id"].as_str().unwrap())
            .fetch_one(&server.running.state.db.pool)
            .await
            .unwrap();
    assert_eq!(rows, 3);
    server.stop().await;
}
both_backends!(delete_rules);
