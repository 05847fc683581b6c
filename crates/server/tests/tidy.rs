//! Tidy tests: rules about the source tree itself, in the spirit of rust-analyzer's
//! `xtask/src/tidy.rs`. Each rule reads the files and names every offending file and line.
//!
//! - Only `src/api/` (and `lib.rs`, which mounts the router) may name the `api` module:
//!   workers, signing, pages and the PassKit service build on `model::`.
//! - SQL (`sqlx::query`, `query_as`, `query_scalar`) lives in `src/model/`, `db.rs` (pool
//!   and migrations) and `list.rs` (the collection queries built from allow-lists).
//! - Every source file of the workspace opens with a `//!` line saying what it is for.
//! - A function in the server's `src/` longer than 80 lines carries a comment saying why
//!   it is long (scenario tests in `tests/` are long by nature and exempt).

use std::path::{Path, PathBuf};

/// The workspace root (two levels above this crate).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the workspace root exists")
}

/// Every `.rs` file under `dir`, sorted (build output and hidden directories skipped).
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "target" && name != "node_modules" && !name.starts_with('.') {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The server's source files with their paths relative to `crates/server/src`.
fn server_sources() -> Vec<(String, String)> {
    let src = workspace().join("crates/server/src");
    rust_files(&src)
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// Whether a line is a comment (so words in it are prose, not code).
fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with("//")
}

fn fail(rule: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{rule}:\n  {}\n",
        problems.join("\n  ")
    );
}

#[test]
fn only_the_api_module_names_the_api_module() {
    let mut problems = Vec::new();
    for (rel, text) in server_sources() {
        if rel.starts_with("api/") || rel == "api.rs" || rel == "lib.rs" {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            if is_comment(line) {
                continue;
            }
            let code = line.trim_start();
            let names_api = code.contains("crate::api")
                || code.starts_with("use api::")
                || code.contains(" api::")
                || code.contains("(api::")
                || code.contains("super::api");
            if names_api {
                problems.push(format!(
                    "crates/server/src/{rel}:{}: `{}` (use `crate::model::…` instead)",
                    i + 1,
                    code
                ));
            }
        }
    }
    fail(
        "modules outside src/api/ must not use the api module",
        &problems,
    );
}

#[test]
fn sql_lives_in_the_model_layer() {
    let mut problems = Vec::new();
    for (rel, text) in server_sources() {
        if rel.starts_with("model/") || rel == "db.rs" || rel == "list.rs" {
            continue;
        }
        let hits: Vec<String> = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !is_comment(line))
            .filter(|(_, line)| {
                line.contains("sqlx::query")
                    || line.contains("query_as")
                    || line.contains("query_scalar")
            })
            .map(|(i, line)| format!("crates/server/src/{rel}:{}: `{}`", i + 1, line.trim()))
            .collect();
        problems.extend(hits);
    }
    fail(
        "SQL outside src/model/, db.rs and list.rs (move it into a model function)",
        &problems,
    );
}

/// The source directories of the workspace whose files must open with `//!`.
const DOCUMENTED: &[&str] = &[
    "src",
    "tests",
    "crates/server/src",
    "crates/server/tests",
    "crates/wire/src",
    "crates/wire/tests",
    "crates/pkpass/src",
    "crates/pkpass/tests",
    "crates/e2e/src",
    "crates/e2e/tests",
    "xtask/src",
    "xtask/tests",
];

#[test]
fn every_source_file_says_what_it_is_for() {
    let root = workspace();
    let mut problems = Vec::new();
    for dir in DOCUMENTED {
        for path in rust_files(&root.join(dir)) {
            let text = std::fs::read_to_string(&path).unwrap();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            if !first.starts_with("//!") {
                let rel = path.strip_prefix(&root).unwrap().display();
                problems.push(format!("{rel}:1: starts with `{first}`"));
            }
        }
    }
    fail(
        "every source file must open with a `//!` line saying what it is for",
        &problems,
    );
}

/// Longest function body (lines from `fn` to its closing brace) allowed without a comment
/// saying why it is long.
const MAX_FN_LINES: usize = 80;

/// Removes string and character literals and line comments from a line, so that braces
/// inside them do not count. Block comments and multi-line strings are rare enough in this
/// code base to be ignored (a miscount shows up as a wrong length, never as a silent pass
/// of a long function, because the count only grows).
/// The code of each line of `text`, without comments and the contents of string and char
/// literals; a string that spans lines (a `\` continuation) stays a string on the next.
fn code_lines(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut lines = vec![String::new()];
    let mut in_string = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            lines.push(String::new());
        } else if in_string {
            match c {
                '\\' if chars.get(i + 1) != Some(&'\n') => i += 1,
                '"' => in_string = false,
                _ => {}
            }
        } else {
            match c {
                '/' if chars.get(i + 1) == Some(&'/') => {
                    while i + 1 < chars.len() && chars[i + 1] != '\n' {
                        i += 1;
                    }
                }
                '"' => in_string = true,
                '\'' if chars.get(i + 2) == Some(&'\'') => i += 2,
                '\'' if chars.get(i + 1) == Some(&'\\') => {
                    i += 2;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                }
                _ => lines.last_mut().expect("one line at least").push(c),
            }
        }
        i += 1;
    }
    lines
}

/// Whether a line starts a function definition.
fn starts_fn(code: &str) -> bool {
    let mut rest = code.trim_start();
    for prefix in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r;
        }
    }
    for prefix in ["const ", "async ", "unsafe "] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r;
        }
    }
    rest.starts_with("fn ")
}

/// Functions of `text` longer than [`MAX_FN_LINES`] without a comment mentioning "long"
/// right above them or in their first lines: (line, name, length).
fn long_functions(text: &str) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let code = code_lines(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let code_line = code.get(i).cloned().unwrap_or_default();
        if !starts_fn(&code_line) {
            i += 1;
            continue;
        }
        let name: String = code_line
            .split("fn ")
            .nth(1)
            .unwrap_or("")
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // Find the body's opening brace (a declaration without a body ends with `;`).
        let mut depth = 0i64;
        let mut opened = false;
        let mut end = i;
        'scan: for (j, line) in code.iter().enumerate().skip(i) {
            for c in line.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    ';' if !opened && depth == 0 => {
                        end = j;
                        break 'scan;
                    }
                    _ => {}
                }
            }
            if opened && depth == 0 {
                end = j;
                break;
            }
            end = j;
        }
        let length = end - i + 1;
        if opened && length > MAX_FN_LINES {
            let mentions_long = |l: &&str| is_comment(l) && l.to_lowercase().contains("long");
            let above = lines[..i]
                .iter()
                .rev()
                .take_while(|l| is_comment(l) || l.trim_start().starts_with("#["))
                .any(mentions_long);
            let inside = lines[i..(i + 8).min(lines.len())].iter().any(mentions_long);
            if !above && !inside {
                out.push((i + 1, name, length));
            }
        }
        i += 1;
    }
    out
}

#[test]
fn long_functions_say_why() {
    let mut problems = Vec::new();
    for (rel, text) in server_sources() {
        let long = long_functions(&text);
        for (line, name, length) in long {
            problems.push(format!(
                "crates/server/src/{rel}:{line}: fn {name} is {length} lines (over \
                 {MAX_FN_LINES}); add a comment above it or in its first lines saying why \
                 it is long"
            ));
        }
    }
    fail("long functions need a reason", &problems);
}

#[test]
fn the_length_rule_counts_bodies_and_sees_reasons() {
    let body = "    let x = 1;\n".repeat(MAX_FN_LINES);
    let plain = format!("/// Does things.\nfn big() {{\n{body}}}\n");
    assert_eq!(
        long_functions(&plain),
        vec![(2, "big".to_string(), MAX_FN_LINES + 2)]
    );
    let explained = format!("// Long because it lists every case.\nfn big() {{\n{body}}}\n");
    assert!(long_functions(&explained).is_empty());
    let inside = format!("fn big() {{\n    // Long: one step per attribute.\n{body}}}\n");
    assert!(long_functions(&inside).is_empty());
    let braces_in_strings =
        format!("fn small() {{\n    let s = \"{{{{\";\n}}\nfn big() {{\n{body}}}\n");
    assert_eq!(long_functions(&braces_in_strings).len(), 1);
    let short = "fn a() {\n}\nfn b();\n";
    assert!(long_functions(short).is_empty());
}

#[test]
fn the_length_rule_reads_strings_that_span_lines() {
    // A continued string with escaped quotes and braces must not end the function early
    // nor make it run on into the next one.
    let text = "fn short() -> &'static str {\n    \"a \\\n     {\\\"b\\\": {\\\"c\\\"}} \\\n     d\"\n}\n\nfn next() {}\n";
    assert!(long_functions(text).is_empty());
    let lines = code_lines(text);
    assert_eq!(lines[0], "fn short() -> &'static str {");
    assert_eq!(lines[1].trim(), "");
    assert_eq!(lines[4], "}");
}
