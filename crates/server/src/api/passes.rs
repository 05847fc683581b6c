//! Passes (§8) and redeeming (§9): `/{type}/{campaign_id}/passes…` for the five campaign
//! types. Records and stores are in [`crate::model::passes`]; handlers parse the request,
//! call the model and answer the wire shape.
//!
//! A pass is addressable only under its own campaign and type ([`PassScope`]); anything
//! else is 404.

use crate::api::campaigns::push_message;
use crate::api::convert::pass_into_wire;
use crate::auth::{CampaignScope, PassScope};
use crate::body::{BulkJsonBody, JsonBody};
use crate::error::{ApiError, ApiResult, Errors};
use crate::list::{ListParams, Paged};
use crate::model::pass_batch;
use crate::model::passes::{self, PassPatch};
use crate::model::values::{parse_bool, Reader, MAX_TEXT};
use crate::model::{devices, redeems};
use crate::routes::{doc, Routes};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use passworks_wire as wire;
use passworks_wire::rules::MAX_BATCH_PASSES;
use passworks_wire::{CampaignState, CampaignType};
use serde_json::Value;

/// Routes of this module, for the five campaign types.
// Long because it is the module's route table: one documented entry per route.
pub fn router() -> Routes {
    let mut routes = Routes::new("Passes");
    for t in CampaignType::ALL {
        let base = format!("/{}/{{campaign_id}}/passes", t.as_str());
        let one = format!("{base}/{{pass_id}}");
        let update_doc = |summary: &str| {
            doc(summary)
                .ok::<wire::Pass>()
                .body::<wire::PassInput>("pass")
                .errors(&[412, 422])
        };
        let r = Routes::new(t.plural_label())
            .get(
                &base,
                list,
                doc("List passes")
                    .list::<wire::Pass>(crate::model::passes::LIST_COLUMNS)
                    .query(&[crate::routes::SEARCH_PARAM]),
            )
            .post(
                &base,
                create,
                doc("Create a pass (empty body: boilerplate pass)")
                    .created::<wire::Pass>()
                    .optional_body::<wire::PassInput>("pass")
                    .errors(&[412, 422]),
            )
            .post(
                &format!("{base}/batch"),
                batch,
                doc("Create up to 1,000 passes, each all-or-nothing (extension)")
                    .ok::<wire::PassBatchResponse>()
                    .flat_body::<wire::PassBatchInput>()
                    .max_body(crate::body::MAX_BULK_JSON)
                    .errors(&[412, 422]),
            )
            .post(
                &format!("{base}/import"),
                crate::api::pass_import::import,
                doc("Import passes from CSV in the background (extension)")
                    .accepted::<wire::Job>()
                    .text_body(
                        "text/csv",
                        crate::api::pass_import::CSV_DESCRIPTION,
                        crate::api::pass_import::MAX_CSV_BYTES,
                    )
                    .errors(&[412, 422]),
            )
            .get(&one, show, doc("One pass").ok::<wire::Pass>())
            .patch(&one, update, update_doc("Update a pass"))
            .put(&one, update, update_doc("Update a pass (alias of PATCH)"))
            .delete(
                &one,
                destroy,
                doc("Delete a pass").ok::<wire::DeleteOk>().errors(&[412]),
            )
            .post(
                &format!("{one}/push"),
                push,
                doc("Notify the devices holding the pass")
                    .ok::<wire::MessageBody>()
                    .body_anywhere::<wire::PushInput>()
                    .errors(&[422]),
            )
            .post(
                &format!("{one}/redeem"),
                redeem,
                doc("Redeem the pass")
                    .ok::<wire::Pass>()
                    .optional_body::<wire::RedeemInput>("pass")
                    .errors(&[412, 422]),
            )
            .post(
                &format!("{one}/reset_redeem"),
                reset_redeem,
                doc("Clear the pass's void flag").ok::<wire::Pass>(),
            )
            .get(
                &format!("{one}/registrations"),
                registrations,
                doc("Wallet installations of the pass")
                    .list::<wire::Registration>(crate::model::devices::REGISTRATION_COLUMNS),
            )
            .get(
                &format!("{one}/redeems"),
                redeems,
                doc("Redemptions of the pass")
                    .list::<wire::Redeem>(crate::model::redeems::REDEEM_COLUMNS),
            )
            .extension(*t);
        routes = routes.merge(r);
    }
    routes
}

async fn list(
    State(state): State<AppState>,
    scope: CampaignScope,
    params: ListParams,
) -> ApiResult<Paged<wire::Pass>> {
    let c = scope.campaign;
    Ok(passes::list(&state.db, &state.positions, &c.id, &params)
        .await?
        .map(move |p| pass_into_wire(&state, &c, p)))
}

async fn create(
    State(state): State<AppState>,
    scope: CampaignScope,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<wire::Pass>)> {
    let c = scope.campaign;
    let map = body.optional_root("pass")?;
    let mut errors = Errors::default();
    let patch = PassPatch::read(&map, &mut errors);
    if c.state != CampaignState::Published {
        return Err(ApiError::precondition(
            "campaign",
            format!("Campaign is {}: it does not issue passes", c.state),
        ));
    }
    errors.check()?;
    let mut tx = state.db.begin().await?;
    let pass = passes::create_pass(&state.db, &mut tx, &c, &patch).await?;
    tx.commit().await?;
    // The answer shows the campaign as it is now (its `passes_count` changed).
    let c = crate::model::campaigns::load_by_id(&state.db, &c.id)
        .await?
        .ok_or_else(|| ApiError::not_found("campaign"))?;
    Ok((StatusCode::CREATED, Json(pass_into_wire(&state, &c, pass))))
}

/// `POST …/passes/batch`: creates the valid items of `{"passes": [PassInput, …]}` (at most
/// [`MAX_BATCH_PASSES`]) in one transaction and answers one result per item, in order.
async fn batch(
    State(state): State<AppState>,
    scope: CampaignScope,
    BulkJsonBody(body): BulkJsonBody,
) -> ApiResult<Json<wire::PassBatchResponse>> {
    let c = scope.campaign;
    let items = match body.0.get("passes") {
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(ApiError::BadRequest(
                "Root key 'passes' must hold a JSON array".into(),
            ))
        }
        None => {
            return Err(ApiError::BadRequest(
                "Missing root key 'passes' in the request body".into(),
            ))
        }
    };
    if items.len() > MAX_BATCH_PASSES {
        return Err(ApiError::invalid(
            "passes",
            format!("has too many items (at most {MAX_BATCH_PASSES} a request)"),
        ));
    }
    if c.state != CampaignState::Published {
        return Err(ApiError::precondition(
            "campaign",
            format!("Campaign is {}: it does not issue passes", c.state),
        ));
    }
    let mut results: Vec<Option<wire::PassBatchResult>> = vec![None; items.len()];
    let mut patches = Vec::with_capacity(items.len());
    let mut indexes = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let mut errors = Errors::default();
        let patch = match item {
            Value::Object(m) => PassPatch::read(m, &mut errors),
            Value::Array(a) if a.is_empty() => PassPatch::default(),
            _ => {
                errors.add("base", "must be a JSON object (a pass's attributes)");
                PassPatch::default()
            }
        };
        if errors.is_empty() {
            patches.push(patch);
            indexes.push(index);
        } else {
            results[index] = Some(failed(index, errors.0));
        }
    }
    let mut tx = state.db.begin().await?;
    let created = pass_batch::create_passes(&state.db, &mut tx, &c, &patches).await?;
    tx.commit().await?;
    // The answers show the campaign as it is now (its `passes_count` changed).
    let c = crate::model::campaigns::load_by_id(&state.db, &c.id)
        .await?
        .ok_or_else(|| ApiError::not_found("campaign"))?;
    for (index, outcome) in indexes.into_iter().zip(created) {
        results[index] = Some(match outcome {
            Ok(pass) => wire::PassBatchResult {
                index,
                pass: Some(pass_into_wire(&state, &c, pass)),
                errors: None,
            },
            Err(errors) => failed(index, errors),
        });
    }
    Ok(Json(wire::PassBatchResponse {
        results: results.into_iter().flatten().collect(),
    }))
}

fn failed(
    index: usize,
    errors: std::collections::BTreeMap<String, Vec<String>>,
) -> wire::PassBatchResult {
    wire::PassBatchResult {
        index,
        pass: None,
        errors: Some(errors),
    }
}

async fn show(State(state): State<AppState>, scope: PassScope) -> ApiResult<Json<wire::Pass>> {
    Ok(Json(pass_into_wire(&state, &scope.campaign, scope.pass)))
}

/// Reads an update body (§8.2): the pass attributes under `pass`, with `merge`, `push`
/// and `push_message` also accepted at the body root.
fn read_update(body: &JsonBody) -> ApiResult<PassPatch> {
    let map = body.root("pass")?;
    let mut errors = Errors::default();
    let mut patch = PassPatch::read(map, &mut errors);
    for (key, slot) in [("merge", &mut patch.merge), ("push", &mut patch.push)] {
        if slot.is_none() {
            if let Some(v) = body.0.get(key) {
                match parse_bool(v) {
                    Some(b) => *slot = Some(b),
                    None => errors.add(key, "must be true or false"),
                }
            }
        }
    }
    if patch.push_message.is_none() {
        patch.push_message = push_message(body)?;
    }
    errors.check()?;
    Ok(patch)
}

async fn update(
    State(state): State<AppState>,
    scope: PassScope,
    body: JsonBody,
) -> ApiResult<Json<wire::Pass>> {
    let c = scope.campaign;
    let patch = read_update(&body)?;
    let mut tx = state.db.begin().await?;
    // Re-read inside the transaction, so the patch applies to the pass as it is now.
    let mut p = passes::load_tx(&mut tx, &scope.pass.id)
        .await?
        .ok_or_else(|| ApiError::not_found("pass"))?;
    passes::update_pass(&mut tx, &c, &mut p, &patch).await?;
    if patch.push.unwrap_or(true) {
        crate::apns::enqueue_push_for_passes(
            &mut tx,
            std::slice::from_ref(&p.id),
            patch.push_message.as_deref(),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Json(pass_into_wire(&state, &c, p)))
}

async fn destroy(
    State(state): State<AppState>,
    scope: PassScope,
) -> ApiResult<Json<wire::DeleteOk>> {
    passes::delete(&state.db, &scope.pass).await?;
    Ok(Json(wire::DeleteOk { errors: vec![] }))
}

async fn push(
    State(state): State<AppState>,
    scope: PassScope,
    body: JsonBody,
) -> ApiResult<Json<wire::MessageBody>> {
    let (c, p) = (scope.campaign, scope.pass);
    let message = push_message(&body)?;
    let mut tx = state.db.begin().await?;
    crate::apns::enqueue_push_for_passes(&mut tx, std::slice::from_ref(&p.id), message.as_deref())
        .await?;
    tx.commit().await?;
    Ok(Json(wire::MessageBody {
        message: format!(
            "push notifications sent for pass with id: {} on campaign '{}'",
            p.id, c.name
        ),
        job_id: None,
    }))
}

async fn redeem(
    State(state): State<AppState>,
    scope: PassScope,
    body: JsonBody,
) -> ApiResult<Json<wire::Pass>> {
    let (c, p) = (scope.campaign, scope.pass);
    let map = body.optional_root("pass")?;
    let mut errors = Errors::default();
    let comment = Reader::new(&map, &mut errors)
        .string("comment", MAX_TEXT)
        .flatten();
    errors.check()?;
    let p = passes::redeem_pass(&state.db, &c, &p.id, comment).await?;
    Ok(Json(pass_into_wire(&state, &c, p)))
}

async fn reset_redeem(
    State(state): State<AppState>,
    scope: PassScope,
) -> ApiResult<Json<wire::Pass>> {
    let (c, mut p) = (scope.campaign, scope.pass);
    passes::reset_redeem(&state.db, &mut p).await?;
    Ok(Json(pass_into_wire(&state, &c, p)))
}

async fn registrations(
    State(state): State<AppState>,
    scope: PassScope,
    params: ListParams,
) -> ApiResult<Paged<wire::Registration>> {
    devices::list_registrations(&state.db, redeems::Of::Pass(&scope.pass.id), &params).await
}

async fn redeems(
    State(state): State<AppState>,
    scope: PassScope,
    params: ListParams,
) -> ApiResult<Paged<wire::Redeem>> {
    redeems::list_redeems(&state.db, redeems::Of::Pass(&scope.pass.id), &params).await
}
