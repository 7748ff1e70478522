//! A web app with two OAuth callbacks: both retry the token exchange with the same code.

mod auth;
mod handlers;
mod login;

fn main() {
    let app = axum::Router::new()
        .route("/login/callback", axum::routing::get(login::callback))
        .route("/link/callback", axum::routing::get(handlers::link_callback));
    let _ = app;
}
