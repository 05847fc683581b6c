//! `GET /v2/{type}/{campaign_id}/changes`: a campaign's unpublished changes, the passes
//! issued before its last edit that no merge has updated since
//! ([`crate::model::unpublished`]). The console offers the merge when there are any.

use crate::auth::CampaignScope;
use crate::error::ApiResult;
use crate::model::unpublished;
use crate::routes::{doc, Routes};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use passworks_wire as wire;
use passworks_wire::CampaignType;

/// The route, for each of the five campaign types.
pub fn router() -> Routes {
    let mut routes = Routes::new("Campaigns");
    for t in CampaignType::ALL {
        let r = Routes::new(t.plural_label())
            .get(
                &format!("/{}/{{campaign_id}}/changes", t.as_str()),
                changes,
                doc("How many issued passes do not show the campaign's last edit yet")
                    .ok::<wire::CampaignChanges>(),
            )
            .extension(*t);
        routes = routes.merge(r);
    }
    routes
}

async fn changes(
    State(state): State<AppState>,
    scope: CampaignScope,
) -> ApiResult<Json<wire::CampaignChanges>> {
    let (n, edited_at, merged_at) = unpublished::outdated(&state.db, &scope.campaign.id).await?;
    Ok(Json(wire::CampaignChanges {
        outdated_passes_count: n,
        edited_at,
        merged_at,
    }))
}
