//! Account-wide pass search: `GET /v2/passes?q[search]=…` finds passes in every campaign of
//! the signed-in account and answers [`wire::PassSearchHit`]s (the pass with its campaign's
//! type and name), paginated, filtered and sorted like a campaign's pass list, or as CSV.
//! The search itself is [`crate::model::search`].

use crate::api::convert::pass_into_wire;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::list::{ListParams, Paged};
use crate::model::search;
use crate::routes::{doc, Routes, SEARCH_PARAM};
use crate::state::AppState;
use axum::extract::State;
use passworks_wire as wire;

/// The route of this module.
pub fn router() -> Routes {
    Routes::new("Passes").get(
        "/passes",
        account_search,
        doc("Search the passes of every campaign (q[search] is required)")
            .list::<wire::PassSearchHit>(crate::model::passes::LIST_COLUMNS)
            .query(&[SEARCH_PARAM]),
    )
}

async fn account_search(
    State(state): State<AppState>,
    principal: Principal,
    params: ListParams,
) -> ApiResult<Paged<wire::PassSearchHit>> {
    let account = principal.account;
    if params.search.is_none() {
        return Err(ApiError::BadRequest(
            "q[search] is required (the text to search for)".into(),
        ));
    }
    let only = principal.campaigns.as_deref();
    let passes = search::account_passes(&state.db, &account.id, only, &params).await?;
    // A page needs the campaigns of its passes; an export (streamed) gets them all up front.
    let ids = passes.items().map(|items| {
        let mut ids: Vec<String> = items.iter().map(|p| p.campaign_id.clone()).collect();
        ids.sort();
        ids.dedup();
        ids
    });
    let campaigns = search::campaigns_by_id(&state.db, &account.id, ids.as_deref()).await?;
    Ok(passes.filter_map(move |p| {
        let c = campaigns.get(&p.campaign_id)?;
        Some(wire::PassSearchHit {
            campaign_type: c.campaign_type,
            campaign_name: c.name.clone(),
            pass: pass_into_wire(&state, c, p),
        })
    }))
}
