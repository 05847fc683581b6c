//! The `/v2` API: one module per resource, each with its own `router()`, merged here.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;

pub mod account;
pub mod assets;
pub mod campaigns;
pub mod certificates;
pub mod convert;
pub mod openapi;
pub mod organizations;
pub mod passes;
pub mod ping;
pub mod remote_forms;
pub mod templates;

/// All `/v2` routes (without the authentication middleware, added by [`crate::app`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(ping::router())
        .merge(account::router())
        .merge(assets::router())
        .merge(certificates::router())
        .merge(organizations::router())
        .merge(openapi::router())
        .merge(campaigns::router())
        .merge(passes::router())
        .merge(templates::router())
        .merge(remote_forms::router())
        .merge(crate::webhooks::router())
        .merge(crate::jobs::router())
        .merge(crate::pages::api_router())
        .fallback(|| async { ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}
