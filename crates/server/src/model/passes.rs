//! Passes (§8) and redeeming (§9): the `passes` row with its JSON `doc` ([`PassRecord`],
//! [`PassDoc`]), the attributes a request supplies ([`PassPatch`]), their loaders and the
//! store functions that create, update, redeem and delete passes. The API, remote forms
//! (§13) and the download pages all create passes through [`create_pass`].

use crate::db::{get_bool, get_json, new_download_token, new_id, now, random_token, Db, Tx};
use crate::error::{ApiError, ApiResult, Errors};
use crate::list::{col, Applied, Bind, Column, Kind, ListParams, Listing, Options, Paged, Steady};
use crate::model::campaigns::CampaignRecord;
use crate::model::expiry::set_pass_expiry;
use crate::model::presentation::{Presentation, IMAGE_SLOTS};
use crate::model::templates::{check_apple_image_refs, check_images};
use crate::model::values::{
    check_unique_keys, fields_from_inputs, merge_fields, BarcodeDoc, BarcodeIn, Reader, MAX_STRING,
};
use crate::positions::Positions;
use passworks_wire as wire;
use passworks_wire::apple::{AppleOptions, PersonalizationInfo};
use passworks_wire::query::Predicate;
use passworks_wire::rules::barcode_encodable;
use passworks_wire::{AssetType, Beacon, CampaignState, CodeType, Field, FieldInput, Location};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::Row;

/// The JSON `doc` of a pass: its resolved content. Image ids, `expiration_date`,
/// `relevant_date` and `max_distance` are per-pass overrides (`None` = the campaign's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PassDoc {
    pub header_fields: Vec<Field>,
    pub primary_fields: Vec<Field>,
    pub secondary_fields: Vec<Field>,
    pub auxiliary_fields: Vec<Field>,
    pub back_fields: Vec<Field>,
    /// Barcodes; a `None` message / alt text means the redeem code.
    pub barcodes: Vec<BarcodeDoc>,
    /// Whether the caller supplied the barcodes (merge then leaves their format alone).
    pub custom_barcodes: bool,
    pub locations: Vec<Location>,
    pub beacons: Vec<Beacon>,
    pub user_info: Value,
    pub expiration_date: Option<String>,
    pub relevant_date: Option<String>,
    pub max_distance: Option<i64>,
    pub icon_id: Option<String>,
    pub logo_id: Option<String>,
    pub strip_id: Option<String>,
    pub thumbnail_id: Option<String>,
    pub background_id: Option<String>,
    pub footer_id: Option<String>,
    /// Values captured when the pass was generated (e.g. from a download-page query).
    pub metadata: Value,
    /// The pass's own Apple options, overlaid on the campaign's when the pass is built.
    pub apple: AppleOptions,
    /// What the holder gave Wallet's rewards sign-up form (`POST …/personalize`); once
    /// set, the pass is built without its sign-up form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personalization: Option<PersonalizationInfo>,
    /// The personalization token Wallet sent with it, so that a repeated request (a
    /// retry) is answered with the same signed token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personalization_token: Option<String>,
}

impl Default for PassDoc {
    fn default() -> Self {
        PassDoc {
            header_fields: Vec::new(),
            primary_fields: Vec::new(),
            secondary_fields: Vec::new(),
            auxiliary_fields: Vec::new(),
            back_fields: Vec::new(),
            barcodes: Vec::new(),
            custom_barcodes: false,
            locations: Vec::new(),
            beacons: Vec::new(),
            user_info: Value::Object(Map::new()),
            expiration_date: None,
            relevant_date: None,
            max_distance: None,
            icon_id: None,
            logo_id: None,
            strip_id: None,
            thumbnail_id: None,
            background_id: None,
            footer_id: None,
            metadata: Value::Object(Map::new()),
            apple: AppleOptions::default(),
            personalization: None,
            personalization_token: None,
        }
    }
}

impl PassDoc {
    /// The five field arrays, in pass order.
    pub fn fields(&self) -> [Vec<Field>; 5] {
        [
            self.header_fields.clone(),
            self.primary_fields.clone(),
            self.secondary_fields.clone(),
            self.auxiliary_fields.clone(),
            self.back_fields.clone(),
        ]
    }

    /// Replaces the five field arrays.
    pub fn set_fields(&mut self, [h, p, s, a, b]: [Vec<Field>; 5]) {
        self.header_fields = h;
        self.primary_fields = p;
        self.secondary_fields = s;
        self.auxiliary_fields = a;
        self.back_fields = b;
    }

    pub fn image_mut(&mut self, i: usize) -> &mut Option<String> {
        match i {
            0 => &mut self.icon_id,
            1 => &mut self.logo_id,
            2 => &mut self.strip_id,
            3 => &mut self.thumbnail_id,
            4 => &mut self.background_id,
            _ => &mut self.footer_id,
        }
    }

    fn images(&self) -> [&Option<String>; 6] {
        [
            &self.icon_id,
            &self.logo_id,
            &self.strip_id,
            &self.thumbnail_id,
            &self.background_id,
            &self.footer_id,
        ]
    }
}

/// A pass row with its decoded doc.
#[derive(Debug, Clone, PartialEq)]
pub struct PassRecord {
    pub id: String,
    pub account_id: String,
    pub campaign_id: String,
    pub serial_number: String,
    /// Apple web-service token (never changes).
    pub authentication_token: String,
    /// Token of the pass's own download page (`/p/{page_token}/{download_token}`).
    pub download_token: String,
    pub redeem_code: String,
    pub voided: bool,
    pub redeemed_count: i64,
    pub redeemed_at: Option<String>,
    pub last_fetched_at: Option<String>,
    pub doc: PassDoc,
    pub created_at: String,
    pub updated_at: String,
}

impl PassRecord {
    /// The campaign's presentation with this pass's image overrides applied.
    pub fn presentation(&self, campaign: &CampaignRecord) -> Presentation {
        let mut p = campaign.doc.presentation.clone();
        for (i, slot) in IMAGE_SLOTS.iter().enumerate() {
            if let Some(id) = self.doc.images()[i] {
                *p.image_mut(*slot) = Some(id.clone());
            }
        }
        p
    }

    /// The resolved barcodes (message / alt text default to the redeem code).
    pub fn barcodes(&self) -> Vec<wire::Barcode> {
        self.doc
            .barcodes
            .iter()
            .map(|b| b.to_wire(&self.redeem_code))
            .collect()
    }

    /// `expiration_date`: the pass's, else the campaign's.
    pub fn expiration_date(&self, campaign: &CampaignRecord) -> Option<String> {
        self.doc
            .expiration_date
            .clone()
            .or_else(|| campaign.doc.expiration_date.clone())
    }

    /// `relevant_date`: the pass's, else the campaign's.
    pub fn relevant_date(&self, campaign: &CampaignRecord) -> Option<String> {
        self.doc
            .relevant_date
            .clone()
            .or_else(|| campaign.doc.relevant_date.clone())
    }

    /// `max_distance`: the pass's, else the campaign's.
    pub fn max_distance(&self, campaign: &CampaignRecord) -> Option<i64> {
        self.doc.max_distance.or(campaign.doc.max_distance)
    }
}

/// Columns of `passes` read by [`pass_from_row`].
pub const PASS_COLUMNS: &str = "id, account_id, campaign_id, serial_number, authentication_token, \
    download_token, redeem_code, voided, redeemed_count, redeemed_at, last_fetched_at, doc, \
    created_at, updated_at";

/// Decodes a pass row selected with [`PASS_COLUMNS`].
pub fn pass_from_row(row: &AnyRow) -> Result<PassRecord, sqlx::Error> {
    pass_from_row_named(row, "")
}

/// Decodes a pass whose columns are named `<prefix><column>` in `row`.
fn pass_from_row_named(row: &AnyRow, prefix: &str) -> Result<PassRecord, sqlx::Error> {
    let c = |name: &'static str| -> std::borrow::Cow<'static, str> {
        if prefix.is_empty() {
            name.into()
        } else {
            format!("{prefix}{name}").into()
        }
    };
    Ok(PassRecord {
        id: row.try_get(&*c("id"))?,
        account_id: row.try_get(&*c("account_id"))?,
        campaign_id: row.try_get(&*c("campaign_id"))?,
        serial_number: row.try_get(&*c("serial_number"))?,
        authentication_token: row.try_get(&*c("authentication_token"))?,
        download_token: row.try_get(&*c("download_token"))?,
        redeem_code: row.try_get(&*c("redeem_code"))?,
        voided: get_bool(row, &c("voided")),
        redeemed_count: row.try_get(&*c("redeemed_count"))?,
        redeemed_at: row.try_get(&*c("redeemed_at"))?,
        last_fetched_at: row.try_get(&*c("last_fetched_at"))?,
        doc: get_json(row, &c("doc")),
        created_at: row.try_get(&*c("created_at"))?,
        updated_at: row.try_get(&*c("updated_at"))?,
    })
}

/// A pass with everything building its `.pkpass` reads besides images and certificates,
/// loaded in one statement ([`load_for_signing`]).
#[derive(Debug, Clone)]
pub struct ForSigning {
    pub pass: PassRecord,
    pub campaign: CampaignRecord,
    /// The organization's name (the pass's `organizationName` unless the campaign names
    /// one) and its default certificate.
    pub account_name: String,
    pub account_default_certificate: Option<String>,
    pub pending: PendingUpdate,
}

/// How [`load_for_signing`] finds its pass.
#[derive(Debug, Clone, Copy)]
pub enum PassKey<'a> {
    Id(&'a str),
    DownloadToken(&'a str),
    /// The serial number (unique across the server).
    Serial(&'a str),
}

/// [`PASS_COLUMNS`] of `p`, each named `p_<column>`.
static PASS_JOIN_COLUMNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    PASS_COLUMNS
        .split(',')
        .map(str::trim)
        .map(|c| format!("p.{c} AS p_{c}"))
        .collect::<Vec<_>>()
        .join(", ")
});

/// Loads a pass, its campaign, its account's signing facts and its pending update in one
/// statement (one round trip where four separate loads took four): the request path of a
/// `.pkpass` download and of a device fetching its pass.
pub async fn load_for_signing(
    db: &Db,
    key: PassKey<'_>,
) -> Result<Option<ForSigning>, sqlx::Error> {
    let (column, value) = match key {
        PassKey::Id(v) => ("id", v),
        PassKey::DownloadToken(v) => ("download_token", v),
        PassKey::Serial(v) => ("serial_number", v),
    };
    // The campaign's columns keep their names (campaign_from_row reads them), so they come
    // from a derived table restricted to the pass's campaign; the pass's are prefixed.
    let sql = format!(
        "SELECT c.*, {pass}, a.name AS a_name, a.default_certificate_id AS a_default_certificate, \
         u.pushed_at AS u_pushed_at, u.change_messages AS u_change_messages \
         FROM passes p \
         JOIN (SELECT {campaign} FROM campaigns \
               WHERE id = (SELECT campaign_id FROM passes WHERE {column} = $1)) c \
           ON c.id = p.campaign_id \
         JOIN accounts a ON a.id = c.account_id \
         LEFT JOIN pass_updates u ON u.pass_id = p.id \
         WHERE p.{column} = $1",
        pass = *PASS_JOIN_COLUMNS,
        campaign = crate::model::campaigns::CAMPAIGN_COLUMNS,
    );
    let Some(row) = sqlx::query(&sql)
        .bind(value)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    let messages: Option<String> = row.try_get("u_change_messages")?;
    Ok(Some(ForSigning {
        pass: pass_from_row_named(&row, "p_")?,
        campaign: crate::model::campaigns::campaign_from_row(&row)?,
        account_name: row.try_get("a_name")?,
        account_default_certificate: row.try_get("a_default_certificate")?,
        pending: PendingUpdate {
            pushed_at: row.try_get("u_pushed_at")?,
            change_messages: change_messages(messages.as_deref()),
        },
    }))
}

async fn load_one(
    db: &Db,
    condition: &str,
    value: &str,
) -> Result<Option<PassRecord>, sqlx::Error> {
    let sql = format!("SELECT {PASS_COLUMNS} FROM passes WHERE {condition} = $1");
    let row = sqlx::query(&sql)
        .bind(value)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(pass_from_row).transpose()
}

/// Loads a pass by its download token (download pages).
pub async fn load_by_download_token(
    db: &Db,
    token: &str,
) -> Result<Option<PassRecord>, sqlx::Error> {
    load_one(db, "download_token", token).await
}

/// Loads a pass by its serial number (PassKit web service).
pub async fn load_by_serial(db: &Db, serial: &str) -> Result<Option<PassRecord>, sqlx::Error> {
    load_one(db, "serial_number", serial).await
}

/// Loads a pass by id.
pub async fn load_by_id(db: &Db, id: &str) -> Result<Option<PassRecord>, sqlx::Error> {
    load_one(db, "id", id).await
}

/// Loads a pass of a campaign by id (`None` when it belongs to another campaign).
pub async fn load_in_campaign(
    db: &Db,
    campaign_id: &str,
    id: &str,
) -> Result<Option<PassRecord>, sqlx::Error> {
    let sql = format!("SELECT {PASS_COLUMNS} FROM passes WHERE id = $1 AND campaign_id = $2");
    let row = sqlx::query(&sql)
        .bind(id)
        .bind(campaign_id)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(pass_from_row).transpose()
}

/// Loads a pass by id inside a transaction.
pub async fn load_tx(tx: &mut Tx, id: &str) -> Result<Option<PassRecord>, sqlx::Error> {
    let sql = format!("SELECT {PASS_COLUMNS} FROM passes WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&mut **tx).await?;
    row.as_ref().map(pass_from_row).transpose()
}

/// Finds the pass of a campaign with `code` (an unvoided one first, for `fixed` codes).
pub async fn find_by_code(
    db: &Db,
    campaign_id: &str,
    code: &str,
) -> Result<Option<PassRecord>, sqlx::Error> {
    let sql = format!(
        "SELECT {PASS_COLUMNS} FROM passes WHERE campaign_id = $1 AND redeem_code = $2 \
         ORDER BY voided, created_at, id LIMIT 1"
    );
    let row = sqlx::query(&sql)
        .bind(campaign_id)
        .bind(code)
        // Planned anew each time, see [`code_taken`].
        .persistent(false)
        .fetch_optional(&db.pool)
        .await?;
    row.as_ref().map(pass_from_row).transpose()
}

/// Pass attributes as supplied (§8.2), absent ones `None`.
#[derive(Debug, Clone, Default)]
pub struct PassPatch {
    pub fields: [Option<Vec<FieldInput>>; 5],
    pub barcode: Option<BarcodeIn>,
    pub barcodes: Option<Vec<BarcodeIn>>,
    pub redeem_code: Option<String>,
    pub locations: Option<Vec<Location>>,
    pub beacons: Option<Vec<Beacon>>,
    pub expiration_date: Option<Option<String>>,
    pub relevant_date: Option<Option<String>>,
    pub max_distance: Option<Option<i64>>,
    pub voided: Option<bool>,
    pub user_info: Option<Value>,
    /// Image overrides in [`IMAGE_SLOTS`] order.
    pub images: [Option<Option<String>>; 6],
    /// Metadata to record (set by download pages; not read from API bodies).
    pub metadata: Option<Value>,
    pub merge: Option<bool>,
    pub push: Option<bool>,
    pub push_message: Option<String>,
    /// An `apple` patch (applied with `AppleOptions::patched`); `Null` clears the pass's own options.
    pub apple: Option<Value>,
    /// The serial number of a new pass (CSV import; not read from API bodies, where the
    /// server chooses it).
    pub serial_number: Option<String>,
}

impl PassPatch {
    /// Reads the attributes of §8.2 from `map`; problems are added to `errors`.
    pub fn read(map: &Map<String, Value>, errors: &mut Errors) -> PassPatch {
        let mut r = Reader::new(map, errors);
        let mut p = PassPatch::default();
        for (i, array) in passworks_wire::rules::FieldArray::ALL.iter().enumerate() {
            let key = array.as_str();
            p.fields[i] = r.fields(key);
        }
        p.barcode = r.barcode("barcode");
        p.barcodes = r.barcodes("barcodes");
        p.redeem_code = r
            .string("redeem_code", MAX_STRING)
            .flatten()
            .filter(|s| !s.is_empty());
        p.locations = r.locations("locations");
        p.beacons = r.beacons("beacons");
        p.expiration_date = r.time("expiration_date");
        p.relevant_date = r.time("relevant_date");
        p.max_distance = r.integer("max_distance");
        p.voided = r.boolean("voided");
        p.user_info = r.object("user_info");
        for (i, slot) in IMAGE_SLOTS.iter().enumerate() {
            p.images[i] = r.uuid(slot.slot_attribute());
        }
        p.merge = r.boolean("merge");
        p.push = r.boolean("push");
        p.push_message = r.string("push_message", MAX_STRING).flatten();
        p.apple = r.apple("apple");
        p
    }

    /// The barcode message the caller supplied, if any.
    pub(crate) fn custom_message(&self) -> Option<String> {
        self.barcode
            .as_ref()
            .and_then(|b| b.message.clone())
            .or_else(|| {
                self.barcodes
                    .as_ref()
                    .and_then(|bs| bs.iter().find_map(|b| b.message.clone()))
            })
    }

    fn has_custom_message(&self) -> bool {
        self.barcode.as_ref().is_some_and(|b| b.message.is_some())
            || self
                .barcodes
                .as_ref()
                .is_some_and(|bs| bs.iter().any(|b| b.message.is_some()))
    }
}

/// Checks a patch against its campaign: code-type rules, `max_distance` bounds and image
/// references (own assets of the matching type).
pub(crate) async fn check_patch(
    tx: &mut Tx,
    campaign: &CampaignRecord,
    patch: &PassPatch,
    errors: &mut Errors,
) -> Result<(), sqlx::Error> {
    if campaign.code_type != CodeType::PerPass {
        if patch.redeem_code.is_some() {
            errors.add(
                "redeem_code",
                "can only be set when the campaign's code_type is per_pass",
            );
        }
        if patch.barcode.as_ref().is_some_and(|b| b.message.is_some()) {
            errors.add(
                "barcode",
                "message can only be set when the campaign's code_type is per_pass",
            );
        }
        if patch
            .barcodes
            .as_ref()
            .is_some_and(|bs| bs.iter().any(|b| b.message.is_some()))
        {
            errors.add(
                "barcodes",
                "message can only be set when the campaign's code_type is per_pass",
            );
        }
    }
    check_encodable(campaign, patch, errors);
    if let Some(Some(m)) = patch.max_distance {
        let limit = campaign.campaign_type.max_distance_limit();
        if m <= 0 {
            errors.add("max_distance", "must be greater than 0");
        } else if m > limit {
            errors.add(
                "max_distance",
                format!("must be less than or equal to {limit}"),
            );
        }
    }
    let mut images = Presentation::default();
    for (i, slot) in IMAGE_SLOTS.iter().enumerate() {
        if let Some(Some(id)) = &patch.images[i] {
            *images.image_mut(*slot) = Some(id.clone());
        }
    }
    check_images(tx, &campaign.account_id, &images, errors).await?;
    // The pass's own poster images (`apple.images`), sign-up form logo and per-language
    // images, as the campaign's are checked.
    if let Some(a) = &patch.apple {
        let own = AppleOptions::default().patched(a);
        check_apple_image_refs(tx, &campaign.account_id, &own, errors).await?;
        crate::model::assets::check_hosted_refs(tx, &campaign.account_id, &own, errors).await?;
    }
    Ok(())
}

/// Refuses a code or barcode message the pass's barcode cannot hold (the pass builder would
/// refuse the pass at every download): the redeem code when a barcode shows it, and each
/// custom message in its own format.
fn check_encodable(campaign: &CampaignRecord, patch: &PassPatch, errors: &mut Errors) {
    let format = campaign.doc.presentation.barcode_format;
    let mut check = |attr: &str, format, message: &str| {
        if let Err(e) = barcode_encodable(format, message) {
            errors.add(attr, e.to_string());
        }
    };
    if let Some(code) = &patch.redeem_code {
        if !patch.has_custom_message() {
            check("redeem_code", format, code);
        }
    }
    if let Some(b) = &patch.barcode {
        if let Some(m) = &b.message {
            check("barcode", b.format.unwrap_or(format), m);
        }
    }
    for b in patch.barcodes.iter().flatten() {
        if let Some(m) = &b.message {
            check("barcodes", b.format.unwrap_or(format), m);
        }
    }
}

/// The Apple options in effect (the pass's over its campaign's) against the rules the pass
/// builder applies, so that a pass Wallet would refuse is refused when it is written.
pub(crate) fn check_apple(campaign: &CampaignRecord, doc: &PassDoc, errors: &mut Errors) {
    if !doc.apple.is_empty() {
        campaign.check_apple(Some(&doc.apple), errors);
    }
}

/// The strip rule over the images a pass shows: its overrides, else its campaign's.
pub(crate) fn check_effective_images(
    campaign: &CampaignRecord,
    doc: &PassDoc,
    errors: &mut Errors,
) {
    let own = doc.images();
    let shown = |slot: AssetType| {
        let i = IMAGE_SLOTS.iter().position(|s| *s == slot).unwrap_or(0);
        own[i].is_some() || campaign.doc.presentation.image(slot).is_some()
    };
    crate::model::presentation::check_strip_rule(campaign.campaign_type.pass_type(), shown, errors);
}

fn barcodes_from(campaign: &CampaignRecord, patch: &PassPatch) -> Option<Vec<BarcodeDoc>> {
    let format = campaign.doc.presentation.barcode_format;
    let convert = |b: &BarcodeIn| BarcodeDoc {
        format: b.format.unwrap_or(format),
        message: b.message.clone(),
        alt_text: b.alt_text.clone(),
    };
    match (&patch.barcodes, &patch.barcode) {
        (Some(bs), _) if !bs.is_empty() => Some(bs.iter().map(convert).collect()),
        (_, Some(b)) => Some(vec![convert(b)]),
        _ => None,
    }
}

async fn code_taken(
    tx: &mut Tx,
    campaign_id: &str,
    code: &str,
    except: &str,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "SELECT id FROM passes WHERE campaign_id = $1 AND redeem_code = $2 AND id <> $3",
    )
    .bind(campaign_id)
    .bind(code)
    .bind(except)
    // Planned anew each time (PostgreSQL: an unnamed statement). A connection keeps a
    // prepared statement's plan until the table is analysed again; one made while the
    // table was small (a new database, or autovacuum off) may walk a campaign-wide index
    // and filter the code, a scan of every pass of the campaign on each create. Soak at
    // 30,000 passes: 15-50 ms a lookup instead of 0.05.
    .persistent(false)
    .fetch_optional(&mut **tx)
    .await?
    .is_some())
}

fn code_clash(e: sqlx::Error) -> ApiError {
    if crate::db::is_unique_violation(&e) {
        ApiError::invalid("redeem_code", "has already been taken")
    } else {
        e.into()
    }
}

/// Creates a pass of `campaign` inside `tx` (the caller commits): 412 when the campaign is
/// paused or archived, 422 for invalid attributes. Applies the code type (§6.5), the field
/// partial-update rule (§6.1) and keeps the campaign's `passes_count` in step.
/// Used by the API (P2), remote forms (§13) and the download pages.
pub async fn create_pass(
    db: &Db,
    tx: &mut Tx,
    campaign: &CampaignRecord,
    patch: &PassPatch,
) -> ApiResult<PassRecord> {
    require_issuing(tx, &campaign.id).await?;
    let mut errors = Errors::default();
    check_patch(tx, campaign, patch, &mut errors).await?;
    let doc = new_doc(campaign, patch, &mut errors);
    check_effective_images(campaign, &doc, &mut errors);
    check_apple(campaign, &doc, &mut errors);
    let id = new_id();
    let code = supplied_code(tx, campaign, patch, &id, &mut errors).await?;
    errors.check()?;
    let redeem_code = match code {
        Some(code) => code,
        None => next_sequential_code(db, tx, &campaign.id, &id).await?,
    };
    let ts = now();
    let pass = PassRecord {
        id,
        account_id: campaign.account_id.clone(),
        campaign_id: campaign.id.clone(),
        serial_number: crate::db::new_serial_number(),
        authentication_token: random_token(24),
        download_token: new_download_token(),
        redeem_code,
        voided: false,
        redeemed_count: 0,
        redeemed_at: None,
        last_fetched_at: None,
        doc,
        created_at: ts.clone(),
        updated_at: ts,
    };
    insert(tx, &pass, campaign.code_type == CodeType::Fixed).await?;
    let created = crate::model::events::NewEvent::for_pass(
        &campaign.account_id,
        &campaign.id,
        &pass.id,
        passworks_wire::EventKind::Created,
    );
    crate::model::events::record(tx, &created).await?;
    Ok(pass)
}

/// 404 when the campaign is gone, 412 unless it is published (read inside the
/// transaction, so a concurrent pause is seen).
pub(crate) async fn require_issuing(tx: &mut Tx, campaign_id: &str) -> ApiResult<()> {
    let state: Option<String> = sqlx::query_scalar("SELECT state FROM campaigns WHERE id = $1")
        .bind(campaign_id)
        .fetch_optional(&mut **tx)
        .await?;
    match state.as_deref().and_then(CampaignState::parse) {
        None => Err(ApiError::not_found("campaign")),
        Some(CampaignState::Published) => Ok(()),
        Some(s) => Err(ApiError::precondition(
            "campaign",
            format!("Campaign is {s}: it does not issue passes"),
        )),
    }
}

/// The document of a new pass: the campaign's content with the patch applied.
pub(crate) fn new_doc(
    campaign: &CampaignRecord,
    patch: &PassPatch,
    errors: &mut Errors,
) -> PassDoc {
    let mut doc = PassDoc::default();
    let mut fields = campaign.doc.fields();
    merge_fields(&mut fields, &patch.fields);
    check_unique_keys(&fields, errors);
    doc.set_fields(fields);
    doc.locations = patch
        .locations
        .clone()
        .unwrap_or_else(|| campaign.doc.locations.clone());
    doc.beacons = patch
        .beacons
        .clone()
        .unwrap_or_else(|| campaign.doc.beacons.clone());
    doc.user_info = patch
        .user_info
        .clone()
        .unwrap_or_else(|| campaign.doc.user_info.clone());
    doc.expiration_date = patch.expiration_date.clone().flatten();
    doc.relevant_date = patch.relevant_date.clone().flatten();
    if let Some(a) = &patch.apple {
        doc.apple = AppleOptions::default().patched(a);
    }
    doc.max_distance = patch.max_distance.flatten();
    for i in 0..6 {
        *doc.image_mut(i) = patch.images[i].clone().flatten();
    }
    if let Some(m) = &patch.metadata {
        doc.metadata = m.clone();
    }
    doc.barcodes = vec![BarcodeDoc {
        format: campaign.doc.presentation.barcode_format,
        message: None,
        alt_text: None,
    }];
    apply_barcodes(campaign, patch, &mut doc);
    doc
}

/// The redeem code of a new pass when the code type fixes it (`per_pass`: the supplied
/// one, which must be free; `fixed`: the campaign's), `None` for `sequential` codes.
async fn supplied_code(
    tx: &mut Tx,
    campaign: &CampaignRecord,
    patch: &PassPatch,
    id: &str,
    errors: &mut Errors,
) -> Result<Option<String>, sqlx::Error> {
    Ok(match campaign.code_type {
        CodeType::PerPass => match patch.redeem_code.clone().or_else(|| patch.custom_message()) {
            Some(c) => {
                if code_taken(tx, &campaign.id, &c, id).await? {
                    errors.add("redeem_code", "has already been taken");
                }
                Some(c)
            }
            None => {
                errors.add(
                    "redeem_code",
                    "can't be blank when the campaign's code_type is per_pass (send redeem_code, barcode.message or barcodes[].message)",
                );
                Some(String::new())
            }
        },
        CodeType::Fixed => Some(campaign.doc.code_fixed_value.clone().unwrap_or_default()),
        CodeType::Sequential | CodeType::List => None,
    })
}

/// The next free sequential code of a campaign (`0000001`, …), skipping codes taken by
/// passes that set their own.
async fn next_sequential_code(
    db: &Db,
    tx: &mut Tx,
    campaign_id: &str,
    id: &str,
) -> ApiResult<String> {
    loop {
        let next = db
            .draw_codes(tx, campaign_id, 1)
            .await?
            .ok_or_else(|| ApiError::not_found("campaign"))?;
        let candidate = format!("{next:07}");
        if !code_taken(tx, campaign_id, &candidate, id).await? {
            return Ok(candidate);
        }
    }
}

/// Inserts a new pass, counts it in its campaign's `passes_count` and records its expiry.
async fn insert(tx: &mut Tx, pass: &PassRecord, shared_code: bool) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO passes (id, account_id, campaign_id, serial_number, authentication_token, \
         download_token, redeem_code, voided, redeemed_count, doc, created_at, updated_at, \
         shared_code) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, $8, $9, $9, $10)",
    )
    .bind(&pass.id)
    .bind(&pass.account_id)
    .bind(&pass.campaign_id)
    .bind(&pass.serial_number)
    .bind(&pass.authentication_token)
    .bind(&pass.download_token)
    .bind(&pass.redeem_code)
    .bind(serde_json::to_string(&pass.doc)?)
    .bind(&pass.created_at)
    .bind(shared_code as i64)
    .execute(&mut **tx)
    .await
    .map_err(code_clash)?;
    let slot = crate::db::counter_slot(tx);
    sqlx::query(&format!(
        "UPDATE campaign_counters SET passes_count = passes_count + 1 \
         WHERE campaign_id = $1 AND slot = {slot}"
    ))
    .bind(&pass.campaign_id)
    .execute(&mut **tx)
    .await?;
    set_pass_expiry(tx, &pass.id, pass.doc.expiration_date.as_deref()).await?;
    Ok(())
}

/// Sets the supplied barcodes (their format defaults to the campaign's) and marks them as
/// the caller's, so a merge leaves their format alone.
fn apply_barcodes(campaign: &CampaignRecord, patch: &PassPatch, doc: &mut PassDoc) {
    if let Some(b) = barcodes_from(campaign, patch) {
        doc.barcodes = b;
        doc.custom_barcodes = true;
    }
}

/// Applies an update patch (§8.2) to a pass of `campaign` inside `tx` and writes it (the
/// caller commits): 422 for invalid attributes or a redeem code already taken. With
/// `merge` (the default) supplied fields are merged by key, otherwise supplied arrays
/// replace the pass's.
pub async fn update_pass(
    tx: &mut Tx,
    campaign: &CampaignRecord,
    pass: &mut PassRecord,
    patch: &PassPatch,
) -> ApiResult<()> {
    let mut errors = Errors::default();
    check_patch(tx, campaign, patch, &mut errors).await?;
    apply_update(campaign, patch, &mut pass.doc, &mut errors);
    check_effective_images(campaign, &pass.doc, &mut errors);
    check_apple(campaign, &pass.doc, &mut errors);
    if campaign.code_type == CodeType::PerPass {
        let new_code = patch.redeem_code.clone().or_else(|| {
            patch
                .has_custom_message()
                .then(|| patch.custom_message())
                .flatten()
        });
        if let Some(code) = new_code {
            if code != pass.redeem_code && code_taken(tx, &campaign.id, &code, &pass.id).await? {
                errors.add("redeem_code", "has already been taken");
            }
            pass.redeem_code = code;
        }
    }
    if let Some(v) = patch.voided {
        pass.voided = v;
    }
    errors.check()?;
    pass.updated_at = now();
    sqlx::query(
        "UPDATE passes SET doc = $1, redeem_code = $2, voided = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(serde_json::to_string(&pass.doc)?)
    .bind(&pass.redeem_code)
    .bind(pass.voided as i64)
    .bind(&pass.updated_at)
    .bind(&pass.id)
    .execute(&mut **tx)
    .await
    .map_err(code_clash)?;
    set_pass_expiry(tx, &pass.id, pass.doc.expiration_date.as_deref()).await?;
    Ok(())
}

/// Applies the supplied attributes of an update to a pass document, once.
fn apply_update(
    campaign: &CampaignRecord,
    patch: &PassPatch,
    d: &mut PassDoc,
    errors: &mut Errors,
) {
    let mut fields = d.fields();
    if patch.merge.unwrap_or(true) {
        merge_fields(&mut fields, &patch.fields);
    } else {
        for (i, supplied) in patch.fields.iter().enumerate() {
            if let Some(inputs) = supplied {
                fields[i] = fields_from_inputs(inputs);
            }
        }
    }
    check_unique_keys(&fields, errors);
    d.set_fields(fields);
    if let Some(l) = &patch.locations {
        d.locations = l.clone();
    }
    if let Some(b) = &patch.beacons {
        d.beacons = b.clone();
    }
    if let Some(v) = &patch.expiration_date {
        d.expiration_date = v.clone();
    }
    if let Some(v) = &patch.relevant_date {
        d.relevant_date = v.clone();
    }
    if let Some(v) = patch.max_distance {
        d.max_distance = v;
    }
    if let Some(v) = &patch.user_info {
        d.user_info = v.clone();
    }
    if let Some(a) = &patch.apple {
        d.apple = d.apple.patched(a);
    }
    for i in 0..6 {
        if let Some(v) = &patch.images[i] {
            *d.image_mut(i) = v.clone();
        }
    }
    apply_barcodes(campaign, patch, d);
}

/// Deletes a pass and takes it out of its campaign's counts.
pub async fn delete(db: &Db, pass: &PassRecord) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let gone = sqlx::query("DELETE FROM passes WHERE id = $1")
        .bind(&pass.id)
        .execute(&mut *tx)
        .await?;
    if gone.rows_affected() > 0 {
        let slot = crate::db::counter_slot(&tx);
        sqlx::query(&format!(
            "UPDATE campaign_counters SET passes_count = passes_count - 1, \
             redeemed_count = redeemed_count - $1, deleted_count = deleted_count + 1 \
             WHERE campaign_id = $2 AND slot = {slot}"
        ))
        .bind(pass.redeemed_count)
        .bind(&pass.campaign_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Makes a redeemed (voided) pass usable again.
pub async fn reset_redeem(db: &Db, pass: &mut PassRecord) -> Result<(), sqlx::Error> {
    pass.updated_at = now();
    sqlx::query("UPDATE passes SET voided = 0, updated_at = $1 WHERE id = $2")
        .bind(&pass.updated_at)
        .bind(&pass.id)
        .execute(&db.pool)
        .await?;
    pass.voided = false;
    Ok(())
}

/// What [`personalize`] did.
#[derive(Debug)]
pub enum Personalized {
    /// The holder's data is stored on the pass (now personalized).
    Stored(Box<PassRecord>),
    /// The pass was already personalized with this very token (Wallet repeating a
    /// request): nothing changed.
    Repeated,
    /// The pass was already personalized with another token.
    Taken,
}

/// Stores what a holder gave Wallet's rewards sign-up form on pass `pass_id`, with the
/// personalization `token` it came with, stamping `personalized_at` and the pass's
/// `updated_at` (so the personalized pass is what the next download gets). A pass is
/// personalized once; `None` when the pass does not exist.
pub async fn personalize(
    tx: &mut Tx,
    pass_id: &str,
    mut info: PersonalizationInfo,
    token: &str,
) -> Result<Option<Personalized>, sqlx::Error> {
    // Take the row's lock before reading (PostgreSQL; a SQLite write transaction holds
    // the database already), so two sign-ups of one pass are decided one after the other.
    sqlx::query("UPDATE passes SET updated_at = updated_at WHERE id = $1")
        .bind(pass_id)
        .execute(&mut **tx)
        .await?;
    let Some(mut pass) = load_tx(tx, pass_id).await? else {
        return Ok(None);
    };
    if pass.doc.personalization.is_some() {
        let same = pass.doc.personalization_token.as_deref() == Some(token);
        return Ok(Some(if same {
            Personalized::Repeated
        } else {
            Personalized::Taken
        }));
    }
    pass.updated_at = now();
    info.personalized_at = Some(pass.updated_at.clone());
    pass.doc.personalization = Some(info);
    pass.doc.personalization_token = Some(token.to_string());
    sqlx::query("UPDATE passes SET doc = $1, updated_at = $2 WHERE id = $3")
        .bind(serde_json::to_string(&pass.doc).map_err(|e| sqlx::Error::Encode(Box::new(e)))?)
        .bind(&pass.updated_at)
        .bind(&pass.id)
        .execute(&mut **tx)
        .await?;
    Ok(Some(Personalized::Stored(Box::new(pass))))
}

/// A pass served to a client: its `downloaded` or `fetched` event, and for a device
/// fetching its latest version (`fetched`), the pass's `last_fetched_at` to stamp.
#[derive(Debug, Clone)]
pub struct Served {
    pub event: crate::model::events::NewEvent,
    pub device_fetch: bool,
}

/// Records passes served ([`Served`]) on `conn` (the caller's transaction): devices'
/// fetches stamp `last_fetched_at`, and every event is recorded with its report counters
/// and webhook deliveries ([`crate::model::events::record_many`]).
pub async fn record_served(
    conn: &mut sqlx::AnyConnection,
    served: &[Served],
) -> Result<(), sqlx::Error> {
    let at = now();
    // In id order, so two processes' batches never lock two passes in opposite orders.
    let fetched: std::collections::BTreeSet<&str> = served
        .iter()
        .filter(|s| s.device_fetch)
        .filter_map(|s| s.event.pass_id.as_deref())
        .collect();
    for pass_id in fetched {
        sqlx::query("UPDATE passes SET last_fetched_at = $1 WHERE id = $2")
            .bind(&at)
            .bind(pass_id)
            .execute(&mut *conn)
            .await?;
    }
    let events: Vec<_> = served.iter().map(|s| s.event.clone()).collect();
    crate::model::events::record_many(conn, &events).await?;
    Ok(())
}

/// Filterable and sortable attributes of pass lists (P1).
pub const LIST_COLUMNS: &[Column] = &[
    col("id", "id", Kind::Text),
    col("serial_number", "serial_number", Kind::Text),
    col("redeem_code", "redeem_code", Kind::Text),
    col("voided", "voided", Kind::Bool),
    col("redeemed_count", "redeemed_count", Kind::Int),
    col("redeemed_at", "redeemed_at", Kind::Time),
    col("created_at", "created_at", Kind::Time),
    col("updated_at", "updated_at", Kind::Time),
    col("last_fetched_at", "last_fetched_at", Kind::Time),
];

/// One page of a campaign's passes, or all of them as CSV, with `q[search]` applied
/// ([`crate::model::search`]). `X-Total` comes from the campaign's maintained counters when
/// the list is unfiltered or filtered by `voided` only ([`campaign_total`]).
pub async fn list(
    db: &Db,
    positions: &Positions,
    campaign_id: &str,
    params: &ListParams,
) -> ApiResult<Paged<PassRecord>> {
    let search = params
        .search
        .as_deref()
        .map(|text| crate::model::search::plan(db.dialect, text));
    let scope = crate::model::search::scope(search.as_ref(), "campaign_id");
    let (conditions, with) = match search {
        Some(plan) => (plan.conditions, plan.with),
        None => (Vec::new(), None),
    };
    Listing {
        select: PASS_COLUMNS,
        from: "passes",
        scope: &scope,
        scope_binds: vec![Bind::Text(campaign_id.to_string())],
        columns: LIST_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page_with(
        db,
        params,
        Options {
            table: Some("passes"),
            conditions,
            with,
            known_total: Some(campaign_total),
            steady: Some(Steady {
                positions,
                list: format!("passes:{campaign_id}"),
                epoch_sql: "SELECT CAST(COALESCE(SUM(deleted_count), 0) AS BIGINT) \
                            FROM campaign_counters WHERE campaign_id = $1",
            }),
        },
        pass_from_row,
    )
    .await
}

/// The exact number of a campaign's passes from its counters: `passes_count` (kept by
/// the store functions) and `voided_count` (kept by triggers, migrations 0070 and 0180),
/// both in `campaign_counters`.
fn campaign_total(applied: &[Applied<'_>]) -> Option<&'static str> {
    match applied {
        [] => Some("SELECT CAST(SUM(passes_count) AS BIGINT) FROM campaign_counters WHERE campaign_id = $1"),
        [Applied {
            attr: "voided",
            predicate: Predicate::Eq,
            value: Bind::Int(v),
        }] => Some(if *v != 0 {
            "SELECT CAST(SUM(voided_count) AS BIGINT) FROM campaign_counters WHERE campaign_id = $1"
        } else {
            "SELECT CAST(SUM(passes_count - voided_count) AS BIGINT) FROM campaign_counters \
             WHERE campaign_id = $1"
        }),
        _ => None,
    }
}

/// Redeems a pass (§9): 412 when voided; otherwise records the redeem, increments the
/// counters, sets `redeemed_at` and voids the pass unless the campaign allows multiple
/// redeems. Returns the updated pass.
pub async fn redeem_pass(
    db: &Db,
    campaign: &CampaignRecord,
    pass_id: &str,
    comment: Option<String>,
) -> ApiResult<PassRecord> {
    let mut tx = db.begin().await?;
    let ts = now();
    let sql = if campaign.doc.allow_multiple_redeems {
        "UPDATE passes SET redeemed_count = redeemed_count + 1, redeemed_at = $1, updated_at = $1 \
         WHERE id = $2 AND voided = 0"
    } else {
        "UPDATE passes SET redeemed_count = redeemed_count + 1, redeemed_at = $1, updated_at = $1, \
         voided = 1 WHERE id = $2 AND voided = 0"
    };
    let done = sqlx::query(sql)
        .bind(&ts)
        .bind(pass_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(match load_tx(&mut tx, pass_id).await? {
            Some(_) => ApiError::precondition("pass", "Pass already redeemed"),
            None => ApiError::not_found("pass"),
        });
    }
    sqlx::query(
        "INSERT INTO redeems (id, account_id, campaign_id, pass_id, comment, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(&campaign.account_id)
    .bind(&campaign.id)
    .bind(pass_id)
    .bind(comment)
    .bind(&ts)
    .execute(&mut *tx)
    .await?;
    let slot = crate::db::counter_slot(&tx);
    sqlx::query(&format!(
        "UPDATE campaign_counters SET redeemed_count = redeemed_count + 1 \
         WHERE campaign_id = $1 AND slot = {slot}"
    ))
    .bind(&campaign.id)
    .execute(&mut *tx)
    .await?;
    let pass = load_tx(&mut tx, pass_id)
        .await?
        .ok_or_else(|| ApiError::not_found("pass"))?;
    let redeemed = crate::model::events::NewEvent::for_pass(
        &campaign.account_id,
        &campaign.id,
        pass_id,
        passworks_wire::EventKind::Redeemed,
    );
    crate::model::events::record(&mut tx, &redeemed).await?;
    tx.commit().await?;
    Ok(pass)
}

/// A pass's row in `pass_updates`: when it was last pushed, and the lock-screen
/// `changeMessage`s by field key.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PendingUpdate {
    pub pushed_at: Option<String>,
    pub change_messages: std::collections::HashMap<String, String>,
}

/// Loads a pass's pending update (the default when it was never pushed).
pub async fn pending_update(db: &Db, pass_id: &str) -> Result<PendingUpdate, sqlx::Error> {
    let row = sqlx::query("SELECT pushed_at, change_messages FROM pass_updates WHERE pass_id = $1")
        .bind(pass_id)
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = row else {
        return Ok(PendingUpdate::default());
    };
    let messages: Option<String> = row.try_get("change_messages")?;
    Ok(PendingUpdate {
        pushed_at: row.try_get("pushed_at")?,
        change_messages: change_messages(messages.as_deref()),
    })
}

/// The `changeMessage`s of a stored `pass_updates.change_messages` (JSON object of
/// strings; anything else is none).
fn change_messages(stored: Option<&str>) -> std::collections::HashMap<String, String> {
    match serde_json::from_str::<Value>(stored.unwrap_or("")) {
        Ok(Value::Object(m)) => m
            .into_iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
            .collect(),
        _ => Default::default(),
    }
}
