//! Issue 4's scenario, run as a new user would: a small axum app (a cargo package in a temporary
//! directory) whose login handler builds the authorization URL with
//! `http://localhost:3000/callback`, and whose callback exchanges the code with
//! `http://127.0.0.1:3000/callback` and stores only `access_token().secret()` in the database.
//! oauth-lint reports `redirect_uri_mismatch` (both URIs labelled) and `discarded_refresh_token`
//! (the store labelled); the configuration switch for providers without refresh tokens and a
//! store taught in `[models]` silence the second.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod common;

use std::process::Output;

use common::oauth_lint;

const CARGO_TOML: &str = r#"[package]
name = "tokens-demo"
version = "0.1.0"
edition = "2021"

[dependencies]
axum = "0.8"
oauth2 = "5"
reqwest = "0.12"
serde = { version = "1", features = ["derive"] }
sqlx = { version = "0.8", features = ["postgres", "runtime-tokio"] }
tokio = { version = "1", features = ["full"] }
"#;

const MAIN_RS: &str = r#"mod auth;

use std::collections::HashMap;
use std::sync::Arc;

use axum::{routing::get, Router};
use tokio::sync::Mutex;

#[derive(Clone)]
pub struct AppState {
    pub oauth: oauth2::basic::BasicClient,
    pub http: reqwest::Client,
    pub db: sqlx::PgPool,
    /// Sign-ins in progress: `state` -> PKCE verifier.
    pub pending: Arc<Mutex<HashMap<String, oauth2::PkceCodeVerifier>>>,
}

#[tokio::main]
async fn main() {
    let state: AppState = todo!();
    let app = Router::new()
        .route("/login", get(auth::login))
        .route("/callback", get(auth::callback))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
"#;

const AUTH_RS: &str = r#"use std::borrow::Cow;

use axum::extract::{Query, State};
use axum::response::Redirect;
use oauth2::{AuthorizationCode, CsrfToken, PkceCodeChallenge, RedirectUrl, TokenResponse};
use serde::Deserialize;

use crate::AppState;

pub async fn login(State(app): State<AppState>) -> Redirect {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let client = app
        .oauth
        .clone()
        .set_redirect_uri(RedirectUrl::new("http://localhost:3000/callback".to_string()).unwrap());
    let (url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .url();
    app.pending.lock().await.insert(csrf.secret().clone(), verifier);
    Redirect::to(url.as_str())
}

#[derive(Deserialize)]
pub struct AuthRequest {
    code: String,
    state: String,
    user_id: i64,
}

pub async fn callback(State(app): State<AppState>, Query(q): Query<AuthRequest>) -> Result<Redirect, String> {
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
        .set_redirect_uri(Cow::Owned(RedirectUrl::new("http://127.0.0.1:3000/callback".to_string()).unwrap()))
        .request_async(&app.http)
        .await
        .map_err(|e| e.to_string())?;
    sqlx::query("UPDATE users SET access_token = $1 WHERE id = $2")
        .bind(token.access_token().secret())
        .bind(q.user_id)
        .execute(&app.db)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Redirect::to("/"))
}
"#;

fn app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), CARGO_TOML).unwrap();
    std::fs::write(dir.path().join("src/main.rs"), MAIN_RS).unwrap();
    std::fs::write(dir.path().join("src/auth.rs"), AUTH_RS).unwrap();
    dir
}

fn findings(o: &Output) -> Vec<String> {
    common::stdout(o).lines().map(str::to_string).collect()
}

#[test]
fn the_mismatched_redirect_and_the_discarded_refresh_token_are_reported() {
    let dir = app();
    let o = oauth_lint(dir.path(), &["--format", "short", "--quiet"]);
    assert_eq!(
        findings(&o),
        [
            "src/auth.rs:40:10: warn[discarded_refresh_token]: refresh token of this exchange is never stored or returned",
            "src/auth.rs:40:10: deny[redirect_uri_mismatch]: token request sends a different `redirect_uri` from the authorization URL",
        ],
        "{}",
        common::stderr(&o)
    );
    // A deny-level finding fails the run.
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn the_human_report_labels_both_uris_and_the_store() {
    let dir = app();
    let o = oauth_lint(dir.path(), &["--color", "never"]);
    let out = common::stdout(&o);
    assert!(out.contains("error[redirect_uri_mismatch]"), "{out}");
    assert!(
        out.contains("the authorization URL is built with `http://localhost:3000/callback`"),
        "{out}"
    );
    assert!(
        out.contains("the token request sends `http://127.0.0.1:3000/callback`"),
        "{out}"
    );
    assert!(out.contains("warning[discarded_refresh_token]"), "{out}");
    assert!(
        out.contains("only the access token is kept: stored in the database by `bind`"),
        "{out}"
    );
}

#[test]
fn one_redirect_constant_fixes_the_mismatch() {
    let dir = app();
    let auth = std::fs::read_to_string(dir.path().join("src/auth.rs")).unwrap();
    std::fs::write(
        dir.path().join("src/auth.rs"),
        auth.replace("127.0.0.1", "localhost"),
    )
    .unwrap();
    let o = oauth_lint(dir.path(), &["--format", "short", "--quiet"]);
    assert_eq!(
        findings(&o),
        [
            "src/auth.rs:40:10: warn[discarded_refresh_token]: refresh token of this exchange is never stored or returned"
        ],
        "{}",
        common::stderr(&o)
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn a_provider_without_refresh_tokens_is_configured_in_oauth_lint_toml() {
    // lints/discarded_refresh_token.md: `[models] no_refresh_token = [..]` matches the module
    // path and name of the function that exchanges (`auth::callback` here).
    let dir = app();
    let auth = std::fs::read_to_string(dir.path().join("src/auth.rs")).unwrap();
    std::fs::write(
        dir.path().join("src/auth.rs"),
        auth.replace("127.0.0.1", "localhost"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("oauth-lint.toml"),
        "[models]\nno_refresh_token = [\"github\"]\n",
    )
    .unwrap();
    let other = findings(&oauth_lint(dir.path(), &["--format", "short", "--quiet"]));
    assert_eq!(
        other.len(),
        1,
        "another provider's name does not match: {other:?}"
    );
    std::fs::write(
        dir.path().join("oauth-lint.toml"),
        "[models]\nno_refresh_token = [\"auth::callback\"]\n",
    )
    .unwrap();
    let o = oauth_lint(dir.path(), &["--format", "short", "--quiet"]);
    assert_eq!(findings(&o), Vec::<String>::new(), "{}", common::stderr(&o));
}

#[test]
fn a_store_taught_in_the_configuration_counts() {
    // The access token goes to an in-house `note_grant`, which oauth-lint has no model of: the
    // response looks used once and dropped. Taught as a store through `[[models.token_store]]`
    // (the schema of lints/apis/stores.toml), the access token is kept and only the discarded
    // refresh token is left.
    let dir = app();
    let auth = std::fs::read_to_string(dir.path().join("src/auth.rs")).unwrap();
    let auth = auth.replace("127.0.0.1", "localhost").replace(
        "    sqlx::query(\"UPDATE users SET access_token = $1 WHERE id = $2\")\n        .bind(token.access_token().secret())\n        .bind(q.user_id)\n        .execute(&app.db)\n        .await\n        .map_err(|e| e.to_string())?;\n",
        "    app.ledger.note_grant(q.user_id, token.access_token().secret()).await;\n",
    );
    std::fs::write(dir.path().join("src/auth.rs"), &auth).unwrap();
    let before = findings(&oauth_lint(dir.path(), &["--format", "short", "--quiet"]));
    assert_eq!(
        before,
        [
            "src/auth.rs:40:10: warn[uncached_token_exchange]: token response of this exchange is never stored or returned"
        ]
    );
    std::fs::write(
        dir.path().join("oauth-lint.toml"),
        "[[models.token_store]]\nmethods = [\"note_grant\"]\nlabel = \"the grant ledger\"\n",
    )
    .unwrap();
    let o = oauth_lint(dir.path(), &["--format", "short", "--quiet"]);
    assert_eq!(
        findings(&o),
        [
            "src/auth.rs:40:10: warn[discarded_refresh_token]: refresh token of this exchange is never stored or returned"
        ],
        "{}",
        common::stderr(&o)
    );
}
