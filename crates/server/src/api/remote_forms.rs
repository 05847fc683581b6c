//! Remote forms (§13): describe a campaign's fields to an external form, and create a pass
//! from a flat submission. The campaign may be of any type but must belong to the caller.

use crate::api::convert::pass_into_wire;
use crate::auth::Auth;
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult, Errors};
use crate::model::campaigns::{self, CampaignRecord};
use crate::model::parse_id;
use crate::model::passes::{create_pass, PassPatch};
use crate::model::values::{Reader, MAX_TEXT};
use crate::routes::{doc, Routes};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use passworks_wire as wire;
use passworks_wire::{Behaviour, CodeType, FieldInput};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::new("Remote forms")
        .get(
            "/remote_forms/{campaign_id}/fields",
            fields,
            doc("The campaign's fields").ok::<wire::RemoteFormFields>(),
        )
        .post(
            "/remote_forms/{campaign_id}/submit",
            submit,
            doc("Create a pass from form values")
                .created::<wire::Pass>()
                .object_body()
                .errors(&[412, 422]),
        )
}

async fn load(state: &AppState, account_id: &str, raw: &str) -> ApiResult<CampaignRecord> {
    let id = parse_id(raw, "campaign")?;
    campaigns::load_of_account(&state.db, account_id, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("campaign"))
}

async fn fields(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<wire::RemoteFormFields>> {
    let c = load(&state, &account.id, &id).await?;
    let mut out = BTreeMap::new();
    let mut dynamic = Vec::new();
    let mut fixed = Vec::new();
    for f in c.doc.fields().into_iter().flatten() {
        match f.behaviour {
            Behaviour::Dynamic => dynamic.push(f.key.clone()),
            Behaviour::Fixed => fixed.push(f.key.clone()),
        }
        out.insert(f.key.clone(), f);
    }
    Ok(Json(wire::RemoteFormFields {
        fields: out,
        dynamic_fields_keys: dynamic,
        static_fields_keys: fixed,
    }))
}

async fn submit(
    State(state): State<AppState>,
    Auth(account): Auth,
    Path(id): Path<String>,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<wire::Pass>)> {
    let c = load(&state, &account.id, &id).await?;
    let empty = Map::new();
    let map = match &body.0 {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => {
            return Err(ApiError::BadRequest(
                "The body must be a JSON object".into(),
            ))
        }
    };
    let mut errors = Errors::default();
    // Only locations, beacons and barcodes are read as pass attributes; every other key is
    // a candidate dynamic field value.
    let mut relevant = Map::new();
    for key in ["locations", "beacons", "barcodes"] {
        if let Some(v) = map.get(key) {
            relevant.insert(key.to_string(), v.clone());
        }
    }
    let mut patch = PassPatch::read(&relevant, &mut errors);
    if patch.barcodes.is_some() && c.code_type != CodeType::PerPass {
        errors.0.remove("barcodes");
        errors.add(
            "barcodes",
            "can only be sent when the campaign's code_type is per_pass",
        );
    }
    let mut r = Reader::new(map, &mut errors);
    for (i, array) in c.doc.fields().iter().enumerate() {
        let mut inputs = Vec::new();
        for f in array.iter().filter(|f| f.behaviour == Behaviour::Dynamic) {
            if let Some(v) = r.string(&f.key, MAX_TEXT) {
                inputs.push(FieldInput {
                    key: f.key.clone(),
                    label: None,
                    value: Some(v),
                    behaviour: None,
                    destroy: false,
                });
            }
        }
        if !inputs.is_empty() {
            patch.fields[i] = Some(inputs);
        }
    }
    errors.check()?;
    let mut tx = state.db.begin().await?;
    let pass = create_pass(&state.db, &mut tx, &c, &patch).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(pass_into_wire(&state, &c, pass))))
}
