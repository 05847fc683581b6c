//! Test harness: a real server over real HTTP on a fresh database.
//!
//! Every test server gets its own temporary data directory and SQLite file, or — for
//! [`Backend::Postgres`] — its own freshly created PostgreSQL database on the server named
//! by `PASSWORKS_TEST_POSTGRES_URL`, dropped again when the test ends.
#![allow(dead_code)]

pub mod people;

use passworks_server::config::ServeArgs;
use passworks_server::model::accounts::create_account;
use passworks_server::Running;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The database a test server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server for tests, when configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("PASSWORKS_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// Declares one test per backend for `async fn name(Backend)`: `name::sqlite` always, `name::postgres` when
/// `PASSWORKS_TEST_POSTGRES_URL` is set (it says so and returns otherwise).
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::common::postgres_url().is_none() {
                    eprintln!("PASSWORKS_TEST_POSTGRES_URL is not set: PostgreSQL not exercised");
                    return;
                }
                super::$name($crate::common::Backend::Postgres).await;
            }
        }
    };
}

/// A running test server.
pub struct TestServer {
    pub running: Running,
    pub base: String,
    pub data_dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pg: Option<(String, String)>,
}

/// Options for [`TestServer::start_with`].
pub type Configure = fn(&mut ServeArgs);

impl TestServer {
    /// The URL of this server's database, for a second server process on it.
    pub fn database_url(&self) -> String {
        if self.pg.is_some() {
            self.running
                .state
                .db
                .pool
                .connect_options()
                .database_url
                .to_string()
        } else {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.path().join("passworks.db").display()
            )
        }
    }

    /// Starts a server on `backend` with default settings (higher anonymous rate limit so
    /// that tests are not throttled unless they mean to be).
    pub async fn start(backend: Backend) -> TestServer {
        TestServer::start_with(backend, |a| {
            a.rate_limit_anonymous = 10_000;
            a.rate_limit_authenticated = 100_000;
        })
        .await
    }

    /// Starts a server on `backend`, letting `configure` adjust the arguments.
    pub async fn start_with(backend: Backend, configure: Configure) -> TestServer {
        TestServer::start_configured(backend, configure).await
    }

    /// Like [`TestServer::start_with`], with a closure (settings known only at run time,
    /// such as the address of a local fake of an external service).
    pub async fn start_configured(
        backend: Backend,
        configure: impl FnOnce(&mut ServeArgs),
    ) -> TestServer {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let (database_url, pg) = match backend {
            Backend::Sqlite => (None, None),
            Backend::Postgres => {
                let admin = postgres_url().expect("PASSWORKS_TEST_POSTGRES_URL");
                let name = format!("pw_test_{}", uuid::Uuid::new_v4().simple());
                exec_pg(&admin, &format!("CREATE DATABASE {name}")).await;
                let url = replace_db(&admin, &name);
                (Some(url), Some((admin, name)))
            }
        };
        let mut args = ServeArgs::for_data_dir(data_dir.path().to_path_buf(), database_url);
        configure(&mut args);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let running = passworks_server::start(&args, async {
            let _ = rx.await;
        })
        .await
        .expect("server starts");
        let base = running.base_url();
        TestServer {
            running,
            base,
            data_dir,
            shutdown: Some(tx),
            pg,
        }
    }

    /// Creates an account and returns a client signed in as it.
    pub async fn account(&self, name: &str) -> Client {
        self.account_with(name, false).await
    }

    /// Creates an account (optionally allowed to manage organizations).
    pub async fn account_with(&self, name: &str, organizations: bool) -> Client {
        let a = create_account(&self.running.state.db, name, None, organizations)
            .await
            .expect("account");
        Client::new(&self.base, Some((a.api_username, a.api_key)))
    }

    /// A client without credentials.
    pub fn anonymous(&self) -> Client {
        Client::new(&self.base, None)
    }

    /// Stops the server and drops its PostgreSQL database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.running.handle).await;
        self.running.state.db.pool.close().await;
        if let Some((admin, name)) = self.pg.take() {
            exec_pg(
                &admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

pub fn replace_db(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    format!("{}/{}{}", &base[..path_start], name, query)
}

pub async fn exec_pg(url: &str, sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .expect("connect to PASSWORKS_TEST_POSTGRES_URL");
    sqlx::Executor::execute(&mut conn, sql)
        .await
        .expect("administrative SQL");
    let _ = conn.close().await;
}

/// An HTTP response: status, headers and parsed JSON body (`Value::Null` if not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub bytes: Vec<u8>,
}

impl Resp {
    /// A header as text ("" when absent).
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }

    /// The body's `id`.
    pub fn id(&self) -> String {
        self.body["id"].as_str().expect("id in body").to_string()
    }

    /// Asserts the status, showing the body on failure.
    #[track_caller]
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.body
        );
        self
    }
}

/// A JSON API client with optional Basic credentials.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub credentials: Option<(String, String)>,
    pub http: reqwest::Client,
}

impl Client {
    pub fn new(base: &str, credentials: Option<(String, String)>) -> Client {
        Client {
            base: base.to_string(),
            credentials,
            http: reqwest::Client::new(),
        }
    }

    /// Sends a request to `path` (relative to `/v2`, e.g. `/coupons`).
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let url = format!("{}/v2{}", self.base, path);
        let mut req = self.http.request(method, &url);
        if let Some((u, k)) = &self.credentials {
            req = req.basic_auth(u, Some(k));
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::finish(req).await
    }

    /// Sends a prepared request and collects the response.
    pub async fn finish(req: reqwest::RequestBuilder) -> Resp {
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body").to_vec();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            bytes,
        }
    }

    /// A request builder with credentials, for raw bodies and multipart.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let url = format!("{}/v2{}", self.base, path);
        let mut req = self.http.request(method, &url);
        if let Some((u, k)) = &self.credentials {
            req = req.basic_auth(u, Some(k));
        }
        req
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, path, Some(body)).await
    }
    pub async fn post_empty(&self, path: &str) -> Resp {
        self.send(Method::POST, path, None).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.send(Method::PATCH, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.send(Method::PUT, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Method::DELETE, path, None).await
    }
}

/// A real `passworks serve` process (the release of the test build), killed when dropped.
pub struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `passworks serve` on a free port over `url` with `data_dir`, no first account,
/// private webhook receivers allowed (tests use loopback ones), plus `extra` arguments;
/// its output is discarded.
/// Where a test server's log goes: the test's stderr with `PASSWORKS_TEST_SERVER_LOG`
/// set (to see why a server answered 500), nowhere otherwise.
fn server_log() -> std::process::Stdio {
    if std::env::var_os("PASSWORKS_TEST_SERVER_LOG").is_some() {
        std::process::Stdio::inherit()
    } else {
        std::process::Stdio::null()
    }
}

pub fn spawn_process(data_dir: &std::path::Path, url: &str, extra: &[&str]) -> Process {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_passworks"))
        .args(["serve", "--no-first-account", "--allow-private-webhooks"])
        .args(extra)
        .arg("--bind")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--database-url")
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(server_log())
        .spawn()
        .expect("spawn passworks");
    Process(child)
}
