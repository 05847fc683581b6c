//! Loading signing identities: every failure gets its own clear error.

mod common;

use common::*;
use passworks_pkpass::{build_pkpass, dev_ca, CertificateError, PreparedImage, Signer};
use passworks_wire::{BarcodeFormat, PassType};

#[test]
fn p12_loads_and_reports_its_subject() {
    let s = Signer::from_p12(&pki_file("signer.p12"), "test", &pki_file("wwdr.pem")).unwrap();
    let info = s.info();
    assert_eq!(info.pass_type_identifier, PASS_TYPE_ID);
    assert_eq!(info.team_identifier, TEAM_ID);
    assert_eq!(info.issued_to, format!("Pass Type ID: {PASS_TYPE_ID}"));
    assert_eq!(info.organization.as_deref(), Some("Example Test Org"));
    let exp = chrono::DateTime::parse_from_rfc3339(&info.expires_at).unwrap();
    let nb = chrono::DateTime::parse_from_rfc3339(&info.not_before).unwrap();
    assert!(exp > chrono::Utc::now() && nb < chrono::Utc::now());
    assert!((exp - nb).num_days() >= 824, "825-day certificate");
    assert_eq!(
        info.issuer,
        "Test Worldwide Developer Relations Certification Authority"
    );
    assert_eq!(info.sha1_fingerprint.len(), 40);
}

#[test]
fn legacy_p12_loads() {
    let s = Signer::from_p12(
        &pki_file("signer-legacy.p12"),
        "test",
        &pki_file("wwdr.pem"),
    )
    .unwrap();
    assert_eq!(s.info().pass_type_identifier, PASS_TYPE_ID);
}

#[test]
fn wwdr_may_be_der_or_taken_from_the_p12() {
    Signer::from_p12(&pki_file("signer.p12"), "test", &pki_file("wwdr.cer")).unwrap();
    Signer::from_p12(&pki_file("signer.p12"), "test", b"").unwrap();
}

#[test]
fn wrong_password() {
    let e = Signer::from_p12(&pki_file("signer.p12"), "nope", &pki_file("wwdr.pem")).unwrap_err();
    assert_eq!(e, CertificateError::WrongPassword);
    assert_eq!(
        e.to_string(),
        "wrong password: the password does not open this .p12 file"
    );
    let e = Signer::from_p12(
        &pki_file("signer-legacy.p12"),
        "nope",
        &pki_file("wwdr.pem"),
    )
    .unwrap_err();
    assert_eq!(e, CertificateError::WrongPassword);
}

#[test]
fn not_a_p12() {
    for bytes in [
        pki_file("signer.pem"),
        b"hello".to_vec(),
        Vec::new(),
        pki_file("signer.cer"),
    ] {
        let e = Signer::from_p12(&bytes, "test", &pki_file("wwdr.pem")).unwrap_err();
        assert_eq!(e, CertificateError::NotPkcs12);
        assert!(e.to_string().starts_with("not a PKCS#12 file"));
    }
}

#[test]
fn key_that_does_not_match() {
    let e = Signer::from_pem(
        pki_file("signer.pem"),
        pki_file("wwdr.key"),
        pki_file("wwdr.pem"),
    )
    .unwrap_err();
    assert_eq!(e, CertificateError::KeyMismatch);
    assert!(e.to_string().contains("does not match the certificate"));
}

/// Issues a certificate from the test WWDR with the openssl CLI.
fn issue(dir: &std::path::Path, name: &str, subject: &str, days: &str) {
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
            "-subj",
            subject,
        ],
    );
    let wwdr_pem = pki_dir().join("wwdr.pem");
    let wwdr_key = pki_dir().join("wwdr.key");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            wwdr_pem.to_str().unwrap(),
            "-CAkey",
            wwdr_key.to_str().unwrap(),
            "-CAcreateserial",
            "-CAserial",
            &format!("{name}.srl"),
            "-out",
            &format!("{name}.pem"),
            "-days",
            days,
            "-sha256",
        ],
    );
}

#[test]
fn expired_certificate() {
    let dir = scratch_dir("expired");
    issue(
        &dir,
        "expired",
        &format!("/UID={PASS_TYPE_ID}/CN=Pass Type ID: {PASS_TYPE_ID}/OU={TEAM_ID}"),
        "-1",
    );
    let cert = std::fs::read(dir.join("expired.pem")).unwrap();
    let key = std::fs::read(dir.join("expired.key")).unwrap();
    let e = Signer::from_pem(&cert, &key, pki_file("wwdr.pem")).unwrap_err();
    assert!(matches!(e, CertificateError::Expired { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with("the certificate expired on 20"),
        "{e}"
    );
    // Same through a .p12.
    openssl(
        &dir,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "expired.key",
            "-in",
            "expired.pem",
            "-passout",
            "pass:x",
            "-out",
            "expired.p12",
        ],
    );
    let e = Signer::from_p12(
        &std::fs::read(dir.join("expired.p12")).unwrap(),
        "x",
        &pki_file("wwdr.pem"),
    )
    .unwrap_err();
    assert!(matches!(e, CertificateError::Expired { .. }), "{e:?}");
}

#[test]
fn not_yet_valid_certificate() {
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::x509::{X509Builder, X509NameBuilder, X509};
    let ca = X509::from_pem(&pki_file("wwdr.pem")).unwrap();
    let ca_key = PKey::private_key_from_pem(&pki_file("wwdr.key")).unwrap();
    let key = PKey::private_key_from_pem(&pki_file("signer.key")).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("UID", PASS_TYPE_ID).unwrap();
    name.append_entry_by_text("OU", TEAM_ID).unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(ca.subject_name()).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(10).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(20).unwrap())
        .unwrap();
    b.sign(&ca_key, MessageDigest::sha256()).unwrap();
    let e = Signer::from_pem(
        b.build().to_pem().unwrap(),
        pki_file("signer.key"),
        pki_file("wwdr.pem"),
    )
    .unwrap_err();
    assert!(matches!(e, CertificateError::NotYetValid { .. }), "{e:?}");
    assert!(e
        .to_string()
        .starts_with("the certificate is not valid yet: it becomes valid on 20"));
}

#[test]
fn certificate_from_another_intermediate() {
    let other = dev_ca::generate("X", "pass.x", "Other").unwrap();
    let e = Signer::from_pem(
        pki_file("signer.pem"),
        pki_file("signer.key"),
        &other.ca_cert_pem,
    )
    .unwrap_err();
    assert!(
        matches!(e, CertificateError::NotIssuedByIntermediate(_)),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with(
            "the certificate does not chain to the supplied WWDR intermediate certificate"
        ),
        "{e}"
    );
}

#[test]
fn unreadable_intermediate() {
    let e = Signer::from_p12(&pki_file("signer.p12"), "test", b"garbage bytes").unwrap_err();
    assert!(
        matches!(e, CertificateError::IntermediateUnreadable(_)),
        "{e:?}"
    );
    let e = Signer::from_pem(
        pki_file("signer.pem"),
        pki_file("signer.key"),
        "-----BEGIN CERTIFICATE-----\nxx\n-----END CERTIFICATE-----\n",
    )
    .unwrap_err();
    assert!(
        matches!(e, CertificateError::IntermediateUnreadable(_)),
        "{e:?}"
    );
    assert!(e
        .to_string()
        .starts_with("the WWDR intermediate certificate could not be read as PEM or DER"));
}

#[test]
fn not_a_pass_type_id_certificate() {
    let dir = scratch_dir("nouid");
    issue(
        &dir,
        "nouid",
        &format!("/CN=www.example.com/OU={TEAM_ID}"),
        "30",
    );
    let cert = std::fs::read(dir.join("nouid.pem")).unwrap();
    let key = std::fs::read(dir.join("nouid.key")).unwrap();
    let e = Signer::from_pem(&cert, &key, pki_file("wwdr.pem")).unwrap_err();
    assert!(
        matches!(e, CertificateError::NotPassTypeCertificate(_)),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "not a Pass Type ID certificate: its subject has no UID entry (the pass type identifier, e.g. pass.com.example.ticket)"
    );
    issue(&dir, "noou", &format!("/UID={PASS_TYPE_ID}/CN=x"), "30");
    let cert = std::fs::read(dir.join("noou.pem")).unwrap();
    let key = std::fs::read(dir.join("noou.key")).unwrap();
    let e = Signer::from_pem(&cert, &key, pki_file("wwdr.pem")).unwrap_err();
    assert!(
        e.to_string()
            .contains("no OU entry (the Apple team identifier)"),
        "{e}"
    );
}

#[test]
fn pem_parts_round_trip() {
    let s = Signer::from_p12(&pki_file("signer.p12"), "test", &pki_file("wwdr.pem")).unwrap();
    let (cert, key, wwdr) = s.to_pem_parts();
    assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
    assert!(wwdr.starts_with("-----BEGIN CERTIFICATE-----"));
    let again = Signer::from_pem(&cert, &key, &wwdr).unwrap();
    assert_eq!(again.info(), s.info());
}

#[test]
fn dev_ca_identity_signs_passes_that_verify() {
    let id = dev_ca::generate("DEVTEAM123", "pass.dev.example", "Dev Org").unwrap();
    let dir = scratch_dir("devca");
    std::fs::write(dir.join("ca.pem"), &id.ca_cert_pem).unwrap();
    std::fs::write(dir.join("cert.pem"), &id.cert_pem).unwrap();
    // The CA is a CA, 10 years; the leaf 2 years, UID/OU/CN as Apple's.
    let ca_text =
        String::from_utf8(openssl(&dir, &["x509", "-in", "ca.pem", "-noout", "-text"]).stdout)
            .unwrap();
    assert!(ca_text.contains("CA:TRUE"), "{ca_text}");
    assert!(ca_text.contains("Public-Key: (2048 bit)"));
    let leaf_subject = String::from_utf8(
        openssl(
            &dir,
            &[
                "x509", "-in", "cert.pem", "-noout", "-subject", "-nameopt", "RFC2253",
            ],
        )
        .stdout,
    )
    .unwrap();
    assert!(
        leaf_subject.contains("UID=pass.dev.example"),
        "{leaf_subject}"
    );
    assert!(leaf_subject.contains("OU=DEVTEAM123"));
    assert!(leaf_subject.contains("CN=Pass Type ID: pass.dev.example"));
    openssl(&dir, &["verify", "-CAfile", "ca.pem", "cert.pem"]);

    let signer = Signer::from_pem(&id.cert_pem, &id.key_pem, &id.ca_cert_pem).unwrap();
    let info = signer.info();
    assert_eq!(
        (
            info.pass_type_identifier.as_str(),
            info.team_identifier.as_str()
        ),
        ("pass.dev.example", "DEVTEAM123")
    );
    let years = (chrono::DateTime::parse_from_rfc3339(&info.expires_at).unwrap()
        - chrono::Utc::now().fixed_offset())
    .num_days();
    assert!((728..=731).contains(&years), "{years} days");

    let spec = spec_for(PassType::StoreCard, BarcodeFormat::Aztec);
    let images = images_for(PassType::StoreCard);
    let refs: Vec<&PreparedImage> = images.iter().collect();
    let files = unzip(&build_pkpass(&spec, &refs, &signer).unwrap());
    std::fs::write(dir.join("manifest.json"), &files["manifest.json"]).unwrap();
    std::fs::write(dir.join("signature"), &files["signature"]).unwrap();
    openssl(
        &dir,
        &[
            "smime",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "signature",
            "-content",
            "manifest.json",
            "-CAfile",
            "ca.pem",
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ],
    );
    signer
        .verify_signature(&files["manifest.json"], &files["signature"])
        .unwrap();
    // A tampered manifest fails.
    let mut bad = files["manifest.json"].clone();
    bad[5] ^= 1;
    assert!(signer.verify_signature(&bad, &files["signature"]).is_err());
}
