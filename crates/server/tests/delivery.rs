//! Pass delivery over real HTTP: signed `.pkpass` files for every style (checked with the
//! OpenSSL command line against the development CA the server wrote into its data dir),
//! conditional downloads, the campaign page's one-pass-per-visitor rule, its confinement
//! headers and Open Graph tags, validation failures as 422, the `downloaded` event, the
//! barcode image route and an uploaded .p12 taking over from the development certificate.

mod common;
mod upload;

use common::{Backend, Client, Resp, TestServer};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};
use sqlx::Row;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

fn png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        image::Rgba([rgb[0] ^ (x as u8), rgb[1] ^ (y as u8), rgb[2], 255])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

async fn asset(client: &Client, kind: &str, w: u32, h: u32) -> String {
    upload::post(
        client,
        "/assets",
        &[
            upload::text("asset[asset_type]", kind),
            upload::file(
                "asset[file]",
                "a.png",
                "image/png",
                png(w, h, [200, 40, 90]),
            ),
        ],
    )
    .await
    .expect(201)
    .id()
}

/// A GET of an absolute URL with extra headers, redirects not followed.
async fn fetch(url: &str, headers: &[(&str, &str)]) -> Resp {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut req = http.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    Client::finish(req).await
}

fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.insert(f.name().to_string(), data);
    }
    out
}

/// Checks a .pkpass: every file is in the manifest with its SHA-1, and the signature
/// verifies against `ca` with OpenSSL. Returns pass.json.
fn check_pkpass(bytes: &[u8], ca: &Path) -> Value {
    let files = unzip(bytes);
    let manifest: BTreeMap<String, String> =
        serde_json::from_slice(&files["manifest.json"]).expect("manifest.json is JSON");
    for (name, data) in &files {
        if name == "manifest.json" || name == "signature" {
            continue;
        }
        assert_eq!(
            manifest.get(name),
            Some(&hex::encode(Sha1::digest(data))),
            "manifest hash of {name}"
        );
    }
    for name in manifest.keys() {
        assert!(files.contains_key(name), "{name} listed but missing");
    }
    for name in ["icon.png", "icon@2x.png", "icon@3x.png", "pass.json"] {
        assert!(files.contains_key(name), "{name} missing");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("signature"), &files["signature"]).unwrap();
    std::fs::write(dir.path().join("manifest.json"), &files["manifest.json"]).unwrap();
    let out = std::process::Command::new("openssl")
        .args(["smime", "-verify", "-binary", "-inform", "DER", "-in"])
        .arg(dir.path().join("signature"))
        .arg("-content")
        .arg(dir.path().join("manifest.json"))
        .arg("-CAfile")
        .arg(ca)
        .args(["-purpose", "any", "-out", "/dev/null"])
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl smime -verify failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&files["pass.json"]).expect("pass.json is JSON")
}

fn dev_ca(server: &TestServer) -> std::path::PathBuf {
    let p = server.data_dir.path().join("dev-ca").join("ca.pem");
    assert!(
        p.exists(),
        "the development CA is written into the data dir"
    );
    assert!(server.data_dir.path().join("dev-ca/pass.pem").exists());
    p
}

const STYLES: [(&str, &str, &str, &str); 5] = [
    ("coupons", "coupon", "coupon", "qrcode"),
    ("store_cards", "store_card", "storeCard", "pdf417"),
    ("event_tickets", "event_ticket", "eventTicket", "aztec"),
    ("boarding_passes", "boarding_pass", "boardingPass", "ean128"),
    ("generics", "generic", "generic", "qrcode"),
];

async fn campaign(client: &Client, t: &str, root: &str, name: &str, extra: Value) -> Value {
    let icon = asset(client, "icon", 118, 118).await;
    let mut body = json!({
        "name": name,
        "icon_id": icon,
        "background_color": "#ce8c46",
        "primary_fields": [{"key": "offer", "label": "Offer", "value": "20% off"}],
        "back_fields": [{"key": "terms", "label": "Terms", "value": "One per visitor"}],
    });
    if t == "boarding_passes" {
        body["transit_type"] = json!("air");
    }
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    client
        .post(&format!("/{t}"), json!({ root: body }))
        .await
        .expect(201)
        .body
}

async fn every_style_is_signed_and_verifies(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ca = dev_ca(&server);
    let alice = server.account("Alice").await;
    let certs = alice.get("/certificates").await.expect(200);
    let dev = certs
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["development"] == true);
    let dev = dev.expect("the development certificate is listed");
    assert_eq!(dev["pass_type_identifier"], "pass.local.passworks.dev");

    for (t, root, style, format) in STYLES {
        let logo = asset(&alice, "logo", 320, 100).await;
        let mut extra = json!({"logo_id": logo, "barcode": {"format": format}});
        // The image each style shows besides icon and logo (§20.4).
        let (slot, w, h) = match t {
            "coupons" | "store_cards" => ("strip", 750, 246),
            "event_tickets" => ("strip", 750, 196),
            "generics" => ("thumbnail", 180, 180),
            _ => ("footer", 572, 30),
        };
        extra[format!("{slot}_id")] = json!(asset(&alice, slot, w, h).await);
        let c = campaign(&alice, t, root, &format!("{t} campaign"), extra).await;
        let cid = c["id"].as_str().unwrap();
        let p = alice
            .post_empty(&format!("/{t}/{cid}/passes"))
            .await
            .expect(201)
            .body;
        let public = fetch(p["pkpass_url"].as_str().unwrap(), &[])
            .await
            .expect(200);
        assert_eq!(
            public.header("content-type"),
            "application/vnd.apple.pkpass"
        );
        assert!(public
            .header("content-disposition")
            .starts_with("attachment; filename=\""));
        assert!(!public.header("etag").is_empty());
        assert!(public.header("last-modified").ends_with(" GMT"));
        let pass = check_pkpass(&public.bytes, &ca);
        assert_eq!(pass["passTypeIdentifier"], dev["pass_type_identifier"]);
        assert_eq!(pass["teamIdentifier"], dev["team_identifier"]);
        assert_eq!(pass["serialNumber"], p["serial_number"]);
        assert_eq!(pass["authenticationToken"], p["authentication_token"]);
        assert_eq!(
            pass["webServiceURL"],
            format!("{}/passkit", server.base),
            "{t}"
        );
        assert_eq!(pass["backgroundColor"], "rgb(206, 140, 70)");
        assert_eq!(pass["organizationName"], "Alice");
        assert_eq!(pass[style]["primaryFields"][0]["value"], "20% off", "{t}");
        let apple = match format {
            "qrcode" => "PKBarcodeFormatQR",
            "pdf417" => "PKBarcodeFormatPDF417",
            "aztec" => "PKBarcodeFormatAztec",
            _ => "PKBarcodeFormatCode128",
        };
        assert_eq!(pass["barcodes"][0]["format"], apple);
        assert_eq!(pass["barcodes"][0]["message"], p["redeem_code"]);
        if t == "boarding_passes" {
            assert_eq!(pass[style]["transitType"], "PKTransitTypeAir");
        }

        // The authenticated API route serves the same pass.
        let pid = p["id"].as_str().unwrap();
        let api = alice
            .get(&format!("/{t}/{cid}/passes/{pid}/pkpass"))
            .await
            .expect(200);
        assert_eq!(api.header("etag"), public.header("etag"));
        let files = unzip(&api.bytes);
        for f in ["logo.png", "logo@2x.png"] {
            assert!(files.contains_key(f), "{t}: {f}");
        }
        // A 320×100 logo has no pixels for @3x: it is never upscaled.
        assert!(!files.contains_key("logo@3x.png"), "{t}");
        assert!(files.contains_key(&format!("{slot}@2x.png")), "{t}: {slot}");
        if t == "event_tickets" {
            // Event ticket strips use the shorter 375×98 pt box.
            let strip = image::load_from_memory(&files["strip@2x.png"]).unwrap();
            assert_eq!((strip.width(), strip.height()), (750, 196));
        }
        check_pkpass(&api.bytes, &ca);
        // Another organization cannot reach it.
        let bob = server.account("Bob").await;
        bob.get(&format!("/{t}/{cid}/passes/{pid}/pkpass"))
            .await
            .expect(404);
    }
    server.stop().await;
}
both_backends!(every_style_is_signed_and_verifies);

async fn downloads_answer_conditional_requests(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let c = campaign(&alice, "coupons", "coupon", "Conditional", json!({})).await;
    let cid = c["id"].as_str().unwrap();
    let p = alice
        .post_empty(&format!("/coupons/{cid}/passes"))
        .await
        .expect(201)
        .body;
    let url = p["pkpass_url"].as_str().unwrap();
    let first = fetch(url, &[]).await.expect(200);
    let etag = first.header("etag");
    let modified = first.header("last-modified");

    // An unchanged pass is served from the content cache, not signed again (a new
    // signature would carry a new signing time).
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let cached = fetch(url, &[]).await.expect(200);
    assert_eq!(cached.bytes, first.bytes, "served without signing again");
    assert_eq!(cached.header("etag"), etag);

    let r = fetch(url, &[("if-none-match", &etag)]).await.expect(304);
    assert_eq!(r.header("etag"), etag);
    assert!(r.bytes.is_empty());
    fetch(url, &[("if-modified-since", &modified)])
        .await
        .expect(304);
    fetch(url, &[("if-none-match", "\"something-else\"")])
        .await
        .expect(200);
    fetch(
        url,
        &[("if-modified-since", "Mon, 01 Jan 2001 00:00:00 GMT")],
    )
    .await
    .expect(200);

    // A changed pass is a new file with a new tag.
    let pid = p["id"].as_str().unwrap();
    alice
        .patch(
            &format!("/coupons/{cid}/passes/{pid}"),
            json!({"pass": {"primary_fields": [{"key": "offer", "value": "30% off"}], "push": false}}),
        )
        .await
        .expect(200);
    let changed = fetch(url, &[("if-none-match", &etag)]).await.expect(200);
    assert_ne!(changed.header("etag"), etag);
    let pass = check_pkpass(&changed.bytes, &dev_ca(&server));
    assert_eq!(pass["coupon"]["primaryFields"][0]["value"], "30% off");

    // Every 200 of the public URL is a `downloaded` event with the client's address
    // (committed within moments of the answer; flushed here to read them at once).
    let state = &server.running.state;
    state.passes.flush_served(state).await;
    let rows = sqlx::query("SELECT ip FROM events WHERE pass_id = $1 AND kind = 'downloaded'")
        .bind(pid)
        .fetch_all(&server.running.state.db.pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), 5);
    let ip: Option<String> = rows[0].try_get("ip").unwrap();
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    let totals = alice
        .get(&format!("/coupons/{cid}/reports/totals"))
        .await
        .expect(200);
    assert_eq!(totals.body["report"]["downloads_count"], 5);
    server.stop().await;
}
both_backends!(downloads_answer_conditional_requests);

fn cookie_of(r: &Resp) -> String {
    let set = r.header("set-cookie");
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("Max-Age=86400"), "{set}");
    set.split(';').next().unwrap().to_string()
}

/// The pass-specific `.pkpass` link of a page.
/// The page a visitor sees: the document itself, or the page inside the sandboxed frame
/// that a campaign with `javascript` is served as.
fn framed(html: &str) -> String {
    let Some(start) = html.find("srcdoc=\"") else {
        return html.to_string();
    };
    let rest = &html[start + 8..];
    rest[..rest.find('"').unwrap()]
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn pass_link(html: &str) -> String {
    let html = framed(html);
    let i = html.find("id=\"pw-add\" href=\"").expect("download button") + 18;
    html[i..].split('"').next().unwrap().to_string()
}

async fn passes_total(client: &Client, cid: &str) -> String {
    client
        .get(&format!("/generics/{cid}/passes"))
        .await
        .expect(200)
        .header("x-total")
}

async fn campaign_page_gives_each_visitor_one_pass(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let c = campaign(
        &alice,
        "generics",
        "generic",
        "Members <Club>",
        json!({
            "og_description": "Join the club & save",
            "stylesheet": "body{background:#123456}</style><script>alert(1)</script>",
            "javascript": "document.title = 'x';",
        }),
    )
    .await;
    let cid = c["id"].as_str().unwrap();
    let page_url = c["page_url"].as_str().unwrap();

    let first = fetch(page_url, &[]).await.expect(200);
    let html = String::from_utf8(first.bytes.clone()).unwrap();
    assert!(first.header("content-type").starts_with("text/html"));
    let csp = first.header("content-security-policy");
    for part in [
        "default-src 'none'",
        "connect-src 'none'",
        "sandbox allow-scripts",
        "form-action 'none'",
    ] {
        assert!(csp.contains(part), "CSP {csp:?} lacks {part}");
    }
    assert!(!csp.contains("allow-same-origin"));
    assert!(html.contains("<meta property=\"og:title\" content=\"Members &lt;Club&gt;\">"));
    assert!(
        html.contains("<meta property=\"og:description\" content=\"Join the club &amp; save\">")
    );
    assert!(html.contains("property=\"og:image\""));
    let page = framed(&html);
    assert!(page.contains("Add to Apple Wallet"));
    assert!(
        page.contains("<\\/style><script>alert(1)<\\/script>"),
        "stylesheet confined"
    );
    assert!(page.contains("<script>document.title = 'x';</script>"));
    assert!(
        page.contains("Apple devices will not accept it until a real Pass Type ID certificate"),
        "the page says the development certificate is in use"
    );
    let cookie = cookie_of(&first);
    let link = pass_link(&html);
    assert_eq!(passes_total(&alice, cid).await, "1");

    // The same visitor gets the same pass again, from the page and from the campaign's
    // .pkpass URL; no new pass is issued.
    let again = fetch(page_url, &[("cookie", &cookie)]).await.expect(200);
    assert_eq!(
        pass_link(&String::from_utf8(again.bytes.clone()).unwrap()),
        link
    );
    assert!(again.header("set-cookie").is_empty());
    let by_campaign = fetch(c["pkpass_url"].as_str().unwrap(), &[("cookie", &cookie)])
        .await
        .expect(200);
    let by_link = fetch(&format!("{}{link}", server.base), &[])
        .await
        .expect(200);
    let ca = dev_ca(&server);
    assert_eq!(
        check_pkpass(&by_campaign.bytes, &ca)["serialNumber"],
        check_pkpass(&by_link.bytes, &ca)["serialNumber"]
    );
    assert_eq!(passes_total(&alice, cid).await, "1");
    // Short URLs answer the same.
    let short = fetch(
        c["page_short_url"].as_str().unwrap(),
        &[("cookie", &cookie)],
    )
    .await
    .expect(200);
    assert_eq!(pass_link(&String::from_utf8(short.bytes).unwrap()), link);
    // Previews are PNGs.
    let preview = fetch(
        &format!("{}{}", server.base, link.replace(".pkpass", ".png")),
        &[],
    )
    .await
    .expect(200);
    assert_eq!(preview.header("content-type"), "image/png");
    fetch(c["distributions"][0]["preview_url"].as_str().unwrap(), &[])
        .await
        .expect(200);

    // A forged or foreign cookie counts as a new visitor.
    let forged = cookie.replace(".", "x.");
    let other = fetch(page_url, &[("cookie", &forged)]).await.expect(200);
    assert_ne!(pass_link(&String::from_utf8(other.bytes).unwrap()), link);
    let newcomer = fetch(page_url, &[]).await.expect(200);
    assert_ne!(pass_link(&String::from_utf8(newcomer.bytes).unwrap()), link);
    assert_eq!(passes_total(&alice, cid).await, "3");

    // A paused campaign issues nothing and says so.
    alice
        .post_empty(&format!("/generics/{cid}/pause"))
        .await
        .expect(200);
    let paused = fetch(page_url, &[]).await.expect(410);
    let html = String::from_utf8(paused.bytes).unwrap();
    assert!(
        html.contains("is paused and is not issuing passes"),
        "{html}"
    );
    fetch(c["pkpass_url"].as_str().unwrap(), &[])
        .await
        .expect(410);
    assert_eq!(passes_total(&alice, cid).await, "3");
    // Passes already issued still download.
    fetch(&format!("{}{link}", server.base), &[])
        .await
        .expect(200);

    // Page views are counted.
    let totals = alice
        .get(&format!("/generics/{cid}/reports/totals"))
        .await
        .expect(200);
    assert_eq!(totals.body["report"]["views_count"], 6);

    fetch(&format!("{}/p/nope", server.base), &[])
        .await
        .expect(404);
    fetch(&format!("{}/p/nope.pkpass", server.base), &[])
        .await
        .expect(404);
    server.stop().await;
}
both_backends!(campaign_page_gives_each_visitor_one_pass);

async fn remote_forms_redirect(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let c = campaign(
        &alice,
        "coupons",
        "coupon",
        "Form",
        json!({"remote_form_url": "https://forms.example.com/signup?src=pw"}),
    )
    .await;
    let r = fetch(c["page_url"].as_str().unwrap(), &[])
        .await
        .expect(302);
    assert_eq!(
        r.header("location"),
        format!(
            "https://forms.example.com/signup?src=pw&campaign_id={}",
            c["id"].as_str().unwrap()
        )
    );
    server.stop().await;
}
both_backends!(remote_forms_redirect);

async fn invalid_passes_are_refused_with_422(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let c = campaign(
        &alice,
        "coupons",
        "coupon",
        "Per pass",
        json!({"code_type": "per_pass"}),
    )
    .await;
    let cid = c["id"].as_str().unwrap();
    // Such a code is refused when it is written…
    let r = alice
        .post(
            &format!("/coupons/{cid}/passes"),
            json!({"pass": {"redeem_code": "Ωmega-1"}}),
        )
        .await
        .expect(422);
    assert!(r.body["errors"]["redeem_code"][0]
        .as_str()
        .unwrap()
        .contains("ISO-8859-1"));
    // …but a pass stored before that check existed (written here straight into the
    // database) must still never leave as a file.
    let p = alice
        .post(
            &format!("/coupons/{cid}/passes"),
            json!({"pass": {"redeem_code": "omega-1"}}),
        )
        .await
        .expect(201)
        .body;
    let pid = p["id"].as_str().unwrap();
    sqlx::query("UPDATE passes SET redeem_code = $1 WHERE id = $2")
        .bind("Ωmega-1")
        .bind(pid)
        .execute(&server.running.state.db.pool)
        .await
        .unwrap();
    let r = alice
        .get(&format!("/coupons/{cid}/passes/{pid}/pkpass"))
        .await
        .expect(422);
    assert_eq!(
        r.body,
        json!({"errors": {"barcodes[0].message": [
            "contains 'Ω' (U+03A9), which ISO-8859-1 (the barcode message encoding) cannot represent"
        ]}})
    );
    let public = fetch(p["pkpass_url"].as_str().unwrap(), &[])
        .await
        .expect(422);
    assert_eq!(public.body, r.body);
    // Its download page offers no Apple Wallet button but says what to do, and why.
    let page = fetch(p["page_url"].as_str().unwrap(), &[])
        .await
        .expect(200);
    let html = String::from_utf8(page.bytes).unwrap();
    assert!(!html.contains("id=\"pw-add\""), "{html}");
    assert!(
        html.contains("id=\"pw-apple-refused\"")
            && html.contains("cannot be added to Apple Wallet yet")
            && html.contains("barcodes[0].message contains &#39;Ω&#39;"),
        "{html}"
    );
    // Nothing was downloaded.
    let state = &server.running.state;
    state.passes.flush_served(state).await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE kind = 'downloaded'")
        .fetch_one(&server.running.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
    // A page of a per_pass campaign cannot issue a pass and says why.
    let page = fetch(c["page_url"].as_str().unwrap(), &[])
        .await
        .expect(422);
    assert!(String::from_utf8(page.bytes)
        .unwrap()
        .contains("cannot issue a pass"));
    server.stop().await;
}
both_backends!(invalid_passes_are_refused_with_422);

async fn barcode_images(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    for format in ["qrcode", "pdf417", "aztec", "ean128"] {
        let r = alice
            .get(&format!("/barcode.png?format={format}&message=0000042"))
            .await
            .expect(200);
        assert_eq!(r.header("content-type"), "image/png");
        assert!(r.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    }
    let r = alice
        .get("/barcode.png?format=upc&message=1")
        .await
        .expect(422);
    assert!(r.body["errors"]["format"][0].is_string());
    let r = alice.get("/barcode.png?format=qrcode").await.expect(422);
    assert_eq!(r.body["errors"]["message"][0], "can't be blank");
    alice
        .get("/barcode.png?format=ean128&message=%C3%A9t%C3%A9")
        .await
        .expect(422);
    alice
        .get("/barcode.png?format=qrcode&message=x&scale=0")
        .await
        .expect(422);
    server
        .anonymous()
        .get("/barcode.png?message=x")
        .await
        .expect(401);
    server.stop().await;
}
both_backends!(barcode_images);

async fn development_certificate_is_made_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let state = &server.running.state;
    let a = passworks_server::devcert::ensure(state).await.unwrap();
    let (b, c) = tokio::join!(
        passworks_server::devcert::ensure(state),
        passworks_server::devcert::ensure(state)
    );
    assert_eq!(a, b.unwrap());
    assert_eq!(a, c.unwrap());
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificates WHERE development = 1")
        .fetch_one(&state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let key: String = sqlx::query_scalar("SELECT key_encrypted FROM certificates WHERE id = $1")
        .bind(&a)
        .fetch_one(&state.db.pool)
        .await
        .unwrap();
    assert!(!key.contains("PRIVATE KEY"), "the key is encrypted at rest");
    server.stop().await;
}
both_backends!(development_certificate_is_made_once);

async fn uploaded_certificate_takes_over(backend: Backend) {
    let pki = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pkpass/tests/make-test-pki.sh");
    let ok = std::process::Command::new("bash")
        .arg(&script)
        .arg(pki.path())
        .status()
        .expect("bash runs");
    assert!(ok.success(), "make-test-pki.sh failed");
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let r = upload::post(
        &alice,
        "/certificates",
        &[
            upload::file(
                "certificate[file]",
                "signer.p12",
                "application/x-pkcs12",
                std::fs::read(pki.path().join("signer.p12")).unwrap(),
            ),
            upload::text("certificate[password]", "test"),
            upload::file(
                "certificate[wwdr]",
                "wwdr.pem",
                "application/x-pem-file",
                std::fs::read(pki.path().join("wwdr.pem")).unwrap(),
            ),
        ],
    )
    .await
    .expect(201);
    let cert_id = r.id();
    assert_eq!(r.body["development"], false);

    let own = campaign(
        &alice,
        "coupons",
        "coupon",
        "Own cert",
        json!({"certificate_id": cert_id}),
    )
    .await;
    let dev = campaign(&alice, "coupons", "coupon", "Dev cert", json!({})).await;
    for (c, pass_type, ca) in [
        (&own, "pass.com.example.test", pki.path().join("wwdr.pem")),
        (&dev, "pass.local.passworks.dev", dev_ca(&server)),
    ] {
        let cid = c["id"].as_str().unwrap();
        let p = alice
            .post_empty(&format!("/coupons/{cid}/passes"))
            .await
            .expect(201)
            .body;
        let r = fetch(p["pkpass_url"].as_str().unwrap(), &[])
            .await
            .expect(200);
        let pass = check_pkpass(&r.bytes, &ca);
        assert_eq!(pass["passTypeIdentifier"], pass_type);
        let page = fetch(p["page_url"].as_str().unwrap(), &[])
            .await
            .expect(200);
        let html = String::from_utf8(page.bytes).unwrap();
        assert_eq!(
            html.contains("pw-development"),
            pass_type == "pass.local.passworks.dev",
            "the development notice appears only for the development certificate"
        );
    }
    server.stop().await;
}
both_backends!(uploaded_certificate_takes_over);

async fn public_pages_cap_new_passes_per_address(backend: Backend) {
    let server = TestServer::start_with(backend, |a| {
        a.rate_limit_anonymous = 10_000;
        a.rate_limit_authenticated = 100_000;
        a.page_issue_limit = 2;
    })
    .await;
    let alice = server.account("Alice").await;
    let c = campaign(&alice, "generics", "generic", "Capped", json!({})).await;
    let cid = c["id"].as_str().unwrap();
    let page_url = c["page_url"].as_str().unwrap();
    // Two cookie-less visitors from one address get passes; the third is turned away.
    fetch(page_url, &[]).await.expect(200);
    let second = fetch(page_url, &[]).await.expect(200);
    fetch(page_url, &[]).await.expect(429);
    assert_eq!(passes_total(&alice, cid).await, "2");
    // A visitor who already has a pass keeps getting it.
    let cookie = cookie_of(&second);
    fetch(page_url, &[("cookie", cookie.as_str())])
        .await
        .expect(200);
    assert_eq!(passes_total(&alice, cid).await, "2");
    server.stop().await;
}
both_backends!(public_pages_cap_new_passes_per_address);

/// The download page shows the pass in the visitor's language when the pass has a
/// translation for it (`Accept-Language`), as Wallet does on a phone set to it.
async fn the_download_page_speaks_the_visitors_language(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let c = campaign(
        &alice,
        "coupons",
        "coupon",
        "Jazz",
        json!({"apple": {"translations": {
            "pt-BR": {"Offer": "Oferta", "20% off": "20% de desconto"},
            "de": {"Offer": "Angebot"},
        }}}),
    )
    .await;
    let page_url = c["page_url"].as_str().unwrap();
    let page = |r: Resp| String::from_utf8(r.bytes).unwrap();

    let pt = fetch(page_url, &[("accept-language", "pt;q=0.9, en;q=0.8")])
        .await
        .expect(200);
    assert_eq!(pt.header("vary"), "Accept-Language");
    let html = page(pt);
    assert!(html.contains("<html lang=\"pt-BR\">"), "{html}");
    assert!(
        html.contains(">Oferta<") && html.contains(">20% de desconto<"),
        "{html}"
    );
    assert!(!html.contains(">Offer<"), "{html}");

    // German has only the label: the value stays as written.
    let html = page(
        fetch(page_url, &[("accept-language", "de-AT,de;q=0.9")])
            .await
            .expect(200),
    );
    assert!(html.contains("<html lang=\"de\">"), "{html}");
    assert!(
        html.contains(">Angebot<") && html.contains(">20% off<"),
        "{html}"
    );

    // A language the pass does not have, or none: as written.
    for accept in [Some("fr-FR,fr;q=0.9"), None] {
        let headers: Vec<(&str, &str)> =
            accept.map(|a| ("accept-language", a)).into_iter().collect();
        let html = page(fetch(page_url, &headers).await.expect(200));
        assert!(html.contains("<html lang=\"en\">"), "{accept:?}: {html}");
        assert!(
            html.contains(">Offer<") && html.contains(">20% off<"),
            "{html}"
        );
    }
    server.stop().await;
}
both_backends!(the_download_page_speaks_the_visitors_language);

/// The link preview (the page's `og:image`) is drawn in the language the page was: a
/// French visitor's page links `….png?lang=fr`, whose picture has the French texts and
/// image and is the same bytes on every request; a language the pass does not have (or
/// one written otherwise) draws the pass as written, never an error. The per-pass page's
/// picture takes the same `lang`.
async fn the_link_preview_is_drawn_in_the_pages_language(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let logo = asset(&alice, "logo", 320, 100).await;
    let de_logo = asset(&alice, "logo", 100, 100).await;
    let c = campaign(
        &alice,
        "coupons",
        "coupon",
        "Jazz",
        json!({"logo_id": logo, "logo_text": "Jazz Club", "apple": {
            "translations": {"fr": {"Offer": "Offre", "20% off": "20 % de remise",
                                    "Jazz Club": "Club de jazz"}},
            "localized_images": {"de": {"logo_id": de_logo}},
        }}),
    )
    .await;
    let page_url = c["page_url"].as_str().unwrap();
    let og_image = |r: Resp| {
        let html = String::from_utf8(r.bytes).unwrap();
        let (_, rest) = html
            .split_once("<meta property=\"og:image\" content=\"")
            .unwrap_or_else(|| panic!("no og:image: {html}"));
        rest.split_once('"').unwrap().0.replace("&amp;", "&")
    };
    let png = |url: String| async move {
        let r = fetch(&url, &[]).await.expect(200);
        assert_eq!(r.header("content-type"), "image/png", "{url}");
        image::load_from_memory(&r.bytes).expect("a PNG");
        r.bytes
    };

    let fr_url = og_image(
        fetch(page_url, &[("accept-language", "fr-FR,fr;q=0.9")])
            .await
            .expect(200),
    );
    let root_url = og_image(fetch(page_url, &[]).await.expect(200));
    assert!(fr_url.ends_with(".png?lang=fr"), "{fr_url}");
    assert!(root_url.ends_with(".png"), "{root_url}");
    assert_eq!(fr_url.split_once('?').unwrap().0, root_url);
    let de_url = og_image(
        fetch(page_url, &[("accept-language", "de")])
            .await
            .expect(200),
    );
    assert!(de_url.ends_with(".png?lang=de"), "{de_url}");

    let root = png(root_url.clone()).await;
    let fr = png(fr_url.clone()).await;
    let de = png(de_url).await;
    assert_ne!(fr, root, "French texts");
    assert_ne!(de, root, "German logo");
    assert_ne!(de, fr);
    // Drawn again (from the content cache or not), the same bytes.
    assert_eq!(png(fr_url.clone()).await, fr);
    assert_eq!(png(root_url.clone()).await, root);
    // Not one of the pass's languages, exactly as written: the pass as written.
    for other in ["xx", "FR", "fr-FR", "", "fr%22", "fr-CA"] {
        let url = format!("{root_url}?lang={other}");
        assert_eq!(png(url.clone()).await, root, "{url}");
    }
    let dir = std::env::temp_dir().join(format!("passworks-og-{backend:?}"));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in [("root", &root), ("fr", &fr), ("de", &de)] {
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
    }
    eprintln!("previews in {}", dir.display());

    // One pass's own picture takes the same `lang`.
    let p = alice
        .post(
            &format!("/coupons/{}/passes", c["id"].as_str().unwrap()),
            json!({"pass": {"apple": {"translations": {"fr": {"Offer": "Promo"}}}}}),
        )
        .await
        .expect(201)
        .body;
    let pass_png = format!("{}.png", p["page_url"].as_str().unwrap());
    let pass_root = png(pass_png.clone()).await;
    let pass_fr = png(format!("{pass_png}?lang=fr")).await;
    assert_ne!(pass_fr, pass_root);
    assert_eq!(png(format!("{pass_png}?lang=it")).await, pass_root);
    server.stop().await;
}
both_backends!(the_link_preview_is_drawn_in_the_pages_language);

/// Per-language images (`apple.localized_images`): checked when written (an unknown
/// asset, an asset of another type, a slot the style does not show and a bad language
/// id are each a 422 under their path), packed as `<lang>.lproj/logo.png` with its @2x
/// and @3x in the signed manifest, kept from deletion while in use as root images are,
/// and shown on the download page to a visitor of that language.
async fn localized_images_are_checked_packed_and_shown(backend: Backend) {
    let server = TestServer::start(backend).await;
    let ca = dev_ca(&server);
    let alice = server.account("Alice").await;
    let icon = asset(&alice, "icon", 118, 118).await;
    let logo = asset(&alice, "logo", 320, 100).await;
    let fr_logo = asset(&alice, "logo", 480, 150).await;
    let fr_strip = asset(&alice, "strip", 750, 246).await;
    let de_logo = asset(&alice, "logo", 160, 50).await;
    let footer = asset(&alice, "footer", 572, 30).await;
    let msg = |r: &Resp, attr: &str| {
        r.body["errors"][attr][0]
            .as_str()
            .unwrap_or_else(|| panic!("no message under {attr}: {}", r.body))
            .to_string()
    };

    let r = alice
        .post(
            "/coupons",
            json!({"coupon": {"name": "Bad", "icon_id": icon, "apple": {"localized_images": {
                "fr": {"logo_id": "6f1c9a52-3f1e-4d1b-9a55-000000000000"},
                "de": {"logo_id": fr_strip},
                "it": {"footer_id": footer},
                "pt_BR": {"logo_id": logo},
            }}}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "apple.localized_images.fr.logo_id").contains("existing asset"));
    assert!(msg(&r, "apple.localized_images.de.logo_id").contains("type logo"));
    assert!(msg(&r, "apple.localized_images.it.footer_id").contains("not shown"));
    assert!(msg(&r, "apple.localized_images.pt_BR").contains("language id"));
    // A slot no language has is refused when read.
    let r = alice
        .post(
            "/coupons",
            json!({"coupon": {"name": "Bad", "icon_id": icon, "apple": {"localized_images": {
                "fr": {"banner_id": logo},
            }}}}),
        )
        .await
        .expect(422);
    let m = msg(&r, "apple.localized_images.fr.banner_id");
    assert!(m.contains("unknown field") && m.contains("logo_id"), "{m}");

    let c = campaign(
        &alice,
        "coupons",
        "coupon",
        "Jazz",
        json!({"logo_id": logo, "apple": {
            "translations": {"pt": {"Offer": "Oferta"}},
            "localized_images": {"fr": {"logo_id": fr_logo, "strip_id": fr_strip}}
        }}),
    )
    .await;
    let cid = c["id"].as_str().unwrap();
    assert_eq!(
        c["apple"]["localized_images"]["fr"]["logo_id"],
        fr_logo.as_str()
    );
    // A pass adds a language of its own; its images are checked as the campaign's.
    let r = alice
        .post(
            &format!("/coupons/{cid}/passes"),
            json!({"pass": {"apple": {"localized_images": {"de": {"logo_id": fr_strip}}}}}),
        )
        .await
        .expect(422);
    assert!(msg(&r, "apple.localized_images.de.logo_id").contains("type logo"));
    let p = alice
        .post(
            &format!("/coupons/{cid}/passes"),
            json!({"pass": {"apple": {"localized_images": {"de": {"logo_id": de_logo}}}}}),
        )
        .await
        .expect(201)
        .body;

    let pkpass = fetch(p["pkpass_url"].as_str().unwrap(), &[])
        .await
        .expect(200);
    check_pkpass(&pkpass.bytes, &ca);
    let files = unzip(&pkpass.bytes);
    for name in [
        "logo.png",
        "logo@2x.png",
        "fr.lproj/logo.png",
        "fr.lproj/logo@2x.png",
        "fr.lproj/logo@3x.png",
        "fr.lproj/strip.png",
        "fr.lproj/strip@2x.png",
        "de.lproj/logo.png",
        "pt.lproj/pass.strings",
    ] {
        assert!(files.contains_key(name), "{name} in {:?}", files.keys());
    }
    assert_ne!(files["fr.lproj/logo.png"], files["logo.png"]);
    // The root has no strip: only French shows one.
    assert!(!files.contains_key("strip.png"));

    // An image a campaign or a pass uses in a language cannot be deleted from under it.
    let r = alice
        .delete(&format!("/assets/{fr_logo}"))
        .await
        .expect(412);
    assert!(r.body.to_string().contains("1 campaigns"), "{}", r.body);
    let r = alice
        .delete(&format!("/assets/{de_logo}"))
        .await
        .expect(412);
    assert!(r.body.to_string().contains("1 passes"), "{}", r.body);

    // The download page shows the visitor's language's images: French has images and
    // no texts, German comes from the pass, English is the root.
    let page_url = p["page_url"].as_str().unwrap();
    let page = |r: Resp| String::from_utf8(r.bytes).unwrap();
    let fr = page(
        fetch(page_url, &[("accept-language", "fr-FR,fr;q=0.9")])
            .await
            .expect(200),
    );
    assert!(fr.contains("<html lang=\"fr\">"), "{fr}");
    assert!(fr.contains(&format!("/assets/{fr_logo}.png")), "{fr}");
    assert!(fr.contains(&format!("/assets/{fr_strip}.png")), "{fr}");
    assert!(!fr.contains(&format!("/assets/{logo}.png")), "{fr}");
    let de = page(
        fetch(page_url, &[("accept-language", "de")])
            .await
            .expect(200),
    );
    assert!(de.contains(&format!("/assets/{de_logo}.png")), "{de}");
    let en = page(
        fetch(page_url, &[("accept-language", "en")])
            .await
            .expect(200),
    );
    assert!(en.contains(&format!("/assets/{logo}.png")), "{en}");
    assert!(!en.contains(&format!("/assets/{fr_logo}.png")), "{en}");

    // A PATCH removes the pass's language; its image is then free to go.
    let pid = p["id"].as_str().unwrap();
    alice
        .patch(
            &format!("/coupons/{cid}/passes/{pid}"),
            json!({"pass": {"apple": {"localized_images": {"de": null}}}}),
        )
        .await
        .expect(200);
    let pkpass = alice
        .get(&format!("/coupons/{cid}/passes/{pid}/pkpass"))
        .await
        .expect(200);
    let files = unzip(&pkpass.bytes);
    assert!(!files.keys().any(|k| k.starts_with("de.lproj/")));
    assert!(files.contains_key("fr.lproj/logo.png"));
    alice
        .delete(&format!("/assets/{de_logo}"))
        .await
        .expect(200);
    server.stop().await;
}
both_backends!(localized_images_are_checked_packed_and_shown);
