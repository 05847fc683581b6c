//! A local development CA and Pass Type ID certificate, for self-hosted installs without an
//! Apple developer account. Passes signed this way verify with OpenSSL against the generated CA
//! but are **not** accepted by Apple Wallet on real devices.

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509Name, X509NameBuilder, X509};

use crate::signer::{CertificateError, Signer};

/// A generated development identity, all PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevIdentity {
    /// Self-signed CA certificate (stands in for Apple's WWDR intermediate).
    pub ca_cert_pem: String,
    /// CA private key (PKCS#8 PEM); keep it only if more certificates are to be issued.
    pub ca_key_pem: String,
    /// Pass Type ID certificate issued by the CA.
    pub cert_pem: String,
    /// Its private key (unencrypted PKCS#8 PEM).
    pub key_pem: String,
}

impl DevIdentity {
    /// Loads the identity as a [`Signer`] (`Signer::from_pem(cert, key, ca)`).
    pub fn signer(&self) -> Result<Signer, CertificateError> {
        Signer::from_pem(&self.cert_pem, &self.key_pem, &self.ca_cert_pem)
    }
}

const DAY: u32 = 1;

fn pem(v: Vec<u8>) -> String {
    String::from_utf8_lossy(&v).into_owned()
}

fn serial() -> Result<openssl::asn1::Asn1Integer, ErrorStack> {
    let mut bn = BigNum::new()?;
    bn.rand(127, MsbOption::MAYBE_ZERO, false)?;
    bn.to_asn1_integer()
}

fn key() -> Result<PKey<Private>, ErrorStack> {
    PKey::from_rsa(Rsa::generate(2048)?)
}

fn build(
    team_identifier: &str,
    pass_type_identifier: &str,
    org_name: &str,
) -> Result<DevIdentity, ErrorStack> {
    // CA: self-signed, CA:TRUE, 10 years.
    let ca_key = key()?;
    let mut ca_name = X509NameBuilder::new()?;
    ca_name.append_entry_by_text("O", org_name)?;
    ca_name.append_entry_by_text("OU", "Passworks development")?;
    ca_name.append_entry_by_text("CN", &format!("{org_name} Passworks Development CA"))?;
    let ca_name: X509Name = ca_name.build();
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    let sn = serial()?;
    b.set_serial_number(&sn)?;
    b.set_subject_name(&ca_name)?;
    b.set_issuer_name(&ca_name)?;
    b.set_pubkey(&ca_key)?;
    let nb = Asn1Time::days_from_now(0)?;
    let na = Asn1Time::days_from_now(3650 * DAY)?;
    b.set_not_before(&nb)?;
    b.set_not_after(&na)?;
    b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
    b.append_extension(
        KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()?,
    )?;
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(None, None))?;
    b.append_extension(ski)?;
    b.sign(&ca_key, MessageDigest::sha256())?;
    let ca: X509 = b.build();

    // Pass Type ID certificate: UID = pass type id, OU = team id, 2 years.
    let leaf_key = key()?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("UID", pass_type_identifier)?;
    name.append_entry_by_text("CN", &format!("Pass Type ID: {pass_type_identifier}"))?;
    name.append_entry_by_text("OU", team_identifier)?;
    name.append_entry_by_text("O", org_name)?;
    let name = name.build();
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    let sn = serial()?;
    b.set_serial_number(&sn)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(ca.subject_name())?;
    b.set_pubkey(&leaf_key)?;
    // Back-date by one minute against small clock differences.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let nb = Asn1Time::from_unix((now - 60) as _)?;
    let na = Asn1Time::days_from_now(730 * DAY)?;
    b.set_not_before(&nb)?;
    b.set_not_after(&na)?;
    b.append_extension(BasicConstraints::new().critical().build()?)?;
    b.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
    b.append_extension(ExtendedKeyUsage::new().client_auth().build()?)?;
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(Some(&ca), None))?;
    b.append_extension(ski)?;
    let aki = AuthorityKeyIdentifier::new()
        .keyid(true)
        .build(&b.x509v3_context(Some(&ca), None))?;
    b.append_extension(aki)?;
    b.sign(&ca_key, MessageDigest::sha256())?;
    let leaf = b.build();

    Ok(DevIdentity {
        ca_cert_pem: pem(ca.to_pem()?),
        ca_key_pem: pem(ca_key.private_key_to_pem_pkcs8()?),
        cert_pem: pem(leaf.to_pem()?),
        key_pem: pem(leaf_key.private_key_to_pem_pkcs8()?),
    })
}

/// Creates a development CA (self-signed, `CA:TRUE`, 10 years, RSA-2048) and a Pass Type ID
/// certificate issued by it (subject `UID=<pass type id>`, `OU=<team id>`,
/// `CN=Pass Type ID: <pass type id>`, `O=<org name>`, 2 years, RSA-2048), as PEM strings ready for
/// [`Signer::from_pem`]`(cert_pem, key_pem, ca_cert_pem)`.
pub fn generate(
    team_identifier: &str,
    pass_type_identifier: &str,
    org_name: &str,
) -> Result<DevIdentity, CertificateError> {
    if team_identifier.trim().is_empty() || pass_type_identifier.trim().is_empty() {
        return Err(CertificateError::NotPassTypeCertificate(
            "a team identifier and a pass type identifier are both required".into(),
        ));
    }
    let org = if org_name.trim().is_empty() {
        "Passworks"
    } else {
        org_name
    };
    build(team_identifier, pass_type_identifier, org)
        .map_err(|e| CertificateError::Internal(e.to_string()))
}
