//! `POST /v2/{type}/{campaign_id}/passes/import`: a CSV file of passes, checked (UTF-8,
//! header, columns, size) before anything runs, then applied in the background by a
//! `pass_import` job (`crate::jobs`, `crate::model::pass_import`). Uploading the same file
//! again for the campaign answers the job of the first upload (unless that one failed).

use crate::auth::CampaignScope;
use crate::error::{ApiError, ApiResult};
use crate::model::pass_import;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use passworks_wire as wire;
use passworks_wire::CampaignState;
use sha2::{Digest, Sha256};

pub use crate::model::pass_import::MAX_CSV_BYTES;

/// The request body in the OpenAPI document.
pub const CSV_DESCRIPTION: &str = "UTF-8 CSV with a header row (at most 16 MiB and 100,000 \
    rows). Columns: serial_number, redeem_code, expiration_date, voided, and one column per \
    field key of the campaign holding that field's value; an empty cell leaves the \
    attribute unchanged. A row updates the campaign's pass with its serial_number (else its \
    redeem_code) or creates a pass. Unknown columns are a 422 before anything runs.";

/// Accepts a CSV file and answers 202 with the job that imports it.
pub async fn import(
    State(state): State<AppState>,
    scope: CampaignScope,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<wire::Job>)> {
    let c = scope.campaign;
    let too_large = || ApiError::TooLarge("The CSV file is larger than 16 MiB".into());
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            ApiError::BadRequest("Could not read the request body".into())
        }
    })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !content_type.starts_with("text/csv") {
        return Err(ApiError::BadRequest(format!(
            "Content-Type must be text/csv, not {}",
            if content_type.is_empty() {
                "missing"
            } else {
                &content_type
            }
        )));
    }
    if body.len() > MAX_CSV_BYTES {
        return Err(too_large());
    }
    if c.state != CampaignState::Published {
        return Err(ApiError::precondition(
            "campaign",
            format!("Campaign is {}: it does not issue passes", c.state),
        ));
    }
    let csv = std::str::from_utf8(&body)
        .map_err(|e| ApiError::invalid("file", format!("is not UTF-8 text ({e})")))?;
    if csv.contains('\0') {
        return Err(ApiError::invalid(
            "file",
            "must not contain the character U+0000",
        ));
    }
    let (_, total) = pass_import::read_header(&c, csv)?;
    let sha256 = hex::encode(Sha256::digest(csv.as_bytes()));
    let id = match pass_import::existing_job(&state.db, &c.id, &sha256).await? {
        Some(id) => id,
        None => {
            let mut tx = state.db.begin().await?;
            let id = pass_import::enqueue(&mut tx, &c, &sha256, csv, total).await?;
            tx.commit().await?;
            id
        }
    };
    let job = pass_import::job(&state.db, &c.account_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("job"))?;
    Ok((StatusCode::ACCEPTED, Json(job)))
}
