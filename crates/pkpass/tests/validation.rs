//! One test per validation rule: each breaks one thing in an otherwise valid pass and checks
//! that exactly that problem is reported, on the right attribute, in words that say what is wrong.

mod common;

use common::*;
use passworks_pkpass::{build_pkpass, validate, PassSpec, PreparedImage, Signer, ValidationError};
use passworks_wire::{AssetType, Barcode, BarcodeFormat, Beacon, Location, PassType};

fn errors_with(spec: &PassSpec, images: &[PreparedImage]) -> Vec<ValidationError> {
    let refs: Vec<&PreparedImage> = images.iter().collect();
    validate(spec, &signer(), &refs)
}

fn errors(spec: &PassSpec) -> Vec<ValidationError> {
    errors_with(spec, &images_for(spec.style))
}

/// Asserts that the only error is on `field` and its message contains `needle`.
#[track_caller]
fn only(errs: Vec<ValidationError>, field: &str, needle: &str) {
    assert_eq!(
        errs.len(),
        1,
        "expected exactly one error on {field}, got {errs:#?}"
    );
    assert_eq!(errs[0].field, field, "{errs:#?}");
    assert!(
        errs[0].message.contains(needle),
        "message {:?} should contain {needle:?}",
        errs[0].message
    );
}

fn base(style: PassType) -> PassSpec {
    spec_for(style, BarcodeFormat::Qrcode)
}

#[test]
fn valid_specs_have_no_errors() {
    for style in PassType::ALL {
        for format in BarcodeFormat::ALL {
            assert_eq!(
                errors(&spec_for(*style, *format)),
                vec![],
                "{style}/{format}"
            );
        }
    }
}

#[test]
fn icon_is_required() {
    let spec = base(PassType::Coupon);
    let images = vec![image(AssetType::Logo, PassType::Coupon)];
    only(
        errors_with(&spec, &images),
        "icon_id",
        "icon image is required",
    );
}

#[test]
fn images_must_suit_the_style() {
    let mut images = images_for(PassType::Coupon);
    images.push(image(AssetType::Footer, PassType::Coupon));
    only(
        errors_with(&base(PassType::Coupon), &images),
        "footer_id",
        "a footer image is not shown on coupon passes (Wallet uses only: icon, logo, strip)",
    );

    let mut images = images_for(PassType::BoardingPass);
    images.push(image(AssetType::Strip, PassType::BoardingPass));
    only(
        errors_with(&base(PassType::BoardingPass), &images),
        "strip_id",
        "not shown on boardingPass passes",
    );

    let mut images = images_for(PassType::StoreCard);
    images.push(image(AssetType::Thumbnail, PassType::StoreCard));
    only(
        errors_with(&base(PassType::StoreCard), &images),
        "thumbnail_id",
        "not shown on storeCard",
    );

    let mut images = images_for(PassType::Generic);
    images.push(image(AssetType::Background, PassType::Generic));
    only(
        errors_with(&base(PassType::Generic), &images),
        "background_id",
        "not shown on generic",
    );
}

#[test]
fn event_ticket_strip_excludes_background_and_thumbnail() {
    let style = PassType::EventTicket;
    let mut images = images_for(style);
    images.push(image(AssetType::Background, style));
    only(
        errors_with(&base(style), &images),
        "background_id",
        "with a strip image cannot also have a background image",
    );
    let mut images = images_for(style);
    images.push(image(AssetType::Thumbnail, style));
    only(
        errors_with(&base(style), &images),
        "thumbnail_id",
        "cannot also have a thumbnail image",
    );
    // Background + thumbnail without strip is fine.
    let images = vec![
        image(AssetType::Icon, style),
        image(AssetType::Background, style),
        image(AssetType::Thumbnail, style),
    ];
    assert_eq!(errors_with(&base(style), &images), vec![]);
}

#[test]
fn images_must_be_prepared_for_the_style_box() {
    let mut images = images_for(PassType::Coupon);
    images[2] = image(AssetType::Strip, PassType::EventTicket);
    only(
        errors_with(&base(PassType::Coupon), &images),
        "strip_id",
        "the strip image was prepared for eventTicket passes (375×98 pt) but coupon passes use 375×144 pt",
    );
    // Prepared without a style: accepted.
    images[2] = PreparedImage::from_png(AssetType::Strip, &png(375, 123, 1)).unwrap();
    assert_eq!(errors_with(&base(PassType::EventTicket), &images), vec![]);
}

#[test]
fn one_image_per_slot() {
    let mut images = images_for(PassType::Coupon);
    images.push(image(AssetType::Logo, PassType::Coupon));
    only(
        errors_with(&base(PassType::Coupon), &images),
        "logo_id",
        "2 logo images were given",
    );
}

#[test]
fn barcode_messages_must_suit_the_format() {
    let bc = |format, message: &str| Barcode {
        format,
        message: message.into(),
        alt_text: String::new(),
        alt_text_type: String::new(),
    };
    let mut spec = base(PassType::Generic);
    spec.barcodes = vec![bc(BarcodeFormat::Qrcode, "")];
    only(
        errors(&spec),
        "barcodes[0].message",
        "must not be empty for a qrcode barcode",
    );

    spec.barcodes = vec![
        bc(BarcodeFormat::Qrcode, "ok"),
        bc(BarcodeFormat::Aztec, "Zürich → Genève"),
    ];
    only(
        errors(&spec),
        "barcodes[1].message",
        "contains '→' (U+2192), which ISO-8859-1",
    );

    spec.barcodes = vec![bc(BarcodeFormat::Ean128, "Zürich")];
    only(
        errors(&spec),
        "barcodes[0].message",
        "ean128 (Code 128) barcode can only hold printable ASCII",
    );

    spec.barcodes = vec![bc(BarcodeFormat::Ean128, &"1".repeat(81))];
    only(
        errors(&spec),
        "barcodes[0].message",
        "is 81 characters long; a ean128 barcode holds at most 80",
    );

    spec.barcodes = vec![bc(BarcodeFormat::Pdf417, &"x".repeat(1200))];
    only(
        errors(&spec),
        "barcodes[0].message",
        "a pdf417 barcode holds at most 1100",
    );

    // Code 128 is fine in `barcodes` on every style; `none` needs no message.
    for style in PassType::ALL {
        let mut spec = base(*style);
        spec.barcodes = vec![
            bc(BarcodeFormat::Ean128, "0000042"),
            bc(BarcodeFormat::None, ""),
        ];
        assert_eq!(errors(&spec), vec![], "{style}");
    }
}

#[test]
fn colours_must_be_hex() {
    let mut spec = base(PassType::Coupon);
    spec.background_color = Some("#12345".into());
    only(
        errors(&spec),
        "background_color",
        "must be a colour written #rrggbb, e.g. #ce8c46 (got \"#12345\")",
    );
    let mut spec = base(PassType::Coupon);
    spec.foreground_color = Some("red".into());
    only(errors(&spec), "text_color", "(got \"red\")");
    let mut spec = base(PassType::Coupon);
    spec.label_color = Some("rgb(1, 2, 3)".into());
    only(errors(&spec), "label_color", "#rrggbb");
}

#[test]
fn required_keys() {
    let mut spec = base(PassType::StoreCard);
    spec.serial_number = " ".into();
    only(errors(&spec), "serial_number", "is required");
    let mut spec = base(PassType::StoreCard);
    spec.description = String::new();
    only(errors(&spec), "description", "is required");
    let mut spec = base(PassType::StoreCard);
    spec.organization_name = String::new();
    only(errors(&spec), "organization_name", "is required");
    let mut spec = base(PassType::StoreCard);
    spec.authentication_token = "short-token".into();
    only(
        errors(&spec),
        "authentication_token",
        "must be at least 16 characters long (Apple rule); it has 11",
    );
    let mut spec = base(PassType::StoreCard);
    spec.web_service_url = Some("passes.example.com".into());
    only(
        errors(&spec),
        "web_service_url",
        "must be an absolute https:// URL",
    );
    let mut spec = base(PassType::BoardingPass);
    spec.transit_type = None;
    only(
        errors(&spec),
        "transit_type",
        "is required for boarding passes",
    );
}

#[test]
fn field_keys_unique_across_arrays() {
    let mut spec = base(PassType::Generic);
    spec.back_fields
        .push(field("balance", Some("Again"), Some("1")));
    only(
        errors(&spec),
        "back_fields[1].key",
        "key \"balance\" is already used by header_fields[0]; field keys must be unique across all five field arrays",
    );
    let mut spec = base(PassType::Generic);
    spec.secondary_fields[0].key = String::new();
    only(
        errors(&spec),
        "secondary_fields[0].key",
        "must not be empty",
    );
    let mut spec = base(PassType::Generic);
    spec.change_messages.insert("nope".into(), "%@".into());
    only(
        errors(&spec),
        "change_messages.nope",
        "no field has the key \"nope\"",
    );
}

#[test]
fn at_most_ten_locations_and_beacons() {
    let mut spec = base(PassType::Coupon);
    spec.locations = vec![
        Location {
            latitude: 1.0,
            longitude: 2.0,
            ..Default::default()
        };
        11
    ];
    only(
        errors(&spec),
        "locations",
        "has 11 entries; Apple allows at most 10",
    );
    let mut spec = base(PassType::Coupon);
    spec.beacons = vec![spec.beacons[0].clone(); 11];
    only(
        errors(&spec),
        "beacons",
        "has 11 entries; Apple allows at most 10",
    );
    let mut spec = base(PassType::Coupon);
    spec.locations[1].latitude = 91.0;
    only(
        errors(&spec),
        "locations[1].latitude",
        "must be between -90 and 90 (got 91)",
    );
    let mut spec = base(PassType::Coupon);
    spec.beacons = vec![Beacon {
        proximity_uuid: "not-a-uuid".into(),
        ..Default::default()
    }];
    only(errors(&spec), "beacons[0].proximity_uuid", "must be a UUID");
}

#[test]
fn dates_numbers_and_user_info() {
    let mut spec = base(PassType::EventTicket);
    spec.relevant_date = Some("next tuesday".into());
    only(
        errors(&spec),
        "relevant_date",
        "must be an ISO-8601 date and time with a time zone",
    );
    let mut spec = base(PassType::EventTicket);
    spec.expiration_date = Some("2030-01-01T10:00:00".into());
    only(errors(&spec), "expiration_date", "with a time zone");
    let mut spec = base(PassType::EventTicket);
    spec.relevant_date = Some("2030-01-01T10:00+02:00".into());
    assert_eq!(
        errors(&spec),
        vec![],
        "W3C date without seconds is accepted"
    );
    let mut spec = base(PassType::EventTicket);
    spec.max_distance = Some(0);
    only(
        errors(&spec),
        "max_distance",
        "must be a positive number of metres",
    );
    let mut spec = base(PassType::EventTicket);
    spec.user_info = serde_json::json!([1, 2]);
    only(errors(&spec), "user_info", "must be a JSON object");
    let mut spec = base(PassType::EventTicket);
    spec.associated_store_identifiers = vec![-1];
    only(
        errors(&spec),
        "associated_store_identifiers[0]",
        "must be a positive App Store id",
    );
}

#[test]
fn every_problem_is_reported_at_once_and_build_refuses() {
    let mut spec = base(PassType::Coupon);
    spec.serial_number.clear();
    spec.authentication_token.clear();
    spec.background_color = Some("nope".into());
    let images = [image(AssetType::Logo, PassType::Coupon)];
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let errs = build_pkpass(&spec, &refs, &signer()).unwrap_err();
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "serial_number",
            "authentication_token",
            "background_color",
            "icon_id"
        ]
    );
    assert_eq!(
        errs[1].to_string(),
        "authentication_token: must be at least 16 characters long (Apple rule); it has 0"
    );
}

#[test]
fn identifiers_come_from_the_certificate() {
    let id = passworks_pkpass::dev_ca::generate("OTHERTEAM1", "pass.org.other", "Other").unwrap();
    let other = id.signer().unwrap();
    let spec = base(PassType::Generic);
    let images = images_for(PassType::Generic);
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let files = unzip(&build_pkpass(&spec, &refs, &other).unwrap());
    let pass: serde_json::Value = serde_json::from_slice(&files["pass.json"]).unwrap();
    assert_eq!(pass["passTypeIdentifier"], "pass.org.other");
    assert_eq!(pass["teamIdentifier"], "OTHERTEAM1");
}

#[test]
fn certificate_must_be_valid_now() {
    // A certificate that expires two seconds after it is loaded.
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::x509::{X509Builder, X509NameBuilder, X509};
    let ca = X509::from_pem(&pki_file("wwdr.pem")).unwrap();
    let ca_key = PKey::private_key_from_pem(&pki_file("wwdr.key")).unwrap();
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("UID", PASS_TYPE_ID).unwrap();
    name.append_entry_by_text("OU", TEAM_ID).unwrap();
    name.append_entry_by_text("CN", "Pass Type ID: short-lived")
        .unwrap();
    let name = name.build();
    let now = chrono::Utc::now().timestamp();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(ca.subject_name()).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::from_unix(now - 60).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(now + 2).unwrap())
        .unwrap();
    b.sign(&ca_key, MessageDigest::sha256()).unwrap();
    let cert = b.build();
    let signer = Signer::from_pem(
        cert.to_pem().unwrap(),
        key.private_key_to_pem_pkcs8().unwrap(),
        pki_file("wwdr.pem"),
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    let spec = base(PassType::Generic);
    let images = images_for(PassType::Generic);
    let refs: Vec<&PreparedImage> = images.iter().collect();
    only(
        validate(&spec, &signer, &refs),
        "certificate",
        "the certificate expired on",
    );
}
