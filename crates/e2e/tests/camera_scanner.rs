//! The redeem screen's camera (issue 15), end to end: headless Chromium on Linux has no
//! `BarcodeDetector`, so the console reads QR codes from the camera's frames in wasm
//! (`rqrr`). Chromium's fake camera plays a Y4M video that this test writes: the QR code
//! of one pass's redeem code, then another's, then white, as door staff scan one guest
//! after the other without touching the screen. Door staff hold a phone (390×844): each
//! scan's result is drawn over the camera's picture and must be in sight without
//! scrolling.
//!
//! Run: `cargo test -p passworks-e2e --test camera_scanner -- --nocapture`.

mod support;

use std::io::Write;
use std::path::Path;

use anyhow::{ensure, Context, Result};
use passworks_e2e::thirtyfour::prelude::*;
use passworks_e2e::wait_for;
use passworks_wire::BarcodeFormat;
use serde_json::json;

use support::*;

/// Frame size and rate of the fake camera's video.
const W: usize = 320;
const H: usize = 240;
const FPS: usize = 5;

/// One grey (luma) frame: white, with the QR code of `message` centred (or none).
fn frame(message: Option<&str>) -> Result<Vec<u8>> {
    let mut luma = vec![255u8; W * H];
    if let Some(message) = message {
        let png = passworks_pkpass::render_barcode_png(BarcodeFormat::Qrcode, message, 7)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let code = image::load_from_memory(&png)?.to_luma8();
        ensure!(
            (code.width() as usize) < W && (code.height() as usize) < H,
            "the QR code of {message} is larger than the frame"
        );
        let (ox, oy) = (
            (W - code.width() as usize) / 2,
            (H - code.height() as usize) / 2,
        );
        for (x, y, p) in code.enumerate_pixels() {
            luma[(oy + y as usize) * W + ox + x as usize] = p.0[0];
        }
    }
    Ok(luma)
}

/// Writes a Y4M video (4:2:0, grey) of `scenes`: each a message (or white) shown for
/// `seconds`.
fn write_y4m(path: &Path, scenes: &[(Option<&str>, usize)]) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "YUV4MPEG2 W{W} H{H} F{FPS}:1 Ip A1:1 C420jpeg")?;
    let chroma = vec![128u8; (W / 2) * (H / 2)];
    for (message, seconds) in scenes {
        let luma = frame(*message)?;
        for _ in 0..seconds * FPS {
            out.write_all(b"FRAME\n")?;
            out.write_all(&luma)?;
            out.write_all(&chroma)?;
            out.write_all(&chroma)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Fails unless the scan's result (`#scan-result`) is whole inside the viewport and
/// below the sticky header, where door staff see it without scrolling.
async fn result_in_view(d: &WebDriver) -> Result<()> {
    // The scroll that brings it into view may still be under way.
    let mut last = serde_json::Value::Null;
    for _ in 0..20 {
        last = d
            .execute(
                "const r = document.getElementById('scan-result').getBoundingClientRect(); \
                 const top = document.querySelector('.topbar').getBoundingClientRect().bottom; \
                 return {top: r.top, bottom: r.bottom, header: top, height: window.innerHeight};",
                vec![],
            )
            .await?
            .json()
            .clone();
        let f = |k: &str| last[k].as_f64().unwrap_or(f64::NAN);
        if f("top") >= f("header") && f("bottom") <= f("height") {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("the scan's result is out of sight: {last}")
}

#[tokio::test(flavor = "multi_thread")]
async fn door_staff_scan_two_passes_with_the_camera() -> Result<()> {
    let _serial = serial().await;
    let (first, second) = ("DOOR-0001", "DOOR-0002");
    let video = passworks_e2e::target_dir()
        .join("e2e")
        .join(format!("camera-{}.y4m", std::process::id()));
    std::fs::create_dir_all(video.parent().context("video dir")?)?;
    write_y4m(&video, &[(Some(first), 3), (Some(second), 3), (None, 20)])?;
    let flags = [
        "--use-fake-ui-for-media-stream".to_owned(),
        "--use-fake-device-for-media-stream".to_owned(),
        format!("--use-file-for-fake-video-capture={}", video.display()),
    ];
    let sys = passworks_e2e::TestSystem::start_with_browser("camera_scanner", &[], &flags).await?;
    sys.goto("/").await?;
    set_viewport(sys.driver(), 1280, 900).await?;
    let d = sys.driver();
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let mut body = coupon_body("Dog show entry", &icon, &logo);
    body["coupon"]["code_type"] = json!("per_pass");
    let c = api.post_json("/v2/coupons", &body).await?;
    let cid = id_of(&c)?;
    let mut ids = Vec::new();
    for code in [first, second] {
        let p = api
            .post_json(
                &format!("/v2/coupons/{cid}/passes"),
                &json!({"pass": {"redeem_code": code}}),
            )
            .await?;
        ids.push(id_of(&p)?);
    }

    sys.sign_in().await?;
    sys.goto(&format!("/campaigns/coupons/{cid}/redeem"))
        .await?;
    wait_for(d, By::Id("redeem-code")).await?;
    // This browser has no BarcodeDetector: the wasm reader is what is tested here.
    wait_for_text_in(d, ".scanner-qr-only", "reads QR codes").await?;
    // The typed input stays.
    ensure!(
        d.find(By::Id("redeem-code")).await?.is_enabled().await?,
        "the code field is disabled"
    );
    both_screens(&sys, "01-redeem-screen", "#scan-camera").await?;

    // Door staff hold a phone: the camera's picture is below the code field, under the
    // fold, and the full result below the form.
    set_viewport(d, 390, 844).await?;
    d.execute("window.scrollTo(0, 0)", vec![]).await?;
    click_button(d, "Scan with the camera").await?;
    wait_for_text_in(d, ".result", &format!("Code {first} redeemed")).await?;
    wait_for_text_in(d, "#scan-result", &format!("Code {first} redeemed")).await?;
    result_in_view(d).await.context("first scan")?;
    sys.screenshot("02-first-scanned-phone").await?;
    // The next guest: no touch in between.
    wait_for_text_in(d, ".result", &format!("Code {second} redeemed")).await?;
    wait_for_text_in(d, "#scan-result", &format!("Code {second} redeemed")).await?;
    result_in_view(d).await.context("second scan")?;
    sys.screenshot("03-second-scanned-phone").await?;
    set_viewport(d, 1280, 900).await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sys.screenshot("03-second-scanned-desktop").await?;
    click_button(d, "Stop the camera").await?;

    for (id, code) in ids.iter().zip([first, second]) {
        let p = api
            .get_json(&format!("/v2/coupons/{cid}/passes/{id}"))
            .await?;
        ensure!(
            p["redeemed_count"] == 1,
            "{code} redeemed {} times",
            p["redeemed_count"]
        );
    }
    ensure!(
        d.find(By::Id("redeem-code")).await?.prop("value").await? == Some(String::new()),
        "the code field is not empty for the next code"
    );

    sys.shutdown().await;
    let _ = std::fs::remove_file(&video);
    Ok(())
}
