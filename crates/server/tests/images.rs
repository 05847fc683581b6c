//! Pass images over HTTP: uploads are never upscaled. A pass gets `x@2x.png` / `x@3x.png`
//! only when the upload has the pixels for them, so a pass built from 1x-sized uploads is
//! about the size of its uploads.

mod common;
mod upload;

use common::{Backend, Client, TestServer};
use serde_json::{json, Value};
use std::io::Read;

/// A PNG of `w`×`h` pixels with photo-like noise (so its size is realistic), encoded the
/// way the server stores uploads.
fn photo(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        let n = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ seed.wrapping_mul(31))
            .wrapping_mul(2_654_435_761);
        image::Rgba([
            (x * 3) as u8 ^ (n >> 29) as u8,
            (y * 2) as u8,
            (n >> 24) as u8,
            255,
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn asset(client: &Client, kind: &str, png: Vec<u8>) -> String {
    upload::post(
        client,
        "/assets",
        &[
            upload::text("asset[asset_type]", kind),
            upload::file("asset[file]", &format!("{kind}.png"), "image/png", png),
        ],
    )
    .await
    .expect(201)
    .id()
}

/// Names and pixel sizes of the images in a `.pkpass`.
fn images(pkpass: &[u8]) -> Vec<(String, u32, u32)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(pkpass)).expect("zip");
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().to_string();
        if !name.ends_with(".png") {
            continue;
        }
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        let img = image::load_from_memory(&bytes).expect("png");
        out.push((name, img.width(), img.height()));
    }
    out.sort();
    out
}

async fn download(url: &str) -> Vec<u8> {
    let r = reqwest::get(url).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.bytes().await.unwrap().to_vec()
}

async fn store_card_pass(client: &Client, images: Value) -> Value {
    let mut body = json!({"name": format!("Sizes {}", uuid::Uuid::new_v4())});
    for (k, v) in images.as_object().unwrap() {
        body[k] = v.clone();
    }
    let c = client
        .post("/store_cards", json!({ "store_card": body }))
        .await
        .expect(201)
        .id();
    client
        .post_empty(&format!("/store_cards/{c}/passes"))
        .await
        .expect(201)
        .body
}

async fn one_x_uploads_make_a_pass_the_size_of_its_uploads(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.account("Sizes").await;
    let uploads = [
        ("icon", photo(29, 29, 1)),
        ("logo", photo(160, 50, 2)),
        ("strip", photo(375, 123, 3)),
    ];
    let upload_bytes: usize = uploads.iter().map(|(_, p)| p.len()).sum();
    let mut ids = json!({});
    for (kind, png) in uploads {
        ids[format!("{kind}_id")] = json!(asset(&client, kind, png).await);
    }
    let pass = store_card_pass(&client, ids).await;
    let pkpass = download(pass["pkpass_url"].as_str().unwrap()).await;
    assert_eq!(
        images(&pkpass),
        vec![
            ("icon.png".to_string(), 29, 29),
            ("logo.png".to_string(), 160, 50),
            ("strip.png".to_string(), 375, 123),
        ],
        "1x uploads give 1x files only: nothing is upscaled"
    );
    // pass.json, manifest.json and the signature (with its certificate chain) are the
    // "few KB" on top of the images.
    assert!(
        pkpass.len() <= upload_bytes + 8 * 1024,
        "the pass is {} bytes for {} bytes of uploads",
        pkpass.len(),
        upload_bytes
    );
    server.stop().await;
}
both_backends!(one_x_uploads_make_a_pass_the_size_of_its_uploads);

async fn larger_uploads_get_the_scales_they_have_pixels_for(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.account("Scales").await;
    let icon = asset(&client, "icon", photo(87, 87, 4)).await;
    let strip3 = asset(&client, "strip", photo(1125, 369, 5)).await;
    let pass = store_card_pass(&client, json!({"icon_id": icon, "strip_id": strip3})).await;
    let pkpass = download(pass["pkpass_url"].as_str().unwrap()).await;
    assert_eq!(
        images(&pkpass),
        vec![
            ("icon.png".to_string(), 29, 29),
            ("icon@2x.png".to_string(), 58, 58),
            ("icon@3x.png".to_string(), 87, 87),
            ("strip.png".to_string(), 375, 123),
            ("strip@2x.png".to_string(), 750, 246),
            ("strip@3x.png".to_string(), 1125, 369),
        ]
    );
    // An @2x-sized strip: 1x and @2x, Wallet scales for @3x screens.
    let strip2 = asset(&client, "strip", photo(750, 246, 6)).await;
    let pass = store_card_pass(&client, json!({"icon_id": icon, "strip_id": strip2})).await;
    let pkpass = download(pass["pkpass_url"].as_str().unwrap()).await;
    let names: Vec<String> = images(&pkpass)
        .into_iter()
        .filter(|(n, _, _)| n.starts_with("strip"))
        .map(|(n, w, h)| format!("{n} {w}x{h}"))
        .collect();
    assert_eq!(names, ["strip.png 375x123", "strip@2x.png 750x246"]);
    // A logo smaller than its box stays at its own size.
    let logo = asset(&client, "logo", photo(60, 20, 7)).await;
    let pass = store_card_pass(&client, json!({"icon_id": icon, "logo_id": logo})).await;
    let pkpass = download(pass["pkpass_url"].as_str().unwrap()).await;
    assert!(images(&pkpass).contains(&("logo.png".to_string(), 60, 20)));
    assert!(!images(&pkpass)
        .iter()
        .any(|(n, _, _)| n.starts_with("logo@")));
    // Conditional requests keep working with the new content keys.
    let url = pass["pkpass_url"].as_str().unwrap();
    let first = reqwest::get(url).await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let again = reqwest::Client::new()
        .get(url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    server.stop().await;
}
both_backends!(larger_uploads_get_the_scales_they_have_pixels_for);

async fn a_pass_of_several_megabytes_of_images_is_served_whole(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.account("Big").await;
    let icon = asset(&client, "icon", photo(87, 87, 8)).await;
    let strip = asset(&client, "strip", photo(1125, 369, 9)).await;
    // Each language's own strip adds its three scales again: past the size up to which
    // the server signs a pass on the request's thread, it is signed on the blocking pool.
    let mut localized = json!({});
    for (i, lang) in ["de", "fr", "es"].iter().enumerate() {
        let id = asset(&client, "strip", photo(1125, 369, 10 + i as u32)).await;
        localized[*lang] = json!({ "strip_id": id });
    }
    let pass = store_card_pass(
        &client,
        json!({"icon_id": icon, "strip_id": strip, "apple": {"localized_images": localized}}),
    )
    .await;
    let pkpass = download(pass["pkpass_url"].as_str().unwrap()).await;
    assert!(
        pkpass.len() > 3 * 1024 * 1024,
        "{} bytes: the pass is meant to be several megabytes",
        pkpass.len()
    );
    let names: Vec<String> = images(&pkpass).into_iter().map(|(n, _, _)| n).collect();
    for lang in ["", "de.lproj/", "fr.lproj/", "es.lproj/"] {
        for scale in ["", "@2x", "@3x"] {
            let name = format!("{lang}strip{scale}.png");
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
    }
    // Served again from the cache, byte for byte.
    assert_eq!(download(pass["pkpass_url"].as_str().unwrap()).await, pkpass);
    server.stop().await;
}
both_backends!(a_pass_of_several_megabytes_of_images_is_served_whole);
