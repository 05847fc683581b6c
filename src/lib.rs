//! The Passworks console: a Leptos client-side app over the Passworks REST API v2.
//!
//! `main.rs` only calls [`start`]. Pure logic (list URL state, form drafts and
//! validation, the pass preview layout, dates) lives in plain modules so it is tested
//! natively; the `components` and `pages` modules render it.

pub mod api;
pub mod components;
pub mod draft;
pub mod pages;
pub mod preview;
pub mod session;
pub mod table_state;
pub mod theme;
pub mod util;

use leptos::prelude::*;
use leptos_router::components::{ProtectedParentRoute, Route, Router, Routes};
use leptos_router::path;
use passworks_wire::ConsoleConfig;

use crate::pages::*;
use crate::session::Session;

/// Loads `config.json` (beside `index.html`), then mounts the app.
pub fn start() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let config = load_config().await;
        api::set_base(&config.api_base);
        leptos::mount::mount_to_body(move || view! { <App config=config.clone()/> });
    });
}

async fn load_config() -> ConsoleConfig {
    match gloo_net::http::Request::get("config.json").send().await {
        Ok(r) if r.ok() => r.json().await.unwrap_or_default(),
        _ => ConsoleConfig::default(),
    }
}

/// The whole app: session context, router and routes.
#[component]
pub fn App(config: ConsoleConfig) -> impl IntoView {
    let base = config.base_path.trim_end_matches('/').to_string();
    let session = Session::new(config);
    provide_context(session);
    theme::init();
    api::set_on_unauthorized(move || session.sign_out());
    let signed_in = move || Some(session.creds.get().is_some());
    view! {
        <Router base=base>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/sign-in") view=SignIn/>
                <ProtectedParentRoute
                    path=path!("")
                    view=Frame
                    condition=signed_in
                    redirect_path=|| "/sign-in"
                >
                    <Route path=path!("") view=Home/>
                    <Route path=path!("campaigns/:ctype") view=CampaignList/>
                    <Route path=path!("campaigns/:ctype/new") view=CampaignNew/>
                    <Route path=path!("campaigns/:ctype/:id") view=CampaignDetail/>
                    <Route path=path!("campaigns/:ctype/:id/edit") view=CampaignEdit/>
                    <Route path=path!("campaigns/:ctype/:id/passes") view=PassList/>
                    <Route path=path!("campaigns/:ctype/:id/passes/new") view=PassNew/>
                    <Route path=path!("campaigns/:ctype/:id/passes/:pid") view=PassDetail/>
                    <Route path=path!("campaigns/:ctype/:id/passes/:pid/edit") view=PassEdit/>
                    <Route path=path!("campaigns/:ctype/:id/redeem") view=RedeemScreen/>
                    <Route path=path!("campaigns/:ctype/:id/registrations") view=RegistrationsPage/>
                    <Route path=path!("campaigns/:ctype/:id/reports") view=ReportsPage/>
                    <Route path=path!("assets") view=AssetsPage/>
                    <Route path=path!("templates") view=TemplatesPage/>
                    <Route path=path!("templates/new") view=TemplateNew/>
                    <Route path=path!("templates/:id") view=TemplateDetail/>
                    <Route path=path!("certificates") view=CertificatesPage/>
                    <Route path=path!("webhooks") view=WebhooksPage/>
                    <Route path=path!("organizations") view=OrganizationsPage/>
                    <Route path=path!("account") view=AccountPage/>
                </ProtectedParentRoute>
            </Routes>
        </Router>
    }
}
