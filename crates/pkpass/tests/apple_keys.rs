//! The newer Apple keys (`apple` options): a poster event ticket and a semantic boarding
//! pass build, sign and match their reviewed golden pass.json (regenerate with
//! `UPDATE_GOLDEN=1`, then review), and what Wallet would ignore is refused before signing.

mod common;

use std::path::Path;

use common::*;
use passworks_pkpass::{build_pkpass, HostedImage, PassSpec, PreparedImage};
use passworks_wire::apple::AppleOptions;
use passworks_wire::{AssetType, BarcodeFormat, PassType, TransitType};
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

#[test]
fn poster_images_are_packed_beside_the_classic_ones() {
    let mut apple = poster();
    apple["images"] = json!({"artwork_id": "a", "primary_logo_id": "p", "secondary_logo_id": "s"});
    let spec = with_apple(PassType::EventTicket, apple);
    let mut images = images_for(PassType::EventTicket);
    for slot in AssetType::POSTER {
        images.push(image(*slot, PassType::EventTicket));
    }
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let files = unzip(&build_pkpass(&spec, &refs, &signer()).unwrap());
    // Apple's file names (Pass Builder's `PassPackage`).
    for name in [
        "artwork.png",
        "primaryLogo.png",
        "secondaryLogo.png",
        // The classic event ticket's own images stay, for iOS before 18.
        "logo.png",
        "strip.png",
        "icon.png",
    ] {
        assert!(
            files.contains_key(name),
            "{name} missing: {:?}",
            files.keys()
        );
    }
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert!(manifest["primaryLogo.png"].is_string());
    // The asset ids stay ours: pass.json has no `images` key.
    let pass: Value = serde_json::from_slice(&files["pass.json"]).unwrap();
    assert!(pass.get("images").is_none());
    assert!(pass["eventTicket"]["primaryFields"].is_array());

    // On a coupon Wallet would never show them: refused before signing, by slot.
    let coupon = with_apple(PassType::Coupon, json!({}));
    let mut images = images_for(PassType::Coupon);
    images.push(image(AssetType::Artwork, PassType::Coupon));
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let errors = build_pkpass(&coupon, &refs, &signer()).unwrap_err();
    assert_eq!(errors[0].field, "apple.images.artwork_id", "{errors:?}");
}

const P256: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEnIgRjXgnh6PmjBXKT4UlP0M4oQwm\nBMigYXaJuqg7Ty+pOjkTweVSzHoMoMWH1wmui6YH2S1qs9pOUMJE7tkXng==";

fn season_ticket() -> PassSpec {
    let mut apple = poster();
    apple["nfc"] = json!({"message": "SEASON-0042", "encryption_public_key": P256, "requires_authentication": true});
    apple["featured_actions"] = json!([
        {"identifier": "schedule", "type": "viewSchedule", "url": "https://example.com/schedule"}
    ]);
    apple["upcoming_pass_information"] = json!([{
        "identifier": "game-2",
        "name": "Spring gala, second night",
        "is_active": false,
        "date_information": {"date": "2026-12-08T20:00:00+00:00", "time_zone": "Europe/Lisbon"},
        "urls": {"bag_policy_url": "https://example.com/bags", "merchandise_url": "https://example.com/shop"},
        "semantics": {"venueName": "Coliseu dos Recreios", "eventName": "Spring gala"},
        "images": {"header_image_id": "h1", "venue_map_id": "m1"},
        "back_fields": [{"key": "doors", "label": "Doors", "value": "19:00"}]
    }]);
    let mut spec = with_apple(PassType::EventTicket, apple);
    for (id, sha) in [("h1", "aa"), ("m1", "bb")] {
        spec.hosted_images.insert(
            id.into(),
            HostedImage {
                url: format!("https://passes.example.com/assets/{id}.png"),
                sha256: sha.repeat(32),
                size: 1234,
            },
        );
    }
    spec
}

#[test]
fn a_season_ticket_carries_upcoming_events_nfc_and_featured_actions() {
    let actual = build(&season_ticket()).unwrap();
    let entry = &actual["upcomingPassInformation"][0];
    assert_eq!(entry["type"], "event");
    assert_eq!(entry["URLs"]["bagPolicyURL"], "https://example.com/bags");
    assert_eq!(
        entry["images"]["venueMap"]["URLs"][0],
        json!({"URL": "https://passes.example.com/assets/m1.png", "SHA256": "bb".repeat(32), "size": 1234})
    );
    assert_eq!(entry["dateInformation"]["timeZone"], "Europe/Lisbon");
    // The PEM line break is gone from the key Wallet reads.
    assert!(!actual["nfc"]["encryptionPublicKey"]
        .as_str()
        .unwrap()
        .contains('\n'));
    assert_eq!(actual["nfc"]["requiresAuthentication"], true);
    assert_eq!(actual["featuredActions"][0]["type"], "viewSchedule");
    matches_golden("seasonEventTicket", &actual);
}

#[test]
fn upcoming_images_must_be_hosted_over_https() {
    let mut spec = season_ticket();
    spec.hosted_images.get_mut("h1").unwrap().url = "http://127.0.0.1:8080/assets/h1.png".into();
    spec.hosted_images.get_mut("m1").unwrap().size = 3 * 1024 * 1024;
    let errors = build(&spec).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        fields,
        [
            "apple.upcoming_pass_information[0].images.header_image_id",
            "apple.upcoming_pass_information[0].images.venue_map_id"
        ],
        "{errors:?}"
    );
    assert!(errors[0].1.contains("https"), "{errors:?}");
    assert!(errors[1].1.contains("2 MB"), "{errors:?}");
    spec.hosted_images.remove("m1");
    let errors = build(&spec).unwrap_err();
    assert!(errors[1].1.contains("could not be found"), "{errors:?}");
}

#[test]
fn a_poster_generic_store_card_keeps_its_classic_style() {
    let mut spec = with_apple(
        PassType::StoreCard,
        json!({
            "poster_generic": {
                "footer_fields": [{"key": "tier", "value": "Gold member"}],
                "additional_info_fields": [{"key": "perks", "label": "Perks", "value": "Free coffee on Fridays"}]
            },
            "images": {"artwork_id": "a", "primary_logo_id": "p"},
            "featured_actions": [{"identifier": "perks", "type": "membershipBenefits", "url": "https://example.com/perks"}]
        }),
    );
    let mut images = images_for(PassType::StoreCard);
    images.push(image(AssetType::Artwork, PassType::StoreCard));
    images.push(image(AssetType::PrimaryLogo, PassType::StoreCard));
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let files = unzip(&build_pkpass(&spec, &refs, &signer()).unwrap());
    assert!(files.contains_key("artwork.png") && files.contains_key("primaryLogo.png"));
    let actual: Value = serde_json::from_slice(&files["pass.json"]).unwrap();
    // Both dictionaries: iOS 27 prefers posterGeneric, older iOS shows storeCard.
    assert!(actual["storeCard"].is_object());
    let pg = &actual["posterGeneric"];
    assert_eq!(pg["footerFields"][0]["value"], "Gold member");
    assert_eq!(pg["additionalInfoFields"][0]["key"], "perks");
    assert!(pg["headerFields"].as_array().unwrap().len() <= 1);
    assert!(pg["primaryFields"].as_array().unwrap().len() <= 4);
    matches_golden("posterGenericStoreCard", &actual);

    // A footer key that repeats a field of the pass is refused before signing.
    let taken = spec.primary_fields[0].key.clone();
    spec.apple.poster_generic.as_mut().unwrap().footer_fields[0].key = taken;
    let errors = build(&spec).unwrap_err();
    assert_eq!(
        errors[0].0, "apple.poster_generic.footer_fields[0].key",
        "{errors:?}"
    );
}

/// A rewards store card: NFC, the sign-up form (`personalization.json` with its logo), a
/// strip colour and a single-moment relevant date (iOS 26).
fn rewards_card() -> PassSpec {
    with_apple(
        PassType::StoreCard,
        json!({
            "nfc": {"message": "CLUB-0042", "encryption_public_key": P256},
            "personalization": {
                "required_fields": ["name", "email_address", "postal_code"],
                "description": "Join the Example Café club and earn a coffee every ten visits.",
                "terms_and_conditions": "See <a href=\"https://example.com/terms\">our terms</a>.",
                "logo_id": "logo1"
            },
            "strip_color": "#ffcc00",
            "relevant_dates": [{"date": "2030-01-01T09:00:00+01:00"}]
        }),
    )
}

#[test]
fn a_rewards_card_carries_its_sign_up_form_and_logo() {
    let spec = rewards_card();
    let mut images = images_for(PassType::StoreCard);
    images.push(image(AssetType::PersonalizationLogo, PassType::StoreCard));
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let files = unzip(&build_pkpass(&spec, &refs, &signer()).unwrap());
    assert!(
        files.contains_key("personalizationLogo.png"),
        "{:?}",
        files.keys()
    );
    let form: Value = serde_json::from_slice(&files["personalization.json"]).unwrap();
    assert_eq!(
        form,
        json!({
            "requiredPersonalizationFields": [
                "PKPassPersonalizationFieldName",
                "PKPassPersonalizationFieldEmailAddress",
                "PKPassPersonalizationFieldPostalCode"
            ],
            "description": "Join the Example Café club and earn a coffee every ten visits.",
            "termsAndConditions": "See <a href=\"https://example.com/terms\">our terms</a>."
        })
    );
    // The form is signed like every other file.
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert!(manifest["personalization.json"].is_string(), "{manifest}");
    assert!(
        manifest["personalizationLogo.png"].is_string(),
        "{manifest}"
    );
    let actual: Value = serde_json::from_slice(&files["pass.json"]).unwrap();
    assert_eq!(actual["stripColor"], "rgb(255, 204, 0)");
    assert_eq!(
        actual["relevantDates"],
        json!([{"date": "2030-01-01T09:00:00+01:00", "relevantDate": "2030-01-01T09:00:00+01:00"}])
    );
    matches_golden("rewardsStoreCard", &actual);

    // The personalized pass (the server drops `personalization`): no form, no logo.
    let mut done = spec.clone();
    done.apple.personalization = None;
    let images = images_for(PassType::StoreCard);
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let files = unzip(&build_pkpass(&done, &refs, &signer()).unwrap());
    assert!(!files.contains_key("personalization.json"));
    assert!(!files.contains_key("personalizationLogo.png"));
}

#[test]
fn a_rewards_card_without_its_logo_or_web_service_is_refused() {
    let mut spec = rewards_card();
    let errors = build(&spec).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "apple.personalization.logo_id");
    assert!(errors[0].1.contains("personalization_logo"), "{errors:?}");
    spec.web_service_url = None;
    let errors = build(&spec).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|(f, m)| f == "apple.personalization" && m.contains("webServiceURL")),
        "{errors:?}"
    );
    // A logo without the form is refused too: Wallet shows it nowhere else.
    let mut plain = spec_for(PassType::StoreCard, BarcodeFormat::Qrcode);
    plain.apple.strip_color = Some("#000000".into());
    let mut images = images_for(PassType::StoreCard);
    images.push(image(AssetType::PersonalizationLogo, PassType::StoreCard));
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let errors = build_pkpass(&plain, &refs, &signer()).unwrap_err();
    assert_eq!(
        errors[0].field, "apple.personalization.logo_id",
        "{errors:?}"
    );
}

#[test]
fn track_bags_and_auxiliary_store_ids_are_written_where_they_belong() {
    let spec = with_apple(
        PassType::BoardingPass,
        json!({"urls": {"track_bags_url": "https://example.com/bags/0042"}}),
    );
    let actual = build(&spec).unwrap();
    assert_eq!(actual["trackBagsURL"], "https://example.com/bags/0042");
    let spec = with_apple(
        PassType::EventTicket,
        json!({
            "preferred_style_schemes": ["posterEventTicket", "eventTicket"],
            "semantics": {"eventName": "Jazz Night", "venueName": "Coliseu"},
            "auxiliary_store_identifiers": [284882215, 389801252]
        }),
    );
    let actual = build(&spec).unwrap();
    assert_eq!(
        actual["auxiliaryStoreIdentifiers"],
        json!([284882215, 389801252])
    );
    // On a classic event ticket Wallet would ignore them: refused, saying what to add.
    let spec = with_apple(
        PassType::EventTicket,
        json!({"auxiliary_store_identifiers": [284882215]}),
    );
    let errors = build(&spec).unwrap_err();
    assert_eq!(errors[0].0, "apple.auxiliary_store_identifiers");
    assert!(errors[0].1.contains("posterEventTicket"), "{errors:?}");
}

#[test]
fn ios27_barcodes_get_a_fallback_for_older_ios_and_a_legacy_barcode() {
    use passworks_wire::Barcode;
    let ean = |format| Barcode {
        format,
        message: "5901234123457".into(),
        alt_text: "5901234123457".into(),
        alt_text_type: String::new(),
    };
    // Only iOS 27 formats: a QR copy follows (PDF417 on boarding passes), and the legacy
    // `barcode` key (QR, PDF417 or Aztec only) is that copy.
    let mut spec = spec_for(PassType::Coupon, BarcodeFormat::Qrcode);
    spec.barcodes = vec![ean(BarcodeFormat::Ean13)];
    let actual = build(&spec).unwrap();
    let formats: Vec<&str> = actual["barcodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, ["PKBarcodeFormatEAN13", "PKBarcodeFormatQR"]);
    assert_eq!(actual["barcode"]["format"], "PKBarcodeFormatQR");
    assert_eq!(actual["barcodes"][1]["message"], "5901234123457");
    // A format older iOS draws is already there: nothing is added.
    spec.barcodes = vec![ean(BarcodeFormat::Ean13), ean(BarcodeFormat::Aztec)];
    let actual = build(&spec).unwrap();
    assert_eq!(actual["barcodes"].as_array().unwrap().len(), 2);
    assert_eq!(actual["barcode"]["format"], "PKBarcodeFormatAztec");
    // Code 128 needs no fallback but cannot be the legacy barcode.
    spec.barcodes = vec![ean(BarcodeFormat::Ean13), ean(BarcodeFormat::Ean128)];
    let actual = build(&spec).unwrap();
    assert_eq!(actual["barcodes"].as_array().unwrap().len(), 2);
    assert!(actual.get("barcode").is_none(), "{actual}");
    // A wrong check digit is refused before signing, with the digit to use.
    spec.barcodes = vec![Barcode {
        message: "5901234123458".into(),
        ..ean(BarcodeFormat::Ean13)
    }];
    let errors = build(&spec).unwrap_err();
    assert_eq!(errors[0].0, "barcodes[0].message");
    assert!(errors[0].1.contains("must be 7"), "{errors:?}");
}
