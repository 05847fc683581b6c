//! Builds a pass for every style × barcode format and checks the whole package: zip entries,
//! manifest hashes, the signature (openssl CLI and in-process) and pass.json against the
//! reviewed golden files in tests/golden/ (regenerate with `UPDATE_GOLDEN=1`, then review).

mod common;

use std::path::Path;

use common::*;
use openssl::pkcs7::Pkcs7;
use passworks_pkpass::{build_pkpass, pass_json, PreparedImage};
use passworks_wire::{BarcodeFormat, PassType};
use sha1::{Digest, Sha1};

fn check_package(style: PassType, format: BarcodeFormat, dir: &Path) -> Result<(), String> {
    let signer = signer();
    let spec = spec_for(style, format);
    let images = images_for(style);
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let pkpass =
        build_pkpass(&spec, &refs, &signer).map_err(|e| format!("{style}/{format}: {e:?}"))?;
    let files = unzip(&pkpass);

    // Entries: pass.json, every image file, manifest.json, signature — nothing else.
    let mut expected: Vec<String> = vec![
        "pass.json".into(),
        "manifest.json".into(),
        "signature".into(),
    ];
    for img in &images {
        for (name, bytes, sha) in img.files() {
            expected.push(name.to_string());
            assert_eq!(files[name], bytes, "{name} bytes");
            assert_eq!(sha, hex::encode(Sha1::digest(bytes)));
        }
    }
    expected.sort();
    let names: Vec<String> = files.keys().cloned().collect();
    assert_eq!(names, expected, "{style}/{format}: zip entries");

    // Manifest: every file but manifest.json and signature, with the right SHA-1.
    let manifest: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&files["manifest.json"]).map_err(|e| e.to_string())?;
    assert_eq!(
        manifest.len(),
        files.len() - 2,
        "{style}/{format}: manifest covers every file"
    );
    for (name, sha) in &manifest {
        let data = files
            .get(name)
            .ok_or(format!("manifest names missing file {name}"))?;
        assert_eq!(
            sha.as_str().unwrap(),
            hex::encode(Sha1::digest(data)),
            "{style}/{format}: hash of {name}"
        );
    }

    // Signature: openssl CLI.
    let case = dir.join(format!("{style}_{format}"));
    std::fs::create_dir_all(&case).unwrap();
    std::fs::write(case.join("pass.pkpass"), &pkpass).unwrap();
    std::fs::write(case.join("manifest.json"), &files["manifest.json"]).unwrap();
    std::fs::write(case.join("signature"), &files["signature"]).unwrap();
    let wwdr = pki_dir().join("wwdr.pem");
    let out = std::process::Command::new("openssl")
        .current_dir(&case)
        .args([
            "smime",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "signature",
            "-content",
            "manifest.json",
        ])
        .arg("-CAfile")
        .arg(&wwdr)
        .args(["-purpose", "any", "-out", "/dev/null"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || !stderr.contains("Verification successful") {
        return Err(format!(
            "{style}/{format}: openssl smime -verify failed: {stderr}"
        ));
    }
    // In-process.
    signer
        .verify_signature(&files["manifest.json"], &files["signature"])
        .map_err(|e| e.to_string())?;
    // Both certificates embedded.
    let p7 = Pkcs7::from_der(&files["signature"]).unwrap();
    let certs = p7
        .signed()
        .and_then(|s| s.certificates())
        .map(|c| c.len())
        .unwrap_or(0);
    assert_eq!(
        certs, 2,
        "signer certificate and WWDR intermediate embedded"
    );

    // pass.json against the golden file.
    let actual: serde_json::Value =
        serde_json::from_slice(&files["pass.json"]).map_err(|e| e.to_string())?;
    assert_eq!(actual, pass_json(&spec, PASS_TYPE_ID, TEAM_ID));
    let golden =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{style}_{format}.json"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(
            &golden,
            serde_json::to_string_pretty(&actual).unwrap() + "\n",
        )
        .unwrap();
    }
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&golden).map_err(|e| format!("{}: {e}", golden.display()))?,
    )
    .unwrap();
    if actual != expected {
        return Err(format!(
            "{style}/{format}: pass.json differs from {}:\n{}",
            golden.display(),
            serde_json::to_string_pretty(&actual).unwrap()
        ));
    }
    Ok(())
}

#[test]
fn every_style_and_barcode_format_builds_signs_and_matches_golden() {
    let dir = scratch_dir("build");
    let mut failures = Vec::new();
    for style in PassType::ALL {
        for format in BarcodeFormat::ALL {
            if let Err(e) = check_package(*style, *format, &dir) {
                failures.push(e);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn signature_has_signing_time_and_sha256() {
    let signer = signer();
    let spec = spec_for(PassType::Coupon, BarcodeFormat::Qrcode);
    let images = images_for(PassType::Coupon);
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let files = unzip(&build_pkpass(&spec, &refs, &signer).unwrap());
    let dir = scratch_dir("sigattrs");
    std::fs::write(dir.join("signature"), &files["signature"]).unwrap();
    let out = openssl(
        &dir,
        &[
            "cms",
            "-cmsout",
            "-print",
            "-inform",
            "DER",
            "-in",
            "signature",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("signingTime"),
        "signingTime attribute present:\n{text}"
    );
    assert!(text.contains("sha256"), "SHA-256 digest");
    assert!(
        text.contains("eContent: <ABSENT>"),
        "detached signature:\n{text}"
    );
}

#[test]
fn legacy_barcode_is_first_non_code128_and_none_emits_nothing() {
    use passworks_wire::Barcode;
    let bc = |format, m: &str| Barcode {
        format,
        message: m.into(),
        alt_text: String::new(),
        alt_text_type: "mirror".into(),
    };
    let mut spec = spec_for(PassType::Generic, BarcodeFormat::Ean128);
    spec.barcodes = vec![
        bc(BarcodeFormat::Ean128, "123"),
        bc(BarcodeFormat::None, ""),
        bc(BarcodeFormat::Aztec, "123"),
    ];
    let v = pass_json(&spec, PASS_TYPE_ID, TEAM_ID);
    assert_eq!(v["barcode"]["format"], "PKBarcodeFormatAztec");
    assert!(
        v["barcode"].get("altText").is_none(),
        "empty alt text omitted"
    );
    let formats: Vec<&str> = v["barcodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, ["PKBarcodeFormatCode128", "PKBarcodeFormatAztec"]);

    spec.barcodes = vec![bc(BarcodeFormat::None, "")];
    let v = pass_json(&spec, PASS_TYPE_ID, TEAM_ID);
    assert!(v.get("barcode").is_none() && v.get("barcodes").is_none());
}

#[test]
fn empty_values_are_omitted_and_limits_cut() {
    let mut spec = spec_for(PassType::StoreCard, BarcodeFormat::Qrcode);
    spec.logo_text = Some(String::new());
    spec.web_service_url = None;
    spec.background_color = None;
    spec.relevant_date = None;
    spec.user_info = serde_json::json!({});
    spec.associated_store_identifiers.clear();
    spec.max_distance = None;
    spec.voided = true;
    spec.locations = vec![spec.locations[0].clone(); 12];
    let v = pass_json(&spec, PASS_TYPE_ID, TEAM_ID);
    for key in [
        "logoText",
        "webServiceURL",
        "backgroundColor",
        "relevantDate",
        "userInfo",
        "associatedStoreIdentifiers",
        "maxDistance",
    ] {
        assert!(v.get(key).is_none(), "{key} omitted");
    }
    assert_eq!(v["voided"], true);
    assert_eq!(v["locations"].as_array().unwrap().len(), 10);
    assert!(v["storeCard"].get("transitType").is_none());
}

#[test]
fn builds_in_parallel_with_a_shared_signer() {
    let signer = signer();
    let images = images_for(PassType::EventTicket);
    std::thread::scope(|s| {
        for t in 0..2 {
            let signer = signer.clone();
            let images = &images;
            s.spawn(move || {
                let refs: Vec<&PreparedImage> = images.iter().collect();
                for i in 0..10 {
                    let mut spec = spec_for(PassType::EventTicket, BarcodeFormat::Pdf417);
                    spec.serial_number = format!("{t}-{i}");
                    let files = unzip(&build_pkpass(&spec, &refs, &signer).unwrap());
                    signer
                        .verify_signature(&files["manifest.json"], &files["signature"])
                        .unwrap();
                }
            });
        }
    });
}

#[test]
fn a_pass_of_1x_uploads_is_the_size_of_its_uploads() {
    use passworks_wire::AssetType;
    let signer = signer();
    let style = PassType::StoreCard;
    let uploads = [
        (AssetType::Icon, png(29, 29, 10)),
        (AssetType::Logo, png(160, 50, 20)),
        (AssetType::Strip, png(375, 123, 30)),
    ];
    let images: Vec<PreparedImage> = uploads
        .iter()
        .map(|(slot, bytes)| PreparedImage::from_png_for_style(*slot, style, bytes).unwrap())
        .collect();
    // Nothing is upscaled: one file per image, the upload itself.
    for (img, (_, bytes)) in images.iter().zip(&uploads) {
        assert_eq!(img.file_entries().len(), 1, "{:?}", img.slot());
        assert_eq!(&*img.file_entries()[0].bytes, &bytes[..]);
    }
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let pkpass = build_pkpass(&spec_for(style, BarcodeFormat::Qrcode), &refs, &signer).unwrap();
    let uploaded: usize = uploads.iter().map(|(_, b)| b.len()).sum();
    assert!(
        pkpass.len() <= uploaded + 8 * 1024,
        "{} bytes of pass for {uploaded} bytes of uploads",
        pkpass.len()
    );
}
