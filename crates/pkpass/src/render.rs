//! Preview rendering: barcode symbols and a picture of the pass front.
//!
//! The picture follows the layout of the HTML pass renderer (`passworks_wire::layout` and
//! its `pass.css`: the console's preview and the public download page) at 2 pixels per
//! point: logo row with header fields, strip or primary fields, secondary and auxiliary
//! rows, footer, barcode; rounded corners, the coupon's notched top edge and the blurred
//! event-ticket background. Text is drawn anti-aliased with Inter (Regular, Light and
//! SemiBold, SIL Open Font License 1.1: `fonts/OFL.txt`) through `ab_glyph`, at the CSS
//! sizes and weights; what does not fit ends with "…".

use std::collections::BTreeMap;
use std::io::Cursor;

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use image::{imageops, GrayImage, Luma, Rgba, RgbaImage};
use passworks_wire::layout::translated;
use passworks_wire::rules::hex_color_rgb;
use passworks_wire::{AssetType, BarcodeFormat, Field, PassType};
use rxing::{BarcodeFormat as RxFormat, EncodeHintValue, EncodeHints, MultiFormatWriter, Writer};

use crate::images::{encode_png, PreparedImage};
use crate::spec::PassSpec;

/// Why a barcode could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    /// Format `none` has no symbol.
    #[error("barcode format `none` has no symbol to draw")]
    NoSymbol,
    /// The message is empty.
    #[error("the barcode message is empty")]
    EmptyMessage,
    /// The encoder refused the message (unsupported characters, too long…).
    #[error("the message cannot be encoded as {format}: {reason}")]
    Encode {
        /// The requested format.
        format: BarcodeFormat,
        /// The encoder's reason.
        reason: String,
    },
    /// `scale` outside 1..=40.
    #[error("scale must be between 1 and 40 pixels per module (got {0})")]
    BadScale(u32),
    /// PNG encoding failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// Quiet zone in modules around each symbology.
fn quiet_zone(f: BarcodeFormat) -> u32 {
    match f {
        BarcodeFormat::Qrcode => 4,
        f if f.is_linear() => 10,
        _ => 2,
    }
}

/// Encodes `message` into a module matrix (true = dark), without quiet zone.
fn modules(format: BarcodeFormat, message: &str) -> Result<(u32, u32, Vec<bool>), BarcodeError> {
    if message.is_empty() {
        return Err(BarcodeError::EmptyMessage);
    }
    let (rx, hints) = match format {
        BarcodeFormat::None => return Err(BarcodeError::NoSymbol),
        BarcodeFormat::Qrcode => (
            RxFormat::QR_CODE,
            EncodeHints::default()
                .with(EncodeHintValue::ErrorCorrection("M".into()))
                .with(EncodeHintValue::CharacterSet("ISO-8859-1".into())),
        ),
        BarcodeFormat::Pdf417 => (
            RxFormat::PDF_417,
            EncodeHints::default().with(EncodeHintValue::CharacterSet("ISO-8859-1".into())),
        ),
        BarcodeFormat::Aztec => (
            RxFormat::AZTEC,
            EncodeHints::default().with(EncodeHintValue::CharacterSet("ISO-8859-1".into())),
        ),
        BarcodeFormat::Ean128 => (
            RxFormat::CODE_128,
            EncodeHints::default().with(EncodeHintValue::Code128Compact(true)),
        ),
        BarcodeFormat::Code39 => (RxFormat::CODE_39, EncodeHints::default()),
        BarcodeFormat::Codabar => (RxFormat::CODABAR, EncodeHints::default()),
        BarcodeFormat::Ean13 => (RxFormat::EAN_13, EncodeHints::default()),
        BarcodeFormat::I2of5 => (RxFormat::ITF, EncodeHints::default()),
    };
    let hints = hints.with(EncodeHintValue::Margin("0".into()));
    let height = if format.is_linear() { 1 } else { 0 };
    let m = MultiFormatWriter
        .encode_with_hints(message, &rx, 0, height, &hints)
        .map_err(|e| BarcodeError::Encode {
            format,
            reason: e.to_string(),
        })?;
    let (w, h) = (m.width(), m.height());
    let mut bits = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            bits.push(m.get(x, y));
        }
    }
    // PDF417 rows come out 4 modules high (its 1:4 module aspect) — keep them; the linear
    // codes are one row, stretched to a bar height of 40 modules here.
    if format.is_linear() {
        let row = bits.clone();
        for _ in 1..40 {
            bits.extend_from_slice(&row);
        }
        return Ok((w, 40, bits));
    }
    Ok((w, h, bits))
}

/// Draws a symbol with its quiet zone, `scale` pixels per module, black on white.
fn barcode_image(
    format: BarcodeFormat,
    message: &str,
    scale: u32,
) -> Result<GrayImage, BarcodeError> {
    if !(1..=40).contains(&scale) {
        return Err(BarcodeError::BadScale(scale));
    }
    let (w, h, bits) = modules(format, message)?;
    let q = quiet_zone(format);
    let (qx, qy) = if format.is_linear() { (q, 2) } else { (q, q) };
    let mut img = GrayImage::from_pixel((w + 2 * qx) * scale, (h + 2 * qy) * scale, Luma([255]));
    for y in 0..h {
        for x in 0..w {
            if bits[(y * w + x) as usize] {
                for dy in 0..scale {
                    for dx in 0..scale {
                        img.put_pixel((x + qx) * scale + dx, (y + qy) * scale + dy, Luma([0]));
                    }
                }
            }
        }
    }
    Ok(img)
}

/// Renders a real QR, PDF417, Aztec or Code 128 (for `ean128`) symbol as a PNG: black modules
/// on white with the symbology's quiet zone, `scale` pixels per module (1–40). QR uses error
/// correction level M; messages are encoded as ISO-8859-1 like Wallet does.
pub fn render_barcode_png(
    format: BarcodeFormat,
    message: &str,
    scale: u32,
) -> Result<Vec<u8>, BarcodeError> {
    let img = barcode_image(format, message, scale)?;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image_gray(&img)
        .map_err(|e| BarcodeError::Png(e.to_string()))?;
    Ok(out)
}

trait WriteGray {
    fn write_image_gray(self, img: &GrayImage) -> image::ImageResult<()>;
}

impl<W: std::io::Write> WriteGray for image::codecs::png::PngEncoder<W> {
    fn write_image_gray(self, img: &GrayImage) -> image::ImageResult<()> {
        use image::ImageEncoder;
        self.write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Pass preview.

/// Preview scale: pixels per point (the pass is 320 pt wide).
const S: u32 = 2;
const WIDTH: u32 = 320 * S;
const PAD: u32 = 12 * S;
/// Corner radius of the card (`.pass-card`, 12 pt; coupons 4 pt).
const RADIUS: u32 = 12 * S;

/// The three weights of the preview's type face.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Weight {
    Light,
    Regular,
    Semibold,
}

/// Inter, parsed once.
fn font(w: Weight) -> &'static FontRef<'static> {
    use std::sync::OnceLock;
    static FONTS: OnceLock<[FontRef<'static>; 3]> = OnceLock::new();
    let fonts = FONTS.get_or_init(|| {
        let parse = |bytes: &'static [u8]| {
            FontRef::try_from_slice(bytes).expect("the bundled Inter font parses")
        };
        [
            parse(include_bytes!("../fonts/Inter-Light.otf")),
            parse(include_bytes!("../fonts/Inter-Regular.otf")),
            parse(include_bytes!("../fonts/Inter-SemiBold.otf")),
        ]
    });
    &fonts[w as usize]
}

/// A run of text in one weight and size (in pixels), with extra spacing between letters
/// (the labels' `letter-spacing: .03em`).
#[derive(Clone, Copy, Debug)]
struct Face {
    weight: Weight,
    px: f32,
    tracking: f32,
}

impl Face {
    const fn new(weight: Weight, pt: u32) -> Self {
        Face {
            weight,
            px: (pt * S) as f32,
            tracking: 0.0,
        }
    }

    /// `.pf-label`: 10 pt SemiBold, upper case, tracked.
    const LABEL: Face = Face {
        weight: Weight::Semibold,
        px: (10 * S) as f32,
        tracking: 0.3 * S as f32,
    };
    /// `.pf-value`: 15 pt.
    const VALUE: Face = Face::new(Weight::Regular, 15);
    /// `.pass-logo-text`: 15 pt SemiBold.
    const LOGO: Face = Face::new(Weight::Semibold, 15);
    /// `.pf.primary .pf-value`: 26 pt Light.
    const PRIMARY: Face = Face::new(Weight::Light, 26);
    /// Primary fields on a strip: 34 pt Light.
    const ON_STRIP: Face = Face::new(Weight::Light, 34);
    /// Boarding pass origin and destination: 34 pt.
    const BOARDING: Face = Face::new(Weight::Regular, 34);
    /// `.barcode-alt`: 11 pt.
    const ALT: Face = Face::new(Weight::Regular, 11);

    fn scaled(&self) -> ab_glyph::PxScaleFont<&'static FontRef<'static>> {
        font(self.weight).as_scaled(PxScale::from(self.px))
    }

    /// The glyph of `c`, or of a close ASCII stand-in when the font lacks it.
    fn glyph_id(&self, c: char) -> ab_glyph::GlyphId {
        let f = font(self.weight);
        let id = f.glyph_id(c);
        if id.0 != 0 || c.is_whitespace() {
            id
        } else {
            f.glyph_id('?')
        }
    }

    /// Line height in pixels (ascent + descent, about 1.2 em).
    fn line(&self) -> u32 {
        let s = self.scaled();
        (s.ascent() - s.descent()).ceil() as u32
    }

    /// Width of `text` in pixels.
    fn width(&self, text: &str) -> u32 {
        let s = self.scaled();
        let mut w = 0.0;
        let mut prev = None;
        for c in text.chars() {
            let id = self.glyph_id(c);
            if let Some(p) = prev {
                w += s.kern(p, id) + self.tracking;
            }
            w += s.h_advance(id);
            prev = Some(id);
        }
        w.ceil() as u32
    }

    /// `text` cut to fit `max` pixels, ending with "…" when cut (CSS `text-overflow: ellipsis`).
    fn fit(&self, text: &str, max: u32) -> String {
        if self.width(text) <= max {
            return text.to_owned();
        }
        let chars: Vec<char> = text.chars().collect();
        let (mut lo, mut hi) = (0, chars.len());
        // The longest prefix that fits with the ellipsis.
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let candidate: String = chars[..mid].iter().collect::<String>() + "…";
            if self.width(&candidate) <= max {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        let kept: String = chars[..lo].iter().collect();
        format!("{}…", kept.trim_end())
    }

    /// Draws `text` with its line box's top-left corner at (`x`, `y`), blending `color`
    /// by the glyphs' coverage.
    fn draw(&self, img: &mut RgbaImage, x: u32, y: u32, text: &str, color: Rgba<u8>) {
        let s = self.scaled();
        let f = font(self.weight);
        let baseline = y as f32 + s.ascent();
        let mut cx = x as f32;
        let mut prev = None;
        for c in text.chars() {
            let id = self.glyph_id(c);
            if let Some(p) = prev {
                cx += s.kern(p, id) + self.tracking;
            }
            let glyph = id.with_scale_and_position(s.scale(), point(cx, baseline));
            cx += s.h_advance(id);
            prev = Some(id);
            let Some(outlined) = f.outline_glyph(glyph) else {
                continue;
            };
            let b = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                let (px, py) = (b.min.x as i64 + gx as i64, b.min.y as i64 + gy as i64);
                if px >= 0 && py >= 0 && (px as u32) < img.width() && (py as u32) < img.height() {
                    blend(img.get_pixel_mut(px as u32, py as u32), color, coverage);
                }
            });
        }
    }

    /// Draws `text` right-aligned at `right`.
    fn draw_right(&self, img: &mut RgbaImage, right: u32, y: u32, text: &str, color: Rgba<u8>) {
        let x = right.saturating_sub(self.width(text));
        self.draw(img, x, y, text, color);
    }
}

/// Blends `color` over `dst` with opacity `coverage × color alpha`.
fn blend(dst: &mut Rgba<u8>, color: Rgba<u8>, coverage: f32) {
    let a = coverage.clamp(0.0, 1.0) * color.0[3] as f32 / 255.0;
    for i in 0..3 {
        dst.0[i] = (dst.0[i] as f32 * (1.0 - a) + color.0[i] as f32 * a).round() as u8;
    }
    dst.0[3] = dst.0[3].max((a * 255.0).round() as u8);
}

fn fill_rect(img: &mut RgbaImage, x: u32, y: u32, w: u32, h: u32, color: Rgba<u8>) {
    for py in y..(y + h).min(img.height()) {
        for px in x..(x + w).min(img.width()) {
            img.put_pixel(px, py, color);
        }
    }
}

fn rgba(hex: &Option<String>) -> Option<Rgba<u8>> {
    hex.as_deref()
        .and_then(hex_color_rgb)
        .map(|(r, g, b)| Rgba([r, g, b, 255]))
}

fn luminance(c: Rgba<u8>) -> f32 {
    0.299 * c.0[0] as f32 + 0.587 * c.0[1] as f32 + 0.114 * c.0[2] as f32
}

/// Decodes the @2x file of a prepared image (or the largest one, resized to @2x size).
fn decode_2x(img: &PreparedImage) -> Option<RgbaImage> {
    let files = img.file_entries();
    let f = files
        .iter()
        .find(|f| f.scale == 2)
        .unwrap_or_else(|| img.largest());
    let decoded = image::load(Cursor::new(&f.bytes[..]), image::ImageFormat::Png)
        .ok()?
        .to_rgba8();
    if f.scale == 2 {
        return Some(decoded);
    }
    let k = 2.0 / f.scale as f64;
    let (w, h) = (
        ((f.width as f64) * k).round().max(1.0) as u32,
        ((f.height as f64) * k).round().max(1.0) as u32,
    );
    Some(imageops::resize(
        &decoded,
        w,
        h,
        imageops::FilterType::Triangle,
    ))
}

/// `img` shrunk (never enlarged) to fit `max_w`×`max_h` (CSS `object-fit: contain`).
fn contain(img: RgbaImage, max_w: u32, max_h: u32) -> RgbaImage {
    let (w, h) = img.dimensions();
    if w <= max_w && h <= max_h {
        return img;
    }
    let k = (max_w as f64 / w as f64).min(max_h as f64 / h as f64);
    let (nw, nh) = (
        ((w as f64 * k).round() as u32).max(1),
        ((h as f64 * k).round() as u32).max(1),
    );
    imageops::resize(&img, nw, nh, imageops::FilterType::Triangle)
}

/// The image of `slot` as Wallet shows it on a device in `language`: that language's
/// (`<lang>.lproj/`) when it has one, else the root image (`None`: the pass as written).
fn image_in<'a>(
    images: &[&'a PreparedImage],
    slot: AssetType,
    language: Option<&str>,
) -> Option<&'a PreparedImage> {
    let of = |lang: Option<&str>| {
        images
            .iter()
            .find(|i| i.slot() == slot && i.language() == lang)
            .copied()
    };
    language.and_then(|l| of(Some(l))).or_else(|| of(None))
}

/// `spec` with the texts the preview draws (logo text, field labels and values, the
/// barcode's alternative text: strings Wallet looks up in `pass.strings`) translated by
/// `strings`, with the rule the HTML preview uses ([`passworks_wire::layout::translated`]).
fn translated_spec(spec: &PassSpec, strings: &BTreeMap<String, String>) -> PassSpec {
    let tr = |s: &mut String| {
        let t = translated(strings, s);
        if t != s.as_str() {
            *s = t.to_owned();
        }
    };
    let mut out = spec.clone();
    if let Some(t) = out.logo_text.as_mut() {
        tr(t);
    }
    for f in out
        .header_fields
        .iter_mut()
        .chain(&mut out.primary_fields)
        .chain(&mut out.secondary_fields)
        .chain(&mut out.auxiliary_fields)
    {
        for s in [f.label.as_mut(), f.value.as_mut()].into_iter().flatten() {
            tr(s);
        }
    }
    for b in &mut out.barcodes {
        tr(&mut b.alt_text);
    }
    out
}

struct Palette {
    fg: Rgba<u8>,
    label: Rgba<u8>,
}

/// Draws a row of fields (label above value) spread over the width, the last one
/// right-aligned like Wallet; returns the row height.
fn draw_field_row(img: &mut RgbaImage, y: u32, fields: &[Field], pal: &Palette) -> u32 {
    if fields.is_empty() {
        return 0;
    }
    let n = fields.len().min(4) as u32;
    let col_w = (WIDTH - 2 * PAD) / n;
    let (label_face, value_face) = (Face::LABEL, Face::VALUE);
    for (i, f) in fields.iter().take(4).enumerate() {
        let x = PAD + i as u32 * col_w;
        let avail = col_w.saturating_sub(4 * S);
        let right = n > 1 && i as u32 == n - 1;
        let label = label_face.fit(&f.label.clone().unwrap_or_default().to_uppercase(), avail);
        let value = value_face.fit(f.value.as_deref().unwrap_or(""), avail);
        let vy = y + label_face.line();
        if right {
            label_face.draw_right(img, x + col_w, y, &label, pal.label);
            value_face.draw_right(img, x + col_w, vy, &value, pal.fg);
        } else {
            label_face.draw(img, x, y, &label, pal.label);
            value_face.draw(img, x, vy, &value, pal.fg);
        }
    }
    label_face.line() + value_face.line()
}

/// Cuts the card's outline out of the picture: rounded corners and, for coupons, the
/// notched top edge (`.style-coupon`: a 5 pt half circle every 14 pt).
fn cut_outline(img: &mut RgbaImage, coupon: bool) {
    let (w, h) = img.dimensions();
    let r = (if coupon { 4 * S } else { RADIUS }) as f32;
    let clear = |img: &mut RgbaImage, x: u32, y: u32, coverage: f32| {
        let p = img.get_pixel_mut(x, y);
        p.0[3] = (p.0[3] as f32 * coverage.clamp(0.0, 1.0)).round() as u8;
    };
    for y in 0..(r as u32).min(h) {
        for x in 0..(r as u32).min(w) {
            let (dx, dy) = (r - x as f32 - 0.5, r - y as f32 - 0.5);
            let inside = (r - (dx * dx + dy * dy).sqrt() + 0.5).clamp(0.0, 1.0);
            for (cx, cy) in [
                (x, y),
                (w - 1 - x, y),
                (x, h - 1 - y),
                (w - 1 - x, h - 1 - y),
            ] {
                clear(img, cx, cy, inside);
            }
        }
    }
    if coupon {
        let (period, radius) = (14.0 * S as f32, 5.0 * S as f32);
        for y in 0..(radius as u32 + 1).min(h) {
            for x in 0..w {
                let centre = ((x as f32 + 0.5) / period).floor() * period + period / 2.0;
                let (dx, dy) = (x as f32 + 0.5 - centre, y as f32 + 0.5);
                let outside = ((dx * dx + dy * dy).sqrt() - radius + 0.5).clamp(0.0, 1.0);
                clear(img, x, y, outside);
            }
        }
    }
}

/// Renders a PNG picture of the pass front (640 px wide, i.e. 320 pt at 2x): background colour
/// (or the event-ticket background image, blurred), logo and logo text, header fields, strip
/// with primary fields (or primary fields with thumbnail; origin → destination for boarding
/// passes), secondary and auxiliary rows, footer image and the first barcode with its alt
/// text, with the card's rounded (coupons: notched) outline transparent. In the pass's
/// own language: its texts as written and its root images.
pub fn render_preview_png(spec: &PassSpec, images: &[&PreparedImage]) -> Vec<u8> {
    render_preview_png_in(spec, images, None)
}

/// [`render_preview_png`] as Wallet shows the pass on a device in `language`: the
/// language's translations (`spec.apple.translations`) replace the texts they name and
/// its images (those of `images` prepared for it, [`PreparedImage::localized`]) the root
/// images of their slots; texts and slots it has nothing for stay as written, and a
/// language the pass has neither for draws the pass as written.
pub fn render_preview_png_in(
    spec: &PassSpec,
    images: &[&PreparedImage],
    language: Option<&str>,
) -> Vec<u8> {
    let localized;
    let spec = match language.and_then(|l| spec.apple.translations.get(l)) {
        Some(strings) => {
            localized = translated_spec(spec, strings);
            &localized
        }
        None => spec,
    };
    let find = |slot| image_in(images, slot, language);
    let bg = rgba(&spec.background_color).unwrap_or(Rgba([255, 255, 255, 255]));
    let fg = rgba(&spec.foreground_color).unwrap_or(if luminance(bg) < 128.0 {
        Rgba([255, 255, 255, 255])
    } else {
        Rgba([0, 0, 0, 255])
    });
    let label = rgba(&spec.label_color).unwrap_or(fg);
    let pal = Palette { fg, label };
    let mut img = RgbaImage::from_pixel(WIDTH, 1400 * S, bg);
    let coupon = spec.style == PassType::Coupon;

    let strip = find(AssetType::Strip).filter(|_| {
        matches!(
            spec.style,
            PassType::Coupon | PassType::StoreCard | PassType::EventTicket
        )
    });
    if spec.style == PassType::EventTicket && strip.is_none() {
        if let Some(bgimg) = find(AssetType::Background).and_then(decode_2x) {
            // `object-fit: cover; filter: blur(8px) brightness(.8)` over the whole card.
            let cover = imageops::resize(
                &bgimg,
                WIDTH,
                WIDTH * bgimg.height() / bgimg.width().max(1),
                imageops::FilterType::Triangle,
            );
            let mut cover = imageops::blur(&cover, 8.0 * S as f32);
            for p in cover.pixels_mut() {
                for c in &mut p.0[..3] {
                    *c = (*c as f32 * 0.8) as u8;
                }
            }
            let mut y = 0;
            while y < img.height() {
                imageops::overlay(&mut img, &cover, 0, y as i64);
                y += cover.height().max(1);
            }
        }
    }

    // Logo row (`.pass-inner` padding: 10 pt top, 14 pt on coupons).
    let mut y = if coupon { 14 * S } else { 10 * S };
    let mut row_h = Face::LOGO.line();
    let mut x = PAD;
    if let Some(logo) = find(AssetType::Logo).and_then(decode_2x) {
        // `.pass-logo`: at most 110×30 pt.
        let logo = contain(logo, 110 * S, 30 * S);
        imageops::overlay(&mut img, &logo, x as i64, y as i64);
        row_h = row_h.max(logo.height());
        x += logo.width() + 8 * S;
    }
    // Header fields, right-aligned from the right edge.
    let mut right = WIDTH - PAD;
    for f in spec.header_fields.iter().take(3).rev() {
        let l = Face::LABEL.fit(&f.label.clone().unwrap_or_default().to_uppercase(), 120 * S);
        let v = Face::VALUE.fit(f.value.as_deref().unwrap_or(""), 120 * S);
        let w = Face::LABEL.width(&l).max(Face::VALUE.width(&v));
        let left = right.saturating_sub(w).max(x);
        Face::LABEL.draw_right(&mut img, right, y, &l, pal.label);
        Face::VALUE.draw_right(&mut img, right, y + Face::LABEL.line(), &v, pal.fg);
        row_h = row_h.max(Face::LABEL.line() + Face::VALUE.line());
        right = left.saturating_sub(8 * S);
    }
    if let Some(t) = spec.logo_text.as_deref().filter(|t| !t.is_empty()) {
        let t = Face::LOGO.fit(t, right.saturating_sub(x));
        let ty = y + row_h.saturating_sub(Face::LOGO.line()) / 2;
        Face::LOGO.draw(&mut img, x, ty, &t, pal.fg);
    }
    y += row_h + 10 * S;

    // Primary area.
    if let Some(strip_img) = strip.and_then(decode_2x) {
        // `.pass-strip-img`: full width, 120 pt high, covered.
        let h = 120 * S;
        let k = (WIDTH as f64 / strip_img.width().max(1) as f64)
            .max(h as f64 / strip_img.height().max(1) as f64);
        let scaled = imageops::resize(
            &strip_img,
            ((strip_img.width() as f64 * k).ceil() as u32).max(WIDTH),
            ((strip_img.height() as f64 * k).ceil() as u32).max(h),
            imageops::FilterType::Triangle,
        );
        let (ox, oy) = ((scaled.width() - WIDTH) / 2, (scaled.height() - h) / 2);
        let cropped = imageops::crop_imm(&scaled, ox, oy, WIDTH, h).to_image();
        imageops::overlay(&mut img, &cropped, 0, y as i64);
        let mut py = y + 10 * S;
        for f in spec.primary_fields.iter().take(1) {
            let v = Face::ON_STRIP.fit(f.value.as_deref().unwrap_or(""), WIDTH - 2 * PAD);
            // `text-shadow: 0 1px 3px rgba(0,0,0,.35)`, approximated by an offset copy.
            Face::ON_STRIP.draw(&mut img, PAD, py + S, &v, Rgba([0, 0, 0, 90]));
            Face::ON_STRIP.draw(&mut img, PAD, py, &v, pal.fg);
            py += Face::ON_STRIP.line();
            let l = Face::LABEL.fit(
                &f.label.clone().unwrap_or_default().to_uppercase(),
                WIDTH - 2 * PAD,
            );
            Face::LABEL.draw(&mut img, PAD, py, &l, pal.label);
        }
        y += h + 10 * S;
    } else if spec.style == PassType::BoardingPass {
        let p = &spec.primary_fields;
        if !p.is_empty() {
            let half = (WIDTH - 2 * PAD) / 2 - 20 * S;
            let label_of = |f: &Field| {
                Face::LABEL.fit(&f.label.clone().unwrap_or_default().to_uppercase(), half)
            };
            let vy = y + Face::LABEL.line();
            Face::LABEL.draw(&mut img, PAD, y, &label_of(&p[0]), pal.label);
            let v0 = Face::BOARDING.fit(p[0].value.as_deref().unwrap_or(""), half);
            Face::BOARDING.draw(&mut img, PAD, vy, &v0, pal.fg);
            if let Some(p1) = p.get(1) {
                Face::LABEL.draw_right(&mut img, WIDTH - PAD, y, &label_of(p1), pal.label);
                let v1 = Face::BOARDING.fit(p1.value.as_deref().unwrap_or(""), half);
                Face::BOARDING.draw_right(&mut img, WIDTH - PAD, vy, &v1, pal.fg);
            }
            // Transit arrow in the middle.
            let cx = WIDTH / 2;
            let cy = vy + Face::BOARDING.line() / 2;
            fill_rect(&mut img, cx - 14 * S, cy - S, 26 * S, 2 * S, pal.fg);
            for i in 0..6 * S {
                fill_rect(&mut img, cx + 12 * S - i, cy - i, S, 2 * i + 1, pal.fg);
            }
            y = vy + Face::BOARDING.line() + 10 * S;
        }
    } else {
        let thumb = find(AssetType::Thumbnail)
            .filter(|_| matches!(spec.style, PassType::Generic | PassType::EventTicket))
            .and_then(decode_2x)
            .map(|t| contain(t, 74 * S, 90 * S));
        let text_w = WIDTH - 2 * PAD - thumb.as_ref().map(|t| t.width() + 8 * S).unwrap_or(0);
        let mut py = y;
        for f in spec.primary_fields.iter().take(1) {
            let l = Face::LABEL.fit(&f.label.clone().unwrap_or_default().to_uppercase(), text_w);
            Face::LABEL.draw(&mut img, PAD, py, &l, pal.label);
            py += Face::LABEL.line();
            let v = Face::PRIMARY.fit(f.value.as_deref().unwrap_or(""), text_w);
            Face::PRIMARY.draw(&mut img, PAD, py, &v, pal.fg);
            py += Face::PRIMARY.line() + 10 * S;
        }
        if let Some(t) = thumb {
            imageops::overlay(&mut img, &t, (WIDTH - PAD - t.width()) as i64, y as i64);
            py = py.max(y + t.height() + 10 * S);
        }
        y = py;
    }

    // Secondary and auxiliary rows: one shared row of at most four fields for coupons,
    // store cards and generic passes with a square code (`passworks_wire::layout`).
    let square = spec
        .barcodes
        .iter()
        .find(|b| b.format != BarcodeFormat::None)
        .is_some_and(|b| matches!(b.format, BarcodeFormat::Qrcode | BarcodeFormat::Aztec));
    let combined = match spec.style {
        PassType::Coupon | PassType::StoreCard => true,
        PassType::Generic => square,
        _ => false,
    };
    let rows: Vec<Vec<Field>> = if combined {
        vec![spec
            .secondary_fields
            .iter()
            .chain(&spec.auxiliary_fields)
            .take(4)
            .cloned()
            .collect()]
    } else {
        vec![spec.secondary_fields.clone(), spec.auxiliary_fields.clone()]
    };
    for fields in &rows {
        let h = draw_field_row(&mut img, y, fields, &pal);
        if h > 0 {
            y += h + 10 * S;
        }
    }

    // Footer (boarding passes).
    if spec.style == PassType::BoardingPass {
        if let Some(footer) = find(AssetType::Footer).and_then(decode_2x) {
            let footer = contain(footer, WIDTH - 2 * PAD, 30 * S);
            imageops::overlay(
                &mut img,
                &footer,
                ((WIDTH.saturating_sub(footer.width())) / 2) as i64,
                y as i64,
            );
            y += footer.height() + 10 * S;
        }
    }

    // Barcode (`.pass-barcode`: white, 6 pt radius, 8 pt padding; a 130 pt square box
    // for QR and Aztec, 240×70 pt for the others).
    if let Some(b) = spec
        .barcodes
        .iter()
        .find(|b| b.format != BarcodeFormat::None && !b.message.is_empty())
    {
        let (box_w, box_h) = match b.format {
            BarcodeFormat::Qrcode | BarcodeFormat::Aztec => (130 * S, 130 * S),
            _ => (240 * S, 70 * S),
        };
        let drawn = modules(b.format, &b.message).ok().and_then(|(mw, mh, _)| {
            let q = quiet_zone(b.format);
            let scale = (box_w / (mw + 2 * q))
                .min(box_h / (mh + 2 * q))
                .clamp(1, 40);
            barcode_image(b.format, &b.message, scale).ok()
        });
        // A message the encoder refuses still gets its place: a neutral box named after
        // the format, so the preview never loses the barcode silently.
        let code = drawn.unwrap_or_else(|| placeholder_symbol(b.format, box_w, box_h));
        {
            {
                let alt = Face::ALT.fit(&b.alt_text, WIDTH - 2 * PAD - 16 * S);
                let alt_h = if alt.is_empty() {
                    0
                } else {
                    3 * S + Face::ALT.line()
                };
                let card_w = code.width().max(Face::ALT.width(&alt)) + 16 * S;
                let card_h = code.height() + 16 * S + alt_h;
                let bx = (WIDTH.saturating_sub(card_w)) / 2;
                y += 6 * S;
                let white = Rgba([255, 255, 255, 255]);
                fill_rounded(&mut img, bx, y, card_w, card_h, 6 * S, white);
                let rgb = image::DynamicImage::ImageLuma8(code).to_rgba8();
                let cx = bx + (card_w - rgb.width()) / 2;
                imageops::overlay(&mut img, &rgb, cx as i64, (y + 8 * S) as i64);
                if !alt.is_empty() {
                    let ax = (WIDTH.saturating_sub(Face::ALT.width(&alt))) / 2;
                    let ay = y + 8 * S + rgb.height() + 3 * S;
                    Face::ALT.draw(&mut img, ax, ay, &alt, Rgba([0, 0, 0, 255]));
                }
                y += card_h;
            }
        }
    }
    y += PAD;

    let height = y.clamp(100 * S, img.height());
    let mut cropped = imageops::crop_imm(&img, 0, 0, WIDTH, height).to_image();
    cut_outline(&mut cropped, coupon);
    encode_png(&cropped).unwrap_or_default()
}

/// A light grey box of `w`×`h` pixels with the format's Apple name in its middle: what the
/// preview shows where a symbol cannot be drawn.
fn placeholder_symbol(format: BarcodeFormat, w: u32, h: u32) -> GrayImage {
    let mut rgba = RgbaImage::from_pixel(w, h, Rgba([229, 229, 229, 255]));
    let label = crate::spec::apple_barcode_format(format)
        .map(|f| f.trim_start_matches("PKBarcodeFormat"))
        .unwrap_or("barcode");
    let text = Face::ALT.fit(label, w.saturating_sub(8 * S));
    let x = w.saturating_sub(Face::ALT.width(&text)) / 2;
    let y = h.saturating_sub(Face::ALT.line()) / 2;
    Face::ALT.draw(&mut rgba, x, y, &text, Rgba([90, 90, 90, 255]));
    image::DynamicImage::ImageRgba8(rgba).to_luma8()
}

/// Fills a rectangle with rounded corners of radius `r`, anti-aliased.
fn fill_rounded(img: &mut RgbaImage, x: u32, y: u32, w: u32, h: u32, r: u32, color: Rgba<u8>) {
    let r = r as f32;
    for py in y..(y + h).min(img.height()) {
        for px in x..(x + w).min(img.width()) {
            let (lx, ly) = ((px - x) as f32 + 0.5, (py - y) as f32 + 0.5);
            let dx = (r - lx).max(lx - (w as f32 - r)).max(0.0);
            let dy = (r - ly).max(ly - (h as f32 - r)).max(0.0);
            let coverage = (r - (dx * dx + dy * dy).sqrt() + 0.5).clamp(0.0, 1.0);
            blend(img.get_pixel_mut(px, py), color, coverage);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_fits_is_kept_and_longer_text_ends_with_an_ellipsis() {
        let face = Face::LOGO;
        assert_eq!(face.fit("Dog Days Café", 200 * S), "Dog Days Café");
        let cut = face.fit("Dog Days Café and Grooming Parlour of Lisbon", 120 * S);
        assert!(cut.ends_with('…') && cut.starts_with("Dog Days"), "{cut}");
        assert!(face.width(&cut) <= 120 * S);
        // Letters outside the Latin alphabet are drawn, not replaced.
        assert_ne!(face.glyph_id('Ω').0, 0);
        assert_ne!(face.glyph_id('€').0, 0);
    }

    #[test]
    fn glyphs_are_anti_aliased() {
        let mut img = RgbaImage::from_pixel(200, 60, Rgba([0, 0, 0, 255]));
        Face::VALUE.draw(&mut img, 4, 4, "Paw Planet", Rgba([255, 255, 255, 255]));
        let mut levels: Vec<u8> = img.pixels().map(|p| p.0[0]).collect();
        levels.sort_unstable();
        levels.dedup();
        assert!(levels.len() > 20, "{} grey levels", levels.len());
    }
}
