//! The fixture harness: every fixture under `tests/fixtures/<lint>/` is analysed, and its
//! findings must match its `//~` annotations exactly, for every lint (a missing and an
//! unexpected finding both fail). `fail_*` fixtures must expect at least one finding, `pass_*`
//! none, and `fixme_*` ones (known misses, asserting today's behaviour) must say FIXME.
//! The rendered human output of every fixture with findings is pinned by snapshot.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::fmt::Write;

#[test]
fn fixtures_match_their_annotations() {
    // Run from the repository root so that reported paths are repository-relative.
    let root = common::root();
    std::env::set_current_dir(&root).unwrap();
    let fixtures = common::fixtures();
    assert!(
        !fixtures.is_empty(),
        "no fixtures found under tests/fixtures"
    );
    let mut failures = String::new();
    for (lint, fixture) in &fixtures {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        let expected = common::expectations(fixture);
        // A fixture runs with its own lint enabled (allow-by-default lints have fixtures too).
        let (lines, errors) =
            oauth_lint::check_paths_short_enabling(std::slice::from_ref(fixture), &[lint.as_str()])
                .unwrap();
        let actual = common::parse_short(&lines);
        let rel = common::relative(fixture);
        for e in &errors {
            let _ = writeln!(failures, "{rel}: could not be analysed: {e}");
        }
        if name.starts_with("fail_") && expected.is_empty() {
            let _ = writeln!(failures, "{rel}: a fail_ fixture expects no finding");
        }
        if name.starts_with("pass_") && !expected.is_empty() {
            let _ = writeln!(failures, "{rel}: a pass_ fixture expects a finding");
        }
        if name.starts_with("fixme_") {
            let text: String = common::rust_files(fixture)
                .iter()
                .map(|f| std::fs::read_to_string(f).unwrap_or_default())
                .collect();
            if !text.contains("FIXME") {
                let _ = writeln!(
                    failures,
                    "{rel}: a fixme_ fixture must say FIXME and what is missed"
                );
            }
        }
        if !(name.starts_with("fail_") || name.starts_with("pass_") || name.starts_with("fixme_")) {
            let _ = writeln!(
                failures,
                "{rel}: fixture names start with fail_, pass_ or fixme_ ({lint})"
            );
        }
        let keys: std::collections::BTreeSet<_> = expected.keys().chain(actual.keys()).collect();
        for key in keys {
            let want = expected.get(key).cloned().unwrap_or_default();
            let got = actual.get(key).cloned().unwrap_or_default();
            if want != got {
                let _ = writeln!(
                    failures,
                    "{}:{}: expected {want:?}, found {got:?}",
                    key.0, key.1
                );
            }
        }
    }
    assert!(failures.is_empty(), "fixture mismatches:\n{failures}");
}

#[test]
fn human_output_snapshots() {
    let root = common::root();
    std::env::set_current_dir(&root).unwrap();
    for (lint, fixture) in common::fixtures() {
        if common::expectations(&fixture).is_empty() {
            continue;
        }
        let name = fixture.file_stem().unwrap().to_string_lossy().into_owned();
        let text = oauth_lint::check_paths_human_enabling(
            std::slice::from_ref(&fixture),
            &[lint.as_str()],
        )
        .unwrap();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(root.join("tests/snapshots").join(&lint));
        settings.set_prepend_module_to_snapshot(false);
        settings.bind(|| insta::assert_snapshot!(name, text));
    }
}
