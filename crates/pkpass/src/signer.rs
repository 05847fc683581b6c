//! Pass Type ID signing identities: loading, checking and signing manifests.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use openssl::asn1::{Asn1Time, Asn1TimeRef};
use openssl::error::ErrorStack;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::pkey::{PKey, Private};
use openssl::provider::Provider;
use openssl::stack::Stack;
use openssl::x509::store::{X509Store, X509StoreBuilder};
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{X509NameRef, X509PurposeId, X509Ref, X509StoreContext, X509};

/// Why a signing identity could not be loaded or used. Messages are meant for humans
/// (they are shown to API users uploading certificates).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The PKCS#12 MAC did not verify: wrong password.
    #[error("wrong password: the password does not open this .p12 file")]
    WrongPassword,
    /// The bytes are not a DER PKCS#12 structure.
    #[error("not a PKCS#12 file: expected a .p12 certificate export (DER-encoded PKCS#12)")]
    NotPkcs12,
    /// The .p12 uses an encryption algorithm this OpenSSL cannot load (legacy provider missing).
    #[error("the .p12 file uses an encryption algorithm that is not available ({0}); re-export it with AES (OpenSSL 3 default) or install the OpenSSL legacy provider")]
    UnsupportedEncryption(String),
    /// The .p12 has no certificate.
    #[error("the .p12 file contains no certificate")]
    MissingCertificate,
    /// The .p12 has no private key.
    #[error("the .p12 file contains no private key")]
    MissingKey,
    /// The certificate PEM/DER could not be parsed.
    #[error("the certificate could not be read: {0}")]
    CertificateUnreadable(String),
    /// The private key PEM could not be parsed.
    #[error("the private key could not be read (it must be an unencrypted PEM key): {0}")]
    KeyUnreadable(String),
    /// The private key's public half differs from the certificate's public key.
    #[error("the private key does not match the certificate (they belong to different key pairs)")]
    KeyMismatch,
    /// `notAfter` is in the past.
    #[error("the certificate expired on {expired_at}")]
    Expired {
        /// RFC 3339 time of `notAfter`.
        expired_at: String,
    },
    /// `notBefore` is in the future.
    #[error("the certificate is not valid yet: it becomes valid on {valid_from}")]
    NotYetValid {
        /// RFC 3339 time of `notBefore`.
        valid_from: String,
    },
    /// The certificate does not verify against the supplied intermediate.
    #[error("the certificate does not chain to the supplied WWDR intermediate certificate ({0})")]
    NotIssuedByIntermediate(String),
    /// The WWDR intermediate could not be read.
    #[error("the WWDR intermediate certificate could not be read as PEM or DER: {0}")]
    IntermediateUnreadable(String),
    /// The subject lacks the UID (pass type identifier) or OU (team identifier).
    #[error("not a Pass Type ID certificate: {0}")]
    NotPassTypeCertificate(String),
    /// An unexpected OpenSSL failure.
    #[error("OpenSSL error: {0}")]
    Internal(String),
}

/// Facts about a signing certificate, for display and for `pass.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Subject UID: the pass type identifier (`pass.com.example.ticket`).
    pub pass_type_identifier: String,
    /// Subject OU: the Apple team identifier.
    pub team_identifier: String,
    /// Subject CN (`Pass Type ID: pass.com.example.ticket`).
    pub issued_to: String,
    /// Subject O, when present.
    pub organization: Option<String>,
    /// `notAfter`, RFC 3339 (UTC).
    pub expires_at: String,
    /// `notBefore`, RFC 3339 (UTC).
    pub not_before: String,
    /// Issuer CN (normally the WWDR intermediate).
    pub issuer: String,
    /// Serial number, upper-case hex.
    pub serial_number: String,
    /// SHA-1 fingerprint of the certificate DER, lower-case hex.
    pub sha1_fingerprint: String,
}

/// A parsed, checked signing identity: Pass Type ID certificate, its private key and the WWDR
/// intermediate. Construction verifies that the key matches, the certificate is valid now,
/// carries UID/OU and chains to the intermediate. `Signer` is `Send + Sync`; share it with `Arc`.
pub struct Signer {
    cert: X509,
    key: PKey<Private>,
    wwdr: X509,
    /// The certificates embedded in every signature besides the signer's (the intermediate).
    extra_certs: Stack<X509>,
    info: CertificateInfo,
    not_before_unix: i64,
    not_after_unix: i64,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

/// Keeps the OpenSSL "legacy" (RC2/3DES PKCS#12) and "default" providers loaded.
static PROVIDERS: OnceLock<(Option<Provider>, Option<Provider>)> = OnceLock::new();

/// Loads the legacy and default providers once; returns whether legacy is available.
fn ensure_providers() -> bool {
    let (legacy, _default) = PROVIDERS.get_or_init(|| {
        let legacy = Provider::try_load(None, "legacy", true).ok();
        let default = Provider::try_load(None, "default", true).ok();
        (legacy, default)
    });
    legacy.is_some()
}

fn ossl(e: ErrorStack) -> CertificateError {
    CertificateError::Internal(e.to_string())
}

fn unix_of(t: &Asn1TimeRef) -> Result<i64, CertificateError> {
    let epoch = Asn1Time::from_unix(0).map_err(ossl)?;
    let d = epoch.diff(t).map_err(ossl)?;
    Ok(d.days as i64 * 86_400 + d.secs as i64)
}

fn rfc3339(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| unix.to_string())
}

fn name_entry(name: &X509NameRef, nid: Nid) -> Option<String> {
    name.entries_by_nid(nid)
        .next()
        .and_then(|e| e.data().to_string().ok())
        .filter(|s| !s.trim().is_empty())
}

fn now_unix() -> i64 {
    Utc::now().timestamp()
}

/// Parses one certificate given as PEM or DER.
fn parse_cert(bytes: &[u8]) -> Result<X509, String> {
    if bytes.windows(10).any(|w| w == b"-----BEGIN") {
        X509::from_pem(bytes).map_err(|e| format!("invalid PEM certificate: {e}"))
    } else if bytes.is_empty() {
        Err("no data".into())
    } else {
        X509::from_der(bytes).map_err(|e| format!("neither PEM nor DER X.509: {e}"))
    }
}

impl Signer {
    /// Loads a `.p12` export (modern AES or legacy RC2/3DES encryption) and the WWDR
    /// intermediate (PEM or DER). When `wwdr` is empty, the first CA certificate inside the
    /// `.p12` is used instead.
    pub fn from_p12(p12: &[u8], password: &str, wwdr: &[u8]) -> Result<Signer, CertificateError> {
        let legacy_available = ensure_providers();
        let parsed = Pkcs12::from_der(p12).map_err(|_| CertificateError::NotPkcs12)?;
        let parsed = parsed.parse2(password).map_err(|e| {
            let text = e.to_string().to_ascii_lowercase();
            if text.contains("mac verify")
                || text.contains("mac_verify")
                || text.contains("invalid password")
            {
                CertificateError::WrongPassword
            } else if text.contains("unsupported") || text.contains("fetch") {
                if legacy_available {
                    CertificateError::UnsupportedEncryption(e.to_string())
                } else {
                    CertificateError::UnsupportedEncryption(format!(
                        "OpenSSL legacy provider not loadable; {e}"
                    ))
                }
            } else if text.contains("decrypt") || text.contains("bad decrypt") {
                CertificateError::WrongPassword
            } else {
                CertificateError::Internal(e.to_string())
            }
        })?;
        let cert = parsed.cert.ok_or(CertificateError::MissingCertificate)?;
        let key = parsed.pkey.ok_or(CertificateError::MissingKey)?;
        let wwdr = if wwdr.iter().all(|b| b.is_ascii_whitespace()) {
            parsed
                .ca
                .and_then(|s| s.into_iter().next())
                .ok_or_else(|| {
                    CertificateError::IntermediateUnreadable(
                        "no intermediate given and none inside the .p12".into(),
                    )
                })?
        } else {
            parse_cert(wwdr).map_err(CertificateError::IntermediateUnreadable)?
        };
        Self::from_parts(cert, key, wwdr)
    }

    /// Loads a certificate (PEM), its unencrypted private key (PEM, PKCS#8 or traditional) and
    /// the WWDR intermediate (PEM or DER).
    pub fn from_pem(
        cert_pem: impl AsRef<[u8]>,
        key_pem: impl AsRef<[u8]>,
        wwdr_pem: impl AsRef<[u8]>,
    ) -> Result<Signer, CertificateError> {
        ensure_providers();
        let cert =
            parse_cert(cert_pem.as_ref()).map_err(CertificateError::CertificateUnreadable)?;
        let key = PKey::private_key_from_pem(key_pem.as_ref())
            .map_err(|e| CertificateError::KeyUnreadable(e.to_string()))?;
        let wwdr =
            parse_cert(wwdr_pem.as_ref()).map_err(CertificateError::IntermediateUnreadable)?;
        Self::from_parts(cert, key, wwdr)
    }

    fn from_parts(cert: X509, key: PKey<Private>, wwdr: X509) -> Result<Signer, CertificateError> {
        let subject = cert.subject_name();
        let pass_type_identifier = name_entry(subject, Nid::USERID).ok_or_else(|| {
            CertificateError::NotPassTypeCertificate(
                "its subject has no UID entry (the pass type identifier, e.g. pass.com.example.ticket)".into(),
            )
        })?;
        let team_identifier =
            name_entry(subject, Nid::ORGANIZATIONALUNITNAME).ok_or_else(|| {
                CertificateError::NotPassTypeCertificate(
                    "its subject has no OU entry (the Apple team identifier)".into(),
                )
            })?;
        let issued_to = name_entry(subject, Nid::COMMONNAME).unwrap_or_default();
        let organization = name_entry(subject, Nid::ORGANIZATIONNAME);

        let pubkey = cert
            .public_key()
            .map_err(|e| CertificateError::CertificateUnreadable(e.to_string()))?;
        if !pubkey.public_eq(&key) {
            return Err(CertificateError::KeyMismatch);
        }

        let not_before_unix = unix_of(cert.not_before())?;
        let not_after_unix = unix_of(cert.not_after())?;
        let now = now_unix();
        if now > not_after_unix {
            return Err(CertificateError::Expired {
                expired_at: rfc3339(not_after_unix),
            });
        }
        if now < not_before_unix {
            return Err(CertificateError::NotYetValid {
                valid_from: rfc3339(not_before_unix),
            });
        }

        let store = trust_store(&wwdr).map_err(ossl)?;
        let mut chain = Stack::new().map_err(ossl)?;
        chain.push(wwdr.clone()).map_err(ossl)?;
        let mut ctx = X509StoreContext::new().map_err(ossl)?;
        let (ok, reason) = ctx
            .init(&store, &cert, &chain, |c| {
                let ok = c.verify_cert()?;
                Ok((ok, c.error().error_string().to_string()))
            })
            .map_err(ossl)?;
        if !ok {
            return Err(CertificateError::NotIssuedByIntermediate(reason));
        }

        let info = CertificateInfo {
            pass_type_identifier,
            team_identifier,
            issued_to,
            organization,
            expires_at: rfc3339(not_after_unix),
            not_before: rfc3339(not_before_unix),
            issuer: name_entry(cert.issuer_name(), Nid::COMMONNAME).unwrap_or_default(),
            serial_number: cert
                .serial_number()
                .to_bn()
                .and_then(|b| b.to_hex_str().map(|s| s.to_string()))
                .unwrap_or_default(),
            sha1_fingerprint: cert
                .digest(openssl::hash::MessageDigest::sha1())
                .map(|d| hex::encode(&*d))
                .unwrap_or_default(),
        };
        let mut extra_certs = Stack::new().map_err(ossl)?;
        extra_certs.push(wwdr.clone()).map_err(ossl)?;
        Ok(Signer {
            cert,
            key,
            wwdr,
            extra_certs,
            info,
            not_before_unix,
            not_after_unix,
        })
    }

    /// Subject, validity and fingerprint of the signing certificate.
    pub fn info(&self) -> &CertificateInfo {
        &self.info
    }

    /// The certificate (PEM), the private key (unencrypted PKCS#8 PEM) and the WWDR
    /// intermediate (PEM), for storage. The caller is responsible for encrypting the key at rest.
    pub fn to_pem_parts(&self) -> (String, String, String) {
        let s = |v: Result<Vec<u8>, ErrorStack>| {
            v.map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default()
        };
        (
            s(self.cert.to_pem()),
            s(self.key.private_key_to_pem_pkcs8()),
            s(self.wwdr.to_pem()),
        )
    }

    /// The signing certificate.
    pub fn certificate(&self) -> &X509Ref {
        &self.cert
    }

    /// The WWDR intermediate.
    pub fn intermediate(&self) -> &X509Ref {
        &self.wwdr
    }

    /// Checks that the certificate is valid at `now` (Unix seconds); the chain was checked at load.
    pub fn check_validity_at(&self, now: i64) -> Result<(), CertificateError> {
        if now > self.not_after_unix {
            Err(CertificateError::Expired {
                expired_at: rfc3339(self.not_after_unix),
            })
        } else if now < self.not_before_unix {
            Err(CertificateError::NotYetValid {
                valid_from: rfc3339(self.not_before_unix),
            })
        } else {
            Ok(())
        }
    }

    /// Checks that the certificate is valid now.
    pub fn check_validity(&self) -> Result<(), CertificateError> {
        self.check_validity_at(now_unix())
    }

    /// Signs `manifest` (the bytes of `manifest.json`): a detached PKCS#7 SignedData in DER,
    /// SHA-256, with signed attributes (content type, signing time, message digest) and both the
    /// signer certificate and the WWDR intermediate embedded.
    pub fn sign_manifest(&self, manifest: &[u8]) -> Result<Vec<u8>, CertificateError> {
        self.sign_detached(manifest)
    }

    /// Signs any `data` the way [`Signer::sign_manifest`] signs a manifest: a detached
    /// PKCS#7 SignedData in DER. Rewards enrollment uses it for the personalization token
    /// Wallet sends (Apple: "Your server signs the personalization token using the pass
    /// certificate, and returns the signed token").
    pub fn sign_detached(&self, data: &[u8]) -> Result<Vec<u8>, CertificateError> {
        let p7 = Pkcs7::sign(
            &self.cert,
            &self.key,
            &self.extra_certs,
            data,
            Pkcs7Flags::DETACHED | Pkcs7Flags::BINARY | Pkcs7Flags::NOSMIMECAP,
        )
        .map_err(ossl)?;
        p7.to_der().map_err(ossl)
    }

    /// Verifies a detached signature over `manifest` against this signer's intermediate
    /// (any purpose, partial chain allowed). Used by tests and diagnostics.
    pub fn verify_signature(
        &self,
        manifest: &[u8],
        signature_der: &[u8],
    ) -> Result<(), CertificateError> {
        let p7 = Pkcs7::from_der(signature_der).map_err(ossl)?;
        let store = trust_store(&self.wwdr).map_err(ossl)?;
        let certs = Stack::new().map_err(ossl)?;
        p7.verify(&certs, &store, Some(manifest), None, Pkcs7Flags::BINARY)
            .map_err(ossl)
    }
}

/// A store trusting only `wwdr` (as a partial chain: Apple's WWDR is itself an intermediate),
/// accepting any purpose and ignoring time (validity is checked separately with clear errors).
fn trust_store(wwdr: &X509) -> Result<X509Store, ErrorStack> {
    let mut b = X509StoreBuilder::new()?;
    b.add_cert(wwdr.clone())?;
    b.set_flags(X509VerifyFlags::PARTIAL_CHAIN | X509VerifyFlags::NO_CHECK_TIME)?;
    b.set_purpose(X509PurposeId::ANY)?;
    Ok(b.build())
}

#[allow(dead_code)]
fn assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<Signer>();
}
