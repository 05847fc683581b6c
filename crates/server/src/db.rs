//! The store layer: connection pool, dialect, migrations and transaction helpers.
//!
//! Architecture invariant: only this module, the model layer ([`crate::model`]) and the
//! allow-listed collection queries of [`crate::list`] write SQL (`tests/tidy.rs` checks
//! it), and every user-supplied value is bound as a parameter (`$1`, `$2`, …; SQLite
//! accepts the same placeholders).
//!
//! Both dialects go through sqlx's `Any` driver. To stay within the types it maps
//! identically on SQLite and PostgreSQL, ids and timestamps are TEXT, booleans are 0/1
//! integers and structured attributes are JSON text.

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Row};
use std::time::Duration;

/// Which SQL dialect the pool speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The dialect of a connection taken from the pool.
    pub fn of(conn: &sqlx::AnyConnection) -> Dialect {
        if conn.backend_name() == "PostgreSQL" {
            Dialect::Postgres
        } else {
            Dialect::Sqlite
        }
    }
}

/// A database handle shared by the whole server (cheap to clone).
#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub dialect: Dialect,
    /// PostgreSQL only: a small pool for the code sequence ([`Db::draw_codes`]), whose
    /// one-statement transactions never wait for anything but each other.
    codes: Option<AnyPool>,
}

/// How many rows (slots) a campaign's pass counts and each daily report counter are
/// striped over: readers sum them, and concurrent writers of one campaign mostly write
/// different slots ([`counter_slot`]), so they rarely wait for each other's row lock.
pub const COUNTER_SLOTS: i64 = 8;

/// The slot (an SQL expression) a transaction on `conn` writes its striped counters to.
/// On PostgreSQL it is fixed per server connection (`pg_backend_pid() % 8`, as in the
/// `passes_voided_count` trigger), so every counter row one transaction writes is in one
/// slot and two transactions never lock two slots in opposite orders (a deadlock). SQLite
/// has one writer at a time: slot 0.
pub fn counter_slot(conn: &sqlx::AnyConnection) -> &'static str {
    match Dialect::of(conn) {
        Dialect::Postgres => "pg_backend_pid() % 8",
        Dialect::Sqlite => "0",
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("dialect", &self.dialect)
            .finish()
    }
}

/// A write transaction.
pub type Tx = sqlx::Transaction<'static, Any>;

/// What every SQLite connection is set to.
const SQLITE_PRAGMAS: &[&str] = &[
    "PRAGMA journal_mode = WAL",
    "PRAGMA busy_timeout = 10000",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",
    // 32 MiB of page cache per connection (SQLite's default is 2 MiB): the upper levels of
    // a million-pass campaign's indexes and the search index's busiest lists stay parsed
    // in memory between writes.
    "PRAGMA cache_size = -32768",
    // Reads of the first 256 MiB of the file through a shared memory map instead of a
    // read() and a copy per page: every commit empties the other connections' page caches,
    // and with the map their next reads cost no system call. The mapped pages are the
    // kernel's page cache, shared by the connections, not memory of the process's own.
    "PRAGMA mmap_size = 268435456",
];

/// A statement whose text depends on how many rows it carries (a multi-row `INSERT`, an
/// `IN` list of a batch), written with `$N` placeholders, for `conn`'s database.
///
/// On SQLite its placeholders become `?` (or `?N` when a number repeats or comes out of
/// order, see [`sqlite_placeholders`]). SQLite takes `$1` for a name and looks every name
/// up among the statement's earlier ones while it parses, and keeps `?N` numbers in the
/// same list: preparing a 250-row insert of 14 columns took 100 ms with `$N`, 26 ms with
/// `?N` and 1 ms with `?` (Python's sqlite3 on this machine). Statements stay prepared per
/// connection (sqlx's cache), so the price is paid once per row count and connection.
pub fn batch_query<'q>(
    conn: &sqlx::AnyConnection,
    sql: &'q mut String,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    if Dialect::of(conn) == Dialect::Sqlite {
        *sql = sqlite_placeholders(sql);
    }
    sqlx::query(sql.as_str())
}

/// The `$N` placeholders of `sql` outside string literals and quoted names, in order,
/// each as (byte offset, length, N).
fn placeholders(sql: &str) -> Vec<(usize, usize, usize)> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'\'' || c == b'"' => quote = Some(c),
            None if c == b'$' => {
                let digits = bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                if let Ok(n) = sql[i + 1..i + 1 + digits].parse() {
                    out.push((i, digits + 1, n));
                    i += digits + 1;
                    continue;
                }
            }
            None => {}
        }
        i += 1;
    }
    out
}

/// `sql` for SQLite: its `$N` placeholders as plain `?` when they are `$1`, `$2`, … each
/// once in order (then position is number), else as `?N`.
fn sqlite_placeholders(sql: &str) -> String {
    let found = placeholders(sql);
    let in_order = found.iter().enumerate().all(|(i, &(_, _, n))| n == i + 1);
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for (at, len, n) in found {
        out.push_str(&sql[last..at]);
        if in_order {
            out.push('?');
        } else {
            out.push_str(&format!("?{n}"));
        }
        last = at + len;
    }
    out.push_str(&sql[last..]);
    out
}

/// A pooled connection used within this long is handed out without a ping.
const ALIVE_BYPASS: Duration = Duration::from_millis(500);

/// Pool settings both dialects share. sqlx pings a connection every time it is taken
/// from the pool by default: a round trip per statement on PostgreSQL (a request's four
/// statements took eight). A connection is pinged only after [`ALIVE_BYPASS`] idle (the
/// window HikariCP calls `aliveBypassWindowMs`, 500 ms by default there too); one that
/// fails its ping is closed and another is taken.
fn pool_options() -> AnyPoolOptions {
    AnyPoolOptions::new()
        .acquire_timeout(Duration::from_secs(30))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for < ALIVE_BYPASS {
                    return Ok(true);
                }
                Ok(sqlx::Connection::ping(conn).await.is_ok())
            })
        })
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Db {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) and applies migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else {
            anyhow::bail!("unsupported database URL {url:?}: use sqlite://FILE or postgres://…");
        };
        if dialect == Dialect::Sqlite {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:")
                .split('?')
                .next()
                .unwrap_or("");
            if let Some(parent) = std::path::Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)?;
                }
            }
            make_private(std::path::Path::new(path))?;
        }
        let mut options = pool_options();
        options = match dialect {
            Dialect::Sqlite => options.max_connections(4).after_connect(|conn, _| {
                Box::pin(async move {
                    for pragma in SQLITE_PRAGMAS {
                        conn.execute(*pragma).await?;
                    }
                    Ok(())
                })
            }),
            Dialect::Postgres => options.max_connections(10),
        };
        let pool = options.connect(url).await?;
        let codes = match dialect {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(
                pool_options()
                    .max_connections(2)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("SET synchronous_commit TO OFF").await?;
                            Ok(())
                        })
                    })
                    .connect_lazy(url)?,
            ),
        };
        if dialect == Dialect::Sqlite {
            // SQLite gives its `-wal` and `-shm` files the database file's mode; files
            // left by an older version are tightened here too.
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:")
                .split('?')
                .next()
                .unwrap_or("");
            for suffix in ["-wal", "-shm"] {
                let side = std::path::PathBuf::from(format!("{path}{suffix}"));
                if side.exists() {
                    make_private(&side)?;
                }
            }
        }
        let db = Db {
            pool,
            dialect,
            codes,
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Applies the migrations of this dialect.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self.dialect {
            Dialect::Sqlite => SQLITE_MIGRATOR.run(&self.pool).await?,
            Dialect::Postgres => POSTGRES_MIGRATOR.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two transactions that read before they write wait for each
    /// other (busy timeout) instead of failing with a busy-snapshot error.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Dialect::Postgres => self.pool.begin().await,
        }
    }

    /// Starts a write transaction for a counter (rate limits, daily report counters) that
    /// every request of an account bumps. On PostgreSQL its commit does not wait for the
    /// disk (`SET LOCAL synchronous_commit TO OFF`): such a row is locked from the update
    /// to the commit, so with a flush per commit all requests of one account queued
    /// behind one another at the disk's pace (pgbench on this machine, 8 clients on one
    /// row: 248 commits/s waiting, 1,316/s not). A crash of the database server may lose
    /// the last fraction of a second of counts, never data. SQLite (WAL, `synchronous =
    /// NORMAL`) does not flush per commit anyway.
    pub async fn begin_counter(&self) -> Result<Tx, sqlx::Error> {
        let mut tx = self.begin().await?;
        if self.dialect == Dialect::Postgres {
            sqlx::query("SET LOCAL synchronous_commit TO OFF")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// Reserves `n` codes of a campaign's sequence (`campaign_codes`) and returns the
    /// first, or `None` when the campaign is gone. SQLite has one writer at a time, so
    /// the reservation is part of `tx`. On PostgreSQL it commits at once, on a pool of its
    /// own, so the sequence's row is locked for one statement instead of until `tx`
    /// commits (every pass created in a campaign would otherwise queue behind the one
    /// before it): a `tx` that then fails leaves a gap in the sequence. The reservation
    /// commits without waiting for the disk, but before `tx` does, so it is durable
    /// whenever a pass holding one of its codes is.
    pub async fn draw_codes(
        &self,
        tx: &mut Tx,
        campaign_id: &str,
        n: i64,
    ) -> Result<Option<i64>, sqlx::Error> {
        const SQL: &str = "UPDATE campaign_codes SET next_code = next_code + $1 \
                           WHERE campaign_id = $2 RETURNING next_code";
        let q = sqlx::query_scalar::<_, i64>(SQL).bind(n).bind(campaign_id);
        let next = match &self.codes {
            Some(codes) => q.fetch_optional(codes).await?,
            None => q.fetch_optional(&mut **tx).await?,
        };
        Ok(next.map(|next| next - n))
    }

    /// ` FOR UPDATE SKIP LOCKED` on PostgreSQL, nothing on SQLite (single writer).
    pub fn skip_locked(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }
}

/// Creates `path` (if missing) or tightens it so only its owner can read and write it:
/// the database holds API keys' hashes, pass data and encrypted private keys.
fn make_private(path: &std::path::Path) -> std::io::Result<()> {
    if path.as_os_str().is_empty() || path.to_str() == Some(":memory:") {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            // A file of another owner (shared through its group) cannot be changed here;
            // the server still starts and says so.
            if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
                tracing::warn!(path = %path.display(), error = %e, "cannot make the database file private");
            }
        }
    }
    Ok(())
}

/// The current time in the stored format (`YYYY-MM-DDTHH:MM:SS.ffffffZ`).
pub fn now() -> String {
    format_time(chrono::Utc::now())
}

/// Formats a time in the stored format.
pub fn format_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Parses an ISO-8601 timestamp as the contract accepts it (`Z` or an offset, fractions
/// allowed) and returns it in the stored format.
pub fn normalize_time(s: &str) -> Option<String> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| format_time(t.with_timezone(&chrono::Utc)))
}

/// A new row id: a UUID v7 (RFC 9562), lowercase and hyphenated. Its first 48 bits are
/// the time in milliseconds and the ids of one process are ordered by creation, so a new
/// row's key lands at the end of every index that starts with an id (the primary keys,
/// `passes(campaign_id, id)`, `events`) instead of on a random page: bulk
/// creation at a million passes writes a few index pages per batch rather than a page per
/// pass and index. Ids are identifiers, not secrets (tokens come from [`random_token`]).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A new pass's default serial number: a random UUID v4. Not a time-ordered id like
/// [`new_id`]: support finds a pass by any part of its serial number, and the passes of
/// one minute would share the first eight characters of time-ordered ones.
pub fn new_serial_number() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A new pass's download token (the last part of its download link): the time in
/// milliseconds (6 bytes) then 16 random bytes, URL-safe base64 (30 characters). The random
/// part is the secret, as strong as [`random_token`]`(16)`; the time first puts the tokens
/// made in the same few seconds next to each other in the `download_token` unique index,
/// so bulk creation writes a few of its pages per batch instead of one page per pass (a
/// random token lands on a random page of a million-entry index). The link tells its
/// holder when the pass was made, which the pass itself says too.
pub fn new_download_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = [0u8; 22];
    let millis = chrono::Utc::now().timestamp_millis().max(0) as u64;
    buf[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    rand::rngs::OsRng.fill_bytes(&mut buf[6..]);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// A URL-safe random token of `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Reads a 0/1 integer column as a bool.
pub fn get_bool(row: &AnyRow, col: &str) -> bool {
    row.try_get::<i64, _>(col).map(|v| v != 0).unwrap_or(false)
}

/// Reads a JSON text column.
pub fn get_json<T: serde::de::DeserializeOwned + Default>(row: &AnyRow, col: &str) -> T {
    row.try_get::<String, _>(col)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// Whether an error is a unique-constraint violation (both dialects).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.is_unique_violation()
                || d.code().as_deref() == Some("23505")
                || d.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_placeholders_are_positional_for_sqlite_when_in_order() {
        assert_eq!(
            sqlite_placeholders("INSERT INTO t VALUES ($1, $2), ($3, $4) -- '$.x' \"$9\" '$5'"),
            "INSERT INTO t VALUES (?, ?), (?, ?) -- '$.x' \"$9\" '$5'"
        );
        // A repeated number keeps its number.
        assert_eq!(
            sqlite_placeholders("INSERT INTO t VALUES ($2, $1, $3), ($4, $1, $5)"),
            "INSERT INTO t VALUES (?2, ?1, ?3), (?4, ?1, ?5)"
        );
        assert_eq!(sqlite_placeholders("SELECT '$' || $"), "SELECT '$' || $");
    }

    #[test]
    fn times_normalise_to_the_stored_format() {
        assert_eq!(
            normalize_time("2014-09-22T20:51:53Z").as_deref(),
            Some("2014-09-22T20:51:53.000000Z")
        );
        assert_eq!(
            normalize_time("2014-09-22T22:51:53.5+02:00").as_deref(),
            Some("2014-09-22T20:51:53.500000Z")
        );
        assert_eq!(normalize_time("yesterday"), None);
    }

    #[test]
    fn ids_are_uuids_in_creation_order() {
        let ids: Vec<String> = (0..10_000).map(|_| new_id()).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "each id sorts after the one before"
        );
        let id = uuid::Uuid::parse_str(&ids[0]).expect("a UUID");
        assert_eq!(id.get_version_num(), 7);
        assert_eq!(ids[0], ids[0].to_lowercase());
    }

    #[test]
    fn download_tokens_made_together_share_their_start_and_are_secret_after_it() {
        let tokens: Vec<String> = (0..1_000).map(|_| new_download_token()).collect();
        let url_safe = |t: &String| {
            t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        assert!(tokens.iter().all(|t| t.len() == 30 && url_safe(t)));
        // The first six characters are 36 bits of the time in ms: the same for tokens
        // made within four seconds (unless that boundary fell in between).
        let same_start = tokens.windows(2).filter(|w| w[0][..6] == w[1][..6]).count();
        assert!(
            same_start >= 998,
            "{same_start} of 999 neighbours share a start"
        );
        let secrets: std::collections::HashSet<&str> = tokens.iter().map(|t| &t[8..]).collect();
        assert_eq!(secrets.len(), tokens.len(), "the random parts all differ");
    }

    #[test]
    fn tokens_are_url_safe_and_long_enough() {
        let t = random_token(16);
        assert!(t.len() >= 22);
        assert!(t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }
}
