//! Google Wallet mapping: a campaign becomes a Google Wallet *class*, a pass an *object*.
//!
//! Pure functions over the wire types, no I/O: which class type a campaign maps to
//! ([`Vertical`]), the class and object JSON of Google's `walletobjects/v1` REST API
//! ([`class_json`], [`object_json`]), what Google would refuse ([`validate`]), the
//! `addMessage` body ([`message_json`]) and the claims of an "Add to Google Wallet" JWT
//! ([`save_claims`]). The server signs, sends and stores; this crate only maps.
//!
//! Sources (README "Google Wallet" lists them with addresses): Google's REST reference of
//! each class and object resource, its JWT reference, and Google's own pass-converter
//! (google-wallet/pass-converter), whose `toGoogle` maps PKPass fields to text modules
//! and card rows the same way.

use passworks_wire::{BarcodeFormat, Campaign, CampaignType, Field, Location, Pass, TransitType};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Past this many characters a save JWT is too long for a URL; the class and object are
/// inserted over REST first and the JWT carries only their ids (Google's JWT guidance).
pub const MAX_SAVE_JWT: usize = 1800;

/// The "Add to Google Wallet" link is this prefix followed by the signed JWT.
pub const SAVE_URL_PREFIX: &str = "https://pay.google.com/gp/v/save/";

/// Language of the `LocalizedString`s we write (campaigns carry no language).
pub const LANGUAGE: &str = "en";

/// Google's limit on notifying messages: 3 per pass per 24 hours.
pub const MESSAGES_PER_DAY: usize = 3;

/// Google Wallet class types ("verticals") a campaign can map to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Vertical {
    Generic,
    Offer,
    Loyalty,
    EventTicket,
    Flight,
    Transit,
}

impl Vertical {
    /// The class type of a campaign: coupon → Offer, store card → Loyalty, event ticket →
    /// EventTicket, boarding pass → Flight for air and Transit otherwise, generic → Generic.
    pub fn for_campaign(kind: CampaignType, transit: Option<TransitType>) -> Vertical {
        match kind {
            CampaignType::Coupon => Vertical::Offer,
            CampaignType::StoreCard => Vertical::Loyalty,
            CampaignType::EventTicket => Vertical::EventTicket,
            CampaignType::BoardingPass => match transit {
                Some(TransitType::Air) => Vertical::Flight,
                _ => Vertical::Transit,
            },
            CampaignType::Generic => Vertical::Generic,
        }
    }

    /// The prefix of the JWT payload keys (`offerClasses`) and REST resources
    /// (`offerClass`).
    pub fn prefix(self) -> &'static str {
        match self {
            Vertical::Generic => "generic",
            Vertical::Offer => "offer",
            Vertical::Loyalty => "loyalty",
            Vertical::EventTicket => "eventTicket",
            Vertical::Flight => "flight",
            Vertical::Transit => "transit",
        }
    }

    /// Google's name of the class type ("EventTicket").
    pub fn name(self) -> &'static str {
        match self {
            Vertical::Generic => "Generic",
            Vertical::Offer => "Offer",
            Vertical::Loyalty => "Loyalty",
            Vertical::EventTicket => "EventTicket",
            Vertical::Flight => "Flight",
            Vertical::Transit => "Transit",
        }
    }

    /// REST collection of the classes: `…/walletobjects/v1/<this>`.
    pub fn class_resource(self) -> String {
        format!("{}Class", self.prefix())
    }

    /// REST collection of the objects.
    pub fn object_resource(self) -> String {
        format!("{}Object", self.prefix())
    }

    /// Every vertical, for tables and tests.
    pub const ALL: [Vertical; 6] = [
        Vertical::Generic,
        Vertical::Offer,
        Vertical::Loyalty,
        Vertical::EventTicket,
        Vertical::Flight,
        Vertical::Transit,
    ];
}

/// What the mapping needs besides the campaign and pass.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The Google issuer id (digits); ids are `<issuer_id>.<our id>`.
    pub issuer_id: &'a str,
    /// The server's public base URL without a trailing slash; images are served at
    /// `<public_url>/assets/<id>.png`.
    pub public_url: &'a str,
    /// Now, as an ISO-8601 UTC timestamp (for `EXPIRED`).
    pub now: &'a str,
    /// Where Google posts save/delete callbacks (`callbackOptions.url` of the class).
    pub callback_url: Option<&'a str>,
}

impl Context<'_> {
    fn image_url(&self, asset_id: &str) -> String {
        format!(
            "{}/assets/{asset_id}.png",
            self.public_url.trim_end_matches('/')
        )
    }
}

/// Class id of a campaign.
pub fn class_id(issuer_id: &str, campaign_id: &str) -> String {
    format!("{issuer_id}.{}", id_suffix(campaign_id))
}

/// Object id of a pass.
pub fn object_id(issuer_id: &str, pass_id: &str) -> String {
    format!("{issuer_id}.{}", id_suffix(pass_id))
}

/// Google allows letters, digits, `.`, `_` and `-` after the issuer id.
fn id_suffix(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A `LocalizedString` with our default language.
pub fn localized(value: &str) -> Value {
    json!({"defaultValue": {"language": LANGUAGE, "value": value}})
}

fn image(url: String, description: &str) -> Value {
    json!({"sourceUri": {"uri": url}, "contentDescription": localized(description)})
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Google's barcode type for ours (`none` has none).
pub fn barcode_type(format: BarcodeFormat) -> Option<&'static str> {
    match format {
        BarcodeFormat::Qrcode => Some("QR_CODE"),
        BarcodeFormat::Pdf417 => Some("PDF_417"),
        BarcodeFormat::Aztec => Some("AZTEC"),
        BarcodeFormat::Ean128 => Some("CODE_128"),
        BarcodeFormat::Code39 => Some("CODE_39"),
        BarcodeFormat::Codabar => Some("CODABAR"),
        BarcodeFormat::Ean13 => Some("EAN_13"),
        // Google's only Interleaved 2 of 5 is ITF-14.
        BarcodeFormat::I2of5 => Some("ITF_14"),
        BarcodeFormat::None => None,
    }
}

/// Google's transit type for a non-air boarding pass.
pub fn transit_type(t: Option<TransitType>) -> &'static str {
    match t {
        Some(TransitType::Bus) => "BUS",
        Some(TransitType::Train) => "RAIL",
        Some(TransitType::Boat) => "FERRY",
        _ => "OTHER",
    }
}

/// The id of a field's text module: the key for front fields, `back_<key>` for back
/// fields, with characters Google's field paths cannot quote replaced.
pub fn module_id(key: &str, back: bool) -> String {
    let k = id_suffix(key);
    if back {
        format!("back_{k}")
    } else {
        k
    }
}

/// The front field arrays of a campaign or pass, in card order.
fn front<'a>(
    header: &'a [Field],
    primary: &'a [Field],
    secondary: &'a [Field],
    auxiliary: &'a [Field],
) -> [&'a [Field]; 4] {
    [header, primary, secondary, auxiliary]
}

/// How many primary fields the vertical shows in its own headline slot rather than in
/// a card row (generic: `header`; loyalty: `loyaltyPoints`).
fn headline_fields(v: Vertical) -> usize {
    match v {
        Vertical::Generic | Vertical::Loyalty => 1,
        _ => 0,
    }
}

fn has_text(f: &Field) -> bool {
    non_empty(f.value.as_deref()).is_some() || non_empty(f.label.as_deref()).is_some()
}

fn template_item(id: &str) -> Value {
    json!({"firstValue": {"fields": [{"fieldPath": format!("object.textModulesData['{id}']")}]}})
}

/// The card rows of the class template: each front array becomes rows of at most three
/// items, at most three rows in all (Google's `cardRowTemplateInfos`); what does not fit
/// stays in the details as a text module.
fn card_rows(v: Vertical, c: &Campaign) -> Vec<Value> {
    let mut rows = Vec::new();
    let arrays = front(
        &c.header_fields,
        &c.primary_fields,
        &c.secondary_fields,
        &c.auxiliary_fields,
    );
    for (i, arr) in arrays.iter().enumerate() {
        let skip = if i == 1 { headline_fields(v) } else { 0 };
        let fields: Vec<&Field> = arr.iter().skip(skip).collect();
        for chunk in fields.chunks(3) {
            let ids: Vec<String> = chunk.iter().map(|f| module_id(&f.key, false)).collect();
            let row = match ids.as_slice() {
                [a] => json!({"oneItem": {"item": template_item(a)}}),
                [a, b] => {
                    json!({"twoItems": {"startItem": template_item(a), "endItem": template_item(b)}})
                }
                [a, b, m] => json!({"threeItems": {
                    "startItem": template_item(a),
                    "middleItem": template_item(b),
                    "endItem": template_item(m)
                }}),
                _ => continue,
            };
            rows.push(row);
        }
    }
    rows.truncate(3);
    rows
}

fn text_module(f: &Field, back: bool) -> Value {
    let mut m = Map::new();
    if let Some(l) = non_empty(f.label.as_deref()) {
        m.insert("header".into(), l.into());
    }
    // Google refuses a module without a body; a label alone becomes the body.
    let body = non_empty(f.value.as_deref())
        .or(non_empty(f.label.as_deref()))
        .unwrap_or_default();
    m.insert("body".into(), body.into());
    m.insert("id".into(), module_id(&f.key, back).into());
    Value::Object(m)
}

fn text_modules(v: Vertical, p: &Pass) -> Vec<Value> {
    let mut out = Vec::new();
    let arrays = front(
        &p.header_fields,
        &p.primary_fields,
        &p.secondary_fields,
        &p.auxiliary_fields,
    );
    for (i, arr) in arrays.iter().enumerate() {
        let skip = if i == 1 { headline_fields(v) } else { 0 };
        out.extend(
            arr.iter()
                .skip(skip)
                .filter(|f| has_text(f))
                .map(|f| text_module(f, false)),
        );
    }
    out.extend(
        p.back_fields
            .iter()
            .filter(|f| has_text(f))
            .map(|f| text_module(f, true)),
    );
    out
}

fn locations(ls: &[Location]) -> Value {
    Value::Array(
        ls.iter()
            .map(|l| json!({"latitude": l.latitude, "longitude": l.longitude}))
            .collect(),
    )
}

/// Google's object state: a redeemed and voided pass is `COMPLETED`, a voided one
/// `INACTIVE`, one past its expiration date `EXPIRED`, the rest `ACTIVE`.
pub fn object_state(p: &Pass, now: &str) -> &'static str {
    if p.voided && p.redeemed_count > 0 {
        "COMPLETED"
    } else if p.voided {
        "INACTIVE"
    } else if p.expiration_date.as_deref().is_some_and(|e| e <= now) {
        "EXPIRED"
    } else {
        "ACTIVE"
    }
}

/// An ISO-8601 time without its offset (Google wants airport-local times without one for
/// flights; ours are UTC).
fn local_time(t: &str) -> String {
    let t = t.trim_end_matches('Z');
    let t = match t.rfind(['+', '-']) {
        Some(i) if i > 10 => &t[..i],
        _ => t,
    };
    // Milliseconds at most.
    match t.find('.') {
        Some(i) if t.len() > i + 4 => t[..i + 4].to_string(),
        _ => t.to_string(),
    }
}

/// An ISO-8601 time with at most milliseconds (ours carry microseconds).
fn millis(t: &str) -> String {
    match (
        t.find('.'),
        t.find(['Z', '+'])
            .or_else(|| t.rfind('-').filter(|i| *i > 10)),
    ) {
        (Some(dot), Some(end)) if end > dot + 4 => format!("{}{}", &t[..dot + 4], &t[end..]),
        _ => t.to_string(),
    }
}

fn find_field<'a>(arrays: &[&'a [Field]], keys: &[&str]) -> Option<&'a str> {
    arrays.iter().flat_map(|a| a.iter()).find_map(|f| {
        let k = f.key.to_ascii_lowercase();
        if keys.contains(&k.as_str()) {
            non_empty(f.value.as_deref())
        } else {
            None
        }
    })
}

fn all_arrays(fields: [&[Field]; 5]) -> [&[Field]; 5] {
    fields
}

fn campaign_arrays(c: &Campaign) -> [&[Field]; 5] {
    all_arrays([
        &c.header_fields,
        &c.primary_fields,
        &c.secondary_fields,
        &c.auxiliary_fields,
        &c.back_fields,
    ])
}

fn pass_arrays(p: &Pass) -> [&[Field]; 5] {
    all_arrays([
        &p.header_fields,
        &p.primary_fields,
        &p.secondary_fields,
        &p.auxiliary_fields,
        &p.back_fields,
    ])
}

/// Field keys the flight mapping reads (case-insensitive), documented in the README.
pub mod flight_keys {
    pub const CARRIER: &[&str] = &["carrier", "airline", "carrier_code"];
    pub const FLIGHT: &[&str] = &["flight", "flight_number", "flightnumber", "flight_no"];
    pub const ORIGIN: &[&str] = &["origin", "from", "departure_airport"];
    pub const DESTINATION: &[&str] = &["destination", "to", "arrival_airport"];
    pub const PASSENGER: &[&str] = &["passenger", "passenger_name", "name"];
    pub const CONFIRMATION: &[&str] = &[
        "confirmation",
        "confirmation_code",
        "pnr",
        "booking",
        "booking_reference",
    ];
    pub const SEAT: &[&str] = &["seat"];
    pub const SEAT_CLASS: &[&str] = &["class", "cabin", "seat_class"];
    pub const GATE: &[&str] = &["gate"];
    pub const GROUP: &[&str] = &["group", "boarding_group", "zone"];
}

/// Carrier code and flight number of a flight: the `carrier` field, or the first two
/// characters of the flight field ("LH 400" → LH, 400).
fn flight_number(arrays: &[&[Field]]) -> (Option<String>, Option<String>) {
    let raw = find_field(arrays, flight_keys::FLIGHT).map(|s| s.replace(' ', ""));
    let carrier = find_field(arrays, flight_keys::CARRIER).map(str::to_string);
    match (carrier, raw) {
        (Some(c), Some(n)) => {
            let n = n.strip_prefix(c.as_str()).map(str::to_string).unwrap_or(n);
            (Some(c), Some(n))
        }
        (None, Some(n)) if n.len() > 2 && n.is_char_boundary(2) => {
            (Some(n[..2].to_string()), Some(n[2..].to_string()))
        }
        (c, n) => (c, n),
    }
}

/// An airport code: the named field, else the primary field at `index` when it looks like
/// a three-letter IATA code.
fn airport(c: &Campaign, keys: &[&str], index: usize) -> Option<String> {
    find_field(&campaign_arrays(c), keys)
        .map(str::to_string)
        .or_else(|| {
            c.primary_fields
                .get(index)
                .and_then(|f| non_empty(f.value.as_deref()))
                .filter(|v| v.len() == 3 && v.chars().all(|c| c.is_ascii_alphabetic()))
                .map(str::to_ascii_uppercase)
        })
}

fn campaign_title(c: &Campaign) -> &str {
    c.primary_fields
        .first()
        .and_then(|f| non_empty(f.value.as_deref()))
        .unwrap_or(&c.name)
}

fn brand(c: &Campaign) -> &str {
    non_empty(c.logo_text.as_deref())
        .or(non_empty(Some(&c.organization_name)))
        .unwrap_or(&c.name)
}

fn logo_id(c: &Campaign) -> Option<&str> {
    c.logo_id.as_deref().or(c.icon_id.as_deref())
}

/// The class JSON of a campaign (what `…Class` insert and patch receive).
// Long because each of the six class types has its own required attributes.
pub fn class_json(c: &Campaign, ctx: &Context<'_>) -> Value {
    let v = Vertical::for_campaign(c.campaign_type, c.transit_type);
    let mut m = Map::new();
    m.insert("id".into(), class_id(ctx.issuer_id, &c.id).into());
    let rows = card_rows(v, c);
    if !rows.is_empty() {
        m.insert(
            "classTemplateInfo".into(),
            json!({"cardTemplateOverride": {"cardRowTemplateInfos": rows}}),
        );
    }
    if let Some(url) = ctx.callback_url {
        m.insert("callbackOptions".into(), json!({"url": url}));
    }
    if v != Vertical::Generic {
        m.insert("issuerName".into(), c.organization_name.clone().into());
        m.insert("reviewStatus".into(), "UNDER_REVIEW".into());
        if let Some(bg) = non_empty(c.background_color.as_deref()) {
            m.insert("hexBackgroundColor".into(), bg.to_ascii_lowercase().into());
        }
        if let Some(strip) = c.strip_id.as_deref() {
            m.insert("heroImage".into(), image(ctx.image_url(strip), &c.name));
        }
        if !c.locations.is_empty() {
            m.insert("locations".into(), locations(&c.locations));
        }
    }
    let logo = logo_id(c).map(|id| image(ctx.image_url(id), brand(c)));
    match v {
        Vertical::Generic => {}
        Vertical::Offer => {
            m.insert("title".into(), campaign_title(c).into());
            m.insert("provider".into(), brand(c).into());
            m.insert("redemptionChannel".into(), "BOTH".into());
            if let Some(l) = logo {
                m.insert("titleImage".into(), l);
            }
        }
        Vertical::Loyalty => {
            m.insert("programName".into(), brand(c).into());
            if let Some(l) = logo {
                m.insert("programLogo".into(), l);
            }
        }
        Vertical::EventTicket => {
            m.insert("eventName".into(), localized(campaign_title(c)));
            if let Some(l) = logo {
                m.insert("logo".into(), l);
            }
            if let Some(d) = c.relevant_date.as_deref() {
                m.insert("dateTime".into(), json!({"start": millis(d)}));
            }
        }
        Vertical::Flight => {
            let arrays = campaign_arrays(c);
            let (carrier, number) = flight_number(&arrays);
            let mut carrier_json = json!({"carrierIataCode": carrier.unwrap_or_default()});
            if let Some(l) = logo {
                carrier_json["airlineLogo"] = l;
            }
            m.insert(
                "flightHeader".into(),
                json!({"carrier": carrier_json, "flightNumber": number.unwrap_or_default()}),
            );
            let mut origin = json!({
                "airportIataCode": airport(c, flight_keys::ORIGIN, 0).unwrap_or_default()
            });
            if let Some(g) = find_field(&arrays, flight_keys::GATE) {
                origin["gate"] = g.into();
            }
            m.insert("origin".into(), origin);
            m.insert(
                "destination".into(),
                json!({"airportIataCode": airport(c, flight_keys::DESTINATION, 1).unwrap_or_default()}),
            );
            m.insert(
                "localScheduledDepartureDateTime".into(),
                c.relevant_date
                    .as_deref()
                    .map(local_time)
                    .unwrap_or_default()
                    .into(),
            );
        }
        Vertical::Transit => {
            m.insert("transitType".into(), transit_type(c.transit_type).into());
            if let Some(l) = logo {
                m.insert("logo".into(), l);
            }
        }
    }
    Value::Object(m)
}

/// The object JSON of a pass of campaign `c` (what `…Object` insert and patch receive).
// Long because each of the six object types has its own attributes.
pub fn object_json(c: &Campaign, p: &Pass, ctx: &Context<'_>) -> Value {
    let v = Vertical::for_campaign(c.campaign_type, c.transit_type);
    let mut m = Map::new();
    m.insert("id".into(), object_id(ctx.issuer_id, &p.id).into());
    m.insert("classId".into(), class_id(ctx.issuer_id, &c.id).into());
    m.insert("state".into(), object_state(p, ctx.now).into());
    if let Some(t) = barcode_type(p.barcode.format) {
        let mut b = json!({"type": t, "value": p.barcode.message});
        if let Some(alt) = non_empty(Some(&p.barcode.alt_text)) {
            b["alternateText"] = alt.into();
        }
        m.insert("barcode".into(), b);
    }
    if let Some(end) = p.expiration_date.as_deref() {
        m.insert(
            "validTimeInterval".into(),
            json!({"end": {"date": millis(end)}}),
        );
    }
    let modules = text_modules(v, p);
    if !modules.is_empty() {
        m.insert("textModulesData".into(), Value::Array(modules));
    }
    if !p.locations.is_empty() {
        m.insert("locations".into(), locations(&p.locations));
    }
    let strip = p.strip_id.as_deref();
    match v {
        Vertical::Generic => {
            let primary = p.primary_fields.first();
            m.insert("cardTitle".into(), localized(brand(c)));
            m.insert(
                "header".into(),
                localized(
                    primary
                        .and_then(|f| non_empty(f.value.as_deref()))
                        .unwrap_or(&c.name),
                ),
            );
            if let Some(l) = primary.and_then(|f| non_empty(f.label.as_deref())) {
                m.insert("subheader".into(), localized(l));
            }
            if let Some(logo) = p.logo_id.as_deref().or(p.icon_id.as_deref()) {
                m.insert("logo".into(), image(ctx.image_url(logo), brand(c)));
            }
            if let Some(bg) = non_empty(c.background_color.as_deref()) {
                m.insert("hexBackgroundColor".into(), bg.to_ascii_lowercase().into());
            }
            if let Some(s) = strip {
                m.insert("heroImage".into(), image(ctx.image_url(s), &c.name));
            }
        }
        _ => {
            // The class carries the campaign's strip; a pass with its own strip shows it.
            if let Some(s) = strip.filter(|s| Some(*s) != c.strip_id.as_deref()) {
                m.insert("heroImage".into(), image(ctx.image_url(s), &c.name));
            }
        }
    }
    let arrays = pass_arrays(p);
    match v {
        Vertical::Loyalty => {
            if let Some(f) = p.primary_fields.first().filter(|f| has_text(f)) {
                let mut points = json!({"balance": {"string": non_empty(f.value.as_deref()).unwrap_or_default()}});
                if let Some(l) = non_empty(f.label.as_deref()) {
                    points["label"] = l.into();
                }
                m.insert("loyaltyPoints".into(), points);
            }
            m.insert("accountId".into(), p.serial_number.clone().into());
        }
        Vertical::Flight => {
            m.insert(
                "passengerName".into(),
                find_field(&arrays, flight_keys::PASSENGER)
                    .unwrap_or_default()
                    .into(),
            );
            m.insert(
                "reservationInfo".into(),
                json!({"confirmationCode": find_field(&arrays, flight_keys::CONFIRMATION).unwrap_or_default()}),
            );
            let mut seating = Map::new();
            for (key, keys) in [
                ("seatNumber", flight_keys::SEAT),
                ("seatClass", flight_keys::SEAT_CLASS),
                ("boardingGroup", flight_keys::GROUP),
            ] {
                if let Some(val) = find_field(&arrays, keys) {
                    seating.insert(key.into(), val.into());
                }
            }
            if !seating.is_empty() {
                m.insert("boardingAndSeatingInfo".into(), Value::Object(seating));
            }
        }
        Vertical::Transit => {
            m.insert("tripType".into(), "ONE_WAY".into());
            let mut leg = Map::new();
            if let Some(o) = p
                .primary_fields
                .first()
                .and_then(|f| non_empty(f.value.as_deref()))
            {
                leg.insert("originName".into(), localized(o));
            }
            if let Some(d) = p
                .primary_fields
                .get(1)
                .and_then(|f| non_empty(f.value.as_deref()))
            {
                leg.insert("destinationName".into(), localized(d));
            }
            if let Some(t) = p.relevant_date.as_deref() {
                leg.insert("departureDateTime".into(), millis(t).into());
            }
            if !leg.is_empty() {
                m.insert("ticketLeg".into(), Value::Object(leg));
            }
            if let Some(name) = find_field(&arrays, flight_keys::PASSENGER) {
                m.insert("passengerNames".into(), name.into());
            }
        }
        _ => {}
    }
    Value::Object(m)
}

/// The body of `…Object/{id}/addMessage`: a message that notifies the holder.
pub fn message_json(id: &str, header: &str, body: &str) -> Value {
    json!({"message": {
        "id": id_suffix(id),
        "header": header,
        "body": body,
        "messageType": "TEXT_AND_NOTIFY"
    }})
}

/// The claims of a save JWT carrying whole resources (`class` may be omitted when it was
/// inserted over REST already).
pub fn save_claims(
    iss: &str,
    origins: &[String],
    iat: i64,
    vertical: Vertical,
    class: Option<Value>,
    object: Value,
) -> Value {
    let mut payload = Map::new();
    if let Some(c) = class {
        payload.insert(format!("{}Classes", vertical.prefix()), json!([c]));
    }
    payload.insert(format!("{}Objects", vertical.prefix()), json!([object]));
    json!({
        "iss": iss,
        "aud": "google",
        "typ": "savetowallet",
        "iat": iat,
        "origins": origins,
        "payload": payload,
    })
}

/// The short form of an object in a JWT once it exists at Google: its ids only.
pub fn object_reference(object: &Value) -> Value {
    json!({"id": object["id"], "classId": object["classId"]})
}

/// What Google would refuse, per attribute of our API (`{"attr": ["message"]}`), for a
/// campaign and, when given, one of its passes. Empty when Google would accept both.
// Long because it checks each class type's required attributes in turn.
pub fn validate(c: &Campaign, p: Option<&Pass>) -> BTreeMap<String, Vec<String>> {
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |attr: &str, msg: String| errors.entry(attr.to_string()).or_default().push(msg);
    let v = Vertical::for_campaign(c.campaign_type, c.transit_type);
    let kind = v.name();
    if v != Vertical::Generic && non_empty(Some(&c.organization_name)).is_none() {
        add(
            "organization_name",
            format!("can't be blank: Google Wallet shows it as the issuer name of {kind} passes"),
        );
    }
    if matches!(v, Vertical::Loyalty | Vertical::Transit) && logo_id(c).is_none() {
        add(
            "logo_id",
            format!("is required: Google Wallet {kind} classes need a logo (or an icon)"),
        );
    }
    if v == Vertical::Flight {
        let arrays = campaign_arrays(c);
        let (carrier, number) = flight_number(&arrays);
        match carrier {
            Some(cc) if cc.len() == 2 && cc.chars().all(|c| c.is_ascii_alphanumeric()) => {}
            Some(cc) => add(
                "primary_fields",
                format!("carrier code {cc:?} is not a two-character IATA airline code, which Google Wallet flights need"),
            ),
            None => add(
                "primary_fields",
                "need a field with key \"carrier\" or \"flight\" (e.g. \"LH 400\"): Google Wallet flights need the airline's IATA code".into(),
            ),
        }
        if number.is_none_or(|n| n.is_empty()) {
            add(
                "primary_fields",
                "need a field with key \"flight\" holding the flight number: Google Wallet flights need one".into(),
            );
        }
        if airport(c, flight_keys::ORIGIN, 0).is_none() {
            add(
                "primary_fields",
                "need the origin airport (a field with key \"origin\", or a three-letter IATA code as the first primary field): Google Wallet flights need it".into(),
            );
        }
        if airport(c, flight_keys::DESTINATION, 1).is_none() {
            add(
                "primary_fields",
                "need the destination airport (a field with key \"destination\", or a three-letter IATA code as the second primary field): Google Wallet flights need it".into(),
            );
        }
        if c.relevant_date.is_none() {
            add(
                "relevant_date",
                "is required: Google Wallet flights need the scheduled departure time".into(),
            );
        }
    }
    if let Some(p) = p {
        if barcode_type(p.barcode.format).is_some() && p.barcode.message.trim().is_empty() {
            add(
                "barcode",
                "message can't be blank: Google Wallet refuses a barcode without a value".into(),
            );
        }
        // Google's only Interleaved 2 of 5 is ITF-14: fourteen digits.
        let m = p.barcode.message.as_str();
        if p.barcode.format == BarcodeFormat::I2of5
            && !(m.len() == 14 && m.bytes().all(|b| b.is_ascii_digit()))
        {
            add(
                "barcode",
                "an i2of5 barcode reaches Google Wallet as ITF-14, which holds exactly 14 digits"
                    .into(),
            );
        }
        if v == Vertical::Flight {
            let arrays = pass_arrays(p);
            if find_field(&arrays, flight_keys::PASSENGER).is_none() {
                add(
                    "fields",
                    "need a field with key \"passenger\": Google Wallet boarding passes need the passenger's name".into(),
                );
            }
            if find_field(&arrays, flight_keys::CONFIRMATION).is_none() {
                add(
                    "fields",
                    "need a field with key \"confirmation\" (or \"pnr\"): Google Wallet boarding passes need the booking's confirmation code".into(),
                );
            }
        }
        let mut ids = std::collections::HashSet::new();
        for (arr, back) in pass_arrays(p)
            .iter()
            .zip([false, false, false, false, true])
        {
            for f in arr.iter() {
                if !ids.insert(module_id(&f.key, back)) {
                    add(
                        "fields",
                        format!(
                            "key {:?} is used twice once written as a Google Wallet text module id",
                            f.key
                        ),
                    );
                }
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaign_types_map_to_verticals() {
        use CampaignType::*;
        assert_eq!(Vertical::for_campaign(Coupon, None), Vertical::Offer);
        assert_eq!(Vertical::for_campaign(StoreCard, None), Vertical::Loyalty);
        assert_eq!(
            Vertical::for_campaign(EventTicket, None),
            Vertical::EventTicket
        );
        assert_eq!(Vertical::for_campaign(Generic, None), Vertical::Generic);
        assert_eq!(
            Vertical::for_campaign(BoardingPass, Some(TransitType::Air)),
            Vertical::Flight
        );
        for t in [
            TransitType::Bus,
            TransitType::Train,
            TransitType::Boat,
            TransitType::Generic,
        ] {
            assert_eq!(
                Vertical::for_campaign(BoardingPass, Some(t)),
                Vertical::Transit
            );
        }
        assert_eq!(Vertical::EventTicket.class_resource(), "eventTicketClass");
        assert_eq!(Vertical::Flight.object_resource(), "flightObject");
    }

    #[test]
    fn ids_keep_only_what_google_allows() {
        assert_eq!(object_id("338", "a b/c-d.e_f"), "338.a_b_c-d.e_f");
        assert_eq!(module_id("o'clock", true), "back_o_clock");
    }

    #[test]
    fn barcode_formats_map() {
        assert_eq!(barcode_type(BarcodeFormat::Qrcode), Some("QR_CODE"));
        assert_eq!(barcode_type(BarcodeFormat::Pdf417), Some("PDF_417"));
        assert_eq!(barcode_type(BarcodeFormat::Aztec), Some("AZTEC"));
        assert_eq!(barcode_type(BarcodeFormat::Ean128), Some("CODE_128"));
        assert_eq!(barcode_type(BarcodeFormat::None), None);
        assert_eq!(barcode_type(BarcodeFormat::Ean13), Some("EAN_13"));
        assert_eq!(barcode_type(BarcodeFormat::I2of5), Some("ITF_14"));
    }

    #[test]
    fn local_times_lose_their_offset() {
        assert_eq!(
            local_time("2026-12-01T10:30:00.000000Z"),
            "2026-12-01T10:30:00.000"
        );
        assert_eq!(
            local_time("2026-12-01T10:30:00+01:00"),
            "2026-12-01T10:30:00"
        );
        assert_eq!(
            local_time("2026-12-01T10:30:00-05:00"),
            "2026-12-01T10:30:00"
        );
    }

    #[test]
    fn times_keep_milliseconds() {
        assert_eq!(
            millis("2026-12-01T10:30:00.123456Z"),
            "2026-12-01T10:30:00.123Z"
        );
        assert_eq!(millis("2026-12-01T10:30:00Z"), "2026-12-01T10:30:00Z");
        assert_eq!(
            millis("2026-12-01T10:30:00.5+01:00"),
            "2026-12-01T10:30:00.5+01:00"
        );
    }

    #[test]
    fn flight_numbers_split_into_carrier_and_number() {
        let f = |k: &str, v: &str| Field {
            key: k.into(),
            value: Some(v.into()),
            ..Default::default()
        };
        let a = [f("flight", "LH 400")];
        assert_eq!(
            flight_number(&[&a[..]]),
            (Some("LH".into()), Some("400".into()))
        );
        let b = [f("carrier", "U2"), f("Flight", "U2 1234")];
        assert_eq!(
            flight_number(&[&b[..]]),
            (Some("U2".into()), Some("1234".into()))
        );
    }
}
