//! `GET /v2/ping` (§2.1): health check, useful without credentials.

use crate::routes::{doc, Routes};
use axum::Json;
use passworks_wire::Ping;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::new("Health").get("/ping", ping, doc("Health check").ok::<Ping>().public())
}

async fn ping() -> Json<Ping> {
    Json(Ping {
        ping: "pong".into(),
    })
}
