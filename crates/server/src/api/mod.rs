//! The `/v2` API: one module per resource, each with its own `router()`, merged here into
//! one route table ([`crate::routes`]), from which both the router and the OpenAPI document
//! ([`openapi::document`]) are built.

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;

pub mod account;
pub mod api_keys;
pub mod assets;
pub mod audit;
pub mod campaigns;
pub mod certificates;
pub mod console_sessions;
pub mod convert;
pub mod dashboard;
pub mod google;
pub mod openapi;
pub mod organizations;
pub mod pass_import;
pub mod passes;
pub mod ping;
pub mod remote_forms;
pub mod search;
pub mod sessions;
pub mod sso;
pub mod templates;
pub mod unpublished;
pub mod users;

/// Every `/v2` route with its documentation, in the order of the document's tags.
pub fn routes() -> crate::routes::Routes {
    crate::routes::Routes::new("Health")
        .merge(ping::router())
        .merge(openapi::router())
        .merge(account::router())
        .merge(assets::router())
        .merge(templates::router())
        .merge(certificates::router())
        .merge(organizations::router())
        .merge(remote_forms::router())
        .merge(crate::webhooks::router())
        .merge(crate::jobs::router())
        .merge(crate::pages::api_router())
        .merge(campaigns::router())
        .merge(passes::router())
        .merge(search::router())
        .merge(google::router())
        .merge(unpublished::router())
        .merge(dashboard::router())
        .merge(sessions::router())
        .merge(users::router())
        .merge(api_keys::router())
        .merge(audit::router())
        .merge(sso::router())
        .merge(console_sessions::router())
}

/// All `/v2` routes (without the authentication middleware, added by [`crate::app`]).
pub fn router() -> Router<AppState> {
    routes()
        .into_router()
        .fallback(|| async { ApiError::not_found("route") })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}
