//! Issue 3's scenario, run as a new user would: a small axum app (a cargo package in a temporary
//! directory) with two OAuth callbacks. One consumes the pending flow under a lock before the
//! exchange; the other reads the CSRF state with tower-sessions' `session.get`. oauth-lint
//! reports exactly the second one, and `process_local_exchange_guard` stays silent until it is
//! enabled on the command line or in the configuration, and then reports the in-memory guard only.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::process::Output;

use common::oauth_lint;

const CARGO_TOML: &str = r#"[package]
name = "callbacks-demo"
version = "0.1.0"
edition = "2021"

[dependencies]
axum = "0.8"
oauth2 = "5"
reqwest = "0.12"
serde = { version = "1", features = ["derive"] }
tokio = { version = "1", features = ["full"] }
tower-sessions = "0.14"
"#;

const MAIN_RS: &str = r#"mod github;
mod google;

use std::collections::HashMap;
use std::sync::Arc;

use axum::{routing::get, Router};
use tokio::sync::Mutex;

#[derive(Clone)]
pub struct AppState {
    pub oauth: oauth2::basic::BasicClient,
    pub http: reqwest::Client,
    /// Sign-ins in progress: `state` -> PKCE verifier.
    pub pending: Arc<Mutex<HashMap<String, oauth2::PkceCodeVerifier>>>,
}

#[tokio::main]
async fn main() {
    let state: AppState = todo!();
    let app = Router::new()
        .route("/auth/google/callback", get(google::callback))
        .route("/auth/github/callback", get(github::callback))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
"#;

/// Correct: the pending flow is removed under the lock before the exchange.
const GOOGLE_RS: &str = r#"use axum::extract::{Query, State};
use oauth2::{AuthorizationCode, TokenResponse};
use serde::Deserialize;

use crate::AppState;

#[derive(Deserialize)]
pub struct AuthRequest {
    code: String,
    state: String,
}

pub async fn callback(State(app): State<AppState>, Query(q): Query<AuthRequest>) -> Result<String, String> {
    let verifier = app
        .pending
        .lock()
        .await
        .remove(&q.state)
        .ok_or("unknown or used state")?;
    let token = app
        .oauth
        .exchange_code(AuthorizationCode::new(q.code))
        .set_pkce_verifier(verifier)
        .request_async(&app.http)
        .await
        .map_err(|e| e.to_string())?;
    Ok(token.access_token().secret().clone())
}
"#;

/// Verified but unguarded: the state is read with `session.get` and compared.
const GITHUB_RS: &str = r#"use axum::extract::{Query, State};
use oauth2::{AuthorizationCode, TokenResponse};
use serde::Deserialize;
use tower_sessions::Session;

use crate::AppState;

#[derive(Deserialize)]
pub struct AuthRequest {
    code: String,
    state: String,
}

pub async fn callback(session: Session, State(app): State<AppState>, Query(q): Query<AuthRequest>) -> Result<String, String> {
    let expected: Option<String> = session.get("github_csrf").await.map_err(|e| e.to_string())?;
    if expected.as_deref() != Some(q.state.as_str()) {
        return Err("state mismatch".into());
    }
    let token = app
        .oauth
        .exchange_code(AuthorizationCode::new(q.code))
        .request_async(&app.http)
        .await
        .map_err(|e| e.to_string())?;
    Ok(token.access_token().secret().clone())
}
"#;

fn app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), CARGO_TOML).unwrap();
    std::fs::write(dir.path().join("src/main.rs"), MAIN_RS).unwrap();
    std::fs::write(dir.path().join("src/google.rs"), GOOGLE_RS).unwrap();
    std::fs::write(dir.path().join("src/github.rs"), GITHUB_RS).unwrap();
    dir
}

fn findings(o: &Output) -> Vec<String> {
    common::stdout(o).lines().map(str::to_string).collect()
}

#[test]
fn only_the_callback_that_reads_the_state_with_get_is_reported() {
    let dir = app();
    let o = oauth_lint(dir.path(), &["--format", "short", "--quiet"]);
    let lines = findings(&o);
    assert_eq!(
        lines,
        [
            "src/github.rs:21:10: warn[unguarded_callback_exchange]: callback handler exchanges the code without a guard"
        ],
        "{}",
        common::stderr(&o)
    );
    // Warnings do not fail the run.
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn the_human_report_names_the_handler_and_where_the_code_comes_in() {
    let dir = app();
    let o = oauth_lint(dir.path(), &["--color", "never"]);
    let out = common::stdout(&o);
    assert!(
        out.contains("warning[unguarded_callback_exchange]"),
        "{out}"
    );
    assert!(
        out.contains("this handler runs again for a repeated callback"),
        "{out}"
    );
    assert!(
        out.contains("the code comes from the request here"),
        "{out}"
    );
    assert!(!out.contains("google.rs"), "{out}");
}

#[test]
fn process_local_exchange_guard_is_silent_unless_enabled() {
    let dir = app();
    let default = findings(&oauth_lint(dir.path(), &["--format", "short", "--quiet"]));
    assert!(
        default
            .iter()
            .all(|l| !l.contains("process_local_exchange_guard")),
        "{default:?}"
    );
    let flag = findings(&oauth_lint(
        dir.path(),
        &[
            "--format",
            "short",
            "--quiet",
            "-W",
            "process-local-exchange-guard",
        ],
    ));
    assert_eq!(
        flag,
        [
            "src/github.rs:21:10: warn[unguarded_callback_exchange]: callback handler exchanges the code without a guard",
            "src/google.rs:22:10: warn[process_local_exchange_guard]: callback's guard lives in process memory",
        ]
    );
    std::fs::write(
        dir.path().join("oauth-lint.toml"),
        "[lints]\nprocess_local_exchange_guard = \"warn\"\n",
    )
    .unwrap();
    let config = findings(&oauth_lint(dir.path(), &["--format", "short", "--quiet"]));
    assert_eq!(config, flag);
}

#[test]
fn a_guard_taught_in_the_configuration_counts() {
    // The in-house store consumes the state with `burn_csrf`: taught as an atomic, shared guard
    // through `[[models.guard]]` (the schema of lints/apis/guards.toml), the callback is quiet.
    let dir = app();
    let github = std::fs::read_to_string(dir.path().join("src/github.rs")).unwrap();
    let github = github.replace(
        "session.get(\"github_csrf\")",
        "app.csrf_store.burn_csrf(&q.state, \"github_csrf\")",
    );
    std::fs::write(dir.path().join("src/github.rs"), github).unwrap();
    let before = findings(&oauth_lint(dir.path(), &["--format", "short", "--quiet"]));
    assert_eq!(before.len(), 1, "{before:?}");
    std::fs::write(
        dir.path().join("oauth-lint.toml"),
        "[[models.guard]]\nmethods = [\"burn_csrf\"]\natomic = true\nshared = true\nlabel = \"burns the CSRF token\"\n",
    )
    .unwrap();
    let o = oauth_lint(dir.path(), &["--format", "short", "--quiet"]);
    assert_eq!(findings(&o), Vec::<String>::new(), "{}", common::stderr(&o));
}
