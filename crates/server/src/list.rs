//! Collections (§4): pagination, `q[attr_predicate]` filters and `q[s]` ordering, and
//! the CSV export of every list (`Accept: text/csv`).
//!
//! Each collection declares an allow-list of [`Column`]s mapping API attributes onto SQL
//! expressions. Only those expressions ever reach the SQL text; every user-supplied value
//! is bound as a parameter.
//!
//! What a page costs does not grow with the collection (README "Lists at scale"):
//! - the order is always `sort, created_at, id` in one direction, so an index on
//!   `(scope, sort, created_at, id)` yields any page as a range scan;
//! - with [`Options::table`] the page's ids are chosen first from the index alone (a deep
//!   page skips index entries, never table rows) and only those rows are read;
//! - `X-Total` is a maintained count when the collection has one for the filters
//!   ([`Options::known_total`]), else a count that stops at [`COUNT_CAP`] matches. Below
//!   the cap it is exact; at the cap it is a lower bound, said by `X-Total-Exact: false`,
//!   and `X-Next-Page` then comes from the rows themselves (one row beyond the page is
//!   read).

use crate::db::{normalize_time, Db};
use crate::error::{ApiError, ApiResult};
use crate::positions::{self, Key, Positions, Start};
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use passworks_wire::query::{parse_offset, parse_pairs, Direction, ListQuery, Predicate};
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;
use utoipa::ToSchema;

/// A count without a maintained total stops after this many matches (`X-Total` is then a
/// lower bound and `X-Total-Exact: false` says so).
pub const COUNT_CAP: i64 = 10_000;

/// Longest `q[search]` accepted, in characters.
pub const MAX_SEARCH: usize = 200;

/// CSV exports running at once per process; more wait for a turn (each holds one
/// database connection while it streams).
const EXPORTS_AT_ONCE: usize = 2;

/// Bytes of CSV gathered before a chunk is handed to the connection.
const CSV_CHUNK: usize = 32 * 1024;

/// How a filter value is interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Float,
    Bool,
    Time,
}

/// One filterable/sortable attribute.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub attr: &'static str,
    pub sql: &'static str,
    pub kind: Kind,
}

/// Shorthand for a [`Column`].
pub const fn col(attr: &'static str, sql: &'static str, kind: Kind) -> Column {
    Column { attr, sql, kind }
}

/// A bound value.
#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    Int(i64),
    Float(f64),
}

/// The list parameters of a request: the parsed [`ListQuery`] plus `offset`, the free-text
/// `q[search]` (collections that support it; others ignore it like any unknown attribute)
/// and whether the client asked for CSV (`Accept: text/csv`).
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub query: ListQuery,
    pub offset: i64,
    pub search: Option<String>,
    pub csv: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for ListParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let RawQuery(raw) = RawQuery::from_request_parts(parts, state)
            .await
            .unwrap_or(RawQuery(None));
        let pairs = parse_pairs(raw.as_deref().unwrap_or(""));
        let query = ListQuery::try_from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(ApiError::BadRequest)?;
        let offset = parse_offset(
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == "offset")
                .map(|(_, v)| v.as_str()),
        )
        .map_err(ApiError::BadRequest)?;
        let search = pairs
            .iter()
            .rev()
            .find(|(k, _)| k == "q[search]")
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty());
        if let Some(s) = &search {
            if s.chars().count() > MAX_SEARCH {
                return Err(ApiError::BadRequest(format!(
                    "q[search] must be at most {MAX_SEARCH} characters"
                )));
            }
        }
        let csv = parts
            .headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|m| {
                let mut it = m.split(';');
                let ty = it.next().unwrap_or("").trim();
                let refused = it.any(|p| {
                    let p = p.trim().replace(' ', "");
                    p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
                });
                ty.eq_ignore_ascii_case("text/csv") && !refused
            });
        Ok(ListParams {
            query,
            offset,
            search,
            csv,
        })
    }
}

/// Where a page sits in the collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageInfo {
    /// Items matching the filters; a lower bound when `exact` is false.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub offset: i64,
    /// Whether `total` is the exact number of matches.
    pub exact: bool,
    /// Whether an item follows this page (read with the page).
    pub more: bool,
}

impl PageInfo {
    /// Number of pages.
    pub fn total_pages(&self) -> i64 {
        (self.total + self.per_page - 1) / self.per_page
    }
}

/// Where a page starts: `offset + (page - 1) * per_page`, or a 400 if that does not fit
/// (the query parser bounds both, so this only guards the arithmetic).
pub fn window_start(offset: i64, page: i64, per_page: i64) -> ApiResult<i64> {
    page.checked_sub(1)
        .and_then(|p| p.checked_mul(per_page))
        .and_then(|p| p.checked_add(offset))
        .filter(|s| *s >= 0)
        .ok_or_else(|| ApiError::BadRequest("page and offset are out of range".into()))
}

/// Maps a row to an item (boxed so an export can carry it into its streaming task).
type RowMap<T> = Box<dyn FnMut(&AnyRow) -> ApiResult<Option<T>> + Send>;

/// A whole list to stream as CSV: the query without pagination and the row mapping.
struct Export<T> {
    db: Db,
    sql: String,
    binds: Vec<Bind>,
    map: RowMap<T>,
}

enum PagedInner<T> {
    Page(Vec<T>, PageInfo),
    Export(Export<T>),
}

/// A page of items, rendered as a bare JSON array with the `X-` headers of §4.1; or, when
/// the request asked for `text/csv`, the whole filtered and sorted list as CSV, streamed.
pub struct Paged<T>(PagedInner<T>);

impl<T> std::fmt::Debug for Paged<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            PagedInner::Page(items, info) => f
                .debug_struct("Page")
                .field("items", &items.len())
                .field("info", info)
                .finish(),
            PagedInner::Export(e) => f.debug_struct("Export").field("sql", &e.sql).finish(),
        }
    }
}

impl<T: Send + 'static> Paged<T> {
    /// A page of items.
    pub fn page(items: Vec<T>, info: PageInfo) -> Self {
        Paged(PagedInner::Page(items, info))
    }

    /// The same list with every item converted (records to wire types); for an export the
    /// conversion runs as the rows stream.
    pub fn map<U: Send + 'static>(self, mut f: impl FnMut(T) -> U + Send + 'static) -> Paged<U> {
        match self.0 {
            PagedInner::Page(items, info) => {
                Paged(PagedInner::Page(items.into_iter().map(f).collect(), info))
            }
            PagedInner::Export(e) => {
                let mut inner = e.map;
                Paged(PagedInner::Export(Export {
                    db: e.db,
                    sql: e.sql,
                    binds: e.binds,
                    map: Box::new(move |row| inner(row).map(|o| o.map(&mut f))),
                }))
            }
        }
    }

    /// The same list with every item converted, leaving out those `f` refuses (an item
    /// whose context vanished between the query and the conversion).
    pub fn filter_map<U: Send + 'static>(
        self,
        mut f: impl FnMut(T) -> Option<U> + Send + 'static,
    ) -> Paged<U> {
        match self.0 {
            PagedInner::Page(items, info) => Paged(PagedInner::Page(
                items.into_iter().filter_map(f).collect(),
                info,
            )),
            PagedInner::Export(e) => {
                let mut inner = e.map;
                Paged(PagedInner::Export(Export {
                    db: e.db,
                    sql: e.sql,
                    binds: e.binds,
                    map: Box::new(move |row| Ok(inner(row)?.and_then(&mut f))),
                }))
            }
        }
    }

    /// The items of a page (`None` for an export).
    pub fn items(&self) -> Option<&[T]> {
        match &self.0 {
            PagedInner::Page(items, _) => Some(items),
            PagedInner::Export(_) => None,
        }
    }
}

impl<T: Serialize + ToSchema + Send + 'static> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        let (items, info) = match self.0 {
            PagedInner::Page(items, info) => (items, info),
            PagedInner::Export(e) => return export_response(e, csv_columns::<T>()),
        };
        let mut resp = axum::Json(items).into_response();
        let total_pages = info.total_pages();
        // X-Next-Page and X-Prev-Page are left out when there is no such page (§4.1 allows
        // "omitted or empty"; the PHP SDKs test for presence, so omitted it is). Under a
        // capped count the rows say whether there is a next page.
        let has_next = if info.exact {
            info.page < total_pages
        } else {
            info.more
        };
        let next = has_next.then(|| info.page + 1);
        let prev = (info.page > 1).then(|| info.page - 1);
        let start = window_start(info.offset, info.page, info.per_page).unwrap_or(info.offset);
        let h = resp.headers_mut();
        for (name, value) in [
            ("x-total", Some(info.total)),
            ("x-total-pages", Some(total_pages)),
            ("x-page", Some(info.page)),
            ("x-per-page", Some(info.per_page)),
            ("x-next-page", next),
            ("x-prev-page", prev),
            ("x-offset", Some(start)),
        ] {
            if let Some(value) = value {
                h.insert(name, HeaderValue::from(value));
            }
        }
        if !info.exact {
            h.insert("x-total-exact", HeaderValue::from_static("false"));
        }
        resp
    }
}

/// The CSV columns of `T`: the attributes of its JSON schema, `id` first.
pub fn csv_columns<T: ToSchema>() -> Vec<String> {
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::RefOr;
    fn collect(schema: &RefOr<Schema>, out: &mut Vec<String>) {
        match schema {
            RefOr::T(Schema::Object(o)) => {
                for k in o.properties.keys() {
                    if !out.contains(k) {
                        out.push(k.clone());
                    }
                }
            }
            RefOr::T(Schema::AllOf(a)) => a.items.iter().for_each(|s| collect(s, out)),
            _ => {}
        }
    }
    let mut columns = Vec::new();
    collect(&T::schema(), &mut columns);
    if let Some(i) = columns.iter().position(|c| c == "id") {
        let id = columns.remove(i);
        columns.insert(0, id);
    }
    columns
}

/// One CSV cell of a JSON value: text as is, numbers and booleans in JSON spelling, null
/// empty, arrays and objects as compact JSON.
pub fn csv_cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => other.to_string(),
    }
}

/// Appends one CSV record (RFC 4180: a cell holding a comma, quote, CR or LF is quoted,
/// quotes doubled; records end with CRLF).
pub fn csv_record<'a>(out: &mut String, cells: impl IntoIterator<Item = &'a str>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

/// Turns an export into a streamed `text/csv` response. A task runs the query and feeds
/// rows through a small channel, so memory stays at a few chunks whatever the list's size
/// and a client that stops reading stops the query; a database error ends the body
/// abruptly (the client sees a broken transfer, never a truncated file that looks whole).
fn export_response<T: Serialize + Send + 'static>(e: Export<T>, columns: Vec<String>) -> Response {
    static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(EXPORTS_AT_ONCE);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let Ok(_turn) = TURNS.acquire().await else {
            return;
        };
        let mut buf = String::with_capacity(CSV_CHUNK + 4096);
        csv_record(&mut buf, columns.iter().map(String::as_str));
        let Export {
            db,
            sql,
            binds,
            mut map,
        } = e;
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
                Bind::Float(f) => q.bind(*f),
            };
        }
        let mut rows = q.fetch(&db.pool);
        let failed = loop {
            let row = match rows.try_next().await {
                Ok(Some(row)) => row,
                Ok(None) => break None,
                Err(e) => break Some(e.to_string()),
            };
            let item = match map(&row) {
                Ok(Some(item)) => item,
                Ok(None) => continue,
                Err(e) => break Some(format!("{e:?}")),
            };
            let value = serde_json::to_value(&item).unwrap_or(Value::Null);
            let cells: Vec<String> = columns.iter().map(|c| csv_cell(value.get(c))).collect();
            csv_record(&mut buf, cells.iter().map(String::as_str));
            if buf.len() >= CSV_CHUNK {
                let chunk = Bytes::from(std::mem::take(&mut buf));
                if tx.send(Ok(chunk)).await.is_err() {
                    return; // the client went away
                }
            }
        };
        drop(rows);
        match failed {
            None => {
                if !buf.is_empty() {
                    let _ = tx.send(Ok(Bytes::from(buf))).await;
                }
            }
            Some(message) => {
                tracing::error!(%message, "CSV export failed");
                let _ = tx.send(Err(std::io::Error::other(message))).await;
            }
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"export.csv\"",
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

/// A collection query: `SELECT {select} FROM {from} WHERE {scope} [AND filters] ORDER BY …`.
pub struct Listing<'a> {
    /// Columns to select (SQL).
    pub select: &'a str,
    /// Table or join (SQL).
    pub from: &'a str,
    /// The scope condition, with `$1`… placeholders for `scope_binds`.
    pub scope: &'a str,
    pub scope_binds: Vec<Bind>,
    /// The allow-list of filterable/sortable attributes.
    pub columns: &'a [Column],
    /// Tie-breaker and default order column (SQL), e.g. `created_at`.
    pub default_order: &'a str,
    /// Unique column appended to every ORDER BY for a stable order, e.g. `id`.
    pub unique: &'a str,
}

/// A filter as applied: its column, predicate and bound value (for [`Options::known_total`]).
#[derive(Debug, Clone, Copy)]
pub struct Applied<'a> {
    pub attr: &'static str,
    pub predicate: Predicate,
    pub value: &'a Bind,
}

/// What a collection adds to the plain [`Listing`].
#[derive(Default)]
pub struct Options<'a> {
    /// The table holding `unique`, when `from` is that table or a join ending in it: the
    /// page's `unique` values are then selected first (from an index on the order, without
    /// reading rows) and only the page's rows are read from this table.
    pub table: Option<&'static str>,
    /// Further conditions (SQL with `?` for each of its binds, in order).
    pub conditions: Vec<(String, Vec<Bind>)>,
    /// A common table expression the conditions use (`name AS (…)`, SQL with `?` for its
    /// binds), computed once per request: the page and its count are then one statement
    /// (needs [`Options::table`]). PostgreSQL's search puts its trigram matches here,
    /// so the index is searched once, not once for the page and again for the count.
    pub with: Option<(String, Vec<Bind>)>,
    /// A query answering the exact number of matches for these filters from a maintained
    /// counter (bound with the scope's binds), or `None` to count.
    pub known_total: Option<KnownTotal>,
    /// The list only grows at the end of its default order (see [`crate::positions`]):
    /// its deep pages in that order, unfiltered, start from a known row.
    pub steady: Option<Steady<'a>>,
}

/// How a list whose default order only grows at its end finds where a deep page starts.
pub struct Steady<'a> {
    pub positions: &'a Positions,
    /// The list's name among the process's positions (e.g. `passes:<campaign id>`).
    pub list: String,
    /// A query bound with the scope's binds answering the list's epoch: a number that
    /// grows whenever a row leaves the list (see [`crate::positions`]).
    pub epoch_sql: &'static str,
}

/// Chooses the counter query answering a list's total for the filters as applied.
pub type KnownTotal = fn(&[Applied<'_>]) -> Option<&'static str>;

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `%s%` for a `LIKE … ESCAPE '\'` that finds `s` anywhere.
pub fn like_anywhere(s: &str) -> String {
    format!("%{}%", escape_like(s))
}

fn convert(column: &Column, predicate: Predicate, raw: &str) -> ApiResult<Option<Bind>> {
    let bad = |what: &str| {
        ApiError::BadRequest(format!(
            "q[{}_{}] must be {what}",
            column.attr,
            predicate.suffix()
        ))
    };
    Ok(match (column.kind, predicate) {
        (Kind::Text, Predicate::Cont) => Some(Bind::Text(format!(
            "%{}%",
            escape_like(&raw.to_lowercase())
        ))),
        (Kind::Text, _) => Some(Bind::Text(raw.to_string())),
        (_, Predicate::Cont | Predicate::Matches) if column.kind != Kind::Time => None,
        (Kind::Time, Predicate::Cont) => Some(Bind::Text(format!("%{}%", escape_like(raw)))),
        (Kind::Time, Predicate::Matches) => Some(Bind::Text(raw.to_string())),
        (Kind::Time, _) => {
            let t = normalize_time(raw)
                .or_else(|| {
                    chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
                        .ok()
                        .map(|d| format!("{}T00:00:00.000000Z", d.format("%Y-%m-%d")))
                })
                .ok_or_else(|| bad("an ISO-8601 time or a YYYY-MM-DD date"))?;
            Some(Bind::Text(t))
        }
        (Kind::Int, _) => Some(Bind::Int(
            raw.trim().parse().map_err(|_| bad("an integer"))?,
        )),
        (Kind::Float, _) => Some(Bind::Float(
            raw.trim().parse().map_err(|_| bad("a number"))?,
        )),
        (Kind::Bool, _) => Some(Bind::Int(match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "t" | "1" | "yes" => 1,
            "false" | "f" | "0" | "no" => 0,
            _ => return Err(bad("true or false")),
        })),
    })
}

/// The WHERE clause, its binds, the ORDER BY and the filters as applied.
struct Plan {
    where_sql: String,
    binds: Vec<Bind>,
    order: String,
    total_sql: Option<&'static str>,
    /// [`Options::with`] with its binds numbered.
    with_sql: Option<String>,
    /// Whether the list is unfiltered in its default order, ascending (what
    /// [`Options::steady`] keeps positions for).
    plain: bool,
}

/// `sql` with each `?` replaced by the number of its value, appended to `binds`.
fn number_binds(sql: &str, values: &[Bind], binds: &mut Vec<Bind>) -> ApiResult<String> {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut values = values.iter();
    for c in sql.chars() {
        if c == '?' {
            let b = values.next().ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("a list condition lacks a value"))
            })?;
            binds.push(b.clone());
            out.push_str(&format!("${}", binds.len()));
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

fn bind_query<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: &[Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s.clone()),
            Bind::Int(i) => q.bind(*i),
            Bind::Float(f) => q.bind(*f),
        };
    }
    q
}

impl Listing<'_> {
    /// Runs the count and page queries and maps each row to an item of the page; for a CSV
    /// request, prepares the export instead (nothing runs until the response streams).
    pub async fn page<T, E>(
        self,
        db: &Db,
        params: &ListParams,
        map: impl FnMut(&AnyRow) -> Result<T, E> + Send + 'static,
    ) -> ApiResult<Paged<T>>
    where
        T: Send + 'static,
        E: 'static,
        ApiError: From<E>,
    {
        self.page_with(db, params, Options::default(), map).await
    }

    /// [`Listing::page`] with a collection's [`Options`].
    pub async fn page_with<T, E>(
        self,
        db: &Db,
        params: &ListParams,
        options: Options<'_>,
        mut map: impl FnMut(&AnyRow) -> Result<T, E> + Send + 'static,
    ) -> ApiResult<Paged<T>>
    where
        T: Send + 'static,
        E: 'static,
        ApiError: From<E>,
    {
        if params.csv {
            let plan = self.plan(params, &options)?;
            let with = plan
                .with_sql
                .as_ref()
                .map(|w| format!("WITH {w} "))
                .unwrap_or_default();
            let sql = format!(
                "{with}SELECT {} FROM {} WHERE {} ORDER BY {}",
                self.select, self.from, plan.where_sql, plan.order
            );
            return Ok(Paged(PagedInner::Export(Export {
                db: db.clone(),
                sql,
                binds: plan.binds,
                map: Box::new(move |row| map(row).map(Some).map_err(ApiError::from)),
            })));
        }
        let (rows, info) = self.fetch_with(db, params, &options).await?;
        let items = rows.iter().map(map).collect::<Result<Vec<_>, E>>()?;
        Ok(Paged::page(items, info))
    }

    /// Runs the count and page queries.
    pub async fn fetch(self, db: &Db, params: &ListParams) -> ApiResult<(Vec<AnyRow>, PageInfo)> {
        self.fetch_with(db, params, &Options::default()).await
    }

    /// Builds the WHERE clause (allow-listed columns only, values bound) and the ORDER BY:
    /// the sort column, then `default_order`, then `unique`, all in one direction.
    // Long because it builds the WHERE clause (one arm per predicate), the collection's own
    // conditions and the ORDER BY in one place, so the allow-list check is visibly done
    // before any SQL.
    fn plan(&self, params: &ListParams, options: &Options) -> ApiResult<Plan> {
        let mut binds = self.scope_binds.clone();
        let mut conditions = vec![format!("({})", self.scope)];
        let mut applied_at = Vec::new();
        for f in &params.query.filters {
            let Some(column) = self.columns.iter().find(|c| c.attr == f.attribute) else {
                continue; // unknown attributes are ignored (§4.2)
            };
            let Some(bind) = convert(column, f.predicate, &f.value)? else {
                continue;
            };
            binds.push(bind);
            applied_at.push((column.attr, f.predicate, binds.len() - 1));
            let n = binds.len();
            let cond = match f.predicate {
                Predicate::Eq => format!("{} = ${n}", column.sql),
                Predicate::NotEq => format!("({0} <> ${n} OR {0} IS NULL)", column.sql),
                Predicate::Matches => format!("{} LIKE ${n}", column.sql),
                Predicate::Lt => format!("{} < ${n}", column.sql),
                Predicate::Lteq => format!("{} <= ${n}", column.sql),
                Predicate::Gt => format!("{} > ${n}", column.sql),
                Predicate::Gteq => format!("{} >= ${n}", column.sql),
                Predicate::Cont => format!("LOWER({}) LIKE ${n} ESCAPE '\\'", column.sql),
            };
            conditions.push(cond);
        }
        let applied: Vec<Applied<'_>> = applied_at
            .iter()
            .map(|(attr, predicate, i)| Applied {
                attr,
                predicate: *predicate,
                value: &binds[*i],
            })
            .collect();
        let total_sql = match options.known_total {
            Some(f) if options.conditions.is_empty() => f(&applied),
            _ => None,
        };
        drop(applied);
        for (sql, extra) in &options.conditions {
            conditions.push(format!("({})", number_binds(sql, extra, &mut binds)?));
        }
        let with_sql = match &options.with {
            Some((sql, extra)) => Some(number_binds(sql, extra, &mut binds)?),
            None => None,
        };
        let (sort, dir) = match &params.query.sort {
            Some((attr, dir)) => match self.columns.iter().find(|c| c.attr == attr) {
                Some(c) => (c.sql, *dir),
                None => (self.default_order, Direction::Asc),
            },
            None => (self.default_order, Direction::Asc),
        };
        let plain = applied_at.is_empty()
            && options.conditions.is_empty()
            && sort == self.default_order
            && dir == Direction::Asc;
        let dir = if dir == Direction::Desc {
            "DESC"
        } else {
            "ASC"
        };
        let mut keys = vec![sort];
        for k in [self.default_order, self.unique] {
            if !keys.contains(&k) && !keys.contains(&self.unique) {
                keys.push(k);
            }
        }
        let order = keys
            .iter()
            .map(|k| format!("{k} {dir}"))
            .collect::<Vec<_>>()
            .join(", ");
        Ok(Plan {
            where_sql: conditions.join(" AND "),
            binds,
            order,
            total_sql,
            with_sql,
            plain,
        })
    }

    /// Runs the count and page queries with the collection's options.
    // Long because the page query (plain, or ids first) and the count (maintained, or
    // capped) are chosen together: the capped count's limit depends on the page's window.
    pub async fn fetch_with(
        self,
        db: &Db,
        params: &ListParams,
        options: &Options<'_>,
    ) -> ApiResult<(Vec<AnyRow>, PageInfo)> {
        let plan = self.plan(params, options)?;
        let per_page = params.query.per_page as i64;
        let page = params.query.page as i64;
        let start = window_start(params.offset, page, per_page)?;
        if let (Some(with), Some(table)) = (&plan.with_sql, options.table) {
            return self
                .fetch_in_one(db, &plan, Some(with), table, params, start)
                .await;
        }
        // A deep page of a steady list starts at its nearest anchor (`from_key`) and skips
        // the rows after it, instead of skipping every row before it.
        let from_key = match &options.steady {
            Some(steady) if plan.plain && start >= positions::STRIDE => {
                self.steady_start(db, &plan, steady, start).await?
            }
            _ => None,
        };
        // Without a maintained total (a filtered list: a lookup by code, serial or
        // value), the page and its capped count are one statement.
        if let (None, None, Some(table)) = (&plan.total_sql, &from_key, options.table) {
            return self
                .fetch_in_one(db, &plan, None, table, params, start)
                .await;
        }
        let mut binds = plan.binds.clone();
        let mut where_sql = plan.where_sql.clone();
        let skip = match from_key {
            Some(Start { key, skip }) => {
                where_sql.push_str(&format!(
                    " AND ({}, {}) >= (${}, ${})",
                    self.default_order,
                    self.unique,
                    binds.len() + 1,
                    binds.len() + 2
                ));
                binds.extend([Bind::Text(key.order), Bind::Text(key.unique)]);
                skip
            }
            None => start,
        };
        let window = limit_sql(per_page + 1, skip, &mut binds);
        // A maintained total comes with the page's rows (its query is bound with the
        // scope's binds, which come first): one round trip instead of two.
        let total_column = plan
            .total_sql
            .map(|t| format!(", ({t}) AS list_total"))
            .unwrap_or_default();
        let select = format!("{}{total_column}", self.select);
        let page_sql = match options.table {
            Some(table) => format!(
                "SELECT {select} FROM {table} WHERE {unique} IN (SELECT {unique} FROM {from} \
                 WHERE {where_sql} ORDER BY {order} {window}) ORDER BY {order}",
                unique = self.unique,
                from = self.from,
                order = plan.order,
            ),
            None => format!(
                "SELECT {} FROM {} WHERE {} ORDER BY {} {window}",
                select, self.from, where_sql, plan.order,
            ),
        };
        let mut rows = bind_query(sqlx::query(&page_sql), &binds)
            .fetch_all(&db.pool)
            .await?;
        let more = rows.len() as i64 > per_page;
        rows.truncate(per_page as usize);

        let info = match plan.total_sql {
            Some(sql) => {
                let total = match rows.first() {
                    Some(row) => row.try_get::<Option<i64>, _>("list_total")?.unwrap_or(0),
                    None => {
                        let mut q = sqlx::query_scalar::<_, Option<i64>>(sql);
                        for b in &self.scope_binds {
                            q = bind_scalar(q, b);
                        }
                        q.fetch_one(&db.pool).await?.unwrap_or(0)
                    }
                };
                PageInfo {
                    total,
                    page,
                    per_page,
                    offset: params.offset,
                    exact: true,
                    more,
                }
            }
            None => {
                let cap = count_cap(start, per_page);
                let mut binds = plan.binds.clone();
                let count_sql = format!(
                    "SELECT COUNT(*) FROM (SELECT 1 AS one FROM {} WHERE {} {}) counted",
                    self.from,
                    plan.where_sql,
                    limit_sql(cap, 0, &mut binds)
                );
                let mut q = sqlx::query_scalar::<_, i64>(&count_sql);
                for b in &binds {
                    q = bind_scalar(q, b);
                }
                let counted = q.fetch_one(&db.pool).await?;
                capped_info(counted, cap, start, rows.len(), more, params)
            }
        };
        Ok((rows, info))
    }
}

/// `LIMIT limit [OFFSET offset]` for a statement whose parameters so far are `binds`.
///
/// The usual values (a page's size, the first page's zero offset, the count's cap) are
/// written into the statement's text: with a parameter there PostgreSQL plans for reading
/// a tenth of the table, so it never settles on a generic plan and plans the statement
/// again at every execution (weighing every index of `passes`, most of a short request's
/// time). With literals its generic plan is the custom one and is kept after five runs.
/// Other values (deep pages' offsets, deep counts' caps) are bound, so they do not make a
/// prepared statement each.
fn limit_sql(limit: i64, offset: i64, binds: &mut Vec<Bind>) -> String {
    let limit = if limit <= COUNT_CAP + 1 {
        format!("LIMIT {limit}")
    } else {
        binds.push(Bind::Int(limit));
        format!("LIMIT ${}", binds.len())
    };
    if offset == 0 {
        return limit;
    }
    binds.push(Bind::Int(offset));
    format!("{limit} OFFSET ${}", binds.len())
}

/// How far a count goes when no maintained total answers it: the cap, or the end of the
/// page's window when that is further (a deep page costs what reaching it costs anyway).
fn count_cap(start: i64, per_page: i64) -> i64 {
    COUNT_CAP
        .max(start.saturating_add(per_page))
        .saturating_add(1)
}

/// The page's information from a capped count.
fn capped_info(
    counted: i64,
    cap: i64,
    start: i64,
    rows: usize,
    more: bool,
    params: &ListParams,
) -> PageInfo {
    let (total, exact) = if counted < cap {
        (counted, true)
    } else {
        (counted - 1, false)
    };
    let seen = start + rows as i64 + more as i64;
    PageInfo {
        total: if exact { total } else { total.max(seen) },
        page: params.query.page as i64,
        per_page: params.query.per_page as i64,
        offset: params.offset,
        exact,
        more,
    }
}

impl Listing<'_> {
    /// The page and its capped count in one statement, sharing [`Options::with`] when
    /// there is one: the page's ids, the count and the page's rows (`list_total` on every
    /// row; one row of NULLs but the count when the page is empty).
    async fn fetch_in_one(
        &self,
        db: &Db,
        plan: &Plan,
        with: Option<&str>,
        table: &str,
        params: &ListParams,
        start: i64,
    ) -> ApiResult<(Vec<AnyRow>, PageInfo)> {
        let per_page = params.query.per_page as i64;
        let cap = count_cap(start, per_page);
        let mut binds = plan.binds.clone();
        let window = limit_sql(per_page + 1, start, &mut binds);
        let count_limit = limit_sql(cap, 0, &mut binds);
        let with = with.map(|w| format!("{w}, ")).unwrap_or_default();
        let sql = format!(
            "WITH {with}\
             list_page AS (SELECT {unique} AS list_id FROM {from} WHERE {where_sql} \
               ORDER BY {order} {window}), \
             list_count AS (SELECT COUNT(*) AS list_total FROM \
               (SELECT 1 AS one FROM {from} WHERE {where_sql} {count_limit}) counted) \
             SELECT list_count.list_total, t.* FROM list_count LEFT JOIN \
               (SELECT {select} FROM {table} WHERE {unique} IN (SELECT list_id FROM list_page)) t \
               ON 1 = 1 \
             ORDER BY {order}",
            unique = self.unique,
            from = self.from,
            where_sql = plan.where_sql,
            order = plan.order,
            select = self.select,
        );
        let mut rows = bind_query(sqlx::query(&sql), &binds)
            .fetch_all(&db.pool)
            .await?;
        let counted: i64 = match rows.first() {
            Some(row) => row.try_get("list_total")?,
            None => 0,
        };
        // The empty page's row of NULLs.
        rows.retain(|row| {
            row.try_get::<Option<String>, _>(self.unique)
                .ok()
                .flatten()
                .is_some()
        });
        let more = rows.len() as i64 > per_page;
        rows.truncate(per_page as usize);
        let info = capped_info(counted, cap, start, rows.len(), more, params);
        Ok((rows, info))
    }

    /// Where a deep page of a steady list starts: the nearest anchor at or before `start`
    /// under the list's current epoch, learning the anchors up to it that this process
    /// does not know yet (each found by skipping [`positions::STRIDE`] index entries from
    /// the one before, among rows older than [`positions::SETTLE`]).
    async fn steady_start(
        &self,
        db: &Db,
        plan: &Plan,
        steady: &Steady<'_>,
        start: i64,
    ) -> ApiResult<Option<Start>> {
        let mut q = sqlx::query_scalar::<_, i64>(steady.epoch_sql);
        for b in &self.scope_binds {
            q = bind_scalar(q, b);
        }
        let epoch = q.fetch_one(&db.pool).await?;
        let known = steady.positions.known(&steady.list, epoch);
        let wanted = positions::wanted(start);
        if known.len() >= wanted {
            return Ok(positions::start_at(&known, start));
        }
        let settled = crate::db::format_time(chrono::Utc::now() - positions::SETTLE);
        let (ord, unique) = (self.default_order, self.unique);
        let n = plan.binds.len();
        let mut learned: Vec<Key> = Vec::new();
        while known.len() + learned.len() < wanted {
            let after = learned.last().or(known.last());
            let mut binds = plan.binds.clone();
            binds.push(Bind::Text(settled.clone()));
            let mut sql = format!(
                "SELECT {ord}, {unique} FROM {} WHERE {} AND {ord} < ${}",
                self.from,
                plan.where_sql,
                n + 1
            );
            if let Some(k) = after {
                sql.push_str(&format!(
                    " AND ({ord}, {unique}) > (${}, ${})",
                    n + 2,
                    n + 3
                ));
                binds.extend([Bind::Text(k.order.clone()), Bind::Text(k.unique.clone())]);
            }
            // From the start, the anchor is row STRIDE; after an anchor, the STRIDE-th row
            // after it.
            let offset = positions::STRIDE - after.is_some() as i64;
            sql.push_str(&format!(" ORDER BY {} LIMIT 1 OFFSET {offset}", plan.order));
            let row = bind_query(sqlx::query(&sql), &binds)
                .fetch_optional(&db.pool)
                .await?;
            let Some(row) = row else {
                break; // fewer settled rows than that: the last anchor is the nearest
            };
            learned.push(Key {
                order: row.try_get(0)?,
                unique: row.try_get(1)?,
            });
        }
        steady
            .positions
            .learned(&steady.list, epoch, known.len(), &learned);
        let mut keys = known.as_ref().clone();
        keys.extend(learned);
        Ok(positions::start_at(&keys, start))
    }
}

fn bind_scalar<'q, O>(
    q: sqlx::query::QueryScalar<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    b: &Bind,
) -> sqlx::query::QueryScalar<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
    match b {
        Bind::Text(s) => q.bind(s.clone()),
        Bind::Int(i) => q.bind(*i),
        Bind::Float(f) => q.bind(*f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_info_counts_pages() {
        let p = PageInfo {
            total: 51,
            page: 1,
            per_page: 25,
            offset: 0,
            exact: true,
            more: true,
        };
        assert_eq!(p.total_pages(), 3);
        let empty = PageInfo { total: 0, ..p };
        assert_eq!(empty.total_pages(), 0);
    }

    #[test]
    fn usual_windows_are_literal_and_deep_ones_bound() {
        let mut binds = vec![Bind::Text("campaign".into())];
        assert_eq!(limit_sql(26, 0, &mut binds), "LIMIT 26");
        assert_eq!(limit_sql(COUNT_CAP + 1, 0, &mut binds), "LIMIT 10001");
        assert_eq!(binds.len(), 1, "nothing bound for the usual values");
        // A deep page's offset and its count's cap differ from page to page.
        assert_eq!(limit_sql(26, 24_975, &mut binds), "LIMIT 26 OFFSET $2");
        assert_eq!(limit_sql(25_001, 0, &mut binds), "LIMIT $3");
        assert!(matches!(binds[1..], [Bind::Int(24_975), Bind::Int(25_001)]));
    }

    #[test]
    fn like_values_are_escaped() {
        assert_eq!(escape_like("50%_off\\"), "50\\%\\_off\\\\");
    }

    #[test]
    fn filter_values_are_typed() {
        let c = col("redeemed_count", "redeemed_count", Kind::Int);
        assert!(convert(&c, Predicate::Eq, "abc").is_err());
        assert!(matches!(
            convert(&c, Predicate::Gt, "3").unwrap(),
            Some(Bind::Int(3))
        ));
        let b = col("voided", "voided", Kind::Bool);
        assert!(matches!(
            convert(&b, Predicate::Eq, "true").unwrap(),
            Some(Bind::Int(1))
        ));
    }
}
