//! Request body extraction with the contract's rules (§2): JSON only, 400 for malformed
//! JSON, a wrong content type or a missing root key; an empty body is allowed where the
//! route says so.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde_json::{Map, Value};

/// Largest JSON body accepted (1 MiB; assets have their own limit).
const MAX_JSON: usize = 1024 * 1024;

/// A JSON request body; `Value::Null` when the body is empty.
#[derive(Debug, Clone)]
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.to_ascii_lowercase());
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::BadRequest("Could not read the request body".into()))?;
        if bytes.len() > MAX_JSON {
            return Err(ApiError::TooLarge(
                "Request body is larger than 1 MiB".into(),
            ));
        }
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(JsonBody(Value::Null));
        }
        match content_type.as_deref() {
            Some(ct) if ct.starts_with("application/json") || ct.contains("+json") => {}
            Some(ct) => {
                return Err(ApiError::BadRequest(format!(
                    "Content-Type must be application/json, not {ct}"
                )))
            }
            None => {
                return Err(ApiError::BadRequest(
                    "Content-Type must be application/json".into(),
                ))
            }
        }
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("Malformed JSON: {e}")))?;
        Ok(JsonBody(value))
    }
}

impl JsonBody {
    /// The object under `root` (400 when the body or the root key is missing, or the
    /// root is not an object).
    pub fn root(&self, root: &str) -> Result<&Map<String, Value>, ApiError> {
        match self.0.get(root) {
            Some(Value::Object(m)) => Ok(m),
            Some(_) => Err(ApiError::BadRequest(format!(
                "Root key '{root}' must hold a JSON object"
            ))),
            None => Err(ApiError::BadRequest(format!(
                "Missing root key '{root}' in the request body"
            ))),
        }
    }

    /// The object under `root` if present, an empty object for an empty body.
    pub fn optional_root(&self, root: &str) -> Result<Map<String, Value>, ApiError> {
        match &self.0 {
            Value::Null => Ok(Map::new()),
            Value::Object(m) if m.is_empty() => Ok(Map::new()),
            _ => self.root(root).cloned(),
        }
    }

    /// A top-level attribute, or the same attribute under any root key (merge/push bodies
    /// accept both, §19 #9).
    pub fn anywhere(&self, attribute: &str) -> Option<&Value> {
        let obj = self.0.as_object()?;
        if let Some(v) = obj.get(attribute) {
            return Some(v);
        }
        obj.values()
            .filter_map(|v| v.as_object())
            .find_map(|m| m.get(attribute))
    }
}
