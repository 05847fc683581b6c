//! The model layer: records, loaders and store functions for every resource, and the only
//! place (with `db.rs` for the pool and migrations, and `list.rs` for the allow-listed
//! collection queries) that writes SQL.
//!
//! Functions here take a [`crate::db::Db`], a transaction ([`crate::db::Tx`]) or a
//! connection, never the application state (the queue workers' `Worker`s hold state, but
//! their SQL is here too), and return `Result`: a database error stays
//! an error (a 500), and "not found" is an `Option` the caller turns into a 404. Reads
//! never write; the API-call counter is bumped by the request's scope
//! ([`crate::auth::CampaignScope`]), not by a loader.

pub mod accounts;
pub mod api_keys;
pub mod assets;
pub mod audit;
pub mod campaign_input;
pub mod campaigns;
pub mod certificates;
pub mod console_sessions;
pub mod counters;
pub mod dashboard;
pub mod devices;
pub mod events;
pub mod expiry;
pub mod google;
pub mod jobs;
pub mod merge;
pub mod organizations;
pub mod pass_batch;
pub mod pass_import;
pub mod passes;
pub mod presentation;
pub mod pushes;
pub mod queue;
pub mod rate_limits;
pub mod redeems;
pub mod search;
pub mod sessions;
pub mod settings;
pub mod sso;
pub mod templates;
pub mod unpublished;
pub mod users;
pub mod values;
pub mod webhooks;

use crate::error::{ApiError, ApiResult};

/// Validates a path id as a UUID (any case) and returns it lowercase; a malformed id is
/// answered like an unknown one, 404 (§2).
pub fn parse_id(raw: &str, resource: &str) -> ApiResult<String> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| ApiError::not_found(resource))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_validated_and_lowercased() {
        assert_eq!(
            parse_id("6F9619FF-8B86-4011-B42D-00C04FC964FF", "pass").unwrap(),
            "6f9619ff-8b86-4011-b42d-00c04fc964ff"
        );
        assert!(matches!(
            parse_id("nope", "pass"),
            Err(ApiError::NotFound(_))
        ));
    }
}
