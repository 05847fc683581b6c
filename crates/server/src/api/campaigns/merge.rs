//! Campaign merge (§7.4, C6): applies a campaign to its existing passes.
//!
//! `fixed` fields are added or overwritten by key; `dynamic` fields keep their per-pass
//! values (labels and behaviour are refreshed); fields that exist only on the pass stay;
//! the layout (which array a field sits in, and its order) follows the campaign.
//! Locations and beacons are copied from the campaign unless the campaign's
//! `sync_locations_on_merge` / `sync_beacons_on_merge` flag is false. Barcodes the pass did
//! not customise follow the campaign's format. Other per-pass data is untouched.

use super::load_campaign_tx;
use super::model::CampaignRecord;
use crate::api::passes::{pass_from_row, PassDoc, PASS_COLUMNS};
use crate::db::{now, Db};
use passworks_wire::{Behaviour, Field};

/// Merges the campaign's field arrays into a pass's (see the module docs).
pub fn merge_fields(campaign: &[Vec<Field>; 5], pass: &[Vec<Field>; 5]) -> [Vec<Field>; 5] {
    let find = |key: &str| pass.iter().flatten().find(|f| f.key == key);
    let mut out: [Vec<Field>; 5] = Default::default();
    for (i, array) in campaign.iter().enumerate() {
        for cf in array {
            let merged = match (cf.behaviour, find(&cf.key)) {
                (Behaviour::Dynamic, Some(pf)) => Field {
                    key: cf.key.clone(),
                    label: cf.label.clone(),
                    value: pf.value.clone(),
                    behaviour: Behaviour::Dynamic,
                },
                _ => cf.clone(),
            };
            out[i].push(merged);
        }
    }
    let in_campaign = |key: &str| campaign.iter().flatten().any(|f| f.key == key);
    for (i, array) in pass.iter().enumerate() {
        for pf in array {
            if !in_campaign(&pf.key) {
                out[i].push(pf.clone());
            }
        }
    }
    out
}

/// Applies `campaign` to one pass document.
pub fn merge_pass_doc(campaign: &CampaignRecord, doc: &mut PassDoc) {
    let merged = merge_fields(&campaign.doc.fields(), &doc.fields());
    doc.set_fields(merged);
    if campaign.doc.sync_locations_on_merge {
        doc.locations = campaign.doc.locations.clone();
    }
    if campaign.doc.sync_beacons_on_merge {
        doc.beacons = campaign.doc.beacons.clone();
    }
    if !doc.custom_barcodes {
        for b in &mut doc.barcodes {
            b.format = campaign.doc.presentation.barcode_format;
        }
    }
}

/// Applies the campaign to every existing pass, `batch` passes per transaction (each
/// batch re-reads the campaign, so a concurrent update is picked up). Returns the number
/// of passes updated. Safe to run again (idempotent) and from a background job.
pub async fn merge_campaign_into_passes(
    db: &Db,
    campaign_id: &str,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let batch = batch.max(1);
    let mut last_id = String::new();
    let mut updated = 0u64;
    loop {
        let mut tx = db.begin().await?;
        let Some(campaign) = load_campaign_tx(&mut tx, campaign_id).await? else {
            tx.commit().await?;
            return Ok(updated);
        };
        let sql = format!(
            "SELECT {PASS_COLUMNS} FROM passes WHERE campaign_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(campaign_id)
            .bind(&last_id)
            .bind(batch)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            tx.commit().await?;
            return Ok(updated);
        }
        let ts = now();
        for row in &rows {
            let mut pass = pass_from_row(row)?;
            last_id = pass.id.clone();
            let before = pass.doc.clone();
            merge_pass_doc(&campaign, &mut pass.doc);
            if pass.doc != before {
                let doc = serde_json::to_string(&pass.doc)
                    .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
                sqlx::query("UPDATE passes SET doc = $1, updated_at = $2 WHERE id = $3")
                    .bind(doc)
                    .bind(&ts)
                    .bind(&pass.id)
                    .execute(&mut *tx)
                    .await?;
                updated += 1;
            }
        }
        tx.commit().await?;
        if (rows.len() as i64) < batch {
            return Ok(updated);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(key: &str, label: &str, value: &str, b: Behaviour) -> Field {
        Field {
            key: key.into(),
            label: Some(label.into()),
            value: Some(value.into()),
            behaviour: b,
        }
    }

    #[test]
    fn fixed_fields_overwrite_and_dynamic_values_stay() {
        let campaign: [Vec<Field>; 5] = [
            vec![f("date", "Date", "May 2", Behaviour::Fixed)],
            vec![f("name", "Holder", "", Behaviour::Dynamic)],
            vec![],
            vec![],
            vec![],
        ];
        let pass: [Vec<Field>; 5] = [
            vec![f("date", "Date", "May 1", Behaviour::Fixed)],
            vec![f("name", "Name", "Ana", Behaviour::Dynamic)],
            vec![f("seat", "Seat", "12A", Behaviour::Dynamic)],
            vec![],
            vec![],
        ];
        let out = merge_fields(&campaign, &pass);
        assert_eq!(out[0][0].value.as_deref(), Some("May 2"));
        assert_eq!(out[1][0].value.as_deref(), Some("Ana"));
        assert_eq!(out[1][0].label.as_deref(), Some("Holder"));
        assert_eq!(out[2][0].key, "seat");
    }
}
