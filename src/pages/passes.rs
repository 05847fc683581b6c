use leptos::prelude::*;
#[component]
pub fn PassList() -> impl IntoView {
    view! { <h1>"Passes"</h1> }
}
#[component]
pub fn PassNew() -> impl IntoView {
    view! { <h1>"New pass"</h1> }
}
#[component]
pub fn PassDetail() -> impl IntoView {
    view! { <h1>"Pass"</h1> }
}
#[component]
pub fn PassEdit() -> impl IntoView {
    view! { <h1>"Edit pass"</h1> }
}
#[component]
pub fn RedeemScreen() -> impl IntoView {
    view! { <h1>"Redeem"</h1> }
}
