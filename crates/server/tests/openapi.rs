//! The OpenAPI document: the committed copy (`docs/openapi.json`) matches the generated
//! one, it is served at `/v2/openapi.json` without credentials, and every operation it
//! lists is routed by the server.

mod common;

use common::{Backend, TestServer};
use passworks_server::api::openapi::document_json;
use reqwest::Method;
use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

#[test]
fn committed_openapi_document_is_up_to_date() {
    let generated = document_json();
    let path = committed_path();
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json differs from the document generated from the code; regenerate it \
         with `UPDATE_OPENAPI=1 cargo test -p passworks-server --test openapi` and commit it"
    );
}

async fn served_without_credentials(backend: Backend) {
    let server = TestServer::start(backend).await;
    let r = server.anonymous().get("/openapi.json").await.expect(200);
    assert_eq!(r.body["openapi"], "3.1.0");
    assert_eq!(
        r.body,
        serde_json::from_str::<serde_json::Value>(&document_json()).unwrap()
    );
    assert_eq!(
        r.body["components"]["securitySchemes"]["basic"]["scheme"],
        "basic"
    );
    assert!(!r.header("x-ratelimit-limit").is_empty());
    server.stop().await;
}
both_backends!(served_without_credentials);

/// The methods the API routes.
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// `path` with each `{parameter}` replaced by a value of its shape.
fn concrete(path: &str) -> String {
    path.trim_start_matches("/v2")
        .split('/')
        .map(|s| {
            if s == "{redeem_code}" {
                "0000001".to_string()
            } else if s.starts_with('{') {
                uuid::Uuid::new_v4().to_string()
            } else {
                s.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The route table and the document agree both ways: every documented operation reaches a
/// handler (never the router's own 404 or 405), and every other method on a documented
/// path is a 405, so the router answers nothing the document does not list.
async fn routes_and_document_agree(backend: Backend) {
    let server = TestServer::start(backend).await;
    let client = server.account("Explorer").await;
    let doc: serde_json::Value = serde_json::from_str(&document_json()).unwrap();
    let not_routed = serde_json::json!({"errors": {"route": ["not found"]}});
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let item = item.as_object().unwrap();
        let url = concrete(path);
        for method in METHODS {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = common::Client::finish(client.request(m, &url)).await;
            let status = r.status.as_u16();
            let Some(op) = item.get(method) else {
                assert_eq!(status, 405, "{method} {path} is not documented but answers");
                continue;
            };
            count += 1;
            assert_ne!(
                r.body, not_routed,
                "{method} {path} is documented but not routed"
            );
            assert_ne!(status, 405, "{method} {path}: 405");
            assert!(status < 500, "{method} {path}: {}", r.status);
            assert!(
                op["responses"].get(status.to_string()).is_some(),
                "{method} {path} answered {status}, which it does not document"
            );
            // A collection without ids answers 200 here, with the documented headers.
            if status == 200 {
                if let Some(headers) = op["responses"]["200"]["headers"].as_object() {
                    for name in headers.keys() {
                        // X-Next-Page / X-Prev-Page are absent when there is no such page,
                        // X-Total-Exact unless the total is a lower bound ("false").
                        let optional = matches!(
                            name.as_str(),
                            "X-Next-Page" | "X-Prev-Page" | "X-Total-Exact"
                        );
                        let value = r.header(name);
                        assert!(
                            value.parse::<i64>().is_ok()
                                || (name == "X-Total-Exact" && value == "false")
                                || (optional && value.is_empty()),
                            "{method} {path}: {name} = {value:?}"
                        );
                        assert!(
                            optional || r.headers.contains_key(name.as_str()),
                            "{method} {path}: no {name}"
                        );
                    }
                }
            }
        }
    }
    assert!(count > 150, "{count} operations");
    server.stop().await;
}
both_backends!(routes_and_document_agree);
