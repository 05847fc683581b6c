//! Assets (§10): uploaded images, checked, re-encoded as PNG and stored in the database.
//!
//! Uploads are multipart (`asset[file]`, `asset[asset_type]`). The file is counted while it
//! streams in (413 past 1 MiB), recognised by its magic bytes (PNG, JPEG, GIF), its
//! declared dimensions are read from the header and capped *before* anything is decoded
//! (so a decompression bomb costs nothing), then it is decoded under [`image::Limits`] and
//! re-encoded as PNG. The PNG is served publicly by [`public_router`] at
//! `/assets/{id}.png`: the id is a random UUID, and the console's `<img>` tags and the
//! download pages load it without credentials.

use crate::auth::Auth;
use crate::db::{new_id, now};
use crate::error::{ApiError, ApiResult, Errors};
use crate::list::{ListParams, Paged};
use crate::model::assets::{self, AssetRecord, NewAsset};
use crate::model::parse_id;
use crate::routes::{doc, Part, Routes};
use crate::state::AppState;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use passworks_wire as wire;
use passworks_wire::AssetType;
use sha1::{Digest, Sha1};
use std::io::Cursor;

/// Largest accepted image file (§10): 1 MiB.
pub const MAX_ASSET_BYTES: usize = 1024 * 1024;

/// Body limit of the upload route. Files over 1 MiB are refused by the handler, which reads
/// (and discards) the rest of the body first: a server that answers before the client has
/// finished sending closes the connection under it, and the client sees a broken
/// connection instead of the 413 and its message. Bodies beyond this limit are cut off.
pub const UPLOAD_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Largest accepted image width and height, checked from the header before decoding.
pub const MAX_DIMENSION: u32 = 4096;

/// Largest accepted pixel count (width × height, 2048×2048), checked from the header
/// before decoding. The largest wallet slot at @3x (a 1125×432 strip) has half a
/// megapixel; at 8 bytes a pixel (RGBA, 16 bits a channel) the decoded image stays
/// under 32 MiB.
pub const MAX_PIXELS: u64 = 2048 * 2048;

/// Most memory the decoder may allocate for one image (the second guard behind the
/// header check).
pub const MAX_DECODE_ALLOC: u64 = 64 * 1024 * 1024;

/// Routes of this module (relative to `/v2`).
pub fn router() -> Routes {
    const PARTS: &[Part] = &[
        Part {
            name: "asset[file]",
            file: true,
            required: true,
            description: "The image: PNG, JPEG or GIF, at most 1 MiB, 4096 pixels a side and \
                          4,194,304 pixels (2048×2048) in all.",
        },
        Part {
            name: "asset[asset_type]",
            file: false,
            required: true,
            description: "The image slot (AssetType).",
        },
    ];
    Routes::new("Assets")
        .get(
            "/assets",
            list,
            doc("List assets").list::<wire::Asset>(crate::model::assets::LIST_COLUMNS),
        )
        .post(
            "/assets",
            create,
            doc("Upload an image (PNG, JPEG or GIF, at most 1 MiB)")
                .created::<wire::Asset>()
                .multipart(PARTS, UPLOAD_BODY_LIMIT)
                .errors(&[422]),
        )
        .get(
            "/assets/{asset_id}",
            show,
            doc("One asset").ok::<wire::Asset>(),
        )
        .delete(
            "/assets/{asset_id}",
            destroy,
            doc("Delete an asset not used by a template or as a pass's image")
                .ok::<wire::DeleteOk>()
                .errors(&[412]),
        )
}

/// The public, unauthenticated route serving stored PNGs at `/assets/{id}.png`. Mount it
/// at the root of the application (outside `/v2`).
pub fn public_router() -> Router<AppState> {
    Router::new().route("/assets/{file}", get(public_png))
}

/// The public URL of an asset's PNG.
pub fn asset_url(state: &AppState, id: &str) -> String {
    state.url(&format!("/assets/{id}.png"))
}

fn to_wire(state: &AppState, a: &AssetRecord) -> wire::Asset {
    wire::Asset {
        asset_url: asset_url(state, &a.id),
        id: a.id.clone(),
        asset_type: a.asset_type,
        width: a.width,
        height: a.height,
        created_at: a.created_at.clone(),
    }
}

async fn list(
    State(state): State<AppState>,
    Auth(account): Auth,
    params: ListParams,
) -> ApiResult<Paged<wire::Asset>> {
    Ok(assets::list(&state.db, &account.id, &params)
        .await?
        .map(move |a| to_wire(&state, &a)))
}

async fn show(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::Asset>> {
    let id = parse_id(&raw, "asset")?;
    let a = assets::load(&state.db, &account.id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("asset"))?;
    Ok(Json(to_wire(&state, &a)))
}

async fn destroy(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::DeleteOk>> {
    let id = parse_id(&raw, "asset")?;
    let mut tx = state.db.begin().await?;
    if !assets::exists_tx(&mut tx, &account.id, &id).await? {
        return Err(ApiError::not_found("asset"));
    }
    let users = assets::templates_using(&mut tx, &id).await?;
    if let Some(first) = users.first() {
        return Err(ApiError::precondition(
            "asset",
            format!("Asset in use by {} templates, e.g.: {first}", users.len()),
        ));
    }
    let campaigns = assets::campaigns_using(&mut tx, &account.id, &id).await?;
    if let Some(first) = campaigns.first() {
        return Err(ApiError::precondition(
            "asset",
            format!(
                "Asset in use by {} campaigns as an Apple Wallet image, e.g.: {first}",
                campaigns.len()
            ),
        ));
    }
    let passes = assets::passes_using(&mut tx, &account.id, &id).await?;
    if let Some(first) = passes.first() {
        return Err(ApiError::precondition(
            "asset",
            format!(
                "Asset in use by {} passes as an image override, e.g.: {first}",
                passes.len()
            ),
        ));
    }
    assets::delete(&mut tx, &account.id, &id).await?;
    tx.commit().await?;
    Ok(Json(wire::DeleteOk::default()))
}

/// Maps a multipart read failure onto the API's error shape (413 for the body limit,
/// 400 for malformed multipart).
pub fn multipart_error(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge("Request body is too large".into())
    } else {
        ApiError::BadRequest(format!("Malformed multipart body: {}", e.body_text()))
    }
}

/// Maps the multipart extractor's rejection (wrong content type, no boundary) to a 400.
pub fn multipart_rejection(e: MultipartRejection) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge("Request body is too large".into())
    } else {
        ApiError::BadRequest(format!(
            "Expected a multipart/form-data body: {}",
            e.body_text()
        ))
    }
}

/// Reads a multipart field up to `max` bytes. Returns `None` when the field is larger;
/// the rest of the field is still read (and discarded) so that the client receives the
/// answer instead of a reset connection.
pub async fn read_field_limited(mut field: Field<'_>, max: usize) -> ApiResult<Option<Vec<u8>>> {
    let mut data = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if over {
            continue;
        }
        if data.len() + chunk.len() > max {
            over = true;
            data = Vec::new();
        } else {
            data.extend_from_slice(&chunk);
        }
    }
    Ok(if over { None } else { Some(data) })
}

/// The three accepted image formats, recognised by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Gif,
}

impl ImageKind {
    /// Detects the format from the first bytes of the file.
    pub fn detect(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageKind::Gif)
        } else {
            None
        }
    }

    fn format(self) -> image::ImageFormat {
        match self {
            ImageKind::Png => image::ImageFormat::Png,
            ImageKind::Jpeg => image::ImageFormat::Jpeg,
            ImageKind::Gif => image::ImageFormat::Gif,
        }
    }
}

/// An image checked and converted for storage.
#[derive(Debug, Clone)]
pub struct StoredImage {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// SHA-1 of the PNG bytes, lowercase hex.
    pub sha1: String,
}

/// Checks an uploaded file and re-encodes it as PNG. The error is the message for the
/// `file` attribute of a 422. CPU-bound: call it from a blocking task.
pub fn convert_image(bytes: &[u8]) -> Result<StoredImage, String> {
    const NOT_IMAGE: &str = "must be a PNG, JPEG or GIF image";
    let kind = ImageKind::detect(bytes).ok_or_else(|| NOT_IMAGE.to_string())?;
    let format = kind.format();

    // Header only: no pixel is decoded before the dimensions are known to be sane.
    let (width, height) = image::ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| format!("could not be read as an image ({e})"))?;
    if width == 0 || height == 0 {
        return Err("has no pixels".into());
    }
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(format!(
            "is {width}x{height} pixels; the maximum is {MAX_DIMENSION}x{MAX_DIMENSION}"
        ));
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(format!(
            "is {width}x{height} pixels; the maximum is {MAX_PIXELS} pixels in all \
             (2048x2048)"
        ));
    }

    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let decoded = reader
        .decode()
        .map_err(|e| format!("could not be decoded as an image ({e})"))?;
    let decoded = match decoded.color() {
        image::ColorType::L8
        | image::ColorType::La8
        | image::ColorType::Rgb8
        | image::ColorType::Rgba8
        | image::ColorType::L16
        | image::ColorType::La16
        | image::ColorType::Rgb16
        | image::ColorType::Rgba16 => decoded,
        _ => image::DynamicImage::ImageRgba8(decoded.to_rgba8()),
    };
    let mut png = Vec::new();
    decoded
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| format!("could not be converted to PNG ({e})"))?;
    let sha1 = hex::encode(Sha1::digest(&png));
    Ok(StoredImage {
        png,
        width: decoded.width(),
        height: decoded.height(),
        sha1,
    })
}

/// Reads an upload's parts: the validated asset type and the file bytes (400/413/422
/// for a malformed, oversized or incomplete upload).
async fn read_upload(
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(AssetType, Vec<u8>)> {
    let mut multipart = multipart.map_err(multipart_rejection)?;
    let mut file: Option<Vec<u8>> = None;
    let mut file_too_large = false;
    let mut asset_type: Option<String> = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "asset[file]" | "file" => match read_field_limited(field, MAX_ASSET_BYTES).await? {
                Some(data) => file = Some(data),
                None => file_too_large = true,
            },
            "asset[asset_type]" | "asset_type" => {
                asset_type = read_field_limited(field, 256)
                    .await?
                    .map(|b| String::from_utf8_lossy(&b).trim().to_string());
                if asset_type.is_none() {
                    asset_type = Some(String::new());
                }
            }
            _ => {
                // Unknown parts are read and ignored.
                read_field_limited(field, 0).await?;
            }
        }
    }
    if file_too_large {
        return Err(ApiError::TooLarge(
            "The file is larger than 1 MiB (1,048,576 bytes)".into(),
        ));
    }
    let mut errors = Errors::default();
    let kind = match asset_type.as_deref() {
        None | Some("") => {
            errors.add(
                "asset_type",
                format!("can't be blank (one of {})", AssetType::expected()),
            );
            None
        }
        Some(s) => match AssetType::parse(s) {
            Some(k) => Some(k),
            None => {
                errors.add(
                    "asset_type",
                    format!("is not valid: must be one of {}", AssetType::expected()),
                );
                None
            }
        },
    };
    let file = match file {
        None => {
            errors.add("file", "can't be blank");
            None
        }
        Some(f) if f.is_empty() => {
            errors.add("file", "is empty");
            None
        }
        Some(f) => Some(f),
    };
    errors.check()?;
    match (kind, file) {
        (Some(kind), Some(file)) => Ok((kind, file)),
        _ => Err(ApiError::invalid("file", "can't be blank")),
    }
}

async fn create(
    State(state): State<AppState>,
    Auth(account): Auth,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<wire::Asset>)> {
    let (kind, file) = read_upload(multipart).await?;
    let stored = tokio::task::spawn_blocking(move || convert_image(&file))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("image conversion task failed: {e}")))?
        .map_err(|m| ApiError::invalid("file", m))?;

    let id = new_id();
    let created_at = now();
    let new = NewAsset {
        id: &id,
        account_id: &account.id,
        asset_type: kind,
        width: stored.width,
        height: stored.height,
        sha1: &stored.sha1,
        png: stored.png,
        created_at: &created_at,
    };
    assets::insert(&state.db, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(wire::Asset {
            asset_url: asset_url(&state, &id),
            id,
            asset_type: kind,
            width: stored.width,
            height: stored.height,
            created_at,
        }),
    ))
}

async fn public_png(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(raw) = file.strip_suffix(".png") else {
        return ApiError::not_found("asset").into_response();
    };
    let Ok(id) = parse_id(raw, "asset") else {
        return ApiError::not_found("asset").into_response();
    };
    let (sha1, png) = match assets::load_public_png(&state.db, &id).await {
        Ok(Some(found)) => found,
        Ok(None) => return ApiError::not_found("asset").into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let etag = format!("\"{sha1}\"");
    let cache = HeaderValue::from_static("public, max-age=31536000, immutable");
    let etag_value = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag_value), (header::CACHE_CONTROL, cache)],
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (header::ETAG, etag_value),
            (header::CACHE_CONTROL, cache),
        ],
        png,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected_by_magic_bytes() {
        assert_eq!(
            ImageKind::detect(b"\x89PNG\r\n\x1a\nrest"),
            Some(ImageKind::Png)
        );
        assert_eq!(
            ImageKind::detect(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(ImageKind::detect(b"GIF89a..."), Some(ImageKind::Gif));
        assert_eq!(ImageKind::detect(b"<svg></svg>"), None);
    }

    #[test]
    fn text_is_not_an_image() {
        assert_eq!(
            convert_image(b"hello").unwrap_err(),
            "must be a PNG, JPEG or GIF image"
        );
    }
}
