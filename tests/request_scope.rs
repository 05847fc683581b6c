//! A page's requests and background tasks end with the page (`api::page`, `api::spawn`).
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::Cell;

use common::*;
use leptos::prelude::*;
use passworks_console::api::{self, RequestScope};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

thread_local! {
    static LEFT_PAGE_TASK_FINISHED: Cell<bool> = const { Cell::new(false) };
    static LIVE_PAGE_TASK_FINISHED: Cell<bool> = const { Cell::new(false) };
    static TASK_SAW_ITS_PAGE: Cell<bool> = const { Cell::new(false) };
}

#[wasm_bindgen_test]
async fn leaving_a_page_aborts_its_signal_and_drops_its_tasks() {
    // Mounting starts Leptos's executor, which `api::spawn` runs on.
    let _mounted = mount(|| ());
    // Two routes' owners, as the router makes them.
    let left = Owner::new();
    let live = Owner::new();
    let left_scope = left.with(|| {
        api::page(|| {
            api::spawn(async {
                tick(100).await;
                LEFT_PAGE_TASK_FINISHED.set(true);
            });
            RequestScope::current().expect("a page has a request scope")
        })
    });
    let live_scope = live.with(|| {
        api::page(|| {
            // Work started deeper down (an event handler's owner) belongs to the page.
            let nested = Owner::new();
            nested.with(|| {
                api::spawn(async {
                    tick(100).await;
                    let scope = RequestScope::current();
                    TASK_SAW_ITS_PAGE.set(scope.is_some_and(|s| !s.is_aborted()));
                    LIVE_PAGE_TASK_FINISHED.set(true);
                })
            });
            RequestScope::current().expect("a page has a request scope")
        })
    });
    let signal = left_scope.signal().expect("an abort signal");
    assert!(!signal.aborted());

    // The router cleans up the owner of a route it leaves.
    left.cleanup();
    assert!(signal.aborted(), "the left page's requests are aborted");
    assert!(left_scope.is_aborted());
    assert!(!live_scope.is_aborted(), "another page's requests go on");

    // Both tasks' timers are due after 100 ms; the live one's finishing shows they ran.
    until(|| LIVE_PAGE_TASK_FINISHED.get()).await;
    tick(100).await;
    assert!(
        !LEFT_PAGE_TASK_FINISHED.get(),
        "the left page's task went on after the page was left"
    );
    assert!(LIVE_PAGE_TASK_FINISHED.get(), "the live page's task ran");
    assert!(TASK_SAW_ITS_PAGE.get(), "the task ran in its page's scope");
    drop(live);
}
