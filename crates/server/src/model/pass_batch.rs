//! Bulk creation of passes (`POST /v2/{type}/{campaign_id}/passes/batch` and the rows of a
//! CSV import): many passes of one campaign in one transaction, each item all-or-nothing.
//!
//! Every item is checked exactly as [`crate::model::passes::create_pass`] checks one pass
//! (the same `check_patch`, `new_doc` and strip rule); what differs is that the database
//! work is set-based: one campaign-state read, one query for the taken redeem codes and
//! serial numbers of the whole batch, one `next_code` reservation for its sequential codes,
//! multi-row inserts (`ON CONFLICT DO NOTHING RETURNING id`, so a code another writer took
//! in the meantime fails that item only), one `passes_count` update, and the `created`
//! events with their counters and webhook deliveries through
//! [`crate::model::events::record_many`], in the same transaction.

use crate::db::{new_download_token, new_id, normalize_time, now, random_token, Db, Tx};
use crate::error::{ApiError, ApiResult, Errors};
use crate::model::campaigns::CampaignRecord;
use crate::model::events::{record_many, NewEvent};
use crate::model::passes::{
    check_apple, check_effective_images, check_patch, new_doc, require_issuing, PassDoc, PassPatch,
    PassRecord,
};
use passworks_wire::{CodeType, EventKind};
use sqlx::Row;
use std::collections::{BTreeMap, HashSet};

/// The outcome of one item: the created pass, or the messages per attribute.
pub type ItemResult = Result<PassRecord, BTreeMap<String, Vec<String>>>;

/// Rows per multi-row statement (13 bound values a row stays far below both databases'
/// parameter limits).
const ROWS: usize = 250;

/// A valid item waiting for its code and insert.
struct Pending {
    index: usize,
    doc: PassDoc,
    code: Option<String>,
    serial: Option<String>,
}

/// Creates the passes of `patches` in `campaign` inside `tx` (the caller commits): 404/412
/// for the whole batch when the campaign is gone or not issuing; otherwise one result per
/// patch, in order.
// Long because bulk creation is one sequence over the whole batch (check every item,
// codes and serial numbers taken, sequential codes reserved, insert, count, events), and
// each step works on what the previous one left.
pub async fn create_passes(
    db: &Db,
    tx: &mut Tx,
    campaign: &CampaignRecord,
    patches: &[PassPatch],
) -> ApiResult<Vec<ItemResult>> {
    require_issuing(tx, &campaign.id).await?;
    let mut results: Vec<Option<ItemResult>> = vec![None; patches.len()];
    let mut pending = Vec::with_capacity(patches.len());
    for (index, patch) in patches.iter().enumerate() {
        let mut errors = Errors::default();
        check_patch(tx, campaign, patch, &mut errors).await?;
        let doc = new_doc(campaign, patch, &mut errors);
        check_effective_images(campaign, &doc, &mut errors);
        check_apple(campaign, &doc, &mut errors);
        let code = match campaign.code_type {
            CodeType::PerPass => match patch.redeem_code.clone().or_else(|| patch.custom_message())
            {
                Some(c) => Some(c),
                None => {
                    errors.add(
                        "redeem_code",
                        "can't be blank when the campaign's code_type is per_pass (send redeem_code, barcode.message or barcodes[].message)",
                    );
                    None
                }
            },
            CodeType::Fixed => Some(campaign.doc.code_fixed_value.clone().unwrap_or_default()),
            CodeType::Sequential | CodeType::List => None,
        };
        if errors.is_empty() {
            pending.push(Pending {
                index,
                doc,
                code,
                serial: patch.serial_number.clone(),
            });
        } else {
            results[index] = Some(Err(errors.0));
        }
    }

    // Supplied codes (per_pass) and serial numbers must be free, also within the batch.
    if campaign.code_type == CodeType::PerPass {
        let codes: Vec<&str> = pending.iter().filter_map(|p| p.code.as_deref()).collect();
        let taken = taken(tx, "redeem_code", Some(&campaign.id), &codes).await?;
        refuse_taken(&mut pending, &mut results, taken, "redeem_code", |p| {
            p.code.as_deref()
        });
    }
    let serials: Vec<&str> = pending.iter().filter_map(|p| p.serial.as_deref()).collect();
    if !serials.is_empty() {
        let taken = taken(tx, "serial_number", None, &serials).await?;
        refuse_taken(&mut pending, &mut results, taken, "serial_number", |p| {
            p.serial.as_deref()
        });
    }

    // Sequential codes: reserve a range, skip codes passes set themselves, repeat for those.
    let mut missing: Vec<usize> = (0..pending.len())
        .filter(|&i| pending[i].code.is_none())
        .collect();
    while !missing.is_empty() {
        let first = db
            .draw_codes(tx, &campaign.id, missing.len() as i64)
            .await?
            .ok_or_else(|| ApiError::not_found("campaign"))?;
        let next = first + missing.len() as i64;
        let candidates: Vec<String> = (first..next).map(|n| format!("{n:07}")).collect();
        let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
        let taken = taken(tx, "redeem_code", Some(&campaign.id), &refs).await?;
        let mut free = candidates.into_iter().filter(|c| !taken.contains(c));
        let mut still = Vec::new();
        for i in missing {
            match free.next() {
                Some(c) => pending[i].code = Some(c),
                None => still.push(i),
            }
        }
        missing = still;
    }

    let ts = now();
    let shared_code = campaign.code_type == CodeType::Fixed;
    let records: Vec<(usize, PassRecord)> = pending
        .into_iter()
        .map(|p| {
            (
                p.index,
                PassRecord {
                    id: new_id(),
                    account_id: campaign.account_id.clone(),
                    campaign_id: campaign.id.clone(),
                    serial_number: p.serial.unwrap_or_else(crate::db::new_serial_number),
                    authentication_token: random_token(24),
                    download_token: new_download_token(),
                    redeem_code: p.code.unwrap_or_default(),
                    voided: false,
                    redeemed_count: 0,
                    redeemed_at: None,
                    last_fetched_at: None,
                    doc: p.doc,
                    created_at: ts.clone(),
                    updated_at: ts.clone(),
                },
            )
        })
        .collect();
    let inserted = insert_many(tx, &records, shared_code).await?;
    let slot = crate::db::counter_slot(tx);
    sqlx::query(&format!(
        "UPDATE campaign_counters SET passes_count = passes_count + $1 \
         WHERE campaign_id = $2 AND slot = {slot}"
    ))
    .bind(inserted.len() as i64)
    .bind(&campaign.id)
    .execute(&mut **tx)
    .await?;
    let events: Vec<NewEvent> = records
        .iter()
        .filter(|(_, p)| inserted.contains(&p.id))
        .map(|(_, p)| NewEvent::for_pass(&p.account_id, &p.campaign_id, &p.id, EventKind::Created))
        .collect();
    record_many(tx, &events).await?;
    for (index, pass) in records {
        results[index] = Some(if inserted.contains(&pass.id) {
            Ok(pass)
        } else {
            // Another writer took the code (or serial number) after it was checked.
            let mut m = BTreeMap::new();
            m.insert(
                "redeem_code".to_string(),
                vec!["has already been taken".to_string()],
            );
            Err(m)
        });
    }
    Ok(results
        .into_iter()
        .map(|r| r.expect("every item has a result"))
        .collect())
}

/// Marks the pending items whose value (`value_of`) is taken, or repeats an earlier item's,
/// as failed with "has already been taken" on `attribute`.
fn refuse_taken(
    pending: &mut Vec<Pending>,
    results: &mut [Option<ItemResult>],
    taken: HashSet<String>,
    attribute: &str,
    value_of: impl Fn(&Pending) -> Option<&str>,
) {
    let mut seen = HashSet::new();
    let mut keep = Vec::with_capacity(pending.len());
    for p in pending.drain(..) {
        let clash = value_of(&p).is_some_and(|v| taken.contains(v) || !seen.insert(v.to_string()));
        if clash {
            let mut m = BTreeMap::new();
            m.insert(
                attribute.to_string(),
                vec!["has already been taken".to_string()],
            );
            results[p.index] = Some(Err(m));
        } else {
            keep.push(p);
        }
    }
    *pending = keep;
}

/// Which of `values` are already used in `column` of `passes` (of one campaign when
/// `campaign_id` is given).
async fn taken(
    tx: &mut Tx,
    column: &str,
    campaign_id: Option<&str>,
    values: &[&str],
) -> Result<HashSet<String>, sqlx::Error> {
    let column = match column {
        "serial_number" => "serial_number",
        _ => "redeem_code",
    };
    let mut out = HashSet::new();
    for chunk in values.chunks(500) {
        let offset = usize::from(campaign_id.is_some());
        let marks: Vec<String> = (1..=chunk.len())
            .map(|i| format!("${}", i + offset))
            .collect();
        let scope = if campaign_id.is_some() {
            "campaign_id = $1 AND "
        } else {
            ""
        };
        let mut sql = format!(
            "SELECT {column} FROM passes WHERE {scope}{column} IN ({})",
            marks.join(", ")
        );
        let mut q = crate::db::batch_query(tx, &mut sql);
        if let Some(c) = campaign_id {
            q = q.bind(c);
        }
        for v in chunk {
            q = q.bind(*v);
        }
        for row in q.fetch_all(&mut **tx).await? {
            out.insert(row.try_get::<String, _>(0)?);
        }
    }
    Ok(out)
}

/// Inserts new passes with multi-row statements; a row that clashes with a unique index
/// (a code taken concurrently) is skipped. Returns the ids inserted.
async fn insert_many(
    tx: &mut Tx,
    records: &[(usize, PassRecord)],
    shared_code: bool,
) -> ApiResult<HashSet<String>> {
    let mut inserted = HashSet::with_capacity(records.len());
    for chunk in records.chunks(ROWS) {
        let mut sql = String::from(
            "INSERT INTO passes (id, account_id, campaign_id, serial_number, \
             authentication_token, download_token, redeem_code, voided, redeemed_count, doc, \
             created_at, updated_at, shared_code, expires_at) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 11;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, 0, 0, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9,
                b + 9,
                b + 10,
                b + 11
            ));
        }
        sql.push_str(" ON CONFLICT DO NOTHING RETURNING id");
        let mut q = crate::db::batch_query(tx, &mut sql);
        for (_, p) in chunk {
            q = q
                .bind(&p.id)
                .bind(&p.account_id)
                .bind(&p.campaign_id)
                .bind(&p.serial_number)
                .bind(&p.authentication_token)
                .bind(&p.download_token)
                .bind(&p.redeem_code)
                .bind(serde_json::to_string(&p.doc)?)
                .bind(&p.created_at)
                .bind(shared_code as i64)
                .bind(p.doc.expiration_date.as_deref().and_then(normalize_time));
        }
        for row in q.fetch_all(&mut **tx).await? {
            inserted.insert(row.try_get::<String, _>("id")?);
        }
    }
    Ok(inserted)
}
