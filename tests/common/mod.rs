//! Shared helpers of the integration tests: fixture listing and `//~` annotations.

#![allow(dead_code, reason = "each test binary uses a different part")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every fixture (a `.rs` file or a crate-shaped directory) of every lint, sorted.
pub(crate) fn fixtures() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let base = root().join("tests/fixtures");
    let Ok(lints) = std::fs::read_dir(&base) else {
        return out;
    };
    let mut lints: Vec<_> = lints
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    lints.sort();
    for lint_dir in lints {
        let lint = lint_dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let mut entries: Vec<_> = std::fs::read_dir(&lint_dir)
            .map(|rd| rd.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for e in entries {
            if e.is_dir() || e.extension().is_some_and(|x| x == "rs") {
                out.push((lint.clone(), e));
            }
        }
    }
    out
}

/// The `.rs` files of a fixture.
pub(crate) fn rust_files(fixture: &Path) -> Vec<PathBuf> {
    if fixture.is_file() {
        return vec![fixture.to_path_buf()];
    }
    let mut out: Vec<PathBuf> = walk(fixture);
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out
}

/// `(file relative to the repository root, line) -> lints` expected by `//~` annotations:
/// `//~ lint` on the line, `//~^ lint` for the line above (one `^` per line up).
pub(crate) fn expectations(fixture: &Path) -> BTreeMap<(String, u32), Vec<String>> {
    let mut out: BTreeMap<(String, u32), Vec<String>> = BTreeMap::new();
    for file in rust_files(fixture) {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let rel = relative(&file);
        for (i, line) in text.lines().enumerate() {
            let Some(pos) = line.find("//~") else {
                continue;
            };
            let rest = &line[pos + 3..];
            let ups = rest.chars().take_while(|c| *c == '^').count();
            let target = u32::try_from(i + 1 - ups.min(i)).unwrap_or(0);
            for name in rest[ups..]
                .split([',', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                out.entry((rel.clone(), target))
                    .or_default()
                    .push(name.to_string());
            }
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

pub(crate) fn relative(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let root = std::fs::canonicalize(root()).unwrap_or_else(|_| root());
    abs.strip_prefix(&root)
        .unwrap_or(&abs)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Parses `short` output lines into `(file, line) -> lints`.
pub(crate) fn parse_short(lines: &[String]) -> BTreeMap<(String, u32), Vec<String>> {
    let mut out: BTreeMap<(String, u32), Vec<String>> = BTreeMap::new();
    for l in lines {
        let mut parts = l.splitn(4, ':');
        let (Some(file), Some(line), Some(_col), Some(rest)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Some(start) = rest.find('[') else {
            continue;
        };
        let Some(end) = rest.find(']') else { continue };
        let lint = rest[start + 1..end].to_string();
        out.entry((file.to_string(), line.parse().unwrap_or(0)))
            .or_default()
            .push(lint);
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// The directory of the non-Rust test tools (pre-commit, jsonschema, PyYAML, the SARIF schema),
/// installed on first use by `.ci/test-tools`. A test that needs them fails, never skips, when
/// they cannot be installed.
pub(crate) fn test_tools() -> PathBuf {
    static DIR: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let out = std::process::Command::new("bash")
            .arg(root().join(".ci/test-tools"))
            .output()
            .map_err(|e| format!("could not run .ci/test-tools: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                ".ci/test-tools failed (needs python3, npm and the PyPI and npm registries):\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
    });
    match dir {
        Ok(d) => d.clone(),
        Err(e) => panic!("{e}"),
    }
}

/// Runs the built `oauth-lint` in `dir` (colors left to the default: off, output is piped).
pub(crate) fn oauth_lint(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_oauth-lint"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .unwrap_or_else(|e| panic!("could not run oauth-lint: {e}"))
}

pub(crate) fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
