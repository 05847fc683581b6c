//! Assembling and signing `.pkpass` archives.

use sha1::{Digest, Sha1};

use crate::images::PreparedImage;
use crate::signer::Signer;
use crate::spec::{pass_json, PassSpec};
use crate::validate::{validate, ValidationError};
use crate::zipper::{dos_time, StoredZip};

/// MIME type of a `.pkpass` file.
pub const PKPASS_CONTENT_TYPE: &str = "application/vnd.apple.pkpass";

/// Writes `manifest.json`: a JSON object mapping each file name to its lower-case hex SHA-1.
pub fn manifest_json<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut m = serde_json::Map::new();
    for (name, sha) in entries {
        m.insert(name.to_owned(), serde_json::Value::String(sha.to_owned()));
    }
    serde_json::Value::Object(m).to_string()
}

/// Validates the pass (see [`validate`]), then writes `pass.json`, every image file, the
/// `manifest.json` (SHA-1 of every file) and the detached PKCS#7 `signature` over the
/// manifest, zipped with stored entries. Returns the `.pkpass` bytes, or every validation
/// error (a signing failure is reported as an error on `certificate`).
///
/// Prepared images contribute their precomputed bytes, SHA-1 and CRC-32, so the per-pass cost
/// is one `pass.json` serialisation, two small SHA-1s, one RSA signature and a memory copy.
pub fn build_pkpass(
    spec: &PassSpec,
    images: &[&PreparedImage],
    signer: &Signer,
) -> Result<Vec<u8>, Vec<ValidationError>> {
    let errors = validate(spec, signer, images);
    if !errors.is_empty() {
        return Err(errors);
    }
    let info = signer.info();
    let pass = serde_json::to_vec(&pass_json(
        spec,
        &info.pass_type_identifier,
        &info.team_identifier,
    ))
    .expect("a serde_json::Value always serialises");
    let pass_sha = hex::encode(Sha1::digest(&pass));

    let manifest = manifest_json(
        std::iter::once(("pass.json", pass_sha.as_str())).chain(
            images
                .iter()
                .flat_map(|i| i.file_entries())
                .map(|f| (f.name.as_str(), f.sha1_hex.as_str())),
        ),
    );
    let signature = signer.sign_manifest(manifest.as_bytes()).map_err(|e| {
        vec![ValidationError {
            field: "certificate".into(),
            message: format!("signing the manifest failed: {e}"),
        }]
    })?;

    let image_bytes: usize = images.iter().map(|i| i.total_bytes()).sum();
    let n_files = 3 + images.iter().map(|i| i.file_entries().len()).sum::<usize>();
    let capacity = pass.len() + manifest.len() + signature.len() + image_bytes + n_files * 110 + 22;
    let mut zip = StoredZip::new(capacity, dos_time(chrono::Utc::now()));
    zip.add("pass.json", &pass);
    for img in images {
        for f in img.file_entries() {
            zip.add_with_crc(&f.name, &f.bytes, f.crc32);
        }
    }
    zip.add("manifest.json", manifest.as_bytes());
    zip.add("signature", &signature);
    Ok(zip.finish())
}
