use axum::extract::{Query, State};
use backon::{ExponentialBuilder, Retryable};
use crate::auth::{self, AppState};

#[derive(serde::Deserialize)]
pub struct LinkRequest {
    pub code: String,
    pub state: String,
}
pub async fn link_callback(
    State(app): State<AppState>,
    Query(req): Query<LinkRequest>,
) -> Result<String, String> {
    app.take_pending(&req.state)?;
    let token = (|| async { auth::redeem(&app, &req.code).await })
        .retry(ExponentialBuilder::default())
        .await?;
    Ok(token)
}
