//! Preview rendering: barcode symbols and a simple picture of the pass front.
//!
//! Text uses the public-domain 8×8 bitmap font of the `font8x8` crate, scaled by whole
//! numbers; the result is plain but faithful to the layout Wallet uses (logo row with header
//! fields, strip or primary fields, secondary and auxiliary rows, footer, barcode).

use std::io::Cursor;

use font8x8::UnicodeFonts;
use image::{imageops, GrayImage, Luma, Rgba, RgbaImage};
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
        BarcodeFormat::Ean128 => 10,
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
    };
    let hints = hints.with(EncodeHintValue::Margin("0".into()));
    let height = if format == BarcodeFormat::Ean128 {
        1
    } else {
        0
    };
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
    // PDF417 rows come out 4 modules high (its 1:4 module aspect) — keep them; Code 128 is one
    // row, stretched to a bar height of 40 modules here.
    if format == BarcodeFormat::Ean128 {
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
    let (qx, qy) = if format == BarcodeFormat::Ean128 {
        (q, 2)
    } else {
        (q, q)
    };
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

fn glyph(c: char) -> [u8; 8] {
    font8x8::BASIC_FONTS
        .get(c)
        .or_else(|| font8x8::LATIN_FONTS.get(c))
        .or_else(|| font8x8::GREEK_FONTS.get(c))
        .or_else(|| font8x8::BASIC_FONTS.get('?'))
        .unwrap_or([0; 8])
}

/// Replaces characters the bitmap font lacks by close ASCII spellings.
fn transliterate(text: &str) -> std::borrow::Cow<'_, str> {
    let missing =
        |c: char| font8x8::BASIC_FONTS.get(c).is_none() && font8x8::LATIN_FONTS.get(c).is_none();
    if !text.chars().any(missing) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        match c {
            '€' => out.push_str("EUR"),
            '–' | '—' | '−' => out.push('-'),
            '‘' | '’' | '‚' => out.push('\''),
            '“' | '”' | '„' => out.push('"'),
            '…' => out.push_str("..."),
            '→' => out.push_str("->"),
            '•' | '·' => out.push('*'),
            _ => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Width in pixels of `text` at `scale`.
fn text_width(text: &str, scale: u32) -> u32 {
    text.chars().count() as u32 * 8 * scale
}

/// Cuts `text` so that it fits in `max` pixels at `scale`, ending with ".." when cut.
fn fit_text(text: &str, scale: u32, max: u32) -> String {
    let text = &*transliterate(text);
    let max_chars = (max / (8 * scale)) as usize;
    let n = text.chars().count();
    if n <= max_chars {
        text.to_owned()
    } else if max_chars <= 2 {
        text.chars().take(max_chars).collect()
    } else {
        let mut s: String = text.chars().take(max_chars - 2).collect();
        s.push_str("..");
        s
    }
}

fn draw_text(img: &mut RgbaImage, x: u32, y: u32, text: &str, scale: u32, color: Rgba<u8>) {
    let mut cx = x;
    for c in text.chars() {
        let g = glyph(c);
        for (row, bits) in g.iter().enumerate() {
            for col in 0..8u32 {
                if bits & (1 << col) != 0 {
                    for dy in 0..scale {
                        for dx in 0..scale {
                            let (px, py) = (cx + col * scale + dx, y + row as u32 * scale + dy);
                            if px < img.width() && py < img.height() {
                                img.put_pixel(px, py, color);
                            }
                        }
                    }
                }
            }
        }
        cx += 8 * scale;
    }
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

fn find<'a>(images: &[&'a PreparedImage], slot: AssetType) -> Option<&'a PreparedImage> {
    images.iter().find(|i| i.slot() == slot).copied()
}

struct Palette {
    fg: Rgba<u8>,
    label: Rgba<u8>,
}

/// Draws a row of fields (label above value) spread over the width; returns the row height.
fn draw_field_row(
    img: &mut RgbaImage,
    y: u32,
    fields: &[Field],
    value_scale: u32,
    pal: &Palette,
) -> u32 {
    if fields.is_empty() {
        return 0;
    }
    let n = fields.len().min(4) as u32;
    let col_w = (WIDTH - 2 * PAD) / n;
    for (i, f) in fields.iter().take(4).enumerate() {
        let x = PAD + i as u32 * col_w;
        let avail = col_w.saturating_sub(4);
        // Last column is right-aligned, like Wallet.
        let right = n > 1 && i as u32 == n - 1;
        let label = fit_text(
            &f.label.clone().unwrap_or_default().to_uppercase(),
            S,
            avail,
        );
        let value = fit_text(f.value.as_deref().unwrap_or(""), value_scale, avail);
        let lx = if right {
            x + col_w - text_width(&label, S)
        } else {
            x
        };
        let vx = if right {
            x + col_w - text_width(&value, value_scale)
        } else {
            x
        };
        draw_text(img, lx, y, &label, S, pal.label);
        draw_text(img, vx, y + 8 * S + 3 * S, &value, value_scale, pal.fg);
    }
    8 * S + 3 * S + 8 * value_scale
}

/// Renders a PNG picture of the pass front (640 px wide, i.e. 320 pt at 2x): background colour
/// (or the event-ticket background image), logo and logo text, header fields, strip with primary
/// fields (or primary fields with thumbnail; origin → destination for boarding passes),
/// secondary and auxiliary rows, footer image and the first barcode with its alt text.
pub fn render_preview_png(spec: &PassSpec, images: &[&PreparedImage]) -> Vec<u8> {
    let bg = rgba(&spec.background_color).unwrap_or(Rgba([255, 255, 255, 255]));
    let fg = rgba(&spec.foreground_color).unwrap_or(if luminance(bg) < 128.0 {
        Rgba([255, 255, 255, 255])
    } else {
        Rgba([0, 0, 0, 255])
    });
    let label = rgba(&spec.label_color).unwrap_or(fg);
    let pal = Palette { fg, label };
    let mut img = RgbaImage::from_pixel(WIDTH, 1400 * S, bg);

    let strip = find(images, AssetType::Strip).filter(|_| {
        matches!(
            spec.style,
            PassType::Coupon | PassType::StoreCard | PassType::EventTicket
        )
    });
    if spec.style == PassType::EventTicket && strip.is_none() {
        if let Some(bgimg) = find(images, AssetType::Background).and_then(decode_2x) {
            let cover = imageops::resize(
                &bgimg,
                WIDTH,
                WIDTH * bgimg.height() / bgimg.width().max(1),
                imageops::FilterType::Triangle,
            );
            let cover = imageops::blur(&cover, 6.0);
            imageops::overlay(&mut img, &cover, 0, 0);
        }
    }

    // Logo row.
    let mut y = PAD;
    let mut row_h = 15 * S;
    let mut x = PAD;
    if let Some(logo) = find(images, AssetType::Logo).and_then(decode_2x) {
        imageops::overlay(&mut img, &logo, x as i64, y as i64);
        row_h = row_h.max(logo.height());
        x += logo.width() + 6 * S;
    }
    // Header fields, right-aligned from the right edge.
    let mut right = WIDTH - PAD;
    for f in spec.header_fields.iter().take(3).rev() {
        let l = fit_text(
            &f.label.clone().unwrap_or_default().to_uppercase(),
            S,
            120 * S,
        );
        let v = fit_text(f.value.as_deref().unwrap_or(""), 3, 120 * S);
        let w = text_width(&l, S).max(text_width(&v, 3));
        let left = right.saturating_sub(w).max(x);
        draw_text(
            &mut img,
            right.saturating_sub(text_width(&l, S)).max(left),
            y,
            &l,
            S,
            pal.label,
        );
        draw_text(
            &mut img,
            right.saturating_sub(text_width(&v, 3)).max(left),
            y + 11 * S,
            &v,
            3,
            pal.fg,
        );
        row_h = row_h.max(11 * S + 24);
        right = left.saturating_sub(8 * S);
    }
    if let Some(t) = spec.logo_text.as_deref().filter(|t| !t.is_empty()) {
        let avail = right.saturating_sub(x);
        let scale = if text_width(&transliterate(t), 3) <= avail {
            3
        } else {
            2
        };
        let t = fit_text(t, scale, avail);
        draw_text(
            &mut img,
            x,
            y + row_h.saturating_sub(8 * scale) / 2,
            &t,
            scale,
            pal.fg,
        );
    }
    y += row_h + 8 * S;

    // Primary area.
    if let Some(strip_img) = strip.and_then(decode_2x) {
        let h = WIDTH * strip_img.height() / strip_img.width().max(1);
        let scaled = imageops::resize(&strip_img, WIDTH, h.max(1), imageops::FilterType::Triangle);
        imageops::overlay(&mut img, &scaled, 0, y as i64);
        let mut py = y + 6 * S;
        for f in spec.primary_fields.iter().take(1) {
            let v = fit_text(f.value.as_deref().unwrap_or(""), 6, WIDTH - 2 * PAD);
            draw_text(&mut img, PAD, py, &v, 6, pal.fg);
            py += 8 * 6 + 2 * S;
            let l = fit_text(
                &f.label.clone().unwrap_or_default().to_uppercase(),
                S,
                WIDTH - 2 * PAD,
            );
            draw_text(&mut img, PAD, py, &l, S, pal.label);
        }
        y += h.max(1) + 8 * S;
    } else if spec.style == PassType::BoardingPass {
        let p = &spec.primary_fields;
        if !p.is_empty() {
            let half = (WIDTH - 2 * PAD) / 2 - 20 * S;
            let l0 = fit_text(
                &p[0].label.clone().unwrap_or_default().to_uppercase(),
                S,
                half,
            );
            let v0 = fit_text(p[0].value.as_deref().unwrap_or(""), 6, half);
            draw_text(&mut img, PAD, y, &l0, S, pal.label);
            draw_text(&mut img, PAD, y + 11 * S, &v0, 6, pal.fg);
            if let Some(p1) = p.get(1) {
                let l1 = fit_text(
                    &p1.label.clone().unwrap_or_default().to_uppercase(),
                    S,
                    half,
                );
                let v1 = fit_text(p1.value.as_deref().unwrap_or(""), 6, half);
                draw_text(
                    &mut img,
                    WIDTH - PAD - text_width(&l1, S),
                    y,
                    &l1,
                    S,
                    pal.label,
                );
                draw_text(
                    &mut img,
                    WIDTH - PAD - text_width(&v1, 6),
                    y + 11 * S,
                    &v1,
                    6,
                    pal.fg,
                );
            }
            // Transit arrow in the middle.
            let cx = WIDTH / 2;
            let cy = y + 11 * S + 24;
            fill_rect(&mut img, cx - 14 * S, cy - S, 26 * S, 2 * S, pal.fg);
            for i in 0..6 * S {
                fill_rect(&mut img, cx + 12 * S - i, cy - i, S, 2 * i + 1, pal.fg);
            }
            y += 11 * S + 48 + 10 * S;
        }
    } else {
        let thumb = find(images, AssetType::Thumbnail)
            .filter(|_| matches!(spec.style, PassType::Generic | PassType::EventTicket))
            .and_then(decode_2x);
        let text_w = WIDTH - 2 * PAD - thumb.as_ref().map(|t| t.width() + 6 * S).unwrap_or(0);
        let mut py = y;
        for f in spec.primary_fields.iter().take(1) {
            let l = fit_text(
                &f.label.clone().unwrap_or_default().to_uppercase(),
                S,
                text_w,
            );
            draw_text(&mut img, PAD, py, &l, S, pal.label);
            py += 11 * S;
            let v = fit_text(f.value.as_deref().unwrap_or(""), 5, text_w);
            draw_text(&mut img, PAD, py, &v, 5, pal.fg);
            py += 40 + 8 * S;
        }
        if let Some(t) = thumb {
            imageops::overlay(&mut img, &t, (WIDTH - PAD - t.width()) as i64, y as i64);
            py = py.max(y + t.height() + 8 * S);
        }
        y = py;
    }

    // Secondary and auxiliary rows.
    for fields in [&spec.secondary_fields, &spec.auxiliary_fields] {
        let h = draw_field_row(&mut img, y, fields, 3, &pal);
        if h > 0 {
            y += h + 8 * S;
        }
    }

    // Footer (boarding passes).
    if spec.style == PassType::BoardingPass {
        if let Some(footer) = find(images, AssetType::Footer).and_then(decode_2x) {
            imageops::overlay(
                &mut img,
                &footer,
                ((WIDTH.saturating_sub(footer.width())) / 2) as i64,
                y as i64,
            );
            y += footer.height() + 6 * S;
        }
    }

    // Barcode.
    if let Some(b) = spec
        .barcodes
        .iter()
        .find(|b| b.format != BarcodeFormat::None && !b.message.is_empty())
    {
        let max_w = WIDTH - 2 * PAD - 16 * S;
        let target = match b.format {
            BarcodeFormat::Qrcode | BarcodeFormat::Aztec => 140 * S,
            _ => max_w,
        };
        if let Ok((mw, mh, _)) = modules(b.format, &b.message) {
            let q = quiet_zone(b.format);
            let max_h = match b.format {
                BarcodeFormat::Qrcode | BarcodeFormat::Aztec => 140 * S,
                _ => 60 * S,
            };
            let scale = (target / (mw + 2 * q))
                .min(max_h / (mh + 2 * q))
                .clamp(1, 40);
            if let Ok(code) = barcode_image(b.format, &b.message, scale) {
                let alt = fit_text(&b.alt_text, S, max_w);
                let alt_h = if alt.is_empty() { 0 } else { 12 * S };
                let box_w = code.width() + 8 * S;
                let box_h = code.height() + 8 * S + alt_h;
                let bx = (WIDTH.saturating_sub(box_w)) / 2;
                y += 4 * S;
                fill_rect(&mut img, bx, y, box_w, box_h, Rgba([255, 255, 255, 255]));
                let rgb = image::DynamicImage::ImageLuma8(code).to_rgba8();
                imageops::overlay(&mut img, &rgb, (bx + 4 * S) as i64, (y + 4 * S) as i64);
                if !alt.is_empty() {
                    let ax = (WIDTH.saturating_sub(text_width(&alt, S))) / 2;
                    draw_text(
                        &mut img,
                        ax,
                        y + 4 * S + rgb.height() + 2 * S,
                        &alt,
                        S,
                        Rgba([0, 0, 0, 255]),
                    );
                }
                y += box_h;
            }
        }
    }
    y += PAD;

    let height = y.clamp(100 * S, img.height());
    let cropped = imageops::crop_imm(&img, 0, 0, WIDTH, height).to_image();
    encode_png(&cropped).unwrap_or_default()
}
