//! The ecosystem check: oauth-lint on published crates with OAuth2 authorization-code flows,
//! pinned in `ecosystem/Cargo.toml` (and its lock file), compared with the triaged expectation
//! file `ecosystem/expected.txt`. A new or vanished finding or file error fails the check and
//! prints the difference; every expected finding carries a one-line human verdict, and none may
//! be a false positive. Needs crates.io (the sources are fetched with `cargo fetch`).
//!
//! After a change that moves findings, triage the difference by reading the code, then update the
//! file: `OAUTH_LINT_BLESS=1 cargo test --test ecosystem` writes the new list, keeping the
//! verdicts of unchanged lines and marking new ones `UNTRIAGED`, which fails until replaced.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const UNTRIAGED: &str = "UNTRIAGED";

fn manifest() -> PathBuf {
    common::root().join("ecosystem/Cargo.toml")
}

/// `(name-version, source directory)` of every crate the manifest pins directly.
fn corpus() -> Vec<(String, PathBuf)> {
    let fetch = Command::new(env!("CARGO"))
        .args(["fetch", "--locked", "--manifest-path"])
        .arg(manifest())
        .output()
        .unwrap();
    assert!(
        fetch.status.success(),
        "cargo fetch of the ecosystem corpus failed:\n{}",
        String::from_utf8_lossy(&fetch.stderr)
    );
    let meta = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--offline",
            "--manifest-path",
        ])
        .arg(manifest())
        .output()
        .unwrap();
    assert!(
        meta.status.success(),
        "{}",
        String::from_utf8_lossy(&meta.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&meta.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let root = packages
        .iter()
        .find(|p| p["name"] == "oauth-lint-ecosystem")
        .unwrap();
    let mut out = Vec::new();
    for dep in root["dependencies"].as_array().unwrap() {
        let name = dep["name"].as_str().unwrap();
        let version = dep["req"].as_str().unwrap().trim_start_matches('=');
        let pkg = packages
            .iter()
            .find(|p| p["name"] == name && p["version"] == version)
            .unwrap_or_else(|| panic!("{name} {version} is not in the resolved corpus"));
        let dir = Path::new(pkg["manifest_path"].as_str().unwrap())
            .parent()
            .unwrap()
            .to_path_buf();
        out.push((format!("{name}-{version}"), dir));
    }
    out.sort();
    out
}

/// One line of the expectation file, without the verdict: `crate | kind | file:line`.
fn key(krate: &str, kind: &str, at: &str) -> String {
    format!("{krate} | {kind} | {at}")
}

fn expected() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(common::root().join("ecosystem/expected.txt")).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.splitn(4, " | ").collect();
        assert_eq!(parts.len(), 4, "ecosystem/expected.txt: bad line `{line}`");
        out.insert(
            key(parts[0], parts[1], parts[2]),
            parts[3].trim().to_string(),
        );
    }
    out
}

#[test]
fn ecosystem_findings_match_the_triaged_expectations() {
    let corpus = corpus();
    assert!(corpus.len() >= 25, "the corpus shrank: {}", corpus.len());
    let mut actual: BTreeMap<String, String> = BTreeMap::new();
    let mut files = 0;
    let mut by_lint: BTreeMap<String, usize> = BTreeMap::new();
    for (krate, dir) in &corpus {
        let o = Command::new(env!("CARGO_BIN_EXE_oauth-lint"))
            .args(["check", ".", "--format", "json"])
            .current_dir(dir)
            .output()
            .unwrap();
        assert_ne!(
            o.status.code(),
            Some(2),
            "{krate}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{krate}: {e}: {}", String::from_utf8_lossy(&o.stderr)));
        assert!(
            !String::from_utf8_lossy(&o.stderr).contains("falling back"),
            "{krate}: cargo metadata must work on a registry crate"
        );
        files += doc["summary"]["files"].as_u64().unwrap();
        for f in doc["findings"].as_array().unwrap() {
            let lint = f["lint"].as_str().unwrap();
            *by_lint.entry(lint.to_string()).or_default() += 1;
            let at = format!("{}:{}", f["file"].as_str().unwrap(), f["line"]);
            actual.insert(key(krate, lint, &at), String::new());
        }
        for e in doc["errors"].as_array().unwrap() {
            actual.insert(
                key(krate, "error", e["file"].as_str().unwrap()),
                String::new(),
            );
        }
    }
    println!(
        "ecosystem: {} crates, {files} files, {} findings and errors {by_lint:?}",
        corpus.len(),
        actual.len()
    );
    let expected = expected();
    if std::env::var_os("OAUTH_LINT_BLESS").is_some() {
        let mut text = String::from(
            "# crate | lint (or `error`) | file:line (or file) | verdict, from reading the code\n",
        );
        for k in actual.keys() {
            let verdict = expected.get(k).map_or(UNTRIAGED, String::as_str);
            let _ = writeln!(text, "{k} | {verdict}");
        }
        std::fs::write(common::root().join("ecosystem/expected.txt"), text).unwrap();
    }
    let new: Vec<&String> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    let gone: Vec<&String> = expected
        .keys()
        .filter(|k| !actual.contains_key(*k))
        .collect();
    let mut diff = String::new();
    for k in &new {
        let _ = writeln!(diff, "+ {k}");
    }
    for k in &gone {
        let _ = writeln!(diff, "- {k}");
    }
    assert!(
        diff.is_empty(),
        "the ecosystem check moved (triage each line by reading the code, then run with \
         OAUTH_LINT_BLESS=1 and write the verdicts):\n{diff}"
    );
    for (k, verdict) in &expected {
        assert!(
            verdict.starts_with("true: ") || verdict.starts_with("expected: "),
            "{k}: every finding needs a verdict `true: ..` (a false positive is fixed in the \
             analysis, not recorded), every error `expected: ..`; got `{verdict}`"
        );
    }
}
