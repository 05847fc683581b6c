//! Assembling and signing `.pkpass` archives.

use std::collections::BTreeMap;

use sha1::{Digest, Sha1};

use crate::images::PreparedImage;
use crate::signer::Signer;
use crate::spec::{pass_json, PassSpec};
use crate::validate::{validate, ValidationError};
use crate::zipper::{dos_time, StoredZip};

/// MIME type of a `.pkpass` file.
pub const PKPASS_CONTENT_TYPE: &str = "application/vnd.apple.pkpass";

/// `<lang>.lproj/pass.strings` for every language of `translations` that has texts.
pub fn localization_files(
    translations: &BTreeMap<String, BTreeMap<String, String>>,
) -> Vec<(String, Vec<u8>)> {
    translations
        .iter()
        .filter(|(_, texts)| !texts.is_empty())
        .map(|(lang, texts)| (format!("{lang}.lproj/pass.strings"), pass_strings(texts)))
        .collect()
}

/// A `pass.strings` file: one `"text" = "translation";` line per entry (sorted, `"`, `\`
/// and line breaks escaped as in any Apple strings file), encoded UTF-16 little-endian
/// with a byte-order mark: Apple's "Creating the Source for a Pass" asks for UTF-16 for
/// non-ASCII text, and the mark tells Wallet the byte order.
pub fn pass_strings(texts: &BTreeMap<String, String>) -> Vec<u8> {
    fn quote(out: &mut String, s: &str) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    let mut text = String::new();
    for (k, v) in texts {
        quote(&mut text, k);
        text.push_str(" = ");
        quote(&mut text, v);
        text.push_str(";\n");
    }
    let mut out = Vec::with_capacity(2 + text.len() * 2);
    out.extend_from_slice(&[0xFF, 0xFE]);
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// MIME type of a `.pkpasses` bundle (Apple, "Distributing and updating a pass").
pub const PKPASSES_CONTENT_TYPE: &str = "application/vnd.apple.pkpasses";
/// Most passes in one bundle (Apple: "up to 10 passes").
pub use passworks_wire::MAX_BUNDLE_PASSES;
/// Largest bundle in bytes (Apple: "or 150 MB").
pub const MAX_BUNDLE_BYTES: usize = 150 * 1000 * 1000;

/// Why passes cannot go into one `.pkpasses` bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("a bundle holds 1 to {MAX_BUNDLE_PASSES} passes (got {0})")]
    Count(usize),
    #[error("the passes take {0} bytes; a bundle holds at most 150 MB")]
    Size(usize),
    #[error("{0:?} is in the bundle twice")]
    Duplicate(String),
}

/// Zips signed `.pkpass` files into a `.pkpasses` bundle (stored entries, each named
/// `<name>.pkpass`), within Apple's bounds: 1 to 10 passes, 150 MB, distinct names.
pub fn bundle_pkpasses(passes: &[(String, &[u8])]) -> Result<Vec<u8>, BundleError> {
    if passes.is_empty() || passes.len() > MAX_BUNDLE_PASSES {
        return Err(BundleError::Count(passes.len()));
    }
    let total: usize = passes.iter().map(|(_, b)| b.len()).sum();
    if total > MAX_BUNDLE_BYTES {
        return Err(BundleError::Size(total));
    }
    let mut zip = StoredZip::new(
        total + passes.len() * 140 + 22,
        dos_time(chrono::Utc::now()),
    );
    let mut names: Vec<&str> = Vec::with_capacity(passes.len());
    for (name, bytes) in passes {
        if names.contains(&name.as_str()) {
            return Err(BundleError::Duplicate(name.clone()));
        }
        names.push(name);
        zip.add(&format!("{name}.pkpass"), bytes);
    }
    Ok(zip.finish())
}

/// Writes `manifest.json`: a JSON object mapping each file name to its lower-case hex SHA-1.
pub fn manifest_json<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut m = serde_json::Map::new();
    for (name, sha) in entries {
        m.insert(name.to_owned(), serde_json::Value::String(sha.to_owned()));
    }
    serde_json::Value::Object(m).to_string()
}

/// Validates the pass (see [`validate`]), then writes `pass.json`, the `pass.strings` of
/// each language, `personalization.json` when the pass asks for rewards enrollment, every
/// image file, the `manifest.json` (SHA-1 of every file) and the detached PKCS#7
/// `signature` over the manifest, zipped with stored entries. Returns the `.pkpass` bytes, or every validation
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
    let mut strings = localization_files(&spec.apple.translations);
    // Rewards enrollment: Wallet shows its sign-up form while the pass carries
    // `personalization.json`; the personalized pass is built without it.
    if let Some(p) = &spec.apple.personalization {
        let json = serde_json::to_vec(&p.apple_json()).expect("a Value always serialises");
        strings.push(("personalization.json".to_string(), json));
    }
    let strings_sha: Vec<String> = strings
        .iter()
        .map(|(_, b)| hex::encode(Sha1::digest(b)))
        .collect();

    let manifest = manifest_json(
        std::iter::once(("pass.json", pass_sha.as_str()))
            .chain(
                strings
                    .iter()
                    .zip(&strings_sha)
                    .map(|((name, _), sha)| (name.as_str(), sha.as_str())),
            )
            .chain(
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

    let image_bytes: usize = images.iter().map(|i| i.total_bytes()).sum::<usize>()
        + strings.iter().map(|(_, b)| b.len()).sum::<usize>();
    let n_files = 3 + strings.len() + images.iter().map(|i| i.file_entries().len()).sum::<usize>();
    let capacity = pass.len() + manifest.len() + signature.len() + image_bytes + n_files * 110 + 22;
    let mut zip = StoredZip::new(capacity, dos_time(chrono::Utc::now()));
    zip.add("pass.json", &pass);
    for (name, bytes) in &strings {
        zip.add(name, bytes);
    }
    for img in images {
        for f in img.file_entries() {
            zip.add_with_crc(&f.name, &f.bytes, f.crc32);
        }
    }
    zip.add("manifest.json", manifest.as_bytes());
    zip.add("signature", &signature);
    Ok(zip.finish())
}
