//! [`PassSpec`] and its mapping to `pass.json` (contract §20).

use std::collections::HashMap;

use passworks_wire::apple::{
    AppleOptions, PosterGeneric, StyleScheme, UpcomingEntry, UpcomingField,
};
use passworks_wire::rules::{
    hex_color_rgb, FieldArray, BARCODE_MESSAGE_ENCODING, MAX_BEACONS, MAX_LOCATIONS,
};
use passworks_wire::{Barcode, BarcodeFormat, Beacon, Field, Location, PassType, TransitType};
use serde_json::{json, Map, Value};

/// Everything needed to write one pass's `pass.json`.
///
/// Values are in Passworks terms (wire types, `#rrggbb` colours, ISO-8601 dates); [`pass_json`]
/// converts them to Apple's keys. `passTypeIdentifier` and `teamIdentifier` are not part of the
/// spec: they always come from the signing certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct PassSpec {
    /// Wallet style (`coupon`, `storeCard`, `eventTicket`, `boardingPass`, `generic`).
    pub style: PassType,
    /// Transit type; required for and only emitted on `boardingPass`.
    pub transit_type: Option<TransitType>,
    /// `serialNumber`: unique per pass type identifier.
    pub serial_number: String,
    /// `authenticationToken`: at least 16 characters (Apple rule).
    pub authentication_token: String,
    /// `webServiceURL`: base URL of the pass web service; omitted when `None`/empty.
    pub web_service_url: Option<String>,
    /// `organizationName`.
    pub organization_name: String,
    /// `description` (accessibility text; required by Apple).
    pub description: String,
    /// `logoText`.
    pub logo_text: Option<String>,
    /// `backgroundColor` as `#rrggbb`.
    pub background_color: Option<String>,
    /// `foregroundColor` (Passworks `text_color`) as `#rrggbb`.
    pub foreground_color: Option<String>,
    /// `labelColor` as `#rrggbb`.
    pub label_color: Option<String>,
    /// `headerFields`.
    pub header_fields: Vec<Field>,
    /// `primaryFields`.
    pub primary_fields: Vec<Field>,
    /// `secondaryFields`.
    pub secondary_fields: Vec<Field>,
    /// `auxiliaryFields`.
    pub auxiliary_fields: Vec<Field>,
    /// `backFields`.
    pub back_fields: Vec<Field>,
    /// Barcodes in order of preference; entries with format `none` are not emitted.
    pub barcodes: Vec<Barcode>,
    /// Up to 10 locations.
    pub locations: Vec<Location>,
    /// Up to 10 iBeacons.
    pub beacons: Vec<Beacon>,
    /// `relevantDate`, ISO-8601 / RFC 3339 with a time zone.
    pub relevant_date: Option<String>,
    /// `expirationDate`, ISO-8601 / RFC 3339 with a time zone.
    pub expiration_date: Option<String>,
    /// `voided` (emitted only when `true`).
    pub voided: bool,
    /// `maxDistance` in metres.
    pub max_distance: Option<i64>,
    /// `userInfo`: a JSON object (null or `{}` is omitted).
    pub user_info: Value,
    /// `associatedStoreIdentifiers` (App Store ids).
    pub associated_store_identifiers: Vec<i64>,
    /// Field key → `changeMessage` (e.g. `"Balance changed to %@"`), emitted on that field.
    pub change_messages: HashMap<String, String>,
    /// The newer keys (semantic tags, poster event tickets, relevance intervals, URLs),
    /// already overlaid pass over campaign ([`passworks_wire::apple::AppleOptions::overlay`]).
    pub apple: AppleOptions,
    /// The hosted images the upcoming entries name, by asset id (`apple.upcoming_pass_information[].images`):
    /// where Wallet downloads each and its SHA-256, resolved by the caller.
    pub hosted_images: HashMap<String, HostedImage>,
}

/// An image Wallet downloads itself (upcoming entries' `headerImage`, `venueMap`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedImage {
    /// `URL`: must be https for Wallet.
    pub url: String,
    /// `SHA256`: lower-case hex of the bytes served at `url`.
    pub sha256: String,
    /// `size` in bytes (Apple: at most 2 MB).
    pub size: usize,
}

impl Default for PassSpec {
    fn default() -> Self {
        PassSpec {
            style: PassType::Generic,
            transit_type: None,
            serial_number: String::new(),
            authentication_token: String::new(),
            web_service_url: None,
            organization_name: String::new(),
            description: String::new(),
            logo_text: None,
            background_color: None,
            foreground_color: None,
            label_color: None,
            header_fields: Vec::new(),
            primary_fields: Vec::new(),
            secondary_fields: Vec::new(),
            auxiliary_fields: Vec::new(),
            back_fields: Vec::new(),
            barcodes: Vec::new(),
            locations: Vec::new(),
            beacons: Vec::new(),
            relevant_date: None,
            expiration_date: None,
            voided: false,
            max_distance: None,
            user_info: Value::Null,
            associated_store_identifiers: Vec::new(),
            change_messages: HashMap::new(),
            apple: AppleOptions::default(),
            hosted_images: HashMap::new(),
        }
    }
}

impl PassSpec {
    /// The five field arrays, in pass order ([`FieldArray::ALL`]).
    pub fn field_groups(&self) -> [(FieldArray, &[Field]); 5] {
        FieldArray::ALL.map(|a| (a, self.fields(a)))
    }

    /// The fields of one array.
    pub fn fields(&self, array: FieldArray) -> &[Field] {
        match array {
            FieldArray::Header => &self.header_fields,
            FieldArray::Primary => &self.primary_fields,
            FieldArray::Secondary => &self.secondary_fields,
            FieldArray::Auxiliary => &self.auxiliary_fields,
            FieldArray::Back => &self.back_fields,
        }
    }
}

/// Apple's `format` string for a Passworks barcode format (§20.3); `None` for `none`.
pub fn apple_barcode_format(f: BarcodeFormat) -> Option<&'static str> {
    match f {
        BarcodeFormat::Qrcode => Some("PKBarcodeFormatQR"),
        BarcodeFormat::Pdf417 => Some("PKBarcodeFormatPDF417"),
        BarcodeFormat::Aztec => Some("PKBarcodeFormatAztec"),
        BarcodeFormat::Ean128 => Some("PKBarcodeFormatCode128"),
        BarcodeFormat::Code39 => Some("PKBarcodeFormatCode39"),
        BarcodeFormat::Codabar => Some("PKBarcodeFormatCodabar"),
        BarcodeFormat::Ean13 => Some("PKBarcodeFormatEAN13"),
        BarcodeFormat::I2of5 => Some("PKBarcodeFormatI2of5"),
        BarcodeFormat::None => None,
    }
}

/// The barcodes as written in pass.json, in order of preference: `spec.barcodes` without
/// `none`, plus, when every one of them is an iOS 27 format (Code 39, Codabar, EAN-13,
/// Interleaved 2 of 5), a copy of the first in a format older iOS draws — PDF417 on
/// boarding passes (the airline format), QR otherwise. Apple's `Pass.Barcodes`: "if you
/// provide EAN 13 and QR formats in the barcodes array, the EAN 13 barcode renders on
/// devices using iOS 27 and later and the QR code renders for devices using pre iOS 27".
pub fn effective_barcodes(spec: &PassSpec) -> Vec<Barcode> {
    let mut list: Vec<Barcode> = spec
        .barcodes
        .iter()
        .filter(|b| b.format != BarcodeFormat::None)
        .cloned()
        .collect();
    let only_new = list.iter().all(|b| b.format.needs_ios27());
    if let Some(first) = list.first().filter(|_| only_new).cloned() {
        let format = if spec.style == PassType::BoardingPass {
            BarcodeFormat::Pdf417
        } else {
            BarcodeFormat::Qrcode
        };
        list.push(Barcode { format, ..first });
    }
    list
}

/// Apple's `transitType` for a Passworks transit type (§20.2).
pub fn apple_transit_type(t: TransitType) -> &'static str {
    match t {
        TransitType::Air => "PKTransitTypeAir",
        TransitType::Boat => "PKTransitTypeBoat",
        TransitType::Bus => "PKTransitTypeBus",
        TransitType::Train => "PKTransitTypeTrain",
        TransitType::Generic => "PKTransitTypeGeneric",
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

fn colour(map: &mut Map<String, Value>, key: &str, v: &Option<String>) {
    if let Some((r, g, b)) = non_empty(v).and_then(hex_color_rgb) {
        map.insert(key.into(), Value::String(format!("rgb({r}, {g}, {b})")));
    }
}

fn field_json(f: &Field, change_messages: &HashMap<String, String>) -> Value {
    let mut m = Map::new();
    m.insert("key".into(), Value::String(f.key.clone()));
    if let Some(label) = non_empty(&f.label) {
        m.insert("label".into(), Value::String(label.to_owned()));
    }
    m.insert(
        "value".into(),
        Value::String(f.value.clone().unwrap_or_default()),
    );
    if let Some(cm) = change_messages.get(&f.key).filter(|s| !s.is_empty()) {
        m.insert("changeMessage".into(), Value::String(cm.clone()));
    }
    Value::Object(m)
}

fn barcode_json(b: &Barcode) -> Option<Value> {
    let format = apple_barcode_format(b.format)?;
    let mut m = Map::new();
    m.insert("format".into(), Value::String(format.into()));
    m.insert("message".into(), Value::String(b.message.clone()));
    m.insert(
        "messageEncoding".into(),
        Value::String(BARCODE_MESSAGE_ENCODING.into()),
    );
    if !b.alt_text.is_empty() {
        m.insert("altText".into(), Value::String(b.alt_text.clone()));
    }
    Some(Value::Object(m))
}

/// Builds `pass.json` for `spec` (§20), with `passTypeIdentifier`/`teamIdentifier` taken from
/// the signing certificate (see [`crate::Signer::info`]).
///
/// Keys whose source value is null or empty are omitted; colours become `rgb(r, g, b)`;
/// `transitType` is emitted only for `boardingPass`; a field's null `value` becomes `""`;
/// `barcodes` keeps the order of `spec.barcodes` (minus `none`, plus a QR/PDF417 copy when
/// all are iOS 27 formats: [`effective_barcodes`]), and the legacy `barcode` is the first
/// QR, PDF417 or Aztec entry; `locations`/`beacons` are cut to Apple's limit of 10 (validation
/// reports the excess). Invalid colours are omitted here and reported by [`crate::validate`].
pub fn pass_json(spec: &PassSpec, pass_type_identifier: &str, team_identifier: &str) -> Value {
    let mut root = Map::new();
    root.insert("formatVersion".into(), json!(1));
    root.insert("passTypeIdentifier".into(), json!(pass_type_identifier));
    root.insert("teamIdentifier".into(), json!(team_identifier));
    root.insert("serialNumber".into(), json!(spec.serial_number));
    if !spec.authentication_token.is_empty() {
        root.insert(
            "authenticationToken".into(),
            json!(spec.authentication_token),
        );
    }
    if let Some(url) = non_empty(&spec.web_service_url) {
        root.insert("webServiceURL".into(), json!(url));
    }
    if !spec.organization_name.is_empty() {
        root.insert("organizationName".into(), json!(spec.organization_name));
    }
    if !spec.description.is_empty() {
        root.insert("description".into(), json!(spec.description));
    }
    if let Some(t) = non_empty(&spec.logo_text) {
        root.insert("logoText".into(), json!(t));
    }
    colour(&mut root, "backgroundColor", &spec.background_color);
    colour(&mut root, "foregroundColor", &spec.foreground_color);
    colour(&mut root, "labelColor", &spec.label_color);

    let effective = effective_barcodes(spec);
    let barcodes: Vec<Value> = effective.iter().filter_map(barcode_json).collect();
    // The legacy `barcode` dictionary (iOS 6–8) knows only QR, PDF417 and Aztec.
    if let Some(legacy) = effective
        .iter()
        .filter(|b| {
            matches!(
                b.format,
                BarcodeFormat::Qrcode | BarcodeFormat::Pdf417 | BarcodeFormat::Aztec
            )
        })
        .find_map(barcode_json)
    {
        root.insert("barcode".into(), legacy);
    }
    if !barcodes.is_empty() {
        root.insert("barcodes".into(), Value::Array(barcodes));
    }

    let locations: Vec<Value> = spec
        .locations
        .iter()
        .take(MAX_LOCATIONS)
        .map(|l| {
            let mut m = Map::new();
            m.insert("latitude".into(), json!(l.latitude));
            m.insert("longitude".into(), json!(l.longitude));
            if let Some(a) = l.altitude {
                m.insert("altitude".into(), json!(a));
            }
            if let Some(t) = non_empty(&l.relevant_text) {
                m.insert("relevantText".into(), json!(t));
            }
            Value::Object(m)
        })
        .collect();
    if !locations.is_empty() {
        root.insert("locations".into(), Value::Array(locations));
    }

    let beacons: Vec<Value> = spec
        .beacons
        .iter()
        .take(MAX_BEACONS)
        .map(|b| {
            let mut m = Map::new();
            m.insert("proximityUUID".into(), json!(b.proximity_uuid));
            if let Some(v) = b.major {
                m.insert("major".into(), json!(v));
            }
            if let Some(v) = b.minor {
                m.insert("minor".into(), json!(v));
            }
            if let Some(t) = non_empty(&b.relevant_text) {
                m.insert("relevantText".into(), json!(t));
            }
            Value::Object(m)
        })
        .collect();
    if !beacons.is_empty() {
        root.insert("beacons".into(), Value::Array(beacons));
    }

    if let Some(d) = spec.max_distance {
        root.insert("maxDistance".into(), json!(d));
    }
    if let Some(d) = non_empty(&spec.relevant_date) {
        root.insert("relevantDate".into(), json!(d));
    }
    if let Some(d) = non_empty(&spec.expiration_date) {
        root.insert("expirationDate".into(), json!(d));
    }
    if spec.voided {
        root.insert("voided".into(), json!(true));
    }
    if let Value::Object(o) = &spec.user_info {
        if !o.is_empty() {
            root.insert("userInfo".into(), spec.user_info.clone());
        }
    }
    if !spec.associated_store_identifiers.is_empty() {
        root.insert(
            "associatedStoreIdentifiers".into(),
            json!(spec.associated_store_identifiers),
        );
    }

    apple_json(&mut root, &spec.apple, &spec.hosted_images);

    let mut style = Map::new();
    if spec.style == PassType::BoardingPass {
        if let Some(t) = spec.transit_type {
            style.insert("transitType".into(), json!(apple_transit_type(t)));
        }
    }
    for (array, fields) in spec.field_groups() {
        if !fields.is_empty() {
            let arr = fields
                .iter()
                .map(|f| field_json(f, &spec.change_messages))
                .collect();
            style.insert(array.apple_key().into(), Value::Array(arr));
        }
    }
    root.insert(spec.style.as_str().into(), Value::Object(style));
    if let Some(pg) = &spec.apple.poster_generic {
        root.insert("posterGeneric".into(), poster_generic_json(spec, pg));
    }
    Value::Object(root)
}

/// The `posterGeneric` dictionary (iOS 27), beside the classic style that older iOS shows:
/// the pass's first header field, up to four primary fields (primary, then secondary and
/// auxiliary), its back fields, and the footer and additional-info fields of
/// `apple.poster_generic`.
fn poster_generic_json(spec: &PassSpec, pg: &PosterGeneric) -> Value {
    let fields = |fs: &mut dyn Iterator<Item = &Field>| -> Vec<Value> {
        fs.map(|f| field_json(f, &spec.change_messages)).collect()
    };
    let extra = |fs: &[UpcomingField]| -> Vec<Value> {
        fs.iter()
            .map(|f| {
                let mut m = Map::new();
                m.insert("key".into(), json!(f.key));
                if let Some(l) = &f.label {
                    m.insert("label".into(), json!(l));
                }
                m.insert("value".into(), json!(f.value));
                Value::Object(m)
            })
            .collect()
    };
    let mut d = Map::new();
    for (key, list) in [
        (
            "headerFields",
            fields(&mut spec.header_fields.iter().take(1)),
        ),
        (
            "primaryFields",
            fields(
                &mut spec
                    .primary_fields
                    .iter()
                    .chain(&spec.secondary_fields)
                    .chain(&spec.auxiliary_fields)
                    .take(4),
            ),
        ),
        ("footerFields", extra(&pg.footer_fields)),
        ("backFields", fields(&mut spec.back_fields.iter())),
        ("additionalInfoFields", extra(&pg.additional_info_fields)),
    ] {
        if !list.is_empty() {
            d.insert(key.into(), Value::Array(list));
        }
    }
    Value::Object(d)
}

/// Writes the `apple` options' keys: `preferredStyleSchemes`, the poster keys,
/// `relevantDates`, the URL keys, `semantics` (Apple's names already; colours become
/// `rgb(r, g, b)`) and the smaller top-level keys. Emitting an option the style does not
/// use is prevented by validation, not here.
fn apple_json(
    root: &mut Map<String, Value>,
    a: &AppleOptions,
    hosted: &HashMap<String, HostedImage>,
) {
    if !a.preferred_style_schemes.is_empty() {
        let schemes: Vec<&str> = a
            .preferred_style_schemes
            .iter()
            .map(|s| StyleScheme::as_str(*s))
            .collect();
        root.insert("preferredStyleSchemes".into(), json!(schemes));
    }
    if let Some(t) = non_empty(&a.event_logo_text) {
        root.insert("eventLogoText".into(), json!(t));
    }
    colour(root, "footerBackgroundColor", &a.footer_background_color);
    for (key, v) in [
        ("useAutomaticColors", a.use_automatic_colors),
        ("suppressHeaderDarkening", a.suppress_header_darkening),
        ("sharingProhibited", a.sharing_prohibited),
        ("suppressStripShine", a.suppress_strip_shine),
    ] {
        if let Some(v) = v {
            root.insert(key.into(), json!(v));
        }
    }
    if let Some(g) = non_empty(&a.grouping_identifier) {
        root.insert("groupingIdentifier".into(), json!(g));
    }
    if let Some(u) = non_empty(&a.app_launch_url) {
        root.insert("appLaunchURL".into(), json!(u));
    }
    if !a.relevant_dates.is_empty() {
        let dates: Vec<Value> = a
            .relevant_dates
            .iter()
            .map(|r| match &r.date {
                // iOS 26 reads `date`; iOS 18 read the same moment as `relevantDate`
                // (passkit-generator's `RelevancyEntry`), so both are written.
                Some(d) => json!({"date": d, "relevantDate": d}),
                None => json!({"startDate": r.start_date, "endDate": r.end_date}),
            })
            .collect();
        root.insert("relevantDates".into(), Value::Array(dates));
    }
    colour(root, "stripColor", &a.strip_color);
    if !a.auxiliary_store_identifiers.is_empty() {
        root.insert(
            "auxiliaryStoreIdentifiers".into(),
            json!(a.auxiliary_store_identifiers),
        );
    }
    for (key, value) in a.urls.entries() {
        root.insert(key.apple.into(), json!(value));
    }
    if !a.semantics.is_empty() {
        let mut semantics = serde_json::to_value(&a.semantics).unwrap_or(Value::Null);
        if let Some(Value::Array(seats)) = semantics.get_mut("seats") {
            for seat in seats.iter_mut().filter_map(Value::as_object_mut) {
                let c = seat
                    .get("seatSectionColor")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                if c.is_some() {
                    seat.remove("seatSectionColor");
                    colour(seat, "seatSectionColor", &c);
                }
            }
        }
        root.insert("semantics".into(), semantics);
    }
    if let Some(n) = &a.nfc {
        let mut m = Map::new();
        m.insert("message".into(), json!(n.message));
        let key: String = n.encryption_public_key.split_whitespace().collect();
        m.insert("encryptionPublicKey".into(), json!(key));
        if let Some(r) = n.requires_authentication {
            m.insert("requiresAuthentication".into(), json!(r));
        }
        root.insert("nfc".into(), Value::Object(m));
    }
    if !a.featured_actions.is_empty() {
        let actions: Vec<Value> = a
            .featured_actions
            .iter()
            .map(|f| json!({"identifier": f.identifier, "type": f.action_type, "url": f.url}))
            .collect();
        root.insert("featuredActions".into(), Value::Array(actions));
    }
    if !a.upcoming_pass_information.is_empty() {
        let entries = a
            .upcoming_pass_information
            .iter()
            .map(|e| upcoming_json(e, hosted))
            .collect();
        root.insert("upcomingPassInformation".into(), Value::Array(entries));
    }
}

/// One `upcomingPassInformation` entry in Apple's keys (`type` is always `event`; images
/// become `URLs` lists of the hosted copies, each with its `SHA256` and `size`).
fn upcoming_json(e: &UpcomingEntry, hosted: &HashMap<String, HostedImage>) -> Value {
    let mut m = Map::new();
    m.insert("identifier".into(), json!(e.identifier));
    m.insert("name".into(), json!(e.name));
    m.insert("type".into(), json!("event"));
    if let Some(a) = e.is_active {
        m.insert("isActive".into(), json!(a));
    }
    if let Some(d) = &e.date_information {
        let mut dm = Map::new();
        if let Some(v) = &d.date {
            dm.insert("date".into(), json!(v));
        }
        if let Some(v) = &d.time_zone {
            dm.insert("timeZone".into(), json!(v));
        }
        for (k, v) in [
            ("ignoreTimeComponents", d.ignore_time_components),
            ("isAllDay", d.is_all_day),
            ("isUnannounced", d.is_unannounced),
            ("isUndetermined", d.is_undetermined),
        ] {
            if let Some(v) = v {
                dm.insert(k.into(), json!(v));
            }
        }
        m.insert("dateInformation".into(), Value::Object(dm));
    }
    if !e.urls.is_empty() {
        let urls: Map<String, Value> = e
            .urls
            .entries()
            .into_iter()
            .map(|(k, v)| (k.apple.to_string(), json!(v)))
            .collect();
        m.insert("URLs".into(), Value::Object(urls));
    }
    if !e.semantics.is_empty() {
        m.insert(
            "semantics".into(),
            serde_json::to_value(&e.semantics).unwrap_or(Value::Null),
        );
    }
    let images: Map<String, Value> = e
        .images
        .entries()
        .into_iter()
        .filter_map(|(_, apple, id)| {
            let h = hosted.get(id)?;
            Some((
                apple.to_string(),
                json!({"URLs": [{"URL": h.url, "SHA256": h.sha256, "size": h.size}]}),
            ))
        })
        .collect();
    if !images.is_empty() {
        m.insert("images".into(), Value::Object(images));
    }
    for (key, fields) in [
        ("backFields", &e.back_fields),
        ("additionalInfoFields", &e.additional_info_fields),
    ] {
        if !fields.is_empty() {
            let arr = fields
                .iter()
                .map(|f| {
                    let mut fm = Map::new();
                    fm.insert("key".into(), json!(f.key));
                    if let Some(l) = &f.label {
                        fm.insert("label".into(), json!(l));
                    }
                    fm.insert("value".into(), json!(f.value));
                    Value::Object(fm)
                })
                .collect();
            m.insert(key.into(), Value::Array(arr));
        }
    }
    if !e.auxiliary_store_identifiers.is_empty() {
        m.insert(
            "auxiliaryStoreIdentifiers".into(),
            json!(e.auxiliary_store_identifiers),
        );
    }
    Value::Object(m)
}
