use oauth2::{AuthorizationCode, TokenResponse};

#[derive(Clone)]
pub struct AppState {
    pub oauth: oauth2::basic::BasicClient,
    pub http: reqwest::Client,
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
