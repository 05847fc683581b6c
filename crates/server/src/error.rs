//! The one error type of the API and its JSON body (§16).
//!
//! Every failure a handler can meet maps onto [`ApiError`], which renders the canonical
//! `{"errors": {"<attribute>": ["message"]}}` body with the matching status. Internal
//! errors are logged with their cause and answered with a generic message; database
//! constraint violations that reach here become 422, never 500.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use passworks_wire::ErrorBody;
use std::collections::BTreeMap;

/// An API error.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("bad request")]
    BadRequestFields(BTreeMap<String, Vec<String>>),
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("precondition failed")]
    Precondition(String, String),
    #[error("payload too large: {0}")]
    TooLarge(String),
    #[error("validation failed")]
    Validation(BTreeMap<String, Vec<String>>),
    #[error("rate limit exceeded")]
    RateLimited { retry_after: i64 },
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
    /// A service we depend on (Google's API) failed.
    #[error("bad gateway: {0}")]
    BadGateway(String),
}

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// 404 for a resource (`{"errors": {"<resource>": ["not found"]}}`).
    pub fn not_found(resource: &str) -> Self {
        ApiError::NotFound(resource.to_string())
    }

    /// 412 with a message under `attribute` (use `base` for general refusals).
    pub fn precondition(attribute: &str, message: impl Into<String>) -> Self {
        ApiError::Precondition(attribute.to_string(), message.into())
    }

    /// 422 with a single attribute message.
    pub fn invalid(attribute: &str, message: impl Into<String>) -> Self {
        let mut m = BTreeMap::new();
        m.insert(attribute.to_string(), vec![message.into()]);
        ApiError::Validation(m)
    }

    /// The HTTP status of this error.
    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::BadRequestFields(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Precondition(..) => StatusCode::PRECONDITION_FAILED,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::BadGateway(_) => StatusCode::BAD_GATEWAY,
        }
    }

    /// The response body.
    pub fn body(&self) -> ErrorBody {
        let one = |k: &str, m: String| {
            let mut e = BTreeMap::new();
            e.insert(k.to_string(), vec![m]);
            ErrorBody { errors: e }
        };
        match self {
            ApiError::BadRequest(m) => one("base", m.clone()),
            ApiError::BadRequestFields(m) | ApiError::Validation(m) => {
                ErrorBody { errors: m.clone() }
            }
            ApiError::Unauthorized => one("base", "Invalid or missing API credentials".into()),
            ApiError::Forbidden(m) => one("base", m.clone()),
            ApiError::NotFound(r) => one(r, "not found".into()),
            ApiError::MethodNotAllowed => one("base", "Method not allowed on this route".into()),
            ApiError::Precondition(k, m) => one(k, m.clone()),
            ApiError::TooLarge(m) => one("base", m.clone()),
            ApiError::RateLimited { .. } => one("base", "Rate limit exceeded".into()),
            ApiError::Internal(_) => one("base", "Internal server error".into()),
            ApiError::BadGateway(m) => one("base", m.clone()),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if crate::db::is_unique_violation(&e) {
            return ApiError::invalid("base", "conflicts with an existing record");
        }
        ApiError::Internal(anyhow::Error::new(e))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::Internal(anyhow::Error::new(e))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(e) = &self {
            tracing::error!(error = ?e, "internal error");
        }
        let status = self.status_code();
        let mut resp = (status, axum::Json(self.body())).into_response();
        match &self {
            ApiError::Unauthorized => {
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"Passworks API\""),
                );
            }
            ApiError::RateLimited { retry_after } => {
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            _ => {}
        }
        resp
    }
}

/// Collects validation messages per attribute and turns them into a 422.
#[derive(Debug, Default)]
pub struct Errors(pub BTreeMap<String, Vec<String>>);

impl Errors {
    /// Adds a message for `attribute`.
    pub fn add(&mut self, attribute: impl Into<String>, message: impl Into<String>) {
        self.0
            .entry(attribute.into())
            .or_default()
            .push(message.into());
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when empty, else a 422.
    pub fn check(self) -> ApiResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}
