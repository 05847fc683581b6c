use leptos::prelude::*;
#[component]
pub fn TemplatesPage() -> impl IntoView {
    view! { <h1>"Templates"</h1> }
}
#[component]
pub fn CertificatesPage() -> impl IntoView {
    view! { <h1>"Certificates"</h1> }
}
#[component]
pub fn WebhooksPage() -> impl IntoView {
    view! { <h1>"Webhooks"</h1> }
}
#[component]
pub fn OrganizationsPage() -> impl IntoView {
    view! { <h1>"Organizations"</h1> }
}
#[component]
pub fn AccountPage() -> impl IntoView {
    view! { <h1>"Account"</h1> }
}
