//! `cargo xtask split-console`: cuts the console's wasm into a first-load module and
//! on-demand chunks. Trunk runs it as a post-build hook (see `Trunk.toml`), after it
//! has built the console into its staging directory and before it publishes it.
//!
//! Trunk's Rust pipeline builds the wasm with cargo, runs wasm-bindgen on it and names
//! the results `passworks-console-<hash>.js` / `…_bg.wasm`. The pages marked `#[lazy]`
//! (src/on_demand.rs) import their code from a placeholder module, so that output is
//! not yet runnable. This step takes cargo's wasm again and:
//!
//! 1. splits it with `wasm-split-cli` (crate `wasm_split_cli_support`): a main module,
//!    one `split_<page>.wasm` per page, `chunk_<n>.wasm` for code pages share, and
//!    `__wasm_split.js`, the loader that fetches and links them;
//! 2. runs wasm-bindgen on the main module under trunk's file name, so `index.html`
//!    stays as trunk wrote it;
//! 3. in release builds, runs `wasm-opt -Oz` on every module;
//! 4. names every chunk and the loader after a hash of its contents
//!    (`split_assets-0123456789abcdef.wasm`), as trunk names its own files, so servers
//!    may cache them for good, and rewrites the references to them;
//! 5. replaces trunk's JS and wasm in the staging directory and adds the rest.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{progress, run_checked, target_dir, workspace_root, Result};

/// The console's cargo binary, as `index.html` names it (`data-bin`).
const CONSOLE_BIN: &str = "passworks-console";
/// The cargo profile trunk builds release consoles with (`data-cargo-profile-release`).
const RELEASE_PROFILE: &str = "wasm-release";
/// The loader's name as `wasm-split-cli` writes it and the main module imports it.
const LOADER: &str = "__wasm_split.js";
/// The import module of split points in a wasm that has not been split yet.
const PLACEHOLDER_MODULE: &[u8] = b"__wasm_split_placeholder__";
/// Features of the wasm rustc emits for wasm32-unknown-unknown; wasm-opt must keep them
/// enabled (chunks carry no `target_features` section for it to read them from).
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// The hook's entry point: reads trunk's environment and splits the staged build.
pub fn split_console() -> Result {
    let var = |name: &str| {
        env::var_os(name).map(PathBuf::from).ok_or_else(|| {
            format!("{name} is not set: `cargo xtask split-console` runs as trunk's post_build hook (Trunk.toml)")
        })
    };
    let staging = var("TRUNK_STAGING_DIR")?;
    let release = env::var("TRUNK_PROFILE").as_deref() == Ok("release");
    let root = workspace_root();
    let profile = if release { RELEASE_PROFILE } else { "debug" };
    let target = target_dir(&root)?;
    let wasm = target
        .join("wasm32-unknown-unknown")
        .join(profile)
        .join(format!("{CONSOLE_BIN}.wasm"));
    let input = fs::read(&wasm).map_err(|e| format!("cannot read {}: {e}", wasm.display()))?;
    let stem = staged_stem(&staging)?;
    if !contains(&input, PLACEHOLDER_MODULE) {
        progress("the console's wasm has no split points: only optimising trunk's output");
        return if release {
            optimise(&staging.join(format!("{stem}_bg.wasm")))
        } else {
            Ok(())
        };
    }
    // Per process: two trunk builds (say, `trunk serve` and a test run) may overlap.
    let work = target
        .join("console-split")
        .join(format!("{profile}-{}", std::process::id()));
    let outcome =
        split(&wasm, &stem, &work, release).and_then(|()| publish(&work, &stem, &staging));
    let _ = fs::remove_dir_all(&work);
    outcome
}

/// Trunk's name for the console's JS and wasm in the staging directory
/// (`passworks-console-<hash>`).
fn staged_stem(staging: &Path) -> Result<String> {
    let mut stems: Vec<String> = read_names(staging)?
        .into_iter()
        .filter_map(|name| {
            let stem = name.strip_suffix("_bg.wasm")?;
            stem.starts_with(CONSOLE_BIN).then(|| stem.to_owned())
        })
        .collect();
    match (stems.pop(), stems.is_empty()) {
        (Some(stem), true) => Ok(stem),
        _ => Err(format!(
            "expected exactly one {CONSOLE_BIN}*_bg.wasm in {}",
            staging.display()
        )),
    }
}

/// Steps 1–3: split, bind and optimise into `work/`.
fn split(wasm: &Path, stem: &str, work: &Path, release: bool) -> Result {
    if work.exists() {
        fs::remove_dir_all(work).map_err(|e| format!("cannot clear {}: {e}", work.display()))?;
    }
    let split_dir = work.join("split");
    progress("splitting the console's wasm into on-demand chunks (wasm-split-cli)");
    run_checked(
        Command::new("wasm-split-cli")
            .arg(wasm)
            .arg(&split_dir)
            .args(["--target", "web", "--out-name", stem]),
    )?;
    // The main module becomes trunk's `<stem>.js` + `<stem>_bg.wasm`.
    let bound = work.join("bound");
    run_checked(
        Command::new("wasm-bindgen")
            .args(["--target", "web", "--no-typescript", "--keep-lld-exports"])
            .arg("--out-name")
            .arg(stem)
            .arg("--out-dir")
            .arg(&bound)
            .arg(split_dir.join(format!("{stem}.wasm"))),
    )?;
    if release {
        let mut modules = vec![bound.join(format!("{stem}_bg.wasm"))];
        modules.extend(chunk_names(&split_dir)?.iter().map(|n| split_dir.join(n)));
        for module in modules {
            optimise(&module)?;
        }
    }
    Ok(())
}

/// `wasm-opt -Oz`, in place, dropping the function names the chunks still carry.
/// (Trunk's own wasm-opt run is off in `index.html`: its output would be replaced here
/// anyway.)
fn optimise(module: &Path) -> Result {
    run_checked(
        Command::new("wasm-opt")
            .args(["-Oz", "--strip-debug", "--strip-producers"])
            .args(WASM_FEATURES)
            .arg(module)
            .arg("-o")
            .arg(module),
    )
}

/// The chunk files `wasm-split-cli` wrote (everything but the main module).
fn chunk_names(split_dir: &Path) -> Result<Vec<String>> {
    Ok(read_names(split_dir)?
        .into_iter()
        .filter(|n| (n.starts_with("split_") || n.starts_with("chunk_")) && n.ends_with(".wasm"))
        .collect())
}

/// Steps 4–5: hash-name the chunks and the loader, rewrite references, and move
/// everything into trunk's staging directory.
fn publish(work: &Path, stem: &str, staging: &Path) -> Result {
    let split_dir = work.join("split");
    let bound = work.join("bound");
    let mut loader = read_text(&split_dir.join(LOADER))?;
    let mut renamed = BTreeMap::new();
    for chunk in chunk_names(&split_dir)? {
        let bytes = read(&split_dir.join(&chunk))?;
        let hashed = hashed_name(&chunk, &bytes);
        loader = replace_exactly_once(
            &loader,
            &format!("\"./{chunk}\""),
            &format!("\"./{hashed}\""),
        )
        .map_err(|e| format!("{LOADER}: {e}"))?;
        renamed.insert(hashed, bytes);
    }
    let loader_name = hashed_name(LOADER, loader.as_bytes());

    let js_name = format!("{stem}.js");
    let js = read_text(&bound.join(&js_name))?;
    let js = rewrite_loader_import(&js, &loader_name).map_err(|e| format!("{js_name}: {e}"))?;

    let write = |name: &str, bytes: &[u8]| {
        let path = staging.join(name);
        fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    for (name, bytes) in &renamed {
        write(name, bytes)?;
    }
    write(&loader_name, loader.as_bytes())?;
    write(&js_name, js.as_bytes())?;
    let wasm_name = format!("{stem}_bg.wasm");
    write(&wasm_name, &read(&bound.join(&wasm_name))?)?;
    // wasm-bindgen's inline JS snippets: the same as trunk's, written again so the
    // staged copies match the main module that now uses them.
    let snippets = bound.join("snippets");
    if snippets.exists() {
        copy_dir(&snippets, &staging.join("snippets"))?;
    }
    progress(&format!(
        "split the console into {stem} + {} on-demand chunks (loader {loader_name})",
        renamed.len()
    ));
    Ok(())
}

/// `name.ext` → `name-<16 hex digits>.ext`, the hash being of `bytes` (FNV-1a, 64 bit:
/// a cache key, not a security measure). The server recognises this pattern as a
/// file that never changes.
fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    let (base, ext) = name.split_once('.').unwrap_or((name, ""));
    format!("{base}-{hash:016x}.{ext}")
}

/// Points the main module's `import … from "./__wasm_split.js"` (one per group of
/// pages) at the hashed loader. Only the import specifiers change: the keys
/// wasm-bindgen files the imports under must stay the module name the wasm asks for.
fn rewrite_loader_import(js: &str, loader_name: &str) -> Result<String> {
    for quote in ['"', '\''] {
        let from = format!("from {quote}./{LOADER}{quote}");
        if js.contains(&from) {
            return Ok(js.replace(&from, &format!("from {quote}./{loader_name}{quote}")));
        }
    }
    Err(format!("no import of ./{LOADER}"))
}

fn replace_exactly_once(text: &str, from: &str, to: &str) -> Result<String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        n => Err(format!("expected one `{from}`, found {n}")),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn read_text(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn read_names(dir: &Path) -> Result<Vec<String>> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    Ok(names)
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    for name in read_names(from)? {
        let (src, dst) = (from.join(&name), to.join(&name));
        if src.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            fs::copy(&src, &dst).map_err(|e| format!("cannot copy {}: {e}", src.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_follow_trunks_pattern() {
        let name = hashed_name("split_assets.wasm", b"abc");
        assert_eq!(name, "split_assets-e71fa2190541574b.wasm");
        assert_ne!(name, hashed_name("split_assets.wasm", b"abd"));
        assert!(hashed_name(LOADER, b"x").starts_with("__wasm_split-"));
        assert!(hashed_name(LOADER, b"x").ends_with(".js"));
    }

    #[test]
    fn the_loader_import_is_rewritten_but_not_the_import_key() {
        let js = "import * as import1 from \"./__wasm_split.js\"\n\
                  import * as import2 from \"./__wasm_split.js\"\n\
                  imports[\"./__wasm_split.js\"] = import1;";
        let out = rewrite_loader_import(js, "__wasm_split-0123456789abcdef.js").unwrap();
        assert_eq!(
            out.matches("from \"./__wasm_split-0123456789abcdef.js\"")
                .count(),
            2
        );
        assert!(out.contains("imports[\"./__wasm_split.js\"]"));
        assert!(rewrite_loader_import("no imports", "x.js").is_err());
    }

    #[test]
    fn chunk_references_must_be_unambiguous() {
        assert!(replace_exactly_once("a a", "a", "b").is_err());
        assert!(replace_exactly_once("x", "a", "b").is_err());
        assert_eq!(replace_exactly_once("xa", "a", "b").unwrap(), "xb");
    }
}
