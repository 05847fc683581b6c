//! Embedding without typing keys (issue 18), in Chromium: a portal on a second origin (an
//! axum server of this test acting as the portal's backend and its web server) serves the
//! example host page (`examples/host/index.html`) and the console's build under
//! `/portal/passes`; its backend mints console sessions through the API. The user lands
//! on the campaigns table without any sign-in, in the portal's look, navigates; the
//! session expires (a short lifetime the portal asks for) and the console asks the host,
//! which hands it a new one; a token in the address works once and leaves the address
//! bar at once; and a page on a third origin is refused: it cannot frame the console
//! (`frame-ancestors`) and cannot exchange a token. A session restricted to one campaign
//! lands on a home page naming that campaign (the organization-wide dashboard is not for
//! it), imports passes from a CSV file with its progress shown, and the owner's Sessions
//! page says which key minted it for whom.

mod support;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use axum::response::Html;
use axum::routing::{get, post};
use axum::{Json, Router};
use passworks_e2e::thirtyfour::By;
use passworks_e2e::TestSystem;
use passworks_e2e::{console_dir, wait_for, wait_for_text, workspace_root, Api};
use serde_json::{json, Value};
use support::{
    both_screens, seed_coupon, seed_images, serial, set_viewport, texts_of, wait_for_text_in,
    wait_until, write_file,
};
use tower_http::services::{ServeDir, ServeFile};

const MOUNT: &str = "/portal/passes";
/// How long the first session lasts, in seconds: long enough for the first steps, short
/// enough to wait for. Later sessions last an hour.
const FIRST_SESSION: i64 = 20;

/// What the portal's backend asks for.
#[derive(Clone)]
struct Backend {
    api: Api,
    portal: String,
    mints: Arc<AtomicUsize>,
    /// The campaigns the sessions are restricted to (`None`: all).
    campaigns: Option<Vec<String>>,
}

impl Backend {
    /// Mints a console session token through the API (the portal's backend holds the
    /// organization's API credentials; the browser never sees them).
    async fn mint(&self, session_seconds: i64) -> Result<String> {
        let mut attrs = json!({
            "role": "manager",
            "external_user_id": "dana-7",
            "external_user_label": "Dana",
            "allowed_origin": self.portal,
            "session_seconds": session_seconds,
        });
        if let Some(ids) = &self.campaigns {
            attrs["campaign_ids"] = json!(ids);
        }
        let grant = self
            .api
            .post_json("/v2/console_sessions", &json!({ "console_session": attrs }))
            .await?;
        Ok(grant["token"].as_str().context("token")?.to_string())
    }
}

/// The portal: the example host page at `/`, its backend's `POST /passworks-token`, and
/// the console's build under [`MOUNT`] with a `config.json` that lets this origin hand
/// it tokens.
async fn start_portal(listener: tokio::net::TcpListener, backend: Backend) -> Result<()> {
    let dist = console_dir()?;
    let page = std::fs::read_to_string(workspace_root().join("examples/host/index.html"))?.replace(
        "https://passes.example.com/campaigns/coupons",
        &format!("{MOUNT}/campaigns/coupons"),
    );
    let config = json!({
        "api_base": format!("{}/v2", backend.api.base_url),
        "product_name": "Passes",
        "embed_origins": [backend.portal],
    });
    let site = ServeDir::new(&dist).fallback(ServeFile::new(dist.join("index.html")));
    let app = Router::new()
        .route("/", get(move || async move { Html(page) }))
        .route(
            "/passworks-token",
            post(move || {
                let backend = backend.clone();
                async move {
                    let n = backend.mints.fetch_add(1, Ordering::SeqCst);
                    let seconds = if n == 0 { FIRST_SESSION } else { 3600 };
                    match backend.mint(seconds).await {
                        Ok(token) => Ok(Json(json!({ "token": token }))),
                        Err(e) => Err(format!("{e:#}")),
                    }
                }
            }),
        )
        .route(
            &format!("{MOUNT}/config.json"),
            get(move || {
                let config = config.clone();
                async move { Json(config) }
            }),
        )
        .nest_service(MOUNT, site);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(())
}

/// A page on a third origin that tries to frame the console served by the API server
/// and to exchange a token it got hold of.
async fn start_stranger(listener: tokio::net::TcpListener, api: String) -> Result<()> {
    let page = format!(
        r#"<!doctype html><title>Stranger</title>
<p id="result">pending</p>
<iframe id="f" src="{api}/campaigns/coupons" width="600" height="400"></iframe>
<script>
const token = new URLSearchParams(location.search).get("token");
fetch("{api}/v2/console_sessions/exchange", {{method: "POST",
  headers: {{"Content-Type": "application/json"}}, body: JSON.stringify({{token}})}})
  .then(r => r.text().then(t => document.getElementById("result").textContent = "answered " + r.status + " " + t))
  .catch(e => document.getElementById("result").textContent = "refused: " + e);
</script>"#
    );
    let app = Router::new().route("/", get(move || async move { Html(page) }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(())
}

/// Waits until the current frame's path starts with `prefix` (WebDriver's current URL is
/// the top-level page's).
async fn wait_for_frame_path(
    driver: &passworks_e2e::thirtyfour::WebDriver,
    prefix: &str,
) -> Result<()> {
    wait_until(&format!("the frame to be at {prefix}"), || async {
        let path = driver.execute("return location.pathname;", vec![]).await?;
        let path = path.json().as_str().unwrap_or_default().to_string();
        Ok(path.starts_with(prefix).then_some(()))
    })
    .await
}

/// The value of a CSS custom property on the console's root element (in its frame).
async fn css_var(driver: &passworks_e2e::thirtyfour::WebDriver, name: &str) -> Result<String> {
    let v = driver
        .execute(
            &format!(
                "return getComputedStyle(document.documentElement).getPropertyValue('{name}').trim();"
            ),
            vec![],
        )
        .await?;
    Ok(v.json().as_str().unwrap_or_default().to_string())
}

// Long because it is one user's story through the portal, step by step.
#[tokio::test(flavor = "multi_thread")]
async fn a_portal_user_works_in_the_console_without_signing_in() -> Result<()> {
    let _serial = serial().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let portal_addr: SocketAddr = listener.local_addr()?;
    let portal = format!("http://{portal_addr}");
    let stranger_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let stranger = format!("http://{}", stranger_listener.local_addr()?);
    let sys = TestSystem::start_with("portal_sessions", &["--cors-origins", &portal]).await?;
    let api = sys.api();
    let backend = Backend {
        api: api.clone(),
        portal: portal.clone(),
        mints: Arc::new(AtomicUsize::new(0)),
        campaigns: None,
    };
    start_portal(listener, backend.clone()).await?;
    start_stranger(stranger_listener, sys.base_url().to_owned()).await?;
    let (icon, logo) = seed_images(&api).await?;
    seed_coupon(&api, "Portal Spring Sale", &icon, &logo).await?;
    let driver = sys.driver();
    set_viewport(driver, 1280, 900).await?;

    // The portal page: the console in its frame signs in through the host's message and
    // lands on the campaigns table, never showing a sign-in form.
    driver.goto(&portal).await?;
    wait_for(driver, By::Id("passworks")).await?;
    driver.enter_frame(0).await?;
    wait_for_text(driver, "Portal Spring Sale").await?;
    // The first session was minted before this: it ends at the latest FIRST_SESSION
    // seconds from now.
    let started = std::time::Instant::now();
    wait_for_frame_path(driver, &format!("{MOUNT}/campaigns/coupons")).await?;
    assert!(driver.find_all(By::Id("username")).await?.is_empty());
    assert_eq!(backend.mints.load(Ordering::SeqCst), 1);
    // The host's look: colours, font and radius as CSS custom properties; its product
    // name; only the navigation it asked for; no sign-out (the portal owns that).
    assert_eq!(css_var(driver, "--accent").await?, "#8a3b12");
    assert_eq!(css_var(driver, "--radius").await?, "2px");
    assert!(css_var(driver, "--font").await?.contains("Georgia"));
    let brand = driver.find(By::Css(".topbar .brand")).await?.text().await?;
    assert!(brand.contains("Acme Rewards"), "{brand}");
    assert!(driver
        .find_all(By::Css("#sidenav a[href$='/assets']"))
        .await?
        .is_empty());
    assert!(driver
        .find_all(By::Css("#sidenav a[href$='/people']"))
        .await?
        .is_empty());
    let who = driver.find(By::Css(".topbar .who")).await?.text().await?;
    assert!(who.contains("for dana-7"), "{who}");
    // The host decides light or dark (its theme says light): no toggle of the console's.
    assert!(driver.find_all(By::Css(".theme-toggle")).await?.is_empty());
    let scheme = driver
        .execute(
            "return document.documentElement.dataset.theme || '';",
            vec![],
        )
        .await?;
    assert_eq!(scheme.json().as_str(), Some("light"));
    driver.enter_default_frame().await?;
    sys.screenshot("01-portal-campaigns").await?;

    // Navigating works as usual.
    driver.enter_frame(0).await?;
    wait_for(driver, By::Css("#sidenav a[href$='/templates']"))
        .await?
        .click()
        .await?;
    wait_for_frame_path(driver, &format!("{MOUNT}/templates")).await?;
    wait_for(driver, By::LinkText("Coupons"))
        .await?
        .click()
        .await?;
    wait_for_frame_path(driver, &format!("{MOUNT}/campaigns/coupons")).await?;
    wait_for(driver, By::LinkText("Portal Spring Sale"))
        .await?
        .click()
        .await?;
    wait_for_frame_path(driver, &format!("{MOUNT}/campaigns/coupons/")).await?;
    wait_for_text(driver, "Distribution").await?;
    driver.enter_default_frame().await?;
    sys.screenshot("02-portal-campaign").await?;

    // The first session ends; the next request is refused, the console tells the host,
    // which mints another, and the console carries on where it was asked to go.
    let left =
        std::time::Duration::from_secs(FIRST_SESSION as u64 + 1).saturating_sub(started.elapsed());
    tokio::time::sleep(left).await;
    driver.enter_frame(0).await?;
    wait_for(driver, By::LinkText("Coupons"))
        .await?
        .click()
        .await?;
    wait_until("a second session from the host", || async {
        Ok((backend.mints.load(Ordering::SeqCst) >= 2).then_some(()))
    })
    .await?;
    wait_for_frame_path(driver, &format!("{MOUNT}/campaigns/coupons")).await?;
    wait_for_text(driver, "Portal Spring Sale").await?;
    assert!(driver.find_all(By::Id("username")).await?.is_empty());
    driver.enter_default_frame().await?;
    sys.screenshot("03-portal-renewed").await?;

    // On a phone.
    set_viewport(driver, 390, 844).await?;
    driver.enter_frame(0).await?;
    wait_for_text(driver, "Portal Spring Sale").await?;
    driver.enter_default_frame().await?;
    sys.screenshot("04-portal-phone").await?;
    set_viewport(driver, 1280, 900).await?;

    // Both sessions are in the owner's list, named after the portal's user; the audit
    // log would name them "via <API username> for dana-7".
    let sessions = api.get_json("/v2/sessions").await?;
    let minted: Vec<&Value> = sessions
        .as_array()
        .context("sessions")?
        .iter()
        .filter(|s| s["external_user_id"] == "dana-7")
        .collect();
    assert!(!minted.is_empty(), "{sessions}");

    // A token in the address: used once, and gone from the address bar at once.
    let token = backend.mint(3600).await?;
    driver
        .goto(format!(
            "{portal}{MOUNT}/campaigns/coupons#console_token={token}"
        ))
        .await?;
    wait_for_text(driver, "Portal Spring Sale").await?;
    let url = driver.current_url().await?;
    assert_eq!(url.fragment(), None, "{url}");
    assert!(!url.as_str().contains(&token));
    let again = reqwest::Client::new()
        .post(format!("{}/v2/console_sessions/exchange", sys.base_url()))
        .header("Origin", &portal)
        .json(&json!({ "token": token }))
        .send()
        .await?;
    assert_eq!(
        again.status().as_u16(),
        422,
        "the address's token is used up"
    );

    // A stranger's page: the token exchange is refused (the browser's preflight to an
    // origin the server does not allow fails; the server refuses the origin anyway),
    // and the console refuses to be framed there.
    let stolen = backend.mint(3600).await?;
    driver.goto(format!("{stranger}/?token={stolen}")).await?;
    let result = wait_until("the stranger's exchange to finish", || async {
        let t = driver.find(By::Id("result")).await?.text().await?;
        Ok((t != "pending").then_some(t))
    })
    .await?;
    assert!(result.starts_with("refused"), "{result}");
    let direct = reqwest::Client::new()
        .post(format!("{}/v2/console_sessions/exchange", sys.base_url()))
        .header("Origin", &stranger)
        .json(&json!({ "token": stolen }))
        .send()
        .await?;
    assert_eq!(direct.status().as_u16(), 403);
    driver.enter_frame(0).await?;
    let framed = wait_until("the framed console to be blocked", || async {
        let href = driver.execute("return location.href;", vec![]).await?;
        let href = href.json().as_str().unwrap_or_default().to_string();
        Ok((href.starts_with("chrome-error:")).then_some(href))
    })
    .await;
    let body = driver
        .find(By::Tag("body"))
        .await?
        .text()
        .await
        .unwrap_or_default();
    driver.enter_default_frame().await?;
    sys.screenshot("05-stranger-refused").await?;
    if framed.is_err() {
        bail!("the console was framed by a stranger's page; its frame shows: {body}");
    }
    assert!(!body.contains("Campaigns"), "{body}");

    sys.shutdown().await;
    Ok(())
}

// Long because it is one portal user's story (home, import) and the owner's view of it.
#[tokio::test(flavor = "multi_thread")]
async fn a_session_for_one_campaign_lands_on_it_and_imports_passes() -> Result<()> {
    let _serial = serial().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let portal = format!("http://{}", listener.local_addr()?);
    let sys = TestSystem::start_with("portal_restricted", &["--cors-origins", &portal]).await?;
    let api = sys.api();
    let (icon, logo) = seed_images(&api).await?;
    let covered = seed_coupon(&api, "Portal Spring Sale", &icon, &logo).await?;
    let covered = covered["id"].as_str().context("id")?.to_string();
    seed_coupon(&api, "Hidden Winter Sale", &icon, &logo).await?;
    let backend = Backend {
        api: api.clone(),
        portal: portal.clone(),
        mints: Arc::new(AtomicUsize::new(0)),
        campaigns: Some(vec![covered.clone()]),
    };
    start_portal(listener, backend.clone()).await?;
    let driver = sys.driver();
    set_viewport(driver, 1280, 900).await?;

    // A token in the address opens the console's home page, signed in, without a form.
    let token = backend.mint(3600).await?;
    driver
        .goto(format!("{portal}{MOUNT}/#console_token={token}"))
        .await?;
    let lead = wait_for_text_in(driver, ".covered .lead", "covers one campaign").await?;
    assert!(lead.contains("This session covers one campaign"), "{lead}");
    let names = texts_of(driver, ".covered-list li").await?;
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].contains("Portal Spring Sale"), "{names:?}");
    // The organization-wide dashboard is not asked for: no refusal on the page, and the
    // other campaign is nowhere.
    assert!(driver.find_all(By::Css(".banner.error")).await?.is_empty());
    assert!(driver.find_all(By::Id("username")).await?.is_empty());
    let body = driver.find(By::Tag("body")).await?.text().await?;
    assert!(!body.contains("Hidden Winter Sale"), "{body}");
    assert!(
        !body.contains("Forbidden") && !body.contains("may not use this route"),
        "{body}"
    );
    let coupons = wait_for_text_in(driver, ".type-card", "Coupons").await?;
    assert!(coupons.contains("1 campaign"), "{coupons}");
    // Opened by a portal: the host decides light or dark, so no toggle.
    assert!(driver.find_all(By::Css(".theme-toggle")).await?.is_empty());
    // Only what the session may use is offered: its campaigns and what editing them
    // needs, none of the organization-wide pages the server refuses it.
    let nav = driver.find(By::Id("sidenav")).await?.text().await?;
    for offered in ["Assets", "Templates", "Certificates"] {
        assert!(nav.contains(offered), "{offered} in {nav}");
    }
    for refused in [
        "Webhooks",
        "Google Wallet",
        "People",
        "Audit log",
        "Account",
        "Sessions and API keys",
    ] {
        assert!(!nav.contains(refused), "{refused} in {nav}");
    }
    both_screens(&sys, "01-restricted-home", ".covered-list li").await?;

    // Its campaign's passes: a CSV import runs as a background job, its progress shown
    // (the session may read its own campaign's jobs) to the end.
    driver
        .find(By::Css(".covered-list a"))
        .await?
        .click()
        .await?;
    let passes_link = format!("a[href$='/coupons/{covered}/passes']");
    wait_for(driver, By::Css(&passes_link))
        .await?
        .click()
        .await?;
    wait_for(driver, By::Css(".pass-import summary"))
        .await?
        .click()
        .await?;
    const ROWS: usize = 1500;
    let mut csv = String::from("serial_number,customer\n");
    for i in 1..=ROWS {
        csv.push_str(&format!("P-{i:05},Portal customer {i}\n"));
    }
    let file = write_file(&sys.scratch_dir(), "portal.csv", csv.as_bytes())?;
    driver
        .find(By::Id("import-file"))
        .await?
        .send_keys(file.to_string_lossy())
        .await?;
    let progress = wait_for_text_in(driver, ".import-progress", "Importing:").await?;
    assert!(progress.contains(&format!("of {ROWS} rows")), "{progress}");
    sys.screenshot("02-restricted-import-progress").await?;
    let done = match wait_for_text_in(driver, ".pass-import .banner", "Imported").await {
        Ok(t) => t,
        // 1,500 rows take a few seconds on a busy machine: wait once more.
        Err(_) => wait_for_text_in(driver, ".pass-import .banner", "Imported").await?,
    };
    assert!(
        done.contains(&format!("Imported: all {ROWS} rows done.")),
        "{done}"
    );
    assert!(driver.find_all(By::Css(".banner.error")).await?.is_empty());
    both_screens(&sys, "03-restricted-import-done", ".pass-import .banner").await?;
    let total = api
        .get(&format!("/v2/coupons/{covered}/passes?per_page=1"))
        .send()
        .await?
        .headers()
        .get("x-total")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(total.as_deref(), Some("1500"));

    // The owner's Sessions page names the key that minted the session and its user.
    sys.sign_in().await?;
    sys.goto("/security").await?;
    let via = format!("via {} for dana-7", sys.account().api_username);
    let row = wait_for_text_in(driver, "td .session-who", &via).await?;
    assert!(row.contains("Dana"), "{row}");
    assert!(row.contains("1 campaign"), "{row}");
    // Not embedded, the console keeps its own light/dark toggle.
    wait_for(driver, By::Css(".theme-toggle")).await?;
    both_screens(&sys, "04-owner-sessions", "td .session-who").await?;

    sys.shutdown().await;
    Ok(())
}
