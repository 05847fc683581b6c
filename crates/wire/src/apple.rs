//! Apple Wallet keys beyond the 2014 Passworks mapping (iOS 18–26): semantic tags, poster
//! event tickets, semantic boarding passes, relevance intervals, event-guide and
//! boarding URLs, and the smaller top-level keys, as one `apple` attribute of campaigns and
//! passes. Its rules ([`check`]) are written once here and used by the server (422 at write
//! time) and the pass builder (before signing).
//!
//! Sources: Apple's "Pass" and "SemanticTags" reference and "Creating a poster event pass
//! using semantic tags" (developer.apple.com/documentation/walletpasses), cross-checked
//! with alexandercerutti/passkit-generator `src/schemas/` (v3.5.7), whose issue #205
//! records the poster-layout requirements Wallet enforces without documenting them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::rules::{is_hex_color, MAX_STRING};
use crate::{AssetType, PassType, TransitType};

/// Most relevance intervals a pass may carry (our bound; Wallet shows the next one).
pub const MAX_RELEVANT_DATES: usize = 10;
/// A relevance interval spans at most one day (Wallet ignores longer ones).
pub const MAX_INTERVAL_SECONDS: i64 = 24 * 60 * 60;
/// Longest URL accepted in `apple.urls`.
pub const MAX_URL: usize = 2048;
/// Most entries of any array inside `semantics` (`seats`, `performerNames`, `artistIDs`,
/// the SSR lists, `wifiAccess`, …): our bound, so that a pass stays a pass and not a
/// venue's seating plan. Apple gives none.
pub const MAX_SEMANTIC_ARRAY: usize = 50;

/// Everything Apple Wallet shows beyond the 2014 keys. Every attribute is optional; on a
/// pass, the attributes given override the campaign's (`semantics` and `urls` key by key).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppleOptions {
    /// `preferredStyleSchemes` (iOS 18 event tickets, iOS 26 boarding passes), most
    /// preferred first: `posterEventTicket` then `eventTicket` lets older iOS fall back to
    /// the classic layout.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferred_style_schemes: Vec<StyleScheme>,
    /// `eventLogoText` (poster event tickets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_logo_text: Option<String>,
    /// `footerBackgroundColor` as `#rrggbb` (poster event tickets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer_background_color: Option<String>,
    /// `useAutomaticColors` (poster event tickets: colours derived from the artwork).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_automatic_colors: Option<bool>,
    /// `suppressHeaderDarkening` (poster event tickets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppress_header_darkening: Option<bool>,
    /// `sharingProhibited` (iOS 11).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharing_prohibited: Option<bool>,
    /// `suppressStripShine`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppress_strip_shine: Option<bool>,
    /// `groupingIdentifier` (event tickets and boarding passes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grouping_identifier: Option<String>,
    /// `appLaunchURL` (opens the associated app).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_launch_url: Option<String>,
    /// `relevantDates` (iOS 18): intervals, each at most a day, in which the pass is
    /// relevant (and a poster event ticket starts its Live Activity), or single moments
    /// (`date`, iOS 26) from which Wallet works out the interval itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relevant_dates: Vec<RelevantInterval>,
    /// `stripColor` as `#rrggbb` (passes with a strip: coupons, store cards, event
    /// tickets). Listed in Apple's Pass Builder (`Pass.stripColor`), not in the `Pass`
    /// reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strip_color: Option<String>,
    /// `auxiliaryStoreIdentifiers` (poster event tickets, iOS 18): more App Store ids,
    /// linked from the event guide.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auxiliary_store_identifiers: Vec<i64>,
    /// Rewards enrollment (store cards with `nfc`): what Wallet's sign-up form asks, as
    /// `personalization.json` with `personalizationLogo.png`. Once the holder has signed
    /// up, the pass is issued without them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personalization: Option<Personalization>,
    /// Event-guide, ticket-menu and boarding URLs ([`URL_KEYS`]).
    #[serde(default, skip_serializing_if = "AppleUrls::is_empty")]
    pub urls: AppleUrls,
    // Boxed: its hundred optional tags are 2.7 KB inline, and every pass record, wire
    // pass and campaign carries an `AppleOptions`, moved and copied as a whole (a bulk
    // request of 1,000 passes spent a quarter of its server time in such copies).
    /// `semantics`: machine-readable tags, by Apple's names (`venueName`, `seats`, …).
    #[serde(default, skip_serializing_if = "Semantics::is_empty")]
    pub semantics: Box<Semantics>,
    /// The poster images (`artwork.png`, `primaryLogo.png`, `secondaryLogo.png`): ids of
    /// the account's assets of those types.
    #[serde(default, skip_serializing_if = "PosterImages::is_empty")]
    pub images: PosterImages,
    /// `upcomingPassInformation` (iOS 26, event tickets): the events a pass also admits
    /// to (a season ticket's next games), each with its own date, URLs, tags and hosted
    /// images.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upcoming_pass_information: Vec<UpcomingEntry>,
    /// `nfc` (Value Added Services): the payload an NFC terminal reads. Wallet accepts it
    /// only in passes signed with an NFC-entitled Pass Type ID certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nfc: Option<Nfc>,
    /// `featuredActions` (iOS 27, every style): at most two actions Wallet draws below
    /// the pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub featured_actions: Vec<FeaturedAction>,
    /// Translations per language (`en`, `pt-BR`, `zh-Hans`): each maps a text of the pass
    /// as written (a field's label or value, the description, the logo text, …) to its
    /// translation, and becomes `<lang>.lproj/pass.strings` (UTF-16, as Apple asks). A
    /// pass's own translations add to its campaign's, language by language, key by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: BTreeMap<String, BTreeMap<String, String>>,
    /// Images per language (`en`, `pt-BR`, `zh-Hans`): each language's images, by the
    /// slot names of the root ones (`logo_id`, `strip_id`, …, `artwork_id`), become
    /// `<lang>.lproj/logo.png` (with `@2x` and `@3x`), which Wallet shows in that language
    /// instead of the root image. A pass's own add to its campaign's, language by
    /// language, slot by slot.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub localized_images: BTreeMap<String, LocalizedImages>,
    /// The poster generic style (iOS 27; coupons, store cards and generic passes): when
    /// set, pass.json gets a `posterGeneric` dictionary beside the classic one, which
    /// older iOS keeps showing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster_generic: Option<PosterGeneric>,
}

/// What the poster generic style adds to the pass's own fields: its footer and
/// additional-info fields. Its header field, up to four primary fields and its back
/// fields are the pass's (the first header field; primary, then secondary and auxiliary
/// fields up to four; all back fields).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PosterGeneric {
    /// `footerFields` (Apple: two; Wallet shows the first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub footer_fields: Vec<UpcomingField>,
    /// `additionalInfoFields`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_info_fields: Vec<UpcomingField>,
}

/// What Wallet's rewards sign-up form asks for (Apple's `Personalize`, written as
/// `personalization.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Personalization {
    /// `requiredPersonalizationFields`: at least one of `name`, `postal_code`,
    /// `email_address`, `phone_number`.
    pub required_fields: Vec<PersonalizationField>,
    /// `description`: the programme, shown under the logo on the form.
    pub description: String,
    /// `termsAndConditions`: shown after the holder's data; may hold HTML links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_and_conditions: Option<String>,
    /// The form's logo (`personalizationLogo.png`, 150×40 pt): an asset of type
    /// `personalization_logo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_id: Option<String>,
}

/// A value of `requiredPersonalizationFields`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PersonalizationField {
    /// `PKPassPersonalizationFieldName` (Wallet sends `fullName`, `givenName`, `familyName`).
    Name,
    /// `PKPassPersonalizationFieldPostalCode` (Wallet sends `postalCode`, `ISOCountryCode`).
    PostalCode,
    /// `PKPassPersonalizationFieldEmailAddress`.
    EmailAddress,
    /// `PKPassPersonalizationFieldPhoneNumber`.
    PhoneNumber,
}

impl PersonalizationField {
    /// Apple's spelling.
    pub fn apple(self) -> &'static str {
        match self {
            PersonalizationField::Name => "PKPassPersonalizationFieldName",
            PersonalizationField::PostalCode => "PKPassPersonalizationFieldPostalCode",
            PersonalizationField::EmailAddress => "PKPassPersonalizationFieldEmailAddress",
            PersonalizationField::PhoneNumber => "PKPassPersonalizationFieldPhoneNumber",
        }
    }
}

impl Personalization {
    /// `personalization.json` (Apple's keys).
    pub fn apple_json(&self) -> Value {
        let mut m = Map::new();
        let fields: Vec<&str> = self.required_fields.iter().map(|f| f.apple()).collect();
        m.insert(
            "requiredPersonalizationFields".into(),
            serde_json::json!(fields),
        );
        m.insert(
            "description".into(),
            Value::String(self.description.clone()),
        );
        if let Some(t) = &self.terms_and_conditions {
            m.insert("termsAndConditions".into(), Value::String(t.clone()));
        }
        Value::Object(m)
    }
}

/// What a holder gave Wallet's sign-up form (Apple's `RequiredPersonalizationInfo`), as
/// stored on the pass. Every attribute is what the device sent, when it sent it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(default)]
pub struct PersonalizationInfo {
    /// `fullName`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    /// `givenName` (parsed by Wallet from the full name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// `familyName` (parsed by Wallet from the full name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// `emailAddress`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// `phoneNumber`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// `postalCode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// `ISOCountryCode` (sent when Wallet knows it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iso_country_code: Option<String>,
    /// When the holder signed up (ISO 8601, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personalized_at: Option<String>,
}

/// Longest value of the holder's data we keep (longer ones are refused with 400).
pub const MAX_PERSONALIZATION_VALUE: usize = 255;

impl PersonalizationInfo {
    /// Reads Apple's `requiredPersonalizationInfo` object: the keys Apple documents, each
    /// a string of at most [`MAX_PERSONALIZATION_VALUE`] characters without control
    /// characters (unknown keys are ignored, as Wallet may add some). `Err` names the key
    /// at fault.
    pub fn from_apple(v: &Value) -> Result<PersonalizationInfo, String> {
        let Value::Object(m) = v else {
            return Err("requiredPersonalizationInfo must be an object".into());
        };
        let get = |key: &str| -> Result<Option<String>, String> {
            match m.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => {
                    let s = s.trim();
                    if s.chars().count() > MAX_PERSONALIZATION_VALUE {
                        Err(format!(
                            "{key} is longer than {MAX_PERSONALIZATION_VALUE} characters"
                        ))
                    } else if s.chars().any(char::is_control) {
                        Err(format!("{key} contains control characters"))
                    } else {
                        Ok((!s.is_empty()).then(|| s.to_string()))
                    }
                }
                Some(_) => Err(format!("{key} must be a string")),
            }
        };
        Ok(PersonalizationInfo {
            full_name: get("fullName")?,
            given_name: get("givenName")?,
            family_name: get("familyName")?,
            email_address: get("emailAddress")?,
            phone_number: get("phoneNumber")?,
            postal_code: get("postalCode")?,
            iso_country_code: get("ISOCountryCode")?,
            personalized_at: None,
        })
    }
}

/// Most footer fields of a poster generic pass (Apple: two).
pub const MAX_FOOTER_FIELDS: usize = 2;

/// Most languages in `translations` (our bound).
pub const MAX_LANGUAGES: usize = 30;
/// Most translated texts per language (our bound).
pub const MAX_TRANSLATIONS: usize = 300;
/// Longest text or translation, in characters (a back field may be long).
pub const MAX_TRANSLATION: usize = 2000;

/// Whether `s` reads as an Apple localization directory name without `.lproj`: a
/// language code (2–3 letters, lower case) with optional script and region subtags
/// (`en`, `pt-BR`, `zh-Hans`, `zh-Hant-TW`, `es-419`).
pub fn is_language_id(s: &str) -> bool {
    let mut parts = s.split('-');
    let lang = parts.next().unwrap_or_default();
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (2..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && s.split('-').count() <= 3
}

/// Most `upcoming_pass_information` entries (our bound; Apple gives none).
pub const MAX_UPCOMING: usize = 10;
/// Most back or additional-info fields of one upcoming entry (our bound).
pub const MAX_UPCOMING_FIELDS: usize = 20;
/// Largest hosted image of an upcoming entry, in bytes (Apple: 2 MB).
pub const MAX_HOSTED_IMAGE_BYTES: usize = 2 * 1024 * 1024;
/// Most featured actions (Apple: "up to two").
pub const MAX_FEATURED_ACTIONS: usize = 2;
/// Largest NFC message, in bytes (Apple truncates longer ones).
pub const MAX_NFC_MESSAGE_BYTES: usize = 64;

/// One `upcomingPassInformation` entry (Apple's `UpcomingPassInformationEntry`, whose
/// `type` is always `event`, written by the pass builder).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpcomingEntry {
    /// `identifier`: unique among the pass's entries.
    pub identifier: String,
    /// `name`: the event's name.
    pub name: String,
    /// `isActive`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
    /// `dateInformation` (without it Wallet says TBD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_information: Option<UpcomingDate>,
    /// `URLs`: the event-guide URLs of event tickets ([`URL_KEYS`] of style eventTicket).
    #[serde(default, skip_serializing_if = "AppleUrls::is_empty")]
    pub urls: AppleUrls,
    /// `semantics` of this event.
    #[serde(default, skip_serializing_if = "Semantics::is_empty")]
    pub semantics: Semantics,
    /// `images`: asset ids, written as hosted images (`URLs` with `URL`, `SHA256`,
    /// `size`) served from the public `/assets/{id}.png`.
    #[serde(default, skip_serializing_if = "UpcomingImages::is_empty")]
    pub images: UpcomingImages,
    /// `backFields`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub back_fields: Vec<UpcomingField>,
    /// `additionalInfoFields`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_info_fields: Vec<UpcomingField>,
    /// `auxiliaryStoreIdentifiers` (App Store ids).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auxiliary_store_identifiers: Vec<i64>,
}

/// `dateInformation` of an upcoming entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpcomingDate {
    /// `date`: ISO 8601 with a time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// `timeZone`: an IANA name, e.g. `Europe/Lisbon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// `ignoreTimeComponents`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_time_components: Option<bool>,
    /// `isAllDay`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_all_day: Option<bool>,
    /// `isUnannounced` (time TBA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_unannounced: Option<bool>,
    /// `isUndetermined` (time TBD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_undetermined: Option<bool>,
}

/// `images` of an upcoming entry, by asset id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpcomingImages {
    /// `headerImage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_image_id: Option<String>,
    /// `venueMap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue_map_id: Option<String>,
}

impl UpcomingImages {
    /// Whether no image is set.
    pub fn is_empty(&self) -> bool {
        *self == UpcomingImages::default()
    }

    /// The images set: (API name, Apple's key, asset id).
    pub fn entries(&self) -> Vec<(&'static str, &'static str, &str)> {
        [
            ("header_image_id", "headerImage", &self.header_image_id),
            ("venue_map_id", "venueMap", &self.venue_map_id),
        ]
        .into_iter()
        .filter_map(|(api, apple, id)| id.as_deref().map(|id| (api, apple, id)))
        .collect()
    }
}

/// A field of an upcoming entry (`backFields`, `additionalInfoFields`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpcomingField {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub value: String,
}

/// The `nfc` dictionary (Apple's `Pass.NFC`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Nfc {
    /// `message`: at most 64 bytes, what the terminal receives.
    pub message: String,
    /// `encryptionPublicKey`: the Base64 body (no PEM lines) of an X.509
    /// SubjectPublicKeyInfo holding an ECDH public key on P-256.
    pub encryption_public_key: String,
    /// `requiresAuthentication` (iOS 13.1): Face ID/Touch ID/passcode for each use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_authentication: Option<bool>,
}

/// A `featuredActions` entry (iOS 27).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FeaturedAction {
    /// `identifier`: unique among the pass's actions.
    pub identifier: String,
    /// `type`: one of [`FEATURED_ACTION_TYPES`].
    #[serde(rename = "type")]
    pub action_type: String,
    /// `url`: an `http(s)` URL (`tel:` for `call`).
    pub url: String,
}

/// The featured-action types of Apple's "Defining the metadata of your Wallet Pass".
pub const FEATURED_ACTION_TYPES: &[&str] = &[
    "viewSchedule",
    "watchTrailer",
    "listenToMusic",
    "call",
    "place",
    "addToBalance",
    "order",
    "shop",
    "membershipBenefits",
    "bookAppointment",
    "bookCar",
    "bookFlight",
    "bookStay",
    "viewOffersRewards",
];

/// The poster event ticket's images, by asset id (each an asset of the matching type:
/// `artwork`, `primary_logo`, `secondary_logo`). Wallet before iOS 18 ignores them and
/// shows the classic event ticket with its own images.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PosterImages {
    /// `artwork.png`: the full-bleed poster, 358×448 pt (centre-cropped to that shape).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artwork_id: Option<String>,
    /// `primaryLogo.png`: at most 126×30 pt, at the top.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_logo_id: Option<String>,
    /// `secondaryLogo.png`: at most 135×12 pt, at the bottom right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_logo_id: Option<String>,
}

impl PosterImages {
    /// Whether no poster image is set.
    pub fn is_empty(&self) -> bool {
        *self == PosterImages::default()
    }

    /// The images set, by slot ([`AssetType::POSTER`] order) and asset id.
    pub fn entries(&self) -> Vec<(AssetType, &str)> {
        [
            (AssetType::Artwork, &self.artwork_id),
            (AssetType::PrimaryLogo, &self.primary_logo_id),
            (AssetType::SecondaryLogo, &self.secondary_logo_id),
        ]
        .into_iter()
        .filter_map(|(slot, id)| id.as_deref().map(|id| (slot, id)))
        .collect()
    }
}

/// One language's images, by asset id: the classic slots (each an asset of the slot's
/// type, shown where the style shows the root image of that slot) and the poster images
/// (where the pass is a poster, as for `images`). Keys are those of the root images.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LocalizedImages {
    /// `<lang>.lproj/icon.png`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_id: Option<String>,
    /// `<lang>.lproj/logo.png`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_id: Option<String>,
    /// `<lang>.lproj/strip.png` (coupons, store cards, event tickets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strip_id: Option<String>,
    /// `<lang>.lproj/thumbnail.png` (generic passes, event tickets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_id: Option<String>,
    /// `<lang>.lproj/background.png` (event tickets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_id: Option<String>,
    /// `<lang>.lproj/footer.png` (boarding passes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer_id: Option<String>,
    /// `<lang>.lproj/artwork.png` (poster passes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artwork_id: Option<String>,
    /// `<lang>.lproj/primaryLogo.png` (poster passes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_logo_id: Option<String>,
    /// `<lang>.lproj/secondaryLogo.png` (poster event tickets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_logo_id: Option<String>,
}

impl LocalizedImages {
    /// The slots a language may localize: the classic ones, then the poster ones.
    pub fn slots() -> impl Iterator<Item = AssetType> {
        AssetType::CLASSIC.iter().chain(AssetType::POSTER).copied()
    }

    /// Whether no image is set.
    pub fn is_empty(&self) -> bool {
        *self == LocalizedImages::default()
    }

    /// The asset id in `slot` (`None` for slots a language cannot localize).
    pub fn get(&self, slot: AssetType) -> Option<&str> {
        match slot {
            AssetType::Icon => self.icon_id.as_deref(),
            AssetType::Logo => self.logo_id.as_deref(),
            AssetType::Strip => self.strip_id.as_deref(),
            AssetType::Thumbnail => self.thumbnail_id.as_deref(),
            AssetType::Background => self.background_id.as_deref(),
            AssetType::Footer => self.footer_id.as_deref(),
            AssetType::Artwork => self.artwork_id.as_deref(),
            AssetType::PrimaryLogo => self.primary_logo_id.as_deref(),
            AssetType::SecondaryLogo => self.secondary_logo_id.as_deref(),
            AssetType::PersonalizationLogo => None,
        }
    }

    /// The asset id in `slot`, mutably (`None` for slots a language cannot localize).
    pub fn get_mut(&mut self, slot: AssetType) -> Option<&mut Option<String>> {
        match slot {
            AssetType::Icon => Some(&mut self.icon_id),
            AssetType::Logo => Some(&mut self.logo_id),
            AssetType::Strip => Some(&mut self.strip_id),
            AssetType::Thumbnail => Some(&mut self.thumbnail_id),
            AssetType::Background => Some(&mut self.background_id),
            AssetType::Footer => Some(&mut self.footer_id),
            AssetType::Artwork => Some(&mut self.artwork_id),
            AssetType::PrimaryLogo => Some(&mut self.primary_logo_id),
            AssetType::SecondaryLogo => Some(&mut self.secondary_logo_id),
            AssetType::PersonalizationLogo => None,
        }
    }

    /// The images set, by slot ([`LocalizedImages::slots`] order) and asset id.
    pub fn entries(&self) -> Vec<(AssetType, &str)> {
        Self::slots()
            .filter_map(|slot| self.get(slot).map(|id| (slot, id)))
            .collect()
    }
}

/// The key of `slot` inside a language of `localized_images`: the root image's attribute
/// without its `apple.images.` prefix (`logo_id`, `artwork_id`).
pub fn localized_slot_key(slot: AssetType) -> &'static str {
    let attr = slot.slot_attribute();
    attr.rsplit('.').next().unwrap_or(attr)
}

/// The API path of `lang`'s image in `slot`: `apple.localized_images.<lang>.<slot>_id`.
pub fn localized_image_path(lang: &str, slot: AssetType) -> String {
    format!("apple.localized_images.{lang}.{}", localized_slot_key(slot))
}

impl AppleOptions {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == AppleOptions::default()
    }

    /// Every image the options name, by slot and asset id: the poster images
    /// ([`PosterImages::entries`]) and the rewards sign-up form's logo.
    pub fn image_refs(&self) -> Vec<(AssetType, &str)> {
        let mut refs = self.images.entries();
        if let Some(id) = self
            .personalization
            .as_ref()
            .and_then(|p| p.logo_id.as_deref())
        {
            refs.push((AssetType::PersonalizationLogo, id));
        }
        refs
    }

    /// Every per-language image, by language, slot and asset id (languages in order,
    /// slots in [`LocalizedImages::slots`] order).
    pub fn localized_image_refs(&self) -> Vec<(&str, AssetType, &str)> {
        self.localized_images
            .iter()
            .flat_map(|(lang, images)| {
                images
                    .entries()
                    .into_iter()
                    .map(move |(slot, id)| (lang.as_str(), slot, id))
            })
            .collect()
    }

    /// The languages the pass is localized in: those with translations or images.
    pub fn languages(&self) -> Vec<&str> {
        let mut langs: Vec<&str> = self
            .translations
            .iter()
            .filter(|(_, t)| !t.is_empty())
            .map(|(l, _)| l.as_str())
            .chain(
                self.localized_images
                    .iter()
                    .filter(|(_, i)| !i.is_empty())
                    .map(|(l, _)| l.as_str()),
            )
            .collect();
        langs.sort_unstable();
        langs.dedup();
        langs
    }

    /// `asked` when it is one of [`languages`](Self::languages) (exactly as written), else
    /// `None`: a language named from outside (a URL's `?lang=`) is used only when the pass
    /// has texts or images in it, and anything else means the pass as written.
    pub fn language(&self, asked: &str) -> Option<&str> {
        self.languages().into_iter().find(|l| *l == asked)
    }

    /// Whether the pass asks for a poster layout its style has: the poster event ticket
    /// (`posterEventTicket`) or the poster generic style (`poster_generic`).
    pub fn poster_for(&self, style: PassType) -> bool {
        if style == PassType::EventTicket {
            self.is_poster()
        } else {
            self.poster_generic.is_some()
        }
    }

    /// Whether the pass asks for the poster event ticket layout.
    pub fn is_poster(&self) -> bool {
        self.preferred_style_schemes
            .contains(&StyleScheme::PosterEventTicket)
    }

    /// These options with an `apple` patch applied: `null` clears everything; an object
    /// merges key by key ([`merge_json`]: `semantics` and `urls` too, `null` values
    /// removing keys, arrays replaced whole). A patch that would not read as options (the
    /// server checks each patch with [`AppleOptions`] before applying it) leaves `self`
    /// unchanged. This is the one merge: a PATCH of `apple` and the pass-over-campaign
    /// overlay ([`AppleOptions::overlay`]) both go through it.
    pub fn patched(&self, patch: &Value) -> AppleOptions {
        if patch.is_null() {
            return AppleOptions::default();
        }
        let mut merged = serde_json::to_value(self).unwrap_or(Value::Null);
        merge_json(&mut merged, patch);
        serde_json::from_value(merged).unwrap_or_else(|_| self.clone())
    }

    /// The options in effect for a pass: `over` (the pass's) on top of `self` (the
    /// campaign's), key by key, as if `over` were a PATCH ([`AppleOptions::patched`]).
    pub fn overlay(&self, over: &AppleOptions) -> AppleOptions {
        self.patched(&serde_json::to_value(over).unwrap_or(Value::Null))
    }
}

/// Applies `patch` to `base` the way a PATCH of `apple` does: keys given replace, `null`
/// removes, keys not given are kept; the `semantics`, `urls` and `images` objects merge key
/// by key the same way; arrays are replaced whole.
pub fn merge_json(base: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *base = patch.clone();
        return;
    };
    if !base.is_object() {
        *base = Value::Object(Map::new());
    }
    let Value::Object(b) = base else { return };
    for (k, v) in p {
        match v {
            Value::Null => {
                b.remove(k);
            }
            Value::Object(_) if k == "semantics" || k == "urls" || k == "images" => {
                merge_json(b.entry(k.clone()).or_insert(Value::Null), v);
            }
            // Two levels: languages, then texts or images (each key by key, `null`
            // removing; a language left empty is dropped).
            Value::Object(langs) if k == "translations" || k == "localized_images" => {
                let entry = b.entry(k.clone()).or_insert(Value::Null);
                if !entry.is_object() {
                    *entry = Value::Object(Map::new());
                }
                let Value::Object(existing) = entry else {
                    continue;
                };
                for (lang, texts) in langs {
                    if texts.is_null() {
                        existing.remove(lang);
                    } else {
                        let e = existing.entry(lang.clone()).or_insert(Value::Null);
                        merge_json(e, texts);
                        if e.as_object().is_some_and(Map::is_empty) {
                            existing.remove(lang);
                        }
                    }
                }
                if existing.is_empty() {
                    b.remove(k);
                }
            }
            _ => {
                b.insert(k.clone(), v.clone());
            }
        }
    }
}

/// A value of `preferredStyleSchemes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum StyleScheme {
    #[serde(rename = "posterEventTicket")]
    PosterEventTicket,
    #[serde(rename = "eventTicket")]
    EventTicket,
    #[serde(rename = "semanticBoardingPass")]
    SemanticBoardingPass,
    #[serde(rename = "boardingPass")]
    BoardingPass,
}

impl StyleScheme {
    /// Apple's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            StyleScheme::PosterEventTicket => "posterEventTicket",
            StyleScheme::EventTicket => "eventTicket",
            StyleScheme::SemanticBoardingPass => "semanticBoardingPass",
            StyleScheme::BoardingPass => "boardingPass",
        }
    }

    /// The pass style the scheme belongs to.
    pub fn style(self) -> PassType {
        match self {
            StyleScheme::PosterEventTicket | StyleScheme::EventTicket => PassType::EventTicket,
            StyleScheme::SemanticBoardingPass | StyleScheme::BoardingPass => PassType::BoardingPass,
        }
    }
}

/// One `relevantDates` entry: an interval of at most a day (`start_date` and
/// `end_date`), or a single moment (`date`, iOS 26) from which Wallet works out the
/// interval itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RelevantInterval {
    /// ISO 8601 with a time zone, e.g. `2026-12-01T19:00:00+01:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    /// ISO 8601 with a time zone; after `start_date`, at most 24 hours later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// `date` (iOS 26): a single moment, instead of `start_date` and `end_date`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// How a form edits a semantic tag: one line of text, or a comma-separated list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagInput {
    /// A string tag (dates are strings too: ISO 8601 with a zone).
    Text,
    /// A list of strings (`performerNames`), written comma-separated.
    List,
}

/// The semantic tags a form offers for a style, with their labels: the ones Wallet's
/// newer layouts draw (poster event tickets, semantic boarding passes) and the store
/// card's. Every other tag stays reachable through the options' JSON.
pub fn form_tags(style: PassType) -> &'static [(&'static str, &'static str, TagInput)] {
    use TagInput::*;
    match style {
        PassType::EventTicket => &[
            ("eventName", "Event name", Text),
            ("eventType", "Event type (PKEventType…)", Text),
            ("eventStartDate", "Starts (ISO 8601 with zone)", Text),
            ("venueName", "Venue", Text),
            ("venueRegionName", "City or region", Text),
            ("venueRoom", "Room", Text),
            ("performerNames", "Performers (comma separated)", List),
            ("homeTeamAbbreviation", "Home team abbreviation", Text),
            ("awayTeamAbbreviation", "Away team abbreviation", Text),
            ("admissionLevel", "Admission level", Text),
            ("attendeeName", "Attendee", Text),
        ],
        PassType::BoardingPass => &[
            ("airlineCode", "Airline code", Text),
            ("flightCode", "Flight code", Text),
            ("departureAirportCode", "From (IATA)", Text),
            ("destinationAirportCode", "To (IATA)", Text),
            ("departureCityName", "From city", Text),
            ("destinationCityName", "To city", Text),
            ("departureGate", "Gate", Text),
            ("boardingGroup", "Boarding group", Text),
            ("boardingZone", "Boarding zone", Text),
            (
                "originalDepartureDate",
                "Departs (ISO 8601 with zone)",
                Text,
            ),
            ("confirmationNumber", "Confirmation number", Text),
        ],
        PassType::StoreCard => &[("membershipProgramName", "Programme", Text)],
        PassType::Coupon | PassType::Generic => &[],
    }
}

/// The layout scheme a form offers for a style (`posterEventTicket`,
/// `semanticBoardingPass`) and the classic scheme it falls back to.
pub fn form_scheme(style: PassType) -> Option<(StyleScheme, StyleScheme)> {
    match style {
        PassType::EventTicket => Some((StyleScheme::PosterEventTicket, StyleScheme::EventTicket)),
        PassType::BoardingPass => {
            Some((StyleScheme::SemanticBoardingPass, StyleScheme::BoardingPass))
        }
        _ => None,
    }
}

/// The PATCH that turns the `apple` options `original` into `desired` (both as JSON
/// objects, `null` for none): changed keys, `null` for removed ones, and inside
/// `semantics`, `urls` and `images` (and each language of `translations` and
/// `localized_images`) key by key.
/// `None` when nothing changed. `original.patched(patch) == desired` ([`merge_json`]).
pub fn diff_patch(original: &Value, desired: &Value) -> Option<Value> {
    fn diff(
        o: &Map<String, Value>,
        d: &Map<String, Value>,
        depth: &dyn Fn(&str) -> u8,
    ) -> Map<String, Value> {
        let mut p = Map::new();
        for k in o.keys() {
            if !d.contains_key(k) {
                p.insert(k.clone(), Value::Null);
            }
        }
        for (k, v) in d {
            match (o.get(k), v, depth(k)) {
                (Some(a), b, _) if a == b => {}
                (Some(Value::Object(a)), Value::Object(b), 1) => {
                    p.insert(k.clone(), Value::Object(diff(a, b, &|_| 0)));
                }
                (Some(Value::Object(a)), Value::Object(b), 2) => {
                    p.insert(k.clone(), Value::Object(diff(a, b, &|_| 1)));
                }
                _ => {
                    p.insert(k.clone(), v.clone());
                }
            }
        }
        p
    }
    let empty = Map::new();
    let o = original.as_object().unwrap_or(&empty);
    let d = desired.as_object().unwrap_or(&empty);
    if o == d {
        return None;
    }
    if d.is_empty() {
        return Some(Value::Null);
    }
    let depth = |k: &str| match k {
        "semantics" | "urls" | "images" => 1,
        "translations" | "localized_images" => 2,
        _ => 0,
    };
    Some(Value::Object(diff(o, d, &depth)))
}

/// What a URL key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlKind {
    /// An `http(s)` URL.
    Url,
    /// An e-mail address.
    Email,
    /// A telephone number.
    Phone,
}

/// One URL-like top-level key: its API name, Apple's key, what it holds, the style it
/// belongs to and the first iOS that shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlKey {
    pub api: &'static str,
    pub apple: &'static str,
    pub kind: UrlKind,
    pub style: PassType,
    pub min_ios: &'static str,
}

macro_rules! apple_urls {
    ($($field:ident = $apple:literal, $kind:ident, $style:ident, $ios:literal;)+) => {
        /// Event-guide, ticket-menu and boarding URLs (each optional). Event tickets show
        /// the event guide when at least two of its keys are set.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(ToSchema))]
        #[serde(deny_unknown_fields)]
        pub struct AppleUrls {
            $(
                #[doc = concat!("`", $apple, "` (", stringify!($style), ", iOS ", $ios, ").")]
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<String>,
            )+
        }

        /// Every URL key, in documentation order.
        pub const URL_KEYS: &[UrlKey] = &[
            $(UrlKey {
                api: stringify!($field),
                apple: $apple,
                kind: UrlKind::$kind,
                style: PassType::$style,
                min_ios: $ios,
            },)+
        ];

        impl AppleUrls {
            /// The keys that are set, with their values.
            pub fn entries(&self) -> Vec<(&'static UrlKey, &str)> {
                let mut out = Vec::new();
                let mut i = 0;
                $(
                    if let Some(v) = &self.$field {
                        out.push((&URL_KEYS[i], v.as_str()));
                    }
                    i += 1;
                )+
                let _ = i;
                out
            }

            /// Whether no URL is set.
            pub fn is_empty(&self) -> bool {
                *self == AppleUrls::default()
            }
        }
    };
}

apple_urls! {
    bag_policy_url = "bagPolicyURL", Url, EventTicket, "18";
    order_food_url = "orderFoodURL", Url, EventTicket, "18";
    parking_information_url = "parkingInformationURL", Url, EventTicket, "18";
    directions_information_url = "directionsInformationURL", Url, EventTicket, "18";
    purchase_parking_url = "purchaseParkingURL", Url, EventTicket, "18";
    merchandise_url = "merchandiseURL", Url, EventTicket, "18";
    transit_information_url = "transitInformationURL", Url, EventTicket, "18";
    accessibility_url = "accessibilityURL", Url, EventTicket, "18";
    add_on_url = "addOnURL", Url, EventTicket, "18";
    contact_venue_email = "contactVenueEmail", Email, EventTicket, "18";
    contact_venue_phone_number = "contactVenuePhoneNumber", Phone, EventTicket, "18";
    contact_venue_website = "contactVenueWebsite", Url, EventTicket, "18";
    transfer_url = "transferURL", Url, EventTicket, "18";
    sell_url = "sellURL", Url, EventTicket, "18";
    change_seat_url = "changeSeatURL", Url, BoardingPass, "26";
    entertainment_url = "entertainmentURL", Url, BoardingPass, "26";
    purchase_additional_baggage_url = "purchaseAdditionalBaggageURL", Url, BoardingPass, "26";
    purchase_lounge_access_url = "purchaseLoungeAccessURL", Url, BoardingPass, "26";
    purchase_wifi_url = "purchaseWifiURL", Url, BoardingPass, "26";
    upgrade_url = "upgradeURL", Url, BoardingPass, "26";
    management_url = "managementURL", Url, BoardingPass, "26";
    register_service_animal_url = "registerServiceAnimalURL", Url, BoardingPass, "26";
    report_lost_bag_url = "reportLostBagURL", Url, BoardingPass, "26";
    request_wheelchair_url = "requestWheelchairURL", Url, BoardingPass, "26";
    transit_provider_email = "transitProviderEmail", Email, BoardingPass, "26";
    transit_provider_phone_number = "transitProviderPhoneNumber", Phone, BoardingPass, "26";
    transit_provider_website_url = "transitProviderWebsiteURL", Url, BoardingPass, "26";
    track_bags_url = "trackBagsURL", Url, BoardingPass, "26";
}

/// `semantics.*.balance` / `totalPrice`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CurrencyAmount {
    /// A decimal amount as a string, e.g. `"12.50"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// ISO 4217, e.g. `EUR`.
    #[serde(
        rename = "currencyCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub currency_code: Option<String>,
}

/// A semantic location (`venueLocation`, `departureLocation`, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SemanticLocation {
    pub latitude: f64,
    pub longitude: f64,
}

/// `eventStartDateInfo`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventDateInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(
        rename = "ignoreTimeComponents",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ignore_time_components: Option<bool>,
    #[serde(rename = "timeZone", default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unannounced: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undetermined: Option<bool>,
}

/// `passengerName` (PersonNameComponents).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PersonName {
    #[serde(rename = "givenName", default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(
        rename = "familyName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub family_name: Option<String>,
    #[serde(
        rename = "middleName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub middle_name: Option<String>,
    #[serde(
        rename = "namePrefix",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub name_prefix: Option<String>,
    #[serde(
        rename = "nameSuffix",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub name_suffix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(
        rename = "phoneticRepresentation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub phonetic_representation: Option<String>,
}

/// One entry of `seats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Seat {
    #[serde(
        rename = "seatSection",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub seat_section: Option<String>,
    #[serde(rename = "seatRow", default, skip_serializing_if = "Option::is_none")]
    pub seat_row: Option<String>,
    #[serde(
        rename = "seatNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub seat_number: Option<String>,
    #[serde(
        rename = "seatIdentifier",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub seat_identifier: Option<String>,
    #[serde(rename = "seatType", default, skip_serializing_if = "Option::is_none")]
    pub seat_type: Option<String>,
    #[serde(
        rename = "seatDescription",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub seat_description: Option<String>,
    #[serde(rename = "seatAisle", default, skip_serializing_if = "Option::is_none")]
    pub seat_aisle: Option<String>,
    #[serde(rename = "seatLevel", default, skip_serializing_if = "Option::is_none")]
    pub seat_level: Option<String>,
    /// `#rrggbb`.
    #[serde(
        rename = "seatSectionColor",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub seat_section_color: Option<String>,
}

/// One entry of `wifiAccess`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WifiNetwork {
    pub ssid: String,
    pub password: String,
}

/// Apple's semantic tags, by Apple's names. Every tag is optional; which ones a style
/// uses is in Apple's "SemanticTags" reference (event tags on event tickets, transit
/// tags on boarding passes, `balance` on store cards, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Semantics {
    #[serde(
        rename = "admissionLevel",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub admission_level: Option<String>,
    #[serde(
        rename = "admissionLevelAbbreviation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub admission_level_abbreviation: Option<String>,
    #[serde(
        rename = "airlineCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub airline_code: Option<String>,
    #[serde(rename = "artistIDs", default, skip_serializing_if = "Option::is_none")]
    pub artist_ids: Option<Vec<String>>,
    #[serde(rename = "albumIDs", default, skip_serializing_if = "Option::is_none")]
    pub album_ids: Option<Vec<String>>,
    #[serde(
        rename = "attendeeName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub attendee_name: Option<String>,
    #[serde(
        rename = "awayTeamAbbreviation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub away_team_abbreviation: Option<String>,
    #[serde(
        rename = "awayTeamLocation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub away_team_location: Option<String>,
    #[serde(
        rename = "awayTeamName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub away_team_name: Option<String>,
    #[serde(
        rename = "additionalTicketAttributes",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub additional_ticket_attributes: Option<String>,
    #[serde(rename = "balance", default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<CurrencyAmount>,
    #[serde(
        rename = "boardingGroup",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub boarding_group: Option<String>,
    #[serde(
        rename = "boardingSequenceNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub boarding_sequence_number: Option<String>,
    #[serde(
        rename = "boardingZone",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub boarding_zone: Option<String>,
    #[serde(rename = "carNumber", default, skip_serializing_if = "Option::is_none")]
    pub car_number: Option<String>,
    #[serde(
        rename = "confirmationNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub confirmation_number: Option<String>,
    #[serde(
        rename = "currentArrivalDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub current_arrival_date: Option<String>,
    #[serde(
        rename = "currentBoardingDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub current_boarding_date: Option<String>,
    #[serde(
        rename = "currentDepartureDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub current_departure_date: Option<String>,
    #[serde(
        rename = "departureAirportCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub departure_airport_code: Option<String>,
    #[serde(
        rename = "departureAirportName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub departure_airport_name: Option<String>,
    #[serde(
        rename = "departureCityName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub departure_city_name: Option<String>,
    #[serde(
        rename = "departureGate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub departure_gate: Option<String>,
    #[serde(
        rename = "departureLocation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub departure_location: Option<SemanticLocation>,
    #[serde(
        rename = "departureLocationDescription",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub departure_location_description: Option<String>,
    #[serde(
        rename = "departurePlatform",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub departure_platform: Option<String>,
    #[serde(
        rename = "departureStationName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub departure_station_name: Option<String>,
    #[serde(
        rename = "departureTerminal",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub departure_terminal: Option<String>,
    #[serde(
        rename = "departureLocationSecurityPrograms",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub departure_location_security_programs: Option<Vec<String>>,
    #[serde(
        rename = "departureLocationTimeZone",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub departure_location_time_zone: Option<String>,
    #[serde(
        rename = "destinationAirportCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_airport_code: Option<String>,
    #[serde(
        rename = "destinationAirportName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_airport_name: Option<String>,
    #[serde(
        rename = "destinationCityName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_city_name: Option<String>,
    #[serde(
        rename = "destinationGate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_gate: Option<String>,
    #[serde(
        rename = "destinationLocation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_location: Option<SemanticLocation>,
    #[serde(
        rename = "destinationLocationDescription",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_location_description: Option<String>,
    #[serde(
        rename = "destinationPlatform",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_platform: Option<String>,
    #[serde(
        rename = "destinationStationName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_station_name: Option<String>,
    #[serde(
        rename = "destinationTerminal",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_terminal: Option<String>,
    #[serde(
        rename = "destinationLocationSecurityPrograms",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_location_security_programs: Option<Vec<String>>,
    #[serde(
        rename = "destinationLocationTimeZone",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_location_time_zone: Option<String>,
    #[serde(rename = "duration", default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    #[serde(
        rename = "entranceDescription",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub entrance_description: Option<String>,
    #[serde(
        rename = "eventEndDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub event_end_date: Option<String>,
    #[serde(
        rename = "eventLiveMessage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub event_live_message: Option<String>,
    #[serde(rename = "eventName", default, skip_serializing_if = "Option::is_none")]
    pub event_name: Option<String>,
    #[serde(
        rename = "eventStartDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub event_start_date: Option<String>,
    #[serde(
        rename = "eventStartDateInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub event_start_date_info: Option<EventDateInfo>,
    #[serde(rename = "eventType", default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    #[serde(
        rename = "flightCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub flight_code: Option<String>,
    #[serde(
        rename = "flightNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub flight_number: Option<f64>,
    #[serde(rename = "genre", default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    #[serde(
        rename = "homeTeamAbbreviation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub home_team_abbreviation: Option<String>,
    #[serde(
        rename = "homeTeamLocation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub home_team_location: Option<String>,
    #[serde(
        rename = "homeTeamName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub home_team_name: Option<String>,
    #[serde(
        rename = "internationalDocumentsAreVerified",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub international_documents_are_verified: Option<bool>,
    #[serde(
        rename = "internationalDocumentsVerifiedDeclarationName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub international_documents_verified_declaration_name: Option<String>,
    #[serde(
        rename = "leagueAbbreviation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub league_abbreviation: Option<String>,
    #[serde(
        rename = "leagueName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub league_name: Option<String>,
    #[serde(
        rename = "loungePlaceIDs",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub lounge_place_ids: Option<Vec<String>>,
    #[serde(
        rename = "membershipProgramName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub membership_program_name: Option<String>,
    #[serde(
        rename = "membershipProgramNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub membership_program_number: Option<String>,
    #[serde(
        rename = "membershipProgramStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub membership_program_status: Option<String>,
    #[serde(
        rename = "originalArrivalDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub original_arrival_date: Option<String>,
    #[serde(
        rename = "originalBoardingDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub original_boarding_date: Option<String>,
    #[serde(
        rename = "originalDepartureDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub original_departure_date: Option<String>,
    #[serde(
        rename = "passengerName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub passenger_name: Option<PersonName>,
    #[serde(
        rename = "passengerAirlineSSRs",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub passenger_airline_ssrs: Option<Vec<String>>,
    #[serde(
        rename = "passengerCapabilities",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub passenger_capabilities: Option<Vec<String>>,
    #[serde(
        rename = "passengerEligibleSecurityPrograms",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub passenger_eligible_security_programs: Option<Vec<String>>,
    #[serde(
        rename = "passengerInformationSSRs",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub passenger_information_ssrs: Option<Vec<String>>,
    #[serde(
        rename = "passengerServiceSSRs",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub passenger_service_ssrs: Option<Vec<String>>,
    #[serde(
        rename = "performerNames",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub performer_names: Option<Vec<String>>,
    #[serde(
        rename = "priorityStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub priority_status: Option<String>,
    #[serde(
        rename = "playlistIDs",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub playlist_ids: Option<Vec<String>>,
    #[serde(rename = "seats", default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<Vec<Seat>>,
    #[serde(
        rename = "securityScreening",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub security_screening: Option<String>,
    #[serde(
        rename = "silenceRequested",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub silence_requested: Option<bool>,
    #[serde(rename = "sportName", default, skip_serializing_if = "Option::is_none")]
    pub sport_name: Option<String>,
    #[serde(
        rename = "tailgatingAllowed",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub tailgating_allowed: Option<bool>,
    #[serde(
        rename = "ticketFareClass",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ticket_fare_class: Option<String>,
    #[serde(
        rename = "totalPrice",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub total_price: Option<CurrencyAmount>,
    #[serde(
        rename = "transitProvider",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub transit_provider: Option<String>,
    #[serde(
        rename = "transitStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub transit_status: Option<String>,
    #[serde(
        rename = "transitStatusReason",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub transit_status_reason: Option<String>,
    #[serde(
        rename = "vehicleName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub vehicle_name: Option<String>,
    #[serde(
        rename = "vehicleNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub vehicle_number: Option<String>,
    #[serde(
        rename = "vehicleType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub vehicle_type: Option<String>,
    #[serde(
        rename = "venueEntrance",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub venue_entrance: Option<String>,
    #[serde(
        rename = "venueLocation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub venue_location: Option<SemanticLocation>,
    #[serde(
        rename = "venueGatesOpenDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub venue_gates_open_date: Option<String>,
    #[serde(rename = "venueName", default, skip_serializing_if = "Option::is_none")]
    pub venue_name: Option<String>,
    #[serde(
        rename = "venueParkingLotsOpenDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub venue_parking_lots_open_date: Option<String>,
    #[serde(
        rename = "venueBoxOfficeOpenDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub venue_box_office_open_date: Option<String>,
    #[serde(
        rename = "venueDoorsOpenDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub venue_doors_open_date: Option<String>,
    #[serde(
        rename = "venueFanZoneOpenDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub venue_fan_zone_open_date: Option<String>,
    #[serde(
        rename = "venueOpenDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub venue_open_date: Option<String>,
    #[serde(
        rename = "venueCloseDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub venue_close_date: Option<String>,
    #[serde(
        rename = "venuePhoneNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub venue_phone_number: Option<String>,
    #[serde(rename = "venueRoom", default, skip_serializing_if = "Option::is_none")]
    pub venue_room: Option<String>,
    #[serde(
        rename = "venueRegionName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub venue_region_name: Option<String>,
    #[serde(
        rename = "venueEntranceGate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub venue_entrance_gate: Option<String>,
    #[serde(
        rename = "venueEntranceDoor",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub venue_entrance_door: Option<String>,
    #[serde(
        rename = "venueEntrancePortal",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub venue_entrance_portal: Option<String>,
    #[serde(
        rename = "wifiAccess",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub wifi_access: Option<Vec<WifiNetwork>>,
}

impl Semantics {
    /// Whether no tag is set.
    pub fn is_empty(&self) -> bool {
        *self == Semantics::default()
    }
}

/// `eventType` values.
pub const EVENT_TYPES: &[&str] = &[
    "PKEventTypeGeneric",
    "PKEventTypeMovie",
    "PKEventTypeConference",
    "PKEventTypeConvention",
    "PKEventTypeWorkshop",
    "PKEventTypeSocialGathering",
    "PKEventTypeSports",
    "PKEventTypeLivePerformance",
];

/// Values of the `…SecurityPrograms` tags.
pub const SECURITY_PROGRAMS: &[&str] = &[
    "PKTransitSecurityProgramTSAPreCheck",
    "PKTransitSecurityProgramTSAPreCheckTouchlessID",
    "PKTransitSecurityProgramOSS",
    "PKTransitSecurityProgramITI",
    "PKTransitSecurityProgramITD",
    "PKTransitSecurityProgramGlobalEntry",
    "PKTransitSecurityProgramCLEAR",
];

/// Values of `passengerCapabilities`.
pub const PASSENGER_CAPABILITIES: &[&str] = &[
    "PKPassengerCapabilityPreboarding",
    "PKPassengerCapabilityPriorityBoarding",
    "PKPassengerCapabilityCarryon",
    "PKPassengerCapabilityPersonalItem",
    "PKPassengerCapabilityLapInfant",
];

/// One problem found by [`check`]: the attribute path (`apple.semantics.venueName`) and
/// a message that says what to change.
pub type Problem = (String, String);

/// Checks the options in effect for a pass of `style` with its `transit` type (boarding
/// passes; `semanticBoardingPass` needs air). Every problem is reported, each under its
/// path. The server (campaigns and passes, at write time) and the pass builder (before
/// signing) call this one function.
pub fn check(style: PassType, transit: Option<TransitType>, o: &AppleOptions) -> Vec<Problem> {
    let air = transit == Some(TransitType::Air);
    let mut p = Vec::new();
    let mut add = |path: &str, msg: String| p.push((format!("apple.{path}"), msg));
    let mut seen = Vec::new();
    for s in &o.preferred_style_schemes {
        if s.style() != style {
            add(
                "preferred_style_schemes",
                format!("{} is only for {} passes", s.as_str(), s.style().as_str()),
            );
        } else if *s == StyleScheme::SemanticBoardingPass && !air {
            add(
                "preferred_style_schemes",
                "semanticBoardingPass needs transit_type air".into(),
            );
        }
        if seen.contains(s) {
            add(
                "preferred_style_schemes",
                format!("{} is listed twice", s.as_str()),
            );
        }
        seen.push(*s);
    }
    let poster_only = [
        ("event_logo_text", o.event_logo_text.is_some()),
        (
            "footer_background_color",
            o.footer_background_color.is_some(),
        ),
        ("use_automatic_colors", o.use_automatic_colors.is_some()),
        (
            "suppress_header_darkening",
            o.suppress_header_darkening.is_some(),
        ),
    ];
    for (key, set) in poster_only {
        if set && style != PassType::EventTicket {
            add(key, "is only for event tickets".into());
        }
    }
    if let Some(t) = &o.event_logo_text {
        check_text(&mut add, "event_logo_text", t);
    }
    if let Some(c) = &o.footer_background_color {
        if !is_hex_color(c) {
            add(
                "footer_background_color",
                "must be a colour like #1a2b3c".into(),
            );
        }
    }
    if let Some(g) = &o.grouping_identifier {
        if !matches!(style, PassType::EventTicket | PassType::BoardingPass) {
            add(
                "grouping_identifier",
                "is only for event tickets and boarding passes".into(),
            );
        }
        check_text(&mut add, "grouping_identifier", g);
    }
    if let Some(u) = &o.app_launch_url {
        if let Err(e) = check_url(u) {
            add("app_launch_url", e);
        }
    }
    if o.relevant_dates.len() > MAX_RELEVANT_DATES {
        add(
            "relevant_dates",
            format!("can't hold more than {MAX_RELEVANT_DATES} intervals"),
        );
    }
    for (i, r) in o.relevant_dates.iter().enumerate() {
        let at = |k: &str| format!("relevant_dates[{i}].{k}");
        if let Some(d) = &r.date {
            if epoch_seconds(d).is_none() {
                add(&at("date"), DATE_MSG.into());
            }
            if r.start_date.is_some() || r.end_date.is_some() {
                add(
                    &at("date"),
                    "give either date (a moment, iOS 26) or start_date and end_date (an interval), not both"
                        .into(),
                );
            }
            continue;
        }
        let (Some(start), Some(end)) = (&r.start_date, &r.end_date) else {
            let missing = if r.start_date.is_none() {
                "start_date"
            } else {
                "end_date"
            };
            add(
                &at(missing),
                "is required: give start_date and end_date (an interval), or date alone (a moment, iOS 26)"
                    .into(),
            );
            continue;
        };
        let start = epoch_seconds(start);
        let end = epoch_seconds(end);
        if start.is_none() {
            add(&format!("relevant_dates[{i}].start_date"), DATE_MSG.into());
        }
        if end.is_none() {
            add(&format!("relevant_dates[{i}].end_date"), DATE_MSG.into());
        }
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                add(
                    &format!("relevant_dates[{i}].end_date"),
                    "must be after start_date".into(),
                );
            } else if e - s > MAX_INTERVAL_SECONDS {
                add(
                    &format!("relevant_dates[{i}].end_date"),
                    "must be at most 24 hours after start_date (Wallet ignores longer intervals)"
                        .into(),
                );
            }
        }
    }
    for (key, value) in o.urls.entries() {
        let path = format!("urls.{}", key.api);
        if key.style != style {
            add(&path, format!("is only for {} passes", key.style.as_str()));
        }
        let result = match key.kind {
            UrlKind::Url => check_url(value),
            UrlKind::Email => check_email(value),
            UrlKind::Phone => check_phone(value),
        };
        if let Err(e) = result {
            add(&path, e);
        }
    }
    let generic_poster_style = matches!(
        style,
        PassType::Coupon | PassType::StoreCard | PassType::Generic
    );
    for (slot, _) in o.images.entries() {
        let path = slot.slot_attribute().trim_start_matches("apple.");
        if style == PassType::EventTicket {
            if !o.is_poster() {
                add(
                    path,
                    "is shown only on poster event tickets: add posterEventTicket to preferred_style_schemes"
                        .into(),
                );
            }
        } else if generic_poster_style && slot != AssetType::SecondaryLogo {
            if o.poster_generic.is_none() {
                add(
                    path,
                    "is shown only on poster passes: set poster_generic (iOS 27)".into(),
                );
            }
        } else {
            add(
                path,
                "is not shown on this style (poster event tickets and poster generic passes only)"
                    .into(),
            );
        }
    }
    if let Some(pg) = &o.poster_generic {
        if !generic_poster_style {
            add(
                "poster_generic",
                "is only for coupons, store cards and generic passes".into(),
            );
        }
        if pg.footer_fields.len() > MAX_FOOTER_FIELDS {
            add(
                "poster_generic.footer_fields",
                format!("can't hold more than {MAX_FOOTER_FIELDS} fields"),
            );
        }
        check_fields(&mut add, "poster_generic.footer_fields", &pg.footer_fields);
        check_fields(
            &mut add,
            "poster_generic.additional_info_fields",
            &pg.additional_info_fields,
        );
    }
    if let Some(c) = &o.strip_color {
        if !crate::rules::renders_image(style, AssetType::Strip) {
            add(
                "strip_color",
                "is only for passes with a strip image (coupons, store cards, event tickets)"
                    .into(),
            );
        }
        if !is_hex_color(c) {
            add("strip_color", "must be a colour like #1a2b3c".into());
        }
    }
    if !o.auxiliary_store_identifiers.is_empty() {
        if style != PassType::EventTicket {
            add(
                "auxiliary_store_identifiers",
                "is only for event tickets (Wallet shows them in a poster event ticket's event guide)"
                    .into(),
            );
        } else if !o.is_poster() {
            add(
                "auxiliary_store_identifiers",
                "is shown only on poster event tickets: add posterEventTicket to preferred_style_schemes"
                    .into(),
            );
        }
        if o.auxiliary_store_identifiers.len() > MAX_STORE_IDENTIFIERS {
            add(
                "auxiliary_store_identifiers",
                format!("can't hold more than {MAX_STORE_IDENTIFIERS} App Store ids"),
            );
        }
        for (i, id) in o.auxiliary_store_identifiers.iter().enumerate() {
            if *id <= 0 {
                add(
                    &format!("auxiliary_store_identifiers[{i}]"),
                    format!("must be a positive App Store id (got {id})"),
                );
            }
        }
    }
    if let Some(p) = &o.personalization {
        check_personalization(&mut add, style, o.nfc.is_some(), p);
    }
    check_semantics(&mut add, "semantics", &o.semantics);
    check_upcoming(&mut add, style, &o.upcoming_pass_information);
    if let Some(n) = &o.nfc {
        check_nfc(&mut add, n);
    }
    check_featured_actions(&mut add, &o.featured_actions);
    check_translations(&mut add, &o.translations);
    check_localized_images(&mut add, style, o);
    if o.is_poster() && style == PassType::EventTicket {
        check_poster(&mut add, &o.semantics);
    }
    p
}

/// Most `auxiliary_store_identifiers` (our bound; Apple gives none).
pub const MAX_STORE_IDENTIFIERS: usize = 10;

/// Rewards enrollment: a store card with `nfc` (Apple: "Rewards enrollment is only
/// available for NFC-enabled reward cards"), at least one distinct field, a description
/// and the form's logo (Apple lists `personalizationLogo` among a personalizable pass's
/// files; passkit-generator drops personalization without it).
fn check_personalization(
    add: &mut impl FnMut(&str, String),
    style: PassType,
    nfc: bool,
    p: &Personalization,
) {
    if style != PassType::StoreCard {
        add(
            "personalization",
            "is only for store cards (Apple offers rewards enrollment on NFC-enabled reward cards)"
                .into(),
        );
    } else if !nfc {
        add(
            "personalization",
            "needs apple.nfc: Apple offers rewards enrollment only on NFC-enabled reward cards"
                .into(),
        );
    }
    if p.required_fields.is_empty() {
        add(
            "personalization.required_fields",
            "must name at least one of name, postal_code, email_address, phone_number".into(),
        );
    }
    for (i, f) in p.required_fields.iter().enumerate() {
        if p.required_fields[..i].contains(f) {
            add(
                &format!("personalization.required_fields[{i}]"),
                format!("{} is listed twice", f.apple()),
            );
        }
    }
    if p.description.trim().is_empty() {
        add(
            "personalization.description",
            "is required: Wallet shows it under the logo of the sign-up form".into(),
        );
    }
    for (key, v) in [
        ("description", Some(&p.description)),
        ("terms_and_conditions", p.terms_and_conditions.as_ref()),
    ] {
        if v.is_some_and(|v| v.chars().count() > MAX_TRANSLATION) {
            add(
                &format!("personalization.{key}"),
                format!("is longer than {MAX_TRANSLATION} characters"),
            );
        }
    }
    if p.logo_id.is_none() {
        add(
            "personalization.logo_id",
            "is required: upload the sign-up form's logo as an asset of type personalization_logo (150×40 pt) and name it here"
                .into(),
        );
    }
}

const DATE_MSG: &str =
    "must be an ISO 8601 date and time with a time zone, e.g. 2026-12-01T19:00:00+01:00";

/// What a poster event ticket needs beyond the classic one (Wallet otherwise shows the
/// classic layout, silently).
fn check_poster(add: &mut impl FnMut(&str, String), s: &Semantics) {
    if s.venue_name.is_none() && s.venue_region_name.is_none() && s.venue_room.is_none() {
        add(
            "semantics.venueName",
            "a poster event ticket needs venueName, venueRegionName or venueRoom".into(),
        );
    }
    if s.event_name.is_none() {
        add(
            "semantics.eventName",
            "a poster event ticket needs eventName".into(),
        );
    }
    match s.event_type.as_deref() {
        Some("PKEventTypeSports") => {
            if s.home_team_abbreviation.is_none() {
                add(
                    "semantics.homeTeamAbbreviation",
                    "a poster sports ticket needs homeTeamAbbreviation".into(),
                );
            }
            if s.away_team_abbreviation.is_none() {
                add(
                    "semantics.awayTeamAbbreviation",
                    "a poster sports ticket needs awayTeamAbbreviation".into(),
                );
            }
        }
        Some("PKEventTypeLivePerformance")
            if s.performer_names.as_ref().is_none_or(|n| n.is_empty()) =>
        {
            add(
                "semantics.performerNames",
                "a poster live-performance ticket needs performerNames".into(),
            );
        }
        _ => {}
    }
}

/// Checks every tag by its kind: dates, enumerations, codes, colours, lengths.
fn check_semantics(add: &mut impl FnMut(&str, String), prefix: &str, s: &Semantics) {
    let Ok(Value::Object(map)) = serde_json::to_value(s) else {
        return;
    };
    for (key, value) in &map {
        let path = format!("{prefix}.{key}");
        if let Value::Array(a) = value {
            if a.len() > MAX_SEMANTIC_ARRAY {
                add(
                    &path,
                    format!(
                        "can't hold more than {MAX_SEMANTIC_ARRAY} entries (it has {})",
                        a.len()
                    ),
                );
                continue;
            }
        }
        walk_strings(value, &mut |v| {
            if v.chars().count() > MAX_STRING {
                add(
                    &path,
                    format!("is too long (maximum is {MAX_STRING} characters)"),
                );
            }
        });
        let upper = |v: &str, n: usize| v.len() == n && v.bytes().all(|b| b.is_ascii_uppercase());
        match (key.as_str(), value) {
            (k, Value::String(v)) if k.ends_with("Date") && epoch_seconds(v).is_none() => {
                add(&path, DATE_MSG.into());
            }
            ("eventType", Value::String(v)) if !EVENT_TYPES.contains(&v.as_str()) => {
                add(&path, format!("must be one of {}", EVENT_TYPES.join(", ")));
            }
            ("departureAirportCode" | "destinationAirportCode", Value::String(v))
                if !upper(v, 3) =>
            {
                add(
                    &path,
                    "must be a three-letter IATA airport code, e.g. LIS".into(),
                );
            }
            ("airlineCode", Value::String(v))
                if !(2..=3).contains(&v.len()) || !v.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                add(
                    &path,
                    "must be a two- or three-character airline code, e.g. TP".into(),
                );
            }
            ("balance" | "totalPrice", Value::Object(m)) => {
                if let Some(Value::String(c)) = m.get("currencyCode") {
                    if !upper(c, 3) {
                        add(
                            &path,
                            "currencyCode must be an ISO 4217 code, e.g. EUR".into(),
                        );
                    }
                }
                if let Some(Value::String(a)) = m.get("amount") {
                    if a.parse::<f64>().is_err() {
                        add(
                            &path,
                            "amount must be a decimal number as a string, e.g. \"12.50\"".into(),
                        );
                    }
                }
            }
            ("venueLocation" | "departureLocation" | "destinationLocation", Value::Object(m)) => {
                let lat = m.get("latitude").and_then(Value::as_f64).unwrap_or(0.0);
                let lon = m.get("longitude").and_then(Value::as_f64).unwrap_or(0.0);
                if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                    add(
                        &path,
                        "latitude must be within ±90 and longitude within ±180".into(),
                    );
                }
            }
            ("eventStartDateInfo", Value::Object(m)) => {
                if let Some(Value::String(d)) = m.get("date") {
                    if epoch_seconds(d).is_none() {
                        add(&path, format!("date {DATE_MSG}"));
                    }
                }
            }
            (
                "departureLocationSecurityPrograms"
                | "destinationLocationSecurityPrograms"
                | "passengerEligibleSecurityPrograms",
                Value::Array(a),
            ) => {
                check_members(add, &path, a, SECURITY_PROGRAMS);
            }
            ("passengerCapabilities", Value::Array(a)) => {
                check_members(add, &path, a, PASSENGER_CAPABILITIES);
            }
            ("seats", Value::Array(a)) => {
                for (i, seat) in a.iter().enumerate() {
                    if let Some(Value::String(c)) = seat.get("seatSectionColor") {
                        if !is_hex_color(c) {
                            add(
                                &format!("{path}[{i}].seatSectionColor"),
                                "must be a colour like #1a2b3c".into(),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// `upcoming_pass_information`: event tickets only, bounded, unique identifiers, names,
/// dates, event URLs, tags, fields.
fn check_upcoming(add: &mut impl FnMut(&str, String), style: PassType, entries: &[UpcomingEntry]) {
    if entries.is_empty() {
        return;
    }
    if style != PassType::EventTicket {
        add(
            "upcoming_pass_information",
            "is only for event tickets (Apple's upcoming entries are events)".into(),
        );
        return;
    }
    if entries.len() > MAX_UPCOMING {
        add(
            "upcoming_pass_information",
            format!("can't hold more than {MAX_UPCOMING} entries"),
        );
        return;
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let at = format!("upcoming_pass_information[{i}]");
        check_text(add, &format!("{at}.identifier"), &e.identifier);
        if seen.contains(&e.identifier.as_str()) {
            add(
                &format!("{at}.identifier"),
                format!(
                    "{:?} is used by an earlier entry; identifiers must be unique",
                    e.identifier
                ),
            );
        }
        seen.push(&e.identifier);
        check_text(add, &format!("{at}.name"), &e.name);
        if let Some(d) = &e.date_information {
            if let Some(date) = &d.date {
                if epoch_seconds(date).is_none() {
                    add(&format!("{at}.date_information.date"), DATE_MSG.into());
                }
            }
            if let Some(tz) = &d.time_zone {
                let ok = !tz.is_empty()
                    && tz.len() <= 64
                    && tz
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c));
                if !ok {
                    add(
                        &format!("{at}.date_information.time_zone"),
                        "must be an IANA time zone name, e.g. Europe/Lisbon".into(),
                    );
                }
            }
        }
        for (key, value) in e.urls.entries() {
            let path = format!("{at}.urls.{}", key.api);
            if key.style != PassType::EventTicket {
                add(
                    &path,
                    "is not an event-guide URL (upcoming entries are events)".into(),
                );
            }
            let result = match key.kind {
                UrlKind::Url => check_url(value),
                UrlKind::Email => check_email(value),
                UrlKind::Phone => check_phone(value),
            };
            if let Err(m) = result {
                add(&path, m);
            }
        }
        check_semantics(add, &format!("{at}.semantics"), &e.semantics);
        check_fields(add, &format!("{at}.back_fields"), &e.back_fields);
        check_fields(
            add,
            &format!("{at}.additional_info_fields"),
            &e.additional_info_fields,
        );
        for (j, id) in e.auxiliary_store_identifiers.iter().enumerate() {
            if *id <= 0 {
                add(
                    &format!("{at}.auxiliary_store_identifiers[{j}]"),
                    "must be a positive App Store id".into(),
                );
            }
        }
    }
}

/// `translations`: language ids Apple names `.lproj` directories by, bounded counts and
/// lengths, no blank text.
fn check_translations(
    add: &mut impl FnMut(&str, String),
    translations: &BTreeMap<String, BTreeMap<String, String>>,
) {
    if translations.len() > MAX_LANGUAGES {
        add(
            "translations",
            format!("can't hold more than {MAX_LANGUAGES} languages"),
        );
        return;
    }
    for (lang, texts) in translations {
        let at = format!("translations.{lang}");
        if !is_language_id(lang) {
            add(
                &at,
                "is not a language id: use a code such as en, pt-BR or zh-Hans".into(),
            );
            continue;
        }
        if texts.len() > MAX_TRANSLATIONS {
            add(
                &at,
                format!("can't hold more than {MAX_TRANSLATIONS} texts"),
            );
            continue;
        }
        for (text, translation) in texts {
            if text.trim().is_empty() || translation.trim().is_empty() {
                add(&at, "has a blank text or translation".into());
            } else if text.chars().count() > MAX_TRANSLATION
                || translation.chars().count() > MAX_TRANSLATION
            {
                add(
                    &at,
                    format!("has a text longer than {MAX_TRANSLATION} characters"),
                );
            }
        }
    }
}

/// `localized_images`: language ids as for `translations`, at most [`MAX_LANGUAGES`]
/// languages, and each image only in a slot the style shows: the classic slots by the
/// root images' rule ([`crate::rules::renders_image`]), the poster ones where the pass is
/// a poster (as for `images`), and no event-ticket strip beside a background or thumbnail
/// of the same language.
fn check_localized_images(add: &mut impl FnMut(&str, String), style: PassType, o: &AppleOptions) {
    if o.localized_images.len() > MAX_LANGUAGES {
        add(
            "localized_images",
            format!("can't hold more than {MAX_LANGUAGES} languages"),
        );
        return;
    }
    for (lang, images) in &o.localized_images {
        if !is_language_id(lang) {
            add(
                &format!("localized_images.{lang}"),
                "is not a language id: use a code such as en, pt-BR or zh-Hans".into(),
            );
            continue;
        }
        let at = |slot: AssetType| format!("localized_images.{lang}.{}", localized_slot_key(slot));
        for (slot, id) in images.entries() {
            if id.trim().is_empty() {
                add(&at(slot), "must be an asset id".into());
            }
            if !crate::rules::renders_image(style, slot) {
                add(
                    &at(slot),
                    format!("a {slot} image is not shown on {} passes", style.as_str()),
                );
            } else if slot.is_poster() && !o.poster_for(style) {
                add(
                    &at(slot),
                    "is shown only on poster passes (posterEventTicket in preferred_style_schemes, or poster_generic)"
                        .into(),
                );
            }
        }
        if let Some(conflict) =
            crate::rules::event_ticket_strip_conflict(style, |s| images.get(s).is_some())
        {
            for other in conflict.with {
                add(
                    &at(other),
                    format!("an event ticket with a strip image cannot also have a {other} image"),
                );
            }
        }
    }
}

/// Fields of upcoming entries and poster generic passes: bounded, keys unique and set,
/// labels and values of sensible length.
fn check_fields(add: &mut impl FnMut(&str, String), at: &str, fields: &[UpcomingField]) {
    if fields.len() > MAX_UPCOMING_FIELDS {
        add(
            at,
            format!("can't hold more than {MAX_UPCOMING_FIELDS} fields"),
        );
        return;
    }
    let mut keys: Vec<&str> = Vec::new();
    for (j, f) in fields.iter().enumerate() {
        let fp = format!("{at}[{j}]");
        check_text(add, &format!("{fp}.key"), &f.key);
        if keys.contains(&f.key.as_str()) {
            add(&format!("{fp}.key"), "is used twice in this list".into());
        }
        keys.push(&f.key);
        if let Some(l) = &f.label {
            check_text(add, &format!("{fp}.label"), l);
        }
        if f.value.chars().count() > crate::rules::MAX_TEXT {
            add(&format!("{fp}.value"), "is too long".into());
        }
    }
}

/// `nfc`: a message of at most 64 bytes and a P-256 public key in Base64 DER.
fn check_nfc(add: &mut impl FnMut(&str, String), n: &Nfc) {
    if n.message.is_empty() {
        add("nfc.message", "can't be blank".into());
    } else if n.message.len() > MAX_NFC_MESSAGE_BYTES {
        add(
            "nfc.message",
            format!(
                "is {} bytes; Wallet sends at most {MAX_NFC_MESSAGE_BYTES} (it would cut the rest)",
                n.message.len()
            ),
        );
    }
    if !is_p256_public_key(&n.encryption_public_key) {
        add(
            "nfc.encryption_public_key",
            "must be the Base64 body (without the BEGIN/END lines) of an X.509 \
             SubjectPublicKeyInfo holding an EC P-256 public key"
                .into(),
        );
    }
}

/// `featured_actions`: at most two, unique identifiers, Apple's types, URLs.
fn check_featured_actions(add: &mut impl FnMut(&str, String), actions: &[FeaturedAction]) {
    if actions.len() > MAX_FEATURED_ACTIONS {
        add(
            "featured_actions",
            format!("can't hold more than {MAX_FEATURED_ACTIONS} actions (Wallet shows two)"),
        );
        return;
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, a) in actions.iter().enumerate() {
        let at = format!("featured_actions[{i}]");
        check_text(add, &format!("{at}.identifier"), &a.identifier);
        if seen.contains(&a.identifier.as_str()) {
            add(&format!("{at}.identifier"), "is used twice".into());
        }
        seen.push(&a.identifier);
        if !FEATURED_ACTION_TYPES.contains(&a.action_type.as_str()) {
            add(
                &format!("{at}.type"),
                format!("must be one of {}", FEATURED_ACTION_TYPES.join(", ")),
            );
        }
        let url = if a.action_type == "call" {
            match a.url.strip_prefix("tel:") {
                Some(number) => check_phone(number),
                None => check_url(&a.url),
            }
        } else {
            check_url(&a.url)
        };
        if let Err(m) = url {
            add(&format!("{at}.url"), m);
        }
    }
}

/// Whether `b64` is the Base64 DER of a SubjectPublicKeyInfo whose algorithm is
/// id-ecPublicKey on prime256v1 (P-256), with an uncompressed (65-byte) or compressed
/// (33-byte) point.
pub fn is_p256_public_key(b64: &str) -> bool {
    // SEQUENCE { SEQUENCE { OID 1.2.840.10045.2.1, OID 1.2.840.10045.3.1.7 }, BIT STRING }
    const ALGORITHM: [u8; 21] = [
        0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86,
        0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
    ];
    let compact: String = b64.split_whitespace().collect();
    let Some(der) = base64_decode(&compact) else {
        return false;
    };
    let (point_len, first) = match der.len() {
        91 => (65, [0x04].as_slice()),
        59 => (33, [0x02, 0x03].as_slice()),
        _ => return false,
    };
    der[0] == 0x30
        && der[1] as usize == der.len() - 2
        && der[2..23] == ALGORITHM
        && der[23] == 0x03
        && der[24] as usize == point_len + 1
        && der[25] == 0x00
        && first.contains(&der[26])
}

/// Standard Base64 (with or without padding); `None` when it is not.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (s.len() % 4 != 1).then_some(out)
}

fn check_members(
    add: &mut impl FnMut(&str, String),
    path: &str,
    values: &[Value],
    allowed: &[&str],
) {
    for v in values {
        let s = v.as_str().unwrap_or_default();
        if !allowed.contains(&s) {
            add(path, format!("{s:?} is not one of {}", allowed.join(", ")));
        }
    }
}

fn walk_strings(v: &Value, f: &mut impl FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| walk_strings(x, f)),
        Value::Object(m) => m.values().for_each(|x| walk_strings(x, f)),
        _ => {}
    }
}

fn check_text(add: &mut impl FnMut(&str, String), key: &str, v: &str) {
    if v.trim().is_empty() {
        add(key, "can't be blank (use null to remove it)".into());
    } else if v.chars().count() > MAX_STRING {
        add(
            key,
            format!("is too long (maximum is {MAX_STRING} characters)"),
        );
    }
}

fn check_url(v: &str) -> Result<(), String> {
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"));
    match rest {
        _ if v.len() > MAX_URL => Err(format!("is too long (maximum is {MAX_URL} characters)")),
        Some(host)
            if !host.is_empty() && !v.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(())
        }
        _ => Err("must be an http or https URL".into()),
    }
}

fn check_email(v: &str) -> Result<(), String> {
    match v.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !v.chars().any(|c| c.is_whitespace() || c.is_control())
                && v.len() <= MAX_STRING =>
        {
            Ok(())
        }
        _ => Err("must be an e-mail address".into()),
    }
}

fn check_phone(v: &str) -> Result<(), String> {
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let allowed = v
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if allowed && (3..=20).contains(&digits) {
        Ok(())
    } else {
        Err("must be a telephone number, e.g. +351 210 000 000".into())
    }
}

/// Seconds since the epoch of an ISO 8601 date-time with a time zone
/// (`YYYY-MM-DDTHH:MM[:SS[.frac]](Z|±HH:MM)`), or `None` when it is not one.
pub fn epoch_seconds(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 17 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    let (y, mo, d, h, mi) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
    );
    let mut i = 16;
    let mut sec = 0;
    if b.get(i) == Some(&b':') {
        sec = num(i + 1..i + 3)?;
        i += 3;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return None;
            }
        }
    }
    let offset = match b.get(i) {
        Some(b'Z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let m = num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60;
            if *sign == b'+' {
                m
            } else {
                -m
            }
        }
        _ => return None,
    };
    let days_in_month = [
        31,
        if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) {
            29
        } else {
            28
        },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&mo)
        || d < 1
        || d > days_in_month[(mo - 1) as usize]
        || h > 23
        || mi > 59
        || sec > 60
    {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let (y2, m2) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn options(v: Value) -> AppleOptions {
        serde_json::from_value(v).unwrap()
    }

    fn paths(p: &[Problem]) -> Vec<&str> {
        p.iter().map(|(a, _)| a.as_str()).collect()
    }

    #[test]
    fn epoch_seconds_reads_offsets_and_refuses_dates_without_a_zone() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch_seconds("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(epoch_seconds("2026-12-01T19:00Z"), Some(1_796_151_600));
        assert_eq!(
            epoch_seconds("2024-02-29T00:00:00.123Z"),
            Some(1_709_164_800)
        );
        assert_eq!(epoch_seconds("2026-12-01T19:00:00"), None);
        assert_eq!(epoch_seconds("2025-02-29T00:00:00Z"), None);
        assert_eq!(epoch_seconds("tomorrow"), None);
    }

    #[test]
    fn a_poster_ticket_needs_a_venue_and_an_event_name() {
        let o = options(json!({"preferred_style_schemes": ["posterEventTicket", "eventTicket"]}));
        let p = check(PassType::EventTicket, None, &o);
        assert_eq!(
            paths(&p),
            ["apple.semantics.venueName", "apple.semantics.eventName"]
        );
        let o = options(json!({
            "preferred_style_schemes": ["posterEventTicket", "eventTicket"],
            "semantics": {"venueRoom": "Hall B", "eventName": "Spring gala"}
        }));
        assert!(check(PassType::EventTicket, None, &o).is_empty());
    }

    #[test]
    fn poster_sports_need_team_abbreviations_and_live_shows_performers() {
        let base = json!({"venueName": "Estádio", "eventName": "Derby"});
        let mut sports = base.clone();
        sports["eventType"] = json!("PKEventTypeSports");
        let o =
            options(json!({"preferred_style_schemes": ["posterEventTicket"], "semantics": sports}));
        assert_eq!(
            paths(&check(PassType::EventTicket, None, &o)),
            [
                "apple.semantics.homeTeamAbbreviation",
                "apple.semantics.awayTeamAbbreviation"
            ]
        );
        let mut live = base;
        live["eventType"] = json!("PKEventTypeLivePerformance");
        live["performerNames"] = json!([]);
        let o =
            options(json!({"preferred_style_schemes": ["posterEventTicket"], "semantics": live}));
        assert_eq!(
            paths(&check(PassType::EventTicket, None, &o)),
            ["apple.semantics.performerNames"]
        );
    }

    #[test]
    fn schemes_urls_and_poster_keys_belong_to_their_style() {
        let o = options(json!({
            "preferred_style_schemes": ["posterEventTicket", "semanticBoardingPass"],
            "event_logo_text": "Gala",
            "urls": {"bag_policy_url": "https://example.com/bags", "upgrade_url": "https://example.com/up"}
        }));
        let p = check(PassType::BoardingPass, Some(TransitType::Air), &o);
        assert_eq!(
            paths(&p),
            [
                "apple.preferred_style_schemes",
                "apple.event_logo_text",
                "apple.urls.bag_policy_url"
            ]
        );
        let o = options(json!({"preferred_style_schemes": ["semanticBoardingPass"]}));
        assert_eq!(
            check(PassType::BoardingPass, Some(TransitType::Train), &o)[0].1,
            "semanticBoardingPass needs transit_type air"
        );
    }

    #[test]
    fn a_relevance_interval_spans_at_most_a_day() {
        let o = options(json!({"relevant_dates": [
            {"start_date": "2026-12-01T18:00:00+01:00", "end_date": "2026-12-01T23:30:00+01:00"},
            {"start_date": "2026-12-01T18:00:00Z", "end_date": "2026-12-02T18:00:01Z"},
            {"start_date": "2026-12-01T18:00:00Z", "end_date": "2026-12-01T17:00:00Z"},
            {"start_date": "soon", "end_date": "2026-12-01T17:00:00Z"}
        ]}));
        let p = check(PassType::EventTicket, None, &o);
        assert_eq!(
            paths(&p),
            [
                "apple.relevant_dates[1].end_date",
                "apple.relevant_dates[2].end_date",
                "apple.relevant_dates[3].start_date"
            ]
        );
    }

    #[test]
    fn semantic_tags_are_checked_by_kind() {
        let o = options(json!({"semantics": {
            "eventStartDate": "2026-12-01 19:00",
            "eventType": "PKEventTypeParty",
            "departureAirportCode": "lisbon",
            "balance": {"amount": "ten", "currencyCode": "euro"},
            "seats": [{"seatSectionColor": "red"}],
            "passengerCapabilities": ["PKPassengerCapabilityCarryon", "Lounge"],
            "venueLocation": {"latitude": 91.0, "longitude": 0.0}
        }}));
        let p = check(PassType::EventTicket, None, &o);
        let mut got = paths(&p);
        got.sort();
        assert_eq!(
            got,
            [
                "apple.semantics.balance",
                "apple.semantics.balance",
                "apple.semantics.departureAirportCode",
                "apple.semantics.eventStartDate",
                "apple.semantics.eventType",
                "apple.semantics.passengerCapabilities",
                "apple.semantics.seats[0].seatSectionColor",
                "apple.semantics.venueLocation",
            ]
        );
    }

    #[test]
    fn urls_are_checked_by_kind() {
        let o = options(json!({"urls": {
            "parking_information_url": "javascript:alert(1)",
            "contact_venue_email": "box office",
            "contact_venue_phone_number": "call us",
            "merchandise_url": "https://shop.example.com"
        }}));
        let p = check(PassType::EventTicket, None, &o);
        assert_eq!(
            paths(&p),
            [
                "apple.urls.parking_information_url",
                "apple.urls.contact_venue_email",
                "apple.urls.contact_venue_phone_number"
            ]
        );
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let e = serde_json::from_value::<AppleOptions>(json!({"semantics": {"venueNam": "x"}}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("venueNam"), "{e}");
    }

    #[test]
    fn a_pass_overrides_the_campaign_key_by_key() {
        let campaign = options(json!({
            "sharing_prohibited": true,
            "semantics": {"venueName": "Coliseu", "eventName": "Gala"},
            "urls": {"bag_policy_url": "https://example.com/bags"}
        }));
        let pass = options(json!({
            "semantics": {"seats": [{"seatRow": "F", "seatNumber": "12"}], "eventName": "Gala night"}
        }));
        let v = serde_json::to_value(campaign.overlay(&pass)).unwrap();
        assert_eq!(
            v,
            json!({
                "sharing_prohibited": true,
                "semantics": {
                    "venueName": "Coliseu",
                    "eventName": "Gala night",
                    "seats": [{"seatRow": "F", "seatNumber": "12"}]
                },
                "urls": {"bag_policy_url": "https://example.com/bags"}
            })
        );
    }

    #[test]
    fn a_patch_removes_with_null_and_keeps_what_it_does_not_name() {
        let mut base =
            json!({"event_logo_text": "A", "semantics": {"venueName": "X", "eventName": "Y"}});
        merge_json(
            &mut base,
            &json!({"event_logo_text": null, "semantics": {"eventName": null, "venueRoom": "2"}}),
        );
        assert_eq!(
            base,
            json!({"semantics": {"venueName": "X", "venueRoom": "2"}})
        );
    }

    #[test]
    fn patched_merges_clears_with_null_and_keeps_itself_on_a_bad_patch() {
        let base = options(json!({
            "event_logo_text": "A",
            "semantics": {"venueName": "X", "eventName": "Y"},
            "relevant_dates": [{"start_date": "2026-12-01T18:00:00Z", "end_date": "2026-12-01T20:00:00Z"}]
        }));
        let p = base.patched(&json!({
            "event_logo_text": null,
            "semantics": {"eventName": null, "venueRoom": "2"},
            "relevant_dates": []
        }));
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            json!({"semantics": {"venueName": "X", "venueRoom": "2"}})
        );
        assert!(base.patched(&Value::Null).is_empty());
        // Not options (the server refuses such a patch before applying it): unchanged.
        assert_eq!(base.patched(&json!({"semantics": {"venueNam": "x"}})), base);
    }

    #[test]
    fn semantic_arrays_have_a_count_limit() {
        let names: Vec<String> = (0..=MAX_SEMANTIC_ARRAY)
            .map(|i| format!("Act {i}"))
            .collect();
        let seats: Vec<Value> = (0..=MAX_SEMANTIC_ARRAY)
            .map(|i| json!({"seatNumber": i.to_string()}))
            .collect();
        let o = options(json!({"semantics": {
            "performerNames": names,
            "seats": seats,
            "artistIDs": ["1", "2"]
        }}));
        let p = check(PassType::EventTicket, None, &o);
        assert_eq!(
            paths(&p),
            ["apple.semantics.performerNames", "apple.semantics.seats"]
        );
        assert!(p[0].1.contains("more than 50"), "{}", p[0].1);
    }

    #[test]
    fn poster_images_belong_to_poster_event_tickets() {
        let o = options(json!({"images": {"artwork_id": "a", "secondary_logo_id": "s"}}));
        assert_eq!(
            paths(&check(PassType::EventTicket, None, &o)),
            ["apple.images.artwork_id", "apple.images.secondary_logo_id"]
        );
        assert_eq!(
            paths(&check(PassType::Coupon, None, &o)),
            ["apple.images.artwork_id", "apple.images.secondary_logo_id"]
        );
        assert_eq!(
            paths(&check(PassType::BoardingPass, None, &o)),
            ["apple.images.artwork_id", "apple.images.secondary_logo_id"]
        );
        // A poster generic store card shows artwork and a primary logo, not the event
        // ticket's secondary logo.
        let o = options(json!({
            "poster_generic": {"footer_fields": [{"key": "tier", "value": "Gold"}]},
            "images": {"artwork_id": "a", "primary_logo_id": "p", "secondary_logo_id": "s"}
        }));
        assert_eq!(
            paths(&check(PassType::StoreCard, None, &o)),
            ["apple.images.secondary_logo_id"]
        );
        assert_eq!(
            paths(&check(PassType::EventTicket, None, &o)),
            [
                "apple.images.artwork_id",
                "apple.images.primary_logo_id",
                "apple.images.secondary_logo_id",
                "apple.poster_generic"
            ]
        );
        let three = json!({"key": "k", "value": "v"});
        let o = options(
            json!({"poster_generic": {"footer_fields": [three.clone(), three.clone(), three]}}),
        );
        assert_eq!(
            paths(&check(PassType::Generic, None, &o)),
            [
                "apple.poster_generic.footer_fields",
                "apple.poster_generic.footer_fields[1].key",
                "apple.poster_generic.footer_fields[2].key"
            ]
        );
        let o = options(json!({
            "preferred_style_schemes": ["posterEventTicket", "eventTicket"],
            "semantics": {"venueName": "V", "eventName": "E"},
            "images": {"artwork_id": "a", "primary_logo_id": "p"}
        }));
        assert!(check(PassType::EventTicket, None, &o).is_empty());
        assert_eq!(
            o.images.entries(),
            [(AssetType::Artwork, "a"), (AssetType::PrimaryLogo, "p")]
        );
        // A pass replaces one image and keeps the campaign's others.
        let pass = options(json!({"images": {"artwork_id": "b"}}));
        assert_eq!(
            o.overlay(&pass).images.primary_logo_id.as_deref(),
            Some("p")
        );
        assert_eq!(o.overlay(&pass).images.artwork_id.as_deref(), Some("b"));
    }

    const P256: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEnIgRjXgnh6PmjBXKT4UlP0M4oQwm\nBMigYXaJuqg7Ty+pOjkTweVSzHoMoMWH1wmui6YH2S1qs9pOUMJE7tkXng==";
    const P256_COMPRESSED: &str =
        "MDkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDIgAD3GjqPIxUpl1YJNqZuh8utgajamjGZyHu3xSXEDKK4Ao=";
    const P384: &str = "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEtXJQvQ+cW961A3aIE5RHOAVQDH4L5e+vRTX3ezJtlcJtODbxJFXeg8Z63K5ipEX5AEQE4XFxOHQbiGmigK5b2XIlxXOneWaHnjdsEwgMvEw4zeXWHuRxf3ZMbB4i2+TX";

    #[test]
    fn a_relevant_date_is_an_interval_or_a_single_moment() {
        let o = options(json!({"relevant_dates": [
            {"date": "2026-12-01T19:00:00+01:00"},
            {"date": "tomorrow"},
            {"date": "2026-12-01T19:00:00Z", "start_date": "2026-12-01T18:00:00Z"},
            {"start_date": "2026-12-01T18:00:00Z"},
            {}
        ]}));
        let p = check(PassType::Generic, None, &o);
        assert_eq!(
            paths(&p),
            [
                "apple.relevant_dates[1].date",
                "apple.relevant_dates[2].date",
                "apple.relevant_dates[3].end_date",
                "apple.relevant_dates[4].start_date"
            ]
        );
        assert!(p[1].1.contains("not both"), "{}", p[1].1);
        assert!(p[2].1.contains("date alone"), "{}", p[2].1);
    }

    #[test]
    fn strip_colour_auxiliary_store_ids_and_track_bags_belong_to_their_styles() {
        let o = options(json!({"strip_color": "#102030"}));
        assert!(check(PassType::Coupon, None, &o).is_empty());
        let p = check(PassType::BoardingPass, Some(TransitType::Air), &o);
        assert_eq!(paths(&p), ["apple.strip_color"]);
        assert!(p[0].1.contains("strip image"), "{}", p[0].1);
        let bad = options(json!({"strip_color": "red"}));
        assert_eq!(
            check(PassType::StoreCard, None, &bad)[0].1,
            "must be a colour like #1a2b3c"
        );

        let o = options(json!({"auxiliary_store_identifiers": [284882215, 0]}));
        let p = check(PassType::EventTicket, None, &o);
        assert_eq!(
            paths(&p),
            [
                "apple.auxiliary_store_identifiers",
                "apple.auxiliary_store_identifiers[1]"
            ]
        );
        assert!(p[0].1.contains("add posterEventTicket"), "{}", p[0].1);
        let poster = options(json!({
            "preferred_style_schemes": ["posterEventTicket", "eventTicket"],
            "auxiliary_store_identifiers": [284882215],
            "semantics": {"eventName": "Gig", "venueName": "Hall"}
        }));
        let problems = check(PassType::EventTicket, None, &poster);
        assert!(
            !problems.iter().any(|(a, _)| a.contains("localized_images")),
            "{problems:?}"
        );
        assert_eq!(
            paths(&check(
                PassType::Coupon,
                None,
                &options(json!({"auxiliary_store_identifiers": [1]}))
            )),
            ["apple.auxiliary_store_identifiers"]
        );

        let o = options(json!({"urls": {"track_bags_url": "https://example.com/bags"}}));
        assert!(check(PassType::BoardingPass, Some(TransitType::Air), &o).is_empty());
        let p = check(PassType::EventTicket, None, &o);
        assert_eq!(paths(&p), ["apple.urls.track_bags_url"]);
        let key = URL_KEYS.iter().find(|k| k.api == "track_bags_url").unwrap();
        assert_eq!((key.apple, key.min_ios), ("trackBagsURL", "26"));
    }

    #[test]
    fn personalization_is_for_nfc_store_cards_with_fields_a_description_and_a_logo() {
        let nfc = json!({"message": "m", "encryption_public_key": P256});
        let good = json!({
            "required_fields": ["name", "email_address"],
            "description": "Join the club",
            "terms_and_conditions": "<a href=\"https://example.com\">Terms</a>",
            "logo_id": "asset1"
        });
        let o = options(json!({"nfc": nfc, "personalization": good}));
        assert!(check(PassType::StoreCard, None, &o).is_empty());
        assert_eq!(
            o.personalization.as_ref().unwrap().apple_json(),
            json!({
                "requiredPersonalizationFields": [
                    "PKPassPersonalizationFieldName",
                    "PKPassPersonalizationFieldEmailAddress"
                ],
                "description": "Join the club",
                "termsAndConditions": "<a href=\"https://example.com\">Terms</a>"
            })
        );
        let without_nfc = options(json!({"personalization": good}));
        let p = check(PassType::StoreCard, None, &without_nfc);
        assert_eq!(paths(&p), ["apple.personalization"]);
        assert!(p[0].1.contains("needs apple.nfc"), "{}", p[0].1);
        let p = check(PassType::Coupon, None, &o);
        assert_eq!(paths(&p), ["apple.personalization"]);
        assert!(p[0].1.contains("only for store cards"), "{}", p[0].1);
        let bad = options(json!({"nfc": nfc, "personalization": {
            "required_fields": ["name", "name"], "description": " "
        }}));
        let p = check(PassType::StoreCard, None, &bad);
        assert_eq!(
            paths(&p),
            [
                "apple.personalization.required_fields[1]",
                "apple.personalization.description",
                "apple.personalization.logo_id"
            ]
        );
        assert!(p[2].1.contains("personalization_logo"), "{}", p[2].1);
        let none = options(json!({"nfc": nfc, "personalization": {
            "required_fields": [], "description": "d", "logo_id": "a"
        }}));
        assert_eq!(
            paths(&check(PassType::StoreCard, None, &none)),
            ["apple.personalization.required_fields"]
        );
        assert!(
            serde_json::from_value::<AppleOptions>(json!({"personalization": {
                "required_fields": ["shoe_size"], "description": "d"
            }}))
            .is_err()
        );
    }

    #[test]
    fn the_holders_data_is_read_from_apples_keys() {
        let info = PersonalizationInfo::from_apple(&json!({
            "fullName": " Ana Silva ", "givenName": "Ana", "familyName": "Silva",
            "emailAddress": "ana@example.com", "phoneNumber": "+351 912 345 678",
            "postalCode": "1100-148", "ISOCountryCode": "PT", "futureKey": 1
        }))
        .unwrap();
        assert_eq!(info.full_name.as_deref(), Some("Ana Silva"));
        assert_eq!(info.iso_country_code.as_deref(), Some("PT"));
        assert_eq!(info.postal_code.as_deref(), Some("1100-148"));
        assert_eq!(
            PersonalizationInfo::from_apple(&json!({"emailAddress": 5})).unwrap_err(),
            "emailAddress must be a string"
        );
        assert!(
            PersonalizationInfo::from_apple(&json!({"fullName": "x".repeat(256)}))
                .unwrap_err()
                .contains("longer than 255")
        );
        assert!(PersonalizationInfo::from_apple(&json!({"fullName": "a\nb"})).is_err());
        assert!(PersonalizationInfo::from_apple(&json!([])).is_err());
    }

    #[test]
    fn nfc_needs_a_short_message_and_a_p256_key() {
        assert!(is_p256_public_key(P256), "a PEM body with its line break");
        assert!(is_p256_public_key(P256_COMPRESSED));
        assert!(!is_p256_public_key(P384));
        assert!(!is_p256_public_key("PUBLICKEY"));
        let o = options(json!({"nfc": {"message": "x".repeat(65), "encryption_public_key": P384}}));
        let p = check(PassType::StoreCard, None, &o);
        assert_eq!(
            paths(&p),
            ["apple.nfc.message", "apple.nfc.encryption_public_key"]
        );
        assert!(p[0].1.contains("65 bytes"), "{}", p[0].1);
        // 64 bytes of UTF-8 (32 two-byte characters) is the most.
        let o = options(json!({"nfc": {
            "message": "é".repeat(32), "encryption_public_key": P256, "requires_authentication": true
        }}));
        assert!(check(PassType::StoreCard, None, &o).is_empty());
    }

    #[test]
    fn featured_actions_are_two_at_most_with_apples_types() {
        let o = options(json!({"featured_actions": [
            {"identifier": "a", "type": "membershipBenefits", "url": "https://example.com/b"},
            {"identifier": "a", "type": "teleport", "url": "example.com"}
        ]}));
        assert_eq!(
            paths(&check(PassType::Generic, None, &o)),
            [
                "apple.featured_actions[1].identifier",
                "apple.featured_actions[1].type",
                "apple.featured_actions[1].url"
            ]
        );
        let o = options(json!({"featured_actions": [
            {"identifier": "call", "type": "call", "url": "tel:+351210000000"},
            {"identifier": "map", "type": "place", "url": "https://maps.apple.com/?q=Coliseu"}
        ]}));
        assert!(check(PassType::Coupon, None, &o).is_empty());
        let three = json!({"identifier": "x", "type": "shop", "url": "https://example.com"});
        let o = options(json!({"featured_actions": [three.clone(), three.clone(), three]}));
        assert_eq!(
            paths(&check(PassType::Coupon, None, &o)),
            ["apple.featured_actions"]
        );
    }

    #[test]
    fn upcoming_entries_are_events_with_unique_ids_dates_and_event_urls() {
        let entry = json!({
            "identifier": "game-2", "name": "Derby, second leg",
            "date_information": {"date": "2026-12-08T20:00:00+00:00", "time_zone": "Europe/Lisbon"},
            "urls": {"parking_information_url": "https://example.com/p"},
            "semantics": {"venueName": "Estádio", "eventType": "PKEventTypeSports"},
            "images": {"header_image_id": "h", "venue_map_id": "m"},
            "back_fields": [{"key": "gate", "label": "Gate", "value": "7"}]
        });
        let o = options(json!({"upcoming_pass_information": [entry.clone()]}));
        assert!(check(PassType::EventTicket, None, &o).is_empty());
        assert_eq!(
            paths(&check(PassType::StoreCard, None, &o)),
            ["apple.upcoming_pass_information"]
        );
        let mut bad = entry.clone();
        bad["date_information"]["date"] = json!("next week");
        bad["urls"] = json!({"upgrade_url": "https://example.com/u"});
        bad["semantics"]["eventType"] = json!("PKEventTypeRodeo");
        bad["back_fields"] = json!([{"key": "k", "value": "1"}, {"key": "k", "value": "2"}]);
        let o = options(json!({"upcoming_pass_information": [entry, bad]}));
        assert_eq!(
            paths(&check(PassType::EventTicket, None, &o)),
            [
                "apple.upcoming_pass_information[1].identifier",
                "apple.upcoming_pass_information[1].date_information.date",
                "apple.upcoming_pass_information[1].urls.upgrade_url",
                "apple.upcoming_pass_information[1].semantics.eventType",
                "apple.upcoming_pass_information[1].back_fields[1].key",
            ]
        );
    }

    #[test]
    fn translations_merge_by_language_and_text_and_name_their_language() {
        let campaign = options(json!({"translations": {
            "pt": {"Gate": "Porta", "Seat": "Lugar"},
            "fr": {"Gate": "Porte"}
        }}));
        let pass = options(json!({"translations": {"pt": {"Seat": "Assento", "Row": "Fila"}}}));
        let t = campaign.overlay(&pass).translations;
        assert_eq!(t["pt"]["Gate"], "Porta");
        assert_eq!(t["pt"]["Seat"], "Assento");
        assert_eq!(t["pt"]["Row"], "Fila");
        assert_eq!(t["fr"]["Gate"], "Porte");
        let p = campaign.patched(&json!({"translations": {"fr": null, "pt": {"Seat": null}}}));
        assert_eq!(
            serde_json::to_value(&p.translations).unwrap(),
            json!({"pt": {"Gate": "Porta"}})
        );
        for ok in ["en", "pt-BR", "zh-Hans", "zh-Hant-TW", "es-419"] {
            assert!(is_language_id(ok), "{ok}");
        }
        for bad in ["EN", "english", "pt_BR", "", "../x", "pt-"] {
            assert!(!is_language_id(bad), "{bad}");
        }
        let o = options(json!({"translations": {"pt_BR": {"a": "b"}, "de": {"Gate": " "}}}));
        assert_eq!(
            paths(&check(PassType::Coupon, None, &o)),
            ["apple.translations.de", "apple.translations.pt_BR"]
        );
    }

    #[test]
    fn localized_images_merge_by_language_and_slot() {
        let campaign = options(json!({"localized_images": {
            "fr": {"logo_id": "cf", "strip_id": "cs"},
            "de": {"logo_id": "cd"}
        }}));
        let pass = options(
            json!({"localized_images": {"fr": {"strip_id": "ps"}, "it": {"logo_id": "pi"}}}),
        );
        let merged = campaign.overlay(&pass);
        assert_eq!(
            merged.localized_image_refs(),
            [
                ("de", AssetType::Logo, "cd"),
                ("fr", AssetType::Logo, "cf"),
                ("fr", AssetType::Strip, "ps"),
                ("it", AssetType::Logo, "pi"),
            ]
        );
        // `null` removes a language or a slot; a language left without images goes.
        let p =
            campaign.patched(&json!({"localized_images": {"de": null, "fr": {"logo_id": null}}}));
        assert_eq!(
            serde_json::to_value(&p.localized_images).unwrap(),
            json!({"fr": {"strip_id": "cs"}})
        );
        let p = p.patched(&json!({"localized_images": {"fr": {"strip_id": null}}}));
        assert!(p.localized_images.is_empty());
        // A diff patch goes language by language, slot by slot.
        let original = serde_json::to_value(&campaign).unwrap();
        let desired = json!({"localized_images": {"fr": {"logo_id": "cf", "icon_id": "ci"}}});
        let patch = diff_patch(&original, &desired).unwrap();
        assert_eq!(
            patch,
            json!({"localized_images": {"de": null, "fr": {"strip_id": null, "icon_id": "ci"}}})
        );
        assert_eq!(
            serde_json::to_value(campaign.patched(&patch)).unwrap(),
            desired
        );
        // Languages with only images count as languages of the pass.
        let both = options(json!({
            "translations": {"pt": {"Gate": "Porta"}},
            "localized_images": {"fr": {"logo_id": "x"}, "pt": {"logo_id": "y"}}
        }));
        assert_eq!(both.languages(), ["fr", "pt"]);
        // A language named from outside is one of those, exactly as written, or nothing.
        assert_eq!(both.language("fr"), Some("fr"));
        assert_eq!(both.language("pt"), Some("pt"));
        for other in ["xx", "FR", "fr-FR", "", "../fr"] {
            assert_eq!(both.language(other), None, "{other}");
        }
        assert_eq!(
            localized_image_path("fr", AssetType::Artwork),
            "apple.localized_images.fr.artwork_id"
        );
        assert_eq!(
            localized_image_path("fr", AssetType::Logo),
            "apple.localized_images.fr.logo_id"
        );
    }

    #[test]
    fn localized_images_go_only_where_the_style_shows_them() {
        let o = options(json!({"localized_images": {
            "fr": {"logo_id": "a", "strip_id": "b", "footer_id": "c", "artwork_id": "d"},
            "pt_BR": {"logo_id": "e"}
        }}));
        let sorted = |p: Vec<Problem>| {
            let mut v: Vec<String> = p.into_iter().map(|(a, _)| a).collect();
            v.sort();
            v
        };
        assert_eq!(
            sorted(check(PassType::Coupon, None, &o)),
            [
                "apple.localized_images.fr.artwork_id",
                "apple.localized_images.fr.footer_id",
                "apple.localized_images.pt_BR",
            ]
        );
        // Boarding passes show a footer and no strip; poster images need the poster.
        assert_eq!(
            sorted(check(PassType::BoardingPass, Some(TransitType::Air), &o)),
            [
                "apple.localized_images.fr.artwork_id",
                "apple.localized_images.fr.strip_id",
                "apple.localized_images.pt_BR",
            ]
        );
        let poster = options(json!({
            "preferred_style_schemes": ["posterEventTicket", "eventTicket"],
            "semantics": {"venueName": "Hall"},
            "localized_images": {"fr": {"artwork_id": "a", "secondary_logo_id": "b"}}
        }));
        let problems = check(PassType::EventTicket, None, &poster);
        assert!(
            !problems.iter().any(|(a, _)| a.contains("localized_images")),
            "{problems:?}"
        );
        // An event ticket's strip excludes a background of the same language.
        let clash =
            options(json!({"localized_images": {"fr": {"strip_id": "a", "background_id": "b"}}}));
        assert_eq!(
            paths(&check(PassType::EventTicket, None, &clash)),
            ["apple.localized_images.fr.background_id"]
        );
        let many: Map<String, Value> = (0..=MAX_LANGUAGES)
            .map(|i| {
                let a = (b'a' + (i / 26) as u8) as char;
                let b = (b'a' + (i % 26) as u8) as char;
                (format!("{a}{b}"), json!({"logo_id": "x"}))
            })
            .collect();
        let o = options(json!({ "localized_images": many }));
        assert_eq!(
            paths(&check(PassType::Coupon, None, &o)),
            ["apple.localized_images"]
        );
        // A slot no language can localize is refused when read.
        assert!(serde_json::from_value::<AppleOptions>(
            json!({"localized_images": {"fr": {"banner_id": "x"}}})
        )
        .is_err());
    }

    #[test]
    fn a_diff_patch_turns_the_original_into_the_desired_options() {
        let original = json!({
            "event_logo_text": "A",
            "semantics": {"venueName": "X", "eventName": "Y"},
            "urls": {"bag_policy_url": "https://example.com/b"},
            "translations": {"pt": {"Gate": "Porta", "Seat": "Lugar"}, "fr": {"Gate": "Porte"}},
            "relevant_dates": [{"start_date": "2026-12-01T18:00:00Z", "end_date": "2026-12-01T20:00:00Z"}]
        });
        let desired = json!({
            "semantics": {"venueName": "X", "eventName": "Z", "venueRoom": "2"},
            "urls": {"bag_policy_url": "https://example.com/b"},
            "translations": {"pt": {"Gate": "Porta"}},
            "relevant_dates": []
        });
        let patch = diff_patch(&original, &desired).unwrap();
        assert_eq!(
            patch,
            json!({
                "event_logo_text": null,
                "semantics": {"eventName": "Z", "venueRoom": "2"},
                "translations": {"fr": null, "pt": {"Seat": null}},
                "relevant_dates": []
            })
        );
        let o: AppleOptions = serde_json::from_value(original.clone()).unwrap();
        let d: AppleOptions = serde_json::from_value(desired.clone()).unwrap();
        assert_eq!(o.patched(&patch), d);
        assert_eq!(diff_patch(&original, &original), None);
        assert_eq!(diff_patch(&original, &json!({})), Some(Value::Null));
        assert_eq!(diff_patch(&Value::Null, &json!({})), None);
        // Every tag a form offers is a real tag of the style.
        for style in PassType::ALL {
            for (tag, _, _) in form_tags(*style) {
                let v = if *tag == "performerNames" {
                    json!(["x"])
                } else {
                    json!("x")
                };
                let s: Result<Semantics, _> = serde_json::from_value(json!({ *tag: v }));
                assert!(s.is_ok(), "{tag}");
            }
        }
    }

    #[test]
    fn url_table_and_struct_agree() {
        let all: Value = URL_KEYS
            .iter()
            .map(|k| (k.api.to_string(), json!("https://a.example")))
            .collect::<Map<_, _>>()
            .into();
        let urls: AppleUrls = serde_json::from_value(all).unwrap();
        let entries = urls.entries();
        assert_eq!(entries.len(), URL_KEYS.len());
        for ((key, _), expected) in entries.iter().zip(URL_KEYS) {
            assert_eq!(key.apple, expected.apple);
        }
    }
}
