//! The newer Apple keys (`apple` options): a poster event ticket and a semantic boarding
//! pass build, sign and match their reviewed golden pass.json (regenerate with
//! `UPDATE_GOLDEN=1`, then review), and what Wallet would ignore is refused before signing.

mod common;

use std::path::Path;

use common::*;
use passworks_pkpass::{build_pkpass, PassSpec, PreparedImage};
use passworks_wire::apple::AppleOptions;
use passworks_wire::{BarcodeFormat, PassType, TransitType};
use serde_json::{json, Value};

fn with_apple(style: PassType, apple: Value) -> PassSpec {
    let mut spec = spec_for(style, BarcodeFormat::Qrcode);
    spec.apple = serde_json::from_value::<AppleOptions>(apple).unwrap();
    spec
}

fn build(spec: &PassSpec) -> Result<Value, Vec<(String, String)>> {
    let images = images_for(spec.style);
    let refs: Vec<&PreparedImage> = images.iter().collect();
    match build_pkpass(spec, &refs, &signer()) {
        Ok(bytes) => Ok(serde_json::from_slice(&unzip(&bytes)["pass.json"]).unwrap()),
        Err(errors) => Err(errors.into_iter().map(|e| (e.field, e.message)).collect()),
    }
}

fn matches_golden(name: &str, actual: &Value) {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{name}.json"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(
            &golden,
            serde_json::to_string_pretty(actual).unwrap() + "\n",
        )
        .unwrap();
    }
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(&golden).unwrap()).unwrap();
    assert_eq!(
        actual,
        &expected,
        "{name}: pass.json differs from {}:\n{}",
        golden.display(),
        serde_json::to_string_pretty(actual).unwrap()
    );
}

fn poster() -> Value {
    json!({
        "preferred_style_schemes": ["posterEventTicket", "eventTicket"],
        "event_logo_text": "Coliseu",
        "footer_background_color": "#1a2b3c",
        "use_automatic_colors": true,
        "suppress_header_darkening": true,
        "sharing_prohibited": true,
        "grouping_identifier": "gala-2026",
        "relevant_dates": [
            {"start_date": "2026-12-01T18:00:00+00:00", "end_date": "2026-12-01T23:30:00+00:00"}
        ],
        "urls": {
            "bag_policy_url": "https://example.com/bags",
            "parking_information_url": "https://example.com/parking",
            "contact_venue_phone_number": "+351 210 000 000"
        },
        "semantics": {
            "eventName": "Spring gala",
            "eventType": "PKEventTypeLivePerformance",
            "performerNames": ["The Dog Band"],
            "venueName": "Coliseu dos Recreios",
            "venueLocation": {"latitude": 38.7156, "longitude": -9.1408},
            "eventStartDate": "2026-12-01T19:00:00+00:00",
            "venueDoorsOpenDate": "2026-12-01T18:00:00+00:00",
            "seats": [{"seatSection": "Stalls", "seatRow": "F", "seatNumber": "12", "seatSectionColor": "#ce8c46"}],
            "admissionLevel": "General admission"
        }
    })
}

#[test]
fn a_poster_event_ticket_builds_and_keeps_a_classic_fallback() {
    let actual = build(&with_apple(PassType::EventTicket, poster())).unwrap();
    // The classic layout stays complete for iOS before 18: the style dictionary and its
    // fields are all there, and `eventTicket` is the second preference.
    assert_eq!(
        actual["preferredStyleSchemes"],
        json!(["posterEventTicket", "eventTicket"])
    );
    assert!(actual["eventTicket"]["primaryFields"].is_array());
    assert_eq!(
        actual["semantics"]["seats"][0]["seatSectionColor"],
        "rgb(206, 140, 70)"
    );
    assert_eq!(actual["footerBackgroundColor"], "rgb(26, 43, 60)");
    matches_golden("posterEventTicket", &actual);
}

#[test]
fn a_semantic_boarding_pass_builds() {
    let mut spec = with_apple(
        PassType::BoardingPass,
        json!({
            "preferred_style_schemes": ["semanticBoardingPass", "boardingPass"],
            "urls": {"change_seat_url": "https://example.com/seat", "purchase_wifi_url": "https://example.com/wifi"},
            "semantics": {
                "airlineCode": "TP",
                "flightNumber": 1234.0,
                "departureAirportCode": "LIS",
                "destinationAirportCode": "OPO",
                "departureCityName": "Lisbon",
                "destinationCityName": "Porto",
                "boardingZone": "2",
                "passengerName": {"givenName": "Ana", "familyName": "Silva"},
                "passengerCapabilities": ["PKPassengerCapabilityPriorityBoarding"],
                "originalDepartureDate": "2026-12-01T07:00:00Z"
            }
        }),
    );
    spec.transit_type = Some(TransitType::Air);
    let actual = build(&spec).unwrap();
    assert_eq!(actual["changeSeatURL"], "https://example.com/seat");
    matches_golden("semanticBoardingPass", &actual);
}

#[test]
fn what_wallet_would_ignore_is_refused_before_signing() {
    let mut apple = poster();
    apple["semantics"]["venueName"] = Value::Null;
    apple["semantics"]["performerNames"] = json!([]);
    apple["relevant_dates"][0]["end_date"] = json!("2026-12-03T00:00:00+00:00");
    apple["urls"]["upgrade_url"] = json!("https://example.com/upgrade");
    let errors = build(&with_apple(PassType::EventTicket, apple)).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "apple.relevant_dates[0].end_date",
            "apple.urls.upgrade_url",
            "apple.semantics.venueName",
            "apple.semantics.performerNames",
        ],
        "{errors:?}"
    );
    assert!(errors[1].1.contains("boardingPass"), "{errors:?}");
}
