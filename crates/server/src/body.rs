//! Request body extraction with the contract's rules (§2): JSON only, 400 for malformed
//! JSON, a wrong content type or a missing root key; an empty body is allowed where the
//! route says so.
//!
//! Two rules for real clients: the PHP SDKs encode an empty PHP array as `[]`, so an empty
//! array is read as an empty object for the whole body and for a root key; and no string
//! or key may hold U+0000 (PostgreSQL cannot store it), which is a 422 naming the
//! attribute it was found under.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde_json::{Map, Value};
use std::sync::LazyLock;

/// The empty object a root key holding `[]` stands for.
static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

/// Largest JSON body accepted (1 MiB; assets have their own limit).
const MAX_JSON: usize = 1024 * 1024;

/// Largest JSON body of the bulk routes (1,000 passes a request; 16 MiB).
pub const MAX_BULK_JSON: usize = 16 * 1024 * 1024;

/// A JSON request body; `Value::Null` when the body is empty.
#[derive(Debug, Clone)]
pub struct JsonBody(pub Value);

/// A JSON request body of a bulk route: the same rules as [`JsonBody`], up to
/// [`MAX_BULK_JSON`] (the route must allow that size, `Doc::max_body`).
#[derive(Debug, Clone)]
pub struct BulkJsonBody(pub JsonBody);

impl<S: Send + Sync> FromRequest<S> for BulkJsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_json(req, state, MAX_BULK_JSON, "16 MiB")
            .await
            .map(BulkJsonBody)
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_json(req, state, MAX_JSON, "1 MiB").await
    }
}

/// Reads a JSON body of at most `max` bytes (`max_text` says it in words).
async fn read_json<S: Send + Sync>(
    req: Request,
    state: &S,
    max: usize,
    max_text: &str,
) -> Result<JsonBody, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.to_ascii_lowercase());
    let too_large = || ApiError::TooLarge(format!("Request body is larger than {max_text}"));
    // The router's body limit stops reading a larger body early; its rejection is a
    // 413 too, not a body that "could not be read".
    let bytes = Bytes::from_request(req, state).await.map_err(|r| {
        if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::BadRequest("Could not read the request body".into())
        }
    })?;
    if bytes.len() > max {
        return Err(too_large());
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
    if let Some(path) = nul_path(&value) {
        return Err(nul_error(&path));
    }
    Ok(JsonBody(match value {
        Value::Array(a) if a.is_empty() => Value::Object(Map::new()),
        v => v,
    }))
}

impl JsonBody {
    /// The object under `root` (400 when the body or the root key is missing, or the
    /// root is not an object).
    pub fn root(&self, root: &str) -> Result<&Map<String, Value>, ApiError> {
        match self.0.get(root) {
            Some(Value::Object(m)) => Ok(m),
            Some(Value::Array(a)) if a.is_empty() => Ok(&EMPTY),
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

/// Where the first string or object key holding U+0000 sits: the keys and indexes from
/// the top of the body.
fn nul_path(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => s.contains('\0').then(Vec::new),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            nul_path(item).map(|mut p| {
                p.insert(0, i.to_string());
                p
            })
        }),
        Value::Object(m) => m.iter().find_map(|(k, item)| {
            if k.contains('\0') {
                return Some(vec![k.replace('\0', "\\u0000")]);
            }
            nul_path(item).map(|mut p| {
                p.insert(0, k.clone());
                p
            })
        }),
        _ => None,
    }
}

/// The 422 for a U+0000 at `path`: the message goes under the attribute below the root
/// key (`{"pass": {"values": {"name": …}}}` → `values`), which is where a form shows it,
/// and names the full position when it is deeper.
fn nul_error(path: &[String]) -> ApiError {
    let attribute = match path {
        [] => "base".to_string(),
        [only] => only.clone(),
        [_, attr, ..] => attr.clone(),
    };
    let mut message = "must not contain the character U+0000".to_string();
    if path.len() > 2 {
        message.push_str(&format!(" (at {})", path[1..].join(".")));
    }
    ApiError::invalid(&attribute, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nul_is_found_anywhere_and_named() {
        assert_eq!(nul_path(&json!({"pass": {"redeem_code": "ok"}})), None);
        let p =
            nul_path(&json!({"coupon": {"auxiliary_fields": [{"key": "a"}, {"key": "b\u{0}"}]}}))
                .unwrap();
        assert_eq!(p, ["coupon", "auxiliary_fields", "1", "key"]);
        let body = nul_error(&p).body();
        assert_eq!(
            body.errors["auxiliary_fields"],
            ["must not contain the character U+0000 (at auxiliary_fields.1.key)"]
        );
        assert_eq!(nul_path(&json!({"a\u{0}": 1})).unwrap(), ["a\\u0000"]);
    }

    #[test]
    fn an_empty_array_is_an_empty_root_object() {
        let body = JsonBody(json!({"pass": []}));
        assert!(body.root("pass").unwrap().is_empty());
        assert!(JsonBody(json!({"pass": [1]})).root("pass").is_err());
    }
}
