//! Rewards enrollment over real HTTP (Apple's "Return a Personalized Pass"): a store card
//! asks for personalization, its pass carries `personalization.json` and the form's
//! logo, a device posts the holder's data to `…/personalize` and gets the token signed
//! with the pass certificate back; the data is on the pass (API, search, event, webhook)
//! and the next download is the personalized pass, without the form.

mod common;
mod device;

use common::{Backend, Client, TestServer};
use device::{download, pass, pass_json, verify_signature, PassIds};
use serde_json::{json, Value};
use sqlx::Row;
use std::io::Read;

const P256: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEnIgRjXgnh6PmjBXKT4UlP0M4oQwmBMigYXaJuqg7Ty+pOjkTweVSzHoMoMWH1wmui6YH2S1qs9pOUMJE7tkXng==";

/// Uploads a 300×80 PNG as an asset of `asset_type`.
async fn upload(client: &Client, asset_type: &str) -> String {
    let img = image::RgbaImage::from_fn(300, 80, |x, _| image::Rgba([x as u8, 90, 30, 255]));
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).unwrap();
    let boundary = "personalizeboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"asset[asset_type]\"\r\n\r\n{asset_type}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"asset[file]\"; filename=\"logo.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&png.into_inner());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Client::finish(
        client
            .request(reqwest::Method::POST, "/assets")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body),
    )
    .await
    .expect(201)
    .id()
}

fn zip_names(pkpass: &[u8]) -> Vec<String> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(pkpass)).unwrap();
    zip.file_names().map(str::to_string).collect()
}

fn zip_json(pkpass: &[u8], name: &str) -> Value {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(pkpass)).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    serde_json::from_str(&s).unwrap()
}

struct Sent {
    status: u16,
    content_type: String,
    bytes: Vec<u8>,
}

/// `POST …/passes/{type}/{serial}/personalize` as Wallet sends it (no Authorization
/// header unless `auth` is given).
async fn personalize(ids: &PassIds, body: Vec<u8>, auth: Option<&str>) -> Sent {
    let url = format!(
        "{}/v1/passes/{}/{}/personalize",
        ids.web_service_url, ids.pass_type, ids.serial
    );
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header(
            "user-agent",
            "PassbookUIService/1.0 CFNetwork/1410 Darwin/22.6.0",
        )
        .body(body);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.unwrap();
    Sent {
        status: resp.status().as_u16(),
        content_type: resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        bytes: resp.bytes().await.unwrap().to_vec(),
    }
}

fn holder(token: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "personalizationToken": token,
        "requiredPersonalizationInfo": {
            "fullName": "Ana Silva", "givenName": "Ana", "familyName": "Silva",
            "emailAddress": "ana.silva@example.com", "postalCode": "1100-148",
            "ISOCountryCode": "PT"
        }
    }))
    .unwrap()
}

/// Verifies `signature` (DER, detached) over `token` with OpenSSL against the server's
/// development CA, as Wallet verifies it against the pass certificate.
fn verify_token_signature(server: &TestServer, token: &str, signature: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), token).unwrap();
    std::fs::write(dir.path().join("sig"), signature).unwrap();
    let out = std::process::Command::new("openssl")
        .args([
            "smime", "-verify", "-binary", "-inform", "DER", "-purpose", "any",
        ])
        .arg("-in")
        .arg(dir.path().join("sig"))
        .arg("-content")
        .arg(dir.path().join("token"))
        .arg("-CAfile")
        .arg(server.data_dir.path().join("dev-ca/ca.pem"))
        .args(["-out", "/dev/null"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the signed token does not verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A store card campaign; `apple` is its `apple` attribute.
async fn rewards_campaign(client: &Client, apple: Value) -> common::Resp {
    let icon = device::upload_icon(client).await;
    client
        .post(
            "/store_cards",
            json!({"store_card": {
                "name": "Club",
                "icon_id": icon,
                "secondary_fields": [
                    {"key": "name", "label": "Member", "value": "", "behaviour": "dynamic"}
                ],
                "apple": apple
            }}),
        )
        .await
}

// Long because it follows one pass through Apple's whole exchange, checking each place
// the holder's data must show up.
async fn a_holder_signs_up_and_gets_the_personalized_pass(backend: Backend) {
    let server = device::start(backend).await;
    let alice = server.account("Alice").await;
    alice
        .patch(
            "/account",
            json!({"account": {"webhook_url": "https://hooks.example.com/passworks"}}),
        )
        .await
        .expect(200);
    let logo = upload(&alice, "personalization_logo").await;
    let form = json!({
        "required_fields": ["name", "email_address", "postal_code"],
        "description": "Join the club: a free coffee every ten visits.",
        "terms_and_conditions": "See <a href=\"https://example.com/terms\">the terms</a>.",
        "logo_id": logo
    });
    let nfc = json!({"message": "CLUB", "encryption_public_key": P256});

    // Without NFC, without a logo, or with an asset of another type: 422 saying what to do.
    let r = rewards_campaign(&alice, json!({"personalization": form})).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.body);
    assert!(
        r.body["errors"]["apple.personalization"][0]
            .as_str()
            .unwrap()
            .contains("needs apple.nfc"),
        "{}",
        r.body
    );
    let mut no_logo = form.clone();
    no_logo.as_object_mut().unwrap().remove("logo_id");
    let r = rewards_campaign(&alice, json!({"nfc": nfc, "personalization": no_logo})).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.body);
    assert!(r.body["errors"]["apple.personalization.logo_id"][0]
        .as_str()
        .unwrap()
        .contains("personalization_logo"));
    let icon = device::upload_icon(&alice).await;
    let mut wrong = form.clone();
    wrong["logo_id"] = json!(icon);
    let r = rewards_campaign(&alice, json!({"nfc": nfc, "personalization": wrong})).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.body);
    assert!(r.body["errors"]["apple.personalization.logo_id"][0]
        .as_str()
        .unwrap()
        .contains("of type personalization_logo"));

    let cid = rewards_campaign(&alice, json!({"nfc": nfc, "personalization": form}))
        .await
        .expect(201)
        .id();
    let p = pass(&alice, &cid, "").await;
    let pid = p["id"].as_str().unwrap().to_string();
    assert!(p.get("personalization").is_none(), "{p}");

    // The personalizable pass: the form and its logo, signed with the rest.
    let pkpass = download(p["pkpass_url"].as_str().unwrap()).await;
    verify_signature(&pkpass, &server.data_dir.path().join("dev-ca/ca.pem"));
    let names = zip_names(&pkpass);
    assert!(
        names.iter().any(|n| n == "personalizationLogo.png"),
        "{names:?}"
    );
    assert_eq!(
        zip_json(&pkpass, "personalization.json"),
        json!({
            "requiredPersonalizationFields": [
                "PKPassPersonalizationFieldName",
                "PKPassPersonalizationFieldEmailAddress",
                "PKPassPersonalizationFieldPostalCode"
            ],
            "description": "Join the club: a free coffee every ten visits.",
            "termsAndConditions": "See <a href=\"https://example.com/terms\">the terms</a>."
        })
    );
    assert!(zip_json(&pkpass, "manifest.json")["personalization.json"].is_string());
    let ids = PassIds::from_pass_json(&pass_json(&pkpass));
    let phone = device::Device::iphone();
    let before = phone.fetch(&ids, None).await;
    assert_eq!(before.status, 200);

    // What the device may get wrong: 400, 413, a wrong token 401, nobody's pass 404.
    for bad in [
        b"not json".to_vec(),
        serde_json::to_vec(&json!({"requiredPersonalizationInfo": {"fullName": "Ana"}})).unwrap(),
        serde_json::to_vec(&json!({"personalizationToken": "", "requiredPersonalizationInfo": {}}))
            .unwrap(),
        serde_json::to_vec(
            &json!({"personalizationToken": "t", "requiredPersonalizationInfo": {
            "fullName": "Ana", "emailAddress": 7, "postalCode": "1"}}),
        )
        .unwrap(),
        // The form asked for an e-mail address and a postal code.
        serde_json::to_vec(&json!({"personalizationToken": "t",
            "requiredPersonalizationInfo": {"fullName": "Ana Silva"}}))
        .unwrap(),
    ] {
        assert_eq!(personalize(&ids, bad, None).await.status, 400);
    }
    let huge = serde_json::to_vec(&json!({"personalizationToken": "x".repeat(9000),
        "requiredPersonalizationInfo": {}}))
    .unwrap();
    assert_eq!(personalize(&ids, huge, None).await.status, 413);
    assert_eq!(
        personalize(&ids, holder("tok-1"), Some("ApplePass wrong-token-0000000"))
            .await
            .status,
        401
    );
    let nobody = PassIds {
        serial: "no-such-serial".into(),
        ..ids.clone()
    };
    assert_eq!(
        personalize(&nobody, holder("tok-1"), None).await.status,
        404
    );
    let fetched = alice
        .get(&format!("/store_cards/{cid}/passes/{pid}"))
        .await
        .expect(200);
    assert!(fetched.body.get("personalization").is_none());

    // The sign-up: the token comes back signed with the pass certificate.
    let token = "a1b2c3d4-personalization-token";
    let sent = personalize(&ids, holder(token), None).await;
    assert_eq!(sent.status, 200, "{}", String::from_utf8_lossy(&sent.bytes));
    assert_eq!(sent.content_type, "application/octet-stream");
    verify_token_signature(&server, token, &sent.bytes);

    // The holder's data is on the pass, in the API and the pass search.
    let got = alice
        .get(&format!("/store_cards/{cid}/passes/{pid}"))
        .await
        .expect(200);
    let info = &got.body["personalization"];
    assert_eq!(info["full_name"], "Ana Silva");
    assert_eq!(info["email_address"], "ana.silva@example.com");
    assert_eq!(info["postal_code"], "1100-148");
    assert_eq!(info["iso_country_code"], "PT");
    assert!(info["personalized_at"].is_string());
    assert!(got.body.get("personalization_token").is_none());
    let hits = alice
        .get("/passes?q[search]=ana.silva@example")
        .await
        .expect(200);
    assert_eq!(hits.header("x-total"), "1", "{}", hits.body);
    assert_eq!(hits.body[0]["pass"]["id"], json!(pid));
    let hits = alice
        .get(&format!("/store_cards/{cid}/passes?q[search]=1100-148"))
        .await
        .expect(200);
    assert_eq!(hits.header("x-total"), "1");

    // An event and a webhook delivery carry it.
    let db = &server.running.state.db;
    let row = sqlx::query("SELECT extra FROM events WHERE pass_id = $1 AND kind = 'personalized'")
        .bind(&pid)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let extra: Value = serde_json::from_str(&row.get::<String, _>("extra")).unwrap();
    assert_eq!(extra["personalization"]["full_name"], "Ana Silva");
    let payload: String =
        sqlx::query_scalar("SELECT payload FROM webhook_deliveries WHERE event = 'personalized'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let payload: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["pass_id"], json!(pid));
    assert_eq!(
        payload["event_extra"]["personalization"]["email_address"],
        "ana.silva@example.com"
    );

    // Wallet's retry is answered the same; another sign-up of this pass is refused.
    let again = personalize(&ids, holder(token), None).await;
    assert_eq!(again.status, 200);
    verify_token_signature(&server, token, &again.bytes);
    assert_eq!(
        personalize(&ids, holder("someone-else"), None).await.status,
        409
    );
    let events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE pass_id = $1 AND kind = 'personalized'",
    )
    .bind(&pid)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(events, 1);

    // The next download is the personalized pass: a new ETag, no form, no form logo.
    let after = phone.fetch(&ids, None).await;
    assert_eq!(after.status, 200);
    assert_ne!(after.header("etag"), before.header("etag"));
    let names = zip_names(&after.bytes);
    assert!(
        !names.iter().any(|n| n.starts_with("personalization")),
        "{names:?}"
    );
    verify_signature(&after.bytes, &server.data_dir.path().join("dev-ca/ca.pem"));

    // A pass of a campaign that asks for no personalization has no such endpoint.
    let plain = device::store_card(&alice, "Plain").await;
    let other = pass(&alice, &plain, "Rui").await;
    let other_pkpass = download(other["pkpass_url"].as_str().unwrap()).await;
    assert!(!zip_names(&other_pkpass)
        .iter()
        .any(|n| n == "personalization.json"));
    let other_ids = PassIds::from_pass_json(&pass_json(&other_pkpass));
    assert_eq!(personalize(&other_ids, holder("t"), None).await.status, 404);
    server.stop().await;
}
both_backends!(a_holder_signs_up_and_gets_the_personalized_pass);
