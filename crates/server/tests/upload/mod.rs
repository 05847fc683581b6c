//! Multipart request bodies for upload tests (assets, certificates), built by hand so the
//! tests need no extra HTTP client features.
#![allow(dead_code)]

use crate::common::{Client, Resp};
use reqwest::Method;

/// One part of a multipart body.
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// A text part.
pub fn text(name: &str, value: &str) -> Part {
    Part {
        name: name.into(),
        filename: None,
        content_type: None,
        data: value.as_bytes().to_vec(),
    }
}

/// A file part.
pub fn file(name: &str, filename: &str, content_type: &str, data: Vec<u8>) -> Part {
    Part {
        name: name.into(),
        filename: Some(filename.into()),
        content_type: Some(content_type.into()),
        data,
    }
}

/// Encodes `parts` as `multipart/form-data`; returns (content type, body).
pub fn encode(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = format!("----passworks-test-{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::new();
    for p in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", p.name);
        if let Some(f) = &p.filename {
            disposition.push_str(&format!("; filename=\"{f}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(ct) = &p.content_type {
            body.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&p.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// POSTs `parts` as multipart to `path` (relative to `/v2`).
pub async fn post(client: &Client, path: &str, parts: &[Part]) -> Resp {
    let (content_type, body) = encode(parts);
    Client::finish(
        client
            .request(Method::POST, path)
            .header("content-type", content_type)
            .body(body),
    )
    .await
}
