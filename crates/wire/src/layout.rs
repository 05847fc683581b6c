//! The layout of a pass as Apple Wallet shows its front, computed once and painted the
//! same way everywhere: the console's live preview and the public download page both
//! draw [`render_html`] of [`layout`] with the stylesheet [`PASS_CSS`], so the two
//! cannot disagree. Pure: no I/O; image URLs are given by the caller.

use crate::rules::{event_ticket_strip_conflict, is_hex_color, renders_image};
use crate::{AssetType, BarcodeFormat, Behaviour, Campaign, Field, Pass, PassType, TransitType};
use std::collections::BTreeMap;

/// The stylesheet of [`render_html`]'s markup (the pass card only, no page chrome).
pub const PASS_CSS: &str = include_str!("pass.css");

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
    /// The poster layout (iOS 26+ poster event ticket) when the pass asks for it
    /// ([`poster_input`]); `None` draws the classic layout.
    pub poster: Option<PosterInput>,
    /// The semantic boarding pass (iOS 26+, air travel) when the pass asks for it
    /// ([`flight_input`]).
    pub flight: Option<FlightInput>,
}

/// What the semantic boarding pass shows, from its semantic tags (Apple, "Creating an
/// airline boarding pass using semantic tags"): the flight, both airports with their
/// cities and times, gate, boarding time, group and seat, and the passenger.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlightInput {
    /// `flightCode`, else `airlineCode` + `flightNumber`.
    pub flight: String,
    pub from_code: String,
    pub from_city: String,
    pub to_code: String,
    pub to_city: String,
    /// Departure (`currentDepartureDate`, else `originalDepartureDate`) as
    /// [`readable_date`] writes it, and the arrival's time.
    pub departs: String,
    pub arrives: String,
    pub gate: String,
    /// Boarding time (`currentBoardingDate`, else `originalBoardingDate`).
    pub boards: String,
    /// `boardingGroup`, else `boardingZone`.
    pub group: String,
    /// The first seat's number (with its row when given apart).
    pub seat: String,
    /// `passengerName` (given and family names).
    pub passenger: String,
}

/// The semantic boarding pass input of a pass of `style` and `transit` with the Apple
/// options `o`, `None` unless it is an air boarding pass whose `preferred_style_schemes`
/// name `semanticBoardingPass`.
pub fn flight_input(
    style: PassType,
    transit: Option<TransitType>,
    o: &crate::apple::AppleOptions,
) -> Option<FlightInput> {
    use crate::apple::StyleScheme;
    if style != PassType::BoardingPass
        || transit != Some(TransitType::Air)
        || !o
            .preferred_style_schemes
            .contains(&StyleScheme::SemanticBoardingPass)
    {
        return None;
    }
    let sem = &o.semantics;
    let text = |s: &Option<String>| s.as_deref().unwrap_or_default().trim().to_string();
    let time = |s: &Option<String>| {
        s.as_deref()
            .filter(|d| d.len() >= 16 && d.as_bytes()[13] == b':')
            .map(|d| d[11..16].to_string())
            .unwrap_or_default()
    };
    let flight = match (&sem.flight_code, &sem.airline_code, sem.flight_number) {
        (Some(code), _, _) if !code.trim().is_empty() => code.trim().to_string(),
        (_, Some(airline), Some(n)) => format!("{} {}", airline.trim(), n as i64),
        (_, _, Some(n)) => format!("{}", n as i64),
        _ => String::new(),
    };
    let departure = sem
        .current_departure_date
        .clone()
        .or_else(|| sem.original_departure_date.clone());
    let seat = sem
        .seats
        .as_ref()
        .and_then(|s| s.first())
        .map(|s| {
            format!(
                "{}{}",
                s.seat_row.as_deref().unwrap_or_default().trim(),
                s.seat_number.as_deref().unwrap_or_default().trim()
            )
        })
        .unwrap_or_default();
    let passenger = sem
        .passenger_name
        .as_ref()
        .map(|n| {
            [&n.given_name, &n.family_name]
                .iter()
                .filter_map(|p| p.as_deref().map(str::trim).filter(|p| !p.is_empty()))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    Some(FlightInput {
        flight,
        from_code: text(&sem.departure_airport_code),
        from_city: text(&sem.departure_city_name),
        to_code: text(&sem.destination_airport_code),
        to_city: text(&sem.destination_city_name),
        departs: departure.as_deref().map(readable_date).unwrap_or_default(),
        arrives: time(
            &sem.current_arrival_date
                .clone()
                .or_else(|| sem.original_arrival_date.clone()),
        ),
        gate: text(&sem.departure_gate),
        boards: time(
            &sem.current_boarding_date
                .clone()
                .or_else(|| sem.original_boarding_date.clone()),
        ),
        group: {
            let g = text(&sem.boarding_group);
            if g.is_empty() {
                text(&sem.boarding_zone)
            } else {
                g
            }
        },
        seat,
        passenger,
    })
}

/// What the poster event ticket shows (Apple, "Creating a poster event pass using
/// semantic tags"): the artwork full-bleed, the primary logo or the event logo text at
/// the top, the event's name, date and venue from its semantic tags over the artwork,
/// and the seat and the barcode in the footer, with the secondary logo.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PosterInput {
    /// Image URLs (`artwork.png`, `primaryLogo.png`, `secondaryLogo.png`).
    pub artwork: Option<String>,
    pub logo: Option<String>,
    pub secondary_logo: Option<String>,
    /// `eventLogoText`, else the pass's logo text.
    pub logo_text: String,
    /// `semantics.eventName`.
    pub title: String,
    /// `semantics.eventStartDate`, as the preview writes it (`5 Dec 2026, 20:00`).
    pub date: String,
    /// `semantics.venueName`.
    pub venue: String,
    /// The first of `semantics.seats` (`Section 104 · Row F · Seat 12`).
    pub seat: String,
    /// `footerBackgroundColor` when it is `#rrggbb` (`rgb(…)` is shown as the default).
    pub footer_color: Option<String>,
    /// A poster generic pass (iOS 27: coupons, store cards, generic passes): the pass's
    /// own fields over the artwork (its first header field at the top, up to four of its
    /// primary, secondary and auxiliary fields) instead of an event's tags.
    pub generic: bool,
    /// The poster generic pass's first footer field (`label: value`).
    pub footer: String,
}

/// The poster input of a pass of `style` with the Apple options `o` in effect, `None`
/// unless it is an event ticket whose `preferred_style_schemes` name the poster layout.
/// `asset_url` turns an asset id into the URL to show it from.
pub fn poster_input(
    style: PassType,
    o: &crate::apple::AppleOptions,
    logo_text: &str,
    asset_url: &dyn Fn(&str) -> Option<String>,
) -> Option<PosterInput> {
    use crate::apple::StyleScheme;
    let text = |s: &Option<String>| s.as_deref().unwrap_or_default().trim().to_string();
    // What both poster styles draw the same way: the images, the logo text, the footer
    // colour.
    let shared = || {
        let event_logo_text = text(&o.event_logo_text);
        PosterInput {
            artwork: o.images.artwork_id.as_deref().and_then(asset_url),
            logo: o.images.primary_logo_id.as_deref().and_then(asset_url),
            secondary_logo: o.images.secondary_logo_id.as_deref().and_then(asset_url),
            logo_text: if event_logo_text.is_empty() {
                logo_text.trim().to_string()
            } else {
                event_logo_text
            },
            footer_color: o
                .footer_background_color
                .as_deref()
                .filter(|c| is_hex_color(c))
                .map(str::to_string),
            ..Default::default()
        }
    };
    if let Some(pg) = o.poster_generic.as_ref().filter(|_| {
        matches!(
            style,
            PassType::Coupon | PassType::StoreCard | PassType::Generic
        )
    }) {
        return Some(PosterInput {
            footer: pg
                .footer_fields
                .first()
                .map(
                    |f| match f.label.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
                        Some(label) => format!("{label}: {}", f.value.trim()),
                        None => f.value.trim().to_string(),
                    },
                )
                .unwrap_or_default(),
            generic: true,
            ..shared()
        });
    }
    if style != PassType::EventTicket
        || !o
            .preferred_style_schemes
            .contains(&StyleScheme::PosterEventTicket)
    {
        return None;
    }
    let sem = &o.semantics;
    let seat = sem
        .seats
        .as_ref()
        .and_then(|seats| seats.first())
        .map(|seat| {
            [
                ("Section", &seat.seat_section),
                ("Row", &seat.seat_row),
                ("Seat", &seat.seat_number),
            ]
            .iter()
            .filter_map(|(label, v)| {
                v.as_deref()
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| format!("{label} {}", v.trim()))
            })
            .collect::<Vec<_>>()
            .join(" · ")
        })
        .unwrap_or_default();
    Some(PosterInput {
        title: text(&sem.event_name),
        date: sem
            .event_start_date
            .as_deref()
            .map(readable_date)
            .unwrap_or_default(),
        venue: text(&sem.venue_name),
        seat,
        ..shared()
    })
}

/// `2026-12-05T20:00:00+01:00` as `5 Dec 2026, 20:00` (the local time as written; Wallet
/// writes it in the phone's language). Anything else is shown as given.
pub fn readable_date(iso: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let num = |r: std::ops::Range<usize>| iso.get(r).and_then(|s| s.parse::<u32>().ok());
    let shape_ok = iso.len() >= 16
        && iso.as_bytes()[4] == b'-'
        && iso.as_bytes()[7] == b'-'
        && iso.as_bytes()[10] == b'T'
        && iso.as_bytes()[13] == b':';
    match (
        shape_ok,
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
    ) {
        (
            true,
            Some(y),
            Some(m @ 1..=12),
            Some(d @ 1..=31),
            Some(h @ 0..=23),
            Some(min @ 0..=59),
        ) => {
            format!("{d} {} {y}, {h:02}:{min:02}", MONTHS[m as usize - 1])
        }
        _ => iso.to_string(),
    }
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
    /// Drawn as a poster event ticket ([`PosterInput`]) instead of the classic layout.
    pub poster: Option<PosterInput>,
    /// Drawn as a semantic boarding pass ([`FlightInput`]) instead of the classic layout.
    pub flight: Option<FlightInput>,
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
        poster: input.poster.clone().filter(|p| {
            if p.generic {
                matches!(
                    style,
                    PassType::Coupon | PassType::StoreCard | PassType::Generic
                )
            } else {
                style == PassType::EventTicket
            }
        }),
        flight: input
            .flight
            .clone()
            .filter(|_| style == PassType::BoardingPass),
    }
}

fn wire_fields(f: &[Field]) -> Vec<(String, String, String, Behaviour)> {
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

/// What a pass is drawn from, as both the API's wire types and the server's records can
/// give it: one mapping ([`input_from_parts`]) for the console and the download page.
pub struct PassParts<'a> {
    pub style: PassType,
    pub transit: Option<TransitType>,
    pub background_color: Option<&'a str>,
    pub text_color: Option<&'a str>,
    pub label_color: Option<&'a str>,
    pub logo_text: Option<&'a str>,
    /// The pass's effective image (asset id) per slot.
    pub images: [(AssetType, Option<&'a str>); 6],
    /// Header, primary, secondary, auxiliary and back fields.
    pub fields: [&'a [Field]; 5],
    pub barcode_format: BarcodeFormat,
    /// The barcode's message (the redeem code when the pass has no message of its own).
    pub barcode_message: &'a str,
}

/// The preview input of a pass. `asset_url` turns an asset id into the URL to show it
/// from (`None`: unknown asset, the slot stays empty).
pub fn input_from_parts(
    p: &PassParts<'_>,
    asset_url: &dyn Fn(&str) -> Option<String>,
) -> PreviewInput {
    let text = |s: Option<&str>| s.unwrap_or_default().to_string();
    PreviewInput {
        style: Some(p.style),
        transit: p.transit,
        background_color: text(p.background_color),
        text_color: text(p.text_color),
        label_color: text(p.label_color),
        logo_text: text(p.logo_text),
        images: p
            .images
            .iter()
            .filter_map(|(t, id)| id.and_then(asset_url).map(|u| (*t, u)))
            .collect(),
        fields: std::array::from_fn(|i| wire_fields(p.fields[i])),
        barcode_format: p.barcode_format,
        barcode_message: p.barcode_message.to_string(),
        poster: None,
        flight: None,
    }
}

/// What a pass looks like (from the API's wire types): its campaign's style, colours
/// and logo text with the pass's own (effective) fields, images and barcode.
pub fn input_for_pass(
    c: &Campaign,
    p: &Pass,
    asset_url: &dyn Fn(&str) -> Option<String>,
) -> PreviewInput {
    let message = if p.barcode.message.is_empty() {
        p.redeem_code.as_str()
    } else {
        p.barcode.message.as_str()
    };
    let mut input = input_from_parts(
        &PassParts {
            style: c.campaign_type.pass_type(),
            transit: c.transit_type,
            background_color: c.background_color.as_deref(),
            text_color: c.text_color.as_deref(),
            label_color: c.label_color.as_deref(),
            logo_text: c.logo_text.as_deref(),
            images: [
                (AssetType::Icon, p.icon_id.as_deref()),
                (AssetType::Logo, p.logo_id.as_deref()),
                (AssetType::Strip, p.strip_id.as_deref()),
                (AssetType::Thumbnail, p.thumbnail_id.as_deref()),
                (AssetType::Background, p.background_id.as_deref()),
                (AssetType::Footer, p.footer_id.as_deref()),
            ],
            fields: [
                &p.header_fields,
                &p.primary_fields,
                &p.secondary_fields,
                &p.auxiliary_fields,
                &p.back_fields,
            ],
            barcode_format: p.barcode.format,
            barcode_message: message,
        },
        asset_url,
    );
    let options = c.apple.overlay(&p.apple);
    input.poster = poster_input(
        c.campaign_type.pass_type(),
        &options,
        c.logo_text.as_deref().unwrap_or_default(),
        asset_url,
    );
    input.flight = flight_input(c.campaign_type.pass_type(), c.transit_type, &options);
    input
}

/// `text` as Wallet shows it on a device whose language's `pass.strings` is `strings`:
/// its translation when `text`, exactly as written, is a key of the table, else `text`.
/// The one rule for every drawing of a pass in a language: the HTML preview
/// ([`translate`]) and the link-preview PNG (`passworks_pkpass::render_preview_png_in`).
pub fn translated<'a>(strings: &'a BTreeMap<String, String>, text: &'a str) -> &'a str {
    strings.get(text).map_or(text, String::as_str)
}

/// Shows `input` in one language as Wallet does with that language's
/// `<lang>.lproj/pass.strings`: every text (the logo text, a field's label or value) that
/// has a translation in `strings` is replaced by it; the others stay as written.
pub fn translate(input: &mut PreviewInput, strings: &BTreeMap<String, String>) {
    let tr = |s: &mut String| {
        let t = translated(strings, s);
        if t != s.as_str() {
            *s = t.to_owned();
        }
    };
    tr(&mut input.logo_text);
    for (_, label, value, _) in input.fields.iter_mut().flatten() {
        tr(label);
        tr(value);
    }
}

/// Shows `input` with `lang`'s images as Wallet does with `<lang>.lproj/logo.png` and the
/// like: each image of the language (`o.localized_images`) replaces the root image of
/// its slot, the classic slots where the style shows them and the poster images where
/// the poster is drawn; the other slots keep their root image. `asset_url` maps an asset
/// id to its URL (`None` leaves the slot as it was).
pub fn localize_images(
    input: &mut PreviewInput,
    o: &crate::apple::AppleOptions,
    lang: &str,
    asset_url: &dyn Fn(&str) -> Option<String>,
) {
    let Some(images) = o.localized_images.get(lang) else {
        return;
    };
    for (slot, id) in images.entries() {
        let Some(url) = asset_url(id) else { continue };
        let poster = input.poster.as_mut();
        match (slot, poster) {
            (AssetType::Artwork, Some(p)) => p.artwork = Some(url),
            (AssetType::PrimaryLogo, Some(p)) => p.logo = Some(url),
            (AssetType::SecondaryLogo, Some(p)) => p.secondary_logo = Some(url),
            (s, _) if s.is_poster() => {}
            (s, _) => {
                if input.style.is_none_or(|style| renders_image(style, s)) {
                    input.images.retain(|(t, _)| *t != s);
                    input.images.push((s, url));
                }
            }
        }
    }
}

/// The language of `available` (Apple localization ids such as `pt-BR`) to show a
/// visitor whose browser sends `accept_language` (RFC 9110 §12.5.4): the ranges in order
/// of their weight (`q=0` excluded, `*` ignored), each matched case-insensitively
/// exactly, then as a prefix of an available id (`pt` → `pt-BR`), then with its own
/// subtags removed one by one (`de-AT` → `de`). `None` when nothing matches: the pass's
/// own texts are shown.
pub fn pick_language<'a>(accept_language: &str, available: &[&'a str]) -> Option<&'a str> {
    let mut ranges: Vec<(u16, usize, String)> = accept_language
        .split(',')
        .take(32)
        .enumerate()
        .filter_map(|(i, part)| {
            let mut bits = part.split(';');
            let tag = bits.next()?.trim().to_ascii_lowercase();
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .map_or(Some(1000), |q| {
                    q.trim()
                        .parse::<f32>()
                        .ok()
                        .map(|q| (q.clamp(0.0, 1.0) * 1000.0) as u16)
                })?;
            (q > 0 && !tag.is_empty() && tag != "*").then_some((q, i, tag))
        })
        .collect();
    ranges.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let lower: Vec<String> = available.iter().map(|a| a.to_ascii_lowercase()).collect();
    for (_, _, tag) in &ranges {
        if let Some(i) = lower.iter().position(|a| a == tag) {
            return Some(available[i]);
        }
        let prefix = format!("{tag}-");
        if let Some(i) = lower.iter().position(|a| a.starts_with(&prefix)) {
            return Some(available[i]);
        }
        let mut shorter = tag.as_str();
        while let Some((head, _)) = shorter.rsplit_once('-') {
            shorter = head;
            if let Some(i) = lower.iter().position(|a| a == shorter) {
                return Some(available[i]);
            }
        }
    }
    None
}

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn fields_html(out: &mut String, fields: &[PreviewField], class: &str) {
    for f in fields {
        let placeholder = if f.placeholder { " placeholder" } else { "" };
        out.push_str(&format!(
            "<div class=\"pf {class}{placeholder}\" data-key=\"{}\"><span class=\"pf-label\">{}</span><span class=\"pf-value\">{}</span></div>",
            esc(&f.key),
            esc(&f.label),
            esc(&f.value)
        ));
    }
}

fn img_html(out: &mut String, src: &Option<String>, alt: &str, class: &str) {
    if let Some(src) = src {
        out.push_str(&format!(
            "<img src=\"{}\" alt=\"{}\" class=\"{class}\">",
            esc(src),
            esc(alt)
        ));
    }
}

/// The front of the pass as HTML (a `div.pass-card`, styled by [`PASS_CSS`]).
/// `barcode_src` is the URL of the barcode image (the caller renders it; without one
/// the box stays empty, with the message under it).
pub fn render_html(l: &PreviewLayout, barcode_src: Option<&str>) -> String {
    if let Some(poster) = &l.poster {
        return render_poster_html(l, poster, barcode_src);
    }
    if let Some(flight) = &l.flight {
        return render_flight_html(l, flight, barcode_src);
    }
    let mut o = String::with_capacity(2048);
    o.push_str(&format!(
        "<div class=\"pass-card {}\" style=\"--pass-bg:{};--pass-fg:{};--pass-label:{};\" data-style=\"{}\">",
        l.style_class,
        esc(&l.background),
        esc(&l.foreground),
        esc(&l.label),
        l.style.as_str()
    ));
    img_html(&mut o, &l.background_image, "", "pass-bg-img");
    o.push_str("<div class=\"pass-inner\"><div class=\"pass-top\">");
    img_html(&mut o, &l.logo, "Logo", "pass-logo");
    o.push_str(&format!(
        "<span class=\"pass-logo-text\">{}</span><div class=\"pass-header\">",
        esc(&l.logo_text)
    ));
    fields_html(&mut o, &l.header, "header");
    o.push_str("</div></div>");
    if let Some(strip) = l.strip.as_ref().filter(|_| l.primary_on_strip) {
        o.push_str("<div class=\"pass-strip\">");
        img_html(&mut o, &Some(strip.clone()), "Strip", "pass-strip-img");
        o.push_str("<div class=\"pass-primary on-strip\">");
        fields_html(&mut o, &l.primary, "primary");
        o.push_str("</div></div>");
    } else if let Some(glyph) = l.transit_glyph {
        o.push_str("<div class=\"pass-primary boarding\">");
        let (first, second) = l.primary.split_at(l.primary.len().min(1));
        fields_html(&mut o, first, "primary");
        o.push_str(&format!(
            "<span class=\"transit-glyph\" aria-label=\"transit\">{glyph}</span>"
        ));
        fields_html(&mut o, second, "primary right");
        o.push_str("</div>");
    } else {
        o.push_str("<div class=\"pass-primary\"><div class=\"primary-fields\">");
        fields_html(&mut o, &l.primary, "primary");
        o.push_str("</div>");
        img_html(&mut o, &l.thumbnail, "Thumbnail", "pass-thumb");
        o.push_str("</div>");
    }
    if l.combined_row {
        o.push_str("<div class=\"pass-row combined\">");
        fields_html(&mut o, &l.secondary, "secondary");
        fields_html(&mut o, &l.auxiliary, "secondary");
        o.push_str("</div>");
    } else {
        o.push_str("<div class=\"pass-row secondary\">");
        fields_html(&mut o, &l.secondary, "secondary");
        o.push_str("</div><div class=\"pass-row auxiliary\">");
        fields_html(&mut o, &l.auxiliary, "auxiliary");
        o.push_str("</div>");
    }
    img_html(&mut o, &l.footer, "Footer", "pass-footer");
    barcode_html(&mut o, l, barcode_src);
    o.push_str("</div></div>");
    o
}

/// The barcode box of a card (`div.pass-barcode`).
fn barcode_html(o: &mut String, l: &PreviewLayout, barcode_src: Option<&str>) {
    let Some((fmt, msg)) = &l.barcode else {
        return;
    };
    let shape = if l.square_barcode { "square" } else { "wide" };
    o.push_str(&format!(
        "<div class=\"pass-barcode {shape}\"><div class=\"barcode-box\">"
    ));
    match barcode_src {
        Some(src) => o.push_str(&format!(
            "<img src=\"{}\" alt=\"{} barcode\" class=\"barcode-img\">",
            esc(src),
            fmt.as_str()
        )),
        // Not drawn (not loaded yet, or a message the format cannot encode): a
        // neutral box named after the format keeps its place.
        None => o.push_str(&format!(
            "<span class=\"barcode-placeholder\">{}</span>",
            fmt.as_str()
        )),
    }
    o.push_str(&format!(
        "</div><span class=\"barcode-alt\">{}</span></div>",
        esc(msg)
    ));
}

/// The semantic boarding pass: logo and flight at the top, both airports large with
/// their cities and times around the plane, a row of gate, boarding time, group and seat,
/// the passenger, and the barcode.
fn render_flight_html(l: &PreviewLayout, f: &FlightInput, barcode_src: Option<&str>) -> String {
    let mut o = String::with_capacity(2048);
    o.push_str(&format!(
        "<div class=\"pass-card style-boarding-pass semantic\" style=\"--pass-bg:{};--pass-fg:{};--pass-label:{};\" data-style=\"boardingPass\" data-layout=\"semantic\">",
        esc(&l.background),
        esc(&l.foreground),
        esc(&l.label)
    ));
    o.push_str("<div class=\"pass-inner\"><div class=\"pass-top\">");
    img_html(&mut o, &l.logo, "Logo", "pass-logo");
    o.push_str(&format!(
        "<span class=\"pass-logo-text\">{}</span><span class=\"flight-number\">{}</span></div>",
        esc(&l.logo_text),
        esc(&f.flight)
    ));
    let code = |c: &str| {
        if c.is_empty() {
            "———".to_string()
        } else {
            esc(c)
        }
    };
    o.push_str(&format!(
        "<div class=\"flight-route\"><div class=\"airport\"><span class=\"airport-code\">{}</span>\
         <span class=\"airport-city\">{}</span><span class=\"airport-time\">{}</span></div>\
         <span class=\"transit-glyph\" aria-label=\"flight\">✈</span>\
         <div class=\"airport right\"><span class=\"airport-code\">{}</span>\
         <span class=\"airport-city\">{}</span><span class=\"airport-time\">{}</span></div></div>",
        code(&f.from_code),
        esc(&f.from_city),
        esc(&f.departs),
        code(&f.to_code),
        esc(&f.to_city),
        esc(&f.arrives)
    ));
    let cells: Vec<PreviewField> = [
        ("gate", "Gate", &f.gate),
        ("boards", "Boards", &f.boards),
        ("group", "Group", &f.group),
        ("seat", "Seat", &f.seat),
    ]
    .iter()
    .filter(|(_, _, v)| !v.is_empty())
    .map(|(k, label, v)| PreviewField {
        key: (*k).into(),
        label: (*label).into(),
        value: (*v).clone(),
        placeholder: false,
    })
    .collect();
    o.push_str("<div class=\"pass-row secondary\">");
    fields_html(&mut o, &cells, "secondary");
    o.push_str("</div>");
    if !f.passenger.is_empty() {
        o.push_str("<div class=\"pass-row auxiliary\">");
        fields_html(
            &mut o,
            &[PreviewField {
                key: "passenger".into(),
                label: "Passenger".into(),
                value: f.passenger.clone(),
                placeholder: false,
            }],
            "auxiliary",
        );
        o.push_str("</div>");
    }
    barcode_html(&mut o, l, barcode_src);
    o.push_str("</div></div>");
    o
}

/// The poster event ticket: artwork full-bleed (the pass colour behind it when there is
/// none), logo or logo text at the top, the event's name, date and venue over the
/// artwork's lower part, and a footer with the seat, the barcode and the secondary logo.
fn render_poster_html(l: &PreviewLayout, p: &PosterInput, barcode_src: Option<&str>) -> String {
    let mut o = String::with_capacity(2048);
    let footer = p.footer_color.as_deref().unwrap_or(&l.background);
    let (class, layout) = if p.generic {
        (l.style_class, "poster-generic")
    } else {
        ("style-event-ticket", "poster")
    };
    o.push_str(&format!(
        "<div class=\"pass-card {class} poster\" style=\"--pass-bg:{};--pass-fg:{};--pass-label:{};--poster-footer:{};\" data-style=\"{}\" data-layout=\"{layout}\">",
        esc(&l.background),
        esc(&l.foreground),
        esc(&l.label),
        esc(footer),
        l.style.as_str()
    ));
    o.push_str("<div class=\"poster-art\">");
    img_html(&mut o, &p.artwork, "Artwork", "poster-art-img");
    o.push_str("<div class=\"poster-top\">");
    match &p.logo {
        Some(_) => img_html(&mut o, &p.logo, "Logo", "poster-logo"),
        None => o.push_str(&format!(
            "<span class=\"poster-logo-text\">{}</span>",
            esc(&p.logo_text)
        )),
    }
    if p.generic {
        o.push_str("<div class=\"pass-header\">");
        fields_html(&mut o, &l.header[..l.header.len().min(1)], "header");
        o.push_str("</div>");
    }
    o.push_str("</div><div class=\"poster-event\">");
    if p.generic {
        // Up to four of the pass's primary, secondary and auxiliary fields.
        let fields: Vec<PreviewField> = l
            .primary
            .iter()
            .chain(&l.secondary)
            .chain(&l.auxiliary)
            .take(4)
            .cloned()
            .collect();
        o.push_str("<div class=\"poster-fields\">");
        fields_html(&mut o, &fields, "poster-field");
        o.push_str("</div>");
    } else {
        let title = if p.title.is_empty() {
            "Event name (semantic tag eventName)"
        } else {
            &p.title
        };
        o.push_str(&format!(
            "<span class=\"poster-title\">{}</span>",
            esc(title)
        ));
        for (class, text) in [("poster-date", &p.date), ("poster-venue", &p.venue)] {
            if !text.is_empty() {
                o.push_str(&format!("<span class=\"{class}\">{}</span>", esc(text)));
            }
        }
    }
    o.push_str("</div></div><div class=\"poster-footer\">");
    for line in [&p.seat, &p.footer] {
        if !line.is_empty() {
            o.push_str(&format!("<span class=\"poster-seat\">{}</span>", esc(line)));
        }
    }
    barcode_html(&mut o, l, barcode_src);
    img_html(
        &mut o,
        &p.secondary_logo,
        "Secondary logo",
        "poster-secondary-logo",
    );
    o.push_str("</div></div>");
    o
}

/// The back fields as HTML (label and value per field).
pub fn render_back_html(l: &PreviewLayout) -> String {
    let mut o = String::new();
    fields_html(&mut o, &l.back, "back");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> PreviewInput {
        let f = |k: &str, v: &str| {
            (
                k.to_string(),
                k.to_uppercase(),
                v.to_string(),
                Behaviour::Fixed,
            )
        };
        PreviewInput {
            style: Some(PassType::Coupon),
            background_color: "#1e3a5f".into(),
            text_color: "#ffffff".into(),
            logo_text: "Paw <Planet>".into(),
            images: vec![(AssetType::Logo, "/assets/l.png".into())],
            fields: [
                vec![],
                vec![f("offer", "20% off")],
                vec![f("customer", "Ana & Bea")],
                vec![],
                vec![f("terms", "One per customer")],
            ],
            barcode_format: BarcodeFormat::Qrcode,
            barcode_message: "0000001".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_card_carries_every_front_field_escaped() {
        let html = render_html(&layout(&input()), Some("data:image/png;base64,xx"));
        assert!(
            html.starts_with("<div class=\"pass-card style-coupon\""),
            "{html}"
        );
        assert!(html.contains("Paw &lt;Planet&gt;"), "{html}");
        assert!(html.contains("Ana &amp; Bea"), "{html}");
        assert!(html.contains("data-key=\"offer\""), "{html}");
        assert!(html.contains("class=\"pass-logo\""), "{html}");
        assert!(html.contains("class=\"pass-barcode square\""), "{html}");
        assert!(
            !html.contains("One per customer"),
            "back fields are not on the front"
        );
        assert_eq!(html.matches("<div").count(), html.matches("</div>").count());
    }

    #[test]
    fn a_translation_replaces_the_texts_it_names() {
        let mut i = input();
        let strings: BTreeMap<String, String> = [
            ("OFFER", "OFERTA"),
            ("20% off", "20 % de descuento"),
            ("Paw <Planet>", "Planeta Pata"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        translate(&mut i, &strings);
        let html = render_html(&layout(&i), None);
        assert!(
            html.contains("OFERTA") && html.contains("20 % de descuento"),
            "{html}"
        );
        assert!(html.contains("Planeta Pata"), "{html}");
        // Untranslated texts stay.
        assert!(html.contains("Ana &amp; Bea"), "{html}");
    }

    #[test]
    fn a_languages_images_replace_the_root_ones_of_their_slots() {
        let options: crate::apple::AppleOptions = serde_json::from_value(serde_json::json!({
            "localized_images": {"fr": {"logo_id": "fl", "strip_id": "fs", "footer_id": "ff"}}
        }))
        .unwrap();
        let url = |id: &str| (id != "gone").then(|| format!("/assets/{id}.png"));
        let mut i = input();
        localize_images(&mut i, &options, "fr", &url);
        let mut images = i.images.clone();
        images.sort();
        // The logo is the French one, the strip is added; a footer is not on coupons.
        assert_eq!(
            images,
            [
                (AssetType::Logo, "/assets/fl.png".to_string()),
                (AssetType::Strip, "/assets/fs.png".to_string())
            ]
        );
        let html = render_html(&layout(&i), None);
        assert!(html.contains("/assets/fl.png"), "{html}");
        assert!(!html.contains("/assets/l.png"), "{html}");
        // A language without images leaves the pass as it is.
        let mut i = input();
        localize_images(&mut i, &options, "de", &url);
        assert_eq!(i.images, input().images);
    }

    #[test]
    fn the_visitors_language_is_picked_by_weight_and_prefix() {
        let langs = ["de", "pt-BR", "zh-Hans"];
        assert_eq!(
            pick_language("pt-BR,pt;q=0.9,en;q=0.8", &langs),
            Some("pt-BR")
        );
        assert_eq!(pick_language("pt", &langs), Some("pt-BR"));
        assert_eq!(pick_language("de-AT,de;q=0.9", &langs), Some("de"));
        assert_eq!(pick_language("en-US,en;q=0.9", &langs), None);
        assert_eq!(pick_language("en;q=0.5, DE;q=0.7", &langs), Some("de"));
        assert_eq!(pick_language("zh-hans-cn", &langs), Some("zh-Hans"));
        assert_eq!(pick_language("de;q=0, *", &langs), None);
        assert_eq!(pick_language("", &langs), None);
        assert_eq!(pick_language("de;q=abc", &langs), None);
    }

    #[test]
    fn a_poster_event_ticket_is_drawn_from_its_semantic_tags() {
        let options: crate::apple::AppleOptions = serde_json::from_value(serde_json::json!({
            "preferred_style_schemes": ["posterEventTicket", "eventTicket"],
            "event_logo_text": "Jazz & Co",
            "footer_background_color": "#101820",
            "images": {"artwork_id": "art", "secondary_logo_id": "sec"},
            "semantics": {
                "eventName": "Night <Live>",
                "venueName": "Coliseu",
                "eventStartDate": "2026-12-05T20:00:00+01:00",
                "seats": [{"seatSection": "104", "seatRow": "F", "seatNumber": "12"}]
            }
        }))
        .unwrap();
        let url = |id: &str| Some(format!("/assets/{id}.png"));
        let mut i = input();
        i.style = Some(PassType::EventTicket);
        i.poster = poster_input(PassType::EventTicket, &options, "Paw", &url);
        let html = render_html(&layout(&i), Some("data:image/png;base64,xx"));
        assert!(html.contains("data-layout=\"poster\""), "{html}");
        assert!(html.contains("src=\"/assets/art.png\""), "{html}");
        assert!(html.contains("src=\"/assets/sec.png\""), "{html}");
        assert!(html.contains("Jazz &amp; Co"), "{html}");
        assert!(html.contains("Night &lt;Live&gt;"), "{html}");
        assert!(html.contains(">5 Dec 2026, 20:00<"), "{html}");
        assert!(html.contains(">Coliseu<"), "{html}");
        assert!(html.contains(">Section 104 · Row F · Seat 12<"), "{html}");
        assert!(html.contains("--poster-footer:#101820"), "{html}");
        assert!(html.contains("class=\"barcode-img\""), "{html}");
        assert_eq!(html.matches("<div").count(), html.matches("</div>").count());

        // Without the scheme, or on another style, the classic layout.
        let classic = crate::apple::AppleOptions::default();
        assert_eq!(
            poster_input(PassType::EventTicket, &classic, "", &url),
            None
        );
        assert_eq!(poster_input(PassType::Coupon, &options, "", &url), None);
        assert_eq!(readable_date("tomorrow"), "tomorrow");
        assert_eq!(readable_date("2026-13-05T20:00"), "2026-13-05T20:00");
    }

    #[test]
    fn a_poster_generic_pass_puts_its_own_fields_over_the_artwork() {
        let options: crate::apple::AppleOptions = serde_json::from_value(serde_json::json!({
            "images": {"artwork_id": "art"},
            "poster_generic": {"footer_fields": [{"key": "since", "label": "Member since", "value": "2024"}]}
        }))
        .unwrap();
        let url = |id: &str| Some(format!("/assets/{id}.png"));
        let mut i = input();
        i.style = Some(PassType::StoreCard);
        i.fields[0] = vec![(
            "level".into(),
            "Level".into(),
            "Gold".into(),
            Behaviour::Fixed,
        )];
        i.poster = poster_input(PassType::StoreCard, &options, "Museum", &url);
        let html = render_html(&layout(&i), None);
        assert!(html.contains("data-layout=\"poster-generic\""), "{html}");
        assert!(html.contains("src=\"/assets/art.png\""), "{html}");
        for text in [
            ">Museum<",
            ">Gold<",
            ">20% off<",
            ">Ana &amp; Bea<",
            ">Member since: 2024<",
        ] {
            assert!(html.contains(text), "{text} in {html}");
        }
        assert_eq!(html.matches("<div").count(), html.matches("</div>").count());
        // An event ticket does not take the generic poster.
        assert_eq!(
            poster_input(PassType::EventTicket, &options, "", &url),
            None
        );
    }

    #[test]
    fn a_semantic_boarding_pass_is_drawn_from_its_tags() {
        let options: crate::apple::AppleOptions = serde_json::from_value(serde_json::json!({
            "preferred_style_schemes": ["semanticBoardingPass", "boardingPass"],
            "semantics": {
                "airlineCode": "SK", "flightNumber": 1234,
                "departureAirportCode": "LIS", "departureCityName": "Lisbon",
                "destinationAirportCode": "JFK", "destinationCityName": "New York",
                "originalDepartureDate": "2026-12-01T10:05:00+00:00",
                "originalArrivalDate": "2026-12-01T13:40:00-05:00",
                "originalBoardingDate": "2026-12-01T09:35:00+00:00",
                "departureGate": "B12", "boardingGroup": "2",
                "seats": [{"seatRow": "14", "seatNumber": "A"}],
                "passengerName": {"givenName": "Ana", "familyName": "Silva"}
            }
        }))
        .unwrap();
        let mut i = input();
        i.style = Some(PassType::BoardingPass);
        i.flight = flight_input(PassType::BoardingPass, Some(TransitType::Air), &options);
        let html = render_html(&layout(&i), None);
        assert!(html.contains("data-layout=\"semantic\""), "{html}");
        for text in [
            ">SK 1234<",
            ">LIS<",
            ">Lisbon<",
            ">JFK<",
            ">New York<",
            ">1 Dec 2026, 10:05<",
            ">13:40<",
            ">B12<",
            ">09:35<",
            ">2<",
            ">14A<",
            ">Ana Silva<",
        ] {
            assert!(html.contains(text), "{text} in {html}");
        }
        assert_eq!(html.matches("<div").count(), html.matches("</div>").count());
        // Only air travel with the scheme.
        assert_eq!(
            flight_input(PassType::BoardingPass, Some(TransitType::Train), &options),
            None
        );
        let classic = crate::apple::AppleOptions::default();
        assert_eq!(
            flight_input(PassType::BoardingPass, Some(TransitType::Air), &classic),
            None
        );
    }

    #[test]
    fn without_a_barcode_image_the_message_still_shows() {
        let html = render_html(&layout(&input()), None);
        assert!(!html.contains("barcode-img"));
        assert!(
            html.contains("<span class=\"barcode-placeholder\">qrcode</span>"),
            "{html}"
        );
        assert!(html.contains("<span class=\"barcode-alt\">0000001</span>"));
    }
}
