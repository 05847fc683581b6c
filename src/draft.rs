//! Editable form models (plain strings as the inputs hold them), their conversion to the
//! wire input types, and the browser-side validation shown next to each control.

use std::collections::BTreeMap;

use passworks_wire::rules::{
    barcode_encodable, event_ticket_strip_conflict, image_slots, is_hex_color, FieldArray,
    MAX_BEACONS, MAX_LOCATIONS,
};
use passworks_wire::{
    AssetType, BarcodeFormat, BarcodeInput, Beacon, Behaviour, Campaign, CampaignInput,
    CampaignType, CodeType, Field, FieldInput, Location, Pass, PassInput, PassType, Template,
    TemplateInput, TransitType,
};

use passworks_wire::apple::{self, AppleOptions, TagInput};

use crate::util::{from_datetime_local, to_datetime_local};

/// One row of a field array editor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldRow {
    pub id: u32,
    pub key: String,
    pub label: String,
    pub value: String,
    pub behaviour: Behaviour,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocationRow {
    pub id: u32,
    pub latitude: String,
    pub longitude: String,
    pub altitude: String,
    pub relevant_text: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct BeaconRow {
    pub id: u32,
    pub proximity_uuid: String,
    pub major: String,
    pub minor: String,
    pub relevant_text: String,
}

/// Row identity for keyed lists.
pub trait Row {
    fn id(&self) -> u32;
}
impl Row for FieldRow {
    fn id(&self) -> u32 {
        self.id
    }
}
impl Row for LocationRow {
    fn id(&self) -> u32 {
        self.id
    }
}
impl Row for BeaconRow {
    fn id(&self) -> u32 {
        self.id
    }
}

/// Removes the row with `id`.
pub fn remove_row<R: Row>(rows: &mut Vec<R>, id: u32) {
    rows.retain(|r| r.id() != id);
}

/// Moves the row with `id` by `delta` places (−1 up, +1 down), clamped at the ends.
pub fn move_row<R: Row>(rows: &mut [R], id: u32, delta: i32) {
    if let Some(i) = rows.iter().position(|r| r.id() == id) {
        let j = i as i64 + i64::from(delta);
        if j >= 0 && (j as usize) < rows.len() {
            rows.swap(i, j as usize);
        }
    }
}

/// Everything the campaign form edits.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignDraft {
    pub ctype: CampaignType,
    pub editing: bool,
    pub name: String,
    pub description: String,
    pub template_id: String,
    pub original_template_id: String,
    pub certificate_id: String,
    /// The Google Wallet issuer (empty: the account's default).
    pub google_issuer_id: String,
    pub images: BTreeMap<AssetType, String>,
    pub logo_text: String,
    pub background_color: String,
    pub text_color: String,
    pub label_color: String,
    pub transit_type: String,
    pub barcode_format: BarcodeFormat,
    pub fields: [Vec<FieldRow>; 5],
    /// The keys each field array held when an existing campaign was loaded: a key the
    /// form no longer has in that array is sent with `"_destroy": true`, because an
    /// update merges field arrays by key (§7.4).
    pub original_fields: [Vec<String>; 5],
    pub locations: Vec<LocationRow>,
    pub beacons: Vec<BeaconRow>,
    pub organization_name: String,
    pub associated_store_identifiers: String,
    pub code_type: CodeType,
    pub code_fixed_value: String,
    pub allow_multiple_redeems: bool,
    pub expiration_date: String,
    pub relevant_date: String,
    pub max_distance: String,
    pub user_info: String,
    pub gwallet_usage: bool,
    pub og: bool,
    pub og_description: String,
    pub javascript: String,
    pub stylesheet: String,
    pub remote_form_url: String,
    pub sync_locations_on_merge: bool,
    pub sync_beacons_on_merge: bool,
    /// The newer Apple options (`apple`).
    pub apple: AppleDraft,
    pub next_id: u32,
}

impl CampaignDraft {
    /// The texts a translation can name ([`translatable_texts`]).
    pub fn texts(&self) -> Vec<String> {
        translatable_texts(
            &self.logo_text,
            self.fields
                .iter()
                .flatten()
                .map(|f| (f.label.as_str(), f.value.as_str())),
        )
    }

    /// A blank form with sensible starting values for a type.
    pub fn new(ctype: CampaignType) -> Self {
        let mut d = CampaignDraft {
            ctype,
            editing: false,
            name: String::new(),
            description: String::new(),
            template_id: String::new(),
            original_template_id: String::new(),
            certificate_id: String::new(),
            google_issuer_id: String::new(),
            images: BTreeMap::new(),
            logo_text: String::new(),
            background_color: "#1e3a5f".into(),
            text_color: "#ffffff".into(),
            label_color: "#c8d6e5".into(),
            transit_type: if ctype == CampaignType::BoardingPass {
                "air".into()
            } else {
                String::new()
            },
            barcode_format: BarcodeFormat::Qrcode,
            fields: Default::default(),
            original_fields: Default::default(),
            locations: Vec::new(),
            beacons: Vec::new(),
            organization_name: String::new(),
            associated_store_identifiers: String::new(),
            code_type: CodeType::Sequential,
            code_fixed_value: String::new(),
            allow_multiple_redeems: false,
            expiration_date: String::new(),
            relevant_date: String::new(),
            max_distance: String::new(),
            user_info: String::new(),
            gwallet_usage: false,
            og: true,
            og_description: String::new(),
            javascript: String::new(),
            stylesheet: String::new(),
            remote_form_url: String::new(),
            sync_locations_on_merge: true,
            sync_beacons_on_merge: true,
            apple: AppleDraft::default(),
            next_id: 1,
        };
        let starter: &[(usize, &str, &str, &str)] = match ctype {
            CampaignType::BoardingPass => &[
                (1, "origin", "From", "LIS"),
                (1, "destination", "To", "SFO"),
                (3, "passenger", "Passenger", ""),
            ],
            CampaignType::EventTicket => &[(1, "event", "Event", ""), (2, "seat", "Seat", "")],
            CampaignType::Coupon => &[(1, "offer", "Offer", "20% off")],
            CampaignType::StoreCard => &[(1, "balance", "Balance", "0")],
            CampaignType::Generic => &[(1, "name", "Name", "")],
        };
        for (arr, key, label, value) in starter {
            let behaviour = if value.is_empty() {
                Behaviour::Dynamic
            } else {
                Behaviour::Fixed
            };
            d.add_field(*arr, key, label, value, behaviour);
        }
        d
    }

    fn take_id(&mut self) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Appends a field to array `arr` (index into [`FieldArray::ALL`]).
    pub fn add_field(
        &mut self,
        arr: usize,
        key: &str,
        label: &str,
        value: &str,
        behaviour: Behaviour,
    ) -> u32 {
        let id = self.take_id();
        self.fields[arr].push(FieldRow {
            id,
            key: key.into(),
            label: label.into(),
            value: value.into(),
            behaviour,
        });
        id
    }

    /// A key not used by any field yet (`field_3`).
    pub fn fresh_key(&self) -> String {
        (1..)
            .map(|n| format!("field_{n}"))
            .find(|k| !self.fields.iter().flatten().any(|f| &f.key == k))
            .unwrap_or_default()
    }

    /// Adds a location unless the limit is reached; false when refused.
    pub fn add_location(&mut self) -> bool {
        if self.locations.len() >= MAX_LOCATIONS {
            return false;
        }
        let id = self.take_id();
        self.locations.push(LocationRow {
            id,
            ..Default::default()
        });
        true
    }

    /// Adds a beacon unless the limit is reached; false when refused.
    pub fn add_beacon(&mut self) -> bool {
        if self.beacons.len() >= MAX_BEACONS {
            return false;
        }
        let id = self.take_id();
        self.beacons.push(BeaconRow {
            id,
            ..Default::default()
        });
        true
    }

    /// The image of a slot, or empty.
    pub fn image(&self, t: AssetType) -> String {
        slot_image(&self.images, t)
    }

    /// Sets (non-empty id) or removes (empty) the image of a slot.
    pub fn set_image(&mut self, t: AssetType, id: String) {
        set_slot_image(&mut self.images, t, id);
    }

    /// Image slots the API accepts for this type (§7.2).
    pub fn slots(&self) -> &'static [AssetType] {
        image_slots(self.ctype.pass_type())
    }

    /// Loads an existing campaign into the form.
    pub fn from_campaign(c: &Campaign) -> Self {
        let mut d = CampaignDraft::new(c.campaign_type);
        d.fields = Default::default();
        d.editing = true;
        d.name = c.name.clone();
        d.description = c.description.clone();
        d.template_id = c.template_id.clone();
        d.original_template_id = c.template_id.clone();
        d.certificate_id = c.certificate_id.clone().unwrap_or_default();
        d.google_issuer_id = c.google_issuer_id.clone().unwrap_or_default();
        for (t, v) in [
            (AssetType::Icon, &c.icon_id),
            (AssetType::Logo, &c.logo_id),
            (AssetType::Strip, &c.strip_id),
            (AssetType::Thumbnail, &c.thumbnail_id),
            (AssetType::Background, &c.background_id),
            (AssetType::Footer, &c.footer_id),
        ] {
            if let Some(v) = v {
                d.images.insert(t, v.clone());
            }
        }
        d.logo_text = c.logo_text.clone().unwrap_or_default();
        d.background_color = c.background_color.clone().unwrap_or_default();
        d.text_color = c.text_color.clone().unwrap_or_default();
        d.label_color = c.label_color.clone().unwrap_or_default();
        d.transit_type = c
            .transit_type
            .map(|t| t.as_str().to_string())
            .unwrap_or_default();
        d.barcode_format = c.barcode.format;
        let arrays = [
            &c.header_fields,
            &c.primary_fields,
            &c.secondary_fields,
            &c.auxiliary_fields,
            &c.back_fields,
        ];
        for (i, arr) in arrays.iter().enumerate() {
            d.original_fields[i] = arr.iter().map(|f| f.key.clone()).collect();
            for f in arr.iter() {
                d.add_field(
                    i,
                    &f.key,
                    f.label.as_deref().unwrap_or(""),
                    f.value.as_deref().unwrap_or(""),
                    f.behaviour,
                );
            }
        }
        for l in &c.locations {
            let id = d.take_id();
            d.locations.push(LocationRow {
                id,
                latitude: l.latitude.to_string(),
                longitude: l.longitude.to_string(),
                altitude: l.altitude.map(|a| a.to_string()).unwrap_or_default(),
                relevant_text: l.relevant_text.clone().unwrap_or_default(),
                name: l.name.clone().unwrap_or_default(),
            });
        }
        for b in &c.beacons {
            let id = d.take_id();
            d.beacons.push(BeaconRow {
                id,
                proximity_uuid: b.proximity_uuid.clone(),
                major: b.major.map(|v| v.to_string()).unwrap_or_default(),
                minor: b.minor.map(|v| v.to_string()).unwrap_or_default(),
                relevant_text: b.relevant_text.clone().unwrap_or_default(),
            });
        }
        d.organization_name = c.organization_name.clone();
        d.associated_store_identifiers = c
            .associated_store_identifiers
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        d.code_type = c.code_type;
        d.code_fixed_value = c.code_fixed_value.clone().unwrap_or_default();
        d.allow_multiple_redeems = c.allow_multiple_redeems;
        d.expiration_date = c
            .expiration_date
            .as_deref()
            .map(to_datetime_local)
            .unwrap_or_default();
        d.relevant_date = c
            .relevant_date
            .as_deref()
            .map(to_datetime_local)
            .unwrap_or_default();
        d.max_distance = c.max_distance.map(|m| m.to_string()).unwrap_or_default();
        d.user_info =
            if c.user_info.as_object().is_some_and(|o| o.is_empty()) || c.user_info.is_null() {
                String::new()
            } else {
                serde_json::to_string_pretty(&c.user_info).unwrap_or_default()
            };
        d.gwallet_usage = c.gwallet_usage;
        d.og = c.og;
        d.og_description = c.og_description.clone();
        d.javascript = c.javascript.clone().unwrap_or_default();
        d.stylesheet = c.stylesheet.clone().unwrap_or_default();
        d.remote_form_url = c.remote_form_url.clone().unwrap_or_default();
        d.sync_locations_on_merge = c.sync_locations_on_merge;
        d.sync_beacons_on_merge = c.sync_beacons_on_merge;
        d.apple = AppleDraft::from_options(c.campaign_type.pass_type(), &c.apple);
        d
    }

    /// Checks what the browser can check; keys are the API attribute names so the
    /// messages sit where a 422 for the same attribute would.
    pub fn validate(&self) -> BTreeMap<String, String> {
        let mut e = BTreeMap::new();
        if self.name.trim().is_empty() {
            e.insert("name".into(), "Name is required.".into());
        }
        if self.template_id.is_empty() && self.image(AssetType::Icon).is_empty() {
            e.insert("icon_id".into(), "Choose an icon (or a template).".into());
        }
        for (attr, v) in [
            ("background_color", &self.background_color),
            ("text_color", &self.text_color),
            ("label_color", &self.label_color),
        ] {
            if !v.is_empty() && !is_hex_color(v) {
                e.insert(attr.into(), "Use the form #rrggbb.".into());
            }
        }
        if self.ctype == CampaignType::BoardingPass
            && TransitType::parse(&self.transit_type).is_none()
        {
            e.insert("transit_type".into(), "Choose a transit type.".into());
        }
        if event_ticket_strip_conflict(self.ctype.pass_type(), |t| !self.image(t).is_empty())
            .is_some()
        {
            e.insert(
                "strip_id".into(),
                "An event ticket with a strip image cannot also have a background or thumbnail."
                    .into(),
            );
        }
        if self.code_type == CodeType::Fixed {
            let code = self.code_fixed_value.trim();
            if code.is_empty() {
                e.insert(
                    "code_fixed_value".into(),
                    "A fixed code needs its value.".into(),
                );
            } else if let Err(why) = barcode_encodable(self.barcode_format, code) {
                e.insert(
                    "code_fixed_value".into(),
                    format!(
                        "This code cannot be a {} barcode: it {why}.",
                        self.barcode_format
                    ),
                );
            }
        }
        if !self.max_distance.trim().is_empty() {
            let limit = self.ctype.max_distance_limit();
            match self.max_distance.trim().parse::<i64>() {
                Ok(m) if m > 0 && m <= limit => {}
                _ => {
                    e.insert(
                        "max_distance".into(),
                        format!("A whole number of metres, 1 to {limit}."),
                    );
                }
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        for (i, array) in FieldArray::ALL.iter().enumerate() {
            let mut msgs = Vec::new();
            for (n, f) in self.fields[i].iter().enumerate() {
                let k = f.key.trim();
                if k.is_empty() {
                    msgs.push(format!("Field {}: key is required.", n + 1));
                } else if seen.contains(&k) {
                    msgs.push(format!(
                        "Field {}: key \u{201c}{k}\u{201d} is already used.",
                        n + 1
                    ));
                } else {
                    seen.push(k);
                }
            }
            if !msgs.is_empty() {
                e.insert(array.as_str().into(), msgs.join(" "));
            }
        }
        let mut msgs = Vec::new();
        if self.locations.len() > MAX_LOCATIONS {
            msgs.push(format!("At most {MAX_LOCATIONS} locations."));
        }
        for (n, l) in self.locations.iter().enumerate() {
            if !in_range(&l.latitude, -90.0, 90.0) {
                msgs.push(format!("Location {}: latitude must be −90 to 90.", n + 1));
            }
            if !in_range(&l.longitude, -180.0, 180.0) {
                msgs.push(format!(
                    "Location {}: longitude must be −180 to 180.",
                    n + 1
                ));
            }
            if !l.altitude.trim().is_empty() && l.altitude.trim().parse::<f64>().is_err() {
                msgs.push(format!("Location {}: altitude must be a number.", n + 1));
            }
        }
        if !msgs.is_empty() {
            e.insert("locations".into(), msgs.join(" "));
        }
        let mut msgs = Vec::new();
        if self.beacons.len() > MAX_BEACONS {
            msgs.push(format!("At most {MAX_BEACONS} beacons."));
        }
        for (n, b) in self.beacons.iter().enumerate() {
            if !is_uuid(&b.proximity_uuid) {
                msgs.push(format!("Beacon {}: proximity UUID is not a UUID.", n + 1));
            }
            for (what, v) in [("major", &b.major), ("minor", &b.minor)] {
                if !v.trim().is_empty() && v.trim().parse::<u16>().is_err() {
                    msgs.push(format!("Beacon {}: {what} must be 0 to 65535.", n + 1));
                }
            }
        }
        if !msgs.is_empty() {
            e.insert("beacons".into(), msgs.join(" "));
        }
        if !self.user_info.trim().is_empty()
            && !serde_json::from_str::<serde_json::Value>(&self.user_info)
                .is_ok_and(|v| v.is_object())
        {
            e.insert(
                "user_info".into(),
                "User info must be a JSON object.".into(),
            );
        }
        self.apple.validate(self.ctype.pass_type(), &mut e);
        let u = self.remote_form_url.trim();
        if !(u.is_empty() || u.starts_with("http://") || u.starts_with("https://")) {
            e.insert(
                "remote_form_url".into(),
                "Use an absolute http(s) URL.".into(),
            );
        }
        if self
            .associated_store_identifiers
            .split(',')
            .map(str::trim)
            .any(|s| !s.is_empty() && s.parse::<i64>().is_err())
        {
            e.insert(
                "associated_store_identifiers".into(),
                "App Store ids are numbers, separated by commas.".into(),
            );
        }
        if self.gwallet_usage
            && !matches!(self.ctype, CampaignType::Coupon | CampaignType::StoreCard)
        {
            e.insert(
                "gwallet_usage".into(),
                "Android Pay is available for coupons and store cards only.".into(),
            );
        }
        e
    }

    /// The request body. Presentation attributes go along unless a template is newly
    /// chosen, in which case the template supplies them (§7.4).
    pub fn to_input(&self) -> CampaignInput {
        let ed = self.editing;
        let nullable = |s: &str| -> Option<Option<String>> {
            let s = s.trim();
            if s.is_empty() {
                ed.then_some(None)
            } else {
                Some(Some(s.to_string()))
            }
        };
        let plain = |s: &str| -> Option<String> {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        };
        let template_chosen =
            !self.template_id.is_empty() && self.template_id != self.original_template_id;
        // Every array is sent whole, so the server keeps the form's order; keys the array
        // held when loaded and no longer holds are destroyed (renamed, moved or removed).
        let fields = |i: usize| -> Option<Vec<FieldInput>> {
            let mut out: Vec<FieldInput> = self.original_fields[i]
                .iter()
                .filter(|k| !self.fields[i].iter().any(|f| f.key.trim() == k.as_str()))
                .map(|k| FieldInput {
                    key: k.clone(),
                    destroy: true,
                    ..Default::default()
                })
                .collect();
            out.extend(self.fields[i].iter().map(|f| {
                FieldInput::from(&Field {
                    key: f.key.trim().to_string(),
                    label: (!f.label.is_empty()).then(|| f.label.clone()),
                    value: (!f.value.is_empty()).then(|| f.value.clone()),
                    behaviour: f.behaviour,
                })
            }));
            Some(out)
        };
        let mut input = CampaignInput {
            name: plain(&self.name),
            description: plain(&self.description),
            template_id: template_chosen.then(|| self.template_id.clone()),
            certificate_id: nullable(&self.certificate_id),
            google_issuer_id: nullable(&self.google_issuer_id),
            transit_type: TransitType::parse(&self.transit_type),
            header_fields: fields(0),
            primary_fields: fields(1),
            secondary_fields: fields(2),
            auxiliary_fields: fields(3),
            back_fields: fields(4),
            locations: Some(self.locations.iter().map(location_of).collect()),
            beacons: Some(self.beacons.iter().map(beacon_of).collect()),
            organization_name: plain(&self.organization_name),
            associated_store_identifiers: Some(
                self.associated_store_identifiers
                    .split(',')
                    .filter_map(|s| s.trim().parse().ok())
                    .collect(),
            ),
            code_type: Some(self.code_type),
            code_fixed_value: nullable(&self.code_fixed_value),
            allow_multiple_redeems: Some(self.allow_multiple_redeems),
            expiration_date: opt_date(&self.expiration_date, ed),
            relevant_date: opt_date(&self.relevant_date, ed),
            max_distance: match self.max_distance.trim().parse::<i64>() {
                Ok(m) => Some(Some(m)),
                Err(_) => ed.then_some(None),
            },
            user_info: if self.user_info.trim().is_empty() {
                ed.then(|| serde_json::json!({}))
            } else {
                serde_json::from_str(&self.user_info).ok()
            },
            gwallet_usage: Some(self.gwallet_usage),
            og: Some(self.og),
            og_description: Some(self.og_description.clone()),
            javascript: nullable(&self.javascript),
            stylesheet: nullable(&self.stylesheet),
            remote_form_url: nullable(&self.remote_form_url),
            sync_locations_on_merge: Some(self.sync_locations_on_merge),
            sync_beacons_on_merge: Some(self.sync_beacons_on_merge),
            apple: self.apple.patch(self.ctype.pass_type()),
            ..Default::default()
        };
        if !template_chosen {
            let img = |t: AssetType| nullable(&self.image(t));
            input.icon_id = img(AssetType::Icon);
            input.logo_id = img(AssetType::Logo);
            input.strip_id = img(AssetType::Strip);
            input.thumbnail_id = img(AssetType::Thumbnail);
            input.background_id = img(AssetType::Background);
            input.footer_id = img(AssetType::Footer);
            input.logo_text = nullable(&self.logo_text);
            input.background_color = nullable(&self.background_color);
            input.text_color = nullable(&self.text_color);
            input.label_color = nullable(&self.label_color);
            input.barcode = Some(BarcodeInput {
                format: Some(self.barcode_format),
                ..Default::default()
            });
        }
        input
    }
}

fn opt_date(s: &str, editing: bool) -> Option<Option<String>> {
    match from_datetime_local(s) {
        Some(v) => Some(Some(v)),
        None => editing.then_some(None),
    }
}

fn location_of(l: &LocationRow) -> Location {
    let t = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    Location {
        latitude: l.latitude.trim().parse().unwrap_or(0.0),
        longitude: l.longitude.trim().parse().unwrap_or(0.0),
        altitude: l.altitude.trim().parse().ok(),
        relevant_text: t(&l.relevant_text),
        name: t(&l.name),
    }
}

fn beacon_of(b: &BeaconRow) -> Beacon {
    Beacon {
        proximity_uuid: b.proximity_uuid.trim().to_lowercase(),
        major: b.major.trim().parse().ok(),
        minor: b.minor.trim().parse().ok(),
        relevant_text: (!b.relevant_text.trim().is_empty())
            .then(|| b.relevant_text.trim().to_string()),
    }
}

fn in_range(s: &str, lo: f64, hi: f64) -> bool {
    s.trim()
        .parse::<f64>()
        .is_ok_and(|v| (lo..=hi).contains(&v))
}

/// A hyphenated UUID.
pub fn is_uuid(s: &str) -> bool {
    let s = s.trim();
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Everything the template form edits (§11.1). Templates are immutable: "editing" one
/// means duplicating it into this form and creating a new one.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateDraft {
    pub name: String,
    pub description: String,
    pub pass_type: PassType,
    pub transit_type: String,
    pub logo_text: String,
    pub background_color: String,
    pub text_color: String,
    pub label_color: String,
    pub barcode_format: BarcodeFormat,
    pub images: BTreeMap<AssetType, String>,
}

impl Default for TemplateDraft {
    fn default() -> Self {
        TemplateDraft {
            name: String::new(),
            description: String::new(),
            pass_type: PassType::Generic,
            transit_type: "air".into(),
            logo_text: String::new(),
            background_color: "#1e3a5f".into(),
            text_color: "#ffffff".into(),
            label_color: "#c8d6e5".into(),
            barcode_format: BarcodeFormat::Qrcode,
            images: BTreeMap::new(),
        }
    }
}

impl TemplateDraft {
    /// The form loaded with every attribute of a saved template (name included).
    pub fn from_template(t: &Template) -> Self {
        let mut images = BTreeMap::new();
        for (slot, id) in template_images(t) {
            images.insert(slot, id);
        }
        TemplateDraft {
            name: t.name.clone(),
            description: t.description.clone().unwrap_or_default(),
            pass_type: t.pass_type,
            transit_type: t
                .transit_type
                .map(|x| x.as_str().to_string())
                .unwrap_or_else(|| "air".into()),
            logo_text: t.logo_text.clone().unwrap_or_default(),
            background_color: t.background_color.clone().unwrap_or_default(),
            text_color: t.text_color.clone().unwrap_or_default(),
            label_color: t.label_color.clone().unwrap_or_default(),
            barcode_format: t.barcode.format,
            images,
        }
    }

    /// The form prefilled from a template for "duplicate and edit": everything copied,
    /// the name marked as a copy (names are unique per organization).
    pub fn duplicate_of(t: &Template) -> Self {
        let mut d = TemplateDraft::from_template(t);
        d.name = format!("{} (copy)", t.name);
        d
    }

    /// The image of a slot, or empty.
    pub fn image(&self, t: AssetType) -> String {
        slot_image(&self.images, t)
    }

    /// Sets (non-empty id) or removes (empty) the image of a slot.
    pub fn set_image(&mut self, t: AssetType, id: String) {
        set_slot_image(&mut self.images, t, id);
    }

    /// The transit type when the style needs one.
    pub fn transit(&self) -> Option<TransitType> {
        (self.pass_type == PassType::BoardingPass)
            .then(|| TransitType::parse(&self.transit_type))
            .flatten()
    }

    /// Checks what the browser can check, keyed by API attribute.
    pub fn validate(&self) -> BTreeMap<String, String> {
        let mut e = BTreeMap::new();
        if self.name.trim().is_empty() {
            e.insert("name".into(), "Name is required.".into());
        }
        if self.image(AssetType::Icon).is_empty() {
            e.insert(
                "icon_id".into(),
                "Choose an icon: every pass needs one.".into(),
            );
        }
        if self.pass_type == PassType::BoardingPass && self.transit().is_none() {
            e.insert("transit_type".into(), "Choose a transit type.".into());
        }
        for (attr, v) in [
            ("background_color", &self.background_color),
            ("text_color", &self.text_color),
            ("label_color", &self.label_color),
        ] {
            if !v.trim().is_empty() && !is_hex_color(v.trim()) {
                e.insert(attr.into(), "Use the form #rrggbb.".into());
            }
        }
        if event_ticket_strip_conflict(self.pass_type, |t| !self.image(t).is_empty()).is_some() {
            e.insert(
                "strip_id".into(),
                "An event ticket with a strip image cannot also have a background or thumbnail."
                    .into(),
            );
        }
        e
    }

    /// The create body: empty text is left out, the transit type only for boarding passes.
    pub fn to_input(&self) -> TemplateInput {
        let plain = |s: &str| -> Option<String> {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        };
        let img = |t: AssetType| plain(&self.image(t));
        TemplateInput {
            name: plain(&self.name),
            description: plain(&self.description),
            pass_type: Some(self.pass_type),
            transit_type: self.transit(),
            icon_id: img(AssetType::Icon),
            logo_id: img(AssetType::Logo),
            strip_id: img(AssetType::Strip),
            thumbnail_id: img(AssetType::Thumbnail),
            background_id: img(AssetType::Background),
            footer_id: img(AssetType::Footer),
            logo_text: plain(&self.logo_text),
            background_color: plain(&self.background_color).map(|c| c.to_lowercase()),
            text_color: plain(&self.text_color).map(|c| c.to_lowercase()),
            label_color: plain(&self.label_color).map(|c| c.to_lowercase()),
            barcode: Some(BarcodeInput {
                format: Some(self.barcode_format),
                ..Default::default()
            }),
        }
    }
}

/// The asset id chosen for an image slot of a form draft, or empty.
fn slot_image(images: &BTreeMap<AssetType, String>, t: AssetType) -> String {
    images.get(&t).cloned().unwrap_or_default()
}

/// Chooses an asset for an image slot of a form draft; an empty id clears the slot.
fn set_slot_image(images: &mut BTreeMap<AssetType, String>, t: AssetType, id: String) {
    if id.is_empty() {
        images.remove(&t);
    } else {
        images.insert(t, id);
    }
}

/// The image slots a template sets, with their asset ids, in form order.
pub fn template_images(t: &Template) -> Vec<(AssetType, String)> {
    [
        (AssetType::Icon, &t.icon_id),
        (AssetType::Logo, &t.logo_id),
        (AssetType::Strip, &t.strip_id),
        (AssetType::Thumbnail, &t.thumbnail_id),
        (AssetType::Background, &t.background_id),
        (AssetType::Footer, &t.footer_id),
    ]
    .into_iter()
    .filter_map(|(s, id)| id.clone().filter(|i| !i.is_empty()).map(|i| (s, i)))
    .collect()
}

/// The barcode formats a form offers, in order: the ones every iOS draws, the iOS 27
/// ones (the pass builder adds a QR copy, PDF417 on boarding passes, for older iOS), then none.
pub const BARCODE_CHOICES: [BarcodeFormat; 9] = [
    BarcodeFormat::Qrcode,
    BarcodeFormat::Pdf417,
    BarcodeFormat::Aztec,
    BarcodeFormat::Ean128,
    BarcodeFormat::Code39,
    BarcodeFormat::Codabar,
    BarcodeFormat::Ean13,
    BarcodeFormat::I2of5,
    BarcodeFormat::None,
];

/// What a holder gave Wallet's rewards sign-up form, on one line: name, e-mail address,
/// phone number, postal code (with the country), the parts they gave.
pub fn personalization_summary(i: &passworks_wire::apple::PersonalizationInfo) -> String {
    let name = i.full_name.clone().or_else(|| {
        let parts: Vec<&str> = [&i.given_name, &i.family_name]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    let postal = i.postal_code.as_ref().map(|p| match &i.iso_country_code {
        Some(c) => format!("{p} ({c})"),
        None => p.clone(),
    });
    [
        name,
        i.email_address.clone(),
        i.phone_number.clone(),
        postal,
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

/// Human name of a barcode format.
pub fn barcode_label(f: BarcodeFormat) -> &'static str {
    match f {
        BarcodeFormat::Qrcode => "QR code",
        BarcodeFormat::Pdf417 => "PDF417",
        BarcodeFormat::Aztec => "Aztec",
        BarcodeFormat::Ean128 => "Code 128 (EAN-128)",
        BarcodeFormat::Code39 => "Code 39 (iOS 27; QR or PDF417 on older iOS)",
        BarcodeFormat::Codabar => "Codabar (iOS 27; QR or PDF417 on older iOS)",
        BarcodeFormat::Ean13 => "EAN-13 (iOS 27; QR or PDF417 on older iOS)",
        BarcodeFormat::I2of5 => "Interleaved 2 of 5 (iOS 27; QR or PDF417 on older iOS)",
        BarcodeFormat::None => "No barcode",
    }
}

/// Human name of a pass style.
pub fn style_label(p: PassType) -> &'static str {
    match p {
        PassType::Coupon => "Coupon",
        PassType::StoreCard => "Store card",
        PassType::EventTicket => "Event ticket",
        PassType::BoardingPass => "Boarding pass",
        PassType::Generic => "Generic",
    }
}

/// The campaign type whose campaigns can use templates of a style.
pub fn campaign_type_of(p: PassType) -> CampaignType {
    CampaignType::ALL
        .iter()
        .copied()
        .find(|c| c.pass_type() == p)
        .unwrap_or(CampaignType::Generic)
}

/// The pass form: per-field values keyed by field key, and per-pass data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassDraft {
    /// (array index, key, label, value, behaviour) of every field, in campaign order.
    pub fields: Vec<(usize, String, String, String, Behaviour)>,
    pub barcode_message: String,
    pub expiration_date: String,
    pub relevant_date: String,
    pub voided: bool,
    /// Per-pass image overrides by slot (asset ids); a slot that is absent uses the
    /// campaign's image.
    pub images: BTreeMap<AssetType, String>,
    /// The slots the pass overrode when the form was opened (so emptying one clears it).
    pub original_images: BTreeMap<AssetType, String>,
    pub push_message: String,
    pub editing: bool,
    /// The pass's own Apple options (over its campaign's) and the campaign's style.
    pub apple: AppleDraft,
    pub style: Option<PassType>,
}

impl PassDraft {
    /// The texts a translation of this pass can name: its fields' labels and values
    /// ([`translatable_texts`]; the logo text is the campaign's).
    pub fn texts(&self) -> Vec<String> {
        translatable_texts("", self.fields.iter().map(|f| (f.2.as_str(), f.3.as_str())))
    }

    /// A new pass of a campaign: fields start from the campaign values.
    pub fn for_campaign(c: &Campaign) -> Self {
        PassDraft {
            fields: arrays_of(
                c.header_fields.iter(),
                &c.primary_fields,
                &c.secondary_fields,
                &c.auxiliary_fields,
                &c.back_fields,
            ),
            style: Some(c.campaign_type.pass_type()),
            ..Default::default()
        }
    }

    /// An existing pass of campaign `c`.
    pub fn from_pass(p: &Pass, c: &Campaign) -> Self {
        let images = pass_image_overrides(p, c);
        PassDraft {
            fields: arrays_of(
                p.header_fields.iter(),
                &p.primary_fields,
                &p.secondary_fields,
                &p.auxiliary_fields,
                &p.back_fields,
            ),
            barcode_message: p.barcode.message.clone(),
            expiration_date: p
                .expiration_date
                .as_deref()
                .map(to_datetime_local)
                .unwrap_or_default(),
            relevant_date: p
                .relevant_date
                .as_deref()
                .map(to_datetime_local)
                .unwrap_or_default(),
            voided: p.voided,
            original_images: images.clone(),
            images,
            push_message: String::new(),
            editing: true,
            apple: AppleDraft::from_options(c.campaign_type.pass_type(), &p.apple),
            style: Some(c.campaign_type.pass_type()),
        }
    }

    /// The override of a slot, or empty.
    pub fn image(&self, t: AssetType) -> String {
        slot_image(&self.images, t)
    }

    /// Sets (non-empty id) or removes (empty) the override of a slot.
    pub fn set_image(&mut self, t: AssetType, id: String) {
        set_slot_image(&mut self.images, t, id);
    }

    /// What to send for a slot: the override, `null` when an override was removed
    /// while editing, nothing when the slot keeps the campaign's image.
    pub fn image_input(&self, t: AssetType) -> Option<Option<String>> {
        match self.images.get(&t) {
            Some(id) => Some(Some(id.clone())),
            None if self.editing && self.original_images.contains_key(&t) => Some(None),
            None => None,
        }
    }

    /// Browser checks: a per-pass code is needed when the campaign says so.
    pub fn validate(&self, code_type: CodeType) -> BTreeMap<String, String> {
        let mut e = BTreeMap::new();
        if code_type == CodeType::PerPass && !self.editing && self.barcode_message.trim().is_empty()
        {
            e.insert(
                "redeem_code".into(),
                "This campaign needs a barcode message for each pass.".into(),
            );
        }
        if let Some(style) = self.style {
            self.apple.validate(style, &mut e);
        }
        e
    }

    /// The request body: only field values are sent, matched by key (§6.1).
    pub fn to_input(&self, code_type: CodeType) -> PassInput {
        let mut arrays: [Vec<FieldInput>; 5] = Default::default();
        for (i, key, _label, value, _b) in &self.fields {
            arrays[*i].push(FieldInput {
                key: key.clone(),
                value: Some((!value.is_empty()).then(|| value.clone())),
                ..Default::default()
            });
        }
        let [h, p, s, a, b] = arrays;
        let some = |v: Vec<FieldInput>| (!v.is_empty()).then_some(v);
        let msg = self.barcode_message.trim();
        let per_pass = code_type == CodeType::PerPass && !msg.is_empty();
        PassInput {
            header_fields: some(h),
            primary_fields: some(p),
            secondary_fields: some(s),
            auxiliary_fields: some(a),
            back_fields: some(b),
            redeem_code: (per_pass && !self.editing).then(|| msg.to_string()),
            barcode: per_pass.then(|| BarcodeInput {
                message: Some(msg.to_string()),
                alt_text: Some(msg.to_string()),
                ..Default::default()
            }),
            expiration_date: opt_date(&self.expiration_date, self.editing),
            relevant_date: opt_date(&self.relevant_date, self.editing),
            voided: self.editing.then_some(self.voided),
            icon_id: self.image_input(AssetType::Icon),
            logo_id: self.image_input(AssetType::Logo),
            strip_id: self.image_input(AssetType::Strip),
            thumbnail_id: self.image_input(AssetType::Thumbnail),
            background_id: self.image_input(AssetType::Background),
            footer_id: self.image_input(AssetType::Footer),
            push_message: (self.editing && !self.push_message.trim().is_empty())
                .then(|| self.push_message.trim().to_string()),
            apple: self.style.and_then(|style| self.apple.patch(style)),
            ..Default::default()
        }
    }
}

/// The images of a pass that differ from its campaign's: the per-pass overrides. (A pass
/// answers with its effective images, the campaign's where it has no override.)
pub fn pass_image_overrides(p: &Pass, c: &Campaign) -> BTreeMap<AssetType, String> {
    let pairs = [
        (AssetType::Icon, &p.icon_id, &c.icon_id),
        (AssetType::Logo, &p.logo_id, &c.logo_id),
        (AssetType::Strip, &p.strip_id, &c.strip_id),
        (AssetType::Thumbnail, &p.thumbnail_id, &c.thumbnail_id),
        (AssetType::Background, &p.background_id, &c.background_id),
        (AssetType::Footer, &p.footer_id, &c.footer_id),
    ];
    pairs
        .into_iter()
        .filter_map(|(t, pass, camp)| match pass {
            Some(id) if pass != camp && !id.is_empty() => Some((t, id.clone())),
            _ => None,
        })
        .collect()
}

fn arrays_of<'a>(
    h: impl Iterator<Item = &'a Field>,
    p: &'a [Field],
    s: &'a [Field],
    a: &'a [Field],
    b: &'a [Field],
) -> Vec<(usize, String, String, String, Behaviour)> {
    let mut out = Vec::new();
    let all: [Vec<&Field>; 5] = [
        h.collect(),
        p.iter().collect(),
        s.iter().collect(),
        a.iter().collect(),
        b.iter().collect(),
    ];
    for (i, arr) in all.iter().enumerate() {
        for f in arr {
            out.push((
                i,
                f.key.clone(),
                f.label.clone().unwrap_or_default(),
                f.value.clone().unwrap_or_default(),
                f.behaviour,
            ));
        }
    }
    // Dynamic fields first: they are what changes per pass.
    out.sort_by_key(|f| f.4 != Behaviour::Dynamic);
    out
}

/// The texts of a pass Wallet would look up in a translation, each once, in the order
/// they appear: the logo text, then each field's label and (when given) value.
pub fn translatable_texts<'a>(
    logo_text: &'a str,
    fields: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |t: &str| {
        let t = t.trim();
        if !t.is_empty() && !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    };
    add(logo_text);
    for (label, value) in fields {
        add(label);
        add(value);
    }
    out
}

/// The `apple` options as a form edits them: the layout scheme, the style's common
/// semantic tags ([`passworks_wire::apple::form_tags`]), the first relevance interval, the
/// style's URLs, and everything else as JSON, so every option stays editable. The form
/// sends only what changed ([`passworks_wire::apple::diff_patch`] against what was loaded).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppleDraft {
    /// The options as loaded (`null` for none): the base of the patch.
    pub original: serde_json::Value,
    /// Whether the newer layout is asked for (poster event ticket, semantic boarding pass).
    pub newer_layout: bool,
    /// Tag name → text (lists comma separated).
    pub tags: BTreeMap<String, String>,
    /// First relevance interval, `datetime-local` values read as UTC.
    pub start: String,
    pub end: String,
    /// URL option name (`bag_policy_url`) → value.
    pub urls: BTreeMap<String, String>,
    /// Every other option, as a JSON object (empty for none).
    pub more: String,
    /// `translations`: language id → text as written → its translation (empty
    /// translations are not sent).
    pub translations: BTreeMap<String, BTreeMap<String, String>>,
    /// `localized_images`: language id → slot → asset id (empty ids are not sent).
    pub images: BTreeMap<String, BTreeMap<AssetType, String>>,
}

impl AppleDraft {
    /// Whether these options draw a poster: the poster event ticket layout, or poster
    /// images or `poster_generic` (iOS 27) in More options. Only then does a language's
    /// tab offer the poster images.
    pub fn uses_poster(&self, style: PassType) -> bool {
        if style == PassType::EventTicket && self.newer_layout {
            return true;
        }
        let more: serde_json::Value = serde_json::from_str(&self.more).unwrap_or_default();
        ["poster_generic", "images"]
            .iter()
            .any(|k| more.get(k).is_some_and(|v| !v.is_null()))
    }

    /// The form of `options` for passes of `style`.
    pub fn from_options(style: PassType, options: &AppleOptions) -> Self {
        use serde_json::Value;
        let original = serde_json::to_value(options).unwrap_or(Value::Null);
        let mut rest = original.as_object().cloned().unwrap_or_default();
        let mut d = AppleDraft {
            original: if rest.is_empty() {
                Value::Null
            } else {
                original.clone()
            },
            ..Default::default()
        };
        if let Some((newer, classic)) = apple::form_scheme(style) {
            let pair = serde_json::json!([newer.as_str(), classic.as_str()]);
            if rest.get("preferred_style_schemes") == Some(&pair) {
                d.newer_layout = true;
                rest.remove("preferred_style_schemes");
            }
        }
        if let Some(Value::Object(sem)) = rest.get_mut("semantics") {
            for (tag, _, input) in apple::form_tags(style) {
                let text = match (sem.get(*tag), input) {
                    (Some(Value::String(s)), TagInput::Text) => Some(s.clone()),
                    (Some(Value::Array(a)), TagInput::List) if a.iter().all(|v| v.is_string()) => {
                        Some(
                            a.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(", "),
                        )
                    }
                    _ => None,
                };
                if let Some(t) = text {
                    sem.remove(*tag);
                    d.tags.insert(tag.to_string(), t);
                }
            }
            if sem.is_empty() {
                rest.remove("semantics");
            }
        }
        if let Some(Value::Object(urls)) = rest.get_mut("urls") {
            for key in apple::URL_KEYS.iter().filter(|k| k.style == style) {
                if let Some(Value::String(v)) = urls.remove(key.api) {
                    d.urls.insert(key.api.to_string(), v);
                }
            }
            if urls.is_empty() {
                rest.remove("urls");
            }
        }
        if let [apple::RelevantInterval {
            start_date: Some(start),
            end_date: Some(end),
            date: None,
        }] = options.relevant_dates.as_slice()
        {
            d.start = to_datetime_local(start);
            d.end = to_datetime_local(end);
            rest.remove("relevant_dates");
        }
        if rest.remove("translations").is_some() {
            d.translations = options.translations.clone();
        }
        if rest.remove("localized_images").is_some() {
            d.images = options
                .localized_images
                .iter()
                .map(|(lang, images)| {
                    let slots = images
                        .entries()
                        .into_iter()
                        .map(|(slot, id)| (slot, id.to_string()))
                        .collect();
                    (lang.clone(), slots)
                })
                .collect();
        }
        if !rest.is_empty() {
            d.more = serde_json::to_string_pretty(&Value::Object(rest)).unwrap_or_default();
        }
        d
    }

    /// The options the form describes (`None` while "More options" is not a JSON object
    /// of options).
    pub fn options(&self, style: PassType) -> Option<AppleOptions> {
        self.desired(style)
            .ok()
            .and_then(|o| serde_json::from_value(o).ok())
    }

    /// The languages of the form: those with translations or images (a tab each).
    pub fn languages(&self) -> Vec<String> {
        let mut langs: Vec<String> = self
            .translations
            .keys()
            .chain(self.images.keys())
            .cloned()
            .collect();
        langs.sort();
        langs.dedup();
        langs
    }

    /// The languages of a pass form: its own ([`languages`](Self::languages)) and those it
    /// inherits (`inherited`: its campaign's options, whose translations and images apply
    /// to the pass wherever it has none of its own), each once, in order. A campaign form
    /// inherits nothing.
    pub fn languages_with(&self, inherited: &AppleOptions) -> Vec<String> {
        let mut langs = self.languages();
        langs.extend(inherited.languages().into_iter().map(str::to_string));
        langs.sort();
        langs.dedup();
        langs
    }

    /// The texts `lang`'s tab lists, a row each: the pass's `texts`, then those translated
    /// in `lang` earlier (by the form or by what it inherits) that the pass no longer
    /// shows, so that nothing is dropped unseen.
    pub fn texts_in(
        &self,
        texts: Vec<String>,
        inherited: &AppleOptions,
        lang: &str,
    ) -> Vec<String> {
        let mut all = texts;
        let own = self
            .translations
            .get(lang)
            .into_iter()
            .flat_map(|m| m.keys());
        let theirs = inherited
            .translations
            .get(lang)
            .into_iter()
            .flat_map(|m| m.keys());
        for k in own.chain(theirs) {
            if !all.contains(k) {
                all.push(k.clone());
            }
        }
        all
    }

    /// Removes the form's own texts and images in `lang`; what it inherits in `lang`
    /// stays (and applies again).
    pub fn remove_language(&mut self, lang: &str) {
        self.translations.remove(lang);
        self.images.remove(lang);
    }

    /// One language's translations that are filled in (what the preview applies).
    pub fn strings(&self, lang: &str) -> BTreeMap<String, String> {
        self.translations
            .get(lang)
            .map(|m| {
                m.iter()
                    .filter(|(_, t)| !t.trim().is_empty())
                    .map(|(k, t)| (k.clone(), t.trim().to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The options the form describes, as JSON (`Err` with a message when "More options"
    /// is not a JSON object).
    pub fn desired(&self, style: PassType) -> Result<serde_json::Value, String> {
        use serde_json::{json, Map, Value};
        let mut o: Map<String, Value> =
            if self.more.trim().is_empty() {
                Map::new()
            } else {
                match serde_json::from_str::<Value>(&self.more) {
                    Ok(Value::Object(m)) => m,
                    _ => return Err(
                        "More options must be a JSON object, e.g. {\"sharing_prohibited\": true}."
                            .into(),
                    ),
                }
            };
        if let (true, Some((newer, classic))) = (self.newer_layout, apple::form_scheme(style)) {
            o.insert(
                "preferred_style_schemes".into(),
                json!([newer.as_str(), classic.as_str()]),
            );
        }
        for (tag, _, input) in apple::form_tags(style) {
            let Some(text) = self
                .tags
                .get(*tag)
                .map(|t| t.trim())
                .filter(|t| !t.is_empty())
            else {
                continue;
            };
            let v = match input {
                TagInput::Text => json!(text),
                TagInput::List => json!(text
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()),
            };
            let sem = o.entry("semantics").or_insert_with(|| json!({}));
            if let Value::Object(m) = sem {
                m.insert(tag.to_string(), v);
            }
        }
        for (k, v) in &self.urls {
            if v.trim().is_empty() {
                continue;
            }
            let urls = o.entry("urls").or_insert_with(|| json!({}));
            if let Value::Object(m) = urls {
                m.insert(k.clone(), json!(v.trim()));
            }
        }
        if let (Some(s), Some(e)) = (
            from_datetime_local(&self.start),
            from_datetime_local(&self.end),
        ) {
            o.insert(
                "relevant_dates".into(),
                json!([{"start_date": s, "end_date": e}]),
            );
        }
        let translations: Map<String, Value> = self
            .translations
            .keys()
            .map(|lang| (lang.clone(), json!(self.strings(lang))))
            .filter(|(_, m)| m.as_object().is_some_and(|m| !m.is_empty()))
            .collect();
        if !translations.is_empty() {
            o.insert("translations".into(), Value::Object(translations));
        }
        // Each language's images, over any "More options" gives for the same slot.
        for (lang, slots) in &self.images {
            for (slot, id) in slots.iter().filter(|(_, id)| !id.trim().is_empty()) {
                let all = o.entry("localized_images").or_insert_with(|| json!({}));
                if let Some(m) = all.as_object_mut() {
                    let l = m.entry(lang.clone()).or_insert_with(|| json!({}));
                    if let Some(l) = l.as_object_mut() {
                        l.insert(
                            apple::localized_slot_key(*slot).to_string(),
                            json!(id.trim()),
                        );
                    }
                }
            }
        }
        Ok(Value::Object(o))
    }

    /// The `apple` patch to send (`None` when nothing changed).
    pub fn patch(&self, style: PassType) -> Option<serde_json::Value> {
        let desired = self.desired(style).ok()?;
        apple::diff_patch(&self.original, &desired)
    }

    /// The form's problems under `apple` (the server checks the rest).
    pub fn validate(&self, style: PassType, e: &mut BTreeMap<String, String>) {
        if let Err(m) = self.desired(style) {
            e.insert("apple".into(), m);
        } else if self.start.trim().is_empty() != self.end.trim().is_empty() {
            e.insert(
                "apple".into(),
                "Give both the start and the end of the relevance interval.".into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poster_options() -> AppleOptions {
        serde_json::from_value(serde_json::json!({
            "preferred_style_schemes": ["posterEventTicket", "eventTicket"],
            "sharing_prohibited": true,
            "relevant_dates": [{"start_date": "2026-12-01T18:00:00Z", "end_date": "2026-12-01T23:30:00Z"}],
            "urls": {"bag_policy_url": "https://example.com/bags"},
            "semantics": {"eventName": "Jazz Night", "venueName": "Coliseu",
                          "performerNames": ["A", "B"], "genre": "jazz"}
        }))
        .unwrap()
    }

    #[test]
    fn poster_images_are_offered_only_for_a_poster() {
        let ticket = AppleDraft::from_options(PassType::EventTicket, &poster_options());
        assert!(ticket.uses_poster(PassType::EventTicket));
        let plain = AppleDraft::from_options(PassType::Coupon, &AppleOptions::default());
        assert!(!plain.uses_poster(PassType::Coupon));
        let generic: AppleOptions = serde_json::from_value(serde_json::json!({
            "poster_generic": {"footer_fields": [{"key": "f", "value": "Thanks"}]}
        }))
        .unwrap();
        let d = AppleDraft::from_options(PassType::Coupon, &generic);
        assert!(d.uses_poster(PassType::Coupon));
    }

    #[test]
    fn forms_offer_every_barcode_format_once_with_none_last() {
        for f in BarcodeFormat::ALL {
            assert_eq!(BARCODE_CHOICES.iter().filter(|c| *c == f).count(), 1, "{f}");
        }
        assert_eq!(BARCODE_CHOICES.last(), Some(&BarcodeFormat::None));
        assert!(barcode_label(BarcodeFormat::Ean13).contains("PDF417 on older iOS"));
    }

    #[test]
    fn a_holders_sign_up_reads_on_one_line() {
        let info = passworks_wire::apple::PersonalizationInfo {
            given_name: Some("Ana".into()),
            family_name: Some("Silva".into()),
            email_address: Some("ana@example.com".into()),
            postal_code: Some("1100-148".into()),
            iso_country_code: Some("PT".into()),
            ..Default::default()
        };
        assert_eq!(
            personalization_summary(&info),
            "Ana Silva · ana@example.com · 1100-148 (PT)"
        );
        assert_eq!(personalization_summary(&Default::default()), "");
    }

    #[test]
    fn apple_options_load_into_the_form_and_send_nothing_unchanged() {
        let d = AppleDraft::from_options(PassType::EventTicket, &poster_options());
        assert!(d.newer_layout);
        assert_eq!(d.tags["eventName"], "Jazz Night");
        assert_eq!(d.tags["performerNames"], "A, B");
        assert_eq!(d.urls["bag_policy_url"], "https://example.com/bags");
        assert_eq!(
            (d.start.as_str(), d.end.as_str()),
            ("2026-12-01T18:00", "2026-12-01T23:30")
        );
        // What the form has no control for stays, as JSON.
        let more: serde_json::Value = serde_json::from_str(&d.more).unwrap();
        assert_eq!(
            more,
            serde_json::json!({"sharing_prohibited": true, "semantics": {"genre": "jazz"}})
        );
        assert_eq!(d.patch(PassType::EventTicket), None);
    }

    #[test]
    fn apple_edits_become_a_key_by_key_patch() {
        let mut d = AppleDraft::from_options(PassType::EventTicket, &poster_options());
        d.tags.insert("venueName".into(), String::new());
        d.tags.insert("venueRoom".into(), "Main hall".into());
        d.tags.insert("performerNames".into(), "A, B, C".into());
        d.newer_layout = false;
        d.start.clear();
        d.end.clear();
        let patch = d.patch(PassType::EventTicket).unwrap();
        assert_eq!(
            patch,
            serde_json::json!({
                "preferred_style_schemes": null,
                "relevant_dates": null,
                "semantics": {"venueName": null, "venueRoom": "Main hall", "performerNames": ["A", "B", "C"]}
            })
        );
        // Applied the way the server applies it, the patch gives what the form shows.
        let applied = poster_options().patched(&patch);
        assert_eq!(applied.semantics.venue_room.as_deref(), Some("Main hall"));
        assert_eq!(applied.semantics.genre.as_deref(), Some("jazz"));
        assert!(applied.relevant_dates.is_empty());
        // A campaign without options sends nothing until something is set.
        let mut fresh = CampaignDraft::new(CampaignType::EventTicket);
        assert_eq!(fresh.to_input().apple, None);
        fresh.apple.newer_layout = true;
        assert_eq!(
            fresh.to_input().apple,
            Some(
                serde_json::json!({"preferred_style_schemes": ["posterEventTicket", "eventTicket"]})
            )
        );
        fresh.apple.more = "[1]".into();
        fresh.apple.start = "2026-12-01T18:00".into();
        assert!(fresh.validate()["apple"].contains("JSON object"));
        fresh.apple.more.clear();
        assert!(fresh.validate()["apple"].contains("start and the end"));
    }

    #[test]
    fn a_languages_images_are_edited_apart_and_sent_slot_by_slot() {
        let options: AppleOptions = serde_json::from_value(serde_json::json!({
            "localized_images": {"fr": {"logo_id": "a", "strip_id": "b"}}
        }))
        .unwrap();
        let mut d = AppleDraft::from_options(PassType::Coupon, &options);
        assert_eq!(d.images["fr"][&AssetType::Logo], "a");
        assert!(!d.more.contains("localized_images"), "{}", d.more);
        assert_eq!(d.patch(PassType::Coupon), None);
        // A language with only images is a language of the form.
        assert_eq!(d.languages(), ["fr"]);
        d.images.get_mut("fr").unwrap().remove(&AssetType::Strip);
        d.images
            .entry("de".into())
            .or_default()
            .insert(AssetType::Logo, "c".into());
        let patch = d.patch(PassType::Coupon).unwrap();
        assert_eq!(
            patch["localized_images"],
            serde_json::json!({"de": {"logo_id": "c"}, "fr": {"strip_id": null}})
        );
        let applied = options.patched(&patch);
        assert_eq!(
            applied.localized_image_refs(),
            [("de", AssetType::Logo, "c"), ("fr", AssetType::Logo, "a")]
        );
    }

    #[test]
    fn a_pass_form_has_its_campaigns_languages_too() {
        let campaign: AppleOptions = serde_json::from_value(serde_json::json!({
            "translations": {"fr": {"Offer": "Offre", "Old": "Ancien"}},
            "localized_images": {"de": {"logo_id": "cl"}}
        }))
        .unwrap();
        let mut d = AppleDraft::from_options(PassType::Coupon, &AppleOptions::default());
        d.translations
            .entry("pt".into())
            .or_default()
            .insert("Offer".into(), "Oferta".into());
        assert_eq!(d.languages(), ["pt"]);
        assert_eq!(d.languages_with(&AppleOptions::default()), ["pt"]);
        assert_eq!(d.languages_with(&campaign), ["de", "fr", "pt"]);
        // A campaign's text the pass no longer shows is listed in its language's tab.
        let texts = vec!["Offer".to_string(), "20% off".to_string()];
        assert_eq!(
            d.texts_in(texts.clone(), &campaign, "fr"),
            ["Offer", "20% off", "Old"]
        );
        assert_eq!(d.texts_in(texts.clone(), &campaign, "pt"), texts);
        // An override typed in an inherited language is the pass's own: only it is sent.
        d.translations
            .entry("fr".into())
            .or_default()
            .insert("Offer".into(), "Promo".into());
        let patch = d.patch(PassType::Coupon).unwrap();
        assert_eq!(
            patch["translations"],
            serde_json::json!({"fr": {"Offer": "Promo"}, "pt": {"Offer": "Oferta"}})
        );
        assert!(patch.get("localized_images").is_none(), "{patch}");
        // Removing fr removes the pass's override; the campaign's fr stays a language.
        d.remove_language("fr");
        assert_eq!(d.languages(), ["pt"]);
        assert_eq!(d.languages_with(&campaign), ["de", "fr", "pt"]);
        assert_eq!(
            d.patch(PassType::Coupon).unwrap()["translations"],
            serde_json::json!({"pt": {"Offer": "Oferta"}})
        );
    }

    #[test]
    fn translations_are_edited_apart_and_sent_key_by_key() {
        let mut options = poster_options();
        options.translations.insert(
            "pt".into(),
            [("Jazz Night".to_string(), "Noite de Jazz".to_string())].into(),
        );
        let mut d = AppleDraft::from_options(PassType::EventTicket, &options);
        assert_eq!(d.strings("pt")["Jazz Night"], "Noite de Jazz");
        assert!(!d.more.contains("translations"), "{}", d.more);
        assert_eq!(d.patch(PassType::EventTicket), None);
        // A new language with one text filled and one left empty; a translation removed.
        d.translations.entry("de".into()).or_default().extend([
            ("Seat".to_string(), "Platz".to_string()),
            ("Row".into(), " ".into()),
        ]);
        d.translations
            .get_mut("pt")
            .unwrap()
            .insert("Jazz Night".into(), String::new());
        let patch = d.patch(PassType::EventTicket).unwrap();
        assert_eq!(
            patch["translations"],
            serde_json::json!({"de": {"Seat": "Platz"}, "pt": null})
        );
        let applied = options.patched(&patch);
        assert_eq!(applied.translations.len(), 1);
        assert_eq!(applied.translations["de"]["Seat"], "Platz");
        assert_eq!(
            translatable_texts(
                " Paw ",
                [("Offer", "20% off"), ("Name", ""), ("Offer", "x")]
            ),
            vec!["Paw", "Offer", "20% off", "Name", "x"]
        );
    }

    #[test]
    fn new_draft_is_valid_once_named_with_an_icon() {
        let mut d = CampaignDraft::new(CampaignType::Coupon);
        assert!(d.validate().contains_key("name"));
        assert!(d.validate().contains_key("icon_id"));
        d.name = "Spring".into();
        d.images.insert(AssetType::Icon, "i".into());
        assert!(d.validate().is_empty(), "{:?}", d.validate());
    }

    #[test]
    fn duplicate_keys_across_arrays_are_reported_on_the_later_array() {
        let mut d = CampaignDraft::new(CampaignType::Generic);
        d.add_field(4, "name", "Again", "", Behaviour::Fixed);
        let e = d.validate();
        assert!(e["back_fields"].contains("already used"));
    }

    #[test]
    fn rows_move_and_are_removed_by_id() {
        let mut d = CampaignDraft::new(CampaignType::Generic);
        let a = d.add_field(2, "a", "", "", Behaviour::Fixed);
        let b = d.add_field(2, "b", "", "", Behaviour::Fixed);
        move_row(&mut d.fields[2], b, -1);
        assert_eq!(d.fields[2][0].key, "b");
        move_row(&mut d.fields[2], b, -1);
        assert_eq!(d.fields[2][0].key, "b");
        remove_row(&mut d.fields[2], a);
        assert_eq!(d.fields[2].len(), 1);
    }

    #[test]
    fn locations_stop_at_ten() {
        let mut d = CampaignDraft::new(CampaignType::Generic);
        for _ in 0..10 {
            assert!(d.add_location());
        }
        assert!(!d.add_location());
        assert_eq!(d.locations.len(), 10);
    }

    #[test]
    fn event_ticket_strip_excludes_background() {
        let mut d = CampaignDraft::new(CampaignType::EventTicket);
        d.images.insert(AssetType::Strip, "s".into());
        d.images.insert(AssetType::Background, "b".into());
        assert!(d.validate().contains_key("strip_id"));
    }

    #[test]
    fn a_fixed_code_the_barcode_cannot_hold_is_flagged_on_its_field() {
        let mut d = CampaignDraft::new(CampaignType::Coupon);
        d.name = "Spring".into();
        d.images.insert(AssetType::Icon, "i".into());
        d.code_type = CodeType::Fixed;
        d.code_fixed_value = "SPRING-5€".into();
        let e = d.validate();
        assert!(e["code_fixed_value"].contains("U+20AC"), "{e:?}");
        d.code_fixed_value = "SPRING-5".into();
        assert!(d.validate().is_empty(), "{:?}", d.validate());
        d.barcode_format = BarcodeFormat::Ean128;
        d.code_fixed_value = "café".into();
        assert!(d.validate()["code_fixed_value"].contains("printable ASCII"));
    }

    #[test]
    fn an_edit_destroys_removed_and_moved_fields_and_sends_the_order() {
        // As `from_campaign` leaves a campaign with fields a, b, c (auxiliary) and d (back).
        let mut d = CampaignDraft::new(CampaignType::Generic);
        d.name = "X".into();
        d.editing = true;
        d.fields = Default::default();
        for (i, k) in [(3, "a"), (3, "b"), (3, "c"), (4, "d")] {
            d.add_field(i, k, "", "", Behaviour::Fixed);
            d.original_fields[i].push(k.to_string());
        }
        let b = d.fields[3][1].id;
        remove_row(&mut d.fields[3], b);
        let c_id = d.fields[3][1].id;
        move_row(&mut d.fields[3], c_id, -1);
        let moved = d.fields[4].remove(0);
        d.fields[1].push(moved);
        let v = serde_json::to_value(d.to_input()).unwrap();
        assert_eq!(
            v["auxiliary_fields"],
            serde_json::json!([
                {"key": "b", "_destroy": true},
                {"key": "c", "label": null, "value": null, "behaviour": "fixed"},
                {"key": "a", "label": null, "value": null, "behaviour": "fixed"}
            ])
        );
        assert_eq!(
            v["back_fields"],
            serde_json::json!([{"key": "d", "_destroy": true}])
        );
        assert_eq!(v["primary_fields"][0]["key"], "d");
        assert!(v["primary_fields"][0].get("_destroy").is_none());
    }

    #[test]
    fn create_body_omits_empty_nullable_attributes_and_edit_clears_them() {
        let mut d = CampaignDraft::new(CampaignType::Coupon);
        d.name = "X".into();
        let v = serde_json::to_value(d.to_input()).unwrap();
        assert!(v.get("logo_text").is_none());
        d.editing = true;
        let v = serde_json::to_value(d.to_input()).unwrap();
        assert_eq!(v["logo_text"], serde_json::Value::Null);
        assert_eq!(v["barcode"]["format"], "qrcode");
    }

    #[test]
    fn per_pass_code_is_required_and_sent() {
        let d = PassDraft::default();
        assert!(d.validate(CodeType::PerPass).contains_key("redeem_code"));
        let d = PassDraft {
            barcode_message: "ABC".into(),
            ..Default::default()
        };
        let v = serde_json::to_value(d.to_input(CodeType::PerPass)).unwrap();
        assert_eq!(v["redeem_code"], "ABC");
        assert_eq!(v["barcode"]["message"], "ABC");
    }

    fn template() -> Template {
        Template {
            id: "t1".into(),
            name: "Gold".into(),
            description: Some("Members".into()),
            pass_type: PassType::BoardingPass,
            transit_type: Some(TransitType::Train),
            logo_text: Some("Rail".into()),
            background_color: Some("#112233".into()),
            text_color: Some("#ffffff".into()),
            label_color: None,
            barcode: passworks_wire::Barcode {
                format: BarcodeFormat::Pdf417,
                ..Default::default()
            },
            source: "api".into(),
            icon_id: Some("i".into()),
            logo_id: None,
            strip_id: Some("s".into()),
            thumbnail_id: None,
            background_id: None,
            footer_id: Some("f".into()),
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn template_draft_needs_a_name_an_icon_and_a_transit_type_for_boarding_passes() {
        let mut d = TemplateDraft::default();
        let e = d.validate();
        assert!(e.contains_key("name") && e.contains_key("icon_id"));
        d.name = "Gold".into();
        d.set_image(AssetType::Icon, "i".into());
        assert!(d.validate().is_empty(), "{:?}", d.validate());
        d.pass_type = PassType::BoardingPass;
        d.transit_type = String::new();
        assert!(d.validate().contains_key("transit_type"));
        d.text_color = "white".into();
        assert!(d.validate().contains_key("text_color"));
    }

    #[test]
    fn template_input_carries_every_attribute_and_omits_transit_unless_boarding() {
        let mut d = TemplateDraft {
            name: " Gold ".into(),
            logo_text: "Paw".into(),
            background_color: "#6A1B9A".into(),
            barcode_format: BarcodeFormat::Aztec,
            ..Default::default()
        };
        d.set_image(AssetType::Icon, "i".into());
        d.set_image(AssetType::Strip, "s".into());
        let v = serde_json::to_value(d.to_input()).unwrap();
        assert_eq!(v["name"], "Gold");
        assert_eq!(v["pass_type"], "generic");
        assert!(v.get("transit_type").is_none());
        assert!(v.get("description").is_none());
        assert_eq!(v["icon_id"], "i");
        assert_eq!(v["strip_id"], "s");
        assert!(v.get("logo_id").is_none());
        assert_eq!(v["background_color"], "#6a1b9a");
        assert_eq!(v["barcode"]["format"], "aztec");
        d.pass_type = PassType::BoardingPass;
        d.transit_type = "bus".into();
        let v = serde_json::to_value(d.to_input()).unwrap();
        assert_eq!(v["pass_type"], "boardingPass");
        assert_eq!(v["transit_type"], "bus");
    }

    #[test]
    fn duplicating_a_template_copies_everything_but_the_name() {
        let t = template();
        let d = TemplateDraft::duplicate_of(&t);
        assert_eq!(d.name, "Gold (copy)");
        assert_eq!(d.pass_type, PassType::BoardingPass);
        assert_eq!(d.transit(), Some(TransitType::Train));
        assert_eq!(d.image(AssetType::Strip), "s");
        assert_eq!(d.image(AssetType::Footer), "f");
        assert_eq!(d.image(AssetType::Logo), "");
        assert_eq!(d.barcode_format, BarcodeFormat::Pdf417);
        let again = d.to_input();
        assert_eq!(again.icon_id.as_deref(), Some("i"));
        assert_eq!(again.logo_text.as_deref(), Some("Rail"));
        assert_eq!(again.label_color, None);
        assert_eq!(campaign_type_of(t.pass_type), CampaignType::BoardingPass);
    }

    #[test]
    fn event_ticket_template_strip_excludes_background_and_thumbnail() {
        let mut d = TemplateDraft {
            name: "T".into(),
            pass_type: PassType::EventTicket,
            ..Default::default()
        };
        d.set_image(AssetType::Icon, "i".into());
        d.set_image(AssetType::Strip, "s".into());
        assert!(d.validate().is_empty());
        d.set_image(AssetType::Thumbnail, "t".into());
        assert!(d.validate().contains_key("strip_id"));
    }

    #[test]
    fn pass_image_overrides_are_sent_for_every_slot_and_cleared_when_removed() {
        let mut d = PassDraft::default();
        d.set_image(AssetType::Strip, "s".into());
        d.set_image(AssetType::Logo, "l".into());
        let v = serde_json::to_value(d.to_input(CodeType::Sequential)).unwrap();
        assert_eq!(v["strip_id"], "s");
        assert_eq!(v["logo_id"], "l");
        assert!(v.get("icon_id").is_none() && v.get("thumbnail_id").is_none());
        // Editing a pass with a footer override: removing it sends null.
        let mut d = PassDraft {
            editing: true,
            ..Default::default()
        };
        d.set_image(AssetType::Footer, "f".into());
        d.original_images = d.images.clone();
        d.set_image(AssetType::Footer, String::new());
        d.set_image(AssetType::Background, "b".into());
        let v = serde_json::to_value(d.to_input(CodeType::Sequential)).unwrap();
        assert_eq!(v["footer_id"], serde_json::Value::Null);
        assert_eq!(v["background_id"], "b");
        assert!(v.get("strip_id").is_none());
    }

    #[test]
    fn a_pass_overrides_only_the_images_that_differ_from_its_campaign() {
        let c: Campaign = serde_json::from_value(campaign_json()).unwrap();
        let mut p: Pass = serde_json::from_value(pass_json()).unwrap();
        p.icon_id = c.icon_id.clone();
        p.strip_id = Some("pass-strip".into());
        p.logo_id = Some("pass-logo".into());
        let o = pass_image_overrides(&p, &c);
        assert_eq!(o.len(), 2, "{o:?}");
        assert_eq!(o[&AssetType::Strip], "pass-strip");
        assert_eq!(o[&AssetType::Logo], "pass-logo");
        let d = PassDraft::from_pass(&p, &c);
        assert_eq!(d.image(AssetType::Strip), "pass-strip");
        assert_eq!(d.image(AssetType::Icon), "");
    }

    fn campaign_json() -> serde_json::Value {
        serde_json::from_str(
            r#"{
            "id": "c", "campaign_type": "coupons", "name": "C", "description": "", "state": "published",
            "template_id": "t", "certificate_id": null, "icon_id": "camp-icon", "logo_id": "camp-logo",
            "strip_id": null, "thumbnail_id": null, "background_id": null, "footer_id": null,
            "logo_text": null, "background_color": null, "text_color": null, "label_color": null,
            "transit_type": null, "barcode": {"format": "qrcode", "message": "", "alt_text": "", "alt_text_type": "mirror"},
            "barcodes": [], "header_fields": [], "primary_fields": [], "secondary_fields": [],
            "auxiliary_fields": [], "back_fields": [], "locations": [], "beacons": [],
            "organization_name": "", "associated_store_identifiers": [], "code_type": "sequential",
            "code_fixed_value": null, "allow_multiple_redeems": false, "expiration_date": null,
            "relevant_date": null, "max_distance": null, "user_info": {}, "gwallet_usage": false,
            "gwallet_status": null, "gwallet_message": null, "og": true, "og_description": "",
            "javascript": null, "stylesheet": null, "remote_form_url": null,
            "sync_locations_on_merge": true, "sync_beacons_on_merge": true, "render_on_short_url": false,
            "passes_count": 0, "redeemed_count": 0, "distributions": [], "page_url": "", "pkpass_url": "",
            "page_short_url": "", "pkpass_short_url": "", "created_at": "", "updated_at": ""
        }"#,
        )
        .unwrap()
    }

    fn pass_json() -> serde_json::Value {
        serde_json::from_str(
            r#"{
            "id": "p", "campaign_id": "c", "serial_number": "s", "authentication_token": "a",
            "redeem_code": "0000001", "voided": false, "redeemed_count": 0, "redeemed_at": null,
            "last_fetched_at": null, "metadata": {},
            "barcode": {"format": "qrcode", "message": "0000001", "alt_text": "0000001", "alt_text_type": "mirror"},
            "barcodes": [], "header_fields": [], "primary_fields": [], "secondary_fields": [],
            "auxiliary_fields": [], "back_fields": [], "locations": [], "beacons": [], "user_info": {},
            "expiration_date": null, "relevant_date": null, "max_distance": null,
            "icon_id": null, "logo_id": null, "strip_id": null, "thumbnail_id": null,
            "background_id": null, "footer_id": null, "page_url": "", "pkpass_url": "",
            "preview_url": "", "page_short_url": "", "pkpass_short_url": "",
            "created_at": "", "updated_at": ""
        }"#,
        )
        .unwrap()
    }
}
