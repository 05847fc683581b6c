use leptos::prelude::*;
#[component]
pub fn CampaignNew() -> impl IntoView {
    view! { <h1>"New"</h1> }
}
#[component]
pub fn CampaignEdit() -> impl IntoView {
    view! { <h1>"Edit"</h1> }
}
