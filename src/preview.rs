//! Pure layout of the live pass preview: which fields and images Apple Wallet shows on
//! the front of a pass of each style, and where. The component only paints this.

use passworks_wire::rules::{event_ticket_strip_conflict, is_hex_color, renders_image};
use passworks_wire::{AssetType, BarcodeFormat, Behaviour, PassType, TransitType};

/// A field as the preview shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewField {
    pub key: String,
    pub label: String,
    pub value: String,
    /// Dynamic field without a value yet: shown as a placeholder.
    pub placeholder: bool,
}

/// What the preview is drawn from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PreviewInput {
    pub style: Option<PassType>,
    pub transit: Option<TransitType>,
    pub background_color: String,
    pub text_color: String,
    pub label_color: String,
    pub logo_text: String,
    /// Image URLs by slot (only the slots that are set).
    pub images: Vec<(AssetType, String)>,
    /// The five arrays: (key, label, value, behaviour).
    pub fields: [Vec<(String, String, String, Behaviour)>; 5],
    pub barcode_format: BarcodeFormat,
    pub barcode_message: String,
}

/// The computed layout.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewLayout {
    pub style: PassType,
    pub style_class: &'static str,
    pub background: String,
    pub foreground: String,
    pub label: String,
    pub logo_text: String,
    pub icon: Option<String>,
    pub logo: Option<String>,
    pub strip: Option<String>,
    pub thumbnail: Option<String>,
    pub background_image: Option<String>,
    pub footer: Option<String>,
    pub header: Vec<PreviewField>,
    pub primary: Vec<PreviewField>,
    /// Primary fields drawn over the strip image (coupon, store card, event ticket with strip).
    pub primary_on_strip: bool,
    pub secondary: Vec<PreviewField>,
    pub auxiliary: Vec<PreviewField>,
    /// Secondary and auxiliary share one row (coupon, store card, generic with square code).
    pub combined_row: bool,
    pub back: Vec<PreviewField>,
    /// Boarding pass glyph between the two primary fields.
    pub transit_glyph: Option<&'static str>,
    pub barcode: Option<(BarcodeFormat, String)>,
    pub square_barcode: bool,
    /// Fields that do not fit on the front of this style.
    pub hidden: Vec<String>,
}

fn conv(v: &[(String, String, String, Behaviour)]) -> Vec<PreviewField> {
    v.iter()
        .map(|(k, l, val, b)| PreviewField {
            key: k.clone(),
            label: l.clone(),
            placeholder: val.is_empty() && *b == Behaviour::Dynamic,
            value: if val.is_empty() && *b == Behaviour::Dynamic {
                format!("‹{}›", if l.is_empty() { k } else { l })
            } else {
                val.clone()
            },
        })
        .collect()
}

fn take(mut v: Vec<PreviewField>, n: usize, hidden: &mut Vec<String>) -> Vec<PreviewField> {
    if v.len() > n {
        hidden.extend(v.drain(n..).map(|f| f.key));
    }
    v
}

/// Colour or a default when not `#rrggbb`.
fn colour(s: &str, default: &str) -> String {
    if is_hex_color(s) {
        s.to_string()
    } else {
        default.to_string()
    }
}

/// Computes what Wallet would show (§20.4 for images; Apple's field limits per style).
pub fn layout(input: &PreviewInput) -> PreviewLayout {
    let style = input.style.unwrap_or(PassType::Generic);
    let img = |t: AssetType| {
        input
            .images
            .iter()
            .find(|(s, u)| *s == t && !u.is_empty())
            .map(|(_, u)| u.clone())
    };
    let square = matches!(
        input.barcode_format,
        BarcodeFormat::Qrcode | BarcodeFormat::Aztec
    );
    let mut hidden = Vec::new();
    let header = take(conv(&input.fields[0]), 3, &mut hidden);
    let primary_max = if style == PassType::BoardingPass {
        2
    } else {
        1
    };
    let primary = take(conv(&input.fields[1]), primary_max, &mut hidden);
    // Only the slots Wallet renders for the style; on an event ticket a strip wins over the
    // background and thumbnail it excludes.
    let conflict = event_ticket_strip_conflict(style, |t| img(t).is_some());
    let shown = |t: AssetType| {
        let excluded = conflict.as_ref().is_some_and(|c| c.with.contains(&t));
        img(t).filter(|_| renders_image(style, t) && !excluded)
    };
    let (strip, thumbnail, background_image, footer) = (
        shown(AssetType::Strip),
        shown(AssetType::Thumbnail),
        shown(AssetType::Background),
        shown(AssetType::Footer),
    );
    let combined_row = match style {
        PassType::Coupon | PassType::StoreCard => true,
        PassType::Generic => square,
        _ => false,
    };
    let (secondary, auxiliary) = if combined_row {
        let sec = conv(&input.fields[2]);
        let aux = conv(&input.fields[3]);
        let sec_n = sec.len().min(4);
        let sec = take(sec, 4, &mut hidden);
        let aux = take(aux, 4 - sec_n, &mut hidden);
        (sec, aux)
    } else {
        let aux_max = if style == PassType::BoardingPass {
            5
        } else {
            4
        };
        (
            take(conv(&input.fields[2]), 4, &mut hidden),
            take(conv(&input.fields[3]), aux_max, &mut hidden),
        )
    };
    let primary_on_strip = strip.is_some()
        && matches!(
            style,
            PassType::Coupon | PassType::StoreCard | PassType::EventTicket
        );
    let transit_glyph = (style == PassType::BoardingPass).then(|| {
        match input.transit.unwrap_or(TransitType::Generic) {
            TransitType::Air => "✈",
            TransitType::Boat => "⛴",
            TransitType::Bus => "🚌",
            TransitType::Train => "🚆",
            TransitType::Generic => "→",
        }
    });
    let barcode = (input.barcode_format != BarcodeFormat::None).then(|| {
        let msg = if input.barcode_message.is_empty() {
            "0000001".to_string()
        } else {
            input.barcode_message.clone()
        };
        (input.barcode_format, msg)
    });
    PreviewLayout {
        style,
        style_class: match style {
            PassType::Coupon => "style-coupon",
            PassType::StoreCard => "style-store-card",
            PassType::EventTicket => "style-event-ticket",
            PassType::BoardingPass => "style-boarding-pass",
            PassType::Generic => "style-generic",
        },
        background: colour(&input.background_color, "#ffffff"),
        foreground: colour(&input.text_color, "#000000"),
        label: colour(&input.label_color, &colour(&input.text_color, "#555555")),
        logo_text: input.logo_text.clone(),
        icon: img(AssetType::Icon),
        logo: img(AssetType::Logo),
        strip,
        thumbnail,
        background_image,
        footer,
        header,
        primary,
        primary_on_strip,
        secondary,
        auxiliary,
        combined_row,
        back: conv(&input.fields[4]),
        transit_glyph,
        barcode,
        square_barcode: square,
        hidden,
    }
}

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
    PreviewInput {
        style: Some(d.ctype.pass_type()),
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

/// Style of a grid of image slots drawn on a pass's background colour (so white logos
/// show), or empty for the default checkerboard.
pub fn slot_background(c: &Option<String>) -> String {
    c.as_deref()
        .filter(|c| is_hex_color(c))
        .map(|c| format!("--slot-bg:{c}"))
        .unwrap_or_default()
}

fn wire_fields(f: &[passworks_wire::Field]) -> Vec<(String, String, String, Behaviour)> {
    f.iter()
        .map(|f| {
            (
                f.key.clone(),
                f.label.clone().unwrap_or_default(),
                f.value.clone().unwrap_or_default(),
                f.behaviour,
            )
        })
        .collect()
}

/// Preview of a saved campaign.
pub fn from_campaign(
    c: &passworks_wire::Campaign,
    assets: &[passworks_wire::Asset],
) -> PreviewInput {
    from_draft(&crate::draft::CampaignDraft::from_campaign(c), assets)
}

/// Preview of a pass: its campaign's look with the pass's own fields, images and code.
pub fn from_pass(
    c: &passworks_wire::Campaign,
    p: &passworks_wire::Pass,
    assets: &[passworks_wire::Asset],
) -> PreviewInput {
    let mut input = from_campaign(c, assets);
    input.fields = [
        wire_fields(&p.header_fields),
        wire_fields(&p.primary_fields),
        wire_fields(&p.secondary_fields),
        wire_fields(&p.auxiliary_fields),
        wire_fields(&p.back_fields),
    ];
    let url = |id: &Option<String>| {
        id.as_ref()
            .and_then(|id| assets.iter().find(|a| &a.id == id))
            .map(|a| a.asset_url.clone())
    };
    for (t, id) in [
        (AssetType::Icon, &p.icon_id),
        (AssetType::Logo, &p.logo_id),
        (AssetType::Strip, &p.strip_id),
        (AssetType::Thumbnail, &p.thumbnail_id),
        (AssetType::Background, &p.background_id),
        (AssetType::Footer, &p.footer_id),
    ] {
        if let Some(u) = url(id) {
            input.images.retain(|(s, _)| *s != t);
            input.images.push((t, u));
        }
    }
    input.barcode_format = p.barcode.format;
    input.barcode_message = if p.barcode.message.is_empty() {
        p.redeem_code.clone()
    } else {
        p.barcode.message.clone()
    };
    input
}

#[cfg(test)]
mod tests {
    use super::*;

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
