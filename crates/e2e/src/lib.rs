//! End-to-end test harness: the real `passworks` server with the built
//! console, driven by headless Chromium through ChromeDriver (thirtyfour).
//!
//! A test starts a [`TestSystem`], which
//! - builds the server binary once per test process (`cargo build -p
//!   passworks-server --bin passworks`, honouring `CARGO_TARGET_DIR`),
//! - reuses the console in `dist/` when it is newer than its sources and
//!   otherwise builds it with trunk,
//! - creates an account with `passworks account create` in a fresh data dir,
//! - starts the server and ChromeDriver on free ports and opens a browser
//!   session with a fresh profile,
//!
//! and stops every process it started when it is dropped, also when the test
//! panics or returns an error. Screenshots go to `<target dir>/screenshots/<test>/<step>.png`.
//!
//! ```no_run
//! # async fn example() -> anyhow::Result<()> {
//! let sys = passworks_e2e::TestSystem::start("sign_in").await?;
//! sys.sign_in().await?;
//! sys.screenshot("signed-in").await?;
//! sys.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Use `#[tokio::test(flavor = "multi_thread")]`: then a failing test also
//! leaves a `failure.png` screenshot beside its other screenshots.

use std::env;
use std::fs::{self, File};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{anyhow, bail, Context, Result};
use serde::Deserialize;
pub use thirtyfour;
use thirtyfour::prelude::*;
use thirtyfour::{ChromeCapabilities, ChromiumLikeCapabilities};

/// How long the wait helpers wait by default.
pub const TIMEOUT: Duration = Duration::from_secs(15);
/// How long the server and ChromeDriver get to start.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// Chromium flags: headless, no sandbox (CI runs as root) and no network
/// traffic of Chromium's own.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

/// Environment variables of the server that must not leak from the caller's
/// environment into a test server.
const SERVER_ENV: &[&str] = &[
    "PASSWORKS_BIND",
    "PASSWORKS_DATABASE_URL",
    "PASSWORKS_DATA_DIR",
    "PASSWORKS_CONSOLE_DIR",
    "PASSWORKS_PUBLIC_URL",
];

/// An account as printed by `passworks account create`.
#[derive(Clone, Debug, Deserialize)]
pub struct Account {
    pub id: serde_json::Value,
    pub name: String,
    pub api_username: String,
    pub api_key: String,
}

/// The API of a running test system, for seeding data over HTTP.
#[derive(Clone, Debug)]
pub struct Api {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base_url: String,
    pub username: String,
    pub key: String,
    pub client: reqwest::Client,
}

impl Api {
    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A request with the account's Basic credentials.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .basic_auth(&self.username, Some(&self.key))
    }

    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::GET, path)
    }

    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.request(reqwest::Method::POST, path)
    }

    /// POSTs `body` as JSON, fails unless the status is a success, and
    /// returns the JSON answer.
    pub async fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value> {
        let response = self.post(path).json(body).send().await?;
        json_or_error(response, path).await
    }

    /// GETs `path`, fails unless the status is a success, and returns the
    /// JSON answer.
    pub async fn get_json(&self, path: &str) -> Result<serde_json::Value> {
        let response = self.get(path).send().await?;
        json_or_error(response, path).await
    }
}

async fn json_or_error(response: reqwest::Response, path: &str) -> Result<serde_json::Value> {
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        bail!("{path} answered {status}: {text}");
    }
    serde_json::from_str(&text).with_context(|| format!("{path} answered non-JSON: {text}"))
}

/// A running server with a browser session pointed at it.
pub struct TestSystem {
    name: String,
    base_url: String,
    account: Account,
    driver: Option<WebDriver>,
    chromedriver: Process,
    server: Process,
    work_dir: PathBuf,
    screenshot_dir: PathBuf,
    /// Set by [`TestSystem::shutdown`]; a system dropped without it (a
    /// panic, or an error returned with `?`) counts as a failed test.
    finished: bool,
}

impl TestSystem {
    /// Starts the server (fresh data dir, fresh account) and a browser.
    /// `name` names the test: it names the screenshot folder.
    pub async fn start(name: &str) -> Result<Self> {
        Self::start_with(name, &[]).await
    }

    /// Like [`TestSystem::start`], passing `server_args` to `passworks serve` as well
    /// (for example `--cors-origins http://127.0.0.1:4000`).
    pub async fn start_with(name: &str, server_args: &[&str]) -> Result<Self> {
        Self::start_with_browser(name, server_args, &[]).await
    }

    /// Like [`TestSystem::start_with`], giving Chromium `chromium_flags` besides
    /// [`CHROMIUM_FLAGS`] (for example a fake camera:
    /// `--use-fake-device-for-media-stream`, `--use-file-for-fake-video-capture=<file.y4m>`).
    pub async fn start_with_browser(
        name: &str,
        server_args: &[&str],
        chromium_flags: &[String],
    ) -> Result<Self> {
        let server_bin = server_binary()?;
        let console = console_dir()?;
        let target = target_dir();
        let work_dir = target
            .join("e2e")
            .join(format!("{name}-{}", std::process::id()));
        let screenshot_dir = target.join("screenshots").join(name);
        for dir in [&work_dir, &screenshot_dir] {
            if dir.exists() {
                fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
            }
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let data_dir = work_dir.join("data");

        let account = create_account(&server_bin, &data_dir, name)?;
        let (server, base_url) =
            start_server(&server_bin, &data_dir, &console, &work_dir, server_args).await?;
        let (chromedriver, driver_url) = start_chromedriver(&work_dir).await?;

        let mut sys = TestSystem {
            name: name.to_owned(),
            base_url,
            account,
            driver: None,
            chromedriver,
            server,
            work_dir,
            screenshot_dir,
            finished: false,
        };
        let mut caps = ChromeCapabilities::new();
        caps.set_binary(&chromium_binary())?;
        for flag in CHROMIUM_FLAGS {
            caps.add_arg(flag)?;
        }
        for flag in chromium_flags {
            caps.add_arg(flag)?;
        }
        let profile = sys.work_dir.join("chromium-profile");
        caps.add_arg(&format!("--user-data-dir={}", profile.display()))?;
        let driver = WebDriver::new(driver_url, caps)
            .await
            .context("starting a Chromium session through ChromeDriver")?;
        sys.driver = Some(driver);
        Ok(sys)
    }

    /// The browser session.
    pub fn driver(&self) -> &WebDriver {
        self.driver.as_ref().expect("the browser session is open")
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The account created for this test.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The API with this test's account, for seeding data over HTTP.
    pub fn api(&self) -> Api {
        Api {
            base_url: self.base_url.clone(),
            username: self.account.api_username.clone(),
            key: self.account.api_key.clone(),
            client: reqwest::Client::new(),
        }
    }

    /// The API with another account's credentials (see [`TestSystem::add_account`]).
    pub fn api_as(&self, account: &Account) -> Api {
        Api {
            username: account.api_username.clone(),
            key: account.api_key.clone(),
            ..self.api()
        }
    }

    /// Opens `path` of the console in the browser.
    pub async fn goto(&self, path: &str) -> Result<()> {
        self.driver().goto(self.url(path)).await?;
        Ok(())
    }

    /// Opens the console and signs in with this test's account.
    pub async fn sign_in(&self) -> Result<()> {
        self.goto("/").await?;
        sign_in(
            self.driver(),
            &self.account.api_username,
            &self.account.api_key,
        )
        .await
    }

    /// Signs in with other credentials: opens the console at `/` (which
    /// redirects to the sign-in form when nobody is signed in) and submits them.
    pub async fn sign_in_as(&self, username: &str, key: &str) -> Result<()> {
        self.goto("/").await?;
        sign_in(self.driver(), username, key).await
    }

    /// Creates another account in this system's database with `passworks
    /// account create` (the server keeps running). `organizations` grants
    /// the permission to manage child organizations.
    pub fn add_account(&self, name: &str, organizations: bool) -> Result<Account> {
        let server_bin = server_binary()?;
        let mut command = Command::new(&server_bin);
        command
            .args(["account", "create", "--name", name, "--data-dir"])
            .arg(self.work_dir.join("data"));
        if organizations {
            command.arg("--organizations");
        }
        for var in SERVER_ENV {
            command.env_remove(var);
        }
        let output = command
            .output()
            .with_context(|| format!("running {}", server_bin.display()))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            bail!(
                "`passworks account create` failed ({}):\n{stdout}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        serde_json::from_str(stdout.trim())
            .with_context(|| format!("`passworks account create` printed:\n{stdout}"))
    }

    /// A scratch directory of this test (removed after a passing test), for
    /// files the browser uploads.
    pub fn scratch_dir(&self) -> PathBuf {
        self.work_dir.join("scratch")
    }

    /// The folder the screenshots of this test go to.
    pub fn screenshot_dir(&self) -> &Path {
        &self.screenshot_dir
    }

    /// Saves a screenshot as `<target dir>/screenshots/<test>/<step>.png`
    /// and returns its path.
    pub async fn screenshot(&self, step: &str) -> Result<PathBuf> {
        let path = self.screenshot_dir.join(format!("{step}.png"));
        self.driver()
            .screenshot(&path)
            .await
            .with_context(|| format!("saving screenshot {}", path.display()))?;
        eprintln!("screenshot: {}", path.display());
        Ok(path)
    }

    /// Ends a passing test: closes the browser session, stops the processes
    /// and removes the data dir. A system dropped without `shutdown` counts
    /// as failed: it saves `failure.png` (on a multi-threaded runtime), keeps
    /// its logs and data dir, and prints the end of the server log.
    pub async fn shutdown(mut self) {
        self.finished = true;
        if let Some(driver) = self.driver.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), driver.quit()).await;
        }
    }
}

impl Drop for TestSystem {
    fn drop(&mut self) {
        let failed = std::thread::panicking() || !self.finished;
        if failed {
            self.failure_screenshot();
        }
        if let Some(driver) = self.driver.take() {
            // thirtyfour ends the session on drop while ChromeDriver still runs.
            drop(driver);
        }
        // A server that died under the test (a crash, a signal) explains a "connection
        // refused"; say so rather than leave only its log.
        let server_exit = self.server.exited();
        self.chromedriver.stop();
        self.server.stop();
        if failed {
            if let Some(status) = server_exit {
                eprintln!("passworks serve had exited during the test: {status}");
            }
            eprintln!(
                "test {} failed: logs and data kept in {}",
                self.name,
                self.work_dir.display()
            );
            eprintln!("--- last lines of server.log ---");
            eprintln!("{}", tail(&self.work_dir.join("server.log"), 40));
        } else {
            let _ = fs::remove_dir_all(&self.work_dir);
        }
    }
}

impl TestSystem {
    /// Saves `failure.png` when a test panics on a multi-threaded runtime.
    fn failure_screenshot(&self) {
        use tokio::runtime::{Handle, RuntimeFlavor};
        let Some(driver) = &self.driver else { return };
        let Ok(handle) = Handle::try_current() else {
            return;
        };
        if handle.runtime_flavor() != RuntimeFlavor::MultiThread {
            return;
        }
        let path = self.screenshot_dir.join("failure.png");
        let saved = tokio::task::block_in_place(|| {
            handle.block_on(tokio::time::timeout(
                Duration::from_secs(10),
                driver.screenshot(&path),
            ))
        });
        if let Ok(Ok(())) = saved {
            eprintln!("failure screenshot: {}", path.display());
        }
    }
}

/// Fills in and submits the console's sign-in form, then waits until the
/// console has left the sign-in page. The browser must show the form.
pub async fn sign_in(driver: &WebDriver, username: &str, key: &str) -> Result<()> {
    let user_field = wait_for(driver, By::Id("username")).await?;
    user_field.clear().await?;
    user_field.send_keys(username).await?;
    let key_field = wait_for(driver, By::Id("apikey")).await?;
    key_field.clear().await?;
    key_field.send_keys(key).await?;
    let submit = wait_for(driver, By::Css("form button[type='submit']")).await?;
    submit.click().await?;
    wait_gone(driver, By::Id("apikey"))
        .await
        .context("the sign-in form stayed on screen after submitting")
}

/// Waits up to [`TIMEOUT`] for an element to be displayed.
pub async fn wait_for(driver: &WebDriver, by: By) -> Result<WebElement> {
    wait_for_within(driver, by, TIMEOUT).await
}

/// Waits up to `timeout` for an element to be displayed.
///
/// The console re-renders parts of a page while the test watches (the live
/// preview redraws the card on every change), so an element found a moment
/// ago may be gone when its visibility is asked: such a stale element counts
/// as "not shown yet" and the search starts over, instead of failing the test.
pub async fn wait_for_within(driver: &WebDriver, by: By, timeout: Duration) -> Result<WebElement> {
    let deadline = Instant::now() + timeout;
    loop {
        for element in driver.find_all(by.clone()).await? {
            if element.is_displayed().await.unwrap_or(false) {
                return Ok(element);
            }
        }
        if Instant::now() > deadline {
            bail!("no displayed element {by:?} within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits up to [`TIMEOUT`] until no element matches.
pub async fn wait_gone(driver: &WebDriver, by: By) -> Result<()> {
    let shown = format!("{by:?}");
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if driver.find_all(by.clone()).await?.is_empty() {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("element {shown} still present after {TIMEOUT:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits up to [`TIMEOUT`] until the page's visible text contains `text`.
pub async fn wait_for_text(driver: &WebDriver, text: &str) -> Result<()> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let body = driver.find(By::Tag("body")).await?.text().await?;
        if body.contains(text) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the page does not show {text:?} after {TIMEOUT:?}; it shows:\n{body}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits up to [`TIMEOUT`] until the browser's URL path starts with `prefix`.
pub async fn wait_for_path(driver: &WebDriver, prefix: &str) -> Result<()> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let url = driver.current_url().await?;
        if url.path().starts_with(prefix) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the browser is at {url}, not under {prefix}, after {TIMEOUT:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A child process in its own process group; stopping it stops the whole
/// group (ChromeDriver's Chromium included).
struct Process {
    name: &'static str,
    child: Child,
}

impl Process {
    fn spawn(name: &'static str, command: &mut Command) -> Result<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let child = command
            .spawn()
            .with_context(|| format!("starting {name} ({:?})", command.get_program()))?;
        Ok(Process { name, child })
    }

    /// The exit status if the process has ended.
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Terminates the process group, waits briefly, then kills it.
    fn stop(&mut self) {
        let group = format!("-{}", self.child.id());
        let signal = |sig: &str| {
            let _ = Command::new("kill")
                .args([sig, "--", &group])
                .stderr(Stdio::null())
                .status();
        };
        if self.exited().is_none() {
            signal("-TERM");
            let deadline = Instant::now() + Duration::from_secs(3);
            while self.exited().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        // Whatever else is left in the group (Chromium's helpers) goes too.
        signal("-KILL");
        if self.exited().is_none() {
            eprintln!("{} did not stop; killing it", self.name);
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn create_account(server_bin: &Path, data_dir: &Path, name: &str) -> Result<Account> {
    let mut command = Command::new(server_bin);
    command
        .args(["account", "create", "--name", name, "--data-dir"])
        .arg(data_dir);
    for var in SERVER_ENV {
        command.env_remove(var);
    }
    let output = command
        .output()
        .with_context(|| format!("running {}", server_bin.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "`passworks account create` failed ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_str(stdout.trim()).with_context(|| {
        format!("`passworks account create` should print one JSON object, printed:\n{stdout}")
    })
}

async fn start_server(
    server_bin: &Path,
    data_dir: &Path,
    console: &Path,
    work_dir: &Path,
    extra_args: &[&str],
) -> Result<(Process, String)> {
    let log_path = work_dir.join("server.log");
    let mut last_error = anyhow!("the server did not start");
    // A free port can be taken by someone else before the server binds it:
    // try a few.
    for _ in 0..3 {
        let port = free_port()?;
        let base_url = format!("http://127.0.0.1:{port}");
        let log = File::create(&log_path)?;
        let mut command = Command::new(server_bin);
        command
            .arg("serve")
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--console-dir")
            .arg(console)
            .arg("--public-url")
            .arg(&base_url)
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        for var in SERVER_ENV {
            command.env_remove(var);
        }
        let mut server = Process::spawn("passworks serve", &mut command)?;
        match wait_until_ready(&mut server, &format!("{base_url}/v2/ping")).await {
            Ok(()) => return Ok((server, base_url)),
            Err(error) => {
                server.stop();
                last_error = error.context(format!(
                    "server log {}:\n{}",
                    log_path.display(),
                    tail(&log_path, 40)
                ));
            }
        }
    }
    Err(last_error)
}

async fn start_chromedriver(work_dir: &Path) -> Result<(Process, String)> {
    let binary = chromedriver_binary();
    if !Path::new(&binary).exists() {
        bail!("{binary} is missing: `cargo xtask test` installs Chromium and ChromeDriver");
    }
    let log_path = work_dir.join("chromedriver.log");
    let port = free_port()?;
    let log = File::create(&log_path)?;
    let mut chromedriver = Process::spawn(
        "chromedriver",
        Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log),
    )?;
    let url = format!("http://127.0.0.1:{port}");
    match wait_until_ready(&mut chromedriver, &format!("{url}/status")).await {
        Ok(()) => Ok((chromedriver, url)),
        Err(error) => {
            chromedriver.stop();
            Err(error.context(tail(&log_path, 20)))
        }
    }
}

/// Polls `url` until it answers 200, failing early when the process exits.
async fn wait_until_ready(process: &mut Process, url: &str) -> Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        if let Some(status) = process.exited() {
            bail!("{} exited before answering {url} ({status})", process.name);
        }
        if let Ok(response) = client.get(url).send().await {
            if response.status().is_success() {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            bail!(
                "{} did not answer {url} within {STARTUP_TIMEOUT:?}",
                process.name
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A port that was free a moment ago.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The last `lines` lines of a log file.
fn tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn chromium_binary() -> String {
    env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned())
}

fn chromedriver_binary() -> String {
    env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned())
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/e2e lives two levels below the workspace root")
        .to_path_buf()
}

/// The cargo target directory: `CARGO_TARGET_DIR`, else the directory above
/// this test executable that holds cargo's `CACHEDIR.TAG`, else `target/`.
pub fn target_dir() -> PathBuf {
    if let Some(dir) = env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() {
            dir
        } else {
            workspace_root().join(dir)
        };
    }
    env::current_exe()
        .ok()
        .and_then(|exe| {
            exe.ancestors()
                .find(|dir| dir.join("CACHEDIR.TAG").exists())
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// The server binary, built once per test process (`PASSWORKS_E2E_SERVER_BIN`
/// names a prebuilt one instead).
fn server_binary() -> Result<PathBuf> {
    static BINARY: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            if let Some(path) = env::var_os("PASSWORKS_E2E_SERVER_BIN") {
                return Ok(PathBuf::from(path));
            }
            build_server().map_err(|e| format!("{e:#}"))
        })
        .clone()
        .map_err(|e| anyhow!(e))
}

fn build_server() -> Result<PathBuf> {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(workspace_root())
        .args([
            "build",
            "-p",
            "passworks-server",
            "--bin",
            "passworks",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo build for the server")?;
    if !output.status.success() {
        bail!("building the server failed ({})", output.status);
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "passworks")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| anyhow!("cargo build reported no `passworks` executable"))
}

/// The built console: `PASSWORKS_E2E_CONSOLE_DIR`, or `dist/` when it is newer
/// than the console's sources, or else a fresh `trunk build --release`.
/// The built console the servers serve (`dist/`, built with trunk when stale, or
/// `PASSWORKS_E2E_CONSOLE_DIR`).
pub fn console_dir() -> Result<PathBuf> {
    static DIR: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = env::var_os("PASSWORKS_E2E_CONSOLE_DIR") {
            return Ok(PathBuf::from(dir));
        }
        let root = workspace_root();
        let dist = root.join("dist");
        if !console_is_fresh(&root, &dist) {
            build_console(&root, &dist).map_err(|e| format!("{e:#}"))?;
        }
        Ok(dist)
    })
    .clone()
    .map_err(|e| anyhow!(e))
}

/// Whether `dist/index.html` is newer than every console source.
pub fn console_is_fresh(root: &Path, dist: &Path) -> bool {
    let Some(built) = modified(&dist.join("index.html")) else {
        return false;
    };
    let sources = [
        "src",
        "style",
        "public",
        "index.html",
        "Trunk.toml",
        "Cargo.toml",
        "Cargo.lock",
        "crates/wire",
        "crates/gwallet",
        ".cargo/config.toml",
        "xtask/src/split.rs",
    ];
    sources
        .iter()
        .filter_map(|source| newest(&root.join(source)))
        .all(|changed| changed <= built)
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time in a file tree.
fn newest(path: &Path) -> Option<SystemTime> {
    let own = modified(path);
    let children = fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| newest(&entry.path()));
    own.into_iter().chain(children).max()
}

fn build_console(root: &Path, dist: &Path) -> Result<()> {
    let mut trunk = Command::new("trunk");
    if let Some(home) = env::var_os("HOME") {
        // cargo install puts trunk into ~/.cargo/bin, which may not be on PATH.
        let bin = PathBuf::from(home).join(".cargo/bin");
        let path = env::var_os("PATH").unwrap_or_default();
        let paths = std::iter::once(bin).chain(env::split_paths(&path));
        trunk.env("PATH", env::join_paths(paths)?);
    }
    trunk
        .current_dir(root)
        .args(["build", "--release", "--dist"])
        .arg(dist);
    let read = |name: &str| fs::read_to_string(root.join(name)).unwrap_or_default();
    if !read("index.html").contains("data-cargo-profile")
        && !read("Trunk.toml").contains("cargo_profile")
    {
        trunk.args(["--cargo-profile", "wasm-release"]);
    }
    let status = trunk.status().map_err(|e| {
        anyhow!("cannot run trunk ({e}): run `cargo xtask test`, which installs trunk, wasm-bindgen-cli and wasm-opt")
    })?;
    if !status.success() {
        bail!("`trunk build --release` failed ({status})");
    }
    Ok(())
}
