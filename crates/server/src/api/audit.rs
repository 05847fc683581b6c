//! The audit log (issue 16): `GET /v2/audit_events`, filtered and ordered over an
//! allow-list like every collection (and as CSV with `Accept: text/csv`). The log has no
//! route that changes it; events are written by the route guard (`guard.rs`).

use crate::auth::Principal;
use crate::error::ApiResult;
use crate::list::{ListParams, Paged};
use crate::model::audit::{self, AuditRecord};
use crate::routes::{doc, Routes};
use crate::state::AppState;
use axum::extract::State;
use passworks_wire as wire;

/// Routes of this module.
pub fn router() -> Routes {
    Routes::new("Teams").get(
        "/audit_events",
        list,
        doc("The audit log: every change, who made it, when and from where")
            .list::<wire::AuditEvent>(audit::LIST_COLUMNS),
    )
}

/// The wire shape of an event.
pub fn to_wire(e: AuditRecord) -> wire::AuditEvent {
    wire::AuditEvent {
        id: e.id,
        actor_type: e.actor_type,
        actor_id: e.actor_id,
        actor_label: e.actor_label,
        action: e.action,
        resource: e.resource,
        resource_id: e.resource_id,
        summary: e.summary,
        method: e.method,
        path: e.path,
        attributes: e.attributes,
        ip: e.ip,
        status: e.status,
        created_at: e.created_at,
    }
}

async fn list(
    State(state): State<AppState>,
    principal: Principal,
    params: ListParams,
) -> ApiResult<Paged<wire::AuditEvent>> {
    Ok(audit::list(&state.db, &principal.account.id, &params)
        .await?
        .map(to_wire))
}
