//! Fixtures of the lifecycle and report suites: a local APNs server (cleartext HTTP/2, as
//! the server speaks to an `http://` APNs URL) that records every notification, a scripted
//! device that follows Apple's PassKit web-service protocol, and campaign helpers.
#![allow(dead_code)]

use crate::common::{Client, TestServer};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// One notification received by the local APNs server.
#[derive(Debug, Clone)]
pub struct Push {
    pub token: String,
    pub topic: String,
    pub body: String,
    /// `HTTP/2.0` for every request the server sends.
    pub version: String,
}

/// The local APNs server: shared by all tests of a binary (it runs on its own thread, so
/// it outlives each test's runtime); tests tell their pushes apart by token.
pub struct MockApns {
    pub url: String,
    received: Arc<Mutex<Vec<Push>>>,
    /// Statuses to answer for a token, in order (then 200).
    scripted: Arc<Mutex<HashMap<String, VecDeque<u16>>>>,
}

static APNS: OnceLock<MockApns> = OnceLock::new();

/// The shared local APNs server.
pub fn apns() -> &'static MockApns {
    APNS.get_or_init(|| {
        let received = Arc::new(Mutex::new(Vec::new()));
        let scripted: Arc<Mutex<HashMap<String, VecDeque<u16>>>> = Arc::default();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind APNs");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (r, s) = (received.clone(), scripted.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let (r, s) = (r.clone(), s.clone());
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                            let (r, s) = (r.clone(), s.clone());
                            async move { Ok::<_, hyper::Error>(answer(req, r, s).await) }
                        });
                        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        });
        MockApns {
            url,
            received,
            scripted,
        }
    })
}

async fn answer(
    req: Request<Incoming>,
    received: Arc<Mutex<Vec<Push>>>,
    scripted: Arc<Mutex<HashMap<String, VecDeque<u16>>>>,
) -> Response<Full<Bytes>> {
    let token = req
        .uri()
        .path()
        .strip_prefix("/3/device/")
        .unwrap_or("")
        .to_string();
    let topic = req
        .headers()
        .get("apns-topic")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let version = format!("{:?}", req.version());
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let status = scripted
        .lock()
        .unwrap()
        .get_mut(&token)
        .and_then(|q| q.pop_front())
        .unwrap_or(200);
    received.lock().unwrap().push(Push {
        token,
        topic,
        body: String::from_utf8_lossy(&body).into_owned(),
        version,
    });
    let reason = match status {
        410 => r#"{"reason":"Unregistered"}"#,
        200 => "",
        _ => r#"{"reason":"ServiceUnavailable"}"#,
    };
    Response::builder()
        .status(status)
        .body(Full::new(Bytes::from(reason)))
        .unwrap()
}

impl MockApns {
    /// Answers the next requests for `token` with these statuses (then 200 again).
    pub fn script(&self, token: &str, statuses: &[u16]) {
        self.scripted
            .lock()
            .unwrap()
            .insert(token.to_string(), statuses.iter().copied().collect());
    }

    /// Every notification received for `token` so far.
    pub fn pushes_for(&self, token: &str) -> Vec<Push> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.token == token)
            .cloned()
            .collect()
    }

    /// Waits until `token` has received at least `n` notifications (15 s at most).
    pub async fn wait_for(&self, token: &str, n: usize) -> Vec<Push> {
        for _ in 0..300 {
            let got = self.pushes_for(token);
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "APNs received {} notifications for {token}, expected {n}",
            self.pushes_for(token).len()
        );
    }
}

/// Starts a test server that sends its pushes to the local APNs server.
pub async fn start(backend: crate::common::Backend) -> TestServer {
    apns();
    TestServer::start_with(backend, |a| {
        a.rate_limit_anonymous = 10_000;
        a.rate_limit_authenticated = 100_000;
        a.apns_url = apns().url.clone();
    })
    .await
}

/// A 120×120 PNG (an icon Wallet accepts at every scale).
pub fn icon_png() -> Vec<u8> {
    let img = image::RgbaImage::from_fn(120, 120, |x, y| {
        image::Rgba([(x * 2) as u8, (y * 2) as u8, 180, 255])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Uploads the icon through `POST /v2/assets`.
pub async fn upload_icon(client: &Client) -> String {
    let boundary = "lifecycleboundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"asset[asset_type]\"\r\n\r\nicon\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"asset[file]\"; filename=\"icon.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&icon_png());
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

/// Creates a store card with a fixed `offer` field and a dynamic `name` field.
pub async fn store_card(client: &Client, name: &str) -> String {
    let icon = upload_icon(client).await;
    client
        .post(
            "/store_cards",
            json!({"store_card": {
                "name": name,
                "icon_id": icon,
                "primary_fields": [
                    {"key": "offer", "label": "Offer", "value": "10% off", "behaviour": "fixed"}
                ],
                "secondary_fields": [
                    {"key": "name", "label": "Member", "value": "", "behaviour": "dynamic"}
                ]
            }}),
        )
        .await
        .expect(201)
        .id()
}

/// Creates a pass for `member` and returns its API object.
pub async fn pass(client: &Client, campaign: &str, member: &str) -> Value {
    client
        .post(
            &format!("/store_cards/{campaign}/passes"),
            json!({"pass": {"secondary_fields": [{"key": "name", "value": member}]}}),
        )
        .await
        .expect(201)
        .body
}

/// Reads `pass.json` out of a `.pkpass`.
pub fn pass_json(pkpass: &[u8]) -> Value {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(pkpass)).expect("pkpass is a zip");
    let mut s = String::new();
    zip.by_name("pass.json")
        .expect("pass.json")
        .read_to_string(&mut s)
        .unwrap();
    serde_json::from_str(&s).expect("pass.json is JSON")
}

/// Verifies the package's detached signature over `manifest.json` with the OpenSSL command
/// line against the server's development CA.
pub fn verify_signature(pkpass: &[u8], ca_pem: &std::path::Path) {
    let dir = tempfile::tempdir().unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(pkpass)).unwrap();
    for name in ["manifest.json", "signature"] {
        let mut bytes = Vec::new();
        zip.by_name(name).unwrap().read_to_end(&mut bytes).unwrap();
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let out = std::process::Command::new("openssl")
        .args([
            "smime", "-verify", "-binary", "-inform", "DER", "-purpose", "any",
        ])
        .arg("-in")
        .arg(dir.path().join("signature"))
        .arg("-content")
        .arg(dir.path().join("manifest.json"))
        .arg("-CAfile")
        .arg(ca_pem)
        .args(["-out", "/dev/null"])
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "signature does not verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What a device learns from a pass file.
#[derive(Debug, Clone)]
pub struct PassIds {
    pub serial: String,
    pub pass_type: String,
    pub auth_token: String,
    pub web_service_url: String,
}

impl PassIds {
    /// Reads the identifiers from `pass.json`.
    pub fn from_pass_json(v: &Value) -> PassIds {
        PassIds {
            serial: v["serialNumber"].as_str().unwrap().to_string(),
            pass_type: v["passTypeIdentifier"].as_str().unwrap().to_string(),
            auth_token: v["authenticationToken"].as_str().unwrap().to_string(),
            web_service_url: v["webServiceURL"].as_str().unwrap().to_string(),
        }
    }
}

/// A scripted device speaking Apple's web-service protocol.
pub struct Device {
    pub library_id: String,
    pub push_token: String,
    /// `ApplePass` or `AndroidPass`.
    pub scheme: &'static str,
    pub user_agent: &'static str,
    http: reqwest::Client,
}

/// A web-service answer.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }
}

impl Device {
    /// An iPhone with Apple Wallet.
    pub fn iphone() -> Device {
        Device::new(
            "ApplePass",
            "PassbookUIService/1.0 CFNetwork/1410.0.3 Darwin/22.6.0",
        )
    }

    /// An Android phone with WalletPasses.
    pub fn walletpasses() -> Device {
        Device::new("AndroidPass", "okhttp/4.12.0")
    }

    fn new(scheme: &'static str, user_agent: &'static str) -> Device {
        Device {
            library_id: uuid::Uuid::new_v4().simple().to_string(),
            push_token: format!(
                "{}{}",
                uuid::Uuid::new_v4().simple(),
                uuid::Uuid::new_v4().simple()
            ),
            scheme,
            user_agent,
            http: reqwest::Client::new(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        url: String,
        token: Option<&str>,
        body: Option<Value>,
        extra: &[(&str, String)],
    ) -> Answer {
        let mut req = self
            .http
            .request(method, url)
            .header("user-agent", self.user_agent);
        if let Some(t) = token {
            req = req.header("authorization", format!("{} {t}", self.scheme));
        }
        for (k, v) in extra {
            req = req.header(*k, v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("web service reachable");
        Answer {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            bytes: resp.bytes().await.unwrap().to_vec(),
        }
    }

    /// `POST …/devices/{id}/registrations/{type}/{serial}` with the pass's token or `token`.
    pub async fn register_with(&self, p: &PassIds, token: &str) -> Answer {
        let url = format!(
            "{}/v1/devices/{}/registrations/{}/{}",
            p.web_service_url, self.library_id, p.pass_type, p.serial
        );
        self.call(
            reqwest::Method::POST,
            url,
            Some(token),
            Some(json!({"pushToken": self.push_token})),
            &[],
        )
        .await
    }

    pub async fn register(&self, p: &PassIds) -> Answer {
        self.register_with(p, &p.auth_token).await
    }

    pub async fn unregister(&self, p: &PassIds) -> Answer {
        let url = format!(
            "{}/v1/devices/{}/registrations/{}/{}",
            p.web_service_url, self.library_id, p.pass_type, p.serial
        );
        self.call(reqwest::Method::DELETE, url, Some(&p.auth_token), None, &[])
            .await
    }

    /// `GET …/devices/{id}/registrations/{type}[?passesUpdatedSince=tag]`.
    pub async fn updated(&self, p: &PassIds, since: Option<&str>) -> Answer {
        let mut url = format!(
            "{}/v1/devices/{}/registrations/{}",
            p.web_service_url, self.library_id, p.pass_type
        );
        if let Some(s) = since {
            url.push_str(&format!("?passesUpdatedSince={}", urlencode(s)));
        }
        self.call(reqwest::Method::GET, url, None, None, &[]).await
    }

    /// `GET …/passes/{type}/{serial}`, optionally with `If-Modified-Since`.
    pub async fn fetch(&self, p: &PassIds, if_modified_since: Option<&str>) -> Answer {
        let url = format!(
            "{}/v1/passes/{}/{}",
            p.web_service_url, p.pass_type, p.serial
        );
        let extra: Vec<(&str, String)> = if_modified_since
            .map(|s| vec![("if-modified-since", s.to_string())])
            .unwrap_or_default();
        self.call(reqwest::Method::GET, url, Some(&p.auth_token), None, &extra)
            .await
    }

    /// `GET …/passes/{type}/{serial}` with a wrong token.
    pub async fn fetch_with(&self, p: &PassIds, token: &str) -> Answer {
        let url = format!(
            "{}/v1/passes/{}/{}",
            p.web_service_url, p.pass_type, p.serial
        );
        self.call(reqwest::Method::GET, url, Some(token), None, &[])
            .await
    }

    /// `POST …/log`.
    pub async fn log(&self, p: &PassIds, lines: &[&str]) -> Answer {
        let url = format!("{}/v1/log", p.web_service_url);
        self.call(
            reqwest::Method::POST,
            url,
            None,
            Some(json!({ "logs": lines })),
            &[],
        )
        .await
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Downloads a pass file from its public `pkpass_url`.
pub async fn download(pkpass_url: &str) -> Vec<u8> {
    let resp = reqwest::get(pkpass_url).await.expect("download");
    assert_eq!(resp.status().as_u16(), 200, "pkpass download");
    resp.bytes().await.unwrap().to_vec()
}

/// Polls `GET /v2/jobs/{id}` until the job is `done` or `failed` (60 s at most).
pub async fn wait_job(client: &Client, id: &str) -> Value {
    for _ in 0..600 {
        let j = client.get(&format!("/jobs/{id}")).await.expect(200).body;
        if j["state"] == "done" || j["state"] == "failed" {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {id} did not finish");
}
