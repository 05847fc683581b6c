//! Repository hygiene checks that run as plain tests.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

fn read(path: &str) -> String {
    let path = root().join(path);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every crate's manifest: the root package, `xtask/` and `crates/*/`.
fn manifests() -> Vec<PathBuf> {
    let root = root();
    let mut manifests = vec![root.join("Cargo.toml"), root.join("xtask/Cargo.toml")];
    for entry in fs::read_dir(root.join("crates")).expect("crates/ exists") {
        let manifest = entry
            .expect("readable crates/ entry")
            .path()
            .join("Cargo.toml");
        if manifest.exists() {
            manifests.push(manifest);
        }
    }
    manifests
}

#[test]
fn readme_names_the_two_commands() {
    let readme = read("README.md");
    for command in ["cargo xtask run", "cargo xtask test"] {
        assert!(
            readme.contains(command),
            "README.md must mention `{command}`"
        );
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let script = read(".ci/run");
    assert!(script.starts_with("#!"), ".ci/run needs a shebang line");
    assert!(
        script.lines().any(|line| {
            let line = line.trim_start();
            !line.starts_with('#') && line.contains("cargo xtask test")
        }),
        ".ci/run must call `cargo xtask test`"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(root().join(".ci/run"))
            .unwrap()
            .permissions()
            .mode();
        assert!(mode & 0o111 != 0, ".ci/run must be executable");
    }
}

#[test]
fn every_crate_uses_the_workspace_lints() {
    for manifest in manifests() {
        let text = fs::read_to_string(&manifest).unwrap();
        let lints = text
            .split("\n[")
            .find(|section| section.starts_with("lints]"))
            .unwrap_or_else(|| panic!("{} has no [lints] table", manifest.display()));
        assert!(
            lints
                .lines()
                .any(|line| line.replace(' ', "") == "workspace=true"),
            "{} must say `[lints] workspace = true`",
            manifest.display()
        );
    }
}

#[test]
fn every_crate_is_a_workspace_member() {
    let workspace = read("Cargo.toml");
    for entry in fs::read_dir(root().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        if dir.join("Cargo.toml").exists() {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let member = format!("\"crates/{name}\"");
            assert!(
                workspace.matches(&member).count() >= 2,
                "crates/{name} must be in both `members` and `default-members`"
            );
        }
    }
}

#[test]
fn wasm_bindgen_is_pinned_exactly() {
    let manifest = read("Cargo.toml");
    assert!(
        manifest
            .lines()
            .any(|line| line.starts_with("wasm-bindgen =") && line.contains("\"=")),
        "the console must pin wasm-bindgen with `=` to the installed wasm-bindgen-cli"
    );
}
