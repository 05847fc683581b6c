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

fn pass_json(pkpass: &[u8]) -> Value {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(pkpass)).expect("a zip");
    let mut files = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        files.insert(f.name().to_string(), data);
    }
    serde_json::from_slice(&files["pass.json"]).unwrap()
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
