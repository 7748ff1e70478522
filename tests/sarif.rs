//! `--format sarif`: the log validates against the official SARIF 2.1.0 schema (and the
//! validator is shown to reject broken logs), agrees with `--format json` finding for finding,
//! lists every lint as a rule with its doc, uses repository-relative, percent-encoded URIs,
//! keeps fingerprints across inserted lines, and leaves exit codes and `--output` as they are.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use common::oauth_lint;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use oauth_lint_lints::Level;
use serde_json::Value;

/// Runs with `--format sarif` and parses stdout.
fn sarif(dir: &Path, args: &[&str]) -> (Value, Output) {
    let mut all = vec!["check", "--format", "sarif"];
    all.extend_from_slice(args);
    let o = oauth_lint(dir, &all);
    let doc = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (doc, o)
}

const VALIDATE: &str = r#"
import json, sys, jsonschema
doc = json.load(open(sys.argv[1], encoding="utf-8"))
schema = json.load(open(sys.argv[2], encoding="utf-8"))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
print("validator:", cls.__name__)
errors = sorted(cls(schema, format_checker=cls.FORMAT_CHECKER).iter_errors(doc),
                key=lambda e: [str(p) for p in e.absolute_path])
for e in errors:
    print("/".join(str(p) for p in e.absolute_path) or "<root>", ":", e.message)
sys.exit(1 if errors else 0)
"#;

/// Validates a log against the official schema with python's jsonschema; `Err` holds every
/// error the validator found.
fn validate(doc: &Value) -> Result<(), String> {
    let tools = common::test_tools();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.sarif");
    std::fs::write(&file, serde_json::to_vec(doc).unwrap()).unwrap();
    let o = Command::new(tools.join("venv/bin/python"))
        .arg("-c")
        .arg(VALIDATE)
        .arg(&file)
        .arg(tools.join("sarif-2.1.0-rtm.5.json"))
        .output()
        .unwrap();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    // The schema is draft-04: a wrong validator would accept or reject for the wrong reasons.
    assert!(out.contains("validator: Draft4Validator"), "{out}");
    if o.status.success() { Ok(()) } else { Err(out) }
}

fn assert_valid(doc: &Value, what: &str) {
    if let Err(e) = validate(doc) {
        panic!("{what}: the SARIF log does not validate:\n{e}");
    }
}

/// The git repository around `dir` (a `.git` file or directory), as the tool finds it.
fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// This repository's root relative to the git root around it, with a trailing `/` (empty when
/// they are the same directory, or when there is no git repository).
fn repo_prefix() -> String {
    let root = std::fs::canonicalize(common::root()).unwrap();
    let Some(git) = git_root(&root) else {
        return String::new();
    };
    let rel = root.strip_prefix(&git).unwrap().to_string_lossy();
    if rel.is_empty() {
        String::new()
    } else {
        format!("{rel}/")
    }
}

fn sarif_level(level: &str) -> &'static str {
    match level {
        "deny" => "error",
        "warn" => "warning",
        other => panic!("no finding is reported at level {other}"),
    }
}

fn run0(doc: &Value) -> &Value {
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    &runs[0]
}

fn results(doc: &Value) -> &Vec<Value> {
    run0(doc)["results"].as_array().unwrap()
}

fn artifact(location: &Value) -> &Value {
    &location["physicalLocation"]["artifactLocation"]
}

#[test]
fn every_lint_is_a_rule_with_its_doc_and_metadata() {
    let (doc, _) = sarif(&common::root().join("tests/workspace"), &[]);
    assert_eq!(doc["version"], "2.1.0");
    assert!(
        doc["$schema"]
            .as_str()
            .unwrap()
            .ends_with("sarif-2.1.0.json"),
        "{}",
        doc["$schema"]
    );
    let driver = &run0(&doc)["tool"]["driver"];
    assert_eq!(driver["name"], "oauth-lint");
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["informationUri"], env!("CARGO_PKG_REPOSITORY"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), oauth_lint_lints::all().count());
    for (rule, lint) in rules.iter().zip(oauth_lint_lints::all()) {
        let name = lint.name;
        let doc = oauth_lint::docs::lint_doc(name).unwrap();
        assert_eq!(rule["id"], name);
        assert_eq!(
            rule["name"].as_str().unwrap().to_lowercase(),
            name.replace('_', ""),
            "{name}"
        );
        assert_eq!(rule["shortDescription"]["text"], lint.summary, "{name}");
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(
            full.len() > lint.summary.len() && !full.ends_with(':') && !full.contains('\n'),
            "{name}: {full}"
        );
        let first_words: String = full.split(' ').take(6).collect::<Vec<_>>().join(" ");
        assert!(
            doc.replace('\n', " ").contains(&first_words),
            "{name}: {full}"
        );
        assert_eq!(rule["help"]["markdown"], doc, "{name}");
        assert_eq!(rule["help"]["text"], doc, "{name}");
        let expected_level = match lint.default_level {
            Level::Deny => "error",
            Level::Warn => "warning",
            Level::Allow => "none",
        };
        assert_eq!(rule["defaultConfiguration"]["level"], expected_level);
        let props = &rule["properties"];
        let tags: Vec<&str> = props["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(tags, lint.tags, "{name}");
        let is_meta = oauth_lint_lints::META_LINTS.iter().any(|m| m.name == name);
        if is_meta {
            assert!(!tags.contains(&"security"), "{name}: {tags:?}");
        } else {
            assert!(
                tags.contains(&"security") && tags.contains(&"oauth2"),
                "{name}: {tags:?}"
            );
        }
        assert_eq!(props["precision"], lint.precision, "{name}");
        assert!(
            ["very-high", "high", "medium", "low"].contains(&lint.precision),
            "{name}: {}",
            lint.precision
        );
        // GitHub reads a string holding a number from 0.0 to 10.0; none for the meta lints.
        if is_meta {
            assert!(props.get("security-severity").is_none(), "{name}");
            continue;
        }
        let severity = props["security-severity"].as_str().unwrap();
        assert_eq!(severity, lint.security_severity);
        let score: f64 = severity.parse().unwrap();
        assert!((0.0..=10.0).contains(&score), "{name}: {severity}");
    }
}

#[test]
fn fixtures_log_is_valid_and_agrees_with_json() {
    let root = common::root();
    let (doc, o) = sarif(&root, &["tests/fixtures"]);
    assert_eq!(o.status.code(), Some(1), "deny findings give exit code 1");
    assert_valid(&doc, "tests/fixtures");
    let json = oauth_lint(&root, &["check", "tests/fixtures", "--format", "json"]);
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let results = results(&doc);
    assert!(results.len() >= 50, "many findings: {}", results.len());
    assert_eq!(results.len(), findings.len());

    let run = run0(&doc);
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let prefix = repo_prefix();
    let mut with_labels = 0;
    let mut hashes = std::collections::BTreeSet::new();
    for (r, f) in results.iter().zip(findings) {
        let what = format!("{r:#}\n{f:#}");
        assert_eq!(r["ruleId"], f["lint"], "{what}");
        let index = usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], r["ruleId"], "{what}");
        assert_eq!(r["level"], sarif_level(f["level"].as_str().unwrap()));
        let text = r["message"]["text"].as_str().unwrap();
        assert!(text.starts_with(f["message"].as_str().unwrap()), "{what}");
        let locations = r["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 1);
        let art = artifact(&locations[0]);
        let uri = art["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.contains("..") && !uri.contains('\\'),
            "{uri}"
        );
        assert_eq!(uri, format!("{prefix}{}", f["file"].as_str().unwrap()));
        assert!(
            uri.starts_with(&format!("{prefix}tests/fixtures/")),
            "{uri}"
        );
        assert_eq!(art["uriBaseId"], "%SRCROOT%");
        let region = &locations[0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], f["line"], "{what}");
        assert_eq!(region["startColumn"], f["column"], "{what}");
        assert_eq!(region["endLine"], f["end_line"], "{what}");
        assert_eq!(region["endColumn"], f["end_column"], "{what}");
        let labels = f["labels"].as_array().unwrap();
        let related = r["relatedLocations"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        assert_eq!(related.len(), labels.len(), "{what}");
        for (i, (rel, label)) in related.iter().zip(labels).enumerate() {
            assert_eq!(rel["id"], i, "{what}");
            assert_eq!(rel["message"]["text"], label["message"], "{what}");
            assert_eq!(
                artifact(rel)["uri"],
                format!("{prefix}{}", label["file"].as_str().unwrap())
            );
            let region = &rel["physicalLocation"]["region"];
            assert_eq!(region["startLine"], label["line"], "{what}");
            assert_eq!(region["startColumn"], label["column"], "{what}");
        }
        with_labels += usize::from(!labels.is_empty());
        let hash = r["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .unwrap();
        assert_eq!(hash, f["fingerprint"], "{what}");
        hashes.insert(hash);
    }
    assert!(with_labels * 2 > results.len(), "most findings have labels");
    assert!(
        hashes.len() * 10 >= results.len() * 9,
        "fingerprints differ"
    );
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    assert_eq!(
        invocation["toolExecutionNotifications"],
        serde_json::json!([])
    );
}

#[test]
fn workspace_log_is_valid_with_repository_relative_uris() {
    let (doc, o) = sarif(&common::root().join("tests/workspace"), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_valid(&doc, "tests/workspace");
    let uris: Vec<&str> = results(&doc)
        .iter()
        .map(|r| artifact(&r["locations"][0])["uri"].as_str().unwrap())
        .collect();
    let prefix = repo_prefix();
    assert_eq!(
        uris,
        [
            format!("{prefix}tests/workspace/app/src/handlers.rs"),
            format!("{prefix}tests/workspace/app/src/login.rs"),
        ],
        "relative to the repository root, not to the current directory"
    );
}

#[test]
fn the_validator_rejects_broken_logs() {
    let (doc, _) = sarif(&common::root().join("tests/workspace"), &[]);
    assert_valid(&doc, "the unbroken log");

    let mut no_version = doc.clone();
    no_version.as_object_mut().unwrap().remove("version");
    let err = validate(&no_version).expect_err("a log without version is invalid");
    assert!(err.contains("'version' is a required property"), "{err}");

    let mut bad_level = doc.clone();
    bad_level["runs"][0]["results"][0]["level"] = "fatal".into();
    let err = validate(&bad_level).expect_err("level `fatal` is invalid");
    assert!(err.contains("runs/0/results/0/level"), "{err}");

    let mut line_zero = doc.clone();
    line_zero["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    let err = validate(&line_zero).expect_err("line 0 is invalid");
    assert!(err.contains("startLine"), "{err}");

    let mut bad_severity = doc;
    bad_severity["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] =
        "deny".into();
    let err = validate(&bad_severity).expect_err("clippy's level names are not SARIF's");
    assert!(err.contains("defaultConfiguration/level"), "{err}");
}

const RETRY: &str = "async fn f(client: C, http: H, code: String, tokens: &mut Vec<T>) {\n    for _ in 0..3 {\n        tokens.push(client.exchange_code(AuthorizationCode::new(code.clone())).request_async(&http).await);\n    }\n}\n";

#[test]
fn file_errors_are_tool_execution_notifications() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("broken.rs"), "fn main() {\n    let x = ;\n}\n").unwrap();
    std::fs::write(p.join("latin1.rs"), b"// caf\xe9\nfn main() {}\n").unwrap();
    std::fs::write(p.join("retry.rs"), RETRY).unwrap();
    let (doc, o) = sarif(p, &["."]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "file errors alone do not fail the run"
    );
    assert_valid(&doc, "a run with file errors");
    assert_eq!(results(&doc).len(), 1);
    let invocation = &run0(&doc)["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    let uris: Vec<&str> = notes
        .iter()
        .map(|n| artifact(&n["locations"][0])["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, ["broken.rs", "latin1.rs"], "{notes:#?}");
    for n in notes {
        assert_eq!(n["level"], "error");
        let text = n["message"]["text"].as_str().unwrap();
        assert!(text.starts_with(uris.iter().find(|u| text.starts_with(**u)).unwrap()));
    }

    let (strict, o) = sarif(p, &[".", "--strict"]);
    assert_eq!(o.status.code(), Some(2));
    assert_valid(&strict, "a --strict run with file errors");
    assert_eq!(
        run0(&strict)["invocations"][0]["executionSuccessful"],
        false
    );
}

#[test]
fn uris_are_relative_to_the_git_root_percent_encoded_or_absolute_outside_it() {
    let repo = tempfile::tempdir().unwrap();
    let repo_path = std::fs::canonicalize(repo.path()).unwrap();
    std::fs::create_dir(repo_path.join(".git")).unwrap();
    std::fs::create_dir_all(repo_path.join("my src")).unwrap();
    std::fs::create_dir_all(repo_path.join("sub")).unwrap();
    std::fs::write(repo_path.join("my src/é b#1.rs"), RETRY).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let outside_file = std::fs::canonicalize(outside.path()).unwrap().join("x.rs");
    std::fs::write(&outside_file, RETRY).unwrap();

    // From a subdirectory: a file under the repository but outside the current directory, and
    // one outside the repository.
    let (doc, o) = sarif(
        &repo_path.join("sub"),
        &["../my src", outside_file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_valid(&doc, "encoded and absolute URIs");
    let mut arts: Vec<&Value> = results(&doc)
        .iter()
        .map(|r| artifact(&r["locations"][0]))
        .collect();
    assert_eq!(arts.len(), 2, "{doc:#}");
    // Both are shown as absolute paths, in the order of the temporary directories' names.
    arts.sort_by_key(|a| a.get("uriBaseId").is_none());
    assert_eq!(arts[0]["uri"], "my%20src/%C3%A9%20b%231.rs");
    assert_eq!(arts[0]["uriBaseId"], "%SRCROOT%");
    assert_eq!(
        arts[1]["uri"],
        format!("file://{}", outside_file.to_str().unwrap())
    );
    assert!(arts[1].get("uriBaseId").is_none(), "{}", arts[1]);
    let base = &run0(&doc)["originalUriBaseIds"]["%SRCROOT%"];
    assert_eq!(
        base["uri"],
        format!("file://{}/", repo_path.to_str().unwrap())
    );
    assert!(
        base["description"]["text"]
            .as_str()
            .unwrap()
            .contains("git repository"),
        "{base}"
    );

    // Without a repository around: relative to the current directory.
    let plain = std::fs::canonicalize(outside.path()).unwrap();
    assert!(
        git_root(&plain).is_none(),
        "the temporary directory {} lies in a git repository; this test needs one that does not",
        plain.display()
    );
    std::fs::write(plain.join("a b.rs"), RETRY).unwrap();
    let (doc, _) = sarif(&plain, &["a b.rs"]);
    assert_valid(&doc, "no repository");
    assert_eq!(
        artifact(&results(&doc)[0]["locations"][0])["uri"],
        "a%20b.rs"
    );
    let base = &run0(&doc)["originalUriBaseIds"]["%SRCROOT%"];
    assert_eq!(base["uri"], format!("file://{}/", plain.to_str().unwrap()));
    assert!(
        base["description"]["text"]
            .as_str()
            .unwrap()
            .contains("current directory"),
        "{base}"
    );
}

/// `(ruleId, startLine, primaryLocationLineHash)` of every result.
fn fingerprints(doc: &Value) -> Vec<(String, u64, String)> {
    results(doc)
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
                r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn fingerprints_survive_lines_inserted_above() {
    let source = common::root().join("tests/fixtures/repeated_code_exchange");
    let fixture = std::fs::read_dir(&source)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "rs")
                && p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("fail_")
        })
        .min()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("auth.rs");
    let text = std::fs::read_to_string(&fixture).unwrap();
    std::fs::write(&file, &text).unwrap();
    let (before, _) = sarif(dir.path(), &["auth.rs"]);
    let before = fingerprints(&before);
    assert!(!before.is_empty(), "{} gives a finding", fixture.display());

    std::fs::write(
        &file,
        format!("// Copyright notice.\n\n// Another comment.\n\n{text}"),
    )
    .unwrap();
    let (after, _) = sarif(dir.path(), &["auth.rs"]);
    let after = fingerprints(&after);
    assert_eq!(after.len(), before.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a.0, b.0);
        assert_eq!(a.1, b.1 + 4, "the finding moved down four lines");
        assert_eq!(a.2, b.2, "the fingerprint did not move with it");
    }

    // The fingerprint is not a constant: the same code in another file gets another one.
    std::fs::rename(&file, dir.path().join("login.rs")).unwrap();
    let (moved, _) = sarif(dir.path(), &["login.rs"]);
    let moved = fingerprints(&moved);
    assert_eq!(moved.len(), after.len());
    assert!(moved.iter().zip(&after).all(|(m, a)| m.2 != a.2));
}

#[test]
fn levels_and_exit_codes_are_unchanged() {
    let ws = common::root().join("tests/workspace");
    let (_, o) = sarif(&ws, &[]);
    assert_eq!(o.status.code(), Some(1), "deny findings");

    let (allowed, o) = sarif(&ws, &["-A", "code_exchange_in_retry"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(results(&allowed).is_empty());
    assert_valid(&allowed, "no results");

    let (warned, o) = sarif(&ws, &["-W", "code_exchange_in_retry"]);
    assert_eq!(o.status.code(), Some(0), "warnings do not fail the run");
    let levels: Vec<&Value> = results(&warned).iter().map(|r| &r["level"]).collect();
    assert_eq!(levels, ["warning", "warning"]);
    // The rule keeps its default level; the result carries the effective one.
    assert_eq!(
        run0(&warned)["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"],
        "error"
    );

    let (denied, o) = sarif(&ws, &["-W", "code_exchange_in_retry", "-D", "warnings"]);
    assert_eq!(o.status.code(), Some(1));
    let levels: Vec<&Value> = results(&denied).iter().map(|r| &r["level"]).collect();
    assert_eq!(levels, ["error", "error"]);
}

#[test]
fn output_file_holds_the_same_log() {
    let ws = common::root().join("tests/workspace");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("oauth-lint.sarif");
    let o = oauth_lint(
        &ws,
        &["--format", "sarif", "--output", file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty(), "nothing on stdout with --output");
    let written = std::fs::read(&file).unwrap();
    let plain = oauth_lint(&ws, &["--format", "sarif"]);
    assert_eq!(
        String::from_utf8_lossy(&written),
        String::from_utf8_lossy(&plain.stdout),
        "the same bytes, run to run"
    );
    let doc: Value = serde_json::from_slice(&written).unwrap();
    assert_eq!(results(&doc).len(), 2);
}
