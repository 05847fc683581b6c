//! Campaigns of the five types (§5, §7) at their own paths: `/coupons`, `/store_cards`,
//! `/event_tickets`, `/boarding_passes` and `/generics`. One implementation serves all
//! five; each route carries its [`CampaignType`] as a request extension.
//!
//! Submodules: [`model`] (records and wire shapes), [`values`] (attribute parsing shared
//! with passes, templates and remote forms), [`merge`] (applying a campaign to its passes)
//! and [`reports`] (C15/C16).

pub mod merge;
pub mod model;
pub mod reports;
pub mod values;

use self::model::{
    campaign_from_row, campaign_to_wire, CampaignDoc, CampaignRecord, Presentation,
    CAMPAIGN_COLUMNS, IMAGE_SLOTS,
};
use self::values::{
    check_unique_keys, field_from_input, not_in_list, Reader, FIELD_ARRAYS, MAX_STRING, MAX_TEXT,
};
use crate::api::passes;
use crate::api::routes::{doc, ParamKind, QueryParam, Routes};
use crate::api::templates::{check_images, insert_template, load_template, unique_template_name};
use crate::api::util::parse_id;
use crate::auth::{Account, Auth};
use crate::body::JsonBody;
use crate::db::{new_id, now, random_token, Db, Tx};
use crate::error::{ApiError, ApiResult, Errors};
use crate::list::{col, Bind, Kind, ListParams, Listing, Paged};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use passworks_wire as wire;
use passworks_wire::{BarcodeFormat, CampaignState, CampaignType, CodeType, TransitType};
use sqlx::Row;

pub use self::merge::merge_campaign_into_passes;
pub use self::model::load_campaign_by_id;

/// Routes of this module, for the five campaign types.
pub fn router() -> Routes {
    const REPORT_QUERY: &[QueryParam] = &[
        QueryParam {
            name: "start_date",
            kind: ParamKind::Date,
            description: "YYYY-MM-DD, default today minus one month.",
        },
        QueryParam {
            name: "end_date",
            kind: ParamKind::Date,
            description: "YYYY-MM-DD, default today (UTC).",
        },
    ];
    let mut routes = Routes::new("Campaigns");
    for t in CampaignType::ALL {
        let base = format!("/{}", t.as_str());
        let one = format!("{base}/{{campaign_id}}");
        let name = t.label().to_lowercase();
        let save_doc = |summary: String, created: bool| {
            let d = doc(summary);
            let d = if created {
                d.created::<wire::Campaign>().requires(&["name"])
            } else {
                d.ok::<wire::Campaign>()
            };
            d.body::<wire::CampaignInput>(t.root_key()).errors(&[422])
        };
        let transition_doc = |summary: &str| doc(summary).ok::<wire::Campaign>().errors(&[412]);
        let r = Routes::new(t.plural_label())
            .get(
                &base,
                list,
                doc(format!("List {name} campaigns")).list::<wire::Campaign>(COLUMNS),
            )
            .post(
                &base,
                create,
                save_doc(format!("Create a {name} campaign"), true),
            )
            .get(
                &one,
                show,
                doc(format!("One {name} campaign")).ok::<wire::Campaign>(),
            )
            .patch(
                &one,
                update,
                save_doc(format!("Update a {name} campaign"), false),
            )
            .put(
                &one,
                update,
                save_doc(format!("Update a {name} campaign (alias of PATCH)"), false),
            )
            .delete(
                &one,
                destroy,
                doc(format!("Delete a {name} campaign and its passes"))
                    .ok::<wire::DeleteOk>()
                    .errors(&[412]),
            )
            .post(
                &format!("{one}/merge"),
                merge_handler,
                doc("Apply the campaign to every pass, then push")
                    .ok::<wire::MessageBody>()
                    .body_anywhere::<wire::PushInput>()
                    .errors(&[422]),
            )
            .post(
                &format!("{one}/push"),
                push,
                doc("Notify every installed pass")
                    .ok::<wire::MessageBody>()
                    .body_anywhere::<wire::PushInput>()
                    .errors(&[422]),
            )
            .post(
                &format!("{one}/pause"),
                pause,
                transition_doc("Pause the campaign"),
            )
            .post(
                &format!("{one}/resume"),
                resume,
                transition_doc("Resume a paused campaign"),
            )
            .post(
                &format!("{one}/archive"),
                archive,
                transition_doc("Archive the campaign"),
            )
            .post(
                &format!("{one}/redeem"),
                redeem_by_code,
                doc("Redeem a pass by its redeem code")
                    .ok::<wire::Pass>()
                    .body::<wire::RedeemInput>("pass")
                    .requires(&["redeem_code"])
                    .errors(&[412, 422]),
            )
            .get(
                &format!("{one}/redeem/{{redeem_code}}"),
                lookup_by_code,
                doc("Find a pass by its redeem code").ok::<wire::Pass>(),
            )
            .get(
                &format!("{one}/redeems"),
                redeems,
                doc("Redemptions of the campaign").list::<wire::Redeem>(REDEEM_COLUMNS),
            )
            .get(
                &format!("{one}/registrations"),
                registrations,
                doc("Wallet installations of the campaign")
                    .list::<wire::Registration>(REGISTRATION_COLUMNS),
            )
            .get(
                &format!("{one}/reports"),
                reports::daily,
                doc("Daily report")
                    .ok::<wire::DailyReport>()
                    .query(REPORT_QUERY)
                    .errors(&[400]),
            )
            .get(
                &format!("{one}/reports/totals"),
                reports::totals,
                doc("Totals report").ok::<wire::TotalsReport>(),
            )
            .extension(*t);
        routes = routes.merge(r);
    }
    routes
}

/// Loads a campaign of `account_id` and type `t`, or 404 (malformed ids included).
pub async fn load_campaign(
    db: &Db,
    account_id: &str,
    t: CampaignType,
    raw_id: &str,
) -> ApiResult<CampaignRecord> {
    let id = parse_id(raw_id, "campaign")?;
    let sql = format!(
        "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1 AND account_id = $2 AND campaign_type = $3"
    );
    let row = sqlx::query(&sql)
        .bind(&id)
        .bind(account_id)
        .bind(t.as_str())
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| ApiError::not_found("campaign"))?;
    let campaign = campaign_from_row(&row)?;
    // Every API call scoped to a campaign counts towards its `api_calls_count` (§15).
    let mut conn = db.pool.acquire().await?;
    crate::events::bump_counter(
        &mut conn,
        &campaign.id,
        &crate::events::today(),
        "api_calls_count",
        1,
    )
    .await?;
    Ok(campaign)
}

/// Loads a campaign by id inside a transaction (no scoping).
pub async fn load_campaign_tx(
    tx: &mut Tx,
    id: &str,
) -> Result<Option<CampaignRecord>, sqlx::Error> {
    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&mut **tx).await?;
    row.as_ref().map(campaign_from_row).transpose()
}

const COLUMNS: &[crate::list::Column] = &[
    col("id", "id", Kind::Text),
    col("name", "name", Kind::Text),
    col("description", "description", Kind::Text),
    col("state", "state", Kind::Text),
    col("code_type", "code_type", Kind::Text),
    col("template_id", "template_id", Kind::Text),
    col("certificate_id", "certificate_id", Kind::Text),
    col("passes_count", "passes_count", Kind::Int),
    col("redeemed_count", "redeemed_count", Kind::Int),
    col("created_at", "created_at", Kind::Time),
    col("updated_at", "updated_at", Kind::Time),
    col("published_at", "published_at", Kind::Time),
];

async fn list(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    params: ListParams,
) -> ApiResult<Paged<wire::Campaign>> {
    Listing {
        select: CAMPAIGN_COLUMNS,
        from: "campaigns",
        scope: "account_id = $1 AND campaign_type = $2",
        scope_binds: vec![
            Bind::Text(account.id.clone()),
            Bind::Text(t.as_str().into()),
        ],
        columns: COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(&state.db, &params, |r| -> Result<_, sqlx::Error> {
        campaign_from_row(r).map(|c| campaign_to_wire(&state, &c, &account.name))
    })
    .await
}

async fn show(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<wire::Campaign>> {
    let c = load_campaign(&state.db, &account.id, t, &id).await?;
    Ok(Json(campaign_to_wire(&state, &c, &account.name)))
}

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

/// The id of the certificate a new campaign uses by default: the account's default, else
/// the shared development certificate.
async fn default_certificate(
    tx: &mut Tx,
    account: &Account,
) -> Result<Option<String>, sqlx::Error> {
    if let Some(id) = &account.default_certificate_id {
        return Ok(Some(id.clone()));
    }
    sqlx::query_scalar::<_, String>(
        "SELECT id FROM certificates WHERE account_id IS NULL ORDER BY created_at LIMIT 1",
    )
    .fetch_optional(&mut **tx)
    .await
}

/// Validates `map` as a create (`existing = None`) or update of a campaign of type `t`
/// and writes it in one transaction.
async fn save(
    state: &AppState,
    account: &Account,
    t: CampaignType,
    existing: Option<CampaignRecord>,
    map: &serde_json::Map<String, serde_json::Value>,
) -> ApiResult<CampaignRecord> {
    let creating = existing.is_none();
    let ts = now();
    let mut c = existing.unwrap_or_else(|| CampaignRecord {
        id: new_id(),
        account_id: account.id.clone(),
        campaign_type: t,
        name: String::new(),
        description: String::new(),
        state: CampaignState::Published,
        template_id: String::new(),
        certificate_id: None,
        code_type: CodeType::Sequential,
        next_code: 1,
        passes_count: 0,
        redeemed_count: 0,
        page_token: random_token(16),
        distribution_id: new_id(),
        doc: CampaignDoc::default(),
        created_at: ts.clone(),
        updated_at: ts.clone(),
        published_at: Some(ts.clone()),
    });
    let mut errors = Errors::default();
    let mut r = Reader::new(map, &mut errors);

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
    let template_id = r.uuid("template_id");
    let certificate_id = r.uuid("certificate_id");
    let patch = PresentationPatch::read(&mut r);
    let d = &mut c.doc;
    let mut fields = d.fields();
    for (i, key) in FIELD_ARRAYS.iter().enumerate() {
        if let Some(inputs) = r.fields(key) {
            fields[i] = inputs.iter().map(field_from_input).collect();
        }
    }
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

    // Rules across attributes.
    if c.code_type == CodeType::Fixed && d.code_fixed_value.is_none() {
        errors.add("code_fixed_value", "can't be blank when code_type is fixed");
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

    let mut tx = state.db.begin().await?;

    // Presentation: from the chosen template (or the current one), then the body.
    let mut selected: Option<Presentation> = None;
    if let Some(Some(tid)) = &template_id {
        match load_template(&mut tx, &account.id, tid).await? {
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
    } else if matches!(template_id, Some(None)) && !creating {
        errors.add("template_id", "can't be blank");
    }
    if selected.is_none() && !creating {
        selected = Some(c.doc.presentation.clone());
    }
    let mut p = selected.clone().unwrap_or_default();
    patch.apply(&mut p);
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
    if t == CampaignType::EventTicket
        && p.strip_id.is_some()
        && (p.background_id.is_some() || p.thumbnail_id.is_some())
    {
        errors.add(
            "strip_id",
            "can't be combined with background_id or thumbnail_id on event tickets",
        );
    }
    check_images(&mut tx, &account.id, &p, &mut errors).await?;

    match certificate_id {
        Some(Some(cid)) => {
            let visible = sqlx::query(
                "SELECT id FROM certificates WHERE id = $1 AND (account_id = $2 OR account_id IS NULL)",
            )
            .bind(&cid)
            .bind(&account.id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
            if visible {
                c.certificate_id = Some(cid);
            } else {
                errors.add(
                    "certificate_id",
                    "must reference a certificate available to this organization",
                );
            }
        }
        Some(None) => c.certificate_id = default_certificate(&mut tx, account).await?,
        None if creating => c.certificate_id = default_certificate(&mut tx, account).await?,
        None => {}
    }

    if !c.name.is_empty() {
        let taken = sqlx::query(
            "SELECT id FROM campaigns WHERE account_id = $1 AND campaign_type = $2 AND name = $3 AND id <> $4",
        )
        .bind(&account.id)
        .bind(t.as_str())
        .bind(&c.name)
        .bind(&c.id)
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        if taken {
            errors.add("name", "has already been taken");
        }
    }
    errors.check()?;

    if selected.as_ref() != Some(&p) || c.template_id.is_empty() {
        let name = unique_template_name(&mut tx, &account.id, &c.name).await?;
        let tpl =
            insert_template(&mut tx, &account.id, &name, None, t.pass_type(), "api", &p).await?;
        c.template_id = tpl.id;
    }
    c.doc.presentation = p;
    c.updated_at = ts;
    let doc = serde_json::to_string(&c.doc)?;
    if creating {
        sqlx::query(
            "INSERT INTO campaigns (id, account_id, campaign_type, name, description, state, \
             template_id, certificate_id, code_type, next_code, passes_count, redeemed_count, \
             page_token, distribution_id, doc, created_at, updated_at, published_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, 0, 0, $10, $11, $12, $13, $13, $13)",
        )
        .bind(&c.id)
        .bind(&account.id)
        .bind(t.as_str())
        .bind(&c.name)
        .bind(&c.description)
        .bind(c.state.as_str())
        .bind(&c.template_id)
        .bind(&c.certificate_id)
        .bind(c.code_type.as_str())
        .bind(&c.page_token)
        .bind(&c.distribution_id)
        .bind(&doc)
        .bind(&c.created_at)
        .execute(&mut *tx)
        .await
        .map_err(name_clash)?;
    } else {
        sqlx::query(
            "UPDATE campaigns SET name = $1, description = $2, template_id = $3, \
             certificate_id = $4, code_type = $5, doc = $6, updated_at = $7 WHERE id = $8",
        )
        .bind(&c.name)
        .bind(&c.description)
        .bind(&c.template_id)
        .bind(&c.certificate_id)
        .bind(c.code_type.as_str())
        .bind(&doc)
        .bind(&c.updated_at)
        .bind(&c.id)
        .execute(&mut *tx)
        .await
        .map_err(name_clash)?;
    }
    crate::expiry::set_campaign_expiry(&mut tx, &c.id, c.doc.expiration_date.as_deref()).await?;
    tx.commit().await?;
    Ok(c)
}

fn name_clash(e: sqlx::Error) -> ApiError {
    if crate::db::is_unique_violation(&e) {
        ApiError::invalid("name", "has already been taken")
    } else {
        e.into()
    }
}

async fn create(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<wire::Campaign>)> {
    let map = body.root(t.root_key())?;
    let c = save(&state, &account, t, None, map).await?;
    Ok((
        StatusCode::CREATED,
        Json(campaign_to_wire(&state, &c, &account.name)),
    ))
}

async fn update(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult<Json<wire::Campaign>> {
    let existing = load_campaign(&state.db, &account.id, t, &id).await?;
    let map = body.root(t.root_key())?;
    let c = save(&state, &account, t, Some(existing), map).await?;
    // An update changes what the campaign's download page shows.
    let mut conn = state.db.pool.acquire().await?;
    crate::events::bump_counter(
        &mut conn,
        &c.id,
        &crate::events::today(),
        "distribution_updates_count",
        1,
    )
    .await?;
    Ok(Json(campaign_to_wire(&state, &c, &account.name)))
}

async fn destroy(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<wire::DeleteOk>> {
    let c = load_campaign(&state.db, &account.id, t, &id).await?;
    let mut tx = state.db.begin().await?;
    for sql in [
        "DELETE FROM redeems WHERE campaign_id = $1",
        "DELETE FROM registrations WHERE campaign_id = $1",
        "DELETE FROM passes WHERE campaign_id = $1",
        "DELETE FROM report_daily WHERE campaign_id = $1",
        "DELETE FROM campaigns WHERE id = $1",
    ] {
        sqlx::query(sql).bind(&c.id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(Json(wire::DeleteOk { errors: vec![] }))
}

/// The state-change table of §7.4: the new state, or the 412 message.
pub fn transition(from: CampaignState, action: &str) -> Result<CampaignState, String> {
    use CampaignState::*;
    match (from, action) {
        (Published, "pause") => Ok(Paused),
        (Paused, "resume") => Ok(Published),
        (Published | Paused, "archive") => Ok(Archived),
        (from, action) => {
            let target = match action {
                "pause" => "paused",
                "resume" => "published",
                _ => "archived",
            };
            Err(format!("Can't {action} from {from} to {target}"))
        }
    }
}

async fn change_state(
    state: &AppState,
    t: CampaignType,
    account: &Account,
    id: &str,
    action: &str,
) -> ApiResult<Json<wire::Campaign>> {
    let c = load_campaign(&state.db, &account.id, t, id).await?;
    let to = transition(c.state, action).map_err(|m| ApiError::precondition("base", m))?;
    let ts = now();
    let done = sqlx::query(
        "UPDATE campaigns SET state = $1, updated_at = $2, \
         published_at = CASE WHEN $1 = 'published' THEN $2 ELSE published_at END \
         WHERE id = $3 AND state = $4",
    )
    .bind(to.as_str())
    .bind(&ts)
    .bind(&c.id)
    .bind(c.state.as_str())
    .execute(&state.db.pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::precondition(
            "base",
            "The campaign changed state concurrently; retry",
        ));
    }
    let c = load_campaign(&state.db, &account.id, t, id).await?;
    Ok(Json(campaign_to_wire(state, &c, &account.name)))
}

async fn pause(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<wire::Campaign>> {
    change_state(&state, t, &account, &id, "pause").await
}

async fn resume(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<wire::Campaign>> {
    change_state(&state, t, &account, &id, "resume").await
}

async fn archive(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<wire::Campaign>> {
    change_state(&state, t, &account, &id, "archive").await
}

/// Reads an optional `push_message` (top level or under any root key).
pub fn push_message(body: &JsonBody) -> ApiResult<Option<String>> {
    match body.anywhere("push_message") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if s.chars().count() <= MAX_STRING => {
            Ok(Some(s.clone()))
        }
        Some(serde_json::Value::String(_)) => Err(ApiError::invalid(
            "push_message",
            format!("is too long (maximum is {MAX_STRING} characters)"),
        )),
        Some(_) => Err(ApiError::invalid("push_message", "must be a string")),
    }
}

async fn merge_handler(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult<Json<wire::MessageBody>> {
    let c = load_campaign(&state.db, &account.id, t, &id).await?;
    let message = push_message(&body)?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM passes WHERE campaign_id = $1")
        .bind(&c.id)
        .fetch_one(&state.db.pool)
        .await?;
    if count == 0 {
        return Ok(Json(wire::MessageBody {
            message: format!("There are no passes to update for campaign '{}'.", c.name),
            job_id: None,
        }));
    }
    // Runs as a background job (crate::jobs), which also pushes the updated passes.
    let mut tx = state.db.begin().await?;
    let job_id =
        crate::jobs::enqueue_merge(&mut tx, &account.id, &c.id, message.as_deref()).await?;
    tx.commit().await?;
    Ok(Json(wire::MessageBody {
        message: format!(
            "Merging campaign '{}' into {count} passes; updated passes will be pushed to their devices.",
            c.name
        ),
        job_id: Some(job_id),
    }))
}

async fn push(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult<Json<wire::MessageBody>> {
    let c = load_campaign(&state.db, &account.id, t, &id).await?;
    let message = push_message(&body)?;
    let mut tx = state.db.begin().await?;
    crate::apns::enqueue_push_for_campaign(&mut tx, &c.id, message.as_deref()).await?;
    tx.commit().await?;
    let installed: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT pass_id) FROM registrations WHERE campaign_id = $1",
    )
    .bind(&c.id)
    .fetch_one(&state.db.pool)
    .await?;
    let message = if installed == 0 {
        format!(
            "There are no installed passes to push for campaign '{}'.",
            c.name
        )
    } else {
        format!(
            "Push notifications queued for {installed} installed passes of campaign '{}'.",
            c.name
        )
    };
    Ok(Json(wire::MessageBody {
        message,
        job_id: None,
    }))
}

async fn redeem_by_code(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult<Json<wire::Pass>> {
    let c = load_campaign(&state.db, &account.id, t, &id).await?;
    let map = body.root("pass")?;
    let mut errors = Errors::default();
    let mut r = Reader::new(map, &mut errors);
    let code = r
        .string("redeem_code", MAX_STRING)
        .flatten()
        .filter(|s| !s.is_empty());
    let comment = r.string("comment", MAX_TEXT).flatten();
    if code.is_none() && !r.errors.0.contains_key("redeem_code") {
        r.errors.add("redeem_code", "can't be blank");
    }
    errors.check()?;
    let code = code.unwrap_or_default();
    let pass = passes::find_by_code(&state.db, &c.id, &code)
        .await?
        .ok_or_else(|| ApiError::not_found("pass"))?;
    let pass = passes::redeem_pass(&state.db, &c, &pass.id, comment).await?;
    Ok(Json(passes::pass_to_wire(&state, &c, &pass)))
}

async fn lookup_by_code(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    Path((id, code)): Path<(String, String)>,
) -> ApiResult<Json<wire::Pass>> {
    let c = load_campaign(&state.db, &account.id, t, &id).await?;
    let pass = passes::find_by_code(&state.db, &c.id, &code)
        .await?
        .ok_or_else(|| ApiError::not_found("pass"))?;
    Ok(Json(passes::pass_to_wire(&state, &c, &pass)))
}

/// Filterable attributes of redeem lists (C13, P10).
pub const REDEEM_COLUMNS: &[crate::list::Column] = &[
    col("id", "id", Kind::Text),
    col("pass_id", "pass_id", Kind::Text),
    col("comment", "comment", Kind::Text),
    col("created_at", "created_at", Kind::Time),
];

/// Filterable attributes of registration lists (C14, P9).
pub const REGISTRATION_COLUMNS: &[crate::list::Column] = &[
    col("id", "id", Kind::Text),
    col("pass_id", "pass_id", Kind::Text),
    col("wallet", "wallet", Kind::Text),
    col("device_os", "device_os", Kind::Text),
    col("created_at", "created_at", Kind::Time),
];

/// Lists redeems matching `scope` (`campaign_id = $1` or `pass_id = $1`).
pub async fn list_redeems(
    db: &Db,
    scope: &str,
    id: &str,
    params: &ListParams,
) -> ApiResult<Paged<wire::Redeem>> {
    Listing {
        select: "id, pass_id, campaign_id, comment, created_at",
        from: "redeems",
        scope,
        scope_binds: vec![Bind::Text(id.to_string())],
        columns: REDEEM_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(db, params, |r| -> Result<_, sqlx::Error> {
        Ok(wire::Redeem {
            id: r.try_get("id")?,
            pass_id: r.try_get("pass_id")?,
            campaign_id: r.try_get("campaign_id")?,
            comment: r.try_get("comment")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .await
}

/// Lists registrations matching `scope` (`campaign_id = $1` or `pass_id = $1`).
pub async fn list_registrations(
    db: &Db,
    scope: &str,
    id: &str,
    params: &ListParams,
) -> ApiResult<Paged<wire::Registration>> {
    Listing {
        select: "id, pass_id, wallet, device_os, created_at",
        from: "registrations",
        scope,
        scope_binds: vec![Bind::Text(id.to_string())],
        columns: REGISTRATION_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(db, params, |r| -> Result<_, sqlx::Error> {
        Ok(wire::Registration {
            id: r.try_get("id")?,
            pass_id: r.try_get("pass_id")?,
            wallet: r.try_get("wallet")?,
            device_os: r.try_get("device_os")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .await
}

async fn redeems(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    Path(id): Path<String>,
    params: ListParams,
) -> ApiResult<Paged<wire::Redeem>> {
    let c = load_campaign(&state.db, &account.id, t, &id).await?;
    list_redeems(&state.db, "campaign_id = $1", &c.id, &params).await
}

async fn registrations(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    Path(id): Path<String>,
    params: ListParams,
) -> ApiResult<Paged<wire::Registration>> {
    let c = load_campaign(&state.db, &account.id, t, &id).await?;
    list_registrations(&state.db, "campaign_id = $1", &c.id, &params).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_table() {
        use CampaignState::*;
        assert_eq!(transition(Published, "pause"), Ok(Paused));
        assert_eq!(transition(Paused, "resume"), Ok(Published));
        assert_eq!(transition(Paused, "archive"), Ok(Archived));
        assert!(transition(Published, "resume").is_err());
        assert!(transition(Paused, "pause").is_err());
        assert_eq!(
            transition(Archived, "resume"),
            Err("Can't resume from archived to published".into())
        );
        assert!(transition(Archived, "archive").is_err());
    }
}
