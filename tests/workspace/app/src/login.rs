use axum::extract::{Query, State};
use oauth2::{AuthorizationCode, TokenResponse};

use crate::auth::AppState;

#[derive(serde::Deserialize)]
pub struct AuthRequest {
    pub code: String,
    pub state: String,
}

pub async fn callback(
    State(app): State<AppState>,
    Query(query): Query<AuthRequest>,
) -> Result<String, String> {
    let code = app.take_pending(&query.state).map(|_| query.code)?;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let result = app
            .oauth
            .exchange_code(AuthorizationCode::new(code.clone()))
            .request_async(&app.http)
            .await;
        match result {
            Ok(token) => return Ok(token.access_token().secret().clone()),
            Err(err) if attempts < 3 => {
                tracing::warn!("token exchange failed, retrying: {err}");
                continue;
            }
            Err(err) => return Err(err.to_string()),
        }
    }
}
