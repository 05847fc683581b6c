//! Registrations and reports of a campaign.

use leptos::prelude::*;
use leptos_router::components::A;
use passworks_wire::query::ListQuery;
use passworks_wire::{CampaignType, DailyCounters, DailyReport, Registration};

use crate::api::{self, ApiError};
use crate::components::*;
use crate::pages::{campaign_href, use_ctype, use_param, CampaignHeader};
use crate::table_state::{Column, FilterKind};
use crate::util::{add_days, fmt_datetime, short_id, to_csv, today};

/// Wallet installs of one campaign.
#[component]
pub fn RegistrationsPage() -> impl IntoView {
    let ctype = use_ctype();
    let cid = use_param("id");
    let campaign = LocalResource::new(move || {
        let (t, id) = (ctype.get(), cid.get());
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
                    Ok(c) => {
                        let t = c.campaign_type;
                        let id = c.id.clone();
                        let id2 = c.id.clone();
                        view! {
                            <CampaignHeader c=c title="Registrations"/>
                            <p class="lead">"Each row is a pass currently installed in a wallet; uninstalls remove rows."</p>
                            <DataTable
                                caption="Registrations"
                                columns=vec![
                                    Column::new("pass_id", "Pass").unsorted(),
                                    Column::new("wallet", "Wallet").filter(FilterKind::Choice(&["passbook", "google_wallet", "wallet_passes", "passworks_wallet", "pass2u", "passwallet"])),
                                    Column::new("device_os", "Device").filter(FilterKind::Choice(&["ios", "android", "wp"])),
                                    Column::new("created_at", "Installed"),
                                ]
                                fetch=move |q: ListQuery| {
                                    let id = id.clone();
                                    async move { api::campaigns::registrations(t, &id, &q).await }
                                }
                                row=move |r: &Registration| {
                                    let href = format!("{}/passes/{}", campaign_href(t, &id2), r.pass_id);
                                    let label = short_id(&r.pass_id);
                                    view! {
                                        <td><A href=crate::link(href)>{label}</A></td>
                                        <td>{r.wallet.clone()}</td>
                                        <td>{r.device_os.clone()}</td>
                                        <td>{fmt_datetime(&r.created_at)}</td>
                                    }
                                    .into_any()
                                }
                                row_id=|r: &Registration| r.id.clone()
                                empty="No pass of this campaign is installed yet."
                            />
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// Series drawn on the daily chart: counter, label, colour.
pub const SERIES: &[(&str, &str, &str)] = &[
    ("views_count", "Page views", "#64748b"),
    ("downloads_count", "Downloads", "#2563eb"),
    ("installs_count", "Installs", "#16a34a"),
    ("uninstalls_count", "Uninstalls", "#dc2626"),
    ("redeems_count", "Redeems", "#d97706"),
    ("creates_count", "Passes created", "#7c3aed"),
];

/// Every daily counter in CSV column order.
pub const COUNTERS: &[&str] = &[
    "creates_count",
    "downloads_count",
    "views_count",
    "installs_count",
    "uninstalls_count",
    "fetches_count",
    "redeems_count",
    "expires_count",
    "pushes_count",
    "updates_count",
    "webhooks_count",
    "api_calls_count",
    "distribution_updates_count",
    "active_count",
    "removed_count",
];

/// One counter of a day, by name.
pub fn counter(d: &DailyCounters, name: &str) -> i64 {
    match name {
        "creates_count" => d.creates_count,
        "downloads_count" => d.downloads_count,
        "views_count" => d.views_count,
        "installs_count" => d.installs_count,
        "uninstalls_count" => d.uninstalls_count,
        "fetches_count" => d.fetches_count,
        "redeems_count" => d.redeems_count,
        "expires_count" => d.expires_count,
        "pushes_count" => d.pushes_count,
        "updates_count" => d.updates_count,
        "webhooks_count" => d.webhooks_count,
        "api_calls_count" => d.api_calls_count,
        "distribution_updates_count" => d.distribution_updates_count,
        "active_count" => d.active_count,
        "removed_count" => d.removed_count,
        _ => 0,
    }
}

/// CSV of a daily report: one row per day, every counter plus installs/uninstalls by OS
/// and Google Wallet's apart (a part of Android's).
pub fn report_csv(r: &DailyReport) -> String {
    let mut header = vec!["date"];
    header.extend_from_slice(COUNTERS);
    header.extend_from_slice(&[
        "installs_ios",
        "installs_android",
        "installs_wp",
        "uninstalls_ios",
        "uninstalls_android",
        "uninstalls_wp",
        "installs_google_wallet",
        "uninstalls_google_wallet",
    ]);
    let rows: Vec<Vec<String>> = r
        .report
        .iter()
        .map(|(day, c)| {
            let mut row = vec![day.clone()];
            row.extend(COUNTERS.iter().map(|n| counter(c, n).to_string()));
            row.extend(
                [
                    c.i.ios,
                    c.i.android,
                    c.i.wp,
                    c.u.ios,
                    c.u.android,
                    c.u.wp,
                    c.i.google_wallet,
                    c.u.google_wallet,
                ]
                .iter()
                .map(|n| n.to_string()),
            );
            row
        })
        .collect();
    to_csv(&header, &rows)
}

/// SVG polyline points for one series scaled into a `w`×`h` box.
pub fn polyline(values: &[i64], max: i64, w: f64, h: f64, pad: f64) -> String {
    let n = values.len().max(2) - 1;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = pad + (w - 2.0 * pad) * i as f64 / n as f64;
            let y = h - pad - (h - 2.0 * pad) * (*v as f64) / (max.max(1) as f64);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[component]
fn Chart(report: DailyReport) -> impl IntoView {
    let (w, h, pad) = (720.0, 240.0, 28.0);
    let days: Vec<&DailyCounters> = report.report.values().collect();
    let max = SERIES
        .iter()
        .flat_map(|(n, _, _)| days.iter().map(move |d| counter(d, n)))
        .max()
        .unwrap_or(0)
        .max(1);
    let lines = SERIES
        .iter()
        .map(|(n, label, colour)| {
            let values: Vec<i64> = days.iter().map(|d| counter(d, n)).collect();
            view! {
                <polyline fill="none" stroke=*colour stroke-width="2" points=polyline(&values, max, w, h, pad)>
                    <title>{*label}</title>
                </polyline>
            }
        })
        .collect_view();
    let first = report.report.keys().next().cloned().unwrap_or_default();
    let last = report.report.keys().last().cloned().unwrap_or_default();
    let summary = format!("Daily activity from {first} to {last}; highest daily value {max}.");
    view! {
        <svg class="chart" viewBox=format!("0 0 {w} {h}") role="img" aria-label=summary>
            <line class="axis" x1=pad y1=h - pad x2=w - pad y2=h - pad/>
            <line class="axis" x1=pad y1=pad x2=pad y2=h - pad/>
            <line class="grid" x1=pad y1=pad x2=w - pad y2=pad/>
            // One y label: the top of the scale (the axis starts at 0).
            <text x=pad + 4.0 y=pad - 6.0>{format!("{max} per day")}</text>
            <text x=pad y=h - 8.0>{first}</text>
            <text x=w - pad y=h - 8.0 text-anchor="end">{last}</text>
            {lines}
        </svg>
        <div class="legend">
            {SERIES.iter().map(|(_, l, c)| view! { <span style=format!("--c:{c}")>{*l}</span> }).collect_view()}
        </div>
        <details class="per-day">
            <summary>"Values per day"</summary>
            <div class="table-wrap">
                <table class="data">
                    <thead><tr>
                        <th scope="col">"Day"</th>
                        {SERIES.iter().map(|(_, l, _)| view! { <th scope="col">{*l}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {report.report.iter().map(|(day, c)| view! {
                            <tr>
                                <th scope="row">{day.clone()}</th>
                                {SERIES.iter().map(|(n, _, _)| view! { <td>{counter(c, n)}</td> }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </details>
    }
}

/// The date range's problem, said under the field it concerns (`None` when it is fine).
pub fn range_error(start: &str, end: &str) -> Option<(&'static str, String)> {
    let (Some(s), Some(e)) = (crate::util::parse_date(start), crate::util::parse_date(end)) else {
        return Some(("start", "Enter both dates.".to_string()));
    };
    if s > e {
        return Some((
            "end",
            format!("The end ({end}) is before the start ({start})."),
        ));
    }
    // The server's limit (C15).
    if e - s > 3660 {
        return Some(("end", "Choose at most ten years (3,660 days).".to_string()));
    }
    None
}

/// Daily chart over a date range, totals, CSV export.
#[component]
pub fn ReportsPage() -> impl IntoView {
    let ctype = use_ctype();
    let cid = use_param("id");
    let end = RwSignal::new(today());
    let start = RwSignal::new(add_days(&today(), -30).unwrap_or_default());
    let range = RwSignal::new((start.get_untracked(), end.get_untracked()));
    let range_problem = RwSignal::new(None::<(&'static str, String)>);
    let data = LocalResource::new(move || {
        let (t, id) = (ctype.get(), cid.get());
        let (s, e) = range.get();
        async move {
            let t = t.unwrap_or(CampaignType::Generic);
            let campaign = api::campaigns::get(t, &id).await?;
            let daily = api::reports::daily(t, &id, &s, &e).await;
            let totals = api::reports::totals(t, &id).await;
            Ok::<_, ApiError>((campaign, daily, totals))
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading what="report"/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorBanner message=e.message()/> }.into_any(),
                    Ok((c, daily, totals)) => {
                        let totals_view = match totals {
                            Ok(t) => {
                                let r = t.report;
                                let cards = [
                                    ("Passes created", r.creates_count), ("Page views", r.views_count), ("Downloads", r.downloads_count),
                                    ("Installs", r.installs_count), ("Uninstalls", r.uninstalls_count), ("Active", r.active_count),
                                    ("Redeems", r.redeems_count), ("Pushes", r.pushes_count), ("Updates", r.updates_count),
                                    ("Device fetches", r.fetches_count), ("Webhooks", r.webhooks_count), ("API calls", r.api_calls_count),
                                    ("Apple installs", r.apple.installs_count), ("Android installs", r.android.installs_count),
                                    ("Google Wallet installs", r.google_wallet.installs_count),
                                    ("Other Android installs", (r.android.installs_count - r.google_wallet.installs_count).max(0)),
                                ];
                                view! {
                                    <div class="totals">
                                        {cards.into_iter().map(|(l, n)| view! { <div class="card"><div class="hint">{l}</div><div class="n">{n}</div></div> }).collect_view()}
                                    </div>
                                }
                                .into_any()
                            }
                            Err(e) => view! { <ErrorBanner message=e.message()/> }.into_any(),
                        };
                        let daily_view = match daily {
                            Ok(r) => {
                                let csv = report_csv(&r);
                                let name = format!("{}-{}-{}.csv", c.name.replace(|ch: char| !ch.is_alphanumeric(), "-"), r.start_date, r.end_date);
                                view! {
                                    <Chart report=r/>
                                    <button type="button" class="btn" on:click=move |_| download_text(&name, &csv, "text/csv")>"Export CSV"</button>
                                }
                                .into_any()
                            }
                            Err(e) => view! { <ErrorBanner message=e.message()/> }.into_any(),
                        };
                        view! {
                            <CampaignHeader c=c title="Reports"/>
                            <h2>"Since the start"</h2>
                            {totals_view}
                            <h2>"Daily"</h2>
                            <form class="toolbar range-form" novalidate on:submit=move |ev| {
                                ev.prevent_default();
                                let (s, e) = (start.get_untracked(), end.get_untracked());
                                // A bad range keeps the chart that is shown and says why under the field.
                                match range_error(&s, &e) {
                                    Some(p) => { range_problem.set(Some(p)); reveal_errors(); }
                                    None => { range_problem.set(None); range.set((s, e)); }
                                }
                            }>
                                <label for="r-start">"From"</label>
                                <input id="r-start" type="date" aria-describedby="err-range"
                                    aria-invalid=move || range_problem.with(|p| p.as_ref().is_some_and(|p| p.0 == "start")).then_some("true")
                                    prop:value=move || start.get() on:input=move |ev| start.set(event_target_value(&ev))/>
                                <label for="r-end">"to"</label>
                                <input id="r-end" type="date" aria-describedby="err-range"
                                    aria-invalid=move || range_problem.with(|p| p.as_ref().is_some_and(|p| p.0 == "end")).then_some("true")
                                    prop:value=move || end.get() on:input=move |ev| end.set(event_target_value(&ev))/>
                                <button type="submit" class="btn">"Show"</button>
                                {move || range_problem.get().map(|(_, m)| view! { <p class="field-error" id="err-range">{m}</p> })}
                            </form>
                            {daily_view}
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_row_per_day_and_every_counter() {
        let mut r = DailyReport {
            campaign_id: "c".into(),
            start_date: "2024-01-01".into(),
            end_date: "2024-01-02".into(),
            report: Default::default(),
        };
        r.report.insert(
            "2024-01-01".into(),
            DailyCounters {
                installs_count: 3,
                ..Default::default()
            },
        );
        r.report
            .insert("2024-01-02".into(), DailyCounters::default());
        let csv = report_csv(&r);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("date,creates_count"));
        assert_eq!(lines[1].split(',').nth(4), Some("3"));
        assert!(lines[0].ends_with(",installs_google_wallet,uninstalls_google_wallet"));
    }

    #[test]
    fn a_reversed_range_is_a_message_for_the_end_field() {
        assert_eq!(range_error("2026-01-01", "2026-01-31"), None);
        assert_eq!(range_error("2026-01-31", "2026-01-31"), None);
        let (field, msg) = range_error("2026-02-01", "2026-01-01").unwrap();
        assert_eq!(field, "end");
        assert!(msg.contains("before the start"), "{msg}");
        assert_eq!(range_error("", "2026-01-01").unwrap().0, "start");
        assert_eq!(range_error("2004-01-01", "2026-01-01").unwrap().0, "end");
    }

    #[test]
    fn polyline_scales_to_the_box() {
        assert_eq!(
            polyline(&[0, 10], 10, 100.0, 50.0, 0.0),
            "0.0,50.0 100.0,0.0"
        );
    }
}
