//! Collections (§4): pagination, `q[attr_predicate]` filters and `q[s]` ordering.
//!
//! Each collection declares an allow-list of [`Column`]s mapping API attributes onto SQL
//! expressions. Only those expressions ever reach the SQL text; every user-supplied value
//! is bound as a parameter.

use crate::db::{normalize_time, Db};
use crate::error::{ApiError, ApiResult};
use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use passworks_wire::query::{parse_offset, parse_pairs, Direction, ListQuery, Predicate};
use serde::Serialize;
use sqlx::any::AnyRow;

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

/// The list parameters of a request: the parsed [`ListQuery`] plus `offset`.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub query: ListQuery,
    pub offset: i64,
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
        Ok(ListParams { query, offset })
    }
}

/// Where a page sits in the collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageInfo {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub offset: i64,
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

/// A page of items, rendered as a bare JSON array with the `X-` headers of §4.1.
#[derive(Debug)]
pub struct Paged<T>(pub Vec<T>, pub PageInfo);

impl<T> Paged<T> {
    /// The same page with every item converted (records to wire types).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged(self.0.into_iter().map(f).collect(), self.1)
    }
}

impl<T: Serialize> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        let Paged(items, info) = self;
        let mut resp = axum::Json(items).into_response();
        let total_pages = info.total_pages();
        // X-Next-Page and X-Prev-Page are left out when there is no such page (§4.1 allows
        // "omitted or empty"; the PHP SDKs test for presence, so omitted it is).
        let next = (info.page < total_pages).then(|| info.page + 1);
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
        resp
    }
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

impl Listing<'_> {
    /// Runs the count and page queries and maps each row to an item of the page.
    pub async fn page<T, E>(
        self,
        db: &Db,
        params: &ListParams,
        map: impl FnMut(&AnyRow) -> Result<T, E>,
    ) -> ApiResult<Paged<T>>
    where
        ApiError: From<E>,
    {
        let (rows, info) = self.fetch(db, params).await?;
        let items = rows.iter().map(map).collect::<Result<Vec<_>, E>>()?;
        Ok(Paged(items, info))
    }

    /// Runs the count and page queries.
    // Long because it builds the WHERE clause (one arm per predicate), the ORDER BY and
    // both queries in one place, so the allow-list check is visibly done before any SQL.
    pub async fn fetch(self, db: &Db, params: &ListParams) -> ApiResult<(Vec<AnyRow>, PageInfo)> {
        let mut binds = self.scope_binds.clone();
        let mut conditions = vec![format!("({})", self.scope)];
        for f in &params.query.filters {
            let Some(column) = self.columns.iter().find(|c| c.attr == f.attribute) else {
                continue; // unknown attributes are ignored (§4.2)
            };
            let Some(bind) = convert(column, f.predicate, &f.value)? else {
                continue;
            };
            binds.push(bind);
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
        let where_sql = conditions.join(" AND ");

        let order = match &params.query.sort {
            Some((attr, dir)) => match self.columns.iter().find(|c| c.attr == attr) {
                Some(c) => format!(
                    "{} {}",
                    c.sql,
                    if *dir == Direction::Desc {
                        "DESC"
                    } else {
                        "ASC"
                    }
                ),
                None => format!("{} ASC", self.default_order),
            },
            None => format!("{} ASC", self.default_order),
        };

        let count_sql = format!("SELECT COUNT(*) FROM {} WHERE {}", self.from, where_sql);
        let mut count_q = sqlx::query_scalar::<_, i64>(&count_sql);
        for b in &binds {
            count_q = bind_scalar(count_q, b);
        }
        let total = count_q.fetch_one(&db.pool).await?;

        let per_page = params.query.per_page as i64;
        let page = params.query.page as i64;
        let start = window_start(params.offset, page, per_page)?;
        let n = binds.len();
        let page_sql = format!(
            "SELECT {} FROM {} WHERE {} ORDER BY {}, {} ASC LIMIT ${} OFFSET ${}",
            self.select,
            self.from,
            where_sql,
            order,
            self.unique,
            n + 1,
            n + 2
        );
        let mut q = sqlx::query(&page_sql);
        for b in &binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
                Bind::Float(f) => q.bind(*f),
            };
        }
        let rows = q.bind(per_page).bind(start).fetch_all(&db.pool).await?;
        Ok((
            rows,
            PageInfo {
                total,
                page,
                per_page,
                offset: params.offset,
            },
        ))
    }
}

fn bind_scalar<'q>(
    q: sqlx::query::QueryScalar<'q, sqlx::Any, i64, sqlx::any::AnyArguments<'q>>,
    b: &Bind,
) -> sqlx::query::QueryScalar<'q, sqlx::Any, i64, sqlx::any::AnyArguments<'q>> {
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
        };
        assert_eq!(p.total_pages(), 3);
        let empty = PageInfo { total: 0, ..p };
        assert_eq!(empty.total_pages(), 0);
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
