//! Background jobs (the `jobs` table): work too large for a request, today the merge of a
//! campaign into its passes (C6).
//!
//! [`enqueue_merge`] writes a `queued` job; the worker ([`spawn_worker`]) claims it with a
//! lease (`locked_until`; on PostgreSQL also `FOR UPDATE SKIP LOCKED`, so several server
//! processes never run one job twice; a job whose process died is taken over when its
//! lease expires) and processes the campaign's passes in batches of [`BATCH`] by id order,
//! one transaction per batch: the campaign is applied to each pass with
//! [`crate::model::merge::merge_pass_doc`], changed passes are written, their
//! devices get a push (with the job's `push_message` as `changeMessage` on the changed
//! fields) and the job's `processed` count and cursor advance. Memory is bounded by one
//! batch, whatever the campaign size. States: `queued`, `running`, `done`, `failed` (with
//! `error`).
//!
//! `GET /v2/jobs` (paginated) and `GET /v2/jobs/{id}` show an account's own jobs.

use crate::apns::{certificate_of_campaign, enqueue_push_for_changes};
use crate::auth::Auth;
use crate::db::{format_time, new_id, now, Db};
use crate::error::{ApiError, ApiResult};
use crate::list::{col, Bind, Kind, ListParams, Listing, Paged};
use crate::model::campaigns::load_tx as load_campaign_tx;
use crate::model::counters::Counter;
use crate::model::merge::merge_pass_doc;
use crate::model::parse_id;
use crate::model::passes::{pass_from_row, PassDoc, PASS_COLUMNS};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use passworks_wire as wire;
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::time::Duration;

/// Passes merged per transaction.
pub const BATCH: i64 = 500;
/// How long a claimed job stays leased between two batches.
const LEASE: Duration = Duration::from_secs(120);
/// The kind of a campaign merge job.
pub const MERGE: &str = "merge";

/// Routes of this module (relative to `/v2`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/jobs", get(list))
        .route("/jobs/{job_id}", get(show))
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
    sqlx::query(
        "INSERT INTO jobs (id, account_id, kind, campaign_id, state, total, processed, payload, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, 'queued', $5, 0, $6, $7, $7)",
    )
    .bind(&id)
    .bind(account_id)
    .bind(MERGE)
    .bind(campaign_id)
    .bind(total)
    .bind(json!({ "push_message": push_message, "cursor": "" }).to_string())
    .bind(&ts)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Starts the job worker of this process.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        loop {
            match run_once(&state.db).await {
                Ok(true) => {}
                Ok(false) => tokio::time::sleep(Duration::from_millis(300)).await,
                Err(e) => {
                    tracing::warn!(error = %e, "job worker");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    });
}

fn lease_until() -> String {
    format_time(chrono::Utc::now() + chrono::Duration::from_std(LEASE).unwrap_or_default())
}

struct Claimed {
    id: String,
    kind: String,
    campaign_id: Option<String>,
    payload: Value,
}

/// Claims one due job and runs it to the end; `false` when there was none.
pub async fn run_once(db: &Db) -> anyhow::Result<bool> {
    let Some(job) = claim(db).await? else {
        return Ok(false);
    };
    let result = match (job.kind.as_str(), &job.campaign_id) {
        (MERGE, Some(campaign_id)) => run_merge(db, &job, campaign_id).await,
        _ => Err(anyhow::anyhow!("unknown job kind {:?}", job.kind)),
    };
    if let Err(e) = result {
        tracing::error!(job = %job.id, error = %e, "job failed");
        sqlx::query(
            "UPDATE jobs SET state = 'failed', error = $1, locked_until = NULL, updated_at = $2 \
             WHERE id = $3",
        )
        .bind(e.to_string().chars().take(1000).collect::<String>())
        .bind(now())
        .bind(&job.id)
        .execute(&db.pool)
        .await?;
    }
    Ok(true)
}

async fn claim(db: &Db) -> Result<Option<Claimed>, sqlx::Error> {
    let ts = now();
    let sql = format!(
        "UPDATE jobs SET state = 'running', locked_until = $1, updated_at = $2 WHERE id IN (\
           SELECT id FROM jobs WHERE state = 'queued' \
           OR (state = 'running' AND (locked_until IS NULL OR locked_until < $2)) \
           ORDER BY created_at, id LIMIT 1{}) \
         RETURNING id, kind, campaign_id, payload",
        db.skip_locked()
    );
    let row = sqlx::query(&sql)
        .bind(lease_until())
        .bind(&ts)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| {
        Ok(Claimed {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            campaign_id: r.try_get("campaign_id")?,
            payload: crate::db::get_json(&r, "payload"),
        })
    })
    .transpose()
}

/// Keys of the fields whose value (or label) differs between two versions of a pass,
/// including fields that are new.
pub fn changed_keys(before: &PassDoc, after: &PassDoc) -> Vec<String> {
    let old: Vec<_> = before.fields().into_iter().flatten().collect();
    after
        .fields()
        .into_iter()
        .flatten()
        .filter(|f| {
            !old.iter()
                .any(|o| o.key == f.key && o.value == f.value && o.label == f.label)
        })
        .map(|f| f.key)
        .collect()
}

async fn run_merge(db: &Db, job: &Claimed, campaign_id: &str) -> anyhow::Result<()> {
    let message = job
        .payload
        .get("push_message")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut cursor = job
        .payload
        .get("cursor")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    loop {
        let mut tx = db.begin().await?;
        let Some(campaign) = load_campaign_tx(&mut tx, campaign_id).await? else {
            finish(&mut tx, &job.id).await?;
            tx.commit().await?;
            return Ok(());
        };
        let sql = format!(
            "SELECT {PASS_COLUMNS} FROM passes WHERE campaign_id = $1 AND id > $2 \
             ORDER BY id LIMIT $3"
        );
        let rows: Vec<AnyRow> = sqlx::query(&sql)
            .bind(campaign_id)
            .bind(&cursor)
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            finish(&mut tx, &job.id).await?;
            tx.commit().await?;
            return Ok(());
        }
        let ts = now();
        let mut changes = Vec::new();
        for row in &rows {
            let mut pass = pass_from_row(row)?;
            cursor = pass.id.clone();
            let before = pass.doc.clone();
            merge_pass_doc(&campaign, &mut pass.doc);
            if pass.doc != before {
                sqlx::query("UPDATE passes SET doc = $1, updated_at = $2 WHERE id = $3")
                    .bind(serde_json::to_string(&pass.doc)?)
                    .bind(&ts)
                    .bind(&pass.id)
                    .execute(&mut *tx)
                    .await?;
                changes.push((pass.id.clone(), changed_keys(&before, &pass.doc)));
            }
        }
        if !changes.is_empty() {
            let cert = certificate_of_campaign(&mut tx, campaign_id).await?;
            enqueue_push_for_changes(&mut tx, cert.as_ref(), &changes, message.as_deref()).await?;
            crate::model::counters::bump(
                &mut tx,
                campaign_id,
                &ts[..10],
                Counter::Updates,
                changes.len() as i64,
            )
            .await?;
        }
        let still_ours = sqlx::query(
            "UPDATE jobs SET processed = processed + $1, payload = $2, locked_until = $3, \
             updated_at = $4 WHERE id = $5 AND state = 'running'",
        )
        .bind(rows.len() as i64)
        .bind(json!({ "push_message": message, "cursor": cursor }).to_string())
        .bind(lease_until())
        .bind(&ts)
        .bind(&job.id)
        .execute(&mut *tx)
        .await?;
        if still_ours.rows_affected() == 0 {
            anyhow::bail!("job {} is no longer running", job.id);
        }
        tx.commit().await?;
        if (rows.len() as i64) < BATCH {
            let mut tx = db.begin().await?;
            finish(&mut tx, &job.id).await?;
            tx.commit().await?;
            return Ok(());
        }
    }
}

/// Marks a job done; `total` becomes what was processed (passes created or deleted while
/// it ran change the count).
async fn finish(conn: &mut AnyConnection, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE jobs SET state = 'done', total = processed, locked_until = NULL, updated_at = $1 \
         WHERE id = $2",
    )
    .bind(now())
    .bind(id)
    .execute(conn)
    .await?;
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

const COLUMNS: &[crate::list::Column] = &[
    col("id", "id", Kind::Text),
    col("kind", "kind", Kind::Text),
    col("campaign_id", "campaign_id", Kind::Text),
    col("state", "state", Kind::Text),
    col("total", "total", Kind::Int),
    col("processed", "processed", Kind::Int),
    col("created_at", "created_at", Kind::Time),
    col("updated_at", "updated_at", Kind::Time),
];

async fn list(
    State(state): State<AppState>,
    Auth(account): Auth,
    params: ListParams,
) -> ApiResult<Paged<wire::Job>> {
    Listing {
        select: SELECT,
        from: "jobs",
        scope: "account_id = $1",
        scope_binds: vec![Bind::Text(account.id.clone())],
        columns: COLUMNS,
        default_order: "created_at",
        unique: "id",
    }
    .page(&state.db, &params, job_from_row)
    .await
}

async fn show(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::Job>> {
    let id = parse_id(&raw, "job")?;
    let row = sqlx::query(&format!(
        "SELECT {SELECT} FROM jobs WHERE id = $1 AND account_id = $2"
    ))
    .bind(&id)
    .bind(&account.id)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or_else(|| ApiError::not_found("job"))?;
    Ok(Json(job_from_row(&row)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use passworks_wire::{Behaviour, Field};

    fn field(key: &str, value: &str) -> Field {
        Field {
            key: key.into(),
            label: None,
            value: Some(value.into()),
            behaviour: Behaviour::Fixed,
        }
    }

    #[test]
    fn changed_keys_name_new_and_changed_values() {
        let before = PassDoc {
            primary_fields: vec![field("offer", "10%"), field("name", "Ana")],
            ..PassDoc::default()
        };
        let mut after = before.clone();
        after.primary_fields[0].value = Some("20%".into());
        after.back_fields = vec![field("terms", "none")];
        assert_eq!(changed_keys(&before, &after), vec!["offer", "terms"]);
    }
}
