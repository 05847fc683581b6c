//! Campaigns of the five types (§5, §7) at their own paths: `/coupons`, `/store_cards`,
//! `/event_tickets`, `/boarding_passes` and `/generics`. One implementation serves all
//! five; each route carries its [`CampaignType`] as a request extension, and routes under
//! one campaign take the [`CampaignScope`] extractor (loaded, authorised and counted once).
//!
//! Records and stores are in [`crate::model::campaigns`], reading and saving a campaign
//! body in [`crate::model::campaign_input`]; [`reports`] answers C15/C16.

pub mod reports;

use crate::api::convert::{campaign_to_wire, pass_into_wire};
use crate::auth::{Auth, CampaignScope, Principal};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult, Errors};
use crate::list::{ListParams, Paged};
use crate::model::campaigns::{self, Transition};
use crate::model::counters::{self, Counter};
use crate::model::values::{Reader, MAX_STRING, MAX_TEXT};
use crate::model::{campaign_input, devices, passes, redeems};
use crate::routes::{doc, ParamKind, QueryParam, Routes};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use passworks_wire as wire;
use passworks_wire::CampaignType;

/// Routes of this module, for the five campaign types.
// Long because it is the table itself: each entry is one route and its documentation, and
// splitting the table would only scatter it.
pub fn router() -> Routes {
    const REPORT_QUERY: &[QueryParam] = &[
        QueryParam {
            name: "start_date",
            kind: ParamKind::Date,
            description: "YYYY-MM-DD, default today minus one month.",
        },
        QueryParam {
            name: "end_date",
            kind: ParamKind::Date,
            description: "YYYY-MM-DD, default today (UTC).",
        },
    ];
    let mut routes = Routes::new("Campaigns");
    for t in CampaignType::ALL {
        let base = format!("/{}", t.as_str());
        let one = format!("{base}/{{campaign_id}}");
        let name = t.label().to_lowercase();
        let save_doc = |summary: String, created: bool| {
            let d = doc(summary);
            let d = if created {
                d.created::<wire::Campaign>().requires(&["name"])
            } else {
                d.ok::<wire::Campaign>()
            };
            d.body::<wire::CampaignInput>(t.root_key()).errors(&[422])
        };
        let transition_doc = |summary: &str| doc(summary).ok::<wire::Campaign>().errors(&[412]);
        let r = Routes::new(t.plural_label())
            .get(
                &base,
                list,
                doc(format!("List {name} campaigns"))
                    .list::<wire::Campaign>(crate::model::campaigns::LIST_COLUMNS),
            )
            .post(
                &base,
                create,
                save_doc(format!("Create a {name} campaign"), true),
            )
            .get(
                &one,
                show,
                doc(format!("One {name} campaign")).ok::<wire::Campaign>(),
            )
            .patch(
                &one,
                update,
                save_doc(format!("Update a {name} campaign"), false),
            )
            .put(
                &one,
                update,
                save_doc(format!("Update a {name} campaign (alias of PATCH)"), false),
            )
            .delete(
                &one,
                destroy,
                doc(format!("Delete a {name} campaign and its passes"))
                    .ok::<wire::DeleteOk>()
                    .errors(&[412]),
            )
            .post(
                &format!("{one}/merge"),
                merge_handler,
                doc("Apply the campaign to every pass, then push")
                    .ok::<wire::MessageBody>()
                    .body_anywhere::<wire::PushInput>()
                    .errors(&[422]),
            )
            .post(
                &format!("{one}/push"),
                push,
                doc("Notify every installed pass")
                    .ok::<wire::MessageBody>()
                    .body_anywhere::<wire::PushInput>()
                    .errors(&[422]),
            )
            .post(
                &format!("{one}/pause"),
                pause,
                transition_doc("Pause the campaign"),
            )
            .post(
                &format!("{one}/resume"),
                resume,
                transition_doc("Resume a paused campaign"),
            )
            .post(
                &format!("{one}/archive"),
                archive,
                transition_doc("Archive the campaign"),
            )
            .post(
                &format!("{one}/redeem"),
                redeem_by_code,
                doc("Redeem a pass by its redeem code")
                    .ok::<wire::Pass>()
                    .body::<wire::RedeemInput>("pass")
                    .requires(&["redeem_code"])
                    .errors(&[412, 422]),
            )
            .get(
                &format!("{one}/redeem/{{redeem_code}}"),
                lookup_by_code,
                doc("Find a pass by its redeem code").ok::<wire::Pass>(),
            )
            .get(
                &format!("{one}/redeems"),
                redeems,
                doc("Redemptions of the campaign")
                    .list::<wire::Redeem>(crate::model::redeems::REDEEM_COLUMNS),
            )
            .get(
                &format!("{one}/registrations"),
                registrations,
                doc("Wallet installations of the campaign")
                    .list::<wire::Registration>(crate::model::devices::REGISTRATION_COLUMNS),
            )
            .get(
                &format!("{one}/reports"),
                reports::daily,
                doc("Daily report")
                    .ok::<wire::DailyReport>()
                    .query(REPORT_QUERY)
                    .errors(&[400]),
            )
            .get(
                &format!("{one}/reports/totals"),
                reports::totals,
                doc("Totals report").ok::<wire::TotalsReport>(),
            )
            .extension(*t);
        routes = routes.merge(r);
    }
    routes
}

async fn list(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    principal: Principal,
    params: ListParams,
) -> ApiResult<Paged<wire::Campaign>> {
    let account = principal.account;
    let only = principal.campaigns.as_deref();
    Ok(campaigns::list(&state.db, &account.id, t, only, &params)
        .await?
        .map(move |c| campaign_to_wire(&state, &c, &account.name)))
}

async fn show(
    State(state): State<AppState>,
    scope: CampaignScope,
) -> ApiResult<Json<wire::Campaign>> {
    Ok(Json(campaign_to_wire(
        &state,
        &scope.campaign,
        &scope.account.name,
    )))
}

async fn create(
    State(state): State<AppState>,
    Extension(t): Extension<CampaignType>,
    Auth(account): Auth,
    body: JsonBody,
) -> ApiResult<(StatusCode, Json<wire::Campaign>)> {
    let map = body.root(t.root_key())?;
    let c = campaign_input::save(&state.db, &account, t, None, map).await?;
    Ok((
        StatusCode::CREATED,
        Json(campaign_to_wire(&state, &c, &account.name)),
    ))
}

async fn update(
    State(state): State<AppState>,
    scope: CampaignScope,
    body: JsonBody,
) -> ApiResult<Json<wire::Campaign>> {
    let CampaignScope { account, campaign } = scope;
    let t = campaign.campaign_type;
    let map = body.root(t.root_key())?;
    let c = campaign_input::save(&state.db, &account, t, Some(campaign), map).await?;
    // An update changes what the campaign's download page shows.
    counters::bump_today(&state.db, &c.id, Counter::DistributionUpdates).await?;
    Ok(Json(campaign_to_wire(&state, &c, &account.name)))
}

async fn destroy(
    State(state): State<AppState>,
    scope: CampaignScope,
) -> ApiResult<Json<wire::DeleteOk>> {
    campaigns::delete(&state.db, &scope.campaign.id).await?;
    Ok(Json(wire::DeleteOk { errors: vec![] }))
}

/// Applies a state change (§7.4): 412 when the table forbids it or the state changed
/// concurrently.
async fn change_state(
    state: &AppState,
    scope: CampaignScope,
    action: Transition,
) -> ApiResult<Json<wire::Campaign>> {
    let CampaignScope { account, campaign } = scope;
    let to = campaigns::transition(campaign.state, action)
        .map_err(|m| ApiError::precondition("base", m))?;
    if !campaigns::set_state(&state.db, &campaign.id, campaign.state, to).await? {
        return Err(ApiError::precondition(
            "base",
            "The campaign changed state concurrently; retry",
        ));
    }
    let c = campaigns::load_by_id(&state.db, &campaign.id)
        .await?
        .ok_or_else(|| ApiError::not_found("campaign"))?;
    Ok(Json(campaign_to_wire(state, &c, &account.name)))
}

async fn pause(
    State(state): State<AppState>,
    scope: CampaignScope,
) -> ApiResult<Json<wire::Campaign>> {
    change_state(&state, scope, Transition::Pause).await
}

async fn resume(
    State(state): State<AppState>,
    scope: CampaignScope,
) -> ApiResult<Json<wire::Campaign>> {
    change_state(&state, scope, Transition::Resume).await
}

async fn archive(
    State(state): State<AppState>,
    scope: CampaignScope,
) -> ApiResult<Json<wire::Campaign>> {
    change_state(&state, scope, Transition::Archive).await
}

/// Reads an optional `push_message` (top level or under any root key).
pub fn push_message(body: &JsonBody) -> ApiResult<Option<String>> {
    match body.anywhere("push_message") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if s.chars().count() <= MAX_STRING => {
            Ok(Some(s.clone()))
        }
        Some(serde_json::Value::String(_)) => Err(ApiError::invalid(
            "push_message",
            format!("is too long (maximum is {MAX_STRING} characters)"),
        )),
        Some(_) => Err(ApiError::invalid("push_message", "must be a string")),
    }
}

async fn merge_handler(
    State(state): State<AppState>,
    scope: CampaignScope,
    body: JsonBody,
) -> ApiResult<Json<wire::MessageBody>> {
    let c = scope.campaign;
    let message = push_message(&body)?;
    let count = campaigns::count_passes(&state.db, &c.id).await?;
    if count == 0 {
        return Ok(Json(wire::MessageBody {
            message: format!("There are no passes to update for campaign '{}'.", c.name),
            job_id: None,
        }));
    }
    // Runs as a background job (crate::jobs), which also pushes the updated passes.
    let mut tx = state.db.begin().await?;
    let job_id =
        crate::jobs::enqueue_merge(&mut tx, &scope.account.id, &c.id, message.as_deref()).await?;
    crate::model::unpublished::mark_merged(&mut tx, &c.id, &crate::db::now()).await?;
    tx.commit().await?;
    Ok(Json(wire::MessageBody {
        message: format!(
            "Merging campaign '{}' into {count} passes; updated passes will be pushed to their devices.",
            c.name
        ),
        job_id: Some(job_id),
    }))
}

async fn push(
    State(state): State<AppState>,
    scope: CampaignScope,
    body: JsonBody,
) -> ApiResult<Json<wire::MessageBody>> {
    let c = scope.campaign;
    let message = push_message(&body)?;
    let mut tx = state.db.begin().await?;
    crate::apns::enqueue_push_for_campaign(&mut tx, &c.id, message.as_deref()).await?;
    tx.commit().await?;
    let installed = campaigns::count_installed(&state.db, &c.id).await?;
    let message = if installed == 0 {
        format!(
            "There are no installed passes to push for campaign '{}'.",
            c.name
        )
    } else {
        format!(
            "Push notifications queued for {installed} installed passes of campaign '{}'.",
            c.name
        )
    };
    Ok(Json(wire::MessageBody {
        message,
        job_id: None,
    }))
}

async fn redeem_by_code(
    State(state): State<AppState>,
    scope: CampaignScope,
    body: JsonBody,
) -> ApiResult<Json<wire::Pass>> {
    let c = scope.campaign;
    let map = body.root("pass")?;
    let mut errors = Errors::default();
    let mut r = Reader::new(map, &mut errors);
    let code = r
        .string("redeem_code", MAX_STRING)
        .flatten()
        .filter(|s| !s.is_empty());
    let comment = r.string("comment", MAX_TEXT).flatten();
    if code.is_none() && !r.errors.0.contains_key("redeem_code") {
        r.errors.add("redeem_code", "can't be blank");
    }
    errors.check()?;
    let code = code.unwrap_or_default();
    let pass = passes::find_by_code(&state.db, &c.id, &code)
        .await?
        .ok_or_else(|| ApiError::not_found("pass"))?;
    let pass = passes::redeem_pass(&state.db, &c, &pass.id, comment).await?;
    Ok(Json(pass_into_wire(&state, &c, pass)))
}

async fn lookup_by_code(
    State(state): State<AppState>,
    scope: CampaignScope,
    Path((_, code)): Path<(String, String)>,
) -> ApiResult<Json<wire::Pass>> {
    let c = scope.campaign;
    let pass = passes::find_by_code(&state.db, &c.id, &code)
        .await?
        .ok_or_else(|| ApiError::not_found("pass"))?;
    Ok(Json(pass_into_wire(&state, &c, pass)))
}

async fn redeems(
    State(state): State<AppState>,
    scope: CampaignScope,
    params: ListParams,
) -> ApiResult<Paged<wire::Redeem>> {
    let of = redeems::Of::Campaign(&scope.campaign.id);
    redeems::list_redeems(&state.db, of, &params).await
}

async fn registrations(
    State(state): State<AppState>,
    scope: CampaignScope,
    params: ListParams,
) -> ApiResult<Paged<wire::Registration>> {
    let of = redeems::Of::Campaign(&scope.campaign.id);
    devices::list_registrations(&state.db, of, &params).await
}
