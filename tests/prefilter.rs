//! Demand-driven parsing against parsing every file (`--prefilter off`), through the library
//! entry the CLI uses: the JSON reports must be byte-identical on every fixture alone, on all
//! fixtures as one crate, on the demo workspace (cargo mode), and on this repository's own
//! sources; and they must not depend on the number of threads, nor on whether the dataflow runs
//! in independent parts.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::path::{Path, PathBuf};

/// Runs `oauth-lint check --format json ARGS` in-process and returns the report and the
/// prefilter's statistics line.
fn report(args: &[&str], out: &Path) -> String {
    let mut argv: Vec<std::ffi::OsString> = vec![
        "oauth-lint".into(),
        "check".into(),
        "--format".into(),
        "json".into(),
        "--output".into(),
        out.into(),
    ];
    argv.extend(args.iter().map(Into::into));
    let code = oauth_lint::run(argv);
    assert!(
        code == 0 || code == 1,
        "oauth-lint {args:?} exited with {code}"
    );
    std::fs::read_to_string(out).unwrap()
}

/// The report of each mode (`on`: only the files that can matter; `auto`, the default: the
/// same unless they are most of the code; `off`: every file) must be the same.
fn modes_agree(modes: &[&str], args: &[&str], out: &Path) -> serde_json::Value {
    let mut reports = Vec::new();
    for mode in modes {
        let mut a = args.to_vec();
        a.extend(["--prefilter", mode]);
        reports.push(report(&a, out));
    }
    for (mode, r) in modes.iter().zip(&reports) {
        assert_eq!(
            *r, reports[0],
            "`--prefilter {mode}` changed the report for {args:?}"
        );
    }
    serde_json::from_str(&reports[0]).unwrap()
}

const ALL: &[&str] = &["off", "on", "auto"];

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_prefilter_changes_no_report() {
    let root = common::root();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let mut findings = 0;
    // Every fixture alone, as the harness analyses it.
    for (_, fixture) in common::fixtures() {
        let doc = modes_agree(&["off", "on"], &[path(&fixture)], &out);
        findings += doc["findings"].as_array().unwrap().len();
    }
    assert!(findings > 50, "too few findings to compare: {findings}");
    // All fixtures as one crate: many files, many same-named functions.
    let fixtures = root.join("tests/fixtures");
    let doc = modes_agree(ALL, &[path(&fixtures)], &out);
    assert!(!doc["findings"].as_array().unwrap().is_empty());
    // The demo workspace, through cargo metadata and `mod` items.
    let workspace = root.join("tests/workspace");
    let doc = modes_agree(ALL, &[path(&workspace)], &out);
    assert_eq!(doc["summary"]["findings"], 2);
    // This repository: mostly code that has nothing to do with OAuth, some that names it.
    let sources: Vec<PathBuf> = ["src", "crates"].iter().map(|d| root.join(d)).collect();
    let args: Vec<&str> = sources.iter().map(|p| path(p)).collect();
    modes_agree(&["off", "on"], &args, &out);
}

#[test]
fn the_report_does_not_depend_on_the_number_of_threads() {
    let root = common::root();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let fixtures = root.join("tests/fixtures");
    let mut each: Vec<PathBuf> = common::fixtures().into_iter().map(|(_, f)| f).collect();
    each.sort();
    let mut cases: Vec<Vec<&str>> = vec![vec![path(&fixtures)]];
    cases.push(each.iter().map(|p| path(p)).collect());
    for case in cases {
        let mut reports = Vec::new();
        for jobs in ["1", "2", "4"] {
            for mode in ["on", "off"] {
                let mut args = case.clone();
                args.extend(["--jobs", jobs, "--prefilter", mode]);
                reports.push(report(&args, &out));
            }
        }
        assert!(reports.iter().all(|r| *r == reports[0]));
    }
}

/// The dataflow runs in independent parts in parallel (`partition`); `--whole-analysis` runs it
/// as one interpreter. The reports must be byte-identical: on every fixture alone, on all
/// fixtures as one crate (many parts, and parts joined by same-named functions), on the demo
/// workspace and on this repository's own sources.
#[test]
fn the_analysis_in_parts_equals_the_whole() {
    let root = common::root();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let agree = |args: &[&str]| {
        let parts = report(args, &out);
        let mut whole_args = args.to_vec();
        whole_args.push("--whole-analysis");
        let whole = report(&whole_args, &out);
        assert_eq!(parts, whole, "the parts differ from the whole for {args:?}");
        let doc: serde_json::Value = serde_json::from_str(&parts).unwrap();
        doc["findings"].as_array().unwrap().len()
    };
    let mut findings = 0;
    for (_, fixture) in common::fixtures() {
        findings += agree(&[path(&fixture)]);
    }
    assert!(findings > 50, "too few findings to compare: {findings}");
    let fixtures = root.join("tests/fixtures");
    assert!(agree(&[path(&fixtures), "--jobs", "2"]) > 50);
    let workspace = root.join("tests/workspace");
    assert_eq!(agree(&[path(&workspace)]), 2);
    let sources: Vec<PathBuf> = ["src", "crates"].iter().map(|d| root.join(d)).collect();
    let mut args: Vec<&str> = sources.iter().map(|p| path(p)).collect();
    args.extend(["--prefilter", "off"]);
    agree(&args);
}
