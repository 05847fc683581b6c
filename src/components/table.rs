//! The generic resource table: sortable headers, filters and pagination kept in the URL
//! query (so reload, back and forward restore the view), rows with real links, and bulk
//! selection. The state transitions are the pure functions of [`crate::table_state`].

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;
use passworks_wire::query::{ListQuery, Predicate};

use crate::api::{self, ApiResult, PageInfo};
use crate::components::{Empty, Loading};
use crate::table_state::{self as ts, Column, FilterKind};

/// The list state of the current URL, and a setter that pushes a history entry.
pub fn use_list_query() -> (Memo<ListQuery>, impl Fn(ListQuery) + Clone + 'static) {
    let loc = use_location();
    let query = Memo::new(move |_| ts::from_search(&loc.search.get()));
    let navigate = use_navigate();
    let path = loc.pathname;
    let search = loc.search;
    let set = move |q: ListQuery| {
        // A search text (`q[search]`, outside the list query language) stays.
        let text = ts::search_text(&search.get_untracked());
        navigate(
            &format!("{}{}", path.get_untracked(), ts::to_search_with(&q, &text)),
            // The pathname already carries the router base: do not resolve it again.
            NavigateOptions {
                scroll: false,
                resolve: false,
                ..Default::default()
            },
        );
    };
    (query, set)
}

/// One row of a table with its type erased, so the table's rendering code exists once.
pub trait TableRow: Send + Sync {
    fn id(&self) -> String;
    fn cells(&self) -> AnyView;
}

struct Erased<T, R> {
    item: T,
    row: R,
    row_id: fn(&T) -> String,
}

impl<T: Send + Sync, R: Fn(&T) -> AnyView + Send + Sync> TableRow for Erased<T, R> {
    fn id(&self) -> String {
        (self.row_id)(&self.item)
    }
    fn cells(&self) -> AnyView {
        (self.row)(&self.item)
    }
}

type Rows = ApiResult<(Vec<Arc<dyn TableRow>>, PageInfo)>;

/// The CSV text of a whole list, on its way.
pub type CsvFuture = Pin<Box<dyn Future<Output = ApiResult<String>>>>;

/// A table's CSV export: the file name and the call that fetches the whole list, with
/// the table's current filters and sort, as CSV.
#[derive(Clone)]
pub struct CsvExport {
    pub file_name: String,
    pub fetch: Rc<dyn Fn(ListQuery) -> CsvFuture>,
}

impl CsvExport {
    pub fn new<F, Fut>(file_name: impl Into<String>, fetch: F) -> Self
    where
        F: Fn(ListQuery) -> Fut + 'static,
        Fut: Future<Output = ApiResult<String>> + 'static,
    {
        CsvExport {
            file_name: file_name.into(),
            fetch: Rc::new(move |q| Box::pin(fetch(q))),
        }
    }
}
type ErasedFetch = Rc<dyn Fn(ListQuery) -> Pin<Box<dyn Future<Output = Rows>>>>;

/// A paginated, sortable, filterable table of `T`.
#[component]
pub fn DataTable<T, F, Fut, R>(
    /// Accessible name of the table.
    #[prop(into)]
    caption: String,
    columns: Vec<Column>,
    /// Loads one page for a list state.
    fetch: F,
    /// Renders the cells of a row (one `<td>` per column; put an `<A>` in the first).
    row: R,
    /// Id of a row (for selection).
    row_id: fn(&T) -> String,
    /// Message when the list is empty (a signal: it may depend on a search).
    #[prop(into)]
    empty: Signal<String>,
    /// Bulk selection, when the page offers bulk actions.
    #[prop(optional)]
    selected: Option<RwSignal<Vec<String>>>,
    /// Bump to reload.
    #[prop(optional)]
    refresh: Option<RwSignal<u32>>,
    /// Bulk action buttons, shown while rows are selected.
    #[prop(optional)]
    bulk: Option<ChildrenFn>,
    /// Offers "Export CSV" of the whole list as filtered.
    #[prop(optional)]
    csv: Option<CsvExport>,
    /// On narrow screens, each row becomes a card of labelled values (and the header a
    /// row of sort buttons) instead of a table to scroll sideways.
    #[prop(optional)]
    cards: bool,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(ListQuery) -> Fut + 'static,
    Fut: Future<Output = ApiResult<(Vec<T>, PageInfo)>> + 'static,
    R: Fn(&T) -> AnyView + Clone + Send + Sync + 'static,
{
    let fetch: ErasedFetch = Rc::new(move |q| {
        let fut = fetch(q);
        let row = row.clone();
        Box::pin(async move {
            fut.await.map(|(items, info)| {
                let rows = items
                    .into_iter()
                    .map(|item| {
                        Arc::new(Erased {
                            item,
                            row: row.clone(),
                            row_id,
                        }) as Arc<dyn TableRow>
                    })
                    .collect();
                (rows, info)
            })
        })
    });
    table_impl(
        caption, columns, fetch, empty, selected, refresh, bulk, csv, cards,
    )
}

/// Writes each body and filter cell's column name into its `data-label` (what the
/// narrow-screen cards show beside a value): `labels` per column, the selection column's
/// blank.
fn label_cells(table: &web_sys::HtmlTableElement, labels: &[&str]) {
    use wasm_bindgen::JsCast;
    let Ok(rows) = table.query_selector_all("tbody > tr, tr.filters") else {
        return;
    };
    for i in 0..rows.length() {
        let Some(row) = rows
            .item(i)
            .and_then(|r| r.dyn_into::<web_sys::Element>().ok())
        else {
            continue;
        };
        let Ok(cells) = row.query_selector_all(":scope > td") else {
            continue;
        };
        for j in 0..cells.length() {
            let cell = cells
                .item(j)
                .and_then(|c| c.dyn_into::<web_sys::Element>().ok());
            if let (Some(cell), Some(label)) = (cell, labels.get(j as usize)) {
                if !label.is_empty() && !cell.has_attribute("colspan") {
                    let _ = cell.set_attribute("data-label", label);
                }
            }
        }
    }
}

// The component's props, passed on one by one after type erasure.
#[allow(clippy::too_many_arguments)]
fn table_impl(
    caption: String,
    columns: Vec<Column>,
    fetch: ErasedFetch,
    empty: Signal<String>,
    selected: Option<RwSignal<Vec<String>>>,
    refresh: Option<RwSignal<u32>>,
    bulk: Option<ChildrenFn>,
    csv: Option<CsvExport>,
    cards: bool,
) -> AnyView {
    let export_state = RwSignal::new(None::<Result<String, String>>);
    let has_csv = csv.is_some();
    let csv = StoredValue::new_local(csv);
    let caption = StoredValue::new(caption);
    let (query, set_query) = use_list_query();
    let refresh = refresh.unwrap_or_else(|| RwSignal::new(0));
    let data = LocalResource::new(move || {
        let q = query.get();
        refresh.track();
        fetch(q)
    });
    let columns = StoredValue::new(columns);
    let has_filters = columns.with_value(|c| c.iter().any(|c| c.filter.is_some()));
    let set_q = set_query.clone();
    let header = move || {
        let set_q = set_q.clone();
        columns.with_value(|cols| {
            cols.iter()
                .map(|c| {
                    let attr = c.attr;
                    let label = c.label;
                    let set_q = set_q.clone();
                    if c.sortable {
                        view! {
                            <th scope="col" aria-sort=move || ts::aria_sort(&query.get(), attr)>
                                <button
                                    type="button"
                                    class="sort"
                                    on:click=move |_| set_q(ts::toggle_sort(&query.get_untracked(), attr))
                                >
                                    {label}
                                    <span class="sort-mark" aria-hidden="true">
                                        {move || match ts::aria_sort(&query.get(), attr) {
                                            "ascending" => "▲",
                                            "descending" => "▼",
                                            _ => "↕",
                                        }}
                                    </span>
                                </button>
                            </th>
                        }
                        .into_any()
                    } else {
                        view! { <th scope="col">{label}</th> }.into_any()
                    }
                })
                .collect_view()
        })
    };
    let set_q = set_query.clone();
    let filters = move || {
        let set_q = set_q.clone();
        columns.with_value(|cols| {
            cols.iter()
                .map(|c| {
                    let set_q = set_q.clone();
                    let attr = c.attr;
                    let aria = format!("Filter by {}", c.label.to_lowercase());
                    match c.filter {
                        None => view! { <td></td> }.into_any(),
                        Some(kind) => {
                            let p = kind.predicate();
                            let current = move || ts::filter_value(&query.get(), attr, p);
                            let on_change = move |ev: leptos::ev::Event| {
                                set_q(ts::set_filter(&query.get_untracked(), attr, p, &event_target_value(&ev)))
                            };
                            let control = match kind {
                                FilterKind::Choice(opts) => view! {
                                    <select aria-label=aria prop:value=current on:change=on_change>
                                        <option value="">"Any"</option>
                                        {opts.iter().map(|o| view! { <option value=*o>{crate::util::humanize(o)}</option> }).collect_view()}
                                    </select>
                                }
                                .into_any(),
                                FilterKind::Bool => view! {
                                    <select aria-label=aria prop:value=current on:change=on_change>
                                        <option value="">"Any"</option>
                                        <option value="true">"Yes"</option>
                                        <option value="false">"No"</option>
                                    </select>
                                }
                                .into_any(),
                                _ => view! {
                                    <input
                                        type="search"
                                        aria-label=aria
                                        placeholder="Filter…"
                                        prop:value=current
                                        on:change=on_change
                                    />
                                }
                                .into_any(),
                            };
                            view! { <td>{control}</td> }.into_any()
                        }
                    }
                })
                .collect_view()
        })
    };
    let ncols = columns.with_value(|c| c.len()) + usize::from(selected.is_some());
    // Each rendered table gets its cells labelled (a new page of rows is a new table).
    let table_ref = NodeRef::<leptos::html::Table>::new();
    let labels: Vec<&'static str> = selected
        .map(|_| "")
        .into_iter()
        .chain(columns.with_value(|c| c.iter().map(|c| c.label).collect::<Vec<_>>()))
        .collect();
    Effect::new(move |_| {
        if let Some(table) = table_ref.get() {
            label_cells(&table, &labels);
        }
    });
    let set_q = set_query.clone();
    let clear_filters = move |_| set_q(ts::clear_filters(&query.get_untracked()));
    let set_q = set_query.clone();
    let body = move || {
        let set_q = set_q.clone();
        let header = header.clone();
        let filters = filters.clone();
        Suspend::new(async move {
            match data.await {
                Err(e) => view! {
                    <div class="banner error retry" role="alert">
                        <span>{e.message()}</span>
                        <button type="button" class="btn small" on:click=move |_| refresh.update(|n| *n += 1)>"Retry"</button>
                    </div>
                }
                .into_any(),
                Ok((items, info)) => {
                    let ids: Vec<String> = items.iter().map(|r| r.id()).collect();
                    let ids2 = ids.clone();
                    let rows = items
                        .iter()
                        .map(|item| {
                            let id = item.id();
                            let cells = item.cells();
                            let check = selected.map(|sel| {
                                let id2 = id.clone();
                                let id3 = id.clone();
                                view! {
                                    <td class="select">
                                        <input
                                            type="checkbox"
                                            aria-label="Select row"
                                            prop:checked=move || sel.with(|s| s.contains(&id2))
                                            on:change=move |_| sel.update(|s| *s = ts::toggle_selected(s, &id3))
                                        />
                                    </td>
                                }
                            });
                            view! { <tr>{check}{cells}</tr> }
                        })
                        .collect_view();
                    let select_all = selected.map(|sel| {
                        let ids3 = ids2.clone();
                        view! {
                            <th scope="col" class="select">
                                <input
                                    type="checkbox"
                                    aria-label="Select all rows on this page"
                                    prop:checked=move || !ids2.is_empty() && sel.with(|s| ids2.iter().all(|i| s.contains(i)))
                                    on:change=move |_| sel.update(|s| *s = ts::toggle_all(s, &ids3))
                                />
                            </th>
                        }
                    });
                    let empty_view = items.is_empty().then(|| {
                        view! {
                            <tr>
                                <td colspan=ncols.to_string()>
                                    <Empty message=if query.get_untracked().filters.is_empty() {
                                        empty.get_untracked()
                                    } else {
                                        "Nothing matches these filters.".to_string()
                                    }/>
                                </td>
                            </tr>
                        }
                    });
                    let _ = ids;
                    let pager = pager(info, items.len(), query, set_q.clone());
                    view! {
                        <div class="table-wrap">
                            <table class="data" node_ref=table_ref>
                                <caption class="sr-only">{caption.get_value()}</caption>
                                <thead>
                                    <tr>{select_all}{header()}</tr>
                                    {has_filters.then(|| view! {
                                        <tr class="filters">{selected.map(|_| view! { <td></td> })}{filters()}</tr>
                                    })}
                                </thead>
                                <tbody>{rows}{empty_view}</tbody>
                            </table>
                        </div>
                        {pager}
                    }
                    .into_any()
                }
            }
        })
    };
    let bulk_bar = move || {
        let bulk = bulk.clone();
        selected.and_then(|sel| {
            let n = sel.with(|s| s.len());
            (n > 0).then(|| {
                view! {
                    <div class="bulk-bar" role="region" aria-label="Bulk actions">
                        <span>{format!("{n} selected")}</span>
                        {bulk.map(|b| b())}
                        <button type="button" class="btn ghost" on:click=move |_| sel.set(Vec::new())>
                            "Clear selection"
                        </button>
                    </div>
                }
            })
        })
    };
    let export = move |_| {
        let Some(csv) = csv.get_value() else { return };
        let q = query.get_untracked();
        export_state.set(Some(Ok("Preparing the CSV file…".into())));
        api::spawn(async move {
            match (csv.fetch)(q).await {
                Ok(text) => {
                    let rows = text.lines().count().saturating_sub(1);
                    crate::components::download_text(&csv.file_name, &text, "text/csv");
                    export_state.set(Some(Ok(format!(
                        "Exported {rows} rows to {}.",
                        csv.file_name
                    ))));
                }
                Err(e) => export_state.set(Some(Err(e.message()))),
            }
        });
    };
    view! {
        <div class="data-table" class:cards=cards>
            <div class="table-tools">
                {bulk_bar}
                {has_csv.then(|| view! {
                    <button type="button" class="btn small" on:click=export>"Export CSV"</button>
                })}
                {move || export_state.get().map(|r| match r {
                    Ok(m) => view! { <span class="hint" role="status">{m}</span> }.into_any(),
                    Err(m) => view! { <span class="field-error" role="alert">{m}</span> }.into_any(),
                })}
                {has_filters.then(|| view! {
                    <button
                        type="button"
                        class="btn ghost small"
                        on:click=clear_filters.clone()
                        disabled=move || query.get().filters.is_empty()
                    >
                        "Clear filters"
                    </button>
                })}
            </div>
            <Transition fallback=|| view! { <Loading/> }>{body}</Transition>
        </div>
    }
    .into_any()
}

fn pager(
    info: PageInfo,
    shown: usize,
    query: Memo<ListQuery>,
    set_q: impl Fn(ListQuery) + Clone + 'static,
) -> impl IntoView {
    let q = query.get_untracked();
    let page = q.page;
    let per_page = q.per_page;
    let total_pages = info.total_pages.max(1);
    let s1 = set_q.clone();
    let s2 = set_q.clone();
    let s3 = set_q.clone();
    let prev = info.prev_page.or((page > 1).then(|| page - 1));
    let next = info.next_page;
    let buttons = ts::page_window(page, total_pages)
        .into_iter()
        .map(|p| match p {
            None => view! { <span class="ellipsis" aria-hidden="true">"…"</span> }.into_any(),
            Some(n) => {
                let s = set_q.clone();
                view! {
                    <button
                        type="button"
                        class="btn small page"
                        aria-current=(n == page).then_some("page")
                        aria-label=format!("Page {n}")
                        on:click=move |_| s(ts::with_page(&query.get_untracked(), n))
                    >
                        {n.to_string()}
                    </button>
                }
                .into_any()
            }
        })
        .collect_view();
    view! {
        <nav class="pager" aria-label="Pagination">
            <span class="range">{ts::range_text(page, per_page, shown, info.total)}</span>
            <button
                type="button"
                class="btn small"
                disabled=prev.is_none()
                on:click=move |_| {
                    if let Some(p) = prev {
                        s1(ts::with_page(&query.get_untracked(), p))
                    }
                }
            >
                "‹ Previous"
            </button>
            {buttons}
            <button
                type="button"
                class="btn small"
                disabled=next.is_none()
                on:click=move |_| {
                    if let Some(p) = next {
                        s2(ts::with_page(&query.get_untracked(), p))
                    }
                }
            >
                "Next ›"
            </button>
            <label class="per-page">
                "Per page "
                <select
                    prop:value=per_page.to_string()
                    on:change=move |ev| {
                        let n = event_target_value(&ev).parse().unwrap_or(25);
                        s3(ts::with_per_page(&query.get_untracked(), n))
                    }
                >
                    <option value="25">"25"</option>
                    <option value="50">"50"</option>
                </select>
            </label>
        </nav>
    }
}

/// Helper for pages: a `Predicate` re-export so they need not import the wire module.
pub const CONT: Predicate = Predicate::Cont;
