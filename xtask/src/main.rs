//! Project automation: `cargo xtask run`, `cargo xtask test` and `cargo xtask bench`.
//!
//! Both commands install whatever is missing first (the wasm32 target, trunk,
//! wasm-bindgen-cli, wasm-opt and, for tests, Chromium with ChromeDriver) and
//! skip every tool whose version is already right, so repeated runs are quick.
//! The crate uses only the standard library so that it compiles in seconds on
//! a fresh machine. `split-console` (run by trunk) is in `split.rs`.

mod split;
mod tools;

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: cargo xtask <command> [-- args]

commands:
  run [-- SERVE-ARGS]  install missing tools, build the console (release, wasm-opt)
                       and the server (release), then run `passworks serve`
                       serving the console; arguments after `--` go to `serve`
  test                 install what the tests need, then run fmt, clippy (native
                       and wasm32), the console build, the native tests, the
                       console's wasm-bindgen tests in headless Chromium and the
                       end-to-end browser tests, stopping at the first failure
  bench                run the scale benchmarks one after another (the pass
                       builder in-process; bulk creation, downloads, pushes and
                       a merge over HTTP; lists of 10k/100k/1M passes), on SQLite
                       and, with PASSWORKS_TEST_POSTGRES_URL set, PostgreSQL, then
                       print their tables together with the machine and the date
                       (BENCH_PASSES, BENCH_DEVICES, LISTS_SIZES, LISTS_REQUESTS
                       pass through; a quiet machine takes about 40 minutes)
  split-console        split the console's wasm into on-demand chunks; trunk runs
                       this as its post_build hook (Trunk.toml), not you
  help                 print this message
";

/// The result of an xtask step: an error is a message for the user.
pub type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let mut args = env::args_os().skip(1);
    let command = args.next().map(|a| a.to_string_lossy().into_owned());
    let rest: Vec<OsString> = args.collect();
    let outcome = match command.as_deref() {
        Some("run") => run(&rest),
        Some("test") if rest.is_empty() => test(),
        Some("bench") if rest.is_empty() => bench(),
        Some("split-console") if rest.is_empty() => {
            tools::prepare_path();
            split::split_console()
        }
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask run`: tools, console, server, then `passworks serve`.
fn run(args: &[OsString]) -> Result {
    let root = workspace_root();
    tools::prepare_path();
    tools::ensure_build_tools(&root)?;
    build_console(&root)?;
    progress("building the server (release)");
    let mut build = cargo(&root);
    build.args([
        "build",
        "--release",
        "-p",
        "passworks-server",
        "--bin",
        "passworks",
    ]);
    run_checked(&mut build)?;
    let binary = target_dir(&root)?.join("release").join("passworks");
    let args: Vec<&OsString> = match args.first() {
        Some(first) if first == "--" => args[1..].iter().collect(),
        _ => args.iter().collect(),
    };
    progress(&format!("starting {} serve", binary.display()));
    let mut serve = Command::new(&binary);
    serve
        .current_dir(&root)
        .arg("serve")
        .arg("--console-dir")
        .arg(root.join("dist"))
        .args(args);
    exec(serve)
}

/// One step of `cargo xtask test`.
struct Step {
    name: &'static str,
    action: Box<dyn Fn() -> Result>,
}

/// `cargo xtask test`: every check in order, stopping at the first failure.
fn test() -> Result {
    let root = workspace_root();
    tools::prepare_path();
    let started = Instant::now();
    let mut timings: Vec<(&'static str, Duration, bool)> = Vec::new();

    let setup = Instant::now();
    banner("install missing tools");
    let installed = tools::ensure_build_tools(&root).and_then(|()| tools::ensure_browser());
    timings.push(("install missing tools", setup.elapsed(), installed.is_ok()));
    if let Err(message) = installed {
        summary(&timings, started.elapsed());
        return Err(message);
    }

    let cargo_step = |name: &'static str, args: &'static [&'static str]| {
        let root = root.clone();
        Step {
            name,
            action: Box::new(move || run_checked(cargo(&root).args(args))),
        }
    };
    let console_root = root.clone();
    let steps = [
        cargo_step("cargo fmt --all --check", &["fmt", "--all", "--check"]),
        cargo_step(
            "cargo clippy --workspace --all-targets -- -D warnings",
            &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"],
        ),
        cargo_step(
            "cargo clippy -p passworks-console --target wasm32-unknown-unknown --all-targets -- -D warnings",
            &[
                "clippy",
                "-p",
                "passworks-console",
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
        Step {
            name: "console build (trunk build --release)",
            action: Box::new(move || build_console(&console_root)),
        },
        cargo_step(
            "cargo test --workspace --exclude passworks-e2e (native tests)",
            &["test", "--workspace", "--exclude", "passworks-e2e"],
        ),
        cargo_step(
            "cargo test -p passworks-console --target wasm32-unknown-unknown (headless Chromium)",
            &["test", "-p", "passworks-console", "--target", "wasm32-unknown-unknown"],
        ),
        cargo_step(
            "cargo test -p passworks-e2e (end-to-end browser tests)",
            &["test", "-p", "passworks-e2e"],
        ),
    ];

    for step in &steps {
        banner(step.name);
        let begun = Instant::now();
        let outcome = (step.action)();
        timings.push((step.name, begun.elapsed(), outcome.is_ok()));
        if let Err(message) = outcome {
            summary(&timings, started.elapsed());
            return Err(format!("step failed: {}\n  {message}", step.name));
        }
    }
    summary(&timings, started.elapsed());
    println!("\nxtask: all {} steps passed", steps.len() + 1);
    Ok(())
}

/// `cargo xtask bench`: each benchmark in turn, its output streamed, then their result
/// lines (the Markdown table rows and the in-process rates) together under the machine
/// and the date, ready for the README's "Performance" section.
fn bench() -> Result {
    use std::io::{BufRead, BufReader};
    let root = workspace_root();
    let runs: [(&str, &[&str]); 3] = [
        (
            "pass builder (in-process)",
            &["bench", "-p", "passworks-pkpass"],
        ),
        (
            "passes at scale (bulk creation, downloads, pushes, merge)",
            &["bench", "-p", "passworks-server", "--bench", "passes"],
        ),
        (
            "lists at scale",
            &["bench", "-p", "passworks-server", "--bench", "lists"],
        ),
    ];
    let started = Instant::now();
    let mut report: Vec<(&str, Vec<String>)> = Vec::new();
    for (name, args) in runs {
        banner(name);
        let mut command = cargo(&root);
        command.args(args).stdout(std::process::Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", describe(&command)))?;
        let mut kept = Vec::new();
        if let Some(out) = child.stdout.take() {
            for line in BufReader::new(out).lines() {
                let line = line.map_err(|e| format!("reading {name}: {e}"))?;
                println!("{line}");
                if bench_result_line(&line) && !kept.contains(&line) {
                    kept.push(line);
                }
            }
        }
        let status = child.wait().map_err(|e| format!("{name}: {e}"))?;
        if !status.success() {
            return Err(format!("{} failed ({status})", describe(&command)));
        }
        report.push((name, kept));
    }
    println!(
        "\n==> all benchmarks, {}",
        format_duration(started.elapsed())
    );
    println!("machine: {}", machine());
    for (name, lines) in report {
        println!("\n{name}:");
        for line in lines {
            println!("{line}");
        }
    }
    Ok(())
}

/// Whether a benchmark's output line is a result: a Markdown table row or a rate.
fn bench_result_line(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with('|')
        || line.starts_with("build_pkpass")
        || line.starts_with("sign_manifest")
        || line.starts_with("in-process build_pkpass")
        || line.starts_with("load average")
}

/// The CPU model, core count, memory and date, for the figures' caption.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, m)| m.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map(|kb| format!(", {} GiB", (kb + (1 << 19)) >> 20))
        .unwrap_or_default();
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{model}, {cores} cores{memory}; {date}")
}

/// Builds the console into `dist/` with trunk in release mode (wasm-opt on),
/// using the `wasm-release` cargo profile unless index.html or Trunk.toml
/// choose a profile themselves.
fn build_console(root: &Path) -> Result {
    if console_is_fresh(root) {
        progress("the console in dist/ is newer than its sources: not rebuilding it");
        return Ok(());
    }
    progress("building the console (trunk build --release)");
    let mut trunk = Command::new("trunk");
    trunk
        .current_dir(root)
        .args(["build", "--release", "--dist"])
        .arg(root.join("dist"));
    if !console_chooses_profile(root) {
        trunk.args(["--cargo-profile", "wasm-release"]);
    }
    run_checked(&mut trunk)
}

/// Whether `dist/index.html` is newer than every console source (the same
/// rule the end-to-end harness uses to reuse `dist/`).
fn console_is_fresh(root: &Path) -> bool {
    let Some(built) = modified(&root.join("dist/index.html")) else {
        return false;
    };
    CONSOLE_SOURCES
        .iter()
        .filter_map(|source| newest(&root.join(source)))
        .all(|changed| changed <= built)
}

/// What the console build reads.
const CONSOLE_SOURCES: &[&str] = &[
    "src",
    "style",
    "public",
    "index.html",
    "Trunk.toml",
    "Cargo.toml",
    "Cargo.lock",
    "crates/wire",
    ".cargo/config.toml",
    "xtask/src/split.rs",
];

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time in a file tree.
fn newest(path: &Path) -> Option<std::time::SystemTime> {
    let children = std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| newest(&entry.path()));
    modified(path).into_iter().chain(children).max()
}

/// Whether index.html or Trunk.toml already select a cargo profile (trunk
/// would override `--cargo-profile` with them and warn).
fn console_chooses_profile(root: &Path) -> bool {
    let read = |name: &str| std::fs::read_to_string(root.join(name)).unwrap_or_default();
    read("index.html").contains("data-cargo-profile")
        || read("Trunk.toml").contains("cargo_profile")
}

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or(manifest_dir.clone(), Path::to_path_buf)
}

/// The cargo target directory, honouring `CARGO_TARGET_DIR` and
/// `build.target-dir` (asks `cargo metadata`).
fn target_dir(root: &Path) -> Result<PathBuf> {
    let output = cargo(root)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let json = String::from_utf8_lossy(&output.stdout);
    json_string_field(&json, "target_directory")
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata printed no target_directory".to_owned())
}

/// The value of the first `"key":"value"` pair in a JSON text (enough for
/// `cargo metadata`, which prints paths with `\\` and `\"` escapes only).
fn json_string_field(json: &str, key: &str) -> Option<String> {
    let start = json.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let mut value = String::new();
    let mut chars = json[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => value.push(chars.next()?),
            c => value.push(c),
        }
    }
    None
}

/// A `cargo` command in the workspace root (the cargo that runs xtask).
pub fn cargo(root: &Path) -> Command {
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root);
    command
}

/// Runs a command with inherited output; an error names the command.
pub fn run_checked(command: &mut Command) -> Result {
    let shown = describe(command);
    println!("$ {shown}");
    let status = command
        .status()
        .map_err(|e| format!("cannot start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

/// The command line of `command`, for messages.
pub fn describe(command: &Command) -> String {
    let program = Path::new(command.get_program())
        .file_name()
        .unwrap_or(command.get_program())
        .to_string_lossy()
        .into_owned();
    std::iter::once(program)
        .chain(command.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Replaces this process with `command` (so Ctrl-C reaches the server).
#[cfg(unix)]
fn exec(mut command: Command) -> Result {
    use std::os::unix::process::CommandExt;
    let error = command.exec();
    Err(format!("cannot start `{}`: {error}", describe(&command)))
}

/// Runs `command` to completion where `exec` is unavailable.
#[cfg(not(unix))]
fn exec(mut command: Command) -> Result {
    run_checked(&mut command)
}

/// A progress line.
pub fn progress(message: &str) {
    println!("==> {message}");
}

/// The banner that opens a test step.
fn banner(name: &str) {
    let line = "=".repeat(78);
    println!("\n{line}\n=== {name}\n{line}");
}

/// Prints how long each step took.
fn summary(timings: &[(&str, Duration, bool)], total: Duration) {
    println!("\n{}\nxtask test: timings", "-".repeat(78));
    for (name, took, ok) in timings {
        let mark = if *ok { "ok  " } else { "FAIL" };
        println!("  {mark} {:>8}  {name}", format_duration(*took));
    }
    println!("       {:>8}  total", format_duration(total));
}

/// `1m 05s`, `12.3s`.
fn format_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 {
        format!("{}m {:02}s", secs / 60, secs % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_string_field_reads_escaped_paths() {
        let json = r#"{"packages":[],"target_directory":"/a/b \"c\"\\d","version":1}"#;
        assert_eq!(
            json_string_field(json, "target_directory").as_deref(),
            Some(r#"/a/b "c"\d"#)
        );
        assert_eq!(json_string_field(json, "missing"), None);
    }

    #[test]
    fn bench_results_are_the_table_rows_and_rates() {
        assert!(bench_result_line(
            "| SQLite | 1000000 | first page | 4.1 | 6.2 | 9.0 |"
        ));
        assert!(bench_result_line(
            "build_pkpass, 2 threads:    3245 passes/s"
        ));
        assert!(!bench_result_line(
            "  built campaign of 1000000 passes in 226 s"
        ));
        assert!(!bench_result_line("   Compiling passworks-server v0.1.0"));
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(12_340)), "12.3s");
        assert_eq!(format_duration(Duration::from_secs(65)), "1m 05s");
    }
}
