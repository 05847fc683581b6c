//! Campaign merge (§7.4, C6): how a campaign applies to one of its existing passes (the
//! background job in `crate::jobs` runs it over every pass in batches).
//!
//! `fixed` fields are added or overwritten by key; `dynamic` fields keep their per-pass
//! values (labels and behaviour are refreshed); fields that exist only on the pass stay;
//! the layout (which array a field sits in, and its order) follows the campaign.
//! Locations and beacons are copied from the campaign unless the campaign's
//! `sync_locations_on_merge` / `sync_beacons_on_merge` flag is false. Barcodes the pass did
//! not customise follow the campaign's format. Other per-pass data is untouched.

use crate::model::campaigns::CampaignRecord;
use crate::model::passes::PassDoc;
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
