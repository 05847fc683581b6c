//! Templates (§11.1): list, create form with live preview, detail, delete.
//!
//! Templates are immutable: there is no update. "Editing" one is duplicating it: the
//! create form opened with `?from=<id>` starts from every attribute of that template.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};
use passworks_wire::query::{Filter, ListQuery, Predicate};
use passworks_wire::{
    Asset, AssetType, BarcodeFormat, PassType, Permission, Template, TemplateInput, TransitType,
};

use crate::api::{self, ApiError};
use crate::components::*;
use crate::draft::{barcode_label, campaign_type_of, style_label, template_images, TemplateDraft};
use crate::pages::{campaign_href, use_param};
use crate::preview;
use crate::session::use_session;
use crate::table_state::{Column, FilterKind};
use crate::util::fmt_datetime;

/// Console path of a template.
pub fn template_href(id: &str) -> String {
    format!("/templates/{id}")
}

/// Every attribute the form can show an error for.
const FORM_ATTRS: &[&str] = &[
    "name",
    "description",
    "pass_type",
    "transit_type",
    "icon_id",
    "logo_id",
    "strip_id",
    "thumbnail_id",
    "background_id",
    "footer_id",
    "logo_text",
    "background_color",
    "text_color",
    "foreground_color",
    "label_color",
    "barcode",
];

type Outcome = RwSignal<Option<Result<String, String>>>;

/// The banner of a form with field messages.
const ATTENTION: &str = "Some fields need attention: see the messages next to them.";

/// The delete confirmation shared by the list and the detail page: asks whether the
/// template's images go too, then reports into `outcome` (a 412 refusal included).
#[component]
fn DeleteTemplateDialog(
    open: RwSignal<bool>,
    target: RwSignal<Option<(String, String)>>,
    outcome: Outcome,
) -> impl IntoView {
    let delete_assets = RwSignal::new(false);
    view! {
        <Modal open=open title="Delete template">
            <p>{move || format!(
                "Delete template “{}”? This cannot be undone. A template used by a campaign cannot be deleted.",
                target.get().map(|t| t.1).unwrap_or_default()
            )}</p>
            <label class="check">
                <input type="checkbox" prop:checked=move || delete_assets.get()
                    on:change=move |ev| delete_assets.set(event_target_checked(&ev))/>
                "Also delete its images when no other template uses them"
            </label>
            <div class="actions">
                <button type="button" class="btn" autofocus on:click=move |_| open.set(false)>"Cancel"</button>
                <button type="button" class="btn danger" on:click=move |_| {
                    open.set(false);
                    if let Some((id, name)) = target.get_untracked() {
                        let da = delete_assets.get_untracked();
                        api::spawn(async move {
                            outcome.set(Some(
                                match api::templates::delete(&id, da).await {
                                    Ok(()) => Ok(format!("Template “{name}” deleted.")),
                                    Err(e) => Err(format!("Not deleted: {}", e.message())),
                                },
                            ));
                        });
                    }
                }>"Delete template"</button>
            </div>
        </Modal>
    }
}

/// Templates: the list, with links to each template and delete.
#[component]
pub fn TemplatesPage() -> impl IntoView {
    let session = use_session();
    let design = move || session.can(Permission::Design);
    let refresh = RwSignal::new(0u32);
    let flash: Outcome = RwSignal::new(None);
    let outcome: Outcome = RwSignal::new(None);
    let target = RwSignal::new(None::<(String, String)>);
    let confirm = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(r) = outcome.get() {
            if r.is_ok() {
                refresh.update(|n| *n += 1);
            }
            flash.set(Some(r));
        }
    });
    let columns = vec![
        Column::new("name", "Name").filter(FilterKind::Contains),
        Column::new("pass_type", "Style").filter(FilterKind::Choice(&[
            "coupon",
            "storeCard",
            "eventTicket",
            "boardingPass",
            "generic",
        ])),
        Column::new("source", "Source").unsorted(),
        Column::new("created_at", "Created"),
        Column::new("id", "").unsorted(),
    ];
    view! {
        <div class="page-head">
            <h1>"Templates"</h1>
            <Show when=design>
                <A href=crate::link("/templates/new") attr:class="btn primary">"New template"</A>
            </Show>
        </div>
        <p class="lead">"A template is a pass look: style, images, colours, logo text and barcode. Templates do not change once made: duplicate one to make a variant. Campaigns made without one get their own."</p>
        <Flash flash=flash/>
        <DataTable
            caption="Templates"
            columns=columns
            fetch=|q: ListQuery| async move { api::templates::list(&q).await }
            row=move |t: &Template| {
                let (id, name) = (t.id.clone(), t.name.clone());
                let (id2, name2) = (id.clone(), name.clone());
                view! {
                    <td><A href=crate::link(template_href(&id2))>{name2}</A><div class="hint">{t.description.clone().unwrap_or_default()}</div></td>
                    <td>{style_label(t.pass_type)}{t.transit_type.map(|x| format!(" ({x})"))}</td>
                    <td>{t.source.clone()}</td>
                    <td>{fmt_datetime(&t.created_at)}</td>
                    <td>{move || design().then(|| {
                        let (id, name) = (id.clone(), name.clone());
                        view! {
                            <button type="button" class="btn small danger" aria-label=format!("Delete template {name}")
                                on:click=move |_| { target.set(Some((id.clone(), name.clone()))); confirm.set(true); }>"Delete"</button>
                        }
                    })}</td>
                }
                .into_any()
            }
            row_id=|t: &Template| t.id.clone()
            empty="No templates yet."
            refresh=refresh
        />
        <DeleteTemplateDialog open=confirm target=target outcome=outcome/>
    }
}

/// New template; `?from=<id>` starts from a copy of that template.
#[component]
pub fn TemplateNew() -> impl IntoView {
    let query = use_query_map();
    let from = Memo::new(move |_| query.with(|q| q.get("from")).filter(|s| !s.is_empty()));
    let source = LocalResource::new(move || {
        let from = from.get();
        async move {
            match from {
                Some(id) => Some(api::templates::get(&id).await),
                None => None,
            }
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading what="template"/> }>
            {move || Suspend::new(async move {
                match source.await {
                    None => view! {
                        <h1>"New template"</h1>
                        <TemplateForm draft=TemplateDraft::default()/>
                    }
                    .into_any(),
                    Some(Ok(t)) => {
                        let draft = TemplateDraft::duplicate_of(&t);
                        let href = template_href(&t.id);
                        view! {
                            <h1>"New template"</h1>
                            <p class="lead">
                                "A copy of "<A href=crate::link(href)>{t.name}</A>
                                ". Templates do not change once made: change what you need and create a new one."
                            </p>
                            <TemplateForm draft=draft from=t.id/>
                        }
                        .into_any()
                    }
                    Some(Err(e)) => view! {
                        <h1>"New template"</h1>
                        <ErrorBanner message=format!("The template to copy could not be loaded: {}", e.message())/>
                        <TemplateForm draft=TemplateDraft::default()/>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

/// Moves the focus to the first control with an error (or shows the first message), once
/// the messages are on screen.
fn focus_first_error() {
    request_animation_frame(|| {
        let doc = document();
        let target = doc
            .query_selector(".template-form [aria-invalid='true']")
            .ok()
            .flatten()
            .or_else(|| {
                doc.query_selector(".template-form .field-error")
                    .ok()
                    .flatten()
            });
        if let Some(el) = target {
            // `.template-form` keeps clear of the sticky top bar (`scroll-margin-top`).
            el.scroll_into_view();
            if let Ok(h) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                let _ = h.focus();
            }
        }
    });
}

/// The create form with the live preview beside it.
#[component]
fn TemplateForm(
    draft: TemplateDraft,
    #[prop(optional, into)] from: Option<String>,
) -> impl IntoView {
    let draft = RwSignal::new(draft);
    let errors: FormErrors = RwSignal::new(Default::default());
    let banner = RwSignal::new(None::<String>);
    let assets = LocalResource::new(|| async { api::assets::all().await });
    let asset_list = Signal::derive(move || assets.get().and_then(|r| r.ok()).unwrap_or_default());
    let layout = Memo::new(move |_| {
        let a = asset_list.get();
        draft.with(|d| preview::layout(&preview::from_template_draft(d, &a)))
    });
    let navigate = use_navigate();
    let save = Action::new_local(move |input: &TemplateInput| {
        let input = input.clone();
        async move { api::templates::create(&input).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(t)) => navigate(&template_href(&t.id), Default::default()),
        Some(Err(e)) => {
            errors.set(Default::default());
            banner.set(absorb_errors(errors, &e, FORM_ATTRS).or_else(|| Some(ATTENTION.into())));
            focus_first_error();
        }
        None => {}
    });
    // The general message goes once every field message is dealt with.
    Effect::new(move |_| {
        if errors.with(|e| e.is_empty())
            && banner.with_untracked(|b| b.as_deref() == Some(ATTENTION))
        {
            banner.set(None);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let e = draft.with(|d| d.validate());
        let ok = e.is_empty();
        errors.set(e);
        if ok {
            banner.set(None);
            save.dispatch(draft.with(|d| d.to_input()));
        } else {
            banner.set(Some(ATTENTION.into()));
            focus_first_error();
        }
    };
    let style_hint = move || {
        let pt = draft.with(|d| d.pass_type);
        let ct = campaign_type_of(pt);
        let used = passworks_wire::rules::image_slots(pt)
            .iter()
            .map(|s| slot_label(*s).to_lowercase())
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "{} use: {used}. Wallet ignores the other slots. The icon is required.",
            ct.plural_label()
        )
    };
    let cancel = from
        .as_deref()
        .map(template_href)
        .unwrap_or_else(|| "/templates".into());
    view! {
        <form class="two-col template-form" novalidate on:submit=submit>
            <div>
                {move || banner.get().map(|m| view! { <ErrorBanner message=m/> })}
                <fieldset>
                    <legend>"Basics"</legend>
                    {text_control(draft, errors, "name", "Name", "text", |d| &d.name, |d, v| d.name = v)}
                    {text_control(draft, errors, "description", "Description (optional)", "text", |d| &d.description, |d, v| d.description = v)}
                    <div class="grid2">
                        <div class="control">
                            <label for="f-pass_type">"Style"</label>
                            <select id="f-pass_type" aria-invalid=invalid(errors, "pass_type") aria-describedby="err-pass_type"
                                prop:value=move || draft.with(|d| d.pass_type.as_str().to_string())
                                on:change=move |ev| {
                                    let v = event_target_value(&ev);
                                    draft.update(|d| d.pass_type = PassType::parse(&v).unwrap_or(PassType::Generic));
                                    touched(errors, &["pass_type", "transit_type", "strip_id"]);
                                }>
                                {PassType::ALL.iter().map(|p| view! { <option value=p.as_str()>{style_label(*p)}</option> }).collect_view()}
                            </select>
                            <FieldError errors=errors attr="pass_type"/>
                        </div>
                        <Show when=move || draft.with(|d| d.pass_type == PassType::BoardingPass)>
                            <div class="control">
                                <label for="f-transit_type">"Transit type"</label>
                                <select id="f-transit_type" aria-invalid=invalid(errors, "transit_type") aria-describedby="err-transit_type"
                                    prop:value=move || draft.with(|d| d.transit_type.clone())
                                    on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        draft.update(|d| d.transit_type = v);
                                        touched(errors, &["transit_type"]);
                                    }>
                                    <option value="">"Choose…"</option>
                                    {TransitType::ALL.iter().map(|t| view! { <option value=t.as_str()>{t.as_str()}</option> }).collect_view()}
                                </select>
                                <FieldError errors=errors attr="transit_type"/>
                            </div>
                        </Show>
                    </div>
                </fieldset>
                <fieldset>
                    <legend>"Colours and logo text"</legend>
                    {text_control(draft, errors, "logo_text", "Logo text", "text", |d| &d.logo_text, |d, v| d.logo_text = v)}
                    <div class="grid2">
                        {colour_control(draft, errors, "background_color", "Background colour", |d| &d.background_color, |d, v| d.background_color = v)}
                        {colour_control(draft, errors, "text_color", "Text colour", |d| &d.text_color, |d, v| d.text_color = v)}
                        {colour_control(draft, errors, "label_color", "Label colour", |d| &d.label_color, |d, v| d.label_color = v)}
                    </div>
                    <FieldError errors=errors attr="foreground_color"/>
                </fieldset>
                <fieldset>
                    <legend>"Barcode"</legend>
                    <div class="control">
                        <label for="f-barcode">"Barcode format"</label>
                        <select id="f-barcode" aria-invalid=invalid(errors, "barcode") aria-describedby="err-barcode"
                            prop:value=move || draft.with(|d| d.barcode_format.as_str().to_string())
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                draft.update(|d| d.barcode_format = BarcodeFormat::parse(&v).unwrap_or_default());
                                touched(errors, &["barcode"]);
                            }>
                            {crate::draft::BARCODE_CHOICES.iter().map(|f| view! { <option value=f.as_str()>{barcode_label(*f)}</option> }).collect_view()}
                        </select>
                        <p class="hint">"The text under the barcode repeats its message (each pass's redeem code)."</p>
                        <FieldError errors=errors attr="barcode"/>
                    </div>
                </fieldset>
                <fieldset>
                    <legend>"Images"</legend>
                    <p class="hint">{style_hint}</p>
                    {AssetType::CLASSIC.iter().map(|slot| {
                        let slot = *slot;
                        let attr = slot.slot_attribute();
                        view! {
                            <AssetPicker
                                kind=slot
                                assets=asset_list
                                value=Signal::derive(move || draft.with(|d| d.image(slot)))
                                on_change=Callback::new(move |v: String| {
                                    draft.update(|d| d.set_image(slot, v));
                                    touched(errors, &[attr, "strip_id"]);
                                })
                                error=Signal::derive(move || errors.with(|e| e.get(attr).cloned()))
                            />
                        }
                    }).collect_view()}
                    <p class="hint">"Upload images on the " <A href=crate::link("/assets")>"Assets"</A> " page."</p>
                </fieldset>
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Creating…" } else { "Create template" }}
                    </button>
                    <A href=crate::link(cancel) attr:class="btn">"Cancel"</A>
                </div>
            </div>
            <aside class="sticky" aria-label="Live preview">
                <PassPreview layout=layout/>
                <p class="hint preview-note">"Sample fields: campaigns using the template bring their own."</p>
            </aside>
        </form>
    }
}

/// A colour as a swatch with its hex value.
fn swatch(c: &Option<String>) -> AnyView {
    match c.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => view! {
            <span class="swatch-pair">
                <span class="swatch" style=format!("background:{c}") aria-hidden="true"></span>
                <span class="mono">{c.to_string()}</span>
            </span>
        }
        .into_any(),
        None => "—".into_any(),
    }
}

/// One template: every attribute, its images, the campaigns using it, the preview.
#[component]
pub fn TemplateDetail() -> impl IntoView {
    let session = use_session();
    let id = use_param("id");
    let template = LocalResource::new(move || {
        let id = id.get();
        async move { api::templates::get(&id).await }
    });
    let assets = LocalResource::new(|| async { api::assets::all().await.unwrap_or_default() });
    let flash: Outcome = RwSignal::new(None);
    let outcome: Outcome = RwSignal::new(None);
    let target = RwSignal::new(None::<(String, String)>);
    let confirm = RwSignal::new(false);
    let navigate = use_navigate();
    Effect::new(move |_| match outcome.get() {
        Some(Ok(_)) => navigate("/templates", Default::default()),
        Some(Err(m)) => flash.set(Some(Err(m))),
        None => {}
    });
    view! {
        <Transition fallback=|| view! { <Loading what="template"/> }>
            {move || Suspend::new(async move {
                match template.await {
                    Err(e) => not_found(e).into_any(),
                    Ok(t) => {
                        let assets = assets.await;
                        let layout = preview::layout(&preview::from_template(&t, &assets));
                        let (tid, tname) = (t.id.clone(), t.name.clone());
                        let duplicate = format!("/templates/new?from={}", t.id);
                        let lead = match t.transit_type {
                            Some(x) => format!("{} template · {x}", style_label(t.pass_type)),
                            None => format!("{} template", style_label(t.pass_type)),
                        };
                        view! {
                            <p class="lead crumbs"><A href=crate::link("/templates")>"Templates"</A></p>
                            <div class="page-head">
                                <h1>{t.name.clone()}</h1>
                                <Show when=move || session.can(Permission::Design)>
                                <div class="toolbar" role="toolbar" aria-label="Template actions">
                                    <A href=crate::link(duplicate.clone()) attr:class="btn primary">"Duplicate and edit"</A>
                                    <button type="button" class="btn danger" on:click={
                                        let (tid, tname) = (tid.clone(), tname.clone());
                                        move |_| {
                                            target.set(Some((tid.clone(), tname.clone())));
                                            confirm.set(true);
                                        }
                                    }>"Delete…"</button>
                                </div>
                                </Show>
                            </div>
                            <p class="lead">{lead}</p>
                            <Flash flash=flash/>
                            <div class="two-col">
                                <div>
                                    <TemplateAttributes t=t.clone()/>
                                    <TemplateImages t=t.clone() assets=assets.clone()/>
                                    <TemplateCampaigns t=t.clone()/>
                                </div>
                                <div class="sticky">
                                    <PassPreview layout=Signal::stored(layout)/>
                                    <p class="hint preview-note">"Sample fields: campaigns using the template bring their own."</p>
                                </div>
                            </div>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
        <DeleteTemplateDialog open=confirm target=target outcome=outcome/>
    }
}

fn not_found(e: ApiError) -> impl IntoView {
    let message = if e.status == 404 {
        "This template does not exist (it may have been deleted).".to_string()
    } else {
        e.message()
    };
    view! {
        <h1>"Template"</h1>
        <ErrorBanner message=message/>
        <p><A href=crate::link("/templates")>"All templates"</A></p>
    }
}

#[component]
fn TemplateAttributes(t: Template) -> impl IntoView {
    let opt = |s: &Option<String>| {
        s.clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "—".into())
    };
    let barcode = if t.barcode.format == BarcodeFormat::None {
        barcode_label(t.barcode.format).to_string()
    } else {
        format!(
            "{} · alt text: {}",
            barcode_label(t.barcode.format),
            if t.barcode.alt_text_type.is_empty() {
                "—"
            } else {
                &t.barcode.alt_text_type
            }
        )
    };
    view! {
        <section class="card" aria-labelledby="tpl-attrs-h">
            <h2 id="tpl-attrs-h">"Attributes"</h2>
            <dl class="kvs">
                <Kv k="Style">{format!("{} ({})", style_label(t.pass_type), t.pass_type.as_str())}</Kv>
                {t.transit_type.map(|x| view! { <Kv k="Transit type">{x.as_str()}</Kv> })}
                <Kv k="Logo text">{opt(&t.logo_text)}</Kv>
                <Kv k="Description">{opt(&t.description)}</Kv>
                <Kv k="Background colour">{swatch(&t.background_color)}</Kv>
                <Kv k="Text colour">{swatch(&t.text_color)}</Kv>
                <Kv k="Label colour">{swatch(&t.label_color)}</Kv>
                <Kv k="Barcode">{barcode}</Kv>
                <Kv k="Source">{t.source.clone()}</Kv>
                <Kv k="Created">{fmt_datetime(&t.created_at)}</Kv>
                <Kv k="Updated">{fmt_datetime(&t.updated_at)}</Kv>
                <div class="kv kv-wide">
                    <dt>"Id"</dt>
                    <dd><span class="mono">{t.id.clone()}</span>" "<CopyButton text=t.id.clone() label="Copy id"/></dd>
                </div>
            </dl>
        </section>
    }
}

#[component]
fn TemplateImages(t: Template, assets: Vec<Asset>) -> impl IntoView {
    let slot_bg = preview::slot_background(&t.background_color);
    let set = template_images(&t);
    let unset = AssetType::CLASSIC
        .iter()
        .filter(|s| !set.iter().any(|(x, _)| x == *s))
        .map(|s| slot_label(*s).to_lowercase())
        .collect::<Vec<_>>();
    let items = set
        .into_iter()
        .map(|(slot, id)| {
            let a = assets.iter().find(|a| a.id == id);
            let url = a.map(|a| a.asset_url.clone()).unwrap_or_default();
            let size = a
                .map(|a| format!("{}×{}", a.width, a.height))
                .unwrap_or_default();
            view! {
                <li class="slot" data-slot=slot.as_str()>
                    <AuthImg src=url alt=format!("{} image", slot_label(slot)) class="slot-img"/>
                    <span class="slot-name">{slot_label(slot)}</span>
                    <span class="hint">{size}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="tpl-images-h" style="margin-top:1rem">
            <h2 id="tpl-images-h">"Images"</h2>
            <p class="hint">"Shown on the template's background colour."</p>
            <ul class="slot-grid" style=slot_bg>{items}</ul>
            {(!unset.is_empty()).then(|| view! { <p class="hint">{format!("Not set: {}.", unset.join(", "))}</p> })}
        </section>
    }
}

/// Campaigns whose `template_id` is this template (campaign lists filter on it, §4.2);
/// only campaigns of the template's style can use it.
#[component]
fn TemplateCampaigns(t: Template) -> impl IntoView {
    let ct = campaign_type_of(t.pass_type);
    let id = t.id.clone();
    let campaigns = LocalResource::new(move || {
        let q = ListQuery {
            per_page: 10,
            filters: vec![Filter {
                attribute: "template_id".into(),
                predicate: Predicate::Eq,
                value: id.clone(),
            }],
            ..Default::default()
        };
        async move { api::campaigns::list(ct, &q).await }
    });
    view! {
        <section class="card" aria-labelledby="tpl-campaigns-h" style="margin-top:1rem">
            <h2 id="tpl-campaigns-h">"Campaigns using this template"</h2>
            <Transition fallback=|| view! { <Loading what="campaigns"/> }>
                {move || Suspend::new(async move {
                    match campaigns.await {
                        Err(e) => view! { <ErrorBanner message=e.message()/> }.into_any(),
                        Ok((list, _)) if list.is_empty() => view! {
                            <p class="hint">"No campaign uses this template: it can be deleted."</p>
                        }
                        .into_any(),
                        Ok((list, page)) => {
                            let more = (page.total as usize).saturating_sub(list.len());
                            view! {
                                <ul class="campaign-links">
                                    {list.into_iter().map(|c| view! {
                                        <li><A href=crate::link(campaign_href(c.campaign_type, &c.id))>{c.name.clone()}</A>
                                            " "<Pill text=c.state.as_str()/>
                                            <span class="hint">{format!(" · {} passes", c.passes_count)}</span></li>
                                    }).collect_view()}
                                </ul>
                                {(more > 0).then(|| view! { <p class="hint">{format!("and {more} more.")}</p> })}
                                <p class="hint">"A template in use cannot be deleted."</p>
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_image_slot_error_lands_on_the_form() {
        for slot in AssetType::CLASSIC {
            assert!(FORM_ATTRS.contains(&slot.slot_attribute()));
        }
        assert_eq!(template_href("x"), "/templates/x");
    }
}
