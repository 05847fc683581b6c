//! The newer Apple Wallet keys over real HTTP (`apple` on campaigns and passes): a poster
//! event ticket campaign with per-pass seats downloads as a signed pass whose pass.json
//! carries both, PATCH merges key by key, and what Wallet would ignore is a 422 under its
//! path when it is written, not when it is downloaded.

mod common;
mod pw_fixtures;

use std::collections::BTreeMap;
use std::io::Read;

use common::{Backend, TestServer};
use pw_fixtures::*;
use serde_json::{json, Value};

fn files(pkpass: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(pkpass)).expect("a zip");
    let mut files = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        files.insert(f.name().to_string(), data);
    }
    files
}

fn pass_json(pkpass: &[u8]) -> Value {
    serde_json::from_slice(&files(pkpass)["pass.json"]).unwrap()
}

fn poster_campaign(a: &Assets) -> Value {
    let mut body = event_ticket(a);
    body["event_ticket"]["apple"] = json!({
        "preferred_style_schemes": ["posterEventTicket", "eventTicket"],
        "event_logo_text": "Coliseu",
        "footer_background_color": "#1a2b3c",
        "relevant_dates": [
            {"start_date": "2026-12-01T18:00:00+00:00", "end_date": "2026-12-01T23:30:00+00:00"}
        ],
        "urls": {
            "bag_policy_url": "https://example.com/bags",
            "parking_information_url": "https://example.com/parking"
        },
        "semantics": {
            "eventName": "Lisbon Jazz Night",
            "eventType": "PKEventTypeLivePerformance",
            "performerNames": ["The Dog Band"],
            "venueName": "Coliseu dos Recreios",
            "eventStartDate": "2026-12-01T19:00:00+00:00"
        }
    });
    body
}

async fn poster_ticket_with_per_pass_seats(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    let c = alice
        .post("/event_tickets", poster_campaign(&a))
        .await
        .expect(201)
        .body;
    let campaign = check_campaign(&c);
    assert!(campaign.apple.is_poster());
    assert_eq!(c["apple"]["semantics"]["venueName"], "Coliseu dos Recreios");
    let cid = c["id"].as_str().unwrap();

    let p = alice
        .post(
            &format!("/event_tickets/{cid}/passes"),
            json!({"pass": {"apple": {"semantics": {
                "seats": [{"seatSection": "Stalls", "seatRow": "F", "seatNumber": "12"}],
                "attendeeName": "Ana Silva"
            }}}}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(
        check_pass(&p).apple.semantics.attendee_name.as_deref(),
        Some("Ana Silva")
    );
    let pid = p["id"].as_str().unwrap();
    let pkpass = alice
        .get(&format!("/event_tickets/{cid}/passes/{pid}/pkpass"))
        .await
        .expect(200);
    let pass = pass_json(&pkpass.bytes);
    assert_eq!(
        pass["preferredStyleSchemes"],
        json!(["posterEventTicket", "eventTicket"])
    );
    assert_eq!(pass["eventLogoText"], "Coliseu");
    assert_eq!(pass["bagPolicyURL"], "https://example.com/bags");
    assert_eq!(
        pass["relevantDates"][0]["endDate"],
        "2026-12-01T23:30:00+00:00"
    );
    // The campaign's tags and the pass's own, together.
    assert_eq!(pass["semantics"]["venueName"], "Coliseu dos Recreios");
    assert_eq!(pass["semantics"]["seats"][0]["seatRow"], "F");
    assert_eq!(pass["semantics"]["attendeeName"], "Ana Silva");
    // The classic layout is still complete for older iOS.
    assert_eq!(
        pass["eventTicket"]["primaryFields"][0]["value"],
        "Jazz Night"
    );
    // The download page draws the poster as Wallet does: the event over the artwork,
    // the seat in the footer.
    let page = reqwest::get(p["page_url"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-layout=\"poster\""), "{page}");
    assert!(page.contains(">Lisbon Jazz Night<"), "{page}");
    assert!(page.contains(">1 Dec 2026, 19:00<"), "{page}");
    assert!(page.contains(">Coliseu dos Recreios<"), "{page}");
    assert!(
        page.contains(">Section Stalls · Row F · Seat 12<"),
        "{page}"
    );
    assert!(page.contains(">Coliseu<"), "the event logo text: {page}");

    // PATCH merges key by key: a null removes one tag, the others stay.
    let c2 = alice
        .patch(
            &format!("/event_tickets/{cid}"),
            json!({"event_ticket": {"apple": {
                "semantics": {"performerNames": ["The Cat Trio"], "venueRoom": "Main hall"},
                "urls": {"parking_information_url": null}
            }}}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        c2["apple"]["semantics"]["venueName"],
        "Coliseu dos Recreios"
    );
    assert_eq!(c2["apple"]["semantics"]["venueRoom"], "Main hall");
    assert_eq!(
        c2["apple"]["semantics"]["performerNames"],
        json!(["The Cat Trio"])
    );
    assert_eq!(
        c2["apple"]["urls"],
        json!({"bag_policy_url": "https://example.com/bags"})
    );
    assert_eq!(c2["apple"]["event_logo_text"], "Coliseu");
    server.stop().await;
}
both_backends!(poster_ticket_with_per_pass_seats);

async fn what_wallet_would_ignore_is_refused_when_written(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;

    // A poster ticket without a venue, a two-day interval and a boarding-pass URL.
    let mut body = poster_campaign(&a);
    let apple = &mut body["event_ticket"]["apple"];
    apple["semantics"]["venueName"] = Value::Null;
    apple["relevant_dates"][0]["end_date"] = json!("2026-12-03T00:00:00+00:00");
    apple["urls"]["upgrade_url"] = json!("https://example.com/upgrade");
    let r = alice.post("/event_tickets", body).await.expect(422);
    assert!(
        msg(&r, "apple.semantics.venueName").contains("venueName, venueRegionName or venueRoom")
    );
    assert!(msg(&r, "apple.relevant_dates[0].end_date").contains("24 hours"));
    assert!(msg(&r, "apple.urls.upgrade_url").contains("boardingPass"));

    // A misspelt tag is named, with its path.
    let mut body = poster_campaign(&a);
    body["event_ticket"]["apple"]["semantics"]["venueNam"] = json!("Coliseu");
    let r = alice.post("/event_tickets", body).await.expect(422);
    assert_eq!(
        msg(&r, "apple.semantics.venueNam"),
        "unknown field `venueNam` (keys of semantics are Apple's tag names, e.g. venueName; see the README)"
    );
    let r = alice
        .post("/event_tickets", {
            let mut b = poster_campaign(&a);
            b["event_ticket"]["apple"] = json!("poster");
            b
        })
        .await
        .expect(422);
    assert_eq!(msg(&r, "apple"), "must be an object");

    // A pass cannot make its campaign's poster ticket invalid: removing the only venue
    // tag through the pass's own options is refused, and nothing is created.
    let c = alice
        .post("/event_tickets", poster_campaign(&a))
        .await
        .expect(201);
    let cid = c.id();
    let r = alice
        .post(
            &format!("/event_tickets/{cid}/passes"),
            json!({"pass": {"apple": {"semantics": {"eventType": "PKEventTypeSports"}}}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "apple.semantics.homeTeamAbbreviation").contains("homeTeamAbbreviation"));
    let c = alice
        .get(&format!("/event_tickets/{cid}"))
        .await
        .expect(200);
    assert_eq!(c.body["passes_count"], 0);

    // Keys of another style are refused on a coupon.
    let icon = a.icon.clone();
    let r = alice
        .post(
            "/coupons",
            json!({"coupon": {"name": "Paw", "icon_id": icon, "apple": {
                "preferred_style_schemes": ["posterEventTicket"],
                "grouping_identifier": "g"
            }}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "apple.preferred_style_schemes").contains("eventTicket"));
    assert!(msg(&r, "apple.grouping_identifier").contains("event tickets and boarding passes"));
    server.stop().await;
}
both_backends!(what_wallet_would_ignore_is_refused_when_written);

async fn arrays_are_bounded_and_transit_is_read_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;

    // 51 performers on the campaign: 422 under the array's path, nothing created.
    let names: Vec<String> = (0..51).map(|i| format!("Act {i}")).collect();
    let mut body = poster_campaign(&a);
    body["event_ticket"]["apple"]["semantics"]["performerNames"] = json!(names);
    let r = alice.post("/event_tickets", body).await.expect(422);
    assert!(
        msg(&r, "apple.semantics.performerNames").contains("more than 50 entries"),
        "{}",
        msg(&r, "apple.semantics.performerNames")
    );

    // 51 seats on one pass: the same 422 on the pass, on create and on update.
    let cid = alice
        .post("/event_tickets", poster_campaign(&a))
        .await
        .expect(201)
        .id();
    let seats: Vec<Value> = (0..51)
        .map(|i| json!({"seatRow": "F", "seatNumber": i.to_string()}))
        .collect();
    let r = alice
        .post(
            &format!("/event_tickets/{cid}/passes"),
            json!({"pass": {"apple": {"semantics": {"seats": seats}}}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "apple.semantics.seats").contains("more than 50 entries"));
    let pid = alice
        .post(
            &format!("/event_tickets/{cid}/passes"),
            json!({"pass": {"apple": {"semantics": {"seats": seats[..50]}}}}),
        )
        .await
        .expect(201)
        .id();
    let r = alice
        .patch(
            &format!("/event_tickets/{cid}/passes/{pid}"),
            json!({"pass": {"apple": {"semantics": {"seats": seats}}}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "apple.semantics.seats").contains("more than 50 entries"));

    // semanticBoardingPass reads the campaign's transit type, for the campaign and its
    // passes alike: refused on a train campaign, accepted on an air one, and a pass of
    // the air campaign may add its own boarding URLs.
    let mut train = skyport_boarding_pass(&a);
    train["boarding_pass"]["transit_type"] = json!("train");
    train["boarding_pass"]["apple"] =
        json!({"preferred_style_schemes": ["semanticBoardingPass", "boardingPass"]});
    let r = alice.post("/boarding_passes", train).await.expect(422);
    assert_eq!(
        msg(&r, "apple.preferred_style_schemes"),
        "semanticBoardingPass needs transit_type air"
    );
    let mut air = skyport_boarding_pass(&a);
    air["boarding_pass"]["transit_type"] = json!("air");
    air["boarding_pass"]["apple"] = json!({
        "preferred_style_schemes": ["semanticBoardingPass", "boardingPass"],
        "semantics": {"airlineCode": "SK", "flightNumber": 1234,
            "departureAirportCode": "LIS", "departureCityName": "Lisbon",
            "destinationAirportCode": "JFK", "destinationCityName": "New York",
            "originalDepartureDate": "2026-12-01T10:05:00+00:00", "departureGate": "B12"}
    });
    let bid = alice.post("/boarding_passes", air).await.expect(201).id();
    let pass = alice
        .post(
            &format!("/boarding_passes/{bid}/passes"),
            json!({"pass": {"redeem_code": "SK1234-12A",
                "apple": {"urls": {"upgrade_url": "https://example.com/up"},
                    "semantics": {"seats": [{"seatRow": "12", "seatNumber": "A"}],
                        "passengerName": {"givenName": "Ana", "familyName": "Silva"}}}}}),
        )
        .await
        .expect(201)
        .body;
    // The download page draws the semantic boarding pass from the campaign's tags and
    // the pass's own.
    let page = reqwest::get(pass["page_url"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-layout=\"semantic\""), "{page}");
    for text in [
        ">SK 1234<",
        ">LIS<",
        ">New York<",
        ">1 Dec 2026, 10:05<",
        ">B12<",
        ">12A<",
        ">Ana Silva<",
    ] {
        assert!(page.contains(text), "{text} in {page}");
    }
    server.stop().await;
}
both_backends!(arrays_are_bounded_and_transit_is_read_once);

async fn poster_images_are_packed_and_checked(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    let artwork = asset(&server, &alice, "artwork").await;
    let artwork2 = asset(&server, &alice, "artwork").await;
    let primary = asset(&server, &alice, "primary_logo").await;
    let secondary = asset(&server, &alice, "secondary_logo").await;

    // An asset of another type, or of nobody, is a 422 under the image's path.
    let mut body = poster_campaign(&a);
    body["event_ticket"]["apple"]["images"] =
        json!({"artwork_id": a.logo, "primary_logo_id": "6f1c9a52-3f1e-4d1b-9a55-000000000000"});
    let r = alice.post("/event_tickets", body).await.expect(422);
    assert!(msg(&r, "apple.images.artwork_id").contains("type artwork"));
    assert!(msg(&r, "apple.images.primary_logo_id").contains("existing asset"));

    // Poster images without the poster scheme: Wallet would never show them.
    let mut body = poster_campaign(&a);
    body["event_ticket"]["apple"]["preferred_style_schemes"] = json!(["eventTicket"]);
    body["event_ticket"]["apple"]["images"] = json!({"artwork_id": artwork});
    let r = alice.post("/event_tickets", body).await.expect(422);
    assert!(msg(&r, "apple.images.artwork_id").contains("posterEventTicket"));

    let mut body = poster_campaign(&a);
    body["event_ticket"]["apple"]["images"] = json!({
        "artwork_id": artwork, "primary_logo_id": primary, "secondary_logo_id": secondary
    });
    let c = alice.post("/event_tickets", body).await.expect(201);
    assert_eq!(c.body["apple"]["images"]["artwork_id"], artwork.as_str());
    let cid = c.id();

    // A pass brings its own artwork and keeps the campaign's logos.
    let p = alice
        .post(
            &format!("/event_tickets/{cid}/passes"),
            json!({"pass": {"apple": {"images": {"artwork_id": artwork2}}}}),
        )
        .await
        .expect(201);
    let pid = p.id();
    let r = alice
        .post(
            &format!("/event_tickets/{cid}/passes"),
            json!({"pass": {"apple": {"images": {"artwork_id": primary}}}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "apple.images.artwork_id").contains("type artwork"));

    let pkpass = alice
        .get(&format!("/event_tickets/{cid}/passes/{pid}/pkpass"))
        .await
        .expect(200);
    let f = files(&pkpass.bytes);
    for name in [
        "artwork.png",
        "primaryLogo.png",
        "secondaryLogo.png",
        "logo.png",
        "icon.png",
    ] {
        assert!(f.contains_key(name), "{name} missing: {:?}", f.keys());
    }
    let manifest: Value = serde_json::from_slice(&f["manifest.json"]).unwrap();
    assert!(manifest["artwork.png"].is_string());
    // Our asset ids stay ours; the classic event ticket is complete for older iOS.
    let pass = pass_json(&pkpass.bytes);
    assert!(pass.get("images").is_none());
    assert_eq!(
        pass["eventTicket"]["primaryFields"][0]["value"],
        "Jazz Night"
    );
    // The pass's artwork, not the campaign's: a different asset gives different bytes
    // only if the uploads differ, so compare the pass's own setting through the API.
    let p = alice
        .get(&format!("/event_tickets/{cid}/passes/{pid}"))
        .await
        .expect(200);
    assert_eq!(p.body["apple"]["images"]["artwork_id"], artwork2.as_str());

    // An image a campaign or a pass uses cannot be deleted from under it.
    let r = alice
        .delete(&format!("/assets/{artwork}"))
        .await
        .expect(412);
    assert!(r.body.to_string().contains("1 campaigns"), "{}", r.body);
    let r = alice
        .delete(&format!("/assets/{artwork2}"))
        .await
        .expect(412);
    assert!(r.body.to_string().contains("1 passes"), "{}", r.body);
    server.stop().await;
}
both_backends!(poster_images_are_packed_and_checked);

const P256: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEnIgRjXgnh6PmjBXKT4UlP0M4oQwmBMigYXaJuqg7Ty+pOjkTweVSzHoMoMWH1wmui6YH2S1qs9pOUMJE7tkXng==";

fn season(a: &Assets, header: &str, map: &str) -> Value {
    let mut body = poster_campaign(a);
    let apple = &mut body["event_ticket"]["apple"];
    apple["nfc"] = json!({"message": "SEASON-0042", "encryption_public_key": P256});
    apple["featured_actions"] = json!([
        {"identifier": "schedule", "type": "viewSchedule", "url": "https://example.com/schedule"}
    ]);
    apple["upcoming_pass_information"] = json!([{
        "identifier": "night-2",
        "name": "Lisbon Jazz Night, second night",
        "date_information": {"date": "2026-12-02T19:00:00+00:00", "time_zone": "Europe/Lisbon"},
        "urls": {"bag_policy_url": "https://example.com/bags"},
        "images": {"header_image_id": header, "venue_map_id": map}
    }]);
    body
}

async fn upcoming_events_host_their_images_with_sha256(backend: Backend) {
    let server = TestServer::start_with(backend, |a| {
        a.rate_limit_anonymous = 10_000;
        a.rate_limit_authenticated = 100_000;
        a.public_url = Some("https://passes.example.com".into());
    })
    .await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;

    // Images of nobody are refused when written, under their path.
    let r = alice
        .post(
            "/event_tickets",
            season(&a, &a.background, "6f1c9a52-3f1e-4d1b-9a55-000000000000"),
        )
        .await
        .expect(422);
    assert!(
        msg(&r, "apple.upcoming_pass_information[0].images.venue_map_id")
            .contains("existing asset")
    );
    // Upcoming entries are events: not on a coupon.
    let r = alice
        .post(
            "/coupons",
            json!({"coupon": {"name": "Paw", "icon_id": a.icon, "apple": {
                "upcoming_pass_information": [{"identifier": "x", "name": "X"}]
            }}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "apple.upcoming_pass_information").contains("event tickets"));

    let cid = alice
        .post("/event_tickets", season(&a, &a.background, &a.thumbnail))
        .await
        .expect(201)
        .id();
    let pid = alice
        .post(&format!("/event_tickets/{cid}/passes"), json!({"pass": {}}))
        .await
        .expect(201)
        .id();
    let pkpass = alice
        .get(&format!("/event_tickets/{cid}/passes/{pid}/pkpass"))
        .await
        .expect(200);
    let pass = pass_json(&pkpass.bytes);
    let entry = &pass["upcomingPassInformation"][0];
    assert_eq!(entry["type"], "event");
    assert_eq!(entry["dateInformation"]["timeZone"], "Europe/Lisbon");
    assert_eq!(pass["nfc"]["message"], "SEASON-0042");
    assert_eq!(pass["featuredActions"][0]["identifier"], "schedule");
    for (key, id) in [("headerImage", &a.background), ("venueMap", &a.thumbnail)] {
        let hosted = &entry["images"][key]["URLs"][0];
        assert_eq!(
            hosted["URL"],
            format!("https://passes.example.com/assets/{id}.png")
        );
        // The digest is of the very bytes the public route serves.
        let served = reqwest::get(format!("{}/assets/{id}.png", server.base))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        use sha2::Digest;
        assert_eq!(hosted["SHA256"], hex::encode(sha2::Sha256::digest(&served)));
        assert_eq!(hosted["size"], served.len());
    }
    server.stop().await;
}
both_backends!(upcoming_events_host_their_images_with_sha256);

async fn upcoming_images_need_an_https_public_url(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    let cid = alice
        .post("/event_tickets", season(&a, &a.background, &a.thumbnail))
        .await
        .expect(201)
        .id();
    let pid = alice
        .post(&format!("/event_tickets/{cid}/passes"), json!({"pass": {}}))
        .await
        .expect(201)
        .id();
    let r = alice
        .get(&format!("/event_tickets/{cid}/passes/{pid}/pkpass"))
        .await
        .expect(422);
    assert!(msg(
        &r,
        "apple.upcoming_pass_information[0].images.header_image_id"
    )
    .contains("https"));
    server.stop().await;
}
both_backends!(upcoming_images_need_an_https_public_url);

async fn ios27_barcodes_and_the_newer_keys_over_http(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;

    // Seven-digit sequential codes fit neither an EAN-13 nor an Interleaved 2 of 5.
    for format in ["ean13", "i2of5"] {
        let mut body = minimal("coupons", "Seq", &a.icon);
        body["coupon"]["barcode"] = json!({"format": format});
        let r = alice.post("/coupons", body).await.expect(422);
        assert!(msg(&r, "barcode").contains("per_pass"), "{}", r.body);
    }
    // A per-pass EAN-13: the check digit is checked when the pass is written.
    let cid = coupon(
        &alice,
        "Groceries",
        &a.icon,
        json!({"code_type": "per_pass", "barcode": {"format": "ean13"},
               "apple": {"strip_color": "#ffcc00",
                         "relevant_dates": [{"date": "2026-12-01T09:00:00+00:00"}]}}),
    )
    .await;
    let r = alice
        .post(
            &format!("/coupons/{cid}/passes"),
            json!({"pass": {"redeem_code": "5901234123458"}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "redeem_code").contains("must be 7"), "{}", r.body);
    let p = alice
        .post(
            &format!("/coupons/{cid}/passes"),
            json!({"pass": {"redeem_code": "5901234123457"}}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(p["barcode"]["format"], "ean13");
    let pid = p["id"].as_str().unwrap();
    let pkpass = alice
        .get(&format!("/coupons/{cid}/passes/{pid}/pkpass"))
        .await
        .expect(200);
    let pass = pass_json(&pkpass.bytes);
    // iOS 27 draws the EAN-13; older iOS the QR copy, which is also the legacy barcode.
    assert_eq!(pass["barcodes"][0]["format"], "PKBarcodeFormatEAN13");
    assert_eq!(pass["barcodes"][1]["format"], "PKBarcodeFormatQR");
    assert_eq!(pass["barcodes"][1]["message"], "5901234123457");
    assert_eq!(pass["barcode"]["format"], "PKBarcodeFormatQR");
    assert_eq!(pass["stripColor"], "rgb(255, 204, 0)");
    assert_eq!(
        pass["relevantDates"][0]["date"],
        "2026-12-01T09:00:00+00:00"
    );
    // The barcode renderer draws the new symbologies.
    let png = alice
        .get("/barcode.png?format=ean13&message=5901234123457")
        .await
        .expect(200);
    assert_eq!(png.header("content-type"), "image/png");
    alice
        .get("/barcode.png?format=itf&message=00000042")
        .await
        .expect(200);

    // Boarding passes take trackBagsURL, not a strip colour.
    let mut body = skyport_boarding_pass(&a);
    body["boarding_pass"]["apple"] = json!({"strip_color": "#000000"});
    let r = alice
        .post("/boarding_passes", body.clone())
        .await
        .expect(422);
    assert!(
        msg(&r, "apple.strip_color").contains("strip image"),
        "{}",
        r.body
    );
    body["boarding_pass"]["apple"] =
        json!({"urls": {"track_bags_url": "https://example.com/bags"}});
    let bid = alice.post("/boarding_passes", body).await.expect(201).id();
    let bp = alice
        .post(
            &format!("/boarding_passes/{bid}/passes"),
            json!({"pass": {"redeem_code": "M1SILVA/ANA"}}),
        )
        .await
        .expect(201)
        .id();
    let pkpass = alice
        .get(&format!("/boarding_passes/{bid}/passes/{bp}/pkpass"))
        .await
        .expect(200);
    assert_eq!(
        pass_json(&pkpass.bytes)["trackBagsURL"],
        "https://example.com/bags"
    );

    // Auxiliary App Store ids only on poster event tickets.
    let mut body = event_ticket(&a);
    body["event_ticket"]["apple"] = json!({"auxiliary_store_identifiers": [284882215]});
    let r = alice.post("/event_tickets", body).await.expect(422);
    assert!(
        msg(&r, "apple.auxiliary_store_identifiers").contains("posterEventTicket"),
        "{}",
        r.body
    );
    let mut body = poster_campaign(&a);
    body["event_ticket"]["apple"]["auxiliary_store_identifiers"] = json!([284882215]);
    let eid = alice.post("/event_tickets", body).await.expect(201).id();
    let ep = alice
        .post(&format!("/event_tickets/{eid}/passes"), json!({"pass": {}}))
        .await
        .expect(201)
        .id();
    let pkpass = alice
        .get(&format!("/event_tickets/{eid}/passes/{ep}/pkpass"))
        .await
        .expect(200);
    assert_eq!(
        pass_json(&pkpass.bytes)["auxiliaryStoreIdentifiers"],
        json!([284882215])
    );
    server.stop().await;
}
both_backends!(ios27_barcodes_and_the_newer_keys_over_http);

/// A poster generic store card's download page draws the poster with the pass's own
/// fields over the artwork and its footer field (iOS 27), the classic layout staying in
/// the package for older iOS.
async fn poster_generic_is_drawn_on_the_download_page(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let a = assets(&server, &alice).await;
    let artwork = asset(&server, &alice, "artwork").await;
    let mut body = store_card(&a);
    body["store_card"]["apple"] = json!({
        "images": {"artwork_id": artwork},
        "poster_generic": {"footer_fields": [{"key": "tier", "label": "Tier", "value": "Gold member"}]}
    });
    let cid = alice.post("/store_cards", body).await.expect(201).id();
    let pass = alice
        .post(
            &format!("/store_cards/{cid}/passes"),
            json!({"pass": {"primary_fields": [{"key": "points", "value": 120}],
                "secondary_fields": [{"key": "member", "value": "Ana Silva"}]}}),
        )
        .await
        .expect(201)
        .body;
    let page = reqwest::get(pass["page_url"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-layout=\"poster-generic\""), "{page}");
    for text in [
        ">120<",
        ">Ana Silva<",
        ">Tier: Gold member<",
        &format!("/assets/{artwork}.png"),
    ] {
        assert!(page.contains(text), "{text} in {page}");
    }
    server.stop().await;
}
both_backends!(poster_generic_is_drawn_on_the_download_page);
