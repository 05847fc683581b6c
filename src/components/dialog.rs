//! Modal dialogs on the native `<dialog>` element: `showModal()` makes the rest of the
//! page inert (a real focus trap), Escape cancels, focus returns to the opener.

use leptos::html;
use leptos::prelude::*;

/// A modal dialog shown while `open` is true.
#[component]
pub fn Modal(
    open: RwSignal<bool>,
    #[prop(into)] title: String,
    children: ChildrenFn,
) -> impl IntoView {
    let node = NodeRef::<html::Dialog>::new();
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    Effect::new(move |_| {
        let is_open = open.get();
        if let Some(d) = node.get() {
            if is_open && !d.open() {
                let active = document()
                    .active_element()
                    .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok());
                opener.set_value(active);
                let _ = d.show_modal();
            } else if !is_open && d.open() {
                d.close();
            }
        }
    });
    let title_id = format!(
        "dlg-{}",
        title
            .to_lowercase()
            .replace(|c: char| !c.is_alphanumeric(), "-")
    );
    let title_id2 = title_id.clone();
    view! {
        <dialog
            node_ref=node
            class="modal"
            aria-labelledby=title_id2
            on:close=move |_| {
                open.set(false);
                if let Some(el) = opener.get_value() {
                    let _ = el.focus();
                }
            }
        >
            <h2 id=title_id>{title}</h2>
            {move || open.get().then(|| children())}
        </dialog>
    }
}

/// A yes/no confirmation for destructive actions.
#[component]
pub fn Confirm(
    open: RwSignal<bool>,
    #[prop(into)] title: String,
    #[prop(into)] message: Signal<String>,
    #[prop(into)] confirm_label: String,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let confirm_label = StoredValue::new(confirm_label);
    view! {
        <Modal open=open title=title>
            <p>{move || message.get()}</p>
            <div class="actions">
                <button type="button" class="btn" autofocus on:click=move |_| open.set(false)>
                    "Cancel"
                </button>
                <button
                    type="button"
                    class="btn danger"
                    on:click=move |_| {
                        open.set(false);
                        on_confirm.run(());
                    }
                >
                    {confirm_label.get_value()}
                </button>
            </div>
        </Modal>
    }
}
