//! `GET /v2/dashboard`: the console's home page across every campaign of the account
//! (totals, busiest campaigns, recent activity, failures), from
//! [`crate::model::dashboard`].

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::model::dashboard;
use crate::routes::{doc, Routes};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use passworks_wire as wire;

/// The route.
pub fn router() -> Routes {
    Routes::new("Account").get(
        "/dashboard",
        show,
        doc("Totals, busiest campaigns, recent activity and failures across all campaigns")
            .ok::<wire::Dashboard>(),
    )
}

async fn show(
    State(state): State<AppState>,
    Auth(account): Auth,
) -> ApiResult<Json<wire::Dashboard>> {
    let since = crate::db::format_time(chrono::Utc::now() - chrono::Duration::days(7));
    // The events of the downloads this process answered (recent activity).
    state.passes.flush_served(&state).await;
    Ok(Json(dashboard::load(&state.db, &account.id, &since).await?))
}
