//! Background jobs (`jobs`): typed kinds and payloads, queuing a job, the queue description
//! the job worker claims from, progress and final state (fenced by the claim token), and an
//! account's job list (limited to some campaigns for a restricted console session).

use crate::db::{new_id, now, Db};
use crate::error::ApiResult;
use crate::list::{col, Bind, Kind, ListParams, Listing, Paged};
use crate::model::passes::{pass_from_row, PassDoc, PassRecord, PASS_COLUMNS};
use crate::model::queue::{Lease, Queue};
use passworks_wire as wire;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::time::Duration;

/// How long a claimed job stays leased (renewed while it runs).
pub const LEASE: Duration = Duration::from_secs(120);

/// What a job does (the `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Merge a campaign into its passes (C6).
    Merge,
    /// Import passes from an uploaded CSV file (`model::pass_import`).
    PassImport,
}

impl JobKind {
    /// The stored and listed name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Merge => "merge",
            JobKind::PassImport => "pass_import",
        }
    }

    /// The kind of a stored name.
    pub fn parse(s: &str) -> Option<JobKind> {
        match s {
            "merge" => Some(JobKind::Merge),
            "pass_import" => Some(JobKind::PassImport),
            _ => None,
        }
    }
}

/// Where a merge stands (the `payload` of a merge job): the lock-screen message for the
/// updated passes and the id of the last pass merged (passes are merged in id order).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeState {
    #[serde(default)]
    pub push_message: Option<String>,
    #[serde(default)]
    pub cursor: String,
}

/// Where an import stands (the `payload` of a `pass_import` job): the data rows applied
/// so far (rows are applied in file order, a batch per transaction).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportState {
    #[serde(default)]
    pub next_row: usize,
}

/// A claimed job with its typed payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobPayload {
    Merge {
        campaign_id: String,
        state: MergeState,
    },
    PassImport {
        campaign_id: String,
        state: ImportState,
    },
}

/// One claimed job: its id and what to do (`Err` with the reason when the row cannot be
/// run: an unknown kind, a missing campaign or an unreadable payload).
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: String,
    pub payload: Result<JobPayload, String>,
}

/// The job table as a queue: queued jobs, and running jobs whose holder's lease lapsed,
/// oldest first, one at a time.
pub fn queue() -> Queue {
    Queue {
        name: "jobs",
        table: "jobs",
        ready: "state IN ('queued', 'running')",
        on_claim: ", state = 'running', updated_at = $1",
        order: "created_at, id",
        columns: "id, kind, campaign_id, payload",
        batch: 1,
        parallel: 1,
        lease: LEASE,
        idle: Duration::from_millis(300),
    }
}

/// Reads a claimed row into a typed payload.
pub fn claimed_from_row(r: &AnyRow) -> Result<Claimed, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let kind: String = r.try_get("kind")?;
    let campaign_id: Option<String> = r.try_get("campaign_id")?;
    let payload: String = r.try_get("payload")?;
    let payload = match (JobKind::parse(&kind), campaign_id) {
        (Some(JobKind::Merge), Some(campaign_id)) => serde_json::from_str(&payload)
            .map(|state| JobPayload::Merge { campaign_id, state })
            .map_err(|e| format!("unreadable merge payload: {e}")),
        (Some(JobKind::PassImport), Some(campaign_id)) => serde_json::from_str(&payload)
            .map(|state| JobPayload::PassImport { campaign_id, state })
            .map_err(|e| format!("unreadable import payload: {e}")),
        _ => Err(format!("unknown job kind {kind:?}")),
    };
    Ok(Claimed { id, payload })
}

/// Queues the merge of a campaign into its passes (inside the caller's transaction) and
/// returns the job id. `push_message` is shown on the lock screen of updated passes.
pub async fn enqueue_merge(
    conn: &mut AnyConnection,
    account_id: &str,
    campaign_id: &str,
    push_message: Option<&str>,
) -> Result<String, sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM passes WHERE campaign_id = $1")
        .bind(campaign_id)
        .fetch_one(&mut *conn)
        .await?;
    let id = new_id();
    let ts = now();
    let state = MergeState {
        push_message: push_message.map(str::to_string),
        cursor: String::new(),
    };
    sqlx::query(
        "INSERT INTO jobs (id, account_id, kind, campaign_id, state, total, processed, payload, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, 'queued', $5, 0, $6, $7, $7)",
    )
    .bind(&id)
    .bind(account_id)
    .bind(JobKind::Merge.as_str())
    .bind(campaign_id)
    .bind(total)
    .bind(serde_json::to_string(&state).map_err(|e| sqlx::Error::Encode(e.into()))?)
    .bind(&ts)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Queues the import of `total` CSV rows into a campaign (inside the caller's transaction;
/// the file is stored beside it by `model::pass_import::enqueue`) and returns the job id.
pub async fn enqueue_import(
    conn: &mut AnyConnection,
    account_id: &str,
    campaign_id: &str,
    total: usize,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    let ts = now();
    sqlx::query(
        "INSERT INTO jobs (id, account_id, kind, campaign_id, state, total, processed, payload, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, 'queued', $5, 0, $6, $7, $7)",
    )
    .bind(&id)
    .bind(account_id)
    .bind(JobKind::PassImport.as_str())
    .bind(campaign_id)
    .bind(total as i64)
    .bind(
        serde_json::to_string(&ImportState::default())
            .map_err(|e| sqlx::Error::Encode(e.into()))?,
    )
    .bind(&ts)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Records the progress of a job (`processed` grows by `n`, the payload — its cursor —
/// is replaced) if the job is still held by `lease`; `false` when it was taken over.
pub async fn advance(
    conn: &mut AnyConnection,
    lease: &Lease,
    id: &str,
    n: i64,
    state: &impl Serialize,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE jobs SET processed = processed + $1, payload = $2, updated_at = $3 \
         WHERE id = $4 AND state = 'running' AND {} = $5",
        Lease::FENCE
    ))
    .bind(n)
    .bind(serde_json::to_string(state).map_err(|e| sqlx::Error::Encode(e.into()))?)
    .bind(now())
    .bind(id)
    .bind(&lease.token)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a job done; `total` becomes what was processed (passes created or deleted while
/// it ran change the count). `false` when the lease was taken over.
pub async fn finish(
    conn: &mut AnyConnection,
    lease: &Lease,
    id: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE jobs SET state = 'done', total = processed, locked_until = NULL, \
         lease_owner = NULL, updated_at = $1 WHERE id = $2 AND {} = $3",
        Lease::FENCE
    ))
    .bind(now())
    .bind(id)
    .bind(&lease.token)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a job failed with `error` (jobs are not retried). `false` when the lease was
/// taken over.
pub async fn fail(db: &Db, lease: &Lease, id: &str, error: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(&format!(
        "UPDATE jobs SET state = 'failed', error = $1, locked_until = NULL, lease_owner = NULL, \
         updated_at = $2 WHERE id = $3 AND {} = $4",
        Lease::FENCE
    ))
    .bind(error.chars().take(1000).collect::<String>())
    .bind(now())
    .bind(id)
    .bind(&lease.token)
    .execute(&db.pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The next `limit` passes of a campaign after the pass id `cursor`, in id order (one
/// batch of a merge).
pub async fn passes_after(
    conn: &mut AnyConnection,
    campaign_id: &str,
    cursor: &str,
    limit: i64,
) -> Result<Vec<PassRecord>, sqlx::Error> {
    let sql = format!(
        "SELECT {PASS_COLUMNS} FROM passes WHERE campaign_id = $1 AND id > $2 \
         ORDER BY id LIMIT $3"
    );
    let rows: Vec<AnyRow> = sqlx::query(&sql)
        .bind(campaign_id)
        .bind(cursor)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter().map(pass_from_row).collect()
}

/// Writes merged pass documents (`(pass id, doc)`), a few hundred a statement.
pub async fn write_pass_docs(
    conn: &mut AnyConnection,
    docs: &[(String, PassDoc)],
    ts: &str,
) -> Result<(), sqlx::Error> {
    for chunk in docs.chunks(300) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${})", i * 2 + 2, i * 2 + 3))
            .collect();
        let mut sql = format!(
            "UPDATE passes SET doc = v.column2, updated_at = $1 FROM (VALUES {}) AS v \
             WHERE passes.id = v.column1",
            rows.join(", ")
        );
        let mut q = crate::db::batch_query(conn, &mut sql).bind(ts);
        for (id, doc) in chunk {
            q = q
                .bind(id)
                .bind(serde_json::to_string(doc).map_err(|e| sqlx::Error::Encode(e.into()))?);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

const SELECT: &str =
    "id, kind, campaign_id, state, total, processed, error, created_at, updated_at";

fn job_from_row(r: &AnyRow) -> Result<wire::Job, sqlx::Error> {
    Ok(wire::Job {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        campaign_id: r.try_get("campaign_id")?,
        state: r.try_get("state")?,
        total: r.try_get("total")?,
        processed: r.try_get("processed")?,
        error: r.try_get("error")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub const LIST_COLUMNS: &[crate::list::Column] = &[
    col("id", "id", Kind::Text),
    col("kind", "kind", Kind::Text),
    col("campaign_id", "campaign_id", Kind::Text),
    col("state", "state", Kind::Text),
    col("total", "total", Kind::Int),
    col("processed", "processed", Kind::Int),
    col("created_at", "created_at", Kind::Time),
    col("updated_at", "updated_at", Kind::Time),
];

/// One page of an account's jobs; only those of the campaigns `only` when given (a
/// console session restricted to some campaigns, issue 18: a job of another campaign is
/// left out, and so is a job of no campaign).
pub async fn page(
    db: &Db,
    account_id: &str,
    only: Option<&[String]>,
    params: &ListParams,
) -> ApiResult<Paged<wire::Job>> {
    let mut scope = String::from("account_id = $1");
    let mut scope_binds = vec![Bind::Text(account_id.to_string())];
    if let Some(ids) = only {
        scope.push_str(" AND ");
        scope.push_str(&crate::model::console_sessions::restriction(
            "campaign_id",
            ids,
            2,
        ));
        scope_binds.extend(ids.iter().map(|id| Bind::Text(id.clone())));
    }
    Listing {
        select: SELECT,
        from: "jobs",
        scope: &scope,
        scope_binds,
        columns: LIST_COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(db, params, job_from_row)
    .await
}

/// One of an account's jobs; `None` also when `only` is given and the job concerns none
/// of those campaigns (as [`page`] leaves it out).
pub async fn find(
    db: &Db,
    account_id: &str,
    only: Option<&[String]>,
    id: &str,
) -> Result<Option<wire::Job>, sqlx::Error> {
    let mut sql = format!("SELECT {SELECT} FROM jobs WHERE id = $1 AND account_id = $2");
    if let Some(ids) = only {
        sql.push_str(" AND ");
        sql.push_str(&crate::model::console_sessions::restriction(
            "campaign_id",
            ids,
            3,
        ));
    }
    let mut q = sqlx::query(&sql).bind(id).bind(account_id);
    for c in only.unwrap_or_default() {
        q = q.bind(c.as_str());
    }
    let row = q.fetch_optional(&db.pool).await?;
    row.as_ref().map(job_from_row).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        assert_eq!(
            JobKind::parse(JobKind::Merge.as_str()),
            Some(JobKind::Merge)
        );
        assert_eq!(JobKind::parse("export"), None);
    }

    #[test]
    fn merge_payload_reads_rows_written_before_it_was_typed() {
        let old: MergeState =
            serde_json::from_str(r#"{"push_message":null,"cursor":"abc"}"#).unwrap();
        assert_eq!(old.cursor, "abc");
        assert_eq!(old.push_message, None);
        let empty: MergeState = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, MergeState::default());
    }
}
