//! Demand-driven parsing gives the same facts as parsing every file. Each case is a small
//! project whose exchange depends on a file the seeds do not name: a wrapper, a constant, a
//! helper that returns a pending request, a retry helper, a type, a module, another crate, a
//! method name with more than four candidates. The facts must be identical, at least one file
//! must be skipped (else the case tests nothing), and most cases must have a finding.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

use std::fmt::Write;
use std::path::Path;

use oauth_lint_analysis::prefilter::{FileStatus, Selected};
use oauth_lint_analysis::{FileInput, Models, Parse, Split, lower_file, select};

fn models() -> Models {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../lints/apis");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    Models::load(files.iter().map(|(n, t)| (n.as_str(), t.as_str()))).unwrap()
}

struct File {
    krate: u32,
    module: &'static [&'static str],
    text: &'static str,
}

const fn f(krate: u32, module: &'static [&'static str], text: &'static str) -> File {
    File {
        krate,
        module,
        text,
    }
}

/// An unrelated file: it must be skipped.
const NOISE: &str =
    "pub fn unrelated(n: u32) -> u32 { let v: Vec<u32> = Vec::new(); v.len() as u32 + n }\n";

fn run(crates: &[&str], files: &[File], models: &Models, everything: bool) -> Selected {
    let modules: Vec<Vec<String>> = files
        .iter()
        .map(|f| f.module.iter().map(ToString::to_string).collect())
        .collect();
    let inputs: Vec<FileInput<'_>> = files
        .iter()
        .zip(&modules)
        .map(|(f, m)| FileInput {
            crate_id: f.krate,
            module: m,
            text: f.text,
            scan: None,
        })
        .collect();
    let names: Vec<String> = crates.iter().map(ToString::to_string).collect();
    let parse = |i: usize| lower_file(files[i].text, &modules[i]).map_err(|e| e.message);
    let mode = if everything {
        Parse::Everything
    } else {
        Parse::OnDemand
    };
    select(&inputs, &names, models, mode, Split::Parts, &parse)
}

fn check(name: &str, crates: &[&str], files: &[File], expect_finding: bool) -> String {
    let models = models();
    let all = run(crates, files, &models, true);
    let some = run(crates, files, &models, false);
    let mut problems = String::new();
    let (a, b) = (format!("{:#?}", all.facts), format!("{:#?}", some.facts));
    if a != b {
        let _ = writeln!(
            problems,
            "{name}: facts differ\nparsing everything: {a}\nprefiltered: {b}"
        );
    }
    if expect_finding && all.facts.is_empty() {
        let _ = writeln!(problems, "{name}: no finding, the case tests nothing");
    }
    if !some.status.contains(&FileStatus::Skipped) {
        let _ = writeln!(
            problems,
            "{name}: nothing was skipped, the case tests nothing"
        );
    }
    if all
        .status
        .iter()
        .any(|s| matches!(s, FileStatus::Failed(_)))
    {
        let _ = writeln!(problems, "{name}: a file does not parse: {:?}", all.status);
    }
    problems
}

#[test]
fn prefiltered_facts_equal_the_facts_of_a_full_parse() {
    let cases: Vec<(&str, Vec<&str>, Vec<File>, bool)> = vec![
        (
            "a wrapper in another file, called in a loop",
            vec!["app"],
            vec![
                f(
                    0,
                    &["auth"],
                    "pub async fn redeem(client: &C, http: &H, code: String) {\n    let _ = client.exchange_code(AuthorizationCode::new(code)).request_async(http).await;\n}\n",
                ),
                f(
                    0,
                    &["handlers"],
                    "use crate::auth::redeem;\npub async fn callback(q: Query<P>) {\n    for _ in 0..3 {\n        redeem(&CLIENT, &HTTP, q.code.clone()).await;\n    }\n}\n",
                ),
                f(0, &["noise"], NOISE),
            ],
            true,
        ),
        (
            "a constant code in another file, read elsewhere too",
            vec!["app"],
            vec![
                f(
                    0,
                    &["consts"],
                    "pub const CODE: &str = \"4/abc\";\npub const OTHER: &str = \"x\";\n",
                ),
                f(
                    0,
                    &[],
                    "fn main() { let _ = CLIENT.exchange_code(AuthorizationCode::new(CODE.to_string())).request(&HTTP); }\n",
                ),
                f(
                    0,
                    &["other"],
                    "pub fn other() -> &'static str { let c = CODE; c }\n",
                ),
                f(0, &["noise"], NOISE),
            ],
            true,
        ),
        (
            "a constant first read by an unrelated function decides the origin order",
            vec!["app"],
            vec![
                f(0, &["early"], "pub fn early() -> &'static str { CODE }\n"),
                f(0, &["consts"], "pub const CODE: &str = \"4/abc\";\n"),
                f(
                    0,
                    &[],
                    "fn main(x: bool) {\n    let c = if x { std::env::var(\"C\").unwrap() } else { CODE.to_string() };\n    let _ = CLIENT.exchange_code(AuthorizationCode::new(c)).request(&HTTP);\n}\n",
                ),
                f(0, &["noise"], NOISE),
            ],
            true,
        ),
        (
            "a helper returning a pending request, sent in a loop",
            vec!["app"],
            vec![
                f(
                    0,
                    &["build"],
                    "pub fn build(c: &C, code: String) -> R { c.exchange_code(AuthorizationCode::new(code)) }\n",
                ),
                f(
                    0,
                    &[],
                    "fn main() { let r = build(&CLIENT, std::env::var(\"CODE\").unwrap()); loop { let _ = r.clone().request(&HTTP); } }\n",
                ),
                f(0, &["noise"], NOISE),
            ],
            true,
        ),
        (
            "a retry helper and a code source in other files",
            vec!["app"],
            vec![
                f(
                    0,
                    &["retry"],
                    "pub fn with_retry<F: FnMut() -> bool>(mut f: F) { for _ in 0..3 { if f() { break; } } }\n",
                ),
                f(
                    0,
                    &["source"],
                    "pub fn code() -> String { std::env::var(\"AUTH_CODE\").unwrap() }\n",
                ),
                f(
                    0,
                    &[],
                    "fn main() { let c = code(); with_retry(|| CLIENT.exchange_code(AuthorizationCode::new(c.clone())).request(&HTTP).is_ok()); }\n",
                ),
                f(0, &["noise"], NOISE),
            ],
            true,
        ),
        (
            "a method with five candidates is left unresolved",
            vec!["app"],
            vec![
                f(
                    0,
                    &["a"],
                    "impl A { pub fn send(&self, x: String) { let _ = x; } }\n",
                ),
                f(
                    0,
                    &["b"],
                    "impl B { pub fn send(&self, x: String) { let _ = x; } }\n",
                ),
                f(
                    0,
                    &["c"],
                    "impl C { pub fn send(&self, x: String) { let _ = x; } }\n",
                ),
                f(
                    0,
                    &["d"],
                    "impl D { pub fn send(&self, x: String) { let _ = x; } }\n",
                ),
                f(
                    0,
                    &["e"],
                    "impl E { pub fn send(&self, code: String) { let _ = CLIENT.exchange_code(AuthorizationCode::new(code)).request(&HTTP); } }\n",
                ),
                f(
                    0,
                    &[],
                    "fn main(s: S) { for _ in 0..2 { s.send(std::env::var(\"C\").unwrap()); } let _ = CLIENT.exchange_code(AuthorizationCode::new(String::new())).request(&HTTP); }\n",
                ),
                f(0, &["noise"], NOISE),
            ],
            false,
        ),
        (
            "a method with two candidates is resolved",
            vec!["app"],
            vec![
                f(
                    0,
                    &["a"],
                    "impl A { pub fn send(&self, x: String) { let _ = x; } }\n",
                ),
                f(
                    0,
                    &["e"],
                    "impl E { pub fn send(&self, code: String) { let _ = CLIENT.exchange_code(AuthorizationCode::new(code)).request(&HTTP); } }\n",
                ),
                f(
                    0,
                    &[],
                    "fn main(s: S) { for _ in 0..2 { s.send(std::env::var(\"C\").unwrap()); } }\n",
                ),
                f(0, &["noise"], NOISE),
            ],
            true,
        ),
        (
            "a retry helper among methods of the same name but another arity",
            vec!["app"],
            vec![
                f(0, &["a"], "impl A { pub fn send(&self) {} }\n"),
                f(0, &["b"], "impl B { pub fn send(&self) {} }\n"),
                f(0, &["c"], "impl C { pub fn send(&self) {} }\n"),
                f(0, &["d"], "impl D { pub fn send(&self) {} }\n"),
                f(
                    0,
                    &["e"],
                    "impl E { pub fn send(&self, x: u8) { let _ = x; } }\n",
                ),
                f(
                    0,
                    &["f"],
                    "impl F { pub fn send<O: FnMut()>(&self, mut op: O) { loop { op(); } } }\n",
                ),
                f(
                    0,
                    &[],
                    "fn main(s: S) {\n    let c = std::env::var(\"C\").unwrap();\n    s.send(|| { let _ = CLIENT.exchange_code(AuthorizationCode::new(c.clone())).request(&HTTP); });\n}\n",
                ),
                f(0, &["noise"], NOISE),
            ],
            true,
        ),
        (
            "a wrapper in another crate of the workspace",
            vec!["authlib", "app"],
            vec![
                f(
                    0,
                    &[],
                    "pub fn redeem(code: String) { let _ = CLIENT.exchange_code(AuthorizationCode::new(code)).request(&HTTP); }\n",
                ),
                f(
                    1,
                    &[],
                    "fn main() { loop { authlib::redeem(std::env::var(\"C\").unwrap()); } }\n",
                ),
                f(1, &["noise"], NOISE),
                f(0, &["noise"], NOISE),
            ],
            true,
        ),
        (
            "a path through a module and a type defined in other files",
            vec!["app"],
            vec![
                f(
                    0,
                    &["util"],
                    "pub fn redeem(code: String) { let _ = CLIENT.exchange_code(AuthorizationCode::new(code)).request(&HTTP); }\n",
                ),
                f(0, &["types"], "pub struct Auth;\n"),
                f(
                    0,
                    &["auth_impl"],
                    "impl Auth { pub fn login(code: String) { let _ = CLIENT.exchange_code(AuthorizationCode::new(code)).request(&HTTP); } }\n",
                ),
                f(
                    0,
                    &[],
                    "fn main() { let c = std::env::var(\"C\").unwrap(); loop { util::redeem(c.clone()); Auth::login(c.clone()); } }\n",
                ),
                f(0, &["noise"], NOISE),
            ],
            true,
        ),
        (
            "a token URL in a constant of another file",
            vec!["app"],
            vec![
                f(
                    0,
                    &["urls"],
                    "pub const TOKEN_URL: &str = \"https://oauth2.googleapis.com/token\";\n",
                ),
                f(
                    0,
                    &["client"],
                    "pub async fn fetch(client: C, code: String) {\n    for _ in 0..3 {\n        let _ = client.post(TOKEN_URL).form(&[(\"code\", code.clone())]).send().await;\n    }\n}\n",
                ),
                f(0, &["noise"], NOISE),
            ],
            true,
        ),
        (
            "a clap parser type in another file",
            vec!["app"],
            vec![
                f(
                    0,
                    &["args"],
                    "#[derive(Parser)]\npub struct Args { pub code: String }\n",
                ),
                f(
                    0,
                    &[],
                    "fn main() { let a = Args::parse(); let _ = CLIENT.exchange_code(AuthorizationCode::new(a.code)).request(&HTTP); }\n",
                ),
                f(0, &["noise"], NOISE),
            ],
            true,
        ),
        (
            "a form body built by a helper, posted by its caller",
            vec!["app"],
            vec![
                f(
                    0,
                    &["form"],
                    "pub fn params(code: String) -> Vec<(&'static str, String)> { vec![(\"grant_type\", \"authorization_code\".to_string()), (\"code\", code)] }\n",
                ),
                f(
                    0,
                    &["client"],
                    "pub async fn fetch(client: C, url: String, code: String) {\n    loop {\n        let _ = client.post(url.clone()).form(&params(code.clone())).send().await;\n    }\n}\n",
                ),
                f(0, &["noise"], NOISE),
            ],
            true,
        ),
    ];
    let mut problems = String::new();
    for (name, crates, files, finding) in &cases {
        problems += &check(name, crates, files, *finding);
    }
    assert!(problems.is_empty(), "{problems}");
}
