//! Background jobs (the `jobs` table): work too large for a request, today the merge of a
//! campaign into its passes (C6).
//!
//! [`enqueue_merge`] writes a `queued` job with a typed payload
//! ([`crate::model::jobs::JobPayload`]); the worker ([`spawn_worker`]) is a
//! [`crate::model::queue`] queue: it claims one job with a lease that its heartbeat renews
//! while the job runs (several server processes never run one job twice; a job whose
//! process died is taken over when its lease lapses, and resumes from its cursor) and
//! processes the campaign's passes in batches of [`BATCH`] by id order, one transaction per
//! batch: the campaign is applied to each pass with
//! [`crate::model::merge::merge_pass_doc`], changed passes are written, their
//! devices get a push (with the job's `push_message` as `changeMessage` on the changed
//! fields) and the job's `processed` count and cursor advance. Memory is bounded by one
//! batch, whatever the campaign size. States: `queued`, `running`, `done`, `failed` (with
//! `error`); a failed job is not retried.
//!
//! A `pass_import` job applies an uploaded CSV file to a campaign's passes
//! ([`crate::model::pass_import`]) in batches, with the same cursor-and-lease scheme.
//!
//! `GET /v2/jobs` (paginated) and `GET /v2/jobs/{id}` show an account's own jobs;
//! `GET /v2/jobs/{id}/errors` the row errors of an import, as CSV. A console session
//! restricted to some campaigns (issue 18) sees only the jobs of those campaigns (the
//! others answer 404, as another account's do), so its CSV imports show their progress.

use crate::apns::{certificate_of_campaign, enqueue_push_for_changes};
use crate::auth::Principal;
use crate::db::{now, Db};
use crate::error::{ApiError, ApiResult};
use crate::list::{ListParams, Paged};
use crate::model::campaigns::load_tx as load_campaign_tx;
use crate::model::counters::Counter;
use crate::model::jobs::{self as store, Claimed, ImportState, JobPayload, MergeState};
use crate::model::merge::merge_pass_doc;
use crate::model::parse_id;
use crate::model::pass_import;
use crate::model::passes::PassDoc;
use crate::model::queue::{self, Lease, Queue, Worker};
use crate::routes::{doc, Routes};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::Json;
use passworks_wire as wire;
use sqlx::any::AnyRow;
use std::sync::Arc;

pub use crate::model::jobs::{enqueue_merge, JobKind};

/// Passes merged per transaction.
pub const BATCH: i64 = 500;

/// Routes of this module (relative to `/v2`).
pub fn router() -> Routes {
    Routes::new("Jobs")
        .get(
            "/jobs",
            list,
            doc("Background jobs (extension)").list::<wire::Job>(store::LIST_COLUMNS),
        )
        .get(
            "/jobs/{job_id}",
            show,
            doc("One background job (extension)").ok::<wire::Job>(),
        )
        .get(
            "/jobs/{job_id}/errors",
            errors,
            doc("The row errors of a CSV import, as CSV `row,attribute,message` (extension)")
                .binary("text/csv"),
        )
}

/// The job worker: runs claimed jobs by kind.
pub struct Jobs {
    db: Db,
    queue: Queue,
}

impl Worker for Jobs {
    type Item = Claimed;

    fn queue(&self) -> &Queue {
        &self.queue
    }

    fn item(&self, row: &AnyRow) -> Result<Claimed, sqlx::Error> {
        store::claimed_from_row(row)
    }

    async fn work(self: Arc<Self>, lease: Lease, job: Claimed) -> anyhow::Result<()> {
        run(&self.db, &lease, job).await
    }
}

/// Starts the job worker of this process.
pub fn spawn_worker(state: AppState) {
    let worker = Jobs {
        db: state.db.clone(),
        queue: store::queue(),
    };
    queue::spawn(state.db, worker);
}

/// Runs a claimed job to the end; a failure marks it `failed` with the reason.
async fn run(db: &Db, lease: &Lease, job: Claimed) -> anyhow::Result<()> {
    let result = match job.payload {
        Ok(JobPayload::Merge { campaign_id, state }) => {
            run_merge(db, lease, &job.id, &campaign_id, state).await
        }
        Ok(JobPayload::PassImport { campaign_id, state }) => {
            run_import(db, lease, &job.id, &campaign_id, state).await
        }
        Err(reason) => Err(anyhow::anyhow!(reason)),
    };
    if let Err(e) = result {
        tracing::error!(job = %job.id, error = %e, "job failed");
        store::fail(db, lease, &job.id, &e.to_string()).await?;
    }
    Ok(())
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

async fn run_merge(
    db: &Db,
    lease: &Lease,
    job_id: &str,
    campaign_id: &str,
    mut state: MergeState,
) -> anyhow::Result<()> {
    loop {
        let mut tx = db.begin().await?;
        let Some(campaign) = load_campaign_tx(&mut tx, campaign_id).await? else {
            store::finish(&mut tx, lease, job_id).await?;
            tx.commit().await?;
            return Ok(());
        };
        let passes = store::passes_after(&mut tx, campaign_id, &state.cursor, BATCH).await?;
        if passes.is_empty() {
            store::finish(&mut tx, lease, job_id).await?;
            tx.commit().await?;
            return Ok(());
        }
        let ts = now();
        let mut changes = Vec::new();
        let mut docs = Vec::new();
        let n = passes.len() as i64;
        for mut pass in passes {
            state.cursor = pass.id.clone();
            let before = pass.doc.clone();
            merge_pass_doc(&campaign, &mut pass.doc);
            if pass.doc != before {
                changes.push((pass.id.clone(), changed_keys(&before, &pass.doc)));
                docs.push((pass.id, pass.doc));
            }
        }
        store::write_pass_docs(&mut tx, &docs, &ts).await?;
        drop(docs);
        if !changes.is_empty() {
            let cert = certificate_of_campaign(&mut tx, campaign_id).await?;
            enqueue_push_for_changes(
                &mut tx,
                cert.as_ref(),
                &changes,
                state.push_message.as_deref(),
            )
            .await?;
            crate::model::counters::bump(
                &mut tx,
                campaign_id,
                &ts[..10],
                Counter::Updates,
                changes.len() as i64,
            )
            .await?;
        }
        if !store::advance(&mut tx, lease, job_id, n, &state).await? {
            // Another process holds the job now: roll this batch back and let it go on.
            tracing::warn!(job = %job_id, "job lease was taken over; stopping");
            return Ok(());
        }
        tx.commit().await?;
        if n < BATCH {
            let mut tx = db.begin().await?;
            store::finish(&mut tx, lease, job_id).await?;
            tx.commit().await?;
            return Ok(());
        }
    }
}

/// Runs a CSV import from its cursor: [`pass_import::BATCH`] rows per transaction, each
/// batch's row errors and the job's progress written with it, so a job taken over after a
/// crash resumes after the last committed batch and applies no row twice.
async fn run_import(
    db: &Db,
    lease: &Lease,
    job_id: &str,
    campaign_id: &str,
    mut state: ImportState,
) -> anyhow::Result<()> {
    let csv = pass_import::load_csv(db, job_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the uploaded file of this import is gone"))?;
    let mut rows = pass_import::rows(&csv, state.next_row);
    loop {
        let batch = rows
            .by_ref()
            .take(pass_import::BATCH)
            .collect::<Result<Vec<_>, _>>()?;
        let mut tx = db.begin().await?;
        let Some(campaign) = load_campaign_tx(&mut tx, campaign_id).await? else {
            anyhow::bail!("the campaign was deleted");
        };
        if batch.is_empty() {
            store::finish(&mut tx, lease, job_id).await?;
            tx.commit().await?;
            return Ok(());
        }
        let columns = pass_import::columns(&campaign, &csv).map_err(|e| {
            anyhow::anyhow!(
                "the file no longer matches the campaign: {}",
                e.body().summary()
            )
        })?;
        let (errors, updated) = pass_import::apply_rows(db, &mut tx, &campaign, &columns, &batch)
            .await
            .map_err(|e| anyhow::anyhow!("{e}: {}", e.body().summary()))?;
        pass_import::write_errors(&mut tx, job_id, &errors).await?;
        if !updated.is_empty() {
            crate::apns::enqueue_push_for_passes(&mut tx, &updated, None).await?;
        }
        state.next_row += batch.len();
        if !store::advance(&mut tx, lease, job_id, batch.len() as i64, &state).await? {
            tracing::warn!(job = %job_id, "job lease was taken over; stopping");
            return Ok(());
        }
        tx.commit().await?;
    }
}

/// `GET /v2/jobs/{job_id}/errors`: the row errors of an import as CSV
/// (`row,attribute,message`; `row` is the line of the file, the header being line 1).
async fn errors(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let id = parse_id(&raw, "job")?;
    let only = principal.campaigns.as_deref();
    let errors = pass_import::errors_of(&state.db, &principal.account.id, only, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let write = |w: &mut csv::Writer<Vec<u8>>, r: [&str; 3]| {
        w.write_record(r)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))
    };
    write(&mut w, ["row", "attribute", "message"])?;
    for e in &errors {
        write(&mut w, [&e.line.to_string(), &e.attribute, &e.message])?;
    }
    let body = w
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        body,
    )
        .into_response())
}

/// `GET /v2/jobs`: the account's jobs (a restricted console session's: those of its
/// campaigns).
async fn list(
    State(state): State<AppState>,
    principal: Principal,
    params: ListParams,
) -> ApiResult<Paged<wire::Job>> {
    let only = principal.campaigns.as_deref();
    store::page(&state.db, &principal.account.id, only, &params).await
}

/// `GET /v2/jobs/{job_id}`: one job (404 for a restricted session's other campaigns).
async fn show(
    State(state): State<AppState>,
    principal: Principal,
    Path(raw): Path<String>,
) -> ApiResult<Json<wire::Job>> {
    let id = parse_id(&raw, "job")?;
    let only = principal.campaigns.as_deref();
    let job = store::find(&state.db, &principal.account.id, only, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    Ok(Json(job))
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
