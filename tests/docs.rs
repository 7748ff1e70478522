//! Every lint doc's examples run: the `## Example` block gives exactly one finding, of its
//! lint; the `Use instead:` block gives none.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

fn block_after(doc: &str, marker: &str) -> String {
    let start = doc.find(marker).unwrap_or_else(|| panic!("no `{marker}`"));
    let rest = &doc[start..];
    let open = rest.find("```rust").expect("a ```rust block") + "```rust".len();
    let body = &rest[open..];
    let close = body.find("```").expect("a closed block");
    body[..close].to_string()
}

fn findings_of(code: &str, name: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}.rs"));
    std::fs::write(&file, code).unwrap();
    // The doc's own lint is enabled (an allow-by-default lint's example must fire).
    let lint = name.trim_end_matches("_bad").trim_end_matches("_good");
    let (lines, errors) = oauth_lint::check_paths_short_enabling(&[file], &[lint]).unwrap();
    assert!(errors.is_empty(), "{name}: {errors:?}");
    lines
}

#[test]
fn doc_examples_behave() {
    for (name, doc) in oauth_lint::docs::LINT_DOCS
        .iter()
        .chain(oauth_lint::docs::META_DOCS)
    {
        let bad = findings_of(&block_after(doc, "## Example"), &format!("{name}_bad"));
        assert_eq!(
            bad.len(),
            1,
            "{name}: the example gives exactly one finding: {bad:?}"
        );
        assert!(
            bad[0].contains(&format!("[{name}]")),
            "{name}: the finding is of this lint: {bad:?}"
        );
        let good = findings_of(&block_after(doc, "Use instead:"), &format!("{name}_good"));
        assert!(
            good.is_empty(),
            "{name}: the fixed example gives no finding: {good:?}"
        );
    }
}
