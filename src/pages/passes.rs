//! Passes of a campaign: list, create, edit, detail with actions, and the redeem screen.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use passworks_wire::query::ListQuery;
use passworks_wire::{
    Asset, AssetType, Behaviour, Campaign, CampaignType, CodeType, Pass, PassInput, PushInput,
    RedeemInput,
};

use crate::api::{self, ApiError, ApiResult};
use crate::components::*;
use crate::draft::{pass_image_overrides, PassDraft, IMAGE_SLOTS};
use crate::pages::{campaign_href, use_ctype, use_param, CampaignNav};
use crate::preview;
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
            let op = op.verb();
            flash.set(Some(if failed.is_empty() {
                Ok(format!("{op}: {ok} pass(es) done."))
            } else {
                Err(format!(
                    "{op}: {ok} done, {} refused: {}",
                    failed.len(),
                    failed.join("; ")
                ))
            }));
            selected.set(Vec::new());
            refresh.update(|n| *n += 1);
        });
    };
    let columns = vec![
        Column::new("redeem_code", "Code").filter(FilterKind::Equals),
        Column::new("serial_number", "Serial number").filter(FilterKind::Contains),
        Column::new("voided", "Voided").filter(FilterKind::Bool),
        Column::new("redeemed_count", "Redeemed"),
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
                        view! {
                            <CampaignHeader c=c.clone() title="Passes"/>
                            <div class="toolbar">
                                <A href=crate::link(format!("{}/passes/new", campaign_href(t, &c.id))) attr:class="btn primary">"New pass"</A>
                                <A href=crate::link(format!("{}/redeem", campaign_href(t, &c.id))) attr:class="btn">"Redeem a code"</A>
                            </div>
                            <Flash flash=flash/>
                            <DataTable
                                caption="Passes"
                                columns=columns.get_value()
                                fetch=move |q: ListQuery| {
                                    let cid = cid.get();
                                    async move { api::passes::list(t, &cid, &q).await }
                                }
                                row=move |p: &Pass| {
                                    let href = pass_href(t, &cid2, &p.id);
                                    let code = p.redeem_code.clone();
                                    view! {
                                        <td><A href=crate::link(href)>{code}</A></td>
                                        <td class="mono">{p.serial_number.clone()}</td>
                                        <td>{if p.voided { view! { <Pill text="voided"/> }.into_any() } else { "No".into_any() }}</td>
                                        <td>{p.redeemed_count}</td>
                                        <td>{fmt_datetime(&p.created_at)}</td>
                                    }
                                    .into_any()
                                }
                                row_id=|p: &Pass| p.id.clone()
                                empty="No passes yet. Create one, or share the download page."
                                selected=selected
                                refresh=refresh
                                bulk=std::sync::Arc::new(move || view! {
                                    <button type="button" class="btn small" on:click=move |_| bulk_run(PassBulk::Redeem)>"Redeem"</button>
                                    <button type="button" class="btn small" on:click=move |_| bulk_run(PassBulk::Void)>"Void"</button>
                                    <button type="button" class="btn small danger" on:click=move |_| confirm.set(true)>"Delete"</button>
                                }.into_any())
                            />
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
    let draft = RwSignal::new(draft);
    let errors: FormErrors = RwSignal::new(Default::default());
    let banner = RwSignal::new(None::<String>);
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
        });
        preview::layout(&input)
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
    Effect::new(move |_| match save.value().get() {
        Some(Ok(p)) => navigate(&pass_href(t, &cid3, &p.id), Default::default()),
        Some(Err(e)) => {
            errors.set(Default::default());
            banner.set(
                absorb_errors(errors, &e, PASS_ATTRS)
                    .or_else(|| Some("Some fields need attention.".into())),
            );
        }
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let e = draft.with(|d| d.validate(code_type));
        let ok = e.is_empty();
        errors.set(e);
        if ok {
            save.dispatch(draft.with(|d| d.to_input(code_type)));
        }
    };
    let editing = pass_id.is_some();
    let field_ids = move || draft.with(|d| (0..d.fields.len()).collect::<Vec<_>>());
    let cancel = match &pass_id {
        Some(p) => pass_href(t, &cid, p),
        None => format!("{}/passes", campaign_href(t, &cid)),
    };
    view! {
        <form class="two-col" novalidate on:submit=submit>
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
            <aside class="sticky" aria-label="Live preview"><PassPreview layout=layout/></aside>
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
            IMAGE_SLOTS
                .iter()
                .any(|s| e.contains_key(s.slot_attribute()))
        }) {
            open.set(true);
        }
    });
    let used = passworks_wire::rules::image_slots(ctype.pass_type());
    let mut order: Vec<AssetType> = used.to_vec();
    order.extend(IMAGE_SLOTS.iter().filter(|s| !used.contains(s)));
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
    let flash = RwSignal::new(None::<Result<String, String>>);
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
                        let edit = format!("{}/edit", pass_href(c.campaign_type, &c.id, &p.id));
                        let redeem_rows = redeems.iter().map(|r| view! {
                            <tr><td>{fmt_datetime(&r.created_at)}</td><td>{r.comment.clone().unwrap_or_default()}</td></tr>
                        }).collect_view();
                        view! {
                            <CampaignHeader c=c.clone() title=format!("Pass {}", p.redeem_code)/>
                            <Flash flash=flash/>
                            <div class="toolbar" role="toolbar" aria-label="Pass actions">
                                <A href=crate::link(edit) attr:class="btn">"Edit"</A>
                                <button type="button" class="btn" disabled=voided on:click=move |_| { msg_is_redeem.set(true); msg.set(String::new()); msg_open.set(true); }>"Redeem…"</button>
                                <button type="button" class="btn" on:click=move |_| { op.dispatch(PassOp::Reset); }>"Reset redeem"</button>
                                <button type="button" class="btn" on:click=move |_| { op.dispatch(PassOp::Void(!voided)); }>{if voided { "Un-void" } else { "Void" }}</button>
                                <button type="button" class="btn" on:click=move |_| { msg_is_redeem.set(false); msg.set(String::new()); msg_open.set(true); }>"Push…"</button>
                                <a class="btn" href=p.pkpass_url.clone() download="pass.pkpass">"Download .pkpass"</a>
                                <a class="btn" href=p.page_url.clone() target="_blank" rel="noopener">"Open page"</a>
                                <button type="button" class="btn danger" on:click=move |_| confirm.set(true)>"Delete…"</button>
                            </div>
                            <div class="two-col">
                                <div>
                                    <section class="card">
                                        <dl class="kvs">
                                            <Kv k="Redeem code"><span class="mono">{p.redeem_code.clone()}</span></Kv>
                                            <Kv k="State">{if p.voided { view! { <Pill text="voided"/> }.into_any() } else { view! { <Pill text="active"/> }.into_any() }}</Kv>
                                            <Kv k="Redeemed">{crate::util::times(p.redeemed_count)}</Kv>
                                            <Kv k="Last redeemed">{fmt_opt_datetime(&p.redeemed_at)}</Kv>
                                            <Kv k="Last fetched by a device">{fmt_opt_datetime(&p.last_fetched_at)}</Kv>
                                            <Kv k="Serial number"><span class="mono">{p.serial_number.clone()}</span></Kv>
                                            <Kv k="Expires">{fmt_opt_datetime(&p.expiration_date)}</Kv>
                                            <Kv k="Relevant date">{fmt_opt_datetime(&p.relevant_date)}</Kv>
                                            <Kv k="Barcode">{format!("{} · {}", p.barcode.format.as_str(), p.barcode.message)}</Kv>
                                            <Kv k="Page"><a href=p.page_url.clone() target="_blank" rel="noopener" class="mono">{p.page_url.clone()}</a>" "<CopyButton text=p.page_url.clone()/></Kv>
                                            <Kv k="Pass file"><span class="mono">{p.pkpass_url.clone()}</span>" "<CopyButton text=p.pkpass_url.clone()/></Kv>
                                            <Kv k="Metadata"><span class="mono">{p.metadata.to_string()}</span></Kv>
                                            <Kv k="User info"><span class="mono">{p.user_info.to_string()}</span></Kv>
                                            <Kv k="Created">{fmt_datetime(&p.created_at)}</Kv>
                                            <Kv k="Updated">{fmt_datetime(&p.updated_at)}</Kv>
                                        </dl>
                                    </section>
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

/// Outcome of a redeem attempt on the redeem screen.
#[derive(Debug, Clone)]
struct RedeemOutcome {
    code: String,
    redeemed: bool,
    pass: Option<Pass>,
    error: Option<ApiError>,
}

/// Type or paste a code: redeem it (or only look it up) and see the pass and the result.
#[component]
pub fn RedeemScreen() -> impl IntoView {
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
    let result = move || {
        run.value().get().map(|o| {
            let camp = campaign.get().and_then(|r| r.ok());
            let a = assets.get().unwrap_or_default();
            let headline = match (&o.error, o.redeemed) {
                (None, true) => view! { <div class="banner info result" role="status">{format!("✓ Code {} redeemed.", o.code)}</div> }.into_any(),
                (None, false) => view! { <div class="banner info result" role="status">{format!("Code {} found (not redeemed).", o.code)}</div> }.into_any(),
                (Some(e), _) => {
                    let text = match e.status {
                        404 => format!("✗ Code {} is not a pass of this campaign.", o.code),
                        412 => format!("✗ Code {} cannot be redeemed: {}", o.code, e.plain()),
                        _ => format!("✗ {}", e.message()),
                    };
                    view! { <div class="banner error result" role="alert">{text}</div> }.into_any()
                }
            };
            let detail = o.pass.clone().zip(camp).map(|(p, c)| {
                let layout = preview::layout(&preview::from_pass(&c, &p, &a));
                let href = pass_href(c.campaign_type, &c.id, &p.id);
                view! {
                    <div class="two-col" style="grid-template-columns: 1fr 340px">
                        <dl class="kvs card">
                            <Kv k="Pass"><A href=crate::link(href)>{p.redeem_code.clone()}</A></Kv>
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
                <input id="redeem-code" class="redeem-input" autofocus autocomplete="off" inputmode="text"
                    prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
                <p class="hint">"Type, paste or scan the code; Enter redeems it."</p>
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
