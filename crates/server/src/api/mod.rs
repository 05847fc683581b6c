//! The `/v2` API: one module per resource, each with its own `router()`, merged here.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;

pub mod account;
pub mod ping;
pub mod util;

/// All `/v2` routes (without the authentication middleware, added by [`crate::app`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(ping::router())
        .merge(account::router())
        .fallback(|| async { ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}
