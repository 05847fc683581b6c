//! Helpers shared by the browser tests.
#![allow(dead_code)]

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// A view mounted by [`mount`]: its `<div>` (what the helpers below query), unmounted and
/// removed when dropped, so no test's components, router or pending work outlive it into
/// the next test on the same page.
pub struct Mounted {
    root: web_sys::HtmlElement,
    handle: Option<Box<dyn std::any::Any>>,
}

impl std::ops::Deref for Mounted {
    type Target = web_sys::HtmlElement;

    fn deref(&self) -> &web_sys::HtmlElement {
        &self.root
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        drop(self.handle.take());
        self.root.remove();
    }
}

/// Mounts a view into a fresh `<div>`; it stays mounted while the returned value lives.
pub fn mount<F, N>(f: F) -> Mounted
where
    F: FnOnce() -> N + 'static,
    N: IntoView + 'static,
{
    let doc = document();
    let div: web_sys::HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&div).unwrap();
    let handle = leptos::mount::mount_to(div.clone(), f);
    Mounted {
        root: div,
        handle: Some(Box::new(handle)),
    }
}

/// Lets the reactive system, the router and pending futures run.
pub async fn tick(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

/// Lets the page run until `ready` holds, for at most five seconds. The assertions that
/// follow say what is wrong when it never does. A fixed pause is too short on a loaded
/// machine: the form's preview, for one, waits for requests the test cannot answer.
pub async fn until(ready: impl Fn() -> bool) {
    for _ in 0..500 {
        if ready() {
            return;
        }
        tick(10).await;
    }
}

pub fn q(root: &web_sys::HtmlElement, sel: &str) -> web_sys::HtmlElement {
    root.query_selector(sel)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {sel}"))
        .unchecked_into()
}

pub fn q_opt(root: &web_sys::HtmlElement, sel: &str) -> Option<web_sys::HtmlElement> {
    root.query_selector(sel)
        .unwrap()
        .map(|e| e.unchecked_into())
}

pub fn count(root: &web_sys::HtmlElement, sel: &str) -> u32 {
    root.query_selector_all(sel).unwrap().length()
}

pub fn texts(root: &web_sys::HtmlElement, sel: &str) -> Vec<String> {
    let list = root.query_selector_all(sel).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.text_content().unwrap_or_default())
        .collect()
}

/// Sets an input's value and fires `input` and `change`.
pub fn type_into(el: &web_sys::HtmlElement, value: &str) {
    let input: web_sys::HtmlInputElement = el.clone().unchecked_into();
    input.set_value(value);
    for kind in ["input", "change"] {
        let ev = web_sys::Event::new_with_event_init_dict(kind, &{
            let init = web_sys::EventInit::new();
            init.set_bubbles(true);
            init
        })
        .unwrap();
        input.dispatch_event(&ev).unwrap();
    }
}

pub fn search() -> String {
    web_sys::window().unwrap().location().search().unwrap()
}
