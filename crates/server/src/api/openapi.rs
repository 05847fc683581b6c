//! The OpenAPI 3.1 document of the `/v2` API, served at `GET /v2/openapi.json` (no
//! credentials needed).
//!
//! The document is derived from the route table ([`crate::routes`], see
//! [`crate::routes`]): every path and operation comes from a registered route and its
//! [`crate::routes::Doc`], and `components/schemas` holds exactly the wire types those
//! operations name (with the types they reference), from their `utoipa::ToSchema` derives.
//! A copy lives in `docs/openapi.json` and the test `tests/openapi.rs` fails when it
//! drifts (`UPDATE_OPENAPI=1 cargo test -p passworks-server --test openapi` rewrites it).

use crate::routes::{doc, error_response_name, status_text, Routes, SchemaOf};
use axum::Json;
use passworks_wire as wire;
use std::collections::BTreeSet;
use std::sync::OnceLock;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{PathItem, PathsBuilder};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ComponentsBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder, ServerBuilder};

/// Routes of this module (relative to `/v2`).
pub fn router() -> Routes {
    Routes::new("Health").get(
        "/openapi.json",
        serve,
        doc("This OpenAPI document").any_object().public(),
    )
}

/// The document, built once per process (it only changes with the code).
async fn serve() -> Json<&'static OpenApi> {
    static DOCUMENT: OnceLock<OpenApi> = OnceLock::new();
    Json(DOCUMENT.get_or_init(document))
}

/// The headers of a 429.
const RATE_LIMIT_HEADERS: &[(&str, &str)] = &[
    ("Retry-After", "Seconds until the current window ends."),
    ("X-RateLimit-Limit", "Requests allowed per hourly window."),
    ("X-RateLimit-Remaining", "Requests left in this window (0)."),
    (
        "X-RateLimit-Reset",
        "Unix time (seconds) at which the window ends.",
    ),
];

/// The reusable response of an error status: the error body, and the headers that go with
/// the status.
fn error_response(status: u16, error_body: &SchemaOf) -> utoipa::openapi::Response {
    if status == 304 {
        return ResponseBuilder::new()
            .description(status_text(status))
            .build();
    }
    let mut r = ResponseBuilder::new()
        .description(status_text(status))
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name(
                    error_body.name(),
                )))
                .build(),
        );
    let integer = || ObjectBuilder::new().schema_type(Type::Integer);
    if status == 401 {
        r = r.header(
            "WWW-Authenticate",
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::String))
                .description(Some(
                    "`Basic realm=\"Passworks API\"`; `xBasic …` for requests sent with \
                     `X-Requested-With: XMLHttpRequest`, so browsers show no login prompt.",
                ))
                .build(),
        );
    }
    if status == 429 {
        for (name, description) in RATE_LIMIT_HEADERS {
            r = r.header(
                *name,
                HeaderBuilder::new()
                    .schema(integer())
                    .description(Some(*description))
                    .build(),
            );
        }
    }
    r.build()
}

/// Builds the OpenAPI 3.1 document of the `/v2` API from the route table.
pub fn document() -> OpenApi {
    let routes = super::routes();
    let error_body = SchemaOf::of::<wire::ErrorBody>();
    let mut schemas = Vec::new();
    let mut paths = PathsBuilder::new();
    let mut tags: Vec<String> = Vec::new();
    let mut statuses = BTreeSet::new();
    for op in routes.operations() {
        paths = paths.path(
            format!("/v2{}", op.path),
            PathItem::new(op.http_method(), op.to_openapi()),
        );
        op.register_schemas(&mut schemas);
        statuses.extend(op.error_statuses());
        if !tags.contains(&op.tag) {
            tags.push(op.tag.clone());
        }
    }
    let mut components = ComponentsBuilder::new().security_scheme(
        "basic",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Basic)
                .description(Some("API username and API key (api_password)"))
                .build(),
        ),
    );
    error_body.register(&mut schemas);
    for (name, schema) in schemas {
        components = components.schema(name, schema);
    }
    for status in statuses {
        components = components.response(
            error_response_name(status),
            error_response(status, &error_body),
        );
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Passworks API")
                .version("2")
                .description(Some(
                    "Apple Wallet pass platform speaking the Passworks REST API v2. All \
                     request and response bodies are JSON (uploads are multipart); errors are \
                     `{\"errors\": {\"<attribute>\": [\"message\"]}}`; every response carries \
                     X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset.",
                ))
                .build(),
        )
        .servers(Some(vec![ServerBuilder::new()
            .url("/")
            .description(Some("This server"))
            .build()]))
        .paths(paths.build())
        .components(Some(components.build()))
        .security(Some(vec![SecurityRequirement::new(
            "basic",
            Vec::<String>::new(),
        )]))
        .tags(Some(
            tags.into_iter()
                .map(|t| TagBuilder::new().name(t).build())
                .collect::<Vec<_>>(),
        ))
        .build()
}

/// The document as pretty-printed JSON with a trailing newline (the committed form).
pub fn document_json() -> String {
    let mut s = serde_json::to_string_pretty(&document()).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use passworks_wire::CampaignType;
    use serde_json::Value;

    fn doc_json() -> Value {
        serde_json::to_value(document()).unwrap()
    }

    #[test]
    fn every_campaign_type_has_its_routes() {
        let doc = doc_json();
        assert_eq!(doc["openapi"], "3.1.0");
        for t in CampaignType::ALL {
            let p = format!(
                "/v2/{}/{{campaign_id}}/passes/{{pass_id}}/reset_redeem",
                t.as_str()
            );
            assert!(doc["paths"][&p]["post"].is_object(), "{p}");
        }
        assert!(doc["components"]["schemas"]["Campaign"].is_object());
        assert!(doc["components"]["schemas"]["AssetType"].is_object());
    }

    #[test]
    fn every_reference_resolves() {
        let text = document_json();
        let doc: Value = serde_json::from_str(&text).unwrap();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("\"$ref\": \"#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "unresolved $ref {name}");
        }
        let responses = doc["components"]["responses"].as_object().unwrap();
        for part in text.split("\"$ref\": \"#/components/responses/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(responses.contains_key(name), "unresolved $ref {name}");
        }
    }

    #[test]
    fn operations_are_unique_and_match_the_route_table() {
        let routes = crate::api::routes();
        let mut ids = BTreeSet::new();
        for op in routes.operations() {
            assert!(ids.insert(op.operation_id()), "{}", op.operation_id());
        }
        let doc = doc_json();
        let documented: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| item.as_object().unwrap().len())
            .sum();
        assert_eq!(documented, routes.operations().len());
        assert!(documented > 150, "{documented} operations");
    }

    #[test]
    fn required_attributes_are_attributes_of_the_body_type() {
        let doc = doc_json();
        let mut checked = 0;
        for op in crate::api::routes().operations() {
            let (schema, fields) = op.required_fields();
            if fields.is_empty() {
                continue;
            }
            let schema = schema.expect("required attributes need a body type");
            let properties = &doc["components"]["schemas"][&schema]["properties"];
            for field in fields {
                assert!(
                    properties[*field].is_object(),
                    "{} {}: {field} is not an attribute of {schema}",
                    op.method,
                    op.path
                );
                checked += 1;
            }
        }
        assert!(checked >= 5, "{checked}");
    }

    #[test]
    fn shared_statuses_are_documented_on_every_operation() {
        let doc = doc_json();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                let has = |s: &str| responses.contains_key(s);
                let what = format!("{method} {path}");
                assert!(has("429"), "{what}: 429");
                let public = op.get("security").is_some();
                assert_eq!(has("401"), !public, "{what}: 401");
                assert_eq!(has("403"), !public, "{what}: 403");
                if path.contains('{') {
                    assert!(has("404"), "{what}: 404");
                }
                if op.get("requestBody").is_some() {
                    assert!(has("400") && has("413"), "{what}: 400/413");
                }
                if op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == "q"))
                {
                    let ok = &responses["200"];
                    for (header, _) in crate::routes::PAGE_HEADERS {
                        assert!(ok["headers"][*header].is_object(), "{what}: {header}");
                    }
                }
            }
        }
        let rate = &doc["components"]["responses"]["TooManyRequests"]["headers"];
        for header in ["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Reset"] {
            assert!(rate[header].is_object(), "{header}");
        }
        let invalid = &doc["components"]["responses"]["UnprocessableEntity"];
        assert_eq!(
            invalid["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody"
        );
    }

    #[test]
    fn create_bodies_list_their_required_attributes() {
        let doc = doc_json();
        let body = |path: &str| {
            doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
                .clone()
        };
        let coupon = body("/v2/coupons");
        assert_eq!(coupon["required"], serde_json::json!(["coupon"]));
        assert_eq!(
            coupon["properties"]["coupon"]["allOf"][0]["$ref"],
            "#/components/schemas/CampaignInput"
        );
        assert_eq!(
            coupon["properties"]["coupon"]["allOf"][1]["required"],
            serde_json::json!(["name"])
        );
        let template = body("/v2/templates");
        assert_eq!(
            template["properties"]["template"]["allOf"][1]["required"],
            serde_json::json!(["name", "pass_type"])
        );
    }
}
