//! The generic table keeps sort, filters and page in the URL, and back restores the view.
#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use passworks_console::api::{ApiResult, PageInfo};
use passworks_console::components::DataTable;
use passworks_console::table_state::{Column, FilterKind};
use passworks_wire::query::ListQuery;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[derive(Clone)]
struct Row {
    id: String,
    name: String,
}

async fn fake_fetch(q: ListQuery) -> ApiResult<(Vec<Row>, PageInfo)> {
    let start = (q.page - 1) * q.per_page;
    let rows = (start..(start + q.per_page).min(60))
        .map(|i| Row {
            id: format!("id{i}"),
            name: format!("row {i}"),
        })
        .collect();
    Ok((
        rows,
        PageInfo {
            total: 60,
            total_pages: 60u32.div_ceil(q.per_page),
            page: q.page,
            per_page: q.per_page,
            next_page: (q.page * q.per_page < 60).then_some(q.page + 1),
            prev_page: (q.page > 1).then(|| q.page - 1),
            offset: 0,
        },
    ))
}

fn table_view() -> impl IntoView {
    let selected = RwSignal::new(Vec::<String>::new());
    view! {
        <Router>
            <Routes fallback=|| "not found">
                <Route path=path!("/*any") view=move || view! {
                    <DataTable
                        caption="Rows"
                        columns=vec![Column::new("name", "Name").filter(FilterKind::Contains), Column::new("id", "Id").unsorted()]
                        fetch=fake_fetch
                        row=|r: &Row| { let n = r.name.clone(); view! { <td><a href="#">{n}</a></td><td>{r.id.clone()}</td> }.into_any() }
                        row_id=|r: &Row| r.id.clone()
                        empty="none"
                        selected=selected
                        bulk=std::sync::Arc::new(|| view! { <button class="bulk-delete">"Delete"</button> }.into_any())
                    />
                }/>
            </Routes>
        </Router>
    }
}

#[wasm_bindgen_test]
async fn sort_filter_page_and_back_round_trip_through_the_url() {
    let root = mount(table_view);
    until(|| count(&root, "tbody tr") == 25).await;
    assert_eq!(count(&root, "tbody tr"), 25);
    assert_eq!(
        q(&root, "th[aria-sort]")
            .get_attribute("aria-sort")
            .unwrap(),
        "none"
    );

    q(&root, "th button.sort").click();
    until(|| {
        search().contains("q%5Bs%5D=name+asc")
            && q(&root, "th[aria-sort]")
                .get_attribute("aria-sort")
                .as_deref()
                == Some("ascending")
    })
    .await;
    assert!(search().contains("q%5Bs%5D=name+asc"), "{}", search());
    assert_eq!(
        q(&root, "th[aria-sort]")
            .get_attribute("aria-sort")
            .unwrap(),
        "ascending"
    );

    q(&root, "th button.sort").click();
    until(|| search().contains("q%5Bs%5D=name+desc")).await;
    assert!(search().contains("q%5Bs%5D=name+desc"));

    type_into(&q(&root, "tr.filters input"), "row 3");
    until(|| search().contains("q%5Bname_cont%5D=row%203")).await;
    assert!(
        search().contains("q%5Bname_cont%5D=row%203"),
        "{}",
        search()
    );

    let next = texts(&root, ".pager button")
        .iter()
        .position(|t| t.contains("Next"))
        .unwrap();
    let buttons = root.query_selector_all(".pager button").unwrap();
    wasm_bindgen::JsCast::unchecked_ref::<web_sys::HtmlElement>(
        &buttons.item(next as u32).unwrap(),
    )
    .click();
    until(|| {
        search().contains("page=2")
            && texts(&root, "tbody tr td:nth-child(2)")
                .first()
                .is_some_and(|t| t == "row 25")
    })
    .await;
    assert!(search().contains("page=2"), "{}", search());
    assert_eq!(texts(&root, "tbody tr td:nth-child(2)")[0], "row 25");

    web_sys::window()
        .unwrap()
        .history()
        .unwrap()
        .back()
        .unwrap();
    until(|| {
        !search().contains("page=2")
            && texts(&root, "tbody tr td:nth-child(2)")
                .first()
                .is_some_and(|t| t == "row 0")
    })
    .await;
    assert!(!search().contains("page=2"), "{}", search());
    assert!(
        search().contains("q%5Bname_cont%5D"),
        "filter survives back: {}",
        search()
    );
    assert_eq!(texts(&root, "tbody tr td:nth-child(2)")[0], "row 0");
    assert_eq!(
        wasm_bindgen::JsCast::unchecked_ref::<web_sys::HtmlInputElement>(&q(
            &root,
            "tr.filters input"
        ))
        .value(),
        "row 3"
    );
}

#[wasm_bindgen_test]
async fn selecting_rows_shows_bulk_actions() {
    let root = mount(table_view);
    tick(50).await;
    assert!(q_opt(&root, ".bulk-bar").is_none());
    q(&root, "thead input[type=checkbox]").click();
    until(|| q_opt(&root, ".bulk-bar").is_some()).await;
    assert!(q(&root, ".bulk-bar")
        .text_content()
        .unwrap()
        .contains(&format!("{} selected", count(&root, "tbody tr"))));
    assert!(q_opt(&root, ".bulk-bar .bulk-delete").is_some());
    q(&root, "thead input[type=checkbox]").click();
    until(|| q_opt(&root, ".bulk-bar").is_none()).await;
    assert!(q_opt(&root, ".bulk-bar").is_none());
}
