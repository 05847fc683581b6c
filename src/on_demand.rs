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
                leptos::wasm_split::wasm_split(
                    $group,
                    wasm_split_path = ::leptos::wasm_split,
                    fallible,
                    preload(preload)
                )
            )]
            pub fn $chunk() -> Result<AnyView, leptos::wasm_split::SplitLoaderError> {
                // Its own request scope: leaving the page aborts its requests.
                Ok(crate::api::page(|| view! { <crate::pages::$page/> }.into_any()))
            }

            /// Unsplit (tests), there is nothing to fetch.
            #[cfg(test)]
            pub async fn preload() -> Result<(), leptos::wasm_split::SplitLoaderError> {
                Ok(())
            }
        }

        impl LazyRoute for $route {
            // (The router's `preload` runs only once navigation has begun, when `view`
            // fetches the chunk anyway; hovering a link fetches it earlier: `prefetch`.)
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
    )*

        /// Fetches the chunk of a page group, unless it is loaded already.
        async fn preload_group(group: &str) -> Result<(), leptos::wasm_split::SplitLoaderError> {
            $(
                if group == stringify!($group) {
                    return $chunk::preload().await;
                }
            )*
            Ok(())
        }

        /// Each on-demand route with its group, for the tests.
        #[cfg(test)]
        const ROUTE_GROUPS: &[(&str, &str)] = &[$((stringify!($route), stringify!($group))),*];
    };
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
    GoogleWalletRoute => GoogleWalletPage in admin (google_wallet),
    WebhooksRoute => WebhooksPage in admin (webhooks),
    OrganizationsRoute => OrganizationsPage in admin (organizations),
    AccountRoute => AccountPage in admin (account),
    PeopleRoute => PeoplePage in admin (people),
    SecurityRoute => SecurityPage in admin (security),
    AuditRoute => AuditPage in admin (audit),
}

/// The page group whose code a console path (below the router's base, without query)
/// needs, or `None` for the pages of the first load. Mirrors the route table in
/// `lib.rs`; a test keeps the two in step.
pub fn group_for(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["campaigns", _, "new"] | ["campaigns", _, _] | ["campaigns", _, _, "edit"] => {
            Some("campaigns")
        }
        ["campaigns", _, _, "passes", ..] | ["campaigns", _, _, "redeem"] => Some("passes"),
        ["campaigns", _, _, "registrations" | "reports"] => Some("insights"),
        ["assets"] | ["templates", ..] => Some("library"),
        ["certificates" | "google-wallet" | "webhooks" | "organizations" | "account"] => {
            Some("admin")
        }
        ["people" | "security" | "audit"] => Some("admin"),
        _ => None,
    }
}

thread_local! {
    /// Groups whose code has been asked for (and not failed).
    static REQUESTED: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Starts fetching the code of the page at `path` (below the router's base) in the
/// background, once per group, so that following a link a moment later finds it loaded.
/// A failed fetch is forgotten: the next hover, or the navigation itself, tries again.
pub fn prefetch(path: &str) {
    let Some(group) = group_for(path) else {
        return;
    };
    let first = REQUESTED.with(|r| {
        let mut r = r.borrow_mut();
        let first = !r.contains(&group);
        if first {
            r.push(group);
        }
        first
    });
    if first {
        leptos::task::spawn_local(async move {
            if preload_group(group).await.is_err() {
                REQUESTED.with(|r| r.borrow_mut().retain(|g| *g != group));
            }
        });
    }
}

/// For pointer and focus events anywhere in the document: when the event's target is
/// inside a link to a console page loaded on demand, prefetch that page's code.
pub fn prefetch_link_at(target: Option<web_sys::EventTarget>) {
    use wasm_bindgen::JsCast;
    let Some(anchor) = target
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest("a[href]").ok().flatten())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    else {
        return;
    };
    let here = window().location().origin().unwrap_or_default();
    if anchor.origin() == here {
        prefetch(&crate::below_router_base(&anchor.pathname()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every route in `lib.rs`: lazy ones map to their group, the others to none.
    #[test]
    fn group_for_agrees_with_the_route_table() {
        let mut lazy = 0;
        for (route, line) in crate::tests::route_table() {
            let path: String = route
                .split('/')
                .map(|s| if s.starts_with(':') { "x1" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let expected = line.split("Lazy::<").nth(1).map(|rest| {
                let name = rest.split('>').next().unwrap();
                ROUTE_GROUPS
                    .iter()
                    .find(|(route, _)| *route == name)
                    .unwrap_or_else(|| panic!("{name} is not in on_demand_pages!"))
                    .1
            });
            lazy += usize::from(expected.is_some());
            assert_eq!(group_for(&path), expected, "route {route}");
        }
        assert_eq!(lazy, ROUTE_GROUPS.len());
        assert_eq!(group_for("/campaigns/coupons"), None);
        assert_eq!(group_for("/"), None);
    }
}
