//! A support agent's day with the console (issue 15), end to end in headless Chromium:
//! finding a customer's pass by a field value or the holder's name (the list's search box
//! and the header's "Find a pass"), exporting a list as CSV (the downloaded file is read),
//! importing passes from a CSV file with one bad row (progress, the rows created, the row
//! error report downloaded), refreshing a child organization's API key (Cancel keeps the
//! old key; confirming shows the new one and the old one is refused), the webhook log's
//! "Send a test event" and "Retry now" against a local receiver, and the public download
//! page of a pass that cannot be built. Screenshots (desktop 1280 and phone 390×844) go to
//! `<target>/screenshots/<test>/`.
//!
//! Run: `cargo test -p passworks-e2e --test support_desk -- --nocapture`.

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::{ensure, Context, Result};
use passworks_e2e::thirtyfour::prelude::*;
use passworks_e2e::{wait_for, wait_for_text};
use serde_json::{json, Value};

use support::*;

/// The API's pass list of a coupon as JSON (first page, 100 per page).
async fn passes_of(api: &passworks_e2e::Api, cid: &str, query: &str) -> Result<Vec<Value>> {
    let list = api
        .get_json(&format!("/v2/coupons/{cid}/passes?per_page=100{query}"))
        .await?;
    Ok(list.as_array().cloned().unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread")]
async fn find_a_customers_pass_and_export_the_list() -> Result<()> {
    let _serial = serial().await;
    let Seeded {
        sys,
        api,
        cid,
        icon,
        logo,
        ..
    } = seeded("desk_search", &[]).await?;
    let d = sys.driver();
    issue_passes(&api, &cid, 3).await?;
    // A customer who calls: her name is only in the holder data, her membership in a field.
    let joana = api
        .post_json(
            &format!("/v2/coupons/{cid}/passes"),
            &json!({"pass": {
                "secondary_fields": [{"key": "customer", "value": "Gold member 2026"}],
                "user_info": {"holder": {"name": "Joana Ferreira", "email": "joana@example.com"}}
            }}),
        )
        .await?;
    let joana_code = joana["redeem_code"].as_str().context("code")?.to_owned();

    sys.sign_in().await?;
    let list = format!("/campaigns/coupons/{cid}/passes");
    sys.goto(&list).await?;
    wait_for_text_in(d, "table.data tbody", "Customer 3").await?;

    // By a field value: one row, and the search is in the address.
    let search = fill(d, "#pass-search", "Gold member").await?;
    search.send_keys(Key::Enter).await?;
    wait_until("one row found by a field value", || async {
        let rows = texts_of(d, "table.data tbody tr").await?;
        Ok((rows.len() == 1 && rows[0].contains(&joana_code)).then_some(()))
    })
    .await?;
    ensure!(
        decoded_query(d).await?.contains("q[search]=Gold member"),
        "the search is not in the address: {}",
        path_and_query(d).await?
    );
    both_screens(&sys, "01-search-by-field", "table.data tbody tr").await?;

    // By the holder's name (in no field), lower case.
    let search = fill(d, "#pass-search", "joana ferreira").await?;
    search.send_keys(Key::Enter).await?;
    wait_until("one row found by the holder's name", || async {
        let rows = texts_of(d, "table.data tbody tr").await?;
        Ok((rows.len() == 1 && rows[0].contains(&joana_code)).then_some(()))
    })
    .await?;
    // A search that finds nothing says so (not "No passes yet").
    let search = fill(d, "#pass-search", "nobody like this").await?;
    search.send_keys(Key::Enter).await?;
    wait_for_text_in(d, ".empty", "No pass matches “nobody like this”").await?;
    let search = fill(d, "#pass-search", "joana ferreira").await?;
    search.send_keys(Key::Enter).await?;
    wait_for_text_in(d, "table.data tbody", &joana_code).await?;
    // A reload keeps it.
    d.refresh().await?;
    wait_for_text_in(d, "table.data tbody", &joana_code).await?;
    ensure!(
        d.find(By::Id("pass-search")).await?.prop("value").await? == Some("joana ferreira".into()),
        "the search box is empty after a reload"
    );

    // The header's "Find a pass" searches every campaign and opens the pass.
    let summer = seed_coupon(&api, "Summer sale", &icon, &logo).await?;
    issue_passes(&api, &id_of(&summer)?, 2).await?;
    let find = fill(d, "#find-pass", "Joana").await?;
    find.send_keys(Key::Enter).await?;
    let found = wait_for_text_in(d, ".find-results", &joana_code).await?;
    ensure!(found.contains("Spring sale"), "{found}");
    sys.screenshot("02-find-a-pass").await?;
    d.find(By::Css(".find-results a")).await?.click().await?;
    wait_for_text_in(d, ".field-values", "Gold member 2026").await?;
    both_screens(&sys, "03-found-pass", ".field-values").await?;

    // Export: the whole list as filtered, as a file.
    let downloads = sys.scratch_dir().join("downloads");
    allow_downloads(d, &downloads).await?;
    sys.goto(&format!("{list}?q%5Bsearch%5D=Customer")).await?;
    // (Field labels are searched too: Joana's "Customer: Gold member 2026" matches.)
    wait_until("four passes", || async {
        Ok((d.find_all(By::Css("table.data tbody tr")).await?.len() == 4).then_some(()))
    })
    .await?;
    click_button(d, "Export CSV").await?;
    wait_for_text_in(d, ".table-tools [role='status']", "Exported 4 rows").await?;
    let csv = downloaded(&downloads, "Spring-sale-passes.csv").await?;
    let lines: Vec<&str> = csv.lines().collect();
    ensure!(lines.len() == 5, "a header and four rows: {csv}");
    ensure!(
        lines[0].contains("redeem_code") && lines[0].contains("serial_number"),
        "header: {}",
        lines[0]
    );
    for text in [
        "Customer 1",
        "Customer 2",
        "Customer 3",
        joana_code.as_str(),
    ] {
        ensure!(csv.contains(text), "{text} is missing: {csv}");
    }
    // Summer sale's passes (another campaign) are not in this list's file.
    ensure!(
        !csv.contains(&id_of(&summer)?),
        "another campaign's passes: {csv}"
    );
    sys.screenshot("04-exported").await?;

    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn import_passes_from_a_csv_file_with_one_bad_row() -> Result<()> {
    let _serial = serial().await;
    let Seeded { sys, api, cid, .. } = seeded("desk_import", &[]).await?;
    let d = sys.driver();
    // Enough rows for the progress bar to be seen; line 4 (the third data row) is bad.
    const ROWS: usize = 1500;
    let mut csv = String::from("serial_number,customer,expiration_date\n");
    for i in 1..=ROWS {
        let expires = if i == 3 { "soon" } else { "" };
        csv.push_str(&format!("IMP-{i:05},Imported customer {i},{expires}\n"));
    }
    let file = write_file(&sys.scratch_dir(), "customers.csv", csv.as_bytes())?;
    let downloads = sys.scratch_dir().join("downloads");

    sys.sign_in().await?;
    allow_downloads(d, &downloads).await?;
    sys.goto(&format!("/campaigns/coupons/{cid}/passes"))
        .await?;
    wait_for(d, By::Css(".empty")).await?;
    d.find(By::Css(".pass-import summary"))
        .await?
        .click()
        .await?;
    both_screens(&sys, "01-import-form", ".pass-import label.btn").await?;
    d.find(By::Id("import-file"))
        .await?
        .send_keys(file.to_string_lossy())
        .await?;
    // The progress while the job runs.
    let progress = wait_for_text_in(d, ".import-progress", "Importing:").await?;
    ensure!(progress.contains(&format!("of {ROWS} rows")), "{progress}");
    sys.screenshot("02-import-progress").await?;
    let done = wait_for_text_in(d, ".pass-import .banner", "Imported").await;
    let done = match done {
        Ok(t) => t,
        // 1,500 rows take a few seconds on a busy machine: wait once more.
        Err(_) => wait_for_text_in(d, ".pass-import .banner", "Imported").await?,
    };
    ensure!(
        done.contains(&format!(
            "Imported {} of {ROWS} rows; 1 row refused",
            ROWS - 1
        )),
        "{done}"
    );
    sys.screenshot("03-import-done").await?;

    // The good rows are passes now; the bad one is not.
    let total = api
        .get(&format!("/v2/coupons/{cid}/passes?per_page=1"))
        .send()
        .await?
        .headers()
        .get("x-total")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    ensure!(
        total.as_deref() == Some(&(ROWS - 1).to_string()),
        "passes after the import: {total:?}"
    );
    ensure!(
        passes_of(&api, &cid, "&q%5Bserial_number_eq%5D=IMP-00003")
            .await?
            .is_empty(),
        "the bad row was saved"
    );
    let row2 = passes_of(&api, &cid, "&q%5Bserial_number_eq%5D=IMP-00002").await?;
    ensure!(
        row2.len() == 1 && row2[0].to_string().contains("Imported customer 2"),
        "row 2: {row2:?}"
    );
    // The list shows them.
    wait_for_text_in(d, "table.data tbody", "IMP-").await.ok();

    // The row error report: line 4, the column, what is wrong.
    click_button(d, "Download the error report").await?;
    let name = wait_until("the error report's file", || async {
        Ok(std::fs::read_dir(&downloads)?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|n| n.starts_with("import-errors-") && n.ends_with(".csv")))
    })
    .await?;
    let report = downloaded(&downloads, &name).await?;
    let lines: Vec<&str> = report.lines().collect();
    ensure!(lines.len() == 2, "a header and one error: {report}");
    ensure!(
        lines[1].starts_with("4,expiration_date,"),
        "the error row: {report}"
    );

    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_an_organizations_api_key_asks_first() -> Result<()> {
    let _serial = serial().await;
    let sys = start("desk_refresh_key").await?;
    let d = sys.driver();
    let admin = sys.add_account("Paw Planet HQ", true)?;
    let api = sys.api_as(&admin);
    let org = api
        .post_json(
            "/v2/organizations",
            &json!({"organization": {"name": "Paw Planet Porto"}}),
        )
        .await?;
    let user = org["api_username"].as_str().context("username")?.to_owned();
    let old_key = org["api_password"].as_str().context("key")?.to_owned();
    let works = |key: String| {
        let (url, user) = (sys.url("/v2/account"), user.clone());
        async move {
            let r = reqwest::Client::new()
                .get(url)
                .basic_auth(user, Some(key))
                .send()
                .await?;
            anyhow::Ok(r.status())
        }
    };
    ensure!(works(old_key.clone()).await?.is_success(), "the first key");

    sys.sign_in_as(&admin.api_username, &admin.api_key).await?;
    sys.goto("/organizations").await?;
    wait_for_text_in(d, "table.data tbody", "Paw Planet Porto").await?;
    click_button(d, "Refresh API key…").await?;
    let ask = wait_for_text_in(d, "dialog[open]", "stops working at once").await?;
    ensure!(ask.contains("Paw Planet Porto"), "{ask}");
    both_screens(&sys, "01-refresh-confirmation", "dialog[open]").await?;

    // Cancel: nothing changes.
    click_button(d, "Cancel").await?;
    passworks_e2e::wait_gone(d, By::Css("dialog[open]")).await?;
    ensure!(
        d.find_all(By::Css(".secret")).await?.is_empty(),
        "a key is shown after Cancel"
    );
    ensure!(
        works(old_key.clone()).await?.is_success(),
        "the key stopped working after Cancel"
    );

    // Confirm: the new key is shown once; it works, the old one is refused.
    click_button(d, "Refresh API key…").await?;
    wait_for(d, By::Css("dialog[open]")).await?;
    click_button(d, "Refresh the key").await?;
    let shown = wait_for_text_in(d, ".secret", "Paw Planet Porto").await?;
    ensure!(shown.contains(&user), "{shown}");
    let new_key = text_of(d, ".secret div:nth-of-type(2) code").await?;
    ensure!(
        !new_key.is_empty() && new_key != old_key,
        "new key {new_key:?}"
    );
    ensure!(works(new_key).await?.is_success(), "the new key is refused");
    let old = works(old_key).await?;
    ensure!(old.as_u16() == 401, "the old key answered {old}");
    both_screens(&sys, "02-new-key-shown", ".secret").await?;

    sys.shutdown().await;
    Ok(())
}

/// What the local webhook receiver saw and answers.
#[derive(Default)]
struct Receiver {
    /// The status code the next deliveries get.
    answer: u16,
    /// (event, Authorization header, signature header) of each delivery.
    seen: Vec<(String, String, String)>,
}

/// A webhook receiver on a free local port that records each POST and answers with
/// `Receiver::answer`.
async fn start_receiver(state: Arc<Mutex<Receiver>>) -> Result<SocketAddr> {
    use axum::http::{HeaderMap, StatusCode};
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let state = state.clone();
            async move {
                let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                let header = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|h| h.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                let mut s = state.lock().unwrap();
                s.seen.push((
                    v["event"].as_str().unwrap_or_default().to_owned(),
                    header("authorization"),
                    header("x-passworks-signature"),
                ));
                StatusCode::from_u16(s.answer).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_log_sends_a_test_and_retries_a_failed_delivery() -> Result<()> {
    let _serial = serial().await;
    let receiver = Arc::new(Mutex::new(Receiver {
        answer: 500,
        ..Default::default()
    }));
    let addr = start_receiver(receiver.clone()).await?;
    // Failed deliveries wait an hour for their automatic retry: only "Retry now" retries.
    let sys = passworks_e2e::TestSystem::start_with(
        "desk_webhooks",
        &[
            "--allow-private-webhooks",
            "--webhook-retry-base-seconds",
            "3600",
        ],
    )
    .await?;
    sys.goto("/").await?;
    set_viewport(sys.driver(), 1280, 900).await?;
    let d = sys.driver();
    let hook = format!("http://{addr}/hook");

    sys.sign_in().await?;
    sys.goto("/webhooks").await?;
    let url = wait_for(d, By::Id("wh-url")).await?;
    type_into(&url, &hook).await?;
    click_button(d, "Save URL").await?;
    wait_for_text_in(d, "[role='status'], .banner", "Webhook URL saved.").await?;

    // A test event: the receiver gets it, answers 500, and the log says so.
    click_button(d, "Send a test event").await?;
    wait_until("the test delivery at the receiver", || async {
        Ok((receiver.lock().unwrap().seen.len() == 1).then_some(()))
    })
    .await?;
    let (event, auth, signature) = receiver.lock().unwrap().seen[0].clone();
    ensure!(event == "test", "event {event:?}");
    ensure!(
        !auth.is_empty() && !signature.is_empty(),
        "unsigned delivery"
    );
    let row = wait_for_text_in(d, "table.data tbody tr", "500").await?;
    ensure!(row.contains("test"), "{row}");
    button(d, "Retry now").await?;
    both_screens(&sys, "01-failed-delivery", "table.data tbody tr").await?;

    // The receiver is back: "Retry now" delivers at once.
    receiver.lock().unwrap().answer = 200;
    click_button(d, "Retry now").await?;
    wait_until("the retried delivery at the receiver", || async {
        Ok((receiver.lock().unwrap().seen.len() == 2).then_some(()))
    })
    .await?;
    ensure!(
        receiver.lock().unwrap().seen[1].0 == "test",
        "the retry sent another event"
    );
    let row = wait_for_text_in(d, "table.data tbody tr", "delivered").await?;
    ensure!(row.contains("200"), "{row}");
    ensure!(
        d.find_all(By::XPath("//button[normalize-space(.)='Retry now']"))
            .await?
            .is_empty(),
        "a delivered event still offers Retry"
    );
    both_screens(&sys, "02-delivered", "table.data tbody tr").await?;

    sys.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pass_that_cannot_be_built_says_so_on_its_download_page() -> Result<()> {
    let _serial = serial().await;
    let Seeded { sys, api, cid, .. } = seeded("desk_download_page", &[]).await?;
    let d = sys.driver();
    let passes = issue_passes(&api, &cid, 2).await?;
    let good = &passes[0];
    let bad = &passes[1];
    // A code stored before the API refused such codes (written into the database
    // directly): ISO-8859-1, the barcode's encoding, has no 'Ω'.
    {
        use sqlx::Connection;
        let db = sys
            .scratch_dir()
            .parent()
            .context("work dir")?
            .join("data/passworks.db");
        let mut conn =
            sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await?;
        sqlx::query("UPDATE passes SET redeem_code = 'Ω-PAW-2026' WHERE id = ?")
            .bind(id_of(bad)?)
            .execute(&mut conn)
            .await?;
        conn.close().await?;
    }

    // The good pass: the button.
    d.goto(good["page_url"].as_str().context("page url")?)
        .await?;
    wait_for(d, By::Id("pw-add")).await?;
    both_screens(&sys, "01-buildable", "#pw-add").await?;

    // The bad one: no button, an explanation in the customer's words.
    d.goto(bad["page_url"].as_str().context("page url")?)
        .await?;
    let why = wait_for_text_in(d, "#pw-apple-refused", "cannot be added to Apple Wallet").await?;
    ensure!(why.contains("Paw Planet"), "who to ask: {why}");
    ensure!(
        d.find_all(By::Id("pw-add")).await?.is_empty(),
        "the Apple Wallet button is offered"
    );
    d.find(By::Css("#pw-apple-refused summary"))
        .await?
        .click()
        .await?;
    wait_for_text(d, "ISO-8859-1").await?;
    both_screens(&sys, "02-not-buildable", "#pw-apple-refused").await?;

    // The link preview picture of the good pass, drawn with a real font.
    let png_url = format!("{}.png", good["page_url"].as_str().context("page url")?);
    let png = reqwest::get(&png_url).await?;
    ensure!(png.status().is_success(), "{png_url}: {}", png.status());
    let bytes = png.bytes().await?;
    let img = image::load_from_memory(&bytes)?.to_rgba8();
    ensure!(img.width() == 640, "width {}", img.width());
    std::fs::write(sys.screenshot_dir().join("03-link-preview.png"), &bytes)?;

    sys.shutdown().await;
    Ok(())
}
