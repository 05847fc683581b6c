//! Certificates over real HTTP (§11.2 and the upload/delete extension): list and get,
//! upload of a .p12 from a throw-away test PKI (`tests/fixtures/make-test-pki.sh`), the
//! refusals a user meets (wrong password, not a .p12, expired, key not matching), the
//! default certificate, delete refused while a campaign uses it, and isolation.

mod common;
mod upload;

use common::{Backend, Client, Resp, TestServer};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

const PASS_TYPE_ID: &str = "pass.com.example.test";
const TEAM_ID: &str = "TEAMID1234";

/// Creates the test PKI in a fresh directory.
fn pki() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/make-test-pki.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(dir.path())
        .output()
        .expect("run make-test-pki.sh (needs the openssl CLI)");
    assert!(
        out.status.success(),
        "make-test-pki.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl CLI");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

async fn upload_p12(client: &Client, p12: Vec<u8>, password: &str, wwdr: Option<Vec<u8>>) -> Resp {
    let mut parts = vec![
        upload::file(
            "certificate[file]",
            "signer.p12",
            "application/x-pkcs12",
            p12,
        ),
        upload::text("certificate[password]", password),
    ];
    if let Some(w) = wwdr {
        parts.push(upload::file(
            "certificate[wwdr]",
            "wwdr.pem",
            "application/x-pem-file",
            w,
        ));
    }
    upload::post(client, "/certificates", &parts).await
}

/// An expired Pass Type ID certificate issued by the test WWDR, as a .p12 (password "x").
fn expired_p12(pki: &Path) -> Vec<u8> {
    let subject = format!("/UID={PASS_TYPE_ID}/CN=Pass Type ID: {PASS_TYPE_ID}/OU={TEAM_ID}");
    openssl(
        pki,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "expired.key",
            "-out",
            "expired.csr",
            "-subj",
            &subject,
        ],
    );
    openssl(
        pki,
        &[
            "x509",
            "-req",
            "-in",
            "expired.csr",
            "-CA",
            "wwdr.pem",
            "-CAkey",
            "wwdr.key",
            "-CAcreateserial",
            "-CAserial",
            "expired.srl",
            "-out",
            "expired.pem",
            "-days",
            "-1",
            "-sha256",
        ],
    );
    openssl(
        pki,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "expired.key",
            "-in",
            "expired.pem",
            "-passout",
            "pass:x",
            "-out",
            "expired.p12",
        ],
    );
    read(pki, "expired.p12")
}

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut chunk = vec![(arc & 0x7f) as u8];
        let mut v = arc >> 7;
        while v > 0 {
            chunk.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        chunk.reverse();
        body.extend(chunk);
    }
    der(0x06, &body)
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    der(0x30, &parts.concat())
}

/// A PKCS#12 file (no encryption, no MAC: opened with an empty password) holding the
/// signer's certificate with somebody else's private key — what a user gets when they
/// export the wrong key. The openssl CLI refuses to write such a file.
fn mismatched_p12(pki: &Path) -> Vec<u8> {
    openssl(
        pki,
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "wwdr.key", "-outform", "DER", "-out", "other.p8",
        ],
    );
    let key = read(pki, "other.p8");
    let cert = read(pki, "signer.cer");
    let data_oid = oid("1.2.840.113549.1.7.1");
    let key_bag = seq(&[oid("1.2.840.113549.1.12.10.1.1"), der(0xa0, &key)]);
    let cert_bag = seq(&[
        oid("1.2.840.113549.1.12.10.1.3"),
        der(
            0xa0,
            &seq(&[oid("1.2.840.113549.1.9.22.1"), der(0xa0, &der(0x04, &cert))]),
        ),
    ]);
    let safe_contents = seq(&[key_bag, cert_bag]);
    let auth_safe = seq(&[seq(&[
        data_oid.clone(),
        der(0xa0, &der(0x04, &safe_contents)),
    ])]);
    seq(&[
        der(0x02, &[3]),
        seq(&[data_oid, der(0xa0, &der(0x04, &auth_safe))]),
    ])
}

fn ids(r: &Resp) -> Vec<String> {
    r.body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

async fn list_and_upload(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let pki = pki();

    // A fresh account sees nothing but (if the instance made one) the shared development
    // certificate, which is then its default.
    let r = alice.get("/certificates").await.expect(200);
    let shared = r.body.as_array().unwrap().clone();
    assert_eq!(shared.len(), 1, "{}", r.body);
    for c in &shared {
        assert_eq!(c["development"], true);
        assert_eq!(c["default"], true);
        let notice = c["notice"].as_str().unwrap();
        assert!(notice.contains("Apple devices will not accept"), "{notice}");
        assert!(notice.contains("POST /v2/certificates"), "{notice}");
    }
    assert_eq!(r.header("x-total"), shared.len().to_string());

    let r = upload_p12(
        &alice,
        read(pki.path(), "signer.p12"),
        "test",
        Some(read(pki.path(), "wwdr.pem")),
    )
    .await
    .expect(201);
    let id = r.id();
    assert_eq!(r.body["team_identifier"], TEAM_ID);
    assert_eq!(r.body["pass_type_identifier"], PASS_TYPE_ID);
    assert_eq!(r.body["issued_to"], format!("Pass Type ID: {PASS_TYPE_ID}"));
    assert!(r.body["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(r.body["development"], false);
    assert_eq!(r.body["default"], false);
    assert!(r.body["notice"].is_null());
    let keys: Vec<&String> = r.body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        vec![
            "created_at",
            "default",
            "development",
            "expires_at",
            "id",
            "issued_to",
            "notice",
            "pass_type_identifier",
            "team_identifier"
        ],
        "no key material in responses"
    );
    let shown = alice.get(&format!("/certificates/{id}")).await.expect(200);
    assert_eq!(shown.body, r.body);

    // The private key is stored encrypted, never in clear.
    let stored: String = sqlx::query_scalar("SELECT key_encrypted FROM certificates WHERE id = $1")
        .bind(&id)
        .fetch_one(&server.running.state.db.pool)
        .await
        .unwrap();
    assert!(!stored.contains("PRIVATE KEY"));
    let pem =
        passworks_server::model::certificates::decrypt_key(&server.running.state.settings, &stored)
            .unwrap();
    assert!(pem.contains("PRIVATE KEY"));

    // The intermediate may be DER, or left out when the .p12 carries it.
    upload_p12(
        &alice,
        read(pki.path(), "signer.p12"),
        "test",
        Some(read(pki.path(), "wwdr.cer")),
    )
    .await
    .expect(201);
    upload_p12(&alice, read(pki.path(), "signer.p12"), "test", None)
        .await
        .expect(201);

    let r = alice.get("/certificates?per_page=2").await.expect(200);
    assert_eq!(r.header("x-total"), (shared.len() + 3).to_string());
    assert_eq!(r.body.as_array().unwrap().len(), 2);

    // Becoming the default signing certificate.
    let r = alice
        .post_empty(&format!("/certificates/{id}/default"))
        .await
        .expect(200);
    assert_eq!(r.body["default"], true);
    let r = alice.get("/certificates?per_page=50").await.expect(200);
    let defaults: Vec<&Value> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["default"] == true)
        .collect();
    assert_eq!(defaults.len(), 1);
    assert_eq!(defaults[0]["id"], id.as_str());
    server.stop().await;
}
both_backends!(list_and_upload);

async fn bad_uploads_say_what_is_wrong(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let pki = pki();
    let wwdr = read(pki.path(), "wwdr.pem");

    let r = upload_p12(
        &alice,
        read(pki.path(), "signer.p12"),
        "wrong",
        Some(wwdr.clone()),
    )
    .await
    .expect(422);
    let msg = r.body["errors"]["password"][0].as_str().unwrap();
    assert!(msg.contains("wrong password"), "{msg}");

    let r = upload_p12(
        &alice,
        read(pki.path(), "signer.pem"),
        "test",
        Some(wwdr.clone()),
    )
    .await
    .expect(422);
    let msg = r.body["errors"]["file"][0].as_str().unwrap();
    assert!(msg.contains("not a PKCS#12"), "{msg}");

    let r = upload_p12(&alice, expired_p12(pki.path()), "x", Some(wwdr.clone()))
        .await
        .expect(422);
    let msg = r.body["errors"]["file"][0].as_str().unwrap();
    assert!(msg.contains("expired"), "{msg}");

    let r = upload_p12(&alice, mismatched_p12(pki.path()), "", Some(wwdr.clone()))
        .await
        .expect(422);
    let msg = r.body["errors"]["file"][0].as_str().unwrap();
    assert!(msg.contains("private key"), "{msg}");

    // An intermediate that did not issue the certificate.
    openssl(
        pki.path(),
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "other-ca.key",
            "-out",
            "other-ca.pem",
            "-days",
            "30",
            "-subj",
            "/CN=Some Other CA",
        ],
    );
    let r = upload_p12(
        &alice,
        read(pki.path(), "signer.p12"),
        "test",
        Some(read(pki.path(), "other-ca.pem")),
    )
    .await
    .expect(422);
    assert!(r.body["errors"]["wwdr"][0].is_string(), "{}", r.body);
    let r = upload_p12(
        &alice,
        read(pki.path(), "signer.p12"),
        "test",
        Some(b"junk".to_vec()),
    )
    .await
    .expect(422);
    assert!(r.body["errors"]["wwdr"][0].is_string(), "{}", r.body);

    let r = upload::post(
        &alice,
        "/certificates",
        &[upload::text("certificate[password]", "test")],
    )
    .await
    .expect(422);
    assert!(r.body["errors"]["file"][0].is_string());
    alice
        .post("/certificates", json!({"certificate": {}}))
        .await
        .expect(400);

    let r = alice.get("/certificates").await.expect(200);
    assert!(r
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["development"] == true));
    server.stop().await;
}
both_backends!(bad_uploads_say_what_is_wrong);

async fn delete_refused_while_a_campaign_uses_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let pki = pki();
    let cert = upload_p12(&alice, read(pki.path(), "signer.p12"), "test", None)
        .await
        .expect(201)
        .id();
    let spare = upload_p12(&alice, read(pki.path(), "signer.p12"), "test", None)
        .await
        .expect(201)
        .id();
    let r = alice
        .delete(&format!("/certificates/{spare}"))
        .await
        .expect(200);
    assert_eq!(r.body, json!({"errors": []}));
    alice
        .get(&format!("/certificates/{spare}"))
        .await
        .expect(404);
    alice
        .delete(&format!("/certificates/{spare}"))
        .await
        .expect(404);

    let icon = upload::post(
        &alice,
        "/assets",
        &[
            upload::text("asset[asset_type]", "icon"),
            upload::file("asset[file]", "icon.png", "image/png", icon_png()),
        ],
    )
    .await
    .expect(201)
    .id();
    let campaign = alice
        .post(
            "/generics",
            json!({"generic": {"name": "Members", "icon_id": icon, "certificate_id": cert}}),
        )
        .await
        .expect(201);
    assert_eq!(campaign.body["certificate_id"], cert.as_str());
    let r = alice
        .delete(&format!("/certificates/{cert}"))
        .await
        .expect(412);
    assert_eq!(
        r.body,
        json!({"errors": {"certificate": ["Certificate in use by 1 campaigns, e.g.: Members"]}})
    );
    alice
        .delete(&format!("/generics/{}", campaign.id()))
        .await
        .expect(200);
    alice
        .delete(&format!("/certificates/{cert}"))
        .await
        .expect(200);

    // The shared development certificate, if any, is not deletable.
    let r = alice.get("/certificates").await.expect(200);
    for dev in ids(&r) {
        alice
            .delete(&format!("/certificates/{dev}"))
            .await
            .expect(412);
    }
    server.stop().await;
}
both_backends!(delete_refused_while_a_campaign_uses_it);

fn icon_png() -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(58, 58, image::Rgba([10, 120, 200, 255]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

async fn certificates_are_isolated(backend: Backend) {
    let server = TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let bob = server.account("Bob").await;
    let pki = pki();
    let id = upload_p12(&alice, read(pki.path(), "signer.p12"), "test", None)
        .await
        .expect(201)
        .id();
    bob.get(&format!("/certificates/{id}")).await.expect(404);
    bob.delete(&format!("/certificates/{id}")).await.expect(404);
    bob.post_empty(&format!("/certificates/{id}/default"))
        .await
        .expect(404);
    let r = bob.get("/certificates").await.expect(200);
    assert!(!ids(&r).contains(&id));
    alice.get(&format!("/certificates/{id}")).await.expect(200);
    alice.get("/certificates/nope").await.expect(404);
    server.anonymous().get("/certificates").await.expect(401);
    server.stop().await;
}
both_backends!(certificates_are_isolated);
