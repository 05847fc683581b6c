//! Fixtures shared by the campaign, pass and template suites: asset uploads, realistic
//! example bodies for the five campaign types, and shape checks against the wire types.
#![allow(dead_code)]

use crate::common::{Client, Resp, TestServer};
use base64::Engine;
use serde_json::{json, Value};

/// A 1×1 PNG.
const PNG_1X1: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/// Uploads a PNG asset of `asset_type` through `POST /v2/assets` (multipart built by hand);
/// falls back to inserting the row directly when the upload route is not available.
pub async fn asset(server: &TestServer, client: &Client, asset_type: &str) -> String {
    let png = base64::engine::general_purpose::STANDARD
        .decode(PNG_1X1)
        .unwrap();
    let boundary = "pwfixtureboundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"asset[asset_type]\"\r\n\r\n{asset_type}\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"asset[file]\"; filename=\"{asset_type}.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&png);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = Client::finish(
        client
            .request(reqwest::Method::POST, "/assets")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body),
    )
    .await;
    if r.status.as_u16() == 201 {
        return r.id();
    }
    assert_eq!(r.status.as_u16(), 404, "asset upload failed: {}", r.body);
    // Upload route not there (yet): insert the row for the signed-in account.
    let account: String = {
        let me = client.get("/account").await.expect(200);
        me.id()
    };
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO assets (id, account_id, asset_type, width, height, sha1, png, created_at) \
         VALUES ($1, $2, $3, 1, 1, 'x', $4, '2024-01-01T00:00:00.000000Z')",
    )
    .bind(&id)
    .bind(&account)
    .bind(asset_type)
    .bind(png)
    .execute(&server.running.state.db.pool)
    .await
    .expect("insert asset");
    id
}

/// Assets of every type for one account.
pub struct Assets {
    pub icon: String,
    pub logo: String,
    pub strip: String,
    pub thumbnail: String,
    pub background: String,
    pub footer: String,
}

/// Uploads one asset of each type.
pub async fn assets(server: &TestServer, client: &Client) -> Assets {
    Assets {
        icon: asset(server, client, "icon").await,
        logo: asset(server, client, "logo").await,
        strip: asset(server, client, "strip").await,
        thumbnail: asset(server, client, "thumbnail").await,
        background: asset(server, client, "background").await,
        footer: asset(server, client, "footer").await,
    }
}

/// The Paw Planet coupon (the contract's coupon example, with `foreground_color` and
/// `sequencial` as the source sends them).
pub fn paw_planet_coupon(a: &Assets) -> Value {
    json!({"coupon": {
        "name": "Paw Planet",
        "icon_id": a.icon,
        "logo_id": a.logo,
        "strip_id": a.strip,
        "logo_text": "Paw Planet",
        "background_color": "#ce8c46",
        "foreground_color": "#ffffff",
        "label_color": "#5b3a1c",
        "barcode": {"format": "qrcode"},
        "code_type": "sequencial",
        "primary_fields": [{"key": "offer", "label": "Any dog toy", "value": "20% off", "behaviour": "fixed"}],
        "secondary_fields": [{"key": "expires", "label": "Valid until", "value": "2014-12-31"}],
        "auxiliary_fields": [{"key": "holder", "label": "Name", "value": "", "behaviour": "dynamic"}],
        "back_fields": [{"key": "terms", "label": "Terms", "value": "One coupon per customer."}],
        "locations": [{"latitude": "38.7223", "longitude": "-9.1393", "relevant_text": "Paw Planet is around the corner"}],
        "max_distance": 50,
        "allow_multiple_redeems": false,
        "gwallet_usage": true
    }})
}

/// The Skyport Airways boarding pass.
pub fn skyport_boarding_pass(a: &Assets) -> Value {
    json!({"boarding_pass": {
        "name": "Skyport Airways SK 1234",
        "icon_id": a.icon,
        "logo_id": a.logo,
        "footer_id": a.footer,
        "transit_type": "air",
        "background_color": "#1f4e79",
        "text_color": "#ffffff",
        "label_color": "#c9daf8",
        "barcode": {"format": "pdf417"},
        "header_fields": [{"key": "gate", "label": "Gate", "value": "B12"}],
        "primary_fields": [
            {"key": "from", "label": "Lisbon", "value": "LIS"},
            {"key": "to", "label": "New York", "value": "JFK"}
        ],
        "secondary_fields": [{"key": "passenger", "label": "Passenger", "value": "", "behaviour": "dynamic"}],
        "auxiliary_fields": [
            {"key": "seat", "label": "Seat", "value": "", "behaviour": "dynamic"},
            {"key": "boarding", "label": "Boarding", "value": "10:35"}
        ],
        "relevant_date": "2014-09-22T20:51:53Z",
        "beacons": [{"proximity_uuid": "E2C56DB5-DFFB-48D2-B060-D0F5A71096E0", "major": 1, "minor": 2, "relevant_text": "Welcome aboard"}],
        "code_type": "per_pass"
    }})
}

/// A store card (loyalty).
pub fn store_card(a: &Assets) -> Value {
    json!({"store_card": {
        "name": "Bean There Loyalty",
        "description": "Bean There coffee loyalty card",
        "icon_id": a.icon,
        "logo_id": a.logo,
        "strip_id": a.strip,
        "background_color": "#3e2723",
        "text_color": "#ffffff",
        "primary_fields": [{"key": "points", "label": "Points", "value": 0, "behaviour": "dynamic"}],
        "secondary_fields": [{"key": "member", "label": "Member", "value": "", "behaviour": "dynamic"}],
        "back_fields": [{"key": "website", "label": "Website", "value": "https://beanthere.example.com"}],
        "associated_store_identifiers": [284882215],
        "allow_multiple_redeems": true
    }})
}

/// An event ticket.
pub fn event_ticket(a: &Assets) -> Value {
    json!({"event_ticket": {
        "name": "Lisbon Jazz Night 2014",
        "icon_id": a.icon,
        "logo_id": a.logo,
        "background_id": a.background,
        "thumbnail_id": a.thumbnail,
        "background_color": "#000000",
        "barcode": {"format": "aztec"},
        "primary_fields": [{"key": "event", "label": "Event", "value": "Jazz Night"}],
        "secondary_fields": [{"key": "venue", "label": "Venue", "value": "Coliseu"}],
        "auxiliary_fields": [{"key": "seat", "label": "Seat", "value": "", "behaviour": "dynamic"}],
        "relevant_date": "2014-10-01T21:00:00+01:00",
        "max_distance": 1000,
        "expiration_date": "2014-10-02T04:00:00Z"
    }})
}

/// A generic pass (business card).
pub fn generic(a: &Assets) -> Value {
    json!({"generic": {
        "name": "ACME Business Card",
        "icon_id": a.icon,
        "logo_id": a.logo,
        "thumbnail_id": a.thumbnail,
        "primary_fields": [{"key": "name", "label": "Name", "value": "", "behaviour": "dynamic"}],
        "secondary_fields": [{"key": "title", "label": "Title", "value": "", "behaviour": "dynamic"}],
        "back_fields": [{"key": "phone", "label": "Phone", "value": "+351 210 000 000"}],
        "user_info": {"crm_id": 42},
        "code_type": "fixed",
        "code_fixed_value": "ACME-2014"
    }})
}

/// The example body of `path` (`coupons`, …).
pub fn example(path: &str, a: &Assets) -> Value {
    match path {
        "coupons" => paw_planet_coupon(a),
        "store_cards" => store_card(a),
        "event_tickets" => event_ticket(a),
        "boarding_passes" => skyport_boarding_pass(a),
        _ => generic(a),
    }
}

/// Root key of `path`.
pub fn root(path: &str) -> &'static str {
    match path {
        "coupons" => "coupon",
        "store_cards" => "store_card",
        "event_tickets" => "event_ticket",
        "boarding_passes" => "boarding_pass",
        _ => "generic",
    }
}

/// The five type paths.
pub const TYPES: [&str; 5] = [
    "coupons",
    "store_cards",
    "event_tickets",
    "boarding_passes",
    "generics",
];

/// A minimal valid body for a campaign of `path` named `name`.
pub fn minimal(path: &str, name: &str, icon: &str) -> Value {
    let mut inner = json!({"name": name, "icon_id": icon});
    if path == "boarding_passes" {
        inner["transit_type"] = json!("train");
    }
    json!({ root(path): inner })
}

/// Creates a minimal coupon and returns its id.
pub async fn coupon(client: &Client, name: &str, icon: &str, extra: Value) -> String {
    let mut body = minimal("coupons", name, icon);
    if let Value::Object(m) = extra {
        for (k, v) in m {
            body["coupon"][k] = v;
        }
    }
    client.post("/coupons", body).await.expect(201).id()
}

/// Asserts that every key in `keys` is present in the object `v`.
#[track_caller]
pub fn has_keys(v: &Value, keys: &[&str]) {
    for k in keys {
        assert!(v.get(*k).is_some(), "missing attribute {k} in {v}");
    }
}

/// Every documented attribute of a campaign (§7.3).
pub const CAMPAIGN_KEYS: &[&str] = &[
    "id",
    "name",
    "description",
    "state",
    "template_id",
    "certificate_id",
    "icon_id",
    "logo_id",
    "strip_id",
    "thumbnail_id",
    "background_id",
    "footer_id",
    "logo_text",
    "background_color",
    "text_color",
    "label_color",
    "transit_type",
    "barcode",
    "barcodes",
    "header_fields",
    "primary_fields",
    "secondary_fields",
    "auxiliary_fields",
    "back_fields",
    "locations",
    "beacons",
    "organization_name",
    "associated_store_identifiers",
    "code_type",
    "code_fixed_value",
    "allow_multiple_redeems",
    "expiration_date",
    "relevant_date",
    "max_distance",
    "user_info",
    "gwallet_usage",
    "gwallet_status",
    "gwallet_message",
    "og",
    "og_description",
    "javascript",
    "stylesheet",
    "remote_form_url",
    "sync_locations_on_merge",
    "sync_beacons_on_merge",
    "render_on_short_url",
    "distributions",
    "page_url",
    "pkpass_url",
    "page_short_url",
    "pkpass_short_url",
    "created_at",
    "updated_at",
];

/// Every documented attribute of a pass (§8.3).
pub const PASS_KEYS: &[&str] = &[
    "id",
    "campaign_id",
    "serial_number",
    "authentication_token",
    "redeem_code",
    "voided",
    "redeemed_count",
    "redeemed_at",
    "last_fetched_at",
    "metadata",
    "barcode",
    "barcodes",
    "header_fields",
    "primary_fields",
    "secondary_fields",
    "auxiliary_fields",
    "back_fields",
    "locations",
    "beacons",
    "user_info",
    "expiration_date",
    "relevant_date",
    "max_distance",
    "page_url",
    "pkpass_url",
    "page_short_url",
    "pkpass_short_url",
    "created_at",
    "updated_at",
];

/// Checks a campaign body: every attribute present and the whole decodes as the wire type.
#[track_caller]
pub fn check_campaign(v: &Value) -> passworks_wire::Campaign {
    has_keys(v, CAMPAIGN_KEYS);
    serde_json::from_value(v.clone()).expect("campaign decodes as the wire type")
}

/// Checks a pass body.
#[track_caller]
pub fn check_pass(v: &Value) -> passworks_wire::Pass {
    has_keys(v, PASS_KEYS);
    serde_json::from_value(v.clone()).expect("pass decodes as the wire type")
}

/// The first message under `attr` of a 422/400/412 body.
#[track_caller]
pub fn msg(r: &Resp, attr: &str) -> String {
    r.body["errors"][attr][0]
        .as_str()
        .unwrap_or_else(|| panic!("no message under {attr}: {}", r.body))
        .to_string()
}

/// Polls `path` until `done` holds (at most ~10 s).
pub async fn wait_for(client: &Client, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..100 {
        let r = client.get(path).await.expect(200);
        if done(&r.body) {
            return r.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{path} did not reach the expected state");
}
