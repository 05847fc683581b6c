//! The live Google Wallet preview of the campaign and pass forms: the form's draft turned
//! into the campaign and pass the server would store, mapped to a class and an object by
//! the very crate the server maps with (`passworks-gwallet`), then read into the card
//! Google draws ([`crate::components::card`]). Pure, so that it is tested without a page.

use passworks_gwallet as gw;
use passworks_wire::{
    Asset, AssetType, Barcode, Campaign, CampaignState, CodeType, Field, GoogleWalletPass, Pass,
    TransitType,
};

use crate::components::{card, GoogleCard};
use crate::draft::{CampaignDraft, PassDraft};

/// The issuer id the preview maps with (ids only; nothing is signed or sent).
pub const PREVIEW_ISSUER: &str = "0000000000000000000";

/// What the Google side of a form shows: the card and what Google would refuse.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GooglePreview {
    pub class_type: String,
    pub card: GoogleCard,
    /// "attribute message" lines, as the server's 422s say them.
    pub refusals: Vec<String>,
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

fn fields_of(rows: &[crate::draft::FieldRow]) -> Vec<Field> {
    rows.iter()
        .filter(|f| !f.key.trim().is_empty())
        .map(|f| Field {
            key: f.key.trim().to_string(),
            label: opt(&f.label),
            value: opt(&f.value),
            behaviour: f.behaviour,
        })
        .collect()
}

/// The campaign the campaign form describes. `base` is the campaign being edited (its
/// id, counters and what the form does not edit); `organization` stands in for a blank
/// organization name, as the server uses the account's name.
pub fn campaign_of_draft(
    d: &CampaignDraft,
    base: Option<&Campaign>,
    organization: &str,
) -> Campaign {
    let input = d.to_input();
    let image = |t: AssetType| opt(&d.image(t));
    let message = match d.code_type {
        CodeType::Fixed if !d.code_fixed_value.trim().is_empty() => {
            d.code_fixed_value.trim().to_string()
        }
        _ => "0000001".to_string(),
    };
    let barcode = Barcode {
        format: d.barcode_format,
        message: message.clone(),
        alt_text: message,
        alt_text_type: String::new(),
    };
    let organization_name = opt(&d.organization_name)
        .or_else(|| base.map(|b| b.organization_name.clone()))
        .unwrap_or_else(|| organization.to_string());
    Campaign {
        id: base.map_or_else(|| "preview".to_string(), |b| b.id.clone()),
        campaign_type: d.ctype,
        name: opt(&d.name).unwrap_or_else(|| d.ctype.label().to_string()),
        description: d.description.clone(),
        state: base.map_or(CampaignState::Published, |b| b.state),
        template_id: d.template_id.clone(),
        certificate_id: opt(&d.certificate_id),
        icon_id: image(AssetType::Icon),
        logo_id: image(AssetType::Logo),
        strip_id: image(AssetType::Strip),
        thumbnail_id: image(AssetType::Thumbnail),
        background_id: image(AssetType::Background),
        footer_id: image(AssetType::Footer),
        logo_text: opt(&d.logo_text),
        background_color: opt(&d.background_color),
        text_color: opt(&d.text_color),
        label_color: opt(&d.label_color),
        transit_type: TransitType::parse(&d.transit_type),
        barcode: barcode.clone(),
        barcodes: vec![barcode],
        header_fields: fields_of(&d.fields[0]),
        primary_fields: fields_of(&d.fields[1]),
        secondary_fields: fields_of(&d.fields[2]),
        auxiliary_fields: fields_of(&d.fields[3]),
        back_fields: fields_of(&d.fields[4]),
        locations: input.locations.unwrap_or_default(),
        beacons: Vec::new(),
        organization_name,
        associated_store_identifiers: Vec::new(),
        code_type: d.code_type,
        code_fixed_value: opt(&d.code_fixed_value),
        allow_multiple_redeems: d.allow_multiple_redeems,
        expiration_date: input.expiration_date.flatten(),
        relevant_date: input.relevant_date.flatten(),
        max_distance: None,
        user_info: serde_json::json!({}),
        gwallet_usage: d.gwallet_usage,
        gwallet_status: None,
        gwallet_message: None,
        og: d.og,
        og_description: String::new(),
        javascript: None,
        stylesheet: None,
        remote_form_url: None,
        sync_locations_on_merge: true,
        sync_beacons_on_merge: true,
        render_on_short_url: false,
        apple: base.map(|b| b.apple.clone()).unwrap_or_default(),
        passes_count: 0,
        redeemed_count: 0,
        distributions: Vec::new(),
        page_url: String::new(),
        pkpass_url: String::new(),
        page_short_url: String::new(),
        pkpass_short_url: String::new(),
        google_issuer_id: None,
        google_save_url: None,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

/// A pass of campaign `c` with the campaign's values (what a new pass starts from); a
/// campaign without a fixed code gets the first sequential one, as its first pass would.
pub fn sample_pass(c: &Campaign) -> Pass {
    let mut barcode = c.barcode.clone();
    if barcode.message.trim().is_empty() {
        barcode.message = c
            .code_fixed_value
            .clone()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "0000001".into());
        barcode.alt_text = barcode.message.clone();
    }
    Pass {
        id: "preview".into(),
        campaign_id: c.id.clone(),
        serial_number: "0000001".into(),
        authentication_token: String::new(),
        redeem_code: barcode.message.clone(),
        voided: false,
        redeemed_count: 0,
        redeemed_at: None,
        last_fetched_at: None,
        metadata: serde_json::json!({}),
        barcodes: vec![barcode.clone()],
        barcode,
        header_fields: c.header_fields.clone(),
        primary_fields: c.primary_fields.clone(),
        secondary_fields: c.secondary_fields.clone(),
        auxiliary_fields: c.auxiliary_fields.clone(),
        back_fields: c.back_fields.clone(),
        locations: c.locations.clone(),
        beacons: Vec::new(),
        user_info: serde_json::json!({}),
        expiration_date: c.expiration_date.clone(),
        relevant_date: c.relevant_date.clone(),
        max_distance: None,
        apple: Default::default(),
        icon_id: None,
        logo_id: None,
        strip_id: None,
        thumbnail_id: None,
        background_id: None,
        footer_id: None,
        page_url: String::new(),
        pkpass_url: String::new(),
        preview_url: String::new(),
        page_short_url: String::new(),
        pkpass_short_url: String::new(),
        google_save_url: None,
        personalization: None,
        created_at: String::new(),
        updated_at: String::new(),
    }
}

/// The pass the pass form describes, of campaign `c`.
pub fn pass_of_draft(c: &Campaign, d: &PassDraft) -> Pass {
    let mut p = sample_pass(c);
    let mut arrays: [Vec<Field>; 5] = Default::default();
    for (i, key, label, value, behaviour) in &d.fields {
        if let Some(a) = arrays.get_mut(*i) {
            a.push(Field {
                key: key.clone(),
                label: opt(label),
                value: opt(value),
                behaviour: *behaviour,
            });
        }
    }
    let [h, pr, s, a, b] = arrays;
    (
        p.header_fields,
        p.primary_fields,
        p.secondary_fields,
        p.auxiliary_fields,
        p.back_fields,
    ) = (h, pr, s, a, b);
    if c.code_type == CodeType::PerPass && !d.barcode_message.trim().is_empty() {
        p.barcode.message = d.barcode_message.trim().to_string();
        p.barcode.alt_text = p.barcode.message.clone();
    }
    if let Some(e) = crate::util::from_datetime_local(&d.expiration_date) {
        p.expiration_date = Some(e);
    }
    if let Some(r) = crate::util::from_datetime_local(&d.relevant_date) {
        p.relevant_date = Some(r);
    }
    p.voided = d.voided;
    let image = |t: AssetType| d.images.get(&t).cloned().filter(|s| !s.is_empty());
    p.icon_id = image(AssetType::Icon);
    p.logo_id = image(AssetType::Logo);
    p.strip_id = image(AssetType::Strip);
    p.thumbnail_id = image(AssetType::Thumbnail);
    p.background_id = image(AssetType::Background);
    p.footer_id = image(AssetType::Footer);
    p
}

/// An image URL of the mapping (`/assets/{id}.png`) as the console can show it: the
/// asset's own URL when the asset is known.
fn resolve(url: Option<String>, assets: &[Asset]) -> Option<String> {
    let url = url?;
    let id = url.rsplit('/').next().and_then(|f| f.strip_suffix(".png"));
    Some(
        id.and_then(|id| assets.iter().find(|a| a.id == id))
            .map(|a| a.asset_url.clone())
            .unwrap_or(url),
    )
}

/// Maps a campaign and pass as the server does and reads the card Google would draw.
/// `now` is an ISO-8601 UTC time (expired passes).
pub fn preview(c: &Campaign, p: &Pass, assets: &[Asset], now: &str) -> GooglePreview {
    let ctx = gw::Context {
        issuer_id: PREVIEW_ISSUER,
        public_url: "",
        now,
        callback_url: None,
    };
    let vertical = gw::Vertical::for_campaign(c.campaign_type, c.transit_type);
    let errors = gw::validate(c, Some(p));
    let refusals = errors
        .iter()
        .flat_map(|(k, ms)| ms.iter().map(move |m| format!("{k} {m}")))
        .collect();
    let class = gw::class_json(c, &ctx);
    let object = gw::object_json(c, p, &ctx);
    let g = GoogleWalletPass {
        class_type: vertical.name().into(),
        class_id: class["id"].as_str().unwrap_or_default().into(),
        object_id: object["id"].as_str().unwrap_or_default().into(),
        save_url: None,
        rest_first: false,
        save_error: None,
        development: false,
        notice: None,
        errors,
        sync: None,
        class,
        object,
    };
    let mut card = card(&g);
    card.logo = resolve(card.logo, assets);
    card.hero = resolve(card.hero, assets);
    GooglePreview {
        class_type: g.class_type,
        card,
        refusals,
    }
}

/// Now as an ISO-8601 UTC time (the browser's clock).
pub fn now_iso() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use passworks_wire::{Behaviour, CampaignType};

    #[test]
    fn every_type_maps_to_its_class_and_follows_the_form() {
        for (t, class) in [
            (CampaignType::Coupon, "Offer"),
            (CampaignType::StoreCard, "Loyalty"),
            (CampaignType::EventTicket, "EventTicket"),
            (CampaignType::BoardingPass, "Flight"),
            (CampaignType::Generic, "Generic"),
        ] {
            let mut d = CampaignDraft::new(t);
            d.name = "Summer".into();
            d.organization_name = "Paw Planet".into();
            d.background_color = "#112233".into();
            let c = campaign_of_draft(&d, None, "Org");
            let g = preview(&c, &sample_pass(&c), &[], "2026-01-01T00:00:00Z");
            assert_eq!(g.class_type, class, "{t:?}");
            assert_eq!(g.card.background, "#112233", "{t:?}");
            assert!(g.card.barcode.is_some(), "{t:?}");
        }
        // A coupon's title is its first primary field's value, live.
        let mut d = CampaignDraft::new(CampaignType::Coupon);
        d.organization_name = "Paw Planet".into();
        d.fields[1][0].value = "Half price".into();
        let c = campaign_of_draft(&d, None, "Org");
        let g = preview(&c, &sample_pass(&c), &[], "2026-01-01T00:00:00Z");
        assert_eq!(g.card.title, "Half price");
        assert_eq!(g.card.issuer, "Paw Planet");
    }

    #[test]
    fn the_first_primary_field_reaches_each_card_title() {
        for (t, value, title) in [
            (CampaignType::Coupon, "Half price", "Half price"),
            (CampaignType::StoreCard, "1,250", "1,250"),
            (CampaignType::EventTicket, "Summer Jam", "Summer Jam"),
            (CampaignType::BoardingPass, "OSL", "OSL → SFO"),
            (CampaignType::Generic, "Ada Lovelace", "Ada Lovelace"),
        ] {
            let mut d = CampaignDraft::new(t);
            d.fields[1][0].value = value.into();
            let c = campaign_of_draft(&d, None, "Org");
            let g = preview(&c, &sample_pass(&c), &[], "2026-01-01T00:00:00Z");
            assert_eq!(g.card.title, title, "{t:?}: {g:?}");
        }
        // A secondary field's value (the pass form's) shows in a card row.
        let mut d = CampaignDraft::new(CampaignType::Coupon);
        d.add_field(2, "customer", "Customer", "", Behaviour::Dynamic);
        let c = campaign_of_draft(&d, None, "Org");
        let mut pd = PassDraft::for_campaign(&c);
        if let Some(f) = pd.fields.iter_mut().find(|f| f.1 == "customer") {
            f.3 = "Grace Hopper".into();
        }
        let g = preview(&c, &pass_of_draft(&c, &pd), &[], "2026-01-01T00:00:00Z");
        assert!(
            g.card
                .rows
                .iter()
                .flatten()
                .any(|(l, v)| l == "Customer" && v == "Grace Hopper"),
            "{:?}",
            g.card.rows
        );
    }

    #[test]
    fn a_stored_campaign_without_a_code_previews_the_first_one() {
        let d = CampaignDraft::new(CampaignType::Coupon);
        let mut c = campaign_of_draft(&d, None, "Org");
        c.barcode.message = String::new();
        let g = preview(&c, &sample_pass(&c), &[], "2026-01-01T00:00:00Z");
        assert_eq!(g.card.barcode.map(|b| b.1), Some("0000001".to_string()));
        assert!(g.refusals.is_empty(), "{:?}", g.refusals);
    }

    #[test]
    fn refusals_are_said_and_pass_values_override() {
        // A store card without a logo: Google refuses its class.
        let mut d = CampaignDraft::new(CampaignType::StoreCard);
        d.organization_name = "Bean There".into();
        let c = campaign_of_draft(&d, None, "Org");
        let g = preview(&c, &sample_pass(&c), &[], "2026-01-01T00:00:00Z");
        assert!(!g.refusals.is_empty());
        // The pass form's values reach the card.
        let mut pd = PassDraft::for_campaign(&c);
        if let Some(f) = pd.fields.iter_mut().find(|f| f.1 == "balance") {
            f.3 = "1,250".into();
        }
        let p = pass_of_draft(&c, &pd);
        let g = preview(&c, &p, &[], "2026-01-01T00:00:00Z");
        assert_eq!(g.card.title, "1,250");
    }
}
