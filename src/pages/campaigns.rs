//! Campaign list and detail pages, one implementation for the five types.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use passworks_wire::query::ListQuery;
use passworks_wire::{
    Campaign, CampaignState, CampaignType, Field, MessageBody, Permission, PushInput,
};

use crate::api::{self, ApiError, StateChange};
use crate::components::*;
use crate::pages::{campaign_href, use_ctype, use_param};
use crate::preview;
use crate::session::use_session;
use crate::table_state::{Column, FilterKind};
use crate::util::{fmt_datetime, fmt_opt_datetime};

/// Sub-navigation of one campaign: the sections the signed-in role may open.
#[component]
pub fn CampaignNav(ctype: CampaignType, #[prop(into)] id: String) -> impl IntoView {
    let session = use_session();
    let can = move |p: Permission| session.can(p);
    let base = campaign_href(ctype, &id);
    let overview = base.clone();
    let tab = move |path: &str, label: &'static str, p: Permission| {
        let href = format!("{base}{path}");
        view! { <Show when=move || can(p)><A href=crate::link(href.clone())>{label}</A></Show> }
    };
    view! {
        <nav class="tabs" aria-label="Campaign sections">
            <A href=crate::link(overview) exact=true>"Overview"</A>
            {tab("/passes", "Passes", Permission::ReadPasses)}
            {tab("/redeem", "Redeem", Permission::Redeem)}
            {tab("/registrations", "Registrations", Permission::ReadPasses)}
            {tab("/reports", "Reports", Permission::Read)}
            {tab("/edit", "Edit", Permission::Design)}
        </nav>
    }
}

/// What the campaigns table's bulk bar does to every selected campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CampaignBulk {
    Change(StateChange),
    Delete,
}

impl CampaignBulk {
    /// The verb the result message starts with.
    fn verb(self) -> &'static str {
        match self {
            CampaignBulk::Change(t) => t.as_str(),
            CampaignBulk::Delete => "delete",
        }
    }

    async fn run(self, kind: CampaignType, id: &str) -> api::ApiResult<()> {
        match self {
            CampaignBulk::Change(t) => api::campaigns::change_state(kind, id, t).await.map(|_| ()),
            CampaignBulk::Delete => api::campaigns::delete(kind, id).await,
        }
    }
}

/// Campaigns of one type.
#[component]
pub fn CampaignList() -> impl IntoView {
    let ctype = use_ctype();
    let selected = RwSignal::new(Vec::<String>::new());
    let refresh = RwSignal::new(0u32);
    let flash = RwSignal::new(None::<Result<String, String>>);
    let confirm_delete = RwSignal::new(false);
    let confirm_pause = RwSignal::new(false);
    Effect::new(move |_| {
        ctype.track();
        selected.set(Vec::new());
    });
    let columns = vec![
        Column::new("name", "Name").filter(FilterKind::Contains),
        Column::new("state", "State").filter(FilterKind::Choice(&[
            "published",
            "paused",
            "archived",
        ])),
        Column::new("passes_count", "Passes").unsorted(),
        Column::new("redeemed_count", "Redeemed").unsorted(),
        Column::new("created_at", "Created"),
    ];
    let bulk_run = move |op: CampaignBulk| {
        let Some(t) = ctype.get_untracked() else {
            return;
        };
        let ids = selected.get_untracked();
        api::spawn(async move {
            let mut ok = 0;
            let mut failed = Vec::new();
            for id in &ids {
                match op.run(t, id).await {
                    Ok(()) => ok += 1,
                    Err(e) => failed.push(e.message()),
                }
            }
            flash.set(Some(crate::util::bulk_summary(
                op.verb(),
                "campaigns",
                ok,
                &failed,
            )));
            selected.set(Vec::new());
            refresh.update(|n| *n += 1);
        });
    };
    let session = use_session();
    let design = move || session.can(Permission::Design);
    // Only a role that may change campaigns selects rows for the bulk actions.
    let table = move || {
        let design = design();
        ctype.get().map(|t| {
            let fetch = move |q: ListQuery| {
                let t = ctype.get().unwrap_or(t);
                async move { api::campaigns::list(t, &q).await }
            };
            let row = move |c: &Campaign| {
                let name = c.name.clone();
                view! {
                    <td><A href=crate::link(campaign_href(c.campaign_type, &c.id))>{name}</A></td>
                    <td><Pill text=c.state.as_str()/></td>
                    <td>{c.passes_count}</td>
                    <td>{c.redeemed_count}</td>
                    <td>{fmt_datetime(&c.created_at)}</td>
                }
                .into_any()
            };
            let csv = CsvExport::new(format!("{}.csv", t.as_str()), move |q| async move {
                api::campaigns::export_csv(t, &q).await
            });
            let empty = format!("No {} yet.", t.plural_label().to_lowercase());
            if !design {
                return view! {
                    <DataTable caption=t.plural_label() columns=columns.clone() fetch=fetch row=row
                        row_id=|c: &Campaign| c.id.clone() csv=csv empty=empty refresh=refresh/>
                }
                .into_any();
            }
            view! {
                <DataTable
                    caption=t.plural_label()
                    columns=columns.clone()
                    fetch=fetch
                    row=row
                    row_id=|c: &Campaign| c.id.clone()
                    csv=csv
                    empty=empty
                    selected=selected
                    refresh=refresh
                    bulk=std::sync::Arc::new(move || {
                        view! {
                            <button type="button" class="btn small" on:click=move |_| confirm_pause.set(true)>"Pause…"</button>
                            <button type="button" class="btn small" on:click=move |_| bulk_run(CampaignBulk::Change(StateChange::Resume))>"Resume"</button>
                            <button type="button" class="btn small" on:click=move |_| bulk_run(CampaignBulk::Change(StateChange::Archive))>"Archive"</button>
                            <button type="button" class="btn small danger" on:click=move |_| confirm_delete.set(true)>"Delete"</button>
                        }
                        .into_any()
                    })
                />
            }
            .into_any()
        })
    };
    view! {
        <div class="page-head">
            <h1>{move || ctype.get().map(|t| t.plural_label()).unwrap_or("Unknown campaign type")}</h1>
            {move || ctype.get().filter(|_| design()).map(|t| view! {
                <A href=crate::link(format!("/campaigns/{}/new", t.as_str())) attr:class="btn primary">
                    {format!("New {}", t.label().to_lowercase())}
                </A>
            })}
        </div>
        <Flash flash=flash/>
        {table}
        <Confirm
            open=confirm_delete
            title="Delete campaigns"
            message=Signal::derive(move || format!(
                "Delete {} campaign(s) and all their passes? This cannot be undone.",
                selected.with(|s| s.len())
            ))
            confirm_label="Delete"
            on_confirm=Callback::new(move |_| bulk_run(CampaignBulk::Delete))
        />
        <Confirm
            open=confirm_pause
            title="Pause campaigns"
            message=Signal::derive(move || format!(
                "Pause {} campaign(s)? Their download pages stop issuing passes (visitors see “no longer available”) until you resume them. Passes already issued keep working.",
                selected.with(|s| s.len())
            ))
            confirm_label="Pause"
            on_confirm=Callback::new(move |_| bulk_run(CampaignBulk::Change(StateChange::Pause)))
        />
    }
}

/// Operations on a campaign from its detail page.
#[derive(Debug, Clone)]
enum Op {
    Change(StateChange),
    Merge(String),
    Push(String),
    Delete,
}

/// One campaign: every attribute, distribution links, state actions, merge/push, delete.
#[component]
pub fn CampaignDetail() -> impl IntoView {
    let session = use_session();
    let can = move |p: Permission| session.can(p);
    let ctype = use_ctype();
    let id = use_param("id");
    let refresh = RwSignal::new(0u32);
    let campaign = LocalResource::new(move || {
        refresh.track();
        let (t, id) = (ctype.get(), id.get());
        async move {
            match t {
                Some(t) => api::campaigns::get(t, &id).await,
                None => Err(ApiError::base(404, "Unknown campaign type")),
            }
        }
    });
    let assets = LocalResource::new(|| async { api::assets::all().await.unwrap_or_default() });
    let flash = RwSignal::new(take_next_flash().map(Ok));
    // Issued passes that do not show the last edit yet (offered the merge below).
    let changes = LocalResource::new(move || {
        refresh.track();
        let (t, id) = (ctype.get(), id.get());
        async move {
            match t {
                Some(t) => api::campaigns::changes(t, &id).await.ok(),
                None => None,
            }
        }
    });
    let names = LocalResource::new(|| async {
        let templates = api::templates::all().await.unwrap_or_default();
        let certificates = api::certificates::all().await.unwrap_or_default();
        (templates, certificates)
    });
    let navigate = use_navigate();
    let op = Action::new_local(move |op: &Op| {
        let op = op.clone();
        let t = ctype.get_untracked().unwrap_or(CampaignType::Generic);
        let id = id.get_untracked();
        async move {
            let msg = match &op {
                Op::Change(to) => api::campaigns::change_state(t, &id, *to).await.map(|_| {
                    match to {
                        StateChange::Pause => "Campaign paused.",
                        StateChange::Resume => "Campaign resumed.",
                        StateChange::Archive => "Campaign archived.",
                    }
                    .to_string()
                }),
                Op::Merge(m) => {
                    let body = PushInput {
                        push_message: (!m.trim().is_empty()).then(|| m.trim().to_string()),
                    };
                    let r = api::campaigns::merge(t, &id, &body).await;
                    if let Ok(MessageBody {
                        job_id: Some(job), ..
                    }) = &r
                    {
                        follow_job(job.clone(), flash, refresh);
                    }
                    r.map(|b| b.message)
                }
                Op::Push(m) => {
                    let body = PushInput {
                        push_message: (!m.trim().is_empty()).then(|| m.trim().to_string()),
                    };
                    api::campaigns::push(t, &id, &body).await.map(|b| b.message)
                }
                Op::Delete => api::campaigns::delete(t, &id)
                    .await
                    .map(|_| "deleted".to_string()),
            };
            (op, msg)
        }
    });
    Effect::new(move |_| {
        if let Some((o, r)) = op.value().get() {
            match r {
                Ok(_) if matches!(o, Op::Delete) => {
                    if let Some(t) = ctype.get_untracked() {
                        navigate(&format!("/campaigns/{}", t.as_str()), Default::default());
                    }
                }
                Ok(m) => {
                    flash.set(Some(Ok(m)));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => flash.set(Some(Err(format!(
                    "Refused: {}",
                    crate::util::humane_refusal(&e.message())
                )))),
            }
        }
    });
    let confirm_delete = RwSignal::new(false);
    let confirm_pause = RwSignal::new(false);
    let push_open = RwSignal::new(false);
    let push_is_merge = RwSignal::new(false);
    let push_message = RwSignal::new(String::new());
    view! {
        <Transition fallback=|| view! { <Loading what="campaign"/> }>
            {move || Suspend::new(async move {
                match campaign.await {
                    Err(e) => view! { <ErrorBanner message=e.message()/> }.into_any(),
                    Ok(c) => {
                        let assets = assets.await;
                        let layout = preview::layout(&preview::from_campaign(&c, &assets));
                        let google = crate::google_live::preview(&c, &crate::google_live::sample_pass(&c), &assets, &crate::google_live::now_iso());
                        let state = c.state;
                        view! {
                            <div class="page-head">
                                <h1>{c.name.clone()}" "<Pill text=c.state.as_str()/></h1>
                            </div>
                            <p class="lead">{format!("{} · {} passes · {} redeemed", c.campaign_type.label(), c.passes_count, c.redeemed_count)}</p>
                            <CampaignNav ctype=c.campaign_type id=c.id.clone()/>
                            <Flash flash=flash/>
                            {move || changes.get().flatten().filter(|ch| ch.outdated_passes_count > 0).map(|ch| {
                                let n = ch.outdated_passes_count;
                                view! {
                                    <div class="banner warn unpublished" role="status">
                                        <span>{unpublished_text(n)}</span>
                                        " "
                                        <Show when=move || can(Permission::Design)>
                                            <button type="button" class="btn small" on:click=move |_| { push_is_merge.set(true); push_message.set(String::new()); push_open.set(true); }>
                                                "Merge into passes…"
                                            </button>
                                        </Show>
                                    </div>
                                }
                            })}
                            // Only what the role may do (design: state, merge, delete;
                            // write_passes: push).
                            <Show when=move || can(Permission::Design) || can(Permission::WritePasses)>
                            <div class="toolbar" role="toolbar" aria-label="Campaign actions">
                                <Show when=move || can(Permission::Design)>
                                <button type="button" class="btn" disabled=state != CampaignState::Published on:click=move |_| confirm_pause.set(true)>"Pause…"</button>
                                <button type="button" class="btn" disabled=state != CampaignState::Paused on:click=move |_| { op.dispatch(Op::Change(StateChange::Resume)); }>"Resume"</button>
                                <button type="button" class="btn" disabled=state == CampaignState::Archived on:click=move |_| { op.dispatch(Op::Change(StateChange::Archive)); }>"Archive"</button>
                                <button type="button" class="btn" on:click=move |_| { push_is_merge.set(true); push_message.set(String::new()); push_open.set(true); }>"Merge into passes…"</button>
                                </Show>
                                <Show when=move || can(Permission::WritePasses)>
                                <button type="button" class="btn" on:click=move |_| { push_is_merge.set(false); push_message.set(String::new()); push_open.set(true); }>"Push update…"</button>
                                </Show>
                                <Show when=move || can(Permission::Design)>
                                <button type="button" class="btn danger" on:click=move |_| confirm_delete.set(true)>"Delete…"</button>
                                </Show>
                                {move || op.pending().get().then(|| view! { <span role="status">"Working…"</span> })}
                            </div>
                            </Show>
                            <div class="two-col">
                                <div>
                                    <Distribution c=c.clone()/>
                                    <Attributes c=c.clone() assets=assets.clone() names=names/>
                                </div>
                                <div class="sticky preview-pane shown"><FormPreviews layout=Signal::stored(layout) google=Signal::stored(google)/></div>
                            </div>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
        <Modal open=push_open title="Send an update">
            <form on:submit=move |ev| {
                ev.prevent_default();
                let m = push_message.get_untracked();
                op.dispatch(if push_is_merge.get_untracked() { Op::Merge(m) } else { Op::Push(m) });
                push_open.set(false);
            }>
                <p>{move || if push_is_merge.get() {
                    "Merge applies the campaign's current layout, fixed fields, locations and beacons to every pass (dynamic values are kept), then notifies the devices."
                } else {
                    "Push asks every device holding a pass of this campaign to fetch its latest version. Pass data is not changed."
                }}</p>
                <div class="control">
                    <label for="push-message">"Lock-screen message (optional)"</label>
                    <input id="push-message" autofocus prop:value=move || push_message.get() on:input=move |ev| push_message.set(event_target_value(&ev))/>
                </div>
                <div class="actions">
                    <button type="button" class="btn" on:click=move |_| push_open.set(false)>"Cancel"</button>
                    <button type="submit" class="btn primary">{move || if push_is_merge.get() { "Merge and push" } else { "Push" }}</button>
                </div>
            </form>
        </Modal>
        <Confirm
            open=confirm_delete
            title="Delete campaign"
            message="Delete this campaign and all its passes? Installed passes stop receiving updates. This cannot be undone."
            confirm_label="Delete campaign"
            on_confirm=Callback::new(move |_| { op.dispatch(Op::Delete); })
        />
        <Confirm
            open=confirm_pause
            title="Pause campaign"
            message="Pause this campaign? Its download page stops issuing passes (visitors see “no longer available”) until you resume it. Passes already issued keep working."
            confirm_label="Pause campaign"
            on_confirm=Callback::new(move |_| { op.dispatch(Op::Change(StateChange::Pause)); })
        />
    }
}

/// What the unpublished-changes banner says about `n` outdated passes.
pub fn unpublished_text(n: i64) -> String {
    if n == 1 {
        "1 issued pass does not show your last changes yet: merge to update it and notify its device.".to_string()
    } else {
        format!("{n} issued passes do not show your last changes yet: merge to update them and notify their devices.")
    }
}

/// Polls a background merge job and reports its progress in the flash message.
fn follow_job(
    job: String,
    flash: RwSignal<Option<Result<String, String>>>,
    refresh: RwSignal<u32>,
) {
    api::spawn(async move {
        for _ in 0..120 {
            sleep_ms(1000).await;
            match api::jobs::get(&job).await {
                Ok(j) if j.state == "done" => {
                    flash.set(Some(Ok(format!(
                        "Merge finished: {} passes updated.",
                        j.processed
                    ))));
                    refresh.update(|n| *n += 1);
                    return;
                }
                Ok(j) if j.state == "failed" => {
                    flash.set(Some(Err(format!(
                        "Merge failed: {}",
                        j.error.unwrap_or_default()
                    ))));
                    return;
                }
                Ok(j) => flash.set(Some(Ok(format!(
                    "Merging: {} of {} passes…",
                    j.processed, j.total
                )))),
                Err(e) => {
                    flash.set(Some(Err(e.message())));
                    return;
                }
            }
        }
    });
}

#[component]
fn Distribution(c: Campaign) -> impl IntoView {
    let qr = barcode_url(passworks_wire::BarcodeFormat::Qrcode, &c.page_url);
    let link = |label: &'static str, url: String| {
        (!url.is_empty()).then(|| {
            let u2 = url.clone();
            view! {
                <li>
                    <strong>{label}": "</strong>
                    <a href=url.clone() target="_blank" rel="noopener" class="mono">{url.clone()}</a>
                    <CopyButton text=u2 what=label.to_string()/>
                </li>
            }
        })
    };
    view! {
        <section class="card" aria-labelledby="dist-h">
            <h2 id="dist-h">"Distribution"</h2>
            <div class="two-col" style="grid-template-columns: 1fr auto">
                <ul class="links" style="list-style:none;padding:0;margin:0">
                    {link("Download page", c.page_url.clone())}
                    {link("Pass file", c.pkpass_url.clone())}
                    {link("Short page", c.page_short_url.clone())}
                    {link("Short pass file", c.pkpass_short_url.clone())}
                    {link("Wallet link by device (Android: Google Wallet)", crate::components::device_link(&c.page_url))}
                </ul>
                <figure class="qr-figure">
                    <AuthImg src=qr alt="QR code of the download page" class="qr"/>
                    <figcaption class="hint">"Download page"</figcaption>
                </figure>
            </div>
            {c.google_save_url.clone().map(|l| {
                let qr = barcode_url(passworks_wire::BarcodeFormat::Qrcode, &l);
                view! {
                    <div id="campaign-google-save">
                        <h3>"Google Wallet"</h3>
                        <p class="hint">"Each visitor who opens this link gets a pass of their own and adds it to Google Wallet (the same pass the download page would give them)."</p>
                        <div class="two-col" style="grid-template-columns: 1fr auto">
                            <div>
                                <p><a class="btn" href=l.clone() target="_blank" rel="noopener" id="campaign-google-link">"Add to Google Wallet"</a>" "<CopyButton text=l.clone() label="Copy Google Wallet link".to_string()/></p>
                                <p class="mono" style="overflow-wrap:anywhere">{l.clone()}</p>
                            </div>
                            <figure class="qr-figure">
                                <AuthImg src=qr alt="QR code of the Google Wallet link" class="qr google-qr"/>
                                <figcaption class="hint">"Add to Google Wallet"</figcaption>
                            </figure>
                        </div>
                    </div>
                }
            })}
            {(c.distributions.len() > 1).then(|| view! {
                <p class="hint">{format!("{} distributions.", c.distributions.len())}</p>
            })}
        </section>
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "Yes"
    } else {
        "No"
    }
}

fn opt(s: &Option<String>) -> String {
    s.clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "—".into())
}

fn swatch(s: &Option<String>) -> AnyView {
    match s {
        Some(c) => view! {
            <span><span style=format!("display:inline-block;width:1em;height:1em;border:1px solid var(--border);vertical-align:-2px;background:{c}") aria-hidden="true"></span>" "{c.clone()}</span>
        }
        .into_any(),
        None => "—".into_any(),
    }
}

fn fields_table(title: &'static str, fields: &[Field]) -> AnyView {
    if fields.is_empty() {
        return view! { <h3>{title}</h3><p class="hint">"None."</p> }.into_any();
    }
    let rows = fields
        .iter()
        .map(|f| {
            view! {
                <tr>
                    <td class="mono">{f.key.clone()}</td>
                    <td>{f.label.clone().unwrap_or_default()}</td>
                    <td>{f.value.clone().unwrap_or_default()}</td>
                    <td>{f.behaviour.as_str()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h3>{title}</h3>
        <div class="table-wrap">
            <table class="data">
                <thead><tr><th scope="col">"Key"</th><th scope="col">"Label"</th><th scope="col">"Value"</th><th scope="col">"Behaviour"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

type Names = LocalResource<(
    Vec<passworks_wire::Template>,
    Vec<passworks_wire::Certificate>,
)>;

#[component]
fn Attributes(c: Campaign, assets: Vec<passworks_wire::Asset>, names: Names) -> impl IntoView {
    let asset_name = move |id: &Option<String>| -> AnyView {
        match id {
            None => "—".into_any(),
            Some(id) => match assets.iter().find(|a| &a.id == id) {
                Some(a) => view! {
                    <span class="asset-inline">
                        <AuthImg src=a.asset_url.clone() alt="" class="thumb-inline"/>
                        {format!("{}×{} image", a.width, a.height)}
                    </span>
                }
                .into_any(),
                None => view! { <span class="mono">{crate::util::short_id(id)}</span> }.into_any(),
            },
        }
    };
    let (icon_view, logo_view, strip_view, thumbnail_view, background_view, footer_view) = (
        asset_name(&c.icon_id),
        asset_name(&c.logo_id),
        asset_name(&c.strip_id),
        asset_name(&c.thumbnail_id),
        asset_name(&c.background_id),
        asset_name(&c.footer_id),
    );
    let template_id = c.template_id.clone();
    let template = move || {
        names
            .get()
            .and_then(|(t, _)| {
                t.into_iter().find(|t| t.id == template_id).map(|t| {
                    view! { <A href=crate::link(format!("/templates/{}", t.id))>{t.name}</A> }
                        .into_any()
                })
            })
            .unwrap_or_else(|| {
                view! { <span class="mono">{crate::util::short_id(&template_id)}</span> }.into_any()
            })
    };
    let certificate_id = c.certificate_id.clone();
    let certificate = move || match &certificate_id {
        None => "Default certificate".to_string(),
        Some(id) => names
            .get()
            .and_then(|(_, cs)| cs.into_iter().find(|c| &c.id == id))
            .map(|c| {
                format!(
                    "{} — {}{}",
                    c.pass_type_identifier,
                    c.issued_to,
                    if c.development { " (development)" } else { "" }
                )
            })
            .unwrap_or_else(|| crate::util::short_id(id)),
    };
    let locations = c
        .locations
        .iter()
        .map(|l| {
            view! {
                <li>{format!(
                    "{}, {}{}{}",
                    l.latitude,
                    l.longitude,
                    l.altitude.map(|a| format!(" ({a} m)")).unwrap_or_default(),
                    l.relevant_text.as_ref().map(|t| format!(" — {t}")).unwrap_or_default()
                )}</li>
            }
        })
        .collect_view();
    let beacons = c
        .beacons
        .iter()
        .map(|b| {
            view! {
                <li class="mono">{format!(
                    "{} major {} minor {}{}",
                    b.proximity_uuid,
                    b.major.map(|m| m.to_string()).unwrap_or_else(|| "—".into()),
                    b.minor.map(|m| m.to_string()).unwrap_or_else(|| "—".into()),
                    b.relevant_text.as_ref().map(|t| format!(" — {t}")).unwrap_or_default()
                )}</li>
            }
        })
        .collect_view();
    let user_info = serde_json::to_string_pretty(&c.user_info).unwrap_or_default();
    view! {
        <section class="card" aria-labelledby="attrs-h" style="margin-top:1rem">
            <h2 id="attrs-h">"Attributes"</h2>
            <dl class="kvs">
                <Kv k="Description">{c.description.clone()}</Kv>
                <Kv k="Organization name">{c.organization_name.clone()}</Kv>
                <Kv k="Template">{template}</Kv>
                <Kv k="Certificate">{certificate}</Kv>
                <Kv k="Logo text">{opt(&c.logo_text)}</Kv>
                <Kv k="Background colour">{swatch(&c.background_color)}</Kv>
                <Kv k="Text colour">{swatch(&c.text_color)}</Kv>
                <Kv k="Label colour">{swatch(&c.label_color)}</Kv>
                {c.transit_type.map(|t| view! { <Kv k="Transit type">{crate::util::humanize(t.as_str())}</Kv> })}
                <Kv k="Icon">{icon_view}</Kv>
                <Kv k="Logo">{logo_view}</Kv>
                <Kv k="Strip">{strip_view}</Kv>
                <Kv k="Thumbnail">{thumbnail_view}</Kv>
                <Kv k="Background">{background_view}</Kv>
                <Kv k="Footer">{footer_view}</Kv>
                <Kv k="Barcode format">{crate::util::humanize(c.barcode.format.as_str())}</Kv>
                <Kv k="Code type">{crate::util::humanize(c.code_type.as_str())}</Kv>
                <Kv k="Fixed code">{opt(&c.code_fixed_value)}</Kv>
                <Kv k="Multiple redeems">{yes_no(c.allow_multiple_redeems)}</Kv>
                <Kv k="Expires">{fmt_opt_datetime(&c.expiration_date)}</Kv>
                <Kv k="Relevant date">{fmt_opt_datetime(&c.relevant_date)}</Kv>
                <Kv k="Max distance">{c.max_distance.map(|m| format!("{m} m")).unwrap_or_else(|| "—".into())}</Kv>
                <Kv k="App Store ids">{if c.associated_store_identifiers.is_empty() { "—".to_string() } else { c.associated_store_identifiers.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ") }}</Kv>
                <Kv k="Open Graph tags">{yes_no(c.og)}</Kv>
                <Kv k="Open Graph description">{if c.og_description.is_empty() { "—".to_string() } else { c.og_description.clone() }}</Kv>
                <Kv k="Remote form URL">{opt(&c.remote_form_url)}</Kv>
                <Kv k="Custom JavaScript">{if c.javascript.as_deref().unwrap_or("").is_empty() { "None" } else { "Set" }}</Kv>
                <Kv k="Custom stylesheet">{if c.stylesheet.as_deref().unwrap_or("").is_empty() { "None" } else { "Set" }}</Kv>
                <Kv k="Sync locations on merge">{yes_no(c.sync_locations_on_merge)}</Kv>
                <Kv k="Sync beacons on merge">{yes_no(c.sync_beacons_on_merge)}</Kv>
                <Kv k="Android Pay">{format!("{}{}", yes_no(c.gwallet_usage), c.gwallet_status.as_ref().map(|s| format!(" ({s})")).unwrap_or_default())}</Kv>
                {c.gwallet_message.clone().map(|m| view! { <Kv k="Android Pay message">{m}</Kv> })}
                <Kv k="Render on short URL">{yes_no(c.render_on_short_url)}</Kv>
                <Kv k="Created">{fmt_datetime(&c.created_at)}</Kv>
                <Kv k="Updated">{fmt_datetime(&c.updated_at)}</Kv>
                <Kv k="Id"><span class="mono">{c.id.clone()}</span></Kv>
            </dl>
            {fields_table("Header fields", &c.header_fields)}
            {fields_table("Primary fields", &c.primary_fields)}
            {fields_table("Secondary fields", &c.secondary_fields)}
            {fields_table("Auxiliary fields", &c.auxiliary_fields)}
            {fields_table("Back fields", &c.back_fields)}
            <h3>{format!("Locations ({})", c.locations.len())}</h3>
            <ul>{locations}</ul>
            <h3>{format!("Beacons ({})", c.beacons.len())}</h3>
            <ul>{beacons}</ul>
            <h3>"User info"</h3>
            <pre class="mono">{user_info}</pre>
        </section>
    }
}
