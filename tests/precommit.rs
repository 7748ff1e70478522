//! The pre-commit hook, for real: a throw-away git repository holding a small cargo package gets
//! the `.pre-commit-config.yaml` the README tells users to add, pointed at a snapshot of this
//! repository, and `pre-commit install`; then `git commit` is refused while a staged file
//! exchanges an authorization code in a retry loop, goes through once the retry is gone, and
//! skips the hook when no `.rs` file is staged. Then `pre-commit try-repo` against the same
//! snapshot fails on the staged retry and passes on the fix.
//!
//! pre-commit builds the hook with `cargo install --bins --path .` (its `language: rust`), about a
//! minute of release build on two cores. To pay that only when the source changes, the test keeps
//! pre-commit's store (`PRE_COMMIT_HOME`) and the install's `CARGO_TARGET_DIR` in the test-tools
//! directory, and hands pre-commit a snapshot commit whose path and hash depend only on the
//! content (`pre-commit try-repo` cannot be cached: it always uses a fresh temporary store).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// Top-level entries of this repository left out of the snapshot: they are not inputs of the
/// build of the hook (they are not in the published package either), and leaving them out keeps
/// the cached hook valid while only tests change.
const NOT_IN_SNAPSHOT: &[&str] = &["tests/", "examples/"];

/// A `git` command isolated from the user's and the system's configuration and from any
/// repository the test itself runs in (when `cargo test` runs from a git hook).
fn git(dir: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "oauth-lint test")
        .env("GIT_AUTHOR_EMAIL", "test@oauth-lint.invalid")
        .env("GIT_COMMITTER_NAME", "oauth-lint test")
        .env("GIT_COMMITTER_EMAIL", "test@oauth-lint.invalid")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_OBJECT_DIRECTORY");
    cmd
}

fn ok(mut cmd: Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Commits this repository's working tree (tracked and untracked files that git does not ignore,
/// as `pre-commit try-repo` would) to a fresh repository at `<snapshots>/<commit>`, with fixed
/// dates and names, so the same content always gives the same path and commit. Returns both.
fn snapshot_of_this_repository(snapshots: &Path) -> (PathBuf, String) {
    let root = common::root();
    let mut ls = git(&root);
    ls.args([
        "ls-files",
        "-z",
        "--cached",
        "--others",
        "--exclude-standard",
    ]);
    let listed = ok(ls);
    std::fs::create_dir_all(snapshots).unwrap();
    let work = tempfile::Builder::new()
        .prefix("new-")
        .tempdir_in(snapshots)
        .unwrap();
    let mut copied = 0;
    for rel in listed.split('\0').filter(|r| !r.is_empty()) {
        let from = root.join(rel);
        if NOT_IN_SNAPSHOT.iter().any(|p| rel.starts_with(p)) || !from.is_file() {
            continue;
        }
        let to = work.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap();
        copied += 1;
    }
    assert!(
        work.path().join(".pre-commit-hooks.yaml").is_file() && copied > 10,
        "the snapshot has the hook manifest and the sources ({copied} files)"
    );
    let mut init = git(work.path());
    init.args(["init", "--quiet", "--initial-branch=main"]);
    ok(init);
    let mut add = git(work.path());
    add.args(["add", "--all"]);
    ok(add);
    let mut commit = git(work.path());
    commit
        .args(["commit", "--quiet", "--no-verify", "-m", "snapshot"])
        .env("GIT_AUTHOR_DATE", "2000-01-01T00:00:00+0000")
        .env("GIT_COMMITTER_DATE", "2000-01-01T00:00:00+0000");
    ok(commit);
    let mut head = git(work.path());
    head.args(["rev-parse", "HEAD"]);
    let rev = ok(head);
    let dest = snapshots.join(&rev);
    if !dest.exists() {
        let work = work.keep();
        if std::fs::rename(&work, &dest).is_err() {
            // Another test process made the same snapshot first.
            assert!(
                dest.exists(),
                "could not move the snapshot to {}",
                dest.display()
            );
            std::fs::remove_dir_all(&work).unwrap();
        }
    }
    (dest, rev)
}

const CARGO_TOML: &str = r#"[package]
name = "signin"
version = "0.1.0"
edition = "2021"
"#;

const MAIN_RS: &str = "mod login;\n\nfn main() {}\n";

/// The shape of `tests/workspace/app/src/login.rs`: the same code is exchanged again on failure.
const LOGIN_RETRY: &str = r#"use oauth2::{AuthorizationCode, TokenResponse};

pub async fn callback(
    client: &oauth2::basic::BasicClient,
    http: &reqwest::Client,
    code: String,
) -> Result<String, String> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match client
            .exchange_code(AuthorizationCode::new(code.clone()))
            .request_async(http)
            .await
        {
            Ok(token) => return Ok(token.access_token().secret().clone()),
            Err(err) if attempts < 3 => {
                eprintln!("token exchange failed, retrying: {err}");
                continue;
            }
            Err(err) => return Err(err.to_string()),
        }
    }
}
"#;

/// The fix: one exchange; a failure goes back to the user, who restarts the flow.
const LOGIN_ONCE: &str = r"use oauth2::{AuthorizationCode, TokenResponse};

pub async fn callback(
    client: &oauth2::basic::BasicClient,
    http: &reqwest::Client,
    code: String,
) -> Result<String, String> {
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .request_async(http)
        .await
        .map_err(|err| err.to_string())?;
    Ok(token.access_token().secret().clone())
}
";

#[test]
fn the_hook_refuses_a_commit_with_a_retried_exchange_and_accepts_the_fix() {
    let started = Instant::now();
    let tools = common::test_tools();
    let (hook_repo, rev) = snapshot_of_this_repository(&tools.join("pre-commit-snapshots"));

    // The environment of pre-commit, the hook's `cargo install` and the hook: `cargo` of this
    // test's toolchain first on PATH (pre-commit then builds with it instead of installing
    // rustup), the cached store and build directory, no color in the captured output.
    let mut path: Vec<PathBuf> = Vec::new();
    if let Some(cargo) = std::env::var_os("CARGO") {
        path.push(PathBuf::from(cargo).parent().unwrap().to_path_buf());
    }
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let path: OsString = std::env::join_paths(path).unwrap();
    let env = [
        ("PATH", path),
        ("PRE_COMMIT_HOME", tools.join("pre-commit-home").into()),
        (
            "CARGO_TARGET_DIR",
            tools.join("pre-commit-cargo-target").into(),
        ),
        ("PRE_COMMIT_COLOR", "never".into()),
        ("NO_COLOR", "1".into()),
    ];
    let pre_commit = common::test_tools().join("venv/bin/pre-commit");

    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    let write = |rel: &str, content: &str| {
        let file = dir.join(rel);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, content).unwrap();
    };
    let run = |args: &[&str]| {
        let mut cmd = git(dir);
        cmd.args(args).envs(env.iter().map(|(k, v)| (k, v)));
        cmd.output().unwrap()
    };
    let head = || {
        let out = run(&["rev-parse", "HEAD"]);
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };

    write("Cargo.toml", CARGO_TOML);
    write("src/main.rs", "fn main() {}\n");
    write("README.md", "# signin\n");
    write(
        ".pre-commit-config.yaml",
        &format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: oauth-lint\n",
            hook_repo.display()
        ),
    );
    for args in [
        &["init", "--quiet", "--initial-branch=main"][..],
        &["add", "--all"],
        &["commit", "--quiet", "-m", "start"],
    ] {
        let out = run(args);
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
    }
    let mut install = Command::new(&pre_commit);
    install
        .arg("install")
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1");
    ok(install);

    // A staged retry of the exchange: the commit is refused, and the output says why and where.
    write("src/main.rs", MAIN_RS);
    write("src/login.rs", LOGIN_RETRY);
    assert!(run(&["add", "--all"]).status.success());
    let before = head();
    let refused = run(&["commit", "-m", "sign in"]);
    let refused_text = text(&refused);
    let first_commit = started.elapsed();
    assert!(
        !refused.status.success(),
        "the commit goes through:\n{refused_text}"
    );
    assert_eq!(head(), before, "no commit was made:\n{refused_text}");
    for expected in [
        "oauth-lint...",
        "Failed",
        "exit code: 1",
        "error[code_exchange_in_retry]",
        "src/login.rs:12:14",
        "this loop runs the exchange again with the same code",
    ] {
        assert!(
            refused_text.contains(expected),
            "`{expected}` in:\n{refused_text}"
        );
    }

    // The fix: the same commit goes through.
    write("src/login.rs", LOGIN_ONCE);
    assert!(run(&["add", "--all"]).status.success());
    let accepted = run(&["commit", "-m", "sign in"]);
    let accepted_text = text(&accepted);
    assert!(accepted.status.success(), "refused:\n{accepted_text}");
    assert_ne!(head(), before, "a commit was made");
    assert!(
        accepted_text.contains("oauth-lint...") && accepted_text.contains("Passed"),
        "the hook ran and passed:\n{accepted_text}"
    );
    assert!(
        !accepted_text.contains("code_exchange_in_retry"),
        "{accepted_text}"
    );

    // `types: [rust]`: a commit without a `.rs` file does not run the hook. (No unstaged change
    // here: pre-commit would stash it in a patch file of its store, one per run.)
    write("README.md", "# signin\n\nSigns users in.\n");
    assert!(run(&["add", "README.md"]).status.success());
    let docs = run(&["commit", "-m", "docs"]);
    let docs_text = text(&docs);
    assert!(docs.status.success(), "refused:\n{docs_text}");
    assert!(
        docs_text.contains("(no files to check)") && docs_text.contains("Skipped"),
        "the hook is skipped:\n{docs_text}"
    );

    // `pre-commit try-repo`, the way a hook is tried before it is added to a configuration: it
    // fails on a staged retry and passes once the retry is gone. try-repo always builds the hook
    // in a fresh store; the shared CARGO_TARGET_DIR keeps that to an incremental build.
    let try_repo = || {
        let mut cmd = Command::new(&pre_commit);
        cmd.arg("try-repo")
            .arg(&hook_repo)
            .args(["oauth-lint", "--ref", &rev, "--all-files"])
            .current_dir(dir)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1");
        cmd.output().unwrap()
    };
    write("src/login.rs", LOGIN_RETRY);
    assert!(run(&["add", "--all"]).status.success());
    let failed = try_repo();
    let failed_text = text(&failed);
    assert!(!failed.status.success(), "try-repo passed:\n{failed_text}");
    assert!(
        failed_text.contains("error[code_exchange_in_retry]") && failed_text.contains("Failed"),
        "{failed_text}"
    );
    write("src/login.rs", LOGIN_ONCE);
    assert!(run(&["add", "--all"]).status.success());
    let passed = try_repo();
    let passed_text = text(&passed);
    assert!(passed.status.success(), "try-repo failed:\n{passed_text}");
    assert!(passed_text.contains("Passed"), "{passed_text}");

    // Keep the cache small: pre-commit forgets environments no config uses any more (the older
    // snapshots' ones: their throw-away repositories are gone), and old snapshots go.
    let mut gc = Command::new(&pre_commit);
    gc.arg("gc")
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)));
    ok(gc);
    let snapshots = hook_repo.parent().unwrap();
    for entry in std::fs::read_dir(snapshots).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name != rev && name.len() == 40 {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    eprintln!(
        "pre-commit test: first commit (with the hook's install when not cached) {:.1?}, total {:.1?}",
        first_commit,
        started.elapsed()
    );
}
