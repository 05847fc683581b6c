//! Records to wire types: campaigns, templates and passes as the API answers them, with
//! the public URLs of their download pages.

use crate::model::campaigns::CampaignRecord;
use crate::model::passes::PassRecord;
use crate::model::templates::TemplateRecord;
use crate::model::values::BarcodeDoc;
use crate::state::AppState;
use passworks_wire as wire;

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
// Long because the wire campaign has some seventy attributes, one line each.
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
        apple: d.apple.clone(),
        passes_count: c.passes_count,
        redeemed_count: c.redeemed_count,
        distributions: vec![distribution],
        page_url: u.page_url,
        pkpass_url: u.pkpass_url,
        page_short_url: u.page_short_url,
        pkpass_short_url: u.pkpass_short_url,
        google_issuer_id: c.google_issuer_id.clone(),
        google_save_url: Some(super::google::campaign_save_link(state, c)),
        created_at: c.created_at.clone(),
        updated_at: c.updated_at.clone(),
    }
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

/// The wire shape of a pass of `campaign`.
pub fn pass_to_wire(state: &AppState, campaign: &CampaignRecord, p: &PassRecord) -> wire::Pass {
    pass_into_wire(state, campaign, p.clone())
}

/// [`pass_to_wire`] for a record the caller is done with: its texts, fields and options
/// move into the answer instead of being copied (a list page converts each of its rows).
pub fn pass_into_wire(state: &AppState, campaign: &CampaignRecord, p: PassRecord) -> wire::Pass {
    let barcodes = p.barcodes();
    let barcode = barcodes
        .first()
        .cloned()
        .unwrap_or_else(|| BarcodeDoc::default().to_wire(&p.redeem_code));
    let pres = p.presentation(campaign);
    let u = urls(
        state,
        &format!("{}/{}", campaign.page_token, p.download_token),
    );
    let google_save_url = Some(crate::api::google::save_link(state, campaign, &p));
    let (expiration_date, relevant_date, max_distance) = (
        p.expiration_date(campaign),
        p.relevant_date(campaign),
        p.max_distance(campaign),
    );
    let d = p.doc;
    wire::Pass {
        id: p.id,
        campaign_id: p.campaign_id,
        serial_number: p.serial_number,
        authentication_token: p.authentication_token,
        redeem_code: p.redeem_code,
        voided: p.voided,
        redeemed_count: p.redeemed_count,
        redeemed_at: p.redeemed_at,
        last_fetched_at: p.last_fetched_at,
        metadata: d.metadata,
        barcode,
        barcodes,
        header_fields: d.header_fields,
        primary_fields: d.primary_fields,
        secondary_fields: d.secondary_fields,
        auxiliary_fields: d.auxiliary_fields,
        back_fields: d.back_fields,
        locations: d.locations,
        beacons: d.beacons,
        user_info: d.user_info,
        expiration_date,
        relevant_date,
        max_distance,
        apple: d.apple,
        icon_id: pres.icon_id,
        logo_id: pres.logo_id,
        strip_id: pres.strip_id,
        thumbnail_id: pres.thumbnail_id,
        background_id: pres.background_id,
        footer_id: pres.footer_id,
        page_url: u.page_url,
        pkpass_url: u.pkpass_url,
        preview_url: u.preview_url,
        page_short_url: u.page_short_url,
        pkpass_short_url: u.pkpass_short_url,
        google_save_url,
        personalization: d.personalization,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}
