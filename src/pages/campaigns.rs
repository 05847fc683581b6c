use leptos::prelude::*;
#[component]
pub fn CampaignList() -> impl IntoView {
    view! { <h1>"List"</h1> }
}
#[component]
pub fn CampaignDetail() -> impl IntoView {
    view! { <h1>"Detail"</h1> }
}
