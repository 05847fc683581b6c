//! Pure layout of the live pass preview: which fields and images Apple Wallet shows on
//! the front of a pass of each style, and where. The component only paints this.

use passworks_wire::rules::is_hex_color;
use passworks_wire::{AssetType, Behaviour, PassType, TransitType};

pub use passworks_wire::layout::{layout, PreviewField, PreviewInput, PreviewLayout};

/// Preview of the campaign form (updates as the user types).
pub fn from_draft(
    d: &crate::draft::CampaignDraft,
    assets: &[passworks_wire::Asset],
) -> PreviewInput {
    let url = |id: &str| {
        assets
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.asset_url.clone())
    };
    let style = d.ctype.pass_type();
    let options = d
        .apple
        .desired(style)
        .ok()
        .and_then(|o| serde_json::from_value::<passworks_wire::apple::AppleOptions>(o).ok());
    PreviewInput {
        style: Some(style),
        transit: TransitType::parse(&d.transit_type),
        background_color: d.background_color.clone(),
        text_color: d.text_color.clone(),
        label_color: d.label_color.clone(),
        logo_text: d.logo_text.clone(),
        images: d
            .images
            .iter()
            .filter_map(|(t, id)| url(id).map(|u| (*t, u)))
            .collect(),
        fields: std::array::from_fn(|i| {
            d.fields[i]
                .iter()
                .map(|f| (f.key.clone(), f.label.clone(), f.value.clone(), f.behaviour))
                .collect()
        }),
        barcode_format: d.barcode_format,
        barcode_message: match d.code_type {
            passworks_wire::CodeType::Fixed if !d.code_fixed_value.is_empty() => {
                d.code_fixed_value.clone()
            }
            _ => "0000001".into(),
        },
        // The newer layouts as the form's Apple options ask for them (none while "More
        // options" is not valid JSON).
        poster: options
            .as_ref()
            .and_then(|o| passworks_wire::layout::poster_input(style, o, &d.logo_text, &url)),
        flight: options.as_ref().and_then(|o| {
            passworks_wire::layout::flight_input(style, TransitType::parse(&d.transit_type), o)
        }),
    }
}

/// Sample fields that make a style recognisable in a template preview (a template has
/// no fields of its own: campaigns bring them).
pub fn sample_fields(style: PassType) -> [Vec<(String, String, String, Behaviour)>; 5] {
    let f = |k: &str, l: &str, v: &str| {
        (
            k.to_string(),
            l.to_string(),
            v.to_string(),
            Behaviour::Fixed,
        )
    };
    match style {
        PassType::Coupon => [
            vec![f("expires", "Expires", "31 May")],
            vec![f("offer", "Offer", "20% off")],
            vec![f("item", "On", "Everything")],
            vec![f("code", "Code", "SPRING")],
            vec![],
        ],
        PassType::StoreCard => [
            vec![f("points", "Points", "120")],
            vec![f("balance", "Balance", "€25.00")],
            vec![f("member", "Member", "Jane Doe")],
            vec![f("level", "Level", "Gold")],
            vec![],
        ],
        PassType::EventTicket => [
            vec![f("date", "Date", "12 Jun")],
            vec![f("event", "Event", "Summer concert")],
            vec![f("venue", "Venue", "Arena"), f("doors", "Doors", "19:00")],
            vec![f("section", "Section", "B"), f("seat", "Seat", "14")],
            vec![],
        ],
        PassType::BoardingPass => [
            vec![f("gate", "Gate", "22")],
            vec![f("origin", "From", "LIS"), f("destination", "To", "SFO")],
            vec![f("passenger", "Passenger", "Jane Doe")],
            vec![
                f("departs", "Departs", "10:40"),
                f("seat", "Seat", "14C"),
                f("class", "Class", "Economy"),
            ],
            vec![],
        ],
        PassType::Generic => [
            vec![f("number", "No.", "0042")],
            vec![f("name", "Name", "Jane Doe")],
            vec![f("member", "Member since", "2024")],
            vec![f("level", "Level", "Gold")],
            vec![],
        ],
    }
}

/// Preview of the template form (and of a saved template): its look with sample fields.
pub fn from_template_draft(
    d: &crate::draft::TemplateDraft,
    assets: &[passworks_wire::Asset],
) -> PreviewInput {
    let mut input = PreviewInput {
        style: Some(d.pass_type),
        transit: d.transit(),
        background_color: d.background_color.clone(),
        text_color: d.text_color.clone(),
        label_color: d.label_color.clone(),
        logo_text: d.logo_text.clone(),
        images: Vec::new(),
        fields: sample_fields(d.pass_type),
        barcode_format: d.barcode_format,
        barcode_message: "0000001".into(),
        poster: None,
        flight: None,
    };
    override_images(&mut input, &d.images, assets);
    input
}

/// Preview of a saved template.
pub fn from_template(
    t: &passworks_wire::Template,
    assets: &[passworks_wire::Asset],
) -> PreviewInput {
    from_template_draft(&crate::draft::TemplateDraft::from_template(t), assets)
}

/// Replaces the images of the slots in `images` (asset ids) with those assets' URLs;
/// ids of unknown assets leave the slot as it was.
pub fn override_images(
    input: &mut PreviewInput,
    images: &std::collections::BTreeMap<AssetType, String>,
    assets: &[passworks_wire::Asset],
) {
    for (slot, id) in images {
        if let Some(a) = assets.iter().find(|a| &a.id == id) {
            input.images.retain(|(s, _)| s != slot);
            input.images.push((*slot, a.asset_url.clone()));
        }
    }
}

/// Shows `lang`'s images (`options.localized_images`) in place of the root images of
/// their slots, as Wallet does with `<lang>.lproj/`; ids of unknown assets are skipped.
pub fn localize(
    input: &mut PreviewInput,
    options: &passworks_wire::apple::AppleOptions,
    lang: &str,
    assets: &[passworks_wire::Asset],
) {
    let url = |id: &str| {
        assets
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.asset_url.clone())
    };
    passworks_wire::layout::localize_images(input, options, lang, &url);
}

/// Style of a grid of image slots drawn on a pass's background colour (so white logos
/// show), or empty for the default checkerboard.
pub fn slot_background(c: &Option<String>) -> String {
    c.as_deref()
        .filter(|c| is_hex_color(c))
        .map(|c| format!("--slot-bg:{c}"))
        .unwrap_or_default()
}

/// Preview of a saved campaign.
pub fn from_campaign(
    c: &passworks_wire::Campaign,
    assets: &[passworks_wire::Asset],
) -> PreviewInput {
    from_draft(&crate::draft::CampaignDraft::from_campaign(c), assets)
}

/// Preview of a pass: its campaign's look with the pass's own fields, images and code
/// (the same mapping the public download page uses).
pub fn from_pass(
    c: &passworks_wire::Campaign,
    p: &passworks_wire::Pass,
    assets: &[passworks_wire::Asset],
) -> PreviewInput {
    let url = |id: &str| {
        assets
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.asset_url.clone())
    };
    passworks_wire::layout::input_for_pass(c, p, &url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use passworks_wire::BarcodeFormat;

    fn f(k: &str) -> (String, String, String, Behaviour) {
        (
            k.into(),
            k.to_uppercase(),
            format!("v-{k}"),
            Behaviour::Fixed,
        )
    }

    fn input(style: PassType) -> PreviewInput {
        PreviewInput {
            style: Some(style),
            images: vec![
                (AssetType::Strip, "s.png".into()),
                (AssetType::Thumbnail, "t.png".into()),
                (AssetType::Footer, "f.png".into()),
            ],
            fields: [
                vec![f("h1"), f("h2"), f("h3"), f("h4")],
                vec![f("p1"), f("p2"), f("p3")],
                vec![f("s1"), f("s2"), f("s3")],
                vec![f("a1"), f("a2")],
                vec![f("b1")],
            ],
            ..Default::default()
        }
    }

    #[test]
    fn boarding_pass_has_two_primaries_a_glyph_and_a_footer() {
        let l = layout(&input(PassType::BoardingPass));
        assert_eq!(l.primary.len(), 2);
        assert_eq!(l.transit_glyph, Some("→"));
        assert_eq!(l.footer.as_deref(), Some("f.png"));
        assert!(l.strip.is_none());
        assert_eq!(l.header.len(), 3);
        assert!(l.hidden.contains(&"h4".to_string()) && l.hidden.contains(&"p3".to_string()));
    }

    #[test]
    fn coupon_puts_primary_on_strip_and_combines_rows_to_four() {
        let l = layout(&input(PassType::Coupon));
        assert!(l.primary_on_strip);
        assert!(l.combined_row);
        assert_eq!(l.secondary.len() + l.auxiliary.len(), 4);
        assert!(l.thumbnail.is_none());
    }

    #[test]
    fn generic_shows_thumbnail_not_strip() {
        let l = layout(&input(PassType::Generic));
        assert_eq!(l.thumbnail.as_deref(), Some("t.png"));
        assert!(l.strip.is_none());
        assert!(!l.primary_on_strip);
    }

    #[test]
    fn event_ticket_strip_wins_over_thumbnail() {
        let l = layout(&input(PassType::EventTicket));
        assert!(l.strip.is_some() && l.thumbnail.is_none());
        let mut i = input(PassType::EventTicket);
        i.images.retain(|(t, _)| *t != AssetType::Strip);
        assert!(layout(&i).thumbnail.is_some());
    }

    #[test]
    fn dynamic_fields_without_value_show_a_placeholder_and_bad_colours_fall_back() {
        let mut i = input(PassType::StoreCard);
        i.fields[1] = vec![(
            "name".into(),
            "Name".into(),
            String::new(),
            Behaviour::Dynamic,
        )];
        i.background_color = "red".into();
        let l = layout(&i);
        assert!(l.primary[0].placeholder);
        assert_eq!(l.primary[0].value, "‹Name›");
        assert_eq!(l.background, "#ffffff");
    }

    #[test]
    fn no_barcode_for_format_none() {
        let mut i = input(PassType::Generic);
        i.barcode_format = BarcodeFormat::None;
        assert!(layout(&i).barcode.is_none());
    }

    fn asset(id: &str, t: AssetType) -> passworks_wire::Asset {
        passworks_wire::Asset {
            id: id.into(),
            asset_type: t,
            asset_url: format!("/assets/{id}.png"),
            width: 10,
            height: 10,
            created_at: String::new(),
        }
    }

    #[test]
    fn template_preview_has_sample_fields_of_its_style_and_its_images() {
        let mut d = crate::draft::TemplateDraft {
            pass_type: PassType::BoardingPass,
            transit_type: "train".into(),
            logo_text: "Rail".into(),
            ..Default::default()
        };
        d.set_image(AssetType::Logo, "l".into());
        d.set_image(AssetType::Footer, "f".into());
        let assets = [asset("l", AssetType::Logo), asset("f", AssetType::Footer)];
        let l = layout(&from_template_draft(&d, &assets));
        assert_eq!(l.style, PassType::BoardingPass);
        assert_eq!(l.transit_glyph, Some("🚆"));
        assert_eq!(l.primary.len(), 2);
        assert_eq!(l.primary[0].value, "LIS");
        assert_eq!(l.logo.as_deref(), Some("/assets/l.png"));
        assert_eq!(l.footer.as_deref(), Some("/assets/f.png"));
        assert_eq!(l.logo_text, "Rail");
        assert!(l.hidden.is_empty(), "{:?}", l.hidden);
        for style in PassType::ALL {
            let d = crate::draft::TemplateDraft {
                pass_type: *style,
                ..Default::default()
            };
            let l = layout(&from_template_draft(&d, &[]));
            assert!(
                !l.primary.is_empty() && l.hidden.is_empty(),
                "{style}: {l:?}"
            );
        }
    }

    #[test]
    fn slot_grids_take_the_pass_colour_when_it_is_one() {
        assert_eq!(
            slot_background(&Some("#6a1b9a".into())),
            "--slot-bg:#6a1b9a"
        );
        assert_eq!(slot_background(&Some("red;x".into())), "");
        assert_eq!(slot_background(&None), "");
    }

    #[test]
    fn pass_overrides_replace_the_campaign_images_in_the_preview() {
        let mut i = input(PassType::Coupon);
        let mut o = std::collections::BTreeMap::new();
        o.insert(AssetType::Strip, "s2".to_string());
        o.insert(AssetType::Logo, "missing".to_string());
        override_images(&mut i, &o, &[asset("s2", AssetType::Strip)]);
        let l = layout(&i);
        assert_eq!(l.strip.as_deref(), Some("/assets/s2.png"));
        assert!(l.logo.is_none());
    }
}
