//! What a team needs to adopt the gate, run as a user would on a copy of the demo workspace:
//! configuration (`oauth-lint.toml`, Cargo metadata, `--config`), its errors, user API models,
//! suppressions, and baselines.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use common::{oauth_lint, stderr as err, stdout as out};

use std::path::{Path, PathBuf};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// A fresh copy of the demo workspace (two `code_exchange_in_retry` findings).
fn demo() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    copy_dir(&common::root().join("tests/workspace"), &dir);
    (tmp, dir)
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn edit(dir: &Path, rel: &str, f: impl FnOnce(String) -> String) {
    let p = dir.join(rel);
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(p, f(text)).unwrap();
}

fn short(dir: &Path, extra: &[&str]) -> (Option<i32>, Vec<String>, String) {
    let mut args = vec!["--format", "short", "--quiet"];
    args.extend_from_slice(extra);
    let o = oauth_lint(dir, &args);
    let lines = out(&o).lines().map(str::to_string).collect();
    (o.status.code(), lines, err(&o))
}

fn json_report(dir: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let o = oauth_lint(dir, &args);
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", err(&o)));
    (o.status.code(), v)
}

const RETRY_LOGIN: &str = "app/src/login.rs:22:14: deny[code_exchange_in_retry]";
const RETRY_LINK: &str = "app/src/handlers.rs:15:29: deny[code_exchange_in_retry]";

/// A third finding of another (deny) lint: the code read from an environment variable.
const PERSISTENT: &str = r#"
pub async fn from_env(app: &crate::auth::AppState) -> Result<String, String> {
    let code = std::env::var("OAUTH_CODE").map_err(|e| e.to_string())?;
    crate::auth::redeem(app, &code).await
}
"#;

#[test]
fn the_demo_has_two_findings_without_configuration() {
    let (_t, dir) = demo();
    let (code, lines, _) = short(&dir, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with(RETRY_LINK), "{lines:?}");
    assert!(lines[1].starts_with(RETRY_LOGIN), "{lines:?}");
}

#[test]
fn config_levels_then_flags() {
    let (_t, dir) = demo();
    write(
        &dir,
        "oauth-lint.toml",
        "[lints]\ncode_exchange_in_retry = \"warn\"\n",
    );
    let (code, lines, _) = short(&dir, &[]);
    assert_eq!(code, Some(0), "warnings do not fail the run: {lines:?}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains("warn[code_exchange_in_retry]"))
    );
    assert_eq!(lines.len(), 2);
    // The command line wins over the configuration.
    let (code, lines, _) = short(&dir, &["-D", "code_exchange_in_retry"]);
    assert_eq!(code, Some(1), "{lines:?}");
    let (code, _, _) = short(&dir, &["-D", "warnings"]);
    assert_eq!(code, Some(1));
    // `lints` shows the effective level from the configuration.
    let o = oauth_lint(&dir, &["lints"]);
    let row = out(&o)
        .lines()
        .find(|l| l.starts_with("code_exchange_in_retry "))
        .unwrap()
        .to_string();
    assert!(
        row.split_whitespace().take(3).collect::<Vec<_>>()
            == ["code_exchange_in_retry", "deny", "warn"],
        "{row}"
    );
}

#[test]
fn config_in_cargo_metadata_and_the_precedence_of_the_three_places() {
    let (_t, dir) = demo();
    edit(&dir, "Cargo.toml", |t| {
        t + "\n[workspace.metadata.oauth-lint.lints]\ncode_exchange_in_retry = \"allow\"\n"
    });
    let (code, lines, _) = short(&dir, &[]);
    assert_eq!((code, lines.len()), (Some(0), 0), "{lines:?}");
    // oauth-lint.toml at the root wins over the metadata table.
    write(
        &dir,
        "oauth-lint.toml",
        "[lints]\ncode_exchange_in_retry = \"warn\"\n",
    );
    let (_, lines, _) = short(&dir, &[]);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("warn["), "{lines:?}");
    // --config wins over both.
    write(
        &dir,
        "strict.toml",
        "[lints]\ncode_exchange_in_retry = \"deny\"\n",
    );
    let (code, lines, _) = short(&dir, &["--config", "strict.toml"]);
    assert_eq!(code, Some(1));
    assert!(lines[0].contains("deny["), "{lines:?}");
    // A member directory finds the configuration at the workspace root.
    let (_, lines, _) = short(&dir.join("app"), &[]);
    assert!(
        lines.iter().all(|l| l.contains("warn[")) && lines.len() == 2,
        "{lines:?}"
    );
    // [package.metadata.oauth-lint] of a lone package.
    let tmp = tempfile::tempdir().unwrap();
    let pkg = tmp.path().join("pkg");
    copy_dir(&dir.join("app"), &pkg);
    edit(&pkg, "Cargo.toml", |t| {
        t + "\n[package.metadata.oauth-lint]\nexclude = [\"src/login.rs\"]\n"
    });
    let (_, lines, _) = short(&pkg, &[]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with("src/handlers.rs:15:29"), "{lines:?}");
}

#[test]
fn config_mistakes_exit_2_with_file_line_and_a_suggestion() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "[lints]\ncode_exchange_in_rety = \"warn\"\n",
            "oauth-lint.toml:2:1: unknown lint `code_exchange_in_rety`",
            "did you mean `code_exchange_in_retry`?",
        ),
        (
            "exclde = [\"gen/**\"]\n",
            "oauth-lint.toml:1:1: unknown field `exclde`",
            "did you mean `exclude`?",
        ),
        (
            "\n[lints]\nrepeated_code_exchange = \"wran\"\n",
            "oauth-lint.toml:3:26: unknown level `wran`",
            "did you mean \"warn\"?",
        ),
        (
            "[[per-path]]\npaths = [\"tests/**\"]\nallow = [\"persistent_authorisation_code\"]\n",
            "oauth-lint.toml:3:10: unknown lint `persistent_authorisation_code`",
            "did you mean `persistent_authorization_code`?",
        ),
        (
            "[[models.exchange]]\nfunctons = [\"my::redeem\"]\ncode_arg = 0\n",
            "oauth-lint.toml:2:1: unknown field `functons`",
            "did you mean `functions`?",
        ),
        (
            "exclude = [\"src/[\"]\n",
            "oauth-lint.toml:1:12: bad glob `src/[`",
            "",
        ),
        ("[lints\n", "oauth-lint.toml:1:7:", "invalid table header"),
    ];
    for (toml, message, hint) in cases {
        let (_t, dir) = demo();
        write(&dir, "oauth-lint.toml", toml);
        let o = oauth_lint(&dir, &["--format", "short"]);
        let e = err(&o);
        assert_eq!(o.status.code(), Some(2), "{toml}: {e}");
        assert!(e.contains(message), "{toml}: expected `{message}` in: {e}");
        assert!(e.contains(hint), "{toml}: expected `{hint}` in: {e}");
        assert!(out(&o).is_empty(), "no report on a bad configuration");
    }
    // In Cargo metadata, the line is Cargo.toml's.
    let (_t, dir) = demo();
    edit(&dir, "Cargo.toml", |t| {
        t + "\n[workspace.metadata.oauth-lint]\nexlude = []\n"
    });
    let line = std::fs::read_to_string(dir.join("Cargo.toml"))
        .unwrap()
        .lines()
        .position(|l| l.starts_with("exlude"))
        .unwrap()
        + 1;
    let o = oauth_lint(&dir, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains(&format!("Cargo.toml:{line}:1: unknown field `exlude`")),
        "{}",
        err(&o)
    );
    assert!(err(&o).contains("did you mean `exclude`?"), "{}", err(&o));
    // A missing --config file.
    let o = oauth_lint(&dir, &["--config", "nope.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("could not read `nope.toml`"),
        "{}",
        err(&o)
    );
}

#[test]
fn exclude_and_per_path_allows() {
    let (_t, dir) = demo();
    write(
        &dir,
        "oauth-lint.toml",
        "exclude = [\"app/src/login.rs\"]\n",
    );
    let (_, json) = json_report(&dir, &[]);
    let files: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["app/src/handlers.rs"]);
    assert_eq!(
        json["summary"]["files"], 3,
        "the excluded file is never read"
    );
    // A pattern without `/` matches at any depth; a directory excludes what is under it.
    write(
        &dir,
        "oauth-lint.toml",
        "exclude = [\"login.rs\", \"nothing\"]\n",
    );
    let (_, lines, _) = short(&dir, &[]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    write(&dir, "oauth-lint.toml", "exclude = [\"app/src\"]\n");
    let (_, json) = json_report(&dir, &[]);
    assert_eq!(json["summary"]["files"], 0);
    // per-path: the lint is allowed in the matching files only.
    write(
        &dir,
        "oauth-lint.toml",
        "[[per-path]]\npaths = [\"app/src/handl*.rs\"]\nallow = [\"code_exchange_in_retry\"]\n",
    );
    let (_, lines, _) = short(&dir, &[]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(RETRY_LOGIN), "{lines:?}");
}

#[test]
fn user_models_teach_an_in_house_exchange_wrapper() {
    let (_t, dir) = demo();
    write(
        &dir,
        "app/src/sso.rs",
        r#"
pub async fn sso_callback(code: String) -> Result<String, String> {
    for _attempt in 0..3 {
        if let Ok(token) = corp_sso::redeem_code(&code).await {
            return Ok(token);
        }
    }
    Err(String::from("gave up"))
}
"#,
    );
    edit(&dir, "app/src/main.rs", |t| t + "\nmod sso;\n");
    let (_, lines, _) = short(&dir, &[]);
    assert_eq!(lines.len(), 2, "unknown to the built-in models: {lines:?}");
    write(
        &dir,
        "oauth-lint.toml",
        "[[models.exchange]]\nfunctions = [\"corp_sso::redeem_code\"]\ncode_arg = 0\n",
    );
    let (_, lines, _) = short(&dir, &[]);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("app/src/sso.rs:4:28: deny[code_exchange_in_retry]")),
        "{lines:?}"
    );
}

#[test]
fn suppression_comments_and_attributes() {
    let (_t, dir) = demo();
    // Alone on the line before the statement that holds the exchange.
    edit(&dir, "app/src/login.rs", |t| {
        t.replacen(
            "        let result = app",
            "        // oauth-lint: allow(code_exchange_in_retry) -- idempotent test provider\n        let result = app",
            1,
        )
    });
    // On the line of the finding.
    edit(&dir, "app/src/handlers.rs", |t| {
        t.replacen(
            "auth::redeem(&app, &req.code).await })",
            "auth::redeem(&app, &req.code).await }) // oauth-lint: allow(code-exchange-in-retry) -- the link provider issues reusable codes",
            1,
        )
    });
    let (code, json) = json_report(&dir, &[]);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["findings"], serde_json::json!([]));
    assert_eq!(json["summary"]["suppressed"], 2);

    // Without a reason a suppression suppresses nothing and is reported.
    let (_t, dir) = demo();
    edit(&dir, "app/src/handlers.rs", |t| {
        t.replacen(
            "auth::redeem(&app, &req.code).await })",
            "auth::redeem(&app, &req.code).await }) // oauth-lint: allow(code_exchange_in_retry)",
            1,
        )
    });
    let (code, lines, _) = short(&dir, &[]);
    assert_eq!(code, Some(1));
    assert!(lines.iter().any(|l| l.starts_with(RETRY_LINK)), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains(
            "warn[invalid_suppression]: suppression without a reason suppresses nothing"
        )),
        "{lines:?}"
    );

    // allow-file, a stale suppression, an unknown lint, a malformed comment.
    let (_t, dir) = demo();
    edit(&dir, "app/src/login.rs", |t| {
        format!(
            "// oauth-lint: allow-file(code_exchange_in_retry) -- demo code\n\
             // oauth-lint: allow(repeated_code_exchange) -- nothing to hide here\n\
             // oauth-lint: allow(code_exchange_in_rety) -- typo\n\
             // oauth-lint: allw(code_exchange_in_retry) -- typo\n{t}"
        )
    });
    let (_, lines, _) = short(&dir, &[]);
    let expected = [
        "app/src/handlers.rs:15:29: deny[code_exchange_in_retry]",
        "app/src/login.rs:2:1: warn[unused_suppression]: `repeated_code_exchange` is allowed here but not reported",
        "app/src/login.rs:3:1: warn[invalid_suppression]: unknown lint `code_exchange_in_rety`; did you mean `code_exchange_in_retry`?",
        "app/src/login.rs:4:1: warn[invalid_suppression]: cannot read this suppression",
    ];
    assert_eq!(lines.len(), expected.len(), "{lines:?}");
    for (line, want) in lines.iter().zip(expected) {
        assert!(line.starts_with(want), "{line} / {want}");
    }
    // The suppression lints have levels like any other.
    let (_, lines, _) = short(
        &dir,
        &["-A", "unused_suppression", "-A", "invalid-suppression"],
    );
    assert_eq!(lines.len(), 1, "{lines:?}");

    // #[cfg_attr(oauth_lint, allow(oauth_lint::..))] on the handler covers its body only.
    let (_t, dir) = demo();
    edit(&dir, "app/src/handlers.rs", |t| {
        t.replacen(
            "pub async fn link_callback(",
            "#[cfg_attr(oauth_lint, allow(oauth_lint::code_exchange_in_retry, reason = \"reusable link codes\"))]\npub async fn link_callback(",
            1,
        )
    });
    let (_, lines, _) = short(&dir, &[]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].starts_with(RETRY_LOGIN), "{lines:?}");
    // ... and without a reason it is reported and suppresses nothing.
    edit(&dir, "app/src/handlers.rs", |t| {
        t.replacen(", reason = \"reusable link codes\"", "", 1)
    });
    let (_, lines, _) = short(&dir, &[]);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("warn[invalid_suppression]")),
        "{lines:?}"
    );
}

#[test]
fn a_baseline_hides_old_findings_and_reports_only_new_ones() {
    let (_t, dir) = demo();
    write(
        &dir,
        "oauth-lint.toml",
        "[lints]\ncode_exchange_in_retry = \"warn\"\n",
    );
    let o = oauth_lint(&dir, &["--write-baseline", "oauth-lint-baseline.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("wrote 2 findings"), "{}", err(&o));
    let (code, json) = json_report(&dir, &["--baseline", "oauth-lint-baseline.json"]);
    assert_eq!(code, Some(0));
    assert_eq!(json["findings"], serde_json::json!([]));
    assert_eq!(json["summary"]["baseline"], 2);

    // Edits above the old findings shift their lines: they stay hidden.
    for file in ["app/src/login.rs", "app/src/handlers.rs"] {
        edit(&dir, file, |t| {
            format!("// A new header comment.\n\nuse std::fmt::Write as _;\n\n{t}")
        });
    }
    // A third finding, of a deny lint, in a new function.
    edit(&dir, "app/src/handlers.rs", |t| t + PERSISTENT);
    let (code, lines, e) = short(&dir, &["--baseline", "oauth-lint-baseline.json"]);
    assert_eq!(code, Some(1), "{lines:?} {e}");
    assert_eq!(lines.len(), 1, "only the new finding: {lines:?}");
    assert!(
        lines[0].contains("deny[persistent_authorization_code]"),
        "{lines:?}"
    );
    assert!(!e.contains("no longer occur"), "{e}");
    let o = oauth_lint(&dir, &["--baseline", "oauth-lint-baseline.json"]);
    assert!(
        out(&o).contains("2 in the baseline"),
        "the summary counts them: {}",
        out(&o)
    );

    // A baseline entry whose finding is gone is reported.
    edit(&dir, "app/src/login.rs", |t| t.replacen("loop {", "{", 1));
    let e = err(&oauth_lint(
        &dir,
        &["--baseline", "oauth-lint-baseline.json"],
    ));
    assert!(
        e.contains("warning: 1 baseline entry no longer occurs"),
        "{e}"
    );

    // A bad baseline is a usage error.
    let o = oauth_lint(&dir, &["--baseline", "missing.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("could not read the baseline `missing.json`"));
    write(&dir, "bad.json", "{\"findings\": 3}");
    let o = oauth_lint(&dir, &["--baseline", "bad.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err(&o).contains("is not an oauth-lint baseline"),
        "{}",
        err(&o)
    );
}

#[test]
fn a_baseline_written_in_one_directory_matches_from_another() {
    let (_t, dir) = demo();
    let o = oauth_lint(&dir.join("app"), &["--write-baseline", "../b.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let (code, json) = json_report(&dir, &["--baseline", "b.json"]);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["summary"]["baseline"], 2);
}

#[test]
fn the_readme_configuration_example_is_valid() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let at = readme.find("## Configuration").unwrap();
    let block = &readme[at..];
    let start = block.find("```toml\n").unwrap() + "```toml\n".len();
    let toml = &block[start..start + block[start..].find("```").unwrap()];
    let (_t, dir) = demo();
    write(&dir, "oauth-lint.toml", toml);
    let (code, lines, e) = short(&dir, &[]);
    assert_eq!(code, Some(0), "{e}");
    assert_eq!(lines.len(), 2, "both retries, at warn: {lines:?}");
}
