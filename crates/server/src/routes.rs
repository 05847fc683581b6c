//! The route table of the `/v2` API: every route is registered together with its
//! documentation, and both the axum [`Router`] and the OpenAPI paths are built from it.
//!
//! Each module's `router()` returns [`Routes`], built with [`Routes::get`],
//! [`Routes::post`], … Each of those takes the path, the handler and a [`Doc`], and there
//! is no other way to add a route, so a route cannot exist without its operation in the
//! document, nor an operation without its route. [`crate::api::router`] turns the merged
//! table into the router; [`crate::api::openapi::document`] turns it into the document.
//!
//! Why not utoipa's `#[utoipa::path]` with `utoipa_axum::routes!`: the five campaign
//! types share one set of handlers mounted under five prefixes (one `Extension` layer per
//! type), and a `#[utoipa::path]` attribute fixes one path per handler. Here the path is
//! an argument, so one handler is registered (and documented) once per type, and the
//! documentation sits next to the `router()` function rather than on the handlers.
//!
//! A [`Doc`] names its wire types as type parameters (`.ok::<wire::Campaign>()`,
//! `.body::<wire::PassInput>("pass")`); schema names and the `components/schemas` section
//! come from their `utoipa::ToSchema` derives, never from strings. The statuses every
//! route shares are derived from the route itself: 401 and 403 unless it is public, 429
//! always, 404 when the path has an id, 400 and 413 when it reads a body, 400 for list
//! filters; a route adds its own (412, 422, …) with [`Doc::errors`].

use crate::auth::Access;
use crate::guard::RouteGuard;
use crate::list::{Column, Kind};
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::{Extension, Router};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    HttpMethod, Operation as OpenApiOperation, OperationBuilder, Parameter, ParameterBuilder,
    ParameterIn, ParameterStyle,
};
use utoipa::openapi::request_body::{RequestBody, RequestBodyBuilder};
use utoipa::openapi::response::{ResponseBuilder, Responses, ResponsesBuilder};
use utoipa::openapi::schema::{
    AllOfBuilder, AnyOfBuilder, ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema,
    SchemaFormat, Type,
};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Ref, RefOr, Required};
use utoipa::ToSchema;

/// Named schemas collected for `components/schemas`.
pub type Schemas = Vec<(String, RefOr<Schema>)>;

/// A wire type, by its `ToSchema` derive: its name and how to register it (with every
/// schema it references).
#[derive(Clone, Copy)]
pub struct SchemaOf {
    name: fn() -> Cow<'static, str>,
    register: fn(&mut Schemas),
}

impl SchemaOf {
    /// The schema of `T`.
    pub fn of<T: ToSchema>() -> Self {
        fn register<T: ToSchema>(schemas: &mut Schemas) {
            schemas.push((T::name().into_owned(), T::schema()));
            T::schemas(schemas);
        }
        SchemaOf {
            name: T::name,
            register: register::<T>,
        }
    }

    /// The schema's name in `components/schemas`.
    pub fn name(&self) -> String {
        (self.name)().into_owned()
    }

    /// Adds the schema (and every schema it references) to `schemas`.
    pub fn register(&self, schemas: &mut Schemas) {
        (self.register)(schemas);
    }

    /// A `$ref` to the schema.
    fn reference(&self) -> RefOr<Schema> {
        Ref::from_schema_name(self.name()).into()
    }
}

/// What a route reads from the request body.
#[derive(Clone)]
enum Body {
    /// JSON `{"<root>": T}`; `required: false` when an empty body is accepted too.
    Wrapped {
        root: &'static str,
        schema: SchemaOf,
        required: bool,
    },
    /// JSON `T` at the top level, or under `root` when given.
    Flat {
        schema: SchemaOf,
        root: Option<&'static str>,
    },
    /// JSON `T` at the top level or under any root key, or no body at all.
    Anywhere { schema: SchemaOf },
    /// Any JSON object (keys are the caller's own).
    FreeObject,
    /// A text body of this media type (e.g. `text/csv`), cut off past `limit` bytes.
    Text {
        media_type: &'static str,
        description: &'static str,
        limit: usize,
    },
    /// `multipart/form-data` with these parts; the request body is cut off past `limit`
    /// bytes.
    Multipart {
        parts: &'static [Part],
        limit: usize,
    },
}

/// One part of a `multipart/form-data` upload.
#[derive(Debug, Clone, Copy)]
pub struct Part {
    pub name: &'static str,
    pub file: bool,
    pub required: bool,
    pub description: &'static str,
}

/// What a route answers on success.
#[derive(Clone)]
enum Success {
    /// `T` as JSON with this status.
    One(u16, SchemaOf),
    /// A page of `T` (a JSON array) with the pagination headers.
    List(SchemaOf),
    /// A binary file of this media type.
    Binary(&'static str),
    /// A JSON object without a wire type (the OpenAPI document itself).
    AnyObject,
}

/// The type of a query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Integer,
    String,
    Date,
}

/// One query parameter.
#[derive(Debug, Clone, Copy)]
pub struct QueryParam {
    pub name: &'static str,
    pub kind: ParamKind,
    pub description: &'static str,
}

/// The query parameters every collection understands besides its filters (§4).
const PAGE_PARAMS: &[QueryParam] = &[
    QueryParam {
        name: "page",
        kind: ParamKind::Integer,
        description: "Page number, from 1 (default 1).",
    },
    QueryParam {
        name: "per_page",
        kind: ParamKind::Integer,
        description: "Page size, 1-50 (default 25).",
    },
    QueryParam {
        name: "offset",
        kind: ParamKind::Integer,
        description: "Shifts the start of the window (default 0).",
    },
];

/// Starts the documentation of a route: its summary. A [`Doc`] needs its success
/// response next ([`Summary::ok`], [`Summary::created`], [`Summary::list`], …).
pub fn doc(summary: impl Into<String>) -> Summary {
    Summary(summary.into())
}

/// A route's summary, waiting for its success response.
pub struct Summary(String);

impl Summary {
    fn with(self, success: Success) -> Doc {
        Doc {
            summary: self.0,
            success,
            body: None,
            required_fields: &[],
            errors: BTreeSet::new(),
            query: Vec::new(),
            filters: None,
            public: false,
            body_limit: None,
            access: None,
        }
    }

    /// 200 with a `T`.
    pub fn ok<T: ToSchema>(self) -> Doc {
        self.with(Success::One(200, SchemaOf::of::<T>()))
    }

    /// 201 with the created `T`.
    pub fn created<T: ToSchema>(self) -> Doc {
        self.with(Success::One(201, SchemaOf::of::<T>()))
    }

    /// 202 with a `T` (work accepted to run in the background).
    pub fn accepted<T: ToSchema>(self) -> Doc {
        self.with(Success::One(202, SchemaOf::of::<T>()))
    }

    /// 200 with a page of `T`, filtered and ordered by `columns` (§4).
    pub fn list<T: ToSchema>(self, columns: &'static [Column]) -> Doc {
        let mut d = self.with(Success::List(SchemaOf::of::<T>()));
        d.filters = Some(columns);
        d.errors.insert(400);
        d
    }

    /// 200 with a file of `media_type`.
    pub fn binary(self, media_type: &'static str) -> Doc {
        self.with(Success::Binary(media_type))
    }

    /// 200 with a JSON object that has no wire type.
    pub fn any_object(self) -> Doc {
        self.with(Success::AnyObject)
    }
}

/// The documentation of one route: summary, request, success response, error statuses
/// and query parameters.
#[derive(Clone)]
pub struct Doc {
    summary: String,
    success: Success,
    body: Option<Body>,
    required_fields: &'static [&'static str],
    errors: BTreeSet<u16>,
    query: Vec<QueryParam>,
    filters: Option<&'static [Column]>,
    public: bool,
    /// A request body limit other than the default (bulk bodies).
    body_limit: Option<usize>,
    /// What the route requires of its caller; `None` derives it from the method and
    /// path ([`crate::guard::default_access`]).
    access: Option<Access>,
}

impl Doc {
    fn with_body(mut self, body: Body) -> Self {
        self.errors.insert(400);
        self.errors.insert(413);
        self.body = Some(body);
        self
    }

    /// Reads `{"<root>": T}` (400 when the body or the root key is missing).
    pub fn body<T: ToSchema>(self, root: &'static str) -> Self {
        self.with_body(Body::Wrapped {
            root,
            schema: SchemaOf::of::<T>(),
            required: true,
        })
    }

    /// Reads `{"<root>": T}`, or an empty body.
    pub fn optional_body<T: ToSchema>(self, root: &'static str) -> Self {
        self.with_body(Body::Wrapped {
            root,
            schema: SchemaOf::of::<T>(),
            required: false,
        })
    }

    /// Reads `T` at the top level.
    pub fn flat_body<T: ToSchema>(self) -> Self {
        self.with_body(Body::Flat {
            schema: SchemaOf::of::<T>(),
            root: None,
        })
    }

    /// Reads `T` at the top level or as `{"<root>": T}`.
    pub fn flat_or_wrapped_body<T: ToSchema>(self, root: &'static str) -> Self {
        self.with_body(Body::Flat {
            schema: SchemaOf::of::<T>(),
            root: Some(root),
        })
    }

    /// Reads `T`'s attributes at the top level or under any root key; no body is fine.
    pub fn body_anywhere<T: ToSchema>(self) -> Self {
        self.with_body(Body::Anywhere {
            schema: SchemaOf::of::<T>(),
        })
    }

    /// Reads any JSON object.
    pub fn object_body(self) -> Self {
        self.with_body(Body::FreeObject)
    }

    /// Reads a `multipart/form-data` upload of at most `limit` bytes; the route's handler
    /// is wrapped in a [`DefaultBodyLimit`] of that size.
    pub fn multipart(self, parts: &'static [Part], limit: usize) -> Self {
        self.with_body(Body::Multipart { parts, limit })
    }

    /// Attributes of the body's type that this operation requires (the input types
    /// have every attribute optional, because create and update share them).
    pub fn requires(mut self, fields: &'static [&'static str]) -> Self {
        self.required_fields = fields;
        self
    }

    /// Further statuses the route answers (412, 422, …).
    pub fn errors(mut self, statuses: &[u16]) -> Self {
        self.errors.extend(statuses.iter().copied());
        self
    }

    /// Query parameters (besides a list's paging and filters).
    pub fn query(mut self, params: &[QueryParam]) -> Self {
        self.query.extend(params.iter().copied());
        self
    }

    /// Answers without credentials (no 401/403).
    pub fn public(mut self) -> Self {
        self.public = true;
        self
    }

    /// What the route requires of its caller (instead of the rule of
    /// [`crate::guard::default_access`]).
    pub fn access(mut self, access: Access) -> Self {
        self.access = Some(access);
        self
    }

    fn body_limit(&self) -> Option<usize> {
        match &self.body {
            Some(Body::Multipart { limit, .. } | Body::Text { limit, .. }) => Some(*limit),
            _ => self.body_limit,
        }
    }

    /// Reads a text body of `media_type` of at most `limit` bytes (413 beyond).
    pub fn text_body(
        self,
        media_type: &'static str,
        description: &'static str,
        limit: usize,
    ) -> Self {
        self.with_body(Body::Text {
            media_type,
            description,
            limit,
        })
    }

    /// Accepts a request body of up to `limit` bytes instead of the default.
    pub fn max_body(mut self, limit: usize) -> Self {
        self.body_limit = Some(limit);
        self
    }
}

/// One documented route: method, path (relative to `/v2`), tag and documentation.
#[derive(Clone)]
pub struct Operation {
    pub method: Method,
    pub path: String,
    pub tag: String,
    pub doc: Doc,
    /// What the route requires of its caller, checked by [`crate::guard::guard`].
    pub access: Access,
}

/// Routes with their documentation; see the module documentation.
pub struct Routes {
    tag: String,
    router: Router<AppState>,
    operations: Vec<Operation>,
}

impl Routes {
    /// An empty table whose routes are listed under `tag`.
    pub fn new(tag: impl Into<String>) -> Self {
        Routes {
            tag: tag.into(),
            router: Router::new(),
            operations: Vec::new(),
        }
    }

    fn add(mut self, method: Method, path: &str, route: MethodRouter<AppState>, doc: Doc) -> Self {
        let access = doc
            .access
            .unwrap_or_else(|| crate::guard::default_access(&method, path, doc.public));
        let (resource, action) = crate::guard::describe_change(&method, path);
        let guard = Arc::new(RouteGuard {
            access,
            summary: doc.summary.clone(),
            resource,
            action,
            creates: matches!(doc.success, Success::One(201, _)),
            open_to_restricted: crate::guard::open_to_restricted(&method, path, access),
        });
        // Every route checks its caller and records its changes (issue 16).
        let route = route.layer(middleware::from_fn_with_state(guard, crate::guard::guard));
        let route = match doc.body_limit() {
            Some(limit) => route.layer(DefaultBodyLimit::max(limit)),
            None => route,
        };
        // axum merges a second method on a known path and panics on a duplicate method,
        // so no route is registered (or documented) twice.
        self.router = self.router.route(path, route);
        self.operations.push(Operation {
            method,
            path: path.to_string(),
            tag: self.tag.clone(),
            doc,
            access,
        });
        self
    }

    /// `GET path` answered by `handler`.
    pub fn get<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        handler: H,
        doc: Doc,
    ) -> Self {
        self.add(Method::GET, path, on(MethodFilter::GET, handler), doc)
    }

    /// `POST path` answered by `handler`.
    pub fn post<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        handler: H,
        doc: Doc,
    ) -> Self {
        self.add(Method::POST, path, on(MethodFilter::POST, handler), doc)
    }

    /// `PATCH path` answered by `handler`.
    pub fn patch<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        handler: H,
        doc: Doc,
    ) -> Self {
        self.add(Method::PATCH, path, on(MethodFilter::PATCH, handler), doc)
    }

    /// `PUT path` answered by `handler`.
    pub fn put<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        handler: H,
        doc: Doc,
    ) -> Self {
        self.add(Method::PUT, path, on(MethodFilter::PUT, handler), doc)
    }

    /// `DELETE path` answered by `handler`.
    pub fn delete<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &str,
        handler: H,
        doc: Doc,
    ) -> Self {
        self.add(Method::DELETE, path, on(MethodFilter::DELETE, handler), doc)
    }

    /// Adds `value` as a request extension to every route registered so far (the
    /// campaign type of a prefix, for instance).
    pub fn extension<E: Clone + Send + Sync + 'static>(mut self, value: E) -> Self {
        self.router = self.router.layer(Extension(value));
        self
    }

    /// Adds the routes of `other`, which keep their own tag.
    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.operations.extend(other.operations);
        self
    }

    /// The documented operations, in registration order.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The router of these routes.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

fn http_method(method: &Method) -> HttpMethod {
    match *method {
        Method::POST => HttpMethod::Post,
        Method::PATCH => HttpMethod::Patch,
        Method::PUT => HttpMethod::Put,
        Method::DELETE => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

fn string_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn integer_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Integer)
}

/// The name of the reusable response of a status other than the success (all but 304
/// carry the error body).
pub fn error_response_name(status: u16) -> &'static str {
    match status {
        304 => "NotModified",
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        422 => "UnprocessableEntity",
        429 => "TooManyRequests",
        _ => "Error",
    }
}

/// The description of a status.
pub fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted: the work runs in the background",
        304 => "Not modified: the `If-None-Match` or `If-Modified-Since` validator matches",
        400 => {
            "Bad request: malformed JSON, wrong content type, missing root key or a bad \
                filter value"
        }
        401 => "Missing or invalid Basic credentials",
        403 => {
            "Not permitted: the organization is locked, or the caller's role or key \
                scope lacks the route's permission (see the description)"
        }
        404 => "Unknown id, or the id of another organization's resource",
        412 => "Refused by a precondition (state, in use, limit)",
        413 => "Request body too large",
        422 => "Validation errors per attribute",
        429 => "Rate limit exceeded; retry after `Retry-After` seconds",
        _ => "Error",
    }
}

/// The pagination headers of a list response (§4.1).
pub const PAGE_HEADERS: &[(&str, &str)] = &[
    (
        "X-Total",
        "Items matching the filters (exact unless X-Total-Exact says otherwise).",
    ),
    ("X-Total-Pages", "Number of pages."),
    ("X-Page", "This page."),
    ("X-Per-Page", "Effective page size."),
    (
        "X-Next-Page",
        "The next page number; absent when there is no such page (on the last page).",
    ),
    (
        "X-Prev-Page",
        "The previous page number; absent when there is no such page (on page 1).",
    ),
    ("X-Offset", "Offset of the first item of this page."),
    (
        "X-Total-Exact",
        "Sent (as `false`) only when X-Total is a lower bound: the filters have no maintained \
         count and more than 10,000 items match. X-Next-Page is exact either way.",
    ),
];

/// What the `text/csv` answer of every list is (list.rs, README "CSV export").
pub const CSV_EXPORT: &str = "Sent for `Accept: text/csv`: the whole list (every page) \
    with the request's filters and order, streamed; a header row naming the item's \
    attributes (`id` first), then one row per item. Text as is, numbers and booleans as \
    in JSON, null empty, arrays and objects as compact JSON; cells holding a comma, quote \
    or line break are quoted (RFC 4180). No pagination headers.";

/// `q[search]`: the free-text pass search (model/search.rs, README "Pass search").
pub const SEARCH_PARAM: QueryParam = QueryParam {
    name: "q[search]",
    kind: ParamKind::String,
    description: "Free-text search (at most 200 characters): split at white space, a \
        pass matches when every word occurs, case-insensitively, inside its serial number, \
        redeem code, a field value, or a string in its user_info or metadata. Combines \
        with the other q[...] filters, the order and pagination.",
};

/// The schema of a pagination header: an integer (page numbers start at 1).
fn page_header_schema(name: &str) -> RefOr<Schema> {
    if name == "X-Total-Exact" {
        return string_schema().enum_values(Some(["false"])).into();
    }
    let least = if matches!(name, "X-Next-Page" | "X-Prev-Page" | "X-Page") {
        1
    } else {
        0
    };
    integer_schema().minimum(Some(least)).into()
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Text => "text",
        Kind::Int => "integer",
        Kind::Float => "number",
        Kind::Bool => "true/false",
        Kind::Time => "time",
    }
}

/// The `q` parameter of a collection: filters and ordering over its `columns`.
fn filter_param(columns: &[Column]) -> ParameterBuilder {
    let attributes = columns
        .iter()
        .map(|c| format!("`{}` ({})", c.attr, kind_name(c.kind)))
        .collect::<Vec<_>>()
        .join(", ");
    ParameterBuilder::new()
        .name("q")
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .style(Some(ParameterStyle::DeepObject))
        .explode(Some(true))
        .description(Some(format!(
            "Filters `q[<attribute>_<predicate>]=value` (predicates eq, not_eq, matches, lt, \
             lteq, gt, gteq, cont; matches and cont on text and time only) and ordering \
             `q[s]=<attribute> asc|desc`. Attributes: {attributes}. A value of the wrong \
             kind is a 400."
        )))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .additional_properties(Some(string_schema())),
        ))
}

impl Operation {
    /// The OpenAPI method of this operation.
    pub fn http_method(&self) -> HttpMethod {
        http_method(&self.method)
    }

    /// `<method>_<path>` with ids and punctuation folded, unique per operation.
    pub fn operation_id(&self) -> String {
        let path: String = self
            .path
            .trim_start_matches('/')
            .replace(['{', '}'], "")
            .replace(['/', '.'], "_");
        format!("{}_{path}", self.method.as_str().to_ascii_lowercase())
    }

    /// Registers every schema this operation names.
    pub fn register_schemas(&self, schemas: &mut Schemas) {
        if let Some(
            Body::Wrapped { schema, .. } | Body::Flat { schema, .. } | Body::Anywhere { schema },
        ) = &self.doc.body
        {
            schema.register(schemas);
        }
        if let Success::One(_, schema) | Success::List(schema) = &self.doc.success {
            schema.register(schemas);
        }
    }

    /// The statuses this operation can answer besides its success.
    pub fn error_statuses(&self) -> BTreeSet<u16> {
        let mut statuses = self.doc.errors.clone();
        if !self.doc.public {
            statuses.extend([401, 403]);
        }
        if self.path.contains('{') {
            statuses.insert(404);
        }
        statuses.insert(429);
        statuses
    }

    /// The body schema, with this operation's required attributes added to `T`'s.
    fn body_schema(&self, schema: &SchemaOf) -> RefOr<Schema> {
        if self.doc.required_fields.is_empty() {
            return schema.reference();
        }
        let mut required = ObjectBuilder::new();
        for field in self.doc.required_fields {
            required = required.required(*field);
        }
        AllOfBuilder::new()
            .item(schema.reference())
            .item(required)
            .into()
    }

    /// The attributes [`Doc::requires`] names, for checking them against the schema.
    pub fn required_fields(&self) -> (Option<String>, &'static [&'static str]) {
        let name = match &self.doc.body {
            Some(
                Body::Wrapped { schema, .. }
                | Body::Flat { schema, .. }
                | Body::Anywhere { schema },
            ) => Some(schema.name()),
            _ => None,
        };
        (name, self.doc.required_fields)
    }

    /// The OpenAPI operation.
    pub fn to_openapi(&self) -> OpenApiOperation {
        let mut op = OperationBuilder::new()
            .summary(Some(self.doc.summary.clone()))
            .description(Some(format!(
                "Requires: `{}` (see README, Teams and roles).",
                self.access.describe()
            )))
            .tag(self.tag.clone())
            .operation_id(Some(self.operation_id()))
            .parameters(Some(self.parameters()).filter(|p| !p.is_empty()))
            .request_body(self.request_body())
            .responses(self.responses());
        if self.doc.public {
            // Credentials are optional.
            op = op.security(SecurityRequirement::default());
        }
        op.build()
    }

    /// Path parameters in order, then query parameters (paging, the route's own, filters).
    fn parameters(&self) -> Vec<Parameter> {
        let d = &self.doc;
        let mut params = Vec::new();
        for segment in self.path.split('/') {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let schema = if name.ends_with("_id") {
                    string_schema().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                } else {
                    string_schema()
                };
                params.push(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .schema(Some(schema))
                        .build(),
                );
            }
        }
        let mut query: Vec<QueryParam> = Vec::new();
        if d.filters.is_some() {
            query.extend(PAGE_PARAMS);
        }
        query.extend(d.query.iter().copied());
        for p in query {
            let schema = match p.kind {
                ParamKind::Integer => integer_schema(),
                ParamKind::String => string_schema(),
                ParamKind::Date => {
                    string_schema().format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
                }
            };
            params.push(
                ParameterBuilder::new()
                    .name(p.name)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .description(Some(p.description))
                    .schema(Some(schema))
                    .build(),
            );
        }
        if let Some(columns) = d.filters {
            params.push(filter_param(columns).build());
        }
        params
    }

    /// The request body, when the route reads one.
    fn request_body(&self) -> Option<RequestBody> {
        let (content_type, schema, required) = self.body_content(self.doc.body.as_ref()?);
        Some(
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
        )
    }

    /// The media type, schema and requiredness of a request body.
    fn body_content(&self, body: &Body) -> (&'static str, RefOr<Schema>, bool) {
        match body {
            Body::Wrapped {
                root,
                schema,
                required,
            } => (
                "application/json",
                ObjectBuilder::new()
                    .property(*root, self.body_schema(schema))
                    .required(*root)
                    .into(),
                *required,
            ),
            Body::Flat { schema, root: None } => {
                ("application/json", self.body_schema(schema), true)
            }
            Body::Flat {
                schema,
                root: Some(root),
            } => (
                "application/json",
                OneOfBuilder::new()
                    .item(self.body_schema(schema))
                    .item(
                        ObjectBuilder::new()
                            .property(*root, self.body_schema(schema))
                            .required(*root),
                    )
                    .into(),
                true,
            ),
            Body::Anywhere { schema } => (
                "application/json",
                AnyOfBuilder::new()
                    .item(self.body_schema(schema))
                    .item(
                        ObjectBuilder::new()
                            .schema_type(Type::Object)
                            .additional_properties(Some(self.body_schema(schema))),
                    )
                    .description(Some(
                        "The attributes at the top level, or under the type's root key.",
                    ))
                    .into(),
                false,
            ),
            Body::FreeObject => (
                "application/json",
                ObjectBuilder::new().schema_type(Type::Object).into(),
                true,
            ),
            Body::Text {
                media_type,
                description,
                ..
            } => (
                media_type,
                string_schema().description(Some(*description)).into(),
                true,
            ),
            Body::Multipart { parts, .. } => {
                let mut o = ObjectBuilder::new();
                for part in *parts {
                    let s = if part.file {
                        string_schema().content_media_type("application/octet-stream")
                    } else {
                        string_schema()
                    };
                    o = o.property(part.name, s.description(Some(part.description)));
                    if part.required {
                        o = o.required(part.name);
                    }
                }
                ("multipart/form-data", o.into(), true)
            }
        }
    }

    /// The success response, then a reference to the shared response of every other status.
    fn responses(&self) -> Responses {
        let (status, response) = match &self.doc.success {
            Success::One(status, schema) => (
                *status,
                ResponseBuilder::new()
                    .description(status_text(*status))
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(schema.reference()))
                            .build(),
                    ),
            ),
            Success::List(schema) => {
                let mut r = ResponseBuilder::new()
                    .description(status_text(200))
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(ArrayBuilder::new().items(schema.reference())))
                            .build(),
                    )
                    .content(
                        "text/csv",
                        ContentBuilder::new()
                            .schema(Some(string_schema().description(Some(CSV_EXPORT))))
                            .build(),
                    );
                for (name, description) in PAGE_HEADERS {
                    r = r.header(
                        *name,
                        HeaderBuilder::new()
                            .schema(page_header_schema(name))
                            .description(Some(*description))
                            .build(),
                    );
                }
                (200, r)
            }
            Success::Binary(media_type) => (
                200,
                ResponseBuilder::new()
                    .description(status_text(200))
                    .content(
                        *media_type,
                        ContentBuilder::new()
                            .schema(Some(
                                string_schema().content_media_type(media_type.to_string()),
                            ))
                            .build(),
                    ),
            ),
            Success::AnyObject => (
                200,
                ResponseBuilder::new()
                    .description(status_text(200))
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(ObjectBuilder::new().schema_type(Type::Object)))
                            .build(),
                    ),
            ),
        };
        let mut responses = ResponsesBuilder::new().response(status.to_string(), response.build());
        for status in self.error_statuses() {
            responses = responses.response(
                status.to_string(),
                Ref::new(format!(
                    "#/components/responses/{}",
                    error_response_name(status)
                )),
            );
        }
        responses.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use passworks_wire::Ping;

    async fn handler() {}

    #[test]
    fn each_method_and_path_is_one_operation() {
        let routes = Routes::new("T")
            .get("/a", handler, doc("read").ok::<Ping>())
            .post(
                "/a",
                handler,
                doc("write").ok::<Ping>().body::<Ping>("ping"),
            );
        let ops: Vec<_> = routes
            .operations()
            .iter()
            .map(|o| (o.method.clone(), o.path.clone(), o.operation_id()))
            .collect();
        assert_eq!(
            ops,
            vec![
                (Method::GET, "/a".to_string(), "get_a".to_string()),
                (Method::POST, "/a".to_string(), "post_a".to_string()),
            ]
        );
        let write = &routes.operations()[1];
        assert_eq!(
            write.error_statuses().into_iter().collect::<Vec<_>>(),
            vec![400, 401, 403, 413, 429]
        );
    }

    #[test]
    #[should_panic]
    fn a_route_cannot_be_registered_twice() {
        let _ = Routes::new("T")
            .get("/a", handler, doc("one").ok::<Ping>())
            .get("/a", handler, doc("two").ok::<Ping>());
    }
}
