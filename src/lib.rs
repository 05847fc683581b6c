//! The Passworks console: a Leptos client-side app over the Passworks REST API v2.
//!
//! `main.rs` only calls [`start`]. Pure logic (list URL state, form drafts and
//! validation, the pass preview layout, dates) lives in plain modules so it is tested
//! natively; the `components` and `pages` modules render it.

pub mod api;
pub mod components;
pub mod draft;
pub mod embed;
pub mod google_live;
mod on_demand;
pub mod pages;
pub mod preview;
pub mod session;
pub mod table_state;
pub mod theme;
pub mod util;

use leptos::prelude::*;
use leptos_router::components::{ProtectedParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy};
use passworks_wire::ConsoleConfig;

use crate::on_demand::*;
use crate::pages::*;
use crate::session::Session;

/// The first path segments of the console's routes. `index.html` finds the console's
/// mount point by looking for the first of them in the address (keep its list equal).
pub const ROUTE_ROOTS: &[&str] = &[
    "sign-in",
    "campaigns",
    "assets",
    "templates",
    "certificates",
    "google-wallet",
    "webhooks",
    "organizations",
    "account",
    "invitation",
    "people",
    "security",
    "audit",
];

/// Loads `config.json` (beside `index.html`), then mounts the app.
pub fn start() {
    console_error_panic_hook::set_once();
    // A token in the address leaves the address bar and the history before anything
    // else runs (issue 18).
    embed::take_fragment_token();
    wasm_bindgen_futures::spawn_local(async {
        // A console link opened in a new tab keeps the session of the tab it came from.
        session::borrow_from_other_tabs(250).await;
        let mut config = load_config().await;
        if config.base_path.trim_matches('/').is_empty() {
            config.base_path = mount_point();
        }
        api::set_base(&config.api_base);
        embed::configure(&config);
        leptos::mount::mount_to_body(move || view! { <App config=config.clone()/> });
    });
}

thread_local! {
    static ROUTER_BASE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// The `href` of a console page for `<A>`: `path` (from the console's root, e.g.
/// `/assets`) under the router's base. Leptos's `<A>` leaves absolute paths alone, while
/// `use_navigate` adds the base itself: so pass `link(..)` to `<A>`, plain paths to
/// `navigate`.
pub fn link(path: impl AsRef<str>) -> String {
    let path = path.as_ref();
    ROUTER_BASE.with(|b| {
        let b = b.borrow();
        if b.is_empty() {
            path.to_string()
        } else if path == "/" {
            format!("{b}/")
        } else {
            format!("{b}{path}")
        }
    })
}

thread_local! {
    static RETURN_TO: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Remembers the page the browser is on (below the router's base) so that signing in
/// returns there: a shared deep link, or the page whose request found the key revoked.
fn remember_return_to() {
    let Some(loc) = web_sys::window().map(|w| w.location()) else {
        return;
    };
    let path = loc.pathname().unwrap_or_default();
    let search = loc.search().unwrap_or_default();
    if let Some(target) = return_target(&below_router_base(&path), &search) {
        RETURN_TO.with(|r| *r.borrow_mut() = Some(target));
    }
}

/// A path of this document's origin as the router sees it: without the router's base.
pub fn below_router_base(path: &str) -> String {
    let base = ROUTER_BASE.with(|b| b.borrow().clone());
    path.strip_prefix(&base).unwrap_or(path).to_string()
}

/// The page to return to after signing in, from a path below the router's base.
pub fn return_target(path: &str, search: &str) -> Option<String> {
    let path = if path.is_empty() { "/" } else { path };
    (path != "/" && !path.starts_with("/sign-in") && !path.starts_with("/invitation"))
        .then(|| format!("{path}{search}"))
}

/// Where to go after signing in (once): the remembered page, else the start page.
pub fn take_return_to() -> String {
    RETURN_TO
        .with(|r| r.borrow_mut().take())
        .unwrap_or_else(|| "/".to_string())
}

/// Where the console is mounted, as `index.html`'s start-up script set `<base>`: the path
/// of the document's base URL without its trailing slash (`""` at the root).
fn mount_point() -> String {
    let base = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_default();
    base_path_of(&base)
}

/// The path of an absolute URL without its trailing slash: the router's base.
pub fn base_path_of(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("", |i| &after_scheme[i..]);
    let path = path.split(['?', '#']).next().unwrap_or("");
    path.trim_end_matches('/').to_string()
}

async fn load_config() -> ConsoleConfig {
    match gloo_net::http::Request::get("config.json").send().await {
        Ok(r) if r.ok() => r.json().await.unwrap_or_default(),
        _ => ConsoleConfig::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_carry_the_router_base() {
        assert_eq!(link("/assets"), "/assets");
        ROUTER_BASE.with(|b| *b.borrow_mut() = "/portal/passes".into());
        assert_eq!(link("/assets"), "/portal/passes/assets");
        assert_eq!(link("/"), "/portal/passes/");
        ROUTER_BASE.with(|b| b.borrow_mut().clear());
    }

    /// `<A>` does not add the router's base to absolute paths: every console link must
    /// go through [`link`], or it leaves a console mounted under a path.
    #[test]
    fn every_console_link_goes_through_link() {
        fn visit(dir: &std::path::Path, bad: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    visit(&path, bad);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (n, line) in text.lines().enumerate() {
                        let needle = ["<A", " href="].concat();
                        for (i, _) in line.match_indices(&needle) {
                            if !line[i + needle.len()..].starts_with("crate::link(") {
                                bad.push(format!("{}:{}", path.display(), n + 1));
                            }
                        }
                    }
                }
            }
        }
        let mut bad = Vec::new();
        visit(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut bad,
        );
        assert!(bad.is_empty(), "links without crate::link: {bad:?}");
    }

    #[test]
    fn sign_in_returns_to_the_requested_page() {
        assert_eq!(
            return_target("/campaigns/coupons", "?page=2").as_deref(),
            Some("/campaigns/coupons?page=2")
        );
        assert_eq!(return_target("/", ""), None);
        assert_eq!(return_target("", ""), None);
        assert_eq!(return_target("/sign-in", ""), None);
    }

    #[test]
    fn base_path_of_urls() {
        assert_eq!(base_path_of("http://127.0.0.1:8080/"), "");
        assert_eq!(
            base_path_of("https://portal.example.com/portal/passes/"),
            "/portal/passes"
        );
        assert_eq!(base_path_of("http://h/a/b?x=1#y"), "/a/b");
        assert_eq!(base_path_of("http://h"), "");
    }

    /// The route table as written in `App` below: each route's path (from its `path!`
    /// macro) with its source line, which names the view. Tests check other lists of routes against it.
    pub(crate) fn route_table() -> Vec<(&'static str, &'static str)> {
        include_str!("lib.rs")
            .lines()
            .filter(|l| l.contains("path=path!(\""))
            .map(|line| {
                let route = line.split("path!(\"").nth(1).unwrap();
                (route.split('"').next().unwrap(), line)
            })
            .collect()
    }

    /// Every route's view gets its own request scope (so leaving it aborts its
    /// requests): the views written here go through `api::page`, the pages loaded on
    /// demand through the `on_demand_pages!` macro, which does the same.
    #[test]
    fn every_route_aborts_its_requests_when_left() {
        let table = route_table();
        assert!(table.len() >= 20, "{table:?}");
        for (route, line) in table {
            if !line.contains("view=") {
                // The protected parent route names its view on its own line (below).
                continue;
            }
            assert!(
                line.contains("view=|| api::page(") || line.contains("Lazy::<"),
                "route {route} is not built through api::page: {line}"
            );
        }
        let protected = include_str!("lib.rs")
            .lines()
            .find(|l| l.trim_start().starts_with("view=") && !l.contains("path="))
            .expect("the protected parent route's view");
        assert!(protected.contains("api::page(Frame)"), "{protected}");
        assert!(include_str!("on_demand.rs")
            .contains("crate::api::page(|| view! { <crate::pages::$page/> }"));
    }

    /// Pages and widgets start their background work with `api::spawn`, which ties it
    /// to the page; a bare `spawn_local` would outlive the page and miss its scope.
    #[test]
    fn pages_spawn_their_work_in_the_page_scope() {
        let mut bad = Vec::new();
        for dir in ["src/pages", "src/components"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let text = std::fs::read_to_string(entry.path()).unwrap();
                for (n, line) in text.lines().enumerate() {
                    if line.contains("spawn_local") {
                        bad.push(format!("{}:{}", entry.path().display(), n + 1));
                    }
                }
            }
        }
        assert!(bad.is_empty(), "use api::spawn instead: {bad:?}");
    }

    /// index.html's start-up script must know every route's first segment, or a deep
    /// link to that route would load the console's files from the wrong place.
    #[test]
    fn index_html_knows_every_route_root() {
        let html = include_str!("../index.html");
        let line = html
            .lines()
            .find(|l| l.contains("var ROUTES = ["))
            .expect("ROUTES in index.html");
        let inner = &line[line.find('[').unwrap() + 1..line.rfind(']').unwrap()];
        let listed: Vec<&str> = inner
            .split(',')
            .map(|s| s.trim().trim_matches('"'))
            .collect();
        assert_eq!(listed, ROUTE_ROOTS);
        for (route, _) in route_table() {
            let root = route.split('/').next().unwrap();
            assert!(
                root.is_empty() || ROUTE_ROOTS.contains(&root),
                "route {route} starts with {root}, which ROUTE_ROOTS lacks"
            );
        }
    }
}

/// True while the router prepares the next page (context for the frame, which settles
/// the focus and the title once the new page is there).
#[derive(Clone, Copy)]
pub struct Routing(pub ReadSignal<bool>);

/// The whole app: session context, router and routes.
#[component]
pub fn App(config: ConsoleConfig) -> impl IntoView {
    let base = config.base_path.trim_end_matches('/').to_string();
    ROUTER_BASE.with(|b| *b.borrow_mut() = base.clone());
    let session = Session::new(config);
    provide_context(session);
    theme::init();
    if session.creds.get_untracked().is_none() {
        remember_return_to();
    }
    api::set_on_unauthorized(move || {
        remember_return_to();
        if embed::embedded() {
            // Embedded: the host gives the next session (it is told so, once), not a form.
            if session.creds.get_untracked().is_some() {
                session.sign_out();
                embed::session_expired();
            }
        } else {
            session.expire();
        }
    });
    embed::start(session);
    let signed_in = move || Some(session.creds.get().is_some());
    // True while the router prepares the next page, which for a page loaded on demand
    // includes downloading its code: a thin bar at the top says so (after a short
    // delay, in CSS, so quick navigations do not flash it).
    let (routing, set_routing) = signal(false);
    provide_context(Routing(routing));
    // Pointing at or tabbing to a link starts fetching the page's code.
    let hover = window_event_listener(leptos::ev::pointerover, |ev| {
        on_demand::prefetch_link_at(ev.target())
    });
    let focus = window_event_listener(leptos::ev::focusin, |ev| {
        on_demand::prefetch_link_at(ev.target())
    });
    on_cleanup(move || {
        hover.remove();
        focus.remove();
    });
    view! {
        <Show when=move || routing.get()>
            <div class="route-progress" role="progressbar" aria-label="Loading the page"></div>
        </Show>
        <Router base=base set_is_routing=set_routing>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/sign-in") view=|| api::page(embed::SignInOrWait)/>
                <Route path=path!("/invitation") view=|| api::page(InvitationPage)/>
                <ProtectedParentRoute
                    path=path!("")
                    view=|| api::page(Frame)
                    condition=signed_in
                    redirect_path=|| "/sign-in"
                >
                    <Route path=path!("") view=|| api::page(Home)/>
                    <Route path=path!("campaigns/:ctype") view=|| api::page(CampaignList)/>
                    <Route path=path!("campaigns/:ctype/new") view={Lazy::<CampaignNewRoute>::new()}/>
                    <Route path=path!("campaigns/:ctype/:id") view={Lazy::<CampaignDetailRoute>::new()}/>
                    <Route path=path!("campaigns/:ctype/:id/edit") view={Lazy::<CampaignEditRoute>::new()}/>
                    <Route path=path!("campaigns/:ctype/:id/passes") view={Lazy::<PassListRoute>::new()}/>
                    <Route path=path!("campaigns/:ctype/:id/passes/new") view={Lazy::<PassNewRoute>::new()}/>
                    <Route path=path!("campaigns/:ctype/:id/passes/:pid") view={Lazy::<PassDetailRoute>::new()}/>
                    <Route path=path!("campaigns/:ctype/:id/passes/:pid/edit") view={Lazy::<PassEditRoute>::new()}/>
                    <Route path=path!("campaigns/:ctype/:id/redeem") view={Lazy::<RedeemScreenRoute>::new()}/>
                    <Route path=path!("campaigns/:ctype/:id/registrations") view={Lazy::<RegistrationsRoute>::new()}/>
                    <Route path=path!("campaigns/:ctype/:id/reports") view={Lazy::<ReportsRoute>::new()}/>
                    <Route path=path!("assets") view={Lazy::<AssetsRoute>::new()}/>
                    <Route path=path!("templates") view={Lazy::<TemplatesRoute>::new()}/>
                    <Route path=path!("templates/new") view={Lazy::<TemplateNewRoute>::new()}/>
                    <Route path=path!("templates/:id") view={Lazy::<TemplateDetailRoute>::new()}/>
                    <Route path=path!("certificates") view={Lazy::<CertificatesRoute>::new()}/>
                    <Route path=path!("google-wallet") view={Lazy::<GoogleWalletRoute>::new()}/>
                    <Route path=path!("webhooks") view={Lazy::<WebhooksRoute>::new()}/>
                    <Route path=path!("organizations") view={Lazy::<OrganizationsRoute>::new()}/>
                    <Route path=path!("account") view={Lazy::<AccountRoute>::new()}/>
                    <Route path=path!("people") view={Lazy::<PeopleRoute>::new()}/>
                    <Route path=path!("security") view={Lazy::<SecurityRoute>::new()}/>
                    <Route path=path!("audit") view={Lazy::<AuditRoute>::new()}/>
                </ProtectedParentRoute>
            </Routes>
        </Router>
    }
}
