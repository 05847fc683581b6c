//! `.pkpasses` bundles: signed passes zipped together within Apple's bounds (1 to 10
//! passes, 150 MB, distinct names), each readable back as the very `.pkpass` it was.

mod common;

use common::*;
use passworks_pkpass::{
    build_pkpass, bundle_pkpasses, BundleError, PreparedImage, MAX_BUNDLE_PASSES,
};
use passworks_wire::{BarcodeFormat, PassType};

fn signed(serial: &str) -> Vec<u8> {
    let mut spec = spec_for(PassType::BoardingPass, BarcodeFormat::Pdf417);
    spec.serial_number = serial.into();
    let images = images_for(PassType::BoardingPass);
    let refs: Vec<&PreparedImage> = images.iter().collect();
    build_pkpass(&spec, &refs, &signer()).unwrap()
}

#[test]
fn a_family_of_boarding_passes_goes_in_one_bundle() {
    let passes: Vec<(String, Vec<u8>)> = ["ana", "rui", "ines"]
        .iter()
        .map(|s| (s.to_string(), signed(s)))
        .collect();
    let refs: Vec<(String, &[u8])> = passes
        .iter()
        .map(|(n, b)| (n.clone(), b.as_slice()))
        .collect();
    let bundle = bundle_pkpasses(&refs).unwrap();
    let files = unzip(&bundle);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["ana.pkpass", "ines.pkpass", "rui.pkpass"]
    );
    for (name, bytes) in &passes {
        assert_eq!(&files[&format!("{name}.pkpass")], bytes);
        // Each entry is itself a complete pass.
        assert!(unzip(bytes).contains_key("signature"));
    }
}

#[test]
fn bundles_keep_apples_bounds() {
    let one = signed("x");
    let eleven: Vec<(String, &[u8])> = (0..=MAX_BUNDLE_PASSES)
        .map(|i| (format!("p{i}"), one.as_slice()))
        .collect();
    assert_eq!(bundle_pkpasses(&eleven), Err(BundleError::Count(11)));
    assert_eq!(bundle_pkpasses(&[]), Err(BundleError::Count(0)));
    assert_eq!(
        bundle_pkpasses(&[("a".into(), one.as_slice()), ("a".into(), one.as_slice())]),
        Err(BundleError::Duplicate("a".into()))
    );
}
