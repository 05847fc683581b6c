//! `GET /v2/ping` (§2.1): health check, useful without credentials.

use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use passworks_wire::Ping;

/// Routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/ping", get(ping))
}

async fn ping() -> Json<Ping> {
    Json(Ping {
        ping: "pong".into(),
    })
}
