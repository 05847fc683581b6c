//! Contract rules shared by the console, the server and the `.pkpass` builder, each written once.
//!
//! Every rule here is pure (no I/O) and cites the section of the contract
//! (`passworks-api-v2.md`) or of Apple's PassKit documentation it comes from. The callers
//! keep their own wording of error messages (the server's 422 texts are part of the API), but
//! the decision — is this colour valid, how many locations, which image slots, can this
//! barcode be encoded — is taken here, so the console can warn before the server refuses and
//! the server refuses exactly what the `.pkpass` builder could not sign.

use std::fmt;

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::{AssetType, BarcodeFormat, PassType};

/// Most passes one bulk creation request (`POST …/passes/batch`) may carry.
pub const MAX_BATCH_PASSES: usize = 1000;

/// Longest accepted string attribute (names, labels, short texts), in characters. A server
/// decision (the contract names no limit); longer values are answered 422
/// `is too long (maximum is 255 characters)`.
pub const MAX_STRING: usize = 255;

/// Longest accepted free text (field values, descriptions, scripts, comments), in characters.
/// A server decision like [`MAX_STRING`].
pub const MAX_TEXT: usize = 10_000;

/// Most locations per campaign or pass: contract §6.2 and §20.1 (Apple's `locations` limit).
pub const MAX_LOCATIONS: usize = 10;

/// Most iBeacons per campaign or pass: contract §6.3 and §20.1 (Apple's `beacons` limit).
pub const MAX_BEACONS: usize = 10;

/// Most entries in a `barcodes` array (§6.4). A server decision (the contract names no
/// limit), matching the other arrays of a pass.
pub const MAX_BARCODES: usize = 10;

/// Shortest `authenticationToken` Apple accepts (contract §20.1; PassKit's
/// "Pass Design and Creation": at least 16 characters).
pub const MIN_AUTHENTICATION_TOKEN: usize = 16;

/// The `messageEncoding` of every barcode in `pass.json` (contract §20.3: fixed to
/// ISO-8859-1, Apple's recommended encoding, and not exposed by the API).
pub const BARCODE_MESSAGE_ENCODING: &str = "iso-8859-1";

/// The components of a `#rrggbb` colour (contract §2 "Colours": case-insensitive); `None` for
/// any other form (`#fff`, `rgb(…)`, names).
pub fn hex_color_rgb(s: &str) -> Option<(u8, u8, u8)> {
    let h = s.strip_prefix('#')?;
    if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some((c(0)?, c(2)?, c(4)?))
}

/// Whether `s` is a `#rrggbb` colour (contract §2 "Colours": other forms → 422).
pub fn is_hex_color(s: &str) -> bool {
    hex_color_rgb(s).is_some()
}

macro_rules! field_arrays {
    ($($variant:ident = $wire:literal, $apple:literal, $label:literal;)+) => {
        /// The five field arrays of a campaign, template or pass (contract §6.1), in pass
        /// order, with their wire names and their `pass.json` keys (§20.2).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(ToSchema))]
        pub enum FieldArray {
            $(#[doc = concat!("`", $wire, "` (`", $apple, "` in pass.json).")]
            #[serde(rename = $wire)] $variant),+
        }

        impl FieldArray {
            /// Every field array, in pass order (header, primary, secondary, auxiliary, back).
            pub const ALL: [FieldArray; 5] = [$(FieldArray::$variant),+];

            /// The API attribute name (`header_fields`, …).
            pub fn as_str(self) -> &'static str {
                match self { $(FieldArray::$variant => $wire),+ }
            }

            /// The key inside the `pass.json` style dictionary (`headerFields`, …; §20.2).
            pub fn apple_key(self) -> &'static str {
                match self { $(FieldArray::$variant => $apple),+ }
            }

            /// Human heading ("Header fields").
            pub fn label(self) -> &'static str {
                match self { $(FieldArray::$variant => $label),+ }
            }

            /// Parses the API attribute name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some(FieldArray::$variant),)+ _ => None }
            }
        }
    };
}

field_arrays! {
    Header = "header_fields", "headerFields", "Header fields";
    Primary = "primary_fields", "primaryFields", "Primary fields";
    Secondary = "secondary_fields", "secondaryFields", "Secondary fields";
    Auxiliary = "auxiliary_fields", "auxiliaryFields", "Auxiliary fields";
    Back = "back_fields", "backFields", "Back fields";
}

impl fmt::Display for FieldArray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The image slots the API accepts on passes of `style`, in the order of contract §7.2
/// ("Type-specific attributes": the slots Wallet renders first, then those accepted only for
/// compatibility with the source tables). Whether Wallet shows one is [`renders_image`].
pub fn image_slots(style: PassType) -> &'static [AssetType] {
    use AssetType::*;
    match style {
        PassType::Coupon => &[Icon, Logo, Strip, Thumbnail],
        PassType::StoreCard => &[Icon, Logo, Strip],
        PassType::EventTicket => &[Icon, Logo, Strip, Background, Thumbnail],
        PassType::BoardingPass => &[Icon, Logo, Footer, Strip, Background, Thumbnail],
        PassType::Generic => &[Icon, Logo, Thumbnail, Strip],
    }
}

/// Whether Wallet renders an image of `slot` on passes of `style` (contract §20.4, Apple's
/// "Pass Design and Creation"): boardingPass — icon, logo, footer; coupon and storeCard —
/// icon, logo, strip; eventTicket — icon, logo, strip or background/thumbnail (see
/// [`event_ticket_strip_conflict`]); generic — icon, logo, thumbnail.
pub fn renders_image(style: PassType, slot: AssetType) -> bool {
    use AssetType::*;
    match slot {
        Icon | Logo => true,
        Footer => style == PassType::BoardingPass,
        Strip => matches!(
            style,
            PassType::Coupon | PassType::StoreCard | PassType::EventTicket
        ),
        Thumbnail => matches!(style, PassType::Generic | PassType::EventTicket),
        Background => style == PassType::EventTicket,
        // Poster event tickets (the `posterEventTicket` scheme) and, for artwork and the
        // primary logo, poster generic passes (iOS 27: coupons, store cards, generic);
        // `apple::check` refuses them without the poster option. Apple's Pass Designer
        // also lists a primary logo on boarding passes from iOS 27; we do not offer it.
        Artwork | PrimaryLogo => style != PassType::BoardingPass,
        SecondaryLogo => style == PassType::EventTicket,
        // Rewards enrollment is for store cards (Apple, "Rewards Enrollment": NFC-enabled
        // reward cards); `apple::check` refuses it elsewhere.
        PersonalizationLogo => style == PassType::StoreCard,
    }
}

/// An event ticket that has a strip image together with images the strip excludes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripConflict {
    /// The slots set alongside the strip (`background`, `thumbnail`, in that order).
    pub with: Vec<AssetType>,
}

impl fmt::Display for StripConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.with.iter().map(|s| s.as_str()).collect();
        write!(
            f,
            "an event ticket with a strip image cannot also have a {} image",
            names.join(" or ")
        )
    }
}

/// The event-ticket strip rule (contract §6.6 and §7.2: "if `strip_id` is set,
/// `background_id` and `thumbnail_id` MUST NOT be set"; §20.4: Wallet shows a strip **or** a
/// background/thumbnail). `has_image` says whether a slot holds an image; the result names the
/// slots in conflict, or `None` when the images may go together (always on other styles).
pub fn event_ticket_strip_conflict(
    style: PassType,
    has_image: impl Fn(AssetType) -> bool,
) -> Option<StripConflict> {
    if style != PassType::EventTicket || !has_image(AssetType::Strip) {
        return None;
    }
    let with: Vec<AssetType> = [AssetType::Background, AssetType::Thumbnail]
        .into_iter()
        .filter(|s| has_image(*s))
        .collect();
    (!with.is_empty()).then_some(StripConflict { with })
}

/// Apple's layout box of an image slot, in points (width, height), from "Pass Design and
/// Creation" (Wallet Developer Guide): icon 29×29, logo at most 160×50, thumbnail 90×90
/// (aspect ratio between 2:3 and 3:2), background 180×220, footer 286×15, strip 375×98 on
/// event tickets, 375×144 on coupons and 375×123 on the other styles. `style` `None` means
/// "no particular style" (the 375×123 strip).
pub fn image_box_points(style: Option<PassType>, slot: AssetType) -> (u32, u32) {
    match slot {
        AssetType::Icon => (29, 29),
        AssetType::Logo => (160, 50),
        AssetType::Strip => match style {
            Some(PassType::EventTicket) => (375, 98),
            Some(PassType::Coupon) => (375, 144),
            _ => (375, 123),
        },
        AssetType::Thumbnail => (90, 90),
        AssetType::Background => (180, 220),
        AssetType::Footer => (286, 15),
        // Apple's Pass Builder (`PassPackage`): artwork exactly 358×448, primary logo at
        // most 126×30, secondary logo at most 135×12.
        AssetType::Artwork => (358, 448),
        AssetType::PrimaryLogo => (126, 30),
        AssetType::SecondaryLogo => (135, 12),
        // Apple's "Rewards Enrollment": "Use a 150 x 40 point png file".
        AssetType::PersonalizationLogo => (150, 40),
    }
}

/// The part of an upload of `w`×`h` pixels a slot uses: thumbnails outside the 2:3..3:2
/// aspect ratios are centre-cropped to the nearest allowed ratio, poster artwork to its
/// exact 358:448 box (Apple requires that size); other slots use the whole image.
pub fn image_used_pixels(slot: AssetType, w: u32, h: u32) -> (u32, u32) {
    if w == 0 || h == 0 {
        return (w, h);
    }
    if slot == AssetType::Artwork {
        let ratio = 358.0 / 448.0;
        return if (w as f64 / h as f64) > ratio {
            (((h as f64 * ratio).round() as u32).clamp(1, w), h)
        } else {
            (w, ((w as f64 / ratio).round() as u32).clamp(1, h))
        };
    }
    if slot != AssetType::Thumbnail {
        return (w, h);
    }
    let ratio = w as f64 / h as f64;
    if ratio > 1.5 {
        (((h as f64 * 1.5).round() as u32).clamp(1, w), h)
    } else if ratio < 2.0 / 3.0 {
        (w, ((w as f64 * 1.5).round() as u32).clamp(1, h))
    } else {
        (w, h)
    }
}

/// The size, in points, an image of `w`×`h` used pixels takes in its slot: scaled to fit
/// the slot's box, keeping its aspect ratio.
pub fn image_content_points(
    style: Option<PassType>,
    slot: AssetType,
    w: u32,
    h: u32,
) -> (f64, f64) {
    let (bw, bh) = image_box_points(style, slot);
    let (w, h) = (w.max(1) as f64, h.max(1) as f64);
    let fit = (bw as f64 / w).min(bh as f64 / h);
    (w * fit, h * fit)
}

/// The highest scale (1, 2 or 3) an upload of `w`×`h` pixels has the pixels for in a slot:
/// the pass gets `x.png` always, `x@2x.png` and `x@3x.png` only when the upload is at least
/// that large (1 pixel of rounding allowed), so images are downscaled but never upscaled;
/// Wallet scales the missing sizes itself.
pub fn image_scales(style: Option<PassType>, slot: AssetType, w: u32, h: u32) -> u8 {
    let (uw, uh) = image_used_pixels(slot, w, h);
    let (pw, ph) = image_content_points(style, slot, uw, uh);
    let mut scales = 1;
    for s in [2u8, 3] {
        let (tw, th) = (
            (pw * s as f64).round() as u32,
            (ph * s as f64).round() as u32,
        );
        if uw + 1 >= tw && uh + 1 >= th {
            scales = s;
        }
    }
    scales
}

/// The pixel size to upload for a slot so that every scale is sharp: the box at @3x (the
/// largest Wallet draws; a logo may be narrower, a thumbnail up to 3:2 or 2:3).
pub fn recommended_image_pixels(style: Option<PassType>, slot: AssetType) -> (u32, u32) {
    let (bw, bh) = image_box_points(style, slot);
    (bw * 3, bh * 3)
}

/// A warning for an upload of `w`×`h` pixels that is smaller than the slot's @2x size
/// (Retina screens then show it scaled up, blurred), `None` when it is large enough.
pub fn image_size_warning(
    style: Option<PassType>,
    slot: AssetType,
    w: u32,
    h: u32,
) -> Option<String> {
    if image_scales(style, slot, w, h) >= 2 {
        return None;
    }
    let (bw, bh) = image_box_points(style, slot);
    let (rw, rh) = recommended_image_pixels(style, slot);
    Some(format!(
        "{w}×{h} px is smaller than this {} image's @2x size ({}×{} px for a {bw}×{bh} pt slot): \
         Retina screens will show it blurred. Upload {rw}×{rh} px for every screen.",
        slot.as_str(),
        bw * 2,
        bh * 2
    ))
}

/// Largest message, in ISO-8859-1 characters, each symbology holds in practice (`None` for
/// `none`, which draws nothing). QR: version 40, level L, byte mode; PDF417: byte compaction,
/// 90 rows × 30 columns, level 2; Aztec: 32 layers, 23 % error correction; Code 128: beyond
/// 80 characters the symbol is too wide to scan on a phone.
pub fn barcode_capacity(format: BarcodeFormat) -> Option<usize> {
    match format {
        BarcodeFormat::Qrcode => Some(2953),
        BarcodeFormat::Pdf417 => Some(1100),
        BarcodeFormat::Aztec => Some(1900),
        BarcodeFormat::Ean128 => Some(80),
        // The iOS 27 linear codes: wide symbols, so our bound keeps them scannable on a
        // phone (Apple gives none); EAN-13 is always 13 digits.
        BarcodeFormat::Code39 | BarcodeFormat::Codabar => Some(40),
        BarcodeFormat::I2of5 => Some(40),
        BarcodeFormat::Ean13 => Some(13),
        BarcodeFormat::None => None,
    }
}

/// The characters Code 39 encodes (upper-case letters, digits, space and `-.$/+%`; `*` is
/// its start/stop character and cannot be in a message).
const CODE39_ALPHABET: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ -.$/+%";
/// The characters of a Codabar message between its start/stop characters.
const CODABAR_ALPHABET: &str = "0123456789-$:/.+";

/// The EAN-13 check digit of its first twelve digits (GS1: weights 1 and 3 alternating).
pub fn ean13_check_digit(twelve: &str) -> Option<u32> {
    if twelve.len() != 12 || !twelve.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = twelve
        .bytes()
        .enumerate()
        .map(|(i, b)| (b - b'0') as u32 * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    Some((10 - sum % 10) % 10)
}

/// Why a barcode message cannot be put in a symbol. `Display` reads as the predicate of a
/// sentence about the message ("barcodes[0].message contains '€' …").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unencodable {
    /// The message is empty.
    Empty {
        /// The barcode format.
        format: BarcodeFormat,
    },
    /// A character outside ISO-8859-1 ([`BARCODE_MESSAGE_ENCODING`]).
    OutsideEncoding {
        /// The first such character.
        ch: char,
    },
    /// A character Code 128 cannot hold (only printable ASCII is accepted).
    NotPrintableAscii {
        /// The first such character.
        ch: char,
    },
    /// A character the linear symbology cannot encode (Code 39, Codabar, EAN-13, ITF).
    NotInSymbology {
        /// The barcode format.
        format: BarcodeFormat,
        /// The first such character.
        ch: char,
    },
    /// Codabar: start and stop characters (`A`–`D`) must be both present or both absent.
    CodabarGuards,
    /// EAN-13: not 13 digits.
    Ean13Length {
        /// The message length in characters.
        len: usize,
    },
    /// EAN-13: the last digit is not the check digit of the first twelve.
    Ean13Checksum {
        /// The check digit the first twelve digits call for.
        expected: u32,
    },
    /// Interleaved 2 of 5: an odd number of digits (the code encodes digits in pairs).
    OddDigits {
        /// The message length in digits.
        len: usize,
    },
    /// Longer than [`barcode_capacity`].
    TooLong {
        /// The barcode format.
        format: BarcodeFormat,
        /// The message length in characters.
        len: usize,
        /// The format's capacity.
        max: usize,
    },
}

impl fmt::Display for Unencodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unencodable::Empty { format } => {
                write!(f, "must not be empty for a {format} barcode")
            }
            Unencodable::OutsideEncoding { ch } => write!(
                f,
                "contains '{ch}' (U+{:04X}), which ISO-8859-1 (the barcode message encoding) cannot represent",
                *ch as u32
            ),
            Unencodable::NotPrintableAscii { ch } => write!(
                f,
                "contains {ch:?}, but an ean128 (Code 128) barcode can only hold printable ASCII characters"
            ),
            Unencodable::NotInSymbology { format, ch } => {
                let allowed = match format {
                    BarcodeFormat::Code39 => {
                        "upper-case letters A-Z, digits, space and - . $ / + %"
                    }
                    BarcodeFormat::Codabar => {
                        "digits and - $ : / . +, optionally between start and stop characters A-D"
                    }
                    _ => "digits 0-9",
                };
                write!(
                    f,
                    "contains {ch:?}, but a {format} barcode can only hold {allowed}"
                )
            }
            Unencodable::CodabarGuards => write!(
                f,
                "must start and end with a start/stop character (A, B, C or D), or have neither"
            ),
            Unencodable::Ean13Length { len } => write!(
                f,
                "has {len} digits; an ean13 barcode holds exactly 13 (12 digits and the check digit)"
            ),
            Unencodable::Ean13Checksum { expected } => write!(
                f,
                "ends with the wrong check digit: for these first twelve digits it must be {expected}"
            ),
            Unencodable::OddDigits { len } => write!(
                f,
                "has {len} digits; an i2of5 (Interleaved 2 of 5) barcode encodes digits in pairs, so add a leading 0"
            ),
            Unencodable::TooLong { format, len, max } => write!(
                f,
                "is {len} characters long; a {format} barcode holds at most {max}"
            ),
        }
    }
}

impl std::error::Error for Unencodable {}

/// Whether `message` can be written as a `format` barcode with the fixed message encoding
/// ([`BARCODE_MESSAGE_ENCODING`], contract §20.3), exactly as the `.pkpass` builder checks it:
/// not empty, every character in ISO-8859-1, printable ASCII only for `ean128` (Code 128,
/// PassKit's `PKBarcodeFormatCode128`), and within [`barcode_capacity`]. Format `none` draws
/// no symbol, so any message is accepted.
pub fn barcode_encodable(format: BarcodeFormat, message: &str) -> Result<(), Unencodable> {
    let Some(max) = barcode_capacity(format) else {
        return Ok(());
    };
    if message.is_empty() {
        return Err(Unencodable::Empty { format });
    }
    if let Some(ch) = message.chars().find(|c| (*c as u32) > 0xFF) {
        return Err(Unencodable::OutsideEncoding { ch });
    }
    if format == BarcodeFormat::Ean128 {
        if let Some(ch) = message.chars().find(|c| !(' '..='~').contains(c)) {
            return Err(Unencodable::NotPrintableAscii { ch });
        }
    }
    let len = message.chars().count();
    let not_in = |alphabet: &str, body: &str| {
        body.chars()
            .find(|c| !alphabet.contains(*c))
            .map(|ch| Unencodable::NotInSymbology { format, ch })
    };
    match format {
        BarcodeFormat::Code39 => {
            if let Some(e) = not_in(CODE39_ALPHABET, message) {
                return Err(e);
            }
        }
        BarcodeFormat::Codabar => {
            let guard = |c: Option<char>| c.is_some_and(|c| ('A'..='D').contains(&c));
            let (first, last) = (message.chars().next(), message.chars().last());
            let body = match (guard(first), guard(last) && len > 1) {
                (true, true) => &message[1..message.len() - 1],
                (false, false) => message,
                _ => return Err(Unencodable::CodabarGuards),
            };
            if let Some(e) = not_in(CODABAR_ALPHABET, body) {
                return Err(e);
            }
        }
        BarcodeFormat::Ean13 => {
            if let Some(e) = not_in("0123456789", message) {
                return Err(e);
            }
            if len != 13 {
                return Err(Unencodable::Ean13Length { len });
            }
            let expected = ean13_check_digit(&message[..12]).unwrap_or(0);
            if message.as_bytes()[12] - b'0' != expected as u8 {
                return Err(Unencodable::Ean13Checksum { expected });
            }
        }
        BarcodeFormat::I2of5 => {
            if let Some(e) = not_in("0123456789", message) {
                return Err(e);
            }
            if len % 2 == 1 {
                return Err(Unencodable::OddDigits { len });
            }
        }
        _ => {}
    }
    if len > max {
        return Err(Unencodable::TooLong { format, len, max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_six_digit_hex_in_any_case() {
        assert_eq!(hex_color_rgb("#ce8c46"), Some((206, 140, 70)));
        assert_eq!(hex_color_rgb("#CE8C46"), Some((206, 140, 70)));
        assert!(is_hex_color("#000000") && is_hex_color("#FFFFFF"));
        for bad in [
            "#00000",
            "ce8c46",
            "#gg0000",
            "#fff",
            "rgb(1,2,3)",
            "#ce8c466",
            "#ce8c4é",
        ] {
            assert!(!is_hex_color(bad), "{bad} must be refused");
        }
    }

    #[test]
    fn limits_match_the_contract() {
        assert_eq!((MAX_LOCATIONS, MAX_BEACONS, MAX_BARCODES), (10, 10, 10));
        assert_eq!((MAX_STRING, MAX_TEXT), (255, 10_000));
        assert_eq!(MIN_AUTHENTICATION_TOKEN, 16);
        assert_eq!(BARCODE_MESSAGE_ENCODING, "iso-8859-1");
    }

    #[test]
    fn field_arrays_have_wire_and_pass_json_names_in_pass_order() {
        let wire: Vec<&str> = FieldArray::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(
            wire,
            [
                "header_fields",
                "primary_fields",
                "secondary_fields",
                "auxiliary_fields",
                "back_fields"
            ]
        );
        assert_eq!(FieldArray::Auxiliary.apple_key(), "auxiliaryFields");
        assert_eq!(FieldArray::Back.label(), "Back fields");
        for a in FieldArray::ALL {
            assert_eq!(FieldArray::parse(a.as_str()), Some(a));
            assert_eq!(
                serde_json::to_value(a).unwrap(),
                serde_json::json!(a.as_str())
            );
        }
        assert_eq!(FieldArray::parse("headerFields"), None);
    }

    #[test]
    fn poster_images_are_event_ticket_slots_with_apples_boxes() {
        use AssetType::*;
        for style in PassType::ALL {
            assert_eq!(
                renders_image(*style, SecondaryLogo),
                *style == PassType::EventTicket
            );
            for slot in [Artwork, PrimaryLogo] {
                assert_eq!(
                    renders_image(*style, slot),
                    *style != PassType::BoardingPass,
                    "{style} {slot}"
                );
            }
        }
        assert_eq!(image_box_points(None, Artwork), (358, 448));
        assert_eq!(image_box_points(None, PrimaryLogo), (126, 30));
        assert_eq!(image_box_points(None, SecondaryLogo), (135, 12));
        assert_eq!(PrimaryLogo.file_stem(), "primaryLogo");
        assert_eq!(
            SecondaryLogo.slot_attribute(),
            "apple.images.secondary_logo_id"
        );
        // Artwork is centre-cropped to its exact 358:448 box, whatever was uploaded.
        assert_eq!(image_used_pixels(Artwork, 2000, 1000), (799, 1000));
        assert_eq!(image_used_pixels(Artwork, 1074, 2000), (1074, 1344));
        assert_eq!(image_scales(None, Artwork, 1074, 1344), 3);
        // Every slot is classic, poster, or the rewards sign-up form's logo.
        assert_eq!(
            AssetType::ALL.len(),
            AssetType::CLASSIC.len() + AssetType::POSTER.len() + 1
        );
        assert_eq!(image_box_points(None, PersonalizationLogo), (150, 40));
        assert_eq!(PersonalizationLogo.file_stem(), "personalizationLogo");
        for style in PassType::ALL {
            assert_eq!(
                renders_image(*style, PersonalizationLogo),
                *style == PassType::StoreCard
            );
        }
    }

    #[test]
    fn image_slots_accepted_and_rendered_per_style() {
        use AssetType::*;
        assert_eq!(
            image_slots(PassType::BoardingPass),
            &[Icon, Logo, Footer, Strip, Background, Thumbnail]
        );
        assert_eq!(image_slots(PassType::StoreCard), &[Icon, Logo, Strip]);
        // Wallet renders a subset of what the API accepts, and every style shows icon and logo.
        for style in PassType::ALL {
            for slot in AssetType::CLASSIC {
                if renders_image(*style, *slot) {
                    assert!(image_slots(*style).contains(slot), "{style} {slot}");
                }
            }
            assert!(renders_image(*style, Icon) && renders_image(*style, Logo));
        }
        assert!(!renders_image(PassType::BoardingPass, Strip));
        assert!(!renders_image(PassType::Coupon, Thumbnail));
        assert!(renders_image(PassType::Generic, Thumbnail));
        assert!(!renders_image(PassType::Generic, Strip));
        assert!(renders_image(PassType::EventTicket, Background));
    }

    #[test]
    fn an_event_ticket_strip_excludes_background_and_thumbnail() {
        use AssetType::*;
        let has = |set: &'static [AssetType]| move |s: AssetType| set.contains(&s);
        let c = event_ticket_strip_conflict(PassType::EventTicket, has(&[Strip, Thumbnail]));
        assert_eq!(
            c,
            Some(StripConflict {
                with: vec![Thumbnail]
            })
        );
        let c = event_ticket_strip_conflict(
            PassType::EventTicket,
            has(&[Icon, Strip, Thumbnail, Background]),
        )
        .unwrap();
        assert_eq!(c.with, vec![Background, Thumbnail]);
        assert_eq!(
            c.to_string(),
            "an event ticket with a strip image cannot also have a background or thumbnail image"
        );
        assert_eq!(
            event_ticket_strip_conflict(PassType::EventTicket, has(&[Background, Thumbnail])),
            None
        );
        assert_eq!(
            event_ticket_strip_conflict(PassType::Coupon, has(&[Strip, Thumbnail])),
            None
        );
    }

    #[test]
    fn ios27_barcodes_check_their_alphabet_length_and_check_digit() {
        use BarcodeFormat::*;
        // EAN-13: 13 digits with the GS1 check digit.
        assert_eq!(ean13_check_digit("590123412345"), Some(7));
        assert_eq!(barcode_encodable(Ean13, "5901234123457"), Ok(()));
        let e = barcode_encodable(Ean13, "5901234123458").unwrap_err();
        assert_eq!(e, Unencodable::Ean13Checksum { expected: 7 });
        assert!(e.to_string().contains("must be 7"), "{e}");
        let e = barcode_encodable(Ean13, "590123412345").unwrap_err();
        assert!(e.to_string().contains("has 12 digits"), "{e}");
        let e = barcode_encodable(Ean13, "59012341234A7").unwrap_err();
        assert!(e.to_string().contains("digits 0-9"), "{e}");
        // Code 39: upper case, digits and a few symbols.
        assert_eq!(barcode_encodable(Code39, "ABC-123 $/+%."), Ok(()));
        let e = barcode_encodable(Code39, "abc").unwrap_err();
        assert!(e.to_string().contains("upper-case letters"), "{e}");
        assert!(barcode_encodable(Code39, "A*B").is_err());
        // Codabar: digits and -$:/.+, guards A-D on both ends or neither.
        assert_eq!(barcode_encodable(Codabar, "A40156B"), Ok(()));
        assert_eq!(barcode_encodable(Codabar, "40156"), Ok(()));
        assert_eq!(
            barcode_encodable(Codabar, "A40156").unwrap_err(),
            Unencodable::CodabarGuards
        );
        assert!(barcode_encodable(Codabar, "A40E56B").is_err());
        // Interleaved 2 of 5: digits in pairs.
        assert_eq!(barcode_encodable(I2of5, "1234567890"), Ok(()));
        let e = barcode_encodable(I2of5, "12345").unwrap_err();
        assert!(e.to_string().contains("add a leading 0"), "{e}");
        assert!(barcode_encodable(I2of5, &"12".repeat(21)).is_err());
        assert!(Ean13.needs_ios27() && I2of5.is_linear() && !Qrcode.needs_ios27());
        assert_eq!(BarcodeFormat::parse("itf"), Some(I2of5));
    }

    #[test]
    fn barcode_messages_must_fit_encoding_symbology_and_capacity() {
        use BarcodeFormat::*;
        assert_eq!(barcode_encodable(Qrcode, "Café 0000001"), Ok(()));
        assert_eq!(barcode_encodable(None, ""), Ok(()));
        assert_eq!(barcode_encodable(None, "€"), Ok(()));
        assert_eq!(
            barcode_encodable(Pdf417, ""),
            Err(Unencodable::Empty { format: Pdf417 })
        );
        let e = barcode_encodable(Aztec, "5 €").unwrap_err();
        assert_eq!(e, Unencodable::OutsideEncoding { ch: '€' });
        assert!(e.to_string().contains("U+20AC"), "{e}");
        // Latin-1 is fine for 2-D codes but not for Code 128, which holds printable ASCII.
        assert_eq!(
            barcode_encodable(Ean128, "Café"),
            Err(Unencodable::NotPrintableAscii { ch: 'é' })
        );
        assert_eq!(
            barcode_encodable(Ean128, "a\tb"),
            Err(Unencodable::NotPrintableAscii { ch: '\t' })
        );
        assert_eq!(barcode_encodable(Ean128, &"7".repeat(80)), Ok(()));
        let e = barcode_encodable(Ean128, &"7".repeat(81)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "is 81 characters long; a ean128 barcode holds at most 80"
        );
        assert_eq!(barcode_encodable(Qrcode, &"é".repeat(2953)), Ok(()));
        assert!(barcode_encodable(Qrcode, &"é".repeat(2954)).is_err());
    }

    #[test]
    fn image_scales_never_exceed_the_upload() {
        use AssetType::*;
        // Exactly the 1x box: one file; the @2x box: two; @3x or more: three.
        assert_eq!(image_scales(None, Strip, 375, 123), 1);
        assert_eq!(image_scales(None, Strip, 750, 246), 2);
        assert_eq!(image_scales(None, Strip, 1125, 369), 3);
        assert_eq!(image_scales(None, Strip, 2000, 656), 3);
        assert_eq!(
            image_scales(Some(PassType::EventTicket), Strip, 750, 196),
            2
        );
        assert_eq!(image_scales(Some(PassType::Coupon), Strip, 1125, 432), 3);
        assert_eq!(image_box_points(Some(PassType::Coupon), Strip), (375, 144));
        // A small logo is used at its own size: no extra scales.
        assert_eq!(image_scales(None, Logo, 100, 50), 1);
        assert_eq!(image_scales(None, Logo, 320, 100), 2);
        assert_eq!(image_scales(None, Icon, 58, 58), 2);
        assert_eq!(image_scales(None, Icon, 87, 87), 3);
        // Thumbnails are cropped to 3:2 first: 540×120 uses 180×120 = 90×60 pt @2x.
        assert_eq!(image_used_pixels(Thumbnail, 540, 120), (180, 120));
        assert_eq!(image_scales(None, Thumbnail, 540, 120), 2);
        assert!(image_size_warning(None, Strip, 375, 123)
            .unwrap()
            .contains("1125×369"));
        assert_eq!(image_size_warning(None, Strip, 750, 246), None);
        assert_eq!(recommended_image_pixels(None, Footer), (858, 45));
    }
}
