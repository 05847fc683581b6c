//! Pass images, prepared once per asset and shared by every pass that uses them.

use std::io::Cursor;
use std::sync::Arc;

use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::{self, FilterType};
use image::{DynamicImage, ImageEncoder, RgbaImage};
use passworks_wire::{rules, AssetType, PassType};
use sha1::{Digest, Sha1};

/// Largest accepted source dimension (pixels) of an uploaded image.
const MAX_SOURCE_DIMENSION: u32 = 8192;

/// Why an image could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The bytes are not a PNG, JPEG or GIF image the decoder understands.
    #[error("the file is not a readable PNG, JPEG or GIF image: {0}")]
    Decode(String),
    /// The image is larger than the decoder accepts.
    #[error("the image is too large ({width}×{height} px; at most {max}×{max} px are accepted)")]
    TooLarge {
        /// Source width.
        width: u32,
        /// Source height.
        height: u32,
        /// Accepted maximum per dimension.
        max: u32,
    },
    /// The image has no pixels.
    #[error("the image is empty (0 pixels wide or high)")]
    Empty,
    /// PNG encoding failed (should not happen).
    #[error("could not encode the resized PNG: {0}")]
    Encode(String),
    /// `max_scale` outside 1..=3.
    #[error("max_scale must be 1, 2 or 3 (got {0})")]
    BadScale(u8),
}

/// Apple's layout box for a slot, in points (width, height): the contract rule
/// [`passworks_wire::rules::image_box_points`] (icon 29×29, logo ≤160×50, strip 375×123,
/// 375×98 on event tickets and 375×144 on coupons, thumbnail 90×90, background 180×220,
/// footer 286×15; poster artwork 358×448, primary logo ≤126×30, secondary logo ≤135×12).
/// `style` only matters for the strip.
pub fn slot_box_points(slot: AssetType, style: Option<PassType>) -> (u32, u32) {
    rules::image_box_points(style, slot)
}

/// Options of [`PreparedImage::from_png_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrepareOptions {
    /// The style the image is prepared for; only changes the strip box (event tickets use
    /// 375×98 pt, coupons 375×144 pt, the others 375×123 pt). `None` = the generic box.
    pub style: Option<PassType>,
    /// Highest scale written: 1 (only `x.png`), 2 (adds `x@2x.png`) or 3 (adds `x@3x.png`).
    /// A scale is written only when the upload has the pixels for it
    /// ([`rules::image_scales`]): images are never upscaled.
    pub max_scale: u8,
}

impl Default for PrepareOptions {
    fn default() -> Self {
        PrepareOptions {
            style: None,
            max_scale: 3,
        }
    }
}

/// One file of a prepared image, ready to be copied into a `.pkpass`.
#[derive(Debug, Clone)]
pub struct ImageFile {
    /// File name inside the pass (`logo.png`, `logo@2x.png`, `logo@3x.png`).
    pub name: String,
    /// Encoded PNG bytes (shared, cheap to clone).
    pub bytes: Arc<[u8]>,
    /// Lower-case hex SHA-1 of `bytes` (for `manifest.json`).
    pub sha1_hex: String,
    /// CRC-32 of `bytes` (for the zip entry).
    pub crc32: u32,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
    /// Scale factor (1, 2 or 3).
    pub scale: u8,
}

#[derive(Debug)]
struct Inner {
    slot: AssetType,
    style: Option<PassType>,
    language: Option<String>,
    source_width: u32,
    source_height: u32,
    files: Vec<ImageFile>,
}

/// An uploaded image resized for one Wallet slot at 1x, @2x and @3x, PNG-encoded, with SHA-1
/// and CRC-32 computed once. Cloning is cheap (an `Arc`), so prepare each asset once and reuse
/// it for every pass.
#[derive(Debug, Clone)]
pub struct PreparedImage {
    inner: Arc<Inner>,
}

impl PreparedImage {
    /// Decodes `png_bytes` (PNG; JPEG and GIF are accepted too) and prepares it for `slot` with
    /// the default options (generic strip box, scales 1–3).
    ///
    /// Sizes fit Apple's slot box preserving the aspect ratio (see [`slot_box_points`]); the
    /// icon is padded with transparency to exactly 29×29 pt; a thumbnail whose aspect ratio is
    /// outside 2:3..3:2 is centre-cropped to the nearest allowed ratio first.
    pub fn from_png(slot: AssetType, png_bytes: &[u8]) -> Result<PreparedImage, ImageError> {
        Self::from_png_with(slot, png_bytes, PrepareOptions::default())
    }

    /// Like [`PreparedImage::from_png`], for a given style (event-ticket strips are shorter).
    pub fn from_png_for_style(
        slot: AssetType,
        style: PassType,
        png_bytes: &[u8],
    ) -> Result<PreparedImage, ImageError> {
        Self::from_png_with(
            slot,
            png_bytes,
            PrepareOptions {
                style: Some(style),
                max_scale: 3,
            },
        )
    }

    /// Prepares an image with explicit [`PrepareOptions`].
    pub fn from_png_with(
        slot: AssetType,
        png_bytes: &[u8],
        opts: PrepareOptions,
    ) -> Result<PreparedImage, ImageError> {
        if !(1..=3).contains(&opts.max_scale) {
            return Err(ImageError::BadScale(opts.max_scale));
        }
        let source = decode(png_bytes)?;
        let (sw, sh) = (source.width(), source.height());
        let source = if matches!(slot, AssetType::Thumbnail | AssetType::Artwork) {
            let (cw, ch) = rules::image_used_pixels(slot, sw, sh);
            imageops::crop_imm(&source, (sw - cw) / 2, (sh - ch) / 2, cw, ch).to_image()
        } else {
            source
        };
        let (bw, bh) = slot_box_points(slot, opts.style);
        let (uw, uh) = (source.width(), source.height());
        // Content size in points (fractional), then pixels per scale; scales the upload has
        // no pixels for are left to Wallet, and no file is ever larger than the upload.
        let (pw, ph) = rules::image_content_points(opts.style, slot, uw, uh);
        let top = rules::image_scales(opts.style, slot, uw, uh).min(opts.max_scale);
        let mut files = Vec::with_capacity(top as usize);
        for scale in 1..=top {
            let s = scale as f64;
            let tw = ((pw * s).round() as u32).clamp(1, (bw * scale as u32).min(uw));
            let th = ((ph * s).round() as u32).clamp(1, (bh * scale as u32).min(uh));
            let unchanged = (tw, th) == (uw, uh);
            let mut img = if unchanged {
                source.clone()
            } else {
                imageops::resize(&source, tw, th, FilterType::Lanczos3)
            };
            let mut padded = false;
            if slot == AssetType::Icon {
                // Apple's icon is square; pad with transparency (never scale up).
                let side = tw.max(th);
                if tw != th {
                    let mut canvas = RgbaImage::new(side, side);
                    imageops::overlay(
                        &mut canvas,
                        &img,
                        ((side - tw) / 2) as i64,
                        ((side - th) / 2) as i64,
                    );
                    img = canvas;
                    padded = true;
                }
            }
            // An upload that is already a PNG of exactly this size is used as it is (the
            // server stores uploads re-encoded), so a pass is no larger than its uploads.
            let whole = (uw, uh) == (sw, sh);
            let bytes = if unchanged && whole && !padded && is_png(png_bytes) {
                png_bytes.to_vec()
            } else {
                encode_png(&img)?
            };
            let suffix = if scale == 1 {
                String::new()
            } else {
                format!("@{scale}x")
            };
            files.push(ImageFile {
                name: format!("{}{}.png", slot.file_stem(), suffix),
                sha1_hex: hex::encode(Sha1::digest(&bytes)),
                crc32: crc32fast::hash(&bytes),
                width: img.width(),
                height: img.height(),
                scale,
                bytes: Arc::from(bytes),
            });
        }
        Ok(PreparedImage {
            inner: Arc::new(Inner {
                slot,
                style: opts.style,
                language: None,
                source_width: sw,
                source_height: sh,
                files,
            }),
        })
    }

    /// The slot this image was prepared for.
    pub fn slot(&self) -> AssetType {
        self.inner.slot
    }

    /// The style it was prepared for (`None` = generic box).
    pub fn style(&self) -> Option<PassType> {
        self.inner.style
    }

    /// The language this copy is for (`None` = the root image, shown in every language
    /// without its own).
    pub fn language(&self) -> Option<&str> {
        self.inner.language.as_deref()
    }

    /// This image as `lang`'s (`fr.lproj/logo.png`, `fr.lproj/logo@2x.png`, …): the same
    /// files, bytes shared, under the language's `.lproj` directory. Wallet shows it in
    /// that language instead of the root image of the slot.
    pub fn localized(&self, lang: &str) -> PreparedImage {
        let stem = |name: &str| name.rsplit('/').next().unwrap_or(name).to_string();
        let files = self
            .inner
            .files
            .iter()
            .map(|f| ImageFile {
                name: format!("{lang}.lproj/{}", stem(&f.name)),
                ..f.clone()
            })
            .collect();
        PreparedImage {
            inner: Arc::new(Inner {
                slot: self.inner.slot,
                style: self.inner.style,
                language: Some(lang.to_string()),
                source_width: self.inner.source_width,
                source_height: self.inner.source_height,
                files,
            }),
        }
    }

    /// Size of the uploaded source image in pixels.
    pub fn source_size(&self) -> (u32, u32) {
        (self.inner.source_width, self.inner.source_height)
    }

    /// The files as `(name, bytes, sha1_hex)`, 1x first.
    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8], &str)> + '_ {
        self.inner
            .files
            .iter()
            .map(|f| (f.name.as_str(), &*f.bytes, f.sha1_hex.as_str()))
    }

    /// The files with all their metadata, 1x first.
    pub fn file_entries(&self) -> &[ImageFile] {
        &self.inner.files
    }

    /// Total bytes of all files.
    pub fn total_bytes(&self) -> usize {
        self.inner.files.iter().map(|f| f.bytes.len()).sum()
    }

    /// The highest-resolution file (used for previews).
    pub fn largest(&self) -> &ImageFile {
        self.inner.files.last().expect("at least one scale")
    }
}

fn decode(bytes: &[u8]) -> Result<RgbaImage, ImageError> {
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| ImageError::Decode(e.to_string()))?;
    if w == 0 || h == 0 {
        return Err(ImageError::Empty);
    }
    if w > MAX_SOURCE_DIMENSION || h > MAX_SOURCE_DIMENSION {
        return Err(ImageError::TooLarge {
            width: w,
            height: h,
            max: MAX_SOURCE_DIMENSION,
        });
    }
    let img = image::load_from_memory(bytes).map_err(|e| ImageError::Decode(e.to_string()))?;
    Ok(img.to_rgba8())
}

fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
}

/// Encodes as PNG, dropping the alpha channel when the image is fully opaque.
pub(crate) fn encode_png(img: &RgbaImage) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::new();
    let enc = PngEncoder::new_with_quality(&mut out, CompressionType::Best, PngFilter::Adaptive);
    let opaque = img.pixels().all(|p| p.0[3] == 255);
    let res = if opaque {
        let rgb = DynamicImage::ImageRgba8(img.clone()).to_rgb8();
        enc.write_image(
            rgb.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
    } else {
        enc.write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgba8,
        )
    };
    res.map_err(|e| ImageError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = RgbaImage::from_fn(w, h, |x, y| {
            image::Rgba([(x % 256) as u8, (y % 256) as u8, 128, 255])
        });
        encode_png(&img).unwrap()
    }

    #[test]
    fn sizes_per_slot() {
        let logo = PreparedImage::from_png(AssetType::Logo, &png(480, 150)).unwrap();
        let dims: Vec<_> = logo
            .file_entries()
            .iter()
            .map(|f| (f.name.clone(), f.width, f.height))
            .collect();
        assert_eq!(
            dims,
            vec![
                ("logo.png".into(), 160, 50),
                ("logo@2x.png".into(), 320, 100),
                ("logo@3x.png".into(), 480, 150)
            ]
        );
        // A tall logo is bounded by the height.
        let tall = PreparedImage::from_png(AssetType::Logo, &png(100, 100)).unwrap();
        assert_eq!(
            (tall.file_entries()[0].width, tall.file_entries()[0].height),
            (50, 50)
        );
        // Icon is always square, padded.
        let icon = PreparedImage::from_png(AssetType::Icon, &png(200, 100)).unwrap();
        assert_eq!(
            (icon.file_entries()[2].width, icon.file_entries()[2].height),
            (87, 87)
        );
        // Thumbnail aspect is clamped to 3:2.
        let thumb = PreparedImage::from_png(AssetType::Thumbnail, &png(1200, 200)).unwrap();
        assert_eq!(
            (
                thumb.file_entries()[1].width,
                thumb.file_entries()[1].height
            ),
            (180, 120)
        );
        // Event ticket strip box.
        let strip = PreparedImage::from_png_for_style(
            AssetType::Strip,
            PassType::EventTicket,
            &png(750, 196),
        )
        .unwrap();
        assert_eq!(
            (
                strip.file_entries()[1].width,
                strip.file_entries()[1].height
            ),
            (750, 196)
        );
        for (name, bytes, sha) in strip.files() {
            assert!(name.starts_with("strip"));
            assert_eq!(sha, hex::encode(Sha1::digest(bytes)));
        }
    }

    #[test]
    fn never_upscales() {
        // A 1x-sized upload is used as it is: one file, the upload's own bytes.
        let upload = png(375, 123);
        let strip = PreparedImage::from_png(AssetType::Strip, &upload).unwrap();
        assert_eq!(strip.file_entries().len(), 1);
        assert_eq!(&*strip.file_entries()[0].bytes, &upload[..]);
        // An @2x-sized upload: 1x downscaled and @2x as uploaded, no @3x.
        let strip = PreparedImage::from_png(AssetType::Strip, &png(750, 246)).unwrap();
        let dims: Vec<_> = strip
            .file_entries()
            .iter()
            .map(|f| (f.name.as_str(), f.width, f.height))
            .collect();
        assert_eq!(dims, [("strip.png", 375, 123), ("strip@2x.png", 750, 246)]);
        // Smaller than the box: kept at its size, never enlarged.
        let logo = PreparedImage::from_png(AssetType::Logo, &png(80, 20)).unwrap();
        assert_eq!(
            (
                logo.file_entries().len(),
                logo.largest().width,
                logo.largest().height
            ),
            (1, 80, 20)
        );
        // Coupons have the taller strip box.
        let coupon =
            PreparedImage::from_png_for_style(AssetType::Strip, PassType::Coupon, &png(1125, 432))
                .unwrap();
        assert_eq!(
            (
                coupon.file_entries()[0].width,
                coupon.file_entries()[0].height
            ),
            (375, 144)
        );
    }

    #[test]
    fn a_localized_copy_lives_in_the_language_directory_with_the_same_bytes() {
        let logo = PreparedImage::from_png(AssetType::Logo, &png(320, 100)).unwrap();
        let fr = logo.localized("fr");
        assert_eq!((fr.language(), fr.slot()), (Some("fr"), AssetType::Logo));
        let names: Vec<&str> = fr.files().map(|(n, _, _)| n).collect();
        assert_eq!(names, ["fr.lproj/logo.png", "fr.lproj/logo@2x.png"]);
        for (a, b) in logo.file_entries().iter().zip(fr.file_entries()) {
            assert_eq!((&a.bytes, &a.sha1_hex), (&b.bytes, &b.sha1_hex));
        }
        // Localizing again moves it, it does not nest directories.
        assert_eq!(
            fr.localized("pt-BR").largest().name,
            "pt-BR.lproj/logo@2x.png"
        );
        assert_eq!(logo.language(), None);
    }

    #[test]
    fn rejects_garbage() {
        assert!(matches!(
            PreparedImage::from_png(AssetType::Icon, b"not an image"),
            Err(ImageError::Decode(_))
        ));
    }
}
