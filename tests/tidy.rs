//! Tidy: the registry, the lint docs, the lint modules and the fixture folders agree, every
//! doc has the house sections, and every lint has enough fixtures.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::collections::BTreeSet;

const SECTIONS: &[&str] = &[
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "Use instead:",
    "## Known limitations",
    "## References",
];

fn names_in(dir: &str, ext: &str) -> BTreeSet<String> {
    std::fs::read_dir(common::root().join(dir))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(ext).map(str::to_string)
        })
        .collect()
}

#[test]
fn registry_docs_modules_and_fixtures_agree() {
    let registry: BTreeSet<String> = oauth_lint_lints::LINTS
        .iter()
        .map(|l| l.name.to_string())
        .collect();
    let mut docs = names_in("lints", ".md");
    // The suppression lints read no facts: docs, but no module and no fixtures.
    for meta in oauth_lint_lints::META_LINTS {
        assert!(docs.remove(meta.name), "lints/{}.md", meta.name);
        assert!(
            oauth_lint::docs::META_DOCS
                .iter()
                .any(|(n, _)| *n == meta.name),
            "META_DOCS has {}",
            meta.name
        );
    }
    let embedded: BTreeSet<String> = oauth_lint::docs::LINT_DOCS
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    let mut modules = names_in("crates/oauth-lint-lints/src", ".rs");
    modules.remove("lib");
    let fixtures: BTreeSet<String> = std::fs::read_dir(common::root().join("tests/fixtures"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(registry, docs, "lints/*.md");
    assert_eq!(registry, embedded, "src/docs.rs LINT_DOCS");
    assert_eq!(registry, modules, "crates/oauth-lint-lints/src/<lint>.rs");
    assert_eq!(registry, fixtures, "tests/fixtures/<lint>/");
}

#[test]
fn every_api_model_is_embedded_and_loads() {
    let files = names_in("lints/apis", ".toml");
    let embedded: BTreeSet<String> = oauth_lint::docs::API_MODELS
        .iter()
        .map(|(n, _)| n.trim_end_matches(".toml").to_string())
        .collect();
    assert_eq!(
        files, embedded,
        "lints/apis/*.toml vs src/docs.rs API_MODELS"
    );
    oauth_lint::builtin_models().unwrap();
}

#[test]
fn docs_have_the_house_sections_in_order() {
    for (name, doc) in oauth_lint::docs::LINT_DOCS
        .iter()
        .chain(oauth_lint::docs::META_DOCS)
    {
        assert!(
            doc.starts_with(&format!("# {name}\n")),
            "{name}: starts with `# {name}`"
        );
        let mut at = 0;
        for s in SECTIONS {
            let Some(pos) = doc[at..].find(s) else {
                panic!("{name}: missing or misplaced section `{s}`");
            };
            at += pos + s.len();
        }
        let level = oauth_lint_lints::lint(name).unwrap().default_level.as_str();
        assert!(
            doc.contains(&format!("**Default level:** {level}")),
            "{name}: default level"
        );
    }
}

#[test]
fn every_lint_has_enough_fixtures() {
    for lint in oauth_lint_lints::LINTS {
        let all: Vec<_> = common::fixtures()
            .into_iter()
            .filter(|(l, _)| l == lint.name)
            .collect();
        let count = |prefix: &str| {
            all.iter()
                .filter(|(_, p)| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
                .count()
        };
        let crate_shaped = all.iter().filter(|(_, p)| p.is_dir()).count();
        assert!(
            count("fail_") >= 10,
            "{}: at least 10 fail_ fixtures",
            lint.name
        );
        assert!(
            count("pass_") >= 8,
            "{}: at least 8 pass_ fixtures",
            lint.name
        );
        assert!(
            crate_shaped >= 4,
            "{}: at least 4 crate-shaped fixtures",
            lint.name
        );
    }
}

#[test]
fn messages_are_lowercase_without_final_period() {
    for lint in oauth_lint_lints::all() {
        let s = lint.summary;
        assert!(
            s.chars().next().is_some_and(char::is_lowercase),
            "{}: summary",
            lint.name
        );
        assert!(
            !s.ends_with('.'),
            "{}: summary ends with a period",
            lint.name
        );
    }
}
