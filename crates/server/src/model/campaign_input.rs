//! A campaign body as supplied (§7.2, §7.4): reading its attributes, checking them across
//! attributes and against the account's templates, assets and certificates, and saving
//! the campaign in one transaction. A presentation that differs from the chosen
//! template's becomes a template of its own (source `api`).

use crate::auth::Account;
use crate::db::{new_id, now, random_token, Db, Tx};
use crate::error::{ApiResult, Errors};
use crate::model::campaigns::{self, CampaignDoc, CampaignRecord};
use crate::model::presentation::{Presentation, IMAGE_SLOTS};
use crate::model::values::{
    check_unique_keys, fields_from_inputs, merge_fields, not_in_list, Reader, MAX_STRING, MAX_TEXT,
};
use crate::model::{certificates, templates};
use passworks_wire::rules::barcode_encodable;
use passworks_wire::{
    BarcodeFormat, CampaignState, CampaignType, CodeType, FieldInput, TransitType,
};
use serde_json::{Map, Value};

/// Supplied presentation attributes (§7.2 / §11.1), absent ones `None`.
#[derive(Debug, Clone, Default)]
pub struct PresentationPatch {
    pub images: [Option<Option<String>>; 6],
    pub logo_text: Option<Option<String>>,
    pub background_color: Option<Option<String>>,
    pub text_color: Option<Option<String>>,
    pub label_color: Option<Option<String>>,
    pub transit_type: Option<Option<TransitType>>,
    pub barcode_format: Option<BarcodeFormat>,
}

impl PresentationPatch {
    /// Reads the presentation attributes (with the `foreground_color` alias).
    pub fn read(r: &mut Reader<'_>) -> Self {
        let mut p = PresentationPatch::default();
        for (i, slot) in IMAGE_SLOTS.iter().enumerate() {
            p.images[i] = r.uuid(slot.slot_attribute());
        }
        p.logo_text = r.string("logo_text", MAX_STRING);
        p.background_color = r.color("background_color");
        p.text_color = if r.has("text_color") {
            r.color("text_color")
        } else if r.has("foreground_color") {
            let c = r.color("foreground_color");
            if let Some(m) = r.errors.0.remove("foreground_color") {
                r.errors.0.insert("text_color".into(), m);
            }
            c
        } else {
            None
        };
        p.label_color = r.color("label_color");
        p.transit_type =
            r.enumeration("transit_type", TransitType::parse, &TransitType::expected());
        if let Some(b) = r.barcode("barcode") {
            p.barcode_format = b.format;
        }
        p
    }

    /// Applies the supplied attributes to `p`.
    pub fn apply(&self, p: &mut Presentation) {
        for (i, slot) in IMAGE_SLOTS.iter().enumerate() {
            if let Some(v) = &self.images[i] {
                *p.image_mut(*slot) = v.clone();
            }
        }
        if let Some(v) = &self.logo_text {
            p.logo_text = v.clone();
        }
        if let Some(v) = &self.background_color {
            p.background_color = v.clone();
        }
        if let Some(v) = &self.text_color {
            p.text_color = v.clone();
        }
        if let Some(v) = &self.label_color {
            p.label_color = v.clone();
        }
        if let Some(v) = self.transit_type {
            p.transit_type = v;
        }
        if let Some(f) = self.barcode_format {
            p.barcode_format = f;
        }
    }
}

/// The references a campaign body names, resolved against the database in [`save`].
struct References {
    template_id: Option<Option<String>>,
    certificate_id: Option<Option<String>>,
    google_issuer_id: Option<Option<String>>,
    presentation: PresentationPatch,
}

/// A new campaign of type `t` before its attributes are read.
fn new_campaign(account: &Account, t: CampaignType, ts: &str) -> CampaignRecord {
    CampaignRecord {
        id: new_id(),
        account_id: account.id.clone(),
        campaign_type: t,
        name: String::new(),
        description: String::new(),
        state: CampaignState::Published,
        template_id: String::new(),
        certificate_id: None,
        google_issuer_id: None,
        code_type: CodeType::Sequential,
        passes_count: 0,
        redeemed_count: 0,
        page_token: random_token(16),
        distribution_id: new_id(),
        doc: CampaignDoc::default(),
        created_at: ts.to_string(),
        updated_at: ts.to_string(),
        published_at: Some(ts.to_string()),
    }
}

/// Validates `map` as a create (`existing = None`) or update of a campaign of type `t`
/// and writes it in one transaction.
pub async fn save(
    db: &Db,
    account: &Account,
    t: CampaignType,
    existing: Option<CampaignRecord>,
    map: &Map<String, Value>,
) -> ApiResult<CampaignRecord> {
    let creating = existing.is_none();
    let ts = now();
    let mut c = existing.unwrap_or_else(|| new_campaign(account, t, &ts));
    let mut errors = Errors::default();
    let refs = read_attributes(&mut Reader::new(map, &mut errors), &mut c, creating);
    check_rules(&c, &mut errors);

    let mut tx = db.begin().await?;
    let (selected, p) = presentation(&mut tx, &mut c, &refs, creating, &mut errors).await?;
    // The Apple options are checked against the presentation being saved (its transit
    // type decides whether semanticBoardingPass is allowed), not the stored one.
    c.doc.presentation = p.clone();
    check_sequential_barcode(&c, &mut errors);
    c.check_apple(None, &mut errors);
    templates::check_apple_image_refs(&mut tx, &account.id, &c.doc.apple, &mut errors).await?;
    crate::model::assets::check_hosted_refs(&mut tx, &account.id, &c.doc.apple, &mut errors)
        .await?;
    certificate(
        &mut tx,
        account,
        &mut c,
        refs.certificate_id,
        creating,
        &mut errors,
    )
    .await?;
    match refs.google_issuer_id {
        Some(Some(id)) => {
            if crate::model::google::own_issuer_tx(&mut tx, &account.id, &id).await? {
                c.google_issuer_id = Some(id);
            } else {
                errors.add(
                    "google_issuer_id",
                    "must reference a Google Wallet issuer of this organization \
                     (GET /v2/google_wallet/issuers; null: the default issuer)",
                );
            }
        }
        Some(None) => c.google_issuer_id = None,
        None => {}
    }
    if !c.name.is_empty() && campaigns::name_taken(&mut tx, &c).await? {
        errors.add("name", "has already been taken");
    }
    errors.check()?;

    // A presentation that differs from the chosen template's becomes a template of its own.
    if selected.as_ref() != Some(&p) || c.template_id.is_empty() {
        let name = templates::unique_template_name(&mut tx, &account.id, &c.name).await?;
        let tpl =
            templates::insert_template(&mut tx, &account.id, &name, None, t.pass_type(), "api", &p)
                .await?;
        c.template_id = tpl.id;
    }
    c.doc.presentation = p;
    c.updated_at = ts;
    if creating {
        campaigns::insert(&mut tx, &c).await?;
    } else {
        campaigns::update(&mut tx, &c).await?;
    }
    tx.commit().await?;
    Ok(c)
}

/// Reads the attributes of §7.2 into `c` (problems go to the reader's errors) and returns
/// the references that need the database.
// Long because it reads every campaign attribute in turn, each a few lines.
fn read_attributes(r: &mut Reader<'_>, c: &mut CampaignRecord, creating: bool) -> References {
    if r.has("name") {
        if let Some(n) = r.non_blank("name", MAX_STRING) {
            c.name = n;
        }
    } else if creating {
        r.errors.add("name", "can't be blank");
    }
    match r.string("description", MAX_TEXT) {
        Some(Some(d)) if !d.trim().is_empty() => c.description = d,
        Some(_) => c.description = c.name.clone(),
        None if creating => c.description = c.name.clone(),
        None => {}
    }
    let refs = References {
        template_id: r.uuid("template_id"),
        certificate_id: r.uuid("certificate_id"),
        google_issuer_id: r.uuid("google_issuer_id"),
        presentation: PresentationPatch::read(r),
    };
    let d = &mut c.doc;
    // Creating takes each supplied array whole; an update merges by key (§7.4, see
    // `merge_fields`), and `null` empties an array.
    let mut fields = d.fields();
    let mut supplied: [Option<Vec<FieldInput>>; 5] = Default::default();
    for (i, array) in passworks_wire::rules::FieldArray::ALL.iter().enumerate() {
        let key = array.as_str();
        let cleared = r.is_null(key);
        if let Some(inputs) = r.fields(key) {
            if creating || cleared {
                fields[i] = fields_from_inputs(&inputs);
            } else {
                supplied[i] = Some(inputs);
            }
        }
    }
    merge_fields(&mut fields, &supplied);
    check_unique_keys(&fields, r.errors);
    d.set_fields(fields);
    if let Some(l) = r.locations("locations") {
        d.locations = l;
    }
    if let Some(b) = r.beacons("beacons") {
        d.beacons = b;
    }
    if let Some(v) = r.string("organization_name", MAX_STRING) {
        d.organization_name = v.filter(|s| !s.trim().is_empty());
    }
    if let Some(v) = r.integers("associated_store_identifiers") {
        d.associated_store_identifiers = v;
    }
    match r.enumeration("code_type", CodeType::parse, "sequential, fixed, per_pass") {
        Some(Some(CodeType::List)) => r.errors.add(
            "code_type",
            "list is reserved and can't be used through the API (accepted: sequential, fixed, per_pass)",
        ),
        Some(Some(ct)) => c.code_type = ct,
        Some(None) => c.code_type = CodeType::Sequential,
        None => {}
    }
    if let Some(v) = r.string("code_fixed_value", MAX_STRING) {
        d.code_fixed_value = v.filter(|s| !s.is_empty());
    }
    if let Some(v) = r.boolean("allow_multiple_redeems") {
        d.allow_multiple_redeems = v;
    }
    if let Some(v) = r.time("expiration_date") {
        d.expiration_date = v;
    }
    if let Some(v) = r.time("relevant_date") {
        d.relevant_date = v;
    }
    if let Some(v) = r.integer("max_distance") {
        d.max_distance = v;
    }
    if let Some(v) = r.object("user_info") {
        d.user_info = v;
    }
    if let Some(v) = r.boolean("gwallet_usage") {
        d.gwallet_usage = v;
        if v && d.gwallet_status.is_none() {
            d.gwallet_status = Some("local".into());
        } else if v {
            d.gwallet_status = Some("updated".into());
        }
    }
    if let Some(v) = r.boolean("og") {
        d.og = v;
    }
    if let Some(v) = r.string("og_description", MAX_TEXT) {
        d.og_description = v.unwrap_or_default();
    }
    if let Some(v) = r.string("javascript", MAX_TEXT) {
        d.javascript = v;
    }
    if let Some(v) = r.string("stylesheet", MAX_TEXT) {
        d.stylesheet = v;
    }
    if let Some(v) = r.url("remote_form_url") {
        d.remote_form_url = v;
    }
    if let Some(v) = r.boolean("sync_locations_on_merge") {
        d.sync_locations_on_merge = v;
    }
    if let Some(v) = r.boolean("sync_beacons_on_merge") {
        d.sync_beacons_on_merge = v;
    }
    if let Some(v) = r.apple("apple") {
        d.apple = d.apple.patched(&v);
    }
    refs
}

/// Sequential codes are seven digits: an EAN-13 needs thirteen with a check digit, an
/// Interleaved 2 of 5 an even count, so every pass would be refused at download. Checked
/// against the presentation being saved (the format may come from a template).
fn check_sequential_barcode(c: &CampaignRecord, errors: &mut Errors) {
    let format = c.doc.presentation.barcode_format;
    if c.code_type == CodeType::Sequential
        && matches!(format, BarcodeFormat::Ean13 | BarcodeFormat::I2of5)
    {
        errors.add(
            "barcode",
            format!(
                "a {format} barcode can't hold the seven-digit sequential codes: use code_type per_pass (give each pass its code) or fixed, or another format"
            ),
        );
    }
}

/// Rules across attributes: a fixed code needs its value (and one the barcode can hold), `max_distance` bounds per type,
/// Google Wallet only for coupons and store cards.
fn check_rules(c: &CampaignRecord, errors: &mut Errors) {
    let (t, d) = (c.campaign_type, &c.doc);
    if c.code_type == CodeType::Fixed {
        match &d.code_fixed_value {
            None => errors.add("code_fixed_value", "can't be blank when code_type is fixed"),
            // Every pass carries this code in its barcode: refuse now what the pass
            // builder would refuse at every download.
            Some(v) => {
                if let Err(e) = barcode_encodable(d.presentation.barcode_format, v) {
                    errors.add("code_fixed_value", e.to_string());
                }
            }
        }
    }
    if let Some(m) = d.max_distance {
        let limit = t.max_distance_limit();
        if m <= 0 {
            errors.add("max_distance", "must be greater than 0");
        } else if m > limit {
            errors.add(
                "max_distance",
                format!("must be less than or equal to {limit}"),
            );
        }
    }
    if d.gwallet_usage && !matches!(t, CampaignType::Coupon | CampaignType::StoreCard) {
        errors.add(
            "gwallet_usage",
            "is only available for coupons and store cards",
        );
    }
}

/// The campaign's presentation: from the chosen template (or the current one), then the
/// body, checked per type and against the account's assets. Returns the template's
/// presentation (when one was chosen or kept) and the result.
async fn presentation(
    tx: &mut Tx,
    c: &mut CampaignRecord,
    refs: &References,
    creating: bool,
    errors: &mut Errors,
) -> ApiResult<(Option<Presentation>, Presentation)> {
    let t = c.campaign_type;
    let mut selected: Option<Presentation> = None;
    if let Some(Some(tid)) = &refs.template_id {
        match templates::load_tx(tx, &c.account_id, tid).await? {
            Some(tpl) if tpl.pass_type == t.pass_type() => {
                c.template_id = tpl.id.clone();
                selected = Some(tpl.presentation.clone());
            }
            Some(tpl) => errors.add(
                "template_id",
                format!(
                    "must reference a template with pass_type {} (this one is {})",
                    t.pass_type(),
                    tpl.pass_type
                ),
            ),
            None => errors.add(
                "template_id",
                "must reference a template of this organization",
            ),
        }
    } else if matches!(refs.template_id, Some(None)) && !creating {
        errors.add("template_id", "can't be blank");
    }
    if selected.is_none() && !creating {
        selected = Some(c.doc.presentation.clone());
    }
    let mut p = selected.clone().unwrap_or_default();
    refs.presentation.apply(&mut p);
    if t == CampaignType::BoardingPass {
        if p.transit_type.is_none() && !errors.0.contains_key("transit_type") {
            errors.add(
                "transit_type",
                format!("can't be blank ({})", not_in_list(&TransitType::expected())),
            );
        }
    } else {
        p.transit_type = None;
    }
    if p.icon_id.is_none()
        && !errors.0.contains_key("icon_id")
        && !errors.0.contains_key("template_id")
    {
        errors.add("icon_id", "can't be blank");
    }
    crate::model::presentation::check_strip_rule(t.pass_type(), |s| p.image(s).is_some(), errors);
    templates::check_images(tx, &c.account_id, &p, errors).await?;
    Ok((selected, p))
}

/// The campaign's certificate: the one named (it must be available to the account), else
/// the default for a new campaign or an explicit `null`.
async fn certificate(
    tx: &mut Tx,
    account: &Account,
    c: &mut CampaignRecord,
    certificate_id: Option<Option<String>>,
    creating: bool,
    errors: &mut Errors,
) -> ApiResult<()> {
    match certificate_id {
        Some(Some(cid)) => {
            if certificates::visible_to(tx, &account.id, &cid).await? {
                c.certificate_id = Some(cid);
            } else {
                errors.add(
                    "certificate_id",
                    "must reference a certificate available to this organization",
                );
            }
        }
        Some(None) => c.certificate_id = campaigns::default_certificate(tx, account).await?,
        None if creating => c.certificate_id = campaigns::default_certificate(tx, account).await?,
        None => {}
    }
    Ok(())
}
