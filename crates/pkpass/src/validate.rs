//! Pre-flight checks: everything that would make Wallet reject or mangle a pass.

use std::collections::HashMap;

use passworks_wire::rules::{
    barcode_encodable, event_ticket_strip_conflict, is_hex_color, renders_image, MAX_BEACONS,
    MAX_LOCATIONS, MIN_AUTHENTICATION_TOKEN,
};
use passworks_wire::{AssetType, PassType};

use crate::images::{slot_box_points, PreparedImage};
use crate::signer::Signer;
use crate::spec::PassSpec;

/// One problem found by [`validate`]. `field` is the Passworks attribute at fault
/// (`serial_number`, `header_fields[2].key`, `barcodes[0].message`, `strip_id`, `certificate`…),
/// `message` says what is wrong in plain words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Attribute path, using the API's names.
    pub field: String,
    /// Human-readable description of the problem.
    pub message: String,
}

impl ValidationError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ValidationError {}

fn style_slots(style: PassType) -> String {
    let names: Vec<&str> = AssetType::CLASSIC
        .iter()
        .filter(|s| renders_image(style, **s))
        .map(|s| s.as_str())
        .collect();
    names.join(", ")
}

/// The attribute an image comes from: its slot's (`logo_id`), or its language's
/// (`apple.localized_images.fr.logo_id`).
fn image_attribute(img: &PreparedImage) -> String {
    match img.language() {
        Some(lang) => passworks_wire::apple::localized_image_path(lang, img.slot()),
        None => img.slot().slot_attribute().to_string(),
    }
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn parses_as_w3c_date(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
        || chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%:z").is_ok()
        || chrono::DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%#z").is_ok()
        || s.strip_suffix('Z')
            .is_some_and(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M").is_ok())
}

/// Checks `spec`, the images and the signer; returns every problem found (empty = valid).
///
/// Rules: serial number, description and organization name present; authentication token of at
/// least 16 characters; `webServiceURL` absolute http(s); colours `#rrggbb`; field keys present
/// and unique across the five arrays; change messages refer to existing fields; boarding passes
/// have a transit type; barcode messages present, ISO-8859-1 encodable, ASCII for Code 128, and
/// within the symbology's capacity; at most 10 locations (with valid coordinates) and 10 beacons
/// (with UUIDs); dates in W3C/RFC 3339 form with a time zone; positive `maxDistance` and store
/// ids; `userInfo` an object; the icon present; every image used by the style (§20.4), at most one
/// per slot, prepared for this style's box (a strip prepared for an event ticket is 375×98 pt,
/// for other styles 375×123 pt; images prepared without a style are accepted everywhere), and an
/// event ticket strip not combined with a background or thumbnail; the
/// certificate valid now (its chain to the intermediate is checked when the [`Signer`] is built,
/// and `passTypeIdentifier`/`teamIdentifier` are always taken from it).
pub fn validate(
    spec: &PassSpec,
    signer: &Signer,
    images: &[&PreparedImage],
) -> Vec<ValidationError> {
    let mut errs = Vec::new();
    let mut err = |f: &str, m: String| errs.push(ValidationError::new(f, m));

    // Required top-level keys.
    if spec.serial_number.trim().is_empty() {
        err(
            "serial_number",
            "is required (Apple's serialNumber) and must not be blank".into(),
        );
    }
    if spec.description.trim().is_empty() {
        err(
            "description",
            "is required (Apple's description, read by VoiceOver) and must not be blank".into(),
        );
    }
    if spec.organization_name.trim().is_empty() {
        err(
            "organization_name",
            "is required (Apple's organizationName) and must not be blank".into(),
        );
    }
    let token_len = spec.authentication_token.chars().count();
    if token_len < MIN_AUTHENTICATION_TOKEN {
        err(
            "authentication_token",
            format!("must be at least {MIN_AUTHENTICATION_TOKEN} characters long (Apple rule); it has {token_len}"),
        );
    }
    if let Some(url) = spec.web_service_url.as_deref().filter(|u| !u.is_empty()) {
        let ok = ["https://", "http://"]
            .iter()
            .any(|p| url.len() > p.len() && url[..p.len()].eq_ignore_ascii_case(p));
        if !ok {
            err(
                "web_service_url",
                format!("must be an absolute https:// URL (got \"{url}\")"),
            );
        }
    }

    // The newer keys: one rule set, shared with the server's write-time checks.
    for (path, message) in passworks_wire::apple::check(spec.style, spec.transit_type, &spec.apple)
    {
        err(&path, message);
    }
    // Upcoming entries' images: resolved to hosted copies Wallet can fetch (https, ≤ 2 MB).
    for (i, e) in spec.apple.upcoming_pass_information.iter().enumerate() {
        for (api, _, id) in e.images.entries() {
            let path = format!("apple.upcoming_pass_information[{i}].images.{api}");
            match spec.hosted_images.get(id) {
                None => err(&path, format!("asset {id} could not be found")),
                Some(h) if !h.url.starts_with("https://") => err(
                    &path,
                    format!(
                        "Wallet downloads upcoming-event images only over https, and {} is not: \
                         run the server with an https public URL",
                        h.url
                    ),
                ),
                Some(h) if h.size > passworks_wire::apple::MAX_HOSTED_IMAGE_BYTES => err(
                    &path,
                    format!("is {} bytes; Wallet takes at most 2 MB", h.size),
                ),
                Some(_) => {}
            }
        }
    }

    // Colours.
    for (name, v) in [
        ("background_color", &spec.background_color),
        ("text_color", &spec.foreground_color),
        ("label_color", &spec.label_color),
    ] {
        if let Some(c) = v.as_deref().filter(|c| !c.is_empty()) {
            if !is_hex_color(c) {
                err(
                    name,
                    format!("must be a colour written #rrggbb, e.g. #ce8c46 (got \"{c}\")"),
                );
            }
        }
    }

    // Field keys.
    let mut seen: HashMap<&str, String> = HashMap::new();
    for (array, fields) in spec.field_groups() {
        let group = array.as_str();
        for (i, f) in fields.iter().enumerate() {
            let path = format!("{group}[{i}].key");
            if f.key.trim().is_empty() {
                err(&path, "must not be empty: every field needs a key".into());
            } else if let Some(first) = seen.get(f.key.as_str()) {
                err(
                    &path,
                    format!(
                        "key \"{}\" is already used by {first}; field keys must be unique across all five field arrays",
                        f.key
                    ),
                );
            } else {
                seen.insert(f.key.as_str(), format!("{group}[{i}]"));
            }
        }
    }
    // Poster generic footer and additional-info fields share the dictionary with the
    // pass's fields: their keys must not repeat them.
    if let Some(pg) = &spec.apple.poster_generic {
        for (name, list) in [
            ("footer_fields", &pg.footer_fields),
            ("additional_info_fields", &pg.additional_info_fields),
        ] {
            for (i, f) in list.iter().enumerate() {
                if let Some(first) = seen.get(f.key.as_str()) {
                    err(
                        &format!("apple.poster_generic.{name}[{i}].key"),
                        format!("key \"{}\" is already used by {first}", f.key),
                    );
                }
            }
        }
    }
    let mut cm_keys: Vec<&String> = spec.change_messages.keys().collect();
    cm_keys.sort();
    for k in cm_keys {
        if !seen.contains_key(k.as_str()) {
            err(
                &format!("change_messages.{k}"),
                format!("no field has the key \"{k}\""),
            );
        }
    }

    // Style.
    if spec.style == PassType::BoardingPass && spec.transit_type.is_none() {
        err(
            "transit_type",
            "is required for boarding passes (Apple's transitType): one of air, boat, bus, train, generic".into(),
        );
    }

    // Barcodes.
    for (i, b) in spec.barcodes.iter().enumerate() {
        if let Err(e) = barcode_encodable(b.format, &b.message) {
            err(&format!("barcodes[{i}].message"), e.to_string());
        }
    }

    // Locations and beacons.
    if spec.locations.len() > MAX_LOCATIONS {
        err(
            "locations",
            format!(
                "has {} entries; Apple allows at most {MAX_LOCATIONS}",
                spec.locations.len()
            ),
        );
    }
    for (i, l) in spec.locations.iter().enumerate() {
        if !(-90.0..=90.0).contains(&l.latitude) || !l.latitude.is_finite() {
            err(
                &format!("locations[{i}].latitude"),
                format!("must be between -90 and 90 (got {})", l.latitude),
            );
        }
        if !(-180.0..=180.0).contains(&l.longitude) || !l.longitude.is_finite() {
            err(
                &format!("locations[{i}].longitude"),
                format!("must be between -180 and 180 (got {})", l.longitude),
            );
        }
        if l.altitude.is_some_and(|a| !a.is_finite()) {
            err(
                &format!("locations[{i}].altitude"),
                "must be a finite number of metres".into(),
            );
        }
    }
    if spec.beacons.len() > MAX_BEACONS {
        err(
            "beacons",
            format!(
                "has {} entries; Apple allows at most {MAX_BEACONS}",
                spec.beacons.len()
            ),
        );
    }
    for (i, b) in spec.beacons.iter().enumerate() {
        if !is_uuid(&b.proximity_uuid) {
            err(
                &format!("beacons[{i}].proximity_uuid"),
                format!(
                    "must be a UUID like E2C56DB5-DFFB-48D2-B060-D0F5A71096E0 (got \"{}\")",
                    b.proximity_uuid
                ),
            );
        }
    }

    // Dates and numbers.
    for (name, v) in [
        ("relevant_date", &spec.relevant_date),
        ("expiration_date", &spec.expiration_date),
    ] {
        if let Some(d) = v.as_deref().filter(|d| !d.is_empty()) {
            if !parses_as_w3c_date(d) {
                err(
                    name,
                    format!("must be an ISO-8601 date and time with a time zone, e.g. 2025-06-01T19:30:00+02:00 (got \"{d}\")"),
                );
            }
        }
    }
    if let Some(d) = spec.max_distance {
        if d <= 0 {
            err(
                "max_distance",
                format!("must be a positive number of metres (got {d})"),
            );
        }
    }
    if !(spec.user_info.is_null() || spec.user_info.is_object()) {
        err(
            "user_info",
            "must be a JSON object (Apple's userInfo is a dictionary)".into(),
        );
    }
    for (i, id) in spec.associated_store_identifiers.iter().enumerate() {
        if *id <= 0 {
            err(
                &format!("associated_store_identifiers[{i}]"),
                format!("must be a positive App Store id (got {id})"),
            );
        }
    }

    // Images: the root ones here, each language's (`<lang>.lproj/`) below.
    let (localized, images): (Vec<&PreparedImage>, Vec<&PreparedImage>) =
        images.iter().partition(|i| i.language().is_some());
    let mut slots: HashMap<AssetType, usize> = HashMap::new();
    for img in &images {
        *slots.entry(img.slot()).or_default() += 1;
    }
    if !slots.contains_key(&AssetType::Icon) {
        err(
            "icon_id",
            "an icon image is required: Wallet refuses passes without icon.png".into(),
        );
    }
    for slot in AssetType::ALL {
        let Some(n) = slots.get(slot) else { continue };
        let attr = slot.slot_attribute();
        if *n > 1 {
            err(
                attr,
                format!("{n} {slot} images were given; a pass has at most one"),
            );
        }
        if !renders_image(spec.style, *slot) {
            err(
                attr,
                format!(
                    "a {slot} image is not shown on {} passes (Wallet uses only: {})",
                    spec.style,
                    style_slots(spec.style)
                ),
            );
        }
    }
    // Poster images only where the pass asks for a poster (Wallet ignores them otherwise).
    let poster = if spec.style == PassType::EventTicket {
        spec.apple.is_poster()
    } else {
        spec.apple.poster_generic.is_some()
    };
    // Rewards enrollment: the sign-up form's logo goes with personalization.json, and
    // Wallet posts the holder's data to the web service.
    if spec.apple.personalization.is_some() {
        if !slots.contains_key(&AssetType::PersonalizationLogo) {
            err(
                AssetType::PersonalizationLogo.slot_attribute(),
                "the sign-up form's logo is missing: a pass asking for personalization carries personalizationLogo.png (an asset of type personalization_logo, 150×40 pt)".into(),
            );
        }
        if spec.web_service_url.as_deref().is_none_or(str::is_empty) {
            err(
                "apple.personalization",
                "needs a webServiceURL: Wallet sends the holder's data to the pass's web service"
                    .into(),
            );
        }
    } else if slots.contains_key(&AssetType::PersonalizationLogo) {
        err(
            AssetType::PersonalizationLogo.slot_attribute(),
            "a personalization logo is shown only on Wallet's sign-up form: set apple.personalization".into(),
        );
    }
    for slot in AssetType::POSTER {
        if slots.contains_key(slot) && renders_image(spec.style, *slot) && !poster {
            err(
                slot.slot_attribute(),
                format!(
                    "a {slot} image is shown only on poster passes (posterEventTicket in preferred_style_schemes, or poster_generic)"
                ),
            );
        }
    }
    for img in images.iter().chain(&localized) {
        if let Some(prepared_for) = img.style() {
            let (want, got) = (
                slot_box_points(img.slot(), Some(spec.style)),
                slot_box_points(img.slot(), Some(prepared_for)),
            );
            if want != got {
                err(
                    &image_attribute(img),
                    format!(
                        "the {} image was prepared for {prepared_for} passes ({}×{} pt) but {} passes use {}×{} pt",
                        img.slot(),
                        got.0,
                        got.1,
                        spec.style,
                        want.0,
                        want.1
                    ),
                );
            }
        }
    }
    if let Some(conflict) = event_ticket_strip_conflict(spec.style, |s| slots.contains_key(&s)) {
        for other in conflict.with {
            err(
                other.slot_attribute(),
                format!("an event ticket with a strip image cannot also have a {other} image"),
            );
        }
    }
    // Per-language images: at most one per language and slot, each where the style (and
    // the poster option) shows the root image of its slot.
    let mut per_lang: HashMap<(&str, AssetType), usize> = HashMap::new();
    for img in &localized {
        let lang = img.language().unwrap_or_default();
        *per_lang.entry((lang, img.slot())).or_default() += 1;
    }
    let mut keys: Vec<_> = per_lang.into_iter().collect();
    keys.sort();
    for ((lang, slot), n) in keys {
        let attr = passworks_wire::apple::localized_image_path(lang, slot);
        if n > 1 {
            err(
                &attr,
                format!("{n} {slot} images were given for {lang}; a language has at most one"),
            );
        }
        if !passworks_wire::apple::LocalizedImages::slots().any(|s| s == slot)
            || !renders_image(spec.style, slot)
        {
            err(
                &attr,
                format!(
                    "a {slot} image is not shown on {} passes (Wallet uses only: {})",
                    spec.style,
                    style_slots(spec.style)
                ),
            );
        } else if slot.is_poster() && !poster {
            err(
                &attr,
                format!(
                    "a {slot} image is shown only on poster passes (posterEventTicket in preferred_style_schemes, or poster_generic)"
                ),
            );
        }
    }

    // Certificate.
    if let Err(e) = signer.check_validity() {
        err("certificate", e.to_string());
    }
    let info = signer.info();
    if info.pass_type_identifier.is_empty() || info.team_identifier.is_empty() {
        err(
            "certificate",
            "has no pass type identifier (UID) or team identifier (OU)".into(),
        );
    }
    errs
}
