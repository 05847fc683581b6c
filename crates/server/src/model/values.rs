//! Parsing and validation of the request attributes shared by campaigns, passes,
//! templates and remote forms (§6, §7.2, §8.2).
//!
//! Inputs are read from the raw JSON object (not through serde) so that every problem is
//! reported per attribute with a 422 message, unknown attributes are ignored and the
//! documented coercions (numbers as strings, `foreground_color`, `sequencial`) apply.
//! Each reader returns `None` when the attribute is absent, `Some(None)` for an explicit
//! `null` and `Some(Some(v))` for a value.
//!
//! It sits in the model layer because the records use its types (`BarcodeDoc`) and the
//! pass store applies its field rules for every caller (API, remote forms, download
//! pages); handlers use its [`Reader`] to parse request bodies.

use crate::db::normalize_time;
use crate::error::Errors;
use passworks_wire::apple::AppleOptions;
use passworks_wire::{Barcode, BarcodeFormat, Beacon, Behaviour, Field, FieldInput, Location};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use passworks_wire::rules::{is_hex_color, FieldArray, MAX_BARCODES, MAX_BEACONS, MAX_LOCATIONS};
/// Longest accepted string attribute (names, labels, texts) in characters.
pub use passworks_wire::rules::{MAX_STRING, MAX_TEXT};

/// Reads input attributes from one JSON object and records errors.
pub struct Reader<'a> {
    pub map: &'a Map<String, Value>,
    pub errors: &'a mut Errors,
}

fn too_long(max: usize) -> String {
    format!("is too long (maximum is {max} characters)")
}

impl<'a> Reader<'a> {
    /// A reader over `map` adding to `errors`.
    pub fn new(map: &'a Map<String, Value>, errors: &'a mut Errors) -> Self {
        Reader { map, errors }
    }

    /// Whether the attribute is present and `null`.
    pub fn is_null(&self, key: &str) -> bool {
        matches!(self.map.get(key), Some(Value::Null))
    }

    /// Whether the attribute is present (even as null).
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// A string of at most `max` characters (numbers are accepted and converted).
    pub fn string(&mut self, key: &str, max: usize) -> Option<Option<String>> {
        let v = self.map.get(key)?;
        match v {
            Value::Null => Some(None),
            Value::String(s) if s.chars().count() > max => {
                self.errors.add(key, too_long(max));
                None
            }
            Value::String(s) => Some(Some(s.clone())),
            Value::Number(n) => Some(Some(n.to_string())),
            _ => {
                self.errors.add(key, "must be a string");
                None
            }
        }
    }

    /// A required-when-present, non-blank string (`name`).
    pub fn non_blank(&mut self, key: &str, max: usize) -> Option<String> {
        match self.string(key, max)? {
            Some(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            _ => {
                self.errors.add(key, "can't be blank");
                None
            }
        }
    }

    /// A boolean (`true`/`false`, also `"true"`/`"false"`, 1/0).
    pub fn boolean(&mut self, key: &str) -> Option<bool> {
        let v = self.map.get(key)?;
        match parse_bool(v) {
            Some(b) => Some(b),
            None if v.is_null() => {
                self.errors.add(key, "must be true or false");
                None
            }
            None => {
                self.errors.add(key, "must be true or false");
                None
            }
        }
    }

    /// An integer (numeric strings accepted).
    pub fn integer(&mut self, key: &str) -> Option<Option<i64>> {
        let v = self.map.get(key)?;
        if v.is_null() {
            return Some(None);
        }
        match parse_int(v) {
            Some(i) => Some(Some(i)),
            None => {
                self.errors.add(key, "must be an integer");
                None
            }
        }
    }

    /// A `#rrggbb` colour.
    pub fn color(&mut self, key: &str) -> Option<Option<String>> {
        let v = self.map.get(key)?;
        match v {
            Value::Null => Some(None),
            Value::String(s) if s.is_empty() => Some(None),
            Value::String(s) if is_hex_color(s) => Some(Some(s.to_ascii_lowercase())),
            _ => {
                self.errors.add(
                    key,
                    "must be a hex colour like #rrggbb (#000000 to #ffffff)",
                );
                None
            }
        }
    }

    /// An ISO-8601 timestamp, normalised.
    pub fn time(&mut self, key: &str) -> Option<Option<String>> {
        let v = self.map.get(key)?;
        match v {
            Value::Null => Some(None),
            Value::String(s) if s.is_empty() => Some(None),
            Value::String(s) => match normalize_time(s) {
                Some(t) => Some(Some(t)),
                None => {
                    self.errors.add(
                        key,
                        "is not a valid ISO-8601 time (e.g. 2014-09-22T20:51:53Z)",
                    );
                    None
                }
            },
            _ => {
                self.errors.add(
                    key,
                    "is not a valid ISO-8601 time (e.g. 2014-09-22T20:51:53Z)",
                );
                None
            }
        }
    }

    /// An `apple` patch: an object (checked against the typed options with the path of the
    /// first problem, e.g. `apple.semantics.venueNam`) or `null`. Apply it with
    /// `AppleOptions::patched`; the rules across keys are `passworks_wire::apple::check`.
    pub fn apple(&mut self, key: &str) -> Option<Value> {
        match self.map.get(key)? {
            Value::Null => Some(Value::Null),
            v @ Value::Object(_) => {
                let mut probe = v.clone();
                strip_nulls(&mut probe);
                match serde_path_to_error::deserialize::<_, AppleOptions>(probe) {
                    Ok(_) => Some(v.clone()),
                    Err(e) => {
                        let path = e.path().to_string();
                        let attr = if path == "." {
                            key.to_owned()
                        } else {
                            format!("{key}.{path}")
                        };
                        let mut message = e.inner().to_string();
                        // serde lists every accepted key (over a hundred semantic tags).
                        if let Some(cut) = message.find(", expected one of") {
                            message.truncate(cut);
                            if path.starts_with("localized_images.") {
                                message.push_str(" (a language's images are those of the root slots: icon_id, logo_id, strip_id, thumbnail_id, background_id, footer_id, artwork_id, primary_logo_id, secondary_logo_id)");
                            } else {
                                message.push_str(" (keys of semantics are Apple's tag names, e.g. venueName; see the README)");
                            }
                        }
                        self.errors.add(&attr, message);
                        None
                    }
                }
            }
            _ => {
                self.errors.add(key, "must be an object");
                None
            }
        }
    }

    /// A UUID reference (lowercased). Malformed → 422 under `key`.
    pub fn uuid(&mut self, key: &str) -> Option<Option<String>> {
        let v = self.map.get(key)?;
        match v {
            Value::Null => Some(None),
            Value::String(s) if s.is_empty() => Some(None),
            Value::String(s) => match uuid::Uuid::parse_str(s) {
                Ok(u) => Some(Some(u.to_string())),
                Err(_) => {
                    self.errors.add(key, "is not a valid id");
                    None
                }
            },
            _ => {
                self.errors.add(key, "is not a valid id");
                None
            }
        }
    }

    /// An enum value parsed with `parse`; unknown → 422 naming the accepted values.
    pub fn enumeration<T>(
        &mut self,
        key: &str,
        parse: fn(&str) -> Option<T>,
        expected: &str,
    ) -> Option<Option<T>> {
        let v = self.map.get(key)?;
        match v {
            Value::Null => Some(None),
            Value::String(s) => match parse(s) {
                Some(t) => Some(Some(t)),
                None => {
                    self.errors.add(key, not_in_list(expected));
                    None
                }
            },
            _ => {
                self.errors.add(key, not_in_list(expected));
                None
            }
        }
    }

    /// A JSON object (`user_info`); `[]` (an empty PHP array) is an empty object.
    pub fn object(&mut self, key: &str) -> Option<Value> {
        let v = self.map.get(key)?;
        match v {
            Value::Null => Some(Value::Object(Map::new())),
            Value::Array(a) if a.is_empty() => Some(Value::Object(Map::new())),
            Value::Object(_) => Some(v.clone()),
            _ => {
                self.errors.add(key, "must be a JSON object");
                None
            }
        }
    }

    /// An absolute http(s) URL.
    pub fn url(&mut self, key: &str) -> Option<Option<String>> {
        let s = self.string(key, 2048)?;
        match s {
            None => Some(None),
            Some(s) if s.trim().is_empty() => Some(None),
            Some(s) if is_http_url(s.trim()) => Some(Some(s.trim().to_string())),
            Some(_) => {
                self.errors
                    .add(key, "must be an absolute http or https URL");
                None
            }
        }
    }

    /// An array of integers (`associated_store_identifiers`).
    pub fn integers(&mut self, key: &str) -> Option<Vec<i64>> {
        let v = self.map.get(key)?;
        match v {
            Value::Null => Some(Vec::new()),
            Value::Array(items) => {
                let parsed: Option<Vec<i64>> = items.iter().map(parse_int).collect();
                match parsed {
                    Some(p) => Some(p),
                    None => {
                        self.errors.add(key, "must be an array of integers");
                        None
                    }
                }
            }
            _ => {
                self.errors.add(key, "must be an array of integers");
                None
            }
        }
    }

    /// A field array (§6.1) as partial field inputs.
    pub fn fields(&mut self, key: &str) -> Option<Vec<FieldInput>> {
        let v = self.map.get(key)?;
        parse_fields(key, v, self.errors)
    }

    /// A location array (§6.2).
    pub fn locations(&mut self, key: &str) -> Option<Vec<Location>> {
        let v = self.map.get(key)?;
        parse_locations(key, v, self.errors)
    }

    /// A beacon array (§6.3).
    pub fn beacons(&mut self, key: &str) -> Option<Vec<Beacon>> {
        let v = self.map.get(key)?;
        parse_beacons(key, v, self.errors)
    }

    /// A barcode object (§6.4).
    pub fn barcode(&mut self, key: &str) -> Option<BarcodeIn> {
        let v = self.map.get(key)?;
        if v.is_null() {
            return Some(BarcodeIn::default());
        }
        parse_barcode(key, v, self.errors)
    }

    /// A barcode array (§6.4).
    pub fn barcodes(&mut self, key: &str) -> Option<Vec<BarcodeIn>> {
        let v = self.map.get(key)?;
        match v {
            Value::Null => Some(Vec::new()),
            Value::Array(items) => {
                if items.len() > MAX_BARCODES {
                    self.errors.add(
                        key,
                        format!("is too long (maximum is {MAX_BARCODES} barcodes)"),
                    );
                    return None;
                }
                let mut out = Vec::new();
                for item in items {
                    out.push(parse_barcode(key, item, self.errors)?);
                }
                Some(out)
            }
            _ => {
                self.errors.add(key, "must be an array of barcode objects");
                None
            }
        }
    }
}

/// `is not included in the list (accepted: …)`.
pub fn not_in_list(expected: &str) -> String {
    format!("is not included in the list (accepted: {expected})")
}

/// Whether `s` is an absolute http or https URL with a host.
pub fn is_http_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("https://") {
        r
    } else if let Some(r) = lower.strip_prefix("http://") {
        r
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty() && !s.contains(char::is_whitespace)
}

/// Booleans as the API accepts them.
pub fn parse_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        Value::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Integers, also from integral floats and numeric strings.
pub fn parse_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

/// Floats, also from numeric strings (finite only).
pub fn parse_float(v: &Value) -> Option<f64> {
    let f = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }?;
    f.is_finite().then_some(f)
}

fn opt_text(v: Option<&Value>, max: usize) -> Result<Option<Option<String>>, String> {
    match v {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) if s.chars().count() > max => Err(too_long(max)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(Value::Number(n)) => Ok(Some(Some(n.to_string()))),
        Some(Value::Bool(b)) => Ok(Some(Some(b.to_string()))),
        Some(_) => Err("must be a string".into()),
    }
}

/// Parses a field array; messages go under `key`, prefixed with the item's position.
// Long because each of the four field attributes has its own coercions and messages.
pub fn parse_fields(key: &str, v: &Value, errors: &mut Errors) -> Option<Vec<FieldInput>> {
    let items = match v {
        Value::Null => return Some(Vec::new()),
        Value::Array(items) => items,
        _ => {
            errors.add(key, "must be an array of field objects");
            return None;
        }
    };
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let Some(obj) = item.as_object() else {
            errors.add(key, format!("item {n} must be a field object"));
            ok = false;
            continue;
        };
        let field_key = match obj.get("key") {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                if s.chars().count() > MAX_STRING {
                    errors.add(key, format!("item {n}: key {}", too_long(MAX_STRING)));
                    ok = false;
                }
                s.clone()
            }
            Some(Value::Number(num)) => num.to_string(),
            _ => {
                errors.add(key, format!("item {n}: key can't be blank"));
                ok = false;
                continue;
            }
        };
        let label = match opt_text(obj.get("label"), MAX_STRING) {
            Ok(l) => l,
            Err(m) => {
                errors.add(key, format!("item {n}: label {m}"));
                ok = false;
                None
            }
        };
        let value = match opt_text(obj.get("value"), MAX_TEXT) {
            Ok(l) => l,
            Err(m) => {
                errors.add(key, format!("item {n}: value {m}"));
                ok = false;
                None
            }
        };
        let behaviour = match obj.get("behaviour") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if Behaviour::parse(s).is_some() => Behaviour::parse(s),
            Some(_) => {
                errors.add(
                    key,
                    format!(
                        "item {n}: behaviour {}",
                        not_in_list(&Behaviour::expected())
                    ),
                );
                ok = false;
                None
            }
        };
        let destroy = match obj.get("_destroy") {
            None | Some(Value::Null) => false,
            Some(v) => match parse_bool(v) {
                Some(b) => b,
                None => {
                    errors.add(key, format!("item {n}: _destroy must be true or false"));
                    ok = false;
                    false
                }
            },
        };
        out.push(FieldInput {
            key: field_key,
            label,
            value,
            behaviour,
            destroy,
        });
    }
    if out
        .iter()
        .enumerate()
        .any(|(i, f)| out[..i].iter().any(|g| g.key == f.key))
    {
        errors.add(key, "contains the same key twice");
        ok = false;
    }
    ok.then_some(out)
}

/// A field input taken as a whole field (absent attributes get their defaults).
pub fn field_from_input(f: &FieldInput) -> Field {
    Field {
        key: f.key.clone(),
        label: f.label.clone().flatten(),
        value: f.value.clone().flatten(),
        behaviour: f.behaviour.unwrap_or_default(),
    }
}

/// The fields an array input stands for when it is taken whole (creating, or a pass
/// update with `merge: false`): `_destroy` elements are left out.
pub fn fields_from_inputs(inputs: &[FieldInput]) -> Vec<Field> {
    inputs
        .iter()
        .filter(|f| !f.destroy)
        .map(field_from_input)
        .collect()
}

/// Applies the partial-update rule of §6.1 and §7.4 to the five field arrays:
///
/// 1. every element with `"_destroy": true` removes the field with its key, whichever
///    array holds it (so a field moves by being destroyed in one array and supplied
///    whole in another);
/// 2. every other element is matched by `key` against the fields of all five arrays and
///    only its supplied attributes replace the existing ones; unknown keys are appended
///    to the array they were supplied in; fields not mentioned keep values and places;
/// 3. a supplied array that names every field the array then holds is put in the order
///    of the request (that is how a client reorders: send the whole array).
pub fn merge_fields(current: &mut [Vec<Field>; 5], supplied: &[Option<Vec<FieldInput>>; 5]) {
    for input in supplied.iter().flatten().flatten().filter(|i| i.destroy) {
        for array in current.iter_mut() {
            array.retain(|f| f.key != input.key);
        }
    }
    for (array, inputs) in supplied.iter().enumerate() {
        let Some(inputs) = inputs else { continue };
        for input in inputs.iter().filter(|i| !i.destroy) {
            let found = current
                .iter_mut()
                .flat_map(|a| a.iter_mut())
                .find(|f| f.key == input.key);
            match found {
                Some(f) => {
                    if let Some(l) = &input.label {
                        f.label = l.clone();
                    }
                    if let Some(v) = &input.value {
                        f.value = v.clone();
                    }
                    if let Some(b) = input.behaviour {
                        f.behaviour = b;
                    }
                }
                None => current[array].push(field_from_input(input)),
            }
        }
        let named: Vec<&str> = inputs
            .iter()
            .filter(|i| !i.destroy)
            .map(|i| i.key.as_str())
            .collect();
        let position = |key: &str| named.iter().position(|k| *k == key);
        if current[array].iter().all(|f| position(&f.key).is_some()) {
            current[array].sort_by_key(|f| position(&f.key));
        }
    }
}

/// Checks that field keys are unique across the five arrays; the message goes under both
/// arrays involved.
pub fn check_unique_keys(fields: &[Vec<Field>; 5], errors: &mut Errors) {
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for (i, array) in fields.iter().enumerate() {
        for f in array {
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == f.key) {
                let message = format!(
                    "key '{}' is used more than once across the field arrays",
                    f.key
                );
                for a in [*first, i] {
                    if !errors
                        .0
                        .get(FieldArray::ALL[a].as_str())
                        .is_some_and(|m| m.contains(&message))
                    {
                        errors.add(FieldArray::ALL[a].as_str(), message.clone());
                    }
                }
            } else {
                seen.push((&f.key, i));
            }
        }
    }
}

fn parse_locations(key: &str, v: &Value, errors: &mut Errors) -> Option<Vec<Location>> {
    let items = match v {
        Value::Null => return Some(Vec::new()),
        Value::Array(items) => items,
        _ => {
            errors.add(key, "must be an array of location objects");
            return None;
        }
    };
    if items.len() > MAX_LOCATIONS {
        errors.add(
            key,
            format!("is too long (maximum is {MAX_LOCATIONS} locations)"),
        );
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let Some(obj) = item.as_object() else {
            errors.add(key, format!("item {n} must be a location object"));
            ok = false;
            continue;
        };
        let mut coord = |name: &str, limit: f64| -> Option<f64> {
            match obj.get(name).and_then(parse_float) {
                Some(f) if (-limit..=limit).contains(&f) => Some(f),
                Some(_) => {
                    errors.add(
                        key,
                        format!("item {n}: {name} must be between -{limit} and {limit}"),
                    );
                    None
                }
                None => {
                    errors.add(key, format!("item {n}: {name} must be a number"));
                    None
                }
            }
        };
        let latitude = coord("latitude", 90.0);
        let longitude = coord("longitude", 180.0);
        let altitude = match obj.get("altitude") {
            None | Some(Value::Null) => Some(None),
            Some(a) => match parse_float(a) {
                Some(f) => Some(Some(f)),
                None => {
                    errors.add(key, format!("item {n}: altitude must be a number"));
                    None
                }
            },
        };
        let relevant_text = opt_text(obj.get("relevant_text"), MAX_STRING);
        let name = opt_text(obj.get("name"), MAX_STRING);
        match (latitude, longitude, altitude, relevant_text, name) {
            (Some(latitude), Some(longitude), Some(altitude), Ok(rt), Ok(nm)) => {
                out.push(Location {
                    latitude,
                    longitude,
                    altitude,
                    relevant_text: rt.flatten(),
                    name: nm.flatten(),
                })
            }
            (_, _, _, rt, nm) => {
                for (attr, r) in [("relevant_text", rt), ("name", nm)] {
                    if let Err(m) = r {
                        errors.add(key, format!("item {n}: {attr} {m}"));
                    }
                }
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

fn parse_beacons(key: &str, v: &Value, errors: &mut Errors) -> Option<Vec<Beacon>> {
    let items = match v {
        Value::Null => return Some(Vec::new()),
        Value::Array(items) => items,
        _ => {
            errors.add(key, "must be an array of beacon objects");
            return None;
        }
    };
    if items.len() > MAX_BEACONS {
        errors.add(
            key,
            format!("is too long (maximum is {MAX_BEACONS} beacons)"),
        );
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let Some(obj) = item.as_object() else {
            errors.add(key, format!("item {n} must be a beacon object"));
            ok = false;
            continue;
        };
        let uuid = match obj.get("proximity_uuid") {
            Some(Value::String(s)) => uuid::Uuid::parse_str(s)
                .ok()
                .map(|u| u.to_string().to_uppercase()),
            _ => None,
        };
        if uuid.is_none() {
            errors.add(key, format!("item {n}: proximity_uuid must be a UUID"));
        }
        let mut small = |name: &str| -> Result<Option<u16>, ()> {
            match obj.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => match parse_int(v) {
                    Some(i) if (0..=65535).contains(&i) => Ok(Some(i as u16)),
                    _ => {
                        errors.add(
                            key,
                            format!("item {n}: {name} must be an integer between 0 and 65535"),
                        );
                        Err(())
                    }
                },
            }
        };
        let major = small("major");
        let minor = small("minor");
        let relevant_text = opt_text(obj.get("relevant_text"), MAX_STRING);
        match (uuid, major, minor, relevant_text) {
            (Some(proximity_uuid), Ok(major), Ok(minor), Ok(rt)) => out.push(Beacon {
                proximity_uuid,
                major,
                minor,
                relevant_text: rt.flatten(),
            }),
            (_, _, _, rt) => {
                if let Err(m) = rt {
                    errors.add(key, format!("item {n}: relevant_text {m}"));
                }
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// A barcode as supplied: every attribute optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BarcodeIn {
    pub format: Option<BarcodeFormat>,
    pub message: Option<String>,
    pub alt_text: Option<String>,
}

fn parse_barcode(key: &str, v: &Value, errors: &mut Errors) -> Option<BarcodeIn> {
    // An empty PHP array arrives as `[]` and means the same as `{}`.
    let empty = Map::new();
    let obj = match v {
        Value::Array(a) if a.is_empty() => Some(&empty),
        _ => v.as_object(),
    };
    let Some(obj) = obj else {
        errors.add(key, "must be a barcode object");
        return None;
    };
    let mut ok = true;
    let format = match obj.get("format") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if BarcodeFormat::parse(s).is_some() => BarcodeFormat::parse(s),
        Some(_) => {
            errors.add(
                key,
                format!("format {}", not_in_list(&BarcodeFormat::expected())),
            );
            ok = false;
            None
        }
    };
    let mut text = |name: &str| match opt_text(obj.get(name), MAX_STRING) {
        Ok(t) => t.flatten().filter(|s| !s.is_empty()),
        Err(m) => {
            errors.add(key, format!("{name} {m}"));
            ok = false;
            None
        }
    };
    let message = text("message");
    let alt_text = text("alt_text");
    ok.then_some(BarcodeIn {
        format,
        message,
        alt_text,
    })
}

/// A stored barcode: format plus optional custom message/alt text (None = redeem code).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BarcodeDoc {
    #[serde(default)]
    pub format: BarcodeFormat,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub alt_text: Option<String>,
}

impl BarcodeDoc {
    /// The wire barcode with `message`/`alt_text` defaulting to `code` (the redeem code;
    /// `""` at campaign level).
    pub fn to_wire(&self, code: &str) -> Barcode {
        Barcode {
            format: self.format,
            message: self.message.clone().unwrap_or_else(|| code.to_string()),
            alt_text: self
                .alt_text
                .clone()
                .or_else(|| self.message.clone())
                .unwrap_or_else(|| code.to_string()),
            alt_text_type: "mirror".into(),
        }
    }
}

/// Removes `null` members (recursively), leaving what a patch sets.
fn strip_nulls(v: &mut Value) {
    if let Value::Object(m) = v {
        m.retain(|_, x| !x.is_null());
        m.values_mut().for_each(strip_nulls);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_numbers_become_strings_and_partial_updates_keep_attributes() {
        let mut e = Errors::default();
        let input = parse_fields(
            "primary_fields",
            &json!([{"key": "pts", "value": 120}, {"key": "new", "label": "New"}]),
            &mut e,
        )
        .unwrap();
        assert!(e.is_empty());
        let mut current: [Vec<Field>; 5] = Default::default();
        current[3].push(Field {
            key: "pts".into(),
            label: Some("Points".into()),
            value: Some("0".into()),
            behaviour: Behaviour::Dynamic,
        });
        merge_fields(&mut current, &[None, Some(input), None, None, None]);
        assert_eq!(current[3][0].label.as_deref(), Some("Points"));
        assert_eq!(current[3][0].value.as_deref(), Some("120"));
        assert_eq!(current[1][0].key, "new");
    }

    fn field(key: &str, label: &str) -> Field {
        Field {
            key: key.into(),
            label: Some(label.into()),
            value: Some(format!("{key} value")),
            behaviour: Behaviour::Fixed,
        }
    }

    fn keys(a: &[Field]) -> Vec<&str> {
        a.iter().map(|f| f.key.as_str()).collect()
    }

    fn inputs(v: Value) -> Vec<FieldInput> {
        let mut e = Errors::default();
        let out = parse_fields("auxiliary_fields", &v, &mut e).unwrap();
        assert!(e.is_empty());
        out
    }

    #[test]
    fn destroy_removes_moves_and_a_full_array_reorders() {
        let mut current: [Vec<Field>; 5] = Default::default();
        current[3] = vec![field("a", "A"), field("b", "B"), field("c", "C")];
        // A partial array keeps order and appends.
        let supplied = [
            None,
            None,
            None,
            Some(inputs(json!([{"key": "d"}, {"key": "a", "value": "x"}]))),
            None,
        ];
        merge_fields(&mut current, &supplied);
        assert_eq!(keys(&current[3]), ["a", "b", "c", "d"]);
        assert_eq!(current[3][0].value.as_deref(), Some("x"));
        assert_eq!(current[3][0].label.as_deref(), Some("A"));
        // _destroy removes; naming every remaining key reorders.
        let supplied = [
            None,
            None,
            None,
            Some(inputs(
                json!([{"key": "b", "_destroy": true}, {"key": "d"}, {"key": "c"}, {"key": "a"}]),
            )),
            None,
        ];
        merge_fields(&mut current, &supplied);
        assert_eq!(keys(&current[3]), ["d", "c", "a"]);
        // Destroyed in one array and supplied in another: the field moves.
        let supplied = [
            None,
            Some(inputs(json!([{"key": "c", "label": "C"}]))),
            None,
            Some(inputs(json!([{"key": "c", "_destroy": "true"}]))),
            None,
        ];
        merge_fields(&mut current, &supplied);
        assert_eq!(keys(&current[1]), ["c"]);
        assert_eq!(keys(&current[3]), ["d", "a"]);
        assert_eq!(
            fields_from_inputs(&inputs(
                json!([{"key": "x", "_destroy": true}, {"key": "y"}])
            ))
            .len(),
            1
        );
        let mut e = Errors::default();
        assert!(parse_fields(
            "back_fields",
            &json!([{"key": "x", "_destroy": "maybe"}]),
            &mut e
        )
        .is_none());
    }

    #[test]
    fn coordinates_are_coerced_and_bounded() {
        let mut e = Errors::default();
        let l = parse_locations(
            "locations",
            &json!([{"latitude": "38.7", "longitude": -9.1}]),
            &mut e,
        )
        .unwrap();
        assert_eq!(l[0].latitude, 38.7);
        parse_locations(
            "locations",
            &json!([{"latitude": 91, "longitude": 0}]),
            &mut e,
        );
        assert!(!e.is_empty());
    }

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(is_http_url("https://example.com/form?x=1"));
        assert!(!is_http_url("ftp://example.com"));
        assert!(!is_http_url("https://"));
    }
}
