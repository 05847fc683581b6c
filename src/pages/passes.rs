//! Passes of a campaign: list, create, edit, detail with actions, and the redeem screen.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use passworks_wire::query::ListQuery;
use passworks_wire::{
    Asset, AssetType, Behaviour, Campaign, CampaignType, CodeType, Pass, PassInput, Permission,
    PushInput, RedeemInput,
};

use crate::api::{self, ApiError, ApiResult};
use crate::components::*;
use crate::draft::{pass_image_overrides, PassDraft};
use crate::pages::{campaign_href, use_ctype, use_param, CampaignNav};
use crate::preview;
use crate::session::use_session;
use crate::table_state::{Column, FilterKind};
use crate::util::{fmt_datetime, fmt_opt_datetime};

fn pass_href(t: CampaignType, cid: &str, pid: &str) -> String {
    format!("{}/passes/{}", campaign_href(t, cid), pid)
}

async fn load_campaign(t: Option<CampaignType>, id: String) -> ApiResult<Campaign> {
    match t {
        Some(t) => api::campaigns::get(t, &id).await,
        None => Err(ApiError::base(404, "Unknown campaign type")),
    }
}

/// Heading and sub-navigation shared by the campaign's sub-pages.
#[component]
pub fn CampaignHeader(c: Campaign, #[prop(into)] title: String) -> impl IntoView {
    view! {
        <p class="lead"><A href=crate::link(campaign_href(c.campaign_type, &c.id))>{c.name.clone()}</A>{format!(" · {}", c.campaign_type.label())}</p>
        <h1>{title}</h1>
        <CampaignNav ctype=c.campaign_type id=c.id.clone()/>
    }
}

/// What the passes table's bulk bar does to every selected pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PassBulk {
    Redeem,
    Void,
    Delete,
}

impl PassBulk {
    /// The verb the result message starts with.
    fn verb(self) -> &'static str {
        match self {
            PassBulk::Redeem => "redeem",
            PassBulk::Void => "void",
            PassBulk::Delete => "delete",
        }
    }

    async fn run(self, kind: CampaignType, campaign: &str, pass: &str) -> ApiResult<()> {
        match self {
            PassBulk::Redeem => api::passes::redeem(kind, campaign, pass, &RedeemInput::default())
                .await
                .map(|_| ()),
            PassBulk::Void => api::passes::set_voided(kind, campaign, pass, true)
                .await
                .map(|_| ()),
            PassBulk::Delete => api::passes::delete(kind, campaign, pass).await,
        }
    }
}

/// Passes of one campaign.
#[component]
pub fn PassList() -> impl IntoView {
    let session = use_session();
    let can = move |p: Permission| session.can(p);
    let ctype = use_ctype();
    let cid = use_param("id");
    let campaign = LocalResource::new(move || load_campaign(ctype.get(), cid.get()));
    let selected = RwSignal::new(Vec::<String>::new());
    let refresh = RwSignal::new(0u32);
    let flash = RwSignal::new(None::<Result<String, String>>);
    let confirm = RwSignal::new(false);
    let bulk_run = move |op: PassBulk| {
        let Some(t) = ctype.get_untracked() else {
            return;
        };
        let cid = cid.get_untracked();
        let ids = selected.get_untracked();
        api::spawn(async move {
            let (mut ok, mut failed) = (0, Vec::new());
            for id in &ids {
                match op.run(t, &cid, id).await {
                    Ok(()) => ok += 1,
                    Err(e) => failed.push(e.message()),
                }
            }
            flash.set(Some(crate::util::bulk_summary(
                op.verb(),
                "passes",
                ok,
                &failed,
            )));
            selected.set(Vec::new());
            refresh.update(|n| *n += 1);
        });
    };
    // The selected passes as one `.pkpasses` file (Apple: at most ten per bundle).
    let bundle_name = StoredValue::new(String::from("passes"));
    let bundle = move || {
        let Some(t) = ctype.get_untracked() else {
            return;
        };
        let ids = selected.get_untracked();
        if ids.len() > passworks_wire::MAX_BUNDLE_PASSES {
            flash.set(Some(Err(format!(
                "A bundle holds at most {} passes; {} are selected.",
                passworks_wire::MAX_BUNDLE_PASSES,
                ids.len()
            ))));
            return;
        }
        let cid = cid.get_untracked();
        api::spawn(async move {
            match api::passes::bundle(t, &cid, &ids).await {
                Ok(url) => {
                    let name = format!("{}.pkpasses", bundle_name.get_value());
                    crate::components::download_object_url(&url, &name);
                    flash.set(Some(Ok(format!(
                        "Downloaded {} passes as one bundle ({name}).",
                        ids.len()
                    ))));
                }
                Err(e) => flash.set(Some(Err(e.message()))),
            }
        });
    };
    let location = leptos_router::hooks::use_location();
    let search_text = Memo::new(move |_| crate::table_state::search_text(&location.search.get()));
    let columns = vec![
        Column::new("redeem_code", "Code").filter(FilterKind::Equals),
        Column::new("serial_number", "Serial number").filter(FilterKind::Contains),
        Column::new("voided", "State").filter(FilterKind::Bool),
        Column::new("redeemed_count", "Redeemed"),
        Column::new("fields", "Field values").unsorted(),
        Column::new("created_at", "Created"),
    ];
    let columns = StoredValue::new(columns);
    view! {
        <Transition fallback=|| view! { <Loading what="campaign"/> }>
            {move || Suspend::new(async move {
                match campaign.await {
                    Err(e) => view! { <ErrorBanner message=e.message()/> }.into_any(),
                    Ok(c) => {
                        let t = c.campaign_type;
                        let cid2 = c.id.clone();
                        let new_href = format!("{}/passes/new", campaign_href(t, &c.id));
                        let redeem_href = format!("{}/redeem", campaign_href(t, &c.id));
                        let fetch = move |q: ListQuery| {
                            let cid = cid.get();
                            let text = search_text.get();
                            async move {
                                if text.trim().is_empty() {
                                    api::passes::list(t, &cid, &q).await
                                } else {
                                    api::passes::search(t, &cid, &q, &text).await
                                }
                            }
                        };
                        let row = move |p: &Pass| {
                            let href = pass_href(t, &cid2, &p.id);
                            let code = p.redeem_code.clone();
                            view! {
                                <td><A href=crate::link(href)>{code}</A></td>
                                <td class="mono">{p.serial_number.clone()}</td>
                                <td><Pill text=pass_state(p)/></td>
                                <td>{p.redeemed_count}</td>
                                <td class="values">{crate::pages::pass_values_line(p)}</td>
                                <td>{fmt_datetime(&p.created_at)}</td>
                            }
                            .into_any()
                        };
                        let name = c.name.clone();
                        bundle_name.set_value(file_stem(&name));
                        let csv = move || CsvExport::new(format!("{}-passes.csv", file_stem(&name)), move |q| {
                            let cid = cid.get_untracked();
                            let text = search_text.get_untracked();
                            async move { api::passes::export_csv(t, &cid, &q, &text).await }
                        });
                        let empty = Signal::derive(move || {
                            let text = search_text.get();
                            if text.trim().is_empty() {
                                "No passes yet. Create one, or share the download page.".to_string()
                            } else {
                                format!("No pass matches “{}”.", text.trim())
                            }
                        });
                        // Rows are selectable (bulk redeem, void, delete) only for a role
                        // that may change passes.
                        let table = move || if can(Permission::WritePasses) {
                            view! {
                                <DataTable
                                    caption="Passes"
                                    columns=columns.get_value()
                                    fetch=fetch
                                    row=row.clone()
                                    row_id=|p: &Pass| p.id.clone()
                                    csv=csv()
                                    empty=empty
                                    cards=true
                                    selected=selected
                                    refresh=refresh
                                    bulk=std::sync::Arc::new(move || view! {
                                        <button type="button" class="btn small" on:click=move |_| bulk_run(PassBulk::Redeem)>"Redeem"</button>
                                        <button type="button" class="btn small" on:click=move |_| bulk_run(PassBulk::Void)>"Void"</button>
                                        <button type="button" class="btn small" title="Up to ten passes in one file that adds them to Wallet together"
                                            on:click=move |_| bundle()>"Download bundle (.pkpasses)"</button>
                                        <button type="button" class="btn small danger" on:click=move |_| confirm.set(true)>"Delete"</button>
                                    }.into_any())
                                />
                            }.into_any()
                        } else {
                            view! {
                                <DataTable caption="Passes" columns=columns.get_value() fetch=fetch
                                    row=row.clone() row_id=|p: &Pass| p.id.clone() csv=csv() empty=empty
                                    cards=true refresh=refresh/>
                            }.into_any()
                        };
                        view! {
                            <CampaignHeader c=c.clone() title="Passes"/>
                            <div class="toolbar">
                                <Show when=move || can(Permission::WritePasses)>
                                    <A href=crate::link(new_href.clone()) attr:class="btn primary">"New pass"</A>
                                </Show>
                                <Show when=move || can(Permission::Redeem)>
                                    <A href=crate::link(redeem_href.clone()) attr:class="btn">"Redeem a code"</A>
                                </Show>
                            </div>
                            <Flash flash=flash/>
                            {
                                let cid = c.id.clone();
                                move || can(Permission::WritePasses).then(|| view! {
                                    <PassImport kind=t campaign=cid.clone() refresh=refresh/>
                                })
                            }
                            <PassSearchBox/>
                            {table}
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
        <Confirm
            open=confirm
            title="Delete passes"
            message=Signal::derive(move || format!("Delete {} pass(es)? Installed copies stop receiving updates.", selected.with(|s| s.len())))
            confirm_label="Delete"
            on_confirm=Callback::new(move |_| bulk_run(PassBulk::Delete))
        />
    }
}

/// What an import shows: nothing yet, the job as it runs, or its end with the rows
/// that were refused.
#[derive(Debug, Clone, PartialEq)]
enum ImportState {
    Idle,
    Sending(String),
    Running(passworks_wire::Job),
    Done {
        job: passworks_wire::Job,
        errors: Option<String>,
    },
    Failed(String),
}

/// "Import CSV": creates or updates passes from a CSV file in a background job, with a
/// progress bar and the per-row error report to download.
#[component]
fn PassImport(
    kind: CampaignType,
    #[prop(into)] campaign: String,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    use wasm_bindgen::JsCast;
    let state = RwSignal::new(ImportState::Idle);
    let campaign = StoredValue::new(campaign);
    let start = move |file: web_sys::File| {
        let name = file.name();
        state.set(ImportState::Sending(name.clone()));
        api::spawn(async move {
            let text = match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(t) => t.as_string().unwrap_or_default(),
                Err(_) => {
                    state.set(ImportState::Failed(format!("{name} could not be read.")));
                    return;
                }
            };
            let cid = campaign.get_value();
            let mut job = match api::passes::import_csv(kind, &cid, &text).await {
                Ok(j) => j,
                Err(e) => {
                    state.set(ImportState::Failed(format!(
                        "{name} was refused: {}",
                        e.message()
                    )));
                    return;
                }
            };
            loop {
                state.set(ImportState::Running(job.clone()));
                if job.state == "done" || job.state == "failed" {
                    break;
                }
                sleep_ms(500).await;
                match api::jobs::get(&job.id).await {
                    Ok(j) => job = j,
                    Err(e) => {
                        state.set(ImportState::Failed(e.message()));
                        return;
                    }
                }
            }
            let errors = api::jobs::errors_csv(&job.id)
                .await
                .ok()
                .filter(|csv| csv.lines().count() > 1);
            refresh.update(|n| *n += 1);
            state.set(ImportState::Done { job, errors });
        });
    };
    let status = move || {
        match state.get() {
        ImportState::Idle => None,
        ImportState::Sending(name) => Some(view! { <p class="hint" role="status">{format!("Sending {name}…")}</p> }.into_any()),
        ImportState::Running(j) => Some(view! {
            <div class="import-progress" role="status">
                <label for="import-progress">{format!("Importing: {} of {} rows", j.processed, j.total)}</label>
                <progress id="import-progress" max=j.total.max(1).to_string() value=j.processed.to_string()></progress>
            </div>
        }.into_any()),
        ImportState::Done { job, errors } => {
            let refused = errors.as_deref().map(refused_rows).unwrap_or(0);
            let rows = |n: i64| if n == 1 { "1 row".to_string() } else { format!("{n} rows") };
            let headline = if job.state == "failed" {
                format!("The import stopped: {}", job.error.clone().unwrap_or_default())
            } else if refused == 0 {
                format!("Imported: all {} rows done.", job.total)
            } else {
                format!(
                    "Imported {} of {}; {} refused (nothing was saved from {}): the error report says why.",
                    job.total - refused,
                    rows(job.total),
                    rows(refused),
                    if refused == 1 { "it" } else { "them" },
                )
            };
            let report = errors.map(|csv| {
                let name = format!("import-errors-{}.csv", crate::util::short_id(&job.id).replace('…', "-"));
                view! {
                    <button type="button" class="btn small" on:click=move |_| download_text(&name, &csv, "text/csv")>
                        "Download the error report"
                    </button>
                }
            });
            let class = if refused == 0 && job.state != "failed" { "banner info" } else { "banner warn" };
            Some(view! { <div class=class role="status">{headline}" "{report}</div> }.into_any())
        }
        ImportState::Failed(m) => Some(view! { <ErrorBanner message=m/> }.into_any()),
    }
    };
    let busy = move || {
        matches!(
            state.get(),
            ImportState::Sending(_) | ImportState::Running(_)
        )
    };
    view! {
        <details class="pass-import">
            <summary>"Import passes from a CSV file"</summary>
            <p class="hint">
                "One row per pass, with a header row: " <code>"serial_number"</code> ", " <code>"redeem_code"</code> ", "
                <code>"expiration_date"</code> ", " <code>"voided"</code> " and one column per field key. A row updates the pass with that serial number (else that code) or creates one; sending the same file again creates no duplicates."
            </p>
            <label class="btn" for="import-file" class:disabled=busy>"Choose a CSV file…"</label>
            <input id="import-file" class="sr-only" type="file" accept=".csv,text/csv" disabled=busy
                on:change=move |ev| {
                    let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
                    if let Some(input) = input {
                        if let Some(f) = input.files().and_then(|l| l.get(0)) {
                            start(f);
                        }
                        input.set_value("");
                    }
                }/>
            {status}
        </details>
    }
}

/// How many rows an import's error report names (a row may have several errors).
fn refused_rows(report: &str) -> i64 {
    let rows: std::collections::BTreeSet<&str> = report
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .collect();
    rows.len() as i64
}

/// A file name made of a campaign's name ("Spring sale!" → "Spring-sale-").
pub fn file_stem(name: &str) -> String {
    name.replace(|ch: char| !ch.is_alphanumeric(), "-")
}

/// What a pass's state is called: a pass voided by its (single-use) redeem is
/// "redeemed", one voided by hand "voided".
pub fn pass_state(p: &Pass) -> &'static str {
    match (p.voided, p.redeemed_count > 0) {
        (true, true) => "redeemed",
        (true, false) => "voided",
        (false, _) => "active",
    }
}

/// The passes list's search box: `q[search]` in the page URL (so reload and shared
/// links keep it), matched by the server against codes, serial numbers, field values
/// and holder data.
#[component]
fn PassSearchBox() -> impl IntoView {
    let (query, _) = use_list_query();
    let location = leptos_router::hooks::use_location();
    let navigate = use_navigate();
    let text = RwSignal::new(crate::table_state::search_text(
        &location.search.get_untracked(),
    ));
    let go = move |t: String| {
        let url = format!(
            "{}{}",
            location.pathname.get_untracked(),
            crate::table_state::with_search(&query.get_untracked(), &t)
        );
        navigate(
            &url,
            leptos_router::NavigateOptions {
                scroll: false,
                resolve: false,
                ..Default::default()
            },
        );
    };
    let go2 = go.clone();
    view! {
        <form class="toolbar pass-search" role="search" on:submit=move |ev| { ev.prevent_default(); go(text.get_untracked()); }>
            <label for="pass-search">"Search passes"</label>
            <input id="pass-search" type="search" placeholder="Name, email, code, serial number…"
                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
            <button type="submit" class="btn">"Search"</button>
            <Show when=move || !crate::table_state::search_text(&location.search.get()).is_empty()>
                <button type="button" class="btn ghost" on:click={
                    let go = go2.clone();
                    move |_| { text.set(String::new()); go(String::new()); }
                }>"Clear search"</button>
            </Show>
        </form>
    }
}

/// New pass of a campaign.
#[component]
pub fn PassNew() -> impl IntoView {
    let ctype = use_ctype();
    let cid = use_param("id");
    let campaign = LocalResource::new(move || load_campaign(ctype.get(), cid.get()));
    view! {
        <Transition fallback=|| view! { <Loading what="campaign"/> }>
            {move || Suspend::new(async move {
                match campaign.await {
                    Err(e) => view! { <ErrorBanner message=e.message()/> }.into_any(),
                    Ok(c) => view! {
                        <CampaignHeader c=c.clone() title="New pass"/>
                        <PassForm draft=PassDraft::for_campaign(&c) campaign=c/>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

/// Edit a pass.
#[component]
pub fn PassEdit() -> impl IntoView {
    let ctype = use_ctype();
    let cid = use_param("id");
    let pid = use_param("pid");
    let data = LocalResource::new(move || {
        let (t, c, p) = (ctype.get(), cid.get(), pid.get());
        async move {
            let campaign = load_campaign(t, c.clone()).await?;
            let pass = api::passes::get(campaign.campaign_type, &c, &p).await?;
            Ok::<_, ApiError>((campaign, pass))
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading what="pass"/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorBanner message=e.message()/> }.into_any(),
                    Ok((c, p)) => view! {
                        <CampaignHeader c=c.clone() title=format!("Edit pass {}", p.redeem_code)/>
                        <PassForm draft=PassDraft::from_pass(&p, &c) campaign=c pass_id=p.id.clone()/>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

const PASS_ATTRS: &[&str] = &[
    "apple",
    "header_fields",
    "primary_fields",
    "secondary_fields",
    "auxiliary_fields",
    "back_fields",
    "fields",
    "barcode",
    "barcodes",
    "redeem_code",
    "expiration_date",
    "relevant_date",
    "voided",
    "icon_id",
    "logo_id",
    "strip_id",
    "thumbnail_id",
    "background_id",
    "footer_id",
    "push_message",
];

/// Pass create/edit form with live preview.
#[component]
fn PassForm(
    draft: PassDraft,
    campaign: Campaign,
    #[prop(optional, into)] pass_id: Option<String>,
) -> impl IntoView {
    let initial = StoredValue::new(draft.clone());
    let draft = RwSignal::new(draft);
    let errors: FormErrors = RwSignal::new(Default::default());
    let banner = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    guard_unsaved(Signal::derive(move || {
        !saved.get() && draft.with(|d| initial.with_value(|i| d != i))
    }));
    let preview_shown = RwSignal::new(false);
    // The language the preview shows (the translations editor picks it).
    let preview_lang = RwSignal::new(String::new());
    let t = campaign.campaign_type;
    let cid = campaign.id.clone();
    let code_type = campaign.code_type;
    let assets = LocalResource::new(|| async { api::assets::all().await.unwrap_or_default() });
    let asset_list = Signal::derive(move || assets.get().unwrap_or_default());
    let campaign_slots = campaign_image_slots(&campaign);
    let camp = StoredValue::new(campaign);
    let layout = Memo::new(move |_| {
        let a = asset_list.get();
        let mut input = camp.with_value(|c| preview::from_campaign(c, &a));
        draft.with(|d| {
            for arr in input.fields.iter_mut() {
                for f in arr.iter_mut() {
                    if let Some(df) = d.fields.iter().find(|x| x.1 == f.0) {
                        f.2 = df.3.clone();
                    }
                }
            }
            if code_type == CodeType::PerPass && !d.barcode_message.is_empty() {
                input.barcode_message = d.barcode_message.clone();
            }
            preview::override_images(&mut input, &d.images, &a);
            let lang = preview_lang.get();
            if !lang.is_empty() {
                // The campaign's translations with the pass's own on top, as in the package.
                let mut strings = camp
                    .with_value(|c| c.apple.translations.get(&lang).cloned().unwrap_or_default());
                strings.extend(d.apple.strings(&lang));
                passworks_wire::layout::translate(&mut input, &strings);
                // And its images: the campaign's with the pass's own on top.
                if let Some(own) = d.apple.options(t.pass_type()) {
                    let o = camp.with_value(|c| c.apple.overlay(&own));
                    preview::localize(&mut input, &o, &lang, &a);
                }
            }
        });
        preview::layout(&input)
    });
    let texts = Signal::derive(move || draft.with(|d| d.texts()));
    // The campaign's options, which the pass's own are laid over (its languages too).
    let inherited = Signal::derive(move || camp.with_value(|c| c.apple.clone()));
    let google = Memo::new(move |_| {
        let a = asset_list.get();
        camp.with_value(|c| {
            draft.with(|d| {
                let p = crate::google_live::pass_of_draft(c, d);
                crate::google_live::preview(c, &p, &a, &crate::google_live::now_iso())
            })
        })
    });
    let navigate = use_navigate();
    let pid = StoredValue::new(pass_id.clone());
    let cid2 = cid.clone();
    let save = Action::new_local(move |input: &PassInput| {
        let input = input.clone();
        let cid = cid2.clone();
        let pid = pid.get_value();
        async move {
            match pid {
                Some(p) => api::passes::update(t, &cid, &p, &input).await,
                None => api::passes::create(t, &cid, &input).await,
            }
        }
    });
    let cid3 = cid.clone();
    let editing_pass = pass_id.is_some();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(p)) => {
            saved.set(true);
            set_next_flash(if editing_pass {
                "Saved."
            } else {
                "Pass created."
            });
            navigate(&pass_href(t, &cid3, &p.id), Default::default())
        }
        Some(Err(e)) => {
            errors.set(Default::default());
            banner.set(
                absorb_errors(errors, &e, PASS_ATTRS)
                    .or_else(|| Some("Some fields need attention.".into())),
            );
            reveal_errors();
        }
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let e = draft.with(|d| d.validate(code_type));
        let ok = e.is_empty();
        errors.set(e);
        if ok {
            banner.set(None);
            save.dispatch(draft.with(|d| d.to_input(code_type)));
        } else {
            banner.set(Some("Some fields need attention.".into()));
            reveal_errors();
        }
    };
    let editing = pass_id.is_some();
    let field_ids = move || draft.with(|d| (0..d.fields.len()).collect::<Vec<_>>());
    let cancel = match &pass_id {
        Some(p) => pass_href(t, &cid, p),
        None => format!("{}/passes", campaign_href(t, &cid)),
    };
    view! {
        <form class="two-col campaign-form" novalidate on:submit=submit>
            <div>
                {move || banner.get().map(|m| view! { <ErrorBanner message=m/> })}
                <fieldset>
                    <legend>"Field values"</legend>
                    <p class="hint">"Dynamic fields are listed first; any field can be given a value for this pass."</p>
                    <For each=field_ids key=|i| *i let:i>
                        {
                            let (key, label, dynamic) = draft.with_untracked(|d| {
                                let f = &d.fields[i];
                                (f.1.clone(), f.2.clone(), f.4 == Behaviour::Dynamic)
                            });
                            let id = format!("pf-{key}");
                            view! {
                                <div class="control">
                                    <label for=id.clone()>
                                        {if label.is_empty() { key.clone() } else { label.clone() }}
                                        {dynamic.then(|| view! { " " <span class="pill">"dynamic"</span> })}
                                    </label>
                                    <input
                                        id=id
                                        prop:value=move || draft.with(|d| d.fields[i].3.clone())
                                        on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.fields[i].3 = v); }
                                    />
                                </div>
                            }
                        }
                    </For>
                    {move || draft.with(|d| d.fields.is_empty()).then(|| view! { <p class="hint">"This campaign has no fields."</p> })}
                    <FieldError errors=errors attr="fields"/>
                </fieldset>
                {(code_type == CodeType::PerPass).then(|| view! {
                    <fieldset>
                        <legend>"Barcode"</legend>
                        <div class="control">
                            <label for="pf-code">"Barcode message / redeem code"</label>
                            <input id="pf-code" disabled=editing aria-describedby="err-redeem_code"
                                aria-invalid=move || errors.with(|e| e.contains_key("redeem_code")).then_some("true")
                                prop:value=move || draft.with(|d| d.barcode_message.clone())
                                on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.barcode_message = v); }/>
                            <FieldError errors=errors attr="redeem_code"/>
                            <FieldError errors=errors attr="barcode"/>
                        </div>
                    </fieldset>
                })}
                {crate::components::apple_section(draft, errors, t.pass_type(), |d: &PassDraft| &d.apple, |d: &mut PassDraft| &mut d.apple, texts, preview_lang, asset_list, inherited)}
                <fieldset>
                    <legend>"Dates and state"</legend>
                    <div class="grid2">
                        <div class="control">
                            <label for="pf-exp">"Expires (UTC)"</label>
                            <input id="pf-exp" type="datetime-local" prop:value=move || draft.with(|d| d.expiration_date.clone())
                                on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.expiration_date = v); }/>
                            <FieldError errors=errors attr="expiration_date"/>
                        </div>
                        <div class="control">
                            <label for="pf-rel">"Relevant date (UTC)"</label>
                            <input id="pf-rel" type="datetime-local" prop:value=move || draft.with(|d| d.relevant_date.clone())
                                on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.relevant_date = v); }/>
                            <FieldError errors=errors attr="relevant_date"/>
                        </div>
                    </div>
                    {editing.then(|| view! {
                        <label class="check">
                            <input type="checkbox" prop:checked=move || draft.with(|d| d.voided)
                                on:change=move |ev| { let v = event_target_checked(&ev); draft.update(|d| d.voided = v); }/>
                            "Voided"
                        </label>
                        <div class="control">
                            <label for="pf-push">"Lock-screen message for this update (optional)"</label>
                            <input id="pf-push" prop:value=move || draft.with(|d| d.push_message.clone())
                                on:input=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.push_message = v); }/>
                        </div>
                    })}
                </fieldset>
                <ImageOverrides draft=draft errors=errors assets=asset_list ctype=t campaign_slots=campaign_slots/>
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else if editing { "Save pass" } else { "Create pass" }}
                    </button>
                    <A href=crate::link(cancel) attr:class="btn">"Cancel"</A>
                </div>
            </div>
            <aside class="sticky preview-pane" class:shown=move || preview_shown.get() aria-label="Live preview">
                <button type="button" class="btn small preview-toggle" aria-expanded=move || preview_shown.get().to_string()
                    on:click=move |_| preview_shown.update(|s| *s = !*s)>
                    {move || if preview_shown.get() { "Hide preview" } else { "Show preview" }}
                </button>
                <div class="preview-body"><FormPreviews layout=layout google=google/></div>
            </aside>
        </form>
    }
}

/// The pass form's collapsible "Images" section: an override per image slot (the
/// campaign's image where none is chosen). Opens by itself when the pass has overrides
/// or the server refused one.
#[component]
fn ImageOverrides(
    draft: RwSignal<PassDraft>,
    errors: FormErrors,
    #[prop(into)] assets: Signal<Vec<Asset>>,
    ctype: CampaignType,
    /// The slots the campaign sets (their "no override" choice shows the campaign's image).
    campaign_slots: Vec<AssetType>,
) -> impl IntoView {
    let open = RwSignal::new(draft.with_untracked(|d| !d.images.is_empty()));
    Effect::new(move |_| {
        if errors.with(|e| {
            AssetType::CLASSIC
                .iter()
                .any(|s| e.contains_key(s.slot_attribute()))
        }) {
            open.set(true);
        }
    });
    let used = passworks_wire::rules::image_slots(ctype.pass_type());
    let mut order: Vec<AssetType> = used.to_vec();
    order.extend(AssetType::CLASSIC.iter().filter(|s| !used.contains(s)));
    let used_names = used
        .iter()
        .map(|s| slot_label(*s).to_lowercase())
        .collect::<Vec<_>>()
        .join(", ");
    let count = move || draft.with(|d| d.images.len());
    view! {
        <fieldset class="images-section">
            <legend>
                <button type="button" class="disclosure" aria-expanded=move || open.get().to_string()
                    aria-controls="pass-images" on:click=move |_| open.update(|o| *o = !*o)>
                    <span class="chevron" aria-hidden="true">{move || if open.get() { "▾" } else { "▸" }}</span>
                    "Images"
                    <span class="hint">{move || match count() {
                        0 => " · the campaign's".to_string(),
                        1 => " · 1 overridden".to_string(),
                        n => format!(" · {n} overridden"),
                    }}</span>
                </button>
            </legend>
            <Show when=move || open.get()>
                <div id="pass-images">
                    <p class="hint">{format!("Each slot shows the campaign's image unless you choose another one for this pass. {} use: {used_names}; Wallet ignores the other slots.", ctype.plural_label())}</p>
                    {order.iter().map(|slot| {
                        let slot = *slot;
                        let attr = slot.slot_attribute();
                        view! {
                            <AssetPicker
                                kind=slot
                                assets=assets
                                none_label=if campaign_slots.contains(&slot) { "Campaign's" } else { "None" }
                                value=Signal::derive(move || draft.with(|d| d.image(slot)))
                                on_change=Callback::new(move |v: String| draft.update(|d| d.set_image(slot, v)))
                                error=Signal::derive(move || errors.with(|e| e.get(attr).cloned()))
                            />
                        }
                    }).collect_view()}
                    <p class="hint">"Upload images on the " <A href=crate::link("/assets")>"Assets"</A> " page."</p>
                </div>
            </Show>
        </fieldset>
    }
}

/// The image slots a campaign sets.
fn campaign_image_slots(c: &Campaign) -> Vec<AssetType> {
    [
        (AssetType::Icon, &c.icon_id),
        (AssetType::Logo, &c.logo_id),
        (AssetType::Strip, &c.strip_id),
        (AssetType::Thumbnail, &c.thumbnail_id),
        (AssetType::Background, &c.background_id),
        (AssetType::Footer, &c.footer_id),
    ]
    .into_iter()
    .filter(|(_, id)| id.as_deref().is_some_and(|i| !i.is_empty()))
    .map(|(s, _)| s)
    .collect()
}

/// The images of a pass on its detail page: each slot that is set, marked as this pass's
/// own override or the campaign's.
#[component]
fn PassImages(c: Campaign, p: Pass, assets: Vec<Asset>) -> impl IntoView {
    let overrides = pass_image_overrides(&p, &c);
    let effective = [
        (AssetType::Icon, p.icon_id.clone()),
        (AssetType::Logo, p.logo_id.clone()),
        (AssetType::Strip, p.strip_id.clone()),
        (AssetType::Thumbnail, p.thumbnail_id.clone()),
        (AssetType::Background, p.background_id.clone()),
        (AssetType::Footer, p.footer_id.clone()),
    ];
    let items = effective
        .into_iter()
        .filter_map(|(slot, id)| id.map(|id| (slot, id)))
        .map(|(slot, id)| {
            let own = overrides.contains_key(&slot);
            let url = assets
                .iter()
                .find(|a| a.id == id)
                .map(|a| a.asset_url.clone())
                .unwrap_or_default();
            view! {
                <li class=if own { "slot override" } else { "slot" } data-slot=slot.as_str()>
                    <AuthImg src=url alt=format!("{} image", slot_label(slot)) class="slot-img"/>
                    <span class="slot-name">{slot_label(slot)}</span>
                    {if own {
                        view! { <Pill text="this pass"/> }.into_any()
                    } else {
                        view! { <span class="hint">"campaign's"</span> }.into_any()
                    }}
                </li>
            }
        })
        .collect_view();
    let summary = match overrides.len() {
        0 => "This pass uses the campaign's images.".to_string(),
        1 => "1 image is this pass's own override.".to_string(),
        n => format!("{n} images are this pass's own overrides."),
    };
    view! {
        <section class="card" aria-labelledby="pass-images-h" style="margin-top:1rem">
            <h2 id="pass-images-h">"Images"</h2>
            <p class="hint">{summary}</p>
            <ul class="slot-grid" style=preview::slot_background(&c.background_color)>{items}</ul>
        </section>
    }
}

/// Every field value of a pass, grouped as the pass shows them.
#[component]
fn FieldValues(p: Pass) -> impl IntoView {
    let groups = [
        ("Header", &p.header_fields),
        ("Primary", &p.primary_fields),
        ("Secondary", &p.secondary_fields),
        ("Auxiliary", &p.auxiliary_fields),
        ("Back", &p.back_fields),
    ];
    let rows = groups
        .into_iter()
        .flat_map(|(group, fields)| {
            fields.iter().map(move |f| {
                view! {
                    <tr>
                        <td>{group}</td>
                        <td>{f.label.clone().filter(|l| !l.is_empty()).unwrap_or_else(|| f.key.clone())}</td>
                        <td class="field-value">{f.value.clone().unwrap_or_default()}</td>
                    </tr>
                }
            })
        })
        .collect::<Vec<_>>();
    let empty = rows.is_empty();
    view! {
        <section class="card field-values" aria-labelledby="pass-values-h" style="margin-top:1rem">
            <h2 id="pass-values-h">"Field values"</h2>
            {if empty {
                view! { <p class="hint">"This pass has no fields."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap"><table class="data">
                        <thead><tr><th scope="col">"Part"</th><th scope="col">"Field"</th><th scope="col">"Value"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table></div>
                }.into_any()
            }}
        </section>
    }
}

#[derive(Debug, Clone)]
enum PassOp {
    Redeem(String),
    Reset,
    Void(bool),
    Push(String),
    Delete,
}

/// One pass with its actions.
#[component]
pub fn PassDetail() -> impl IntoView {
    let session = use_session();
    let can = move |p: Permission| session.can(p);
    let ctype = use_ctype();
    let cid = use_param("id");
    let pid = use_param("pid");
    let refresh = RwSignal::new(0u32);
    let data = LocalResource::new(move || {
        refresh.track();
        let (t, c, p) = (ctype.get(), cid.get(), pid.get());
        async move {
            let campaign = load_campaign(t, c.clone()).await?;
            let t = campaign.campaign_type;
            let pass = api::passes::get(t, &c, &p).await?;
            let redeems = api::passes::redeems(t, &c, &p, &ListQuery::default())
                .await
                .map(|(r, _)| r)
                .unwrap_or_default();
            Ok::<_, ApiError>((campaign, pass, redeems))
        }
    });
    let assets = LocalResource::new(|| async { api::assets::all().await.unwrap_or_default() });
    let flash = RwSignal::new(take_next_flash().map(Ok));
    // The pass file, fetched once the pass is shown: a pass that cannot be built says
    // why here, before anyone tries to download it.
    let pkpass = LocalResource::new(move || {
        let pass = data
            .get()
            .and_then(|r| r.ok())
            .map(|(c, p, _)| (c.campaign_type, c.id, p.id));
        async move {
            match pass {
                Some((t, c, p)) => Some(api::passes::file(t, &c, &p).await),
                None => None,
            }
        }
    });
    let navigate = use_navigate();
    let op = Action::new_local(move |o: &PassOp| {
        let o = o.clone();
        let t = ctype.get_untracked().unwrap_or(CampaignType::Generic);
        let (cid, pid) = (cid.get_untracked(), pid.get_untracked());
        async move {
            let r = match &o {
                PassOp::Redeem(c) => api::passes::redeem(
                    t,
                    &cid,
                    &pid,
                    &RedeemInput {
                        comment: (!c.is_empty()).then(|| c.clone()),
                        ..Default::default()
                    },
                )
                .await
                .map(|p| {
                    format!(
                        "Redeemed ({} in total).",
                        crate::util::times(p.redeemed_count)
                    )
                }),
                PassOp::Reset => api::passes::reset_redeem(t, &cid, &pid)
                    .await
                    .map(|_| "Redeem reset: the pass is valid again.".into()),
                PassOp::Void(v) => api::passes::set_voided(t, &cid, &pid, *v).await.map(|_| {
                    if *v {
                        "Pass voided.".into()
                    } else {
                        "Pass is valid again.".into()
                    }
                }),
                PassOp::Push(m) => api::passes::push(
                    t,
                    &cid,
                    &pid,
                    &PushInput {
                        push_message: (!m.is_empty()).then(|| m.clone()),
                    },
                )
                .await
                .map(|b| b.message),
                PassOp::Delete => api::passes::delete(t, &cid, &pid)
                    .await
                    .map(|_| String::new()),
            };
            (o, r)
        }
    });
    Effect::new(move |_| {
        if let Some((o, r)) = op.value().get() {
            match r {
                Ok(_) if matches!(o, PassOp::Delete) => {
                    if let Some(t) = ctype.get_untracked() {
                        navigate(
                            &format!("{}/passes", campaign_href(t, &cid.get_untracked())),
                            Default::default(),
                        );
                    }
                }
                Ok(m) => {
                    flash.set(Some(Ok(m)));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => flash.set(Some(Err(format!("Refused: {}", e.message())))),
            }
        }
    });
    let confirm = RwSignal::new(false);
    let msg_open = RwSignal::new(false);
    let msg_is_redeem = RwSignal::new(false);
    let msg = RwSignal::new(String::new());
    view! {
        <Transition fallback=|| view! { <Loading what="pass"/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorBanner message=e.message()/> }.into_any(),
                    Ok((c, p, redeems)) => {
                        let assets = assets.await;
                        let layout = preview::layout(&preview::from_pass(&c, &p, &assets));
                        let images = view! { <PassImages c=c.clone() p=p.clone() assets=assets.clone()/> };
                        let voided = p.voided;
                        let state = pass_state(&p);
                        let values_of = p.clone();
                        let edit = format!("{}/edit", pass_href(c.campaign_type, &c.id, &p.id));
                        let redeem_rows = redeems.iter().map(|r| view! {
                            <tr><td>{fmt_datetime(&r.created_at)}</td><td>{r.comment.clone().unwrap_or_default()}</td></tr>
                        }).collect_view();
                        view! {
                            <CampaignHeader c=c.clone() title=format!("Pass {}", p.redeem_code)/>
                            <Flash flash=flash/>
                            <div class="toolbar" role="toolbar" aria-label="Pass actions">
                                <Show when=move || can(Permission::WritePasses)>
                                    <A href=crate::link(edit.clone()) attr:class="btn">"Edit"</A>
                                </Show>
                                <Show when=move || can(Permission::Redeem)>
                                    <button type="button" class="btn" disabled=voided on:click=move |_| { msg_is_redeem.set(true); msg.set(String::new()); msg_open.set(true); }>"Redeem…"</button>
                                </Show>
                                <Show when=move || can(Permission::WritePasses)>
                                    <button type="button" class="btn" on:click=move |_| { op.dispatch(PassOp::Reset); }>"Reset redeem"</button>
                                    <button type="button" class="btn" on:click=move |_| { op.dispatch(PassOp::Void(!voided)); }>{if voided { "Un-void" } else { "Void" }}</button>
                                    <button type="button" class="btn" on:click=move |_| { msg_is_redeem.set(false); msg.set(String::new()); msg_open.set(true); }>"Push…"</button>
                                </Show>
                                {move || match pkpass.get().flatten() {
                                    Some(Ok(u)) => view! { <a class="btn" href=u download="pass.pkpass">"Download .pkpass"</a> }.into_any(),
                                    Some(Err(e)) => view! {
                                        <button type="button" class="btn" aria-disabled="true" aria-describedby="pkpass-refused"
                                            on:click=move |_| reveal_errors()>"Download .pkpass"</button>
                                        <span class="sr-only">{format!("Unavailable: {}", e.message())}</span>
                                    }.into_any(),
                                    None => view! { <span class="btn" aria-disabled="true">"Preparing .pkpass…"</span> }.into_any(),
                                }}
                                <a class="btn" href=p.page_url.clone() target="_blank" rel="noopener">"Open page"</a>
                                <Show when=move || can(Permission::WritePasses)>
                                    <button type="button" class="btn danger" on:click=move |_| confirm.set(true)>"Delete…"</button>
                                </Show>
                            </div>
                            {move || pkpass.get().flatten().and_then(|r| r.err()).map(|e| view! {
                                <div class="banner error" role="alert" id="pkpass-refused" tabindex="-1">
                                    <strong>"This pass cannot be downloaded. "</strong>
                                    {format!("{}.", e.message().trim_end_matches('.'))}
                                    " Its download page and its .pkpass file refuse it until this is fixed (edit the pass or its campaign)."
                                </div>
                            })}
                            <div class="two-col">
                                <div>
                                    <section class="card">
                                        <dl class="kvs">
                                            <Kv k="Redeem code"><span class="mono">{p.redeem_code.clone()}</span></Kv>
                                            <Kv k="State"><Pill text=state/></Kv>
                                            <Kv k="Redeemed">{crate::util::times(p.redeemed_count)}</Kv>
                                            <Kv k="Last redeemed">{fmt_opt_datetime(&p.redeemed_at)}</Kv>
                                            <Kv k="Last fetched by a device">{fmt_opt_datetime(&p.last_fetched_at)}</Kv>
                                            <Kv k="Serial number"><span class="mono">{p.serial_number.clone()}</span></Kv>
                                            <Kv k="Expires">{fmt_opt_datetime(&p.expiration_date)}</Kv>
                                            <Kv k="Relevant date">{fmt_opt_datetime(&p.relevant_date)}</Kv>
                                            <Kv k="Barcode">{format!("{} · {}", p.barcode.format.as_str(), p.barcode.message)}</Kv>
                                            {p.personalization.clone().map(|info| view! {
                                                <Kv k="Signed up in Wallet">{crate::draft::personalization_summary(&info)}" · "{fmt_opt_datetime(&info.personalized_at)}</Kv>
                                            })}
                                            <Kv k="Page"><a href=p.page_url.clone() target="_blank" rel="noopener" class="mono">{p.page_url.clone()}</a>" "<CopyButton text=p.page_url.clone()/></Kv>
                                            <Kv k="Pass file"><span class="mono">{p.pkpass_url.clone()}</span>" "<CopyButton text=p.pkpass_url.clone()/></Kv>
                                            <Kv k="Metadata"><span class="mono">{p.metadata.to_string()}</span></Kv>
                                            <Kv k="User info"><span class="mono">{p.user_info.to_string()}</span></Kv>
                                            <Kv k="Created">{fmt_datetime(&p.created_at)}</Kv>
                                            <Kv k="Updated">{fmt_datetime(&p.updated_at)}</Kv>
                                        </dl>
                                    </section>
                                    <FieldValues p=values_of/>
                                    {images}
                                    <GoogleWalletSection kind=c.campaign_type campaign_id=c.id.clone() pass_id=p.id.clone() save_link=p.google_save_url.clone()/>
                                    <h2>"Redeems"</h2>
                                    {if redeems.is_empty() {
                                        view! { <Empty message="Not redeemed yet."/> }.into_any()
                                    } else {
                                        view! {
                                            <div class="table-wrap"><table class="data">
                                                <thead><tr><th scope="col">"When"</th><th scope="col">"Comment"</th></tr></thead>
                                                <tbody>{redeem_rows}</tbody>
                                            </table></div>
                                        }.into_any()
                                    }}
                                </div>
                                <div class="sticky"><PassPreview layout=Signal::stored(layout)/></div>
                            </div>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
        <Modal open=msg_open title="Pass action">
            <form on:submit=move |ev| {
                ev.prevent_default();
                let m = msg.get_untracked().trim().to_string();
                op.dispatch(if msg_is_redeem.get_untracked() { PassOp::Redeem(m) } else { PassOp::Push(m) });
                msg_open.set(false);
            }>
                <div class="control">
                    <label for="pass-msg">{move || if msg_is_redeem.get() { "Redeem comment (optional)" } else { "Lock-screen message (optional)" }}</label>
                    <input id="pass-msg" autofocus prop:value=move || msg.get() on:input=move |ev| msg.set(event_target_value(&ev))/>
                </div>
                <div class="actions">
                    <button type="button" class="btn" on:click=move |_| msg_open.set(false)>"Cancel"</button>
                    <button type="submit" class="btn primary">{move || if msg_is_redeem.get() { "Redeem" } else { "Push" }}</button>
                </div>
            </form>
        </Modal>
        <Confirm open=confirm title="Delete pass" message="Delete this pass? An installed copy stops receiving updates."
            confirm_label="Delete pass" on_confirm=Callback::new(move |_| { op.dispatch(PassOp::Delete); })/>
    }
}

/// The redeem screen's camera: the browser's `BarcodeDetector` reading the camera's
/// picture a few times a second where the browser has one (Chrome on Android and macOS,
/// Safari), and elsewhere (desktop Chromium on Linux, Firefox) the frames drawn into a
/// canvas and searched for QR codes in wasm with `rqrr`. Offered wherever the browser
/// gives access to a camera; the code field still takes a hand scanner or the keyboard.
#[derive(Clone, Copy)]
struct Scanner {
    on: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    video: NodeRef<leptos::html::Video>,
    /// The camera's picture with the last result over it.
    frame: NodeRef<leptos::html::Div>,
    stream: StoredValue<Option<web_sys::MediaStream>, LocalStorage>,
    on_code: StoredValue<std::sync::Arc<dyn Fn(String) -> bool + Send + Sync>>,
}

/// What reads the codes in the camera's picture.
enum CodeReader {
    /// The browser's `BarcodeDetector` (every format it knows).
    Native {
        detector: wasm_bindgen::JsValue,
        detect: js_sys::Function,
    },
    /// QR codes found in the frames by `rqrr`, in wasm.
    Wasm {
        canvas: web_sys::HtmlCanvasElement,
        context: web_sys::CanvasRenderingContext2d,
    },
}

/// Frames are searched at most this wide (a QR code filling a fifth of the picture still
/// has 4 pixels per module at version 5), so a frame takes a few milliseconds.
const SCAN_WIDTH: u32 = 640;

impl CodeReader {
    fn new() -> Result<Self, String> {
        use wasm_bindgen::JsCast;
        let w = web_sys::window().ok_or("no window")?;
        if Scanner::native() {
            let ctor: js_sys::Function = js_sys::Reflect::get(&w, &"BarcodeDetector".into())
                .map_err(|_| "no BarcodeDetector")?
                .unchecked_into();
            let detector = js_sys::Reflect::construct(&ctor, &js_sys::Array::new())
                .map_err(|_| "This browser cannot read barcodes.".to_string())?;
            let detect: js_sys::Function = js_sys::Reflect::get(&detector, &"detect".into())
                .map_err(|_| "no detect")?
                .unchecked_into();
            return Ok(CodeReader::Native { detector, detect });
        }
        let document = w.document().ok_or("no document")?;
        let canvas: web_sys::HtmlCanvasElement = document
            .create_element("canvas")
            .map_err(|_| "no canvas")?
            .unchecked_into();
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"willReadFrequently".into(), &true.into());
        let context: web_sys::CanvasRenderingContext2d = canvas
            .get_context_with_context_options("2d", &options)
            .ok()
            .flatten()
            .ok_or("This browser cannot read the camera's picture.")?
            .unchecked_into();
        Ok(CodeReader::Wasm { canvas, context })
    }

    /// The first code in the video's current frame.
    async fn read(&self, video: &web_sys::HtmlVideoElement) -> Option<String> {
        match self {
            CodeReader::Native { detector, detect } => {
                let promise = detect.call1(detector, video).ok()?;
                let found = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise))
                    .await
                    .ok()?;
                let first = js_sys::Array::from(&found).get(0);
                js_sys::Reflect::get(&first, &"rawValue".into())
                    .ok()
                    .and_then(|v| v.as_string())
            }
            CodeReader::Wasm { canvas, context } => {
                let (vw, vh) = (video.video_width(), video.video_height());
                if vw == 0 || vh == 0 {
                    return None;
                }
                let (w, h) = if vw > SCAN_WIDTH {
                    (SCAN_WIDTH, (vh * SCAN_WIDTH / vw).max(1))
                } else {
                    (vw, vh)
                };
                canvas.set_width(w);
                canvas.set_height(h);
                context
                    .draw_image_with_html_video_element_and_dw_and_dh(
                        video, 0.0, 0.0, w as f64, h as f64,
                    )
                    .ok()?;
                let rgba = context
                    .get_image_data(0.0, 0.0, w as f64, h as f64)
                    .ok()?
                    .data();
                decode_qr(&rgba, w as usize, h as usize)
            }
        }
    }
}

/// The text of the first QR code found in an RGBA picture of `w`×`h` pixels.
fn decode_qr(rgba: &[u8], w: usize, h: usize) -> Option<String> {
    if rgba.len() < w * h * 4 {
        return None;
    }
    let luma: Vec<u8> = rgba
        .chunks_exact(4)
        .map(|p| ((p[0] as u32 * 77 + p[1] as u32 * 150 + p[2] as u32 * 29) >> 8) as u8)
        .collect();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| luma[y * w + x]);
    prepared
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

impl Scanner {
    /// `on_code` takes a read code; it returns false when it cannot take one now (a
    /// redeem is still under way), and the same code is then handed on again.
    fn new(on_code: impl Fn(String) -> bool + Send + Sync + 'static) -> Self {
        let s = Scanner {
            on: RwSignal::new(false),
            error: RwSignal::new(None),
            video: NodeRef::new(),
            frame: NodeRef::new(),
            stream: StoredValue::new_local(None),
            on_code: StoredValue::new(std::sync::Arc::new(on_code)),
        };
        // Leaving the page switches the camera off (the reading task is dropped).
        on_cleanup(move || s.stop_camera());
        s
    }

    fn stop_camera(self) {
        use wasm_bindgen::JsCast;
        if let Some(stream) = self.stream.try_update_value(|s| s.take()).flatten() {
            for track in stream.get_tracks().iter() {
                track.unchecked_into::<web_sys::MediaStreamTrack>().stop();
            }
        }
    }

    fn has(obj: &wasm_bindgen::JsValue, name: &str) -> bool {
        js_sys::Reflect::has(obj, &name.into()).unwrap_or(false)
    }

    /// True when the browser gives access to a camera.
    fn available() -> bool {
        web_sys::window().is_some_and(|w| Self::has(&w.navigator(), "mediaDevices"))
    }

    /// True when the browser reads barcodes itself (`BarcodeDetector`).
    fn native() -> bool {
        web_sys::window().is_some_and(|w| Self::has(&w, "BarcodeDetector"))
    }

    /// Scrolls the camera's picture (and the result drawn over it) into view, the least
    /// that shows it: on a phone the picture is below the code field, under the fold.
    fn reveal(self) {
        if let Some(el) = self.frame.get_untracked() {
            let opts = web_sys::ScrollIntoViewOptions::new();
            opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&opts);
        }
    }

    /// The camera button and picture; `overlay` is drawn over the top of the picture
    /// (the last scan's result, where door staff look).
    fn view(self, overlay: impl IntoView) -> impl IntoView {
        let available = Self::available();
        let native = Self::native();
        let toggle = move |_| {
            if self.on.get_untracked() {
                self.on.set(false);
            } else {
                self.on.set(true);
                self.error.set(None);
                api::spawn(async move {
                    if let Err(e) = self.run().await {
                        self.error.set(Some(e));
                        self.on.set(false);
                    }
                });
            }
        };
        view! {
            {available.then(|| view! {
                <button type="button" class="btn" id="scan-camera" aria-pressed=move || self.on.get().to_string() on:click=toggle>
                    {move || if self.on.get() { "Stop the camera" } else { "Scan with the camera" }}
                </button>
                {(!native).then(|| view! {
                    <p class="hint scanner-qr-only">"With this browser the camera reads QR codes; type or use a hand scanner for other barcodes."</p>
                })}
            })}
            {(!available).then(|| view! {
                <p class="hint scanner-absent">"This browser gives no access to a camera: use a hand scanner, or type or paste the code."</p>
            })}
            {move || self.error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div node_ref=self.frame class="scanner-frame" class:shown=move || self.on.get()>
                <video node_ref=self.video class="scanner-video" muted=true playsinline=true aria-label="Camera picture"></video>
                {overlay}
            </div>
        }
    }

    /// Opens the camera and reads codes until switched off; each new code is handed
    /// on (the same code again only after two seconds out of sight, so one pass is read
    /// once however long it is shown).
    async fn run(self) -> Result<(), String> {
        use wasm_bindgen::JsCast;
        use wasm_bindgen_futures::JsFuture;
        let w = web_sys::window().ok_or("no window")?;
        let devices = w
            .navigator()
            .media_devices()
            .map_err(|_| "This browser gives no access to a camera.".to_string())?;
        let reader = CodeReader::new()?;
        let constraints = web_sys::MediaStreamConstraints::new();
        let video_opts = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&video_opts, &"facingMode".into(), &"environment".into());
        constraints.set_video(&video_opts);
        let stream: web_sys::MediaStream = JsFuture::from(
            devices
                .get_user_media_with_constraints(&constraints)
                .map_err(|_| "The camera could not be opened.".to_string())?,
        )
        .await
        .map_err(|_| "The camera was not allowed or is in use.".to_string())?
        .unchecked_into();
        let Some(video) = self.video.get_untracked() else {
            return Ok(());
        };
        video.set_src_object(Some(&stream));
        self.stream.set_value(Some(stream));
        let _ = video.play();
        self.reveal();
        let mut last = (String::new(), 0.0);
        while self.on.try_get_untracked().unwrap_or(false) {
            sleep_ms(200).await;
            if video.ready_state() < 2 {
                continue;
            }
            let Some(value) = reader.read(&video).await else {
                continue;
            };
            // A code held in front of the camera is read once: it is handed on again
            // only after it has been out of sight for two seconds.
            let now = js_sys::Date::now();
            if value == last.0 && now - last.1 < 2000.0 {
                last.1 = now;
                continue;
            }
            if self.on_code.with_value(|f| f(value.clone())) {
                last = (value, now);
            }
        }
        self.stop_camera();
        video.set_src_object(None);
        Ok(())
    }
}

/// Outcome of a redeem attempt on the redeem screen.
#[derive(Debug, Clone)]
struct RedeemOutcome {
    code: String,
    redeemed: bool,
    pass: Option<Pass>,
    error: Option<ApiError>,
}

impl RedeemOutcome {
    /// Whether it went well, and the result in one line.
    fn headline(&self) -> (bool, String) {
        match (&self.error, self.redeemed) {
            (None, true) => (true, format!("✓ Code {} redeemed.", self.code)),
            (None, false) => (true, format!("Code {} found (not redeemed).", self.code)),
            (Some(e), _) => (
                false,
                match e.status {
                    404 => format!("✗ Code {} is not a pass of this campaign.", self.code),
                    412 => format!("✗ Code {} cannot be redeemed: {}", self.code, e.plain()),
                    _ => format!("✗ {}", e.message()),
                },
            ),
        }
    }
}

/// Type or paste a code: redeem it (or only look it up) and see the pass and the result.
#[component]
pub fn RedeemScreen() -> impl IntoView {
    let session = use_session();
    let ctype = use_ctype();
    let cid = use_param("id");
    let campaign = LocalResource::new(move || load_campaign(ctype.get(), cid.get()));
    let assets = LocalResource::new(|| async { api::assets::all().await.unwrap_or_default() });
    let code = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let run = Action::new_local(move |(redeem, code, comment): &(bool, String, String)| {
        let (redeem, code, comment) =
            (*redeem, code.trim().to_string(), comment.trim().to_string());
        let t = ctype.get_untracked().unwrap_or(CampaignType::Generic);
        let cid = cid.get_untracked();
        async move {
            if redeem {
                let body = RedeemInput {
                    redeem_code: Some(code.clone()),
                    comment: (!comment.is_empty()).then_some(comment),
                };
                match api::campaigns::redeem_code(t, &cid, &body).await {
                    Ok(p) => RedeemOutcome {
                        code,
                        redeemed: true,
                        pass: Some(p),
                        error: None,
                    },
                    Err(e) => {
                        let pass = api::campaigns::look_up_code(t, &cid, &code).await.ok();
                        RedeemOutcome {
                            code,
                            redeemed: false,
                            pass,
                            error: Some(e),
                        }
                    }
                }
            } else {
                match api::campaigns::look_up_code(t, &cid, &code).await {
                    Ok(p) => RedeemOutcome {
                        code,
                        redeemed: false,
                        pass: Some(p),
                        error: None,
                    },
                    Err(e) => RedeemOutcome {
                        code,
                        redeemed: false,
                        pass: None,
                        error: Some(e),
                    },
                }
            }
        }
    });
    let submit = move |redeem: bool| {
        if !code.get_untracked().trim().is_empty() {
            run.dispatch((redeem, code.get_untracked(), comment.get_untracked()));
        }
    };
    // Ready for the next scan without a touch: each result empties the code field and
    // puts the focus back in it (the result stays on screen until the next one).
    let code_input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if run.value().with(|v| v.is_some()) {
            code.set(String::new());
            comment.set(String::new());
            if let Some(el) = code_input.get_untracked() {
                let _ = el.focus();
            }
        }
    });
    let scanner = Scanner::new(move |value: String| {
        if run.pending().get_untracked() {
            return false;
        }
        code.set(value);
        submit(true);
        true
    });
    // Each result of a camera scan is brought into view with the picture it is drawn on.
    Effect::new(move |_| {
        if run.value().with(|v| v.is_some()) && scanner.on.get_untracked() {
            // After the code field took the focus back (which may scroll it into view).
            set_timeout(move || scanner.reveal(), std::time::Duration::ZERO);
        }
    });
    let result = move || {
        run.value().get().map(|o| {
            let camp = campaign.get().and_then(|r| r.ok());
            let a = assets.get().unwrap_or_default();
            let headline = match o.headline() {
                (true, text) => {
                    view! { <div class="banner info result" role="status">{text}</div> }.into_any()
                }
                (false, text) => {
                    view! { <div class="banner error result" role="alert">{text}</div> }.into_any()
                }
            };
            let detail = o.pass.clone().zip(camp).map(|(p, c)| {
                let layout = preview::layout(&preview::from_pass(&c, &p, &a));
                let href = pass_href(c.campaign_type, &c.id, &p.id);
                view! {
                    <div class="two-col" style="grid-template-columns: 1fr 340px">
                        <dl class="kvs card">
                            // A scanner cannot open the pass page: the code only.
                            <Kv k="Pass">{if session.can(Permission::ReadPasses) {
                                view! { <A href=crate::link(href)>{p.redeem_code.clone()}</A> }.into_any()
                            } else {
                                view! { <span class="mono">{p.redeem_code.clone()}</span> }.into_any()
                            }}</Kv>
                            <Kv k="Voided">{if p.voided { "Yes" } else { "No" }}</Kv>
                            <Kv k="Redeemed">{crate::util::times(p.redeemed_count)}</Kv>
                            <Kv k="Last redeemed">{fmt_opt_datetime(&p.redeemed_at)}</Kv>
                        </dl>
                        <PassPreview layout=Signal::stored(layout)/>
                    </div>
                }
            });
            view! { {headline}{detail} }
        })
    };
    view! {
        <Transition fallback=|| view! { <Loading what="campaign"/> }>
            {move || Suspend::new(async move {
                match campaign.await {
                    Err(e) => view! { <ErrorBanner message=e.message()/> }.into_any(),
                    Ok(c) => view! { <CampaignHeader c=c title="Redeem"/> }.into_any(),
                }
            })}
        </Transition>
        <form class="card" on:submit=move |ev| { ev.prevent_default(); submit(true); }>
            <div class="control">
                <label for="redeem-code">"Redeem code"</label>
                <input id="redeem-code" node_ref=code_input class="redeem-input" autofocus autocomplete="off" inputmode="text"
                    prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                <p class="hint">"Type, paste or scan the code; Enter redeems it. The field empties itself for the next code."</p>
                // While the camera is on, the last result shows over the top of its picture,
                // where door staff look (the full result, with the pass, is below the form,
                // out of sight on a phone; it stays the live region).
                {scanner.view(move || scanner.on.get().then(|| run.value().get().map(|o| {
                    let (ok, text) = o.headline();
                    view! { <p class="banner scan-last" id="scan-result" class:info=ok class:error=!ok aria-hidden="true">{text}</p> }
                })).flatten())}
            </div>
            <div class="control">
                <label for="redeem-comment">"Comment (optional)"</label>
                <input id="redeem-comment" prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))/>
            </div>
            <div class="actions">
                <button type="submit" class="btn primary" disabled=move || run.pending().get()>"Redeem"</button>
                <button type="button" class="btn" on:click=move |_| submit(false)>"Look up only"</button>
                <button type="button" class="btn ghost" on:click=move |_| { code.set(String::new()); comment.set(String::new()); }>"Clear"</button>
            </div>
        </form>
        <div aria-live="polite">{result}</div>
    }
}
