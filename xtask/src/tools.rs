//! Installs the tools the build and the tests need, each only when it is
//! missing or has the wrong version.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, progress, run_checked, Result};

/// The trunk release we build the console with (0.22 needs a newer rustc).
pub const TRUNK_VERSION: &str = "0.21.14";
/// The `wasm-opt` crate release; it bundles binaryen 116. Debian's binaryen
/// 108 produces wasm that crashes in Chromium, so it must not be used.
pub const WASM_OPT_VERSION: &str = "0.116.1";
/// The `wasm_split_cli_support` release whose `wasm-split-cli` cuts the console's wasm
/// into on-demand chunks (`cargo xtask split-console`).
pub const WASM_SPLIT_VERSION: &str = "0.2.4";
/// The binaryen version that `wasm-opt --version` reports for [`WASM_OPT_VERSION`].
const BINARYEN_VERSION: &str = "116";
/// Where the browser tests expect Chromium and ChromeDriver (Debian packages).
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Puts cargo's bin directory first on PATH for this process and its
/// children, so freshly installed tools are found and win over older copies
/// elsewhere on PATH (for instance Debian's binaryen).
pub fn prepare_path() {
    let Some(bin) = cargo_bin_dir() else { return };
    let path = env::var_os("PATH").unwrap_or_default();
    let mut entries: Vec<PathBuf> = env::split_paths(&path).collect();
    if entries.first() == Some(&bin) {
        return;
    }
    entries.retain(|entry| entry != &bin);
    entries.insert(0, bin);
    if let Ok(joined) = env::join_paths(entries) {
        env::set_var("PATH", joined);
    }
}

/// `$CARGO_HOME/bin`, by default `~/.cargo/bin`.
fn cargo_bin_dir() -> Option<PathBuf> {
    let home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))?;
    Some(home.join("bin"))
}

/// The wasm32 target, trunk, wasm-bindgen-cli (matching Cargo.lock) and wasm-opt.
pub fn ensure_build_tools(root: &Path) -> Result {
    ensure_wasm_target(root)?;
    ensure_cargo_tool(
        root,
        &Tool {
            binary: "trunk",
            package: "trunk",
            version: TRUNK_VERSION,
            expected: &format!("trunk {TRUNK_VERSION}"),
            locked: true,
            features: None,
            minutes: "several minutes",
        },
    )?;
    let bindgen = wasm_bindgen_version(root)?;
    let bindgen_tool = Tool {
        binary: "wasm-bindgen",
        package: "wasm-bindgen-cli",
        version: &bindgen,
        expected: &format!("wasm-bindgen {bindgen}"),
        // Its lockfile wants a webpki-roots release the registry lacks.
        locked: false,
        features: None,
        minutes: "several minutes",
    };
    ensure_cargo_tool(root, &bindgen_tool)?;
    // The same package provides the runner for the console's wasm tests.
    ensure_cargo_tool(
        root,
        &Tool {
            binary: "wasm-bindgen-test-runner",
            expected: &format!("wasm-bindgen-test-runner {bindgen}"),
            ..bindgen_tool
        },
    )?;
    ensure_cargo_tool(
        root,
        &Tool {
            binary: "wasm-opt",
            package: "wasm-opt",
            version: WASM_OPT_VERSION,
            expected: &format!("version {BINARYEN_VERSION}"),
            locked: true,
            features: None,
            minutes: "about ten minutes",
        },
    )?;
    ensure_cargo_tool(
        root,
        &Tool {
            binary: "wasm-split-cli",
            package: "wasm_split_cli_support",
            version: WASM_SPLIT_VERSION,
            // It has no --version: `cargo install --list` tells.
            expected: "",
            locked: true,
            // The binary is optional in that package.
            features: Some("build-binary"),
            minutes: "about a minute",
        },
    )
}

/// Chromium and ChromeDriver for the browser tests: installed through apt
/// when missing and running as root, otherwise a message saying what to
/// install.
pub fn ensure_browser() -> Result {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !running_as_root() {
        return Err(format!(
            "missing {}: install Chromium and ChromeDriver, for instance as root with\n    \
             apt-get update && apt-get install -y chromium chromium-driver",
            missing.join(" and ")
        ));
    }
    progress("installing chromium and chromium-driver with apt-get (takes about a minute)…");
    run_checked(
        Command::new("apt-get")
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    run_checked(
        Command::new("apt-get")
            .args(["install", "-y", "chromium", "chromium-driver"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn ensure_wasm_target(root: &Path) -> Result {
    const TARGET: &str = "wasm32-unknown-unknown";
    let sysroot = Command::new("rustc")
        .current_dir(root)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot.join("lib/rustlib").join(TARGET).exists() {
        return Ok(());
    }
    progress(&format!("installing the Rust target {TARGET} (rustup)…"));
    run_checked(
        Command::new("rustup")
            .current_dir(root)
            .args(["target", "add", TARGET]),
    )
}

/// A tool installed with `cargo install`.
#[derive(Clone, Copy)]
struct Tool<'a> {
    binary: &'a str,
    package: &'a str,
    version: &'a str,
    /// Text that `<binary> --version` prints when the version is right; empty for a
    /// tool without `--version`, whose version `cargo install --list` then tells.
    expected: &'a str,
    locked: bool,
    /// Cargo features the binary needs (`--features`), if any.
    features: Option<&'a str>,
    /// How long a fresh install takes, for the progress line.
    minutes: &'a str,
}

fn ensure_cargo_tool(root: &Path, tool: &Tool<'_>) -> Result {
    let (found, expected) = if tool.expected.is_empty() {
        (
            cargo_installed_version(root, tool),
            format!("{} v{}", tool.package, tool.version),
        )
    } else {
        let found = Command::new(tool.binary)
            .arg("--version")
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned());
        (found, tool.expected.to_owned())
    };
    match &found {
        Some(text) if version_matches(text, &expected) => return Ok(()),
        Some(text) => progress(&format!(
            "found `{text}` but need {} {}: reinstalling",
            tool.package, tool.version
        )),
        None => {}
    }
    progress(&format!(
        "installing {} {} (takes {} on a fresh machine)…",
        tool.package, tool.version, tool.minutes
    ));
    let mut install = cargo(root);
    install.args(["install", tool.package, "--version", tool.version]);
    if let Some(features) = tool.features {
        install.args(["--features", features]);
    }
    if tool.locked {
        install.arg("--locked");
    }
    if found.is_some() {
        install.arg("--force");
    }
    run_checked(&mut install)
}

/// `<package> v<version>` from `cargo install --list` when it installed `tool.binary`
/// and the binary is still there.
fn cargo_installed_version(root: &Path, tool: &Tool<'_>) -> Option<String> {
    let out = cargo(root).args(["install", "--list"]).output().ok()?;
    let list = String::from_utf8_lossy(&out.stdout);
    let on_path = Command::new(tool.binary).arg("--help").output().is_ok();
    installed_package_line(&list, tool.package, tool.binary).filter(|_| on_path)
}

/// In `cargo install --list` output, the `<package> v<version>` line of the package
/// that provides `binary`.
fn installed_package_line(list: &str, package: &str, binary: &str) -> Option<String> {
    let mut current = None;
    for line in list.lines() {
        if let Some(binary_line) = line.strip_prefix("    ") {
            if binary_line.trim() == binary {
                return current;
            }
        } else if line.starts_with(&format!("{package} v")) {
            current = line.split(':').next().map(str::to_owned);
        } else {
            current = None;
        }
    }
    None
}

/// Whether `--version` output names the expected version as a whole word
/// (so `trunk 0.21.14` does not match `trunk 0.21.1`).
fn version_matches(output: &str, expected: &str) -> bool {
    output.match_indices(expected).any(|(at, _)| {
        output[at + expected.len()..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '.'))
    })
}

/// The version of the `wasm-bindgen` package in Cargo.lock; the CLI must match
/// it exactly or trunk tries to download another one.
fn wasm_bindgen_version(root: &Path) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock (run `cargo generate-lockfile`): {e}"))?;
    lock_version(&lock, "wasm-bindgen")
        .ok_or_else(|| "Cargo.lock has no wasm-bindgen package".to_owned())
}

fn lock_version(lock: &str, package: &str) -> Option<String> {
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == name_line {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_version_finds_the_exact_package() {
        let lock = "[[package]]\nname = \"wasm-bindgen-macro\"\nversion = \"0.2.1\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(
            lock_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(lock_version(lock, "trunk"), None);
    }

    #[test]
    fn installed_packages_are_read_from_cargo_install_list() {
        let list = "trunk v0.21.14:\n    trunk\n\
                    wasm_split_cli_support v0.2.4:\n    wasm-split-cli\n";
        let line = installed_package_line(list, "wasm_split_cli_support", "wasm-split-cli");
        assert_eq!(line.as_deref(), Some("wasm_split_cli_support v0.2.4"));
        assert!(version_matches(
            &line.unwrap(),
            "wasm_split_cli_support v0.2.4"
        ));
        assert_eq!(
            installed_package_line(list, "wasm_split_cli_support", "trunk"),
            None
        );
    }

    #[test]
    fn version_matches_whole_versions_only() {
        assert!(version_matches("trunk 0.21.14", "trunk 0.21.14"));
        assert!(!version_matches("trunk 0.21.140", "trunk 0.21.14"));
        assert!(!version_matches("trunk 0.21.1", "trunk 0.21.14"));
        assert!(version_matches(
            "wasm-opt version 116 (version_116)",
            "version 116"
        ));
        assert!(!version_matches("wasm-opt version 108", "version 116"));
    }
}
