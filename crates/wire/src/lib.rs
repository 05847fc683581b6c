//! Wire types of the Passworks REST API v2.
//!
//! Every request and response body that crosses the wire between the console and the
//! server (and between any API client and the server) is described here. The crate does
//! no I/O and knows nothing of axum, sqlx or leptos; the server derives OpenAPI schemas
//! from these types behind the `openapi` feature.
//!
//! Conventions:
//! - identifiers and timestamps are strings (UUID v4, ISO-8601 UTC);
//! - response types carry every attribute, with `null` where the contract says so;
//! - request ("input") types have every attribute optional, so that the same type serves
//!   create and partial update; the server validates them and answers 422 per field.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[macro_use]
mod enums;
pub use enums::*;

pub mod apple;
pub mod layout;
mod teams;
pub use teams::*;
mod embed;
pub use embed::*;

pub mod query;
pub mod rules;

/// The canonical error body (§16.2): `{"errors": {"<attribute>": ["message", …]}}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorBody {
    pub errors: BTreeMap<String, Vec<String>>,
}

impl ErrorBody {
    /// The first message of `base`, else the first message of any attribute, formatted
    /// `attribute message` the way a person reads it.
    pub fn summary(&self) -> String {
        if let Some(m) = self.errors.get("base").and_then(|v| v.first()) {
            return m.clone();
        }
        self.errors
            .iter()
            .flat_map(|(k, v)| v.iter().map(move |m| format!("{k} {m}")))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Success body of deletes (legacy shape kept by the contract): `{"errors": []}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DeleteOk {
    pub errors: Vec<String>,
}

/// Informational body of merge/push (`{"message": "..."}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MessageBody {
    pub message: String,
    /// Background job started by a merge, when there was work to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
}

/// `GET /v2/ping`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Ping {
    pub ping: String,
}

/// A field of one of the five field arrays (§6.1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Field {
    pub key: String,
    pub label: Option<String>,
    pub value: Option<String>,
    pub behaviour: Behaviour,
}

/// A location (§6.2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    pub altitude: Option<f64>,
    pub relevant_text: Option<String>,
    pub name: Option<String>,
}

/// A BLE beacon (§6.3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Beacon {
    pub proximity_uuid: String,
    pub major: Option<u16>,
    pub minor: Option<u16>,
    pub relevant_text: Option<String>,
}

/// A barcode (§6.4).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Barcode {
    pub format: BarcodeFormat,
    pub message: String,
    pub alt_text: String,
    pub alt_text_type: String,
}

/// Barcode as sent by clients: every attribute optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BarcodeInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<BarcodeFormat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
}

/// Field as sent by clients (§6.1 partial-update rule: absent attributes are inherited).
///
/// On an update, field arrays merge by `key`: a known key updates only the attributes it
/// gives, a new key is appended, fields not mentioned keep their values and places, and
/// `"_destroy": true` removes the field with that key. An array that names every field it
/// currently holds is put in the order given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FieldInput {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<Behaviour>,
    /// Removes the field with this `key` on an update (ignored when creating).
    #[serde(rename = "_destroy", default, skip_serializing_if = "is_false")]
    pub destroy: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl From<&Field> for FieldInput {
    fn from(f: &Field) -> Self {
        FieldInput {
            key: f.key.clone(),
            label: Some(f.label.clone()),
            value: Some(f.value.clone()),
            behaviour: Some(f.behaviour),
            destroy: false,
        }
    }
}

/// Distribution object (§7.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Distribution {
    pub id: String,
    pub distribution_type: String,
    pub state: String,
    pub page_url: String,
    pub pkpass_url: String,
    pub preview_url: String,
    pub page_short_url: String,
    pub pkpass_short_url: String,
    pub preview_short_url: String,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
}

/// Campaign response object (§7.3), identical for the five types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Campaign {
    pub id: String,
    /// Which of the five types this campaign is (extension: lets generic clients route).
    pub campaign_type: CampaignType,
    pub name: String,
    pub description: String,
    pub state: CampaignState,
    pub template_id: String,
    pub certificate_id: Option<String>,
    pub icon_id: Option<String>,
    pub logo_id: Option<String>,
    pub strip_id: Option<String>,
    pub thumbnail_id: Option<String>,
    pub background_id: Option<String>,
    pub footer_id: Option<String>,
    pub logo_text: Option<String>,
    pub background_color: Option<String>,
    pub text_color: Option<String>,
    pub label_color: Option<String>,
    pub transit_type: Option<TransitType>,
    pub barcode: Barcode,
    pub barcodes: Vec<Barcode>,
    pub header_fields: Vec<Field>,
    pub primary_fields: Vec<Field>,
    pub secondary_fields: Vec<Field>,
    pub auxiliary_fields: Vec<Field>,
    pub back_fields: Vec<Field>,
    pub locations: Vec<Location>,
    pub beacons: Vec<Beacon>,
    pub organization_name: String,
    pub associated_store_identifiers: Vec<i64>,
    pub code_type: CodeType,
    pub code_fixed_value: Option<String>,
    pub allow_multiple_redeems: bool,
    pub expiration_date: Option<String>,
    pub relevant_date: Option<String>,
    pub max_distance: Option<i64>,
    pub user_info: Value,
    pub gwallet_usage: bool,
    pub gwallet_status: Option<String>,
    pub gwallet_message: Option<String>,
    pub og: bool,
    pub og_description: String,
    pub javascript: Option<String>,
    pub stylesheet: Option<String>,
    pub remote_form_url: Option<String>,
    pub sync_locations_on_merge: bool,
    pub sync_beacons_on_merge: bool,
    pub render_on_short_url: bool,
    /// The newer Apple Wallet keys (semantic tags, poster event tickets, relevance
    /// intervals, URLs); `{}` when none is set.
    #[serde(default)]
    pub apple: apple::AppleOptions,
    pub passes_count: i64,
    pub redeemed_count: i64,
    pub distributions: Vec<Distribution>,
    pub page_url: String,
    pub pkpass_url: String,
    pub page_short_url: String,
    pub pkpass_short_url: String,
    /// The Google Wallet issuer (an id of `GET /v2/google_wallet/issuers`) of the
    /// campaign's class, objects and save links; `null`: the account's default issuer
    /// (extension).
    #[serde(default)]
    pub google_issuer_id: Option<String>,
    /// "Add to Google Wallet" for a new visitor: a link of this server that issues the
    /// visitor's pass, as the download page does, and redirects to Google's save page
    /// (extension).
    #[serde(default)]
    pub google_save_url: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Campaign request attributes (§7.2), used for create (C2) and update (C4).
/// The server also accepts the documented aliases (`foreground_color`, `sequencial`,
/// numbers as strings); this type is what well-behaved clients such as the console send.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CampaignInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<Option<String>>,
    /// The campaign's Google Wallet issuer; `null`: the account's default (extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google_issuer_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strip_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_text: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_color: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_color: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_color: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_type: Option<TransitType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<BarcodeInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_fields: Option<Vec<FieldInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_fields: Option<Vec<FieldInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_fields: Option<Vec<FieldInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auxiliary_fields: Option<Vec<FieldInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_fields: Option<Vec<FieldInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locations: Option<Vec<Location>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beacons: Option<Vec<Beacon>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associated_store_identifiers: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_type: Option<CodeType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_fixed_value: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_multiple_redeems: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant_date: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_distance: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_info: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gwallet_usage: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub og: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub og_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub javascript: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stylesheet: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_form_url: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_locations_on_merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_beacons_on_merge: Option<bool>,
    /// Merged key by key into the current options (`semantics` and `urls` too); a `null`
    /// value removes a key, `"apple": null` removes them all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apple: Option<Value>,
}

/// Pass response object (§8.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Pass {
    pub id: String,
    pub campaign_id: String,
    pub serial_number: String,
    pub authentication_token: String,
    pub redeem_code: String,
    pub voided: bool,
    pub redeemed_count: i64,
    pub redeemed_at: Option<String>,
    pub last_fetched_at: Option<String>,
    pub metadata: Value,
    pub barcode: Barcode,
    pub barcodes: Vec<Barcode>,
    pub header_fields: Vec<Field>,
    pub primary_fields: Vec<Field>,
    pub secondary_fields: Vec<Field>,
    pub auxiliary_fields: Vec<Field>,
    pub back_fields: Vec<Field>,
    pub locations: Vec<Location>,
    pub beacons: Vec<Beacon>,
    pub user_info: Value,
    pub expiration_date: Option<String>,
    pub relevant_date: Option<String>,
    pub max_distance: Option<i64>,
    /// The pass's own Apple options (per-pass semantic tags such as seats, relevance
    /// intervals), overlaid key by key on its campaign's when the pass is built.
    #[serde(default)]
    pub apple: apple::AppleOptions,
    pub icon_id: Option<String>,
    pub logo_id: Option<String>,
    pub strip_id: Option<String>,
    pub thumbnail_id: Option<String>,
    pub background_id: Option<String>,
    pub footer_id: Option<String>,
    pub page_url: String,
    pub pkpass_url: String,
    pub preview_url: String,
    pub page_short_url: String,
    pub pkpass_short_url: String,
    /// "Add to Google Wallet": a link of this server that signs the pass's current
    /// content into a Google save JWT and redirects to `https://pay.google.com/gp/v/save/…`
    /// (extension; see `GET …/passes/{id}/google_wallet` for the signed link itself).
    #[serde(default)]
    pub google_save_url: Option<String>,
    /// What the holder gave Wallet's rewards sign-up form (`apple.personalization`), once
    /// they signed up; read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personalization: Option<apple::PersonalizationInfo>,
    pub created_at: String,
    pub updated_at: String,
}

/// One result of the account-wide pass search (`GET /v2/passes?q[search]=…`): the pass
/// and the campaign it belongs to, so that a client can link to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PassSearchHit {
    pub campaign_type: CampaignType,
    pub campaign_name: String,
    pub pass: Pass,
}

/// A campaign's unpublished changes (`GET /v2/{type}/{campaign_id}/changes`): how many
/// issued passes still show the campaign as it was before its last edit, because no
/// merge has run since.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CampaignChanges {
    /// Passes made before the last edit, not merged since.
    pub outdated_passes_count: i64,
    /// When the campaign's content was last edited (absent: never since it was made).
    pub edited_at: Option<String>,
    /// When a merge into the passes was last started.
    pub merged_at: Option<String>,
}

/// The home dashboard across every campaign of the account (`GET /v2/dashboard`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Dashboard {
    pub campaigns_count: i64,
    pub passes_count: i64,
    pub redeemed_count: i64,
    /// Passes installed in a wallet now.
    pub installed_count: i64,
    /// Campaigns with the most activity (events) in the last 7 days, busiest first.
    pub busiest: Vec<DashboardCampaign>,
    /// The latest pass events, newest first.
    pub recent: Vec<DashboardEvent>,
    /// Webhook deliveries given up after every retry.
    pub webhook_failures: i64,
    /// Webhook deliveries that failed at least once and are waiting for a retry.
    pub webhook_retrying: i64,
    /// Wallet pushes given up.
    pub push_failures: i64,
    /// Background jobs (merges, imports) that failed.
    pub job_failures: i64,
    /// The latest failures of all three kinds, newest first.
    pub recent_failures: Vec<DashboardFailure>,
}

/// One campaign on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DashboardCampaign {
    pub id: String,
    pub campaign_type: CampaignType,
    pub name: String,
    pub passes_count: i64,
    pub redeemed_count: i64,
    /// Events (downloads, installs, redeems…) in the last 7 days.
    pub events_count: i64,
}

/// One pass event on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DashboardEvent {
    /// `created`, `downloaded`, `installed`, `redeemed`…
    pub kind: String,
    pub campaign_id: String,
    pub campaign_type: CampaignType,
    pub campaign_name: String,
    pub pass_id: Option<String>,
    pub created_at: String,
}

/// One failure on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DashboardFailure {
    /// `webhook`, `push` or `job`.
    pub source: String,
    /// What failed and why, in a line.
    pub detail: String,
    pub created_at: String,
}

/// Pass request attributes (§8.2), for create (P2) and update (P4).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PassInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_fields: Option<Vec<FieldInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_fields: Option<Vec<FieldInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secondary_fields: Option<Vec<FieldInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auxiliary_fields: Option<Vec<FieldInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_fields: Option<Vec<FieldInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<BarcodeInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcodes: Option<Vec<BarcodeInput>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeem_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locations: Option<Vec<Location>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beacons: Option<Vec<Beacon>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant_date: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_distance: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voided: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_info: Option<Value>,
    /// Merged key by key into the pass's own options, like the campaign's `apple`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apple: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strip_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_message: Option<String>,
}

/// Body of bulk creation (`POST /v2/{type}/{campaign_id}/passes/batch`):
/// `{"passes": [PassInput, …]}`, at most [`rules::MAX_BATCH_PASSES`] items.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PassBatchInput {
    pub passes: Vec<PassInput>,
}

/// The outcome of one item of a bulk creation: `{"index": i, "pass": Pass}` when it was
/// created, `{"index": i, "errors": {attribute: [message]}}` when it was not (each item is
/// all-or-nothing; the others are created regardless).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PassBatchResult {
    /// Position of the item in the request's `passes` (from 0).
    pub index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass: Option<Pass>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

/// Answer of bulk creation: one result per item, in request order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PassBatchResponse {
    pub results: Vec<PassBatchResult>,
}

/// Body of redeem-by-code (C11) and redeem-by-pass (P7): `{"pass": RedeemInput}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RedeemInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeem_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// Optional body of merge / push: `{"push_message": "..."}` (also accepted under a root key).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PushInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_message: Option<String>,
}

/// Redeem object (§9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Redeem {
    pub id: String,
    pub pass_id: String,
    pub campaign_id: String,
    pub comment: Option<String>,
    pub created_at: String,
}

/// Registration object (§14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Registration {
    pub id: String,
    pub pass_id: String,
    pub wallet: String,
    pub device_os: String,
    pub created_at: String,
}

/// Asset object (§10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Asset {
    pub id: String,
    pub asset_type: AssetType,
    pub asset_url: String,
    /// Pixel size of the stored PNG (extension).
    pub width: u32,
    pub height: u32,
    pub created_at: String,
}

/// Template object (§11.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Template {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub pass_type: PassType,
    pub transit_type: Option<TransitType>,
    pub logo_text: Option<String>,
    pub background_color: Option<String>,
    pub text_color: Option<String>,
    pub label_color: Option<String>,
    pub barcode: Barcode,
    pub source: String,
    pub icon_id: Option<String>,
    pub logo_id: Option<String>,
    pub strip_id: Option<String>,
    pub thumbnail_id: Option<String>,
    pub background_id: Option<String>,
    pub footer_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Template create attributes (§11.1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TemplateInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_type: Option<PassType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_type: Option<TransitType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strip_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<BarcodeInput>,
}

/// Certificate object (§11.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Certificate {
    pub id: String,
    pub team_identifier: String,
    pub pass_type_identifier: String,
    pub issued_to: String,
    pub expires_at: String,
    /// True for the local development certificate made on first start: Apple devices
    /// refuse passes signed with it (extension).
    pub development: bool,
    /// True when this is the account's default signing certificate (extension).
    pub default: bool,
    /// A plain-language warning for development certificates: what they cannot do and
    /// how to add a real one (extension; `null` for real certificates).
    pub notice: Option<String>,
    pub created_at: String,
}

/// The notice carried by development certificates.
pub const DEVELOPMENT_CERTIFICATE_NOTICE: &str = "Development certificate: passes signed \
with it verify, but Apple devices will not accept them. Add your own Pass Type ID \
certificate (.p12 with its password and Apple's WWDR intermediate) in the console under \
Certificates, or with POST /v2/certificates.";

/// A Google Wallet issuer (`/v2/google_wallet/issuers`, extension): a Google issuer id and
/// the service account that signs save links and calls Google's API. The key is never
/// returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct GoogleIssuer {
    pub id: String,
    /// The issuer id from the Google Pay & Wallet Console (digits).
    pub issuer_id: String,
    /// The service account's e-mail address.
    pub client_email: String,
    pub private_key_id: Option<String>,
    /// True for the instance-wide development service account: Google refuses what it
    /// signs.
    pub development: bool,
    /// True when this issuer acts for the account.
    pub default: bool,
    /// What a development issuer cannot do (`null` for real issuers).
    pub notice: Option<String>,
    pub created_at: String,
}

/// Body of `POST /v2/google_wallet/issuers`, under root key `google_issuer`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct GoogleIssuerInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_id: Option<String>,
    /// The service account's JSON key as Google Cloud exports it (the object, or its
    /// text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<Value>,
}

/// How a pass is kept current at Google.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct GoogleSync {
    /// `pending`, `synced`, `retrying` or `failed`.
    pub status: String,
    /// Google's refusal, the reason of the last retry, or a note.
    pub error: Option<String>,
    pub attempts: i64,
    pub synced_at: Option<String>,
    pub next_attempt_at: String,
}

/// A pass in Google Wallet (`GET /v2/{type}/{campaign_id}/passes/{id}/google_wallet`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct GoogleWalletPass {
    /// Google's class type: `Generic`, `Offer`, `Loyalty`, `EventTicket`, `Flight`,
    /// `Transit`.
    pub class_type: String,
    pub class_id: String,
    pub object_id: String,
    /// The signed `https://pay.google.com/gp/v/save/<JWT>` link; `null` while Google
    /// would refuse the pass (see `errors`).
    pub save_url: Option<String>,
    /// The link was too long to carry everything: the class (and, when even the object
    /// alone was too long, the object) were inserted over REST first.
    pub rest_first: bool,
    /// Why there is no `save_url` although Google would accept the pass (Google's API
    /// failed on the REST-first path; try again).
    pub save_error: Option<String>,
    pub development: bool,
    pub notice: Option<String>,
    /// What Google would refuse, per attribute.
    pub errors: BTreeMap<String, Vec<String>>,
    /// Sync state; `null` until the pass is kept at Google.
    pub sync: Option<GoogleSync>,
    /// The class and object as sent to Google.
    pub class: Value,
    pub object: Value,
}

/// The notice carried by answers signed with the development Google service account.
pub const GOOGLE_DEVELOPMENT_NOTICE: &str = "Google Wallet development mode: no Google \
issuer is set up, so this link is signed by the server's development service account. It is \
structurally complete, but Google will refuse it until a real issuer (the issuer id from the \
Google Pay & Wallet Console and its service account's JSON key) is added in the console \
(Google Wallet) or via POST /v2/google_wallet/issuers.";

/// Organization object (§12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub api_username: String,
    /// The secret, only in the create and refresh responses; `null` elsewhere.
    pub api_password: Option<String>,
    pub webhook_url: Option<String>,
    pub users_count: i64,
    pub locked_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Organization create body (§12): flat, or under `organization`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OrganizationInput {
    pub name: Option<String>,
}

/// The signed-in account (`GET /v2/account`, extension).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Account {
    pub id: String,
    pub name: String,
    pub api_username: String,
    pub can_manage_organizations: bool,
    pub webhook_url: Option<String>,
    pub created_at: String,
}

/// `PATCH /v2/account` body, under root key `account`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AccountInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<Option<String>>,
}

/// Daily counters of a report (§15.1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DailyCounters {
    pub creates_count: i64,
    pub downloads_count: i64,
    pub views_count: i64,
    pub installs_count: i64,
    pub uninstalls_count: i64,
    pub fetches_count: i64,
    pub redeems_count: i64,
    pub expires_count: i64,
    pub pushes_count: i64,
    pub updates_count: i64,
    pub webhooks_count: i64,
    pub api_calls_count: i64,
    pub distribution_updates_count: i64,
    pub active_count: i64,
    pub removed_count: i64,
    pub i: OsCounts,
    pub u: OsCounts,
}

/// Per-OS counts (`i` installs / `u` uninstalls).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OsCounts {
    pub ios: i64,
    /// Every Android wallet, Google Wallet included.
    pub android: i64,
    pub wp: i64,
    /// Google Wallet alone (save/delete callbacks; extension): a part of `android`.
    #[serde(default)]
    pub google_wallet: i64,
}

/// Daily report (C15).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DailyReport {
    pub campaign_id: String,
    pub start_date: String,
    pub end_date: String,
    pub report: BTreeMap<String, DailyCounters>,
}

/// Install/uninstall totals of one platform.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PlatformTotals {
    pub installs_count: i64,
    pub uninstalls_count: i64,
}

/// Totals counters (§15.2): the daily counters without `i`/`u`, plus per-platform blocks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TotalsCounters {
    pub creates_count: i64,
    pub downloads_count: i64,
    pub views_count: i64,
    pub installs_count: i64,
    pub uninstalls_count: i64,
    pub fetches_count: i64,
    pub redeems_count: i64,
    pub expires_count: i64,
    pub pushes_count: i64,
    pub updates_count: i64,
    pub webhooks_count: i64,
    pub api_calls_count: i64,
    pub distribution_updates_count: i64,
    pub active_count: i64,
    pub removed_count: i64,
    pub apple: PlatformTotals,
    /// Every Android wallet, Google Wallet included.
    pub android: PlatformTotals,
    /// Google Wallet alone (save/delete callbacks; extension): a part of `android`.
    #[serde(default)]
    pub google_wallet: PlatformTotals,
}

/// Totals report (C16).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TotalsReport {
    pub campaign_id: String,
    pub report: TotalsCounters,
}

/// Remote form description (§13).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RemoteFormFields {
    pub fields: BTreeMap<String, Field>,
    pub dynamic_fields_keys: Vec<String>,
    pub static_fields_keys: Vec<String>,
}

/// A webhook delivery attempt record (`GET /v2/webhook_deliveries`, extension).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WebhookDelivery {
    pub id: String,
    pub event_id: String,
    pub event: String,
    pub url: String,
    /// `pending`, `delivered` or `failed` (gave up).
    pub status: String,
    pub attempts: i64,
    pub last_status_code: Option<i64>,
    pub last_response: Option<String>,
    pub last_attempt_at: Option<String>,
    pub next_attempt_at: Option<String>,
    pub created_at: String,
}

/// New webhook token (`POST /v2/account/rotate_webhook_token`), shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WebhookToken {
    pub webhook_token: String,
}

/// A background job (merge of a large campaign), readable at `GET /v2/jobs/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub campaign_id: Option<String>,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub total: i64,
    pub processed: i64,
    pub error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// The console's runtime configuration (`config.json` beside `index.html`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsoleConfig {
    /// Base URL of the API, e.g. `/v2` or `https://passes.example.com/v2`.
    #[serde(default = "default_api_base")]
    pub api_base: String,
    /// Path the console is mounted under, e.g. `""` or `/portal/passes`.
    #[serde(default)]
    pub base_path: String,
    /// Product name shown in the frame.
    #[serde(default = "default_product_name")]
    pub product_name: String,
    /// Optional logo URL shown in the frame.
    #[serde(default)]
    pub logo_url: Option<String>,
    /// Embedding (issue 18): the origins of the portal pages allowed to hand the console
    /// a session token by `postMessage` (and to theme it). Empty: no host messages.
    #[serde(default)]
    pub embed_origins: Vec<String>,
    /// Colours, font and corner radius (CSS custom properties on the console's root).
    #[serde(default)]
    pub theme: ConsoleTheme,
    /// Which navigation entries appear (names from [`NAVIGATION_ENTRIES`]); absent: all
    /// that the caller's role allows.
    #[serde(default)]
    pub navigation: Option<Vec<String>>,
}

fn default_api_base() -> String {
    "/v2".into()
}
fn default_product_name() -> String {
    "Passworks".into()
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            api_base: default_api_base(),
            base_path: String::new(),
            product_name: default_product_name(),
            logo_url: None,
            embed_origins: Vec::new(),
            theme: ConsoleTheme::default(),
            navigation: None,
        }
    }
}

/// Wraps a body under its root key (`{"coupon": {...}}`).
pub fn wrap<T: Serialize>(root: &str, body: &T) -> Value {
    let mut m = serde_json::Map::new();
    m.insert(
        root.to_string(),
        serde_json::to_value(body).unwrap_or(Value::Null),
    );
    Value::Object(m)
}

/// Most passes in one `.pkpasses` bundle (Apple: "up to 10 passes"); the server's
/// bundle route and the console's bulk action both check it.
pub const MAX_BUNDLE_PASSES: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_summary_prefers_base() {
        let mut e = ErrorBody::default();
        e.errors
            .insert("name".into(), vec!["can't be blank".into()]);
        assert_eq!(e.summary(), "name can't be blank");
        e.errors
            .insert("base".into(), vec!["Rate limit exceeded".into()]);
        assert_eq!(e.summary(), "Rate limit exceeded");
    }

    #[test]
    fn campaign_input_omits_absent_attributes() {
        let input = CampaignInput {
            name: Some("Paw Planet".into()),
            background_color: Some(None),
            ..Default::default()
        };
        let v = serde_json::to_value(&input).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"name": "Paw Planet", "background_color": null})
        );
    }
}
