//! The command-line contract of `cli.md`: commands, formats, levels, exit codes, cargo
//! subcommand invocation, and bad input (a syntax error, a non-UTF-8 file, a missing path).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use common::{oauth_lint, stderr, stdout};
use std::fmt::Write;

use std::process::Command;

fn workspace() -> std::path::PathBuf {
    common::root().join("tests/workspace")
}

#[test]
fn cargo_oauth_lint_on_the_demo_workspace_reports_both_retries() {
    // As cargo runs it: `cargo oauth-lint` -> `cargo-oauth-lint oauth-lint`.
    let o = Command::new(env!("CARGO_BIN_EXE_cargo-oauth-lint"))
        .args(["oauth-lint", "--format", "short", "--color", "never"])
        .current_dir(workspace())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("app/src/login.rs:22:14: deny[code_exchange_in_retry]: authorization code is exchanged inside a retry loop"), "{out}");
    assert!(out.contains("app/src/handlers.rs:15:29: deny[code_exchange_in_retry]: authorization code is exchanged inside a retried operation"), "{out}");
    assert_eq!(
        out.lines().filter(|l| l.contains("deny[")).count(),
        2,
        "{out}"
    );
    assert!(
        !stderr(&o).contains("falling back"),
        "cargo metadata must work here: {}",
        stderr(&o)
    );
}

#[test]
fn json_output_matches_the_schema_field_for_field() {
    let o = oauth_lint(&workspace(), &["check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let keys =
        |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };
    let mut top = keys(&doc);
    top.sort();
    assert_eq!(top, ["errors", "findings", "summary", "tool", "version"]);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "oauth-lint");
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    for f in findings {
        let mut k = keys(f);
        k.sort();
        assert_eq!(
            k,
            [
                "column",
                "end_column",
                "end_line",
                "file",
                "fingerprint",
                "help",
                "labels",
                "level",
                "line",
                "lint",
                "message",
                "note"
            ]
        );
        for l in f["labels"].as_array().unwrap() {
            let mut lk = keys(l);
            lk.sort();
            assert_eq!(lk, ["column", "file", "line", "message"]);
        }
        assert_eq!(f["level"], "deny");
        assert!(f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1);
        assert!(!f["message"].as_str().unwrap().ends_with('.'));
    }
    // Sorted by file, line, column, lint.
    assert_eq!(findings[0]["file"], "app/src/handlers.rs");
    assert_eq!(findings[1]["file"], "app/src/login.rs");
    assert_eq!(findings[1]["line"], 22);
    assert_eq!(findings[1]["column"], 14);
    assert_eq!(findings[1]["end_line"], 23);
    let labels = findings[1]["labels"].as_array().unwrap();
    assert!(
        labels
            .iter()
            .any(|l| l["line"] == 18 && l["message"].as_str().unwrap().contains("loop")),
        "{labels:?}"
    );
    let closure_labels = findings[0]["labels"].as_array().unwrap();
    assert!(
        closure_labels
            .iter()
            .any(|l| l["line"] == 16 && l["message"].as_str().unwrap().contains("retry")),
        "{closure_labels:?}"
    );
    let mut sk = keys(&doc["summary"]);
    sk.sort();
    assert_eq!(
        sk,
        ["baseline", "errors", "files", "findings", "suppressed"]
    );
    assert_eq!(doc["summary"]["findings"], 2);
    assert_eq!(doc["summary"]["files"], 4);
    assert_eq!(doc["summary"]["errors"], 0);
    assert_eq!(doc["errors"], serde_json::json!([]));
}

#[test]
fn human_output_has_labels_note_help_and_summary() {
    let o = oauth_lint(&workspace(), &["--color", "never"]);
    let out = stdout(&o);
    assert!(
        out.contains(
            "error[code_exchange_in_retry]: authorization code is exchanged inside a retry loop"
        ),
        "{out}"
    );
    assert!(
        out.contains("this loop runs the exchange again with the same code"),
        "{out}"
    );
    assert!(out.contains("= note: "), "{out}");
    assert!(out.contains("= help: "), "{out}");
    assert!(
        out.contains("oauth-lint explain code_exchange_in_retry"),
        "{out}"
    );
    assert!(
        out.contains("oauth-lint: 2 findings (2 deny, 0 warn) in 4 files"),
        "{out}"
    );
    assert!(!out.contains('\u{1b}'), "no color when piped");
    let colored = oauth_lint(&workspace(), &["--color", "always"]);
    assert!(stdout(&colored).contains('\u{1b}'), "--color always colors");
    let no_color = Command::new(env!("CARGO_BIN_EXE_oauth-lint"))
        .args(["--color", "auto"])
        .env("NO_COLOR", "1")
        .current_dir(workspace())
        .output()
        .unwrap();
    assert!(!stdout(&no_color).contains('\u{1b}'));
}

#[test]
fn levels_from_the_command_line() {
    let allowed = oauth_lint(
        &workspace(),
        &["-A", "code_exchange_in_retry", "--format", "short"],
    );
    assert_eq!(allowed.status.code(), Some(0));
    assert!(stdout(&allowed).contains("0 findings"));
    let warned = oauth_lint(
        &workspace(),
        &["-W", "code-exchange-in-retry", "--format", "short"],
    );
    assert_eq!(
        warned.status.code(),
        Some(0),
        "warnings do not fail the run"
    );
    assert!(stdout(&warned).contains("warn[code_exchange_in_retry]"));
    let denied = oauth_lint(
        &workspace(),
        &[
            "-W",
            "code_exchange_in_retry",
            "-D",
            "warnings",
            "--format",
            "short",
        ],
    );
    assert_eq!(
        denied.status.code(),
        Some(1),
        "-D warnings makes warnings fail"
    );
    // Later flags win.
    let order = oauth_lint(
        &workspace(),
        &[
            "-A",
            "code_exchange_in_retry",
            "-D",
            "code_exchange_in_retry",
            "--format",
            "short",
        ],
    );
    assert_eq!(order.status.code(), Some(1));
    let unknown = oauth_lint(&workspace(), &["-A", "code_exchange_in_retyr"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("did you mean `code_exchange_in_retry`"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn explain_and_lints_commands() {
    let root = common::root();
    for args in [
        &["explain", "code_exchange_in_retry"][..],
        &["--explain", "code-exchange-in-retry"],
        &["check", "--explain", "code_exchange_in_retry"],
    ] {
        let o = oauth_lint(&root, args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(
            stdout(&o).starts_with("# code_exchange_in_retry\n"),
            "{args:?}"
        );
    }
    let bad = oauth_lint(&root, &["explain", "repeated_code_exchang"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("did you mean `repeated_code_exchange`"));
    let list = oauth_lint(&root, &["lints"]);
    assert_eq!(list.status.code(), Some(0));
    for l in oauth_lint_lints::LINTS {
        assert!(stdout(&list).contains(l.name));
    }
    let json = oauth_lint(
        &root,
        &["lints", "--format", "json", "-A", "repeated_code_exchange"],
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let rce = v
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "repeated_code_exchange")
        .unwrap();
    assert_eq!(rce["default_level"], "deny");
    assert_eq!(rce["level"], "allow");
}

#[test]
fn help_version_and_usage_errors() {
    let root = common::root();
    assert_eq!(oauth_lint(&root, &["--help"]).status.code(), Some(0));
    assert_eq!(oauth_lint(&root, &["--version"]).status.code(), Some(0));
    let help = Command::new(env!("CARGO_BIN_EXE_cargo-oauth-lint"))
        .args(["oauth-lint", "--help"])
        .output()
        .unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("Usage: oauth-lint"));
    let bad = oauth_lint(&root, &["check", "--format", "xml"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad_flag = oauth_lint(&root, &["--no-such-flag"]);
    assert_eq!(bad_flag.status.code(), Some(2));
}

fn bad_inputs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("broken.rs"), "fn main() {\n    let x = ;\n}\n").unwrap();
    std::fs::write(p.join("latin1.rs"), b"// caf\xe9\nfn main() {}\n").unwrap();
    std::fs::write(p.join("empty.rs"), "").unwrap();
    std::fs::write(
        p.join("retry.rs"),
        "async fn f(client: C, http: H, code: String) {\n    for _ in 0..3 {\n        let _ = client.exchange_code(AuthorizationCode::new(code.clone())).request_async(&http).await;\n    }\n}\n",
    )
    .unwrap();
    dir
}

#[test]
fn bad_files_are_reported_and_the_run_goes_on() {
    let dir = bad_inputs();
    let o = oauth_lint(
        dir.path(),
        &["check", ".", "does-not-exist", "--format", "json"],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "the finding in retry.rs still fails the run"
    );
    let err = stderr(&o);
    assert!(
        err.contains("error: broken.rs: could not parse: 2:13:"),
        "{err}"
    );
    assert!(
        err.contains("error: latin1.rs: could not read: not valid UTF-8"),
        "{err}"
    );
    assert!(
        err.contains("error: does-not-exist: no such file or directory"),
        "{err}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let files: Vec<&str> = doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["broken.rs", "does-not-exist", "latin1.rs"]);
    assert_eq!(doc["summary"]["errors"], 3);
    assert_eq!(doc["findings"][0]["file"], "retry.rs");
    assert_eq!(doc["findings"][0]["lint"], "code_exchange_in_retry");
    // Errors alone do not fail the run; `--strict` makes them.
    let only_errors = oauth_lint(dir.path(), &["check", "broken.rs", "latin1.rs", "empty.rs"]);
    assert_eq!(only_errors.status.code(), Some(0));
    let strict = oauth_lint(dir.path(), &["check", "broken.rs", "--strict"]);
    assert_eq!(strict.status.code(), Some(2));
}

#[test]
fn files_that_cannot_matter_are_not_parsed_unless_strict() {
    // A syntax error in a file without any OAuth in it: with the prefilter on (as it is for
    // large workspaces), it is not parsed, so it is not reported; `--strict` parses every file.
    let dir = tempfile::tempdir().unwrap();
    let mut unrelated = String::from("fn broken() {\n    let x = ;\n}\n");
    for i in 0..200 {
        let _ = writeln!(unrelated, "pub fn f{i}(v: u32) -> u32 {{ v + {i} }}");
    }
    std::fs::write(dir.path().join("unrelated.rs"), unrelated).unwrap();
    std::fs::write(
        dir.path().join("retry.rs"),
        "async fn f(client: C, http: H, code: String) {\n    for _ in 0..3 {\n        let _ = client.exchange_code(AuthorizationCode::new(code.clone())).request_async(&http).await;\n    }\n}\n",
    )
    .unwrap();
    let o = oauth_lint(
        dir.path(),
        &["check", ".", "--format", "json", "--prefilter", "on"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["errors"], serde_json::json!([]));
    assert_eq!(doc["summary"]["files"], 2);
    assert_eq!(doc["findings"][0]["file"], "retry.rs");
    let strict = oauth_lint(
        dir.path(),
        &[
            "check",
            ".",
            "--format",
            "json",
            "--prefilter",
            "on",
            "--strict",
        ],
    );
    assert_eq!(strict.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&strict.stdout).unwrap();
    assert_eq!(doc["errors"][0]["file"], "unrelated.rs");
    assert_eq!(doc["findings"][0]["file"], "retry.rs");
}

#[test]
fn cfg_attr_path_alternatives_are_all_read() {
    let ws = tempfile::tempdir().unwrap();
    let p = ws.path();
    std::fs::create_dir_all(p.join("src/sys")).unwrap();
    std::fs::write(
        p.join("Cargo.toml"),
        "[package]\nname = \"plat\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        p.join("src/main.rs"),
        "#[cfg_attr(unix, path = \"sys/unix.rs\")]\n#[cfg_attr(windows, path = \"sys/windows.rs\")]\nmod sys;\nfn main() {}\n",
    )
    .unwrap();
    let retry = "pub async fn f(client: C, http: H, code: String) {\n    for _ in 0..3 {\n        let _ = client.exchange_code(AuthorizationCode::new(code.clone())).request_async(&http).await;\n    }\n}\n";
    std::fs::write(p.join("src/sys/unix.rs"), retry).unwrap();
    std::fs::write(p.join("src/sys/windows.rs"), retry).unwrap();
    let o = oauth_lint(p, &["--format", "short"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("src/sys/unix.rs:3:"), "{out}");
    assert!(out.contains("src/sys/windows.rs:3:"), "{out}");
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
}

fn two_package_workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    let p = ws.path();
    std::fs::write(
        p.join("Cargo.toml"),
        "[workspace]\nmembers = [\"alpha\", \"beta\"]\nresolver = \"2\"\n",
    )
    .unwrap();
    for (name, body) in [
        (
            "alpha",
            "fn main() { let c = std::env::var(\"AUTH_CODE\").unwrap(); let _ = CLIENT.exchange_code(AuthorizationCode::new(c)).request(&HTTP); }\n",
        ),
        ("beta", "fn main() {}\n"),
    ] {
        std::fs::create_dir_all(p.join(name).join("src")).unwrap();
        std::fs::write(
            p.join(name).join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        )
        .unwrap();
        std::fs::write(p.join(name).join("src/main.rs"), body).unwrap();
    }
    ws
}

#[test]
fn cargo_style_package_selection() {
    let ws = two_package_workspace();
    let p = ws.path();
    let all = oauth_lint(p, &["--format", "short"]);
    assert_eq!(all.status.code(), Some(1));
    assert!(
        stdout(&all).contains("alpha/src/main.rs:1:"),
        "{}",
        stdout(&all)
    );
    assert!(stdout(&all).contains("in 2 files"));
    let beta = oauth_lint(p, &["-p", "beta", "--format", "short"]);
    assert_eq!(beta.status.code(), Some(0));
    assert!(stdout(&beta).contains("in 1 file"));
    let excluded = oauth_lint(
        p,
        &["--workspace", "--exclude", "alpha", "--format", "short"],
    );
    assert_eq!(excluded.status.code(), Some(0));
    assert!(stdout(&excluded).contains("in 1 file"));
    // Inside a member, that package only; --manifest-path points anywhere.
    let inside = oauth_lint(&p.join("beta"), &["--format", "short"]);
    assert!(stdout(&inside).contains("in 1 file"), "{}", stdout(&inside));
    let manifest = p.join("alpha/Cargo.toml");
    let by_manifest = oauth_lint(
        &common::root(),
        &[
            "--manifest-path",
            manifest.to_str().unwrap(),
            "--format",
            "short",
        ],
    );
    assert_eq!(by_manifest.status.code(), Some(1));
    let unknown = oauth_lint(p, &["-p", "gamma", "--format", "json"]);
    assert!(
        stderr(&unknown).contains("package `gamma` is not in this workspace"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn dogfood_the_own_workspace_is_clean() {
    let o = oauth_lint(&common::root(), &["--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["findings"], serde_json::json!([]), "{}", stdout(&o));
    assert_eq!(doc["errors"], serde_json::json!([]), "{}", stderr(&o));
    assert!(doc["summary"]["files"].as_u64().unwrap() >= 20);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn github_annotations_and_output_file() {
    let o = oauth_lint(&workspace(), &["--format", "github"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[1].starts_with("::error file=app/src/login.rs,line=22,col=14,endLine=23,endColumn=38,title=oauth-lint (code_exchange_in_retry)::authorization code is exchanged inside a retry loop%0A"),
        "{out}"
    );
    assert!(!lines[1].contains('\n'));
    // Warn-level findings become warnings.
    let warned = oauth_lint(
        &workspace(),
        &["--format", "github", "-W", "code_exchange_in_retry"],
    );
    assert!(
        stdout(&warned).starts_with("::warning file="),
        "{}",
        stdout(&warned)
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.json");
    let written = oauth_lint(
        &workspace(),
        &["--format", "json", "--output", file.to_str().unwrap()],
    );
    assert_eq!(written.status.code(), Some(1));
    assert!(written.stdout.is_empty(), "nothing on stdout with --output");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["summary"]["findings"], 2);
    let human = dir.path().join("report.txt");
    oauth_lint(
        &workspace(),
        &["--color", "always", "-o", human.to_str().unwrap()],
    );
    let text = std::fs::read_to_string(&human).unwrap();
    assert!(
        text.contains("error[code_exchange_in_retry]") && !text.contains('\u{1b}'),
        "no colors in a file"
    );
    let bad = oauth_lint(&workspace(), &["--output", "/nonexistent-dir/x.json"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("could not write the report: `/nonexistent-dir/x.json`"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn the_progress_line_is_erased_and_absent_when_piped() {
    let run = |progress: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oauth-lint"));
        cmd.args(["--format", "short"]).current_dir(workspace());
        match progress {
            Some(p) => cmd.env("OAUTH_LINT_PROGRESS", p),
            None => cmd.env_remove("OAUTH_LINT_PROGRESS"),
        };
        cmd.output().unwrap()
    };
    // Piped stderr: no progress line, whatever the run's length.
    let piped = run(None);
    assert!(!stderr(&piped).contains('\r'), "{:?}", stderr(&piped));
    // Forced on: a line that is rewritten in place and erased before the end; the report on
    // stdout is unchanged.
    let forced = run(Some("always"));
    let err = stderr(&forced);
    assert!(
        err.starts_with("\r\x1b[2Koauth-lint: ") && err.contains(" read, "),
        "{err:?}"
    );
    assert!(err.ends_with("\r\x1b[2K"), "erased at the end: {err:?}");
    assert_eq!(stdout(&forced), stdout(&piped));
    assert_eq!(forced.status.code(), piped.status.code());
}
