//! The audit log (issue 16): every change, who made it, when and from where; newest
//! first, filtered by actor, action and resource, the attributes sent shown per row;
//! the filtered log exported as CSV.

use leptos::prelude::*;
use passworks_wire::query::{Direction, ListQuery};
use passworks_wire::AuditEvent;

use crate::api;
use crate::components::*;
use crate::table_state::{Column, FilterKind};
use crate::util::fmt_datetime;

/// The audit log page.
#[component]
pub fn AuditPage() -> impl IntoView {
    let columns = vec![
        Column::new("created_at", "When"),
        Column::new("actor_label", "Who").filter(FilterKind::Contains),
        Column::new("action", "Action").filter(FilterKind::Contains),
        Column::new("resource", "Resource").filter(FilterKind::Contains),
        Column::new("ip", "From").filter(FilterKind::Contains),
        Column::new("attributes", "Attributes").unsorted(),
    ];
    view! {
        <h1>"Audit log"</h1>
        <p class="lead">"Every change made through the API or this console: who made it (a person, an API key or the organization's API username), what changed, when and from where. Nobody can edit it."</p>
        <DataTable
            caption="Audit log"
            columns=columns
            fetch=|mut q: ListQuery| async move {
                if q.sort.is_none() {
                    q.sort = Some(("created_at".into(), Direction::Desc));
                }
                api::teams::audit_events(&q).await
            }
            row=move |e: &AuditEvent| {
                let attributes = match &e.attributes {
                    serde_json::Value::Object(m) if m.is_empty() => String::new(),
                    v => v.to_string(),
                };
                view! {
                    <td>{fmt_datetime(&e.created_at)}</td>
                    <td>{e.actor_label.clone()}<span class="hint">{format!(" {}", e.actor_type.replace('_', " "))}</span></td>
                    <td title=e.summary.clone()>{e.action.replace('_', " ")}</td>
                    <td>{e.resource.replace('_', " ")}{e.resource_id.clone().map(|id| view! { <span class="hint mono">{format!(" {id}")}</span> })}</td>
                    <td>{e.ip.clone().unwrap_or_else(|| "—".into())}</td>
                    <td class="mono break">{attributes}</td>
                }
                .into_any()
            }
            row_id=|e: &AuditEvent| e.id.clone()
            csv=CsvExport::new("audit-log.csv", |mut q: ListQuery| async move {
                if q.sort.is_none() {
                    q.sort = Some(("created_at".into(), Direction::Desc));
                }
                api::teams::export_audit_csv(&q).await
            })
            empty="No changes recorded yet."
        />
    }
}
