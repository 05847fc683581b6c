//! Leaving a page aborts its requests: the console's requests carry their page's abort
//! signal, and the page's cleanup aborts it. The browser talks to the real server
//! through a proxy in this test that can hold one request back (a slow list), and that
//! sees the browser hang up on it.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::response::Response;
use axum::Router;
use passworks_e2e::thirtyfour::prelude::*;
use passworks_e2e::{sign_in, wait_for, wait_for_path, wait_for_text, TestSystem};
use serde_json::Value;
use support::{select, serial};
use tokio::sync::mpsc;

/// What the proxy tells the test about the request it holds back.
#[derive(Debug, PartialEq)]
enum Held {
    /// The request reached the proxy and waits.
    Arrived(String),
    /// The browser hung up before the answer (the handler was dropped).
    Cancelled(String),
    /// The hold ended and the answer went out.
    Answered(String),
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    client: reqwest::Client,
    /// `METHOD /path` of the request to hold back (once), if any.
    hold: Arc<Mutex<Option<String>>>,
    events: mpsc::UnboundedSender<Held>,
}

/// Reports `Cancelled` unless disarmed: dropped with the handler's future, it tells
/// that hyper dropped the request because the browser closed the connection.
struct HangUpWatch {
    what: String,
    events: mpsc::UnboundedSender<Held>,
    answered: bool,
}

impl Drop for HangUpWatch {
    fn drop(&mut self) {
        let event = if self.answered {
            Held::Answered(self.what.clone())
        } else {
            Held::Cancelled(self.what.clone())
        };
        let _ = self.events.send(event);
    }
}

/// Forwards a request to the real server, holding it back for 20 s first when it is
/// the one to hold.
async fn forward(State(proxy): State<Proxy>, request: Request) -> Result<Response, StatusCode> {
    let what = format!("{} {}", request.method(), request.uri().path());
    let held = {
        let mut hold = proxy.hold.lock().unwrap();
        if hold.as_deref() == Some(what.as_str()) {
            *hold = None;
            true
        } else {
            false
        }
    };
    let mut watch = None;
    if held {
        let _ = proxy.events.send(Held::Arrived(what.clone()));
        watch = Some(HangUpWatch {
            what,
            events: proxy.events.clone(),
            answered: false,
        });
        tokio::time::sleep(Duration::from_secs(20)).await;
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 16 << 20)
        .await
        .map_err(|_| StatusCode::BAD_REQUEST)?;
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let mut upstream = proxy
        .client
        .request(parts.method.clone(), format!("{}{path}", proxy.upstream))
        .body(body);
    for (name, value) in &parts.headers {
        if name != "host" {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.map_err(|_| StatusCode::BAD_GATEWAY)?;
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        let skip: [HeaderName; 3] = [
            axum::http::header::TRANSFER_ENCODING,
            axum::http::header::CONNECTION,
            axum::http::header::CONTENT_LENGTH,
        ];
        if !skip.contains(name) {
            response = response.header(name, value);
        }
    }
    let bytes = answer.bytes().await.map_err(|_| StatusCode::BAD_GATEWAY)?;
    if let Some(w) = watch.as_mut() {
        w.answered = true;
    }
    response
        .body(Body::from(bytes))
        .map_err(|_| StatusCode::BAD_GATEWAY)
}

/// Starts the proxy in front of `upstream`; returns its base URL.
async fn start_proxy(proxy: Proxy) -> Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = Router::new().fallback(forward).with_state(proxy);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(base)
}

/// Records every `fetch` of the page: its URL, whether it settled, and whether its
/// signal was aborted while it was still in flight.
const FETCH_HOOK: &str = r#"
window.__fetches = [];
const original = window.fetch;
window.fetch = function (input, init) {
    const record = { url: String((input && input.url) || input), settled: false, abortedInFlight: false };
    const signal = (init && init.signal) || (input && input.signal);
    if (signal) {
        signal.addEventListener('abort', () => { if (!record.settled) record.abortedInFlight = true; });
    }
    window.__fetches.push(record);
    const answer = original.apply(this, arguments);
    answer.then(() => { record.settled = true; }, (e) => { record.settled = true; record.error = e && e.name; });
    return answer;
};
"#;

async fn fetches(d: &WebDriver) -> Result<Vec<Value>> {
    let v = d.execute("return window.__fetches || [];", vec![]).await?;
    Ok(v.json().as_array().cloned().unwrap_or_default())
}

async fn next_event(events: &mut mpsc::UnboundedReceiver<Held>, within: Duration) -> Result<Held> {
    tokio::time::timeout(within, events.recv())
        .await
        .context("no word from the proxy in time")?
        .context("the proxy stopped")
}

#[tokio::test(flavor = "multi_thread")]
async fn leaving_a_page_aborts_its_pending_list_request_without_an_error() -> Result<()> {
    let _serial = serial().await;
    let sys = TestSystem::start("aborts").await?;
    let d = sys.driver();
    let (tx, mut events) = mpsc::unbounded_channel();
    let hold = Arc::new(Mutex::new(None));
    let proxy = start_proxy(Proxy {
        upstream: sys.base_url().to_owned(),
        client: reqwest::Client::new(),
        hold: hold.clone(),
        events: tx,
    })
    .await?;

    d.goto(format!("{proxy}/")).await?;
    sign_in(d, &sys.account().api_username, &sys.account().api_key).await?;
    wait_for_text(d, "0 campaigns").await?;
    d.execute(FETCH_HOOK, vec![]).await?;

    // The asset gallery shows; then its list request for one image type is held back
    // by the proxy, so the page waits for it.
    wait_for(d, By::Css("#sidenav a[href$='/assets']"))
        .await?
        .click()
        .await?;
    wait_for_path(d, "/assets").await?;
    wait_for_text(d, "No assets here yet.").await?;
    *hold.lock().unwrap() = Some("GET /v2/assets".into());
    select(d, "#type-filter", "icon").await?;
    assert_eq!(
        next_event(&mut events, Duration::from_secs(15)).await?,
        Held::Arrived("GET /v2/assets".into())
    );
    sys.screenshot("01-assets-waiting").await?;

    // Leaving the page cancels the request: the browser hangs up on the proxy long
    // before the 20 s hold ends.
    wait_for(d, By::Css("#sidenav a[href$='/templates']"))
        .await?
        .click()
        .await?;
    wait_for_path(d, "/templates").await?;
    match next_event(&mut events, Duration::from_secs(10)).await? {
        Held::Cancelled(what) => assert_eq!(what, "GET /v2/assets"),
        other => bail!("the held request was not cancelled: {other:?}"),
    }
    let all = fetches(d).await?;
    let assets: Vec<&Value> = all
        .iter()
        .filter(|f| {
            f["url"]
                .as_str()
                .is_some_and(|u| u.contains("/v2/assets?") && u.contains("asset_type"))
        })
        .collect();
    ensure!(
        assets.len() == 1 && assets[0]["abortedInFlight"] == Value::Bool(true),
        "the asset list fetch was not aborted in flight: {all:?}"
    );
    ensure!(
        assets[0]["error"] == Value::String("AbortError".into()),
        "the asset list fetch ended otherwise: {all:?}"
    );

    // The next page works, and nothing reports the cancelled request as an error.
    wait_for_text(d, "No templates yet.").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let alerts = d
        .execute(
            "return [...document.querySelectorAll('[role=alert]')].map(e => e.textContent);",
            vec![],
        )
        .await?;
    assert_eq!(alerts.json(), &Value::Array(vec![]), "error messages shown");
    // Requests that had finished before the page was left were not touched.
    let templates = fetches(d).await?;
    ensure!(
        templates.iter().any(|f| f["url"]
            .as_str()
            .is_some_and(|u| u.contains("/v2/templates"))
            && f["settled"] == Value::Bool(true)
            && f["abortedInFlight"] == Value::Bool(false)),
        "the templates list did not load normally: {templates:?}"
    );
    let path = d.current_url().await?.path().to_owned();
    assert_eq!(path, "/templates", "the cancelled page navigated");
    sys.screenshot("02-templates-after-leaving").await?;

    sys.shutdown().await;
    Ok(())
}
