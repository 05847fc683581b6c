//! Shared helpers of the workflow tests: test images, API seeding, waits on
//! element text and attributes, and a lock that runs the browser tests one at
//! a time (each starts a server, ChromeDriver and Chromium; on a small machine
//! several at once make the waits flaky).

#![allow(dead_code)]

use std::future::Future;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use image::{ImageFormat, Rgba, RgbaImage};
use passworks_e2e::thirtyfour::components::SelectElement;
use passworks_e2e::thirtyfour::prelude::*;
use passworks_e2e::{Api, TIMEOUT};
use serde_json::{json, Value};

/// Held for the whole of a browser test: the tests of one binary run one at a time.
pub async fn serial() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}

/// A PNG of `w`×`h`: a filled background with a paw print in the left
/// square of the image (something recognisable in screenshots).
pub fn png(w: u32, h: u32, bg: [u8; 3], fg: [u8; 3]) -> Vec<u8> {
    paw_png(w, h, Some(bg), fg)
}

/// A paw print in the left `h`×`h` square of a `w`×`h` PNG, on `bg` or on a
/// transparent background.
pub fn paw_png(w: u32, h: u32, bg: Option<[u8; 3]>, fg: [u8; 3]) -> Vec<u8> {
    let s = h.min(w) as f32;
    // (centre x, centre y, radius x, radius y) as fractions of the square.
    let blobs = [
        (0.50, 0.66, 0.22, 0.18),
        (0.24, 0.40, 0.09, 0.12),
        (0.40, 0.25, 0.09, 0.12),
        (0.60, 0.25, 0.09, 0.12),
        (0.76, 0.40, 0.09, 0.12),
    ];
    let img = RgbaImage::from_fn(w, h, |x, y| {
        let (px, py) = ((x as f32 + 0.5) / s, (y as f32 + 0.5) / s);
        let inside = blobs.iter().any(|(cx, cy, rx, ry)| {
            let (dx, dy) = ((px - cx) / rx, (py - cy) / ry);
            dx * dx + dy * dy <= 1.0
        });
        match (inside, bg) {
            (true, _) => Rgba([fg[0], fg[1], fg[2], 255]),
            (false, Some(b)) => Rgba([b[0], b[1], b[2], 255]),
            (false, None) => Rgba([0, 0, 0, 0]),
        }
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)
        .expect("encoding a PNG");
    out.into_inner()
}

/// The test logo: a white paw on a transparent background, 100×100.
pub fn logo_png() -> Vec<u8> {
    paw_png(100, 100, None, [0xff, 0xff, 0xff])
}

/// The test icon: a yellow paw on navy, 87×87.
pub fn icon_png() -> Vec<u8> {
    png(87, 87, [0x1e, 0x3a, 0x5f], [0xff, 0xd5, 0x4f])
}

/// Writes `bytes` to `<dir>/<name>` and returns the absolute path.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(path.canonicalize()?)
}

/// Uploads an image as an asset of `asset_type` over the API; returns its id.
pub async fn upload_asset(api: &Api, asset_type: &str, bytes: Vec<u8>) -> Result<String> {
    let boundary = "passworks-e2e-boundary-7d1f";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"asset[asset_type]\"\r\n\r\n{asset_type}\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"asset[file]\"; filename=\"{asset_type}.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = api
        .post("/v2/assets")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await?;
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        bail!("uploading a {asset_type} answered {status}: {text}");
    }
    let v: Value = serde_json::from_str(&text)?;
    Ok(v["id"].as_str().context("asset without id")?.to_owned())
}

/// An icon and a logo uploaded over the API: `(icon_id, logo_id)`.
pub async fn seed_images(api: &Api) -> Result<(String, String)> {
    let icon = upload_asset(api, "icon", icon_png()).await?;
    let logo = upload_asset(api, "logo", logo_png()).await?;
    Ok((icon, logo))
}

/// The body of a coupon with fields (one fixed primary, one dynamic
/// secondary), a location and colours.
pub fn coupon_body(name: &str, icon: &str, logo: &str) -> Value {
    json!({"coupon": {
        "name": name,
        "icon_id": icon,
        "logo_id": logo,
        "logo_text": "Paw Planet",
        "organization_name": "Paw Planet",
        "background_color": "#1e3a5f",
        "text_color": "#ffffff",
        "label_color": "#ffd54f",
        "primary_fields": [{"key": "offer", "label": "Offer", "value": "20% off"}],
        "secondary_fields": [{"key": "customer", "label": "Customer", "value": "", "behaviour": "dynamic"}],
        "auxiliary_fields": [{"key": "valid", "label": "Valid until", "value": "31 May"}],
        "back_fields": [{"key": "terms", "label": "Terms", "value": "One coupon per customer."}],
        "locations": [{"latitude": 38.7223, "longitude": -9.1393, "relevant_text": "Paw Planet Lisbon is around the corner"}]
    }})
}

/// Creates a coupon over the API and returns it.
pub async fn seed_coupon(api: &Api, name: &str, icon: &str, logo: &str) -> Result<Value> {
    api.post_json("/v2/coupons", &coupon_body(name, icon, logo))
        .await
}

/// Issues `n` passes of a coupon over the API (customer "Customer <i>"); returns them.
pub async fn issue_passes(api: &Api, coupon_id: &str, n: usize) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for i in 0..n {
        let body = json!({"pass": {"secondary_fields": [{"key": "customer", "value": format!("Customer {}", i + 1)}]}});
        out.push(
            api.post_json(&format!("/v2/coupons/{coupon_id}/passes"), &body)
                .await?,
        );
    }
    Ok(out)
}

/// Polls `check` until it returns `Some`, for up to [`TIMEOUT`].
pub async fn wait_until<T, F, Fut>(what: &str, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let deadline = Instant::now() + TIMEOUT;
    let mut last_error = None;
    loop {
        match check().await {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) => last_error = Some(e),
        }
        if Instant::now() > deadline {
            match last_error {
                Some(e) => bail!("waiting for {what}: {e:#}"),
                None => bail!("waiting for {what}: not within {TIMEOUT:?}"),
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the first element matching `css` shows text containing `text`; returns its text.
pub async fn wait_for_text_in(driver: &WebDriver, css: &str, text: &str) -> Result<String> {
    let seen = std::sync::Mutex::new(String::new());
    let found = wait_until(&format!("{css:?} to show {text:?}"), || async {
        let mut all = Vec::new();
        for e in driver.find_all(By::Css(css)).await? {
            let t = e.text().await.unwrap_or_default();
            if t.contains(text) {
                return Ok(Some(t));
            }
            all.push(t);
        }
        *seen.lock().unwrap() = all.join(" | ");
        Ok(None)
    })
    .await;
    let seen = seen.lock().unwrap().clone();
    found.with_context(|| format!("{css} showed: {seen:?}"))
}

/// The visible text of the first element matching `css` ("" when none).
pub async fn text_of(driver: &WebDriver, css: &str) -> Result<String> {
    match driver.find_all(By::Css(css)).await?.into_iter().next() {
        Some(e) => Ok(e.text().await?),
        None => Ok(String::new()),
    }
}

/// The texts of every element matching `css`.
pub async fn texts_of(driver: &WebDriver, css: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for e in driver.find_all(By::Css(css)).await? {
        out.push(e.text().await?);
    }
    Ok(out)
}

/// A displayed button (or link styled as one) whose text is `label`.
pub async fn button(driver: &WebDriver, label: &str) -> Result<WebElement> {
    let xpath = format!(
        "//*[(self::button or self::a) and normalize-space(.)={}]",
        xpath_literal(label)
    );
    passworks_e2e::wait_for(driver, By::XPath(&xpath))
        .await
        .with_context(|| format!("no button {label:?}"))
}

/// Clicks the button labelled `label`.
pub async fn click_button(driver: &WebDriver, label: &str) -> Result<()> {
    button(driver, label).await?.click().await?;
    Ok(())
}

fn xpath_literal(s: &str) -> String {
    if !s.contains('\'') {
        format!("'{s}'")
    } else {
        format!("\"{s}\"")
    }
}

/// Replaces the value of a text input by typing (so `input` events fire).
pub async fn type_into(el: &WebElement, text: &str) -> Result<()> {
    el.click().await.ok();
    el.send_keys(Key::Control + "a").await?;
    el.send_keys(Key::Backspace).await?;
    if !text.is_empty() {
        el.send_keys(text).await?;
    }
    Ok(())
}

/// Types into the input found by `css`.
pub async fn fill(driver: &WebDriver, css: &str, text: &str) -> Result<WebElement> {
    let el = passworks_e2e::wait_for(driver, By::Css(css)).await?;
    type_into(&el, text).await?;
    Ok(el)
}

/// Selects the option with `value` in the `<select>` found by `css`.
pub async fn select(driver: &WebDriver, css: &str, value: &str) -> Result<()> {
    let el = passworks_e2e::wait_for(driver, By::Css(css)).await?;
    SelectElement::new(&el)
        .await?
        .select_by_value(value)
        .await?;
    Ok(())
}

/// Clicks an element through JavaScript (for visually hidden radios and
/// inputs that a real click cannot reach).
pub async fn js_click(driver: &WebDriver, el: &WebElement) -> Result<()> {
    driver
        .execute("arguments[0].click();", vec![el.to_json()?])
        .await?;
    Ok(())
}

/// The browser's URL path and query, e.g. `/campaigns/coupons/x/passes?page=2`.
pub async fn path_and_query(driver: &WebDriver) -> Result<String> {
    let url = driver.current_url().await?;
    Ok(match url.query() {
        Some(q) => format!("{}?{}", url.path(), q),
        None => url.path().to_owned(),
    })
}

/// The URL query, percent-decoded (`q[s]=redeem_code desc&page=2`).
pub async fn decoded_query(driver: &WebDriver) -> Result<String> {
    let url = driver.current_url().await?;
    Ok(url
        .query_pairs()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&"))
}

/// The names of the entries of a zip archive.
pub fn zip_entries(bytes: &[u8]) -> Result<Vec<String>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).context("not a zip archive")?;
    let mut names = Vec::new();
    for i in 0..archive.len() {
        names.push(archive.by_index(i)?.name().to_owned());
    }
    Ok(names)
}

/// One entry of a zip archive as text.
pub fn zip_text(bytes: &[u8], name: &str) -> Result<String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))?;
    let mut text = String::new();
    archive.by_name(name)?.read_to_string(&mut text)?;
    Ok(text)
}

/// Resizes the browser window so that the page's viewport (and so every
/// screenshot) is exactly `width`×`height` CSS pixels.
pub async fn set_viewport(driver: &WebDriver, width: i64, height: i64) -> Result<()> {
    for _ in 0..3 {
        let inner: Value = driver
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await?
            .json()
            .clone();
        let (iw, ih) = (
            inner[0].as_i64().unwrap_or(0),
            inner[1].as_i64().unwrap_or(0),
        );
        if iw == width && ih == height {
            return Ok(());
        }
        let rect = driver.get_window_rect().await?;
        let w = rect.width + (width - iw);
        let h = rect.height + (height - ih);
        driver
            .set_window_rect(rect.x, rect.y, w.max(100) as u32, h.max(100) as u32)
            .await?;
    }
    Ok(())
}

/// Starts a test system with a 1280×900 viewport.
pub async fn start(name: &str) -> Result<passworks_e2e::TestSystem> {
    let sys = passworks_e2e::TestSystem::start(name).await?;
    sys.goto("/").await?;
    set_viewport(sys.driver(), 1280, 900).await?;
    Ok(sys)
}

/// Waits until `n` images match `css` and every one of them has loaded.
pub async fn images_loaded(driver: &WebDriver, css: &str, n: usize) -> Result<()> {
    let state = std::sync::Mutex::new(Value::Null);
    let r = wait_until(&format!("{n} loaded images {css:?}"), || async {
        let v: Value = driver
            .execute(
                "return [...document.querySelectorAll(arguments[0])]\
                 .map(i => ({src: i.src.slice(0, 80), ok: i.complete && i.naturalWidth > 0}));",
                vec![Value::String(css.to_owned())],
            )
            .await?
            .json()
            .clone();
        let all = v.as_array().cloned().unwrap_or_default();
        let ok = all.len() == n && all.iter().all(|i| i["ok"] == true);
        *state.lock().unwrap() = v;
        Ok(ok.then_some(()))
    })
    .await;
    let seen = state.lock().unwrap().clone();
    r.with_context(|| format!("images: {seen}"))
}

/// The id at the end of a console path like `/campaigns/coupons/<id>`.
pub fn last_segment(path: &str) -> String {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// What most tests start from: a signed-out browser at 1280×900, the account's API, the
/// test images and one coupon ("Spring sale") with its id.
pub struct Seeded {
    pub sys: passworks_e2e::TestSystem,
    pub api: Api,
    pub icon: String,
    pub logo: String,
    pub coupon: Value,
    pub cid: String,
}

/// Starts a system (with `server_args` for `passworks serve`) and seeds the images and
/// the "Spring sale" coupon.
pub async fn seeded(name: &str, server_args: &[&str]) -> Result<Seeded> {
    let sys = passworks_e2e::TestSystem::start_with(name, server_args).await?;
    sys.goto("/").await?;
    set_viewport(sys.driver(), 1280, 900).await?;
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let coupon = seed_coupon(&api, "Spring sale", &icon, &logo).await?;
    let cid = coupon["id"].as_str().context("campaign id")?.to_owned();
    Ok(Seeded {
        sys,
        api,
        icon,
        logo,
        coupon,
        cid,
    })
}

/// The `id` of a JSON object as a string.
pub fn id_of(v: &Value) -> Result<String> {
    Ok(v["id"].as_str().context("an object without id")?.to_owned())
}

/// What has the focus: `tag#id.class "text"`.
pub async fn focused(d: &WebDriver) -> Result<String> {
    let v: Value = d
        .execute(
            "const e = document.activeElement; \
             return e ? `${e.tagName.toLowerCase()}#${e.id}.${e.className} \"${(e.textContent||'').trim().slice(0,60)}\"` : '';",
            vec![],
        )
        .await?
        .json()
        .clone();
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// Waits until the focused element's description contains `what`.
pub async fn wait_focus(d: &WebDriver, what: &str) -> Result<String> {
    let last = std::sync::Mutex::new(String::new());
    let r = wait_until(&format!("focus on {what}"), || async {
        let f = focused(d).await?;
        *last.lock().unwrap() = f.clone();
        Ok(f.contains(what).then_some(f))
    })
    .await;
    let last = last.lock().unwrap().clone();
    r.with_context(|| format!("focus is on {last}"))
}

/// Waits until the document title is `title`.
pub async fn wait_title(d: &WebDriver, title: &str) -> Result<()> {
    let last = std::sync::Mutex::new(String::new());
    let r = wait_until(&format!("title {title:?}"), || async {
        let t = d.title().await?;
        *last.lock().unwrap() = t.clone();
        Ok((t == title).then_some(()))
    })
    .await;
    let last = last.lock().unwrap().clone();
    r.with_context(|| format!("title is {last:?}"))
}

/// True when the element is inside the viewport.
pub async fn in_view(d: &WebDriver, el: &WebElement) -> Result<bool> {
    let v: Value = d
        .execute(
            "const r = arguments[0].getBoundingClientRect(); \
             return r.bottom > 0 && r.top < window.innerHeight;",
            vec![el.to_json()?],
        )
        .await?
        .json()
        .clone();
    Ok(v == Value::Bool(true))
}

/// Lets the browser save downloads (a CSV export, an error report) into `dir`, without
/// asking (headless Chromium refuses them otherwise).
pub async fn allow_downloads(d: &WebDriver, dir: &Path) -> Result<()> {
    use passworks_e2e::thirtyfour::extensions::cdp::ChromeDevTools;
    std::fs::create_dir_all(dir)?;
    ChromeDevTools::new(d.handle.clone())
        .execute_cdp_with_params(
            "Browser.setDownloadBehavior",
            serde_json::json!({"behavior": "allow", "downloadPath": dir.to_string_lossy()}),
        )
        .await?;
    Ok(())
}

/// Waits until the browser has finished saving `name` into `dir`; returns its text.
pub async fn downloaded(dir: &Path, name: &str) -> Result<String> {
    let path = dir.join(name);
    let partial = dir.join(format!("{name}.crdownload"));
    wait_until(&format!("the download {name}"), || async {
        if path.exists() && !partial.exists() {
            return Ok(Some(std::fs::read_to_string(&path)?));
        }
        Ok(None)
    })
    .await
    .with_context(|| {
        let seen: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        format!("{} holds {seen:?}", dir.display())
    })
}

/// Saves a screenshot of the current page at 1280×900 and at 390×844 (`<step>-desktop`,
/// `<step>-phone`), each once `ready_css` is displayed, leaving the browser at 1280×900.
pub async fn both_screens(
    sys: &passworks_e2e::TestSystem,
    step: &str,
    ready_css: &str,
) -> Result<()> {
    let d = sys.driver();
    for (w, h, name) in [(1280, 900, "desktop"), (390, 844, "phone")] {
        set_viewport(d, w, h).await?;
        passworks_e2e::wait_for(d, By::Css(ready_css)).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        sys.screenshot(&format!("{step}-{name}")).await?;
    }
    set_viewport(d, 1280, 900).await?;
    Ok(())
}
