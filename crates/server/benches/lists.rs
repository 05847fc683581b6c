//! Lists at scale: the pass list of campaigns holding 10,000, 100,000 and 1,000,000 passes,
//! over real HTTP against a `passworks serve` process, with 8 concurrent clients. Run with
//! `cargo bench -p passworks-server --bench lists` (PostgreSQL too when
//! `PASSWORKS_TEST_POSTGRES_URL` is set; `LISTS_BACKEND=sqlite|postgres` picks one,
//! `LISTS_SIZES=10000,100000` other sizes, `LISTS_REQUESTS` requests per case, 800).
//! `LISTS_KEEP=1` keeps the databases afterwards (their URLs are printed) for EXPLAIN, and
//! `LISTS_REUSE=<that URL>` times a kept database again instead of building one (with the
//! same `LISTS_SIZES`; for before/after figures of two server builds on the same data).
//!
//! The campaigns are created through the API; their passes are inserted in batches of
//! SQL rows shaped like the server's own (a pass created through the API is the template),
//! so the database's triggers (search text, voided counts) run as for any pass. Holders
//! get generated names and e-mail addresses, one pass in ten is voided and one in seven
//! redeemed. Each case is timed from the client: p50, p99 and the slowest request.

mod common;

use common::{icon_png, percentile, upload, wait_up, JsonReply, Server};
use passworks_server::db::{format_time, Db, Dialect};
use passworks_server::model::accounts::create_account;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;

const SYLLABLES: [&str; 40] = [
    "ka", "lo", "mi", "ra", "ta", "ve", "su", "no", "be", "di", "fa", "go", "hu", "ji", "ke", "lu",
    "ma", "ne", "po", "qui", "ri", "sa", "to", "vu", "wa", "xe", "yo", "za", "bri", "dra", "fle",
    "gro", "kri", "plo", "sto", "tri", "vla", "zen", "mor", "tal",
];

/// A pseudo-random number for `i` (splitmix64), so every run builds the same data.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A three-syllable name part for `seed`.
fn word(seed: u64) -> String {
    let mut w = String::new();
    for k in 0..3 {
        w.push_str(SYLLABLES[((seed >> (k * 8)) % SYLLABLES.len() as u64) as usize]);
    }
    let mut c = w.chars();
    let first = c.next().unwrap().to_ascii_uppercase();
    std::iter::once(first).chain(c).collect()
}

/// The holder of pass `i` of a campaign: (given name, family name).
fn holder(campaign: u64, i: u64) -> (String, String) {
    let h = mix(campaign * 10_000_000 + i);
    (word(h), word(h >> 24))
}

/// The generated columns of pass `i` of campaign number `campaign`.
struct Row {
    id: String,
    serial: String,
    code: String,
}

fn row(campaign: u64, i: u64) -> Row {
    let h = mix(campaign * 10_000_000 + i + 77);
    let id = uuid::Uuid::from_u64_pair(h, mix(h)).to_string();
    let serial = uuid::Uuid::from_u64_pair(mix(h ^ 1), mix(h ^ 2)).to_string();
    Row {
        id,
        serial,
        code: format!("{:07}", i + 1),
    }
}

struct Campaign {
    number: u64,
    id: String,
    size: u64,
}

/// Creates the account's campaign through the API and one pass to learn the server's
/// document shape, then inserts `size` passes in batches.
// Long because it is one linear set-up script: create, learn the pass shape, bulk insert.
async fn build(
    db: &Db,
    http: &reqwest::Client,
    base: &str,
    auth: &(String, String),
    number: u64,
    size: u64,
) -> Campaign {
    let campaign: Value = http
        .post(format!("{base}/coupons"))
        .basic_auth(&auth.0, Some(&auth.1))
        .json(&json!({"coupon": {
            "name": format!("Scale {size}"), "icon_id": upload(http, base, auth, "icon", &icon_png()).await,
            "secondary_fields": [{"key": "holder", "label": "Holder", "value": ""}]
        }}))
        .json_reply()
        .await;
    let id = campaign["id"].as_str().expect("campaign").to_string();
    let template: Value = http
        .post(format!("{base}/coupons/{id}/passes"))
        .basic_auth(&auth.0, Some(&auth.1))
        .json(&json!({"pass": {
            "secondary_fields": [{"key": "holder", "value": "HOLDER_NAME"}],
            "user_info": {"email": "HOLDER_MAIL@example.com"}
        }}))
        .json_reply()
        .await;
    let template_id = template["id"].as_str().unwrap().to_string();
    let (account_id, doc): (String, String) =
        sqlx::query_as("SELECT account_id, doc FROM passes WHERE id = $1")
            .bind(&template_id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    sqlx::query("DELETE FROM passes WHERE id = $1")
        .bind(&template_id)
        .execute(&db.pool)
        .await
        .unwrap();
    let started = Instant::now();
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    const BATCH: u64 = 500;
    // PostgreSQL: the search trigger runs once for the whole campaign after the load (one
    // statement) instead of row by row; the rows it writes are the same.
    let postgres = db.dialect == Dialect::Postgres;
    if postgres {
        sqlx::query("ALTER TABLE passes DISABLE TRIGGER passes_search_sync")
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let mut i = 0;
    while i < size {
        let mut tx = db.begin().await.unwrap();
        for _ in 0..20 {
            if i >= size {
                break;
            }
            let n = BATCH.min(size - i);
            let mut sql = String::from(
                "INSERT INTO passes (id, account_id, campaign_id, serial_number, \
                 authentication_token, download_token, redeem_code, voided, redeemed_count, \
                 redeemed_at, doc, created_at, updated_at, shared_code) VALUES ",
            );
            let one = format!("({}0)", "$, ".repeat(13));
            sql.push_str(&vec![one; n as usize].join(", "));
            let sql = renumber(&sql);
            let mut q = sqlx::query(&sql);
            for k in 0..n {
                let j = i + k;
                let r = row(number, j);
                let (given, family) = holder(number, j);
                let d = doc
                    .replace("HOLDER_NAME", &format!("{given} {family}"))
                    .replace(
                        "HOLDER_MAIL",
                        &format!("{}.{}", given.to_lowercase(), family.to_lowercase()),
                    );
                let at = format_time(t0 + chrono::Duration::milliseconds(j as i64 * 10));
                let redeemed = j % 7 == 3;
                q = q
                    .bind(r.id)
                    .bind(account_id.clone())
                    .bind(id.clone())
                    .bind(r.serial)
                    .bind(format!("tok{number}x{j}"))
                    .bind(format!("dl{number}x{j}"))
                    .bind(r.code)
                    .bind((j % 10 == 0) as i64)
                    .bind(redeemed as i64)
                    .bind(redeemed.then(|| at.clone()))
                    .bind(d)
                    .bind(at.clone())
                    .bind(at);
            }
            q.execute(&mut *tx).await.unwrap();
            i += n;
        }
        tx.commit().await.unwrap();
    }
    if postgres {
        sqlx::query(
            "INSERT INTO pass_search (pass_id, body) \
             SELECT id, pass_search_body(serial_number, redeem_code, doc) FROM passes \
             WHERE campaign_id = $1",
        )
        .bind(&id)
        .execute(&db.pool)
        .await
        .unwrap();
        sqlx::query("ALTER TABLE passes ENABLE TRIGGER passes_search_sync")
            .execute(&db.pool)
            .await
            .unwrap();
    }
    // The counts go into slot 0 of the campaign's striped counters (readers sum them).
    sqlx::query(
        "UPDATE campaign_counters SET passes_count = $1, redeemed_count = $2 \
         WHERE campaign_id = $3 AND slot = 0",
    )
    .bind(size as i64)
    .bind(((size + 3) / 7) as i64)
    .bind(&id)
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE campaign_codes SET next_code = $1 WHERE campaign_id = $2")
        .bind(size as i64 + 1)
        .bind(&id)
        .execute(&db.pool)
        .await
        .unwrap();
    println!(
        "  built campaign of {size} passes in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Campaign { number, id, size }
}

/// Numbers the placeholders (`$`) of a multi-row VALUES list `$1…` in order.
fn renumber(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut n = 0;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' {
            while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                chars.next();
            }
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// One measured case: a name and a function from a request number to the path.
type PathFor = Box<dyn Fn(u64) -> String + Send + Sync>;

fn cases(c: &Campaign) -> Vec<(&'static str, PathFor)> {
    let base = format!("/coupons/{}/passes", c.id);
    let (number, size) = (c.number, c.size);
    let pick = move |n: u64| mix(n * 31 + 5) % size;
    let deep = 1000.min(size / 25);
    let b = base.clone();
    let first: PathFor = Box::new(move |_| b.clone());
    let b = base.clone();
    let page: PathFor = Box::new(move |_| format!("{b}?page={deep}"));
    let b = base.clone();
    let code: PathFor =
        Box::new(move |n| format!("{b}?q[redeem_code_eq]={}", row(number, pick(n)).code));
    let b = base.clone();
    let serial: PathFor =
        Box::new(move |n| format!("{b}?q[serial_number_eq]={}", row(number, pick(n)).serial));
    let b = base.clone();
    let value: PathFor = Box::new(move |n| {
        let (g, f) = holder(number, pick(n));
        format!("{b}?q[search]={g}+{f}")
    });
    let b = base.clone();
    let search: PathFor = Box::new(move |n| {
        let (_, f) = holder(number, pick(n));
        format!("{b}?q[search]={}", f.to_lowercase())
    });
    let b = base.clone();
    let voided: PathFor = Box::new(move |_| format!("{b}?q[voided_eq]=true"));
    let b = base.clone();
    let sorted: PathFor = Box::new(move |_| format!("{b}?q[s]=redeemed_count+desc"));
    vec![
        ("first page", first),
        ("page 1,000", page),
        ("q[redeem_code_eq]", code),
        ("q[serial_number_eq]", serial),
        ("q[search] full name", value),
        ("q[search] family name", search),
        ("q[voided_eq]=true", voided),
        ("q[s]=redeemed_count desc", sorted),
    ]
}

/// Runs `requests` requests of one case from 8 concurrent clients; (p50, p99, max) in ms.
async fn measure(
    http: &reqwest::Client,
    base: &str,
    auth: &(String, String),
    path: Arc<PathFor>,
    requests: u64,
) -> (f64, f64, f64) {
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (http, base, auth, path, next) = (
            http.clone(),
            base.to_string(),
            auth.clone(),
            path.clone(),
            next.clone(),
        );
        tasks.spawn(async move {
            let mut lat = Vec::new();
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= requests {
                    return lat;
                }
                let url = format!("{base}{}", path(n));
                let at = Instant::now();
                let r = http
                    .get(&url)
                    .basic_auth(&auth.0, Some(&auth.1))
                    .send()
                    .await
                    .expect("request");
                let status = r.status();
                let body = r.bytes().await.expect("body");
                assert!(status.is_success(), "{url}: {status} {body:?}");
                lat.push(at.elapsed().as_micros() as u64);
            }
        });
    }
    let mut lat = Vec::new();
    while let Some(l) = tasks.join_next().await {
        lat.extend(l.unwrap());
    }
    lat.sort_unstable();
    (
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        percentile(&lat, 1.0),
    )
}

/// The kept database's account (with a new API key) and its campaigns of `sizes`, in the
/// order they were built.
async fn reuse(db: &Db, sizes: &[u64]) -> ((String, String), Vec<Campaign>) {
    let (id, username): (String, String) =
        sqlx::query_as("SELECT id, api_username FROM accounts WHERE name = 'Lists'")
            .fetch_one(&db.pool)
            .await
            .expect("LISTS_REUSE: the database holds no lists bench account");
    let key = format!("bench{}", uuid::Uuid::new_v4().simple());
    sqlx::query("UPDATE accounts SET api_key_hash = $1 WHERE id = $2")
        .bind(passworks_server::auth::hash_key(&key))
        .bind(&id)
        .execute(&db.pool)
        .await
        .unwrap();
    let mut campaigns = Vec::new();
    for (k, size) in sizes.iter().enumerate() {
        let id: String = sqlx::query_scalar("SELECT id FROM campaigns WHERE name = $1")
            .bind(format!("Scale {size}"))
            .fetch_one(&db.pool)
            .await
            .expect("LISTS_REUSE: no campaign of that size (LISTS_SIZES as when it was built)");
        campaigns.push(Campaign {
            number: k as u64 + 1,
            id,
            size: *size,
        });
    }
    ((username, key), campaigns)
}

async fn run(url: &str, sizes: &[u64], requests: u64, built: bool) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::spawn(dir.path(), url, &[]);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(16)
        .build()
        .unwrap();
    wait_up(&http, &server.base).await;
    let db = Db::connect(url).await.unwrap();
    let label = match db.dialect {
        Dialect::Sqlite => "SQLite",
        Dialect::Postgres => "PostgreSQL",
    };
    let (auth, campaigns) = if built {
        reuse(&db, sizes).await
    } else {
        let account = create_account(&db, "Lists", None, false).await.unwrap();
        let auth = (account.api_username, account.api_key);
        let mut campaigns = Vec::new();
        for (k, size) in sizes.iter().enumerate() {
            campaigns.push(build(&db, &http, &server.base, &auth, k as u64 + 1, *size).await);
        }
        (auth, campaigns)
    };
    if db.dialect == Dialect::Postgres && !built {
        // What autovacuum does within a minute of a bulk load: statistics and the
        // visibility map (index-only scans).
        sqlx::query("VACUUM ANALYZE")
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let mut lines = Vec::new();
    for c in &campaigns {
        for (name, path) in cases(c) {
            let path = Arc::new(path);
            // warm-up: a tenth of the requests, not counted
            measure(&http, &server.base, &auth, path.clone(), requests / 10).await;
            let (p50, p99, max) = measure(&http, &server.base, &auth, path, requests).await;
            let line = format!(
                "| {label} | {} | {name} | {p50:.1} | {p99:.1} | {max:.1} |",
                c.size
            );
            println!("{line}");
            lines.push(line);
        }
    }
    db.pool.close().await;
    lines
}

#[tokio::main]
async fn main() {
    sqlx::any::install_default_drivers();
    let sizes: Vec<u64> = std::env::var("LISTS_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|v| v.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000]);
    let requests: u64 = std::env::var("LISTS_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(800);
    let only = std::env::var("LISTS_BACKEND").unwrap_or_default();
    let mut table = vec![
        "| database | passes in the campaign | request | p50 ms | p99 ms | max ms |".to_string(),
        "|---|---|---|---|---|---|".to_string(),
    ];
    if let Ok(url) = std::env::var("LISTS_REUSE") {
        table.extend(run(&url, &sizes, requests, true).await);
    } else {
        table.extend(build_and_run(&only, &sizes, requests).await);
    }
    println!();
    for line in table {
        println!("{line}");
    }
}

/// Builds the campaigns on the databases `only` names (both when empty) and times them.
async fn build_and_run(only: &str, sizes: &[u64], requests: u64) -> Vec<String> {
    let mut table = Vec::new();
    if only.is_empty() || only == "sqlite" {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("lists.db").display());
        table.extend(run(&url, sizes, requests, false).await);
        if std::env::var_os("LISTS_KEEP").is_some() {
            // For looking at the plans and the search index afterwards (sqlite3).
            println!("SQLite: kept the database {url}");
            std::mem::forget(dir);
        }
    }
    if only.is_empty() || only == "postgres" {
        match std::env::var("PASSWORKS_TEST_POSTGRES_URL")
            .ok()
            .filter(|s| !s.is_empty())
        {
            None => println!("PostgreSQL: PASSWORKS_TEST_POSTGRES_URL is not set; skipped"),
            Some(admin) => {
                let name = format!("pw_lists_{}", uuid::Uuid::new_v4().simple());
                let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&pool)
                    .await
                    .unwrap();
                let url = match admin.rsplit_once('/') {
                    Some((head, _)) => format!("{head}/{name}"),
                    None => panic!("PASSWORKS_TEST_POSTGRES_URL has no database name"),
                };
                table.extend(run(&url, sizes, requests, false).await);
                if std::env::var_os("LISTS_KEEP").is_some() {
                    // For looking at the plans afterwards (EXPLAIN in psql).
                    println!("PostgreSQL: kept the database {url}");
                } else {
                    let _ = sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
                        .execute(&pool)
                        .await;
                }
            }
        }
    }
    table
}
