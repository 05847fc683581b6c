//! Campaign create/edit form with every attribute and the live pass preview beside it.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use passworks_wire::{BarcodeFormat, Behaviour, CampaignType, CodeType, TransitType};

use crate::api::{self, ApiError};
use crate::components::*;
use crate::draft::{move_row, remove_row, CampaignDraft};
use crate::pages::{campaign_href, use_ctype, use_param};
use crate::preview;
use passworks_wire::rules::{FieldArray, MAX_BEACONS, MAX_LOCATIONS};

/// Every attribute the form can show an error for.
const FORM_ATTRS: &[&str] = &[
    "name",
    "description",
    "template_id",
    "certificate_id",
    "google_issuer_id",
    "icon_id",
    "logo_id",
    "strip_id",
    "thumbnail_id",
    "background_id",
    "footer_id",
    "logo_text",
    "background_color",
    "text_color",
    "label_color",
    "foreground_color",
    "transit_type",
    "barcode",
    "header_fields",
    "primary_fields",
    "secondary_fields",
    "auxiliary_fields",
    "back_fields",
    "fields",
    "locations",
    "beacons",
    "organization_name",
    "associated_store_identifiers",
    "code_type",
    "code_fixed_value",
    "allow_multiple_redeems",
    "expiration_date",
    "relevant_date",
    "max_distance",
    "user_info",
    "gwallet_usage",
    "og",
    "og_description",
    "javascript",
    "stylesheet",
    "remote_form_url",
    "sync_locations_on_merge",
    "sync_beacons_on_merge",
    "apple",
];

/// New campaign of the route's type.
#[component]
pub fn CampaignNew() -> impl IntoView {
    let ctype = use_ctype();
    move || {
        ctype.get().map(|t| {
            view! {
                <h1>{format!("New {}", t.label().to_lowercase())}</h1>
                <CampaignForm draft=CampaignDraft::new(t)/>
            }
        })
    }
}

/// Edit an existing campaign.
#[component]
pub fn CampaignEdit() -> impl IntoView {
    let ctype = use_ctype();
    let id = use_param("id");
    let campaign = LocalResource::new(move || {
        let (t, id) = (ctype.get(), id.get());
        async move {
            match t {
                Some(t) => api::campaigns::get(t, &id).await,
                None => Err(ApiError::base(404, "Unknown campaign type")),
            }
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading what="campaign"/> }>
            {move || Suspend::new(async move {
                match campaign.await {
                    Err(e) => view! { <ErrorBanner message=e.message()/> }.into_any(),
                    Ok(c) => view! {
                        <h1>{format!("Edit {}", c.name)}</h1>
                        <crate::pages::CampaignNav ctype=c.campaign_type id=c.id.clone()/>
                        <CampaignForm draft=CampaignDraft::from_campaign(&c) id=c.id.clone()/>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}

fn area_control(
    draft: RwSignal<CampaignDraft>,
    errors: FormErrors,
    attr: &'static str,
    label: &'static str,
    get: fn(&CampaignDraft) -> &String,
    set: fn(&mut CampaignDraft, String),
) -> impl IntoView {
    let id = format!("f-{attr}");
    view! {
        <div class="control">
            <label for=id.clone()>{label}</label>
            <textarea
                id=id
                aria-invalid=invalid(errors, attr)
                aria-describedby=format!("err-{attr}")
                prop:value=move || draft.with(|d| get(d).clone())
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    draft.update(|d| set(d, v));
                }
            ></textarea>
            <FieldError errors=errors attr=attr/>
        </div>
    }
}

fn check_control(
    draft: RwSignal<CampaignDraft>,
    label: &'static str,
    get: fn(&CampaignDraft) -> bool,
    set: fn(&mut CampaignDraft, bool),
) -> impl IntoView {
    view! {
        <label class="check">
            <input
                type="checkbox"
                prop:checked=move || draft.with(get)
                on:change=move |ev| {
                    let v = event_target_checked(&ev);
                    draft.update(|d| set(d, v));
                }
            />
            {label}
        </label>
    }
}

/// Editor of one of the five field arrays: add, remove, reorder, fixed/dynamic.
#[component]
pub fn FieldArrayEditor(
    draft: RwSignal<CampaignDraft>,
    errors: FormErrors,
    arr: usize,
) -> impl IntoView {
    let (attr, title) = (FieldArray::ALL[arr].as_str(), FieldArray::ALL[arr].label());
    let row_ids = move || draft.with(|d| d.fields[arr].iter().map(|f| f.id).collect::<Vec<_>>());
    let get = move |id: u32, f: fn(&crate::draft::FieldRow) -> String| {
        draft.with(|d| {
            d.fields[arr]
                .iter()
                .find(|r| r.id == id)
                .map(f)
                .unwrap_or_default()
        })
    };
    let set = move |id: u32, f: fn(&mut crate::draft::FieldRow, String), v: String| {
        draft.update(|d| {
            if let Some(r) = d.fields[arr].iter_mut().find(|r| r.id == id) {
                f(r, v)
            }
        })
    };
    view! {
        <fieldset class="field-array" data-array=attr aria-describedby=format!("err-{attr}")>
            <legend>{title}</legend>
            <div class="field-rows">
                <For each=row_ids key=|id| *id let:id>
                    {
                        let name = move || {
                            let k = get(id, |r| r.key.clone());
                            if k.is_empty() { "field".to_string() } else { k }
                        };
                        view! {
                            <div class="field-row" data-row=id>
                                <input
                                    aria-label=move || format!("Key of {}", name())
                                    placeholder="key"
                                    class="f-key"
                                    prop:value=move || get(id, |r| r.key.clone())
                                    on:input=move |ev| set(id, |r, v| r.key = v, event_target_value(&ev))
                                />
                                <input
                                    aria-label=move || format!("Label of {}", name())
                                    placeholder="Label"
                                    class="f-label"
                                    prop:value=move || get(id, |r| r.label.clone())
                                    on:input=move |ev| set(id, |r, v| r.label = v, event_target_value(&ev))
                                />
                                <input
                                    aria-label=move || format!("Value of {}", name())
                                    placeholder="Value"
                                    class="f-value"
                                    prop:value=move || get(id, |r| r.value.clone())
                                    on:input=move |ev| set(id, |r, v| r.value = v, event_target_value(&ev))
                                />
                                <select
                                    aria-label=move || format!("Behaviour of {}", name())
                                    class="f-behaviour"
                                    prop:value=move || get(id, |r| r.behaviour.as_str().to_string())
                                    on:change=move |ev| set(
                                        id,
                                        |r, v| r.behaviour = Behaviour::parse(&v).unwrap_or_default(),
                                        event_target_value(&ev),
                                    )
                                >
                                    <option value="fixed">"Fixed"</option>
                                    <option value="dynamic">"Dynamic"</option>
                                </select>
                                <div class="row-buttons">
                                    <button type="button" class="btn small up" aria-label=move || format!("Move {} up", name())
                                        on:click=move |_| draft.update(|d| move_row(&mut d.fields[arr], id, -1))>"↑"</button>
                                    <button type="button" class="btn small down" aria-label=move || format!("Move {} down", name())
                                        on:click=move |_| draft.update(|d| move_row(&mut d.fields[arr], id, 1))>"↓"</button>
                                    <button type="button" class="btn small danger remove" aria-label=move || format!("Remove {}", name())
                                        on:click=move |_| draft.update(|d| remove_row(&mut d.fields[arr], id))>"✕"</button>
                                </div>
                            </div>
                        }
                    }
                </For>
            </div>
            <button
                type="button"
                class="btn small add"
                on:click=move |_| draft.update(|d| {
                    let k = d.fresh_key();
                    d.add_field(arr, &k, "", "", Behaviour::Fixed);
                })
            >
                {format!("Add {}", title.to_lowercase().trim_end_matches('s'))}
            </button>
            <FieldError errors=errors attr=attr/>
        </fieldset>
    }
}

#[component]
fn LocationsEditor(draft: RwSignal<CampaignDraft>, errors: FormErrors) -> impl IntoView {
    let ids = move || draft.with(|d| d.locations.iter().map(|l| l.id).collect::<Vec<_>>());
    let get = move |id: u32, f: fn(&crate::draft::LocationRow) -> String| {
        draft.with(|d| {
            d.locations
                .iter()
                .find(|r| r.id == id)
                .map(f)
                .unwrap_or_default()
        })
    };
    let set = move |id: u32, f: fn(&mut crate::draft::LocationRow, String), v: String| {
        draft.update(|d| {
            if let Some(r) = d.locations.iter_mut().find(|r| r.id == id) {
                f(r, v)
            }
        })
    };
    let full = move || draft.with(|d| d.locations.len() >= MAX_LOCATIONS);
    view! {
        <fieldset aria-describedby="err-locations">
            <legend>{move || format!("Locations ({}/{MAX_LOCATIONS})", draft.with(|d| d.locations.len()))}</legend>
            <div class="field-rows">
                <For each=ids key=|id| *id let:id>
                    <div class="field-row">
                        <input aria-label="Latitude" placeholder="Latitude" inputmode="decimal"
                            prop:value=move || get(id, |r| r.latitude.clone())
                            on:input=move |ev| set(id, |r, v| r.latitude = v, event_target_value(&ev))/>
                        <input aria-label="Longitude" placeholder="Longitude" inputmode="decimal"
                            prop:value=move || get(id, |r| r.longitude.clone())
                            on:input=move |ev| set(id, |r, v| r.longitude = v, event_target_value(&ev))/>
                        <input aria-label="Relevant text" placeholder="Lock-screen text"
                            prop:value=move || get(id, |r| r.relevant_text.clone())
                            on:input=move |ev| set(id, |r, v| r.relevant_text = v, event_target_value(&ev))/>
                        <input aria-label="Altitude (m)" placeholder="Altitude" inputmode="decimal"
                            prop:value=move || get(id, |r| r.altitude.clone())
                            on:input=move |ev| set(id, |r, v| r.altitude = v, event_target_value(&ev))/>
                        <button type="button" class="btn small danger" aria-label="Remove location"
                            on:click=move |_| draft.update(|d| remove_row(&mut d.locations, id))>"✕"</button>
                    </div>
                </For>
            </div>
            <button type="button" class="btn small" disabled=full on:click=move |_| { draft.update(|d| { d.add_location(); }); }>
                "Add location"
            </button>
            <Show when=full><span class="hint">" Apple Wallet uses at most 10 locations."</span></Show>
            <FieldError errors=errors attr="locations"/>
        </fieldset>
    }
}

#[component]
fn BeaconsEditor(draft: RwSignal<CampaignDraft>, errors: FormErrors) -> impl IntoView {
    let ids = move || draft.with(|d| d.beacons.iter().map(|l| l.id).collect::<Vec<_>>());
    let get = move |id: u32, f: fn(&crate::draft::BeaconRow) -> String| {
        draft.with(|d| {
            d.beacons
                .iter()
                .find(|r| r.id == id)
                .map(f)
                .unwrap_or_default()
        })
    };
    let set = move |id: u32, f: fn(&mut crate::draft::BeaconRow, String), v: String| {
        draft.update(|d| {
            if let Some(r) = d.beacons.iter_mut().find(|r| r.id == id) {
                f(r, v)
            }
        })
    };
    let full = move || draft.with(|d| d.beacons.len() >= MAX_BEACONS);
    view! {
        <fieldset aria-describedby="err-beacons">
            <legend>{move || format!("Beacons ({}/{MAX_BEACONS})", draft.with(|d| d.beacons.len()))}</legend>
            <div class="field-rows">
                <For each=ids key=|id| *id let:id>
                    <div class="field-row">
                        <input aria-label="Proximity UUID" placeholder="Proximity UUID"
                            prop:value=move || get(id, |r| r.proximity_uuid.clone())
                            on:input=move |ev| set(id, |r, v| r.proximity_uuid = v, event_target_value(&ev))/>
                        <input aria-label="Major" placeholder="Major" inputmode="numeric"
                            prop:value=move || get(id, |r| r.major.clone())
                            on:input=move |ev| set(id, |r, v| r.major = v, event_target_value(&ev))/>
                        <input aria-label="Minor" placeholder="Minor" inputmode="numeric"
                            prop:value=move || get(id, |r| r.minor.clone())
                            on:input=move |ev| set(id, |r, v| r.minor = v, event_target_value(&ev))/>
                        <input aria-label="Relevant text" placeholder="Lock-screen text"
                            prop:value=move || get(id, |r| r.relevant_text.clone())
                            on:input=move |ev| set(id, |r, v| r.relevant_text = v, event_target_value(&ev))/>
                        <button type="button" class="btn small danger" aria-label="Remove beacon"
                            on:click=move |_| draft.update(|d| remove_row(&mut d.beacons, id))>"✕"</button>
                    </div>
                </For>
            </div>
            <button type="button" class="btn small" disabled=full on:click=move |_| { draft.update(|d| { d.add_beacon(); }); }>
                "Add beacon"
            </button>
            <Show when=full><span class="hint">" Apple Wallet uses at most 10 beacons."</span></Show>
            <FieldError errors=errors attr="beacons"/>
        </fieldset>
    }
}

/// The whole form. `id` is set when editing.
#[component]
pub fn CampaignForm(
    draft: CampaignDraft,
    #[prop(optional, into)] id: Option<String>,
) -> impl IntoView {
    let ctype: CampaignType = draft.ctype;
    let initial = StoredValue::new(draft.clone());
    let draft = RwSignal::new(draft);
    let errors: FormErrors = RwSignal::new(Default::default());
    let banner = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    guard_unsaved(Signal::derive(move || {
        !saved.get() && draft.with(|d| initial.with_value(|i| d != i))
    }));
    let preview_shown = RwSignal::new(false);
    let assets = LocalResource::new(|| async { api::assets::all().await });
    let templates = LocalResource::new(|| async { api::templates::all().await });
    let certificates = LocalResource::new(|| async { api::certificates::all().await });
    let google_issuers =
        LocalResource::new(|| async { api::google_wallet::issuers(&Default::default()).await });
    let asset_list = Signal::derive(move || assets.get().and_then(|r| r.ok()).unwrap_or_default());
    // The language the preview shows (the translations editor picks it).
    let preview_lang = RwSignal::new(String::new());
    let layout = Memo::new(move |_| {
        let a = asset_list.get();
        let lang = preview_lang.get();
        draft.with(|d| {
            let mut input = preview::from_draft(d, &a);
            if !lang.is_empty() {
                passworks_wire::layout::translate(&mut input, &d.apple.strings(&lang));
                if let Some(o) = d.apple.options(d.ctype.pass_type()) {
                    preview::localize(&mut input, &o, &lang, &a);
                }
            }
            preview::layout(&input)
        })
    });
    let texts = Signal::derive(move || draft.with(|d| d.texts()));
    // The account's name stands in for a blank organization name, as on the server.
    let organization = crate::session::use_session()
        .account
        .get_untracked()
        .map(|a| a.name)
        .unwrap_or_default();
    let google = Memo::new(move |_| {
        let a = asset_list.get();
        draft.with(|d| {
            let c = crate::google_live::campaign_of_draft(d, None, &organization);
            let p = crate::google_live::sample_pass(&c);
            crate::google_live::preview(&c, &p, &a, &crate::google_live::now_iso())
        })
    });
    let navigate = use_navigate();
    let edit_id = StoredValue::new(id.clone());
    let save = Action::new_local(move |input: &passworks_wire::CampaignInput| {
        let input = input.clone();
        let id = edit_id.get_value();
        async move {
            match id {
                Some(id) => api::campaigns::update(ctype, &id, &input).await,
                None => api::campaigns::create(ctype, &input).await,
            }
        }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(c)) => {
            saved.set(true);
            set_next_flash(if edit_id.with_value(|i| i.is_some()) {
                saved_message(c.passes_count)
            } else {
                "Campaign created.".to_string()
            });
            navigate(&campaign_href(c.campaign_type, &c.id), Default::default())
        }
        Some(Err(e)) => {
            errors.set(Default::default());
            banner.set(absorb_errors(errors, &e, FORM_ATTRS).or_else(|| {
                Some("Some fields need attention: see the messages next to them.".into())
            }));
            reveal_errors();
        }
        None => {}
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
            banner.set(Some(
                "Some fields need attention: see the messages next to them.".into(),
            ));
            reveal_errors();
        }
    };
    let template_options = move || {
        let pt = ctype.pass_type();
        templates
            .get()
            .and_then(|r| r.ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t.pass_type == pt)
            .map(|t| view! { <option value=t.id.clone()>{t.name.clone()}</option> })
            .collect_view()
    };
    let certificate_options = move || {
        certificates
            .get()
            .and_then(|r| r.ok())
            .unwrap_or_default()
            .into_iter()
            .map(|c| {
                let dev = if c.development { " (development)" } else { "" };
                view! { <option value=c.id.clone()>{format!("{} — {}{dev}", c.pass_type_identifier, c.issued_to)}</option> }
            })
            .collect_view()
    };
    // The account's own issuers (the development one acts only while there is none).
    let google_issuer_options = move || {
        google_issuers
            .get()
            .and_then(|r| r.ok())
            .map(|(list, _)| list)
            .unwrap_or_default()
            .into_iter()
            .filter(|i| !i.development)
            .map(|i| view! { <option value=i.id.clone()>{format!("{} — {}", i.issuer_id, i.client_email)}</option> })
            .collect_view()
    };
    let using_template = move || {
        draft.with(|d| !d.template_id.is_empty() && d.template_id != d.original_template_id)
    };
    let cancel_href = id
        .as_ref()
        .map(|i| campaign_href(ctype, i))
        .unwrap_or_else(|| format!("/campaigns/{}", ctype.as_str()));
    view! {
        <form class="two-col campaign-form" novalidate on:submit=submit>
            <div>
                {move || banner.get().map(|m| view! { <ErrorBanner message=m/> })}
                <fieldset>
                    <legend>"Basics"</legend>
                    {text_control(draft, errors, "name", "Name", "text", |d| &d.name, |d, v| d.name = v)}
                    {text_control(draft, errors, "description", "Description (for accessibility; defaults to the name)", "text", |d| &d.description, |d, v| d.description = v)}
                    {text_control(draft, errors, "organization_name", "Organization name on the lock screen", "text", |d| &d.organization_name, |d, v| d.organization_name = v)}
                    {(ctype == CampaignType::BoardingPass).then(|| view! {
                        <div class="control">
                            <label for="f-transit_type">"Transit type"</label>
                            <select id="f-transit_type" aria-invalid=invalid(errors, "transit_type") aria-describedby="err-transit_type"
                                prop:value=move || draft.with(|d| d.transit_type.clone())
                                on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.transit_type = v); }>
                                <option value="">"Choose…"</option>
                                {TransitType::ALL.iter().map(|t| view! { <option value=t.as_str()>{t.as_str()}</option> }).collect_view()}
                            </select>
                            <FieldError errors=errors attr="transit_type"/>
                        </div>
                    })}
                </fieldset>
                <fieldset>
                    <legend>"Appearance"</legend>
                    <div class="control">
                        <label for="f-template_id">"Template"</label>
                        <select id="f-template_id" aria-describedby="err-template_id"
                            prop:value=move || draft.with(|d| d.template_id.clone())
                            on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.template_id = v); }>
                            <option value="">"No template: use the settings below"</option>
                            {template_options}
                        </select>
                        <p class="hint">"A chosen template supplies images, colours, logo text and barcode; otherwise a template is made from the settings below."</p>
                        <FieldError errors=errors attr="template_id"/>
                    </div>
                    <fieldset disabled=using_template style="border:0;padding:0;margin:0">
                        {text_control(draft, errors, "logo_text", "Logo text", "text", |d| &d.logo_text, |d, v| d.logo_text = v)}
                        <div class="grid2">
                            {colour_control(draft, errors, "background_color", "Background colour", |d| &d.background_color, |d, v| d.background_color = v)}
                            {colour_control(draft, errors, "text_color", "Text colour", |d| &d.text_color, |d, v| d.text_color = v)}
                            {colour_control(draft, errors, "label_color", "Label colour", |d| &d.label_color, |d, v| d.label_color = v)}
                        </div>
                        {draft.with_untracked(|d| d.slots()).iter().map(|slot| {
                            let slot = *slot;
                            let attr = slot.slot_attribute();
                            view! {
                                <AssetPicker
                                    kind=slot
                                    assets=asset_list
                                    value=Signal::derive(move || draft.with(|d| d.image(slot)))
                                    on_change=Callback::new(move |v: String| draft.update(|d| d.set_image(slot, v)))
                                    error=Signal::derive(move || errors.with(|e| e.get(attr).cloned()))
                                />
                            }
                        }).collect_view()}
                        <p class="hint">"Upload images on the " <A href=crate::link("/assets")>"Assets"</A> " page."</p>
                    </fieldset>
                </fieldset>
                <fieldset>
                    <legend>"Barcode and redeeming"</legend>
                    <div class="grid2">
                        <div class="control">
                            <label for="f-barcode">"Barcode format"</label>
                            <select id="f-barcode" disabled=using_template aria-describedby="err-barcode"
                                prop:value=move || draft.with(|d| d.barcode_format.as_str().to_string())
                                on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.barcode_format = BarcodeFormat::parse(&v).unwrap_or_default()); }>
                                {crate::draft::BARCODE_CHOICES.iter().map(|f| view! { <option value=f.as_str()>{crate::draft::barcode_label(*f)}</option> }).collect_view()}
                            </select>
                            <FieldError errors=errors attr="barcode"/>
                        </div>
                        <div class="control">
                            <label for="f-code_type">"Code numbering"</label>
                            <select id="f-code_type" aria-describedby="err-code_type"
                                prop:value=move || draft.with(|d| d.code_type.as_str().to_string())
                                on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.code_type = CodeType::parse(&v).unwrap_or_default()); }>
                                <option value="sequential">"Sequential (0000001, 0000002…)"</option>
                                <option value="fixed">"Fixed: one code for every pass"</option>
                                <option value="per_pass">"Per pass: given when each pass is made"</option>
                            </select>
                            <FieldError errors=errors attr="code_type"/>
                        </div>
                    </div>
                    <Show when=move || draft.with(|d| d.code_type == CodeType::Fixed)>
                        {text_control(draft, errors, "code_fixed_value", "Fixed code value", "text", |d| &d.code_fixed_value, |d, v| d.code_fixed_value = v)}
                    </Show>
                    {check_control(draft, "Allow a pass to be redeemed more than once", |d| d.allow_multiple_redeems, |d, v| d.allow_multiple_redeems = v)}
                </fieldset>
                <fieldset>
                    <legend>"Fields"</legend>
                    <p class="hint">"Fixed fields are the same on every pass; dynamic fields get a value per pass and keep it when the campaign is merged."</p>
                    {(0..5).map(|i| view! { <FieldArrayEditor draft=draft errors=errors arr=i/> }).collect_view()}
                    <FieldError errors=errors attr="fields"/>
                </fieldset>
                <fieldset>
                    <legend>"Relevance"</legend>
                    <div class="grid2">
                        {text_control(draft, errors, "expiration_date", "Expires (UTC)", "datetime-local", |d| &d.expiration_date, |d, v| d.expiration_date = v)}
                        {text_control(draft, errors, "relevant_date", "Relevant date (UTC)", "datetime-local", |d| &d.relevant_date, |d, v| d.relevant_date = v)}
                        {text_control(draft, errors, "max_distance", "Max distance (m)", "number", |d| &d.max_distance, |d, v| d.max_distance = v)}
                    </div>
                    <LocationsEditor draft=draft errors=errors/>
                    <BeaconsEditor draft=draft errors=errors/>
                    {check_control(draft, "Merge replaces pass locations", |d| d.sync_locations_on_merge, |d, v| d.sync_locations_on_merge = v)}
                    {check_control(draft, "Merge replaces pass beacons", |d| d.sync_beacons_on_merge, |d, v| d.sync_beacons_on_merge = v)}
                </fieldset>
                {crate::components::apple_section(draft, errors, ctype.pass_type(), |d: &CampaignDraft| &d.apple, |d: &mut CampaignDraft| &mut d.apple, texts, preview_lang, asset_list, Signal::derive(Default::default))}
                <fieldset>
                    <legend>"Signing and distribution"</legend>
                    <div class="control">
                        <label for="f-certificate_id">"Signing certificate"</label>
                        <select id="f-certificate_id" aria-describedby="err-certificate_id"
                            prop:value=move || draft.with(|d| d.certificate_id.clone())
                            on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.certificate_id = v); }>
                            <option value="">"Default certificate"</option>
                            {certificate_options}
                        </select>
                        <FieldError errors=errors attr="certificate_id"/>
                    </div>
                    <div class="control">
                        <label for="f-google_issuer_id">"Google Wallet issuer"</label>
                        <select id="f-google_issuer_id" aria-describedby="err-google_issuer_id"
                            prop:value=move || draft.with(|d| d.google_issuer_id.clone())
                            on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.google_issuer_id = v); }>
                            <option value="">"Default issuer"</option>
                            {google_issuer_options}
                        </select>
                        <FieldError errors=errors attr="google_issuer_id"/>
                    </div>
                    {text_control(draft, errors, "associated_store_identifiers", "App Store ids (comma separated)", "text", |d| &d.associated_store_identifiers, |d, v| d.associated_store_identifiers = v)}
                    {check_control(draft, "Open Graph tags on the download page", |d| d.og, |d, v| d.og = v)}
                    {text_control(draft, errors, "og_description", "Open Graph description", "text", |d| &d.og_description, |d, v| d.og_description = v)}
                    {text_control(draft, errors, "remote_form_url", "Remote form URL", "url", |d| &d.remote_form_url, |d, v| d.remote_form_url = v)}
                    {area_control(draft, errors, "javascript", "JavaScript for the download page", |d| &d.javascript, |d, v| d.javascript = v)}
                    {area_control(draft, errors, "stylesheet", "CSS for the download page", |d| &d.stylesheet, |d, v| d.stylesheet = v)}
                    {area_control(draft, errors, "user_info", "User info (JSON object)", |d| &d.user_info, |d, v| d.user_info = v)}
                    {matches!(ctype, CampaignType::Coupon | CampaignType::StoreCard).then(|| {
                        check_control(draft, "Sync with Android Pay", |d| d.gwallet_usage, |d, v| d.gwallet_usage = v)
                    })}
                    <FieldError errors=errors attr="gwallet_usage"/>
                </fieldset>
                <div class="actions">
                    <button type="submit" class="btn primary" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else if edit_id.with_value(|i| i.is_some()) { "Save changes" } else { "Create campaign" }}
                    </button>
                    <A href=crate::link(cancel_href) attr:class="btn">"Cancel"</A>
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

/// The confirmation after saving an edit: passes already issued keep the old version
/// until the campaign is merged into them.
pub fn saved_message(passes: i64) -> String {
    match passes {
        0 => "Saved.".to_string(),
        1 => "Saved. The pass already issued shows the change after “Merge into passes…”."
            .to_string(),
        n => format!(
            "Saved. The {n} passes already issued show the change after “Merge into passes…”."
        ),
    }
}
