use leptos::prelude::*;
#[component]
pub fn AssetsPage() -> impl IntoView {
    view! { <h1>"Assets"</h1> }
}
