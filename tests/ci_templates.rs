//! The pre-commit hook manifest, the CI templates in `examples/ci/` and the README's copies of
//! them: each parses as YAML (PyYAML, from the test tools), pre-commit accepts the manifest and
//! the README's `.pre-commit-config.yaml`, and each template runs the documented command lines.
//! The exit-code handling of every template is run for real in the shell the CI system uses,
//! with a stand-in `cargo` that exits 0, 1 or 2 like oauth-lint does, and their commands run for
//! real (this build of `cargo-oauth-lint`) on the demo workspace.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

fn version_tag() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

fn install_line() -> String {
    format!(
        "cargo install --locked --git {REPOSITORY} --tag {} oauth-lint",
        version_tag()
    )
}

/// Parses YAML text with PyYAML's `safe_load` and returns it as JSON.
fn yaml(text: &str, what: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.yaml");
    std::fs::write(&file, text).unwrap();
    let out = Command::new(common::test_tools().join("venv/bin/python"))
        .args([
            "-c",
            "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{what} is not valid YAML:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(common::root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml_file(rel: &str) -> Value {
    yaml(&read(rel), rel)
}

fn pre_commit(args: &[&str], file: &Path) {
    let out = Command::new(common::test_tools().join("venv/bin/pre-commit"))
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pre-commit {args:?} {} failed:\n{}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `## CI and pre-commit` section of the README.
fn readme_section() -> String {
    let readme = read("README.md");
    let start = readme
        .find("\n## CI and pre-commit\n")
        .expect("README has a `## CI and pre-commit` section");
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 4);
    rest[..end].to_string()
}

/// The bodies of the fenced blocks of `lang` in `text`.
fn fenced(text: &str, lang: &str) -> Vec<String> {
    let open = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(&open) {
        let body = &rest[start + open.len()..];
        let end = body.find("```").expect("a closed block");
        out.push(body[..end].to_string());
        rest = &body[end..][3..];
    }
    out
}

#[test]
fn the_hook_manifest_has_exactly_the_contract_fields() {
    let manifest = yaml_file(".pre-commit-hooks.yaml");
    let hooks = manifest.as_array().expect("a list of hooks");
    assert_eq!(hooks.len(), 1, "one hook: {manifest}");
    let hook = hooks[0].as_object().unwrap();
    let mut keys: Vec<&str> = hook.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "args",
            "description",
            "entry",
            "id",
            "language",
            "name",
            "pass_filenames",
            "types"
        ]
    );
    assert_eq!(hook["id"], "oauth-lint");
    assert_eq!(hook["name"], "oauth-lint");
    assert!(
        hook["description"]
            .as_str()
            .is_some_and(|d| d.contains("OAuth2")),
        "a description: {}",
        hook["description"]
    );
    assert_eq!(hook["language"], "rust");
    assert_eq!(hook["entry"], "cargo-oauth-lint");
    assert_eq!(hook["args"], json!(["oauth-lint"]));
    assert_eq!(hook["types"], json!(["rust"]));
    assert_eq!(hook["pass_filenames"], json!(false));
    pre_commit(
        &["validate-manifest"],
        &common::root().join(".pre-commit-hooks.yaml"),
    );
}

#[test]
fn the_readme_shows_the_pre_commit_config_a_user_adds() {
    let section = readme_section();
    let config = fenced(&section, "yaml")
        .into_iter()
        .find(|b| b.contains("repos:"))
        .expect("a ```yaml block with the .pre-commit-config.yaml");
    assert_eq!(
        yaml(&config, "the README's .pre-commit-config.yaml"),
        json!({"repos": [{"repo": REPOSITORY, "rev": version_tag(), "hooks": [{"id": "oauth-lint"}]}]})
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".pre-commit-config.yaml");
    std::fs::write(&file, &config).unwrap();
    pre_commit(&["validate-config"], &file);
}

#[test]
fn the_readme_includes_the_github_workflow_and_points_to_the_others() {
    let section = readme_section();
    let workflow = read("examples/ci/github-actions-sarif.yml");
    assert!(
        fenced(&section, "yaml").contains(&workflow),
        "the README's CI section includes examples/ci/github-actions-sarif.yml verbatim"
    );
    for other in [
        "examples/ci/github-actions-gate.yml",
        "examples/ci/gitlab-ci.yml",
    ] {
        assert!(section.contains(other), "the README points to {other}");
    }
}

/// A GitHub Actions workflow's steps (of its only job) and the workflow itself.
fn github_steps(rel: &str) -> (Value, Vec<Value>) {
    let workflow = yaml_file(rel);
    // YAML 1.1 (PyYAML) reads the bare key `on` as the boolean true; GitHub reads it as "on".
    let on = workflow.get("on").or_else(|| workflow.get("true"));
    assert!(
        on.is_some_and(|on| on.get("pull_request").is_some()),
        "{rel}: runs on pull requests"
    );
    let jobs = workflow["jobs"].as_object().expect("jobs");
    assert_eq!(jobs.len(), 1, "{rel}: one job");
    let job = jobs.values().next().unwrap();
    assert!(job["runs-on"].is_string(), "{rel}: runs-on");
    let steps = job["steps"].as_array().expect("steps").clone();
    assert!(
        steps[0]["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("actions/checkout@")),
        "{rel}: checks out first"
    );
    assert!(
        steps.iter().any(|s| s["uses"]
            .as_str()
            .is_some_and(|u| u.starts_with("dtolnay/rust-toolchain@"))),
        "{rel}: installs a Rust toolchain"
    );
    assert!(
        steps.iter().all(|s| s.get("continue-on-error").is_none()),
        "{rel}: no step hides its failure"
    );
    (workflow, steps)
}

fn run_lines(steps: &[Value]) -> Vec<String> {
    steps
        .iter()
        .filter_map(|s| s["run"].as_str().map(|r| r.trim().to_string()))
        .collect()
}

/// Runs each command as a CI step (`bash -eo pipefail`, the shell of GitHub Actions `run:`
/// steps and of GitLab's bash runners) in `dir`, in order, stopping at the first failure.
fn steps(commands: &[String], dir: &Path, path: &str) -> Vec<Output> {
    let mut outputs = Vec::new();
    for command in commands {
        let out = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", command])
            .env("PATH", path)
            .current_dir(dir)
            .output()
            .unwrap();
        let failed = !out.status.success();
        outputs.push(out);
        if failed {
            break;
        }
    }
    outputs
}

/// Runs the commands as CI steps with a stand-in `cargo` on PATH: `cargo install` succeeds,
/// `cargo oauth-lint` exits `code`. Returns whether every step succeeded and the `cargo` command
/// lines that ran.
fn simulate(commands: &[String], code: i32) -> (bool, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = dir.path().join("log");
    let cargo = bin.join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/bin/sh\necho \"cargo $*\" >> '{}'\n[ \"$1\" = oauth-lint ] && exit {code}\nexit 0\n",
            log.display()
        ),
    )
    .unwrap();
    let mut perms = std::fs::metadata(&cargo).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&cargo, perms).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let outputs = steps(commands, dir.path(), &path);
    let ok = outputs.iter().all(|o| o.status.success());
    let ran = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    (ok, ran)
}

/// The value after `flag` in a command line.
fn flag_value<'a>(command: &'a str, flag: &str) -> Option<&'a str> {
    let mut words = command.split_whitespace();
    words.find(|w| *w == flag)?;
    words.next()
}

#[test]
fn the_sarif_workflow_uploads_the_file_it_writes() {
    let rel = "examples/ci/github-actions-sarif.yml";
    let (workflow, steps) = github_steps(rel);
    let permissions = &workflow["permissions"];
    assert_eq!(
        permissions["security-events"], "write",
        "{rel}: permissions"
    );
    let runs = run_lines(&steps);
    assert_eq!(runs.len(), 2, "{rel}: install and analyse: {runs:?}");
    assert_eq!(runs[0], install_line(), "{rel}: the install step");
    let analyse = &runs[1];
    assert!(analyse.starts_with("cargo oauth-lint "), "{rel}: {analyse}");
    assert_eq!(flag_value(analyse, "--format"), Some("sarif"), "{rel}");
    let output = flag_value(analyse, "--output").expect("--output FILE");
    let upload: Vec<&Value> = steps
        .iter()
        .filter(|s| s["uses"] == "github/codeql-action/upload-sarif@v3")
        .collect();
    assert_eq!(upload.len(), 1, "{rel}: one upload-sarif@v3 step");
    assert_eq!(
        upload[0]["with"]["sarif_file"], output,
        "{rel}: uploads {output}"
    );
    let upload_at = steps.iter().position(|s| s == upload[0]).unwrap();
    assert_eq!(upload_at, steps.len() - 1, "{rel}: the upload comes last");

    // Findings (exit 1) still reach the upload; errors (exit 2) fail the job.
    let analysis = format!("cargo oauth-lint --format sarif --output {output}");
    for (code, ok) in [(0, true), (1, true), (2, false)] {
        let (passed, ran) = simulate(&runs, code);
        assert_eq!(passed, ok, "{rel}: oauth-lint exits {code}");
        assert_eq!(ran.last(), Some(&analysis), "{rel}: exit {code}: {ran:?}");
    }
}

#[test]
fn the_gate_workflow_fails_on_the_exit_code() {
    let rel = "examples/ci/github-actions-gate.yml";
    let (workflow, steps) = github_steps(rel);
    assert!(
        workflow["permissions"].get("security-events").is_none(),
        "{rel}: needs no code-scanning permission"
    );
    let runs = run_lines(&steps);
    assert_eq!(
        runs,
        [
            install_line(),
            "cargo oauth-lint --format github".to_string()
        ],
        "{rel}: install, then the gate with nothing after it (no `|| true`)"
    );
    for (code, ok) in [(0, true), (1, false), (2, false)] {
        let (passed, ran) = simulate(&runs, code);
        assert_eq!(passed, ok, "{rel}: oauth-lint exits {code}");
        assert_eq!(ran.len(), 2, "{rel}: {ran:?}");
    }
}

#[test]
fn the_gitlab_job_keeps_the_report_and_gates() {
    let rel = "examples/ci/gitlab-ci.yml";
    let ci = yaml_file(rel);
    let job = &ci["oauth-lint"];
    assert!(
        job["image"]
            .as_str()
            .is_some_and(|i| i.starts_with("rust:")),
        "{rel}: a rust image"
    );
    let script: Vec<String> = job["script"]
        .as_array()
        .expect("script")
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        script,
        [
            install_line(),
            "cargo oauth-lint --format json --output oauth-lint.json || [ $? -eq 1 ]".to_string(),
            "cargo oauth-lint".to_string(),
        ],
        "{rel}: install, the report, the gate"
    );
    assert_eq!(job["artifacts"]["when"], "always", "{rel}: keep the report");
    assert_eq!(
        job["artifacts"]["paths"],
        json!(["oauth-lint.json"]),
        "{rel}"
    );

    let report = "cargo oauth-lint --format json --output oauth-lint.json".to_string();
    let gate = "cargo oauth-lint".to_string();
    let install = install_line();
    for (code, ok, ran) in [
        (0, true, vec![install.clone(), report.clone(), gate.clone()]),
        (
            1,
            false,
            vec![install.clone(), report.clone(), gate.clone()],
        ),
        (2, false, vec![install.clone(), report.clone()]),
    ] {
        assert_eq!(
            simulate(&script, code),
            (ok, ran),
            "{rel}: oauth-lint exits {code}"
        );
    }
}

#[test]
fn every_template_is_tested() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(common::root().join("examples/ci"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "github-actions-gate.yml",
            "github-actions-sarif.yml",
            "gitlab-ci.yml"
        ],
        "a new template needs a test here"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Runs a template's commands (all but `cargo install`) for real, with this build of
/// `cargo-oauth-lint` on PATH, in a git repository holding a copy of the demo workspace (two deny
/// findings, in app/src/login.rs and app/src/handlers.rs), as a CI job runs them in the checkout.
fn run_for_real(commands: &[String]) -> (tempfile::TempDir, Vec<Output>) {
    let checkout = tempfile::tempdir().unwrap();
    copy_dir(&common::root().join("tests/workspace"), checkout.path());
    let init = Command::new("git")
        .args(["init", "--quiet"])
        .current_dir(checkout.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .unwrap();
    assert!(init.success());
    let mut path = vec![
        Path::new(env!("CARGO_BIN_EXE_cargo-oauth-lint"))
            .parent()
            .unwrap()
            .to_path_buf(),
    ];
    if let Some(cargo) = std::env::var_os("CARGO") {
        path.push(Path::new(&cargo).parent().unwrap().to_path_buf());
    }
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    // cargo looks for subcommands in $CARGO_HOME/bin before PATH unless PATH lists it: list it
    // after this build, so an installed cargo-oauth-lint does not stand in for it.
    let cargo_home = std::env::var_os("CARGO_HOME").map_or_else(
        || Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
        PathBuf::from,
    );
    path.push(cargo_home.join("bin"));
    let path = std::env::join_paths(path).unwrap();
    let commands: Vec<String> = commands
        .iter()
        .filter(|c| !c.starts_with("cargo install "))
        .cloned()
        .collect();
    let outputs = steps(&commands, checkout.path(), path.to_str().unwrap());
    (checkout, outputs)
}

fn json_file(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_templates_commands_run_for_real() {
    // SARIF: the step succeeds with findings and writes the file the upload step reads.
    let (_, steps_) = github_steps("examples/ci/github-actions-sarif.yml");
    let (checkout, outputs) = run_for_real(&run_lines(&steps_));
    assert_eq!(outputs.len(), 1);
    assert!(outputs[0].status.success(), "{}", text(&outputs[0]));
    let sarif = json_file(&checkout.path().join("oauth-lint.sarif"));
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{sarif}");
    let mut uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    uris.sort_unstable();
    assert_eq!(
        uris,
        ["app/src/handlers.rs", "app/src/login.rs"],
        "repository-relative"
    );

    // The GitHub gate: fails on the findings and annotates them.
    let (_, steps_) = github_steps("examples/ci/github-actions-gate.yml");
    let (_, outputs) = run_for_real(&run_lines(&steps_));
    assert_eq!(outputs.len(), 1);
    assert_eq!(outputs[0].status.code(), Some(1), "{}", text(&outputs[0]));
    let annotations = String::from_utf8_lossy(&outputs[0].stdout);
    assert_eq!(
        annotations
            .lines()
            .filter(|l| l.starts_with("::error file=app/src/"))
            .count(),
        2,
        "{annotations}"
    );

    // GitLab: the report is written, then the gate fails the job.
    let ci = yaml_file("examples/ci/gitlab-ci.yml");
    let script: Vec<String> = ci["oauth-lint"]["script"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    let (checkout, outputs) = run_for_real(&script);
    assert_eq!(outputs.len(), 2);
    assert!(outputs[0].status.success(), "{}", text(&outputs[0]));
    assert_eq!(outputs[1].status.code(), Some(1), "{}", text(&outputs[1]));
    assert!(text(&outputs[1]).contains("error[code_exchange_in_retry]"));
    let report = json_file(&checkout.path().join("oauth-lint.json"));
    assert_eq!(report["findings"].as_array().unwrap().len(), 2, "{report}");
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
