//! The queue engine (`model::queue`) on real databases: two `passworks serve` processes on
//! one PostgreSQL database deliver each of 200 webhook events exactly once to a slow
//! receiver; a renewed lease keeps a slow item from being claimed twice; a lapsed lease
//! (holder gone) lets another worker take the item over and fences the old holder out;
//! retries back off and stop at the attempt limit and the retry window; a merge job taken
//! over resumes from its cursor, and a job of an unknown kind fails with the reason.

mod common;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use common::{spawn_process, Backend};
use passworks_server::db::{format_time, Db};
use passworks_server::model::events::{record, NewEvent};
use passworks_server::model::pushes::{self, Recorded, MAX_ATTEMPTS};
use passworks_server::model::queue::{self, Lease, Queue, Worker};
use passworks_server::model::webhooks;
use passworks_wire::EventKind;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A fresh database of `backend`, and what to drop afterwards.
struct TestDb {
    db: Db,
    url: String,
    dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl TestDb {
    async fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let (url, pg) = match backend {
            Backend::Sqlite => (
                format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("passworks.db").display()
                ),
                None,
            ),
            Backend::Postgres => {
                let admin = common::postgres_url().unwrap();
                let name = format!("pw_test_{}", uuid::Uuid::new_v4().simple());
                common::exec_pg(&admin, &format!("CREATE DATABASE {name}")).await;
                (common::replace_db(&admin, &name), Some((admin, name)))
            }
        };
        let db = Db::connect(&url).await.unwrap();
        TestDb { db, url, dir, pg }
    }

    async fn drop_db(self) {
        self.db.pool.close().await;
        if let Some((admin, name)) = self.pg {
            common::exec_pg(
                &admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

/// Counts requests per `x-passworks-event-id`, answering 200 after `delay`.
#[derive(Clone)]
struct SlowReceiver {
    seen: Arc<Mutex<HashMap<String, usize>>>,
    delay: Duration,
}

async fn receive(State(r): State<SlowReceiver>, headers: HeaderMap) -> StatusCode {
    tokio::time::sleep(r.delay).await;
    let id = headers["x-passworks-event-id"]
        .to_str()
        .unwrap()
        .to_string();
    *r.seen.lock().unwrap().entry(id).or_default() += 1;
    StatusCode::OK
}

async fn start_receiver(r: SlowReceiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/hook", post(receive)).with_state(r);
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{addr}/hook")
}

/// Records `n` events for an account (as the API does inside its transactions).
async fn emit(db: &Db, account_id: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..n {
        let mut tx = db.begin().await.unwrap();
        let ev = NewEvent::for_pass(
            account_id,
            "00000000-0000-4000-8000-000000000001",
            "00000000-0000-4000-8000-000000000002",
            EventKind::Redeemed,
        );
        ids.push(record(&mut tx, &ev).await.unwrap());
        tx.commit().await.unwrap();
    }
    ids
}

async fn account_with_hook(db: &Db, hook: &str) -> String {
    let account = passworks_server::model::accounts::create_account(db, "Alice", None, false)
        .await
        .unwrap();
    sqlx::query("UPDATE accounts SET webhook_url = $1 WHERE id = $2")
        .bind(hook)
        .bind(&account.id)
        .execute(&db.pool)
        .await
        .unwrap();
    account.id
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

/// Each receiver call takes 2.5 s, longer than the 2 s lease the processes run with: a
/// worker that did not renew its lease while delivering would see its deliveries claimed
/// and sent again by the other process (as the old 15 s lease did with a batch of 5 slow
/// deliveries). With renewal, all 200 events arrive exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_deliver_each_event_exactly_once() {
    if common::postgres_url().is_none() {
        eprintln!("PASSWORKS_TEST_POSTGRES_URL is not set: PostgreSQL not exercised");
        return;
    }
    let t = TestDb::new(Backend::Postgres).await;
    let receiver = SlowReceiver {
        seen: Arc::default(),
        delay: Duration::from_millis(2500),
    };
    let hook = start_receiver(receiver.clone()).await;
    let account = account_with_hook(&t.db, &hook).await;
    let ids = emit(&t.db, &account, 200).await;

    let started = Instant::now();
    let a = spawn_process(t.dir.path(), &t.url, &["--webhook-lease-seconds", "2"]);
    let b = spawn_process(t.dir.path(), &t.url, &["--webhook-lease-seconds", "2"]);
    let deadline = started + Duration::from_secs(55);
    while Instant::now() < deadline {
        let delivered = count(
            &t.db,
            "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered'",
        )
        .await;
        if delivered == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Give a duplicate that is still on its way the time to arrive.
    tokio::time::sleep(Duration::from_secs(3)).await;
    drop((a, b));

    let seen = receiver.seen.lock().unwrap().clone();
    let missing: Vec<_> = ids.iter().filter(|id| !seen.contains_key(*id)).collect();
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(missing.is_empty(), "{} events never arrived", missing.len());
    assert!(
        twice.is_empty(),
        "events delivered more than once: {twice:?}"
    );
    assert_eq!(seen.len(), 200);
    assert_eq!(
        count(
            &t.db,
            "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered' AND attempts = 1",
        )
        .await,
        200
    );
    eprintln!("200 deliveries by two processes in {:?}", started.elapsed());
    t.drop_db().await;
}

/// A test worker over the webhook outbox: each item takes `work` and is then marked
/// delivered with a fenced write.
struct SlowWorker {
    db: Db,
    queue: Queue,
    work: Duration,
    settled: Arc<Mutex<Vec<bool>>>,
}

impl Worker for SlowWorker {
    type Item = webhooks::Claimed;

    fn queue(&self) -> &Queue {
        &self.queue
    }

    fn item(&self, row: &AnyRow) -> Result<webhooks::Claimed, sqlx::Error> {
        webhooks::claimed_from_row(row)
    }

    async fn work(self: Arc<Self>, lease: Lease, item: webhooks::Claimed) -> anyhow::Result<()> {
        tokio::time::sleep(self.work).await;
        let ours = webhooks::record_delivered(
            &self.db,
            &lease,
            &item,
            200,
            "",
            &format_time(chrono::Utc::now()),
        )
        .await?;
        self.settled.lock().unwrap().push(ours);
        Ok(())
    }
}

async fn one_delivery(db: &Db) -> String {
    let account = account_with_hook(db, "http://127.0.0.1:9/hook").await;
    emit(db, &account, 1).await.remove(0)
}

async fn renewed_lease_keeps_a_slow_item_from_being_claimed_again(backend: Backend) {
    let t = TestDb::new(backend).await;
    one_delivery(&t.db).await;
    let q = webhooks::queue(Duration::from_secs(1));
    let worker = Arc::new(SlowWorker {
        db: t.db.clone(),
        queue: q.clone(),
        work: Duration::from_millis(3000),
        settled: Arc::default(),
    });
    let holder = {
        let (db, worker) = (t.db.clone(), worker.clone());
        tokio::spawn(async move { queue::run_batch(&db, &worker).await.unwrap() })
    };
    // Once the holder has it, another worker polls throughout the slow item's three seconds
    // (three leases long).
    while count(
        &t.db,
        "SELECT COUNT(*) FROM webhook_deliveries WHERE lease_owner IS NOT NULL",
    )
    .await
        == 0
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut stolen = 0;
    let end = Instant::now() + Duration::from_millis(2600);
    while Instant::now() < end {
        let (_, rows) = queue::claim(&t.db, &q).await.unwrap();
        stolen += rows.len();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(holder.await.unwrap(), 1);
    assert_eq!(
        stolen, 0,
        "the item was claimed while its holder renewed the lease"
    );
    assert_eq!(*worker.settled.lock().unwrap(), vec![true]);
    assert_eq!(
        count(
            &t.db,
            "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered' \
             AND locked_until IS NULL AND lease_owner IS NULL",
        )
        .await,
        1
    );
    t.drop_db().await;
}
both_backends!(renewed_lease_keeps_a_slow_item_from_being_claimed_again);

async fn lapsed_lease_lets_another_worker_take_over_and_fences_the_old_holder(backend: Backend) {
    let t = TestDb::new(backend).await;
    one_delivery(&t.db).await;
    let q = webhooks::queue(Duration::from_secs(1));
    // The first holder claims and then goes silent (no heartbeat, as after a crash).
    let (old, rows) = queue::claim(&t.db, &q).await.unwrap();
    assert_eq!(rows.len(), 1);
    let item = webhooks::claimed_from_row(&rows[0]).unwrap();
    let (_, rows) = queue::claim(&t.db, &q).await.unwrap();
    assert!(rows.is_empty(), "a live lease is not claimed twice");

    tokio::time::sleep(Duration::from_millis(1300)).await;
    let (new, rows) = queue::claim(&t.db, &q).await.unwrap();
    assert_eq!(rows.len(), 1, "the lapsed lease is taken over");
    assert_ne!(old.token, new.token);

    let at = format_time(chrono::Utc::now());
    // The old holder's late result is fenced out, and cannot renew the lease either.
    assert!(
        !webhooks::record_delivered(&t.db, &old, &item, 200, "late", &at)
            .await
            .unwrap()
    );
    assert_eq!(queue::renew(&t.db, &q, &old).await.unwrap(), 0);
    assert_eq!(
        count(
            &t.db,
            "SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'"
        )
        .await,
        1
    );
    assert!(
        webhooks::record_delivered(&t.db, &new, &item, 200, "ok", &at)
            .await
            .unwrap()
    );
    let row = sqlx::query("SELECT status, last_response, attempts FROM webhook_deliveries")
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("status"), "delivered");
    assert_eq!(row.get::<String, _>("last_response"), "ok");
    assert_eq!(row.get::<i64, _>("attempts"), 1);
    t.drop_db().await;
}
both_backends!(lapsed_lease_lets_another_worker_take_over_and_fences_the_old_holder);

/// Makes a pending row of `table` due now.
async fn make_due(db: &Db, table: &str) {
    sqlx::query(&format!(
        "UPDATE {table} SET next_attempt_at = $1 WHERE status = 'pending'"
    ))
    .bind(format_time(
        chrono::Utc::now() - chrono::Duration::seconds(1),
    ))
    .execute(&db.pool)
    .await
    .unwrap();
}

async fn push_retries_back_off_and_stop_at_the_attempt_limit(backend: Backend) {
    let t = TestDb::new(backend).await;
    let now = format_time(chrono::Utc::now());
    sqlx::query(
        "INSERT INTO push_queue (id, account_id, campaign_id, pass_id, device_library_id, \
         push_token, pass_type_identifier, certificate_id, status, attempts, next_attempt_at, \
         created_at) VALUES ('p1', 'a', 'c', 'p', 'd', 'tok', 'pass.x', 'cert', 'pending', 0, $1, $1)",
    )
    .bind(&now)
    .execute(&t.db.pool)
    .await
    .unwrap();
    let q = pushes::queue();
    for attempt in 1..=MAX_ATTEMPTS {
        make_due(&t.db, "push_queue").await;
        let (lease, rows) = queue::claim(&t.db, &q).await.unwrap();
        assert_eq!(rows.len(), 1, "attempt {attempt} is claimed");
        let item = pushes::claimed_from_row(&rows[0]).unwrap();
        let before = chrono::Utc::now();
        let outcome = Recorded::Retry(Some(503), "busy".into());
        assert!(pushes::record(&t.db, &lease, &item, &outcome)
            .await
            .unwrap());
        let row = sqlx::query("SELECT status, attempts, next_attempt_at FROM push_queue")
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
        assert_eq!(row.get::<i64, _>("attempts"), attempt);
        let next: Option<String> = row.get("next_attempt_at");
        if attempt < MAX_ATTEMPTS {
            assert_eq!(row.get::<String, _>("status"), "pending");
            let next = chrono::DateTime::parse_from_rfc3339(&next.unwrap()).unwrap();
            let waited = (next.with_timezone(&chrono::Utc) - before).num_milliseconds();
            let expected = 1000 * (1i64 << (attempt - 1)).min(600);
            assert!(
                (expected - 50..expected + 2000).contains(&waited),
                "attempt {attempt}: next try after {waited} ms, expected {expected} ms"
            );
            // Not due before its back-off.
            let (_, rows) = queue::claim(&t.db, &q).await.unwrap();
            assert!(rows.is_empty());
        } else {
            assert_eq!(row.get::<String, _>("status"), "failed");
            assert_eq!(next, None);
        }
    }
    make_due(&t.db, "push_queue").await;
    assert!(queue::claim(&t.db, &q).await.unwrap().1.is_empty());
    t.drop_db().await;
}
both_backends!(push_retries_back_off_and_stop_at_the_attempt_limit);

async fn webhook_retries_stop_after_the_retry_window(backend: Backend) {
    let t = TestDb::new(backend).await;
    one_delivery(&t.db).await;
    let q = webhooks::queue(Duration::from_secs(15));
    let backoff = webhooks::backoff(30);
    let at = format_time(chrono::Utc::now());

    let (lease, rows) = queue::claim(&t.db, &q).await.unwrap();
    let item = webhooks::claimed_from_row(&rows[0]).unwrap();
    assert!(
        webhooks::record_failed(&t.db, &lease, &item, &backoff, Some(500), "oops", &at)
            .await
            .unwrap()
    );
    let row = sqlx::query("SELECT status, attempts, next_attempt_at FROM webhook_deliveries")
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("status"), "pending");
    assert_eq!(row.get::<i64, _>("attempts"), 1);
    let next: String = row.get("next_attempt_at");
    let wait = chrono::DateTime::parse_from_rfc3339(&next)
        .unwrap()
        .with_timezone(&chrono::Utc)
        - chrono::Utc::now();
    assert!((25..=30).contains(&wait.num_seconds()), "{wait:?}");

    // A delivery first queued 25 hours ago is given up at its next failure.
    sqlx::query("UPDATE webhook_deliveries SET created_at = $1")
        .bind(format_time(
            chrono::Utc::now() - chrono::Duration::hours(25),
        ))
        .execute(&t.db.pool)
        .await
        .unwrap();
    make_due(&t.db, "webhook_deliveries").await;
    let (lease, rows) = queue::claim(&t.db, &q).await.unwrap();
    let item = webhooks::claimed_from_row(&rows[0]).unwrap();
    assert!(
        webhooks::record_failed(&t.db, &lease, &item, &backoff, None, "refused", &at)
            .await
            .unwrap()
    );
    let row = sqlx::query("SELECT status, attempts, next_attempt_at FROM webhook_deliveries")
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("status"), "failed");
    assert_eq!(row.get::<i64, _>("attempts"), 2);
    assert_eq!(row.get::<Option<String>, _>("next_attempt_at"), None);
    t.drop_db().await;
}
both_backends!(webhook_retries_stop_after_the_retry_window);

async fn taken_over_job_resumes_from_its_cursor_and_fences_the_old_holder(backend: Backend) {
    use passworks_server::model::jobs::{self, JobPayload, MergeState};
    let t = TestDb::new(backend).await;
    let account = passworks_server::model::accounts::create_account(&t.db, "Alice", None, false)
        .await
        .unwrap();
    let campaign = "00000000-0000-4000-8000-000000000001";
    let mut tx = t.db.begin().await.unwrap();
    let id = jobs::enqueue_merge(&mut tx, &account.id, campaign, Some("New offer"))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let q = jobs::queue();
    let (old, rows) = queue::claim(&t.db, &q).await.unwrap();
    let job = jobs::claimed_from_row(&rows[0]).unwrap();
    assert_eq!(job.id, id);
    let Ok(JobPayload::Merge {
        campaign_id,
        mut state,
    }) = job.payload
    else {
        panic!("a merge job");
    };
    assert_eq!(campaign_id, campaign);
    assert_eq!(
        state,
        MergeState {
            push_message: Some("New offer".into()),
            cursor: String::new()
        }
    );
    state.cursor = "pass-500".into();
    let mut conn = t.db.pool.acquire().await.unwrap();
    assert!(jobs::advance(&mut conn, &old, &id, 500, &state)
        .await
        .unwrap());

    // The holder dies: once its lease lapses, another worker takes the job over and
    // resumes after the last merged pass.
    sqlx::query("UPDATE jobs SET locked_until = $1")
        .bind(format_time(
            chrono::Utc::now() - chrono::Duration::seconds(1),
        ))
        .execute(&t.db.pool)
        .await
        .unwrap();
    let (new, rows) = queue::claim(&t.db, &q).await.unwrap();
    let Ok(JobPayload::Merge { state: resumed, .. }) =
        jobs::claimed_from_row(&rows[0]).unwrap().payload
    else {
        panic!("a merge job");
    };
    assert_eq!(resumed.cursor, "pass-500");

    // The old holder can neither advance nor finish the job any more.
    assert!(!jobs::advance(&mut conn, &old, &id, 1, &state)
        .await
        .unwrap());
    assert!(!jobs::finish(&mut conn, &old, &id).await.unwrap());
    assert!(!jobs::fail(&t.db, &old, &id, "late").await.unwrap());
    assert!(jobs::finish(&mut conn, &new, &id).await.unwrap());
    let row = sqlx::query("SELECT state, processed, total, error FROM jobs")
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("state"), "done");
    assert_eq!(row.get::<i64, _>("processed"), 500);
    assert_eq!(row.get::<i64, _>("total"), 500);
    assert_eq!(row.get::<Option<String>, _>("error"), None);
    drop(conn);
    t.drop_db().await;
}
both_backends!(taken_over_job_resumes_from_its_cursor_and_fences_the_old_holder);

async fn unknown_job_kinds_fail_with_a_reason(backend: Backend) {
    let server = common::TestServer::start(backend).await;
    let alice = server.account("Alice").await;
    let account = alice.get("/account").await.expect(200).id();
    let id = uuid::Uuid::new_v4().to_string();
    let now = format_time(chrono::Utc::now());
    sqlx::query(
        "INSERT INTO jobs (id, account_id, kind, state, payload, created_at, updated_at) \
         VALUES ($1, $2, 'export', 'queued', '{}', $3, $3)",
    )
    .bind(&id)
    .bind(&account)
    .bind(&now)
    .execute(&server.running.state.db.pool)
    .await
    .unwrap();
    let mut job = serde_json::Value::Null;
    for _ in 0..100 {
        job = alice.get(&format!("/jobs/{id}")).await.expect(200).body;
        if job["state"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(job["state"], "failed");
    assert_eq!(job["error"], "unknown job kind \"export\"");
    server.stop().await;
}
both_backends!(unknown_job_kinds_fail_with_a_reason);
