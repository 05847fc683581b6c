//! Golden tests: the class, object and save-JWT claims of one campaign and pass of each
//! Google Wallet type, compared with the JSON files in `tests/golden/` (regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p passworks-gwallet`; read the diff before committing).

#![recursion_limit = "256"]
use passworks_gwallet::{
    class_json, object_json, save_claims, validate, Context, Vertical, MAX_SAVE_JWT,
};
use passworks_wire::{Campaign, Pass};
use serde_json::{json, Value};

const NOW: &str = "2026-11-27T09:00:00.000000Z";

fn ctx() -> Context<'static> {
    Context {
        issuer_id: "3388000000022222228",
        public_url: "https://passes.example.com",
        now: NOW,
        callback_url: Some("https://passes.example.com/google_wallet/callbacks"),
    }
}

fn field(key: &str, label: &str, value: &str) -> Value {
    json!({"key": key, "label": label, "value": value, "behaviour": "fixed"})
}

fn barcode(message: &str) -> Value {
    json!({"format": "qrcode", "message": message, "alt_text": message, "alt_text_type": "redeem_code"})
}

fn campaign(kind: &str, transit: Option<&str>, fields: Value) -> Campaign {
    // The wire spelling of a campaign type is its collection's name.
    let kind = match kind {
        "boarding_pass" => "boarding_passes".to_string(),
        k if k.ends_with('s') => k.to_string(),
        k => format!("{k}s"),
    };
    let mut c = json!({
        "id": "c0ffee00-0000-4000-8000-000000000001",
        "campaign_type": kind,
        "name": "Winter Sale",
        "description": "",
        "state": "published",
        "template_id": "t1",
        "certificate_id": null,
        "icon_id": "icon-1",
        "logo_id": "logo-1",
        "strip_id": "strip-1",
        "thumbnail_id": null,
        "background_id": null,
        "footer_id": null,
        "logo_text": "Paw Planet",
        "background_color": "#CE8C46",
        "text_color": "#ffffff",
        "label_color": "#000000",
        "transit_type": transit,
        "barcode": barcode("123"),
        "barcodes": [],
        "header_fields": [],
        "primary_fields": [],
        "secondary_fields": [],
        "auxiliary_fields": [],
        "back_fields": [],
        "locations": [{"latitude": 52.52, "longitude": 13.405, "altitude": null, "relevant_text": "Near the shop", "name": "Berlin"}],
        "beacons": [],
        "organization_name": "Paw Planet GmbH",
        "associated_store_identifiers": [],
        "code_type": "sequential",
        "code_fixed_value": null,
        "allow_multiple_redeems": false,
        "expiration_date": null,
        "relevant_date": "2026-12-24T18:00:00.000000Z",
        "max_distance": null,
        "user_info": {},
        "gwallet_usage": true,
        "gwallet_status": null,
        "gwallet_message": null,
        "og": false,
        "og_description": "",
        "javascript": null,
        "stylesheet": null,
        "remote_form_url": null,
        "sync_locations_on_merge": false,
        "sync_beacons_on_merge": false,
        "render_on_short_url": false,
        "passes_count": 1,
        "redeemed_count": 0,
        "distributions": [],
        "page_url": "https://passes.example.com/p/x",
        "pkpass_url": "https://passes.example.com/p/x.pkpass",
        "page_short_url": "https://passes.example.com/s/x",
        "pkpass_short_url": "https://passes.example.com/s/x.pkpass",
        "created_at": NOW,
        "updated_at": NOW
    });
    for (k, v) in fields.as_object().unwrap() {
        c[k] = v.clone();
    }
    serde_json::from_value(c).unwrap()
}

fn pass(c: &Campaign, overrides: Value) -> Pass {
    let mut p = json!({
        "id": "0a550000-0000-4000-8000-000000000002",
        "campaign_id": c.id,
        "serial_number": "SN-1",
        "authentication_token": "tok-tok-tok-tok-tok",
        "redeem_code": "123",
        "voided": false,
        "redeemed_count": 0,
        "redeemed_at": null,
        "last_fetched_at": null,
        "metadata": {},
        "barcode": barcode("123"),
        "barcodes": [barcode("123")],
        "header_fields": c.header_fields,
        "primary_fields": c.primary_fields,
        "secondary_fields": c.secondary_fields,
        "auxiliary_fields": c.auxiliary_fields,
        "back_fields": c.back_fields,
        "locations": c.locations,
        "beacons": [],
        "user_info": {},
        "expiration_date": "2027-01-31T23:59:59.000000Z",
        "relevant_date": c.relevant_date,
        "max_distance": null,
        "icon_id": c.icon_id,
        "logo_id": c.logo_id,
        "strip_id": c.strip_id,
        "thumbnail_id": null,
        "background_id": null,
        "footer_id": null,
        "page_url": "https://passes.example.com/p/x/y",
        "pkpass_url": "https://passes.example.com/p/x/y.pkpass",
        "preview_url": "https://passes.example.com/p/x/y.png",
        "page_short_url": "https://passes.example.com/s/x/y",
        "pkpass_short_url": "https://passes.example.com/s/x/y.pkpass",
        "created_at": NOW,
        "updated_at": NOW
    });
    for (k, v) in overrides.as_object().unwrap() {
        p[k] = v.clone();
    }
    serde_json::from_value(p).unwrap()
}

fn check(name: &str, c: &Campaign, p: &Pass, vertical: Vertical) {
    assert_eq!(
        Vertical::for_campaign(c.campaign_type, c.transit_type),
        vertical
    );
    let errors = validate(c, Some(p));
    assert!(errors.is_empty(), "{name}: {errors:?}");
    let class = class_json(c, &ctx());
    let object = object_json(c, p, &ctx());
    let claims = save_claims(
        "passworks@example.iam.gserviceaccount.com",
        &["https://passes.example.com".to_string()],
        1_795_000_000,
        vertical,
        Some(class.clone()),
        object.clone(),
    );
    let got = json!({"class": class, "object": object, "claims": claims});
    let path = format!("{}/tests/golden/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = serde_json::to_string_pretty(&got).unwrap() + "\n";
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(text, want, "{name} differs from {path}");
    // The payload key names the class type Google files it under.
    let p = vertical.prefix();
    assert!(got["claims"]["payload"][format!("{p}Classes")].is_array());
    assert!(got["claims"]["payload"][format!("{p}Objects")].is_array());
}

#[test]
fn coupon_maps_to_offer() {
    let c = campaign(
        "coupon",
        None,
        json!({
            "primary_fields": [field("offer", "Offer", "20% off")],
            "secondary_fields": [field("valid", "Valid until", "31 Jan"), field("store", "Store", "All")],
            "back_fields": [field("terms", "Terms", "One per customer.")]
        }),
    );
    let p = pass(&c, json!({}));
    check("offer", &c, &p, Vertical::Offer);
}

#[test]
fn store_card_maps_to_loyalty() {
    let c = campaign(
        "store_cards",
        None,
        json!({
            "header_fields": [field("level", "Level", "Gold")],
            "primary_fields": [field("points", "Points", "1,250")],
            "secondary_fields": [field("member", "Member", "Ada Lovelace")],
            "auxiliary_fields": [field("since", "Since", "2019"), field("store", "Store", "Mitte"), field("phone", "Phone", "030 1234"), field("extra", "Extra", "4th item wraps")],
            "back_fields": [field("terms", "Terms", "Points expire after 2 years.")]
        }),
    );
    let p = pass(&c, json!({"voided": true, "redeemed_count": 1}));
    check("loyalty", &c, &p, Vertical::Loyalty);
}

#[test]
fn event_ticket_maps_to_event_ticket() {
    let c = campaign(
        "event_tickets",
        None,
        json!({
            "primary_fields": [field("event", "Event", "Winter Gala")],
            "secondary_fields": [field("seat", "Seat", "12A"), field("row", "Row", "12"), field("door", "Door", "B")],
            "back_fields": [field("info", "Info", "Doors open 19:00")]
        }),
    );
    let p = pass(
        &c,
        json!({"expiration_date": "2026-01-01T00:00:00.000000Z"}),
    );
    check("event_ticket", &c, &p, Vertical::EventTicket);
}

#[test]
fn air_boarding_pass_maps_to_flight() {
    let c = campaign(
        "boarding_passes",
        Some("air"),
        json!({
            "header_fields": [field("flight", "Flight", "LH 400"), field("gate", "Gate", "B22")],
            "primary_fields": [field("from", "Frankfurt", "FRA"), field("to", "New York", "JFK")],
            "secondary_fields": [field("passenger", "Passenger", "Ada Lovelace"), field("seat", "Seat", "14C")],
            "auxiliary_fields": [field("confirmation", "Booking", "X7YQ2P"), field("group", "Group", "3")],
        }),
    );
    let p = pass(&c, json!({"strip_id": "strip-2"}));
    check("flight", &c, &p, Vertical::Flight);
}

#[test]
fn other_boarding_passes_map_to_transit() {
    for (t, want) in [
        ("train", "RAIL"),
        ("bus", "BUS"),
        ("boat", "FERRY"),
        ("generic", "OTHER"),
    ] {
        let c = campaign(
            "boarding_passes",
            Some(t),
            json!({
                "primary_fields": [field("from", "From", "Berlin Hbf"), field("to", "To", "Hamburg Hbf")],
                "secondary_fields": [field("passenger", "Passenger", "Ada Lovelace")],
            }),
        );
        let class = class_json(&c, &ctx());
        assert_eq!(class["transitType"], want, "{t}");
        if t == "train" {
            let p = pass(&c, json!({}));
            check("transit", &c, &p, Vertical::Transit);
        }
    }
}

#[test]
fn generic_maps_to_generic() {
    let c = campaign(
        "generics",
        None,
        json!({
            "header_fields": [field("no", "No.", "42")],
            "primary_fields": [field("name", "Member", "Ada Lovelace")],
            "secondary_fields": [field("club", "Club", "Chess")],
            "back_fields": [field("about", "About", "Members only")]
        }),
    );
    let p = pass(
        &c,
        json!({"voided": true, "barcode": {"format": "pdf417", "message": "PDF", "alt_text": "", "alt_text_type": "redeem_code"}}),
    );
    check("generic", &c, &p, Vertical::Generic);
}

#[test]
fn validation_explains_what_google_refuses() {
    let c = campaign(
        "boarding_passes",
        Some("air"),
        json!({"relevant_date": null, "primary_fields": [field("x", "X", "Somewhere")]}),
    );
    let p = pass(
        &c,
        json!({"barcode": {"format": "qrcode", "message": " ", "alt_text": "", "alt_text_type": "redeem_code"}}),
    );
    let e = validate(&c, Some(&p));
    let all = serde_json::to_string(&e).unwrap();
    assert!(e["relevant_date"][0].contains("departure"), "{all}");
    assert!(
        e["primary_fields"].iter().any(|m| m.contains("IATA")),
        "{all}"
    );
    assert!(
        e["primary_fields"].iter().any(|m| m.contains("origin")),
        "{all}"
    );
    assert!(e["barcode"][0].contains("without a value"), "{all}");
    assert!(e["fields"].iter().any(|m| m.contains("passenger")), "{all}");
    // An Interleaved 2 of 5 reaches Google as ITF-14: fourteen digits or a message.
    let coupon = campaign("coupons", None, json!({}));
    let itf = |m: &str| {
        pass(
            &coupon,
            json!({"barcode": {"format": "i2of5", "message": m, "alt_text": m, "alt_text_type": "redeem_code"}}),
        )
    };
    let e = validate(&coupon, Some(&itf("00000042")));
    assert!(e["barcode"][0].contains("ITF-14"), "{e:?}");
    assert!(!validate(&coupon, Some(&itf("00012345678905"))).contains_key("barcode"));
    let loyalty = campaign(
        "store_cards",
        None,
        json!({"logo_id": null, "icon_id": null, "organization_name": ""}),
    );
    let e = validate(&loyalty, None);
    assert!(e["logo_id"][0].contains("logo"));
    assert!(e["organization_name"][0].contains("issuer name"));
    assert!(validate(
        &campaign("generic", None, json!({"logo_id": null, "icon_id": null})),
        None
    )
    .is_empty());
}

#[test]
fn a_plain_pass_fits_in_a_save_url_and_a_long_one_does_not() {
    let c = campaign(
        "generic",
        None,
        json!({"primary_fields": [field("n", "N", "x")]}),
    );
    let small = serde_json::to_string(&object_json(&c, &pass(&c, json!({})), &ctx())).unwrap();
    assert!(small.len() < MAX_SAVE_JWT);
    let long = "x".repeat(2000);
    let big = pass(&c, json!({"back_fields": [field("t", "T", &long)]}));
    assert!(
        serde_json::to_string(&object_json(&c, &big, &ctx()))
            .unwrap()
            .len()
            > MAX_SAVE_JWT
    );
}
