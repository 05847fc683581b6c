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

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::rules::{is_hex_color, MAX_STRING};
use crate::PassType;

/// Most relevance intervals a pass may carry (our bound; Wallet shows the next one).
pub const MAX_RELEVANT_DATES: usize = 10;
/// A relevance interval spans at most one day (Wallet ignores longer ones).
pub const MAX_INTERVAL_SECONDS: i64 = 24 * 60 * 60;
/// Longest URL accepted in `apple.urls`.
pub const MAX_URL: usize = 2048;

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
    /// relevant (and a poster event ticket starts its Live Activity).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relevant_dates: Vec<RelevantInterval>,
    /// Event-guide, ticket-menu and boarding URLs ([`URL_KEYS`]).
    #[serde(default, skip_serializing_if = "AppleUrls::is_empty")]
    pub urls: AppleUrls,
    /// `semantics`: machine-readable tags, by Apple's names (`venueName`, `seats`, …).
    #[serde(default, skip_serializing_if = "Semantics::is_empty")]
    pub semantics: Semantics,
}

impl AppleOptions {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == AppleOptions::default()
    }

    /// Whether the pass asks for the poster event ticket layout.
    pub fn is_poster(&self) -> bool {
        self.preferred_style_schemes
            .contains(&StyleScheme::PosterEventTicket)
    }

    /// The options in effect for a pass: `over` (the pass's) on top of `self` (the
    /// campaign's), key by key ([`merge_json`]).
    pub fn overlay(&self, over: &AppleOptions) -> AppleOptions {
        let mut base = serde_json::to_value(self).unwrap_or(Value::Null);
        let patch = serde_json::to_value(over).unwrap_or(Value::Null);
        merge_json(&mut base, &patch);
        serde_json::from_value(base).unwrap_or_default()
    }
}

/// Applies `patch` to `base` the way a PATCH of `apple` does: keys given replace, `null`
/// removes, keys not given are kept; the `semantics` and `urls` objects merge key by key
/// the same way; arrays are replaced whole.
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
            Value::Object(_) if k == "semantics" || k == "urls" => {
                merge_json(b.entry(k.clone()).or_insert(Value::Null), v);
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

/// One `relevantDates` entry: an interval of at most a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RelevantInterval {
    /// ISO 8601 with a time zone, e.g. `2026-12-01T19:00:00+01:00`.
    pub start_date: String,
    /// ISO 8601 with a time zone; after `start_date`, at most 24 hours later.
    pub end_date: String,
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
];

/// One problem found by [`check`]: the attribute path (`apple.semantics.venueName`) and
/// a message that says what to change.
pub type Problem = (String, String);

/// Checks the options in effect for a pass of `style` (for boarding passes, `air` says
/// whether the transit type is air). Every problem is reported, each under its path.
pub fn check(style: PassType, air: bool, o: &AppleOptions) -> Vec<Problem> {
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
        let start = epoch_seconds(&r.start_date);
        let end = epoch_seconds(&r.end_date);
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
    check_semantics(&mut add, &o.semantics);
    if o.is_poster() && style == PassType::EventTicket {
        check_poster(&mut add, &o.semantics);
    }
    p
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
fn check_semantics(add: &mut impl FnMut(&str, String), s: &Semantics) {
    let Ok(Value::Object(map)) = serde_json::to_value(s) else {
        return;
    };
    for (key, value) in &map {
        let path = format!("semantics.{key}");
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
        let p = check(PassType::EventTicket, false, &o);
        assert_eq!(
            paths(&p),
            ["apple.semantics.venueName", "apple.semantics.eventName"]
        );
        let o = options(json!({
            "preferred_style_schemes": ["posterEventTicket", "eventTicket"],
            "semantics": {"venueRoom": "Hall B", "eventName": "Spring gala"}
        }));
        assert!(check(PassType::EventTicket, false, &o).is_empty());
    }

    #[test]
    fn poster_sports_need_team_abbreviations_and_live_shows_performers() {
        let base = json!({"venueName": "Estádio", "eventName": "Derby"});
        let mut sports = base.clone();
        sports["eventType"] = json!("PKEventTypeSports");
        let o =
            options(json!({"preferred_style_schemes": ["posterEventTicket"], "semantics": sports}));
        assert_eq!(
            paths(&check(PassType::EventTicket, false, &o)),
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
            paths(&check(PassType::EventTicket, false, &o)),
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
        let p = check(PassType::BoardingPass, true, &o);
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
            check(PassType::BoardingPass, false, &o)[0].1,
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
        let p = check(PassType::EventTicket, false, &o);
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
        let p = check(PassType::EventTicket, false, &o);
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
        let p = check(PassType::EventTicket, false, &o);
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
