//! The OpenAPI 3.1 document of the `/v2` API, generated from code and served at
//! `GET /v2/openapi.json` (no credentials needed).
//!
//! [`ROUTES`]-style tables below list every endpoint of the contract and its extensions
//! (method, path, summary, request and response schema, statuses); schemas come from the
//! wire types' `utoipa::ToSchema` derives. A copy lives in `docs/openapi.json` and the
//! test `tests/openapi.rs` fails when it drifts
//! (`UPDATE_OPENAPI=1 cargo test -p passworks-server --test openapi` rewrites it).

use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use passworks_wire as wire;
use passworks_wire::CampaignType;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathsBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{
    ArrayBuilder, ComponentsBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Required, ServerBuilder};
use utoipa::ToSchema;

/// Routes of this module (relative to `/v2`).
pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(serve))
}

async fn serve() -> Json<OpenApi> {
    Json(document())
}

/// A request body.
#[derive(Debug, Clone, Copy)]
enum Req {
    None,
    /// JSON wrapped under a root key: `{"<root>": <schema>}`.
    Wrapped {
        root: &'static str,
        schema: &'static str,
        required: bool,
    },
    /// A bare JSON object schema.
    Flat {
        schema: &'static str,
        required: bool,
    },
    /// Merge/push: optional `push_message`, top level or under a root key.
    PushMessage,
    /// `multipart/form-data` with these (name, is file, required) parts.
    Multipart(&'static [(&'static str, bool, bool)]),
}

/// A success response body.
#[derive(Debug, Clone, Copy)]
enum Res {
    One(&'static str),
    List(&'static str),
    Binary(&'static str),
}

/// One operation of the route table.
#[derive(Clone)]
struct Route {
    method: HttpMethod,
    path: String,
    tag: String,
    summary: String,
    req: Req,
    ok: u16,
    res: Res,
    errors: &'static [u16],
    query: &'static [(&'static str, &'static str)],
    public: bool,
}

fn route(
    method: HttpMethod,
    path: impl Into<String>,
    tag: &str,
    summary: impl Into<String>,
) -> Route {
    Route {
        method,
        path: path.into(),
        tag: tag.to_string(),
        summary: summary.into(),
        req: Req::None,
        ok: 200,
        res: Res::One("DeleteOk"),
        errors: &[],
        query: &[],
        public: false,
    }
}

impl Route {
    fn req(mut self, req: Req) -> Self {
        self.req = req;
        self
    }
    fn ok(mut self, status: u16, res: Res) -> Self {
        self.ok = status;
        self.res = res;
        self
    }
    fn errors(mut self, errors: &'static [u16]) -> Self {
        self.errors = errors;
        self
    }
    fn query(mut self, query: &'static [(&'static str, &'static str)]) -> Self {
        self.query = query;
        self
    }
    fn public(mut self) -> Self {
        self.public = true;
        self
    }
}

use HttpMethod::{Delete, Get, Patch, Post, Put};

const LIST_QUERY: &[(&str, &str)] = &[
    ("page", "Page number, from 1 (default 1)."),
    ("per_page", "Page size, 1-50 (default 25)."),
    ("offset", "Shifts the start of the window (default 0)."),
    (
        "q",
        "Filters `q[<attribute>_<predicate>]=value` (eq, not_eq, matches, lt, lteq, gt, gteq, \
         cont) and ordering `q[s]=<attribute> asc|desc`.",
    ),
];

const REPORT_QUERY: &[(&str, &str)] = &[
    ("start_date", "YYYY-MM-DD, default today minus one month."),
    ("end_date", "YYYY-MM-DD, default today (UTC)."),
];

const BARCODE_QUERY: &[(&str, &str)] = &[
    ("format", "qrcode, pdf417, aztec or ean128."),
    ("message", "The encoded payload."),
    ("scale", "Module size in pixels, 1-40."),
];

/// The route table: every `/v2` endpoint of the contract and of its extensions.
fn routes() -> Vec<Route> {
    let mut r = vec![
        route(Get, "/ping", "Health", "Health check")
            .ok(200, Res::One("Ping"))
            .public(),
        route(Get, "/openapi.json", "Health", "This OpenAPI document")
            .ok(200, Res::One("Object"))
            .public(),
        route(
            Get,
            "/account",
            "Account",
            "The signed-in organization (extension)",
        )
        .ok(200, Res::One("Account")),
        route(
            Patch,
            "/account",
            "Account",
            "Change the name or webhook URL (extension)",
        )
        .req(Req::Wrapped {
            root: "account",
            schema: "AccountInput",
            required: true,
        })
        .ok(200, Res::One("Account"))
        .errors(&[400, 422]),
        route(Put, "/account", "Account", "Alias of PATCH /account")
            .req(Req::Wrapped {
                root: "account",
                schema: "AccountInput",
                required: true,
            })
            .ok(200, Res::One("Account"))
            .errors(&[400, 422]),
        route(
            Post,
            "/account/rotate_webhook_token",
            "Account",
            "New webhook token (extension)",
        )
        .ok(200, Res::One("WebhookToken")),
        route(
            Get,
            "/webhook_deliveries",
            "Webhooks",
            "Webhook delivery attempts (extension)",
        )
        .ok(200, Res::List("WebhookDelivery"))
        .query(LIST_QUERY),
        route(Get, "/jobs", "Jobs", "Background jobs (extension)")
            .ok(200, Res::List("Job"))
            .query(LIST_QUERY),
        route(
            Get,
            "/jobs/{job_id}",
            "Jobs",
            "One background job (extension)",
        )
        .ok(200, Res::One("Job"))
        .errors(&[404]),
        route(
            Get,
            "/barcode.png",
            "Passes",
            "Render a barcode as PNG (extension)",
        )
        .ok(200, Res::Binary("image/png"))
        .query(BARCODE_QUERY)
        .errors(&[400, 422]),
        // Assets (§10).
        route(Get, "/assets", "Assets", "List assets")
            .ok(200, Res::List("Asset"))
            .query(LIST_QUERY),
        route(
            Post,
            "/assets",
            "Assets",
            "Upload an image (PNG, JPEG or GIF, at most 1 MiB)",
        )
        .req(Req::Multipart(&[
            ("asset[file]", true, true),
            ("asset[asset_type]", false, true),
        ]))
        .ok(201, Res::One("Asset"))
        .errors(&[400, 413, 422]),
        route(Get, "/assets/{asset_id}", "Assets", "One asset")
            .ok(200, Res::One("Asset"))
            .errors(&[404]),
        route(
            Delete,
            "/assets/{asset_id}",
            "Assets",
            "Delete an asset not used by a template",
        )
        .ok(200, Res::One("DeleteOk"))
        .errors(&[404, 412]),
        // Templates (§11.1).
        route(Get, "/templates", "Templates", "List templates")
            .ok(200, Res::List("Template"))
            .query(LIST_QUERY),
        route(Post, "/templates", "Templates", "Create a template")
            .req(Req::Wrapped {
                root: "template",
                schema: "TemplateInput",
                required: true,
            })
            .ok(201, Res::One("Template"))
            .errors(&[400, 422]),
        route(Get, "/templates/{template_id}", "Templates", "One template")
            .ok(200, Res::One("Template"))
            .errors(&[404]),
        route(
            Delete,
            "/templates/{template_id}",
            "Templates",
            "Delete a template (optionally its assets)",
        )
        .req(Req::Wrapped {
            root: "template",
            schema: "TemplateDelete",
            required: false,
        })
        .ok(200, Res::One("DeleteOk"))
        .errors(&[404, 412]),
        // Certificates (§11.2 and extension).
        route(
            Get,
            "/certificates",
            "Certificates",
            "List certificates (own and shared)",
        )
        .ok(200, Res::List("Certificate"))
        .query(LIST_QUERY),
        route(
            Post,
            "/certificates",
            "Certificates",
            "Upload a Pass Type ID certificate (.p12, extension)",
        )
        .req(Req::Multipart(&[
            ("certificate[file]", true, true),
            ("certificate[password]", false, false),
            ("certificate[wwdr]", true, false),
        ]))
        .ok(201, Res::One("Certificate"))
        .errors(&[400, 413, 422]),
        route(
            Get,
            "/certificates/{certificate_id}",
            "Certificates",
            "One certificate",
        )
        .ok(200, Res::One("Certificate"))
        .errors(&[404]),
        route(
            Delete,
            "/certificates/{certificate_id}",
            "Certificates",
            "Delete a certificate no campaign uses (extension)",
        )
        .ok(200, Res::One("DeleteOk"))
        .errors(&[404, 412]),
        route(
            Post,
            "/certificates/{certificate_id}/default",
            "Certificates",
            "Make it the default signing certificate (extension)",
        )
        .ok(200, Res::One("Certificate"))
        .errors(&[404]),
        // Organizations (§12).
        route(
            Get,
            "/organizations",
            "Organizations",
            "List child organizations",
        )
        .ok(200, Res::List("Organization"))
        .query(LIST_QUERY)
        .errors(&[403]),
        route(
            Post,
            "/organizations",
            "Organizations",
            "Create a child organization",
        )
        .req(Req::Flat {
            schema: "OrganizationInput",
            required: true,
        })
        .ok(201, Res::One("Organization"))
        .errors(&[400, 403, 412, 422]),
        route(
            Post,
            "/organizations/{organization_id}/refresh_api_password",
            "Organizations",
            "Replace a child organization's API password",
        )
        .ok(200, Res::One("Organization"))
        .errors(&[403, 404]),
        // Remote forms (§13).
        route(
            Get,
            "/remote_forms/{campaign_id}/fields",
            "Remote forms",
            "The campaign's fields",
        )
        .ok(200, Res::One("RemoteFormFields"))
        .errors(&[404]),
        route(
            Post,
            "/remote_forms/{campaign_id}/submit",
            "Remote forms",
            "Create a pass from form values",
        )
        .req(Req::Flat {
            schema: "Object",
            required: true,
        })
        .ok(201, Res::One("Pass"))
        .errors(&[400, 404, 412, 422]),
    ];
    for t in CampaignType::ALL {
        r.extend(campaign_routes(*t));
    }
    r
}

/// The campaign (§7) and pass (§8) endpoints of one campaign type.
fn campaign_routes(t: CampaignType) -> Vec<Route> {
    let b = format!("/{}", t.as_str());
    let c = format!("{b}/{{campaign_id}}");
    let p = format!("{c}/passes/{{pass_id}}");
    let tag = t.plural_label();
    let name = t.label().to_lowercase();
    let root = t.root_key();
    let campaign = Req::Wrapped {
        root,
        schema: "CampaignInput",
        required: true,
    };
    let pass = Req::Wrapped {
        root: "pass",
        schema: "PassInput",
        required: true,
    };
    let redeem = Req::Wrapped {
        root: "pass",
        schema: "RedeemInput",
        required: true,
    };
    vec![
        route(Get, &b, tag, format!("List {name} campaigns"))
            .ok(200, Res::List("Campaign"))
            .query(LIST_QUERY),
        route(Post, &b, tag, format!("Create a {name} campaign"))
            .req(campaign)
            .ok(201, Res::One("Campaign"))
            .errors(&[400, 402, 422]),
        route(Get, &c, tag, format!("One {name} campaign"))
            .ok(200, Res::One("Campaign"))
            .errors(&[404]),
        route(Patch, &c, tag, format!("Update a {name} campaign"))
            .req(campaign)
            .ok(200, Res::One("Campaign"))
            .errors(&[400, 404, 422]),
        route(
            Put,
            &c,
            tag,
            format!("Update a {name} campaign (alias of PATCH)"),
        )
        .req(campaign)
        .ok(200, Res::One("Campaign"))
        .errors(&[400, 404, 422]),
        route(
            Delete,
            &c,
            tag,
            format!("Delete a {name} campaign and its passes"),
        )
        .ok(200, Res::One("DeleteOk"))
        .errors(&[404, 412]),
        route(
            Post,
            format!("{c}/merge"),
            tag,
            "Apply the campaign to every pass, then push",
        )
        .req(Req::PushMessage)
        .ok(200, Res::One("MessageBody"))
        .errors(&[404]),
        route(
            Post,
            format!("{c}/push"),
            tag,
            "Notify every installed pass",
        )
        .req(Req::PushMessage)
        .ok(200, Res::One("MessageBody"))
        .errors(&[404]),
        route(Post, format!("{c}/pause"), tag, "Pause the campaign")
            .ok(200, Res::One("Campaign"))
            .errors(&[404, 412]),
        route(Post, format!("{c}/resume"), tag, "Resume a paused campaign")
            .ok(200, Res::One("Campaign"))
            .errors(&[404, 412]),
        route(Post, format!("{c}/archive"), tag, "Archive the campaign")
            .ok(200, Res::One("Campaign"))
            .errors(&[404, 412]),
        route(
            Post,
            format!("{c}/redeem"),
            tag,
            "Redeem a pass by its redeem code",
        )
        .req(redeem)
        .ok(200, Res::One("Pass"))
        .errors(&[400, 404, 412, 422]),
        route(
            Get,
            format!("{c}/redeem/{{redeem_code}}"),
            tag,
            "Find a pass by its redeem code",
        )
        .ok(200, Res::One("Pass"))
        .errors(&[404]),
        route(
            Get,
            format!("{c}/redeems"),
            tag,
            "Redemptions of the campaign",
        )
        .ok(200, Res::List("Redeem"))
        .query(LIST_QUERY)
        .errors(&[404]),
        route(
            Get,
            format!("{c}/registrations"),
            tag,
            "Wallet installations of the campaign",
        )
        .ok(200, Res::List("Registration"))
        .query(LIST_QUERY)
        .errors(&[404]),
        route(Get, format!("{c}/reports"), tag, "Daily report")
            .ok(200, Res::One("DailyReport"))
            .query(REPORT_QUERY)
            .errors(&[400, 404]),
        route(Get, format!("{c}/reports/totals"), tag, "Totals report")
            .ok(200, Res::One("TotalsReport"))
            .errors(&[404]),
        route(Get, format!("{c}/passes"), tag, "List passes")
            .ok(200, Res::List("Pass"))
            .query(LIST_QUERY)
            .errors(&[404]),
        route(
            Post,
            format!("{c}/passes"),
            tag,
            "Create a pass (empty body: boilerplate pass)",
        )
        .req(Req::Wrapped {
            root: "pass",
            schema: "PassInput",
            required: false,
        })
        .ok(201, Res::One("Pass"))
        .errors(&[400, 404, 412, 422]),
        route(Get, &p, tag, "One pass")
            .ok(200, Res::One("Pass"))
            .errors(&[404]),
        route(Patch, &p, tag, "Update a pass")
            .req(pass)
            .ok(200, Res::One("Pass"))
            .errors(&[400, 404, 422]),
        route(Put, &p, tag, "Update a pass (alias of PATCH)")
            .req(pass)
            .ok(200, Res::One("Pass"))
            .errors(&[400, 404, 422]),
        route(Delete, &p, tag, "Delete a pass")
            .ok(200, Res::One("DeleteOk"))
            .errors(&[404, 412]),
        route(
            Post,
            format!("{p}/push"),
            tag,
            "Notify the devices holding the pass",
        )
        .req(Req::Wrapped {
            root: "pass",
            schema: "PushInput",
            required: false,
        })
        .ok(200, Res::One("MessageBody"))
        .errors(&[404]),
        route(Post, format!("{p}/redeem"), tag, "Redeem the pass")
            .req(Req::Wrapped {
                root: "pass",
                schema: "RedeemInput",
                required: false,
            })
            .ok(200, Res::One("Pass"))
            .errors(&[404, 412]),
        route(
            Post,
            format!("{p}/reset_redeem"),
            tag,
            "Clear the pass's void flag",
        )
        .ok(200, Res::One("Pass"))
        .errors(&[404]),
        route(
            Get,
            format!("{p}/registrations"),
            tag,
            "Wallet installations of the pass",
        )
        .ok(200, Res::List("Registration"))
        .query(LIST_QUERY)
        .errors(&[404]),
        route(Get, format!("{p}/redeems"), tag, "Redemptions of the pass")
            .ok(200, Res::List("Redeem"))
            .query(LIST_QUERY)
            .errors(&[404]),
        route(
            Get,
            format!("{p}/pkpass"),
            tag,
            "The signed .pkpass file (extension)",
        )
        .ok(200, Res::Binary("application/vnd.apple.pkpass"))
        .errors(&[404, 422]),
    ]
}

fn schema_ref(name: &str) -> RefOr<Schema> {
    if name == "Object" {
        return ObjectBuilder::new().schema_type(Type::Object).into();
    }
    Ref::from_schema_name(name).into()
}

fn wrapped(root: &str, schema: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .property(root, schema_ref(schema))
        .required(root)
        .into()
}

fn string_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn integer_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Integer)
}

fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad request: malformed JSON, wrong content type or missing root key",
        401 => "Missing or invalid Basic credentials",
        402 => "The account's plan does not allow this",
        403 => "Not permitted (organizations permission, locked organization)",
        404 => "Unknown or foreign id",
        412 => "Refused by a precondition (state, in use, limit)",
        413 => "Upload too large",
        422 => "Validation errors per attribute",
        429 => "Rate limit exceeded",
        _ => "Error",
    }
}

fn operation_for(r: &Route) -> utoipa::openapi::path::Operation {
    let mut op = OperationBuilder::new()
        .summary(Some(r.summary.clone()))
        .tag(r.tag.clone())
        .operation_id(Some(operation_id(r)));
    // Path parameters, in order of appearance.
    for segment in r.path.split('/') {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let schema = if name == "redeem_code" {
                string_schema()
            } else {
                string_schema().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
            };
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(schema)),
            );
        }
    }
    for (name, description) in r.query {
        let schema = match *name {
            "page" | "per_page" | "offset" | "scale" => integer_schema(),
            "start_date" | "end_date" => {
                string_schema().format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            }
            "q" => ObjectBuilder::new()
                .schema_type(Type::Object)
                .additional_properties(Some(string_schema())),
            _ => string_schema(),
        };
        let mut p = ParameterBuilder::new()
            .name(*name)
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .description(Some(*description))
            .schema(Some(schema));
        if *name == "q" {
            p = p
                .style(Some(utoipa::openapi::path::ParameterStyle::DeepObject))
                .explode(Some(true));
        }
        op = op.parameter(p);
    }
    let body = match r.req {
        Req::None => None,
        Req::Wrapped {
            root,
            schema,
            required,
        } => Some(("application/json", wrapped(root, schema), required)),
        Req::Flat { schema, required } => Some(("application/json", schema_ref(schema), required)),
        Req::PushMessage => Some((
            "application/json",
            ObjectBuilder::new()
                .property("push_message", string_schema())
                .description(Some(
                    "Optional `push_message`, at the top level or under the type's root key.",
                ))
                .into(),
            false,
        )),
        Req::Multipart(parts) => {
            let mut o = ObjectBuilder::new();
            for (name, file, required) in parts {
                let s = if *file {
                    string_schema().content_media_type("application/octet-stream")
                } else {
                    string_schema()
                };
                o = o.property(*name, s);
                if *required {
                    o = o.required(*name);
                }
            }
            Some(("multipart/form-data", o.into(), true))
        }
    };
    if let Some((content_type, schema, required)) = body {
        op = op.request_body(Some(
            RequestBodyBuilder::new()
                .content(
                    content_type,
                    ContentBuilder::new().schema(Some(schema)).build(),
                )
                .required(Some(if required {
                    Required::True
                } else {
                    Required::False
                }))
                .build(),
        ));
    }

    let mut ok = ResponseBuilder::new().description(status_text(r.ok));
    ok = match r.res {
        Res::One(name) => ok.content(
            "application/json",
            ContentBuilder::new().schema(Some(schema_ref(name))).build(),
        ),
        Res::List(name) => {
            let mut ok = ok.content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(ArrayBuilder::new().items(schema_ref(name))))
                    .build(),
            );
            for (header, description) in [
                ("X-Total", "Items matching the filters"),
                ("X-Total-Pages", "Number of pages"),
                ("X-Page", "This page"),
                ("X-Per-Page", "Effective page size"),
                ("X-Next-Page", "Next page; empty on the last page"),
                ("X-Prev-Page", "Previous page; empty on page 1"),
                ("X-Offset", "Offset of the first item of this page"),
            ] {
                ok = ok.header(
                    header,
                    HeaderBuilder::new()
                        .schema(integer_schema())
                        .description(Some(description))
                        .build(),
                );
            }
            ok
        }
        Res::Binary(media_type) => ok.content(
            media_type,
            ContentBuilder::new()
                .schema(Some(
                    string_schema().content_media_type(media_type.to_string()),
                ))
                .build(),
        ),
    };
    let mut responses = ResponsesBuilder::new().response(r.ok.to_string(), ok.build());
    let mut errors: Vec<u16> = r.errors.to_vec();
    if !r.public {
        errors.push(401);
    }
    errors.push(429);
    errors.sort_unstable();
    errors.dedup();
    for status in errors {
        responses = responses.response(
            status.to_string(),
            Ref::new(format!("#/components/responses/{}", error_name(status))),
        );
    }
    op = op.responses(responses.build());
    if r.public {
        // Credentials optional.
        op = op.security(SecurityRequirement::default());
    }
    op.build()
}

/// Error statuses shared by the operations, as reusable responses.
const ERROR_STATUSES: &[u16] = &[400, 401, 402, 403, 404, 412, 413, 422, 429];

fn error_name(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "NotFound",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        422 => "UnprocessableEntity",
        429 => "TooManyRequests",
        _ => "Error",
    }
}

fn operation_id(r: &Route) -> String {
    let method = match r.method {
        Get => "get",
        Post => "post",
        Patch => "patch",
        Put => "put",
        Delete => "delete",
        _ => "other",
    };
    let path: String = r
        .path
        .trim_start_matches('/')
        .replace(['{', '}'], "")
        .replace(['/', '.'], "_");
    format!("{method}_{path}")
}

/// Registers `T` and every schema it references.
fn add<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

fn components() -> utoipa::openapi::Components {
    let mut s = Vec::new();
    add::<wire::ErrorBody>(&mut s);
    add::<wire::DeleteOk>(&mut s);
    add::<wire::MessageBody>(&mut s);
    add::<wire::Ping>(&mut s);
    add::<wire::Account>(&mut s);
    add::<wire::AccountInput>(&mut s);
    add::<wire::WebhookToken>(&mut s);
    add::<wire::WebhookDelivery>(&mut s);
    add::<wire::Job>(&mut s);
    add::<wire::Asset>(&mut s);
    add::<wire::Template>(&mut s);
    add::<wire::TemplateInput>(&mut s);
    add::<wire::Certificate>(&mut s);
    add::<wire::Organization>(&mut s);
    add::<wire::OrganizationInput>(&mut s);
    add::<wire::Campaign>(&mut s);
    add::<wire::CampaignInput>(&mut s);
    add::<wire::Pass>(&mut s);
    add::<wire::PassInput>(&mut s);
    add::<wire::RedeemInput>(&mut s);
    add::<wire::PushInput>(&mut s);
    add::<wire::Redeem>(&mut s);
    add::<wire::Registration>(&mut s);
    add::<wire::DailyReport>(&mut s);
    add::<wire::TotalsReport>(&mut s);
    add::<wire::RemoteFormFields>(&mut s);
    s.push((
        "TemplateDelete".into(),
        ObjectBuilder::new()
            .property(
                "delete_assets",
                ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                        Type::Boolean,
                        Type::String,
                    ]))
                    .description(Some(
                        "Also delete the template's assets when no other template uses them \
                         (default false; \"true\"/\"false\" accepted).",
                    )),
            )
            .into(),
    ));
    let mut builder = ComponentsBuilder::new().security_scheme(
        "basic",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Basic)
                .description(Some("API username and API key (api_password)"))
                .build(),
        ),
    );
    for (name, schema) in s {
        builder = builder.schema(name, schema);
    }
    for status in ERROR_STATUSES {
        builder = builder.response(
            error_name(*status),
            ResponseBuilder::new()
                .description(status_text(*status))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(schema_ref("ErrorBody")))
                        .build(),
                )
                .build(),
        );
    }
    builder.build()
}

/// Builds the OpenAPI 3.1 document of the `/v2` API.
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for r in routes() {
        paths = paths.path(
            format!("/v2{}", r.path),
            PathItem::new(r.method.clone(), operation_for(&r)),
        );
    }
    let mut tags = vec![
        "Health",
        "Account",
        "Assets",
        "Templates",
        "Certificates",
        "Organizations",
        "Remote forms",
        "Webhooks",
        "Jobs",
        "Passes",
    ];
    tags.extend(CampaignType::ALL.iter().map(|t| t.plural_label()));
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
        .components(Some(components()))
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

    #[test]
    fn every_campaign_type_has_its_routes() {
        let doc = serde_json::to_value(document()).unwrap();
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
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
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
}
