//! Shared fixtures: a throw-away PKI made with the openssl CLI, sample specs and images.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};

use image::{Rgba, RgbaImage};
use passworks_pkpass::{PassSpec, PreparedImage, Signer};
use passworks_wire::{
    AssetType, Barcode, BarcodeFormat, Beacon, Behaviour, Field, Location, PassType, TransitType,
};
use serde_json::json;

pub const PASS_TYPE_ID: &str = "pass.com.example.test";
pub const TEAM_ID: &str = "TEAMID1234";

/// Directory holding wwdr.pem, signer.pem, signer.key, signer.p12, signer-legacy.p12 (password
/// "test"), made by tests/make-test-pki.sh in this test binary's own scratch directory.
pub fn pki_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = scratch_dir("pki");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/make-test-pki.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg(&dir)
            .env("PASS_TYPE_ID", PASS_TYPE_ID)
            .env("TEAM_ID", TEAM_ID)
            .output()
            .expect("run make-test-pki.sh");
        assert!(
            out.status.success(),
            "make-test-pki.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

/// A fresh directory under cargo's per-target scratch space, unique to this process.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("pkpass-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn pki_file(name: &str) -> Vec<u8> {
    std::fs::read(pki_dir().join(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
}

/// Runs `openssl` with `args` in `dir`, panicking with its output on failure.
pub fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn signer() -> Arc<Signer> {
    static S: OnceLock<Arc<Signer>> = OnceLock::new();
    S.get_or_init(|| {
        Arc::new(
            Signer::from_pem(
                pki_file("signer.pem"),
                pki_file("signer.key"),
                pki_file("wwdr.pem"),
            )
            .expect("test signer"),
        )
    })
    .clone()
}

/// A deterministic test picture: gradient with a few shapes, opaque.
pub fn png(w: u32, h: u32, seed: u8) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |x, y| {
        let inside = (x as i64 - w as i64 / 2).pow(2) + (y as i64 - h as i64 / 2).pow(2)
            < (h as i64 / 3).pow(2);
        if inside {
            Rgba([250, 250, 250, 255])
        } else {
            Rgba([
                (x * 255 / w.max(1)) as u8 ^ seed,
                (y * 255 / h.max(1)) as u8,
                90u8.wrapping_add(seed),
                255,
            ])
        }
    });
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), w, h, image::ExtendedColorType::Rgba8)
        .unwrap();
    out
}

use image::ImageEncoder;

pub fn image(slot: AssetType, style: PassType) -> PreparedImage {
    static CACHE: OnceLock<std::sync::Mutex<HashMap<(AssetType, PassType), PreparedImage>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(i) = cache.lock().unwrap().get(&(slot, style)) {
        return i.clone();
    }
    let (w, h) = match slot {
        AssetType::Icon => (58, 58),
        AssetType::Logo => (160, 50),
        AssetType::Strip if style == PassType::EventTicket => (375, 98),
        AssetType::Strip => (375, 123),
        AssetType::Thumbnail => (90, 90),
        AssetType::Background => (180, 220),
        AssetType::Footer => (286, 15),
        AssetType::Artwork => (358, 448),
        AssetType::PrimaryLogo => (126, 30),
        AssetType::SecondaryLogo => (135, 12),
        AssetType::PersonalizationLogo => (150, 40),
    };
    let img = PreparedImage::from_png_with(
        slot,
        &png(w, h, (slot as u8).wrapping_mul(40)),
        passworks_pkpass::PrepareOptions {
            style: Some(style),
            max_scale: 2,
        },
    )
    .unwrap();
    cache.lock().unwrap().insert((slot, style), img.clone());
    img
}

/// Icon, logo and the style's own image (strip, thumbnail or footer).
pub fn images_for(style: PassType) -> Vec<PreparedImage> {
    let extra = match style {
        PassType::Coupon | PassType::StoreCard | PassType::EventTicket => AssetType::Strip,
        PassType::Generic => AssetType::Thumbnail,
        PassType::BoardingPass => AssetType::Footer,
    };
    vec![
        image(AssetType::Icon, style),
        image(AssetType::Logo, style),
        image(extra, style),
    ]
}

pub fn field(key: &str, label: Option<&str>, value: Option<&str>) -> Field {
    Field {
        key: key.into(),
        label: label.map(Into::into),
        value: value.map(Into::into),
        behaviour: Behaviour::Fixed,
    }
}

/// A rich, valid spec exercising every key of pass.json.
pub fn spec_for(style: PassType, format: BarcodeFormat) -> PassSpec {
    let message = match format {
        BarcodeFormat::Ean128 => "0000042",
        BarcodeFormat::Ean13 => "5901234123457",
        BarcodeFormat::Codabar => "A0000042B",
        BarcodeFormat::I2of5 => "00000042",
        _ => "PW-0000042",
    };
    let mut change_messages = HashMap::new();
    change_messages.insert("balance".to_string(), "Your balance is now %@".to_string());
    PassSpec {
        style,
        transit_type: if style == PassType::BoardingPass {
            Some(TransitType::Train)
        } else {
            None
        },
        serial_number: "0000042".into(),
        authentication_token: "abcdefghijklmnop0123".into(),
        web_service_url: Some("https://passes.example.com/v1/apple".into()),
        organization_name: "Example Café".into(),
        description: format!("Example {style}"),
        logo_text: Some("Example".into()),
        background_color: Some("#ce8c46".into()),
        foreground_color: Some("#FFFFFF".into()),
        label_color: Some("#102030".into()),
        header_fields: vec![field("balance", Some("Balance"), Some("€12.50"))],
        primary_fields: if style == PassType::BoardingPass {
            vec![
                field("from", Some("Lisbon"), Some("LIS")),
                field("to", Some("Porto"), Some("OPO")),
            ]
        } else {
            vec![field("offer", Some("Offer"), Some("20% off"))]
        },
        secondary_fields: vec![
            field("holder", Some("Name"), None),
            field("level", None, Some("Gold")),
        ],
        auxiliary_fields: vec![field("expires", Some("Expires"), Some("2030-01-01"))],
        back_fields: vec![field(
            "terms",
            Some("Terms"),
            Some("Not valid with other offers."),
        )],
        barcodes: vec![Barcode {
            format,
            message: message.into(),
            alt_text: message.into(),
            alt_text_type: "mirror".into(),
        }],
        locations: vec![
            Location {
                latitude: 38.7223,
                longitude: -9.1393,
                altitude: Some(12.5),
                relevant_text: Some("Welcome to the Lisbon store".into()),
                name: Some("Lisbon".into()),
            },
            Location {
                latitude: 41.15,
                longitude: -8.61,
                altitude: None,
                relevant_text: None,
                name: None,
            },
        ],
        beacons: vec![Beacon {
            proximity_uuid: "E2C56DB5-DFFB-48D2-B060-D0F5A71096E0".into(),
            major: Some(1),
            minor: Some(65535),
            relevant_text: Some("You are near the counter".into()),
        }],
        relevant_date: Some("2030-01-01T10:00:00+01:00".into()),
        expiration_date: Some("2031-01-01T00:00:00Z".into()),
        voided: false,
        max_distance: Some(100),
        user_info: json!({"customer": {"tier": "gold"}, "id": 42}),
        associated_store_identifiers: vec![284882215],
        change_messages,
        apple: Default::default(),
        hosted_images: Default::default(),
    }
}

/// Unzips a .pkpass into name → bytes.
pub fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("valid zip");
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        assert!(
            out.insert(f.name().to_string(), data).is_none(),
            "duplicate entry"
        );
    }
    out
}
