//! Assets over real HTTP (§10): uploads of PNG, JPEG and GIF stored as PNG and served at
//! `asset_url`; rejections (not an image, over 1 MiB, decompression bomb, bad or missing
//! parts); pagination; delete and the in-use rule; isolation between accounts.

mod common;
mod upload;

use common::{Backend, Client, Resp, TestServer};
use serde_json::json;
use std::io::Cursor;

fn encode(img: image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format)
        .expect("encode test image");
    out
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        image::Rgba([(x * 7) as u8, (y * 5) as u8, 128, 255])
    });
    encode(
        image::DynamicImage::ImageRgba8(img),
        image::ImageFormat::Png,
    )
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x * 3) as u8, 90, 200]));
    encode(
        image::DynamicImage::ImageRgb8(img),
        image::ImageFormat::Jpeg,
    )
}

fn gif(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(w, h, image::Rgba([200, 10, 10, 255]));
    encode(
        image::DynamicImage::ImageRgba8(img),
        image::ImageFormat::Gif,
    )
}

async fn upload(client: &Client, asset_type: &str, data: Vec<u8>) -> Resp {
    upload::post(
        client,
        "/assets",
        &[
            upload::text("asset[asset_type]", asset_type),
            upload::file("asset[file]", "image.bin", "application/octet-stream", data),
        ],
    )
    .await
}

async fn fetch(url: &str) -> reqwest::Response {
    reqwest::get(url).await.expect("GET asset_url")
}

async fn uploads_are_stored_as_png(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    for (kind, data, w, h) in [
        ("icon", png(118, 118), 118, 118),
        ("strip", jpeg(64, 24), 64, 24),
        ("logo", gif(32, 10), 32, 10),
    ] {
        let r = upload(&alice, kind, data).await.expect(201);
        let id = r.id();
        assert_eq!(r.body["asset_type"], kind);
        assert_eq!(r.body["width"], w);
        assert_eq!(r.body["height"], h);
        assert!(r.body["created_at"].as_str().unwrap().ends_with('Z'));
        let url = r.body["asset_url"].as_str().unwrap().to_string();
        assert!(url.ends_with(&format!("/assets/{id}.png")), "{url}");
        let shown = alice.get(&format!("/assets/{id}")).await.expect(200);
        assert_eq!(shown.body, r.body);

        // The stored file is a PNG of the same size, public (no credentials).
        let resp = fetch(&url).await;
        assert_eq!(
            resp.status(),
            200,
            "asset_url must serve the PNG without credentials"
        );
        assert_eq!(resp.headers()["content-type"], "image/png");
        let bytes = resp.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        let decoded = image::load_from_memory(&bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (w, h));
    }
    // Unknown ids at the public path are 404.
    let r = fetch(&format!(
        "{}/assets/{}.png",
        server.base,
        uuid::Uuid::new_v4()
    ))
    .await;
    assert_eq!(r.status(), 404);
    server.stop().await;
}
both_backends!(uploads_are_stored_as_png);

async fn bad_uploads_are_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;

    let r = upload(
        &alice,
        "icon",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
    )
    .await
    .expect(422);
    assert_eq!(
        r.body["errors"]["file"][0],
        "must be a PNG, JPEG or GIF image"
    );

    // A PNG signature with garbage behind it.
    let mut broken = b"\x89PNG\r\n\x1a\n".to_vec();
    broken.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let r = upload(&alice, "icon", broken).await.expect(422);
    assert!(r.body["errors"]["file"][0].is_string());

    // Just over 1 MiB: 413 with the usual error body.
    let mut big = png(8, 8);
    big.resize(1024 * 1024 + 1, 0);
    let r = upload(&alice, "icon", big).await.expect(413);
    assert!(r.body["errors"]["base"][0]
        .as_str()
        .unwrap()
        .contains("1 MiB"));
    // Exactly 1 MiB is accepted (a PNG padded with bytes after its end).
    let mut limit = png(8, 8);
    limit.resize(1024 * 1024, 0);
    let limit_id = upload(&alice, "icon", limit).await.expect(201).id();
    // Far beyond 1 MiB: the client still receives the JSON 413 (not a broken connection).
    let r = upload(&alice, "icon", vec![0u8; 6 * 1024 * 1024])
        .await
        .expect(413);
    assert!(r.body["errors"]["base"][0].is_string());

    // A decompression bomb is refused from its header alone.
    let r = upload(
        &alice,
        "background",
        upload::declared_png(100_000, 100_000, 8),
    )
    .await
    .expect(422);
    let msg = r.body["errors"]["file"][0].as_str().unwrap();
    assert!(
        msg.contains("100000x100000") && msg.contains("4096"),
        "{msg}"
    );

    let r = upload(&alice, "banner", png(10, 10)).await.expect(422);
    let msg = r.body["errors"]["asset_type"][0].as_str().unwrap();
    assert!(
        msg.contains("icon, logo, strip, thumbnail, background, footer"),
        "{msg}"
    );

    let r = upload::post(
        &alice,
        "/assets",
        &[upload::text("asset[asset_type]", "icon")],
    )
    .await
    .expect(422);
    assert!(r.body["errors"]["file"][0].is_string());
    let r = upload::post(
        &alice,
        "/assets",
        &[upload::file("asset[file]", "a.png", "image/png", png(4, 4))],
    )
    .await
    .expect(422);
    assert!(r.body["errors"]["asset_type"][0].is_string());

    // Not multipart at all.
    let r = alice
        .post("/assets", json!({"asset": {"asset_type": "icon"}}))
        .await
        .expect(400);
    assert!(r.body["errors"]["base"][0].is_string());

    // Nothing else was stored.
    let r = alice.get("/assets").await.expect(200);
    assert_eq!(r.header("x-total"), "1");
    assert_eq!(r.body[0]["id"], limit_id.as_str());
    server.stop().await;
}
both_backends!(bad_uploads_are_refused);

async fn assets_list_with_pagination(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let mut ids = Vec::new();
    for kind in ["icon", "logo", "logo"] {
        ids.push(upload(&alice, kind, png(6, 6)).await.expect(201).id());
    }
    let r = alice.get("/assets?per_page=2").await.expect(200);
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    assert_eq!(r.header("x-total"), "3");
    assert_eq!(r.header("x-total-pages"), "2");
    assert_eq!(r.header("x-page"), "1");
    assert_eq!(r.header("x-per-page"), "2");
    assert_eq!(r.header("x-next-page"), "2");
    assert_eq!(r.header("x-prev-page"), "");
    assert_eq!(r.header("x-offset"), "0");
    assert_eq!(r.body[0]["id"], ids[0].as_str());

    let r = alice.get("/assets?per_page=2&page=2").await.expect(200);
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert_eq!(r.body[0]["id"], ids[2].as_str());
    assert_eq!(r.header("x-next-page"), "");
    assert_eq!(r.header("x-prev-page"), "1");

    let r = alice.get("/assets?page=5").await.expect(200);
    assert_eq!(r.body, json!([]));
    assert_eq!(r.header("x-total"), "3");

    let r = alice
        .get("/assets?q[asset_type_eq]=logo&q[s]=created_at+desc")
        .await
        .expect(200);
    let got: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![ids[2].as_str(), ids[1].as_str()]);
    server.stop().await;
}
both_backends!(assets_list_with_pagination);

async fn delete_and_in_use_rule(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let spare = upload(&alice, "logo", png(5, 5)).await.expect(201).id();
    let r = alice.delete(&format!("/assets/{spare}")).await.expect(200);
    assert_eq!(r.body, json!({"errors": []}));
    alice.get(&format!("/assets/{spare}")).await.expect(404);
    alice.delete(&format!("/assets/{spare}")).await.expect(404);
    alice.get("/assets/not-a-uuid").await.expect(404);

    let icon = upload(&alice, "icon", png(29, 29)).await.expect(201).id();
    let template = alice
        .post(
            "/templates",
            json!({"template": {"name": "Cocacola", "pass_type": "coupon", "icon_id": icon}}),
        )
        .await
        .expect(201)
        .id();
    let r = alice.delete(&format!("/assets/{icon}")).await.expect(412);
    assert_eq!(
        r.body,
        json!({"errors": {"asset": ["Asset in use by 1 templates, e.g.: Cocacola"]}})
    );
    alice.get(&format!("/assets/{icon}")).await.expect(200);

    alice
        .delete(&format!("/templates/{template}"))
        .await
        .expect(200);
    alice.delete(&format!("/assets/{icon}")).await.expect(200);
    server.stop().await;
}
both_backends!(delete_and_in_use_rule);

async fn assets_are_isolated(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let bob = server.account("Bob").await;
    let id = upload(&alice, "icon", png(10, 10)).await.expect(201).id();
    bob.get(&format!("/assets/{id}")).await.expect(404);
    bob.delete(&format!("/assets/{id}")).await.expect(404);
    let r = bob.get("/assets").await.expect(200);
    assert_eq!(r.body, json!([]));
    server.anonymous().get("/assets").await.expect(401);
    let r = upload(&server.anonymous(), "icon", png(10, 10))
        .await
        .expect(401);
    assert!(r.body["errors"]["base"][0].is_string());
    alice.get(&format!("/assets/{id}")).await.expect(200);
    server.stop().await;
}
both_backends!(assets_are_isolated);
