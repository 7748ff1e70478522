use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use oauth2::{AuthorizationCode, TokenResponse};

#[derive(Clone)]
pub struct AppState {
    pub oauth: oauth2::basic::BasicClient,
    pub http: reqwest::Client,
    /// Sign-ins in progress, by the `state` sent to the provider.
    pub pending: Arc<Mutex<HashMap<String, String>>>,
}

impl AppState {
    /// Consumes the pending sign-in started with `state`: a repeated callback finds nothing.
    pub fn take_pending(&self, state: &str) -> Result<String, String> {
        let mut pending = self.pending.lock().map_err(|e| e.to_string())?;
        pending
            .remove(state)
            .ok_or_else(|| "unknown or already used state".to_string())
    }
}

/// Redeems an authorization code for an access token.
pub async fn redeem(state: &AppState, code: &str) -> Result<String, String> {
    let token = state
        .oauth
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .request_async(&state.http)
        .await
        .map_err(|e| e.to_string())?;
    Ok(token.access_token().secret().clone())
}
