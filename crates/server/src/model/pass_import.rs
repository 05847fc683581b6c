//! CSV import of passes (`POST /v2/{type}/{campaign_id}/passes/import`): the uploaded file
//! (`pass_imports`, with its SHA-256 so a re-upload is recognised), reading its header and
//! rows, applying a batch of rows (update the pass with the row's serial number, else its
//! redeem code, else create one through [`crate::model::pass_batch::create_passes`], the
//! code of the batch endpoint) and the per-row errors (`pass_import_errors`).
//!
//! Columns: `serial_number`, `redeem_code`, `expiration_date`, `voided`, and one column per
//! field key of the campaign holding that field's value. An empty cell leaves the
//! attribute as it is (or as the campaign has it, for a new pass). Each row is read by the
//! API's own reader ([`PassPatch::read`]), so a cell is checked exactly like the same
//! attribute in a JSON body.

use crate::db::{now, Db, Tx};
use crate::error::{ApiError, ApiResult, Errors};
use crate::model::campaigns::CampaignRecord;
use crate::model::pass_batch::create_passes;
use crate::model::passes::{pass_from_row, update_pass, PassPatch, PassRecord, PASS_COLUMNS};
use passworks_wire as wire;
use passworks_wire::rules::FieldArray;
use serde_json::{json, Map, Value};
use sqlx::Row;
use std::collections::HashMap;

/// Largest CSV file accepted (16 MiB).
pub const MAX_CSV_BYTES: usize = 16 * 1024 * 1024;
/// Most data rows a file may have.
pub const MAX_ROWS: usize = 100_000;
/// Rows applied per transaction: small enough that, on SQLite, the write lock is free again
/// well within other requests' busy timeout while the search triggers index each row.
pub const BATCH: usize = 100;

/// What a column of the file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    SerialNumber,
    RedeemCode,
    ExpirationDate,
    Voided,
    /// The value of the campaign field with this key, in this array.
    Field(FieldArray, String),
}

/// One data row: its line in the file (the header is line 1) and its cells.
#[derive(Debug, Clone)]
pub struct CsvRow {
    pub line: i64,
    pub cells: Vec<String>,
}

/// An error of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: i64,
    pub attribute: String,
    pub message: String,
}

/// A reader of CSV text with the file's conventions (header row, any number of cells).
fn reader(csv: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes())
}

/// Reads the header against the campaign's fields and counts the data rows: 422 (on
/// `file` or `columns`) for a file that cannot be read, an unknown or repeated column, or
/// too many rows.
pub fn read_header(campaign: &CampaignRecord, csv: &str) -> ApiResult<(Vec<Column>, usize)> {
    let columns = columns(campaign, csv)?;
    let mut rows = 0;
    for record in reader(csv).records() {
        record.map_err(|e| ApiError::invalid("file", format!("is not readable CSV: {e}")))?;
        rows += 1;
        if rows > MAX_ROWS {
            return Err(ApiError::invalid(
                "file",
                format!("has more than {MAX_ROWS} rows"),
            ));
        }
    }
    Ok((columns, rows))
}

/// The columns of a file's header (see [`read_header`]).
pub fn columns(campaign: &CampaignRecord, csv: &str) -> ApiResult<Vec<Column>> {
    let mut r = reader(csv);
    let header = r
        .headers()
        .map_err(|e| ApiError::invalid("file", format!("is not readable CSV: {e}")))?
        .clone();
    let fields = campaign.doc.fields();
    let mut errors = Errors::default();
    let mut columns = Vec::new();
    for name in header.iter().map(str::trim) {
        let column = match name {
            "serial_number" => Some(Column::SerialNumber),
            "redeem_code" => Some(Column::RedeemCode),
            "expiration_date" => Some(Column::ExpirationDate),
            "voided" => Some(Column::Voided),
            key => FieldArray::ALL
                .iter()
                .zip(&fields)
                .find(|(_, fs)| fs.iter().any(|f| f.key == key))
                .map(|(a, _)| Column::Field(*a, key.to_string())),
        };
        match column {
            Some(c) if columns.contains(&c) => {
                errors.add("columns", format!("'{name}' appears twice"))
            }
            Some(c) => columns.push(c),
            None => errors.add(
                "columns",
                format!(
                    "unknown column '{name}': the columns are serial_number, redeem_code, \
                     expiration_date, voided and the campaign's field keys"
                ),
            ),
        }
    }
    if columns.is_empty() && errors.is_empty() {
        errors.add("columns", "the file has no header row");
    }
    errors.check()?;
    Ok(columns)
}

/// The data rows of a file, in order, from the `skip`-th on.
pub fn rows(csv: &str, skip: usize) -> impl Iterator<Item = Result<CsvRow, csv::Error>> + '_ {
    reader(csv)
        .into_records()
        .enumerate()
        .skip(skip)
        .map(|(i, record)| {
            record.map(|r| CsvRow {
                line: i as i64 + 2,
                cells: r.iter().map(str::to_string).collect(),
            })
        })
}

/// The job of an earlier upload of the same file for the campaign that did not fail (a
/// re-upload answers it instead of importing again).
pub async fn existing_job(
    db: &Db,
    campaign_id: &str,
    sha256: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT i.job_id FROM pass_imports i JOIN jobs j ON j.id = i.job_id \
         WHERE i.campaign_id = $1 AND i.content_sha256 = $2 AND j.state <> 'failed' \
         ORDER BY i.created_at LIMIT 1",
    )
    .bind(campaign_id)
    .bind(sha256)
    .fetch_optional(&db.pool)
    .await
}

/// Queues an import job for `total` rows with its file (in the caller's transaction) and
/// returns the job id.
pub async fn enqueue(
    tx: &mut Tx,
    campaign: &CampaignRecord,
    sha256: &str,
    csv: &str,
    total: usize,
) -> Result<String, sqlx::Error> {
    let id =
        crate::model::jobs::enqueue_import(tx, &campaign.account_id, &campaign.id, total).await?;
    sqlx::query(
        "INSERT INTO pass_imports (job_id, account_id, campaign_id, content_sha256, csv, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(&campaign.account_id)
    .bind(&campaign.id)
    .bind(sha256)
    .bind(csv)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// The uploaded file of an import job.
pub async fn load_csv(db: &Db, job_id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT csv FROM pass_imports WHERE job_id = $1")
        .bind(job_id)
        .fetch_optional(&db.pool)
        .await
}

/// The JSON attributes a row stands for (empty cells are left out).
fn row_attributes(columns: &[Column], row: &CsvRow) -> Map<String, Value> {
    let mut map = Map::new();
    let mut fields: std::collections::BTreeMap<&'static str, Vec<Value>> = Default::default();
    for (column, cell) in columns.iter().zip(&row.cells) {
        if cell.is_empty() {
            continue;
        }
        match column {
            Column::SerialNumber => {}
            Column::RedeemCode => {
                map.insert("redeem_code".into(), json!(cell));
            }
            Column::ExpirationDate => {
                map.insert("expiration_date".into(), json!(cell.trim()));
            }
            Column::Voided => {
                map.insert("voided".into(), json!(cell));
            }
            Column::Field(array, key) => fields
                .entry(array.as_str())
                .or_default()
                .push(json!({"key": key, "value": cell})),
        }
    }
    for (array, values) in fields {
        map.insert(array.into(), Value::Array(values));
    }
    map
}

fn cell<'a>(columns: &[Column], row: &'a CsvRow, which: &Column) -> Option<&'a str> {
    columns
        .iter()
        .position(|c| c == which)
        .and_then(|i| row.cells.get(i))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// Loads the campaign's passes whose `column` is one of `values`.
async fn passes_by(
    tx: &mut Tx,
    campaign_id: &str,
    column: &str,
    values: &[&str],
) -> Result<Vec<PassRecord>, sqlx::Error> {
    let column = if column == "serial_number" {
        "serial_number"
    } else {
        "redeem_code"
    };
    let mut out = Vec::new();
    for chunk in values.chunks(500) {
        let marks: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
        let mut sql = format!(
            "SELECT {PASS_COLUMNS} FROM passes WHERE campaign_id = $1 AND {column} IN ({}) \
             ORDER BY voided, created_at, id",
            marks.join(", ")
        );
        let mut q = crate::db::batch_query(tx, &mut sql).bind(campaign_id);
        for v in chunk {
            q = q.bind(*v);
        }
        for row in q.fetch_all(&mut **tx).await? {
            out.push(pass_from_row(&row)?);
        }
    }
    Ok(out)
}

/// The errors of an [`ApiError`] that concerns one row; a server error stays an error.
fn row_errors(line: i64, e: ApiError, out: &mut Vec<RowError>) -> ApiResult<()> {
    if e.status_code().is_server_error() {
        return Err(e);
    }
    for (attribute, messages) in e.body().errors {
        for message in messages {
            out.push(RowError {
                line,
                attribute: attribute.clone(),
                message,
            });
        }
    }
    Ok(())
}

/// Applies a batch of rows in `tx`: each updates the campaign's pass with its serial
/// number (else its redeem code) or creates one. Returns the row errors and the ids of the
/// updated passes (their devices get a push).
// Long because a batch is one pass over the rows in four steps that belong together:
// read each row, look up the passes the batch names (two queries), update those found,
// create the rest through the batch-creation code.
pub async fn apply_rows(
    db: &Db,
    tx: &mut Tx,
    campaign: &CampaignRecord,
    columns: &[Column],
    rows: &[CsvRow],
) -> ApiResult<(Vec<RowError>, Vec<String>)> {
    let mut errors = Vec::new();
    let serials: Vec<&str> = rows
        .iter()
        .filter_map(|r| cell(columns, r, &Column::SerialNumber))
        .collect();
    let codes: Vec<&str> = rows
        .iter()
        .filter_map(|r| cell(columns, r, &Column::RedeemCode))
        .collect();
    let mut by_id: HashMap<String, PassRecord> = HashMap::new();
    let mut by_serial: HashMap<String, String> = HashMap::new();
    let mut by_code: HashMap<String, String> = HashMap::new();
    for p in passes_by(tx, &campaign.id, "serial_number", &serials).await? {
        by_serial.insert(p.serial_number.clone(), p.id.clone());
        by_id.insert(p.id.clone(), p);
    }
    for p in passes_by(tx, &campaign.id, "redeem_code", &codes).await? {
        by_code
            .entry(p.redeem_code.clone())
            .or_insert_with(|| p.id.clone());
        by_id.entry(p.id.clone()).or_insert(p);
    }
    let mut updated = Vec::new();
    let mut creates: Vec<(i64, PassPatch)> = Vec::new();
    for row in rows {
        if row.cells.len() != columns.len() {
            errors.push(RowError {
                line: row.line,
                attribute: "base".into(),
                message: format!(
                    "has {} cells; the header has {} columns",
                    row.cells.len(),
                    columns.len()
                ),
            });
            continue;
        }
        let mut read = Errors::default();
        let mut patch = PassPatch::read(&row_attributes(columns, row), &mut read);
        if !read.is_empty() {
            row_errors(row.line, ApiError::Validation(read.0), &mut errors)?;
            continue;
        }
        let serial = cell(columns, row, &Column::SerialNumber);
        let code = cell(columns, row, &Column::RedeemCode);
        let found = serial
            .and_then(|s| by_serial.get(s))
            .or_else(|| code.and_then(|c| by_code.get(c)))
            .cloned();
        match found.and_then(|id| by_id.get(&id).cloned()) {
            Some(mut pass) => {
                if code == Some(pass.redeem_code.as_str()) {
                    // The code names the pass; it is not a change.
                    patch.redeem_code = None;
                }
                match update_pass(tx, campaign, &mut pass, &patch).await {
                    Ok(()) => {
                        updated.push(pass.id.clone());
                        by_id.insert(pass.id.clone(), pass);
                    }
                    Err(e) => row_errors(row.line, e, &mut errors)?,
                }
            }
            None => {
                patch.serial_number = serial.map(str::to_string);
                creates.push((row.line, patch));
            }
        }
    }
    if !creates.is_empty() {
        let patches: Vec<PassPatch> = creates.iter().map(|(_, p)| p.clone()).collect();
        match create_passes(db, tx, campaign, &patches).await {
            Ok(results) => {
                for ((line, _), result) in creates.iter().zip(results) {
                    if let Err(m) = result {
                        row_errors(*line, ApiError::Validation(m), &mut errors)?;
                    }
                }
            }
            Err(e) if !e.status_code().is_server_error() => {
                // The campaign stopped issuing passes: every new row says so.
                let body = e.body();
                for (line, _) in &creates {
                    row_errors(
                        *line,
                        ApiError::Validation(body.errors.clone()),
                        &mut errors,
                    )?;
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok((errors, updated))
}

/// Stores the errors of a batch (in the batch's transaction).
pub async fn write_errors(
    tx: &mut Tx,
    job_id: &str,
    errors: &[RowError],
) -> Result<(), sqlx::Error> {
    for chunk in errors.chunks(250) {
        let mut sql = String::from(
            "INSERT INTO pass_import_errors (job_id, row_number, attribute, message) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 3;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("($1, ${}, ${}, ${})", b + 2, b + 3, b + 4));
        }
        let mut q = crate::db::batch_query(tx, &mut sql).bind(job_id);
        for e in chunk {
            q = q
                .bind(e.line)
                .bind(e.attribute.chars().take(255).collect::<String>())
                .bind(e.message.chars().take(1000).collect::<String>());
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The row errors of one of an account's jobs, in row order (`None`: no such job, or,
/// with `only`, a job of none of those campaigns: see [`crate::model::jobs::find`]).
pub async fn errors_of(
    db: &Db,
    account_id: &str,
    only: Option<&[String]>,
    job_id: &str,
) -> Result<Option<Vec<RowError>>, sqlx::Error> {
    if crate::model::jobs::find(db, account_id, only, job_id)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let rows = sqlx::query(
        "SELECT row_number, attribute, message FROM pass_import_errors WHERE job_id = $1 \
         ORDER BY row_number, attribute",
    )
    .bind(job_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RowError {
                line: r.try_get("row_number")?,
                attribute: r.try_get("attribute")?,
                message: r.try_get("message")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map(Some)
}

/// A job as the API shows it.
pub async fn job(db: &Db, account_id: &str, id: &str) -> Result<Option<wire::Job>, sqlx::Error> {
    crate::model::jobs::find(db, account_id, None, id).await
}
