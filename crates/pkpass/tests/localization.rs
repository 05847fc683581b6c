//! Localization: `apple.translations` become `<lang>.lproj/pass.strings` files in the
//! package, UTF-16 little-endian with a byte-order mark (Apple: "Use UTF-16 encoding for
//! non-ASCII characters"), listed in the signed manifest, and compared byte for byte with
//! reviewed golden files (regenerate with `UPDATE_GOLDEN=1`, then review).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use passworks_pkpass::{build_pkpass, pass_strings, PreparedImage};
use passworks_wire::apple::AppleOptions;
use passworks_wire::{AssetType, BarcodeFormat, PassType};
use serde_json::{json, Value};

fn golden(name: &str, actual: &[u8]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{name}"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read(&path).unwrap();
    assert_eq!(actual, expected, "{name} differs from {}", path.display());
}

fn utf16le(bytes: &[u8]) -> String {
    assert_eq!(&bytes[..2], &[0xFF, 0xFE], "byte-order mark");
    let units: Vec<u16> = bytes[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).unwrap()
}

#[test]
fn a_strings_file_is_utf16_with_escapes() {
    let texts: BTreeMap<String, String> = [
        ("Gate", "Porta"),
        ("Row \"A\"", "Fila \"A\"\nao fundo"),
        ("C:\\Seat", "Lugar ☂"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let bytes = pass_strings(&texts);
    assert_eq!(
        utf16le(&bytes),
        "\"C:\\\\Seat\" = \"Lugar ☂\";\n\"Gate\" = \"Porta\";\n\"Row \\\"A\\\"\" = \"Fila \\\"A\\\"\\nao fundo\";\n"
    );
    golden("pt.pass.strings", &bytes);
}

#[test]
fn translations_are_packed_per_language_and_signed() {
    let mut spec = spec_for(PassType::EventTicket, BarcodeFormat::Qrcode);
    spec.apple = serde_json::from_value::<AppleOptions>(json!({"translations": {
        "pt": {"Gate": "Porta", "Jazz Night": "Noite de Jazz"},
        "zh-Hans": {"Gate": "登机口"},
        "fr": {}
    }}))
    .unwrap();
    let images = images_for(PassType::EventTicket);
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let files = unzip(&build_pkpass(&spec, &refs, &signer()).unwrap());
    let zh = utf16le(&files["zh-Hans.lproj/pass.strings"]);
    assert_eq!(zh, "\"Gate\" = \"登机口\";\n");
    golden("zh-Hans.pass.strings", &files["zh-Hans.lproj/pass.strings"]);
    assert!(
        utf16le(&files["pt.lproj/pass.strings"]).contains("\"Jazz Night\" = \"Noite de Jazz\";")
    );
    // A language without texts gets no directory.
    assert!(!files.keys().any(|k| k.starts_with("fr.lproj")));
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert!(manifest["zh-Hans.lproj/pass.strings"].is_string());
    assert!(manifest["pt.lproj/pass.strings"].is_string());
    // pass.json keeps the texts as written: they are the keys Wallet looks up.
    let pass: Value = serde_json::from_slice(&files["pass.json"]).unwrap();
    assert!(pass.get("translations").is_none());
}

#[test]
fn localized_images_are_packed_under_their_language_and_signed() {
    let mut spec = spec_for(PassType::Coupon, BarcodeFormat::Qrcode);
    spec.apple = serde_json::from_value::<AppleOptions>(json!({
        "localized_images": {"fr": {"logo_id": "fr-logo"}}
    }))
    .unwrap();
    let fr_logo = PreparedImage::from_png(AssetType::Logo, &png(320, 100, 7))
        .unwrap()
        .localized("fr");
    let mut images = images_for(PassType::Coupon);
    images.push(fr_logo.clone());
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let signer = signer();
    let files = unzip(&build_pkpass(&spec, &refs, &signer).unwrap());
    // The root logo stays; the French one sits in fr.lproj at 1x and @2x.
    assert!(files.contains_key("logo.png"));
    for (name, bytes, sha) in fr_logo.files() {
        assert_eq!(files[name], bytes, "{name}");
        let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
        assert_eq!(manifest[name], sha, "{name} in the manifest");
    }
    assert!(files.contains_key("fr.lproj/logo.png"));
    assert!(files.contains_key("fr.lproj/logo@2x.png"));
    assert_ne!(files["fr.lproj/logo.png"], files["logo.png"]);
    // The signature covers the manifest that names them.
    signer
        .verify_signature(&files["manifest.json"], &files["signature"])
        .unwrap();
}

#[test]
fn a_localized_image_the_style_does_not_show_is_refused_under_its_language() {
    let spec = spec_for(PassType::Coupon, BarcodeFormat::Qrcode);
    let footer = image(AssetType::Footer, PassType::Coupon).localized("fr");
    let twice = image(AssetType::Logo, PassType::Coupon).localized("fr");
    let mut images = images_for(PassType::Coupon);
    images.extend([footer, twice.clone(), twice]);
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let errors = build_pkpass(&spec, &refs, &signer()).unwrap_err();
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "apple.localized_images.fr.logo_id",
            "apple.localized_images.fr.footer_id"
        ],
        "{errors:?}"
    );
}
