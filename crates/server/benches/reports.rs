//! Report latency over a campaign with a million recorded events (issue: reports answer in
//! well under a second). Run with `cargo bench -p passworks-server --bench reports`.
//!
//! Events reach reports through their daily roll-ups (`report_daily`), never as raw rows,
//! so a report costs the same whatever the number of events. The benchmark records a
//! sample of real events through `model::events::record`, then loads the roll-ups of a million
//! events spread over a year (as `record` would have left them: one increment per event),
//! and times the daily report over the whole year and the totals, over real HTTP on SQLite
//! (and PostgreSQL when `PASSWORKS_TEST_POSTGRES_URL` is set).

mod common;

use common::{upload, JsonReply};
use passworks_server::config::ServeArgs;
use passworks_server::model::accounts::create_account;
use passworks_server::model::counters::{bump as bump_counter, Counter};
use passworks_server::model::events::{record, NewEvent};
use passworks_wire::EventKind;
use std::time::{Duration, Instant};

const EVENTS: i64 = 1_000_000;
const DAYS: i64 = 365;
const RUNS: usize = 20;

async fn run(database_url: Option<String>, label: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut args = ServeArgs::for_data_dir(dir.path().to_path_buf(), database_url);
    args.rate_limit_authenticated = 1_000_000;
    let server = passworks_server::start(&args, std::future::pending())
        .await
        .unwrap();
    let db = server.state.db.clone();
    let account = create_account(&db, "Bench", None, false).await.unwrap();
    let http = reqwest::Client::new();
    let base = format!("{}/v2", server.base_url());
    let auth = (account.api_username.clone(), account.api_key.clone());

    // A store card campaign with an icon.
    let png = {
        let img = image::RgbaImage::from_pixel(118, 118, image::Rgba([200, 80, 40, 255]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    let icon = upload(&http, &base, &auth, "icon", &png).await;
    let campaign: serde_json::Value = http
        .post(format!("{base}/store_cards"))
        .basic_auth(&auth.0, Some(&auth.1))
        .json(&serde_json::json!({"store_card": {"name": "Members", "icon_id": icon}}))
        .json_reply()
        .await;
    let cid = campaign["id"].as_str().unwrap().to_string();

    // A sample of real events, then the roll-ups of the rest of the million.
    let kinds = [
        EventKind::Created,
        EventKind::Downloaded,
        EventKind::Installed,
        EventKind::Fetched,
        EventKind::Redeemed,
        EventKind::Uninstalled,
    ];
    let sample = 3_000;
    for i in 0..sample {
        let mut tx = db.begin().await.unwrap();
        let ev = NewEvent {
            device_os: Some(if i % 3 == 0 { "android" } else { "ios" }.into()),
            ..NewEvent::for_pass(&account.id, &cid, &cid, kinds[i % kinds.len()])
        };
        record(&mut tx, &ev).await.unwrap();
        tx.commit().await.unwrap();
    }
    let per_day_and_kind = (EVENTS - sample as i64) / (DAYS * kinds.len() as i64);
    let today = chrono::Utc::now().date_naive();
    let mut tx = db.begin().await.unwrap();
    for d in 0..DAYS {
        let day = (today - chrono::Duration::days(d))
            .format("%Y-%m-%d")
            .to_string();
        for kind in kinds {
            let counter = Counter::of_event(kind);
            bump_counter(&mut tx, &cid, &day, counter, per_day_and_kind)
                .await
                .unwrap();
        }
        for os in [Counter::InstallsIos, Counter::UninstallsIos] {
            bump_counter(&mut tx, &cid, &day, os, per_day_and_kind)
                .await
                .unwrap();
        }
    }
    let rest = EVENTS - sample as i64 - per_day_and_kind * DAYS * kinds.len() as i64;
    let day = today.format("%Y-%m-%d").to_string();
    bump_counter(&mut tx, &cid, &day, Counter::Creates, rest)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let start = (today - chrono::Duration::days(DAYS - 1)).format("%Y-%m-%d");
    let end = today.format("%Y-%m-%d");
    let daily_url = format!("{base}/store_cards/{cid}/reports?start_date={start}&end_date={end}");
    let totals_url = format!("{base}/store_cards/{cid}/reports/totals");
    for (name, url) in [
        ("daily report, 365 days", &daily_url),
        ("totals", &totals_url),
    ] {
        let mut times: Vec<Duration> = Vec::new();
        let mut total_events = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let r: serde_json::Value = http
                .get(url)
                .basic_auth(&auth.0, Some(&auth.1))
                .json_reply()
                .await;
            times.push(t.elapsed());
            if name == "totals" {
                let rep = &r["report"];
                total_events = [
                    "creates_count",
                    "downloads_count",
                    "installs_count",
                    "fetches_count",
                    "redeems_count",
                    "uninstalls_count",
                ]
                .iter()
                .map(|k| rep[*k].as_i64().unwrap())
                .sum();
            }
        }
        times.sort();
        let median = times[RUNS / 2];
        let worst = times[RUNS - 1];
        if name == "totals" {
            assert!(
                total_events >= EVENTS - 10,
                "the campaign holds a million events"
            );
        }
        println!(
            "{label}: {name}: median {median:?}, slowest {worst:?} over {RUNS} requests{}",
            if name == "totals" {
                format!(" ({total_events} events)")
            } else {
                String::new()
            }
        );
    }
    server.handle.abort();
}

#[tokio::main]
async fn main() {
    run(None, "SQLite").await;
    if let Ok(url) = std::env::var("PASSWORKS_TEST_POSTGRES_URL") {
        let name = format!("pw_bench_{}", uuid::Uuid::new_v4().simple());
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        let (base, _) = url.rsplit_once('/').unwrap();
        run(Some(format!("{base}/{name}")), "PostgreSQL").await;
        sqlx::Executor::execute(
            &mut conn,
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str(),
        )
        .await
        .unwrap();
    }
}
