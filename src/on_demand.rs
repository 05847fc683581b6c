//! Pages loaded on demand.
//!
//! The console's first load carries only the frame, the sign-in page, the home page and
//! the campaigns table. Every other page is a [`LazyRoute`] whose code lives in a
//! WebAssembly chunk of its group, fetched the first time a page of the group is opened:
//! `wasm_split` marks the split points, and the build (`cargo xtask split-console`, run
//! by trunk's post-build hook) cuts the wasm at those points and writes the loader the
//! chunks need. Code that several groups share goes into shared chunks, loaded once.
//!
//! Unit tests (`cfg(test)`) compile the pages in, unsplit: wasm-bindgen's test runner
//! knows nothing of the chunks.

use leptos::prelude::*;
use leptos_router::LazyRoute;

/// One on-demand route per page: `Route => Page in group (module)`. Pages of one group
/// share one wasm chunk (`split_<group>_<n>-<hash>.wasm` in the build), fetched
/// together: a group is pages people use together, so that opening a page rarely
/// waits for more than one download. Code that groups share is cut into shared chunks.
macro_rules! on_demand_pages {
    ($($route:ident => $page:ident in $group:ident ($chunk:ident),)*) => {$(
        pub struct $route;

        mod $chunk {
            use leptos::prelude::*;

            /// Builds the page. In the split build a call first loads the page's chunk;
            /// a failed download is an `Err`, not a panic, and a later call retries.
            // Named after the page: wasm-split tells split points apart by name.
            #[cfg_attr(
                not(test),
                leptos::wasm_split::wasm_split($group, wasm_split_path = ::leptos::wasm_split, fallible)
            )]
            pub fn $chunk() -> Result<AnyView, leptos::wasm_split::SplitLoaderError> {
                Ok(view! { <crate::pages::$page/> }.into_any())
            }
        }

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_: Self) -> AnyView {
                #[cfg(not(test))]
                let page = $chunk::$chunk().await;
                #[cfg(test)]
                let page = $chunk::$chunk();
                page.unwrap_or_else(|error| view! { <PageLoadFailed error/> }.into_any())
            }
        }
    )*};
}

/// Shown instead of a page whose code could not be downloaded (offline, or the console
/// was updated on the server since this tab loaded it): says so and offers a reload.
#[component]
fn PageLoadFailed(error: leptos::wasm_split::SplitLoaderError) -> impl IntoView {
    leptos::logging::warn!("could not load the page's code: {error:?}");
    let reload = |_| {
        let _ = window().location().reload();
    };
    view! {
        <h1>"This page could not be loaded"</h1>
        <div class="banner error" role="alert">
            "The console could not download this page's code. Check your connection, then "
            "reload. If the console was updated meanwhile, reloading picks up the new version."
        </div>
        <button type="button" class="btn primary" on:click=reload>"Reload the page"</button>
    }
}

on_demand_pages! {
    CampaignNewRoute => CampaignNew in campaigns (campaign_new),
    CampaignDetailRoute => CampaignDetail in campaigns (campaign_detail),
    CampaignEditRoute => CampaignEdit in campaigns (campaign_edit),
    PassListRoute => PassList in passes (pass_list),
    PassNewRoute => PassNew in passes (pass_new),
    PassDetailRoute => PassDetail in passes (pass_detail),
    PassEditRoute => PassEdit in passes (pass_edit),
    RedeemScreenRoute => RedeemScreen in passes (redeem_screen),
    RegistrationsRoute => RegistrationsPage in insights (registrations),
    ReportsRoute => ReportsPage in insights (reports),
    AssetsRoute => AssetsPage in library (assets),
    TemplatesRoute => TemplatesPage in library (templates),
    TemplateNewRoute => TemplateNew in library (template_new),
    TemplateDetailRoute => TemplateDetail in library (template_detail),
    CertificatesRoute => CertificatesPage in admin (certificates),
    WebhooksRoute => WebhooksPage in admin (webhooks),
    OrganizationsRoute => OrganizationsPage in admin (organizations),
    AccountRoute => AccountPage in admin (account),
}
