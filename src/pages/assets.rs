//! Asset gallery: filter by type, upload by picker or drag-and-drop with progress, delete.

use leptos::prelude::*;
use passworks_wire::query::{ListQuery, Predicate};
use passworks_wire::{AssetType, Permission};
use wasm_bindgen::JsCast;

use crate::api::{self, PageInfo};
use crate::components::*;
use crate::session::use_session;
use crate::table_state as ts;
use crate::util::{fmt_datetime, human_size};

/// Largest upload (§10).
pub const MAX_ASSET_BYTES: f64 = 1_048_576.0;
/// Accepted image types.
pub const ASSET_MIME: &[&str] = &["image/png", "image/jpeg", "image/gif"];

/// Browser-side check of a chosen file: `Err(message)` when it would be refused.
pub fn check_asset_file(name: &str, mime: &str, size: f64) -> Result<(), String> {
    let lower = name.to_lowercase();
    let ext_ok = [".png", ".jpg", ".jpeg", ".gif"]
        .iter()
        .any(|e| lower.ends_with(e));
    if !ASSET_MIME.contains(&mime) && !ext_ok {
        return Err(format!("{name} is not a PNG, JPEG or GIF image."));
    }
    if size > MAX_ASSET_BYTES {
        return Err(format!(
            "{name} is {}; the limit is 1 MiB.",
            human_size(size)
        ));
    }
    Ok(())
}

/// The asset gallery.
#[component]
pub fn AssetsPage() -> impl IntoView {
    let session = use_session();
    let design = move || session.can(Permission::Design);
    let (query, set_query) = use_list_query();
    let refresh = RwSignal::new(0u32);
    let data = LocalResource::new(move || {
        let q = query.get();
        refresh.track();
        async move { api::assets::list(&q).await }
    });
    let type_filter = move || ts::filter_value(&query.get(), "asset_type", Predicate::Eq);
    let upload_type = RwSignal::new("icon".to_string());
    let progress = RwSignal::new(None::<f64>);
    let flash = RwSignal::new(None::<Result<String, String>>);
    let over = RwSignal::new(false);
    let start_upload = move |file: web_sys::File| {
        if let Err(m) = check_asset_file(&file.name(), &file.type_(), file.size()) {
            flash.set(Some(Err(m)));
            return;
        }
        let Some(kind) = AssetType::parse(&upload_type.get_untracked()) else {
            return;
        };
        progress.set(Some(0.0));
        flash.set(None);
        let name = file.name();
        api::spawn(async move {
            let r = api::assets::upload(kind, &file, move |p| progress.set(Some(p))).await;
            progress.set(None);
            match r {
                Ok(a) => {
                    let warning = passworks_wire::rules::image_size_warning(
                        None,
                        a.asset_type,
                        a.width,
                        a.height,
                    )
                    .map(|w| format!(" {w}"))
                    .unwrap_or_default();
                    flash.set(Some(Ok(format!(
                        "Uploaded {name} as {} ({}×{}).{warning}",
                        a.asset_type, a.width, a.height
                    ))));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => {
                    let m = match e.status {
                        413 => format!("{name} was refused: larger than 1 MiB."),
                        _ => format!("{name} was refused: {}", e.message()),
                    };
                    flash.set(Some(Err(m)));
                }
            }
        });
    };
    let to_delete = RwSignal::new(None::<String>);
    let confirm = RwSignal::new(false);
    let set_q = set_query.clone();
    let gallery = move || {
        let set_q = set_q.clone();
        Suspend::new(async move {
            match data.await {
                Err(e) => view! { <ErrorBanner message=e.message()/> }.into_any(),
                Ok((items, info)) if items.is_empty() => {
                    let _ = info;
                    view! { <Empty message="No assets here yet. Upload an image above."/> }
                        .into_any()
                }
                Ok((items, info)) => {
                    let cards = items
                        .into_iter()
                        .map(|a| {
                            let id = a.id.clone();
                            view! {
                                <li class="card">
                                    <AuthImg src=a.asset_url.clone() alt=format!("{} image {}×{}", a.asset_type, a.width, a.height)/>
                                    <div><Pill text=a.asset_type.as_str()/>" "{format!("{}×{}", a.width, a.height)}</div>
                                    {passworks_wire::rules::image_size_warning(None, a.asset_type, a.width, a.height)
                                        .map(|w| view! { <div class="hint image-warning">{w}</div> })}
                                    <div class="hint">{fmt_datetime(&a.created_at)}</div>
                                    <div class="actions" style="margin:0">
                                        <CopyButton text=a.id.clone() label="Copy id"/>
                                        <Show when=design>
                                            <button type="button" class="btn small danger" on:click={
                                                let id = id.clone();
                                                move |_| { to_delete.set(Some(id.clone())); confirm.set(true); }
                                            }>"Delete"</button>
                                        </Show>
                                    </div>
                                </li>
                            }
                        })
                        .collect_view();
                    view! { <ul class="gallery">{cards}</ul>{simple_pager(info, query, set_q.clone())} }.into_any()
                }
            }
        })
    };
    let set_q = set_query.clone();
    view! {
        <h1>"Assets"</h1>
        <p class="lead">"Images used by templates and passes. They are stored as PNG."</p>
        <Show when=design>
        <section class="card" aria-labelledby="upload-h">
            <h2 id="upload-h" style="margin-top:0">"Upload"</h2>
            <div class="grid2">
                <div class="control">
                    <label for="upload-type">"Image type"</label>
                    <select id="upload-type" prop:value=move || upload_type.get() on:change=move |ev| upload_type.set(event_target_value(&ev))>
                        {AssetType::ALL.iter().map(|t| view! { <option value=t.as_str()>{slot_label(*t)}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <div
                class="dropzone"
                class:over=move || over.get()
                on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); over.set(true); }
                on:dragleave=move |_| over.set(false)
                on:drop=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    over.set(false);
                    if let Some(f) = ev.data_transfer().and_then(|d| d.files()).and_then(|l| l.get(0)) {
                        start_upload(f);
                    }
                }
            >
                <p>"Drop a PNG, JPEG or GIF here (1 MiB at most), or"</p>
                <label class="btn primary" for="upload-file">"Choose a file…"</label>
                <input
                    id="upload-file"
                    class="sr-only"
                    type="file"
                    accept="image/png,image/jpeg,image/gif"
                    on:change=move |ev| {
                        let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
                        if let Some(input) = input {
                            if let Some(f) = input.files().and_then(|l| l.get(0)) {
                                start_upload(f);
                            }
                            input.set_value("");
                        }
                    }
                />
            </div>
            {move || progress.get().map(|p| view! {
                <label>"Uploading… "<progress max="1" value=p.to_string()>{format!("{:.0}%", p * 100.0)}</progress></label>
            })}
            <Flash flash=flash/>
        </section>
        </Show>
        <div class="toolbar">
            <label for="type-filter">"Show "</label>
            <select id="type-filter" prop:value=type_filter on:change=move |ev| {
                set_q(ts::set_filter(&query.get_untracked(), "asset_type", Predicate::Eq, &event_target_value(&ev)))
            }>
                <option value="">"All types"</option>
                {AssetType::ALL.iter().map(|t| view! { <option value=t.as_str()>{slot_label(*t)}</option> }).collect_view()}
            </select>
        </div>
        <Transition fallback=|| view! { <Loading what="assets"/> }>{gallery}</Transition>
        <Confirm
            open=confirm
            title="Delete asset"
            message="Delete this image? Templates that use it refuse the deletion."
            confirm_label="Delete"
            on_confirm=Callback::new(move |_| {
                if let Some(id) = to_delete.get_untracked() {
                    api::spawn(async move {
                        match api::assets::delete(&id).await {
                            Ok(()) => { flash.set(Some(Ok("Asset deleted.".into()))); refresh.update(|n| *n += 1); }
                            Err(e) => flash.set(Some(Err(format!("Not deleted: {}", e.message())))),
                        }
                    });
                }
            })
        />
    }
}

/// Previous/next pager for non-table lists.
pub fn simple_pager(
    info: PageInfo,
    query: Memo<ListQuery>,
    set_q: impl Fn(ListQuery) + Clone + 'static,
) -> impl IntoView {
    let s1 = set_q.clone();
    let prev = info.prev_page;
    let next = info.next_page;
    let q = query.get_untracked();
    view! {
        <nav class="pager" aria-label="Pagination">
            <span class="range">{format!("Page {} of {} · {} in all", q.page, info.total_pages.max(1), info.total)}</span>
            <button type="button" class="btn small" disabled=prev.is_none()
                on:click=move |_| if let Some(p) = prev { s1(ts::with_page(&query.get_untracked(), p)) }>"‹ Previous"</button>
            <button type="button" class="btn small" disabled=next.is_none()
                on:click=move |_| if let Some(p) = next { set_q(ts::with_page(&query.get_untracked(), p)) }>"Next ›"</button>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_checked_for_type_and_size() {
        assert!(check_asset_file("a.png", "image/png", 1000.0).is_ok());
        assert!(check_asset_file("a.bmp", "image/bmp", 1000.0).is_err());
        assert!(check_asset_file("a.png", "image/png", 1_048_577.0)
            .unwrap_err()
            .contains("1 MiB"));
    }
}
