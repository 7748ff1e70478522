//! Never crash, never lie (issue 7): every hostile input is checked next to a known retry (a
//! fixture), whose finding must still be reported while the bad input is named in the JSON
//! `errors` and on stderr, with cli.md's exit codes (1 for the deny finding, 0 for errors
//! alone, 2 for errors under `--strict`). Then: deep trees below and above the nesting limit,
//! determinism over every fixture and across the two discovery modes, nothing executed (build
//! scripts, proc macros, cargo configuration) and nothing read or shown from outside the
//! workspace; and the inputs that once crashed it (`tests/regressions`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The known retry every hostile input is checked next to.
const RETRY: &str = "tests/fixtures/code_exchange_in_retry/fail_for_range_openidconnect.rs";

/// A run that hangs longer than this fails the test instead of hanging it.
const HANG: Duration = Duration::from_secs(300);

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", self.stdout, self.stderr))
    }
}

/// Runs oauth-lint in `dir`, with `env` set (`None` removes a variable), killing it and failing
/// after `HANG`. Output goes through files, so that a full pipe cannot stall the child.
fn run_env(dir: &Path, args: &[&str], env: &[(&str, Option<&str>)]) -> Run {
    let out = tempfile::NamedTempFile::new().unwrap();
    let err = tempfile::NamedTempFile::new().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oauth-lint"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(err.reopen().unwrap());
    for (k, v) in env {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            panic!("oauth-lint {args:?} in {} hung", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: std::fs::read_to_string(out.path()).unwrap(),
        stderr: std::fs::read_to_string(err.path()).unwrap(),
    }
}

fn run(dir: &Path, args: &[&str]) -> Run {
    run_env(dir, args, &[])
}

fn retry_source() -> String {
    std::fs::read_to_string(common::root().join(RETRY)).unwrap()
}

/// The line of the retry's finding, from its `//~` annotation.
fn retry_line() -> u64 {
    let text = retry_source();
    let i = text.lines().position(|l| l.contains("//~")).unwrap();
    u64::try_from(i + 1).unwrap()
}

fn write(path: &Path, text: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

/// A directory with the known retry as `retry.rs`.
fn dir_with_retry() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("retry.rs"), retry_source());
    dir
}

/// The retry's finding is reported at `file`.
fn has_retry_finding(doc: &Value, file: &str) -> bool {
    doc["findings"].as_array().unwrap().iter().any(|f| {
        f["file"] == file && f["line"] == retry_line() && f["lint"] == "code_exchange_in_retry"
    })
}

/// `(file, message)` of every error, sorted.
fn errors(doc: &Value) -> Vec<(String, String)> {
    doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Checks the promise for `hostile` (paths relative to `dir`, next to `retry.rs`): the run over
/// the whole directory reports the retry and exactly the `expected` errors (file, start of the
/// message), in JSON and on stderr, and exits 1; `--strict` exits 2; the hostile paths alone
/// exit 0 with the same errors (or 0 and none when none are expected).
fn goes_on(dir: &Path, hostile: &[&str], expected: &[(&str, &str)]) {
    let whole = run(dir, &["check", ".", "--format", "json"]);
    assert_eq!(whole.code, Some(1), "{}", whole.stderr);
    let doc = whole.json();
    assert!(has_retry_finding(&doc, "retry.rs"), "{doc:#}");
    let got = errors(&doc);
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for ((file, message), (want_file, want_message)) in got.iter().zip(expected) {
        assert_eq!(file, want_file, "{got:#?}");
        assert!(
            message.starts_with(want_message),
            "{message:?} does not start with {want_message:?}"
        );
        assert!(
            whole
                .stderr
                .contains(&format!("error: {file}: {message}\n")),
            "{}",
            whole.stderr
        );
    }
    assert_eq!(doc["summary"]["errors"], expected.len());
    let strict = run(dir, &["check", ".", "--strict", "--format", "json"]);
    let want = if expected.is_empty() { 1 } else { 2 };
    assert_eq!(strict.code, Some(want), "{}", strict.stderr);
    assert!(has_retry_finding(&strict.json(), "retry.rs"));
    let mut args = vec!["check"];
    args.extend(hostile);
    args.extend(["--format", "json"]);
    let alone = run(dir, &args);
    assert_eq!(alone.code, Some(0), "{}", alone.stderr);
    assert_eq!(errors(&alone.json()), got);
}

#[test]
fn a_syntax_error_is_named_with_line_and_column() {
    let dir = dir_with_retry();
    write(
        &dir.path().join("hostile/login.rs"),
        "pub async fn callback(client: BasicClient, http: Client, code: String) {\n    let token = client\n        .exchange_code(AuthorizationCode::new(code))\n        .request_async(&http)\n        .await\n    let profile = ;\n}\n",
    );
    goes_on(
        dir.path(),
        &["hostile"],
        &[("hostile/login.rs", "could not parse: 6:5: expected `;`")],
    );
}

#[test]
fn a_file_that_is_not_utf8_is_named_with_the_offset() {
    let dir = dir_with_retry();
    write(
        &dir.path().join("hostile/latin1.rs"),
        b"// caf\xe9 au lait\nfn main() {}\n",
    );
    goes_on(
        dir.path(),
        &["hostile"],
        &[(
            "hostile/latin1.rs",
            "could not read: not valid UTF-8 (invalid byte at offset 6)",
        )],
    );
}

#[test]
fn an_empty_file_is_no_error_and_nothing_else() {
    let dir = dir_with_retry();
    write(&dir.path().join("hostile/empty.rs"), "");
    goes_on(dir.path(), &["hostile"], &[]);
    let doc = run(dir.path(), &["check", ".", "--format", "json"]).json();
    assert_eq!(doc["summary"]["files"], 2);
    assert_eq!(doc["summary"]["findings"], 1);
}

#[test]
fn a_ten_megabyte_generated_file_is_analysed_not_refused() {
    let dir = dir_with_retry();
    let mut text = String::new();
    let mut n = 0;
    while text.len() < 10 * 1024 * 1024 {
        write!(
            text,
            "pub fn handler_{n}(state: &AppState, id: u64) -> Result<String, Error> {{\n    let user = state.db.get(id).map_err(Error::Db)?;\n    let name = format!(\"{{}} {{}}\", user.first, user.last);\n    if name.len() > 10 {{\n        return Ok(name[..10].to_string());\n    }}\n    Ok(name)\n}}\n"
        )
        .unwrap();
        n += 1;
    }
    // The retry at the very end proves the whole file was analysed.
    let offset = u64::try_from(text.lines().count()).unwrap();
    text.push_str(&retry_source());
    write(&dir.path().join("generated/big.rs"), &text);
    let o = run(dir.path(), &["check", ".", "--format", "json"]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    let doc = o.json();
    assert_eq!(errors(&doc), []);
    assert_eq!(doc["summary"]["files"], 2);
    assert!(has_retry_finding(&doc, "retry.rs"), "{doc:#}");
    let big: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"] == "generated/big.rs")
        .collect();
    assert_eq!(big.len(), 1, "{doc:#}");
    assert_eq!(big[0]["line"], offset + retry_line());
}

/// `(file name, text)` of deep trees that oauth-lint must refuse, with where the limit is passed.
fn too_deep() -> Vec<(&'static str, String, &'static str)> {
    let n = 20_000;
    vec![
        (
            "parens.rs",
            format!(
                "fn f() {{ let x = {}1{}; }}\n",
                "(".repeat(5000),
                ")".repeat(5000)
            ),
            "1:2015:",
        ),
        (
            "not.rs",
            format!("fn f() {{ let x = {}a; }}\n", "!".repeat(n)),
            "1:",
        ),
        (
            "types.rs",
            format!(
                "fn f(x: {}u8{}) {{}}\n",
                "Box<dyn A<".repeat(n),
                ">>".repeat(n)
            ),
            "1:",
        ),
        (
            "closures.rs",
            format!(
                "fn f() {{ let c = {}x{}; }}\n",
                "|x| { ".repeat(1500),
                " }".repeat(1500)
            ),
            "1:",
        ),
        (
            "methods.rs",
            format!("fn f() {{ a{}; }}\n", ".b()".repeat(100_000)),
            "1:",
        ),
        (
            "bindings.rs",
            format!("fn f() {{ let {}y = a; }}\n", "x @ ".repeat(n)),
            "1:",
        ),
        (
            "else_if.rs",
            format!("fn f() {{ if a {{}} {} }}\n", "else if a {} ".repeat(n)),
            "1:",
        ),
    ]
}

#[test]
fn deep_trees_are_refused_with_the_place_not_crashed() {
    let dir = dir_with_retry();
    let cases = too_deep();
    for (name, text, _) in &cases {
        write(&dir.path().join("hostile").join(name), text);
    }
    let mut expected: Vec<(String, String)> = cases
        .iter()
        .map(|(name, _, at)| (format!("hostile/{name}"), format!("could not parse: {at}")))
        .collect();
    expected.sort();
    let expected: Vec<(&str, &str)> = expected
        .iter()
        .map(|(f, m)| (f.as_str(), m.as_str()))
        .collect();
    goes_on(dir.path(), &["hostile"], &expected);
    let doc = run(dir.path(), &["check", "hostile", "--format", "json"]).json();
    for (_, message) in errors(&doc) {
        assert!(
            message.contains(
                ": nested more than 2000 levels deep (brackets, operators and type arguments)"
            ),
            "{message}"
        );
    }
}

#[test]
fn deep_trees_below_the_limit_are_analysed() {
    let dir = dir_with_retry();
    let shapes = [
        (
            "ifs.rs",
            format!(
                "fn f() {{\n{}g();\n{}}}\n",
                "if a {\n".repeat(1500),
                "}\n".repeat(1500)
            ),
        ),
        (
            "blocks.rs",
            format!("fn f() {}{}\n", "{".repeat(1900), "}".repeat(1900)),
        ),
        (
            "closures.rs",
            format!(
                "fn f() {{ let c = {}x{}; }}\n",
                "|x| { ".repeat(900),
                " }".repeat(900)
            ),
        ),
        (
            "loops.rs",
            format!(
                "fn f(c: String) {{ {}client.exchange_code(c);{} }}\n",
                "loop { if a { ".repeat(600),
                " } }".repeat(600)
            ),
        ),
        (
            "methods.rs",
            format!("fn f() {{ a{}; }}\n", ".b()".repeat(20_000)),
        ),
        (
            "fields.rs",
            format!("fn f() {{ a{}; }}\n", ".b".repeat(20_000)),
        ),
        (
            "sums.rs",
            format!("fn f() {{ let x = a{}; }}\n", " + a".repeat(20_000)),
        ),
        (
            "conditions.rs",
            format!("fn f() {{ if a{} {{}} }}\n", " && a == b".repeat(10_000)),
        ),
        (
            "patterns.rs",
            format!(
                "fn f() {{ match c {{ {}'z' => 1, _ => 2 }}; }}\n",
                "'a'..='b' | ".repeat(10_000)
            ),
        ),
        (
            "types.rs",
            format!(
                "fn f(x: {}u8{}) {{}}\n",
                "Vec<".repeat(1500),
                ">".repeat(1500)
            ),
        ),
        (
            "modules.rs",
            format!(
                "{}fn f() {{}}{}\n",
                "mod a { ".repeat(1900),
                " }".repeat(1900)
            ),
        ),
    ];
    for (name, text) in &shapes {
        write(&dir.path().join("hostile").join(name), text);
    }
    goes_on(dir.path(), &["hostile"], &[]);
    let doc = run(dir.path(), &["check", ".", "--format", "json"]).json();
    assert_eq!(doc["summary"]["files"], shapes.len() + 1);
}

fn symlink(target: &str, link: &Path) {
    if let Some(parent) = link.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::os::unix::fs::symlink(target, link).unwrap();
}

#[test]
fn a_symlink_loop_is_reported_in_walk_mode() {
    let dir = dir_with_retry();
    symlink("..", &dir.path().join("hostile/src/loop"));
    write(&dir.path().join("hostile/src/lib.rs"), "pub fn f() {}\n");
    goes_on(
        dir.path(),
        &["hostile"],
        &[(
            "hostile/src/loop",
            "not followed: a symbolic link to a directory that contains it (a loop)",
        )],
    );
}

fn package(dir: &Path, name: &str) {
    write(
        &dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n"
        ),
    );
}

#[test]
fn a_symlink_loop_inside_a_cargo_package_is_harmless() {
    let ws = tempfile::tempdir().unwrap();
    let p = ws.path();
    package(p, "looped");
    symlink("..", &p.join("src/loop"));
    symlink("..", &p.join("tests/loop"));
    write(
        &p.join("src/main.rs"),
        "mod retry;\n#[path = \"loop/src/loop/src/retry.rs\"]\nmod again;\nfn main() {}\n",
    );
    write(&p.join("src/retry.rs"), retry_source());
    let o = run(p, &["--format", "json"]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(!o.stderr.contains("falling back"), "{}", o.stderr);
    let doc = o.json();
    assert!(has_retry_finding(&doc, "src/retry.rs"), "{doc:#}");
    assert_eq!(errors(&doc), []);
    assert_eq!(doc["summary"]["files"], 2, "main.rs and retry.rs, once");
    assert_eq!(doc["summary"]["findings"], 1);
}

#[test]
fn unreadable_files_are_reported() {
    let dir = dir_with_retry();
    let h = dir.path().join("hostile");
    std::fs::create_dir_all(&h).unwrap();
    // A FIFO would block a read forever; a dangling link has nothing to read.
    let fifo = Command::new("mkfifo")
        .arg(h.join("pipe.rs"))
        .status()
        .unwrap();
    assert!(fifo.success());
    symlink("gone.rs", &h.join("dangling.rs"));
    let mut expected = vec![
        (
            "hostile/dangling.rs",
            "could not read: No such file or directory",
        ),
        (
            "hostile/pipe.rs",
            "could not read: not a regular file (a FIFO, socket or device)",
        ),
    ];
    // Without privileges, mode 000 makes a file unreadable; as root it does not.
    let locked = h.join("locked.rs");
    write(&locked, "fn f() {}\n");
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_err() {
        expected.push(("hostile/locked.rs", "could not read: Permission denied"));
    } else {
        std::fs::remove_file(&locked).unwrap();
    }
    expected.sort_unstable();
    goes_on(dir.path(), &["hostile"], &expected);
}

#[test]
fn a_module_file_that_is_a_fifo_is_reported_not_waited_for() {
    let ws = tempfile::tempdir().unwrap();
    let p = ws.path();
    package(p, "piped");
    write(
        &p.join("src/main.rs"),
        "mod retry;\nmod pipe;\nfn main() {}\n",
    );
    write(&p.join("src/retry.rs"), retry_source());
    assert!(
        Command::new("mkfifo")
            .arg(p.join("src/pipe.rs"))
            .status()
            .unwrap()
            .success()
    );
    let o = run(p, &["--format", "json"]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    let doc = o.json();
    assert!(has_retry_finding(&doc, "src/retry.rs"), "{doc:#}");
    assert_eq!(
        errors(&doc),
        [(
            "src/pipe.rs".to_string(),
            "could not read: not a regular file".to_string()
        )]
    );
    assert!(
        o.stderr
            .contains("error: src/pipe.rs: could not read: not a regular file")
    );
}

/// A workspace `ws` inside `outer`, and `outer/secret.rs`: a retry that would be a finding,
/// marked with a word that must never appear in any output.
const SECRET: &str = "OUTSIDE_THE_WORKSPACE_7f3a";

fn escaping_workspace() -> tempfile::TempDir {
    let outer = tempfile::tempdir().unwrap();
    let ws = outer.path().join("ws");
    package(&ws, "escape");
    write(
        &outer.path().join("secret.rs"),
        format!(
            "// {SECRET}\n{}",
            retry_source().replace("oidc_callback", SECRET)
        ),
    );
    write(
        &ws.join("src/main.rs"),
        "mod retry;\n#[path = \"../../secret.rs\"]\nmod secret;\nmod linked;\nfn main() {}\n",
    );
    write(&ws.join("src/retry.rs"), retry_source());
    symlink("../../secret.rs", &ws.join("src/linked.rs"));
    outer
}

#[test]
fn path_attributes_and_links_outside_the_workspace_are_refused_never_read() {
    let outer = escaping_workspace();
    let ws = outer.path().join("ws");
    let o = run(&ws, &["--format", "json"]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    let doc = o.json();
    assert!(has_retry_finding(&doc, "src/retry.rs"), "{doc:#}");
    // Had secret.rs been read, its retry would be a second finding.
    assert_eq!(doc["summary"]["findings"], 1, "{doc:#}");
    assert_eq!(doc["summary"]["files"], 2);
    let got = errors(&doc);
    assert_eq!(got.len(), 2, "{got:#?}");
    // Sorted by message: `ws/src/../../secret.rs` before `ws/src/linked.rs`.
    for (module, (file, message)) in ["secret", "linked"].iter().zip(&got) {
        assert_eq!(file, "src/main.rs");
        assert!(
            message.starts_with("refused to read `")
                && message.ends_with(&format!(
                    "` for module `{module}`: it is outside the workspace root"
                )),
            "{message}"
        );
    }
    let strict = run(&ws, &["--strict"]);
    assert_eq!(strict.code, Some(2));
}

#[test]
fn no_output_format_shows_source_from_outside_the_workspace() {
    let outer = escaping_workspace();
    let ws = outer.path().join("ws");
    for format in ["human", "short", "json", "sarif", "github"] {
        for extra in [&[][..], &["--strict"], &["--color", "always"]] {
            let mut args = vec!["--format", format];
            args.extend(extra);
            let o = run(&ws, &args);
            assert!(o.stdout.contains("retry.rs"), "{format}: {}", o.stdout);
            assert!(
                !o.stdout.contains(SECRET) && !o.stderr.contains(SECRET),
                "{format} {extra:?} shows the outside file:\n{}\n{}",
                o.stdout,
                o.stderr
            );
        }
    }
}

#[test]
fn module_cycles_through_path_attributes_read_each_file_once() {
    let ws = tempfile::tempdir().unwrap();
    let p = ws.path();
    package(p, "cycles");
    write(
        &p.join("src/main.rs"),
        "#[path = \"a.rs\"]\nmod a;\n#[path = \"main.rs\"]\nmod me;\nfn main() {}\n",
    );
    write(&p.join("src/a.rs"), "#[path = \"b.rs\"]\nmod b;\n");
    write(&p.join("src/b.rs"), "#[path = \"c.rs\"]\nmod c;\n");
    write(
        &p.join("src/c.rs"),
        format!(
            "#[path = \"a.rs\"]\nmod a;\n#[path = \"../src/b.rs\"]\nmod b;\n{}",
            retry_source()
        ),
    );
    let o = run(p, &["--format", "json"]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    let doc = o.json();
    assert_eq!(errors(&doc), []);
    assert_eq!(doc["summary"]["files"], 4, "main, a, b, c: each once");
    assert_eq!(doc["summary"]["findings"], 1, "{doc:#}");
    assert_eq!(doc["findings"][0]["file"], "src/c.rs");
    assert_eq!(doc["findings"][0]["line"], retry_line() + 4);
}

fn package_with_retry() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    package(ws.path(), "pkg");
    write(&ws.path().join("src/main.rs"), "mod retry;\nfn main() {}\n");
    write(&ws.path().join("src/retry.rs"), retry_source());
    ws
}

#[test]
fn a_missing_cargo_falls_back_to_walking_with_a_warning() {
    let ws = package_with_retry();
    let p = ws.path();
    for env in [
        &[("CARGO", Some("/nonexistent/bin/cargo"))][..],
        &[("CARGO", None), ("PATH", Some("/nonexistent/bin"))],
    ] {
        let o = run_env(p, &["--format", "json"], env);
        assert_eq!(o.code, Some(1), "{env:?}: {}", o.stderr);
        assert!(
            o.stderr
                .contains("warning: could not run cargo: No such file or directory")
                && o.stderr.contains("; falling back to walking `"),
            "{env:?}: {}",
            o.stderr
        );
        let doc = o.json();
        assert!(has_retry_finding(&doc, "src/retry.rs"), "{doc:#}");
        assert_eq!(errors(&doc), []);
        assert_eq!(doc["summary"]["files"], 2);
    }
}

#[test]
fn a_broken_manifest_falls_back_and_the_finding_is_reported() {
    let ws = package_with_retry();
    let p = ws.path();
    write(&p.join("Cargo.toml"), "[package\nname = ");
    let o = run(p, &["--format", "json"]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(
        o.stderr.contains("warning: `cargo metadata` failed for `")
            && o.stderr.contains("; falling back to walking `"),
        "{}",
        o.stderr
    );
    let doc = o.json();
    assert!(has_retry_finding(&doc, "src/retry.rs"));
    assert_eq!(errors(&doc), []);
    assert_eq!(doc["summary"]["files"], 2);
    assert_eq!(run(p, &["--strict"]).code, Some(1), "a warning is no error");
}

#[test]
fn a_missing_path_and_an_empty_directory_do_not_stop_the_run() {
    let dir = dir_with_retry();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let o = run(
        dir.path(),
        &[
            "check",
            "does-not-exist",
            "empty",
            "retry.rs",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    let doc = o.json();
    assert!(has_retry_finding(&doc, "retry.rs"));
    assert_eq!(
        errors(&doc),
        [(
            "does-not-exist".to_string(),
            "no such file or directory".to_string()
        )]
    );
    assert!(
        o.stderr
            .contains("error: does-not-exist: no such file or directory\n")
    );
    assert_eq!(doc["summary"]["files"], 1);
    let strict = run(
        dir.path(),
        &["check", "does-not-exist", "retry.rs", "--strict"],
    );
    assert_eq!(strict.code, Some(2));
    let empty = run(dir.path(), &["check", "empty", "--format", "json"]);
    assert_eq!(empty.code, Some(0));
    assert_eq!(errors(&empty.json()), []);
    let short = run(dir.path(), &["check", "empty", "--format", "short"]);
    assert_eq!(short.code, Some(0));
    assert_eq!(
        short.stdout,
        "oauth-lint: 0 findings (0 deny, 0 warn) in 0 files\n"
    );
}

/// Every fixture and the demo workspace as paths of one run.
fn every_fixture() -> Vec<String> {
    let mut paths: Vec<String> = common::fixtures()
        .into_iter()
        .map(|(_, p)| p.to_string_lossy().into_owned())
        .collect();
    paths.push(
        common::root()
            .join("tests/workspace")
            .to_string_lossy()
            .into_owned(),
    );
    paths
}

#[test]
fn the_same_input_gives_byte_identical_output_for_any_job_count() {
    let root = common::root();
    let fixtures = every_fixture();
    for format in ["json", "human"] {
        let mut outputs = Vec::new();
        for jobs in ["1", "4", "1", "4", "3"] {
            let mut args = vec![
                "check", "--format", format, "--color", "always", "--jobs", jobs,
            ];
            args.extend(fixtures.iter().map(String::as_str));
            let o = run(&root, &args);
            assert_eq!(o.code, Some(1), "{}", o.stderr);
            outputs.push(o.stdout);
        }
        assert!(outputs[0].len() > 10_000, "{}", outputs[0]);
        for o in &outputs[1..] {
            assert!(*o == outputs[0], "{format} output differs between runs");
        }
    }
    let mut args = vec!["check", "--format", "json"];
    args.extend(fixtures.iter().map(String::as_str));
    assert_eq!(errors(&run(&root, &args).json()), []);
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir_like(from) {
        let rel = entry.strip_prefix(from).unwrap();
        write(&to.join(rel), std::fs::read(&entry).unwrap());
    }
}

fn walkdir_like(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walkdir_like(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// On a package whose files are all reached by `mod` items, walking its directory and asking
/// cargo give the same report, byte for byte.
#[test]
fn walk_mode_and_cargo_mode_agree_on_a_package() {
    let mut packages: Vec<PathBuf> = common::fixtures()
        .into_iter()
        .map(|(_, p)| p)
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    packages.push(common::root().join("tests/workspace/app"));
    assert!(packages.len() >= 5, "{packages:?}");
    let mut with_findings = 0;
    for package in &packages {
        let cargo = tempfile::tempdir().unwrap();
        copy_dir(package, cargo.path());
        let walk = tempfile::tempdir().unwrap();
        copy_dir(&package.join("src"), &walk.path().join("src"));
        let mut reports = Vec::new();
        for dir in [cargo.path(), walk.path()] {
            for jobs in ["1", "4"] {
                let o = run(dir, &["check", "--format", "json", "--jobs", jobs]);
                assert!(!o.stderr.contains("falling back"), "{}", o.stderr);
                reports.push(o.stdout);
            }
        }
        let walked = &reports[2];
        assert!(
            reports.iter().all(|r| r == walked),
            "{}:\ncargo: {}\nwalk: {}",
            package.display(),
            reports[0],
            walked
        );
        let doc: Value = serde_json::from_str(walked).unwrap();
        assert_eq!(errors(&doc), []);
        with_findings += usize::from(doc["summary"]["findings"] != 0);
    }
    assert!(with_findings >= 3, "{with_findings}");
}

/// A workspace whose build script, proc macro and cargo configuration would each leave a
/// marker file in `markers` if anything ran them.
fn booby_trapped_workspace(markers: &Path) -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    let p = ws.path();
    let marker = |name: &str| markers.join(name).to_string_lossy().into_owned();
    write(
        &p.join("Cargo.toml"),
        "[workspace]\nmembers = [\"app\", \"pm\"]\nresolver = \"2\"\n",
    );
    write(
        &p.join("app/Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\nbuild = \"build.rs\"\n\n[dependencies]\npm = { path = \"../pm\" }\n",
    );
    write(
        &p.join("app/build.rs"),
        format!(
            "fn main() {{ std::fs::write({:?}, \"build.rs ran\").unwrap(); }}\n",
            marker("build-script")
        ),
    );
    write(
        &p.join("app/src/main.rs"),
        format!(
            "mod retry;\n#[pm::trap]\nfn main() {{}}\n// {}\n",
            "the proc macro and the build script must never run"
        ),
    );
    write(&p.join("app/src/retry.rs"), retry_source());
    write(
        &p.join("pm/Cargo.toml"),
        "[package]\nname = \"pm\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\nproc-macro = true\n",
    );
    write(
        &p.join("pm/src/lib.rs"),
        format!(
            "use proc_macro::TokenStream;\n\n#[proc_macro_attribute]\npub fn trap(_: TokenStream, item: TokenStream) -> TokenStream {{\n    std::fs::write({:?}, \"proc macro ran\").unwrap();\n    item\n}}\n",
            marker("proc-macro")
        ),
    );
    let tool = markers.join("tool.sh");
    write(
        &tool,
        format!("#!/bin/sh\necho \"$@\" >> {:?}\nexit 1\n", marker("tool")),
    );
    std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let tool = tool.to_string_lossy().into_owned();
    write(
        &p.join(".cargo/config.toml"),
        format!("[build]\nrustc = {tool:?}\nrustc-wrapper = {tool:?}\nrustdoc = {tool:?}\n"),
    );
    ws
}

#[test]
fn build_scripts_proc_macros_and_cargo_configuration_never_run() {
    let markers = tempfile::tempdir().unwrap();
    let ws = booby_trapped_workspace(markers.path());
    let before = walkdir_like(ws.path());
    let o = run(ws.path(), &["--format", "json"]);
    assert_eq!(o.code, Some(1), "{}", o.stderr);
    assert!(!o.stderr.contains("falling back"), "{}", o.stderr);
    let doc = o.json();
    assert!(has_retry_finding(&doc, "app/src/retry.rs"), "{doc:#}");
    assert_eq!(errors(&doc), []);
    assert_eq!(
        doc["summary"]["files"], 3,
        "app: main, retry; pm: lib; build.rs is not read"
    );
    let ran: Vec<PathBuf> = walkdir_like(markers.path())
        .into_iter()
        .filter(|p| !p.ends_with("tool.sh"))
        .collect();
    assert_eq!(ran, Vec::<PathBuf>::new(), "something ran");
    assert_eq!(
        walkdir_like(ws.path()),
        before,
        "nothing is written into the project"
    );
}

#[test]
fn cargo_metadata_is_asked_without_dependencies_and_offline() {
    let bin = tempfile::tempdir().unwrap();
    let log = bin.path().join("argv.log");
    let fake = bin.path().join("cargo");
    write(
        &fake,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> {:?}\nexec {:?} \"$@\"\n",
            log.to_string_lossy(),
            env!("CARGO")
        ),
    );
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let ws = common::root().join("tests/workspace");
    let manifest = ws.join("Cargo.toml");
    let manifest = manifest.to_str().unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let fake = fake.to_str().unwrap();
    for (args, env) in [
        (&["--format", "json"][..], &[("CARGO", Some(fake))][..]),
        (
            &["--manifest-path", manifest, "--format", "json"],
            &[("CARGO", Some(fake))],
        ),
        (
            &["--format", "json"],
            &[("CARGO", None), ("PATH", Some(path.as_str()))],
        ),
    ] {
        let _ = std::fs::remove_file(&log);
        let o = run_env(&ws, args, env);
        assert_eq!(o.code, Some(1), "{}", o.stderr);
        let calls = std::fs::read_to_string(&log).unwrap();
        let canonical = std::fs::canonicalize(manifest).unwrap();
        assert_eq!(
            calls,
            format!(
                "metadata --no-deps --format-version 1 --offline --manifest-path {}\n",
                canonical.display()
            ),
            "{args:?}"
        );
    }
}

/// Inputs that crashed oauth-lint once (found by the fuzzers or by hand), in
/// `tests/regressions/`: each is run through the whole analysis and must neither panic nor
/// overflow a stack. A file holds one source, or several separated by NUL bytes (as the
/// `bytes` fuzz target reads them).
#[test]
fn fuzz_regressions_analyse_without_a_crash() {
    let dir = common::root().join("tests/regressions");
    let inputs = walkdir_like(&dir);
    assert!(
        !inputs.is_empty(),
        "no regression inputs in {}",
        dir.display()
    );
    for input in inputs {
        let bytes = std::fs::read(&input).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let names = [
            "src/lib.rs",
            "src/auth.rs",
            "src/handlers.rs",
            "src/main.rs",
        ];
        let sources: Vec<(&str, &str)> = names.iter().copied().zip(text.split('\0')).collect();
        let (json, human) = oauth_lint::analyze_sources(&sources)
            .unwrap_or_else(|e| panic!("{}: {e}", input.display()));
        let doc: Value = serde_json::from_str(&json).unwrap();
        let findings = doc["findings"].as_array().unwrap();
        assert_eq!(
            doc["summary"]["findings"],
            findings.len(),
            "{}",
            input.display()
        );
        for f in findings {
            assert!(human.contains(f["message"].as_str().unwrap()), "{human}");
        }
    }
}

#[test]
fn in_memory_sources_are_analysed_like_files() {
    let (json, human) =
        oauth_lint::analyze_sources(&[("src/retry.rs", &retry_source()), ("src/bad.rs", "fn (")])
            .unwrap();
    let doc: Value = serde_json::from_str(&json).unwrap();
    assert!(has_retry_finding(&doc, "src/retry.rs"), "{doc:#}");
    assert_eq!(
        errors(&doc),
        [(
            "src/bad.rs".to_string(),
            "could not parse: 1:4: cannot parse string into token stream".to_string()
        )]
    );
    assert!(human.contains("error[code_exchange_in_retry]"), "{human}");
}
