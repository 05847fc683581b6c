use leptos::prelude::*;
#[component]
pub fn RegistrationsPage() -> impl IntoView {
    view! { <h1>"Registrations"</h1> }
}
#[component]
pub fn ReportsPage() -> impl IntoView {
    view! { <h1>"Reports"</h1> }
}
