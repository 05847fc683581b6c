//! Pass search (`q[search]`): the conditions that find passes by their searchable text,
//! for one campaign's pass list and across an account's campaigns.
//!
//! The text lives in `pass_search` (one row per pass: serial number, redeem code, every
//! field value and every string in `user_info` and `metadata`, one per line). Triggers on
//! `passes` (migration 0071) write it, so every path that writes a pass keeps it current.
//!
//! Semantics (README "Pass search"): the query is split at white space into words; a pass
//! matches when every word occurs, case-insensitively, inside its searchable text. Words of
//! three or more characters are looked up in a trigram index (SQLite FTS5 `trigram`,
//! PostgreSQL `pg_trgm`); shorter words are checked on the candidates (or, when the query
//! has only short words, on the scope's passes in list order until the page is full).

use crate::db::{Db, Dialect};
use crate::error::ApiResult;
use crate::list::{like_anywhere, Bind, ListParams, Listing, Options, Paged};
use crate::model::campaigns::{campaign_from_row, CampaignRecord, CAMPAIGN_COLUMNS};
use crate::model::passes::{pass_from_row, PassRecord, LIST_COLUMNS, PASS_COLUMNS};
use std::collections::HashMap;

/// Words of at least this many characters are found through the trigram index.
pub const INDEXED_WORD: usize = 3;

/// At most this many words of a query are used (the query is at most
/// [`crate::list::MAX_SEARCH`] characters anyway).
const MAX_WORDS: usize = 16;

/// The conditions that restrict a pass list (`FROM passes`) to the passes matching `text`.
pub struct SearchPlan {
    pub conditions: Vec<(String, Vec<Bind>)>,
    /// The trigram matches as a common table expression, searched once per request for
    /// the page and its count ([`crate::list::Options::with`]).
    pub with: Option<(String, Vec<Bind>)>,
    /// Whether the index matches drive the query: the list's scope must then not be used
    /// as an index constraint on `passes` (SQLite would otherwise walk the campaign's
    /// index for every match instead of looking each pass up by id), see [`scope`].
    pub driven: bool,
}

/// The scope condition `column = $1` for a plan: `+column = $1` (not indexable) when the
/// matches drive the query.
pub fn scope(plan: Option<&SearchPlan>, column: &'static str) -> String {
    match plan {
        Some(p) if p.driven => format!("+{column} = $1"),
        _ => format!("{column} = $1"),
    }
}

/// The words of a query: split at white space, duplicates dropped.
pub fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text.split_whitespace() {
        let w = w.to_string();
        if !out.iter().any(|o| o.to_lowercase() == w.to_lowercase()) {
            out.push(w);
        }
        if out.len() == MAX_WORDS {
            break;
        }
    }
    out
}

/// An FTS5 string literal (a phrase: with the trigram tokenizer, a substring).
fn fts_phrase(word: &str) -> String {
    format!("\"{}\"", word.replace('"', "\"\""))
}

/// Plans the search of `text` over `passes` on `dialect`.
pub fn plan(dialect: Dialect, text: &str) -> SearchPlan {
    let words = words(text);
    let (long, short): (Vec<&String>, Vec<&String>) = words
        .iter()
        .partition(|w| w.chars().count() >= INDEXED_WORD);
    match dialect {
        Dialect::Sqlite if !long.is_empty() => sqlite_fts(&long, &short),
        Dialect::Postgres if !long.is_empty() => postgres_trigrams(&words),
        _ => {
            // Only short words: no index can help; the list walks the scope in its order
            // and stops when the page (and the capped count) is full.
            let op = if dialect == Dialect::Postgres {
                "ILIKE"
            } else {
                "LIKE"
            };
            let sql = std::iter::repeat_n(format!("s.body {op} ? ESCAPE '\\'"), short.len())
                .collect::<Vec<_>>()
                .join(" AND ");
            SearchPlan {
                conditions: vec![(
                    format!(
                        "EXISTS (SELECT 1 FROM pass_search s WHERE s.pass_id = passes.id AND {sql})"
                    ),
                    short.iter().map(|w| like(w)).collect(),
                )],
                with: None,
                driven: false,
            }
        }
    }
}

/// A LIKE pattern finding `word` anywhere, bound.
fn like(word: &str) -> Bind {
    Bind::Text(like_anywhere(word))
}

/// The passes matching every word (trigrams of the `long` ones through the FTS5 index; the
/// `short` ones checked on the matches' text) as one materialized set: the page and its
/// count look the passes up by id (the scope is then not an index constraint, see
/// `driven`). Searching once instead of once for the page and again for its count: 3.8–6.2
/// ms against 6.8–8.5 ms a search on a million-pass campaign (README "Lists at scale").
fn sqlite_fts(long: &[&String], short: &[&String]) -> SearchPlan {
    let expr = long
        .iter()
        .map(|w| fts_phrase(w))
        .collect::<Vec<_>>()
        .join(" ");
    let short_sql: String = short
        .iter()
        .map(|_| " AND pass_search.body LIKE ? ESCAPE '\\'")
        .collect();
    let mut binds = vec![Bind::Text(expr)];
    binds.extend(short.iter().map(|w| like(w)));
    SearchPlan {
        conditions: vec![(
            "passes.id IN (SELECT pass_id FROM search_matches)".to_string(),
            Vec::new(),
        )],
        with: Some((
            format!(
                "search_matches AS MATERIALIZED (SELECT pass_search.pass_id \
                 FROM pass_search_fts CROSS JOIN pass_search \
                 ON pass_search.n = pass_search_fts.rowid \
                 WHERE pass_search_fts MATCH ?{short_sql})"
            ),
            binds,
        )),
        driven: true,
    }
}

/// The passes whose text holds every word, through the `pg_trgm` index, as one
/// materialized set.
fn postgres_trigrams(words: &[String]) -> SearchPlan {
    let sql = std::iter::repeat_n("body ILIKE ?", words.len())
        .collect::<Vec<_>>()
        .join(" AND ");
    SearchPlan {
        conditions: vec![(
            "passes.id IN (SELECT pass_id FROM search_matches)".to_string(),
            Vec::new(),
        )],
        with: Some((
            format!("search_matches AS MATERIALIZED (SELECT pass_id FROM pass_search WHERE {sql})"),
            words.iter().map(|w| like(w)).collect(),
        )),
        driven: false,
    }
}

/// The passes of every campaign of `account_id` matching `params.search` (the caller makes
/// sure there is one), filtered, sorted and paged like a campaign's pass list; only in the
/// campaigns `only` when given (a restricted console session, issue 18).
pub async fn account_passes(
    db: &Db,
    account_id: &str,
    only: Option<&[String]>,
    params: &ListParams,
) -> ApiResult<Paged<PassRecord>> {
    let plan = plan(db.dialect, params.search.as_deref().unwrap_or(""));
    let mut scope = scope(Some(&plan), "passes.account_id");
    let mut scope_binds = vec![Bind::Text(account_id.to_string())];
    if let Some(ids) = only {
        scope.push_str(" AND ");
        scope.push_str(&crate::model::console_sessions::restriction(
            "passes.campaign_id",
            ids,
            2,
        ));
        scope_binds.extend(ids.iter().map(|id| Bind::Text(id.clone())));
    }
    Listing {
        select: PASS_COLUMNS,
        from: "passes",
        scope: &scope,
        scope_binds,
        columns: LIST_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page_with(
        db,
        params,
        Options {
            table: Some("passes"),
            conditions: plan.conditions,
            with: plan.with,
            known_total: None,
            steady: None,
        },
        pass_from_row,
    )
    .await
}

/// The campaigns of `account_id` by id: those named in `ids`, or all of them (`None`).
pub async fn campaigns_by_id(
    db: &Db,
    account_id: &str,
    ids: Option<&[String]>,
) -> Result<HashMap<String, CampaignRecord>, sqlx::Error> {
    let rows = match ids {
        Some([]) => Vec::new(),
        Some(ids) => {
            let marks = (0..ids.len())
                .map(|i| format!("${}", i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE account_id = $1 AND id IN ({marks})"
            );
            let mut q = sqlx::query(&sql).bind(account_id);
            for id in ids {
                q = q.bind(id);
            }
            q.fetch_all(&db.pool).await?
        }
        None => {
            let sql = format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE account_id = $1");
            sqlx::query(&sql)
                .bind(account_id)
                .fetch_all(&db.pool)
                .await?
        }
    };
    rows.iter()
        .map(|r| campaign_from_row(r).map(|c| (c.id.clone(), c)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_white_space_without_duplicates() {
        assert_eq!(words("  Anna  anna\tSMITH "), vec!["Anna", "SMITH"]);
        assert_eq!(words(""), Vec::<String>::new());
    }

    #[test]
    fn fts_phrases_escape_quotes() {
        assert_eq!(fts_phrase("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn short_words_are_not_looked_up_in_the_index() {
        let p = plan(Dialect::Sqlite, "ab");
        assert!(p.with.is_none());
        assert!(p.conditions[0].0.starts_with("EXISTS"));
        let p = plan(Dialect::Sqlite, "ab anna");
        assert_eq!(p.with.expect("trigram matches").1.len(), 2);
        let p = plan(Dialect::Postgres, "ab anna");
        assert_eq!(p.with.expect("trigram matches").1.len(), 2);
    }
}
