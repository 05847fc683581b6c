//! Campaign and template records as stored (`campaigns`/`templates` rows with their JSON
//! `doc`), their loading, and their wire shapes.

use super::values::BarcodeDoc;
use crate::db::{get_json, Db};
use crate::state::AppState;
use passworks_wire as wire;
use passworks_wire::{
    AssetType, Beacon, CampaignState, CampaignType, CodeType, Field, Location, PassType,
    TransitType,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

/// The presentation attributes a template holds (§11.1); a campaign carries a copy of its
/// template's. Changing any of them on a campaign generates a new template (§7.4).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Presentation {
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
    pub barcode_format: wire::BarcodeFormat,
}

/// The six image slots, in asset-type order.
pub const IMAGE_SLOTS: [AssetType; 6] = [
    AssetType::Icon,
    AssetType::Logo,
    AssetType::Strip,
    AssetType::Thumbnail,
    AssetType::Background,
    AssetType::Footer,
];

impl Presentation {
    /// The image id in `slot`.
    pub fn image(&self, slot: AssetType) -> &Option<String> {
        match slot {
            AssetType::Icon => &self.icon_id,
            AssetType::Logo => &self.logo_id,
            AssetType::Strip => &self.strip_id,
            AssetType::Thumbnail => &self.thumbnail_id,
            AssetType::Background => &self.background_id,
            AssetType::Footer => &self.footer_id,
        }
    }

    /// The image id in `slot`, mutably.
    pub fn image_mut(&mut self, slot: AssetType) -> &mut Option<String> {
        match slot {
            AssetType::Icon => &mut self.icon_id,
            AssetType::Logo => &mut self.logo_id,
            AssetType::Strip => &mut self.strip_id,
            AssetType::Thumbnail => &mut self.thumbnail_id,
            AssetType::Background => &mut self.background_id,
            AssetType::Footer => &mut self.footer_id,
        }
    }

    /// Distinct asset ids referenced.
    pub fn asset_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = IMAGE_SLOTS
            .iter()
            .filter_map(|s| self.image(*s).clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The campaign/template-level barcode (message and alt text `""`).
    pub fn barcode(&self) -> wire::Barcode {
        BarcodeDoc {
            format: self.barcode_format,
            message: None,
            alt_text: None,
        }
        .to_wire("")
    }
}

/// The JSON `doc` of a campaign: every attribute of §7.2 that has no column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CampaignDoc {
    #[serde(flatten)]
    pub presentation: Presentation,
    pub header_fields: Vec<Field>,
    pub primary_fields: Vec<Field>,
    pub secondary_fields: Vec<Field>,
    pub auxiliary_fields: Vec<Field>,
    pub back_fields: Vec<Field>,
    pub locations: Vec<Location>,
    pub beacons: Vec<Beacon>,
    /// None: the organization's registered name.
    pub organization_name: Option<String>,
    pub associated_store_identifiers: Vec<i64>,
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
}

impl Default for CampaignDoc {
    fn default() -> Self {
        CampaignDoc {
            presentation: Presentation::default(),
            header_fields: Vec::new(),
            primary_fields: Vec::new(),
            secondary_fields: Vec::new(),
            auxiliary_fields: Vec::new(),
            back_fields: Vec::new(),
            locations: Vec::new(),
            beacons: Vec::new(),
            organization_name: None,
            associated_store_identifiers: Vec::new(),
            code_fixed_value: None,
            allow_multiple_redeems: false,
            expiration_date: None,
            relevant_date: None,
            max_distance: None,
            user_info: Value::Object(Default::default()),
            gwallet_usage: false,
            gwallet_status: None,
            gwallet_message: None,
            og: true,
            og_description: String::new(),
            javascript: None,
            stylesheet: None,
            remote_form_url: None,
            sync_locations_on_merge: true,
            sync_beacons_on_merge: true,
            render_on_short_url: false,
        }
    }
}

impl CampaignDoc {
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
}

/// A campaign row with its decoded doc. Other modules (download pages, pass.json, the
/// lifecycle jobs) build from this record.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignRecord {
    pub id: String,
    pub account_id: String,
    pub campaign_type: CampaignType,
    pub name: String,
    pub description: String,
    pub state: CampaignState,
    pub template_id: String,
    pub certificate_id: Option<String>,
    pub code_type: CodeType,
    pub next_code: i64,
    pub passes_count: i64,
    pub redeemed_count: i64,
    /// Token of the default distribution's page (`/p/{page_token}`).
    pub page_token: String,
    pub distribution_id: String,
    pub doc: CampaignDoc,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
}

/// Columns of `campaigns` read by [`campaign_from_row`] (unqualified).
pub const CAMPAIGN_COLUMNS: &str = "id, account_id, campaign_type, name, description, state, \
    template_id, certificate_id, code_type, next_code, passes_count, redeemed_count, \
    page_token, distribution_id, doc, created_at, updated_at, published_at";

/// Decodes a campaign row selected with [`CAMPAIGN_COLUMNS`].
pub fn campaign_from_row(row: &AnyRow) -> Result<CampaignRecord, sqlx::Error> {
    let t: String = row.try_get("campaign_type")?;
    let state: String = row.try_get("state")?;
    let code: String = row.try_get("code_type")?;
    Ok(CampaignRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        campaign_type: CampaignType::parse(&t).unwrap_or(CampaignType::Generic),
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        state: CampaignState::parse(&state).unwrap_or(CampaignState::Published),
        template_id: row.try_get("template_id")?,
        certificate_id: row.try_get("certificate_id")?,
        code_type: CodeType::parse(&code).unwrap_or_default(),
        next_code: row.try_get("next_code")?,
        passes_count: row.try_get("passes_count")?,
        redeemed_count: row.try_get("redeemed_count")?,
        page_token: row.try_get("page_token")?,
        distribution_id: row.try_get("distribution_id")?,
        doc: get_json(row, "doc"),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        published_at: row.try_get("published_at")?,
    })
}

/// Loads a campaign by id, whatever its account and type (for the download pages, the
/// PassKit web service and jobs). API handlers use the account- and type-scoped loader.
pub async fn load_campaign_by_id(db: &Db, campaign_id: &str) -> Option<CampaignRecord> {
    let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(campaign_id)
        .fetch_optional(&db.pool)
        .await
        .ok()??;
    campaign_from_row(&row).ok()
}

/// The public URLs of a campaign's default distribution (§7.5).
pub struct DistributionUrls {
    pub page_url: String,
    pub pkpass_url: String,
    pub preview_url: String,
    pub page_short_url: String,
    pub pkpass_short_url: String,
    pub preview_short_url: String,
}

/// URLs for `/p/{tail}` and `/s/{tail}` (tail = page token, or page token/download token).
pub fn urls(state: &AppState, tail: &str) -> DistributionUrls {
    let page = state.url(&format!("/p/{tail}"));
    let short = state.url(&format!("/s/{tail}"));
    DistributionUrls {
        pkpass_url: format!("{page}.pkpass"),
        preview_url: format!("{page}.png"),
        page_url: page,
        pkpass_short_url: format!("{short}.pkpass"),
        preview_short_url: format!("{short}.png"),
        page_short_url: short,
    }
}

/// The wire shape of a campaign; `organization_name` defaults to `account_name`.
pub fn campaign_to_wire(
    state: &AppState,
    c: &CampaignRecord,
    account_name: &str,
) -> wire::Campaign {
    let d = &c.doc;
    let p = &d.presentation;
    let u = urls(state, &c.page_token);
    let distribution = wire::Distribution {
        id: c.distribution_id.clone(),
        distribution_type: "downloadPage".into(),
        state: "published".into(),
        page_url: u.page_url.clone(),
        pkpass_url: u.pkpass_url.clone(),
        preview_url: u.preview_url.clone(),
        page_short_url: u.page_short_url.clone(),
        pkpass_short_url: u.pkpass_short_url.clone(),
        preview_short_url: u.preview_short_url.clone(),
        created_at: c.created_at.clone(),
        updated_at: c.updated_at.clone(),
        published_at: c.published_at.clone(),
    };
    let barcode = p.barcode();
    wire::Campaign {
        id: c.id.clone(),
        campaign_type: c.campaign_type,
        name: c.name.clone(),
        description: c.description.clone(),
        state: c.state,
        template_id: c.template_id.clone(),
        certificate_id: c.certificate_id.clone(),
        icon_id: p.icon_id.clone(),
        logo_id: p.logo_id.clone(),
        strip_id: p.strip_id.clone(),
        thumbnail_id: p.thumbnail_id.clone(),
        background_id: p.background_id.clone(),
        footer_id: p.footer_id.clone(),
        logo_text: p.logo_text.clone(),
        background_color: p.background_color.clone(),
        text_color: p.text_color.clone(),
        label_color: p.label_color.clone(),
        transit_type: p.transit_type,
        barcodes: vec![barcode.clone()],
        barcode,
        header_fields: d.header_fields.clone(),
        primary_fields: d.primary_fields.clone(),
        secondary_fields: d.secondary_fields.clone(),
        auxiliary_fields: d.auxiliary_fields.clone(),
        back_fields: d.back_fields.clone(),
        locations: d.locations.clone(),
        beacons: d.beacons.clone(),
        organization_name: d
            .organization_name
            .clone()
            .unwrap_or_else(|| account_name.to_string()),
        associated_store_identifiers: d.associated_store_identifiers.clone(),
        code_type: c.code_type,
        code_fixed_value: d.code_fixed_value.clone(),
        allow_multiple_redeems: d.allow_multiple_redeems,
        expiration_date: d.expiration_date.clone(),
        relevant_date: d.relevant_date.clone(),
        max_distance: d.max_distance,
        user_info: d.user_info.clone(),
        gwallet_usage: d.gwallet_usage,
        gwallet_status: d.gwallet_status.clone(),
        gwallet_message: d.gwallet_message.clone(),
        og: d.og,
        og_description: d.og_description.clone(),
        javascript: d.javascript.clone(),
        stylesheet: d.stylesheet.clone(),
        remote_form_url: d.remote_form_url.clone(),
        sync_locations_on_merge: d.sync_locations_on_merge,
        sync_beacons_on_merge: d.sync_beacons_on_merge,
        render_on_short_url: d.render_on_short_url,
        passes_count: c.passes_count,
        redeemed_count: c.redeemed_count,
        distributions: vec![distribution],
        page_url: u.page_url,
        pkpass_url: u.pkpass_url,
        page_short_url: u.page_short_url,
        pkpass_short_url: u.pkpass_short_url,
        created_at: c.created_at.clone(),
        updated_at: c.updated_at.clone(),
    }
}

/// A template row with its decoded presentation.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateRecord {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub description: Option<String>,
    pub pass_type: PassType,
    pub source: String,
    pub presentation: Presentation,
    pub created_at: String,
    pub updated_at: String,
}

/// Columns of `templates` read by [`template_from_row`].
pub const TEMPLATE_COLUMNS: &str =
    "id, account_id, name, description, pass_type, source, doc, created_at, updated_at";

/// Decodes a template row selected with [`TEMPLATE_COLUMNS`].
pub fn template_from_row(row: &AnyRow) -> Result<TemplateRecord, sqlx::Error> {
    let pt: String = row.try_get("pass_type")?;
    Ok(TemplateRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        pass_type: PassType::parse(&pt).unwrap_or(PassType::Generic),
        source: row.try_get("source")?,
        presentation: get_json(row, "doc"),
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// The wire shape of a template.
pub fn template_to_wire(t: &TemplateRecord) -> wire::Template {
    let p = &t.presentation;
    wire::Template {
        id: t.id.clone(),
        name: t.name.clone(),
        description: t.description.clone(),
        pass_type: t.pass_type,
        transit_type: p.transit_type,
        logo_text: p.logo_text.clone(),
        background_color: p.background_color.clone(),
        text_color: p.text_color.clone(),
        label_color: p.label_color.clone(),
        barcode: p.barcode(),
        source: t.source.clone(),
        icon_id: p.icon_id.clone(),
        logo_id: p.logo_id.clone(),
        strip_id: p.strip_id.clone(),
        thumbnail_id: p.thumbnail_id.clone(),
        background_id: p.background_id.clone(),
        footer_id: p.footer_id.clone(),
        created_at: t.created_at.clone(),
        updated_at: t.updated_at.clone(),
    }
}
