//! Campaign reports (§15): the daily report (C15) and the totals (C16), computed from the
//! `report_daily` roll-up (one row per campaign, day and counter).
//!
//! Counters are named by [`Counter`] (the §15.1 names plus the per-OS install/uninstall
//! counters that feed `i`/`u` and the `apple`/`android` totals blocks, and Google Wallet's,
//! counted apart as `google_wallet`, a part of `android`).

use crate::auth::CampaignScope;
use crate::error::{ApiError, ApiResult};
use crate::model::counters::{self, Counter};
use crate::model::devices;
use crate::model::expiry::count_expired;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::Json;
use chrono::{Duration, Months, NaiveDate, Utc};
use passworks_wire as wire;
use std::collections::{BTreeMap, HashMap};

/// Adds `value` of `counter` to daily counters.
fn add_daily(c: &mut wire::DailyCounters, counter: Counter, value: i64) {
    let slot = match counter {
        Counter::InstallsIos => &mut c.i.ios,
        Counter::InstallsAndroid => &mut c.i.android,
        Counter::InstallsWp => &mut c.i.wp,
        Counter::UninstallsIos => &mut c.u.ios,
        Counter::UninstallsAndroid => &mut c.u.android,
        Counter::UninstallsWp => &mut c.u.wp,
        Counter::InstallsGoogleWallet => &mut c.i.google_wallet,
        Counter::UninstallsGoogleWallet => &mut c.u.google_wallet,
        Counter::Creates => &mut c.creates_count,
        Counter::Downloads => &mut c.downloads_count,
        Counter::Views => &mut c.views_count,
        Counter::Installs => &mut c.installs_count,
        Counter::Uninstalls => &mut c.uninstalls_count,
        Counter::Fetches => &mut c.fetches_count,
        Counter::Redeems => &mut c.redeems_count,
        Counter::Expires => &mut c.expires_count,
        Counter::Pushes => &mut c.pushes_count,
        Counter::Updates => &mut c.updates_count,
        Counter::Webhooks => &mut c.webhooks_count,
        Counter::ApiCalls => &mut c.api_calls_count,
        Counter::DistributionUpdates => &mut c.distribution_updates_count,
    };
    *slot += value;
}

fn parse_date(raw: Option<&String>, attr: &str, default: NaiveDate) -> ApiResult<NaiveDate> {
    let Some(raw) = raw else { return Ok(default) };
    let bad = || {
        let mut m = BTreeMap::new();
        m.insert(
            attr.to_string(),
            vec!["is not a valid date (YYYY-MM-DD)".to_string()],
        );
        ApiError::BadRequestFields(m)
    };
    let s = raw.trim();
    if s.len() != 10 || s.as_bytes()[4] != b'-' || s.as_bytes()[7] != b'-' {
        return Err(bad());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())
}

/// `GET /{type}/{campaign_id}/reports?start_date&end_date` (C15).
pub async fn daily(
    State(state): State<AppState>,
    scope: CampaignScope,
    Query(query): Query<HashMap<String, String>>,
) -> ApiResult<Json<wire::DailyReport>> {
    let c = scope.campaign;
    // This process's counts of the last second (API calls, this one included; views)
    // and the events of the downloads it answered.
    state.passes.flush_served(&state).await;
    state.tally.flush(&state.db).await?;
    count_expired(&state.db, Some(&c.id)).await?;
    let today = Utc::now().date_naive();
    let month_ago = today.checked_sub_months(Months::new(1)).unwrap_or(today);
    let start = parse_date(query.get("start_date"), "start_date", month_ago)?;
    let end = parse_date(query.get("end_date"), "end_date", today)?;
    if end < start {
        let mut m = BTreeMap::new();
        m.insert(
            "end_date".to_string(),
            vec!["must be on or after start_date".to_string()],
        );
        return Err(ApiError::BadRequestFields(m));
    }
    if (end - start).num_days() > 3660 {
        let mut m = BTreeMap::new();
        m.insert(
            "start_date".to_string(),
            vec!["the range may span at most ten years".to_string()],
        );
        return Err(ApiError::BadRequestFields(m));
    }
    let mut report: BTreeMap<String, wire::DailyCounters> = BTreeMap::new();
    let mut day = start;
    while day <= end {
        report.insert(day.format("%Y-%m-%d").to_string(), Default::default());
        day += Duration::days(1);
    }
    let (start_day, end_day) = (
        start.format("%Y-%m-%d").to_string(),
        end.format("%Y-%m-%d").to_string(),
    );
    for (day, counter, total) in
        counters::daily_sums(&state.db, &c.id, &start_day, &end_day).await?
    {
        if let Some(entry) = report.get_mut(&day) {
            add_daily(entry, counter, total.max(0));
        }
    }
    // Active and removed passes at the end of each day: installs and uninstalls since the
    // campaign began, carried forward from before the range.
    let (mut installed, mut removed) = (0i64, 0i64);
    for (counter, total) in counters::sums(&state.db, &c.id, Some(&start_day)).await? {
        match counter {
            Counter::Installs => installed = total,
            Counter::Uninstalls => removed = total,
            _ => {}
        }
    }
    for entry in report.values_mut() {
        installed += entry.installs_count;
        removed += entry.uninstalls_count;
        entry.active_count = (installed - removed).max(0);
        entry.removed_count = removed;
    }
    Ok(Json(wire::DailyReport {
        campaign_id: c.id,
        start_date: start_day,
        end_date: end_day,
        report,
    }))
}

/// `GET /{type}/{campaign_id}/reports/totals` (C16).
pub async fn totals(
    State(state): State<AppState>,
    scope: CampaignScope,
) -> ApiResult<Json<wire::TotalsReport>> {
    let c = scope.campaign;
    // This process's counts of the last second (API calls, this one included; views)
    // and the events of the downloads it answered.
    state.passes.flush_served(&state).await;
    state.tally.flush(&state.db).await?;
    count_expired(&state.db, Some(&c.id)).await?;
    let mut daily = wire::DailyCounters::default();
    for (counter, total) in counters::sums(&state.db, &c.id, None).await? {
        add_daily(&mut daily, counter, total.max(0));
    }
    // Active: passes installed in a wallet right now; removed: every uninstall so far.
    let active = devices::count_for_campaign(&state.db, &c.id).await?;
    daily.active_count = active;
    daily.removed_count = daily.uninstalls_count;
    let d = daily;
    Ok(Json(wire::TotalsReport {
        campaign_id: c.id,
        report: wire::TotalsCounters {
            creates_count: d.creates_count,
            downloads_count: d.downloads_count,
            views_count: d.views_count,
            installs_count: d.installs_count,
            uninstalls_count: d.uninstalls_count,
            fetches_count: d.fetches_count,
            redeems_count: d.redeems_count,
            expires_count: d.expires_count,
            pushes_count: d.pushes_count,
            updates_count: d.updates_count,
            webhooks_count: d.webhooks_count,
            api_calls_count: d.api_calls_count,
            distribution_updates_count: d.distribution_updates_count,
            active_count: d.active_count,
            removed_count: d.removed_count,
            apple: wire::PlatformTotals {
                installs_count: d.i.ios,
                uninstalls_count: d.u.ios,
            },
            android: wire::PlatformTotals {
                installs_count: d.i.android,
                uninstalls_count: d.u.android,
            },
            google_wallet: wire::PlatformTotals {
                installs_count: d.i.google_wallet,
                uninstalls_count: d.u.google_wallet,
            },
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        let d = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        assert!(parse_date(Some(&"2020-02-30".into()), "start_date", d).is_err());
        assert!(parse_date(Some(&"2020-2-3".into()), "start_date", d).is_err());
        assert_eq!(
            parse_date(Some(&"2020-02-29".into()), "start_date", d).unwrap(),
            NaiveDate::from_ymd_opt(2020, 2, 29).unwrap()
        );
    }
}
