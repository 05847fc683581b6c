//! Barcode symbols decode back to their message; previews are well-formed PNGs.

mod common;

use common::*;
use passworks_pkpass::{
    render_barcode_png, render_preview_png, render_preview_png_in, BarcodeError, PreparedImage,
};
use passworks_wire::{AssetType, BarcodeFormat, PassType};

fn decode(png: &[u8], format: rxing::BarcodeFormat) -> String {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    rxing::helpers::detect_in_luma(img.into_raw(), w, h, Some(format))
        .unwrap_or_else(|e| panic!("{format:?} did not decode: {e}"))
        .getText()
        .to_string()
}

#[test]
fn every_symbology_round_trips() {
    let cases = [
        (
            BarcodeFormat::Qrcode,
            rxing::BarcodeFormat::QR_CODE,
            "PW-0000042 Café",
        ),
        (
            BarcodeFormat::Pdf417,
            rxing::BarcodeFormat::PDF_417,
            "M1DOE/JOHN E ABC123 LISOPOTP 1234 123Y012A0001 100",
        ),
        (
            BarcodeFormat::Aztec,
            rxing::BarcodeFormat::AZTEC,
            "ticket:0000042:Zürich",
        ),
        (
            BarcodeFormat::Ean128,
            rxing::BarcodeFormat::CODE_128,
            "0000042-AB",
        ),
        (
            BarcodeFormat::Code39,
            rxing::BarcodeFormat::CODE_39,
            "PW-0000042",
        ),
        (
            BarcodeFormat::Ean13,
            rxing::BarcodeFormat::EAN_13,
            "5901234123457",
        ),
        (BarcodeFormat::I2of5, rxing::BarcodeFormat::ITF, "00000042"),
    ];
    let dir = scratch_dir("barcodes");
    for (format, rx, message) in cases {
        let png = render_barcode_png(format, message, 4).unwrap();
        std::fs::write(dir.join(format!("{format}.png")), &png).unwrap();
        assert_eq!(decode(&png, rx), message, "{format}");
    }
}

#[test]
fn barcode_errors() {
    assert_eq!(
        render_barcode_png(BarcodeFormat::None, "x", 2),
        Err(BarcodeError::NoSymbol)
    );
    assert_eq!(
        render_barcode_png(BarcodeFormat::Qrcode, "", 2),
        Err(BarcodeError::EmptyMessage)
    );
    assert_eq!(
        render_barcode_png(BarcodeFormat::Qrcode, "x", 0),
        Err(BarcodeError::BadScale(0))
    );
    assert!(matches!(
        render_barcode_png(BarcodeFormat::Ean128, "Zürich", 2),
        Err(BarcodeError::Encode { .. })
    ));
}

#[test]
fn previews_for_every_style() {
    let dir = scratch_dir("previews");
    for style in PassType::ALL {
        let spec = spec_for(*style, BarcodeFormat::Qrcode);
        let images = images_for(*style);
        let refs: Vec<&PreparedImage> = images.iter().collect();
        let png = render_preview_png(&spec, &refs);
        std::fs::write(dir.join(format!("{style}.png")), &png).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_rgba8();
        assert_eq!(img.width(), 640);
        assert!(
            img.height() > 300 && img.height() < 2800,
            "{style}: height {}",
            img.height()
        );
        // Background colour #ce8c46 at the right edge, below the rounded corner, which
        // is transparent like the card's outline on the download page.
        assert_eq!(img.get_pixel(639, 30).0, [206, 140, 70, 255], "{style}");
        assert_eq!(img.get_pixel(0, 0).0[3], 0, "{style}: corner");
        // The barcode in the preview decodes.
        let (w, h) = img.dimensions();
        let luma = image::DynamicImage::ImageRgba8(img).to_luma8().into_raw();
        let text = rxing::helpers::detect_in_luma(luma, w, h, Some(rxing::BarcodeFormat::QR_CODE))
            .unwrap();
        assert_eq!(text.getText(), "PW-0000042");
    }
    // An event ticket with a background image and thumbnail, no strip.
    let style = PassType::EventTicket;
    let mut spec = spec_for(style, BarcodeFormat::Pdf417);
    spec.background_color = None;
    let images = [
        image(AssetType::Icon, style),
        image(AssetType::Logo, style),
        image(AssetType::Background, style),
        image(AssetType::Thumbnail, style),
    ];
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let png = render_preview_png(&spec, &refs);
    std::fs::write(dir.join("eventTicket-background.png"), &png).unwrap();
    image::load_from_memory(&png).unwrap();
    eprintln!("previews written to {}", dir.display());
}

#[test]
fn a_preview_in_a_language_has_its_texts_and_images() {
    let style = PassType::Coupon;
    let mut spec = spec_for(style, BarcodeFormat::Qrcode);
    spec.apple.translations.insert(
        "fr".into(),
        [("Example", "Exemple"), ("Balance", "Solde")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    );
    let logo = image(AssetType::Logo, style);
    let de_logo = PreparedImage::from_png(AssetType::Logo, &png(50, 50, 7))
        .unwrap()
        .localized("de");
    let refs = [&logo, &de_logo];
    let root = render_preview_png(&spec, &refs);
    let fr = render_preview_png_in(&spec, &refs, Some("fr"));
    let de = render_preview_png_in(&spec, &refs, Some("de"));
    assert_ne!(fr, root, "French texts");
    assert_ne!(de, root, "the German logo");
    assert_ne!(fr, de);
    // A language with nothing of its own is the pass as written; the root image is
    // never replaced by another language's.
    assert_eq!(render_preview_png_in(&spec, &refs, Some("it")), root);
    assert_eq!(render_preview_png_in(&spec, &refs, None), root);
    // French has no logo of its own: its logo is the root one (only texts differ).
    spec.apple.translations.clear();
    assert_eq!(render_preview_png_in(&spec, &refs, Some("fr")), root);
    let dir = scratch_dir("previews");
    std::fs::write(dir.join("coupon-fr.png"), &fr).unwrap();
    std::fs::write(dir.join("coupon-de.png"), &de).unwrap();
}

#[test]
fn codabar_draws_and_an_undrawable_barcode_becomes_a_labelled_box() {
    // Codabar decoders drop the start/stop characters; the symbol is there and reads back.
    let png = render_barcode_png(BarcodeFormat::Codabar, "A40156B", 3).unwrap();
    assert!(decode(&png, rxing::BarcodeFormat::CODABAR).contains("40156"));
    // A preview whose message the encoder refuses (an EAN-13 of three digits, typed in a
    // form) still draws: a neutral box in the barcode's place, never a panic.
    let mut spec = spec_for(PassType::Coupon, BarcodeFormat::Ean13);
    spec.barcodes[0].message = "123".into();
    let images = images_for(PassType::Coupon);
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let with_box = render_preview_png(&spec, &refs);
    spec.barcodes.clear();
    let without = render_preview_png(&spec, &refs);
    let (a, b) = (
        image::load_from_memory(&with_box).unwrap(),
        image::load_from_memory(&without).unwrap(),
    );
    assert!(
        a.height() > b.height() + 100,
        "{} vs {}",
        a.height(),
        b.height()
    );
}
